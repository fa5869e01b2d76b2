//! Per-period totals (R-U3): the running figure of one (org, tool, meter) in one window.
//!
//! The state is small enough for one row, updated in the transaction that stores the
//! event, and each aggregation folds events incrementally and order-independently:
//! - COUNT and SUM add (commutative);
//! - MAX keeps the largest value (commutative, idempotent);
//! - LATEST keeps the value of the event with the greatest (timestamp, event id) pair, a
//!   total order, so the winner does not depend on arrival order;
//! - UNIQUE_COUNT keeps only the number of distinct keys. The keys themselves would grow
//!   with usage, so they live in a side table keyed (org, tool, meter, window, key) whose
//!   insert reports whether the key was new ([`KeyNovelty`]); the total grows by one
//!   exactly when it was. Its memory in the row stays constant; the side table holds one
//!   row per distinct key per window.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::Serialize;

use crate::event::{EventId, UsageEvent};
use crate::meter::Aggregation;

/// Why an event or a stored state could not be folded into a total. Each is a mistake of
/// the caller (wrong row, wrong novelty) or a corrupt row, never a property of the event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotalError {
    #[error("a {total} total cannot absorb an event of a {event} meter")]
    AggregationMismatch {
        total: Aggregation,
        event: Aggregation,
    },
    #[error("an event of a unique_count meter needs its key's novelty; other events take none")]
    NoveltyMismatch,
    #[error("the total no longer fits a decimal")]
    Overflow,
    #[error("unique_count totals merge only through their distinct keys")]
    DistinctMergeNeedsKeys,
    #[error("stored total is inconsistent: {0}")]
    Inconsistent(&'static str),
}

/// Whether the event's distinct key was already in its window's key set, as the adapter's
/// insert into the side table reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyNovelty {
    /// The event's meter does not count distinct keys.
    NoKey,
    /// The key was not in the set: the distinct count grows by one.
    New,
    /// The key was in the set already: the event counts, the figure does not change.
    Seen,
}

impl KeyNovelty {
    /// The novelty to pass for `event`, given whether the store already held its key
    /// (`key_seen` is not read for events without a distinct key).
    #[must_use]
    pub fn of(event: &UsageEvent, key_seen: bool) -> Self {
        match (event.distinct_key(), key_seen) {
            (None, _) => Self::NoKey,
            (Some(_), false) => Self::New,
            (Some(_), true) => Self::Seen,
        }
    }
}

/// What decides which event is the latest: its timestamp, then its id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LatestMark {
    at: DateTime<Utc>,
    event: EventId,
}

impl LatestMark {
    #[must_use]
    pub const fn at(&self) -> DateTime<Utc> {
        self.at
    }

    #[must_use]
    pub fn event(&self) -> &EventId {
        &self.event
    }

    fn cmp_with(&self, at: DateTime<Utc>, event: &EventId) -> Ordering {
        (self.at, &self.event).cmp(&(at, event))
    }
}

/// The usage figure before and after one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UsageChange {
    pub before: Decimal,
    pub after: Decimal,
}

impl UsageChange {
    #[must_use]
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// A total's fields as one row stores them; [`PeriodTotal::from_parts`] checks them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TotalParts {
    pub aggregation: Aggregation,
    pub events: u64,
    pub usage: Decimal,
    pub latest_at: Option<DateTime<Utc>>,
    pub latest_event: Option<String>,
}

/// One window's total for one (org, tool, meter).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PeriodTotal {
    aggregation: Aggregation,
    /// Events counted, whether or not they moved the figure.
    events: u64,
    /// The figure: count, sum, maximum, distinct keys or latest value (zero when empty).
    usage: Decimal,
    #[serde(skip_serializing_if = "Option::is_none")]
    latest: Option<LatestMark>,
}

/// The next state, computed without touching the current one.
struct Step {
    events: u64,
    usage: Decimal,
    becomes_latest: bool,
}

impl PeriodTotal {
    /// A window with no events yet.
    #[must_use]
    pub const fn empty(aggregation: Aggregation) -> Self {
        Self {
            aggregation,
            events: 0,
            usage: Decimal::ZERO,
            latest: None,
        }
    }

    #[must_use]
    pub const fn aggregation(&self) -> Aggregation {
        self.aggregation
    }

    /// How many events were counted.
    #[must_use]
    pub const fn events(&self) -> u64 {
        self.events
    }

    /// The window's figure, what quotas and invoices read.
    #[must_use]
    pub const fn usage(&self) -> Decimal {
        self.usage
    }

    /// For LATEST, which event set the figure.
    #[must_use]
    pub const fn latest(&self) -> Option<&LatestMark> {
        self.latest.as_ref()
    }

    /// The figure this total would show after `event`, leaving the total as it is: what a
    /// quota decision weighs before the event is stored.
    ///
    /// # Errors
    /// As [`PeriodTotal::absorb`].
    pub fn usage_after(
        &self,
        event: &UsageEvent,
        novelty: KeyNovelty,
    ) -> Result<Decimal, TotalError> {
        self.step(event, novelty).map(|step| step.usage)
    }

    /// Counts one event (that the store has just inserted for the first time).
    ///
    /// # Errors
    /// [`TotalError::AggregationMismatch`] when the event belongs to a meter of another
    /// aggregation, [`TotalError::NoveltyMismatch`] when `novelty` is [`KeyNovelty::NoKey`]
    /// for a distinct-key event or the reverse, [`TotalError::Overflow`] when the figure
    /// would leave `Decimal`'s range.
    pub fn absorb(
        &mut self,
        event: &UsageEvent,
        novelty: KeyNovelty,
    ) -> Result<UsageChange, TotalError> {
        let before = self.usage;
        let step = self.step(event, novelty)?;
        self.events = step.events;
        self.usage = step.usage;
        if step.becomes_latest {
            self.latest = Some(LatestMark {
                at: event.timestamp(),
                event: event.id().clone(),
            });
        }
        Ok(UsageChange {
            before,
            after: self.usage,
        })
    }

