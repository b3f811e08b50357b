//! The module tree, as rustc builds it: from each crate root, `mod foo;`
//! finds `foo.rs` or `foo/mod.rs` (or its `#[path]`), inline `mod foo { }`
//! nests. Gives every file its module path, which turns the file-relative
//! paths of its summary into crate paths.

use crate::summary::ModDecl;
use std::collections::VecDeque;

use crate::hashing::HashMap;
use std::path::{Path, PathBuf};

/// Where a file sits: its module path, and the path `crate::` means in it.
/// A package's binaries, tests and examples are crates of their own: their
/// roots get a namespace under the package's name (`app::bin@server`), so
/// that two binaries' same-named functions never meet in the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub module: String,
    pub crate_root: String,
}

/// Places `files` of one crate. `mods` gives each file's module
/// declarations; `roots` are the crate's root files. Files no root reaches
/// get a path from their place in the folder layout.
pub fn module_paths(
    crate_name: &str,
    crate_root: &Path,
    roots: &[PathBuf],
    files: &[(PathBuf, &[ModDecl])],
) -> HashMap<PathBuf, Placement> {
    let decls: HashMap<&Path, &[ModDecl]> = files.iter().map(|(p, d)| (p.as_path(), *d)).collect();
    let mut assigned: HashMap<PathBuf, Placement> = HashMap::default();
    let mut queue: VecDeque<(PathBuf, String, bool, String)> = VecDeque::new();
    let mut ordered: Vec<&PathBuf> = roots.iter().collect();
    // The library first: a file reached from both the library and a binary
    // belongs to the library's namespace.
    ordered.sort_by_key(|r| !r.ends_with("src/lib.rs"));
    for root in ordered {
        if decls.contains_key(root.as_path()) {
            let namespace = root_namespace(crate_name, crate_root, root);
            queue.push_back((root.clone(), namespace.clone(), true, namespace));
        }
    }
    while let Some((file, module, is_root, namespace)) = queue.pop_front() {
        if assigned.contains_key(&file) {
            continue;
        }
        assigned.insert(
            file.clone(),
            Placement {
                module: module.clone(),
                crate_root: namespace.clone(),
            },
        );
        let Some(mods) = decls.get(file.as_path()) else {
            continue;
        };
        let dir = file.parent().unwrap_or(Path::new("")).to_path_buf();
        let stem = file.file_stem().and_then(|s| s.to_str()).unwrap_or("");
        let owns_dir = is_root || matches!(stem, "mod" | "lib" | "main");
        let base = if owns_dir {
            dir.clone()
        } else {
            dir.join(stem)
        };
        for decl in mods.iter().filter(|d| d.external) {
            let mut folder = base.clone();
            for parent in &decl.inline_parents {
                folder.push(parent);
            }
            let candidates = match &decl.path_attr {
                Some(p) if decl.inline_parents.is_empty() => vec![dir.join(p)],
                Some(p) => vec![folder.join(p)],
                None => vec![
                    folder.join(format!("{}.rs", decl.name)),
                    folder.join(&decl.name).join("mod.rs"),
                ],
            };
            let mut child_module = module.clone();
            for parent in &decl.inline_parents {
                child_module.push_str("::");
                child_module.push_str(parent);
            }
            child_module.push_str("::");
            child_module.push_str(&decl.name);
            for candidate in candidates {
                let candidate = normalize(&candidate);
                if decls.contains_key(candidate.as_path()) {
                    queue.push_back((candidate, child_module.clone(), false, namespace.clone()));
                    break;
                }
            }
        }
    }
    for (file, _) in files {
        if !assigned.contains_key(file) {
            // Outside `src/` (a test folder cargo does not know of, a
            // script): a crate of its own, so its items never stand in for
            // the library's same-named ones.
            let placement = match layout_module(crate_name, crate_root, file) {
                Some(module) => Placement {
                    module,
                    crate_root: crate_name.to_string(),
                },
                None => {
                    let namespace = root_namespace(crate_name, crate_root, file);
                    Placement {
                        module: namespace.clone(),
                        crate_root: namespace,
                    }
                }
            };
            assigned.insert(file.clone(), placement);
        }
    }
    assigned
}

