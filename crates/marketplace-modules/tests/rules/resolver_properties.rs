//! R-I1, R-I2 over random small catalogs: whatever the resolver returns honours every rule,
//! and (without optional dependencies, see the resolver's note) it finds a solution
//! whenever one exists, checked against a search of every combination.

use std::collections::BTreeSet;

use marketplace_modules::{
    InstalledPolicy, Lockfile, NewRelease, Pricing, Registry, Request, Requirement, ResolveError,
    Resolver, Update, Version,
};
use proptest::prelude::*;

use crate::support::{Id, req, v};

const MODULES: [Id; 5] = ["a", "b", "c", "d", "e"];
const VERSIONS: [&str; 5] = ["1.0.0", "1.1.0", "2.0.0", "2.1.0", "3.0.0"];
const REQUIREMENTS: [&str; 8] = ["*", "^1", "^2", ">=1.1", "<2", "~2.1", ">=2, <3", "=3.0.0"];
const PLATFORM_REQUIREMENTS: [&str; 5] = ["*", ">=4", ">=5", "^4", "<5"];
const PLATFORMS: [&str; 3] = ["4.0.0", "4.5.0", "5.0.0"];

#[derive(Debug, Clone)]
struct Dep {
    target: usize,
    requirement: usize,
    optional: bool,
}

#[derive(Debug, Clone)]
struct Rel {
    version: usize,
    platform: usize,
    deps: Vec<Dep>,
    yanked: bool,
}

#[derive(Debug, Clone)]
struct Module {
    paid: bool,
    entitled: bool,
    releases: Vec<Rel>,
}

#[derive(Debug, Clone)]
struct Scenario {
    modules: Vec<Module>,
    platform: usize,
    /// For each module, maybe the index of the installed release.
    installed: Vec<Option<usize>>,
    wanted: Vec<(usize, usize)>,
}

fn dep_strategy(modules: usize, optional: bool) -> impl Strategy<Value = Dep> {
    (
        0..modules,
        0..REQUIREMENTS.len(),
        proptest::bool::weighted(if optional { 0.3 } else { 0.0 }),
    )
        .prop_map(|(target, requirement, optional)| Dep {
            target,
            requirement,
            optional,
        })
}

fn module_strategy(modules: usize, optional: bool) -> impl Strategy<Value = Module> {
    let release = (
        0..PLATFORM_REQUIREMENTS.len(),
        proptest::collection::vec(dep_strategy(modules, optional), 0..3),
        proptest::bool::weighted(0.2),
    );
    (
        proptest::bool::weighted(0.3),
        proptest::bool::ANY,
        proptest::collection::btree_set(0..VERSIONS.len(), 1..=4),
        proptest::collection::vec(release, 4),
    )
        .prop_map(|(paid, entitled, versions, releases)| Module {
            paid,
            entitled,
            releases: versions
                .into_iter()
                .zip(releases)
                .map(|(version, (platform, deps, yanked))| Rel {
                    version,
                    platform,
                    deps,
                    yanked,
                })
                .collect(),
        })
}

fn scenario_strategy(optional: bool) -> impl Strategy<Value = Scenario> {
    (2..=MODULES.len()).prop_flat_map(move |count| {
        (
            proptest::collection::vec(module_strategy(count, optional), count),
            0..PLATFORMS.len(),
            proptest::collection::vec(proptest::option::weighted(0.3, 0..4usize), count),
            proptest::collection::vec((0..count, 0..REQUIREMENTS.len()), 1..=3),
        )
            .prop_map(|(modules, platform, installed, wanted)| {
                let installed = installed
                    .into_iter()
                    .zip(&modules)
                    .map(|(pick, module)| pick.map(|p| p % module.releases.len()))
                    .collect();
                Scenario {
                    modules,
                    platform,
                    installed,
                    wanted,
                }
            })
    })
}

