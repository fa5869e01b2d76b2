//! R-K2 and R-K3: whether an item may go into a cart, checked in the rule's order. The same
//! checks run again at checkout (R-O1).

use crate::catalog::{NotPurchasableReason, Offer, Tool};
use crate::entitlement::{Holdings, counts_toward_paid_tool_limit};
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
    let paid = |t: &Tool| counts_toward_paid_tool_limit(t.pricing.model());
    for o in remaining.chain(std::iter::once(offer)) {
        match o {
            Offer::Tool(t) if paid(t) => tools += 1,
            Offer::Tool(_) => {}
            Offer::Bundle(_) => bundles += 1,
        }
    }
    let (tool_limit, bundle_limit) = (ctx.tier.paid_tool_limit(), ctx.tier.bundle_limit());
    match offer {
        Offer::Tool(t) if paid(t) && !tool_limit.allows(tools) => {
            Err(AddRefusal::QuotaExceeded { limit: tool_limit })
        }
        Offer::Bundle(_) if !bundle_limit.allows(bundles) => Err(AddRefusal::QuotaExceeded {
            limit: bundle_limit,
        }),
        _ => Ok(covered),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::PriceModel;
    use crate::catalog::fixtures::{bundle, holdings, tid, tool, tool_priced, usd};
    use crate::entitlement::{Entitlement, EntitlementSource, HeldPurchase};
    use crate::ids::{EntitlementId, PurchaseId};
    use rust_decimal::dec;
    use uuid::Uuid;

    fn tool_ref(n: u128) -> ItemRef {
        ItemRef::Tool(tid(n))
    }

    /// Holdings of direct purchases of tools `1..=paid` (paid) and `100..100+free` (FREE),
    /// plus the extra purchases in `more`.
    fn held(paid: u128, free: u128, more: &[HeldPurchase]) -> Holdings {
        let direct = |n: u128, model| HeldPurchase {
            purchase_id: PurchaseId::from_uuid(Uuid::from_u128(0x700 + n)),
            item: tool_ref(n),
            tools: vec![tid(n)],
            price_model: Some(model),
        };
        let purchases: Vec<HeldPurchase> = (1..=paid)
            .map(|n| direct(n, PriceModel::OneTime))
            .chain((100..100 + free).map(|n| direct(n, PriceModel::Free)))
            .chain(more.iter().cloned())
            .collect();
        let ents: Vec<Entitlement> = purchases
            .iter()
            .flat_map(|p| {
                p.tools.iter().map(|t| Entitlement {
                    id: EntitlementId::from_uuid(Uuid::new_v4()),
                    org_id: crate::catalog::fixtures::org_id(),
                    tool_id: *t,
                    purchase_id: p.purchase_id,
                    source: match p.item {
                        ItemRef::Tool(_) => EntitlementSource::Purchase,
                        ItemRef::Bundle(_) => EntitlementSource::Bundle,
                    },
                    granted_at: crate::catalog::fixtures::now(),
                    until: None,
                    ended_at: None,
                })
            })
            .collect();
        Holdings::new(purchases, &ents, crate::catalog::fixtures::now())
    }

    fn growth(holdings: &Holdings, offer: &Offer) -> Result<Vec<ItemRef>, AddRefusal> {
        check_item(
            offer,
            &Purchasability {
                tier: Tier::Growth,
                holdings,
                others: &[],
            },
        )
    }

    #[test]
    fn r_s2_held_free_tools_leave_a_growth_orgs_paid_slots_free() {
        let tenth = Offer::Tool(tool(50, dec!(5)));
        // Nine paid tools and five FREE ones held: the tenth paid tool still fits.
        assert_eq!(growth(&held(9, 5, &[]), &tenth), Ok(vec![]));
        // Ten paid tools held: it does not.
        assert_eq!(
            growth(&held(10, 5, &[]), &tenth),
            Err(AddRefusal::QuotaExceeded {
                limit: Limit::AtMost(10)
            })
        );
        // A FREE tool never meets the limit, however many paid ones are held.
        let free = Offer::Tool(tool_priced(51, PriceModel::Free, usd(dec!(0))));
        assert_eq!(growth(&held(10, 5, &[]), &free), Ok(vec![]));
    }

    #[test]
    fn r_s2_free_tools_in_the_cart_leave_a_growth_orgs_paid_slots_free() {
        let free_line = Offer::Tool(tool_priced(52, PriceModel::Free, usd(dec!(0))));
        let paid_line = Offer::Tool(tool(53, dec!(5)));
        let tenth = Offer::Tool(tool(54, dec!(5)));
        let with_lines = |others: &[Offer]| {
            check_item(
                &tenth,
                &Purchasability {
                    tier: Tier::Growth,
                    holdings: &held(9, 0, &[]),
                    others,
                },
            )
        };
        // Nine paid tools held and a FREE tool in the cart: the tenth paid tool still fits.
        assert_eq!(with_lines(std::slice::from_ref(&free_line)), Ok(vec![]));
        // A paid tool in the cart takes the last slot.
        assert_eq!(
            with_lines(&[free_line, paid_line]),
            Err(AddRefusal::QuotaExceeded {
                limit: Limit::AtMost(10)
            })
        );
    }

    #[test]
    fn r_s2_tools_held_through_a_bundle_leave_a_growth_orgs_paid_slots_free() {
        let (t1, t2, t3) = (tool(61, dec!(5)), tool(62, dec!(5)), tool(63, dec!(5)));
        let b = bundle(6, dec!(12), &[&t1, &t2, &t3]);
        let via_bundle = holdings(&[(ItemRef::Bundle(b.id()), vec![t1.id, t2.id, t3.id])]);
        assert_eq!((via_bundle.paid_tools(), via_bundle.bundles()), (0, 1));
        // Nine paid tools held directly and three through the bundle: a tenth still fits.
        let bundle_purchase = via_bundle.purchases()[0].clone();
        let h = held(9, 0, &[bundle_purchase]);
        assert_eq!(h.paid_tools(), 9);
        let tenth = Offer::Tool(tool(70, dec!(5)));
        assert_eq!(growth(&h, &tenth), Ok(vec![]));
        // The bundle takes GROWTH's one bundle slot: a second bundle is refused.
        let other = Offer::Bundle(bundle(
            7,
            dec!(9),
            &[&tool(71, dec!(5)), &tool(72, dec!(5))],
        ));
        assert_eq!(
            growth(&h, &other),
            Err(AddRefusal::QuotaExceeded {
                limit: Limit::AtMost(1)
            })
        );
    }

    #[test]
    fn r_k2_a_bundle_purchase_still_active_is_already_owned_without_entitlements() {
        // The bundle's purchase is ACTIVE but its entitlements lapsed (a recurring period
        // over, before the expiry job ran): buying it again would only meet the store's
        // one-active-purchase rule at fulfilment, so the cart refuses it now.
        let (t1, t2) = (tool(81, dec!(5)), tool(82, dec!(5)));
        let b = bundle(8, dec!(8), &[&t1, &t2]);
        let purchase = HeldPurchase {
            purchase_id: PurchaseId::from_uuid(Uuid::from_u128(0x881)),
            item: ItemRef::Bundle(b.id()),
            tools: vec![t1.id, t2.id],
            price_model: None,
        };
        let lapsed = Holdings::new(vec![purchase], &[], crate::catalog::fixtures::now());
        assert!(!lapsed.holds_tool(t1.id));
        assert_eq!(
            growth(&lapsed, &Offer::Bundle(b.clone())),
            Err(AddRefusal::AlreadyOwned {
                item: ItemRef::Bundle(b.id())
            })
        );
        // Without the purchase the same bundle may be added.
        let nothing = Holdings::new(vec![], &[], crate::catalog::fixtures::now());
        assert_eq!(growth(&nothing, &Offer::Bundle(b)), Ok(vec![]));
    }
}
