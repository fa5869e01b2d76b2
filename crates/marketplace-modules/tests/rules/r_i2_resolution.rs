//! R-I2: resolving every transitive dependency against the platform, the entitlements and
//! what the org already has.

use marketplace_modules::{
    Generation, InstalledPolicy, Registry, Request, ResolveError, Resolver, Step, WorkLimit,
};

use crate::support::*;

#[test]
fn r_i2_a_diamond_settles_on_one_version_both_sides_accept() {
    let registry = Catalog::new()
        .module(
            "app",
            "App",
            vec![
                release("1.0.0", "*")
                    .requires("left", req("^1"))
                    .requires("right", req("^1")),
            ],
        )
        .module(
            "left",
            "Left",
            vec![release("1.0.0", "*").requires("core", req(">=1.2"))],
        )
        .module(
            "right",
            "Right",
            vec![release("1.0.0", "*").requires("core", req("<1.5"))],
        )
        .module(
            "core",
            "Core",
            vec![
                release("1.0.0", "*"),
                release("1.2.0", "*"),
                release("1.4.0", "*"),
                release("1.6.0", "*"),
            ],
        )
        .build();

    let chosen = resolve(&registry, "4.2.0", &lock(&[]), &asking_for(&["app"])).unwrap();

    assert_eq!(
        chosen,
        lock(&[
            ("app", "1.0.0"),
            ("core", "1.4.0"),
            ("left", "1.0.0"),
            ("right", "1.0.0")
        ])
    );
}

fn charts_and_dashboard() -> Registry<Id> {
    Catalog::new()
        .module(
            "charts",
            "Charts",
            vec![
                release("1.0.0", "*"),
                release("1.1.0", "*"),
                release("1.2.0", "*"),
            ],
        )
        .module(
            "dashboard",
            "Dashboard",
            vec![
                release("1.0.0", "*").requires("charts", req("^1")),
                release("2.0.0", "*").requires("charts", req(">=1.2")),
            ],
        )
        .build()
}

#[test]
fn r_i2_the_newest_versions_are_chosen_when_nothing_is_installed() {
    let registry = charts_and_dashboard();

    let chosen = resolve(&registry, "4.2.0", &lock(&[]), &asking_for(&["dashboard"])).unwrap();

    assert_eq!(chosen, lock(&[("charts", "1.2.0"), ("dashboard", "2.0.0")]));
}

#[test]
fn r_i2_an_installed_version_is_preferred_over_the_newest() {
    let registry = charts_and_dashboard();
    let installed = lock(&[("charts", "1.1.0")]);
    let request = Request::new().install("dashboard", req("^1"));

    let chosen = resolve(&registry, "4.2.0", &installed, &request).unwrap();

    assert_eq!(chosen.get(&"charts"), Some(&v("1.1.0")));
}

#[test]
fn r_i2_an_installed_version_moves_when_the_request_needs_it_and_the_plan_shows_it() {
    let registry = charts_and_dashboard();
    let current = Generation::restore(
        marketplace_modules::GenerationNumber::new(3),
        lock(&[("charts", "1.1.0")]),
    );
    let resolver = Resolver::new(&registry, &entitled_to_everything, v("4.2.0"));

    let plan = resolver
        .plan(&current, &Request::new().install("dashboard", req("^2")))
        .unwrap();

    assert_eq!(
        plan.steps(),
        [
            Step::Upgrade {
                module: "charts",
                from: v("1.1.0"),
                to: v("1.2.0")
            },
            Step::Install {
                module: "dashboard",
                version: v("2.0.0")
            }
        ]
    );
}

#[test]
fn r_i2_keeping_installed_versions_refuses_what_would_move_them() {
    let registry = charts_and_dashboard();
    let installed = lock(&[("charts", "1.1.0")]);
    let request = Request::new()
        .install("dashboard", req("^2"))
        .with_installed(InstalledPolicy::Keep);

    let sentences = conflict_sentences(resolve(&registry, "4.2.0", &installed, &request));

    assert!(
        sentences.contains(
            &"Dashboard 2.0.0 needs Charts >=1.2.0, but you have Charts 1.1.0 installed."
                .to_owned()
        ),
        "{sentences:?}"
    );
}

