//! Which files to lint: every `.rs` file under the given paths, skipping
//! `target/`, hidden folders and whatever `.gitignore`/`.ignore` files say,
//! the way ripgrep and ruff do. Problems (unreadable folders, symlink loops,
//! missing paths) are returned beside the files, never dropped.

use crate::model::{Finding, IO_ERROR, Span};
use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

/// A file to lint: the path as the user will see it, and its canonical
/// location for tying it to its crate and module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePath {
    pub display: PathBuf,
    pub absolute: PathBuf,
}

/// What a walk found.
#[derive(Debug, Default)]
pub struct Discovered {
    pub files: Vec<SourcePath>,
    pub errors: Vec<Finding>,
}

/// Walks `paths` (files or folders). Explicitly named files are always
/// linted, whatever their extension or ignore status.
pub fn discover(paths: &[PathBuf], exclude: &dyn Fn(&Path) -> bool) -> Discovered {
    let mut found = Discovered::default();
    let mut ignores = IgnoreStack::default();
    let mut folders = Folders::default();
    for root in paths {
        if !root.exists() && root.symlink_metadata().is_err() {
            found
                .errors
                .push(io_error(root, format!("{} does not exist", root.display())));
            continue;
        }
        if root.is_file() {
            push_file(&mut found, root, None);
            continue;
        }
        let walker = WalkDir::new(root)
            .follow_links(true)
            .sort_by_file_name()
            .into_iter();
        let mut walker = walker.filter_entry(|entry| {
            if entry.depth() == 0 {
                return true;
            }
            let name = entry.file_name().to_string_lossy();
            let is_dir = entry.file_type().is_dir();
            if is_dir && (name.starts_with('.') || name == "target") {
                return false;
            }
            if exclude(entry.path()) {
                return false;
            }
            !ignores.is_ignored(entry.path(), is_dir)
        });
        loop {
            match walker.next() {
                None => break,
                Some(Ok(entry)) => {
                    if entry.file_type().is_file()
                        && entry.path().extension().is_some_and(|e| e == "rs")
                    {
                        let folder = (!entry.path_is_symlink())
                            .then(|| entry.path().parent())
                            .flatten()
                            .and_then(|parent| folders.canonical(parent));
                        push_file(&mut found, entry.path(), folder);
                    }
                }
                Some(Err(err)) => {
                    let path = err
                        .path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| root.clone());
                    let message = if let Some(ancestor) = err.loop_ancestor() {
                        format!(
                            "symbolic link loop: {} points back to {}; the loop was not followed",
                            path.display(),
                            ancestor.display()
                        )
                    } else {
                        let cause = err
                            .io_error()
                            .map_or_else(|| err.to_string(), |e| e.to_string());
                        format!(
                            "cannot read {}: {cause}; its contents were not checked",
                            path.display()
                        )
                    };
                    found.errors.push(io_error(&path, message));
                }
            }
        }
    }
    found
}

/// Adds a file; `folder` is the canonical path of the folder it sits in,
/// when the file itself is no symbolic link.
fn push_file(found: &mut Discovered, path: &Path, folder: Option<&Path>) {
    let display = path.strip_prefix("./").unwrap_or(path).to_path_buf();
    let absolute = match (folder, path.file_name()) {
        (Some(folder), Some(name)) => folder.join(name),
        _ => std::fs::canonicalize(path)
            .unwrap_or_else(|_| std::path::absolute(path).unwrap_or(path.into())),
    };
    found.files.push(SourcePath { display, absolute });
}

/// Canonical folder paths, resolved once per folder: resolving every
/// file's path was a tenth of a large run's walk.
#[derive(Default)]
struct Folders {
    canonical: HashMap<PathBuf, Option<PathBuf>>,
}

impl Folders {
    fn canonical(&mut self, folder: &Path) -> Option<&Path> {
        self.canonical
            .entry(folder.to_path_buf())
            .or_insert_with(|| std::fs::canonicalize(folder).ok())
            .as_deref()
    }
}

fn io_error(path: &Path, message: String) -> Finding {
    let display = path.strip_prefix("./").unwrap_or(path).to_path_buf();
    Finding::file_error(IO_ERROR, display, Span::FILE_START, message)
}

/// `.gitignore` and `.ignore` matchers per folder, loaded on first use.
#[derive(Default)]
struct IgnoreStack {
    by_dir: HashMap<PathBuf, Option<Gitignore>>,
    /// Folders holding `.git`, asked once per folder.
    repo_roots: HashMap<PathBuf, bool>,
}

impl IgnoreStack {
    fn is_ignored(&mut self, path: &Path, is_dir: bool) -> bool {
        let Ok(absolute) = std::path::absolute(path) else {
            return false;
        };
        let mut dir = absolute.parent();
        while let Some(d) = dir {
            if let Some(matcher) = self.matcher(d) {
                match matcher.matched(&absolute, is_dir) {
                    Match::Ignore(_) => return true,
                    Match::Whitelist(_) => return false,
                    Match::None => {}
                }
            }
            // Ignore files above the repository root do not apply.
            let root = *self
                .repo_roots
                .entry(d.to_path_buf())
                .or_insert_with(|| d.join(".git").exists());
            if root {
                break;
            }
            dir = d.parent();
        }
        false
    }

    fn matcher(&mut self, dir: &Path) -> Option<&Gitignore> {
        self.by_dir
            .entry(dir.to_path_buf())
            .or_insert_with(|| {
                let mut builder = GitignoreBuilder::new(dir);
                let mut any = false;
                for name in [".gitignore", ".ignore"] {
                    let file = dir.join(name);
                    if file.is_file() {
                        any = true;
                        // A malformed line is skipped by the builder; the
                        // rest of the file still applies.
                        let _ = builder.add(file);
                    }
                }
                if any { builder.build().ok() } else { None }
            })
            .as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn honours_gitignore_and_skips_target_and_hidden() {
        let dir = std::env::temp_dir().join(format!("blocklint-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["src", "target/debug", ".hidden", "generated"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        std::fs::create_dir_all(dir.join(".git")).unwrap();
        for file in [
            "src/main.rs",
            "target/debug/x.rs",
            ".hidden/y.rs",
            "generated/z.rs",
            "src/keep.rs",
        ] {
            std::fs::write(dir.join(file), "fn main() {}").unwrap();
        }
        std::fs::write(dir.join(".gitignore"), "generated/\n").unwrap();
        let found = discover(std::slice::from_ref(&dir), &|_| false);
        let names: Vec<String> = found
            .files
            .iter()
            .map(|f| f.display.strip_prefix(&dir).unwrap().display().to_string())
            .collect();
        assert_eq!(names, ["src/keep.rs", "src/main.rs"]);
        assert!(found.errors.is_empty());
        let missing = discover(&[dir.join("nope")], &|_| false);
        assert_eq!(missing.errors.len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
