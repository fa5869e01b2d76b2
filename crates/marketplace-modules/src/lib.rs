//! Module versions and their installation (R-I*): what modules publish, how an org's
//! request is resolved against its platform, its entitlements and what it already has,
//! why a request cannot be met, and the plans, generations and rollbacks that change an
//! org's installed set. Pure: no I/O, no clock; the service loads the catalog and the
//! org's state, calls in here, and stores what comes back.
//!
//! The rules, in short:
//! - R-I1 A module publishes versions, each with release notes, the platform versions it
//!   runs on and the modules it depends on (required or optional). A published version
//!   never changes; a yanked one is offered to no new install, but an org that has it keeps
//!   it ([`registry`], [`release`], [`requirement`]).
//! - R-I2 Installing resolves every transitive dependency with PubGrub: the platform is
//!   pinned to the org's version, only free modules and those the org is entitled to may be
//!   chosen, installed versions are preferred, then the newest; the work a resolution may
//!   do is bounded ([`resolver`], [`entitlement`]).
//! - R-I3 When no set of versions works, the answer explains why in plain sentences
//!   ([`conflict`]).
//! - R-I4 A plan lists what would be installed, upgraded, downgraded or removed; applying it
//!   gives a new generation; a rollback restores an earlier generation whole ([`plan`],
//!   [`generation`], [`lockfile`]).
//! - R-I5 A module others require is not uninstalled, unless the cascade is asked for
//!   ([`uninstall`]).
//! - R-I6 Newer compatible versions are listed as updates ([`updates`]).
//! - R-I7 Attempts are recorded with their outcome and duration; success rates per module
//!   ([`outcome`]).
//!
//! How the service uses it: build a [`Registry`] from the catalog, a [`Resolver`] for the
//! org (its platform version and an entitlement predicate), then [`Resolver::plan`] a
//! [`Request`] against the org's current [`Generation`] (a [`Conflict`] explains a refusal),
//! [`InstallPlan::apply`] it under the org's lock and store the new generation;
//! [`plan_uninstall`], [`RollbackPlan::new`] and [`Resolver::updates`] work the same way.
//!
//! The [`installation`] module is that service: the use cases behind ports (the module
//! catalog, the org's installations, entitlements, the attempt log and update notices),
//! with the module id bound to the kernel's tool id.

pub mod conflict;
pub mod entitlement;
pub mod generation;
pub mod installation;
pub mod lockfile;
pub mod outcome;
pub mod plan;
pub mod registry;
pub mod release;
pub mod requirement;
pub mod resolver;
pub mod uninstall;
pub mod updates;

use std::fmt::{Debug, Display};
use std::hash::Hash;

pub use conflict::Conflict;
pub use entitlement::Entitlements;
pub use generation::{Generation, GenerationNumber};
pub use lockfile::Lockfile;
pub use outcome::{Attempt, AttemptKind, Outcome, SuccessRate, TARGET_PERCENT, success_rates};
pub use plan::{InstallPlan, NotEarlier, RollbackPlan, StalePlan, Step, diff};
pub use registry::{AddModuleError, ModuleEntry, Pricing, PublishError, Registry, YankError};
pub use release::{Dependency, DependencyKind, NewRelease, Release, ReleaseStatus};
pub use requirement::{Requirement, RequirementError};
pub use resolver::{InstalledPolicy, Request, ResolveError, Resolver, WorkLimit};
pub use semver::Version;
pub use uninstall::{Cascade, UninstallError, plan_uninstall};
pub use updates::Update;

/// What identifies a module. The service binds its own tool id; tests use strings. Its
/// `Display` appears only where the catalog has no name for the module.
pub trait ModuleId: Clone + Ord + Hash + Debug + Display {}

impl<T: Clone + Ord + Hash + Debug + Display> ModuleId for T {}
