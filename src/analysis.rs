//! The crate-wide analysis: reads the per-file summaries of every crate in
//! the run (never syntax trees), builds one index of functions, types and
//! re-exports, types receivers from evidence, computes which of the crate's
//! own sync functions may block (a fixed point over the call graph, so
//! cycles and long chains work) and which are offload wrappers, and emits
//! findings.
//!
//! Classifying calls and writing findings are per-file work and run on the
//! caller's rayon pool; the fixed points are cheap array walks. Path
//! resolution (`canonical`) gives every query the answer it would get in a
//! fresh run, whatever was asked before and on whichever thread, so the
//! findings never depend on the order of work.

use crate::model::{Applicability, ChainStep, ContextLabel, Edit, Finding, Fix, Piece, Span};
use crate::rules::{
    ARGUMENT_PLACEHOLDER, Blocking, ELEMENT_PLACEHOLDER, FixTable, Returns, RuleSet, Runtime,
};
use crate::summary::{CallSite, Callee, FileSummary, Flavor, FnSummary, TyExpr};
use crate::types::Ty;
use rayon::prelude::*;
use std::hash::{BuildHasher, Hash};
use std::path::PathBuf;
use std::sync::Mutex;

use crate::hashing::{HashMap, HashSet};

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

/// One classified call: what it is, and (for calls some other call may
/// route through an offload, or that forward a parameter) whether it is an
/// offload call by itself, not counting the crate's own wrappers.
struct CallInfo<'r> {
    kind: CallKind<'r>,
    base_offload: bool,
}

/// Every call of the run, classified: `[file][function][call]`.
struct Kinds<'r> {
    calls: Vec<Vec<Vec<CallInfo<'r>>>>,
    /// Global number of each file's first function.
    fn_base: Vec<usize>,
    fn_count: usize,
}

impl<'r> Kinds<'r> {
    fn get(&self, ((file, function), call): (FnId, usize)) -> &CallInfo<'r> {
        &self.calls[file][function][call]
    }

    fn global(&self, (file, function): FnId) -> usize {
        self.fn_base[file] + function
    }

    /// Every function with its calls, in (file, function) order.
    fn functions(&self) -> impl Iterator<Item = (FnId, &[CallInfo<'r>])> {
        self.calls.iter().enumerate().flat_map(|(file, fns)| {
            fns.iter()
                .enumerate()
                .map(move |(function, calls)| ((file, function), calls.as_slice()))
        })
    }
}

/// Why a sync function may block: the first step of its shortest chain.
#[derive(Debug, Clone)]
struct BlockWitness<'k> {
    /// Calls to reach the blocking call (1 = it calls it directly).
    length: usize,
    call: usize,
    /// Next function in the chain, or `None` when `call` is the blocking one.
    next: Option<FnId>,
    rule: &'k str,
    callee: &'k str,
}

/// Per-function results of the fixed points, indexed by global function
/// number.
struct Facts<'k> {
    offload: Vec<bool>,
    witnesses: Vec<Option<BlockWitness<'k>>>,
    current_thread: Vec<bool>,
}

/// A map shared by the worker threads, split to keep them from waiting on
/// each other.
struct Shared<V> {
    shards: Vec<Mutex<HashMap<Box<str>, V>>>,
}

impl<V: Clone> Shared<V> {
    fn new() -> Shared<V> {
        Shared {
            shards: (0..16).map(|_| Mutex::new(HashMap::default())).collect(),
        }
    }

    fn shard(&self, key: &str) -> &Mutex<HashMap<Box<str>, V>> {
        let mut hasher = foldhash::fast::FixedState::default().build_hasher();
        key.hash(&mut hasher);
        let h = std::hash::Hasher::finish(&hasher);
        &self.shards[(h >> 60) as usize]
    }

    fn get(&self, key: &str) -> Option<V> {
        self.shard(key)
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    fn insert(&self, key: &str, value: V) {
        self.shard(key)
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key.into(), value);
    }
}

/// The state of one `canonical` query: `module::name` -> what it resolves
/// to, or itself while in progress (a cycle of aliases or globs ends
/// there).
#[derive(Default)]
struct Query {
    local: HashMap<String, String>,
}

