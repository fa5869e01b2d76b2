//! R-B9 end to end over the testkit's fakes: an upgrade applies at once and charges the
//! prorated difference as a sale, a downgrade waits for the renewal that then charges it,
//! and refused changes change nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Duration;
use common::{credits, new_key, purchase_of, tool_ref};
use marketplace_domain::access::Actor;
use marketplace_domain::checkout::PaymentMethod;
use marketplace_domain::item::ItemRef;
use marketplace_domain::lifecycle::PlanChangeError;
use marketplace_domain::money::Currency;
use marketplace_domain::plan::{BillingInterval, Plan, PlanCode};
use marketplace_domain::revenue::{Account, PostingKind, balance};
use marketplace_domain::subscription::{PlanChange, SubscriptionError, SubscriptionStatus};
use marketplace_domain::tier::Tier;
use marketplace_testkit::Fakes;
use marketplace_testkit::builders::{t0, usd};

fn code(text: &str) -> PlanCode {
    PlanCode::parse(text).unwrap()
}

struct World {
    f: Fakes,
    buyer: Actor,
    item: ItemRef,
    pro: Plan,
}

/// A monthly tool: STANDARD at 10.00 and PRO at 25.00 a month, TEAM at 200.00 a year;
/// the org (300.00 of credits) subscribed to `plan` at t0 (2025-01-15 12:00, a 31-day
/// period) with `method`.
async fn subscribed(plan: &str, method: PaymentMethod) -> World {
    let f = Fakes::new();
    let (org, buyer) = f.org_with_owner(Tier::Elite);
    f.set_org(org, Tier::Elite, usd("300.00"));
    let tool = f.tool(|b| b.price("10.00").monthly());
    let item = tool_ref(&tool);
    let pro = f.add_plan(item, "PRO", usd("25.00"), BillingInterval::Month, 0);
    f.add_plan(item, "TEAM", usd("200.00"), BillingInterval::Year, 0);
    f.payments.enable_subscriptions();
    f.cart_service()
        .add_with_plan(&buyer, item, Some(&code(plan)))
        .await
        .unwrap();
    f.checkout_service()
        .checkout(&buyer, new_key(), method)
        .await
        .unwrap();
    World {
        f,
        buyer,
        item,
        pro,
    }
}

fn buyer_payments(f: &Fakes) -> marketplace_domain::money::Money {
    let entries: Vec<_> = f
        .store
        .postings()
        .iter()
        .flat_map(|p| p.entries().to_vec())
        .collect();
    balance(&entries, &Account::BuyerPayments, Currency::USD)
}

#[tokio::test]
async fn r_b9_an_upgrade_applies_at_once_and_charges_the_prorated_difference() {
    let w = subscribed("STANDARD", PaymentMethod::PlatformCredits).await;
    let id = purchase_of(&w.f, &w.buyer, w.item).id();
    w.f.clock.set(t0() + Duration::days(10));
    let done =
        w.f.plan_change_service()
            .change(&w.buyer, id, &code("PRO"))
            .await
            .unwrap();
    // 15.00 for 21 of the period's 31 days: 10.1612903… rounds to 10.16.
    assert!(matches!(done.change, PlanChange::Upgraded { .. }));
    assert_eq!(done.charged, Some(usd("10.16")));
    let purchase = purchase_of(&w.f, &w.buyer, w.item);
    assert_eq!(purchase.plan(), Some(w.pro.id()), "applied at once");
    assert_eq!(credits(&w.f, &w.buyer), usd("279.84"), "300 - 10 - 10.16");
    assert_eq!(
        buyer_payments(&w.f),
        usd("20.16"),
        "the ledger has every cent"
    );
    let upgrade =
        w.f.store
            .postings()
            .into_iter()
            .rfind(|p| p.kind() == PostingKind::Sale)
            .unwrap();
    assert_eq!(upgrade.purchase_id(), Some(id));
    let sum: rust_decimal::Decimal = upgrade.entries().iter().map(|e| e.amount.amount()).sum();
    assert!(sum.is_zero(), "the upgrade's sale balances");

    // The next renewal charges the new plan's price.
    w.f.clock.set(purchase.billing().paid_until().unwrap());
    w.f.renewal_service().run_due().await.unwrap();
    assert_eq!(credits(&w.f, &w.buyer), usd("254.84"));
    assert_eq!(buyer_payments(&w.f), usd("45.16"));
}

