//! Version requirements (`^1.2`, `~2.0.3`, `>=4.1, <6`, `=1.0.0-beta.1`, `*`) and their
//! translation into the version sets the solver reasons about.
//!
//! A requirement means exactly what the `semver` crate says it means; the solver, though,
//! works on unions of intervals ([`Ranges`]). The translation is done in two steps:
//!
//! 1. Each comparator becomes the interval of *release* versions it admits (`^1.2` is
//!    `[1.2.0, 2.0.0)`, `~1.2` is `[1.2.0, 1.3.0)`, `<=1.4` is `(.., 1.5.0)`, `>1` is
//!    `[2.0.0, ..)`, ...); a comma-joined requirement is the intersection of its comparators.
//! 2. Pre-releases follow semver's own rule: `1.5.0-beta` satisfies a requirement only when
//!    one of its comparators names a pre-release of that same `1.5.0`. No interval can say
//!    that, so the set is corrected version by version against the pre-releases that
//!    actually exist (the catalog is finite): each known pre-release the interval wrongly
//!    holds is cut out, each one it wrongly misses is added.
//!
//! The result agrees with [`Requirement::matches`] on every version passed as known, which
//! is all the solver ever chooses from.

use std::fmt;
use std::str::FromStr;

use pubgrub::Ranges;
use semver::{Comparator, Op, Prerelease, Version, VersionReq};
use serde::{Deserialize, Serialize};

/// A semver requirement on the versions of a module or of the host platform.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Requirement(VersionReq);

/// A requirement that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("`{text}` is not a version requirement: {source}")]
pub struct RequirementError {
    text: String,
    #[source]
    source: semver::Error,
}

impl Requirement {
    /// Parses semver requirement syntax: `^`, `~`, `=`, `>`, `>=`, `<`, `<=`, `*` and
    /// wildcards, bare versions (read as `^`), comparators joined by commas.
    ///
    /// # Errors
    /// [`RequirementError`] when the text is not a requirement.
    pub fn parse(text: &str) -> Result<Self, RequirementError> {
        VersionReq::parse(text)
            .map(Self)
            .map_err(|source| RequirementError {
                text: text.to_owned(),
                source,
            })
    }

    /// Any release (`*`); pre-releases are not admitted.
    pub fn any() -> Self {
        Self(VersionReq::STAR)
    }

    /// Exactly this version (`=1.2.3`, or `=1.2.3-beta.1` for a pre-release).
    pub fn exactly(version: &Version) -> Self {
        Self(VersionReq {
            comparators: vec![Comparator {
                op: Op::Exact,
                major: version.major,
                minor: Some(version.minor),
                patch: Some(version.patch),
                pre: version.pre.clone(),
            }],
        })
    }

    /// Whether the requirement admits every release (`*`).
    pub fn is_any(&self) -> bool {
        self.0.comparators.is_empty()
    }

    /// Whether `version` satisfies the requirement (semver's rule, pre-releases included).
    pub fn matches(&self, version: &Version) -> bool {
        self.0.matches(version)
    }

    /// The set of versions the requirement admits, exact on every version of `known`
    /// (see the module documentation for how pre-releases are handled).
    pub(crate) fn ranges<'v>(
        &self,
        known: impl IntoIterator<Item = &'v Version>,
    ) -> Ranges<Version> {
        let mut set = self
            .0
            .comparators
            .iter()
            .fold(Ranges::full(), |set, comparator| {
                set.intersection(&releases_admitted(comparator))
            });
        for version in known.into_iter().filter(|v| !v.pre.is_empty()) {
            match (set.contains(version), self.matches(version)) {
                (true, false) => {
                    set = set.intersection(&Ranges::singleton(version.clone()).complement());
                }
                (false, true) => set = set.union(&Ranges::singleton(version.clone())),
                _ => {}
            }
        }
        set
    }
}

impl Default for Requirement {
    fn default() -> Self {
        Self::any()
    }
}

