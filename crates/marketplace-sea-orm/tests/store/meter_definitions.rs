//! The meter and plan definitions the usage services read (R-U1, R-U4, R-U5), on both
//! backends: meters defined once per (tool, key), and an org's plan, quotas and billing
//! period read from its recurring purchase and the plan it is under.

use chrono::Duration;
use marketplace_domain::catalog::{CatalogRepository, ItemRef};
use marketplace_domain::checkout::{OrderRepository, PaymentMethod};
use marketplace_domain::ids::{PlanId, ToolId};
use marketplace_domain::money::Currency;
use marketplace_domain::plan::{
    BillingInterval, MeterKey as PlanMeter, OveragePrice, Plan, PlanCode as DomainCode, PlanDraft,
    PlanName, PlanRepository, Quota as PlanQuota, QuotaKind, Quotas, TrialDays,
};
use marketplace_domain::ports::RepoError;
use marketplace_metering::service::ports::{
    AccessFacts, AccessReads, Defined, MeterDefinitions, MeterRegistry,
};
use marketplace_metering::{Aggregation, BillingPeriod, Meter, MeterKey, Quota, Unit};
use marketplace_testkit::builders::{ToolBuilder, t0, unique_uuid, usd, user_id};
use rust_decimal::Decimal;
use sea_orm::ConnectionTrait;

use crate::fixtures;
use crate::support::TestDb;

fn key(k: &str) -> MeterKey {
    MeterKey::parse(k).unwrap()
}

fn calls() -> Meter {
    Meter::new(
        key("api_calls"),
        Aggregation::Count,
        Unit::parse("call").unwrap(),
    )
}

/// A 49.00 a month plan: 5 calls, hard; 100 rows, then 0.0125 a row.
fn metered_plan(tool: ToolId) -> Plan {
    let m = |k: &str| PlanMeter::parse(k).unwrap();
    let quotas = Quotas::new(
        vec![
            PlanQuota::new(m("api_calls"), Decimal::from(5), QuotaKind::Hard).unwrap(),
            PlanQuota::new(m("rows"), Decimal::from(100), QuotaKind::Soft).unwrap(),
        ],
        vec![OveragePrice::new(m("rows"), Decimal::new(125, 4)).unwrap()],
    )
    .unwrap();
    Plan::new(
        PlanId::from_uuid(unique_uuid()),
        ItemRef::Tool(tool),
        PlanDraft {
            code: DomainCode::parse("STANDARD").unwrap(),
            name: PlanName::parse("Standard").unwrap(),
            price: usd("49.00"),
            interval: BillingInterval::Month,
            trial_days: TrialDays::new(0).unwrap(),
            quotas,
            provider_price: None,
        },
    )
    .unwrap()
}

async fn r_u1_r_u4_r_u6_meters_plans_and_access_facts_are_read_from_the_catalog_and_purchases(
    db: TestDb,
) {
    let store = db.store();
    let seller = fixtures::seller(&store).await;
    let tool = ToolBuilder::new()
        .seller(seller)
        .price("49.00")
        .monthly()
        .build();
    store.insert_tool(&tool).await.unwrap();
    store.insert_plan(&metered_plan(tool.id)).await.unwrap();

    // R-U1: a meter is defined once; a repeat finds it; an unknown tool is not found.
    assert_eq!(store.define(tool.id, &calls()).await.unwrap(), Defined::New);
    let other = Meter::new(
        key("api_calls"),
        Aggregation::Sum,
        Unit::parse("call").unwrap(),
    );
    assert_eq!(
        store.define(tool.id, &other).await.unwrap(),
        Defined::Existing(calls())
    );
    let nowhere = ToolId::from_uuid(unique_uuid());
    assert!(matches!(
        store.define(nowhere, &calls()).await,
        Err(RepoError::NotFound)
    ));
    let meters = store.meters(&[tool.id, nowhere]).await.unwrap();
    assert_eq!(meters.len(), 1);
    assert_eq!(meters[&tool.id], vec![calls()]);

    // R-U4: the org buys the tool; its purchase is under the plan of the same price.
    let org = fixtures::org(&store, "100").await;
    let mut order = fixtures::order(
        &store,
        org,
        user_id(),
        &[ItemRef::Tool(tool.id)],
        PaymentMethod::PlatformCredits,
    )
    .await;
    let fulfilment = fixtures::plan(&store, &order).await;
    order.fulfil(t0()).unwrap();
    let mut placed = fixtures::placed(&order, "metered");
    placed.credit_debit = Some(order.total());
    placed.fulfilment = Some(fulfilment);
    store.place(&placed).await.unwrap();

    let during = t0() + Duration::days(3);
    let plans = store.active_plans(org, during).await.unwrap();
    let [plan] = plans.try_into().unwrap();
    assert_eq!(plan.tool(), tool.id);
    assert_eq!(plan.code().as_str(), "STANDARD");
    assert_eq!(plan.currency(), Currency::USD);
    assert!(plan.period().contains(during) && plan.period().start() == t0());
    assert_eq!(
        plan.quotas().quota(&key("api_calls")),
        Some(&Quota::hard(Decimal::from(5)).unwrap())
    );
    assert_eq!(
        plan.quotas().quota(&key("rows")),
        Some(&Quota::soft(Decimal::from(100), Some(Decimal::new(125, 4))).unwrap())
    );
    assert_eq!(
        store.active_plan(org, tool.id, during).await.unwrap(),
        Some(plan.clone())
    );
    // R-U5: the ended period's plan, for its overage; none outside its period.
    let after = plan.period().end() + Duration::hours(1);
    assert_eq!(store.active_plan(org, tool.id, after).await.unwrap(), None);
    assert_eq!(
        store
            .plan_for_period(org, tool.id, plan.period())
            .await
            .unwrap(),
        Some(plan.clone())
    );
    let other_period = BillingPeriod::new(after, after + Duration::days(30)).unwrap();
    assert_eq!(
        store
            .plan_for_period(org, tool.id, &other_period)
            .await
            .unwrap(),
        None
    );
    // R-U6: the access answer's facts, read in one statement.
    let facts = store
        .access_facts(org, tool.id, Some(key("api_calls")), during)
        .await
        .unwrap();
    assert!(facts.held && facts.meter_known);
    assert_eq!(facts.plan, Some(plan.clone()));
    assert!(facts.totals.is_empty(), "nothing counted yet");
    let typo = store
        .access_facts(org, tool.id, Some(key("api_callz")), during)
        .await
        .unwrap();
    assert!(typo.held && !typo.meter_known);
    let bare = store
        .access_facts(org, tool.id, None, during)
        .await
        .unwrap();
    assert!(bare.held && !bare.meter_known);
    assert_eq!(bare.plan, Some(plan.clone()));
    // Another org has no plan of it.
    let stranger = fixtures::org(&store, "0").await;
    assert_eq!(
        store
            .access_facts(stranger, tool.id, Some(key("api_calls")), during)
            .await
            .unwrap(),
        AccessFacts::default()
    );
    assert!(
        store
            .active_plans(stranger, during)
            .await
            .unwrap()
            .is_empty()
    );

    // The facts kept in memory, as the service keeps them: this replica's write is seen at
    // once, another writer's (raw SQL, as another replica's) once the bound has passed.
    let bound = std::time::Duration::from_millis(300);
    let kept = db.store().with_kept_reads(bound);
    let known = |at| {
        let kept = &kept;
        async move {
            kept.access_facts(org, tool.id, Some(key("api_callz")), at)
                .await
                .unwrap()
                .meter_known
        }
    };
    assert!(!known(during).await);
    let typo = Meter::new(
        key("api_callz"),
        Aggregation::Count,
        Unit::parse("call").unwrap(),
    );
    assert_eq!(kept.define(tool.id, &typo).await.unwrap(), Defined::New);
    assert!(known(during).await, "this replica's write is seen at once");
    let conn = db.owner.as_ref().unwrap_or(&db.app).connection();
    conn.execute_unprepared("DELETE FROM tool_meters WHERE meter = 'api_callz'")
        .await
        .unwrap();
    tokio::time::sleep(bound + std::time::Duration::from_millis(50)).await;
    assert!(
        !known(during).await,
        "another writer's change is seen once the bound has passed"
    );
    db.finish().await;
}

