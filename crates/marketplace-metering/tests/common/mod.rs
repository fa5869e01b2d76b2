//! Fixtures shared by the metering tests: one tool with a meter of each aggregation, and
//! a simulated store that keeps events once per (org, id) the way the adapters do.
#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use marketplace_metering::{
    Aggregation, CheckedBatch, DistinctKey, EventId, KeyNovelty, Meter, MeterCatalog, MeterKey,
    OrgId, PeriodTotal, PropertyKey, PropertyValue, ToolId, Unit, UsageEvent, UsageEventInput,
};

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 10, 12, 0, 0).unwrap()
}

pub fn org() -> OrgId {
    OrgId::from_uuid(Uuid::from_u128(0x0A))
}

pub fn tool() -> ToolId {
    ToolId::from_uuid(Uuid::from_u128(0x70))
}

pub fn other_tool() -> ToolId {
    ToolId::from_uuid(Uuid::from_u128(0x71))
}

pub fn key(k: &str) -> MeterKey {
    MeterKey::parse(k).unwrap()
}

/// The meter of the fixture tool that uses `aggregation`.
pub fn meter_for(aggregation: Aggregation) -> &'static str {
    match aggregation {
        Aggregation::Count => "api_calls",
        Aggregation::Sum => "gb_processed",
        Aggregation::Max => "peak_seats",
        Aggregation::UniqueCount => "active_users",
        Aggregation::Latest => "storage_gb",
    }
}

pub fn meters() -> Vec<Meter> {
    let unit = |u: &str| Unit::parse(u).unwrap();
    vec![
        Meter::new(key("api_calls"), Aggregation::Count, unit("call")),
        Meter::new(key("gb_processed"), Aggregation::Sum, unit("GB")),
        Meter::new(key("peak_seats"), Aggregation::Max, unit("seat")),
        Meter::unique_count_of(
            key("active_users"),
            PropertyKey::parse("user_id").unwrap(),
            unit("user"),
        ),
        Meter::new(key("storage_gb"), Aggregation::Latest, unit("GB")),
        Meter::new(key("seat_numbers"), Aggregation::UniqueCount, unit("seat")),
    ]
}

/// The org holds the fixture tool (and not the other one).
pub fn catalog() -> MeterCatalog {
    MeterCatalog::new().with_tool(tool(), meters())
}

pub fn input(id: &str, meter: &str, value: Decimal) -> UsageEventInput {
    UsageEventInput {
        id: id.to_owned(),
        tool_id: tool(),
        meter: meter.to_owned(),
        value,
        timestamp: now(),
        properties: BTreeMap::new(),
    }
}

pub fn with_user(mut input: UsageEventInput, user: &str) -> UsageEventInput {
    input
        .properties
        .insert("user_id".into(), PropertyValue::Text(user.into()));
    input
}

pub fn at(mut input: UsageEventInput, timestamp: DateTime<Utc>) -> UsageEventInput {
    input.timestamp = timestamp;
    input
}

/// Checks one input alone, as a batch of one.
pub fn check_one(
    input: &UsageEventInput,
) -> Result<UsageEvent, marketplace_metering::RejectionReason> {
    let batch = CheckedBatch::check(std::slice::from_ref(input), &catalog(), now()).unwrap();
    match (batch.events(), batch.rejected()) {
        ([event], []) => Ok(event.clone()),
        ([], [rejection]) => Err(rejection.reason().clone()),
        other => panic!("one input gives one outcome, got {other:?}"),
    }
}

pub fn event(id: &str, meter: &str, value: Decimal) -> UsageEvent {
    check_one(&input(id, meter, value)).unwrap()
}

/// A store as the adapters keep it: events once per (org, id), one total per meter, and
/// the distinct keys of unique-count meters in a side set.
#[derive(Default)]
pub struct Store {
    seen: HashSet<(OrgId, EventId)>,
    keys: HashSet<(OrgId, ToolId, MeterKey, DistinctKey)>,
    pub totals: HashMap<MeterKey, PeriodTotal>,
    pub duplicates: usize,
}

impl Store {
    /// Inserts the event unless its (org, id) is stored; counts it only if inserted.
    pub fn record(&mut self, org: OrgId, event: &UsageEvent) {
        if !self.seen.insert((org, event.id().clone())) {
            self.duplicates += 1;
            return;
        }
        let seen_key = event.distinct_key().is_some_and(|k| {
            !self
                .keys
                .insert((org, event.tool(), event.meter().clone(), k.clone()))
        });
        self.totals
            .entry(event.meter().clone())
            .or_insert_with(|| PeriodTotal::empty(event.aggregation()))
            .absorb(event, KeyNovelty::of(event, seen_key))
            .unwrap();
    }

    /// Checks a batch, then records what it accepted; in-batch repeats count as
    /// duplicates too.
    pub fn deliver(&mut self, org: OrgId, batch: &[UsageEventInput]) {
        let checked = CheckedBatch::check(batch, &catalog(), now()).unwrap();
        assert!(checked.rejected().is_empty(), "{:?}", checked.rejected());
        self.duplicates += checked.duplicates().len();
        for event in checked.events() {
            self.record(org, event);
        }
    }
}
