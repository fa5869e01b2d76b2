//! R-I4: plans as the difference between two lockfiles, generations, rollbacks.

use marketplace_modules::{
    Generation, GenerationNumber, InstallPlan, NotEarlier, Request, Resolver, RollbackPlan,
    StalePlan, Step, diff,
};

use crate::support::*;

#[test]
fn r_i4_a_plan_lists_installs_upgrades_downgrades_and_removals() {
    let before = lock(&[
        ("analytics", "3.1.0"),
        ("charts", "1.0.0"),
        ("data-core", "2.0.0"),
        ("legacy", "0.9.0"),
    ]);
    let after = lock(&[
        ("analytics", "3.1.0"),
        ("charts", "1.4.0"),
        ("crm-sync", "1.3.0"),
        ("data-core", "1.8.0"),
    ]);

    assert_eq!(
        diff(&before, &after),
        [
            Step::Upgrade {
                module: "charts",
                from: v("1.0.0"),
                to: v("1.4.0")
            },
            Step::Install {
                module: "crm-sync",
                version: v("1.3.0")
            },
            Step::Downgrade {
                module: "data-core",
                from: v("2.0.0"),
                to: v("1.8.0")
            },
            Step::Remove {
                module: "legacy",
                version: v("0.9.0")
            },
        ]
    );
    assert!(diff(&after, &after).is_empty());
}

fn crm_catalog() -> marketplace_modules::Registry<Id> {
    Catalog::new()
        .module("data-core", "Data Core", vec![release("2.0.0", "*")])
        .module(
            "crm-sync",
            "CRM Sync",
            vec![release("1.3.0", "*").requires("data-core", req("^2"))],
        )
        .build()
}

#[test]
fn r_i4_a_dry_run_changes_nothing_and_applying_it_gives_the_next_generation() {
    let registry = crm_catalog();
    let resolver = Resolver::new(&registry, &entitled_to_everything, v("4.2.0"));
    let current = Generation::initial();

    let plan = resolver
        .plan(&current, &Request::new().install("crm-sync", req("^1")))
        .unwrap();

    assert_eq!(current, Generation::initial());
    assert_eq!(plan.base(), GenerationNumber::FIRST);
    assert_eq!(
        plan.steps(),
        [
            Step::Install {
                module: "crm-sync",
                version: v("1.3.0")
            },
            Step::Install {
                module: "data-core",
                version: v("2.0.0")
            },
        ]
    );
    let next = plan.apply(&current).unwrap();
    assert_eq!(next.number(), GenerationNumber::new(1));
    assert_eq!(next.lockfile(), plan.target());
}

#[test]
fn r_i4_a_plan_made_for_an_earlier_generation_is_refused() {
    let first = Generation::initial();
    let plan = InstallPlan::between(&first, lock(&[("charts", "1.0.0")]));
    let other = InstallPlan::between(&first, lock(&[("maps", "1.0.0")]));
    let second = other.apply(&first).unwrap();

    assert_eq!(
        plan.apply(&second),
        Err(StalePlan {
            planned: GenerationNumber::new(0),
            current: GenerationNumber::new(1)
        })
    );
}

#[test]
fn r_i4_rollback_restores_the_previous_generation_whole() {
    let first = Generation::restore(
        GenerationNumber::new(4),
        lock(&[("charts", "1.0.0"), ("data-core", "2.0.0")]),
    );
    let second = InstallPlan::between(
        &first,
        lock(&[
            ("charts", "1.2.0"),
            ("crm-sync", "1.3.0"),
            ("data-core", "1.9.0"),
        ]),
    )
    .apply(&first)
    .unwrap();

    let rollback = RollbackPlan::new(&second, &first).unwrap();

    assert_eq!(rollback.restores(), GenerationNumber::new(4));
    assert_eq!(
        rollback.steps(),
        [
            Step::Downgrade {
                module: "charts",
                from: v("1.2.0"),
                to: v("1.0.0")
            },
            Step::Remove {
                module: "crm-sync",
                version: v("1.3.0")
            },
            Step::Upgrade {
                module: "data-core",
                from: v("1.9.0"),
                to: v("2.0.0")
            },
        ]
    );
    let third = rollback.apply(&second).unwrap();
    assert_eq!(third.number(), GenerationNumber::new(6));
    assert_eq!(third.lockfile(), first.lockfile());
}

#[test]
fn r_i4_rollback_only_goes_back_in_history() {
    let first = Generation::<Id>::initial();
    let second = InstallPlan::between(&first, lock(&[("charts", "1.0.0")]))
        .apply(&first)
        .unwrap();

    assert_eq!(
        RollbackPlan::new(&first, &second),
        Err(NotEarlier {
            requested: GenerationNumber::new(1),
            current: GenerationNumber::new(0)
        })
    );
    assert!(RollbackPlan::new(&second, &second).is_err());
}
