//! R-I6: newer compatible versions are listed as updates and announced to the orgs that
//! could take them; an installation whose entitlement ends is disabled, not deleted, and
//! enabled again when the entitlement returns.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use marketplace_kernel::ids::ToolId;

use super::fake::InMemoryInstallations;
use super::support::*;
use crate::installation::{ChangeRequest, InstallError, Missing, UpdateNotice};
use crate::updates::Update;
use crate::{Pricing, Registry};

#[tokio::test]
async fn r_i6_updates_are_the_newest_versions_that_fit_the_org() {
    let service = Ports::new()
        .serving(catalog())
        .holding(&[])
        .with_state(state(
            1,
            &[
                (data_core(), "1.0.0"),
                (crm_sync(), "1.0.0"),
                (reports(), "1.0.0"),
            ],
        ))
        .build();

    let updates = service.updates(&member()).await.unwrap();

    // Data Core 2.0 breaks CRM Sync; Reports 2.0 needs platform 5.
    assert_eq!(
        updates,
        [Update {
            module: data_core(),
            from: v("1.0.0"),
            to: v("1.1.0"),
            notes: "Release 1.1.0".to_owned(),
        }]
    );
}

/// The fixtures' catalog with Analytics 1.1.0 out.
fn catalog_with_analytics_update() -> Registry<ToolId> {
    let mut registry = catalog();
    registry
        .publish(
            &analytics(),
            release("1.1.0", "*").requires(data_core(), req("^1")),
        )
        .unwrap();
    registry
}

/// Analytics is installed but its entitlement ended: it is offered no update, and stays
/// exactly where it is while the org changes the rest.
#[tokio::test]
async fn r_i6_a_disabled_installation_is_kept_as_it_is_and_offered_no_update() {
    let installed = state_on(
        PLATFORM,
        1,
        &[(data_core(), "1.0.0"), (analytics(), "1.0.0")],
    );
    let service = Ports::new()
        .serving(catalog_with_analytics_update())
        .holding(&[])
        .with_state(installed)
        .build();

    let updates = service.updates(&member()).await.unwrap();
    assert_eq!(
        updates.iter().map(|u| u.module).collect::<Vec<_>>(),
        [data_core()]
    );

    let plan = service
        .plan(&owner(), &ChangeRequest::install(crm_sync(), req("*")))
        .await
        .unwrap();
    assert_eq!(plan.target().get(&analytics()), Some(&v("1.0.0")));

    let upgrade = service
        .plan(&owner(), &ChangeRequest::install(analytics(), req("^1.1")))
        .await;
    assert!(
        matches!(upgrade, Err(InstallError::NotEntitled(_))),
        "{upgrade:?}"
    );
}

/// The org holds Analytics while the shared set says so.
fn entitlements_from(ports: &mut Ports, held: Arc<Mutex<BTreeSet<ToolId>>>) {
    ports.entitlements.expect_held().returning(move |_, tools| {
        let held = held.lock().unwrap();
        Ok(tools.iter().filter(|t| held.contains(t)).copied().collect())
    });
}

/// The entitlement to an installed tool ends, then returns: the installation reads
/// disabled, still installed at its version, then enabled again, with nothing written
/// in between.
#[tokio::test]
async fn r_i6_an_installation_is_disabled_while_its_entitlement_is_gone_and_enabled_when_it_returns()
 {
    let store = Arc::new(InMemoryInstallations::new(v(PLATFORM), 0));
    let held = Arc::new(Mutex::new(BTreeSet::from([analytics()])));
    let mut ports = Ports::new().serving(catalog()).at_now();
    entitlements_from(&mut ports, held.clone());
    ports.log.expect_record().returning(|_| Ok(()));
    let service = ports.build_with(store.clone());
    service
        .apply(&owner(), &ChangeRequest::install(analytics(), req("*")))
        .await
        .unwrap();
    let enabled = |set: &crate::installation::InstalledSet| -> Vec<(ToolId, bool)> {
        set.tools.iter().map(|t| (t.tool, t.enabled)).collect()
    };

    held.lock().unwrap().clear();
    let lapsed = service.installed(&member()).await.unwrap();
    assert_eq!(
        enabled(&lapsed),
        [(data_core(), true), (analytics(), false)]
    );
    assert_eq!(
        service
            .installations(&member())
            .await
            .unwrap()
            .current()
            .lockfile()
            .get(&analytics()),
        Some(&v("1.0.0")),
        "disabled, not deleted"
    );

    held.lock().unwrap().insert(analytics());
    let restored = service.installed(&member()).await.unwrap();
    assert_eq!(
        enabled(&restored),
        [(data_core(), true), (analytics(), true)]
    );
    assert_eq!(
        restored.generation, lapsed.generation,
        "no generation in between"
    );
}

fn org_n(n: u128) -> marketplace_kernel::ids::OrgId {
    marketplace_kernel::ids::OrgId::from_uuid(uuid::Uuid::from_u128(0xA100 + n))
}

