//! The marketplace schema, as sea-orm migrations, for PostgreSQL (production) and SQLite
//! (the embedded default), and the seed catalog.
//!
//! - [`Migrator`] runs, in order: the schema (tables, named constraints and indexes, the
//!   ledger's append-only triggers) and PostgreSQL's row-level security with the
//!   application role [`APP_ROLE`]; then the payout records and sellers' payout settings
//!   ([`m20250601_000003_payouts`]).
//! - [`seed::seed_catalog`] inserts the 54 tools and 5 bundles of the seed catalog,
//!   idempotently; [`seed::catalog`] and [`seed::bundles`] give the same data to tests.
//!
//! # Storage on SQLite
//! What sea-orm 2.0 binds and decodes decides the column types (see `dialect.rs`):
//! UUIDs are 16-byte `BLOB`s; money, rates and ratings are `REAL` (exact as read below
//! 1,000,000.00, exact over all of NUMERIC(14,2) once rounded to the column's scale on read;
//! sum in Rust, not in SQL); timestamps are RFC 3339 UTC `TEXT`
//! (`2025-01-31T12:00:00.123+00:00`); booleans `BOOLEAN` 0/1; JSON `TEXT` (json_valid).
//! `tests/migrations/sqlite.rs` checks each of these through sea-orm.
//!
//! # Tenancy on PostgreSQL
//! The app connects as [`APP_ROLE`] and sets, per transaction,
//! `SELECT set_config('app.current_org_id', $1, true)`: it sees that one org's rows and
//! nothing it can set widens that (R-T5). Work across tenants connects as
//! [`PLATFORM_ROLE`], whose policies admit every row. Every table with an org id is under
//! forced row-level security (R-T6), in the shape of
//! [`m20261201_000002_platform_role::secure`]; see [`m20250601_000002_row_level_security`]
//! for the first shape and [`m20261201_000002_platform_role`] for today's.

pub mod enums;
pub mod m20250601_000001_create_schema;
pub mod m20250601_000002_row_level_security;
pub mod m20250601_000003_payouts;
pub mod m20261130_000001_usage;
pub mod m20261130_000002_module_installations;
pub mod m20261130_000003_api_keys_and_licenses;
pub mod m20261130_000004_subscription_renewals;
pub mod m20261201_000001_plans;
pub mod m20261201_000002_platform_role;
pub mod m20261201_000003_catalog_version;
pub mod m20261201_000004_drop_installation_flags;
pub mod m20261201_000005_seller_listings;
pub mod m20261201_000006_tool_meters;
pub mod m20261201_000007_services;
pub mod m20261201_000008_plans_catalog_version;
pub mod m20261201_000009_tool_views;
pub mod m20261202_000010_personal_data_erasure;
pub mod m20261202_000020_plan_choices;
pub mod m20261202_000030_opt_in_catalog_version;
pub mod seed;

mod dialect;

pub use m20250601_000002_row_level_security::{
    APP_ROLE, APP_ROLE_DEFAULT_PASSWORD, ORG_SETTING, PLATFORM_SCOPE_SETTING, TENANT_TABLES,
};
pub use m20261201_000001_plans::fill_plans_from_price_models;
pub use m20261201_000002_platform_role::{
    PLATFORM_ROLE, PLATFORM_ROLE_DEFAULT_PASSWORD, TenantTable, tenant_tables,
};
pub use sea_orm_migration;
pub use sea_orm_migration::MigratorTrait;
pub use seed::{SeedBundle, SeedReport, SeedSeller, SeedTool, bundles, catalog, seed_catalog};

use sea_orm_migration::{MigrationTrait, async_trait};

/// Every table the migrations leave, in creation order: created and not dropped since.
pub const TABLES: &[&str] = &ALL_TABLES;

/// Tables a later migration dropped.
const DROPPED_TABLES: &[&str] = m20261201_000004_drop_installation_flags::DROPPED;

/// Each migration's tables, in migration order: a migration that creates tables adds its
/// list here.
const TABLE_LISTS: &[&[&str]] = &[
    m20250601_000001_create_schema::TABLES,
    m20250601_000003_payouts::TABLES,
    m20261130_000001_usage::TABLES,
    m20261130_000002_module_installations::TABLES,
    m20261130_000003_api_keys_and_licenses::TABLES,
    m20261130_000004_subscription_renewals::TABLES,
    m20261201_000001_plans::TABLES,
    m20261201_000003_catalog_version::TABLES,
    m20261201_000005_seller_listings::TABLES,
    m20261201_000006_tool_meters::TABLES,
    m20261201_000007_services::TABLES,
    m20261201_000009_tool_views::TABLES,
];

const ALL_TABLES: [&str; count_tables(TABLE_LISTS)] = concat_tables(TABLE_LISTS);

const fn same_name(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

const fn was_dropped(table: &str) -> bool {
    let mut i = 0;
    while i < DROPPED_TABLES.len() {
        if same_name(DROPPED_TABLES[i], table) {
            return true;
        }
        i += 1;
    }
    false
}

const fn count_tables(lists: &[&[&str]]) -> usize {
    let mut count = 0;
    let mut i = 0;
    while i < lists.len() {
        let mut j = 0;
        while j < lists[i].len() {
            if !was_dropped(lists[i][j]) {
                count += 1;
            }
            j += 1;
        }
        i += 1;
    }
    count
}

const fn concat_tables<const N: usize>(lists: &[&[&'static str]]) -> [&'static str; N] {
    let mut all = [""; N];
    let mut at = 0;
    let mut i = 0;
    while i < lists.len() {
        let mut j = 0;
        while j < lists[i].len() {
            if !was_dropped(lists[i][j]) {
                all[at] = lists[i][j];
                at += 1;
            }
            j += 1;
        }
        i += 1;
    }
    all
}

/// The marketplace's migrations, in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl sea_orm_migration::MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20250601_000001_create_schema::Migration),
            Box::new(m20250601_000002_row_level_security::Migration),
            Box::new(m20250601_000003_payouts::Migration),
            Box::new(m20261130_000001_usage::Migration),
            Box::new(m20261130_000002_module_installations::Migration),
            Box::new(m20261130_000003_api_keys_and_licenses::Migration),
            Box::new(m20261130_000004_subscription_renewals::Migration),
            Box::new(m20261201_000001_plans::Migration),
            Box::new(m20261201_000002_platform_role::Migration),
            Box::new(m20261201_000003_catalog_version::Migration),
            Box::new(m20261201_000004_drop_installation_flags::Migration),
            Box::new(m20261201_000005_seller_listings::Migration),
            Box::new(m20261201_000006_tool_meters::Migration),
            Box::new(m20261201_000007_services::Migration),
            Box::new(m20261201_000008_plans_catalog_version::Migration),
            Box::new(m20261201_000009_tool_views::Migration),
            Box::new(m20261202_000010_personal_data_erasure::Migration),
            Box::new(m20261202_000020_plan_choices::Migration),
            Box::new(m20261202_000030_opt_in_catalog_version::Migration),
        ]
    }
}
