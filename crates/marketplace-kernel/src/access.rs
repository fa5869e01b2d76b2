//! Who acts and what they may do (R-T2, R-P1). The permission matrix is data, kept here
//! and nowhere else; every use case asks [`AccessPolicy::require`] before touching a port.

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

/// What an actor may be allowed to do.
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
    /// Edit the catalog, refund, mark invoices paid, manage orgs.
    AdministerCatalog,
}

/// The action was not allowed for this actor. Carries the permission so a caller can say
/// what was missing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("forbidden: the caller lacks the {0:?} permission")]
pub struct Forbidden(pub Permission);

/// The permission matrix of the marketplace (the original design's "anyone may check out"
/// bug fixed).
#[derive(Clone, Copy, Debug, Default)]
pub struct AccessPolicy;

impl AccessPolicy {
    /// Whether `actor` holds `permission`.
    #[must_use]
    pub fn allows(&self, actor: &Actor, permission: Permission) -> bool {
        use OrgRole as O;
        use PlatformRole as P;
        match permission {
            Permission::BrowseCatalog | Permission::ViewHoldings => true,
            Permission::UseCart | Permission::Review => {
                matches!(actor.org_role, O::Owner | O::Admin | O::Member)
            }
            Permission::Purchase => matches!(actor.org_role, O::Owner | O::Admin),
            Permission::ModerateReviews => {
                matches!(actor.platform_role, P::SuperAdmin | P::Admin | P::Moderator)
            }
            Permission::AdministerCatalog => {
                matches!(actor.platform_role, P::SuperAdmin | P::Admin)
            }
        }
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

    /// The whole matrix of domain-rules.md, cell by cell.
    #[test]
    fn r_p1_permission_matrix() {
        let p = AccessPolicy;
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
                assert_eq!(
                    p.allows(&a, Permission::AdministerCatalog),
                    matches!(pr, PlatformRole::SuperAdmin | PlatformRole::Admin)
                );
            }
        }
    }

    #[test]
    fn r_p1_require_names_the_missing_permission() {
        let a = actor(OrgRole::Member, PlatformRole::User);
        assert_eq!(
            AccessPolicy.require(&a, Permission::Purchase),
            Err(Forbidden(Permission::Purchase))
        );
    }
}
