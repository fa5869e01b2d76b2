//! Validation reads kept in memory (R-L4 at the speed a vendor's fleet asks): the same
//! licenses are validated again and again by the machines that run them, and each answer
//! is one read of facts that rarely change.
//!
//! An entry is served while both hold:
//! - this process has committed nothing since the read started (any commit, whatever it
//!   wrote: [`crate::commits`]), so the replica that suspends, revokes, renews or
//!   activates answers from the database on its very next validation;
//! - it is younger than the bound, so another replica's (or a job's) change is answered
//!   within that bound.
//!
//! Only facts are kept, never a verdict: the answer (expiry, grace, activations) is decided
//! again on every request against the clock. A read whose standing needed the feed's exact
//! read (an unpaid renewal) is not kept, nor is a key naming no license.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use marketplace_licensing::ids::LicenseId;
use marketplace_licensing::license::{Fingerprint, LicenseUnderValidation};

type Key = (LicenseId, Option<Fingerprint>);

#[derive(Debug)]
struct Entry {
    read: LicenseUnderValidation,
    /// This process's commit count when the read started.
    commits: u64,
    at: Instant,
}

/// The validation reads of one replica (see the module documentation).
#[derive(Debug)]
pub struct ValidationReads {
    bound: Duration,
    entries: Mutex<HashMap<Key, Entry>>,
}

impl ValidationReads {
    /// How late, at most, a replica answers another replica's change of a license.
    pub const DEFAULT_BOUND: Duration = Duration::from_secs(1);
    /// Entries held at most; a full map starts over empty, so a burst of distinct licenses
    /// costs reads, never memory.
    const CAPACITY: usize = 10_000;

    #[must_use]
    pub fn new(bound: Duration) -> Self {
        Self {
            bound,
            entries: Mutex::new(HashMap::new()),
        }
    }

    /// The read of `key`, when one started after this process's last commit and within the
    /// bound.
    pub(crate) fn get(&self, key: &Key) -> Option<LicenseUnderValidation> {
        let commits = crate::commits::count();
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(key)
            .filter(|e| e.commits == commits && e.at.elapsed() < self.bound)
            .map(|e| e.read.clone())
    }

    /// Keeps `read`, made by a read that started at `commits` and `at`.
    pub(crate) fn put(&self, key: Key, read: LicenseUnderValidation, commits: u64, at: Instant) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= Self::CAPACITY && !entries.contains_key(&key) {
            entries.clear();
        }
        entries.insert(key, Entry { read, commits, at });
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use marketplace_domain::ids::{EntitlementId, OrgId, ToolId};
    use marketplace_licensing::license::{License, LicenseStatus, StoredLicense};
    use uuid::Uuid;

    use super::*;

    fn read(n: u128) -> (Key, LicenseUnderValidation) {
        let id = LicenseId::from_uuid(Uuid::from_u128(n));
        let license = License::from_stored(StoredLicense {
            id,
            org_id: OrgId::from_uuid(Uuid::from_u128(1)),
            tool_id: ToolId::from_uuid(Uuid::from_u128(2)),
            entitlement_id: EntitlementId::from_uuid(Uuid::from_u128(n + 100)),
            plan: "pro".to_owned(),
            features: Vec::new(),
            max_activations: 5,
            status: LicenseStatus::Active,
            issued_at: Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap(),
            expires_at: None,
        })
        .unwrap();
        let read = LicenseUnderValidation {
            license,
            standing: None,
            activated: None,
            activations: 0,
        };
        ((id, None), read)
    }

    #[test]
    fn r_l4_a_kept_read_is_served_until_this_process_commits() {
        let reads = ValidationReads::new(Duration::from_secs(3600));
        let (key, kept) = read(1);
        reads.put(
            key.clone(),
            kept.clone(),
            crate::commits::count(),
            Instant::now(),
        );
        assert_eq!(reads.get(&key), Some(kept), "served from memory");
        assert_eq!(
            reads.get(&(key.0, Some(Fingerprint::parse("m").unwrap()))),
            None
        );
        crate::commits::note();
        assert_eq!(reads.get(&key), None, "a commit of this process voids it");
    }

    #[test]
    fn r_l4_a_read_that_started_before_a_commit_is_never_served() {
        let reads = ValidationReads::new(Duration::from_secs(3600));
        let (key, kept) = read(2);
        let started = crate::commits::count();
        crate::commits::note();
        reads.put(key.clone(), kept, started, Instant::now());
        assert_eq!(reads.get(&key), None);
    }

    #[test]
    fn r_l4_a_kept_read_lapses_after_the_bound() {
        let bound = Duration::from_millis(20);
        let reads = ValidationReads::new(bound);
        let (key, kept) = read(3);
        let long_ago = Instant::now().checked_sub(bound).unwrap();
        reads.put(key.clone(), kept, crate::commits::count(), long_ago);
        assert_eq!(reads.get(&key), None, "older than the bound");
        assert_eq!(ValidationReads::DEFAULT_BOUND, Duration::from_secs(1));
    }

    #[test]
    fn a_full_memo_starts_over_instead_of_growing() {
        let reads = ValidationReads::new(Duration::from_secs(3600));
        let commits = crate::commits::count();
        for n in 0..ValidationReads::CAPACITY as u128 {
            let (key, kept) = read(1_000 + n);
            reads.put(key, kept, commits, Instant::now());
        }
        assert_eq!(
            reads.entries.lock().unwrap().len(),
            ValidationReads::CAPACITY
        );
        let (key, kept) = read(999_999);
        reads.put(key.clone(), kept, commits, Instant::now());
        let held = reads.entries.lock().unwrap().len();
        assert_eq!(held, 1, "the full map started over with the new read");
    }
}
