//! The host platform version each org runs (R-I2): set by the platform's admins, the
//! package every resolution of the org pins.

use marketplace_kernel::access::Actor;
use marketplace_kernel::ids::OrgId;
use marketplace_kernel::store::RepoError;
use semver::Version;

use super::{InstallationService, require};
use crate::installation::access::InstallPermission;
use crate::installation::error::{InstallError, Missing};

impl InstallationService {
    /// Sets the platform version `org` runs. Build metadata is dropped, since semver
    /// precedence ignores it. Installed tools are left as they are: the next change or
    /// rollback is resolved against the new version.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` for an org the platform does not know; `Infrastructure`.
    pub async fn set_platform_version(
        &self,
        actor: &Actor,
        org: OrgId,
        version: &Version,
    ) -> Result<(), InstallError> {
        require(actor, InstallPermission::SetPlatformVersion).map_err(InstallError::Forbidden)?;
        let mut version = version.clone();
        version.build = semver::BuildMetadata::EMPTY;
        self.installations
            .set_platform(org, &version)
            .await
            .map_err(|error| match error {
                RepoError::NotFound => InstallError::NotFound(Missing::UnknownOrg),
                other => InstallError::Infrastructure(other),
            })
    }
}
