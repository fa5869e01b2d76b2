//! The usage rules R-U1..R-U6, one test (or a few) per rule, through the public API.
#![allow(clippy::unwrap_used)] // tests: a broken fixture should fail loudly

mod common;

use chrono::{TimeDelta, TimeZone, Utc};
use rust_decimal::{Decimal, dec};

use common::*;
use marketplace_metering::{
    AccessAnswer, Aggregation, BatchError, BillingPeriod, Bucket, CheckedBatch, DecisionError,
    Granularity, KeyNovelty, Meter, PeriodTotal, PlanQuotas, PropertyValue, Quota, QuotaDecision,
    RateLimit, RejectionReason, TotalError, TotalParts, Unit, UsageEvent, count_batch,
    overage_lines,
};

fn period() -> BillingPeriod {
    BillingPeriod::new(
        Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap(),
        Utc.with_ymd_and_hms(2025, 4, 1, 0, 0, 0).unwrap(),
    )
    .unwrap()
}

/// The total of `meter` after absorbing `events`, with the novelty a key store reports.
fn total_of(aggregation: Aggregation, events: &[UsageEvent]) -> PeriodTotal {
    let mut store = Store::default();
    for event in events {
        assert_eq!(event.aggregation(), aggregation);
        store.record(org(), event);
    }
    store
        .totals
        .remove(&key(meter_for(aggregation)))
        .unwrap_or_else(|| PeriodTotal::empty(aggregation))
}

fn user_event(id: &str, user: &str) -> UsageEvent {
    check_one(&with_user(input(id, "active_users", dec!(1)), user)).unwrap()
}

// R-U1 ---------------------------------------------------------------------------------

#[test]
fn r_u1_a_meter_is_a_key_an_aggregation_and_a_unit() {
    let meter = Meter::new(
        key("api_calls"),
        Aggregation::Count,
        Unit::parse("call").unwrap(),
    );
    assert_eq!(
        serde_json::to_value(&meter).unwrap(),
        serde_json::json!({"key": "api_calls", "aggregation": "count", "unit": "call"})
    );
    let users = meters()
        .into_iter()
        .find(|m| m.key().as_str() == "active_users")
        .unwrap();
    assert_eq!(
        serde_json::to_value(&users).unwrap(),
        serde_json::json!({
            "key": "active_users", "aggregation": "unique_count", "unit": "user",
            "distinct_by": "user_id"
        })
    );
}

// R-U2: each rejection reason -----------------------------------------------------------

#[test]
fn r_u2_an_invalid_id_is_rejected() {
    for bad in ["", "has space", "tab\tid", "é", &"x".repeat(129)] {
        assert_eq!(
            check_one(&input(bad, "api_calls", dec!(1))),
            Err(RejectionReason::InvalidId),
            "{bad:?}"
        );
    }
    let longest = "x".repeat(128);
    assert!(check_one(&input(&longest, "api_calls", dec!(1))).is_ok());
    assert!(check_one(&input("evt_01H:a/b-c.d", "api_calls", dec!(1))).is_ok());
}

#[test]
fn r_u2_a_tool_the_org_does_not_hold_is_rejected_before_its_meters_are_looked_at() {
    let mut event = input("e1", "api_calls", dec!(1));
    event.tool_id = other_tool();
    assert_eq!(
        check_one(&event),
        Err(RejectionReason::NotEntitled { tool: other_tool() })
    );
    event.meter = "no_such_meter".into();
    assert_eq!(
        check_one(&event).map_err(|r| r.code()),
        Err("not_entitled"),
        "an unentitled org learns nothing of the tool's meters"
    );
}

#[test]
fn r_u2_an_unknown_meter_is_rejected() {
    for meter in ["bandwidth", "API_CALLS", ""] {
        assert_eq!(
            check_one(&input("e1", meter, dec!(1))),
            Err(RejectionReason::UnknownMeter {
                tool: tool(),
                meter: meter.into()
            })
        );
    }
}

#[test]
fn r_u2_timestamps_from_exactly_35_days_back_to_exactly_5_minutes_ahead_are_accepted() {
    let oldest = now() - TimeDelta::days(35);
    let newest = now() + TimeDelta::minutes(5);
    let one_second = TimeDelta::seconds(1);
    assert!(check_one(&at(input("a", "api_calls", dec!(1)), oldest)).is_ok());
    assert!(check_one(&at(input("b", "api_calls", dec!(1)), newest)).is_ok());
    for outside in [oldest - one_second, newest + one_second] {
        let refused = check_one(&at(input("c", "api_calls", dec!(1)), outside));
        assert_eq!(
            refused,
            Err(RejectionReason::TimestampOutOfWindow {
                timestamp: outside,
                earliest: oldest,
                latest: newest
            })
        );
    }
}

