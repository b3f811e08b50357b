//! What a crate's `Cargo.toml` tells the linter: the crate's name (for its
//! own paths), its dependencies and their renames (for name resolution),
//! its runtime (for the `help:` line) and its target roots (for the module
//! tree).

use crate::resolve::ExternNames;
use crate::rules::Runtime;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// One package, as read from its manifest.
#[derive(Debug, Clone)]
pub struct CrateInfo {
    /// The crate's name as code writes it (`app_core`).
    pub name: String,
    /// The folder holding `Cargo.toml` (or the lint root without one).
    pub root: PathBuf,
    pub manifest: Option<PathBuf>,
    pub runtime: Runtime,
    pub externs: ExternNames,
    /// Enabled tokio features, when tokio is a dependency.
    pub tokio_features: Vec<String>,
    /// Files that start a module tree: lib, bins, examples, tests, benches.
    pub roots: Vec<PathBuf>,
}

/// Why a manifest could not be used.
#[derive(Debug, Clone)]
pub struct ManifestError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl CrateInfo {
    /// A crate with no manifest: files linted on their own.
    pub fn without_manifest(root: &Path) -> CrateInfo {
        let name = root
            .file_name()
            .and_then(|n| n.to_str())
            .map(crate_ident)
            .unwrap_or_else(|| "crate".into());
        CrateInfo {
            name,
            root: root.to_path_buf(),
            manifest: None,
            runtime: Runtime::Unknown,
            externs: ExternNames::default(),
            tokio_features: Vec::new(),
            roots: Vec::new(),
        }
    }

    /// Reads `dir/Cargo.toml`. `Ok(None)` for a virtual workspace manifest
    /// (no `[package]`).
    pub fn load(dir: &Path) -> Result<Option<CrateInfo>, ManifestError> {
        let path = dir.join("Cargo.toml");
        let text = std::fs::read_to_string(&path).map_err(|e| ManifestError {
            path: path.clone(),
            line: 1,
            column: 1,
            message: format!("cannot read the manifest: {e}"),
        })?;
        let value: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            let (line, column) = e.span().map_or((1, 1), |s| line_column(&text, s.start));
            ManifestError {
                path: path.clone(),
                line,
                column,
                message: format!("invalid Cargo.toml: {}", e.message()),
            }
        })?;
        let Some(package) = value.get("package").and_then(|p| p.as_table()) else {
            return Ok(None);
        };
        let package_name = package
            .get("name")
            .and_then(|n| n.as_str())
            .unwrap_or("crate");
        let lib = value.get("lib").and_then(|l| l.as_table());
        let name = lib
            .and_then(|l| l.get("name"))
            .and_then(|n| n.as_str())
            .unwrap_or(package_name);

        let mut externs = ExternNames::default();
        let mut tokio_features = Vec::new();
        let mut real_names = HashSet::new();
        let mut tables: Vec<&toml::Table> = Vec::new();
        for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
            if let Some(t) = value.get(key).and_then(|t| t.as_table()) {
                tables.push(t);
            }
        }
        if let Some(targets) = value.get("target").and_then(|t| t.as_table()) {
            for target in targets.values().filter_map(|t| t.as_table()) {
                for key in ["dependencies", "dev-dependencies", "build-dependencies"] {
                    if let Some(t) = target.get(key).and_then(|t| t.as_table()) {
                        tables.push(t);
                    }
                }
            }
        }
        for table in tables {
            for (key, spec) in table {
                let real = spec.get("package").and_then(|p| p.as_str()).unwrap_or(key);
                let (code_name, real_ident) = (crate_ident(key), crate_ident(real));
                if code_name != real_ident {
                    externs
                        .renames
                        .insert(code_name.clone(), real_ident.clone());
                }
                externs.deps.insert(code_name);
                if real_ident == "tokio"
                    && let Some(features) = spec.get("features").and_then(|f| f.as_array())
                {
                    tokio_features
                        .extend(features.iter().filter_map(|f| f.as_str()).map(String::from));
                }
                real_names.insert(real_ident);
            }
        }
        let runtime = if ["tokio", "actix_rt", "actix_web", "axum"]
            .iter()
            .any(|n| real_names.contains(*n))
        {
            Runtime::Tokio
        } else if real_names.contains("async_std") {
            Runtime::AsyncStd
        } else if real_names.contains("smol") {
            Runtime::Smol
        } else {
            Runtime::Unknown
        };
        let roots = target_roots(dir, &value);
        Ok(Some(CrateInfo {
            name: crate_ident(name),
            root: dir.to_path_buf(),
            manifest: Some(path),
            runtime,
            externs,
            tokio_features,
            roots,
        }))
    }
}

