//! Name resolution: turns the path a call is written with into the path of
//! the item it names, the way rustc's 2018-edition rules do for the cases a
//! linter meets (use trees, aliases, globs, `crate`/`self`/`super`, renamed
//! dependencies, block-level items and imports).
//!
//! A call is matched by its resolved path, never by its last segment: after
//! `use tokio::fs;`, `fs::read` is `tokio::fs::read`.

use crate::hashing::{HashMap, HashSet};
use crate::rules::RuleSet;
use std::sync::Arc;
/// Crate names, as `ExternNames` holds them.
pub type NameSet = HashSet<String>;
use syn::UseTree;

/// What the crate's manifest says about the names of other crates.
#[derive(Debug, Clone, Default)]
pub struct ExternNames {
    /// Dependency names as written in code (`tk`), mapped to the crate they
    /// are (`tokio`).
    pub renames: HashMap<String, String>,
    /// Every dependency's crate name as written in code (`_` for `-`).
    pub deps: HashSet<String>,
    /// Names of the workspace's own crates, so `app_core::f` is local
    /// (one set shared by every crate of a run).
    pub own: std::sync::Arc<NameSet>,
}

/// One level of lexical scope: a module (file or inline `mod`) or a block.
#[derive(Debug, Clone, Default)]
struct Scope {
    /// For module scopes: the module's path (`$mod::inner`).
    module: Option<String>,
    names: HashMap<String, String>,
    globs: Vec<String>,
}

/// The scopes in effect at a point of a file, innermost last.
#[derive(Debug)]
pub struct Resolver<'a> {
    externs: &'a ExternNames,
    rules: &'a RuleSet,
    /// Shared, so a `Snapshot` costs a few reference counts, not the
    /// module's table of names.
    scopes: Vec<Arc<Scope>>,
    self_types: Vec<String>,
}

/// The scopes in effect where a function's body starts, kept so the body
/// can be resolved later without the file's tree (`Resolver::restore`).
#[derive(Debug, Clone)]
pub struct Snapshot {
    scopes: Vec<Arc<Scope>>,
    self_types: Vec<String>,
}

const PRELUDE: &[(&str, &str)] = &[
    ("Box", "std::boxed::Box"),
    ("Vec", "std::vec::Vec"),
    ("String", "std::string::String"),
    ("Option", "std::option::Option"),
    ("Result", "std::result::Result"),
    ("drop", "std::mem::drop"),
];

