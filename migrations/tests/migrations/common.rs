//! What both backends are checked for: up/down/up, the seed, the constraints.

use marketplace_migrations::{Migrator, MigratorTrait, TABLES, bundles, catalog, seed_catalog};
use rust_decimal::{Decimal, dec};
use sea_orm_migration::sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, ExecResult, QueryResult, Statement,
    Value,
};
use uuid::Uuid;

/// Runs `sql`, written with `$1, $2, …` placeholders, on either backend.
pub async fn exec(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<ExecResult, DbErr> {
    let backend = db.get_database_backend();
    db.execute_raw(Statement::from_sql_and_values(
        backend,
        placeholders(backend, sql),
        values,
    ))
    .await
}

pub async fn query_one(
    db: &impl ConnectionTrait,
    sql: &str,
    values: Vec<Value>,
) -> Result<QueryResult, DbErr> {
    let backend = db.get_database_backend();
    db.query_one_raw(Statement::from_sql_and_values(
        backend,
        placeholders(backend, sql),
        values,
    ))
    .await?
    .ok_or_else(|| DbErr::RecordNotFound(sql.to_owned()))
}

pub async fn count(db: &impl ConnectionTrait, table: &str) -> i64 {
    let row = query_one(db, &format!("SELECT count(*) AS n FROM {table}"), vec![])
        .await
        .unwrap();
    row.try_get("", "n").unwrap()
}

fn placeholders(backend: DbBackend, sql: &str) -> String {
    match backend {
        // SQLite's numbered parameters are `?1`, `?2`, …
        DbBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_owned(),
    }
}

/// The names of the user tables that exist now.
pub async fn existing_tables(db: &DatabaseConnection) -> Vec<String> {
    let sql = match db.get_database_backend() {
        DbBackend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             AND name <> 'seaql_migrations' ORDER BY name"
        }
        _ => {
            // Partitions are storage of their parent table, not tables of the schema.
            "SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() \
             AND tablename <> 'seaql_migrations' \
             AND NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = tablename AND relispartition) \
             ORDER BY tablename"
        }
    };
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", "name").unwrap())
        .collect()
}

/// Up from empty, all the way down, and up again.
pub async fn up_down_up(db: &DatabaseConnection) {
    assert!(
        existing_tables(db).await.is_empty(),
        "the database must start empty"
    );
    Migrator::up(db, None).await.unwrap();
    let mut expected: Vec<String> = TABLES.iter().map(|t| (*t).to_owned()).collect();
    expected.sort();
    assert_eq!(existing_tables(db).await, expected);
    assert!(
        Migrator::get_pending_migrations(db)
            .await
            .unwrap()
            .is_empty()
    );

    Migrator::down(db, None).await.unwrap();
    assert!(
        existing_tables(db).await.is_empty(),
        "down leaves no table behind"
    );
    assert_eq!(Migrator::get_applied_migrations(db).await.unwrap().len(), 0);

    Migrator::up(db, None).await.unwrap();
    assert_eq!(existing_tables(db).await, expected);
}

/// Seeding twice inserts once.
pub async fn seed_twice(db: &DatabaseConnection) {
    let first = seed_catalog(db).await.unwrap();
    assert_eq!(first.sellers, 4);
    assert_eq!(first.tools, 54);
    assert_eq!(first.bundles, 5);
    let items: usize = bundles().iter().map(|b| b.tools.len()).sum();
    assert_eq!(first.bundle_items, u64::try_from(items).unwrap());
    let tags: usize = catalog().iter().map(|t| t.tags.len()).sum();
    assert_eq!(first.tool_tags, u64::try_from(tags).unwrap());

    let counts = |db| async move {
        let mut all = Vec::new();
        for t in ["sellers", "tools", "tool_tags", "bundles", "bundle_items"] {
            all.push(count(db, t).await);
        }
        all
    };
    let before = counts(db).await;
    let second = seed_catalog(db).await.unwrap();
    assert!(
        second.is_empty(),
        "a second run inserts nothing: {second:?}"
    );
    assert_eq!(counts(db).await, before);
    assert_eq!(before[1], 54);
    assert_eq!(before[3], 5);

    // Prices come back exactly, on both backends.
    let lead_pro = &bundles()[0];
    let row = query_one(
        db,
        "SELECT price_amount FROM bundles WHERE id = $1",
        vec![lead_pro.id().into()],
    )
    .await
    .unwrap();
    let price: Decimal = row.try_get("", "price_amount").unwrap();
    assert_eq!(price, lead_pro.price());
    for t in catalog() {
        let row = query_one(
            db,
            "SELECT price_amount, seller_id FROM tools WHERE id = $1",
            vec![t.id().into()],
        )
        .await
        .unwrap();
        assert_eq!(
            row.try_get::<Decimal>("", "price_amount").unwrap(),
            t.price,
            "{}",
            t.name
        );
        assert_eq!(row.try_get::<Uuid>("", "seller_id").unwrap(), t.seller_id());
    }
}

