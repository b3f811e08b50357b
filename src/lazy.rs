//! Which files a run must parse: those that can change a finding.
//!
//! A finding needs an async context (the `async` keyword) or a
//! current-thread-only call (`block_in_place`), so files with either are
//! parsed first. Their summaries then say what else the analysis will look
//! at: the crate-local functions their async code calls (and everything
//! those call, for the may-block and offload fixed points), the types and
//! fields their receiver evidence names, and the `use` re-exports and glob
//! imports a path may be routed through. Each of those is found, by the
//! light scan of `prefilter`, in the files that can define it; those files
//! are parsed next, and so on until nothing new is needed. Every other file
//! only contributes its `mod` declarations to the module tree.
//!
//! The planner never decides anything about blocking, and it errs on the
//! side of parsing: a name it cannot place makes every file that could
//! define it needed. So the analysis over the parsed files gives the same
//! findings as over all of them (checked on the benchmark corpus).
//!
//! Paths here are crate paths (`app::store::Store::load`): summaries are
//! rebased with the module tree built from the light scan.

use crate::prefilter::TextIndex;
use crate::rules::RuleSet;
use crate::summary::{Callee, FileSummary, TyExpr, rebase_path};
use crate::types::Ty;
use std::path::PathBuf;
use std::sync::Arc;

use crate::hashing::{HashMap, HashSet};

/// What a unit's parse left out that can be parsed alone later.
#[derive(Debug, Clone, Copy, Default)]
pub struct Alone {
    /// Blanked function bodies (`collect::LeftOut::bodies`).
    pub bodies: bool,
    /// Items blanked whole (`collect::LeftOut::items`).
    pub items: bool,
}

/// One crate of the run, as the planner needs it.
#[derive(Debug, Clone)]
pub struct PlanCrate {
    /// The crate's name as code writes it.
    pub name: String,
    /// Names of the crates it depends on, as their code is named
    /// (renamed dependencies under their real name too).
    pub deps: Vec<String>,
}

/// One file of the run.
#[derive(Debug, Clone)]
pub struct PlanFile {
    /// Index into the planner's crates.
    pub krate: usize,
    /// Module path and `crate::` path of the file (from the light module
    /// tree).
    pub module: String,
    pub crate_root: String,
    /// `None` when the file cannot be read: nothing to parse.
    pub index: Option<Arc<TextIndex>>,
    /// Where to read its text again when a current-thread search needs
    /// it (texts are not kept for files that may never be parsed).
    pub path: PathBuf,
    /// The text names a current-thread-only callee.
    pub mentions_ct: bool,
    /// Parse it whatever the plan says (named on the command line, carries
    /// a suppression comment, or the run parses everything).
    pub force: bool,
}

type FnRef = (u32, u32);

/// Decides which files to parse (and which to parse again), as the
/// summaries of those already parsed come in.
pub struct Planner<'r> {
    rules: &'r RuleSet,
    crates: Vec<PlanCrate>,
    files: Vec<PlanFile>,
    /// Crates by name (several versions of one crate may share it).
    by_name: HashMap<String, Vec<usize>>,
    /// Crates whose dependencies include a name.
    dependents: HashMap<String, Vec<usize>>,
    /// Files defining each module path (inline modules included).
    modules: HashMap<String, Vec<u32>>,
    /// Per crate: function name -> files whose scan saw `fn name`, built on
    /// first use.
    fn_files: Vec<Option<HashMap<String, Vec<u32>>>>,
    def_files: Vec<Option<HashMap<String, Vec<u32>>>>,
    /// Parse state per file: marked for parsing, and absorbed.
    marked: Vec<bool>,
    /// Handed out for parsing (its keep set and body elision are fixed),
    /// and parsed and taken in.
    dispatched: Vec<bool>,
    absorbed: Vec<bool>,
    pending: Vec<usize>,

    /// `(crate, name)`: items (functions, types, modules, re-exports) of
    /// that name in that crate are needed.
    item_needs: HashSet<Key>,
    /// Item needs whose definitions were searched crate-wide.
    item_searched: HashSet<Key>,
    /// `(crate, type name, method name)`.
    method_needs: HashSet<Key>,
    /// `(crate, method name)` of `method_needs` and `name_needs`: the
    /// methods whose bodies a first parse keeps.
    method_names: HashSet<Key>,
    /// Module paths whose glob-importing files were needed.
    glob_modules: HashSet<Key>,
    /// Paths needed so far, with the crate naming them: needing one again
    /// changes nothing (what it marks and asks for only grows).
    paths_done: HashSet<Key>,
    /// Parsed `use` aliases by crate and bound name: their targets.
    aliases: HashMap<Key, Vec<String>>,
    /// `(struct name, field)` -> methods called on that field (or member
    /// chains through its fields, `inner.try_acquire`), and the crates
    /// calling them.
    field_methods: HashMap<(String, String), Vec<(String, u32)>>,
    fields_by_name: HashMap<Key, Vec<FnRef>>,
    /// Parsed fields by struct name, in any crate.
    fields_any: HashMap<String, Vec<FnRef>>,
    /// Field methods to match against fields already parsed.
    pending_field_methods: Vec<(Vec<FnRef>, String, String, u32)>,
    fns_by_name: HashMap<Key, Vec<FnRef>>,
    /// `(crate, type name)` -> methods needed of that type by path: an
    /// alias of the name (`pub use driver::Pool`) leads to them too.
    alias_methods: HashMap<Key, Vec<String>>,
    /// `(crate, function name)` -> methods called on what such a function
    /// returns (`facade::connect(..).query()`): once its signature is
    /// parsed they are methods of its return type, which may be a third
    /// crate's.
    return_methods: HashMap<Key, Vec<String>>,
    /// 1: async-context calls processed; 2: every call.
    processed: HashMap<FnRef, u8>,
    fn_queue: Vec<(FnRef, u8)>,
    /// Paths named by processed code, with the crate naming them.
    path_queue: Vec<(String, u32)>,
    field_queue: Vec<FnRef>,
    fields_done: HashSet<FnRef>,
    /// `(crate, method name)`: methods of a type the planner cannot name.
    name_needs: HashSet<Key>,
    /// Names of current-thread-only callees and of the crate functions
    /// that reach them; whoever calls them must be parsed.
    ct_base: HashSet<String>,
    ct_names: HashSet<Key>,
    ct_queue: Vec<(u32, String, bool)>,
    /// Names per crate in `ct_names`, to bound the search.
    ct_counts: HashMap<u32, usize>,
    /// Texts read again for that search, by file.
    ct_texts: HashMap<usize, Option<String>>,
    /// For crates that search: the parsed functions calling a path, by the
    /// path's last name (kept up to date by `register`).
    ct_calls: HashMap<u32, HashMap<String, Vec<FnRef>>>,

    /// Units of parsing: the run's files first, then files parsed again
    /// in full because a function whose body was blanked is needed. Each
    /// unit's file; the last unit of a file gives its summary.
    origin: Vec<usize>,
    /// Parsed with every function body (seeds, forced files, second
    /// parses); other files are parsed for their items first.
    full: Vec<bool>,
    /// Per file: its unit of full parsing, once asked for.
    full_unit: Vec<Option<usize>>,
    /// Per second-parse unit: the functions (by path and name position)
    /// that were needed, and how far, to process once it is parsed.
    carry: HashMap<usize, HashMap<(String, u32, u32), u8>>,
    /// Each absorbed unit's summary (`None`: not parsed, or it failed).
    summaries: Vec<Option<Arc<FileSummary>>>,
    /// `(crate, name)` -> files parsed with a function or type of that
    /// name left out (`FileSummary::hidden`).
    hidden_by: HashMap<Key, Vec<u32>>,
    /// Per unit: its parse kept where its blanked bodies are, so one can
    /// be parsed alone (`collect_body`); a summary from the cache did not.
    can_body: Vec<bool>,
    /// Units that parse blanked function bodies alone, each with the
    /// bodies it parses: the unit that blanked each, and where the
    /// function's name is. Their summaries add to the file's.
    bodies: HashMap<usize, Vec<(usize, u32, u32)>>,
    /// Per file: its body unit not handed out yet, which takes more.
    open_body: Vec<Option<usize>>,
    /// `(file, line, column)` of a function's name: the unit parsing its
    /// body alone.
    body_of: HashMap<(u32, u32, u32), usize>,
    /// Files with a body that did not parse alone: they are parsed again
    /// whole instead (which reports the error, if the file has one).
    no_bodies: Vec<bool>,
    /// Per unit: its parse kept where the items it blanked whole are.
    can_items: Vec<bool>,
    /// Units that parse items blanked whole alone, each with the items it
    /// parses: the unit that blanked them, and their name.
    items: HashMap<usize, Vec<(usize, String)>>,
    /// Per file: its item unit not handed out yet, which takes more.
    open_items: Vec<Option<usize>>,
    /// `(file, name)` of items asked for alone.
    items_of: HashSet<Key>,
    /// Files with an item that did not parse alone: parsed again instead.
    no_items: Vec<bool>,
    /// Per file: its latest unit, and how many times it was parsed again
    /// for names.
    latest: Vec<usize>,
    name_parses: Vec<u8>,
}

