//! License use cases: issue and follow for the entitlement's events (R-L1, R-L6), list for
//! the org's members, validate online (R-L4), activate and deactivate machines (R-L5).

use std::fmt;
use std::sync::Arc;

use marketplace_kernel::access::Permission;
use marketplace_kernel::clock::{Clock, IdGenerator, IdGeneratorExt};
use marketplace_kernel::ids::{EntitlementId, OrgId};
use marketplace_kernel::paging::{Page, PageRequest};
use marketplace_kernel::store::RepoError;
use marketplace_license::{
    AnsweredLicense, FingerprintCheck, Keyring, LicenseKey, SignedAnswer, ValidationAnswer,
    ValidationCode, ValidationFacts, VerifyError,
};

use super::activation::{ActivationOutcome, NewActivation};
use super::authentic::AuthenticKeys;
use super::follow::{EntitlementChange, EntitlementGranted, EntitlementStanding, FollowError};
use super::ports::{EntitlementFeed, LicenseRepository};
use super::record::{License, LicenseError, unix_seconds};
use super::request::{ActivateLicense, DeactivateLicense, PresentedKey, ValidateLicense};
use super::signing::SigningKeys;
use crate::access::{Denied, Principal};
use crate::api_key::Scope;
use crate::ids::LicenseId;

/// Why a presented key names no license. All of them answer `NOT_FOUND`, so a guesser
/// learns nothing; they differ for logs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NotFoundReason {
    /// Not a license key of ours: malformed, a bad signature, a kid not trusted, a
    /// version not read.
    NotAKey(VerifyError),
    /// A genuine key whose license is not on record.
    NoRecord,
    /// A genuine key whose record names another org or tool (a record changed under it).
    Mismatch,
}

/// A validation's outcome (R-L4): always an answer, signed.
#[derive(Clone, Debug)]
pub struct Validation {
    /// The answer: code, license (id and current expiry; none for `NOT_FOUND`), the
    /// caller's nonce, the server's time.
    pub answer: ValidationAnswer,
    /// The same answer signed (`MLA1.…`), for the client to check offline.
    pub signed: SignedAnswer,
    /// The license on record, for the answer's details; `None` for `NOT_FOUND`.
    pub license: Option<License>,
    /// Why the answer is `NOT_FOUND`, for logs only.
    pub not_found: Option<NotFoundReason>,
}

/// A license just issued for an entitlement, or the one it already had.
#[derive(Clone, Debug)]
pub struct IssuedLicense {
    pub license: License,
    pub key: LicenseKey,
    /// False when the entitlement already had this license (a grant delivered again).
    pub created: bool,
}

/// A license after an entitlement change.
#[derive(Clone, Debug)]
pub struct FollowedLicense {
    pub license: License,
    /// The license's key now: a new one when the change moved its terms (a renewal's
    /// expiry, a plan change), the same string otherwise.
    pub key: LicenseKey,
    /// False when the change left the license as it was.
    pub changed: bool,
}

/// A license in the org's list, with its key and activation count.
#[derive(Clone, Debug)]
pub struct LicenseView {
    pub license: License,
    pub key: LicenseKey,
    pub activations: u32,
}

/// A machine activated (or found active) on a license.
#[derive(Clone, Debug)]
pub struct Activation {
    pub license: License,
    /// True for a new activation (201), false for one already active (200).
    pub created: bool,
    /// Machines active on the license after this call.
    pub activations: u32,
}

/// A machine's activation removed (or found absent).
#[derive(Clone, Debug)]
pub struct Deactivation {
    pub license: License,
    /// False when the machine was not active.
    pub removed: bool,
}

