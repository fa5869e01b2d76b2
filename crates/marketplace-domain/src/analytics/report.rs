//! R-C7: views, purchases and conversion per tool and month.

use rust_decimal::{Decimal, RoundingStrategy};

use super::ToolMonthActivity;
use crate::ids::ToolId;
use crate::revenue::YearMonth;

/// Decimal places a conversion is given to (a hundredth of a percent).
pub const CONVERSION_DP: u32 = 4;

/// The most months one report spans.
pub const MAX_MONTHS: u32 = 24;

/// Why a range of months is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MonthRangeError {
    #[error("the range ends ({to}) before it starts ({from})")]
    Reversed { from: YearMonth, to: YearMonth },
    #[error("the range spans more than {MAX_MONTHS} months")]
    TooLong,
}

/// The months `from..=to` of a report: in order, at most [`MAX_MONTHS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MonthRange {
    from: YearMonth,
    to: YearMonth,
}

impl MonthRange {
    /// # Errors
    /// [`MonthRangeError::Reversed`], [`MonthRangeError::TooLong`].
    pub fn new(from: YearMonth, to: YearMonth) -> Result<Self, MonthRangeError> {
        if to < from {
            return Err(MonthRangeError::Reversed { from, to });
        }
        let months = (to.year() - from.year()) * 12 + i32::try_from(to.month()).unwrap_or(0)
            - i32::try_from(from.month()).unwrap_or(0)
            + 1;
        if months > i32::try_from(MAX_MONTHS).unwrap_or(i32::MAX) {
            return Err(MonthRangeError::TooLong);
        }
        Ok(Self { from, to })
    }

    #[must_use]
    pub const fn from(&self) -> YearMonth {
        self.from
    }

    #[must_use]
    pub const fn to(&self) -> YearMonth {
        self.to
    }
}

/// One tool's month in a report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ToolMonthStats {
    pub tool_id: ToolId,
    pub month: YearMonth,
    pub views: u64,
    pub purchases: u64,
    /// Purchases per view ([`conversion`]); `None` for a month without views.
    pub conversion: Option<Decimal>,
}

/// R-C7: purchases divided by views, to [`CONVERSION_DP`] places (half away from zero);
/// `None` without views, since no rate is defined then. It may exceed 1: a purchase needs
/// no view of the page (a cart filled through the API, a bundle page).
#[must_use]
pub fn conversion(purchases: u64, views: u64) -> Option<Decimal> {
    if views == 0 {
        return None;
    }
    let rate = Decimal::from(purchases).checked_div(Decimal::from(views))?;
    // Normalized: 1 in 2 is 0.5, not 0.50.
    Some(
        rate.round_dp_with_strategy(CONVERSION_DP, RoundingStrategy::MidpointAwayFromZero)
            .normalize(),
    )
}

/// R-C7: the report's rows, by month then tool, each with its conversion.
#[must_use]
pub fn tool_month_stats(activity: Vec<ToolMonthActivity>) -> Vec<ToolMonthStats> {
    let mut rows: Vec<ToolMonthStats> = activity
        .into_iter()
        .map(|a| ToolMonthStats {
            tool_id: a.tool_id,
            month: a.month,
            views: a.views,
            purchases: a.purchases,
            conversion: conversion(a.purchases, a.views),
        })
        .collect();
    rows.sort_by_key(|r| (r.month, r.tool_id));
    rows
}
