//! Bad input the real binary must survive, beyond tests/cli.rs: a 20 MB
//! file, blocks, expressions and types nested 10,000 deep, and a broken
//! configuration. Each must give a clear finding or error, never a crash,
//! and the rest of the run must go on.
//!
//! A run that takes longer than its limit is killed and fails the test: the
//! limits only catch hangs and blow-ups (the benchmark measures speed). The
//! 20 MB file needs a release build to stay within its limit:
//! `cargo test --release --test bad_input -- --include-ignored`
//! (scripts/soak.sh runs it).

mod common;

use common::Scratch;
use std::path::Path;

use std::time::Duration;

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs the binary in `dir`, killing it after `limit`.
fn blocklint(dir: &Path, args: &[&str], limit: Duration) -> Run {
    let done = common::blocklint_within(dir, args, limit, dir);
    let run = Run {
        code: done.status.code(),
        stdout: done.stdout,
        stderr: done.stderr,
        elapsed: done.elapsed,
    };
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("overflow"),
        "blocklint {args:?} crashed ({}):\n{}",
        done.status,
        run.stderr
    );
    run
}

fn findings(run: &Run) -> Vec<serde_json::Value> {
    assert!(
        matches!(run.code, Some(0 | 1)),
        "exit {:?} (a signal when None):\n{}",
        run.code,
        run.stderr
    );
    let items: Vec<serde_json::Value> = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", run.stdout));
    for item in &items {
        let message = item["message"].as_str().unwrap_or_default();
        assert!(!message.contains("internal error"), "{item}");
    }
    items
}

fn rules_for<'a>(items: &'a [serde_json::Value], path: &str) -> Vec<&'a str> {
    items
        .iter()
        .filter(|i| i["path"] == path)
        .map(|i| i["rule"].as_str().unwrap())
        .collect()
}

const BLOCKING: &str =
    "async fn handler() {\n    std::thread::sleep(std::time::Duration::from_secs(1));\n}\n";

/// What every deep-nesting file may produce: nothing (analysed) or a
/// located `syntax-error` (refused).
fn analysed_or_refused(rules: &[&str]) -> bool {
    rules
        .iter()
        .all(|r| *r == "syntax-error" || r.starts_with("blocking-"))
}

#[test]
fn blocks_nested_10000_deep() {
    let s = Scratch::new("blocks");
    let n = 10_000;
    s.write("src/main.rs", format!("mod deep;\n{BLOCKING}"));
    s.write(
        "src/deep.rs",
        format!(
            "async fn f() {{\n{}std::thread::sleep(d);{}\n}}\n",
            "{".repeat(n),
            "}".repeat(n)
        ),
    );
    s.write(
        "src/async_blocks.rs",
        format!(
            "fn g() {{\n{}std::thread::sleep(d);{}\n}}\n",
            "async { ".repeat(n),
            " }".repeat(n)
        ),
    );
    let items = findings(&blocklint(
        &s.0,
        &["--format", "json"],
        Duration::from_secs(120),
    ));
    assert_eq!(
        rules_for(&items, "src/main.rs"),
        ["blocking-sleep"],
        "{items:?}"
    );
    for file in ["src/deep.rs", "src/async_blocks.rs"] {
        let rules = rules_for(&items, file);
        assert_eq!(rules, ["syntax-error"], "{file}: {items:?}");
    }
}

