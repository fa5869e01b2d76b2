//! Where reviews, their helpful votes and their flags live.

use async_trait::async_trait;

use crate::ids::{OrgId, ReviewId, ToolId, UserId};
use crate::paging::{Page, PageRequest};
use crate::ports::RepoError;
use crate::review::{FlagPlan, Review, ReviewStatus};

/// Reviews of the global catalog's tools. A review, a vote and a flag each carry the org of
/// the user who made them (R-T3). Every change that can move a tool's APPROVED set
/// recomputes that tool's `avg_rating` and `review_count` exactly, in the same transaction
/// (R-V6), as [`crate::review::RatingSummary`] computes them.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ReviewRepository: Send + Sync {
    /// `Ok(None)` for an unknown id.
    async fn get(&self, id: ReviewId) -> Result<Option<Review>, RepoError>;

    /// The one review `user` wrote of `tool` (R-V1), in any status; `Ok(None)` when none.
    async fn find_by_author(&self, tool: ToolId, user: UserId)
    -> Result<Option<Review>, RepoError>;

    /// Inserts the review or replaces the stored one with the same id, in one transaction
    /// with the R-V6 recompute of its tool's `avg_rating` and `review_count` over APPROVED
    /// reviews. Writes every field except `helpful_count`, which only [`Self::add_vote`]
    /// changes, so that a concurrent vote is never lost.
    ///
    /// # Errors
    /// `RepoError::Conflict(Conflict::Review)` when another review of the same
    /// (tool, user) exists (a concurrent first write); `RepoError::NotFound` for an
    /// unknown tool.
    async fn save(&self, review: &Review) -> Result<(), RepoError>;

    /// Deletes the review with its votes and flags, in one transaction with the R-V6
    /// recompute of its tool's counters.
    ///
    /// # Errors
    /// `RepoError::NotFound` when the review does not exist.
    async fn delete(&self, id: ReviewId) -> Result<(), RepoError>;

    /// R-V5: records `user`'s helpful vote (carrying `org`, R-T3) and increments the
    /// review's `helpful_count` atomically, in one transaction. `Ok(false)`, writing
    /// nothing, when this user already voted for this review (a unique (review, user) key,
    /// not a read-then-write).
    ///
    /// # Errors
    /// `RepoError::NotFound` when the review does not exist.
    async fn add_vote(&self, review: ReviewId, user: UserId, org: OrgId)
    -> Result<bool, RepoError>;

    /// R-V3, R-V5: persists one user's flag as the domain planned it, in one transaction:
    /// inserts the flag row (`plan.user_id`, `plan.org_id`, `plan.reason`, `plan.at`),
    /// unique per (review, user), and sets the review's status, `flag_count` and
    /// `updated_at` to `plan.after` / `plan.at` only if it still holds `plan.before`; when
    /// the status changes, recomputes the tool's counters (R-V6). The threshold is the
    /// domain's ([`Review::add_flag`]); the store only applies the plan.
    ///
    /// `Ok(false)`, writing nothing, when this user already flagged this review.
    ///
    /// # Errors
    /// `RepoError::Stale` (writing nothing) when the review no longer holds `plan.before`:
    /// the caller reloads and plans again. `RepoError::NotFound` when it does not exist.
    async fn record_flag(&self, plan: &FlagPlan) -> Result<bool, RepoError>;

    /// R-V4: the tool's APPROVED reviews, newest first (`created_at` descending, then id),
    /// with the total count. An unknown tool has none.
    async fn list_approved(
        &self,
        tool: ToolId,
        page: PageRequest,
    ) -> Result<Page<Review>, RepoError>;

    /// The moderation queue (R-V3): reviews in `status` (every status when `None`) across
    /// all tools and orgs, oldest first (`updated_at` ascending, then id), with the total.
    async fn list_by_status(
        &self,
        status: Option<ReviewStatus>,
        page: PageRequest,
    ) -> Result<Page<Review>, RepoError>;
}
