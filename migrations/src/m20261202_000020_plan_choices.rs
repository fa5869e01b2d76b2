//! What an order line and a purchase keep of the plan they were bought under (R-B3, R-B9,
//! R-B10). Columns only, all nullable: rows written before stay as they were, and no
//! amount, period or status is rewritten.
//!
//! - `order_lines.plan_code`, `order_lines.billing_interval`, `order_lines.trial_days`:
//!   the line's plan as it stood at checkout (beside `plan_id`): a card order is fulfilled
//!   after its payment, from the line, whatever happened to the plan meanwhile.
//! - `purchases.trial_ends_at`: set when the purchase started with a trial (R-B10): it
//!   shows TRIALING until then, and the org has had its trial of the item.
//! - `purchases.scheduled_plan_id`: a downgrade waiting for the next renewal (R-B9).

use sea_orm_migration::prelude::*;

use crate::dialect::Dialect;

/// The plan columns of order lines and purchases.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000020_plan_choices"
    }
}

fn up_statements(d: Dialect) -> Vec<String> {
    let uuid = d.uuid();
    let ts = d.timestamp();
    let small = d.small_int();
    // SQLite cannot drop a column that references another table (see plans' migration).
    let plan_key = match d {
        Dialect::Postgres => " CONSTRAINT purchases_scheduled_plan_fkey REFERENCES plans (id)",
        Dialect::Sqlite => "",
    };
    vec![
        "ALTER TABLE order_lines ADD COLUMN plan_code TEXT NULL".to_owned(),
        "ALTER TABLE order_lines ADD COLUMN billing_interval TEXT NULL".to_owned(),
        format!("ALTER TABLE order_lines ADD COLUMN trial_days {small} NULL"),
        format!("ALTER TABLE purchases ADD COLUMN trial_ends_at {ts} NULL"),
        format!("ALTER TABLE purchases ADD COLUMN scheduled_plan_id {uuid} NULL{plan_key}"),
    ]
}

fn down_statements() -> Vec<String> {
    [
        ("purchases", "scheduled_plan_id"),
        ("purchases", "trial_ends_at"),
        ("order_lines", "trial_days"),
        ("order_lines", "billing_interval"),
        ("order_lines", "plan_code"),
    ]
    .iter()
    .map(|(table, column)| format!("ALTER TABLE {table} DROP COLUMN {column}"))
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
