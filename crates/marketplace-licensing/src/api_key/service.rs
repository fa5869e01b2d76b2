//! API key use cases: create, list and revoke for the org's owners and admins (R-A4), and
//! authenticate a presented key into the org it acts for (R-A3).

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use marketplace_kernel::access::{AccessPolicy, Actor, Forbidden, Permission};
use marketplace_kernel::clock::{Clock, IdGenerator, IdGeneratorExt};
use marketplace_kernel::field::FieldError;
use marketplace_kernel::ids::OrgId;
use marketplace_kernel::paging::{Page, PageRequest};
use marketplace_kernel::store::RepoError;

use super::cache::KeyCache;
use super::digest::{KeyDigest, KeyDigester};
use super::ports::{ApiKeyRepository, RandomSource};
use super::record::{ApiKey, KeyLabel, KeyState};
use super::scope::{Scope, Scopes};
use super::token::{ApiKeyToken, KeyEnvironment, MalformedApiKey};
use crate::ids::ApiKeyId;

/// A new key as an owner or admin asks for it (R-A1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewKeyRequest {
    pub label: KeyLabel,
    pub scopes: Scopes,
    /// When the key stops working; `None` for never. Must be in the future.
    pub expires_at: Option<DateTime<Utc>>,
}

impl NewKeyRequest {
    /// Validates the label and the scopes, reporting both faults at once.
    ///
    /// # Errors
    /// One [`FieldError`] per bad field.
    pub fn parse<S: AsRef<str>>(
        label: &str,
        scopes: impl IntoIterator<Item = S>,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<Self, Vec<FieldError>> {
        match (KeyLabel::parse(label), Scopes::parse(scopes)) {
            (Ok(label), Ok(scopes)) => Ok(Self {
                label,
                scopes,
                expires_at,
            }),
            (label, scopes) => Err([label.err(), scopes.err()].into_iter().flatten().collect()),
        }
    }
}

/// A key just created: its record, and the key itself, which is shown this once and kept
/// nowhere (R-A2).
#[derive(Debug)]
pub struct CreatedApiKey {
    pub record: ApiKey,
    pub key: ApiKeyToken,
}

/// The principal an API key authenticates: the org it acts for with its scopes, and no
/// user (R-A3). Only [`ApiKeyService::authenticate`] makes one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyHolder {
    org_id: OrgId,
    key_id: ApiKeyId,
    scopes: Scopes,
}

/// The key lacks the scope an endpoint needs: 403.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("forbidden: the API key lacks the `{0}` scope")]
pub struct MissingScope(pub Scope);

impl KeyHolder {
    /// A key's principal; [`ApiKeyService::authenticate`] is the one caller outside
    /// tests.
    pub(crate) fn new(org_id: OrgId, key_id: ApiKeyId, scopes: Scopes) -> Self {
        Self {
            org_id,
            key_id,
            scopes,
        }
    }

    /// The org the key acts for: the tenant of everything it touches.
    #[must_use]
    pub fn org_id(&self) -> OrgId {
        self.org_id
    }

    /// The key, for audit and logs.
    #[must_use]
    pub fn key_id(&self) -> ApiKeyId {
        self.key_id
    }

    /// What the key may do.
    #[must_use]
    pub fn scopes(&self) -> &Scopes {
        &self.scopes
    }

    /// # Errors
    /// [`MissingScope`] unless the key holds `scope`.
    pub fn require(&self, scope: Scope) -> Result<(), MissingScope> {
        if self.scopes.contains(scope) {
            Ok(())
        } else {
            Err(MissingScope(scope))
        }
    }
}

/// Writes an authentication asks for, to run off the request's path with
/// [`ApiKeyService::record_use`]: the last use (throttled to once a minute per key), and
/// the current digest when the key was found under a previous secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyUpkeep {
    pub org_id: OrgId,
    pub key_id: ApiKeyId,
    pub used_at: DateTime<Utc>,
    /// The digest to store instead of the one the key was found under.
    pub digest: Option<KeyDigest>,
}

