//! Usage metering (R-U*): meters, usage events, per-period totals, quotas, overage and the
//! access answer. No I/O and no clock (callers pass `now`): the rules are plain functions,
//! and the use cases of [`service`] reach storage only through async port traits.
//!
//! The rules, in short:
//! - R-U1 An item defines meters: a key, an aggregation and a unit ([`meter`]).
//! - R-U2 A host reports usage events in batches of 1..=1000. Each event is checked on its
//!   own and counts once per (org, id): repeats are duplicates, answered and not counted
//!   ([`event`], [`batch`], [`property`], [`catalog`], [`window`]).
//! - R-U3 Each (org, tool, meter) keeps a total per window, folded in the transaction that
//!   stores the events ([`total`]).
//! - R-U4 A plan sets each meter's quota per billing period: hard quotas refuse, soft ones
//!   count overage; answers carry rate-limit headers ([`quota`]).
//! - R-U5 Overage is charged with the renewal, one rounded line per meter ([`overage`]).
//! - R-U6 One value answers "may org X use tool Y, and how much of meter Z is left"
//!   ([`access`]).
//!
//! How the service uses it, per batch: build a [`MeterCatalog`] of the org's entitled
//! tools, [`CheckedBatch::check`] the events, group them into a
//! [`RecordBatch`](service::RecordBatch), and let the store's one transaction insert their
//! ids under the unique (org, id) key (a conflict is a duplicate), lock each
//! [`PeriodTotal`], and apply [`MeterBatch::decide`](service::MeterBatch::decide), which
//! weighs the inserted events with [`Quota::decide_batch`] and folds them in.
//!
//! The [`service`] module is that service: the use cases behind ports (meter and plan
//! definitions, entitlements, the usage store), with a caller that is an org member or an
//! API-key holder, and the store's one-transaction contract.

pub mod access;
pub mod batch;
pub mod catalog;
pub mod event;
pub mod ids;
pub mod meter;
mod name;
pub mod overage;
pub mod property;
pub mod quota;
pub mod service;
pub mod total;
pub mod window;

pub use access::AccessAnswer;
pub use batch::{BatchError, BatchReport, CheckedBatch};
pub use catalog::MeterCatalog;
pub use event::{EventId, EventRejection, RejectionReason, UsageEvent, UsageEventInput};
pub use ids::{OrgId, ToolId};
pub use meter::{Aggregation, Meter, MeterError, MeterKey, Unit};
pub use overage::{InvoiceLine, OverageError, overage_lines};
pub use property::{DistinctKey, Properties, PropertyError, PropertyKey, PropertyValue};
pub use quota::{
    BatchDecision, DecisionError, Enforcement, PlanQuotas, Quota, QuotaDecision, QuotaError,
    QuotaOutcome, RateLimit, count_batch,
};
pub use total::{KeyNovelty, LatestMark, PeriodTotal, TotalError, TotalParts, UsageChange};
pub use window::{AcceptanceWindow, BillingPeriod, Bucket, Granularity, ReportRange, WindowError};
