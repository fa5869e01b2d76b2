//! Generations (R-I4): every applied plan gives the org a new, numbered generation holding
//! its whole lockfile, so any earlier state can be restored as it was.

use serde::{Deserialize, Serialize};

use crate::ModuleId;
use crate::lockfile::Lockfile;

/// The position of a generation in an org's history; generation 0 has nothing installed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct GenerationNumber(u64);

impl GenerationNumber {
    pub const FIRST: Self = Self(0);

    pub const fn new(number: u64) -> Self {
        Self(number)
    }

    pub const fn get(self) -> u64 {
        self.0
    }

    /// The number after this one. An org would need 2^64 applied plans to reach the end,
    /// so the last number simply stays last.
    pub(crate) const fn next(self) -> Self {
        Self(self.0.saturating_add(1))
    }
}

impl std::fmt::Display for GenerationNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// An org's installed set as of one applied plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(bound(serialize = "M: Serialize", deserialize = "M: Deserialize<'de> + Ord"))]
pub struct Generation<M> {
    number: GenerationNumber,
    lockfile: Lockfile<M>,
}

impl<M: ModuleId> Generation<M> {
    /// Where every org starts: generation 0, nothing installed.
    pub fn initial() -> Self {
        Self {
            number: GenerationNumber::FIRST,
            lockfile: Lockfile::new(),
        }
    }

    /// A generation as the store recorded it.
    pub fn restore(number: GenerationNumber, lockfile: Lockfile<M>) -> Self {
        Self { number, lockfile }
    }

    /// The generation that follows this one, holding `lockfile`.
    pub(crate) fn succeeded_by(&self, lockfile: Lockfile<M>) -> Self {
        Self {
            number: self.number.next(),
            lockfile,
        }
    }

    pub fn number(&self) -> GenerationNumber {
        self.number
    }

    pub fn lockfile(&self) -> &Lockfile<M> {
        &self.lockfile
    }
}
