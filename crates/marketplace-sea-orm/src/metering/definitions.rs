//! The meter and plan definitions the usage services read (R-U1, R-U4): tools' meters from
//! `tool_meters`, and an org's plans from its recurring purchases and the `plans` they
//! name. The plan's quotas are the domain's [`Quotas`] (checked again on every read, as
//! every plan read is), mapped here to the metering crate's [`PlanQuotas`]: a hard quota
//! refuses, a soft one carries its overage price.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::ids::{OrgId, ToolId};
use marketplace_domain::money::Currency;
use marketplace_domain::plan::{QuotaKind, Quotas};
use marketplace_domain::ports::RepoError;
use marketplace_metering::service::ports::{Defined, MeterDefinitions, MeterRegistry};
use marketplace_metering::service::{ActivePlan, PlanCode};
use marketplace_metering::{
    Aggregation, BillingPeriod, Meter, MeterKey, PlanQuotas, PropertyKey, Quota, Unit,
};
use sea_orm::{ConnectionTrait, QueryResult, Value};
use uuid::Uuid;

use super::sql::{Sql, placeholders};
use crate::SeaOrmStore;
use crate::error::{corrupt, map_db, map_db_or_missing};
use crate::plans::to_quotas;
use crate::tenant::{Scope, commit};

const METERS: &str = "tool_meters";
const PLANS: &str = "plans";

const METER_COLUMNS: &str = "tool_id, meter, aggregation, unit, distinct_by";

/// An org's recurring purchases of tools with the plan each is under, its code, currency
/// and quotas. A purchase that names no plan (checkout does not record one yet) is under
/// its tool's plan of the same price, currency and interval: the rule the plans migration
/// linked purchases by, lowest position first when several match. Which purchase is in
/// force at an instant is decided in Rust, so timestamps are compared as values on both
/// backends.
pub(super) const SUBSCRIBED_PLANS: &str = "SELECT p.tool_id, p.period_start, p.period_end, \
     pl.code, pl.currency, pl.quotas \
     FROM purchases p JOIN plans pl ON pl.id = p.plan_id OR (p.plan_id IS NULL \
         AND pl.tool_id = p.tool_id AND pl.price_amount = p.amount \
         AND pl.currency = p.currency \
         AND pl.billing_interval = CASE p.billing \
             WHEN 'MONTHLY' THEN 'MONTH' WHEN 'ANNUAL' THEN 'YEAR' ELSE 'ONE_TIME' END) \
     WHERE p.org_id = $1 AND p.tool_id IS NOT NULL AND p.billing <> 'ONE_TIME' \
     AND p.period_start IS NOT NULL AND p.period_end IS NOT NULL";

fn read_meter(row: &QueryResult) -> Result<(ToolId, Meter), RepoError> {
    let bad = |e: marketplace_metering::MeterError| corrupt(METERS, e);
    let tool: Uuid = row.try_get("", "tool_id").map_err(map_db)?;
    let key: String = row.try_get("", "meter").map_err(map_db)?;
    let aggregation: String = row.try_get("", "aggregation").map_err(map_db)?;
    let unit: String = row.try_get("", "unit").map_err(map_db)?;
    let distinct_by: Option<String> = row.try_get("", "distinct_by").map_err(map_db)?;
    let aggregation = Aggregation::ALL
        .into_iter()
        .find(|a| a.as_str() == aggregation)
        .ok_or_else(|| corrupt(METERS, aggregation))?;
    let distinct_by = distinct_by
        .as_deref()
        .map(PropertyKey::parse)
        .transpose()
        .map_err(|e| corrupt(METERS, e))?;
    let meter = Meter::from_parts(
        MeterKey::parse(&key).map_err(bad)?,
        aggregation,
        Unit::parse(&unit).map_err(bad)?,
        distinct_by,
    )
    .map_err(bad)?;
    Ok((ToolId::from_uuid(tool), meter))
}

/// The plan's quotas as the usage rules apply them.
fn plan_quotas(quotas: &Quotas) -> Result<PlanQuotas, RepoError> {
    quotas
        .quotas()
        .iter()
        .try_fold(PlanQuotas::new(), |all, q| {
            let meter = MeterKey::parse(q.meter().as_str()).map_err(|e| corrupt(PLANS, e))?;
            let quota = match q.kind() {
                QuotaKind::Hard => Quota::hard(q.limit()),
                QuotaKind::Soft => Quota::soft(q.limit(), quotas.overage_price(q.meter())),
            }
            .map_err(|e| corrupt(PLANS, e))?;
            Ok(all.with(meter, quota))
        })
}

/// One subscribed plan row, with the period its purchase stands at.
pub(super) fn read_plan(row: &QueryResult) -> Result<ActivePlan, RepoError> {
    let tool: Uuid = row.try_get("", "tool_id").map_err(map_db)?;
    let start: DateTime<Utc> = row.try_get("", "period_start").map_err(map_db)?;
    let end: DateTime<Utc> = row.try_get("", "period_end").map_err(map_db)?;
    let code: String = row.try_get("", "code").map_err(map_db)?;
    let currency: String = row.try_get("", "currency").map_err(map_db)?;
    let quotas: serde_json::Value = row.try_get("", "quotas").map_err(map_db)?;
    Ok(ActivePlan::new(
        ToolId::from_uuid(tool),
        PlanCode::parse(&code).map_err(|e| corrupt(PLANS, e))?,
        BillingPeriod::new(start, end).map_err(|e| corrupt("purchases", e))?,
        plan_quotas(&to_quotas(&quotas)?)?,
        Currency::parse(&currency).map_err(|e| corrupt(PLANS, e))?,
    ))
}

