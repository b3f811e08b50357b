//! End-to-end behaviour of the real binaries: exit codes, output formats,
//! bad input, the rule catalogue, `cargo blocklint` argument handling.

mod common;

use common::{Scratch, blocklint, json};
use std::process::{Command, Stdio};

const BLOCKING: &str =
    "async fn handler() {\n    let _ = std::fs::read_to_string(\"config.toml\");\n}\n";

#[test]
fn exit_codes_follow_the_spec() {
    let s = Scratch::new("exit");
    s.write(
        "src/main.rs",
        "async fn ok() { tokio::fs::read(\"a\").await.ok(); }\n",
    );
    assert_eq!(blocklint(&s.0, &[]).status.code(), Some(0));
    s.write("src/main.rs", BLOCKING);
    assert_eq!(blocklint(&s.0, &[]).status.code(), Some(1));
    assert_eq!(blocklint(&s.0, &["--exit-zero"]).status.code(), Some(0));
    assert_eq!(
        blocklint(&s.0, &["--format", "nope"]).status.code(),
        Some(2)
    );
    let unknown = blocklint(&s.0, &["--select", "blocking-fss"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("did you mean `blocking-fs`"));
}

#[test]
fn human_output_is_rustc_style_with_runtime_help() {
    let s = Scratch::new("human");
    s.write("src/main.rs", BLOCKING);
    let out = blocklint(&s.0, &["--color", "never"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "warning[blocking-fs]: blocking call to `std::fs::read_to_string` in async fn handler"
        ),
        "{text}"
    );
    assert!(text.contains("src/main.rs:2:13"), "{text}");
    assert!(text.contains("tokio::fs::read_to_string"), "{text}");
    assert!(text.contains("blocklint: checked 1 file"), "{text}");
    assert!(!text.contains('\u{1b}'), "no colour when not a terminal");
    let short = blocklint(&s.0, &["--format", "short"]);
    assert_eq!(
        String::from_utf8_lossy(&short.stdout),
        "src/main.rs:2:13: blocking-fs: blocking call to `std::fs::read_to_string` in async fn handler\n"
    );
}

#[test]
fn async_std_crates_get_async_std_help() {
    let s = Scratch::new("asyncstd");
    s.write(
        "Cargo.toml",
        "[package]\nname = \"a\"\n[dependencies]\nasync-std = \"1\"\n",
    );
    s.write("src/main.rs", BLOCKING);
    let items = json(&blocklint(&s.0, &["--format", "json"]));
    assert!(
        items[0]["help"]
            .as_str()
            .unwrap()
            .contains("async_std::fs::read_to_string"),
        "{items:?}"
    );
}

#[test]
fn bad_input_is_reported_and_the_run_goes_on() {
    let s = Scratch::new("bad");
    s.write("src/main.rs", BLOCKING)
        .write("src/broken.rs", "fn main( {\n")
        .write("src/latin1.rs", b"// caf\xe9\nfn f() {}\n")
        .write("src/empty.rs", "")
        .write(
            "src/bom.rs",
            "\u{feff}async fn b() {\n    std::thread::sleep(d);\n}\n",
        )
        .write(
            "src/crlf.rs",
            "async fn c() {\r\n\r\n    std::thread::sleep(d);\r\n}\r\n",
        );
    let deep = format!(
        "fn f() {{ let x = {}1{}; }}\n",
        "(".repeat(10_000),
        ")".repeat(10_000)
    );
    s.write("src/deep.rs", deep);
    let items = json(&blocklint(&s.0, &["--format", "json"]));
    let find = |path: &str| {
        items
            .iter()
            .filter(|i| i["path"] == path)
            .collect::<Vec<_>>()
    };
    assert_eq!(find("src/main.rs")[0]["rule"], "blocking-fs");
    assert_eq!(find("src/broken.rs")[0]["rule"], "syntax-error");
    assert_eq!(find("src/latin1.rs")[0]["rule"], "io-error");
    assert!(
        find("src/latin1.rs")[0]["message"]
            .as_str()
            .unwrap()
            .contains("UTF-8")
    );
    assert!(find("src/empty.rs").is_empty());
    assert_eq!(find("src/bom.rs")[0]["line"], 2);
    let crlf = find("src/crlf.rs");
    assert_eq!(
        (crlf[0]["line"].as_u64(), crlf[0]["column"].as_u64()),
        (Some(3), Some(5))
    );
    assert_eq!(find("src/deep.rs")[0]["rule"], "syntax-error");
}

#[test]
fn missing_paths_broken_manifests_and_loops_are_findings() {
    let s = Scratch::new("paths");
    s.write("src/main.rs", BLOCKING);
    s.write("Cargo.toml", "[package\nname = ");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&s.0, s.0.join("src/loop")).unwrap();
    let out = blocklint(&s.0, &["--format", "json", ".", "does-not-exist"]);
    assert_eq!(out.status.code(), Some(1));
    let items = json(&out);
    let rules: Vec<&str> = items.iter().map(|i| i["rule"].as_str().unwrap()).collect();
    assert!(rules.contains(&"manifest-error"), "{rules:?}");
    assert!(rules.contains(&"blocking-fs"), "{rules:?}");
    let missing = items
        .iter()
        .find(|i| i["path"] == "does-not-exist")
        .expect("missing path reported");
    assert_eq!(missing["rule"], "io-error");
    #[cfg(unix)]
    assert!(
        items
            .iter()
            .any(|i| i["message"].as_str().unwrap().contains("loop")),
        "{items:?}"
    );
}