/// Why the org's licenses could not be listed.
#[derive(Debug, thiserror::Error)]
pub enum ListLicensesError {
    /// A user who is not a member, or a key without `entitlements:read`.
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Store(#[from] RepoError),
}

/// Why one of the org's licenses could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GetLicenseError {
    #[error(transparent)]
    Denied(#[from] Denied),
    /// No such license in the caller's org (another org's is not found either).
    #[error("license not found")]
    NotFound,
    #[error(transparent)]
    Store(#[from] RepoError),
}

/// Why a license could not be issued.
#[derive(Debug, thiserror::Error)]
pub enum IssueLicenseError {
    /// The plan's terms break a rule of license claims (a catalog bug).
    #[error(transparent)]
    Terms(#[from] LicenseError),
    #[error(transparent)]
    Store(#[from] RepoError),
}

/// Why a license could not follow its entitlement.
#[derive(Debug, thiserror::Error)]
pub enum FollowEntitlementError {
    /// The entitlement has no license (its grant was not fed in).
    #[error("no license for entitlement {0}")]
    NoLicense(EntitlementId),
    /// The change contradicts the license (see [`FollowError`]).
    #[error(transparent)]
    Invalid(#[from] FollowError),
    /// The license kept moving under every attempt.
    #[error("the license kept changing concurrently")]
    Contention,
    #[error(transparent)]
    Store(#[from] RepoError),
}

/// Why a machine could not be activated.
#[derive(Debug, thiserror::Error)]
pub enum ActivateError {
    /// The key names no license (404).
    #[error("license not found")]
    NotFound(NotFoundReason),
    /// The license is not in force: the code says why (`REVOKED`, `EXPIRED`,
    /// `SUSPENDED`), in validation's precedence.
    #[error("the license cannot be activated: {}", .0.as_str())]
    NotInForce(ValidationCode),
    /// Every slot is taken (409 `too_many_activations`).
    #[error("all {limit} activations of the license are taken")]
    TooManyActivations { limit: u32 },
    #[error(transparent)]
    Store(#[from] RepoError),
}

/// Why a machine could not be deactivated.
#[derive(Debug, thiserror::Error)]
pub enum DeactivateError {
    /// The key names no license (404).
    #[error("license not found")]
    NotFound(NotFoundReason),
    #[error(transparent)]
    Store(#[from] RepoError),
}

/// How often a license is read and changed again when it moved under the change.
const FOLLOW_ATTEMPTS: usize = 3;

/// Entitlements a read of the org's licenses issues licenses for at most, before it lists.
const ISSUE_ON_READ_LIMIT: u32 = 500;

/// A presented key that named no license, or a store that failed on the way.
enum Unresolved {
    NotFound(NotFoundReason),
    Store(RepoError),
}

impl From<RepoError> for Unresolved {
    fn from(e: RepoError) -> Self {
        Self::Store(e)
    }
}

/// Licenses: issued with entitlements, checked by whoever holds their keys.
#[derive(Clone)]
pub struct LicenseService {
    licenses: Arc<dyn LicenseRepository>,
    keys: Arc<SigningKeys>,
    /// Verifies presented keys, each genuine key once.
    verifier: AuthenticKeys,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    /// Where entitlements are read; without it licenses move only by [`Self::follow`].
    entitlements: Option<Arc<dyn EntitlementFeed>>,
}

impl fmt::Debug for LicenseService {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LicenseService")
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

impl LicenseService {
    /// Signs with `keys`' active key and accepts keys signed by any key it trusts.
    pub fn new(
        licenses: Arc<dyn LicenseRepository>,
        keys: Arc<SigningKeys>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdGenerator>,
    ) -> Self {
        Self {
            verifier: AuthenticKeys::new(keys.verifier()),
            licenses,
            keys,
            clock,
            ids,
            entitlements: None,
        }
    }

    /// Issues and follows licenses from `feed` (R-L1, R-L6): [`Self::issue_pending`]
    /// issues for the entitlements without a license, and every read of a license brings
    /// it in line with its entitlement first.
    #[must_use]
    pub fn with_entitlements(mut self, feed: Arc<dyn EntitlementFeed>) -> Self {
        self.entitlements = Some(feed);
        self
    }

    /// The public keys that verify license keys and answers (`GET /v1/licenses/keys`).
    #[must_use]
    pub fn public_keys(&self) -> &Keyring {
        self.keys.keyring()
    }

    /// R-L1: the license that comes with a new entitlement, and its key. Idempotent per
    /// entitlement: a grant fed in again returns the license already issued.
    ///
    /// # Errors
    /// `Terms` when the plan's terms cannot be signed, `Store`.
    pub async fn issue(
        &self,
        granted: &EntitlementGranted,
    ) -> Result<IssuedLicense, IssueLicenseError> {
        let license = License::issue(self.ids.new_id(), granted)?;
        let stored = self.licenses.issue(&license).await?;
        Ok(IssuedLicense {
            key: stored.key(self.keys.active()),
            created: stored.id() == license.id(),
            license: stored,
        })
    }

    /// R-L6: moves the entitlement's license as `change` says ([`License::follow`]),
    /// re-reading it when it moved concurrently.
    ///
    /// Keys signed before a renewal keep their old `exp`. Online they validate against
    /// the record, so they stay `VALID`; offline a vendor's verifier honours them until
    /// that `exp` plus its leeway, and the product picks up the new key (or a signed
    /// answer carrying the new expiry) by validating online.
    ///
    /// # Errors
    /// `NoLicense`, `Invalid` (a renewal of a perpetual license, unsignable terms),
    /// `Contention`, `Store`.
    pub async fn follow(
        &self,
        entitlement: EntitlementId,
        change: &EntitlementChange,
    ) -> Result<FollowedLicense, FollowEntitlementError> {
        for _ in 0..FOLLOW_ATTEMPTS {
            let current = self
                .licenses
                .get_by_entitlement(entitlement)
                .await?
                .ok_or(FollowEntitlementError::NoLicense(entitlement))?;
            let Some(next) = current.follow(change)? else {
                return Ok(FollowedLicense {
                    key: current.key(self.keys.active()),
                    license: current,
                    changed: false,
                });
            };
            match self.licenses.replace(&current, &next).await {
                Ok(()) => {
                    return Ok(FollowedLicense {
                        key: next.key(self.keys.active()),
                        license: next,
                        changed: true,
                    });
                }
                Err(RepoError::Stale(_)) => {}
                Err(other) => return Err(other.into()),
            }
        }
        Err(FollowEntitlementError::Contention)
    }

    /// R-L1: issues the licenses of entitlements in force that have none yet, of one org
    /// or (`None`) of every org, at most `limit`; returns how many were issued. Idempotent
    /// (one license per entitlement, whoever issues it first), so the periodic job and a
    /// read of the org's licenses may race freely.
    ///
    /// # Errors
    /// `Terms` when a plan's terms cannot be signed, `Store`.
    pub async fn issue_pending(
        &self,
        org: Option<OrgId>,
        limit: u32,
    ) -> Result<usize, IssueLicenseError> {
        let Some(feed) = &self.entitlements else {
            return Ok(0);
        };
        let mut issued = 0;
        for granted in feed.unlicensed(org, self.clock.now(), limit).await? {
            if self.issue(&granted).await?.created {
                issued += 1;
            }
        }
        Ok(issued)
    }

    /// R-L1: the org's licenses with their keys and activation counts, for any member or
    /// a key with `entitlements:read`. Entitlements granted since the last issue get their
    /// license first, and each listed license is brought in line with its entitlement.
    ///
    /// # Errors
    /// `Denied` (nothing read), `Store`.
    pub async fn list(
        &self,
        caller: &Principal,
        page: PageRequest,
    ) -> Result<Page<LicenseView>, ListLicensesError> {
        caller.require(Permission::ViewHoldings, Scope::EntitlementsRead)?;
        let org = caller.org_id();
        match self.issue_pending(Some(org), ISSUE_ON_READ_LIMIT).await {
            Ok(_) => {}
            Err(IssueLicenseError::Store(e)) => return Err(e.into()),
            // A plan whose terms cannot be signed is a catalog bug: the other licenses are
            // still listed.
            Err(IssueLicenseError::Terms(_)) => {}
        }
        let page = self.licenses.list(org, page).await?;
        let mut items = Vec::with_capacity(page.items.len());
        for entry in page.items {
            let license = self.agreed(entry.license).await?;
            items.push(LicenseView {
                key: license.key(self.keys.active()),
                license,
                activations: entry.activations,
            });
        }
        Ok(Page {
            items,
            total: page.total,
            limit: page.limit,
            offset: page.offset,
        })
    }

    /// One of the org's licenses with its key and activation count, for any member or a
    /// key with `entitlements:read`.
    ///
    /// # Errors
    /// `Denied` (nothing read), `NotFound` for a license of no org or of another, `Store`.
    pub async fn get(
        &self,
        caller: &Principal,
        id: LicenseId,
    ) -> Result<LicenseView, GetLicenseError> {
        caller.require(Permission::ViewHoldings, Scope::EntitlementsRead)?;
        let license = self
            .licenses
            .get(id)
            .await?
            .filter(|l| l.org_id() == caller.org_id())
            .ok_or(GetLicenseError::NotFound)?;
        let license = self.agreed(license).await?;
        let activations = self.licenses.count_activations(license.id()).await?;
        Ok(LicenseView {
            key: license.key(self.keys.active()),
            license,
            activations,
        })
    }

    /// R-L4: answers whether a key is good, for any well-formed request: the key's
    /// signature under the trusted keys (not its term: the record decides that), the
    /// license on record, its status and expiry by the server's clock, the machine if
    /// one is named; the code in the rule's precedence; the answer signed once and
    /// echoing the caller's nonce and the server's time.
    ///
    /// The store is read once ([`LicenseRepository::validation_read`]: the license, where
    /// its entitlement stands and the machine's activation together) and written only
    /// when the license must follow its entitlement (R-L6). Nothing is issued here:
    /// licenses are issued by [`Self::issue_pending`].
    ///
    /// # Errors
    /// `RepoError` only: a store failure is not an answer.
    pub async fn validate(&self, request: &ValidateLicense) -> Result<Validation, RepoError> {
        let now = self.clock.now();
        let (license, fingerprint, not_found) = match self.read_for_validation(request).await? {
            Ok((license, activated)) => {
                let fingerprint = match activated {
                    Some(true) => FingerprintCheck::Activated,
                    Some(false) => FingerprintCheck::NotActivated,
                    None => FingerprintCheck::NotGiven,
                };
                (Some(license), fingerprint, None)
            }
            Err(reason) => (None, FingerprintCheck::NotGiven, Some(reason)),
        };
        let facts = ValidationFacts {
            authentic: !matches!(not_found, Some(NotFoundReason::NotAKey(_))),
            license: license.as_ref().map(|l| l.facts(now, fingerprint)),
        };
        let answer = ValidationAnswer::new(
            facts.code(),
            license.as_ref().map(|l| AnsweredLicense {
                lid: l.id().into(),
                exp: l.claims().expires_at(),
            }),
            request.nonce().cloned(),
            unix_seconds(now),
        );
        Ok(Validation {
            signed: self.keys.active().sign_answer(&answer),
            answer,
            license,
            not_found,
        })
    }

    /// The license a validated key names, in line with its entitlement, and whether the
    /// request's machine is activated on it (`None` when no machine was named); or why
    /// the key names no license.
    async fn read_for_validation(
        &self,
        request: &ValidateLicense,
    ) -> Result<Result<(License, Option<bool>), NotFoundReason>, RepoError> {
        let verified = match self.verifier.authenticate(request.key().as_str()) {
            Ok(verified) => verified,
            Err(e) => return Ok(Err(NotFoundReason::NotAKey(e))),
        };
        let claims = verified.claims();
        let Some(read) = self
            .licenses
            .validation_read(claims.license_id().into(), request.fingerprint().cloned())
            .await?
        else {
            return Ok(Err(NotFoundReason::NoRecord));
        };
        let same_holder = read.license.claims().org() == claims.org()
            && read.license.claims().tool() == claims.tool();
        if !same_holder {
            return Ok(Err(NotFoundReason::Mismatch));
        }
        let license = match (&self.entitlements, read.standing) {
            (Some(_), Some(standing)) => self.in_line(read.license, &standing).await?,
            _ => read.license,
        };
        Ok(Ok((license, read.activated)))
    }

    /// R-L5: activates a machine on the key's license, if the license is in force. The
    /// limit is the store's to hold, atomically; a machine already active answers so.
    ///
    /// # Errors
    /// `NotFound`, `NotInForce` (the code, as validation would answer it),
    /// `TooManyActivations`, `Store`.
    pub async fn activate(&self, request: &ActivateLicense) -> Result<Activation, ActivateError> {
        let license = match self.resolve(&request.key).await {
            Ok(license) => license,
            Err(Unresolved::NotFound(reason)) => return Err(ActivateError::NotFound(reason)),
            Err(Unresolved::Store(e)) => return Err(e.into()),
        };
        let now = self.clock.now();
        let standing = ValidationFacts {
            authentic: true,
            license: Some(license.facts(now, FingerprintCheck::NotGiven)),
        }
        .code();
        if standing != ValidationCode::Valid {
            return Err(ActivateError::NotInForce(standing));
        }
        let activation = NewActivation {
            license_id: license.id(),
            fingerprint: request.fingerprint.clone(),
            name: request.name.clone(),
            activated_at: now,
        };
        let limit = license.max_activations();
        let created = match self.licenses.activate(&activation, limit).await? {
            ActivationOutcome::Activated => true,
            ActivationOutcome::AlreadyActive => false,
            ActivationOutcome::TooMany => {
                return Err(ActivateError::TooManyActivations { limit });
            }
        };
        let activations = self.licenses.count_activations(license.id()).await?;
        Ok(Activation {
            license,
            created,
            activations,
        })
    }

    /// R-L5: removes a machine's activation, freeing its slot, whatever the license's
    /// status (a machine may always be let go).
    ///
    /// # Errors
    /// `NotFound`, `Store`.
    pub async fn deactivate(
        &self,
        request: &DeactivateLicense,
    ) -> Result<Deactivation, DeactivateError> {
        let license = match self.resolve(&request.key).await {
            Ok(license) => license,
            Err(Unresolved::NotFound(reason)) => return Err(DeactivateError::NotFound(reason)),
            Err(Unresolved::Store(e)) => return Err(e.into()),
        };
        let removed = self
            .licenses
            .deactivate(license.id(), &request.fingerprint)
            .await?;
        Ok(Deactivation { license, removed })
    }

    /// R-L6: `license` brought in line with where its entitlement stands, the change
    /// written (compare and set) before it is answered. A license that moved concurrently
    /// is read again; one whose entitlement is not on record stays as recorded.
    async fn agreed(&self, license: License) -> Result<License, RepoError> {
        let Some(feed) = &self.entitlements else {
            return Ok(license);
        };
        let Some(standing) = feed.standing(license.entitlement_id()).await? else {
            return Ok(license);
        };
        self.in_line(license, &standing).await
    }

    /// R-L6: `license` brought in line with `standing`, written by compare and set when
    /// it changes (nothing written otherwise).
    async fn in_line(
        &self,
        license: License,
        standing: &EntitlementStanding,
    ) -> Result<License, RepoError> {
        let mut current = license;
        for _ in 0..FOLLOW_ATTEMPTS {
            let next = match current.agree_with(standing) {
                Ok(Some(next)) => next,
                Ok(None) => return Ok(current),
                // A period end no key can carry (a feeding bug): the record stands.
                Err(_) => return Ok(current),
            };
            match self.licenses.replace(&current, &next).await {
                Ok(()) => return Ok(next),
                Err(RepoError::Stale(_)) => match self.licenses.get(current.id()).await? {
                    Some(reread) => current = reread,
                    None => return Ok(next),
                },
                Err(other) => return Err(other),
            }
        }
        Ok(current)
    }

    /// The license a presented key names: a genuine key (signature only), on record, for
    /// the org and tool the key says.
    async fn resolve(&self, key: &PresentedKey) -> Result<License, Unresolved> {
        let verified = self
            .verifier
            .authenticate(key.as_str())
            .map_err(|e| Unresolved::NotFound(NotFoundReason::NotAKey(e)))?;
        let claims = verified.claims();
        let license = self
            .licenses
            .get(claims.license_id().into())
            .await?
            .ok_or(Unresolved::NotFound(NotFoundReason::NoRecord))?;
        let same_holder =
            license.claims().org() == claims.org() && license.claims().tool() == claims.tool();
        if same_holder {
            Ok(self.agreed(license).await?)
        } else {
            Err(Unresolved::NotFound(NotFoundReason::Mismatch))
        }
    }
}
