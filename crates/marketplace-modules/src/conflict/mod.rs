//! Explaining why no set of versions works (R-I3), in sentences a buyer understands.
//!
//! When PubGrub finds no solution it returns its proof: a derivation tree whose leaves are
//! plain facts ("Report Builder 2.x needs platform >=5.0.0", "the request pins the platform
//! to 4.2.0", "there is no version of Data Core in ^3") and whose inner nodes combine them.
//! The chain of "because ... and because ..." that pubgrub's default reporter prints from
//! the inner nodes is faithful but reads like a proof. This reporter keeps the leaves (every
//! one took part in the proof, so none is noise) and words them for a buyer:
//!
//! 1. A requirement nothing can meet is said together with the reason: the module is not
//!    in the catalog, the org is not entitled to it, the versions it would take were
//!    withdrawn, or none matches ("CRM Sync 1.3.0 needs Data Core ^3, but no version of
//!    Data Core matches ^3").
//! 2. Two requirements on the same module or on the platform that no version meets both
//!    are said as one clash, with the org's own situation last ("Report Builder 2.x needs
//!    platform >=5.0.0, but your platform is 4.2.0"; "CRM Sync 1.3.0 needs Data Core ^2,
//!    but Analytics 3.1.0 needs Data Core ^1").
//! 3. Every other fact follows on its own ("You asked for Report Builder ^2").
//!
//! Versions are named by what the catalog has ("Report Builder 2.x", "every version of
//! Analytics"), modules by their names, requirements in their usual shapes.

mod wording;

use std::collections::BTreeSet;
use std::fmt;

use pubgrub::{DerivationTree, External, Ranges};
use semver::Version;

use crate::ModuleId;
use crate::entitlement::may_install;
use crate::resolver::{Package, Problem, Unavailable};
use wording::{listing, range_text, versions_text};

/// Why no set of versions works: plain sentences, and what they involve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict<M> {
    sentences: Vec<String>,
    modules: BTreeSet<M>,
    involves_platform: bool,
}

impl<M: ModuleId> Conflict<M> {
    /// Each a full sentence, the clash first.
    pub fn sentences(&self) -> &[String] {
        &self.sentences
    }

    /// The modules the sentences speak of.
    pub fn modules(&self) -> &BTreeSet<M> {
        &self.modules
    }

    /// Whether the org's platform version is part of the reason.
    pub fn involves_platform(&self) -> bool {
        self.involves_platform
    }
}

impl<M> fmt::Display for Conflict<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sentences.join(" "))
    }
}

type Tree<M> = DerivationTree<Package<M>, Ranges<Version>, Unavailable>;

/// Words the solver's proof that `problem` has no solution.
pub(crate) fn explain<M: ModuleId>(problem: &Problem<'_, M>, tree: &Tree<M>) -> Conflict<M> {
    Reporter { problem }.report(&leaves(tree))
}

/// "`dependent` at `versions` needs `dependency` within `range`": a dependency, a
/// platform requirement, or one of the request's own constraints.
struct Need<'t, M> {
    dependent: &'t Package<M>,
    versions: &'t Ranges<Version>,
    dependency: &'t Package<M>,
    range: &'t Ranges<Version>,
}

impl<M: ModuleId> Need<'_, M> {
    fn is_from_request(&self) -> bool {
        *self.dependent == Package::Request
    }

    /// Whether no version can meet both needs.
    fn clashes_with(&self, other: &Self) -> bool {
        self.dependency == other.dependency && self.range.is_disjoint(other.range)
    }
}

/// One external fact of the proof.
enum Fact<'t, M> {
    Needs(Need<'t, M>),
    /// No version of `package` within `range` could be chosen.
    NoVersion {
        package: &'t Package<M>,
        range: &'t Ranges<Version>,
    },
    /// The catalog lacks the release of `package` at `versions`.
    Missing {
        package: &'t Package<M>,
        versions: &'t Ranges<Version>,
    },
}

impl<'t, M> Fact<'t, M> {
    fn as_need(&self) -> Option<&Need<'t, M>> {
        match self {
            Self::Needs(need) => Some(need),
            Self::NoVersion { .. } | Self::Missing { .. } => None,
        }
    }
}

/// The proof's leaves, depth first, each shared sub-proof walked once. The "we are solving
/// for the request" axiom is left out: it says nothing to a buyer.
fn leaves<M: ModuleId>(tree: &Tree<M>) -> Vec<Fact<'_, M>> {
    let mut facts = Vec::new();
    let mut walked = BTreeSet::new();
    let mut stack = vec![tree];
    while let Some(node) = stack.pop() {
        match node {
            DerivationTree::External(external) => match external {
                External::NotRoot(..) => {}
                External::FromDependencyOf(dependent, versions, dependency, range) => {
                    facts.push(Fact::Needs(Need {
                        dependent,
                        versions,
                        dependency,
                        range,
                    }));
                }
                External::NoVersions(package, range) => {
                    facts.push(Fact::NoVersion { package, range });
                }
                External::Custom(package, versions, Unavailable::MissingFromCatalog) => {
                    facts.push(Fact::Missing { package, versions });
                }
            },
            DerivationTree::Derived(derived) => {
                if derived.shared_id.is_some_and(|id| !walked.insert(id)) {
                    continue;
                }
                stack.push(&derived.cause2);
                stack.push(&derived.cause1);
            }
        }
    }
    facts
}

