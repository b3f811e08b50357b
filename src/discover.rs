//! Which files to lint: every `.rs` file under the given paths, skipping
//! `target/`, hidden folders and whatever `.gitignore`/`.ignore` files say,
//! the way ripgrep and ruff do. Problems (unreadable folders, symlink loops,
//! missing paths) are returned beside the files, never dropped.

use crate::hashing::HashMap;
use crate::model::{Finding, IO_ERROR, Span};
use ignore::Match;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;
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
///
/// The folders right under each root are walked in parallel, on the
/// calling thread pool (a large tree's walk is otherwise a tenth of a
/// run on two cores); the result is in the order of one sorted walk.
/// Symbolic links are followed, and a link back to a folder the walk
/// is in is reported as a loop and not entered.
pub fn discover(paths: &[PathBuf], exclude: &(dyn Fn(&Path) -> bool + Sync)) -> Discovered {
    let mut found = Discovered::default();
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
        if !root.is_dir() {
            continue;
        }
        // Each entry's absolute path is the root's with the entry's own
        // part joined: one `getcwd` per root, not one per entry.
        let walk = Walk {
            root,
            absolute_root: std::path::absolute(root).ok(),
            exclude,
            root_chain: IgnoreStack::default().chain_above(root),
        };
        let start = Start {
            path: root.clone(),
            canonical: std::fs::canonicalize(root).ok(),
            ancestors: Vec::new(),
            linked: false,
        };
        for item in walk.folder(start, true) {
            match item {
                Item::File(path, folder) => push_file(&mut found, &path, folder.as_deref()),
                Item::Manifest(path) => found.manifests.push(path),
                Item::Error(finding) => found.errors.push(*finding),
            }
        }
    }
    found
}

/// What a walk finds, in walk order.
enum Item {
    /// A `.rs` file and the canonical path of its folder (none for a link).
    File(PathBuf, Option<PathBuf>),
    Manifest(PathBuf),
    Error(Box<Finding>),
}

/// A folder a walk starts from: a root, a folder right under one, or a
/// folder reached through a symbolic link.
struct Start {
    path: PathBuf,
    canonical: Option<PathBuf>,
    /// The folders above it in the walk, as walked and canonical: a link
    /// to one of them is a loop.
    ancestors: Vec<(PathBuf, PathBuf)>,
    /// Reached through a symbolic link: manifests under it are not this
    /// tree's packages.
    linked: bool,
}

/// One root's walk.
struct Walk<'w> {
    root: &'w Path,
    absolute_root: Option<PathBuf>,
    exclude: &'w (dyn Fn(&Path) -> bool + Sync),
    /// The ignore files that apply to the root's entries.
    root_chain: Chain,
}

