//! The plans' shapes (R-B1): a plan as the catalog shows it, and the admins' bodies to add
//! or edit one. Malformed numbers are 400s; values that break R-B1 are the domain's 422s.

use marketplace_domain::money::{Currency, Money};
use marketplace_domain::plan::{
    ItemPlans, MeterKey, OveragePrice, Plan, PlanCode, PlanDraft, PlanEdit, PlanError, PlanName,
    ProviderPriceId, Quota, QuotaKind, Quotas, TrialDays,
};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiError;
use crate::extract::BadRequest;
use crate::wire::MoneyDto;
use crate::wire::labels::{IntervalLabel, PlanStatusLabel};

/// One way an item is sold.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDto {
    /// Unique within the item: `STANDARD`, `PRO`, `ENTERPRISE`.
    #[schema(example = "PRO")]
    pub code: String,
    pub name: String,
    pub price: MoneyDto,
    pub interval: IntervalLabel,
    /// Free days before the first charge (0: none); one trial per org and item.
    pub trial_days: u8,
    /// What the plan includes per billing period.
    pub quotas: Vec<QuotaDto>,
    /// What use beyond a soft quota costs, per unit.
    pub overage: Vec<OverageDto>,
    /// `archived` plans are kept by their holders but no longer sold (shown to catalog
    /// admins only).
    pub status: PlanStatusLabel,
    /// Whether a cart line naming no plan gets this one (R-B3).
    pub is_default: bool,
    /// The payment provider's price a card subscription renews at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider_price_id: Option<String>,
}

/// A quantity of a meter included per period.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotaDto {
    #[schema(example = "records")]
    pub meter: String,
    /// A decimal string.
    #[schema(example = "10000")]
    pub limit: String,
    /// Hard: use beyond the limit is refused; soft: it is overage.
    pub hard: bool,
}

/// The price of one unit of a meter beyond its soft quota; the amount may be finer than
/// the currency's minor unit (`"0.0005"`).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverageDto {
    pub meter: String,
    pub unit_price: MoneyDto,
}

impl PlanDto {
    #[must_use]
    pub fn new(plan: &Plan, is_default: bool) -> Self {
        let currency = plan.currency();
        Self {
            code: plan.code().to_string(),
            name: plan.name().to_string(),
            price: plan.price().into(),
            interval: plan.interval().into(),
            trial_days: plan.trial_days().days(),
            quotas: plan
                .quotas()
                .quotas()
                .iter()
                .map(|q| QuotaDto {
                    meter: q.meter().to_string(),
                    limit: q.limit().normalize().to_string(),
                    hard: q.kind() == QuotaKind::Hard,
                })
                .collect(),
            overage: plan
                .quotas()
                .overage()
                .iter()
                .map(|o| OverageDto {
                    meter: o.meter().to_string(),
                    unit_price: MoneyDto {
                        amount: o.unit_price().normalize().to_string(),
                        currency: currency.code().to_owned(),
                    },
                })
                .collect(),
            status: plan.status().into(),
            is_default,
            provider_price_id: plan.provider_price().map(ToString::to_string),
        }
    }

    /// Every plan of a lineup, in display order.
    #[must_use]
    pub fn lineup(plans: &ItemPlans) -> Vec<Self> {
        let default = plans.default_plan().map(Plan::id);
        plans
            .plans()
            .iter()
            .map(|p| Self::new(p, Some(p.id()) == default))
            .collect()
    }
}

/// POST /v1/admin/tools/{id}/plans, POST /v1/admin/bundles/{id}/plans.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlanBody {
    /// 1 to 32 of `A-Z`, `0-9`, `_`; unique within the item.
    #[garde(length(min = 1, max = 32))]
    #[schema(example = "PRO")]
    pub code: String,
    #[garde(length(chars, min = 1, max = 60))]
    pub name: String,
    #[garde(skip)]
    pub price: MoneyDto,
    #[garde(skip)]
    pub interval: IntervalLabel,
    /// 0 to 90; 0 (no trial) when absent. Only recurring plans have trials.
    #[garde(skip)]
    #[serde(default)]
    pub trial_days: u32,
    #[garde(length(max = 50))]
    #[serde(default)]
    pub quotas: Vec<QuotaDto>,
    #[garde(length(max = 50))]
    #[serde(default)]
    pub overage: Vec<OverageDto>,
    #[garde(length(max = 255))]
    pub provider_price_id: Option<String>,
}

