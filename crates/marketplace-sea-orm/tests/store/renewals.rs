//! R-B6 under real concurrency: the renewal job run twice at once over the same due
//! purchases charges each once, numbers each invoice once, and posts each sale once.

use std::sync::Arc;

use chrono::Duration;
use marketplace_domain::catalog::ItemRef;
use marketplace_domain::checkout::{OrderRepository, PaymentMethod};
use marketplace_domain::ids::OrgId;
use marketplace_domain::org::OrgRepository;
use marketplace_domain::ports::UuidV7Ids;
use marketplace_domain::purchase::{GracePeriod, Purchase, PurchaseRepository};
use marketplace_domain::renewal::{RenewalRepository, RenewalService, RenewalState};
use marketplace_domain::revenue::PostingKind;
use marketplace_sea_orm::SeaOrmStore;
use marketplace_testkit::builders::{ToolBuilder, t0, usd, user_id};
use marketplace_testkit::fakes::{FakePaymentGateway, FixedClock};

use crate::fixtures::{order, org, placed, plan, seller};
use crate::support::TestDb;

/// A fulfilled monthly purchase of `tool` by `org`, paid by `method` at t0.
pub(crate) async fn bought(
    store: &SeaOrmStore,
    org: OrgId,
    tool: ItemRef,
    method: PaymentMethod,
) -> Purchase {
    let o = order(store, org, user_id(), &[tool], method).await;
    store
        .place(&placed(&o, &format!("renew-{}", o.id())))
        .await
        .unwrap();
    let p = plan(store, &o).await;
    store.fulfil(&p).await.unwrap();
    p.purchases[0].clone()
}

pub(crate) fn service(store: &SeaOrmStore, clock: &Arc<FixedClock>) -> RenewalService {
    let store = Arc::new(store.clone());
    RenewalService::new(
        store.clone(),
        store.clone(),
        store.clone(),
        Arc::new(FakePaymentGateway::default()),
        store,
        clock.clone(),
        Arc::new(UuidV7Ids),
        GracePeriod::default(),
    )
}

