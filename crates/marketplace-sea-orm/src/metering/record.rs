//! The record transaction of [`UsageStore::record`](marketplace_metering::service::ports::UsageStore::record):
//! lock the batch's total rows in one global order, insert the ids (a conflict is a
//! duplicate), let [`MeterBatch::decide`] weigh what was inserted against the locked
//! period total, remove the refused ids, and write totals, raw events, distinct keys and
//! the day and month folds. Every step runs in the one tenant transaction; any error drops
//! it, which rolls everything back.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use marketplace_domain::ids::{OrgId, ToolId};
use marketplace_domain::ports::RepoError;
use marketplace_metering::service::{MeterBatch, MeterVerdict, RecordBatch};
use marketplace_metering::{
    Aggregation, Bucket, DecisionError, DistinctKey, EventId, Granularity, KeyNovelty, MeterKey,
    PeriodTotal, UsageEvent, count_batch,
};
use sea_orm::{ConnectionTrait, DatabaseTransaction, Value};

use super::sql::{Sql, placeholders, tuples};
use crate::SeaOrmStore;
use crate::error::map_db;
use crate::tenant::{Scope, commit};

/// Rows per multi-row statement: well under both backends' parameter limits.
const CHUNK: usize = 200;

/// Which window of a (tool, meter) a total row covers. The order is part of the global
/// lock order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum WindowKind {
    /// The billing period: what quotas are checked against.
    Period,
    /// A UTC day of the events' timestamps.
    Day,
    /// A UTC calendar month of the events' timestamps.
    Month,
}

impl WindowKind {
    /// The label in `usage_buckets.granularity` and `usage_distinct_keys.window_kind`.
    pub(super) const fn label(self) -> &'static str {
        match self {
            Self::Period => "period",
            Self::Day => "day",
            Self::Month => "month",
        }
    }

    pub(super) const fn of(granularity: Granularity) -> Self {
        match granularity {
            Granularity::Day => Self::Day,
            Granularity::Month => Self::Month,
        }
    }
}

/// One total row: ordered by tool, meter, window kind and window start, the order every
/// record transaction locks rows in, so two never wait for each other in a circle.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct RowKey {
    tool: ToolId,
    meter: MeterKey,
    kind: WindowKind,
    start: DateTime<Utc>,
}

impl RowKey {
    fn period(group: &MeterBatch) -> Self {
        Self {
            tool: group.tool(),
            meter: group.meter().clone(),
            kind: WindowKind::Period,
            start: group.period().start(),
        }
    }

    fn bucket(event: &UsageEvent, granularity: Granularity) -> Result<Self, RepoError> {
        // A checked event lies within days of now, far from the calendar's ends.
        let bucket =
            Bucket::containing(event.timestamp(), granularity).map_err(RepoError::unavailable)?;
        Ok(Self {
            tool: event.tool(),
            meter: event.meter().clone(),
            kind: WindowKind::of(granularity),
            start: bucket.start(),
        })
    }

    /// The values of `org_id, tool_id, meter` and the window's key columns.
    fn values(&self, org: OrgId) -> Vec<Value> {
        let mut values = vec![
            Value::from(org.as_uuid()),
            Value::from(self.tool.as_uuid()),
            Value::from(self.meter.as_str()),
        ];
        if self.kind != WindowKind::Period {
            values.push(Value::from(self.kind.label()));
        }
        values.push(Value::from(self.start));
        values
    }

    /// `table` and the condition naming this row, with parameters from `$1`.
    fn locate(&self) -> (&'static str, &'static str) {
        match self.kind {
            WindowKind::Period => (
                "usage_totals",
                "org_id = $1 AND tool_id = $2 AND meter = $3 AND period_start = $4",
            ),
            WindowKind::Day | WindowKind::Month => (
                "usage_buckets",
                "org_id = $1 AND tool_id = $2 AND meter = $3 AND granularity = $4 \
                 AND bucket_start = $5",
            ),
        }
    }
}

/// What a row is created with when missing: the window's end (billing periods only) and
/// the meter's aggregation.
#[derive(Clone, Copy, Debug)]
struct NewRow {
    period_end: Option<DateTime<Utc>>,
    aggregation: Aggregation,
}

/// Why a record transaction stopped: the rule refused the locked state, or the store
/// failed (which alone may be retried).
enum Abort {
    Decision(DecisionError),
    Store(RepoError),
}

impl From<RepoError> for Abort {
    fn from(e: RepoError) -> Self {
        Self::Store(e)
    }
}

impl From<DecisionError> for Abort {
    fn from(e: DecisionError) -> Self {
        Self::Decision(e)
    }
}

