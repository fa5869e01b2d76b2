//! R-I1: what a module publishes, and what yanking does.

use marketplace_modules::{PublishError, Registry, ReleaseStatus, Request, ResolveError};

use crate::support::*;

fn data_core() -> Registry<Id> {
    Catalog::new()
        .module(
            "data-core",
            "Data Core",
            vec![
                release("1.0.0", ">=4"),
                release("1.1.0", ">=4"),
                release("1.2.0", ">=4"),
            ],
        )
        .build()
}

#[test]
fn r_i1_a_published_version_never_changes() {
    let mut registry = data_core();
    let before = registry.release(&"data-core", &v("1.1.0")).cloned();

    let again = registry.publish(
        &"data-core",
        release("1.1.0", ">=1").requires("analytics", req("^2")),
    );

    assert_eq!(
        again,
        Err(PublishError::VersionExists {
            module: "data-core",
            version: v("1.1.0")
        })
    );
    assert_eq!(registry.release(&"data-core", &v("1.1.0")).cloned(), before);
}

#[test]
fn r_i1_yanking_changes_the_status_and_nothing_else() {
    let mut registry = data_core();
    let before = registry
        .release(&"data-core", &v("1.2.0"))
        .cloned()
        .unwrap();

    registry.yank(&"data-core", &v("1.2.0")).unwrap();

    let after = registry.release(&"data-core", &v("1.2.0")).unwrap();
    assert_eq!(after.status(), ReleaseStatus::Yanked);
    assert_eq!(after.version(), before.version());
    assert_eq!(after.notes(), before.notes());
    assert_eq!(after.platform(), before.platform());
    assert_eq!(after.dependencies(), before.dependencies());
}

#[test]
fn r_i1_releases_with_build_metadata_self_or_repeated_dependencies_are_refused() {
    let mut registry = data_core();

    assert!(matches!(
        registry.publish(&"data-core", release("2.0.0+build.7", "*")),
        Err(PublishError::BuildMetadata { .. })
    ));
    assert_eq!(
        registry.publish(
            &"data-core",
            release("2.0.0", "*").requires("data-core", req("^1"))
        ),
        Err(PublishError::DependsOnItself {
            module: "data-core"
        })
    );
    assert_eq!(
        registry.publish(
            &"data-core",
            release("2.0.0", "*")
                .requires("charts", req("^1"))
                .optionally_uses("charts", req("^2"))
        ),
        Err(PublishError::DuplicateDependency {
            module: "data-core",
            dependency: "charts"
        })
    );
    assert_eq!(
        registry.publish(&"nowhere", release("1.0.0", "*")),
        Err(PublishError::UnknownModule { module: "nowhere" })
    );
}

#[test]
fn r_i1_a_yanked_version_is_chosen_for_no_new_install() {
    let registry = Catalog::new()
        .module(
            "data-core",
            "Data Core",
            vec![release("1.0.0", "*"), release("1.1.0", "*")],
        )
        .yank("data-core", "1.1.0")
        .build();

    let chosen = resolve(&registry, "4.2.0", &lock(&[]), &asking_for(&["data-core"])).unwrap();

    assert_eq!(chosen.get(&"data-core"), Some(&v("1.0.0")));
}

#[test]
fn r_i1_an_org_that_has_a_yanked_version_keeps_it() {
    let registry = Catalog::new()
        .module(
            "data-core",
            "Data Core",
            vec![release("1.0.0", "*"), release("1.1.0", "*")],
        )
        .module(
            "charts",
            "Charts",
            vec![release("1.0.0", "*").requires("data-core", req("^1"))],
        )
        .yank("data-core", "1.1.0")
        .build();
    let installed = lock(&[("data-core", "1.1.0")]);

    let chosen = resolve(&registry, "4.2.0", &installed, &asking_for(&["charts"])).unwrap();

    assert_eq!(chosen.get(&"data-core"), Some(&v("1.1.0")));
    assert_eq!(chosen.get(&"charts"), Some(&v("1.0.0")));
}

#[test]
fn r_i1_asking_for_versions_that_were_all_yanked_says_so() {
    let registry = Catalog::new()
        .module(
            "data-core",
            "Data Core",
            vec![release("1.0.0", "*"), release("2.0.0", "*")],
        )
        .yank("data-core", "2.0.0")
        .build();
    let request = Request::new().install("data-core", req("^2"));

    let answer = resolve(&registry, "4.2.0", &lock(&[]), &request);

    assert_eq!(
        answer,
        Err(ResolveError::OnlyYanked {
            module: "data-core",
            name: "Data Core".to_owned(),
            requirement: req("^2")
        })
    );
}
