//! Usage metering storage: the ids that make each event count once, the raw events, and
//! the totals folded beside them in the same transaction.
//!
//! - `usage_event_ids`: one row per (org, event id), the target of the insert whose
//!   conflict marks a duplicate. Unpartitioned, so its primary key holds across months; a
//!   daily job deletes the ids received more than 36 days ago (events older than the
//!   acceptance window are refused before any insert, so a pruned id never counts twice).
//! - `usage_events`: the raw events that counted. On PostgreSQL it is partitioned by
//!   `received_at`, one partition per UTC calendar month, so retention is a detach and a
//!   drop rather than a delete. The migration creates the current and the next month;
//!   [`ADD_PARTITIONS_FUNCTION`] creates more and must run daily (for instance
//!   `SELECT usage_events_add_partitions(3)` from the platform's scheduler): a month
//!   without its partition refuses the inserts of that month. There is no default
//!   partition, which would forbid a concurrent detach. On SQLite it is a plain table.
//! - `usage_totals`: one row per (org, tool, meter, billing period), the aggregate state
//!   of a period total (aggregation, events, usage, and for `latest` the mark that set it).
//!   Quotas, the access answer and invoices read it.
//! - `usage_buckets`: the same state per UTC day or calendar month of the events' own
//!   timestamps, keyed by granularity: what usage reports read.
//! - `usage_distinct_keys`: the keys a `unique_count` meter has seen per window (the
//!   billing period, a day or a month), so the totals keep only the count.
//!
//! Quantities (event values and usage) are `NUMERIC` on PostgreSQL and canonical decimal
//! `TEXT` on SQLite, where a `REAL` could not hold 13 integer digits with 6 decimals
//! exactly; sums are made in Rust, never in SQL.
//!
//! Row-level security (PostgreSQL): every table here belongs to one org and is ENABLEd and
//! FORCEd with the same tenant predicate as the first tenant tables. On the partitioned
//! `usage_events` the policies sit on the parent, and PostgreSQL applies the parent's
//! policies to every row reached through it, partitions included. A partition queried by
//! its own name would use its own settings instead, so each partition is created with row
//! level security enabled and forced and no policy (it refuses every row), and the app role
//! is granted nothing on it: the app reaches raw events only through the parent.

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, one_of};
use crate::m20250601_000002_row_level_security::tenant_table_security;

/// The usage tables, their row-level security and the partition function.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000001_usage"
    }
}

/// The tables this migration creates.
pub const TABLES: &[&str] = &[
    "usage_event_ids",
    "usage_events",
    "usage_totals",
    "usage_buckets",
    "usage_distinct_keys",
];

/// The function that creates the monthly partitions of `usage_events` (PostgreSQL):
/// `usage_events_add_partitions(months_ahead)` makes sure the current UTC month and the
/// `months_ahead` next ones exist. Idempotent; run it daily as the schema owner.
pub const ADD_PARTITIONS_FUNCTION: &str = "usage_events_add_partitions";

/// `usage_totals.aggregation` and `usage_buckets.aggregation`.
pub const AGGREGATIONS: &[&str] = &["count", "sum", "max", "unique_count", "latest"];

/// `usage_buckets.granularity`.
pub const GRANULARITIES: &[&str] = &["day", "month"];

/// `usage_distinct_keys.window_kind`: the billing period, or a report bucket.
pub const WINDOW_KINDS: &[&str] = &["period", "day", "month"];

/// What the app role may do with each usage table (all guarded by row-level security).
/// Ids are deleted when a hard quota refuses the event that inserted them; raw events and
/// distinct keys are append-only for the app (retention is the owner's job).
pub(crate) const GUARDS: &[(&str, &[&str])] = &[
    ("usage_event_ids", &["SELECT", "INSERT", "DELETE"]),
    ("usage_events", &["SELECT", "INSERT"]),
    ("usage_totals", &["SELECT", "INSERT", "UPDATE"]),
    ("usage_buckets", &["SELECT", "INSERT", "UPDATE"]),
    ("usage_distinct_keys", &["SELECT", "INSERT"]),
];

