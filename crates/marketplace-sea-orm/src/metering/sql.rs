//! What the usage statements need to differ on between PostgreSQL and SQLite, and how a
//! stored total row maps to a [`PeriodTotal`].
//!
//! Statements are written once with `$n` parameters (SQLite reads `$n` as the n-th
//! argument too). The differences: quantities are `NUMERIC` on PostgreSQL and decimal text
//! on SQLite, and only PostgreSQL takes `FOR UPDATE` (SQLite's one writer holds the whole
//! database for the transaction).

use chrono::{DateTime, Utc};
use marketplace_domain::ports::RepoError;
use marketplace_metering::{Aggregation, PeriodTotal, TotalParts};
use rust_decimal::Decimal;
use sea_orm::{DbBackend, QueryResult, Statement, Value};

use crate::error::{corrupt, map_db};

/// Statements for one backend.
#[derive(Clone, Copy, Debug)]
pub(super) struct Sql(DbBackend);

impl Sql {
    pub(super) const fn new(backend: DbBackend) -> Self {
        Self(backend)
    }

    pub(super) fn statement(self, sql: &str, values: Vec<Value>) -> Statement {
        Statement::from_sql_and_values(self.0, sql, values)
    }

    /// The row lock a read under `decide` needs; SQLite's write transaction already
    /// excludes every other writer.
    pub(super) const fn for_update(self) -> &'static str {
        match self.0 {
            DbBackend::Postgres => " FOR UPDATE",
            _ => "",
        }
    }

    /// A quantity as the column stores it.
    pub(super) fn quantity(self, amount: Decimal) -> Value {
        match self.0 {
            DbBackend::Postgres => Value::from(amount),
            _ => Value::from(amount.normalize().to_string()),
        }
    }

    /// Reads a quantity column.
    pub(super) fn read_quantity(
        self,
        row: &QueryResult,
        table: &'static str,
        column: &str,
    ) -> Result<Decimal, RepoError> {
        match self.0 {
            DbBackend::Postgres => row.try_get::<Decimal>("", column).map_err(map_db),
            _ => {
                let text: String = row.try_get("", column).map_err(map_db)?;
                text.parse::<Decimal>().map_err(|e| corrupt(table, e))
            }
        }
    }

    /// The aggregate state of a `usage_totals` or `usage_buckets` row.
    pub(super) fn read_total(
        self,
        row: &QueryResult,
        table: &'static str,
    ) -> Result<PeriodTotal, RepoError> {
        let label: String = row.try_get("", "aggregation").map_err(map_db)?;
        let aggregation = aggregation(&label).ok_or_else(|| corrupt(table, label))?;
        let events: i64 = row.try_get("", "events").map_err(map_db)?;
        let latest_at: Option<DateTime<Utc>> = row.try_get("", "latest_at").map_err(map_db)?;
        let latest_event: Option<String> = row.try_get("", "latest_event").map_err(map_db)?;
        PeriodTotal::from_parts(TotalParts {
            aggregation,
            events: u64::try_from(events).map_err(|e| corrupt(table, e))?,
            usage: self.read_quantity(row, table, "usage")?,
            latest_at,
            latest_event,
        })
        .map_err(|e| corrupt(table, e))
    }

    /// The state columns' values, in the order `aggregation, events, usage, latest_at,
    /// latest_event`.
    pub(super) fn total_values(self, total: &PeriodTotal) -> Result<Vec<Value>, RepoError> {
        let parts = total.to_parts();
        let events = i64::try_from(parts.events).map_err(RepoError::unavailable)?;
        Ok(vec![
            Value::from(parts.aggregation.as_str()),
            Value::from(events),
            self.quantity(parts.usage),
            Value::from(parts.latest_at),
            Value::from(parts.latest_event),
        ])
    }
}

/// An aggregation from its stored label.
fn aggregation(label: &str) -> Option<Aggregation> {
    Aggregation::ALL
        .into_iter()
        .find(|aggregation| aggregation.as_str() == label)
}

/// `$from, $from+1, …` for `count` parameters: one row's or one list's placeholders.
pub(super) fn placeholders(from: usize, count: usize) -> String {
    (from..from + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A list of `rows` tuples of `width` parameters each, numbered after `offset`.
pub(super) fn tuples(offset: usize, rows: usize, width: usize) -> String {
    (0..rows)
        .map(|row| format!("({})", placeholders(offset + row * width + 1, width)))
        .collect::<Vec<_>>()
        .join(", ")
}
