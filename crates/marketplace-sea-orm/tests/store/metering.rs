//! The usage store (R-U2, R-U3, R-U4) on both backends: events counted once under racing
//! deliveries, hard quotas whole under racing batches, failed batches counting nothing, and
//! reads answering what was written. PostgreSQL runs the races on a pool of ten
//! connections with spawned tasks; SQLite's one connection serializes them.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, DurationRound, Utc};
use futures::future::join_all;
use marketplace_domain::ids::{OrgId, ToolId};
use marketplace_domain::money::Currency;
use marketplace_metering::service::ports::{RecordError, UsageStore};
use marketplace_metering::service::{
    ActivePlan, EventOutcome, MeterVerdict, PlanCode, RecordBatch, ReportFilter,
};
use marketplace_metering::{
    Aggregation, BillingPeriod, CheckedBatch, DecisionError, Granularity, Meter, MeterCatalog,
    MeterKey, PlanQuotas, PropertyKey, PropertyValue, Quota, ReportRange, Unit, UsageEventInput,
};
use marketplace_sea_orm::SeaOrmStore;
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, TransactionTrait};
use uuid::Uuid;

use crate::support::{TestDb, pg};

/// Received now (PostgreSQL keeps raw events in the partition of their month of receipt,
/// and the migration creates the current one), at a whole second.
pub(crate) fn now() -> DateTime<Utc> {
    Utc::now()
        .duration_trunc(Duration::seconds(1))
        .expect("a whole second")
}

fn key(k: &str) -> MeterKey {
    MeterKey::parse(k).unwrap()
}

/// `api_calls` (count), `gb` (sum), `users` (distinct `user_id`), `seats` (latest).
pub(crate) fn catalog(tool: ToolId) -> MeterCatalog {
    let unit = |u: &str| Unit::parse(u).unwrap();
    MeterCatalog::new().with_tool(
        tool,
        [
            Meter::new(key("api_calls"), Aggregation::Count, unit("call")),
            Meter::new(key("gb"), Aggregation::Sum, unit("GB")),
            Meter::unique_count_of(
                key("users"),
                PropertyKey::parse("user_id").unwrap(),
                unit("user"),
            ),
            Meter::new(key("seats"), Aggregation::Latest, unit("seat")),
        ],
    )
}

pub(crate) fn event(
    id: &str,
    tool: ToolId,
    meter: &str,
    value: i64,
    at: DateTime<Utc>,
) -> UsageEventInput {
    UsageEventInput {
        id: id.to_owned(),
        tool_id: tool,
        meter: meter.to_owned(),
        value: Decimal::from(value),
        timestamp: at,
        properties: BTreeMap::new(),
    }
}

pub(crate) fn user_event(id: &str, tool: ToolId, user: &str, at: DateTime<Utc>) -> UsageEventInput {
    let mut input = event(id, tool, "users", 1, at);
    input
        .properties
        .insert("user_id".to_owned(), PropertyValue::Text(user.to_owned()));
    input
}

pub(crate) fn batch(
    inputs: &[UsageEventInput],
    catalog: &MeterCatalog,
    plans: &[ActivePlan],
    now: DateTime<Utc>,
) -> RecordBatch {
    let checked = CheckedBatch::check(inputs, catalog, now).unwrap();
    assert!(checked.rejected().is_empty(), "{:?}", checked.rejected());
    RecordBatch::new(&checked, plans, now).unwrap()
}

fn hard_plan(tool: ToolId, meter: &str, limit: i64, now: DateTime<Utc>) -> ActivePlan {
    ActivePlan::new(
        tool,
        PlanCode::parse("PRO").unwrap(),
        BillingPeriod::calendar_month(now).unwrap(),
        PlanQuotas::new().with(key(meter), Quota::hard(Decimal::from(limit)).unwrap()),
        Currency::USD,
    )
}

fn outcomes<'a>(verdicts: impl IntoIterator<Item = &'a MeterVerdict>) -> Vec<EventOutcome> {
    verdicts
        .into_iter()
        .flat_map(|verdict| verdict.outcomes().map(|(_, outcome)| outcome))
        .collect()
}

fn ids() -> (OrgId, ToolId) {
    (
        OrgId::from_uuid(Uuid::new_v4()),
        ToolId::from_uuid(Uuid::new_v4()),
    )
}

