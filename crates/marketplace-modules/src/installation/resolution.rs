//! One org's modules as the pure rules see them: its installation state, the catalog slice
//! it needs and the tools it holds. Planning, uninstalling, rolling back and finding
//! updates happen here, with no port in sight; the service loads an [`OrgModules`], asks,
//! and stores the answer.
//!
//! Disabled installations (R-I6) are *pinned*: an installed tool the org may not change,
//! because its entitlement ended (a paid tool the org no longer holds), stays in every resolution at exactly its installed version. Its requirements
//! keep holding, so the installed set stays consistent and enabling it again needs no
//! resolution; the org can uninstall it, but not install, upgrade or downgrade it.

use std::collections::BTreeSet;

use marketplace_kernel::ids::ToolId;
use semver::Version;

use crate::entitlement::Entitlements;
use crate::generation::Generation;
use crate::lockfile::Lockfile;
use crate::plan::{InstallPlan, RollbackPlan};
use crate::registry::{Pricing, Registry};
use crate::requirement::Requirement;
use crate::resolver::{InstalledPolicy, Request, Resolver};
use crate::uninstall::{Cascade, UninstallError, plan_uninstall};
use crate::updates::Update;

use super::change::ChangeRequest;
use super::error::{InstallError, Missing, Named};
use super::records::InstallationState;

/// An org's installations with the catalog slice and entitlements its resolutions need.
#[derive(Debug)]
pub struct OrgModules<'a> {
    state: &'a InstallationState,
    registry: &'a Registry<ToolId>,
    held: BTreeSet<ToolId>,
    pinned: BTreeSet<ToolId>,
}

impl<'a> OrgModules<'a> {
    /// `registry` must hold every installed tool and every tool a request names, with
    /// their dependencies; `held` the paid tools of `registry` the org is entitled to.
    pub fn new(
        state: &'a InstallationState,
        registry: &'a Registry<ToolId>,
        held: BTreeSet<ToolId>,
    ) -> Self {
        let pinned = state
            .current()
            .lockfile()
            .modules()
            .filter(|tool| !may_install(registry, &held, tool))
            .copied()
            .collect();
        Self {
            state,
            registry,
            held,
            pinned,
        }
    }

    /// The tools of `registry` whose entitlement matters: the paid ones.
    pub fn paid_tools(registry: &Registry<ToolId>) -> Vec<ToolId> {
        registry
            .modules()
            .filter(|(_, entry)| entry.pricing() == Pricing::Paid)
            .map(|(tool, _)| *tool)
            .collect()
    }

    pub fn state(&self) -> &InstallationState {
        self.state
    }

    /// The installed tools the org may not change: paid and no longer held (disabled).
    pub fn pinned(&self) -> &BTreeSet<ToolId> {
        &self.pinned
    }

    /// The dry run of `request` against the current generation (R-I4): removals first
    /// (R-I5), then the installs resolved over what remains (R-I2), pinned tools kept at
    /// their versions.
    ///
    /// # Errors
    /// `NotFound` for a tool to uninstall that is not installed or a tool to install the
    /// catalog does not list; `RequiredBy` when, without the cascade, installed tools not
    /// asked to go require one that is; `NotEntitled`, `Conflict` (also when the installs
    /// need a tool asked to go), `TooComplex`; `CatalogGap`.
    pub fn plan(&self, request: &ChangeRequest) -> Result<InstallPlan<ToolId>, InstallError> {
        let current = self.state.current();
        let removed = self.removals(request)?;
        let kept: Lockfile<ToolId> = current
            .lockfile()
            .iter()
            .filter(|(tool, _)| !removed.contains(tool))
            .map(|(tool, version)| (*tool, version.clone()))
            .collect();
        if request.installs().next().is_none() {
            return Ok(InstallPlan::between(current, kept));
        }
        let mut wanted = Request::new();
        for (tool, requirement) in request.installs() {
            if self.pinned.contains(tool) {
                return Err(InstallError::NotEntitled(self.named(tool)));
            }
            wanted = wanted.install(*tool, requirement.clone());
        }
        for tool in &self.pinned {
            if let Some(version) = kept.get(tool) {
                wanted = wanted.install(*tool, Requirement::exactly(version));
            }
        }
        let target = self.resolver().resolve(&kept, &wanted)?;
        if let Some(needed) = removed.iter().find(|tool| target.contains(tool)) {
            return Err(InstallError::Conflict {
                sentences: vec![format!(
                    "You asked to uninstall {}, but the tools you asked to install need it.",
                    self.registry.display_name(needed)
                )],
                tools: BTreeSet::from([*needed]),
            });
        }
        Ok(InstallPlan::between(current, target))
    }

