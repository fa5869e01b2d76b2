//! PostgreSQL row-level security and the application role. A no-op on SQLite, where the
//! tenant filter in every repository query is the only guard.
//!
//! - Every tenant table has RLS enabled and FORCEd, so even a table owner that is not a
//!   superuser is filtered.
//! - The tenant is `app.current_org_id`, set per transaction with
//!   `set_config('app.current_org_id', $org, true)`. Unset or empty means no rows:
//!   `NULLIF(current_setting(…, true), '')::uuid` is NULL and `org_id = NULL` is never true.
//! - Platform-level work set `app.platform_scope` to `on` for its transaction, which every
//!   policy admitted; any session could set it, so `m20261201_000002_platform_role`
//!   replaces it with a platform role of its own (R-T5).
//! - Anyone may read APPROVED reviews (public reviews, R-V4).
//! - The app connects as `marketplace_app`: LOGIN, not a superuser, no BYPASSRLS, not the
//!   owner of anything. Roles are cluster-wide, so creating it tolerates an existing role
//!   (another database of the cluster, a parallel test) and the down migration drops it only
//!   when no other database still grants it anything.

use sea_orm_migration::prelude::*;

use crate::dialect::on_postgres;

/// Row-level security policies, the app role and its grants (PostgreSQL only).
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20250601_000002_row_level_security"
    }
}

/// The role the application connects as.
pub const APP_ROLE: &str = "marketplace_app";

/// The default password of [`APP_ROLE`], for development and tests; change it in production
/// with `ALTER ROLE marketplace_app PASSWORD …`.
pub const APP_ROLE_DEFAULT_PASSWORD: &str = "marketplace_app";

/// The transaction-local setting that names the current tenant.
pub const ORG_SETTING: &str = "app.current_org_id";

/// The transaction-local setting that, when `on`, admitted rows of every tenant. Since
/// `m20261201_000002_platform_role` no policy reads it: it grants nothing (R-T5).
pub const PLATFORM_SCOPE_SETTING: &str = "app.platform_scope";

/// Tables whose rows belong to one organization and are guarded by row-level security.
pub const TENANT_TABLES: &[&str] = &[
    "organizations",
    "cart_lines",
    "orders",
    "order_lines",
    "idempotency_keys",
    "purchases",
    "entitlements",
    "reviews",
    "review_votes",
    "review_flags",
    "audit_log",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Command {
    Select,
    Insert,
    Update,
    Delete,
}

impl Command {
    fn sql(self) -> &'static str {
        match self {
            Self::Select => "SELECT",
            Self::Insert => "INSERT",
            Self::Update => "UPDATE",
            Self::Delete => "DELETE",
        }
    }
}

const ALL: &[Command] = &[
    Command::Select,
    Command::Insert,
    Command::Update,
    Command::Delete,
];

/// How one tenant table is guarded, and what the app role may do with it.
struct Guard {
    table: &'static str,
    /// The column that names the owning org (`id` for organizations itself).
    org_column: &'static str,
    /// Commands that get a policy and a grant; a command without one is refused.
    commands: &'static [Command],
    /// Extra rows any tenant may read.
    public_read: Option<&'static str>,
}

