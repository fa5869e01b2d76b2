//! Publishing versions (R-I1) and the update notices a new version sends (R-I6). Platform
//! admins publish directly; a seller's version is published here once its listing is
//! approved (R-G3).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use marketplace_kernel::access::Actor;
use marketplace_kernel::field::FieldError;
use marketplace_kernel::ids::ToolId;
use marketplace_kernel::store::RepoError;
use semver::Version;

use crate::registry::PublishError;
use crate::release::NewRelease;

use super::{InstallationService, require};
use crate::installation::access::InstallPermission;
use crate::installation::error::{Missing, PublishingError};
use crate::installation::ports::PublishStoreError;
use crate::installation::records::{ListedRelease, UpdateNotice};
use crate::installation::resolution::OrgModules;

/// A version just published, and how many orgs were told of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishedVersion {
    pub tool: ToolId,
    pub version: Version,
    pub published_at: DateTime<Utc>,
    /// The orgs that have the tool installed, enabled, at an older version, and could
    /// move to this one with everything else kept.
    pub notified: usize,
}

impl InstallationService {
    /// Publishes `release` as a new version of `tool` (R-I1): checked by the catalog's
    /// rules, stored once and never changed, then announced to every org that could take
    /// it as an update (R-I6).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` for a tool the catalog does not list; `VersionExists`, also
    /// when another publication of the same version won a race; `Invalid` for a release
    /// the catalog refuses; `NoticesNotSent` when the version is stored but the notices
    /// failed; `Infrastructure`.
    pub async fn publish_version(
        &self,
        actor: &Actor,
        tool: ToolId,
        release: NewRelease<ToolId>,
    ) -> Result<PublishedVersion, PublishingError> {
        self.publish_as(actor, InstallPermission::PublishVersions, tool, release)
            .await
    }

    /// Publishes the version an approved listing proposes (R-G3), as
    /// [`Self::publish_version`] does, allowed to those who publish listings.
    ///
    /// # Errors
    /// `Forbidden` without `PublishListings`; otherwise as [`Self::publish_version`].
    pub async fn publish_listed_version(
        &self,
        actor: &Actor,
        tool: ToolId,
        release: NewRelease<ToolId>,
    ) -> Result<PublishedVersion, PublishingError> {
        self.publish_as(actor, InstallPermission::PublishListings, tool, release)
            .await
    }

    async fn publish_as(
        &self,
        actor: &Actor,
        permission: InstallPermission,
        tool: ToolId,
        release: NewRelease<ToolId>,
    ) -> Result<PublishedVersion, PublishingError> {
        require(actor, permission).map_err(PublishingError::Forbidden)?;
        let roots: Vec<ToolId> = std::iter::once(tool)
            .chain(release.dependencies.iter().map(|d| *d.module()))
            .collect();
        let mut registry = self.catalog.registry(&roots).await?;
        if let Some(unknown) = release
            .dependencies
            .iter()
            .map(|d| *d.module())
            .find(|dependency| *dependency != tool && registry.module(dependency).is_none())
        {
            return Err(PublishingError::Invalid(FieldError::new(
                "dependencies",
                format!("tool {unknown} is not in the catalog"),
            )));
        }
        registry.publish(&tool, release.clone()).map_err(refusal)?;
        let version = release.version.clone();
        let published_at = self.clock.now();
        self.catalog
            .publish(tool, &release, published_at)
            .await
            .map_err(|error| match error {
                PublishStoreError::VersionTaken => PublishingError::VersionExists {
                    tool,
                    version: version.clone(),
                },
                PublishStoreError::Store(RepoError::NotFound) => {
                    PublishingError::NotFound(Missing::Tool(tool))
                }
                PublishStoreError::Store(other) => PublishingError::Infrastructure(other),
            })?;
        let notified = self
            .send_notices(tool, &version, published_at)
            .await
            .map_err(|source| PublishingError::NoticesNotSent {
                tool,
                version: version.clone(),
                source,
            })?;
        Ok(PublishedVersion {
            tool,
            version,
            published_at,
            notified,
        })
    }

