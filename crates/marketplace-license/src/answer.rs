//! The online validation answer (R-L4), signed so a client can check it offline:
//! `MLA1.<payload>.<signature>`, the same envelope and keys as license keys.
//!
//! The payload is compact JSON with exactly these fields, in this order:
//! `{"v":1,"valid":…,"code":…,"license":{"lid":…,"exp":…|null}|null,"nonce":…|null,"server_time":…,"kid":…}`.
//! `valid` is true exactly when `code` is `VALID`; a `NOT_FOUND` answer describes no license.
//! The client sends a fresh [`Nonce`] and accepts only an answer echoing it, so an answer
//! captured earlier cannot be replayed.
//!
//! A license payload and an answer payload never parse as each other (each refuses the
//! other's fields), so a signature over one cannot be passed off as the other.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Malformation, VerifyError};
use crate::ids::LicenseId;
use crate::keys::{Kid, SigningKey};
use crate::token;
use crate::validation::ValidationCode;

/// What every signed answer starts with.
pub const ANSWER_PREFIX: &str = "MLA1.";

/// The payload version this crate writes and reads.
const VERSION: u64 = 1;

/// A nonce given by an invalid string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("a nonce must be 16 to 128 characters of A-Z, a-z, 0-9, `-`, `.`, `_` or `~`")]
pub struct InvalidNonce;

/// The client's one-time value, echoed in the answer: 16 to 128 characters of
/// `A-Z a-z 0-9 - . _ ~` (a UUID, or 12 random bytes in base64url, fit). The lower bound
/// keeps a random nonce unguessable, so an old answer cannot be waiting for it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Nonce(String);

impl Nonce {
    /// # Errors
    /// [`InvalidNonce`] for a length out of 16..=128 or another character.
    pub fn parse(raw: &str) -> Result<Self, InvalidNonce> {
        let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
        if (16..=128).contains(&raw.len()) && raw.bytes().all(allowed) {
            Ok(Self(raw.to_owned()))
        } else {
            Err(InvalidNonce)
        }
    }

    /// The nonce as sent.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Nonce {
    type Error = InvalidNonce;

    fn try_from(raw: String) -> Result<Self, InvalidNonce> {
        Self::parse(&raw)
    }
}

impl From<Nonce> for String {
    fn from(nonce: Nonce) -> Self {
        nonce.0
    }
}

/// The license an answer is about, as the marketplace's records have it now (its expiry
/// may be later than the one in the key, after renewals).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnsweredLicense {
    /// The license's id.
    pub lid: LicenseId,
    /// Its current expiry, Unix seconds; `None` for perpetual.
    #[serde(deserialize_with = "Option::deserialize")]
    pub exp: Option<u64>,
}

/// The marketplace's answer to "is this key good?", signed by
/// [`SigningKey::sign_answer`] and checked by
/// [`Verifier::verify_answer`](crate::Verifier::verify_answer).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidationAnswer {
    code: ValidationCode,
    license: Option<AnsweredLicense>,
    nonce: Option<Nonce>,
    server_time: u64,
}

impl ValidationAnswer {
    /// An answer with `code`, about `license`, echoing the client's `nonce`, at the
    /// server's `server_time` (Unix seconds). A `NOT_FOUND` answer drops `license`: it must
    /// not tell anything about a key that did not check out.
    #[must_use]
    pub fn new(
        code: ValidationCode,
        license: Option<AnsweredLicense>,
        nonce: Option<Nonce>,
        server_time: u64,
    ) -> Self {
        let license = license.filter(|_| code != ValidationCode::NotFound);
        Self {
            code,
            license,
            nonce,
            server_time,
        }
    }

    /// True exactly when the code is `VALID`.
    #[must_use]
    pub fn valid(&self) -> bool {
        self.code.is_valid()
    }

    /// The answer's code.
    #[must_use]
    pub fn code(&self) -> ValidationCode {
        self.code
    }

    /// The license the answer is about; `None` for `NOT_FOUND`.
    #[must_use]
    pub fn license(&self) -> Option<&AnsweredLicense> {
        self.license.as_ref()
    }

    /// The nonce echoed; `None` when the client sent none.
    #[must_use]
    pub fn nonce(&self) -> Option<&Nonce> {
        self.nonce.as_ref()
    }

    /// The server's clock when answering, Unix seconds.
    #[must_use]
    pub fn server_time(&self) -> u64 {
        self.server_time
    }
}

/// A signed answer, `MLA1.<payload>.<signature>`, as the service returns it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SignedAnswer(String);

impl SignedAnswer {
    /// The signed answer as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The signed answer as an owned string.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for SignedAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) fn issue(key: &SigningKey, answer: &ValidationAnswer) -> SignedAnswer {
    SignedAnswer(token::seal(ANSWER_PREFIX, &encode(answer, key.kid()), key))
}

