//! `marketplace-api`: serves the HTTP API (the default), or runs one of the operational
//! commands (migrate, seed, dev-token, reconcile, expire-purchases, payouts,
//! revenue-example).

use std::time::Duration;

use actix_web::HttpMessage;
use actix_web::dev::Service;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Compress;
use actix_web::{App, HttpServer};
use anyhow::Context;
use clap::{Parser, Subcommand};
use marketplace_api::auth::TokenKeys;
use marketplace_api::config::{Config, Mode};
use marketplace_api::routes::webhooks::WebhookSecret;
use marketplace_api::state::Services;
use marketplace_api::{app, demo, revenue_example, runtime, telemetry};
use marketplace_domain::access::{Actor, OrgRole, PlatformRole};
use marketplace_domain::ids::{OrgId, UserId};
use marketplace_domain::revenue::YearMonth;
use marketplace_domain::seller::PayoutRunError;
use tracing_actix_web::{RequestId, TracingLogger};
use uuid::Uuid;

#[derive(Debug, Parser)]
#[command(
    name = "marketplace-api",
    version,
    about = "The marketplace HTTP service and its operational commands"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve,
    /// Run pending migrations with MARKETPLACE_MIGRATE_DATABASE_URL (the schema owner).
    Migrate,
    /// Load the seed catalog (54 tools, 5 bundles); running it twice changes nothing.
    Seed,
    /// Print a bearer token signed with the configured secret.
    DevToken {
        /// The user id (default: a new one).
        #[arg(long)]
        user: Option<Uuid>,
        /// The org id (default: the demo GROWTH org).
        #[arg(long)]
        org: Option<Uuid>,
        /// OWNER, ADMIN, MEMBER or VIEWER.
        #[arg(long, default_value = "OWNER")]
        org_role: String,
        /// SUPER_ADMIN, ADMIN, MODERATOR, EMPLOYEE or USER.
        #[arg(long, default_value = "USER")]
        platform_role: String,
        /// Hours until it expires.
        #[arg(long, default_value_t = 24)]
        hours: i64,
    },
    /// Fulfil or fail card orders left awaiting payment (a lost webhook loses nothing).
    Reconcile {
        /// Only orders placed at least this many seconds ago (a younger one may still
        /// get its webhook); the periodic job uses 600.
        #[arg(long, default_value_t = 600)]
        older_than_secs: i64,
    },
    /// Expire recurring purchases whose paid period is over.
    ExpirePurchases,
    /// Pay sellers their balance for a month through Stripe Connect (default: the
    /// previous month; from the 5th of the following month). Running it again, or after
    /// a crash, pays nobody twice.
    Payouts {
        /// The month to pay out, YYYY-MM (default: the previous month, UTC).
        #[arg(long)]
        month: Option<String>,
    },
    /// The revenue-share worked example on a fresh database: three sellers, a bundle of
    /// one tool of each, a sale and a partial refund; prints the ledger postings, the
    /// balances, the three statements and the revenue report (docs/revenue.md).
    RevenueExample {
        /// A fresh database (default: SQLite in memory).
        #[arg(long, default_value = "sqlite::memory:")]
        database_url: String,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let config = Config::from_env()?;
    telemetry::init(config.log_format, &config.log_filter);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            runtime::migrate(&config).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Seed => {
            let report = runtime::seed(&config).await?;
            println!("{report:?}");
            Ok(())
        }
        Command::DevToken {
            user,
            org,
            org_role,
            platform_role,
            hours,
        } => {
            let actor = Actor {
                user_id: UserId::from_uuid(user.unwrap_or_else(Uuid::new_v4)),
                org_id: org.map_or(demo::ORGS[2].id, OrgId::from_uuid),
                org_role: org_role
                    .to_uppercase()
                    .parse::<OrgRole>()
                    .map_err(|e| anyhow::anyhow!(e))?,
                platform_role: platform_role
                    .to_uppercase()
                    .parse::<PlatformRole>()
                    .map_err(|e| anyhow::anyhow!(e))?,
            };
            let keys = TokenKeys::new(&config.jwt_secret, &config.jwt_issuer);
            println!("{}", keys.issue(&actor, chrono::Duration::hours(hours))?);
            Ok(())
        }
        Command::Reconcile { older_than_secs } => {
            let services = services(&config).await?;
            let cutoff = chrono::Utc::now() - chrono::Duration::seconds(older_than_secs.max(0));
            let changed = services.checkout.reconcile(cutoff).await?;
            println!("reconciled {changed} order(s)");
            Ok(())
        }
        Command::ExpirePurchases => {
            let services = services(&config).await?;
            let expired = services.purchases.expire_due().await?;
            println!("expired {expired} purchase(s)");
            Ok(())
        }
        Command::RevenueExample { database_url } => {
            print!("{}", revenue_example::run(&database_url).await?);
            Ok(())
        }
        Command::Payouts { month } => {
            let services = services(&config).await?;
            let now = chrono::Utc::now();
            let month = match month {
                Some(m) => YearMonth::parse(&m)?,
                None => previous_month(now),
            };
            let report = services.payouts.run(month, now).await?;
            println!("payouts of {}:", report.month);
            for r in &report.results {
                println!(
                    "  {} {} ({}): {:?}",
                    r.month, r.seller_name, r.seller_id, r.outcome
                );
            }
            if report.has_problems() {
                anyhow::bail!(
                    "some payouts failed or are pending; the next run finishes pending ones"
                );
            }
            Ok(())
        }
    }
}

