//! Renewals of recurring purchases (R-B6, R-B7).
//!
//! - `subscription_renewals`: one row per purchase and period
//!   (`subscription_renewals_period_key` on (purchase_id, period_start)): the claim that
//!   makes the renewal job, run twice at once or again later, renew a period once. Its
//!   status is one of [`RENEWAL_STATUSES`]: PAST_DUE (credits did not cover it; `due_at`
//!   is when the grace ends), INVOICED (`invoice_number`, the org's own sequence, unique
//!   per org, and `due_at`), COLLECTED (`collected_at`, the provider's `payment_reference`
//!   for a card renewal, unique: a refund of it finds the renewal). `refunded_amount`
//!   never exceeds `amount`.
//! - `subscription_renewal_postings`: the ledger postings of each renewal (its sale, then
//!   its refunds), so a renewal refund reverses that renewal alone and a refund of the
//!   first sale never counts a renewal's.
//!
//! On PostgreSQL both are tenant tables under forced row-level security; renewals are
//! never deleted, and their postings' links neither changed nor deleted (the ledger is
//! append-only).

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, one_of};
use crate::enums::PAYMENT_METHODS;
use crate::m20250601_000002_row_level_security::tenant_table_security;

/// Renewals and their postings, with their row-level security.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_000004_subscription_renewals"
    }
}

/// The tables this migration creates, in creation order.
pub const TABLES: &[&str] = &["subscription_renewals", "subscription_renewal_postings"];

/// `subscription_renewals.status`.
pub const RENEWAL_STATUSES: &[&str] = &["PAST_DUE", "INVOICED", "COLLECTED"];

/// What the app role may do per table: nothing is ever deleted.
pub(crate) const GRANTS: &[(&str, &[&str])] = &[
    ("subscription_renewals", &["SELECT", "INSERT", "UPDATE"]),
    ("subscription_renewal_postings", &["SELECT", "INSERT"]),
];

fn create_statements(d: Dialect) -> Vec<String> {
    let uuid = d.uuid();
    let ts = d.timestamp();
    let now = d.now();
    let money = d.money();
    let cur = d.currency();
    vec![
        format!(
            "CREATE TABLE subscription_renewals (
                id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                purchase_id {uuid} NOT NULL,
                period_start {ts} NOT NULL,
                period_end {ts} NOT NULL,
                amount {money} NOT NULL,
                currency {cur} NOT NULL,
                payment_method TEXT NOT NULL,
                status TEXT NOT NULL,
                due_at {ts} NULL,
                invoice_number INTEGER NULL,
                collected_at {ts} NULL,
                payment_reference VARCHAR(255) NULL,
                sale_posting_id {uuid} NULL,
                refunded_amount {money} NOT NULL DEFAULT 0,
                opened_at {ts} NOT NULL,
                updated_at {ts} NOT NULL DEFAULT {now},
                CONSTRAINT subscription_renewals_pkey PRIMARY KEY (id),
                CONSTRAINT subscription_renewals_period_key UNIQUE (purchase_id, period_start),
                CONSTRAINT subscription_renewals_invoice_key UNIQUE (org_id, invoice_number),
                CONSTRAINT subscription_renewals_payment_key UNIQUE (payment_reference),
                CONSTRAINT subscription_renewals_status_check CHECK ({status}),
                CONSTRAINT subscription_renewals_method_check CHECK ({method}),
                CONSTRAINT subscription_renewals_period_check CHECK (period_end > period_start),
                CONSTRAINT subscription_renewals_amount_check CHECK (amount >= 0),
                CONSTRAINT subscription_renewals_refunded_check
                    CHECK (refunded_amount >= 0 AND refunded_amount <= amount),
                CONSTRAINT subscription_renewals_currency_check CHECK ({currency}),
                CONSTRAINT subscription_renewals_invoice_check CHECK (invoice_number IS NULL
                    OR invoice_number >= 1),
                CONSTRAINT subscription_renewals_state_check CHECK (
                    (status = 'PAST_DUE' AND due_at IS NOT NULL AND collected_at IS NULL)
                    OR (status = 'INVOICED' AND due_at IS NOT NULL
                        AND invoice_number IS NOT NULL AND collected_at IS NULL)
                    OR (status = 'COLLECTED' AND collected_at IS NOT NULL)),
                CONSTRAINT subscription_renewals_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id),
                CONSTRAINT subscription_renewals_purchase_fkey FOREIGN KEY (purchase_id)
                    REFERENCES purchases (id)
            )",
            status = one_of("status", RENEWAL_STATUSES),
            method = one_of("payment_method", PAYMENT_METHODS),
            currency = d.currency_check("currency"),
        ),
        format!(
            "CREATE TABLE subscription_renewal_postings (
                renewal_id {uuid} NOT NULL,
                posting_id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                CONSTRAINT subscription_renewal_postings_pkey PRIMARY KEY (posting_id),
                CONSTRAINT subscription_renewal_postings_renewal_fkey FOREIGN KEY (renewal_id)
                    REFERENCES subscription_renewals (id),
                CONSTRAINT subscription_renewal_postings_posting_fkey FOREIGN KEY (posting_id)
                    REFERENCES ledger_postings (id),
                CONSTRAINT subscription_renewal_postings_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id)
            )"
        ),
        "CREATE INDEX subscription_renewal_postings_renewal_idx
            ON subscription_renewal_postings (renewal_id)"
            .to_owned(),
    ]
}

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
        for table in TABLES.iter().rev() {
            conn.execute_unprepared(&format!("DROP TABLE IF EXISTS {table}"))
                .await?;
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
    fn renewal_tables_are_forced_under_row_level_security_and_never_deleted() {
        let sql = security_statements();
        for table in TABLES {
            assert!(sql.contains(&format!("ALTER TABLE {table} FORCE ROW LEVEL SECURITY")));
        }
        assert!(!sql.iter().any(|s| s.contains("DELETE ON subscription_")));
    }
}
