//! Reviews and ratings (R-V1..R-V6): members of orgs that hold a tool review it, vote and
//! flag; platform moderators decide what is public; a tool's rating counts APPROVED
//! reviews only.

mod ports;
#[allow(clippy::module_inception)]
mod review;
mod service;

#[cfg(any(test, feature = "mocks"))]
pub use ports::MockReviewRepository;
pub use ports::ReviewRepository;
pub use review::{
    Decision, FLAG_THRESHOLD, FlagPlan, FlagReason, FlagState, Moderation, ModerationNotes, Rating,
    RatingSummary, Review, ReviewBody, ReviewContent, ReviewParts, ReviewStatus, ReviewTitle,
};
pub use service::{ReviewInput, ReviewService};

use crate::access::Forbidden;
use crate::field::FieldError;
use crate::ports::RepoError;

/// What review use cases can fail with.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// No such review, or one the actor may not see (R-V4, R-T3).
    #[error("not found")]
    NotFound,
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// R-V2: the actor's org holds no active entitlement to the tool.
    #[error("the organization does not hold this tool")]
    NotEntitled,
    /// R-V5: no vote or flag on one's own review.
    #[error("a user may not vote on or flag their own review")]
    OwnReview,
    /// R-V5: one helpful vote per user per review.
    #[error("already voted for this review")]
    AlreadyVoted,
    /// R-V5: one flag per user per review.
    #[error("already flagged this review")]
    AlreadyFlagged,
    #[error("infrastructure failure")]
    Infrastructure(#[source] RepoError),
}

impl From<RepoError> for ReviewError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::NotFound => Self::NotFound,
            other => Self::Infrastructure(other),
        }
    }
}
