//! Configuration from environment variables (listed in the README). Demo mode has a
//! default for everything; production mode refuses to start without the settings that
//! must never be defaulted.

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::{Context, bail};
use marketplace_licensing::license::SigningKeys;

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

/// Licensing settings: the license signing keys and the API key digest secret.
#[derive(Clone, Debug)]
pub struct LicensingConfig {
    /// `MARKETPLACE_LICENSE_SIGNING_KEY` (`kid:<base64url 32-byte seed>`) with the older
    /// public keys of `MARKETPLACE_LICENSE_PUBLIC_KEYS` (`kid:<base64url key>`, comma
    /// separated). `None` in demo mode when unset: one is generated at start.
    pub signing: Option<Arc<SigningKeys>>,
    /// `MARKETPLACE_API_KEY_SECRET`: API keys are stored as HMAC-SHA256 digests under it
    /// (at least 32 bytes).
    pub api_key_secret: String,
    /// `MARKETPLACE_API_KEY_PREVIOUS_SECRETS` (comma separated): keys digested under them
    /// still authenticate, and are moved to the current secret on use.
    pub api_key_previous_secrets: Vec<String>,
}

/// Where the platform pool connects (as `marketplace_platform`), and whether the URL was
/// given or derived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformDatabase {
    pub url: String,
    /// Demo mode derived it from `MARKETPLACE_DATABASE_URL` with the platform role's
    /// default credentials.
    pub derived: bool,
}

/// Everything the service reads from its environment.
#[derive(Clone, Debug)]
pub struct Config {
    pub mode: Mode,
    pub bind: SocketAddr,
    pub database_url: String,
    /// The owner's connection, for migrations (PostgreSQL); defaults to `database_url`.
    pub migrate_database_url: String,
    /// The platform pool, for work across tenants (PostgreSQL only, R-T5).
    pub platform_database: Option<PlatformDatabase>,
    pub jwt_secret: String,
    pub jwt_issuer: String,
    pub payments: Payments,
    pub stripe: Option<StripeConfig>,
    pub log_format: LogFormat,
    pub log_filter: String,
    /// How long a card order may wait for its payment confirmation before reconciliation
    /// asks the provider about it (a younger one may still get its webhook).
    pub reconcile_after: chrono::Duration,
    pub licensing: LicensingConfig,
    /// `MARKETPLACE_GRACE_DAYS` (0 to 30, default 3): how long a recurring purchase keeps
    /// access after its period while its renewal may still be paid (R-B5).
    pub grace: marketplace_domain::purchase::GracePeriod,
    /// Requests per minute per API key, user and client address (R-T7):
    /// `MARKETPLACE_RATE_LIMIT_API_KEY`, `_USER`, `_IP` (a number, or `off`), and
    /// `MARKETPLACE_TRUST_FORWARDED=true` behind a proxy that sets `X-Forwarded-For`.
    pub rate_limits: crate::rate_limit::Limits,
}

/// The demo's signing secret: public on purpose, accepted only in demo mode.
pub const DEMO_JWT_SECRET: &str = "marketplace-demo-secret-change-me-in-production";
/// The demo's token issuer.
pub const DEMO_JWT_ISSUER: &str = "marketplace-demo";
/// The demo's database: a SQLite file in the working directory.
pub const DEMO_DATABASE_URL: &str = "sqlite://marketplace.sqlite?mode=rwc";
/// The demo's API key digest secret: public on purpose, accepted only in demo mode.
pub const DEMO_API_KEY_SECRET: &str = "marketplace-demo-api-key-secret-change-me";
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
        let api_key_secret = required("MARKETPLACE_API_KEY_SECRET", DEMO_API_KEY_SECRET);
        let signing_key = var("MARKETPLACE_LICENSE_SIGNING_KEY");
        if signing_key.is_none() && !demo {
            missing.push("MARKETPLACE_LICENSE_SIGNING_KEY");
        }
        let platform_database = match var("MARKETPLACE_PLATFORM_DATABASE_URL") {
            Some(url) => Some(PlatformDatabase {
                url,
                derived: false,
            }),
            None if !is_postgres(&database_url) => None,
            None if demo => Some(PlatformDatabase {
                url: with_platform_role(&database_url),
                derived: true,
            }),
            None => {
                missing.push("MARKETPLACE_PLATFORM_DATABASE_URL");
                None
            }
        };
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
        if !demo && api_key_secret == DEMO_API_KEY_SECRET {
            bail!("MARKETPLACE_API_KEY_SECRET must not be the public demo secret in production");
        }
        let licensing = LicensingConfig {
            signing: signing_key
                .map(|active| {
                    let older = list(var("MARKETPLACE_LICENSE_PUBLIC_KEYS").as_deref());
                    let older: Vec<&str> = older.iter().map(String::as_str).collect();
                    SigningKeys::from_config(active.trim(), &older).map(Arc::new)
                })
                .transpose()
                .context("MARKETPLACE_LICENSE_SIGNING_KEY, MARKETPLACE_LICENSE_PUBLIC_KEYS")?,
            api_key_secret,
            api_key_previous_secrets: list(var("MARKETPLACE_API_KEY_PREVIOUS_SECRETS").as_deref()),
        };
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
        let grace = match var("MARKETPLACE_GRACE_DAYS") {
            None => marketplace_domain::purchase::GracePeriod::default(),
            Some(raw) => raw
                .trim()
                .parse::<u32>()
                .ok()
                .and_then(|days| marketplace_domain::purchase::GracePeriod::days(days).ok())
                .with_context(|| {
                    format!(
                        "MARKETPLACE_GRACE_DAYS must be a number of days from 0 to 30, not {raw:?}"
                    )
                })?,
        };
        let rate_limits = rate_limits(&var)?;
        Ok(Self {
            mode,
            bind,
            migrate_database_url: var("MARKETPLACE_MIGRATE_DATABASE_URL")
                .unwrap_or_else(|| database_url.clone()),
            database_url,
            platform_database,
            jwt_secret,
            jwt_issuer: var("MARKETPLACE_JWT_ISSUER").unwrap_or_else(|| DEMO_JWT_ISSUER.to_owned()),
            payments,
            stripe,
            log_format,
            log_filter,
            reconcile_after: chrono::Duration::seconds(reconcile_after),
            licensing,
            grace,
            rate_limits,
        })
    }
}

