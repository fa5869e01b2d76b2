//! Overage billing (R-U5): what the renewal charges for a period's usage beyond its soft
//! quotas, one cent-exact line per meter.

use std::sync::Arc;

use marketplace_kernel::ids::{OrgId, ToolId};
use marketplace_kernel::money::{Currency, Money, MoneyError};
use rust_decimal::Decimal;

use crate::overage::{InvoiceLine, overage_lines};
use crate::window::BillingPeriod;

use super::error::BillingError;
use super::plan::PlanCode;
use super::ports::{MeterDefinitions, UsageStore};

/// The overage of one (org, tool) period: the lines, rounded each to the currency's minor
/// unit, in meter order. Empty when nothing went beyond a priced soft quota.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OverageInvoice {
    plan: PlanCode,
    period: BillingPeriod,
    currency: Currency,
    lines: Vec<InvoiceLine>,
}

impl OverageInvoice {
    /// The plan the period was billed under.
    #[must_use]
    pub fn plan(&self) -> &PlanCode {
        &self.plan
    }

    #[must_use]
    pub const fn period(&self) -> &BillingPeriod {
        &self.period
    }

    /// The currency of every line's unit price and amount.
    #[must_use]
    pub const fn currency(&self) -> Currency {
        self.currency
    }

    #[must_use]
    pub fn lines(&self) -> &[InvoiceLine] {
        &self.lines
    }

    #[must_use]
    pub fn into_lines(self) -> Vec<InvoiceLine> {
        self.lines
    }

    /// The sum of the lines (each already rounded, so the sum is exact).
    ///
    /// # Errors
    /// [`MoneyError::Overflow`] when the sum does not fit a decimal.
    pub fn total(&self) -> Result<Money, MoneyError> {
        let sum = self
            .lines
            .iter()
            .try_fold(Decimal::ZERO, |sum, line| sum.checked_add(line.amount))
            .ok_or(MoneyError::Overflow)?;
        Money::new(sum, self.currency)
    }
}

/// What the renewal asks of the usage context.
#[derive(Clone)]
pub struct BillingService {
    definitions: Arc<dyn MeterDefinitions>,
    store: Arc<dyn UsageStore>,
}

impl std::fmt::Debug for BillingService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BillingService").finish_non_exhaustive()
    }
}

impl BillingService {
    pub fn new(definitions: Arc<dyn MeterDefinitions>, store: Arc<dyn UsageStore>) -> Self {
        Self { definitions, store }
    }

    /// The overage of `org`'s use of `tool` over `period`, under the plan of that period,
    /// from the period's totals. Called by the renewal once the period has ended (events
    /// received later count in the next period, so the figures no longer move); asking
    /// again answers the same lines.
    ///
    /// # Errors
    /// [`BillingError::NoPlan`] when the org had no subscription with that period,
    /// [`BillingError::Overage`], [`BillingError::Infrastructure`].
    pub async fn overage_for_period(
        &self,
        org: OrgId,
        tool: ToolId,
        period: &BillingPeriod,
    ) -> Result<OverageInvoice, BillingError> {
        let plan = self
            .definitions
            .plan_for_period(org, tool, period)
            .await?
            .ok_or(BillingError::NoPlan {
                tool,
                period: *period,
            })?;
        let totals = self.store.period_usage(org, tool, period).await?;
        let lines = overage_lines(
            totals.iter().map(|(meter, total)| (meter, total.usage())),
            plan.quotas(),
            plan.minor_units(),
        )?;
        Ok(OverageInvoice {
            plan: plan.code().clone(),
            period: *period,
            currency: plan.currency(),
            lines,
        })
    }
}
