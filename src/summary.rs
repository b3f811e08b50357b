//! Per-file summaries: what the analysis needs to know about one file, with
//! the syntax tree thrown away.
//!
//! A summary is produced by `collect` from one parsed file, independently of
//! every other file, and is the only thing the crate-wide analysis reads
//! (rust-analyzer's `ItemTree` idea). Paths inside a summary are relative to
//! the file: they start with `$mod` (the file's module, not yet known while
//! the file is collected) or `$crate`, and are rebased by `rebase` once the
//! module tree is known.

use crate::model::Span;
use crate::types::Ty;
use serde::{Deserialize, Serialize};

/// A type as far as local evidence tells it, evaluated later against the
/// crate-wide index (struct fields and function return types may live in other
/// files).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum TyExpr {
    Known(Ty),
    /// `(a, b)` built from expressions.
    Tuple(Vec<TyExpr>),
    /// The value of calling the function at one of these paths, with the
    /// type of the first argument (for `BufReader::new(file)`).
    CallResult {
        candidates: Vec<String>,
        first_arg: Option<Box<TyExpr>>,
    },
    /// The value of calling `name` on a receiver.
    MethodResult {
        receiver: Box<TyExpr>,
        name: String,
    },
    Field {
        base: Box<TyExpr>,
        field: String,
    },
    TupleElement {
        base: Box<TyExpr>,
        index: usize,
    },
    Unknown,
}

impl TyExpr {
    /// Nesting depth, stopping early once past any useful bound.
    pub fn depth(&self) -> usize {
        match self {
            TyExpr::Known(_) | TyExpr::Unknown => 1,
            TyExpr::Tuple(items) => 1 + items.iter().map(TyExpr::depth).max().unwrap_or(0),
            TyExpr::CallResult { first_arg, .. } => {
                1 + first_arg.as_deref().map_or(0, TyExpr::depth)
            }
            TyExpr::MethodResult { receiver: base, .. }
            | TyExpr::Field { base, .. }
            | TyExpr::TupleElement { base, .. } => 1 + base.depth(),
        }
    }
}

/// What is being called.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Callee {
    /// A path call; candidates in order of preference (a glob import gives
    /// several). Empty when the name is a local variable.
    Path(Vec<String>),
    Method {
        receiver: TyExpr,
        name: String,
    },
    /// `for x in value`: iterating a blocking receiver blocks.
    Iterate(TyExpr),
}

/// One call in a function body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallSite {
    pub callee: Callee,
    pub span: Span,
    /// The whole call expression, receiver included.
    pub call_span: Span,
    /// The receiver of a method call.
    pub receiver_span: Option<Span>,
    /// The path call a method chain starts from.
    pub chain_root: Option<Box<ChainRoot>>,
    /// Whether an `.await` could be added after this call: directly in an
    /// async body, not in a plain closure or a macro argument.
    pub can_await: bool,
    pub awaited: bool,
    /// Index into `FileSummary::contexts` of the innermost async context
    /// around the call, if any.
    pub async_context: Option<usize>,
    /// Calls (indices into the same function's `calls`) whose closure
    /// argument contains this call, innermost last, counted from the
    /// innermost async context (or the function body). If any of them turns
    /// out to be an offload call, this call runs on another thread.
    pub guards: Box<[usize]>,
    /// Names of the enclosing function's parameters passed as arguments: a
    /// function that passes its closure parameter on to an offload call is
    /// itself an offload function.
    pub forwarded_params: Box<[String]>,
    /// Whether any argument is a closure (candidate for offloading).
    pub has_closure_arg: bool,
    /// Evidence for the first argument's type (`serde_json::from_reader`
    /// blocks only over a std file or socket).
    pub first_argument: TyExpr,
}

/// The path call at the start of a method chain, with its candidates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainRoot {
    pub span: Span,
    pub candidates: Vec<String>,
}

/// An async context: an async fn, async block or async closure (or a
/// current-thread entry point, see `flavor`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsyncContext {
    pub description: String,
    pub span: Span,
}

/// Which tokio runtime flavour an entry point (`#[tokio::main]`,
/// `#[tokio::test]`) runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Flavor {
    CurrentThread,
    MultiThread,
}

/// One function or method, with every call in its body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FnSummary {
    /// `$mod::Type::name` or `$mod::name`.
    pub path: String,
    pub name: String,
    pub is_async: bool,
    pub span: Span,
    pub params: Vec<(String, TyExpr)>,
    pub returns: TyExpr,
    /// Set for `#[tokio::main]` and `#[tokio::test]` entry points.
    pub flavor: Option<Flavor>,
    pub calls: Vec<CallSite>,
    /// The body was blanked before parsing (`elide`): `calls` is empty
    /// because they were not read, and a run that needs them parses the
    /// file again.
    pub elided: bool,
}

