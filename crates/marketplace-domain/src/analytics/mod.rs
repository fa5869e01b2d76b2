//! Catalog analytics: how often each tool's page is viewed, counted in memory and stored
//! in batches (R-C6), and per tool and month its views, purchases and conversion, for the
//! platform's catalog admins and for the tool's seller (R-C7).
//!
//! - [`ViewCounter`]: the in-process tally a read adds to (no write per read).
//! - [`AnalyticsRepository`]: adds a batch of tallies to the stored counts; reads views and
//!   purchases per tool and month.
//! - [`AnalyticsService`]: records views, flushes the tally, answers the reports.

mod counter;
mod ports;
mod report;
mod service;

#[cfg(test)]
mod service_tests;

pub use counter::{ViewCount, ViewCounter};
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockAnalyticsRepository;
pub use ports::{AnalyticsRepository, ToolMonthActivity};
pub use report::{MonthRange, MonthRangeError, ToolMonthStats, conversion, tool_month_stats};
pub use service::{AnalyticsError, AnalyticsService};
