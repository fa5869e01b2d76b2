//! Review use cases (R-V1..R-V6): writing, voting, flagging, moderating and reading.

use std::sync::Arc;

use crate::access::{AccessPolicy, Actor, Permission};
use crate::audit::{AuditEvent, AuditLog};
use crate::entitlement::HoldingsRepository;
use crate::ids::{ReviewId, ToolId};
use crate::paging::{Page, PageRequest};
use crate::ports::{Clock, IdGenerator, IdGeneratorExt, RepoError};
use crate::review::{
    Decision, FlagPlan, FlagReason, ModerationNotes, Rating, Review, ReviewBody, ReviewContent,
    ReviewError, ReviewRepository, ReviewStatus, ReviewTitle,
};

/// A review as a caller sends it, before validation (R-V1).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReviewInput {
    pub rating: u8,
    pub title: Option<String>,
    pub body: Option<String>,
}

impl ReviewInput {
    /// Validates every field and reports all the faults at once.
    ///
    /// # Errors
    /// [`ReviewError::Invalid`] listing each bad field.
    pub fn parse(&self) -> Result<ReviewContent, ReviewError> {
        let mut faults = Vec::new();
        let rating = Rating::new(self.rating).map_err(|e| faults.push(e)).ok();
        let title = ReviewTitle::parse(self.title.as_deref())
            .map_err(|e| faults.push(e))
            .ok();
        let body = ReviewBody::parse(self.body.as_deref())
            .map_err(|e| faults.push(e))
            .ok();
        match (rating, title, body) {
            (Some(rating), Some(title), Some(body)) => Ok(ReviewContent {
                rating,
                title,
                body,
            }),
            _ => Err(ReviewError::Invalid(faults)),
        }
    }
}

/// How often a flag is planned again when the review moved under it.
const FLAG_ATTEMPTS: usize = 3;

/// Reviews of tools: written by entitled members (R-V2), moderated by the platform (R-V3).
#[derive(Clone)]
pub struct ReviewService {
    reviews: Arc<dyn ReviewRepository>,
    holdings: Arc<dyn HoldingsRepository>,
    audit: Arc<dyn AuditLog>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    /// When set, a review of a tool the catalog does not know is `NotFound`.
    catalog: Option<Arc<dyn crate::catalog::CatalogRepository>>,
    policy: AccessPolicy,
}

impl std::fmt::Debug for ReviewService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReviewService").finish_non_exhaustive()
    }
}

impl ReviewService {
    pub fn new(
        reviews: Arc<dyn ReviewRepository>,
        holdings: Arc<dyn HoldingsRepository>,
        audit: Arc<dyn AuditLog>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self {
            reviews,
            holdings,
            audit,
            clock,
            ids,
            catalog: None,
            policy: AccessPolicy,
        }
    }

    /// Answers `NotFound` for tools the catalog does not know (instead of `NotEntitled` on
    /// writes and an empty page on reads).
    #[must_use]
    pub fn with_catalog(mut self, catalog: Arc<dyn crate::catalog::CatalogRepository>) -> Self {
        self.catalog = Some(catalog);
        self
    }

    async fn require_tool(&self, tool_id: ToolId) -> Result<(), ReviewError> {
        match &self.catalog {
            Some(catalog) if catalog.tool(tool_id).await?.is_none() => Err(ReviewError::NotFound),
            _ => Ok(()),
        }
    }

    /// R-V1, R-V2: writes the actor's review of `tool_id`, or rewrites it (back to PENDING).
    /// An unknown tool is `NotFound` when the service knows the catalog, else `NotEntitled`
    /// (no org holds it).
    ///
    /// # Errors
    /// `Forbidden`, `Invalid`, `NotEntitled`, `Infrastructure`.
    pub async fn write(
        &self,
        actor: &Actor,
        tool_id: ToolId,
        input: ReviewInput,
    ) -> Result<Review, ReviewError> {
        self.policy.require(actor, Permission::Review)?;
        let content = input.parse()?;
        self.require_tool(tool_id).await?;
        let now = self.clock.now();
        self.require_entitlement(actor, tool_id, now).await?;
        let (review, action) = match self.reviews.find_by_author(tool_id, actor.user_id).await? {
            Some(mut review) => {
                review.rewrite(actor.org_id, content, now);
                (review, "review.rewritten")
            }
            None => {
                let review = Review::write(
                    self.ids.new_id(),
                    tool_id,
                    actor.org_id,
                    actor.user_id,
                    content,
                    now,
                );
                (review, "review.written")
            }
        };
        self.reviews.save(&review).await?;
        self.audit
            .record(AuditEvent::by(
                actor,
                action,
                "review",
                review.id().as_uuid(),
                now,
            ))
            .await;
        Ok(review)
    }

