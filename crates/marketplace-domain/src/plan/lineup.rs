//! The plans of one item (R-B1, R-B2, R-B3): codes unique within the item, one currency,
//! and the default plan whose price the catalog shows as the item's `price`.

use crate::item::ItemRef;
use crate::money::Money;

use super::{BillingInterval, Plan, PlanCode, PlanError};

/// Every plan of one item, in display order (archived ones included: their holders keep
/// them). Consistent by construction: every plan is of the item, codes are unique, all
/// plans share a currency, since a cart holds one currency (R-K2), and a bundle's plans
/// share its one interval (R-B4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemPlans {
    item: ItemRef,
    plans: Vec<Plan>,
}

impl ItemPlans {
    /// # Errors
    /// [`PlanError::OtherItem`], [`PlanError::DuplicateCode`],
    /// [`PlanError::CurrencyMismatch`], [`PlanError::MixedBundleIntervals`].
    pub fn new(item: ItemRef, plans: Vec<Plan>) -> Result<Self, PlanError> {
        let mut lineup = Self {
            item,
            plans: Vec::with_capacity(plans.len()),
        };
        for plan in plans {
            lineup.check_addable(&plan)?;
            lineup.plans.push(plan);
        }
        Ok(lineup)
    }

    /// An item without plans.
    #[must_use]
    pub const fn empty(item: ItemRef) -> Self {
        Self {
            item,
            plans: Vec::new(),
        }
    }

    /// Adds a plan after the others; refused as [`ItemPlans::new`] refuses, leaving the
    /// lineup as it was.
    ///
    /// # Errors
    /// As [`ItemPlans::new`].
    pub fn add(&mut self, plan: Plan) -> Result<(), PlanError> {
        self.check_addable(&plan)?;
        self.plans.push(plan);
        Ok(())
    }

    fn check_addable(&self, plan: &Plan) -> Result<(), PlanError> {
        if plan.item() != self.item {
            return Err(PlanError::OtherItem {
                plan: plan.id(),
                item: plan.item(),
            });
        }
        if self.find(plan.code()).is_some() {
            return Err(PlanError::DuplicateCode {
                code: plan.code().clone(),
            });
        }
        let Some(first) = self.plans.first() else {
            return Ok(());
        };
        if first.currency() != plan.currency() {
            return Err(PlanError::CurrencyMismatch {
                expected: first.currency(),
                found: plan.currency(),
            });
        }
        if matches!(self.item, ItemRef::Bundle(_)) && first.interval() != plan.interval() {
            return Err(PlanError::MixedBundleIntervals {
                expected: first.interval(),
                found: plan.interval(),
            });
        }
        Ok(())
    }

    #[must_use]
    pub const fn item(&self) -> ItemRef {
        self.item
    }

    #[must_use]
    pub fn plans(&self) -> &[Plan] {
        &self.plans
    }

    /// The plan named `code`, on sale or not.
    #[must_use]
    pub fn find(&self, code: &PlanCode) -> Option<&Plan> {
        self.plans.iter().find(|p| p.code() == code)
    }

    /// The same lineup without its archived plans: what a buyer is shown.
    #[must_use]
    pub fn only_on_sale(mut self) -> Self {
        self.plans.retain(Plan::is_on_sale);
        self
    }

    /// The plans new buyers may choose, in display order.
    pub fn on_sale(&self) -> impl Iterator<Item = &Plan> {
        self.plans.iter().filter(|p| p.is_on_sale())
    }

    /// R-B2: the default plan, the first on sale in display order. Derived, never stored,
    /// so archiving the default always leaves the next one as default. `None`: nothing is
    /// for sale (a "contact sales" item).
    #[must_use]
    pub fn default_plan(&self) -> Option<&Plan> {
        self.on_sale().next()
    }

    /// R-B2: the price catalog responses show as the item's `price`.
    #[must_use]
    pub fn display_price(&self) -> Option<Money> {
        self.default_plan().map(Plan::price)
    }

    /// R-B3: the plan a cart line gets: the one named, else the default.
    ///
    /// # Errors
    /// [`PlanError::UnknownPlan`] for a code the item does not have,
    /// [`PlanError::NotOnSale`] for an archived plan, [`PlanError::NothingOnSale`] when
    /// no code is given and the item sells no plan.
    pub fn choose(&self, code: Option<&PlanCode>) -> Result<&Plan, PlanError> {
        match code {
            None => self.default_plan().ok_or(PlanError::NothingOnSale),
            Some(code) => {
                let plan = self
                    .find(code)
                    .ok_or_else(|| PlanError::UnknownPlan { code: code.clone() })?;
                if plan.is_on_sale() {
                    Ok(plan)
                } else {
                    Err(PlanError::NotOnSale { code: code.clone() })
                }
            }
        }
    }

    /// R-B4: the plan of `interval` a bundle of that interval includes: the first on sale.
    #[must_use]
    pub fn default_of_interval(&self, interval: BillingInterval) -> Option<&Plan> {
        self.on_sale().find(|p| p.interval() == interval)
    }
}
