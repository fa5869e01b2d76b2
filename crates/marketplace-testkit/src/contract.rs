//! Port contract tests: what every implementation of the repository ports must do, as
//! async functions over [`ContractPorts`]. The in-memory fakes run them in this crate's
//! `tests/contract_fakes.rs`; the SeaORM adapter runs the very same functions against
//! SQLite and PostgreSQL.
//!
//! Each function seeds what it needs through the ports themselves (tools and bundles with
//! `insert_tool`/`insert_bundle`, orgs with `upsert`/`grant_credits`, sellers with the
//! small [`Seeder`]) using process-unique ids, and panics with a message naming the broken
//! rule. Rows already in the store (a seeded catalog) do not disturb them.

use std::collections::HashSet;
use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use marketplace_domain::cart::{Cart, CartLine, CartRepository};
use marketplace_domain::catalog::{
    Bundle, BundleStatus, CatalogRepository, IntegrationType, ItemRef, Offer, PageRequest,
    PriceModel, SortBy, SortOrder, Tool, ToolCategory, ToolFilter, ToolLinks, ToolQuery,
    ToolStatus, WebUrl, offers,
};
use marketplace_domain::checkout::{
    FulfilmentPlan, IdempotencyKey, Order, OrderLine, OrderRepository, OrderStatus, PaymentMethod,
    PaymentRef, PlacedOrder, fingerprint, plan_fulfilment,
};
use marketplace_domain::entitlement::{EntitlementSource, HoldingsRepository};
use marketplace_domain::ids::{OrderId, OrgId, ReviewId, SellerId, UserId};
use marketplace_domain::money::Money;
use marketplace_domain::org::OrgRepository;
use marketplace_domain::ports::{Conflict, RepoError};
use marketplace_domain::purchase::{
    Billing, Purchase, PurchaseEnd, PurchaseRepository, PurchaseStatus, RefundExtent, RefundPlan,
};
use marketplace_domain::revenue::{
    FeeRate, PostingKind, SellerKind, SellerTerms, refund_posting_after,
};
use marketplace_domain::review::{
    Decision, FLAG_THRESHOLD, FlagPlan, Rating, RatingSummary, Review, ReviewContent,
    ReviewRepository, ReviewStatus, ReviewTitle,
};
use marketplace_domain::tier::Tier;

use crate::builders::{self, BundleBuilder, ToolBuilder, dec, t0, unique_uuid, usd};
use crate::fakes::{Fakes, InMemoryStore, UniqueIds};

/// Seeds what no repository port writes: sellers (and, where the schema keeps them,
/// users).
#[async_trait]
pub trait Seeder: Send + Sync {
    /// Stores a seller with its revenue terms.
    async fn insert_seller(&self, terms: &SellerTerms) -> Result<(), RepoError>;

    /// Makes `user` a known user of `org`, for stores whose reviews, votes or carts refer
    /// to a users table. The default does nothing.
    async fn insert_user(&self, _user: UserId, _org: OrgId) -> Result<(), RepoError> {
        Ok(())
    }
}

#[async_trait]
impl Seeder for InMemoryStore {
    async fn insert_seller(&self, terms: &SellerTerms) -> Result<(), RepoError> {
        self.put_seller(*terms);
        Ok(())
    }
}

/// Every repository port under test, plus the seeder.
#[derive(Clone)]
#[allow(missing_debug_implementations)]
pub struct ContractPorts {
    pub catalog: Arc<dyn CatalogRepository>,
    pub carts: Arc<dyn CartRepository>,
    pub orgs: Arc<dyn OrgRepository>,
    pub orders: Arc<dyn OrderRepository>,
    pub purchases: Arc<dyn PurchaseRepository>,
    pub holdings: Arc<dyn HoldingsRepository>,
    pub reviews: Arc<dyn ReviewRepository>,
    pub seeder: Arc<dyn Seeder>,
}

impl ContractPorts {
    /// Every port over one in-memory store.
    #[must_use]
    pub fn over(store: &Arc<InMemoryStore>) -> Self {
        Self {
            catalog: store.clone(),
            carts: store.clone(),
            orgs: store.clone(),
            orders: store.clone(),
            purchases: store.clone(),
            holdings: store.clone(),
            reviews: store.clone(),
            seeder: store.clone(),
        }
    }

    /// Every port over the fakes' store.
    #[must_use]
    pub fn from_fakes(fakes: &Fakes) -> Self {
        Self::over(&fakes.store)
    }

    /// Every port over a fresh in-memory store.
    #[must_use]
    pub fn in_memory() -> Self {
        Self::over(&Arc::new(InMemoryStore::default()))
    }
}

/// Every contract function by name, for adapters that want to loop (each is also public).
pub const ALL: &[&str] = &[
    "catalog_round_trip",
    "catalog_search_agrees_with_reference",
    "carts_and_tenant_isolation",
    "place_idempotency_key_conflict",
    "place_with_credit_debit",
    "fulfil_stores_everything",
    "holdings_report_what_the_limits_count",
    "second_fulfil_is_stale",
    "conflicting_active_purchase_stores_nothing",
    "refund_partial_then_full",
    "renew_then_expire",
    "review_save_recomputes_rating",
    "rating_rounds_half_away_from_zero",
    "one_vote_and_one_flag_per_user",
];

// ---------------------------------------------------------------------------------------
// helpers

#[track_caller]
fn ok<T, E: Debug>(r: Result<T, E>, what: &str) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("contract: {what}: unexpected error {e:?}"),
    }
}

#[track_caller]
fn some<T>(o: Option<T>, what: &str) -> T {
    o.unwrap_or_else(|| panic!("contract: {what}: expected a value, got none"))
}

fn at() -> DateTime<Utc> {
    t0()
}

async fn seller(p: &ContractPorts, kind: SellerKind, rate: &str) -> SellerId {
    let terms = SellerTerms {
        seller_id: SellerId::from_uuid(unique_uuid()),
        kind,
        fee_rate: ok(FeeRate::new(dec(rate)), "fee rate"),
    };
    ok(p.seeder.insert_seller(&terms).await, "insert_seller");
    terms.seller_id
}

async fn platform(p: &ContractPorts) -> SellerId {
    seller(p, SellerKind::Platform, "0.05").await
}

async fn tool(
    p: &ContractPorts,
    seller: SellerId,
    f: impl FnOnce(ToolBuilder) -> ToolBuilder,
) -> Tool {
    let tool = f(ToolBuilder::new().seller(seller)).build();
    ok(p.catalog.insert_tool(&tool).await, "insert_tool");
    tool
}

async fn bundle(p: &ContractPorts, b: BundleBuilder) -> Bundle {
    let bundle = b.build();
    ok(p.catalog.insert_bundle(&bundle).await, "insert_bundle");
    bundle
}

async fn org(p: &ContractPorts, tier: Tier, credits: &str) -> OrgId {
    let id = builders::org_id();
    ok(p.orgs.upsert(id, "Contract Org", tier).await, "upsert org");
    let credits = usd(credits);
    if !credits.is_zero() {
        ok(p.orgs.grant_credits(id, credits).await, "grant_credits");
    }
    id
}

async fn user(p: &ContractPorts, org: OrgId) -> UserId {
    let user = builders::user_id();
    ok(p.seeder.insert_user(user, org).await, "insert_user");
    user
}

async fn live(p: &ContractPorts, items: &[ItemRef]) -> Vec<Offer> {
    let live = ok(offers(p.catalog.as_ref(), items).await, "offers");
    assert_eq!(
        live.len(),
        items.len(),
        "contract: every item must be in the catalog"
    );
    live
}

/// A PENDING_PAYMENT order of `items` at their live prices.
async fn order(
    p: &ContractPorts,
    org: OrgId,
    user: UserId,
    items: &[ItemRef],
    method: PaymentMethod,
) -> Order {
    let live = live(p, items).await;
    let lines: Vec<OrderLine> = items
        .iter()
        .filter_map(|i| live.iter().find(|o| o.item() == *i))
        .map(|o| OrderLine {
            item: o.item(),
            name: o.name().to_string(),
            price_at_purchase: o.price(),
        })
        .collect();
    ok(
        Order::place(
            OrderId::from_uuid(unique_uuid()),
            org,
            user,
            method,
            lines,
            at(),
        ),
        "order",
    )
}

/// The domain's fulfilment plan of `order`, from what the ports hold now.
async fn plan(p: &ContractPorts, order: &Order, now: DateTime<Utc>) -> FulfilmentPlan {
    let items: Vec<ItemRef> = order.lines().iter().map(|l| l.item).collect();
    let live = live(p, &items).await;
    let mut sellers: Vec<SellerId> = live
        .iter()
        .flat_map(|o| match o {
            Offer::Tool(t) => vec![t.seller_id],
            Offer::Bundle(b) => b.tools().iter().map(|t| t.seller_id).collect(),
        })
        .collect();
    sellers.sort_unstable();
    sellers.dedup();
    let terms = ok(p.catalog.seller_terms(&sellers).await, "seller_terms");
    let holdings = ok(p.holdings.holdings(order.org_id(), now).await, "holdings");
    ok(
        plan_fulfilment(order, &live, &terms, &holdings, &UniqueIds, now),
        "plan_fulfilment",
    )
}

fn key(text: &str) -> IdempotencyKey {
    ok(IdempotencyKey::parse(text), "idempotency key")
}

