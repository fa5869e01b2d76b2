//! Who acts and what they may do (R-T2, R-P1). The permission matrix is data, kept here
//! and nowhere else: [`Permission::holders`] is its one table, and every use case asks
//! [`AccessPolicy::require`] before touching a port.

use crate::ids::{OrgId, UserId};

/// A user's role inside their organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrgRole {
    Owner,
    Admin,
    Member,
    Viewer,
}

/// A user's role on the platform as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlatformRole {
    SuperAdmin,
    Admin,
    Moderator,
    Employee,
    User,
}

/// Who is acting: a user of one organization, with their two roles (R-T2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actor {
    pub user_id: UserId,
    pub org_id: OrgId,
    pub org_role: OrgRole,
    pub platform_role: PlatformRole,
}

/// What an actor may be allowed to do. Who holds each one is [`Permission::holders`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Permission {
    BrowseCatalog,
    UseCart,
    /// Check out, cancel, see orders and purchases.
    Purchase,
    /// See what the org holds and its figures.
    ViewHoldings,
    /// Write a review, vote, flag (also needs an entitlement: R-V2).
    Review,
    ModerateReviews,
    /// Create and edit tools and bundles; see draft and archived bundles.
    ManageCatalog,
    /// Refund purchases and mark invoice orders paid.
    ManageBilling,
    /// Create, rename and re-tier orgs; grant them platform credits.
    ManageOrgs,
    /// Create, edit and list sellers, assign tools to them, read the revenue reports.
    ManageSellers,
    /// See the seller the actor's org manages: its profile, statements and payouts.
    ViewSellerAccount,
    /// Onboard the seller the actor's org manages with the payout provider.
    ManageSellerAccount,
    /// Plan, apply, roll back and uninstall the org's modules (R-I4, R-I5).
    InstallModules,
    /// Publish and yank module versions and read every tool's install success rate
    /// (R-I1, R-I7).
    PublishVersions,
    /// Create, list and revoke the org's API keys (R-A4).
    ManageApiKeys,
    /// Register the org as a seller, draft and submit its listings, set its opt-in
    /// (R-G1, R-G2, R-G5).
    ManageListings,
    /// Decide on submitted listings (R-G3).
    ModerateListings,
    /// Publish what an approved listing proposes (a tool with its plans, a bundle, a
    /// version, an edit) through the catalog's, plans' and modules' publishing entry
    /// points (R-G3); not the catalog's other edits.
    PublishListings,
    /// Read every org's audit trail (R-T8).
    ReadAuditTrail,
    /// Read the actor's own org's audit trail (R-T8).
    ReadOrgAuditTrail,
    /// Erase another user's personal data (R-T9); a user erases their own without it.
    EraseUsers,
}

