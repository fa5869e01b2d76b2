//! PostgreSQL: a fresh database per test on the server at `MARKETPLACE_TEST_POSTGRES_URL`
//! (default `postgres://postgres@127.0.0.1:5432`, a superuser, without a path), dropped
//! afterwards. Skipped with a notice when the server is unreachable, unless
//! `MARKETPLACE_REQUIRE_POSTGRES=1`, which makes that a failure.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use marketplace_migrations::{
    APP_ROLE, APP_ROLE_DEFAULT_PASSWORD, Migrator, MigratorTrait, PLATFORM_ROLE,
    PLATFORM_ROLE_DEFAULT_PASSWORD, TENANT_TABLES, bundles, seed_catalog, tenant_tables,
};
use sea_orm_migration::sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr, TransactionTrait, Value,
};
use uuid::Uuid;

use crate::common::{self, count, exec, query_one};

fn server_url() -> String {
    std::env::var("MARKETPLACE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
        .trim_end_matches('/')
        .to_owned()
}

fn required() -> bool {
    std::env::var("MARKETPLACE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

/// A database of its own, dropped on [`TestDb::drop_db`].
struct TestDb {
    admin: DatabaseConnection,
    name: String,
    db: DatabaseConnection,
}

impl TestDb {
    /// `None` (after a notice) when PostgreSQL is not reachable and not required.
    async fn create() -> Option<Self> {
        let mut options = ConnectOptions::new(format!("{}/postgres", server_url()));
        options
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(5));
        let admin = match Database::connect(options).await {
            Ok(admin) => admin,
            Err(e) if !required() => {
                eprintln!(
                    "NOTICE: PostgreSQL test skipped, {} is not reachable ({e}); \
                     set MARKETPLACE_REQUIRE_POSTGRES=1 to make this a failure",
                    server_url()
                );
                return None;
            }
            Err(e) => panic!("MARKETPLACE_REQUIRE_POSTGRES=1 but {}: {e}", server_url()),
        };
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "marketplace_migrations_test_{}_{}_{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed),
            Uuid::new_v4().simple()
        );
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let db = Database::connect(format!("{}/{name}", server_url()))
            .await
            .unwrap();
        Some(Self { admin, name, db })
    }

    /// A connection to this database as the application role.
    async fn connect_as_app(&self) -> DatabaseConnection {
        self.connect_as(APP_ROLE, APP_ROLE_DEFAULT_PASSWORD).await
    }

    /// A connection to this database as `role`.
    async fn connect_as(&self, role: &str, password: &str) -> DatabaseConnection {
        let server = server_url();
        let host = server
            .rsplit('@')
            .next()
            .unwrap()
            .trim_start_matches("postgres://");
        let url = format!("postgres://{role}:{password}@{host}/{}", self.name);
        Database::connect(url).await.unwrap()
    }

    async fn drop_db(self) {
        self.db.close().await.unwrap();
        self.admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .await
            .unwrap();
        self.admin.close().await.unwrap();
    }
}

#[tokio::test]
async fn up_down_up_on_postgres() {
    let Some(t) = TestDb::create().await else {
        return;
    };
    common::up_down_up(&t.db).await;
    t.drop_db().await;
}

#[tokio::test]
async fn seeding_twice_changes_nothing_on_postgres() {
    let Some(t) = TestDb::create().await else {
        return;
    };
    Migrator::up(&t.db, None).await.unwrap();
    common::seed_twice(&t.db).await;
    t.drop_db().await;
}

#[tokio::test]
async fn constraints_hold_on_postgres() {
    let Some(t) = TestDb::create().await else {
        return;
    };
    Migrator::up(&t.db, None).await.unwrap();
    seed_catalog(&t.db).await.unwrap();
    common::constraints_hold(&t.db).await;
    t.drop_db().await;
}

async fn flags(db: &DatabaseConnection, table: &str) -> (bool, bool) {
    let row = query_one(
        db,
        "SELECT relrowsecurity, relforcerowsecurity FROM pg_class \
         WHERE oid = to_regclass($1)",
        vec![table.into()],
    )
    .await
    .unwrap();
    (
        row.try_get("", "relrowsecurity").unwrap(),
        row.try_get("", "relforcerowsecurity").unwrap(),
    )
}

#[tokio::test]
async fn every_tenant_table_forces_row_level_security_and_the_app_role_bypasses_nothing() {
    let Some(t) = TestDb::create().await else {
        return;
    };
    Migrator::up(&t.db, None).await.unwrap();

    for table in TENANT_TABLES {
        assert_eq!(flags(&t.db, table).await, (true, true), "{table}");
    }
    for table in tenant_tables() {
        assert_eq!(
            flags(&t.db, table.table).await,
            (true, true),
            "{}",
            table.table
        );
    }
    for table in ["tools", "bundles", "bundle_items", "ledger_entries"] {
        assert_eq!(
            flags(&t.db, table).await,
            (false, false),
            "{table} is global"
        );
    }
    for name in [APP_ROLE, PLATFORM_ROLE] {
        let role = query_one(
            &t.db,
            "SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_roles WHERE rolname = $1",
            vec![name.into()],
        )
        .await
        .unwrap();
        assert!(!role.try_get::<bool>("", "rolsuper").unwrap(), "{name}");
        assert!(!role.try_get::<bool>("", "rolbypassrls").unwrap(), "{name}");
        assert!(role.try_get::<bool>("", "rolcanlogin").unwrap(), "{name}");
        let owners = query_one(
            &t.db,
            "SELECT count(*) AS n FROM pg_tables WHERE tableowner = $1",
            vec![name.into()],
        )
        .await
        .unwrap();
        assert_eq!(
            owners.try_get::<i64>("", "n").unwrap(),
            0,
            "{name} owns nothing"
        );
    }

    // Down removes the policies and RLS; up restores them, the role tolerated as existing.
    // Down to the schema alone: every later migration, row-level security included.
    let after_schema = u32::try_from(Migrator::migrations().len() - 1).unwrap();
    Migrator::down(&t.db, Some(after_schema)).await.unwrap();
    for table in TENANT_TABLES {
        assert_eq!(
            flags(&t.db, table).await,
            (false, false),
            "{table} after down"
        );
    }
    Migrator::up(&t.db, None).await.unwrap();
    for table in TENANT_TABLES {
        assert_eq!(
            flags(&t.db, table).await,
            (true, true),
            "{table} after up again"
        );
    }
    t.drop_db().await;
}

/// Runs `sql` in a transaction of `app` (a connection of the app or the platform role),
/// with the given settings, then rolls back.
async fn as_tenant(
    app: &DatabaseConnection,
    org: Option<Uuid>,
    platform: bool,
    sql: &str,
    values: Vec<Value>,
) -> Result<i64, DbErr> {
    let txn = app.begin().await?;
    if let Some(org) = org {
        exec(
            &txn,
            "SELECT set_config('app.current_org_id', $1, true)",
            vec![org.to_string().into()],
        )
        .await?;
    }
    if platform {
        txn.execute_unprepared("SELECT set_config('app.platform_scope', 'on', true)")
            .await?;
    }
    let result = if sql.trim_start().to_uppercase().starts_with("SELECT") {
        query_one(&txn, sql, values)
            .await
            .map(|row| row.try_get::<i64>("", "n").unwrap_or(-1))
    } else {
        exec(&txn, sql, values)
            .await
            .map(|r| i64::try_from(r.rows_affected()).unwrap())
    };
    txn.rollback().await?;
    result
}

#[tokio::test]
async fn r_t5_the_app_role_sees_only_its_tenant_and_the_platform_role_every_tenant() {
    let Some(t) = TestDb::create().await else {
        return;
    };
    Migrator::up(&t.db, None).await.unwrap();
    seed_catalog(&t.db).await.unwrap();
    let f = common::fixture(&t.db).await;
    let other_order = common::insert_order(&t.db, f.other_org, Uuid::new_v4()).await;
    // An approved review by the other org, and a pending one.
    for (status, user) in [("APPROVED", Uuid::new_v4()), ("PENDING", Uuid::new_v4())] {
        exec(
            &t.db,
            "INSERT INTO reviews (id, tool_id, org_id, user_id, rating, status) \
             VALUES ($1, $2, $3, $4, 4, $5)",
            vec![
                Uuid::new_v4().into(),
                f.tool.into(),
                f.other_org.into(),
                user.into(),
                status.into(),
            ],
        )
        .await
        .unwrap();
    }
    assert_eq!(count(&t.db, "orders").await, 2);

    let app = t.connect_as_app().await;
    let orders = "SELECT count(*) AS n FROM orders";
    let orgs = "SELECT count(*) AS n FROM organizations";
    // No tenant set: no rows at all.
    assert_eq!(
        as_tenant(&app, None, false, orders, vec![]).await.unwrap(),
        0
    );
    assert_eq!(as_tenant(&app, None, false, orgs, vec![]).await.unwrap(), 0);
    // A tenant sees its own rows only; its own organization only.
    assert_eq!(
        as_tenant(&app, Some(f.org), false, orders, vec![])
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        as_tenant(&app, Some(f.org), false, orgs, vec![])
            .await
            .unwrap(),
        1
    );
    let theirs = "SELECT count(*) AS n FROM orders WHERE id = $1";
    let other = vec![other_order.into()];
    assert_eq!(
        as_tenant(&app, Some(f.org), false, theirs, other.clone())
            .await
            .unwrap(),
        0
    );
    // The old platform scope setting grants the app role nothing; the platform role sees
    // every tenant without setting anything.
    assert_eq!(
        as_tenant(&app, None, true, orders, vec![]).await.unwrap(),
        0
    );
    assert_eq!(
        as_tenant(&app, Some(f.org), true, orders, vec![])
            .await
            .unwrap(),
        1
    );
    let platform = t
        .connect_as(PLATFORM_ROLE, PLATFORM_ROLE_DEFAULT_PASSWORD)
        .await;
    assert_eq!(
        as_tenant(&platform, None, false, orders, vec![])
            .await
            .unwrap(),
        2
    );
    // Public reviews: another org's APPROVED review is visible, its PENDING one is not.
    let reviews = "SELECT count(*) AS n FROM reviews";
    assert_eq!(
        as_tenant(&app, Some(f.org), false, reviews, vec![])
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        as_tenant(&app, None, true, reviews, vec![]).await.unwrap(),
        1,
        "only the public review, whatever the app role sets"
    );
    assert_eq!(
        as_tenant(&platform, None, false, reviews, vec![])
            .await
            .unwrap(),
        2
    );
    // The catalog is global.
    let tools = "SELECT count(*) AS n FROM tools";
    assert_eq!(
        as_tenant(&app, None, false, tools, vec![]).await.unwrap(),
        54
    );

    // Writing into another tenant is refused; updating its rows touches nothing.
    let sneak = as_tenant(
        &app,
        Some(f.org),
        false,
        "INSERT INTO cart_lines (id, org_id, user_id, item_type, bundle_id) \
         VALUES ($1, $2, $3, 'BUNDLE', $4)",
        vec![
            Uuid::new_v4().into(),
            f.other_org.into(),
            f.user.into(),
            bundles()[1].id().into(),
        ],
    )
    .await;
    assert!(
        sneak
            .unwrap_err()
            .to_string()
            .contains("row-level security"),
        "insert into another tenant"
    );
    let cancel = "UPDATE orders SET status = 'CANCELLED' WHERE id = $1";
    assert_eq!(
        as_tenant(&app, Some(f.org), false, cancel, other)
            .await
            .unwrap(),
        0
    );
    // Moving one's own row to another tenant is refused too.
    let moved = as_tenant(
        &app,
        Some(f.org),
        false,
        "UPDATE orders SET org_id = $1 WHERE id = $2",
        vec![f.other_org.into(), f.order.into()],
    )
    .await;
    assert!(moved.is_err(), "moving an order to another tenant");

    // Purchases are never deleted; the ledger is never rewritten.
    let purchase = common::insert_purchase(&t.db, &f, "TOOL", Some(f.tool), None)
        .await
        .unwrap();
    let deleted = as_tenant(
        &app,
        Some(f.org),
        false,
        "DELETE FROM purchases WHERE id = $1",
        vec![purchase.into()],
    )
    .await;
    assert!(
        deleted
            .unwrap_err()
            .to_string()
            .contains("permission denied")
    );
    for conn in [&app, &platform] {
        let deleted = as_tenant(conn, None, false, "DELETE FROM ledger_entries", vec![]).await;
        assert!(
            deleted
                .unwrap_err()
                .to_string()
                .contains("permission denied")
        );
    }

    app.close().await.unwrap();
    platform.close().await.unwrap();
    t.drop_db().await;
}