/// Why no version of a package within a range could be chosen.
enum Shortfall<'a> {
    Platform,
    NotListed,
    NotEntitled,
    Withdrawn(Vec<&'a Version>),
    NoneMatches,
}

struct Reporter<'p, 'a, M: ModuleId> {
    problem: &'p Problem<'a, M>,
}

/// The sentences so far, what they mention, and which facts (by index) they have said.
struct Draft<M> {
    sentences: Vec<String>,
    modules: BTreeSet<M>,
    involves_platform: bool,
    used: Vec<bool>,
}

impl<M: ModuleId> Draft<M> {
    fn say(&mut self, clause: String) {
        let mut chars = clause.chars();
        let sentence = match chars.next() {
            Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
            None => return,
        };
        if !self.sentences.contains(&sentence) {
            self.sentences.push(sentence);
        }
    }

    fn mention(&mut self, package: &Package<M>) {
        match package {
            Package::Module(module) => {
                self.modules.insert(module.clone());
            }
            Package::Platform => self.involves_platform = true,
            Package::Request => {}
        }
    }

    fn mention_need(&mut self, need: &Need<'_, M>) {
        self.mention(need.dependent);
        self.mention(need.dependency);
    }
}

impl<M: ModuleId> Reporter<'_, '_, M> {
    fn report(&self, facts: &[Fact<'_, M>]) -> Conflict<M> {
        let mut draft = Draft {
            sentences: Vec::new(),
            modules: BTreeSet::new(),
            involves_platform: false,
            used: vec![false; facts.len()],
        };
        let unmet = self.say_unmet_needs(facts, &mut draft);
        self.say_clashes(facts, &mut draft);
        self.say_the_rest(facts, &mut draft);
        for clause in unmet {
            draft.say(clause);
        }
        if draft.sentences.is_empty() {
            draft.say("no set of versions satisfies every requirement".to_owned());
        }
        Conflict {
            sentences: draft.sentences,
            modules: draft.modules,
            involves_platform: draft.involves_platform,
        }
    }

    /// Step 1: each need nothing can meet, said with the reason. Returns the reasons found
    /// with no need to pair them with, to be said last.
    fn say_unmet_needs(&self, facts: &[Fact<'_, M>], draft: &mut Draft<M>) -> Vec<String> {
        let mut unpaired = Vec::new();
        for (index, fact) in facts.iter().enumerate() {
            let Fact::NoVersion { package, range } = fact else {
                continue;
            };
            draft.used[index] = true;
            let shortfall = self.shortfall(package, range);
            let need = facts.iter().enumerate().find_map(|(other, fact)| {
                let need = fact.as_need()?;
                (!draft.used[other] && need.dependency == *package && need.range.subset_of(range))
                    .then_some((other, need))
            });
            match (need, shortfall) {
                (Some((other, need)), shortfall) => {
                    draft.used[other] = true;
                    draft.say(format!(
                        "{}, but {}",
                        self.claim(need),
                        self.shortfall_text(package, &shortfall, need.range)
                    ));
                    draft.mention_need(need);
                }
                // What is left of a range once the versions tried were ruled out: the
                // facts that ruled them out say it all.
                (None, Shortfall::NoneMatches) if was_tried(facts, package) => {}
                (None, shortfall) => {
                    unpaired.push(self.shortfall_text(package, &shortfall, range));
                    draft.mention(package);
                }
            }
        }
        unpaired
    }

    /// Step 2: two needs no version meets together, said as one clash. The org's own facts
    /// (its platform, what it asked for or has) may stand against several others.
    fn say_clashes(&self, facts: &[Fact<'_, M>], draft: &mut Draft<M>) {
        for (first, fact) in facts.iter().enumerate() {
            let Some(need) = fact.as_need() else {
                continue;
            };
            if draft.used[first] || need.is_from_request() {
                continue;
            }
            let partner = facts.iter().enumerate().find_map(|(other, fact)| {
                let candidate = fact.as_need()?;
                let free = !draft.used[other] || candidate.is_from_request();
                (other != first && free && need.clashes_with(candidate))
                    .then_some((other, candidate))
            });
            let Some((second, other)) = partner else {
                continue;
            };
            draft.used[first] = true;
            draft.used[second] = true;
            let (a, b) = if self.is_in_place(need) && !self.is_in_place(other) {
                (other, need)
            } else {
                (need, other)
            };
            draft.say(format!("{}, but {}", self.claim(a), self.claim(b)));
            draft.mention_need(a);
            draft.mention_need(b);
        }
    }

    /// Step 3: every other fact of the proof, on its own.
    fn say_the_rest(&self, facts: &[Fact<'_, M>], draft: &mut Draft<M>) {
        for (index, fact) in facts.iter().enumerate() {
            if draft.used[index] {
                continue;
            }
            match fact {
                Fact::Needs(need) => {
                    draft.say(self.claim(need));
                    draft.mention_need(need);
                }
                Fact::Missing { package, versions } => {
                    draft.say(format!(
                        "{} is missing from the catalog",
                        self.versions_of(package, versions)
                    ));
                    draft.mention(package);
                }
                Fact::NoVersion { .. } => {}
            }
        }
    }

    /// Whether the need belongs to what the org already has (its platform, its installed
    /// modules): in a clash, that is what stands in the way, so it is said last.
    fn is_in_place(&self, need: &Need<'_, M>) -> bool {
        match (need.dependent, need.dependency) {
            (Package::Request, Package::Platform) => true,
            (Package::Module(module), _) => self.problem.installed.contains(module),
            _ => false,
        }
    }

    /// A need as a clause: "Report Builder 2.x needs platform >=5.0.0", "your platform is
    /// 4.2.0", "you asked for CRM Sync", "you have Analytics 3.1.0 installed".
    fn claim(&self, need: &Need<'_, M>) -> String {
        let problem = self.problem;
        match (need.dependent, need.dependency) {
            (Package::Request, Package::Platform) => {
                format!("your platform is {}", problem.platform)
            }
            (Package::Request, Package::Module(module)) => {
                let name = problem.registry.display_name(module);
                match (
                    problem.request.requirement(module),
                    problem.installed.get(module),
                ) {
                    (Some(requirement), _) if requirement.is_any() => {
                        format!("you asked for {name}")
                    }
                    (Some(requirement), _) => format!("you asked for {name} {requirement}"),
                    (None, Some(version)) => format!("you have {name} {version} installed"),
                    (None, None) => format!("you asked for {name}"),
                }
            }
            (dependent, dependency) => {
                let who = self.versions_of(dependent, need.versions);
                let what = match dependency {
                    Package::Module(module) => problem.registry.display_name(module),
                    Package::Platform => "platform".to_owned(),
                    Package::Request => "the request".to_owned(),
                };
                if need.range.is_empty() {
                    format!("{who} accepts no version of {what}")
                } else if *need.range == Ranges::full() {
                    format!("{who} needs {what}")
                } else {
                    format!("{who} needs {what} {}", range_text(need.range))
                }
            }
        }
    }

    fn versions_of(&self, package: &Package<M>, versions: &Ranges<Version>) -> String {
        match package {
            Package::Module(module) => match self.problem.registry.module(module) {
                Some(entry) => versions_text(entry.name(), entry.versions(), versions),
                None => format!("{module} {}", range_text(versions)),
            },
            Package::Platform => format!("platform {}", range_text(versions)),
            Package::Request => "your request".to_owned(),
        }
    }

    fn shortfall<'s>(&'s self, package: &Package<M>, range: &Ranges<Version>) -> Shortfall<'s> {
        let module = match package {
            Package::Module(module) => module,
            Package::Platform | Package::Request => return Shortfall::Platform,
        };
        let Some(entry) = self.problem.registry.module(module) else {
            return Shortfall::NotListed;
        };
        if !may_install(module, entry, self.problem.entitlements) {
            return Shortfall::NotEntitled;
        }
        let installed = self.problem.installed.get(module);
        let withdrawn: Vec<&Version> = entry
            .versions()
            .filter(|version| range.contains(version) && !entry.offers(version, installed))
            .collect();
        if withdrawn.is_empty() {
            Shortfall::NoneMatches
        } else {
            Shortfall::Withdrawn(withdrawn)
        }
    }

    fn shortfall_text(
        &self,
        package: &Package<M>,
        shortfall: &Shortfall<'_>,
        wanted: &Ranges<Version>,
    ) -> String {
        let name = match package {
            Package::Module(module) => self.problem.registry.display_name(module),
            Package::Platform | Package::Request => "platform".to_owned(),
        };
        match shortfall {
            Shortfall::Platform => format!("your platform is {}", self.problem.platform),
            Shortfall::NotListed => format!("{name} is not in the catalog"),
            Shortfall::NotEntitled => format!("your organization is not entitled to {name}"),
            Shortfall::Withdrawn(versions) if versions.len() == 1 => {
                format!(
                    "{name} {} has been withdrawn by its publisher",
                    listing(versions)
                )
            }
            Shortfall::Withdrawn(versions) => {
                format!(
                    "{name} {} have been withdrawn by their publisher",
                    listing(versions)
                )
            }
            Shortfall::NoneMatches => {
                format!("no version of {name} matches {}", range_text(wanted))
            }
        }
    }
}

/// Whether some version of `package` was chosen and then ruled out by another fact.
fn was_tried<M: ModuleId>(facts: &[Fact<'_, M>], package: &Package<M>) -> bool {
    facts.iter().any(|fact| match fact {
        Fact::Needs(need) => need.dependent == package,
        Fact::Missing { package: other, .. } => *other == package,
        Fact::NoVersion { .. } => false,
    })
}
