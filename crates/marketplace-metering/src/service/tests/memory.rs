//! An in-memory [`UsageStore`] that keeps the record contract the way a database does: one
//! mutex stands for the transaction and the row locks, ids are keyed (org, id), and the
//! quota decision ([`MeterBatch::decide`]) runs inside the lock against the stored total.
//! A transaction works on a copy of the rows and replaces them only when it succeeds, so
//! a failed write leaves nothing behind.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_kernel::ids::{OrgId, ToolId};
use marketplace_kernel::store::RepoError;
use tokio::sync::Barrier;

use crate::service::ports::{RecordError, UsageStore};
use crate::service::{BucketTotal, MeterVerdict, RecordBatch, ReportFilter};
use crate::{
    BillingPeriod, Bucket, DistinctKey, EventId, Granularity, KeyNovelty, MeterKey, PeriodTotal,
    ReportRange, UsageEvent, count_batch,
};

/// The window a total row covers: a billing period, or a UTC day or month.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Window {
    Period(BillingPeriod),
    Bucket(Bucket),
}

type RowKey = (OrgId, ToolId, MeterKey, Window);

#[derive(Clone, Default)]
struct Rows {
    ids: HashSet<(OrgId, EventId)>,
    totals: HashMap<RowKey, PeriodTotal>,
    keys: HashSet<(RowKey, DistinctKey)>,
    events: Vec<(OrgId, UsageEvent)>,
}

impl Rows {
    /// Folds `counted` into the total of `window` with the keys that window held before,
    /// then adds their keys to it.
    fn absorb(
        &mut self,
        row: RowKey,
        counted: &[&UsageEvent],
        empty: PeriodTotal,
    ) -> Result<PeriodTotal, RecordError> {
        let novelty: Vec<KeyNovelty> = counted
            .iter()
            .map(|event| {
                let seen = event
                    .distinct_key()
                    .is_some_and(|key| self.keys.contains(&(row.clone(), key.clone())));
                KeyNovelty::of(event, seen)
            })
            .collect();
        let before = self.totals.get(&row).cloned().unwrap_or(empty);
        let after = count_batch(&before, counted.iter().copied().zip(novelty))?;
        for key in counted.iter().filter_map(|event| event.distinct_key()) {
            self.keys.insert((row.clone(), key.clone()));
        }
        self.totals.insert(row, after.clone());
        Ok(after)
    }
}

pub struct MemoryStore {
    rows: Mutex<Rows>,
    /// When set, every `record` waits here first, so that concurrent batches all reach the
    /// store before any of them runs its transaction.
    gate: Option<Barrier>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self {
            rows: Mutex::new(Rows::default()),
            gate: None,
        }
    }

    /// A store whose first `batches` records wait for each other.
    pub fn meeting(batches: usize) -> Self {
        Self {
            rows: Mutex::new(Rows::default()),
            gate: Some(Barrier::new(batches)),
        }
    }

    /// Puts a row in place, as an earlier write would have left it.
    pub fn seed(
        &self,
        org: OrgId,
        tool: ToolId,
        meter: &MeterKey,
        period: BillingPeriod,
        total: PeriodTotal,
    ) {
        let row = (org, tool, meter.clone(), Window::Period(period));
        self.rows.lock().unwrap().totals.insert(row, total);
    }

    /// The billing-period total of one meter, as committed.
    pub fn total(
        &self,
        org: OrgId,
        tool: ToolId,
        meter: &MeterKey,
        period: BillingPeriod,
    ) -> Option<PeriodTotal> {
        let row = (org, tool, meter.clone(), Window::Period(period));
        self.rows.lock().unwrap().totals.get(&row).cloned()
    }

    /// How many event ids are stored.
    pub fn stored_ids(&self) -> usize {
        self.rows.lock().unwrap().ids.len()
    }

    /// How many raw events are stored.
    pub fn stored_events(&self) -> usize {
        self.rows.lock().unwrap().events.len()
    }
}