/// Expression shapes whose depth does not show as bracket nesting: each
/// operator, postfix or prefix, nests the syntax tree one level. Every file
/// sits in its own crate, so one crash cannot hide behind another.
#[test]
fn expressions_nested_10000_deep() {
    let n = 10_000;
    let shapes: Vec<(&str, String)> = vec![
        ("parens", format!("{}1{}", "(".repeat(n), ")".repeat(n))),
        ("not", format!("{}true", "!".repeat(n))),
        ("neg", format!("{}1", "- ".repeat(n))),
        ("refs", format!("{}1", "& ".repeat(n))),
        ("deref", format!("{}y", "*".repeat(n))),
        ("binary", format!("1{}", " + 1".repeat(n))),
        ("casts", format!("1{}", " as u8".repeat(n))),
        ("fields", format!("y{}", ".a".repeat(n))),
        ("awaits", format!("y{}", ".await".repeat(n))),
        ("try", format!("y{}", "?".repeat(n))),
        ("index", format!("y{}", "[0]".repeat(n))),
        (
            "if_else",
            format!("{}{{ 2 }}", "if a { 1 } else ".repeat(n)),
        ),
        ("path", format!("{}()", vec!["a"; n].join("::"))),
    ];
    let mut failures = Vec::new();
    for (name, expr) in &shapes {
        let s = Scratch::new(&format!("expr-{name}"));
        s.write("src/main.rs", format!("mod deep;\n{BLOCKING}"));
        s.write(
            "src/deep.rs",
            format!("async fn f() {{\n    let x = {expr};\n}}\n"),
        );
        let run = blocklint(&s.0, &["--format", "json"], Duration::from_secs(180));
        let items = findings(&run);
        let main = rules_for(&items, "src/main.rs");
        let deep = rules_for(&items, "src/deep.rs");
        if main != ["blocking-sleep"] || !analysed_or_refused(&deep) {
            failures.push(format!("{name}: main.rs {main:?}, deep.rs {deep:?}"));
        }
        eprintln!("{name}: {:?}, deep.rs {deep:?}", run.elapsed);
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Depth that neither brackets nor a postfix chain show: prefix keywords
/// and operators (`return return ..`, `|| || ..`, `x = x = ..`) and types
/// (`Vec<Vec<..>>`, `&&..u8`). syn recurses once per level. These once
/// overflowed the 64 MiB worker stack and aborted the whole run; the guard
/// in src/parse.rs now counts angle brackets and `&` runs, and the workers'
/// 1 GiB stacks (address space, not memory) carry the rest.
#[test]
fn prefix_operators_and_types_nested_deep() {
    let mut failures = Vec::new();
    for n in [10_000, 40_000] {
        let shapes: Vec<(&str, String)> = vec![
            (
                "returns",
                format!("async fn f() {{ {}1; }}\n", "return ".repeat(n)),
            ),
            (
                "closures",
                format!("async fn f() {{ let x = {}1; }}\n", "|| ".repeat(n)),
            ),
            (
                "assign",
                format!("async fn f() {{ {}1; }}\n", "x = ".repeat(n)),
            ),
            ("ref_type", format!("fn f(x: {}u8) {{}}\n", "&".repeat(n))),
            (
                "generic_type",
                format!(
                    "fn f() -> {}u8{} {{ todo!() }}\n",
                    "Vec<".repeat(n),
                    ">".repeat(n)
                ),
            ),
        ];
        for (name, text) in &shapes {
            let s = Scratch::new(&format!("prefix-{name}-{n}"));
            s.write("src/main.rs", format!("mod deep;\n{BLOCKING}"));
            s.write("src/deep.rs", text);
            let result = std::panic::catch_unwind(|| {
                let items = findings(&blocklint(
                    &s.0,
                    &["--format", "json"],
                    Duration::from_secs(120),
                ));
                rules_for(&items, "src/main.rs") == ["blocking-sleep"]
                    && analysed_or_refused(&rules_for(&items, "src/deep.rs"))
            });
            if !matches!(result, Ok(true)) {
                failures.push(format!("{name} x {n}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A method chain 10,000 calls long: linear to parse, and must stay near
/// linear to summarise and analyse (it took 21-46 s when call spans were
/// found by printing each call; about a second now). The run's 60 s limit
/// guards against that coming back; speed itself is the benchmark's.
#[test]
#[ignore = "needs a release build; scripts/soak.sh runs it"]
fn method_chain_10000_long() {
    let n = 10_000;
    let s = Scratch::new("chain");
    s.write("src/main.rs", format!("mod deep;\n{BLOCKING}"));
    s.write(
        "src/deep.rs",
        format!("async fn f() {{\n    let x = y{};\n}}\n", ".a()".repeat(n)),
    );
    let run = blocklint(&s.0, &["--format", "json"], Duration::from_secs(60));
    let items = findings(&run);
    assert_eq!(rules_for(&items, "src/main.rs"), ["blocking-sleep"]);
}

/// Inline modules 2,500 deep (under the bracket limit, so analysed).
#[test]
#[ignore = "needs a release build; scripts/soak.sh runs it"]
fn modules_nested_2500_deep() {
    let n = 2_500;
    let s = Scratch::new("mods");
    s.write(
        "src/main.rs",
        format!("{}{BLOCKING}{}", "mod a {\n".repeat(n), "}\n".repeat(n)),
    );
    let run = blocklint(&s.0, &["--format", "json"], Duration::from_secs(60));
    let items = findings(&run);
    assert_eq!(rules_for(&items, "src/main.rs"), ["blocking-sleep"]);
}

/// 20 MB of ordinary code in one file: it must finish (here within five
/// minutes, in a release build), with the blocking call at its end found
/// or with a finding saying why the file was not analysed.
#[test]
#[ignore = "needs a release build; scripts/soak.sh runs it"]
fn twenty_megabyte_file() {
    let s = Scratch::new("big");
    let mut text = String::with_capacity(20_100_000);
    let mut n = 0;
    while text.len() < 20_000_000 {
        text.push_str(&format!(
            "pub fn helper_{n}(x: u64) -> u64 {{\n    let mut acc = x;\n    for i in 0..{} {{\n        acc = acc.wrapping_mul(31).wrapping_add(i);\n    }}\n    acc\n}}\n\n",
            n % 97
        ));
        n += 1;
    }
    text.push_str(BLOCKING);
    s.write("src/main.rs", &text);
    s.write("src/other.rs", BLOCKING);
    s.write("src/lib.rs", "mod other;\n");
    let run = blocklint(&s.0, &["--format", "json"], Duration::from_secs(300));
    let items = findings(&run);
    eprintln!("20 MB file: {:?}", run.elapsed);
    assert!(!rules_for(&items, "src/main.rs").is_empty(), "{items:?}");
    assert_eq!(rules_for(&items, "src/other.rs"), ["blocking-sleep"]);
}

/// A configuration file that is not TOML, not UTF-8, or not a file stops
/// the run with an error naming it (exit 2), never a panic.
#[test]
fn broken_configuration() {
    let s = Scratch::new("config");
    s.write("src/main.rs", BLOCKING);
    let cases: [(&str, &[u8]); 4] = [
        ("unclosed array", b"select = [\"blocking-fs\"\nignore = ["),
        ("not a table", b"[[[\n"),
        ("not UTF-8", b"select = [\"blocking-fs\xff\"]\n"),
        ("wrong types", b"select = 3\nexclude = { a = 1 }\n"),
    ];
    for (what, contents) in cases {
        s.write("blocklint.toml", contents);
        let run = blocklint(&s.0, &["--format", "json"], Duration::from_secs(60));
        assert_eq!(run.code, Some(2), "{what}: {}\n{}", run.stdout, run.stderr);
        assert!(
            run.stderr.starts_with("error") && run.stderr.contains("blocklint.toml"),
            "{what}: {}",
            run.stderr
        );
    }
    std::fs::remove_file(s.0.join("blocklint.toml")).unwrap();
    std::fs::create_dir(s.0.join("blocklint.toml")).unwrap();
    let run = blocklint(&s.0, &["--format", "json"], Duration::from_secs(60));
    assert!(
        matches!(run.code, Some(1 | 2)),
        "a folder named blocklint.toml: exit {:?}\n{}",
        run.code,
        run.stderr
    );
}
