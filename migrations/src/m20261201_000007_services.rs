//! The services marketplace (R-X1..R-X5).
//!
//! - `service_providers`: a seller's provider profile (R-X1), one per seller, with its
//!   payment mode (MANUAL carries instructions) and the count of invoices it has issued,
//!   from which its invoice numbers are taken.
//! - `service_listings`: service listings (R-X2); `org_id` is the provider's org.
//! - `service_transactions`: transactions (R-X3) between a buyer org (`org_id`) and a
//!   provider (`seller_id`, its org `provider_org_id`): amount, platform fee and payout,
//!   status, invoice, payment and refunds. Invoice numbers are unique per provider.
//! - `service_transaction_postings`: the ledger postings of each transaction (its sale,
//!   then its refunds).
//! - `service_threads`, `service_messages`: a thread per transaction and an enquiry thread
//!   per (buyer org, listing), with both parties' counters; messages are numbered per
//!   thread and never changed (R-X4).
//! - `provider_ratings`: one rating per transaction, moderated (R-X5).
//!
//! On PostgreSQL each is a tenant table under forced row-level security in the shape of
//! [`crate::m20261201_000002_platform_role::secure`]. A transaction, its thread and its
//! messages name two orgs: their tenant policies admit a row to the buyer org and to the
//! provider's org (`org_id` or `provider_org_id` equal to the transaction's org setting),
//! and to no one else. Providers are a public directory, published listings public.

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, one_of};
use crate::enums::PAYMENT_METHODS;
use crate::m20261201_000002_platform_role::{TenantTable, secure};

/// The services tables.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000007_services"
    }
}

/// The tables this migration creates, in creation order.
pub const TABLES: &[&str] = &[
    "service_providers",
    "service_listings",
    "service_transactions",
    "service_transaction_postings",
    "service_threads",
    "service_messages",
    "provider_ratings",
];

/// `service_listings.status`.
pub const LISTING_STATUSES: &[&str] = &["DRAFT", "PUBLISHED", "ARCHIVED"];
/// `service_transactions.status`.
pub const TRANSACTION_STATUSES: &[&str] = &[
    "PENDING_INVOICE",
    "INVOICED",
    "PAID",
    "COMPLETED",
    "CANCELLED",
    "REFUNDED",
    "PARTIALLY_REFUNDED",
];
/// `provider_ratings.status`.
pub const RATING_STATUSES: &[&str] = &["PENDING", "APPROVED", "REJECTED"];

/// Each table's row-level security: who may run which command.
#[must_use]
pub fn tenant_tables() -> Vec<TenantTable> {
    let two_orgs = |table, commands: &[&'static str]| TenantTable {
        also_org_column: Some("provider_org_id"),
        ..TenantTable::same(table, commands)
    };
    vec![
        // A public directory, as sellers: buyers see who provides a listing.
        TenantTable {
            public_read: Some("true"),
            ..TenantTable::same("service_providers", &["SELECT", "INSERT", "UPDATE"])
        },
        TenantTable {
            public_read: Some("status = 'PUBLISHED'"),
            ..TenantTable::same("service_listings", &["SELECT", "INSERT", "UPDATE"])
        },
        two_orgs("service_transactions", &["SELECT", "INSERT", "UPDATE"]),
        // Append-only, as the ledger.
        TenantTable::same("service_transaction_postings", &["SELECT", "INSERT"]),
        two_orgs("service_threads", &["SELECT", "INSERT", "UPDATE"]),
        // Messages are immutable.
        two_orgs("service_messages", &["SELECT", "INSERT"]),
        // The buyer writes; moderation is the platform's.
        TenantTable {
            platform: vec!["SELECT", "INSERT", "UPDATE"],
            ..TenantTable::same("provider_ratings", &["SELECT", "INSERT"])
        },
    ]
}