impl SeaOrmStore {
    /// One attempt at recording `batch`: `Err` is a store failure the caller may retry,
    /// `Ok(Err(_))` a decision that rolled the batch back.
    pub(super) async fn record_usage_once(
        &self,
        org: OrgId,
        batch: &RecordBatch,
        now: DateTime<Utc>,
    ) -> Result<Result<Vec<MeterVerdict>, DecisionError>, RepoError> {
        match self.try_record_usage(org, batch, now).await {
            Ok(verdicts) => Ok(Ok(verdicts)),
            Err(Abort::Decision(e)) => Ok(Err(e)),
            Err(Abort::Store(e)) => Err(e),
        }
    }

    async fn try_record_usage(
        &self,
        org: OrgId,
        batch: &RecordBatch,
        now: DateTime<Utc>,
    ) -> Result<Vec<MeterVerdict>, Abort> {
        let sql = Sql::new(self.backend());
        let tx = self.begin(Scope::Org(org, None)).await?;

        // 1. Every row the batch may touch, locked in the global order.
        let mut locked = BTreeMap::new();
        for (key, new) in rows_to_lock(batch)? {
            let total = lock_row(&tx, sql, org, &key, new).await?;
            locked.insert(key, total);
        }

        // 2. The ids: only those the insert returns are new.
        let ids = batch.event_ids();
        let returned = insert_ids(&tx, sql, org, &ids, now).await?;
        let inserted: HashSet<&EventId> = ids
            .into_iter()
            .filter(|id| returned.contains(id.as_str()))
            .collect();

        // 3 and 4. Each group decided against its locked period total.
        let mut verdicts = Vec::with_capacity(batch.meters().len());
        for group in batch.meters() {
            let period = RowKey::period(group);
            let keys = group.distinct_keys();
            let found = seen_keys(&tx, sql, org, &period, &keys).await?;
            let seen: HashSet<&DistinctKey> = keys
                .into_iter()
                .filter(|key| found.contains(key.as_str()))
                .collect();
            let total = locked
                .get(&period)
                .ok_or_else(|| RepoError::unavailable(MissingLock))?;
            verdicts.push(group.decide(total, &inserted, &seen, now)?);
        }

        // 5. What the verdicts say.
        let refused: Vec<&EventId> = verdicts.iter().flat_map(MeterVerdict::refused).collect();
        delete_ids(&tx, sql, org, &refused).await?;
        for (group, verdict) in batch.meters().iter().zip(&verdicts) {
            let period = RowKey::period(group);
            write_total(&tx, sql, org, &period, verdict.total()).await?;
            let counted: Vec<&UsageEvent> = verdict.counted().collect();
            if counted.is_empty() {
                continue;
            }
            insert_events(&tx, sql, org, &counted, now).await?;
            insert_keys(&tx, sql, org, &period, &counted).await?;
            for granularity in [Granularity::Day, Granularity::Month] {
                fold(&tx, sql, org, &locked, &counted, granularity).await?;
            }
        }

        commit(tx).await?;
        Ok(verdicts)
    }
}

/// A period row was not in the locked set: a bug in [`rows_to_lock`], never data.
#[derive(Debug, thiserror::Error)]
#[error("a usage total was decided without being locked")]
struct MissingLock;

/// The period row of each group and the day and month rows of each of its events, in the
/// global lock order.
fn rows_to_lock(batch: &RecordBatch) -> Result<BTreeMap<RowKey, NewRow>, RepoError> {
    let mut rows = BTreeMap::new();
    for group in batch.meters() {
        let aggregation = group.aggregation();
        rows.insert(
            RowKey::period(group),
            NewRow {
                period_end: Some(group.period().end()),
                aggregation,
            },
        );
        for event in group.events() {
            for granularity in [Granularity::Day, Granularity::Month] {
                rows.insert(
                    RowKey::bucket(event, granularity)?,
                    NewRow {
                        period_end: None,
                        aggregation,
                    },
                );
            }
        }
    }
    Ok(rows)
}

