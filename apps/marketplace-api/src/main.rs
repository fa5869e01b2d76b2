//! `marketplace-api`: serves the HTTP API (the default), or runs one of the operational
//! commands (migrate, seed, dev-token, reconcile, renew, expire-purchases, payouts,
//! revenue-example, plan-example, license verify).

use anyhow::Context;
use clap::{Parser, Subcommand};
use marketplace_api::auth::TokenKeys;
use marketplace_api::config::Config;
use marketplace_api::{
    demo, license_check, plan_example, revenue_example, runtime, server, telemetry,
};
use marketplace_domain::access::{Actor, OrgRole, PlatformRole};
use marketplace_domain::ids::{OrgId, UserId};
use marketplace_domain::revenue::YearMonth;
use marketplace_domain::seller::PayoutService;
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
        /// get its webhook); default MARKETPLACE_RECONCILE_AFTER_SECS, as the periodic job.
        #[arg(long)]
        older_than_secs: Option<i64>,
    },
    /// Expire recurring purchases whose access is over (their period, or the grace after
    /// it while a renewal could still be paid).
    ExpirePurchases,
    /// Renew recurring purchases paid by platform credits or invoice whose period has
    /// ended (R-B6), then expire those whose access is over. Safe to run concurrently and
    /// repeatedly: each purchase is renewed once per period.
    Renew,
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
    /// The plan lifecycle worked example on a fresh database: a monthly PRO plan bought
    /// with platform credits, renewed twice, upgraded, refunded in part, then cancelled
    /// and expired; prints the steps, the ledger postings, the balances and the seller's
    /// statements (docs/revenue.md).
    PlanExample {
        /// A fresh database (default: SQLite in memory).
        #[arg(long, default_value = "sqlite::memory:")]
        database_url: String,
    },
    /// License keys, for support staff.
    License {
        #[command(subcommand)]
        command: LicenseCommand,
    },
}

#[derive(Debug, Subcommand)]
enum LicenseCommand {
    /// Print what a vendor's product would decide about a license key, offline: the same
    /// checks with the same public keys (default: the configured signing keys' public
    /// halves). Exits 0 for a license the product runs with, 1 for a refusal.
    Verify {
        /// The license key, `ML1.…`.
        key: String,
        /// A public key, `kid:<base64url>`; repeat for several.
        #[arg(long = "public-key")]
        public_keys: Vec<String>,
        /// A file holding the body of `GET /v1/licenses/keys`.
        #[arg(long)]
        keys_file: Option<std::path::PathBuf>,
        /// The product's clock, Unix seconds (default: now).
        #[arg(long)]
        at: Option<u64>,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if let Some(Command::License {
        command:
            LicenseCommand::Verify {
                key,
                public_keys,
                keys_file,
                at,
            },
    }) = cli.command
    {
        return verify_license(&key, &public_keys, keys_file.as_deref(), at);
    }
    let config = Config::from_env()?;
    telemetry::init(config.log_format, &config.log_filter);
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => server::serve(config).await,
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
            let services = runtime::services(&config).await?;
            let after = older_than_secs.map_or(config.reconcile_after, |secs| {
                chrono::Duration::seconds(secs.max(0))
            });
            let cutoff = services.clock.now() - after;
            let changed = services.checkout.reconcile(cutoff).await?;
            println!("reconciled {changed} order(s)");
            Ok(())
        }
        Command::Renew => {
            let services = runtime::services(&config).await?;
            let report = services.renewals.run_due().await?;
            let expired = services.purchases.expire_due().await?;
            println!(
                "renewed {} purchase(s) with credits, issued {} renewal invoice(s), {} past due, {} already renewed, {} left for the next run; expired {expired} purchase(s)",
                report.collected, report.invoiced, report.past_due, report.skipped, report.failed
            );
            Ok(())
        }
        Command::ExpirePurchases => {
            let services = runtime::services(&config).await?;
            let expired = services.purchases.expire_due().await?;
            println!("expired {expired} purchase(s)");
            Ok(())
        }
        Command::License { .. } => unreachable!("answered before the configuration is read"),
        Command::RevenueExample { database_url } => {
            print!("{}", revenue_example::run(&database_url).await?);
            Ok(())
        }
        Command::PlanExample { database_url } => {
            print!("{}", plan_example::run(&database_url).await?);
            Ok(())
        }
        Command::Payouts { month } => {
            let services = runtime::services(&config).await?;
            let now = services.clock.now();
            let month = match month {
                Some(m) => YearMonth::parse(&m)?,
                None => PayoutService::due_month(now),
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

/// `license verify`: offline, so it runs without a database; the configuration is read
/// only when no public key is given.
fn verify_license(
    key: &str,
    public_keys: &[String],
    keys_file: Option<&std::path::Path>,
    at: Option<u64>,
) -> anyhow::Result<()> {
    let listing = keys_file
        .map(|path| {
            std::fs::read_to_string(path).with_context(|| format!("read {}", path.display()))
        })
        .transpose()?;
    let keyring = if public_keys.is_empty() && listing.is_none() {
        let config = Config::from_env()?;
        let Some(keys) = config.licensing.signing else {
            anyhow::bail!(
                "no public keys: give --public-key kid:<base64url> or --keys-file (the body of GET /v1/licenses/keys), or set MARKETPLACE_LICENSE_SIGNING_KEY"
            );
        };
        keys.keyring().clone()
    } else {
        license_check::keyring(public_keys, listing.as_deref())?
    };
    let now = at.unwrap_or_else(|| u64::try_from(chrono::Utc::now().timestamp()).unwrap_or(0));
    let decision = license_check::decide(keyring, key, now);
    print!("{}", decision.report);
    if decision.valid {
        Ok(())
    } else {
        std::process::exit(1)
    }
}
