//! R-B3 end to end over the testkit's fakes: a cart line names its plan, the order line and
//! the purchase record it, checkout charges its price and its interval decides whether
//! the purchase renews, and renewals charge the plan's price.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{credits, new_key, purchase_of, tool_ref};
use marketplace_domain::cart::CartError;
use marketplace_domain::checkout::{CheckoutError, OrderStatus, PaymentMethod};
use marketplace_domain::item::ItemRef;
use marketplace_domain::money::Currency;
use marketplace_domain::plan::{BillingInterval, Plan, PlanCode, PlanError, PlanRepository};
use marketplace_domain::purchase::{Billing, Interval};
use marketplace_domain::revenue::{Account, PostingKind, balance};
use marketplace_domain::tier::Tier;
use marketplace_testkit::Fakes;
use marketplace_testkit::builders::usd;

fn code(text: &str) -> PlanCode {
    PlanCode::parse(text).unwrap()
}

/// A monthly tool at 10.00 (its STANDARD plan) with a monthly PRO at 25.00 and a yearly
/// TEAM at 200.00; an org with 500.00 of credits.
fn world() -> (
    Fakes,
    marketplace_domain::access::Actor,
    ItemRef,
    Plan,
    Plan,
) {
    let f = Fakes::new();
    let (org, buyer) = f.org_with_owner(Tier::Elite);
    f.set_org(org, Tier::Elite, usd("500.00"));
    let tool = f.tool(|b| b.price("10.00").monthly());
    let item = tool_ref(&tool);
    let pro = f.add_plan(item, "PRO", usd("25.00"), BillingInterval::Month, 0);
    let team = f.add_plan(item, "TEAM", usd("200.00"), BillingInterval::Year, 0);
    (f, buyer, item, pro, team)
}

#[tokio::test]
async fn r_b3_a_cart_line_names_its_plan_and_checkout_charges_it() {
    let (f, buyer, item, pro, _) = world();
    let (change, view) = f
        .cart_service()
        .add_with_plan(&buyer, item, Some(&code("PRO")))
        .await
        .unwrap();
    assert!(change.added);
    assert_eq!(view.lines[0].plan, Some(code("PRO")));
    assert_eq!(view.lines[0].price, usd("25.00"));
    assert_eq!(view.total, usd("25.00"));

    let order = f
        .checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::PlatformCredits)
        .await
        .unwrap();
    assert_eq!(order.status(), OrderStatus::Fulfilled);
    assert_eq!(order.total(), usd("25.00"), "the plan's price");
    let line = order.lines()[0]
        .plan
        .clone()
        .expect("the line names its plan");
    assert_eq!((line.id, line.code), (pro.id(), code("PRO")));
    let purchase = purchase_of(&f, &buyer, item);
    assert_eq!(purchase.plan(), Some(pro.id()), "the purchase records it");
    assert_eq!(purchase.amount(), usd("25.00"));
    assert_eq!(credits(&f, &buyer), usd("475.00"));
}

#[tokio::test]
async fn r_b3_without_a_plan_the_line_is_bought_under_the_default_at_the_same_price() {
    let (f, buyer, item, _, _) = world();
    let (_, view) = f.cart_service().add(&buyer, item).await.unwrap();
    assert_eq!(view.lines[0].plan, Some(code("STANDARD")));
    assert_eq!(view.lines[0].price, usd("10.00"));
    f.checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::PlatformCredits)
        .await
        .unwrap();
    let purchase = purchase_of(&f, &buyer, item);
    let standard = f.store.item_plans(item).await.unwrap();
    let standard = standard.find(&code("STANDARD")).unwrap().id();
    assert_eq!(purchase.plan(), Some(standard));
    assert_eq!(
        purchase.amount(),
        usd("10.00"),
        "what the first wave charged"
    );
    assert!(matches!(
        purchase.billing(),
        Billing::Recurring {
            interval: Interval::Monthly,
            ..
        }
    ));
}

#[tokio::test]
async fn r_b3_an_unknown_or_archived_plan_is_refused_and_nothing_is_saved() {
    let (f, buyer, item, pro, _) = world();
    let carts = f.cart_service();
    let unknown = carts
        .add_with_plan(&buyer, item, Some(&code("GOLD")))
        .await
        .unwrap_err();
    assert!(matches!(
        unknown,
        CartError::Plan(PlanError::UnknownPlan { .. })
    ));
    let (id, at, mut draft, _) = pro.clone().into_draft();
    draft.code = code("PRO");
    let archived = Plan::restore(
        id,
        at,
        draft,
        marketplace_domain::plan::PlanStatus::Archived,
    )
    .unwrap();
    f.store.update_plan(&archived).await.unwrap();
    let refused = carts
        .add_with_plan(&buyer, item, Some(&code("PRO")))
        .await
        .unwrap_err();
    assert!(matches!(
        refused,
        CartError::Plan(PlanError::NotOnSale { .. })
    ));
    assert!(carts.view(&buyer).await.unwrap().lines.is_empty());
}

