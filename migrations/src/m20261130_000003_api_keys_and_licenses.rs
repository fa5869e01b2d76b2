//! API keys, licenses and their activations: the licensing context's storage.
//!
//! - `api_keys` (R-A1, R-A2): an org's keys, kept as their HMAC digest (unique: the one
//!   lookup a presented key makes) with the hint lists show (`hint_prefix`, `last4`), never
//!   the key. `scopes` is one column of space-separated labels, not a join table: a key's
//!   scopes are written once with it and always read whole, and a `CHECK` keeps out any
//!   label outside [`API_KEY_SCOPES`] (a regular expression on PostgreSQL; on SQLite, which
//!   has none built in, each label is matched as a word of the padded list). `environment`
//!   is the key's prefix spelled as a word, checked against it.
//! - `licenses` (R-L1, R-L6): one per entitlement (`licenses_entitlement_key`: issuing is
//!   idempotent per entitlement), with the plan's code, its features (space-separated
//!   codes), the activation limit and a status from [`LICENSE_STATUSES`]. `version` counts
//!   the writes and `updated_at` stamps the last; the compare-and-set of a change compares
//!   every term it replaces, in the same statement.
//! - `license_activations` (R-L5): the machines a license runs on, one row per (license,
//!   fingerprint) (`license_activations_pkey`). The limit is enforced by the adapter under
//!   the license row's lock, not by a constraint.
//!
//! The entitlement a license comes with is a unique reference, not a foreign key: grants
//! arrive from purchases today and from subscriptions next, and the license only needs to
//! be found by it. Orgs and tools are foreign keys.
//!
//! On PostgreSQL the three tables are tenant tables: row-level security ENABLEd and FORCEd
//! with the same per-command policies as the first tenant tables (the org's rows, or every
//! row under the platform scope) and the app role's grants. Keys are never deleted (they
//! are revoked), licenses neither (they change status); an activation is deleted when its
//! machine is deactivated.

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, one_of};
use crate::m20250601_000002_row_level_security::tenant_table_security;

/// API keys, licenses and activations, with their row-level security.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000003_api_keys_and_licenses"
    }
}

/// The tables this migration creates, in creation order.
pub const TABLES: &[&str] = &["api_keys", "licenses", "license_activations"];

/// This migration's tenant tables (row-level security on PostgreSQL).
pub const LICENSING_TENANT_TABLES: &[&str] = TABLES;

/// `api_keys.scopes`: the labels a key's scopes are written with.
pub const API_KEY_SCOPES: &[&str] = &[
    "licenses:validate",
    "usage:write",
    "usage:read",
    "entitlements:read",
];

/// `api_keys.environment`, each with the prefix its keys start with.
pub const API_KEY_ENVIRONMENTS: &[(&str, &str)] = &[("live", "mk_live_"), ("test", "mk_test_")];

/// `licenses.status`.
pub const LICENSE_STATUSES: &[&str] = &["ACTIVE", "SUSPENDED", "REVOKED", "EXPIRED"];

/// What the app role may do per table: keys and licenses are never deleted.
pub(crate) const GRANTS: &[(&str, &[&str])] = &[
    ("api_keys", &["SELECT", "INSERT", "UPDATE"]),
    ("licenses", &["SELECT", "INSERT", "UPDATE"]),
    (
        "license_activations",
        &["SELECT", "INSERT", "UPDATE", "DELETE"],
    ),
];

/// A space-separated list of known labels.
fn labels_check(d: Dialect, column: &str, labels: &[&str]) -> String {
    match d {
        Dialect::Postgres => {
            let alternatives = labels.join("|");
            format!("{column} ~ '^({alternatives})( ({alternatives}))*$'")
        }
        Dialect::Sqlite => {
            // Every word of the list is a known label: removing each known label (padded
            // with spaces) from the padded list leaves only spaces.
            let mut stripped = format!("' ' || replace({column}, ' ', '  ') || ' '");
            for label in labels {
                stripped = format!("replace({stripped}, ' {label} ', '')");
            }
            format!(
                "{column} <> '' AND {column} NOT GLOB '* ' AND {column} NOT GLOB ' *' \
                 AND {column} NOT GLOB '*  *' AND trim({stripped}) = ''"
            )
        }
    }
}

/// A space-separated list of codes (letters, digits, `_ . : -`), or the empty list.
fn codes_check(d: Dialect, column: &str) -> String {
    match d {
        Dialect::Postgres => format!("{column} ~ '^([A-Za-z0-9_.:-]+( [A-Za-z0-9_.:-]+)*)?$'"),
        Dialect::Sqlite => format!(
            "{column} NOT GLOB '*[^A-Za-z0-9_.: -]*' AND {column} NOT GLOB '* ' \
             AND {column} NOT GLOB ' *' AND {column} NOT GLOB '*  *'"
        ),
    }
}

fn environment_check() -> String {
    API_KEY_ENVIRONMENTS
        .iter()
        .map(|(env, prefix)| {
            format!("(environment = '{env}' AND substr(hint_prefix, 1, 8) = '{prefix}')")
        })
        .collect::<Vec<_>>()
        .join(" OR ")
}

