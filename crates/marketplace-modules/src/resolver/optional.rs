//! Optional dependencies (R-I2).
//!
//! "X optionally uses Y at `^2`" means: X works without Y, but if Y is installed too it must
//! be a `^2` version. PubGrub only knows "X needs Y in range", so the constraint is brought
//! in exactly when it is known to be equivalent to a requirement, and checked afterwards
//! otherwise:
//!
//! - When Y is installed or requested, Y is in every solution, so "if Y then Y in range" is
//!   the same as "Y in range": the optional edges towards Y are handed to the solver as
//!   requirements from the start.
//! - Any other optional edge is left out. If the solution still brings Y in (another module
//!   requires it) at a version the edge refuses, Y joins the modules whose optional edges
//!   are in force and the problem is solved again. Each round puts at least one more module
//!   in force, so the rounds end, and all rounds share one work budget.
//!
//! Every solution returned therefore honours every optional edge. The price is a rare loss
//! of completeness: once an edge towards Y is in force it also pulls Y in, which rules out
//! solutions without Y that might have existed.

use std::collections::BTreeSet;

use crate::ModuleId;
use crate::lockfile::Lockfile;
use crate::registry::Registry;

/// The modules of `solution` that some optional edge not yet in force would refuse.
pub(crate) fn refused_by_optional_edges<M: ModuleId>(
    registry: &Registry<M>,
    solution: &Lockfile<M>,
    in_force: &BTreeSet<M>,
) -> BTreeSet<M> {
    solution
        .iter()
        .filter_map(|(module, version)| registry.release(module, version))
        .flat_map(|release| release.dependencies())
        .filter(|dependency| !dependency.is_required() && !in_force.contains(dependency.module()))
        .filter(|dependency| {
            solution
                .get(dependency.module())
                .is_some_and(|chosen| !dependency.requirement().matches(chosen))
        })
        .map(|dependency| dependency.module().clone())
        .collect()
}
