//! The licensing context's wiring: the keys licenses are signed with, the secret API keys
//! are digested under, which environment's API keys this deployment issues, and the
//! operating system's randomness new keys are drawn from.

use std::sync::Arc;

use anyhow::Context;
use marketplace_license::{Kid, SigningKey};
use marketplace_licensing::api_key::{KeyDigester, KeyEnvironment, RandomSource};
use marketplace_licensing::license::SigningKeys;

use crate::config::{Config, Mode};

/// What the licensing services are built with, besides their ports.
#[derive(Clone, Debug)]
pub struct LicensingSetup {
    /// The active license signing key and every public key still trusted.
    pub signing: Arc<SigningKeys>,
    /// Digests API keys under the server secret (and previous ones during a rotation).
    pub digester: KeyDigester,
    /// Live keys (`mk_live_`) in production, test keys (`mk_test_`) otherwise.
    pub environment: KeyEnvironment,
}

impl LicensingSetup {
    /// From the configuration. In demo mode without a configured signing key one is
    /// generated, and the log says so: licenses then verify until the next restart only.
    ///
    /// # Errors
    /// A refused API key secret, or no randomness to draw a key from.
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let signing = match &config.licensing.signing {
            Some(keys) => Arc::clone(keys),
            None => {
                let keys = Arc::new(SigningKeys::new(generate_signing_key("demo")?, [])?);
                tracing::warn!(
                    kid = keys.active().kid().as_str(),
                    "demo: generated a license signing key for this run (set MARKETPLACE_LICENSE_SIGNING_KEY to keep licenses verifying across restarts)"
                );
                keys
            }
        };
        let mut digester = KeyDigester::new(config.licensing.api_key_secret.as_bytes())
            .context("MARKETPLACE_API_KEY_SECRET")?;
        for previous in &config.licensing.api_key_previous_secrets {
            digester = digester
                .with_previous(previous.as_bytes())
                .context("MARKETPLACE_API_KEY_PREVIOUS_SECRETS")?;
        }
        Ok(Self {
            signing,
            digester,
            environment: match config.mode {
                Mode::Production => KeyEnvironment::Live,
                Mode::Demo => KeyEnvironment::Test,
            },
        })
    }

    /// Keys drawn for this process alone (test keys, a fresh signing key and digest
    /// secret): for tests and one-off runs, where nothing signed must outlive the process.
    ///
    /// # Errors
    /// No randomness to draw from.
    pub fn ephemeral() -> anyhow::Result<Self> {
        let mut secret = [0_u8; KeyDigester::MIN_SECRET_LEN];
        getrandom::fill(&mut secret).context("draw a digest secret")?;
        Ok(Self {
            signing: Arc::new(SigningKeys::new(generate_signing_key("ephemeral")?, [])?),
            digester: KeyDigester::new(&secret)?,
            environment: KeyEnvironment::Test,
        })
    }
}

/// A new signing key named `prefix-<unix seconds>`, from 32 bytes of the OS's randomness.
///
/// # Errors
/// No randomness to draw from.
pub fn generate_signing_key(prefix: &str) -> anyhow::Result<SigningKey> {
    let mut seed = [0_u8; 32];
    getrandom::fill(&mut seed).context("draw a signing key")?;
    let kid = Kid::parse(&format!("{prefix}-{}", chrono::Utc::now().timestamp()))?;
    Ok(SigningKey::from_seed(kid, &seed))
}

/// The operating system's CSPRNG, for new API keys.
#[derive(Clone, Copy, Debug, Default)]
pub struct OsRandom;

impl RandomSource for OsRandom {
    fn fill(&self, buf: &mut [u8]) {
        // Without randomness no key may be drawn at all: stop rather than issue a guessable one.
        if let Err(e) = getrandom::fill(buf) {
            panic!("the operating system gave no randomness for a new API key: {e}");
        }
    }
}
