//! From one parsed file to its `FileSummary`: every function with every call
//! in its body, each call with its resolved callee, the evidence for its
//! receiver's type, its async context and the closures it sits in.
//!
//! This is the only module that walks syntax trees. It decides nothing about
//! blocking: that needs the whole crate (`analysis`).

use crate::model::Span;
use crate::resolve::{ExternNames, Resolver, Snapshot, module_bindings};
use crate::rules::RuleSet;
use crate::summary::{
    AsyncContext, CallSite, Callee, ChainRoot, FileSummary, Flavor, FnSummary, ModDecl, TyExpr,
    UseAlias,
};
use crate::types::Ty;
use proc_macro2::Span as TokenSpan;

use crate::hashing::HashMap;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Expr, Item, Pat, Token};

/// Summarises one file. `externs` tells which first path segments are other
/// crates.
pub fn collect(file: &syn::File, externs: &ExternNames, rules: &RuleSet) -> FileSummary {
    collect_elided(file, externs, rules, Blanked::default()).0
}

/// What `elide` left out of the text a tree was parsed from.
#[derive(Default)]
pub struct Blanked<'a> {
    /// Items blanked whole, whose names still count in their modules.
    pub hidden: &'a [crate::elide::Hidden],
    /// `(line, column)` of the names of functions whose bodies were blanked
    /// (sorted), and the byte range of each body in the file's text.
    pub bodies: &'a [(usize, usize)],
    pub body_ranges: &'a [(usize, usize)],
}

/// A function whose body was blanked, as `collect` met it: where its body
/// is and the scopes the body is resolved in, so that `collect_body` can
/// summarise the body alone when the plan comes to need it, without
/// parsing the file again.
#[derive(Debug, Clone)]
pub struct BlankedBody {
    /// Where the function's name is (its `FnSummary::span` start).
    pub line: u32,
    pub column: u32,
    /// The body's bytes in the file's text, braces included, and the line
    /// (from 1) and column (in characters, from 0) of its `{`.
    pub range: (usize, usize),
    pub brace: (usize, usize),
    scopes: Snapshot,
    inline_mods: Vec<String>,
}

/// A module of a file, with the scopes its items are resolved in, so an
/// item `elide` blanked whole can be summarised alone (`collect_item`).
#[derive(Debug, Clone)]
pub struct ModuleScope {
    /// The inline modules it is, outermost first (empty: the file's own),
    /// and its index: inline modules counted from 1 in the order they open
    /// (as `elide` counts them for `Hidden::module_index`).
    pub inline_mods: Vec<String>,
    pub index: usize,
    path: String,
    scopes: Snapshot,
}

/// What an elided parse left out that can be summarised later on its own.
#[derive(Debug, Clone, Default)]
pub struct LeftOut {
    /// Blanked bodies of functions that are not async.
    pub bodies: Vec<BlankedBody>,
    /// Functions and types blanked whole, and the modules they sit in.
    pub items: Vec<crate::elide::Hidden>,
    pub modules: Vec<ModuleScope>,
}

impl LeftOut {
    /// The module an item blanked whole sits in.
    pub fn module_of(&self, item: &crate::elide::Hidden) -> Option<&ModuleScope> {
        self.modules
            .get(item.module_index)
            .filter(|m| m.index == item.module_index && m.inline_mods == item.module)
    }
}

/// `collect` over a tree of elided text. Functions whose bodies were
/// blanked are marked `elided`; what was left out and can be summarised
/// later on its own is returned beside the summary.
pub fn collect_elided(
    file: &syn::File,
    externs: &ExternNames,
    rules: &RuleSet,
    blanked: Blanked<'_>,
) -> (FileSummary, LeftOut) {
    let hidden = blanked.hidden;
    let items: Vec<crate::elide::Hidden> =
        hidden.iter().filter(|h| h.needed_later).cloned().collect();
    let mut collector = Collector {
        hidden,
        blanked,
        later: Vec::new(),
        modules: (!items.is_empty()).then(Vec::new),
        resolver: Resolver::new(externs, rules),
        summary: FileSummary::default(),
        functions: Vec::new(),
        awaiting: false,
        inline_mods: Vec::new(),
        externs,
        macro_depth: 0,
        origin: (1, 0),
    };
    collector.module("$mod".into(), &file.items);
    let left_out = LeftOut {
        bodies: collector.later,
        modules: collector.modules.unwrap_or_default(),
        items,
    };
    let mut summary = collector.summary;
    summary.hidden = hidden
        .iter()
        .filter(|h| h.needed_later)
        .map(|h| h.name.clone())
        .collect();
    summary.hidden.sort_unstable();
    summary.hidden.dedup();
    summary.shrink();
    (summary, left_out)
}

/// Summarises the blanked body of one function of `text`: its calls, as a
/// parse of the whole file would have found them, and the items nested in
/// it. `header` is the function as the elided parse summarised it.
pub fn collect_body(
    text: &str,
    body: &BlankedBody,
    header: &FnSummary,
    externs: &ExternNames,
    rules: &RuleSet,
) -> Result<FileSummary, crate::parse::ParseFailure> {
    let block = crate::parse::parse_block(text, body.range)?;
    let mut collector = Collector::for_piece(
        Resolver::restore(externs, rules, &body.scopes),
        externs,
        body.inline_mods.clone(),
        body.brace,
    );
    // As `function` starts it: the parameters are the first locals.
    let locals: HashMap<String, TyExpr> = header.params.iter().cloned().collect();
    collector.functions.push(FnState {
        summary: FnSummary {
            calls: Vec::new(),
            elided: false,
            ..header.clone()
        },
        locals: vec![locals],
        async_context: None,
        guards: Vec::new(),
        param_names: header.params.iter().map(|(n, _)| n.clone()).collect(),
        closure_depth: 0,
    });
    collector.visit_block(&block);
    let state = collector.functions.pop().expect("pushed above");
    collector.summary.functions.push(state.summary);
    let mut summary = collector.summary;
    summary.shrink();
    Ok(summary)
}

/// Summarises one item of `text` that `elide` blanked whole (a function or
/// a type), in the scopes of its module, as a parse of the whole file
/// would have.
pub fn collect_item(
    text: &str,
    item: &crate::elide::Hidden,
    module: &ModuleScope,
    externs: &ExternNames,
    rules: &RuleSet,
) -> Result<FileSummary, crate::parse::ParseFailure> {
    let tree = crate::parse::parse_item(text, item.range)?;
    let mut collector = Collector::for_piece(
        Resolver::restore(externs, rules, &module.scopes),
        externs,
        module.inline_mods.clone(),
        crate::parse::position(text, item.range.0),
    );
    collector.item(&tree, &module.path);
    let mut summary = collector.summary;
    summary.shrink();
    Ok(summary)
}

struct FnState {
    summary: FnSummary,
    locals: Vec<HashMap<String, TyExpr>>,
    async_context: Option<usize>,
    guards: Vec<usize>,
    param_names: Vec<String>,
    /// Plain closures entered since the innermost async context: `.await`
    /// is not legal inside them, so no fix may add one there.
    closure_depth: usize,
}

/// Where the parts of a call sit, for fixes that rewrite it.
struct CallShape {
    call: Span,
    receiver: Option<Span>,
    chain_root: Option<ChainRoot>,
}

