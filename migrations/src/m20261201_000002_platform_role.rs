//! Tenancy that holds against any SQL the app role sends (R-T5), over every table with an
//! org id (R-T6). A no-op on SQLite.
//!
//! Before this migration every policy also admitted a row when the transaction set
//! `app.platform_scope = on`, and any session of the app role may set any setting: the
//! tenant role could widen its own view. Now:
//!
//! - The role [`PLATFORM_ROLE`] (LOGIN, not a superuser, no BYPASSRLS) does the work that
//!   crosses tenants (webhooks, jobs, moderation, platform admins) on a pool of its own,
//!   with the app role's grants.
//! - Every tenant policy names the app role only and reads only `app.current_org_id`: a
//!   transaction sees at most the one org it names. Every table also gets
//!   `{table}_platform_{verb}` policies for the platform role, which admit every row.
//!   The setting `app.platform_scope` grants nothing to anyone any more.
//! - The remaining tables with an org id come under forced row-level security: `sellers`
//!   (a public directory for reading, written by the platform or the seller's own org),
//!   `ledger_postings` (an org reads and writes the postings that name it) and
//!   `processed_payment_events` (the platform role only).
//!
//! [`secure`] emits this shape; a migration that adds a tenant table calls it.

use sea_orm_migration::prelude::*;

use crate::APP_ROLE;
use crate::dialect::on_postgres;
use crate::m20250601_000002_row_level_security::{ORG_SETTING, tenant_table_security};

/// Platform role, tenant policies without the platform scope, and forced row-level
/// security over every table with an org id (PostgreSQL only).
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000002_platform_role"
    }
}

/// The role of the platform pool: work across tenants.
pub const PLATFORM_ROLE: &str = "marketplace_platform";

/// The default password of [`PLATFORM_ROLE`], for development and tests; change it in
/// production with `ALTER ROLE marketplace_platform PASSWORD …`.
pub const PLATFORM_ROLE_DEFAULT_PASSWORD: &str = "marketplace_platform";

/// One table under row-level security: whose rows it holds, and what each role may do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantTable {
    pub table: &'static str,
    /// The column naming the owning org (`id` for organizations itself).
    pub org_column: &'static str,
    /// A second org a row belongs to as much as the first (a service transaction's
    /// provider beside its buyer): the tenant policies admit either.
    pub also_org_column: Option<&'static str>,
    /// Commands the app role may run, on the transaction's org only.
    pub tenant: Vec<&'static str>,
    /// Commands the platform role may run, on every row.
    pub platform: Vec<&'static str>,
    /// Rows any tenant may read besides its own (`true` for a public directory).
    pub public_read: Option<&'static str>,
}

impl TenantTable {
    /// A table both roles may run the same commands on, keyed by `org_id`.
    #[must_use]
    pub fn same(table: &'static str, commands: &[&'static str]) -> Self {
        Self {
            table,
            org_column: "org_id",
            also_org_column: None,
            tenant: commands.to_vec(),
            platform: commands.to_vec(),
            public_read: None,
        }
    }
}

const VERBS: &[&str] = &["SELECT", "INSERT", "UPDATE", "DELETE"];

/// The tables that held an org id without row-level security before this migration.
fn newly_guarded() -> Vec<TenantTable> {
    vec![
        // The seller directory: catalog pages show seller names to everyone.
        TenantTable {
            public_read: Some("true"),
            ..TenantTable::same("sellers", &["SELECT", "INSERT", "UPDATE"])
        },
        // Append-only; a posting without an org (payouts) is the platform's alone.
        TenantTable::same("ledger_postings", &["SELECT", "INSERT"]),
        // Webhook deduplication happens before anyone knows the org.
        TenantTable {
            tenant: Vec::new(),
            ..TenantTable::same("processed_payment_events", &["SELECT", "INSERT"])
        },
    ]
}

/// The tables the earlier migrations guarded, with the commands they granted.
fn earlier_tenant_tables() -> Vec<TenantTable> {
    let mut all = crate::m20250601_000002_row_level_security::tenant_tables();
    let lists = [
        crate::m20261130_000001_usage::GUARDS,
        crate::m20261130_000002_module_installations::MODULE_TENANT_TABLES,
        crate::m20261130_000003_api_keys_and_licenses::GRANTS,
        crate::m20261130_000004_subscription_renewals::GRANTS,
    ];
    for list in lists {
        all.extend(
            list.iter()
                .map(|(table, commands)| TenantTable::same(table, commands)),
        );
    }
    all
}

/// The tables this migration secures: every table with an org id at the time.
fn secured_here() -> Vec<TenantTable> {
    let mut all = earlier_tenant_tables();
    all.extend(newly_guarded());
    all.retain(|t| !crate::m20261201_000004_drop_installation_flags::DROPPED.contains(&t.table));
    all
}

