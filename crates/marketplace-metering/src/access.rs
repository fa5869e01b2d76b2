//! The access answer (R-U6): does an org have access to a tool, and how much of a meter is
//! left. One value, built from the entitlement and the period's total and quota, so the
//! answer is cheap and never disagrees with what quota decisions would do.

use rust_decimal::Decimal;
use serde::Serialize;

use crate::quota::Quota;

/// `{"has_access", "plan", "usage", "limit", "remaining", "hard"}`.
///
/// Without a meter only `has_access` and `plan` are filled. With one: `usage` is the
/// period's figure; `limit`, `remaining` and `hard` are `null` when the plan does not
/// limit the meter. An org without access has nothing left: `remaining` is 0.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AccessAnswer {
    has_access: bool,
    plan: Option<String>,
    usage: Option<Decimal>,
    limit: Option<Decimal>,
    remaining: Option<Decimal>,
    hard: Option<bool>,
}

impl AccessAnswer {
    /// The org holds the tool, under `plan` (the plan's name, when it has one).
    #[must_use]
    pub fn granted(plan: Option<String>) -> Self {
        Self {
            has_access: true,
            plan,
            usage: None,
            limit: None,
            remaining: None,
            hard: None,
        }
    }

    /// The org does not hold the tool.
    #[must_use]
    pub const fn denied() -> Self {
        Self {
            has_access: false,
            plan: None,
            usage: None,
            limit: None,
            remaining: None,
            hard: None,
        }
    }

    /// Adds a meter's standing: its usage this period and the plan's quota, if any.
    #[must_use]
    pub fn with_meter(mut self, usage: Decimal, quota: Option<&Quota>) -> Self {
        self.usage = Some(usage);
        self.limit = quota.map(Quota::limit);
        self.hard = quota.map(Quota::is_hard);
        self.remaining = match (self.has_access, quota) {
            (false, _) => Some(Decimal::ZERO),
            (true, Some(quota)) => Some(quota.remaining(usage)),
            (true, None) => None,
        };
        self
    }

    #[must_use]
    pub const fn has_access(&self) -> bool {
        self.has_access
    }

    #[must_use]
    pub fn plan(&self) -> Option<&str> {
        self.plan.as_deref()
    }

    #[must_use]
    pub const fn usage(&self) -> Option<Decimal> {
        self.usage
    }

    #[must_use]
    pub const fn limit(&self) -> Option<Decimal> {
        self.limit
    }

    /// What is left this period; `None` when unlimited.
    #[must_use]
    pub const fn remaining(&self) -> Option<Decimal> {
        self.remaining
    }

    #[must_use]
    pub const fn hard(&self) -> Option<bool> {
        self.hard
    }

    /// Whether one more unit would be accepted now: access, and either room left, no
    /// limit, or a soft quota (which accepts overage).
    #[must_use]
    pub fn may_use_more(&self) -> bool {
        self.has_access
            && (self.hard != Some(true) || self.remaining.is_none_or(|left| left > Decimal::ZERO))
    }
}