/// The rate limits: each `MARKETPLACE_RATE_LIMIT_*` is requests per minute or `off`;
/// unset keeps the default.
fn rate_limits(var: &impl Fn(&str) -> Option<String>) -> anyhow::Result<crate::rate_limit::Limits> {
    use std::num::NonZeroU32;
    let defaults = crate::rate_limit::Limits::DEFAULT;
    let per_minute = |key: &str, default: Option<NonZeroU32>| match var(key) {
        None => Ok(default),
        Some(raw) if raw.trim().eq_ignore_ascii_case("off") => Ok(None),
        Some(raw) => raw.trim().parse::<NonZeroU32>().map(Some).with_context(|| {
            format!(
                "{key} must be a number of requests per minute (at least 1) or `off`, not {raw:?}"
            )
        }),
    };
    let trust_forwarded = match var("MARKETPLACE_TRUST_FORWARDED").as_deref().map(str::trim) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            bail!("MARKETPLACE_TRUST_FORWARDED must be `true` or `false`, not {other:?}")
        }
    };
    Ok(crate::rate_limit::Limits {
        api_key: per_minute("MARKETPLACE_RATE_LIMIT_API_KEY", defaults.api_key)?,
        user: per_minute("MARKETPLACE_RATE_LIMIT_USER", defaults.user)?,
        ip: per_minute("MARKETPLACE_RATE_LIMIT_IP", defaults.ip)?,
        trust_forwarded,
    })
}

