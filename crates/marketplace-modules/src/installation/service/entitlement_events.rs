//! Installations follow entitlements (R-I6): when an org's entitlement to a paid tool
//! ends, its installation is disabled, not deleted; when the entitlement returns, it is
//! enabled again. The purchase lifecycle calls these as the entitlements change; there is
//! no actor, and each checks the one entitlement answer (R-E3) first, so a late or
//! repeated event changes nothing it should not.

use marketplace_kernel::ids::{OrgId, ToolId};

use crate::registry::Pricing;

use super::InstallationService;
use crate::installation::error::InstallError;

impl InstallationService {
    /// Disables the org's installation of `tool` when the org no longer holds it (another
    /// purchase or a bundle may still grant it) and the tool is not free. `Ok(true)` when
    /// an installation was disabled.
    ///
    /// # Errors
    /// `Infrastructure`.
    pub async fn on_entitlement_ended(
        &self,
        org: OrgId,
        tool: ToolId,
    ) -> Result<bool, InstallError> {
        if self.entitlements.held(org, &[tool]).await?.contains(&tool) {
            return Ok(false);
        }
        let registry = self.catalog.registry(&[tool]).await?;
        if registry
            .module(&tool)
            .is_some_and(|entry| entry.pricing() == Pricing::Free)
        {
            return Ok(false);
        }
        Ok(self.installations.set_enabled(org, tool, false).await?)
    }

    /// Enables the org's installation of `tool` again once the org holds it. `Ok(true)`
    /// when an installation was enabled.
    ///
    /// # Errors
    /// `Infrastructure`.
    pub async fn on_entitlement_restored(
        &self,
        org: OrgId,
        tool: ToolId,
    ) -> Result<bool, InstallError> {
        if !self.entitlements.held(org, &[tool]).await?.contains(&tool) {
            return Ok(false);
        }
        Ok(self.installations.set_enabled(org, tool, true).await?)
    }
}
