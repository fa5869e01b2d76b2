//! Personal-data erasure (R-T9): the audit trail stays append-only for the service's
//! tenant role, and the platform role, which runs an erasure, may rewrite one column of
//! it, `details`, to drop what an entry said about an erased user (its ids stay). No table
//! is created; SQLite has no roles, so nothing changes there.

use sea_orm_migration::prelude::*;

use crate::PLATFORM_ROLE;
use crate::dialect::Dialect;

#[derive(Debug)]
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_000010_personal_data_erasure"
    }
}

fn up_statements(d: Dialect) -> Vec<String> {
    if d != Dialect::Postgres {
        return Vec::new();
    }
    vec![
        format!("GRANT UPDATE (details) ON audit_log TO {PLATFORM_ROLE}"),
        format!(
            "CREATE POLICY audit_log_platform_erase ON audit_log FOR UPDATE TO {PLATFORM_ROLE} \
             USING (true) WITH CHECK (true)"
        ),
    ]
}

fn down_statements(d: Dialect) -> Vec<String> {
    if d != Dialect::Postgres {
        return Vec::new();
    }
    vec![
        "DROP POLICY IF EXISTS audit_log_platform_erase ON audit_log".to_owned(),
        format!("REVOKE UPDATE (details) ON audit_log FROM {PLATFORM_ROLE}"),
    ]
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager.get_database_backend())?;
        for sql in up_statements(d) {
            manager.get_connection().execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let d = Dialect::of(manager.get_database_backend())?;
        for sql in down_statements(d) {
            manager.get_connection().execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}
