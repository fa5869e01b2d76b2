//! R-B10 end to end over the testkit's fakes: a plan with a trial starts TRIALING with
//! nothing charged and access granted, the trial's end is charged as a renewal by the
//! renewal job (or the provider, for a card), and an org gets one trial per item.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::Duration;
use common::{credits, holds, new_key, purchase_of, tool_ref};
use marketplace_domain::access::Actor;
use marketplace_domain::catalog::Tool;
use marketplace_domain::checkout::{OrderStatus, PaymentMethod};
use marketplace_domain::item::ItemRef;
use marketplace_domain::money::Currency;
use marketplace_domain::plan::{BillingInterval, PlanCode};
use marketplace_domain::revenue::{Account, balance};
use marketplace_domain::subscription::SubscriptionStatus;
use marketplace_domain::tier::Tier;
use marketplace_testkit::Fakes;
use marketplace_testkit::builders::{t0, usd};

fn pro() -> PlanCode {
    PlanCode::parse("PRO").unwrap()
}

/// A monthly tool whose PRO plan (25.00 a month) starts with 14 free days; an org with
/// 100.00 of credits.
fn world() -> (Fakes, Actor, Tool, ItemRef) {
    let f = Fakes::new();
    let (org, buyer) = f.org_with_owner(Tier::Elite);
    f.set_org(org, Tier::Elite, usd("100.00"));
    let tool = f.tool(|b| b.price("10.00").monthly());
    let item = tool_ref(&tool);
    f.add_plan(item, "PRO", usd("25.00"), BillingInterval::Month, 14);
    (f, buyer, tool, item)
}