struct Collector<'a> {
    resolver: Resolver<'a>,
    hidden: &'a [crate::elide::Hidden],
    blanked: Blanked<'a>,
    /// The blanked bodies met so far that `collect_body` can take later.
    later: Vec<BlankedBody>,
    /// The modules met so far, when items were blanked whole.
    modules: Option<Vec<ModuleScope>>,
    summary: FileSummary,
    functions: Vec<FnState>,
    /// Set by `.await` (and by macros that await) for the expression about to
    /// be visited.
    awaiting: bool,
    inline_mods: Vec<String>,
    externs: &'a ExternNames,
    /// Inside the re-parsed arguments of a macro call.
    macro_depth: usize,
    /// Where the parsed text starts in the file (line from 1, column from
    /// 0): a piece parsed alone counts its tokens' lines and columns from
    /// its own start.
    origin: (usize, usize),
}

/// Method calls that hand back their receiver's value (or the value inside a
/// `Result`/`Option`), so they keep the receiver's type evidence.
const TRANSPARENT_METHODS: &[&str] = &[
    "unwrap",
    "expect",
    "unwrap_or_default",
    "unwrap_or_else",
    "unwrap_or",
    "unwrap_unchecked",
    "clone",
    "as_ref",
    "as_mut",
    "borrow",
    "borrow_mut",
    "context",
    "with_context",
    "map_err",
    "ok",
    "by_ref",
    "into",
];

/// How deep a chain of evidence (`a.b().c()..`) may nest before it is
/// dropped as unknown.
const MAX_EVIDENCE_DEPTH: usize = 12;

/// Macros whose arguments are a comma-separated list of expressions.
const EXPRESSION_MACROS: &[&str] = &[
    "println",
    "print",
    "eprintln",
    "eprint",
    "format",
    "format_args",
    "write",
    "writeln",
    "panic",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "vec",
    "dbg",
    "unreachable",
    "todo",
    "unimplemented",
    "anyhow",
    "bail",
    "ensure",
    "info",
    "warn",
    "error",
    "debug",
    "trace",
];

/// Macros that await each of their expression arguments.
const JOIN_MACROS: &[&str] = &["join", "try_join"];

