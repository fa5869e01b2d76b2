//! The installations' shapes: a change request, the plan it gives, the installed set, the
//! history of generations, updates and update notices.

use chrono::{DateTime, Utc};
use marketplace_domain::ids::ToolId;
use marketplace_modules::installation::{
    ChangeKind, ChangeRequest, GenerationRecord, InstalledSet, InstalledTool, UpdateNotice,
};
use marketplace_modules::{Cascade, Requirement, Step, Update, Version};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::BadRequest;

/// One tool to install, with the versions the org accepts (any release when left out).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstallItem {
    pub tool_id: Uuid,
    /// A semver requirement, e.g. `^2.1`, `~1.4`, `>=1.0, <3`; `*` when left out.
    pub req: Option<String>,
}

/// POST /v1/installations/plan and /apply: what to install and uninstall, in one change.
#[derive(Debug, Deserialize, garde::Validate, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeBody {
    #[garde(length(max = 100))]
    #[serde(default)]
    pub install: Vec<InstallItem>,
    #[garde(length(max = 100))]
    #[serde(default)]
    pub uninstall: Vec<Uuid>,
    /// Also uninstall every installed tool that needs one to uninstall (R-I5).
    #[garde(skip)]
    #[serde(default)]
    pub cascade: bool,
}

impl TryFrom<ChangeBody> for ChangeRequest {
    type Error = BadRequest;

    fn try_from(b: ChangeBody) -> Result<Self, BadRequest> {
        let mut install = Vec::with_capacity(b.install.len());
        for (i, item) in b.install.into_iter().enumerate() {
            let requirement = match item.req.as_deref() {
                None => Requirement::any(),
                Some(text) => Requirement::parse(text)
                    .map_err(|e| BadRequest::field(format!("install[{i}].req"), e.to_string()))?,
            };
            install.push((ToolId::from_uuid(item.tool_id), requirement));
        }
        let cascade = if b.cascade {
            Cascade::RemoveDependents
        } else {
            Cascade::Refuse
        };
        ChangeRequest::new(
            install,
            b.uninstall.into_iter().map(ToolId::from_uuid),
            cascade,
        )
        .map_err(|f| BadRequest::field(f.field, f.message))
    }
}

/// What a change does to one tool.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChangeAction {
    Install,
    Upgrade,
    Downgrade,
    Remove,
}

/// One step of a plan: `from` is null for an install, `to` null for a removal.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeDto {
    pub tool_id: Uuid,
    pub action: ChangeAction,
    #[schema(value_type = Option<String>)]
    pub from: Option<String>,
    #[schema(value_type = Option<String>)]
    pub to: Option<String>,
}

impl From<&Step<ToolId>> for ChangeDto {
    fn from(step: &Step<ToolId>) -> Self {
        let (action, from, to) = match step {
            Step::Install { version, .. } => (ChangeAction::Install, None, Some(version)),
            Step::Upgrade { from, to, .. } => (ChangeAction::Upgrade, Some(from), Some(to)),
            Step::Downgrade { from, to, .. } => (ChangeAction::Downgrade, Some(from), Some(to)),
            Step::Remove { version, .. } => (ChangeAction::Remove, Some(version), None),
        };
        Self {
            tool_id: step.module().as_uuid(),
            action,
            from: from.map(Version::to_string),
            to: to.map(Version::to_string),
        }
    }
}

fn changes(steps: &[Step<ToolId>]) -> Vec<ChangeDto> {
    steps.iter().map(ChangeDto::from).collect()
}

/// The dry run (R-I4): what applying the same body now would change.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDto {
    /// The generation the plan was made against: the org's current one.
    pub generation: u64,
    pub changes: Vec<ChangeDto>,
}

impl PlanDto {
    pub fn new(generation: u64, steps: &[Step<ToolId>]) -> Self {
        Self {
            generation,
            changes: changes(steps),
        }
    }
}

/// How a generation came about.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GenerationKind {
    /// An org's change request (installs, upgrades, downgrades, removals).
    Change,
    /// A return to an earlier generation's lockfile, whole.
    Rollback,
}

