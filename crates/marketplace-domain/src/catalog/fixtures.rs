//! Test data builders shared by the use-case tests against mockall mocks: actors of every
//! role, tools and bundles, a fixed clock, predictable ids and a catalog mock that serves a
//! given set of items.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::access::{Actor, OrgRole, PlatformRole};
use crate::catalog::{
    Bundle, BundleParts, BundleStatus, BundleTool, IntegrationType, ItemName,
    MockCatalogRepository, PriceModel, Pricing, Tool, ToolCategory, ToolLinks, ToolStats,
    ToolStatus, Version,
};
use crate::entitlement::{Entitlement, EntitlementSource, HeldPurchase, Holdings};
use crate::ids::{BundleId, EntitlementId, OrgId, PurchaseId, SellerId, ToolId, UserId};
use crate::item::ItemRef;
use crate::money::{Currency, Money};
use crate::org::Organization;
use crate::ports::{MockClock, MockIdGenerator};
use crate::revenue::{FeeRate, SellerKind, SellerTerms};
use crate::tier::Tier;

/// The instant every mocked clock returns.
pub(crate) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 14, 9, 30, 0).unwrap()
}

pub(crate) fn org_id() -> OrgId {
    OrgId::from_uuid(Uuid::from_u128(0xA1))
}

pub(crate) fn other_org_id() -> OrgId {
    OrgId::from_uuid(Uuid::from_u128(0xA2))
}

pub(crate) fn user_id() -> UserId {
    UserId::from_uuid(Uuid::from_u128(0xB1))
}

pub(crate) fn actor(org_role: OrgRole, platform_role: PlatformRole) -> Actor {
    Actor {
        user_id: user_id(),
        org_id: org_id(),
        org_role,
        platform_role,
    }
}

pub(crate) fn owner() -> Actor {
    actor(OrgRole::Owner, PlatformRole::User)
}

pub(crate) fn member() -> Actor {
    actor(OrgRole::Member, PlatformRole::User)
}

pub(crate) fn viewer() -> Actor {
    actor(OrgRole::Viewer, PlatformRole::User)
}

/// A platform ADMIN (who is a mere MEMBER of their own org).
pub(crate) fn platform_admin() -> Actor {
    actor(OrgRole::Member, PlatformRole::Admin)
}

pub(crate) fn usd(amount: Decimal) -> Money {
    Money::new(amount, Currency::USD).unwrap()
}

pub(crate) fn tid(n: u128) -> ToolId {
    ToolId::from_uuid(Uuid::from_u128(n))
}

pub(crate) fn bid(n: u128) -> BundleId {
    BundleId::from_uuid(Uuid::from_u128(n))
}

pub(crate) fn pid(n: u128) -> PurchaseId {
    PurchaseId::from_uuid(Uuid::from_u128(n))
}

pub(crate) fn seller(n: u128) -> SellerId {
    SellerId::from_uuid(Uuid::from_u128(0x5E11_0000 + n))
}

/// An ACTIVE, one-time tool of seller 1 in USD, for any tier (FREE when the price is 0).
pub(crate) fn tool(n: u128, price: Decimal) -> Tool {
    let model = if price.is_zero() {
        PriceModel::Free
    } else {
        PriceModel::OneTime
    };
    tool_priced(n, model, usd(price))
}

/// A tool with a given price model and price.
pub(crate) fn tool_priced(n: u128, model: PriceModel, price: Money) -> Tool {
    Tool {
        id: tid(n),
        name: ItemName::parse(&format!("Tool {n}")).unwrap(),
        description: format!("Tool number {n}"),
        long_description: None,
        category: ToolCategory::LeadGeneration,
        tags: Vec::new(),
        pricing: Pricing::new(model, price).unwrap(),
        required_tier: Tier::Free,
        integration_type: IntegrationType::Api,
        status: ToolStatus::Active,
        seller_id: seller(1),
        links: ToolLinks::default(),
        version: Version::default(),
        is_featured: false,
        stats: ToolStats::default(),
        created_at: now(),
        updated_at: now(),
    }
}

/// An ACTIVE bundle of `tools` (in that order) at `price` USD, for any tier.
pub(crate) fn bundle(n: u128, price: Decimal, tools: &[&Tool]) -> Bundle {
    bundle_with_status(n, price, tools, BundleStatus::Active)
}

pub(crate) fn bundle_with_status(
    n: u128,
    price: Decimal,
    tools: &[&Tool],
    status: BundleStatus,
) -> Bundle {
    Bundle::new(BundleParts {
        id: bid(n),
        name: ItemName::parse(&format!("Bundle {n}")).unwrap(),
        description: String::new(),
        price: usd(price),
        required_tier: Tier::Free,
        status,
        tools: tools.iter().map(|t| BundleTool::from(*t)).collect(),
        is_featured: false,
        purchase_count: 0,
        created_at: now(),
        updated_at: now(),
    })
    .unwrap()
}

