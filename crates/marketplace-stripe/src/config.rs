//! How the Stripe adapter is configured.

use std::fmt;
use std::time::Duration;

/// The Stripe API version the adapter pins with the `Stripe-Version` header, so that
/// an account upgrade never changes the shapes it reads. The parsers tolerate older
/// (localstripe's 2017-08-15) and newer shapes all the same.
pub const DEFAULT_API_VERSION: &str = "2024-06-20";

/// Stripe's production API.
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com";

/// Which server the adapter talks to. Real Stripe and localstripe accept slightly
/// different parameters; the differences are kept here, in one place.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ApiFlavor {
    /// Stripe itself (or a faithful mock of it, such as the wiremock tests).
    #[default]
    Stripe,
    /// localstripe, the fake Stripe server used in tests: it refuses a PaymentIntent's
    /// `description` ("Unexpected description", 400), so the description goes to
    /// `metadata[description]` instead; and its subscriptions take a plan as
    /// `items[0][plan]` where Stripe takes `items[0][price]`.
    Localstripe,
}

/// Everything the adapter needs to reach Stripe.
#[derive(Clone)]
pub struct StripeConfig {
    /// The secret API key (`sk_live_…`, `sk_test_…`). Never logged.
    pub secret_key: String,
    /// Base URL without the `/v1` part; [`DEFAULT_API_BASE`] unless tests point it at
    /// wiremock or localstripe.
    pub api_base: String,
    /// Sent as `Stripe-Version`; `None` sends no header (the account's default applies).
    pub api_version: Option<String>,
    /// How many times a request that failed with 429, 5xx or a connection error is
    /// retried (so at most `max_retries + 1` attempts).
    pub max_retries: u32,
    /// The first retry waits this long; each further retry waits twice as long as the
    /// previous one, up to [`StripeConfig::max_backoff`].
    pub initial_backoff: Duration,
    /// The longest wait between two attempts.
    pub max_backoff: Duration,
    /// The time limit of one attempt (connect, send and read the whole response).
    pub request_timeout: Duration,
    /// Real Stripe or localstripe.
    pub flavor: ApiFlavor,
}

impl StripeConfig {
    /// Production defaults for `secret_key`: Stripe's API, the pinned API version,
    /// 3 retries starting at 500 ms, 30 s per attempt.
    #[must_use]
    pub fn new(secret_key: impl Into<String>) -> Self {
        Self {
            secret_key: secret_key.into(),
            api_base: DEFAULT_API_BASE.to_owned(),
            api_version: Some(DEFAULT_API_VERSION.to_owned()),
            max_retries: 3,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            request_timeout: Duration::from_secs(30),
            flavor: ApiFlavor::Stripe,
        }
    }

    /// The same defaults pointed at `api_base` (a wiremock server, say).
    #[must_use]
    pub fn with_api_base(mut self, api_base: impl Into<String>) -> Self {
        self.api_base = api_base.into();
        self
    }

    /// For a localstripe server at `api_base`.
    #[must_use]
    pub fn localstripe(secret_key: impl Into<String>, api_base: impl Into<String>) -> Self {
        Self {
            flavor: ApiFlavor::Localstripe,
            ..Self::new(secret_key).with_api_base(api_base)
        }
    }
}

impl fmt::Debug for StripeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeConfig")
            .field("secret_key", &"<redacted>")
            .field("api_base", &self.api_base)
            .field("api_version", &self.api_version)
            .field("max_retries", &self.max_retries)
            .field("initial_backoff", &self.initial_backoff)
            .field("max_backoff", &self.max_backoff)
            .field("request_timeout", &self.request_timeout)
            .field("flavor", &self.flavor)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret_key() {
        let shown = format!("{:?}", StripeConfig::new("sk_test_very_secret"));
        assert!(!shown.contains("very_secret"), "{shown}");
        assert!(shown.contains("<redacted>"));
    }
}