/// One row of the matrix: who holds a permission.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holders {
    /// Every authenticated actor, whatever their roles.
    Everyone,
    /// Actors holding one of these roles in their own org.
    OrgRoles(&'static [OrgRole]),
    /// Actors holding one of these roles on the platform.
    PlatformRoles(&'static [PlatformRole]),
}

impl Holders {
    /// Whether `actor` is one of these holders.
    #[must_use]
    pub fn include(&self, actor: &Actor) -> bool {
        match self {
            Self::Everyone => true,
            Self::OrgRoles(roles) => roles.contains(&actor.org_role),
            Self::PlatformRoles(roles) => roles.contains(&actor.platform_role),
        }
    }
}

/// The org's owners: they answer for it, and read its audit trail.
const ORG_OWNERS: &[OrgRole] = &[OrgRole::Owner];
/// Org roles that spend the org's money and speak for it.
const ORG_OWNERS_AND_ADMINS: &[OrgRole] = &[OrgRole::Owner, OrgRole::Admin];
/// Org roles that take part (every role but VIEWER).
const ORG_PARTICIPANTS: &[OrgRole] = &[OrgRole::Owner, OrgRole::Admin, OrgRole::Member];
/// Platform roles that run the marketplace.
const PLATFORM_ADMINS: &[PlatformRole] = &[PlatformRole::SuperAdmin, PlatformRole::Admin];
/// Platform roles that moderate reviews.
const PLATFORM_MODERATORS: &[PlatformRole] = &[
    PlatformRole::SuperAdmin,
    PlatformRole::Admin,
    PlatformRole::Moderator,
];

impl Permission {
    /// Every permission, in declaration order.
    pub const ALL: [Self; 21] = [
        Self::BrowseCatalog,
        Self::UseCart,
        Self::Purchase,
        Self::ViewHoldings,
        Self::Review,
        Self::ModerateReviews,
        Self::ManageCatalog,
        Self::ManageBilling,
        Self::ManageOrgs,
        Self::ManageSellers,
        Self::ViewSellerAccount,
        Self::ManageSellerAccount,
        Self::InstallModules,
        Self::PublishVersions,
        Self::ManageApiKeys,
        Self::ManageListings,
        Self::ModerateListings,
        Self::PublishListings,
        Self::ReadAuditTrail,
        Self::ReadOrgAuditTrail,
        Self::EraseUsers,
    ];

    /// The permission matrix (R-P1), one row per permission:
    ///
    /// | permission | held by |
    /// |---|---|
    /// | `BrowseCatalog` | everyone |
    /// | `ViewHoldings` | everyone (of the org: R-T3 scopes the data) |
    /// | `UseCart`, `Review` | org OWNER, ADMIN, MEMBER |
    /// | `Purchase` | org OWNER, ADMIN |
    /// | `ModerateReviews` | platform SUPER_ADMIN, ADMIN, MODERATOR |
    /// | `ManageCatalog` (tools, bundles) | platform SUPER_ADMIN, ADMIN |
    /// | `ManageBilling` (refunds, invoices paid) | platform SUPER_ADMIN, ADMIN |
    /// | `ManageOrgs` (orgs, their credits) | platform SUPER_ADMIN, ADMIN |
    /// | `ManageSellers` (sellers, tools, reports) | platform SUPER_ADMIN, ADMIN |
    /// | `ViewSellerAccount` | everyone (of the seller's org: a lookup scopes the data) |
    /// | `ManageSellerAccount` | org OWNER, ADMIN |
    /// | `InstallModules` (plan, apply, roll back, uninstall) | org OWNER, ADMIN |
    /// | `PublishVersions` (versions, every tool's success rate) | platform SUPER_ADMIN, ADMIN |
    /// | `ManageApiKeys` (R-A4) | org OWNER, ADMIN |
    /// | `ManageListings` (register, draft, submit, opt-in: R-G1, R-G2, R-G5) | org OWNER, ADMIN |
    /// | `ModerateListings` (R-G3) | platform SUPER_ADMIN, ADMIN, MODERATOR |
    /// | `PublishListings` (an approved listing's publication: R-G3) | platform SUPER_ADMIN, ADMIN, MODERATOR |
    /// | `ReadAuditTrail` (every org's: R-T8) | platform SUPER_ADMIN, ADMIN |
    /// | `ReadOrgAuditTrail` (the org's own: R-T8) | org OWNER |
    /// | `EraseUsers` (another user's personal data: R-T9) | platform SUPER_ADMIN, ADMIN |
    ///
    /// Reading the org's installations, updates, notices and history is `ViewHoldings`;
    /// a seller's own install figures are `ViewSellerAccount`.
    ///
    /// The original marketplace let any member check out; only owners and admins spend the
    /// org's money here.
    #[must_use]
    pub const fn holders(self) -> Holders {
        match self {
            Self::BrowseCatalog | Self::ViewHoldings | Self::ViewSellerAccount => Holders::Everyone,
            Self::UseCart | Self::Review => Holders::OrgRoles(ORG_PARTICIPANTS),
            Self::Purchase
            | Self::ManageSellerAccount
            | Self::InstallModules
            | Self::ManageApiKeys
            | Self::ManageListings => Holders::OrgRoles(ORG_OWNERS_AND_ADMINS),
            Self::ReadOrgAuditTrail => Holders::OrgRoles(ORG_OWNERS),
            Self::ModerateReviews | Self::ModerateListings | Self::PublishListings => {
                Holders::PlatformRoles(PLATFORM_MODERATORS)
            }
            Self::ManageCatalog
            | Self::ManageBilling
            | Self::ManageOrgs
            | Self::ManageSellers
            | Self::PublishVersions
            | Self::ReadAuditTrail
            | Self::EraseUsers => Holders::PlatformRoles(PLATFORM_ADMINS),
        }
    }
}

/// The action was not allowed for this actor. Carries the permission so a caller can say
/// what was missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("forbidden: the caller lacks the {0:?} permission")]
pub struct Forbidden(pub Permission);

/// Asks the permission matrix ([`Permission::holders`]).
#[derive(Clone, Copy, Debug, Default)]
pub struct AccessPolicy;

impl AccessPolicy {
    /// Whether `actor` holds `permission`.
    #[must_use]
    pub fn allows(&self, actor: &Actor, permission: Permission) -> bool {
        permission.holders().include(actor)
    }

    /// # Errors
    /// [`Forbidden`] when the actor lacks `permission`.
    pub fn require(&self, actor: &Actor, permission: Permission) -> Result<(), Forbidden> {
        if self.allows(actor, permission) {
            Ok(())
        } else {
            Err(Forbidden(permission))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn actor(org_role: OrgRole, platform_role: PlatformRole) -> Actor {
        Actor {
            user_id: UserId::from_uuid(Uuid::from_u128(1)),
            org_id: OrgId::from_uuid(Uuid::from_u128(2)),
            org_role,
            platform_role,
        }
    }

    const ORG_ROLES: [OrgRole; 4] = [
        OrgRole::Owner,
        OrgRole::Admin,
        OrgRole::Member,
        OrgRole::Viewer,
    ];
    const PLATFORM_ROLES: [PlatformRole; 5] = [
        PlatformRole::SuperAdmin,
        PlatformRole::Admin,
        PlatformRole::Moderator,
        PlatformRole::Employee,
        PlatformRole::User,
    ];

    /// The matrix of domain-rules.md written out independently of [`Permission::holders`]:
    /// whether an actor with these roles holds `permission`.
    fn documented(permission: Permission, o: OrgRole, pr: PlatformRole) -> bool {
        use OrgRole as O;
        use PlatformRole as P;
        match permission {
            Permission::BrowseCatalog
            | Permission::ViewHoldings
            | Permission::ViewSellerAccount => true,
            Permission::UseCart | Permission::Review => o != O::Viewer,
            Permission::Purchase
            | Permission::ManageSellerAccount
            | Permission::InstallModules
            | Permission::ManageApiKeys
            | Permission::ManageListings => {
                matches!(o, O::Owner | O::Admin)
            }
            Permission::ModerateReviews
            | Permission::ModerateListings
            | Permission::PublishListings => {
                matches!(pr, P::SuperAdmin | P::Admin | P::Moderator)
            }
            Permission::ManageCatalog
            | Permission::ManageBilling
            | Permission::ManageOrgs
            | Permission::ManageSellers
            | Permission::PublishVersions
            | Permission::ReadAuditTrail
            | Permission::EraseUsers => matches!(pr, P::SuperAdmin | P::Admin),
            Permission::ReadOrgAuditTrail => o == OrgRole::Owner,
        }
    }

    /// The whole matrix of domain-rules.md, cell by cell: every permission for every pair
    /// of roles.
    #[test]
    fn r_p1_permission_matrix() {
        let p = AccessPolicy;
        let mut cells = 0;
        for permission in Permission::ALL {
            for o in ORG_ROLES {
                for pr in PLATFORM_ROLES {
                    assert_eq!(
                        p.allows(&actor(o, pr), permission),
                        documented(permission, o, pr),
                        "{permission:?} for org {o:?}, platform {pr:?}"
                    );
                    cells += 1;
                }
            }
        }
        assert_eq!(cells, 21 * 4 * 5, "every cell was walked");
        for o in ORG_ROLES {
            for pr in PLATFORM_ROLES {
                let a = actor(o, pr);
                assert!(p.allows(&a, Permission::BrowseCatalog));
                assert_eq!(
                    p.allows(&a, Permission::UseCart),
                    o != OrgRole::Viewer,
                    "{o:?}"
                );
                assert_eq!(
                    p.allows(&a, Permission::Review),
                    o != OrgRole::Viewer,
                    "{o:?}"
                );
                assert_eq!(
                    p.allows(&a, Permission::Purchase),
                    matches!(o, OrgRole::Owner | OrgRole::Admin),
                    "the original design let anyone check out; only owners and admins may"
                );
                assert_eq!(
                    p.allows(&a, Permission::ModerateReviews),
                    matches!(
                        pr,
                        PlatformRole::SuperAdmin | PlatformRole::Admin | PlatformRole::Moderator
                    )
                );
                for admin_only in [
                    Permission::ManageCatalog,
                    Permission::ManageBilling,
                    Permission::ManageOrgs,
                    Permission::ManageSellers,
                    Permission::PublishVersions,
                ] {
                    assert_eq!(
                        p.allows(&a, admin_only),
                        matches!(pr, PlatformRole::SuperAdmin | PlatformRole::Admin),
                        "{admin_only:?}"
                    );
                }
                assert_eq!(
                    p.allows(&a, Permission::PublishListings),
                    matches!(
                        pr,
                        PlatformRole::SuperAdmin | PlatformRole::Admin | PlatformRole::Moderator
                    ),
                    "R-G3: a moderator publishes what it approved without editing the catalog"
                );
                assert!(
                    p.allows(&a, Permission::ViewSellerAccount),
                    "every user of a seller's org sees its statements"
                );
                assert_eq!(
                    p.allows(&a, Permission::ManageSellerAccount),
                    matches!(o, OrgRole::Owner | OrgRole::Admin),
                    "only the org's owners and admins onboard its seller"
                );
                assert_eq!(
                    p.allows(&a, Permission::InstallModules),
                    matches!(o, OrgRole::Owner | OrgRole::Admin),
                    "only the org's owners and admins change its installed modules"
                );
                assert_eq!(
                    p.allows(&a, Permission::ManageApiKeys),
                    matches!(o, OrgRole::Owner | OrgRole::Admin),
                    "R-A4: only the org's owners and admins manage its API keys, whatever the platform role"
                );
                assert_eq!(
                    p.allows(&a, Permission::ReadOrgAuditTrail),
                    o == OrgRole::Owner,
                    "R-T8: only the org's owners read its audit trail, whatever the platform role"
                );
            }
        }
    }

    /// `ALL` lists each permission once, in declaration order, so the matrix walk above
    /// misses none.
    #[test]
    fn r_p1_the_matrix_lists_every_permission_once() {
        let position = |p: Permission| match p {
            Permission::BrowseCatalog => 0,
            Permission::UseCart => 1,
            Permission::Purchase => 2,
            Permission::ViewHoldings => 3,
            Permission::Review => 4,
            Permission::ModerateReviews => 5,
            Permission::ManageCatalog => 6,
            Permission::ManageBilling => 7,
            Permission::ManageOrgs => 8,
            Permission::ManageSellers => 9,
            Permission::ViewSellerAccount => 10,
            Permission::ManageSellerAccount => 11,
            Permission::InstallModules => 12,
            Permission::PublishVersions => 13,
            Permission::ManageApiKeys => 14,
            Permission::ManageListings => 15,
            Permission::ModerateListings => 16,
            Permission::PublishListings => 17,
            Permission::ReadAuditTrail => 18,
            Permission::ReadOrgAuditTrail => 19,
            Permission::EraseUsers => 20,
        };
        for (i, p) in Permission::ALL.into_iter().enumerate() {
            assert_eq!(position(p), i, "{p:?}");
        }
    }

    #[test]
    fn r_p1_require_names_the_missing_permission() {
        let a = actor(OrgRole::Member, PlatformRole::User);
        assert_eq!(
            AccessPolicy.require(&a, Permission::Purchase),
            Err(Forbidden(Permission::Purchase))
        );
        assert_eq!(
            AccessPolicy.require(&a, Permission::ManageSellerAccount),
            Err(Forbidden(Permission::ManageSellerAccount))
        );
        assert_eq!(AccessPolicy.require(&a, Permission::UseCart), Ok(()));
    }
}