#[tokio::test]
async fn sqlite_r_u1_r_u4_r_u6_meters_plans_and_access_facts_are_read_from_the_catalog_and_purchases()
 {
    r_u1_r_u4_r_u6_meters_plans_and_access_facts_are_read_from_the_catalog_and_purchases(
        TestDb::sqlite().await,
    )
    .await;
}

#[tokio::test]
async fn postgres_r_u1_r_u4_r_u6_meters_plans_and_access_facts_are_read_from_the_catalog_and_purchases()
 {
    let Some(db) = TestDb::postgres("usage definitions").await else {
        return;
    };
    r_u1_r_u4_r_u6_meters_plans_and_access_facts_are_read_from_the_catalog_and_purchases(db).await;
}

/// R-G3, R-U1: a tool published with its plans and meters stores each meter as defining
/// it does (the registry then finds the very definition), in the tool's transaction: a
/// meter that cannot be stored leaves no tool, plan or meter behind.
async fn r_g3_a_tool_is_published_with_its_meters_at_once(db: TestDb) {
    let store = db.store();
    let seller = fixtures::seller(&store).await;
    let tool = ToolBuilder::new()
        .seller(seller)
        .price("49.00")
        .monthly()
        .build();
    let users = Meter::from_input(
        "active_users",
        Aggregation::UniqueCount,
        "user",
        Some("user_id"),
    )
    .unwrap();
    store
        .insert_tool_with_plans(&tool, &[metered_plan(tool.id)], &[calls(), users.clone()])
        .await
        .unwrap();
    assert_eq!(
        store.define(tool.id, &calls()).await.unwrap(),
        Defined::Existing(calls())
    );
    assert_eq!(
        store.define(tool.id, &users).await.unwrap(),
        Defined::Existing(users)
    );
    let read = store.meters(&[tool.id]).await.unwrap();
    assert_eq!(read[&tool.id].len(), 2);

    let broken = ToolBuilder::new()
        .seller(seller)
        .price("49.00")
        .monthly()
        .build();
    let summed = Meter::new(
        key("api_calls"),
        Aggregation::Sum,
        Unit::parse("call").unwrap(),
    );
    assert!(
        store
            .insert_tool_with_plans(&broken, &[metered_plan(broken.id)], &[calls(), summed])
            .await
            .is_err()
    );
    assert!(store.tool(broken.id).await.unwrap().is_none(), "no tool");
    assert!(
        store
            .item_plans(ItemRef::Tool(broken.id))
            .await
            .unwrap()
            .plans()
            .is_empty(),
        "no plan"
    );
    assert!(
        !store
            .meters(&[broken.id])
            .await
            .unwrap()
            .contains_key(&broken.id),
        "no meter"
    );
    db.finish().await;
}

#[tokio::test]
async fn sqlite_r_g3_a_tool_is_published_with_its_meters_at_once() {
    r_g3_a_tool_is_published_with_its_meters_at_once(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn postgres_r_g3_a_tool_is_published_with_its_meters_at_once() {
    let Some(db) = TestDb::postgres("tool with meters").await else {
        return;
    };
    r_g3_a_tool_is_published_with_its_meters_at_once(db).await;
}
