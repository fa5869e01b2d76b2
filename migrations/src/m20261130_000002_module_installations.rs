//! Module versions and each org's installations (R-I1..R-I7).
//!
//! Global, the catalog of versions (read by every tenant, written by platform admins):
//! - `module_versions`: one row per published (tool, version), its release notes, the
//!   platform versions it runs on and its status. A published version never changes: a
//!   trigger refuses every update but `PUBLISHED` to `YANKED`, and every delete.
//! - `module_dependencies`: the modules a version depends on, required or optional,
//!   written with the version and never changed.
//!
//! Per org, under row-level security on PostgreSQL:
//! - `org_platforms`: the host platform version the org runs.
//! - `installation_heads`: the org's current generation number; the row the one change
//!   at a time per org is locked on (`SELECT … FOR UPDATE`).
//! - `installation_generations`: every applied generation with what made it (a change or
//!   a rollback), its steps and who applied it; append-only.
//! - `installation_lockfiles`: the whole lockfile of each generation, one row per module.
//! - `installation_flags`: installed modules the org has disabled (their entitlement ended);
//!   dropped by [`crate::m20261201_000004_drop_installation_flags`].
//! - `install_attempts`: every install, update and rollback attempt; append-only.
//! - `module_update_notices`: one notice per (org, tool, version), kept until read.

use sea_orm_migration::prelude::*;

use crate::APP_ROLE;
use crate::dialect::{Dialect, one_of};
use crate::m20250601_000002_row_level_security::tenant_table_security;

/// The module and installation tables.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000002_module_installations"
    }
}

/// The tables this migration creates, in creation order.
pub const TABLES: &[&str] = &[
    "module_versions",
    "module_dependencies",
    "org_platforms",
    "installation_heads",
    "installation_generations",
    "installation_lockfiles",
    "installation_flags",
    "install_attempts",
    "module_update_notices",
];

/// `module_versions.status`.
pub const MODULE_VERSION_STATUSES: &[&str] = &["PUBLISHED", "YANKED"];
/// `installation_generations.kind`.
pub const GENERATION_KINDS: &[&str] = &["CHANGE", "ROLLBACK"];
/// `install_attempts.kind`.
pub const ATTEMPT_KINDS: &[&str] = &["INSTALL", "UPDATE", "ROLLBACK"];
/// `install_attempts.outcome`.
pub const ATTEMPT_OUTCOMES: &[&str] = &["SUCCEEDED", "FAILED", "ROLLED_BACK"];

/// The tenant tables of this migration, each with its org column and the commands the
/// app role may run (each gets a policy and a grant; every other command is refused).
pub const MODULE_TENANT_TABLES: &[(&str, &[&str])] = &[
    ("org_platforms", &["SELECT", "INSERT", "UPDATE"]),
    ("installation_heads", &["SELECT", "INSERT", "UPDATE"]),
    // History is append-only.
    ("installation_generations", &["SELECT", "INSERT"]),
    ("installation_lockfiles", &["SELECT", "INSERT"]),
    ("installation_flags", &["SELECT", "INSERT", "DELETE"]),
    ("install_attempts", &["SELECT", "INSERT"]),
    ("module_update_notices", &["SELECT", "INSERT", "UPDATE"]),
];

const IMMUTABLE: &str = "a published module version never changes";