/// An applied generation (R-I4): its number, what changed and its whole lockfile.
#[derive(Debug, Serialize, ToSchema)]
pub struct GenerationDto {
    pub generation: u64,
    pub kind: GenerationKind,
    /// For a rollback, the generation whose lockfile it restored.
    pub restores: Option<u64>,
    pub changes: Vec<ChangeDto>,
    /// Every installed tool with its exact version.
    pub lockfile: Vec<LockedToolDto>,
    pub applied_by: Uuid,
    pub applied_at: DateTime<Utc>,
}

/// One tool of a lockfile.
#[derive(Debug, Serialize, ToSchema)]
pub struct LockedToolDto {
    pub tool_id: Uuid,
    pub version: String,
}

impl From<GenerationRecord> for GenerationDto {
    fn from(r: GenerationRecord) -> Self {
        let (kind, restores) = match r.kind() {
            ChangeKind::Change => (GenerationKind::Change, None),
            ChangeKind::Rollback { restores } => (GenerationKind::Rollback, Some(restores.get())),
        };
        Self {
            generation: r.generation().number().get(),
            kind,
            restores,
            changes: changes(r.steps()),
            lockfile: r
                .generation()
                .lockfile()
                .iter()
                .map(|(tool, version)| LockedToolDto {
                    tool_id: tool.as_uuid(),
                    version: version.to_string(),
                })
                .collect(),
            applied_by: r.applied_by().as_uuid(),
            applied_at: r.applied_at(),
        }
    }
}

/// One installed tool.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstalledToolDto {
    pub tool_id: Uuid,
    pub name: String,
    pub version: String,
    /// False while the org's entitlement to the tool has ended (R-I6): it stays installed
    /// at its version, and comes back enabled when the entitlement returns.
    pub enabled: bool,
}

impl From<InstalledTool> for InstalledToolDto {
    fn from(t: InstalledTool) -> Self {
        Self {
            tool_id: t.tool.as_uuid(),
            name: t.name,
            version: t.version.to_string(),
            enabled: t.enabled,
        }
    }
}

/// GET /v1/installations: the org's platform, current generation and installed tools.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstallationsDto {
    pub platform_version: String,
    /// 0 before the first change.
    pub generation: u64,
    pub items: Vec<InstalledToolDto>,
}

impl From<InstalledSet> for InstallationsDto {
    fn from(s: InstalledSet) -> Self {
        Self {
            platform_version: s.platform.to_string(),
            generation: s.generation.get(),
            items: s.tools.into_iter().map(InstalledToolDto::from).collect(),
        }
    }
}

/// A newer compatible version of an installed tool (R-I6).
#[derive(Debug, Serialize, ToSchema)]
pub struct UpdateDto {
    pub tool_id: Uuid,
    pub from: String,
    pub to: String,
    /// The release notes of `to`.
    pub notes: String,
}

impl From<Update<ToolId>> for UpdateDto {
    fn from(u: Update<ToolId>) -> Self {
        Self {
            tool_id: u.module.as_uuid(),
            from: u.from.to_string(),
            to: u.to.to_string(),
            notes: u.notes,
        }
    }
}

/// GET /v1/installations/updates.
#[derive(Debug, Serialize, ToSchema)]
pub struct UpdatesDto {
    pub items: Vec<UpdateDto>,
}

/// "A newer compatible version of a tool you have is out" (R-I6).
#[derive(Debug, Serialize, ToSchema)]
pub struct NoticeDto {
    pub tool_id: Uuid,
    /// The version the org had when the notice was written.
    pub from: String,
    pub to: String,
    pub notes: String,
    pub created_at: DateTime<Utc>,
    /// Null until the notice is marked read.
    pub read_at: Option<DateTime<Utc>>,
}

impl From<UpdateNotice> for NoticeDto {
    fn from(n: UpdateNotice) -> Self {
        Self {
            tool_id: n.tool.as_uuid(),
            from: n.from.to_string(),
            to: n.to.to_string(),
            notes: n.notes,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

/// GET /v1/installations/notices: paging, and whether to list unread notices only.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NoticesQuery {
    /// Only notices not marked read yet; default false.
    pub unread: Option<bool>,
    /// 1 to 100, default 50.
    pub limit: Option<u32>,
    /// Default 0.
    pub offset: Option<u64>,
}
