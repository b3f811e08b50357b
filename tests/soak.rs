//! The soak: the real binary over a pinned corpus of real crates (by default
//! target/soak-corpus, from `scripts/vendor-corpus.sh --soak`; set
//! BLOCKLINT_SOAK_CORPUS to use another folder, e.g. target/corpus). It must
//! exit 0 or 1, never panic or report an internal error, and report every
//! file syn cannot parse as a `syntax-error` (or, when the file is not
//! UTF-8, an `io-error`). Prints the number of findings.
//!
//! Ignored by plain `cargo test` (it needs the vendored corpus and a release
//! build to be quick); scripts/soak.sh vendors the corpus and runs
//! `cargo test --release --test soak -- --ignored --nocapture`.

mod common;

use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use std::time::Duration;

/// What syn makes of one file, independently of blocklint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Parses,
    /// syn fails: a `syntax-error` is required.
    SyntaxError,
    /// Not UTF-8: an `io-error` is required.
    NotUtf8,
}

fn corpus() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::var_os("BLOCKLINT_SOAK_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/soak-corpus"));
    let dir = root.join(dir);
    assert!(
        dir.is_dir(),
        "{} not found: run scripts/vendor-corpus.sh --soak (or scripts/soak.sh)",
        dir.display()
    );
    std::fs::canonicalize(dir).unwrap()
}

