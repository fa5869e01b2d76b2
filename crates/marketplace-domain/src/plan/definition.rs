//! A plan (R-B1): one way an item is sold, with its price, interval, trial and quotas.

use crate::ids::PlanId;
use crate::item::ItemRef;
use crate::money::{Currency, Money};

use super::{BillingInterval, PlanCode, PlanError, PlanName, ProviderPriceId, Quotas, TrialDays};

/// Whether a plan is sold to new buyers. An archived plan is no longer sold, but those
/// who hold it keep it until they change plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlanStatus {
    Active,
    Archived,
}
crate::labelled!(PlanStatus, "plan status", { Active => "ACTIVE", Archived => "ARCHIVED" });

/// The parts of a new plan, each valid on its own; [`Plan::new`] checks them together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanDraft {
    pub code: PlanCode,
    pub name: PlanName,
    pub price: Money,
    pub interval: BillingInterval,
    pub trial_days: TrialDays,
    pub quotas: Quotas,
    pub provider_price: Option<ProviderPriceId>,
}

/// One way an item is sold. Fields are private: a `Plan` in hand always satisfies R-B1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    id: PlanId,
    item: ItemRef,
    code: PlanCode,
    name: PlanName,
    price: Money,
    interval: BillingInterval,
    trial_days: TrialDays,
    quotas: Quotas,
    provider_price: Option<ProviderPriceId>,
    status: PlanStatus,
}

impl Plan {
    /// A new plan of `item`, on sale at once.
    ///
    /// # Errors
    /// [`PlanError::InvalidPrice`] for a negative price or one finer than the currency's
    /// minor unit; [`PlanError::TrialOnOneTimePlan`] and [`PlanError::OverageOnOneTimePlan`]
    /// because a one-time plan has no period to begin after a trial or to charge overage
    /// with.
    pub fn new(id: PlanId, item: ItemRef, draft: PlanDraft) -> Result<Self, PlanError> {
        Self::restore(id, item, draft, PlanStatus::Active)
    }

    /// Rebuilds a stored plan, checked like a new one: storage is not trusted.
    ///
    /// # Errors
    /// As [`Plan::new`].
    pub fn restore(
        id: PlanId,
        item: ItemRef,
        draft: PlanDraft,
        status: PlanStatus,
    ) -> Result<Self, PlanError> {
        let price = Money::price(draft.price.amount(), draft.price.currency())?;
        if !draft.interval.is_recurring() {
            if !draft.trial_days.is_none() {
                return Err(PlanError::TrialOnOneTimePlan);
            }
            if !draft.quotas.overage().is_empty() {
                return Err(PlanError::OverageOnOneTimePlan);
            }
        }
        Ok(Self {
            id,
            item,
            code: draft.code,
            name: draft.name,
            price,
            interval: draft.interval,
            trial_days: draft.trial_days,
            quotas: draft.quotas,
            provider_price: draft.provider_price,
            status,
        })
    }

    /// Back to its parts, for an edit that re-validates through [`Plan::restore`].
    #[must_use]
    pub fn into_draft(self) -> (PlanId, ItemRef, PlanDraft, PlanStatus) {
        let draft = PlanDraft {
            code: self.code,
            name: self.name,
            price: self.price,
            interval: self.interval,
            trial_days: self.trial_days,
            quotas: self.quotas,
            provider_price: self.provider_price,
        };
        (self.id, self.item, draft, self.status)
    }

    #[must_use]
    pub const fn id(&self) -> PlanId {
        self.id
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
    pub const fn name(&self) -> &PlanName {
        &self.name
    }

    #[must_use]
    pub const fn price(&self) -> Money {
        self.price
    }

    #[must_use]
    pub const fn currency(&self) -> Currency {
        self.price.currency()
    }

    #[must_use]
    pub const fn interval(&self) -> BillingInterval {
        self.interval
    }

    #[must_use]
    pub const fn trial_days(&self) -> TrialDays {
        self.trial_days
    }

    #[must_use]
    pub const fn quotas(&self) -> &Quotas {
        &self.quotas
    }

    #[must_use]
    pub const fn provider_price(&self) -> Option<&ProviderPriceId> {
        self.provider_price.as_ref()
    }

    #[must_use]
    pub const fn status(&self) -> PlanStatus {
        self.status
    }

    /// Whether new buyers may choose it.
    #[must_use]
    pub const fn is_on_sale(&self) -> bool {
        matches!(self.status, PlanStatus::Active)
    }
}
