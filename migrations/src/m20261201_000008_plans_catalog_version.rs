//! Plans join the catalog's change counter: the in-memory catalog serves each item's plans
//! with the item (`GET /v1/tools/{id}`, `/v1/bundles/{id}`), so a write to `plans` raises
//! `catalog_version` like a write to the other catalog tables, by the trigger function of
//! [`m20261201_000003_catalog_version`](crate::m20261201_000003_catalog_version) (per
//! statement on PostgreSQL, per row on SQLite), in the writing transaction.

use sea_orm_migration::prelude::*;

use crate::dialect::Dialect;

/// The plans trigger.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000008_plans_catalog_version"
    }
}

const BUMP: &str = "UPDATE catalog_version SET version = version + 1";

fn up_statements(d: Dialect) -> Vec<String> {
    match d {
        Dialect::Postgres => vec![
            "CREATE TRIGGER plans_catalog_version AFTER INSERT OR UPDATE OR DELETE ON plans \
             FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump()"
                .to_owned(),
        ],
        Dialect::Sqlite => ["insert", "update", "delete"]
            .iter()
            .map(|event| {
                format!(
                    "CREATE TRIGGER plans_catalog_version_{event} AFTER {} ON plans \
                     BEGIN {BUMP}; END",
                    event.to_uppercase()
                )
            })
            .collect(),
    }
}

fn down_statements(d: Dialect) -> Vec<String> {
    match d {
        Dialect::Postgres => {
            vec!["DROP TRIGGER IF EXISTS plans_catalog_version ON plans".to_owned()]
        }
        Dialect::Sqlite => ["insert", "update", "delete"]
            .iter()
            .map(|event| format!("DROP TRIGGER IF EXISTS plans_catalog_version_{event}"))
            .collect(),
    }
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

    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}
