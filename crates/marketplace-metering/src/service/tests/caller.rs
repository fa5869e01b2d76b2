//! The usage rows of the permission matrix, for members and for key holders.

use marketplace_kernel::access::{OrgRole, PlatformRole};

use super::support::*;
use crate::service::{UsageCaller, UsagePermission};

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

/// The rows as the rulebook states them, written out apart from
/// [`UsagePermission::held_by_member`]: every member reads usage and asks for access;
/// reporting usage is for hosts with a key, never for a signed-in member.
fn documented(permission: UsagePermission) -> bool {
    match permission {
        UsagePermission::ReportUsage => false,
        UsagePermission::ReadUsage | UsagePermission::CheckAccess => true,
    }
}

/// Joins the kernel's r_p1 matrix test once these rows move into its `Permission` table.
#[test]
fn r_p1_usage_permissions_join_the_matrix() {
    let mut cells = 0;
    for permission in UsagePermission::ALL {
        for o in ORG_ROLES {
            for p in PLATFORM_ROLES {
                let mut someone = actor(o);
                someone.platform_role = p;
                assert_eq!(
                    permission.held_by_member(&someone),
                    documented(permission),
                    "{permission:?} for org {o:?}, platform {p:?}"
                );
                assert_eq!(
                    UsageCaller::member(&someone).may(permission),
                    documented(permission)
                );
                cells += 1;
            }
        }
    }
    assert_eq!(cells, 3 * 4 * 5);
}

#[test]
fn r_p1_a_key_holder_may_do_what_its_scopes_name_and_nothing_else() {
    assert_eq!(
        UsagePermission::of_scope("usage:write"),
        Some(UsagePermission::ReportUsage)
    );
    assert_eq!(
        UsagePermission::of_scope("usage:read"),
        Some(UsagePermission::ReadUsage)
    );
    assert_eq!(
        UsagePermission::of_scope("entitlements:read"),
        Some(UsagePermission::CheckAccess)
    );
    assert_eq!(UsagePermission::of_scope("licenses:validate"), None);
    assert_eq!(UsagePermission::of_scope("USAGE:WRITE"), None);

    let writer = host();
    assert!(writer.may_write() && !writer.may_read() && !writer.may_check_access());
    assert_eq!(writer.org_id(), org());
    let checker = key_holder(&[UsagePermission::CheckAccess]);
    assert!(!checker.may_write() && !checker.may_read() && checker.may_check_access());
    assert_eq!(
        checker.require(UsagePermission::ReadUsage),
        Err(UsagePermission::ReadUsage)
    );
    assert_eq!(checker.require(UsagePermission::CheckAccess), Ok(org()));
}
