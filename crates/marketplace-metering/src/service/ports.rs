//! What the usage services need from the outside. Every org-scoped method takes the org
//! it works for, and adapters answer only that org's rows, so one org never reads or
//! counts into another's usage.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_kernel::ids::{OrgId, ToolId};
use marketplace_kernel::store::RepoError;

use crate::meter::{Meter, MeterKey};
use crate::quota::DecisionError;
use crate::total::PeriodTotal;
use crate::window::{BillingPeriod, ReportRange};

use super::plan::ActivePlan;
use super::record::{MeterVerdict, RecordBatch};
use super::report::{BucketTotal, ReportFilter};

/// Why a batch was not recorded. Either way the transaction rolled back: nothing of the
/// batch is stored or counted, and the host may send it again.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// A locked total could not count the batch (a row of another aggregation, a figure
    /// beyond a decimal's range, a stored row no events could make).
    #[error(transparent)]
    Decision(#[from] DecisionError),
    #[error(transparent)]
    Store(#[from] RepoError),
}

/// The meters tools define (R-U1) and the plans orgs use them under (R-U4). Catalog data,
/// read-mostly: an adapter may cache it.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MeterDefinitions: Send + Sync {
    /// The meters of each of `tools`; a tool that defines none is left out.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] only.
    async fn meters(&self, tools: &[ToolId]) -> Result<BTreeMap<ToolId, Vec<Meter>>, RepoError>;

    /// The org's plans in force at `at`, one per tool it subscribes to: the plan of each
    /// recurring purchase whose current billing period contains `at`.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] only.
    async fn active_plans(
        &self,
        org: OrgId,
        at: DateTime<Utc>,
    ) -> Result<Vec<ActivePlan>, RepoError>;

    /// The org's plan for `tool` in force at `at`, as [`MeterDefinitions::active_plans`]
    /// would list it; `Ok(None)` when the org has no recurring plan for the tool.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] only.
    async fn active_plan(
        &self,
        org: OrgId,
        tool: ToolId,
        at: DateTime<Utc>,
    ) -> Result<Option<ActivePlan>, RepoError>;

    /// The plan the org's subscription to `tool` was under for exactly `period`, current or
    /// past: the plan in force at the period's end (a downgrade at renewal belongs to the
    /// next period). `Ok(None)` when the org had no subscription with that period.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] only.
    async fn plan_for_period(
        &self,
        org: OrgId,
        tool: ToolId,
        period: &BillingPeriod,
    ) -> Result<Option<ActivePlan>, RepoError>;
}

/// "Does org X hold tool Y now?" (R-E3): the entitlement context's one answer, passed in
/// so this crate does not depend on it.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Entitlements: Send + Sync {
    /// The tools among `tools` the org holds an entitlement to right now; the others are
    /// left out. One read, whatever the number of tools.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] only.
    async fn held(&self, org: OrgId, tools: &[ToolId]) -> Result<BTreeSet<ToolId>, RepoError>;
}

/// What the access answer (R-U6) needs to know about one org and one tool at an instant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AccessFacts {
    /// Whether the org holds an entitlement to the tool in force at the instant (R-E3).
    pub held: bool,
    /// The org's plan for the tool in force at the instant, as
    /// [`MeterDefinitions::active_plan`] answers it.
    pub plan: Option<ActivePlan>,
    /// For a meter asked about: whether the plan limits it or the tool defines it, so a
    /// misspelt meter is not taken for an unlimited one. False without a meter.
    pub meter_known: bool,
    /// For a meter asked about: its billing-period totals by period start, among them the
    /// one of the period usage is counted in at the instant ([`usage_period`] of
    /// [`AccessFacts::plan`]) when anything was counted there. Others may come along: the
    /// answer picks by start, in Rust, so timestamps compare as values on every backend.
    ///
    /// [`usage_period`]: super::plan::usage_period
    pub totals: Vec<(DateTime<Utc>, PeriodTotal)>,
}

/// The reads of the access answer (R-U6) in one go. Without the tool held, an adapter may
/// leave the other facts empty.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AccessReads: Send + Sync {
    /// The facts about `org` and `tool` at `at`, for `meter` when one is asked about.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`], also for a stored row the domain refuses.
    async fn access_facts(
        &self,
        org: OrgId,
        tool: ToolId,
        meter: Option<MeterKey>,
        at: DateTime<Utc>,
    ) -> Result<AccessFacts, RepoError>;
}

