//! Version sets in the words a buyer reads: `^2`, `~1.4`, `>=5.0.0`, "Report Builder 2.x",
//! "every version of Analytics".

use std::ops::Bound::{self, Excluded, Included, Unbounded};

use pubgrub::Ranges;
use semver::Version;

use crate::requirement::{next_major, next_minor, next_patch};

/// A requirement-like rendering of `range`: the caret and tilde shapes when it has one,
/// otherwise its bounds. Gaps the range has only to leave out pre-releases are not shown.
pub(super) fn range_text(range: &Ranges<Version>) -> String {
    let segments = without_pre_release_gaps(range);
    match segments.as_slice() {
        [] => "no version at all".to_owned(),
        [(Unbounded, Unbounded)] => "any version".to_owned(),
        segments => segments
            .iter()
            .map(|(low, high)| segment_text(low, high))
            .collect::<Vec<_>>()
            .join(" or "),
    }
}

/// The versions of a module that `set` holds, named by what the catalog has: "Report
/// Builder 2.1.0", "Report Builder 2.x", "CRM Sync 1.3.0 to 1.5.0" (three or more in a row), "every version of
/// Analytics". `all` lists the module's versions, oldest first.
pub(super) fn versions_text<'v>(
    name: &str,
    all: impl Iterator<Item = &'v Version>,
    set: &Ranges<Version>,
) -> String {
    let all: Vec<&Version> = all.collect();
    let inside: Vec<&Version> = all.iter().copied().filter(|v| set.contains(v)).collect();
    match inside.as_slice() {
        [] => format!("{name} {}", range_text(set)),
        [only] => format!("{name} {only}"),
        _ if inside.len() == all.len() => format!("every version of {name}"),
        [first, .., last] => {
            if let Some(major) = whole_major_line(&all, &inside) {
                return format!("{name} {major}.x");
            }
            let start = all.iter().position(|v| v == first);
            let end = all.iter().position(|v| v == last);
            match (start, end) {
                (Some(start), Some(end)) if inside.len() > 2 && end + 1 - start == inside.len() => {
                    format!("{name} {first} to {last}")
                }
                _ => format!("{name} {}", listing(&inside)),
            }
        }
    }
}

/// The major version `inside` covers entirely and alone, if any.
fn whole_major_line(all: &[&Version], inside: &[&Version]) -> Option<u64> {
    let major = inside.first()?.major;
    let line = all.iter().filter(|v| v.major == major).count();
    (inside.iter().all(|v| v.major == major) && line == inside.len()).then_some(major)
}

/// "1.0.0, 1.2.0 and 2.0.0", or the first three and how many more.
pub(super) fn listing(versions: &[&Version]) -> String {
    const SHOWN: usize = 3;
    let texts: Vec<String> = versions.iter().map(ToString::to_string).collect();
    match texts.as_slice() {
        [] => String::new(),
        [only] => only.clone(),
        [head @ .., last] if texts.len() <= SHOWN + 1 => format!("{} and {last}", head.join(", ")),
        _ => format!(
            "{} and {} more",
            texts[..SHOWN].join(", "),
            texts.len() - SHOWN
        ),
    }
}

