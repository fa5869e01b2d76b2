//! [`InstallationService`]: the installation use cases over the ports. Each checks the
//! actor's permission before touching any port and works only on the actor's own org.
//!
//! - [`changes`]: plan, apply, uninstall, roll back (R-I2..R-I5), with every attempt
//!   recorded (R-I7);
//! - [`reads`]: the org's installations, updates, history and notices (R-I6), success
//!   rates for the platform and for sellers (R-I7);
//! - [`publishing`]: publishing and yanking versions, and the update notices a new version
//!   sends (R-I1, R-I6);
//! - [`platform`]: the platform version each org runs (R-I2), set by the platform.

mod changes;
mod platform;
mod publishing;
mod reads;

use std::collections::BTreeSet;
use std::sync::Arc;

use marketplace_kernel::access::Actor;
use marketplace_kernel::clock::Clock;
use marketplace_kernel::ids::{OrgId, ToolId};
use marketplace_kernel::store::RepoError;

use crate::registry::Registry;

use super::access::InstallPermission;
use super::error::{InstallError, Missing};
use super::ports::{Entitlements, InstallLog, Installations, ModuleCatalog, Notices};
use super::records::InstallationState;
use super::resolution::OrgModules;

pub use publishing::PublishedVersion;

/// The installation context's use cases.
#[derive(Clone)]
pub struct InstallationService {
    catalog: Arc<dyn ModuleCatalog>,
    installations: Arc<dyn Installations>,
    entitlements: Arc<dyn Entitlements>,
    log: Arc<dyn InstallLog>,
    notices: Arc<dyn Notices>,
    clock: Arc<dyn Clock>,
}

impl std::fmt::Debug for InstallationService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InstallationService")
            .finish_non_exhaustive()
    }
}

impl InstallationService {
    pub fn new(
        catalog: Arc<dyn ModuleCatalog>,
        installations: Arc<dyn Installations>,
        entitlements: Arc<dyn Entitlements>,
        log: Arc<dyn InstallLog>,
        notices: Arc<dyn Notices>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            catalog,
            installations,
            entitlements,
            log,
            notices,
            clock,
        }
    }

    /// The org's installation state; an org the store does not know is `NotFound`.
    async fn state(&self, org: OrgId) -> Result<InstallationState, InstallError> {
        self.installations
            .state(org)
            .await
            .map_err(|error| match error {
                RepoError::NotFound => InstallError::NotFound(Missing::Org),
                other => InstallError::Infrastructure(other),
            })
    }

    /// The catalog slice `state` and the tools in `also` need, and which of its paid tools
    /// the org holds.
    async fn catalog_for(
        &self,
        org: OrgId,
        state: &InstallationState,
        also: impl IntoIterator<Item = ToolId>,
    ) -> Result<(Registry<ToolId>, BTreeSet<ToolId>), RepoError> {
        let roots: BTreeSet<ToolId> = state
            .current()
            .lockfile()
            .modules()
            .copied()
            .chain(also)
            .collect();
        if roots.is_empty() {
            return Ok((Registry::new(), BTreeSet::new()));
        }
        let roots: Vec<ToolId> = roots.into_iter().collect();
        let registry = self.catalog.registry(&roots).await?;
        let paid = OrgModules::paid_tools(&registry);
        let held = if paid.is_empty() {
            BTreeSet::new()
        } else {
            self.entitlements.held(org, &paid).await?
        };
        Ok((registry, held))
    }
}

/// The permission check every use case starts with.
fn require(actor: &Actor, permission: InstallPermission) -> Result<(), InstallPermission> {
    if permission.allows(actor) {
        Ok(())
    } else {
        Err(permission)
    }
}
