//! The reviews' shapes: the review, the caller's review to write, a flag.

use chrono::{DateTime, Utc};
use marketplace_domain::review::{Review, ReviewInput};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::wire::labels::ReviewStatusLabel;

/// A review of a tool.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewDto {
    pub id: Uuid,
    pub tool_id: Uuid,
    pub rating: u8,
    pub title: Option<String>,
    pub body: Option<String>,
    pub status: ReviewStatusLabel,
    pub verified_purchase: bool,
    pub helpful_count: u32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<Review> for ReviewDto {
    fn from(r: Review) -> Self {
        Self {
            id: r.id().as_uuid(),
            tool_id: r.tool_id().as_uuid(),
            rating: r.rating().get(),
            title: r.title().map(|t| t.as_str().to_owned()),
            body: r.body().map(|b| b.as_str().to_owned()),
            status: r.status().into(),
            verified_purchase: r.verified_purchase(),
            helpful_count: r.helpful_count(),
            created_at: r.created_at(),
            updated_at: r.updated_at(),
        }
    }
}

/// PUT /v1/tools/{id}/reviews/mine.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBodyDto {
    /// 1 to 5.
    #[garde(range(min = 1, max = 5))]
    pub rating: u8,
    #[garde(length(chars, max = 200))]
    pub title: Option<String>,
    #[garde(length(chars, max = 2000))]
    pub body: Option<String>,
}

impl From<ReviewBodyDto> for ReviewInput {
    fn from(b: ReviewBodyDto) -> Self {
        Self {
            rating: b.rating,
            title: b.title,
            body: b.body,
        }
    }
}

/// POST /v1/reviews/{id}/flag.
#[derive(Debug, Default, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FlagBody {
    #[garde(length(chars, max = 500))]
    pub reason: Option<String>,
}

/// Whether a flag hid the review.
#[derive(Debug, Serialize, ToSchema)]
pub struct FlagDto {
    /// True when this flag was the third and hid the review until a moderator decides.
    pub hidden: bool,
}
