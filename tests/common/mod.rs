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
