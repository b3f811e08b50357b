//! `cargo blocklint` on a cargo workspace: which packages to lint and where
//! their sources are, read from `cargo metadata --no-deps`.
//!
//! Nothing is built and no dependency is resolved or downloaded: `--no-deps`
//! only reads the workspace's own manifests. The packages found here are
//! turned into plain folders for `lint`, so the linter itself never needs to
//! know about cargo.

use cargo_metadata::{Metadata, MetadataCommand};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// cargo's own package selection flags, as given on the command line.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub manifest_path: Option<PathBuf>,
    /// `-p/--package` specs: a name, `name@version`, or a glob (`app-*`).
    pub packages: Vec<String>,
    pub workspace: bool,
    /// `--exclude` specs (with `--workspace` only, as in cargo).
    pub exclude: Vec<String>,
}

impl Selection {
    /// Whether any flag asks for cargo's view of the workspace.
    pub fn is_given(&self) -> bool {
        self.manifest_path.is_some() || !self.packages.is_empty() || self.workspace
    }
}

/// One package: what `cargo_metadata`/rust-analyzer need to attribute a
/// diagnostic to it, and where its sources are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// cargo's package id (`path+file:///..#name@0.1.0`).
    pub id: String,
    pub name: String,
    pub version: String,
    pub manifest_path: PathBuf,
    /// The folder holding the manifest.
    pub root: PathBuf,
    pub edition: String,
    pub targets: Vec<Target>,
}

/// One build target of a package (lib, bin, example, test, bench, build
/// script).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub name: String,
    pub kind: Vec<String>,
    pub crate_types: Vec<String>,
    pub src_path: PathBuf,
    pub edition: String,
}

/// A workspace as `cargo metadata` describes it, with the packages the
/// command line selected.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: PathBuf,
    pub members: Vec<Package>,
    /// Indices into `members`, in workspace order.
    pub selected: Vec<usize>,
}

/// The nearest `Cargo.toml` at or above `start`, as cargo finds it.
pub fn find_manifest(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|dir| dir.join("Cargo.toml"))
        .find(|manifest| manifest.is_file())
}

/// Runs `cargo metadata --no-deps` for the workspace of `manifest` and
/// applies the package selection. Errors are messages for the user.
pub fn load(manifest: &Path, selection: &Selection) -> Result<Workspace, String> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let manifest = &absolute_path(&cwd, manifest);
    let mut command = MetadataCommand::new();
    command.no_deps().manifest_path(manifest);
    if let Some(parent) = manifest.parent().filter(|p| !p.as_os_str().is_empty()) {
        command.current_dir(parent);
    }
    let metadata = command.exec().map_err(|e| match e {
        cargo_metadata::Error::CargoMetadata { stderr } => format!(
            "`cargo metadata` failed for {}:\n{}",
            manifest.display(),
            stderr.trim_end()
        ),
        other => format!("cannot run `cargo metadata`: {other}"),
    })?;
    from_metadata(&metadata, manifest, selection)
}

/// Builds the workspace from parsed metadata; split from `load` so the
/// selection rules can be tested on recorded metadata.
pub fn from_metadata(
    metadata: &Metadata,
    manifest: &Path,
    selection: &Selection,
) -> Result<Workspace, String> {
    let by_id: HashMap<&cargo_metadata::PackageId, &cargo_metadata::Package> =
        metadata.packages.iter().map(|p| (&p.id, p)).collect();
    let members: Vec<Package> = metadata
        .workspace_members
        .iter()
        .filter_map(|id| by_id.get(id))
        .map(|p| convert(p))
        .collect();
    let index_of = |id: &cargo_metadata::PackageId| members.iter().position(|m| m.id == id.repr);
    if !selection.exclude.is_empty() && !selection.workspace {
        return Err("--exclude can only be used together with --workspace".into());
    }
    let mut selected: Vec<usize> = if !selection.packages.is_empty() {
        let mut chosen = Vec::new();
        for spec in &selection.packages {
            let matched: Vec<usize> = (0..members.len())
                .filter(|&i| spec_matches(spec, &members[i]))
                .collect();
            if matched.is_empty() {
                let hint = crate::cli::closest(spec, members.iter().map(|m| m.name.as_str()))
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                return Err(format!(
                    "package `{spec}` is not a member of the workspace at {}{hint}",
                    metadata.workspace_root
                ));
            }
            chosen.extend(matched);
        }
        chosen
    } else if selection.workspace {
        (0..members.len()).collect()
    } else {
        let manifest = std::path::absolute(manifest).unwrap_or(manifest.to_path_buf());
        let own = members.iter().position(|m| {
            m.manifest_path == manifest
                || std::fs::canonicalize(&m.manifest_path).ok()
                    == std::fs::canonicalize(&manifest).ok()
        });
        match own {
            Some(i) => vec![i],
            None if metadata.workspace_default_members.is_available() => metadata
                .workspace_default_members
                .iter()
                .filter_map(index_of)
                .collect(),
            None => (0..members.len()).collect(),
        }
    };
    for spec in &selection.exclude {
        if !members.iter().any(|m| spec_matches(spec, m)) {
            eprintln!("warning: excluded package `{spec}` is not a member of the workspace");
        }
    }
    selected.retain(|&i| {
        !selection
            .exclude
            .iter()
            .any(|s| spec_matches(s, &members[i]))
    });
    selected.sort_unstable();
    selected.dedup();
    Ok(Workspace {
        root: PathBuf::from(metadata.workspace_root.as_std_path()),
        members,
        selected,
    })
}

