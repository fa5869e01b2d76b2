//! The module rules (R-I1 .. R-I7), one file per rule, over hand-made catalogs; and the
//! resolver's properties over random ones.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod support;

mod r_i1_versions;
mod r_i2_resolution;
mod r_i3_conflicts;
mod r_i4_plans;
mod r_i5_uninstall;
mod r_i6_updates;
mod r_i7_outcomes;
mod resolver_properties;