impl Walk<'_> {
    /// Everything under `start`, in sorted walk order. With `split`, the
    /// folders right under it are walked in parallel.
    fn folder(&self, start: Start, split: bool) -> Vec<Item> {
        // Shared by the walk's filter and the links taken in.
        let ignores = std::cell::RefCell::new(IgnoreStack::default());
        ignores
            .borrow_mut()
            .seed(&self.root_chain, &self.absolute_root);
        let mut folders = Folders::default();
        folders.set(&start.path, start.canonical.clone());
        let walker = WalkDir::new(&start.path)
            .follow_links(false)
            .sort_by_file_name()
            .min_depth(1);
        let walker = if split { walker.max_depth(1) } else { walker };
        let mut walker = walker.into_iter().filter_entry(|entry| {
            // A link is looked at where it is taken in: what it points to
            // decides.
            entry.path_is_symlink()
                || self.admits(
                    entry.path(),
                    entry.file_type().is_dir(),
                    &mut ignores.borrow_mut(),
                )
        });
        // Per entry: its items, or (with `split`) a folder to walk.
        let mut parts: Vec<Result<Vec<Item>, Start>> = Vec::new();
        loop {
            let entry = match walker.next() {
                None => break,
                Some(Ok(entry)) => entry,
                Some(Err(err)) => {
                    let path = err
                        .path()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| start.path.clone());
                    let cause = err
                        .io_error()
                        .map_or_else(|| err.to_string(), |e| e.to_string());
                    parts.push(Ok(vec![Item::Error(Box::new(io_error(
                        &path,
                        cannot_read(&path, &cause),
                    )))]));
                    continue;
                }
            };
            let path = entry.path();
            if entry.path_is_symlink() {
                let items = self.link(path, &start, &folders, &mut ignores.borrow_mut());
                parts.push(Ok(items));
                continue;
            }
            let file_type = entry.file_type();
            if file_type.is_dir() {
                let canonical = folders.enter(path).map(Path::to_path_buf);
                if split {
                    let mut ancestors = start.ancestors.clone();
                    if let Some(c) = &start.canonical {
                        ancestors.push((start.path.clone(), c.clone()));
                    }
                    parts.push(Err(Start {
                        path: path.to_path_buf(),
                        canonical,
                        ancestors,
                        linked: start.linked,
                    }));
                }
                continue;
            }
            let mut items = Vec::new();
            if file_type.is_file() {
                if entry.file_name() == "Cargo.toml" && !start.linked {
                    items.push(Item::Manifest(path.to_path_buf()));
                }
                if path.extension().is_some_and(|e| e == "rs") {
                    let folder = path
                        .parent()
                        .and_then(|parent| folders.canonical(parent))
                        .map(Path::to_path_buf);
                    items.push(Item::File(path.to_path_buf(), folder));
                }
            }
            parts.push(Ok(items));
        }
        drop(walker);
        use rayon::prelude::*;
        parts
            .into_par_iter()
            .map(|part| match part {
                Ok(items) => items,
                Err(start) => self.folder(start, false),
            })
            .flatten_iter()
            .collect()
    }

    /// A symbolic link at `path`, under `start`: followed as the walk would
    /// a folder or file of its own, unless broken, a loop, or filtered.
    fn link(
        &self,
        path: &Path,
        start: &Start,
        folders: &Folders,
        ignores: &mut IgnoreStack,
    ) -> Vec<Item> {
        let target = match std::fs::metadata(path) {
            Ok(target) => target,
            Err(e) => {
                return vec![Item::Error(Box::new(io_error(
                    path,
                    cannot_read(path, &e.to_string()),
                )))];
            }
        };
        let is_dir = target.is_dir();
        if is_dir {
            let canonical = std::fs::canonicalize(path).ok();
            if let Some(canonical) = &canonical
                && let Some(ancestor) = self.loop_ancestor(path, canonical, start, folders)
            {
                return vec![Item::Error(Box::new(io_error(
                    path,
                    format!(
                        "symbolic link loop: {} points back to {}; the loop was not followed",
                        path.display(),
                        ancestor.display()
                    ),
                )))];
            }
            if !self.admits(path, true, ignores) {
                return Vec::new();
            }
            let mut ancestors = start.ancestors.clone();
            if let (Some(c), Some(parent)) = (&start.canonical, path.parent()) {
                ancestors.push((start.path.clone(), c.clone()));
                // The folders between `start` and the link are ancestors too.
                if let Ok(rest) = parent.strip_prefix(&start.path) {
                    let (mut walked, mut real) = (start.path.clone(), c.clone());
                    for part in rest.components() {
                        walked.push(part);
                        real.push(part);
                        ancestors.push((walked.clone(), real.clone()));
                    }
                }
            }
            return self.folder(
                Start {
                    path: path.to_path_buf(),
                    canonical,
                    ancestors,
                    linked: true,
                },
                false,
            );
        }
        if !target.is_file() || !self.admits(path, false, ignores) {
            return Vec::new();
        }
        if path.extension().is_some_and(|e| e == "rs") {
            return vec![Item::File(path.to_path_buf(), None)];
        }
        Vec::new()
    }

    /// The folder, as walked, that a link to the folder `canonical` at
    /// `path` points back to, if it is one the walk is in.
    fn loop_ancestor(
        &self,
        path: &Path,
        canonical: &Path,
        start: &Start,
        folders: &Folders,
    ) -> Option<PathBuf> {
        if let Some((walked, _)) = start.ancestors.iter().find(|(_, c)| c == canonical) {
            return Some(walked.clone());
        }
        // The folders from `start` down to the link's own.
        let start_canonical = start.canonical.as_deref()?;
        let parent = folders.get(path.parent()?)?;
        let below = canonical.strip_prefix(start_canonical).ok()?;
        let walked = match below.as_os_str().is_empty() {
            true => start.path.clone(),
            false => start.path.join(below),
        };
        parent.starts_with(canonical).then_some(walked)
    }

    /// Whether the walk takes in the entry at `path` (below the root).
    fn admits(&self, path: &Path, is_dir: bool, ignores: &mut IgnoreStack) -> bool {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        if is_dir && (name.starts_with('.') || name == "target") {
            return false;
        }
        if (self.exclude)(path) {
            return false;
        }
        !ignores.is_ignored(path, is_dir, |p| self.absolute(p))
    }

    /// A walked path made absolute from the root's absolute path.
    fn absolute(&self, path: &Path) -> Option<PathBuf> {
        match (&self.absolute_root, path.strip_prefix(self.root)) {
            (Some(base), Ok(rest)) => Some(if rest.as_os_str().is_empty() {
                base.clone()
            } else {
                base.join(rest)
            }),
            _ => std::path::absolute(path).ok(),
        }
    }
}

