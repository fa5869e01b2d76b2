//! The in-memory catalog ([`MemoryCatalog`]) answers every browse query exactly as the SQL
//! repository does, and sees writes: its own replica's at once, another's within the poll.

use std::sync::Arc;
use std::time::Duration;

use marketplace_domain::catalog::{
    BundleStatus, CatalogReadModel, CatalogRepository, PageRequest, SortBy, SortOrder, Tool,
    ToolCategory, ToolFilter, ToolQuery, ToolStatus,
};
use marketplace_domain::ids::PlanId;
use marketplace_domain::item::ItemRef;
use marketplace_domain::plan::{Plan, PlanReadModel, PlanRepository, plan_for_price_model};
use marketplace_domain::revenue::{FeeRate, SellerKind, SellerTerms};
use marketplace_domain::tier::Tier;
use marketplace_sea_orm::{MemoryCatalog, SeaOrmStore};
use marketplace_testkit::builders::{BundleBuilder, ToolBuilder, dec, platform_seller, t0};
use marketplace_testkit::contract::Seeder;
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::support::{Seed, TestDb};

/// A small deterministic generator (no dependency, same catalog on every run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        usize::try_from((self.0 >> 33) % n as u64).unwrap()
    }

    fn pick<T: Copy>(&mut self, from: &[T]) -> T {
        from[self.next(from.len())]
    }
}

const WORDS: &[&str] = &[
    "lead", "Leads", "CRM", "sync", "mail", "blast", "doc", "parser", "booking", "bot", "atlas",
    "zeta", "Scorer", "pipeline",
];

async fn seed_platform(store: &SeaOrmStore) {
    let terms = SellerTerms {
        seller_id: platform_seller(),
        kind: SellerKind::Platform,
        fee_rate: FeeRate::new(dec("0.05")).unwrap(),
    };
    Seed(store.clone()).insert_seller(&terms).await.unwrap();
}

async fn generate(store: &SeaOrmStore, seed: u64, tools: usize) -> Vec<Tool> {
    let mut r = Lcg(seed);
    let mut made = Vec::new();
    for i in 0..tools {
        let name = format!("{} {} {}", r.pick(WORDS), r.pick(WORDS), i % 7);
        let description = format!("{} {} tool", r.pick(WORDS), r.pick(WORDS));
        let tags: Vec<&str> = (0..r.next(3))
            .map(|_| r.pick(&["crm", "ai", "email", "scoring"]))
            .collect();
        let mut tags = tags;
        tags.dedup();
        let mut b = ToolBuilder::new()
            .named(&name)
            .description(&description)
            .category(r.pick(&[
                ToolCategory::LeadGeneration,
                ToolCategory::CrmTools,
                ToolCategory::Communication,
                ToolCategory::AnalyticsTools,
            ]))
            .tier(r.pick(&[Tier::Free, Tier::Starter, Tier::Growth, Tier::Elite]))
            .status(r.pick(ToolStatus::ALL))
            .tags(&tags)
            .purchases(r.pick(&[0, 1, 3, 3, 10, 250]))
            .views(r.pick(&[0, 5, 1000]))
            .created_at(t0() - chrono::Duration::days(i64::try_from(r.next(9)).unwrap()));
        b = match r.next(5) {
            0 => b.free(),
            1 => b.custom(),
            _ => b.price(r.pick(&["5.00", "10.00", "19.99", "20.00", "99.50", "250.00"])),
        };
        if r.next(2) == 0 {
            b = b.rating(r.pick(&["1.00", "3.50", "4.50", "5.00"]), 2);
        }
        if r.next(4) == 0 {
            b = b.featured();
        }
        let tool = b.build();
        store.insert_tool(&tool).await.unwrap();
        made.push(tool);
    }
    for (i, group) in made.chunks(5).enumerate().take(6) {
        let parts: Vec<&Tool> = group.iter().take(2).collect();
        let bundle = BundleBuilder::over(&parts)
            .named(&format!("Bundle {i}"))
            .price("1.00")
            .status(r.pick(BundleStatus::ALL))
            .purchases(r.pick(&[0, 2, 2, 9]))
            .build();
        store.insert_bundle(&bundle).await.unwrap();
    }
    made
}

