//! Opt-in joins the catalog's change counter (R-G5): browsing hides an item its seller
//! does not offer, so the in-memory catalog must reload when a seller changes its choices,
//! when a published bundle is filed under the org whose listing published it, and when a
//! seller moves to another org. Each of those writes raises `catalog_version` by the
//! trigger function of
//! [`m20261201_000003_catalog_version`](crate::m20261201_000003_catalog_version), in the
//! writing transaction:
//! - `seller_opt_ins`: every insert, update and delete;
//! - `seller_listings`: an update that changes `published_id` (a draft's edits do not);
//! - `sellers`: an update that changes `org_id`.

use sea_orm_migration::prelude::*;

use crate::dialect::Dialect;

/// The opt-in triggers.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000030_opt_in_catalog_version"
    }
}

const BUMP: &str = "UPDATE catalog_version SET version = version + 1";

/// The updates that move what browsing hides: (table, column).
const OWNERSHIP: &[(&str, &str)] = &[("seller_listings", "published_id"), ("sellers", "org_id")];

fn up_statements(d: Dialect) -> Vec<String> {
    match d {
        Dialect::Postgres => {
            let mut sql = vec![
                "CREATE TRIGGER seller_opt_ins_catalog_version AFTER INSERT OR UPDATE OR DELETE \
                 ON seller_opt_ins FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump()"
                    .to_owned(),
            ];
            for (table, column) in OWNERSHIP {
                sql.push(format!(
                    "CREATE TRIGGER {table}_catalog_version AFTER UPDATE OF {column} ON {table} \
                     FOR EACH ROW WHEN (OLD.{column} IS DISTINCT FROM NEW.{column}) \
                     EXECUTE FUNCTION catalog_version_bump()"
                ));
            }
            sql
        }
        Dialect::Sqlite => {
            let mut sql: Vec<String> = ["insert", "update", "delete"]
                .iter()
                .map(|event| {
                    format!(
                        "CREATE TRIGGER seller_opt_ins_catalog_version_{event} AFTER {} \
                         ON seller_opt_ins BEGIN {BUMP}; END",
                        event.to_uppercase()
                    )
                })
                .collect();
            for (table, column) in OWNERSHIP {
                sql.push(format!(
                    "CREATE TRIGGER {table}_catalog_version_update AFTER UPDATE OF {column} \
                     ON {table} WHEN OLD.{column} IS NOT NEW.{column} BEGIN {BUMP}; END"
                ));
            }
            sql
        }
    }
}

fn down_statements(d: Dialect) -> Vec<String> {
    match d {
        Dialect::Postgres => {
            let mut sql = vec![
                "DROP TRIGGER IF EXISTS seller_opt_ins_catalog_version ON seller_opt_ins"
                    .to_owned(),
            ];
            for (table, _) in OWNERSHIP {
                sql.push(format!(
                    "DROP TRIGGER IF EXISTS {table}_catalog_version ON {table}"
                ));
            }
            sql
        }
        Dialect::Sqlite => {
            let mut sql: Vec<String> = ["insert", "update", "delete"]
                .iter()
                .map(|event| {
                    format!("DROP TRIGGER IF EXISTS seller_opt_ins_catalog_version_{event}")
                })
                .collect();
            for (table, _) in OWNERSHIP {
                sql.push(format!(
                    "DROP TRIGGER IF EXISTS {table}_catalog_version_update"
                ));
            }
            sql
        }
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
