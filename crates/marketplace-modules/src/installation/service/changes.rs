//! Changing an org's installed set (R-I2..R-I5), one generation at a time, each attempt
//! recorded with its outcome and duration (R-I7).
//!
//! One at a time per org: the store accepts a generation only while the one it follows is
//! current ([`Installations::apply`](crate::installation::ports::Installations::apply)).
//! When another change won the race, [`InstallationService::apply`] plans once more
//! against the new generation and applies that; losing twice answers
//! [`InstallError::StaleGeneration`]. A rollback is not planned again: "the previous
//! generation" would then be another one than the caller saw.

use std::time::Duration;

use chrono::{DateTime, Utc};
use marketplace_kernel::access::Actor;
use marketplace_kernel::ids::{OrgId, ToolId};
use marketplace_kernel::store::RepoError;

use crate::generation::{Generation, GenerationNumber};
use crate::lockfile::Lockfile;
use crate::outcome::{AttemptKind, Outcome};
use crate::plan::{InstallPlan, StalePlan, Step, diff};
use crate::uninstall::Cascade;

use super::{InstallationService, require};
use crate::installation::access::InstallPermission;
use crate::installation::change::ChangeRequest;
use crate::installation::error::InstallError;
use crate::installation::ports::ApplyError;
use crate::installation::records::{AttemptRecord, GenerationRecord};
use crate::installation::resolution::OrgModules;

/// The tools an attempt touches, each with what was attempted on it.
type Attempted = Vec<(ToolId, AttemptKind)>;

