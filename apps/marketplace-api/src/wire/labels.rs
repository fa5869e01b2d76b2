//! Domain enums on the wire. Each wire type carries one domain enum as its stable label
//! (`"LEAD_GENERATION"`) or its lower-case label (`"credit_card"`), parses strictly (an
//! unknown value is a 400 naming the accepted ones) and documents its values in the
//! OpenAPI schema.

use std::borrow::Cow;

use marketplace_domain::labels::Labelled;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// Parses a lower-case label; the error lists the accepted values.
///
/// # Errors
/// A message for an unknown value.
pub fn parse_lower<T: Labelled>(raw: &str) -> Result<T, String> {
    T::all()
        .iter()
        .copied()
        .find(|v| v.label().to_lowercase() == raw)
        .ok_or_else(|| {
            format!(
                "unknown {} {raw:?}; expected one of {}",
                T::KIND,
                accepted::<T>(true)
            )
        })
}

/// Parses a label as it is; the error lists the accepted values.
///
/// # Errors
/// A message for an unknown value.
pub fn parse_label<T: Labelled>(raw: &str) -> Result<T, String> {
    raw.parse::<T>().map_err(|_| {
        format!(
            "unknown {} {raw:?}; expected one of {}",
            T::KIND,
            accepted::<T>(false)
        )
    })
}

fn accepted<T: Labelled>(lower: bool) -> String {
    T::all()
        .iter()
        .map(|v| wire::<T>(*v, lower).into_owned())
        .collect::<Vec<_>>()
        .join(", ")
}

fn wire<T: Labelled>(v: T, lower: bool) -> Cow<'static, str> {
    if lower {
        Cow::Owned(v.label().to_lowercase())
    } else {
        Cow::Borrowed(v.label())
    }
}

/// The OpenAPI schema of a closed set of labels.
#[must_use]
pub fn enum_schema<T: Labelled>(lower: bool) -> RefOr<Schema> {
    let values: Vec<String> = T::all()
        .iter()
        .map(|v| wire(*v, lower).into_owned())
        .collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values))
        .into()
}

macro_rules! wire_enum {
    ($(#[$doc:meta])* $name:ident($domain:ty), lower = $lower:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct $name(pub $domain);

        impl From<$domain> for $name {
            fn from(v: $domain) -> Self {
                Self(v)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&wire(self.0, $lower))
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let raw = Cow::<str>::deserialize(d)?;
                let parsed = if $lower { parse_lower::<$domain>(&raw) } else { parse_label::<$domain>(&raw) };
                parsed.map(Self).map_err(serde::de::Error::custom)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                enum_schema::<$domain>($lower)
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($name))
            }
        }
    };
}

use marketplace_domain::catalog::{
    BundleStatus, IntegrationType, ItemKind, PriceModel, ToolCategory, ToolStatus,
};
use marketplace_domain::checkout::{OrderStatus, PaymentMethod};
use marketplace_domain::entitlement::EntitlementSource;
use marketplace_domain::plan::{BillingInterval, PlanStatus};
use marketplace_domain::purchase::PurchaseStatus;
use marketplace_domain::review::{Decision, ReviewStatus};
use marketplace_domain::subscription::SubscriptionStatus;
use marketplace_domain::tier::Tier;
use marketplace_licensing::api_key::Scope;
use marketplace_licensing::license::LicenseStatus;
use marketplace_listings::checks::Check;
use marketplace_listings::content::ListingKind;
use marketplace_listings::listing::{ListingStatus, Outcome as ListingOutcome};

wire_enum!(/// One of the 14 tool categories.
    Category(ToolCategory), lower = false);
wire_enum!(/// A subscription tier.
    TierLabel(Tier), lower = false);
wire_enum!(/// How a tool is priced.
    PriceModelLabel(PriceModel), lower = false);
wire_enum!(/// How a tool plugs into the platform.
    IntegrationLabel(IntegrationType), lower = false);