struct Index<'a> {
    files: &'a [AnalysedFile],
    rules: &'a RuleSet,
    functions: HashMap<&'a str, FnId>,
    fields: HashMap<(&'a str, &'a str), &'a TyExpr>,
    types: HashSet<&'a str>,
    aliases: HashMap<String, &'a str>,
    globs: HashMap<&'a str, Vec<&'a str>>,
    /// Whole paths -> what `canonical` answers.
    canonical_memo: Shared<Option<String>>,
    /// Every module path of the run (prefixes of function and type paths).
    modules: HashSet<String>,
}

/// Runs the analysis over every file of the run, on the caller's rayon
/// pool.
pub fn analyse(files: &[AnalysedFile], rules: &RuleSet) -> Vec<Finding> {
    let index = Index::build(files, rules);
    let kinds = index.classify_all();
    // Current-thread reach does not depend on the other two facts.
    let ((offload, witnesses), current_thread) = rayon::join(
        || {
            let offload = index.offload_wrappers(&kinds);
            let witnesses = index.may_block(&kinds, &offload);
            (offload, witnesses)
        },
        || index.current_thread_only(&kinds),
    );
    let facts = Facts {
        offload,
        witnesses,
        current_thread,
    };
    let per_file: Vec<Vec<Finding>> = files
        .par_iter()
        .enumerate()
        .map(|(file_idx, file)| index.file_findings(&kinds, &facts, file_idx, file))
        .collect();
    per_file.into_iter().flatten().collect()
}

/// `a::b` of `a::b::c`; `None` for a path of one segment.
fn parent_path(path: &str) -> Option<&str> {
    let bytes = path.as_bytes();
    let mut end = bytes.len();
    while let Some(at) = memchr::memrchr(b':', &bytes[..end]) {
        if at > 0 && bytes[at - 1] == b':' {
            return Some(&path[..at - 1]);
        }
        end = at;
    }
    None
}

/// Whether the call at `at` runs its closure argument elsewhere.
fn is_offload_call(kinds: &Kinds<'_>, offload: &[bool], at: (FnId, usize)) -> bool {
    let info = kinds.get(at);
    match &info.kind {
        CallKind::Local(target) => offload[kinds.global(*target)],
        _ => info.base_offload,
    }
}

/// Whether a call sits in the closure argument of an offload call.
fn offloaded(kinds: &Kinds<'_>, offload: &[bool], id: FnId, call: &CallSite) -> bool {
    call.guards
        .iter()
        .any(|g| is_offload_call(kinds, offload, (id, *g)))
}

