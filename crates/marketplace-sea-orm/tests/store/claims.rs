//! Job claims (R-T10): on PostgreSQL one claim per job and unit at a time, released when
//! its holder lets go; on SQLite, one process, every claim succeeds.

use marketplace_domain::claims::UnitClaims;
use uuid::Uuid;

use crate::support::TestDb;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn r_t10_a_unit_is_claimed_by_one_holder_at_a_time_on_postgres() {
    let Some(db) = TestDb::postgres("r_t10_claims").await else {
        return;
    };
    // Two stores on one database stand for two replicas.
    let (one, two) = (db.store(), db.app.store());
    let unit = Uuid::new_v4();
    let held = one.try_claim("renewal", unit).await.unwrap().expect("free");
    assert!(
        two.try_claim("renewal", unit).await.unwrap().is_none(),
        "held by the other replica"
    );
    let other_job = two
        .try_claim("payout", unit)
        .await
        .unwrap()
        .expect("its own space");
    let other_unit = two
        .try_claim("renewal", Uuid::new_v4())
        .await
        .unwrap()
        .expect("another unit");
    held.release().await;
    let again = two
        .try_claim("renewal", unit)
        .await
        .unwrap()
        .expect("free once released");
    for claim in [again, other_job, other_unit] {
        claim.release().await;
    }
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn r_t10_sqlite_is_one_process_and_every_claim_succeeds() {
    let db = TestDb::sqlite().await;
    let store = db.store();
    let unit = Uuid::new_v4();
    let first = store.try_claim("renewal", unit).await.unwrap();
    let second = store.try_claim("renewal", unit).await.unwrap();
    assert!(first.is_some() && second.is_some());
    db.finish().await;
}
