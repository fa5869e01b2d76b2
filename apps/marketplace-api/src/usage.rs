//! The usage context (R-U1..R-U6) wired for the handlers: its use cases over the usage
//! store, the meter and plan definitions, and the one entitlement answer (R-E3) the
//! holdings give. Who calls is turned into a [`UsageCaller`] here, the one place that knows
//! both the API keys' scopes and the usage permissions.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use marketplace_domain::catalog::ItemRef;
use marketplace_domain::ids::{OrgId, ToolId};
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::ports::RepoError;
use marketplace_domain::purchase::{Period, Purchase};
use marketplace_domain::renewal::{OverageCharge, UsageCharges};
use marketplace_licensing::access::Principal;
use marketplace_metering::BillingPeriod;
use marketplace_metering::service::ports::{
    AccessReads, Entitlements, MeterDefinitions, MeterRegistry, UsageStore,
};
use marketplace_metering::service::{
    AccessService, BillingError, BillingService, IngestService, MeterService, MyPacksService,
    UsageCaller, UsagePermission, UsageService,
};

use crate::state::HoldingsEntitlements;

/// The usage use cases, as handlers and the renewal see them.
#[derive(Clone, Debug)]
pub struct UsageServices {
    /// `POST /v1/usage/events`.
    pub ingest: IngestService,
    /// `GET /v1/usage`.
    pub reports: UsageService,
    /// `GET /v1/access`.
    pub access: AccessService,
    /// `GET /v1/usage/packs`.
    pub packs: MyPacksService,
    /// The overage a renewal charges (R-U5).
    pub billing: BillingService,
    /// `POST /v1/admin/tools/{id}/meters`.
    pub meters: MeterService,
}

impl UsageServices {
    #[must_use]
    pub fn new(
        store: Arc<dyn UsageStore>,
        definitions: Arc<dyn MeterDefinitions>,
        registry: Arc<dyn MeterRegistry>,
        entitlements: Arc<dyn Entitlements>,
    ) -> Self {
        Self {
            ingest: IngestService::new(definitions.clone(), entitlements.clone(), store.clone()),
            reports: UsageService::new(store.clone()),
            access: AccessService::new(definitions.clone(), entitlements, store.clone()),
            packs: MyPacksService::new(definitions.clone(), store.clone()),
            billing: BillingService::new(definitions, store),
            meters: MeterService::new(registry),
        }
    }

    /// Answers `GET /v1/access` from `reads`, every fact at once, rather than one port
    /// after the other.
    #[must_use]
    pub fn with_access_reads(mut self, reads: Arc<dyn AccessReads>) -> Self {
        self.access = AccessService::over(reads);
        self
    }
}

/// The usage caller a principal is: a member with their roles, or a key with the usage
/// permissions its scopes grant.
#[must_use]
pub fn usage_caller(principal: &Principal) -> UsageCaller {
    match principal {
        Principal::User(actor) => UsageCaller::member(actor),
        Principal::Key(holder) => UsageCaller::key_holder(
            holder.org_id(),
            holder
                .scopes()
                .iter()
                .filter_map(|scope| UsagePermission::of_scope(scope.as_str())),
        ),
    }
}

#[async_trait]
impl Entitlements for HoldingsEntitlements {
    async fn held(&self, org: OrgId, tools: &[ToolId]) -> Result<BTreeSet<ToolId>, RepoError> {
        marketplace_modules::installation::ports::Entitlements::held(self, org, tools).await
    }
}

/// The renewal's usage port (R-U5) answered by the metering context's billing: the overage
/// lines of a metered tool's ended period, as money in the purchase's currency.
#[derive(Clone, Debug)]
pub struct MeteredOverage {
    billing: BillingService,
}

impl MeteredOverage {
    #[must_use]
    pub const fn new(billing: BillingService) -> Self {
        Self { billing }
    }
}

/// An overage line that is not in its purchase's currency: the plan and the purchase
/// disagree, and nothing is charged until they are mended.
#[derive(Debug, thiserror::Error)]
#[error("the overage of a purchase in {purchase} is priced in {overage}")]
struct CurrencyMismatch {
    purchase: Currency,
    overage: Currency,
}

#[async_trait]
impl UsageCharges for MeteredOverage {
    async fn overage(
        &self,
        purchase: &Purchase,
        period: Period,
    ) -> Result<Vec<OverageCharge>, RepoError> {
        // Meters and quotas are a tool's; a bundle's renewal has no usage of its own.
        let ItemRef::Tool(tool) = purchase.item() else {
            return Ok(Vec::new());
        };
        let period =
            BillingPeriod::new(period.start(), period.end()).map_err(RepoError::unavailable)?;
        let invoice = match self
            .billing
            .overage_for_period(purchase.org_id(), tool, &period)
            .await
        {
            Ok(invoice) => invoice,
            // Bought before plans or at a price no plan carries: nothing is metered.
            Err(BillingError::NoPlan { .. }) => return Ok(Vec::new()),
            Err(BillingError::Infrastructure(e)) => return Err(e),
            Err(e) => return Err(RepoError::unavailable(e)),
        };
        let currency = purchase.amount().currency();
        if invoice.currency() != currency {
            return Err(RepoError::unavailable(CurrencyMismatch {
                purchase: currency,
                overage: invoice.currency(),
            }));
        }
        invoice
            .into_lines()
            .into_iter()
            .filter(|line| !line.amount.is_zero())
            .map(|line| {
                Ok(OverageCharge {
                    meter: line.meter.to_string(),
                    quantity: line.overage,
                    unit_price: line.unit_price,
                    amount: Money::new(line.amount, currency).map_err(RepoError::unavailable)?,
                })
            })
            .collect()
    }
}