fn placed(order: &Order, key_text: &str) -> PlacedOrder {
    let items: Vec<ItemRef> = order.lines().iter().map(|l| l.item).collect();
    PlacedOrder {
        order: order.clone(),
        key: key(key_text),
        fingerprint: fingerprint(&items, order.payment_method()),
        credit_debit: None,
        fulfilment: None,
    }
}

/// Places `order` as paid at once with credits, fulfilled in the same call.
async fn place_paid(p: &ContractPorts, order: &Order, key_text: &str) -> FulfilmentPlan {
    let plan = plan(p, order, at()).await;
    let mut fulfilled = order.clone();
    ok(fulfilled.fulfil(at()), "fulfil");
    let mut placed = placed(&fulfilled, key_text);
    placed.credit_debit = (!order.total().is_zero()).then_some(order.total());
    placed.fulfilment = Some(plan.clone());
    ok(p.orders.place(&placed).await, "place a paid order");
    plan
}

async fn purchase_of(p: &ContractPorts, org: OrgId, item: ItemRef) -> Purchase {
    let all = ok(p.purchases.list(org, None).await, "purchases.list");
    some(
        all.into_iter().find(|x| x.item() == item),
        "the purchase of the item",
    )
}

async fn credits(p: &ContractPorts, org: OrgId) -> Money {
    some(ok(p.orgs.get(org).await, "orgs.get"), "the org").credits()
}

// ---------------------------------------------------------------------------------------
// catalog

/// R-C1, R-C4, R-T4: a tool and a bundle come back with every field; bundles carry their
/// tools' live prices; updates keep the counters; ids are unique.
pub async fn catalog_round_trip(p: &ContractPorts) {
    let third = seller(p, SellerKind::ThirdParty, "0.12").await;
    let links = ToolLinks {
        documentation: Some(ok(
            WebUrl::parse("documentation_url", "https://docs.example.com/a"),
            "url",
        )),
        demo: Some(ok(
            WebUrl::parse("demo_url", "http://demo.example.com"),
            "url",
        )),
        support: Some(ok(
            WebUrl::parse("support_url", "https://example.com/help?x=1"),
            "url",
        )),
        icon: Some(ok(
            WebUrl::parse("icon_url", "https://cdn.example.com/i.png"),
            "url",
        )),
    };
    let full = tool(p, third, |b| {
        b.named("Lead Scoring Pro")
            .description("Scores leads.")
            .long_description("A long description\nwith lines.")
            .category(ToolCategory::CrmTools)
            .tags(&["crm", "ai", "scoring"])
            .monthly()
            .price("49.99")
            .tier(Tier::Growth)
            .integration(IntegrationType::N8nWorkflow)
            .status(ToolStatus::Beta)
            .links(links)
            .version("2.1.0-beta.1")
            .featured()
            .purchases(7)
            .views(42)
            .rating("4.25", 4)
            .created_at(at() - Duration::days(30))
            .updated_at(at() - Duration::days(2))
    })
    .await;
    let bare = tool(p, third, |b| b.free().named("Bare")).await;
    let got = some(ok(p.catalog.tool(full.id).await, "tool"), "the stored tool");
    assert_eq!(
        got, full,
        "contract R-C1: a tool must round-trip every field"
    );
    let got = some(ok(p.catalog.tool(bare.id).await, "tool"), "the stored tool");
    assert_eq!(
        got, bare,
        "contract R-C1: a tool without options must round-trip"
    );
    let unknown = ToolBuilder::new().build().id;
    assert_eq!(
        ok(p.catalog.tool(unknown).await, "tool"),
        None,
        "unknown tool is None"
    );
    let mut both = ok(p.catalog.tools(&[full.id, unknown, bare.id]).await, "tools");
    both.sort_by_key(|t| t.id);
    let mut want = vec![full.clone(), bare.clone()];
    want.sort_by_key(|t| t.id);
    assert_eq!(
        both, want,
        "contract: tools() returns the known ones, unknown left out"
    );

    let dup = ok(
        p.catalog
            .insert_tool(&full)
            .await
            .map(|()| "stored")
            .or_else(|e| match e {
                RepoError::Conflict(_) => Ok("conflict"),
                other => Err(other),
            }),
        "insert_tool twice",
    );
    assert_eq!(
        dup, "conflict",
        "contract: inserting a taken tool id is a Conflict"
    );

    let terms = ok(p.catalog.seller_terms(&[third]).await, "seller_terms");
    assert_eq!(terms.len(), 1, "contract: seller_terms of a known seller");
    assert_eq!(terms[0].kind, SellerKind::ThirdParty);
    assert_eq!(terms[0].fee_rate.value(), dec("0.12"));

    // A bundle over three tools, every field.
    let a = tool(p, third, |b| b.price("40.00")).await;
    let c = tool(p, third, |b| b.price("60.00")).await;
    let bundle = bundle(
        p,
        BundleBuilder::over(&[&c, &a, &full])
            .named("Growth Suite")
            .description("Everything to grow.")
            .price("120.00")
            .tier(Tier::Elite)
            .status(BundleStatus::Draft)
            .featured()
            .purchases(3)
            .created_at(at() - Duration::days(9)),
    )
    .await;
    let got = some(
        ok(p.catalog.bundle(bundle.id()).await, "bundle"),
        "the stored bundle",
    );
    assert_eq!(
        got, bundle,
        "contract R-C4: a bundle must round-trip every field, tools in display order"
    );
    let got = ok(p.catalog.bundles(&[bundle.id()]).await, "bundles");
    assert_eq!(got, vec![bundle.clone()], "contract: bundles() returns it");

    // Live prices: a tool's new price shows in the bundle; counters survive an update.
    let mut cheaper = a.clone();
    cheaper.pricing = ok(
        marketplace_domain::catalog::Pricing::new(a.pricing.model(), usd("35.00")),
        "pricing",
    );
    cheaper.stats.purchase_count = 999;
    cheaper.updated_at = at();
    ok(p.catalog.update_tool(&cheaper).await, "update_tool");
    let stored = some(ok(p.catalog.tool(a.id).await, "tool"), "tool");
    assert_eq!(
        stored.price(),
        usd("35.00"),
        "contract: update_tool changes the price"
    );
    assert_eq!(
        stored.stats, a.stats,
        "contract: update_tool keeps the stored counters"
    );
    let got = some(ok(p.catalog.bundle(bundle.id()).await, "bundle"), "bundle");
    let shown = some(
        got.tools().iter().find(|t| t.tool_id == a.id),
        "the tool in the bundle",
    );
    assert_eq!(
        shown.price,
        usd("35.00"),
        "contract: a bundle's tools carry live prices"
    );
    assert_eq!(
        got.list_price().amount(),
        dec("144.99"),
        "contract R-C4: list price from live prices"
    );

    // Status filter of list_bundles.
    let active = bundle_listed(p, &[BundleStatus::Active], bundle.id()).await;
    let drafts = bundle_listed(p, &[BundleStatus::Draft], bundle.id()).await;
    let any = bundle_listed(p, &[], bundle.id()).await;
    assert!(
        !active && drafts && any,
        "contract: list_bundles filters by status (empty = all)"
    );
}

async fn bundle_listed(
    p: &ContractPorts,
    statuses: &[BundleStatus],
    id: marketplace_domain::ids::BundleId,
) -> bool {
    let mut offset = 0;
    loop {
        let page = ok(
            p.catalog
                .list_bundles(
                    statuses,
                    ok(PageRequest::new(Some(100), Some(offset)), "page"),
                )
                .await,
            "list_bundles",
        );
        if page.items.iter().any(|b| b.id() == id) {
            return true;
        }
        offset += 100;
        if offset >= page.total {
            return false;
        }
    }
}

/// Every tool in the store, read through `search_tools` page by page (name order).
async fn every_tool(p: &ContractPorts) -> Vec<Tool> {
    let mut all = Vec::new();
    let mut offset = 0;
    loop {
        let filter = ok(
            ToolFilter::parse(ToolQuery {
                limit: Some(100),
                offset: Some(offset),
                sort_by: Some(SortBy::CreatedAt),
                sort_order: Some(SortOrder::Asc),
                ..ToolQuery::default()
            }),
            "filter",
        );
        let page = ok(p.catalog.search_tools(&filter).await, "search_tools");
        let n = page.items.len() as u64;
        all.extend(page.items);
        offset += n;
        if n == 0 || offset >= page.total {
            assert_eq!(
                all.len() as u64,
                page.total,
                "contract R-C5: paging must reach the total"
            );
            break;
        }
    }
    let ids: HashSet<_> = all.iter().map(|t| t.id).collect();
    assert_eq!(
        ids.len(),
        all.len(),
        "contract R-C5: no tool may appear on two pages"
    );
    all
}