/// Third-party terms at the default 5 % fee.
pub(crate) fn third_party(seller_id: SellerId) -> SellerTerms {
    SellerTerms {
        seller_id,
        kind: SellerKind::ThirdParty,
        fee_rate: FeeRate::DEFAULT,
    }
}

/// The caller's org at `tier` with `credits` USD.
pub(crate) fn organization(tier: Tier, credits: Decimal) -> Organization {
    Organization::restore(org_id(), "Acme Realty".to_owned(), tier, usd(credits))
}

/// A clock that always says [`now`].
pub(crate) fn clock() -> MockClock {
    let mut c = MockClock::new();
    c.expect_now().return_const(now());
    c
}

/// Ids 0x1D5_0001, 0x1D5_0002, … in call order.
pub(crate) fn ids() -> MockIdGenerator {
    let next = AtomicU64::new(1);
    let mut g = MockIdGenerator::new();
    g.expect_new_uuid().returning(move || {
        Uuid::from_u128(0x1D5_0000 + u128::from(next.fetch_add(1, Ordering::Relaxed)))
    });
    g
}

/// Holdings of active purchases of `items` (tools entitled; a bundle entitles its tools).
pub(crate) fn holdings(items: &[(ItemRef, Vec<ToolId>)]) -> Holdings {
    let purchases: Vec<HeldPurchase> = items
        .iter()
        .enumerate()
        .map(|(i, (item, tools))| HeldPurchase {
            purchase_id: pid(0x900 + i as u128),
            item: *item,
            tools: tools.clone(),
            price_model: matches!(item, ItemRef::Tool(_)).then_some(PriceModel::OneTime),
        })
        .collect();
    let entitlements: Vec<Entitlement> = purchases
        .iter()
        .flat_map(|p| {
            p.tools.iter().map(|t| Entitlement {
                id: EntitlementId::from_uuid(Uuid::new_v4()),
                org_id: org_id(),
                tool_id: *t,
                purchase_id: p.purchase_id,
                source: match p.item {
                    ItemRef::Tool(_) => EntitlementSource::Purchase,
                    ItemRef::Bundle(_) => EntitlementSource::Bundle,
                },
                granted_at: now(),
                until: None,
                ended_at: None,
            })
        })
        .collect();
    Holdings::new(purchases, &entitlements, now())
}

/// A catalog mock that serves `tools` and `bundles` by id (any number of times), and
/// third-party terms for every seller asked about. Write methods have no expectation, so
/// a test that does not add one fails if they are called.
pub(crate) fn catalog_serving(tools: Vec<Tool>, bundles: Vec<Bundle>) -> MockCatalogRepository {
    let mut c = MockCatalogRepository::new();
    let by_id = tools.clone();
    c.expect_tool()
        .returning(move |id| Ok(by_id.iter().find(|t| t.id == id).cloned()));
    c.expect_tools().returning(move |ids: &[ToolId]| {
        Ok(tools
            .iter()
            .filter(|t| ids.contains(&t.id))
            .cloned()
            .collect())
    });
    let by_id = bundles.clone();
    c.expect_bundle()
        .returning(move |id| Ok(by_id.iter().find(|b| b.id() == id).cloned()));
    c.expect_bundles().returning(move |ids: &[BundleId]| {
        Ok(bundles
            .iter()
            .filter(|b| ids.contains(&b.id()))
            .cloned()
            .collect())
    });
    c.expect_seller_terms()
        .returning(|ids: &[SellerId]| Ok(ids.iter().copied().map(third_party).collect()));
    c
}

/// Records the values a mock was called with, for assertions after the call.
#[derive(Debug)]
pub(crate) struct Calls<T>(Arc<Mutex<Vec<T>>>);

impl<T> Clone for Calls<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T: Clone> Calls<T> {
    pub(crate) fn new() -> Self {
        Self(Arc::new(Mutex::new(Vec::new())))
    }

    pub(crate) fn push(&self, value: T) {
        self.0.lock().unwrap().push(value);
    }

    pub(crate) fn all(&self) -> Vec<T> {
        self.0.lock().unwrap().clone()
    }

    /// The one recorded value; panics unless exactly one call was made.
    pub(crate) fn only(&self) -> T {
        let all = self.all();
        assert_eq!(all.len(), 1, "expected exactly one call");
        all[0].clone()
    }
}