    /// Deletes the actor's own review of `tool_id` (no entitlement needed to take one's
    /// words back).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Infrastructure`.
    pub async fn delete_mine(&self, actor: &Actor, tool_id: ToolId) -> Result<(), ReviewError> {
        self.policy.require(actor, Permission::Review)?;
        let review = self
            .reviews
            .find_by_author(tool_id, actor.user_id)
            .await?
            .ok_or(ReviewError::NotFound)?;
        self.reviews.delete(review.id()).await?;
        let event = AuditEvent::by(
            actor,
            "review.deleted",
            "review",
            review.id().as_uuid(),
            self.clock.now(),
        );
        self.audit.record(event).await;
        Ok(())
    }

    /// R-V5: one helpful vote per user per review, never on one's own.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` (also for a review the actor may not see, R-V4), `OwnReview`,
    /// `NotEntitled`, `AlreadyVoted`, `Infrastructure`.
    pub async fn mark_helpful(
        &self,
        actor: &Actor,
        review_id: ReviewId,
    ) -> Result<(), ReviewError> {
        self.policy.require(actor, Permission::Review)?;
        let now = self.clock.now();
        let review = self.reviewable_by(actor, review_id, now).await?;
        if !self
            .reviews
            .add_vote(review.id(), actor.user_id, actor.org_id)
            .await?
        {
            return Err(ReviewError::AlreadyVoted);
        }
        self.audit
            .record(AuditEvent::by(
                actor,
                "review.voted_helpful",
                "review",
                review_id.as_uuid(),
                now,
            ))
            .await;
        Ok(())
    }