/// R-C5: `search_tools` agrees with [`ToolFilter::matches`] and [`ToolFilter::compare`]
/// over a generated catalog, for many filters and every sort, page by page without repeat
/// or gap, with the right total.
pub async fn catalog_search_agrees_with_reference(p: &ContractPorts) {
    let s = platform(p).await;
    let names = [
        "Lead Finder",
        "lead finder",
        "Alpha Leads",
        "beta scorer",
        "Zeta",
        "CRM Sync",
        "crm sync",
        "Mail Blast",
        "Doc Parser",
        "Booking Bot",
        "Leadership Coach",
        "Atlas",
    ];
    let categories = [
        ToolCategory::LeadGeneration,
        ToolCategory::CrmTools,
        ToolCategory::Communication,
    ];
    let tiers = [Tier::Free, Tier::Starter, Tier::Growth, Tier::Elite];
    let statuses = [
        ToolStatus::Active,
        ToolStatus::Beta,
        ToolStatus::Deprecated,
        ToolStatus::ComingSoon,
    ];
    let prices = ["5.00", "10.00", "10.00", "19.99", "20.00", "99.50"];
    let tag_sets: [&[&str]; 4] = [&["crm"], &["ai", "email"], &[], &["CRM", "scoring"]];
    let ratings = [None, Some("4.50"), Some("3.00"), Some("4.50")];
    for i in 0..36_usize {
        let name = format!("{} {}", names[i % names.len()], i % 5);
        let rating = ratings[i % ratings.len()];
        tool(p, s, |b| {
            let b = b
                .named(&name)
                .description(if i % 4 == 0 {
                    "Finds LEADS fast"
                } else {
                    "Plain text"
                })
                .category(categories[i % categories.len()])
                .tier(tiers[i % tiers.len()])
                .status(statuses[(i / 2) % statuses.len()])
                .tags(tag_sets[i % tag_sets.len()])
                .purchases([0, 3, 3, 10][i % 4])
                .created_at(at() - Duration::days(i64::try_from(i % 6).unwrap_or(0)));
            let b = if i % 9 == 0 {
                b.free()
            } else {
                b.price(prices[i % prices.len()])
            };
            match rating {
                Some(r) => b.rating(r, 2),
                None => b,
            }
        })
        .await;
    }
    let universe = every_tool(p).await;

    let q = ToolQuery::default;
    let mut queries: Vec<ToolQuery> = vec![
        q(),
        ToolQuery {
            categories: vec![ToolCategory::CrmTools],
            ..q()
        },
        ToolQuery {
            categories: vec![ToolCategory::CrmTools, ToolCategory::Communication],
            ..q()
        },
        ToolQuery {
            tiers: vec![Tier::Growth, Tier::Elite],
            ..q()
        },
        ToolQuery {
            search: Some("lead".into()),
            ..q()
        },
        ToolQuery {
            search: Some("  LEADS ".into()),
            ..q()
        },
        ToolQuery {
            search: Some("crm sync".into()),
            ..q()
        },
        ToolQuery {
            tags: vec!["crm".into()],
            ..q()
        },
        ToolQuery {
            tags: vec!["Scoring".into(), "email".into()],
            ..q()
        },
        ToolQuery {
            price_min: Some(dec("10.00")),
            price_max: Some(dec("20.00")),
            ..q()
        },
        ToolQuery {
            price_min: Some(dec("10")),
            price_max: Some(dec("10")),
            ..q()
        },
        ToolQuery {
            price_max: Some(dec("0")),
            ..q()
        },
        ToolQuery {
            statuses: vec![ToolStatus::Beta, ToolStatus::Deprecated],
            ..q()
        },
        ToolQuery {
            categories: vec![ToolCategory::LeadGeneration],
            statuses: vec![ToolStatus::Active, ToolStatus::Beta],
            search: Some("lead".into()),
            price_min: Some(dec("1")),
            ..q()
        },
        ToolQuery {
            search: Some("no such tool anywhere".into()),
            ..q()
        },
    ];
    for sort_by in SortBy::ALL {
        for sort_order in SortOrder::ALL {
            queries.push(ToolQuery {
                sort_by: Some(*sort_by),
                sort_order: Some(*sort_order),
                ..q()
            });
            queries.push(ToolQuery {
                sort_by: Some(*sort_by),
                sort_order: Some(*sort_order),
                statuses: vec![ToolStatus::Active, ToolStatus::Beta],
                ..q()
            });
        }
    }
    for query in queries {
        for limit in [1_u32, 7, 100] {
            let base = ok(
                ToolFilter::parse(ToolQuery {
                    limit: Some(limit),
                    ..query.clone()
                }),
                "filter",
            );
            let mut expected: Vec<&Tool> = universe.iter().filter(|t| base.matches(t)).collect();
            expected.sort_by(|a, b| base.compare(a, b));
            let want: Vec<_> = expected.iter().map(|t| t.id).collect();
            let mut got = Vec::new();
            let mut offset = 0_u64;
            loop {
                let filter = ToolFilter {
                    page: ok(PageRequest::new(Some(limit), Some(offset)), "page"),
                    ..base.clone()
                };
                let page = ok(p.catalog.search_tools(&filter).await, "search_tools");
                assert_eq!(
                    page.total,
                    want.len() as u64,
                    "contract R-C5: total for {query:?}"
                );
                assert_eq!(
                    (page.limit, page.offset),
                    (limit, offset),
                    "contract R-C5: page echoes its request"
                );
                assert!(
                    page.items.len() <= limit as usize,
                    "contract R-C5: at most `limit` items"
                );
                got.extend(page.items.iter().map(|t| t.id));
                offset += u64::from(limit);
                if offset >= page.total {
                    break;
                }
            }
            assert_eq!(
                got, want,
                "contract R-C5: search_tools disagrees with ToolFilter::matches/compare for {query:?} limit {limit}"
            );
            if limit == 100 {
                for (t, w) in got.iter().zip(&expected) {
                    assert_eq!(*t, w.id);
                }
            }
        }
    }
    // Past the end: an empty page that still says the total.
    let filter = ok(
        ToolFilter::parse(ToolQuery {
            offset: Some(10_000),
            ..q()
        }),
        "filter",
    );
    let page = ok(p.catalog.search_tools(&filter).await, "search_tools");
    assert!(
        page.items.is_empty(),
        "contract R-C5: a page past the end is empty"
    );
    assert_eq!(
        page.total,
        universe.len() as u64,
        "contract R-C5: and still says the total"
    );
}

// ---------------------------------------------------------------------------------------
// carts, orders and tenancy

/// R-K1, R-T3: a cart saves and loads line for line; another org (or user) never sees it,
/// nor the org's orders, purchases or entitlements.
pub async fn carts_and_tenant_isolation(p: &ContractPorts) {
    let s = platform(p).await;
    let t1 = tool(p, s, |b| b.price("10.00")).await;
    let t2 = tool(p, s, |b| b.price("12.50")).await;
    let org_a = org(p, Tier::Elite, "100.00").await;
    let org_b = org(p, Tier::Elite, "100.00").await;
    let ua = user(p, org_a).await;

    let empty = ok(p.carts.load(org_a, ua).await, "load absent cart");
    assert!(empty.is_empty(), "contract: an absent cart is an empty one");
    let lines = vec![
        CartLine {
            item: ItemRef::Tool(t2.id),
            added_at: at() - Duration::minutes(5),
        },
        CartLine {
            item: ItemRef::Tool(t1.id),
            added_at: at(),
        },
    ];
    ok(
        p.carts.save(&Cart::restore(org_a, ua, lines.clone())).await,
        "save cart",
    );
    let got = ok(p.carts.load(org_a, ua).await, "load cart");
    assert_eq!(
        got.lines(),
        lines.as_slice(),
        "contract R-K1: lines round-trip in order"
    );
    assert!(
        ok(p.carts.load(org_b, ua).await, "load").is_empty(),
        "contract R-T3: another org never sees the cart"
    );
    let other = user(p, org_a).await;
    assert!(
        ok(p.carts.load(org_a, other).await, "load").is_empty(),
        "contract R-K1: one cart per (org, user)"
    );
    let fewer = vec![lines[1]];
    ok(
        p.carts.save(&Cart::restore(org_a, ua, fewer.clone())).await,
        "save",
    );
    assert_eq!(
        ok(p.carts.load(org_a, ua).await, "load").lines(),
        fewer.as_slice(),
        "contract: save replaces the lines"
    );

    // An order, purchases and entitlements in org A.
    let o = order(
        p,
        org_a,
        ua,
        &[ItemRef::Tool(t1.id)],
        PaymentMethod::PlatformCredits,
    )
    .await;
    let plan = place_paid(p, &o, "iso-key").await;
    let pid = plan.purchases[0].id();
    assert!(
        ok(p.orders.get(org_a, o.id()).await, "get").is_some(),
        "contract: the org sees its order"
    );
    assert_eq!(
        ok(p.orders.get(org_b, o.id()).await, "get"),
        None,
        "contract R-T3: another org's order is not found"
    );
    assert!(
        ok(p.orders.list(org_b, PageRequest::default()).await, "list")
            .items
            .iter()
            .all(|x| x.org_id() == org_b),
        "contract R-T3: list shows only the org's orders"
    );
    assert_eq!(
        ok(p.orders.list(org_a, PageRequest::default()).await, "list").total,
        1,
        "contract: the org lists its one order"
    );
    assert_eq!(
        ok(
            p.orders.find_by_key(org_b, &key("iso-key")).await,
            "find_by_key"
        ),
        None,
        "contract R-O2/R-T3: keys are per org"
    );
    assert!(
        ok(p.purchases.get(org_a, pid).await, "get").is_some(),
        "contract: the org sees its purchase"
    );
    assert_eq!(
        ok(p.purchases.get(org_b, pid).await, "get"),
        None,
        "contract R-T3: another org's purchase is not found"
    );
    assert!(
        ok(p.purchases.list(org_b, None).await, "list").is_empty(),
        "contract R-T3: another org lists no purchases"
    );
    assert!(
        ok(p.holdings.entitlements(org_b, at()).await, "entitlements").is_empty(),
        "contract R-T3: another org has no entitlements"
    );
    let hb = ok(p.holdings.holdings(org_b, at()).await, "holdings");
    assert!(
        !hb.holds_tool(t1.id) && hb.purchases().is_empty(),
        "contract R-T3: another org holds nothing"
    );
    let ha = ok(p.holdings.holdings(org_a, at()).await, "holdings");
    assert!(
        ha.holds_tool(t1.id),
        "contract R-E3: the buying org holds the tool"
    );

    // The same key in org B is a different key.
    let ub = user(p, org_b).await;
    let ob = order(
        p,
        org_b,
        ub,
        &[ItemRef::Tool(t1.id)],
        PaymentMethod::Invoice,
    )
    .await;
    ok(
        p.orders.place(&placed(&ob, "iso-key")).await,
        "contract R-O2: the same key in another org is free",
    );
}