/// Reads the row under its lock, creating it empty first when it is missing. The row of a
/// busy meter exists after its first batch, so the usual case is the one locking read; a
/// row another transaction creates between the two reads is met by the insert's conflict
/// and read locked again.
async fn lock_row(
    tx: &DatabaseTransaction,
    sql: Sql,
    org: OrgId,
    key: &RowKey,
    new: NewRow,
) -> Result<PeriodTotal, RepoError> {
    let (table, condition) = key.locate();
    let select = format!(
        "SELECT aggregation, events, usage, latest_at, latest_event FROM {table} \
         WHERE {condition}{}",
        sql.for_update()
    );
    if let Some(row) = tx
        .query_one_raw(sql.statement(&select, key.values(org)))
        .await
        .map_err(map_db)?
    {
        return sql.read_total(&row, table);
    }
    let mut values = key.values(org);
    let mut columns = match key.kind {
        WindowKind::Period => "org_id, tool_id, meter, period_start".to_owned(),
        WindowKind::Day | WindowKind::Month => {
            "org_id, tool_id, meter, granularity, bucket_start".to_owned()
        }
    };
    if let Some(end) = new.period_end {
        columns.push_str(", period_end");
        values.push(Value::from(end));
    }
    columns.push_str(", aggregation, events, usage, latest_at, latest_event");
    values.extend(sql.total_values(&PeriodTotal::empty(new.aggregation))?);
    let insert = format!(
        "INSERT INTO {table} ({columns}) VALUES ({}) ON CONFLICT DO NOTHING",
        placeholders(1, values.len())
    );
    tx.execute_raw(sql.statement(&insert, values))
        .await
        .map_err(map_db)?;
    let row = tx
        .query_one_raw(sql.statement(&select, key.values(org)))
        .await
        .map_err(map_db)?
        .ok_or_else(|| RepoError::unavailable(MissingLock))?;
    sql.read_total(&row, table)
}

/// Writes a locked row's new state.
async fn write_total(
    tx: &DatabaseTransaction,
    sql: Sql,
    org: OrgId,
    key: &RowKey,
    total: &PeriodTotal,
) -> Result<(), RepoError> {
    let (table, condition) = key.locate();
    let mut values = key.values(org);
    let from = values.len() + 1;
    values.extend(sql.total_values(total)?);
    let update = format!(
        "UPDATE {table} SET aggregation = ${}, events = ${}, usage = ${}, latest_at = ${}, \
         latest_event = ${} WHERE {condition}",
        from,
        from + 1,
        from + 2,
        from + 3,
        from + 4
    );
    tx.execute_raw(sql.statement(&update, values))
        .await
        .map_err(map_db)?;
    Ok(())
}

/// Inserts the ids in the order given (sorted by the batch); answers those inserted.
async fn insert_ids(
    tx: &DatabaseTransaction,
    sql: Sql,
    org: OrgId,
    ids: &[&EventId],
    now: DateTime<Utc>,
) -> Result<HashSet<String>, RepoError> {
    let mut inserted = HashSet::with_capacity(ids.len());
    for chunk in ids.chunks(CHUNK) {
        let values = chunk
            .iter()
            .flat_map(|id| {
                [
                    Value::from(org.as_uuid()),
                    Value::from(id.as_str()),
                    Value::from(now),
                ]
            })
            .collect();
        let insert = format!(
            "INSERT INTO usage_event_ids (org_id, event_id, received_at) VALUES {} \
             ON CONFLICT (org_id, event_id) DO NOTHING RETURNING event_id",
            tuples(0, chunk.len(), 3)
        );
        for row in tx
            .query_all_raw(sql.statement(&insert, values))
            .await
            .map_err(map_db)?
        {
            inserted.insert(row.try_get::<String>("", "event_id").map_err(map_db)?);
        }
    }
    Ok(inserted)
}

/// Removes the ids of events a hard quota refused: this transaction inserted them and no
/// other saw them, so it is as if they had never been sent.
async fn delete_ids(
    tx: &DatabaseTransaction,
    sql: Sql,
    org: OrgId,
    ids: &[&EventId],
) -> Result<(), RepoError> {
    for chunk in ids.chunks(CHUNK) {
        let mut values = vec![Value::from(org.as_uuid())];
        values.extend(chunk.iter().map(|id| Value::from(id.as_str())));
        let delete = format!(
            "DELETE FROM usage_event_ids WHERE org_id = $1 AND event_id IN ({})",
            placeholders(2, chunk.len())
        );
        tx.execute_raw(sql.statement(&delete, values))
            .await
            .map_err(map_db)?;
    }
    Ok(())
}