#[tokio::test]
async fn r_b9_a_downgrade_is_scheduled_and_the_next_renewal_charges_the_new_plan() {
    let w = subscribed("PRO", PaymentMethod::PlatformCredits).await;
    let id = purchase_of(&w.f, &w.buyer, w.item).id();
    w.f.clock.set(t0() + Duration::days(3));
    let done =
        w.f.plan_change_service()
            .change(&w.buyer, id, &code("STANDARD"))
            .await
            .unwrap();
    assert!(matches!(done.change, PlanChange::DowngradeScheduled { .. }));
    assert_eq!(done.charged, None);
    assert_eq!(
        credits(&w.f, &w.buyer),
        usd("275.00"),
        "nothing charged or credited"
    );
    let view = w.f.subscription_service().get(&w.buyer, id).await.unwrap();
    assert_eq!(view.plan, Some(code("PRO")), "still PRO for this period");
    assert_eq!(view.pending_plan, Some(code("STANDARD")));

    let end = purchase_of(&w.f, &w.buyer, w.item)
        .billing()
        .paid_until()
        .unwrap();
    w.f.clock.set(end);
    assert_eq!(w.f.renewal_service().run_due().await.unwrap().collected, 1);
    assert_eq!(
        credits(&w.f, &w.buyer),
        usd("265.00"),
        "renewed at STANDARD"
    );
    let view = w.f.subscription_service().get(&w.buyer, id).await.unwrap();
    assert_eq!(view.plan, Some(code("STANDARD")));
    assert_eq!(view.pending_plan, None);
    assert_eq!(view.summary.status, SubscriptionStatus::Active);
}

#[tokio::test]
async fn r_b9_naming_the_current_plan_is_refused_or_calls_off_a_downgrade() {
    let w = subscribed("PRO", PaymentMethod::PlatformCredits).await;
    let id = purchase_of(&w.f, &w.buyer, w.item).id();
    let changes = w.f.plan_change_service();
    let same = changes
        .change(&w.buyer, id, &code("PRO"))
        .await
        .unwrap_err();
    assert!(matches!(
        same,
        PlanChangeError::Refused(SubscriptionError::SamePlan)
    ));
    changes
        .change(&w.buyer, id, &code("STANDARD"))
        .await
        .unwrap();
    let back = changes.change(&w.buyer, id, &code("PRO")).await.unwrap();
    assert_eq!(back.change, PlanChange::ScheduledChangeCancelled);
    assert_eq!(purchase_of(&w.f, &w.buyer, w.item).scheduled_plan(), None);
    assert_eq!(credits(&w.f, &w.buyer), usd("275.00"));
}

#[tokio::test]
async fn r_b9_another_interval_an_unknown_plan_or_another_orgs_subscription_is_refused() {
    let w = subscribed("STANDARD", PaymentMethod::PlatformCredits).await;
    let id = purchase_of(&w.f, &w.buyer, w.item).id();
    let changes = w.f.plan_change_service();
    assert!(matches!(
        changes.change(&w.buyer, id, &code("TEAM")).await,
        Err(PlanChangeError::Refused(
            SubscriptionError::IntervalChange { .. }
        ))
    ));
    assert!(matches!(
        changes.change(&w.buyer, id, &code("GOLD")).await,
        Err(PlanChangeError::Plan(_))
    ));
    let (_, stranger) = w.f.org_with_owner(Tier::Elite);
    assert!(matches!(
        changes.change(&stranger, id, &code("PRO")).await,
        Err(PlanChangeError::NotFound)
    ));
    let purchase = purchase_of(&w.f, &w.buyer, w.item);
    assert_eq!(purchase.amount(), usd("10.00"));
    assert_eq!(credits(&w.f, &w.buyer), usd("290.00"), "nothing charged");
}

