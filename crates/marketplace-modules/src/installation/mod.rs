//! The installation context's use cases (R-I1..R-I7 as a service): what an org plans,
//! applies, rolls back and uninstalls, the updates it is told about, what platform admins
//! publish and yank, and the record of every attempt. The rules themselves live in the
//! pure modules of this crate; this module loads what they need through ports, asks them,
//! and stores what they answer.
//!
//! A module is a tool that publishes versions, so the resolver's module id is the kernel's
//! [`ToolId`](marketplace_kernel::ids::ToolId) throughout.
//!
//! - [`ports`]: what the service needs from the outside: the module catalog, the org's
//!   installations (with the one-change-at-a-time contract), entitlements, the attempt log
//!   and update notices.
//! - [`InstallationService`]: the use cases, each checking the actor's permission before
//!   any port is touched and working only on the actor's own org.
//! - [`ChangeRequest`]: what an org asks for (installs and uninstalls, with or without the
//!   cascade), and [`OrgModules`], the pure planning over one org's loaded state.

mod access;
mod change;
mod error;
pub mod ports;
mod records;
mod resolution;
mod service;

#[cfg(test)]
mod tests;

pub use access::InstallPermission;
pub use change::ChangeRequest;
pub use error::{InstallError, Missing, Named, PublishingError};
pub use records::{
    AttemptRecord, ChangeKind, GenerationRecord, InstallationState, InstalledSet, InstalledTool,
    ListedRelease, UpdateNotice,
};
pub use resolution::OrgModules;
pub use service::{InstallationService, PublishedVersion};
