//! # marketplace-sea-orm
//!
//! The repository ports of `marketplace-domain` over sea-orm 2.0, on PostgreSQL
//! (production, with row-level security) and SQLite (the embedded default).
//!
//! - [`Database::connect`] opens a pool (`sqlite://…?mode=rwc`, `sqlite::memory:`,
//!   `postgres://…`); [`Database::migrate`] runs the migrations (as the schema owner);
//!   [`Database::store`] gives the [`SeaOrmStore`], a cheap `Clone` that implements every
//!   port: `CatalogRepository`, `CartRepository`, `OrderRepository`, `PurchaseRepository`,
//!   `HoldingsRepository`, `OrgRepository`, `PlanRepository`, `AuditLog`, `PaymentEventLog`,
//!   `SellerRepository` (sellers, the ledger per seller and payouts).
//! - Modules by aggregate: [`catalog`](crate::catalog), `cart`, `orders`, `purchases`,
//!   `holdings`, `orgs`, `reviews`, `audit`, `payment_events`, `sellers`, with
//!   the sea-orm entities private in `entities` (one module per table) and mapped to domain
//!   types at the edge, one mapping per domain type; enum columns go through the domain's
//!   labels (`Labelled`).
//! - Tenancy: see `tenant`. Every tenant query filters by org in SQL; on PostgreSQL every
//!   tenant transaction also sets the tenant for row-level security, and work across
//!   tenants runs on the platform pool ([`Database::with_platform`]).
//!
//! Money is `NUMERIC` on PostgreSQL and `REAL` on SQLite (see the migrations); amounts are
//! rounded to their currency's minor unit when read, so round trips are exact.

mod analytics;
mod audit;
mod cart;
mod catalog;
mod catalog_memory;
mod claims;
mod commits;
mod convert;
mod entities;
mod error;
mod holdings;
mod kept_reads;
mod ledger;
mod licensing;
mod listings;
mod metering;
mod modules;
mod orders;
mod orgs;
mod payment_events;
mod personal_data;
mod plans;
mod purchases;
mod renewals;
mod reviews;
mod sellers;
mod services;
mod tenant;

use std::sync::Arc;
use std::time::Duration;

pub use catalog_memory::MemoryCatalog;
pub use kept_reads::KeptReads;
use marketplace_domain::ports::{Clock, SystemClock};
pub use sea_orm::DbErr;
use sea_orm::{ConnectOptions, DatabaseConnection, DbBackend};

/// A connection pool to the marketplace database, and optionally a second one for work
/// across tenants.
///
/// On PostgreSQL the first pool logs in as the tenant role (`marketplace_app`), which sees
/// at most the one org its transaction names; the platform pool logs in as
/// `marketplace_platform`, whose policies admit every row (R-T5). Without a platform pool
/// (SQLite, or a PostgreSQL pool used for tenant work only) platform work runs on the one
/// pool.
#[derive(Clone, Debug)]
pub struct Database {
    conn: DatabaseConnection,
    platform: Option<DatabaseConnection>,
}

impl Database {
    /// Connects to `url`: `postgres://…`, `sqlite://path?mode=rwc` or `sqlite::memory:`.
    ///
    /// SQLite gets one connection: writes are serialized anyway, one connection never
    /// meets `SQLITE_BUSY`, and an in-memory database stays one database.
    ///
    /// # Errors
    /// The driver's when the database cannot be reached.
    pub async fn connect(url: &str) -> Result<Self, DbErr> {
        let pool = if url.starts_with("sqlite:") { 1 } else { 10 };
        Self::connect_with(url, pool).await
    }

