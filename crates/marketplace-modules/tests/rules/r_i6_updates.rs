//! R-I6: newer compatible versions are listed as updates.

use marketplace_modules::{Registry, Resolver, Update};

use crate::support::*;

/// Analytics 3.1 needs Data Core ^1. Data Core 2.x is newer but breaks Analytics; Data
/// Core 1.5.0 was yanked. Charts 2.0 needs platform 5.
fn catalog() -> Registry<Id> {
    Catalog::new()
        .module(
            "data-core",
            "Data Core",
            vec![
                release("1.2.0", "*"),
                release("1.4.0", "*").with_notes("Faster sync"),
                release("1.5.0", "*"),
                release("2.0.0", "*"),
                release("2.1.0-beta.1", "*"),
            ],
        )
        .yank("data-core", "1.5.0")
        .module(
            "analytics",
            "Analytics",
            vec![release("3.1.0", "*").requires("data-core", req("^1"))],
        )
        .module(
            "charts",
            "Charts",
            vec![
                release("1.0.0", "*"),
                release("1.1.0", ">=4"),
                release("2.0.0", ">=5"),
            ],
        )
        .build()
}

#[test]
fn r_i6_each_installed_module_gets_its_newest_compatible_version() {
    let registry = catalog();
    let installed = lock(&[
        ("analytics", "3.1.0"),
        ("charts", "1.0.0"),
        ("data-core", "1.2.0"),
    ]);

    let updates = Resolver::new(&registry, &entitled_to_everything, v("4.2.0"))
        .updates(&installed)
        .unwrap();

    // Data Core: 2.0.0 breaks Analytics, 1.5.0 is yanked, the beta is not offered.
    // Charts: 2.0.0 needs platform 5.
    assert_eq!(
        updates,
        [
            Update {
                module: "charts",
                from: v("1.0.0"),
                to: v("1.1.0"),
                notes: "Release 1.1.0".to_owned()
            },
            Update {
                module: "data-core",
                from: v("1.2.0"),
                to: v("1.4.0"),
                notes: "Faster sync".to_owned()
            },
        ]
    );
}

#[test]
fn r_i6_a_newer_platform_or_fewer_constraints_open_newer_updates() {
    let registry = catalog();
    let installed = lock(&[("charts", "1.0.0"), ("data-core", "1.2.0")]);

    let updates = Resolver::new(&registry, &entitled_to_everything, v("5.0.0"))
        .updates(&installed)
        .unwrap();

    let targets: Vec<(Id, String)> = updates
        .iter()
        .map(|u| (u.module, u.to.to_string()))
        .collect();
    assert_eq!(
        targets,
        [
            ("charts", "2.0.0".to_owned()),
            ("data-core", "2.0.0".to_owned())
        ]
    );
}

#[test]
fn r_i6_modules_already_at_their_newest_compatible_version_are_not_listed() {
    let registry = catalog();
    let installed = lock(&[("analytics", "3.1.0"), ("data-core", "1.4.0")]);

    let updates = Resolver::new(&registry, &entitled_to_everything, v("4.2.0"))
        .updates(&installed)
        .unwrap();

    assert!(updates.is_empty(), "{updates:?}");
}

/// One version at a time, as a new release is announced: the same rule as the list, so a
/// version the list would skip is no update either.
#[test]
fn r_i6_one_version_is_checked_by_the_same_rule_as_the_list() {
    let registry = catalog();
    let installed = lock(&[
        ("analytics", "3.1.0"),
        ("charts", "1.0.0"),
        ("data-core", "1.2.0"),
    ]);
    let resolver = Resolver::new(&registry, &entitled_to_everything, v("4.2.0"));
    let is_update = |module: Id, version: &str| {
        resolver
            .is_update(&installed, &module, &v(version))
            .unwrap()
    };

    assert!(is_update("data-core", "1.4.0"));
    assert!(!is_update("data-core", "2.0.0"), "breaks Analytics");
    assert!(!is_update("data-core", "1.5.0"), "yanked");
    assert!(!is_update("data-core", "2.1.0-beta.1"), "a pre-release");
    assert!(!is_update("data-core", "1.2.0"), "not newer");
    assert!(!is_update("charts", "2.0.0"), "needs platform 5");
    assert!(is_update("charts", "1.1.0"));
    assert!(!is_update("data-core", "9.9.9"), "not in the catalog");
    assert!(!is_update("reports", "1.0.0"), "not installed");
}
