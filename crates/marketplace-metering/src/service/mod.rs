//! The usage context's use cases (R-U2..R-U6 as services): hosts reporting events, orgs
//! reading their usage, the access answer, the buyer's packs, and the overage the renewal
//! charges. The rules live in the pure modules of this crate; this module loads what they
//! need through ports, asks them, and stores what they answer.
//!
//! - [`ports`]: the meter and plan definitions, entitlements, and the usage store with the
//!   one-transaction contract of [`UsageStore::record`](ports::UsageStore::record).
//! - [`RecordBatch`] and [`MeterBatch::decide`]: what a batch asks the store to record,
//!   and the decision its transaction applies against the locked total, so the rule stays
//!   here while the lock stays in the store.
//! - [`UsageCaller`]: a member or a key holder of one org, and what they may do.
//! - [`IngestService`], [`UsageService`], [`AccessService`], [`MyPacksService`],
//!   [`BillingService`]: the use cases. Each one asked by a caller checks the caller's
//!   permission before touching any port, and works on the caller's own org alone.

mod access;
mod billing;
mod caller;
mod error;
mod ingest;
mod meters;
mod packs;
mod plan;
pub mod ports;
mod record;
mod report;

#[cfg(test)]
mod tests;

pub use access::AccessService;
pub use billing::{BillingService, OverageInvoice};
pub use caller::{UsageCaller, UsagePermission};
pub use error::{BillingError, UsageError};
pub use ingest::{IngestAnswer, IngestService};
pub use meters::{DefineMeterError, MeterDefinition, MeterService};
pub use packs::{MyPacksService, Pack, PackMeter};
pub use plan::{ActivePlan, InvalidPlanCode, PlanCode, usage_period};
pub use record::{EventOutcome, MeterBatch, MeterVerdict, RecordBatch};
pub use report::{BucketTotal, MeterSeries, ReportFilter, UsagePoint, UsageReport, UsageService};
