//! Typed identifiers: the kernel's, so an org or a tool is the same value here as in every
//! other context, and an `OrgId` can never be passed where a `ToolId` is expected.

pub use marketplace_kernel::ids::{OrgId, ToolId};
