//! The cache of per-file results, through the real binary on a scratch
//! crate: unchanged runs agree, an edit in one file changes the transitive
//! findings of another file on the next cached run, `--no-cache` writes
//! nothing, and a damaged cache file is recomputed without complaint.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir =
            std::env::temp_dir().join(format!("blocklint-cache-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let s = Scratch(dir);
        s.write(
            "Cargo.toml",
            "[package]\nname = \"shop\"\n[dependencies]\ntokio = \"1\"\n",
        );
        s.write(
            "src/main.rs",
            "mod handlers;\nmod storage;\n\n\
             #[tokio::main]\nasync fn main() {\n    handlers::serve().await;\n}\n",
        );
        // The async caller: never edited by the tests.
        s.write(
            "src/handlers.rs",
            "use crate::storage;\n\n\
             pub async fn serve() {\n    let _ = storage::load_stock();\n}\n",
        );
        s.write("src/storage.rs", BLOCKING_HELPER);
        s
    }

    fn write(&self, path: &str, contents: &str) {
        let path = self.0.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
    }

    fn cache_files(&self, dir: &Path) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(self.0.join(dir)) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "bin"))
            .collect()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A sync helper reaching the file system: blocking.
const BLOCKING_HELPER: &str = "pub fn load_stock() -> String {\n    read_file()\n}\n\n\
     fn read_file() -> String {\n    std::fs::read_to_string(\"stock.json\").unwrap_or_default()\n}\n";

/// The same helper, now pure.
const PURE_HELPER: &str = "pub fn load_stock() -> String {\n    read_file()\n}\n\n\
     fn read_file() -> String {\n    String::from(\"{}\")\n}\n";

fn blocklint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blocklint"))
        .args(["--format", "json"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// `(path, line, rule)` of every finding.
fn findings(output: &Output) -> Vec<(String, u64, String)> {
    let items: Vec<serde_json::Value> =
        serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&output.stdout)
            )
        });
    items
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

const DEFAULT_DIR: &str = "target/blocklint-cache";

#[test]
fn second_run_gives_identical_output_from_the_cache() {
    let s = Scratch::new("same");
    let first = blocklint(&s.0, &["--stats"]);
    assert_eq!(s.cache_files(Path::new(DEFAULT_DIR)).len(), 1);
    let second = blocklint(&s.0, &["--stats"]);
    assert_eq!(first.stdout, second.stdout);
    assert_eq!(first.status.code(), second.status.code());
    let stats = String::from_utf8_lossy(&second.stderr);
    assert!(stats.contains("parsed 0 "), "{stats}");
    assert!(
        findings(&second)
            .iter()
            .any(|f| f.0 == "src/handlers.rs" && f.2 == "blocking-fs"),
        "{:?}",
        findings(&second)
    );
}

#[test]
fn editing_a_helper_changes_the_finding_in_its_unchanged_caller() {
    let s = Scratch::new("edit");
    let caller = |out: &Output| {
        findings(out)
            .into_iter()
            .filter(|f| f.0 == "src/handlers.rs")
            .collect::<Vec<_>>()
    };
    let blocking = blocklint(&s.0, &[]);
    assert_eq!(caller(&blocking).len(), 1, "{:?}", findings(&blocking));

    // The helper no longer blocks: the caller's transitive finding goes.
    s.write("src/storage.rs", PURE_HELPER);
    let pure = blocklint(&s.0, &["--stats"]);
    assert!(caller(&pure).is_empty(), "{:?}", findings(&pure));
    let stats = String::from_utf8_lossy(&pure.stderr);
    assert!(stats.contains("parsed 1 "), "only the edited file: {stats}");

    // And it blocks again.
    s.write("src/storage.rs", BLOCKING_HELPER);
    let again = blocklint(&s.0, &[]);
    assert_eq!(caller(&again), caller(&blocking));
    assert_eq!(again.stdout, blocking.stdout);
}

#[test]
fn no_cache_writes_nothing_and_cache_dir_moves_it() {
    let s = Scratch::new("flags");
    let out = blocklint(&s.0, &["--no-cache"]);
    assert!(!findings(&out).is_empty());
    assert!(!s.0.join("target").exists(), "--no-cache wrote to target/");

    let moved = blocklint(&s.0, &["--cache-dir", "elsewhere"]);
    assert_eq!(moved.stdout, out.stdout);
    assert!(!s.0.join("target").exists());
    assert_eq!(s.cache_files(Path::new("elsewhere")).len(), 1);
    assert!(s.0.join("elsewhere/CACHEDIR.TAG").is_file());
}

