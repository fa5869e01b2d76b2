//! R-I3: when no set of versions works, the buyer reads why, in plain sentences.

use std::collections::BTreeSet;

use marketplace_modules::{Request, ResolveError, Resolver};

use crate::support::*;

#[test]
fn r_i3_a_platform_too_old_is_named_with_the_versions_that_need_more() {
    let registry = Catalog::new()
        .module(
            "report-builder",
            "Report Builder",
            vec![
                release("1.0.0", ">=4"),
                release("2.0.0", ">=5.0"),
                release("2.1.0", ">=5.0"),
            ],
        )
        .build();
    let request = Request::new().install("report-builder", req("^2"));

    let answer = resolve(&registry, "4.2.0", &lock(&[]), &request);

    let Err(ResolveError::Conflict(conflict)) = answer else {
        panic!("expected a conflict, got {answer:?}");
    };
    assert_eq!(
        conflict.sentences(),
        [
            "Report Builder 2.x needs platform >=5.0.0, but your platform is 4.2.0.",
            "You asked for Report Builder ^2."
        ]
    );
    assert!(conflict.involves_platform());
    assert_eq!(conflict.modules(), &BTreeSet::from(["report-builder"]));
}

#[test]
fn r_i3_two_modules_needing_different_majors_of_a_third_are_set_against_each_other() {
    let registry = Catalog::new()
        .module(
            "data-core",
            "Data Core",
            vec![release("1.4.0", "*"), release("2.0.0", "*")],
        )
        .module(
            "analytics",
            "Analytics",
            vec![release("3.1.0", "*").requires("data-core", req("^1"))],
        )
        .module(
            "crm-sync",
            "CRM Sync",
            vec![release("1.3.0", "*").requires("data-core", req("^2"))],
        )
        .build();
    let installed = lock(&[("analytics", "3.1.0"), ("data-core", "1.4.0")]);

    let answer = resolve(&registry, "4.2.0", &installed, &asking_for(&["crm-sync"]));

    let Err(ResolveError::Conflict(conflict)) = answer else {
        panic!("expected a conflict, got {answer:?}");
    };
    assert!(
        conflict.sentences().contains(
            &"CRM Sync 1.3.0 needs Data Core ^2, but Analytics 3.1.0 needs Data Core ^1."
                .to_owned()
        ),
        "{conflict}"
    );
    assert!(
        conflict
            .sentences()
            .contains(&"You asked for CRM Sync.".to_owned()),
        "{conflict}"
    );
    assert!(!conflict.involves_platform());
    assert_eq!(
        conflict.modules(),
        &BTreeSet::from(["analytics", "crm-sync", "data-core"])
    );
}

#[test]
fn r_i3_a_requirement_no_version_meets_is_said_with_what_is_missing() {
    let registry = Catalog::new()
        .module("data-core", "Data Core", vec![release("2.4.0", "*")])
        .module(
            "crm-sync",
            "CRM Sync",
            vec![release("1.3.0", "*").requires("data-core", req("^3"))],
        )
        .build();

    let sentences = conflict_sentences(resolve(
        &registry,
        "4.2.0",
        &lock(&[]),
        &asking_for(&["crm-sync"]),
    ));

    assert_eq!(
        sentences,
        [
            "CRM Sync 1.3.0 needs Data Core ^3, but no version of Data Core matches ^3.",
            "You asked for CRM Sync."
        ]
    );
}

#[test]
fn r_i3_a_dependency_the_org_is_not_entitled_to_is_named() {
    let registry = Catalog::new()
        .paid("insights", "AI Insights", vec![release("1.0.0", "*")])
        .module(
            "dashboard",
            "Dashboard",
            vec![release("2.0.0", "*").requires("insights", req("^1"))],
        )
        .build();

    let answer = Resolver::new(&registry, &entitled_to_nothing, v("4.2.0"))
        .resolve(&lock(&[]), &asking_for(&["dashboard"]));

    assert_eq!(
        conflict_sentences(answer)[0],
        "Dashboard 2.0.0 needs AI Insights ^1, but your organization is not entitled to AI Insights."
    );
}

#[test]
fn r_i3_a_dependency_whose_versions_were_withdrawn_is_named() {
    let registry = Catalog::new()
        .module(
            "data-core",
            "Data Core",
            vec![
                release("1.0.0", "*"),
                release("2.0.0", "*"),
                release("2.1.0", "*"),
            ],
        )
        .module(
            "crm-sync",
            "CRM Sync",
            vec![release("1.3.0", "*").requires("data-core", req("^2"))],
        )
        .yank("data-core", "2.0.0")
        .yank("data-core", "2.1.0")
        .build();

    let sentences = conflict_sentences(resolve(
        &registry,
        "4.2.0",
        &lock(&[]),
        &asking_for(&["crm-sync"]),
    ));

    assert_eq!(
        sentences[0],
        "CRM Sync 1.3.0 needs Data Core ^2, but Data Core 2.0.0 and 2.1.0 have been withdrawn by their publisher."
    );
}

#[test]
fn r_i3_a_dependency_missing_from_the_catalog_is_named() {
    let registry = Catalog::new()
        .module(
            "crm-sync",
            "CRM Sync",
            vec![release("1.3.0", "*").requires("legacy-bridge", req("^1"))],
        )
        .build();

    let sentences = conflict_sentences(resolve(
        &registry,
        "4.2.0",
        &lock(&[]),
        &asking_for(&["crm-sync"]),
    ));

    assert_eq!(
        sentences[0],
        "CRM Sync 1.3.0 needs legacy-bridge ^1, but legacy-bridge is not in the catalog."
    );
}

#[test]
fn r_i3_a_chain_of_requirements_names_every_link() {
    let registry = Catalog::new()
        .module(
            "crm-sync",
            "CRM Sync",
            vec![release("1.0.0", "*").requires("connectors", req("^1"))],
        )
        .module(
            "connectors",
            "Connectors",
            vec![
                release("1.0.0", ">=5").requires("data-core", req("^1")),
                release("1.1.0", ">=5.1").requires("data-core", req("^1")),
            ],
        )
        .module("data-core", "Data Core", vec![release("1.0.0", "*")])
        .build();

    let answer = resolve(&registry, "4.2.0", &lock(&[]), &asking_for(&["crm-sync"]));

    let Err(ResolveError::Conflict(conflict)) = answer else {
        panic!("expected a conflict, got {answer:?}");
    };
    let text = conflict.to_string();
    assert!(
        text.contains("CRM Sync 1.0.0 needs Connectors ^1"),
        "{text}"
    );
    assert!(text.contains("but your platform is 4.2.0"), "{text}");
    assert!(text.contains("You asked for CRM Sync."), "{text}");
    assert_eq!(
        conflict.modules(),
        &BTreeSet::from(["connectors", "crm-sync"])
    );
}
