//! The domain's hot paths, measured with criterion: what every cart read, add-to-cart,
//! checkout, bundle sale and catalog query computes. No I/O: ports are not involved.
//!
//! `cargo bench -p marketplace-domain --bench hot_paths -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use chrono::{DateTime, Utc};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;
use uuid::Uuid;

use marketplace_domain::cart::{CartView, Purchasability, check_item};
use marketplace_domain::catalog::{
    Bundle, BundleParts, BundleStatus, BundleTool, CatalogSnapshot, IntegrationType, ItemName,
    ItemRef, Offer, PriceModel, Pricing, SortBy, SortOrder, Tool, ToolCategory, ToolFilter,
    ToolLinks, ToolQuery, ToolStats, ToolStatus, Version,
};
use marketplace_domain::entitlement::{Entitlement, EntitlementSource, HeldPurchase, Holdings};
use marketplace_domain::ids::{BundleId, EntitlementId, OrgId, PurchaseId, SellerId, ToolId};
use marketplace_domain::money::{Currency, Money};
use marketplace_domain::revenue::{FeeRate, SellerKind, SellerTerms, allocate, bundle_sale_lines};
use marketplace_domain::tier::Tier;

/// Unwraps a fixture value; a bench with broken fixtures has nothing to measure.
fn ok<T, E: std::fmt::Debug>(r: Result<T, E>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("benchmark fixture is invalid: {e:?}"),
    }
}

fn epoch() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH
}

fn seller(n: u128) -> SellerId {
    SellerId::from_uuid(Uuid::from_u128(0x5E11_0000 + n))
}

/// A one-time ACTIVE tool at `cents` USD from one of four sellers.
fn tool(n: u128, cents: i64) -> Tool {
    Tool {
        id: ToolId::from_uuid(Uuid::from_u128(n)),
        name: ok(ItemName::parse(&format!("Tool {n}"))),
        description: format!("The tool number {n} of the benchmark catalog"),
        long_description: None,
        category: ToolCategory::ALL[(n % 14) as usize],
        tags: Vec::new(),
        pricing: ok(Pricing::new(
            PriceModel::OneTime,
            Money::from_minor(cents, Currency::USD),
        )),
        required_tier: Tier::Growth,
        integration_type: IntegrationType::Api,
        status: ToolStatus::Active,
        seller_id: seller(n % 4),
        links: ToolLinks::default(),
        version: Version::default(),
        is_featured: false,
        stats: ToolStats::default(),
        created_at: epoch(),
        updated_at: epoch(),
    }
}

fn bundle(n: u128, cents: i64, tools: &[Tool]) -> Bundle {
    ok(Bundle::new(BundleParts {
        id: BundleId::from_uuid(Uuid::from_u128(n)),
        name: ok(ItemName::parse(&format!("Bundle {n}"))),
        description: String::new(),
        price: Money::from_minor(cents, Currency::USD),
        required_tier: Tier::Growth,
        status: BundleStatus::Active,
        tools: tools.iter().map(BundleTool::from).collect(),
        is_featured: false,
        purchase_count: 0,
        created_at: epoch(),
        updated_at: epoch(),
    }))
}

/// A full cart: 90 tools and 10 bundles of 4 tools each (bundle tools not in the cart).
fn hundred_offers() -> Vec<Offer> {
    let mut offers: Vec<Offer> = (1..=90)
        .map(|n| Offer::Tool(tool(n, 999 + 100 * n as i64)))
        .collect();
    for b in 0..10_u128 {
        let parts: Vec<Tool> = (0..4).map(|k| tool(1_000 + b * 4 + k, 2_500)).collect();
        offers.push(Offer::Bundle(bundle(5_000 + b, 7_999, &parts)));
    }
    offers
}

/// The org holds 20 tools directly and one bundle, none of them in the cart.
fn some_holdings() -> Holdings {
    let org = OrgId::from_uuid(Uuid::from_u128(1));
    let mut purchases: Vec<HeldPurchase> = (0..20_u128)
        .map(|i| HeldPurchase {
            purchase_id: PurchaseId::from_uuid(Uuid::from_u128(0x900 + i)),
            item: ItemRef::Tool(ToolId::from_uuid(Uuid::from_u128(2_000 + i))),
            tools: vec![ToolId::from_uuid(Uuid::from_u128(2_000 + i))],
            price_model: Some(PriceModel::OneTime),
        })
        .collect();
    purchases.push(HeldPurchase {
        purchase_id: PurchaseId::from_uuid(Uuid::from_u128(0x999)),
        item: ItemRef::Bundle(BundleId::from_uuid(Uuid::from_u128(6_000))),
        tools: (3_000..3_005)
            .map(|n| ToolId::from_uuid(Uuid::from_u128(n)))
            .collect(),
        price_model: None,
    });
    let entitlements: Vec<Entitlement> = purchases
        .iter()
        .flat_map(|p| {
            p.tools.iter().map(|t| Entitlement {
                id: EntitlementId::from_uuid(Uuid::new_v4()),
                org_id: org,
                tool_id: *t,
                purchase_id: p.purchase_id,
                source: EntitlementSource::Purchase,
                granted_at: epoch(),
                until: None,
                ended_at: None,
            })
        })
        .collect();
    Holdings::new(purchases, &entitlements, epoch())
}

