//! The catalog of modules and their releases (R-I1), as the caller loads it.
//!
//! The registry is a plain value: the service fills it from its store, then hands it to the
//! [`Resolver`](crate::Resolver). It is the one gate releases pass through, so the rules on
//! what may be published live here: a version is published once and never replaced, a
//! release may not depend on its own module nor name a module twice, and build metadata is
//! refused (it does not take part in semver precedence, so `1.0.0+a` and `1.0.0+b` would be
//! two releases the requirements cannot tell apart).
//!
//! Dependencies on modules the registry does not list are accepted: a module may be
//! delisted or not loaded, and the resolver explains such a gap when it matters.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use semver::Version;

use crate::ModuleId;
use crate::release::{NewRelease, Release};

/// Whether an org needs an entitlement to install a module.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pricing {
    /// Any org may install it.
    Free,
    /// Only orgs entitled to it may install it.
    Paid,
}

/// A module as the catalog lists it: its name for people, its pricing and its releases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleEntry<M> {
    name: String,
    pricing: Pricing,
    releases: BTreeMap<Version, Release<M>>,
}

impl<M: ModuleId> ModuleEntry<M> {
    /// The name buyers know the module by, used in every explanation.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn pricing(&self) -> Pricing {
        self.pricing
    }

    /// Every release, yanked ones included, oldest first.
    pub fn releases(&self) -> impl DoubleEndedIterator<Item = &Release<M>> {
        self.releases.values()
    }

    /// Every version, yanked ones included, oldest first.
    pub fn versions(&self) -> impl DoubleEndedIterator<Item = &Version> + Clone {
        self.releases.keys()
    }

    pub fn release(&self, version: &Version) -> Option<&Release<M>> {
        self.releases.get(version)
    }

    /// Whether an org that has `installed` (if anything) may end up with `version`: it must
    /// be published, or be the yanked version the org already has (R-I1).
    pub fn offers(&self, version: &Version, installed: Option<&Version>) -> bool {
        self.releases
            .get(version)
            .is_some_and(|release| offered(release, installed))
    }

    /// The releases an org that has `installed` may end up with, newest first.
    pub fn candidates<'a>(
        &'a self,
        installed: Option<&'a Version>,
    ) -> impl Iterator<Item = &'a Release<M>> + 'a {
        self.releases
            .values()
            .rev()
            .filter(move |release| offered(release, installed))
    }
}

/// The one home of "yanked versions stay only for those who have them" (R-I1).
fn offered<M: ModuleId>(release: &Release<M>, installed: Option<&Version>) -> bool {
    release.is_published() || Some(release.version()) == installed
}

/// Why a module could not be added to the registry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddModuleError<M: ModuleId> {
    #[error("module {module} is already listed")]
    AlreadyListed { module: M },
    #[error("module {module} needs a name")]
    BlankName { module: M },
}

/// Why a release was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError<M: ModuleId> {
    #[error("module {module} is not listed")]
    UnknownModule { module: M },
    #[error("{module} {version} is already published and cannot change")]
    VersionExists { module: M, version: Version },
    #[error("version {version} carries build metadata, which semver precedence ignores")]
    BuildMetadata { version: Version },
    #[error("{module} cannot depend on itself")]
    DependsOnItself { module: M },
    #[error("{module} names {dependency} more than once among its dependencies")]
    DuplicateDependency { module: M, dependency: M },
}

/// Why a release could not be yanked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum YankError<M: ModuleId> {
    #[error("module {module} is not listed")]
    UnknownModule { module: M },
    #[error("{module} has no version {version}")]
    UnknownVersion { module: M, version: Version },
}

/// Every module the caller knows of, with its releases.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry<M> {
    modules: BTreeMap<M, ModuleEntry<M>>,
}

impl<M: ModuleId> Default for Registry<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: ModuleId> Registry<M> {
    pub fn new() -> Self {
        Self {
            modules: BTreeMap::new(),
        }
    }

    /// Lists a module with no releases yet.
    ///
    /// # Errors
    /// [`AddModuleError::AlreadyListed`] for a module listed before,
    /// [`AddModuleError::BlankName`] for an empty or blank name.
    pub fn add_module(
        &mut self,
        module: M,
        name: impl Into<String>,
        pricing: Pricing,
    ) -> Result<(), AddModuleError<M>> {
        let name = name.into().trim().to_owned();
        if name.is_empty() {
            return Err(AddModuleError::BlankName { module });
        }
        match self.modules.entry(module) {
            Entry::Occupied(taken) => Err(AddModuleError::AlreadyListed {
                module: taken.key().clone(),
            }),
            Entry::Vacant(slot) => {
                slot.insert(ModuleEntry {
                    name,
                    pricing,
                    releases: BTreeMap::new(),
                });
                Ok(())
            }
        }
    }

    /// Publishes a version of a listed module (R-I1).
    ///
    /// # Errors
    /// See [`PublishError`]: an unlisted module, a version already published, build
    /// metadata, a dependency on the module itself or on the same module twice.
    pub fn publish(&mut self, module: &M, release: NewRelease<M>) -> Result<(), PublishError<M>> {
        let Some(entry) = self.modules.get_mut(module) else {
            return Err(PublishError::UnknownModule {
                module: module.clone(),
            });
        };
        if !release.version.build.is_empty() {
            return Err(PublishError::BuildMetadata {
                version: release.version,
            });
        }
        if entry.releases.contains_key(&release.version) {
            return Err(PublishError::VersionExists {
                module: module.clone(),
                version: release.version,
            });
        }
        let mut named = Vec::with_capacity(release.dependencies.len());
        for dependency in &release.dependencies {
            if dependency.module() == module {
                return Err(PublishError::DependsOnItself {
                    module: module.clone(),
                });
            }
            if named.contains(&dependency.module()) {
                return Err(PublishError::DuplicateDependency {
                    module: module.clone(),
                    dependency: dependency.module().clone(),
                });
            }
            named.push(dependency.module());
        }
        entry
            .releases
            .insert(release.version.clone(), Release::accepted(release));
        Ok(())
    }

    /// Withdraws a version from new installs; orgs that have it keep it (R-I1). Yanking a
    /// yanked version changes nothing.
    ///
    /// # Errors
    /// [`YankError`] when the module or the version is unknown.
    pub fn yank(&mut self, module: &M, version: &Version) -> Result<(), YankError<M>> {
        let entry = self
            .modules
            .get_mut(module)
            .ok_or_else(|| YankError::UnknownModule {
                module: module.clone(),
            })?;
        let release = entry
            .releases
            .get_mut(version)
            .ok_or_else(|| YankError::UnknownVersion {
                module: module.clone(),
                version: version.clone(),
            })?;
        release.yank();
        Ok(())
    }

    pub fn module(&self, module: &M) -> Option<&ModuleEntry<M>> {
        self.modules.get(module)
    }

    pub fn release(&self, module: &M, version: &Version) -> Option<&Release<M>> {
        self.modules.get(module)?.release(version)
    }

    /// Every listed module, in id order.
    pub fn modules(&self) -> impl Iterator<Item = (&M, &ModuleEntry<M>)> {
        self.modules.iter()
    }

    /// The name of a module for people; its id when the registry does not list it.
    pub fn display_name(&self, module: &M) -> String {
        self.modules
            .get(module)
            .map_or_else(|| module.to_string(), |entry| entry.name.clone())
    }
}
