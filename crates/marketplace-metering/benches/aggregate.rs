//! Checking and counting one full batch of usage events: what every `POST /v1/usage/events`
//! of 1,000 events computes before and around its storage. No I/O.
//!
//! `cargo bench -p marketplace-metering --bench aggregate -- --warm-up-time 1 --measurement-time 3`

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hint::black_box;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use rust_decimal::Decimal;
use uuid::Uuid;

use marketplace_metering::{
    Aggregation, CheckedBatch, KeyNovelty, Meter, MeterCatalog, MeterKey, PeriodTotal, PropertyKey,
    PropertyValue, ToolId, Unit, UsageEventInput,
};

/// Unwraps a fixture value; a bench with broken fixtures has nothing to measure.
fn ok<T, E: std::fmt::Debug>(r: Result<T, E>) -> T {
    match r {
        Ok(v) => v,
        Err(e) => panic!("benchmark fixture is invalid: {e:?}"),
    }
}

fn now() -> DateTime<Utc> {
    ok(Utc
        .with_ymd_and_hms(2025, 3, 10, 12, 0, 0)
        .single()
        .ok_or("no such instant"))
}

const METERS: [(&str, Aggregation); 5] = [
    ("api_calls", Aggregation::Count),
    ("gb_processed", Aggregation::Sum),
    ("peak_seats", Aggregation::Max),
    ("active_users", Aggregation::UniqueCount),
    ("storage_gb", Aggregation::Latest),
];

fn catalog(tool: ToolId) -> MeterCatalog {
    let unit = ok(Unit::parse("unit"));
    let meters = METERS.map(|(key, aggregation)| {
        let key = ok(MeterKey::parse(key));
        match aggregation {
            Aggregation::UniqueCount => {
                Meter::unique_count_of(key, ok(PropertyKey::parse("user_id")), unit.clone())
            }
            other => Meter::new(key, other, unit.clone()),
        }
    });
    MeterCatalog::new().with_tool(tool, meters)
}

/// 1,000 events spread over the five meters, each with two properties.
fn batch(tool: ToolId) -> Vec<UsageEventInput> {
    (0..1000_i64)
        .map(|i| {
            let (meter, _) = METERS[(i % 5) as usize];
            let properties = BTreeMap::from([
                (
                    "user_id".to_owned(),
                    PropertyValue::Text(format!("user-{}", i % 37)),
                ),
                (
                    "region".to_owned(),
                    PropertyValue::Text("eu-west".to_owned()),
                ),
            ]);
            UsageEventInput {
                id: format!("evt_{i:08}"),
                tool_id: tool,
                meter: meter.to_owned(),
                value: Decimal::new(i * 13 % 10_000, 2),
                timestamp: now() - TimeDelta::seconds(i * 17),
                properties,
            }
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let tool = ToolId::from_uuid(Uuid::from_u128(7));
    let catalog = catalog(tool);
    let inputs = batch(tool);

    c.bench_function("check a batch of 1000 events", |b| {
        b.iter(|| ok(CheckedBatch::check(black_box(&inputs), &catalog, now())));
    });

    c.bench_function("check and absorb a batch of 1000 events", |b| {
        b.iter(|| {
            let checked = ok(CheckedBatch::check(black_box(&inputs), &catalog, now()));
            let mut seen = HashSet::new();
            let mut keys = HashSet::new();
            let mut totals: HashMap<&MeterKey, PeriodTotal> = HashMap::new();
            for event in checked.events() {
                if !seen.insert(event.id()) {
                    continue;
                }
                let key_seen = event
                    .distinct_key()
                    .is_some_and(|k| !keys.insert((event.meter(), k)));
                let total = totals
                    .entry(event.meter())
                    .or_insert_with(|| PeriodTotal::empty(event.aggregation()));
                ok(total.absorb(event, KeyNovelty::of(event, key_seen)));
            }
            black_box(totals.len())
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
