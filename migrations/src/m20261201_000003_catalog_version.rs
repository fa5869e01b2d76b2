//! The catalog's change counter: `catalog_version` holds one row whose `version` every
//! write to the catalog tables (`tools`, `tool_tags`, `bundles`, `bundle_items`) raises, by
//! trigger, in the writing transaction. Replicas that serve the catalog from memory compare
//! it with the version of their copy and reload when it moved, so every writer is covered
//! (admin edits, purchase counts, review summaries, the seed), whichever code path made it.
//!
//! On PostgreSQL the triggers are per statement; on SQLite, which only has row triggers, per
//! row. The row is created here and never again: the app role may read and raise it only.

use sea_orm_migration::prelude::*;

use crate::dialect::Dialect;
use crate::{APP_ROLE, PLATFORM_ROLE};

/// The counter table and its triggers.
#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_000003_catalog_version"
    }
}

/// The tables this migration creates.
pub const TABLES: &[&str] = &["catalog_version"];

/// The tables whose writes raise the version: everything the catalog read model holds.
pub const CATALOG_TABLES: &[&str] = &["tools", "tool_tags", "bundles", "bundle_items"];

const BUMP: &str = "UPDATE catalog_version SET version = version + 1";

fn up_statements(d: Dialect) -> Vec<String> {
    let mut sql = vec![
        "CREATE TABLE catalog_version (version BIGINT NOT NULL)".to_owned(),
        "INSERT INTO catalog_version (version) VALUES (0)".to_owned(),
    ];
    match d {
        Dialect::Postgres => {
            sql.push(format!(
                "CREATE FUNCTION catalog_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN {BUMP}; RETURN NULL; END $$"
            ));
            for table in CATALOG_TABLES {
                sql.push(format!(
                    "CREATE TRIGGER {table}_catalog_version AFTER INSERT OR UPDATE OR DELETE \
                     ON {table} FOR EACH STATEMENT EXECUTE FUNCTION catalog_version_bump()"
                ));
            }
            sql.push(format!(
                "GRANT SELECT, UPDATE ON catalog_version TO {APP_ROLE}, {PLATFORM_ROLE}"
            ));
        }
        Dialect::Sqlite => {
            for table in CATALOG_TABLES {
                for event in ["insert", "update", "delete"] {
                    sql.push(format!(
                        "CREATE TRIGGER {table}_catalog_version_{event} AFTER {} ON {table} \
                         BEGIN {BUMP}; END",
                        event.to_uppercase()
                    ));
                }
            }
        }
    }
    sql
}

fn down_statements(d: Dialect) -> Vec<String> {
    let mut sql = Vec::new();
    for table in CATALOG_TABLES {
        match d {
            Dialect::Postgres => {
                sql.push(format!(
                    "DROP TRIGGER IF EXISTS {table}_catalog_version ON {table}"
                ));
            }
            Dialect::Sqlite => {
                for event in ["insert", "update", "delete"] {
                    sql.push(format!(
                        "DROP TRIGGER IF EXISTS {table}_catalog_version_{event}"
                    ));
                }
            }
        }
    }
    if d == Dialect::Postgres {
        sql.push("DROP FUNCTION IF EXISTS catalog_version_bump()".to_owned());
    }
    sql.push("DROP TABLE IF EXISTS catalog_version".to_owned());
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