/// A non-negative decimal quantity (see the module doc).
fn quantity(d: Dialect) -> &'static str {
    match d {
        Dialect::Postgres => "NUMERIC",
        Dialect::Sqlite => "TEXT",
    }
}

/// The aggregate state columns of a total, as `PeriodTotal::to_parts` gives them.
fn total_columns(d: Dialect, table: &str) -> String {
    let ts = d.timestamp();
    let qty = quantity(d);
    let aggregation = one_of("aggregation", AGGREGATIONS);
    format!(
        "aggregation TEXT NOT NULL,
        events BIGINT NOT NULL,
        usage {qty} NOT NULL,
        latest_at {ts},
        latest_event TEXT,
        CONSTRAINT {table}_aggregation CHECK ({aggregation}),
        CONSTRAINT {table}_events CHECK (events >= 0),
        CONSTRAINT {table}_latest CHECK ((latest_at IS NULL) = (latest_event IS NULL))"
    )
}

fn up_statements(d: Dialect) -> Vec<String> {
    let uuid = d.uuid();
    let ts = d.timestamp();
    let qty = quantity(d);
    let json = d.json();
    let granularity = one_of("granularity", GRANULARITIES);
    let window_kind = one_of("window_kind", WINDOW_KINDS);
    let (events_key, partitioned) = match d {
        // A partitioned table's keys must contain the partition key: the (org, id)
        // uniqueness lives in usage_event_ids.
        Dialect::Postgres => (
            "PRIMARY KEY (received_at, org_id, event_id)",
            " PARTITION BY RANGE (received_at)",
        ),
        Dialect::Sqlite => ("PRIMARY KEY (org_id, event_id)", ""),
    };
    let totals = total_columns(d, "usage_totals");
    let buckets = total_columns(d, "usage_buckets");
    let mut sql = vec![
        format!(
            "CREATE TABLE usage_event_ids (
                org_id {uuid} NOT NULL,
                event_id TEXT NOT NULL,
                received_at {ts} NOT NULL,
                CONSTRAINT usage_event_ids_pkey PRIMARY KEY (org_id, event_id)
            )"
        ),
        // The retention job deletes by age.
        "CREATE INDEX usage_event_ids_received_at ON usage_event_ids (received_at)".to_owned(),
        format!(
            "CREATE TABLE usage_events (
                org_id {uuid} NOT NULL,
                event_id TEXT NOT NULL,
                tool_id {uuid} NOT NULL,
                meter TEXT NOT NULL,
                value {qty} NOT NULL,
                occurred_at {ts} NOT NULL,
                received_at {ts} NOT NULL,
                properties {json} NOT NULL,
                CONSTRAINT usage_events_pkey {events_key}
            ){partitioned}"
        ),
        format!(
            "CREATE TABLE usage_totals (
                org_id {uuid} NOT NULL,
                tool_id {uuid} NOT NULL,
                meter TEXT NOT NULL,
                period_start {ts} NOT NULL,
                period_end {ts} NOT NULL,
                {totals},
                CONSTRAINT usage_totals_pkey PRIMARY KEY (org_id, tool_id, meter, period_start),
                CONSTRAINT usage_totals_period CHECK (period_start < period_end)
            )"
        ),
        format!(
            "CREATE TABLE usage_buckets (
                org_id {uuid} NOT NULL,
                tool_id {uuid} NOT NULL,
                meter TEXT NOT NULL,
                granularity TEXT NOT NULL,
                bucket_start {ts} NOT NULL,
                {buckets},
                CONSTRAINT usage_buckets_pkey
                    PRIMARY KEY (org_id, tool_id, meter, granularity, bucket_start),
                CONSTRAINT usage_buckets_granularity CHECK ({granularity})
            )"
        ),
        // Reports read one org's buckets of one granularity over a range of starts.
        "CREATE INDEX usage_buckets_report ON usage_buckets (org_id, granularity, bucket_start)"
            .to_owned(),
        format!(
            "CREATE TABLE usage_distinct_keys (
                org_id {uuid} NOT NULL,
                tool_id {uuid} NOT NULL,
                meter TEXT NOT NULL,
                window_kind TEXT NOT NULL,
                window_start {ts} NOT NULL,
                key TEXT NOT NULL,
                CONSTRAINT usage_distinct_keys_pkey
                    PRIMARY KEY (org_id, tool_id, meter, window_kind, window_start, key),
                CONSTRAINT usage_distinct_keys_window_kind CHECK ({window_kind})
            )"
        ),
    ];
    if d == Dialect::Postgres {
        sql.push(add_partitions_function());
        // The current month and the next one; the daily job keeps ahead from there.
        sql.push(format!("SELECT {ADD_PARTITIONS_FUNCTION}(1)"));
        sql.extend(row_level_security());
    }
    sql
}

