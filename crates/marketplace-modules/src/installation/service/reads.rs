//! What the org and the publishers read: installations, updates and update notices
//! (R-I6), the history of generations (R-I4), success rates (R-I7).

use std::collections::BTreeMap;

use marketplace_kernel::access::Actor;
use marketplace_kernel::ids::ToolId;
use marketplace_kernel::paging::{Page, PageRequest};
use semver::Version;

use crate::outcome::SuccessRate;
use crate::updates::Update;

use super::{InstallationService, require};
use crate::installation::access::InstallPermission;
use crate::installation::error::{InstallError, Missing, PublishingError};
use crate::installation::records::{
    AttemptRecord, GenerationRecord, InstallationState, InstalledSet, InstalledTool, UpdateNotice,
};
use crate::installation::resolution::OrgModules;

impl InstallationService {
    /// The actor's org's installations: platform version, current generation with its
    /// lockfile.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` for an org the store does not know, `Infrastructure`.
    pub async fn installations(&self, actor: &Actor) -> Result<InstallationState, InstallError> {
        require(actor, InstallPermission::ViewInstallations).map_err(InstallError::Forbidden)?;
        self.state(actor.org_id).await
    }

    /// The org's installed tools with their names, each enabled or not (R-I6). Whether an
    /// installation is enabled is decided here, from the entitlement answer of the moment
    /// (R-E3): a paid tool the org no longer holds reads as disabled
    /// at once, with no job or event in between, exactly as resolutions pin it.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound` for an org the store does not know, `Infrastructure`.
    pub async fn installed(&self, actor: &Actor) -> Result<InstalledSet, InstallError> {
        require(actor, InstallPermission::ViewInstallations).map_err(InstallError::Forbidden)?;
        let state = self.state(actor.org_id).await?;
        let (registry, held) = self.catalog_for(actor.org_id, &state, []).await?;
        let modules = OrgModules::new(&state, &registry, held);
        let tools = state
            .current()
            .lockfile()
            .iter()
            .map(|(tool, version)| InstalledTool {
                tool: *tool,
                name: registry.display_name(tool),
                version: version.clone(),
                enabled: !modules.pinned().contains(tool),
            })
            .collect();
        Ok(InstalledSet {
            platform: state.platform().clone(),
            generation: state.current().number(),
            tools,
        })
    }

    /// Newer compatible versions of the org's enabled tools (R-I6).
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `TooComplex`, `Infrastructure`.
    pub async fn updates(&self, actor: &Actor) -> Result<Vec<Update<ToolId>>, InstallError> {
        require(actor, InstallPermission::ViewInstallations).map_err(InstallError::Forbidden)?;
        let state = self.state(actor.org_id).await?;
        let (registry, held) = self.catalog_for(actor.org_id, &state, []).await?;
        OrgModules::new(&state, &registry, held).updates()
    }

    /// The org's applied generations, newest first, with what made each.
    ///
    /// # Errors
    /// `Forbidden`, `Infrastructure`.
    pub async fn history(
        &self,
        actor: &Actor,
        page: PageRequest,
    ) -> Result<Page<GenerationRecord>, InstallError> {
        require(actor, InstallPermission::ViewInstallations).map_err(InstallError::Forbidden)?;
        Ok(self.installations.history(actor.org_id, page).await?)
    }

    /// The org's update notices, newest first; only unread ones when `unread_only`.
    ///
    /// # Errors
    /// `Forbidden`, `Infrastructure`.
    pub async fn notices(
        &self,
        actor: &Actor,
        unread_only: bool,
        page: PageRequest,
    ) -> Result<Page<UpdateNotice>, InstallError> {
        require(actor, InstallPermission::ViewInstallations).map_err(InstallError::Forbidden)?;
        Ok(self.notices.list(actor.org_id, unread_only, page).await?)
    }

    /// Marks the org's notice of `tool` at `version` read.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` when the org has no such notice (another org's included);
    /// `Infrastructure`.
    pub async fn mark_notice_read(
        &self,
        actor: &Actor,
        tool: ToolId,
        version: &Version,
    ) -> Result<(), InstallError> {
        require(actor, InstallPermission::ViewInstallations).map_err(InstallError::Forbidden)?;
        let marked = self
            .notices
            .mark_read(actor.org_id, tool, version, self.clock.now())
            .await?;
        if marked {
            Ok(())
        } else {
            Err(InstallError::NotFound(Missing::Notice {
                tool,
                version: version.clone(),
            }))
        }
    }

    /// The success rate of each of `tools` over every org's attempts (R-I7), for the
    /// platform; tools without attempts are left out.
    ///
    /// # Errors
    /// `Forbidden`, `Infrastructure`.
    pub async fn success_rates(
        &self,
        actor: &Actor,
        tools: &[ToolId],
    ) -> Result<BTreeMap<ToolId, SuccessRate>, PublishingError> {
        require(actor, InstallPermission::PublishVersions).map_err(PublishingError::Forbidden)?;
        Ok(self.log.success_rates(tools).await?)
    }

    /// The attempts on `tool` over every org, newest first (R-I7), for the platform.
    ///
    /// # Errors
    /// `Forbidden`, `Infrastructure`.
    pub async fn attempts(
        &self,
        actor: &Actor,
        tool: ToolId,
        page: PageRequest,
    ) -> Result<Page<AttemptRecord>, PublishingError> {
        require(actor, InstallPermission::PublishVersions).map_err(PublishingError::Forbidden)?;
        Ok(self.log.attempts(tool, page).await?)
    }

    /// The attempts on `tool`, newest first (R-I7), for the seller that publishes it: a
    /// tool of another seller, or an org that manages no seller, finds nothing.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` when the actor's seller does not publish `tool`;
    /// `Infrastructure`.
    pub async fn seller_attempts(
        &self,
        actor: &Actor,
        tool: ToolId,
        page: PageRequest,
    ) -> Result<Page<AttemptRecord>, PublishingError> {
        require(actor, InstallPermission::ViewInstallations).map_err(PublishingError::Forbidden)?;
        if !self
            .catalog
            .published_by(actor.org_id)
            .await?
            .contains(&tool)
        {
            return Err(PublishingError::NotFound(Missing::Tool(tool)));
        }
        Ok(self.log.attempts(tool, page).await?)
    }

    /// The success rate of each tool the seller of the actor's org publishes (R-I7): empty
    /// for an org that manages no seller.
    ///
    /// # Errors
    /// `Forbidden`, `Infrastructure`.
    pub async fn seller_success_rates(
        &self,
        actor: &Actor,
    ) -> Result<BTreeMap<ToolId, SuccessRate>, PublishingError> {
        require(actor, InstallPermission::ViewInstallations).map_err(PublishingError::Forbidden)?;
        let tools = self.catalog.published_by(actor.org_id).await?;
        if tools.is_empty() {
            return Ok(BTreeMap::new());
        }
        Ok(self.log.success_rates(&tools).await?)
    }
}
