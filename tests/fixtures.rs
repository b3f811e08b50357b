//! Runs the real `blocklint` binary on every fixture crate and compares its
//! findings with the `//~ RULE` annotations in the sources (SPEC section 7):
//! any missed or unexpected (file, line, rule) fails, with the difference
//! printed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

type Expectation = (PathBuf, usize, String);

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Every `//~ RULE[, RULE]` annotation under `tree`, as (relative path,
/// line, rule).
fn expectations(tree: &Path) -> BTreeSet<Expectation> {
    let mut found = BTreeSet::new();
    let mut stack = vec![tree.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            if path.is_dir() {
                if name != "target" && !name.starts_with('.') {
                    stack.push(path);
                }
                continue;
            }
            if !name.ends_with(".rs") {
                continue;
            }
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            for (number, line) in text.lines().enumerate() {
                if let Some(at) = line.find("//~") {
                    for rule in line[at + 3..].split(',') {
                        let rule = rule.trim();
                        if !rule.is_empty() {
                            let relative = path.strip_prefix(tree).unwrap().to_path_buf();
                            found.insert((relative, number + 1, rule.to_string()));
                        }
                    }
                }
            }
        }
    }
    found
}

fn findings(tree: &Path) -> BTreeSet<Expectation> {
    let output = Command::new(env!("CARGO_BIN_EXE_blocklint"))
        .args(["--format", "json", "."])
        .current_dir(tree)
        .output()
        .expect("blocklint runs");
    let code = output.status.code();
    assert!(
        matches!(code, Some(0) | Some(1)),
        "blocklint exited {code:?} on {}:\n{}",
        tree.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let items: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("json output is one array");
    items
        .as_array()
        .expect("an array")
        .iter()
        .map(|item| {
            let path = PathBuf::from(item["path"].as_str().unwrap());
            let line = item["line"].as_u64().unwrap() as usize;
            (path, line, item["rule"].as_str().unwrap().to_string())
        })
        .collect()
}

/// The difference between what the annotations say and what the tool found,
/// one line per mismatch; empty when they agree.
fn compare(tree: &Path) -> Vec<String> {
    let expected = expectations(tree);
    let got = findings(tree);
    let mut diff = Vec::new();
    for (path, line, rule) in expected.difference(&got) {
        diff.push(format!("missed:     {}:{line}: {rule}", path.display()));
    }
    for (path, line, rule) in got.difference(&expected) {
        diff.push(format!("unexpected: {}:{line}: {rule}", path.display()));
    }
    diff
}

#[test]
fn every_fixture_crate_matches_its_annotations() {
    let mut trees: Vec<PathBuf> = std::fs::read_dir(fixtures_root())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Cargo.toml").is_file())
        .collect();
    trees.sort();
    assert!(
        trees.len() >= 5,
        "expected the fixture crates under fixtures/, found {trees:?}"
    );
    let mut failures = Vec::new();
    for tree in &trees {
        let diff = compare(tree);
        if !diff.is_empty() {
            failures.push(format!("{}:\n  {}", tree.display(), diff.join("\n  ")));
        }
    }
    assert!(
        failures.is_empty(),
        "fixtures disagree with their annotations:\n{}",
        failures.join("\n")
    );
}

/// The harness must be able to fail: a tree whose annotation is wrong on
/// purpose is reported as both a miss and an unexpected finding.
#[test]
fn a_wrong_annotation_is_caught() {
    let dir = std::env::temp_dir().join(format!("blocklint-harness-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(
        dir.join("Cargo.toml"),
        "[package]\nname = \"probe\"\n[dependencies]\ntokio = \"1\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("src/main.rs"),
        "async fn handler() {\n    std::thread::sleep(std::time::Duration::from_secs(1)); //~ blocking-fs\n}\n",
    )
    .unwrap();
    let diff = compare(&dir);
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(
        diff,
        [
            "missed:     src/main.rs:2: blocking-fs",
            "unexpected: src/main.rs:2: blocking-sleep"
        ],
        "the harness did not notice a wrong annotation"
    );
}
