//! The purchases' contract: refunds with their postings (R-M5), renewals and expiry (R-R*).

use chrono::Duration;
use marketplace_domain::catalog::ItemRef;
use marketplace_domain::checkout::{OrderStatus, PaymentMethod};
use marketplace_domain::purchase::{
    Billing, PurchaseEnd, PurchaseStatus, RefundExtent, RefundPlan,
};
use marketplace_domain::revenue::{PostingKind, SellerKind, refund_posting_after};
use marketplace_domain::tier::Tier;

use super::ContractPorts;
use super::setup::{
    at, credits, ok, order, org, place_paid, platform, purchase_of, seller, some, tool, user,
};
use crate::builders::{unique_uuid, usd};

/// R-M5, R-E2: a partial then a full refund update the purchase, the order, the credits,
/// the ledger and (when full) end the entitlements.
pub async fn refund_partial_then_full(p: &ContractPorts) {
    let s = seller(p, SellerKind::ThirdParty, "0.05").await;
    let t = tool(p, s, |b| b.price("40.00")).await;
    let keep = tool(p, s, |b| b.price("10.00")).await;
    let org = org(p, Tier::Elite, "100.00").await;
    let u = user(p, org).await;
    let o = order(
        p,
        org,
        u,
        &[ItemRef::Tool(t.id), ItemRef::Tool(keep.id)],
        PaymentMethod::PlatformCredits,
    )
    .await;
    place_paid(p, &o, "refund-1").await;
    assert_eq!(credits(p, org).await, usd("50.00"));
    let mut purchase = purchase_of(p, org, ItemRef::Tool(t.id)).await;
    let sale = ok(p.purchases.postings(purchase.id()).await, "postings");
    assert_eq!(sale.len(), 1, "contract: one sale posting");

    // Partial: 10.00 of 40.00.
    let now = at() + Duration::days(1);
    let extent = ok(purchase.refund(usd("10.00"), now), "refund rule");
    assert_eq!(extent, RefundExtent::Partial);
    let posting = ok(
        refund_posting_after(
            marketplace_domain::ids::PostingId::from_uuid(unique_uuid()),
            &sale[0],
            &[],
            usd("10.00"),
            now,
        ),
        "refund posting",
    );
    let partial = RefundPlan {
        purchase: purchase.clone(),
        amount: usd("10.00"),
        extent,
        posting: posting.clone(),
        end: None,
        credit_back: Some(usd("10.00")),
        order_status: OrderStatus::PartiallyRefunded,
    };
    ok(p.purchases.refund(&partial).await, "partial refund");
    let stored = some(
        ok(p.purchases.find(purchase.id()).await, "find"),
        "purchase",
    );
    assert_eq!(
        (stored.status(), stored.refunded()),
        (PurchaseStatus::Active, usd("10.00")),
        "contract: a partial refund keeps the purchase active"
    );
    let o_now = some(ok(p.orders.get(org, o.id()).await, "get"), "order");
    assert_eq!(
        (o_now.status(), o_now.refunded()),
        (OrderStatus::PartiallyRefunded, usd("10.00")),
        "contract: the order is PARTIALLY_REFUNDED by 10.00"
    );
    assert_eq!(
        credits(p, org).await,
        usd("60.00"),
        "contract R-O3: credits given back"
    );
    let postings = ok(p.purchases.postings(purchase.id()).await, "postings");
    assert_eq!(
        postings.len(),
        2,
        "contract R-M5: the refund posting is stored"
    );
    assert_eq!(
        postings[0].kind(),
        PostingKind::Sale,
        "contract: postings oldest first"
    );
    assert_eq!(
        postings[1], posting,
        "contract R-M5: the refund posting round-trips"
    );
    assert!(
        ok(p.holdings.holdings(org, now).await, "holdings").holds_tool(t.id),
        "contract R-E2: a partial refund keeps access"
    );

    // Full: the remaining 30.00.
    let later = now + Duration::days(1);
    let extent = ok(purchase.refund(usd("30.00"), later), "refund rule");
    assert_eq!(extent, RefundExtent::Full);
    let posting2 = ok(
        refund_posting_after(
            marketplace_domain::ids::PostingId::from_uuid(unique_uuid()),
            &sale[0],
            &[posting],
            usd("30.00"),
            later,
        ),
        "refund posting",
    );
    let granted = ok(
        p.purchases.entitlements_of(purchase.id()).await,
        "entitlements_of",
    );
    assert_eq!(
        granted.len(),
        1,
        "contract: the purchase granted one entitlement"
    );
    let full = RefundPlan {
        purchase: purchase.clone(),
        amount: usd("30.00"),
        extent,
        posting: posting2,
        end: Some(PurchaseEnd {
            at: purchase.ended_at().unwrap_or(purchase.created_at()),
            purchase: purchase.clone(),
            end_entitlements: granted.iter().map(|e| e.id).collect(),
            successor_entitlements: Vec::new(),
        }),
        credit_back: Some(usd("30.00")),
        order_status: OrderStatus::PartiallyRefunded,
    };
    ok(p.purchases.refund(&full).await, "full refund");
    let stored = some(
        ok(p.purchases.find(purchase.id()).await, "find"),
        "purchase",
    );
    assert_eq!(
        (stored.status(), stored.refunded()),
        (PurchaseStatus::Refunded, usd("40.00")),
        "contract: a full refund ends the purchase"
    );
    assert_eq!(stored.ended_at(), Some(later), "contract: ended_at is kept");
    let o_now = some(ok(p.orders.get(org, o.id()).await, "get"), "order");
    assert_eq!(
        (o_now.status(), o_now.refunded()),
        (OrderStatus::PartiallyRefunded, usd("40.00")),
        "contract: the order keeps 10.00 of 50.00"
    );
    assert_eq!(
        credits(p, org).await,
        usd("90.00"),
        "contract R-O3: all 40.00 back"
    );
    assert!(
        ok(
            p.purchases.entitlements_of(purchase.id()).await,
            "entitlements_of"
        )
        .is_empty(),
        "contract R-E2: its entitlements ended"
    );
    let h = ok(p.holdings.holdings(org, later).await, "holdings");
    assert!(
        !h.holds_tool(t.id),
        "contract R-E2: the refunded tool is no longer held"
    );
    assert!(
        h.holds_tool(keep.id),
        "contract R-E2: the other purchase's tool still is"
    );
    assert_eq!(
        ok(p.purchases.postings(purchase.id()).await, "postings").len(),
        3,
        "contract R-M5: sale and two refunds"
    );
    assert_eq!(
        ok(
            p.purchases.list(org, Some(PurchaseStatus::Active)).await,
            "list"
        )
        .len(),
        1
    );

    // Refund the other purchase in full: the order is REFUNDED.
    let mut other = purchase_of(p, org, ItemRef::Tool(keep.id)).await;
    let sale = ok(p.purchases.postings(other.id()).await, "postings");
    let extent = ok(other.refund(usd("10.00"), later), "refund rule");
    let granted = ok(
        p.purchases.entitlements_of(other.id()).await,
        "entitlements_of",
    );
    let last = RefundPlan {
        purchase: other.clone(),
        amount: usd("10.00"),
        extent,
        posting: ok(
            refund_posting_after(
                marketplace_domain::ids::PostingId::from_uuid(unique_uuid()),
                &sale[0],
                &[],
                usd("10.00"),
                later,
            ),
            "posting",
        ),
        end: Some(PurchaseEnd {
            at: other.ended_at().unwrap_or(other.created_at()),
            purchase: other.clone(),
            end_entitlements: granted.iter().map(|e| e.id).collect(),
            successor_entitlements: Vec::new(),
        }),
        credit_back: Some(usd("10.00")),
        order_status: OrderStatus::Refunded,
    };
    ok(p.purchases.refund(&last).await, "last refund");
    let o_now = some(ok(p.orders.get(org, o.id()).await, "get"), "order");
    assert_eq!(
        (o_now.status(), o_now.refunded()),
        (OrderStatus::Refunded, usd("50.00")),
        "contract: all refunded: REFUNDED"
    );
    assert_eq!(
        credits(p, org).await,
        usd("100.00"),
        "contract R-O3: the balance is whole again"
    );
}

