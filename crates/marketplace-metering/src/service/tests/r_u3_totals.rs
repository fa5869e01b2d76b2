//! R-U3: totals change in the transaction that stores the events, by the inserted events
//! only; reports read them per UTC day or month.

use std::sync::Arc;

use chrono::{TimeDelta, TimeZone, Utc};
use marketplace_kernel::access::OrgRole;
use rust_decimal::{Decimal, dec};

use super::memory::MemoryStore;
use super::support::*;
use crate::service::{BucketTotal, ReportFilter, UsageError, UsagePermission, UsageService};
use crate::{BillingPeriod, Bucket, Granularity, ReportRange};

fn march() -> BillingPeriod {
    BillingPeriod::calendar_month(now()).unwrap()
}

#[tokio::test]
async fn r_u3_totals_count_only_the_events_the_store_inserted() {
    let store = Arc::new(MemoryStore::new());
    let service = ingest_over(store.clone(), vec![]);
    service
        .ingest(&host(), &calls("evt", 5), now())
        .await
        .unwrap();

    // A retry of three of them, with two new ones.
    let mut retry = calls("evt", 3);
    retry.extend(calls("later", 2));
    let answer = service.ingest(&host(), &retry, now()).await.unwrap();

    assert_eq!(
        (answer.report().accepted(), answer.report().duplicates()),
        (2, 3)
    );
    let total = store
        .total(org(), tool(), &key("api_calls"), march())
        .unwrap();
    assert_eq!((total.events(), total.usage()), (7, dec!(7)));
}

#[tokio::test]
async fn r_u3_a_failed_write_counts_nothing_of_the_batch() {
    let store = Arc::new(MemoryStore::new());
    // A gb_processed row that a COUNT event cannot be folded into: the meter was
    // redefined, and the store refuses to mix the two.
    store.seed(org(), tool(), &key("gb_processed"), march(), calls_total(0));
    let service = ingest_over(store.clone(), vec![]);
    let batch = vec![
        input("evt-1", "api_calls", dec!(1)),
        input("evt-2", "gb_processed", dec!(1)),
    ];

    let answer = service.ingest(&host(), &batch, now()).await;

    assert!(matches!(answer, Err(UsageError::Total(_))), "{answer:?}");
    assert_eq!(store.total(org(), tool(), &key("api_calls"), march()), None);
    assert_eq!((store.stored_ids(), store.stored_events()), (0, 0));
}

#[tokio::test]
async fn r_u3_reports_read_the_day_totals_the_ingest_wrote() {
    let store = Arc::new(MemoryStore::new());
    let service = ingest_over(store.clone(), vec![]);
    let yesterday = now() - TimeDelta::days(1);
    let mut batch = calls("today", 3);
    batch.extend(calls("yesterday", 2).into_iter().map(|mut event| {
        event.timestamp = yesterday;
        event
    }));
    service.ingest(&host(), &batch, now()).await.unwrap();

    let range = ReportRange::new(
        now() - TimeDelta::days(2),
        now() + TimeDelta::days(1),
        Granularity::Day,
    )
    .unwrap();
    let report = UsageService::new(store)
        .report(&member(OrgRole::Viewer), &range, &ReportFilter::All)
        .await
        .unwrap();

    assert_eq!(report.granularity, Granularity::Day);
    let [series] = report.series.as_slice() else {
        panic!("one meter has usage: {report:?}");
    };
    assert_eq!((series.tool, series.meter.as_str()), (tool(), "api_calls"));
    let days: Vec<(String, Decimal)> = series
        .points
        .iter()
        .map(|p| (p.bucket.to_string(), p.usage))
        .collect();
    assert_eq!(
        days,
        [
            ("2025-03-08".to_owned(), dec!(0)),
            ("2025-03-09".to_owned(), dec!(2)),
            ("2025-03-10".to_owned(), dec!(3)),
            ("2025-03-11".to_owned(), dec!(0)),
        ]
    );
}

#[tokio::test]
async fn r_u3_a_report_lists_every_bucket_of_the_range_for_each_meter_with_usage() {
    let range = ReportRange::new(
        Utc.with_ymd_and_hms(2025, 1, 15, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2025, 4, 1, 0, 0, 0).unwrap(),
        Granularity::Month,
    )
    .unwrap();
    let month = |y, m| {
        Bucket::containing(
            Utc.with_ymd_and_hms(y, m, 1, 0, 0, 0).unwrap(),
            Granularity::Month,
        )
        .unwrap()
    };
    let row = |meter: &str, bucket: Bucket, events: u64| BucketTotal {
        tool: tool(),
        meter: key(meter),
        bucket,
        total: calls_total(events),
    };
    let filter = ReportFilter::Tool(tool());
    let mut ports = Ports::default();
    ports
        .store
        .expect_usage_report()
        .times(1)
        .withf(move |org_id, asked, f| {
            *org_id == org() && asked.buckets().len() == 3 && *f == ReportFilter::Tool(tool())
        })
        .returning(move |_, _, _| {
            Ok(vec![
                row("api_calls", month(2025, 3), 4),
                row("api_calls", month(2025, 1), 9),
                // Outside the range: not the store's to answer, left out.
                row("api_calls", month(2024, 12), 1),
            ])
        });

    let report = ports
        .usage()
        .report(&key_holder(&[UsagePermission::ReadUsage]), &range, &filter)
        .await
        .unwrap();

    assert_eq!(report.granularity, Granularity::Month);
    let points: Vec<(String, u64)> = report.series[0]
        .points
        .iter()
        .map(|p| (p.bucket.to_string(), p.events))
        .collect();
    assert_eq!(
        points,
        [
            ("2025-01".to_owned(), 9),
            ("2025-02".to_owned(), 0),
            ("2025-03".to_owned(), 4)
        ]
    );
    assert_eq!(report.series.len(), 1);
    assert!(ReportFilter::Meter(tool(), key("api_calls")).keeps(tool(), &key("api_calls")));
    assert!(!ReportFilter::Meter(tool(), key("api_calls")).keeps(tool(), &key("gb_processed")));
    assert!(!ReportFilter::Tool(tool()).keeps(unheld_tool(), &key("api_calls")));
}

#[tokio::test]
async fn r_u3_a_caller_who_may_not_read_usage_touches_no_port() {
    let range = ReportRange::new(now() - TimeDelta::days(1), now(), Granularity::Day).unwrap();
    for caller in [host(), key_holder(&[UsagePermission::CheckAccess])] {
        let answer = Ports::default()
            .usage()
            .report(&caller, &range, &ReportFilter::All)
            .await;
        assert!(
            matches!(
                answer,
                Err(UsageError::Forbidden(UsagePermission::ReadUsage))
            ),
            "{answer:?}"
        );
    }
}
