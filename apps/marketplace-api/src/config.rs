//! Configuration from environment variables (listed in the README). Demo mode has a
//! default for everything; production mode refuses to start without the settings that
//! must never be defaulted.

use std::net::SocketAddr;

use anyhow::{Context, bail};

/// How the service runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Embedded defaults: SQLite file, demo data, offline payments.
    Demo,
    Production,
}

/// Which payment gateway takes card payments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Payments {
    /// Confirms at once; moves no money (demo only).
    Offline,
    Stripe,
}

/// Log output.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Stripe settings.
#[derive(Clone, Debug)]
pub struct StripeConfig {
    pub secret_key: String,
    pub webhook_secret: String,
    pub api_base: String,
    /// The API is localstripe (a fake Stripe for tests), which needs a few quirks.
    pub localstripe: bool,
}

/// Everything the service reads from its environment.
#[derive(Clone, Debug)]
pub struct Config {
    pub mode: Mode,
    pub bind: SocketAddr,
    pub database_url: String,
    /// The owner's connection, for migrations (PostgreSQL); defaults to `database_url`.
    pub migrate_database_url: String,
    pub jwt_secret: String,
    pub jwt_issuer: String,
    pub payments: Payments,
    pub stripe: Option<StripeConfig>,
    pub log_format: LogFormat,
    pub log_filter: String,
    /// How long a card order may wait for its payment confirmation before reconciliation
    /// asks the provider about it (a younger one may still get its webhook).
    pub reconcile_after: chrono::Duration,
}

/// The demo's signing secret: public on purpose, accepted only in demo mode.
pub const DEMO_JWT_SECRET: &str = "marketplace-demo-secret-change-me-in-production";
/// The demo's token issuer.
pub const DEMO_JWT_ISSUER: &str = "marketplace-demo";
/// The demo's database: a SQLite file in the working directory.
pub const DEMO_DATABASE_URL: &str = "sqlite://marketplace.sqlite?mode=rwc";
/// Stripe's API.
pub const STRIPE_API_BASE: &str = "https://api.stripe.com";
/// Seconds a card order waits for its webhook before reconciliation asks the provider.
pub const DEFAULT_RECONCILE_AFTER_SECS: i64 = 600;

impl Config {
    /// Reads the process environment.
    ///
    /// # Errors
    /// A message naming each missing or malformed variable.
    pub fn from_env() -> anyhow::Result<Self> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads configuration through `get`, so tests need not touch the process environment.
    ///
    /// # Errors
    /// As [`Config::from_env`].
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let var = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let mode = match var("MARKETPLACE_MODE").as_deref() {
            None | Some("demo") => Mode::Demo,
            Some("production") => Mode::Production,
            Some(other) => bail!("MARKETPLACE_MODE must be `demo` or `production`, not {other:?}"),
        };
        let demo = mode == Mode::Demo;
        let mut missing = Vec::new();
        let mut required = |key: &'static str, demo_default: &str| match var(key) {
            Some(v) => v,
            None if demo => demo_default.to_owned(),
            None => {
                missing.push(key);
                String::new()
            }
        };
        let database_url = required("MARKETPLACE_DATABASE_URL", DEMO_DATABASE_URL);
        let jwt_secret = required("MARKETPLACE_JWT_SECRET", DEMO_JWT_SECRET);
        let payments = match var("MARKETPLACE_PAYMENTS").as_deref() {
            None if demo => Payments::Offline,
            Some("offline") if demo => Payments::Offline,
            None | Some("stripe") => Payments::Stripe,
            Some("offline") => {
                bail!("MARKETPLACE_PAYMENTS=offline is for demo mode only: it moves no money")
            }
            Some(other) => {
                bail!("MARKETPLACE_PAYMENTS must be `offline` or `stripe`, not {other:?}")
            }
        };
        let stripe = if payments == Payments::Stripe {
            let mut stripe_required = |key: &'static str| {
                var(key).unwrap_or_else(|| {
                    missing.push(key);
                    String::new()
                })
            };
            let secret_key = stripe_required("MARKETPLACE_STRIPE_SECRET_KEY");
            let webhook_secret = stripe_required("MARKETPLACE_STRIPE_WEBHOOK_SECRET");
            let api_base =
                var("MARKETPLACE_STRIPE_API_BASE").unwrap_or_else(|| STRIPE_API_BASE.to_owned());
            let localstripe = var("MARKETPLACE_STRIPE_FLAVOR").as_deref() == Some("localstripe");
            Some(StripeConfig {
                secret_key,
                webhook_secret,
                api_base,
                localstripe,
            })
        } else {
            None
        };
        if !missing.is_empty() {
            bail!("production mode needs {}", missing.join(", "));
        }
        if !demo && jwt_secret == DEMO_JWT_SECRET {
            bail!("MARKETPLACE_JWT_SECRET must not be the public demo secret in production");
        }
        let bind = var("MARKETPLACE_BIND")
            .unwrap_or_else(|| "127.0.0.1:8080".to_owned())
            .parse()
            .context("MARKETPLACE_BIND must be an address such as 127.0.0.1:8080")?;
        let (log_format, log_filter) = parse_log(var("MARKETPLACE_LOG").as_deref())?;
        let reconcile_after = match var("MARKETPLACE_RECONCILE_AFTER_SECS") {
            None => DEFAULT_RECONCILE_AFTER_SECS,
            Some(raw) => raw
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|secs| *secs >= 0)
                .with_context(|| {
                    format!(
                        "MARKETPLACE_RECONCILE_AFTER_SECS must be a number of seconds, not {raw:?}"
                    )
                })?,
        };
        Ok(Self {
            mode,
            bind,
            migrate_database_url: var("MARKETPLACE_MIGRATE_DATABASE_URL")
                .unwrap_or_else(|| database_url.clone()),
            database_url,
            jwt_secret,
            jwt_issuer: var("MARKETPLACE_JWT_ISSUER").unwrap_or_else(|| DEMO_JWT_ISSUER.to_owned()),
            payments,
            stripe,
            log_format,
            log_filter,
            reconcile_after: chrono::Duration::seconds(reconcile_after),
        })
    }
}

