//! R-O5 under real concurrency (PostgreSQL): many fulfilments racing for one tool.

use futures::future::join_all;
use marketplace_domain::catalog::{CatalogRepository, ItemRef};
use marketplace_domain::checkout::{OrderRepository, PaymentMethod};
use marketplace_domain::entitlement::HoldingsRepository;
use marketplace_domain::ports::{Conflict, RepoError};
use marketplace_domain::purchase::{PurchaseRepository, PurchaseStatus};
use marketplace_testkit::builders::{t0, user_id};

use crate::fixtures::{order, org, placed, plan, seller, tool};
use crate::support::TestDb;

async fn fifty_fulfilments_one_winner(db: TestDb) {
    let store = db.store();
    let s = seller(&store).await;
    let t = tool(&store, s, "10.00").await;
    let org = org(&store, "0").await;
    let mut plans = Vec::new();
    for i in 0..50 {
        let o = order(
            &store,
            org,
            user_id(),
            &[ItemRef::Tool(t.id)],
            PaymentMethod::Invoice,
        )
        .await;
        store
            .place(&placed(&o, &format!("race-{i}")))
            .await
            .unwrap();
        // Each planned while nobody holds the tool yet.
        plans.push(plan(&store, &o).await);
    }
    let results = join_all(plans.iter().map(|p| {
        let store = store.clone();
        async move { store.fulfil(p).await }
    }))
    .await;
    let won = results.iter().filter(|r| r.is_ok()).count();
    let lost = results
        .iter()
        .filter(|r| matches!(r, Err(RepoError::Conflict(Conflict::ActivePurchase { item })) if *item == ItemRef::Tool(t.id)))
        .count();
    let others: Vec<_> = results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .filter(|e| !matches!(e, RepoError::Conflict(_)))
        .collect();
    assert!(others.is_empty(), "unexpected errors: {others:?}");
    assert_eq!((won, lost), (1, 49), "R-O5: exactly one fulfilment wins");
    let active = PurchaseRepository::list(&store, org, Some(PurchaseStatus::Active))
        .await
        .unwrap();
    assert_eq!(active.len(), 1, "R-O5: one active purchase");
    let ents = store.entitlements(org, t0()).await.unwrap();
    assert_eq!(ents.len(), 1, "R-O5: one entitlement");
    let stored = store.tool(t.id).await.unwrap().unwrap();
    assert_eq!(stored.stats.purchase_count, 1, "R-O4: one counted purchase");
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_50_concurrent_fulfilments_leave_one_active_purchase() {
    let Some(db) = TestDb::postgres("concurrency").await else {
        return;
    };
    fifty_fulfilments_one_winner(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_50_concurrent_fulfilments_leave_one_active_purchase() {
    fifty_fulfilments_one_winner(TestDb::sqlite().await).await;
}