#[test]
fn r_u2_values_must_be_within_zero_and_a_trillion_with_at_most_six_decimals() {
    for good in [
        dec!(0),
        dec!(0.000001),
        dec!(1_000_000_000_000),
        dec!(2.5000000000),
    ] {
        assert!(
            check_one(&input("e", "gb_processed", good)).is_ok(),
            "{good}"
        );
    }
    for bad in [
        dec!(-0.000001),
        dec!(-1),
        dec!(1_000_000_000_000.000001),
        dec!(0.0000001),
    ] {
        assert_eq!(
            check_one(&input("e", "gb_processed", bad)).map_err(|r| r.code()),
            Err("value_out_of_range"),
            "{bad}"
        );
    }
    let kept = event("e", "gb_processed", dec!(2.50));
    assert_eq!(
        kept.value().to_string(),
        "2.5",
        "trailing zeros are dropped"
    );
}

#[test]
fn r_u2_invalid_properties_are_rejected() {
    let mut event = input("e", "api_calls", dec!(1));
    event
        .properties
        .insert("Region".into(), PropertyValue::Text("eu".into()));
    assert_eq!(
        check_one(&event).map_err(|r| r.code()),
        Err("invalid_properties")
    );
}

#[test]
fn r_u2_a_unique_count_event_must_carry_the_property_its_meter_counts() {
    assert_eq!(
        check_one(&input("e", "active_users", dec!(1))).map_err(|r| r.code()),
        Err("missing_distinct_property")
    );
    let counted = check_one(&with_user(input("e", "active_users", dec!(1)), "u-7")).unwrap();
    assert_eq!(counted.distinct_key().map(|k| k.as_str()), Some("u-7"));
    let seats = event("s", "seat_numbers", dec!(12.0));
    assert_eq!(
        seats.distinct_key().map(|k| k.as_str()),
        Some("12"),
        "without a named property the value is the key"
    );
}

#[test]
fn r_u2_a_refused_event_never_fails_the_events_beside_it() {
    let mut unentitled = input("c", "api_calls", dec!(1));
    unentitled.tool_id = other_tool();
    let batch = [
        input("a", "api_calls", dec!(1)),
        input("", "api_calls", dec!(1)),
        input("b", "gb_processed", dec!(2)),
        unentitled,
        input("d", "nope", dec!(1)),
        at(
            input("e", "api_calls", dec!(1)),
            now() + TimeDelta::hours(1),
        ),
        input("f", "gb_processed", dec!(-1)),
        input("g", "active_users", dec!(1)),
        input("h", "storage_gb", dec!(3)),
    ];
    let checked = CheckedBatch::check(&batch, &catalog(), now()).unwrap();
    let accepted: Vec<&str> = checked.events().iter().map(|e| e.id().as_str()).collect();
    assert_eq!(accepted, ["a", "b", "h"]);
    let rejected: Vec<(&str, &str)> = checked
        .rejected()
        .iter()
        .map(|r| (r.id(), r.reason().code()))
        .collect();
    assert_eq!(
        rejected,
        [
            ("", "invalid_id"),
            ("c", "not_entitled"),
            ("d", "unknown_meter"),
            ("e", "timestamp_out_of_window"),
            ("f", "value_out_of_range"),
            ("g", "missing_distinct_property"),
        ]
    );
    assert_eq!(
        serde_json::to_value(&checked.rejected()[2]).unwrap(),
        serde_json::json!({
            "id": "d", "code": "unknown_meter",
            "message": format!("tool {} has no meter \"nope\"", tool())
        })
    );
}

#[test]
fn r_u2_a_batch_holds_1_to_1000_events() {
    assert_eq!(
        CheckedBatch::check(&[], &catalog(), now()),
        Err(BatchError::Empty)
    );
    let inputs: Vec<_> = (0..1001)
        .map(|i| input(&format!("e{i}"), "api_calls", dec!(1)))
        .collect();
    assert_eq!(
        CheckedBatch::check(&inputs, &catalog(), now()),
        Err(BatchError::TooLarge { count: 1001 })
    );
    let full = CheckedBatch::check(&inputs[..1000], &catalog(), now()).unwrap();
    assert_eq!(full.events().len(), 1000);
}

#[test]
fn r_u2_an_id_repeated_in_a_batch_is_a_duplicate_of_its_first_accepted_copy() {
    let batch = [
        input("a", "api_calls", dec!(1)),
        input("b", "api_calls", dec!(1)),
        input("a", "gb_processed", dec!(5)),
        input("a", "api_calls", dec!(1)),
        at(
            input("c", "api_calls", dec!(1)),
            now() - TimeDelta::days(40),
        ),
        input("c", "api_calls", dec!(1)),
    ];
    let checked = CheckedBatch::check(&batch, &catalog(), now()).unwrap();
    let accepted: Vec<&str> = checked.events().iter().map(|e| e.id().as_str()).collect();
    assert_eq!(
        accepted,
        ["a", "b", "c"],
        "a refused copy does not take its id"
    );
    let duplicates: Vec<&str> = checked.duplicates().iter().map(|d| d.as_str()).collect();
    assert_eq!(duplicates, ["a", "a"]);
    assert_eq!(checked.report().duplicates(), 2);
}