/// The month before the one `now` falls in (UTC).
fn previous_month(now: chrono::DateTime<chrono::Utc>) -> YearMonth {
    use chrono::Datelike;
    let days = u64::from(now.day());
    YearMonth::of(now.checked_sub_days(chrono::Days::new(days)).unwrap_or(now))
}

async fn services(config: &Config) -> anyhow::Result<Services> {
    let db = runtime::open(config).await?;
    let mut ports = runtime::ports(&db, runtime::payments(config)?);
    ports.payouts = runtime::connect(config)?;
    Ok(Services::new(ports))
}

async fn serve(config: Config) -> anyhow::Result<()> {
    let db = runtime::open(&config).await?;
    let mut ports = runtime::ports(&db, runtime::payments(&config)?);
    ports.payouts = runtime::connect(&config)?;
    if config.mode == Mode::Demo {
        demo::provision(&ports.orgs)
            .await
            .context("provision the demo orgs")?;
    }
    let services = Services::new(ports);
    let keys = TokenKeys::new(&config.jwt_secret, &config.jwt_issuer);
    spawn_jobs(services.clone());

    let webhook_secret = WebhookSecret(config.stripe.as_ref().map(|s| s.webhook_secret.clone()));
    let server = {
        let (services, keys) = (services.clone(), keys.clone());
        HttpServer::new(move || {
            App::new()
                .wrap(Compress::default())
                .wrap_fn(|req, srv| {
                    // The request id the tracing span carries, echoed to the caller.
                    let id = req.extensions().get::<RequestId>().map(ToString::to_string);
                    let call = srv.call(req);
                    async move {
                        let mut res = call.await?;
                        if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
                            res.headers_mut()
                                .insert(HeaderName::from_static("x-request-id"), value);
                        }
                        Ok(res)
                    }
                })
                .wrap(TracingLogger::default())
                .configure(app::configure_with_webhooks(
                    services.clone(),
                    keys.clone(),
                    webhook_secret.clone(),
                ))
        })
        .bind(config.bind)
        .with_context(|| format!("bind {}", config.bind))?
        .shutdown_timeout(30)
        .run()
    };
    announce(&config, &keys)?;
    server.await.context("server")?;
    tracing::info!("stopped");
    Ok(())
}

/// Says where the service listens and how to get a token.
fn announce(config: &Config, keys: &TokenKeys) -> anyhow::Result<()> {
    let base = format!("http://{}", config.bind);
    tracing::info!(mode = ?config.mode, "marketplace API listening on {base} (docs: {base}/docs, spec: {base}/openapi.json)");
    if config.mode == Mode::Demo {
        let mut text = format!(
            "\n  Marketplace demo listening on {base}\n  Docs: {base}/docs   Health: {base}/healthz\n  Tokens (valid 24 h; more with `marketplace-api dev-token --help`):\n"
        );
        for (who, token) in demo::tokens(keys)? {
            text.push_str(&format!("\n  {who}:\n    export TOKEN={token}\n"));
        }
        text.push_str(&format!(
            "\n  Try: curl -H \"Authorization: Bearer $TOKEN\" {base}/v1/tools?limit=5\n"
        ));
        tracing::info!("{text}");
    } else {
        tracing::info!(
            "get a token from your identity provider (HS256, issuer {})",
            config.jwt_issuer
        );
    }
    Ok(())
}

/// Periodic jobs: expiry of recurring purchases and reconciliation of card payments
/// every minute; seller payouts of the previous month every hour (from the 5th; a
/// finished month is a no-op, a pending payout is finished under the same key).
fn spawn_jobs(services: Services) {
    if services.payouts.is_configured() {
        let payouts = services.payouts.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(3600));
            loop {
                tick.tick().await;
                let now = chrono::Utc::now();
                match payouts.run(previous_month(now), now).await {
                    Ok(report) if report.has_problems() => {
                        tracing::warn!(?report, "payout run left problems; retrying next hour");
                    }
                    Ok(_) | Err(PayoutRunError::TooEarly { .. }) => {}
                    Err(e) => tracing::warn!(error = ?e, "payout job failed; retrying next hour"),
                }
            }
        });
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(60));
        loop {
            tick.tick().await;
            if let Err(e) = services.purchases.expire_due().await {
                tracing::warn!(error = ?e, "expiry job failed; retrying next minute");
            }
            let cutoff = chrono::Utc::now() - chrono::Duration::minutes(10);
            if let Err(e) = services.checkout.reconcile(cutoff).await {
                tracing::warn!(error = ?e, "reconciliation job failed; retrying next minute");
            }
        }
    });
}
