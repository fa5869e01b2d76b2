//! R-U2: batches checked event by event, each event counted once per (org, id).

use std::sync::Arc;

use chrono::TimeDelta;
use marketplace_kernel::access::OrgRole;
use rust_decimal::dec;
use tokio::task::JoinSet;

use super::memory::MemoryStore;
use super::support::*;
use crate::service::{UsageError, UsagePermission};
use crate::{BatchError, CheckedBatch, PeriodTotal, RejectionReason};

#[tokio::test]
async fn r_u2_a_caller_who_may_not_report_usage_touches_no_port() {
    let events = calls("evt", 3);
    for caller in [
        member(OrgRole::Owner),
        member(OrgRole::Admin),
        key_holder(&[UsagePermission::ReadUsage, UsagePermission::CheckAccess]),
    ] {
        let answer = Ports::default()
            .ingest()
            .ingest(&caller, &events, now())
            .await;
        assert!(
            matches!(
                answer,
                Err(UsageError::Forbidden(UsagePermission::ReportUsage))
            ),
            "{answer:?}"
        );
    }
}

#[tokio::test]
async fn r_u2_an_empty_or_oversized_batch_is_refused_before_anything_is_read() {
    let service = Ports::default().ingest();
    assert!(matches!(
        service.ingest(&host(), &[], now()).await,
        Err(UsageError::Batch(BatchError::Empty))
    ));
    let too_many = calls("evt", CheckedBatch::MAX_EVENTS + 1);
    assert!(matches!(
        service.ingest(&host(), &too_many, now()).await,
        Err(UsageError::Batch(BatchError::TooLarge { count: 1001 }))
    ));
}

#[tokio::test]
async fn r_u2_refused_events_never_fail_the_accepted_ones_beside_them() {
    let mut elsewhere = input("evt-elsewhere", "api_calls", dec!(1));
    elsewhere.tool_id = unheld_tool();
    let mut too_old = input("evt-old", "api_calls", dec!(1));
    too_old.timestamp = now() - TimeDelta::days(36);
    let batch = vec![
        input("evt-1", "api_calls", dec!(1)),
        input("evt-typo", "api_cals", dec!(1)),
        elsewhere,
        too_old,
        input("evt-2", "gb_processed", dec!(2.5)),
        input("evt-negative", "gb_processed", dec!(-1)),
    ];
    let mut ports = Ports::default().holding_the_tool().with_plans(vec![]);
    ports
        .store
        .expect_record()
        .times(1)
        .withf(|org_id, batch, _| {
            let ids: Vec<&str> = batch.event_ids().iter().map(|id| id.as_str()).collect();
            *org_id == org() && ids == ["evt-1", "evt-2"]
        })
        .returning(|_, batch, now| {
            decide_all(batch, |g| PeriodTotal::empty(g.aggregation()), &[], now)
        });

    let answer = ports.ingest().ingest(&host(), &batch, now()).await.unwrap();

    let report = answer.report();
    assert_eq!((report.accepted(), report.duplicates()), (2, 0));
    let refused: Vec<(&str, &str)> = report
        .rejected()
        .iter()
        .map(|r| (r.id(), r.reason().code()))
        .collect();
    assert_eq!(
        refused,
        [
            ("evt-typo", "unknown_meter"),
            ("evt-elsewhere", "not_entitled"),
            ("evt-old", "timestamp_out_of_window"),
            ("evt-negative", "value_out_of_range"),
        ]
    );
    assert!(!answer.quota_exceeded());
    assert_eq!(
        answer.rate_limit(),
        None,
        "no meter of the batch is limited"
    );
}

#[tokio::test]
async fn r_u2_a_batch_without_a_valid_event_reads_no_plan_and_records_nothing() {
    let mut elsewhere = input("evt-1", "api_calls", dec!(1));
    elsewhere.tool_id = unheld_tool();
    let mut ports = Ports::default();
    ports
        .entitlements
        .expect_held()
        .times(1)
        .returning(|_, tools| Ok(held_of(tools)));

    let answer = ports
        .ingest()
        .ingest(&host(), &[elsewhere], now())
        .await
        .unwrap();

    assert_eq!(answer.report().accepted(), 0);
    assert_eq!(
        answer.report().rejected()[0].reason(),
        &RejectionReason::NotEntitled {
            tool: unheld_tool()
        }
    );
    assert!(
        !answer.quota_exceeded(),
        "a refusal that is not a quota is a 202"
    );
}