/// The library is the package's name; every other root is a namespace
/// below it named after its file (`app::bin@server`, `app::test@api`).
fn root_namespace(crate_name: &str, crate_root: &Path, root: &Path) -> String {
    let relative = root.strip_prefix(crate_root).unwrap_or(root);
    if relative == Path::new("src/lib.rs") {
        return crate_name.to_string();
    }
    let label: Vec<String> = relative
        .with_extension("")
        .iter()
        .map(|p| {
            p.to_string_lossy()
                .replace(|c: char| !c.is_alphanumeric() && c != '_', "_")
        })
        .collect();
    format!("{crate_name}::bin@{}", label.join("_"))
}

/// `src/a/b.rs` -> `crate::a::b`, `src/a/mod.rs` -> `crate::a`; `None`
/// outside `src/`.
fn layout_module(crate_name: &str, crate_root: &Path, file: &Path) -> Option<String> {
    let Ok(relative) = file.strip_prefix(crate_root.join("src")) else {
        return None;
    };
    let mut module = crate_name.to_string();
    let parts: Vec<String> = relative
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    for (i, part) in parts.iter().enumerate() {
        let part = if i + 1 == parts.len() {
            part.trim_end_matches(".rs")
        } else {
            part.as_str()
        };
        if i == 0 && (part == "lib" || part == "main" || part == "bin") {
            break;
        }
        if part == "mod" {
            continue;
        }
        module.push_str("::");
        module.push_str(part);
    }
    Some(module)
}

/// Folds `a/./b` and `a/x/../b` without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(name: &str, path_attr: Option<&str>, parents: &[&str]) -> ModDecl {
        ModDecl {
            inline_parents: parents.iter().map(|s| s.to_string()).collect(),
            name: name.into(),
            path_attr: path_attr.map(String::from),
            external: true,
        }
    }

    #[test]
    fn follows_mod_declarations_like_rustc() {
        let root = PathBuf::from("/c");
        let main = vec![
            decl("util", None, &[]),
            decl("legacy", Some("old/io.rs"), &[]),
            decl("deep", None, &["net"]),
        ];
        let util = vec![decl("paths", None, &[])];
        let files = vec![
            (root.join("src/main.rs"), main.as_slice()),
            (root.join("src/util/mod.rs"), util.as_slice()),
            (root.join("src/util/paths.rs"), &[][..]),
            (root.join("src/old/io.rs"), &[][..]),
            (root.join("src/net/deep.rs"), &[][..]),
            (root.join("src/orphan/x.rs"), &[][..]),
            (root.join("test-macros/tests/event.rs"), &[][..]),
        ];
        let paths = module_paths("app", &root, &[root.join("src/main.rs")], &files);
        let module = |p: &str| paths[&root.join(p)].module.clone();
        assert_eq!(
            module("src/util/paths.rs"),
            "app::bin@src_main::util::paths"
        );
        assert_eq!(module("src/old/io.rs"), "app::bin@src_main::legacy");
        assert_eq!(module("src/net/deep.rs"), "app::bin@src_main::net::deep");
        assert_eq!(
            paths[&root.join("src/util/paths.rs")].crate_root,
            "app::bin@src_main"
        );
        assert_eq!(module("src/orphan/x.rs"), "app::orphan::x");
        assert_eq!(
            paths[&root.join("src/orphan/x.rs")].crate_root,
            "app",
            "an orphan under src/ is a module of the library"
        );
        // Outside src/, a crate of its own: its `fn event` is no
        // `app::event`.
        assert_eq!(
            module("test-macros/tests/event.rs"),
            "app::bin@test_macros_tests_event"
        );
        assert_eq!(
            paths[&root.join("test-macros/tests/event.rs")].crate_root,
            "app::bin@test_macros_tests_event"
        );
    }
}
