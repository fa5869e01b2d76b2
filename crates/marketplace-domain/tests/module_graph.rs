//! The domain's modules import each other without circles, and so do the kernel's.
//!
//! A business area may depend on another only one way round: when two areas need each other,
//! what they share belongs in the kernel or in a module beneath both. The test reads the
//! sources (non-test code only) and fails naming the first circle it finds.
#![allow(clippy::unwrap_used)] // a test: a missing source file should fail it loudly

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Top-level modules of a crate's `src`, each with the source of its non-test files.
fn modules(src: &Path) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in fs::read_dir(src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        if name == "lib" || is_test_file(&path) {
            continue;
        }
        let mut text = String::new();
        if path.is_dir() {
            for file in rust_files(&path) {
                text.push_str(&non_test_code(&fs::read_to_string(file).unwrap()));
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            text = non_test_code(&fs::read_to_string(&path).unwrap());
        } else {
            continue;
        }
        out.insert(name, text);
    }
    out
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") && !is_test_file(&path) {
            files.push(path);
        }
    }
    files
}

/// Test modules and shared test fixtures are not part of the architecture.
fn is_test_file(path: &Path) -> bool {
    let name = path.file_stem().unwrap().to_string_lossy();
    name.ends_with("tests") || name == "fixtures"
}

/// The source up to its `#[cfg(test)] mod tests` block, which by convention closes a file.
fn non_test_code(source: &str) -> String {
    match source.find("#[cfg(test)]\nmod tests") {
        Some(at) => source[..at].to_owned(),
        None => source.to_owned(),
    }
}

/// Which of the crate's modules each module names through `crate::`.
fn edges(mods: &BTreeMap<String, String>) -> BTreeMap<String, BTreeSet<String>> {
    mods.iter()
        .map(|(name, text)| {
            let deps = text
                .match_indices("crate::")
                .map(|(at, m)| {
                    text[at + m.len()..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .filter(|dep| dep != name && mods.contains_key(dep))
                .collect();
            (name.clone(), deps)
        })
        .collect()
}

/// The first circle found by depth-first search, as a path that starts and ends on one module.
fn find_cycle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

fn crate_src(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(name)
        .join("src")
}

#[test]
fn the_domains_modules_import_each_other_without_circles() {
    let graph = edges(&modules(&crate_src("marketplace-domain")));
    assert!(graph.len() > 10, "modules not found: {graph:?}");
    assert_eq!(
        find_cycle(&graph),
        None,
        "a circle among the domain's modules"
    );
}

#[test]
fn the_kernels_modules_import_each_other_without_circles() {
    let graph = edges(&modules(&crate_src("marketplace-kernel")));
    assert!(graph.contains_key("money"), "modules not found: {graph:?}");
    assert_eq!(
        find_cycle(&graph),
        None,
        "a circle among the kernel's modules"
    );
}

#[test]
fn the_cycle_finder_finds_a_circle_and_passes_a_line() {
    let graph = |pairs: &[(&str, &str)]| {
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (from, to) in pairs {
            g.entry((*from).into()).or_default().insert((*to).into());
            g.entry((*to).into()).or_default();
        }
        g
    };
    assert_eq!(
        find_cycle(&graph(&[
            ("checkout", "purchase"),
            ("purchase", "checkout")
        ])),
        Some(vec![
            "checkout".into(),
            "purchase".into(),
            "checkout".into()
        ])
    );
    assert_eq!(
        find_cycle(&graph(&[("a", "b"), ("b", "c"), ("a", "c")])),
        None
    );
    let mods = BTreeMap::from([
        ("cart".to_owned(), "use crate::catalog::Tool;".to_owned()),
        (
            "catalog".to_owned(),
            "use crate::cart::Cart; use crate::money::Money;".to_owned(),
        ),
    ]);
    assert!(find_cycle(&edges(&mods)).is_some());
}
