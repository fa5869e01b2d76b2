//! SQLite, in memory: always run.

use marketplace_migrations::{Migrator, MigratorTrait};
use rust_decimal::{Decimal, dec};
use sea_orm_migration::sea_orm::{
    ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement, TransactionTrait,
};
use uuid::Uuid;

use crate::common::{self, exec, query_one};

async fn memory() -> DatabaseConnection {
    Database::connect("sqlite::memory:").await.unwrap()
}

#[tokio::test]
async fn up_down_up_on_sqlite() {
    let db = memory().await;
    common::up_down_up(&db).await;
}

#[tokio::test]
async fn seeding_twice_changes_nothing_on_sqlite() {
    let db = memory().await;
    Migrator::up(&db, None).await.unwrap();
    common::seed_twice(&db).await;
}

#[tokio::test]
async fn constraints_hold_on_sqlite() {
    let db = memory().await;
    Migrator::up(&db, None).await.unwrap();
    marketplace_migrations::seed_catalog(&db).await.unwrap();
    common::constraints_hold(&db).await;
}

#[tokio::test]
async fn a_file_database_migrates_and_seeds_like_memory() {
    let path = std::env::temp_dir().join(format!("marketplace-migrations-{}.db", Uuid::new_v4()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let db = Database::connect(&url).await.unwrap();
    common::up_down_up(&db).await;
    common::seed_twice(&db).await;
    db.close().await.unwrap();
    std::fs::remove_file(&path).unwrap();
}

/// Money is stored as REAL on SQLite. Through sea-orm, every 2-dp amount below 1,000,000.00
/// comes back as the same `Decimal`; every amount of the ledger's NUMERIC(14,2) range comes
/// back the same once rounded to 2 dp (which the adapter does on read).
#[tokio::test]
async fn money_round_trips_exactly_through_sea_orm() {
    let db = memory().await;
    Migrator::up(&db, None).await.unwrap();
    let org = common::insert_org(&db, "Round Trip").await;
    let order = common::insert_order(&db, org, Uuid::new_v4()).await;
    let posting = Uuid::new_v4();
    exec(
        &db,
        "INSERT INTO ledger_postings (id, kind, order_id, occurred_at) VALUES ($1, 'SALE', $2, $3)",
        vec![posting.into(), order.into(), chrono::Utc::now().into()],
    )
    .await
    .unwrap();

    // Every cent up to 100.00, then a deterministic spread over each magnitude up to the
    // ledger column's maximum (14 digits).
    let mut amounts: Vec<i64> = (0..10_000).collect();
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    for digits in 3..=14 {
        for _ in 0..2_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            amounts.push(i64::try_from(x % 10_u64.pow(digits)).unwrap());
        }
    }
    amounts.extend([999_999_999_999, 99_999_999_999_999, 1, 10, 99, 100]);

    let txn = db.begin().await.unwrap();
    for (position, &cents) in (0_i32..).zip(&amounts) {
        let sign = if position % 2 == 0 { 1 } else { -1 };
        exec(
            &txn,
            "INSERT INTO ledger_entries (id, posting_id, position, account, amount, currency) \
             VALUES ($1, $2, $3, 'T', $4, 'USD')",
            vec![
                Uuid::new_v4().into(),
                posting.into(),
                position.into(),
                Decimal::new(sign * cents, 2).into(),
            ],
        )
        .await
        .unwrap();
    }
    txn.commit().await.unwrap();

    let rows = db
        .query_all_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT position, amount, typeof(amount) AS t FROM ledger_entries ORDER BY position",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), amounts.len());
    for (row, &cents) in rows.iter().zip(&amounts) {
        let position: i32 = row.try_get("", "position").unwrap();
        let sign = if position % 2 == 0 { 1 } else { -1 };
        let stored: Decimal = row.try_get("", "amount").unwrap();
        let expected = Decimal::new(sign * cents, 2);
        // Exact as read below 1,000,000.00; above, sea-orm's f64 -> Decimal conversion can
        // leave noise in the 6th decimal, which rounding to the column's scale removes.
        if cents < 100_000_000 {
            assert_eq!(stored, expected, "position {position}");
        }
        assert_eq!(stored.round_dp(2), expected, "position {position}");
        assert_eq!(row.try_get::<String>("", "t").unwrap(), "real");
    }

    // UUIDs are 16-byte blobs and timestamps RFC 3339 text, defaults included.
    let row = query_one(
        &db,
        "SELECT id, typeof(id) AS t, length(id) AS n, created_at, credit_balance \
         FROM organizations WHERE id = $1",
        vec![org.into()],
    )
    .await
    .unwrap();
    assert_eq!(row.try_get::<Uuid>("", "id").unwrap(), org);
    assert_eq!(row.try_get::<String>("", "t").unwrap(), "blob");
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), 16);
    let created: chrono::DateTime<chrono::Utc> = row.try_get("", "created_at").unwrap();
    assert!((chrono::Utc::now() - created).num_seconds().abs() < 60);
    let text: String = row.try_get("", "created_at").unwrap();
    assert!(text.ends_with("+00:00") && text.contains('T'), "{text}");
    assert_eq!(
        row.try_get::<Decimal>("", "credit_balance").unwrap(),
        dec!(100.00)
    );
}
