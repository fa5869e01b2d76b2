//! R-U1: catalog admins define a tool's meters, once per key; nobody else does.

use std::sync::Arc;

use marketplace_kernel::access::{OrgRole, PlatformRole};
use marketplace_kernel::store::RepoError;

use super::support::*;
use crate::meter::{Aggregation, Meter, MeterKey, Unit};
use crate::service::ports::{Defined, MockMeterRegistry};
use crate::service::{DefineMeterError, MeterDefinition, MeterService};

fn calls(aggregation: Aggregation) -> Meter {
    Meter::new(
        MeterKey::parse("api_calls").unwrap(),
        aggregation,
        Unit::parse("call").unwrap(),
    )
}

fn admin() -> marketplace_kernel::access::Actor {
    let mut admin = actor(OrgRole::Member);
    admin.platform_role = PlatformRole::Admin;
    admin
}

fn service(answer: Result<Defined, RepoError>) -> MeterService {
    let mut registry = MockMeterRegistry::new();
    registry.expect_define().return_once(move |_, _| answer);
    MeterService::new(Arc::new(registry))
}

#[tokio::test]
async fn r_u1_a_new_meter_is_created_and_a_repeat_changes_nothing() {
    let created = service(Ok(Defined::New))
        .define(&admin(), tool(), calls(Aggregation::Count))
        .await
        .unwrap();
    assert_eq!(created, MeterDefinition::Created(calls(Aggregation::Count)));
    let repeat = service(Ok(Defined::Existing(calls(Aggregation::Count))))
        .define(&admin(), tool(), calls(Aggregation::Count))
        .await
        .unwrap();
    assert_eq!(
        repeat,
        MeterDefinition::Unchanged(calls(Aggregation::Count))
    );
}

#[tokio::test]
async fn r_u1_a_key_taken_by_another_definition_is_refused() {
    let taken = service(Ok(Defined::Existing(calls(Aggregation::Count))))
        .define(&admin(), tool(), calls(Aggregation::Sum))
        .await;
    assert!(
        matches!(taken, Err(DefineMeterError::Taken { ref existing }) if *existing == calls(Aggregation::Count)),
        "{taken:?}"
    );
    let missing = service(Err(RepoError::NotFound))
        .define(&admin(), tool(), calls(Aggregation::Count))
        .await;
    assert!(matches!(missing, Err(DefineMeterError::ToolNotFound)));
}

#[tokio::test]
async fn r_u1_only_catalog_admins_define_meters_and_nothing_is_written_otherwise() {
    let mut registry = MockMeterRegistry::new();
    registry.expect_define().never();
    let meters = MeterService::new(Arc::new(registry));
    for role in [
        OrgRole::Owner,
        OrgRole::Admin,
        OrgRole::Member,
        OrgRole::Viewer,
    ] {
        let refused = meters
            .define(&actor(role), tool(), calls(Aggregation::Count))
            .await;
        assert!(matches!(refused, Err(DefineMeterError::Forbidden(_))));
    }
}
