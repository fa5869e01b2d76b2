//! What the API key use cases need from outside: randomness and a store.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_kernel::ids::OrgId;
use marketplace_kernel::paging::{Page, PageRequest};
use marketplace_kernel::store::RepoError;

use super::digest::KeyDigest;
use super::record::ApiKey;
use crate::ids::ApiKeyId;

/// Unpredictable bytes for new keys. The crate draws no randomness itself; the application
/// backs this with the operating system's CSPRNG.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait RandomSource: Send + Sync {
    /// Fills `buf` with cryptographically secure random bytes.
    fn fill(&self, buf: &mut [u8]);
}

/// Where API keys are kept: their records and digests, never the keys (R-A2).
///
/// Every method but [`find_by_digest`](Self::find_by_digest) is tenant-scoped: it takes the
/// org, and a key of another org is not found (run on the tenant's connection, under
/// row-level security). `find_by_digest` is how a presented key finds its org in the
/// first place, so it runs on the platform pool and is the only cross-tenant read.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ApiKeyRepository: Send + Sync {
    /// Stores a new key's record with its digest (unique, indexed for lookups).
    ///
    /// # Errors
    /// `RepoError::Conflict(Conflict::Duplicate("api key digest"))` when the digest is
    /// taken (two keys drawn alike: not in practice).
    async fn insert(&self, key: &ApiKey, digest: &KeyDigest) -> Result<(), RepoError>;

    /// The org's keys, revoked ones included, newest first (`created_at` descending, then
    /// id), with the total count.
    async fn list(&self, org: OrgId, page: PageRequest) -> Result<Page<ApiKey>, RepoError>;

    /// Revokes the key at `at` and returns its record. Revoking a revoked key changes
    /// nothing and returns it with its first `revoked_at`. `Ok(None)` when the org has no
    /// such key.
    async fn revoke(
        &self,
        org: OrgId,
        id: ApiKeyId,
        at: DateTime<Utc>,
    ) -> Result<Option<ApiKey>, RepoError>;

    /// The key stored under `digest`, in any org, revoked and expired ones included (the
    /// caller tells them apart). Platform pool; an indexed equality lookup.
    async fn find_by_digest(&self, digest: &KeyDigest) -> Result<Option<ApiKey>, RepoError>;

    /// Records a use at `at`. Never moves `last_used_at` back (a late write loses to a
    /// newer one: `... WHERE last_used_at IS NULL OR last_used_at < $at`); a key that is
    /// gone is not an error.
    async fn touch(&self, org: OrgId, id: ApiKeyId, at: DateTime<Utc>) -> Result<(), RepoError>;

    /// Replaces the key's stored digest, when it was found under a previous server secret
    /// (a rotation, see [`KeyDigester`](super::KeyDigester)). A key that is gone is not an
    /// error.
    async fn replace_digest(
        &self,
        org: OrgId,
        id: ApiKeyId,
        digest: &KeyDigest,
    ) -> Result<(), RepoError>;
}
