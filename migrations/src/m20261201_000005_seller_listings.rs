//! Sellers' listings (R-G1..R-G5): the listings context's storage.
//!
//! - `seller_profiles` (R-G1): what an org says of itself when it registers as a seller,
//!   one per seller and one per org.
//! - `seller_listings` (R-G2, R-G3): a seller's drafts, submissions and decisions. The
//!   proposal is one JSON document (`content`) whose `kind` is also a column: a listing is
//!   always read whole, and each kind has its own fields. The decision (`decided_by`,
//!   `decided_at`, `outcome`, `notes`) and what an approval published (`published_kind`,
//!   `published_id`) sit beside it. The moderation queue reads by (`status`,
//!   `submitted_at`).
//! - `seller_notices` (R-G3): what a seller is told of each decision, newest first.
//! - `seller_opt_ins` (R-G5): one row per seller org, with the per-product choices as a
//!   JSON array (`[{"item_type", "item_id", "enabled"}]`).
//!
//! All four carry the seller's org: on PostgreSQL they are tenant tables under forced
//! row-level security in the platform-role shape ([`secure`]): the org's own rows for the
//! app role, every row for the platform role (moderators read the queue across orgs).
//! Listings, notices and profiles are never deleted; opt-in choices are replaced in place.

use sea_orm_migration::prelude::*;

use crate::dialect::{Dialect, one_of};
use crate::m20261201_000002_platform_role::{TenantTable, secure};

/// The listings tables, with their row-level security.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000005_seller_listings"
    }
}

/// The tables this migration creates, in creation order.
pub const TABLES: &[&str] = &[
    "seller_profiles",
    "seller_listings",
    "seller_notices",
    "seller_opt_ins",
];

/// `seller_listings.kind`.
pub const LISTING_KINDS: &[&str] = &["TOOL", "BUNDLE", "VERSION", "SERVICE", "EDIT"];
/// `seller_listings.status`.
pub const LISTING_STATUSES: &[&str] = &["DRAFT", "SUBMITTED", "PUBLISHED", "REJECTED"];
/// `seller_listings.outcome` and `seller_notices.outcome`.
pub const LISTING_OUTCOMES: &[&str] = &["APPROVED", "REJECTED", "PUBLISHED_AT_ONCE"];
/// `seller_listings.published_kind`.
pub const PUBLISHED_KINDS: &[&str] = &["TOOL", "BUNDLE", "TOOL_CHANGE", "SERVICE"];

/// What each role may do per table: nothing is deleted.
pub const GRANTS: &[(&str, &[&str])] = &[
    ("seller_profiles", &["SELECT", "INSERT", "UPDATE"]),
    ("seller_listings", &["SELECT", "INSERT", "UPDATE"]),
    ("seller_notices", &["SELECT", "INSERT"]),
    ("seller_opt_ins", &["SELECT", "INSERT", "UPDATE"]),
];

