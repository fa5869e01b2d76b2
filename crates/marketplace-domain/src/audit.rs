//! The audit trail: who did what to which record, in which org, when. Every
//! state-changing use case records one event after its change is stored.

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
}

/// Where audit events go. Recording never fails the action it describes: an
/// implementation logs its own failures.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AuditLog: Send + Sync {
    async fn record(&self, event: AuditEvent);
}
