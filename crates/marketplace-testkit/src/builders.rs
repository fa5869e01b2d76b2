//! Test data with sane defaults: tools, bundles, actors, orgs, money.
//!
//! Builders panic on inputs that make no sense (a malformed price literal): they are test
//! helpers, and a clear panic is the most useful report.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, TimeZone, Utc};
use marketplace_domain::access::{Actor, OrgRole, PlatformRole};
use marketplace_domain::catalog::{
    Bundle, BundleParts, BundleStatus, BundleTool, IntegrationType, ItemName, PriceModel, Pricing,
    Tag, Tool, ToolCategory, ToolLinks, ToolStats, ToolStatus, Version,
};
use marketplace_domain::ids::{BundleId, OrgId, SellerId, ToolId, UserId};
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::org::Organization;
use marketplace_domain::tier::Tier;
use rust_decimal::{Decimal, RoundingStrategy};
use uuid::Uuid;

static NEXT: AtomicU64 = AtomicU64::new(1);

/// A UUID unique in this process (`7e57xxxx-…`), never equal to a [`crate::fakes::SequentialIds`] one.
#[must_use]
pub fn unique_uuid() -> Uuid {
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    Uuid::from_u128(
        (0x7e57_u128 << 112) | (0x4000_u128 << 64) | (0x8000_u128 << 48) | u128::from(n),
    )
}

/// The time every fake starts at: 2025-01-15 12:00:00 UTC.
#[must_use]
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, 15, 12, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH)
}

/// The platform's own seller ("Internal"), stored by [`crate::fakes::Fakes::new`].
#[must_use]
pub fn platform_seller() -> SellerId {
    SellerId::from_uuid(Uuid::from_u128(0x5e11e4))
}

/// A decimal from a literal such as `"19.99"`.
///
/// # Panics
/// On a malformed literal.
#[must_use]
pub fn dec(text: &str) -> Decimal {
    text.parse()
        .unwrap_or_else(|e| panic!("not a decimal literal {text:?}: {e}"))
}

/// US dollars from a literal such as `"19.99"`.
///
/// # Panics
/// On a malformed literal or more than 2 decimals.
#[must_use]
pub fn usd(text: &str) -> Money {
    money(text, Currency::USD)
}

/// Euros from a literal.
///
/// # Panics
/// As [`usd`].
#[must_use]
pub fn eur(text: &str) -> Money {
    money(text, Currency::EUR)
}

fn money(text: &str, currency: Currency) -> Money {
    Money::new(dec(text), currency).unwrap_or_else(|e| panic!("not a money amount {text:?}: {e}"))
}

/// Builds a [`Tool`]: ACTIVE, ONE_TIME, 10.00 USD, FREE tier, sold by the platform.
#[derive(Clone, Debug)]
pub struct ToolBuilder {
    id: ToolId,
    name: String,
    description: String,
    long_description: Option<String>,
    category: ToolCategory,
    tags: Vec<String>,
    model: PriceModel,
    price: Decimal,
    currency: Currency,
    tier: Tier,
    integration: IntegrationType,
    status: ToolStatus,
    seller: SellerId,
    links: ToolLinks,
    version: String,
    featured: bool,
    stats: ToolStats,
    created_at: DateTime<Utc>,
    updated_at: Option<DateTime<Utc>>,
}

impl Default for ToolBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ToolBuilder {
    #[must_use]
    pub fn new() -> Self {
        let id = ToolId::from_uuid(unique_uuid());
        Self {
            id,
            name: format!("Tool {}", &id.to_string()[24..]),
            description: "A tool for tests".into(),
            long_description: None,
            category: ToolCategory::LeadGeneration,
            tags: Vec::new(),
            model: PriceModel::OneTime,
            price: dec("10.00"),
            currency: Currency::USD,
            tier: Tier::Free,
            integration: IntegrationType::Api,
            status: ToolStatus::Active,
            seller: platform_seller(),
            links: ToolLinks::default(),
            version: "1.0.0".into(),
            featured: false,
            stats: ToolStats::default(),
            created_at: t0(),
            updated_at: None,
        }
    }