fn create_tables(d: Dialect) -> Vec<String> {
    let uuid = d.uuid();
    let ts = d.timestamp();
    let now = d.now();
    vec![
        format!(
            "CREATE TABLE module_versions (
                tool_id {uuid} NOT NULL,
                version VARCHAR(64) NOT NULL,
                release_notes TEXT NOT NULL,
                platform_requirement TEXT NOT NULL,
                status TEXT NOT NULL DEFAULT 'PUBLISHED',
                published_at {ts} NOT NULL,
                CONSTRAINT module_versions_pkey PRIMARY KEY (tool_id, version),
                CONSTRAINT module_versions_status_check CHECK ({status}),
                CONSTRAINT module_versions_tool_fkey FOREIGN KEY (tool_id) REFERENCES tools (id)
            )",
            status = one_of("status", MODULE_VERSION_STATUSES),
        ),
        format!(
            "CREATE TABLE module_dependencies (
                tool_id {uuid} NOT NULL,
                version VARCHAR(64) NOT NULL,
                depends_on {uuid} NOT NULL,
                requirement TEXT NOT NULL,
                optional BOOLEAN NOT NULL,
                CONSTRAINT module_dependencies_pkey PRIMARY KEY (tool_id, version, depends_on),
                CONSTRAINT module_dependencies_version_fkey FOREIGN KEY (tool_id, version)
                    REFERENCES module_versions (tool_id, version)
            )"
        ),
        // Dependencies are followed from the module they lead to when a catalog slice is
        // read the other way; the recursive read follows tool_id, covered by the key.
        "CREATE INDEX module_dependencies_depends_on_idx ON module_dependencies (depends_on)"
            .to_owned(),
        format!(
            "CREATE TABLE org_platforms (
                org_id {uuid} NOT NULL,
                platform_version VARCHAR(64) NOT NULL,
                updated_at {ts} NOT NULL DEFAULT {now},
                CONSTRAINT org_platforms_pkey PRIMARY KEY (org_id),
                CONSTRAINT org_platforms_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id)
            )"
        ),
        format!(
            "CREATE TABLE installation_heads (
                org_id {uuid} NOT NULL,
                generation BIGINT NOT NULL DEFAULT 0,
                CONSTRAINT installation_heads_pkey PRIMARY KEY (org_id),
                CONSTRAINT installation_heads_generation_check CHECK (generation >= 0),
                CONSTRAINT installation_heads_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id)
            )"
        ),
        format!(
            "CREATE TABLE installation_generations (
                org_id {uuid} NOT NULL,
                generation BIGINT NOT NULL,
                kind TEXT NOT NULL,
                restores BIGINT NULL,
                steps {json} NOT NULL,
                applied_by {uuid} NOT NULL,
                applied_at {ts} NOT NULL,
                created_at {ts} NOT NULL DEFAULT {now},
                CONSTRAINT installation_generations_pkey PRIMARY KEY (org_id, generation),
                CONSTRAINT installation_generations_generation_check CHECK (generation > 0),
                CONSTRAINT installation_generations_kind_check CHECK ({kind}),
                CONSTRAINT installation_generations_restores_check
                    CHECK ((kind = 'ROLLBACK') = (restores IS NOT NULL)
                           AND (restores IS NULL OR restores < generation)),
                CONSTRAINT installation_generations_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id)
            )",
            json = d.json(),
            kind = one_of("kind", GENERATION_KINDS),
        ),
        format!(
            "CREATE TABLE installation_lockfiles (
                org_id {uuid} NOT NULL,
                generation BIGINT NOT NULL,
                tool_id {uuid} NOT NULL,
                version VARCHAR(64) NOT NULL,
                CONSTRAINT installation_lockfiles_pkey PRIMARY KEY (org_id, generation, tool_id),
                CONSTRAINT installation_lockfiles_generation_fkey FOREIGN KEY (org_id, generation)
                    REFERENCES installation_generations (org_id, generation)
            )"
        ),
        // Which orgs hold a tool (R-I6 notices, disabling on an ended entitlement).
        "CREATE INDEX installation_lockfiles_tool_idx ON installation_lockfiles (tool_id)"
            .to_owned(),
        format!(
            "CREATE TABLE installation_flags (
                org_id {uuid} NOT NULL,
                tool_id {uuid} NOT NULL,
                disabled_at {ts} NOT NULL DEFAULT {now},
                CONSTRAINT installation_flags_pkey PRIMARY KEY (org_id, tool_id),
                CONSTRAINT installation_flags_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id)
            )"
        ),
        format!(
            "CREATE TABLE install_attempts (
                id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                tool_id {uuid} NOT NULL,
                user_id {uuid} NOT NULL,
                kind TEXT NOT NULL,
                outcome TEXT NOT NULL,
                reason TEXT NULL,
                duration_ms BIGINT NOT NULL,
                at {ts} NOT NULL,
                CONSTRAINT install_attempts_pkey PRIMARY KEY (id),
                CONSTRAINT install_attempts_kind_check CHECK ({kind}),
                CONSTRAINT install_attempts_outcome_check CHECK ({outcome}),
                CONSTRAINT install_attempts_reason_check
                    CHECK ((outcome = 'FAILED') = (reason IS NOT NULL)),
                CONSTRAINT install_attempts_duration_check CHECK (duration_ms >= 0),
                CONSTRAINT install_attempts_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id)
            )",
            kind = one_of("kind", ATTEMPT_KINDS),
            outcome = one_of("outcome", ATTEMPT_OUTCOMES),
        ),
        // Success rates per tool over every org's attempts.
        "CREATE INDEX install_attempts_tool_idx ON install_attempts (tool_id, outcome)".to_owned(),
        format!(
            "CREATE TABLE module_update_notices (
                org_id {uuid} NOT NULL,
                tool_id {uuid} NOT NULL,
                from_version VARCHAR(64) NOT NULL,
                version VARCHAR(64) NOT NULL,
                release_notes TEXT NOT NULL,
                created_at {ts} NOT NULL,
                read_at {ts} NULL,
                CONSTRAINT module_update_notices_org_tool_version_key
                    PRIMARY KEY (org_id, tool_id, version),
                CONSTRAINT module_update_notices_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id)
            )"
        ),
        "CREATE INDEX module_update_notices_org_created_idx
            ON module_update_notices (org_id, created_at)"
            .to_owned(),
    ]
}

