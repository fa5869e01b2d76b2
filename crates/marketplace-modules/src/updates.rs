//! Updates available (R-I6): for each installed module, the newest published version the
//! org could move to while everything else it has stays as it is.

use semver::Version;

use crate::ModuleId;
use crate::lockfile::Lockfile;
use crate::release::Release;
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
            let newer = entry
                .releases()
                .rev()
                .filter(|release| offered_as_update(current, release));
            for release in newer {
                if self.fits(installed, module, release.version())? {
                    updates.push(Update {
                        module: module.clone(),
                        from: current.clone(),
                        to: release.version().clone(),
                        notes: release.notes().to_owned(),
                    });
                    break;
                }
            }
        }
        Ok(updates)
    }

    /// Whether `version` of `module`, which `installed` holds at an older version, is an
    /// update the org could take: the same test [`Resolver::updates`] applies to each
    /// candidate, for one version (a newly published one, say). `false` when `installed`
    /// lacks the module or the catalog lacks the version.
    ///
    /// # Errors
    /// [`ResolveError::TooComplex`], as for [`Resolver::updates`].
    pub fn is_update(
        &self,
        installed: &Lockfile<M>,
        module: &M,
        version: &Version,
    ) -> Result<bool, ResolveError<M>> {
        let (Some(current), Some(release)) = (
            installed.get(module),
            self.registry().release(module, version),
        ) else {
            return Ok(false);
        };
        if !offered_as_update(current, release) {
            return Ok(false);
        }
        self.fits(installed, module, version)
    }

    /// Whether `module` at `version` resolves with everything else in `installed` kept.
    fn fits(
        &self,
        installed: &Lockfile<M>,
        module: &M,
        version: &Version,
    ) -> Result<bool, ResolveError<M>> {
        if self.cannot_fit(installed, module, version) {
            return Ok(false);
        }
        let request = Request::new()
            .install(module.clone(), Requirement::exactly(version))
            .with_installed(InstalledPolicy::Keep);
        match self.resolve(installed, &request) {
            Ok(_) => Ok(true),
            Err(ResolveError::TooComplex { limit }) => Err(ResolveError::TooComplex { limit }),
            Err(_) => Ok(false),
        }
    }
}

impl<M: ModuleId> Resolver<'_, M> {
    /// Whether `module` at `version` fails a requirement the solver would meet at once,
    /// with every other installed module held at its version: the release's platform
    /// requirement, its requirements (required or optional) on installed modules, and the
    /// installed modules' requirements on it. Each is necessary, so a `true` is the
    /// solver's own answer, reached without it; a `false` still goes to the solver, which
    /// also weighs new dependencies. Most candidates of an updates check stop here.
    fn cannot_fit(&self, installed: &Lockfile<M>, module: &M, version: &Version) -> bool {
        let Some(release) = self.registry().release(module, version) else {
            return false;
        };
        // A pre-release platform is matched by the solver's own rules only.
        if self.platform().pre.is_empty() && !release.platform().matches(self.platform()) {
            return true;
        }
        let needs_other = release.dependencies().iter().any(|dependency| {
            dependency.module() != module
                && installed
                    .get(dependency.module())
                    .is_some_and(|held| !dependency.requirement().matches(held))
        });
        needs_other
            || installed
                .iter()
                .filter(|(other, _)| *other != module)
                .filter_map(|(other, held)| self.registry().release(other, held))
                .flat_map(|dependent| dependent.dependencies())
                .any(|dependency| {
                    dependency.module() == module && !dependency.requirement().matches(version)
                })
    }
}

/// The one home of which releases count as updates of `current`: published, newer, and a
/// pre-release only for a module installed at a pre-release.
fn offered_as_update<M: ModuleId>(current: &Version, release: &Release<M>) -> bool {
    release.is_published()
        && release.version() > current
        && (release.version().pre.is_empty() || !current.pre.is_empty())
}
