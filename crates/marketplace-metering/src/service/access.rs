//! The access answer (R-U6): "may the org use tool Y now, and how much of meter Z is
//! left?", the fast way: one entitlement read, the tool's plan and, when a meter is asked
//! about, one totals row.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use marketplace_kernel::ids::ToolId;
use rust_decimal::Decimal;

use crate::access::AccessAnswer;
use crate::meter::MeterKey;

use super::caller::{UsageCaller, UsagePermission};
use super::error::UsageError;
use super::plan::usage_period;
use super::ports::{Entitlements, MeterDefinitions, UsageStore};

/// `GET /v1/access`.
#[derive(Clone)]
pub struct AccessService {
    definitions: Arc<dyn MeterDefinitions>,
    entitlements: Arc<dyn Entitlements>,
    store: Arc<dyn UsageStore>,
}

impl std::fmt::Debug for AccessService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessService").finish_non_exhaustive()
    }
}

impl AccessService {
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

    /// Whether the caller's org holds `tool` at `now`, under which plan, and, for `meter`,
    /// its usage this period against the plan's quota.
    ///
    /// An org without the tool is answered after the entitlement read alone, with nothing
    /// left of any meter. Otherwise the answer reads the tool's plan (catalog data) and,
    /// for a meter, that meter's one totals row of the plan's period (the calendar month
    /// without a plan): the row quota decisions lock, so the answer never disagrees with
    /// them. A meter the plan does not limit is first looked up among the tool's meters,
    /// so a misspelt one is refused rather than taken for an unlimited one.
    ///
    /// # Errors
    /// [`UsageError::Forbidden`] without [`UsagePermission::CheckAccess`] (no port is
    /// touched), [`UsageError::UnknownMeter`], [`UsageError::Infrastructure`].
    pub async fn access(
        &self,
        caller: &UsageCaller,
        tool: ToolId,
        meter: Option<&MeterKey>,
        now: DateTime<Utc>,
    ) -> Result<AccessAnswer, UsageError> {
        let org = caller.require(UsagePermission::CheckAccess)?;
        let held = self.entitlements.held(org, &[tool]).await?;
        if !held.contains(&tool) {
            let denied = AccessAnswer::denied();
            return Ok(match meter {
                Some(_) => denied.with_meter(Decimal::ZERO, None),
                None => denied,
            });
        }
        let plan = self.definitions.active_plan(org, tool, now).await?;
        let granted = AccessAnswer::granted(plan.as_ref().map(|plan| plan.code().to_string()));
        let Some(meter) = meter else {
            return Ok(granted);
        };
        let quota = plan.as_ref().and_then(|plan| plan.quotas().quota(meter));
        if quota.is_none() {
            let defined = self.definitions.meters(&[tool]).await?;
            let known = defined
                .get(&tool)
                .is_some_and(|meters| meters.iter().any(|m| m.key() == meter));
            if !known {
                return Err(UsageError::UnknownMeter {
                    tool,
                    meter: meter.clone(),
                });
            }
        }
        let period = usage_period(plan.as_ref(), now)?;
        let usage = self
            .store
            .totals(org, tool, meter, &period)
            .await?
            .map_or(Decimal::ZERO, |total| total.usage());
        Ok(granted.with_meter(usage, quota))
    }
}
