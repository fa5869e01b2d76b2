//! # marketplace-licensing
//!
//! Credentials a machine presents to the marketplace, with their rules and use cases
//! behind ports: no I/O, no clock (the kernel's port), no randomness (a port).
//!
//! - [`api_key`] (R-A1..R-A4): keys an org's owners and admins create for their machines,
//!   which act for the org with their scopes and no user.

pub mod access;
pub mod api_key;
pub mod ids;