fn cannot_read(path: &Path, cause: &str) -> String {
    format!(
        "cannot read {}: {cause}; its contents were not checked",
        path.display()
    )
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
    /// By the path's bytes: hashing a `Path` splits it into components.
    canonical: HashMap<OsString, Option<PathBuf>>,
}

impl Folders {
    fn set(&mut self, folder: &Path, canonical: Option<PathBuf>) {
        self.canonical
            .insert(folder.as_os_str().to_owned(), canonical);
    }

    fn get(&self, folder: &Path) -> Option<&Path> {
        self.canonical
            .get(folder.as_os_str())
            .and_then(Option::as_deref)
    }

    /// A folder (no symbolic link) the walk enters, after its parent: its
    /// canonical path is its parent's with its name joined, without
    /// asking the file system.
    fn enter(&mut self, folder: &Path) -> Option<&Path> {
        let from_parent = match (folder.parent(), folder.file_name()) {
            (Some(parent), Some(name)) => self.get(parent).map(|p| p.join(name)),
            _ => None,
        };
        let resolved = from_parent.or_else(|| std::fs::canonicalize(folder).ok());
        self.set(folder, resolved);
        self.get(folder)
    }

    fn canonical(&mut self, folder: &Path) -> Option<&Path> {
        if !self.canonical.contains_key(folder.as_os_str()) {
            let resolved = std::fs::canonicalize(folder).ok();
            self.set(folder, resolved);
        }
        self.get(folder)
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
    chains: HashMap<OsString, Chain>,
    /// The folder whose entries were looked at last, as walked: its
    /// absolute path and chain (entries come folder by folder).
    current: Option<(PathBuf, Option<PathBuf>, Chain)>,
}

/// The ignore files that apply in one folder, nearest first.
type Chain = Arc<[Arc<Gitignore>]>;

impl IgnoreStack {
    /// Whether the ignore files of the folders above the entry at walked
    /// `path` exclude it (the nearest file with an opinion decides); its
    /// folder's absolute path is what `absolute` makes of it (`None`: not
    /// ignored).
    fn is_ignored(
        &mut self,
        path: &Path,
        is_dir: bool,
        absolute: impl Fn(&Path) -> Option<PathBuf>,
    ) -> bool {
        // Every walked entry lies in a folder.
        let (Some(parent), Some(name)) = (path.parent(), path.file_name()) else {
            return false;
        };
        let fresh = !matches!(&self.current, Some((walked, _, _)) if walked == parent);
        if fresh {
            let folder = absolute(parent);
            let chain = match &folder {
                Some(folder) => self.chain(folder),
                None => Arc::new([]),
            };
            self.current = Some((parent.to_path_buf(), folder, chain));
        }
        let Some((_, Some(folder), chain)) = &self.current else {
            return false;
        };
        !chain.is_empty() && ignored_by(chain, &folder.join(name), is_dir)
    }
}

/// Whether the chain of the folder of `absolute` ignores it.
fn ignored_by(chain: &Chain, absolute: &Path, is_dir: bool) -> bool {
    for matcher in chain.iter() {
        match matcher.matched(absolute, is_dir) {
            Match::Ignore(_) => return true,
            Match::Whitelist(_) => return false,
            Match::None => {}
        }
    }
    false
}

impl IgnoreStack {
    /// The chain for the entries of the root `root`.
    fn chain_above(&mut self, root: &Path) -> Chain {
        match std::path::absolute(root) {
            Ok(absolute) => self.chain(&absolute),
            Err(_) => Arc::new([]),
        }
    }

