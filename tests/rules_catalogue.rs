//! The rule catalogue as a user sees it, through the real binary: every rule
//! listed by `blocklint rules` is documented, its callee list is made of
//! well-formed paths, no callee belongs to two rules, known async APIs are
//! never denied, `blocking-cpu` is off unless selected, and an unknown rule
//! id is a usage error.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Sections every rule's documentation has, in the order ruff and clippy use.
const DOC_SECTIONS: [&str; 5] = [
    "What it does",
    "Why is this bad?",
    "Example",
    "Use instead",
    "When the call is fine",
];

/// Async APIs that must never appear as a callee of any rule.
const ASYNC_APIS: [&str; 12] = [
    "tokio::fs::read",
    "tokio::fs::read_to_string",
    "tokio::time::sleep",
    "reqwest::Client::get",
    "reqwest::RequestBuilder::send",
    "tokio_postgres::Client::query",
    "sqlx::query",
    "async_std::fs::read",
    "smol::fs::read",
    "tokio::net::TcpStream::connect",
    "tokio::process::Command::output",
    "tokio::sync::mpsc::Receiver::recv",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn blocklint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blocklint"))
        .args(args)
        .current_dir(root())
        .output()
        .expect("blocklint runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

/// Runs a command that must succeed and returns its stdout.
fn ok(args: &[&str]) -> String {
    let output = blocklint(args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "blocklint {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

/// The rules of `blocklint rules --format json`: (id, declared callee count).
fn rules() -> Vec<(String, u64)> {
    let text = ok(&["rules", "--format", "json"]);
    let value: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("`rules --format json` is not JSON ({e}):\n{text}"));
    let rules: Vec<(String, u64)> = value
        .as_array()
        .expect("`rules --format json` is an array")
        .iter()
        .map(|rule| {
            let id = rule["id"].as_str().expect("every rule has an id");
            let callees = rule["callees"]
                .as_u64()
                .expect("every rule has a callee count");
            (id.to_owned(), callees)
        })
        .collect();
    assert!(!rules.is_empty(), "`blocklint rules` lists no rule");
    rules
}

/// The callee paths `blocklint rule --callees ID` prints, one a line.
fn callees(id: &str) -> Vec<String> {
    ok(&["rule", "--callees", id])
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Every rule's callee list, keyed by rule id.
fn all_callees() -> BTreeMap<String, Vec<String>> {
    rules()
        .into_iter()
        .map(|(id, _)| {
            let list = callees(&id);
            (id, list)
        })
        .collect()
}

fn is_identifier(segment: &str) -> bool {
    let mut chars = segment.chars();
    match chars.next() {
        Some(first) if first == '_' || first.is_ascii_alphabetic() => {}
        _ => return false,
    }
    segment != "_" && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// `a::b::c`: one or more identifiers joined by `::`.
fn is_path(text: &str) -> bool {
    text.split("::").all(is_identifier)
}

/// A callee as `blocklint rule --callees` prints it: a path, `<any>.name()`
/// for a method matched whatever the receiver, or `for _ in Type` for a
/// `for` loop over a blocking iterator.
fn is_well_formed_callee(callee: &str) -> bool {
    if let Some(method) = callee
        .strip_prefix("<any>.")
        .and_then(|rest| rest.strip_suffix("()"))
    {
        return is_identifier(method);
    }
    if let Some(ty) = callee.strip_prefix("for _ in ") {
        return is_path(ty);
    }
    is_path(callee)
}

#[test]
fn every_rule_has_documentation_with_all_sections() {
    for (id, _) in rules() {
        let doc = ok(&["rule", &id]);
        let headings: Vec<&str> = doc
            .lines()
            .filter(|line| line.starts_with('#'))
            .filter_map(|line| line.trim_start_matches('#').strip_prefix(' '))
            .map(str::trim)
            .collect();
        for section in DOC_SECTIONS {
            assert!(
                headings.contains(&section),
                "`blocklint rule {id}` has no \"{section}\" section; its headings: {headings:?}"
            );
        }
    }
}

#[test]
fn every_callee_is_a_well_formed_path() {
    let mut bad = Vec::new();
    for (id, list) in all_callees() {
        bad.extend(
            list.iter()
                .filter(|callee| !is_well_formed_callee(callee))
                .map(|callee| format!("{id}: {callee:?}")),
        );
    }
    assert!(bad.is_empty(), "malformed callees:\n{}", bad.join("\n"));
}

#[test]
fn callee_counts_match_the_callee_lists() {
    for (id, declared) in rules() {
        let listed = callees(&id).len() as u64;
        assert_eq!(
            declared, listed,
            "`blocklint rules` says {id} covers {declared} callees, `rule --callees {id}` lists {listed}"
        );
    }
}

#[test]
fn no_callee_is_listed_under_two_rules() {
    let mut owner: BTreeMap<String, String> = BTreeMap::new();
    let mut clashes = Vec::new();
    for (id, list) in all_callees() {
        let mut seen_here = BTreeSet::new();
        for callee in list {
            if !seen_here.insert(callee.clone()) {
                clashes.push(format!("{callee} listed twice under {id}"));
            } else if let Some(first) = owner.insert(callee.clone(), id.clone()) {
                clashes.push(format!("{callee} listed under {first} and {id}"));
            }
        }
    }
    assert!(clashes.is_empty(), "{}", clashes.join("\n"));
}

#[test]
fn known_async_apis_are_never_callees() {
    let mut denied = Vec::new();
    for (id, list) in all_callees() {
        for api in ASYNC_APIS {
            if list.iter().any(|callee| callee == api) {
                denied.push(format!("{api} is a callee of {id}"));
            }
        }
    }
    assert!(denied.is_empty(), "{}", denied.join("\n"));
}

/// The lines of fixtures/clients/src/auth.rs that call bcrypt directly in
/// async code: code lines (not comments) naming `bcrypt::hash(` or
/// `bcrypt::verify(` outside a `spawn_blocking` closure.
fn inline_bcrypt_lines() -> BTreeSet<u64> {
    let auth = root().join("fixtures/clients/src/auth.rs");
    let text = std::fs::read_to_string(&auth).expect("fixtures/clients/src/auth.rs exists");
    let lines: BTreeSet<u64> = text
        .lines()
        .zip(1..)
        .filter(|(line, _)| {
            let code = line.trim_start();
            !code.starts_with("//")
                && !code.contains("spawn_blocking")
                && (code.contains("bcrypt::hash(") || code.contains("bcrypt::verify("))
        })
        .map(|(_, number)| number)
        .collect();
    assert!(
        lines.len() >= 2,
        "expected inline bcrypt::hash and bcrypt::verify calls in {}",
        auth.display()
    );
    lines
}

/// (line, callee) of every `blocking-cpu` finding in src/auth.rs.
fn cpu_findings_in_auth(args: &[&str]) -> BTreeSet<(u64, String)> {
    let output = blocklint(args);
    assert!(
        matches!(output.status.code(), Some(0) | Some(1)),
        "blocklint {args:?} exited {:?}:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON output");
    let findings = value.as_array().expect("an array of findings");
    assert!(
        !findings.is_empty(),
        "no findings at all in fixtures/clients"
    );
    findings
        .iter()
        .filter(|finding| finding["rule"] == "blocking-cpu")
        .map(|finding| {
            let path = finding["path"].as_str().expect("a path").replace('\\', "/");
            assert!(
                Path::new(&path).ends_with("src/auth.rs"),
                "blocking-cpu finding outside src/auth.rs: {finding}"
            );
            let line = finding["line"].as_u64().expect("a line");
            let callee = finding["callee"].as_str().expect("a callee").to_owned();
            (line, callee)
        })
        .collect()
}

#[test]
fn blocking_cpu_is_off_by_default() {
    let found = cpu_findings_in_auth(&["--format", "json", "fixtures/clients"]);
    assert!(
        found.is_empty(),
        "a default run reports blocking-cpu: {found:?}"
    );
}

#[test]
fn blocking_cpu_reports_bcrypt_when_selected() {
    let found = cpu_findings_in_auth(&["--format", "json", "--select", "all", "fixtures/clients"]);
    let lines: BTreeSet<u64> = found.iter().map(|(line, _)| *line).collect();
    assert_eq!(
        lines,
        inline_bcrypt_lines(),
        "blocking-cpu findings in src/auth.rs: {found:?}"
    );
    let callees: BTreeSet<&str> = found.iter().map(|(_, callee)| callee.as_str()).collect();
    assert!(
        callees.contains("bcrypt::hash") && callees.contains("bcrypt::verify"),
        "expected bcrypt::hash and bcrypt::verify, got {callees:?}"
    );
}

#[test]
fn an_unknown_rule_is_a_usage_error() {
    for args in [&["rule", "nope"][..], &["rule", "--callees", "nope"][..]] {
        let output = blocklint(args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "blocklint {args:?} should exit 2; stdout:\n{}",
            stdout(&output)
        );
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("nope"),
            "the error names the unknown rule: {stderr}"
        );
    }
}
