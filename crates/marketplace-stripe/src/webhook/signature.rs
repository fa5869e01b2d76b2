//! The `Stripe-Signature` check: an HMAC-SHA256 of the raw body under the endpoint's
//! signing secret, within a tolerance of now so a captured delivery cannot be replayed
//! later.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Stripe's default tolerance between the signature's timestamp and now.
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

/// Why a webhook's signature was refused. Every variant means: answer 400, change nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the webhook secret is empty (configuration error)")]
    EmptySecret,
    #[error("malformed Stripe-Signature header: {0}")]
    Malformed(String),
    #[error("the Stripe-Signature header has no t= timestamp")]
    MissingTimestamp,
    #[error("the Stripe-Signature header has no v1= signature")]
    MissingSignature,
    #[error("no v1 signature matches the payload")]
    Mismatch,
    #[error(
        "the signature's timestamp {timestamp} is {age_secs} s away from now (tolerance {tolerance_secs} s)"
    )]
    OutsideTolerance {
        timestamp: i64,
        age_secs: u64,
        tolerance_secs: i64,
    },
}

/// Checks a `Stripe-Signature` header (`t=…,v1=…[,v1=…][,v0=…]`) against the raw body:
/// some `v1` must be the HMAC-SHA256, keyed with `secret`, of `"{t}.{payload}"`
/// (compared in constant time), and `t` must be within `tolerance_secs` of `now_unix`,
/// in the past or in the future.
///
/// # Errors
/// A [`SignatureError`] saying which check failed.
pub fn verify_signature(
    payload: &[u8],
    header: &str,
    secret: &str,
    now_unix: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    if secret.is_empty() {
        return Err(SignatureError::EmptySecret);
    }
    let mut timestamp: Option<(&str, i64)> = None;
    let mut signatures: Vec<Vec<u8>> = Vec::new();
    for part in header.split(',') {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let Some((key, value)) = part.split_once('=') else {
            return Err(SignatureError::Malformed(format!(
                "{part:?} is not key=value"
            )));
        };
        match key.trim() {
            "t" => {
                let text = value.trim();
                let parsed = text
                    .parse::<i64>()
                    .map_err(|_| SignatureError::Malformed(format!("t={text:?}")))?;
                if timestamp.is_some() {
                    return Err(SignatureError::Malformed("more than one t=".into()));
                }
                timestamp = Some((text, parsed));
            }
            // A v1 that is not hex can match nothing; skip it, another may match.
            "v1" => signatures.extend(hex::decode(value.trim()).ok()),
            _ => {} // v0 (test-mode legacy scheme) and future schemes
        }
    }
    let (t_text, t) = timestamp.ok_or(SignatureError::MissingTimestamp)?;
    if signatures.is_empty() {
        return Err(if header.contains("v1=") {
            SignatureError::Mismatch
        } else {
            SignatureError::MissingSignature
        });
    }

    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|_| SignatureError::EmptySecret)?;
    mac.update(t_text.as_bytes());
    mac.update(b".");
    mac.update(payload);
    let matched = signatures
        .iter()
        .any(|signature| mac.clone().verify_slice(signature).is_ok());
    if !matched {
        return Err(SignatureError::Mismatch);
    }

    let age_secs = now_unix.abs_diff(t);
    if age_secs > tolerance_secs.max(0).unsigned_abs() {
        return Err(SignatureError::OutsideTolerance {
            timestamp: t,
            age_secs,
            tolerance_secs,
        });
    }
    Ok(())
}
