//! The installation service against mocks of its ports (and, for the race between two
//! changes, an in-memory store keeping the port's contract), one file per rule.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod fake;
mod support;

mod access;
mod r_i1_publishing;
mod r_i2_entitlements;
mod r_i3_conflicts;
mod r_i4_generations;
mod r_i5_uninstall;
mod r_i6_updates;
mod r_i7_attempts;
mod tenancy;
