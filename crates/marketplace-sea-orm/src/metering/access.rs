//! The access answer's facts (R-U6) in one statement: the org's entitlements to the tool
//! not ended, its recurring plans of the tool, whether the tool defines the meter, and the
//! meter's totals of the plans' periods and of the calendar month. One row comes from a
//! one-row driver, every part joined to it; the few combinations are folded in Rust, where
//! the domain decides which entitlement is in force (R-E3) and which plan and period stand
//! at the instant (timestamps compare as values, on both backends).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_domain::entitlement::{Entitlement, EntitlementSource};
use marketplace_domain::ids::{EntitlementId, OrgId, PurchaseId, ToolId};
use marketplace_domain::ports::RepoError;
use marketplace_metering::service::ActivePlan;
use marketplace_metering::service::ports::{AccessFacts, AccessReads};
use marketplace_metering::{BillingPeriod, MeterKey, PeriodTotal};
use sea_orm::{ConnectionTrait, Value};
use uuid::Uuid;

use super::TOTAL_COLUMNS;
use super::definitions::{SUBSCRIBED_PLANS, read_plan};
use super::sql::Sql;
use crate::SeaOrmStore;
use crate::convert::label;
use crate::error::map_db;
use crate::tenant::{Scope, end_read};

impl SeaOrmStore {
    fn access_statement() -> String {
        let plans =
            SUBSCRIBED_PLANS.replacen("SELECT p.tool_id,", "SELECT pl.position, p.tool_id,", 1);
        let totals = TOTAL_COLUMNS
            .split(", ")
            .map(|c| format!("t.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "SELECT e.id AS e_id, e.purchase_id AS e_purchase, e.source AS e_source, \
             e.granted_at AS e_granted, e.ends_at AS e_ends, \
             s.tool_id, s.period_start, s.period_end, s.code, s.currency, s.quotas, \
             m.meter AS m_meter, t.period_start AS t_start, {totals} \
             FROM (SELECT 1 AS one) one \
             LEFT JOIN entitlements e ON e.org_id = $1 AND e.tool_id = $2 \
                 AND e.ended_at IS NULL \
             LEFT JOIN ({plans} AND p.status = 'ACTIVE' AND p.tool_id = $2) s ON 1 = 1 \
             LEFT JOIN tool_meters m ON m.tool_id = $2 AND m.meter = $3 \
             LEFT JOIN usage_totals t ON t.org_id = $1 AND t.tool_id = $2 AND t.meter = $3 \
                 AND t.events > 0 AND (t.period_start = s.period_start OR t.period_start = $4) \
             ORDER BY s.period_start DESC, s.position"
        )
    }
}

/// What the access statement read, before the instant is applied: kept as is between
/// requests ([`crate::kept_reads`]), folded on each.
#[derive(Clone, Debug)]
pub(crate) struct AccessRows {
    entitlements: Vec<Entitlement>,
    plans: Vec<ActivePlan>,
    /// Whether the tool defines the meter asked about.
    meter_defined: bool,
    totals: Vec<(DateTime<Utc>, PeriodTotal)>,
}

impl AccessRows {
    /// The facts at `at`: the domain decides which entitlement is in force (R-E3) and
    /// which plan stands.
    fn facts(self, meter: Option<&MeterKey>, at: DateTime<Utc>) -> AccessFacts {
        if !self.entitlements.iter().any(|e| e.is_active(at)) {
            return AccessFacts::default();
        }
        let plan = self
            .plans
            .into_iter()
            .find(|plan| plan.period().contains(at));
        let meter_known = meter.is_some()
            && (self.meter_defined
                || plan
                    .as_ref()
                    .zip(meter)
                    .is_some_and(|(plan, meter)| plan.quotas().quota(meter).is_some()));
        AccessFacts {
            held: true,
            plan,
            meter_known,
            totals: self.totals,
        }
    }
}

#[async_trait]
impl AccessReads for SeaOrmStore {
    async fn access_facts(
        &self,
        org: OrgId,
        tool: ToolId,
        meter: Option<MeterKey>,
        at: DateTime<Utc>,
    ) -> Result<AccessFacts, RepoError> {
        let month = BillingPeriod::calendar_month(at).ok().map(|m| m.start());
        let Some(kept) = &self.kept else {
            let rows = self.access_rows(org, tool, meter.as_ref(), month).await?;
            return Ok(rows.facts(meter.as_ref(), at));
        };
        let key = (org, tool, meter, month);
        let rows = match kept.access.get(&key) {
            Some(rows) => rows,
            None => {
                let (commits, started) = (crate::commits::count(), std::time::Instant::now());
                let rows = self.access_rows(org, tool, key.2.as_ref(), month).await?;
                kept.access.put(key.clone(), rows.clone(), commits, started);
                rows
            }
        };
        Ok(rows.facts(key.2.as_ref(), at))
    }
}

impl SeaOrmStore {
    /// The access statement's rows for the org, tool and meter, with the totals of the
    /// plans' periods and of the calendar month starting at `month`.
    async fn access_rows(
        &self,
        org: OrgId,
        tool: ToolId,
        meter: Option<&MeterKey>,
        month: Option<DateTime<Utc>>,
    ) -> Result<AccessRows, RepoError> {
        let sql = Sql::new(self.backend());
        let values = vec![
            Value::from(org.as_uuid()),
            Value::from(tool.as_uuid()),
            Value::from(meter.map(|m| m.as_str().to_owned())),
            Value::from(month),
        ];
        // One statement; the transaction only carries the tenant setting row-level
        // security reads on PostgreSQL, and writes nothing.
        let tx = self.begin(Scope::Org(org, None)).await?;
        let rows = tx
            .query_all_raw(sql.statement(&Self::access_statement(), values))
            .await
            .map_err(map_db)?;
        end_read(tx).await?;

        let mut read = AccessRows {
            entitlements: Vec::new(),
            plans: Vec::new(),
            meter_defined: false,
            totals: Vec::new(),
        };
        for row in &rows {
            if let Some(id) = row.try_get::<Option<Uuid>>("", "e_id").map_err(map_db)? {
                let purchase: Uuid = row.try_get("", "e_purchase").map_err(map_db)?;
                let source: String = row.try_get("", "e_source").map_err(map_db)?;
                read.entitlements.push(Entitlement {
                    id: EntitlementId::from_uuid(id),
                    org_id: org,
                    tool_id: tool,
                    purchase_id: PurchaseId::from_uuid(purchase),
                    source: label::<EntitlementSource>("entitlements", &source)?,
                    granted_at: row.try_get("", "e_granted").map_err(map_db)?,
                    until: row.try_get("", "e_ends").map_err(map_db)?,
                    ended_at: None,
                });
            }
            if row
                .try_get::<Option<String>>("", "code")
                .map_err(map_db)?
                .is_some()
            {
                read.plans.push(read_plan(row)?);
            }
            if row
                .try_get::<Option<String>>("", "m_meter")
                .map_err(map_db)?
                .is_some()
            {
                read.meter_defined = true;
            }
            let start: Option<DateTime<Utc>> = row.try_get("", "t_start").map_err(map_db)?;
            if let Some(start) = start {
                read.totals
                    .push((start, sql.read_total(row, "usage_totals")?));
            }
        }
        Ok(read)
    }
}
