//! Choosing the versions to install (R-I2) with PubGrub, a complete solver: if some set of
//! versions satisfies every requirement, it finds one; if none does, it proves it, and that
//! proof becomes the buyer's explanation (R-I3, see [`crate::conflict`]).
//!
//! How the rules enter the solver:
//! - the host platform is a package pinned to the org's version, and each release's
//!   platform requirement is a dependency on it;
//! - a module the org may not install (paid, not entitled) offers no version at all;
//! - yanked versions are offered only to an org that has them installed;
//! - versions are tried installed first, then newest first;
//! - every version choice and dependency retrieval spends a step of a [`WorkLimit`], and a
//!   resolution that runs out answers [`ResolveError::TooComplex`] instead of running on.

mod optional;
mod package;
mod provider;

use std::collections::{BTreeMap, BTreeSet};

use pubgrub::{PubGrubError, Ranges};
use semver::Version;

use crate::ModuleId;
use crate::conflict::{Conflict, explain};
use crate::entitlement::{Entitlements, may_install};
use crate::generation::Generation;
use crate::lockfile::Lockfile;
use crate::plan::InstallPlan;
use crate::registry::Registry;
use crate::requirement::Requirement;

pub(crate) use package::{Package, Unavailable};
pub use provider::WorkLimit;
use provider::{Budget, CatalogProvider};

/// What may happen to the modules an org already has while a request is resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InstalledPolicy {
    /// Installed modules stay installed; their versions are preferred but may move (up or
    /// down) when the request needs it. The plan shows every such move.
    #[default]
    Prefer,
    /// Installed modules stay at their exact versions.
    Keep,
}

/// What an org asks for: modules to install (or to move to other versions) with the
/// versions it accepts. Everything it already has stays installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<M> {
    wanted: BTreeMap<M, Requirement>,
    installed: InstalledPolicy,
}

impl<M: ModuleId> Default for Request<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: ModuleId> Request<M> {
    /// Asks for nothing new: resolving it checks the installed set as it stands.
    pub fn new() -> Self {
        Self {
            wanted: BTreeMap::new(),
            installed: InstalledPolicy::Prefer,
        }
    }

    /// Asks for `module` at a version `requirement` admits; asking again for the same
    /// module replaces the earlier requirement.
    pub fn install(mut self, module: M, requirement: Requirement) -> Self {
        self.wanted.insert(module, requirement);
        self
    }

    pub fn with_installed(mut self, policy: InstalledPolicy) -> Self {
        self.installed = policy;
        self
    }

    pub fn wanted(&self) -> impl Iterator<Item = (&M, &Requirement)> {
        self.wanted.iter()
    }

    pub fn requirement(&self, module: &M) -> Option<&Requirement> {
        self.wanted.get(module)
    }

    pub fn installed_policy(&self) -> InstalledPolicy {
        self.installed
    }
}

/// Why a request cannot be resolved, in terms a caller can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolveError<M: ModuleId> {
    /// The request names a module the catalog does not list.
    #[error("{module} is not in the catalog")]
    UnknownModule { module: M },
    /// The request names a paid module the org holds no entitlement to.
    #[error("your organization is not entitled to {name}")]
    NotEntitled { module: M, name: String },
    /// Every version the request would accept has been withdrawn by its publisher.
    #[error("every version of {name} matching {requirement} has been withdrawn")]
    OnlyYanked {
        module: M,
        name: String,
        requirement: Requirement,
    },
    /// No set of versions satisfies every requirement; the conflict says why.
    #[error("{0}")]
    Conflict(Conflict<M>),
    /// The resolution spent its whole work budget without an answer.
    #[error("gave up after {limit}: too many combinations of versions to try")]
    TooComplex { limit: WorkLimit },
}

/// Resolves requests of one org: its platform version and its entitlements, over a catalog.
pub struct Resolver<'a, M: ModuleId> {
    registry: &'a Registry<M>,
    entitlements: &'a dyn Entitlements<M>,
    platform: Version,
    work_limit: WorkLimit,
}

impl<'a, M: ModuleId> Resolver<'a, M> {
    /// A resolver for an org on `platform`. Build metadata on the platform version is
    /// dropped: semver precedence ignores it, and requirements cannot name it.
    pub fn new(
        registry: &'a Registry<M>,
        entitlements: &'a dyn Entitlements<M>,
        platform: Version,
    ) -> Self {
        Self {
            registry,
            entitlements,
            platform: Version {
                build: semver::BuildMetadata::EMPTY,
                ..platform
            },
            work_limit: WorkLimit::DEFAULT,
        }
    }

    pub fn with_work_limit(mut self, limit: WorkLimit) -> Self {
        self.work_limit = limit;
        self
    }

