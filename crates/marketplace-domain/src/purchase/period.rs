//! Recurring periods (R-R1): calendar months and years, clamped to the month's last day.

use crate::interval::Interval;
use chrono::{DateTime, Utc};

/// A half-open billing period `[start, end)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl Period {
    /// The first period of a purchase made at `start`.
    #[must_use]
    pub fn starting(start: DateTime<Utc>, interval: Interval) -> Self {
        Self {
            start,
            end: interval.advance(start),
        }
    }

    /// Rebuilds a stored period (for adapters); `None` when `end <= start`.
    #[must_use]
    pub fn restore(start: DateTime<Utc>, end: DateTime<Utc>) -> Option<Self> {
        (end > start).then_some(Self { start, end })
    }

    /// The period right after this one (R-R2 renewal).
    #[must_use]
    pub fn next(&self, interval: Interval) -> Self {
        Self::starting(self.end, interval)
    }

    #[must_use]
    pub const fn start(&self) -> DateTime<Utc> {
        self.start
    }

    #[must_use]
    pub const fn end(&self) -> DateTime<Utc> {
        self.end
    }

    /// Whether `at` falls inside `[start, end)`.
    #[must_use]
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        self.start <= at && at < self.end
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0).single().unwrap()
    }

    #[test]
    fn r_r1_a_stored_period_must_end_after_it_starts() {
        let start = day(2025, 3, 1);
        assert_eq!(Period::restore(start, start), None);
        assert_eq!(Period::restore(start, day(2025, 2, 1)), None);
        let period = Period::restore(start, day(2025, 4, 1)).unwrap();
        assert_eq!((period.start(), period.end()), (start, day(2025, 4, 1)));
    }

    #[test]
    fn r_r1_month_end_clamps() {
        assert_eq!(
            Interval::Monthly.advance(day(2025, 1, 31)),
            day(2025, 2, 28)
        );
        assert_eq!(
            Interval::Monthly.advance(day(2024, 1, 31)),
            day(2024, 2, 29)
        );
        assert_eq!(
            Interval::Monthly.advance(day(2025, 3, 31)),
            day(2025, 4, 30)
        );
        assert_eq!(
            Interval::Monthly.advance(day(2025, 12, 15)),
            day(2026, 1, 15)
        );
    }

    #[test]
    fn r_r1_leap_day_plus_a_year_is_feb_28() {
        assert_eq!(Interval::Annual.advance(day(2024, 2, 29)), day(2025, 2, 28));
        assert_eq!(Interval::Annual.advance(day(2025, 6, 1)), day(2026, 6, 1));
    }

    #[test]
    fn r_r1_periods_chain_without_gap_or_overlap() {
        let p = Period::starting(day(2025, 1, 31), Interval::Monthly);
        let q = p.next(Interval::Monthly);
        assert_eq!(q.start(), p.end());
        assert!(p.contains(day(2025, 2, 27)));
        assert!(!p.contains(p.end()));
        assert!(q.contains(p.end()));
    }
}
