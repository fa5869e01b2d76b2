//! Where licenses and their activations are kept.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_kernel::ids::{EntitlementId, OrgId};
use marketplace_kernel::paging::{Page, PageRequest};
use marketplace_kernel::store::RepoError;

use super::activation::{ActivationOutcome, Fingerprint, NewActivation};
use super::follow::{EntitlementGranted, EntitlementStanding};
use super::record::License;
use crate::ids::LicenseId;

/// A license with how many machines it has activated, for the org's list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenseEntry {
    pub license: License,
    pub activations: u32,
}

/// A license as online validation reads it (R-L4, R-L6): the record, where its
/// entitlement stands and its machines, all from one read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LicenseUnderValidation {
    pub license: License,
    /// Where the license's entitlement stands; `None` when it is not on record.
    pub standing: Option<EntitlementStanding>,
    /// Whether the machine asked about is activated; `None` when none was asked about.
    pub activated: Option<bool>,
    /// How many machines the license has activated.
    pub activations: u32,
}

/// Licenses (one per entitlement to a tool) and their activations.
///
/// Only [`list`](Self::list) is tenant-scoped (the org's own licenses, on the tenant's
/// connection under row-level security). Everything else is reached by a license id or an
/// entitlement id: a license key is a bearer credential that anyone holding it may
/// validate, activate or deactivate, whoever they are (a vendor's product, a CI machine,
/// a key holder of another org), and entitlement changes come from platform jobs. So those
/// methods run on the platform pool, and the key's signature, checked before any of them,
/// is what stands in for the tenant.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait LicenseRepository: Send + Sync {
    /// R-L1: stores `license` unless its entitlement already has one, and returns the
    /// license on record for that entitlement: the one given, or the earlier one. A
    /// unique key on the entitlement decides (insert, on conflict do nothing, then read),
    /// so a grant delivered twice, even concurrently, issues one license.
    async fn issue(&self, license: &License) -> Result<License, RepoError>;

    /// The license with this id, in any org; `Ok(None)` when unknown.
    async fn get(&self, id: LicenseId) -> Result<Option<License>, RepoError>;

    /// R-L4: the license with this id, where its entitlement stands (as
    /// [`EntitlementFeed::standing`] would answer), whether `fingerprint` is activated on
    /// it and how many machines are, in ONE read with no transaction: validation is the
    /// hot path, and a single statement sees one consistent state anyway. `Ok(None)` when
    /// the license is unknown.
    async fn validation_read(
        &self,
        id: LicenseId,
        fingerprint: Option<Fingerprint>,
    ) -> Result<Option<LicenseUnderValidation>, RepoError>;

    /// The license that came with this entitlement; `Ok(None)` when none.
    async fn get_by_entitlement(
        &self,
        entitlement: EntitlementId,
    ) -> Result<Option<License>, RepoError>;

    /// The org's licenses with their activation counts, newest first (`issued_at`
    /// descending, then id), with the total count.
    async fn list(&self, org: OrgId, page: PageRequest) -> Result<Page<LicenseEntry>, RepoError>;

    /// R-L6: writes `next`'s status, expiry, plan, features and activation limit, only if
    /// the row still holds exactly `current`'s (compare and set, in one statement).
    ///
    /// # Errors
    /// `RepoError::Stale` (writing nothing) when the row moved since `current` was read:
    /// the caller reads again and decides again. `RepoError::NotFound` when it is gone.
    async fn replace(&self, current: &License, next: &License) -> Result<(), RepoError>;

    /// R-L5: activates the machine on the license, atomically against every concurrent
    /// activation of the same license:
    /// 1. if (license, fingerprint) is already active: [`ActivationOutcome::AlreadyActive`],
    ///    nothing written (so a machine already active answers so even at the limit);
    /// 2. else if the license has `limit` or more activations: [`ActivationOutcome::TooMany`],
    ///    nothing written;
    /// 3. else insert it: [`ActivationOutcome::Activated`].
    ///
    /// Never a count read and then an insert in separate steps: two racing activations
    /// would both see a free slot. Lock the license's row first (`SELECT … FOR UPDATE` in
    /// the transaction on PostgreSQL; SQLite's write transaction serializes), or let a
    /// constraint decide (a unique (license, slot) with slots 1..=limit). The pair
    /// (license, fingerprint) is unique too, so two racing activations of one machine
    /// store one row and the loser answers `AlreadyActive`.
    ///
    /// # Errors
    /// `RepoError::NotFound` when the license does not exist.
    async fn activate(
        &self,
        activation: &NewActivation,
        limit: u32,
    ) -> Result<ActivationOutcome, RepoError>;

    /// R-L5: removes the machine's activation, freeing its slot. `Ok(false)` when it was
    /// not active (nothing to do).
    async fn deactivate(
        &self,
        license: LicenseId,
        fingerprint: &Fingerprint,
    ) -> Result<bool, RepoError>;

    /// Whether the machine is activated on the license.
    async fn is_activated(
        &self,
        license: LicenseId,
        fingerprint: &Fingerprint,
    ) -> Result<bool, RepoError>;

    /// How many machines the license has activated.
    async fn count_activations(&self, license: LicenseId) -> Result<u32, RepoError>;
}

/// The entitlements licenses come with, read from wherever purchases keep them (R-L1,
/// R-L6). Issuing and following read through this port, so the licensing context needs no
/// event from the purchase lifecycle: a license is issued for every entitlement in force
/// that has none, and brought in line with its entitlement whenever it is read.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait EntitlementFeed: Send + Sync {
    /// Entitlements in force at `now` that have no license yet, oldest first, at most
    /// `limit`: of `org`, or of every org when `None` (platform scope, for the job). Each
    /// with the terms of the plan it was bought on.
    async fn unlicensed(
        &self,
        org: Option<OrgId>,
        now: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<EntitlementGranted>, RepoError>;

    /// Where the entitlement stands now; `Ok(None)` when it is not on record.
    async fn standing(
        &self,
        entitlement: EntitlementId,
    ) -> Result<Option<EntitlementStanding>, RepoError>;
}
