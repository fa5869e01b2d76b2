//! R-C5 on PostgreSQL: `search_tools` for one filtered page of 50 out of 10,000 tools.
//!
//! `cargo bench -p marketplace-sea-orm --bench catalog_query`. Needs PostgreSQL at
//! `MARKETPLACE_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`,
//! a role that may create databases); without it the benchmark says so and does nothing.
//! It creates a scratch database, migrates it, loads 10,000 tools (with tags), queries as
//! the app role (so row-level security and all) and drops the database at the end.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use marketplace_domain::catalog::{
    CatalogRepository, SortBy, SortOrder, ToolCategory, ToolFilter, ToolQuery, ToolStatus,
};
use marketplace_migrations::{APP_ROLE, APP_ROLE_DEFAULT_PASSWORD};
use marketplace_sea_orm::Database;
use rust_decimal::Decimal;
use sea_orm::ConnectionTrait;

const TOOLS: u32 = 10_000;

fn admin_url() -> String {
    std::env::var("MARKETPLACE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned())
}

fn url_for(db: &str, creds: &str) -> String {
    let base = admin_url();
    let (scheme, rest) = base.split_once("://").unwrap_or(("postgres", &base));
    let host = rest.rsplit_once('@').map_or(rest, |(_, h)| h);
    let host = host.split('/').next().unwrap_or(host);
    let creds = if creds.is_empty() {
        rest.rsplit_once('@')
            .map(|(c, _)| format!("{c}@"))
            .unwrap_or_default()
    } else {
        format!("{creds}@")
    };
    format!("{scheme}://{creds}{host}/{db}")
}

/// 10,000 tools over 14 categories, 4 statuses, prices 1.99..=300.99, popularity spread,
/// 0..=2 tags each, one seller.
fn load_sql() -> Vec<String> {
    vec![
        "INSERT INTO sellers (id, name, kind) VALUES \
         ('00000000-0000-0000-0000-00000000beef', 'Bench Seller', 'THIRD_PARTY')"
            .to_owned(),
        format!(
            "INSERT INTO tools (id, name, description, category, price_model, price_amount, \
             currency, required_tier, integration_type, status, seller_id, purchase_count, \
             view_count, created_at, updated_at) \
             SELECT gen_random_uuid(), 'Tool ' || i, 'Generated tool number ' || i, \
               (ARRAY['LEAD_GENERATION','LEAD_NURTURING','LISTING_OPTIMIZATION', \
                 'PROPERTY_SHOPPING','MARKET_INTELLIGENCE','INVESTMENT_ANALYSIS', \
                 'DOCUMENT_PROCESSING','COMMISSION_FINANCIAL','BOOKING_SCHEDULING', \
                 'COMMUNICATION','CRM_TOOLS','ANALYTICS_TOOLS','AUTOMATION_TOOLS', \
                 'INTEGRATION_TOOLS'])[1 + i % 14], \
               'ONE_TIME', (i % 300) + 1.99, 'USD', \
               (ARRAY['FREE','STARTER','GROWTH','ELITE'])[1 + i % 4], 'API', \
               (ARRAY['ACTIVE','ACTIVE','BETA','DEPRECATED'])[1 + (i / 7) % 4], \
               '00000000-0000-0000-0000-00000000beef', (i * 7919) % 5000, i % 977, \
               now() - make_interval(secs => i), now() \
             FROM generate_series(1, {TOOLS}) AS i"
        ),
        "INSERT INTO tool_tags (tool_id, tag, position) \
         SELECT id, (ARRAY['ai','crm','email','scoring','leads'])[1 + abs(hashtext(id::text)) % 5], 0 \
         FROM tools"
            .to_owned(),
        "ANALYZE".to_owned(),
    ]
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let admin = rt.block_on(async {
        tokio::time::timeout(
            Duration::from_secs(5),
            Database::connect_with(&admin_url(), 1),
        )
        .await
    });
    let Ok(Ok(admin)) = admin else {
        eprintln!(
            "catalog_query: PostgreSQL at {} is unreachable; benchmark skipped",
            admin_url()
        );
        return;
    };
    let name = format!("mp_bench_{}", uuid::Uuid::new_v4().simple());
    let app = rt.block_on(async {
        admin
            .connection()
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create database");
        let owner = Database::connect_with(&url_for(&name, ""), 2)
            .await
            .expect("owner");
        owner.migrate().await.expect("migrate");
        for sql in load_sql() {
            owner
                .connection()
                .execute_unprepared(&sql)
                .await
                .expect("load tools");
        }
        owner.close().await.ok();
        Database::connect_with(
            &url_for(&name, &format!("{APP_ROLE}:{APP_ROLE_DEFAULT_PASSWORD}")),
            4,
        )
        .await
        .expect("app role")
    });
    let store = app.store();
    let filter = ToolFilter::parse(ToolQuery {
        categories: vec![ToolCategory::CrmTools, ToolCategory::LeadGeneration],
        statuses: vec![ToolStatus::Active],
        price_min: Some(Decimal::new(1000, 2)),
        price_max: Some(Decimal::new(25000, 2)),
        sort_by: Some(SortBy::PurchaseCount),
        sort_order: Some(SortOrder::Desc),
        limit: Some(50),
        offset: Some(100),
        ..ToolQuery::default()
    })
    .expect("filter");
    let page = rt.block_on(store.search_tools(&filter)).expect("search");
    eprintln!(
        "catalog_query: {} tools, filtered total {}, page of {}",
        TOOLS,
        page.total,
        page.items.len()
    );
    assert_eq!(page.items.len(), 50);

    let mut group = c.benchmark_group("catalog_query");
    group
        .sample_size(100)
        .measurement_time(Duration::from_secs(10));
    group.bench_function("search_tools_page_of_50_in_10000", |b| {
        b.to_async(&rt).iter(|| store.search_tools(&filter));
    });
    group.finish();

    rt.block_on(async {
        app.close().await.ok();
        admin
            .connection()
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .await
            .ok();
        admin.close().await.ok();
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
