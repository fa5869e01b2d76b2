//! Quotas (R-U4): how much of a meter a plan includes per billing period, what happens
//! beyond it, and the rate-limit headers that tell a host where it stands.
//!
//! One rule for every aggregation: under a hard quota an event is refused when it would
//! leave the period's usage above the quota *and* higher than it was; under a soft quota
//! it is accepted and the excess is overage. Per aggregation that means:
//! - COUNT, SUM: an event that would cross the quota is refused whole, never counted in
//!   part; reaching the quota exactly is allowed.
//! - MAX: a value above the quota is refused; values at or below the current maximum are
//!   always accepted (they change nothing).
//! - UNIQUE_COUNT: a new key beyond the quota is refused; events for keys already counted
//!   are always accepted.
//! - LATEST: a reading above the quota that would become the latest is refused; readings
//!   older than the latest, or lower than the current figure, are accepted (a gauge going
//!   down is never refused).
//!
//! Under this rule a period that starts within its hard quota never ends above it,
//! whatever the order the events arrive in.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::event::UsageEvent;
use crate::meter::MeterKey;
use crate::total::{KeyNovelty, PeriodTotal, TotalError};
use crate::window::BillingPeriod;

/// Why a quota could not be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuotaError {
    #[error("a quota must not be negative, got {0}")]
    NegativeLimit(Decimal),
    #[error("an overage unit price must not be negative, got {0}")]
    NegativePrice(Decimal),
}

/// Why a quota decision could not be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error(transparent)]
    Total(#[from] TotalError),
    #[error("a batch decision weighs the events of one tool's meter at a time")]
    MixedMeters,
}

/// What happens beyond the quota.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Enforcement {
    /// Events beyond the quota are refused.
    Hard,
    /// Events beyond the quota are accepted as overage, charged at the unit price with the
    /// next renewal (or free when the plan sets no price).
    Soft { overage_unit_price: Option<Decimal> },
}

/// A plan's quota for one meter: the quantity included per billing period and what
/// happens beyond it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Quota {
    limit: Decimal,
    enforcement: Enforcement,
}

impl Quota {
    /// A quota that refuses events beyond `limit`.
    ///
    /// # Errors
    /// [`QuotaError::NegativeLimit`].
    pub fn hard(limit: Decimal) -> Result<Self, QuotaError> {
        Self::new(limit, Enforcement::Hard)
    }

    /// A quota that accepts events beyond `limit` as overage, billed at
    /// `overage_unit_price` per unit (free when `None`).
    ///
    /// # Errors
    /// [`QuotaError::NegativeLimit`], [`QuotaError::NegativePrice`].
    pub fn soft(limit: Decimal, overage_unit_price: Option<Decimal>) -> Result<Self, QuotaError> {
        if let Some(price) = overage_unit_price
            && price < Decimal::ZERO
        {
            return Err(QuotaError::NegativePrice(price));
        }
        Self::new(limit, Enforcement::Soft { overage_unit_price })
    }

    fn new(limit: Decimal, enforcement: Enforcement) -> Result<Self, QuotaError> {
        if limit < Decimal::ZERO {
            return Err(QuotaError::NegativeLimit(limit));
        }
        Ok(Self {
            limit: limit.normalize(),
            enforcement,
        })
    }

    /// The quantity included per period.
    #[must_use]
    pub const fn limit(&self) -> Decimal {
        self.limit
    }

    #[must_use]
    pub const fn enforcement(&self) -> Enforcement {
        self.enforcement
    }

    #[must_use]
    pub const fn is_hard(&self) -> bool {
        matches!(self.enforcement, Enforcement::Hard)
    }

    /// The price per unit beyond the quota, when overage is charged.
    #[must_use]
    pub const fn overage_unit_price(&self) -> Option<Decimal> {
        match self.enforcement {
            Enforcement::Soft { overage_unit_price } => overage_unit_price,
            Enforcement::Hard => None,
        }
    }

    /// How much of `usage` lies beyond the quota.
    #[must_use]
    pub fn overage(&self, usage: Decimal) -> Decimal {
        (usage - self.limit).max(Decimal::ZERO)
    }

