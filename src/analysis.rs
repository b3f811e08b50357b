//! The crate-wide analysis: reads the per-file summaries of every crate in
//! the run (never syntax trees), builds one index of functions, types and
//! re-exports, types receivers from evidence, computes which of the crate's
//! own sync functions may block (a fixed point over the call graph, so
//! cycles and long chains work) and which are offload wrappers, and emits
//! findings.

use crate::model::{Applicability, ChainStep, ContextLabel, Edit, Finding, Fix, Piece, Span};
use crate::rules::{
    ARGUMENT_PLACEHOLDER, Blocking, ELEMENT_PLACEHOLDER, FixTable, Returns, RuleSet, Runtime,
};
use crate::summary::{CallSite, Callee, FileSummary, Flavor, FnSummary, TyExpr};
use crate::types::Ty;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

/// One file's summary, rebased to crate paths, with where it came from.
pub struct AnalysedFile {
    pub display: PathBuf,
    pub runtime: Runtime,
    /// The crate's enabled tokio features, for fixes that need one.
    pub tokio_features: Vec<String>,
    pub summary: FileSummary,
}

/// Identifies a function: `(file index, function index)`.
type FnId = (usize, usize);

/// What a call turns out to be.
#[derive(Debug, Clone)]
enum CallKind<'r> {
    Blocking {
        blocking: &'r Blocking,
        callee: String,
        fix: Option<&'r FixTable>,
    },
    /// `tokio::task::block_in_place`: fine on a multi-thread runtime, a
    /// panic on a current-thread one.
    CurrentThreadOnly {
        blocking: &'r Blocking,
        callee: String,
    },
    Local(FnId),
    Other,
}

/// Why a sync function may block: the first step of its shortest chain.
#[derive(Debug, Clone)]
struct BlockWitness {
    /// Calls to reach the blocking call (1 = it calls it directly).
    length: usize,
    call: usize,
    /// Next function in the chain, or `None` when `call` is the blocking one.
    next: Option<FnId>,
    rule: String,
    callee: String,
}

struct Index<'a> {
    files: &'a [AnalysedFile],
    rules: &'a RuleSet,
    functions: HashMap<&'a str, FnId>,
    fields: HashMap<(&'a str, &'a str), &'a TyExpr>,
    types: HashSet<&'a str>,
    aliases: HashMap<String, &'a str>,
    globs: HashMap<&'a str, Vec<&'a str>>,
    /// `module::name` -> what it resolves to.
    canonical_memo: std::cell::RefCell<HashMap<String, String>>,
    /// Every module path of the run (prefixes of function and type paths).
    modules: HashSet<String>,
}

