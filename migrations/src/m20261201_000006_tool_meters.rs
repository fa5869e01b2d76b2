//! Meters (R-U1): what each tool counts, so usage events and plans' quotas name something
//! the tool defines.
//!
//! - `tool_meters`: one row per (tool, meter key): the aggregation (`count`, `sum`, `max`,
//!   `unique_count`, `latest`), the unit, and for `unique_count` the event property whose
//!   distinct values are counted. A global catalog table like `tools` and `plans`: no
//!   row-level security. A meter is never changed once defined: events already counted
//!   under it keep their meaning, so the app role may read and add rows, nothing else.

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, one_of};
use crate::m20261130_000001_usage::AGGREGATIONS;
use crate::{APP_ROLE, PLATFORM_ROLE};

/// The meters table.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000006_tool_meters"
    }
}

/// The tables this migration creates.
pub const TABLES: &[&str] = &["tool_meters"];

fn up_statements(d: Dialect) -> Vec<String> {
    let mut sql = vec![format!(
        "CREATE TABLE tool_meters (
            tool_id {uuid} NOT NULL,
            meter TEXT NOT NULL,
            aggregation TEXT NOT NULL,
            unit TEXT NOT NULL,
            distinct_by TEXT NULL,
            created_at {ts} NOT NULL DEFAULT {now},
            CONSTRAINT tool_meters_pkey PRIMARY KEY (tool_id, meter),
            CONSTRAINT tool_meters_aggregation_check CHECK ({aggregation}),
            CONSTRAINT tool_meters_distinct_by_check
                CHECK ((aggregation = 'unique_count') = (distinct_by IS NOT NULL)),
            CONSTRAINT tool_meters_tool_fkey FOREIGN KEY (tool_id) REFERENCES tools (id)
        )",
        uuid = d.uuid(),
        ts = d.timestamp(),
        now = d.now(),
        aggregation = one_of("aggregation", AGGREGATIONS),
    )];
    if d == Dialect::Postgres {
        sql.push(format!(
            "GRANT SELECT, INSERT ON tool_meters TO {APP_ROLE}, {PLATFORM_ROLE}"
        ));
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
            .execute_unprepared("DROP TABLE IF EXISTS tool_meters")
            .await?;
        Ok(())
    }
}
