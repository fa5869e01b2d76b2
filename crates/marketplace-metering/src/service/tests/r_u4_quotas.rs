//! R-U4: the plan's quotas, weighed in the store's transaction against the locked total:
//! hard ones refuse (429 when the whole batch is refused), soft ones count overage.

use std::sync::Arc;

use rust_decimal::dec;
use tokio::task::JoinSet;

use super::memory::MemoryStore;
use super::support::*;
use crate::service::{EventOutcome, IngestAnswer};
use crate::{BillingPeriod, Quota, RejectionReason};

/// Seconds from [`now`] to the end of [`period`].
const RESET: u64 = 21 * 24 * 3600 + 12 * 3600;

#[tokio::test]
async fn r_u4_a_batch_wholly_over_a_hard_quota_is_answered_quota_exceeded_with_retry_after() {
    let mut ports = Ports::default()
        .holding_the_tool()
        .with_plans(vec![plan(&[("api_calls", hard(dec!(10)))])]);
    ports
        .store
        .expect_record()
        .times(1)
        .returning(|_, batch, now| decide_all(batch, |_| calls_total(10), &[], now));

    let answer = ports
        .ingest()
        .ingest(&host(), &calls("evt", 3), now())
        .await
        .unwrap();

    assert!(answer.quota_exceeded());
    let report = answer.report();
    assert_eq!(report.accepted(), 0);
    assert!(report.rejected().iter().all(|r| r.reason()
        == &RejectionReason::QuotaExceeded {
            meter: key("api_calls"),
            limit: dec!(10)
        }));
    let limit = answer.rate_limit().unwrap();
    assert_eq!(limit.retry_after_seconds(), Some(RESET));
    let headers = limit.headers();
    assert_eq!(
        headers,
        [
            ("RateLimit-Limit", "10".to_owned()),
            ("RateLimit-Remaining", "0".to_owned()),
            ("RateLimit-Reset", RESET.to_string()),
            ("Retry-After", RESET.to_string()),
        ]
    );
}

#[tokio::test]
async fn r_u4_a_batch_partly_over_a_hard_quota_counts_what_fits_and_lists_the_rest() {
    let mut ports = Ports::default()
        .holding_the_tool()
        .with_plans(vec![plan(&[("api_calls", hard(dec!(10)))])]);
    ports
        .store
        .expect_record()
        .times(1)
        .returning(|_, batch, now| decide_all(batch, |_| calls_total(8), &[], now));

    let answer = ports
        .ingest()
        .ingest(&host(), &calls("evt", 5), now())
        .await
        .unwrap();

    assert!(!answer.quota_exceeded(), "a partly accepted batch is a 202");
    let refused: Vec<&str> = answer.report().rejected().iter().map(|r| r.id()).collect();
    assert_eq!(
        refused,
        ["evt-2", "evt-3", "evt-4"],
        "refused in the order sent"
    );
    assert_eq!(answer.report().accepted(), 2);
    assert_eq!(answer.rate_limit().unwrap().remaining(), dec!(0));
}

#[tokio::test]
async fn r_u4_events_beyond_a_soft_quota_are_counted_as_overage() {
    let mut ports = Ports::default()
        .holding_the_tool()
        .with_plans(vec![plan(&[("api_calls", soft(dec!(10), dec!(0.01)))])]);
    ports
        .store
        .expect_record()
        .times(1)
        .returning(|_, batch, now| {
            let verdicts = decide_all(batch, |_| calls_total(9), &[], now)?;
            let outcomes: Vec<EventOutcome> =
                verdicts[0].outcomes().map(|(_, outcome)| outcome).collect();
            assert_eq!(
                outcomes,
                [
                    EventOutcome::Counted,
                    EventOutcome::CountedAsOverage { beyond: dec!(1) },
                    EventOutcome::CountedAsOverage { beyond: dec!(2) },
                ]
            );
            assert_eq!(verdicts[0].total().usage(), dec!(12));
            Ok(verdicts)
        });

    let answer: IngestAnswer = ports
        .ingest()
        .ingest(&host(), &calls("evt", 3), now())
        .await
        .unwrap();

    assert_eq!(answer.report().accepted(), 3);
    assert!(answer.report().rejected().is_empty());
    let limit = answer.rate_limit().unwrap();
    assert_eq!(
        (limit.remaining(), limit.retry_after_seconds()),
        (dec!(0), None)
    );
}

