//! The review tables of the in-memory store and the [`ReviewRepository`] over them.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::catalog::{Page, PageRequest};
use marketplace_domain::ids::{OrgId, ReviewId, ToolId, UserId};
use marketplace_domain::ports::{Conflict, RepoError};
use marketplace_domain::review::{
    FlagPlan, FlagReason, RatingSummary, Review, ReviewRepository, ReviewStatus,
};

use super::store::{InMemoryStore, StoreData};

/// A helpful vote (R-V5), carrying the voter's org (R-T3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vote {
    pub review_id: ReviewId,
    pub user_id: UserId,
    pub org_id: OrgId,
}

/// A flag (R-V3, R-V5), carrying the flagger's org (R-T3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    pub review_id: ReviewId,
    pub user_id: UserId,
    pub org_id: OrgId,
    pub reason: Option<FlagReason>,
    pub at: DateTime<Utc>,
}

/// Reviews, votes and flags.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReviewTables {
    pub reviews: BTreeMap<ReviewId, Review>,
    pub votes: Vec<Vote>,
    pub flags: Vec<Flag>,
}

/// R-V6: recompute a tool's counters over its APPROVED reviews, with the domain's summary.
fn recompute(d: &mut StoreData, tool: ToolId) {
    let summary = RatingSummary::over(d.reviews.reviews.values().filter(|r| r.tool_id() == tool));
    if let Some(t) = d.tools.get_mut(&tool) {
        t.stats.avg_rating = summary.avg_rating;
        t.stats.review_count = summary.review_count;
    }
}

fn with_helpful_count(review: &Review, helpful_count: u32) -> Review {
    let mut parts = review.clone().into_parts();
    parts.helpful_count = helpful_count;
    Review::restore(parts)
}

#[async_trait]
impl ReviewRepository for InMemoryStore {
    async fn get(&self, id: ReviewId) -> Result<Option<Review>, RepoError> {
        Ok(self.lock().reviews.reviews.get(&id).cloned())
    }

    async fn find_by_author(
        &self,
        tool: ToolId,
        user: UserId,
    ) -> Result<Option<Review>, RepoError> {
        Ok(self
            .lock()
            .reviews
            .reviews
            .values()
            .find(|r| r.tool_id() == tool && r.user_id() == user)
            .cloned())
    }

    async fn save(&self, review: &Review) -> Result<(), RepoError> {
        let mut d = self.lock();
        if !d.tools.contains_key(&review.tool_id()) {
            return Err(RepoError::NotFound);
        }
        if d.reviews.reviews.values().any(|r| {
            r.id() != review.id()
                && r.tool_id() == review.tool_id()
                && r.user_id() == review.user_id()
        }) {
            return Err(RepoError::Conflict(Conflict::Review));
        }
        let previous_tool = d.reviews.reviews.get(&review.id()).map(Review::tool_id);
        let helpful = d
            .reviews
            .reviews
            .get(&review.id())
            .map_or(0, Review::helpful_count);
        d.reviews
            .reviews
            .insert(review.id(), with_helpful_count(review, helpful));
        recompute(&mut d, review.tool_id());
        if let Some(tool) = previous_tool.filter(|t| *t != review.tool_id()) {
            recompute(&mut d, tool);
        }
        Ok(())
    }

    async fn delete(&self, id: ReviewId) -> Result<(), RepoError> {
        let mut d = self.lock();
        let review = d.reviews.reviews.remove(&id).ok_or(RepoError::NotFound)?;
        d.reviews.votes.retain(|v| v.review_id != id);
        d.reviews.flags.retain(|f| f.review_id != id);
        recompute(&mut d, review.tool_id());
        Ok(())
    }

    async fn add_vote(
        &self,
        review: ReviewId,
        user: UserId,
        org: OrgId,
    ) -> Result<bool, RepoError> {
        let mut d = self.lock();
        let stored = d.reviews.reviews.get(&review).ok_or(RepoError::NotFound)?;
        if d.reviews
            .votes
            .iter()
            .any(|v| v.review_id == review && v.user_id == user)
        {
            return Ok(false);
        }
        let next = with_helpful_count(stored, stored.helpful_count().saturating_add(1));
        d.reviews.reviews.insert(review, next);
        d.reviews.votes.push(Vote {
            review_id: review,
            user_id: user,
            org_id: org,
        });
        Ok(true)
    }

    async fn record_flag(&self, plan: &FlagPlan) -> Result<bool, RepoError> {
        let mut d = self.lock();
        let stored = d
            .reviews
            .reviews
            .get(&plan.review_id)
            .ok_or(RepoError::NotFound)?;
        if d.reviews
            .flags
            .iter()
            .any(|f| f.review_id == plan.review_id && f.user_id == plan.user_id)
        {
            return Ok(false);
        }
        if stored.flag_state() != plan.before {
            return Err(RepoError::Stale("review flag state moved"));
        }
        let tool = stored.tool_id();
        let mut parts = stored.clone().into_parts();
        parts.status = plan.after.status;
        parts.flag_count = plan.after.flag_count;
        parts.updated_at = plan.at;
        d.reviews
            .reviews
            .insert(plan.review_id, Review::restore(parts));
        d.reviews.flags.push(Flag {
            review_id: plan.review_id,
            user_id: plan.user_id,
            org_id: plan.org_id,
            reason: plan.reason.clone(),
            at: plan.at,
        });
        if plan.before.status != plan.after.status {
            recompute(&mut d, tool);
        }
        Ok(true)
    }

    async fn list_approved(
        &self,
        tool: ToolId,
        page: PageRequest,
    ) -> Result<Page<Review>, RepoError> {
        let mut v: Vec<Review> = self
            .lock()
            .reviews
            .reviews
            .values()
            .filter(|r| r.tool_id() == tool && r.status() == ReviewStatus::Approved)
            .cloned()
            .collect();
        v.sort_by(|a, b| {
            b.created_at()
                .cmp(&a.created_at())
                .then_with(|| a.id().cmp(&b.id()))
        });
        Ok(Page::slice(v, page))
    }

    async fn list_by_status(
        &self,
        status: Option<ReviewStatus>,
        page: PageRequest,
    ) -> Result<Page<Review>, RepoError> {
        let mut v: Vec<Review> = self
            .lock()
            .reviews
            .reviews
            .values()
            .filter(|r| status.is_none_or(|s| r.status() == s))
            .cloned()
            .collect();
        v.sort_by_key(|r| (r.updated_at(), r.id()));
        Ok(Page::slice(v, page))
    }
}