#[test]
fn r_u2_an_event_delivered_again_is_a_duplicate_and_counted_once() {
    let mut store = Store::default();
    let batch = [
        input("a", "gb_processed", dec!(2)),
        input("b", "gb_processed", dec!(3)),
    ];
    store.deliver(org(), &batch);
    store.deliver(org(), &batch);
    store.deliver(org(), &batch[1..]);
    assert_eq!(store.duplicates, 3);
    let total = &store.totals[&key("gb_processed")];
    assert_eq!((total.events(), total.usage()), (2, dec!(5)));

    let mut other_org = store;
    let someone_else = marketplace_metering::OrgId::from_uuid(uuid::Uuid::from_u128(0x0B));
    other_org.deliver(someone_else, &batch[..1]);
    assert_eq!(
        other_org.totals[&key("gb_processed")].events(),
        3,
        "ids are unique per org, not globally"
    );
}

#[test]
fn r_u2_the_answer_is_429_only_when_every_event_is_over_a_hard_quota() {
    let checked = CheckedBatch::check(
        &[
            input("a", "api_calls", dec!(1)),
            input("b", "api_calls", dec!(1)),
        ],
        &catalog(),
        now(),
    )
    .unwrap();
    let over = RejectionReason::QuotaExceeded {
        meter: key("api_calls"),
        limit: dec!(10),
    };
    let mut all_refused = checked.report();
    for event in checked.events() {
        all_refused.refused(event.id(), over.clone());
    }
    assert!(all_refused.all_over_hard_quota());
    assert_eq!(
        serde_json::to_value(&all_refused).unwrap()["rejected"][0]["code"],
        "quota_exceeded"
    );

    let mut one_counted = checked.report();
    one_counted.counted();
    one_counted.refused(checked.events()[1].id(), over);
    assert!(!one_counted.all_over_hard_quota());
    assert_eq!(
        serde_json::to_value(&one_counted).unwrap(),
        serde_json::json!({"accepted": 1, "duplicates": 0, "rejected": [{
            "id": "b", "code": "quota_exceeded",
            "message": "meter api_calls is at its hard quota of 10 for this period"
        }]})
    );
}

// R-U3: each aggregation ---------------------------------------------------------------

#[test]
fn r_u3_count_counts_events_whatever_their_values() {
    let events = [
        event("a", "api_calls", dec!(7)),
        event("b", "api_calls", dec!(0)),
        event("c", "api_calls", dec!(1.5)),
    ];
    let total = total_of(Aggregation::Count, &events);
    assert_eq!((total.events(), total.usage()), (3, dec!(3)));
}

#[test]
fn r_u3_sum_adds_values() {
    let events = [
        event("a", "gb_processed", dec!(1.25)),
        event("b", "gb_processed", dec!(0)),
        event("c", "gb_processed", dec!(2.5)),
    ];
    assert_eq!(total_of(Aggregation::Sum, &events).usage(), dec!(3.75));
}

#[test]
fn r_u3_max_keeps_the_largest_value() {
    let events = [
        event("a", "peak_seats", dec!(4)),
        event("b", "peak_seats", dec!(9)),
        event("c", "peak_seats", dec!(2)),
    ];
    let total = total_of(Aggregation::Max, &events);
    assert_eq!((total.events(), total.usage()), (3, dec!(9)));
}

#[test]
fn r_u3_unique_count_grows_only_for_a_new_key() {
    let events = [
        user_event("a", "u1"),
        user_event("b", "u2"),
        user_event("c", "u1"),
        user_event("d", "u3"),
    ];
    let total = total_of(Aggregation::UniqueCount, &events);
    assert_eq!((total.events(), total.usage()), (4, dec!(3)));

    let mut by_hand = PeriodTotal::empty(Aggregation::UniqueCount);
    let new = by_hand.absorb(&events[0], KeyNovelty::New).unwrap();
    assert!(new.changed());
    let seen = by_hand.absorb(&events[2], KeyNovelty::Seen).unwrap();
    assert!(!seen.changed(), "a key already counted leaves the figure");
}

