//! Plans (R-B1..R-B4): every purchasable tool and bundle is sold through one or more plans,
//! and carts, orders and purchases name the plan they were bought under.
//!
//! - `plans`: one row per plan of a tool or a bundle (never both): its code (unique within
//!   the item), name, price, interval (`ONE_TIME`, `MONTH`, `YEAR`), trial days (0..=90),
//!   quotas and overage prices as a JSON array (`[{"meter", "limit", "hard",
//!   "overage_unit_price"}]`, decimals as strings), the provider's price id, status and
//!   display position. A global catalog table like `tools`: no row-level security.
//! - `cart_lines.plan_id`, `order_lines.plan_id`, `purchases.plan_id`: the plan a line or a
//!   purchase is under; NULL for what was bought before plans existed at a price no plan
//!   carries (see below).
//!
//! The migration sells every existing item through the plan its price model becomes
//! (R-B2, the domain's `plan_for_price_model`): FREE -> `FREE` ONE_TIME at 0; ONE_TIME,
//! MONTHLY, ANNUAL -> `STANDARD` of that interval; USAGE_BASED -> `STANDARD` MONTH at its
//! price; CUSTOM -> none; a bundle (one-time in the first wave) -> `STANDARD` ONE_TIME at
//! its price. Prices are copied, so the catalog's `price` and what a new buyer pays do not
//! change. Existing purchases are linked to their item's plan only where the plan has the
//! purchase's own price, currency and billing; the others keep their own terms with no
//! plan. No purchase amount, period or status is touched: no holder pays differently.
//! [`fill_plans_from_price_models`] does the same for items added later by the seed.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::dialect::{Dialect, one_of};
use crate::enums::ITEM_TYPES;

/// The plans table and the plan columns of carts, orders and purchases.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000001_plans"
    }
}

/// The tables this migration creates.
pub const TABLES: &[&str] = &["plans"];

/// `plans.billing_interval`.
pub const BILLING_INTERVALS: &[&str] = &["ONE_TIME", "MONTH", "YEAR"];

/// `plans.status`.
pub const PLAN_STATUSES: &[&str] = &["ACTIVE", "ARCHIVED"];

fn up_statements(d: Dialect) -> Vec<String> {
    let uuid = d.uuid();
    let ts = d.timestamp();
    let now = d.now();
    let mut sql = vec![
        format!(
            "CREATE TABLE plans (
                id {uuid} NOT NULL,
                item_type TEXT NOT NULL,
                tool_id {uuid} NULL,
                bundle_id {uuid} NULL,
                code VARCHAR(32) NOT NULL,
                name VARCHAR(60) NOT NULL,
                price_amount {money} NOT NULL,
                currency {cur} NOT NULL,
                billing_interval TEXT NOT NULL,
                trial_days {small} NOT NULL DEFAULT 0,
                quotas {json} NOT NULL,
                provider_price_id VARCHAR(255) NULL,
                status TEXT NOT NULL DEFAULT 'ACTIVE',
                position INTEGER NOT NULL DEFAULT 0,
                created_at {ts} NOT NULL DEFAULT {now},
                updated_at {ts} NOT NULL DEFAULT {now},
                CONSTRAINT plans_pkey PRIMARY KEY (id),
                CONSTRAINT plans_item_type_check CHECK ({item_type}),
                CONSTRAINT plans_item_check CHECK (
                    (item_type = 'TOOL' AND tool_id IS NOT NULL AND bundle_id IS NULL) OR
                    (item_type = 'BUNDLE' AND bundle_id IS NOT NULL AND tool_id IS NULL)),
                CONSTRAINT plans_tool_code_key UNIQUE (tool_id, code),
                CONSTRAINT plans_bundle_code_key UNIQUE (bundle_id, code),
                CONSTRAINT plans_price_check CHECK (price_amount >= 0),
                CONSTRAINT plans_currency_check CHECK ({cur_ok}),
                CONSTRAINT plans_billing_interval_check CHECK ({interval}),
                CONSTRAINT plans_status_check CHECK ({status}),
                CONSTRAINT plans_trial_days_check CHECK (trial_days >= 0 AND trial_days <= 90),
                CONSTRAINT plans_one_time_trial_check
                    CHECK (billing_interval <> 'ONE_TIME' OR trial_days = 0),
                CONSTRAINT plans_tool_fkey FOREIGN KEY (tool_id) REFERENCES tools (id),
                CONSTRAINT plans_bundle_fkey FOREIGN KEY (bundle_id) REFERENCES bundles (id)
            )",
            money = d.money(),
            cur = d.currency(),
            small = d.small_int(),
            json = d.json(),
            item_type = one_of("item_type", ITEM_TYPES),
            cur_ok = d.currency_check("currency"),
            interval = one_of("billing_interval", BILLING_INTERVALS),
            status = one_of("status", PLAN_STATUSES),
        ),
        "CREATE INDEX plans_bundle_idx ON plans (bundle_id)".to_owned(),
    ];
    // SQLite cannot drop a column that references another table, so there the columns go
    // without the foreign key (the store only writes plan ids it read from `plans`).
    for table in ["cart_lines", "order_lines", "purchases"] {
        let reference = match d {
            Dialect::Postgres => format!(" CONSTRAINT {table}_plan_fkey REFERENCES plans (id)"),
            Dialect::Sqlite => String::new(),
        };
        sql.push(format!(
            "ALTER TABLE {table} ADD COLUMN plan_id {uuid} NULL{reference}"
        ));
    }
    // Whether a plan has been sold (R-B1) is a lookup of its purchases.
    sql.push("CREATE INDEX purchases_plan_idx ON purchases (plan_id)".to_owned());
    if d == Dialect::Postgres {
        sql.push(format!(
            "GRANT SELECT, INSERT, UPDATE ON plans TO {}",
            crate::APP_ROLE
        ));
        // The purchases below are every tenant's: the migration reads and links them in
        // the platform scope, for this transaction only.
        sql.push(format!(
            "SELECT set_config('{}', 'on', true)",
            crate::PLATFORM_SCOPE_SETTING
        ));
    }
    sql.extend(fill_statements(d));
    sql.push(link_purchases());
    sql
}