/// `mod name;` (or an inline `mod name { }`) declared in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModDecl {
    /// Inline modules this declaration sits in, outermost first.
    pub inline_parents: Vec<String>,
    pub name: String,
    /// `#[path = ".."]`.
    pub path_attr: Option<String>,
    /// `false` for `mod name { .. }`.
    pub external: bool,
}

/// A `use` at module level: `$mod::alias` names `target`; with `glob`, every
/// name of `target` is visible in `module`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UseAlias {
    pub module: String,
    pub name: String,
    pub target: String,
    pub glob: bool,
}

/// Everything the crate-wide analysis needs from one file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileSummary {
    pub functions: Vec<FnSummary>,
    pub contexts: Vec<AsyncContext>,
    /// `(struct path, field name, field type)`.
    pub fields: Vec<(String, String, TyExpr)>,
    /// Paths of structs, enums and type aliases declared here.
    pub types: Vec<String>,
    pub uses: Vec<UseAlias>,
    pub mods: Vec<ModDecl>,
    /// `(first line, last line)` of every `fn`, `impl`, `trait` and `mod`
    /// item, attributes included, so an item-level suppression comment can
    /// cover the whole item.
    pub item_lines: Vec<(usize, usize)>,
    /// Names of functions and types left out of this summary: the file was
    /// parsed with only the items a plan needed (`elide`). A run that
    /// needs one of them parses the file again.
    pub hidden: Vec<String>,
}

impl FileSummary {
    /// Gives back the spare capacity of every list: a large run holds
    /// hundreds of thousands of calls, and lists grown by pushing keep up
    /// to half their size spare.
    pub fn shrink(&mut self) {
        for f in &mut self.functions {
            for c in &mut f.calls {
                if let Callee::Path(candidates) = &mut c.callee {
                    candidates.shrink_to_fit();
                }
            }
            f.calls.shrink_to_fit();
            f.params.shrink_to_fit();
        }
        self.functions.shrink_to_fit();
        self.contexts.shrink_to_fit();
        self.fields.shrink_to_fit();
        self.types.shrink_to_fit();
        self.uses.shrink_to_fit();
        self.mods.shrink_to_fit();
        self.item_lines.shrink_to_fit();
        self.hidden.shrink_to_fit();
    }

    /// Takes in the summary of function bodies parsed alone
    /// (`collect::collect_body`) for the functions named at `at` (`(line,
    /// column)` of their names), whose bodies this summary left out: each
    /// takes its function's place, after the functions nested in it, as a
    /// parse of the whole file would list them, and the items nested in
    /// the bodies join the file's. A summary that has those bodies already
    /// (the file was parsed again whole) is left as it is.
    pub fn merge_bodies(&mut self, bodies: FileSummary, at: &[(u32, u32)]) {
        let left_out = |f: &FnSummary| f.elided && at.contains(&(f.span.line, f.span.column));
        if !self.functions.iter().any(left_out) {
            return;
        }
        let mut functions = bodies.functions;
        shift_contexts(&mut functions, self.contexts.len());
        self.contexts.extend(bodies.contexts);
        let mut nested = Vec::new();
        for f in functions {
            let slot = at
                .contains(&(f.span.line, f.span.column))
                .then(|| {
                    self.functions
                        .iter()
                        .position(|g| g.elided && g.span == f.span && g.path == f.path)
                })
                .flatten();
            match slot {
                Some(slot) => {
                    nested.push(f);
                    self.functions.splice(slot..=slot, nested.drain(..));
                }
                None => nested.push(f),
            }
        }
        self.functions.extend(nested);
        self.fields.extend(bodies.fields);
        self.types.extend(bodies.types);
        self.uses.extend(bodies.uses);
        self.mods.extend(bodies.mods);
        self.item_lines.extend(bodies.item_lines);
    }

    /// Takes in the summary of items this summary left out (`hidden`),
    /// parsed alone (`collect::collect_item`) for the names `names`: they
    /// join the file's, and are no longer left out. A summary that has
    /// them already (the file was parsed again) is left as it is.
    pub fn merge_items(&mut self, items: FileSummary, names: &[String]) {
        if !names.iter().any(|n| self.hidden.contains(n)) {
            return;
        }
        self.hidden.retain(|h| !names.contains(h));
        self.append(items);
    }

    /// Adds the functions and items of another summary of the same file's
    /// text (bodies parsed alone, one after another).
    pub fn append(&mut self, other: FileSummary) {
        let mut functions = other.functions;
        shift_contexts(&mut functions, self.contexts.len());
        self.functions.extend(functions);
        self.contexts.extend(other.contexts);
        self.fields.extend(other.fields);
        self.types.extend(other.types);
        self.uses.extend(other.uses);
        self.mods.extend(other.mods);
        self.item_lines.extend(other.item_lines);
        self.hidden.extend(other.hidden);
    }

