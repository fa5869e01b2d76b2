//! Who may do what with modules: this context's rows of the permission matrix.
//!
//! They join the kernel's `Permission` table (as `InstallModules` and `PublishVersions`,
//! reading installations staying with `ViewHoldings`) once that table's split into
//! catalog, billing, org and seller rights has landed; until then they are kept here, in
//! this one function, and nowhere else.

use marketplace_kernel::access::{AccessPolicy, Actor, OrgRole, Permission, PlatformRole};

/// What an actor may be allowed to do with modules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InstallPermission {
    /// See the org's installations, updates, notices and history; and, for an org that
    /// manages a seller, the success rates of its tools. Every member of the org.
    ViewInstallations,
    /// Plan, apply, roll back and uninstall for the org: org OWNER and ADMIN, who speak
    /// for it (the same people who may buy).
    InstallModules,
    /// Publish and yank versions, and read every tool's success rate: platform
    /// SUPER_ADMIN and ADMIN (sellers will publish through their listings).
    PublishVersions,
}

impl InstallPermission {
    /// Every permission, in declaration order.
    pub const ALL: [Self; 3] = [
        Self::ViewInstallations,
        Self::InstallModules,
        Self::PublishVersions,
    ];

    /// Whether `actor` holds this permission: the matrix rows, in one place.
    #[must_use]
    pub fn allows(self, actor: &Actor) -> bool {
        match self {
            Self::ViewInstallations => AccessPolicy.allows(actor, Permission::ViewHoldings),
            Self::InstallModules => matches!(actor.org_role, OrgRole::Owner | OrgRole::Admin),
            Self::PublishVersions => matches!(
                actor.platform_role,
                PlatformRole::SuperAdmin | PlatformRole::Admin
            ),
        }
    }
}