#[tokio::test]
async fn r_b9_a_cancelled_subscription_or_one_whose_renewal_is_due_does_not_change() {
    let w = subscribed("STANDARD", PaymentMethod::PlatformCredits).await;
    let id = purchase_of(&w.f, &w.buyer, w.item).id();
    let end = purchase_of(&w.f, &w.buyer, w.item)
        .billing()
        .paid_until()
        .unwrap();
    w.f.clock.set(end);
    assert!(matches!(
        w.f.plan_change_service()
            .change(&w.buyer, id, &code("PRO"))
            .await,
        Err(PlanChangeError::Refused(
            SubscriptionError::RenewalPending { .. }
        ))
    ));
    w.f.clock.set(t0() + Duration::days(1));
    w.f.purchase_service().cancel(&w.buyer, id).await.unwrap();
    assert!(matches!(
        w.f.plan_change_service()
            .change(&w.buyer, id, &code("PRO"))
            .await,
        Err(PlanChangeError::Refused(
            SubscriptionError::IllegalMove { .. }
        ))
    ));
}

#[tokio::test]
async fn r_b9_a_card_subscription_keeps_its_plan_until_the_provider_can_be_told() {
    let w = subscribed("STANDARD", PaymentMethod::CreditCard).await;
    let id = purchase_of(&w.f, &w.buyer, w.item).id();
    w.f.clock.set(t0() + Duration::days(10));
    let before = buyer_payments(&w.f);
    assert!(matches!(
        w.f.plan_change_service()
            .change(&w.buyer, id, &code("PRO"))
            .await,
        Err(PlanChangeError::NotCollectable {
            method: PaymentMethod::CreditCard
        })
    ));
    assert_ne!(purchase_of(&w.f, &w.buyer, w.item).plan(), Some(w.pro.id()));
    assert_eq!(buyer_payments(&w.f), before);
    // Nor a downgrade: the provider would go on billing the dearer price.
    let w = subscribed("PRO", PaymentMethod::CreditCard).await;
    let id = purchase_of(&w.f, &w.buyer, w.item).id();
    assert!(matches!(
        w.f.plan_change_service()
            .change(&w.buyer, id, &code("STANDARD"))
            .await,
        Err(PlanChangeError::NotCollectable { .. })
    ));
    assert_eq!(purchase_of(&w.f, &w.buyer, w.item).scheduled_plan(), None);
}

#[tokio::test]
async fn r_b9_an_invoice_payers_downgrade_is_invoiced_at_the_new_price_and_upgrade_refused() {
    let admin = marketplace_testkit::builders::admin_user();
    let w = subscribed("PRO", PaymentMethod::Invoice).await;
    let order = w.f.store.orders_of(w.buyer.org_id).pop().unwrap();
    w.f.checkout_service()
        .mark_paid(&admin, order.id())
        .await
        .unwrap();
    let id = purchase_of(&w.f, &w.buyer, w.item).id();
    w.f.plan_change_service()
        .change(&w.buyer, id, &code("STANDARD"))
        .await
        .unwrap();
    let end = purchase_of(&w.f, &w.buyer, w.item)
        .billing()
        .paid_until()
        .unwrap();
    w.f.clock.set(end);
    assert_eq!(w.f.renewal_service().run_due().await.unwrap().invoiced, 1);
    let stored = w.f.store.snapshot().renewals;
    let (invoice, _) = &stored[0];
    assert_eq!(invoice.purchase_id, id);
    assert_eq!(
        invoice.amount,
        usd("10.00"),
        "the renewal invoice bills STANDARD"
    );

    let w = subscribed("STANDARD", PaymentMethod::Invoice).await;
    let order = w.f.store.orders_of(w.buyer.org_id).pop().unwrap();
    w.f.checkout_service()
        .mark_paid(&admin, order.id())
        .await
        .unwrap();
    let id = purchase_of(&w.f, &w.buyer, w.item).id();
    assert!(matches!(
        w.f.plan_change_service()
            .change(&w.buyer, id, &code("PRO"))
            .await,
        Err(PlanChangeError::NotCollectable {
            method: PaymentMethod::Invoice
        })
    ));
}
