//! The orders' contract: idempotent placing (R-O2), the credit debit (R-O3) and
//! fulfilment (R-O4, R-O5) as single atomic writes.

use chrono::Duration;
use marketplace_domain::cart::{Cart, CartLine};
use marketplace_domain::catalog::{ItemRef, PageRequest, Tool};
use marketplace_domain::checkout::{OrderStatus, PaymentMethod, PaymentRef};
use marketplace_domain::entitlement::EntitlementSource;
use marketplace_domain::ports::{Conflict, RepoError};
use marketplace_domain::purchase::{Billing, PurchaseStatus};
use marketplace_domain::revenue::{PostingKind, SellerKind};
use marketplace_domain::tier::Tier;

use super::ContractPorts;
use super::setup::{
    at, bundle, credits, key, ok, order, org, place_paid, placed, plan, platform, seller, some,
    tool, user,
};
use crate::builders::{BundleBuilder, usd};

/// R-O2: an idempotency key is unique per org; the loser is not stored.
pub async fn place_idempotency_key_conflict(p: &ContractPorts) {
    let s = platform(p).await;
    let t = tool(p, s, |b| b.price("25.00")).await;
    let org = org(p, Tier::Elite, "0").await;
    let u = user(p, org).await;
    let first = order(p, org, u, &[ItemRef::Tool(t.id)], PaymentMethod::Invoice).await;
    let first_placed = placed(&first, "key-1");
    ok(p.orders.place(&first_placed).await, "place");
    let keyed = some(
        ok(
            p.orders.find_by_key(org, &key("key-1")).await,
            "find_by_key",
        ),
        "the keyed order",
    );
    assert_eq!(
        keyed.order, first,
        "contract R-O1: the order round-trips every field"
    );
    assert_eq!(
        keyed.fingerprint, first_placed.fingerprint,
        "contract R-O2: the fingerprint is kept"
    );
    assert_eq!(
        some(ok(p.orders.find(first.id()).await, "find"), "find"),
        first
    );

    let second = order(p, org, u, &[ItemRef::Tool(t.id)], PaymentMethod::Invoice).await;
    match p.orders.place(&placed(&second, "key-1")).await {
        Err(RepoError::Conflict(Conflict::IdempotencyKey)) => {}
        other => {
            panic!("contract R-O2: a taken key must be Conflict(IdempotencyKey), got {other:?}")
        }
    }
    assert_eq!(
        ok(p.orders.get(org, second.id()).await, "get"),
        None,
        "contract: the refused order is not stored"
    );
    ok(
        p.orders.place(&placed(&second, "key-2")).await,
        "another key is free",
    );

    // Attaching a payment and moving states.
    let pay = PaymentRef {
        reference: format!("pi_{}", second.id()),
        client_secret: Some("secret".into()),
    };
    ok(
        p.orders.attach_payment(second.id(), &pay).await,
        "attach_payment",
    );
    let found = some(
        ok(
            p.orders.find_by_payment(&pay.reference).await,
            "find_by_payment",
        ),
        "by payment",
    );
    assert_eq!(
        (found.id(), found.payment().cloned()),
        (second.id(), Some(pay)),
        "contract: the payment is attached"
    );
    ok(
        p.orders
            .transition(
                second.id(),
                OrderStatus::PendingPayment,
                OrderStatus::Cancelled,
                None,
                at(),
            )
            .await,
        "transition",
    );
    match p
        .orders
        .transition(
            second.id(),
            OrderStatus::PendingPayment,
            OrderStatus::Failed,
            Some("x".into()),
            at(),
        )
        .await
    {
        Err(RepoError::Stale(_)) => {}
        other => panic!(
            "contract: a transition from a state the order left must be Stale, got {other:?}"
        ),
    }
    let got = some(ok(p.orders.get(org, second.id()).await, "get"), "order");
    assert_eq!(
        got.status(),
        OrderStatus::Cancelled,
        "contract: the stale transition changed nothing"
    );
}

