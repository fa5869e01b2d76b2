//! Why a license key or a signed answer is refused.

use crate::claims::ClaimsError;
use crate::keys::Kid;

/// A refusal from [`Verifier`](crate::Verifier), one variant per thing the caller can do
/// about it.
///
/// | variant | what it means for a vendor |
/// |---|---|
/// | [`TooLong`](Self::TooLong), [`Malformed`](Self::Malformed), [`BadSignature`](Self::BadSignature) | not a license key (mistyped, truncated or forged): ask for the key again |
/// | [`UnknownKid`](Self::UnknownKid) | signed by a key this build does not list: update the keyring or validate online |
/// | [`UnsupportedVersion`](Self::UnsupportedVersion) | a newer format than this crate reads: update the product |
/// | [`Expired`](Self::Expired) | a genuine license whose term is over: renew |
/// | [`Backdated`](Self::Backdated) | a genuine license, but this machine's clock reads before it was issued |
/// | [`NonceMismatch`](Self::NonceMismatch) | (answers only) an answer to another request, possibly replayed |
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum VerifyError {
    /// The string is longer than [`MAX_TOKEN_LEN`](crate::MAX_TOKEN_LEN) bytes; nothing of it
    /// was decoded.
    #[error("the key is {len} bytes long, more than the {max} allowed", max = crate::MAX_TOKEN_LEN)]
    TooLong {
        /// The length presented, in bytes.
        len: usize,
    },
    /// The string does not have the shape, encoding or payload schema of a token.
    #[error("not a well-formed key: {0}")]
    Malformed(Malformation),
    /// The payload's `v` is not one this crate reads.
    #[error("payload version {0} is not supported (this build reads version 1)")]
    UnsupportedVersion(u64),
    /// The token names a signing key the keyring does not hold (never issued, or retired).
    #[error("signed with key `{0}`, which is not in the keyring")]
    UnknownKid(Kid),
    /// The Ed25519 signature does not verify (strictly) over the payload.
    #[error("the signature does not verify")]
    BadSignature,
    /// The license expired at `exp` (Unix seconds), and the leeway has run out too.
    #[error("the license expired at {exp} (Unix seconds)")]
    Expired {
        /// The license's `exp`.
        exp: u64,
    },
    /// The machine's clock reads earlier than the license's issue time minus the leeway.
    #[error("the clock reads before the license was issued at {iat} (Unix seconds)")]
    Backdated {
        /// The license's `iat`.
        iat: u64,
    },
    /// A signed answer does not echo the nonce the client sent (or echoes none).
    #[error("the answer does not echo the nonce that was sent")]
    NonceMismatch,
}

impl VerifyError {
    /// True when the string is not a license key at all (mistyped, truncated, forged), as
    /// opposed to a genuine key refused for its term or one this build cannot judge.
    #[must_use]
    pub fn is_not_a_license(&self) -> bool {
        matches!(
            self,
            Self::TooLong { .. } | Self::Malformed(_) | Self::BadSignature
        )
    }
}

/// What is wrong with a malformed token; for logs and support, not for branching.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Malformation {
    /// Not `<prefix>.<payload>.<signature>` with the expected prefix.
    #[error("expected `{prefix}<payload>.<signature>`")]
    Shape {
        /// The prefix expected, dot included (`ML1.` or `MLA1.`).
        prefix: &'static str,
    },
    /// The payload or the signature is not base64url without padding.
    #[error("not base64url without padding")]
    Base64,
    /// The signature is not 64 bytes long.
    #[error("the signature is not 64 bytes long")]
    SignatureLength,
    /// The payload is not JSON of exactly the expected schema.
    #[error("payload: {0}")]
    Payload(String),
    /// The payload's values break a rule of the claims.
    #[error("payload: {0}")]
    Claims(ClaimsError),
    /// The payload decodes, but is not the one canonical encoding of its content.
    #[error("payload is not in canonical form")]
    NotCanonical,
}

impl From<Malformation> for VerifyError {
    fn from(m: Malformation) -> Self {
        Self::Malformed(m)
    }
}