/// Usage events and the totals beside them (R-U2, R-U3, R-U4).
///
/// The contract of [`UsageStore::record`], which keeps every event counted once and every
/// hard quota whole under concurrent batches, is in its own doc; the reads return what
/// committed transactions wrote, never part of a batch.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UsageStore: Send + Sync {
    /// Records a batch for `org`, received at `now`, in ONE transaction:
    ///
    /// 1. lock the billing-period total row of each group of [`RecordBatch::meters`], in
    ///    that order (create it empty if missing, then `SELECT ... FOR UPDATE`), and the
    ///    day and month rows the batch may touch, in one global order;
    /// 2. insert every event id keyed (org, id), in [`RecordBatch::event_ids`] order, with
    ///    `INSERT ... ON CONFLICT DO NOTHING RETURNING`: only returned ids are new, the
    ///    others are duplicates and count for nothing;
    /// 3. for UNIQUE_COUNT groups, look up [`MeterBatch::distinct_keys`] in the period's
    ///    key set;
    /// 4. per group, [`MeterBatch::decide`] with the locked total, the returned ids and the
    ///    keys found: the quota is re-checked here, against the locked row, so concurrent
    ///    batches never let more than a hard quota through;
    /// 5. remove the ids of [`MeterVerdict::refused`] events, write each verdict's total,
    ///    store the raw rows and distinct keys of [`MeterVerdict::counted`] events, and fold
    ///    them into their day and month totals (with [`count_batch`]);
    /// 6. commit, and answer the verdicts, one per group, in the batch's order.
    ///
    /// A failed write counts as nothing: any error rolls the whole transaction back.
    ///
    /// # Errors
    /// [`RecordError::Decision`] from `decide`, [`RecordError::Store`] with
    /// [`RepoError::Unavailable`] when the store could not do the work (after its own
    /// retries of deadlocks and serialization failures).
    ///
    /// [`MeterBatch::distinct_keys`]: super::record::MeterBatch::distinct_keys
    /// [`MeterBatch::decide`]: super::record::MeterBatch::decide
    /// [`count_batch`]: crate::quota::count_batch
    async fn record(
        &self,
        org: OrgId,
        batch: &RecordBatch,
        now: DateTime<Utc>,
    ) -> Result<Vec<MeterVerdict>, RecordError>;

    /// The org's total of one meter in one billing period: a single row read, `Ok(None)`
    /// when nothing was counted there yet.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`], also for a stored row that
    /// [`PeriodTotal::from_parts`] refuses.
    async fn totals(
        &self,
        org: OrgId,
        tool: ToolId,
        meter: &MeterKey,
        period: &BillingPeriod,
    ) -> Result<Option<PeriodTotal>, RepoError>;

    /// The org's day or month totals (by the events' own timestamps, in the range's
    /// granularity) of the buckets of `range`, narrowed by `filter`; buckets without
    /// usage are left out.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`], as for [`UsageStore::totals`].
    async fn usage_report(
        &self,
        org: OrgId,
        range: &ReportRange,
        filter: &ReportFilter,
    ) -> Result<Vec<BucketTotal>, RepoError>;

    /// The org's billing-period totals of every meter of `tool` in `period`: what its
    /// quotas and its overage are read from. Meters without usage are left out.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`], as for [`UsageStore::totals`].
    async fn period_usage(
        &self,
        org: OrgId,
        tool: ToolId,
        period: &BillingPeriod,
    ) -> Result<BTreeMap<MeterKey, PeriodTotal>, RepoError>;
}

/// What [`MeterRegistry::define`] found: the meter is new, or the tool already defined a
/// meter of that key (given as stored, so the caller can tell a repeat from a clash).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Defined {
    New,
    Existing(Meter),
}

/// Where tools' meters are defined (R-U1): catalog data, written by catalog admins. A meter
/// is never changed once defined, since the events counted under it keep its meaning.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait MeterRegistry: Send + Sync {
    /// Stores `meter` for `tool` unless the tool already defines one of that key, in one
    /// statement (two admins racing each other get one `New` and one `Existing`).
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when no such tool exists, [`RepoError::Unavailable`].
    async fn define(&self, tool: ToolId, meter: &Meter) -> Result<Defined, RepoError>;
}
