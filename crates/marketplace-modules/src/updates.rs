//! Updates available (R-I6): for each installed module, the newest published version the
//! org could move to while everything else it has stays as it is.

use semver::Version;

use crate::ModuleId;
use crate::lockfile::Lockfile;
use crate::requirement::Requirement;
use crate::resolver::{InstalledPolicy, Request, ResolveError, Resolver};

/// A newer compatible version of an installed module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Update<M> {
    pub module: M,
    pub from: Version,
    pub to: Version,
    /// The release notes of `to`.
    pub notes: String,
}

impl<M: ModuleId> Resolver<'_, M> {
    /// For each module of `installed`, the newest published version above the installed one
    /// that resolves with the org's platform and its other modules kept at their versions
    /// (new dependencies may come in). Pre-releases are offered only to a module installed
    /// at a pre-release. Modules with no such version are left out.
    ///
    /// # Errors
    /// [`ResolveError::TooComplex`] when one of the checks runs out of work budget, since
    /// the answer for that module would be unknown; every other failure only means that
    /// version is not compatible.
    pub fn updates(&self, installed: &Lockfile<M>) -> Result<Vec<Update<M>>, ResolveError<M>> {
        let mut updates = Vec::new();
        for (module, current) in installed {
            let Some(entry) = self.registry().module(module) else {
                continue;
            };
            let newer = entry.releases().rev().filter(|release| {
                release.is_published()
                    && release.version() > current
                    && (release.version().pre.is_empty() || !current.pre.is_empty())
            });
            for release in newer {
                let request = Request::new()
                    .install(module.clone(), Requirement::exactly(release.version()))
                    .with_installed(InstalledPolicy::Keep);
                match self.resolve(installed, &request) {
                    Ok(_) => {
                        updates.push(Update {
                            module: module.clone(),
                            from: current.clone(),
                            to: release.version().clone(),
                            notes: release.notes().to_owned(),
                        });
                        break;
                    }
                    Err(ResolveError::TooComplex { limit }) => {
                        return Err(ResolveError::TooComplex { limit });
                    }
                    Err(_) => {}
                }
            }
        }
        Ok(updates)
    }
}