    fn step(&self, event: &UsageEvent, novelty: KeyNovelty) -> Result<Step, TotalError> {
        if event.aggregation() != self.aggregation {
            return Err(TotalError::AggregationMismatch {
                total: self.aggregation,
                event: event.aggregation(),
            });
        }
        if (novelty == KeyNovelty::NoKey) != event.distinct_key().is_none() {
            return Err(TotalError::NoveltyMismatch);
        }
        let events = self.events.checked_add(1).ok_or(TotalError::Overflow)?;
        let mut becomes_latest = false;
        let usage = match self.aggregation {
            Aggregation::Count => self.usage.checked_add(Decimal::ONE),
            Aggregation::Sum => self.usage.checked_add(event.value()),
            Aggregation::Max => Some(self.usage.max(event.value())),
            Aggregation::UniqueCount => match novelty {
                KeyNovelty::New => self.usage.checked_add(Decimal::ONE),
                KeyNovelty::Seen | KeyNovelty::NoKey => Some(self.usage),
            },
            Aggregation::Latest => {
                becomes_latest = self.latest.as_ref().is_none_or(|mark| {
                    mark.cmp_with(event.timestamp(), event.id()) == Ordering::Less
                });
                Some(if becomes_latest {
                    event.value()
                } else {
                    self.usage
                })
            }
        }
        .ok_or(TotalError::Overflow)?;
        Ok(Step {
            events,
            usage,
            becomes_latest,
        })
    }

    /// Folds another total of the same aggregation into this one, as if this total had
    /// absorbed the other's events too: merging is commutative and associative, so a
    /// month can be built from its days, or shards from one another, in any order.
    ///
    /// # Errors
    /// [`TotalError::AggregationMismatch`], [`TotalError::DistinctMergeNeedsKeys`] for
    /// UNIQUE_COUNT (two counts cannot tell how many keys they share; union the key sets
    /// instead), [`TotalError::Overflow`].
    pub fn merge(&mut self, other: &Self) -> Result<(), TotalError> {
        if other.aggregation != self.aggregation {
            return Err(TotalError::AggregationMismatch {
                total: self.aggregation,
                event: other.aggregation,
            });
        }
        let events = self
            .events
            .checked_add(other.events)
            .ok_or(TotalError::Overflow)?;
        match self.aggregation {
            Aggregation::Count | Aggregation::Sum => {
                self.usage = self
                    .usage
                    .checked_add(other.usage)
                    .ok_or(TotalError::Overflow)?;
            }
            Aggregation::Max => self.usage = self.usage.max(other.usage),
            Aggregation::UniqueCount => return Err(TotalError::DistinctMergeNeedsKeys),
            Aggregation::Latest => {
                if let Some(theirs) = &other.latest {
                    let theirs_later = self.latest.as_ref().is_none_or(|ours| {
                        ours.cmp_with(theirs.at, &theirs.event) == Ordering::Less
                    });
                    if theirs_later {
                        self.latest = Some(theirs.clone());
                        self.usage = other.usage;
                    }
                }
            }
        }
        self.events = events;
        Ok(())
    }

    /// The fields to store.
    #[must_use]
    pub fn to_parts(&self) -> TotalParts {
        TotalParts {
            aggregation: self.aggregation,
            events: self.events,
            usage: self.usage,
            latest_at: self.latest.as_ref().map(|mark| mark.at),
            latest_event: self
                .latest
                .as_ref()
                .map(|mark| mark.event.as_str().to_owned()),
        }
    }

    /// Rebuilds a stored total, refusing a row no sequence of events could produce.
    ///
    /// # Errors
    /// [`TotalError::Inconsistent`] naming the broken invariant.
    pub fn from_parts(parts: TotalParts) -> Result<Self, TotalError> {
        let TotalParts {
            aggregation,
            events,
            usage,
            latest_at,
            latest_event,
        } = parts;
        if usage < Decimal::ZERO {
            return Err(TotalError::Inconsistent("usage is negative"));
        }
        if events == 0 && !usage.is_zero() {
            return Err(TotalError::Inconsistent("usage without events"));
        }
        match aggregation {
            Aggregation::Count if usage != Decimal::from(events) => {
                return Err(TotalError::Inconsistent("a count differs from its events"));
            }
            Aggregation::UniqueCount if !usage.fract().is_zero() || usage > events.into() => {
                return Err(TotalError::Inconsistent(
                    "distinct keys must be a whole number no larger than the events",
                ));
            }
            _ => {}
        }
        let latest = match (latest_at, latest_event) {
            (Some(at), Some(event)) if aggregation == Aggregation::Latest && events > 0 => {
                let event = EventId::parse(&event)
                    .map_err(|_| TotalError::Inconsistent("latest event id is invalid"))?;
                Some(LatestMark { at, event })
            }
            (None, None) if aggregation != Aggregation::Latest || events == 0 => None,
            _ => {
                return Err(TotalError::Inconsistent(
                    "only a non-empty LATEST total records its latest event",
                ));
            }
        };
        Ok(Self {
            aggregation,
            events,
            usage,
            latest,
        })
    }
}
