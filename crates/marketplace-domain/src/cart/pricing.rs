//! R-K4: a cart's totals, derived from live catalog prices at every read.

use crate::catalog::Offer;
use crate::item::ItemRef;
use crate::money::{Currency, Money};

/// A cart line with its live price.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PricedLine {
    pub item: ItemRef,
    pub name: String,
    /// What the line sells for now.
    pub price: Money,
    /// What its parts cost one by one (a bundle's list price; a tool: its price).
    pub list_price: Money,
    /// False when the item vanished or can no longer be bought: checkout will refuse it.
    pub available: bool,
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
}

impl CartView {
    /// Prices `lines` (in cart order) from their live offers; a line whose offer is missing
    /// is shown as unavailable at zero. The currency is the first priced line's, else
    /// `fallback`.
    #[must_use]
    pub fn price(lines: &[ItemRef], offers: &[Offer], fallback: Currency) -> Self {
        let currency = offers.first().map_or(fallback, |o| o.price().currency());
        let priced: Vec<PricedLine> = lines
            .iter()
            .map(|item| match offers.iter().find(|o| o.item() == *item) {
                Some(o) => PricedLine {
                    item: *item,
                    name: o.name().to_string(),
                    price: o.price(),
                    list_price: o.list_price(),
                    available: o.check_purchasable().is_ok(),
                },
                None => PricedLine {
                    item: *item,
                    name: String::new(),
                    price: Money::zero(currency),
                    list_price: Money::zero(currency),
                    available: false,
                },
            })
            .collect();
        let sum = |f: fn(&PricedLine) -> Money| {
            Money::unrounded(priced.iter().map(|l| f(l).amount()).sum(), currency)
        };
        let subtotal = sum(|l| l.list_price);
        let total = sum(|l| l.price);
        let savings = Money::unrounded(subtotal.amount() - total.amount(), currency);
        Self {
            lines: priced,
            currency,
            subtotal,
            savings,
            total,
        }
    }
}
