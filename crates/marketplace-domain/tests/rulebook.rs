//! The rulebook, `docs/domain-rules.md`, stays honest:
//! - every rule id cited anywhere in the repository (code, comments, docs, SQL, manifests)
//!   is defined there, so no citation points at a rule a reader cannot look up;
//! - every rule defined there and not marked *(planned)* has a test whose function name
//!   carries its id in snake case (`R-K2` → `fn r_k2_…` or `fn …_r_k2_…`).
//!
//! A rule is defined by a line that starts with its id in bold (`**R-K2 …`) or a heading
//! whose text starts with it (`### R-K2 …`); it is planned when that line says
//! `(planned)`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const RULEBOOK: &str = "docs/domain-rules.md";

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every file under `dir` whose extension is one of `extensions`, skipping build output
/// (`target`, `target-…`) and git's own directory.
fn files_under(dir: &Path, extensions: &[&str], out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if path.is_dir() {
            if !name.starts_with("target") && name != ".git" {
                files_under(&path, extensions, out);
            }
        } else if path
            .extension()
            .is_some_and(|e| extensions.iter().any(|x| e == *x))
        {
            out.push(path);
        }
    }
}

fn relative(path: &Path) -> String {
    let root = repo_root().canonicalize().unwrap();
    let path = path.canonicalize().unwrap();
    path.strip_prefix(&root)
        .unwrap_or(&path)
        .display()
        .to_string()
}

/// The rule id that `text` starts with, if any: `R-`, an upper-case letter, digits.
fn id_at_start(text: &str) -> Option<String> {
    let rest = text.strip_prefix("R-")?;
    let mut chars = rest.chars();
    let family = chars.next().filter(char::is_ascii_uppercase)?;
    let digits: String = chars.take_while(char::is_ascii_digit).collect();
    (!digits.is_empty()).then(|| format!("R-{family}{digits}"))
}

/// Every rule id cited in `text`; an id glued to a preceding letter or digit is not one.
fn cited_ids(text: &str) -> Vec<String> {
    text.match_indices("R-")
        .filter(|(at, _)| {
            text[..*at]
                .chars()
                .next_back()
                .is_none_or(|c| !c.is_ascii_alphanumeric())
        })
        .filter_map(|(at, _)| id_at_start(&text[at..]))
        .collect()
}

/// The rules the rulebook defines, each with whether it is planned, in order of definition.
fn defined_rules() -> Vec<(String, bool)> {
    let text = fs::read_to_string(repo_root().join(RULEBOOK)).unwrap();
    text.lines()
        .filter_map(|line| {
            let line = line.trim_start();
            let head = if let Some(bold) = line.strip_prefix("**") {
                bold
            } else if line.starts_with('#') {
                line.trim_start_matches('#').trim_start()
            } else {
                return None;
            };
            id_at_start(head).map(|id| (id, line.contains("(planned)")))
        })
        .collect()
}

/// The rule ids a function name carries: each `r` followed by a letter-and-digits word
/// part (`r_k2_adds_in_order` → `R-K2`).
fn ids_in_fn_name(name: &str) -> Vec<String> {
    let parts: Vec<&str> = name.split('_').collect();
    parts
        .windows(2)
        .filter(|w| w[0] == "r")
        .filter_map(|w| {
            let id = id_at_start(&format!("R-{}", w[1].to_ascii_uppercase()))?;
            // The whole word part is the id: `r_k2x` names no rule.
            (id.len() == w[1].len() + 2).then_some(id)
        })
        .collect()
}

/// The names of the test functions of the repository: functions in `tests/` directories,
/// in files whose name says `test`, or after a `#[cfg(test)]` in any other source.
fn test_fn_names() -> Vec<(String, String)> {
    let mut sources = Vec::new();
    files_under(&repo_root(), &["rs"], &mut sources);
    let mut names = Vec::new();
    for file in sources {
        let rel = relative(&file);
        let in_test_file = rel.split('/').any(|part| part == "tests")
            || file.file_name().unwrap().to_string_lossy().contains("test");
        let mut in_test_code = in_test_file;
        for line in fs::read_to_string(&file).unwrap().lines() {
            let code = line.trim_start();
            if code.starts_with("#[cfg(test)]") {
                in_test_code = true;
            }
            if !in_test_code || code.starts_with("//") {
                continue;
            }
            let words: Vec<&str> = code
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| !w.is_empty())
                .collect();
            if let Some(w) = words.windows(2).find(|w| w[0] == "fn") {
                names.push((w[1].to_owned(), rel.clone()));
            }
        }
    }
    names
}

#[test]
fn the_rulebook_defines_each_rule_once() {
    let rules = defined_rules();
    assert!(
        rules.len() >= 40,
        "{RULEBOOK} defines only {} rules: is the format still `**R-K2 …`?",
        rules.len()
    );
    let mut seen = BTreeSet::new();
    let twice: Vec<&str> = rules
        .iter()
        .filter(|(id, _)| !seen.insert(id.as_str()))
        .map(|(id, _)| id.as_str())
        .collect();
    assert!(
        twice.is_empty(),
        "{RULEBOOK} defines these rules more than once: {twice:?}"
    );
}

#[test]
fn every_cited_rule_id_is_defined_in_the_rulebook() {
    let defined: BTreeSet<String> = defined_rules().into_iter().map(|(id, _)| id).collect();
    let mut files = Vec::new();
    files_under(&repo_root(), &["rs", "md", "sql", "toml"], &mut files);
    let mut undefined: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for file in &files {
        let text = fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for id in cited_ids(line) {
                if !defined.contains(&id) {
                    let at = format!("{}:{}", relative(file), n + 1);
                    undefined.entry(id).or_default().push(at);
                }
            }
        }
    }
    assert!(
        undefined.is_empty(),
        "rule ids cited but not defined in {RULEBOOK} (define them there or fix the \
         citation):\n{}",
        undefined
            .iter()
            .map(|(id, at)| format!("  {id}: {}", at.join(", ")))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn every_rule_in_force_has_a_test_named_for_it() {
    let tested: BTreeSet<String> = test_fn_names()
        .iter()
        .flat_map(|(name, _)| ids_in_fn_name(name))
        .collect();
    let untested: Vec<String> = defined_rules()
        .into_iter()
        .filter(|(id, planned)| !planned && !tested.contains(id))
        .map(|(id, _)| id)
        .collect();
    assert!(
        untested.is_empty(),
        "rules in force with no test named for them (`fn r_k2_…`), or mark them (planned) \
         in {RULEBOOK} if their code does not exist yet: {untested:?}"
    );
}

#[test]
fn rule_ids_are_read_the_way_the_rulebook_writes_them() {
    assert_eq!(
        cited_ids("R-C1..R-C5, (R-K2) and R-B10; not XR-K2 nor R-k2 nor R-K"),
        ["R-C1", "R-C5", "R-K2", "R-B10"]
    );
    assert_eq!(ids_in_fn_name("r_k2_adds_in_order"), ["R-K2"]);
    assert_eq!(ids_in_fn_name("lapsed_counts_r_k2_r_r2"), ["R-K2", "R-R2"]);
    assert!(ids_in_fn_name("order_r_adds").is_empty());
    assert!(ids_in_fn_name("per_k2_limit").is_empty());
    assert!(ids_in_fn_name("r_k2x_is_not_a_rule").is_empty());
}