fn bench_cart(c: &mut Criterion) {
    let offers = hundred_offers();
    // Lines in the reverse of the catalog's order: each lookup walks the offers.
    let lines: Vec<ItemRef> = offers.iter().rev().map(Offer::item).collect();
    c.bench_function("cart/price_100_lines", |b| {
        b.iter(|| CartView::price(black_box(&lines), black_box(&offers), Currency::USD));
    });

    let holdings = some_holdings();
    let ctx = Purchasability {
        tier: Tier::Elite,
        holdings: &holdings,
        others: &offers,
    };
    let last = &offers[89];
    c.bench_function("cart/check_item_100_lines", |b| {
        b.iter(|| check_item(black_box(last), black_box(&ctx)));
    });
    // R-O1: checkout re-checks every line of a full cart against the others.
    c.bench_function("checkout/recheck_all_100_lines", |b| {
        b.iter(|| {
            offers
                .iter()
                .map(|o| check_item(black_box(o), &ctx).is_ok())
                .filter(|ok| *ok)
                .count()
        });
    });
}

fn bench_revenue(c: &mut Criterion) {
    let parts: Vec<(ToolId, Money, SellerTerms)> = (0..54_u128)
        .map(|n| {
            let list = Money::from_minor(990 + 137 * n as i64, Currency::USD);
            let terms = SellerTerms {
                seller_id: seller(n % 6),
                kind: if n % 6 == 0 {
                    SellerKind::Platform
                } else {
                    SellerKind::ThirdParty
                },
                fee_rate: ok(FeeRate::new(Decimal::new(5 + (n % 6) as i64, 2))),
            };
            (ToolId::from_uuid(Uuid::from_u128(n + 1)), list, terms)
        })
        .collect();
    let weights: Vec<(ToolId, Money)> = parts.iter().map(|(t, m, _)| (*t, *m)).collect();
    let price = Money::from_minor(149_999, Currency::USD);
    c.bench_function("revenue/allocate_54_tools", |b| {
        b.iter(|| allocate(black_box(price), black_box(&weights)));
    });
    c.bench_function("revenue/bundle_sale_lines_54_tools", |b| {
        b.iter(|| bundle_sale_lines(black_box(price), black_box(&parts)));
    });
}

fn bench_catalog(c: &mut Criterion) {
    let query = ToolQuery {
        categories: vec![
            ToolCategory::LeadGeneration,
            ToolCategory::CrmTools,
            ToolCategory::AnalyticsTools,
            ToolCategory::CrmTools,
        ],
        tiers: vec![Tier::Growth, Tier::Elite],
        search: Some("  Lead Scoring for Realtors ".to_owned()),
        tags: ["AI", "leads", "CRM", "automation", "ai"]
            .into_iter()
            .map(str::to_owned)
            .collect(),
        price_min: Some(Decimal::new(999, 2)),
        price_max: Some(Decimal::new(49_999, 2)),
        statuses: vec![ToolStatus::Active, ToolStatus::Beta],
        featured: None,
        limit: Some(25),
        offset: Some(50),
        sort_by: Some(SortBy::Rating),
        sort_order: Some(SortOrder::Desc),
    };
    c.bench_function("catalog/filter_parse_full_query", |b| {
        b.iter_batched(
            || query.clone(),
            |q| ToolFilter::parse(black_box(q)),
            BatchSize::SmallInput,
        );
    });
}

/// The catalog in memory with 10,000 tools shaped like the HTTP load test's: the filtered
/// page of 50 that `scripts/bench-http.sh` asks for (two categories, ACTIVE, price 10 to 250,
/// offset 100, most purchased first), which walks every tool in order to count the total.
fn bench_catalog_snapshot(c: &mut Criterion) {
    let tools: Vec<Tool> = (1..=10_000_u128)
        .map(|n| {
            let mut t = tool(n, 500 + 100 * (n % 300) as i64);
            if n % 10 == 0 {
                t.status = ToolStatus::Beta;
            }
            t.stats.purchase_count = (n % 500) as u64;
            t
        })
        .collect();
    let snapshot = CatalogSnapshot::new(tools, Vec::new());
    let filter = ok(ToolFilter::parse(ToolQuery {
        categories: vec![ToolCategory::MarketIntelligence, ToolCategory::CrmTools],
        statuses: vec![ToolStatus::Active],
        price_min: Some(Decimal::from(10)),
        price_max: Some(Decimal::from(250)),
        limit: Some(50),
        offset: Some(100),
        sort_by: Some(SortBy::PurchaseCount),
        sort_order: Some(SortOrder::Desc),
        ..ToolQuery::default()
    }));
    c.bench_function("catalog/snapshot_filtered_page_of_50_in_10k", |b| {
        b.iter(|| snapshot.search_tools(black_box(&filter)));
    });
}

criterion_group!(
    hot_paths,
    bench_cart,
    bench_revenue,
    bench_catalog,
    bench_catalog_snapshot
);
criterion_main!(hot_paths);
