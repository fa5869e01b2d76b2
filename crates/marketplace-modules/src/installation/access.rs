//! Who may do what with modules: the three rights this context asks for, each one a row
//! of the kernel's permission matrix ([`Permission::holders`]), which alone says who
//! holds it.

use marketplace_kernel::access::{AccessPolicy, Actor, Permission};

/// What an actor may be allowed to do with modules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InstallPermission {
    /// See the org's installations, updates, notices and history; and, for an org that
    /// manages a seller, the success rates of its tools: the kernel's `ViewHoldings`.
    ViewInstallations,
    /// Plan, apply, roll back and uninstall for the org: the kernel's `InstallModules`.
    InstallModules,
    /// Publish and yank versions, and read every tool's success rate: the kernel's
    /// `PublishVersions` (sellers will publish through their listings).
    PublishVersions,
    /// Read a tool's published versions: the kernel's `BrowseCatalog`.
    BrowseVersions,
    /// Set the platform version an org runs: the kernel's `ManageOrgs`.
    SetPlatformVersion,
    /// Publish the version an approved listing proposes (R-G3): the kernel's
    /// `PublishListings`, which moderators hold; yanking stays `PublishVersions`.
    PublishListings,
}

impl InstallPermission {
    /// Every permission, in declaration order.
    pub const ALL: [Self; 6] = [
        Self::ViewInstallations,
        Self::InstallModules,
        Self::PublishVersions,
        Self::BrowseVersions,
        Self::SetPlatformVersion,
        Self::PublishListings,
    ];

    /// The row of the kernel's matrix this right is.
    #[must_use]
    pub const fn permission(self) -> Permission {
        match self {
            Self::ViewInstallations => Permission::ViewHoldings,
            Self::InstallModules => Permission::InstallModules,
            Self::PublishVersions => Permission::PublishVersions,
            Self::BrowseVersions => Permission::BrowseCatalog,
            Self::SetPlatformVersion => Permission::ManageOrgs,
            Self::PublishListings => Permission::PublishListings,
        }
    }

    /// Whether `actor` holds this permission, as the kernel's matrix says.
    #[must_use]
    pub fn allows(self, actor: &Actor) -> bool {
        AccessPolicy.allows(actor, self.permission())
    }
}
