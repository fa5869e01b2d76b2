//! The few places where PostgreSQL and SQLite spell the same column differently.
//!
//! The DDL is written once (see `m20250101_000001_schema`) with these fragments spliced in,
//! so both backends get the same tables, columns, constraint names and index names.
//!
//! SQLite storage, chosen for what sea-orm 2.0 / sqlx 0.9 actually bind and decode:
//! - UUID: `BLOB`. sea-orm binds `Uuid` as 16 raw bytes and decodes it from a blob; a
//!   hyphenated TEXT uuid would not decode.
//! - Money, rates and ratings: `REAL`. sea-orm binds a `Decimal` as its string (REAL affinity
//!   stores the nearest double) and decodes it through `f64` and `Decimal::try_from`. That is
//!   the only declared type sea-orm 2.0.4 decodes into `Decimal` on SQLite: TEXT is refused
//!   ("mismatched types … TEXT"), and so is NUMERIC affinity for whole amounts (`20.00` is
//!   stored as INTEGER). It is exact as read for |amount| < 1,000,000.00 and, once rounded
//!   to the column's scale (`round_dp(2)`; rates `round_dp(4)`), over the whole NUMERIC(14,2)
//!   range: beyond a million, `Decimal::try_from(f64)` can leave noise in the 6th decimal
//!   (4 401 394 806.27 reads 4 401 394 806.270001). So the adapter rounds money to its
//!   currency's minor unit on every read, and sums amounts in Rust, not with SQL `SUM()`
//!   (which would add doubles). SQL comparisons and ORDER BY stay numeric, which TEXT would
//!   not give.
//! - Timestamps: `TEXT` holding RFC 3339 in UTC (`2025-01-31T12:00:00.123+00:00`), the form
//!   sqlx writes for `DateTime<Utc>`; the column defaults produce the same form, so text order
//!   is time order.
//! - Booleans: `BOOLEAN` (0/1 integers); JSON: `TEXT` checked with `json_valid`.

use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    Postgres,
    Sqlite,
}

impl Dialect {
    pub(crate) fn of(backend: DbBackend) -> Result<Self, sea_orm_migration::DbErr> {
        match backend {
            DbBackend::Postgres => Ok(Self::Postgres),
            DbBackend::Sqlite => Ok(Self::Sqlite),
            other => Err(sea_orm_migration::DbErr::Migration(format!(
                "the marketplace schema supports PostgreSQL and SQLite, not {other:?}"
            ))),
        }
    }

    fn pick(self, pg: &'static str, sqlite: &'static str) -> &'static str {
        match self {
            Self::Postgres => pg,
            Self::Sqlite => sqlite,
        }
    }

    pub(crate) fn uuid(self) -> &'static str {
        self.pick("UUID", "BLOB")
    }

    /// A price or balance: NUMERIC(12,2).
    pub(crate) fn money(self) -> &'static str {
        self.pick("NUMERIC(12,2)", "REAL")
    }

    /// A signed ledger amount: NUMERIC(14,2), room for sums of many sales.
    pub(crate) fn ledger_money(self) -> &'static str {
        self.pick("NUMERIC(14,2)", "REAL")
    }

    /// A fee rate in 0..=1 with four decimals (0.0500 is 5 %).
    pub(crate) fn rate(self) -> &'static str {
        self.pick("NUMERIC(5,4)", "REAL")
    }

    /// An average rating, 1.00..=5.00.
    pub(crate) fn avg_rating(self) -> &'static str {
        self.pick("NUMERIC(3,2)", "REAL")
    }

    pub(crate) fn currency(self) -> &'static str {
        self.pick("CHAR(3)", "TEXT")
    }

    pub(crate) fn timestamp(self) -> &'static str {
        self.pick("TIMESTAMPTZ", "TEXT")
    }

    /// The current instant, as a column default, in the form the driver writes.
    pub(crate) fn now(self) -> &'static str {
        self.pick("now()", "(strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now'))")
    }

    pub(crate) fn json(self) -> &'static str {
        self.pick("JSONB", "TEXT")
    }

    pub(crate) fn small_int(self) -> &'static str {
        self.pick("SMALLINT", "INTEGER")
    }

    /// A check that `column` is three upper-case ASCII letters (ISO 4217).
    pub(crate) fn currency_check(self, column: &str) -> String {
        match self {
            Self::Postgres => format!("{column} ~ '^[A-Z]{{3}}$'"),
            Self::Sqlite => format!("{column} GLOB '[A-Z][A-Z][A-Z]'"),
        }
    }
}

/// `column IN ('A', 'B', …)`: how every enum column is constrained.
pub(crate) fn one_of(column: &str, values: &[&str]) -> String {
    let list = values
        .iter()
        .map(|v| format!("'{v}'"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("{column} IN ({list})")
}

/// Runs `statements` in order on PostgreSQL and does nothing elsewhere: the shape of every
/// migration that only concerns PostgreSQL (roles, row-level security).
///
/// # Errors
/// The first statement that fails, or an unsupported backend.
pub(crate) async fn on_postgres(
    manager: &sea_orm_migration::SchemaManager<'_>,
    statements: Vec<String>,
) -> Result<(), sea_orm_migration::DbErr> {
    if Dialect::of(manager.get_database_backend())? != Dialect::Postgres {
        return Ok(());
    }
    let conn = manager.get_connection();
    for sql in statements {
        conn.execute_unprepared(&sql).await?;
    }
    Ok(())
}
