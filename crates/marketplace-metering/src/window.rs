//! Windows of time: which timestamps an event may carry (R-U2), the billing period a
//! quota applies to (R-U4), and the UTC day and month buckets usage is reported in.

use std::fmt;

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// Why a window could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WindowError {
    #[error("a period must end after it starts ({start} .. {end})")]
    Empty {
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    #[error("a report covers at most {max} buckets, this one {count} or more", max = ReportRange::MAX_BUCKETS)]
    TooManyBuckets { count: usize },
    #[error("the date is outside the calendar this service can represent")]
    OutOfRange,
}

/// The timestamps accepted from a host at `now`: up to 35 days late (hosts batch and retry
/// after outages) and up to 5 minutes early (their clocks drift), both ends included.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AcceptanceWindow {
    earliest: DateTime<Utc>,
    latest: DateTime<Utc>,
}

impl AcceptanceWindow {
    /// How late an event may be reported.
    pub const MAX_AGE: TimeDelta = TimeDelta::days(35);
    /// How far ahead of our clock an event may be stamped.
    pub const MAX_LEAD: TimeDelta = TimeDelta::minutes(5);

    /// The window around `now`.
    #[must_use]
    pub fn at(now: DateTime<Utc>) -> Self {
        Self {
            earliest: now
                .checked_sub_signed(Self::MAX_AGE)
                .unwrap_or(DateTime::<Utc>::MIN_UTC),
            latest: now
                .checked_add_signed(Self::MAX_LEAD)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        }
    }

    #[must_use]
    pub fn contains(&self, timestamp: DateTime<Utc>) -> bool {
        (self.earliest..=self.latest).contains(&timestamp)
    }

    #[must_use]
    pub const fn earliest(&self) -> DateTime<Utc> {
        self.earliest
    }

    #[must_use]
    pub const fn latest(&self) -> DateTime<Utc> {
        self.latest
    }
}

/// A subscription's billing period `[start, end)`, as the subscription sets it; quotas
/// count usage within it and reset at `end`.
///
/// Usage is filed under the period open when the event is *received*, whatever its
/// timestamp: a period that has been invoiced never changes, and an event reported late
/// (up to 35 days) is still billed once, in the next invoice. Day and month reports file
/// events by their own timestamp.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct BillingPeriod {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl BillingPeriod {
    /// # Errors
    /// [`WindowError::Empty`] unless `start < end`.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>) -> Result<Self, WindowError> {
        if start < end {
            Ok(Self { start, end })
        } else {
            Err(WindowError::Empty { start, end })
        }
    }

    /// The UTC calendar month holding `at`: the period of a tool held without a recurring
    /// plan, whose usage is still counted (and reported) month by month.
    ///
    /// # Errors
    /// [`WindowError::OutOfRange`] at the very ends of the representable calendar.
    pub fn calendar_month(at: DateTime<Utc>) -> Result<Self, WindowError> {
        let month = Bucket::containing(at, Granularity::Month)?;
        Self::new(month.start(), month.end())
    }

    #[must_use]
    pub const fn start(&self) -> DateTime<Utc> {
        self.start
    }

    #[must_use]
    pub const fn end(&self) -> DateTime<Utc> {
        self.end
    }

    #[must_use]
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        (self.start..self.end).contains(&at)
    }

    /// Whole seconds from `now` until the period resets, rounded up so a client that waits
    /// that long finds the new period; zero once it has ended.
    #[must_use]
    pub fn seconds_until_end(&self, now: DateTime<Utc>) -> u64 {
        let left = self.end.signed_duration_since(now);
        if left <= TimeDelta::zero() {
            return 0;
        }
        let whole = u64::try_from(left.num_seconds()).unwrap_or(u64::MAX);
        if left.subsec_nanos() > 0 {
            whole.saturating_add(1)
        } else {
            whole
        }
    }
}

/// The size of a report bucket.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Day,
    Month,
}

/// One UTC day or calendar month `[start, end)` of a usage report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Bucket {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    granularity: Granularity,
}

impl Bucket {
    /// The bucket holding `at`.
    ///
    /// # Errors
    /// [`WindowError::OutOfRange`] at the very ends of the representable calendar.
    pub fn containing(at: DateTime<Utc>, granularity: Granularity) -> Result<Self, WindowError> {
        let date = at.date_naive();
        let first = match granularity {
            Granularity::Day => date,
            Granularity::Month => date.with_day(1).ok_or(WindowError::OutOfRange)?,
        };
        Self::starting(first, granularity)
    }

    fn starting(first: NaiveDate, granularity: Granularity) -> Result<Self, WindowError> {
        let next = match granularity {
            Granularity::Day => first.succ_opt(),
            Granularity::Month => first.checked_add_months(chrono::Months::new(1)),
        }
        .ok_or(WindowError::OutOfRange)?;
        Ok(Self {
            start: midnight(first)?,
            end: midnight(next)?,
            granularity,
        })
    }

    /// The bucket right after this one.
    ///
    /// # Errors
    /// [`WindowError::OutOfRange`] at the end of the representable calendar.
    pub fn next(&self) -> Result<Self, WindowError> {
        Self::starting(self.end.date_naive(), self.granularity)
    }

    #[must_use]
    pub const fn start(&self) -> DateTime<Utc> {
        self.start
    }

    #[must_use]
    pub const fn end(&self) -> DateTime<Utc> {
        self.end
    }

    #[must_use]
    pub const fn granularity(&self) -> Granularity {
        self.granularity
    }

    #[must_use]
    pub fn contains(&self, at: DateTime<Utc>) -> bool {
        (self.start..self.end).contains(&at)
    }
}

