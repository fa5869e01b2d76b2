//! Stripe webhooks, from a delivery's raw bytes to what the marketplace acts on.
//!
//! [`StripeWebhook::verify_and_translate`] is the one entry point: it checks the
//! `Stripe-Signature` on the raw body ([`verify_signature`]) before anything is parsed,
//! reads the event ([`parse_event`]) and translates it into a domain event
//! ([`Translated`]). The application only applies the result and answers Stripe.

mod event;
mod signature;
mod translate;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};

pub use event::{EventData, EventParseError, StripeEvent, parse_event};
pub use signature::{DEFAULT_TOLERANCE_SECS, SignatureError, verify_signature};
pub use translate::Translated;

/// A webhook endpoint's signing secret (`whsec_…`), never empty.
#[derive(Clone)]
pub struct StripeWebhook {
    secret: String,
}

impl std::fmt::Debug for StripeWebhook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StripeWebhook")
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// Why a delivery was refused. Every variant means: answer 400 and change nothing, since
/// delivering the same bytes again gets the same answer.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// No `Stripe-Signature` header (or one that is not text): not from Stripe.
    #[error("missing Stripe-Signature header")]
    Unsigned,
    /// The signature does not match the body under the secret, or is too old or too new.
    #[error("invalid Stripe signature: {0}")]
    Signature(#[from] SignatureError),
    /// Signed, but not an event the marketplace can read.
    #[error("malformed Stripe event: {0}")]
    Malformed(#[from] EventParseError),
}

impl StripeWebhook {
    /// The endpoint signed with `secret`.
    ///
    /// # Errors
    /// [`SignatureError::EmptySecret`] for an empty (or blank) secret, which would make
    /// every signature unverifiable.
    pub fn new(secret: impl Into<String>) -> Result<Self, SignatureError> {
        let secret = secret.into();
        if secret.trim().is_empty() {
            return Err(SignatureError::EmptySecret);
        }
        Ok(Self { secret })
    }

    /// Verifies a delivery's `signature` (the `Stripe-Signature` header, `None` when
    /// absent) against the raw `payload` at `now`, within [`DEFAULT_TOLERANCE_SECS`], and
    /// only then reads and translates the event.
    ///
    /// # Errors
    /// [`WebhookError::Unsigned`] without a header, [`WebhookError::Signature`] when the
    /// signature fails, [`WebhookError::Malformed`] when the signed payload is not a
    /// readable event.
    pub fn verify_and_translate(
        &self,
        signature: Option<&str>,
        payload: &[u8],
        now: DateTime<Utc>,
    ) -> Result<Translated, WebhookError> {
        let header = signature.ok_or(WebhookError::Unsigned)?;
        verify_signature(
            payload,
            header,
            &self.secret,
            now.timestamp(),
            DEFAULT_TOLERANCE_SECS,
        )?;
        Ok(Translated::from(parse_event(payload)?))
    }
}