    #[must_use]
    pub fn id(mut self, id: ToolId) -> Self {
        self.id = id;
        self
    }
    #[must_use]
    pub fn named(mut self, name: &str) -> Self {
        self.name = name.into();
        self
    }
    #[must_use]
    pub fn description(mut self, text: &str) -> Self {
        self.description = text.into();
        self
    }
    #[must_use]
    pub fn long_description(mut self, text: &str) -> Self {
        self.long_description = Some(text.into());
        self
    }
    /// The amount, keeping the price model.
    #[must_use]
    pub fn price(mut self, amount: &str) -> Self {
        self.price = dec(amount);
        self
    }
    #[must_use]
    pub fn currency(mut self, currency: Currency) -> Self {
        self.currency = currency;
        self
    }
    #[must_use]
    pub fn one_time(mut self) -> Self {
        self.model = PriceModel::OneTime;
        self
    }
    #[must_use]
    pub fn monthly(mut self) -> Self {
        self.model = PriceModel::Monthly;
        self
    }
    #[must_use]
    pub fn annual(mut self) -> Self {
        self.model = PriceModel::Annual;
        self
    }
    #[must_use]
    pub fn usage_based(mut self) -> Self {
        self.model = PriceModel::UsageBased;
        self
    }
    /// Price model FREE at 0.
    #[must_use]
    pub fn free(mut self) -> Self {
        self.model = PriceModel::Free;
        self.price = Decimal::ZERO;
        self
    }
    /// Price model CUSTOM ("contact sales").
    #[must_use]
    pub fn custom(mut self) -> Self {
        self.model = PriceModel::Custom;
        self
    }
    #[must_use]
    pub fn status(mut self, status: ToolStatus) -> Self {
        self.status = status;
        self
    }
    #[must_use]
    pub fn tier(mut self, tier: Tier) -> Self {
        self.tier = tier;
        self
    }
    #[must_use]
    pub fn seller(mut self, seller: SellerId) -> Self {
        self.seller = seller;
        self
    }
    #[must_use]
    pub fn category(mut self, category: ToolCategory) -> Self {
        self.category = category;
        self
    }
    #[must_use]
    pub fn tags(mut self, tags: &[&str]) -> Self {
        self.tags = tags.iter().map(|t| (*t).to_owned()).collect();
        self
    }
    #[must_use]
    pub fn integration(mut self, integration: IntegrationType) -> Self {
        self.integration = integration;
        self
    }
    #[must_use]
    pub fn links(mut self, links: ToolLinks) -> Self {
        self.links = links;
        self
    }
    #[must_use]
    pub fn version(mut self, version: &str) -> Self {
        self.version = version.into();
        self
    }
    #[must_use]
    pub fn featured(mut self) -> Self {
        self.featured = true;
        self
    }
    #[must_use]
    pub fn created_at(mut self, at: DateTime<Utc>) -> Self {
        self.created_at = at;
        self
    }
    #[must_use]
    pub fn updated_at(mut self, at: DateTime<Utc>) -> Self {
        self.updated_at = Some(at);
        self
    }
    #[must_use]
    pub fn purchases(mut self, n: u64) -> Self {
        self.stats.purchase_count = n;
        self
    }
    #[must_use]
    pub fn views(mut self, n: u64) -> Self {
        self.stats.view_count = n;
        self
    }
    /// The stored rating counters (`avg_rating` as a literal such as `"4.50"`).
    #[must_use]
    pub fn rating(mut self, avg: &str, reviews: u64) -> Self {
        self.stats.avg_rating = Some(dec(avg));
        self.stats.review_count = reviews;
        self
    }

    /// # Panics
    /// When the fields contradict the domain's rules (a FREE tool with a price…).
    #[must_use]
    pub fn build(self) -> Tool {
        let fail = |what: &str, e: &dyn std::fmt::Debug| -> ! {
            panic!("ToolBuilder: invalid {what}: {e:?}")
        };
        let price = Money::price(self.price, self.currency).unwrap_or_else(|e| fail("price", &e));
        let pricing = Pricing::new(self.model, price).unwrap_or_else(|e| fail("pricing", &e));
        Tool {
            id: self.id,
            name: ItemName::parse(&self.name).unwrap_or_else(|e| fail("name", &e)),
            description: self.description,
            long_description: self.long_description,
            category: self.category,
            tags: self
                .tags
                .iter()
                .map(|t| Tag::normalized(t).unwrap_or_else(|e| fail("tag", &e)))
                .collect(),
            pricing,
            required_tier: self.tier,
            integration_type: self.integration,
            status: self.status,
            seller_id: self.seller,
            links: self.links,
            version: Version::parse(&self.version).unwrap_or_else(|e| fail("version", &e)),
            is_featured: self.featured,
            stats: self.stats,
            created_at: self.created_at,
            updated_at: self.updated_at.unwrap_or(self.created_at),
        }
    }
}

impl From<ToolBuilder> for Tool {
    fn from(b: ToolBuilder) -> Self {
        b.build()
    }
}

/// Builds a [`Bundle`] over given tools: ACTIVE, FREE tier, priced at 80% of the list
/// price unless told.
#[derive(Clone, Debug)]
pub struct BundleBuilder {
    id: BundleId,
    name: String,
    description: String,
    tools: Vec<BundleTool>,
    price: Option<Decimal>,
    tier: Tier,
    status: BundleStatus,
    featured: bool,
    purchases: u64,
    created_at: DateTime<Utc>,
}

