//! R-I5: a module others require is not uninstalled, unless the cascade is asked for.

use std::collections::BTreeSet;

use marketplace_modules::{
    Cascade, Generation, GenerationNumber, Registry, Step, UninstallError, plan_uninstall,
};

use crate::support::*;

/// Reports and Exports require Data Core; Scheduler requires Reports; Charts only
/// optionally uses Data Core; Mail Merge and CRM Sync require each other.
fn catalog() -> Registry<Id> {
    Catalog::new()
        .module("data-core", "Data Core", vec![release("1.0.0", "*")])
        .module(
            "reports",
            "Reports",
            vec![release("1.0.0", "*").requires("data-core", req("^1"))],
        )
        .module(
            "exports",
            "Exports",
            vec![release("1.0.0", "*").requires("data-core", req("^1"))],
        )
        .module(
            "scheduler",
            "Scheduler",
            vec![release("1.0.0", "*").requires("reports", req("^1"))],
        )
        .module(
            "charts",
            "Charts",
            vec![release("1.0.0", "*").optionally_uses("data-core", req("^1"))],
        )
        .module(
            "crm",
            "CRM Sync",
            vec![release("1.0.0", "*").requires("mail", req("^1"))],
        )
        .module(
            "mail",
            "Mail Merge",
            vec![release("1.0.0", "*").requires("crm", req("^1"))],
        )
        .build()
}

fn everything_installed() -> Generation<Id> {
    Generation::restore(
        GenerationNumber::new(7),
        lock(&[
            ("charts", "1.0.0"),
            ("crm", "1.0.0"),
            ("data-core", "1.0.0"),
            ("exports", "1.0.0"),
            ("mail", "1.0.0"),
            ("reports", "1.0.0"),
            ("scheduler", "1.0.0"),
        ]),
    )
}

fn removed(steps: &[Step<Id>]) -> BTreeSet<Id> {
    steps
        .iter()
        .map(|step| match step {
            Step::Remove { module, .. } => *module,
            other => panic!("an uninstall only removes, got {other:?}"),
        })
        .collect()
}

#[test]
fn r_i5_uninstalling_a_required_module_is_refused_and_names_the_modules_requiring_it() {
    let answer = plan_uninstall(
        &catalog(),
        &everything_installed(),
        &"data-core",
        Cascade::Refuse,
    );

    let Err(error) = answer else {
        panic!("expected a refusal, got {answer:?}");
    };
    assert_eq!(
        error,
        UninstallError::RequiredBy {
            module: "data-core",
            name: "Data Core".to_owned(),
            dependents: BTreeSet::from(["exports", "reports"]),
            dependent_names: vec!["Exports".to_owned(), "Reports".to_owned()],
        }
    );
    assert_eq!(
        error.to_string(),
        "Data Core is required by Exports, Reports"
    );
}

#[test]
fn r_i5_the_cascade_removes_the_dependents_transitively() {
    let plan = plan_uninstall(
        &catalog(),
        &everything_installed(),
        &"data-core",
        Cascade::RemoveDependents,
    )
    .unwrap();

    assert_eq!(
        removed(plan.steps()),
        BTreeSet::from(["data-core", "exports", "reports", "scheduler"])
    );
    assert!(plan.target().contains(&"charts"));
}

#[test]
fn r_i5_a_module_nothing_requires_is_uninstalled_alone() {
    let plan = plan_uninstall(
        &catalog(),
        &everything_installed(),
        &"scheduler",
        Cascade::Refuse,
    )
    .unwrap();

    assert_eq!(removed(plan.steps()), BTreeSet::from(["scheduler"]));
    assert_eq!(plan.base(), GenerationNumber::new(7));
}

#[test]
fn r_i5_optional_dependents_do_not_hold_a_module_back() {
    let installed = Generation::restore(
        GenerationNumber::new(2),
        lock(&[("charts", "1.0.0"), ("data-core", "1.0.0")]),
    );

    let plan = plan_uninstall(&catalog(), &installed, &"data-core", Cascade::Refuse).unwrap();

    assert_eq!(removed(plan.steps()), BTreeSet::from(["data-core"]));
}

#[test]
fn r_i5_modules_requiring_each_other_go_together_only_by_cascade() {
    let refused = plan_uninstall(&catalog(), &everything_installed(), &"crm", Cascade::Refuse);
    let cascade = plan_uninstall(
        &catalog(),
        &everything_installed(),
        &"crm",
        Cascade::RemoveDependents,
    )
    .unwrap();

    assert!(matches!(
        refused,
        Err(UninstallError::RequiredBy { dependents, .. }) if dependents == BTreeSet::from(["mail"])
    ));
    assert_eq!(removed(cascade.steps()), BTreeSet::from(["crm", "mail"]));
}

#[test]
fn r_i5_uninstalling_what_is_not_installed_is_refused() {
    let answer = plan_uninstall(
        &catalog(),
        &Generation::initial(),
        &"reports",
        Cascade::RemoveDependents,
    );

    assert_eq!(
        answer,
        Err(UninstallError::NotInstalled {
            module: "reports",
            name: "Reports".to_owned()
        })
    );
}