/// R-O2: an idempotency key is unique per org; the loser is not stored.
pub async fn place_idempotency_key_conflict(p: &ContractPorts) {
    let s = platform(p).await;
    let t = tool(p, s, |b| b.price("25.00")).await;
    let org = org(p, Tier::Elite, "0").await;
    let u = user(p, org).await;
    let first = order(p, org, u, &[ItemRef::Tool(t.id)], PaymentMethod::Invoice).await;
    let first_placed = placed(&first, "key-1");
    ok(p.orders.place(&first_placed).await, "place");
    let keyed = some(
        ok(
            p.orders.find_by_key(org, &key("key-1")).await,
            "find_by_key",
        ),
        "the keyed order",
    );
    assert_eq!(
        keyed.order, first,
        "contract R-O1: the order round-trips every field"
    );
    assert_eq!(
        keyed.fingerprint, first_placed.fingerprint,
        "contract R-O2: the fingerprint is kept"
    );
    assert_eq!(
        some(ok(p.orders.find(first.id()).await, "find"), "find"),
        first
    );

    let second = order(p, org, u, &[ItemRef::Tool(t.id)], PaymentMethod::Invoice).await;
    match p.orders.place(&placed(&second, "key-1")).await {
        Err(RepoError::Conflict(Conflict::IdempotencyKey)) => {}
        other => {
            panic!("contract R-O2: a taken key must be Conflict(IdempotencyKey), got {other:?}")
        }
    }
    assert_eq!(
        ok(p.orders.get(org, second.id()).await, "get"),
        None,
        "contract: the refused order is not stored"
    );
    ok(
        p.orders.place(&placed(&second, "key-2")).await,
        "another key is free",
    );

    // Attaching a payment and moving states.
    let pay = PaymentRef {
        reference: format!("pi_{}", second.id()),
        client_secret: Some("secret".into()),
    };
    ok(
        p.orders.attach_payment(second.id(), &pay).await,
        "attach_payment",
    );
    let found = some(
        ok(
            p.orders.find_by_payment(&pay.reference).await,
            "find_by_payment",
        ),
        "by payment",
    );
    assert_eq!(
        (found.id(), found.payment().cloned()),
        (second.id(), Some(pay)),
        "contract: the payment is attached"
    );
    ok(
        p.orders
            .transition(
                second.id(),
                OrderStatus::PendingPayment,
                OrderStatus::Cancelled,
                None,
                at(),
            )
            .await,
        "transition",
    );
    match p
        .orders
        .transition(
            second.id(),
            OrderStatus::PendingPayment,
            OrderStatus::Failed,
            Some("x".into()),
            at(),
        )
        .await
    {
        Err(RepoError::Stale(_)) => {}
        other => panic!(
            "contract: a transition from a state the order left must be Stale, got {other:?}"
        ),
    }
    let got = some(ok(p.orders.get(org, second.id()).await, "get"), "order");
    assert_eq!(
        got.status(),
        OrderStatus::Cancelled,
        "contract: the stale transition changed nothing"
    );
}

/// R-O3: credits are debited with the order; a debit beyond the balance is
/// `InsufficientCredits` and stores nothing.
pub async fn place_with_credit_debit(p: &ContractPorts) {
    let s = platform(p).await;
    let t = tool(p, s, |b| b.price("30.00")).await;
    let t2 = tool(p, s, |b| b.price("30.00")).await;
    let org = org(p, Tier::Elite, "50.00").await;
    let u = user(p, org).await;
    let o = order(
        p,
        org,
        u,
        &[ItemRef::Tool(t.id)],
        PaymentMethod::PlatformCredits,
    )
    .await;
    place_paid(p, &o, "credits-1").await;
    assert_eq!(
        credits(p, org).await,
        usd("20.00"),
        "contract R-O3: 30.00 debited from 50.00"
    );
    let stored = some(ok(p.orders.get(org, o.id()).await, "get"), "order");
    assert_eq!(
        stored.status(),
        OrderStatus::Fulfilled,
        "contract R-O3: paid at once and fulfilled"
    );

    let before_cart = vec![CartLine {
        item: ItemRef::Tool(t2.id),
        added_at: at(),
    }];
    ok(
        p.carts
            .save(&Cart::restore(org, u, before_cart.clone()))
            .await,
        "save cart",
    );
    let o2 = order(
        p,
        org,
        u,
        &[ItemRef::Tool(t2.id)],
        PaymentMethod::PlatformCredits,
    )
    .await;
    let plan2 = plan(p, &o2, at()).await;
    let mut fulfilled = o2.clone();
    ok(fulfilled.fulfil(at()), "fulfil");
    let mut too_much = placed(&fulfilled, "credits-2");
    too_much.credit_debit = Some(o2.total());
    too_much.fulfilment = Some(plan2);
    match p.orders.place(&too_much).await {
        Err(RepoError::InsufficientCredits) => {}
        other => panic!(
            "contract R-O3: a debit beyond the balance must be InsufficientCredits, got {other:?}"
        ),
    }
    assert_eq!(
        credits(p, org).await,
        usd("20.00"),
        "contract R-O3: the balance is unchanged"
    );
    assert_eq!(
        ok(p.orders.get(org, o2.id()).await, "get"),
        None,
        "contract R-O3: no order stored"
    );
    assert_eq!(
        ok(
            p.orders.find_by_key(org, &key("credits-2")).await,
            "find_by_key"
        ),
        None,
        "contract R-O3: the key stays free"
    );
    assert!(
        ok(p.purchases.list(org, None).await, "list")
            .iter()
            .all(|x| x.item() != ItemRef::Tool(t2.id)),
        "contract R-O3: no purchase stored"
    );
    assert!(
        !ok(p.holdings.holdings(org, at()).await, "holdings").holds_tool(t2.id),
        "contract R-O3: no entitlement stored"
    );
    assert_eq!(
        ok(p.carts.load(org, u).await, "load").lines(),
        before_cart.as_slice(),
        "contract R-O3: the cart is untouched"
    );
    let t2_now = some(ok(p.catalog.tool(t2.id).await, "tool"), "tool");
    assert_eq!(
        t2_now.stats.purchase_count, 0,
        "contract R-O3: no counter moved"
    );
}

