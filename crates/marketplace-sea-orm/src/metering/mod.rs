//! The usage store (R-U2, R-U3, R-U4) over the tables of the usage migration:
//! `usage_event_ids` (the (org, id) key that makes an event count once), `usage_events`
//! (raw events, partitioned by month on PostgreSQL), `usage_totals` (billing periods),
//! `usage_buckets` (UTC days and months) and `usage_distinct_keys`.
//!
//! - [`record`]: one tenant transaction per batch, retried as a whole on a serialization
//!   failure or a deadlock (see [`SeaOrmStore::atomically`]).
//! - The reads below read totals only, never raw events, each in a tenant transaction so
//!   row-level security applies on PostgreSQL; rows left empty by a batch whose events
//!   were all duplicates or refused are not usage and are not answered.
//!
//! - [`definitions`]: the meters of `tool_meters` and the plans orgs subscribe to, for the
//!   meter and plan definitions port, and the meter registry catalog admins write.

mod access;
mod definitions;
pub(crate) use definitions::define_in;
mod record;
mod sql;

pub(crate) use access::AccessRows;

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::ids::{OrgId, ToolId};
use marketplace_domain::ports::RepoError;
use marketplace_metering::service::ports::{RecordError, UsageStore};
use marketplace_metering::service::{BucketTotal, MeterVerdict, RecordBatch, ReportFilter};
use marketplace_metering::{BillingPeriod, Bucket, MeterKey, PeriodTotal, ReportRange};
use sea_orm::{ConnectionTrait, Value};
use uuid::Uuid;

use self::record::WindowKind;
use self::sql::Sql;
use crate::SeaOrmStore;
use crate::error::{corrupt, map_db};
use crate::tenant::{Scope, commit};

pub(super) const TOTAL_COLUMNS: &str = "aggregation, events, usage, latest_at, latest_event";

#[async_trait]
impl UsageStore for SeaOrmStore {
    async fn record(
        &self,
        org: OrgId,
        batch: &RecordBatch,
        now: DateTime<Utc>,
    ) -> Result<Vec<MeterVerdict>, RecordError> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let decided = self
            .atomically(|| self.record_usage_once(org, batch, now))
            .await?;
        Ok(decided?)
    }

    async fn totals(
        &self,
        org: OrgId,
        tool: ToolId,
        meter: &MeterKey,
        period: &BillingPeriod,
    ) -> Result<Option<PeriodTotal>, RepoError> {
        let sql = Sql::new(self.backend());
        let select = format!(
            "SELECT {TOTAL_COLUMNS} FROM usage_totals WHERE org_id = $1 AND tool_id = $2 \
             AND meter = $3 AND period_start = $4 AND events > 0"
        );
        let values = vec![
            Value::from(org.as_uuid()),
            Value::from(tool.as_uuid()),
            Value::from(meter.as_str()),
            Value::from(period.start()),
        ];
        let tx = self.begin(Scope::Org(org, None)).await?;
        let row = tx
            .query_one_raw(sql.statement(&select, values))
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        row.map(|row| sql.read_total(&row, "usage_totals"))
            .transpose()
    }

    async fn usage_report(
        &self,
        org: OrgId,
        range: &ReportRange,
        filter: &ReportFilter,
    ) -> Result<Vec<BucketTotal>, RepoError> {
        let (Some(first), Some(last)) = (range.buckets().first(), range.buckets().last()) else {
            return Ok(Vec::new());
        };
        let sql = Sql::new(self.backend());
        let granularity = range.granularity();
        let mut select = format!(
            "SELECT tool_id, meter, bucket_start, {TOTAL_COLUMNS} FROM usage_buckets \
             WHERE org_id = $1 AND granularity = $2 AND bucket_start >= $3 \
             AND bucket_start < $4 AND events > 0"
        );
        let mut values = vec![
            Value::from(org.as_uuid()),
            Value::from(WindowKind::of(granularity).label()),
            Value::from(first.start()),
            Value::from(last.end()),
        ];
        match filter {
            ReportFilter::All => {}
            ReportFilter::Tool(tool) => {
                select.push_str(" AND tool_id = $5");
                values.push(Value::from(tool.as_uuid()));
            }
            ReportFilter::Meter(tool, meter) => {
                select.push_str(" AND tool_id = $5 AND meter = $6");
                values.push(Value::from(tool.as_uuid()));
                values.push(Value::from(meter.as_str()));
            }
        }
        select.push_str(" ORDER BY tool_id, meter, bucket_start");
        let tx = self.begin(Scope::Org(org, None)).await?;
        let rows = tx
            .query_all_raw(sql.statement(&select, values))
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        rows.iter()
            .map(|row| {
                let tool: Uuid = row.try_get("", "tool_id").map_err(map_db)?;
                let start: DateTime<Utc> = row.try_get("", "bucket_start").map_err(map_db)?;
                Ok(BucketTotal {
                    tool: ToolId::from_uuid(tool),
                    meter: read_meter(row)?,
                    bucket: Bucket::containing(start, granularity)
                        .map_err(|e| corrupt("usage_buckets", e))?,
                    total: sql.read_total(row, "usage_buckets")?,
                })
            })
            .collect()
    }

    async fn period_usage(
        &self,
        org: OrgId,
        tool: ToolId,
        period: &BillingPeriod,
    ) -> Result<BTreeMap<MeterKey, PeriodTotal>, RepoError> {
        let sql = Sql::new(self.backend());
        let select = format!(
            "SELECT meter, {TOTAL_COLUMNS} FROM usage_totals WHERE org_id = $1 \
             AND tool_id = $2 AND period_start = $3 AND events > 0"
        );
        let values = vec![
            Value::from(org.as_uuid()),
            Value::from(tool.as_uuid()),
            Value::from(period.start()),
        ];
        let tx = self.begin(Scope::Org(org, None)).await?;
        let rows = tx
            .query_all_raw(sql.statement(&select, values))
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        rows.iter()
            .map(|row| Ok((read_meter(row)?, sql.read_total(row, "usage_totals")?)))
            .collect()
    }
}

fn read_meter(row: &sea_orm::QueryResult) -> Result<MeterKey, RepoError> {
    let meter: String = row.try_get("", "meter").map_err(map_db)?;
    MeterKey::parse(&meter).map_err(|e| corrupt("usage_totals", e))
}
