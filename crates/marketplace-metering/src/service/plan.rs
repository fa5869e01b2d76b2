//! The plan an org uses a tool under: what sets each meter's quota and overage price, and
//! the billing period both apply to (R-U4, R-U5).

use std::fmt;

use chrono::{DateTime, Utc};
use marketplace_kernel::ids::ToolId;
use marketplace_kernel::money::Currency;
use serde::Serialize;

use crate::quota::PlanQuotas;
use crate::window::{BillingPeriod, WindowError};

/// Why a plan code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a plan code is 1 to {max} characters without spaces or control characters, got {0:?}",
    max = PlanCode::MAX_CHARS
)]
pub struct InvalidPlanCode(pub String);

/// A plan's code, such as `PRO`: how buyers, invoices and the access answer name it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct PlanCode(String);

impl PlanCode {
    /// Longest code accepted, in characters.
    pub const MAX_CHARS: usize = 64;

    /// # Errors
    /// [`InvalidPlanCode`] for an empty or too long code, or one with whitespace or
    /// control characters.
    pub fn parse(code: &str) -> Result<Self, InvalidPlanCode> {
        let valid = (1..=Self::MAX_CHARS).contains(&code.chars().count())
            && !code.chars().any(|c| c.is_whitespace() || c.is_control());
        if valid {
            Ok(Self(code.to_owned()))
        } else {
            Err(InvalidPlanCode(code.to_owned()))
        }
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PlanCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An org's recurring plan for one tool, as it stands for one billing period: the quota
/// of each limited meter (with the overage price of soft ones) and the currency overage is
/// charged in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivePlan {
    tool: ToolId,
    code: PlanCode,
    period: BillingPeriod,
    quotas: PlanQuotas,
    currency: Currency,
}

impl ActivePlan {
    /// The plan `code` of `tool` over `period`. Overage prices are those of the soft
    /// quotas in `quotas`, in `currency`.
    #[must_use]
    pub const fn new(
        tool: ToolId,
        code: PlanCode,
        period: BillingPeriod,
        quotas: PlanQuotas,
        currency: Currency,
    ) -> Self {
        Self {
            tool,
            code,
            period,
            quotas,
            currency,
        }
    }

    #[must_use]
    pub const fn tool(&self) -> ToolId {
        self.tool
    }

    #[must_use]
    pub fn code(&self) -> &PlanCode {
        &self.code
    }

    /// The billing period `[start, end)` its quotas count usage in.
    #[must_use]
    pub const fn period(&self) -> &BillingPeriod {
        &self.period
    }

    /// Each limited meter's quota; a meter not named is unlimited.
    #[must_use]
    pub fn quotas(&self) -> &PlanQuotas {
        &self.quotas
    }

    #[must_use]
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    /// Decimal places overage lines are rounded to: the currency's minor unit.
    #[must_use]
    pub fn minor_units(&self) -> u32 {
        self.currency.minor_units()
    }
}

/// The period a tool's usage is counted in at `now`: its plan's billing period, or, for a
/// tool held without a recurring plan (a one-time purchase, a free tool), the UTC calendar
/// month, with no quota. The one home of that choice, for recording and for reading.
///
/// # Errors
/// [`WindowError::OutOfRange`] at the very ends of the representable calendar.
pub fn usage_period(
    plan: Option<&ActivePlan>,
    now: DateTime<Utc>,
) -> Result<BillingPeriod, WindowError> {
    plan.map_or_else(
        || BillingPeriod::calendar_month(now),
        |plan| Ok(plan.period),
    )
}