#[allow(clippy::too_many_lines)] // one CREATE per table, read top to bottom
fn create_statements(d: Dialect) -> Vec<String> {
    let uuid = d.uuid();
    let ts = d.timestamp();
    let money = d.money();
    let cur = d.currency();
    let small = d.small_int();
    vec![
        format!(
            "CREATE TABLE service_providers (
                seller_id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                business_name VARCHAR(200) NOT NULL,
                description TEXT NOT NULL,
                location VARCHAR(200) NOT NULL,
                payment_mode TEXT NOT NULL,
                payment_instructions TEXT NULL,
                invoices_issued INTEGER NOT NULL DEFAULT 0,
                created_at {ts} NOT NULL,
                updated_at {ts} NOT NULL,
                CONSTRAINT service_providers_pkey PRIMARY KEY (seller_id),
                CONSTRAINT service_providers_mode_check CHECK ({mode}),
                CONSTRAINT service_providers_instructions_check CHECK (
                    (payment_mode = 'MANUAL') = (payment_instructions IS NOT NULL)),
                CONSTRAINT service_providers_invoices_check CHECK (invoices_issued >= 0),
                CONSTRAINT service_providers_seller_fkey FOREIGN KEY (seller_id)
                    REFERENCES sellers (id),
                CONSTRAINT service_providers_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id)
            )",
            mode = one_of("payment_mode", &["STRIPE_CONNECT", "MANUAL"]),
        ),
        format!(
            "CREATE TABLE service_listings (
                id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                seller_id {uuid} NOT NULL,
                title VARCHAR(200) NOT NULL,
                category VARCHAR(100) NOT NULL,
                description TEXT NOT NULL,
                price {money} NOT NULL,
                currency {cur} NOT NULL,
                allow_quotes BOOLEAN NOT NULL,
                status TEXT NOT NULL,
                created_at {ts} NOT NULL,
                updated_at {ts} NOT NULL,
                CONSTRAINT service_listings_pkey PRIMARY KEY (id),
                CONSTRAINT service_listings_status_check CHECK ({status}),
                CONSTRAINT service_listings_price_check CHECK (price > 0),
                CONSTRAINT service_listings_currency_check CHECK ({currency}),
                CONSTRAINT service_listings_provider_fkey FOREIGN KEY (seller_id)
                    REFERENCES service_providers (seller_id),
                CONSTRAINT service_listings_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id)
            )",
            status = one_of("status", LISTING_STATUSES),
            currency = d.currency_check("currency"),
        ),
        "CREATE INDEX service_listings_status_idx ON service_listings (status, created_at)"
            .to_owned(),
        "CREATE INDEX service_listings_seller_idx ON service_listings (seller_id)".to_owned(),
        format!(
            "CREATE TABLE service_transactions (
                id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                provider_org_id {uuid} NOT NULL,
                seller_id {uuid} NOT NULL,
                listing_id {uuid} NULL,
                description TEXT NOT NULL,
                amount {money} NOT NULL,
                platform_fee {money} NOT NULL,
                provider_payout {money} NOT NULL,
                currency {cur} NOT NULL,
                status TEXT NOT NULL,
                invoice_number INTEGER NULL,
                invoice_issued_at {ts} NULL,
                invoice_due_at {ts} NULL,
                awaiting TEXT NULL,
                payment_method TEXT NULL,
                payment_reference VARCHAR(255) NULL,
                paid_at {ts} NULL,
                completed_at {ts} NULL,
                refunded_amount {money} NOT NULL,
                created_at {ts} NOT NULL,
                updated_at {ts} NOT NULL,
                CONSTRAINT service_transactions_pkey PRIMARY KEY (id),
                CONSTRAINT service_transactions_invoice_key UNIQUE (seller_id, invoice_number),
                CONSTRAINT service_transactions_payment_key UNIQUE (payment_reference),
                CONSTRAINT service_transactions_status_check CHECK ({status}),
                CONSTRAINT service_transactions_method_check CHECK (payment_method IS NULL
                    OR {method}),
                CONSTRAINT service_transactions_awaiting_check CHECK (awaiting IS NULL
                    OR {awaiting}),
                CONSTRAINT service_transactions_parties_check CHECK (org_id <> provider_org_id),
                CONSTRAINT service_transactions_amounts_check CHECK (amount > 0
                    AND platform_fee >= 0 AND provider_payout >= 0
                    AND refunded_amount >= 0 AND refunded_amount <= amount),
                CONSTRAINT service_transactions_invoice_check CHECK (invoice_number IS NULL
                    OR (invoice_number >= 1 AND invoice_issued_at IS NOT NULL
                        AND invoice_due_at IS NOT NULL)),
                CONSTRAINT service_transactions_currency_check CHECK ({currency}),
                CONSTRAINT service_transactions_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id),
                CONSTRAINT service_transactions_provider_org_fkey FOREIGN KEY (provider_org_id)
                    REFERENCES organizations (id),
                CONSTRAINT service_transactions_provider_fkey FOREIGN KEY (seller_id)
                    REFERENCES service_providers (seller_id),
                CONSTRAINT service_transactions_listing_fkey FOREIGN KEY (listing_id)
                    REFERENCES service_listings (id)
            )",
            status = one_of("status", TRANSACTION_STATUSES),
            method = one_of("payment_method", PAYMENT_METHODS),
            awaiting = one_of("awaiting", &["CARD", "TRANSFER"]),
            currency = d.currency_check("currency"),
        ),
        "CREATE INDEX service_transactions_org_idx ON service_transactions (org_id, created_at)"
            .to_owned(),
        "CREATE INDEX service_transactions_provider_org_idx
            ON service_transactions (provider_org_id, created_at)"
            .to_owned(),
        format!(
            "CREATE TABLE service_transaction_postings (
                transaction_id {uuid} NOT NULL,
                posting_id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                CONSTRAINT service_transaction_postings_pkey PRIMARY KEY (posting_id),
                CONSTRAINT service_transaction_postings_transaction_fkey
                    FOREIGN KEY (transaction_id) REFERENCES service_transactions (id),
                CONSTRAINT service_transaction_postings_posting_fkey FOREIGN KEY (posting_id)
                    REFERENCES ledger_postings (id),
                CONSTRAINT service_transaction_postings_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id)
            )"
        ),
        "CREATE INDEX service_transaction_postings_transaction_idx
            ON service_transaction_postings (transaction_id)"
            .to_owned(),
        format!(
            "CREATE TABLE service_threads (
                id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                provider_org_id {uuid} NOT NULL,
                transaction_id {uuid} NULL,
                listing_id {uuid} NULL,
                sent_by_buyer BIGINT NOT NULL DEFAULT 0,
                sent_by_provider BIGINT NOT NULL DEFAULT 0,
                read_by_buyer BIGINT NOT NULL DEFAULT 0,
                read_by_provider BIGINT NOT NULL DEFAULT 0,
                created_at {ts} NOT NULL,
                last_message_at {ts} NULL,
                CONSTRAINT service_threads_pkey PRIMARY KEY (id),
                CONSTRAINT service_threads_transaction_key UNIQUE (transaction_id),
                CONSTRAINT service_threads_subject_check CHECK (
                    (transaction_id IS NULL) <> (listing_id IS NULL)),
                CONSTRAINT service_threads_counts_check CHECK (sent_by_buyer >= 0
                    AND sent_by_provider >= 0 AND read_by_buyer >= 0 AND read_by_provider >= 0),
                CONSTRAINT service_threads_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id),
                CONSTRAINT service_threads_provider_org_fkey FOREIGN KEY (provider_org_id)
                    REFERENCES organizations (id),
                CONSTRAINT service_threads_transaction_fkey FOREIGN KEY (transaction_id)
                    REFERENCES service_transactions (id),
                CONSTRAINT service_threads_listing_fkey FOREIGN KEY (listing_id)
                    REFERENCES service_listings (id)
            )"
        ),
        // One enquiry per buyer org and listing.
        "CREATE UNIQUE INDEX service_threads_enquiry_key ON service_threads (listing_id, org_id)
            WHERE transaction_id IS NULL"
            .to_owned(),
        format!(
            "CREATE TABLE service_messages (
                id {uuid} NOT NULL,
                thread_id {uuid} NOT NULL,
                seq BIGINT NOT NULL,
                org_id {uuid} NOT NULL,
                provider_org_id {uuid} NOT NULL,
                author TEXT NOT NULL,
                user_id {uuid} NOT NULL,
                body TEXT NOT NULL,
                sent_at {ts} NOT NULL,
                CONSTRAINT service_messages_pkey PRIMARY KEY (id),
                CONSTRAINT service_messages_seq_key UNIQUE (thread_id, seq),
                CONSTRAINT service_messages_seq_check CHECK (seq >= 1),
                CONSTRAINT service_messages_author_check CHECK ({author}),
                CONSTRAINT service_messages_body_check CHECK (length(body) BETWEEN 1 AND 10000),
                CONSTRAINT service_messages_thread_fkey FOREIGN KEY (thread_id)
                    REFERENCES service_threads (id),
                CONSTRAINT service_messages_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id),
                CONSTRAINT service_messages_provider_org_fkey FOREIGN KEY (provider_org_id)
                    REFERENCES organizations (id)
            )",
            author = one_of("author", &["BUYER", "PROVIDER"]),
        ),
        format!(
            "CREATE TABLE provider_ratings (
                id {uuid} NOT NULL,
                transaction_id {uuid} NOT NULL,
                seller_id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                user_id {uuid} NOT NULL,
                rating {small} NOT NULL,
                comment TEXT NULL,
                status TEXT NOT NULL,
                created_at {ts} NOT NULL,
                moderated_at {ts} NULL,
                CONSTRAINT provider_ratings_pkey PRIMARY KEY (id),
                CONSTRAINT provider_ratings_transaction_key UNIQUE (transaction_id),
                CONSTRAINT provider_ratings_rating_check CHECK (rating BETWEEN 1 AND 5),
                CONSTRAINT provider_ratings_status_check CHECK ({status}),
                CONSTRAINT provider_ratings_transaction_fkey FOREIGN KEY (transaction_id)
                    REFERENCES service_transactions (id),
                CONSTRAINT provider_ratings_provider_fkey FOREIGN KEY (seller_id)
                    REFERENCES service_providers (seller_id),
                CONSTRAINT provider_ratings_org_fkey FOREIGN KEY (org_id)
                    REFERENCES organizations (id)
            )",
            status = one_of("status", RATING_STATUSES),
        ),
        "CREATE INDEX provider_ratings_seller_idx ON provider_ratings (seller_id, status)"
            .to_owned(),
    ]
}