/// A key that checked out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Authenticated {
    pub holder: KeyHolder,
    /// `None` when nothing needs writing (the last use was recorded under a minute ago).
    pub upkeep: Option<KeyUpkeep>,
}

/// Why a presented key does not authenticate. Every variant but `Store` is 401 to the
/// caller (see [`Self::is_unauthorized`]); they differ only for logs.
#[derive(Debug, thiserror::Error)]
pub enum AuthenticateError {
    /// Not an API key at all; refused before any read.
    #[error("malformed API key: {0}")]
    Malformed(#[from] MalformedApiKey),
    /// A well-formed key of the other environment (a test key at a live service, or the
    /// reverse); refused before any read.
    #[error("an API key for the {0:?} environment")]
    OtherEnvironment(KeyEnvironment),
    /// Well-formed, but not one the marketplace issued (or kept).
    #[error("unknown API key")]
    Unknown,
    #[error("revoked API key")]
    Revoked,
    #[error("expired API key")]
    Expired,
    #[error(transparent)]
    Store(#[from] RepoError),
}

impl AuthenticateError {
    /// True for the refusals answered 401; false for a store failure (500).
    #[must_use]
    pub fn is_unauthorized(&self) -> bool {
        !matches!(self, Self::Store(_))
    }
}

/// Why a key could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateApiKeyError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// One entry per bad field (an expiry not in the future).
    #[error("invalid API key request")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Store(#[from] RepoError),
}

/// Why the org's keys could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ListApiKeysError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error(transparent)]
    Store(#[from] RepoError),
}

/// Why a key could not be revoked.
#[derive(Debug, thiserror::Error)]
pub enum RevokeApiKeyError {
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    /// No such key in the actor's org.
    #[error("API key not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] RepoError),
}

/// API keys of an org: machine credentials that act for the org with their scopes.
#[derive(Clone)]
pub struct ApiKeyService {
    keys: Arc<dyn ApiKeyRepository>,
    random: Arc<dyn RandomSource>,
    digester: Arc<KeyDigester>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    environment: KeyEnvironment,
    /// Shared by the clones of one service: what this process read recently.
    recent: Arc<KeyCache>,
}

impl fmt::Debug for ApiKeyService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKeyService")
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

impl ApiKeyService {
    /// Issues keys of `environment` and accepts only those.
    pub fn new(
        keys: Arc<dyn ApiKeyRepository>,
        random: Arc<dyn RandomSource>,
        digester: KeyDigester,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
        environment: KeyEnvironment,
    ) -> Self {
        Self {
            keys,
            random,
            digester: Arc::new(digester),
            clock,
            ids,
            environment,
            recent: Arc::new(KeyCache::default()),
        }
    }

    /// R-A1, R-A2, R-A4: creates a key for the actor's org; the answer carries the key,
    /// the only time it is shown. Only its digest is stored.
    ///
    /// # Errors
    /// `Forbidden` (nothing touched), `Invalid` for an expiry not in the future, `Store`.
    pub async fn create(
        &self,
        actor: &Actor,
        request: NewKeyRequest,
    ) -> Result<CreatedApiKey, CreateApiKeyError> {
        AccessPolicy.require(actor, Permission::ManageApiKeys)?;
        let now = self.clock.now();
        if request.expires_at.is_some_and(|at| at <= now) {
            return Err(CreateApiKeyError::Invalid(vec![FieldError::new(
                "expires_at",
                "must be in the future",
            )]));
        }
        let key = ApiKeyToken::generate(self.environment, self.random.as_ref());
        let record = ApiKey {
            id: self.ids.new_id(),
            org_id: actor.org_id,
            label: request.label,
            scopes: request.scopes,
            hint: key.hint(),
            created_by: actor.user_id,
            created_at: now,
            last_used_at: None,
            expires_at: request.expires_at,
            revoked_at: None,
        };
        self.keys
            .insert(&record, &self.digester.digest(&key))
            .await?;
        Ok(CreatedApiKey { record, key })
    }