/// `2025-03-07` for a day, `2025-03` for a month: the label reports show.
impl fmt::Display for Bucket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.granularity {
            Granularity::Day => write!(f, "{}", self.start.format("%Y-%m-%d")),
            Granularity::Month => write!(f, "{}", self.start.format("%Y-%m")),
        }
    }
}

fn midnight(date: NaiveDate) -> Result<DateTime<Utc>, WindowError> {
    date.and_hms_opt(0, 0, 0)
        .map(|naive| naive.and_utc())
        .ok_or(WindowError::OutOfRange)
}

/// The buckets a usage report over `[from, to)` lists: whole buckets, from the one holding
/// `from` to the one holding the last instant before `to`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportRange {
    granularity: Granularity,
    buckets: Vec<Bucket>,
}

impl ReportRange {
    /// Most buckets one report lists (a year of days, or decades of months).
    pub const MAX_BUCKETS: usize = 400;

    /// # Errors
    /// [`WindowError::Empty`] unless `from < to`, [`WindowError::TooManyBuckets`] past
    /// [`ReportRange::MAX_BUCKETS`], [`WindowError::OutOfRange`] at the calendar's ends.
    pub fn new(
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        granularity: Granularity,
    ) -> Result<Self, WindowError> {
        if from >= to {
            return Err(WindowError::Empty {
                start: from,
                end: to,
            });
        }
        let mut buckets = vec![Bucket::containing(from, granularity)?];
        while let Some(last) = buckets.last()
            && last.end < to
        {
            if buckets.len() == Self::MAX_BUCKETS {
                return Err(WindowError::TooManyBuckets {
                    count: buckets.len() + 1,
                });
            }
            let next = last.next()?;
            buckets.push(next);
        }
        Ok(Self {
            granularity,
            buckets,
        })
    }

    #[must_use]
    pub const fn granularity(&self) -> Granularity {
        self.granularity
    }

    /// The buckets, in time order; never empty.
    #[must_use]
    pub fn buckets(&self) -> &[Bucket] {
        &self.buckets
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    #[test]
    fn r_u2_window_includes_exactly_35_days_back_and_5_minutes_ahead() {
        let now = at(2025, 3, 10, 12, 0, 0);
        let window = AcceptanceWindow::at(now);
        let oldest = now - TimeDelta::days(35);
        let newest = now + TimeDelta::minutes(5);
        assert!(window.contains(oldest));
        assert!(window.contains(newest));
        assert!(window.contains(now));
        assert!(!window.contains(oldest - TimeDelta::seconds(1)));
        assert!(!window.contains(newest + TimeDelta::seconds(1)));
    }

    #[test]
    fn r_u4_billing_period_is_half_open_and_resets_at_its_end() {
        let period = BillingPeriod::new(at(2025, 3, 1, 0, 0, 0), at(2025, 4, 1, 0, 0, 0)).unwrap();
        assert!(period.contains(period.start()));
        assert!(!period.contains(period.end()));
        assert_eq!(period.seconds_until_end(at(2025, 3, 31, 23, 59, 0)), 60);
        let almost = at(2025, 3, 31, 23, 59, 59) + TimeDelta::milliseconds(1);
        assert_eq!(period.seconds_until_end(almost), 1, "rounded up");
        assert_eq!(period.seconds_until_end(period.end()), 0);
        assert!(BillingPeriod::new(period.end(), period.end()).is_err());
    }

    #[test]
    fn r_u4_a_tool_without_a_plan_counts_per_utc_calendar_month() {
        let period = BillingPeriod::calendar_month(at(2024, 2, 29, 23, 59, 59)).unwrap();
        assert_eq!(
            (period.start(), period.end()),
            (at(2024, 2, 1, 0, 0, 0), at(2024, 3, 1, 0, 0, 0))
        );
    }

    #[test]
    fn r_u3_day_and_month_buckets_are_utc_calendar_units() {
        let t = at(2024, 2, 29, 23, 59, 59);
        let day = Bucket::containing(t, Granularity::Day).unwrap();
        assert_eq!(
            (day.start(), day.end()),
            (at(2024, 2, 29, 0, 0, 0), at(2024, 3, 1, 0, 0, 0))
        );
        assert_eq!(day.to_string(), "2024-02-29");
        let month = Bucket::containing(t, Granularity::Month).unwrap();
        assert_eq!(
            (month.start(), month.end()),
            (at(2024, 2, 1, 0, 0, 0), at(2024, 3, 1, 0, 0, 0))
        );
        assert_eq!(month.to_string(), "2024-02");
        let december = Bucket::containing(at(2024, 12, 31, 5, 0, 0), Granularity::Month).unwrap();
        assert_eq!(december.next().unwrap().to_string(), "2025-01");
    }

    #[test]
    fn r_u3_reports_list_whole_buckets_covering_the_range() {
        let range = ReportRange::new(
            at(2025, 1, 15, 10, 0, 0),
            at(2025, 3, 1, 0, 0, 0),
            Granularity::Month,
        )
        .unwrap();
        let labels: Vec<String> = range.buckets().iter().map(ToString::to_string).collect();
        assert_eq!(labels, ["2025-01", "2025-02"]);

        let days = ReportRange::new(
            at(2025, 1, 1, 0, 0, 0),
            at(2025, 1, 3, 0, 0, 1),
            Granularity::Day,
        )
        .unwrap();
        assert_eq!(days.buckets().len(), 3);

        let too_long = ReportRange::new(
            at(2024, 1, 1, 0, 0, 0),
            at(2025, 3, 1, 0, 0, 0),
            Granularity::Day,
        );
        assert!(matches!(too_long, Err(WindowError::TooManyBuckets { .. })));
        assert!(
            ReportRange::new(
                at(2025, 1, 1, 0, 0, 0),
                at(2025, 1, 1, 0, 0, 0),
                Granularity::Day
            )
            .is_err()
        );
    }
}
