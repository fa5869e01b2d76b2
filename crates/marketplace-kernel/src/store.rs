//! What adapters report to every context's use cases ([`RepoError`]).

use crate::item::ItemRef;

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