    /// R-A4: the org's keys, each with its prefix and last four characters only.
    ///
    /// # Errors
    /// `Forbidden` (nothing read), `Store`.
    pub async fn list(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<ApiKey>, ListApiKeysError> {
        AccessPolicy.require(actor, Permission::ManageApiKeys)?;
        Ok(self.keys.list(actor.org_id, page).await?)
    }

    /// R-A4: revokes one of the org's keys now (again: no change) and returns its record.
    ///
    /// # Errors
    /// `Forbidden` (nothing touched), `NotFound` for a key of no org or of another, `Store`.
    pub async fn revoke(&self, actor: &Actor, id: ApiKeyId) -> Result<ApiKey, RevokeApiKeyError> {
        AccessPolicy.require(actor, Permission::ManageApiKeys)?;
        let revoked = self
            .keys
            .revoke(actor.org_id, id, self.clock.now())
            .await?
            .ok_or(RevokeApiKeyError::NotFound)?;
        // Refused at once here; other processes see it within `KEY_CACHE_TTL`.
        self.recent.forget(id);
        Ok(revoked)
    }

    /// R-A2, R-A3: the principal a presented key acts as. The key's shape, checksum and
    /// environment are checked before any read; then its digest is looked up, and a
    /// revoked or expired key is refused.
    ///
    /// # Errors
    /// [`AuthenticateError`]: each refusal typed for logs, all of them 401.
    pub async fn authenticate(&self, presented: &str) -> Result<Authenticated, AuthenticateError> {
        let key = ApiKeyToken::parse(presented)?;
        if key.environment() != self.environment {
            return Err(AuthenticateError::OtherEnvironment(key.environment()));
        }
        let (record, moved_digest) = self.find(&key).await?.ok_or(AuthenticateError::Unknown)?;
        let now = self.clock.now();
        match record.state(now) {
            KeyState::Revoked => return Err(AuthenticateError::Revoked),
            KeyState::Expired => return Err(AuthenticateError::Expired),
            KeyState::Active => {}
        }
        let upkeep = (moved_digest.is_some() || record.use_worth_recording(now)).then(|| {
            self.recent.note_use(&self.digester.digest(&key), now);
            KeyUpkeep {
                org_id: record.org_id,
                key_id: record.id,
                used_at: now,
                digest: moved_digest,
            }
        });
        Ok(Authenticated {
            holder: KeyHolder::new(record.org_id, record.id, record.scopes),
            upkeep,
        })
    }

    /// Runs an authentication's [`KeyUpkeep`]; meant to be spawned, so no request waits
    /// on it.
    ///
    /// # Errors
    /// `RepoError` from the store; the caller logs it (the request has been answered).
    pub async fn record_use(&self, upkeep: KeyUpkeep) -> Result<(), RepoError> {
        if let Some(digest) = &upkeep.digest {
            self.keys
                .replace_digest(upkeep.org_id, upkeep.key_id, digest)
                .await?;
        }
        self.keys
            .touch(upkeep.org_id, upkeep.key_id, upkeep.used_at)
            .await
    }

    /// The key's record under the current digest, else under a previous secret's, with
    /// the current digest to store in that case.
    async fn find(
        &self,
        key: &ApiKeyToken,
    ) -> Result<Option<(ApiKey, Option<KeyDigest>)>, RepoError> {
        let current = self.digester.digest(key);
        let now = self.clock.now();
        if let Some(record) = self.recent.get(&current, now) {
            return Ok(Some((record, None)));
        }
        if let Some(record) = self.keys.find_by_digest(&current).await? {
            self.recent.put(current, record.clone(), now);
            return Ok(Some((record, None)));
        }
        for previous in self.digester.previous_digests(key) {
            if let Some(record) = self.keys.find_by_digest(&previous).await? {
                return Ok(Some((record, Some(current))));
            }
        }
        Ok(None)
    }
}
