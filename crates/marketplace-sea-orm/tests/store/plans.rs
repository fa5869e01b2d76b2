//! The plans migration (R-B2) on a database of the first wave: every item gets the plan
//! its price model becomes, no holder's terms change, and only purchases made at their
//! plan's own terms count as sales of it (R-B1).

use chrono::{DateTime, Duration, Utc};
use marketplace_domain::catalog::{CatalogRepository, ItemRef, PriceModel};
use marketplace_domain::ids::{BundleId, OrgId, PurchaseId, ToolId};
use marketplace_domain::plan::{
    Plan, PlanDraft, PlanRepository, SaleRecord, plan_for_bundle_price, plan_for_price_model,
};
use marketplace_domain::purchase::{Billing, PurchaseRepository};
use marketplace_migrations::{Migrator, MigratorTrait, bundles, catalog, seed_catalog};
use rust_decimal::{Decimal, dec};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, Value};
use uuid::Uuid;

use crate::support::TestDb;

/// A purchase of the first wave, as the test wrote it.
struct Holding {
    org: OrgId,
    id: PurchaseId,
    item: ItemRef,
    amount: Decimal,
    billing: &'static str,
}

async fn exec(db: &DatabaseConnection, sql: &str, values: Vec<Value>) {
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        values,
    ))
    .await
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Writes an org, its paid order and one purchase in the first wave's schema (no plan
/// columns), as the first wave did.
async fn first_wave_purchase(
    db: &DatabaseConnection,
    item: ItemRef,
    amount: Decimal,
    billing: &'static str,
    now: DateTime<Utc>,
) -> Holding {
    let org = Uuid::new_v4();
    let order = Uuid::new_v4();
    let purchase = Uuid::new_v4();
    exec(
        db,
        "INSERT INTO organizations (id, name, tier) VALUES ($1, 'Holder', 'ENTERPRISE')",
        vec![org.into()],
    )
    .await;
    exec(
        db,
        "INSERT INTO orders (id, org_id, user_id, status, payment_method, total_amount, currency)
         VALUES ($1, $2, $3, 'FULFILLED', 'PLATFORM_CREDITS', $4, 'USD')",
        vec![
            order.into(),
            org.into(),
            Uuid::new_v4().into(),
            amount.into(),
        ],
    )
    .await;
    let (kind, tool, bundle) = match item {
        ItemRef::Tool(t) => ("TOOL", Some(t.as_uuid()), None),
        ItemRef::Bundle(b) => ("BUNDLE", None, Some(b.as_uuid())),
    };
    let (start, end) = match billing {
        "MONTHLY" => (Some(now), Some(now + Duration::days(30))),
        "ANNUAL" => (Some(now), Some(now + Duration::days(365))),
        _ => (None, None),
    };
    exec(
        db,
        "INSERT INTO purchases (id, org_id, user_id, order_id, purchase_type, tool_id,
            bundle_id, amount, currency, payment_method, billing, period_start, period_end,
            auto_renew)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'USD', 'PLATFORM_CREDITS', $9, $10, $11, $12)",
        vec![
            purchase.into(),
            org.into(),
            Uuid::new_v4().into(),
            order.into(),
            kind.into(),
            tool.into(),
            bundle.into(),
            amount.into(),
            billing.into(),
            start.into(),
            end.into(),
            start.is_some().into(),
        ],
    )
    .await;
    Holding {
        org: OrgId::from_uuid(org),
        id: PurchaseId::from_uuid(purchase),
        item,
        amount,
        billing,
    }
}

fn without_id(plan: &Plan) -> PlanDraft {
    plan.clone().into_draft().2
}