impl<'a> Collector<'a> {
    /// A collector for a piece of a file parsed alone, in the scopes and
    /// inline modules it sits in, starting at `origin` in the file.
    fn for_piece(
        resolver: Resolver<'a>,
        externs: &'a ExternNames,
        inline_mods: Vec<String>,
        origin: (usize, usize),
    ) -> Collector<'a> {
        Collector {
            hidden: &[],
            blanked: Blanked::default(),
            later: Vec::new(),
            modules: None,
            resolver,
            summary: FileSummary::default(),
            functions: Vec::new(),
            awaiting: false,
            inline_mods,
            externs,
            macro_depth: 0,
            origin,
        }
    }

    fn module(&mut self, path: String, items: &[Item]) {
        let mut names: Vec<String> = items.iter().filter_map(item_name).collect();
        names.extend(
            self.hidden
                .iter()
                .filter(|h| h.module == self.inline_mods)
                .map(|h| h.name.clone()),
        );
        let uses: Vec<&syn::ItemUse> = items
            .iter()
            .filter_map(|i| if let Item::Use(u) = i { Some(u) } else { None })
            .collect();
        self.resolver.push_module(path.clone(), &names, &uses);
        if let Some(modules) = &mut self.modules
            && self.functions.is_empty()
        {
            modules.push(ModuleScope {
                index: modules.len(),
                inline_mods: self.inline_mods.clone(),
                path: path.clone(),
                scopes: self.resolver.snapshot(),
            });
        }
        let (bindings, globs) = module_bindings(&self.resolver);
        for (name, target) in bindings {
            self.summary.uses.push(UseAlias {
                module: path.clone(),
                name,
                target,
                glob: false,
            });
        }
        for target in globs {
            self.summary.uses.push(UseAlias {
                module: path.clone(),
                name: String::new(),
                target,
                glob: true,
            });
        }
        for item in items {
            self.item(item, &path);
        }
        self.resolver.pop();
    }

    fn item(&mut self, item: &Item, module: &str) {
        if let Some((first, last)) = item_lines(item) {
            let line = |line| self.place(proc_macro2::LineColumn { line, column: 0 }).0;
            self.summary.item_lines.push((line(first), line(last)));
        }
        match item {
            Item::Fn(f) => {
                let path = format!("{module}::{}", f.sig.ident);
                self.function(path, &f.attrs, &f.sig, &f.block, None);
            }
            Item::Impl(imp) => {
                let self_ty = match self.type_expr(&imp.self_ty) {
                    TyExpr::Known(Ty::Path { path, .. }) => path,
                    _ => format!("{module}::<impl>"),
                };
                self.resolver.push_self_type(self_ty.clone());
                for inner in &imp.items {
                    if let syn::ImplItem::Fn(f) = inner {
                        let path = format!("{self_ty}::{}", f.sig.ident);
                        self.function(path, &f.attrs, &f.sig, &f.block, Some(&self_ty));
                    }
                }
                self.resolver.pop_self_type();
            }
            Item::Trait(t) => {
                let self_ty = format!("{module}::{}", t.ident);
                self.resolver.push_self_type(self_ty.clone());
                for inner in &t.items {
                    if let syn::TraitItem::Fn(f) = inner
                        && let Some(block) = &f.default
                    {
                        let path = format!("{self_ty}::{}", f.sig.ident);
                        self.function(path, &f.attrs, &f.sig, block, Some(&self_ty));
                    }
                }
                self.resolver.pop_self_type();
            }
            Item::Mod(m) => {
                let path_attr = m.attrs.iter().find_map(path_attribute);
                self.summary.mods.push(ModDecl {
                    inline_parents: self.inline_mods.clone(),
                    name: m.ident.to_string(),
                    path_attr,
                    external: m.content.is_none(),
                });
                if let Some((_, items)) = &m.content {
                    self.inline_mods.push(m.ident.to_string());
                    self.module(format!("{module}::{}", m.ident), items);
                    self.inline_mods.pop();
                }
            }
            Item::Struct(s) => {
                let path = format!("{module}::{}", s.ident);
                self.summary.types.push(path.clone());
                for (i, field) in s.fields.iter().enumerate() {
                    let name = field
                        .ident
                        .as_ref()
                        .map_or_else(|| i.to_string(), |id| id.to_string());
                    let ty = self.type_expr(&field.ty);
                    self.summary.fields.push((path.clone(), name, ty));
                }
            }
            Item::Enum(e) => self.summary.types.push(format!("{module}::{}", e.ident)),
            Item::Type(t) => match self.type_expr(&t.ty) {
                // `type Conn = rusqlite::Connection;` names the target type.
                TyExpr::Known(Ty::Path { path, .. }) => self.summary.uses.push(UseAlias {
                    module: module.to_string(),
                    name: t.ident.to_string(),
                    target: path,
                    glob: false,
                }),
                _ => self.summary.types.push(format!("{module}::{}", t.ident)),
            },
            _ => {}
        }
    }

    fn function(
        &mut self,
        path: String,
        attrs: &[syn::Attribute],
        sig: &syn::Signature,
        block: &syn::Block,
        self_ty: Option<&str>,
    ) {
        let name = sig.ident.to_string();
        let is_async = sig.asyncness.is_some();
        let span = self.span(sig.ident.span());
        let mut params = Vec::new();
        let mut locals = HashMap::default();
        for input in &sig.inputs {
            match input {
                syn::FnArg::Receiver(_) => {
                    let ty = self_ty.map_or(TyExpr::Unknown, |t| TyExpr::Known(Ty::path(t)));
                    locals.insert("self".to_string(), ty.clone());
                    params.push(("self".to_string(), ty));
                }
                syn::FnArg::Typed(pt) => {
                    let ty = self.type_expr(&pt.ty);
                    for (binding, ty) in param_bindings(&pt.pat, ty) {
                        locals.insert(binding.clone(), ty.clone());
                        params.push((binding, ty));
                    }
                }
            }
        }
        let returns = match &sig.output {
            syn::ReturnType::Default => TyExpr::Unknown,
            syn::ReturnType::Type(_, ty) => self.type_expr(ty),
        };
        let flavor = attrs.iter().find_map(|a| runtime_flavor(a, self.externs));
        let async_context = is_async.then(|| {
            self.summary.contexts.push(AsyncContext {
                description: format!("async fn {name}"),
                span,
            });
            self.summary.contexts.len() - 1
        });
        let param_names = params.iter().map(|(n, _)| n.clone()).collect();
        let at = (span.line as usize, span.column as usize);
        let elided = match self.blanked.bodies.binary_search(&at) {
            Ok(k) => {
                if !is_async && let Some(&range) = self.blanked.body_ranges.get(k) {
                    self.later.push(BlankedBody {
                        line: span.line,
                        column: span.column,
                        range,
                        brace: self.place(block.brace_token.span.open().start()),
                        scopes: self.resolver.snapshot(),
                        inline_mods: self.inline_mods.clone(),
                    });
                }
                true
            }
            Err(_) => false,
        };
        self.functions.push(FnState {
            summary: FnSummary {
                path,
                name,
                is_async,
                span,
                params,
                returns,
                flavor,
                calls: Vec::new(),
                elided,
            },
            locals: vec![locals],
            async_context,
            guards: Vec::new(),
            param_names,
            closure_depth: 0,
        });
        self.visit_block(block);
        let state = self.functions.pop().expect("pushed above");
        self.summary.functions.push(state.summary);
    }

    /// Where a token is in the file (line from 1, column from 0).
    fn place(&self, at: proc_macro2::LineColumn) -> (usize, usize) {
        let (line, column) = self.origin;
        match at.line {
            1 => (line, column + at.column),
            // proc-macro2 gives line 0 when it does not track positions
            // (under `cfg(fuzzing)`).
            n => ((line + n).saturating_sub(1), at.column),
        }
    }

    /// A token's span in the file.
    fn span(&self, span: TokenSpan) -> Span {
        self.between(span, span)
    }

    /// The span in the file from `first`'s start to `last`'s end.
    /// proc-macro2 columns are 0-based character counts; ours are 1-based.
    fn between(&self, first: TokenSpan, last: TokenSpan) -> Span {
        let (start, end) = (self.place(first.start()), self.place(last.end()));
        Span::new(start.0, start.1 + 1, end.0, end.1 + 1)
    }

    fn current(&mut self) -> Option<&mut FnState> {
        self.functions.last_mut()
    }

    fn local_type(&self, name: &str) -> Option<&TyExpr> {
        let state = self.functions.last()?;
        state.locals.iter().rev().find_map(|scope| scope.get(name))
    }

    fn bind(&mut self, name: String, ty: TyExpr) {
        if let Some(state) = self.current()
            && let Some(scope) = state.locals.last_mut()
        {
            scope.insert(name, ty);
        }
    }

    fn push_locals(&mut self) {
        if let Some(state) = self.current() {
            state.locals.push(HashMap::default());
        }
    }

    fn pop_locals(&mut self) {
        if let Some(state) = self.current() {
            state.locals.pop();
        }
    }

    /// Binds every name a pattern introduces, with the type evidence `ty`
    /// for the whole value.
    fn bind_pattern(&mut self, pat: &Pat, ty: TyExpr) {
        match pat {
            Pat::Ident(p) => {
                if let Some((_, sub)) = &p.subpat {
                    self.bind_pattern(sub, ty.clone());
                }
                self.bind(p.ident.to_string(), ty);
            }
            Pat::Type(p) => {
                let declared = self.type_expr(&p.ty);
                self.bind_pattern(&p.pat, declared);
            }
            Pat::Tuple(t) => {
                for (index, elem) in t.elems.iter().enumerate() {
                    let elem_ty = TyExpr::TupleElement {
                        base: Box::new(ty.clone()),
                        index,
                    };
                    self.bind_pattern(elem, elem_ty);
                }
            }
            Pat::TupleStruct(ts) if ts.elems.len() == 1 => {
                // `Some(x)` / `Ok(x)`: the value inside keeps the evidence.
                let last = ts
                    .path
                    .segments
                    .last()
                    .map(|s| s.ident.to_string())
                    .unwrap_or_default();
                let inner = if matches!(last.as_str(), "Some" | "Ok") {
                    ty
                } else {
                    TyExpr::Unknown
                };
                self.bind_pattern(&ts.elems[0], inner);
            }
            Pat::Reference(r) => self.bind_pattern(&r.pat, ty),
            Pat::Paren(p) => self.bind_pattern(&p.pat, ty),
            other => {
                // Anything else shadows its names with no evidence.
                let mut names = Vec::new();
                pattern_names(other, &mut names);
                for name in names {
                    self.bind(name, TyExpr::Unknown);
                }
            }
        }
    }

    fn type_expr(&self, ty: &syn::Type) -> TyExpr {
        match ty {
            syn::Type::Reference(r) => self.type_expr(&r.elem),
            syn::Type::Paren(p) => self.type_expr(&p.elem),
            syn::Type::Group(g) => self.type_expr(&g.elem),
            syn::Type::Tuple(t) if !t.elems.is_empty() => {
                TyExpr::Tuple(t.elems.iter().map(|e| self.type_expr(e)).collect())
            }
            syn::Type::Path(p) if p.qself.is_none() => match self.known_type(&p.path) {
                Some(ty) => TyExpr::Known(ty),
                None => TyExpr::Unknown,
            },
            _ => TyExpr::Unknown,
        }
    }

    fn known_type(&self, path: &syn::Path) -> Option<Ty> {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let resolved = self
            .resolver
            .resolve(&segments, path.leading_colon.is_some())
            .into_iter()
            .next()?;
        let mut args = Vec::new();
        if let Some(last) = path.segments.last()
            && let syn::PathArguments::AngleBracketed(ab) = &last.arguments
        {
            for arg in &ab.args {
                if let syn::GenericArgument::Type(t) = arg {
                    match self.type_expr(t) {
                        TyExpr::Known(ty) => args.push(ty),
                        _ => args.push(Ty::path("_")),
                    }
                }
            }
        }
        Some(Ty::Path {
            path: resolved,
            args,
        })
    }

    /// What local evidence says about the type of an expression's value.
    fn expr_type(&self, expr: &Expr) -> TyExpr {
        match expr {
            Expr::Path(p) if p.qself.is_none() => {
                if let Some(ident) = p.path.get_ident() {
                    return self
                        .local_type(&ident.to_string())
                        .cloned()
                        .unwrap_or(TyExpr::Unknown);
                }
                TyExpr::Unknown
            }
            Expr::Call(call) => match &*call.func {
                Expr::Path(p) if p.qself.is_none() => {
                    let candidates = self.callee_candidates(&p.path);
                    if candidates.is_empty() {
                        return TyExpr::Unknown;
                    }
                    let first_arg = call
                        .args
                        .first()
                        .map(|a| self.expr_type(a))
                        .filter(|t| t.depth() <= MAX_EVIDENCE_DEPTH)
                        .map(Box::new);
                    TyExpr::CallResult {
                        candidates,
                        first_arg,
                    }
                }
                _ => TyExpr::Unknown,
            },
            Expr::MethodCall(m) => {
                let receiver = self.expr_type(&m.receiver);
                let name = m.method.to_string();
                if TRANSPARENT_METHODS.contains(&name.as_str()) {
                    receiver
                } else if matches!(receiver, TyExpr::Unknown)
                    || receiver.depth() > MAX_EVIDENCE_DEPTH
                {
                    // Long builder chains would store a quadratic amount of
                    // evidence; past this depth the value goes untyped.
                    TyExpr::Unknown
                } else {
                    TyExpr::MethodResult {
                        receiver: Box::new(receiver),
                        name,
                    }
                }
            }
            Expr::Try(t) => self.expr_type(&t.expr),
            Expr::Paren(p) => self.expr_type(&p.expr),
            Expr::Group(g) => self.expr_type(&g.expr),
            Expr::Reference(r) => self.expr_type(&r.expr),
            Expr::Field(f) => {
                let base = self.expr_type(&f.base);
                if matches!(base, TyExpr::Unknown) || base.depth() > MAX_EVIDENCE_DEPTH {
                    return TyExpr::Unknown;
                }
                match &f.member {
                    syn::Member::Named(name) => TyExpr::Field {
                        base: Box::new(base),
                        field: name.to_string(),
                    },
                    syn::Member::Unnamed(index) => TyExpr::TupleElement {
                        base: Box::new(base),
                        index: index.index as usize,
                    },
                }
            }
            Expr::Struct(s) if s.qself.is_none() => self
                .known_type(&s.path)
                .map_or(TyExpr::Unknown, TyExpr::Known),
            Expr::Tuple(t) if !t.elems.is_empty() => {
                TyExpr::Tuple(t.elems.iter().map(|e| self.expr_type(e)).collect())
            }
            Expr::Cast(c) => self.type_expr(&c.ty),
            _ => TyExpr::Unknown,
        }
    }

    /// Candidates for a called path; empty when it names a local variable
    /// (a closure being called), which is never a denylisted function.
    fn callee_candidates(&self, path: &syn::Path) -> Vec<String> {
        if let Some(ident) = path.get_ident()
            && self.local_type(&ident.to_string()).is_some()
        {
            return Vec::new();
        }
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        self.resolver
            .resolve(&segments, path.leading_colon.is_some())
    }

    /// Records a call; returns its index for guarding closure arguments.
    fn record_call(
        &mut self,
        callee: Callee,
        span: Span,
        awaited: bool,
        args: &[&Expr],
        shape: Option<CallShape>,
    ) -> Option<usize> {
        let state = self.functions.last()?;
        let forwarded_params = args
            .iter()
            .filter_map(|a| match a {
                Expr::Path(p) => p.path.get_ident().map(|i| i.to_string()),
                _ => None,
            })
            .filter(|name| state.param_names.contains(name) && name != "self")
            .collect();
        let has_closure_arg = args
            .iter()
            .any(|a| matches!(a, Expr::Closure(c) if c.asyncness.is_none()));
        let first_argument = args.first().map_or(TyExpr::Unknown, |a| self.expr_type(a));
        let can_await = state.async_context.is_some()
            && state.closure_depth == 0
            && self.macro_depth == 0
            && !awaited;
        let shape = shape.unwrap_or(CallShape {
            call: span,
            receiver: None,
            chain_root: None,
        });
        let site = CallSite {
            callee,
            span,
            call_span: shape.call,
            receiver_span: shape.receiver,
            chain_root: shape.chain_root.map(Box::new),
            can_await,
            awaited,
            async_context: state.async_context,
            guards: state.guards.clone().into_boxed_slice(),
            forwarded_params,
            has_closure_arg,
            first_argument,
        };
        let state = self.functions.last_mut()?;
        state.summary.calls.push(site);
        Some(state.summary.calls.len() - 1)
    }

    /// Visits call arguments; closures among them are guarded by the call.
    fn visit_args<'e>(&mut self, call: Option<usize>, args: impl Iterator<Item = &'e Expr>) {
        for arg in args {
            match (arg, call) {
                (Expr::Closure(c), Some(index)) if c.asyncness.is_none() => {
                    if let Some(state) = self.current() {
                        state.guards.push(index);
                    }
                    self.visit_expr(arg);
                    if let Some(state) = self.current() {
                        state.guards.pop();
                    }
                }
                _ => self.visit_expr(arg),
            }
        }
    }

    /// Runs `f` inside a new async context (async block or closure).
    fn in_async_context(&mut self, description: String, span: Span, f: impl FnOnce(&mut Self)) {
        let Some(state) = self.functions.last() else {
            f(self);
            return;
        };
        let fn_name = state.summary.name.clone();
        self.summary.contexts.push(AsyncContext {
            description: format!("{description} in fn {fn_name}"),
            span,
        });
        let index = self.summary.contexts.len() - 1;
        let state = self.functions.last_mut().expect("checked above");
        let saved = (
            state.async_context.replace(index),
            std::mem::take(&mut state.guards),
            std::mem::take(&mut state.closure_depth),
        );
        f(self);
        let state = self.functions.last_mut().expect("still there");
        state.async_context = saved.0;
        state.guards = saved.1;
        state.closure_depth = saved.2;
    }

    /// The path call a method chain starts from (`Command::new("ls")` in
    /// `Command::new("ls").arg("-l").output()`), for fixes that swap it.
    fn chain_root(&self, receiver: &Expr) -> Option<ChainRoot> {
        let mut expr = receiver;
        loop {
            match expr {
                Expr::MethodCall(m) => expr = &m.receiver,
                Expr::Try(t) => expr = &t.expr,
                Expr::Paren(p) => expr = &p.expr,
                Expr::Call(call) => {
                    let Expr::Path(p) = &*call.func else {
                        return None;
                    };
                    if p.qself.is_some() {
                        return None;
                    }
                    let candidates = self.callee_candidates(&p.path);
                    return Some(ChainRoot {
                        span: self.span(p.path.span()),
                        candidates,
                    });
                }
                _ => return None,
            }
        }
    }

    fn visit_macro_tokens(&mut self, mac: &syn::Macro) {
        let Some(name) = mac.path.segments.last().map(|s| s.ident.to_string()) else {
            return;
        };
        let tokens = mac.tokens.clone();
        // The macro itself may block (`crossbeam_channel::select!`): it is a
        // call of its path, matched against the rule data like any other.
        let segments: Vec<String> = mac
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        let candidates = self
            .resolver
            .resolve(&segments, mac.path.leading_colon.is_some());
        self.record_call(
            Callee::Path(candidates),
            self.span(mac.path.span()),
            false,
            &[],
            None,
        );
        self.macro_depth += 1;
        self.visit_macro_arguments(&name, mac, tokens);
        self.macro_depth -= 1;
    }

    fn visit_macro_arguments(
        &mut self,
        name: &str,
        mac: &syn::Macro,
        tokens: proc_macro2::TokenStream,
    ) {
        if name == "select" || name == "select_biased" {
            if let Ok(arms) = parse_crossbeam_select.parse2(tokens.clone()) {
                for arm in arms {
                    self.push_locals();
                    for expr in &arm.operands {
                        self.visit_expr(expr);
                    }
                    if let Some(pat) = &arm.pat {
                        self.bind_pattern(pat, TyExpr::Unknown);
                    }
                    self.visit_expr(&arm.body);
                    self.pop_locals();
                }
                return;
            }
            if let Ok(branches) = parse_select.parse2(tokens) {
                for branch in branches {
                    self.push_locals();
                    if let Some(future) = &branch.future {
                        self.awaiting = true;
                        self.visit_expr(future);
                        self.awaiting = false;
                    }
                    if let Some(guard) = &branch.guard {
                        self.visit_expr(guard);
                    }
                    if let Some(pat) = &branch.pat {
                        self.bind_pattern(pat, TyExpr::Unknown);
                    }
                    self.visit_expr(&branch.handler);
                    self.pop_locals();
                }
            }
            return;
        }
        let awaits = JOIN_MACROS.contains(&name);
        if !awaits && !EXPRESSION_MACROS.contains(&name) {
            return;
        }
        let parsed = Punctuated::<Expr, Token![,]>::parse_terminated
            .parse2(tokens.clone())
            .or_else(|_| {
                // `vec![elem; n]`
                (|input: ParseStream| {
                    let elem: Expr = input.parse()?;
                    input.parse::<Token![;]>()?;
                    let count: Expr = input.parse()?;
                    let mut list = Punctuated::new();
                    list.push(elem);
                    list.push(count);
                    Ok(list)
                })
                .parse2(tokens)
            });
        if let Ok(exprs) = parsed {
            // `write!(w, ..)` is `w.write_fmt(..)`: blocking when `w` is a
            // std file or socket.
            if matches!(name, "write" | "writeln")
                && let Some(target) = exprs.first()
            {
                let receiver = self.expr_type(target);
                let span = self.span(mac.path.span());
                let callee = Callee::Method {
                    receiver,
                    name: "write_fmt".into(),
                };
                self.record_call(callee, span, false, &[], None);
            }
            for expr in exprs.iter() {
                self.awaiting = awaits;
                self.visit_expr(expr);
                self.awaiting = false;
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item(&mut self, item: &'ast Item) {
        // Items nested in a function body: a nested `fn` leaves the async
        // context, so it is summarised as a function of its own.
        let module = self.resolver.module();
        let outer = self
            .functions
            .last()
            .map(|f| f.summary.path.clone())
            .unwrap_or(module);
        self.item(item, &outer);
    }

    fn visit_block(&mut self, block: &'ast syn::Block) {
        let outer = self
            .functions
            .last()
            .map(|f| f.summary.path.clone())
            .unwrap_or_else(|| self.resolver.module());
        let mut items = Vec::new();
        let mut uses = Vec::new();
        for stmt in &block.stmts {
            if let syn::Stmt::Item(item) = stmt {
                if let Item::Use(u) = item {
                    uses.push(u);
                } else if let Some(name) = item_name(item) {
                    items.push((name.clone(), format!("{outer}::{name}")));
                }
            }
        }
        self.resolver.push_block(&items, &uses);
        self.push_locals();
        for stmt in &block.stmts {
            self.visit_stmt(stmt);
        }
        self.pop_locals();
        self.resolver.pop();
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        if let Some(init) = &local.init {
            self.visit_expr(&init.expr);
            if let Some((_, diverge)) = &init.diverge {
                self.visit_expr(diverge);
            }
        }
        let ty = local
            .init
            .as_ref()
            .map_or(TyExpr::Unknown, |init| self.expr_type(&init.expr));
        self.bind_pattern(&local.pat, ty);
    }

    fn visit_stmt_macro(&mut self, mac: &'ast syn::StmtMacro) {
        self.visit_macro_tokens(&mac.mac);
    }

    fn visit_expr_macro(&mut self, mac: &'ast syn::ExprMacro) {
        self.visit_macro_tokens(&mac.mac);
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
        let awaited = std::mem::take(&mut self.awaiting);
        match expr {
            Expr::Await(a) => {
                self.awaiting = true;
                self.visit_expr(&a.base);
                self.awaiting = false;
            }
            Expr::Paren(p) => {
                self.awaiting = awaited;
                self.visit_expr(&p.expr);
            }
            Expr::Call(call) => {
                if let Expr::Path(p) = &*call.func
                    && p.qself.is_none()
                {
                    let candidates = self.callee_candidates(&p.path);
                    let span = self.span(p.path.span());
                    let args: Vec<&Expr> = call.args.iter().collect();
                    let shape = CallShape {
                        call: self.between(expr_first(&call.func), call.paren_token.span.close()),
                        receiver: None,
                        chain_root: None,
                    };
                    let index = self.record_call(
                        Callee::Path(candidates),
                        span,
                        awaited,
                        &args,
                        Some(shape),
                    );
                    self.visit_args(index, call.args.iter());
                } else {
                    self.visit_expr(&call.func);
                    self.visit_args(None, call.args.iter());
                }
            }
            Expr::MethodCall(m) => {
                self.visit_expr(&m.receiver);
                let receiver = self.expr_type(&m.receiver);
                let name = m.method.to_string();
                let span = self.span(m.method.span());
                let args: Vec<&Expr> = m.args.iter().collect();
                let shape = CallShape {
                    call: self.between(expr_first(&m.receiver), m.paren_token.span.close()),
                    receiver: Some(self.between(expr_first(&m.receiver), expr_last(&m.receiver))),
                    chain_root: self.chain_root(&m.receiver),
                };
                let index = self.record_call(
                    Callee::Method { receiver, name },
                    span,
                    awaited,
                    &args,
                    Some(shape),
                );
                self.visit_args(index, m.args.iter());
            }
            Expr::Closure(c) => {
                self.push_locals();
                for input in &c.inputs {
                    self.bind_pattern(input, TyExpr::Unknown);
                }
                if let Some(token) = &c.asyncness {
                    self.in_async_context("async closure".into(), self.span(token.span), |this| {
                        this.visit_expr(&c.body)
                    });
                } else {
                    if let Some(state) = self.current() {
                        state.closure_depth += 1;
                    }
                    self.visit_expr(&c.body);
                    if let Some(state) = self.current() {
                        state.closure_depth -= 1;
                    }
                }
                self.pop_locals();
            }
            Expr::Async(a) => {
                self.in_async_context(
                    "async block".into(),
                    self.span(a.async_token.span),
                    |this| this.visit_block(&a.block),
                );
            }
            Expr::ForLoop(f) => {
                self.visit_expr(&f.expr);
                let ty = self.expr_type(&f.expr);
                if !matches!(ty, TyExpr::Unknown) {
                    let span = self.span(f.expr.span());
                    self.record_call(Callee::Iterate(ty), span, false, &[], None);
                }
                self.push_locals();
                self.bind_pattern(&f.pat, TyExpr::Unknown);
                self.visit_block(&f.body);
                self.pop_locals();
            }
            Expr::Let(l) => {
                self.visit_expr(&l.expr);
                let ty = self.expr_type(&l.expr);
                self.bind_pattern(&l.pat, ty);
            }
            Expr::Match(m) => {
                self.visit_expr(&m.expr);
                for arm in &m.arms {
                    self.push_locals();
                    self.bind_pattern(&arm.pat, TyExpr::Unknown);
                    if let Some((_, guard)) = &arm.guard {
                        self.visit_expr(guard);
                    }
                    self.visit_expr(&arm.body);
                    self.pop_locals();
                }
            }
            _ => visit::visit_expr(self, expr),
        }
    }
}

/// A branch of `tokio::select!` / `futures::select!`: `pat = future, if
/// guard => handler`, or `else => handler`.
struct SelectBranch {
    pat: Option<Pat>,
    future: Option<Expr>,
    guard: Option<Expr>,
    handler: Expr,
}

fn parse_select(input: ParseStream) -> syn::Result<Vec<SelectBranch>> {
    let mut branches = Vec::new();
    if input.peek(syn::Ident)
        && input
            .fork()
            .parse::<syn::Ident>()
            .is_ok_and(|i| i == "biased")
    {
        input.parse::<syn::Ident>()?;
        input.parse::<Token![;]>()?;
    }
    while !input.is_empty() {
        let (pat, future, guard) = if input.peek(Token![else]) || input.peek(Token![default]) {
            input.parse::<proc_macro2::TokenTree>()?;
            (None, None, None)
        } else if input.peek(syn::Ident)
            && input
                .fork()
                .parse::<syn::Ident>()
                .is_ok_and(|i| i == "complete")
        {
            input.parse::<syn::Ident>()?;
            (None, None, None)
        } else {
            let pat = Pat::parse_multi(input)?;
            input.parse::<Token![=]>()?;
            let future = Expr::parse_without_eager_brace(input)?;
            let guard = if input.peek(Token![,]) && input.peek2(Token![if]) {
                input.parse::<Token![,]>()?;
                input.parse::<Token![if]>()?;
                Some(Expr::parse_without_eager_brace(input)?)
            } else {
                None
            };
            (Some(pat), Some(future), guard)
        };
        input.parse::<Token![=>]>()?;
        let handler: Expr = input.parse()?;
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
        }
        branches.push(SelectBranch {
            pat,
            future,
            guard,
            handler,
        });
    }
    Ok(branches)
}

/// An arm of crossbeam's `select!`: `recv(rx) -> msg => body`,
/// `send(tx, v) -> res => body`, `default => body`, `default(t) => body`.
struct CrossbeamArm {
    operands: Vec<Expr>,
    pat: Option<Pat>,
    body: Expr,
}

fn parse_crossbeam_select(input: ParseStream) -> syn::Result<Vec<CrossbeamArm>> {
    let mut arms = Vec::new();
    while !input.is_empty() {
        let kind: syn::Ident = if input.peek(Token![default]) {
            input.parse::<Token![default]>()?;
            syn::Ident::new("default", proc_macro2::Span::call_site())
        } else {
            input.parse()?
        };
        if kind != "recv" && kind != "send" && kind != "default" {
            return Err(syn::Error::new(kind.span(), "not a crossbeam select arm"));
        }
        let mut operands = Vec::new();
        if input.peek(syn::token::Paren) {
            let content;
            syn::parenthesized!(content in input);
            operands.extend(Punctuated::<Expr, Token![,]>::parse_terminated(&content)?);
        }
        let pat = if input.peek(Token![->]) {
            input.parse::<Token![->]>()?;
            Some(Pat::parse_single(input)?)
        } else {
            None
        };
        input.parse::<Token![=>]>()?;
        let body: Expr = input.parse()?;
        if input.peek(Token![,]) {
            input.parse::<Token![,]>()?;
        }
        arms.push(CrossbeamArm {
            operands,
            pat,
            body,
        });
    }
    Ok(arms)
}

fn item_name(item: &Item) -> Option<String> {
    Some(
        match item {
            Item::Fn(f) => &f.sig.ident,
            Item::Struct(s) => &s.ident,
            Item::Enum(e) => &e.ident,
            Item::Union(u) => &u.ident,
            Item::Trait(t) => &t.ident,
            Item::Type(t) => &t.ident,
            Item::Const(c) => &c.ident,
            Item::Static(s) => &s.ident,
            Item::Mod(m) => &m.ident,
            _ => return None,
        }
        .to_string(),
    )
}

/// First and last line of a `fn`, `impl`, `trait` or `mod` item, its
/// attributes included. From the item's own tokens: `Spanned` would print
/// the whole item to find them.
fn item_lines(item: &Item) -> Option<(usize, usize)> {
    let vis = |v: &syn::Visibility| match v {
        syn::Visibility::Public(t) => Some(t.span),
        syn::Visibility::Restricted(r) => Some(r.pub_token.span),
        syn::Visibility::Inherited => None,
    };
    let (attrs, heads, end): (&[syn::Attribute], Vec<Option<TokenSpan>>, TokenSpan) = match item {
        Item::Fn(f) => (
            &f.attrs,
            vec![
                vis(&f.vis),
                f.sig.constness.map(|t| t.span),
                f.sig.asyncness.map(|t| t.span),
                f.sig.unsafety.map(|t| t.span),
                f.sig.abi.as_ref().map(|a| a.extern_token.span),
                Some(f.sig.fn_token.span),
            ],
            f.block.brace_token.span.close(),
        ),
        Item::Impl(i) => (
            &i.attrs,
            vec![
                i.defaultness.map(|t| t.span),
                i.unsafety.map(|t| t.span),
                Some(i.impl_token.span),
            ],
            i.brace_token.span.close(),
        ),
        Item::Trait(t) => (
            &t.attrs,
            vec![
                vis(&t.vis),
                t.unsafety.map(|u| u.span),
                t.auto_token.map(|a| a.span),
                Some(t.trait_token.span),
            ],
            t.brace_token.span.close(),
        ),
        Item::Mod(m) => (
            &m.attrs,
            vec![
                vis(&m.vis),
                m.unsafety.map(|u| u.span),
                Some(m.mod_token.span),
            ],
            match (&m.content, &m.semi) {
                (Some((brace, _)), _) => brace.span.close(),
                (None, Some(semi)) => semi.span,
                (None, None) => m.ident.span(),
            },
        ),
        _ => return None,
    };
    let start = attrs
        .iter()
        .map(|a| a.pound_token.span)
        .chain(heads.into_iter().flatten())
        .map(|s| s.start().line)
        .min()
        .unwrap_or(1);
    Some((start, end.end().line))
}

fn path_attribute(attr: &syn::Attribute) -> Option<String> {
    if !attr.path().is_ident("path") {
        return None;
    }
    let syn::Meta::NameValue(nv) = &attr.meta else {
        return None;
    };
    match &nv.value {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// `#[tokio::main]`, `#[tokio::test]` and actix's entry points, with the
/// runtime flavour they start.
fn runtime_flavor(attr: &syn::Attribute, externs: &ExternNames) -> Option<Flavor> {
    // Every attribute of every function comes here; most have one segment
    // (`inline`, `cfg`, `test`), so nothing is formatted for them.
    let segments = &attr.path().segments;
    if segments.len() != 2 {
        return None;
    }
    let krate = segments[0].ident.to_string();
    let kind = segments[1].ident.to_string();
    let krate = externs
        .renames
        .get(&krate)
        .map(String::as_str)
        .unwrap_or(&krate);
    match (krate, kind.as_str()) {
        ("tokio", "main" | "test") => {
            let args = match &attr.meta {
                syn::Meta::List(list) => list.tokens.to_string(),
                _ => String::new(),
            };
            if args.contains("\"current_thread\"") {
                Some(Flavor::CurrentThread)
            } else if args.contains("\"multi_thread\"") || kind == "main" {
                Some(Flavor::MultiThread)
            } else {
                Some(Flavor::CurrentThread)
            }
        }
        ("actix_web" | "actix_rt", "main" | "test") => Some(Flavor::CurrentThread),
        _ => None,
    }
}

/// Names a function parameter binds, with their types: `State(s): State<T>`
/// (axum's extractors and other newtype wrappers) gives `s` the type `T`.
fn param_bindings(pat: &Pat, ty: TyExpr) -> Vec<(String, TyExpr)> {
    match pat {
        Pat::Ident(p) => vec![(p.ident.to_string(), ty)],
        Pat::TupleStruct(ts) if ts.elems.len() == 1 => {
            let inner = match ty {
                TyExpr::Known(Ty::Path { args, .. }) if !args.is_empty() => {
                    TyExpr::Known(args[0].clone())
                }
                _ => TyExpr::Unknown,
            };
            param_bindings(&ts.elems[0], inner)
        }
        Pat::Tuple(t) => t
            .elems
            .iter()
            .enumerate()
            .flat_map(|(index, p)| {
                param_bindings(
                    p,
                    TyExpr::TupleElement {
                        base: Box::new(ty.clone()),
                        index,
                    },
                )
            })
            .collect(),
        Pat::Reference(r) => param_bindings(&r.pat, ty),
        other => {
            let mut names = Vec::new();
            pattern_names(other, &mut names);
            names.into_iter().map(|n| (n, TyExpr::Unknown)).collect()
        }
    }
}

fn pattern_names(pat: &Pat, out: &mut Vec<String>) {
    struct Names<'o>(&'o mut Vec<String>);
    impl<'ast> Visit<'ast> for Names<'_> {
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.0.push(p.ident.to_string());
            visit::visit_pat_ident(self, p);
        }
    }
    Names(out).visit_pat(pat);
}

