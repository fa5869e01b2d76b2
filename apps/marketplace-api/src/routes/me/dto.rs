//! A user's personal data on the wire (R-T9).

use chrono::{DateTime, Utc};
use marketplace_domain::personal_data::{Erasure, PersonalData};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::routes::audit::dto::AuditEntryDto;

/// A review the user wrote.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedReviewDto {
    pub id: Uuid,
    pub tool_id: Uuid,
    pub rating: i16,
    pub title: Option<String>,
    pub body: Option<String>,
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// A helpful vote the user cast.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedVoteDto {
    pub review_id: Uuid,
    pub created_at: DateTime<Utc>,
}

/// A line of the user's cart.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedCartLineDto {
    pub item_type: String,
    pub item_id: Uuid,
    pub added_at: DateTime<Utc>,
}

/// A message the user sent in a services thread.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedMessageDto {
    pub thread_id: Uuid,
    pub body: String,
    pub sent_at: DateTime<Utc>,
}

/// An API key the user created: never the key or its digest.
#[derive(Debug, Serialize, ToSchema)]
pub struct ExportedApiKeyDto {
    pub id: Uuid,
    pub org_id: Uuid,
    pub label: String,
    /// Space-separated scopes.
    pub scopes: String,
    /// The key's prefix and last four characters.
    pub hint: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Everything the marketplace keeps about the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonalDataDto {
    pub user_id: Uuid,
    pub reviews: Vec<ExportedReviewDto>,
    pub votes: Vec<ExportedVoteDto>,
    pub cart: Vec<ExportedCartLineDto>,
    pub messages: Vec<ExportedMessageDto>,
    pub api_keys: Vec<ExportedApiKeyDto>,
    /// Audit entries where the user acted or is the subject, newest first.
    pub audit: Vec<AuditEntryDto>,
}

impl PersonalDataDto {
    pub fn new(user_id: Uuid, d: PersonalData) -> Self {
        Self {
            user_id,
            reviews: d
                .reviews
                .into_iter()
                .map(|r| ExportedReviewDto {
                    id: r.id,
                    tool_id: r.tool_id,
                    rating: r.rating,
                    title: r.title,
                    body: r.body,
                    status: r.status,
                    created_at: r.created_at,
                })
                .collect(),
            votes: d
                .votes
                .into_iter()
                .map(|v| ExportedVoteDto {
                    review_id: v.review_id,
                    created_at: v.created_at,
                })
                .collect(),
            cart: d
                .cart
                .into_iter()
                .map(|l| ExportedCartLineDto {
                    item_type: l.item_type,
                    item_id: l.item_id,
                    added_at: l.added_at,
                })
                .collect(),
            messages: d
                .messages
                .into_iter()
                .map(|m| ExportedMessageDto {
                    thread_id: m.thread_id,
                    body: m.body,
                    sent_at: m.sent_at,
                })
                .collect(),
            api_keys: d
                .api_keys
                .into_iter()
                .map(|k| ExportedApiKeyDto {
                    id: k.id,
                    org_id: k.org_id,
                    label: k.label,
                    scopes: k.scopes,
                    hint: k.hint,
                    created_at: k.created_at,
                    revoked_at: k.revoked_at,
                })
                .collect(),
            audit: d.audit.into_iter().map(AuditEntryDto::from).collect(),
        }
    }
}

/// What an erasure did.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureDto {
    pub user_id: Uuid,
    pub reviews_anonymised: u64,
    pub votes_removed: u64,
    pub cart_lines_removed: u64,
    pub audit_entries_cleared: u64,
}

impl ErasureDto {
    pub fn new(user_id: Uuid, e: Erasure) -> Self {
        Self {
            user_id,
            reviews_anonymised: e.reviews_anonymised,
            votes_removed: e.votes_removed,
            cart_lines_removed: e.cart_lines_removed,
            audit_entries_cleared: e.audit_entries_cleared,
        }
    }
}
