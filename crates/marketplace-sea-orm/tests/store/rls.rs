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
        // Platform work runs on the platform pool and leaves the tenant pool unwidened.
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
            "platform work widened the tenant pool"
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

/// Every table of the schema that names an org, from the catalog (partitions included):
/// `(table, org column, RLS enabled, RLS forced, is a partition)`. A table added tomorrow
/// is in this list the day it is created.
async fn org_tables(owner: &impl ConnectionTrait) -> Vec<(String, String, bool, bool, bool)> {
    let rows = owner
        .query_all_raw(pg(
            "SELECT c.relname AS t, a.attname AS col, c.relrowsecurity AS rls, \
             c.relforcerowsecurity AS force, c.relispartition AS part \
             FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid \
             WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') \
             AND NOT a.attisdropped \
             AND (a.attname IN ('org_id', 'provider_org_id') \
                  OR (c.relname = 'organizations' AND a.attname = 'id')) \
             ORDER BY 1",
            vec![],
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.try_get("", "t").unwrap(),
                r.try_get("", "col").unwrap(),
                r.try_get("", "rls").unwrap(),
                r.try_get("", "force").unwrap(),
                r.try_get("", "part").unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn r_t6_every_table_with_an_org_id_is_under_forced_row_level_security() {
    let Some(db) = TestDb::postgres("r_t6_catalog").await else {
        return;
    };
    let owner = db.owner.as_ref().unwrap().connection();
    let tables = org_tables(owner).await;
    let names: Vec<&str> = tables.iter().map(|t| t.0.as_str()).collect();
    for expected in [
        "organizations",
        "sellers",
        "ledger_postings",
        "processed_payment_events",
        "usage_events",
        "licenses",
        "installation_heads",
        "service_transactions",
        "service_messages",
    ] {
        assert!(
            names.contains(&expected),
            "the catalog walk missed {expected}"
        );
    }
    for (table, _, rls, force, _) in &tables {
        assert!(
            *rls,
            "R-T6: {table} has an org id and no row-level security"
        );
        assert!(
            *force,
            "R-T6: {table} has an org id and row-level security not forced"
        );
    }
    db.finish().await;
}

/// Rows of `org` in every table with an org id, through the store's own writes.
async fn everything_of(
    store: &marketplace_sea_orm::SeaOrmStore,
    org: OrgId,
    t: &marketplace_domain::catalog::Tool,
    other: &marketplace_domain::catalog::Tool,
) {
    use marketplace_domain::payment_events::PaymentEventLog;
    use marketplace_licensing::api_key::{ApiKeyRepository, KeyEnvironment};
    use marketplace_licensing::license::LicenseRepository;
    use marketplace_metering::service::ports::UsageStore;
    use marketplace_modules::Generation;
    use marketplace_modules::installation::ports::{InstallLog, Installations, Notices};
    use marketplace_testkit::builders::t0;

    // The first wave (orders, purchases, the sale's ledger posting, reviews, audit…).
    populate(store, org, t, other).await;
    // The org's seller, with its listings: a profile, a listing, a notice and opt-in
    // choices.
    crate::listings::listings_of(store, org).await;
    // Services: the org as a provider and as a buyer.
    crate::services::services_of(store, org).await;
    PaymentEventLog::record(
        store,
        &format!("evt_{}", uuid::Uuid::new_v4().simple()),
        "checkout.session.completed",
        Some(org),
        t0(),
    )
    .await
    .unwrap();
    // Usage.
    let now = crate::metering::now();
    let events = [
        crate::metering::event("e1", t.id, "api_calls", 1, now),
        crate::metering::user_event("e2", t.id, "u1", now),
    ];
    let batch = crate::metering::batch(&events, &crate::metering::catalog(t.id), &[], now);
    UsageStore::record(store, org, &batch, now).await.unwrap();
    // API keys and licenses.
    let (key, digest) = crate::licensing::key(
        &crate::licensing::counter(),
        org,
        KeyEnvironment::Live,
        t0(),
    );
    ApiKeyRepository::insert(store, &key, &digest)
        .await
        .unwrap();
    let license = crate::licensing::license(org, t.id, t0(), 5);
    LicenseRepository::issue(store, &license).await.unwrap();
    LicenseRepository::activate(store, &crate::licensing::machine(license.id(), "m"), 5)
        .await
        .unwrap();
    // Module installations.
    Installations::set_platform(store, org, &crate::modules::v("2.0.0"))
        .await
        .unwrap();
    let first = crate::modules::change(
        &Generation::initial(),
        crate::modules::lockfile(&[(t.id, "1.0.0"), (other.id, "1.0.0")]),
    );
    Installations::apply(store, org, &first).await.unwrap();
    InstallLog::record(
        store,
        &[crate::modules::attempt(
            org,
            t.id,
            marketplace_modules::Outcome::Succeeded,
        )],
    )
    .await
    .unwrap();
    Notices::append(store, &[crate::modules::notice(org, t.id, "1.1.0", t0())])
        .await
        .unwrap();
    // A monthly purchase on credits renewed once: its renewal and the renewal's posting.
    let monthly = marketplace_testkit::builders::ToolBuilder::new()
        .seller(t.seller_id)
        .price("10.00")
        .monthly()
        .build();
    marketplace_domain::catalog::CatalogRepository::insert_tool(store, &monthly)
        .await
        .unwrap();
    crate::renewals::bought(
        store,
        org,
        marketplace_domain::catalog::ItemRef::Tool(monthly.id),
        marketplace_domain::checkout::PaymentMethod::PlatformCredits,
    )
    .await;
    let end = marketplace_domain::purchase::add_months(t0(), 1);
    let clock = std::sync::Arc::new(marketplace_testkit::fakes::FixedClock::at(
        end + chrono::Duration::hours(1),
    ));
    let report = crate::renewals::service(store, &clock)
        .run_due()
        .await
        .unwrap();
    assert_eq!(report.failed, 0, "{report:?}");
}

/// The settings any policy reads, from `pg_policies`, plus the retired platform scope.
async fn settings_the_policies_read(owner: &impl ConnectionTrait) -> Vec<String> {
    let rows = owner
        .query_all_raw(pg(
            "SELECT DISTINCT m[1] AS name FROM pg_policies p, \
             regexp_matches(coalesce(p.qual, '') || ' ' || coalesce(p.with_check, ''), \
                            'current_setting\\(''([^'']+)''', 'g') AS m \
             WHERE p.schemaname = 'public' ORDER BY 1",
            vec![],
        ))
        .await
        .unwrap();
    let mut names: Vec<String> = rows
        .iter()
        .map(|r| r.try_get::<String>("", "name").unwrap())
        .collect();
    if !names.iter().any(|n| n == "app.platform_scope") {
        names.push("app.platform_scope".to_owned());
    }
    names
}

/// How many rows of `org` that are not public by rule the app role sees in `table` with
/// `settings` applied; `None` when the role may not read the table at all.
async fn visible_rows_of(
    app: &Database,
    settings: &[(String, String)],
    table: &str,
    column: &str,
    public: Option<&str>,
    org: OrgId,
) -> Option<i64> {
    let tx = app.connection().begin().await.unwrap();
    for (name, value) in settings {
        tx.query_one_raw(pg(
            "SELECT set_config($1, $2, true)",
            vec![name.clone().into(), value.clone().into()],
        ))
        .await
        .unwrap();
    }
    let public = public.map_or_else(String::new, |p| format!(" AND NOT ({p})"));
    let counted = tx
        .query_one_raw(pg(
            &format!("SELECT count(*) AS n FROM {table} WHERE {column} = $1{public}"),
            vec![org.as_uuid().into()],
        ))
        .await;
    tx.rollback().await.unwrap();
    match counted {
        Ok(row) => Some(row.unwrap().try_get::<i64>("", "n").unwrap()),
        Err(e) => {
            assert!(
                e.to_string().contains("permission denied"),
                "{table}: unexpected error {e}"
            );
            None
        }
    }
}

#[tokio::test]
async fn r_t5_the_tenant_role_sees_no_row_of_another_org_whatever_it_sets() {
    let Some(db) = TestDb::postgres("r_t5_any_setting").await else {
        return;
    };
    let store = db.store();
    let s = seller(&store).await;
    let t = tool(&store, s, "10.00").await;
    let other = tool(&store, s, "5.00").await;
    let a = org(&store, "100.00").await;
    let b = org(&store, "100.00").await;
    everything_of(&store, a, &t, &other).await;
    let owner = db.owner.as_ref().unwrap().connection();
    let tables: Vec<(String, String)> = org_tables(owner)
        .await
        .into_iter()
        .filter(|(_, _, _, _, partition)| !partition)
        .map(|(table, column, ..)| (table, column))
        .collect();
    // The fixture really put rows of A in every table with an org id.
    for (table, column) in &tables {
        let n = count(
            owner,
            &format!("SELECT count(*) AS n FROM {table} WHERE {column} = $1"),
            vec![a.as_uuid().into()],
        )
        .await;
        assert!(n > 0, "fixture: {table} has no row of org A");
    }
    let public = |table: &str| {
        marketplace_migrations::tenant_tables()
            .into_iter()
            .find(|t| t.table == table)
            .and_then(|t| t.public_read)
    };

    // With A's own id the tenant role reads A's rows (where it may read at all): the
    // counts below are not empty by accident.
    let own = [(
        marketplace_migrations::ORG_SETTING.to_owned(),
        a.to_string(),
    )];
    let mut readable = 0;
    for (table, column) in &tables {
        if let Some(n) = visible_rows_of(&db.app, &own, table, column, None, a).await {
            assert!(n > 0, "org A cannot read its own rows in {table}");
            readable += 1;
        }
    }
    assert!(
        readable + 1 >= tables.len(),
        "only the payment events are closed"
    );

    let org_setting = marketplace_migrations::ORG_SETTING.to_owned();
    let others: Vec<String> = settings_the_policies_read(owner)
        .await
        .into_iter()
        .filter(|name| *name != org_setting)
        .collect();
    let mut variants: Vec<Vec<(String, String)>> = vec![
        vec![],
        vec![(org_setting.clone(), String::new())],
        vec![(org_setting.clone(), b.to_string())],
    ];
    for value in ["on", "true", "1", "all", &a.to_string()] {
        let every_other: Vec<(String, String)> = others
            .iter()
            .map(|name| (name.clone(), value.to_owned()))
            .collect();
        variants.push(every_other.clone());
        let mut with_b = every_other;
        with_b.push((org_setting.clone(), b.to_string()));
        variants.push(with_b);
    }
    for settings in &variants {
        for (table, column) in &tables {
            let seen = visible_rows_of(&db.app, settings, table, column, public(table), a).await;
            assert!(
                seen.unwrap_or(0) == 0,
                "R-T5: with {settings:?} the tenant role sees {seen:?} rows of org A in {table}"
            );
        }
    }

    // The platform pool sees A's rows everywhere, without setting anything.
    let platform = db.app.platform_connection().unwrap();
    for (table, column) in &tables {
        let n = count(
            platform,
            &format!("SELECT count(*) AS n FROM {table} WHERE {column} = $1"),
            vec![a.as_uuid().into()],
        )
        .await;
        assert!(n > 0, "the platform role cannot read {table}");
    }
    db.finish().await;
}