#[test]
fn r_u3_latest_keeps_the_latest_timestamp_then_the_greatest_id_in_any_order() {
    let t = now() - TimeDelta::hours(1);
    let events = [
        check_one(&at(input("b", "storage_gb", dec!(20)), t)).unwrap(),
        check_one(&at(input("a", "storage_gb", dec!(30)), t)).unwrap(),
        check_one(&at(
            input("z", "storage_gb", dec!(99)),
            t - TimeDelta::seconds(1),
        ))
        .unwrap(),
    ];
    let in_order = total_of(Aggregation::Latest, &events);
    assert_eq!(
        in_order.usage(),
        dec!(20),
        "same instant: the greater id wins"
    );
    assert_eq!(in_order.latest().map(|m| m.event().as_str()), Some("b"));
    for order in [[2, 1, 0], [1, 2, 0], [0, 2, 1]] {
        let shuffled: Vec<UsageEvent> = order.iter().map(|&i| events[i].clone()).collect();
        assert_eq!(total_of(Aggregation::Latest, &shuffled), in_order);
    }
}

#[test]
fn r_u3_a_total_refuses_events_it_does_not_count() {
    let mut sum = PeriodTotal::empty(Aggregation::Sum);
    assert_eq!(
        sum.absorb(&event("a", "api_calls", dec!(1)), KeyNovelty::NoKey),
        Err(TotalError::AggregationMismatch {
            total: Aggregation::Sum,
            event: Aggregation::Count
        })
    );
    let mut users = PeriodTotal::empty(Aggregation::UniqueCount);
    assert_eq!(
        users.absorb(&user_event("b", "u1"), KeyNovelty::NoKey),
        Err(TotalError::NoveltyMismatch)
    );
    assert_eq!(users.events(), 0, "a refused absorb changes nothing");
}

#[test]
fn r_u3_a_total_is_stored_as_one_row_and_a_row_no_events_could_make_is_refused() {
    let t = now() - TimeDelta::minutes(3);
    let mut latest = PeriodTotal::empty(Aggregation::Latest);
    latest
        .absorb(
            &check_one(&at(input("r1", "storage_gb", dec!(4)), t)).unwrap(),
            KeyNovelty::NoKey,
        )
        .unwrap();
    let parts = latest.to_parts();
    assert_eq!(parts.latest_at, Some(t));
    assert_eq!(PeriodTotal::from_parts(parts.clone()).unwrap(), latest);

    let broken = [
        TotalParts {
            usage: dec!(-1),
            ..parts.clone()
        },
        TotalParts {
            latest_event: None,
            ..parts.clone()
        },
        TotalParts {
            latest_event: Some("bad id".into()),
            ..parts.clone()
        },
        TotalParts {
            aggregation: Aggregation::Sum,
            ..parts.clone()
        },
        TotalParts {
            events: 0,
            ..parts.clone()
        },
        TotalParts {
            aggregation: Aggregation::Count,
            events: 2,
            usage: dec!(3),
            latest_at: None,
            latest_event: None,
        },
        TotalParts {
            aggregation: Aggregation::UniqueCount,
            events: 2,
            usage: dec!(3),
            latest_at: None,
            latest_event: None,
        },
    ];
    for parts in broken {
        assert!(
            matches!(
                PeriodTotal::from_parts(parts.clone()),
                Err(TotalError::Inconsistent(_))
            ),
            "{parts:?}"
        );
    }
}

#[test]
fn r_u3_totals_merge_as_if_one_had_absorbed_the_others_events() {
    for aggregation in [
        Aggregation::Count,
        Aggregation::Sum,
        Aggregation::Max,
        Aggregation::Latest,
    ] {
        let meter = meter_for(aggregation);
        let events: Vec<UsageEvent> = (0..6)
            .map(|i| {
                let value = Decimal::from((i * 7) % 5);
                let when = now() - TimeDelta::minutes(i64::from(i) * 13 % 7);
                check_one(&at(input(&format!("e{i}"), meter, value), when)).unwrap()
            })
            .collect();
        let whole = total_of(aggregation, &events);
        let (left, right) = events.split_at(2);
        let mut merged = total_of(aggregation, right);
        merged.merge(&total_of(aggregation, left)).unwrap();
        assert_eq!(merged, whole, "{aggregation}");
    }
    let mut users = PeriodTotal::empty(Aggregation::UniqueCount);
    assert_eq!(
        users.merge(&PeriodTotal::empty(Aggregation::UniqueCount)),
        Err(TotalError::DistinctMergeNeedsKeys)
    );
}

#[test]
fn r_u3_reports_file_events_in_utc_days_and_months_by_their_timestamp() {
    let late = check_one(&at(
        input("a", "api_calls", dec!(1)),
        Utc.with_ymd_and_hms(2025, 2, 28, 23, 59, 59).unwrap(),
    ))
    .unwrap();
    let day = Bucket::containing(late.timestamp(), Granularity::Day).unwrap();
    let month = Bucket::containing(late.timestamp(), Granularity::Month).unwrap();
    assert_eq!(
        (day.to_string(), month.to_string()),
        ("2025-02-28".into(), "2025-02".into())
    );
    assert!(!period().contains(late.timestamp()));
    assert!(
        period().contains(now()),
        "the billing period is the one open when the event is received"
    );
}

