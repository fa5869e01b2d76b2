//! R-K4: a cart's totals, derived from live catalog prices at every read; a line under a
//! plan (R-B3) is priced at its plan's price.

use crate::catalog::Offer;
use crate::item::ItemRef;
use crate::money::{Currency, Money};
use crate::plan::{BillingInterval, GrantedTrial, Plan, PlanCode};

/// A cart line with its live price.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricedLine {
    pub item: ItemRef,
    pub name: String,
    /// What the line sells for now: its plan's price; under the item's default plan, the
    /// catalog's price (R-B2: the same).
    pub price: Money,
    /// What its parts cost one by one (a bundle's list price; a tool: its price). A plan
    /// other than the item's default is its own list price: it saves nothing.
    pub list_price: Money,
    /// False when the item vanished or can no longer be bought, or its plan was archived:
    /// checkout will refuse it.
    pub available: bool,
    /// The plan the line is bought under (R-B3); `None` for an item sold without plans.
    pub plan: Option<PlanCode>,
    /// How often the plan is paid; `None` without a plan.
    pub interval: Option<BillingInterval>,
    /// The free days this org gets with the line's plan (R-B10); 0 when it pays at once.
    pub trial_days: u8,
    /// What checkout charges for the line now: nothing during a trial, else its price.
    pub due_now: Money,
}

/// The cart as the buyer sees it. `subtotal - savings == total`, always.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CartView {
    pub lines: Vec<PricedLine>,
    pub currency: Currency,
    /// Sum of the lines' list prices.
    pub subtotal: Money,
    /// What bundles save against their parts.
    pub savings: Money,
    /// Sum of the lines' prices.
    pub total: Money,
    /// What checkout charges now (R-B3): the total less the lines in a trial.
    pub due_now: Money,
}

/// A cart line to price: the item and, when it sells through plans, the plan it names
/// and whether that plan is the item's default.
#[derive(Clone, Copy, Debug)]
pub struct LineToPrice<'a> {
    pub item: ItemRef,
    pub plan: Option<&'a Plan>,
    pub is_default: bool,
    /// The trial this org gets with the plan (R-B10).
    pub trial: Option<GrantedTrial>,
}

impl CartView {
    /// Prices `lines` (in cart order) from their live offers; a line whose offer is missing
    /// is shown as unavailable at zero. The currency is the first priced line's, else
    /// `fallback`.
    #[must_use]
    pub fn price(lines: &[ItemRef], offers: &[Offer], fallback: Currency) -> Self {
        let lines: Vec<LineToPrice<'_>> = lines
            .iter()
            .map(|item| LineToPrice {
                item: *item,
                plan: None,
                is_default: true,
                trial: None,
            })
            .collect();
        Self::price_lines(&lines, offers, fallback)
    }

    /// As [`CartView::price`], each line under its plan (R-B3): a plan other than the
    /// default at its own price (and list price: it saves nothing), the default at the
    /// catalog's prices; unavailable once the plan is archived.
    #[must_use]
    pub fn price_lines(lines: &[LineToPrice<'_>], offers: &[Offer], fallback: Currency) -> Self {
        let currency = offers.first().map_or(fallback, |o| o.price().currency());
        let priced: Vec<PricedLine> = lines
            .iter()
            .map(|line| match offers.iter().find(|o| o.item() == line.item) {
                Some(o) => {
                    // The default plan sells at the catalog's price, the one shown (R-B2).
                    let (price, list_price) = match line.plan {
                        Some(plan) if !line.is_default => (plan.price(), plan.price()),
                        Some(_) | None => (o.price(), o.list_price()),
                    };
                    PricedLine {
                        item: line.item,
                        name: o.name().to_string(),
                        price,
                        list_price,
                        available: o.check_purchasable().is_ok()
                            && line.plan.is_none_or(Plan::is_on_sale),
                        plan: line.plan.map(|p| p.code().clone()),
                        interval: line.plan.map(Plan::interval),
                        trial_days: line.trial.map_or(0, GrantedTrial::days),
                        due_now: match line.trial {
                            Some(_) => Money::zero(price.currency()),
                            None => price,
                        },
                    }
                }
                None => PricedLine {
                    item: line.item,
                    name: String::new(),
                    price: Money::zero(currency),
                    list_price: Money::zero(currency),
                    available: false,
                    plan: line.plan.map(|p| p.code().clone()),
                    interval: line.plan.map(Plan::interval),
                    trial_days: 0,
                    due_now: Money::zero(currency),
                },
            })
            .collect();
        let sum = |f: fn(&PricedLine) -> Money| {
            Money::unrounded(priced.iter().map(|l| f(l).amount()).sum(), currency)
        };
        let subtotal = sum(|l| l.list_price);
        let total = sum(|l| l.price);
        let due_now = sum(|l| l.due_now);
        let savings = Money::unrounded(subtotal.amount() - total.amount(), currency);
        Self {
            lines: priced,
            currency,
            subtotal,
            savings,
            total,
            due_now,
        }
    }
}
