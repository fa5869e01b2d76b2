//! Fixtures for the service tests: ids, callers, one tool with meters, plans, and the ports
//! as mocks (a mock without an expectation fails the test when called).

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use marketplace_kernel::access::{Actor, OrgRole, PlatformRole};
use marketplace_kernel::ids::{OrgId, ToolId, UserId};
use marketplace_kernel::money::Currency;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::service::ports::{
    MockEntitlements, MockMeterDefinitions, MockUsageStore, RecordError, UsageStore,
};
use crate::service::{
    AccessService, ActivePlan, BillingService, IngestService, MeterBatch, MeterVerdict,
    MyPacksService, PlanCode, RecordBatch, UsageCaller, UsagePermission, UsageService,
};
use crate::{
    Aggregation, BillingPeriod, Meter, MeterKey, PeriodTotal, PlanQuotas, PropertyKey,
    PropertyValue, Quota, Unit, UsageEventInput,
};

pub fn org() -> OrgId {
    OrgId::from_uuid(Uuid::from_u128(0xA1))
}

/// The tool the org holds, with the meters of [`meters`].
pub fn tool() -> ToolId {
    ToolId::from_uuid(Uuid::from_u128(0x70))
}

/// A tool the org does not hold.
pub fn unheld_tool() -> ToolId {
    ToolId::from_uuid(Uuid::from_u128(0x71))
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 10, 12, 0, 0).unwrap()
}

/// The plan's billing period, holding [`now`]; it resets 1,857,600 seconds after it.
pub fn period() -> BillingPeriod {
    BillingPeriod::new(
        Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2025, 4, 1, 0, 0, 0).unwrap(),
    )
    .unwrap()
}

pub fn key(k: &str) -> MeterKey {
    MeterKey::parse(k).unwrap()
}

/// `api_calls` (count), `gb_processed` (sum), `active_users` (distinct `user_id`).
pub fn meters() -> Vec<Meter> {
    let unit = |u: &str| Unit::parse(u).unwrap();
    vec![
        Meter::new(key("api_calls"), Aggregation::Count, unit("call")),
        Meter::new(key("gb_processed"), Aggregation::Sum, unit("GB")),
        Meter::unique_count_of(
            key("active_users"),
            PropertyKey::parse("user_id").unwrap(),
            unit("user"),
        ),
    ]
}

pub fn hard(limit: Decimal) -> Quota {
    Quota::hard(limit).unwrap()
}

pub fn soft(limit: Decimal, price: Decimal) -> Quota {
    Quota::soft(limit, Some(price)).unwrap()
}

/// The `PRO` plan of [`tool`] over [`period`], in `currency`, with `quotas`.
pub fn plan_in(currency: Currency, quotas: &[(&str, Quota)]) -> ActivePlan {
    let quotas = quotas
        .iter()
        .fold(PlanQuotas::new(), |plan, (meter, quota)| {
            plan.with(key(meter), *quota)
        });
    ActivePlan::new(
        tool(),
        PlanCode::parse("PRO").unwrap(),
        period(),
        quotas,
        currency,
    )
}