    /// What is left of the quota at `usage`, never below zero.
    #[must_use]
    pub fn remaining(&self, usage: Decimal) -> Decimal {
        (self.limit - usage).max(Decimal::ZERO)
    }

    /// Decides one incoming event against the period's current total (read under the
    /// row's lock, in the transaction that will store the event).
    ///
    /// # Errors
    /// [`DecisionError::Total`] when the event does not fit the total (see
    /// [`PeriodTotal::absorb`]).
    pub fn decide(
        &self,
        total: &PeriodTotal,
        event: &UsageEvent,
        novelty: KeyNovelty,
        period: &BillingPeriod,
        now: DateTime<Utc>,
    ) -> Result<QuotaOutcome, DecisionError> {
        let before = total.usage();
        let after = total.usage_after(event, novelty)?;
        let decision = self.weigh(before, after);
        let refused = decision == QuotaDecision::Reject;
        let usage = if refused { before } else { after };
        Ok(QuotaOutcome {
            decision,
            rate_limit: self.rate_limit(usage, refused, period, now),
        })
    }

    fn weigh(&self, before: Decimal, after: Decimal) -> QuotaDecision {
        let exceeds = after > self.limit;
        match self.enforcement {
            Enforcement::Hard if exceeds && after > before => QuotaDecision::Reject,
            Enforcement::Soft { .. } if exceeds => QuotaDecision::AcceptOverage {
                beyond: after - self.limit,
            },
            Enforcement::Hard | Enforcement::Soft { .. } => QuotaDecision::Accept,
        }
    }

    fn rate_limit(
        &self,
        usage: Decimal,
        refused: bool,
        period: &BillingPeriod,
        now: DateTime<Utc>,
    ) -> RateLimit {
        let reset_seconds = period.seconds_until_end(now);
        RateLimit {
            limit: self.limit,
            remaining: self.remaining(usage),
            reset_seconds,
            retry_after_seconds: refused.then_some(reset_seconds),
        }
    }

    /// Decides a batch of one meter's events in order, each against the total as the
    /// events accepted before it left it. `novelty` is each event's key novelty against
    /// the store *before* the batch; a key first accepted earlier in the batch counts as
    /// seen for the events after it.
    ///
    /// # Errors
    /// [`DecisionError::MixedMeters`] when the events name more than one (tool, meter),
    /// [`DecisionError::Total`] as in [`Quota::decide`].
    pub fn decide_batch<'e>(
        &self,
        total: &PeriodTotal,
        events: impl IntoIterator<Item = (&'e UsageEvent, KeyNovelty)>,
        period: &BillingPeriod,
        now: DateTime<Utc>,
    ) -> Result<BatchDecision, DecisionError> {
        let (decisions, total) =
            walk_batch(total, events, |before, after| self.weigh(before, after))?;
        let refused = decisions.contains(&QuotaDecision::Reject);
        Ok(BatchDecision {
            rate_limit: self.rate_limit(total.usage(), refused, period, now),
            decisions,
            total,
        })
    }
}

/// Counts a batch of one meter's events that no quota limits: every event is accepted,
/// folded in order exactly as [`Quota::decide_batch`] folds the ones it accepts (novelty
/// against the store before the batch; a key first counted earlier in the batch is seen
/// for the events after it). What an unlimited meter's period total, and each day and
/// month total, absorb a batch with.
///
/// # Errors
/// As [`Quota::decide_batch`].
pub fn count_batch<'e>(
    total: &PeriodTotal,
    events: impl IntoIterator<Item = (&'e UsageEvent, KeyNovelty)>,
) -> Result<PeriodTotal, DecisionError> {
    walk_batch(total, events, |_, _| QuotaDecision::Accept).map(|(_, total)| total)
}