pub struct Fixture {
    pub org: Uuid,
    pub other_org: Uuid,
    pub user: Uuid,
    pub order: Uuid,
    pub tool: Uuid,
    pub bundle: Uuid,
}

pub async fn insert_org(db: &impl ConnectionTrait, name: &str) -> Uuid {
    let id = Uuid::new_v4();
    exec(
        db,
        "INSERT INTO organizations (id, name, tier, credit_balance, credit_currency) \
         VALUES ($1, $2, 'GROWTH', $3, 'USD')",
        vec![id.into(), name.into(), dec!(100.00).into()],
    )
    .await
    .unwrap();
    id
}

pub async fn insert_order(db: &impl ConnectionTrait, org: Uuid, user: Uuid) -> Uuid {
    let id = Uuid::new_v4();
    exec(
        db,
        "INSERT INTO orders (id, org_id, user_id, status, payment_method, total_amount, currency) \
         VALUES ($1, $2, $3, 'PAID', 'CREDIT_CARD', $4, 'USD')",
        vec![id.into(), org.into(), user.into(), dec!(99.00).into()],
    )
    .await
    .unwrap();
    id
}

/// Two orgs, a user, a paid order; needs the seed catalog.
pub async fn fixture(db: &DatabaseConnection) -> Fixture {
    let org = insert_org(db, "Acme Realty").await;
    let other_org = insert_org(db, "Other Realty").await;
    let user = Uuid::new_v4();
    let order = insert_order(db, org, user).await;
    Fixture {
        org,
        other_org,
        user,
        order,
        tool: catalog()[0].id(),
        bundle: bundles()[0].id(),
    }
}

pub async fn insert_purchase(
    db: &impl ConnectionTrait,
    f: &Fixture,
    kind: &str,
    tool: Option<Uuid>,
    bundle: Option<Uuid>,
) -> Result<Uuid, DbErr> {
    let id = Uuid::new_v4();
    exec(
        db,
        "INSERT INTO purchases (id, org_id, user_id, order_id, purchase_type, tool_id, bundle_id, \
         amount, currency, payment_method, status, billing) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'USD', 'CREDIT_CARD', 'ACTIVE', 'ONE_TIME')",
        vec![
            id.into(),
            f.org.into(),
            f.user.into(),
            f.order.into(),
            kind.into(),
            tool.into(),
            bundle.into(),
            dec!(99.00).into(),
        ],
    )
    .await
    .map(|_| id)
}

fn assert_refused<T: std::fmt::Debug>(result: Result<T, DbErr>, constraint: &str) {
    match result {
        Ok(v) => panic!("expected a violation of {constraint}, got Ok({v:?})"),
        Err(e) => assert!(
            e.to_string().contains(constraint),
            "expected a violation of {constraint}, got: {e}"
        ),
    }
}

/// PostgreSQL names the violated unique index; SQLite lists its columns instead.
fn assert_unique_refused<T: std::fmt::Debug>(
    backend: DbBackend,
    result: Result<T, DbErr>,
    index: &str,
    sqlite_columns: &str,
) {
    match backend {
        DbBackend::Sqlite => {
            assert_refused(
                result,
                &format!("UNIQUE constraint failed: {sqlite_columns}"),
            );
        }
        _ => assert_refused(result, &format!("unique constraint \"{index}\"")),
    }
}