#[test]
#[ignore = "needs the vendored soak corpus; run scripts/soak.sh"]
fn soak_over_real_crates() {
    let corpus = corpus();
    let files: Vec<PathBuf> =
        blocklint::discover::discover(std::slice::from_ref(&corpus), &|_| false)
            .files
            .into_iter()
            .map(|f| f.absolute)
            .collect();
    assert!(!files.is_empty(), "no .rs files under {}", corpus.display());

    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(blocklint::parse::STACK_SIZE)
        .build()
        .unwrap();
    let expected: HashMap<PathBuf, Expect> = pool.install(|| {
        files
            .par_iter()
            .map(|path| {
                let expect = match String::from_utf8(std::fs::read(path).unwrap()) {
                    Err(_) => Expect::NotUtf8,
                    Ok(text) => {
                        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
                        let parsed = syn::parse_file(text).is_ok();
                        proc_macro2::extra::invalidate_current_thread_spans();
                        if parsed {
                            Expect::Parses
                        } else {
                            Expect::SyntaxError
                        }
                    }
                };
                (path.clone(), expect)
            })
            .collect()
    });

    // The whole contract (every syntax error reported) holds when every
    // file is parsed; the default run parses lazily and must find the same
    // blocking, cold and then from its cache.
    let full = run(&corpus, &["--parse-all", "--no-cache"]);
    let cache_dir =
        std::env::temp_dir().join(format!("blocklint-soak-cache-{}", std::process::id()));
    let lazy_cold = run(&corpus, &["--cache-dir", cache_dir.to_str().unwrap()]);
    let lazy_warm = run(&corpus, &["--cache-dir", cache_dir.to_str().unwrap()]);
    let _ = std::fs::remove_dir_all(&cache_dir);
    let items = full.items.clone();
    let (status, elapsed) = (full.status, full.elapsed);

    let mut by_rule: BTreeMap<String, usize> = BTreeMap::new();
    let mut file_rules: HashMap<PathBuf, Vec<(String, String)>> = HashMap::new();
    let mut problems = Vec::new();
    for item in &items {
        let rule = item["rule"].as_str().unwrap_or("?").to_string();
        let message = item["message"].as_str().unwrap_or_default().to_string();
        if message.contains("internal error") {
            problems.push(format!("internal error: {item}"));
        }
        *by_rule.entry(rule.clone()).or_default() += 1;
        let path = Path::new(item["path"].as_str().unwrap_or_default());
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        file_rules
            .entry(absolute)
            .or_default()
            .push((rule, message));
    }
    let mut unparsable = 0;
    for (path, expect) in &expected {
        let rules = file_rules.get(path).map(Vec::as_slice).unwrap_or(&[]);
        let has = |rule: &str| rules.iter().any(|(r, _)| r == rule);
        match expect {
            Expect::SyntaxError => {
                unparsable += 1;
                if !has("syntax-error") {
                    problems.push(format!(
                        "syn cannot parse {} but no syntax-error was reported",
                        path.display()
                    ));
                }
            }
            Expect::NotUtf8 => {
                unparsable += 1;
                if !has("io-error") {
                    problems.push(format!("{} is not UTF-8 but no io-error", path.display()));
                }
            }
            Expect::Parses => {
                // Refusing a file syn can parse is only for pathological
                // nesting, and must say so.
                for (rule, message) in rules {
                    if rule == "syntax-error" && !message.contains("nest") {
                        problems.push(format!(
                            "{} parses with syn but got a syntax-error: {message}",
                            path.display()
                        ));
                    }
                }
            }
        }
    }

    println!(
        "soak: {} files under {}, {unparsable} syn cannot parse; blocklint {} in {:.1} s: {} findings",
        files.len(),
        corpus.display(),
        status,
        elapsed.as_secs_f64(),
        items.len()
    );
    for (rule, n) in &by_rule {
        println!("  {rule:<24} {n}");
    }
    let full_blocking = blocking(&full.items);
    for (name, other) in [("lazy", &lazy_cold), ("lazy, from the cache", &lazy_warm)] {
        let found = blocking(&other.items);
        let missing: Vec<&String> = full_blocking
            .iter()
            .filter(|l| !found.contains(l))
            .collect();
        let extra: Vec<&String> = found
            .iter()
            .filter(|l| !full_blocking.contains(l))
            .collect();
        for l in missing.iter().take(20) {
            problems.push(format!("{name} run misses: {l}"));
        }
        for l in extra.iter().take(20) {
            problems.push(format!("{name} run adds: {l}"));
        }
        for item in &other.items {
            if item["rule"] == "syntax-error" {
                let path = Path::new(item["path"].as_str().unwrap_or_default());
                let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
                if expected.get(&absolute) != Some(&Expect::SyntaxError)
                    && !item["message"]
                        .as_str()
                        .unwrap_or_default()
                        .contains("nest")
                {
                    problems.push(format!(
                        "{name} run: syntax-error in a file syn parses: {item}"
                    ));
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

/// Findings that are not about the input itself, as comparable lines.
fn blocking(items: &[serde_json::Value]) -> Vec<String> {
    let mut lines: Vec<String> = items
        .iter()
        .filter(|i| {
            !matches!(
                i["rule"].as_str(),
                Some("syntax-error" | "io-error" | "manifest-error")
            )
        })
        .map(|i| {
            format!(
                "{}:{}:{} {} {}",
                i["path"], i["line"], i["column"], i["rule"], i["message"]
            )
        })
        .collect();
    lines.sort();
    lines
}

struct Run {
    status: std::process::ExitStatus,
    items: Vec<serde_json::Value>,
    elapsed: Duration,
}

/// Runs the release binary over `corpus` with every rule on, checking that
/// it ends with 0 or 1 in time and prints nothing alarming.
fn run(corpus: &Path, extra: &[&str]) -> Run {
    let limit = Duration::from_secs(
        std::env::var("BLOCKLINT_SOAK_TIMEOUT")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(900),
    );
    let corpus_arg = corpus.to_string_lossy();
    let mut args = vec!["--format", "json", "--select", "all"];
    args.extend_from_slice(extra);
    args.push(&corpus_arg);
    let common::LimitedRun {
        status,
        stdout,
        stderr,
        elapsed,
    } = common::blocklint_within(Path::new("."), &args, limit, &std::env::temp_dir());
    assert!(
        matches!(status.code(), Some(0 | 1)),
        "blocklint {extra:?} exited with {status}:\n{stderr}"
    );
    for bad in ["panicked", "internal error", "overflowed its stack"] {
        assert!(
            !stderr.contains(bad),
            "blocklint {extra:?}: stderr mentions `{bad}`:\n{stderr}"
        );
    }
    let items: Vec<serde_json::Value> = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("blocklint {extra:?}: output is not JSON: {e}"));
    println!(
        "soak: blocklint {extra:?}: {status} in {:.1} s, {} findings",
        elapsed.as_secs_f64(),
        items.len()
    );
    Run {
        status,
        items,
        elapsed,
    }
}
