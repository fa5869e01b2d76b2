//! Analytics use cases: a view counted (R-C6), the tally flushed (R-C6), the reports for
//! catalog admins and for a seller's own tools (R-C7).

use std::sync::Arc;

use crate::access::{AccessPolicy, Actor, Permission};
use crate::ports::{Clock, RepoError};
use crate::seller::SellerRepository;

use super::{AnalyticsRepository, MonthRange, ToolMonthStats, ViewCounter, tool_month_stats};
use crate::ids::ToolId;

/// Why a report could not be given.
#[derive(Debug, thiserror::Error)]
pub enum AnalyticsError {
    /// Not a catalog admin (the platform report), or not a member allowed to see the
    /// org's seller account (the seller's report).
    #[error("forbidden")]
    Forbidden,
    /// The caller's org manages no seller.
    #[error("the org manages no seller")]
    NoSeller,
    #[error(transparent)]
    Infrastructure(#[from] RepoError),
}

/// Counting views and reporting on them.
#[derive(Clone)]
pub struct AnalyticsService {
    counter: Arc<ViewCounter>,
    store: Arc<dyn AnalyticsRepository>,
    sellers: Arc<dyn SellerRepository>,
    clock: Arc<dyn Clock>,
    policy: AccessPolicy,
}

impl std::fmt::Debug for AnalyticsService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AnalyticsService")
            .field("pending", &self.counter.pending())
            .finish_non_exhaustive()
    }
}

impl AnalyticsService {
    pub fn new(
        store: Arc<dyn AnalyticsRepository>,
        sellers: Arc<dyn SellerRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            counter: Arc::new(ViewCounter::new()),
            store,
            sellers,
            clock,
            policy: AccessPolicy,
        }
    }

    /// R-C6: counts a view of the tool's page now, in memory only.
    pub fn viewed(&self, tool: ToolId) {
        self.counter.record(tool, self.clock.now());
    }

    /// R-C6: stores the views counted since the last flush, as one batch; returns how
    /// many views it stored. On failure the tallies go back to the counter (no view is
    /// lost, the next flush retries them) and the error is returned.
    ///
    /// # Errors
    /// The store's.
    pub async fn flush(&self) -> Result<u64, RepoError> {
        let batch = self.counter.take();
        if batch.is_empty() {
            return Ok(0);
        }
        match self.store.add_views(&batch).await {
            Ok(()) => Ok(batch.iter().map(|c| c.views).sum()),
            Err(e) => {
                self.counter.restore(&batch);
                Err(e)
            }
        }
    }

    /// R-C7: every tool's views, purchases and conversion per month in `range`, for
    /// catalog admins.
    ///
    /// # Errors
    /// `Forbidden`, `Infrastructure`.
    pub async fn tools_report(
        &self,
        actor: &Actor,
        range: MonthRange,
    ) -> Result<Vec<ToolMonthStats>, AnalyticsError> {
        if !self.policy.allows(actor, Permission::ManageCatalog) {
            return Err(AnalyticsError::Forbidden);
        }
        let activity = self
            .store
            .tool_activity(None, range.from(), range.to())
            .await?;
        Ok(tool_month_stats(activity))
    }

    /// R-C7: the same for the tools of the seller the actor's org manages, and no other.
    ///
    /// # Errors
    /// `Forbidden`, `NoSeller`, `Infrastructure`.
    pub async fn seller_report(
        &self,
        actor: &Actor,
        range: MonthRange,
    ) -> Result<Vec<ToolMonthStats>, AnalyticsError> {
        if !self.policy.allows(actor, Permission::ViewSellerAccount) {
            return Err(AnalyticsError::Forbidden);
        }
        let seller = self
            .sellers
            .of_org(actor.org_id)
            .await?
            .ok_or(AnalyticsError::NoSeller)?;
        let tools = self.sellers.tools_of(seller.id()).await?;
        if tools.is_empty() {
            return Ok(Vec::new());
        }
        let activity = self
            .store
            .tool_activity(Some(tools), range.from(), range.to())
            .await?;
        Ok(tool_month_stats(activity))
    }
}