    /// Starts a stack with the chain of the root (absolute `root`), worked
    /// out once for all the walks under it.
    fn seed(&mut self, chain: &Chain, root: &Option<PathBuf>) {
        if let Some(root) = root {
            self.chains
                .insert(root.as_os_str().to_owned(), chain.clone());
        }
    }

    fn chain(&mut self, dir: &Path) -> Chain {
        if let Some(chain) = self.chains.get(dir.as_os_str()) {
            return chain.clone();
        }
        let mut chain: Vec<Arc<Gitignore>> = matcher(dir).map(Arc::new).into_iter().collect();
        if !dir.join(".git").exists()
            && let Some(parent) = dir.parent()
        {
            chain.extend(self.chain(parent).iter().cloned());
        }
        let chain: Chain = chain.into();
        self.chains
            .insert(dir.as_os_str().to_owned(), chain.clone());
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

    #[cfg(unix)]
    #[test]
    fn links_are_followed_loops_and_broken_links_reported_in_walk_order() {
        use std::os::unix::fs::symlink;
        let dir = std::env::temp_dir().join(format!("blocklint-links-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        for sub in ["a/b", "c"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        for file in ["a/y.rs", "c/x.rs", "c/Cargo.toml", "z.rs"] {
            std::fs::write(dir.join(file), "fn main() {}").unwrap();
        }
        symlink(&dir, dir.join("a/b/up")).unwrap();
        symlink(dir.join("a"), dir.join("a/b/to_a")).unwrap();
        symlink("../c", dir.join("a/to_c")).unwrap();
        symlink("/nonexistent/blocklint", dir.join("broken")).unwrap();
        let found = discover(std::slice::from_ref(&dir), &|_| false);
        let names = shown_under(&found, &dir);
        assert_eq!(names, ["a/to_c/x.rs", "a/y.rs", "c/x.rs", "z.rs"]);
        assert_eq!(found.files[0].absolute, found.files[2].absolute);
        // The manifest reached through a link is not this tree's.
        assert_eq!(found.manifests, [dir.join("c/Cargo.toml")]);
        let errors: Vec<(String, &str)> = found
            .errors
            .iter()
            .map(|e| {
                let path = e.path.strip_prefix(&dir).unwrap().display().to_string();
                (path, e.message.as_str())
            })
            .collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert_eq!(errors[0].0, "a/b/to_a");
        let to_a = format!("points back to {};", dir.join("a").display());
        assert!(errors[0].1.contains(&to_a), "{errors:?}");
        assert_eq!(errors[1].0, "a/b/up");
        let up = format!("points back to {};", dir.display());
        assert!(errors[1].1.contains(&up), "{errors:?}");
        assert_eq!(errors[2].0, "broken");
        assert!(errors[2].1.starts_with("cannot read"), "{errors:?}");
        std::fs::remove_dir_all(&dir).unwrap();
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