/// R-O4, R-E1, R-M5: a fulfilment stores purchases, entitlements and postings, bumps one
/// counter per purchase and removes the bought lines from the cart.
pub async fn fulfil_stores_everything(p: &ContractPorts) {
    let own = platform(p).await;
    let third = seller(p, SellerKind::ThirdParty, "0.10").await;
    let t1 = tool(p, third, |b| b.price("20.00").purchases(4)).await;
    let t2 = tool(p, own, |b| b.price("9.99").monthly()).await;
    let t3 = tool(p, third, |b| b.price("40.00")).await;
    let t4 = tool(p, own, |b| b.price("60.00")).await;
    let t5 = tool(p, own, |b| b.price("5.00")).await;
    let b = bundle(p, BundleBuilder::over(&[&t3, &t4]).price("80.00")).await;
    let org = org(p, Tier::Elite, "0").await;
    let u = user(p, org).await;
    let items = [
        ItemRef::Tool(t1.id),
        ItemRef::Tool(t2.id),
        ItemRef::Bundle(b.id()),
    ];
    let mut lines: Vec<CartLine> = items
        .iter()
        .map(|i| CartLine {
            item: *i,
            added_at: at(),
        })
        .collect();
    lines.push(CartLine {
        item: ItemRef::Tool(t5.id),
        added_at: at(),
    });
    ok(
        p.carts.save(&Cart::restore(org, u, lines)).await,
        "save cart",
    );
    let o = order(p, org, u, &items, PaymentMethod::Invoice).await;
    ok(p.orders.place(&placed(&o, "fulfil-1")).await, "place");
    let now = at() + Duration::hours(1);
    let plan = plan(p, &o, now).await;
    ok(p.orders.fulfil(&plan).await, "fulfil");

    let stored = some(ok(p.orders.get(org, o.id()).await, "get"), "order");
    assert_eq!(
        stored.status(),
        OrderStatus::Fulfilled,
        "contract R-O4: the order is FULFILLED"
    );
    let mut purchases = ok(p.purchases.list(org, None).await, "list");
    purchases.sort_by_key(|x| x.id());
    let mut want = plan.purchases.clone();
    want.sort_by_key(|x| x.id());
    assert_eq!(
        purchases, want,
        "contract R-O4: every purchase stored, every field"
    );
    let monthly = some(
        purchases.iter().find(|x| x.item() == ItemRef::Tool(t2.id)),
        "monthly purchase",
    );
    assert!(
        matches!(monthly.billing(), Billing::Recurring { .. }),
        "contract R-R1: a monthly tool is a recurring purchase"
    );
    let active = ok(
        p.purchases.list(org, Some(PurchaseStatus::Active)).await,
        "list active",
    );
    assert_eq!(active.len(), 3, "contract: the status filter of list");
    assert!(
        ok(
            p.purchases.list(org, Some(PurchaseStatus::Refunded)).await,
            "list"
        )
        .is_empty()
    );
    // A page is the store's cut of the same order as the whole list, with the count of all.
    let newest_first = ok(p.purchases.list(org, None).await, "list");
    for offset in [0, 2, 4] {
        let request = some(
            PageRequest::new(Some(2), Some(offset)).ok(),
            "a page request",
        );
        let page = ok(p.purchases.page(org, None, request).await, "page");
        assert_eq!(
            (page.total, page.limit, page.offset),
            (newest_first.len() as u64, 2, offset),
            "contract: a page of purchases counts every match"
        );
        assert_eq!(
            page.items,
            newest_first
                .iter()
                .skip(offset as usize)
                .take(2)
                .cloned()
                .collect::<Vec<_>>(),
            "contract: a page of purchases is the list's cut at {offset}"
        );
    }
    let active_page = ok(
        p.purchases
            .page(org, Some(PurchaseStatus::Active), PageRequest::default())
            .await,
        "page active",
    );
    assert_eq!(
        (active_page.total, active_page.items.len()),
        (3, 3),
        "contract: the status filter of a page"
    );

    let oldest_first = ok(p.holdings.entitlements(org, now).await, "entitlements");
    for offset in [0, 3] {
        let request = some(
            PageRequest::new(Some(3), Some(offset)).ok(),
            "a page request",
        );
        let page = ok(
            p.holdings.entitlement_page(org, now, request).await,
            "entitlement page",
        );
        assert_eq!(
            page.total,
            oldest_first.len() as u64,
            "contract: a page of entitlements counts all in force"
        );
        assert_eq!(
            page.items,
            oldest_first
                .iter()
                .skip(offset as usize)
                .take(3)
                .cloned()
                .collect::<Vec<_>>(),
            "contract: a page of entitlements is the list's cut at {offset}"
        );
    }

    let mut ents = ok(p.holdings.entitlements(org, now).await, "entitlements");
    ents.sort_by_key(|e| e.id);
    let mut want = plan.entitlements.clone();
    want.sort_by_key(|e| e.id);
    assert_eq!(
        ents, want,
        "contract R-E1: every entitlement stored, every field"
    );
    assert_eq!(
        ents.len(),
        4,
        "contract R-E1: t1, t2 and one per bundle tool"
    );
    assert_eq!(
        ents.iter()
            .filter(|e| e.source == EntitlementSource::Bundle)
            .count(),
        2
    );
    let h = ok(p.holdings.holdings(org, now).await, "holdings");
    for t in [t1.id, t2.id, t3.id, t4.id] {
        assert!(
            h.holds_tool(t),
            "contract R-E3: the org holds every bought tool"
        );
    }
    assert!(
        !h.holds_tool(t5.id),
        "contract R-E3: not what it did not buy"
    );
    assert!(h.holds_bundle(b.id()), "contract R-E3: and the bundle");
    assert_eq!(
        (h.paid_tools(), h.bundles()),
        (2, 1),
        "contract R-S2: held counts"
    );
    let later = monthly
        .billing()
        .paid_until()
        .map(|u| u + Duration::seconds(1));
    let after = ok(
        p.holdings.holdings(org, some(later, "period end")).await,
        "holdings",
    );
    assert!(
        !after.holds_tool(t2.id),
        "contract R-R2: a lapsed period's entitlement is not in force"
    );
    assert!(
        after.holds_tool(t1.id),
        "contract R-E3: one-time entitlements stay in force"
    );

    for purchase in &plan.purchases {
        let postings = ok(p.purchases.postings(purchase.id()).await, "postings");
        let sales: Vec<_> = plan
            .postings
            .iter()
            .filter(|x| x.purchase_id() == Some(purchase.id()))
            .cloned()
            .collect();
        assert_eq!(
            postings, sales,
            "contract R-M5: the sale posting is stored, every entry"
        );
        assert_eq!(postings.len(), 1);
        assert_eq!(postings[0].kind(), PostingKind::Sale);
    }

    let count = |t: &Tool| {
        let id = t.id;
        async move {
            some(ok(p.catalog.tool(id).await, "tool"), "tool")
                .stats
                .purchase_count
        }
    };
    assert_eq!(count(&t1).await, 5, "contract R-O4: t1's counter 4 -> 5");
    assert_eq!(count(&t2).await, 1, "contract R-O4: t2's counter 0 -> 1");
    assert_eq!(
        count(&t3).await,
        0,
        "contract R-O4: one counter per purchase: the bundle's, not its tools'"
    );
    let b_now = some(ok(p.catalog.bundle(b.id()).await, "bundle"), "bundle");
    assert_eq!(
        b_now.purchase_count(),
        1,
        "contract R-O4: the bundle's counter 0 -> 1"
    );
    let cart = ok(p.carts.load(org, u).await, "load");
    assert_eq!(
        cart.items_sorted(),
        vec![ItemRef::Tool(t5.id)],
        "contract R-O4: bought lines leave the cart, others stay"
    );
}

/// R-S2: the holdings report the facts the tier limits are counted from, the same on
/// every store: each tool bought directly with its catalog price model (FREE ones
/// included), each bundle with its tools and no price model. Which of them take a
/// paid-tool slot is the domain's decision, not the store's.
pub async fn holdings_report_what_the_limits_count(p: &ContractPorts) {
    let s = platform(p).await;
    let paid = tool(p, s, |b| b.price("12.00")).await;
    let monthly = tool(p, s, |b| b.price("3.00").monthly()).await;
    let free = tool(p, s, ToolBuilder::free).await;
    let in_bundle = [
        tool(p, s, |b| b.price("8.00")).await,
        tool(p, s, |b| b.price("9.00")).await,
    ];
    let b = bundle(
        p,
        BundleBuilder::over(&[&in_bundle[0], &in_bundle[1]]).price("15.00"),
    )
    .await;
    let org = org(p, Tier::Elite, "100.00").await;
    let u = user(p, org).await;
    let items = [
        ItemRef::Tool(paid.id),
        ItemRef::Tool(monthly.id),
        ItemRef::Tool(free.id),
        ItemRef::Bundle(b.id()),
    ];
    let o = order(p, org, u, &items, PaymentMethod::PlatformCredits).await;
    place_paid(p, &o, "limits-1").await;

    let h = ok(p.holdings.holdings(org, at()).await, "holdings");
    let mut facts: Vec<_> = h
        .purchases()
        .iter()
        .map(|x| {
            let mut tools = x.tools.clone();
            tools.sort_unstable();
            (x.item, tools, x.price_model)
        })
        .collect();
    facts.sort_by_key(|f| f.0);
    let mut bundle_tools = vec![in_bundle[0].id, in_bundle[1].id];
    bundle_tools.sort_unstable();
    let mut want = vec![
        (items[0], vec![paid.id], Some(PriceModel::OneTime)),
        (items[1], vec![monthly.id], Some(PriceModel::Monthly)),
        (items[2], vec![free.id], Some(PriceModel::Free)),
        (items[3], bundle_tools, None),
    ];
    want.sort_by_key(|f| f.0);
    assert_eq!(
        facts, want,
        "contract R-S2: every held purchase with its tools and its tool's price model"
    );
    assert_eq!(
        (h.paid_tools(), h.bundles()),
        (2, 1),
        "contract R-S2: the FREE tool and the bundle's tools take no paid-tool slot"
    );
}

/// R-O4: fulfilling an order that no longer awaits payment is `Stale` and changes nothing.
pub async fn second_fulfil_is_stale(p: &ContractPorts) {
    let s = platform(p).await;
    let t = tool(p, s, |b| b.price("15.00")).await;
    let org = org(p, Tier::Elite, "0").await;
    let u = user(p, org).await;
    let o = order(p, org, u, &[ItemRef::Tool(t.id)], PaymentMethod::Invoice).await;
    ok(p.orders.place(&placed(&o, "stale-1")).await, "place");
    let first = plan(p, &o, at()).await;
    ok(p.orders.fulfil(&first).await, "first fulfil");
    let again = plan(p, &o, at()).await;
    match p.orders.fulfil(&again).await {
        Err(RepoError::Stale(_)) => {}
        other => panic!("contract R-O4: a second fulfil must be Stale, got {other:?}"),
    }
    assert_eq!(
        ok(p.purchases.list(org, None).await, "list").len(),
        1,
        "contract R-O4: one purchase only"
    );
    assert_eq!(
        some(ok(p.catalog.tool(t.id).await, "tool"), "tool")
            .stats
            .purchase_count,
        1,
        "contract R-O4: counted once"
    );
    assert_eq!(
        ok(p.holdings.entitlements(org, at()).await, "entitlements").len(),
        1,
        "contract R-O4: one entitlement"
    );

    // A failed order does not fulfil either.
    let t2 = tool(p, s, |b| b.price("15.00")).await;
    let o2 = order(p, org, u, &[ItemRef::Tool(t2.id)], PaymentMethod::Invoice).await;
    ok(p.orders.place(&placed(&o2, "stale-2")).await, "place");
    ok(
        p.orders
            .transition(
                o2.id(),
                OrderStatus::PendingPayment,
                OrderStatus::Failed,
                Some("payment_failed".into()),
                at(),
            )
            .await,
        "transition",
    );
    let failed = some(ok(p.orders.get(org, o2.id()).await, "get"), "order");
    assert_eq!(
        failed.failure_reason(),
        Some("payment_failed"),
        "contract: the failure reason is kept"
    );
    let p2 = plan(p, &o2, at()).await;
    assert!(
        matches!(p.orders.fulfil(&p2).await, Err(RepoError::Stale(_))),
        "contract R-O4: a FAILED order is Stale"
    );
    assert!(
        !ok(p.holdings.holdings(org, at()).await, "holdings").holds_tool(t2.id),
        "contract: nothing granted"
    );
}

