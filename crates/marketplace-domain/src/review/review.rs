//! The review entity and its values (R-V1, R-V3, R-V4, R-V6): values valid by construction,
//! and the moderation and flagging rules as methods on [`Review`].

use chrono::{DateTime, Utc};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::field::FieldError;
use crate::ids::{OrgId, ReviewId, ToolId, UserId};

/// R-V3: the number of distinct users whose flags take a review out of public view.
pub const FLAG_THRESHOLD: u32 = 3;

/// R-V1: a star rating, an integer 1..=5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rating(u8);

impl Rating {
    pub const MIN: u8 = 1;
    pub const MAX: u8 = 5;

    /// # Errors
    /// [`FieldError`] on `rating` outside 1..=5.
    pub fn new(stars: u8) -> Result<Self, FieldError> {
        if (Self::MIN..=Self::MAX).contains(&stars) {
            Ok(Self(stars))
        } else {
            Err(FieldError::new("rating", "must be an integer from 1 to 5"))
        }
    }

    /// The number of stars, 1..=5.
    #[must_use]
    pub const fn get(self) -> u8 {
        self.0
    }
}

macro_rules! optional_text {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// The longest text allowed, in characters.
            pub const MAX_CHARS: usize = $max;

            /// Trims the text; blank or absent text is `None`.
            ///
            /// # Errors
            /// [`FieldError`] naming the field when it is longer than [`Self::MAX_CHARS`].
            pub fn parse(raw: Option<&str>) -> Result<Option<Self>, FieldError> {
                let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
                    return Ok(None);
                };
                if text.chars().count() > Self::MAX_CHARS {
                    return Err(FieldError::new(
                        $field,
                        format!("must be at most {} characters", Self::MAX_CHARS),
                    ));
                }
                Ok(Some(Self(text.to_owned())))
            }

            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

optional_text!(
    /// R-V1: a review's title, at most 200 characters.
    ReviewTitle,
    "title",
    200
);
optional_text!(
    /// R-V1: a review's text, at most 2000 characters.
    ReviewBody,
    "body",
    2000
);
optional_text!(
    /// R-V3: what a moderator notes on a decision, at most 2000 characters.
    ModerationNotes,
    "notes",
    2000
);
optional_text!(
    /// R-V5: why a user flags a review, at most 500 characters.
    FlagReason,
    "reason",
    500
);

/// Where a review stands in moderation (R-V3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReviewStatus {
    /// Written or rewritten, awaiting a moderator.
    Pending,
    /// Public (R-V4) and counted in the tool's rating (R-V6).
    Approved,
    Rejected,
    /// Flagged by [`FLAG_THRESHOLD`] users: out of public view until a moderator decides.
    Flagged,
}
crate::labelled!(ReviewStatus, "review status", {
    Pending => "PENDING", Approved => "APPROVED", Rejected => "REJECTED", Flagged => "FLAGGED",
});

/// A moderator's decision (R-V3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    Approve,
    Reject,
}
crate::labelled!(Decision, "decision", { Approve => "approve", Reject => "reject" });

impl Decision {
    /// The status the decision moves a review to.
    #[must_use]
    pub const fn status(self) -> ReviewStatus {
        match self {
            Self::Approve => ReviewStatus::Approved,
            Self::Reject => ReviewStatus::Rejected,
        }
    }
}

/// The last moderator's decision on a review: kept when the review moves on (R-V3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Moderation {
    pub by: UserId,
    pub at: DateTime<Utc>,
    pub notes: Option<ModerationNotes>,
}

/// What a reviewer writes, validated (R-V1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewContent {
    pub rating: Rating,
    pub title: Option<ReviewTitle>,
    pub body: Option<ReviewBody>,
}

/// A review's state as a flag sees it: what [`crate::review::ReviewRepository::record_flag`]
/// compares and sets atomically.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlagState {
    pub status: ReviewStatus,
    pub flag_count: u32,
}

