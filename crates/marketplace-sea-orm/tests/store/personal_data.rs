//! A user's personal data in the store (R-T9), on SQLite and PostgreSQL: the export finds
//! their rows, the erasure anonymises and drops them and writes its entry in the same
//! transaction, and the org's orders, purchases and ledger are untouched.

use marketplace_domain::access::{Actor, OrgRole, PlatformRole};
use marketplace_domain::audit::{AuditEvent, AuditLog};
use marketplace_domain::cart::{Cart, CartLine, CartRepository};
use marketplace_domain::catalog::ItemRef;
use marketplace_domain::ids::ReviewId;
use marketplace_domain::personal_data::{ErasureRecord, PersonalDataStore};
use marketplace_domain::review::{
    Rating, Review, ReviewBody, ReviewContent, ReviewRepository, ReviewTitle,
};
use marketplace_testkit::builders::{t0, unique_uuid, user_id};
use sea_orm::{ConnectionTrait, Statement};

use crate::fixtures::{org, populate, seller, tool};
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

on_both_backends!(r_t9_export_then_erasure_keeps_ids_and_the_orgs_records);

/// Rows of the org's own records, read as the schema owner (PostgreSQL) or the one
/// connection (SQLite).
async fn records(db: &TestDb) -> Vec<i64> {
    let conn = db.owner.as_ref().unwrap_or(&db.app).connection();
    let mut out = Vec::new();
    for table in ["orders", "purchases", "ledger_postings", "ledger_entries"] {
        let row = conn
            .query_one_raw(Statement::from_string(
                conn.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        out.push(row.try_get::<i64>("", "n").unwrap());
    }
    out
}

async fn r_t9_export_then_erasure_keeps_ids_and_the_orgs_records(db: TestDb) {
    let store = db.store();
    let s = seller(&store).await;
    let t = tool(&store, s, "10.00").await;
    let other = tool(&store, s, "20.00").await;
    let o = org(&store, "100.00").await;
    // Another user's purchase, review and postings; the user votes on that review.
    populate(&store, o, &t, &other).await;
    let user = user_id();
    let actor = Actor {
        user_id: user,
        org_id: o,
        org_role: OrgRole::Owner,
        platform_role: PlatformRole::User,
    };
    let line = CartLine {
        item: ItemRef::Tool(other.id),
        plan: None,
        added_at: t0(),
    };
    CartRepository::save(&store, &Cart::restore(o, user, vec![line]))
        .await
        .unwrap();
    let theirs = Review::write(
        ReviewId::from_uuid(unique_uuid()),
        other.id,
        o,
        user_id(),
        ReviewContent {
            rating: Rating::new(3).unwrap(),
            title: None,
            body: None,
        },
        t0(),
    );
    ReviewRepository::save(&store, &theirs).await.unwrap();
    let mine = Review::write(
        ReviewId::from_uuid(unique_uuid()),
        t.id,
        o,
        user,
        ReviewContent {
            rating: Rating::new(5).unwrap(),
            title: ReviewTitle::parse(Some("Great")).unwrap(),
            body: ReviewBody::parse(Some("Made by me")).unwrap(),
        },
        t0(),
    );
    ReviewRepository::save(&store, &mine).await.unwrap();
    assert!(store.add_vote(theirs.id(), user, o).await.unwrap());
    store
        .record(
            AuditEvent::by(&actor, "cart.changed", "cart", user.as_uuid(), t0())
                .with_detail("note", "mine")
                .changed("label", None, Some(&"Personal")),
        )
        .await;
    let before = records(&db).await;

    let export = store.export(user).await.unwrap();
    assert_eq!(export.reviews.len(), 1);
    assert_eq!(export.reviews[0].body.as_deref(), Some("Made by me"));
    assert_eq!(export.votes.len(), 1);
    assert_eq!(export.cart.len(), 1);
    assert_eq!(export.audit.len(), 1);
    assert_eq!(export.audit[0].changes.len(), 1);

    let record = ErasureRecord {
        actor,
        user,
        at: t0(),
        by_admin: false,
    };
    let done = store.erase(user, record).await.unwrap();
    assert_eq!(
        (
            done.reviews_anonymised,
            done.votes_removed,
            done.cart_lines_removed,
            done.audit_entries_cleared
        ),
        (1, 1, 1, 1)
    );
    let after = store.export(user).await.unwrap();
    assert!(after.reviews.is_empty() && after.votes.is_empty() && after.cart.is_empty());
    let [erased, cleared] = after.audit.as_slice() else {
        panic!("the old entry and the erasure's: {:?}", after.audit);
    };
    let (erased, cleared) = if erased.action == "user.erased" {
        (erased, cleared)
    } else {
        (cleared, erased)
    };
    assert_eq!(erased.subject_id, Some(user.as_uuid()));
    assert!(cleared.details.is_empty() && cleared.changes.is_empty());
    assert_eq!(cleared.actor, Some(user), "ids stay");
    // The review stays, with its rating and no author or words.
    let kept = ReviewRepository::get(&store, mine.id())
        .await
        .unwrap()
        .expect("the review stays");
    assert_eq!(kept.rating(), Rating::new(5).unwrap());
    assert!(kept.title().is_none() && kept.body().is_none());
    assert_ne!(kept.user_id(), user);
    assert_eq!(
        records(&db).await,
        before,
        "orders, purchases, ledger untouched"
    );
    db.finish().await;
}