wire_enum!(/// A tool's status.
    ToolStatusLabel(ToolStatus), lower = false);
wire_enum!(/// A bundle's status.
    BundleStatusLabel(BundleStatus), lower = false);
wire_enum!(/// An order's status.
    OrderStatusLabel(OrderStatus), lower = false);
wire_enum!(/// A purchase's status.
    PurchaseStatusLabel(PurchaseStatus), lower = false);
wire_enum!(/// Where one period's renewal of a recurring purchase stands.
    RenewalStatusLabel(marketplace_domain::renewal::RenewalStatus), lower = false);
wire_enum!(/// What a purchase bought.
    PurchaseType(ItemKind), lower = false);
wire_enum!(/// A review's moderation status.
    ReviewStatusLabel(ReviewStatus), lower = false);
wire_enum!(/// How an order is paid.
    PaymentMethodLabel(PaymentMethod), lower = true);
wire_enum!(/// `tool` or `bundle`.
    ItemType(ItemKind), lower = true);
wire_enum!(/// Where an entitlement comes from.
    SourceLabel(EntitlementSource), lower = true);
wire_enum!(/// How often a plan is paid: `one_time`, `month` or `year`.
    IntervalLabel(BillingInterval), lower = true);
wire_enum!(/// Whether a plan is sold to new buyers: `active` or `archived`.
    PlanStatusLabel(PlanStatus), lower = true);
wire_enum!(/// A subscription's status: `trialing`, `active`, `past_due`, `canceled`, `expired`.
    SubscriptionStatusLabel(SubscriptionStatus), lower = true);
wire_enum!(/// A moderator's decision.
    DecisionLabel(Decision), lower = true);
wire_enum!(/// What an API key may do.
    ScopeLabel(Scope), lower = false);
wire_enum!(/// Where a license stands on record.
    LicenseStatusLabel(LicenseStatus), lower = false);
wire_enum!(/// A listing's state: `draft`, `submitted`, `published`, `rejected`.
    ListingStatusLabel(ListingStatus), lower = true);
wire_enum!(/// What a listing proposes: `tool`, `bundle`, `version`, `service`, `edit`.
    ListingKindLabel(ListingKind), lower = true);
wire_enum!(/// An automated check of a listing (R-G2).
    CheckLabel(Check), lower = true);
wire_enum!(/// How a listing was decided: `approved`, `rejected`, `published_at_once`.
    ListingOutcomeLabel(ListingOutcome), lower = true);

/// Labels in query strings, for `#[serde(deserialize_with = ...)]`: upper-case labels are
/// taken in any case (`?tier=growth`), lower-case ones as they are (`?sort_by=price`). An
/// unknown value fails with the accepted ones.
pub mod query {
    use serde::{Deserialize, Deserializer, de};

    use super::{Labelled, parse_label, parse_lower};

    /// Every value of a repeated or comma-separated key.
    ///
    /// # Errors
    /// An unknown value.
    pub fn any_case_list<'de, D: Deserializer<'de>, T: Labelled>(d: D) -> Result<Vec<T>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|raw| parse_label::<T>(&raw.to_uppercase()))
            .collect::<Result<_, _>>()
            .map_err(de::Error::custom)
    }

    /// One value, in any case.
    ///
    /// # Errors
    /// An unknown value.
    pub fn any_case<'de, D: Deserializer<'de>, T: Labelled>(d: D) -> Result<Option<T>, D::Error> {
        let raw = String::deserialize(d)?;
        parse_label::<T>(&raw.to_uppercase())
            .map(Some)
            .map_err(de::Error::custom)
    }

    /// One lower-case value.
    ///
    /// # Errors
    /// An unknown value.
    pub fn lower<'de, D: Deserializer<'de>, T: Labelled>(d: D) -> Result<Option<T>, D::Error> {
        let raw = String::deserialize(d)?;
        parse_lower::<T>(&raw).map(Some).map_err(de::Error::custom)
    }
}