/// The one walk of a batch of one meter's events: each event weighed by `weigh` on the
/// figure before and after it, and absorbed unless refused.
fn walk_batch<'e>(
    total: &PeriodTotal,
    events: impl IntoIterator<Item = (&'e UsageEvent, KeyNovelty)>,
    mut weigh: impl FnMut(Decimal, Decimal) -> QuotaDecision,
) -> Result<(Vec<QuotaDecision>, PeriodTotal), DecisionError> {
    let mut running = total.clone();
    let mut keys_added = HashSet::new();
    let mut decisions = Vec::new();
    let mut batch_meter = None;
    for (event, novelty) in events {
        let meter = (event.tool(), event.meter());
        if *batch_meter.get_or_insert(meter) != meter {
            return Err(DecisionError::MixedMeters);
        }
        let novelty = match event.distinct_key() {
            Some(key) if novelty == KeyNovelty::New && keys_added.contains(key) => KeyNovelty::Seen,
            _ => novelty,
        };
        let decision = weigh(running.usage(), running.usage_after(event, novelty)?);
        if decision != QuotaDecision::Reject {
            running.absorb(event, novelty)?;
            if let (KeyNovelty::New, Some(key)) = (novelty, event.distinct_key()) {
                keys_added.insert(key);
            }
        }
        decisions.push(decision);
    }
    Ok((decisions, running))
}

/// The verdict on one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "decision")]
pub enum QuotaDecision {
    /// Within the quota (or changing nothing).
    Accept,
    /// Beyond a soft quota: accepted, and the period's usage now exceeds the quota by
    /// `beyond`, to be charged at the period's end.
    AcceptOverage { beyond: Decimal },
    /// Beyond a hard quota: refused with `quota_exceeded`, not stored, not counted.
    Reject,
}

/// A decision with the rate-limit figures to answer it with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotaOutcome {
    pub decision: QuotaDecision,
    pub rate_limit: RateLimit,
}

/// The decisions on a batch of one meter's events, in order, and the total once the
/// accepted ones are counted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchDecision {
    pub decisions: Vec<QuotaDecision>,
    pub total: PeriodTotal,
    pub rate_limit: RateLimit,
}

/// Where a host stands against a quota, as HTTP headers say it: `RateLimit-Limit` (the
/// quota), `RateLimit-Remaining` (what is left this period), `RateLimit-Reset` (seconds
/// until the period resets) and, when an event was refused, `Retry-After` (the same
/// seconds: a hard quota frees up only with the next period).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct RateLimit {
    limit: Decimal,
    remaining: Decimal,
    reset_seconds: u64,
    retry_after_seconds: Option<u64>,
}

impl RateLimit {
    #[must_use]
    pub const fn limit(&self) -> Decimal {
        self.limit
    }

    #[must_use]
    pub const fn remaining(&self) -> Decimal {
        self.remaining
    }

    #[must_use]
    pub const fn reset_seconds(&self) -> u64 {
        self.reset_seconds
    }

    #[must_use]
    pub const fn retry_after_seconds(&self) -> Option<u64> {
        self.retry_after_seconds
    }

    /// The headers, names and values. Header quantities are whole numbers, so a
    /// fractional quota or remainder is rounded down: the headers never promise more
    /// than is left.
    #[must_use]
    pub fn headers(&self) -> Vec<(&'static str, String)> {
        let whole = |d: Decimal| d.floor().normalize().to_string();
        let mut headers = vec![
            ("RateLimit-Limit", whole(self.limit)),
            ("RateLimit-Remaining", whole(self.remaining)),
            ("RateLimit-Reset", self.reset_seconds.to_string()),
        ];
        if let Some(seconds) = self.retry_after_seconds {
            headers.push(("Retry-After", seconds.to_string()));
        }
        headers
    }

    /// Of several meters' figures, the one to answer with: a refusal first, then the
    /// least remaining.
    pub fn tightest(limits: impl IntoIterator<Item = Self>) -> Option<Self> {
        limits
            .into_iter()
            .min_by_key(|limit| (limit.retry_after_seconds.is_none(), limit.remaining))
    }
}

/// A plan's quotas for one tool, by meter. A meter the plan does not name is unlimited.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PlanQuotas {
    quotas: BTreeMap<MeterKey, Quota>,
}

impl PlanQuotas {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `meter`'s quota.
    #[must_use]
    pub fn with(mut self, meter: MeterKey, quota: Quota) -> Self {
        self.quotas.insert(meter, quota);
        self
    }

    /// `meter`'s quota; `None` when the plan does not limit it.
    #[must_use]
    pub fn quota(&self, meter: &MeterKey) -> Option<&Quota> {
        self.quotas.get(meter)
    }

    /// Every limited meter, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&MeterKey, &Quota)> {
        self.quotas.iter()
    }
}