pub fn plan(quotas: &[(&str, Quota)]) -> ActivePlan {
    plan_in(Currency::USD, quotas)
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

pub fn user_input(id: &str, user: &str) -> UsageEventInput {
    let mut raw = input(id, "active_users", Decimal::ONE);
    raw.properties
        .insert("user_id".into(), PropertyValue::Text(user.into()));
    raw
}

/// `count` api calls with ids `{prefix}-0`, `{prefix}-1`, ...
pub fn calls(prefix: &str, count: usize) -> Vec<UsageEventInput> {
    (0..count)
        .map(|i| input(&format!("{prefix}-{i}"), "api_calls", Decimal::ONE))
        .collect()
}

/// A host whose key holds `granted`.
pub fn key_holder(granted: &[UsagePermission]) -> UsageCaller {
    UsageCaller::key_holder(org(), granted.iter().copied())
}

/// A host reporting usage with a `usage:write` key.
pub fn host() -> UsageCaller {
    key_holder(&[UsagePermission::ReportUsage])
}

pub fn actor(org_role: OrgRole) -> Actor {
    Actor {
        user_id: UserId::from_uuid(Uuid::from_u128(0xB1)),
        org_id: org(),
        org_role,
        platform_role: PlatformRole::User,
    }
}

/// A member of the org signed in with a token.
pub fn member(org_role: OrgRole) -> UsageCaller {
    UsageCaller::member(&actor(org_role))
}

/// What a store does with a batch when it holds `locked` for each meter and already
/// stored the ids in `stored`: [`MeterBatch::decide`], as the adapter calls it.
pub fn decide_all(
    batch: &RecordBatch,
    locked: impl Fn(&MeterBatch) -> PeriodTotal,
    stored: &[&str],
    now: DateTime<Utc>,
) -> Result<Vec<MeterVerdict>, RecordError> {
    let inserted: HashSet<_> = batch
        .event_ids()
        .into_iter()
        .filter(|id| !stored.contains(&id.as_str()))
        .collect();
    batch
        .meters()
        .iter()
        .map(|group| {
            group
                .decide(&locked(group), &inserted, &HashSet::new(), now)
                .map_err(RecordError::from)
        })
        .collect()
}

/// A total of `events` counted api calls.
pub fn calls_total(events: u64) -> PeriodTotal {
    let parts = crate::TotalParts {
        aggregation: Aggregation::Count,
        events,
        usage: Decimal::from(events),
        latest_at: None,
        latest_event: None,
    };
    PeriodTotal::from_parts(parts).unwrap()
}

/// The three ports as mocks, each expecting nothing until a test says otherwise.
#[derive(Default)]
pub struct Ports {
    pub definitions: MockMeterDefinitions,
    pub entitlements: MockEntitlements,
    pub store: MockUsageStore,
}

impl Ports {
    /// The org holds [`tool`] (and nothing else), which defines [`meters`]; one read of
    /// each.
    pub fn holding_the_tool(mut self) -> Self {
        self.entitlements
            .expect_held()
            .times(1)
            .returning(|_, tools| Ok(held_of(tools)));
        self.definitions
            .expect_meters()
            .times(1)
            .returning(|tools| Ok(meters_of(tools)));
        self
    }

    /// The org's plans in force: `plans`, read once.
    pub fn with_plans(mut self, plans: Vec<ActivePlan>) -> Self {
        self.definitions
            .expect_active_plans()
            .times(1)
            .returning(move |_, _| Ok(plans.clone()));
        self
    }

    pub fn ingest(self) -> IngestService {
        IngestService::new(
            Arc::new(self.definitions),
            Arc::new(self.entitlements),
            Arc::new(self.store),
        )
    }

    pub fn usage(self) -> UsageService {
        UsageService::new(Arc::new(self.store))
    }

    pub fn access(self) -> AccessService {
        AccessService::new(
            Arc::new(self.definitions),
            Arc::new(self.entitlements),
            Arc::new(self.store),
        )
    }

    pub fn packs(self) -> MyPacksService {
        MyPacksService::new(Arc::new(self.definitions), Arc::new(self.store))
    }

    pub fn billing(self) -> BillingService {
        BillingService::new(Arc::new(self.definitions), Arc::new(self.store))
    }
}

/// Of `tools`, those the org holds: [`tool`] only.
pub fn held_of(tools: &[ToolId]) -> BTreeSet<ToolId> {
    tools.iter().copied().filter(|t| *t == tool()).collect()
}

/// The meters of `tools`: [`tool`] defines [`meters`], no other tool defines any.
pub fn meters_of(tools: &[ToolId]) -> BTreeMap<ToolId, Vec<Meter>> {
    tools
        .iter()
        .filter(|t| **t == tool())
        .map(|t| (*t, meters()))
        .collect()
}

/// An ingest service over `store` (shared by concurrent tasks), the org holding [`tool`]
/// under `plans`.
pub fn ingest_over(store: Arc<dyn UsageStore>, plans: Vec<ActivePlan>) -> IngestService {
    let mut definitions = MockMeterDefinitions::new();
    definitions
        .expect_meters()
        .returning(|tools| Ok(meters_of(tools)));
    definitions
        .expect_active_plans()
        .returning(move |_, _| Ok(plans.clone()));
    let mut entitlements = MockEntitlements::new();
    entitlements
        .expect_held()
        .returning(|_, tools| Ok(held_of(tools)));
    IngestService::new(Arc::new(definitions), Arc::new(entitlements), store)
}