impl FromStr for Requirement {
    type Err = RequirementError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// The interval of release versions one comparator admits.
fn releases_admitted(c: &Comparator) -> Ranges<Version> {
    let major = c.major;
    match (c.op, c.minor, c.patch) {
        // `=1.2.3`, `1.2.3` as a wildcard's full form, `=1.2.3-rc.1`.
        (Op::Exact | Op::Wildcard, Some(minor), Some(patch)) => {
            Ranges::singleton(with_pre(major, minor, patch, &c.pre))
        }
        // `=1.2`, `1.2.*`: the whole minor line; `=1`, `1.*`: the whole major line.
        (Op::Exact | Op::Wildcard, Some(minor), None) | (Op::Tilde, Some(minor), None) => {
            span(Version::new(major, minor, 0), next_minor(major, minor))
        }
        (Op::Exact | Op::Wildcard | Op::Tilde | Op::Caret, None, _) => {
            span(Version::new(major, 0, 0), next_major(major))
        }
        (Op::Greater, Some(minor), Some(patch)) => {
            Ranges::strictly_higher_than(with_pre(major, minor, patch, &c.pre))
        }
        (Op::Greater, Some(minor), None) => at_least(next_minor(major, minor)),
        (Op::Greater, None, _) => at_least(next_major(major)),
        (Op::GreaterEq, Some(minor), Some(patch)) => {
            Ranges::higher_than(with_pre(major, minor, patch, &c.pre))
        }
        (Op::GreaterEq, Some(minor), None) => Ranges::higher_than(Version::new(major, minor, 0)),
        (Op::GreaterEq, None, _) => Ranges::higher_than(Version::new(major, 0, 0)),
        (Op::Less, Some(minor), Some(patch)) => {
            Ranges::strictly_lower_than(with_pre(major, minor, patch, &c.pre))
        }
        (Op::Less, Some(minor), None) => Ranges::strictly_lower_than(Version::new(major, minor, 0)),
        (Op::Less, None, _) => Ranges::strictly_lower_than(Version::new(major, 0, 0)),
        (Op::LessEq, Some(minor), Some(patch)) => {
            Ranges::lower_than(with_pre(major, minor, patch, &c.pre))
        }
        (Op::LessEq, Some(minor), None) => below(next_minor(major, minor)),
        (Op::LessEq, None, _) => below(next_major(major)),
        (Op::Tilde, Some(minor), Some(patch)) => span(
            with_pre(major, minor, patch, &c.pre),
            next_minor(major, minor),
        ),
        // `^1.2` admits `[1.2.0, 2.0.0)`, `^0.2` admits `[0.2.0, 0.3.0)`.
        (Op::Caret, Some(minor), None) if major > 0 => {
            span(Version::new(major, minor, 0), next_major(major))
        }
        (Op::Caret, Some(minor), None) => span(Version::new(0, minor, 0), next_minor(0, minor)),
        // `^1.2.3` up to `2.0.0`, `^0.2.3` up to `0.3.0`, `^0.0.3` only `0.0.3`.
        (Op::Caret, Some(minor), Some(patch)) => {
            let low = with_pre(major, minor, patch, &c.pre);
            let high = if major > 0 {
                next_major(major)
            } else if minor > 0 {
                next_minor(0, minor)
            } else {
                next_patch(0, 0, patch)
            };
            span(low, high)
        }
        // `Op` is non-exhaustive: an operator semver adds later admits nothing until it is
        // mapped here, which makes the solver refuse rather than guess.
        _ => Ranges::empty(),
    }
}

fn with_pre(major: u64, minor: u64, patch: u64, pre: &Prerelease) -> Version {
    Version {
        pre: pre.clone(),
        ..Version::new(major, minor, patch)
    }
}

/// The first release after every `major.*` version; `None` past the largest major.
pub(crate) fn next_major(major: u64) -> Option<Version> {
    major.checked_add(1).map(|next| Version::new(next, 0, 0))
}

pub(crate) fn next_minor(major: u64, minor: u64) -> Option<Version> {
    match minor.checked_add(1) {
        Some(next) => Some(Version::new(major, next, 0)),
        None => next_major(major),
    }
}

pub(crate) fn next_patch(major: u64, minor: u64, patch: u64) -> Option<Version> {
    match patch.checked_add(1) {
        Some(next) => Some(Version::new(major, minor, next)),
        None => next_minor(major, minor),
    }
}

/// `[low, high)`, or `[low, ..)` when no `high` exists.
fn span(low: Version, high: Option<Version>) -> Ranges<Version> {
    match high {
        Some(high) => Ranges::from_range_bounds(low..high),
        None => Ranges::higher_than(low),
    }
}

/// `[low, ..)`, or nothing when `low` lies past every version.
fn at_least(low: Option<Version>) -> Ranges<Version> {
    low.map_or_else(Ranges::empty, Ranges::higher_than)
}

/// `(.., high)`, or everything when `high` lies past every version.
fn below(high: Option<Version>) -> Ranges<Version> {
    high.map_or_else(Ranges::full, Ranges::strictly_lower_than)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    fn req(text: &str) -> Requirement {
        Requirement::parse(text).unwrap()
    }

    fn admits(requirement: &str, version: &str) -> bool {
        let version = v(version);
        req(requirement)
            .ranges(std::iter::once(&version))
            .contains(&version)
    }

    #[test]
    fn r_i1_caret_tilde_and_exact_follow_semver() {
        assert!(admits("^1.2", "1.9.0"));
        assert!(!admits("^1.2", "2.0.0"));
        assert!(!admits("^1.2", "1.1.9"));
        assert!(admits("^0.2.3", "0.2.9"));
        assert!(!admits("^0.2.3", "0.3.0"));
        assert!(admits("^0.0.3", "0.0.3"));
        assert!(!admits("^0.0.3", "0.0.4"));
        assert!(admits("~1.2.3", "1.2.9"));
        assert!(!admits("~1.2.3", "1.3.0"));
        assert!(admits("=1.2", "1.2.7"));
        assert!(!admits("=1.2.3", "1.2.4"));
        assert!(admits("1.*", "1.4.0"));
        assert!(!admits("1.*", "2.0.0"));
    }

    #[test]
    fn r_i1_comparisons_and_comma_joined_requirements_intersect() {
        assert!(admits(">=4.1, <6", "5.9.9"));
        assert!(!admits(">=4.1, <6", "6.0.0"));
        assert!(!admits(">=4.1, <6", "4.0.9"));
        assert!(admits(">1", "2.0.0"));
        assert!(!admits(">1", "1.9.0"));
        assert!(admits("<=1.4", "1.4.9"));
        assert!(!admits("<=1.4", "1.5.0"));
        assert!(admits("*", "7.3.1"));
        assert!(!admits(">=2, <1", "1.5.0"));
    }

    #[test]
    fn r_i1_pre_releases_only_when_the_requirement_names_one() {
        assert!(!admits("^1.2", "1.5.0-beta.1"));
        assert!(!admits("*", "2.0.0-rc.1"));
        assert!(!admits("<2.0.0", "2.0.0-alpha"));
        assert!(admits(">=1.5.0-beta.1", "1.5.0-beta.2"));
        assert!(!admits(">=1.5.0-beta.1", "1.6.0-beta.1"));
        assert!(admits(">=1.5.0-beta.1", "1.6.0"));
        assert!(admits("=2.0.0-rc.1", "2.0.0-rc.1"));
    }

    #[test]
    fn r_i1_bounds_at_the_largest_numbers_do_not_overflow() {
        let max = u64::MAX;
        assert!(admits(&format!("^{max}"), &format!("{max}.3.0")));
        assert!(!admits(&format!(">{max}"), &format!("{max}.0.0")));
        assert!(admits(&format!("<={max}.{max}"), &format!("{max}.{max}.9")));
    }

    fn version_strategy() -> impl Strategy<Value = Version> {
        let pre = prop_oneof![
            Just(String::new()),
            Just("0".to_owned()),
            Just("alpha".to_owned()),
            Just("beta.2".to_owned()),
            Just("rc.1".to_owned()),
        ];
        (0u64..4, 0u64..4, 0u64..4, pre).prop_map(|(major, minor, patch, pre)| Version {
            pre: Prerelease::new(&pre).unwrap(),
            ..Version::new(major, minor, patch)
        })
    }

    fn comparator_strategy() -> impl Strategy<Value = String> {
        let op = prop_oneof![
            Just("="),
            Just(">"),
            Just(">="),
            Just("<"),
            Just("<="),
            Just("~"),
            Just("^"),
            Just(""),
        ];
        let pre = prop_oneof![Just(""), Just("-alpha"), Just("-beta.2"), Just("-0")];
        (op, 0u64..4, 0u64..4, 0u64..4, 0usize..3, pre).prop_map(
            |(op, major, minor, patch, parts, pre)| match parts {
                0 => format!("{op}{major}"),
                1 => format!("{op}{major}.{minor}"),
                _ => format!("{op}{major}.{minor}.{patch}{pre}"),
            },
        )
    }

    fn requirement_strategy() -> impl Strategy<Value = Requirement> {
        prop_oneof![
            Just("*".to_owned()),
            Just("1.*".to_owned()),
            Just("0.2.*".to_owned()),
            proptest::collection::vec(comparator_strategy(), 1..4).prop_map(|c| c.join(", ")),
        ]
        .prop_map(|text| req(&text))
    }

    proptest! {
        /// R-I1: the solver's version sets say exactly what semver says, on every version
        /// that exists.
        #[test]
        fn r_i1_ranges_agree_with_semver_on_every_known_version(
            requirement in requirement_strategy(),
            known in proptest::collection::vec(version_strategy(), 1..20),
        ) {
            let set = requirement.ranges(&known);
            for version in &known {
                prop_assert_eq!(
                    set.contains(version),
                    requirement.matches(version),
                    "{} on {}", requirement, version
                );
            }
        }
    }
}