    pub fn registry(&self) -> &'a Registry<M> {
        self.registry
    }

    pub fn platform(&self) -> &Version {
        &self.platform
    }

    /// The full set of modules the org would have after `request`: what it has installed,
    /// plus what it asks for, plus every transitive dependency (R-I2).
    ///
    /// # Errors
    /// See [`ResolveError`]: the three request checks come first, then a
    /// [`ResolveError::Conflict`] or [`ResolveError::TooComplex`] from the solver.
    pub fn resolve(
        &self,
        installed: &Lockfile<M>,
        request: &Request<M>,
    ) -> Result<Lockfile<M>, ResolveError<M>> {
        let problem = Problem {
            registry: self.registry,
            entitlements: self.entitlements,
            platform: &self.platform,
            installed,
            request,
        };
        problem.check_request()?;
        problem.solve(&Budget::new(self.work_limit))
    }

    /// The dry run of `request` against the org's current generation (R-I4): what would be
    /// installed, upgraded, downgraded or removed.
    ///
    /// # Errors
    /// As [`Resolver::resolve`].
    pub fn plan(
        &self,
        current: &Generation<M>,
        request: &Request<M>,
    ) -> Result<InstallPlan<M>, ResolveError<M>> {
        let target = self.resolve(current.lockfile(), request)?;
        Ok(InstallPlan::between(current, target))
    }
}

/// One resolution's inputs, shared by the solver's provider and the conflict explanation.
pub(crate) struct Problem<'a, M: ModuleId> {
    pub(crate) registry: &'a Registry<M>,
    pub(crate) entitlements: &'a dyn Entitlements<M>,
    pub(crate) platform: &'a Version,
    pub(crate) installed: &'a Lockfile<M>,
    pub(crate) request: &'a Request<M>,
}

impl<M: ModuleId> Problem<'_, M> {
    /// The request names only modules the org could install at all (R-I3).
    fn check_request(&self) -> Result<(), ResolveError<M>> {
        for (module, requirement) in self.request.wanted() {
            let Some(entry) = self.registry.module(module) else {
                return Err(ResolveError::UnknownModule {
                    module: module.clone(),
                });
            };
            if !may_install(module, entry, self.entitlements) {
                return Err(ResolveError::NotEntitled {
                    module: module.clone(),
                    name: entry.name().to_owned(),
                });
            }
            let matching = |version: &Version| requirement.matches(version);
            let offered = entry
                .candidates(self.installed.get(module))
                .any(|release| matching(release.version()));
            if !offered && entry.versions().any(matching) {
                return Err(ResolveError::OnlyYanked {
                    module: module.clone(),
                    name: entry.name().to_owned(),
                    requirement: requirement.clone(),
                });
            }
        }
        Ok(())
    }

    /// Runs the solver, in rounds while optional edges need bringing in (see `optional`).
    fn solve(&self, budget: &Budget) -> Result<Lockfile<M>, ResolveError<M>> {
        let mut optional_in_force: BTreeSet<M> = self
            .installed
            .modules()
            .chain(self.request.wanted().map(|(module, _)| module))
            .cloned()
            .collect();
        let mut earlier_round = Lockfile::new();
        loop {
            let provider = CatalogProvider::new(self, &optional_in_force, &earlier_round, budget);
            let solution =
                pubgrub::resolve(&provider, Package::Request, Package::<M>::request_version())
                    .map_err(|error| self.failure(error))?;
            let lockfile: Lockfile<M> = solution
                .into_iter()
                .filter_map(|(package, version)| match package {
                    Package::Module(module) => Some((module, version)),
                    Package::Request | Package::Platform => None,
                })
                .collect();
            let refused =
                optional::refused_by_optional_edges(self.registry, &lockfile, &optional_in_force);
            if refused.is_empty() {
                return Ok(lockfile);
            }
            optional_in_force.extend(refused);
            earlier_round = lockfile;
        }
    }

    fn failure(&self, error: PubGrubError<CatalogProvider<'_, '_, M>>) -> ResolveError<M> {
        match error {
            PubGrubError::NoSolution(tree) => ResolveError::Conflict(explain(self, &tree)),
            PubGrubError::ErrorInShouldCancel(reached)
            | PubGrubError::ErrorChoosingVersion {
                source: reached, ..
            }
            | PubGrubError::ErrorRetrievingDependencies {
                source: reached, ..
            } => ResolveError::TooComplex {
                limit: reached.limit,
            },
        }
    }

    /// The solver's root dependencies: the platform pinned to the org's version, each
    /// installed module (at any version, or its own under [`InstalledPolicy::Keep`]), and
    /// each requested module within its requirement.
    fn request_dependencies(&self) -> Vec<(Package<M>, Ranges<Version>)> {
        let platform = (Package::Platform, Ranges::singleton(self.platform.clone()));
        let installed = self
            .installed
            .iter()
            .filter(|(module, _)| self.request.requirement(module).is_none())
            .map(|(module, version)| {
                let range = match self.request.installed_policy() {
                    InstalledPolicy::Prefer => Ranges::full(),
                    InstalledPolicy::Keep => Ranges::singleton(version.clone()),
                };
                (Package::Module(module.clone()), range)
            });
        let wanted = self.request.wanted().map(|(module, requirement)| {
            (
                Package::Module(module.clone()),
                self.requirement_ranges(module, requirement),
            )
        });
        std::iter::once(platform)
            .chain(installed)
            .chain(wanted)
            .collect()
    }

    /// `requirement` on `module` as a version set, exact on the versions the catalog has.
    fn requirement_ranges(&self, module: &M, requirement: &Requirement) -> Ranges<Version> {
        match self.registry.module(module) {
            Some(entry) => requirement.ranges(entry.versions()),
            None => requirement.ranges(std::iter::empty()),
        }
    }
}