/// A comma-separated list, entries trimmed, empty ones dropped.
fn list(raw: Option<&str>) -> Vec<String> {
    raw.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

fn is_postgres(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// `url` with the platform role's default credentials in place of its own (demo only).
fn with_platform_role(url: &str) -> String {
    use marketplace_migrations::{PLATFORM_ROLE, PLATFORM_ROLE_DEFAULT_PASSWORD};
    let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
    let rest = rest.split_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{PLATFORM_ROLE}:{PLATFORM_ROLE_DEFAULT_PASSWORD}@{rest}")
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
    }

    #[test]
    fn r_b5_the_grace_is_three_days_unless_configured_and_at_most_thirty() {
        use marketplace_domain::purchase::GracePeriod;
        assert_eq!(config(&[]).unwrap().grace, GracePeriod::default());
        assert_eq!(
            config(&[("MARKETPLACE_GRACE_DAYS", "7")]).unwrap().grace,
            GracePeriod::days(7).unwrap()
        );
        assert!(config(&[("MARKETPLACE_GRACE_DAYS", "31")]).is_err());
        assert!(config(&[("MARKETPLACE_GRACE_DAYS", "three")]).is_err());
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
            "MARKETPLACE_API_KEY_SECRET",
            "MARKETPLACE_LICENSE_SIGNING_KEY",
        ] {
            assert!(err.contains(key), "{err}");
        }
    }

    /// 32 bytes in base64url, as configuration holds a seed or a public key.
    fn b64(bytes: &[u8; 32]) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn r_l2_the_signing_key_and_older_public_keys_come_from_configuration() {
        let older = marketplace_license::SigningKey::from_seed(
            marketplace_license::Kid::parse("2025-01").unwrap(),
            &[1; 32],
        )
        .public_key();
        let c = config(&[
            (
                "MARKETPLACE_LICENSE_SIGNING_KEY",
                &format!("2026-01:{}", b64(&[2; 32])),
            ),
            (
                "MARKETPLACE_LICENSE_PUBLIC_KEYS",
                &format!(" 2025-01:{} ,", older.to_base64url()),
            ),
        ])
        .unwrap();
        let keys = c.licensing.signing.unwrap();
        assert_eq!(keys.active().kid().as_str(), "2026-01");
        let kids: Vec<&str> = keys.keyring().iter().map(|k| k.kid().as_str()).collect();
        assert_eq!(kids, ["2025-01", "2026-01"]);

        let err = config(&[("MARKETPLACE_LICENSE_SIGNING_KEY", "no-colon")]).unwrap_err();
        assert!(
            format!("{err:#}").contains("MARKETPLACE_LICENSE_SIGNING_KEY"),
            "{err:#}"
        );
        assert!(
            config(&[]).unwrap().licensing.signing.is_none(),
            "demo mode generates one at start"
        );
    }

    #[test]
    fn r_a2_production_refuses_the_demo_api_key_secret() {
        let err = config(&[
            ("MARKETPLACE_MODE", "production"),
            ("MARKETPLACE_DATABASE_URL", "postgres://app@db/marketplace"),
            (
                "MARKETPLACE_JWT_SECRET",
                "s3cret-s3cret-s3cret-s3cret-s3cret",
            ),
            ("MARKETPLACE_STRIPE_SECRET_KEY", "sk_test"),
            ("MARKETPLACE_STRIPE_WEBHOOK_SECRET", "whsec"),
            ("MARKETPLACE_API_KEY_SECRET", DEMO_API_KEY_SECRET),
            (
                "MARKETPLACE_LICENSE_SIGNING_KEY",
                &format!("k:{}", b64(&[2; 32])),
            ),
            (
                "MARKETPLACE_PLATFORM_DATABASE_URL",
                "postgres://marketplace_platform:s3cret@db/marketplace",
            ),
        ])
        .unwrap_err();
        assert!(
            err.to_string().contains("MARKETPLACE_API_KEY_SECRET"),
            "{err}"
        );
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
    fn r_t5_production_on_postgres_refuses_to_start_without_the_platform_pool() {
        let signing_key = format!("k:{}", b64(&[2; 32]));
        let base = [
            ("MARKETPLACE_MODE", "production"),
            (
                "MARKETPLACE_DATABASE_URL",
                "postgres://app:pw@db:5432/marketplace",
            ),
            (
                "MARKETPLACE_JWT_SECRET",
                "s3cret-s3cret-s3cret-s3cret-s3cret",
            ),
            ("MARKETPLACE_STRIPE_SECRET_KEY", "sk_test"),
            ("MARKETPLACE_STRIPE_WEBHOOK_SECRET", "whsec"),
            (
                "MARKETPLACE_API_KEY_SECRET",
                "k3y-s3cret-k3y-s3cret-k3y-s3cret-k3y",
            ),
            ("MARKETPLACE_LICENSE_SIGNING_KEY", signing_key.as_str()),
        ];
        let err = config(&base).unwrap_err().to_string();
        assert!(err.contains("MARKETPLACE_PLATFORM_DATABASE_URL"), "{err}");
        let mut given = base.to_vec();
        given.push((
            "MARKETPLACE_PLATFORM_DATABASE_URL",
            "postgres://marketplace_platform:s3cret@db:5432/marketplace",
        ));
        let c = config(&given).unwrap();
        assert_eq!(
            c.platform_database,
            Some(PlatformDatabase {
                url: "postgres://marketplace_platform:s3cret@db:5432/marketplace".to_owned(),
                derived: false,
            })
        );
    }

    #[test]
    fn r_t5_demo_on_postgres_derives_the_platform_pool_and_says_so() {
        let c = config(&[(
            "MARKETPLACE_DATABASE_URL",
            "postgres://marketplace_app:marketplace_app@localhost:5432/demo",
        )])
        .unwrap();
        assert_eq!(
            c.platform_database,
            Some(PlatformDatabase {
                url: "postgres://marketplace_platform:marketplace_platform@localhost:5432/demo"
                    .to_owned(),
                derived: true,
            })
        );
        // SQLite has no roles: one pool does everything.
        assert_eq!(config(&[]).unwrap().platform_database, None);
    }

    #[test]
    fn r_t7_rate_limits_come_from_configuration_and_may_be_turned_off() {
        use crate::rate_limit::Limits;
        use std::num::NonZeroU32;
        assert_eq!(config(&[]).unwrap().rate_limits, Limits::DEFAULT);
        let c = config(&[
            ("MARKETPLACE_RATE_LIMIT_API_KEY", "120"),
            ("MARKETPLACE_RATE_LIMIT_USER", "off"),
            ("MARKETPLACE_RATE_LIMIT_IP", " 30 "),
            ("MARKETPLACE_TRUST_FORWARDED", "true"),
        ])
        .unwrap();
        assert_eq!(
            c.rate_limits,
            Limits {
                api_key: NonZeroU32::new(120),
                user: None,
                ip: NonZeroU32::new(30),
                trust_forwarded: true,
            }
        );
        for bad in ["0", "-1", "many"] {
            let err = config(&[("MARKETPLACE_RATE_LIMIT_USER", bad)]).unwrap_err();
            assert!(
                format!("{err:#}").contains("MARKETPLACE_RATE_LIMIT_USER"),
                "{err:#}"
            );
        }
        assert!(config(&[("MARKETPLACE_TRUST_FORWARDED", "yes")]).is_err());
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
