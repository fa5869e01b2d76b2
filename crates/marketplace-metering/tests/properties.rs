//! Properties over any order of delivery: exactly-once counting (R-U2, R-U3), order-free
//! merging (R-U3) and hard quotas that hold (R-U4).
#![allow(clippy::unwrap_used)] // tests: a broken fixture should fail loudly

mod common;

use chrono::TimeDelta;
use proptest::prelude::*;
use rust_decimal::Decimal;

use common::*;
use marketplace_metering::{
    Aggregation, BillingPeriod, CheckedBatch, KeyNovelty, OrgId, PeriodTotal, Quota, QuotaDecision,
    UsageEvent, UsageEventInput,
};

/// One distinct event's draw: value in hundredths, seconds before now, user number.
type Draw = (u32, i64, u8);

/// Few instants (12 over 33 days), so events often share a timestamp and LATEST must
/// break ties by id.
fn draws() -> impl Strategy<Value = Vec<Draw>> {
    let back = (0_i64..12).prop_map(|step| step * 240_000);
    prop::collection::vec((0_u32..5_000, back, 0_u8..6), 1..30)
}

fn inputs(aggregation: Aggregation, draws: &[Draw]) -> Vec<UsageEventInput> {
    draws
        .iter()
        .enumerate()
        .map(|(i, &(hundredths, back, user))| {
            let raw = input(
                &format!("evt-{i}"),
                meter_for(aggregation),
                Decimal::new(i64::from(hundredths), 2),
            );
            with_user(
                at(raw, now() - TimeDelta::seconds(back)),
                &format!("u{user}"),
            )
        })
        .collect()
}

fn checked(inputs: &[UsageEventInput]) -> Vec<UsageEvent> {
    inputs
        .chunks(CheckedBatch::MAX_EVENTS)
        .flat_map(|chunk| {
            CheckedBatch::check(chunk, &catalog(), now())
                .unwrap()
                .events()
                .to_vec()
        })
        .collect()
}

fn aggregation() -> impl Strategy<Value = Aggregation> {
    prop::sample::select(Aggregation::ALL.to_vec())
}

/// Distinct events, and deliveries of them: every event at least once, some several
/// times, shuffled and cut into batches.
fn deliveries() -> impl Strategy<Value = (Aggregation, Vec<Draw>, Vec<usize>, Vec<usize>)> {
    (aggregation(), draws()).prop_flat_map(|(aggregation, draws)| {
        let n = draws.len();
        let repeats = prop::collection::vec(0..n, 0..2 * n);
        let order = repeats
            .prop_map(move |extra| (0..n).chain(extra).collect::<Vec<_>>())
            .prop_shuffle();
        let cuts = prop::collection::vec(1_usize..8, 1..20);
        (Just(aggregation), Just(draws), order, cuts)
    })
}

fn total(store: &Store, aggregation: Aggregation) -> PeriodTotal {
    store
        .totals
        .get(&key(meter_for(aggregation)))
        .cloned()
        .unwrap_or_else(|| PeriodTotal::empty(aggregation))
}

fn period() -> BillingPeriod {
    BillingPeriod::new(now() - TimeDelta::days(10), now() + TimeDelta::days(20)).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn r_u2_r_u3_duplicated_and_reordered_batches_count_like_the_distinct_events_once(
        (aggregation, draws, order, cuts) in deliveries()
    ) {
        let distinct = inputs(aggregation, &draws);

        let mut once = Store::default();
        once.deliver(org(), &distinct);

        let mut racing = Store::default();
        let sent: Vec<UsageEventInput> = order.iter().map(|&i| distinct[i].clone()).collect();
        let mut rest = sent.as_slice();
        for cut in cuts.iter().cycle() {
            if rest.is_empty() {
                break;
            }
            let (batch, after) = rest.split_at((*cut).min(rest.len()));
            racing.deliver(org(), batch);
            rest = after;
        }

        prop_assert_eq!(total(&racing, aggregation), total(&once, aggregation));
        prop_assert_eq!(racing.duplicates, sent.len() - distinct.len());
        prop_assert_eq!(total(&once, aggregation).events(), distinct.len() as u64);
    }

    #[test]
    fn r_u3_totals_merge_in_any_split_and_order(
        (aggregation, draws) in (
            prop::sample::select(vec![
                Aggregation::Count, Aggregation::Sum, Aggregation::Max, Aggregation::Latest,
            ]),
            draws(),
        ),
        split in any::<prop::sample::Index>(),
    ) {
        let events = checked(&inputs(aggregation, &draws));
        let absorb = |events: &[UsageEvent]| {
            let mut total = PeriodTotal::empty(aggregation);
            for event in events {
                total.absorb(event, KeyNovelty::NoKey).unwrap();
            }
            total
        };
        let whole = absorb(&events);
        let (left, right) = events.split_at(split.index(events.len() + 1));
        let mut left_first = absorb(left);
        left_first.merge(&absorb(right)).unwrap();
        let mut right_first = absorb(right);
        right_first.merge(&absorb(left)).unwrap();
        prop_assert_eq!(&left_first, &whole);
        prop_assert_eq!(&right_first, &whole);
    }

    #[test]
    fn r_u4_a_hard_quota_never_lets_more_than_the_quota_through_in_any_order(
        aggregation in aggregation(),
        draws in draws().prop_shuffle(),
        limit_hundredths in 0_u32..20_000,
        batch_size in 1_usize..10,
    ) {
        let quota = Quota::hard(Decimal::new(i64::from(limit_hundredths), 2)).unwrap();
        let events = checked(&inputs(aggregation, &draws));
        let org = OrgId::from_uuid(uuid::Uuid::nil());

        // One event at a time, as each transaction decides under the row's lock.
        let mut one_by_one = Store::default();
        let mut keys = std::collections::HashSet::new();
        let mut total = PeriodTotal::empty(aggregation);
        let mut accepted_sum = Decimal::ZERO;
        for event in &events {
            let novelty = KeyNovelty::of(event, event.distinct_key().is_some_and(|k| keys.contains(k)));
            let outcome = quota.decide(&total, event, novelty, &period(), now()).unwrap();
            if outcome.decision != QuotaDecision::Reject {
                one_by_one.record(org, event);
                if let Some(k) = event.distinct_key() {
                    keys.insert(k.clone());
                }
                total = self::total(&one_by_one, aggregation);
                accepted_sum += event.value();
            }
            prop_assert!(total.usage() <= quota.limit(), "{} over {}", total.usage(), quota.limit());
            prop_assert!(outcome.rate_limit.remaining() == quota.remaining(total.usage()));
        }
        if aggregation == Aggregation::Sum {
            prop_assert!(accepted_sum <= quota.limit());
        }

        // Batches of one meter, each decided in order against the total the last left.
        let mut batched = PeriodTotal::empty(aggregation);
        let mut keys = std::collections::HashSet::new();
        for batch in events.chunks(batch_size) {
            let weighed = batch.iter().map(|e| {
                let seen = e.distinct_key().is_some_and(|k| keys.contains(k));
                (e, KeyNovelty::of(e, seen))
            });
            let decided = quota.decide_batch(&batched, weighed, &period(), now()).unwrap();
            for (event, decision) in batch.iter().zip(&decided.decisions) {
                if let (Some(k), false) = (event.distinct_key(), *decision == QuotaDecision::Reject) {
                    keys.insert(k.clone());
                }
            }
            batched = decided.total;
            prop_assert!(batched.usage() <= quota.limit());
        }
        prop_assert_eq!(batched, total, "batches decide as one event at a time");
    }
}