fn create_statements(d: Dialect) -> Vec<String> {
    let uuid = d.uuid();
    let ts = d.timestamp();
    let now = d.now();
    vec![
        format!(
            "CREATE TABLE api_keys (
                id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                label VARCHAR(100) NOT NULL,
                scopes TEXT NOT NULL,
                digest CHAR(64) NOT NULL,
                hint_prefix CHAR(12) NOT NULL,
                last4 CHAR(4) NOT NULL,
                environment TEXT NOT NULL,
                created_by {uuid} NOT NULL,
                created_at {ts} NOT NULL DEFAULT {now},
                last_used_at {ts} NULL,
                expires_at {ts} NULL,
                revoked_at {ts} NULL,
                CONSTRAINT api_keys_pkey PRIMARY KEY (id),
                CONSTRAINT api_keys_digest_key UNIQUE (digest),
                CONSTRAINT api_keys_label_check CHECK (length(label) BETWEEN 1 AND 100),
                CONSTRAINT api_keys_scopes_check CHECK ({scopes}),
                CONSTRAINT api_keys_digest_check CHECK (length(digest) = 64),
                CONSTRAINT api_keys_environment_check CHECK ({environments}),
                CONSTRAINT api_keys_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id) ON DELETE CASCADE
            )",
            scopes = labels_check(d, "scopes", API_KEY_SCOPES),
            environments = environment_check(),
        ),
        // An org's list, newest first.
        "CREATE INDEX api_keys_org_created_idx ON api_keys (org_id, created_at, id)".to_owned(),
        format!(
            "CREATE TABLE licenses (
                id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                tool_id {uuid} NOT NULL,
                entitlement_id {uuid} NOT NULL,
                plan_code VARCHAR(64) NOT NULL,
                features TEXT NOT NULL,
                max_activations INTEGER NOT NULL,
                status TEXT NOT NULL,
                issued_at {ts} NOT NULL,
                expires_at {ts} NULL,
                version BIGINT NOT NULL DEFAULT 1,
                updated_at {ts} NOT NULL DEFAULT {now},
                CONSTRAINT licenses_pkey PRIMARY KEY (id),
                CONSTRAINT licenses_entitlement_key UNIQUE (entitlement_id),
                CONSTRAINT licenses_plan_code_check CHECK (length(plan_code) BETWEEN 1 AND 64),
                CONSTRAINT licenses_features_check CHECK ({features}),
                CONSTRAINT licenses_max_activations_check CHECK (max_activations >= 1),
                CONSTRAINT licenses_status_check CHECK ({status}),
                CONSTRAINT licenses_expiry_check CHECK (expires_at IS NULL OR expires_at > issued_at),
                CONSTRAINT licenses_version_check CHECK (version >= 1),
                CONSTRAINT licenses_org_fkey FOREIGN KEY (org_id) REFERENCES organizations (id),
                CONSTRAINT licenses_tool_fkey FOREIGN KEY (tool_id) REFERENCES tools (id)
            )",
            features = codes_check(d, "features"),
            status = one_of("status", LICENSE_STATUSES),
        ),
        // An org's list, newest first.
        "CREATE INDEX licenses_org_issued_idx ON licenses (org_id, issued_at, id)".to_owned(),
        format!(
            "CREATE TABLE license_activations (
                license_id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                fingerprint VARCHAR(256) NOT NULL,
                name VARCHAR(100) NULL,
                activated_at {ts} NOT NULL,
                CONSTRAINT license_activations_pkey PRIMARY KEY (license_id, fingerprint),
                CONSTRAINT license_activations_fingerprint_check
                    CHECK (length(fingerprint) BETWEEN 1 AND 256),
                CONSTRAINT license_activations_license_fkey FOREIGN KEY (license_id)
                    REFERENCES licenses (id) ON DELETE CASCADE,
                CONSTRAINT license_activations_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id)
            )"
        ),
    ]
}

/// Row-level security, policies and grants, in the shape every tenant table has.
fn security_statements() -> Vec<String> {
    GRANTS
        .iter()
        .flat_map(|(table, commands)| tenant_table_security(table, "org_id", commands, None))
        .collect()
}

fn up_statements(d: Dialect) -> Vec<String> {
    let mut sql = create_statements(d);
    if d == Dialect::Postgres {
        sql.extend(security_statements());
    }
    sql
}

fn down_statements() -> Vec<String> {
    TABLES
        .iter()
        .rev()
        .map(|table| format!("DROP TABLE IF EXISTS {table}"))
        .collect()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager.get_database_backend())?;
        let conn = manager.get_connection();
        for sql in up_statements(d) {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        for sql in down_statements() {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::APP_ROLE;

    #[test]
    fn every_licensing_table_is_forced_under_row_level_security_with_grants() {
        let sql = security_statements();
        for table in LICENSING_TENANT_TABLES {
            assert!(sql.contains(&format!("ALTER TABLE {table} FORCE ROW LEVEL SECURITY")));
            assert!(
                sql.iter().any(|s| s.starts_with("GRANT ")
                    && s.ends_with(&format!("ON {table} TO {APP_ROLE}"))),
                "{table} has no grant"
            );
        }
        assert!(
            !sql.iter()
                .any(|s| s.contains("DELETE ON api_keys") || s.contains("DELETE ON licenses")),
            "keys and licenses are never deleted"
        );
    }
}
