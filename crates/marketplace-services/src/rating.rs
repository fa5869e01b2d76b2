//! R-X5: the buyer of a completed transaction rates the provider once, 1 to 5, moderated
//! like reviews (R-V3); a provider's rating counts approved ratings only (as R-V6 counts a
//! tool's).

use chrono::{DateTime, Utc};
use marketplace_domain::review::{Decision, Rating, RatingSummary, ReviewBody};
use marketplace_kernel::access::Actor;
use marketplace_kernel::ids::{OrgId, SellerId, UserId};

use crate::ids::{ProviderRatingId, TransactionId};
use crate::transaction::Transaction;

/// Where a rating stands in moderation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RatingStatus {
    /// Written, awaiting a moderator; not counted.
    Pending,
    /// Counted in the provider's rating.
    Approved,
    Rejected,
}
marketplace_kernel::labelled!(RatingStatus, "rating status", {
    Pending => "PENDING", Approved => "APPROVED", Rejected => "REJECTED",
});

/// Why a rating was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RatingError {
    /// Only the buyer org's members rate its transaction.
    #[error("only the buyer rates a transaction")]
    NotTheBuyer,
    /// The work was never completed.
    #[error("only a completed transaction can be rated")]
    NotCompleted,
}

/// A buyer's rating of a provider, one per transaction (R-X5).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderRating {
    pub id: ProviderRatingId,
    pub transaction_id: TransactionId,
    pub provider: SellerId,
    pub buyer_org: OrgId,
    pub user_id: UserId,
    pub rating: Rating,
    pub comment: Option<ReviewBody>,
    pub status: RatingStatus,
    pub created_at: DateTime<Utc>,
    pub moderated_at: Option<DateTime<Utc>>,
}

impl ProviderRating {
    /// `actor` of the buyer org rates the provider of a completed `transaction`. The store
    /// keeps one per transaction.
    ///
    /// # Errors
    /// [`RatingError::NotTheBuyer`], [`RatingError::NotCompleted`].
    pub fn write(
        id: ProviderRatingId,
        transaction: &Transaction,
        actor: &Actor,
        rating: Rating,
        comment: Option<ReviewBody>,
        now: DateTime<Utc>,
    ) -> Result<Self, RatingError> {
        if actor.org_id != transaction.buyer_org() {
            return Err(RatingError::NotTheBuyer);
        }
        if !transaction.was_completed() {
            return Err(RatingError::NotCompleted);
        }
        Ok(Self {
            id,
            transaction_id: transaction.id(),
            provider: transaction.provider(),
            buyer_org: transaction.buyer_org(),
            user_id: actor.user_id,
            rating,
            comment,
            status: RatingStatus::Pending,
            created_at: now,
            moderated_at: None,
        })
    }

    /// A moderator's decision, as for reviews (R-V3); a later decision replaces it.
    pub fn moderate(&mut self, decision: Decision, now: DateTime<Utc>) {
        self.status = match decision {
            Decision::Approve => RatingStatus::Approved,
            Decision::Reject => RatingStatus::Rejected,
        };
        self.moderated_at = Some(now);
    }
}

/// R-X5: a provider's rating over its APPROVED ratings only (average to 2 dp and count).
#[must_use]
pub fn provider_score<'a>(ratings: impl IntoIterator<Item = &'a ProviderRating>) -> RatingSummary {
    RatingSummary::of(
        ratings
            .into_iter()
            .filter(|r| r.status == RatingStatus::Approved)
            .map(|r| r.rating),
    )
}
