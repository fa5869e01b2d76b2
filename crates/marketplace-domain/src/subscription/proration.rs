//! R-B9: an upgrade applies at once and charges the price difference for what is left of
//! the paid period, prorated by the second and rounded to the currency's minor unit (half
//! away from zero, R-M1).

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::money::{Currency, Money};
use crate::purchase::Period;

/// Why an upgrade could not be prorated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ProrationError {
    #[error("{at} is outside the period [{start}, {end})")]
    OutsidePeriod {
        at: DateTime<Utc>,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    #[error("the new price is below the old one: a downgrade applies at the next renewal")]
    NotAnUpgrade,
    #[error("prices are in {old} and {new}")]
    CurrencyMismatch { old: Currency, new: Currency },
    #[error("amount out of range")]
    Overflow,
}

/// What an upgrade costs now, as ledger-ready amounts in whole minor units:
/// `new_plan_charge - unused_credit == due` exactly.
///
/// `due` is the rule's figure: the price difference times the share of the period left,
/// rounded once. `unused_credit` is what is left of the old plan's price (also rounded
/// once) and `new_plan_charge` the new plan's price for the rest of the period, derived
/// so that the two always net to `due`: rounding each side separately could leave the
/// buyer a cent over or under the difference.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proration {
    unused_credit: Money,
    new_plan_charge: Money,
    due: Money,
    seconds_left: i64,
    seconds_in_period: i64,
}

impl Proration {
    /// An upgrade from `old` to `new` at `at`, within the paid `period`. Seconds are
    /// whole: a fraction of a second left counts as none.
    ///
    /// # Errors
    /// [`ProrationError::OutsidePeriod`] unless `period.start <= at < period.end`,
    /// [`ProrationError::NotAnUpgrade`] when `new < old`,
    /// [`ProrationError::CurrencyMismatch`], [`ProrationError::Overflow`].
    pub fn upgrade(
        old: Money,
        new: Money,
        period: Period,
        at: DateTime<Utc>,
    ) -> Result<Self, ProrationError> {
        let currency = old.currency();
        if new.currency() != currency {
            return Err(ProrationError::CurrencyMismatch {
                old: currency,
                new: new.currency(),
            });
        }
        if !period.contains(at) {
            return Err(ProrationError::OutsidePeriod {
                at,
                start: period.start(),
                end: period.end(),
            });
        }
        if new.amount() < old.amount() {
            return Err(ProrationError::NotAnUpgrade);
        }
        let seconds_left = (period.end() - at).num_seconds();
        let seconds_in_period = (period.end() - period.start()).num_seconds();
        let share_of = |amount: Decimal| -> Result<Money, ProrationError> {
            let exact = amount
                .checked_mul(Decimal::from(seconds_left))
                .and_then(|x| x.checked_div(Decimal::from(seconds_in_period)))
                .ok_or(ProrationError::Overflow)?;
            Ok(Money::unrounded(exact, currency).round_half_up())
        };
        let due = share_of(new.amount() - old.amount())?;
        let unused_credit = share_of(old.amount())?;
        let new_plan_charge = unused_credit
            .checked_add(due)
            .map_err(|_| ProrationError::Overflow)?;
        Ok(Self {
            unused_credit,
            new_plan_charge,
            due,
            seconds_left,
            seconds_in_period,
        })
    }

    /// What the buyer pays now: a sale like any other (R-B7).
    #[must_use]
    pub const fn due(&self) -> Money {
        self.due
    }

    /// What is left of the old plan's price, credited against the new plan.
    #[must_use]
    pub const fn unused_credit(&self) -> Money {
        self.unused_credit
    }

    /// The new plan's price for what is left of the period.
    #[must_use]
    pub const fn new_plan_charge(&self) -> Money {
        self.new_plan_charge
    }

    #[must_use]
    pub const fn seconds_left(&self) -> i64 {
        self.seconds_left
    }

    #[must_use]
    pub const fn seconds_in_period(&self) -> i64 {
        self.seconds_in_period
    }
}
