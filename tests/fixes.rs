//! `--fix`, `--unsafe-fixes` and `--diff` on the fixture pairs in
//! tests/fixes/ (see its README): annotations hold, the fixed file matches
//! byte for byte, still parses, and lints clean of the fixed kinds.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cases() -> Vec<(PathBuf, PathBuf)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixes");
    let mut cases = Vec::new();
    for crate_dir in std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
    {
        if !crate_dir.join("Cargo.toml").is_file() {
            continue;
        }
        for file in std::fs::read_dir(&crate_dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
        {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".rs") && !name.ends_with(".fixed.rs") {
                cases.push((crate_dir.clone(), file));
            }
        }
    }
    cases.sort();
    assert!(cases.len() >= 6, "fix fixtures missing: {cases:?}");
    cases
}

/// A scratch crate holding the case as src/main.rs.
fn scratch(crate_dir: &Path, case: &Path) -> PathBuf {
    let name = format!(
        "blocklint-fix-{}-{}-{}",
        crate_dir.file_name().unwrap().to_string_lossy(),
        case.file_stem().unwrap().to_string_lossy(),
        std::process::id()
    );
    let dir = std::env::temp_dir().join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::copy(crate_dir.join("Cargo.toml"), dir.join("Cargo.toml")).unwrap();
    std::fs::copy(case, dir.join("src/main.rs")).unwrap();
    dir
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blocklint"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

fn findings(dir: &Path) -> Vec<serde_json::Value> {
    let out = run(dir, &["--format", "json", "--no-cache", "."]);
    let out = if out.status.code() == Some(2) {
        run(dir, &["--format", "json", "."])
    } else {
        out
    };
    serde_json::from_slice::<serde_json::Value>(&out.stdout)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn annotations(text: &str) -> BTreeSet<(usize, String)> {
    let mut found = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        if let Some(at) = line.find("//~") {
            for rule in line[at + 3..]
                .split(',')
                .map(str::trim)
                .filter(|r| !r.is_empty())
            {
                found.insert((i + 1, rule.to_string()));
            }
        }
    }
    found
}

#[test]
fn fixes_match_their_fixed_files() {
    let mut failures = Vec::new();
    for (crate_dir, case) in cases() {
        let label = format!(
            "{}/{}",
            crate_dir.file_name().unwrap().to_string_lossy(),
            case.file_name().unwrap().to_string_lossy()
        );
        let original = std::fs::read_to_string(&case).unwrap();
        let expected = std::fs::read_to_string(case.with_extension("fixed.rs"))
            .unwrap_or_else(|_| panic!("{label} has no .fixed.rs"));
        let unsafe_fixes = case
            .file_name()
            .unwrap()
            .to_string_lossy()
            .contains("unsafe");
        let dir = scratch(&crate_dir, &case);

        let got: BTreeSet<(usize, String)> = findings(&dir)
            .iter()
            .map(|f| {
                (
                    f["line"].as_u64().unwrap() as usize,
                    f["rule"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let want = annotations(&original);
        if got != want {
            failures.push(format!(
                "{label}: findings {got:?} but annotations say {want:?}"
            ));
        }

        let diff_args: &[&str] = if unsafe_fixes {
            &["--diff", "--unsafe-fixes"]
        } else {
            &["--diff"]
        };
        let diff = run(&dir, diff_args);
        let changes = original != expected;
        assert_eq!(
            diff.status.code(),
            Some(if changes { 1 } else { 0 }),
            "{label}: --diff exit status"
        );
        assert_eq!(
            std::fs::read_to_string(dir.join("src/main.rs")).unwrap(),
            original,
            "{label}: --diff changed the file"
        );
        if changes {
            let shown = String::from_utf8_lossy(&diff.stdout);
            assert!(
                shown.starts_with("--- src/main.rs\n+++ src/main.rs\n@@ "),
                "{label}: {shown}"
            );
        }

        let mut args = vec!["--fix"];
        if unsafe_fixes {
            args.push("--unsafe-fixes");
        }
        run(&dir, &args);
        let fixed = std::fs::read_to_string(dir.join("src/main.rs")).unwrap();
        if fixed != expected {
            failures.push(format!(
                "{label}: --fix gave\n{fixed}\nexpected\n{expected}"
            ));
        }
        if let Err(e) = syn::parse_file(&fixed) {
            failures.push(format!("{label}: the fixed file does not parse: {e}"));
        }
        for f in findings(&dir) {
            let applicability = f["fix"]["applicability"].as_str().unwrap_or("");
            if applicability == "machine-applicable"
                || (unsafe_fixes && applicability == "maybe-incorrect")
            {
                failures.push(format!(
                    "{label}: a fixable finding remains after --fix: {f}"
                ));
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn a_missing_tokio_feature_is_named_in_the_help() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixes/tokio-no-fs");
    let dir = scratch(&crate_dir, &crate_dir.join("safe.rs"));
    let items = findings(&dir);
    let fs = items.iter().find(|f| f["rule"] == "blocking-fs").unwrap();
    assert!(
        fs["help"].as_str().unwrap().contains("`fs` feature"),
        "{fs}"
    );
    assert_eq!(fs["fix"]["applicability"], "maybe-incorrect");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn editors_get_rustc_suggestions_and_human_output_shows_the_fix() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixes/tokio");
    let dir = scratch(&crate_dir, &crate_dir.join("safe.rs"));
    let out = run(&dir, &["--message-format", "json"]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let suggestion = text
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-message")
        .flat_map(|m| {
            m["message"]["children"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .flat_map(|c| c["spans"].as_array().cloned().unwrap_or_default())
        .find(|s| s["suggested_replacement"] == "tokio::fs::read_to_string")
        .expect("a rustc-style suggestion for read_to_string");
    assert_eq!(suggestion["suggestion_applicability"], "MachineApplicable");
    let human = run(&dir, &["--color", "never"]);
    let shown = String::from_utf8_lossy(&human.stdout);
    assert!(
        shown.contains("help: use the async API (machine-applicable): `tokio::fs::read_to_string(dir.join(\"config.toml\")).await`"),
        "{shown}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
