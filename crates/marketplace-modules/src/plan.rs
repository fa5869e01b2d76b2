//! Plans (R-I4): the difference between the org's current lockfile and the one it would
//! have, step by step, applied as one new generation; and rollbacks, which are plans back
//! to an earlier generation's lockfile.
//!
//! A plan remembers the generation it was computed against and applies only to that one:
//! if another plan was applied in between, it is stale and must be computed again. Storing
//! generations and letting one plan at a time through per org is the adapters' part.

use std::cmp::Ordering;
use std::iter::Peekable;

use semver::Version;
use serde::Serialize;

use crate::ModuleId;
use crate::generation::{Generation, GenerationNumber};
use crate::lockfile::Lockfile;

/// One change to an org's installed set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Step<M> {
    Install {
        module: M,
        version: Version,
    },
    Upgrade {
        module: M,
        from: Version,
        to: Version,
    },
    Downgrade {
        module: M,
        from: Version,
        to: Version,
    },
    Remove {
        module: M,
        version: Version,
    },
}

impl<M> Step<M> {
    pub fn module(&self) -> &M {
        match self {
            Self::Install { module, .. }
            | Self::Upgrade { module, .. }
            | Self::Downgrade { module, .. }
            | Self::Remove { module, .. } => module,
        }
    }
}

/// The steps that turn `from` into `to`, in module order; unchanged modules take none.
pub fn diff<M: ModuleId>(from: &Lockfile<M>, to: &Lockfile<M>) -> Vec<Step<M>> {
    let mut steps = Vec::new();
    let mut before = from.iter().peekable();
    let mut after = to.iter().peekable();
    loop {
        let step = match next_pair(&mut before, &mut after) {
            (None, None) => break,
            (Some((module, old)), None) => Step::Remove {
                module: module.clone(),
                version: old.clone(),
            },
            (None, Some((module, new))) => Step::Install {
                module: module.clone(),
                version: new.clone(),
            },
            (Some((module, old)), Some((_, new))) => match old.cmp(new) {
                Ordering::Equal => continue,
                Ordering::Less => Step::Upgrade {
                    module: module.clone(),
                    from: old.clone(),
                    to: new.clone(),
                },
                Ordering::Greater => Step::Downgrade {
                    module: module.clone(),
                    from: old.clone(),
                    to: new.clone(),
                },
            },
        };
        steps.push(step);
    }
    steps
}

type Entries<'a, M> = Peekable<std::collections::btree_map::Iter<'a, M, Version>>;

/// The next module of either side, with its version on each side that has it.
#[allow(clippy::type_complexity)]
fn next_pair<'a, M: Ord>(
    before: &mut Entries<'a, M>,
    after: &mut Entries<'a, M>,
) -> (Option<(&'a M, &'a Version)>, Option<(&'a M, &'a Version)>) {
    let order = match (before.peek(), after.peek()) {
        (Some((old, _)), Some((new, _))) => old.cmp(new),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => return (None, None),
    };
    match order {
        Ordering::Less => (before.next(), None),
        Ordering::Greater => (None, after.next()),
        Ordering::Equal => (before.next(), after.next()),
    }
}

/// A plan was computed against a generation that is no longer the current one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the plan was made for generation {planned}, but the current generation is {current}")]
pub struct StalePlan {
    pub planned: GenerationNumber,
    pub current: GenerationNumber,
}

/// What applying a request would change, relative to one generation (the dry run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(bound(serialize = "M: Serialize"))]
pub struct InstallPlan<M> {
    base: GenerationNumber,
    steps: Vec<Step<M>>,
    target: Lockfile<M>,
}

impl<M: ModuleId> InstallPlan<M> {
    /// The plan that takes `current` to `target`.
    pub fn between(current: &Generation<M>, target: Lockfile<M>) -> Self {
        Self {
            base: current.number(),
            steps: diff(current.lockfile(), &target),
            target,
        }
    }

    /// The generation the plan was computed against.
    pub fn base(&self) -> GenerationNumber {
        self.base
    }

    pub fn steps(&self) -> &[Step<M>] {
        &self.steps
    }

    /// The lockfile the org has once the plan is applied.
    pub fn target(&self) -> &Lockfile<M> {
        &self.target
    }

    /// Whether the plan changes nothing.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The generation after `current` once the plan is applied. Even a plan that changes
    /// nothing gives a new generation: every applied plan is one.
    ///
    /// # Errors
    /// [`StalePlan`] when `current` is not the generation the plan was computed against.
    pub fn apply(&self, current: &Generation<M>) -> Result<Generation<M>, StalePlan> {
        if current.number() != self.base {
            return Err(StalePlan {
                planned: self.base,
                current: current.number(),
            });
        }
        Ok(current.succeeded_by(self.target.clone()))
    }
}

/// A rollback target that does not precede the current generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("generation {requested} does not precede the current generation {current}")]
pub struct NotEarlier {
    pub requested: GenerationNumber,
    pub current: GenerationNumber,
}

/// The way back to an earlier generation, whole: its lockfile becomes the org's again, as a
/// new generation (history only grows, so a rollback can itself be rolled back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(bound(serialize = "M: Serialize"))]
pub struct RollbackPlan<M> {
    restores: GenerationNumber,
    plan: InstallPlan<M>,
}

impl<M: ModuleId> RollbackPlan<M> {
    /// The plan from `current` back to `earlier`.
    ///
    /// # Errors
    /// [`NotEarlier`] when `earlier` is not older than `current`.
    pub fn new(current: &Generation<M>, earlier: &Generation<M>) -> Result<Self, NotEarlier> {
        if earlier.number() >= current.number() {
            return Err(NotEarlier {
                requested: earlier.number(),
                current: current.number(),
            });
        }
        Ok(Self {
            restores: earlier.number(),
            plan: InstallPlan::between(current, earlier.lockfile().clone()),
        })
    }

    /// The generation whose lockfile comes back.
    pub fn restores(&self) -> GenerationNumber {
        self.restores
    }

    /// What going back changes, relative to the current generation.
    pub fn steps(&self) -> &[Step<M>] {
        self.plan.steps()
    }

    pub fn target(&self) -> &Lockfile<M> {
        self.plan.target()
    }

    /// The new generation holding the restored lockfile.
    ///
    /// # Errors
    /// [`StalePlan`] when `current` moved on since the rollback was planned.
    pub fn apply(&self, current: &Generation<M>) -> Result<Generation<M>, StalePlan> {
        self.plan.apply(current)
    }
}