/// The constraints hold. Needs the seed catalog.
pub async fn constraints_hold(db: &DatabaseConnection) {
    let f = fixture(db).await;

    // The original schema's check: a purchase is a tool or a bundle, never both.
    let both = insert_purchase(db, &f, "TOOL", Some(f.tool), Some(f.bundle)).await;
    assert_refused(both, "purchases_item_check");
    let neither = insert_purchase(db, &f, "BUNDLE", None, None).await;
    assert_refused(neither, "purchases_item_check");

    // One ACTIVE purchase per (org, tool) and per (org, bundle).
    let first = insert_purchase(db, &f, "TOOL", Some(f.tool), None)
        .await
        .unwrap();
    let backend = db.get_database_backend();
    let again = insert_purchase(db, &f, "TOOL", Some(f.tool), None).await;
    assert_unique_refused(
        backend,
        again,
        "purchases_one_active_tool",
        "purchases.org_id, purchases.tool_id",
    );
    insert_purchase(db, &f, "BUNDLE", None, Some(f.bundle))
        .await
        .unwrap();
    let again = insert_purchase(db, &f, "BUNDLE", None, Some(f.bundle)).await;
    assert_unique_refused(
        backend,
        again,
        "purchases_one_active_bundle",
        "purchases.org_id, purchases.bundle_id",
    );
    // Once the first is refunded, the org may buy the tool again.
    exec(
        db,
        "UPDATE purchases SET status = 'REFUNDED' WHERE id = $1",
        vec![first.into()],
    )
    .await
    .unwrap();
    insert_purchase(db, &f, "TOOL", Some(f.tool), None)
        .await
        .unwrap();

    // Ratings are 1..=5.
    let review = |rating: i16, user: Uuid| {
        exec(
            db,
            "INSERT INTO reviews (id, tool_id, org_id, user_id, rating) VALUES ($1, $2, $3, $4, $5)",
            vec![
                Uuid::new_v4().into(),
                f.tool.into(),
                f.org.into(),
                user.into(),
                rating.into(),
            ],
        )
    };
    assert_refused(review(6, f.user).await, "reviews_rating_check");
    assert_refused(review(0, f.user).await, "reviews_rating_check");
    review(5, f.user).await.unwrap();
    // One review per (tool, user).
    assert_unique_refused(
        backend,
        review(4, f.user).await,
        "reviews_tool_user_key",
        "reviews.tool_id, reviews.user_id",
    );

    // A cart line is a tool or a bundle, never both.
    let line = exec(
        db,
        "INSERT INTO cart_lines (id, org_id, user_id, item_type, tool_id, bundle_id) \
         VALUES ($1, $2, $3, 'TOOL', $4, $5)",
        vec![
            Uuid::new_v4().into(),
            f.org.into(),
            f.user.into(),
            f.tool.into(),
            f.bundle.into(),
        ],
    )
    .await;
    assert_refused(line, "cart_lines_item_check");

    // FREE means price 0; an enum column takes only its values; balances stay >= 0.
    let free_priced = exec(
        db,
        "UPDATE tools SET price_model = 'FREE' WHERE id = $1",
        vec![f.tool.into()],
    )
    .await;
    assert_refused(free_priced, "tools_free_price_check");
    let bad_tier = exec(
        db,
        "UPDATE organizations SET tier = 'PLATINUM' WHERE id = $1",
        vec![f.org.into()],
    )
    .await;
    assert_refused(bad_tier, "organizations_tier_check");
    let overdrawn = exec(
        db,
        "UPDATE organizations SET credit_balance = credit_balance - 100.01 WHERE id = $1",
        vec![f.org.into()],
    )
    .await;
    assert_refused(overdrawn, "organizations_credit_balance_check");
    let bad_currency = exec(
        db,
        "UPDATE orders SET currency = 'usd' WHERE id = $1",
        vec![f.order.into()],
    )
    .await;
    assert_refused(bad_currency, "orders_currency_check");

    // The ledger is append-only.
    let posting = Uuid::new_v4();
    exec(
        db,
        "INSERT INTO ledger_postings (id, kind, order_id, org_id, occurred_at) \
         VALUES ($1, 'SALE', $2, $3, $4)",
        vec![
            posting.into(),
            f.order.into(),
            f.org.into(),
            chrono::Utc::now().into(),
        ],
    )
    .await
    .unwrap();
    exec(
        db,
        "INSERT INTO ledger_entries (id, posting_id, position, account, amount, currency) \
         VALUES ($1, $2, 0, 'CUSTOMER', $3, 'USD')",
        vec![Uuid::new_v4().into(), posting.into(), dec!(-99.00).into()],
    )
    .await
    .unwrap();
    let changed = exec(db, "UPDATE ledger_entries SET amount = 0", vec![]).await;
    assert_refused(changed, "append-only");
    let deleted = exec(db, "DELETE FROM ledger_postings", vec![]).await;
    assert_refused(deleted, "append-only");
    assert_eq!(count(db, "ledger_entries").await, 1);

    let _ = f.other_org;
}
