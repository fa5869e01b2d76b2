//! PostgreSQL row-level security, through the app role the migrations create.

use marketplace_domain::ids::OrgId;
use marketplace_domain::purchase::PurchaseRepository;
use marketplace_migrations::{APP_ROLE, TENANT_TABLES};
use marketplace_sea_orm::Database;
use sea_orm::{ConnectionTrait, DatabaseTransaction, TransactionTrait, Value};

use crate::fixtures::{org, populate, seller, tool};
use crate::support::{TestDb, pg};

fn org_column(table: &str) -> &'static str {
    if table == "organizations" {
        "id"
    } else {
        "org_id"
    }
}

async fn count(db: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> i64 {
    db.query_one_raw(pg(sql, values))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap()
}

async fn as_tenant(db: &Database, org: OrgId) -> DatabaseTransaction {
    let tx = db.connection().begin().await.unwrap();
    tx.query_one_raw(pg(
        "SELECT set_config('app.current_org_id', $1, true)",
        vec![org.to_string().into()],
    ))
    .await
    .unwrap();
    tx
}

/// Two orgs with rows in every tenant table.
async fn two_tenants(db: &TestDb) -> (OrgId, OrgId) {
    let store = db.store();
    let s = seller(&store).await;
    let t = tool(&store, s, "10.00").await;
    let other = tool(&store, s, "5.00").await;
    let a = org(&store, "100.00").await;
    let b = org(&store, "100.00").await;
    populate(&store, a, &t, &other).await;
    populate(&store, b, &t, &other).await;
    // Every tenant table really holds rows of both (as the owner, a superuser).
    let owner = db.owner.as_ref().unwrap().connection();
    for table in TENANT_TABLES {
        let col = org_column(table);
        for o in [a, b] {
            let n = count(
                owner,
                &format!("SELECT count(*) AS n FROM {table} WHERE {col} = $1"),
                vec![o.as_uuid().into()],
            )
            .await;
            assert!(n > 0, "fixture: {table} has no row of {o}");
        }
    }
    (a, b)
}

#[tokio::test]
async fn org_a_reads_none_of_org_b_rows_in_any_tenant_table() {
    let Some(db) = TestDb::postgres("rls_isolation").await else {
        return;
    };
    let (a, b) = two_tenants(&db).await;
    let tx = as_tenant(&db.app, a).await;
    for table in TENANT_TABLES {
        let col = org_column(table);
        // No org filter of our own: only the policy stands between A and B.
        let all = count(&tx, &format!("SELECT count(*) AS n FROM {table}"), vec![]).await;
        let mine = count(
            &tx,
            &format!("SELECT count(*) AS n FROM {table} WHERE {col} = $1"),
            vec![a.as_uuid().into()],
        )
        .await;
        let theirs = count(
            &tx,
            &format!("SELECT count(*) AS n FROM {table} WHERE {col} = $1"),
            vec![b.as_uuid().into()],
        )
        .await;
        assert_eq!(theirs, 0, "RLS: org A reads org B's rows in {table}");
        assert!(mine > 0, "RLS: org A cannot read its own rows in {table}");
        assert_eq!(
            all, mine,
            "RLS: an unfiltered read of {table} shows more than org A's rows"
        );
    }
    // Updates and deletes of B's rows touch nothing.
    let n = tx
        .execute_raw(pg(
            "UPDATE orders SET failure_reason = 'x' WHERE org_id = $1",
            vec![b.as_uuid().into()],
        ))
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(n, 0, "RLS: org A updated org B's orders");
    let n = tx
        .execute_raw(pg(
            "DELETE FROM cart_lines WHERE org_id = $1",
            vec![b.as_uuid().into()],
        ))
        .await
        .unwrap()
        .rows_affected();
    assert_eq!(n, 0, "RLS: org A deleted org B's cart lines");
    tx.rollback().await.unwrap();
    db.finish().await;
}

#[tokio::test]
async fn a_cross_tenant_insert_is_refused() {
    let Some(db) = TestDb::postgres("rls_cross_tenant_insert").await else {
        return;
    };
    let (a, b) = two_tenants(&db).await;
    let tx = as_tenant(&db.app, a).await;
    let err = tx
        .execute_raw(pg(
            "INSERT INTO audit_log (id, org_id, action, subject_type) VALUES ($1, $2, 'x', 'y')",
            vec![uuid::Uuid::new_v4().into(), b.as_uuid().into()],
        ))
        .await
        .expect_err("RLS: org A inserted a row of org B");
    assert!(
        err.to_string().contains("row-level security"),
        "unexpected error: {err}"
    );
    tx.rollback().await.unwrap();
    // And moving one's own row to another org is refused too.
    let tx = as_tenant(&db.app, a).await;
    let err = tx
        .execute_raw(pg(
            "UPDATE orders SET org_id = $1 WHERE org_id = $2",
            vec![b.as_uuid().into(), a.as_uuid().into()],
        ))
        .await
        .expect_err("RLS: org A moved its order to org B");
    assert!(
        err.to_string().contains("row-level security"),
        "unexpected error: {err}"
    );
    tx.rollback().await.unwrap();
    db.finish().await;
}

#[tokio::test]
async fn no_tenant_set_reads_zero_rows() {
    let Some(db) = TestDb::postgres("rls_no_tenant").await else {
        return;
    };
    two_tenants(&db).await;
    let tx = db.app.connection().begin().await.unwrap();
    for table in TENANT_TABLES {
        let n = count(&tx, &format!("SELECT count(*) AS n FROM {table}"), vec![]).await;
        assert_eq!(n, 0, "RLS: {table} shows rows with no tenant set");
    }
    tx.rollback().await.unwrap();
    // Outside any transaction too.
    let n = count(
        db.app.connection(),
        "SELECT count(*) AS n FROM purchases",
        vec![],
    )
    .await;
    assert_eq!(n, 0);
    db.finish().await;
}

#[tokio::test]
async fn a_pool_of_one_connection_carries_no_tenant_over() {
    let Some(db) = TestDb::postgres_with_pool("rls_pool_of_one", 1).await else {
        return;
    };
    let (a, b) = two_tenants(&db).await;
    let store = db.store();
    for round in 0..5 {
        for (me, them) in [(a, b), (b, a)] {
            let tx = as_tenant(&db.app, me).await;
            let mine = count(&tx, "SELECT count(*) AS n FROM orders", vec![]).await;
            let theirs = count(
                &tx,
                "SELECT count(*) AS n FROM orders WHERE org_id = $1",
                vec![them.as_uuid().into()],
            )
            .await;
            tx.commit().await.unwrap();
            assert_eq!(
                (mine, theirs),
                (1, 0),
                "round {round}: the tenant's own rows only"
            );
            // The next transaction on the same (only) connection sets nothing: sees nothing.
            let tx = db.app.connection().begin().await.unwrap();
            let setting = tx
                .query_one_raw(pg(
                    "SELECT coalesce(current_setting('app.current_org_id', true), '') AS s",
                    vec![],
                ))
                .await
                .unwrap()
                .unwrap()
                .try_get::<String>("", "s")
                .unwrap();
            assert_eq!(
                setting, "",
                "round {round}: the tenant leaked into the next transaction"
            );
            assert_eq!(
                count(&tx, "SELECT count(*) AS n FROM orders", vec![]).await,
                0
            );
            tx.commit().await.unwrap();
            // The store alternating tenants on that one connection.
            let list = PurchaseRepository::list(&store, me, None).await.unwrap();
            assert!(!list.is_empty() && list.iter().all(|p| p.org_id() == me));
        }
        // Platform scope is transaction-local too.
        let _ = PurchaseRepository::find(
            &store,
            marketplace_domain::ids::PurchaseId::from_uuid(uuid::Uuid::new_v4()),
        )
        .await
        .unwrap();
        assert_eq!(
            count(
                db.app.connection(),
                "SELECT count(*) AS n FROM purchases",
                vec![]
            )
            .await,
            0,
            "platform scope leaked"
        );
    }
    db.finish().await;
}

#[tokio::test]
async fn every_tenant_table_forces_rls_and_the_app_role_is_plain() {
    let Some(db) = TestDb::postgres("rls_catalog").await else {
        return;
    };
    let owner = db.owner.as_ref().unwrap().connection();
    for table in TENANT_TABLES {
        let row = owner
            .query_one_raw(pg(
                "SELECT c.relrowsecurity AS rls, c.relforcerowsecurity AS force, \
                 pg_get_userbyid(c.relowner) AS owner FROM pg_class c \
                 WHERE c.relname = $1 AND c.relnamespace = 'public'::regnamespace",
                vec![(*table).into()],
            ))
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("no table {table}"));
        assert!(
            row.try_get::<bool>("", "rls").unwrap(),
            "{table}: RLS not enabled"
        );
        assert!(
            row.try_get::<bool>("", "force").unwrap(),
            "{table}: RLS not forced"
        );
        assert_ne!(
            row.try_get::<String>("", "owner").unwrap(),
            APP_ROLE,
            "{table} is owned by the app role"
        );
    }
    let row = owner
        .query_one_raw(pg(
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = $1",
            vec![APP_ROLE.into()],
        ))
        .await
        .unwrap()
        .unwrap();
    assert!(
        !row.try_get::<bool>("", "rolsuper").unwrap(),
        "the app role is a superuser"
    );
    assert!(
        !row.try_get::<bool>("", "rolbypassrls").unwrap(),
        "the app role bypasses RLS"
    );
    let owned = count(
        owner,
        "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public' AND tableowner = $1",
        vec![APP_ROLE.into()],
    )
    .await;
    assert_eq!(owned, 0, "the app role owns tables");
    db.finish().await;
}
