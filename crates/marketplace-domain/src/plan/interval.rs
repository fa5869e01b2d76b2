//! How often a plan is paid: once, or every calendar month or year (R-B1).

use crate::interval::Interval;

/// How often a plan is paid. A recurring plan renews on the kernel's [`Interval`] (R-R1
/// periods); a one-time plan is paid once and held without a period.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BillingInterval {
    OneTime,
    Month,
    Year,
}
crate::labelled!(BillingInterval, "billing interval", {
    OneTime => "ONE_TIME", Month => "MONTH", Year => "YEAR",
});

impl BillingInterval {
    /// The renewal interval of a recurring plan; `None` for a one-time plan.
    #[must_use]
    pub const fn recurring(self) -> Option<Interval> {
        match self {
            Self::OneTime => None,
            Self::Month => Some(Interval::Monthly),
            Self::Year => Some(Interval::Annual),
        }
    }

    #[must_use]
    pub const fn is_recurring(self) -> bool {
        !matches!(self, Self::OneTime)
    }
}

impl From<Interval> for BillingInterval {
    fn from(interval: Interval) -> Self {
        match interval {
            Interval::Monthly => Self::Month,
            Interval::Annual => Self::Year,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn r_b1_recurring_intervals_round_trip_through_the_kernel_interval() {
        assert_eq!(BillingInterval::OneTime.recurring(), None);
        assert!(!BillingInterval::OneTime.is_recurring());
        for interval in [Interval::Monthly, Interval::Annual] {
            let billing = BillingInterval::from(interval);
            assert!(billing.is_recurring());
            assert_eq!(billing.recurring(), Some(interval));
        }
        for b in BillingInterval::ALL {
            assert_eq!(b.as_str().parse::<BillingInterval>(), Ok(*b));
        }
    }
}
