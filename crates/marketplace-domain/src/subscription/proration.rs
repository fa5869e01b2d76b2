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

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::interval::Interval;

    fn usd(cents: i64) -> Money {
        Money::from_minor(cents, Currency::USD)
    }

    /// 2025-01-15 12:00 to 2025-02-15 12:00: 31 days.
    fn january() -> Period {
        let start = Utc.with_ymd_and_hms(2025, 1, 15, 12, 0, 0).unwrap();
        Period::starting(start, Interval::Monthly)
    }

    #[test]
    fn r_b9_a_change_at_the_period_start_charges_the_whole_difference() {
        let p = Proration::upgrade(usd(1_000), usd(2_500), january(), january().start()).unwrap();
        assert_eq!(p.due(), usd(1_500));
        assert_eq!(p.unused_credit(), usd(1_000));
        assert_eq!(p.new_plan_charge(), usd(2_500));
        assert_eq!(
            (p.seconds_left(), p.seconds_in_period()),
            (2_678_400, 2_678_400)
        );
    }

    #[test]
    fn r_b9_ten_days_in_charges_the_difference_for_the_seconds_left_to_the_cent() {
        let at = january().start() + Duration::days(10);
        let p = Proration::upgrade(usd(1_000), usd(2_500), january(), at).unwrap();
        // 15.00 x 1 814 400 / 2 678 400 = 10.1612903…
        assert_eq!(p.due(), usd(1_016));
        assert_eq!(
            p.new_plan_charge().checked_sub(p.unused_credit()).unwrap(),
            p.due()
        );
    }

    #[test]
    fn r_b9_one_second_before_the_end_charges_that_second_rounded() {
        let at = january().end() - Duration::seconds(1);
        let cheap = Proration::upgrade(usd(1_000), usd(2_500), january(), at).unwrap();
        assert_eq!(cheap.seconds_left(), 1);
        assert_eq!(
            cheap.due(),
            usd(0),
            "15.00 / 2 678 400 is well under half a cent"
        );
        // A difference worth more than half a cent per second rounds up to a cent.
        let dear = Proration::upgrade(usd(0), usd(2_000_000), january(), at).unwrap();
        assert_eq!(
            dear.due(),
            usd(1),
            "20 000.00 / 2 678 400 = 0.0075 rounds to 0.01"
        );
    }

    #[test]
    fn r_b9_the_period_end_and_before_its_start_are_outside_it() {
        for at in [january().end(), january().start() - Duration::seconds(1)] {
            assert!(matches!(
                Proration::upgrade(usd(1_000), usd(2_500), january(), at),
                Err(ProrationError::OutsidePeriod { .. })
            ));
        }
    }

    #[test]
    fn r_b9_a_cheaper_plan_is_no_upgrade_and_an_equal_one_costs_nothing() {
        let mid = january().start() + Duration::days(3);
        assert_eq!(
            Proration::upgrade(usd(2_500), usd(1_000), january(), mid),
            Err(ProrationError::NotAnUpgrade)
        );
        let same = Proration::upgrade(usd(2_500), usd(2_500), january(), mid).unwrap();
        assert!(same.due().is_zero());
    }
}