/// Data Core 2.1.0 comes out for platforms >=4.2. Org 1 runs CRM Sync, which needs Data
/// Core ^1; org 2 has Data Core 2.0.0 on platform 4.2; org 3 the same on platform 4.1.
/// Only org 2 is told.
#[tokio::test]
async fn r_i6_notice_appended_for_every_org_the_new_version_fits() {
    let shared = Arc::new(Mutex::new(catalog()));
    let mut ports = Ports::new().holding(&[]).at_now();
    let served = shared.clone();
    ports
        .catalog
        .expect_registry()
        .returning(move |_| Ok(served.lock().unwrap().clone()));
    let stored = shared.clone();
    ports
        .catalog
        .expect_publish()
        .withf(|tool, release, at| {
            *tool == data_core() && release.version == v("2.1.0") && *at == now()
        })
        .times(1)
        .returning(move |tool, release, _| {
            stored
                .lock()
                .unwrap()
                .publish(&tool, release.clone())
                .unwrap();
            Ok(())
        });
    ports
        .installations
        .expect_holding()
        .withf(|tool| *tool == data_core())
        .returning(|_| {
            Ok(vec![
                (
                    org_n(1),
                    state(1, &[(data_core(), "1.1.0"), (crm_sync(), "1.0.0")]),
                ),
                (org_n(2), state(1, &[(data_core(), "2.0.0")])),
                (org_n(3), state_on("4.1.0", 1, &[(data_core(), "2.0.0")])),
            ])
        });
    ports
        .notices
        .expect_append()
        .withf(|notices| {
            notices
                == [UpdateNotice {
                    org: org_n(2),
                    tool: data_core(),
                    from: v("2.0.0"),
                    to: v("2.1.0"),
                    notes: "Release 2.1.0".to_owned(),
                    created_at: now(),
                    read_at: None,
                }]
        })
        .times(1)
        .returning(|_| Ok(()));
    let service = ports.build();

    let published = service
        .publish_version(&platform_admin(), data_core(), release("2.1.0", ">=4.2"))
        .await
        .unwrap();

    assert_eq!(published.notified, 1);
    assert_eq!(published.version, v("2.1.0"));
}

/// A version no org could take sends no notice at all.
#[tokio::test]
async fn r_i6_no_notice_when_no_org_could_take_the_version() {
    let mut registry = catalog();
    registry
        .add_module(tool(50), "Exporter", Pricing::Free)
        .unwrap();
    let mut ports = Ports::new().serving(registry).holding(&[]).at_now();
    ports.catalog.expect_publish().returning(|_, _, _| Ok(()));
    ports
        .installations
        .expect_holding()
        .returning(|_| Ok(vec![]));
    let service = ports.build();

    let published = service
        .publish_version(&platform_admin(), tool(50), release("1.0.0", "*"))
        .await
        .unwrap();

    assert_eq!(published.notified, 0);
}

/// The port is asked for the actor's org only, so another org's notice is not found.
#[tokio::test]
async fn r_i6_notice_of_another_org_is_not_found() {
    let mut ports = Ports::new().at_now();
    ports
        .notices
        .expect_mark_read()
        .withf(|o, tool, version, _| *o == org() && *tool == data_core() && *version == v("2.1.0"))
        .times(1)
        .returning(|_, _, _, _| Ok(false));
    let service = ports.build();

    let result = service
        .mark_notice_read(&member(), data_core(), &v("2.1.0"))
        .await;

    assert!(
        matches!(result, Err(InstallError::NotFound(Missing::Notice { .. }))),
        "{result:?}"
    );
}

/// The installed set reads each installation as enabled or not from the entitlement of
/// the moment: a paid tool the org no longer holds reads disabled with nothing written, a
/// free one never does; all stay installed.
#[tokio::test]
async fn r_i6_installed_tools_read_disabled_once_their_entitlement_ends() {
    let installed = [
        (data_core(), "1.0.0"),
        (analytics(), "1.0.0"),
        (crm_sync(), "1.0.0"),
    ];
    let read = |held: &[ToolId]| {
        let service = Ports::new()
            .serving(catalog())
            .holding(held)
            .with_state(state_on(PLATFORM, 3, &installed))
            .build();
        async move { service.installed(&viewer()).await.unwrap() }
    };
    let enabled = |set: &crate::installation::InstalledSet| -> Vec<(ToolId, bool)> {
        set.tools.iter().map(|t| (t.tool, t.enabled)).collect()
    };

    let held = read(&[analytics()]).await;
    assert_eq!(held.generation.get(), 3);
    assert_eq!(held.platform, v(PLATFORM));
    assert_eq!(
        enabled(&held),
        [(data_core(), true), (crm_sync(), true), (analytics(), true)]
    );
    assert_eq!(held.tools[2].name, "Analytics");

    let lapsed = read(&[]).await;
    assert_eq!(
        enabled(&lapsed),
        [
            (data_core(), true),
            (crm_sync(), true),
            (analytics(), false)
        ],
        "the entitlement ended: disabled at once, still installed"
    );
}

/// The platform's admins set an org's platform version; build metadata is dropped, and
/// an org the platform does not know is not found.
#[tokio::test]
async fn r_i2_the_platform_sets_an_orgs_platform_version() {
    let mut ports = Ports::new();
    ports
        .installations
        .expect_set_platform()
        .withf(|o, version| *o == other_org() && *version == v("5.1.0"))
        .times(1)
        .returning(|_, _| Ok(()));
    ports
        .installations
        .expect_set_platform()
        .withf(|o, _| *o == org())
        .returning(|_, _| Err(marketplace_kernel::store::RepoError::NotFound));
    let service = ports.build();

    service
        .set_platform_version(&platform_admin(), other_org(), &v("5.1.0+build.7"))
        .await
        .unwrap();
    let unknown = service
        .set_platform_version(&platform_admin(), org(), &v("5.1.0"))
        .await;
    assert!(
        matches!(unknown, Err(InstallError::NotFound(Missing::UnknownOrg))),
        "{unknown:?}"
    );
    let denied = service
        .set_platform_version(&owner(), other_org(), &v("6.0.0"))
        .await;
    assert!(
        matches!(denied, Err(InstallError::Forbidden(_))),
        "an org's owner does not choose its platform: {denied:?}"
    );
}