impl<'a> Resolver<'a> {
    pub fn new(externs: &'a ExternNames, rules: &'a RuleSet) -> Resolver<'a> {
        Resolver {
            externs,
            rules,
            scopes: Vec::new(),
            self_types: Vec::new(),
        }
    }

    /// Enters a module whose items (by name) and `use` items are given.
    pub fn push_module(&mut self, module: String, items: &[String], uses: &[&syn::ItemUse]) {
        let mut scope = Scope {
            module: Some(module.clone()),
            ..Scope::default()
        };
        for name in items {
            scope
                .names
                .insert(name.clone(), format!("{module}::{name}"));
        }
        self.scopes.push(Arc::new(scope));
        self.add_uses(uses);
    }

    /// Enters a block with its own items and imports.
    pub fn push_block(&mut self, items: &[(String, String)], uses: &[&syn::ItemUse]) {
        let mut scope = Scope::default();
        for (name, path) in items {
            scope.names.insert(name.clone(), path.clone());
        }
        self.scopes.push(Arc::new(scope));
        self.add_uses(uses);
    }

    /// The scopes in effect now.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            scopes: self.scopes.clone(),
            self_types: self.self_types.clone(),
        }
    }

    /// A resolver in the scopes of a snapshot.
    pub fn restore(
        externs: &'a ExternNames,
        rules: &'a RuleSet,
        snapshot: &Snapshot,
    ) -> Resolver<'a> {
        Resolver {
            externs,
            rules,
            scopes: snapshot.scopes.clone(),
            self_types: snapshot.self_types.clone(),
        }
    }

    pub fn pop(&mut self) {
        self.scopes.pop();
    }

    pub fn push_self_type(&mut self, path: String) {
        self.self_types.push(path);
    }

    pub fn pop_self_type(&mut self) {
        self.self_types.pop();
    }

    pub fn self_type(&self) -> Option<&str> {
        self.self_types.last().map(String::as_str)
    }

    /// The path of the innermost module (`$mod`, `$mod::inner`).
    pub fn module(&self) -> String {
        self.scopes
            .iter()
            .rev()
            .find_map(|s| s.module.clone())
            .unwrap_or_else(|| "$mod".into())
    }

    /// Binds the `use` items of the innermost scope. Targets are resolved
    /// against the scopes already in effect; imports that name each other
    /// (`use a::b; use b::c;`) are settled by repeating until nothing changes.
    fn add_uses(&mut self, uses: &[&syn::ItemUse]) {
        let mut raw = Vec::new();
        for item in uses {
            collect_use_tree(
                &item.tree,
                item.leading_colon.is_some(),
                &mut Vec::new(),
                &mut raw,
            );
        }
        for _ in 0..3 {
            let mut bound = Vec::new();
            for (segments, leading_colon, binding) in &raw {
                let Some(target) = self.resolve_use_target(segments, *leading_colon) else {
                    continue;
                };
                bound.push((binding.clone(), target));
            }
            let scope = Arc::make_mut(self.scopes.last_mut().expect("a scope was just pushed"));
            for (binding, target) in bound {
                match binding {
                    Binding::Name(name) => {
                        scope.names.insert(name, target);
                    }
                    Binding::Glob => {
                        if !scope.globs.contains(&target) {
                            scope.globs.push(target);
                        }
                    }
                    Binding::Hidden => {}
                }
            }
        }
    }

    fn resolve_use_target(&self, segments: &[String], leading_colon: bool) -> Option<String> {
        if segments.is_empty() {
            return None;
        }
        if leading_colon {
            return Some(self.extern_path(segments));
        }
        let first = segments[0].as_str();
        let rest = &segments[1..];
        match first {
            "crate" | "self" | "super" | "Self" => self.keyword_path(first, rest),
            _ => {
                // Uniform paths: a name in the current module (item or
                // import) comes before an extern crate.
                // `use glob::glob;` binds `glob`, but its own path's `glob`
                // is the crate: a binding never resolves the path it came from.
                if let Some(target) = self.lookup_name(first)
                    && !is_own_binding(&target, first)
                {
                    return Some(join(&target, rest));
                }
                Some(self.extern_path(segments))
            }
        }
    }

    /// Resolves a path used in an expression or type. Returns candidates in
    /// order of preference; a glob import can give several.
    pub fn resolve(&self, segments: &[String], leading_colon: bool) -> Vec<String> {
        if segments.is_empty() {
            return Vec::new();
        }
        if leading_colon {
            return vec![self.extern_path(segments)];
        }
        let first = segments[0].as_str();
        let rest = &segments[1..];
        if matches!(first, "crate" | "self" | "super" | "Self") {
            return self.keyword_path(first, rest).into_iter().collect();
        }
        if let Some(target) = self.lookup_name(first) {
            // After `use glob::glob;`, `glob::glob_with` names the crate: a
            // function imported under its crate's name is no module.
            let crate_named_item =
                !rest.is_empty() && is_own_binding(&target, first) && self.is_extern_crate(first);
            if !crate_named_item {
                return vec![join(&target, rest)];
            }
        }
        let mut candidates = Vec::new();
        for scope in self.visible_scopes().rev() {
            for glob in scope.globs.iter().rev() {
                let candidate = join(glob, segments);
                let local = candidate.starts_with('$') || self.is_own_crate(&candidate);
                if local
                    || self.rules.knows_path(&candidate)
                    || self.rules.knows_path(&join(glob, &segments[..1]))
                {
                    candidates.push(candidate);
                }
            }
        }
        if self.is_extern_crate(first) {
            candidates.push(self.extern_path(segments));
        } else if let Some((_, path)) = PRELUDE.iter().find(|(name, _)| *name == first) {
            candidates.push(join(path, rest));
        } else if candidates.is_empty() {
            // Unknown first segment: most likely a crate used without a
            // manifest entry (a single file linted alone). Keep it absolute.
            candidates.push(self.extern_path(segments));
        }
        candidates
    }

    /// Explicit names (items and imports), innermost scope first, stopping
    /// at the nearest module: an inline module does not see its parent's
    /// names.
    fn lookup_name(&self, name: &str) -> Option<String> {
        for scope in self.visible_scopes().rev() {
            if let Some(target) = scope.names.get(name) {
                return Some(target.clone());
            }
        }
        None
    }

    /// The scopes a name lookup sees: blocks up to and including the nearest
    /// module.
    fn visible_scopes(&self) -> impl DoubleEndedIterator<Item = &Scope> {
        let start = self
            .scopes
            .iter()
            .rposition(|s| s.module.is_some())
            .unwrap_or(0);
        self.scopes[start..].iter().map(|s| &**s)
    }

    fn keyword_path(&self, first: &str, rest: &[String]) -> Option<String> {
        let base = match first {
            "crate" => "$crate".to_string(),
            "self" => self.module(),
            "super" => format!("{}::super", self.module()),
            "Self" => self.self_type()?.to_string(),
            _ => return None,
        };
        // `super::super::x`
        let mut base = base;
        let mut rest = rest;
        while let Some((head, tail)) = rest.split_first() {
            if head != "super" {
                break;
            }
            base.push_str("::super");
            rest = tail;
        }
        Some(join(&base, rest))
    }

    fn is_extern_crate(&self, name: &str) -> bool {
        matches!(name, "std" | "core" | "alloc")
            || self.externs.renames.contains_key(name)
            || self.externs.deps.contains(name)
            || self.externs.own.contains(name)
    }

    fn is_own_crate(&self, path: &str) -> bool {
        path.split("::")
            .next()
            .is_some_and(|first| self.externs.own.contains(first))
    }

    fn extern_path(&self, segments: &[String]) -> String {
        let first = segments[0].as_str();
        let first = self
            .externs
            .renames
            .get(first)
            .map(String::as_str)
            .unwrap_or(first);
        let first = match first {
            "core" | "alloc" => "std",
            other => other,
        };
        join(first, &segments[1..])
    }
}