/// Reads a payload: its version, exactly the version 1 schema, the canonical spelling
/// (which also rejects a `valid` at odds with `code`). The signature is the caller's.
pub(crate) fn decode(payload: &[u8]) -> Result<(ValidationAnswer, Kid), VerifyError> {
    let wire: PayloadIn =
        serde_json::from_slice(payload).map_err(|e| token::schema_error(payload, VERSION, &e))?;
    if wire.v != VERSION {
        return Err(VerifyError::UnsupportedVersion(wire.v));
    }
    let answer = ValidationAnswer::new(wire.code, wire.license, wire.nonce, wire.server_time);
    if encode(&answer, &wire.kid) != payload {
        return Err(Malformation::NotCanonical.into());
    }
    Ok((answer, wire.kid))
}

fn encode(answer: &ValidationAnswer, kid: &Kid) -> Vec<u8> {
    let wire = PayloadOut {
        v: VERSION,
        valid: answer.valid(),
        code: answer.code,
        license: answer.license.as_ref(),
        nonce: answer.nonce.as_ref().map(Nonce::as_str),
        server_time: answer.server_time,
        kid: kid.as_str(),
    };
    // Serializing plain strings, integers and UUIDs into memory cannot fail.
    serde_json::to_vec(&wire).unwrap_or_default()
}

#[derive(Serialize)]
struct PayloadOut<'a> {
    v: u64,
    valid: bool,
    code: ValidationCode,
    license: Option<&'a AnsweredLicense>,
    nonce: Option<&'a str>,
    server_time: u64,
    kid: &'a str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PayloadIn {
    v: u64,
    #[serde(rename = "valid")]
    _valid: bool,
    code: ValidationCode,
    #[serde(deserialize_with = "Option::deserialize")]
    license: Option<AnsweredLicense>,
    #[serde(deserialize_with = "Option::deserialize")]
    nonce: Option<Nonce>,
    server_time: u64,
    kid: Kid,
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn nonce() -> Nonce {
        Nonce::parse("n0nce-0123456789").unwrap()
    }

    fn license() -> AnsweredLicense {
        AnsweredLicense {
            lid: Uuid::from_u128(1).into(),
            exp: None,
        }
    }

    fn kid() -> Kid {
        Kid::parse("k1").unwrap()
    }

    #[test]
    fn a_nonce_is_16_to_128_unreserved_characters() {
        assert!(Nonce::parse(&"a".repeat(16)).is_ok());
        assert!(Nonce::parse(&"a".repeat(128)).is_ok());
        assert!(Nonce::parse(&Uuid::from_u128(7).to_string()).is_ok());
        assert_eq!(Nonce::parse(&"a".repeat(15)), Err(InvalidNonce));
        assert_eq!(Nonce::parse(&"a".repeat(129)), Err(InvalidNonce));
        assert_eq!(Nonce::parse("0123456789abcdef\""), Err(InvalidNonce));
        assert_eq!(Nonce::parse("0123456789 abcdef"), Err(InvalidNonce));
    }

    #[test]
    fn the_payload_is_compact_json_in_the_documented_order() {
        let answer =
            ValidationAnswer::new(ValidationCode::Valid, Some(license()), Some(nonce()), 42);
        let json = String::from_utf8(encode(&answer, &kid())).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"v":1,"valid":true,"code":"VALID","#,
                r#""license":{"lid":"00000000-0000-0000-0000-000000000001","exp":null},"#,
                r#""nonce":"n0nce-0123456789","server_time":42,"kid":"k1"}"#
            )
        );
        assert_eq!(decode(json.as_bytes()).unwrap(), (answer, kid()));
    }

    #[test]
    fn a_not_found_answer_describes_no_license() {
        let answer = ValidationAnswer::new(ValidationCode::NotFound, Some(license()), None, 42);
        assert_eq!(answer.license(), None);
        assert!(!answer.valid());
        let json = String::from_utf8(encode(&answer, &kid())).unwrap();
        let leaking = json.replace(
            r#""license":null"#,
            r#""license":{"lid":"00000000-0000-0000-0000-000000000001","exp":null}"#,
        );
        assert_eq!(
            decode(leaking.as_bytes()),
            Err(VerifyError::Malformed(Malformation::NotCanonical))
        );
    }

    #[test]
    fn valid_must_agree_with_the_code() {
        let answer = ValidationAnswer::new(ValidationCode::Revoked, Some(license()), None, 42);
        let json = String::from_utf8(encode(&answer, &kid())).unwrap();
        let lying = json.replace(r#""valid":false"#, r#""valid":true"#);
        assert_eq!(
            decode(lying.as_bytes()),
            Err(VerifyError::Malformed(Malformation::NotCanonical))
        );
    }

    #[test]
    fn every_field_is_required_and_no_other_is_allowed() {
        let answer = ValidationAnswer::new(ValidationCode::Valid, None, None, 42);
        let json = String::from_utf8(encode(&answer, &kid())).unwrap();
        for case in [
            json.replace(r#""nonce":null,"#, ""),
            json.replace(r#""license":null,"#, ""),
            json.replace(r#""kid":"k1""#, r#""kid":"k1","x":0"#),
        ] {
            assert!(
                matches!(
                    decode(case.as_bytes()),
                    Err(VerifyError::Malformed(Malformation::Payload(_)))
                ),
                "{case}"
            );
        }
    }
}
