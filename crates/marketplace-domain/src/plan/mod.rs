//! Plans (R-B1..R-B4): every purchasable item is sold through one or more plans, each with
//! its price, interval, trial and quotas. Pure values and functions: the use cases load and
//! store them through ports.
//!
//! - [`Plan`] (R-B1) with its parts ([`PlanCode`], [`BillingInterval`], [`TrialDays`],
//!   [`Quotas`]) and [`PlanEdit`], which refuses to reprice a plan once sold.
//! - [`ItemPlans`]: an item's plans, their unique codes and the default plan (R-B2, R-B3).
//! - [`plan_for_price_model`]: the first wave's price models as plans (R-B2).
//! - [`place`] and [`PlanTotals`]: cart lines under plans and what they cost now and per
//!   interval (R-B3).
//! - [`BundlePlanPricing`]: a bundle plan over tool plans of its one interval (R-B4).
//! - [`TrialDays::grant`]: one trial per org and item (R-B10).
//! - [`PlanRepository`] (where plans live) and [`PlanService`] (reading an item's plans,
//!   adding one, editing or archiving one).

mod bundle;
mod cart_line;
mod definition;
mod edit;
mod interval;
mod lineup;
mod migration;
mod names;
mod ports;
mod quota;
mod service;
mod totals;
mod trial;

pub use bundle::{BundlePlanError, BundlePlanPricing, IncludedPlan, included_plans};
pub use cart_line::{Placement, PlanChoice, line_plan, place};
pub use definition::{Plan, PlanDraft, PlanStatus};
pub use edit::{PlanEdit, SaleRecord};
pub use interval::BillingInterval;
pub use lineup::ItemPlans;
/// A tool's meter as the metering context defines it (R-U1): a tool listing's meters are
/// published with the tool and its plans, in one step.
pub use marketplace_metering::Meter as ToolMeter;
pub use migration::{plan_for_bundle_price, plan_for_price_model};
pub use names::{PlanCode, PlanName, ProviderPriceId};
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockPlanRepository;
pub use ports::{PlanReadModel, PlanRepository};
pub use quota::{MeterKey, OveragePrice, Quota, QuotaKind, Quotas};
pub use service::{PlanService, PlanServiceError};
pub use totals::{PlanLine, PlanTotals, RecurringTotal};
pub use trial::{GrantedTrial, TrialDays, TrialHistory};

use rust_decimal::Decimal;

use crate::ids::PlanId;
use crate::item::ItemRef;
use crate::money::{Currency, MoneyError};

/// Why a plan, an edit of one or an item's set of plans was refused. Each variant names
/// what the caller must fix; [`PlanError::field`] names the request field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("plan code must be 1 to 32 of A-Z, 0-9 and _, got {code:?}")]
    InvalidCode { code: String },
    #[error("plan name must be 1 to 60 characters")]
    InvalidName,
    #[error("provider price id must be 1 to 255 printable characters without spaces")]
    InvalidProviderPrice,
    #[error("price: {0}")]
    InvalidPrice(#[from] MoneyError),
    #[error("a trial lasts at most 90 days, got {days}")]
    TrialTooLong { days: u32 },
    #[error("a one-time plan has no period for a trial to precede")]
    TrialOnOneTimePlan,
    #[error("a one-time plan has no renewal to charge overage with")]
    OverageOnOneTimePlan,
    #[error(
        "meter key must be 1 to 64 lower-case letters, digits or underscores, starting \
         with a letter; got {meter:?}"
    )]
    InvalidMeter { meter: String },
    #[error("the quota of {meter} must not be negative, got {limit}")]
    NegativeQuota { meter: MeterKey, limit: Decimal },
    #[error("the overage price of {meter} must not be negative, got {unit_price}")]
    NegativeOveragePrice {
        meter: MeterKey,
        unit_price: Decimal,
    },
    #[error("meter {meter} has two quotas")]
    DuplicateQuota { meter: MeterKey },
    #[error("meter {meter} has two overage prices")]
    DuplicateOverage { meter: MeterKey },
    #[error("meter {meter} has a hard quota: use beyond it is refused, so it has no overage")]
    OverageOnHardQuota { meter: MeterKey },
    #[error("meter {meter} has an overage price but no quota (pay-per-use is a soft quota of 0)")]
    OverageWithoutQuota { meter: MeterKey },
    #[error("the plan has been sold: its price is fixed (a new price is a new plan)")]
    PriceFixedOnceSold,
    #[error("the plan has been sold: its interval is fixed (a new interval is a new plan)")]
    IntervalFixedOnceSold,
    #[error("the plan has been sold: its provider price id is fixed")]
    ProviderPriceFixedOnceSold,
    #[error("plan {plan} belongs to {item:?}")]
    OtherItem { plan: PlanId, item: ItemRef },
    #[error("the item already has a plan {code}")]
    DuplicateCode { code: PlanCode },
    #[error("the item's plans are in {expected}, not {found}")]
    CurrencyMismatch { expected: Currency, found: Currency },
    #[error("a bundle has one interval: its plans are {expected}, not {found}")]
    MixedBundleIntervals {
        expected: BillingInterval,
        found: BillingInterval,
    },
    #[error("the item has no plan {code}")]
    UnknownPlan { code: PlanCode },
    #[error("plan {code} is archived: no longer sold")]
    NotOnSale { code: PlanCode },
    #[error("the item has no plan on sale (contact sales)")]
    NothingOnSale,
}

impl PlanError {
    /// The request field at fault, for the API's `details`; `None` when no one field is.
    #[must_use]
    pub const fn field(&self) -> Option<&'static str> {
        match self {
            Self::InvalidCode { .. } | Self::DuplicateCode { .. } => Some("code"),
            Self::InvalidName => Some("name"),
            Self::InvalidProviderPrice | Self::ProviderPriceFixedOnceSold => {
                Some("provider_price_id")
            }
            Self::InvalidPrice(_) | Self::PriceFixedOnceSold | Self::CurrencyMismatch { .. } => {
                Some("price")
            }
            Self::TrialTooLong { .. } | Self::TrialOnOneTimePlan => Some("trial_days"),
            Self::IntervalFixedOnceSold | Self::MixedBundleIntervals { .. } => Some("interval"),
            Self::InvalidMeter { .. }
            | Self::NegativeQuota { .. }
            | Self::DuplicateQuota { .. } => Some("quotas"),
            Self::OverageOnOneTimePlan
            | Self::NegativeOveragePrice { .. }
            | Self::DuplicateOverage { .. }
            | Self::OverageOnHardQuota { .. }
            | Self::OverageWithoutQuota { .. } => Some("overage"),
            Self::UnknownPlan { .. } | Self::NotOnSale { .. } => Some("plan"),
            Self::OtherItem { .. } | Self::NothingOnSale => None,
        }
    }
}