/// Records every batch at once: spawned tasks over the pool.
async fn race(
    store: &SeaOrmStore,
    org: OrgId,
    batches: Vec<RecordBatch>,
    now: DateTime<Utc>,
) -> Vec<Vec<MeterVerdict>> {
    let tasks = batches.into_iter().map(|batch| {
        let store = store.clone();
        tokio::spawn(async move { store.record(org, &batch, now).await })
    });
    join_all(tasks)
        .await
        .into_iter()
        .map(|joined| {
            joined
                .expect("the task ran")
                .expect("the batch is recorded")
        })
        .collect()
}

async fn r_u2_twenty_deliveries_of_one_batch_count_each_event_once(db: TestDb) {
    let store = db.store();
    let (org, tool) = ids();
    let now = now();
    let catalog = catalog(tool);
    let inputs: Vec<UsageEventInput> = (0..100)
        .map(|i| {
            let meter = if i % 2 == 0 { "api_calls" } else { "gb" };
            event(
                &format!("evt-{i:03}"),
                tool,
                meter,
                3,
                now - Duration::minutes(1),
            )
        })
        .collect();
    let one = batch(&inputs, &catalog, &[], now);

    let answers = race(&store, org, vec![one; 20], now).await;

    let all = outcomes(answers.iter().flatten());
    let counted = all.iter().filter(|o| **o == EventOutcome::Counted).count();
    let duplicates = all
        .iter()
        .filter(|o| **o == EventOutcome::Duplicate)
        .count();
    assert_eq!(counted, 100, "R-U2: each of the 100 events counted once");
    assert_eq!(duplicates, 1900, "R-U2: every other delivery a duplicate");
    let period = BillingPeriod::calendar_month(now).unwrap();
    let calls = store
        .totals(org, tool, &key("api_calls"), &period)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((calls.events(), calls.usage()), (50, Decimal::from(50)));
    let gb = store
        .totals(org, tool, &key("gb"), &period)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((gb.events(), gb.usage()), (50, Decimal::from(150)));
    db.finish().await;
}

async fn r_u4_a_hard_quota_holds_under_twenty_racing_batches(db: TestDb) {
    let store = db.store();
    let (org, tool) = ids();
    let now = now();
    let catalog = catalog(tool);
    let plans = [hard_plan(tool, "api_calls", 37, now)];
    let batches: Vec<RecordBatch> = (0..20)
        .map(|b| {
            let inputs: Vec<UsageEventInput> = (0..10)
                .map(|i| event(&format!("b{b:02}-{i}"), tool, "api_calls", 1, now))
                .collect();
            batch(&inputs, &catalog, &plans, now)
        })
        .collect();

    let answers = race(&store, org, batches, now).await;

    let all = outcomes(answers.iter().flatten());
    let counted = all.iter().filter(|o| o.is_counted()).count();
    let refused = all
        .iter()
        .filter(|o| matches!(o, EventOutcome::OverQuota { .. }))
        .count();
    assert_eq!(counted, 37, "R-U4: exactly the hard quota gets through");
    assert_eq!(refused, 200 - 37, "R-U4: the rest is refused");
    let period = BillingPeriod::calendar_month(now).unwrap();
    let total = store
        .totals(org, tool, &key("api_calls"), &period)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        total.usage(),
        Decimal::from(37),
        "R-U4: the total never passes the quota"
    );

    // A refused event left no id behind: once the quota allows it, it counts.
    let refused_id = answers
        .iter()
        .flatten()
        .flat_map(MeterVerdict::refused)
        .next()
        .unwrap()
        .as_str()
        .to_owned();
    let more = [hard_plan(tool, "api_calls", 38, now)];
    let again = batch(
        &[event(&refused_id, tool, "api_calls", 1, now)],
        &catalog,
        &more,
        now,
    );
    let verdicts = store.record(org, &again, now).await.unwrap();
    assert_eq!(outcomes(&verdicts), vec![EventOutcome::Counted]);
    db.finish().await;
}