/// R-O3: credits are debited with the order; a debit beyond the balance is
/// `InsufficientCredits` and stores nothing.
pub async fn place_with_credit_debit(p: &ContractPorts) {
    let s = platform(p).await;
    let t = tool(p, s, |b| b.price("30.00")).await;
    let t2 = tool(p, s, |b| b.price("30.00")).await;
    let org = org(p, Tier::Elite, "50.00").await;
    let u = user(p, org).await;
    let o = order(
        p,
        org,
        u,
        &[ItemRef::Tool(t.id)],
        PaymentMethod::PlatformCredits,
    )
    .await;
    place_paid(p, &o, "credits-1").await;
    assert_eq!(
        credits(p, org).await,
        usd("20.00"),
        "contract R-O3: 30.00 debited from 50.00"
    );
    let stored = some(ok(p.orders.get(org, o.id()).await, "get"), "order");
    assert_eq!(
        stored.status(),
        OrderStatus::Fulfilled,
        "contract R-O3: paid at once and fulfilled"
    );

    let before_cart = vec![CartLine {
        item: ItemRef::Tool(t2.id),
        plan: None,
        added_at: at(),
    }];
    ok(
        p.carts
            .save(&Cart::restore(org, u, before_cart.clone()))
            .await,
        "save cart",
    );
    let o2 = order(
        p,
        org,
        u,
        &[ItemRef::Tool(t2.id)],
        PaymentMethod::PlatformCredits,
    )
    .await;
    let plan2 = plan(p, &o2, at()).await;
    let mut fulfilled = o2.clone();
    ok(fulfilled.fulfil(at()), "fulfil");
    let mut too_much = placed(&fulfilled, "credits-2");
    too_much.credit_debit = Some(o2.total());
    too_much.fulfilment = Some(plan2);
    match p.orders.place(&too_much).await {
        Err(RepoError::InsufficientCredits) => {}
        other => panic!(
            "contract R-O3: a debit beyond the balance must be InsufficientCredits, got {other:?}"
        ),
    }
    assert_eq!(
        credits(p, org).await,
        usd("20.00"),
        "contract R-O3: the balance is unchanged"
    );
    assert_eq!(
        ok(p.orders.get(org, o2.id()).await, "get"),
        None,
        "contract R-O3: no order stored"
    );
    assert_eq!(
        ok(
            p.orders.find_by_key(org, &key("credits-2")).await,
            "find_by_key"
        ),
        None,
        "contract R-O3: the key stays free"
    );
    assert!(
        ok(p.purchases.list(org, None).await, "list")
            .iter()
            .all(|x| x.item() != ItemRef::Tool(t2.id)),
        "contract R-O3: no purchase stored"
    );
    assert!(
        !ok(p.holdings.holdings(org, at()).await, "holdings").holds_tool(t2.id),
        "contract R-O3: no entitlement stored"
    );
    assert_eq!(
        ok(p.carts.load(org, u).await, "load").lines(),
        before_cart.as_slice(),
        "contract R-O3: the cart is untouched"
    );
    let t2_now = some(ok(p.catalog.tool(t2.id).await, "tool"), "tool");
    assert_eq!(
        t2_now.stats.purchase_count, 0,
        "contract R-O3: no counter moved"
    );
}