impl Scenario {
    fn registry(&self) -> Registry<Id> {
        let mut registry = Registry::new();
        for (index, module) in self.modules.iter().enumerate() {
            let id = MODULES[index];
            let pricing = if module.paid {
                Pricing::Paid
            } else {
                Pricing::Free
            };
            registry
                .add_module(id, format!("Module {id}"), pricing)
                .unwrap();
            for rel in &module.releases {
                let mut new = NewRelease::new(
                    v(VERSIONS[rel.version]),
                    req(PLATFORM_REQUIREMENTS[rel.platform]),
                );
                let mut named = BTreeSet::new();
                for dep in rel.deps.iter().filter(|d| d.target != index) {
                    if !named.insert(dep.target) {
                        continue;
                    }
                    let requirement = req(REQUIREMENTS[dep.requirement]);
                    new = if dep.optional {
                        new.optionally_uses(MODULES[dep.target], requirement)
                    } else {
                        new.requires(MODULES[dep.target], requirement)
                    };
                }
                registry.publish(&id, new).unwrap();
                if rel.yanked {
                    registry.yank(&id, &v(VERSIONS[rel.version])).unwrap();
                }
            }
        }
        registry
    }

    fn entitled(&self) -> BTreeSet<Id> {
        self.modules
            .iter()
            .enumerate()
            .filter(|(_, m)| m.entitled)
            .map(|(index, _)| MODULES[index])
            .collect()
    }

    fn platform(&self) -> Version {
        v(PLATFORMS[self.platform])
    }

    fn installed(&self) -> Lockfile<Id> {
        self.installed
            .iter()
            .enumerate()
            .filter_map(|(index, pick)| {
                pick.map(|p| {
                    let version = self.modules[index].releases[p].version;
                    (MODULES[index], v(VERSIONS[version]))
                })
            })
            .collect()
    }

    fn request(&self) -> Request<Id> {
        self.wanted
            .iter()
            .fold(Request::new(), |request, (module, requirement)| {
                request.install(MODULES[*module], req(REQUIREMENTS[*requirement]))
            })
    }

    fn resolve(&self) -> Result<Lockfile<Id>, ResolveError<Id>> {
        let registry = self.registry();
        let entitled = self.entitled();
        let entitlement = |m: &Id| entitled.contains(m);
        Resolver::new(&registry, &entitlement, self.platform())
            .resolve(&self.installed(), &self.request())
    }

    /// R-I6 by its definition, with the solver alone: for each installed module, the
    /// newest published version above the installed one (a pre-release only over a
    /// pre-release) that resolves with everything else kept.
    fn updates_by_definition(&self) -> Vec<Update<Id>> {
        let registry = self.registry();
        let entitled = self.entitled();
        let entitlement = |m: &Id| entitled.contains(m);
        let resolver = Resolver::new(&registry, &entitlement, self.platform());
        let installed = self.installed();
        let mut updates = Vec::new();
        for (module, current) in &installed {
            let entry = registry.module(module).unwrap();
            let newer = entry.releases().rev().filter(|release| {
                release.is_published()
                    && release.version() > current
                    && (release.version().pre.is_empty() || !current.pre.is_empty())
            });
            for release in newer {
                let request = Request::new()
                    .install(*module, Requirement::exactly(release.version()))
                    .with_installed(InstalledPolicy::Keep);
                if resolver.resolve(&installed, &request).is_ok() {
                    updates.push(Update {
                        module: *module,
                        from: current.clone(),
                        to: release.version().clone(),
                        notes: release.notes().to_owned(),
                    });
                    break;
                }
            }
        }
        updates
    }