impl<'a> Index<'a> {
    fn file_findings(
        &self,
        kinds: &Kinds<'a>,
        facts: &Facts<'_>,
        file_idx: usize,
        file: &AnalysedFile,
    ) -> Vec<Finding> {
        let mut findings = Vec::new();
        for (fn_idx, function) in file.summary.functions.iter().enumerate() {
            let id = (file_idx, fn_idx);
            for (call_idx, call) in function.calls.iter().enumerate() {
                let kind = &kinds.get((id, call_idx)).kind;
                if let CallKind::CurrentThreadOnly { blocking, callee } = kind {
                    let on_current_thread = function.flavor == Some(Flavor::CurrentThread)
                        || facts.current_thread[kinds.global(id)];
                    if on_current_thread && !offloaded(kinds, &facts.offload, id, call) {
                        findings.push(self.direct_finding(
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
                if call.awaited
                    || call.async_context.is_none()
                    || offloaded(kinds, &facts.offload, id, call)
                {
                    continue;
                }
                match kind {
                    CallKind::Blocking {
                        blocking,
                        callee,
                        fix,
                    } => {
                        findings.push(self.direct_finding(
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
                    CallKind::Local(target) if !self.function(*target).is_async => {
                        if let Some(witness) = &facts.witnesses[kinds.global(*target)] {
                            findings.push(self.transitive_finding(
                                file,
                                call,
                                *target,
                                witness,
                                kinds,
                                &facts.witnesses,
                            ));
                        }
                    }
                    _ => {}
                }
            }
        }
        findings
    }

    /// The maps are independent of each other, so they are built side by
    /// side (each in file order, so the first definition of a path wins
    /// as before).
    fn build(files: &'a [AnalysedFile], rules: &'a RuleSet) -> Index<'a> {
        let functions = || {
            let mut functions: HashMap<&'a str, FnId> = HashMap::default();
            for (file_idx, file) in files.iter().enumerate() {
                for (fn_idx, function) in file.summary.functions.iter().enumerate() {
                    functions
                        .entry(function.path.as_str())
                        .or_insert((file_idx, fn_idx));
                }
            }
            functions
        };
        let fields_and_types = || {
            let mut fields: HashMap<(&'a str, &'a str), &'a TyExpr> = HashMap::default();
            let mut types: HashSet<&'a str> = HashSet::default();
            for file in files {
                for (owner, field, ty) in &file.summary.fields {
                    fields.insert((owner.as_str(), field.as_str()), ty);
                }
                types.extend(file.summary.types.iter().map(String::as_str));
            }
            (fields, types)
        };
        let imports = || {
            let mut aliases: HashMap<String, &'a str> = HashMap::default();
            let mut globs: HashMap<&'a str, Vec<&'a str>> = HashMap::default();
            for file in files {
                for u in &file.summary.uses {
                    if u.glob {
                        globs
                            .entry(u.module.as_str())
                            .or_default()
                            .push(u.target.as_str());
                    } else {
                        aliases.insert(format!("{}::{}", u.module, u.name), u.target.as_str());
                    }
                }
            }
            (aliases, globs)
        };
        // Every module above a function or type of the run (`a::b` for
        // `a::b::f`); walked from the summaries, beside the maps.
        let modules = || {
            let mut modules: HashSet<String> = HashSet::default();
            for file in files {
                let functions = file.summary.functions.iter().map(|f| f.path.as_str());
                for path in functions.chain(file.summary.types.iter().map(String::as_str)) {
                    let mut prefix = path;
                    while let Some(parent) = parent_path(prefix) {
                        // Most parents are known already: no string made
                        // for them.
                        if modules.contains(parent) {
                            break;
                        }
                        modules.insert(parent.to_string());
                        prefix = parent;
                    }
                }
            }
            modules
        };
        let ((functions, (fields, types)), ((aliases, globs), modules)) = rayon::join(
            || rayon::join(functions, fields_and_types),
            || rayon::join(imports, modules),
        );
        Index {
            files,
            rules,
            functions,
            fields,
            types,
            aliases,
            globs,
            canonical_memo: Shared::new(),
            modules,
        }
    }

    fn function(&self, (file, function): FnId) -> &'a FnSummary {
        &self.files[file].summary.functions[function]
    }

    /// Follows `use` re-exports until the path names something known: a
    /// function or type of the run, or a callee of the rule data. Each path
    /// is resolved from scratch (its own in-progress markers, nothing kept
    /// from other queries but their whole answers), so the answer is the
    /// same whichever paths were asked before and on whichever thread.
    fn canonical(&self, path: &str) -> Option<String> {
        if let Some(known) = self.canonical_memo.get(path) {
            return known;
        }
        let resolved = self.resolve_segments(path, 0, &mut Query::default());
        let answer = self.is_known_target(&resolved).then_some(resolved);
        self.canonical_memo.insert(path, answer.clone());
        answer
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
    /// in the path's length, memoised per prefix within the query, so glob
    /// re-exports (`use super::*` in every module) cannot make it explode.
    fn resolve_segments(&self, path: &str, depth: usize, query: &mut Query) -> String {
        let mut segments = path.split("::");
        let mut current = segments.next().unwrap_or_default().to_string();
        for segment in segments {
            current = self.resolve_name(&current, segment, depth, query);
        }
        current
    }

    /// What `module::name` names, after aliases and globs.
    fn resolve_name(&self, module: &str, name: &str, depth: usize, query: &mut Query) -> String {
        let mut candidate = String::with_capacity(module.len() + 2 + name.len());
        candidate.push_str(module);
        candidate.push_str("::");
        candidate.push_str(name);
        if let Some(known) = query.local.get(&candidate) {
            return known.clone();
        }
        if depth > 16 {
            return candidate;
        }
        // A path the rule data names stays as it is, even where a crate of
        // the run re-exports it from elsewhere (when the run includes
        // tokio or futures themselves): the rule is the more precise
        // diagnosis, and the lazy plan does not parse past it.
        if self.is_rule_target(&candidate) {
            return candidate;
        }
        let alias = self.aliases.get(&candidate);
        if alias.is_none()
            && (self.is_known_target(&candidate) || self.modules.contains(candidate.as_str()))
        {
            // Names itself, with nothing to follow: no need to remember it.
            return candidate;
        }
        // In progress: a cycle of aliases or globs ends here.
        query.local.insert(candidate.clone(), candidate.clone());
        let resolved = if let Some(target) = alias {
            self.resolve_segments(target, depth + 1, query)
        } else {
            let mut found = candidate.clone();
            for glob in self.globs.get(module).into_iter().flatten() {
                let through = self.resolve_name(glob, name, depth + 1, query);
                if self.is_known_target(&through) || self.modules.contains(through.as_str()) {
                    found = through;
                    break;
                }
            }
            found
        };
        query.local.insert(candidate, resolved.clone());
        resolved
    }

    fn canonical_or_same(&self, path: &str) -> String {
        self.canonical(path).unwrap_or_else(|| path.to_string())
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
                    // A type the rule data describes keeps the methods the
                    // rule data gives it: a crate's trait impl for it
                    // elsewhere in the run (criterion's `AsyncExecutor for
                    // tokio::runtime::Runtime`) does not shadow the inherent
                    // method of the same name, which Rust calls first.
                    let shadowed =
                        self.is_rule_target(path) && self.rules.unique_method(name).is_some();
                    if !shadowed
                        && let Some(id) = self.functions.get(format!("{path}::{name}").as_str())
                    {
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

    /// Classifies every call of the run, one file per task. A call also
    /// learns whether it is an offload call by itself when that can matter:
    /// some call of its function sits in its closure, or it forwards a
    /// parameter.
    fn classify_all(&self) -> Kinds<'a> {
        let calls: Vec<Vec<Vec<CallInfo<'a>>>> = self
            .files
            .par_iter()
            .map(|file| {
                file.summary
                    .functions
                    .iter()
                    .map(|function| self.classify_function(function))
                    .collect()
            })
            .collect();
        let mut fn_base = Vec::with_capacity(calls.len());
        let mut fn_count = 0;
        for fns in &calls {
            fn_base.push(fn_count);
            fn_count += fns.len();
        }
        Kinds {
            calls,
            fn_base,
            fn_count,
        }
    }

    fn classify_function(&self, function: &FnSummary) -> Vec<CallInfo<'a>> {
        let mut guard = vec![false; function.calls.len()];
        for call in &function.calls {
            for g in &call.guards {
                if let Some(slot) = guard.get_mut(*g) {
                    *slot = true;
                }
            }
        }
        function
            .calls
            .iter()
            .zip(guard)
            .map(|(call, guard)| {
                let kind = self.classify(call);
                let base_offload = match &kind {
                    CallKind::Local(_) => false,
                    CallKind::CurrentThreadOnly { .. } => true,
                    _ => {
                        (guard || !call.forwarded_params.is_empty())
                            && self.is_builtin_offload(call)
                    }
                };
                CallInfo { kind, base_offload }
            })
            .collect()
    }

    /// The crate's own offload functions: those that pass one of their
    /// parameters on to an offload call (a built-in one, or another wrapper).
    /// The least fixed point, by a worklist over callers.
    fn offload_wrappers(&self, kinds: &Kinds<'a>) -> Vec<bool> {
        let mut wrappers = vec![false; kinds.fn_count];
        // Functions forwarding a parameter to each function.
        let mut forwarders: Vec<Vec<usize>> = vec![Vec::new(); kinds.fn_count];
        let mut queue = Vec::new();
        for (id, calls) in kinds.functions() {
            let me = kinds.global(id);
            let function = self.function(id);
            for (call, info) in function.calls.iter().zip(calls) {
                if call.forwarded_params.is_empty() {
                    continue;
                }
                match &info.kind {
                    CallKind::Local(target) => forwarders[kinds.global(*target)].push(me),
                    _ if info.base_offload && !wrappers[me] => {
                        wrappers[me] = true;
                        queue.push(me);
                    }
                    _ => {}
                }
            }
        }
        while let Some(wrapper) = queue.pop() {
            for &caller in &forwarders[wrapper] {
                if !wrappers[caller] {
                    wrappers[caller] = true;
                    queue.push(caller);
                }
            }
        }
        wrappers
    }

    /// Which sync functions may block, each with its shortest chain. A
    /// Bellman-Ford style relaxation over the calls in (file, function,
    /// call) order: simple, it terminates on cycles because a chain only
    /// ever gets shorter, and the order fixes which of equally short chains
    /// is kept.
    fn may_block<'k>(
        &self,
        kinds: &'k Kinds<'a>,
        offload: &[bool],
    ) -> Vec<Option<BlockWitness<'k>>> {
        let mut best: Vec<Option<BlockWitness<'k>>> = vec![None; kinds.fn_count];
        let mut edges: Vec<(usize, usize, FnId)> = Vec::new();
        for (id, calls) in kinds.functions() {
            let function = self.function(id);
            if function.is_async {
                continue;
            }
            let me = kinds.global(id);
            for (call_idx, (call, info)) in function.calls.iter().zip(calls).enumerate() {
                if call.awaited
                    || call.async_context.is_some()
                    || offloaded(kinds, offload, id, call)
                {
                    continue;
                }
                match &info.kind {
                    CallKind::Blocking {
                        blocking, callee, ..
                    } if best[me].is_none() => {
                        best[me] = Some(BlockWitness {
                            length: 1,
                            call: call_idx,
                            next: None,
                            rule: &blocking.rule,
                            callee,
                        });
                    }
                    CallKind::Local(target)
                        if !self.function(*target).is_async && *target != id =>
                    {
                        edges.push((me, call_idx, *target));
                    }
                    _ => {}
                }
            }
        }
        loop {
            let mut changed = false;
            for &(from, call_idx, to) in &edges {
                let Some(target) = &best[kinds.global(to)] else {
                    continue;
                };
                let length = target.length + 1;
                if best[from].as_ref().is_none_or(|w| w.length > length) {
                    let witness = BlockWitness {
                        length,
                        call: call_idx,
                        next: Some(to),
                        rule: target.rule,
                        callee: target.callee,
                    };
                    best[from] = Some(witness);
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
    /// (a greatest fixed point, so cycles among them stay in), by a
    /// worklist that removes what has a caller outside.
    fn current_thread_only(&self, kinds: &Kinds<'a>) -> Vec<bool> {
        let n = kinds.fn_count;
        let mut callers: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut callees: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (id, calls) in kinds.functions() {
            let me = kinds.global(id);
            for info in calls {
                if let CallKind::Local(target) = &info.kind
                    && *target != id
                {
                    let target = kinds.global(*target);
                    callers[target].push(me);
                    callees[me].push(target);
                }
            }
        }
        let mut flavor = vec![None; n];
        for (id, _) in kinds.functions() {
            flavor[kinds.global(id)] = self.function(id).flavor;
        }
        let entry = |f: usize| flavor[f] == Some(Flavor::CurrentThread);
        let mut set: Vec<bool> = (0..n)
            .map(|f| entry(f) || (flavor[f].is_none() && !callers[f].is_empty()))
            .collect();
        let mut queue: Vec<usize> = (0..n).filter(|f| set[*f]).collect();
        while let Some(f) = queue.pop() {
            if !set[f] || entry(f) || callers[f].iter().all(|c| set[*c]) {
                continue;
            }
            set[f] = false;
            queue.extend(callees[f].iter().copied().filter(|c| set[*c]));
        }
        set
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
        witness: &BlockWitness<'_>,
        kinds: &Kinds<'_>,
        witnesses: &[Option<BlockWitness<'_>>],
    ) -> Finding {
        let function = self.function(target);
        let name = display_name(&function.path);
        let mut via = Vec::new();
        let mut step = Some(target);
        let mut guard = 0;
        while let Some(id) = step {
            let Some(w) = &witnesses[kinds.global(id)] else {
                break;
            };
            let f = self.function(id);
            let site = &f.calls[w.call];
            let calls = match w.next {
                Some(next) => display_name(&self.function(next).path),
                None => w.callee.to_string(),
            };
            via.push(ChainStep {
                function: display_name(&f.path),
                calls,
                path: self.files[id.0].display.clone(),
                line: site.span.line as usize,
                column: site.span.column as usize,
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
        let end = self.rules.rule(witness.rule);
        Finding {
            rule: witness.rule.to_string(),
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
            callee: Some(witness.callee.to_string()),
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