fn queries(r: &mut Lcg) -> Vec<ToolQuery> {
    let q = ToolQuery::default;
    let mut out = vec![q()];
    for sort_by in SortBy::ALL {
        for sort_order in SortOrder::ALL {
            out.push(ToolQuery {
                sort_by: Some(*sort_by),
                sort_order: Some(*sort_order),
                statuses: ToolStatus::ALL.to_vec(),
                ..q()
            });
        }
    }
    for _ in 0..60 {
        let mut query = q();
        if r.next(2) == 0 {
            query.categories = vec![
                r.pick(&[ToolCategory::LeadGeneration, ToolCategory::CrmTools]),
                r.pick(&[ToolCategory::Communication, ToolCategory::AnalyticsTools]),
            ];
        }
        if r.next(3) == 0 {
            query.tiers = vec![r.pick(&[Tier::Free, Tier::Growth, Tier::Elite])];
        }
        if r.next(3) == 0 {
            query.search = Some(r.pick(WORDS).to_owned());
        }
        if r.next(4) == 0 {
            query.tags = vec![r.pick(&["crm", "AI", "scoring"]).to_owned()];
        }
        if r.next(2) == 0 {
            query.price_min = Some(dec(r.pick(&["0", "5", "10"])));
            query.price_max = Some(dec(r.pick(&["19.99", "250"])));
        }
        if r.next(2) == 0 {
            query.statuses = vec![r.pick(ToolStatus::ALL), r.pick(ToolStatus::ALL)];
        }
        query.sort_by = Some(r.pick(SortBy::ALL));
        query.sort_order = Some(r.pick(SortOrder::ALL));
        query.limit = Some(r.pick(&[1, 7, 50, 100]));
        query.offset = Some(r.pick(&[0, 0, 3, 40]));
        out.push(query);
    }
    out
}

async fn memory_answers_as_sql(db: &TestDb) {
    let store = db.store();
    seed_platform(&store).await;
    let memory = MemoryCatalog::new(store.clone(), MemoryCatalog::DEFAULT_POLL);
    for seed in [1_u64, 7, 42] {
        let tools = generate(&store, seed, 40).await;
        let snapshot = memory.snapshot().await.unwrap();
        let mut r = Lcg(seed);
        for query in queries(&mut r) {
            let filter = ToolFilter::parse(query.clone()).unwrap();
            assert_eq!(
                snapshot.search_tools(&filter),
                store.search_tools(&filter).await.unwrap(),
                "R-C5: memory and SQL differ for {query:?}"
            );
        }
        for statuses in [
            &[][..],
            &[BundleStatus::Active],
            &[BundleStatus::Draft, BundleStatus::Archived],
        ] {
            for page in [
                PageRequest::default(),
                PageRequest::new(Some(2), Some(1)).unwrap(),
            ] {
                assert_eq!(
                    snapshot.list_bundles(statuses, page),
                    store.list_bundles(statuses, page).await.unwrap(),
                    "bundles in {statuses:?}"
                );
            }
        }
        let mut sql_counts = store.category_counts().await.unwrap();
        let mut memory_counts = snapshot.category_counts();
        sql_counts.sort_by_key(|c| c.category);
        memory_counts.sort_by_key(|c| c.category);
        assert_eq!(memory_counts, sql_counts);
        for tool in tools.iter().take(5) {
            assert_eq!(
                snapshot.tool(tool.id).cloned(),
                store.tool(tool.id).await.unwrap()
            );
        }
    }
}

#[tokio::test]
async fn r_c5_memory_catalog_answers_as_sql_on_generated_catalogs_sqlite() {
    let db = TestDb::sqlite().await;
    memory_answers_as_sql(&db).await;
    db.finish().await;
}

#[tokio::test]
async fn r_c5_memory_catalog_answers_as_sql_on_generated_catalogs_postgres() {
    let Some(db) = TestDb::postgres("memory_catalog_answers_as_sql").await else {
        return;
    };
    memory_answers_as_sql(&db).await;
    db.finish().await;
}