impl BundleBuilder {
    /// A bundle of `tools`, in this display order.
    #[must_use]
    pub fn over(tools: &[&Tool]) -> Self {
        let id = BundleId::from_uuid(unique_uuid());
        Self {
            id,
            name: format!("Bundle {}", &id.to_string()[24..]),
            description: "A bundle for tests".into(),
            tools: tools.iter().map(|t| BundleTool::from(*t)).collect(),
            price: None,
            tier: Tier::Free,
            status: BundleStatus::Active,
            featured: false,
            purchases: 0,
            created_at: t0(),
        }
    }
    #[must_use]
    pub fn id(mut self, id: BundleId) -> Self {
        self.id = id;
        self
    }
    #[must_use]
    pub fn named(mut self, name: &str) -> Self {
        self.name = name.into();
        self
    }
    #[must_use]
    pub fn description(mut self, text: &str) -> Self {
        self.description = text.into();
        self
    }
    #[must_use]
    pub fn price(mut self, amount: &str) -> Self {
        self.price = Some(dec(amount));
        self
    }
    #[must_use]
    pub fn tier(mut self, tier: Tier) -> Self {
        self.tier = tier;
        self
    }
    #[must_use]
    pub fn status(mut self, status: BundleStatus) -> Self {
        self.status = status;
        self
    }
    #[must_use]
    pub fn featured(mut self) -> Self {
        self.featured = true;
        self
    }
    #[must_use]
    pub fn purchases(mut self, n: u64) -> Self {
        self.purchases = n;
        self
    }
    #[must_use]
    pub fn created_at(mut self, at: DateTime<Utc>) -> Self {
        self.created_at = at;
        self
    }

    /// # Panics
    /// When the bundle breaks R-C4 (fewer than two tools, mixed currencies…).
    #[must_use]
    pub fn build(self) -> Bundle {
        let currency = self
            .tools
            .first()
            .map_or(Currency::USD, |t| t.price.currency());
        let list: Decimal = self.tools.iter().map(|t| t.price.amount()).sum();
        let amount = self.price.unwrap_or_else(|| {
            (list * dec("0.8")).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
        });
        let price = Money::price(amount, currency)
            .unwrap_or_else(|e| panic!("BundleBuilder: invalid price: {e}"));
        Bundle::new(BundleParts {
            id: self.id,
            name: ItemName::parse(&self.name)
                .unwrap_or_else(|e| panic!("BundleBuilder: invalid name: {e:?}")),
            description: self.description,
            price,
            required_tier: self.tier,
            status: self.status,
            tools: self.tools,
            is_featured: self.featured,
            purchase_count: self.purchases,
            created_at: self.created_at,
            updated_at: self.created_at,
        })
        .unwrap_or_else(|e| panic!("BundleBuilder: invalid bundle: {e:?}"))
    }
}

impl From<BundleBuilder> for Bundle {
    fn from(b: BundleBuilder) -> Self {
        b.build()
    }
}

/// A fresh org id.
#[must_use]
pub fn org_id() -> OrgId {
    OrgId::from_uuid(unique_uuid())
}

/// A fresh user id.
#[must_use]
pub fn user_id() -> UserId {
    UserId::from_uuid(unique_uuid())
}

/// An org value of this tier and credit balance (store it with
/// [`crate::fakes::Fakes::set_org`] or `OrgRepository::upsert`).
#[must_use]
pub fn org(tier: Tier, credits: Money) -> Organization {
    let id = org_id();
    Organization::restore(id, format!("Org {}", &id.to_string()[24..]), tier, credits)
}

/// A new user of `org` with these roles.
#[must_use]
pub fn actor(org: OrgId, org_role: OrgRole, platform_role: PlatformRole) -> Actor {
    Actor {
        user_id: user_id(),
        org_id: org,
        org_role,
        platform_role,
    }
}

/// A new OWNER of `org` (a platform USER).
#[must_use]
pub fn owner(org: OrgId) -> Actor {
    actor(org, OrgRole::Owner, PlatformRole::User)
}

/// A new org ADMIN of `org` (a platform USER).
#[must_use]
pub fn org_admin(org: OrgId) -> Actor {
    actor(org, OrgRole::Admin, PlatformRole::User)
}

/// A new MEMBER of `org`.
#[must_use]
pub fn member(org: OrgId) -> Actor {
    actor(org, OrgRole::Member, PlatformRole::User)
}

/// A new VIEWER of `org`.
#[must_use]
pub fn viewer(org: OrgId) -> Actor {
    actor(org, OrgRole::Viewer, PlatformRole::User)
}

/// A platform ADMIN (a MEMBER of an org of their own).
#[must_use]
pub fn admin_user() -> Actor {
    actor(org_id(), OrgRole::Member, PlatformRole::Admin)
}

/// A platform MODERATOR (a MEMBER of an org of their own).
#[must_use]
pub fn moderator() -> Actor {
    actor(org_id(), OrgRole::Member, PlatformRole::Moderator)
}
