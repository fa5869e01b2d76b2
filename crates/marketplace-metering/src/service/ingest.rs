//! Reporting usage (R-U2..R-U4): a host's batch checked event by event, recorded once per
//! (org, id), weighed against the plan's quotas in the store's transaction, and answered
//! with what became of every event and where the org stands.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use marketplace_kernel::ids::{OrgId, ToolId};

use crate::batch::{BatchReport, CheckedBatch};
use crate::catalog::MeterCatalog;
use crate::event::{RejectionReason, UsageEventInput};
use crate::quota::RateLimit;

use super::caller::{UsageCaller, UsagePermission};
use super::error::UsageError;
use super::ports::{Entitlements, MeterDefinitions, UsageStore};
use super::record::{EventOutcome, MeterVerdict, RecordBatch};

/// The answer to a batch: what became of each event, and the rate-limit figures of the
/// tightest quota the batch touched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IngestAnswer {
    report: BatchReport,
    rate_limit: Option<RateLimit>,
}

impl IngestAnswer {
    /// Counted, duplicates and refused events with their reasons: the `202` body.
    #[must_use]
    pub const fn report(&self) -> &BatchReport {
        &self.report
    }

    /// The figures for the `RateLimit-*` (and, after a refusal, `Retry-After`) headers: a
    /// refusing quota first, then the one with the least left. `None` when the batch
    /// touched no limited meter.
    #[must_use]
    pub const fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit
    }

    /// Whether every event was refused for a hard quota: answered `429 quota_exceeded`
    /// with the rate-limit headers, rather than `202`.
    #[must_use]
    pub fn quota_exceeded(&self) -> bool {
        self.report.all_over_hard_quota()
    }
}

/// `POST /v1/usage/events`.
#[derive(Clone)]
pub struct IngestService {
    definitions: Arc<dyn MeterDefinitions>,
    entitlements: Arc<dyn Entitlements>,
    store: Arc<dyn UsageStore>,
}

impl std::fmt::Debug for IngestService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IngestService").finish_non_exhaustive()
    }
}

impl IngestService {
    pub fn new(
        definitions: Arc<dyn MeterDefinitions>,
        entitlements: Arc<dyn Entitlements>,
        store: Arc<dyn UsageStore>,
    ) -> Self {
        Self {
            definitions,
            entitlements,
            store,
        }
    }

    /// Checks and records a batch of the caller's org, received at `now`.
    ///
    /// Reads one entitlement answer for the tools the batch names and their meters; events
    /// that fail a check are refused one by one, never failing the others. When some
    /// pass, reads the org's plans and records them in one store transaction, which
    /// answers each as counted, duplicate or over a hard quota.
    ///
    /// # Errors
    /// [`UsageError::Forbidden`] without [`UsagePermission::ReportUsage`] (no port is
    /// touched), [`UsageError::Batch`] for an empty or oversized batch (nothing is read),
    /// [`UsageError::Total`] and [`UsageError::Infrastructure`] when the store counted
    /// nothing of the batch (the host sends it again: ids make that safe).
    pub async fn ingest(
        &self,
        caller: &UsageCaller,
        inputs: &[UsageEventInput],
        now: DateTime<Utc>,
    ) -> Result<IngestAnswer, UsageError> {
        let org = caller.require(UsagePermission::ReportUsage)?;
        CheckedBatch::check_size(inputs.len())?;
        let catalog = self.catalog(org, inputs).await?;
        let checked = CheckedBatch::check(inputs, &catalog, now)?;
        let mut report = checked.report();
        if checked.events().is_empty() {
            return Ok(IngestAnswer {
                report,
                rate_limit: None,
            });
        }
        let plans = self.definitions.active_plans(org, now).await?;
        let batch = RecordBatch::new(&checked, &plans, now)?;
        let verdicts = self.store.record(org, &batch, now).await?;
        let rate_limit = answer(&batch, &verdicts, &mut report)?;
        Ok(IngestAnswer { report, rate_limit })
    }

    /// The meters of the tools the batch names that the org holds (R-U2): a held tool
    /// without meters is listed empty, so its events are refused as naming an unknown
    /// meter rather than an unheld tool.
    async fn catalog(
        &self,
        org: OrgId,
        inputs: &[UsageEventInput],
    ) -> Result<MeterCatalog, UsageError> {
        let named: Vec<ToolId> = inputs
            .iter()
            .map(|input| input.tool_id)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let held: Vec<ToolId> = self
            .entitlements
            .held(org, &named)
            .await?
            .into_iter()
            .collect();
        if held.is_empty() {
            return Ok(MeterCatalog::new());
        }
        let mut meters = self.definitions.meters(&held).await?;
        Ok(held.into_iter().fold(MeterCatalog::new(), |catalog, tool| {
            catalog.with_tool(tool, meters.remove(&tool).unwrap_or_default())
        }))
    }
}

/// Adds the store's verdicts to the report, one per group of the batch, and picks the
/// tightest rate limit among them.
fn answer(
    batch: &RecordBatch,
    verdicts: &[MeterVerdict],
    report: &mut BatchReport,
) -> Result<Option<RateLimit>, UsageError> {
    if verdicts.len() != batch.meters().len() {
        return Err(UsageError::StoreContract(
            "one verdict per meter of the batch",
        ));
    }
    for (group, verdict) in batch.meters().iter().zip(verdicts) {
        if (group.tool(), group.meter()) != (verdict.tool(), verdict.meter())
            || verdict.outcomes().count() != group.events().len()
        {
            return Err(UsageError::StoreContract(
                "verdicts in the batch's order, one outcome per event",
            ));
        }
        for (id, outcome) in verdict.outcomes() {
            match outcome {
                EventOutcome::Counted | EventOutcome::CountedAsOverage { .. } => report.counted(),
                EventOutcome::Duplicate => report.duplicate(),
                EventOutcome::OverQuota { limit } => report.refused(
                    id,
                    RejectionReason::QuotaExceeded {
                        meter: verdict.meter().clone(),
                        limit,
                    },
                ),
            }
        }
    }
    Ok(RateLimit::tightest(
        verdicts.iter().filter_map(MeterVerdict::rate_limit),
    ))
}
