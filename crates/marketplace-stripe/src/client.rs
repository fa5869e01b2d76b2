//! The small HTTP client under the gateway: form-encoded requests, Stripe's error
//! envelope, bounded retries with exponential backoff, and the mapping of failures to
//! the domain's [`PaymentError`].
//!
//! Retry policy: 429, any 5xx, a timeout or a connection error is retried up to
//! `max_retries` times (unless Stripe answers `Stripe-Should-Retry: false`), then
//! reported as [`PaymentError::Unavailable`]. Every other 4xx is final at once. A POST
//! always carries an `Idempotency-Key` (the caller's, or one made for the call and
//! reused by its retries), so a retry never repeats an effect.

use std::fmt;
use std::time::Duration;

use marketplace_domain::checkout::PaymentError;
use reqwest::StatusCode;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::config::StripeConfig;

/// The body of a POST: form fields in order (repeated keys allowed, as in `a[]=x`).
pub(crate) type Form = Vec<(String, String)>;

#[derive(Clone)]
pub(crate) struct StripeClient {
    http: reqwest::Client,
    config: StripeConfig,
    base: String,
}

/// Stripe's error envelope: `{"error": {"type", "code", "decline_code", "message"}}`.
#[derive(Debug, Default, Deserialize)]
struct ErrorEnvelope {
    #[serde(default)]
    error: ErrorBody,
}

#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    decline_code: Option<String>,
    #[serde(default)]
    message: Option<String>,
}

/// A failure that ran out of retries, kept as the source of [`PaymentError::Unavailable`].
#[derive(Debug)]
pub struct HttpFailure {
    /// The last status seen, if a response came back at all.
    pub status: Option<u16>,
    /// What went wrong on the last attempt.
    pub detail: String,
    /// How many attempts were made.
    pub attempts: u32,
}

impl fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(status) => write!(
                f,
                "stripe answered {status} after {} attempt(s): {}",
                self.attempts, self.detail
            ),
            None => write!(
                f,
                "stripe unreachable after {} attempt(s): {}",
                self.attempts, self.detail
            ),
        }
    }
}

impl std::error::Error for HttpFailure {}

/// What one attempt came to.
enum Attempt<T> {
    Done(Result<T, PaymentError>),
    Retry { status: Option<u16>, detail: String },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Method {
    Get,
    Post,
    Delete,
}

impl StripeClient {
    pub(crate) fn new(config: StripeConfig) -> Result<Self, PaymentError> {
        if config.secret_key.trim().is_empty() {
            return Err(PaymentError::Configuration(
                "the Stripe secret key is empty".into(),
            ));
        }
        let base = config.api_base.trim_end_matches('/').to_owned();
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(PaymentError::Configuration(format!(
                "the Stripe API base must be an http(s) URL, got {base:?}"
            )));
        }
        // reqwest is built with `rustls-no-provider`: a process-wide crypto provider
        // must exist before a client is built, or reqwest panics. Installing fails
        // harmlessly when the application installed one already.
        let _already_installed = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.request_timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("marketplace-stripe/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PaymentError::Configuration(format!("HTTP client: {e}")))?;
        Ok(Self { http, config, base })
    }

    pub(crate) fn config(&self) -> &StripeConfig {
        &self.config
    }

    /// GET `path` (starting with `/v1/`).
    pub(crate) async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, PaymentError> {
        self.send(Method::Get, path, &Form::new(), None).await
    }

    /// DELETE `path`: idempotent by itself, so sent without an idempotency key, as Stripe
    /// asks.
    pub(crate) async fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T, PaymentError> {
        self.send(Method::Delete, path, &Form::new(), None).await
    }

