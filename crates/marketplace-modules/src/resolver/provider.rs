//! The catalog as PubGrub sees it: which versions exist for whom, what each one depends
//! on, in which order to try them, and when to give up.

use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::BTreeSet;
use std::fmt;

use pubgrub::{
    Dependencies, DependencyConstraints, DependencyProvider, PackageResolutionStatistics, Ranges,
};
use semver::Version;

use super::Problem;
use super::package::{Package, Unavailable};
use crate::ModuleId;
use crate::entitlement::may_install;
use crate::lockfile::Lockfile;
use crate::release::Release;

/// How much work one resolution may do, counted in steps: each version choice and each
/// retrieval of a release's dependencies is one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WorkLimit(u64);

impl WorkLimit {
    /// A plan of fifty modules over the benchmark's catalog of a thousand modules with ten
    /// versions each spends 3,000 to 6,000 steps, at a few microseconds a step, and even 400
    /// modules at once stay well below this default: it is there to bound pathological
    /// catalogs, not to cut ordinary plans short.
    pub const DEFAULT: Self = Self(100_000);

    pub const fn steps(steps: u64) -> Self {
        Self(steps)
    }

    pub const fn get(self) -> u64 {
        self.0
    }
}

impl Default for WorkLimit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

impl fmt::Display for WorkLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} steps", self.0)
    }
}

/// The steps spent so far, shared by every round of one resolution.
#[derive(Debug)]
pub(crate) struct Budget {
    limit: WorkLimit,
    spent: Cell<u64>,
}

impl Budget {
    pub(crate) fn new(limit: WorkLimit) -> Self {
        Self {
            limit,
            spent: Cell::new(0),
        }
    }

    fn spend(&self) {
        self.spent.set(self.spent.get().saturating_add(1));
    }

    fn check(&self) -> Result<(), WorkLimitReached> {
        if self.spent.get() > self.limit.get() {
            Err(WorkLimitReached { limit: self.limit })
        } else {
            Ok(())
        }
    }
}

/// The only way the provider stops a resolution.
#[derive(Debug, thiserror::Error)]
#[error("the resolution took more than {limit}")]
pub(crate) struct WorkLimitReached {
    pub(crate) limit: WorkLimit,
}

/// Answers PubGrub's questions about one [`Problem`].
pub(crate) struct CatalogProvider<'p, 'a, M: ModuleId> {
    problem: &'p Problem<'a, M>,
    /// Modules whose optional dependents constrain them as if required (see `optional`).
    optional_in_force: &'p BTreeSet<M>,
    /// The previous round's solution, when an optional edge forced another round: its
    /// versions are tried right after the installed ones, so the round mostly replays it.
    earlier_round: &'p Lockfile<M>,
    budget: &'p Budget,
    request: Vec<(Package<M>, Ranges<Version>)>,
}

impl<'p, 'a, M: ModuleId> CatalogProvider<'p, 'a, M> {
    pub(crate) fn new(
        problem: &'p Problem<'a, M>,
        optional_in_force: &'p BTreeSet<M>,
        earlier_round: &'p Lockfile<M>,
        budget: &'p Budget,
    ) -> Self {
        Self {
            problem,
            optional_in_force,
            earlier_round,
            budget,
            request: problem.request_dependencies(),
        }
    }

    /// The preferred version of `module` within `range`: the installed one, else the one
    /// the earlier round chose, else the newest offered; none for a module the org may not
    /// install.
    fn choose(&self, module: &M, range: &Ranges<Version>) -> Option<Version> {
        let entry = self.problem.registry.module(module)?;
        if !may_install(module, entry, self.problem.entitlements) {
            return None;
        }
        let installed = self.problem.installed.get(module);
        let fits =
            |version: &&Version| range.contains(*version) && entry.offers(version, installed);
        installed
            .filter(fits)
            .or_else(|| self.earlier_round.get(module).filter(fits))
            .or_else(|| {
                entry
                    .candidates(installed)
                    .map(Release::version)
                    .find(|version| range.contains(*version))
            })
            .cloned()
    }

    /// How many versions of `module` within `range` the org could end up with.
    fn candidate_count(&self, module: &M, range: &Ranges<Version>) -> usize {
        match self.problem.registry.module(module) {
            Some(entry) if may_install(module, entry, self.problem.entitlements) => entry
                .candidates(self.problem.installed.get(module))
                .filter(|release| range.contains(release.version()))
                .count(),
            _ => 0,
        }
    }

    fn dependencies_of(
        &self,
        release: &Release<M>,
    ) -> DependencyConstraints<Package<M>, Ranges<Version>> {
        let platform = (
            Package::Platform,
            release
                .platform()
                .ranges(std::iter::once(self.problem.platform)),
        );
        let modules = release
            .dependencies()
            .iter()
            .filter(|d| d.is_required() || self.optional_in_force.contains(d.module()))
            .map(|d| {
                (
                    Package::Module(d.module().clone()),
                    self.problem.requirement_ranges(d.module(), d.requirement()),
                )
            });
        std::iter::once(platform).chain(modules).collect()
    }
}

impl<M: ModuleId> DependencyProvider for CatalogProvider<'_, '_, M> {
    type P = Package<M>;
    type V = Version;
    type VS = Ranges<Version>;
    /// Conflicts first, then the package with the fewest versions left (the offline
    /// provider's heuristic); packages with no version left come first of all, so a dead
    /// end is found before work is spent elsewhere.
    type Priority = (u32, Reverse<usize>);
    type M = Unavailable;
    type Err = WorkLimitReached;

    fn prioritize(
        &self,
        package: &Package<M>,
        range: &Ranges<Version>,
        statistics: &PackageResolutionStatistics,
    ) -> Self::Priority {
        match package {
            Package::Request | Package::Platform => (u32::MAX, Reverse(0)),
            Package::Module(module) => match self.candidate_count(module, range) {
                0 => (u32::MAX, Reverse(0)),
                count => (statistics.conflict_count(), Reverse(count)),
            },
        }
    }

    fn choose_version(
        &self,
        package: &Package<M>,
        range: &Ranges<Version>,
    ) -> Result<Option<Version>, WorkLimitReached> {
        self.budget.spend();
        Ok(match package {
            Package::Request => Some(Package::<M>::request_version()),
            Package::Platform => range
                .contains(self.problem.platform)
                .then(|| self.problem.platform.clone()),
            Package::Module(module) => self.choose(module, range),
        })
    }

    fn get_dependencies(
        &self,
        package: &Package<M>,
        version: &Version,
    ) -> Result<Dependencies<Package<M>, Ranges<Version>, Unavailable>, WorkLimitReached> {
        self.budget.spend();
        Ok(match package {
            Package::Request => Dependencies::Available(self.request.iter().cloned().collect()),
            Package::Platform => Dependencies::Available(DependencyConstraints::default()),
            Package::Module(module) => match self.problem.registry.release(module, version) {
                Some(release) => Dependencies::Available(self.dependencies_of(release)),
                None => Dependencies::Unavailable(Unavailable::MissingFromCatalog),
            },
        })
    }

    fn should_cancel(&self) -> Result<(), WorkLimitReached> {
        self.budget.check()
    }
}