/// Whether `target` is what `use name::..;` itself binds: `glob::glob` for
/// `glob`, `tokio` for `tokio`.
fn is_own_binding(target: &str, name: &str) -> bool {
    target == name
        || target
            .strip_prefix(name)
            .is_some_and(|rest| rest.starts_with("::"))
}

fn join(base: &str, rest: &[String]) -> String {
    let mut out = base.to_string();
    for seg in rest {
        out.push_str("::");
        out.push_str(seg);
    }
    out
}

#[derive(Debug, Clone)]
enum Binding {
    Name(String),
    Glob,
    /// `use x as _;`: brings trait methods into scope, binds no name.
    Hidden,
}

/// Flattens a use tree into `(path segments, leading ::, binding)`.
fn collect_use_tree(
    tree: &UseTree,
    leading_colon: bool,
    prefix: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, bool, Binding)>,
) {
    match tree {
        UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            collect_use_tree(&p.tree, leading_colon, prefix, out);
            prefix.pop();
        }
        UseTree::Name(n) => {
            let name = n.ident.to_string();
            if name == "self" {
                if let Some(last) = prefix.last() {
                    out.push((prefix.clone(), leading_colon, Binding::Name(last.clone())));
                }
            } else {
                let mut path = prefix.clone();
                path.push(name.clone());
                out.push((path, leading_colon, Binding::Name(name)));
            }
        }
        UseTree::Rename(r) => {
            let name = r.ident.to_string();
            let path = if name == "self" {
                prefix.clone()
            } else {
                let mut path = prefix.clone();
                path.push(name);
                path
            };
            let alias = r.rename.to_string();
            let binding = if alias == "_" {
                Binding::Hidden
            } else {
                Binding::Name(alias)
            };
            out.push((path, leading_colon, binding));
        }
        UseTree::Glob(_) => out.push((prefix.clone(), leading_colon, Binding::Glob)),
        UseTree::Group(g) => {
            for item in &g.items {
                collect_use_tree(item, leading_colon, prefix, out);
            }
        }
    }
}

/// The `(name, target)` bindings and glob targets of module-level `use`
/// items, already resolved, for the crate-wide alias table (re-exports).
pub fn module_bindings(resolver: &Resolver<'_>) -> (Vec<(String, String)>, Vec<String>) {
    let Some(scope) = resolver.scopes.last() else {
        return (Vec::new(), Vec::new());
    };
    let module = resolver.module();
    let names = scope
        .names
        .iter()
        .filter(|(name, target)| !is_item_of(target, &module, name))
        .map(|(n, t)| (n.clone(), t.clone()))
        .collect();
    (names, scope.globs.clone())
}

