//! The shapes of module versions (R-I1), install success rates and attempts (R-I7).

use chrono::{DateTime, Utc};
use marketplace_domain::ids::ToolId;
use marketplace_modules::installation::{AttemptRecord, ListedRelease, PublishedVersion};
use marketplace_modules::{
    AttemptKind, NewRelease, Outcome, ReleaseStatus, Requirement, SuccessRate, Version,
};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::BadRequest;

/// One dependency of a version.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DependencyDto {
    pub tool_id: Uuid,
    /// A semver requirement on the tool's versions, e.g. `^2`.
    pub req: String,
    /// An optional dependency binds only when the tool is present anyway.
    #[serde(default)]
    pub optional: bool,
}

/// Whether a version may still be chosen.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum VersionStatus {
    Published,
    /// Chosen for no new install; orgs that have it keep it.
    Yanked,
}

/// A published version of a tool (R-I1).
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDto {
    pub version: String,
    pub notes: String,
    /// The host platform versions it runs on, a semver requirement.
    pub platform: String,
    pub dependencies: Vec<DependencyDto>,
    pub status: VersionStatus,
    pub published_at: DateTime<Utc>,
}

impl From<ListedRelease> for VersionDto {
    fn from(l: ListedRelease) -> Self {
        let r = l.release;
        Self {
            version: r.version().to_string(),
            notes: r.notes().to_owned(),
            platform: r.platform().to_string(),
            dependencies: r
                .dependencies()
                .iter()
                .map(|d| DependencyDto {
                    tool_id: d.module().as_uuid(),
                    req: d.requirement().to_string(),
                    optional: !d.is_required(),
                })
                .collect(),
            status: match r.status() {
                ReleaseStatus::Published => VersionStatus::Published,
                ReleaseStatus::Yanked => VersionStatus::Yanked,
            },
            published_at: l.published_at,
        }
    }
}

/// GET /v1/tools/{id}/versions: every version, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionsDto {
    pub items: Vec<VersionDto>,
}

/// POST /v1/admin/tools/{id}/versions.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishBody {
    /// A semver version without build metadata, e.g. `2.1.0`.
    #[garde(length(min = 1, max = 100))]
    pub version: String,
    #[garde(length(max = 10000))]
    #[serde(default)]
    pub notes: String,
    /// The host platform versions it runs on; `*` when left out.
    #[garde(length(max = 200))]
    pub platform: Option<String>,
    #[garde(length(max = 100))]
    #[serde(default)]
    pub dependencies: Vec<DependencyDto>,
}

impl TryFrom<PublishBody> for NewRelease<ToolId> {
    type Error = BadRequest;

    fn try_from(b: PublishBody) -> Result<Self, BadRequest> {
        let version =
            Version::parse(&b.version).map_err(|e| BadRequest::field("version", e.to_string()))?;
        let platform = match b.platform.as_deref() {
            None => Requirement::any(),
            Some(text) => Requirement::parse(text)
                .map_err(|e| BadRequest::field("platform", e.to_string()))?,
        };
        let mut release = NewRelease::new(version, platform).with_notes(b.notes);
        for (i, d) in b.dependencies.into_iter().enumerate() {
            let requirement = Requirement::parse(&d.req)
                .map_err(|e| BadRequest::field(format!("dependencies[{i}].req"), e.to_string()))?;
            let tool = ToolId::from_uuid(d.tool_id);
            release = if d.optional {
                release.optionally_uses(tool, requirement)
            } else {
                release.requires(tool, requirement)
            };
        }
        Ok(release)
    }
}

/// A version just published, and how many orgs were told of it (R-I6).
#[derive(Debug, Serialize, ToSchema)]
pub struct PublishedDto {
    pub tool_id: Uuid,
    pub version: String,
    pub published_at: DateTime<Utc>,
    /// Orgs that have the tool installed at an older version and could move to this one.
    pub notified: usize,
}

impl From<PublishedVersion> for PublishedDto {
    fn from(p: PublishedVersion) -> Self {
        Self {
            tool_id: p.tool.as_uuid(),
            version: p.version.to_string(),
            published_at: p.published_at,
            notified: p.notified,
        }
    }
}

/// POST .../versions/{version}/notify.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotifiedDto {
    /// Orgs that could take the version as an update (those told before are not told twice).
    pub notified: usize,
}

/// A tool's install, update and rollback attempts over every org (R-I7).
#[derive(Debug, Serialize, ToSchema)]
pub struct InstallStatsDto {
    pub tool_id: Uuid,
    pub attempts: u64,
    pub succeeded: u64,
    /// Whole percent, rounded down: never a figure better than the truth.
    pub success_percent: u8,
    /// Whether the rate meets the platform's target of 95%, compared exactly.
    pub meets_target: bool,
}

impl InstallStatsDto {
    pub fn new(tool: ToolId, rate: SuccessRate) -> Self {
        Self {
            tool_id: tool.as_uuid(),
            attempts: rate.attempts(),
            succeeded: rate.succeeded(),
            success_percent: rate.percent(),
            meets_target: rate.meets_target(),
        }
    }
}

/// Success rates, one per tool that has attempts.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstallStatsListDto {
    /// The target the rates are held to, in percent.
    pub target_percent: u8,
    pub items: Vec<InstallStatsDto>,
}

/// GET /v1/admin/install-stats: the tools to report on.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InstallStatsQuery {
    /// One or more tool ids (repeated or comma-separated), at most 100.
    pub tool_id: Vec<Uuid>,
}

/// What an attempt tried.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AttemptKindDto {
    Install,
    Update,
    Rollback,
}

/// How an attempt ended.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeDto {
    Succeeded,
    Failed,
    /// Applied, then undone.
    RolledBack,
}

/// One install, update or rollback attempt on a tool (R-I7). The buying org is not named.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptDto {
    pub tool_id: Uuid,
    pub kind: AttemptKindDto,
    pub outcome: OutcomeDto,
    /// Why a failed attempt failed, in the words its buyer read.
    pub reason: Option<String>,
    pub duration_ms: u64,
    /// When it ended.
    pub at: DateTime<Utc>,
}

impl From<AttemptRecord> for AttemptDto {
    fn from(r: AttemptRecord) -> Self {
        let (outcome, reason) = match r.attempt.outcome {
            Outcome::Succeeded => (OutcomeDto::Succeeded, None),
            Outcome::Failed { reason } => (OutcomeDto::Failed, Some(reason)),
            Outcome::RolledBack => (OutcomeDto::RolledBack, None),
        };
        Self {
            tool_id: r.attempt.module.as_uuid(),
            kind: match r.attempt.kind {
                AttemptKind::Install => AttemptKindDto::Install,
                AttemptKind::Update => AttemptKindDto::Update,
                AttemptKind::Rollback => AttemptKindDto::Rollback,
            },
            outcome,
            reason,
            duration_ms: u64::try_from(r.attempt.duration.as_millis()).unwrap_or(u64::MAX),
            at: r.at,
        }
    }
}
