//! Validation codes and the one rule that picks a code from what the service knows (R-L4).
//!
//! When several things are wrong with a key at once, the answer names the first of:
//! `NOT_FOUND` (the key does not parse, its signature fails, or no such license is on
//! record) > `REVOKED` > `EXPIRED` > `SUSPENDED` > `NOT_ACTIVATED` (a fingerprint was given
//! and is not activated) > `VALID`.

use serde::{Deserialize, Serialize};

/// The code of a validation (or activation) answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ValidationCode {
    /// The key does not parse, its signature fails, or the license is not on record.
    NotFound,
    /// The license was revoked (its entitlement ended).
    Revoked,
    /// The license's term is over.
    Expired,
    /// The license is suspended while its subscription's payment is overdue.
    Suspended,
    /// A fingerprint was given and that machine is not activated.
    NotActivated,
    /// Everything checks out.
    Valid,
    /// An activation refused because every slot is taken (never a validation's answer).
    TooManyActivations,
}

impl ValidationCode {
    /// True only for `VALID`.
    #[must_use]
    pub fn is_valid(self) -> bool {
        self == Self::Valid
    }

    /// The code as written on the wire, e.g. `NOT_ACTIVATED`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotFound => "NOT_FOUND",
            Self::Revoked => "REVOKED",
            Self::Expired => "EXPIRED",
            Self::Suspended => "SUSPENDED",
            Self::NotActivated => "NOT_ACTIVATED",
            Self::Valid => "VALID",
            Self::TooManyActivations => "TOO_MANY_ACTIVATIONS",
        }
    }
}

/// A license's status in the marketplace's records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum LicenseStatus {
    /// In force.
    Active,
    /// Held back while the subscription's payment is overdue.
    Suspended,
    /// Ended for good.
    Revoked,
    /// Marked expired by the records.
    Expired,
}

/// What the request said about a machine, checked against the license's activations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FingerprintCheck {
    /// The request named no machine.
    NotGiven,
    /// The machine named is activated.
    Activated,
    /// The machine named is not activated.
    NotActivated,
}

/// What the service knows about a license on record.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LicenseFacts {
    /// The recorded status.
    pub status: LicenseStatus,
    /// True when the recorded expiry has passed by the server's clock (whatever the status
    /// says: a job may not have marked it yet).
    pub expired: bool,
    /// The fingerprint, if any, against the activations.
    pub fingerprint: FingerprintCheck,
}

/// Everything that decides a validation's code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ValidationFacts {
    /// True when the key parsed, names a known kid and its signature verified.
    pub authentic: bool,
    /// The license the key names, if on record.
    pub license: Option<LicenseFacts>,
}

impl ValidationFacts {
    /// The answer's code: the first that applies in the precedence `NOT_FOUND` > `REVOKED` >
    /// `EXPIRED` > `SUSPENDED` > `NOT_ACTIVATED` > `VALID`.
    #[must_use]
    pub fn code(&self) -> ValidationCode {
        let Some(license) = self.license.filter(|_| self.authentic) else {
            return ValidationCode::NotFound;
        };
        match license {
            LicenseFacts {
                status: LicenseStatus::Revoked,
                ..
            } => ValidationCode::Revoked,
            LicenseFacts {
                status: LicenseStatus::Expired,
                ..
            }
            | LicenseFacts { expired: true, .. } => ValidationCode::Expired,
            LicenseFacts {
                status: LicenseStatus::Suspended,
                ..
            } => ValidationCode::Suspended,
            LicenseFacts {
                fingerprint: FingerprintCheck::NotActivated,
                ..
            } => ValidationCode::NotActivated,
            LicenseFacts { .. } => ValidationCode::Valid,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_written_in_screaming_snake_case() {
        let all = [
            ValidationCode::NotFound,
            ValidationCode::Revoked,
            ValidationCode::Expired,
            ValidationCode::Suspended,
            ValidationCode::NotActivated,
            ValidationCode::Valid,
            ValidationCode::TooManyActivations,
        ];
        for code in all {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ValidationCode>(&json).unwrap(), code);
        }
        assert_eq!(
            serde_json::to_string(&ValidationCode::TooManyActivations).unwrap(),
            "\"TOO_MANY_ACTIVATIONS\""
        );
        assert!(serde_json::from_str::<ValidationCode>("\"valid\"").is_err());
    }
}