impl InstallationService {
    /// The dry run (R-I4): what `request` would install, upgrade, downgrade or remove in
    /// the actor's org, against its current generation. Nothing is stored or recorded.
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`, `RequiredBy`, `NotEntitled`, `Conflict` (the sentences
    /// say why no set of versions works, R-I3), `TooComplex`, `CatalogGap`;
    /// `Infrastructure`.
    pub async fn plan(
        &self,
        actor: &Actor,
        request: &ChangeRequest,
    ) -> Result<InstallPlan<ToolId>, InstallError> {
        require(actor, InstallPermission::InstallModules).map_err(InstallError::Forbidden)?;
        let state = self.state(actor.org_id).await?;
        let (registry, held) = self
            .catalog_for(actor.org_id, &state, request.named_tools())
            .await?;
        OrgModules::new(&state, &registry, held).plan(request)
    }

    /// Applies `request` to the actor's org as one new generation (R-I4): planned again
    /// against the current generation, stored atomically, and recorded as an attempt per
    /// tool installed (install) or moved (update), with its duration; a refusal or failure
    /// is recorded as failed, with its reason. Removals are not attempts.
    ///
    /// # Errors
    /// As [`InstallationService::plan`], and `StaleGeneration` when other changes won the
    /// race twice. `Infrastructure` also when the generation was stored but its attempts
    /// could not be recorded.
    pub async fn apply(
        &self,
        actor: &Actor,
        request: &ChangeRequest,
    ) -> Result<GenerationRecord, InstallError> {
        require(actor, InstallPermission::InstallModules).map_err(InstallError::Forbidden)?;
        let started = self.clock.now();
        let mut attempted = Attempted::new();
        let result = self.apply_change(actor, request, &mut attempted).await;
        self.record_attempts(actor, started, attempted, result)
            .await
    }

    /// Uninstalls `tool` from the actor's org (R-I5): refused, naming the installed tools
    /// that need it, unless `cascade` removes them too. Applied like any change.
    ///
    /// # Errors
    /// As [`InstallationService::apply`]; `NotFound` when the tool is not installed,
    /// `RequiredBy` without the cascade.
    pub async fn uninstall(
        &self,
        actor: &Actor,
        tool: ToolId,
        cascade: Cascade,
    ) -> Result<GenerationRecord, InstallError> {
        self.apply(actor, &ChangeRequest::uninstall(tool, cascade))
            .await
    }

    /// Restores the generation before the current one, whole, as a new generation
    /// (R-I4), once the restored set still resolves on the org's platform; recorded as a
    /// rollback attempt per tool it changes.
    ///
    /// # Errors
    /// `Forbidden`; `NoPreviousGeneration` on generation 0; `NotEntitled`, `Conflict`,
    /// `TooComplex` when the restored set no longer fits; `StaleGeneration` when another
    /// change came first; `Infrastructure`.
    pub async fn rollback(&self, actor: &Actor) -> Result<GenerationRecord, InstallError> {
        require(actor, InstallPermission::InstallModules).map_err(InstallError::Forbidden)?;
        let started = self.clock.now();
        let mut attempted = Attempted::new();
        let result = self.roll_back(actor, &mut attempted).await;
        self.record_attempts(actor, started, attempted, result)
            .await
    }

    /// Plans and stores `request`, planning once more if another change came first.
    /// `attempted` follows what is being tried: the request's installs, then the plan's.
    async fn apply_change(
        &self,
        actor: &Actor,
        request: &ChangeRequest,
        attempted: &mut Attempted,
    ) -> Result<GenerationRecord, InstallError> {
        let org = actor.org_id;
        let mut lost_once = false;
        loop {
            let state = self.state(org).await?;
            *attempted = requested(request, state.current().lockfile());
            let (registry, held) = self.catalog_for(org, &state, request.named_tools()).await?;
            let plan = OrgModules::new(&state, &registry, held).plan(request)?;
            *attempted = installed_or_moved(plan.steps());
            let record =
                GenerationRecord::of_plan(state.current(), &plan, actor.user_id, self.clock.now())
                    .map_err(stale)?;
            match self.installations.apply(org, &record).await {
                Ok(()) => return Ok(record),
                Err(ApplyError::Stale { .. }) if !lost_once => lost_once = true,
                Err(ApplyError::Stale { expected, current }) => {
                    return Err(InstallError::StaleGeneration { expected, current });
                }
                Err(ApplyError::Store(error)) => return Err(error.into()),
            }
        }
    }

    async fn roll_back(
        &self,
        actor: &Actor,
        attempted: &mut Attempted,
    ) -> Result<GenerationRecord, InstallError> {
        let org = actor.org_id;
        let state = self.state(org).await?;
        let earlier = self.previous(org, state.current()).await?;
        let (registry, held) = self
            .catalog_for(org, &state, earlier.lockfile().modules().copied())
            .await?;
        *attempted = rolled_back(&diff(state.current().lockfile(), earlier.lockfile()));
        let plan = OrgModules::new(&state, &registry, held).rollback_to(&earlier)?;
        let record =
            GenerationRecord::of_rollback(state.current(), &plan, actor.user_id, self.clock.now())
                .map_err(stale)?;
        match self.installations.apply(org, &record).await {
            Ok(()) => Ok(record),
            Err(ApplyError::Stale { expected, current }) => {
                Err(InstallError::StaleGeneration { expected, current })
            }
            Err(ApplyError::Store(error)) => Err(error.into()),
        }
    }

    /// The generation before `current`: generation 0 is the empty one, never stored; a
    /// stored history missing one is the store's inconsistency (`Infrastructure`).
    async fn previous(
        &self,
        org: OrgId,
        current: &Generation<ToolId>,
    ) -> Result<Generation<ToolId>, InstallError> {
        let number = current
            .number()
            .get()
            .checked_sub(1)
            .ok_or(InstallError::NoPreviousGeneration)?;
        if number == GenerationNumber::FIRST.get() {
            return Ok(Generation::initial());
        }
        self.installations
            .generation(org, GenerationNumber::new(number))
            .await?
            .ok_or(InstallError::Infrastructure(RepoError::NotFound))
    }

    /// Records one attempt per tool in `attempted`, ended now, with the time since
    /// `started` and the outcome `result` says (R-I7), and passes `result` on. A log
    /// failure after a stored change is reported; after a failed one, the first failure
    /// is the one reported.
    async fn record_attempts(
        &self,
        actor: &Actor,
        started: DateTime<Utc>,
        attempted: Attempted,
        result: Result<GenerationRecord, InstallError>,
    ) -> Result<GenerationRecord, InstallError> {
        if attempted.is_empty() {
            return result;
        }
        let ended = self.clock.now();
        let duration = elapsed(started, ended);
        let outcome = match &result {
            Ok(_) => Outcome::Succeeded,
            Err(error) => Outcome::Failed {
                reason: error.to_string(),
            },
        };
        let records: Vec<AttemptRecord> = attempted
            .into_iter()
            .map(|(tool, kind)| {
                AttemptRecord::new(
                    actor.org_id,
                    actor.user_id,
                    ended,
                    tool,
                    kind,
                    outcome.clone(),
                    duration,
                )
            })
            .collect();
        let logged = self.log.record(&records).await;
        match (result, logged) {
            (Ok(_), Err(error)) => Err(error.into()),
            (result, _) => result,
        }
    }
}

/// The request's installs: an install for a tool not installed yet, an update otherwise.
fn requested(request: &ChangeRequest, installed: &Lockfile<ToolId>) -> Attempted {
    request
        .installs()
        .map(|(tool, _)| (*tool, kind_for(installed.contains(tool))))
        .collect()
}

/// The tools a change's plan installs (install attempts) or moves (update attempts);
/// removals are not attempts.
fn installed_or_moved(steps: &[Step<ToolId>]) -> Attempted {
    steps
        .iter()
        .filter_map(|step| match step {
            Step::Install { module, .. } => Some((*module, AttemptKind::Install)),
            Step::Upgrade { module, .. } | Step::Downgrade { module, .. } => {
                Some((*module, AttemptKind::Update))
            }
            Step::Remove { .. } => None,
        })
        .collect()
}

/// Every tool a rollback changes, as a rollback attempt.
fn rolled_back(steps: &[Step<ToolId>]) -> Attempted {
    steps
        .iter()
        .map(|step| (*step.module(), AttemptKind::Rollback))
        .collect()
}

fn kind_for(installed: bool) -> AttemptKind {
    if installed {
        AttemptKind::Update
    } else {
        AttemptKind::Install
    }
}

/// The time between two readings of the clock; a clock that went back reads as zero.
fn elapsed(started: DateTime<Utc>, ended: DateTime<Utc>) -> Duration {
    (ended - started).to_std().unwrap_or_default()
}

/// A plan made against a generation that is not the one it is applied to: the service
/// plans against what it just read, so this only happens if the store answered two
/// different current generations in one call.
fn stale(error: StalePlan) -> InstallError {
    InstallError::StaleGeneration {
        expected: error.planned,
        current: error.current,
    }
}