fn up_statements(d: Dialect) -> Vec<String> {
    let mut sql = create_statements(d);
    if d == Dialect::Postgres {
        for t in tenant_tables() {
            sql.extend(secure(&t));
        }
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
    fn r_t6_every_services_table_is_forced_under_row_level_security() {
        let sql = up_statements(Dialect::Postgres).join("\n");
        let guarded: Vec<&str> = tenant_tables().iter().map(|t| t.table).collect();
        for table in TABLES {
            assert!(guarded.contains(table), "{table} has no policies");
            assert!(sql.contains(&format!("ALTER TABLE {table} FORCE ROW LEVEL SECURITY")));
        }
        assert!(!sql.contains("DELETE ON service_"), "nothing is deleted");
        assert!(
            !sql.contains("UPDATE ON service_messages"),
            "messages are immutable"
        );
    }

    #[test]
    fn r_x4_a_transaction_thread_and_messages_admit_both_parties_and_no_one_else() {
        for table in [
            "service_transactions",
            "service_threads",
            "service_messages",
        ] {
            let t = tenant_tables()
                .into_iter()
                .find(|t| t.table == table)
                .unwrap();
            let sql = secure(&t).join("\n");
            let select = sql
                .lines()
                .find(|l| l.starts_with(&format!("CREATE POLICY {table}_tenant_select")))
                .unwrap();
            assert!(select.contains("org_id = NULLIF"), "{select}");
            assert!(select.contains("provider_org_id = NULLIF"), "{select}");
            assert!(!select.contains("(true)"), "no public rows: {select}");
        }
    }
}
