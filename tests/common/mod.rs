//! Helpers the end-to-end tests share: throwaway folders and runs of the
//! real binary. Each test file uses part of them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A throwaway folder, removed on drop. Named for the test binary, the
/// test and the process, so tests running at once never share one.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn empty(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!(
            "blocklint-{}-{name}-{}",
            env!("CARGO_CRATE_NAME"),
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    /// A crate named `name` depending on tokio, with an empty `src/`.
    pub fn krate(name: &str, package: &str) -> Scratch {
        let s = Scratch::empty(name);
        std::fs::create_dir_all(s.path("src")).unwrap();
        s.write(
            "Cargo.toml",
            format!("[package]\nname = \"{package}\"\nversion = \"0.1.0\"\n[dependencies]\ntokio = \"1\"\n"),
        );
        s
    }

    /// The scratch crate most tests use.
    pub fn new(name: &str) -> Scratch {
        Scratch::krate(name, "scratch")
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.0.join(relative)
    }

    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> &Scratch {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
        self
    }

    pub fn append(&self, relative: &str, contents: &str) -> &Scratch {
        let mut text = std::fs::read_to_string(self.path(relative)).unwrap();
        text.push_str(contents);
        self.write(relative, &text)
    }

    pub fn replace(&self, relative: &str, from: &str, to: &str) -> &Scratch {
        let text = std::fs::read_to_string(self.path(relative)).unwrap();
        assert!(text.contains(from), "{relative} has no {from:?}");
        self.write(relative, text.replacen(from, to, 1))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs the `blocklint` binary in `dir` and waits for it.
pub fn blocklint(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blocklint"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// The findings of a `--format json` run.
pub fn json(output: &Output) -> Vec<serde_json::Value> {
    serde_json::from_slice::<serde_json::Value>(&output.stdout)
        .unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}",
                String::from_utf8_lossy(&output.stdout)
            )
        })
        .as_array()
        .unwrap()
        .clone()
}

/// A run of the binary that was given a time limit.
pub struct LimitedRun {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: std::time::Duration,
}

/// Runs the `blocklint` binary in `dir` and kills it (failing the test)
/// when it is still running after `limit`: the limit catches hangs and
/// blow-ups, never measures speed. Output goes through files in `spool`,
/// so a large one cannot fill a pipe.
pub fn blocklint_within(
    dir: &Path,
    args: &[&str],
    limit: std::time::Duration,
    spool: &Path,
) -> LimitedRun {
    let out_path = spool.join(format!("blocklint-{}.stdout", std::process::id()));
    let err_path = spool.join(format!("blocklint-{}.stderr", std::process::id()));
    let started = std::time::Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_blocklint"))
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "blocklint {args:?} still running after {limit:?}; killed\nstderr: {}",
                std::fs::read_to_string(&err_path).unwrap_or_default()
            );
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let elapsed = started.elapsed();
    let stdout = std::fs::read_to_string(&out_path).unwrap_or_default();
    let stderr = std::fs::read_to_string(&err_path).unwrap_or_default();
    let _ = std::fs::remove_file(&out_path);
    let _ = std::fs::remove_file(&err_path);
    LimitedRun {
        status,
        stdout,
        stderr,
        elapsed,
    }
}
pub mod pieces;
