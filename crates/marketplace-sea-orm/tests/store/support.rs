//! A database per test: a fresh SQLite file, or a fresh PostgreSQL database migrated as the
//! owner and used through the app role the migrations create.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use marketplace_domain::ids::{OrgId, UserId};
use marketplace_domain::ports::RepoError;
use marketplace_domain::revenue::SellerTerms;
use marketplace_domain::seller::{
    PayoutSettings, Seller, SellerName, SellerParts, SellerRepository,
};
use marketplace_migrations::{
    APP_ROLE, APP_ROLE_DEFAULT_PASSWORD, PLATFORM_ROLE, PLATFORM_ROLE_DEFAULT_PASSWORD,
};
use marketplace_sea_orm::{Database, SeaOrmStore};
use marketplace_testkit::contract::{ContractPorts, Seeder};
use sea_orm::{ConnectionTrait, DbBackend, Statement};

/// Where the tests find PostgreSQL (as a superuser that may create databases).
pub fn admin_url() -> String {
    std::env::var("MARKETPLACE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn postgres_required() -> bool {
    std::env::var("MARKETPLACE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1")
}

fn with_database(url: &str, db: &str, user: Option<(&str, &str)>) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let rest = rest.split_once('@').map_or(rest, |(_, host)| host);
    let host = rest.split('/').next().unwrap_or(rest);
    let creds = match user {
        Some((u, p)) => format!("{u}:{p}@"),
        None => url
            .split_once("://")
            .and_then(|(_, r)| r.split_once('@'))
            .map(|(c, _)| format!("{c}@"))
            .unwrap_or_default(),
    };
    format!("{scheme}://{creds}{host}/{db}")
}

/// Drops the test's PostgreSQL database even when the test panics.
struct DropDatabase {
    name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let name = std::mem::take(&mut self.name);
        // A runtime of its own: Drop may run inside (or outside) the test's runtime.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async move {
                if let Ok(admin) = Database::connect_with(&admin_url(), 1).await {
                    let _ = admin
                        .connection()
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

/// One test's database.
pub struct TestDb {
    /// The store's pools: SQLite's one connection, or PostgreSQL as the app role with a
    /// platform pool as the platform role.
    pub app: Database,
    /// PostgreSQL as the schema owner (None on SQLite).
    pub owner: Option<Database>,
    _drop: Option<DropDatabase>,
    sqlite_file: Option<std::path::PathBuf>,
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let path = std::env::temp_dir().join(format!(
            "marketplace-test-{}.db",
            uuid::Uuid::new_v4().simple()
        ));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let app = Database::connect(&url).await.expect("open SQLite");
        app.migrate().await.expect("migrate SQLite");
        Self {
            app,
            owner: None,
            _drop: None,
            sqlite_file: Some(path),
        }
    }

    /// A fresh PostgreSQL database, or `None` (said on stderr) when PostgreSQL is not
    /// reachable and not required.
    pub async fn postgres(test: &str) -> Option<Self> {
        Self::postgres_with_pool(test, 10).await
    }

    pub async fn postgres_with_pool(test: &str, pool: u32) -> Option<Self> {
        let admin = match tokio::time::timeout(
            Duration::from_secs(5),
            Database::connect_with(&admin_url(), 1),
        )
        .await
        {
            Ok(Ok(db)) => db,
            other => {
                let why = match other {
                    Ok(Err(e)) => e.to_string(),
                    _ => "timed out".to_owned(),
                };
                assert!(
                    !postgres_required(),
                    "MARKETPLACE_REQUIRE_POSTGRES=1 but PostgreSQL at {} is unreachable: {why}",
                    admin_url()
                );
                eprintln!(
                    "SKIPPED {test} on PostgreSQL: {} unreachable ({why}); set MARKETPLACE_REQUIRE_POSTGRES=1 to fail instead",
                    admin_url()
                );
                return None;
            }
        };
        let name = format!("mp_test_{}", uuid::Uuid::new_v4().simple());
        admin
            .connection()
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create the test database");
        admin.close().await.ok();
        let guard = DropDatabase { name: name.clone() };
        let owner = Database::connect_with(&with_database(&admin_url(), &name, None), 2)
            .await
            .expect("connect as owner");
        owner.migrate().await.expect("migrate PostgreSQL");
        let app_url = with_database(
            &admin_url(),
            &name,
            Some((APP_ROLE, APP_ROLE_DEFAULT_PASSWORD)),
        );
        let app = Database::connect_with(&app_url, pool)
            .await
            .expect("connect as the app role");
        let platform_url = with_database(
            &admin_url(),
            &name,
            Some((PLATFORM_ROLE, PLATFORM_ROLE_DEFAULT_PASSWORD)),
        );
        let platform = Database::connect_with(&platform_url, pool)
            .await
            .expect("connect as the platform role");
        let app = app.with_platform(platform);
        Some(Self {
            app,
            owner: Some(owner),
            _drop: Some(guard),
            sqlite_file: None,
        })
    }

    pub fn store(&self) -> SeaOrmStore {
        self.app.store()
    }

    pub fn ports(&self) -> ContractPorts {
        let store = Arc::new(self.store());
        ContractPorts {
            catalog: store.clone(),
            plans: store.clone(),
            carts: store.clone(),
            orgs: store.clone(),
            orders: store.clone(),
            purchases: store.clone(),
            holdings: store.clone(),
            reviews: store.clone(),
            seeder: Arc::new(Seed(self.store())),
        }
    }

    /// Closes the pools (the database is dropped by the guard).
    pub async fn finish(self) {
        let Self {
            app,
            owner,
            sqlite_file,
            _drop,
            ..
        } = self;
        app.close().await.ok();
        if let Some(o) = owner {
            o.close().await.ok();
        }
        if let Some(path) = sqlite_file {
            let _ = std::fs::remove_file(path);
        }
        drop(_drop);
    }
}

/// The contract's seeder over the store's seller repository.
pub struct Seed(pub SeaOrmStore);

#[async_trait]
impl Seeder for Seed {
    async fn insert_seller(&self, terms: &SellerTerms) -> Result<(), RepoError> {
        let seller = Seller::restore(SellerParts {
            id: terms.seller_id,
            name: SellerName::parse(&format!("Seller {}", terms.seller_id))
                .expect("a generated name is valid"),
            kind: terms.kind,
            fee_rate: terms.fee_rate,
            org_id: None,
            connect: None,
            payout: PayoutSettings::default(),
            created_at: marketplace_testkit::builders::t0(),
        });
        SellerRepository::upsert(&self.0, &seller).await
    }

    async fn insert_user(&self, _user: UserId, _org: OrgId) -> Result<(), RepoError> {
        Ok(())
    }
}

/// Runs `sql` with `$n` parameters on PostgreSQL.
pub fn pg(sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}
