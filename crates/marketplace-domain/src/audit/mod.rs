//! The audit trail: who did what to which record, in which org, when, and what it
//! changed (R-T8). Every state-changing use case records one event for its change.
//!
//! - [`AuditEvent`]: one action, with named details and the fields it changed
//!   ([`FieldChange`], old and new values, never a secret).
//! - [`AuditLog`]: where events are written.
//! - [`trail`]: reading the trail back, for platform admins and an org's owners.

pub mod trail;

#[cfg(any(test, feature = "mocks"))]
pub use trail::MockAuditTrail;
pub use trail::{
    AuditEntry, AuditFilter, AuditTrail, AuditTrailError, AuditTrailService, RecordedChange,
};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::access::Actor;
use crate::ids::{OrgId, UserId};

/// One state-changing action.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEvent {
    pub at: DateTime<Utc>,
    /// `None` for the system (webhooks, jobs).
    pub actor: Option<UserId>,
    pub org_id: Option<OrgId>,
    /// A dotted verb such as `order.placed`.
    pub action: &'static str,
    pub subject_type: &'static str,
    pub subject_id: Uuid,
    /// What else the action records, by name (a decision's notes, the fields a change
    /// touched); empty for most actions.
    pub details: Vec<(&'static str, String)>,
    /// The fields the action changed, each with its value before and after.
    pub changes: Vec<FieldChange>,
}

/// One field an action changed, as the trail shows it: its value before and after, as
/// text (`None`: it had none). Built only through [`AuditEvent::changed`], which never
/// takes a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldChange {
    field: &'static str,
    old: Option<String>,
    new: Option<String>,
}

impl FieldChange {
    #[must_use]
    pub const fn field(&self) -> &'static str {
        self.field
    }
    #[must_use]
    pub fn old(&self) -> Option<&str> {
        self.old.as_deref()
    }
    #[must_use]
    pub fn new_value(&self) -> Option<&str> {
        self.new.as_deref()
    }
}

/// Words that name a secret in a field's name (`api_key`, `key_digest`, `client_secret`,
/// `token`...): such a field is never written to the trail, whatever its value (R-T8).
const SECRET_WORDS: [&str; 7] = [
    "key",
    "secret",
    "digest",
    "token",
    "password",
    "hash",
    "signature",
];

/// Whether a field named `field` may hold a secret, by the words of its name.
#[must_use]
pub fn names_a_secret(field: &str) -> bool {
    field
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| SECRET_WORDS.contains(&word.to_ascii_lowercase().as_str()))
}

impl AuditEvent {
    /// An action taken by `actor` in their org.
    #[must_use]
    pub fn by(
        actor: &Actor,
        action: &'static str,
        subject_type: &'static str,
        subject_id: Uuid,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            at,
            actor: Some(actor.user_id),
            org_id: Some(actor.org_id),
            action,
            subject_type,
            subject_id,
            details: Vec::new(),
            changes: Vec::new(),
        }
    }

    /// An action taken by the system on behalf of `org`.
    #[must_use]
    pub fn system(
        org_id: Option<OrgId>,
        action: &'static str,
        subject_type: &'static str,
        subject_id: Uuid,
        at: DateTime<Utc>,
    ) -> Self {
        Self {
            at,
            actor: None,
            org_id,
            action,
            subject_type,
            subject_id,
            details: Vec::new(),
            changes: Vec::new(),
        }
    }
}

impl AuditEvent {
    /// The event with one more named detail.
    #[must_use]
    pub fn with_detail(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.details.push((name, value.into()));
        self
    }

    /// The event with one more changed field, when its value did change: `old` and `new`
    /// as the trail shows them. A field whose name names a secret ([`names_a_secret`]) is
    /// left out: the trail records that something changed through the action, never the
    /// secret.
    #[must_use]
    pub fn changed<T: ToString + PartialEq>(
        mut self,
        field: &'static str,
        old: Option<&T>,
        new: Option<&T>,
    ) -> Self {
        if old != new && !names_a_secret(field) {
            self.changes.push(FieldChange {
                field,
                old: old.map(ToString::to_string),
                new: new.map(ToString::to_string),
            });
        }
        self
    }

    /// As [`Self::changed`] for a field that always has a value.
    #[must_use]
    pub fn changed_from<T: ToString + PartialEq>(
        self,
        field: &'static str,
        old: &T,
        new: &T,
    ) -> Self {
        self.changed(field, Some(old), Some(new))
    }
}

/// Where audit events go. Recording never fails the action it describes: an
/// implementation logs its own failures.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn record(&self, event: AuditEvent);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::{OrgRole, PlatformRole};

    fn event() -> AuditEvent {
        let actor = Actor {
            user_id: UserId::from_uuid(Uuid::from_u128(1)),
            org_id: OrgId::from_uuid(Uuid::from_u128(2)),
            org_role: OrgRole::Owner,
            platform_role: PlatformRole::User,
        };
        AuditEvent::by(
            &actor,
            "org.updated",
            "org",
            Uuid::from_u128(2),
            DateTime::<Utc>::UNIX_EPOCH,
        )
    }

    #[test]
    fn r_t8_a_change_keeps_the_old_and_new_values_of_a_field_that_changed() {
        let e = event()
            .changed_from("tier", &"STARTER", &"GROWTH")
            .changed_from("name", &"Acme", &"Acme")
            .changed("label", None, Some(&"CI"));
        assert_eq!(e.changes.len(), 2, "an unchanged field is not a change");
        assert_eq!(
            (
                e.changes[0].field(),
                e.changes[0].old(),
                e.changes[0].new_value()
            ),
            ("tier", Some("STARTER"), Some("GROWTH"))
        );
        assert_eq!(
            (
                e.changes[1].field(),
                e.changes[1].old(),
                e.changes[1].new_value()
            ),
            ("label", None, Some("CI"))
        );
    }

    #[test]
    fn r_t8_a_field_that_names_a_secret_never_reaches_the_trail() {
        let e = event()
            .changed_from("key_digest", &"d1", &"d2")
            .changed("api_key", None, Some(&"mk_live_123"))
            .changed_from("webhook_secret", &"a", &"b")
            .changed_from("Token", &"a", &"b")
            .changed_from("password_hash", &"a", &"b")
            .changed_from("display_name", &"a", &"b");
        assert_eq!(
            e.changes.iter().map(FieldChange::field).collect::<Vec<_>>(),
            ["display_name"]
        );
        for name in ["key", "client_secret", "signature", "refresh-token"] {
            assert!(names_a_secret(name), "{name}");
        }
        for name in ["label", "scopes", "tier", "monkey_business"] {
            assert!(!names_a_secret(name), "{name}");
        }
    }
}