async fn r_u3_a_failed_batch_counts_nothing(db: TestDb) {
    let store = db.store();
    let (org, tool) = ids();
    let now = now();
    let catalog = catalog(tool);
    let period = BillingPeriod::calendar_month(now).unwrap();
    let first: Vec<UsageEventInput> = (0..5)
        .map(|i| event(&format!("ok-{i}"), tool, "api_calls", 1, now))
        .collect();
    store
        .record(org, &batch(&first, &catalog, &[], now), now)
        .await
        .unwrap();

    // The same meter key now declared as a sum: the locked count total refuses the batch
    // after the transaction inserted its ids and created the rows of its second meter.
    let unit = Unit::parse("x").unwrap();
    let changed = MeterCatalog::new().with_tool(
        tool,
        [
            Meter::new(key("api_calls"), Aggregation::Sum, unit.clone()),
            Meter::new(key("gb"), Aggregation::Sum, unit),
        ],
    );
    let failing: Vec<UsageEventInput> = (0..5)
        .map(|i| event(&format!("new-{i}"), tool, "api_calls", 1, now))
        .chain((0..5).map(|i| event(&format!("gb-{i}"), tool, "gb", 2, now)))
        .collect();
    let failed = store
        .record(org, &batch(&failing, &changed, &[], now), now)
        .await;
    assert!(
        matches!(failed, Err(RecordError::Decision(DecisionError::Total(_)))),
        "{failed:?}"
    );

    let calls = store.totals(org, tool, &key("api_calls"), &period).await;
    assert_eq!(calls.unwrap().unwrap().usage(), Decimal::from(5));
    assert!(
        store
            .totals(org, tool, &key("gb"), &period)
            .await
            .unwrap()
            .is_none()
    );
    let range = ReportRange::new(now, now + Duration::seconds(1), Granularity::Day).unwrap();
    let report = store
        .usage_report(org, &range, &ReportFilter::All)
        .await
        .unwrap();
    assert_eq!(
        report.len(),
        1,
        "only the first batch's day row: {report:?}"
    );
    assert_eq!(report[0].total.usage(), Decimal::from(5));

    // Nothing of it was kept, not even the ids: sent again rightly, every event counts.
    let retried: Vec<UsageEventInput> = (0..5)
        .map(|i| event(&format!("new-{i}"), tool, "api_calls", 1, now))
        .collect();
    let verdicts = store
        .record(org, &batch(&retried, &catalog, &[], now), now)
        .await
        .unwrap();
    assert_eq!(outcomes(&verdicts), vec![EventOutcome::Counted; 5]);
    db.finish().await;
}