#[test]
fn a_corrupt_or_foreign_cache_file_is_recomputed_silently() {
    let s = Scratch::new("corrupt");
    let clean = blocklint(&s.0, &[]);
    let files = s.cache_files(Path::new(DEFAULT_DIR));
    assert_eq!(files.len(), 1);
    for damage in [
        b"".to_vec(),
        b"BLKC\x01\x02garbage".to_vec(),
        {
            // Truncated halfway.
            let bytes = std::fs::read(&files[0]).unwrap_or_default();
            bytes[..bytes.len() / 2].to_vec()
        },
        vec![0xff; 4096],
    ] {
        std::fs::write(&files[0], &damage).unwrap();
        let out = blocklint(&s.0, &["--stats"]);
        assert_eq!(out.stdout, clean.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("error"), "{stderr}");
        assert!(stderr.contains("from cache 0 "), "recomputed: {stderr}");
        // Rewritten whole: the next run reads it.
        let next = blocklint(&s.0, &["--stats"]);
        assert!(
            String::from_utf8_lossy(&next.stderr).contains("parsed 0 "),
            "{}",
            String::from_utf8_lossy(&next.stderr)
        );
    }
}

#[test]
fn a_stored_plan_is_replayed_and_a_damaged_one_is_ignored() {
    let s = Scratch::new("plan");
    let first = blocklint(&s.0, &[]);
    let plans: Vec<PathBuf> = std::fs::read_dir(s.0.join(DEFAULT_DIR))
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "plan"))
        .collect();
    assert_eq!(plans.len(), 1, "{plans:?}");
    let replayed = blocklint(&s.0, &[]);
    assert_eq!(replayed.stdout, first.stdout);
    for damage in [b"".to_vec(), vec![0xff; 64]] {
        std::fs::write(&plans[0], &damage).unwrap();
        let out = blocklint(&s.0, &[]);
        assert_eq!(out.stdout, first.stdout);
    }
    // An edit elsewhere changes the key: the plan is made again.
    s.write("src/storage.rs", PURE_HELPER);
    let pure = blocklint(&s.0, &[]);
    assert!(
        !findings(&pure).iter().any(|f| f.0 == "src/handlers.rs"),
        "{:?}",
        findings(&pure)
    );
}

#[test]
fn caches_of_other_versions_and_settings_do_not_pile_up() {
    let s = Scratch::new("pile");
    let dir = s.0.join(DEFAULT_DIR);
    std::fs::create_dir_all(&dir).unwrap();
    // Left by an earlier version (one file per tool version and rule
    // data), a run killed while writing, and a run writing right now.
    let legacy = dir.join("shop-0123456789abcdef0123456789abcdef.bin");
    std::fs::write(&legacy, b"BLKC old").unwrap();
    let killed = dir.join("shop-0123456789abcdef.tmp-1-2");
    std::fs::write(&killed, b"half").unwrap();
    let two_hours_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(7200);
    std::fs::File::options()
        .write(true)
        .open(&killed)
        .unwrap()
        .set_modified(two_hours_ago)
        .unwrap();
    let writing = dir.join("shop-0123456789abcdef.tmp-3-4");
    std::fs::write(&writing, b"half").unwrap();

    let first = blocklint(&s.0, &[]);
    assert!(!findings(&first).is_empty());
    assert_eq!(s.cache_files(Path::new(DEFAULT_DIR)).len(), 1);
    assert!(!legacy.exists() && !killed.exists(), "left behind");
    assert!(writing.exists(), "a fresh temporary file is another run's");

    // Other settings make the cache unusable: it is written over, not
    // beside.
    s.write(
        "blocklint.toml",
        "[[extend-blocking]]\npath = \"legacy_sdk::fetch\"\nrule = \"blocking-net\"\n",
    );
    let second = blocklint(&s.0, &[]);
    assert_eq!(findings(&second), findings(&first));
    assert_eq!(s.cache_files(Path::new(DEFAULT_DIR)).len(), 1);
}