fn convert(p: &cargo_metadata::Package) -> Package {
    let manifest_path = PathBuf::from(p.manifest_path.as_std_path());
    Package {
        id: p.id.repr.clone(),
        name: p.name.to_string(),
        version: p.version.to_string(),
        root: manifest_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
        manifest_path,
        edition: p.edition.to_string(),
        targets: p
            .targets
            .iter()
            .map(|t| Target {
                name: t.name.clone(),
                kind: t.kind.iter().map(|k| k.to_string()).collect(),
                crate_types: t.crate_types.iter().map(|k| k.to_string()).collect(),
                src_path: PathBuf::from(t.src_path.as_std_path()),
                edition: t.edition.to_string(),
            })
            .collect(),
    }
}

/// cargo's package spec, the common forms: `name`, `name@version`, and a
/// glob over names (`app-*`).
fn spec_matches(spec: &str, package: &Package) -> bool {
    let (name, version) = match spec.split_once('@') {
        Some((n, v)) => (n, Some(v)),
        None => (spec, None),
    };
    let name_matches = if name.contains(['*', '?', '[']) {
        globset::Glob::new(name)
            .map(|g| g.compile_matcher().is_match(&package.name))
            .unwrap_or(false)
    } else {
        name == package.name
    };
    name_matches && version.is_none_or(|v| package.version.starts_with(v))
}

impl Workspace {
    pub fn selected(&self) -> impl Iterator<Item = &Package> {
        self.selected.iter().map(|&i| &self.members[i])
    }

    /// The folders (and lone files) to hand to `lint` for the selected
    /// packages: the folder of each target's source root (lib, bins,
    /// examples, tests, benches, build script), without folders that
    /// another one already covers.
    pub fn source_paths(&self) -> Vec<PathBuf> {
        let mut paths: Vec<PathBuf> = Vec::new();
        for package in self.selected() {
            for target in &package.targets {
                let folder = target
                    .src_path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_else(|| package.root.clone());
                // A build script at the package root: the file, not the
                // whole package folder (which may hold other members).
                if folder == package.root {
                    paths.push(target.src_path.clone());
                } else {
                    paths.push(folder);
                }
            }
        }
        paths.sort();
        paths.dedup();
        let covered = |p: &PathBuf, all: &[PathBuf]| {
            all.iter().any(|other| other != p && p.starts_with(other))
        };
        let all = paths.clone();
        paths.retain(|p| !covered(p, &all));
        paths
    }

    /// Roots of members that were not selected but sit inside a selected
    /// member's source folders (a nested package): their files are walked
    /// but must not be reported.
    pub fn unselected_nested_roots(&self) -> Vec<PathBuf> {
        let sources = self.source_paths();
        self.members
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.selected.contains(i))
            .map(|(_, m)| m.root.clone())
            .filter(|root| sources.iter().any(|s| root.starts_with(s)))
            .collect()
    }
}