/// R-B2 in SQL: the plan of every tool and bundle that has none yet, from its price model.
/// Mirrors the domain's `plan_for_price_model` (a test compares the two on every tool).
fn fill_statements(d: Dialect) -> Vec<String> {
    let new_id = match d {
        Dialect::Postgres => "gen_random_uuid()",
        Dialect::Sqlite => "randomblob(16)",
    };
    let now = d.now();
    vec![
        format!(
            "INSERT INTO plans (id, item_type, tool_id, bundle_id, code, name, price_amount,
                currency, billing_interval, trial_days, quotas, status, position,
                created_at, updated_at)
             SELECT {new_id}, 'TOOL', t.id, NULL,
                CASE t.price_model WHEN 'FREE' THEN 'FREE' ELSE 'STANDARD' END,
                CASE t.price_model WHEN 'FREE' THEN 'Free' ELSE 'Standard' END,
                t.price_amount, t.currency,
                CASE t.price_model
                    WHEN 'FREE' THEN 'ONE_TIME' WHEN 'ONE_TIME' THEN 'ONE_TIME'
                    WHEN 'ANNUAL' THEN 'YEAR' ELSE 'MONTH' END,
                0, '[]', 'ACTIVE', 0, {now}, {now}
             FROM tools t
             WHERE t.price_model <> 'CUSTOM'
               AND NOT EXISTS (SELECT 1 FROM plans p WHERE p.tool_id = t.id)"
        ),
        format!(
            "INSERT INTO plans (id, item_type, tool_id, bundle_id, code, name, price_amount,
                currency, billing_interval, trial_days, quotas, status, position,
                created_at, updated_at)
             SELECT {new_id}, 'BUNDLE', NULL, b.id, 'STANDARD', 'Standard',
                b.price_amount, b.currency, 'ONE_TIME', 0, '[]', 'ACTIVE', 0, {now}, {now}
             FROM bundles b
             WHERE NOT EXISTS (SELECT 1 FROM plans p WHERE p.bundle_id = b.id)"
        ),
    ]
}

/// Links each purchase made before plans to its item's plan when that plan has the
/// purchase's own terms (price, currency, billing); any other purchase keeps its terms
/// without a plan.
fn link_purchases() -> String {
    "UPDATE purchases SET plan_id = (
        SELECT p.id FROM plans p
        WHERE ((purchases.tool_id IS NOT NULL AND p.tool_id = purchases.tool_id)
            OR (purchases.bundle_id IS NOT NULL AND p.bundle_id = purchases.bundle_id))
          AND p.price_amount = purchases.amount
          AND p.currency = purchases.currency
          AND p.billing_interval = CASE purchases.billing
                WHEN 'MONTHLY' THEN 'MONTH' WHEN 'ANNUAL' THEN 'YEAR' ELSE 'ONE_TIME' END)
     WHERE plan_id IS NULL"
        .to_owned()
}

/// Gives every tool and bundle without a plan the plan its price model becomes (R-B2), as
/// the migration did for the items that existed then. Idempotent. For seeding.
///
/// # Errors
/// The database's.
pub async fn fill_plans_from_price_models<C: ConnectionTrait>(db: &C) -> Result<u64, DbErr> {
    let d = Dialect::of(db.get_database_backend())?;
    let mut filled = 0;
    for sql in fill_statements(d) {
        filled += db.execute_unprepared(&sql).await?.rows_affected();
    }
    Ok(filled)
}

fn down_statements() -> Vec<String> {
    let mut sql = vec!["DROP INDEX IF EXISTS purchases_plan_idx".to_owned()];
    for table in ["purchases", "order_lines", "cart_lines"] {
        sql.push(format!("ALTER TABLE {table} DROP COLUMN plan_id"));
    }
    sql.push("DROP TABLE IF EXISTS plans".to_owned());
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
        for sql in down_statements() {
            conn.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
