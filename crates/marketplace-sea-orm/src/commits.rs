//! This process's commits, counted: the signal on which the in-memory copies (the catalog,
//! the validation reads) re-check what they hold, so that a replica reads its own writes at
//! once whichever use case made them. A count, never a version: another replica's writes
//! reach a copy by the copy's own bound.

use std::sync::atomic::{AtomicU64, Ordering};

static COMMITS: AtomicU64 = AtomicU64::new(0);

/// Counts a commit of this process (every commit goes through [`crate::tenant::commit`]).
pub(crate) fn note() {
    COMMITS.fetch_add(1, Ordering::AcqRel);
}

/// How many commits this process has made so far.
pub(crate) fn count() -> u64 {
    COMMITS.load(Ordering::Acquire)
}