/// `MARKETPLACE_LOG`: `pretty` or `json`, optionally followed by a comma and a tracing
/// filter (`json,info,marketplace_api=debug`).
fn parse_log(raw: Option<&str>) -> anyhow::Result<(LogFormat, String)> {
    let raw = raw.unwrap_or("pretty");
    let (head, filter) = raw.split_once(',').map_or((raw, "info"), |(h, f)| (h, f));
    let format = match head {
        "pretty" => LogFormat::Pretty,
        "json" => LogFormat::Json,
        other => bail!("MARKETPLACE_LOG must start with `pretty` or `json`, not {other:?}"),
    };
    Ok((format, filter.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(vars: &[(&str, &str)]) -> anyhow::Result<Config> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn demo_mode_defaults_everything() {
        let c = config(&[]).unwrap();
        assert_eq!(c.mode, Mode::Demo);
        assert_eq!(c.payments, Payments::Offline);
        assert_eq!(c.database_url, DEMO_DATABASE_URL);
        assert_eq!(c.bind.to_string(), "127.0.0.1:8080");
        assert_eq!(c.log_format, LogFormat::Pretty);
        assert_eq!(c.reconcile_after, chrono::Duration::minutes(10));
    }

    #[test]
    fn the_reconciliation_delay_is_a_number_of_seconds() {
        let c = config(&[("MARKETPLACE_RECONCILE_AFTER_SECS", "90")]).unwrap();
        assert_eq!(c.reconcile_after, chrono::Duration::seconds(90));
        assert!(config(&[("MARKETPLACE_RECONCILE_AFTER_SECS", "soon")]).is_err());
        assert!(config(&[("MARKETPLACE_RECONCILE_AFTER_SECS", "-1")]).is_err());
    }

    #[test]
    fn production_refuses_to_start_without_its_settings_and_names_them() {
        let err = config(&[("MARKETPLACE_MODE", "production")])
            .unwrap_err()
            .to_string();
        for key in [
            "MARKETPLACE_DATABASE_URL",
            "MARKETPLACE_JWT_SECRET",
            "MARKETPLACE_STRIPE_SECRET_KEY",
            "MARKETPLACE_STRIPE_WEBHOOK_SECRET",
        ] {
            assert!(err.contains(key), "{err}");
        }
    }

    #[test]
    fn production_refuses_offline_payments_and_the_demo_secret() {
        let base = [
            ("MARKETPLACE_MODE", "production"),
            ("MARKETPLACE_DATABASE_URL", "postgres://app@db/marketplace"),
            (
                "MARKETPLACE_JWT_SECRET",
                "s3cret-s3cret-s3cret-s3cret-s3cret",
            ),
        ];
        let mut offline = base.to_vec();
        offline.push(("MARKETPLACE_PAYMENTS", "offline"));
        assert!(config(&offline).is_err());
        let mut demo_secret = base.to_vec();
        demo_secret[2] = ("MARKETPLACE_JWT_SECRET", DEMO_JWT_SECRET);
        demo_secret.push(("MARKETPLACE_STRIPE_SECRET_KEY", "sk_test"));
        demo_secret.push(("MARKETPLACE_STRIPE_WEBHOOK_SECRET", "whsec"));
        assert!(config(&demo_secret).is_err());
    }

    #[test]
    fn log_setting_takes_a_format_and_a_filter() {
        let c = config(&[("MARKETPLACE_LOG", "json,debug")]).unwrap();
        assert_eq!(
            (c.log_format, c.log_filter.as_str()),
            (LogFormat::Json, "debug")
        );
        assert!(config(&[("MARKETPLACE_LOG", "xml")]).is_err());
    }
}
