//! The whole per-file pipeline on arbitrary bytes: decode, parse, resolve,
//! collect (whole, and in the pieces a lazy run parses alone), the
//! crate-wide analysis, suppressions, and every output format.
//! Any panic, stack overflow or abort is a bug: bad input must become a
//! finding (ARCHITECTURE.md, "Invariants").
//!
//! The input is linted as `src/main.rs` of a scratch crate that depends on
//! the runtimes and clients the rule data knows, through `--stdin-filename`
//! (`Options::stdin`), so every run sees the same crate context without
//! writing the input to disk.
#![no_main]

#[path = "../../tests/common/pieces.rs"]
mod pieces;

use blocklint::lint::{Options, lint};
use blocklint::report::{self, Context};
use blocklint::rules::RuleSet;
use codespan_reporting::term::termcolor::NoColor;
use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

const MANIFEST: &str = r#"[package]
name = "fuzzed"
version = "0.1.0"
edition = "2021"

[dependencies]
tokio = { version = "1", features = ["full"] }
async-std = "1"
smol = "2"
futures = "0.3"
reqwest = { version = "0.12", features = ["blocking"] }
ureq = "2"
rusqlite = "0.32"
diesel = "2"
postgres = "0.19"
redis = "0.27"
tk = { package = "tokio", version = "1" }
"#;

struct Setup {
    rules: RuleSet,
    main_rs: PathBuf,
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("blocklint-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).expect("scratch crate");
        std::fs::write(dir.join("Cargo.toml"), MANIFEST).expect("scratch manifest");
        let main_rs = dir.join("src/main.rs");
        std::fs::write(&main_rs, "").expect("scratch main.rs");
        Setup {
            rules: RuleSet::builtin().expect("built-in rule data is valid"),
            main_rs,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let setup = setup();
    let text = match blocklint::parse::decode(data.to_vec()) {
        Ok(text) => text,
        // Not UTF-8: a located io-error, nothing further to run.
        Err(failure) => {
            assert!(failure.span.line >= 1 && failure.span.column >= 1);
            return;
        }
    };
    // Elision keeps every line and character position, and what it gives
    // syn parses whenever the text as written does.
    let names = ["f".to_string(), "S".to_string()];
    for (bodies, names) in [(false, None), (true, None), (true, Some(&names[..]))] {
        let keep = blocklint::elide::Keep {
            bodies,
            names,
            keep_bodies: None,
        };
        if let Some(elided) = blocklint::elide::elide(&text, keep) {
            // Lines stay, and lines with anything left keep their length.
            assert_eq!(elided.text.lines().count(), text.lines().count());
            for (line, was) in elided.text.lines().zip(text.lines()) {
                if !line.trim().is_empty() {
                    assert_eq!(line.chars().count(), was.chars().count());
                }
            }
            // Each blanked body parses alone, or fails cleanly.
            for &range in &elided.body_ranges {
                let _ = blocklint::parse::parse_block(&text, range);
            }
            if blocklint::parse::parse(&text).is_ok() {
                assert!(
                    blocklint::parse::parse(&elided.text).is_ok(),
                    "elided text does not parse"
                );
            }
            proc_macro2::extra::invalidate_current_thread_spans();
        }
    }
    // Read in pieces as a lazy run reads a file (bodies and items blanked,
    // then each parsed alone): no panic. Pieces are matched to their
    // functions by line and column, which proc-macro2 built for fuzzing
    // does not track (every token is at line 0), so whether pieces
    // summarise as the whole file does is checked by tests/pieces.rs.
    let _ = pieces::check_pieces(&text, &setup.rules);
    proc_macro2::extra::invalidate_current_thread_spans();
    // The analysis runs on the calling thread, as in the CLI (the main
    // thread, 8 MiB); parsing and collecting on the run's worker pool.
    // The whole run, every rule on.
    let options = Options {
        paths: vec![setup.main_rs.clone()],
        select: vec!["all".to_string()],
        jobs: Some(1),
        stdin: Some((setup.main_rs.clone(), text)),
        ..Options::default()
    };
    let result = lint(&options, &setup.rules).expect("a run over one file never fails");

    let findings = &result.findings;
    let sources = &result.sources;
    let context = Context::default();
    let mut human = NoColor::new(Vec::new());
    report::render_human(&mut human, findings, sources).expect("writing to memory");
    let _ = report::render_short(findings);
    let _ = report::render_json(findings);
    let _ = report::json_lines::render(findings);
    let _ = report::sarif::render(findings, &context);
    let _ = report::github::render(findings, &context);
    let _ = report::cargo_json::messages(findings, sources, &context);
    let _ = report::cargo_json::build_finished(findings, &context);
});
