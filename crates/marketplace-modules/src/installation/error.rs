//! What the installation use cases fail with, in variants a caller can act on: the HTTP
//! layer answers 403, 404, 409 or 422 from them, and only `Infrastructure` is ours.

use std::collections::BTreeSet;
use std::fmt;

use marketplace_kernel::field::FieldError;
use marketplace_kernel::ids::ToolId;
use marketplace_kernel::store::RepoError;
use semver::Version;

use crate::generation::GenerationNumber;
use crate::resolver::{ResolveError, WorkLimit};

use super::access::InstallPermission;

/// A tool with the name people know it by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub tool: ToolId,
    pub name: String,
}

impl fmt::Display for Named {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// What was not found, in the actor's org or in the catalog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Missing {
    /// The actor's org has no platform version yet, so nothing can be installed for it.
    Org,
    /// The platform does not know the org at all.
    UnknownOrg,
    /// The catalog does not list the tool.
    Tool(ToolId),
    /// The catalog lists the tool, but not this version.
    Version { tool: ToolId, version: Version },
    /// The org does not have the tool installed.
    Installation(ToolId),
    /// The org has no notice of this tool at this version.
    Notice { tool: ToolId, version: Version },
}

impl fmt::Display for Missing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Org => {
                f.write_str("the platform has not set this organization's platform version yet")
            }
            Self::UnknownOrg => f.write_str("no such organization"),
            Self::Tool(tool) => write!(f, "tool {tool} is not in the catalog"),
            Self::Version { tool, version } => write!(f, "tool {tool} has no version {version}"),
            Self::Installation(tool) => write!(f, "tool {tool} is not installed"),
            Self::Notice { tool, version } => {
                write!(f, "no update notice for tool {tool} version {version}")
            }
        }
    }
}

/// What planning, applying, rolling back, uninstalling and reading an org's installations
/// can fail with.
#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("forbidden: the caller lacks the {0:?} permission")]
    Forbidden(InstallPermission),
    #[error("not found: {0}")]
    NotFound(Missing),
    /// No set of versions satisfies the request (R-I3); the sentences say why, in words a
    /// buyer can act on, and `tools` are those they speak of.
    #[error("{}", sentences.join(" "))]
    Conflict {
        sentences: Vec<String>,
        tools: BTreeSet<ToolId>,
    },
    /// Installed tools require the one to uninstall (R-I5); `dependents` are every
    /// installed tool that would have to go with it, which the cascade removes.
    #[error("{tool} is required by {}", list(dependents))]
    RequiredBy { tool: Named, dependents: Vec<Named> },
    /// The request names a paid tool the org holds no entitlement to (R-I2).
    #[error("your organization is not entitled to {0}")]
    NotEntitled(Named),
    /// The resolution spent its whole work budget; the request should name fewer tools or
    /// narrower versions.
    #[error("gave up after {limit}: too many combinations of versions to try")]
    TooComplex { limit: WorkLimit },
    /// Another change for the org was applied while this one was made, even after planning
    /// again once; the caller should look at the new state and ask again.
    #[error("another change was applied meanwhile (generation {current}, not {expected})")]
    StaleGeneration {
        expected: GenerationNumber,
        current: GenerationNumber,
    },
    /// A rollback from generation 0: there is nothing before it.
    #[error("there is no earlier generation to roll back to")]
    NoPreviousGeneration,
    /// An installed version is missing from the catalog, which never deletes a release:
    /// the store is inconsistent (an operator's problem, not the caller's).
    #[error("{tool} {version} is installed but missing from the catalog")]
    CatalogGap { tool: ToolId, version: Version },
    #[error("infrastructure failure")]
    Infrastructure(#[source] RepoError),
}

impl From<RepoError> for InstallError {
    fn from(error: RepoError) -> Self {
        Self::Infrastructure(error)
    }
}

impl From<ResolveError<ToolId>> for InstallError {
    fn from(error: ResolveError<ToolId>) -> Self {
        match error {
            ResolveError::UnknownModule { module } => Self::NotFound(Missing::Tool(module)),
            ResolveError::NotEntitled { module, name } => {
                Self::NotEntitled(Named { tool: module, name })
            }
            ResolveError::OnlyYanked {
                module,
                name,
                requirement,
            } => Self::Conflict {
                sentences: vec![format!(
                    "Every version of {name} matching {requirement} has been withdrawn."
                )],
                tools: BTreeSet::from([module]),
            },
            ResolveError::Conflict(conflict) => Self::Conflict {
                sentences: conflict.sentences().to_vec(),
                tools: conflict.modules().clone(),
            },
            ResolveError::TooComplex { limit } => Self::TooComplex { limit },
        }
    }
}

/// What publishing and yanking versions, sending update notices and reading success rates
/// can fail with.
#[derive(Debug, thiserror::Error)]
pub enum PublishingError {
    #[error("forbidden: the caller lacks the {0:?} permission")]
    Forbidden(InstallPermission),
    #[error("not found: {0}")]
    NotFound(Missing),
    /// The tool has this version already; published versions never change (R-I1).
    #[error("{tool} {version} is already published and cannot change")]
    VersionExists { tool: ToolId, version: Version },
    /// The release itself is refused (a dependency on its own tool or twice on one tool,
    /// build metadata in the version).
    #[error("invalid release: {}", .0.message)]
    Invalid(FieldError),
    /// The version is published, but the update notices could not all be written; sending
    /// them again with `notify_update` is harmless.
    #[error("{tool} {version} is published, but its update notices were not sent")]
    NoticesNotSent {
        tool: ToolId,
        version: Version,
        #[source]
        source: RepoError,
    },
    #[error("infrastructure failure")]
    Infrastructure(#[source] RepoError),
}

impl From<RepoError> for PublishingError {
    fn from(error: RepoError) -> Self {
        Self::Infrastructure(error)
    }
}

fn list(tools: &[Named]) -> String {
    tools
        .iter()
        .map(|tool| tool.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}
