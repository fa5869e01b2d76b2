//! Analytics use cases against mocks: R-C6 (views counted in memory, flushed in batches,
//! none lost) and R-C7 (conversion, who sees which tools).

use std::sync::Arc;

use chrono::{TimeDelta, TimeZone, Utc};
use rust_decimal::dec;

use super::*;
use crate::catalog::fixtures::{clock, member, org_id, owner, platform_admin, seller, tid};
use crate::ports::RepoError;
use crate::revenue::{FeeRate, SellerKind, YearMonth};
use crate::seller::{MockSellerRepository, PayoutSettings, Seller, SellerName, SellerParts};

fn month(text: &str) -> YearMonth {
    YearMonth::parse(text).unwrap()
}

fn service(store: MockAnalyticsRepository, sellers: MockSellerRepository) -> AnalyticsService {
    AnalyticsService::new(Arc::new(store), Arc::new(sellers), Arc::new(clock()))
}

fn range(from: &str, to: &str) -> MonthRange {
    MonthRange::new(month(from), month(to)).unwrap()
}

#[test]
fn r_c6_views_are_tallied_per_tool_and_month_in_utc() {
    let counter = ViewCounter::new();
    let end_of_march = Utc.with_ymd_and_hms(2025, 3, 31, 23, 59, 59).unwrap();
    for _ in 0..3 {
        counter.record(tid(1), end_of_march);
    }
    counter.record(tid(2), end_of_march);
    counter.record(tid(1), end_of_march + TimeDelta::seconds(1));
    assert_eq!(counter.pending(), 5);
    assert_eq!(
        counter.take(),
        vec![
            ViewCount {
                tool_id: tid(1),
                month: month("2025-03"),
                views: 3
            },
            ViewCount {
                tool_id: tid(2),
                month: month("2025-03"),
                views: 1
            },
            ViewCount {
                tool_id: tid(1),
                month: month("2025-04"),
                views: 1
            },
        ]
    );
    assert_eq!(counter.pending(), 0, "taking starts the tally again");
    assert!(counter.take().is_empty());
}

#[tokio::test]
async fn r_c6_a_flush_stores_the_tally_as_one_batch_and_an_empty_one_writes_nothing() {
    let mut store = MockAnalyticsRepository::new();
    store
        .expect_add_views()
        .withf(|batch| {
            batch
                == [ViewCount {
                    tool_id: tid(7),
                    month: month("2025-03"),
                    views: 2,
                }]
        })
        .times(1)
        .returning(|_| Ok(()));
    let analytics = service(store, MockSellerRepository::new());
    analytics.viewed(tid(7));
    analytics.viewed(tid(7));
    assert_eq!(analytics.flush().await.unwrap(), 2);
    // Nothing counted since: no second write (the mock allows one call only).
    assert_eq!(analytics.flush().await.unwrap(), 0);
}

#[tokio::test]
async fn r_c6_a_failed_flush_loses_no_view() {
    let mut store = MockAnalyticsRepository::new();
    let mut calls = 0;
    store.expect_add_views().times(2).returning(move |batch| {
        calls += 1;
        if calls == 1 {
            return Err(RepoError::Stale("down"));
        }
        // The failed batch's 2 views and the one counted after the failure.
        assert_eq!(batch.iter().map(|c| c.views).sum::<u64>(), 3);
        Ok(())
    });
    let analytics = service(store, MockSellerRepository::new());
    analytics.viewed(tid(1));
    analytics.viewed(tid(1));
    assert!(analytics.flush().await.is_err());
    analytics.viewed(tid(1));
    assert_eq!(analytics.flush().await.unwrap(), 3);
}

#[test]
fn r_c7_conversion_is_purchases_per_view_to_four_places_and_none_without_views() {
    assert_eq!(conversion(0, 0), None);
    assert_eq!(conversion(3, 0), None);
    assert_eq!(conversion(0, 10), Some(dec!(0)));
    assert_eq!(conversion(1, 3), Some(dec!(0.3333)));
    assert_eq!(conversion(2, 3), Some(dec!(0.6667)));
    assert_eq!(conversion(1, 8), Some(dec!(0.125)));
    assert_eq!(
        conversion(1, 20_000),
        Some(dec!(0.0001)),
        "half away from zero"
    );
    assert_eq!(conversion(5, 4), Some(dec!(1.25)), "purchases need no view");
}

