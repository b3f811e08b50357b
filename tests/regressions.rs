//! Inputs that once crashed, hung or blew up the linter (from the fuzzer,
//! the soak and bad-input tests), kept in tests/regressions/. Each is linted
//! as `src/main.rs` of a crate that depends on the runtimes, by the real
//! binary: it must finish within a minute, exit 0 or 1 and print valid JSON
//! with no internal error.
//!
//! A file named `open-*.rs` is a known bug not fixed yet: only the ignored
//! test `open_regressions` runs those. Drop the prefix once it is fixed.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const MANIFEST: &str = "[package]\nname = \"regression\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\
    [dependencies]\ntokio = { version = \"1\", features = [\"full\"] }\nasync-std = \"1\"\nsmol = \"2\"\n\
    futures = \"0.3\"\nreqwest = \"0.12\"\n";

fn inputs(open: bool) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regressions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("open-")
                == open
        })
        .collect();
    files.sort();
    files
}

/// Lints `input` in a scratch crate; the problem, if any.
fn check(input: &Path) -> Option<String> {
    let name = input.file_stem().unwrap().to_string_lossy().into_owned();
    let dir = std::env::temp_dir().join(format!(
        "blocklint-regression-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), MANIFEST).unwrap();
    std::fs::copy(input, dir.join("src/main.rs")).unwrap();
    let out_path = dir.join("stdout.json");
    let err_path = dir.join("stderr.txt");
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_blocklint"))
        .args(["--format", "json", "--select", "all", "."])
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let limit = Duration::from_secs(60);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    let _ = std::fs::remove_dir_all(&dir);
    let problem = match status {
        None => Some(format!("still running after {limit:?}")),
        Some(status) if !matches!(status.code(), Some(0 | 1)) => {
            Some(format!("{status}: {}", stderr.trim()))
        }
        Some(_) => match serde_json::from_str::<Vec<serde_json::Value>>(&stdout) {
            Err(e) => Some(format!("output is not JSON ({e})")),
            Ok(items) => items
                .iter()
                .find(|i| {
                    i["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("internal error"))
                })
                .map(|i| format!("internal error: {i}")),
        },
    };
    problem.map(|p| format!("{}: {p}", input.display()))
}

#[test]
fn regressions_lint_cleanly() {
    let problems: Vec<String> = inputs(false).iter().filter_map(|f| check(f)).collect();
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
#[ignore = "known open bugs (tests/regressions/open-*.rs): run with --ignored"]
fn open_regressions() {
    let problems: Vec<String> = inputs(true).iter().filter_map(|f| check(f)).collect();
    assert!(problems.is_empty(), "{problems:#?}");
}