async fn the_migration_keeps_every_holders_price(db: &TestDb) {
    let owner = db.owner.as_ref().unwrap_or(&db.app).connection().clone();
    let store = db.store();
    // A first-wave database: the seed catalog, then the schema as it was before plans.
    seed_catalog(&owner).await.unwrap();
    let migrations = Migrator::migrations();
    let plans_at = migrations
        .iter()
        .position(|m| m.name() == "m20261201_000001_plans")
        .expect("the plans migration");
    let since_plans = u32::try_from(migrations.len() - plans_at).unwrap();
    Migrator::down(&owner, Some(since_plans)).await.unwrap();

    let now = Utc::now();
    let mut holdings = Vec::new();
    // A tool bought once before it was made monthly: its holder keeps a one-time purchase.
    let remodelled = catalog()
        .iter()
        .filter(|t| t.price_model == "MONTHLY")
        .nth(1)
        .unwrap();
    for t in catalog() {
        let billing = match t.price_model {
            "CUSTOM" => continue,
            _ if t.number == remodelled.number => "ONE_TIME",
            "MONTHLY" => "MONTHLY",
            "ANNUAL" => "ANNUAL",
            _ => "ONE_TIME",
        };
        let item = ItemRef::Tool(ToolId::from_uuid(t.id()));
        holdings.push(first_wave_purchase(&owner, item, t.price, billing, now).await);
    }
    // A holder who bought before a price change keeps the price they paid.
    let repriced = catalog()
        .iter()
        .find(|t| t.price_model == "MONTHLY")
        .unwrap();
    let repriced_item = ItemRef::Tool(ToolId::from_uuid(repriced.id()));
    let old_price = repriced.price - dec!(1.00);
    holdings.push(first_wave_purchase(&owner, repriced_item, old_price, "MONTHLY", now).await);
    let b = &bundles()[0];
    let bundle_item = ItemRef::Bundle(BundleId::from_uuid(b.id()));
    holdings.push(first_wave_purchase(&owner, bundle_item, b.price(), "ONE_TIME", now).await);

    Migrator::up(&owner, None).await.unwrap();

    // R-B2: every tool is sold through the plan its price model becomes, at its price.
    let ids: Vec<ToolId> = catalog()
        .iter()
        .map(|t| ToolId::from_uuid(t.id()))
        .collect();
    let tools = store.tools(&ids).await.unwrap();
    assert_eq!(tools.len(), 54);
    for tool in &tools {
        let lineup = store.item_plans(ItemRef::Tool(tool.id)).await.unwrap();
        let drafts: Vec<PlanDraft> = lineup.plans().iter().map(without_id).collect();
        let expected: Vec<PlanDraft> = plan_for_price_model(&tool.pricing).into_iter().collect();
        assert_eq!(drafts, expected, "{}", tool.name);
        if tool.pricing.model() != PriceModel::Custom {
            assert_eq!(lineup.display_price(), Some(tool.price()), "{}", tool.name);
        }
    }
    for b in bundles() {
        let bundle = store
            .bundle(BundleId::from_uuid(b.id()))
            .await
            .unwrap()
            .unwrap();
        let lineup = store
            .item_plans(ItemRef::Bundle(bundle.id()))
            .await
            .unwrap();
        let drafts: Vec<PlanDraft> = lineup.plans().iter().map(without_id).collect();
        assert_eq!(
            drafts,
            [plan_for_bundle_price(bundle.price())],
            "{}",
            b.name
        );
    }

    // No holder's terms changed.
    for h in &holdings {
        let stored = store.list(h.org, None).await.unwrap();
        let [p] = stored.as_slice() else {
            panic!("one purchase per holder")
        };
        assert_eq!(p.id(), h.id);
        assert_eq!(p.item(), h.item);
        assert_eq!(p.amount().amount(), h.amount, "the amount they pay");
        let billing = match p.billing() {
            Billing::OneTime => "ONE_TIME",
            Billing::Recurring { interval, .. } => match interval {
                marketplace_domain::interval::Interval::Monthly => "MONTHLY",
                marketplace_domain::interval::Interval::Annual => "ANNUAL",
            },
        };
        assert_eq!(billing, h.billing, "how often they pay");
    }

    // R-B1: a plan is sold once a purchase at its own terms exists; a holder at another
    // price keeps their terms without selling the plan.
    let sold = |item: ItemRef| {
        let store = store.clone();
        async move {
            let lineup = store.item_plans(item).await.unwrap();
            let plan = lineup.plans()[0].id();
            store.sale_record(plan).await.unwrap()
        }
    };
    assert_eq!(sold(repriced_item).await, SaleRecord::Sold);
    assert_eq!(sold(bundle_item).await, SaleRecord::Sold);
    assert_eq!(
        sold(ItemRef::Tool(ToolId::from_uuid(remodelled.id()))).await,
        SaleRecord::NeverSold,
        "a one-time purchase is not a sale of the monthly plan"
    );
}

#[tokio::test]
async fn r_b2_the_plans_migration_keeps_every_holders_price_on_sqlite() {
    let db = TestDb::sqlite().await;
    the_migration_keeps_every_holders_price(&db).await;
    db.finish().await;
}

#[tokio::test]
async fn r_b2_the_plans_migration_keeps_every_holders_price_on_postgres() {
    let Some(db) = TestDb::postgres("plans_migration").await else {
        return;
    };
    the_migration_keeps_every_holders_price(&db).await;
    db.finish().await;
}
