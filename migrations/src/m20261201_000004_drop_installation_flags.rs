//! Drops `installation_flags`. Whether an installed module is enabled follows the org's
//! entitlement of the moment (R-I6), decided when the installation is read or changed
//! (ADR 0009); the stored flag beside that answer was never set by the service and could
//! only disagree with it.

use sea_orm_migration::prelude::*;

use crate::dialect::Dialect;
use crate::m20261201_000002_platform_role::{TenantTable, secure};

/// Drops the flags table; `down` brings it back, empty, under the same row-level security.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000004_drop_installation_flags"
    }
}

/// The tables this migration drops: the earlier migrations' lists still name them, and
/// [`crate::TABLES`] and [`crate::tenant_tables`] leave them out.
pub const DROPPED: &[&str] = &["installation_flags"];

fn flags_table() -> TenantTable {
    TenantTable::same("installation_flags", &["SELECT", "INSERT", "DELETE"])
}

fn restore_statements(d: Dialect) -> Vec<String> {
    let uuid = d.uuid();
    let ts = d.timestamp();
    let now = d.now();
    let mut sql = vec![format!(
        "CREATE TABLE installation_flags (
            org_id {uuid} NOT NULL,
            tool_id {uuid} NOT NULL,
            disabled_at {ts} NOT NULL DEFAULT {now},
            CONSTRAINT installation_flags_pkey PRIMARY KEY (org_id, tool_id),
            CONSTRAINT installation_flags_org_fkey FOREIGN KEY (org_id)
                REFERENCES organizations (id)
        )"
    )];
    if d == Dialect::Postgres {
        sql.extend(secure(&flags_table()));
    }
    sql
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE IF EXISTS installation_flags")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager.get_database_backend())?;
        let conn = manager.get_connection();
        for sql in restore_statements(d) {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