/// Runs the analysis over every file of the run.
pub fn analyse(files: &[AnalysedFile], rules: &RuleSet) -> Vec<Finding> {
    let index = Index::build(files, rules);
    let kinds = index.classify_all();
    let offload = index.offload_wrappers(&kinds);
    let offloaded = |id: FnId, call: &CallSite| {
        call.guards
            .iter()
            .any(|g| is_offload_call(&index, &kinds, &offload, (id, *g)))
    };
    let witnesses = index.may_block(&kinds, &offloaded);
    let current_thread = index.current_thread_only(&kinds);

    let mut findings = Vec::new();
    for (file_idx, file) in files.iter().enumerate() {
        for (fn_idx, function) in file.summary.functions.iter().enumerate() {
            let id = (file_idx, fn_idx);
            for (call_idx, call) in function.calls.iter().enumerate() {
                let kind = &kinds[&(id, call_idx)];
                if let CallKind::CurrentThreadOnly { blocking, callee } = kind {
                    let on_current_thread = function.flavor == Some(Flavor::CurrentThread)
                        || current_thread.contains(&id);
                    if on_current_thread && !offloaded(id, call) {
                        findings.push(index.direct_finding(
                            file,
                            function,
                            call,
                            BlockingCall {
                                blocking,
                                callee,
                                fix: None,
                            },
                            true,
                        ));
                    }
                    continue;
                }
                if call.awaited || call.async_context.is_none() || offloaded(id, call) {
                    continue;
                }
                match kind {
                    CallKind::Blocking {
                        blocking,
                        callee,
                        fix,
                    } => {
                        findings.push(index.direct_finding(
                            file,
                            function,
                            call,
                            BlockingCall {
                                blocking,
                                callee,
                                fix: *fix,
                            },
                            false,
                        ));
                    }
                    CallKind::Local(target) if !index.function(*target).is_async => {
                        if let Some(witness) = witnesses.get(target) {
                            findings.push(
                                index.transitive_finding(file, call, *target, witness, &witnesses),
                            );
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    findings
}

fn is_offload_call(
    index: &Index<'_>,
    kinds: &HashMap<(FnId, usize), CallKind<'_>>,
    offload: &HashSet<FnId>,
    at: (FnId, usize),
) -> bool {
    let ((file, function), call) = at;
    let site = &index.files[file].summary.functions[function].calls[call];
    match kinds.get(&at) {
        Some(CallKind::Local(target)) => offload.contains(target),
        Some(CallKind::CurrentThreadOnly { .. }) => true,
        _ => index.is_builtin_offload(site),
    }
}

impl<'a> Index<'a> {
    fn build(files: &'a [AnalysedFile], rules: &'a RuleSet) -> Index<'a> {
        let mut index = Index {
            files,
            rules,
            functions: HashMap::new(),
            fields: HashMap::new(),
            types: HashSet::new(),
            aliases: HashMap::new(),
            globs: HashMap::new(),
            canonical_memo: Default::default(),
            modules: HashSet::new(),
        };
        for (file_idx, file) in files.iter().enumerate() {
            for (fn_idx, function) in file.summary.functions.iter().enumerate() {
                index
                    .functions
                    .entry(function.path.as_str())
                    .or_insert((file_idx, fn_idx));
            }
            for (owner, field, ty) in &file.summary.fields {
                index.fields.insert((owner.as_str(), field.as_str()), ty);
            }
            index
                .types
                .extend(file.summary.types.iter().map(String::as_str));
            for u in &file.summary.uses {
                if u.glob {
                    index
                        .globs
                        .entry(u.module.as_str())
                        .or_default()
                        .push(u.target.as_str());
                } else {
                    index
                        .aliases
                        .insert(format!("{}::{}", u.module, u.name), u.target.as_str());
                }
            }
        }
        let mut modules = HashSet::new();
        for path in index
            .functions
            .keys()
            .copied()
            .chain(index.types.iter().copied())
        {
            let mut prefix = path;
            while let Some((parent, _)) = prefix.rsplit_once("::") {
                if !modules.insert(parent.to_string()) {
                    break;
                }
                prefix = parent;
            }
        }
        index.modules = modules;
        index
    }

    fn function(&self, (file, function): FnId) -> &'a FnSummary {
        &self.files[file].summary.functions[function]
    }

    /// Follows `use` re-exports until the path names something known: a
    /// function or type of the run, or a callee of the rule data.
    fn canonical(&self, path: &str, _depth: usize) -> Option<String> {
        let resolved = self.resolve_segments(path, 0);
        self.is_known_target(&resolved).then_some(resolved)
    }

    fn is_rule_target(&self, path: &str) -> bool {
        self.rules.function(path).is_some()
            || self.rules.is_offload_path(path)
            || self.rules.knows_path(path)
    }

    fn is_known_target(&self, path: &str) -> bool {
        self.functions.contains_key(path)
            || self.types.contains(path)
            || self.rules.function(path).is_some()
            || self.rules.is_offload_path(path)
            || self.rules.knows_path(path)
    }

    /// Resolves a path one segment at a time, left to right: each prefix is
    /// replaced by what a `use` alias or a glob import makes it name. Linear
    /// in the path's length, memoised per prefix, so glob re-exports
    /// (`use super::*` in every module) cannot make it explode.
    fn resolve_segments(&self, path: &str, depth: usize) -> String {
        let mut segments = path.split("::");
        let mut current = segments.next().unwrap_or_default().to_string();
        for segment in segments {
            current = self.resolve_name(&current, segment, depth);
        }
        current
    }

    /// What `module::name` names, after aliases and globs.
    fn resolve_name(&self, module: &str, name: &str, depth: usize) -> String {
        let candidate = format!("{module}::{name}");
        if let Some(known) = self.canonical_memo.borrow().get(&candidate) {
            return known.clone();
        }
        if depth > 16 {
            return candidate;
        }
        // In progress: a cycle of aliases or globs ends here.
        self.canonical_memo
            .borrow_mut()
            .insert(candidate.clone(), candidate.clone());
        // A path the rule data names stays as it is, even where a crate of
        // the run re-exports it from elsewhere (when the run includes
        // tokio or futures themselves): the rule is the more precise
        // diagnosis, and the lazy plan does not parse past it.
        let resolved = if self.is_rule_target(&candidate) {
            candidate.clone()
        } else if let Some(target) = self.aliases.get(&candidate) {
            self.resolve_segments(target, depth + 1)
        } else if self.is_known_target(&candidate) || self.modules.contains(candidate.as_str()) {
            candidate.clone()
        } else {
            let mut found = candidate.clone();
            for glob in self.globs.get(module).into_iter().flatten() {
                let through = self.resolve_name(glob, name, depth + 1);
                if self.is_known_target(&through) || self.modules.contains(through.as_str()) {
                    found = through;
                    break;
                }
            }
            found
        };
        self.canonical_memo
            .borrow_mut()
            .insert(candidate, resolved.clone());
        resolved
    }

    fn canonical_or_same(&self, path: &str) -> String {
        self.canonical(path, 0).unwrap_or_else(|| path.to_string())
    }

    /// Evaluates a type from evidence, looking through wrappers
    /// (`Arc<File>` is a `File` for matching).
    fn eval(&self, ty: &TyExpr, depth: usize) -> Option<Ty> {
        if depth > 16 {
            return None;
        }
        let ty = match ty {
            TyExpr::Known(t) => self.normalize(t.clone()),
            TyExpr::Tuple(items) => Ty::Tuple(
                items
                    .iter()
                    .map(|t| self.eval(t, depth + 1).unwrap_or_else(|| Ty::path("_")))
                    .collect(),
            ),
            TyExpr::CallResult {
                candidates,
                first_arg,
            } => {
                return candidates
                    .iter()
                    .find_map(|c| self.call_result(c, first_arg.as_deref(), depth));
            }
            TyExpr::MethodResult { receiver, name } => {
                let receiver = self.eval(receiver, depth + 1)?;
                let path = receiver.path_str()?.to_string();
                if let Some(info) = self.rules.method(&path, name) {
                    return match info.returns.as_ref()? {
                        Returns::Ty(t) => {
                            let element = receiver
                                .first_arg()
                                .cloned()
                                .unwrap_or_else(|| Ty::path("_"));
                            Some(self.normalize(t.substitute(ELEMENT_PLACEHOLDER, &element)))
                        }
                        Returns::Element => {
                            receiver.first_arg().cloned().map(|t| self.normalize(t))
                        }
                        Returns::FirstArgument => None,
                    };
                }
                let id = self.functions.get(format!("{path}::{name}").as_str())?;
                let function = self.function(*id);
                return self.eval_in(&function.returns, depth + 1, Some(&path));
            }
            TyExpr::Field { base, field } => {
                let base = self.eval(base, depth + 1)?;
                let owner = base.path_str()?;
                let field_ty = self.fields.get(&(owner, field.as_str()))?;
                return self.eval(field_ty, depth + 1);
            }
            TyExpr::TupleElement { base, index } => match self.eval(base, depth + 1)? {
                Ty::Tuple(items) => items.get(*index).cloned()?,
                _ => return None,
            },
            TyExpr::Unknown => return None,
        };
        match &ty {
            Ty::Path { path, .. } if path == "_" => None,
            _ => Some(ty),
        }
    }

    /// Like `eval`, for a method's declared return type where `Self` may
    /// stand for the receiver.
    fn eval_in(&self, ty: &TyExpr, depth: usize, _self_ty: Option<&str>) -> Option<Ty> {
        self.eval(ty, depth)
    }

    fn call_result(&self, candidate: &str, first_arg: Option<&TyExpr>, depth: usize) -> Option<Ty> {
        let path = self.canonical_or_same(candidate);
        if let Some(info) = self.rules.function(&path) {
            return match info.returns.as_ref()? {
                Returns::Ty(t) => {
                    let argument = first_arg
                        .and_then(|a| self.eval(a, depth + 1))
                        .unwrap_or_else(|| Ty::path("_"));
                    Some(self.normalize(t.substitute(ARGUMENT_PLACEHOLDER, &argument)))
                }
                Returns::FirstArgument => self.eval(first_arg?, depth + 1),
                Returns::Element => None,
            };
        }
        if let Some(id) = self.functions.get(path.as_str()) {
            return self.eval(&self.function(*id).returns, depth + 1);
        }
        if self.types.contains(path.as_str()) {
            return Some(Ty::path(path));
        }
        None
    }

    /// Canonical type path, wrappers (`Arc`, `Box`, `BufReader`) removed.
    fn normalize(&self, ty: Ty) -> Ty {
        let mut ty = ty;
        for _ in 0..8 {
            match ty {
                Ty::Path { path, args } => {
                    let path = self.canonical_or_same(&path);
                    if self.rules.is_wrapper(&path) && !args.is_empty() {
                        ty = args.into_iter().next().expect("checked non-empty");
                        continue;
                    }
                    return Ty::Path { path, args };
                }
                tuple => return tuple,
            }
        }
        ty
    }

    /// Whether a value of this (evaluated) type does blocking I/O; unknown
    /// types do not count, so conditional rules stay quiet without evidence.
    fn is_blocking_io(&self, ty: Option<&Ty>) -> bool {
        let ty = ty.map(|t| self.normalize(t.clone()));
        ty.as_ref()
            .and_then(Ty::path_str)
            .is_some_and(|path| self.rules.is_blocking_io(path))
    }

    fn is_builtin_offload(&self, call: &CallSite) -> bool {
        match &call.callee {
            Callee::Path(candidates) => candidates
                .iter()
                .any(|c| self.rules.is_offload_path(&self.canonical_or_same(c))),
            Callee::Method { receiver, name } => {
                if !call.has_closure_arg && call.forwarded_params.is_empty() {
                    return false;
                }
                if self.rules.is_offload_method(name) {
                    return true;
                }
                let typed = self.eval(receiver, 0);
                typed
                    .as_ref()
                    .and_then(Ty::path_str)
                    .is_some_and(|ty| self.rules.is_offload_path(&format!("{ty}::{name}")))
            }
            Callee::Iterate(_) => false,
        }
    }

    fn classify(&self, call: &CallSite) -> CallKind<'a> {
        match &call.callee {
            Callee::Path(candidates) => {
                for candidate in candidates {
                    let path = self.canonical_or_same(candidate);
                    if let Some(info) = self.rules.function(&path)
                        && let Some(blocking) = info.blocking.as_ref()
                    {
                        let argument = self.eval(&call.first_argument, 0);
                        if info.needs_blocking_io && !self.is_blocking_io(argument.as_ref()) {
                            return CallKind::Other;
                        }
                        if info.current_thread_only {
                            return CallKind::CurrentThreadOnly {
                                blocking,
                                callee: path,
                            };
                        }
                        return CallKind::Blocking {
                            blocking,
                            callee: path,
                            fix: info.fix.as_ref(),
                        };
                    }
                    if let Some(id) = self.functions.get(path.as_str()) {
                        return CallKind::Local(*id);
                    }
                }
                CallKind::Other
            }
            Callee::Method { receiver, name } => {
                if let Some(ty) = self.eval(receiver, 0)
                    && let Some(path) = ty.path_str()
                {
                    if let Some(info) = self.rules.method(path, name)
                        && let Some(blocking) = info.blocking.as_ref()
                    {
                        if info.needs_blocking_io && !self.is_blocking_io(ty.first_arg()) {
                            return CallKind::Other;
                        }
                        return CallKind::Blocking {
                            blocking,
                            callee: format!("{path}::{name}"),
                            fix: info.fix.as_ref(),
                        };
                    }
                    if let Some(id) = self.functions.get(format!("{path}::{name}").as_str()) {
                        return CallKind::Local(*id);
                    }
                }
                if let Some(blocking) = self.rules.unique_method(name) {
                    return CallKind::Blocking {
                        blocking,
                        callee: name.clone(),
                        fix: None,
                    };
                }
                CallKind::Other
            }
            Callee::Iterate(ty) => {
                if let Some(ty) = self.eval(ty, 0)
                    && let Some(path) = ty.path_str()
                    && let Some(blocking) = self.rules.iterate(path)
                {
                    return CallKind::Blocking {
                        blocking,
                        callee: format!("{path}::into_iter"),
                        fix: None,
                    };
                }
                CallKind::Other
            }
        }
    }

    fn classify_all(&self) -> HashMap<(FnId, usize), CallKind<'a>> {
        let mut kinds = HashMap::new();
        for (file_idx, file) in self.files.iter().enumerate() {
            for (fn_idx, function) in file.summary.functions.iter().enumerate() {
                for (call_idx, call) in function.calls.iter().enumerate() {
                    kinds.insert(((file_idx, fn_idx), call_idx), self.classify(call));
                }
            }
        }
        kinds
    }

    /// The crate's own offload functions: those that pass one of their
    /// parameters on to an offload call (a built-in one, or another wrapper).
    fn offload_wrappers(&self, kinds: &HashMap<(FnId, usize), CallKind<'a>>) -> HashSet<FnId> {
        let mut wrappers = HashSet::new();
        loop {
            let mut changed = false;
            for (&(id, call_idx), kind) in kinds {
                if wrappers.contains(&id) {
                    continue;
                }
                let call = &self.function(id).calls[call_idx];
                if call.forwarded_params.is_empty() {
                    continue;
                }
                let offloads = match kind {
                    CallKind::Local(target) => wrappers.contains(target),
                    CallKind::CurrentThreadOnly { .. } => true,
                    _ => self.is_builtin_offload(call),
                };
                if offloads {
                    wrappers.insert(id);
                    changed = true;
                }
            }
            if !changed {
                return wrappers;
            }
        }
    }

    /// Which sync functions may block, each with its shortest chain. A
    /// Bellman-Ford style relaxation: simple, and it terminates on cycles
    /// because a chain only ever gets shorter.
    fn may_block(
        &self,
        kinds: &HashMap<(FnId, usize), CallKind<'a>>,
        offloaded: &dyn Fn(FnId, &CallSite) -> bool,
    ) -> HashMap<FnId, BlockWitness> {
        let mut best: HashMap<FnId, BlockWitness> = HashMap::new();
        let mut edges: Vec<(FnId, usize, FnId)> = Vec::new();
        let mut ordered: Vec<(&(FnId, usize), &CallKind<'a>)> = kinds.iter().collect();
        ordered.sort_by_key(|(k, _)| **k);
        for (&(id, call_idx), kind) in ordered {
            let function = self.function(id);
            if function.is_async {
                continue;
            }
            let call = &function.calls[call_idx];
            if call.awaited || call.async_context.is_some() || offloaded(id, call) {
                continue;
            }
            match kind {
                CallKind::Blocking {
                    blocking, callee, ..
                } => {
                    let better = best.get(&id).is_none_or(|w| w.length > 1);
                    if better {
                        let witness = BlockWitness {
                            length: 1,
                            call: call_idx,
                            next: None,
                            rule: blocking.rule.clone(),
                            callee: callee.clone(),
                        };
                        best.insert(id, witness);
                    }
                }
                CallKind::Local(target) if !self.function(*target).is_async && *target != id => {
                    edges.push((id, call_idx, *target));
                }
                _ => {}
            }
        }
        loop {
            let mut changed = false;
            for &(from, call_idx, to) in &edges {
                let Some(target) = best.get(&to) else {
                    continue;
                };
                let length = target.length + 1;
                if best.get(&from).is_none_or(|w| w.length > length) {
                    let witness = BlockWitness {
                        length,
                        call: call_idx,
                        next: Some(to),
                        rule: target.rule.clone(),
                        callee: target.callee.clone(),
                    };
                    best.insert(from, witness);
                    changed = true;
                }
            }
            if !changed {
                return best;
            }
        }
    }

    /// Functions that only ever run on a current-thread runtime: entry
    /// points with that flavour, and functions all of whose callers are such
    /// (a greatest fixed point, so cycles among them stay in).
    fn current_thread_only(&self, kinds: &HashMap<(FnId, usize), CallKind<'a>>) -> HashSet<FnId> {
        let mut callers: HashMap<FnId, HashSet<FnId>> = HashMap::new();
        for (&(id, _), kind) in kinds {
            if let CallKind::Local(target) = kind
                && *target != id
            {
                callers.entry(*target).or_default().insert(id);
            }
        }
        let mut set: HashSet<FnId> = HashSet::new();
        for (file_idx, file) in self.files.iter().enumerate() {
            for (fn_idx, function) in file.summary.functions.iter().enumerate() {
                let id = (file_idx, fn_idx);
                let entry = function.flavor == Some(Flavor::CurrentThread);
                if entry || (function.flavor.is_none() && callers.contains_key(&id)) {
                    set.insert(id);
                }
            }
        }
        loop {
            let before = set.len();
            let snapshot = set.clone();
            set.retain(|id| {
                self.function(*id).flavor == Some(Flavor::CurrentThread)
                    || callers
                        .get(id)
                        .is_some_and(|c| c.iter().all(|caller| snapshot.contains(caller)))
            });
            if set.len() == before {
                return set;
            }
        }
    }

    fn context_label(
        &self,
        file: &AnalysedFile,
        call: &CallSite,
        function: &FnSummary,
    ) -> ContextLabel {
        match call
            .async_context
            .and_then(|i| file.summary.contexts.get(i))
        {
            Some(ctx) => ContextLabel {
                description: ctx.description.clone(),
                span: ctx.span,
            },
            None => ContextLabel {
                description: format!("fn {}", function.name),
                span: function.span,
            },
        }
    }

    fn direct_finding(
        &self,
        file: &AnalysedFile,
        function: &FnSummary,
        call: &CallSite,
        target: BlockingCall<'_>,
        current_thread: bool,
    ) -> Finding {
        let BlockingCall {
            blocking,
            callee,
            fix: fix_table,
        } = target;
        let context = self.context_label(file, call, function);
        let message = if current_thread {
            format!(
                "`{callee}` panics on a current-thread runtime, and {} runs on one",
                context.description
            )
        } else {
            format!("blocking call to `{callee}` in {}", context.description)
        };
        let mut help = blocking
            .instead
            .for_runtime(file.runtime, callee)
            .map(|alt| help_text(&alt));
        let fix = if current_thread {
            None
        } else {
            self.fix(file, function, call, &blocking.rule, callee, fix_table)
        };
        let mut fix_applicability_downgrade = false;
        if let Some(missing) = fix.as_ref().and_then(|f| missing_feature(file, f)) {
            fix_applicability_downgrade = true;
            let note = format!(
                "tokio's `{missing}` feature, which the fix needs, is not enabled in Cargo.toml"
            );
            help = Some(match help {
                Some(h) => format!("{h}; {note}"),
                None => note,
            });
        }
        let fix = fix.map(|planned| {
            let mut fix = planned.fix;
            if fix_applicability_downgrade {
                fix.applicability = Applicability::MaybeIncorrect;
            }
            fix
        });
        Finding {
            rule: blocking.rule.clone(),
            severity: self
                .rules
                .rule(&blocking.rule)
                .map_or(crate::model::Severity::Warning, |r| r.severity),
            path: file.display.clone(),
            span: call.span,
            message,
            callee: Some(callee.to_string()),
            context: Some(context),
            help,
            via: Vec::new(),
            fix,
        }
    }

    /// The rewrite for a direct finding: the rule data's fix for the crate's
    /// runtime, or, failing that, running the call on the blocking pool.
    /// Nothing where `.await` cannot be added (a plain closure, a macro
    /// argument).
    fn fix(
        &self,
        file: &AnalysedFile,
        function: &FnSummary,
        call: &CallSite,
        rule: &str,
        callee: &str,
        table: Option<&FixTable>,
    ) -> Option<PlannedFix> {
        if !call.can_await {
            return None;
        }
        let name = callee.rsplit("::").next().unwrap_or(callee);
        let end = Span {
            line: call.call_span.end_line,
            column: call.call_span.end_column,
            end_line: call.call_span.end_line,
            end_column: call.call_span.end_column,
        };
        let append_await = Edit {
            span: end,
            pieces: vec![Piece::Text(".await".into())],
        };
        let Some(spec) = table.and_then(|t| t.for_runtime(file.runtime)) else {
            return self.offload_fix(file, call, rule);
        };
        let edits = if let Some(path) = &spec.path {
            if !matches!(call.callee, Callee::Path(_)) {
                return None;
            }
            let path = self.shorten(file, function, &path.replace("{name}", name));
            vec![
                Edit {
                    span: call.span,
                    pieces: vec![Piece::Text(path)],
                },
                append_await,
            ]
        } else if let Some(root) = &spec.root {
            let chain = call.chain_root.as_ref()?;
            let owner = callee.rsplit_once("::").map(|(ty, _)| ty)?;
            let starts_at_new = chain
                .candidates
                .iter()
                .any(|c| self.canonical_or_same(c) == format!("{owner}::new"));
            if !starts_at_new {
                return None;
            }
            let root = self.shorten(file, function, root);
            vec![
                Edit {
                    span: chain.span,
                    pieces: vec![Piece::Text(root)],
                },
                append_await,
            ]
        } else {
            let template = spec.template.as_deref()?;
            let pieces = template_pieces(template, call, name)?;
            vec![Edit {
                span: call.call_span,
                pieces,
            }]
        };
        let message = spec
            .message
            .clone()
            .unwrap_or_else(|| "use the async API".into());
        Some(PlannedFix {
            fix: Fix {
                message,
                applicability: spec.applicability(),
                edits,
                preview: call.call_span,
            },
            feature: spec.feature.clone(),
        })
    }

    /// The general fallback: hand the call to the runtime's blocking pool.
    /// Maybe incorrect: the closure must own what it uses.
    fn offload_fix(&self, file: &AnalysedFile, call: &CallSite, rule: &str) -> Option<PlannedFix> {
        let offloadable = matches!(
            rule,
            "blocking-fs"
                | "blocking-net"
                | "blocking-process"
                | "blocking-http"
                | "blocking-db"
                | "blocking-stdio"
                | "blocking-sleep"
                | "blocking-cpu"
        );
        if !offloadable {
            return None;
        }
        let (before, after) = match file.runtime {
            Runtime::Tokio => ("tokio::task::spawn_blocking(move || ", ").await?"),
            Runtime::AsyncStd => ("async_std::task::spawn_blocking(move || ", ").await"),
            Runtime::Smol => ("smol::unblock(move || ", ").await"),
            Runtime::Unknown => return None,
        };
        let pieces = vec![
            Piece::Text(before.into()),
            Piece::Source(call.call_span),
            Piece::Text(after.into()),
        ];
        Some(PlannedFix {
            fix: Fix {
                message: "run it on the blocking thread pool (the closure must own what it uses)"
                    .into(),
                applicability: Applicability::MaybeIncorrect,
                edits: vec![Edit {
                    span: call.call_span,
                    pieces,
                }],
                preview: call.call_span,
            },
            feature: None,
        })
    }

    /// Writes `path` through an import of the file that already names a
    /// prefix of it (`use tokio::fs;` makes `tokio::fs::read` `fs::read`).
    fn shorten(&self, file: &AnalysedFile, function: &FnSummary, path: &str) -> String {
        let mut best = path.to_string();
        for u in &file.summary.uses {
            if u.glob || !function.path.starts_with(&format!("{}::", u.module)) {
                continue;
            }
            let rest = if path == u.target {
                Some("")
            } else {
                path.strip_prefix(&format!("{}::", u.target))
                    .map(|_| &path[u.target.len()..])
            };
            if let Some(rest) = rest {
                let candidate = format!("{}{rest}", u.name);
                if candidate.len() < best.len() {
                    best = candidate;
                }
            }
        }
        best
    }

    fn transitive_finding(
        &self,
        file: &AnalysedFile,
        call: &CallSite,
        target: FnId,
        witness: &BlockWitness,
        witnesses: &HashMap<FnId, BlockWitness>,
    ) -> Finding {
        let function = self.function(target);
        let name = display_name(&function.path);
        let mut via = Vec::new();
        let mut step = Some(target);
        let mut guard = 0;
        while let Some(id) = step {
            let Some(w) = witnesses.get(&id) else { break };
            let f = self.function(id);
            let site = &f.calls[w.call];
            let calls = match w.next {
                Some(next) => display_name(&self.function(next).path),
                None => w.callee.clone(),
            };
            via.push(ChainStep {
                function: display_name(&f.path),
                calls,
                path: self.files[id.0].display.clone(),
                line: site.span.line,
                column: site.span.column,
            });
            step = w.next;
            guard += 1;
            if guard > 64 {
                break;
            }
        }
        let caller = self.context_label(file, call, function);
        let spawn = match file.runtime {
            Runtime::Tokio => "tokio::task::spawn_blocking",
            Runtime::AsyncStd => "async_std::task::spawn_blocking",
            Runtime::Smol => "smol::unblock",
            Runtime::Unknown => "a spawn_blocking-style offload",
        };
        let end = self.rules.rule(&witness.rule);
        Finding {
            rule: witness.rule.clone(),
            severity: end.map_or(crate::model::Severity::Warning, |r| r.severity),
            path: file.display.clone(),
            span: call.span,
            message: format!(
                "`{name}` may block: it reaches `{}` ({} call{} deep), and it is called in {}",
                witness.callee,
                via.len(),
                if via.len() == 1 { "" } else { "s" },
                caller.description
            ),
            callee: Some(witness.callee.clone()),
            context: Some(caller),
            help: Some(format!(
                "run `{name}` with `{spawn}`, or make it async and replace the blocking call"
            )),
            via,
            fix: None,
        }
    }
}

/// What a direct finding is about: the rule data's entry for the callee.
struct BlockingCall<'a> {
    blocking: &'a Blocking,
    callee: &'a str,
    fix: Option<&'a FixTable>,
}

/// A fix before the crate's features are checked.
struct PlannedFix {
    fix: Fix,
    feature: Option<String>,
}

/// The tokio feature a fix needs and the crate lacks; the fix is then only
/// maybe-incorrect (it would not compile until the feature is added).
fn missing_feature(file: &AnalysedFile, planned: &PlannedFix) -> Option<String> {
    let feature = planned.feature.as_ref()?;
    let has = |f: &str| file.tokio_features.iter().any(|x| x == f);
    (file.runtime == Runtime::Tokio && !has("full") && !has(feature)).then(|| feature.clone())
}

/// `{call}`, `{receiver}` and `{name}` in a fix template, as pieces.
fn template_pieces(template: &str, call: &CallSite, name: &str) -> Option<Vec<Piece>> {
    let mut pieces = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}')? + open;
        if open > 0 {
            pieces.push(Piece::Text(rest[..open].to_string()));
        }
        pieces.push(match &rest[open + 1..close] {
            "call" => Piece::Source(call.call_span),
            "receiver" => Piece::Source(call.receiver_span?),
            "name" => Piece::Text(name.to_string()),
            _ => return None,
        });
        rest = &rest[close + 1..];
    }
    if !rest.is_empty() {
        pieces.push(Piece::Text(rest.to_string()));
    }
    Some(pieces)
}

/// `app::config::load_config` -> `load_config`; methods keep their type:
/// `app::store::Store::load` -> `Store::load`.
fn display_name(path: &str) -> String {
    let mut parts = path.rsplit("::");
    let name = parts.next().unwrap_or(path);
    match parts.next() {
        Some(owner) if owner.chars().next().is_some_and(char::is_uppercase) => {
            format!("{owner}::{name}")
        }
        _ => name.to_string(),
    }
}

/// Help text from the rule data: a bare alternative becomes "use `X`
/// instead"; a sentence is kept as written.
fn help_text(alternative: &str) -> String {
    if alternative.contains(' ') {
        alternative.to_string()
    } else {
        format!("use `{alternative}` instead")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_for_display() {
        assert_eq!(display_name("app::config::load_config"), "load_config");
        assert_eq!(display_name("app::store::Store::load"), "Store::load");
        assert_eq!(
            help_text("tokio::fs::read(..).await"),
            "use `tokio::fs::read(..).await` instead"
        );
    }
}