/// `usage_events_add_partitions(months_ahead)`: one partition per UTC calendar month, named
/// `usage_events_yYYYYmMM`, each refusing direct access (see the module doc).
fn add_partitions_function() -> String {
    format!(
        "CREATE FUNCTION {ADD_PARTITIONS_FUNCTION}(months_ahead integer) RETURNS void
        LANGUAGE plpgsql AS $$
        DECLARE
            first timestamp := date_trunc('month', now() AT TIME ZONE 'UTC');
            month_start timestamp;
            partition text;
        BEGIN
            FOR i IN 0..months_ahead LOOP
                month_start := first + make_interval(months => i);
                partition := 'usage_events_y' || to_char(month_start, 'YYYY\"m\"MM');
                EXECUTE format(
                    'CREATE TABLE IF NOT EXISTS %I PARTITION OF usage_events
                     FOR VALUES FROM (%L) TO (%L)',
                    partition,
                    to_char(month_start, 'YYYY-MM-DD\"T\"00:00:00\"+00\"'),
                    to_char(month_start + interval '1 month', 'YYYY-MM-DD\"T\"00:00:00\"+00\"'));
                EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', partition);
                EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', partition);
            END LOOP;
        END
        $$"
    )
}

fn row_level_security() -> Vec<String> {
    GUARDS
        .iter()
        .flat_map(|(table, commands)| tenant_table_security(table, "org_id", commands, None))
        .collect()
}

fn down_statements(d: Dialect) -> Vec<String> {
    let mut sql: Vec<String> = TABLES
        .iter()
        .rev()
        .map(|table| format!("DROP TABLE IF EXISTS {table}"))
        .collect();
    if d == Dialect::Postgres {
        sql.push(format!(
            "DROP FUNCTION IF EXISTS {ADD_PARTITIONS_FUNCTION}(integer)"
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
        let d = Dialect::of(manager.get_database_backend())?;
        let conn = manager.get_connection();
        for sql in down_statements(d) {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_usage_table_is_guarded_and_forced_on_postgres() {
        let guarded: Vec<&str> = GUARDS.iter().map(|(table, _)| *table).collect();
        assert_eq!(guarded, TABLES);
        let sql = up_statements(Dialect::Postgres).join("\n");
        for table in TABLES {
            assert!(sql.contains(&format!("ALTER TABLE {table} FORCE ROW LEVEL SECURITY")));
        }
    }

    #[test]
    fn raw_events_are_partitioned_by_month_on_postgres_only() {
        let pg = up_statements(Dialect::Postgres).join("\n");
        assert!(pg.contains("PARTITION BY RANGE (received_at)"));
        assert!(pg.contains("SELECT usage_events_add_partitions(1)"));
        let sqlite = up_statements(Dialect::Sqlite).join("\n");
        assert!(!sqlite.contains("PARTITION"));
    }

    #[test]
    fn raw_events_and_distinct_keys_are_never_rewritten_by_the_app() {
        let sql = row_level_security().join("\n");
        assert!(!sql.contains("usage_events_tenant_update"));
        assert!(!sql.contains("usage_events_tenant_delete"));
        assert!(!sql.contains("usage_distinct_keys_tenant_delete"));
        assert!(sql.contains("usage_event_ids_tenant_delete"));
    }
}
