//! Batches of usage events (R-U2): 1..=1000 events per request, each judged on its own,
//! and the answer that tells the host what became of every one.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::catalog::MeterCatalog;
use crate::event::{EventId, EventRejection, RejectionReason, UsageEvent, UsageEventInput};
use crate::ids::ToolId;
use crate::meter::MeterKey;
use crate::window::AcceptanceWindow;

/// Why a whole batch was refused; single events are never refused this way.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("a batch holds at least one event")]
    Empty,
    #[error("a batch holds at most {max} events, got {count}", max = CheckedBatch::MAX_EVENTS)]
    TooLarge { count: usize },
}

/// A batch after every event was checked: the events to store, in the order sent, the
/// repeats of an id already accepted earlier in the batch, and the refused events.
///
/// A repeat is judged as the store would judge it: a duplicate of the first accepted
/// event with that id, whatever its content. An id whose first copy was refused is not
/// taken, so a later, valid copy is accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedBatch {
    events: Vec<UsageEvent>,
    duplicates: Vec<EventId>,
    rejected: Vec<EventRejection>,
}

impl CheckedBatch {
    /// Most events one batch may carry.
    pub const MAX_EVENTS: usize = 1000;

    /// Checks each event of a batch against the org's meters at `now`.
    ///
    /// # Errors
    /// [`BatchError::Empty`], [`BatchError::TooLarge`].
    pub fn check(
        inputs: &[UsageEventInput],
        catalog: &MeterCatalog,
        now: DateTime<Utc>,
    ) -> Result<Self, BatchError> {
        Self::check_size(inputs.len())?;
        let window = AcceptanceWindow::at(now);
        let mut taken: HashSet<&str> = HashSet::with_capacity(inputs.len());
        let mut batch = Self {
            events: Vec::with_capacity(inputs.len()),
            duplicates: Vec::new(),
            rejected: Vec::new(),
        };
        for input in inputs {
            if taken.contains(input.id.as_str()) {
                // Only checked, accepted ids are taken, so the id parses.
                if let Ok(id) = EventId::parse(&input.id) {
                    batch.duplicates.push(id);
                }
                continue;
            }
            match UsageEvent::check(input, catalog, &window) {
                Ok(event) => {
                    taken.insert(&input.id);
                    batch.events.push(event);
                }
                Err(reason) => batch
                    .rejected
                    .push(EventRejection::new(input.id.clone(), reason)),
            }
        }
        Ok(batch)
    }

    /// Whether a batch of `count` events may be sent at all: what is refused before any
    /// event is looked at (and before the service reads anything for it).
    ///
    /// # Errors
    /// [`BatchError::Empty`], [`BatchError::TooLarge`].
    pub const fn check_size(count: usize) -> Result<(), BatchError> {
        match count {
            0 => Err(BatchError::Empty),
            count if count > Self::MAX_EVENTS => Err(BatchError::TooLarge { count }),
            _ => Ok(()),
        }
    }

    /// The events to store, in the order sent.
    #[must_use]
    pub fn events(&self) -> &[UsageEvent] {
        &self.events
    }

    /// Ids repeated within the batch, once per repeat.
    #[must_use]
    pub fn duplicates(&self) -> &[EventId] {
        &self.duplicates
    }

    #[must_use]
    pub fn rejected(&self) -> &[EventRejection] {
        &self.rejected
    }

    /// The events grouped by the total they count toward, (tool, meter), in order of
    /// first appearance, each group in the order sent: what quota decisions walk.
    #[must_use]
    pub fn by_meter(&self) -> Vec<((ToolId, &MeterKey), Vec<&UsageEvent>)> {
        let mut groups: Vec<((ToolId, &MeterKey), Vec<&UsageEvent>)> = Vec::new();
        let mut index: HashMap<(ToolId, &MeterKey), usize> = HashMap::new();
        for event in &self.events {
            let key = (event.tool(), event.meter());
            let at = *index.entry(key).or_insert_with(|| {
                groups.push((key, Vec::new()));
                groups.len() - 1
            });
            if let Some((_, group)) = groups.get_mut(at) {
                group.push(event);
            }
        }
        groups
    }

    /// The answer so far: in-batch duplicates and refusals. The service adds what the
    /// store and the quotas decide for each event of [`CheckedBatch::events`].
    #[must_use]
    pub fn report(&self) -> BatchReport {
        BatchReport {
            accepted: 0,
            duplicates: self.duplicates.len(),
            rejected: self.rejected.clone(),
        }
    }
}

/// The answer to a batch: `{"accepted": N, "duplicates": N, "rejected": [{"id", "code",
/// "message"}]}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct BatchReport {
    accepted: usize,
    duplicates: usize,
    rejected: Vec<EventRejection>,
}

impl BatchReport {
    /// The store counted the event (within its quota or as overage).
    pub fn counted(&mut self) {
        self.accepted += 1;
    }

    /// The store already held the event's (org, id): it was not counted again.
    pub fn duplicate(&mut self) {
        self.duplicates += 1;
    }

    /// The event was refused after its checks (a hard quota).
    pub fn refused(&mut self, id: &EventId, reason: RejectionReason) {
        self.rejected
            .push(EventRejection::new(id.as_str().to_owned(), reason));
    }

    #[must_use]
    pub const fn accepted(&self) -> usize {
        self.accepted
    }

    #[must_use]
    pub const fn duplicates(&self) -> usize {
        self.duplicates
    }

    #[must_use]
    pub fn rejected(&self) -> &[EventRejection] {
        &self.rejected
    }

    /// Whether every event of the batch was refused for a hard quota: the one case the
    /// answer is `429 quota_exceeded` rather than `202`.
    #[must_use]
    pub fn all_over_hard_quota(&self) -> bool {
        self.accepted == 0
            && self.duplicates == 0
            && !self.rejected.is_empty()
            && self
                .rejected
                .iter()
                .all(|r| matches!(r.reason(), RejectionReason::QuotaExceeded { .. }))
    }
}
