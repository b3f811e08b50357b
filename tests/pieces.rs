//! Every fixture and regression input, read in pieces as a lazy run reads
//! it (long bodies and module-level items blanked, then each parsed alone
//! and merged), summarises as when it is parsed whole
//! (`common::pieces::check_pieces`).

mod common;

use blocklint::rules::RuleSet;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn fixtures_read_in_pieces_summarise_as_whole() {
    let rules = RuleSet::builtin().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["fixtures", "tests/regressions", "tests/pieces", "src"] {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 50, "{} files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        if let Err(difference) = common::pieces::check_pieces(&text, &rules) {
            failures.push(format!("{}: {difference}", path.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The same over a tree of real crates: `BLOCKLINT_PIECES=target/corpus
/// cargo test --release --test pieces -- --ignored` (the benchmark corpus,
/// from scripts/vendor-corpus.sh).
#[test]
#[ignore]
fn a_tree_read_in_pieces_summarises_as_whole() {
    use rayon::prelude::*;
    let Some(dir) = std::env::var_os("BLOCKLINT_PIECES") else {
        panic!("set BLOCKLINT_PIECES to a folder of Rust code");
    };
    let rules = RuleSet::builtin().unwrap();
    let mut files = Vec::new();
    rust_files(Path::new(&dir), &mut files);
    let failures: Vec<String> = files
        .par_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            let outcome = common::pieces::check_pieces(&text, &rules);
            proc_macro2::extra::invalidate_current_thread_spans();
            outcome.err().map(|d| format!("{}: {d}", path.display()))
        })
        .collect();
    eprintln!("{} files, {} differ", files.len(), failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