/// R-R2: renewing moves the period and the entitlements' `until`; the purchase is due to
/// expire only after the new end; ending it ends its entitlements.
pub async fn renew_then_expire(p: &ContractPorts) {
    let s = platform(p).await;
    let t = tool(p, s, |b| b.price("9.00").monthly()).await;
    let org = org(p, Tier::Elite, "100.00").await;
    let u = user(p, org).await;
    let o = order(
        p,
        org,
        u,
        &[ItemRef::Tool(t.id)],
        PaymentMethod::PlatformCredits,
    )
    .await;
    place_paid(p, &o, "renew-1").await;
    let mut purchase = purchase_of(p, org, ItemRef::Tool(t.id)).await;
    let first_end = some(purchase.billing().paid_until(), "a recurring period");
    assert_eq!(
        first_end,
        at() + Duration::days(31),
        "contract R-R1: Jan 15 + 1 month = Feb 15"
    );
    let due = ok(p.purchases.due_to_expire(first_end).await, "due_to_expire");
    assert!(
        due.iter().any(|x| x.id() == purchase.id()),
        "contract R-R2: due at its period end"
    );
    let next = ok(purchase.renew(), "renew rule");
    ok(p.purchases.renew(&purchase).await, "renew");
    let stored = some(
        ok(p.purchases.find(purchase.id()).await, "find"),
        "purchase",
    );
    assert_eq!(
        stored.billing(),
        purchase.billing(),
        "contract R-R2: the new period is stored"
    );
    let ents = ok(
        p.purchases.entitlements_of(purchase.id()).await,
        "entitlements_of",
    );
    assert!(
        !ents.is_empty() && ents.iter().all(|e| e.until == Some(next.end())),
        "contract R-R2: entitlements' until moves with the period"
    );
    let mid = first_end + Duration::days(1);
    assert!(
        ok(p.holdings.holdings(org, mid).await, "holdings").holds_tool(t.id),
        "contract R-R2: held in the new period"
    );
    assert!(
        !ok(p.purchases.due_to_expire(mid).await, "due")
            .iter()
            .any(|x| x.id() == purchase.id()),
        "contract R-R2: not due before the new end"
    );

    // Cancel auto-renew (save), then expire at the end (end).
    ok(purchase.cancel_auto_renew(), "cancel rule");
    ok(p.purchases.save(&purchase).await, "save");
    let stored = some(
        ok(p.purchases.get(org, purchase.id()).await, "get"),
        "purchase",
    );
    assert!(
        matches!(
            stored.billing(),
            Billing::Recurring {
                auto_renew: false,
                ..
            }
        ),
        "contract: save keeps auto-renew off"
    );
    let end_at = next.end();
    let due = ok(p.purchases.due_to_expire(end_at).await, "due");
    assert!(
        due.iter().any(|x| x.id() == purchase.id()),
        "contract R-R2: due at the new end"
    );
    ok(
        purchase.expire(
            end_at,
            marketplace_domain::subscription::GracePeriod::default(),
        ),
        "expire rule",
    );
    let ending = PurchaseEnd {
        at: purchase.ended_at().unwrap_or(purchase.created_at()),
        purchase: purchase.clone(),
        end_entitlements: ents.iter().map(|e| e.id).collect(),
        successor_entitlements: Vec::new(),
    };
    ok(p.purchases.end(&ending).await, "end");
    let stored = some(
        ok(p.purchases.find(purchase.id()).await, "find"),
        "purchase",
    );
    assert_eq!(
        stored.status(),
        PurchaseStatus::Expired,
        "contract R-R2: EXPIRED"
    );
    assert!(
        ok(
            p.purchases.entitlements_of(purchase.id()).await,
            "entitlements_of"
        )
        .is_empty(),
        "contract R-E2: entitlements ended"
    );
    assert!(
        !ok(
            p.holdings.holdings(org, end_at - Duration::days(1)).await,
            "holdings"
        )
        .holds_tool(t.id),
        "contract R-E2: ended entitlements are not in force even inside the period"
    );
    assert!(
        !ok(p.purchases.due_to_expire(end_at).await, "due")
            .iter()
            .any(|x| x.id() == purchase.id()),
        "contract: an expired purchase is not due again"
    );
}