/// A write through the store is visible at once on the same replica; a write this replica
/// did not commit (another replica's, here raw SQL that bypasses the store) within the poll.
async fn writes_become_visible(db: &TestDb) {
    let store = db.store();
    seed_platform(&store).await;
    let tool = generate(&store, 3, 3).await.remove(0);
    let poll = Duration::from_millis(300);
    let memory = Arc::new(MemoryCatalog::new(store.clone(), poll));
    assert_eq!(memory.snapshot().await.unwrap().tool(tool.id), Some(&tool));

    let mut renamed = tool.clone();
    renamed.description = "edited here".to_owned();
    store.update_tool(&renamed).await.unwrap();
    let seen = memory.snapshot().await.unwrap();
    assert_eq!(
        seen.tool(tool.id).map(|t| t.description.as_str()),
        Some("edited here"),
        "this replica's write is visible at once"
    );

    db.app
        .connection()
        .execute_unprepared("UPDATE tools SET purchase_count = purchase_count + 5")
        .await
        .unwrap();
    tokio::time::sleep(poll + Duration::from_millis(50)).await;
    let seen = memory.snapshot().await.unwrap();
    assert_eq!(
        seen.tool(tool.id).map(|t| t.stats.purchase_count),
        Some(tool.stats.purchase_count + 5),
        "another writer's change is visible once the poll interval has passed"
    );
}

#[tokio::test]
async fn memory_catalog_sees_local_writes_at_once_and_others_within_the_poll_sqlite() {
    let db = TestDb::sqlite().await;
    writes_become_visible(&db).await;
    db.finish().await;
}

#[tokio::test]
async fn memory_catalog_sees_local_writes_at_once_and_others_within_the_poll_postgres() {
    let Some(db) = TestDb::postgres("memory_catalog_sees_writes").await else {
        return;
    };
    writes_become_visible(&db).await;
    db.finish().await;
}

/// R-B1: the copy serves each item's plans exactly as the plan repository reads them; a
/// plan this replica writes is served at once, and a write to `plans` it did not commit
/// (raw SQL, as another replica's) within the poll, through the plans trigger on the
/// catalog version.
async fn plans_are_served_from_memory(db: &TestDb) {
    let store = db.store();
    seed_platform(&store).await;
    let tools = generate(&store, 1, 40).await;
    let poll = Duration::from_millis(300);
    let memory = MemoryCatalog::new(store.clone(), poll);
    let (tool, draft) = tools
        .iter()
        .find_map(|t| plan_for_price_model(&t.pricing).map(|d| (t, d)))
        .expect("a generated tool with a price model a plan can carry");
    let item = ItemRef::Tool(tool.id);
    assert_eq!(
        PlanReadModel::item_plans(&memory, item).await.unwrap(),
        store.item_plans(item).await.unwrap()
    );

    let plan = Plan::new(PlanId::from_uuid(Uuid::new_v4()), item, draft).unwrap();
    store.insert_plan(&plan).await.unwrap();
    assert!(
        PlanReadModel::item_plans(&memory, item)
            .await
            .unwrap()
            .plans()
            .contains(&plan),
        "this replica's new plan is served at once"
    );
    for t in &tools {
        let item = ItemRef::Tool(t.id);
        assert_eq!(
            PlanReadModel::item_plans(&memory, item).await.unwrap(),
            store.item_plans(item).await.unwrap()
        );
    }

    db.app
        .connection()
        .execute_unprepared("UPDATE plans SET name = 'Renamed elsewhere'")
        .await
        .unwrap();
    tokio::time::sleep(poll + Duration::from_millis(50)).await;
    let seen = PlanReadModel::item_plans(&memory, item).await.unwrap();
    assert!(
        seen.plans()
            .iter()
            .all(|p| p.name().as_str() == "Renamed elsewhere"),
        "another writer's plan change is served once the poll interval has passed"
    );
    assert_eq!(seen, store.item_plans(item).await.unwrap());
}

#[tokio::test]
async fn r_b1_memory_catalog_serves_plans_as_stored_sqlite() {
    let db = TestDb::sqlite().await;
    plans_are_served_from_memory(&db).await;
    db.finish().await;
}

#[tokio::test]
async fn r_b1_memory_catalog_serves_plans_as_stored_postgres() {
    let Some(db) = TestDb::postgres("memory_catalog_plans").await else {
        return;
    };
    plans_are_served_from_memory(&db).await;
    db.finish().await;
}