/// `path` made absolute against `cwd`, with `.` and `..` resolved
/// lexically (as the user reads the path; symbolic links are not followed).
pub fn absolute_path(cwd: &Path, path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in cwd.join(path).components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// `path` relative to `base` when it lies under it, else unchanged: the
/// paths handed to `lint` are shown to the user as walked.
pub fn relative_to(path: &Path, base: &Path) -> PathBuf {
    match path.strip_prefix(base) {
        Ok(rest) if rest.as_os_str().is_empty() => PathBuf::from("."),
        Ok(rest) => rest.to_path_buf(),
        Err(_) => path.to_path_buf(),
    }
}

/// A package described from its manifest alone, for attributing findings of
/// a plain `blocklint PATHS` run in machine formats (`cargo-json`) without
/// running cargo. Targets are cargo's defaults (`src/lib.rs`, `src/main.rs`,
/// `src/bin/*.rs`, ...) plus the file itself when it is a target elsewhere.
pub fn package_from_manifest(manifest: &Path) -> Option<Package> {
    let text = std::fs::read_to_string(manifest).ok()?;
    let value: toml::Table = text.parse().ok()?;
    let package = value.get("package")?.as_table()?;
    let name = package.get("name")?.as_str()?.to_string();
    let version = package
        .get("version")
        .and_then(|v| v.as_str())
        .unwrap_or("0.0.0")
        .to_string();
    let edition = package
        .get("edition")
        .and_then(|v| v.as_str())
        .unwrap_or("2015")
        .to_string();
    let manifest_path = std::path::absolute(manifest).ok()?;
    let root = manifest_path.parent()?.to_path_buf();
    let lib_name = value
        .get("lib")
        .and_then(|l| l.get("name"))
        .and_then(|n| n.as_str())
        .unwrap_or(&name)
        .replace('-', "_");
    let mut targets = Vec::new();
    let mut add = |name: String, kind: &str, src_path: PathBuf| {
        targets.push(Target {
            name,
            kind: vec![kind.to_string()],
            crate_types: vec![if kind == "lib" { "lib" } else { "bin" }.to_string()],
            src_path,
            edition: edition.clone(),
        });
    };
    if root.join("src/lib.rs").is_file() {
        add(lib_name, "lib", root.join("src/lib.rs"));
    }
    if root.join("src/main.rs").is_file() {
        add(name.clone(), "bin", root.join("src/main.rs"));
    }
    for (folder, kind) in [
        ("src/bin", "bin"),
        ("examples", "example"),
        ("tests", "test"),
        ("benches", "bench"),
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(folder)) else {
            continue;
        };
        let mut files: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "rs"))
            .collect();
        files.sort();
        for file in files {
            let stem = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            add(stem, kind, file);
        }
    }
    let dir_url = format!("path+file://{}", root.display());
    Some(Package {
        id: format!("{dir_url}#{name}@{version}"),
        name,
        version,
        manifest_path,
        root,
        edition,
        targets,
    })
}

impl Package {
    /// The target a source file most likely belongs to: the one whose source
    /// root's folder holds the file most closely (`src/bin/x.rs` is bin `x`,
    /// `tests/api.rs` is test `api`, anything else under `src/` is the lib,
    /// or the main bin without one).
    pub fn target_for(&self, file: &Path) -> Option<&Target> {
        if let Some(exact) = self.targets.iter().find(|t| t.src_path == file) {
            return Some(exact);
        }
        let preference = |t: &Target| match t.kind.first().map(String::as_str) {
            Some("lib") | Some("rlib") | Some("proc-macro") => 0,
            Some("bin") => 1,
            _ => 2,
        };
        self.targets
            .iter()
            .filter_map(|t| {
                let folder = t.src_path.parent()?;
                file.starts_with(folder)
                    .then_some((folder.components().count(), t))
            })
            .max_by(|(da, a), (db, b)| da.cmp(db).then(preference(b).cmp(&preference(a))))
            .map(|(_, t)| t)
            .or_else(|| self.targets.first())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(name: &str, version: &str) -> Package {
        Package {
            id: format!("path+file:///w/{name}#{version}"),
            name: name.into(),
            version: version.into(),
            manifest_path: format!("/w/{name}/Cargo.toml").into(),
            root: format!("/w/{name}").into(),
            edition: "2021".into(),
            targets: vec![
                Target {
                    name: name.replace('-', "_"),
                    kind: vec!["lib".into()],
                    crate_types: vec!["lib".into()],
                    src_path: format!("/w/{name}/src/lib.rs").into(),
                    edition: "2021".into(),
                },
                Target {
                    name: "tool".into(),
                    kind: vec!["bin".into()],
                    crate_types: vec!["bin".into()],
                    src_path: format!("/w/{name}/src/bin/tool.rs").into(),
                    edition: "2021".into(),
                },
                Target {
                    name: "api".into(),
                    kind: vec!["test".into()],
                    crate_types: vec!["bin".into()],
                    src_path: format!("/w/{name}/tests/api.rs").into(),
                    edition: "2021".into(),
                },
            ],
        }
    }

    #[test]
    fn specs_match_names_versions_and_globs() {
        let p = package("app-core", "1.2.3");
        assert!(spec_matches("app-core", &p));
        assert!(spec_matches("app-core@1.2", &p));
        assert!(!spec_matches("app-core@2", &p));
        assert!(spec_matches("app-*", &p));
        assert!(!spec_matches("app", &p));
    }

    #[test]
    fn files_are_attributed_to_the_closest_target() {
        let p = package("app", "0.1.0");
        let kind = |f: &str| p.target_for(Path::new(f)).unwrap().name.clone();
        assert_eq!(kind("/w/app/src/bin/tool.rs"), "tool");
        assert_eq!(kind("/w/app/src/net/mod.rs"), "app");
        assert_eq!(kind("/w/app/tests/api.rs"), "api");
        assert_eq!(kind("/w/app/tests/common/mod.rs"), "api");
    }

    #[test]
    fn source_paths_cover_every_target_folder_once() {
        let ws = Workspace {
            root: "/w".into(),
            members: vec![package("app", "0.1.0")],
            selected: vec![0],
        };
        assert_eq!(
            ws.source_paths(),
            [PathBuf::from("/w/app/src"), PathBuf::from("/w/app/tests")]
        );
    }
}
