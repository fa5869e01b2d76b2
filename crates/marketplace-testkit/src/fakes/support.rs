//! The clock, id generator and audit log fakes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use marketplace_domain::audit::{AuditEvent, AuditLog};
use marketplace_domain::ports::{Clock, IdGenerator};
use uuid::Uuid;

/// A clock that only moves when told (R-R3).
#[derive(Debug)]
pub struct FixedClock {
    now: Mutex<DateTime<Utc>>,
}

impl FixedClock {
    /// A clock stopped at `at`.
    #[must_use]
    pub fn at(at: DateTime<Utc>) -> Self {
        Self {
            now: Mutex::new(at),
        }
    }

    /// Moves the clock to `at` (backwards too).
    pub fn set(&self, at: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner) = at;
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.now.lock().unwrap_or_else(PoisonError::into_inner);
        *now += by;
    }
}

impl Default for FixedClock {
    fn default() -> Self {
        Self::at(crate::builders::t0())
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Deterministic, increasing UUIDs: `00000000-0000-4000-8000-<counter>`, so ids sort in the
/// order they were made.
#[derive(Debug, Default)]
pub struct SequentialIds {
    next: AtomicU64,
}

impl SequentialIds {
    /// How many ids were handed out.
    #[must_use]
    pub fn issued(&self) -> u64 {
        self.next.load(Ordering::SeqCst)
    }

    /// The `n`-th id this generator hands out (1-based), to predict ids in tests.
    #[must_use]
    pub fn nth(n: u64) -> Uuid {
        Uuid::from_u128((0x4000_u128 << 64) | (0x8000_u128 << 48) | u128::from(n))
    }
}

impl IdGenerator for SequentialIds {
    fn new_uuid(&self) -> Uuid {
        Self::nth(self.next.fetch_add(1, Ordering::SeqCst) + 1)
    }
}

/// Ids unique across the whole test process (for contract tests that may share a
/// database): see [`crate::builders::unique_uuid`].
#[derive(Debug, Default, Clone, Copy)]
pub struct UniqueIds;

impl IdGenerator for UniqueIds {
    fn new_uuid(&self) -> Uuid {
        crate::builders::unique_uuid()
    }
}

/// Keeps every audit event, in order.
#[derive(Debug, Default)]
pub struct RecordingAuditLog {
    events: Mutex<Vec<AuditEvent>>,
}

impl RecordingAuditLog {
    /// Every event recorded so far.
    #[must_use]
    pub fn events(&self) -> Vec<AuditEvent> {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The actions recorded so far, in order.
    #[must_use]
    pub fn actions(&self) -> Vec<&'static str> {
        self.events().iter().map(|e| e.action).collect()
    }

    /// How many events were recorded.
    #[must_use]
    pub fn len(&self) -> usize {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// Whether nothing was recorded.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[async_trait]
impl AuditLog for RecordingAuditLog {
    async fn record(&self, event: AuditEvent) {
        self.events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(event);
    }
}