// R-U4: quota decisions -----------------------------------------------------------------

fn decide(
    quota: &Quota,
    total: &PeriodTotal,
    event: &UsageEvent,
    novelty: KeyNovelty,
) -> QuotaDecision {
    quota
        .decide(total, event, novelty, &period(), now())
        .unwrap()
        .decision
}

fn count_total(n: u64) -> PeriodTotal {
    let events: Vec<UsageEvent> = (0..n)
        .map(|i| event(&format!("p{i}"), "api_calls", dec!(1)))
        .collect();
    total_of(Aggregation::Count, &events)
}

#[test]
fn r_u4_a_hard_count_quota_accepts_exactly_up_to_the_quota_and_refuses_one_over() {
    let quota = Quota::hard(dec!(10)).unwrap();
    let next = event("next", "api_calls", dec!(1));
    assert_eq!(
        decide(&quota, &count_total(9), &next, KeyNovelty::NoKey),
        QuotaDecision::Accept
    );
    assert_eq!(
        decide(&quota, &count_total(10), &next, KeyNovelty::NoKey),
        QuotaDecision::Reject
    );
}

#[test]
fn r_u4_a_hard_sum_quota_refuses_an_event_that_would_cross_it_whole() {
    let quota = Quota::hard(dec!(10)).unwrap();
    let total = total_of(Aggregation::Sum, &[event("a", "gb_processed", dec!(8))]);
    assert_eq!(
        decide(
            &quota,
            &total,
            &event("b", "gb_processed", dec!(3)),
            KeyNovelty::NoKey
        ),
        QuotaDecision::Reject,
        "no partial counting of 2 out of 3"
    );
    assert_eq!(
        decide(
            &quota,
            &total,
            &event("c", "gb_processed", dec!(2)),
            KeyNovelty::NoKey
        ),
        QuotaDecision::Accept,
        "landing exactly on the quota"
    );
    assert_eq!(
        decide(
            &quota,
            &total,
            &event("d", "gb_processed", dec!(2.000001)),
            KeyNovelty::NoKey
        ),
        QuotaDecision::Reject
    );
}

#[test]
fn r_u4_a_hard_max_quota_refuses_only_values_above_it() {
    let quota = Quota::hard(dec!(10)).unwrap();
    let total = total_of(Aggregation::Max, &[event("a", "peak_seats", dec!(6))]);
    let at_quota = event("b", "peak_seats", dec!(10));
    let over = event("c", "peak_seats", dec!(11));
    assert_eq!(
        decide(&quota, &total, &at_quota, KeyNovelty::NoKey),
        QuotaDecision::Accept
    );
    assert_eq!(
        decide(&quota, &total, &over, KeyNovelty::NoKey),
        QuotaDecision::Reject
    );
    // A quota lowered below the current maximum still accepts values that raise nothing.
    let lowered = Quota::hard(dec!(5)).unwrap();
    let lower = event("d", "peak_seats", dec!(3));
    assert_eq!(
        decide(&lowered, &total, &lower, KeyNovelty::NoKey),
        QuotaDecision::Accept
    );
}

#[test]
fn r_u4_a_hard_unique_count_quota_refuses_new_keys_only() {
    let quota = Quota::hard(dec!(2)).unwrap();
    let total = total_of(
        Aggregation::UniqueCount,
        &[user_event("a", "u1"), user_event("b", "u2")],
    );
    let again = user_event("c", "u1");
    let newcomer = user_event("d", "u3");
    assert_eq!(
        decide(&quota, &total, &again, KeyNovelty::Seen),
        QuotaDecision::Accept
    );
    assert_eq!(
        decide(&quota, &total, &newcomer, KeyNovelty::New),
        QuotaDecision::Reject
    );
}

#[test]
fn r_u4_a_hard_latest_quota_refuses_a_new_reading_above_it_but_not_older_or_lower_ones() {
    let quota = Quota::hard(dec!(10)).unwrap();
    let total = total_of(Aggregation::Latest, &[event("a", "storage_gb", dec!(8))]);
    let higher = event("b", "storage_gb", dec!(12));
    let older_high = check_one(&at(
        input("c", "storage_gb", dec!(50)),
        now() - TimeDelta::days(1),
    ))
    .unwrap();
    let lower = event("d", "storage_gb", dec!(3));
    assert_eq!(
        decide(&quota, &total, &higher, KeyNovelty::NoKey),
        QuotaDecision::Reject
    );
    assert_eq!(
        decide(&quota, &total, &older_high, KeyNovelty::NoKey),
        QuotaDecision::Accept
    );
    assert_eq!(
        decide(&quota, &total, &lower, KeyNovelty::NoKey),
        QuotaDecision::Accept
    );
}

