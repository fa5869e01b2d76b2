//! Seller payouts (Stripe Connect): the payout record of each (seller, month), the
//! sellers' payout settings, and the indexes the statements and payout runs read by.
//!
//! - `payouts`: at most one row per (seller, month), written in the transaction of the
//!   payout's first ledger posting, so a rerun or a crash mid-run finds it and never pays
//!   twice. `PENDING` (moved to payouts in transit, transfer not confirmed), `PAID` (with
//!   the provider's transfer id) or `FAILED` (reversed). The amounts stay in the ledger:
//!   this row only says where the payout stands.
//! - `sellers.payout_minimum` / `payout_currency`: below the minimum a month's balance is
//!   carried (default 25.00 USD).
//! - `sellers_org_key`: an org manages at most one seller (its users' "me").
//!
//! A global table like the ledger (no row-level security): sellers' data is scoped by the
//! domain's seller policy, and payout runs are platform jobs.

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, one_of};

/// Payout records, payout settings and the seller indexes.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20250601_000003_payouts"
    }
}

/// The tables this migration creates.
pub const TABLES: &[&str] = &["payouts"];

/// `payouts.status`.
pub const PAYOUT_STATUSES: &[&str] = &["PENDING", "PAID", "FAILED"];

fn up_statements(d: Dialect) -> Vec<String> {
    let uuid = d.uuid();
    let money = d.money();
    let ts = d.timestamp();
    let now = d.now();
    let cur = d.currency();
    let month_ok = match d {
        Dialect::Postgres => "month ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'".to_owned(),
        Dialect::Sqlite => {
            "month GLOB '[0-9][0-9][0-9][0-9]-[01][0-9]' AND substr(month, 6, 2) BETWEEN '01' AND '12'"
                .to_owned()
        }
    };
    let mut sql = vec![
        format!("ALTER TABLE sellers ADD COLUMN payout_minimum {money} NOT NULL DEFAULT 25.00"),
        format!("ALTER TABLE sellers ADD COLUMN payout_currency {cur} NOT NULL DEFAULT 'USD'"),
        // One seller per managing org (NULLs, unmanaged sellers, do not collide).
        "CREATE UNIQUE INDEX sellers_org_key ON sellers (org_id)".to_owned(),
        format!(
            "CREATE TABLE payouts (
                id {uuid} NOT NULL,
                seller_id {uuid} NOT NULL,
                month CHAR(7) NOT NULL,
                amount {money} NOT NULL,
                currency {cur} NOT NULL,
                status TEXT NOT NULL,
                transfer_id VARCHAR(255) NULL,
                failure_reason TEXT NULL,
                created_at {ts} NOT NULL DEFAULT {now},
                updated_at {ts} NOT NULL DEFAULT {now},
                CONSTRAINT payouts_pkey PRIMARY KEY (id),
                CONSTRAINT payouts_seller_month_key UNIQUE (seller_id, month),
                CONSTRAINT payouts_month_check CHECK ({month_ok}),
                CONSTRAINT payouts_amount_check CHECK (amount > 0),
                CONSTRAINT payouts_currency_check CHECK ({currency_ok}),
                CONSTRAINT payouts_status_check CHECK ({status_ok}),
                CONSTRAINT payouts_paid_transfer_check
                    CHECK (status <> 'PAID' OR transfer_id IS NOT NULL),
                CONSTRAINT payouts_seller_fkey FOREIGN KEY (seller_id) REFERENCES sellers (id)
            )",
            currency_ok = d.currency_check("currency"),
            status_ok = one_of("status", PAYOUT_STATUSES),
        ),
        // A seller's postings (statements, payable balances): the entries of the seller's
        // accounts lead to their postings without touching the table. (A seller's payouts
        // are found through payouts_seller_month_key.)
        "CREATE INDEX ledger_entries_seller_posting_idx ON ledger_entries (seller_id, posting_id)"
            .to_owned(),
    ];
    if d == Dialect::Postgres {
        sql.push(format!(
            "GRANT SELECT, INSERT, UPDATE ON payouts TO {}",
            crate::APP_ROLE
        ));
    }
    sql
}

fn down_statements() -> Vec<String> {
    [
        "DROP TABLE IF EXISTS payouts",
        "DROP INDEX IF EXISTS ledger_entries_seller_posting_idx",
        "DROP INDEX IF EXISTS sellers_org_key",
        "ALTER TABLE sellers DROP COLUMN payout_currency",
        "ALTER TABLE sellers DROP COLUMN payout_minimum",
    ]
    .iter()
    .map(|s| (*s).to_owned())
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
