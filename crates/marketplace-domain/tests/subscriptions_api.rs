#![allow(clippy::unwrap_used, clippy::expect_used)]
//! R-B5 through the subscriptions use cases: an org's recurring purchases with their plans,
//! one of them, and stopping one from renewing; other orgs' and one-time purchases are not
//! found.

mod common;

use common::{buy, purchase_of, tool_ref};
use marketplace_domain::lifecycle::PurchaseError;
use marketplace_domain::paging::PageRequest;
use marketplace_domain::plan::{PlanCode, PlanRepository};
use marketplace_domain::purchase::Purchase;
use marketplace_domain::subscription::SubscriptionStatus;
use marketplace_domain::tier::Tier;
use marketplace_testkit::Fakes;
use marketplace_testkit::builders::{owner, usd};

#[tokio::test]
async fn r_b5_an_orgs_recurring_purchases_are_its_subscriptions() {
    let f = Fakes::new();
    let org = f.new_org(Tier::Elite, usd("500.00"));
    let buyer = owner(org);
    let monthly = f.tool(|t| t.monthly().price("40.00"));
    let once = f.tool(|t| t.one_time().price("25.00"));
    buy(&f, &buyer, &[tool_ref(&monthly), tool_ref(&once)]).await;
    // The purchase names the tool's STANDARD plan, as a purchase under plans does.
    let standard = f
        .store
        .item_plans(tool_ref(&monthly))
        .await
        .unwrap()
        .default_plan()
        .unwrap()
        .id();
    let bought = purchase_of(&f, &buyer, tool_ref(&monthly));
    f.store.with(|d| {
        let stored = d
            .purchases
            .iter_mut()
            .find(|p| p.id() == bought.id())
            .unwrap();
        let mut parts = stored.clone().into_parts();
        parts.plan = Some(standard);
        *stored = Purchase::restore(parts);
    });

    let svc = f.subscription_service();
    let page = svc.list(&buyer, PageRequest::default()).await.unwrap();
    assert_eq!(page.total, 1, "the one-time purchase is not a subscription");
    let sub = &page.items[0];
    assert_eq!(sub.summary.id, bought.id());
    assert_eq!(sub.summary.item, tool_ref(&monthly));
    assert_eq!(sub.summary.status, SubscriptionStatus::Active);
    assert_eq!(sub.plan, Some(PlanCode::standard()));
    assert!(!sub.summary.cancel_at_period_end);
    assert_eq!(
        Some(sub.summary.period.end()),
        bought.billing().paid_until()
    );

    let one_time = purchase_of(&f, &buyer, tool_ref(&once));
    assert!(matches!(
        svc.get(&buyer, one_time.id()).await,
        Err(PurchaseError::NotFound)
    ));
    let stranger = owner(f.new_org(Tier::Elite, usd("0")));
    assert!(matches!(
        svc.get(&stranger, bought.id()).await,
        Err(PurchaseError::NotFound)
    ));
    assert!(matches!(
        svc.cancel(&stranger, bought.id()).await,
        Err(PurchaseError::NotFound)
    ));
    assert!(
        svc.list(&stranger, PageRequest::default())
            .await
            .unwrap()
            .items
            .is_empty()
    );

    let canceled = svc.cancel(&buyer, bought.id()).await.unwrap();
    assert_eq!(canceled.summary.status, SubscriptionStatus::Canceled);
    assert!(canceled.summary.cancel_at_period_end);
    assert_eq!(
        canceled.summary.period, sub.summary.period,
        "access until the period ends"
    );
    assert_eq!(canceled.plan, Some(PlanCode::standard()));
    let before = f.store.snapshot();
    let again = svc.cancel(&buyer, bought.id()).await.unwrap();
    assert_eq!(again, canceled, "cancelling again changes nothing");
    assert_eq!(f.store.snapshot(), before);
    assert_eq!(svc.get(&buyer, bought.id()).await.unwrap(), canceled);
}