#[async_trait]
impl UsageStore for MemoryStore {
    async fn record(
        &self,
        org: OrgId,
        batch: &RecordBatch,
        now: DateTime<Utc>,
    ) -> Result<Vec<MeterVerdict>, RecordError> {
        if let Some(gate) = &self.gate {
            gate.wait().await;
        }
        let mut committed = self.rows.lock().unwrap();
        let mut tx = committed.clone();
        // The unique key: only ids not stored yet are inserted.
        let inserted: HashSet<&EventId> = batch
            .event_ids()
            .into_iter()
            .filter(|id| tx.ids.insert((org, (*id).clone())))
            .collect();
        let mut verdicts = Vec::with_capacity(batch.meters().len());
        for group in batch.meters() {
            let row: RowKey = (
                org,
                group.tool(),
                group.meter().clone(),
                Window::Period(*group.period()),
            );
            let locked = tx
                .totals
                .get(&row)
                .cloned()
                .unwrap_or_else(|| PeriodTotal::empty(group.aggregation()));
            let seen: HashSet<&DistinctKey> = group
                .distinct_keys()
                .into_iter()
                .filter(|key| tx.keys.contains(&(row.clone(), (*key).clone())))
                .collect();
            let verdict = group.decide(&locked, &inserted, &seen, now)?;
            for id in verdict.refused() {
                tx.ids.remove(&(org, id.clone()));
            }
            let counted: Vec<&UsageEvent> = verdict.counted().collect();
            tx.totals.insert(row.clone(), verdict.total().clone());
            for key in counted.iter().filter_map(|event| event.distinct_key()) {
                tx.keys.insert((row.clone(), key.clone()));
            }
            for granularity in [Granularity::Day, Granularity::Month] {
                let mut by_bucket: BTreeMap<Bucket, Vec<&UsageEvent>> = BTreeMap::new();
                for event in &counted {
                    let bucket = Bucket::containing(event.timestamp(), granularity)
                        .map_err(RepoError::unavailable)?;
                    by_bucket.entry(bucket).or_default().push(event);
                }
                for (bucket, events) in by_bucket {
                    let window = (
                        org,
                        group.tool(),
                        group.meter().clone(),
                        Window::Bucket(bucket),
                    );
                    tx.absorb(window, &events, PeriodTotal::empty(group.aggregation()))?;
                }
            }
            tx.events
                .extend(counted.iter().map(|event| (org, (*event).clone())));
            verdicts.push(verdict);
        }
        *committed = tx;
        Ok(verdicts)
    }

    async fn totals(
        &self,
        org: OrgId,
        tool: ToolId,
        meter: &MeterKey,
        period: &BillingPeriod,
    ) -> Result<Option<PeriodTotal>, RepoError> {
        Ok(self.total(org, tool, meter, *period))
    }

    async fn usage_report(
        &self,
        org: OrgId,
        range: &ReportRange,
        filter: &ReportFilter,
    ) -> Result<Vec<BucketTotal>, RepoError> {
        let rows = self.rows.lock().unwrap();
        Ok(rows
            .totals
            .iter()
            .filter_map(|((row_org, tool, meter, window), total)| match window {
                Window::Bucket(bucket)
                    if *row_org == org
                        && range.buckets().contains(bucket)
                        && filter.keeps(*tool, meter) =>
                {
                    Some(BucketTotal {
                        tool: *tool,
                        meter: meter.clone(),
                        bucket: *bucket,
                        total: total.clone(),
                    })
                }
                _ => None,
            })
            .collect())
    }

    async fn period_usage(
        &self,
        org: OrgId,
        tool: ToolId,
        period: &BillingPeriod,
    ) -> Result<BTreeMap<MeterKey, PeriodTotal>, RepoError> {
        let rows = self.rows.lock().unwrap();
        Ok(rows
            .totals
            .iter()
            .filter(|((row_org, row_tool, _, window), _)| {
                *row_org == org && *row_tool == tool && *window == Window::Period(*period)
            })
            .map(|((_, _, meter, _), total)| (meter.clone(), total.clone()))
            .collect())
    }
}
