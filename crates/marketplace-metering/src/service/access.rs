//! The access answer (R-U6): "may the org use tool Y now, and how much of meter Z is
//! left?", the fast way: the holding, the tool's plan and, when a meter is asked about,
//! its totals row, read at once by an [`AccessReads`] adapter (one statement on the SQL
//! store) or one port after the other.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_kernel::ids::{OrgId, ToolId};
use marketplace_kernel::store::RepoError;
use rust_decimal::Decimal;

use crate::access::AccessAnswer;
use crate::meter::MeterKey;

use super::caller::{UsageCaller, UsagePermission};
use super::error::UsageError;
use super::plan::usage_period;
use super::ports::{AccessFacts, AccessReads, Entitlements, MeterDefinitions, UsageStore};

/// `GET /v1/access`.
#[derive(Clone)]
pub struct AccessService {
    reads: Arc<dyn AccessReads>,
}

impl std::fmt::Debug for AccessService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessService").finish_non_exhaustive()
    }
}

impl AccessService {
    /// The answer over the separate ports: one read each, in the order [`PortReads`] makes
    /// them.
    pub fn new(
        definitions: Arc<dyn MeterDefinitions>,
        entitlements: Arc<dyn Entitlements>,
        store: Arc<dyn UsageStore>,
    ) -> Self {
        Self::over(Arc::new(PortReads {
            definitions,
            entitlements,
            store,
        }))
    }

    /// The answer over an adapter that reads every fact at once.
    pub fn over(reads: Arc<dyn AccessReads>) -> Self {
        Self { reads }
    }

    /// Whether the caller's org holds `tool` at `now`, under which plan, and, for `meter`,
    /// its usage this period against the plan's quota.
    ///
    /// An org without the tool has nothing left of any meter. Otherwise the answer names
    /// the tool's plan and, for a meter, that meter's totals row of the plan's period (the
    /// calendar month without a plan): the row quota decisions lock, so the answer never
    /// disagrees with them. A meter the plan does not limit must be one of the tool's
    /// meters, so a misspelt one is refused rather than taken for an unlimited one.
    ///
    /// # Errors
    /// [`UsageError::Forbidden`] without [`UsagePermission::CheckAccess`] (nothing is
    /// read), [`UsageError::UnknownMeter`], [`UsageError::Infrastructure`].
    pub async fn access(
        &self,
        caller: &UsageCaller,
        tool: ToolId,
        meter: Option<&MeterKey>,
        now: DateTime<Utc>,
    ) -> Result<AccessAnswer, UsageError> {
        let org = caller.require(UsagePermission::CheckAccess)?;
        let facts = self
            .reads
            .access_facts(org, tool, meter.cloned(), now)
            .await?;
        if !facts.held {
            let denied = AccessAnswer::denied();
            return Ok(match meter {
                Some(_) => denied.with_meter(Decimal::ZERO, None),
                None => denied,
            });
        }
        let plan = facts.plan.as_ref();
        let granted = AccessAnswer::granted(plan.map(|plan| plan.code().to_string()));
        let Some(meter) = meter else {
            return Ok(granted);
        };
        if !facts.meter_known {
            return Err(UsageError::UnknownMeter {
                tool,
                meter: meter.clone(),
            });
        }
        let quota = plan.and_then(|plan| plan.quotas().quota(meter));
        let period = usage_period(plan, now)?;
        let usage = facts
            .totals
            .iter()
            .find(|(start, _)| *start == period.start())
            .map_or(Decimal::ZERO, |(_, total)| total.usage());
        Ok(granted.with_meter(usage, quota))
    }
}

/// The access facts from the separate ports, fewest reads first: the entitlement read
/// alone for a tool not held; then the plan; for a meter the plan does not limit, the
/// tool's meters; and that meter's one totals row of the period.
struct PortReads {
    definitions: Arc<dyn MeterDefinitions>,
    entitlements: Arc<dyn Entitlements>,
    store: Arc<dyn UsageStore>,
}

#[async_trait]
impl AccessReads for PortReads {
    async fn access_facts(
        &self,
        org: OrgId,
        tool: ToolId,
        meter: Option<MeterKey>,
        at: DateTime<Utc>,
    ) -> Result<AccessFacts, RepoError> {
        if !self.entitlements.held(org, &[tool]).await?.contains(&tool) {
            return Ok(AccessFacts::default());
        }
        let plan = self.definitions.active_plan(org, tool, at).await?;
        let mut facts = AccessFacts {
            held: true,
            plan,
            ..AccessFacts::default()
        };
        let Some(meter) = meter.as_ref() else {
            return Ok(facts);
        };
        let limited = facts
            .plan
            .as_ref()
            .is_some_and(|plan| plan.quotas().quota(meter).is_some());
        facts.meter_known = limited
            || self
                .definitions
                .meters(&[tool])
                .await?
                .get(&tool)
                .is_some_and(|meters| meters.iter().any(|m| m.key() == meter));
        if !facts.meter_known {
            return Ok(facts);
        }
        // At the calendar's very ends there is no period: the answer reports that itself.
        if let Ok(period) = usage_period(facts.plan.as_ref(), at)
            && let Some(total) = self.store.totals(org, tool, meter, &period).await?
        {
            facts.totals.push((period.start(), total));
        }
        Ok(facts)
    }
}
