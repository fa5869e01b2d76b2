//! R-K2 and R-K3: whether an item may go into a cart, checked in the rule's order. The same
//! checks run again at checkout (R-O1).

use crate::catalog::{NotPurchasableReason, Offer};
use crate::entitlement::Holdings;
use crate::item::ItemRef;
use crate::money::Currency;
use crate::tier::{Limit, Tier};

/// Why an item may not be added (or bought).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddRefusal {
    NotPurchasable(NotPurchasableReason),
    TierTooLow { required: Tier },
    AlreadyOwned { item: ItemRef },
    CurrencyMismatch { cart: Currency, item: Currency },
    CoveredByBundle { bundle: ItemRef },
    QuotaExceeded { limit: Limit },
}

/// The context an item is judged in: the org's tier and holdings, and the other items
/// that would be bought with it.
#[derive(Debug)]
pub struct Purchasability<'a> {
    pub tier: Tier,
    pub holdings: &'a Holdings,
    /// The other offers in the cart (or order), live from the catalog.
    pub others: &'a [Offer],
}

/// R-K2 (in order: purchasable, tier, owned, covered (R-K3), currency, limits) for one
/// offer. On success returns the tool lines among `others` that a bundle replaces.
///
/// # Errors
/// The first rule the offer breaks.
pub fn check_item(offer: &Offer, ctx: &Purchasability<'_>) -> Result<Vec<ItemRef>, AddRefusal> {
    offer
        .check_purchasable()
        .map_err(AddRefusal::NotPurchasable)?;
    let required = offer.required_tier();
    if !ctx.tier.meets(required) {
        return Err(AddRefusal::TierTooLow { required });
    }
    let owned = match offer {
        // A direct purchase still ACTIVE counts as held even when its paid period lapsed and
        // the expiry job has not run yet: buying again would only meet the store's
        // one-active-purchase rule at fulfilment.
        Offer::Tool(t) => ctx.holdings.holds_tool(t.id) || ctx.holdings.holds_directly(t.id),
        Offer::Bundle(b) => {
            ctx.holdings.holds_bundle(b.id())
                || b.tools().iter().all(|t| ctx.holdings.holds_tool(t.tool_id))
        }
    };
    if owned {
        return Err(AddRefusal::AlreadyOwned { item: offer.item() });
    }
    let others = ctx.others.iter().filter(|o| o.item() != offer.item());
    let mut covered = Vec::new();
    for other in others.clone() {
        match (offer, other) {
            (Offer::Tool(t), Offer::Bundle(b)) if b.contains(t.id) => {
                return Err(AddRefusal::CoveredByBundle {
                    bundle: other.item(),
                });
            }
            (Offer::Bundle(b), Offer::Tool(t)) if b.contains(t.id) => covered.push(other.item()),
            _ => {}
        }
    }
    if let Some(first) = others.clone().next() {
        let (cart, item) = (first.price().currency(), offer.price().currency());
        if cart != item {
            return Err(AddRefusal::CurrencyMismatch { cart, item });
        }
    }
    let remaining = others.filter(|o| !covered.contains(&o.item()));
    let (mut tools, mut bundles) = (ctx.holdings.paid_tools(), ctx.holdings.bundles());
    for o in remaining.chain(std::iter::once(offer)) {
        match o {
            Offer::Tool(t) if t.counts_toward_limit() => tools += 1,
            Offer::Tool(_) => {}
            Offer::Bundle(_) => bundles += 1,
        }
    }
    let (tool_limit, bundle_limit) = (ctx.tier.paid_tool_limit(), ctx.tier.bundle_limit());
    match offer {
        Offer::Tool(t) if t.counts_toward_limit() && !tool_limit.allows(tools) => {
            Err(AddRefusal::QuotaExceeded { limit: tool_limit })
        }
        Offer::Bundle(_) if !bundle_limit.allows(bundles) => Err(AddRefusal::QuotaExceeded {
            limit: bundle_limit,
        }),
        _ => Ok(covered),
    }
}