    /// The way back to `earlier`, whole (R-I4), checked against today: the restored
    /// lockfile must still resolve as it is on the org's platform, bring back only tools
    /// the org may have, and leave pinned tools at their versions (or remove them).
    ///
    /// # Errors
    /// `NoPreviousGeneration` when `earlier` is not older than the current generation;
    /// `NotEntitled` for a paid tool it would bring back that the org no longer holds, or
    /// a pinned tool it would move; `Conflict` when the restored set no longer resolves
    /// (the platform moved); `TooComplex`.
    pub fn rollback_to(
        &self,
        earlier: &Generation<ToolId>,
    ) -> Result<RollbackPlan<ToolId>, InstallError> {
        let current = self.state.current();
        let plan =
            RollbackPlan::new(current, earlier).map_err(|_| InstallError::NoPreviousGeneration)?;
        let installed = current.lockfile();
        let refused = plan.target().iter().find(|(tool, version)| {
            if self.pinned.contains(tool) {
                installed.get(tool) != Some(version)
            } else {
                !installed.contains(tool) && !may_install(self.registry, &self.held, tool)
            }
        });
        if let Some((tool, _)) = refused {
            return Err(InstallError::NotEntitled(self.named(tool)));
        }
        let as_it_is = Request::new().with_installed(InstalledPolicy::Keep);
        self.resolver().resolve(plan.target(), &as_it_is)?;
        Ok(plan)
    }

    /// Newer compatible versions of the installed tools (R-I6); pinned tools get none.
    ///
    /// # Errors
    /// `TooComplex` when a check ran out of work budget.
    pub fn updates(&self) -> Result<Vec<Update<ToolId>>, InstallError> {
        let mut updates = self.resolver().updates(self.state.current().lockfile())?;
        updates.retain(|update| !self.pinned.contains(&update.module));
        Ok(updates)
    }

    /// Whether `version` of `tool` is an update this org could take now (R-I6): it has
    /// the tool at an older version, enabled, and the new one resolves with the rest kept.
    ///
    /// # Errors
    /// `TooComplex` when the check ran out of work budget.
    pub fn is_update(&self, tool: &ToolId, version: &Version) -> Result<bool, InstallError> {
        if self.pinned.contains(tool) {
            return Ok(false);
        }
        Ok(self
            .resolver()
            .is_update(self.state.current().lockfile(), tool, version)?)
    }

    fn resolver(&self) -> Resolver<'_, ToolId> {
        Resolver::new(self.registry, self, self.state.platform().clone())
    }

    /// Every tool the request uninstalls: those it names and, with the cascade, every
    /// installed tool that requires one of them, transitively.
    fn removals(&self, request: &ChangeRequest) -> Result<BTreeSet<ToolId>, InstallError> {
        let mut removed = BTreeSet::new();
        for tool in request.uninstalls() {
            let going = self.with_dependents(tool)?;
            if request.cascade() == Cascade::Refuse {
                let dependents: Vec<Named> = going
                    .iter()
                    .filter(|other| !request.uninstalls().contains(other))
                    .map(|other| self.named(other))
                    .collect();
                if !dependents.is_empty() {
                    return Err(InstallError::RequiredBy {
                        tool: self.named(tool),
                        dependents,
                    });
                }
            }
            removed.extend(going);
        }
        Ok(removed)
    }

    /// `tool` and every installed tool that requires it, directly or through others.
    fn with_dependents(&self, tool: &ToolId) -> Result<BTreeSet<ToolId>, InstallError> {
        let plan = plan_uninstall(
            self.registry,
            self.state.current(),
            tool,
            Cascade::RemoveDependents,
        )
        .map_err(|error| self.uninstall_error(error))?;
        Ok(plan.steps().iter().map(|step| *step.module()).collect())
    }

    fn uninstall_error(&self, error: UninstallError<ToolId>) -> InstallError {
        match error {
            UninstallError::NotInstalled { module, .. } => {
                InstallError::NotFound(Missing::Installation(module))
            }
            UninstallError::RequiredBy {
                module, dependents, ..
            } => InstallError::RequiredBy {
                tool: self.named(&module),
                dependents: dependents.iter().map(|tool| self.named(tool)).collect(),
            },
            UninstallError::UnknownRelease { module, version } => InstallError::CatalogGap {
                tool: module,
                version,
            },
        }
    }

    fn named(&self, tool: &ToolId) -> Named {
        Named {
            tool: *tool,
            name: self.registry.display_name(tool),
        }
    }
}

/// Whether an org holding `held` may install `tool` now: a free tool or a paid one it
/// holds (a tool the catalog does not list is left to the resolver to explain).
fn may_install(registry: &Registry<ToolId>, held: &BTreeSet<ToolId>, tool: &ToolId) -> bool {
    registry
        .module(tool)
        .is_none_or(|entry| entry.pricing() == Pricing::Free)
        || held.contains(tool)
}

/// What the resolver may choose: held tools, and pinned ones, which the plan's exact
/// requirements keep where they are.
impl Entitlements<ToolId> for OrgModules<'_> {
    fn is_entitled(&self, tool: &ToolId) -> bool {
        self.held.contains(tool) || self.pinned.contains(tool)
    }
}