#[tokio::test]
async fn r_u2_repeats_within_the_batch_and_ids_already_stored_are_answered_as_duplicates() {
    let batch = vec![
        input("evt-1", "api_calls", dec!(1)),
        input("evt-2", "api_calls", dec!(1)),
        input("evt-1", "api_calls", dec!(1)),
        input("evt-3", "api_calls", dec!(1)),
    ];
    let mut ports = Ports::default().holding_the_tool().with_plans(vec![]);
    ports
        .store
        .expect_record()
        .times(1)
        .withf(|_, batch, _| batch.len() == 3)
        .returning(|_, batch, now| {
            // evt-2 was stored by an earlier delivery.
            decide_all(
                batch,
                |g| PeriodTotal::empty(g.aggregation()),
                &["evt-2"],
                now,
            )
        });

    let answer = ports.ingest().ingest(&host(), &batch, now()).await.unwrap();

    let report = answer.report();
    assert_eq!((report.accepted(), report.duplicates()), (2, 2));
    assert!(report.rejected().is_empty());
}

#[tokio::test]
async fn r_u2_a_store_that_counted_nothing_fails_the_batch_so_the_host_sends_it_again() {
    let mut ports = Ports::default().holding_the_tool().with_plans(vec![]);
    ports.store.expect_record().times(1).returning(|_, _, _| {
        Err(marketplace_kernel::store::RepoError::Unavailable("connection reset".into()).into())
    });
    let answer = ports
        .ingest()
        .ingest(&host(), &calls("evt", 2), now())
        .await;
    assert!(
        matches!(answer, Err(UsageError::Infrastructure(_))),
        "{answer:?}"
    );
}

#[tokio::test]
async fn r_u2_a_store_answer_that_leaves_out_a_meter_of_the_batch_is_not_taken_as_counted() {
    let mut ports = Ports::default().holding_the_tool().with_plans(vec![]);
    ports
        .store
        .expect_record()
        .times(1)
        .returning(|_, _, _| Ok(vec![]));
    let answer = ports
        .ingest()
        .ingest(&host(), &calls("evt", 2), now())
        .await;
    assert!(
        matches!(answer, Err(UsageError::StoreContract(_))),
        "{answer:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn r_u2_twenty_concurrent_deliveries_of_one_batch_count_every_event_once() {
    const DELIVERIES: usize = 20;
    let store = Arc::new(MemoryStore::meeting(DELIVERIES));
    let service = ingest_over(store.clone(), vec![]);
    let mut batch = calls("evt", 30);
    batch.extend((0..10).map(|i| input(&format!("gb-{i}"), "gb_processed", dec!(0.5))));
    batch.extend((0..10).map(|i| user_input(&format!("user-{i}"), &format!("u{}", i % 4))));

    let mut deliveries = JoinSet::new();
    for _ in 0..DELIVERIES {
        let (service, batch) = (service.clone(), batch.clone());
        deliveries.spawn(async move { service.ingest(&host(), &batch, now()).await });
    }
    let answers = deliveries.join_all().await;

    let (mut accepted, mut duplicates) = (0, 0);
    for answer in answers {
        let answer = answer.unwrap();
        assert!(answer.report().rejected().is_empty());
        accepted += answer.report().accepted();
        duplicates += answer.report().duplicates();
    }
    assert_eq!(accepted, 50, "each event counted by exactly one delivery");
    assert_eq!(duplicates, 50 * (DELIVERIES - 1));
    assert_eq!((store.stored_ids(), store.stored_events()), (50, 50));
    let month = crate::BillingPeriod::calendar_month(now()).unwrap();
    let figure = |meter: &str| {
        let total = store.total(org(), tool(), &key(meter), month).unwrap();
        (total.events(), total.usage())
    };
    assert_eq!(figure("api_calls"), (30, dec!(30)));
    assert_eq!(figure("gb_processed"), (10, dec!(5)));
    assert_eq!(figure("active_users"), (10, dec!(4)));
}