/// The trigger that keeps a published version as it was published: only its status may
/// move, and only from `PUBLISHED` to `YANKED`; rows are never deleted.
fn immutability(d: Dialect) -> Vec<String> {
    let changed = "NEW.tool_id <> OLD.tool_id OR NEW.version <> OLD.version \
                   OR NEW.release_notes <> OLD.release_notes \
                   OR NEW.platform_requirement <> OLD.platform_requirement \
                   OR NEW.published_at <> OLD.published_at \
                   OR (NEW.status <> OLD.status AND NOT (OLD.status = 'PUBLISHED' AND NEW.status = 'YANKED'))";
    match d {
        Dialect::Postgres => vec![
            format!(
                "CREATE OR REPLACE FUNCTION module_versions_refuse_change() RETURNS trigger
                 LANGUAGE plpgsql AS $$
                 BEGIN
                     IF TG_OP = 'DELETE' OR {changed} THEN
                         RAISE EXCEPTION '% on %: {IMMUTABLE}', TG_OP, TG_TABLE_NAME;
                     END IF;
                     RETURN NEW;
                 END
                 $$"
            ),
            "CREATE TRIGGER module_versions_immutable BEFORE UPDATE OR DELETE ON module_versions
             FOR EACH ROW EXECUTE FUNCTION module_versions_refuse_change()"
                .to_owned(),
        ],
        Dialect::Sqlite => vec![
            format!(
                "CREATE TRIGGER module_versions_no_update BEFORE UPDATE ON module_versions
                 WHEN {changed}
                 BEGIN SELECT RAISE(ABORT, 'UPDATE on module_versions: {IMMUTABLE}'); END"
            ),
            format!(
                "CREATE TRIGGER module_versions_no_delete BEFORE DELETE ON module_versions
                 BEGIN SELECT RAISE(ABORT, 'DELETE on module_versions: {IMMUTABLE}'); END"
            ),
        ],
    }
}

/// Row-level security in the shape every tenant table has, and the app role's grants;
/// PostgreSQL only.
fn security() -> Vec<String> {
    let mut sql: Vec<String> = MODULE_TENANT_TABLES
        .iter()
        .flat_map(|(table, commands)| tenant_table_security(table, "org_id", commands, None))
        .collect();
    // The catalog of versions is global: every tenant reads it, platform admins publish
    // and yank (the trigger keeps everything but the status as published).
    sql.push(format!(
        "GRANT SELECT, INSERT, UPDATE (status) ON module_versions TO {APP_ROLE}"
    ));
    sql.push(format!(
        "GRANT SELECT, INSERT ON module_dependencies TO {APP_ROLE}"
    ));
    sql
}

fn up_statements(d: Dialect) -> Vec<String> {
    let mut sql = create_tables(d);
    sql.extend(immutability(d));
    if d == Dialect::Postgres {
        sql.extend(security());
    }
    sql
}

fn down_statements(d: Dialect) -> Vec<String> {
    let mut sql: Vec<String> = TABLES
        .iter()
        .rev()
        .map(|table| format!("DROP TABLE IF EXISTS {table}"))
        .collect();
    if d == Dialect::Postgres {
        sql.push("DROP FUNCTION IF EXISTS module_versions_refuse_change()".to_owned());
    }
    sql
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
        let d = Dialect::of(manager.get_database_backend())?;
        let conn = manager.get_connection();
        for sql in down_statements(d) {
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

    #[test]
    fn every_tenant_table_is_forced_under_row_level_security() {
        let sql = security();
        for (table, commands) in MODULE_TENANT_TABLES {
            assert!(sql.contains(&format!("ALTER TABLE {table} FORCE ROW LEVEL SECURITY")));
            for verb in *commands {
                let policy = format!("CREATE POLICY {table}_tenant_{}", verb.to_lowercase());
                assert!(sql.iter().any(|s| s.starts_with(&policy)), "{policy}");
            }
        }
    }

    #[test]
    fn history_and_attempts_are_append_only_for_the_app_role() {
        let sql = security().join("\n");
        for table in [
            "installation_generations",
            "installation_lockfiles",
            "install_attempts",
        ] {
            assert!(!sql.contains(&format!("CREATE POLICY {table}_tenant_update")));
            assert!(!sql.contains(&format!("CREATE POLICY {table}_tenant_delete")));
        }
        assert!(sql.contains("GRANT SELECT, INSERT, UPDATE (status) ON module_versions"));
    }
}
