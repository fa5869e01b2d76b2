//! R-I7: every install, update and rollback attempt is recorded with its outcome, reason
//! and duration; success rates per tool go to the platform and to the tool's seller.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::TimeDelta;

use super::support::*;
use crate::installation::{AttemptRecord, ChangeRequest, Missing, PublishingError};
use crate::outcome::{AttemptKind, Outcome, SuccessRate};

/// Records what the log is given.
fn capture(ports: &mut Ports) -> Arc<Mutex<Vec<AttemptRecord>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = seen.clone();
    ports.log.expect_record().returning(move |attempts| {
        kept.lock().unwrap().extend_from_slice(attempts);
        Ok(())
    });
    seen
}

/// The clock reads 09:00:00 when the attempt starts, 09:00:00.4 when the generation is
/// made, 09:00:01.5 when it ends: each tool's attempt lasted 1.5 s.
#[tokio::test]
async fn r_i7_attempt_recorded_with_duration() {
    let mut ports = Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(0, &[]));
    let readings = [
        now(),
        now() + TimeDelta::milliseconds(400),
        now() + TimeDelta::milliseconds(1500),
    ];
    let mut next = 0;
    ports.clock.expect_now().times(3).returning(move || {
        next += 1;
        readings[next - 1]
    });
    ports
        .installations
        .expect_apply()
        .withf(|_, record| record.applied_at() == now() + TimeDelta::milliseconds(400))
        .returning(|_, _| Ok(()));
    let seen = capture(&mut ports);
    let service = ports.build();

    service
        .apply(&owner(), &ChangeRequest::install(crm_sync(), req("*")))
        .await
        .unwrap();

    let seen = seen.lock().unwrap();
    let tools: Vec<_> = seen.iter().map(|r| r.attempt.module).collect();
    assert_eq!(
        tools,
        [data_core(), crm_sync()],
        "the dependency is installed too"
    );
    for record in seen.iter() {
        assert_eq!(record.attempt.duration, Duration::from_millis(1500));
        assert_eq!(record.attempt.kind, AttemptKind::Install);
        assert_eq!(record.attempt.outcome, Outcome::Succeeded);
        assert_eq!(record.at, now() + TimeDelta::milliseconds(1500));
        assert_eq!((record.org, record.by), (org(), user()));
    }
}

#[tokio::test]
async fn r_i7_moving_an_installed_tool_is_an_update_attempt() {
    let mut ports = Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(1, &[(data_core(), "1.0.0")]))
        .at_now();
    ports.installations.expect_apply().returning(|_, _| Ok(()));
    let seen = capture(&mut ports);
    let service = ports.build();

    service
        .apply(&owner(), &ChangeRequest::install(data_core(), req("^1.1")))
        .await
        .unwrap();

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].attempt.kind, AttemptKind::Update);
}

#[tokio::test]
async fn r_i7_a_refused_attempt_is_recorded_as_failed_with_its_reason() {
    let mut ports = Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(1, &[(data_core(), "1.0.0")]))
        .at_now();
    let seen = capture(&mut ports);
    let service = ports.build();

    service
        .apply(&owner(), &ChangeRequest::install(analytics(), req("*")))
        .await
        .unwrap_err();

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_eq!(seen[0].attempt.module, analytics());
    assert_eq!(
        seen[0].attempt.outcome,
        Outcome::Failed {
            reason: "your organization is not entitled to Analytics".to_owned(),
        }
    );
}

#[tokio::test]
async fn r_i7_the_platform_reads_the_success_rate_of_any_tool() {
    let mut ports = Ports::new();
    ports
        .log
        .expect_success_rates()
        .withf(|tools| tools == [data_core(), crm_sync()])
        .returning(|_| {
            Ok(BTreeMap::from([(
                data_core(),
                SuccessRate::new(19, 20).unwrap(),
            )]))
        });
    let service = ports.build();

    let rates = service
        .success_rates(&platform_admin(), &[data_core(), crm_sync()])
        .await
        .unwrap();

    assert_eq!(rates[&data_core()].percent(), 95);
    assert!(!rates.contains_key(&crm_sync()), "no attempts, no rate");
}

/// A seller's members read the rates of the tools their seller publishes, and only those.
#[tokio::test]
async fn r_i7_a_seller_reads_the_success_rates_of_its_own_tools() {
    let mut ports = Ports::new();
    ports
        .catalog
        .expect_published_by()
        .withf(|o| *o == org())
        .returning(|_| Ok(vec![crm_sync()]));
    ports
        .log
        .expect_success_rates()
        .withf(|tools| tools == [crm_sync()])
        .times(1)
        .returning(|_| {
            Ok(BTreeMap::from([(
                crm_sync(),
                SuccessRate::new(1, 1).unwrap(),
            )]))
        });
    let service = ports.build();

    let rates = service.seller_success_rates(&viewer()).await.unwrap();

    assert_eq!(rates.keys().copied().collect::<Vec<_>>(), [crm_sync()]);
}

#[tokio::test]
async fn r_i7_an_org_that_publishes_nothing_reads_no_rates() {
    let mut ports = Ports::new();
    ports
        .catalog
        .expect_published_by()
        .returning(|_| Ok(vec![]));
    let service = ports.build();

    assert!(
        service
            .seller_success_rates(&member())
            .await
            .unwrap()
            .is_empty()
    );
}

fn an_attempt(outcome: Outcome) -> AttemptRecord {
    AttemptRecord::new(
        other_org(),
        user(),
        now(),
        reports(),
        AttemptKind::Install,
        outcome,
        Duration::from_millis(1200),
    )
}

/// The history of a tool's attempts: the platform reads any tool's, a seller only its own
/// tools'; another seller's tool is not found and the log is never asked.
#[tokio::test]
async fn r_i7_a_tools_attempts_go_to_the_platform_and_to_its_own_seller() {
    let mut ports = Ports::new();
    ports
        .catalog
        .expect_published_by()
        .withf(|o| *o == org())
        .returning(|_| Ok(vec![reports()]));
    ports
        .log
        .expect_attempts()
        .withf(|tool, _| *tool == reports())
        .times(2)
        .returning(|_, page| {
            Ok(marketplace_kernel::paging::Page::slice(
                vec![
                    an_attempt(Outcome::Failed {
                        reason: "no platform".to_owned(),
                    }),
                    an_attempt(Outcome::Succeeded),
                ],
                page,
            ))
        });
    let service = ports.build();
    let page = marketplace_kernel::paging::PageRequest::default();

    let platform = service
        .attempts(&platform_admin(), reports(), page)
        .await
        .unwrap();
    assert_eq!(platform.total, 2);
    let seller = service
        .seller_attempts(&viewer(), reports(), page)
        .await
        .unwrap();
    assert_eq!(seller.items, platform.items);

    let theirs = service.seller_attempts(&viewer(), crm_sync(), page).await;
    assert!(
        matches!(theirs, Err(PublishingError::NotFound(Missing::Tool(t))) if t == crm_sync()),
        "{theirs:?}"
    );
    let denied = service.attempts(&owner(), reports(), page).await;
    assert!(
        matches!(denied, Err(PublishingError::Forbidden(_))),
        "{denied:?}"
    );
}
