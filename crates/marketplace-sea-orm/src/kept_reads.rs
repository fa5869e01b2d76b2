//! Hot reads kept in memory: a license validation (R-L4) and an access answer (R-U6) are
//! asked again and again about the same license or the same org and tool, and each is one
//! read of facts that change far less often than they are asked.
//!
//! An entry is served while both hold:
//! - this process has committed nothing since the read started (any commit, whatever it
//!   wrote: [`crate::commits`]), so the replica that suspends, revokes, renews, activates or
//!   counts usage answers from the database on its very next read;
//! - it is younger than the bound, so another replica's (or a job's) change is answered
//!   within that bound.
//!
//! Only facts are kept, never a verdict: what depends on the instant (expiry, grace, which
//! entitlement and plan are in force) is decided again on every request against the clock.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use marketplace_domain::ids::{OrgId, ToolId};
use marketplace_licensing::ids::LicenseId;
use marketplace_licensing::license::{Fingerprint, LicenseUnderValidation};
use marketplace_metering::MeterKey;

use crate::metering::AccessRows;

#[derive(Debug)]
struct Entry<V> {
    read: V,
    /// This process's commit count when the read started.
    commits: u64,
    at: Instant,
}

/// Reads of one kind kept by one replica (see the module documentation).
#[derive(Debug)]
pub struct KeptReads<K, V> {
    bound: Duration,
    entries: Mutex<HashMap<K, Entry<V>>>,
}

/// Entries held at most; a full map starts over empty, so a burst of distinct keys costs
/// reads, never memory.
const CAPACITY: usize = 10_000;

/// How late, at most, a replica answers another replica's change by default.
pub const DEFAULT_BOUND: Duration = Duration::from_secs(1);

impl<K: Eq + Hash, V: Clone> KeptReads<K, V> {
    #[must_use]
    pub fn new(bound: Duration) -> Self {
        Self {
            bound,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The read of `key`, when one started after this process's last commit and within the
    /// bound.
    pub(crate) fn get(&self, key: &K) -> Option<V> {
        let commits = crate::commits::count();
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(key)
            .filter(|e| e.commits == commits && e.at.elapsed() < self.bound)
            .map(|e| e.read.clone())
    }

    /// Keeps `read`, made by a read that started at `commits` and `at`.
    pub(crate) fn put(&self, key: K, read: V, commits: u64, at: Instant) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= CAPACITY && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, Entry { read, commits, at });
    }
}

/// The reads a replica keeps: license validations by license and machine, access facts by
/// org, tool, meter and calendar month.
#[derive(Debug)]
pub(crate) struct Kept {
    pub(crate) validations: KeptReads<(LicenseId, Option<Fingerprint>), LicenseUnderValidation>,
    pub(crate) access: KeptReads<AccessKey, AccessRows>,
}

pub(crate) type AccessKey = (
    OrgId,
    ToolId,
    Option<MeterKey>,
    Option<chrono::DateTime<chrono::Utc>>,
);

impl Kept {
    pub(crate) fn new(bound: Duration) -> Self {
        Self {
            validations: KeptReads::new(bound),
            access: KeptReads::new(bound),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reads(bound: Duration) -> KeptReads<u32, String> {
        KeptReads::new(bound)
    }

    #[test]
    fn a_kept_read_is_served_until_this_process_commits() {
        let reads = reads(Duration::from_secs(3600));
        reads.put(
            1,
            "read".to_owned(),
            crate::commits::count(),
            Instant::now(),
        );
        assert_eq!(reads.get(&1).as_deref(), Some("read"), "served from memory");
        assert_eq!(reads.get(&2), None, "another key is not");
        crate::commits::note();
        assert_eq!(reads.get(&1), None, "a commit of this process voids it");
    }

    #[test]
    fn a_read_that_started_before_a_commit_is_never_served() {
        let reads = reads(Duration::from_secs(3600));
        let started = crate::commits::count();
        crate::commits::note();
        reads.put(1, "read".to_owned(), started, Instant::now());
        assert_eq!(reads.get(&1), None);
    }

    #[test]
    fn a_kept_read_lapses_after_the_bound() {
        let bound = Duration::from_millis(20);
        let reads = reads(bound);
        let long_ago = Instant::now().checked_sub(bound).unwrap();
        reads.put(1, "read".to_owned(), crate::commits::count(), long_ago);
        assert_eq!(reads.get(&1), None, "older than the bound");
        assert_eq!(DEFAULT_BOUND, Duration::from_secs(1));
    }

    #[test]
    fn a_full_map_starts_over_instead_of_growing() {
        let reads = reads(Duration::from_secs(3600));
        let commits = crate::commits::count();
        for n in 0..u32::try_from(CAPACITY).unwrap() {
            reads.put(n, String::new(), commits, Instant::now());
        }
        assert_eq!(reads.entries.lock().unwrap().len(), CAPACITY);
        reads.put(u32::MAX, String::new(), commits, Instant::now());
        assert_eq!(reads.entries.lock().unwrap().len(), 1, "started over");
    }
}
