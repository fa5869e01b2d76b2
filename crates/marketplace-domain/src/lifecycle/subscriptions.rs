//! The subscriptions API's use cases (R-B5): an org's recurring purchases with their
//! plans and their refused renewals (PAST_DUE), one of them, and stopping one from
//! renewing (access runs to the period's end).

use std::sync::Arc;

use crate::access::{AccessPolicy, Actor, Permission};
use crate::ids::{OrgId, PurchaseId};
use crate::item::ItemRef;
use crate::paging::{Page, PageRequest};
use crate::plan::{PlanCode, PlanRepository};
use crate::ports::Clock;
use crate::purchase::{Purchase, PurchaseRepository};
use crate::renewal::RenewalRepository;
use crate::subscription::{RefusedRenewal, SubscriptionSummary};

use super::{PurchaseError, PurchaseService};

/// A subscription with the code of its plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriptionView {
    pub summary: SubscriptionSummary,
    /// `None` when the purchase names no plan.
    pub plan: Option<PlanCode>,
    /// The cheaper plan it moves to at its next renewal (R-B9).
    pub pending_plan: Option<PlanCode>,
}

/// Reading and cancelling an org's subscriptions.
#[derive(Clone)]
pub struct SubscriptionService {
    lifecycle: PurchaseService,
    purchases: Arc<dyn PurchaseRepository>,
    plans: Arc<dyn PlanRepository>,
    renewals: Arc<dyn RenewalRepository>,
    clock: Arc<dyn Clock>,
    policy: AccessPolicy,
}

impl std::fmt::Debug for SubscriptionService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SubscriptionService")
            .finish_non_exhaustive()
    }
}

impl SubscriptionService {
    pub fn new(
        lifecycle: PurchaseService,
        purchases: Arc<dyn PurchaseRepository>,
        plans: Arc<dyn PlanRepository>,
        renewals: Arc<dyn RenewalRepository>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            lifecycle,
            purchases,
            plans,
            renewals,
            clock,
            policy: AccessPolicy,
        }
    }

    /// A page of the org's subscriptions, newest first. An org's purchases are few: they
    /// are read whole and the recurring ones paged here.
    ///
    /// # Errors
    /// `Forbidden` (before any read), `Infrastructure`.
    pub async fn list(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<SubscriptionView>, PurchaseError> {
        self.policy.require(actor, Permission::Purchase)?;
        let now = self.clock.now();
        let refused = self.refused(actor.org_id).await?;
        let summaries: Vec<SubscriptionSummary> = self
            .purchases
            .list(actor.org_id, None)
            .await?
            .iter()
            .filter_map(|p| SubscriptionSummary::of(p, refused_of(&refused, p), now))
            .collect();
        let views = self.with_plans(summaries).await?;
        Ok(Page::slice(views, page))
    }

    /// One of the org's subscriptions.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` (another org's, or a one-time purchase), `Infrastructure`.
    pub async fn get(
        &self,
        actor: &Actor,
        id: PurchaseId,
    ) -> Result<SubscriptionView, PurchaseError> {
        self.policy.require(actor, Permission::Purchase)?;
        let purchase = self
            .purchases
            .get(actor.org_id, id)
            .await?
            .ok_or(PurchaseError::NotFound)?;
        self.view(&purchase).await
    }

    /// R-B5, R-R2: stops the subscription from renewing (at the payment provider too);
    /// access runs to the period's end. Cancelling again changes nothing.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Rule` (an ended subscription), `Payment`,
    /// `Infrastructure`.
    pub async fn cancel(
        &self,
        actor: &Actor,
        id: PurchaseId,
    ) -> Result<SubscriptionView, PurchaseError> {
        let current = self.get(actor, id).await?;
        if current.summary.cancel_at_period_end {
            return Ok(current);
        }
        let purchase = self.lifecycle.cancel(actor, id).await?;
        self.view(&purchase).await
    }

    async fn view(&self, purchase: &Purchase) -> Result<SubscriptionView, PurchaseError> {
        let refused = self.refused(purchase.org_id()).await?;
        let summary =
            SubscriptionSummary::of(purchase, refused_of(&refused, purchase), self.clock.now())
                .ok_or(PurchaseError::NotFound)?;
        let mut views = self.with_plans(vec![summary]).await?;
        views.pop().ok_or(PurchaseError::NotFound)
    }

    /// The org's refused renewals, by purchase.
    async fn refused(
        &self,
        org: OrgId,
    ) -> Result<Vec<(PurchaseId, RefusedRenewal)>, PurchaseError> {
        Ok(self
            .renewals
            .past_due(org)
            .await?
            .iter()
            .filter_map(|r| r.refused().map(|refused| (r.purchase_id, refused)))
            .collect())
    }

    /// The summaries with their plans' codes, in the same order.
    async fn with_plans(
        &self,
        summaries: Vec<SubscriptionSummary>,
    ) -> Result<Vec<SubscriptionView>, PurchaseError> {
        let mut items: Vec<ItemRef> = summaries
            .iter()
            .filter(|s| s.plan.is_some())
            .map(|s| s.item)
            .collect();
        items.sort_unstable();
        items.dedup();
        let lineups = self.plans.plans_of(&items).await?;
        Ok(summaries
            .into_iter()
            .map(|summary| {
                let code_of = |id| {
                    lineups
                        .iter()
                        .flat_map(|l| l.plans())
                        .find(|p| p.id() == id)
                        .map(|p| p.code().clone())
                };
                SubscriptionView {
                    plan: summary.plan.and_then(code_of),
                    pending_plan: summary.scheduled_plan.and_then(code_of),
                    summary,
                }
            })
            .collect())
    }
}

/// The refused renewal of `purchase`'s next period, if any (R-B5).
fn refused_of(
    refused: &[(PurchaseId, RefusedRenewal)],
    purchase: &Purchase,
) -> Option<RefusedRenewal> {
    let end = purchase.billing().paid_until()?;
    refused
        .iter()
        .find(|(id, r)| *id == purchase.id() && r.starts == end)
        .map(|(_, r)| *r)
}
