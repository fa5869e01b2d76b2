//! What a batch asks the store to record, and the rule the store's transaction applies.
//!
//! The split: the store owns the transaction, the row locks and the unique keys; the rule
//! (which inserted events count, which a hard quota refuses, what the total becomes and
//! what the rate-limit headers say) stays in this crate, in [`MeterBatch::decide`]. The
//! port carries a plain description ([`RecordBatch`]: per (tool, meter) the events, the
//! billing period and the quota, if any), and the adapter calls `decide` inside its
//! transaction with what it found there: the total it locked, the ids its insert returned,
//! and the distinct keys the period already held.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use marketplace_kernel::ids::ToolId;
use rust_decimal::Decimal;

use crate::batch::CheckedBatch;
use crate::event::{EventId, UsageEvent};
use crate::meter::{Aggregation, MeterKey};
use crate::property::DistinctKey;
use crate::quota::{DecisionError, Quota, QuotaDecision, RateLimit, count_batch};
use crate::total::{KeyNovelty, PeriodTotal};
use crate::window::{BillingPeriod, WindowError};

use super::plan::{ActivePlan, usage_period};

/// The checked events of one batch, grouped by the total they count toward, each group
/// with what it is weighed against. Every event id appears once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordBatch {
    meters: Vec<MeterBatch>,
}

impl RecordBatch {
    /// Groups `checked`'s events by (tool, meter). Each tool's events count in its plan's
    /// billing period under that plan's quotas (`plans` holds the org's plans in force at
    /// `now`); a tool without a plan counts in the calendar month, unlimited.
    ///
    /// # Errors
    /// [`WindowError::OutOfRange`] at the very ends of the representable calendar.
    pub fn new(
        checked: &CheckedBatch,
        plans: &[ActivePlan],
        now: DateTime<Utc>,
    ) -> Result<Self, WindowError> {
        let mut meters = Vec::new();
        for ((tool, meter), events) in checked.by_meter() {
            let plan = plans.iter().find(|plan| plan.tool() == tool);
            let Some(first) = events.first() else {
                continue;
            };
            meters.push(MeterBatch {
                tool,
                meter: meter.clone(),
                aggregation: first.aggregation(),
                period: usage_period(plan, now)?,
                quota: plan.and_then(|plan| plan.quotas().quota(meter)).copied(),
                events: events.into_iter().cloned().collect(),
            });
        }
        meters.sort_by(|a, b| (a.tool, &a.meter).cmp(&(b.tool, &b.meter)));
        Ok(Self { meters })
    }

    /// The groups, ordered by (tool, meter): the order the adapter locks their totals in,
    /// so two batches never wait for each other in a circle.
    #[must_use]
    pub fn meters(&self) -> &[MeterBatch] {
        &self.meters
    }

    /// Every event's id, sorted: the order the adapter inserts them in, for the same
    /// reason.
    #[must_use]
    pub fn event_ids(&self) -> Vec<&EventId> {
        let mut ids: Vec<&EventId> = self
            .meters
            .iter()
            .flat_map(|meter| meter.events.iter().map(UsageEvent::id))
            .collect();
        ids.sort();
        ids
    }

    /// How many events the batch records.
    #[must_use]
    pub fn len(&self) -> usize {
        self.meters.iter().map(|meter| meter.events.len()).sum()
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.meters.is_empty()
    }
}

/// One (tool, meter)'s events of a batch, in the order sent, with the billing period their
/// total belongs to and the quota it is weighed against (`None`: unlimited).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeterBatch {
    tool: ToolId,
    meter: MeterKey,
    aggregation: Aggregation,
    period: BillingPeriod,
    quota: Option<Quota>,
    events: Vec<UsageEvent>,
}

impl MeterBatch {
    #[must_use]
    pub const fn tool(&self) -> ToolId {
        self.tool
    }

    #[must_use]
    pub fn meter(&self) -> &MeterKey {
        &self.meter
    }

    /// The meter's aggregation: what an empty total row is created with.
    #[must_use]
    pub const fn aggregation(&self) -> Aggregation {
        self.aggregation
    }

    /// The window of the total row the quota is checked against.
    #[must_use]
    pub const fn period(&self) -> &BillingPeriod {
        &self.period
    }

    #[must_use]
    pub const fn quota(&self) -> Option<&Quota> {
        self.quota.as_ref()
    }

    #[must_use]
    pub fn events(&self) -> &[UsageEvent] {
        &self.events
    }

    /// The distinct keys of the events (UNIQUE_COUNT meters only): what the adapter looks
    /// up in the period's key set before deciding.
    #[must_use]
    pub fn distinct_keys(&self) -> Vec<&DistinctKey> {
        let mut keys: Vec<&DistinctKey> = self
            .events
            .iter()
            .filter_map(UsageEvent::distinct_key)
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }

