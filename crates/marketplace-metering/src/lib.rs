//! Usage metering (R-U*): meters, usage events and per-period totals. Pure rules: no I/O, no clock (callers
//! pass `now`), no async.
//!
//! - R-U1 An item defines meters: a key, an aggregation and a unit ([`meter`]).
//! - R-U2 A host reports usage events in batches of 1..=1000. Each event is checked on its
//!   own and counts once per (org, id): repeats are duplicates, answered and not counted
//!   ([`event`], [`batch`], [`property`], [`catalog`], [`window`]).
//! - R-U3 Each (org, tool, meter) keeps a total per window, folded event by event in the
//!   event's own transaction ([`total`]).

pub mod batch;
pub mod catalog;
pub mod event;
pub mod ids;
pub mod meter;
mod name;
pub mod property;
pub mod total;
pub mod window;

pub use batch::{BatchError, BatchReport, CheckedBatch};
pub use catalog::MeterCatalog;
pub use event::{EventId, EventRejection, RejectionReason, UsageEvent, UsageEventInput};
pub use ids::{OrgId, ToolId};
pub use meter::{Aggregation, Meter, MeterError, MeterKey, Unit};
pub use property::{DistinctKey, Properties, PropertyError, PropertyKey, PropertyValue};
pub use total::{KeyNovelty, LatestMark, PeriodTotal, TotalError, TotalParts, UsageChange};
pub use window::{AcceptanceWindow, BillingPeriod, Bucket, Granularity, ReportRange, WindowError};
