//! Admin edits of a plan (R-B1): a plan that has been sold never changes price or interval,
//! so what a holder renews at is what they agreed to. A new price is a new plan.

use crate::money::Money;

use super::{
    BillingInterval, Plan, PlanError, PlanName, PlanStatus, ProviderPriceId, Quotas, TrialDays,
};

/// Whether anyone has ever bought a plan (the caller counts its purchases, ended ones
/// included: a refunded holder was still sold that price).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SaleRecord {
    NeverSold,
    Sold,
}

/// A partial update of a plan: `None` leaves a field as it is. The code and the item never
/// change: they are how carts, subscriptions and admins name the plan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanEdit {
    pub name: Option<PlanName>,
    pub price: Option<Money>,
    pub interval: Option<BillingInterval>,
    pub trial_days: Option<TrialDays>,
    pub quotas: Option<Quotas>,
    /// `Some(None)` removes the provider's price id.
    pub provider_price: Option<Option<ProviderPriceId>>,
    pub status: Option<PlanStatus>,
}

impl PlanEdit {
    /// Archives the plan: no longer sold, kept by those who hold it.
    #[must_use]
    pub fn archive() -> Self {
        Self {
            status: Some(PlanStatus::Archived),
            ..Self::default()
        }
    }
}

impl Plan {
    /// The plan with `edit` applied; `self` is left as it was, so a refused edit changes
    /// nothing. Setting a field to the value it already has is no change, so a repeated
    /// edit of a sold plan is accepted.
    ///
    /// Once sold, the price (amount or currency) and the interval are fixed, and so is the
    /// provider's price id once set: at the provider it stands for a price and an
    /// interval, and new card subscriptions would renew at whatever it names. A sold plan
    /// without one may still be given one. Quotas, trial days, name and status stay
    /// editable.
    ///
    /// # Errors
    /// [`PlanError::PriceFixedOnceSold`], [`PlanError::IntervalFixedOnceSold`],
    /// [`PlanError::ProviderPriceFixedOnceSold`], or any error of [`Plan::restore`].
    pub fn edit(&self, edit: PlanEdit, record: SaleRecord) -> Result<Self, PlanError> {
        if record == SaleRecord::Sold {
            if edit.price.is_some_and(|p| p != self.price()) {
                return Err(PlanError::PriceFixedOnceSold);
            }
            if edit.interval.is_some_and(|i| i != self.interval()) {
                return Err(PlanError::IntervalFixedOnceSold);
            }
            if let (Some(current), Some(new)) = (self.provider_price(), &edit.provider_price)
                && new.as_ref() != Some(current)
            {
                return Err(PlanError::ProviderPriceFixedOnceSold);
            }
        }
        let (id, item, mut draft, status) = self.clone().into_draft();
        if let Some(name) = edit.name {
            draft.name = name;
        }
        if let Some(price) = edit.price {
            draft.price = price;
        }
        if let Some(interval) = edit.interval {
            draft.interval = interval;
        }
        if let Some(trial_days) = edit.trial_days {
            draft.trial_days = trial_days;
        }
        if let Some(quotas) = edit.quotas {
            draft.quotas = quotas;
        }
        if let Some(provider_price) = edit.provider_price {
            draft.provider_price = provider_price;
        }
        Self::restore(id, item, draft, edit.status.unwrap_or(status))
    }
}
