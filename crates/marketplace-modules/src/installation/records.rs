//! What the installation ports store and answer: an org's installation state, the record
//! of each applied generation, attempts, and update notices.

use std::time::Duration;

use chrono::{DateTime, Utc};
use marketplace_kernel::ids::{OrgId, ToolId, UserId};
use semver::Version;

use crate::generation::{Generation, GenerationNumber};
use crate::outcome::{Attempt, AttemptKind, Outcome};
use crate::plan::{InstallPlan, RollbackPlan, StalePlan, Step};

/// An org's installations as they stand: its platform version and its current generation.
/// Whether an installed module is enabled is not stored: it follows the org's entitlement
/// of the moment (R-I6), decided where the installation is read or changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallationState {
    platform: Version,
    current: Generation<ToolId>,
}

impl InstallationState {
    pub fn new(platform: Version, current: Generation<ToolId>) -> Self {
        Self { platform, current }
    }

    /// The host platform version the org runs, set by the platform (R-I2).
    pub fn platform(&self) -> &Version {
        &self.platform
    }

    pub fn current(&self) -> &Generation<ToolId> {
        &self.current
    }
}

/// What made a generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    /// An org's request: installs, upgrades, downgrades and removals.
    Change,
    /// A return to an earlier generation's lockfile, whole (R-I4).
    Rollback { restores: GenerationNumber },
}

/// One applied generation with what made it: what the store keeps of every applied change
/// and answers in the org's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerationRecord {
    generation: Generation<ToolId>,
    kind: ChangeKind,
    steps: Vec<Step<ToolId>>,
    applied_by: UserId,
    applied_at: DateTime<Utc>,
}

impl GenerationRecord {
    /// The generation that applying `plan` to `current` gives.
    ///
    /// # Errors
    /// [`StalePlan`] when the plan was made for another generation than `current`.
    pub fn of_plan(
        current: &Generation<ToolId>,
        plan: &InstallPlan<ToolId>,
        applied_by: UserId,
        applied_at: DateTime<Utc>,
    ) -> Result<Self, StalePlan> {
        Ok(Self {
            generation: plan.apply(current)?,
            kind: ChangeKind::Change,
            steps: plan.steps().to_vec(),
            applied_by,
            applied_at,
        })
    }

    /// The generation that rolling `current` back with `plan` gives.
    ///
    /// # Errors
    /// [`StalePlan`] when the rollback was planned from another generation than `current`.
    pub fn of_rollback(
        current: &Generation<ToolId>,
        plan: &RollbackPlan<ToolId>,
        applied_by: UserId,
        applied_at: DateTime<Utc>,
    ) -> Result<Self, StalePlan> {
        Ok(Self {
            generation: plan.apply(current)?,
            kind: ChangeKind::Rollback {
                restores: plan.restores(),
            },
            steps: plan.steps().to_vec(),
            applied_by,
            applied_at,
        })
    }

    /// A record as the store kept it.
    pub fn restore(
        generation: Generation<ToolId>,
        kind: ChangeKind,
        steps: Vec<Step<ToolId>>,
        applied_by: UserId,
        applied_at: DateTime<Utc>,
    ) -> Self {
        Self {
            generation,
            kind,
            steps,
            applied_by,
            applied_at,
        }
    }

    /// The new generation, with its whole lockfile.
    pub fn generation(&self) -> &Generation<ToolId> {
        &self.generation
    }

    /// The generation this one replaces: the store accepts the record only while that one
    /// is still the org's current generation.
    pub fn follows(&self) -> GenerationNumber {
        GenerationNumber::new(self.generation.number().get().saturating_sub(1))
    }

    pub fn kind(&self) -> ChangeKind {
        self.kind
    }

    /// What changed relative to the generation it follows.
    pub fn steps(&self) -> &[Step<ToolId>] {
        &self.steps
    }

    pub fn applied_by(&self) -> UserId {
        self.applied_by
    }

    pub fn applied_at(&self) -> DateTime<Utc> {
        self.applied_at
    }
}

/// One attempt of one org on one tool (R-I7), as the install log stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttemptRecord {
    pub org: OrgId,
    pub by: UserId,
    /// When the attempt ended.
    pub at: DateTime<Utc>,
    pub attempt: Attempt<ToolId>,
}

impl AttemptRecord {
    pub(crate) fn new(
        org: OrgId,
        by: UserId,
        at: DateTime<Utc>,
        tool: ToolId,
        kind: AttemptKind,
        outcome: Outcome,
        duration: Duration,
    ) -> Self {
        Self {
            org,
            by,
            at,
            attempt: Attempt {
                module: tool,
                kind,
                outcome,
                duration,
            },
        }
    }
}

/// "A newer compatible version of a tool you have is out" (R-I6), kept per org until read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateNotice {
    pub org: OrgId,
    pub tool: ToolId,
    /// The version the org had when the notice was written.
    pub from: Version,
    pub to: Version,
    /// The release notes of `to`.
    pub notes: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// One installed tool as the org sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledTool {
    pub tool: ToolId,
    /// The catalog's name for it.
    pub name: String,
    pub version: Version,
    /// False when the entitlement to it ended (R-I6): flagged disabled, or a paid tool the
    /// org no longer holds. It stays installed, pinned at its version.
    pub enabled: bool,
}

/// The org's installed set: what it runs on and what it has (R-I2, R-I6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledSet {
    pub platform: Version,
    pub generation: GenerationNumber,
    /// In tool id order.
    pub tools: Vec<InstalledTool>,
}

/// A published version of a tool, as the catalog lists it (R-I1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedRelease {
    pub release: crate::release::Release<ToolId>,
    pub published_at: DateTime<Utc>,
}
