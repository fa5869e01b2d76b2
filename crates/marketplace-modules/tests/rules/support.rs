//! Hand-made catalogs for the rule tests.

use marketplace_modules::{
    Lockfile, NewRelease, Pricing, Registry, Request, Requirement, ResolveError, Resolver, Version,
};

pub type Id = &'static str;

pub fn v(text: &str) -> Version {
    Version::parse(text).unwrap()
}

pub fn req(text: &str) -> Requirement {
    Requirement::parse(text).unwrap()
}

pub fn lock(entries: &[(Id, &str)]) -> Lockfile<Id> {
    entries
        .iter()
        .map(|(m, version)| (*m, v(version)))
        .collect()
}

/// A release of `version` running on the platform versions `platform` admits.
pub fn release(version: &str, platform: &str) -> NewRelease<Id> {
    NewRelease::new(v(version), req(platform)).with_notes(format!("Release {version}"))
}

/// Builds a registry: free modules unless said otherwise.
#[derive(Default)]
pub struct Catalog {
    registry: Registry<Id>,
}

impl Catalog {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn module(mut self, id: Id, name: &str, releases: Vec<NewRelease<Id>>) -> Self {
        self.registry.add_module(id, name, Pricing::Free).unwrap();
        self.publish_all(id, releases)
    }

    pub fn paid(mut self, id: Id, name: &str, releases: Vec<NewRelease<Id>>) -> Self {
        self.registry.add_module(id, name, Pricing::Paid).unwrap();
        self.publish_all(id, releases)
    }

    pub fn yank(mut self, id: Id, version: &str) -> Self {
        self.registry.yank(&id, &v(version)).unwrap();
        self
    }

    pub fn build(self) -> Registry<Id> {
        self.registry
    }

    fn publish_all(mut self, id: Id, releases: Vec<NewRelease<Id>>) -> Self {
        for release in releases {
            self.registry.publish(&id, release).unwrap();
        }
        self
    }
}

pub fn entitled_to_everything(_: &Id) -> bool {
    true
}

pub fn entitled_to_nothing(_: &Id) -> bool {
    false
}

/// Resolves `request` for an org on `platform` entitled to everything.
pub fn resolve(
    registry: &Registry<Id>,
    platform: &str,
    installed: &Lockfile<Id>,
    request: &Request<Id>,
) -> Result<Lockfile<Id>, ResolveError<Id>> {
    Resolver::new(registry, &entitled_to_everything, v(platform)).resolve(installed, request)
}

/// Asks for each module at any version.
pub fn asking_for(modules: &[Id]) -> Request<Id> {
    modules.iter().fold(Request::new(), |request, m| {
        request.install(*m, Requirement::any())
    })
}

/// The conflict's sentences, failing the test on any other answer.
pub fn conflict_sentences(answer: Result<Lockfile<Id>, ResolveError<Id>>) -> Vec<String> {
    match answer {
        Err(ResolveError::Conflict(conflict)) => conflict.sentences().to_vec(),
        other => panic!("expected a conflict, got {other:?}"),
    }
}