fn create_statements(d: Dialect) -> Vec<String> {
    let uuid = d.uuid();
    let ts = d.timestamp();
    let json = d.json();
    let json_check = |column: &str| match d {
        Dialect::Postgres => format!("jsonb_typeof({column}) IS NOT NULL"),
        Dialect::Sqlite => format!("json_valid({column})"),
    };
    vec![
        format!(
            "CREATE TABLE seller_profiles (
                seller_id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                display_name VARCHAR(200) NOT NULL,
                description TEXT NOT NULL,
                website VARCHAR(500) NULL,
                support_email VARCHAR(254) NOT NULL,
                updated_at {ts} NOT NULL,
                CONSTRAINT seller_profiles_pkey PRIMARY KEY (seller_id),
                CONSTRAINT seller_profiles_org_key UNIQUE (org_id),
                CONSTRAINT seller_profiles_name_check CHECK (length(display_name) BETWEEN 1 AND 200),
                CONSTRAINT seller_profiles_seller_fkey FOREIGN KEY (seller_id) REFERENCES sellers (id),
                CONSTRAINT seller_profiles_org_fkey FOREIGN KEY (org_id) REFERENCES organizations (id)
            )"
        ),
        format!(
            "CREATE TABLE seller_listings (
                id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                seller_id {uuid} NOT NULL,
                kind TEXT NOT NULL,
                status TEXT NOT NULL,
                content {json} NOT NULL,
                decided_by {uuid} NULL,
                decided_at {ts} NULL,
                outcome TEXT NULL,
                notes TEXT NULL,
                published_kind TEXT NULL,
                published_id {uuid} NULL,
                created_at {ts} NOT NULL,
                updated_at {ts} NOT NULL,
                submitted_at {ts} NULL,
                CONSTRAINT seller_listings_pkey PRIMARY KEY (id),
                CONSTRAINT seller_listings_kind_check CHECK ({kinds}),
                CONSTRAINT seller_listings_status_check CHECK ({statuses}),
                CONSTRAINT seller_listings_outcome_check CHECK (outcome IS NULL OR {outcomes}),
                CONSTRAINT seller_listings_published_check CHECK (
                    (published_kind IS NULL) = (published_id IS NULL)
                    AND (published_kind IS NULL OR {published})
                    AND ((status = 'PUBLISHED') = (published_id IS NOT NULL))
                ),
                CONSTRAINT seller_listings_content_check CHECK ({content_check}),
                CONSTRAINT seller_listings_seller_fkey FOREIGN KEY (seller_id) REFERENCES sellers (id),
                CONSTRAINT seller_listings_org_fkey FOREIGN KEY (org_id) REFERENCES organizations (id)
            )",
            kinds = one_of("kind", LISTING_KINDS),
            statuses = one_of("status", LISTING_STATUSES),
            outcomes = one_of("outcome", LISTING_OUTCOMES),
            published = one_of("published_kind", PUBLISHED_KINDS),
            content_check = json_check("content"),
        ),
        // A seller's list, newest first.
        "CREATE INDEX seller_listings_org_created_idx ON seller_listings (org_id, created_at, id)"
            .to_owned(),
        // The moderation queue, oldest submission first.
        "CREATE INDEX seller_listings_queue_idx ON seller_listings (status, submitted_at, id)"
            .to_owned(),
        format!(
            "CREATE TABLE seller_notices (
                id {uuid} NOT NULL,
                org_id {uuid} NOT NULL,
                listing_id {uuid} NOT NULL,
                title TEXT NOT NULL,
                outcome TEXT NOT NULL,
                notes TEXT NULL,
                at {ts} NOT NULL,
                CONSTRAINT seller_notices_pkey PRIMARY KEY (id),
                CONSTRAINT seller_notices_outcome_check CHECK ({outcomes}),
                CONSTRAINT seller_notices_listing_fkey FOREIGN KEY (listing_id)
                    REFERENCES seller_listings (id),
                CONSTRAINT seller_notices_org_fkey FOREIGN KEY (org_id) REFERENCES organizations (id)
            )",
            outcomes = one_of("outcome", LISTING_OUTCOMES),
        ),
        "CREATE INDEX seller_notices_org_at_idx ON seller_notices (org_id, at, id)".to_owned(),
        format!(
            "CREATE TABLE seller_opt_ins (
                org_id {uuid} NOT NULL,
                seller_id {uuid} NOT NULL,
                enabled BOOLEAN NOT NULL,
                products {json} NOT NULL,
                updated_at {ts} NOT NULL,
                CONSTRAINT seller_opt_ins_pkey PRIMARY KEY (org_id),
                CONSTRAINT seller_opt_ins_products_check CHECK ({products_check}),
                CONSTRAINT seller_opt_ins_seller_fkey FOREIGN KEY (seller_id) REFERENCES sellers (id),
                CONSTRAINT seller_opt_ins_org_fkey FOREIGN KEY (org_id) REFERENCES organizations (id)
            )",
            products_check = json_check("products"),
        ),
    ]
}

/// Forced row-level security with the org's rows for the app role and every row for the
/// platform role (PostgreSQL only).
#[must_use]
pub fn security_statements() -> Vec<String> {
    GRANTS
        .iter()
        .flat_map(|(table, commands)| secure(&TenantTable::same(table, commands)))
        .collect()
}

fn up_statements(d: Dialect) -> Vec<String> {
    let mut sql = create_statements(d);
    if d == Dialect::Postgres {
        sql.extend(security_statements());
    }
    sql
}

fn down_statements() -> Vec<String> {
    TABLES
        .iter()
        .rev()
        .map(|table| format!("DROP TABLE IF EXISTS {table}"))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{APP_ROLE, PLATFORM_ROLE};

    #[test]
    fn r_t6_every_listings_table_is_forced_under_row_level_security_for_both_roles() {
        let sql = security_statements();
        for table in TABLES {
            assert!(sql.contains(&format!("ALTER TABLE {table} FORCE ROW LEVEL SECURITY")));
            for role in [APP_ROLE, PLATFORM_ROLE] {
                assert!(
                    sql.iter().any(|s| s.starts_with("GRANT ")
                        && s.ends_with(&format!("ON {table} TO {role}"))),
                    "{table} has no grant to {role}"
                );
            }
        }
        assert!(
            !sql.iter()
                .any(|s| s.starts_with("GRANT ") && s.contains("DELETE"))
        );
    }
}