#[cfg(unix)]
#[test]
fn unreadable_files_and_folders_are_findings() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new("perm");
    s.write("src/main.rs", BLOCKING)
        .write("src/secret.rs", "fn f() {}")
        .write("src/locked/inner.rs", "fn g() {}");
    std::fs::set_permissions(
        s.0.join("src/secret.rs"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    std::fs::set_permissions(
        s.0.join("src/locked"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let readable = std::fs::read(s.0.join("src/secret.rs")).is_ok();
    let items = json(&blocklint(&s.0, &["--format", "json"]));
    std::fs::set_permissions(
        s.0.join("src/locked"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    if readable {
        // Running as root: permissions do not stop reads, nothing to test.
        return;
    }
    assert!(
        items
            .iter()
            .any(|i| i["path"] == "src/secret.rs" && i["rule"] == "io-error"),
        "{items:?}"
    );
    assert!(
        items
            .iter()
            .any(|i| i["path"] == "src/locked" && i["rule"] == "io-error"),
        "{items:?}"
    );
    assert!(items.iter().any(|i| i["rule"] == "blocking-fs"));
}

#[test]
fn stdin_is_linted_as_the_named_file() {
    let s = Scratch::new("stdin");
    s.write("src/main.rs", "async fn saved() {}\n");
    let mut child = Command::new(env!("CARGO_BIN_EXE_blocklint"))
        .args(["--format", "json", "--stdin-filename", "src/main.rs"])
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
        .write_all(BLOCKING.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let items = json(&out);
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["path"], "src/main.rs");
    assert_eq!(items[0]["line"], 2);
}

#[test]
fn a_single_file_is_analysed_with_its_crate() {
    let s = Scratch::new("single");
    s.write(
        "src/main.rs",
        "mod config;\nasync fn handler() {\n    config::load();\n}\n",
    )
    .write(
        "src/config.rs",
        "pub fn load() -> String {\n    std::fs::read_to_string(\"c\").unwrap()\n}\n",
    );
    let items = json(&blocklint(&s.0, &["--format", "json", "src/main.rs"]));
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["via"][0]["function"], "load");
    assert_eq!(items[0]["via"][0]["path"], "src/config.rs");
}

#[test]
fn cargo_subcommand_accepts_its_own_name() {
    let s = Scratch::new("cargo");
    s.write("src/main.rs", BLOCKING);
    let out = Command::new(env!("CARGO_BIN_EXE_cargo-blocklint"))
        .args(["blocklint", "--format", "short"])
        .current_dir(&s.0)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("blocking-fs"));
}

#[test]
fn rule_catalogue() {
    let dir = std::env::temp_dir();
    let list = blocklint(&dir, &["rules"]);
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("blocking-fs") && text.contains("blocking-cpu"),
        "{text}"
    );
    let listed = json(&blocklint(&dir, &["rules", "--format", "json"]));
    let cpu = listed.iter().find(|r| r["id"] == "blocking-cpu").unwrap();
    assert_eq!(cpu["default"], false);
    assert!(
        listed
            .iter()
            .all(|r| r["id"] == "syntax-error" || r["callees"].as_u64().unwrap() > 0),
        "{listed:?}"
    );
    let doc =
        String::from_utf8_lossy(&blocklint(&dir, &["rule", "blocking-sleep"]).stdout).into_owned();
    for section in ["What it does", "Why is this bad?", "Example", "Use instead"] {
        assert!(doc.contains(section), "missing {section}:\n{doc}");
    }
    let callees =
        String::from_utf8_lossy(&blocklint(&dir, &["rule", "--callees", "blocking-sleep"]).stdout)
            .into_owned();
    assert!(
        callees.lines().any(|l| l == "std::thread::sleep"),
        "{callees}"
    );
    assert_eq!(blocklint(&dir, &["rule", "nope"]).status.code(), Some(2));
}

#[test]
fn suppressions_silence_and_unused_ones_are_reported() {
    let s = Scratch::new("suppress");
    s.write(
        "src/main.rs",
        "async fn a() {\n    // blocklint: allow(blocking-fs)\n    let _ = std::fs::read(\"x\");\n}\n\
         async fn b() {\n    tokio::fs::read(\"x\").await.ok(); // blocklint: allow(blocking-fs)\n}\n",
    );
    let items = json(&blocklint(&s.0, &["--format", "json"]));
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["rule"], "unused-suppression");
    assert_eq!(items[0]["line"], 6);
}

/// A function body the first parse blanked (its file was needed for
/// another function) is parsed alone once the plan reaches it, and the
/// blocking call in it reaches the async caller. A body that does not
/// parse alone sends its file to a whole parse, which reports the error.
#[test]
fn bodies_blanked_at_first_are_parsed_when_the_plan_needs_them() {
    let long = "    let text = String::from(\"a line long enough for this body to be blanked\");\n    drop(text);\n";
    let s = Scratch::new("bodies");
    s.write(
        "src/main.rs",
        "mod broken;\nmod util;\nasync fn handler() {\n    util::helper();\n}\n\
         async fn other() {\n    broken::entry();\n}\n",
    )
    .write(
        "src/util.rs",
        format!(
            "pub fn helper() {{\n{long}    deeper();\n}}\n\
             fn deeper() {{\n{long}    std::thread::sleep(std::time::Duration::from_secs(1));\n}}\n"
        ),
    )
    .write(
        "src/broken.rs",
        format!(
            "pub fn entry() {{\n{long}    inner();\n}}\nfn inner() {{\n{long}    let = ;\n}}\n"
        ),
    );
    let out = blocklint(&s.0, &["--format", "json", "--stats", "--no-cache"]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let items = json(&out);
    let at = |path: &str| -> Vec<(String, u64)> {
        items
            .iter()
            .filter(|i| i["path"] == path)
            .map(|i| {
                (
                    i["rule"].as_str().unwrap().to_string(),
                    i["line"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        at("src/main.rs"),
        vec![("blocking-sleep".to_string(), 4)],
        "{items:?}"
    );
    let main = items.iter().find(|i| i["path"] == "src/main.rs").unwrap();
    let chain = main["message"].as_str().unwrap();
    assert!(
        chain.contains("std::thread::sleep") && chain.contains("2 calls deep"),
        "{chain}"
    );
    assert_eq!(
        at("src/broken.rs"),
        vec![("syntax-error".to_string(), 9)],
        "{items:?}"
    );
    let alone: usize = stderr
        .split("bodies parsed alone ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count of bodies in:\n{stderr}"));
    assert!(alone >= 2, "{stderr}");
}
