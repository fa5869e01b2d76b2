//! R-B2: the first wave's price models as plans. Every item of the first wave sold at one
//! flat price; it becomes one plan at that price, so the `price` the catalog shows (the
//! default plan's) and what a new buyer pays are what they were.
//!
//! - FREE: one ONE_TIME plan `FREE` at 0 (free for good, nothing to renew).
//! - ONE_TIME, MONTHLY, ANNUAL: one plan `STANDARD` of that interval at the same price.
//! - USAGE_BASED: one MONTH plan `STANDARD` whose base price is the item's old price,
//!   without quotas. The first wave knew no meters, so there is no meter to set a soft
//!   quota on and no overage price to carry over; a base of 0 would make the item free
//!   until a seller defines meters. Keeping the price keeps the catalog's `price` unchanged,
//!   and a seller who adds meters adds a new plan (base 0, a soft quota of 0 and an overage
//!   price, for pure pay-per-use) rather than editing this one.
//! - CUSTOM: no plan at all: "contact sales", never bought through the cart (R-C2).
//! - A bundle (every first-wave bundle was bought once and kept): one ONE_TIME plan
//!   `STANDARD` at the bundle's price.
//!
//! The mapping is about what is sold from now on. Purchases already made keep their own
//! terms: a holder of a first-wave USAGE_BASED or ONE_TIME purchase paid once and keeps
//! access without being charged again; a MONTHLY or ANNUAL holder keeps renewing at the
//! amount of their purchase.

use crate::catalog::{PriceModel, Pricing};
use crate::money::Money;

use super::{BillingInterval, PlanCode, PlanDraft, PlanName, Quotas, TrialDays};

/// R-B2: the plan an item of the first wave is sold through, `None` for CUSTOM.
#[must_use]
pub fn plan_for_price_model(pricing: &Pricing) -> Option<PlanDraft> {
    let (code, name, interval) = match pricing.model() {
        PriceModel::Free => (PlanCode::free(), "Free", BillingInterval::OneTime),
        PriceModel::OneTime => (PlanCode::standard(), "Standard", BillingInterval::OneTime),
        PriceModel::Monthly | PriceModel::UsageBased => {
            (PlanCode::standard(), "Standard", BillingInterval::Month)
        }
        PriceModel::Annual => (PlanCode::standard(), "Standard", BillingInterval::Year),
        PriceModel::Custom => return None,
    };
    Some(PlanDraft {
        code,
        name: PlanName::fixed(name),
        price: pricing.price(),
        interval,
        trial_days: TrialDays::NONE,
        quotas: Quotas::none(),
        provider_price: None,
    })
}

/// R-B2: the plan a bundle of the first wave is sold through: once, at its price.
#[must_use]
pub fn plan_for_bundle_price(price: Money) -> PlanDraft {
    PlanDraft {
        code: PlanCode::standard(),
        name: PlanName::fixed("Standard"),
        price,
        interval: BillingInterval::OneTime,
        trial_days: TrialDays::NONE,
        quotas: Quotas::none(),
        provider_price: None,
    }
}
