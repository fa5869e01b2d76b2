//! Which modules an org may install (R-I2): free ones, and paid ones it is entitled to.
//! The entitlement itself is the caller's knowledge, passed in as a predicate.

use crate::ModuleId;
use crate::registry::{ModuleEntry, Pricing};

/// Answers whether the org being resolved for holds an entitlement to a paid module.
///
/// Any `Fn(&M) -> bool` is one, so a caller may pass a closure over the org's holdings.
pub trait Entitlements<M> {
    fn is_entitled(&self, module: &M) -> bool;
}

impl<M, F: Fn(&M) -> bool> Entitlements<M> for F {
    fn is_entitled(&self, module: &M) -> bool {
        self(module)
    }
}

/// Free modules are open to every org; paid ones only to entitled orgs.
pub(crate) fn may_install<M: ModuleId>(
    module: &M,
    entry: &ModuleEntry<M>,
    entitlements: &dyn Entitlements<M>,
) -> bool {
    match entry.pricing() {
        Pricing::Free => true,
        Pricing::Paid => entitlements.is_entitled(module),
    }
}