/// Every table with an org id, each with its policies: this migration's, then those of
/// the later migrations that secure their own tables with [`secure`].
#[must_use]
pub fn tenant_tables() -> Vec<TenantTable> {
    let mut all = secured_here();
    all.extend(crate::m20261201_000007_services::tenant_tables());
    all
}

fn tenant_predicate(org_column: &str, also: Option<&str>) -> String {
    let is_mine = |column: &str| {
        format!("{column} = NULLIF(current_setting('{ORG_SETTING}', true), '')::uuid")
    };
    match also {
        None => format!("({})", is_mine(org_column)),
        Some(other) => format!("({} OR {})", is_mine(org_column), is_mine(other)),
    }
}

/// Row-level security for one table in the one shape every table has: ENABLE and FORCE;
/// per allowed command a `{table}_tenant_{verb}` policy for the app role over the
/// transaction's org and a `{table}_platform_{verb}` policy for the platform role over
/// every row; grants for exactly those commands (a command without a policy is refused).
/// Re-running it replaces the table's policies and grants. PostgreSQL only.
#[must_use]
pub fn secure(t: &TenantTable) -> Vec<String> {
    let table = t.table;
    let mine = tenant_predicate(t.org_column, t.also_org_column);
    let mut sql = vec![
        format!("ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"),
        format!("ALTER TABLE {table} FORCE ROW LEVEL SECURITY"),
    ];
    for verb in VERBS {
        let verb = verb.to_lowercase();
        sql.push(format!(
            "DROP POLICY IF EXISTS {table}_tenant_{verb} ON {table}"
        ));
        sql.push(format!(
            "DROP POLICY IF EXISTS {table}_platform_{verb} ON {table}"
        ));
    }
    sql.push(format!(
        "REVOKE ALL ON {table} FROM {APP_ROLE}, {PLATFORM_ROLE}"
    ));
    for &verb in &t.tenant {
        let clause = match (verb, t.public_read) {
            ("SELECT", Some(public)) => format!("USING ({mine} OR {public})"),
            ("INSERT", _) => format!("WITH CHECK {mine}"),
            // USING picks the rows one may change, WITH CHECK stops moving them away.
            ("UPDATE", _) => format!("USING {mine} WITH CHECK {mine}"),
            _ => format!("USING {mine}"),
        };
        sql.push(format!(
            "CREATE POLICY {table}_tenant_{} ON {table} FOR {verb} TO {APP_ROLE} {clause}",
            verb.to_lowercase()
        ));
    }
    for &verb in &t.platform {
        let clause = match verb {
            "INSERT" => "WITH CHECK (true)",
            "UPDATE" => "USING (true) WITH CHECK (true)",
            _ => "USING (true)",
        };
        sql.push(format!(
            "CREATE POLICY {table}_platform_{} ON {table} FOR {verb} TO {PLATFORM_ROLE} {clause}",
            verb.to_lowercase()
        ));
    }
    if !t.tenant.is_empty() {
        sql.push(format!(
            "GRANT {} ON {table} TO {APP_ROLE}",
            t.tenant.join(", ")
        ));
    }
    if !t.platform.is_empty() {
        sql.push(format!(
            "GRANT {} ON {table} TO {PLATFORM_ROLE}",
            t.platform.join(", ")
        ));
    }
    sql
}

/// Creates the platform role when absent, tolerating a concurrent creation by another
/// database's migration (roles are cluster-wide); an existing one is made safe.
fn create_role() -> String {
    format!(
        "DO $$
        BEGIN
            IF current_user IN ('{APP_ROLE}', '{PLATFORM_ROLE}') THEN
                RAISE EXCEPTION 'run migrations as the schema owner, not as %', current_user;
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '{PLATFORM_ROLE}') THEN
                BEGIN
                    CREATE ROLE {PLATFORM_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB
                        NOCREATEROLE PASSWORD '{PLATFORM_ROLE_DEFAULT_PASSWORD}';
                EXCEPTION WHEN duplicate_object OR unique_violation THEN
                    NULL; -- created meanwhile by another database's migration
                END;
            END IF;
            IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                       WHERE rolname = '{PLATFORM_ROLE}' AND (rolsuper OR rolbypassrls)) THEN
                ALTER ROLE {PLATFORM_ROLE} NOSUPERUSER NOBYPASSRLS;
            END IF;
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO {PLATFORM_ROLE}', current_schema());
        END
        $$"
    )
}