    /// The decision the adapter applies inside its transaction, once it holds the total
    /// row locked and has inserted the batch's ids.
    ///
    /// - `locked`: the period's total, read under the row's lock (`SELECT ... FOR
    ///   UPDATE`), or [`PeriodTotal::empty`] of [`MeterBatch::aggregation`] for a row just
    ///   created.
    /// - `inserted`: the ids the unique-key insert reported as new (`RETURNING`); every
    ///   other event of the batch is a duplicate, answered and not counted.
    /// - `seen_keys`: those of [`MeterBatch::distinct_keys`] the period's key set held
    ///   before this batch.
    ///
    /// Only inserted events are weighed, in the order sent, each against the total the
    /// ones before it left. The verdict says what became of each event, the total to write
    /// back, and which inserted events a hard quota refused: the adapter must remove
    /// those (delete their ids, or roll back to a savepoint taken before the insert) so a
    /// refused event is neither stored nor counted.
    ///
    /// # Errors
    /// [`DecisionError::Total`] when the locked row cannot count the events (another
    /// aggregation, a figure that no longer fits a decimal): the transaction must roll
    /// back and nothing of the batch is counted.
    pub fn decide(
        &self,
        locked: &PeriodTotal,
        inserted: &HashSet<&EventId>,
        seen_keys: &HashSet<&DistinctKey>,
        now: DateTime<Utc>,
    ) -> Result<MeterVerdict, DecisionError> {
        let fresh: Vec<(usize, &UsageEvent, KeyNovelty)> = self
            .events
            .iter()
            .enumerate()
            .filter(|(_, event)| inserted.contains(event.id()))
            .map(|(at, event)| {
                let seen = event
                    .distinct_key()
                    .is_some_and(|key| seen_keys.contains(key));
                (at, event, KeyNovelty::of(event, seen))
            })
            .collect();
        let weighed = fresh.iter().map(|&(_, event, novelty)| (event, novelty));
        let (decided, total, rate_limit) = match &self.quota {
            Some(quota) => {
                let decided = quota.decide_batch(locked, weighed, &self.period, now)?;
                let outcomes = decided
                    .decisions
                    .into_iter()
                    .map(|decision| EventOutcome::of(decision, quota))
                    .collect();
                (outcomes, decided.total, Some(decided.rate_limit))
            }
            None => {
                let total = count_batch(locked, weighed)?;
                (vec![EventOutcome::Counted; fresh.len()], total, None)
            }
        };
        let mut outcomes: Vec<EventOutcome> = vec![EventOutcome::Duplicate; self.events.len()];
        for (&(at, _, _), outcome) in fresh.iter().zip(decided) {
            if let Some(slot) = outcomes.get_mut(at) {
                *slot = outcome;
            }
        }
        Ok(MeterVerdict {
            tool: self.tool,
            meter: self.meter.clone(),
            events: self
                .events
                .iter()
                .zip(outcomes)
                .map(|(event, outcome)| (event.clone(), outcome))
                .collect(),
            total,
            rate_limit,
        })
    }
}

/// What became of one event in the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventOutcome {
    /// Inserted and counted, within the quota or on an unlimited meter.
    Counted,
    /// Inserted and counted beyond a soft quota: the period's usage now exceeds the quota
    /// by `beyond`, charged with the renewal.
    CountedAsOverage { beyond: Decimal },
    /// Its (org, id) was stored already: not counted again.
    Duplicate,
    /// Refused by a hard quota of `limit`: neither stored nor counted.
    OverQuota { limit: Decimal },
}

impl EventOutcome {
    const fn of(decision: QuotaDecision, quota: &Quota) -> Self {
        match decision {
            QuotaDecision::Accept => Self::Counted,
            QuotaDecision::AcceptOverage { beyond } => Self::CountedAsOverage { beyond },
            QuotaDecision::Reject => Self::OverQuota {
                limit: quota.limit(),
            },
        }
    }

    /// Whether the event now counts in the totals.
    #[must_use]
    pub const fn is_counted(&self) -> bool {
        matches!(self, Self::Counted | Self::CountedAsOverage { .. })
    }
}

/// The store's answer for one (tool, meter) of a batch, made by [`MeterBatch::decide`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MeterVerdict {
    tool: ToolId,
    meter: MeterKey,
    events: Vec<(UsageEvent, EventOutcome)>,
    total: PeriodTotal,
    rate_limit: Option<RateLimit>,
}

impl MeterVerdict {
    #[must_use]
    pub const fn tool(&self) -> ToolId {
        self.tool
    }

    #[must_use]
    pub fn meter(&self) -> &MeterKey {
        &self.meter
    }

    /// Each event of the group with what became of it, in the order sent.
    pub fn outcomes(&self) -> impl Iterator<Item = (&EventId, EventOutcome)> {
        self.events
            .iter()
            .map(|(event, outcome)| (event.id(), *outcome))
    }

    /// The events that now count, in the order sent: the raw rows to store, the distinct
    /// keys to add and what the day and month totals absorb.
    pub fn counted(&self) -> impl Iterator<Item = &UsageEvent> {
        self.events
            .iter()
            .filter(|(_, outcome)| outcome.is_counted())
            .map(|(event, _)| event)
    }

    /// The inserted events a hard quota refused: the ids the adapter removes again.
    pub fn refused(&self) -> impl Iterator<Item = &EventId> {
        self.events
            .iter()
            .filter(|(_, outcome)| matches!(outcome, EventOutcome::OverQuota { .. }))
            .map(|(event, _)| event.id())
    }

    /// The period's total with the counted events: the row to write back.
    #[must_use]
    pub const fn total(&self) -> &PeriodTotal {
        &self.total
    }

    /// Where the org stands against the quota after the batch; `None` when the meter is
    /// unlimited.
    #[must_use]
    pub const fn rate_limit(&self) -> Option<RateLimit> {
        self.rate_limit
    }
}
