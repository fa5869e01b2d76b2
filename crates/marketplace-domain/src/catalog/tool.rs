//! Tools (R-C1, R-C2, R-C3): the things the marketplace sells, with values that are valid by
//! construction.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use crate::catalog::CatalogError;
use crate::ids::{SellerId, ToolId};
use crate::money::Money;
use crate::tier::Tier;

/// The 14 categories of the original tool marketplace.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ToolCategory {
    LeadGeneration,
    LeadNurturing,
    ListingOptimization,
    PropertyShopping,
    MarketIntelligence,
    InvestmentAnalysis,
    DocumentProcessing,
    CommissionFinancial,
    BookingScheduling,
    Communication,
    CrmTools,
    AnalyticsTools,
    AutomationTools,
    IntegrationTools,
}
crate::labelled!(ToolCategory, "category", {
    LeadGeneration => "LEAD_GENERATION", LeadNurturing => "LEAD_NURTURING",
    ListingOptimization => "LISTING_OPTIMIZATION", PropertyShopping => "PROPERTY_SHOPPING",
    MarketIntelligence => "MARKET_INTELLIGENCE", InvestmentAnalysis => "INVESTMENT_ANALYSIS",
    DocumentProcessing => "DOCUMENT_PROCESSING", CommissionFinancial => "COMMISSION_FINANCIAL",
    BookingScheduling => "BOOKING_SCHEDULING", Communication => "COMMUNICATION",
    CrmTools => "CRM_TOOLS", AnalyticsTools => "ANALYTICS_TOOLS",
    AutomationTools => "AUTOMATION_TOOLS", IntegrationTools => "INTEGRATION_TOOLS",
});

/// How a tool is priced.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PriceModel {
    Free,
    OneTime,
    Monthly,
    Annual,
    UsageBased,
    /// "Contact sales": never bought through the cart.
    Custom,
}
crate::labelled!(PriceModel, "price model", {
    Free => "FREE", OneTime => "ONE_TIME", Monthly => "MONTHLY", Annual => "ANNUAL",
    UsageBased => "USAGE_BASED", Custom => "CUSTOM",
});

/// How a tool plugs into the platform.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IntegrationType {
    Api,
    Webhook,
    Embed,
    Standalone,
    N8nWorkflow,
    Native,
}
crate::labelled!(IntegrationType, "integration type", {
    Api => "API", Webhook => "WEBHOOK", Embed => "EMBED", Standalone => "STANDALONE",
    N8nWorkflow => "N8N_WORKFLOW", Native => "NATIVE",
});

/// A tool's lifecycle status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ToolStatus {
    Active,
    ComingSoon,
    Beta,
    Deprecated,
    Disabled,
}
crate::labelled!(ToolStatus, "tool status", {
    Active => "ACTIVE", ComingSoon => "COMING_SOON", Beta => "BETA",
    Deprecated => "DEPRECATED", Disabled => "DISABLED",
});

impl ToolStatus {
    /// R-C5: what a buyer's listing shows unless it asks for statuses: what can be bought
    /// or is coming. DEPRECATED and DISABLED tools appear only when a status filter asks.
    pub const LISTED_BY_DEFAULT: &'static [Self] = &[Self::Active, Self::Beta, Self::ComingSoon];

    /// R-C3: only ACTIVE and BETA tools can be bought.
    #[must_use]
    pub const fn is_purchasable(self) -> bool {
        matches!(self, Self::Active | Self::Beta)
    }
}

/// Why an item cannot be bought right now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotPurchasableReason {
    /// CUSTOM pricing: contact sales (R-C2).
    ContactSales,
    /// The status does not allow a sale (R-C3, R-C4).
    Status,
}