#[test]
fn r_i2_the_platform_is_pinned_to_the_org_version() {
    let registry = Catalog::new()
        .module(
            "report-builder",
            "Report Builder",
            vec![
                release("1.0.0", ">=4"),
                release("1.5.0", ">=4"),
                release("2.0.0", ">=5"),
                release("2.1.0", ">=5"),
            ],
        )
        .build();

    let on_4 = resolve(
        &registry,
        "4.2.0",
        &lock(&[]),
        &asking_for(&["report-builder"]),
    );
    let on_5 = resolve(
        &registry,
        "5.0.1",
        &lock(&[]),
        &asking_for(&["report-builder"]),
    );

    assert_eq!(on_4.unwrap().get(&"report-builder"), Some(&v("1.5.0")));
    assert_eq!(on_5.unwrap().get(&"report-builder"), Some(&v("2.1.0")));
}

fn dashboard_with_paid_insights() -> Registry<Id> {
    Catalog::new()
        .module(
            "dashboard",
            "Dashboard",
            vec![
                release("1.0.0", "*"),
                release("2.0.0", "*").requires("insights", req("^1")),
            ],
        )
        .paid("insights", "AI Insights", vec![release("1.0.0", "*")])
        .build()
}

#[test]
fn r_i2_paid_modules_are_chosen_only_for_entitled_orgs() {
    let registry = dashboard_with_paid_insights();
    let request = asking_for(&["dashboard"]);
    let holds_insights = |m: &Id| *m == "insights";

    let entitled = Resolver::new(&registry, &holds_insights, v("4.2.0"))
        .resolve(&lock(&[]), &request)
        .unwrap();
    let not_entitled = Resolver::new(&registry, &entitled_to_nothing, v("4.2.0"))
        .resolve(&lock(&[]), &request)
        .unwrap();

    assert_eq!(
        entitled,
        lock(&[("dashboard", "2.0.0"), ("insights", "1.0.0")])
    );
    assert_eq!(not_entitled, lock(&[("dashboard", "1.0.0")]));
}

#[test]
fn r_i2_asking_for_a_paid_module_without_entitlement_is_refused() {
    let registry = dashboard_with_paid_insights();

    let answer = Resolver::new(&registry, &entitled_to_nothing, v("4.2.0"))
        .resolve(&lock(&[]), &asking_for(&["insights"]));

    assert_eq!(
        answer,
        Err(ResolveError::NotEntitled {
            module: "insights",
            name: "AI Insights".to_owned()
        })
    );
}

#[test]
fn r_i2_asking_for_an_unknown_module_is_refused() {
    let registry = dashboard_with_paid_insights();

    let answer = resolve(&registry, "4.2.0", &lock(&[]), &asking_for(&["nowhere"]));

    assert_eq!(
        answer,
        Err(ResolveError::UnknownModule { module: "nowhere" })
    );
}

#[test]
fn r_i2_modules_may_depend_on_each_other_when_their_versions_agree() {
    let registry = Catalog::new()
        .module(
            "crm",
            "CRM Sync",
            vec![
                release("1.0.0", "*").requires("mail", req("^1")),
                release("2.0.0", "*").requires("mail", req("^2")),
            ],
        )
        .module(
            "mail",
            "Mail Merge",
            vec![
                release("1.0.0", "*").requires("crm", req("^1")),
                release("2.0.0", "*").requires("crm", req("^1")),
            ],
        )
        .build();

    let chosen = resolve(&registry, "4.2.0", &lock(&[]), &asking_for(&["crm"])).unwrap();

    // CRM Sync 2 needs Mail Merge 2, which needs CRM Sync 1: the cycle only closes on 1.x.
    assert_eq!(chosen, lock(&[("crm", "1.0.0"), ("mail", "1.0.0")]));
}