impl SeaOrmStore {
    /// The org's subscribed plans of `tool` (every tool when `None`), whatever their period.
    async fn subscribed_plans(
        &self,
        org: OrgId,
        tool: Option<ToolId>,
        active_only: bool,
    ) -> Result<Vec<ActivePlan>, RepoError> {
        let sql = Sql::new(self.backend());
        let mut select = SUBSCRIBED_PLANS.to_owned();
        let mut values = vec![Value::from(org.as_uuid())];
        if active_only {
            select.push_str(" AND p.status = 'ACTIVE'");
        }
        if let Some(tool) = tool {
            select.push_str(" AND p.tool_id = $2");
            values.push(Value::from(tool.as_uuid()));
        }
        select.push_str(" ORDER BY p.tool_id, p.period_start DESC, pl.position");
        let tx = self.begin(Scope::Org(org, None)).await?;
        let rows = tx
            .query_all_raw(sql.statement(&select, values))
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        rows.iter().map(read_plan).collect()
    }
}

#[async_trait]
impl MeterDefinitions for SeaOrmStore {
    async fn meters(&self, tools: &[ToolId]) -> Result<BTreeMap<ToolId, Vec<Meter>>, RepoError> {
        let mut meters: BTreeMap<ToolId, Vec<Meter>> = BTreeMap::new();
        if tools.is_empty() {
            return Ok(meters);
        }
        let sql = Sql::new(self.backend());
        let select = format!(
            "SELECT {METER_COLUMNS} FROM tool_meters WHERE tool_id IN ({}) \
             ORDER BY tool_id, meter",
            placeholders(1, tools.len())
        );
        let values = tools.iter().map(|t| Value::from(t.as_uuid())).collect();
        let tx = self.begin(Scope::Global).await?;
        let rows = tx
            .query_all_raw(sql.statement(&select, values))
            .await
            .map_err(map_db)?;
        commit(tx).await?;
        for row in &rows {
            let (tool, meter) = read_meter(row)?;
            meters.entry(tool).or_default().push(meter);
        }
        Ok(meters)
    }

    async fn active_plans(
        &self,
        org: OrgId,
        at: DateTime<Utc>,
    ) -> Result<Vec<ActivePlan>, RepoError> {
        let mut plans: Vec<ActivePlan> = self
            .subscribed_plans(org, None, true)
            .await?
            .into_iter()
            .filter(|plan| plan.period().contains(at))
            .collect();
        // One plan per tool (R-O5 keeps one active purchase per item).
        plans.sort_by_key(ActivePlan::tool);
        plans.dedup_by_key(|plan| plan.tool());
        Ok(plans)
    }

    async fn active_plan(
        &self,
        org: OrgId,
        tool: ToolId,
        at: DateTime<Utc>,
    ) -> Result<Option<ActivePlan>, RepoError> {
        Ok(self
            .subscribed_plans(org, Some(tool), true)
            .await?
            .into_iter()
            .find(|plan| plan.period().contains(at)))
    }

    async fn plan_for_period(
        &self,
        org: OrgId,
        tool: ToolId,
        period: &BillingPeriod,
    ) -> Result<Option<ActivePlan>, RepoError> {
        // The purchase still stands at the period when it is billed: the renewal reads its
        // overage before it moves the purchase to the next period.
        Ok(self
            .subscribed_plans(org, Some(tool), false)
            .await?
            .into_iter()
            .find(|plan| plan.period() == period))
    }
}

/// R-U1: defines `meter` for `tool` in `tx`: stores it when the key is new, otherwise
/// answers the definition the key already has. The one way a meter is stored, whether
/// a catalog admin defines it or a tool listing publishes it with its tool.
pub(crate) async fn define_in<C: ConnectionTrait>(
    tx: &C,
    tool: ToolId,
    meter: &Meter,
) -> Result<Defined, RepoError> {
    let sql = Sql::new(tx.get_database_backend());
    let insert = format!(
        "INSERT INTO tool_meters ({METER_COLUMNS}) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (tool_id, meter) DO NOTHING RETURNING meter"
    );
    let values = vec![
        Value::from(tool.as_uuid()),
        Value::from(meter.key().as_str()),
        Value::from(meter.aggregation().as_str()),
        Value::from(meter.unit().as_str()),
        Value::from(meter.distinct_by().map(|p| p.as_str().to_owned())),
    ];
    let inserted = tx
        .query_one_raw(sql.statement(&insert, values))
        .await
        .map_err(map_db_or_missing)?;
    if inserted.is_some() {
        return Ok(Defined::New);
    }
    let select =
        format!("SELECT {METER_COLUMNS} FROM tool_meters WHERE tool_id = $1 AND meter = $2");
    let values = vec![
        Value::from(tool.as_uuid()),
        Value::from(meter.key().as_str()),
    ];
    let row = tx
        .query_one_raw(sql.statement(&select, values))
        .await
        .map_err(map_db)?
        .ok_or(RepoError::Stale("a meter's row vanished"))?;
    Ok(Defined::Existing(read_meter(&row)?.1))
}

#[async_trait]
impl MeterRegistry for SeaOrmStore {
    async fn define(&self, tool: ToolId, meter: &Meter) -> Result<Defined, RepoError> {
        let tx = self.begin(Scope::Global).await?;
        let defined = define_in(&tx, tool, meter).await?;
        commit(tx).await?;
        Ok(defined)
    }
}