/// The first token of an expression. `Spanned::span` would print the whole
/// expression to find it, once per call of a chain: quadratic in the
/// chain's length.
fn expr_first(e: &Expr) -> TokenSpan {
    match e {
        Expr::MethodCall(m) => expr_first(&m.receiver),
        Expr::Call(c) => expr_first(&c.func),
        Expr::Field(f) => expr_first(&f.base),
        Expr::Await(a) => expr_first(&a.base),
        Expr::Try(t) => expr_first(&t.expr),
        Expr::Index(i) => expr_first(&i.expr),
        Expr::Path(p) if p.attrs.is_empty() && p.qself.is_none() => match &p.path.leading_colon {
            Some(colon) => colon.spans[0],
            None => p
                .path
                .segments
                .first()
                .map_or_else(|| e.span(), |s| s.ident.span()),
        },
        Expr::Paren(p) if p.attrs.is_empty() => p.paren_token.span.open(),
        _ => e.span(),
    }
}

/// The last token of an expression, as `expr_first`.
fn expr_last(e: &Expr) -> TokenSpan {
    match e {
        Expr::MethodCall(m) => m.paren_token.span.close(),
        Expr::Call(c) => c.paren_token.span.close(),
        Expr::Field(f) => match &f.member {
            syn::Member::Named(ident) => ident.span(),
            syn::Member::Unnamed(index) => index.span,
        },
        Expr::Await(a) => a.await_token.span,
        Expr::Try(t) => t.question_token.span,
        Expr::Index(i) => i.bracket_token.span.close(),
        Expr::Path(p) if p.qself.is_none() => p
            .path
            .segments
            .last()
            .filter(|s| s.arguments.is_none())
            .map_or_else(|| e.span(), |s| s.ident.span()),
        Expr::Paren(p) => p.paren_token.span.close(),
        _ => e.span(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(callee name, line, in an async context, number of closure guards,
    /// awaited)` for every call in `source`; a macro is a call of its path,
    /// named like a function.
    fn calls(source: &str) -> Vec<(String, u32, bool, usize, bool)> {
        let file: syn::File = syn::parse_str(source).unwrap();
        let rules = RuleSet::builtin().unwrap();
        let summary = collect(&file, &ExternNames::default(), &rules);
        let mut out: Vec<_> = summary
            .functions
            .iter()
            .flat_map(|f| f.calls.iter())
            .map(|c| {
                let name = match &c.callee {
                    Callee::Path(candidates) => candidates
                        .first()
                        .map_or("", |p| p.rsplit("::").next().unwrap_or(p))
                        .to_string(),
                    Callee::Method { name, .. } => name.clone(),
                    Callee::Iterate(_) => "for".to_string(),
                };
                (
                    name,
                    c.span.line,
                    c.async_context.is_some(),
                    c.guards.len(),
                    c.awaited,
                )
            })
            .collect();
        out.sort_by_key(|c| c.1);
        out
    }

    /// A body `elide` blanked, parsed alone later, summarises as the same
    /// function does in a parse of the whole file: calls resolved through
    /// the module's and the block's imports, `Self`, parameters' types,
    /// and items nested in the body.
    #[test]
    fn a_body_parsed_alone_summarises_as_in_the_whole_file() {
        let source = "use std::fs;\n\
            mod inner {\n\
            \x20   use std::thread as t;\n\
            \x20   pub struct Store { path: String }\n\
            \x20   impl Store {\n\
            \x20       pub fn load(&self, name: &str) -> String { drop(t::current());\n\
            \x20           use std::io::Read;\n\
            \x20           fn nested() { t::sleep(std::time::Duration::from_secs(1)); }\n\
            \x20           let é = Self::helper(); nested();\n\
            \x20           let mut f = std::fs::File::open(&self.path).unwrap();\n\
            \x20           let mut s = String::new(); f.read_to_string(&mut s).unwrap();\n\
            \x20           super::fs::read_to_string(name).unwrap_or(é)\n\
            \x20       }\n\
            \x20       fn helper() -> String { String::new() }\n\
            \x20   }\n\
            }\n";
        let rules = RuleSet::builtin().unwrap();
        let externs = ExternNames::default();
        let whole = collect(&syn::parse_file(source).unwrap(), &externs, &rules);
        let keep = crate::elide::Keep {
            bodies: true,
            names: None,
            keep_bodies: None,
        };
        let elided = crate::elide::elide(source, keep).expect("a long body");
        assert_eq!(elided.bodies.len(), 1);
        let tree = syn::parse_file(&elided.text).unwrap();
        let blanked = Blanked {
            hidden: &elided.hidden,
            bodies: &elided.bodies,
            body_ranges: &elided.body_ranges,
        };
        let (mut summary, left_out) = collect_elided(&tree, &externs, &rules, blanked);
        let later = left_out.bodies;
        let header = summary.functions.iter().find(|f| f.elided).unwrap().clone();
        assert!(header.calls.is_empty());
        let at = [(later[0].line, later[0].column)];
        let bodies = collect_body(source, &later[0], &header, &externs, &rules).unwrap();
        summary.merge_bodies(bodies, &at);
        assert_eq!(summary.functions, whole.functions);
        assert!(summary.functions.iter().any(|f| f.name == "nested"));
    }

    /// Items `elide` blanked whole, parsed alone later in the scopes of
    /// their module, summarise as in a parse of the whole file.
    #[test]
    fn items_parsed_alone_summarise_as_in_the_whole_file() {
        let source = "use std::fs;\n\
            mod inner {\n\
            \x20   use std::io as sio;\n\
            \x20   pub struct Kept { f: sio::Result<()> }\n\
            \x20   /// Docs, é.\n\
            \x20   #[derive(Debug)] pub struct Wanted { file: super::fs::File, kept: Kept }\n\
            \x20   pub fn helper() -> super::fs::File { super::fs::File::open(\"x\").unwrap() }\n\
            \x20   type Alias = sio::Error;\n\
            }\n";
        let rules = RuleSet::builtin().unwrap();
        let externs = ExternNames::default();
        let whole = collect(&syn::parse_file(source).unwrap(), &externs, &rules);
        let keep = vec!["Kept".to_string()];
        let keep = crate::elide::Keep {
            bodies: true,
            names: Some(&keep),
            keep_bodies: None,
        };
        let elided = crate::elide::elide(source, keep).expect("items to blank");
        let tree = syn::parse_file(&elided.text).unwrap();
        let blanked = Blanked {
            hidden: &elided.hidden,
            bodies: &elided.bodies,
            body_ranges: &elided.body_ranges,
        };
        let (mut summary, left_out) = collect_elided(&tree, &externs, &rules, blanked);
        assert_eq!(summary.hidden, vec!["Alias", "Wanted", "helper"]);
        let mut parsed = FileSummary::default();
        for item in &left_out.items {
            let module = left_out.module_of(item).unwrap();
            parsed.append(collect_item(source, item, module, &externs, &rules).unwrap());
        }
        summary.merge_items(parsed, &["Alias".into(), "Wanted".into(), "helper".into()]);
        assert!(summary.hidden.is_empty());
        let sorted = |s: &FileSummary| {
            let mut all: Vec<String> = s.functions.iter().map(|f| format!("{f:?}")).collect();
            all.extend(s.types.iter().cloned());
            all.extend(s.fields.iter().map(|f| format!("{f:?}")));
            all.extend(s.uses.iter().map(|u| format!("{u:?}")));
            all.extend(s.item_lines.iter().map(|l| format!("{l:?}")));
            all.sort();
            all
        };
        assert_eq!(sorted(&summary), sorted(&whole));
    }

    #[test]
    fn async_contexts_and_their_exits() {
        let found = calls(
            "async fn a() {\n\
                 read();\n\
                 fn nested() { read(); }\n\
                 let c = || read();\n\
                 spawn_blocking(move || read());\n\
                 async { read() };\n\
                 spawn_blocking(|| async { read() });\n\
             }\n\
             fn sync() { let f = async move |x| read(); read(); }\n",
        );
        let by_line = |line: u32| {
            found
                .iter()
                .filter(|c| c.1 == line && c.0 == "read")
                .cloned()
                .collect::<Vec<_>>()
        };
        assert!(by_line(2)[0].2, "async fn body");
        assert!(!by_line(3)[0].2, "a nested fn leaves the async context");
        assert_eq!(
            (by_line(4)[0].2, by_line(4)[0].3),
            (true, 0),
            "a closure run inline stays async"
        );
        assert_eq!(
            (by_line(5)[0].2, by_line(5)[0].3),
            (true, 1),
            "a closure argument is guarded by its call"
        );
        assert!(by_line(6)[0].2, "async block");
        assert_eq!(
            (by_line(7)[0].2, by_line(7)[0].3),
            (true, 0),
            "an async block resets the guards"
        );
        let sync_line: Vec<_> = by_line(9);
        assert_eq!(
            sync_line.iter().filter(|c| c.2).count(),
            1,
            "async closure in a sync fn"
        );
        assert_eq!(
            sync_line.iter().filter(|c| !c.2).count(),
            1,
            "plain sync code"
        );
    }

    #[test]
    fn awaited_calls_and_macro_arguments() {
        let found = calls(
            "async fn a() {\n\
                 fetch().await;\n\
                 (fetch()).await;\n\
                 println!(\"{}\", load());\n\
                 tokio::join!(fetch(), other());\n\
                 tokio::select! { v = fetch() => { load(); } else => {} }\n\
                 let v = vec![load(); 3];\n\
                 let s = \"load()\"; // load()\n\
             }\n\
             macro_rules! m { () => { load() }; }\n",
        );
        let at = |line: u32| {
            found
                .iter()
                .filter(|c| c.1 == line && !["println", "join", "select", "vec"].contains(&&*c.0))
                .map(|c| (c.0.as_str(), c.4))
                .collect::<Vec<_>>()
        };
        assert_eq!(at(2), [("fetch", true)]);
        assert_eq!(at(3), [("fetch", true)]);
        assert_eq!(at(4), [("load", false)]);
        assert_eq!(at(5), [("fetch", true), ("other", true)]);
        assert_eq!(at(6), [("fetch", true), ("load", false)]);
        assert_eq!(at(7), [("load", false)]);
        assert!(
            at(8).is_empty() && at(10).is_empty(),
            "strings, comments and macro_rules! bodies are not code"
        );
    }

    #[test]
    fn receiver_evidence_is_recorded() {
        let file: syn::File = syn::parse_str(
            "use std::sync::mpsc::Receiver;\n\
             async fn a(rx: Receiver<u8>, p: &std::path::Path) {\n\
                 let (tx, rx2) = std::sync::mpsc::channel();\n\
                 rx.recv(); rx2.recv(); p.exists(); unknown().recv();\n\
             }\n",
        )
        .unwrap();
        let rules = RuleSet::builtin().unwrap();
        let summary = collect(&file, &ExternNames::default(), &rules);
        let receivers: Vec<&TyExpr> = summary.functions[0]
            .calls
            .iter()
            .filter_map(|c| match &c.callee {
                Callee::Method { receiver, .. } => Some(receiver),
                _ => None,
            })
            .collect();
        assert_eq!(
            receivers[0],
            &TyExpr::Known(Ty::Path {
                path: "std::sync::mpsc::Receiver".into(),
                args: vec![Ty::path("u8")]
            })
        );
        assert!(matches!(
            receivers[1],
            TyExpr::TupleElement { index: 1, .. }
        ));
        assert_eq!(receivers[2], &TyExpr::Known(Ty::path("std::path::Path")));
        // Evaluated later against the index: an unknown function types nothing.
        assert!(matches!(
            receivers[3],
            TyExpr::CallResult {
                first_arg: None,
                ..
            }
        ));
    }
}