#[test]
fn r_u4_a_soft_quota_accepts_events_beyond_it_as_overage() {
    let quota = Quota::soft(dec!(10), Some(dec!(0.01))).unwrap();
    let next = event("next", "api_calls", dec!(1));
    assert_eq!(
        decide(&quota, &count_total(9), &next, KeyNovelty::NoKey),
        QuotaDecision::Accept
    );
    assert_eq!(
        decide(&quota, &count_total(10), &next, KeyNovelty::NoKey),
        QuotaDecision::AcceptOverage { beyond: dec!(1) }
    );
    assert_eq!(
        decide(&quota, &count_total(14), &next, KeyNovelty::NoKey),
        QuotaDecision::AcceptOverage { beyond: dec!(5) }
    );
}

#[test]
fn r_u4_rate_limit_headers_say_the_quota_what_is_left_and_when_it_resets() {
    let quota = Quota::hard(dec!(10)).unwrap();
    let next = event("next", "api_calls", dec!(1));
    let seconds_left = (period().end() - now()).num_seconds().to_string();

    let accepted = quota
        .decide(&count_total(6), &next, KeyNovelty::NoKey, &period(), now())
        .unwrap();
    assert_eq!(
        accepted.rate_limit.headers(),
        [
            ("RateLimit-Limit", "10".to_owned()),
            ("RateLimit-Remaining", "3".to_owned()),
            ("RateLimit-Reset", seconds_left.clone()),
        ]
    );
    let refused = quota
        .decide(&count_total(10), &next, KeyNovelty::NoKey, &period(), now())
        .unwrap();
    assert_eq!(
        refused.rate_limit.headers(),
        [
            ("RateLimit-Limit", "10".to_owned()),
            ("RateLimit-Remaining", "0".to_owned()),
            ("RateLimit-Reset", seconds_left.clone()),
            ("Retry-After", seconds_left),
        ]
    );

    let fractional = Quota::hard(dec!(10.5)).unwrap();
    let total = total_of(Aggregation::Sum, &[event("a", "gb_processed", dec!(2.75))]);
    let outcome = fractional
        .decide(
            &total,
            &event("b", "gb_processed", dec!(1)),
            KeyNovelty::NoKey,
            &period(),
            now(),
        )
        .unwrap();
    assert_eq!(outcome.rate_limit.remaining(), dec!(6.75));
    assert_eq!(outcome.rate_limit.headers()[0].1, "10");
    assert_eq!(
        outcome.rate_limit.headers()[1].1,
        "6",
        "never promises more than is left"
    );
}

#[test]
fn r_u4_a_batch_is_weighed_meter_by_meter_in_the_order_sent() {
    let batch = [
        input("a", "gb_processed", dec!(1)),
        input("b", "api_calls", dec!(1)),
        input("c", "gb_processed", dec!(2)),
        input("d", "api_calls", dec!(1)),
        input("e", "gb_processed", dec!(3)),
    ];
    let checked = CheckedBatch::check(&batch, &catalog(), now()).unwrap();
    let groups: Vec<(&str, Vec<&str>)> = checked
        .by_meter()
        .into_iter()
        .map(|((tool_id, meter), events)| {
            assert_eq!(tool_id, tool());
            let ids = events.iter().map(|e| e.id().as_str()).collect();
            (meter.as_str(), ids)
        })
        .collect();
    assert_eq!(
        groups,
        [
            ("gb_processed", vec!["a", "c", "e"]),
            ("api_calls", vec!["b", "d"])
        ]
    );
}

#[test]
fn r_u4_a_batch_over_several_meters_answers_with_the_tightest_figures() {
    let hard = Quota::hard(dec!(10)).unwrap();
    let soft = Quota::soft(dec!(100), None).unwrap();
    let calls = event("a", "api_calls", dec!(1));
    let decide = |quota: &Quota, used: u64| {
        quota
            .decide(
                &count_total(used),
                &calls,
                KeyNovelty::NoKey,
                &period(),
                now(),
            )
            .unwrap()
            .rate_limit
    };
    let roomy = decide(&soft, 10);
    let tight = decide(&hard, 7);
    let refused = decide(&hard, 10);
    assert_eq!(RateLimit::tightest([roomy, tight]), Some(tight));
    assert_eq!(RateLimit::tightest([tight, refused, roomy]), Some(refused));
    assert_eq!(RateLimit::tightest([]), None);
}

