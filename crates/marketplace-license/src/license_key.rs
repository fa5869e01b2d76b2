//! The license key format, version 1: `ML1.<payload>.<signature>` (R-L2).
//!
//! The payload is compact JSON with exactly these fields, in this order:
//! `{"v":1,"lid":…,"org":…,"tool":…,"plan":…,"features":[…],"max_activations":…,"iat":…,"exp":…|null,"kid":…}`.
//! Ids are lower-case hyphenated UUIDs, features sorted and distinct, times Unix seconds.
//! A payload with an unknown or a missing field, or in any other spelling of the same
//! content, is refused: a verifier that skipped what it did not understand could honour a key
//! whose terms it cannot read, and new fields come with a new `v`.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::claims::{Claims, Code};
use crate::error::{Malformation, VerifyError};
use crate::ids::{LicenseId, OrgId, ToolId};
use crate::keys::{Kid, SigningKey};
use crate::token;

/// What every license key starts with.
pub const LICENSE_KEY_PREFIX: &str = "ML1.";

/// The payload version this crate writes and reads.
const VERSION: u64 = 1;

/// A signed license key, as handed to the buyer: `ML1.<payload>.<signature>`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct LicenseKey(String);

impl LicenseKey {
    /// The key as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key as an owned string.
    #[must_use]
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for LicenseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

pub(crate) fn issue(key: &SigningKey, claims: &Claims) -> LicenseKey {
    LicenseKey(token::seal(
        LICENSE_KEY_PREFIX,
        &encode(claims, key.kid()),
        key,
    ))
}

/// Reads a payload: its version first, then exactly the version 1 schema, the claims rules,
/// and the canonical spelling. The signature is the caller's to check.
pub(crate) fn decode(payload: &[u8]) -> Result<(Claims, Kid), VerifyError> {
    let wire: PayloadIn =
        serde_json::from_slice(payload).map_err(|e| token::schema_error(payload, VERSION, &e))?;
    if wire.v != VERSION {
        return Err(VerifyError::UnsupportedVersion(wire.v));
    }
    let claims = Claims::builder(wire.lid, wire.org, wire.tool)
        .plan(wire.plan)
        .features(wire.features)
        .max_activations(wire.max_activations)
        .issued_at(wire.iat)
        .expires_at(wire.exp)
        .build()
        .map_err(Malformation::Claims)?;
    if encode(&claims, &wire.kid) != payload {
        return Err(Malformation::NotCanonical.into());
    }
    Ok((claims, wire.kid))
}

/// The one canonical encoding of `claims` signed under `kid`.
fn encode(claims: &Claims, kid: &Kid) -> Vec<u8> {
    let wire = PayloadOut {
        v: VERSION,
        lid: claims.license_id(),
        org: claims.org(),
        tool: claims.tool(),
        plan: claims.plan().as_str(),
        features: claims.features().map(Code::as_str).collect(),
        max_activations: claims.max_activations(),
        iat: claims.issued_at(),
        exp: claims.expires_at(),
        kid: kid.as_str(),
    };
    // Serializing plain strings, integers and UUIDs into memory cannot fail.
    serde_json::to_vec(&wire).unwrap_or_default()
}

#[derive(Serialize)]
struct PayloadOut<'a> {
    v: u64,
    lid: LicenseId,
    org: OrgId,
    tool: ToolId,
    plan: &'a str,
    features: Vec<&'a str>,
    max_activations: u32,
    iat: u64,
    exp: Option<u64>,
    kid: &'a str,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PayloadIn {
    v: u64,
    lid: LicenseId,
    org: OrgId,
    tool: ToolId,
    plan: String,
    features: Vec<String>,
    max_activations: u32,
    iat: u64,
    /// Required even though nullable: `null` is perpetual, absence is a malformed payload.
    #[serde(deserialize_with = "Option::deserialize")]
    exp: Option<u64>,
    kid: Kid,
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn claims() -> Claims {
        Claims::builder(
            Uuid::from_u128(1).into(),
            Uuid::from_u128(2).into(),
            Uuid::from_u128(3).into(),
        )
        .plan("PRO")
        .features(["sso", "export"])
        .max_activations(5)
        .issued_at(1_700_000_000)
        .expires_at(1_800_000_000)
        .build()
        .unwrap()
    }

    fn kid() -> Kid {
        Kid::parse("k1").unwrap()
    }

    fn refused(json: &str) -> VerifyError {
        decode(json.as_bytes()).unwrap_err()
    }

    #[test]
    fn the_payload_is_compact_json_in_the_documented_order() {
        let json = String::from_utf8(encode(&claims(), &kid())).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"v":1,"lid":"00000000-0000-0000-0000-000000000001","#,
                r#""org":"00000000-0000-0000-0000-000000000002","#,
                r#""tool":"00000000-0000-0000-0000-000000000003","plan":"PRO","#,
                r#""features":["export","sso"],"max_activations":5,"#,
                r#""iat":1700000000,"exp":1800000000,"kid":"k1"}"#
            )
        );
        assert_eq!(decode(json.as_bytes()).unwrap(), (claims(), kid()));
    }

    #[test]
    fn another_version_is_unsupported_whatever_its_fields() {
        assert_eq!(
            refused(r#"{"v":2,"anything":"else"}"#),
            VerifyError::UnsupportedVersion(2)
        );
        assert_eq!(refused(r#"{"v":0}"#), VerifyError::UnsupportedVersion(0));
        let json = String::from_utf8(encode(&claims(), &kid())).unwrap();
        let same_fields = json.replacen(r#"{"v":1,"#, r#"{"v":2,"#, 1);
        assert_eq!(refused(&same_fields), VerifyError::UnsupportedVersion(2));
    }

    #[test]
    fn unknown_missing_or_repeated_fields_are_malformed() {
        let json = String::from_utf8(encode(&claims(), &kid())).unwrap();
        let cases = [
            json.replace(r#","kid""#, r#","extra":1,"kid""#),
            json.replace(r#","exp":1800000000"#, ""),
            json.replace(r#","plan":"PRO""#, r#","plan":"PRO","plan":"PRO""#),
            json.replace(r#""kid":"k1""#, r#""kid":"not a kid""#),
            "not json".to_owned(),
            "{}".to_owned(),
        ];
        for case in cases {
            assert!(
                matches!(
                    refused(&case),
                    VerifyError::Malformed(Malformation::Payload(_))
                ),
                "{case}"
            );
        }
    }

    #[test]
    fn values_breaking_a_claims_rule_are_malformed() {
        let json = String::from_utf8(encode(&claims(), &kid())).unwrap();
        let zero = json.replace(r#""max_activations":5"#, r#""max_activations":0"#);
        assert_eq!(
            refused(&zero),
            VerifyError::Malformed(Malformation::Claims(
                crate::claims::ClaimsError::NoActivations
            ))
        );
    }

    #[test]
    fn other_spellings_of_the_same_content_are_not_canonical() {
        let json = String::from_utf8(encode(&claims(), &kid())).unwrap();
        let cases = [
            json.replace(',', ", "),
            json.replace(r#"["export","sso"]"#, r#"["sso","export"]"#),
            json.replace(r#"["export","sso"]"#, r#"["export","sso","sso"]"#),
            json.replace(
                "00000000-0000-0000-0000-000000000001",
                "00000000000000000000000000000001",
            ),
            json.replace(r#""plan":"PRO""#, r#""plan":"\u0050RO""#),
        ];
        for case in cases {
            assert_eq!(
                refused(&case),
                VerifyError::Malformed(Malformation::NotCanonical),
                "{case}"
            );
        }
    }
}