/// R-O5: a fulfilment that would give the org a second active purchase of an item is
/// `Conflict(ActivePurchase)` and stores nothing, in `fulfil` and in `place`.
pub async fn conflicting_active_purchase_stores_nothing(p: &ContractPorts) {
    let s = platform(p).await;
    let t = tool(p, s, |b| b.price("15.00")).await;
    let other = tool(p, s, |b| b.price("8.00")).await;
    let org = org(p, Tier::Elite, "100.00").await;
    let u = user(p, org).await;
    // Two orders for the same tool, both pending (two racing checkouts).
    let o1 = order(p, org, u, &[ItemRef::Tool(t.id)], PaymentMethod::Invoice).await;
    let o2 = order(
        p,
        org,
        u,
        &[ItemRef::Tool(other.id), ItemRef::Tool(t.id)],
        PaymentMethod::Invoice,
    )
    .await;
    ok(p.orders.place(&placed(&o1, "race-1")).await, "place");
    ok(p.orders.place(&placed(&o2, "race-2")).await, "place");
    let plan1 = plan(p, &o1, at()).await;
    let plan2 = plan(p, &o2, at()).await;
    ok(p.orders.fulfil(&plan1).await, "the first fulfil wins");
    let cart = vec![CartLine {
        item: ItemRef::Tool(other.id),
        added_at: at(),
    }];
    ok(
        p.carts.save(&Cart::restore(org, u, cart.clone())).await,
        "save cart",
    );
    match p.orders.fulfil(&plan2).await {
        Err(RepoError::Conflict(Conflict::ActivePurchase { item })) => {
            assert_eq!(
                item,
                ItemRef::Tool(t.id),
                "contract R-O5: the conflict names the item"
            );
        }
        other => panic!(
            "contract R-O5: a second active purchase must be Conflict(ActivePurchase), got {other:?}"
        ),
    }
    let o2_now = some(ok(p.orders.get(org, o2.id()).await, "get"), "order");
    assert_eq!(
        o2_now.status(),
        OrderStatus::PendingPayment,
        "contract R-O5: the losing order is unchanged"
    );
    let bought = ok(p.purchases.list(org, None).await, "list");
    assert_eq!(bought.len(), 1, "contract R-O5: exactly one purchase");
    assert!(
        bought.iter().all(|x| x.item() == ItemRef::Tool(t.id)),
        "contract R-O5: nothing of the loser stored"
    );
    assert!(
        !ok(p.holdings.holdings(org, at()).await, "holdings").holds_tool(other.id),
        "contract R-O5: no entitlement of the loser"
    );
    assert_eq!(
        some(ok(p.catalog.tool(other.id).await, "tool"), "tool")
            .stats
            .purchase_count,
        0,
        "contract R-O5: no counter moved"
    );
    assert_eq!(
        some(ok(p.catalog.tool(t.id).await, "tool"), "tool")
            .stats
            .purchase_count,
        1,
        "contract R-O5: counted once"
    );
    assert_eq!(
        ok(p.carts.load(org, u).await, "load").lines(),
        cart.as_slice(),
        "contract R-O5: the cart is untouched"
    );
    for purchase in &plan2.purchases {
        assert!(
            ok(p.purchases.postings(purchase.id()).await, "postings").is_empty(),
            "contract R-O5: no posting of the loser"
        );
    }

    // The same through place (credits, fulfilled at once): nothing stored, no debit.
    let o3 = order(
        p,
        org,
        u,
        &[ItemRef::Tool(t.id)],
        PaymentMethod::PlatformCredits,
    )
    .await;
    let plan3 = plan(p, &o3, at()).await;
    let mut fulfilled = o3.clone();
    ok(fulfilled.fulfil(at()), "fulfil");
    let mut placed3 = placed(&fulfilled, "race-3");
    placed3.credit_debit = Some(o3.total());
    placed3.fulfilment = Some(plan3);
    assert!(
        matches!(
            p.orders.place(&placed3).await,
            Err(RepoError::Conflict(Conflict::ActivePurchase { .. }))
        ),
        "contract R-O5: place with a conflicting fulfilment is Conflict(ActivePurchase)"
    );
    assert_eq!(
        ok(p.orders.get(org, o3.id()).await, "get"),
        None,
        "contract R-O5: the order is not stored"
    );
    assert_eq!(
        credits(p, org).await,
        usd("100.00"),
        "contract R-O5: no credits debited"
    );
}

// ---------------------------------------------------------------------------------------
// purchases

/// R-M5, R-E2: a partial then a full refund update the purchase, the order, the credits,
/// the ledger and (when full) end the entitlements.
pub async fn refund_partial_then_full(p: &ContractPorts) {
    let s = seller(p, SellerKind::ThirdParty, "0.05").await;
    let t = tool(p, s, |b| b.price("40.00")).await;
    let keep = tool(p, s, |b| b.price("10.00")).await;
    let org = org(p, Tier::Elite, "100.00").await;
    let u = user(p, org).await;
    let o = order(
        p,
        org,
        u,
        &[ItemRef::Tool(t.id), ItemRef::Tool(keep.id)],
        PaymentMethod::PlatformCredits,
    )
    .await;
    place_paid(p, &o, "refund-1").await;
    assert_eq!(credits(p, org).await, usd("50.00"));
    let mut purchase = purchase_of(p, org, ItemRef::Tool(t.id)).await;
    let sale = ok(p.purchases.postings(purchase.id()).await, "postings");
    assert_eq!(sale.len(), 1, "contract: one sale posting");

    // Partial: 10.00 of 40.00.
    let now = at() + Duration::days(1);
    let extent = ok(purchase.refund(usd("10.00"), now), "refund rule");
    assert_eq!(extent, RefundExtent::Partial);
    let posting = ok(
        refund_posting_after(
            marketplace_domain::ids::PostingId::from_uuid(unique_uuid()),
            &sale[0],
            &[],
            usd("10.00"),
            now,
        ),
        "refund posting",
    );
    let partial = RefundPlan {
        purchase: purchase.clone(),
        amount: usd("10.00"),
        extent,
        posting: posting.clone(),
        end: None,
        credit_back: Some(usd("10.00")),
        order_status: OrderStatus::PartiallyRefunded,
    };
    ok(p.purchases.refund(&partial).await, "partial refund");
    let stored = some(
        ok(p.purchases.find(purchase.id()).await, "find"),
        "purchase",
    );
    assert_eq!(
        (stored.status(), stored.refunded()),
        (PurchaseStatus::Active, usd("10.00")),
        "contract: a partial refund keeps the purchase active"
    );
    let o_now = some(ok(p.orders.get(org, o.id()).await, "get"), "order");
    assert_eq!(
        (o_now.status(), o_now.refunded()),
        (OrderStatus::PartiallyRefunded, usd("10.00")),
        "contract: the order is PARTIALLY_REFUNDED by 10.00"
    );
    assert_eq!(
        credits(p, org).await,
        usd("60.00"),
        "contract R-O3: credits given back"
    );
    let postings = ok(p.purchases.postings(purchase.id()).await, "postings");
    assert_eq!(
        postings.len(),
        2,
        "contract R-M5: the refund posting is stored"
    );
    assert_eq!(
        postings[0].kind(),
        PostingKind::Sale,
        "contract: postings oldest first"
    );
    assert_eq!(
        postings[1], posting,
        "contract R-M5: the refund posting round-trips"
    );
    assert!(
        ok(p.holdings.holdings(org, now).await, "holdings").holds_tool(t.id),
        "contract R-E2: a partial refund keeps access"
    );

    // Full: the remaining 30.00.
    let later = now + Duration::days(1);
    let extent = ok(purchase.refund(usd("30.00"), later), "refund rule");
    assert_eq!(extent, RefundExtent::Full);
    let posting2 = ok(
        refund_posting_after(
            marketplace_domain::ids::PostingId::from_uuid(unique_uuid()),
            &sale[0],
            &[posting],
            usd("30.00"),
            later,
        ),
        "refund posting",
    );
    let granted = ok(
        p.purchases.entitlements_of(purchase.id()).await,
        "entitlements_of",
    );
    assert_eq!(
        granted.len(),
        1,
        "contract: the purchase granted one entitlement"
    );
    let full = RefundPlan {
        purchase: purchase.clone(),
        amount: usd("30.00"),
        extent,
        posting: posting2,
        end: Some(PurchaseEnd {
            at: purchase.ended_at().unwrap_or(purchase.created_at()),
            purchase: purchase.clone(),
            end_entitlements: granted.iter().map(|e| e.id).collect(),
            successor_entitlements: Vec::new(),
        }),
        credit_back: Some(usd("30.00")),
        order_status: OrderStatus::PartiallyRefunded,
    };
    ok(p.purchases.refund(&full).await, "full refund");
    let stored = some(
        ok(p.purchases.find(purchase.id()).await, "find"),
        "purchase",
    );
    assert_eq!(
        (stored.status(), stored.refunded()),
        (PurchaseStatus::Refunded, usd("40.00")),
        "contract: a full refund ends the purchase"
    );
    assert_eq!(stored.ended_at(), Some(later), "contract: ended_at is kept");
    let o_now = some(ok(p.orders.get(org, o.id()).await, "get"), "order");
    assert_eq!(
        (o_now.status(), o_now.refunded()),
        (OrderStatus::PartiallyRefunded, usd("40.00")),
        "contract: the order keeps 10.00 of 50.00"
    );
    assert_eq!(
        credits(p, org).await,
        usd("90.00"),
        "contract R-O3: all 40.00 back"
    );
    assert!(
        ok(
            p.purchases.entitlements_of(purchase.id()).await,
            "entitlements_of"
        )
        .is_empty(),
        "contract R-E2: its entitlements ended"
    );
    let h = ok(p.holdings.holdings(org, later).await, "holdings");
    assert!(
        !h.holds_tool(t.id),
        "contract R-E2: the refunded tool is no longer held"
    );
    assert!(
        h.holds_tool(keep.id),
        "contract R-E2: the other purchase's tool still is"
    );
    assert_eq!(
        ok(p.purchases.postings(purchase.id()).await, "postings").len(),
        3,
        "contract R-M5: sale and two refunds"
    );
    assert_eq!(
        ok(
            p.purchases.list(org, Some(PurchaseStatus::Active)).await,
            "list"
        )
        .len(),
        1
    );

    // Refund the other purchase in full: the order is REFUNDED.
    let mut other = purchase_of(p, org, ItemRef::Tool(keep.id)).await;
    let sale = ok(p.purchases.postings(other.id()).await, "postings");
    let extent = ok(other.refund(usd("10.00"), later), "refund rule");
    let granted = ok(
        p.purchases.entitlements_of(other.id()).await,
        "entitlements_of",
    );
    let last = RefundPlan {
        purchase: other.clone(),
        amount: usd("10.00"),
        extent,
        posting: ok(
            refund_posting_after(
                marketplace_domain::ids::PostingId::from_uuid(unique_uuid()),
                &sale[0],
                &[],
                usd("10.00"),
                later,
            ),
            "posting",
        ),
        end: Some(PurchaseEnd {
            at: other.ended_at().unwrap_or(other.created_at()),
            purchase: other.clone(),
            end_entitlements: granted.iter().map(|e| e.id).collect(),
            successor_entitlements: Vec::new(),
        }),
        credit_back: Some(usd("10.00")),
        order_status: OrderStatus::Refunded,
    };
    ok(p.purchases.refund(&last).await, "last refund");
    let o_now = some(ok(p.orders.get(org, o.id()).await, "get"), "order");
    assert_eq!(
        (o_now.status(), o_now.refunded()),
        (OrderStatus::Refunded, usd("50.00")),
        "contract: all refunded: REFUNDED"
    );
    assert_eq!(
        credits(p, org).await,
        usd("100.00"),
        "contract R-O3: the balance is whole again"
    );
}

