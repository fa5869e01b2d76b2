//! R-O4: fulfilment computed as one value (purchases, entitlements, postings, cart
//! removals) that a single port call persists atomically.

use chrono::{DateTime, Utc};

use crate::catalog::Offer;
use crate::checkout::{Order, OrderLine};
use crate::entitlement::{Entitlement, Holdings, grant};
use crate::ids::{OrderId, OrgId, PurchaseId, SellerId, UserId};
use crate::item::ItemRef;
use crate::ports::{IdGenerator, IdGeneratorExt};
use crate::purchase::{Billing, Period, Purchase};
use crate::revenue::{
    Posting, RevenueError, SaleLine, SellerTerms, bundle_sale_lines, sale_posting,
};

/// Everything a fulfilment changes, persisted in one transaction.
#[derive(Clone, Debug, PartialEq)]
pub struct FulfilmentPlan {
    pub order_id: OrderId,
    pub org_id: OrgId,
    pub user_id: UserId,
    pub purchases: Vec<Purchase>,
    pub entitlements: Vec<Entitlement>,
    /// One sale posting per paid purchase (R-M5).
    pub postings: Vec<Posting>,
    /// The bought lines, removed from the buyer's cart.
    pub cart_items: Vec<ItemRef>,
    pub at: DateTime<Utc>,
}

/// Why a fulfilment could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// An item of the order is no longer in the catalog.
    #[error("item {0:?} is no longer in the catalog")]
    MissingItem(ItemRef),
    #[error("no revenue terms for seller {0}")]
    UnknownSeller(SellerId),
    #[error(transparent)]
    Revenue(#[from] RevenueError),
}

/// Builds the fulfilment of `order` from the live catalog `offers` (for bundles' tools and
/// recurring price models), the sellers' `terms` and the org's `holdings`.
///
/// # Errors
/// [`PlanError`] when an item or a seller is unknown or a posting cannot be built.
pub fn plan_fulfilment(
    order: &Order,
    offers: &[Offer],
    terms: &[SellerTerms],
    holdings: &Holdings,
    ids: &dyn IdGenerator,
    now: DateTime<Utc>,
) -> Result<FulfilmentPlan, PlanError> {
    let terms_of = |seller: SellerId| {
        terms
            .iter()
            .find(|t| t.seller_id == seller)
            .cloned()
            .ok_or(PlanError::UnknownSeller(seller))
    };
    let mut plan = FulfilmentPlan {
        order_id: order.id(),
        org_id: order.org_id(),
        user_id: order.user_id(),
        purchases: Vec::with_capacity(order.lines().len()),
        entitlements: Vec::new(),
        postings: Vec::new(),
        cart_items: order.lines().iter().map(|l| l.item).collect(),
        at: now,
    };
    for line in order.lines() {
        let offer = offers
            .iter()
            .find(|o| o.item() == line.item)
            .ok_or(PlanError::MissingItem(line.item))?;
        let purchase_id: PurchaseId = ids.new_id();
        let gross = line.price_at_purchase;
        let billing =
            renews_every(line, offer).map_or(Billing::OneTime, |interval| Billing::Recurring {
                interval,
                period: first_period(line, interval, now),
                auto_renew: true,
            });
        let sale_lines = match offer {
            Offer::Tool(tool) => {
                vec![SaleLine {
                    tool_id: tool.id,
                    seller: terms_of(tool.seller_id)?,
                    gross,
                }]
            }
            Offer::Bundle(bundle) => {
                let parts = bundle
                    .tools()
                    .iter()
                    .map(|t| Ok((t.tool_id, t.price, terms_of(t.seller_id)?)))
                    .collect::<Result<Vec<_>, PlanError>>()?;
                bundle_sale_lines(gross, &parts)?
            }
        };
        plan.entitlements.extend(grant(
            order.org_id(),
            purchase_id,
            line.item,
            &offer.tool_ids(),
            billing.paid_until(),
            holdings,
            ids,
            now,
        ));
        if !gross.is_zero() {
            plan.postings.push(sale_posting(
                ids.new_id(),
                order.id(),
                Some(purchase_id),
                order.org_id(),
                now,
                &sale_lines,
            )?);
        }
        plan.purchases
            .push(Purchase::bought(purchase_id, order, line, billing, now));
    }
    Ok(plan)
}

/// How often the purchase an order line becomes renews; `None` when it is bought once.
/// The line's plan decides (R-B3); a line of an order placed before plans follows its
/// tool's price model, and such a bundle was bought once.
#[must_use]
pub fn renews_every(line: &OrderLine, offer: &Offer) -> Option<crate::interval::Interval> {
    match (&line.plan, offer) {
        (Some(plan), _) => plan.interval.recurring(),
        (None, Offer::Tool(tool)) => tool.pricing.recurring_interval(),
        (None, Offer::Bundle(_)) => None,
    }
}

/// The first period of a recurring line bought at `now`: its trial's window when it has
/// one (R-B10, nothing paid: the trial's end is its first renewal), else one interval.
fn first_period(
    line: &OrderLine,
    interval: crate::interval::Interval,
    now: DateTime<Utc>,
) -> Period {
    line.plan
        .as_ref()
        .and_then(|p| p.trial)
        .and_then(|trial| now.checked_add_signed(trial.duration()))
        .and_then(|end| Period::restore(now, end))
        .unwrap_or_else(|| Period::starting(now, interval))
}