#[test]
fn r_u4_a_batch_of_one_meter_is_decided_in_order() {
    let quota = Quota::hard(dec!(3)).unwrap();
    let events: Vec<UsageEvent> = ["a", "b", "c", "d"]
        .iter()
        .map(|id| event(id, "gb_processed", dec!(1)))
        .chain([event("e", "gb_processed", dec!(0))])
        .collect();
    let total = total_of(Aggregation::Sum, &[event("p", "gb_processed", dec!(1))]);
    let decided = quota
        .decide_batch(
            &total,
            events.iter().map(|e| (e, KeyNovelty::NoKey)),
            &period(),
            now(),
        )
        .unwrap();
    use QuotaDecision::{Accept, Reject};
    assert_eq!(decided.decisions, [Accept, Accept, Reject, Reject, Accept]);
    assert_eq!(decided.total.usage(), dec!(3));
    assert_eq!(
        decided.rate_limit.retry_after_seconds(),
        Some(period().seconds_until_end(now()))
    );
}

#[test]
fn r_u4_a_key_accepted_earlier_in_the_batch_is_not_new_for_the_events_after_it() {
    let quota = Quota::hard(dec!(2)).unwrap();
    let events = [
        user_event("a", "u1"),
        user_event("b", "u1"),
        user_event("c", "u2"),
        user_event("d", "u3"),
        user_event("e", "u2"),
    ];
    // Before the batch, the store held none of these keys.
    let decided = quota
        .decide_batch(
            &PeriodTotal::empty(Aggregation::UniqueCount),
            events.iter().map(|e| (e, KeyNovelty::New)),
            &period(),
            now(),
        )
        .unwrap();
    use QuotaDecision::{Accept, Reject};
    assert_eq!(decided.decisions, [Accept, Accept, Accept, Reject, Accept]);
    assert_eq!(
        (decided.total.events(), decided.total.usage()),
        (4, dec!(2))
    );
}

#[test]
fn r_u3_an_unlimited_batch_counts_a_key_once_however_often_the_batch_repeats_it() {
    let events = [
        user_event("a", "u1"),
        user_event("b", "u1"),
        user_event("c", "u2"),
    ];
    // The store held u2 already; u1 is new, and new only for its first event.
    let mut before = PeriodTotal::empty(Aggregation::UniqueCount);
    before
        .absorb(&user_event("z", "u2"), KeyNovelty::New)
        .unwrap();
    let novelty = [KeyNovelty::New, KeyNovelty::New, KeyNovelty::Seen];
    let total = count_batch(&before, events.iter().zip(novelty)).unwrap();
    assert_eq!((total.events(), total.usage()), (4, dec!(2)));
    assert_eq!(
        count_batch(
            &PeriodTotal::empty(Aggregation::Count),
            [(&events[0], KeyNovelty::New)]
        ),
        Err(DecisionError::Total(TotalError::AggregationMismatch {
            total: Aggregation::Count,
            event: Aggregation::UniqueCount
        }))
    );
}

#[test]
fn r_u4_a_batch_decision_weighs_one_meter_at_a_time() {
    let quota = Quota::hard(dec!(3)).unwrap();
    let calls = event("a", "api_calls", dec!(1));
    let mut elsewhere = input("b", "api_calls", dec!(1));
    elsewhere.tool_id = other_tool();
    let catalog = catalog().with_tool(other_tool(), meters());
    let elsewhere = CheckedBatch::check(&[elsewhere], &catalog, now())
        .unwrap()
        .events()[0]
        .clone();
    assert_eq!(
        quota.decide_batch(
            &PeriodTotal::empty(Aggregation::Count),
            [(&calls, KeyNovelty::NoKey), (&elsewhere, KeyNovelty::NoKey)],
            &period(),
            now()
        ),
        Err(DecisionError::MixedMeters)
    );
}

// R-U5: overage billing -----------------------------------------------------------------

fn plan(meter: &str, limit: Decimal, price: Decimal) -> PlanQuotas {
    PlanQuotas::new().with(key(meter), Quota::soft(limit, Some(price)).unwrap())
}

#[test]
fn r_u5_overage_is_charged_per_line_rounded_half_away_from_zero() {
    let calls = key("api_calls");
    let lines = overage_lines(
        [(&calls, dec!(1250))],
        &plan("api_calls", dec!(1000), dec!(0.0125)),
        2,
    )
    .unwrap();
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    assert_eq!(
        (
            line.included,
            line.used,
            line.overage,
            line.unit_price,
            line.amount
        ),
        (dec!(1000), dec!(1250), dec!(250), dec!(0.0125), dec!(3.13)),
        "3.125 rounds up"
    );
    let half_down = overage_lines(
        [(&calls, dec!(1001))],
        &plan("api_calls", dec!(1000), dec!(0.004)),
        2,
    )
    .unwrap();
    assert_eq!(
        half_down[0].amount,
        dec!(0.00),
        "0.004 rounds down, the line stays"
    );
    assert_eq!(
        serde_json::to_value(line).unwrap(),
        serde_json::json!({
            "meter": "api_calls", "included": "1000", "used": "1250", "overage": "250",
            "unit_price": "0.0125", "amount": "3.13"
        })
    );
}