/// R-R2: renewing moves the period and the entitlements' `until`; the purchase is due to
/// expire only after the new end; ending it ends its entitlements.
pub async fn renew_then_expire(p: &ContractPorts) {
    let s = platform(p).await;
    let t = tool(p, s, |b| b.price("9.00").monthly()).await;
    let org = org(p, Tier::Elite, "100.00").await;
    let u = user(p, org).await;
    let o = order(
        p,
        org,
        u,
        &[ItemRef::Tool(t.id)],
        PaymentMethod::PlatformCredits,
    )
    .await;
    place_paid(p, &o, "renew-1").await;
    let mut purchase = purchase_of(p, org, ItemRef::Tool(t.id)).await;
    let first_end = some(purchase.billing().paid_until(), "a recurring period");
    assert_eq!(
        first_end,
        at() + Duration::days(31),
        "contract R-R1: Jan 15 + 1 month = Feb 15"
    );
    let due = ok(p.purchases.due_to_expire(first_end).await, "due_to_expire");
    assert!(
        due.iter().any(|x| x.id() == purchase.id()),
        "contract R-R2: due at its period end"
    );
    let next = ok(purchase.renew(), "renew rule");
    ok(p.purchases.renew(&purchase).await, "renew");
    let stored = some(
        ok(p.purchases.find(purchase.id()).await, "find"),
        "purchase",
    );
    assert_eq!(
        stored.billing(),
        purchase.billing(),
        "contract R-R2: the new period is stored"
    );
    let ents = ok(
        p.purchases.entitlements_of(purchase.id()).await,
        "entitlements_of",
    );
    assert!(
        !ents.is_empty() && ents.iter().all(|e| e.until == Some(next.end())),
        "contract R-R2: entitlements' until moves with the period"
    );
    let mid = first_end + Duration::days(1);
    assert!(
        ok(p.holdings.holdings(org, mid).await, "holdings").holds_tool(t.id),
        "contract R-R2: held in the new period"
    );
    assert!(
        !ok(p.purchases.due_to_expire(mid).await, "due")
            .iter()
            .any(|x| x.id() == purchase.id()),
        "contract R-R2: not due before the new end"
    );

    // Cancel auto-renew (save), then expire at the end (end).
    ok(purchase.cancel_auto_renew(), "cancel rule");
    ok(p.purchases.save(&purchase).await, "save");
    let stored = some(
        ok(p.purchases.get(org, purchase.id()).await, "get"),
        "purchase",
    );
    assert!(
        matches!(
            stored.billing(),
            Billing::Recurring {
                auto_renew: false,
                ..
            }
        ),
        "contract: save keeps auto-renew off"
    );
    let end_at = next.end();
    let due = ok(p.purchases.due_to_expire(end_at).await, "due");
    assert!(
        due.iter().any(|x| x.id() == purchase.id()),
        "contract R-R2: due at the new end"
    );
    ok(purchase.expire(end_at), "expire rule");
    let ending = PurchaseEnd {
        at: purchase.ended_at().unwrap_or(purchase.created_at()),
        purchase: purchase.clone(),
        end_entitlements: ents.iter().map(|e| e.id).collect(),
        successor_entitlements: Vec::new(),
    };
    ok(p.purchases.end(&ending).await, "end");
    let stored = some(
        ok(p.purchases.find(purchase.id()).await, "find"),
        "purchase",
    );
    assert_eq!(
        stored.status(),
        PurchaseStatus::Expired,
        "contract R-R2: EXPIRED"
    );
    assert!(
        ok(
            p.purchases.entitlements_of(purchase.id()).await,
            "entitlements_of"
        )
        .is_empty(),
        "contract R-E2: entitlements ended"
    );
    assert!(
        !ok(
            p.holdings.holdings(org, end_at - Duration::days(1)).await,
            "holdings"
        )
        .holds_tool(t.id),
        "contract R-E2: ended entitlements are not in force even inside the period"
    );
    assert!(
        !ok(p.purchases.due_to_expire(end_at).await, "due")
            .iter()
            .any(|x| x.id() == purchase.id()),
        "contract: an expired purchase is not due again"
    );
}

// ---------------------------------------------------------------------------------------
// reviews

fn content(stars: u8, title: &str) -> ReviewContent {
    ReviewContent {
        rating: ok(Rating::new(stars).map_err(|e| e.message), "rating"),
        title: ok(
            ReviewTitle::parse(Some(title)).map_err(|e| e.message),
            "title",
        ),
        body: None,
    }
}

async fn reviewed_tool(p: &ContractPorts) -> (Tool, OrgId) {
    let s = platform(p).await;
    let t = tool(p, s, |b| b.price("10.00")).await;
    (t, org(p, Tier::Elite, "0").await)
}

async fn approved(p: &ContractPorts, review: &mut Review, by: UserId) {
    review.moderate(Decision::Approve, by, None, at());
    ok(p.reviews.save(review).await, "save approved review");
}

async fn stats(p: &ContractPorts, t: &Tool) -> (Option<rust_decimal::Decimal>, u64) {
    let s = some(ok(p.catalog.tool(t.id).await, "tool"), "tool").stats;
    (s.avg_rating, s.review_count)
}