#[tokio::test]
async fn r_b3_adding_the_item_under_another_plan_replaces_its_line() {
    let (f, buyer, item, _, _) = world();
    let carts = f.cart_service();
    carts.add(&buyer, item).await.unwrap();
    let (change, view) = carts
        .add_with_plan(&buyer, item, Some(&code("TEAM")))
        .await
        .unwrap();
    assert!(!change.added && change.plan_replaced);
    assert_eq!(view.lines.len(), 1);
    assert_eq!(view.lines[0].plan, Some(code("TEAM")));
    assert_eq!(view.lines[0].interval, Some(BillingInterval::Year));
    assert_eq!(view.total, usd("200.00"));
    // Adding it again without a plan keeps the choice.
    let (change, view) = carts.add(&buyer, item).await.unwrap();
    assert!(!change.added && !change.plan_replaced);
    assert_eq!(view.lines[0].plan, Some(code("TEAM")));
}

#[tokio::test]
async fn r_b3_the_plans_interval_decides_one_time_or_recurring() {
    let (f, buyer, item, _, _) = world();
    f.add_plan(item, "LIFETIME", usd("300.00"), BillingInterval::OneTime, 0);
    f.cart_service()
        .add_with_plan(&buyer, item, Some(&code("TEAM")))
        .await
        .unwrap();
    f.checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::PlatformCredits)
        .await
        .unwrap();
    assert!(matches!(
        purchase_of(&f, &buyer, item).billing(),
        Billing::Recurring {
            interval: Interval::Annual,
            ..
        }
    ));

    let other = Fakes::new();
    let (org, buyer) = other.org_with_owner(Tier::Elite);
    other.set_org(org, Tier::Elite, usd("500.00"));
    let tool = other.tool(|b| b.price("10.00").monthly());
    let item = tool_ref(&tool);
    other.add_plan(item, "LIFETIME", usd("300.00"), BillingInterval::OneTime, 0);
    other
        .cart_service()
        .add_with_plan(&buyer, item, Some(&code("LIFETIME")))
        .await
        .unwrap();
    other
        .checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::PlatformCredits)
        .await
        .unwrap();
    let bought = purchase_of(&other, &buyer, item);
    assert_eq!(
        *bought.billing(),
        Billing::OneTime,
        "a one-time plan never renews"
    );
    assert_eq!(bought.amount(), usd("300.00"));
}

#[tokio::test]
async fn r_b3_renewals_charge_the_plans_price() {
    let (f, buyer, item, _, _) = world();
    f.cart_service()
        .add_with_plan(&buyer, item, Some(&code("PRO")))
        .await
        .unwrap();
    f.checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::PlatformCredits)
        .await
        .unwrap();
    let end = purchase_of(&f, &buyer, item)
        .billing()
        .paid_until()
        .unwrap();
    f.clock.set(end);
    let report = f.renewal_service().run_due().await.unwrap();
    assert_eq!(report.collected, 1);
    assert_eq!(
        credits(&f, &buyer),
        usd("450.00"),
        "25.00 at checkout, 25.00 renewed"
    );
    let entries: Vec<_> = f
        .store
        .postings()
        .iter()
        .filter(|p| p.kind() == PostingKind::Sale)
        .flat_map(|p| p.entries().to_vec())
        .collect();
    assert_eq!(
        balance(&entries, &Account::BuyerPayments, Currency::USD),
        usd("50.00")
    );
}

#[tokio::test]
async fn r_b3_a_plan_archived_after_it_was_added_refuses_checkout() {
    let (f, buyer, item, pro, _) = world();
    f.cart_service()
        .add_with_plan(&buyer, item, Some(&code("PRO")))
        .await
        .unwrap();
    let (id, at, mut draft, _) = pro.into_draft();
    draft.code = code("PRO");
    let archived = Plan::restore(
        id,
        at,
        draft,
        marketplace_domain::plan::PlanStatus::Archived,
    )
    .unwrap();
    f.store.update_plan(&archived).await.unwrap();
    let view = f.cart_service().view(&buyer).await.unwrap();
    assert!(!view.lines[0].available, "shown unavailable");
    let refused = f
        .checkout_service()
        .checkout(&buyer, new_key(), PaymentMethod::PlatformCredits)
        .await
        .unwrap_err();
    assert!(matches!(
        refused,
        CheckoutError::LineRefused {
            reason: CartError::Plan(PlanError::NotOnSale { .. }),
            ..
        }
    ));
    assert_eq!(credits(&f, &buyer), usd("500.00"), "nothing charged");
}