#[test]
fn r_u5_each_currency_rounds_to_its_own_minor_unit() {
    let gb = key("gb_processed");
    let priced = plan("gb_processed", dec!(10), dec!(0.5));
    let amount =
        |minor_units| overage_lines([(&gb, dec!(15))], &priced, minor_units).unwrap()[0].amount;
    assert_eq!(amount(0), dec!(3), "JPY: 2.5 rounds away from zero");
    let tiny = plan("gb_processed", dec!(10), dec!(0.0005));
    assert_eq!(
        overage_lines([(&gb, dec!(11))], &tiny, 3).unwrap()[0].amount,
        dec!(0.001),
        "BHD: three decimals"
    );
    assert_eq!(
        overage_lines([(&gb, dec!(11))], &tiny, 2).unwrap()[0].amount,
        dec!(0.00)
    );
    assert!(overage_lines([(&gb, dec!(11))], &tiny, 5).is_err());
}

#[test]
fn r_u5_every_line_is_rounded_on_its_own() {
    let (calls, gb) = (key("api_calls"), key("gb_processed"));
    let plan = PlanQuotas::new()
        .with(
            calls.clone(),
            Quota::soft(dec!(0), Some(dec!(0.005))).unwrap(),
        )
        .with(gb.clone(), Quota::soft(dec!(0), Some(dec!(0.005))).unwrap());
    let lines = overage_lines([(&gb, dec!(1)), (&calls, dec!(1))], &plan, 2).unwrap();
    let amounts: Vec<Decimal> = lines.iter().map(|l| l.amount).collect();
    assert_eq!(
        amounts,
        [dec!(0.01), dec!(0.01)],
        "two lines of 0.005, not one of 0.01"
    );
    assert_eq!(lines[0].meter, calls, "lines come in meter order");
}

#[test]
fn r_u5_no_line_within_the_quota_under_a_hard_quota_or_without_a_price() {
    let (calls, gb, seats, free) = (
        key("api_calls"),
        key("gb_processed"),
        key("peak_seats"),
        key("storage_gb"),
    );
    let plan = PlanQuotas::new()
        .with(
            calls.clone(),
            Quota::soft(dec!(100), Some(dec!(1))).unwrap(),
        )
        .with(gb.clone(), Quota::hard(dec!(10)).unwrap())
        .with(free.clone(), Quota::soft(dec!(1), None).unwrap());
    let usage = [
        (&calls, dec!(100)),
        (&gb, dec!(12)),
        (&seats, dec!(1_000_000)),
        (&free, dec!(50)),
    ];
    assert_eq!(overage_lines(usage, &plan, 2).unwrap(), []);
}

// R-U6: the access answer ---------------------------------------------------------------

#[test]
fn r_u6_the_access_answer_says_access_and_what_is_left() {
    let hard = Quota::hard(dec!(100)).unwrap();
    let answer = AccessAnswer::granted(Some("pro".into())).with_meter(dec!(40), Some(&hard));
    assert_eq!(
        serde_json::to_value(&answer).unwrap(),
        serde_json::json!({
            "has_access": true, "plan": "pro", "usage": "40", "limit": "100",
            "remaining": "60", "hard": true
        })
    );
    assert!(answer.may_use_more());

    let spent = AccessAnswer::granted(Some("pro".into())).with_meter(dec!(100), Some(&hard));
    assert_eq!(spent.remaining(), Some(dec!(0)));
    assert!(!spent.may_use_more());

    let soft = Quota::soft(dec!(100), Some(dec!(0.1))).unwrap();
    let over = AccessAnswer::granted(None).with_meter(dec!(130), Some(&soft));
    assert_eq!(
        (over.remaining(), over.hard()),
        (Some(dec!(0)), Some(false))
    );
    assert!(
        over.may_use_more(),
        "a soft quota bills overage instead of refusing"
    );

    let unlimited = AccessAnswer::granted(None).with_meter(dec!(5), None);
    assert_eq!((unlimited.limit(), unlimited.remaining()), (None, None));
    assert!(unlimited.may_use_more());

    let denied = AccessAnswer::denied().with_meter(dec!(0), None);
    assert_eq!(
        serde_json::to_value(&denied).unwrap(),
        serde_json::json!({
            "has_access": false, "plan": null, "usage": "0", "limit": null,
            "remaining": "0", "hard": null
        })
    );
    assert!(!denied.may_use_more());
}