/// The change one user's flag makes (R-V3, R-V5), computed in the domain and persisted in
/// one transaction by [`crate::review::ReviewRepository::record_flag`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagPlan {
    pub review_id: ReviewId,
    pub tool_id: ToolId,
    /// Who flags, and their org: the flag row is tenant-owned (R-T3).
    pub user_id: UserId,
    pub org_id: OrgId,
    pub reason: Option<FlagReason>,
    pub at: DateTime<Utc>,
    /// The state the review was read in; the store must still hold it.
    pub before: FlagState,
    /// The state to store.
    pub after: FlagState,
}

impl FlagPlan {
    /// Whether this flag takes the review out of public view (R-V3).
    #[must_use]
    pub fn hides(&self) -> bool {
        self.before.status != ReviewStatus::Flagged && self.after.status == ReviewStatus::Flagged
    }
}

/// A review of a tool by one user (one per tool and user, R-V1). The fields are private:
/// they change only through the rules below.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Review {
    id: ReviewId,
    tool_id: ToolId,
    org_id: OrgId,
    user_id: UserId,
    rating: Rating,
    title: Option<ReviewTitle>,
    body: Option<ReviewBody>,
    status: ReviewStatus,
    verified_purchase: bool,
    helpful_count: u32,
    flag_count: u32,
    moderation: Option<Moderation>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