/// Whether `target` is `module::name` (compared without building it).
fn is_item_of(target: &str, module: &str, name: &str) -> bool {
    target
        .strip_prefix(module)
        .and_then(|rest| rest.strip_prefix("::"))
        == Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_of_a_module_is_its_path_and_name() {
        assert!(is_item_of("app::net::connect", "app::net", "connect"));
        assert!(!is_item_of("app::network::connect", "app::net", "connect"));
        assert!(!is_item_of("app::net::connect_all", "app::net", "connect"));
        assert!(!is_item_of("app::net", "app::net", "connect"));
        assert!(!is_item_of("other::net::connect", "app::net", "connect"));
    }

    fn resolve_in(source: &str, path: &str) -> Vec<String> {
        let file: syn::File = syn::parse_str(source).unwrap();
        let uses: Vec<&syn::ItemUse> = file
            .items
            .iter()
            .filter_map(|i| {
                if let syn::Item::Use(u) = i {
                    Some(u)
                } else {
                    None
                }
            })
            .collect();
        let items: Vec<String> = file
            .items
            .iter()
            .filter_map(|i| match i {
                syn::Item::Fn(f) => Some(f.sig.ident.to_string()),
                syn::Item::Mod(m) => Some(m.ident.to_string()),
                _ => None,
            })
            .collect();
        let mut externs = ExternNames::default();
        externs.renames.insert("tk".into(), "tokio".into());
        externs.deps.insert("tokio".into());
        externs.deps.insert("glob".into());
        let rules = RuleSet::builtin().unwrap();
        let mut resolver = Resolver::new(&externs, &rules);
        resolver.push_module("$mod".into(), &items, &uses);
        let segments: Vec<String> = path.split("::").map(String::from).collect();
        resolver.resolve(&segments, false)
    }

    #[test]
    fn groups_aliases_and_self() {
        let src = "use std::{fs, thread::{self, sleep as nap}};";
        assert_eq!(resolve_in(src, "fs::read"), ["std::fs::read"]);
        assert_eq!(resolve_in(src, "thread::sleep"), ["std::thread::sleep"]);
        assert_eq!(resolve_in(src, "nap"), ["std::thread::sleep"]);
    }

    #[test]
    fn async_module_import_is_not_std() {
        assert_eq!(
            resolve_in("use tokio::fs;", "fs::read"),
            ["tokio::fs::read"]
        );
    }

    #[test]
    fn an_item_named_like_its_crate() {
        let src = "use glob::{glob, glob_with};";
        let mut found = resolve_in(src, "glob");
        found.extend(resolve_in(src, "glob::Pattern"));
        found.extend(resolve_in(src, "glob_with"));
        assert_eq!(found, ["glob::glob", "glob::Pattern", "glob::glob_with"]);
    }

    #[test]
    fn renamed_dependency() {
        assert_eq!(resolve_in("use tk::fs;", "fs::read"), ["tokio::fs::read"]);
        assert_eq!(resolve_in("", "tk::time::sleep"), ["tokio::time::sleep"]);
    }

    #[test]
    fn local_item_shadows_glob() {
        let src = "use std::fs::*; fn read_to_string(p: &str) -> String { String::new() }";
        assert_eq!(resolve_in(src, "read_to_string"), ["$mod::read_to_string"]);
        assert_eq!(
            resolve_in("use std::fs::*;", "read_to_string"),
            ["std::fs::read_to_string"]
        );
    }

    #[test]
    fn keywords_and_absolute_paths() {
        assert_eq!(
            resolve_in("", "crate::config::load"),
            ["$crate::config::load"]
        );
        assert_eq!(resolve_in("", "super::load"), ["$mod::super::load"]);
        assert_eq!(
            resolve_in("use ::std::fs as f;", "f::read"),
            ["std::fs::read"]
        );
        assert_eq!(
            resolve_in("use self::helpers::load;", "load"),
            ["$mod::helpers::load"]
        );
        assert_eq!(
            resolve_in("mod helpers {} use helpers::load;", "load"),
            ["$mod::helpers::load"]
        );
    }
}
