//! Wiring: the database, the adapters and the services, built from the configuration.

use std::sync::Arc;

use anyhow::{Context, bail};
use async_trait::async_trait;
use marketplace_domain::checkout::PaymentGateway;
use marketplace_domain::ports::{Clock, SystemClock, UuidV7Ids};
use marketplace_domain::purchase::GracePeriod;
use marketplace_sea_orm::{Database, MemoryCatalog, SeaOrmStore};
use marketplace_stripe::OfflineGateway;
use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::config::{Config, Mode, Payments};
use crate::licensing::{LicensingSetup, OsRandom};
use crate::state::{Ports, Readiness, Services};

/// The database answers, on the tenant pool and the platform pool.
#[derive(Debug)]
struct DbReadiness(Database);

#[async_trait]
impl Readiness for DbReadiness {
    async fn check(&self) -> anyhow::Result<()> {
        self.0.connection().ping().await.context("database ping")?;
        if let Some(platform) = self.0.platform_connection() {
            platform.ping().await.context("platform pool ping")?;
        }
        Ok(())
    }
}

/// Runs the migrations with the owner's connection.
///
/// # Errors
/// When the database cannot be reached or a migration fails.
pub async fn migrate(config: &Config) -> anyhow::Result<()> {
    let owner = Database::connect(&config.migrate_database_url)
        .await
        .context("connect for migrations")?;
    owner.migrate().await.context("run migrations")?;
    owner.close().await.ok();
    Ok(())
}

/// Loads the seed catalog (idempotent).
///
/// # Errors
/// When the database cannot be reached or the seed fails.
pub async fn seed(config: &Config) -> anyhow::Result<marketplace_migrations::SeedReport> {
    let owner = Database::connect(&config.migrate_database_url)
        .await
        .context("connect for seeding")?;
    let report = marketplace_migrations::seed_catalog(owner.connection())
        .await
        .context("seed the catalog")?;
    owner.close().await.ok();
    Ok(report)
}

/// Opens the application's pools. In demo mode the schema, the seed catalog are applied
/// first. On PostgreSQL the tenant pool's role must not bypass row-level security, and a
/// platform pool logs in as `marketplace_platform` (neither a superuser nor BYPASSRLS) for
/// work across tenants (R-T5): production refuses to start otherwise, demo only warns.
///
/// # Errors
/// When the database cannot be reached, or production finds a privileged or missing role.
pub async fn open(config: &Config) -> anyhow::Result<Database> {
    if config.mode == Mode::Demo {
        migrate(config).await?;
        let report = seed(config).await?;
        tracing::info!(?report, "demo: migrations and seed catalog applied");
    }
    let db = Database::connect(&config.database_url)
        .await
        .context("connect to the database")?;
    if db.backend() != DbBackend::Postgres {
        return Ok(db);
    }
    refuse_in_production(
        config.mode,
        role_bypasses_rls(&db).await?,
        "the database role of MARKETPLACE_DATABASE_URL is a superuser or may bypass row-level security; \
         connect as the app role (see docs/operations.md)",
    )?;
    let Some(platform) = &config.platform_database else {
        bail!("MARKETPLACE_PLATFORM_DATABASE_URL is needed on PostgreSQL (see docs/operations.md)");
    };
    if platform.derived {
        tracing::info!(
            role = marketplace_migrations::PLATFORM_ROLE,
            "demo: MARKETPLACE_PLATFORM_DATABASE_URL is not set; the platform pool uses \
             MARKETPLACE_DATABASE_URL with the platform role's default credentials"
        );
    }
    let platform_db = Database::connect(&platform.url)
        .await
        .context("connect the platform pool (MARKETPLACE_PLATFORM_DATABASE_URL)")?;
    refuse_in_production(
        config.mode,
        role_bypasses_rls(&platform_db).await?,
        "the role of MARKETPLACE_PLATFORM_DATABASE_URL is a superuser or may bypass row-level security; \
         connect as marketplace_platform (see docs/operations.md)",
    )?;
    if !is_platform_role(&platform_db).await? {
        bail!(
            "the role of MARKETPLACE_PLATFORM_DATABASE_URL is not {}: work across tenants would see no rows",
            marketplace_migrations::PLATFORM_ROLE
        );
    }
    Ok(db.with_platform(platform_db))
}

/// Production stops on `privileged`; demo mode logs it and goes on.
fn refuse_in_production(mode: Mode, privileged: bool, why: &str) -> anyhow::Result<()> {
    match (privileged, mode) {
        (true, Mode::Production) => bail!("{why}"),
        (true, Mode::Demo) => {
            tracing::warn!("{why} (allowed in demo mode only)");
            Ok(())
        }
        (false, _) => Ok(()),
    }
}

async fn role_bypasses_rls(db: &Database) -> anyhow::Result<bool> {
    let row = db
        .connection()
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user",
        ))
        .await?
        .context("the current role is not in pg_roles")?;
    let superuser: bool = row.try_get("", "rolsuper")?;
    let bypass: bool = row.try_get("", "rolbypassrls")?;
    Ok(superuser || bypass)
}

