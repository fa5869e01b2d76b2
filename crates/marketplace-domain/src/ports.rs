//! Ports shared by every use-case family: what adapters report ([`RepoError`]), the clock
//! (R-R3) and id generation. Per-aggregate repositories live beside their aggregates.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::catalog::ItemRef;

/// A uniqueness rule the store enforced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conflict {
    /// The org already holds an active purchase of this item (R-O5).
    ActivePurchase { item: ItemRef },
    /// The idempotency key is taken in this org (R-O2).
    IdempotencyKey,
    /// Another uniqueness rule, named for logs.
    Duplicate(&'static str),
}

/// What a repository or gateway reports. Use cases turn it into their own error enums.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("conflict: {0:?}")]
    Conflict(Conflict),
    /// The org's platform credits do not cover a debit (R-O3).
    #[error("insufficient platform credits")]
    InsufficientCredits,
    /// The record was not in the state the change expected (it moved concurrently).
    #[error("stale state: {0}")]
    Stale(&'static str),
    /// The record the change refers to does not exist (in the caller's org).
    #[error("not found")]
    NotFound,
    /// The store could not do the work; carries the cause for logs.
    #[error("store unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl RepoError {
    /// Wraps any adapter failure.
    pub fn unavailable(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unavailable(Box::new(source))
    }
}

/// The time, from one place (R-R3): no use case reads the system clock itself.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock, for applications.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Where new ids come from, so tests can make them predictable.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait IdGenerator: Send + Sync {
    fn new_uuid(&self) -> Uuid;
}

/// Time-ordered UUID v7 ids, for applications (index-friendly).
#[derive(Clone, Copy, Debug, Default)]
pub struct UuidV7Ids;

impl IdGenerator for UuidV7Ids {
    fn new_uuid(&self) -> Uuid {
        Uuid::now_v7()
    }
}

/// Typed ids from any generator.
pub trait IdGeneratorExt: IdGenerator {
    fn new_id<T: From<Uuid>>(&self) -> T {
        T::from(self.new_uuid())
    }
}

impl<G: IdGenerator + ?Sized> IdGeneratorExt for G {}