const GUARDS: &[Guard] = &[
    Guard {
        table: "organizations",
        org_column: "id",
        commands: ALL,
        public_read: None,
    },
    Guard {
        table: "cart_lines",
        org_column: "org_id",
        commands: ALL,
        public_read: None,
    },
    Guard {
        table: "orders",
        org_column: "org_id",
        commands: ALL,
        public_read: None,
    },
    Guard {
        table: "order_lines",
        org_column: "org_id",
        commands: ALL,
        public_read: None,
    },
    Guard {
        table: "idempotency_keys",
        org_column: "org_id",
        commands: ALL,
        public_read: None,
    },
    // Purchases are never deleted: cancel, expire and refund are status changes.
    Guard {
        table: "purchases",
        org_column: "org_id",
        commands: &[Command::Select, Command::Insert, Command::Update],
        public_read: None,
    },
    Guard {
        table: "entitlements",
        org_column: "org_id",
        commands: ALL,
        public_read: None,
    },
    Guard {
        table: "reviews",
        org_column: "org_id",
        commands: ALL,
        public_read: Some("status = 'APPROVED'"),
    },
    Guard {
        table: "review_votes",
        org_column: "org_id",
        commands: ALL,
        public_read: None,
    },
    Guard {
        table: "review_flags",
        org_column: "org_id",
        commands: ALL,
        public_read: None,
    },
    // The audit trail is append-only: read and insert, never rewritten.
    Guard {
        table: "audit_log",
        org_column: "org_id",
        commands: &[Command::Select, Command::Insert],
        public_read: None,
    },
];

/// Grants on the tables without row-level security.
/// The first-wave tenant tables with the commands the app role may run on each, in the
/// shape the platform-role migration re-secures.
pub(crate) fn tenant_tables() -> Vec<crate::m20261201_000002_platform_role::TenantTable> {
    GUARDS
        .iter()
        .map(|g| crate::m20261201_000002_platform_role::TenantTable {
            table: g.table,
            org_column: g.org_column,
            also_org_column: None,
            tenant: g.commands.iter().map(|c| c.sql()).collect(),
            platform: g.commands.iter().map(|c| c.sql()).collect(),
            public_read: g.public_read,
        })
        .collect()
}

const GLOBAL_GRANTS: &[(&str, &str)] = &[
    // The catalog is read by every tenant. The app also writes it: platform admins edit it
    // (R-P1) and fulfilment and moderation update its counters (purchase_count, avg_rating).
    // Tools, bundles and sellers are retired by status, never deleted; tags and bundle
    // contents are replaced row by row.
    ("tools", "SELECT, INSERT, UPDATE"),
    ("bundles", "SELECT, INSERT, UPDATE"),
    ("sellers", "SELECT, INSERT, UPDATE"),
    ("tool_tags", "SELECT, INSERT, UPDATE, DELETE"),
    ("bundle_items", "SELECT, INSERT, UPDATE, DELETE"),
    // Append-only (the triggers refuse UPDATE and DELETE even to the owner).
    ("ledger_postings", "SELECT, INSERT"),
    ("ledger_entries", "SELECT, INSERT"),
    // Webhook deduplication: insert the event id in the transaction that handles it.
    ("processed_payment_events", "SELECT, INSERT"),
];

fn tenant_predicate(org_column: &str) -> String {
    format!(
        "({org_column} = NULLIF(current_setting('{ORG_SETTING}', true), '')::uuid \
         OR current_setting('{PLATFORM_SCOPE_SETTING}', true) = 'on')"
    )
}

/// Row-level security for one tenant table, the one shape every migration uses: ENABLE and
/// FORCE, one policy per allowed command (`SELECT`, `INSERT`, `UPDATE`, `DELETE`) over the
/// transaction's org or the platform scope, and the app role's grants for exactly those
/// commands; a command without a policy is refused. `public_read` adds rows any tenant may
/// read. PostgreSQL only.
pub(crate) fn tenant_table_security(
    table: &str,
    org_column: &str,
    commands: &[&str],
    public_read: Option<&str>,
) -> Vec<String> {
    let tenant = tenant_predicate(org_column);
    let mut sql = vec![
        format!("ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"),
        format!("ALTER TABLE {table} FORCE ROW LEVEL SECURITY"),
    ];
    for &verb in commands {
        let clause = match (verb, public_read) {
            ("SELECT", Some(public)) => format!("USING ({tenant} OR {public})"),
            ("INSERT", _) => format!("WITH CHECK {tenant}"),
            // USING picks the rows one may change, WITH CHECK stops moving them to another
            // org.
            ("UPDATE", _) => format!("USING {tenant} WITH CHECK {tenant}"),
            _ => format!("USING {tenant}"),
        };
        sql.push(format!(
            "CREATE POLICY {table}_tenant_{} ON {table} FOR {verb} TO PUBLIC {clause}",
            verb.to_lowercase()
        ));
    }
    sql.push(format!(
        "GRANT {} ON {table} TO {APP_ROLE}",
        commands.join(", ")
    ));
    sql
}

