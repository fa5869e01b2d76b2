//! The catalog's contract: tools and bundles round-trip, and the catalog query (R-C5)
//! agrees with the domain's reference filter and order.

use std::collections::HashSet;

use chrono::Duration;
use marketplace_domain::catalog::{
    BundleStatus, IntegrationType, PageRequest, SortBy, SortOrder, Tool, ToolCategory, ToolFilter,
    ToolLinks, ToolQuery, ToolStatus, WebUrl,
};
use marketplace_domain::ports::RepoError;
use marketplace_domain::revenue::SellerKind;
use marketplace_domain::tier::Tier;

use super::ContractPorts;
use super::setup::{at, bundle, ok, platform, seller, some, tool};
use crate::builders::{BundleBuilder, ToolBuilder, dec, usd};

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
                statuses: ToolStatus::ALL.to_vec(),
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
                .views([0, 7, 7, 40, 1][i % 5])
                .created_at(at() - Duration::days(i64::try_from(i % 6).unwrap_or(0)));
            let b = if i % 3 == 0 { b.featured() } else { b };
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
        ToolQuery {
            search: Some("sync, CRM".into()),
            ..q()
        },
        ToolQuery {
            search: Some("leads finds".into()),
            statuses: ToolStatus::ALL.to_vec(),
            ..q()
        },
        ToolQuery {
            featured: Some(true),
            statuses: ToolStatus::ALL.to_vec(),
            ..q()
        },
        ToolQuery {
            featured: Some(false),
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
            statuses: ToolStatus::ALL.to_vec(),
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
