//! What adapters report to every context's use cases ([`RepoError`]).

use crate::item::ItemRef;

/// A uniqueness rule the store enforced, one variant per rule a caller acts on. Stores map
/// each of their unique keys to one of these by its exact name, never by matching text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Conflict {
    /// The org already holds an active purchase of this item (R-O5).
    ActivePurchase { item: ItemRef },
    /// The idempotency key is taken in this org (R-O2).
    IdempotencyKey,
    /// The user already reviewed this tool (R-V1).
    Review,
    /// Another seller is managed by the same org.
    SellerOrg,
    /// The connected payout account belongs to another seller.
    ConnectAccount,
    /// The seller's payout of this month is already recorded (one per seller and month).
    PayoutMonth,
    /// Another order carries this payment reference.
    PaymentReference,
    /// Another purchase carries this provider subscription.
    Subscription,
    /// The org's credits are held in another currency (R-O3).
    CreditCurrency,
    /// The item already has a plan of this code (R-B1).
    PlanCode,
    /// Another record of `table` has the same key (its id, or a line's position): an id or
    /// caller bug, never a business rule; the table is named for logs.
    Key { table: &'static str },
    /// A uniqueness rule of another context that has no variant here, named for logs.
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
    /// A stored record breaks a domain invariant (an outside write or a bug let it in): not
    /// an outage, and retrying will not help. Names where, for logs.
    #[error("corrupt record in {table}: {detail}")]
    Corrupt { table: &'static str, detail: String },
    /// The store could not do the work; carries the cause for logs.
    #[error("store unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl RepoError {
    /// Wraps any adapter failure.
    pub fn unavailable(source: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unavailable(Box::new(source))
    }

    /// A stored record of `table` that does not make a valid domain value.
    pub fn corrupt(table: &'static str, detail: impl std::fmt::Display) -> Self {
        Self::Corrupt {
            table,
            detail: detail.to_string(),
        }
    }
}
