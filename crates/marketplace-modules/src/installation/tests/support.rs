//! Fixtures for the service tests: ids, actors, a catalog of tools, the ports as mocks.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use marketplace_kernel::access::{Actor, OrgRole, PlatformRole};
use marketplace_kernel::clock::MockClock;
use marketplace_kernel::ids::{OrgId, ToolId, UserId};
use uuid::Uuid;

use crate::installation::ports::{
    Installations, MockEntitlements, MockInstallLog, MockInstallations, MockModuleCatalog,
    MockNotices,
};
use crate::installation::{InstallationService, InstallationState};
use crate::{
    Generation, GenerationNumber, Lockfile, NewRelease, Pricing, Registry, Requirement, Version,
};

pub fn v(text: &str) -> Version {
    Version::parse(text).unwrap()
}

pub fn req(text: &str) -> Requirement {
    Requirement::parse(text).unwrap()
}

pub fn tool(n: u128) -> ToolId {
    ToolId::from_uuid(Uuid::from_u128(0x700_0000 + n))
}

pub fn data_core() -> ToolId {
    tool(1)
}
pub fn crm_sync() -> ToolId {
    tool(2)
}
pub fn reports() -> ToolId {
    tool(3)
}
/// The paid one.
pub fn analytics() -> ToolId {
    tool(4)
}

pub fn org() -> OrgId {
    OrgId::from_uuid(Uuid::from_u128(0xA1))
}
pub fn other_org() -> OrgId {
    OrgId::from_uuid(Uuid::from_u128(0xA2))
}
pub fn user() -> UserId {
    UserId::from_uuid(Uuid::from_u128(0xB1))
}

pub fn actor(org_role: OrgRole, platform_role: PlatformRole) -> Actor {
    Actor {
        user_id: user(),
        org_id: org(),
        org_role,
        platform_role,
    }
}
/// Speaks for the org: may install.
pub fn owner() -> Actor {
    actor(OrgRole::Owner, PlatformRole::User)
}
pub fn member() -> Actor {
    actor(OrgRole::Member, PlatformRole::User)
}
pub fn viewer() -> Actor {
    actor(OrgRole::Viewer, PlatformRole::User)
}
pub fn platform_admin() -> Actor {
    actor(OrgRole::Member, PlatformRole::Admin)
}

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 9, 0, 0).unwrap()
}

/// The platform every org of the fixtures runs, unless a test says otherwise.
pub const PLATFORM: &str = "4.2.0";

/// Data Core 1.0, 1.1 and 2.0 (free); CRM Sync 1.0 needs Data Core ^1 (free); Reports
/// 1.0 works with any Data Core from 1.0, Reports 2.0 needs platform >=5 (free);
/// Analytics 1.0 needs Data Core ^1 (paid).
pub fn catalog() -> Registry<ToolId> {
    let mut registry = Registry::new();
    registry
        .add_module(data_core(), "Data Core", Pricing::Free)
        .unwrap();
    registry
        .add_module(crm_sync(), "CRM Sync", Pricing::Free)
        .unwrap();
    registry
        .add_module(reports(), "Reports", Pricing::Free)
        .unwrap();
    registry
        .add_module(analytics(), "Analytics", Pricing::Paid)
        .unwrap();
    for version in ["1.0.0", "1.1.0", "2.0.0"] {
        registry
            .publish(&data_core(), release(version, "*"))
            .unwrap();
    }
    registry
        .publish(
            &crm_sync(),
            release("1.0.0", "*").requires(data_core(), req("^1")),
        )
        .unwrap();
    registry
        .publish(
            &reports(),
            release("1.0.0", "*").requires(data_core(), req(">=1")),
        )
        .unwrap();
    registry
        .publish(
            &reports(),
            release("2.0.0", ">=5").requires(data_core(), req(">=1")),
        )
        .unwrap();
    registry
        .publish(
            &analytics(),
            release("1.0.0", "*").requires(data_core(), req("^1")),
        )
        .unwrap();
    registry
}

pub fn release(version: &str, platform: &str) -> NewRelease<ToolId> {
    NewRelease::new(v(version), req(platform)).with_notes(format!("Release {version}"))
}

pub fn lock(entries: &[(ToolId, &str)]) -> Lockfile<ToolId> {
    entries
        .iter()
        .map(|(t, version)| (*t, v(version)))
        .collect()
}

/// An org on `platform` at generation `number` holding `entries`.
pub fn state_on(platform: &str, number: u64, entries: &[(ToolId, &str)]) -> InstallationState {
    InstallationState::new(
        v(platform),
        Generation::restore(GenerationNumber::new(number), lock(entries)),
    )
}

pub fn state(number: u64, entries: &[(ToolId, &str)]) -> InstallationState {
    state_on(PLATFORM, number, entries)
}

/// Every port as a mock without expectations: a call nobody expected fails the test.
#[derive(Default)]
pub struct Ports {
    pub catalog: MockModuleCatalog,
    pub installations: MockInstallations,
    pub entitlements: MockEntitlements,
    pub log: MockInstallLog,
    pub notices: MockNotices,
    pub clock: MockClock,
}

impl Ports {
    pub fn new() -> Self {
        Self::default()
    }

    /// The catalog answers `registry` for any roots (a superset of the slice asked for).
    pub fn serving(mut self, registry: Registry<ToolId>) -> Self {
        self.catalog
            .expect_registry()
            .returning(move |_| Ok(registry.clone()));
        self
    }

    /// The org holds exactly `held` among the paid tools it is asked about.
    pub fn holding(mut self, held: &[ToolId]) -> Self {
        let held: BTreeSet<ToolId> = held.iter().copied().collect();
        self.entitlements.expect_held().returning(move |_, tools| {
            Ok(tools.iter().filter(|t| held.contains(t)).copied().collect())
        });
        self
    }

    /// The actor's org (and only it) is in `state`.
    pub fn with_state(mut self, state: InstallationState) -> Self {
        self.installations
            .expect_state()
            .withf(|o| *o == org())
            .returning(move |_| Ok(state.clone()));
        self
    }

    /// The clock always reads `now()`.
    pub fn at_now(mut self) -> Self {
        self.clock.expect_now().return_const(now());
        self
    }

    pub fn build(self) -> InstallationService {
        let Self {
            catalog,
            installations,
            entitlements,
            log,
            notices,
            clock,
        } = self;
        InstallationService::new(
            Arc::new(catalog),
            Arc::new(installations),
            Arc::new(entitlements),
            Arc::new(log),
            Arc::new(notices),
            Arc::new(clock),
        )
    }

    /// The service over `installations` instead of the mock.
    pub fn build_with(self, installations: Arc<dyn Installations>) -> InstallationService {
        let Self {
            catalog,
            entitlements,
            log,
            notices,
            clock,
            ..
        } = self;
        InstallationService::new(
            Arc::new(catalog),
            installations,
            Arc::new(entitlements),
            Arc::new(log),
            Arc::new(notices),
            Arc::new(clock),
        )
    }
}