/// How many times a file is parsed again for names before it is parsed
/// whole.
const NAME_PARSES: u8 = 4;

/// How many function names per crate the current-thread search follows.
const CT_NAMES_PER_CRATE: usize = 32;

impl<'r> Planner<'r> {
    pub fn new(rules: &'r RuleSet, crates: Vec<PlanCrate>, files: Vec<PlanFile>) -> Planner<'r> {
        let mut by_name: HashMap<String, Vec<usize>> = HashMap::default();
        let mut dependents: HashMap<String, Vec<usize>> = HashMap::default();
        for (i, c) in crates.iter().enumerate() {
            by_name.entry(c.name.clone()).or_default().push(i);
            for dep in &c.deps {
                dependents.entry(dep.clone()).or_default().push(i);
            }
        }
        let mut modules: HashMap<String, Vec<u32>> = HashMap::default();
        for (i, f) in files.iter().enumerate() {
            modules.entry(f.module.clone()).or_default().push(i as u32);
            if let Some(index) = &f.index {
                for inline in index.inline_modules() {
                    let path = format!("{}::{}", f.module, inline.join("::"));
                    modules.entry(path).or_default().push(i as u32);
                }
            }
        }
        let ct_base: HashSet<String> = current_thread_names(rules).into_iter().collect();
        let n = files.len();
        let mut planner = Planner {
            rules,
            fn_files: vec![None; crates.len()],
            def_files: vec![None; crates.len()],
            crates,
            files,
            by_name,
            dependents,
            modules,
            marked: vec![false; n],
            dispatched: vec![false; n],
            absorbed: vec![false; n],
            pending: Vec::new(),
            item_needs: HashSet::default(),
            item_searched: HashSet::default(),
            method_needs: HashSet::default(),
            method_names: HashSet::default(),
            glob_modules: HashSet::default(),
            paths_done: HashSet::default(),
            aliases: HashMap::default(),
            field_methods: HashMap::default(),
            fields_by_name: HashMap::default(),
            fields_any: HashMap::default(),
            pending_field_methods: Vec::new(),
            fns_by_name: HashMap::default(),
            alias_methods: HashMap::default(),
            return_methods: HashMap::default(),
            processed: HashMap::default(),
            fn_queue: Vec::new(),
            path_queue: Vec::new(),
            field_queue: Vec::new(),
            fields_done: HashSet::default(),
            name_needs: HashSet::default(),
            ct_base,
            ct_names: HashSet::default(),
            ct_queue: Vec::new(),
            ct_counts: HashMap::default(),
            ct_texts: HashMap::default(),
            ct_calls: HashMap::default(),
            origin: (0..n).collect(),
            full: vec![false; n],
            full_unit: vec![None; n],
            carry: HashMap::default(),
            hidden_by: HashMap::default(),
            summaries: vec![None; n],
            latest: (0..n).collect(),
            name_parses: vec![0; n],
            can_body: vec![false; n],
            bodies: HashMap::default(),
            open_body: vec![None; n],
            body_of: HashMap::default(),
            no_bodies: vec![false; n],
            can_items: vec![false; n],
            items: HashMap::default(),
            open_items: vec![None; n],
            items_of: HashSet::default(),
            no_items: vec![false; n],
        };
        for i in 0..n {
            let f = &planner.files[i];
            let Some(index) = &f.index else { continue };
            let seed = is_seed(f.force, index, f.mentions_ct);
            if seed {
                planner.mark(i, true);
            }
        }
        planner
    }

    /// Sizes of the planner's tables, for tracing.
    pub fn sizes(&self) -> String {
        format!(
            "items {} methods {} aliases {} processed {} name-needs {} ct {}",
            self.item_needs.len(),
            self.method_needs.len(),
            self.aliases.len(),
            self.processed.len(),
            self.name_needs.len(),
            self.ct_names.len(),
        )
    }

    /// Units to parse next. Empty when nothing new is needed yet (the plan
    /// is complete once every unit is parsed and absorbed).
    pub fn next_batch(&mut self) -> Vec<usize> {
        std::mem::take(&mut self.pending)
    }

    /// The units are being parsed now: their keep sets and body elision
    /// are fixed.
    pub fn dispatch(&mut self, units: &[usize]) {
        for &u in units {
            self.dispatched[u] = true;
        }
    }

    /// Whether the plan asked for this file.
    pub fn is_marked(&self, file: usize) -> bool {
        self.marked[file]
    }

    /// Units of parsing so far: every file, then second parses.
    /// Lets go of the summaries the plan holds, so that the run's copy
    /// of each is its only one (the rest of the planner may then be freed
    /// on another thread).
    pub fn release_summaries(&mut self) {
        self.summaries = Vec::new();
    }

    pub fn units(&self) -> usize {
        self.files.len()
    }

    /// The file a unit parses.
    pub fn origin(&self, unit: usize) -> usize {
        self.origin[unit]
    }

    /// Whether a unit is parsed with long function bodies blanked.
    pub fn elides_bodies(&self, unit: usize) -> bool {
        !self.full[unit]
    }

    /// For a unit that parses function bodies alone: each body's unit of
    /// first parse and the `(line, column)` of its function's name.
    pub fn body_request(&self, unit: usize) -> Option<&[(usize, u32, u32)]> {
        self.bodies.get(&unit).map(Vec::as_slice)
    }

    /// For a unit that parses items blanked whole alone: each item's unit
    /// of parse and its name.
    pub fn item_request(&self, unit: usize) -> Option<&[(usize, String)]> {
        self.items.get(&unit).map(Vec::as_slice)
    }

    /// The module-level functions and types a unit parsed for its names
    /// keeps (sorted): those the plan needs so far (`elide` adds what they
    /// name). One needed later makes the file parsed again (`register`,
    /// `need_item`). A unit parsed with function bodies keeps every item
    /// (measured: its callees, asked for one by one, cost more parses than
    /// they save).
    pub fn keep(&self, unit: usize) -> Arc<[String]> {
        let file = &self.files[unit];
        let Some(index) = file.index.as_ref() else {
            return Arc::new([]);
        };
        let krate = file.krate as u32;
        let mut names: Vec<String> = index
            .fns
            .iter()
            .chain(index.types.iter())
            .filter(|name| self.item_needs.contains(&key(krate, name)))
            .map(str::to_string)
            .collect();
        names.sort_unstable();
        names.dedup();
        names.into()
    }

    /// For a first parse (or a parse for names): the functions whose long
    /// bodies it keeps (sorted), those whose names the plan needs so far,
    /// besides async code, which is always kept. The others are blanked,
    /// and each one needed later is parsed alone. `None` keeps every body:
    /// files parsed again whole, and those below.
    pub fn keep_bodies(&self, unit: usize) -> Option<Arc<[String]>> {
        let file = &self.files[unit];
        let index = file.index.as_ref()?;
        if self.full[unit] && unit >= self.full_unit.len() {
            return None;
        }
        // A file seeded only by its async code keeps that code (`elide`
        // never blanks it); one with a current-thread-only callee, a
        // suppression comment or a doubtful scan, or named by the user, is
        // parsed whole.
        if file.force || file.mentions_ct || index.anomaly {
            return None;
        }
        Some(self.needed_names(unit, &index.fns))
    }

    /// The module-level functions and types a parse for names keeps
    /// (sorted): those the plan needs so far (`elide` adds what they name).
    /// One needed later is parsed alone (`request_names`). A file without
    /// async code parsed first for a function it defines is parsed so too;
    /// `None` keeps every item: seeds, forced files and whole re-parses.
    pub fn keep_items(&self, unit: usize) -> Option<Arc<[String]>> {
        let file = &self.files[unit];
        let index = file.index.as_ref()?;
        let first_for_names = !self.full[unit]
            || (unit < self.full_unit.len() && !is_seed(file.force, index, file.mentions_ct));
        if !first_for_names {
            return None;
        }
        Some(self.keep(unit))
    }

    /// The names of `names` the plan needs in the unit's crate (sorted).
    fn needed_names(&self, unit: usize, names: &crate::prefilter::Names) -> Arc<[String]> {
        let krate = self.files[unit].krate as u32;
        let mut needed: Vec<String> = names
            .iter()
            .filter(|name| {
                let key = key(krate, name);
                self.item_needs.contains(&key) || self.method_names.contains(&key)
            })
            .map(str::to_string)
            .collect();
        needed.sort_unstable();
        needed.dedup();
        needed.into()
    }

    /// Parses `file` again with everything in it, once.
    fn request_reparse(&mut self, file: usize) -> usize {
        if let Some(full) = self.full_unit[file] {
            return full;
        }
        let full = self.add_unit(file, true);
        self.full_unit[file] = Some(full);
        full
    }

    /// Parses `file` again for the names a run needs of it now: a name
    /// parse left out has come to be needed. Generated bindings are
    /// needed name by name, one after another (a struct, then its fields'
    /// types, then their aliases), so a file may be parsed for names a few
    /// times, each cheap, before it is parsed whole.
    fn request_names(&mut self, file: usize, name: &str) {
        if self.full_unit[file].is_some() {
            return;
        }
        let latest = self.latest[file];
        if !self.absorbed[latest] {
            // Not handed out yet: its names are taken then. Being parsed:
            // `register` looks at what it left out.
            return;
        }
        if self.can_items[latest] && !self.no_items[file] {
            // The items of that name alone, in the scopes of their modules.
            if self.items_of.insert(key(file as u32, name)) {
                let unit = match self.open_items[file] {
                    Some(unit) if !self.dispatched[unit] => unit,
                    _ => {
                        let unit = self.new_unit(file, true);
                        self.open_items[file] = Some(unit);
                        unit
                    }
                };
                self.items
                    .entry(unit)
                    .or_default()
                    .push((latest, name.to_string()));
            }
            return;
        }
        if self.name_parses[file] >= NAME_PARSES {
            self.request_reparse(file);
            return;
        }
        self.name_parses[file] += 1;
        self.add_unit(file, false);
    }

    fn add_unit(&mut self, file: usize, full: bool) -> usize {
        let unit = self.new_unit(file, full);
        self.latest[file] = unit;
        unit
    }

    fn new_unit(&mut self, file: usize, full: bool) -> usize {
        let unit = self.files.len();
        self.files.push(self.files[file].clone());
        self.origin.push(file);
        self.full.push(full);
        self.marked.push(true);
        self.dispatched.push(false);
        self.absorbed.push(false);
        self.summaries.push(None);
        self.can_body.push(false);
        self.can_items.push(false);
        self.pending.push(unit);
        unit
    }

    /// A function of `unit` is needed (to `level`) but its body was not
    /// parsed: the body is parsed alone where the unit's parse kept its
    /// place (most often), or the file is parsed again in full; either
    /// way the function is processed once that is taken in.
    fn request_full(&mut self, unit: usize, function: &crate::summary::FnSummary, level: u8) {
        let file = self.origin[unit];
        let key = (
            function.path.clone(),
            function.span.line,
            function.span.column,
        );
        let at = (file as u32, function.span.line, function.span.column);
        if self.full_unit[file].is_none() && !self.no_bodies[file] && !function.is_async {
            if let Some(&body) = self.body_of.get(&at) {
                self.carry_to(body, key, level);
                return;
            }
            if self.can_body[unit] {
                let body = match self.open_body[file] {
                    Some(body) if !self.dispatched[body] => body,
                    _ => {
                        let body = self.new_unit(file, true);
                        self.open_body[file] = Some(body);
                        body
                    }
                };
                self.bodies
                    .entry(body)
                    .or_default()
                    .push((unit, at.1, at.2));
                self.body_of.insert(at, body);
                self.carry_to(body, key, level);
                return;
            }
        }
        let full = self.request_reparse(file);
        self.carry_to(full, key, level);
    }

    /// The function `key` is needed to `level` from `unit`'s summary:
    /// processed when the unit is taken in, or now if it was.
    fn carry_to(&mut self, unit: usize, key: (String, u32, u32), level: u8) {
        if !self.absorbed[unit] {
            let at = self.carry.entry(unit).or_default().entry(key).or_default();
            *at = (*at).max(level);
        } else if let Some(summary) = self.summaries[unit].clone() {
            for (j, f) in summary.functions.iter().enumerate() {
                if (&f.path, f.span.line, f.span.column) == (&key.0, key.1, key.2) {
                    self.fn_queue.push(((unit as u32, j as u32), level));
                }
            }
        } else {
            // A body that did not parse alone: the whole file then.
            let file = self.origin[unit];
            let full = self.request_reparse(file);
            self.carry_to(full, key, level);
        }
    }

    /// Takes in the summaries of units just parsed (`None` for one that
    /// failed), in any order, and works out what they need.
    ///
    /// `alone`: what the unit's parse left out that can be parsed alone.
    pub fn absorb(&mut self, parsed: Vec<(usize, Option<Arc<FileSummary>>, Alone)>) {
        for (unit, summary, alone) in parsed {
            self.absorbed[unit] = true;
            self.can_body[unit] = alone.bodies;
            self.can_items[unit] = alone.items;
            match summary {
                Some(summary) => {
                    self.register(unit, &summary);
                    self.summaries[unit] = Some(summary);
                }
                None if self.bodies.contains_key(&unit) => {
                    // A body that does not parse alone: the file is parsed
                    // whole, for its functions and for the error.
                    let file = self.origin[unit];
                    self.no_bodies[file] = true;
                    for (key, level) in self.carry.remove(&unit).unwrap_or_default() {
                        self.carry_to(unit, key, level);
                    }
                }
                None if self.items.contains_key(&unit) => {
                    // An item that does not parse alone: the file is
                    // parsed again (whole, for the error, if it has one).
                    let file = self.origin[unit];
                    self.no_items[file] = true;
                    self.request_reparse(file);
                }
                None => {}
            }
        }
        self.settle();
    }

    /// Plans a file; `full` when one of its functions is likely needed,
    /// so its bodies are parsed at once instead of in a second parse.
    fn mark(&mut self, file: usize, full: bool) {
        if !self.marked[file] && self.files[file].index.is_some() {
            self.marked[file] = true;
            self.full[file] = full;
            self.pending.push(file);
        } else if full && !self.dispatched[file] {
            self.full[file] = true;
        }
    }

    /// Plans a file to be parsed with every item and function body, now
    /// or again.
    fn mark_whole(&mut self, file: usize) {
        if !self.dispatched[file] {
            self.mark(file, true);
        } else {
            self.request_reparse(file);
        }
    }

    /// Indexes a newly parsed file and queues the work its functions start.
    fn register(&mut self, file: usize, summary: &FileSummary) {
        let (module, root, krate) = self.place(file);
        let origin = self.origin[file];
        for name in &summary.hidden {
            let key = key(krate, name);
            if self.item_needs.contains(&key) {
                self.request_names(origin, name);
            }
            let files = self.hidden_by.entry(key).or_default();
            if files.last() != Some(&(origin as u32)) {
                files.push(origin as u32);
            }
        }
        if let Some(levels) = self.carry.remove(&file) {
            for (j, f) in summary.functions.iter().enumerate() {
                if let Some(level) = levels.get(&(f.path.clone(), f.span.line, f.span.column)) {
                    self.fn_queue.push(((file as u32, j as u32), *level));
                }
            }
        }
        for u in &summary.uses {
            if u.glob {
                continue;
            }
            let target = rebase_path(&u.target, &module, &root);
            if let Some(base) = self.ct_base.get(last_segment(&target)).cloned()
                && base != u.name
            {
                self.ct_queue.push((krate, u.name.clone(), false));
            }
            let key = key(krate, &u.name);
            if self.item_needs.contains(&key) {
                self.path_queue.push((target.clone(), krate));
            }
            if let Some(methods) = self.alias_methods.get(&key)
                && self.leaves(krate, &target, &u.name)
            {
                for m in methods {
                    self.path_queue.push((format!("{target}::{m}"), krate));
                }
            }
            self.aliases.entry(key).or_default().push(target);
        }
        for (i, (owner, field, ty)) in summary.fields.iter().enumerate() {
            let owner = last_segment(owner).to_string();
            let id = (file as u32, i as u32);
            if self.item_needs.contains(&key(krate, &owner)) && self.fields_done.insert(id) {
                self.field_queue.push(id);
            }
            if let Some(methods) = self
                .field_methods
                .get(&(owner.clone(), field.clone()))
                .cloned()
            {
                for (m, origin) in methods {
                    self.field_type_methods(origin, ty, &[m], &module, &root);
                }
            }
            self.fields_any.entry(owner.clone()).or_default().push(id);
            self.fields_by_name
                .entry(key(krate, &owner))
                .or_default()
                .push(id);
        }
        if let Some(index) = self.ct_calls.get_mut(&krate) {
            add_path_callers(index, file, summary);
        }
        for (i, function) in summary.functions.iter().enumerate() {
            let id = (file as u32, i as u32);
            if function.calls.iter().any(|c| c.async_context.is_some()) {
                self.fn_queue.push((id, 1));
            }
            let direct = function.calls.iter().any(|c| self.calls_ct_base(c));
            // Most crates have no current-thread names: no lookups then.
            let reaches_ct = direct
                || (self.ct_counts.get(&krate).is_some_and(|n| *n > 0)
                    && function.calls.iter().any(|c| self.calls_ct(krate, c)));
            if reaches_ct {
                self.fn_queue.push((id, 2));
                self.ct_queue.push((krate, function.name.clone(), false));
            }
            let path = rebase_path(&function.path, &module, &root);
            let owner = path.rsplit_once("::").map_or("", |(o, _)| o);
            let needed = if self.modules.contains_key(owner) {
                self.item_needs.contains(&key(krate, &function.name))
            } else {
                self.method_needs
                    .contains(&key2(krate, last_segment(owner), &function.name))
            };
            if needed || self.name_needs.contains(&key(krate, &function.name)) {
                self.fn_queue.push((id, 2));
            }
            // One key for both tables: this runs for every parsed function.
            let key = key(krate, &function.name);
            if let Some(methods) = self.return_methods.get(&key).cloned() {
                self.return_type_methods(krate, &module, &root, &function.returns, &methods);
            }
            self.fns_by_name.entry(key).or_default().push(id);
        }
    }

    /// Methods called on what a function returns are methods of its
    /// return type, named in the function's module. Those of a type of the
    /// function's own crate are found by the name search in the crates the
    /// call names (`crate_method_names`), unless the crate's name for the
    /// type is an alias of another crate's (`use crate::Ledger`, with
    /// `pub use driver::Ledger` at the root).
    fn return_type_methods(
        &mut self,
        krate: u32,
        module: &str,
        root: &str,
        returns: &TyExpr,
        methods: &[String],
    ) {
        let TyExpr::Known(ty) = returns else {
            return;
        };
        let mut types = Vec::new();
        ty_paths(ty, module, root, &mut types);
        for t in types {
            if self.is_own(krate, &t) {
                for m in methods {
                    self.need_alias_method(krate, last_segment(&t), m);
                }
                continue;
            }
            for m in methods {
                self.path_queue.push((format!("{t}::{m}"), krate));
            }
            self.path_queue.push((t, krate));
        }
    }

    /// The method `name` called on what functions named `function` in
    /// `krate` return.
    fn need_return_method(&mut self, krate: u32, function: &str, name: &str) {
        let key = key(krate, function);
        if !add_method(&mut self.return_methods, key, name) {
            return;
        }
        for id in self.fns_by_name.get(&key).cloned().unwrap_or_default() {
            let Some(summary) = self.summaries[id.0 as usize].clone() else {
                continue;
            };
            let (module, root, _) = self.place(id.0 as usize);
            let returns = &summary.functions[id.1 as usize].returns;
            self.return_type_methods(krate, &module, &root, returns, &[name.to_string()]);
        }
    }

    /// The method `name` of a type reached by a path through `krate`'s
    /// name `ty`, which may be an alias of another crate's type.
    fn need_alias_method(&mut self, krate: u32, ty: &str, name: &str) {
        let key = key(krate, ty);
        if !add_method(&mut self.alias_methods, key, name) {
            return;
        }
        for target in self.aliases.get(&key).cloned().unwrap_or_default() {
            if self.leaves(krate, &target, ty) {
                self.path_queue.push((format!("{target}::{name}"), krate));
            }
        }
    }

    /// Whether an alias `ty` of `krate` names another crate's item or
    /// another name: methods of a type of the crate under its own name are
    /// found by `need_method` already.
    fn leaves(&self, krate: u32, target: &str, ty: &str) -> bool {
        last_segment(target) != ty || !self.is_own(krate, target)
    }

    /// Whether a crate path names an item of `krate`.
    fn is_own(&self, krate: u32, path: &str) -> bool {
        path.split("::").next() == Some(self.crates[krate as usize].name.as_str())
    }

    fn calls_ct_base(&self, call: &crate::summary::CallSite) -> bool {
        match &call.callee {
            Callee::Path(candidates) => candidates
                .iter()
                .any(|c| self.ct_base.contains(last_segment(c))),
            _ => false,
        }
    }

    fn calls_ct(&self, krate: u32, call: &crate::summary::CallSite) -> bool {
        match &call.callee {
            Callee::Path(candidates) => candidates.iter().any(|c| {
                let name = last_segment(c);
                self.ct_base.contains(name) || self.ct_names.contains(&key(krate, name))
            }),
            _ => false,
        }
    }

    /// Works the queues until nothing changes.
    fn settle(&mut self) {
        loop {
            if let Some((path, origin)) = self.path_queue.pop() {
                self.need_path(path, origin);
                continue;
            }
            if let Some((id, level)) = self.fn_queue.pop() {
                self.process_fn(id, level);
                continue;
            }
            if let Some(id) = self.field_queue.pop() {
                self.process_field(id);
                continue;
            }
            if !self.pending_field_methods.is_empty() {
                self.match_field_methods();
                continue;
            }
            if let Some((krate, name, cross)) = self.ct_queue.pop() {
                self.ct_need(krate, name, cross);
                continue;
            }
            break;
        }
    }

    fn rule_path(&self, path: &str) -> bool {
        self.rules.function(path).is_some()
            || self.rules.knows_path(path)
            || self.rules.is_offload_path(path)
    }

    /// A path the analysis may look up (a callee, a type), named by code of
    /// `origin`. The analysis stops at what the rule data names; otherwise
    /// it looks for the path among the functions and types of the run, and
    /// follows `use` aliases and glob imports along it. So every name along
    /// the path is needed in the crate it names, and so are the glob
    /// imports of the modules on the way.
    fn need_path(&mut self, path: String, origin: u32) {
        if path.is_empty() || path.starts_with('$') {
            return;
        }
        if !self.paths_done.insert(key(origin, &path)) {
            return;
        }
        let path = path.as_str();
        if self.rule_path(path) {
            return;
        }
        let segments: Vec<&str> = path.split("::").collect();
        let owner = path.rsplit_once("::").map(|(o, _)| o);
        let crates: Vec<usize> = self.by_name.get(segments[0]).cloned().unwrap_or_default();
        // A method of a type (the owner is no module): its impl may be in
        // the type's crate or in the crate asking (a trait implemented for
        // a foreign type).
        let method = owner.filter(|o| segments.len() >= 2 && !self.modules.contains_key(*o));
        if let Some(owner) = method {
            let ty = last_segment(owner).to_string();
            let name = segments[segments.len() - 1].to_string();
            self.need_method(origin, &ty, &name);
            for &k in &crates {
                self.need_method(k as u32, &ty, &name);
                self.need_alias_method(k as u32, &ty, &name);
            }
        }
        if crates.is_empty() {
            return;
        }
        // The modules along the path: files that define, import or
        // glob-import the next name.
        let mut defined_here: Vec<&str> = Vec::new();
        for cut in prefixes(path) {
            let prefix = &path[..cut];
            let next = path[cut + 2..].split("::").next().unwrap_or("");
            // `prefix::next`
            let glob_key = key(0, &path[..cut + 2 + next.len()]);
            if self.glob_modules.contains(&glob_key) {
                continue;
            }
            let Some(files) = self.modules.get(prefix) else {
                continue;
            };
            // Defined right there: the analysis finds it without following
            // imports, so glob-importing files and definitions elsewhere do
            // not matter for it.
            let direct = files.iter().any(|f| {
                self.files[*f as usize]
                    .index
                    .as_ref()
                    .is_some_and(|ix| ix.defines(next))
            });
            if direct {
                defined_here.push(next);
            }
            let hits: Vec<usize> = files
                .iter()
                .map(|f| *f as usize)
                .filter(|f| {
                    !self.marked[*f]
                        && self.files[*f].index.as_ref().is_some_and(|ix| {
                            ix.binds(next) || ix.defines(next) || (ix.glob_use && !direct)
                        })
                })
                .collect();
            self.glob_modules.insert(glob_key);
            for f in hits {
                let full = self.files[f]
                    .index
                    .as_ref()
                    .is_some_and(|ix| ix.defines_fn(next));
                self.mark(f, full);
            }
        }
        let items = if method.is_some() {
            &segments[1..segments.len() - 1]
        } else {
            &segments[1..]
        };
        // A binary's or test's items (`app::bin@server::..`) are only
        // reached from its own files; anything else is the library's.
        let namespace = match segments.get(1) {
            Some(s) if s.contains('@') => &path[..segments[0].len() + 2 + s.len()],
            _ => segments[0],
        };
        for &k in &crates {
            for name in items {
                if !name.contains('@') {
                    let search = (!defined_here.contains(name)).then_some(namespace);
                    self.need_item(k as u32, name, search);
                }
            }
        }
    }

    /// Items named `name` in crate `krate`: the files defining or
    /// importing the name, and what parsed aliases of it point to.
    /// With `search` (a namespace: the library or one binary), the item
    /// may be reached through imports from anywhere in it: every file of
    /// it defining the name is needed.
    fn need_item(&mut self, krate: u32, name: &str, search: Option<&str>) {
        if let Some(namespace) = search
            && self.item_searched.insert(key2(krate, namespace, name))
        {
            let hits: Vec<usize> = self
                .files_defining(krate as usize, name)
                .into_iter()
                .filter(|f| !self.marked[*f] && self.files[*f].crate_root == namespace)
                .collect();
            for f in hits {
                let full = self.files[f]
                    .index
                    .as_ref()
                    .is_some_and(|ix| ix.defines_fn(name));
                self.mark(f, full);
            }
        }
        if !self.item_needs.insert(key(krate, name)) {
            return;
        }
        let key = key(krate, name);
        if let Some(files) = self.hidden_by.get(&key) {
            for f in files.clone() {
                self.request_names(f as usize, name);
            }
        }
        if let Some(targets) = self.aliases.get(&key) {
            for t in targets.clone() {
                self.path_queue.push((t, krate));
            }
        }
        if let Some(fns) = self.fns_by_name.get(&key) {
            self.fn_queue.extend(fns.iter().map(|id| (*id, 2)));
        }
        if let Some(fields) = self.fields_by_name.get(&key).cloned() {
            for id in fields {
                if self.fields_done.insert(id) {
                    self.field_queue.push(id);
                }
            }
        }
    }

    /// The method `name` of a type named `ty`, in crate `krate`.
    fn need_method(&mut self, krate: u32, ty: &str, name: &str) {
        if !self.method_needs.insert(key2(krate, ty, name)) {
            return;
        }
        self.method_names.insert(key(krate, name));
        self.need_methods_named(krate, name, |ix| ix.has_impl_word(ty));
    }

    /// Methods named `name` in crate `krate`: the files whose scan saw
    /// `fn name` in an impl that `impl_fits` accepts are parsed with their
    /// bodies, and the functions of that name already parsed are processed.
    fn need_methods_named(
        &mut self,
        krate: u32,
        name: &str,
        impl_fits: impl Fn(&TextIndex) -> bool,
    ) {
        let hits: Vec<usize> = self
            .files_with_fn(krate as usize, name)
            .into_iter()
            .filter(|f| !self.marked[*f] && self.files[*f].index.as_deref().is_some_and(&impl_fits))
            .collect();
        for f in hits {
            self.mark(f, true);
        }
        if let Some(fns) = self.fns_by_name.get(&key(krate, name)) {
            self.fn_queue.extend(fns.iter().map(|id| (*id, 2)));
        }
    }

    /// Methods called on a field: once the field's type is known, they are
    /// methods of that type.
    fn field_type_methods(
        &mut self,
        krate: u32,
        ty: &TyExpr,
        methods: &[String],
        module: &str,
        root: &str,
    ) {
        match ty {
            TyExpr::Known(t) => {
                let mut paths = Vec::new();
                ty_paths(t, module, root, &mut paths);
                for p in paths {
                    for m in methods {
                        // `field.method`: a method of one of its fields.
                        match m.split_once('.') {
                            Some((field, rest)) => self.need_field_method(krate, &p, field, rest),
                            None => self.path_queue.push((format!("{p}::{m}"), krate)),
                        }
                    }
                    self.path_queue.push((p, krate));
                }
            }
            _ => {
                for m in methods {
                    self.need_method_name(krate, last_member(m));
                }
            }
        }
    }

    /// Files of `krate` whose scan saw `fn name` or a type named `name`.
    fn files_defining(&mut self, krate: usize, name: &str) -> Vec<usize> {
        files_naming(&mut self.def_files, &self.files, krate, name, true)
    }

    /// Files of `krate` whose scan saw `fn name`.
    fn files_with_fn(&mut self, krate: usize, name: &str) -> Vec<usize> {
        files_naming(&mut self.fn_files, &self.files, krate, name, false)
    }

    /// A method called on a value whose type the planner cannot tell: any
    /// impl in the calling crate with a method of that name may be it.
    fn need_method_name(&mut self, origin: u32, name: &str) {
        if !self.name_needs.insert(key(origin, name)) {
            return;
        }
        self.method_names.insert(key(origin, name));
        self.need_methods_named(origin, name, |ix| !ix.impl_words.is_empty());
    }

    /// A method called on a field of a struct (`self.conn.query()`), or on
    /// a field of that field (`method` is then `inner.query`).
    fn need_field_method(&mut self, krate: u32, owner: &str, field: &str, method: &str) {
        let owner_name = last_segment(owner).to_string();
        let key = (owner_name.clone(), field.to_string());
        let methods = self.field_methods.entry(key).or_default();
        if methods.iter().any(|(m, o)| m == method && *o == krate) {
            return;
        }
        methods.push((method.to_string(), krate));
        self.path_queue.push((owner.to_string(), krate));
        let known = self
            .fields_any
            .get(&owner_name)
            .cloned()
            .unwrap_or_default();
        if !known.is_empty() {
            self.pending_field_methods
                .push((known, field.to_string(), method.to_string(), krate));
        }
    }

    fn match_field_methods(&mut self) {
        for (ids, field, method, origin) in std::mem::take(&mut self.pending_field_methods) {
            for (file, i) in ids {
                let Some(summary) = self.summaries[file as usize].clone() else {
                    continue;
                };
                let (_, name, ty) = &summary.fields[i as usize];
                if *name != field {
                    continue;
                }
                let (module, root, _) = self.place(file as usize);
                self.field_type_methods(origin, ty, std::slice::from_ref(&method), &module, &root);
            }
        }
    }

    fn process_fn(&mut self, id: FnRef, level: u8) {
        let done = self.processed.get(&id).copied().unwrap_or(0);
        if done >= level {
            return;
        }
        self.processed.insert(id, level);
        let Some(summary) = self.summaries[id.0 as usize].clone() else {
            return;
        };
        let (module, root, krate) = self.place(id.0 as usize);
        let function = &summary.functions[id.1 as usize];
        if function.elided {
            self.request_full(id.0 as usize, function, level);
            return;
        }
        let mut wanted: Vec<bool> = function
            .calls
            .iter()
            .map(|c| level >= 2 || c.async_context.is_some())
            .collect();
        for (i, call) in function.calls.iter().enumerate() {
            if wanted[i] {
                for g in &call.guards {
                    if let Some(w) = wanted.get_mut(*g) {
                        *w = true;
                    }
                }
            }
        }
        let mut needs = Needs::default();
        for (call, _) in function.calls.iter().zip(&wanted).filter(|(_, w)| **w) {
            match &call.callee {
                Callee::Path(candidates) => {
                    for c in candidates {
                        needs.paths.push(rebase_path(c, &module, &root));
                    }
                }
                Callee::Method { receiver, name } => needs.method(receiver, name, &module, &root),
                Callee::Iterate(ty) => needs.ty(ty, &module, &root),
            }
            needs.ty(&call.first_argument, &module, &root);
            if let Some(chain) = &call.chain_root {
                for c in &chain.candidates {
                    needs.paths.push(rebase_path(c, &module, &root));
                }
            }
        }
        if level >= 2 {
            needs.ty(&function.returns, &module, &root);
        }
        self.take_needs(needs, krate);
    }

    fn take_needs(&mut self, needs: Needs, krate: u32) {
        for path in needs.paths {
            self.path_queue.push((path, krate));
        }
        for (owner, field, method) in needs.field_methods {
            self.need_field_method(krate, &owner, &field, &method);
        }
        for name in needs.method_names {
            self.need_method_name(krate, &name);
        }
        for (callee, name) in needs.return_methods {
            let function = last_segment(&callee);
            let first = callee.split("::").next().unwrap_or_default();
            for k in self.by_name.get(first).cloned().unwrap_or_default() {
                self.need_return_method(k as u32, function, &name);
            }
        }
        for (crate_name, name) in needs.crate_method_names {
            let named = self.by_name.get(&crate_name).cloned().unwrap_or_default();
            for k in named {
                if k as u32 != krate {
                    self.need_method_name(k as u32, &name);
                }
            }
        }
    }

    /// The parsed functions of `krate` calling a path, by its last name;
    /// built on the crate's first current-thread search.
    fn ct_callers(&mut self, krate: u32) -> &HashMap<String, Vec<FnRef>> {
        if !self.ct_calls.contains_key(&krate) {
            let mut index = HashMap::default();
            for (f, summary) in self.summaries.iter().enumerate() {
                if self.files[f].krate as u32 != krate || !self.absorbed[f] {
                    continue;
                }
                if let Some(summary) = summary {
                    add_path_callers(&mut index, f, summary);
                }
            }
            self.ct_calls.insert(krate, index);
        }
        &self.ct_calls[&krate]
    }

    /// A unit's module path, `crate::` path and crate.
    fn place(&self, unit: usize) -> (String, String, u32) {
        let file = &self.files[unit];
        (
            file.module.clone(),
            file.crate_root.clone(),
            file.krate as u32,
        )
    }

    fn process_field(&mut self, id: FnRef) {
        let Some(summary) = self.summaries[id.0 as usize].clone() else {
            return;
        };
        let (module, root, krate) = self.place(id.0 as usize);
        let mut needs = Needs::default();
        needs.ty(&summary.fields[id.1 as usize].2, &module, &root);
        self.take_needs(needs, krate);
    }

    /// Whoever calls `name` (a current-thread-only callee, or a function
    /// reaching one) decides whether it runs on a current-thread runtime:
    /// parse the files of its crate (and, for a function calling such a
    /// callee directly, of the crates depending on it) that name it.
    /// Bounded: a crate follows at most `CT_NAMES_PER_CRATE` names, through
    /// path calls only.
    fn ct_need(&mut self, krate: u32, name: String, cross: bool) {
        if self.ct_base.contains(&name) {
            // Files naming it are parsed from the start.
            return;
        }
        let mut scope = vec![krate as usize];
        if cross {
            let own_name = &self.crates[krate as usize].name;
            scope.extend(self.dependents.get(own_name).into_iter().flatten().copied());
            scope.sort_unstable();
            scope.dedup();
        }
        for k in scope {
            let count = self.ct_counts.entry(k as u32).or_default();
            if *count >= CT_NAMES_PER_CRATE || !self.ct_names.insert(key(k as u32, &name)) {
                continue;
            }
            *count += 1;
            // The run's files (not their later units) that could call it
            // and are not parsed whole yet: a parse for names leaves their
            // other functions out.
            for f in 0..self.full_unit.len() {
                if self.files[f].krate != k || self.full[f] || self.full_unit[f].is_some() {
                    continue;
                }
                // Rare (crates calling a current-thread-only callee
                // through their own functions): the text is read again,
                // once for all the names the crate follows.
                let file = &self.files[f];
                let text = self.ct_texts.entry(f).or_insert_with(|| {
                    file.index
                        .as_ref()
                        .and_then(|_| crate::parse::read_source(&file.path).ok())
                });
                if text.as_deref().is_some_and(|t| contains_word(t, &name)) {
                    self.mark_whole(f);
                }
            }
            // Parsed functions of that crate calling it reach it too (those
            // calling the names followed before were found then, and later
            // ones by `register`), in the order of the parsed units.
            let mut callers = self
                .ct_callers(k as u32)
                .get(name.as_str())
                .cloned()
                .unwrap_or_default();
            callers.sort_unstable();
            callers.dedup();
            let reached: Vec<(FnRef, String)> = callers
                .into_iter()
                .filter_map(|id| {
                    let summary = self.summaries[id.0 as usize].as_ref()?;
                    Some((id, summary.functions[id.1 as usize].name.clone()))
                })
                .collect();
            for (id, fn_name) in reached {
                self.fn_queue.push((id, 2));
                if !self.ct_names.contains(&key(k as u32, &fn_name)) {
                    self.ct_queue.push((k as u32, fn_name, false));
                }
            }
        }
    }
}

/// Adds the functions of a parsed unit to a crate's callers index.
fn add_path_callers(index: &mut HashMap<String, Vec<FnRef>>, unit: usize, summary: &FileSummary) {
    for (i, function) in summary.functions.iter().enumerate() {
        for call in &function.calls {
            if let Callee::Path(candidates) = &call.callee {
                for c in candidates {
                    index
                        .entry(last_segment(c).to_string())
                        .or_default()
                        .push((unit as u32, i as u32));
                }
            }
        }
    }
}

/// A name or path of crate (or file) `owner`, as the planner's tables
/// key it: a 128-bit hash. The planner looks up millions of names and
/// paths on a large tree, most of them seen before; with the strings
/// themselves as keys, allocating them for each lookup and comparing them
/// (each behind a pointer) was a fifth of its time. Two of a run's names
/// share a key with a probability near 2^-100.
type Key = u128;

fn key(owner: u32, name: &str) -> Key {
    xxhash_rust::xxh3::xxh3_128_with_seed(name.as_bytes(), u64::from(owner))
}

/// The key of `second` under `first` (a method of a type).
fn key2(owner: u32, first: &str, second: &str) -> Key {
    let seed = xxhash_rust::xxh3::xxh3_64_with_seed(first.as_bytes(), u64::from(owner));
    xxhash_rust::xxh3::xxh3_128_with_seed(second.as_bytes(), seed)
}

/// Files of `krate` whose scan saw `fn name` (and, with `types`, a type
/// named `name`), from a map per crate built on first use.
fn files_naming(
    maps: &mut [Option<HashMap<String, Vec<u32>>>],
    files: &[PlanFile],
    krate: usize,
    name: &str,
    types: bool,
) -> Vec<usize> {
    let map = maps[krate].get_or_insert_with(|| {
        let mut map: HashMap<String, Vec<u32>> = HashMap::default();
        for (i, f) in files.iter().enumerate() {
            if f.krate != krate {
                continue;
            }
            if let Some(index) = &f.index {
                let type_names = index.types.iter().filter(|_| types);
                for name in index.fns.iter().chain(type_names) {
                    map.entry(name.to_string()).or_default().push(i as u32);
                }
            }
        }
        map
    });
    map.get(name)
        .map(|v| v.iter().map(|f| *f as usize).collect())
        .unwrap_or_default()
}

/// Names of the current-thread-only callees of the rule data: a file
/// naming one is parsed from the start.
pub fn current_thread_names(rules: &RuleSet) -> Vec<String> {
    let mut names: Vec<String> = rules
        .function_paths()
        .filter(|p| rules.function(p).is_some_and(|i| i.current_thread_only))
        .map(|p| last_segment(p).to_string())
        .collect();
    names.sort_unstable();
    names.dedup();
    names
}

/// Adds method `name` under `key`; whether it is new there.
fn add_method(map: &mut HashMap<Key, Vec<String>>, key: Key, name: &str) -> bool {
    let methods = map.entry(key).or_default();
    if methods.iter().any(|m| m == name) {
        return false;
    }
    methods.push(name.to_string());
    true
}

/// Whether a file is parsed whatever the rest of the plan says: forced,
/// with the `async` keyword, with a token structure syn may reject (so the
/// error is reported), or naming a current-thread-only callee.
pub fn is_seed(force: bool, index: &TextIndex, mentions_ct: bool) -> bool {
    force || index.has_async || index.anomaly || mentions_ct
}

/// Whether `word` occurs in `text` as a whole identifier.
fn contains_word(text: &str, word: &str) -> bool {
    let bytes = text.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    text.match_indices(word).any(|(at, _)| {
        let before = at.checked_sub(1).map(|i| bytes[i]);
        let after = bytes.get(at + word.len()).copied();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// What one function's calls or one field's type need.
#[derive(Default)]
struct Needs {
    paths: Vec<String>,
    /// `(struct path, field, method)`; the method may be a chain through
    /// further fields (`inner.try_acquire`).
    field_methods: Vec<(String, String, String)>,
    method_names: Vec<String>,
    /// `(crate name, method)`: a method on a receiver of a type the
    /// planner cannot tell, whose expression names that crate.
    crate_method_names: Vec<(String, String)>,
    /// `(function path, method)`: a method on what a function returns.
    return_methods: Vec<(String, String)>,
}

impl Needs {
    fn method(&mut self, receiver: &TyExpr, name: &str, module: &str, root: &str) {
        // `self.a.b.name()`: `b.name` is asked of the type of field `a` of
        // self's type, and `name` of the type of its field `b`, as each
        // type becomes known.
        if let Some((path, fields)) = field_chain(receiver)
            && let Some((first, rest)) = fields.split_first()
        {
            let mut member: String = rest.iter().map(|f| format!("{f}.")).collect();
            member.push_str(name);
            let owner = rebase_path(path, module, root);
            self.field_methods.push((owner, first.to_string(), member));
            return;
        }
        match receiver {
            TyExpr::Unknown => {}
            TyExpr::Known(ty) => {
                let mut types = Vec::new();
                ty_paths(ty, module, root, &mut types);
                for t in &types {
                    self.paths.push(format!("{t}::{name}"));
                }
                self.paths.extend(types);
            }
            other => {
                // The receiver's type is worked out by the analysis (a
                // function's return type, a field's): the method may be in
                // the calling crate or in a crate the expression names, or
                // of a type the function's signature names.
                if let TyExpr::CallResult { candidates, .. } = other {
                    for c in candidates {
                        let callee = rebase_path(c, module, root);
                        self.return_methods.push((callee, name.to_string()));
                    }
                }
                let from = self.paths.len();
                self.ty(other, module, root);
                self.method_names.push(name.to_string());
                let mut crates: Vec<String> = self.paths[from..]
                    .iter()
                    .filter_map(|p| p.split("::").next())
                    .map(str::to_string)
                    .collect();
                crates.sort_unstable();
                crates.dedup();
                for krate in crates {
                    self.crate_method_names.push((krate, name.to_string()));
                }
            }
        }
    }

    fn ty(&mut self, ty: &TyExpr, module: &str, root: &str) {
        match ty {
            TyExpr::Known(t) => ty_paths(t, module, root, &mut self.paths),
            TyExpr::Tuple(items) => items.iter().for_each(|t| self.ty(t, module, root)),
            TyExpr::CallResult {
                candidates,
                first_arg,
            } => {
                for c in candidates {
                    self.paths.push(rebase_path(c, module, root));
                }
                if let Some(arg) = first_arg {
                    self.ty(arg, module, root);
                }
            }
            TyExpr::MethodResult { receiver, name } => self.method(receiver, name, module, root),
            TyExpr::Field { base, .. } | TyExpr::TupleElement { base, .. } => {
                self.ty(base, module, root)
            }
            TyExpr::Unknown => {}
        }
    }
}

/// A chain of field accesses from a value of a known type: the type's path
/// and the fields, outermost first (`self.a.b`: `Self`, `[a, b]`).
fn field_chain(ty: &TyExpr) -> Option<(&str, Vec<&str>)> {
    let mut fields = Vec::new();
    let mut at = ty;
    while let TyExpr::Field { base, field } = at {
        fields.push(field.as_str());
        at = base;
    }
    match at {
        TyExpr::Known(Ty::Path { path, .. }) if !fields.is_empty() => {
            fields.reverse();
            Some((path, fields))
        }
        _ => None,
    }
}

fn ty_paths(ty: &Ty, module: &str, root: &str, out: &mut Vec<String>) {
    match ty {
        Ty::Path { path, args } => {
            out.push(rebase_path(path, module, root));
            for a in args {
                ty_paths(a, module, root, out);
            }
        }
        Ty::Tuple(items) => items.iter().for_each(|t| ty_paths(t, module, root, out)),
    }
}

/// Byte offsets of every `::` in `path`: the ends of its proper prefixes.
fn prefixes(path: &str) -> impl Iterator<Item = usize> + '_ {
    path.match_indices("::").map(|(i, _)| i)
}

/// The method at the end of a member chain (`inner.try_acquire`).
fn last_member(chain: &str) -> &str {
    chain.rsplit('.').next().unwrap_or(chain)
}

/// The name after the last `::` (paths hold no single `:`, and a one-byte
/// search is much quicker than a two-byte one).
fn last_segment(path: &str) -> &str {
    path.rsplit(':').next().unwrap_or(path)
}