async fn buy_pro(f: &Fakes, buyer: &Actor, item: ItemRef, method: PaymentMethod) {
    f.cart_service()
        .add_with_plan(buyer, item, Some(&pro()))
        .await
        .unwrap();
    f.checkout_service()
        .checkout(buyer, new_key(), method)
        .await
        .unwrap();
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

async fn status(f: &Fakes, buyer: &Actor, item: ItemRef) -> SubscriptionStatus {
    let id = purchase_of(f, buyer, item).id();
    f.subscription_service()
        .get(buyer, id)
        .await
        .unwrap()
        .summary
        .status
}

#[tokio::test]
async fn r_b10_a_trial_starts_trialing_with_nothing_charged_and_access_granted() {
    let (f, buyer, tool, item) = world();
    buy_pro(&f, &buyer, item, PaymentMethod::PlatformCredits).await;
    let order = f.store.orders_of(buyer.org_id).pop().unwrap();
    assert_eq!(order.status(), OrderStatus::Fulfilled);
    assert!(order.total().is_zero(), "the order is zero");
    assert_eq!(
        order.lines()[0]
            .plan
            .as_ref()
            .unwrap()
            .trial
            .unwrap()
            .days(),
        14
    );
    assert_eq!(credits(&f, &buyer), usd("100.00"));
    assert!(f.store.postings().is_empty(), "nothing posted");
    assert_eq!(status(&f, &buyer, item).await, SubscriptionStatus::Trialing);
    assert!(holds(&f, &buyer, &tool).await, "entitled during the trial");
    let purchase = purchase_of(&f, &buyer, item);
    assert_eq!(purchase.trial_ends(), Some(t0() + Duration::days(14)));
    assert_eq!(
        purchase.billing().paid_until(),
        Some(t0() + Duration::days(14))
    );
}

#[tokio::test]
async fn r_b10_the_trials_end_is_charged_as_a_renewal_by_the_renewal_job() {
    let (f, buyer, tool, item) = world();
    buy_pro(&f, &buyer, item, PaymentMethod::PlatformCredits).await;
    let trial_end = t0() + Duration::days(14);
    f.clock.set(trial_end - Duration::seconds(1));
    assert_eq!(f.renewal_service().run_due().await.unwrap().collected, 0);
    f.clock.set(trial_end);
    assert_eq!(f.renewal_service().run_due().await.unwrap().collected, 1);
    assert_eq!(credits(&f, &buyer), usd("75.00"), "the plan's price, once");
    assert_eq!(buyer_payments(&f), usd("25.00"), "posted as a sale");
    assert_eq!(status(&f, &buyer, item).await, SubscriptionStatus::Active);
    let period_end = purchase_of(&f, &buyer, item)
        .billing()
        .paid_until()
        .unwrap();
    assert_eq!(
        period_end,
        marketplace_domain::purchase::add_months(trial_end, 1)
    );
    assert!(holds(&f, &buyer, &tool).await);
    assert_eq!(f.renewal_service().run_due().await.unwrap().collected, 0);
}

#[tokio::test]
async fn r_b10_one_trial_per_org_and_item_a_second_purchase_pays_at_once() {
    let (f, buyer, _, item) = world();
    buy_pro(&f, &buyer, item, PaymentMethod::PlatformCredits).await;
    let first = purchase_of(&f, &buyer, item);
    f.purchase_service()
        .cancel(&buyer, first.id())
        .await
        .unwrap();
    f.clock.set(t0() + Duration::days(14));
    assert_eq!(f.purchase_service().expire_due().await.unwrap(), 1);
    assert_eq!(
        credits(&f, &buyer),
        usd("100.00"),
        "a cancelled trial costs nothing"
    );

    buy_pro(&f, &buyer, item, PaymentMethod::PlatformCredits).await;
    let order = f
        .store
        .orders_of(buyer.org_id)
        .into_iter()
        .max_by_key(marketplace_domain::checkout::Order::created_at)
        .unwrap();
    assert_eq!(order.total(), usd("25.00"), "no second trial");
    assert_eq!(order.lines()[0].plan.as_ref().unwrap().trial, None);
    assert_eq!(credits(&f, &buyer), usd("75.00"));
    let second = f
        .store
        .purchases_of(buyer.org_id)
        .into_iter()
        .find(|p| p.id() != first.id())
        .unwrap();
    assert_eq!(second.trial_ends(), None);
    assert_eq!(buyer_payments(&f), usd("25.00"));
}

#[tokio::test]
async fn r_b10_a_card_trial_starts_the_providers_subscription_at_the_trials_end() {
    let (f, buyer, _, item) = world();
    f.payments.enable_subscriptions();
    buy_pro(&f, &buyer, item, PaymentMethod::CreditCard).await;
    assert!(f.payments.payments().is_empty(), "no card charge now");
    let started = f.payments.subscriptions();
    assert_eq!(started.len(), 1);
    let (_, request) = &started[0];
    assert_eq!(request.amount, usd("25.00"), "it bills the plan's price");
    assert_eq!(request.first_renewal_at, t0() + Duration::days(14));
    assert_eq!(status(&f, &buyer, item).await, SubscriptionStatus::Trialing);
}

#[tokio::test]
async fn r_b10_credits_short_at_the_trials_end_make_it_past_due_then_expire() {
    let (f, buyer, tool, item) = world();
    buy_pro(&f, &buyer, item, PaymentMethod::PlatformCredits).await;
    f.set_org(buyer.org_id, Tier::Elite, usd("5.00"));
    let trial_end = t0() + Duration::days(14);
    f.clock.set(trial_end);
    assert_eq!(f.renewal_service().run_due().await.unwrap().past_due, 1);
    assert_eq!(status(&f, &buyer, item).await, SubscriptionStatus::PastDue);
    f.clock.set(trial_end + Duration::days(3));
    f.renewal_service().run_due().await.unwrap();
    assert_eq!(f.purchase_service().expire_due().await.unwrap(), 1);
    assert!(!holds(&f, &buyer, &tool).await);
    assert_eq!(credits(&f, &buyer), usd("5.00"), "nothing charged");
    assert!(f.store.postings().is_empty());
}

#[tokio::test]
async fn r_b10_the_cart_shows_the_trial_and_nothing_due_now_until_it_was_had() {
    let (f, buyer, _, item) = world();
    let (_, view) = f
        .cart_service()
        .add_with_plan(&buyer, item, Some(&pro()))
        .await
        .unwrap();
    assert_eq!(view.lines[0].trial_days, 14);
    assert!(view.lines[0].due_now.is_zero() && view.due_now.is_zero());
    assert_eq!(view.total, usd("25.00"), "what recurs after the trial");
    f.checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::PlatformCredits)
        .await
        .unwrap();
    let first = purchase_of(&f, &buyer, item);
    f.purchase_service()
        .cancel(&buyer, first.id())
        .await
        .unwrap();
    f.clock.set(t0() + Duration::days(14));
    f.purchase_service().expire_due().await.unwrap();
    let (_, view) = f
        .cart_service()
        .add_with_plan(&buyer, item, Some(&pro()))
        .await
        .unwrap();
    assert_eq!(view.lines[0].trial_days, 0, "the trial was had");
    assert_eq!(view.due_now, usd("25.00"));
}
