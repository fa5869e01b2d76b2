//! R-B3: what a cart of (item, plan) lines costs: what is due now, and what recurs per
//! interval. Derived at every read (R-K4), never stored.

use crate::interval::Interval;
use crate::money::{Currency, Money, MoneyError};

use super::{BillingInterval, GrantedTrial, Plan, TrialHistory};

/// A cart line's plan, as the totals need it: its price, its interval and the trial this
/// org gets on it (R-B10).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlanLine {
    price: Money,
    interval: BillingInterval,
    trial: Option<GrantedTrial>,
}

impl PlanLine {
    /// The line of `plan` for an org with this trial `history` on the plan's item.
    #[must_use]
    pub const fn new(plan: &Plan, history: TrialHistory) -> Self {
        Self {
            price: plan.price(),
            interval: plan.interval(),
            trial: plan.trial_days().grant(history),
        }
    }

    #[must_use]
    pub const fn price(&self) -> Money {
        self.price
    }

    #[must_use]
    pub const fn interval(&self) -> BillingInterval {
        self.interval
    }

    #[must_use]
    pub const fn trial(&self) -> Option<GrantedTrial> {
        self.trial
    }

    /// What this line charges at checkout: nothing during a trial.
    #[must_use]
    pub fn due_now(&self) -> Money {
        match self.trial {
            Some(_) => Money::zero(self.price.currency()),
            None => self.price,
        }
    }
}

/// What recurs at one interval.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecurringTotal {
    pub interval: Interval,
    pub amount: Money,
}

/// A cart's totals under plans. `due_now` is what checkout charges; `recurring` is what
/// renews, one entry per interval present (monthly before annual), trial lines included
/// since they renew once their trial ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlanTotals {
    currency: Currency,
    due_now: Money,
    recurring: Vec<RecurringTotal>,
}

impl PlanTotals {
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] when a line is not in `currency`,
    /// [`MoneyError::Overflow`] for sums out of range.
    pub fn compute(currency: Currency, lines: &[PlanLine]) -> Result<Self, MoneyError> {
        let due_now = Money::sum(currency, lines.iter().map(PlanLine::due_now))?;
        let mut recurring = Vec::new();
        for interval in [Interval::Monthly, Interval::Annual] {
            let mut of_interval = lines
                .iter()
                .filter(|l| l.interval.recurring() == Some(interval))
                .map(PlanLine::price)
                .peekable();
            if of_interval.peek().is_some() {
                let amount = Money::sum(currency, of_interval)?;
                recurring.push(RecurringTotal { interval, amount });
            }
        }
        Ok(Self {
            currency,
            due_now,
            recurring,
        })
    }

    #[must_use]
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    #[must_use]
    pub const fn due_now(&self) -> Money {
        self.due_now
    }

    #[must_use]
    pub fn recurring(&self) -> &[RecurringTotal] {
        &self.recurring
    }

    /// What recurs at `interval`; zero when no line renews at it.
    #[must_use]
    pub fn recurring_at(&self, interval: Interval) -> Money {
        self.recurring
            .iter()
            .find(|r| r.interval == interval)
            .map_or(Money::zero(self.currency), |r| r.amount)
    }
}