/// Every field of a stored review, for adapters ([`Review::restore`], [`Review::into_parts`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewParts {
    pub id: ReviewId,
    pub tool_id: ToolId,
    pub org_id: OrgId,
    pub user_id: UserId,
    pub rating: Rating,
    pub title: Option<ReviewTitle>,
    pub body: Option<ReviewBody>,
    pub status: ReviewStatus,
    pub verified_purchase: bool,
    pub helpful_count: u32,
    pub flag_count: u32,
    pub moderation: Option<Moderation>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Review {
    /// A new review, PENDING (R-V3). R-V2: written only after the org's entitlement to the
    /// tool was checked, so it is stamped `verified_purchase`.
    #[must_use]
    pub fn write(
        id: ReviewId,
        tool_id: ToolId,
        org_id: OrgId,
        user_id: UserId,
        content: ReviewContent,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            tool_id,
            org_id,
            user_id,
            rating: content.rating,
            title: content.title,
            body: content.body,
            status: ReviewStatus::Pending,
            verified_purchase: true,
            helpful_count: 0,
            flag_count: 0,
            moderation: None,
            created_at: now,
            updated_at: now,
        }
    }

    /// Rebuilds a stored review (for adapters); the values are already valid by type.
    #[must_use]
    pub fn restore(parts: ReviewParts) -> Self {
        Self {
            id: parts.id,
            tool_id: parts.tool_id,
            org_id: parts.org_id,
            user_id: parts.user_id,
            rating: parts.rating,
            title: parts.title,
            body: parts.body,
            status: parts.status,
            verified_purchase: parts.verified_purchase,
            helpful_count: parts.helpful_count,
            flag_count: parts.flag_count,
            moderation: parts.moderation,
            created_at: parts.created_at,
            updated_at: parts.updated_at,
        }
    }

    /// Every field, for adapters.
    #[must_use]
    pub fn into_parts(self) -> ReviewParts {
        ReviewParts {
            id: self.id,
            tool_id: self.tool_id,
            org_id: self.org_id,
            user_id: self.user_id,
            rating: self.rating,
            title: self.title,
            body: self.body,
            status: self.status,
            verified_purchase: self.verified_purchase,
            helpful_count: self.helpful_count,
            flag_count: self.flag_count,
            moderation: self.moderation,
            created_at: self.created_at,
            updated_at: self.updated_at,
        }
    }

    /// R-V1: writing again replaces the content and sends the review back to PENDING, for a
    /// moderator to see the new text. The author's current org, whose entitlement was just
    /// checked (R-V2), is stamped on it. Votes, flags and the last moderation are kept.
    pub fn rewrite(&mut self, org_id: OrgId, content: ReviewContent, now: DateTime<Utc>) {
        self.org_id = org_id;
        self.rating = content.rating;
        self.title = content.title;
        self.body = content.body;
        self.status = ReviewStatus::Pending;
        self.verified_purchase = true;
        self.updated_at = now;
    }

    /// R-V3: a moderator approves or rejects. Any status may be decided (PENDING and
    /// FLAGGED are the queue; a decided review may be decided again); who and when are
    /// recorded. A decision deals with the open flags: the count starts again from zero, so
    /// [`FLAG_THRESHOLD`] further users are needed to hide the review again.
    pub fn moderate(
        &mut self,
        decision: Decision,
        by: UserId,
        notes: Option<ModerationNotes>,
        now: DateTime<Utc>,
    ) {
        self.status = decision.status();
        self.moderation = Some(Moderation { by, at: now, notes });
        self.flag_count = 0;
        self.updated_at = now;
    }

    /// R-V3: one more distinct user flags the review (the store keeps flags unique per
    /// user, R-V5). When the count reaches [`FLAG_THRESHOLD`], an APPROVED review becomes
    /// FLAGGED and leaves public view; returns whether it did. A review not in public view
    /// keeps its status: it already awaits (or has had) a moderator.
    pub fn add_flag(&mut self, now: DateTime<Utc>) -> bool {
        self.flag_count = self.flag_count.saturating_add(1);
        self.updated_at = now;
        let becomes_flagged =
            self.status == ReviewStatus::Approved && self.flag_count >= FLAG_THRESHOLD;
        if becomes_flagged {
            self.status = ReviewStatus::Flagged;
        }
        becomes_flagged
    }

    /// R-V4: everyone sees APPROVED reviews; the author sees their own in any status.
    #[must_use]
    pub fn is_visible_to(&self, user: UserId) -> bool {
        self.status == ReviewStatus::Approved || self.user_id == user
    }

    /// Whether `user` wrote it (R-V5: no vote or flag on one's own review).
    #[must_use]
    pub fn is_by(&self, user: UserId) -> bool {
        self.user_id == user
    }

    /// The state a flag compares and sets.
    #[must_use]
    pub const fn flag_state(&self) -> FlagState {
        FlagState {
            status: self.status,
            flag_count: self.flag_count,
        }
    }

    #[must_use]
    pub const fn id(&self) -> ReviewId {
        self.id
    }
    #[must_use]
    pub const fn tool_id(&self) -> ToolId {
        self.tool_id
    }
    #[must_use]
    pub const fn org_id(&self) -> OrgId {
        self.org_id
    }
    /// The author.
    #[must_use]
    pub const fn user_id(&self) -> UserId {
        self.user_id
    }
    #[must_use]
    pub const fn rating(&self) -> Rating {
        self.rating
    }
    #[must_use]
    pub const fn title(&self) -> Option<&ReviewTitle> {
        self.title.as_ref()
    }
    #[must_use]
    pub const fn body(&self) -> Option<&ReviewBody> {
        self.body.as_ref()
    }
    #[must_use]
    pub const fn status(&self) -> ReviewStatus {
        self.status
    }
    #[must_use]
    pub const fn verified_purchase(&self) -> bool {
        self.verified_purchase
    }
    #[must_use]
    pub const fn helpful_count(&self) -> u32 {
        self.helpful_count
    }
    /// Flags since the last moderator's decision.
    #[must_use]
    pub const fn flag_count(&self) -> u32 {
        self.flag_count
    }
    /// The last moderator's decision, kept when the review is rewritten.
    #[must_use]
    pub const fn moderation(&self) -> Option<&Moderation> {
        self.moderation.as_ref()
    }
    #[must_use]
    pub const fn created_at(&self) -> DateTime<Utc> {
        self.created_at
    }
    #[must_use]
    pub const fn updated_at(&self) -> DateTime<Utc> {
        self.updated_at
    }
}

/// A tool's rating counters (R-V6): over its APPROVED reviews only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RatingSummary {
    /// The mean rating rounded half away from zero to 2 dp; `None` without an approved
    /// review.
    pub avg_rating: Option<Decimal>,
    pub review_count: u64,
}