    /// Rewrites every file-relative path once the file's module path
    /// (`mycrate::storage`) and crate name are known.
    pub fn rebase(&mut self, module: &str, crate_name: &str) {
        let fix = |s: &mut String| rebase_in_place(s, module, crate_name);
        for f in &mut self.functions {
            fix(&mut f.path);
            for (_, ty) in &mut f.params {
                rebase_ty(ty, module, crate_name);
            }
            rebase_ty(&mut f.returns, module, crate_name);
            for call in &mut f.calls {
                rebase_ty(&mut call.first_argument, module, crate_name);
                if let Some(root) = &mut call.chain_root {
                    root.candidates.iter_mut().for_each(fix);
                }
                match &mut call.callee {
                    Callee::Path(candidates) => candidates.iter_mut().for_each(fix),
                    Callee::Method { receiver, .. } => rebase_ty(receiver, module, crate_name),
                    Callee::Iterate(ty) => rebase_ty(ty, module, crate_name),
                }
            }
        }
        for (path, _, ty) in &mut self.fields {
            fix(path);
            rebase_ty(ty, module, crate_name);
        }
        self.types.iter_mut().for_each(fix);
        for u in &mut self.uses {
            fix(&mut u.module);
            fix(&mut u.target);
        }
    }
}

/// Moves the async contexts functions' calls point at by `offset`: their
/// summary's contexts go after `offset` others.
fn shift_contexts(functions: &mut [FnSummary], offset: usize) {
    for call in functions.iter_mut().flat_map(|f| &mut f.calls) {
        if let Some(c) = &mut call.async_context {
            *c += offset;
        }
    }
}

fn rebase_ty(ty: &mut TyExpr, module: &str, crate_name: &str) {
    match ty {
        TyExpr::Known(t) => rebase_known(t, module, crate_name),
        TyExpr::Tuple(items) => items
            .iter_mut()
            .for_each(|t| rebase_ty(t, module, crate_name)),
        TyExpr::CallResult {
            candidates,
            first_arg,
        } => {
            candidates
                .iter_mut()
                .for_each(|c| rebase_in_place(c, module, crate_name));
            if let Some(arg) = first_arg {
                rebase_ty(arg, module, crate_name);
            }
        }
        TyExpr::MethodResult { receiver, .. } => rebase_ty(receiver, module, crate_name),
        TyExpr::Field { base, .. } | TyExpr::TupleElement { base, .. } => {
            rebase_ty(base, module, crate_name)
        }
        TyExpr::Unknown => {}
    }
}

fn rebase_known(ty: &mut Ty, module: &str, crate_name: &str) {
    match ty {
        Ty::Path { path, args } => {
            rebase_in_place(path, module, crate_name);
            args.iter_mut()
                .for_each(|a| rebase_known(a, module, crate_name));
        }
        Ty::Tuple(items) => items
            .iter_mut()
            .for_each(|a| rebase_known(a, module, crate_name)),
    }
}

/// `rebase_path` on a path held in place: most paths of a summary are
/// already crate paths and keep their allocation.
fn rebase_in_place(path: &mut String, module: &str, crate_name: &str) {
    if path.starts_with('$') {
        *path = rebase_path(path, module, crate_name);
    }
}

/// `$mod::a::super::b` with module `c::m` becomes `c::m::b`; `$crate::x`
/// becomes `c::x`. Other paths are returned unchanged.
pub fn rebase_path(path: &str, module: &str, crate_name: &str) -> String {
    // Called for every path of every summary: joined by hand, as `format!`
    // costs several times more for two short pieces.
    let (base, rest) = if let Some(rest) = path.strip_prefix("$mod") {
        (module, rest)
    } else if let Some(rest) = path.strip_prefix("$crate") {
        (crate_name, rest)
    } else {
        return path.to_string();
    };
    let mut replaced = String::with_capacity(base.len() + rest.len());
    replaced.push_str(base);
    replaced.push_str(rest);
    if !replaced.contains("super") {
        return replaced;
    }
    let mut out: Vec<&str> = Vec::new();
    for seg in replaced.split("::") {
        if seg == "super" && out.len() > 1 {
            out.pop();
        } else if seg != "super" {
            out.push(seg);
        }
    }
    out.join("::")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebase_resolves_super_and_crate() {
        assert_eq!(
            rebase_path("$mod::super::util::f", "app::net::tcp", "app"),
            "app::net::util::f"
        );
        assert_eq!(
            rebase_path("$crate::config::load", "app::net", "app"),
            "app::config::load"
        );
        assert_eq!(rebase_path("std::fs::read", "app", "app"), "std::fs::read");
        // `super` at the crate root has nowhere to go: keep the root.
        assert_eq!(rebase_path("$mod::super::f", "app", "app"), "app::f");
    }
}
