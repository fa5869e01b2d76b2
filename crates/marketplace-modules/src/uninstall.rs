//! Uninstalling (R-I5): a module other installed modules require stays, and the refusal
//! names them, unless the caller asks for the cascade, which removes those dependents too,
//! and theirs, transitively. Optional dependencies never hold a module back: their
//! dependents work without it.

use std::collections::{BTreeMap, BTreeSet};

use semver::Version;

use crate::ModuleId;
use crate::generation::Generation;
use crate::lockfile::Lockfile;
use crate::plan::InstallPlan;
use crate::registry::Registry;

/// What to do when other installed modules require the one being uninstalled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cascade {
    /// Refuse, naming them.
    Refuse,
    /// Remove them as well, and whatever requires them in turn.
    RemoveDependents,
}

/// Why an uninstall cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UninstallError<M: ModuleId> {
    #[error("{name} is not installed")]
    NotInstalled { module: M, name: String },
    /// Installed modules require it; `dependent_names` lists them for people, in the order
    /// of `dependents`.
    #[error("{name} is required by {}", dependent_names.join(", "))]
    RequiredBy {
        module: M,
        name: String,
        dependents: BTreeSet<M>,
        dependent_names: Vec<String>,
    },
    /// The catalog lacks the release of an installed module, so what it requires is unknown.
    #[error("{module} {version} is installed but missing from the catalog")]
    UnknownRelease { module: M, version: Version },
}

/// The plan removing `module` from `current` (and, with [`Cascade::RemoveDependents`],
/// everything that requires it).
///
/// # Errors
/// See [`UninstallError`].
pub fn plan_uninstall<M: ModuleId>(
    registry: &Registry<M>,
    current: &Generation<M>,
    module: &M,
    cascade: Cascade,
) -> Result<InstallPlan<M>, UninstallError<M>> {
    let installed = current.lockfile();
    if !installed.contains(module) {
        return Err(UninstallError::NotInstalled {
            module: module.clone(),
            name: registry.display_name(module),
        });
    }
    let required_by = required_by(registry, installed)?;
    let direct = required_by.get(module).cloned().unwrap_or_default();
    let removed = match cascade {
        Cascade::Refuse if !direct.is_empty() => {
            return Err(UninstallError::RequiredBy {
                module: module.clone(),
                name: registry.display_name(module),
                dependent_names: direct.iter().map(|d| registry.display_name(d)).collect(),
                dependents: direct,
            });
        }
        Cascade::Refuse => BTreeSet::from([module.clone()]),
        Cascade::RemoveDependents => with_dependents(module, &required_by),
    };
    let target: Lockfile<M> = installed
        .iter()
        .filter(|(installed, _)| !removed.contains(*installed))
        .map(|(module, version)| (module.clone(), version.clone()))
        .collect();
    Ok(InstallPlan::between(current, target))
}

/// For each installed module, the installed modules that require it.
fn required_by<M: ModuleId>(
    registry: &Registry<M>,
    installed: &Lockfile<M>,
) -> Result<BTreeMap<M, BTreeSet<M>>, UninstallError<M>> {
    let mut required_by: BTreeMap<M, BTreeSet<M>> = BTreeMap::new();
    for (dependent, version) in installed {
        let release =
            registry
                .release(dependent, version)
                .ok_or_else(|| UninstallError::UnknownRelease {
                    module: dependent.clone(),
                    version: version.clone(),
                })?;
        for dependency in release.required_modules() {
            required_by
                .entry(dependency.clone())
                .or_default()
                .insert(dependent.clone());
        }
    }
    Ok(required_by)
}

/// `module` and every installed module that requires it, directly or through others
/// (cycles included).
fn with_dependents<M: ModuleId>(module: &M, required_by: &BTreeMap<M, BTreeSet<M>>) -> BTreeSet<M> {
    let mut removed = BTreeSet::from([module.clone()]);
    let mut pending = vec![module.clone()];
    while let Some(next) = pending.pop() {
        for dependent in required_by.get(&next).into_iter().flatten() {
            if removed.insert(dependent.clone()) {
                pending.push(dependent.clone());
            }
        }
    }
    removed
}