fn segment_text(low: &Bound<Version>, high: &Bound<Version>) -> String {
    match (low, high) {
        (Included(a), Included(b)) if a == b => a.to_string(),
        (Included(a), Excluded(b)) if Some(b) == caret_end(a).as_ref() => {
            format!("^{}", caret_short(a))
        }
        (Included(a), Excluded(b)) if Some(b) == next_minor(a.major, a.minor).as_ref() => {
            format!("~{}", tilde_short(a))
        }
        _ => {
            let low = match low {
                Included(a) => Some(format!(">={a}")),
                Excluded(a) => Some(format!(">{a}")),
                Unbounded => None,
            };
            let high = match high {
                Included(b) => Some(format!("<={b}")),
                Excluded(b) => Some(format!("<{b}")),
                Unbounded => None,
            };
            [low, high]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
}

/// Where `^a` stops.
fn caret_end(a: &Version) -> Option<Version> {
    if a.major > 0 {
        next_major(a.major)
    } else if a.minor > 0 {
        next_minor(0, a.minor)
    } else {
        next_patch(0, 0, a.patch)
    }
}

/// The shortest caret operand with the same meaning: `^2`, `^2.1`, `^0.3`, `^0.0.4`.
fn caret_short(a: &Version) -> String {
    if !a.pre.is_empty() || a.patch != 0 || (a.major == 0 && a.minor == 0) {
        a.to_string()
    } else if a.minor == 0 && a.major > 0 {
        a.major.to_string()
    } else {
        format!("{}.{}", a.major, a.minor)
    }
}

/// The shortest tilde operand with the same meaning: `~1.4`, `~1.4.2`.
fn tilde_short(a: &Version) -> String {
    if a.pre.is_empty() && a.patch == 0 {
        format!("{}.{}", a.major, a.minor)
    } else {
        a.to_string()
    }
}

/// The range's segments, with the one-version gaps left for pre-releases closed again.
fn without_pre_release_gaps(range: &Ranges<Version>) -> Vec<(Bound<Version>, Bound<Version>)> {
    let mut segments: Vec<(Bound<Version>, Bound<Version>)> = Vec::new();
    for (low, high) in range.iter() {
        if let Some(last) = segments.last_mut()
            && let (Excluded(end), Excluded(start)) = (&last.1, low)
            && end == start
            && !end.pre.is_empty()
        {
            last.1 = high.clone();
            continue;
        }
        segments.push((low.clone(), high.clone()));
    }
    segments
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::requirement::Requirement;

    fn v(text: &str) -> Version {
        Version::parse(text).unwrap()
    }

    fn rendered(requirement: &str, known: &[&str]) -> String {
        let known: Vec<Version> = known.iter().map(|k| v(k)).collect();
        range_text(&Requirement::parse(requirement).unwrap().ranges(&known))
    }

    #[test]
    fn r_i3_requirements_read_back_in_their_usual_shapes() {
        assert_eq!(rendered("^2", &[]), "^2");
        assert_eq!(rendered("^2.1", &[]), "^2.1");
        assert_eq!(rendered("^0.3", &[]), "^0.3");
        assert_eq!(rendered("^1.2.3", &[]), "^1.2.3");
        assert_eq!(rendered("~1.4", &[]), "~1.4");
        assert_eq!(rendered(">=5.0", &[]), ">=5.0.0");
        assert_eq!(rendered(">=4.1, <6", &[]), ">=4.1.0, <6.0.0");
        assert_eq!(rendered("=1.2.3", &[]), "1.2.3");
        assert_eq!(rendered("*", &[]), "any version");
        assert_eq!(rendered(">=2, <1", &[]), "no version at all");
        assert_eq!(rendered("^2", &["2.1.0-beta.1", "2.0.0"]), "^2");
    }

    #[test]
    fn r_i3_version_sets_are_named_by_the_versions_the_catalog_has() {
        let all = [v("1.0.0"), v("1.1.0"), v("2.0.0"), v("2.1.0"), v("3.0.0")];
        let text = |set: Ranges<Version>| versions_text("Report Builder", all.iter(), &set);
        assert_eq!(
            text(Ranges::between(v("2.0.0"), v("3.0.0"))),
            "Report Builder 2.x"
        );
        assert_eq!(text(Ranges::full()), "every version of Report Builder");
        assert_eq!(text(Ranges::singleton(v("1.1.0"))), "Report Builder 1.1.0");
        assert_eq!(
            text(Ranges::between(v("1.1.0"), v("2.1.0"))),
            "Report Builder 1.1.0 and 2.0.0"
        );
        assert_eq!(
            text(Ranges::between(v("1.1.0"), v("3.0.0"))),
            "Report Builder 1.1.0 to 2.1.0"
        );
        assert_eq!(
            text(Ranges::singleton(v("1.0.0")).union(&Ranges::singleton(v("3.0.0")))),
            "Report Builder 1.0.0 and 3.0.0"
        );
    }
}