    /// Every rule `solution` breaks, in words.
    fn broken_rules(&self, solution: &Lockfile<Id>) -> Vec<String> {
        let registry = self.registry();
        let entitled = self.entitled();
        let installed = self.installed();
        let platform = self.platform();
        let mut broken = Vec::new();
        for (module, version) in solution {
            let entry = registry.module(module).unwrap();
            let Some(release) = entry.release(version) else {
                broken.push(format!("{module} {version} does not exist"));
                continue;
            };
            if entry.pricing() == Pricing::Paid && !entitled.contains(module) {
                broken.push(format!("{module} is not entitled"));
            }
            if !release.is_published() && installed.get(module) != Some(version) {
                broken.push(format!(
                    "{module} {version} is yanked and was not installed"
                ));
            }
            if !release.platform().matches(&platform) {
                broken.push(format!("{module} {version} does not run on {platform}"));
            }
            for dep in release.dependencies() {
                match solution.get(dep.module()) {
                    Some(chosen) if !dep.requirement().matches(chosen) => broken.push(format!(
                        "{module} {version} needs {} {} but got {chosen}",
                        dep.module(),
                        dep.requirement()
                    )),
                    None if dep.is_required() => {
                        broken.push(format!("{module} {version} needs {}", dep.module()));
                    }
                    _ => {}
                }
            }
        }
        for (module, _) in &installed {
            if !solution.contains(module) {
                broken.push(format!("installed {module} was dropped"));
            }
        }
        for (module, requirement) in self.request().wanted() {
            match solution.get(module) {
                Some(chosen) if requirement.matches(chosen) => {}
                other => broken.push(format!("asked {module} {requirement}, got {other:?}")),
            }
        }
        broken
    }

    /// Whether any combination of versions honours every rule, by trying them all.
    fn has_solution(&self) -> bool {
        let registry = self.registry();
        let entitled = self.entitled();
        let installed = self.installed();
        let options: Vec<Vec<Option<Version>>> = self
            .modules
            .iter()
            .enumerate()
            .map(|(index, module)| {
                let id = MODULES[index];
                let mut options = vec![None];
                if !module.paid || entitled.contains(&id) {
                    let entry = registry.module(&id).unwrap();
                    options.extend(
                        entry
                            .candidates(installed.get(&id))
                            .map(|r| Some(r.version().clone())),
                    );
                }
                options
            })
            .collect();
        let mut choice = vec![0usize; options.len()];
        loop {
            let solution: Lockfile<Id> = choice
                .iter()
                .enumerate()
                .filter_map(|(index, pick)| {
                    options[index][*pick]
                        .clone()
                        .map(|version| (MODULES[index], version))
                })
                .collect();
            if self.broken_rules(&solution).is_empty() {
                return true;
            }
            // Next combination, like an odometer.
            let mut position = 0;
            loop {
                if position == choice.len() {
                    return false;
                }
                choice[position] += 1;
                if choice[position] < options[position].len() {
                    break;
                }
                choice[position] = 0;
                position += 1;
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// R-I1, R-I2: every solution honours the platform, every dependency (optional ones
    /// included), every entitlement, keeps what is installed, gives what was asked, and
    /// takes no yanked version the org did not have.
    #[test]
    fn r_i2_every_solution_honours_every_requirement_and_entitlement(
        scenario in scenario_strategy(true)
    ) {
        if let Ok(solution) = scenario.resolve() {
            let broken = scenario.broken_rules(&solution);
            prop_assert!(broken.is_empty(), "{:?} in {:?}", broken, solution);
        }
    }

    /// R-I2: the solver is complete: when some combination works, it finds one; when it
    /// answers a conflict, no combination works.
    #[test]
    fn r_i2_a_solution_is_found_whenever_one_exists(scenario in scenario_strategy(false)) {
        let answer = scenario.resolve();
        prop_assert!(
            !matches!(answer, Err(ResolveError::TooComplex { .. })),
            "tiny catalogs never exhaust the default budget"
        );
        prop_assert_eq!(answer.is_ok(), scenario.has_solution(), "{:?}", answer);
    }

    /// R-I6: the updates check, with its shortcuts, answers what asking the solver about
    /// every candidate answers.
    #[test]
    fn r_i6_updates_are_what_the_solver_says_of_each_candidate(
        scenario in scenario_strategy(true)
    ) {
        let registry = scenario.registry();
        let entitled = scenario.entitled();
        let entitlement = |m: &Id| entitled.contains(m);
        let updates = Resolver::new(&registry, &entitlement, scenario.platform())
            .updates(&scenario.installed())
            .unwrap();
        prop_assert_eq!(updates, scenario.updates_by_definition());
    }
}