/// R-O4, R-E1, R-M5: a fulfilment stores purchases, entitlements and postings, bumps one
/// counter per purchase and removes the bought lines from the cart.
pub async fn fulfil_stores_everything(p: &ContractPorts) {
    let own = platform(p).await;
    let third = seller(p, SellerKind::ThirdParty, "0.10").await;
    let t1 = tool(p, third, |b| b.price("20.00").purchases(4)).await;
    let t2 = tool(p, own, |b| b.price("9.99").monthly()).await;
    let t3 = tool(p, third, |b| b.price("40.00")).await;
    let t4 = tool(p, own, |b| b.price("60.00")).await;
    let t5 = tool(p, own, |b| b.price("5.00")).await;
    let b = bundle(p, BundleBuilder::over(&[&t3, &t4]).price("80.00")).await;
    let org = org(p, Tier::Elite, "0").await;
    let u = user(p, org).await;
    let items = [
        ItemRef::Tool(t1.id),
        ItemRef::Tool(t2.id),
        ItemRef::Bundle(b.id()),
    ];
    let mut lines: Vec<CartLine> = items
        .iter()
        .map(|i| CartLine {
            item: *i,
            plan: None,
            added_at: at(),
        })
        .collect();
    lines.push(CartLine {
        item: ItemRef::Tool(t5.id),
        plan: None,
        added_at: at(),
    });
    ok(
        p.carts.save(&Cart::restore(org, u, lines)).await,
        "save cart",
    );
    let o = order(p, org, u, &items, PaymentMethod::Invoice).await;
    ok(p.orders.place(&placed(&o, "fulfil-1")).await, "place");
    let now = at() + Duration::hours(1);
    let plan = plan(p, &o, now).await;
    ok(p.orders.fulfil(&plan).await, "fulfil");

    let stored = some(ok(p.orders.get(org, o.id()).await, "get"), "order");
    assert_eq!(
        stored.status(),
        OrderStatus::Fulfilled,
        "contract R-O4: the order is FULFILLED"
    );
    let mut purchases = ok(p.purchases.list(org, None).await, "list");
    purchases.sort_by_key(|x| x.id());
    let mut want = plan.purchases.clone();
    want.sort_by_key(|x| x.id());
    assert_eq!(
        purchases, want,
        "contract R-O4: every purchase stored, every field"
    );
    let monthly = some(
        purchases.iter().find(|x| x.item() == ItemRef::Tool(t2.id)),
        "monthly purchase",
    );
    assert!(
        matches!(monthly.billing(), Billing::Recurring { .. }),
        "contract R-R1: a monthly tool is a recurring purchase"
    );
    let active = ok(
        p.purchases.list(org, Some(PurchaseStatus::Active)).await,
        "list active",
    );
    assert_eq!(active.len(), 3, "contract: the status filter of list");
    assert!(
        ok(
            p.purchases.list(org, Some(PurchaseStatus::Refunded)).await,
            "list"
        )
        .is_empty()
    );
    // A page is the store's cut of the same order as the whole list, with the count of all.
    let newest_first = ok(p.purchases.list(org, None).await, "list");
    for offset in [0, 2, 4] {
        let request = some(
            PageRequest::new(Some(2), Some(offset)).ok(),
            "a page request",
        );
        let page = ok(p.purchases.page(org, None, request).await, "page");
        assert_eq!(
            (page.total, page.limit, page.offset),
            (newest_first.len() as u64, 2, offset),
            "contract: a page of purchases counts every match"
        );
        assert_eq!(
            page.items,
            newest_first
                .iter()
                .skip(offset as usize)
                .take(2)
                .cloned()
                .collect::<Vec<_>>(),
            "contract: a page of purchases is the list's cut at {offset}"
        );
    }
    let active_page = ok(
        p.purchases
            .page(org, Some(PurchaseStatus::Active), PageRequest::default())
            .await,
        "page active",
    );
    assert_eq!(
        (active_page.total, active_page.items.len()),
        (3, 3),
        "contract: the status filter of a page"
    );

    let oldest_first = ok(p.holdings.entitlements(org, now).await, "entitlements");
    for offset in [0, 3] {
        let request = some(
            PageRequest::new(Some(3), Some(offset)).ok(),
            "a page request",
        );
        let page = ok(
            p.holdings.entitlement_page(org, now, request).await,
            "entitlement page",
        );
        assert_eq!(
            page.total,
            oldest_first.len() as u64,
            "contract: a page of entitlements counts all in force"
        );
        assert_eq!(
            page.items,
            oldest_first
                .iter()
                .skip(offset as usize)
                .take(3)
                .cloned()
                .collect::<Vec<_>>(),
            "contract: a page of entitlements is the list's cut at {offset}"
        );
    }

    let mut ents = ok(p.holdings.entitlements(org, now).await, "entitlements");
    ents.sort_by_key(|e| e.id);
    let mut want = plan.entitlements.clone();
    want.sort_by_key(|e| e.id);
    assert_eq!(
        ents, want,
        "contract R-E1: every entitlement stored, every field"
    );
    assert_eq!(
        ents.len(),
        4,
        "contract R-E1: t1, t2 and one per bundle tool"
    );
    assert_eq!(
        ents.iter()
            .filter(|e| e.source == EntitlementSource::Bundle)
            .count(),
        2
    );
    let h = ok(p.holdings.holdings(org, now).await, "holdings");
    for t in [t1.id, t2.id, t3.id, t4.id] {
        assert!(
            h.holds_tool(t),
            "contract R-E3: the org holds every bought tool"
        );
    }
    assert!(
        !h.holds_tool(t5.id),
        "contract R-E3: not what it did not buy"
    );
    assert!(h.holds_bundle(b.id()), "contract R-E3: and the bundle");
    assert_eq!(
        (h.paid_tools(), h.bundles()),
        (2, 1),
        "contract R-S2: held counts"
    );
    let later = monthly
        .billing()
        .paid_until()
        .map(|u| u + Duration::seconds(1));
    let after = ok(
        p.holdings.holdings(org, some(later, "period end")).await,
        "holdings",
    );
    assert!(
        !after.holds_tool(t2.id),
        "contract R-R2: a lapsed period's entitlement is not in force"
    );
    assert!(
        after.holds_tool(t1.id),
        "contract R-E3: one-time entitlements stay in force"
    );

    for purchase in &plan.purchases {
        let postings = ok(p.purchases.postings(purchase.id()).await, "postings");
        let sales: Vec<_> = plan
            .postings
            .iter()
            .filter(|x| x.purchase_id() == Some(purchase.id()))
            .cloned()
            .collect();
        assert_eq!(
            postings, sales,
            "contract R-M5: the sale posting is stored, every entry"
        );
        assert_eq!(postings.len(), 1);
        assert_eq!(postings[0].kind(), PostingKind::Sale);
    }

    let count = |t: &Tool| {
        let id = t.id;
        async move {
            some(ok(p.catalog.tool(id).await, "tool"), "tool")
                .stats
                .purchase_count
        }
    };
    assert_eq!(count(&t1).await, 5, "contract R-O4: t1's counter 4 -> 5");
    assert_eq!(count(&t2).await, 1, "contract R-O4: t2's counter 0 -> 1");
    assert_eq!(
        count(&t3).await,
        0,
        "contract R-O4: one counter per purchase: the bundle's, not its tools'"
    );
    let b_now = some(ok(p.catalog.bundle(b.id()).await, "bundle"), "bundle");
    assert_eq!(
        b_now.purchase_count(),
        1,
        "contract R-O4: the bundle's counter 0 -> 1"
    );
    let cart = ok(p.carts.load(org, u).await, "load");
    assert_eq!(
        cart.items_sorted(),
        vec![ItemRef::Tool(t5.id)],
        "contract R-O4: bought lines leave the cart, others stay"
    );
}

