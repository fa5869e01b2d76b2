//! What the solver chooses versions for.

use std::fmt;

use semver::Version;

/// A package in the solver's eyes. Besides the modules, two stand-ins let the whole
/// question be one PubGrub problem: the request (the root, whose dependencies are what the
/// org asks for and already has) and the host platform (pinned to the org's version, so a
/// release's platform requirement is an ordinary dependency).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Package<M> {
    Request,
    Platform,
    Module(M),
}

impl<M> Package<M> {
    /// The request's only version: it is a stand-in, its number carries nothing.
    pub(crate) fn request_version() -> Version {
        Version::new(0, 0, 0)
    }
}

impl<M: fmt::Display> fmt::Display for Package<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Request => f.write_str("the request"),
            Self::Platform => f.write_str("the platform"),
            Self::Module(module) => module.fmt(f),
        }
    }
}

/// Why the solver may not use a version it chose. The provider only chooses versions the
/// catalog holds, so this does not arise; it exists so that a release the catalog lacks
/// would be refused rather than installed with unknown dependencies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Unavailable {
    MissingFromCatalog,
}

impl fmt::Display for Unavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingFromCatalog => f.write_str("is missing from the catalog"),
        }
    }
}