fn up_statements() -> Vec<String> {
    let mut sql = vec![create_role()];

    for guard in GUARDS {
        let commands: Vec<&str> = guard.commands.iter().map(|c| c.sql()).collect();
        sql.extend(tenant_table_security(
            guard.table,
            guard.org_column,
            &commands,
            guard.public_read,
        ));
    }

    for (table, grants) in GLOBAL_GRANTS {
        sql.push(format!("GRANT {grants} ON {table} TO {APP_ROLE}"));
    }
    sql
}

/// Creates the role when absent, tolerating a concurrent creation by a migration of another
/// database; an existing role is made safe (no superuser, no BYPASSRLS).
fn create_role() -> String {
    format!(
        "DO $$
        BEGIN
            IF current_user = '{APP_ROLE}' THEN
                RAISE EXCEPTION 'run migrations as the schema owner, not as {APP_ROLE}';
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '{APP_ROLE}') THEN
                BEGIN
                    CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE
                        PASSWORD '{APP_ROLE_DEFAULT_PASSWORD}';
                EXCEPTION WHEN duplicate_object OR unique_violation THEN
                    NULL; -- created meanwhile by another database's migration: roles are shared
                END;
            END IF;
            IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles
                       WHERE rolname = '{APP_ROLE}' AND (rolsuper OR rolbypassrls)) THEN
                ALTER ROLE {APP_ROLE} NOSUPERUSER NOBYPASSRLS;
            END IF;
            EXECUTE format('GRANT USAGE ON SCHEMA %I TO {APP_ROLE}', current_schema());
        END
        $$"
    )
}

fn down_statements() -> Vec<String> {
    let mut sql = Vec::new();
    for guard in GUARDS {
        let table = guard.table;
        for &command in guard.commands {
            sql.push(format!(
                "DROP POLICY IF EXISTS {table}_tenant_{} ON {table}",
                command.sql().to_lowercase()
            ));
        }
        sql.push(format!("ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY"));
        sql.push(format!("ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"));
    }
    // Revoke what this database granted; drop the role only if no other database of the
    // cluster still grants it something (PostgreSQL refuses the DROP then, and we keep it).
    sql.push(format!(
        "DO $$
        BEGIN
            IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = '{APP_ROLE}') THEN
                EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM {APP_ROLE}',
                               current_schema());
                EXECUTE format('REVOKE ALL ON SCHEMA %I FROM {APP_ROLE}', current_schema());
                BEGIN
                    DROP ROLE {APP_ROLE};
                EXCEPTION WHEN dependent_objects_still_exist OR insufficient_privilege
                               OR object_in_use THEN
                    RAISE NOTICE 'role {APP_ROLE} kept: %', SQLERRM;
                END;
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tenant_table_is_guarded_once() {
        let guarded: Vec<&str> = GUARDS.iter().map(|g| g.table).collect();
        assert_eq!(guarded, TENANT_TABLES);
    }

    #[test]
    fn purchases_have_no_delete_policy() {
        let sql = up_statements().join("\n");
        assert!(sql.contains("CREATE POLICY purchases_tenant_update"));
        assert!(!sql.contains("purchases_tenant_delete"));
        assert!(!sql.contains("DELETE ON purchases"));
    }

    #[test]
    fn the_tenant_predicate_treats_an_empty_setting_as_no_tenant() {
        let p = tenant_predicate("org_id");
        assert!(p.contains("NULLIF(current_setting('app.current_org_id', true), '')::uuid"));
        assert!(p.contains("current_setting('app.platform_scope', true) = 'on'"));
    }
}
