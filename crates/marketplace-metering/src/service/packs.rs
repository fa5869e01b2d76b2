//! The buyer's "my packs" view: each plan the org uses a tool under, with every meter's
//! usage this period against its quota, and the overage the period would be charged if it
//! ended now (R-U4, R-U5).

use std::sync::Arc;

use chrono::{DateTime, Utc};
use marketplace_kernel::ids::ToolId;
use marketplace_kernel::money::Currency;
use rust_decimal::Decimal;

use crate::meter::{Aggregation, MeterKey, Unit};
use crate::overage::{InvoiceLine, overage_lines};
use crate::quota::Quota;
use crate::total::PeriodTotal;
use crate::window::BillingPeriod;

use super::caller::{UsageCaller, UsagePermission};
use super::error::UsageError;
use super::plan::{ActivePlan, PlanCode};
use super::ports::{MeterDefinitions, UsageStore};

/// One meter of a pack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackMeter {
    pub meter: MeterKey,
    pub aggregation: Aggregation,
    pub unit: Unit,
    /// The period's figure so far.
    pub usage: Decimal,
    /// The plan's quota; `None` when the plan does not limit the meter.
    pub quota: Option<Quota>,
    /// What is left of the quota, never below zero; `None` when unlimited.
    pub remaining: Option<Decimal>,
}

/// One plan of the org with its usage this period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pack {
    pub tool: ToolId,
    pub plan: PlanCode,
    pub period: BillingPeriod,
    pub currency: Currency,
    /// Every meter the tool defines, in key order.
    pub meters: Vec<PackMeter>,
    /// The overage lines the renewal would charge if the period ended now.
    pub overage_so_far: Vec<InvoiceLine>,
}

/// The buyer's view of the org's plans.
#[derive(Clone)]
pub struct MyPacksService {
    definitions: Arc<dyn MeterDefinitions>,
    store: Arc<dyn UsageStore>,
}

impl std::fmt::Debug for MyPacksService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MyPacksService").finish_non_exhaustive()
    }
}

impl MyPacksService {
    pub fn new(definitions: Arc<dyn MeterDefinitions>, store: Arc<dyn UsageStore>) -> Self {
        Self { definitions, store }
    }

    /// Each plan the caller's org has in force at `now`, ordered by tool, with its meters'
    /// usage this period. Reads the plans, the meters of their tools once, and each plan's
    /// period totals.
    ///
    /// # Errors
    /// [`UsageError::Forbidden`] without [`UsagePermission::ReadUsage`] (no port is
    /// touched), [`UsageError::Overage`] for a charge beyond a decimal's range,
    /// [`UsageError::Infrastructure`].
    pub async fn packs(
        &self,
        caller: &UsageCaller,
        now: DateTime<Utc>,
    ) -> Result<Vec<Pack>, UsageError> {
        let org = caller.require(UsagePermission::ReadUsage)?;
        let mut plans = self.definitions.active_plans(org, now).await?;
        if plans.is_empty() {
            return Ok(Vec::new());
        }
        plans.sort_by_key(ActivePlan::tool);
        let tools: Vec<ToolId> = plans.iter().map(ActivePlan::tool).collect();
        let mut meters = self.definitions.meters(&tools).await?;
        let mut packs = Vec::with_capacity(plans.len());
        for plan in plans {
            let totals = self
                .store
                .period_usage(org, plan.tool(), plan.period())
                .await?;
            let mut tool_meters = meters.remove(&plan.tool()).unwrap_or_default();
            tool_meters.sort_by(|a, b| a.key().cmp(b.key()));
            let pack_meters = tool_meters
                .into_iter()
                .map(|meter| {
                    let usage = totals
                        .get(meter.key())
                        .map_or(Decimal::ZERO, PeriodTotal::usage);
                    let quota = plan.quotas().quota(meter.key()).copied();
                    PackMeter {
                        aggregation: meter.aggregation(),
                        unit: meter.unit().clone(),
                        usage,
                        remaining: quota.map(|quota| quota.remaining(usage)),
                        quota,
                        meter: meter.key().clone(),
                    }
                })
                .collect();
            let overage_so_far = overage_lines(
                totals.iter().map(|(meter, total)| (meter, total.usage())),
                plan.quotas(),
                plan.minor_units(),
            )?;
            packs.push(Pack {
                tool: plan.tool(),
                plan: plan.code().clone(),
                period: *plan.period(),
                currency: plan.currency(),
                meters: pack_meters,
                overage_so_far,
            });
        }
        Ok(packs)
    }
}
