#![allow(clippy::unwrap_used, clippy::expect_used)]
//! R-E*, R-R*: entitlements, refunds, renewals and expiry through the services.

mod common;

use chrono::Duration;
use common::{add_all, buy, credits, holds, purchase_of, tool_ref};
use marketplace_domain::cart::CartError;
use marketplace_domain::catalog::ItemRef;
use marketplace_domain::checkout::OrderStatus;
use marketplace_domain::entitlement::EntitlementSource;
use marketplace_domain::lifecycle::PurchaseError;
use marketplace_domain::paging::PageRequest;
use marketplace_domain::purchase::{Billing, PurchaseRuleError, PurchaseStatus};
use marketplace_domain::review::{ReviewError, ReviewInput};
use marketplace_domain::tier::Tier;
use marketplace_testkit::Fakes;
use marketplace_testkit::builders::{BundleBuilder, admin_user, member, owner, t0, usd};

#[tokio::test]
async fn r_e1_bundle_grants_per_tool_without_duplicating_direct() {
    let f = Fakes::new();
    let org = f.new_org(Tier::Elite, usd("500.00"));
    let buyer = owner(org);
    let (a, b, c) = (
        f.tool(|t| t.price("30.00")),
        f.tool(|t| t.price("30.00")),
        f.tool(|t| t.price("30.00")),
    );
    let bundle = f.add_bundle(BundleBuilder::over(&[&a, &b, &c]).price("60.00"));
    buy(&f, &buyer, &[tool_ref(&a)]).await;
    buy(&f, &buyer, &[ItemRef::Bundle(bundle.id())]).await;
    let ents = f
        .entitlement_service()
        .list(&buyer, PageRequest::default())
        .await
        .unwrap()
        .items;
    assert_eq!(
        ents.len(),
        3,
        "one per tool, no duplicate of the direct one"
    );
    let of = |t: &marketplace_domain::catalog::Tool| {
        ents.iter()
            .filter(|e| e.tool_id == t.id)
            .collect::<Vec<_>>()
    };
    assert_eq!(of(&a).len(), 1);
    assert_eq!(of(&a)[0].source, EntitlementSource::Purchase);
    let bundle_purchase = purchase_of(&f, &buyer, ItemRef::Bundle(bundle.id()));
    for t in [&b, &c] {
        assert_eq!(of(t).len(), 1);
        assert_eq!(
            (of(t)[0].source, of(t)[0].purchase_id),
            (EntitlementSource::Bundle, bundle_purchase.id())
        );
    }
    // A bundle whose tools are all held is already owned.
    let bundle2 = f.add_bundle(BundleBuilder::over(&[&a, &b]).price("50.00"));
    let err = f
        .cart_service()
        .add(&buyer, ItemRef::Bundle(bundle2.id()))
        .await
        .unwrap_err();
    assert!(matches!(err, CartError::AlreadyOwned { .. }), "{err:?}");
}

