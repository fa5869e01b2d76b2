//! Install attempts and their outcomes (R-I7, the pure part): what the adapters record
//! for every install, update and rollback, and the success rate per module reported to
//! sellers and to the platform.
//!
//! Rates are kept as exact counts, never as a float or a decimal: comparing a rate with a
//! threshold is integer cross-multiplication ([`SuccessRate::at_least`]), so 95.0 % meets a
//! 95 % target and 94.99 % does not. For display, [`SuccessRate::percent`] rounds *down* to
//! a whole percent: a seller never reads a figure better than the truth, and "100 %" means
//! no attempt failed.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::ModuleId;

/// What was attempted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptKind {
    Install,
    Update,
    Rollback,
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    /// It did not apply; `reason` says why, for the people who read the record.
    Failed {
        reason: String,
    },
    /// It applied, then was undone: the org is back on the generation it started from.
    RolledBack,
}

/// One recorded attempt on one module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt<M> {
    pub module: M,
    pub kind: AttemptKind,
    pub outcome: Outcome,
    pub duration: Duration,
}

impl<M> Attempt<M> {
    pub fn succeeded(&self) -> bool {
        self.outcome == Outcome::Succeeded
    }
}

/// The success rate the platform holds every tool to, in percent (seed 002: above 95%).
pub const TARGET_PERCENT: u8 = 95;

/// Successful attempts out of all attempts; never over zero attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SuccessRate {
    succeeded: u64,
    attempts: u64,
}

impl SuccessRate {
    /// `None` when there were no attempts or more successes than attempts.
    pub fn new(succeeded: u64, attempts: u64) -> Option<Self> {
        (attempts > 0 && succeeded <= attempts).then_some(Self {
            succeeded,
            attempts,
        })
    }

    pub fn succeeded(self) -> u64 {
        self.succeeded
    }

    pub fn attempts(self) -> u64 {
        self.attempts
    }

    /// The rate in whole percent, rounded down (99.9 % reads 99).
    pub fn percent(self) -> u8 {
        let percent = u128::from(self.succeeded) * 100 / u128::from(self.attempts);
        u8::try_from(percent).unwrap_or(100)
    }

    /// Whether the rate meets the platform's target, [`TARGET_PERCENT`], exactly.
    pub fn meets_target(self) -> bool {
        self.at_least(TARGET_PERCENT)
    }

    /// Whether the rate is at least `percent` %, exactly.
    pub fn at_least(self, percent: u8) -> bool {
        u128::from(self.succeeded) * 100 >= u128::from(percent) * u128::from(self.attempts)
    }
}

impl std::fmt::Display for SuccessRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} % ({} of {})",
            self.percent(),
            self.succeeded,
            self.attempts
        )
    }
}

/// The success rate of each module that has attempts.
pub fn success_rates<'a, M: ModuleId + 'a>(
    attempts: impl IntoIterator<Item = &'a Attempt<M>>,
) -> BTreeMap<M, SuccessRate> {
    let mut counts: BTreeMap<M, (u64, u64)> = BTreeMap::new();
    for attempt in attempts {
        let (succeeded, total) = counts.entry(attempt.module.clone()).or_default();
        *total += 1;
        if attempt.succeeded() {
            *succeeded += 1;
        }
    }
    counts
        .into_iter()
        .filter_map(|(module, (succeeded, total))| {
            SuccessRate::new(succeeded, total).map(|rate| (module, rate))
        })
        .collect()
}
