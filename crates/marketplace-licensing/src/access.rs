//! Who may manage an org's API keys (R-A4).
//!
//! Licenses are read under the kernel's `ViewHoldings` (every member of the org); managing
//! API keys has no row in the kernel's permission matrix yet, so its one check lives here,
//! in [`require`], until it joins that matrix.

use marketplace_kernel::access::{Actor, OrgRole};

/// What this context checks that the kernel's matrix does not list yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LicensingPermission {
    /// Create, list and revoke the org's API keys (R-A4): org OWNER and ADMIN.
    ManageApiKeys,
}

/// The action was not allowed for this actor; names what was missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("forbidden: the caller lacks the {0:?} permission")]
pub struct LicensingForbidden(pub LicensingPermission);

/// The licensing rows of the permission matrix.
///
/// These rows join the kernel's matrix (`marketplace_kernel::access::Permission`, as
/// `ManageApiKeys`, held by org OWNER and ADMIN) once it is split per concern; until then
/// this is the one place that decides them.
///
/// # Errors
/// [`LicensingForbidden`] when the actor lacks `permission`.
pub fn require(actor: &Actor, permission: LicensingPermission) -> Result<(), LicensingForbidden> {
    let allowed = match permission {
        LicensingPermission::ManageApiKeys => {
            matches!(actor.org_role, OrgRole::Owner | OrgRole::Admin)
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(LicensingForbidden(permission))
    }
}