#[tokio::test]
async fn r_e2_refund_ends_only_its_entitlements() {
    let f = Fakes::new();
    let org = f.new_org(Tier::Elite, usd("500.00"));
    let buyer = owner(org);
    let (a, b) = (f.tool(|t| t.price("40.00")), f.tool(|t| t.price("60.00")));
    let other = f.tool(|t| t.price("5.00"));
    let bundle = f.add_bundle(BundleBuilder::over(&[&a, &b]).price("80.00"));
    buy(&f, &buyer, &[tool_ref(&a), tool_ref(&other)]).await;
    buy(&f, &buyer, &[ItemRef::Bundle(bundle.id())]).await;
    assert_eq!(credits(&f, &buyer), usd("375.00"));
    let direct = purchase_of(&f, &buyer, tool_ref(&a));
    let admin = admin_user();
    let svc = f.purchase_service();

    // A partial refund keeps access.
    let p = svc
        .refund(&admin, direct.id(), Some(usd("15.00")))
        .await
        .unwrap();
    assert_eq!(
        (p.status(), p.refunded()),
        (PurchaseStatus::Active, usd("15.00"))
    );
    assert!(holds(&f, &buyer, &a).await);
    assert_eq!(
        f.store.order(direct.order_id()).unwrap().status(),
        OrderStatus::PartiallyRefunded
    );
    assert_eq!(credits(&f, &buyer), usd("390.00"));

    // The full refund of the direct purchase: the bundle takes the tool over (R-E2).
    let p = svc.refund(&admin, direct.id(), None).await.unwrap();
    assert_eq!(
        (p.status(), p.refunded()),
        (PurchaseStatus::Refunded, usd("40.00"))
    );
    assert_eq!(credits(&f, &buyer), usd("415.00"));
    assert!(
        holds(&f, &buyer, &a).await,
        "a is still held through the bundle"
    );
    assert!(
        holds(&f, &buyer, &other).await,
        "the other purchase of that order is untouched"
    );
    let order = f.store.order(direct.order_id()).unwrap();
    assert_eq!(
        (order.status(), order.refunded()),
        (OrderStatus::PartiallyRefunded, usd("40.00"))
    );
    let bundle_purchase = purchase_of(&f, &buyer, ItemRef::Bundle(bundle.id()));
    let ents = f
        .entitlement_service()
        .list(&buyer, PageRequest::default())
        .await
        .unwrap()
        .items;
    let for_a: Vec<_> = ents.iter().filter(|e| e.tool_id == a.id).collect();
    assert_eq!(for_a.len(), 1);
    assert_eq!(
        (for_a[0].source, for_a[0].purchase_id),
        (EntitlementSource::Bundle, bundle_purchase.id())
    );

    // Refunding the bundle ends a and b, not `other`.
    svc.refund(&admin, bundle_purchase.id(), None)
        .await
        .unwrap();
    assert!(!holds(&f, &buyer, &a).await);
    assert!(!holds(&f, &buyer, &b).await);
    assert!(holds(&f, &buyer, &other).await);
    assert_eq!(
        f.store.order(bundle_purchase.order_id()).unwrap().status(),
        OrderStatus::Refunded
    );
    assert_eq!(credits(&f, &buyer), usd("495.00"));
    // Nothing more to refund.
    let err = svc
        .refund(&admin, bundle_purchase.id(), Some(usd("0.01")))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            PurchaseError::Rule(PurchaseRuleError::NotActive(PurchaseStatus::Refunded))
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn r_e3_one_answer_for_holding() {
    let f = Fakes::new();
    let org = f.new_org(Tier::Elite, usd("100.00"));
    let buyer = owner(org);
    let writer = member(org);
    let (held, not_held) = (f.tool(|t| t), f.tool(|t| t));
    buy(&f, &buyer, &[tool_ref(&held)]).await;
    // Entitlements say held; so do the cart and the reviews.
    assert!(holds(&f, &buyer, &held).await);
    assert!(!holds(&f, &buyer, &not_held).await);
    let err = f
        .cart_service()
        .add(&writer, tool_ref(&held))
        .await
        .unwrap_err();
    assert!(matches!(err, CartError::AlreadyOwned { .. }), "{err:?}");
    let input = ReviewInput {
        rating: 5,
        title: None,
        body: None,
    };
    f.review_service()
        .write(&writer, held.id, input.clone())
        .await
        .unwrap();
    let err = f
        .review_service()
        .write(&writer, not_held.id, input)
        .await
        .unwrap_err();
    assert!(matches!(err, ReviewError::NotEntitled), "{err:?}");
    let stats = f.stats_service().for_org(&buyer).await.unwrap();
    assert_eq!((stats.purchased_tools, stats.entitled_tools), (1, 1));
}

#[tokio::test]
async fn r_r2_cancel_then_expire() {
    let f = Fakes::new();
    let org = f.new_org(Tier::Elite, usd("100.00"));
    let buyer = owner(org);
    let t = f.tool(|b| b.price("9.00").monthly());
    buy(&f, &buyer, &[tool_ref(&t)]).await;
    let p = purchase_of(&f, &buyer, tool_ref(&t));
    let end = p.billing().paid_until().unwrap();
    assert_eq!(end, t0() + Duration::days(31), "Jan 15 + 1 month");
    let cancelled = f.purchase_service().cancel(&buyer, p.id()).await.unwrap();
    assert_eq!(
        cancelled.status(),
        PurchaseStatus::Active,
        "access until the period ends"
    );
    assert!(matches!(
        cancelled.billing(),
        Billing::Recurring {
            auto_renew: false,
            ..
        }
    ));
    f.clock.set(end - Duration::seconds(1));
    assert_eq!(f.purchase_service().expire_due().await.unwrap(), 0);
    assert!(holds(&f, &buyer, &t).await);
    f.clock.set(end);
    assert!(!holds(&f, &buyer, &t).await, "the period is over");
    assert_eq!(f.purchase_service().expire_due().await.unwrap(), 1);
    let expired = purchase_of(&f, &buyer, tool_ref(&t));
    assert_eq!(
        (expired.status(), expired.ended_at()),
        (PurchaseStatus::Expired, Some(end))
    );
    assert!(
        f.store
            .entitlements_of_org(org)
            .iter()
            .all(|e| e.ended_at == Some(end))
    );
    assert_eq!(
        f.purchase_service().expire_due().await.unwrap(),
        0,
        "expires once"
    );
    // Cancelling again is refused: it is no longer active.
    let err = f
        .purchase_service()
        .cancel(&buyer, p.id())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            PurchaseError::Rule(PurchaseRuleError::NotActive(PurchaseStatus::Expired))
        ),
        "{err:?}"
    );
    // The org may buy it again.
    add_all(&f, &buyer, &[tool_ref(&t)]).await;
}

#[tokio::test]
async fn r_r2_renewal_extends_access() {
    let f = Fakes::new();
    let org = f.new_org(Tier::Elite, usd("500.00"));
    let buyer = owner(org);
    let t = f.tool(|b| b.price("99.00").annual());
    buy(&f, &buyer, &[tool_ref(&t)]).await;
    let p = purchase_of(&f, &buyer, tool_ref(&t));
    let first_end = p.billing().paid_until().unwrap();
    let renewed = f.purchase_service().renew(p.id()).await.unwrap();
    let new_end = renewed.billing().paid_until().unwrap();
    assert_eq!(
        new_end,
        t0() + Duration::days(365 + 365),
        "two years from Jan 15 2025"
    );
    f.clock.set(first_end + Duration::days(1));
    assert_eq!(f.purchase_service().expire_due().await.unwrap(), 0);
    assert!(holds(&f, &buyer, &t).await);
    let ents = f.store.entitlements_of_org(org);
    assert!(ents.iter().all(|e| e.until == Some(new_end)));
    let one_time = f.tool(|b| b);
    buy(&f, &buyer, &[tool_ref(&one_time)]).await;
    let err = f
        .purchase_service()
        .renew(purchase_of(&f, &buyer, tool_ref(&one_time)).id())
        .await
        .unwrap_err();
    assert!(
        matches!(err, PurchaseError::Rule(PurchaseRuleError::NotRecurring)),
        "{err:?}"
    );
}