/// R-O4: fulfilling an order that no longer awaits payment is `Stale` and changes nothing.
pub async fn second_fulfil_is_stale(p: &ContractPorts) {
    let s = platform(p).await;
    let t = tool(p, s, |b| b.price("15.00")).await;
    let org = org(p, Tier::Elite, "0").await;
    let u = user(p, org).await;
    let o = order(p, org, u, &[ItemRef::Tool(t.id)], PaymentMethod::Invoice).await;
    ok(p.orders.place(&placed(&o, "stale-1")).await, "place");
    let first = plan(p, &o, at()).await;
    ok(p.orders.fulfil(&first).await, "first fulfil");
    let again = plan(p, &o, at()).await;
    match p.orders.fulfil(&again).await {
        Err(RepoError::Stale(_)) => {}
        other => panic!("contract R-O4: a second fulfil must be Stale, got {other:?}"),
    }
    assert_eq!(
        ok(p.purchases.list(org, None).await, "list").len(),
        1,
        "contract R-O4: one purchase only"
    );
    assert_eq!(
        some(ok(p.catalog.tool(t.id).await, "tool"), "tool")
            .stats
            .purchase_count,
        1,
        "contract R-O4: counted once"
    );
    assert_eq!(
        ok(p.holdings.entitlements(org, at()).await, "entitlements").len(),
        1,
        "contract R-O4: one entitlement"
    );

    // A failed order does not fulfil either.
    let t2 = tool(p, s, |b| b.price("15.00")).await;
    let o2 = order(p, org, u, &[ItemRef::Tool(t2.id)], PaymentMethod::Invoice).await;
    ok(p.orders.place(&placed(&o2, "stale-2")).await, "place");
    ok(
        p.orders
            .transition(
                o2.id(),
                OrderStatus::PendingPayment,
                OrderStatus::Failed,
                Some("payment_failed".into()),
                at(),
            )
            .await,
        "transition",
    );
    let failed = some(ok(p.orders.get(org, o2.id()).await, "get"), "order");
    assert_eq!(
        failed.failure_reason(),
        Some("payment_failed"),
        "contract: the failure reason is kept"
    );
    let p2 = plan(p, &o2, at()).await;
    assert!(
        matches!(p.orders.fulfil(&p2).await, Err(RepoError::Stale(_))),
        "contract R-O4: a FAILED order is Stale"
    );
    assert!(
        !ok(p.holdings.holdings(org, at()).await, "holdings").holds_tool(t2.id),
        "contract: nothing granted"
    );
}