/// Gives the platform role every table and column privilege the app role has in this
/// schema (the global tables: catalog, ledger entries, payouts, module versions); the
/// tenant tables then get their exact grants from [`secure`].
fn copy_app_grants() -> String {
    format!(
        "DO $$
        DECLARE
            r record;
            schema_oid oid := (SELECT oid FROM pg_catalog.pg_namespace
                               WHERE nspname = current_schema());
            app oid := (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = '{APP_ROLE}');
        BEGIN
            FOR r IN SELECT c.relname, a.privilege_type
                     FROM pg_catalog.pg_class c, aclexplode(c.relacl) a
                     WHERE c.relnamespace = schema_oid AND a.grantee = app
            LOOP
                EXECUTE format('GRANT %s ON %I TO {PLATFORM_ROLE}', r.privilege_type, r.relname);
            END LOOP;
            FOR r IN SELECT c.relname, att.attname, a.privilege_type
                     FROM pg_catalog.pg_class c
                     JOIN pg_catalog.pg_attribute att ON att.attrelid = c.oid
                     CROSS JOIN LATERAL aclexplode(att.attacl) a
                     WHERE c.relnamespace = schema_oid AND a.grantee = app
            LOOP
                EXECUTE format('GRANT %s (%I) ON %I TO {PLATFORM_ROLE}',
                               r.privilege_type, r.attname, r.relname);
            END LOOP;
        END
        $$"
    )
}

fn up_statements() -> Vec<String> {
    let mut sql = vec![create_role(), copy_app_grants()];
    for t in secured_here() {
        sql.extend(secure(&t));
    }
    sql
}

fn down_statements() -> Vec<String> {
    let mut sql = Vec::new();
    // The earlier shape: tenant policies for everyone, admitting the platform scope.
    for t in earlier_tenant_tables() {
        let table = t.table;
        for verb in VERBS {
            let verb = verb.to_lowercase();
            sql.push(format!(
                "DROP POLICY IF EXISTS {table}_tenant_{verb} ON {table}"
            ));
            sql.push(format!(
                "DROP POLICY IF EXISTS {table}_platform_{verb} ON {table}"
            ));
        }
        sql.extend(tenant_table_security(
            table,
            t.org_column,
            &t.tenant,
            t.public_read,
        ));
    }
    for t in newly_guarded() {
        let table = t.table;
        for verb in VERBS {
            let verb = verb.to_lowercase();
            sql.push(format!(
                "DROP POLICY IF EXISTS {table}_tenant_{verb} ON {table}"
            ));
            sql.push(format!(
                "DROP POLICY IF EXISTS {table}_platform_{verb} ON {table}"
            ));
        }
        sql.push(format!("ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY"));
        sql.push(format!("ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"));
        sql.push(format!(
            "GRANT {} ON {table} TO {APP_ROLE}",
            t.platform.join(", ")
        ));
    }
    // Revoke what this database granted. The role stays: roles are cluster-wide, another
    // database (or a pool still connected) may use it; an operator drops it by hand.
    sql.push(format!(
        "DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '{PLATFORM_ROLE}') THEN
                EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM {PLATFORM_ROLE}',
                               current_schema());
                EXECUTE format('REVOKE ALL ON SCHEMA %I FROM {PLATFORM_ROLE}', current_schema());
            END IF;
        END
        $$"
    ));
    sql
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(manager, up_statements()).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        on_postgres(manager, down_statements()).await
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_t5_no_policy_reads_the_platform_scope_or_admits_public() {
        let sql = up_statements().join("\n");
        assert!(!sql.contains("platform_scope"));
        assert!(!sql.contains("TO PUBLIC"));
    }

    #[test]
    fn r_t5_tenant_policies_name_the_app_role_and_one_org() {
        for t in tenant_tables() {
            let sql = secure(&t);
            for verb in &t.tenant {
                let policy = sql
                    .iter()
                    .find(|s| {
                        s.starts_with(&format!(
                            "CREATE POLICY {}_tenant_{} ",
                            t.table,
                            verb.to_lowercase()
                        ))
                    })
                    .unwrap_or_else(|| panic!("{} has no {verb} policy", t.table));
                assert!(policy.contains(&format!("TO {APP_ROLE} ")), "{policy}");
                assert!(
                    policy
                        .contains("NULLIF(current_setting('app.current_org_id', true), '')::uuid"),
                    "{policy}"
                );
            }
        }
    }

    #[test]
    fn r_t6_every_table_is_listed_once_and_forced() {
        let all = secured_here();
        let mut names: Vec<&str> = all.iter().map(|t| t.table).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "a table is listed twice");
        for table in ["sellers", "ledger_postings", "processed_payment_events"] {
            assert!(names.contains(&table), "{table}");
        }
        let sql = up_statements().join("\n");
        for t in &all {
            assert!(sql.contains(&format!("ALTER TABLE {} FORCE ROW LEVEL SECURITY", t.table)));
        }
    }

    #[test]
    fn r_t6_payment_events_are_the_platforms_alone() {
        let t = newly_guarded()
            .into_iter()
            .find(|t| t.table == "processed_payment_events")
            .unwrap();
        let sql = secure(&t).join("\n");
        assert!(!sql.contains("CREATE POLICY processed_payment_events_tenant_"));
        assert!(!sql.contains(&format!("ON processed_payment_events TO {APP_ROLE}")));
        assert!(sql.contains(&format!(
            "REVOKE ALL ON processed_payment_events FROM {APP_ROLE}"
        )));
        assert!(
            sql.contains(
                "GRANT SELECT, INSERT ON processed_payment_events TO marketplace_platform"
            )
        );
    }
}
