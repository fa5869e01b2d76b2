//! What a subscription is of and where it came from: a snapshot of its recurring plan and
//! the purchase and checkout that started it.

use crate::ids::{OrderId, OrgId, PlanId, PurchaseId};
use crate::interval::Interval;
use crate::item::ItemRef;
use crate::money::Money;
use crate::plan::{Plan, PlanCode};

use super::SubscriptionError;

/// The plan a subscription renews at: a snapshot of a recurring [`Plan`]. A sold plan
/// never changes price or interval (R-B1), so the snapshot never goes stale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscribedPlan {
    plan_id: PlanId,
    item: ItemRef,
    code: PlanCode,
    price: Money,
    interval: Interval,
}

impl SubscribedPlan {
    /// # Errors
    /// [`SubscriptionError::NotRecurring`] for a one-time plan: it is bought, not
    /// subscribed to.
    pub fn of(plan: &Plan) -> Result<Self, SubscriptionError> {
        let interval = plan
            .interval()
            .recurring()
            .ok_or(SubscriptionError::NotRecurring { plan: plan.id() })?;
        Ok(Self {
            plan_id: plan.id(),
            item: plan.item(),
            code: plan.code().clone(),
            price: plan.price(),
            interval,
        })
    }

    #[must_use]
    pub const fn plan_id(&self) -> PlanId {
        self.plan_id
    }

    #[must_use]
    pub const fn item(&self) -> ItemRef {
        self.item
    }

    #[must_use]
    pub const fn code(&self) -> &PlanCode {
        &self.code
    }

    #[must_use]
    pub const fn price(&self) -> Money {
        self.price
    }

    #[must_use]
    pub const fn interval(&self) -> Interval {
        self.interval
    }
}

/// Who a new subscription belongs to and which checkout started it. A subscription is a
/// recurring purchase: it shares the purchase's id, so entitlements and ledger postings
/// that name the purchase name the subscription.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    pub id: PurchaseId,
    pub org_id: OrgId,
    pub order_id: OrderId,
}
