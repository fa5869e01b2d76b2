//! An API key's record (R-A1): what the org sees and the service checks, never the key.

use chrono::{DateTime, TimeDelta, Utc};
use marketplace_kernel::field::FieldError;
use marketplace_kernel::ids::{OrgId, UserId};

use super::scope::Scopes;
use super::token::KeyHint;
use crate::ids::ApiKeyId;

/// A key's label: 1 to 100 characters once trimmed, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct KeyLabel(String);

impl KeyLabel {
    /// Longest label, in characters.
    pub const MAX_CHARS: usize = 100;

    /// # Errors
    /// [`FieldError`] on `label` when blank, longer than 100 characters, or with a control
    /// character.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let label = raw.trim();
        if label.is_empty() {
            return Err(FieldError::new("label", "must not be blank"));
        }
        if label.chars().count() > Self::MAX_CHARS {
            return Err(FieldError::new("label", "must be at most 100 characters"));
        }
        if label.chars().any(char::is_control) {
            return Err(FieldError::new(
                "label",
                "must not contain control characters",
            ));
        }
        Ok(Self(label.to_owned()))
    }

    /// The label as shown.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a key can act now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyState {
    Active,
    /// Past its expiry.
    Expired,
    /// Revoked by the org (whatever its expiry says).
    Revoked,
}

/// How stale a key's recorded last use may be: a use is written at most once per this
/// span per key, so a busy key costs one write a minute, not one per call.
pub const LAST_USED_RESOLUTION: TimeDelta = TimeDelta::seconds(60);

/// One API key of an org (R-A1). Holds the key's [`KeyHint`], never the key or its digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub org_id: OrgId,
    pub label: KeyLabel,
    pub scopes: Scopes,
    pub hint: KeyHint,
    /// The user who created it; the key itself acts for the org, not for them (R-A3).
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    /// Recorded at [`LAST_USED_RESOLUTION`]: up to a minute behind the latest use.
    pub last_used_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    /// The key's state at `now`: revocation first, then expiry (a key expires at its
    /// `expires_at` exactly).
    #[must_use]
    pub fn state(&self, now: DateTime<Utc>) -> KeyState {
        if self.revoked_at.is_some() {
            KeyState::Revoked
        } else if self.expires_at.is_some_and(|at| at <= now) {
            KeyState::Expired
        } else {
            KeyState::Active
        }
    }

    /// Whether a use at `now` should be written: never recorded, or recorded
    /// [`LAST_USED_RESOLUTION`] or longer ago (a stored time in the future, from a skewed
    /// clock, is left alone until `now` passes it by the resolution).
    #[must_use]
    pub fn use_worth_recording(&self, now: DateTime<Utc>) -> bool {
        self.last_used_at
            .is_none_or(|last| now - last >= LAST_USED_RESOLUTION)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api_key::scope::Scope;
    use chrono::TimeZone;
    use uuid::Uuid;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_700_000_000 + secs, 0).unwrap()
    }

    fn record() -> ApiKey {
        ApiKey {
            id: ApiKeyId::from_uuid(Uuid::from_u128(1)),
            org_id: OrgId::from_uuid(Uuid::from_u128(2)),
            label: KeyLabel::parse("ci").unwrap(),
            scopes: Scopes::new([Scope::UsageWrite]).unwrap(),
            hint: KeyHint::from_stored("mk_live_AbCd", "wxyz").unwrap(),
            created_by: UserId::from_uuid(Uuid::from_u128(3)),
            created_at: at(0),
            last_used_at: None,
            expires_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn r_a1_a_label_is_1_to_100_characters() {
        assert_eq!(
            KeyLabel::parse("  CI deploys ").unwrap().as_str(),
            "CI deploys"
        );
        assert!(
            KeyLabel::parse(&"é".repeat(100)).is_ok(),
            "characters, not bytes"
        );
        for bad in ["", "   ", "tab\there", &"x".repeat(101)] {
            assert_eq!(KeyLabel::parse(bad).unwrap_err().field, "label", "{bad:?}");
        }
    }

    #[test]
    fn r_a3_a_key_is_expired_from_its_expiry_and_revocation_wins() {
        let mut key = record();
        assert_eq!(key.state(at(10)), KeyState::Active);
        key.expires_at = Some(at(10));
        assert_eq!(key.state(at(9)), KeyState::Active);
        assert_eq!(key.state(at(10)), KeyState::Expired);
        key.revoked_at = Some(at(5));
        assert_eq!(key.state(at(10)), KeyState::Revoked);
        assert_eq!(key.state(at(0)), KeyState::Revoked);
    }

    #[test]
    fn r_a3_a_use_is_recorded_at_most_once_a_minute() {
        let mut key = record();
        assert!(key.use_worth_recording(at(0)), "never used");
        key.last_used_at = Some(at(100));
        assert!(!key.use_worth_recording(at(100)));
        assert!(!key.use_worth_recording(at(159)));
        assert!(key.use_worth_recording(at(160)));
        assert!(
            !key.use_worth_recording(at(50)),
            "a later stored time is kept"
        );
    }
}
