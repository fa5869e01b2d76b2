//! What a module publishes (R-I1): versions with release notes, the platform versions they
//! run on, the modules they depend on, and whether they are still offered.

use semver::Version;

use crate::ModuleId;
use crate::requirement::Requirement;

/// Whether a published version may still be chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReleaseStatus {
    /// Offered to new installs.
    Published,
    /// Withdrawn by its publisher: chosen for no new install, yet an org that has it
    /// installed keeps it and may keep resolving with it.
    Yanked,
}

/// Whether a dependency must be installed alongside its dependent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DependencyKind {
    /// The dependent does not work without it.
    Required,
    /// The dependent works without it; when it is installed anyway, its version must
    /// satisfy the requirement.
    Optional,
}

/// One module a release depends on, with the versions it accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependency<M> {
    module: M,
    requirement: Requirement,
    kind: DependencyKind,
}

impl<M: ModuleId> Dependency<M> {
    pub fn required(module: M, requirement: Requirement) -> Self {
        Self {
            module,
            requirement,
            kind: DependencyKind::Required,
        }
    }

    pub fn optional(module: M, requirement: Requirement) -> Self {
        Self {
            module,
            requirement,
            kind: DependencyKind::Optional,
        }
    }

    pub fn module(&self) -> &M {
        &self.module
    }

    pub fn requirement(&self) -> &Requirement {
        &self.requirement
    }

    pub fn kind(&self) -> DependencyKind {
        self.kind
    }

    pub fn is_required(&self) -> bool {
        self.kind == DependencyKind::Required
    }
}

/// A version a module's publisher submits; it becomes a [`Release`] once the
/// [`Registry`](crate::Registry) accepts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRelease<M> {
    pub version: Version,
    pub notes: String,
    pub platform: Requirement,
    pub dependencies: Vec<Dependency<M>>,
}

impl<M: ModuleId> NewRelease<M> {
    /// A release running on the platform versions `platform` admits, with no notes and no
    /// dependencies yet.
    pub fn new(version: Version, platform: Requirement) -> Self {
        Self {
            version,
            notes: String::new(),
            platform,
            dependencies: Vec::new(),
        }
    }

    pub fn with_notes(mut self, notes: impl Into<String>) -> Self {
        self.notes = notes.into();
        self
    }

    pub fn requires(mut self, module: M, requirement: Requirement) -> Self {
        self.dependencies
            .push(Dependency::required(module, requirement));
        self
    }

    pub fn optionally_uses(mut self, module: M, requirement: Requirement) -> Self {
        self.dependencies
            .push(Dependency::optional(module, requirement));
        self
    }
}

/// A published version of a module. Its content never changes once published; only its
/// status may move to [`ReleaseStatus::Yanked`], through the registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release<M> {
    version: Version,
    notes: String,
    platform: Requirement,
    dependencies: Vec<Dependency<M>>,
    status: ReleaseStatus,
}

impl<M: ModuleId> Release<M> {
    /// Built by the registry once it has checked the submission.
    pub(crate) fn accepted(new: NewRelease<M>) -> Self {
        Self {
            version: new.version,
            notes: new.notes,
            platform: new.platform,
            dependencies: new.dependencies,
            status: ReleaseStatus::Published,
        }
    }

    pub(crate) fn yank(&mut self) {
        self.status = ReleaseStatus::Yanked;
    }

    pub fn version(&self) -> &Version {
        &self.version
    }

    pub fn notes(&self) -> &str {
        &self.notes
    }

    /// The host platform versions this release runs on.
    pub fn platform(&self) -> &Requirement {
        &self.platform
    }

    pub fn dependencies(&self) -> &[Dependency<M>] {
        &self.dependencies
    }

    pub fn status(&self) -> ReleaseStatus {
        self.status
    }

    pub fn is_published(&self) -> bool {
        self.status == ReleaseStatus::Published
    }

    /// The modules this release cannot work without.
    pub fn required_modules(&self) -> impl Iterator<Item = &M> {
        self.dependencies
            .iter()
            .filter(|d| d.is_required())
            .map(Dependency::module)
    }
}
