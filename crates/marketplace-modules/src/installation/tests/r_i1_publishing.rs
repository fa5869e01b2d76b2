//! R-I1: a tool publishes versions; a published version never changes; a yanked one is
//! withdrawn from new installs.

use marketplace_kernel::store::RepoError;

use super::support::*;
use crate::ReleaseStatus;
use crate::installation::ports::PublishStoreError;
use crate::installation::{Missing, PublishingError};

#[tokio::test]
async fn r_i1_a_published_version_never_changes() {
    // No expectation on the catalog's publish: the second publication is refused first.
    let service = Ports::new().serving(catalog()).build();

    let result = service
        .publish_version(
            &platform_admin(),
            data_core(),
            release("1.0.0", "*").with_notes("Rewritten"),
        )
        .await;

    assert!(
        matches!(
            &result,
            Err(PublishingError::VersionExists { tool, version })
                if *tool == data_core() && *version == v("1.0.0")
        ),
        "{result:?}"
    );
}

/// Two publications of one version raced past the check: the store's unique key decides,
/// and the loser hears the same conflict.
#[tokio::test]
async fn r_i1_a_publication_that_lost_the_race_is_the_same_conflict() {
    let mut ports = Ports::new().serving(catalog()).at_now();
    ports
        .catalog
        .expect_publish()
        .times(1)
        .returning(|_, _, _| Err(PublishStoreError::VersionTaken));
    let service = ports.build();

    let result = service
        .publish_version(&platform_admin(), data_core(), release("3.0.0", "*"))
        .await;

    assert!(
        matches!(result, Err(PublishingError::VersionExists { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn r_i1_a_release_depending_on_its_own_tool_is_invalid() {
    let service = Ports::new().serving(catalog()).build();

    let result = service
        .publish_version(
            &platform_admin(),
            data_core(),
            release("3.0.0", "*").requires(data_core(), req("^1")),
        )
        .await;

    assert!(
        matches!(&result, Err(PublishingError::Invalid(field)) if field.field == "dependencies"),
        "{result:?}"
    );
}

#[tokio::test]
async fn r_i1_yanking_an_unknown_version_is_not_found() {
    let mut ports = Ports::new();
    ports
        .catalog
        .expect_yank()
        .withf(|tool, version| *tool == data_core() && *version == v("7.0.0"))
        .returning(|_, _| Err(RepoError::NotFound));
    let service = ports.build();

    let result = service
        .yank_version(&platform_admin(), data_core(), &v("7.0.0"))
        .await;

    assert!(
        matches!(
            result,
            Err(PublishingError::NotFound(Missing::Version { .. }))
        ),
        "{result:?}"
    );
}

/// The version is stored even when its notices fail: the error says so, and sending the
/// notices again is how to finish.
#[tokio::test]
async fn r_i1_a_version_stays_published_when_its_notices_fail() {
    let mut ports = Ports::new().serving(catalog()).at_now();
    ports
        .catalog
        .expect_publish()
        .times(1)
        .returning(|_, _, _| Ok(()));
    ports
        .installations
        .expect_holding()
        .returning(|_| Err(RepoError::Stale("holding")));
    let service = ports.build();

    let result = service
        .publish_version(&platform_admin(), data_core(), release("3.0.0", "*"))
        .await;

    assert!(
        matches!(&result, Err(PublishingError::NoticesNotSent { version, .. }) if *version == v("3.0.0")),
        "{result:?}"
    );
}

/// A dependency on a tool the catalog does not list is refused before anything is stored:
/// no resolution could ever meet it.
#[tokio::test]
async fn r_i1_a_release_depending_on_an_unlisted_tool_is_invalid() {
    // No expectation on the catalog's publish: the refusal comes first.
    let service = Ports::new().serving(catalog()).build();
    let unlisted = tool(99);

    let result = service
        .publish_version(
            &platform_admin(),
            reports(),
            release("3.0.0", "*").requires(unlisted, req("^1")),
        )
        .await;

    assert!(
        matches!(&result, Err(PublishingError::Invalid(fault)) if fault.field == "dependencies"),
        "{result:?}"
    );
}

/// The versions list: every release of the tool with its status and publication time.
#[tokio::test]
async fn r_i1_versions_list_every_release_with_its_status_and_time() {
    let mut registry = catalog();
    registry.yank(&data_core(), &v("1.1.0")).unwrap();
    let mut ports = Ports::new().serving(registry);
    ports.catalog.expect_release_dates().returning(|_| {
        Ok(["1.0.0", "1.1.0", "2.0.0"]
            .into_iter()
            .map(|version| (v(version), now()))
            .collect())
    });
    let service = ports.build();

    let listed = service.versions(&viewer(), data_core()).await.unwrap();

    let seen: Vec<(String, ReleaseStatus)> = listed
        .iter()
        .map(|l| (l.release.version().to_string(), l.release.status()))
        .collect();
    assert_eq!(
        seen,
        [
            ("1.0.0".to_owned(), ReleaseStatus::Published),
            ("1.1.0".to_owned(), ReleaseStatus::Yanked),
            ("2.0.0".to_owned(), ReleaseStatus::Published),
        ]
    );
    assert!(listed.iter().all(|l| l.published_at == now()));
}

#[tokio::test]
async fn r_i1_versions_of_an_unlisted_tool_are_not_found() {
    let service = Ports::new().serving(catalog()).build();

    let result = service.versions(&viewer(), tool(99)).await;

    assert!(
        matches!(result, Err(PublishingError::NotFound(Missing::Tool(t))) if t == tool(99)),
        "{result:?}"
    );
}

/// A stored version without its publication time is the store's inconsistency, not an
/// empty answer.
#[tokio::test]
async fn r_i1_a_version_without_its_publication_time_is_an_infrastructure_fault() {
    let mut ports = Ports::new().serving(catalog());
    ports
        .catalog
        .expect_release_dates()
        .returning(|_| Ok(std::collections::BTreeMap::new()));
    let service = ports.build();

    let result = service.versions(&viewer(), data_core()).await;

    assert!(
        matches!(
            result,
            Err(PublishingError::Infrastructure(RepoError::Corrupt { .. }))
        ),
        "{result:?}"
    );
}
