//! blocklint where users work, end to end with the real binaries:
//! `cargo blocklint` on a two-member workspace through cargo itself,
//! package selection, configuration in each of its places, every workflow
//! flag, each output format read back by a real parser, suppressions,
//! baselines and standard input.

mod common;

use common::{Scratch, blocklint};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A copy of `fixtures/cargo-workspace`, to change without touching the
/// fixture.
fn workspace(name: &str) -> Scratch {
    let s = Scratch::empty(name);
    copy_tree(&fixture(), &s.0);
    s
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/cargo-workspace")
}

/// `cargo blocklint ARGS` run by cargo, which finds `cargo-blocklint` on
/// the PATH as it would for a user who installed it.
fn cargo_blocklint(dir: &Path, args: &[&str]) -> Output {
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_cargo-blocklint"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .arg("blocklint")
        .args(args)
        .env("PATH", path)
        .current_dir(dir)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Vec<serde_json::Value> {
    match serde_json::from_slice::<serde_json::Value>(&output.stdout) {
        Ok(serde_json::Value::Array(items)) => items,
        other => panic!(
            "not a JSON array ({other:?}):\nstdout: {}\nstderr: {}",
            stdout(output),
            stderr(output)
        ),
    }
}

type Place = (String, u64, String);

/// (path, line, rule) of every finding of a `--format json` run.
fn found(output: &Output) -> BTreeSet<Place> {
    json(output)
        .iter()
        .map(|i| {
            (
                i["path"].as_str().unwrap().to_string(),
                i["line"].as_u64().unwrap(),
                i["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn place(path: &str, line: u64, rule: &str) -> Place {
    (path.to_string(), line, rule.to_string())
}

/// Every `//~ RULE` annotation under `dir`, paths relative to it.
fn annotations(dir: &Path) -> BTreeSet<Place> {
    let mut out = BTreeSet::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(folder) = stack.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                if let Some(at) = line.find("//~") {
                    for rule in line[at + 3..].split(',').map(str::trim) {
                        let relative = path.strip_prefix(dir).unwrap();
                        out.insert(place(&relative.to_string_lossy(), n as u64 + 1, rule));
                    }
                }
            }
        }
    }
    out
}

fn members_of(places: &BTreeSet<Place>) -> BTreeSet<String> {
    places
        .iter()
        .map(|(p, _, _)| p.split('/').next().unwrap().to_string())
        .collect()
}

// The fixture's findings that the configuration tests switch on and off.
const SLEEP: (&str, u64, &str) = ("api/src/lib.rs", 41, "blocking-sleep");
const NET: (&str, u64, &str) = ("api/src/lib.rs", 47, "blocking-net");
const AUDIT: (&str, u64, &str) = ("api/src/lib.rs", 32, "blocking-fs");
const UNIT_TEST: (&str, u64, &str) = ("api/src/lib.rs", 61, "blocking-fs");
const SMOKE_TEST: (&str, u64, &str) = ("api/tests/smoke.rs", 10, "blocking-fs");
const EXAMPLE: (&str, u64, &str) = ("api/examples/replay.rs", 6, "blocking-fs");
const SPOOL: (&str, u64, &str) = ("ingest/src/main.rs", 17, "blocking-fs");
const UNUSED: (&str, u64, &str) = ("ingest/src/main.rs", 31, "unused-suppression");
const PROCESS: (&str, u64, &str) = ("ingest/src/main.rs", 33, "blocking-process");
const CHANNEL: (&str, u64, &str) = ("ingest/src/main.rs", 42, "blocking-sync");

fn has(places: &BTreeSet<Place>, (path, line, rule): (&str, u64, &str)) -> bool {
    places.contains(&place(path, line, rule))
}

#[test]
fn cargo_blocklint_checks_every_member_through_cargo() {
    let out = cargo_blocklint(&fixture(), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let got = found(&out);
    assert_eq!(got, annotations(&fixture()), "{}", stderr(&out));
    // lib, bin, test, example and the second member's bin: every target.
    for file in [
        "api/src/lib.rs",
        "api/src/main.rs",
        "api/tests/smoke.rs",
        "api/examples/replay.rs",
        "ingest/src/main.rs",
    ] {
        assert!(got.iter().any(|(p, _, _)| p == file), "{file}: {got:?}");
    }
    // Nothing is built: no lock file, and in target/ at most blocklint's
    // own cache.
    assert!(!fixture().join("Cargo.lock").exists());
    let built: Vec<_> = std::fs::read_dir(fixture().join("target"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .filter(|name| name != "blocklint-cache")
        .collect();
    assert!(built.is_empty(), "{built:?}");
    let help = cargo_blocklint(&fixture(), &["--help"]);
    let text = stdout(&help);
    assert!(text.contains("Usage: cargo blocklint"), "{text}");
    assert!(text.contains("--exclude <SPEC>"), "{text}");
    assert!(text.contains("--exclude-path <GLOB>"), "{text}");
}

#[test]
fn package_selection_follows_cargo() {
    let dir = fixture();
    let members = |args: &[&str]| {
        let out = cargo_blocklint(&dir, &[&["--format", "json"], args].concat());
        assert!(
            matches!(out.status.code(), Some(0) | Some(1)),
            "{args:?}: {}",
            stderr(&out)
        );
        members_of(&found(&out))
    };
    let both: BTreeSet<String> = ["api".to_string(), "ingest".to_string()].into();
    assert_eq!(members(&[]), both);
    assert_eq!(members(&["--workspace"]), both);
    assert_eq!(members(&["-p", "ingest"]), ["ingest".to_string()].into());
    assert_eq!(members(&["--package", "orders-api", "-p", "ingest"]), both);
    assert_eq!(members(&["-p", "orders-*"]), ["api".to_string()].into());
    assert_eq!(
        members(&["--workspace", "--exclude", "ingest"]),
        ["api".to_string()].into()
    );
    assert_eq!(
        members(&["--manifest-path", "ingest/Cargo.toml"]),
        ["ingest".to_string()].into()
    );
    // In a member's folder, that member, as `cargo check` does; paths are
    // shown from where the user stands.
    let inside = cargo_blocklint(&dir.join("api"), &["--format", "json"]);
    let got = found(&inside);
    assert!(
        got.iter().all(|(p, _, _)| !p.starts_with("ingest")),
        "{got:?}"
    );
    assert!(
        got.contains(&place("src/lib.rs", 47, "blocking-net")),
        "{got:?}"
    );

    let unknown = cargo_blocklint(&dir, &["-p", "ingset"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("did you mean `ingest`"),
        "{}",
        stderr(&unknown)
    );
    let lone_exclude = cargo_blocklint(&dir, &["--exclude", "ingest"]);
    assert_eq!(lone_exclude.status.code(), Some(2));
    assert!(stderr(&lone_exclude).contains("--workspace"));
    let with_paths = cargo_blocklint(&dir, &["-p", "ingest", "api/src"]);
    assert_eq!(with_paths.status.code(), Some(2));
}

#[test]
fn cargo_blocklint_without_a_manifest_lints_paths() {
    let s = Scratch::empty("loose");
    s.write(
        "handler.rs",
        "async fn handler() {\n    std::thread::sleep(std::time::Duration::from_secs(1));\n}\n",
    );
    let out = cargo_blocklint(&s.0, &["--format", "short"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("handler.rs:2:5: blocking-sleep"),
        "{}",
        stdout(&out)
    );
    let named = cargo_blocklint(&s.0, &["--format", "short", "handler.rs"]);
    assert_eq!(stdout(&named), stdout(&out));
    let selected = cargo_blocklint(&s.0, &["--workspace"]);
    assert_eq!(selected.status.code(), Some(2));
    assert!(stderr(&selected).contains("could not find `Cargo.toml`"));
}

#[test]
fn configuration_file_at_the_workspace_root() {
    let s = workspace("config-file");
    s.write("blocklint.toml", "ignore = [\"blocking-sleep\"]\n");
    let got = found(&cargo_blocklint(&s.0, &["--format", "json"]));
    assert!(!has(&got, SLEEP) && has(&got, NET), "{got:?}");
    // Plain `blocklint` finds the same file from anywhere in the workspace.
    let inside = found(&blocklint(&s.path("api"), &["--format", "json"]));
    assert!(!inside.contains(&place("src/lib.rs", 41, "blocking-sleep")));

    // `.blocklint.toml` is read when there is no `blocklint.toml`...
    std::fs::remove_file(s.path("blocklint.toml")).unwrap();
    s.write(
        ".blocklint.toml",
        "severity = { blocking-net = \"error\" }\n",
    );
    let items = json(&cargo_blocklint(&s.0, &["--format", "json"]));
    let net = items.iter().find(|i| i["rule"] == "blocking-net").unwrap();
    assert_eq!(net["severity"], "error");
    // ...and `blocklint.toml` wins over it.
    s.write("blocklint.toml", "ignore = [\"blocking-net\"]\n");
    let got = found(&cargo_blocklint(&s.0, &["--format", "json"]));
    assert!(!has(&got, NET) && has(&got, SLEEP), "{got:?}");
}

#[test]
fn configuration_in_cargo_toml_package_extends_workspace() {
    let s = workspace("config-metadata");
    s.append(
        "Cargo.toml",
        "\n[workspace.metadata.blocklint]\nignore = [\"blocking-sleep\"]\nskip-tests = true\n",
    );
    s.append(
        "ingest/Cargo.toml",
        "\n[package.metadata.blocklint]\nignore = [\"blocking-process\"]\nseverity = { blocking-sync = \"note\" }\n",
    );
    let out = cargo_blocklint(&s.0, &["--format", "json"]);
    let got = found(&out);
    // The workspace's settings hold everywhere...
    assert!(!has(&got, SLEEP), "{got:?}");
    assert!(!has(&got, UNIT_TEST) && !has(&got, SMOKE_TEST), "{got:?}");
    // ...the package's only in that package, on top of them.
    assert!(!has(&got, PROCESS), "{got:?}");
    assert!(has(&got, NET) && has(&got, CHANNEL), "{got:?}");
    let items = json(&out);
    let channel = items.iter().find(|i| i["rule"] == "blocking-sync").unwrap();
    assert_eq!(channel["severity"], "note");
    // A run over the folder, without cargo's selection, finds the package
    // table in the same walk that finds the files.
    assert_eq!(
        found(&cargo_blocklint(&s.0, &["--format", "json", "."])),
        got
    );

    // A package's `select` adds to the workspace's.
    s.replace(
        "Cargo.toml",
        "ignore = [\"blocking-sleep\"]",
        "select = [\"blocking-net\"]",
    );
    s.replace(
        "ingest/Cargo.toml",
        "ignore = [\"blocking-process\"]",
        "select = [\"blocking-process\"]",
    );
    let got = found(&cargo_blocklint(&s.0, &["--format", "json"]));
    let rules: BTreeSet<&str> = got.iter().map(|(_, _, r)| r.as_str()).collect();
    assert!(has(&got, NET) && has(&got, PROCESS), "{got:?}");
    assert!(!has(&got, SPOOL) && !has(&got, AUDIT), "{got:?}");
    assert!(!rules.contains("blocking-sleep"), "{rules:?}");

    // Plain `blocklint` on one member reads both tables too.
    let member = found(&blocklint(&s.path("ingest"), &["--format", "json"]));
    assert!(
        member.contains(&place("src/main.rs", 33, "blocking-process")),
        "{member:?}"
    );
    assert!(
        !member.contains(&place("src/main.rs", 17, "blocking-fs")),
        "{member:?}"
    );
}

#[test]
fn config_flag_replaces_discovered_configuration() {
    let s = workspace("config-flag");
    s.write("blocklint.toml", "ignore = [\"blocking-sleep\"]\n");
    s.write("ci/strict.toml", "ignore = [\"blocking-net\"]\n");
    let got = found(&cargo_blocklint(
        &s.0,
        &["--format", "json", "--config", "ci/strict.toml"],
    ));
    assert!(has(&got, SLEEP) && !has(&got, NET), "{got:?}");
    // A Cargo.toml given to --config is read for its metadata table.
    s.write(
        "ci/Cargo.toml",
        "[workspace]\n[workspace.metadata.blocklint]\nignore = [\"blocking-sync\"]\n",
    );
    let got = found(&blocklint(
        &s.0,
        &["--format", "json", "--config", "ci/Cargo.toml"],
    ));
    assert!(
        has(&got, SLEEP) && has(&got, NET) && !has(&got, CHANNEL),
        "{got:?}"
    );
    let missing = blocklint(&s.0, &["--config", "nope.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("nope.toml"));
}

#[test]
fn extend_blocking_extend_offload_and_allow() {
    let s = workspace("extend");
    s.write(
        "blocklint.toml",
        r#"
extend-blocking = [
    { path = "orders_api::store::order_file_name", rule = "slow-naming", message = "order names come from a slow service", help = "cache the names at start-up" },
    { path = "ingest::spool::batch_name", rule = "blocking-fs" },
]
allow = [
    "std::net::TcpStream::connect",
    "orders_api::store::append_audit",
    "ingest::spool::pending_batches",
]
"#,
    );
    let out = cargo_blocklint(&s.0, &["--format", "json"]);
    let items = json(&out);
    let got = found(&out);
    let custom = items
        .iter()
        .find(|i| i["rule"] == "slow-naming")
        .unwrap_or_else(|| panic!("{items:?}"));
    assert_eq!(custom["path"], "api/src/lib.rs");
    assert_eq!(custom["line"], 30);
    assert!(
        custom["message"]
            .as_str()
            .unwrap()
            .starts_with("order names come from a slow service"),
        "{custom}"
    );
    assert_eq!(custom["help"], "cache the names at start-up");
    // An existing rule: the fixture's `allow(blocking-fs)` on that line now
    // suppresses something, so it is no longer reported as unused.
    assert!(!has(&got, UNUSED), "{got:?}");
    // allow: the callee is never reported, and the crate's own function is
    // not taken to block, in its crate or from another target, in a
    // library or a binary.
    assert!(!has(&got, NET), "{got:?}");
    assert!(!has(&got, AUDIT) && !has(&got, SMOKE_TEST), "{got:?}");
    assert!(!has(&got, SPOOL), "{got:?}");
    assert!(has(&got, ("api/src/main.rs", 10, "blocking-fs")), "{got:?}");
    // A new rule id can be selected and ignored like a built-in one.
    let only = found(&cargo_blocklint(
        &s.0,
        &["--format", "json", "--select", "slow-naming"],
    ));
    let rules: BTreeSet<&str> = only.iter().map(|(_, _, r)| r.as_str()).collect();
    assert_eq!(rules, ["slow-naming"].into());
    let ignored = found(&cargo_blocklint(
        &s.0,
        &["--format", "json", "--ignore", "slow-naming"],
    ));
    assert!(ignored.iter().all(|(_, _, r)| r != "slow-naming"));

    // extend-offload: a dependency's own spawn-blocking style wrapper.
    let p = Scratch::empty("offload");
    p.write(
        "Cargo.toml",
        "[package]\nname = \"svc\"\n[dependencies]\ntokio = \"1\"\nworker-pool = \"1\"\n",
    )
    .write(
        "src/main.rs",
        "async fn handler() {\n    worker_pool::run(move || std::fs::read(\"big.bin\"));\n}\n",
    );
    let before = found(&blocklint(&p.0, &["--format", "json"]));
    assert!(
        before.contains(&place("src/main.rs", 2, "blocking-fs")),
        "{before:?}"
    );
    p.write(
        "blocklint.toml",
        "extend-offload = [\"worker_pool::run\"]\n",
    );
    let after = blocklint(&p.0, &["--format", "json"]);
    assert_eq!(after.status.code(), Some(0), "{}", stdout(&after));
}

#[test]
fn exclude_per_file_ignores_and_skip_tests() {
    let s = workspace("filters");
    s.write(
        "blocklint.toml",
        "exclude = [\"examples\"]\nper-file-ignores = { \"ingest/**\" = [\"blocking-sync\"], \"**/lib.rs\" = [\"all\"] }\n",
    );
    let got = found(&cargo_blocklint(&s.0, &["--format", "json"]));
    assert!(!has(&got, EXAMPLE), "{got:?}");
    assert!(!has(&got, CHANNEL) && has(&got, PROCESS), "{got:?}");
    assert!(!has(&got, NET) && !has(&got, SLEEP), "{got:?}");
    assert!(has(&got, SMOKE_TEST), "{got:?}");

    std::fs::remove_file(s.path("blocklint.toml")).unwrap();
    s.write("blocklint.toml", "skip-tests = true\n");
    let got = found(&cargo_blocklint(&s.0, &["--format", "json"]));
    assert!(!has(&got, UNIT_TEST) && !has(&got, SMOKE_TEST), "{got:?}");
    assert!(has(&got, AUDIT) && has(&got, EXAMPLE), "{got:?}");
    // `#[cfg(test)] mod tests;` in its own file is test code too.
    s.replace(
        "api/src/lib.rs",
        "#[cfg(test)]\nmod tests {",
        "#[cfg(test)]\nmod tests;\nmod unused {",
    );
    s.write(
        "api/src/tests.rs",
        "#[tokio::test]\nasync fn t() {\n    std::fs::read(\"x\").ok();\n}\nasync fn helper() {\n    std::fs::read(\"y\").ok();\n}\n",
    );
    let got = found(&cargo_blocklint(&s.0, &["--format", "json"]));
    assert!(
        got.iter().all(|(p, _, _)| p != "api/src/tests.rs"),
        "{got:?}"
    );
}

#[test]
fn command_line_choices() {
    let dir = fixture();
    let run = |args: &[&str]| {
        found(&cargo_blocklint(
            &dir,
            &[&["--format", "json"], args].concat(),
        ))
    };
    let all = run(&[]);
    assert!(has(&all, EXAMPLE) && has(&all, SLEEP));

    let selected = run(&["--select", "blocking-net"]);
    let rules: BTreeSet<&str> = selected.iter().map(|(_, _, r)| r.as_str()).collect();
    assert_eq!(rules, ["blocking-net", "unused-suppression"].into());
    let ignored = run(&["--ignore", "blocking-fs,unused-suppression"]);
    assert!(
        ignored
            .iter()
            .all(|(_, _, r)| r != "blocking-fs" && r != "unused-suppression")
    );
    assert!(has(&ignored, SLEEP));
    // cargo's --exclude names packages; globs go to --exclude-path.
    let excluded = run(&[
        "--exclude-path",
        "examples",
        "--exclude-path",
        "ingest/src/main.rs",
    ]);
    assert!(
        !has(&excluded, EXAMPLE) && !has(&excluded, SPOOL),
        "{excluded:?}"
    );
    assert!(has(&excluded, SLEEP));
    let skipped = run(&["--skip-tests"]);
    assert!(!has(&skipped, UNIT_TEST) && !has(&skipped, SMOKE_TEST));
    let out = cargo_blocklint(
        &dir,
        &[
            "--format",
            "json",
            "--severity",
            "blocking-fs=error,blocking-sleep=note",
        ],
    );
    let items = json(&out);
    assert!(
        items
            .iter()
            .filter(|i| i["rule"] == "blocking-fs")
            .all(|i| i["severity"] == "error")
    );
    assert!(
        items
            .iter()
            .filter(|i| i["rule"] == "blocking-sleep")
            .all(|i| i["severity"] == "note")
    );

    // The plain binary: --exclude takes globs.
    let plain = found(&blocklint(&dir, &["--format", "json", "--exclude", "api"]));
    assert_eq!(members_of(&plain), ["ingest".to_string()].into());

    for bad in [
        &["--severity", "blocking-fs=loud"][..],
        &["--severity", "blocking-fss=error"],
        &["--severity", "blocking-fs"],
        &["--select", "blocking-nett"],
        &["--exclude", "[oops"],
    ] {
        let out = blocklint(&dir, bad);
        assert_eq!(out.status.code(), Some(2), "{bad:?}: {}", stdout(&out));
        assert!(
            stderr(&out).starts_with("error:"),
            "{bad:?}: {}",
            stderr(&out)
        );
    }
    assert!(
        stderr(&blocklint(&dir, &["--select", "blocking-nett"]))
            .contains("did you mean `blocking-net`")
    );
}

#[test]
fn configuration_errors_point_at_the_toml() {
    let s = workspace("config-errors");
    s.write(
        "blocklint.toml",
        "select = [\"blocking-fs\"]\nignor = [\"blocking-sleep\"]\nseverity = { blocking-nett = \"error\", blocking-fs = \"loud\" }\nexclude = [\"src/[oops\"]\nskip-tests = \"yes\"\nallow = [\"my-crate::f\"]\n",
    );
    let out = cargo_blocklint(&s.0, &["--color", "never"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "{}", stdout(&out));
    let text = stderr(&out);
    for expected in [
        "error: unknown configuration key `ignor`",
        "┌─ blocklint.toml:2:1",
        "2 │ ignor = [\"blocking-sleep\"]",
        "│ ^^^^^ unknown key",
        "= help: did you mean `ignore`?",
        "error: unknown rule `blocking-nett`",
        "┌─ blocklint.toml:3:14",
        "= help: did you mean `blocking-net`?",
        "error: unknown severity `loud`",
        "error: invalid glob `src/[oops`",
        "error: `skip-tests` must be a boolean, found a string",
        "help: crate names are written with `_` in paths: `my_crate::f`",
        "error: stopping: 6 configuration errors",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
    // In Cargo.toml, the span is the key inside the metadata table.
    std::fs::remove_file(s.path("blocklint.toml")).unwrap();
    s.append(
        "ingest/Cargo.toml",
        "\n[package.metadata.blocklint]\nextend-blocking = [{ path = \"ingest::spool::batch_name\", rule = \"blocking-fsx\" }]\n",
    );
    let out = cargo_blocklint(&s.0, &["--color", "never"]);
    assert_eq!(out.status.code(), Some(2));
    let text = stderr(&out);
    assert!(text.contains("┌─ ingest/Cargo.toml:11:"), "{text}");
    assert!(text.contains("did you mean `blocking-fs`?"), "{text}");
    s.replace(
        "ingest/Cargo.toml",
        "extend-blocking = [{ path",
        "extend-blocking = [{ pth",
    );
    let text = stderr(&cargo_blocklint(&s.0, &["--color", "never"]));
    assert!(
        text.contains("unknown key `pth` in `extend-blocking`"),
        "{text}"
    );
    assert!(text.contains("did you mean `path`?"), "{text}");
    s.replace(
        "ingest/Cargo.toml",
        "extend-blocking = [{ pth",
        "extend-blocking = 3 #",
    );
    let text = stderr(&cargo_blocklint(&s.0, &["--color", "never"]));
    assert!(
        text.contains("`extend-blocking` must be an array of tables, found an integer"),
        "{text}"
    );
}

#[test]
fn cargo_json_messages_are_what_rust_analyzer_reads() {
    use cargo_metadata::Message;
    for args in [
        &["--message-format", "json"][..],
        &["--message-format=json-diagnostic-rendered-ansi"],
        &["--format", "cargo-json"],
    ] {
        let out = cargo_blocklint(&fixture(), args);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let text = stdout(&out);
        let lines: Vec<&str> = text.lines().collect();
        let messages: Vec<Message> = lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect();
        let (last, diagnostics) = messages.split_last().unwrap();
        // One message per finding, then `build-finished`; the examples's
        // block_in_place is an error, so the "build" did not succeed.
        assert!(
            matches!(last, Message::BuildFinished(f) if !f.success),
            "{last:?}"
        );
        assert_eq!(diagnostics.len(), annotations(&fixture()).len());
        for line in &lines {
            let raw: serde_json::Value = serde_json::from_str(line).unwrap();
            if raw["reason"] == "compiler-message" {
                let manifest = raw["manifest_path"].as_str().unwrap();
                assert!(Path::new(manifest).is_file(), "{manifest}");
            }
        }
        for message in diagnostics {
            let Message::CompilerMessage(m) = message else {
                panic!("{message:?}");
            };
            let d = &m.message;
            let code = d.code.as_ref().unwrap();
            let primary = d.spans.iter().find(|s| s.is_primary).unwrap();
            let file = Path::new(&primary.file_name);
            assert!(
                file.is_absolute() && file.is_file(),
                "{}",
                primary.file_name
            );
            let source = std::fs::read_to_string(file).unwrap();
            let line = source.lines().nth(primary.line_start - 1).unwrap();
            assert_eq!(primary.text[0].text, line);
            // Byte offsets and columns agree with the file.
            let line_start: usize = source
                .lines()
                .take(primary.line_start - 1)
                .map(|l| l.len() + 1)
                .sum();
            assert_eq!(
                primary.byte_start as usize,
                line_start + primary.column_start - 1
            );
            assert!(primary.byte_end >= primary.byte_start);
            assert!(
                d.rendered
                    .as_ref()
                    .unwrap()
                    .contains(&format!("[{}]", code.code))
            );
            assert!(m.target.src_path.as_std_path().is_file());
            if code.code == "blocking-fs" && primary.file_name.ends_with("api/src/main.rs") {
                assert_eq!(m.target.name, "orders-api");
                assert!(m.package_id.repr.contains("orders-api"));
                // help and the chain are children, as rustc's notes are.
                let levels: Vec<String> = d
                    .children
                    .iter()
                    .map(|c| format!("{:?}", c.level))
                    .collect();
                assert_eq!(levels, ["Help", "Note"], "{d:?}");
                assert!(d.children[1].spans[0].file_name.ends_with("api/src/lib.rs"));
            }
        }
    }
    // A plain run attributes findings from the manifests it finds.
    let plain = blocklint(&fixture().join("ingest"), &["--format", "cargo-json"]);
    let first: Message = serde_json::from_str(stdout(&plain).lines().next().unwrap()).unwrap();
    let Message::CompilerMessage(m) = first else {
        panic!("{first:?}");
    };
    assert!(
        m.package_id.repr.contains("#ingest@0.1.0"),
        "{}",
        m.package_id
    );
    assert_eq!(m.target.name, "ingest");
}

#[test]
fn with_clippy_passes_clippy_messages_through() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let has_clippy = Command::new(&cargo)
        .args(["clippy", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_clippy {
        eprintln!("skipped: cargo clippy is not installed");
        return;
    }
    let s = Scratch::empty("clippy");
    s.write(
        "Cargo.toml",
        "[package]\nname = \"probe\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\n",
    )
    .write(
        "src/main.rs",
        "fn total(v: &Vec<u32>) -> u32 {\n    v.iter().sum()\n}\n\nasync fn handler() {\n    std::thread::sleep(std::time::Duration::from_millis(1));\n}\n\nfn main() {\n    let _ = handler();\n    println!(\"{}\", total(&vec![1]));\n}\n",
    );
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-blocklint"))
        .args(["blocklint", "--message-format", "json", "--with-clippy"])
        .env("CARGO_TARGET_DIR", s.path("target"))
        .current_dir(&s.0)
        .output()
        .unwrap();
    let text = stdout(&out);
    let messages: Vec<cargo_metadata::Message> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let codes: Vec<String> = messages
        .iter()
        .filter_map(|m| match m {
            cargo_metadata::Message::CompilerMessage(c) => {
                c.message.code.as_ref().map(|c| c.code.clone())
            }
            _ => None,
        })
        .collect();
    assert!(
        codes.iter().any(|c| c == "clippy::ptr_arg"),
        "{codes:?}\n{}",
        stderr(&out)
    );
    assert!(codes.iter().any(|c| c == "blocking-sleep"), "{codes:?}");
    let finished = messages
        .iter()
        .filter(|m| matches!(m, cargo_metadata::Message::BuildFinished(_)))
        .count();
    assert_eq!(finished, 1);
    assert!(matches!(
        messages.last(),
        Some(cargo_metadata::Message::BuildFinished(_))
    ));
    // Our findings come after clippy's.
    let ours = codes.iter().position(|c| c == "blocking-sleep").unwrap();
    let theirs = codes.iter().position(|c| c == "clippy::ptr_arg").unwrap();
    assert!(theirs < ours);
    let wrong = blocklint(&s.0, &["--with-clippy"]);
    assert_eq!(wrong.status.code(), Some(2));
}

#[test]
fn sarif_has_what_code_scanning_requires() {
    let out = cargo_blocklint(&fixture(), &["--format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    let log: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &log["runs"][0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "blocklint");
    let rules = driver["rules"].as_array().unwrap();
    let fs = rules.iter().find(|r| r["id"] == "blocking-fs").unwrap();
    assert!(
        fs["help"]["text"]
            .as_str()
            .unwrap()
            .contains("## Why is this bad?")
    );
    assert!(fs["shortDescription"]["text"].as_str().is_some());
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), annotations(&fixture()).len());
    let mut seen = BTreeSet::new();
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], id);
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        let location = &r["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().unwrap();
        // Relative to the repository root, where code scanning looks.
        assert!(uri.starts_with("fixtures/cargo-workspace/"), "{uri}");
        assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join(uri).is_file());
        let region = &location["region"];
        let line = region["startLine"].as_u64().unwrap();
        assert!(region["startColumn"].as_u64().unwrap() >= 1);
        assert!(region["endLine"].as_u64().unwrap() >= line);
        seen.insert(place(
            uri.trim_start_matches("fixtures/cargo-workspace/"),
            line,
            id,
        ));
    }
    assert_eq!(seen, annotations(&fixture()));
}

#[test]
fn github_annotations_and_json_lines() {
    let out = cargo_blocklint(&fixture(), &["--format", "github"]);
    let text = stdout(&out);
    let mut seen = BTreeSet::new();
    for line in text.lines() {
        let (head, message) = line[2..].split_once("::").unwrap();
        let (command, properties) = head.split_once(' ').unwrap();
        assert!(["error", "warning", "notice"].contains(&command), "{line}");
        assert!(!message.is_empty() && !message.contains('\n'));
        let props: std::collections::HashMap<&str, &str> = properties
            .split(',')
            .map(|p| p.split_once('=').unwrap())
            .collect();
        for key in ["file", "line", "col", "endLine", "endColumn", "title"] {
            assert!(props.contains_key(key), "{key} missing: {line}");
        }
        let rule = props["title"].trim_start_matches("blocklint%3A ");
        seen.insert(place(
            props["file"].trim_start_matches("fixtures/cargo-workspace/"),
            props["line"].parse().unwrap(),
            rule,
        ));
    }
    assert_eq!(seen, annotations(&fixture()));

    let lines = cargo_blocklint(&fixture(), &["--format", "json-lines"]);
    let array = json(&cargo_blocklint(&fixture(), &["--format", "json"]));
    let items: Vec<serde_json::Value> = stdout(&lines)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(items, array);
}

#[test]
fn suppressions_used_unused_and_item_level() {
    let s = Scratch::empty("suppress");
    s.write(
        "Cargo.toml",
        "[package]\nname = \"s\"\n[dependencies]\ntokio = \"1\"\n",
    )
    .write(
        "src/main.rs",
        r#"async fn same_line() {
    std::thread::sleep(d()); // blocklint: allow(blocking-sleep)
}

async fn line_above() {
    // blocklint: allow(blocking-sleep)
    std::thread::sleep(d());
}

// blocklint: allow(blocking-fs, blocking-net)
async fn whole_item() {
    std::fs::read("a").ok();
    std::net::TcpStream::connect("b").ok();
}

// blocklint: allow(all)
mod legacy {
    pub async fn anything() {
        std::fs::read("c").ok();
    }
}

async fn wrong_rule() {
    std::fs::read("d").ok(); // blocklint: allow(blocking-sleep)
}

async fn stale() {
    tokio::fs::read("e").await.ok(); // blocklint: allow(blocking-fs)
}

async fn typo() {
    std::fs::read("f").ok(); // blocklint: allow(blocking-fss)
}

fn d() -> std::time::Duration {
    std::time::Duration::from_millis(1)
}
"#,
    );
    let items = json(&blocklint(&s.0, &["--format", "json"]));
    let got: BTreeSet<(u64, String)> = items
        .iter()
        .map(|i| {
            (
                i["line"].as_u64().unwrap(),
                i["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: BTreeSet<(u64, String)> = [
        (24, "blocking-fs"),
        (24, "unused-suppression"),
        (28, "unused-suppression"),
        (32, "blocking-fs"),
        (32, "unused-suppression"),
    ]
    .into_iter()
    .map(|(l, r)| (l, r.to_string()))
    .collect();
    assert_eq!(got, expected, "{items:?}");
    let typo = items
        .iter()
        .find(|i| i["line"] == 32 && i["rule"] == "unused-suppression")
        .unwrap();
    assert!(
        typo["message"]
            .as_str()
            .unwrap()
            .contains("unknown rule `blocking-fss`")
    );
    // unused-suppression is a rule like the others for the filters.
    let quiet = json(&blocklint(
        &s.0,
        &["--format", "json", "--ignore", "unused-suppression"],
    ));
    assert!(quiet.iter().all(|i| i["rule"] != "unused-suppression"));
}

#[test]
fn baseline_round_trip() {
    let s = workspace("baseline");
    let write = cargo_blocklint(&s.0, &["--write-baseline", "blocklint-baseline.json"]);
    assert_eq!(write.status.code(), Some(0), "{}", stderr(&write));
    let total = annotations(&s.0).len();
    assert!(
        stderr(&write).contains(&format!("recorded {total} findings")),
        "{}",
        stderr(&write)
    );
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(s.path("blocklint-baseline.json")).unwrap())
            .unwrap();
    let entry = &recorded["findings"][0];
    for key in ["rule", "path", "context", "callee", "count"] {
        assert!(entry.get(key).is_some(), "{key}: {recorded}");
    }
    assert!(entry.get("line").is_none());

    let with = ["--format", "json", "--baseline", "blocklint-baseline.json"];
    let clean = cargo_blocklint(&s.0, &with);
    assert_eq!(clean.status.code(), Some(0), "{}", stdout(&clean));
    assert!(json(&clean).is_empty());
    // Unrelated edits above a recorded finding keep it recorded.
    s.replace(
        "api/src/lib.rs",
        "pub mod store;",
        "pub mod store;\n\n/// Documentation added later.\npub const VERSION: u32 = 2;\n",
    );
    assert!(json(&cargo_blocklint(&s.0, &with)).is_empty());
    // The baseline is found relative to itself, from any folder.
    let inside = blocklint(
        &s.path("api"),
        &[
            "--format",
            "json",
            "--baseline",
            "../blocklint-baseline.json",
        ],
    );
    assert!(json(&inside).is_empty(), "{}", stdout(&inside));
    // A second copy of a recorded call in the same function is new.
    s.replace(
        "api/src/lib.rs",
        "    std::thread::sleep(Duration::from_millis(50));",
        "    std::thread::sleep(Duration::from_millis(50));\n    std::thread::sleep(Duration::from_millis(50));",
    );
    let fresh = cargo_blocklint(&s.0, &with);
    assert_eq!(fresh.status.code(), Some(1));
    let items = json(&fresh);
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["rule"], "blocking-sleep");
    assert!(stderr(&fresh).contains(&format!("{total} findings recorded")));
    let broken = cargo_blocklint(&s.0, &["--baseline", "api/Cargo.toml"]);
    assert_eq!(broken.status.code(), Some(2));
}

#[test]
fn stdin_is_linted_with_the_crate_and_the_configuration() {
    let s = workspace("stdin");
    s.write("blocklint.toml", "severity = { blocking-fs = \"error\" }\n");
    let buffer =
        "mod spool;\n\nasync fn unsaved() {\n    let _ = spool::pending_batches(\"x\");\n}\n";
    for program in [
        env!("CARGO_BIN_EXE_blocklint"),
        env!("CARGO_BIN_EXE_cargo-blocklint"),
    ] {
        let mut command = Command::new(program);
        if program.ends_with("cargo-blocklint") {
            command.arg("blocklint");
        }
        let mut child = command
            .args(["--format", "json", "--stdin-filename", "ingest/src/main.rs"])
            .current_dir(&s.0)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(buffer.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        let items = json(&out);
        assert_eq!(items.len(), 1, "{program}: {items:?}");
        assert_eq!(items[0]["path"], "ingest/src/main.rs");
        assert_eq!(items[0]["line"], 4);
        assert_eq!(items[0]["severity"], "error");
        assert_eq!(items[0]["via"][0]["path"], "ingest/src/spool.rs");
    }
}