/// PATCH /v1/admin/tools/{id}/plans/{code}, PATCH /v1/admin/bundles/{id}/plans/{code}:
/// only the fields given change. `{"status": "archived"}` stops selling the plan. The price
/// and interval of a plan already sold are fixed (409 `plan_sold`). `quotas` and
/// `overage` are replaced together: giving one replaces both (the other then empty).
#[derive(Debug, Default, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanPatchBody {
    #[garde(length(chars, min = 1, max = 60))]
    pub name: Option<String>,
    #[garde(skip)]
    pub price: Option<MoneyDto>,
    #[garde(skip)]
    pub interval: Option<IntervalLabel>,
    #[garde(skip)]
    pub trial_days: Option<u32>,
    #[garde(inner(length(max = 50)))]
    pub quotas: Option<Vec<QuotaDto>>,
    #[garde(inner(length(max = 50)))]
    pub overage: Option<Vec<OverageDto>>,
    #[garde(inner(length(max = 255)))]
    pub provider_price_id: Option<String>,
    #[garde(skip)]
    pub status: Option<PlanStatusLabel>,
}

fn decimal(field: &'static str, raw: &str) -> Result<Decimal, BadRequest> {
    raw.trim()
        .parse::<Decimal>()
        .map_err(|_| BadRequest::field(field, format!("{raw:?} is not a decimal number")))
}

/// Quotas and overage prices from their bodies; the overage prices must be in `currency`.
fn quotas(
    quotas: Vec<QuotaDto>,
    overage: Vec<OverageDto>,
    currency: Currency,
) -> Result<Quotas, ApiError> {
    let quotas = quotas
        .into_iter()
        .map(|q| {
            let limit = decimal("quotas", &q.limit)?;
            let kind = if q.hard {
                QuotaKind::Hard
            } else {
                QuotaKind::Soft
            };
            Ok(Quota::new(MeterKey::parse(&q.meter)?, limit, kind)?)
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    let overage = overage
        .into_iter()
        .map(|o| {
            let unit_price = decimal("overage", &o.unit_price.amount)?;
            if o.unit_price.currency != currency.code() {
                return Err(
                    BadRequest::field("overage", format!("unit prices are in {currency}")).into(),
                );
            }
            Ok(OveragePrice::new(MeterKey::parse(&o.meter)?, unit_price)?)
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(Quotas::new(quotas, overage)?)
}

fn price(money: &MoneyDto) -> Result<Money, ApiError> {
    let currency =
        Currency::parse(&money.currency).map_err(|e| BadRequest::field("price", e.to_string()))?;
    Ok(Money::price(decimal("price", &money.amount)?, currency).map_err(PlanError::from)?)
}

impl NewPlanBody {
    /// # Errors
    /// 400 for malformed numbers, 422 for values that break R-B1.
    pub fn into_draft(self) -> Result<PlanDraft, ApiError> {
        let price = price(&self.price)?;
        Ok(PlanDraft {
            code: PlanCode::parse(&self.code)?,
            name: PlanName::parse(&self.name)?,
            price,
            interval: self.interval.0,
            trial_days: TrialDays::new(self.trial_days)?,
            quotas: quotas(self.quotas, self.overage, price.currency())?,
            provider_price: self
                .provider_price_id
                .as_deref()
                .map(ProviderPriceId::parse)
                .transpose()?,
        })
    }
}

impl PlanPatchBody {
    /// The edit, with overage prices checked against `currency` (the plan's, or the new
    /// price's).
    ///
    /// # Errors
    /// 400 for malformed numbers, 422 for values that break R-B1.
    pub fn into_edit(self, currency: Currency) -> Result<PlanEdit, ApiError> {
        let price = self.price.as_ref().map(price).transpose()?;
        let currency = price.map_or(currency, |p| p.currency());
        let quotas = match (self.quotas, self.overage) {
            (None, None) => None,
            (q, o) => Some(quotas(
                q.unwrap_or_default(),
                o.unwrap_or_default(),
                currency,
            )?),
        };
        Ok(PlanEdit {
            name: self.name.as_deref().map(PlanName::parse).transpose()?,
            price,
            interval: self.interval.map(|i| i.0),
            trial_days: self.trial_days.map(TrialDays::new).transpose()?,
            quotas,
            provider_price: self
                .provider_price_id
                .as_deref()
                .map(|p| ProviderPriceId::parse(p).map(Some))
                .transpose()?,
            status: self.status.map(|s| s.0),
        })
    }
}
