//! Who asks about an org's usage, and what they may do: this context's rows of the
//! permission matrix.
//!
//! A caller is an org member signed in with a token, or a host holding one of the org's API
//! keys. The HTTP layer builds a [`UsageCaller`] from either ([`UsageCaller::member`],
//! [`UsageCaller::key_holder`]), so this crate needs neither the key store nor HTTP.
//!
//! This context keeps no roles of its own: what a member may do is the kernel's matrix
//! (`Permission::ViewHoldings` reads usage and asks for access, as it reads what the org
//! holds), in [`UsagePermission::held_by_member`]; reporting usage has no member row at
//! all, since hosts report with a key. The key rows are the API keys' scopes, named in
//! [`UsagePermission::scope`].

use marketplace_kernel::access::{AccessPolicy, Actor, Permission};
use marketplace_kernel::ids::OrgId;

/// What a caller may be allowed to do with an org's usage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UsagePermission {
    /// Report usage events (`POST /v1/usage/events`): hosts, with a key, only.
    ReportUsage,
    /// Read the org's usage: reports and the "my packs" view.
    ReadUsage,
    /// Ask whether the org may use a tool and how much of a meter is left.
    CheckAccess,
}

impl UsagePermission {
    /// Every permission, in declaration order.
    pub const ALL: [Self; 3] = [Self::ReportUsage, Self::ReadUsage, Self::CheckAccess];

    /// The API-key scope that grants it.
    #[must_use]
    pub const fn scope(self) -> &'static str {
        match self {
            Self::ReportUsage => "usage:write",
            Self::ReadUsage => "usage:read",
            Self::CheckAccess => "entitlements:read",
        }
    }

    /// The permission an API-key scope grants, if it is one of this context's.
    #[must_use]
    pub fn of_scope(scope: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|permission| permission.scope() == scope)
    }

    /// Whether an org member holds it: every member may read the org's usage and ask for
    /// access (as every member sees what the org holds), and none reports usage, which
    /// hosts do with a key.
    #[must_use]
    pub fn held_by_member(self, actor: &Actor) -> bool {
        match self {
            Self::ReportUsage => false,
            Self::ReadUsage | Self::CheckAccess => {
                AccessPolicy.allows(actor, Permission::ViewHoldings)
            }
        }
    }
}

/// Who asks: the org whose usage it is, and what the caller may do with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UsageCaller {
    org_id: OrgId,
    may_write: bool,
    may_read: bool,
    may_check_access: bool,
}

impl UsageCaller {
    /// An org member, with what their roles allow.
    #[must_use]
    pub fn member(actor: &Actor) -> Self {
        Self {
            org_id: actor.org_id,
            may_write: UsagePermission::ReportUsage.held_by_member(actor),
            may_read: UsagePermission::ReadUsage.held_by_member(actor),
            may_check_access: UsagePermission::CheckAccess.held_by_member(actor),
        }
    }

    /// A host holding a key of `org_id` whose scopes grant `granted` (see
    /// [`UsagePermission::of_scope`]).
    #[must_use]
    pub fn key_holder(org_id: OrgId, granted: impl IntoIterator<Item = UsagePermission>) -> Self {
        let mut caller = Self {
            org_id,
            may_write: false,
            may_read: false,
            may_check_access: false,
        };
        for permission in granted {
            match permission {
                UsagePermission::ReportUsage => caller.may_write = true,
                UsagePermission::ReadUsage => caller.may_read = true,
                UsagePermission::CheckAccess => caller.may_check_access = true,
            }
        }
        caller
    }

    /// The org the caller acts for; every use case works on this org alone.
    #[must_use]
    pub const fn org_id(&self) -> OrgId {
        self.org_id
    }

    #[must_use]
    pub const fn may_write(&self) -> bool {
        self.may_write
    }

    #[must_use]
    pub const fn may_read(&self) -> bool {
        self.may_read
    }

    #[must_use]
    pub const fn may_check_access(&self) -> bool {
        self.may_check_access
    }

    #[must_use]
    pub const fn may(&self, permission: UsagePermission) -> bool {
        match permission {
            UsagePermission::ReportUsage => self.may_write,
            UsagePermission::ReadUsage => self.may_read,
            UsagePermission::CheckAccess => self.may_check_access,
        }
    }

    /// The caller's org, when the caller holds `permission`: what every use case asks
    /// before it touches a port.
    ///
    /// # Errors
    /// The missing permission.
    pub const fn require(&self, permission: UsagePermission) -> Result<OrgId, UsagePermission> {
        if self.may(permission) {
            Ok(self.org_id)
        } else {
            Err(permission)
        }
    }
}