/// R-O5: a fulfilment that would give the org a second active purchase of an item is
/// `Conflict(ActivePurchase)` and stores nothing, in `fulfil` and in `place`.
pub async fn conflicting_active_purchase_stores_nothing(p: &ContractPorts) {
    let s = platform(p).await;
    let t = tool(p, s, |b| b.price("15.00")).await;
    let other = tool(p, s, |b| b.price("8.00")).await;
    let org = org(p, Tier::Elite, "100.00").await;
    let u = user(p, org).await;
    // Two orders for the same tool, both pending (two racing checkouts).
    let o1 = order(p, org, u, &[ItemRef::Tool(t.id)], PaymentMethod::Invoice).await;
    let o2 = order(
        p,
        org,
        u,
        &[ItemRef::Tool(other.id), ItemRef::Tool(t.id)],
        PaymentMethod::Invoice,
    )
    .await;
    ok(p.orders.place(&placed(&o1, "race-1")).await, "place");
    ok(p.orders.place(&placed(&o2, "race-2")).await, "place");
    let plan1 = plan(p, &o1, at()).await;
    let plan2 = plan(p, &o2, at()).await;
    ok(p.orders.fulfil(&plan1).await, "the first fulfil wins");
    let cart = vec![CartLine {
        item: ItemRef::Tool(other.id),
        plan: None,
        added_at: at(),
    }];
    ok(
        p.carts.save(&Cart::restore(org, u, cart.clone())).await,
        "save cart",
    );
    match p.orders.fulfil(&plan2).await {
        Err(RepoError::Conflict(Conflict::ActivePurchase { item })) => {
            assert_eq!(
                item,
                ItemRef::Tool(t.id),
                "contract R-O5: the conflict names the item"
            );
        }
        other => panic!(
            "contract R-O5: a second active purchase must be Conflict(ActivePurchase), got {other:?}"
        ),
    }
    let o2_now = some(ok(p.orders.get(org, o2.id()).await, "get"), "order");
    assert_eq!(
        o2_now.status(),
        OrderStatus::PendingPayment,
        "contract R-O5: the losing order is unchanged"
    );
    let bought = ok(p.purchases.list(org, None).await, "list");
    assert_eq!(bought.len(), 1, "contract R-O5: exactly one purchase");
    assert!(
        bought.iter().all(|x| x.item() == ItemRef::Tool(t.id)),
        "contract R-O5: nothing of the loser stored"
    );
    assert!(
        !ok(p.holdings.holdings(org, at()).await, "holdings").holds_tool(other.id),
        "contract R-O5: no entitlement of the loser"
    );
    assert_eq!(
        some(ok(p.catalog.tool(other.id).await, "tool"), "tool")
            .stats
            .purchase_count,
        0,
        "contract R-O5: no counter moved"
    );
    assert_eq!(
        some(ok(p.catalog.tool(t.id).await, "tool"), "tool")
            .stats
            .purchase_count,
        1,
        "contract R-O5: counted once"
    );
    assert_eq!(
        ok(p.carts.load(org, u).await, "load").lines(),
        cart.as_slice(),
        "contract R-O5: the cart is untouched"
    );
    for purchase in &plan2.purchases {
        assert!(
            ok(p.purchases.postings(purchase.id()).await, "postings").is_empty(),
            "contract R-O5: no posting of the loser"
        );
    }

    // The same through place (credits, fulfilled at once): nothing stored, no debit.
    let o3 = order(
        p,
        org,
        u,
        &[ItemRef::Tool(t.id)],
        PaymentMethod::PlatformCredits,
    )
    .await;
    let plan3 = plan(p, &o3, at()).await;
    let mut fulfilled = o3.clone();
    ok(fulfilled.fulfil(at()), "fulfil");
    let mut placed3 = placed(&fulfilled, "race-3");
    placed3.credit_debit = Some(o3.total());
    placed3.fulfilment = Some(plan3);
    assert!(
        matches!(
            p.orders.place(&placed3).await,
            Err(RepoError::Conflict(Conflict::ActivePurchase { .. }))
        ),
        "contract R-O5: place with a conflicting fulfilment is Conflict(ActivePurchase)"
    );
    assert_eq!(
        ok(p.orders.get(org, o3.id()).await, "get"),
        None,
        "contract R-O5: the order is not stored"
    );
    assert_eq!(
        credits(p, org).await,
        usd("100.00"),
        "contract R-O5: no credits debited"
    );
}