/// R-V1, R-V6: saving recomputes the tool's rating over APPROVED reviews only, exactly;
/// one review per (tool, user).
pub async fn review_save_recomputes_rating(p: &ContractPorts) {
    let (t, org) = reviewed_tool(p).await;
    let moderator = builders::user_id();
    let mut rs = Vec::new();
    for (stars, i) in [(5_u8, 0), (4, 1), (1, 2), (2, 3)] {
        let u = user(p, org).await;
        let r = Review::write(
            ReviewId::from_uuid(unique_uuid()),
            t.id,
            org,
            u,
            content(stars, &format!("Review {i}")),
            at() + Duration::minutes(i),
        );
        ok(p.reviews.save(&r).await, "save review");
        rs.push(r);
    }
    assert_eq!(
        stats(p, &t).await,
        (None, 0),
        "contract R-V6: no approved review: no rating"
    );
    let got = some(ok(p.reviews.get(rs[0].id()).await, "get"), "review");
    assert_eq!(
        got, rs[0],
        "contract R-V1: a review round-trips every field"
    );
    approved(p, &mut rs[0], moderator).await;
    approved(p, &mut rs[1], moderator).await;
    rs[3].moderate(Decision::Reject, moderator, None, at());
    ok(p.reviews.save(&rs[3]).await, "save rejected");
    assert_eq!(
        stats(p, &t).await,
        (Some(dec("4.50")), 2),
        "contract R-V6: (5+4)/2 over APPROVED only"
    );
    let got = some(ok(p.reviews.get(rs[0].id()).await, "get"), "review");
    assert_eq!(
        got, rs[0],
        "contract R-V3: moderation (by, at, notes) round-trips"
    );
    approved(p, &mut rs[2], moderator).await;
    assert_eq!(
        stats(p, &t).await,
        (Some(dec("3.33")), 3),
        "contract R-V6: 10/3 rounds to 3.33"
    );
    // A rewrite sends it back to PENDING: out of the rating.
    rs[0].rewrite(
        org,
        content(3, "Changed my mind"),
        at() + Duration::hours(1),
    );
    ok(p.reviews.save(&rs[0]).await, "save rewrite");
    assert_eq!(
        stats(p, &t).await,
        (Some(dec("2.50")), 2),
        "contract R-V6: (4+1)/2 once the rewrite is pending"
    );
    assert_eq!(
        some(
            ok(
                p.reviews.find_by_author(t.id, rs[0].user_id()).await,
                "find_by_author"
            ),
            "review"
        )
        .status(),
        ReviewStatus::Pending
    );
    ok(p.reviews.delete(rs[1].id()).await, "delete");
    assert_eq!(
        stats(p, &t).await,
        (Some(dec("1.00")), 1),
        "contract R-V6: recomputed on delete"
    );
    assert_eq!(
        ok(p.reviews.get(rs[1].id()).await, "get"),
        None,
        "contract: deleted"
    );
    assert!(
        matches!(p.reviews.delete(rs[1].id()).await, Err(RepoError::NotFound)),
        "contract: deleting twice is NotFound"
    );

    // One review per (tool, user).
    let dup = Review::write(
        ReviewId::from_uuid(unique_uuid()),
        t.id,
        org,
        rs[2].user_id(),
        content(5, "Again"),
        at(),
    );
    match p.reviews.save(&dup).await {
        Err(RepoError::Conflict(Conflict::Review)) => {}
        other => panic!(
            "contract R-V1: a second review of a (tool, user) must be Conflict(Review), got {other:?}"
        ),
    }
    let orphan = Review::write(
        ReviewId::from_uuid(unique_uuid()),
        ToolBuilder::new().build().id,
        org,
        rs[2].user_id(),
        content(5, "No tool"),
        at(),
    );
    assert!(
        matches!(p.reviews.save(&orphan).await, Err(RepoError::NotFound)),
        "contract: a review of an unknown tool is NotFound"
    );

    // Lists.
    let page = ok(
        p.reviews.list_approved(t.id, PageRequest::default()).await,
        "list_approved",
    );
    assert_eq!(page.total, 1, "contract R-V4: only APPROVED are listed");
    assert_eq!(page.items[0].id(), rs[2].id());
    let pending = ok(
        p.reviews
            .list_by_status(
                Some(ReviewStatus::Pending),
                ok(PageRequest::new(Some(100), None), "page"),
            )
            .await,
        "list_by_status",
    );
    assert!(
        pending.items.iter().any(|r| r.id() == rs[0].id()),
        "contract R-V3: the rewrite is in the queue"
    );
    assert!(
        pending
            .items
            .iter()
            .all(|r| r.status() == ReviewStatus::Pending),
        "contract R-V3: the queue filters by status"
    );
    let times: Vec<_> = pending
        .items
        .iter()
        .map(|r| (r.updated_at(), r.id()))
        .collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "contract R-V3: the queue is oldest first");
}

/// R-V6: a store's rating is the domain's summary of the APPROVED ratings, rounded half
/// away from zero: 33 / 8 = 4.125 reads 4.13 (banker's rounding would give 4.12).
pub async fn rating_rounds_half_away_from_zero(p: &ContractPorts) {
    let (t, org) = reviewed_tool(p).await;
    let moderator = builders::user_id();
    for (i, stars) in [5_u8, 4, 4, 4, 4, 4, 4, 4].into_iter().enumerate() {
        let u = user(p, org).await;
        let mut r = Review::write(
            ReviewId::from_uuid(unique_uuid()),
            t.id,
            org,
            u,
            content(stars, &format!("Review {i}")),
            at(),
        );
        approved(p, &mut r, moderator).await;
    }
    let stored = stats(p, &t).await;
    assert_eq!(
        stored,
        (Some(dec("4.13")), 8),
        "contract R-V6: 33/8 = 4.125 rounds half away from zero"
    );
    let listed = ok(
        p.reviews
            .list_approved(t.id, ok(PageRequest::new(Some(100), None), "page"))
            .await,
        "list_approved",
    );
    let summary = RatingSummary::over(&listed.items);
    assert_eq!(
        (summary.avg_rating, summary.review_count),
        stored,
        "contract R-V6: the stored counters are the domain's summary of the approved reviews"
    );
}

/// R-V5, R-V3: one helpful vote and one flag per user; a save never loses votes; a flag
/// applies only over the state it was planned on; the threshold hides the review and the
/// rating follows.
pub async fn one_vote_and_one_flag_per_user(p: &ContractPorts) {
    let (t, org) = reviewed_tool(p).await;
    let author = user(p, org).await;
    let mut review = Review::write(
        ReviewId::from_uuid(unique_uuid()),
        t.id,
        org,
        author,
        content(4, "Good"),
        at(),
    );
    ok(p.reviews.save(&review).await, "save");
    approved(p, &mut review, builders::user_id()).await;
    assert_eq!(stats(p, &t).await, (Some(dec("4.00")), 1));

    let voter = user(p, org).await;
    assert!(
        ok(p.reviews.add_vote(review.id(), voter, org).await, "vote"),
        "contract R-V5: the first vote counts"
    );
    assert!(
        !ok(p.reviews.add_vote(review.id(), voter, org).await, "vote"),
        "contract R-V5: a second vote by the user is false"
    );
    let second = user(p, org).await;
    assert!(ok(
        p.reviews.add_vote(review.id(), second, org).await,
        "vote"
    ));
    let stored = some(ok(p.reviews.get(review.id()).await, "get"), "review");
    assert_eq!(
        stored.helpful_count(),
        2,
        "contract R-V5: helpful_count counts distinct voters"
    );
    // A save of a copy read before the votes keeps them.
    ok(p.reviews.save(&review).await, "save stale copy");
    assert_eq!(
        some(ok(p.reviews.get(review.id()).await, "get"), "review").helpful_count(),
        2,
        "contract: save never writes helpful_count"
    );
    let unknown = ReviewId::from_uuid(unique_uuid());
    assert!(
        matches!(
            p.reviews.add_vote(unknown, voter, org).await,
            Err(RepoError::NotFound)
        ),
        "contract: voting on an unknown review is NotFound"
    );

    // Flags: one per user; the plan's `before` must still hold.
    let mut hidden = false;
    let mut flaggers = Vec::new();
    for i in 0..FLAG_THRESHOLD {
        let flagger = user(p, org).await;
        flaggers.push(flagger);
        let mut current = some(ok(p.reviews.get(review.id()).await, "get"), "review");
        let before = current.flag_state();
        current.add_flag(at() + Duration::minutes(i64::from(i)));
        let plan = FlagPlan {
            review_id: review.id(),
            tool_id: t.id,
            user_id: flagger,
            org_id: org,
            reason: None,
            at: at() + Duration::minutes(i64::from(i)),
            before,
            after: current.flag_state(),
        };
        assert!(
            ok(p.reviews.record_flag(&plan).await, "record_flag"),
            "contract R-V5: a first flag counts"
        );
        assert!(
            !ok(p.reviews.record_flag(&plan).await, "record_flag"),
            "contract R-V5: a second flag by the user is false"
        );
        hidden = plan.hides();
    }
    assert!(hidden, "contract R-V3: the third flag hides the review");
    let stored = some(ok(p.reviews.get(review.id()).await, "get"), "review");
    assert_eq!(
        (stored.status(), stored.flag_count()),
        (ReviewStatus::Flagged, FLAG_THRESHOLD),
        "contract R-V3: FLAGGED with 3 flags"
    );
    assert_eq!(
        stats(p, &t).await,
        (None, 0),
        "contract R-V6: a flagged review leaves the rating"
    );
    // A stale plan writes nothing.
    let late = user(p, org).await;
    let stale = FlagPlan {
        review_id: review.id(),
        tool_id: t.id,
        user_id: late,
        org_id: org,
        reason: None,
        at: at(),
        before: marketplace_domain::review::FlagState {
            status: ReviewStatus::Approved,
            flag_count: 0,
        },
        after: marketplace_domain::review::FlagState {
            status: ReviewStatus::Approved,
            flag_count: 1,
        },
    };
    assert!(
        matches!(
            p.reviews.record_flag(&stale).await,
            Err(RepoError::Stale(_))
        ),
        "contract R-V3: a plan over a moved state is Stale"
    );
    let stored = some(ok(p.reviews.get(review.id()).await, "get"), "review");
    assert_eq!(
        stored.flag_count(),
        FLAG_THRESHOLD,
        "contract R-V3: the stale flag wrote nothing"
    );
    // The stale flagger may still flag once the plan is right.
    let mut current = stored.clone();
    let before = current.flag_state();
    current.add_flag(at());
    let fresh = FlagPlan {
        before,
        after: current.flag_state(),
        ..stale
    };
    assert!(
        ok(p.reviews.record_flag(&fresh).await, "record_flag"),
        "contract R-V3: the stale flag wrote no flag row"
    );
}
