//! Which files to lint: every `.rs` file under the given paths, skipping
//! `target/`, hidden folders and whatever `.gitignore`/`.ignore` files say,
//! the way ripgrep and ruff do. Problems (unreadable folders, symlink loops,
//! missing paths) are returned beside the files, never dropped.

use crate::hashing::HashMap;
use crate::model::{Finding, IO_ERROR, Span};
use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use walkdir::WalkDir;

/// A file to lint: the path as the user will see it, and its canonical
/// location for tying it to its crate and module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePath {
    pub display: PathBuf,
    pub absolute: PathBuf,
}

/// What a walk found.
#[derive(Debug, Clone, Default)]
pub struct Discovered {
    pub files: Vec<SourcePath>,
    pub errors: Vec<Finding>,
    /// The `Cargo.toml` files the walk passed, as walked (the root as
    /// given joined with the rest), leaving out what it reached through a
    /// symbolic link: the configuration reads their
    /// `[package.metadata.blocklint]` tables, and one walk of a large tree
    /// is cheaper than two.
    pub manifests: Vec<PathBuf>,
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
        // Each entry's absolute path is the root's with the entry's own
        // part joined: one `getcwd` per root, not one per entry.
        let absolute_root = std::path::absolute(root).ok();
        // Folders entered through a symbolic link: manifests under them
        // are not this tree's packages.
        let mut linked: Vec<PathBuf> = Vec::new();
        let first_manifest = found.manifests.len();
        let mut walker = walker.filter_entry(|entry| {
            if entry.depth() == 0 {
                return true;
            }
            let name = entry.file_name().to_string_lossy();
            let is_dir = entry.file_type().is_dir();
            if is_dir && (name.starts_with('.') || name == "target") {
                return false;
            }
            if is_dir && entry.path_is_symlink() {
                linked.push(entry.path().to_path_buf());
            }
            if exclude(entry.path()) {
                return false;
            }
            let absolute = match (&absolute_root, entry.path().strip_prefix(root)) {
                (Some(base), Ok(rest)) => base.join(rest),
                _ => match std::path::absolute(entry.path()) {
                    Ok(absolute) => absolute,
                    Err(_) => return true,
                },
            };
            !ignores.is_ignored(&absolute, is_dir)
        });
        loop {
            match walker.next() {
                None => break,
                Some(Ok(entry)) => {
                    if entry.file_type().is_dir() {
                        folders.enter(entry.path(), entry.path_is_symlink());
                    }
                    if entry.file_type().is_file()
                        && entry.file_name() == "Cargo.toml"
                        && !entry.path_is_symlink()
                    {
                        found.manifests.push(entry.path().to_path_buf());
                    }
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
        drop(walker);
        let mut walked = found.manifests.split_off(first_manifest);
        walked.retain(|m| !linked.iter().any(|l| m.starts_with(l)));
        found.manifests.extend(walked);
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
    /// A folder the walk enters, after its parent: unless it is a
    /// symbolic link, its canonical path is its parent's with its name
    /// joined, without asking the file system.
    fn enter(&mut self, folder: &Path, is_link: bool) {
        let from_parent = match (is_link, folder.parent(), folder.file_name()) {
            (false, Some(parent), Some(name)) => self
                .canonical
                .get(parent)
                .and_then(Option::as_ref)
                .map(|p| p.join(name)),
            _ => None,
        };
        let resolved = from_parent.or_else(|| std::fs::canonicalize(folder).ok());
        self.canonical.insert(folder.to_path_buf(), resolved);
    }

    fn canonical(&mut self, folder: &Path) -> Option<&Path> {
        if !self.canonical.contains_key(folder) {
            let resolved = std::fs::canonicalize(folder).ok();
            self.canonical.insert(folder.to_path_buf(), resolved);
        }
        self.canonical.get(folder).and_then(Option::as_deref)
    }
}

fn io_error(path: &Path, message: String) -> Finding {
    let display = path.strip_prefix("./").unwrap_or(path).to_path_buf();
    Finding::file_error(IO_ERROR, display, Span::FILE_START, message)
}

/// `.gitignore` and `.ignore` matchers per folder, loaded on first use.
#[derive(Default)]
struct IgnoreStack {
    /// Per folder: the matchers that apply to its entries, nearest folder
    /// first, up to the repository root (ignore files above it do not
    /// apply). Worked out once per folder from its parent's.
    chains: HashMap<PathBuf, Rc<[Rc<Gitignore>]>>,
}

impl IgnoreStack {
    /// Whether the ignore files of the folders above `absolute` exclude
    /// it; the nearest file with an opinion decides.
    fn is_ignored(&mut self, absolute: &Path, is_dir: bool) -> bool {
        let Some(parent) = absolute.parent() else {
            return false;
        };
        for matcher in self.chain(parent).iter() {
            match matcher.matched(absolute, is_dir) {
                Match::Ignore(_) => return true,
                Match::Whitelist(_) => return false,
                Match::None => {}
            }
        }
        false
    }

    fn chain(&mut self, dir: &Path) -> Rc<[Rc<Gitignore>]> {
        if let Some(chain) = self.chains.get(dir) {
            return chain.clone();
        }
        let mut chain: Vec<Rc<Gitignore>> = matcher(dir).map(Rc::new).into_iter().collect();
        if !dir.join(".git").exists()
            && let Some(parent) = dir.parent()
        {
            chain.extend(self.chain(parent).iter().cloned());
        }
        let chain: Rc<[Rc<Gitignore>]> = chain.into();
        self.chains.insert(dir.to_path_buf(), chain.clone());
        chain
    }
}

/// The folder's own `.gitignore` and `.ignore`, if it has either.
fn matcher(dir: &Path) -> Option<Gitignore> {
    let mut builder = GitignoreBuilder::new(dir);
    let mut any = false;
    for name in [".gitignore", ".ignore"] {
        let file = dir.join(name);
        if file.is_file() {
            any = true;
            // A malformed line is skipped by the builder; the rest of the
            // file still applies.
            let _ = builder.add(file);
        }
    }
    if any { builder.build().ok() } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files found, as shown, relative to the folder walked.
    fn shown_under(found: &Discovered, root: &Path) -> Vec<String> {
        found
            .files
            .iter()
            .map(|f| f.display.strip_prefix(root).unwrap().display().to_string())
            .collect()
    }

    #[test]
    fn nearest_ignore_file_decides_and_none_above_the_repository_applies() {
        // A relative root, as `blocklint .` gives: entries are matched by
        // their absolute paths all the same.
        let outer = PathBuf::from(format!("target/blocklint-ignores-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&outer);
        let repo = outer.join("repo");
        for sub in [".git", "src/keep", "gen"] {
            std::fs::create_dir_all(repo.join(sub)).unwrap();
        }
        std::fs::write(outer.join(".gitignore"), "*.rs\n").unwrap();
        std::fs::write(repo.join(".gitignore"), "gen/\n*.tmp.rs\n").unwrap();
        std::fs::write(repo.join("src/keep/.gitignore"), "!c.tmp.rs\n").unwrap();
        for file in ["src/a.rs", "src/b.tmp.rs", "src/keep/c.tmp.rs", "gen/d.rs"] {
            std::fs::write(repo.join(file), "fn main() {}").unwrap();
        }
        let found = discover(std::slice::from_ref(&repo), &|_| false);
        let names = shown_under(&found, &repo);
        assert_eq!(names, ["src/a.rs", "src/keep/c.tmp.rs"]);
        assert!(found.files.iter().all(|f| f.absolute.is_absolute()));
        std::fs::remove_dir_all(&outer).unwrap();
    }

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
        let names = shown_under(&found, &dir);
        assert_eq!(names, ["src/keep.rs", "src/main.rs"]);
        assert!(found.errors.is_empty());
        let missing = discover(&[dir.join("nope")], &|_| false);
        assert_eq!(missing.errors.len(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
