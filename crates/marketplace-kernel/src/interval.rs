//! Billing intervals (R-R1): calendar months and years, clamped to the month's last day.

use chrono::{DateTime, Months, Utc};

/// How often a recurring purchase renews.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Interval {
    Monthly,
    Annual,
}

/// Adds calendar months, clamping to the last day of the target month (Jan 31 + 1 month =
/// Feb 28 or 29). The anchor day is not remembered: periods chain from their own end.
#[must_use]
pub fn add_months(at: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    // chrono's `checked_add_months` clamps to the month's last day, which is exactly R-R1.
    at.checked_add_months(Months::new(months))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl Interval {
    /// The end of a period that starts at `start`.
    #[must_use]
    pub fn advance(self, start: DateTime<Utc>) -> DateTime<Utc> {
        match self {
            Self::Monthly => add_months(start, 1),
            // Feb 29 + 1 year = Feb 28.
            Self::Annual => add_months(start, 12),
        }
    }
}
