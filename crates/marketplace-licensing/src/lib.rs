//! # marketplace-licensing
//!
//! Two kinds of credentials a machine presents to the marketplace, with their rules and use
//! cases behind ports: no I/O, no clock (the kernel's port), no randomness (a port).
//!
//! - [`api_key`] (R-A1..R-A4): keys an org's owners and admins create for their machines,
//!   which act for the org with their scopes and no user.
//! - [`license`] (R-L1, R-L4..R-L6): the license that comes with every entitlement to a
//!   tool, its signed key (the token format and offline checks are `marketplace-license`'s,
//!   R-L2, R-L3), online validation, activations by machine, and how a license follows its
//!   entitlement.

pub mod access;
pub mod api_key;
pub mod ids;
pub mod license;