    /// R-V3, R-V5: one flag per user per review, never on one's own; the third distinct
    /// flag takes the review out of public view. Returns whether this flag did.
    ///
    /// # Errors
    /// `Forbidden`, `Invalid` (reason too long), `NotFound` (also for a review the actor
    /// may not see, R-V4), `OwnReview`, `NotEntitled`, `AlreadyFlagged`, `Infrastructure`.
    pub async fn flag(
        &self,
        actor: &Actor,
        review_id: ReviewId,
        reason: Option<String>,
    ) -> Result<bool, ReviewError> {
        self.policy.require(actor, Permission::Review)?;
        let reason =
            FlagReason::parse(reason.as_deref()).map_err(|e| ReviewError::Invalid(vec![e]))?;
        let now = self.clock.now();
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut review = self.reviewable_by(actor, review_id, now).await?;
            let before = review.flag_state();
            review.add_flag(now);
            let plan = FlagPlan {
                review_id,
                tool_id: review.tool_id(),
                user_id: actor.user_id,
                org_id: actor.org_id,
                reason: reason.clone(),
                at: now,
                before,
                after: review.flag_state(),
            };
            match self.reviews.record_flag(&plan).await {
                Ok(true) => {
                    self.audit
                        .record(AuditEvent::by(
                            actor,
                            "review.flagged",
                            "review",
                            review_id.as_uuid(),
                            now,
                        ))
                        .await;
                    if plan.hides() {
                        tracing::info!(review_id = %review_id, "review hidden by flags until moderated");
                    }
                    return Ok(plan.hides());
                }
                Ok(false) => return Err(ReviewError::AlreadyFlagged),
                // The review moved between read and write: read it again and re-plan.
                Err(RepoError::Stale(_)) if attempt < FLAG_ATTEMPTS => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// R-V3: a moderator approves or rejects a review, in any status, leaving notes.
    ///
    /// # Errors
    /// `Forbidden`, `Invalid` (notes too long), `NotFound`, `Infrastructure`.
    pub async fn moderate(
        &self,
        actor: &Actor,
        review_id: ReviewId,
        decision: Decision,
        notes: Option<String>,
    ) -> Result<Review, ReviewError> {
        self.policy.require(actor, Permission::ModerateReviews)?;
        let notes =
            ModerationNotes::parse(notes.as_deref()).map_err(|e| ReviewError::Invalid(vec![e]))?;
        let mut review = self
            .reviews
            .get(review_id)
            .await?
            .ok_or(ReviewError::NotFound)?;
        let now = self.clock.now();
        let before = review.status();
        review.moderate(decision, actor.user_id, notes, now);
        self.reviews.save(&review).await?;
        let action = match decision {
            Decision::Approve => "review.approved",
            Decision::Reject => "review.rejected",
        };
        self.audit
            .record(
                AuditEvent::by(actor, action, "review", review_id.as_uuid(), now).changed_from(
                    "status",
                    &before,
                    &review.status(),
                ),
            )
            .await;
        Ok(review)
    }

    /// R-V4: a tool's APPROVED reviews, newest first. An author's own review in another
    /// status is read through [`Self::mine`].
    ///
    /// # Errors
    /// `Infrastructure`.
    pub async fn public_reviews(
        &self,
        actor: &Actor,
        tool_id: ToolId,
        page: PageRequest,
    ) -> Result<Page<Review>, ReviewError> {
        self.policy.require(actor, Permission::BrowseCatalog)?;
        self.require_tool(tool_id).await?;
        Ok(self.reviews.list_approved(tool_id, page).await?)
    }

    /// R-V4: the actor's own review of `tool_id`, in any status; `None` when they wrote none.
    ///
    /// # Errors
    /// `Infrastructure`.
    pub async fn mine(
        &self,
        actor: &Actor,
        tool_id: ToolId,
    ) -> Result<Option<Review>, ReviewError> {
        self.policy.require(actor, Permission::BrowseCatalog)?;
        Ok(self.reviews.find_by_author(tool_id, actor.user_id).await?)
    }

    /// R-V3: the moderation queue, oldest first; every status when `status` is `None`.
    ///
    /// # Errors
    /// `Forbidden`, `Infrastructure`.
    pub async fn queue(
        &self,
        actor: &Actor,
        status: Option<ReviewStatus>,
        page: PageRequest,
    ) -> Result<Page<Review>, ReviewError> {
        self.policy.require(actor, Permission::ModerateReviews)?;
        Ok(self.reviews.list_by_status(status, page).await?)
    }

    /// R-V2, R-E3: the actor's org holds an active entitlement to the tool.
    async fn require_entitlement(
        &self,
        actor: &Actor,
        tool_id: ToolId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), ReviewError> {
        if self
            .holdings
            .holdings(actor.org_id, now)
            .await?
            .holds_tool(tool_id)
        {
            Ok(())
        } else {
            Err(ReviewError::NotEntitled)
        }
    }

    /// R-V4, R-V5: a review the actor may vote on or flag: one they can see, not their own,
    /// of a tool their org holds.
    async fn reviewable_by(
        &self,
        actor: &Actor,
        review_id: ReviewId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Review, ReviewError> {
        let review = self
            .reviews
            .get(review_id)
            .await?
            .filter(|r| r.is_visible_to(actor.user_id))
            .ok_or(ReviewError::NotFound)?;
        if review.is_by(actor.user_id) {
            return Err(ReviewError::OwnReview);
        }
        self.require_entitlement(actor, review.tool_id(), now)
            .await?;
        Ok(review)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Mutex;

    use chrono::{DateTime, Duration, Utc};
    use uuid::Uuid;

    use super::*;
    use crate::access::{Forbidden, OrgRole, PlatformRole};
    use crate::audit::MockAuditLog;
    use crate::entitlement::{Entitlement, EntitlementSource, Holdings, MockHoldingsRepository};
    use crate::ids::{EntitlementId, OrgId, PurchaseId, UserId};
    use crate::ports::{MockClock, MockIdGenerator};
    use crate::review::{FLAG_THRESHOLD, FlagState, MockReviewRepository, Moderation, ReviewParts};

    const AUTHOR: u128 = 1;
    const OTHER: u128 = 2;
    const ORG: u128 = 10;
    const TOOL: u128 = 20;
    const REVIEW: u128 = 30;
    const NEW_REVIEW: u128 = 31;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000, 0).unwrap()
    }

    fn user(n: u128) -> UserId {
        UserId::from_uuid(Uuid::from_u128(n))
    }

    fn org(n: u128) -> OrgId {
        OrgId::from_uuid(Uuid::from_u128(n))
    }

    fn tool() -> ToolId {
        ToolId::from_uuid(Uuid::from_u128(TOOL))
    }

    fn review_id() -> ReviewId {
        ReviewId::from_uuid(Uuid::from_u128(REVIEW))
    }

    fn actor_as(user_n: u128, org_role: OrgRole, platform_role: PlatformRole) -> Actor {
        Actor {
            user_id: user(user_n),
            org_id: org(ORG + user_n),
            org_role,
            platform_role,
        }
    }

    fn member(user_n: u128) -> Actor {
        actor_as(user_n, OrgRole::Member, PlatformRole::User)
    }

    fn moderator() -> Actor {
        actor_as(99, OrgRole::Viewer, PlatformRole::Moderator)
    }

    fn stored(author: u128, status: ReviewStatus, stars: u8) -> ReviewParts {
        let written = now() - Duration::days(30);
        ReviewParts {
            id: review_id(),
            tool_id: tool(),
            org_id: org(ORG + author),
            user_id: user(author),
            rating: Rating::new(stars).unwrap(),
            title: ReviewTitle::parse(Some("Old title")).unwrap(),
            body: None,
            status,
            verified_purchase: true,
            helpful_count: 4,
            flag_count: 0,
            moderation: None,
            created_at: written,
            updated_at: written,
        }
    }

    /// Holdings in which the actor's org holds `tools` through a live entitlement.
    fn holdings_of(tools: &[ToolId]) -> MockHoldingsRepository {
        let ents: Vec<Entitlement> = tools
            .iter()
            .map(|&tool_id| Entitlement {
                id: EntitlementId::from_uuid(Uuid::new_v4()),
                org_id: org(ORG),
                tool_id,
                purchase_id: PurchaseId::from_uuid(Uuid::from_u128(5)),
                source: EntitlementSource::Purchase,
                granted_at: now() - Duration::days(60),
                until: None,
                ended_at: None,
            })
            .collect();
        let holdings = Holdings::new(vec![], &ents, now());
        let mut h = MockHoldingsRepository::new();
        h.expect_holdings().returning(move |_, at| {
            assert_eq!(at, now(), "entitlement is checked at the clock's time");
            Ok(holdings.clone())
        });
        h
    }

    fn audit_any() -> MockAuditLog {
        let mut a = MockAuditLog::new();
        a.expect_record().returning(|_| ());
        a
    }

    fn audit_expecting(action: &'static str) -> MockAuditLog {
        let mut a = MockAuditLog::new();
        a.expect_record()
            .withf(move |e| e.action == action && e.subject_type == "review" && e.at == now())
            .times(1)
            .returning(|_| ());
        a
    }

    fn audit_none() -> MockAuditLog {
        let mut a = MockAuditLog::new();
        a.expect_record().times(0);
        a
    }

    fn service(
        reviews: MockReviewRepository,
        holdings: MockHoldingsRepository,
        audit: MockAuditLog,
    ) -> ReviewService {
        let mut clock = MockClock::new();
        clock.expect_now().returning(now);
        let mut ids = MockIdGenerator::new();
        ids.expect_new_uuid()
            .returning(|| Uuid::from_u128(NEW_REVIEW));
        ReviewService::new(
            Arc::new(reviews),
            Arc::new(holdings),
            Arc::new(audit),
            Arc::new(clock),
            Arc::new(ids),
        )
    }

    fn input(rating: u8, title: Option<&str>, body: Option<&str>) -> ReviewInput {
        ReviewInput {
            rating,
            title: title.map(str::to_owned),
            body: body.map(str::to_owned),
        }
    }

    fn fields(err: &ReviewError) -> Vec<&'static str> {
        match err {
            ReviewError::Invalid(faults) => faults.iter().map(|f| f.field).collect(),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn r_v1_rating_is_1_to_5() {
        for (stars, ok) in [
            (0, false),
            (1, true),
            (3, true),
            (5, true),
            (6, false),
            (255, false),
        ] {
            assert_eq!(Rating::new(stars).is_ok(), ok, "{stars}");
        }
        assert_eq!(Rating::new(4).unwrap().get(), 4);
        assert_eq!(Rating::new(0).unwrap_err().field, "rating");

        // Through the use case: rejected before any port is touched.
        let mut reviews = MockReviewRepository::new();
        reviews.expect_find_by_author().times(0);
        reviews.expect_save().times(0);
        let mut holdings = MockHoldingsRepository::new();
        holdings.expect_holdings().times(0);
        let svc = service(reviews, holdings, audit_none());
        let err = svc
            .write(&member(AUTHOR), tool(), input(6, None, None))
            .await
            .unwrap_err();
        assert_eq!(fields(&err), ["rating"]);
    }

    #[test]
    fn r_v1_title_and_body_lengths() {
        let at_most = |n: usize| "é".repeat(n);
        assert_eq!(
            ReviewTitle::parse(Some(&at_most(200)))
                .unwrap()
                .map(|t| t.as_str().chars().count()),
            Some(200),
            "counted in characters, not bytes"
        );
        assert_eq!(
            ReviewTitle::parse(Some(&at_most(201))).unwrap_err().field,
            "title"
        );
        assert_eq!(
            ReviewBody::parse(Some(&at_most(2000)))
                .unwrap()
                .map(|b| b.as_str().len()),
            Some(4000)
        );
        assert_eq!(
            ReviewBody::parse(Some(&at_most(2001))).unwrap_err().field,
            "body"
        );
        // Optional: absent or blank is none; surrounding space is trimmed.
        assert_eq!(ReviewTitle::parse(None).unwrap(), None);
        assert_eq!(ReviewBody::parse(Some("   ")).unwrap(), None);
        assert_eq!(
            ReviewTitle::parse(Some("  Great  "))
                .unwrap()
                .unwrap()
                .as_str(),
            "Great"
        );

        // Every fault is reported at once.
        let err = input(0, Some(&at_most(201)), Some(&at_most(2001)))
            .parse()
            .unwrap_err();
        assert_eq!(fields(&err), ["rating", "title", "body"]);
        let ok = input(5, Some("Solid"), None).parse().unwrap();
        assert_eq!(
            (ok.rating.get(), ok.title.unwrap().as_str(), ok.body),
            (5, "Solid", None)
        );
    }

    #[tokio::test]
    async fn r_v1_writing_again_updates_and_returns_to_pending() {
        let mut existing = stored(AUTHOR, ReviewStatus::Approved, 2);
        let decided = Moderation {
            by: user(99),
            at: now() - Duration::days(1),
            notes: None,
        };
        existing.moderation = Some(decided.clone());
        let written_at = existing.created_at;
        let mut reviews = MockReviewRepository::new();
        reviews
            .expect_find_by_author()
            .withf(|t, u| *t == tool() && *u == user(AUTHOR))
            .times(1)
            .returning(move |_, _| Ok(Some(Review::restore(existing.clone()))));
        let saved = Arc::new(Mutex::new(None));
        let sink = Arc::clone(&saved);
        reviews.expect_save().times(1).returning(move |r| {
            *sink.lock().unwrap() = Some(r.clone());
            Ok(())
        });
        let svc = service(
            reviews,
            holdings_of(&[tool()]),
            audit_expecting("review.rewritten"),
        );

        let review = svc
            .write(
                &member(AUTHOR),
                tool(),
                input(5, Some("Much better now"), Some("It grew on me.")),
            )
            .await
            .unwrap();

        assert_eq!(
            review.id(),
            review_id(),
            "the same review, not a second one"
        );
        assert_eq!(review.status(), ReviewStatus::Pending);
        assert_eq!(review.rating().get(), 5);
        assert_eq!(
            review.title().map(ReviewTitle::as_str),
            Some("Much better now")
        );
        assert_eq!(
            review.body().map(ReviewBody::as_str),
            Some("It grew on me.")
        );
        assert_eq!(
            (review.created_at(), review.updated_at()),
            (written_at, now())
        );
        assert_eq!(review.helpful_count(), 4);
        assert_eq!(
            review.moderation(),
            Some(&decided),
            "the last decision is kept"
        );
        assert_eq!(saved.lock().unwrap().as_ref(), Some(&review));
    }

    #[tokio::test]
    async fn r_v2_only_entitled_members_review() {
        let other_tool = ToolId::from_uuid(Uuid::from_u128(21));
        let expired = Entitlement {
            id: EntitlementId::from_uuid(Uuid::from_u128(6)),
            org_id: org(ORG),
            tool_id: tool(),
            purchase_id: PurchaseId::from_uuid(Uuid::from_u128(5)),
            source: EntitlementSource::Purchase,
            granted_at: now() - Duration::days(60),
            until: Some(now() - Duration::seconds(1)),
            ended_at: None,
        };
        let cases = [
            ("holds another tool", holdings_of(&[other_tool])),
            (
                "holds nothing (or the tool does not exist)",
                holdings_of(&[]),
            ),
            ("entitlement lapsed", {
                let h = Holdings::new(vec![], &[expired], now());
                let mut m = MockHoldingsRepository::new();
                m.expect_holdings()
                    .withf(|o, _| *o == org(ORG + AUTHOR))
                    .returning(move |_, _| Ok(h.clone()));
                m
            }),
        ];
        for (case, holdings) in cases {
            let mut reviews = MockReviewRepository::new();
            reviews.expect_find_by_author().times(0);
            reviews.expect_save().times(0);
            let svc = service(reviews, holdings, audit_none());
            let err = svc
                .write(&member(AUTHOR), tool(), input(4, None, None))
                .await
                .unwrap_err();
            assert!(matches!(err, ReviewError::NotEntitled), "{case}: {err:?}");
        }
    }

    #[tokio::test]
    async fn r_v2_review_is_verified_purchase() {
        let mut reviews = MockReviewRepository::new();
        reviews
            .expect_find_by_author()
            .times(1)
            .returning(|_, _| Ok(None));
        reviews
            .expect_save()
            .withf(|r| {
                r.verified_purchase() && r.id() == ReviewId::from_uuid(Uuid::from_u128(NEW_REVIEW))
            })
            .times(1)
            .returning(|_| Ok(()));
        let svc = service(
            reviews,
            holdings_of(&[tool()]),
            audit_expecting("review.written"),
        );
        let actor = actor_as(AUTHOR, OrgRole::Owner, PlatformRole::User);

        let review = svc
            .write(&actor, tool(), input(4, Some("Does the job"), None))
            .await
            .unwrap();

        assert!(review.verified_purchase());
        assert_eq!(review.status(), ReviewStatus::Pending);
        assert_eq!(
            (review.tool_id(), review.user_id(), review.org_id()),
            (tool(), actor.user_id, actor.org_id)
        );
        assert_eq!((review.helpful_count(), review.flag_count()), (0, 0));
        assert_eq!(review.moderation(), None);
        assert_eq!((review.created_at(), review.updated_at()), (now(), now()));
    }

    #[tokio::test]
    async fn r_v3_moderation_moves_and_records_moderator() {
        let cases = [
            (
                ReviewStatus::Pending,
                0,
                Decision::Approve,
                ReviewStatus::Approved,
                "review.approved",
            ),
            (
                ReviewStatus::Pending,
                0,
                Decision::Reject,
                ReviewStatus::Rejected,
                "review.rejected",
            ),
            (
                ReviewStatus::Flagged,
                FLAG_THRESHOLD,
                Decision::Approve,
                ReviewStatus::Approved,
                "review.approved",
            ),
            // A decided review may be decided again.
            (
                ReviewStatus::Approved,
                0,
                Decision::Reject,
                ReviewStatus::Rejected,
                "review.rejected",
            ),
        ];
        for (from, flags, decision, to, action) in cases {
            let mut parts = stored(AUTHOR, from, 3);
            parts.flag_count = flags;
            let mut reviews = MockReviewRepository::new();
            reviews
                .expect_get()
                .withf(|id| *id == review_id())
                .times(1)
                .returning(move |_| Ok(Some(Review::restore(parts.clone()))));
            reviews
                .expect_save()
                .withf(move |r| r.status() == to)
                .times(1)
                .returning(|_| Ok(()));
            let svc = service(reviews, holdings_of(&[]), audit_expecting(action));

            let review = svc
                .moderate(
                    &moderator(),
                    review_id(),
                    decision,
                    Some("  Checked against the terms ".into()),
                )
                .await
                .unwrap();

            assert_eq!(review.status(), to, "{from:?} -> {decision:?}");
            let m = review.moderation().unwrap();
            assert_eq!((m.by, m.at), (user(99), now()));
            assert_eq!(
                m.notes.as_ref().map(ModerationNotes::as_str),
                Some("Checked against the terms")
            );
            assert_eq!(
                review.flag_count(),
                0,
                "a decision deals with the open flags"
            );
            assert_eq!(review.updated_at(), now());
        }

        // Unknown review: not found, nothing saved.
        let mut reviews = MockReviewRepository::new();
        reviews.expect_get().returning(|_| Ok(None));
        reviews.expect_save().times(0);
        let svc = service(reviews, holdings_of(&[]), audit_none());
        let err = svc
            .moderate(&moderator(), review_id(), Decision::Approve, None)
            .await
            .unwrap_err();
        assert!(matches!(err, ReviewError::NotFound), "{err:?}");
    }

    /// An in-memory stand-in for the store's side of `record_flag`: one review, the set of
    /// users who flagged it, and the compare-and-set on its flag state.
    fn flag_store(initial: ReviewParts) -> (MockReviewRepository, Arc<Mutex<ReviewParts>>) {
        let state = Arc::new(Mutex::new(initial));
        let flaggers = Arc::new(Mutex::new(HashSet::new()));
        let mut reviews = MockReviewRepository::new();
        let read = Arc::clone(&state);
        reviews
            .expect_get()
            .returning(move |_| Ok(Some(Review::restore(read.lock().unwrap().clone()))));
        let write = Arc::clone(&state);
        reviews.expect_record_flag().returning(move |plan| {
            let mut review = write.lock().unwrap();
            if !flaggers.lock().unwrap().insert(plan.user_id) {
                return Ok(false);
            }
            assert_eq!(
                FlagState {
                    status: review.status,
                    flag_count: review.flag_count
                },
                plan.before
            );
            review.status = plan.after.status;
            review.flag_count = plan.after.flag_count;
            review.updated_at = plan.at;
            Ok(true)
        });
        (reviews, state)
    }

    #[tokio::test]
    async fn r_v3_three_flags_hide_a_review() {
        let (reviews, state) = flag_store(stored(AUTHOR, ReviewStatus::Approved, 5));
        let svc = service(reviews, holdings_of(&[tool()]), audit_any());

        assert!(
            !svc.flag(&member(2), review_id(), Some("spam".into()))
                .await
                .unwrap()
        );
        // One flag per user: a second one by the same user counts nothing.
        let again = svc.flag(&member(2), review_id(), None).await.unwrap_err();
        assert!(matches!(again, ReviewError::AlreadyFlagged), "{again:?}");
        assert!(!svc.flag(&member(3), review_id(), None).await.unwrap());
        assert_eq!(state.lock().unwrap().status, ReviewStatus::Approved);
        assert!(
            svc.flag(&member(4), review_id(), None).await.unwrap(),
            "the third distinct flag hides it"
        );

        let hidden = Review::restore(state.lock().unwrap().clone());
        assert_eq!(
            (hidden.status(), hidden.flag_count()),
            (ReviewStatus::Flagged, 3)
        );
        assert!(!hidden.is_visible_to(user(5)), "out of public view");
        assert!(
            hidden.is_visible_to(user(AUTHOR)),
            "the author still sees it"
        );
        // Hidden now: to anyone else it is not found.
        let err = svc.flag(&member(5), review_id(), None).await.unwrap_err();
        assert!(matches!(err, ReviewError::NotFound), "{err:?}");
    }

    #[tokio::test]
    async fn flag_plans_again_when_the_review_moved_meanwhile() {
        let mut reviews = MockReviewRepository::new();
        let mut parts = stored(AUTHOR, ReviewStatus::Approved, 5);
        parts.flag_count = 1;
        reviews
            .expect_get()
            .returning(move |_| Ok(Some(Review::restore(parts.clone()))));
        let mut seq = mockall::Sequence::new();
        reviews
            .expect_record_flag()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Err(RepoError::Stale("flag state moved")));
        reviews
            .expect_record_flag()
            .withf(|p| {
                p.before
                    == FlagState {
                        status: ReviewStatus::Approved,
                        flag_count: 1,
                    }
                    && p.after
                        == FlagState {
                            status: ReviewStatus::Approved,
                            flag_count: 2,
                        }
                    && p.user_id == user(OTHER)
                    && p.org_id == org(ORG + OTHER)
                    && p.reason.as_ref().map(FlagReason::as_str) == Some("off-topic")
            })
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_| Ok(true));
        let svc = service(
            reviews,
            holdings_of(&[tool()]),
            audit_expecting("review.flagged"),
        );
        assert!(
            !svc.flag(&member(OTHER), review_id(), Some("off-topic".into()))
                .await
                .unwrap()
        );
    }

    #[tokio::test]
    async fn r_v4_visibility() {
        for status in ReviewStatus::ALL {
            let review = Review::restore(stored(AUTHOR, *status, 4));
            assert!(
                review.is_visible_to(user(AUTHOR)),
                "the author sees {status:?}"
            );
            assert_eq!(
                review.is_visible_to(user(OTHER)),
                *status == ReviewStatus::Approved,
                "{status:?}"
            );
        }

        // Public lists come from the approved ones only, passed through unchanged.
        let page = PageRequest::new(Some(10), Some(20)).unwrap();
        let approved = Review::restore(stored(AUTHOR, ReviewStatus::Approved, 4));
        let listed = Page {
            items: vec![approved.clone()],
            total: 21,
            limit: 10,
            offset: 20,
        };
        let mut reviews = MockReviewRepository::new();
        let answer = listed.clone();
        reviews
            .expect_list_approved()
            .withf(move |t, p| *t == tool() && *p == page)
            .times(1)
            .returning(move |_, _| Ok(answer.clone()));
        // The author reads their own pending review; another user has none.
        reviews.expect_find_by_author().returning(|_, u| {
            Ok((u == user(AUTHOR))
                .then(|| Review::restore(stored(AUTHOR, ReviewStatus::Pending, 2))))
        });
        // Someone else cannot act on a pending review: it does not exist for them.
        reviews.expect_get().returning(|_| {
            Ok(Some(Review::restore(stored(
                AUTHOR,
                ReviewStatus::Pending,
                2,
            ))))
        });
        reviews.expect_add_vote().times(0);
        let svc = service(reviews, holdings_of(&[tool()]), audit_none());
        let viewer = actor_as(OTHER, OrgRole::Viewer, PlatformRole::User);

        assert_eq!(
            svc.public_reviews(&viewer, tool(), page).await.unwrap(),
            listed
        );
        let mine = svc.mine(&member(AUTHOR), tool()).await.unwrap().unwrap();
        assert_eq!(mine.status(), ReviewStatus::Pending);
        assert_eq!(svc.mine(&member(OTHER), tool()).await.unwrap(), None);
        let err = svc
            .mark_helpful(&member(OTHER), review_id())
            .await
            .unwrap_err();
        assert!(matches!(err, ReviewError::NotFound), "{err:?}");
    }

    #[tokio::test]
    async fn r_v5_one_vote_per_user_and_never_own() {
        let mut reviews = MockReviewRepository::new();
        reviews.expect_get().returning(|_| {
            Ok(Some(Review::restore(stored(
                AUTHOR,
                ReviewStatus::Approved,
                5,
            ))))
        });
        let votes = Arc::new(Mutex::new(HashSet::new()));
        reviews
            .expect_add_vote()
            .withf(|r, u, o| *r == review_id() && *u == user(OTHER) && *o == org(ORG + OTHER))
            .times(2)
            .returning(move |_, u, _| Ok(votes.lock().unwrap().insert(u)));
        reviews.expect_record_flag().times(0);
        let svc = service(
            reviews,
            holdings_of(&[tool()]),
            audit_expecting("review.voted_helpful"),
        );

        svc.mark_helpful(&member(OTHER), review_id()).await.unwrap();
        let second = svc
            .mark_helpful(&member(OTHER), review_id())
            .await
            .unwrap_err();
        assert!(matches!(second, ReviewError::AlreadyVoted), "{second:?}");
        let own_vote = svc
            .mark_helpful(&member(AUTHOR), review_id())
            .await
            .unwrap_err();
        assert!(matches!(own_vote, ReviewError::OwnReview), "{own_vote:?}");
        let own_flag = svc
            .flag(&member(AUTHOR), review_id(), None)
            .await
            .unwrap_err();
        assert!(matches!(own_flag, ReviewError::OwnReview), "{own_flag:?}");

        // Voting needs the same entitlement as writing.
        let mut reviews = MockReviewRepository::new();
        reviews.expect_get().returning(|_| {
            Ok(Some(Review::restore(stored(
                AUTHOR,
                ReviewStatus::Approved,
                5,
            ))))
        });
        reviews.expect_add_vote().times(0);
        let svc = service(reviews, holdings_of(&[]), audit_none());
        let err = svc
            .mark_helpful(&member(OTHER), review_id())
            .await
            .unwrap_err();
        assert!(matches!(err, ReviewError::NotEntitled), "{err:?}");
    }

    #[tokio::test]
    async fn r_p1_viewer_cannot_review_and_nothing_is_saved() {
        let mut reviews = MockReviewRepository::new();
        reviews.expect_get().times(0);
        reviews.expect_find_by_author().times(0);
        reviews.expect_save().times(0);
        reviews.expect_delete().times(0);
        reviews.expect_add_vote().times(0);
        reviews.expect_record_flag().times(0);
        let mut holdings = MockHoldingsRepository::new();
        holdings.expect_holdings().times(0);
        let svc = service(reviews, holdings, audit_none());
        let viewer = actor_as(AUTHOR, OrgRole::Viewer, PlatformRole::User);
        let denied = Forbidden(Permission::Review);

        let errs = [
            svc.write(&viewer, tool(), input(5, None, None))
                .await
                .unwrap_err(),
            svc.delete_mine(&viewer, tool()).await.unwrap_err(),
            svc.mark_helpful(&viewer, review_id()).await.unwrap_err(),
            svc.flag(&viewer, review_id(), None).await.unwrap_err(),
        ];
        for err in errs {
            assert!(
                matches!(err, ReviewError::Forbidden(f) if f == denied),
                "{err:?}"
            );
        }
    }

    #[tokio::test]
    async fn r_p1_only_moderators_moderate() {
        let mut reviews = MockReviewRepository::new();
        reviews.expect_get().times(0);
        reviews.expect_save().times(0);
        reviews.expect_list_by_status().times(0);
        let svc = service(reviews, holdings_of(&[]), audit_none());
        let denied = Forbidden(Permission::ModerateReviews);
        for actor in [
            actor_as(AUTHOR, OrgRole::Owner, PlatformRole::User),
            actor_as(AUTHOR, OrgRole::Admin, PlatformRole::Employee),
        ] {
            let err = svc
                .moderate(&actor, review_id(), Decision::Approve, None)
                .await
                .unwrap_err();
            assert!(
                matches!(err, ReviewError::Forbidden(f) if f == denied),
                "{err:?}"
            );
            let err = svc
                .queue(&actor, None, PageRequest::default())
                .await
                .unwrap_err();
            assert!(
                matches!(err, ReviewError::Forbidden(f) if f == denied),
                "{err:?}"
            );
        }

        // SUPER_ADMIN, ADMIN and MODERATOR read the queue.
        let mut reviews = MockReviewRepository::new();
        reviews
            .expect_list_by_status()
            .withf(|s, _| *s == Some(ReviewStatus::Flagged))
            .times(3)
            .returning(|_, p| {
                Ok(Page {
                    items: vec![],
                    total: 0,
                    limit: p.limit(),
                    offset: p.offset(),
                })
            });
        let svc = service(reviews, holdings_of(&[]), audit_none());
        for platform_role in [
            PlatformRole::SuperAdmin,
            PlatformRole::Admin,
            PlatformRole::Moderator,
        ] {
            let actor = actor_as(99, OrgRole::Viewer, platform_role);
            let page = svc
                .queue(&actor, Some(ReviewStatus::Flagged), PageRequest::default())
                .await
                .unwrap();
            assert_eq!((page.total, page.limit), (0, 50));
        }
    }
}