impl RatingSummary {
    /// R-V6 from the ratings of a tool's APPROVED reviews.
    #[must_use]
    pub fn of(ratings: impl IntoIterator<Item = Rating>) -> Self {
        Self::from_tally(ratings.into_iter().map(|r| (r, 1)))
    }

    /// R-V6 from how many APPROVED reviews gave each rating (a rating may appear more than
    /// once): what a store counts with one `GROUP BY`. Every store's counters are this
    /// summary; none averages or rounds on its own.
    #[must_use]
    pub fn from_tally(tally: impl IntoIterator<Item = (Rating, u64)>) -> Self {
        let (sum, count) = tally
            .into_iter()
            .fold((0u64, 0u64), |(sum, count), (r, n)| {
                (
                    sum.saturating_add(u64::from(r.get()).saturating_mul(n)),
                    count.saturating_add(n),
                )
            });
        let avg_rating = (count > 0).then(|| {
            let mut avg = (Decimal::from(sum) / Decimal::from(count))
                .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
            avg.rescale(2);
            avg
        });
        Self {
            avg_rating,
            review_count: count,
        }
    }

    /// R-V6 over any reviews of one tool: only the APPROVED ones count.
    #[must_use]
    pub fn over<'a>(reviews: impl IntoIterator<Item = &'a Review>) -> Self {
        Self::of(
            reviews
                .into_iter()
                .filter(|r| r.status == ReviewStatus::Approved)
                .map(|r| r.rating),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::dec;
    use uuid::Uuid;

    fn user(n: u128) -> UserId {
        UserId::from_uuid(Uuid::from_u128(n))
    }

    fn review(status: ReviewStatus, stars: u8) -> Review {
        let now = DateTime::<Utc>::UNIX_EPOCH;
        let content = ReviewContent {
            rating: Rating::new(stars).unwrap(),
            title: None,
            body: None,
        };
        let mut r = Review::write(
            ReviewId::from_uuid(Uuid::from_u128(100)),
            ToolId::from_uuid(Uuid::from_u128(200)),
            OrgId::from_uuid(Uuid::from_u128(300)),
            user(1),
            content,
            now,
        );
        r.status = status;
        r
    }

    #[test]
    fn statuses_and_decisions_travel_as_labels() {
        assert_eq!(ReviewStatus::ALL.len(), 4);
        for s in ReviewStatus::ALL {
            assert_eq!(s.as_str().parse::<ReviewStatus>(), Ok(*s));
        }
        assert_eq!(ReviewStatus::Flagged.as_str(), "FLAGGED");
        assert_eq!("approve".parse::<Decision>(), Ok(Decision::Approve));
        assert!("maybe".parse::<Decision>().is_err());
    }

    #[test]
    fn r_v3_add_flag_hides_an_approved_review_at_the_threshold_only() {
        let mut r = review(ReviewStatus::Approved, 4);
        assert!(!r.add_flag(DateTime::<Utc>::UNIX_EPOCH));
        assert!(!r.add_flag(DateTime::<Utc>::UNIX_EPOCH));
        assert_eq!(r.status(), ReviewStatus::Approved);
        assert!(r.add_flag(DateTime::<Utc>::UNIX_EPOCH));
        assert_eq!((r.status(), r.flag_count()), (ReviewStatus::Flagged, 3));
        // Already flagged: a fourth flag counts but changes nothing else.
        assert!(!r.add_flag(DateTime::<Utc>::UNIX_EPOCH));
        assert_eq!((r.status(), r.flag_count()), (ReviewStatus::Flagged, 4));
        // A moderator's decision deals with the flags.
        r.moderate(
            Decision::Approve,
            user(9),
            None,
            DateTime::<Utc>::UNIX_EPOCH,
        );
        assert_eq!((r.status(), r.flag_count()), (ReviewStatus::Approved, 0));
        // A review out of public view keeps its status.
        let mut pending = review(ReviewStatus::Pending, 4);
        for _ in 0..3 {
            assert!(!pending.add_flag(DateTime::<Utc>::UNIX_EPOCH));
        }
        assert_eq!(pending.status(), ReviewStatus::Pending);
    }

    #[test]
    fn r_v6_rating_summary_over_approved_only() {
        let reviews = [
            review(ReviewStatus::Approved, 5),
            review(ReviewStatus::Approved, 4),
            review(ReviewStatus::Approved, 4),
            review(ReviewStatus::Pending, 1),
            review(ReviewStatus::Rejected, 1),
            review(ReviewStatus::Flagged, 1),
        ];
        let summary = RatingSummary::over(&reviews);
        assert_eq!(
            summary,
            RatingSummary {
                avg_rating: Some(dec!(4.33)),
                review_count: 3
            }
        );
        assert_eq!(
            summary.avg_rating.map(|a| a.to_string()),
            Some("4.33".to_owned())
        );
        // The same from the approved ratings alone.
        let approved = [5, 4, 4].map(|s| Rating::new(s).unwrap());
        assert_eq!(RatingSummary::of(approved), summary);
        // No approved review: no average, not zero.
        let none = RatingSummary::over(&reviews[3..]);
        assert_eq!(
            none,
            RatingSummary {
                avg_rating: None,
                review_count: 0
            }
        );
        assert_eq!(
            RatingSummary::of([]),
            RatingSummary {
                avg_rating: None,
                review_count: 0
            }
        );
        // All fives.
        let fives = RatingSummary::of([Rating::new(5).unwrap(); 3]);
        assert_eq!(
            fives.avg_rating.map(|a| a.to_string()),
            Some("5.00".to_owned())
        );
    }

    #[test]
    fn r_v6_rating_summary_rounds_half_away_from_zero() {
        let stars = |v: &[u8]| {
            v.iter()
                .map(|s| Rating::new(*s).unwrap())
                .collect::<Vec<_>>()
        };
        // 33 / 8 = 4.125: half away from zero gives 4.13 (banker's rounding would give 4.12).
        let mut ratings = stars(&[5]);
        ratings.extend(stars(&[4; 7]));
        assert_eq!(RatingSummary::of(ratings).avg_rating, Some(dec!(4.13)));
        // 1, 2, 2 -> 1.666.. -> 1.67; always 2 dp.
        let s = RatingSummary::of(stars(&[1, 2, 2]));
        assert_eq!(s.avg_rating, Some(dec!(1.67)));
        let s = RatingSummary::of(stars(&[5, 4]));
        assert_eq!(s.avg_rating.map(|a| a.to_string()), Some("4.50".to_owned()));
        assert_eq!(s.review_count, 2);
    }

    #[test]
    fn r_v6_a_tally_of_approved_ratings_summarises_like_the_ratings_themselves() {
        let r = |s: u8| Rating::new(s).unwrap();
        // 33 / 8 = 4.125 -> 4.13, from a tally as from the list.
        let tally = [(r(5), 1), (r(4), 7)];
        let listed = RatingSummary::of([r(5), r(4), r(4), r(4), r(4), r(4), r(4), r(4)]);
        assert_eq!(RatingSummary::from_tally(tally), listed);
        assert_eq!(
            listed,
            RatingSummary {
                avg_rating: Some(dec!(4.13)),
                review_count: 8
            }
        );
        // Order and split entries do not matter; zero counts add nothing.
        assert_eq!(
            RatingSummary::from_tally([(r(4), 3), (r(1), 0), (r(5), 1), (r(4), 4)]),
            listed
        );
        // 201 / 200 = 1.005 exactly: half away from zero gives 1.01 (a float average
        // would read 1.00499… and round down).
        let s = RatingSummary::from_tally([(r(1), 199), (r(2), 1)]);
        assert_eq!((s.avg_rating, s.review_count), (Some(dec!(1.01)), 200));
        // Nothing approved: no average, not zero.
        assert_eq!(
            RatingSummary::from_tally([(r(3), 0)]),
            RatingSummary::default()
        );
    }
}