/// Which of `keys` the window's key set already holds.
async fn seen_keys(
    tx: &DatabaseTransaction,
    sql: Sql,
    org: OrgId,
    window: &RowKey,
    keys: &[&DistinctKey],
) -> Result<HashSet<String>, RepoError> {
    let mut seen = HashSet::new();
    for chunk in keys.chunks(CHUNK) {
        let mut values = window_values(org, window);
        let from = values.len() + 1;
        values.extend(chunk.iter().map(|key| Value::from(key.as_str())));
        let select = format!(
            "SELECT key FROM usage_distinct_keys WHERE org_id = $1 AND tool_id = $2 \
             AND meter = $3 AND window_kind = $4 AND window_start = $5 AND key IN ({})",
            placeholders(from, chunk.len())
        );
        for row in tx
            .query_all_raw(sql.statement(&select, values))
            .await
            .map_err(map_db)?
        {
            seen.insert(row.try_get::<String>("", "key").map_err(map_db)?);
        }
    }
    Ok(seen)
}

/// Adds the counted events' distinct keys to the window's key set.
async fn insert_keys(
    tx: &DatabaseTransaction,
    sql: Sql,
    org: OrgId,
    window: &RowKey,
    events: &[&UsageEvent],
) -> Result<(), RepoError> {
    let mut keys: Vec<&DistinctKey> = events.iter().filter_map(|e| e.distinct_key()).collect();
    keys.sort();
    keys.dedup();
    for chunk in keys.chunks(CHUNK) {
        let values = chunk
            .iter()
            .flat_map(|key| {
                let mut row = window_values(org, window);
                row.push(Value::from(key.as_str()));
                row
            })
            .collect();
        let insert = format!(
            "INSERT INTO usage_distinct_keys \
             (org_id, tool_id, meter, window_kind, window_start, key) VALUES {} \
             ON CONFLICT DO NOTHING",
            tuples(0, chunk.len(), 6)
        );
        tx.execute_raw(sql.statement(&insert, values))
            .await
            .map_err(map_db)?;
    }
    Ok(())
}

/// `org_id, tool_id, meter, window_kind, window_start` of a window's key set.
fn window_values(org: OrgId, window: &RowKey) -> Vec<Value> {
    vec![
        Value::from(org.as_uuid()),
        Value::from(window.tool.as_uuid()),
        Value::from(window.meter.as_str()),
        Value::from(window.kind.label()),
        Value::from(window.start),
    ]
}

/// Stores the raw rows of the counted events.
async fn insert_events(
    tx: &DatabaseTransaction,
    sql: Sql,
    org: OrgId,
    events: &[&UsageEvent],
    now: DateTime<Utc>,
) -> Result<(), RepoError> {
    for chunk in events.chunks(CHUNK) {
        let mut values = Vec::with_capacity(chunk.len() * 8);
        for event in chunk {
            let properties =
                serde_json::to_value(event.properties()).map_err(RepoError::unavailable)?;
            values.extend([
                Value::from(org.as_uuid()),
                Value::from(event.id().as_str()),
                Value::from(event.tool().as_uuid()),
                Value::from(event.meter().as_str()),
                sql.quantity(event.value()),
                Value::from(event.timestamp()),
                Value::from(now),
                Value::from(properties),
            ]);
        }
        let insert = format!(
            "INSERT INTO usage_events \
             (org_id, event_id, tool_id, meter, value, occurred_at, received_at, properties) \
             VALUES {}",
            tuples(0, chunk.len(), 8)
        );
        tx.execute_raw(sql.statement(&insert, values))
            .await
            .map_err(map_db)?;
    }
    Ok(())
}

/// Folds one meter's counted events into their day or month rows (locked in step 1), each
/// bucket's key novelty from its own key set.
async fn fold(
    tx: &DatabaseTransaction,
    sql: Sql,
    org: OrgId,
    locked: &BTreeMap<RowKey, PeriodTotal>,
    counted: &[&UsageEvent],
    granularity: Granularity,
) -> Result<(), Abort> {
    let mut buckets: BTreeMap<RowKey, Vec<&UsageEvent>> = BTreeMap::new();
    for event in counted {
        buckets
            .entry(RowKey::bucket(event, granularity)?)
            .or_default()
            .push(event);
    }
    for (key, events) in buckets {
        let mut keys: Vec<&DistinctKey> = events.iter().filter_map(|e| e.distinct_key()).collect();
        keys.sort();
        keys.dedup();
        let seen = seen_keys(tx, sql, org, &key, &keys).await?;
        let before = locked
            .get(&key)
            .ok_or_else(|| RepoError::unavailable(MissingLock))?;
        let after = count_batch(
            before,
            events.iter().map(|event| {
                let known = event
                    .distinct_key()
                    .is_some_and(|k| seen.contains(k.as_str()));
                (*event, KeyNovelty::of(event, known))
            }),
        )?;
        write_total(tx, sql, org, &key, &after).await?;
        insert_keys(tx, sql, org, &key, &events).await?;
    }
    Ok(())
}
