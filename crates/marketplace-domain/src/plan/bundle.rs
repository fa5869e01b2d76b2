//! R-B4: a bundle's plans. A bundle has one interval; a bundle plan includes one plan of
//! each of its tools, all of that interval, so its list price and savings compare like
//! with like (a monthly bundle against monthly tool prices, never a year against twelve
//! months), and a recurring bundle is one recurring purchase of all its tools.

use std::collections::HashSet;

use crate::ids::{PlanId, ToolId};
use crate::item::ItemRef;
use crate::money::{Currency, Money};

use super::{BillingInterval, ItemPlans, Plan, PlanCode};

/// Why a bundle plan cannot be composed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundlePlanError {
    #[error("plan {0} is not a bundle's plan")]
    NotABundlePlan(PlanId),
    #[error("plan {0} is not a tool's plan")]
    NotAToolPlan(PlanId),
    #[error("{0:?} is not a tool")]
    NotATool(ItemRef),
    #[error("a bundle includes at least two tools")]
    TooFewTools,
    #[error("tool {0} is included twice")]
    DuplicateTool(ToolId),
    #[error("tool {tool} is included at {found}, the bundle renews at {expected}")]
    MixedIntervals {
        tool: ToolId,
        expected: BillingInterval,
        found: BillingInterval,
    },
    #[error("tool {tool} has no plan on sale at {interval}")]
    NoPlanOfInterval {
        tool: ToolId,
        interval: BillingInterval,
    },
    #[error("tool {tool} is priced in {found}, the bundle in {expected}")]
    CurrencyMismatch {
        tool: ToolId,
        expected: Currency,
        found: Currency,
    },
}

/// A tool's plan as a bundle plan includes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IncludedPlan {
    tool_id: ToolId,
    plan_id: PlanId,
    code: PlanCode,
    price: Money,
}

impl IncludedPlan {
    #[must_use]
    pub const fn tool_id(&self) -> ToolId {
        self.tool_id
    }

    #[must_use]
    pub const fn plan_id(&self) -> PlanId {
        self.plan_id
    }

    #[must_use]
    pub const fn code(&self) -> &PlanCode {
        &self.code
    }

    /// The tool plan's price: the tool's weight in the bundle's list price and in the
    /// split of every sale of the bundle (R-M4).
    #[must_use]
    pub const fn price(&self) -> Money {
        self.price
    }
}

/// A bundle plan with the tool plans it includes, checked against R-B4.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundlePlanPricing {
    plan_id: PlanId,
    interval: BillingInterval,
    price: Money,
    included: Vec<IncludedPlan>,
}

impl BundlePlanPricing {
    /// `bundle_plan` including `tool_plans`, in display order.
    ///
    /// # Errors
    /// [`BundlePlanError::NotABundlePlan`], [`BundlePlanError::NotAToolPlan`],
    /// [`BundlePlanError::TooFewTools`], [`BundlePlanError::DuplicateTool`],
    /// [`BundlePlanError::MixedIntervals`], [`BundlePlanError::CurrencyMismatch`].
    pub fn new(bundle_plan: &Plan, tool_plans: &[&Plan]) -> Result<Self, BundlePlanError> {
        if !matches!(bundle_plan.item(), ItemRef::Bundle(_)) {
            return Err(BundlePlanError::NotABundlePlan(bundle_plan.id()));
        }
        if tool_plans.len() < 2 {
            return Err(BundlePlanError::TooFewTools);
        }
        let mut seen = HashSet::with_capacity(tool_plans.len());
        let mut included = Vec::with_capacity(tool_plans.len());
        for plan in tool_plans {
            let ItemRef::Tool(tool) = plan.item() else {
                return Err(BundlePlanError::NotAToolPlan(plan.id()));
            };
            if !seen.insert(tool) {
                return Err(BundlePlanError::DuplicateTool(tool));
            }
            if plan.interval() != bundle_plan.interval() {
                return Err(BundlePlanError::MixedIntervals {
                    tool,
                    expected: bundle_plan.interval(),
                    found: plan.interval(),
                });
            }
            if plan.currency() != bundle_plan.currency() {
                return Err(BundlePlanError::CurrencyMismatch {
                    tool,
                    expected: bundle_plan.currency(),
                    found: plan.currency(),
                });
            }
            included.push(IncludedPlan {
                tool_id: tool,
                plan_id: plan.id(),
                code: plan.code().clone(),
                price: plan.price(),
            });
        }
        Ok(Self {
            plan_id: bundle_plan.id(),
            interval: bundle_plan.interval(),
            price: bundle_plan.price(),
            included,
        })
    }

    #[must_use]
    pub const fn plan_id(&self) -> PlanId {
        self.plan_id
    }

    #[must_use]
    pub const fn interval(&self) -> BillingInterval {
        self.interval
    }

    /// What the bundle plan sells for.
    #[must_use]
    pub const fn price(&self) -> Money {
        self.price
    }

    #[must_use]
    pub fn included(&self) -> &[IncludedPlan] {
        &self.included
    }

    /// The sum of the included tool plans' prices, all of the bundle's interval.
    #[must_use]
    pub fn list_price(&self) -> Money {
        let amount = self.included.iter().map(|p| p.price.amount()).sum();
        Money::unrounded(amount, self.price.currency())
    }

    /// List price minus the bundle's price; negative when the bundle costs more.
    #[must_use]
    pub fn savings(&self) -> Money {
        Money::unrounded(
            self.list_price().amount() - self.price.amount(),
            self.price.currency(),
        )
    }

    /// Each tool with its plan's price: the weights a sale of the bundle is allocated by
    /// (R-M4), at the first sale and at every renewal alike.
    #[must_use]
    pub fn allocation_weights(&self) -> Vec<(ToolId, Money)> {
        self.included.iter().map(|p| (p.tool_id, p.price)).collect()
    }
}

/// R-B4: the plan each tool contributes to a bundle of `interval`: its first plan on sale
/// at that interval.
///
/// # Errors
/// [`BundlePlanError::NoPlanOfInterval`] for a tool with no such plan: the bundle cannot
/// be sold at that interval without mixing intervals; [`BundlePlanError::NotATool`] for
/// a lineup that is not a tool's.
pub fn included_plans(
    interval: BillingInterval,
    tools: &[ItemPlans],
) -> Result<Vec<&Plan>, BundlePlanError> {
    tools
        .iter()
        .map(|lineup| {
            let ItemRef::Tool(tool) = lineup.item() else {
                return Err(BundlePlanError::NotATool(lineup.item()));
            };
            lineup
                .default_of_interval(interval)
                .ok_or(BundlePlanError::NoPlanOfInterval { tool, interval })
        })
        .collect()
}
