//! [`UnitClaims`] (R-T10): on PostgreSQL a transaction-level advisory lock per job and
//! unit, taken with `pg_try_advisory_xact_lock` in a transaction of its own on the
//! platform pool and held until the claim is released (the transaction ends, and with it
//! the lock, even when the process dies). SQLite is one process: every claim succeeds.

use async_trait::async_trait;
use marketplace_domain::claims::{Claim, UnitClaims};
use marketplace_domain::ports::RepoError;
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbBackend, Statement, Value};
use uuid::Uuid;

use crate::SeaOrmStore;
use crate::error::map_db;
use crate::tenant::Scope;

/// The lock's two 32-bit keys: the job's name and the unit, each hashed by PostgreSQL
/// (`hashtext`), so every job has its own space of units.
const TRY_LOCK: &str = "SELECT pg_try_advisory_xact_lock(hashtext($1), hashtext($2)) AS held";

/// A held advisory lock: its transaction.
struct Held(DatabaseTransaction);

#[async_trait]
impl Claim for Held {
    async fn release(self: Box<Self>) {
        // Ending the transaction releases the lock; it wrote nothing.
        if let Err(error) = self.0.rollback().await {
            tracing::warn!(%error, "could not end a claim's transaction; the lock ends with its connection");
        }
    }
}

struct Sole;

#[async_trait]
impl Claim for Sole {
    async fn release(self: Box<Self>) {}
}

#[async_trait]
impl UnitClaims for SeaOrmStore {
    async fn try_claim(
        &self,
        job: &'static str,
        unit: Uuid,
    ) -> Result<Option<Box<dyn Claim>>, RepoError> {
        if self.backend() != DbBackend::Postgres {
            return Ok(Some(Box::new(Sole)));
        }
        let tx = self.begin(Scope::Platform).await?;
        let row = tx
            .query_one_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                TRY_LOCK,
                [Value::from(job), Value::from(unit.to_string())],
            ))
            .await
            .map_err(map_db)?;
        let held = row
            .map(|r| r.try_get::<bool>("", "held"))
            .transpose()
            .map_err(map_db)?
            .unwrap_or(false);
        if held {
            Ok(Some(Box::new(Held(tx))))
        } else {
            tx.rollback().await.map_err(map_db)?;
            Ok(None)
        }
    }
}