#[test]
fn r_i2_a_cycle_whose_versions_disagree_has_no_solution() {
    let registry = Catalog::new()
        .module(
            "crm",
            "CRM Sync",
            vec![release("1.0.0", "*").requires("mail", req("^1"))],
        )
        .module(
            "mail",
            "Mail Merge",
            vec![release("1.0.0", "*").requires("crm", req("^2"))],
        )
        .build();

    let sentences = conflict_sentences(resolve(
        &registry,
        "4.2.0",
        &lock(&[]),
        &asking_for(&["crm"]),
    ));

    assert!(
        sentences
            .iter()
            .any(|s| s.contains("Mail Merge 1.0.0 needs CRM Sync ^2")),
        "{sentences:?}"
    );
}

fn reports_with_optional_charts() -> Registry<Id> {
    Catalog::new()
        .module(
            "charts",
            "Charts",
            vec![release("1.0.0", "*"), release("2.0.0", "*")],
        )
        .module(
            "reports",
            "Reports",
            vec![
                release("1.0.0", "*").optionally_uses("charts", req("^1")),
                release("2.0.0", "*").optionally_uses("charts", req("^3")),
            ],
        )
        .module(
            "maps",
            "Maps",
            vec![release("1.0.0", "*").requires("charts", req("*"))],
        )
        .build()
}

#[test]
fn r_i2_an_optional_dependency_alone_brings_nothing_in() {
    let registry = reports_with_optional_charts();

    let chosen = resolve(&registry, "4.2.0", &lock(&[]), &asking_for(&["reports"])).unwrap();

    assert_eq!(chosen, lock(&[("reports", "2.0.0")]));
}

#[test]
fn r_i2_an_optional_dependency_constrains_an_installed_module() {
    let registry = reports_with_optional_charts();
    let installed = lock(&[("charts", "1.0.0")]);

    let chosen = resolve(&registry, "4.2.0", &installed, &asking_for(&["reports"])).unwrap();

    // Reports 2.0.0 only works with Charts ^3, which does not exist.
    assert_eq!(chosen, lock(&[("charts", "1.0.0"), ("reports", "1.0.0")]));
}

#[test]
fn r_i2_an_optional_dependency_constrains_a_module_another_one_requires() {
    let registry = reports_with_optional_charts();
    let request = Request::new()
        .install("reports", req("^1"))
        .install("maps", req("*"));

    let chosen = resolve(&registry, "4.2.0", &lock(&[]), &request).unwrap();

    // Maps alone would take the newest Charts (2.0.0); Reports 1 accepts only Charts ^1.
    assert_eq!(
        chosen,
        lock(&[("charts", "1.0.0"), ("maps", "1.0.0"), ("reports", "1.0.0")])
    );
}

/// A chain m0 -> m1 -> ... -> m9.
fn chain() -> Registry<Id> {
    const IDS: [Id; 10] = ["m0", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "m8", "m9"];
    let mut catalog = Catalog::new();
    for (index, id) in IDS.iter().enumerate() {
        let mut only = release("1.0.0", "*");
        if let Some(next) = IDS.get(index + 1) {
            only = only.requires(*next, req("^1"));
        }
        catalog = catalog.module(id, id, vec![only]);
    }
    catalog.build()
}

#[test]
fn r_i2_a_resolution_that_exceeds_its_work_limit_is_answered_as_an_error() {
    let registry = chain();
    let request = asking_for(&["m0"]);
    let resolver = |limit| {
        Resolver::new(&registry, &entitled_to_everything, v("4.2.0"))
            .with_work_limit(limit)
            .resolve(&lock(&[]), &request)
    };

    assert_eq!(
        resolver(WorkLimit::steps(5)),
        Err(ResolveError::TooComplex {
            limit: WorkLimit::steps(5)
        })
    );
    assert_eq!(resolver(WorkLimit::DEFAULT).unwrap().len(), 10);
}