/// Package names may contain `-`; code writes them with `_`.
pub fn crate_ident(name: &str) -> String {
    name.replace('-', "_")
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The files cargo would compile as crate roots, from the conventional
/// layout and the manifest's explicit `path`s.
fn target_roots(dir: &Path, manifest: &toml::Table) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    for name in ["src/lib.rs", "src/main.rs", "build.rs"] {
        roots.push(dir.join(name));
    }
    for folder in ["src/bin", "examples", "tests", "benches"] {
        let Ok(entries) = std::fs::read_dir(dir.join(folder)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "rs") {
                roots.push(path);
            } else if path.is_dir() {
                roots.push(path.join("main.rs"));
            }
        }
    }
    if let Some(path) = manifest
        .get("lib")
        .and_then(|l| l.get("path"))
        .and_then(|p| p.as_str())
    {
        roots.push(dir.join(path));
    }
    for key in ["bin", "example", "test", "bench"] {
        for target in manifest
            .get(key)
            .and_then(|t| t.as_array())
            .into_iter()
            .flatten()
        {
            if let Some(path) = target.get("path").and_then(|p| p.as_str()) {
                roots.push(dir.join(path));
            }
        }
    }
    roots.retain(|p| p.is_file());
    roots.sort();
    roots.dedup();
    roots
}

/// Finds, for a file, the nearest folder above it holding a package
/// manifest; caches answers per folder.
#[derive(Debug, Default)]
pub struct CrateFinder {
    /// By the folder path's bytes: hashing a `Path` splits it into
    /// components, for each of a large tree's files.
    by_dir: HashMap<std::ffi::OsString, Option<PathBuf>>,
    /// The last folder asked for and its answer: files come folder by
    /// folder.
    last: Option<(PathBuf, Option<PathBuf>)>,
}

impl CrateFinder {
    /// The folder of the nearest `Cargo.toml` above `file` (a virtual
    /// workspace manifest counts too: it ends the search).
    pub fn crate_dir(&mut self, file: &Path) -> Option<PathBuf> {
        let dir = file.parent()?;
        if let Some((last, found)) = &self.last
            && last.as_os_str() == dir.as_os_str()
        {
            return found.clone();
        }
        let found = self.dir_for(dir);
        self.last = Some((dir.to_path_buf(), found.clone()));
        found
    }

    fn dir_for(&mut self, dir: &Path) -> Option<PathBuf> {
        if let Some(found) = self.by_dir.get(dir.as_os_str()) {
            return found.clone();
        }
        let found = if dir.join("Cargo.toml").is_file() {
            Some(dir.to_path_buf())
        } else {
            dir.parent().and_then(|parent| self.dir_for(parent))
        };
        self.by_dir
            .insert(dir.as_os_str().to_owned(), found.clone());
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_renames_runtime_and_features() {
        let dir = std::env::temp_dir().join(format!("blocklint-manifest-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            "[package]\nname = \"my-app\"\n[dependencies]\ntk = { package = \"tokio\", version = \"1\", features = [\"fs\"] }\nserde = \"1\"\n",
        )
        .unwrap();
        std::fs::write(dir.join("src/main.rs"), "fn main() {}").unwrap();
        let info = CrateInfo::load(&dir).unwrap().unwrap();
        assert_eq!(info.name, "my_app");
        assert_eq!(info.runtime, Runtime::Tokio);
        assert_eq!(
            info.externs.renames.get("tk").map(String::as_str),
            Some("tokio")
        );
        assert_eq!(info.tokio_features, ["fs"]);
        assert_eq!(info.roots, [dir.join("src/main.rs")]);
        std::fs::write(dir.join("Cargo.toml"), "[package\nname=").unwrap();
        let err = CrateInfo::load(&dir).unwrap_err();
        assert_eq!(err.line, 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
