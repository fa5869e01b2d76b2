//! The audit trail on the wire (R-T8): the filters a read takes and the entries it
//! answers.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use marketplace_domain::audit::{AuditEntry, AuditFilter, RecordedChange};
use marketplace_domain::ids::{OrgId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::BadRequest;

/// `GET /v1/admin/audit`: every filter given must hold.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AdminAuditQuery {
    /// Only this org's entries.
    pub org_id: Option<Uuid>,
    /// Only what this user did.
    pub actor_id: Option<Uuid>,
    /// Only entries about this kind of record (`org`, `tool`, `purchase`, `review`, `user`…).
    pub subject_type: Option<String>,
    /// Only entries about this record.
    pub subject_id: Option<Uuid>,
    /// Only this action (`org.upserted`, `purchase.refunded`…).
    pub action: Option<String>,
    /// From this RFC 3339 instant, inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Until this RFC 3339 instant, exclusive.
    pub to: Option<DateTime<Utc>>,
    /// 1 to 100, default 50.
    pub limit: Option<u32>,
    /// Default 0.
    pub offset: Option<u64>,
}

/// `GET /v1/orgs/me/audit`: as the admin's read, always of the caller's own org.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgAuditQuery {
    /// Only what this user did.
    pub actor_id: Option<Uuid>,
    /// Only entries about this kind of record.
    pub subject_type: Option<String>,
    /// Only entries about this record.
    pub subject_id: Option<Uuid>,
    /// Only this action.
    pub action: Option<String>,
    /// From this RFC 3339 instant, inclusive.
    pub from: Option<DateTime<Utc>>,
    /// Until this RFC 3339 instant, exclusive.
    pub to: Option<DateTime<Utc>>,
    /// 1 to 100, default 50.
    pub limit: Option<u32>,
    /// Default 0.
    pub offset: Option<u64>,
}

/// A text filter: 1 to 100 characters.
fn text(field: &str, value: Option<String>) -> Result<Option<String>, BadRequest> {
    match value {
        Some(v) if v.trim().is_empty() || v.chars().count() > 100 => {
            Err(BadRequest::field(field, "must be 1 to 100 characters"))
        }
        other => Ok(other),
    }
}

impl TryFrom<AdminAuditQuery> for AuditFilter {
    type Error = BadRequest;

    fn try_from(q: AdminAuditQuery) -> Result<Self, BadRequest> {
        Ok(Self {
            org: q.org_id.map(OrgId::from_uuid),
            ..OrgAuditQuery {
                actor_id: q.actor_id,
                subject_type: q.subject_type,
                subject_id: q.subject_id,
                action: q.action,
                from: q.from,
                to: q.to,
                limit: None,
                offset: None,
            }
            .try_into()?
        })
    }
}

impl TryFrom<OrgAuditQuery> for AuditFilter {
    type Error = BadRequest;

    fn try_from(q: OrgAuditQuery) -> Result<Self, BadRequest> {
        Ok(Self {
            org: None,
            actor: q.actor_id.map(UserId::from_uuid),
            subject_type: text("subject_type", q.subject_type)?,
            subject_id: q.subject_id,
            action: text("action", q.action)?,
            from: q.from,
            to: q.to,
        })
    }
}

/// One changed field: its value before and after (`null`: it had none).
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeDto {
    pub old: Option<String>,
    pub new: Option<String>,
}

/// One entry of the trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryDto {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    /// The user who acted; absent for the system (webhooks, jobs).
    pub actor_id: Option<Uuid>,
    pub org_id: Option<Uuid>,
    pub action: String,
    pub subject_type: String,
    pub subject_id: Option<Uuid>,
    /// Named facts about the action (a decision's notes, an amount…).
    pub details: BTreeMap<String, String>,
    /// The fields the action changed, by name, with their values before and after; never
    /// a secret.
    pub changes: BTreeMap<String, ChangeDto>,
}

impl From<AuditEntry> for AuditEntryDto {
    fn from(e: AuditEntry) -> Self {
        Self {
            id: e.id,
            occurred_at: e.at,
            actor_id: e.actor.map(|u| u.as_uuid()),
            org_id: e.org_id.map(|o| o.as_uuid()),
            action: e.action,
            subject_type: e.subject_type,
            subject_id: e.subject_id,
            details: e.details,
            changes: e
                .changes
                .into_iter()
                .map(|RecordedChange { field, old, new }| (field, ChangeDto { old, new }))
                .collect(),
        }
    }
}