    /// Connects with a pool of at most `max_connections`.
    ///
    /// # Errors
    /// The driver's when the database cannot be reached.
    pub async fn connect_with(url: &str, max_connections: u32) -> Result<Self, DbErr> {
        let mut options = ConnectOptions::new(url.to_owned());
        options
            .max_connections(max_connections.max(1))
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(30))
            .sqlx_logging(false);
        let conn = sea_orm::Database::connect(options).await?;
        Ok(Self {
            conn,
            platform: None,
        })
    }

    /// This pool for tenant work and `platform`'s pool for work across tenants: webhooks,
    /// jobs, moderation, platform admins, the seller directory and the ledger.
    #[must_use]
    pub fn with_platform(self, platform: Self) -> Self {
        Self {
            conn: self.conn,
            platform: Some(platform.conn),
        }
    }

    /// The pool for work across tenants, when one is attached.
    #[must_use]
    pub const fn platform_connection(&self) -> Option<&DatabaseConnection> {
        self.platform.as_ref()
    }

    /// Runs the pending migrations. On PostgreSQL, connect as the schema owner to do so
    /// (the app role may not create tables).
    ///
    /// # Errors
    /// The migration's.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        use marketplace_migrations::MigratorTrait;
        marketplace_migrations::Migrator::up(&self.conn, None).await
    }

    /// The store over this pool, on the system clock.
    #[must_use]
    pub fn store(&self) -> SeaOrmStore {
        self.store_with_clock(Arc::new(SystemClock))
    }

    /// The store over this pool, taking the times it stamps on its own bookkeeping (rows'
    /// `created_at`/`updated_at` that no domain value carries) from `clock`: give it the
    /// clock the use cases run on (R-R3).
    #[must_use]
    pub fn store_with_clock(&self, clock: Arc<dyn Clock>) -> SeaOrmStore {
        let store = SeaOrmStore::new(self.conn.clone(), clock);
        match &self.platform {
            Some(platform) => store.with_platform(platform.clone()),
            None => store,
        }
    }

    /// The underlying connection, for wiring (migrations, seeding) and tests.
    #[must_use]
    pub const fn connection(&self) -> &DatabaseConnection {
        &self.conn
    }

    /// Which database this is.
    #[must_use]
    pub fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    /// Closes the pools.
    ///
    /// # Errors
    /// The driver's.
    pub async fn close(self) -> Result<(), DbErr> {
        if let Some(platform) = self.platform {
            platform.close().await?;
        }
        self.conn.close().await
    }
}

/// Every repository port over the tenant pool and the platform pool (the same pool when
/// none is attached). Cloning is cheap (the pools and the clock are shared).
#[derive(Clone)]
pub struct SeaOrmStore {
    conn: DatabaseConnection,
    /// Work across tenants: see [`Database`].
    platform: DatabaseConnection,
    clock: Arc<dyn Clock>,
    /// This replica's in-memory catalog for browsing, when it keeps one.
    memory_catalog: Option<Arc<MemoryCatalog>>,
    /// This replica's kept hot reads (validations, access facts), when it keeps them.
    kept: Option<Arc<kept_reads::Kept>>,
}

impl std::fmt::Debug for SeaOrmStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SeaOrmStore")
            .field("conn", &self.conn)
            .finish_non_exhaustive()
    }
}

impl SeaOrmStore {
    /// A store over an existing sea-orm connection, stamping times from `clock`.
    #[must_use]
    pub fn new(conn: DatabaseConnection, clock: Arc<dyn Clock>) -> Self {
        Self {
            platform: conn.clone(),
            conn,
            clock,
            memory_catalog: None,
            kept: None,
        }
    }

    /// The same store with work across tenants on `platform`'s pool.
    #[must_use]
    pub fn with_platform(self, platform: DatabaseConnection) -> Self {
        Self { platform, ..self }
    }

    /// The same store, handing browsing an in-memory catalog that re-checks the database's
    /// catalog version at least every `poll` (see [`MemoryCatalog`]). One per replica.
    #[must_use]
    pub fn with_memory_catalog(self, poll: std::time::Duration) -> Self {
        let memory = MemoryCatalog::new(self.clone(), poll);
        Self {
            memory_catalog: Some(Arc::new(memory)),
            ..self
        }
    }

    /// How late, by default, a replica with kept reads answers another replica's change.
    pub const KEPT_READS_BOUND: std::time::Duration = kept_reads::DEFAULT_BOUND;

    /// The same store, keeping license validation reads and access facts in memory for at
    /// most `bound` and until this process commits (see [`KeptReads`]). One per replica.
    #[must_use]
    pub fn with_kept_reads(self, bound: std::time::Duration) -> Self {
        Self {
            kept: Some(Arc::new(kept_reads::Kept::new(bound))),
            ..self
        }
    }

    /// Now, from the store's clock (R-R3: never the system clock directly).
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.clock.now()
    }

    fn backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }
}
