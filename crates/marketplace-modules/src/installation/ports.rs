//! What the installation service needs from the outside. Every org-scoped method takes
//! the org it works for, and adapters answer only that org's rows, so one org never reads
//! or changes another's installations.

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use marketplace_kernel::ids::{OrgId, ToolId};
use marketplace_kernel::paging::{Page, PageRequest};
use marketplace_kernel::store::RepoError;
use semver::Version;

use crate::generation::{Generation, GenerationNumber};
use crate::outcome::SuccessRate;
use crate::registry::Registry;
use crate::release::NewRelease;

use super::records::{AttemptRecord, GenerationRecord, InstallationState, UpdateNotice};

/// Why the catalog did not store a new version.
#[derive(Debug, thiserror::Error)]
pub enum PublishStoreError {
    /// The tool already has this version: a published version never changes, so the
    /// second publication loses, even when both raced past the service's own check.
    #[error("the version is already published")]
    VersionTaken,
    #[error(transparent)]
    Store(#[from] RepoError),
}

/// Why a generation was not stored.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Another change was applied first: the org's current generation is no longer the one
    /// the record follows.
    #[error("the current generation is {current}, not {expected}")]
    Stale {
        expected: GenerationNumber,
        current: GenerationNumber,
    },
    #[error(transparent)]
    Store(#[from] RepoError),
}

/// The modules and their versions (R-I1): the global catalog, with no org scoping.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ModuleCatalog: Send + Sync {
    /// The slice of the catalog a resolution needs: every module of `roots`, and every
    /// module their releases depend on (required or optional), transitively, each with its
    /// name, its pricing and every release with its status (yanked ones included, so an
    /// org that has one keeps it). Modules the catalog does not list are left out; the
    /// resolver explains such a gap.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] only.
    async fn registry(&self, roots: &[ToolId]) -> Result<Registry<ToolId>, RepoError>;

    /// Stores a new version of `tool`, published at `at`. The pair (tool, version) is
    /// unique in the store, so a version is written once and never replaced.
    ///
    /// # Errors
    /// [`PublishStoreError::VersionTaken`] when the tool has this version already;
    /// [`RepoError::NotFound`] for an unknown tool.
    async fn publish(
        &self,
        tool: ToolId,
        release: &NewRelease<ToolId>,
        at: DateTime<Utc>,
    ) -> Result<(), PublishStoreError>;

    /// Withdraws `version` of `tool` from new installs; yanking a yanked version is a
    /// success that changes nothing.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] when the tool has no such version.
    async fn yank(&self, tool: ToolId, version: &Version) -> Result<(), RepoError>;

    /// When each version of `tool` was published; empty for a tool with no versions or
    /// one the catalog does not list.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] only.
    async fn release_dates(
        &self,
        tool: ToolId,
    ) -> Result<BTreeMap<Version, DateTime<Utc>>, RepoError>;

    /// The tools published by the seller `org` manages (none for an org that manages no
    /// seller).
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] only.
    async fn published_by(&self, org: OrgId) -> Result<Vec<ToolId>, RepoError>;
}

/// Each org's installations: its platform version and its generations.
///
/// The contract that keeps changes one at a time per org: [`Installations::apply`] stores
/// a generation only while the one it follows is still current, checked and written in one
/// transaction (a row lock on the org's installation head, or a compare-and-set on its
/// generation number). Two changes racing for one org: one wins, the other answers
/// [`ApplyError::Stale`] and nothing of it is written.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Installations: Send + Sync {
    /// The org's platform version and current generation (generation 0, empty, for an org
    /// that never applied a change).
    ///
    /// # Errors
    /// [`RepoError::NotFound`] for an unknown org.
    async fn state(&self, org: OrgId) -> Result<InstallationState, RepoError>;

    /// Sets the host platform version `org` runs (R-I2), which makes the org known to the
    /// installation service; its installations are left as they are.
    ///
    /// # Errors
    /// [`RepoError::NotFound`] for an org the platform does not know.
    async fn set_platform(&self, org: OrgId, version: &Version) -> Result<(), RepoError>;

    /// Makes `record`'s generation the org's current one, if the current one is still
    /// `record.follows()`: the generation, its lockfile and the history entry, atomically.
    ///
    /// # Errors
    /// [`ApplyError::Stale`] with the current number when another change came first.
    async fn apply(&self, org: OrgId, record: &GenerationRecord) -> Result<(), ApplyError>;

    /// A stored generation of the org, `Ok(None)` when it has none of that number.
    /// Generation 0 is never stored nor asked for: it is [`Generation::initial`].
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] only.
    async fn generation(
        &self,
        org: OrgId,
        number: GenerationNumber,
    ) -> Result<Option<Generation<ToolId>>, RepoError>;

    /// The org's applied generations, newest first.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] only.
    async fn history(
        &self,
        org: OrgId,
        page: PageRequest,
    ) -> Result<Page<GenerationRecord>, RepoError>;

    /// Every org whose current generation holds `tool`, with its state.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] only.
    async fn holding(&self, tool: ToolId) -> Result<Vec<(OrgId, InstallationState)>, RepoError>;
}

/// "Does org X hold tool Y now?" (R-E3): the entitlement context's one answer, passed in
/// so this crate does not depend on it.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Entitlements: Send + Sync {
    /// The tools among `tools` the org holds an entitlement to right now; the others are
    /// left out.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] only.
    async fn held(&self, org: OrgId, tools: &[ToolId]) -> Result<BTreeSet<ToolId>, RepoError>;
}

/// Every install, update and rollback attempt, with its outcome and duration (R-I7).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait InstallLog: Send + Sync {
    /// Appends attempts; attempts are never changed afterwards.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] only.
    async fn record(&self, attempts: &[AttemptRecord]) -> Result<(), RepoError>;

    /// The success rate of each of `tools` over every org's attempts, counted exactly
    /// (see [`SuccessRate::new`]); tools without attempts are left out.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] only.
    async fn success_rates(
        &self,
        tools: &[ToolId],
    ) -> Result<BTreeMap<ToolId, SuccessRate>, RepoError>;

    /// The attempts on `tool` over every org, newest first.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] only.
    async fn attempts(
        &self,
        tool: ToolId,
        page: PageRequest,
    ) -> Result<Page<AttemptRecord>, RepoError>;
}

/// Update notices per org (R-I6).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait Notices: Send + Sync {
    /// Appends notices. (org, tool, `to`) is unique: a notice already there is left as it
    /// is, read or not, so appending again is harmless.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] only.
    async fn append(&self, notices: &[UpdateNotice]) -> Result<(), RepoError>;

    /// The org's notices, newest first; only unread ones when `unread_only`.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] only.
    async fn list(
        &self,
        org: OrgId,
        unread_only: bool,
        page: PageRequest,
    ) -> Result<Page<UpdateNotice>, RepoError>;

    /// Marks the org's notice of `tool` at `version` read at `at` (a read one keeps its
    /// first reading time). `Ok(false)` when the org has no such notice.
    ///
    /// # Errors
    /// [`RepoError::Unavailable`] only.
    async fn mark_read(
        &self,
        org: OrgId,
        tool: ToolId,
        version: &Version,
        at: DateTime<Utc>,
    ) -> Result<bool, RepoError>;
}
