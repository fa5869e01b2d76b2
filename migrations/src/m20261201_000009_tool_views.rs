//! Catalog analytics (R-C6): `tool_views`, the views of each tool's page per month, added
//! to in batches by the server's flush of its in-memory tally (never a write per view).
//! Global like the catalog (no org id, so no row-level security): a view is counted
//! whoever looked. The month is `YYYY-MM` text, which sorts and compares alike on both
//! backends.

use sea_orm_migration::prelude::*;

use crate::dialect::Dialect;
use crate::{APP_ROLE, PLATFORM_ROLE};

/// The views table.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000009_tool_views"
    }
}

/// The tables this migration creates.
pub const TABLES: &[&str] = &["tool_views"];

fn up_statements(d: Dialect) -> Vec<String> {
    let uuid = d.uuid();
    let mut sql = vec![format!(
        "CREATE TABLE tool_views (
            tool_id {uuid} NOT NULL,
            month CHAR(7) NOT NULL,
            views BIGINT NOT NULL,
            CONSTRAINT tool_views_pkey PRIMARY KEY (tool_id, month),
            CONSTRAINT tool_views_tool_fkey FOREIGN KEY (tool_id) REFERENCES tools (id)
                ON DELETE CASCADE,
            CONSTRAINT tool_views_views_check CHECK (views >= 0)
        )"
    )];
    if d == Dialect::Postgres {
        // The server adds views on its tenant pool (global table, no tenant) and the
        // reports read them beside every org's purchases on the platform pool.
        sql.push(format!(
            "GRANT SELECT, INSERT, UPDATE ON tool_views TO {APP_ROLE}"
        ));
        sql.push(format!("GRANT SELECT ON tool_views TO {PLATFORM_ROLE}"));
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
        manager
            .get_connection()
            .execute_unprepared("DROP TABLE IF EXISTS tool_views")
            .await?;
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
