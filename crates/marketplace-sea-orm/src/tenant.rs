//! Tenancy (R-T3) and transactions.
//!
//! Every repository method that touches a tenant table runs in a transaction opened by
//! [`SeaOrmStore::begin`]. For one org it runs on the tenant pool and, on PostgreSQL, first
//! sets for that transaction only (`set_config(…, true)`) the tenant (`app.current_org_id`,
//! `app.current_user_id`) that the row-level-security policies read. Nothing is ever set on
//! the session, so a pooled connection carries nothing over. Work across tenants runs on
//! the platform pool, whose role the policies admit everywhere, and sets nothing: no
//! setting widens what the tenant role sees (R-T5). On SQLite there is no row-level
//! security and the settings are skipped; the `org_id` filter that every tenant query
//! carries in SQL is the guard there (and a second one on PostgreSQL).
//!
//! [`SeaOrmStore::atomically`] runs a unit of work again when PostgreSQL reports a
//! serialization failure or a deadlock, a bounded number of times.

use std::future::Future;
use std::time::Duration;

use marketplace_domain::ids::{OrgId, UserId};
use marketplace_domain::ports::RepoError;
use marketplace_migrations::ORG_SETTING;
use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, Statement, TransactionTrait, Value,
};

use crate::SeaOrmStore;
use crate::error::{is_retryable, map_db};

/// The transaction-local setting naming the acting user (informational: no policy reads
/// it yet, but triggers and audit may).
pub(crate) const USER_SETTING: &str = "app.current_user_id";

/// Retries after the first attempt when the database asks for one.
pub(crate) const MAX_RETRIES: u32 = 3;

/// Whose rows a transaction may see.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Scope {
    /// One tenant (and, when known, the acting user).
    Org(OrgId, Option<UserId>),
    /// Every tenant, on the platform pool: webhooks, jobs, platform admins, the seller
    /// directory's writes and the ledger across orgs.
    Platform,
    /// Only global tables (catalog, module versions), on the tenant pool: no setting
    /// needed.
    Global,
}

impl SeaOrmStore {
    /// Opens a transaction on the scope's pool with its settings applied (PostgreSQL).
    ///
    /// # Errors
    /// `Unavailable` when the transaction cannot be opened or configured.
    pub(crate) async fn begin(&self, scope: Scope) -> Result<DatabaseTransaction, RepoError> {
        let pool = match scope {
            Scope::Platform => &self.platform,
            Scope::Org(..) | Scope::Global => &self.conn,
        };
        let tx = pool.begin().await.map_err(map_db)?;
        if self.backend() == DbBackend::Postgres {
            match scope {
                Scope::Org(org, user) => {
                    let user = user.map(|u| u.to_string()).unwrap_or_default();
                    let stmt = Statement::from_sql_and_values(
                        DbBackend::Postgres,
                        "SELECT set_config($1, $2, true), set_config($3, $4, true)",
                        [
                            Value::from(ORG_SETTING),
                            Value::from(org.to_string()),
                            Value::from(USER_SETTING),
                            Value::from(user),
                        ],
                    );
                    tx.query_one_raw(stmt).await.map_err(map_db)?;
                }
                Scope::Platform | Scope::Global => {}
            }
        }
        Ok(tx)
    }

    /// Runs `work` (which opens, uses and commits its own transaction) and runs it again,
    /// up to [`MAX_RETRIES`] times with a short growing backoff, when the database reports a
    /// serialization failure or a deadlock. Any other error is returned at once.
    ///
    /// # Errors
    /// The last error of `work`.
    pub(crate) async fn atomically<T, F, Fut>(&self, mut work: F) -> Result<T, RepoError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, RepoError>>,
    {
        let mut attempt = 0;
        loop {
            match work().await {
                Err(e) if attempt < MAX_RETRIES && is_retryable(&e) => {
                    attempt += 1;
                    tracing::debug!(attempt, error = %e, "retrying a transaction");
                    let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0] % 10);
                    tokio::time::sleep(Duration::from_millis(
                        10 * u64::from(attempt) * u64::from(attempt) + jitter,
                    ))
                    .await;
                }
                other => return other,
            }
        }
    }
}

/// Commits a transaction, then counts it ([`crate::commits`]): the in-memory copies (the
/// catalog, the kept reads) re-check after a commit of this process, so this replica sees
/// its own writes at once.
///
/// # Errors
/// `Unavailable` when the commit fails.
pub(crate) async fn commit(tx: DatabaseTransaction) -> Result<(), RepoError> {
    tx.commit().await.map_err(map_db)?;
    crate::commits::note();
    Ok(())
}

/// Ends a transaction that only read (it carried the tenant setting row-level security
/// reads): nothing was written, so nothing is counted and the in-memory copies keep what
/// they hold. Never for a transaction that wrote.
///
/// # Errors
/// `Unavailable` when the commit fails.
pub(crate) async fn end_read(tx: DatabaseTransaction) -> Result<(), RepoError> {
    tx.commit().await.map_err(map_db)
}
