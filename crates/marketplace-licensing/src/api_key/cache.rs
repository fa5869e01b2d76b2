//! Recently authenticated keys, kept in memory so a key presented again and again is not
//! read from the store on every request (R-A3).
//!
//! An entry is the key's record as read under its current digest, kept for
//! [`KEY_CACHE_TTL`]. Its state (revoked, expired) is decided again on every use, so an
//! expiry takes effect on time. A revocation through this process removes the key's
//! entries at once; another process that cached the key refuses it at the latest
//! [`KEY_CACHE_TTL`] later, when its entry lapses and the store is read again.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use chrono::{DateTime, TimeDelta, Utc};

use super::digest::KeyDigest;
use super::record::ApiKey;
use crate::ids::ApiKeyId;

/// How long a key's record is reused without reading the store: the longest a revocation
/// made by another process takes to be seen by this one.
pub const KEY_CACHE_TTL: TimeDelta = TimeDelta::seconds(5);

/// Entries kept at most; when full, the cache starts over empty (a burst of distinct keys
/// costs reads, never memory).
const MAX_ENTRIES: usize = 10_000;

/// Records by digest, each with the time it was read.
#[derive(Debug, Default)]
pub(crate) struct KeyCache {
    entries: Mutex<HashMap<KeyDigest, (ApiKey, DateTime<Utc>)>>,
}

impl KeyCache {
    /// The record read under `digest` less than [`KEY_CACHE_TTL`] before `now`.
    pub(crate) fn get(&self, digest: &KeyDigest, now: DateTime<Utc>) -> Option<ApiKey> {
        let entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries
            .get(digest)
            .filter(|(_, read_at)| now >= *read_at && now - *read_at < KEY_CACHE_TTL)
            .map(|(record, _)| record.clone())
    }

    /// Keeps `record`, read under `digest` at `read_at`.
    pub(crate) fn put(&self, digest: KeyDigest, record: ApiKey, read_at: DateTime<Utc>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&digest) {
            entries.clear();
        }
        entries.insert(digest, (record, read_at));
    }

    /// Notes a use recorded at `at` in the cached record of `digest`, so the next uses do
    /// not record it again within the resolution.
    pub(crate) fn note_use(&self, digest: &KeyDigest, at: DateTime<Utc>) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((record, _)) = entries.get_mut(digest) {
            record.last_used_at = Some(at);
        }
    }

    /// Forgets every entry of key `id`.
    pub(crate) fn forget(&self, id: ApiKeyId) {
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        entries.retain(|_, (record, _)| record.id != id);
    }
}
