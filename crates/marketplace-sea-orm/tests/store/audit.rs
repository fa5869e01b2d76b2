//! The audit trail read back (R-T8), on SQLite and PostgreSQL: changed fields round-trip,
//! the filters hold, an org's read sees its own entries only, the platform's every org's.

use chrono::Duration;
use marketplace_domain::audit::{AuditEvent, AuditFilter, AuditLog, AuditTrail};
use marketplace_domain::ids::{OrgId, UserId};
use marketplace_domain::paging::PageRequest;
use marketplace_testkit::builders::t0;
use uuid::Uuid;

use crate::support::TestDb;

macro_rules! on_both_backends {
    ($($scenario:ident),+ $(,)?) => {$(
        mod $scenario {
            use crate::support::TestDb;

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn sqlite() {
                super::$scenario(TestDb::sqlite().await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn postgres() {
                let Some(db) = TestDb::postgres(stringify!($scenario)).await else {
                    return;
                };
                super::$scenario(db).await;
            }
        }
    )+};
}

on_both_backends!(r_t8_the_trail_reads_back_what_changed_per_org_and_filtered);

async fn r_t8_the_trail_reads_back_what_changed_per_org_and_filtered(db: TestDb) {
    let store = db.store();
    let a = OrgId::from_uuid(Uuid::new_v4());
    let b = OrgId::from_uuid(Uuid::new_v4());
    let user = UserId::from_uuid(Uuid::new_v4());
    let subject = Uuid::new_v4();
    let mut tiered = AuditEvent::system(Some(a), "org.upserted", "org", subject, t0())
        .with_detail("note", "re-tiered")
        .changed_from("tier", &"STARTER", &"GROWTH")
        .changed("name", None, Some(&"Acme"))
        .changed_from("client_secret", &"s1", &"s2");
    tiered.actor = Some(user);
    store.record(tiered).await;
    store
        .record(AuditEvent::system(
            Some(b),
            "order.placed",
            "order",
            Uuid::new_v4(),
            t0() + Duration::minutes(1),
        ))
        .await;
    store
        .record(AuditEvent::system(
            None,
            "payout.run",
            "payout",
            Uuid::new_v4(),
            t0() + Duration::minutes(2),
        ))
        .await;

    let page = PageRequest::default();
    let of_a = AuditFilter {
        org: Some(a),
        ..AuditFilter::default()
    };
    let read = store.entries(&of_a, page).await.unwrap();
    assert_eq!(read.total, 1);
    let entry = &read.items[0];
    assert_eq!(
        (entry.org_id, entry.actor, entry.subject_id),
        (Some(a), Some(user), Some(subject))
    );
    assert_eq!(
        entry.details.get("note").map(String::as_str),
        Some("re-tiered")
    );
    let mut changes: Vec<_> = entry
        .changes
        .iter()
        .map(|c| (c.field.as_str(), c.old.as_deref(), c.new.as_deref()))
        .collect();
    changes.sort_unstable();
    assert_eq!(
        changes,
        [
            ("name", None, Some("Acme")),
            ("tier", Some("STARTER"), Some("GROWTH"))
        ],
        "no secret is stored"
    );

    let every = store.entries(&AuditFilter::default(), page).await.unwrap();
    let actions: Vec<_> = every
        .items
        .iter()
        .filter(|e| e.at >= t0())
        .map(|e| e.action.as_str())
        .collect();
    assert_eq!(
        actions,
        ["payout.run", "order.placed", "org.upserted"],
        "newest first"
    );

    let by = |filter: AuditFilter| {
        let store = store.clone();
        async move { store.entries(&filter, page).await.unwrap().total }
    };
    assert_eq!(
        by(AuditFilter {
            actor: Some(user),
            ..AuditFilter::default()
        })
        .await,
        1
    );
    assert_eq!(
        by(AuditFilter {
            subject_type: Some("order".to_owned()),
            ..AuditFilter::default()
        })
        .await,
        1
    );
    assert_eq!(
        by(AuditFilter {
            org: Some(b),
            subject_id: Some(subject),
            ..AuditFilter::default()
        })
        .await,
        0,
        "A's subject is not in B's trail"
    );
    assert_eq!(
        by(AuditFilter {
            action: Some("order.placed".to_owned()),
            from: Some(t0()),
            to: Some(t0() + Duration::minutes(1)),
            ..AuditFilter::default()
        })
        .await,
        0,
        "`to` is exclusive"
    );
    assert_eq!(
        by(AuditFilter {
            from: Some(t0() + Duration::minutes(1)),
            to: Some(t0() + Duration::minutes(3)),
            ..AuditFilter::default()
        })
        .await,
        2
    );
    db.finish().await;
}