async fn r_u3_reads_answer_what_was_written(db: TestDb) {
    let store = db.store();
    let (org, tool) = ids();
    let (other_org, _) = ids();
    let now = now();
    let catalog = catalog(tool);
    let today = now;
    let yesterday = now - Duration::days(1);
    let inputs = vec![
        event("c1", tool, "api_calls", 1, yesterday),
        event("c2", tool, "api_calls", 1, today),
        event("c3", tool, "api_calls", 1, today),
        event("g1", tool, "gb", 4, yesterday),
        user_event("u1", tool, "ann", yesterday),
        user_event("u2", tool, "bob", today),
        user_event("u3", tool, "ann", today),
        event("s1", tool, "seats", 7, yesterday),
        event("s2", tool, "seats", 5, today),
    ];
    store
        .record(org, &batch(&inputs, &catalog, &[], now), now)
        .await
        .unwrap();
    // A second batch sees the first one's distinct keys.
    let again = vec![user_event("u4", tool, "bob", today)];
    store
        .record(org, &batch(&again, &catalog, &[], now), now)
        .await
        .unwrap();

    let period = BillingPeriod::calendar_month(now).unwrap();
    let usage = store.period_usage(org, tool, &period).await.unwrap();
    let figures: BTreeMap<&str, (u64, Decimal)> = usage
        .iter()
        .map(|(meter, total)| (meter.as_str(), (total.events(), total.usage())))
        .collect();
    // The period total is by receipt: yesterday's events count in it too.
    assert_eq!(
        figures,
        BTreeMap::from([
            ("api_calls", (3, Decimal::from(3))),
            ("gb", (1, Decimal::from(4))),
            ("seats", (2, Decimal::from(5))),
            ("users", (4, Decimal::from(2))),
        ])
    );
    let seats = store
        .totals(org, tool, &key("seats"), &period)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seats.latest().map(|mark| mark.event().as_str()), Some("s2"));

    let range =
        ReportRange::new(yesterday, today + Duration::seconds(1), Granularity::Day).unwrap();
    let days = store
        .usage_report(org, &range, &ReportFilter::Meter(tool, key("users")))
        .await
        .unwrap();
    let per_day: Vec<(u64, Decimal)> = days
        .iter()
        .map(|row| (row.total.events(), row.total.usage()))
        .collect();
    // Yesterday: ann. Today: bob, ann, bob again: two distinct users.
    assert_eq!(
        per_day,
        vec![(1, Decimal::from(1)), (3, Decimal::from(2))],
        "{days:?}"
    );
    assert!(
        days.iter()
            .all(|row| row.tool == tool && row.meter == key("users"))
    );

    assert!(
        store
            .period_usage(other_org, tool, &period)
            .await
            .unwrap()
            .is_empty(),
        "another org reads none of it"
    );
    db.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_r_u2_twenty_deliveries_of_one_batch_count_each_event_once() {
    r_u2_twenty_deliveries_of_one_batch_count_each_event_once(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_r_u2_twenty_deliveries_of_one_batch_count_each_event_once() {
    let Some(db) = TestDb::postgres("usage exactly once").await else {
        return;
    };
    r_u2_twenty_deliveries_of_one_batch_count_each_event_once(db).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sqlite_r_u4_a_hard_quota_holds_under_twenty_racing_batches() {
    r_u4_a_hard_quota_holds_under_twenty_racing_batches(TestDb::sqlite().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn postgres_r_u4_a_hard_quota_holds_under_twenty_racing_batches() {
    let Some(db) = TestDb::postgres("usage hard quota").await else {
        return;
    };
    r_u4_a_hard_quota_holds_under_twenty_racing_batches(db).await;
}

#[tokio::test]
async fn sqlite_r_u3_a_failed_batch_counts_nothing() {
    r_u3_a_failed_batch_counts_nothing(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn postgres_r_u3_a_failed_batch_counts_nothing() {
    let Some(db) = TestDb::postgres("usage failed batch").await else {
        return;
    };
    r_u3_a_failed_batch_counts_nothing(db).await;
}

#[tokio::test]
async fn sqlite_r_u3_reads_answer_what_was_written() {
    r_u3_reads_answer_what_was_written(TestDb::sqlite().await).await;
}

#[tokio::test]
async fn postgres_r_u3_reads_answer_what_was_written() {
    let Some(db) = TestDb::postgres("usage reads").await else {
        return;
    };
    r_u3_reads_answer_what_was_written(db).await;
}

/// R-T3 on the partitioned raw events: through the parent an org sees only its own rows;
/// a partition named directly is closed to the app role.
#[tokio::test]
async fn postgres_raw_usage_events_are_tenant_scoped_through_the_parent_only() {
    let Some(db) = TestDb::postgres("usage rls").await else {
        return;
    };
    let store = db.store();
    let (org, tool) = ids();
    let (other, _) = ids();
    let now = now();
    let inputs: Vec<UsageEventInput> = (0..4)
        .map(|i| event(&format!("e{i}"), tool, "api_calls", 1, now))
        .collect();
    store
        .record(org, &batch(&inputs, &catalog(tool), &[], now), now)
        .await
        .unwrap();

    let app = db.app.connection();
    assert_eq!(count_as(app, org, "usage_events").await.unwrap(), 4);
    assert_eq!(count_as(app, other, "usage_events").await.unwrap(), 0);
    assert_eq!(count_as(app, other, "usage_event_ids").await.unwrap(), 0);
    assert_eq!(count_as(app, other, "usage_totals").await.unwrap(), 0);

    let owner = db.owner.as_ref().unwrap().connection();
    let partitions = owner
        .query_all_raw(pg(
            "SELECT inhrelid::regclass::text AS name FROM pg_inherits \
             WHERE inhparent = 'usage_events'::regclass ORDER BY 1",
            vec![],
        ))
        .await
        .unwrap();
    assert_eq!(partitions.len(), 2, "the current and the next month");
    for row in partitions {
        let name: String = row.try_get("", "name").unwrap();
        assert!(
            count_as(app, org, &name).await.is_err(),
            "{name} is closed to the app role"
        );
    }
    db.finish().await;
}

/// Counts the rows of `table` the app role sees as `tenant`.
async fn count_as(app: &DatabaseConnection, tenant: OrgId, table: &str) -> Result<i64, DbErr> {
    let tx = app.begin().await.unwrap();
    tx.query_one_raw(pg(
        "SELECT set_config('app.current_org_id', $1, true)",
        vec![tenant.to_string().into()],
    ))
    .await
    .unwrap();
    let counted = tx
        .query_one_raw(pg(&format!("SELECT count(*) AS n FROM {table}"), vec![]))
        .await
        .map(|row| row.unwrap().try_get::<i64>("", "n").unwrap());
    tx.rollback().await.unwrap();
    counted
}
