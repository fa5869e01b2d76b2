//! R-C6: views counted in memory, per tool and month, until the next flush takes them.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, Utc};

use crate::ids::ToolId;
use crate::revenue::YearMonth;

/// Views of one tool's page in one month (UTC), as a tally to add or as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ViewCount {
    pub tool_id: ToolId,
    pub month: YearMonth,
    pub views: u64,
}

/// The views counted since the last flush. A view costs one short lock and a map update;
/// the store sees one row per (tool, month) per flush, however many views it sums.
#[derive(Debug, Default)]
pub struct ViewCounter {
    counts: Mutex<HashMap<(ToolId, YearMonth), u64>>,
}

impl ViewCounter {
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Counts one view of `tool` at `at`, in the month `at` falls in (UTC).
    pub fn record(&self, tool: ToolId, at: DateTime<Utc>) {
        self.add(tool, YearMonth::of(at), 1);
    }

    fn add(&self, tool: ToolId, month: YearMonth, views: u64) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let tally = counts.entry((tool, month)).or_default();
        *tally = tally.saturating_add(views);
    }

    /// Takes every tally counted so far (the counter starts again from nothing), ordered
    /// by month then tool, so batches write their rows in one order.
    #[must_use]
    pub fn take(&self) -> Vec<ViewCount> {
        let counts =
            std::mem::take(&mut *self.counts.lock().unwrap_or_else(PoisonError::into_inner));
        let mut out: Vec<ViewCount> = counts
            .into_iter()
            .map(|((tool_id, month), views)| ViewCount {
                tool_id,
                month,
                views,
            })
            .collect();
        out.sort_by_key(|c| (c.month, c.tool_id));
        out
    }

    /// Gives back tallies a flush took but could not store, added to whatever was counted
    /// meanwhile: a failed flush loses no view.
    pub fn restore(&self, counts: &[ViewCount]) {
        for c in counts {
            self.add(c.tool_id, c.month, c.views);
        }
    }

    /// Views counted and not yet taken.
    #[must_use]
    pub fn pending(&self) -> u64 {
        self.counts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .sum()
    }
}