async fn two_runs_at_once_renew_each_purchase_once(db: TestDb) {
    let store = db.store();
    let s = seller(&store).await;
    let monthly = ToolBuilder::new()
        .seller(s)
        .price("10.00")
        .monthly()
        .build();
    marketplace_domain::catalog::CatalogRepository::insert_tool(&store, &monthly)
        .await
        .unwrap();
    let tool = ItemRef::Tool(monthly.id);
    let mut credit_orgs = Vec::new();
    let mut credit_purchases = Vec::new();
    for _ in 0..8 {
        let o = org(&store, "25.00").await;
        credit_purchases.push(bought(&store, o, tool, PaymentMethod::PlatformCredits).await);
        credit_orgs.push(o);
    }
    // One org whose credits do not cover the renewal, and one paying by invoice.
    let short = org(&store, "5.00").await;
    let unpaid = bought(&store, short, tool, PaymentMethod::PlatformCredits).await;
    let invoiced_org = org(&store, "0").await;
    let invoiced = bought(&store, invoiced_org, tool, PaymentMethod::Invoice).await;

    let end = marketplace_domain::purchase::add_months(t0(), 1);
    let clock = Arc::new(FixedClock::at(end + Duration::hours(1)));
    let (first, second) = (service(&store, &clock), service(&store, &clock));
    let (a, b) = tokio::join!(first.run_due(), second.run_due());
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!((a.failed, b.failed), (0, 0), "{a:?} {b:?}");
    assert_eq!(
        a.collected + b.collected,
        8,
        "each credits purchase renewed once"
    );
    assert_eq!(a.invoiced + b.invoiced, 1, "one renewal invoice");

    for (o, p) in credit_orgs.iter().zip(&credit_purchases) {
        let wallet = store.get_or_provision(*o).await.unwrap();
        assert_eq!(wallet.credits(), usd("15.00"), "debited once");
        let renewed = PurchaseRepository::find(&store, p.id())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            renewed.billing().paid_until(),
            Some(marketplace_domain::purchase::add_months(end, 1)),
            "one period added"
        );
        let renewal = store.renewal_for(p.id(), end).await.unwrap().unwrap();
        let sales = RenewalRepository::postings(&store, renewal.id)
            .await
            .unwrap();
        assert_eq!(sales.len(), 1, "one sale per renewal");
        assert_eq!(sales[0].kind(), PostingKind::Sale);
        // The purchase's own postings are still its first sale alone.
        assert_eq!(
            PurchaseRepository::postings(&store, p.id())
                .await
                .unwrap()
                .len(),
            1
        );
    }
    let past_due = store.renewal_for(unpaid.id(), end).await.unwrap().unwrap();
    assert!(matches!(past_due.state, RenewalState::PastDue { .. }));
    assert_eq!(
        store.get_or_provision(short).await.unwrap().credits(),
        usd("5.00"),
        "nothing debited when credits do not cover it"
    );
    let invoice = store
        .renewal_for(invoiced.id(), end)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        invoice.invoice().map(|n| n.to_string()),
        Some("REN-000001".into())
    );
    assert!(matches!(
        invoice.state,
        RenewalState::Invoiced { due, .. } if due == end + Duration::days(3)
    ));

    // Run again (and again at once): nothing more is charged.
    let (c, d) = tokio::join!(first.run_due(), second.run_due());
    let (c, d) = (c.unwrap(), d.unwrap());
    assert_eq!(c.collected + d.collected + c.invoiced + d.invoiced, 0);
    for o in &credit_orgs {
        assert_eq!(
            store.get_or_provision(*o).await.unwrap().credits(),
            usd("15.00")
        );
    }
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_r_b6_two_concurrent_renewal_runs_charge_each_purchase_once() {
    let Some(db) = TestDb::postgres_with_pool("renewals", 8).await else {
        return;
    };
    two_runs_at_once_renew_each_purchase_once(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_r_b6_two_concurrent_renewal_runs_charge_each_purchase_once() {
    two_runs_at_once_renew_each_purchase_once(TestDb::sqlite().await).await;
}

/// R-B5, R-L6: a renewal the credits did not cover is the org's PAST_DUE renewal (no other
/// org's), and the entitlement's license is suspended from the period's end until the
/// grace ends, then current again once the renewal is paid.
async fn a_refused_renewal_is_past_due_and_suspends_the_license(db: TestDb) {
    use marketplace_licensing::license::{EntitlementFeed, EntitlementState};

    let store = db.store();
    let s = seller(&store).await;
    let monthly = ToolBuilder::new()
        .seller(s)
        .price("10.00")
        .monthly()
        .build();
    marketplace_domain::catalog::CatalogRepository::insert_tool(&store, &monthly)
        .await
        .unwrap();
    let short = org(&store, "5.00").await;
    let o = order(
        &store,
        short,
        user_id(),
        &[ItemRef::Tool(monthly.id)],
        PaymentMethod::PlatformCredits,
    )
    .await;
    store
        .place(&placed(&o, &format!("renew-{}", o.id())))
        .await
        .unwrap();
    let fulfilment = plan(&store, &o).await;
    store.fulfil(&fulfilment).await.unwrap();
    let purchase = fulfilment.purchases[0].clone();
    let entitlement = fulfilment.entitlements[0].id;

    let end = marketplace_domain::purchase::add_months(t0(), 1);
    let clock = Arc::new(FixedClock::at(end + Duration::hours(1)));
    let standing = || async { store.standing(entitlement).await.unwrap().map(|s| s.state) };
    assert_eq!(
        standing().await,
        Some(EntitlementState::Current),
        "nothing refused yet"
    );
    assert_eq!(service(&store, &clock).run_due().await.unwrap().past_due, 1);

    let due = store.past_due(short).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].purchase_id, due[0].period.start()),
        (purchase.id(), end)
    );
    assert!(
        store
            .past_due(org(&store, "0").await)
            .await
            .unwrap()
            .is_empty(),
        "another org's read finds none of it"
    );
    assert_eq!(
        standing().await,
        Some(EntitlementState::PastDue),
        "suspended while past due"
    );

    // Paid late, within the grace: the renewal is collected and the license current.
    marketplace_domain::org::OrgRepository::grant_credits(&store, short, usd("10.00"))
        .await
        .unwrap();
    assert_eq!(
        service(&store, &clock).run_due().await.unwrap().collected,
        1
    );
    assert!(store.past_due(short).await.unwrap().is_empty());
    assert_eq!(
        standing().await,
        Some(EntitlementState::Current),
        "reinstated once paid"
    );
    db.finish().await;
}

#[tokio::test]
async fn postgres_r_b5_r_l6_a_refused_renewal_is_past_due_and_suspends_the_license() {
    let Some(db) = TestDb::postgres("renewals_past_due").await else {
        return;
    };
    a_refused_renewal_is_past_due_and_suspends_the_license(db).await;
}

#[tokio::test]
async fn sqlite_r_b5_r_l6_a_refused_renewal_is_past_due_and_suspends_the_license() {
    a_refused_renewal_is_past_due_and_suspends_the_license(TestDb::sqlite().await).await;
}