    /// Every version of `tool`, oldest first, yanked ones included with their status, each
    /// with when it was published (R-I1). Open to every authenticated actor.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` for a tool the catalog does not list; `Infrastructure`,
    /// also for a stored version without its publication time.
    pub async fn versions(
        &self,
        actor: &Actor,
        tool: ToolId,
    ) -> Result<Vec<ListedRelease>, PublishingError> {
        require(actor, InstallPermission::BrowseVersions).map_err(PublishingError::Forbidden)?;
        let registry = self.catalog.registry(&[tool]).await?;
        let entry = registry
            .module(&tool)
            .ok_or(PublishingError::NotFound(Missing::Tool(tool)))?;
        let mut dates = self.catalog.release_dates(tool).await?;
        entry
            .releases()
            .map(|release| {
                let published_at = dates.remove(release.version()).ok_or_else(|| {
                    PublishingError::Infrastructure(RepoError::Corrupt {
                        table: "module_versions",
                        detail: format!("{tool} {} has no publication time", release.version()),
                    })
                })?;
                Ok(ListedRelease {
                    release: release.clone(),
                    published_at,
                })
            })
            .collect()
    }

    /// Withdraws `version` of `tool` from new installs (R-I1); orgs that have it keep it.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` for an unknown tool or version; `Infrastructure`.
    pub async fn yank_version(
        &self,
        actor: &Actor,
        tool: ToolId,
        version: &Version,
    ) -> Result<(), PublishingError> {
        require(actor, InstallPermission::PublishVersions).map_err(PublishingError::Forbidden)?;
        self.catalog
            .yank(tool, version)
            .await
            .map_err(|error| match error {
                RepoError::NotFound => PublishingError::NotFound(Missing::Version {
                    tool,
                    version: version.clone(),
                }),
                other => PublishingError::Infrastructure(other),
            })
    }

    /// Sends the update notices of a published version again (after `NoticesNotSent`);
    /// orgs told already are not told twice. Answers how many orgs could take it.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound` for an unknown tool or version; `Infrastructure`.
    pub async fn notify_update(
        &self,
        actor: &Actor,
        tool: ToolId,
        version: &Version,
    ) -> Result<usize, PublishingError> {
        require(actor, InstallPermission::PublishVersions).map_err(PublishingError::Forbidden)?;
        let registry = self.catalog.registry(&[tool]).await?;
        if registry.release(&tool, version).is_none() {
            return Err(PublishingError::NotFound(Missing::Version {
                tool,
                version: version.clone(),
            }));
        }
        Ok(self.send_notices(tool, version, self.clock.now()).await?)
    }

    /// Appends a notice of `version` of `tool` for every org that has the tool installed
    /// and enabled at an older version, and could move to this one with its platform and
    /// everything else kept (R-I6). An org whose check runs out of work budget is not told.
    async fn send_notices(
        &self,
        tool: ToolId,
        version: &Version,
        at: DateTime<Utc>,
    ) -> Result<usize, RepoError> {
        let holders = self.installations.holding(tool).await?;
        if holders.is_empty() {
            return Ok(0);
        }
        let roots: BTreeSet<ToolId> = holders
            .iter()
            .flat_map(|(_, state)| state.current().lockfile().modules().copied())
            .chain([tool])
            .collect();
        let roots: Vec<ToolId> = roots.into_iter().collect();
        let registry = self.catalog.registry(&roots).await?;
        let notes = registry
            .release(&tool, version)
            .ok_or(RepoError::NotFound)?
            .notes()
            .to_owned();
        let paid = OrgModules::paid_tools(&registry);
        let mut notices = Vec::new();
        for (org, state) in &holders {
            let held = if paid.is_empty() {
                BTreeSet::new()
            } else {
                self.entitlements.held(*org, &paid).await?
            };
            let modules = OrgModules::new(state, &registry, held);
            let (Ok(true), Some(from)) = (
                modules.is_update(&tool, version),
                state.current().lockfile().get(&tool),
            ) else {
                continue;
            };
            notices.push(UpdateNotice {
                org: *org,
                tool,
                from: from.clone(),
                to: version.clone(),
                notes: notes.clone(),
                created_at: at,
                read_at: None,
            });
        }
        if !notices.is_empty() {
            self.notices.append(&notices).await?;
        }
        Ok(notices.len())
    }
}

/// The catalog's refusal of a release, as the publisher's error.
fn refusal(error: PublishError<ToolId>) -> PublishingError {
    match error {
        PublishError::UnknownModule { module } => PublishingError::NotFound(Missing::Tool(module)),
        PublishError::VersionExists { module, version } => PublishingError::VersionExists {
            tool: module,
            version,
        },
        build @ PublishError::BuildMetadata { .. } => {
            PublishingError::Invalid(FieldError::new("version", build.to_string()))
        }
        dependency @ (PublishError::DependsOnItself { .. }
        | PublishError::DuplicateDependency { .. }) => {
            PublishingError::Invalid(FieldError::new("dependencies", dependency.to_string()))
        }
    }
}
