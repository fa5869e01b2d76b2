//! The permission rows of this context, and the rule that a denied call touches no port.

use marketplace_kernel::access::{Actor, OrgRole, PlatformRole};

use super::support::*;
use crate::installation::{ChangeRequest, InstallError, InstallPermission, PublishingError};
use crate::uninstall::Cascade;

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
/// [`InstallPermission::allows`]: installing is for the org's OWNER and ADMIN, publishing
/// and setting an org's platform for the platform's SUPER_ADMIN and ADMIN, reading for
/// every member, a tool's versions for everyone.
fn documented(permission: InstallPermission, o: OrgRole, p: PlatformRole) -> bool {
    match permission {
        InstallPermission::ViewInstallations => true,
        InstallPermission::InstallModules => matches!(o, OrgRole::Owner | OrgRole::Admin),
        InstallPermission::PublishVersions | InstallPermission::SetPlatformVersion => {
            matches!(p, PlatformRole::SuperAdmin | PlatformRole::Admin)
        }
        InstallPermission::BrowseVersions => true,
        InstallPermission::PublishListings => matches!(
            p,
            PlatformRole::SuperAdmin | PlatformRole::Admin | PlatformRole::Moderator
        ),
    }
}

/// These rights are rows of the kernel's matrix, and the rows say what the rulebook says.
#[test]
fn r_p1_install_permissions_join_the_matrix() {
    let mut cells = 0;
    for permission in InstallPermission::ALL {
        for o in ORG_ROLES {
            for p in PLATFORM_ROLES {
                assert_eq!(
                    permission.allows(&actor(o, p)),
                    documented(permission, o, p),
                    "{permission:?} for org {o:?}, platform {p:?}"
                );
                cells += 1;
            }
        }
    }
    assert_eq!(cells, 6 * 4 * 5);
}

fn install_request() -> ChangeRequest {
    ChangeRequest::install(crm_sync(), req("^1"))
}

fn assert_forbidden<T: std::fmt::Debug>(
    result: Result<T, InstallError>,
    permission: InstallPermission,
) {
    assert!(
        matches!(result, Err(InstallError::Forbidden(p)) if p == permission),
        "{result:?}"
    );
}

fn assert_publishing_forbidden<T: std::fmt::Debug>(result: Result<T, PublishingError>) {
    assert!(
        matches!(
            result,
            Err(PublishingError::Forbidden(
                InstallPermission::PublishVersions
            ))
        ),
        "{result:?}"
    );
}

/// Members and viewers may not change the org's installations; the ports are mocks with
/// no expectations, so any port call would fail the test.
#[tokio::test]
async fn r_i4_a_denied_change_touches_no_port() {
    for denied in [member(), viewer()] {
        let service = Ports::new().build();
        let needed = InstallPermission::InstallModules;
        assert_forbidden(service.plan(&denied, &install_request()).await, needed);
        assert_forbidden(service.apply(&denied, &install_request()).await, needed);
        assert_forbidden(
            service
                .uninstall(&denied, data_core(), Cascade::RemoveDependents)
                .await,
            needed,
        );
        assert_forbidden(service.rollback(&denied).await, needed);
    }
}

/// Publishing, yanking, re-sending notices and the platform's success rates are for
/// platform admins; an org's owner is refused before any port is asked.
#[tokio::test]
async fn r_i1_a_denied_publication_touches_no_port() {
    let denied: Actor = owner();
    let service = Ports::new().build();
    assert_publishing_forbidden(
        service
            .publish_version(&denied, data_core(), release("9.0.0", "*"))
            .await,
    );
    assert_publishing_forbidden(
        service
            .yank_version(&denied, data_core(), &v("1.0.0"))
            .await,
    );
    assert_publishing_forbidden(
        service
            .notify_update(&denied, data_core(), &v("1.0.0"))
            .await,
    );
    assert_publishing_forbidden(service.success_rates(&denied, &[data_core()]).await);
}