#[test]
fn r_c7_a_range_runs_forward_over_at_most_24_months() {
    assert!(MonthRange::new(month("2025-01"), month("2025-01")).is_ok());
    assert!(MonthRange::new(month("2024-01"), month("2025-12")).is_ok());
    assert_eq!(
        MonthRange::new(month("2024-01"), month("2026-01")),
        Err(MonthRangeError::TooLong)
    );
    assert!(matches!(
        MonthRange::new(month("2025-02"), month("2025-01")),
        Err(MonthRangeError::Reversed { .. })
    ));
}

fn activity(tool: u128, m: &str, views: u64, purchases: u64) -> ToolMonthActivity {
    ToolMonthActivity {
        tool_id: tid(tool),
        month: month(m),
        views,
        purchases,
    }
}

#[tokio::test]
async fn r_c7_catalog_admins_see_every_tool_by_month_then_tool_and_nobody_else_does() {
    let mut store = MockAnalyticsRepository::new();
    store
        .expect_tool_activity()
        .withf(|tools, from, to| {
            tools.is_none() && *from == month("2025-02") && *to == month("2025-03")
        })
        .times(1)
        .returning(|_, _, _| {
            Ok(vec![
                activity(2, "2025-03", 4, 1),
                activity(1, "2025-03", 0, 2),
                activity(3, "2025-02", 10, 0),
            ])
        });
    let analytics = service(store, MockSellerRepository::new());
    let rows = analytics
        .tools_report(&platform_admin(), range("2025-02", "2025-03"))
        .await
        .unwrap();
    let got: Vec<_> = rows
        .iter()
        .map(|r| (r.month.to_string(), r.tool_id, r.purchases, r.conversion))
        .collect();
    assert_eq!(
        got,
        vec![
            ("2025-02".to_owned(), tid(3), 0, Some(dec!(0))),
            ("2025-03".to_owned(), tid(1), 2, None),
            ("2025-03".to_owned(), tid(2), 1, Some(dec!(0.25))),
        ]
    );

    // An org's owner is not a catalog admin: refused before any read.
    let analytics = service(MockAnalyticsRepository::new(), MockSellerRepository::new());
    assert!(matches!(
        analytics
            .tools_report(&owner(), range("2025-03", "2025-03"))
            .await,
        Err(AnalyticsError::Forbidden)
    ));
}

fn seller_of_my_org() -> Seller {
    Seller::restore(SellerParts {
        id: seller(5),
        name: SellerName::parse("Acme Tools").unwrap(),
        kind: SellerKind::ThirdParty,
        fee_rate: FeeRate::DEFAULT,
        org_id: Some(org_id()),
        connect: None,
        payout: PayoutSettings::default(),
        created_at: Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap(),
    })
}

#[tokio::test]
async fn r_c7_a_seller_sees_its_own_tools_only() {
    let mut sellers = MockSellerRepository::new();
    sellers
        .expect_of_org()
        .withf(|org| *org == org_id())
        .returning(|_| Ok(Some(seller_of_my_org())));
    sellers
        .expect_tools_of()
        .withf(|id| *id == seller(5))
        .returning(|_| Ok(vec![tid(1), tid(2)]));
    let mut store = MockAnalyticsRepository::new();
    store
        .expect_tool_activity()
        .withf(|tools, _, _| tools.as_deref() == Some(&[tid(1), tid(2)][..]))
        .times(1)
        .returning(|_, _, _| Ok(vec![activity(1, "2025-03", 8, 2)]));
    let rows = service(store, sellers)
        .seller_report(&member(), range("2025-03", "2025-03"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].conversion, Some(dec!(0.25)));

    // An org managing no seller: no report, and nothing read.
    let mut none = MockSellerRepository::new();
    none.expect_of_org().returning(|_| Ok(None));
    assert!(matches!(
        service(MockAnalyticsRepository::new(), none)
            .seller_report(&member(), range("2025-03", "2025-03"))
            .await,
        Err(AnalyticsError::NoSeller)
    ));
}