/// The pool's role is the platform role or one of its members (the policies name it).
async fn is_platform_role(db: &Database) -> anyhow::Result<bool> {
    let row = db
        .connection()
        .query_one_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT pg_has_role(current_user, $1, 'MEMBER') AS member",
            [marketplace_migrations::PLATFORM_ROLE.into()],
        ))
        .await?
        .context("no answer about the platform role")?;
    Ok(row.try_get("", "member")?)
}

/// The payment gateway the configuration names.
///
/// # Errors
/// When Stripe is asked for without its settings, or they are unusable.
pub fn payments(config: &Config) -> anyhow::Result<Arc<dyn PaymentGateway>> {
    match config.payments {
        Payments::Offline => {
            tracing::warn!(
                "payments: OFFLINE gateway: card payments are confirmed at once and no money moves"
            );
            Ok(Arc::new(OfflineGateway::new()))
        }
        Payments::Stripe => {
            let Some(stripe) = &config.stripe else {
                bail!("MARKETPLACE_PAYMENTS=stripe needs MARKETPLACE_STRIPE_SECRET_KEY");
            };
            let settings = if stripe.localstripe {
                marketplace_stripe::StripeConfig::localstripe(&stripe.secret_key, &stripe.api_base)
            } else {
                marketplace_stripe::StripeConfig::new(&stripe.secret_key)
                    .with_api_base(&stripe.api_base)
            };
            let gateway = marketplace_stripe::StripeGateway::new(settings)
                .map_err(|e| anyhow::anyhow!("Stripe gateway: {e}"))?;
            tracing::info!(api_base = %stripe.api_base, localstripe = stripe.localstripe, "payments: Stripe");
            Ok(Arc::new(gateway))
        }
    }
}

/// Stripe Connect for seller payouts when Stripe is configured; `None` offline (demo),
/// where onboarding and the payout run answer that Connect is not configured.
///
/// # Errors
/// When the Stripe settings cannot make a client.
pub fn connect(
    config: &Config,
) -> anyhow::Result<Option<Arc<dyn marketplace_domain::seller::PayoutGateway>>> {
    let Some(stripe) = &config.stripe else {
        return Ok(None);
    };
    let settings = marketplace_stripe::StripeConfig::new(stripe.secret_key.clone())
        .with_api_base(stripe.api_base.clone());
    let connect = marketplace_stripe::StripeConnect::new(settings)
        .map_err(|e| anyhow::anyhow!("Stripe Connect: {e}"))?;
    Ok(Some(Arc::new(connect)))
}

/// Every port over one store, with the payment gateway, Stripe Connect and the licensing
/// keys the configuration names.
///
/// # Errors
/// As [`payments`], [`connect`] and [`LicensingSetup::from_config`].
pub fn all_ports(db: &Database, config: &Config) -> anyhow::Result<Ports> {
    let mut ports = ports_with(db, payments(config)?, LicensingSetup::from_config(config)?);
    ports.payouts = connect(config)?;
    ports.grace = config.grace;
    Ok(ports)
}

/// The services over the configured database and providers, for the operational commands.
///
/// # Errors
/// As [`open`] and [`all_ports`].
pub async fn services(config: &Config) -> anyhow::Result<Services> {
    let db = open(config).await?;
    Ok(Services::new(all_ports(&db, config)?))
}

/// Every port over one store, with licensing keys drawn for this process alone
/// ([`LicensingSetup::ephemeral`]): for tests and one-off runs.
///
/// # Panics
/// When the operating system gives no randomness for the keys.
#[must_use]
pub fn ports(db: &Database, payments: Arc<dyn PaymentGateway>) -> Ports {
    let licensing = LicensingSetup::ephemeral()
        .unwrap_or_else(|e| panic!("no randomness for the licensing keys: {e:#}"));
    ports_with(db, payments, licensing)
}

/// Every port over one store, signing and digesting with `licensing`.
#[must_use]
pub fn ports_with(
    db: &Database,
    payments: Arc<dyn PaymentGateway>,
    licensing: LicensingSetup,
) -> Ports {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let store: SeaOrmStore = db.store_with_clock(clock.clone());
    let store = Arc::new(
        store
            .with_memory_catalog(MemoryCatalog::DEFAULT_POLL)
            .with_kept_reads(SeaOrmStore::KEPT_READS_BOUND),
    );
    Ports {
        api_keys: store.clone(),
        licenses: store.clone(),
        entitlement_feed: store.clone(),
        random: Arc::new(OsRandom),
        licensing,
        catalog: store.clone(),
        plans: store.clone(),
        carts: store.clone(),
        orders: store.clone(),
        purchases: store.clone(),
        renewals: store.clone(),
        holdings: store.clone(),
        orgs: store.clone(),
        reviews: store.clone(),
        payment_events: store.clone(),
        sellers: store.clone(),
        analytics: store.clone(),
        payouts: None,
        module_catalog: store.clone(),
        listings: store.clone(),
        services: store.clone(),
        installations: store.clone(),
        install_log: store.clone(),
        update_notices: store.clone(),
        usage: store.clone(),
        meters: store.clone(),
        meter_registry: store.clone(),
        access_reads: store.clone(),
        audit_trail: store.clone(),
        personal_data: store.clone(),
        claims: store.clone(),
        audit: store,
        payments,
        clock,
        ids: Arc::new(UuidV7Ids),
        readiness: Arc::new(DbReadiness(db.clone())),
        grace: GracePeriod::default(),
    }
}