#[tokio::test]
async fn r_u4_the_store_is_asked_to_weigh_each_meter_against_its_plan_in_the_plans_period() {
    let batch = vec![
        input("evt-1", "api_calls", dec!(1)),
        input("evt-2", "gb_processed", dec!(1)),
    ];
    let mut ports = Ports::default()
        .holding_the_tool()
        .with_plans(vec![plan(&[("api_calls", hard(dec!(10)))])]);
    ports
        .store
        .expect_record()
        .times(1)
        .withf(|_, batch, _| {
            let groups: Vec<(&str, Option<Quota>, BillingPeriod)> = batch
                .meters()
                .iter()
                .map(|g| (g.meter().as_str(), g.quota().copied(), *g.period()))
                .collect();
            groups
                == [
                    ("api_calls", Some(hard(dec!(10))), period()),
                    ("gb_processed", None, period()),
                ]
        })
        .returning(|_, batch, now| {
            decide_all(
                batch,
                |g| crate::PeriodTotal::empty(g.aggregation()),
                &[],
                now,
            )
        });

    let answer = ports.ingest().ingest(&host(), &batch, now()).await.unwrap();

    assert_eq!(answer.report().accepted(), 2);
    assert_eq!(answer.rate_limit().unwrap().remaining(), dec!(9));
}

#[tokio::test]
async fn r_u4_a_tool_held_without_a_plan_counts_unlimited_in_the_calendar_month() {
    let mut ports = Ports::default().holding_the_tool().with_plans(vec![]);
    ports
        .store
        .expect_record()
        .times(1)
        .withf(|_, batch, _| {
            let group = &batch.meters()[0];
            group.quota().is_none()
                && *group.period() == BillingPeriod::calendar_month(now()).unwrap()
        })
        .returning(|_, batch, now| decide_all(batch, |_| calls_total(1_000_000), &[], now));

    let answer = ports
        .ingest()
        .ingest(&host(), &calls("evt", 2), now())
        .await
        .unwrap();

    assert_eq!(answer.report().accepted(), 2);
    assert_eq!(answer.rate_limit(), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn r_u4_a_hard_quota_holds_under_twenty_concurrent_batches() {
    const BATCHES: usize = 20;
    let store = Arc::new(MemoryStore::meeting(BATCHES));
    let quota = plan(&[("api_calls", hard(dec!(25)))]);
    let service = ingest_over(store.clone(), vec![quota]);

    let mut batches = JoinSet::new();
    for n in 0..BATCHES {
        let service = service.clone();
        batches.spawn(async move {
            service
                .ingest(&host(), &calls(&format!("batch{n}"), 4), now())
                .await
        });
    }
    let answers = batches.join_all().await;

    let (mut accepted, mut refused, mut wholly_refused) = (0, 0, 0);
    for answer in answers {
        let answer = answer.unwrap();
        accepted += answer.report().accepted();
        refused += answer.report().rejected().len();
        wholly_refused += usize::from(answer.quota_exceeded());
    }
    assert_eq!(accepted, 25, "never more than the quota");
    assert_eq!(refused, 4 * BATCHES - 25);
    assert_eq!(
        wholly_refused, 13,
        "six batches fit whole, a seventh in part"
    );
    let total = store
        .total(org(), tool(), &key("api_calls"), period())
        .unwrap();
    assert_eq!((total.events(), total.usage()), (25, dec!(25)));
    assert_eq!(store.stored_ids(), 25, "refused events are not stored");
}
