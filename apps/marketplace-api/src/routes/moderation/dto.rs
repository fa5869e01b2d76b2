//! The moderation queue's shapes: a review with what moderators need, the queue's filter
//! and a decision.

use chrono::{DateTime, Utc};
use marketplace_domain::paging::PageRequest;
use marketplace_domain::review::{Review, ReviewStatus};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::BadRequest;
use crate::routes::reviews::dto::ReviewDto;
use crate::wire::labels::query::any_case;
use crate::wire::labels::{DecisionLabel, ReviewStatusLabel};
use crate::wire::page_request;

/// A review in the moderation queue: the public shape plus what moderators need.
#[derive(Debug, Serialize, ToSchema)]
pub struct ModerationItemDto {
    #[serde(flatten)]
    pub review: ReviewDto,
    pub user_id: Uuid,
    pub org_id: Uuid,
    pub flag_count: u32,
    pub moderated_by: Option<Uuid>,
    pub moderated_at: Option<DateTime<Utc>>,
    pub moderation_notes: Option<String>,
}

impl From<Review> for ModerationItemDto {
    fn from(r: Review) -> Self {
        let moderation = r.moderation().cloned();
        Self {
            user_id: r.user_id().as_uuid(),
            org_id: r.org_id().as_uuid(),
            flag_count: r.flag_count(),
            moderated_by: moderation.as_ref().map(|m| m.by.as_uuid()),
            moderated_at: moderation.as_ref().map(|m| m.at),
            moderation_notes: moderation.and_then(|m| m.notes.map(|n| n.as_str().to_owned())),
            review: r.into(),
        }
    }
}

/// The moderation filter.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ModerationQuery {
    /// PENDING (default view of moderators), APPROVED, REJECTED or FLAGGED; all when absent.
    #[serde(default, deserialize_with = "any_case")]
    #[param(value_type = Option<ReviewStatusLabel>)]
    pub status: Option<ReviewStatus>,
    /// 1 to 100, default 50.
    pub limit: Option<u32>,
    /// Default 0.
    pub offset: Option<u64>,
}

impl ModerationQuery {
    /// The page asked for.
    ///
    /// # Errors
    /// [`BadRequest`] for a limit outside 1..=100.
    pub fn page(&self) -> Result<PageRequest, BadRequest> {
        page_request(self.limit, self.offset)
    }
}

/// POST /v1/moderation/reviews/{id}.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModerationBody {
    #[garde(skip)]
    pub decision: DecisionLabel,
    #[garde(length(chars, max = 2000))]
    pub notes: Option<String>,
}