macro_rules! bounded_text {
    ($(#[$doc:meta])* $name:ident, $field:literal, $min:expr, $max:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// Trims and checks the length in characters.
            ///
            /// # Errors
            /// [`CatalogError::Invalid`] naming the field when the length is out of range.
            pub fn parse(raw: &str) -> Result<Self, CatalogError> {
                let text = raw.trim();
                let len = text.chars().count();
                if !($min..=$max).contains(&len) {
                    return Err(CatalogError::invalid($field, format!("must be {} to {} characters", $min, $max)));
                }
                Ok(Self(text.to_owned()))
            }

            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

bounded_text!(
    /// A tool or bundle name: 1..=100 characters (R-C1).
    ItemName, "name", 1, 100
);
bounded_text!(
    /// A tag: 1..=50 characters, stored lower-case.
    Tag, "tags", 1, 50
);

impl Tag {
    /// Tags compare case-insensitively, so they are kept lower-case.
    ///
    /// # Errors
    /// As [`Tag::parse`].
    pub fn normalized(raw: &str) -> Result<Self, CatalogError> {
        Self::parse(&raw.to_lowercase())
    }
}

/// An http(s) URL of at most 500 characters (R-C1).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WebUrl(String);

impl WebUrl {
    /// # Errors
    /// [`CatalogError::Invalid`] for another scheme, no host, spaces, or more than 500 chars.
    pub fn parse(field: &'static str, raw: &str) -> Result<Self, CatalogError> {
        let rest = raw
            .strip_prefix("https://")
            .or_else(|| raw.strip_prefix("http://"));
        let host_ok = rest.is_some_and(|r| {
            r.split(['/', '?', '#'])
                .next()
                .is_some_and(|h| !h.is_empty())
        });
        if !host_ok || raw.len() > 500 || raw.chars().any(char::is_whitespace) {
            return Err(CatalogError::invalid(
                field,
                "must be an http or https URL of at most 500 characters",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A semantic version `MAJOR.MINOR.PATCH`, optionally with a `-pre` or `+build` suffix.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Version(String);

impl Version {
    /// # Errors
    /// [`CatalogError::Invalid`] unless the text is a semantic version of at most 20 chars.
    pub fn parse(raw: &str) -> Result<Self, CatalogError> {
        let core = raw.split(['-', '+']).next().unwrap_or_default();
        let parts: Vec<&str> = core.split('.').collect();
        let numeric = |p: &&str| {
            !p.is_empty()
                && p.chars().all(|c| c.is_ascii_digit())
                && (p.len() == 1 || !p.starts_with('0'))
        };
        if raw.len() > 20 || parts.len() != 3 || !parts.iter().all(numeric) {
            return Err(CatalogError::invalid(
                "version",
                "must be a semantic version such as 1.2.3",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl Default for Version {
    fn default() -> Self {
        Self("1.0.0".to_owned())
    }
}

/// A price model with its amount, consistent by construction (R-C2): FREE costs 0, a paid
/// model costs more than 0, CUSTOM carries an indicative amount (or 0) and is never sold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pricing {
    model: PriceModel,
    price: Money,
}

impl Pricing {
    /// # Errors
    /// [`CatalogError::Invalid`] on `price` when the amount contradicts the model.
    pub fn new(model: PriceModel, price: Money) -> Result<Self, CatalogError> {
        if price.is_negative() {
            return Err(CatalogError::invalid("price", "must not be negative"));
        }
        match model {
            PriceModel::Free if !price.is_zero() => {
                Err(CatalogError::invalid("price", "a FREE tool costs 0"))
            }
            PriceModel::OneTime
            | PriceModel::Monthly
            | PriceModel::Annual
            | PriceModel::UsageBased
                if price.is_zero() =>
            {
                Err(CatalogError::invalid(
                    "price",
                    "a paid price model needs a price above 0",
                ))
            }
            _ => Ok(Self { model, price }),
        }
    }

    #[must_use]
    pub const fn model(&self) -> PriceModel {
        self.model
    }

    #[must_use]
    pub const fn price(&self) -> Money {
        self.price
    }

    /// Whether the price model renews (MONTHLY, ANNUAL).
    #[must_use]
    pub const fn recurring_interval(&self) -> Option<crate::interval::Interval> {
        match self.model {
            PriceModel::Monthly => Some(crate::interval::Interval::Monthly),
            PriceModel::Annual => Some(crate::interval::Interval::Annual),
            _ => None,
        }
    }
}

/// Links shown on a tool's page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ToolLinks {
    pub documentation: Option<WebUrl>,
    pub demo: Option<WebUrl>,
    pub support: Option<WebUrl>,
    pub icon: Option<WebUrl>,
}

/// Counters kept on a tool; `avg_rating` and `review_count` cover APPROVED reviews only
/// (R-V6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ToolStats {
    pub purchase_count: u64,
    pub view_count: u64,
    pub avg_rating: Option<Decimal>,
    pub review_count: u64,
}

/// A tool of the global catalog (R-C1, R-T4).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tool {
    pub id: ToolId,
    pub name: ItemName,
    pub description: String,
    pub long_description: Option<String>,
    pub category: ToolCategory,
    pub tags: Vec<Tag>,
    pub pricing: Pricing,
    pub required_tier: Tier,
    pub integration_type: IntegrationType,
    pub status: ToolStatus,
    pub seller_id: SellerId,
    pub links: ToolLinks,
    pub version: Version,
    pub is_featured: bool,
    pub stats: ToolStats,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Tool {
    /// The live price.
    #[must_use]
    pub const fn price(&self) -> Money {
        self.pricing.price
    }

    /// R-C2, R-C3: whether the tool can be bought through the cart now.
    ///
    /// # Errors
    /// The reason it cannot.
    pub const fn check_purchasable(&self) -> Result<(), NotPurchasableReason> {
        if matches!(self.pricing.model, PriceModel::Custom) {
            return Err(NotPurchasableReason::ContactSales);
        }
        if !self.status.is_purchasable() {
            return Err(NotPurchasableReason::Status);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;
    use rust_decimal::dec;

    fn usd(a: Decimal) -> Money {
        Money::price(a, Currency::USD).unwrap()
    }

    #[test]
    fn r_c1_names_are_1_to_100_chars() {
        assert!(ItemName::parse("").is_err());
        assert!(ItemName::parse("   ").is_err());
        assert!(ItemName::parse(&"x".repeat(100)).is_ok());
        assert!(ItemName::parse(&"é".repeat(101)).is_err());
        assert_eq!(
            ItemName::parse("  Lead Scoring ").unwrap().as_str(),
            "Lead Scoring"
        );
    }

    #[test]
    fn r_c1_urls_are_http_or_https_and_short() {
        assert!(WebUrl::parse("u", "https://docs.example.com/x").is_ok());
        assert!(WebUrl::parse("u", "http://example.com").is_ok());
        for bad in [
            "ftp://example.com",
            "javascript:alert(1)",
            "https://",
            "https://a b",
            "example.com",
        ] {
            assert!(WebUrl::parse("u", bad).is_err(), "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(481));
        assert!(WebUrl::parse("u", &long).is_err());
    }

    #[test]
    fn r_c1_versions_are_semver() {
        for ok in ["1.0.0", "0.12.3", "2.0.0-beta.1", "1.2.3+build"] {
            assert!(Version::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["1.0", "v1.0.0", "01.0.0", "1.0.0.0", "", "a.b.c"] {
            assert!(Version::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn r_c2_free_costs_nothing_and_paid_models_cost_something() {
        assert!(Pricing::new(PriceModel::Free, usd(dec!(0))).is_ok());
        assert!(Pricing::new(PriceModel::Free, usd(dec!(1))).is_err());
        for m in [
            PriceModel::OneTime,
            PriceModel::Monthly,
            PriceModel::Annual,
            PriceModel::UsageBased,
        ] {
            assert!(Pricing::new(m, usd(dec!(0))).is_err(), "{m}");
            assert!(Pricing::new(m, usd(dec!(9.99))).is_ok(), "{m}");
        }
        assert!(Pricing::new(PriceModel::Custom, usd(dec!(0))).is_ok());
    }

    #[test]
    fn r_c3_only_active_and_beta_are_purchasable() {
        let purchasable: Vec<ToolStatus> = ToolStatus::ALL
            .iter()
            .copied()
            .filter(|s| s.is_purchasable())
            .collect();
        assert_eq!(purchasable, [ToolStatus::Active, ToolStatus::Beta]);
    }
}