    /// POST `form` to `path` with `idempotency_key`, or with a key made for this call.
    pub(crate) async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        form: &Form,
        idempotency_key: Option<&str>,
    ) -> Result<T, PaymentError> {
        let generated;
        let key = match idempotency_key {
            Some(key) => key,
            None => {
                generated = uuid::Uuid::new_v4().to_string();
                &generated
            }
        };
        self.send(Method::Post, path, form, Some(key)).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        form: &Form,
        idempotency_key: Option<&str>,
    ) -> Result<T, PaymentError> {
        let url = format!("{}{path}", self.base);
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            match self.attempt(method, &url, form, idempotency_key).await {
                Attempt::Done(result) => return result,
                Attempt::Retry { status, detail } => {
                    if attempt > self.config.max_retries {
                        tracing::warn!(
                            ?method, path, ?status, attempts = attempt, %detail,
                            "stripe request failed; giving up"
                        );
                        return Err(PaymentError::Unavailable(Box::new(HttpFailure {
                            status,
                            detail,
                            attempts: attempt,
                        })));
                    }
                    let wait = self.backoff(attempt);
                    tracing::warn!(
                        ?method, path, ?status, attempt, wait_ms = wait.as_millis() as u64, %detail,
                        "stripe request failed; retrying"
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// The wait before retry number `attempt` (1-based): initial × 2^(attempt−1), capped.
    fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2_u32.saturating_pow(attempt.saturating_sub(1));
        self.config
            .initial_backoff
            .saturating_mul(factor)
            .min(self.config.max_backoff)
    }

    async fn attempt<T: DeserializeOwned>(
        &self,
        method: Method,
        url: &str,
        form: &Form,
        idempotency_key: Option<&str>,
    ) -> Attempt<T> {
        let mut request = match method {
            Method::Get => self.http.get(url),
            Method::Post => self.http.post(url).form(form),
            Method::Delete => self.http.delete(url),
        }
        .bearer_auth(&self.config.secret_key);
        if let Some(version) = &self.config.api_version {
            request = request.header("Stripe-Version", version);
        }
        if let Some(key) = idempotency_key {
            request = request.header("Idempotency-Key", key);
        }

        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                return Attempt::Retry {
                    status: None,
                    detail: error_chain(&e),
                };
            }
        };
        let status = response.status();
        let should_retry = response
            .headers()
            .get("Stripe-Should-Retry")
            .and_then(|v| v.to_str().ok())
            .map(|v| v.eq_ignore_ascii_case("true"));
        let body = match response.bytes().await {
            Ok(body) => body,
            Err(e) => {
                return Attempt::Retry {
                    status: Some(status.as_u16()),
                    detail: error_chain(&e),
                };
            }
        };

        if status.is_success() {
            return Attempt::Done(serde_json::from_slice::<T>(&body).map_err(|e| {
                PaymentError::Unavailable(Box::new(HttpFailure {
                    status: Some(status.as_u16()),
                    detail: format!("unexpected response body: {e}"),
                    attempts: 1,
                }))
            }));
        }

        let envelope: ErrorEnvelope = serde_json::from_slice(&body).unwrap_or_default();
        let error = envelope.error;
        let message = error
            .message
            .clone()
            .unwrap_or_else(|| format!("HTTP {status}"));

        let retryable = status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error();
        if retryable && should_retry != Some(false) {
            return Attempt::Retry {
                status: Some(status.as_u16()),
                detail: message,
            };
        }
        Attempt::Done(Err(classify(status, error, message)))
    }
}

/// Maps a final (not retried) error answer to the domain's error.
fn classify(status: StatusCode, error: ErrorBody, message: String) -> PaymentError {
    let card_error = error.kind.as_deref() == Some("card_error");
    if status == StatusCode::PAYMENT_REQUIRED || card_error {
        return PaymentError::Declined {
            code: error.decline_code.or(error.code),
            message,
        };
    }
    // Another request with the same idempotency key is still in flight (a concurrent
    // retry): its outcome is unknown, so this is not a refusal.
    if status == StatusCode::CONFLICT && error.kind.as_deref() == Some("idempotency_error") {
        return PaymentError::Unavailable(Box::new(HttpFailure {
            status: Some(status.as_u16()),
            detail: message,
            attempts: 1,
        }));
    }
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => PaymentError::Configuration(message),
        _ if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS => {
            // Only reached when Stripe said `Stripe-Should-Retry: false`.
            PaymentError::Unavailable(Box::new(HttpFailure {
                status: Some(status.as_u16()),
                detail: message,
                attempts: 1,
            }))
        }
        _ => PaymentError::Invalid(match error.code {
            Some(code) => format!("{message} ({code})"),
            None => message,
        }),
    }
}

fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A Stripe object id is safe to put in a URL path: letters, digits and `_`.
pub(crate) fn path_id(id: &str) -> Result<&str, PaymentError> {
    if !id.is_empty()
        && id.len() <= 255
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        Ok(id)
    } else {
        Err(PaymentError::Invalid(format!(
            "not a Stripe object id: {id:?}"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(initial_ms: u64, max_ms: u64) -> StripeClient {
        let mut config = StripeConfig::new("sk_test_x");
        config.initial_backoff = Duration::from_millis(initial_ms);
        config.max_backoff = Duration::from_millis(max_ms);
        StripeClient::new(config).unwrap()
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        let c = client(100, 500);
        let waits: Vec<u128> = (1..=5).map(|a| c.backoff(a).as_millis()).collect();
        assert_eq!(waits, vec![100, 200, 400, 500, 500]);
        assert_eq!(c.backoff(40).as_millis(), 500, "no overflow");
    }

    #[test]
    fn an_empty_key_or_a_bad_base_is_a_configuration_error() {
        assert!(matches!(
            StripeClient::new(StripeConfig::new("  ")),
            Err(PaymentError::Configuration(_))
        ));
        assert!(matches!(
            StripeClient::new(StripeConfig::new("sk_test_x").with_api_base("ftp://x")),
            Err(PaymentError::Configuration(_))
        ));
    }

    #[test]
    fn path_ids_refuse_anything_but_stripe_id_characters() {
        assert!(path_id("pi_123abc").is_ok());
        for bad in ["", "pi/../x", "pi_1?x=1", "pi 1", "pi%2F"] {
            assert!(
                matches!(path_id(bad), Err(PaymentError::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn classification_of_final_errors() {
        let declined = classify(
            StatusCode::PAYMENT_REQUIRED,
            ErrorBody {
                kind: Some("card_error".into()),
                code: Some("card_declined".into()),
                decline_code: Some("insufficient_funds".into()),
                message: None,
            },
            "m".into(),
        );
        assert!(
            matches!(declined, PaymentError::Declined { code: Some(ref c), .. } if c == "insufficient_funds")
        );
        let card_error_400 = classify(
            StatusCode::BAD_REQUEST,
            ErrorBody {
                kind: Some("card_error".into()),
                code: Some("incorrect_cvc".into()),
                ..ErrorBody::default()
            },
            "m".into(),
        );
        assert!(
            matches!(card_error_400, PaymentError::Declined { code: Some(ref c), .. } if c == "incorrect_cvc")
        );
        assert!(matches!(
            classify(StatusCode::FORBIDDEN, ErrorBody::default(), "m".into()),
            PaymentError::Configuration(_)
        ));
        assert!(matches!(
            classify(StatusCode::NOT_FOUND, ErrorBody::default(), "m".into()),
            PaymentError::Invalid(_)
        ));
        assert!(matches!(
            classify(StatusCode::CONFLICT, ErrorBody::default(), "m".into()),
            PaymentError::Invalid(_)
        ));
    }

    #[test]
    fn a_key_still_in_flight_is_not_a_refusal() {
        let in_flight = classify(
            StatusCode::CONFLICT,
            ErrorBody {
                kind: Some("idempotency_error".into()),
                ..ErrorBody::default()
            },
            "There is currently another in-progress request using this Idempotent Key".into(),
        );
        assert!(matches!(in_flight, PaymentError::Unavailable(_)));
    }
}
