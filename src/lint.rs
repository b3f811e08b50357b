//! One lint run, from paths to findings: discover files, tie them to their
//! crates, parse and summarise them in parallel, build module trees, analyse
//! the whole run, then filter by rule selection and suppressions.

use crate::analysis::{AnalysedFile, analyse};
use crate::cache::{self, CrateCache};
use crate::collect::{
    Blanked, BlankedBody, LeftOut, ModuleScope, collect_body, collect_elided, collect_item,
};
use crate::discover::{Discovered, SourcePath, discover};
use crate::elide::Hidden;
use crate::elide::Keep;
use crate::lazy::Alone;
use crate::lazy::{PlanCrate, PlanFile, Planner};
use crate::manifest::{CrateFinder, CrateInfo};
use crate::model::{Finding, IO_ERROR, SYNTAX_ERROR, Span};
use crate::modtree::module_paths;
use crate::parse::{ParseFailure, STACK_SIZE, parse, read_source};
use crate::prefilter::{TextIndex, scan};
use crate::rules::RuleSet;
use crate::summary::{FileSummary, FnSummary, ModDecl};
use crate::suppress;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What to lint and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    /// Rule ids to enable; empty means each rule's default.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// Worker threads; `None` for one per core.
    pub jobs: Option<usize>,
    /// Source text for one path, read from standard input by the CLI.
    pub stdin: Option<(PathBuf, String)>,
    /// Configuration and command-line choices applied around the analysis
    /// (`allow`) and to its findings (exclusions, per-scope selection,
    /// per-file ignores, test code, severities). The default changes
    /// nothing.
    pub settings: crate::config::Settings,
    /// Where per-file results are cached between runs; `None` for no cache.
    pub cache_dir: Option<PathBuf>,
    /// Parse every file, even those that cannot change a finding.
    pub parse_all: bool,
    /// The walk of `paths` when the caller has made it already
    /// (`discover_paths`); `None` walks them.
    pub discovered: Option<Discovered>,
}

/// The outcome of a run: findings plus the source texts the reporter
/// quotes.
#[derive(Debug, Default)]
pub struct LintResult {
    pub findings: Vec<Finding>,
    pub sources: HashMap<PathBuf, Arc<str>>,
    pub files_checked: usize,
    pub stats: Stats,
}

/// What the per-file pass did, for `--stats`.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    /// Files read, and their bytes.
    pub files: usize,
    pub bytes: u64,
    /// Files parsed in this run, and their bytes.
    pub parsed: usize,
    pub parsed_bytes: u64,
    /// Parses beyond each file's first: a file parsed for names is parsed
    /// again when a name it left out or a function whose body it blanked
    /// turns out to be needed; and their bytes.
    pub reparsed: usize,
    pub reparsed_bytes: u64,
    /// Function bodies a first parse blanked, parsed alone when the plan
    /// came to need them, and their bytes.
    pub bodies: usize,
    pub body_bytes: u64,
    /// Functions and types a first parse blanked whole, parsed alone when
    /// the plan came to need them, and their bytes.
    pub items: usize,
    pub item_bytes: u64,
    /// Files whose summary came from the cache.
    pub cached: usize,
    pub cached_bytes: u64,
    /// Files whose light scan came from the cache.
    pub scans_cached: usize,
    /// Batches of parsing the plan handed out.
    pub batches: usize,
    /// Wall time of each phase: reading and scanning, planning and
    /// parsing, writing the cache, and the crate-wide analysis.
    pub phases: Vec<(&'static str, f64)>,
}

impl Stats {
    /// Files that were neither parsed nor taken from the cache: nothing in
    /// them can change a finding.
    pub fn skipped(&self) -> (usize, u64) {
        (
            self.files - self.parsed - self.cached,
            self.bytes - self.parsed_bytes - self.cached_bytes,
        )
    }
}

struct FileInput {
    source: SourcePath,
    crate_dir: Option<PathBuf>,
    /// Reported on; other files only give context to the crate analysis.
    target: bool,
}

/// One file after the per-file pass.
enum Outcome {
    /// Unreadable, or not UTF-8.
    Unread(ParseFailure),
    /// Scanned only: it cannot change a finding. Its `mod` items still
    /// place other files in the module tree.
    Skipped(Vec<ModDecl>),
    Parsed(Result<FileSummary, ParseFailure>),
}

/// Runs the linter. Errors only for problems that stop the whole run.
/// What a run walks: `paths`, or with `stdin` the path its text stands
/// for unless `paths` names it.
fn walked_paths(paths: &[PathBuf], stdin: Option<&(PathBuf, String)>) -> Vec<PathBuf> {
    match stdin {
        Some((path, _)) if !paths.contains(path) => vec![path.clone()],
        _ => paths.to_vec(),
    }
}

/// The files a run over `paths` checks (with `stdin`, the path its text
/// stands for may not exist on disk yet), found before the configuration
/// is read so that its package manifests come from the same walk.
/// The walk runs on `jobs` threads (`None`: one per core).
pub fn discover_paths(
    paths: &[PathBuf],
    stdin: Option<&(PathBuf, String)>,
    jobs: Option<usize>,
) -> Discovered {
    match rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .build()
    {
        Ok(pool) => pool.install(|| discover_in_pool(paths, stdin)),
        // No threads to start: the walk runs on rayon's own.
        Err(_) => discover_in_pool(paths, stdin),
    }
}

fn discover_in_pool(paths: &[PathBuf], stdin: Option<&(PathBuf, String)>) -> Discovered {
    let paths = walked_paths(paths, stdin);
    if stdin.is_some() && !paths[0].exists() {
        // An unsaved buffer: no file on disk yet.
        let display = paths[0].clone();
        let absolute = std::path::absolute(&display).unwrap_or(display.clone());
        Discovered {
            files: vec![SourcePath { display, absolute }],
            ..Discovered::default()
        }
    } else {
        discover(&paths, &|_| false)
    }
}

pub fn lint(options: &Options, rules: &RuleSet) -> Result<LintResult, String> {
    let paths = walked_paths(&options.paths, options.stdin.as_ref());
    let discovered = match &options.discovered {
        Some(discovered) => Discovered {
            files: discovered.files.clone(),
            errors: discovered.errors.clone(),
            manifests: Vec::new(),
        },
        None => discover_paths(&options.paths, options.stdin.as_ref(), options.jobs),
    };
    let mut findings = discovered.errors;

    let mut finder = CrateFinder::default();
    let mut inputs: Vec<FileInput> = Vec::new();
    for source in discovered.files {
        let crate_dir = finder.crate_dir(&source.absolute);
        inputs.push(FileInput {
            source,
            crate_dir,
            target: true,
        });
    }
    // A file named on its own is analysed with the rest of its crate, so
    // blocking reached through the crate's other modules is still found.
    let named_files: Vec<PathBuf> = paths.iter().filter(|p| !p.is_dir()).cloned().collect();
    if !named_files.is_empty() {
        let mut seen: HashSet<PathBuf> = inputs.iter().map(|i| i.source.absolute.clone()).collect();
        let crate_dirs: HashSet<PathBuf> =
            inputs.iter().filter_map(|i| i.crate_dir.clone()).collect();
        let cwd = std::env::current_dir().and_then(std::fs::canonicalize);
        for dir in crate_dirs {
            for mut source in discover(std::slice::from_ref(&dir), &|_| false).files {
                // Shown relative to where the user stands, like the files named.
                if let Ok(cwd) = &cwd
                    && let Ok(relative) = source.absolute.strip_prefix(cwd)
                {
                    source.display = relative.to_path_buf();
                }
                if seen.insert(source.absolute.clone())
                    && finder.crate_dir(&source.absolute).as_ref() == Some(&dir)
                {
                    inputs.push(FileInput {
                        source,
                        crate_dir: Some(dir.clone()),
                        target: false,
                    });
                }
            }
        }
    }

    if inputs.len() > LARGE_RUN_FILES {
        prefer_small_pages();
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_SIZE)
        .num_threads(options.jobs.unwrap_or(0))
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))?;

    // Manifests are read and parsed on the pool (a workspace of hundreds
    // of crates has as many), then taken in folder order.
    let crate_dirs: Vec<PathBuf> = inputs
        .iter()
        .filter_map(|i| i.crate_dir.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let loaded: Vec<_> = pool.install(|| {
        crate_dirs
            .par_iter()
            .map(|dir| CrateInfo::load(dir))
            .collect()
    });
    let mut crates: BTreeMap<PathBuf, CrateInfo> = BTreeMap::new();
    for (dir, loaded) in crate_dirs.into_iter().zip(loaded) {
        let info = match loaded {
            Ok(Some(info)) => info,
            Ok(None) => CrateInfo::without_manifest(&dir),
            Err(e) => {
                let span = Span::new(e.line, e.column, e.line, e.column);
                let shown = inputs
                    .iter()
                    .find(|i| i.crate_dir.as_ref() == Some(&dir))
                    .and_then(|i| manifest_display(&i.source, &dir))
                    .unwrap_or(e.path.clone());
                findings.push(Finding::file_error("manifest-error", shown, span, format!(
                    "{}; the crate's files are checked without its dependency and runtime information",
                    e.message
                )));
                CrateInfo::without_manifest(&dir)
            }
        };
        crates.insert(dir, info);
    }
    let loose_root = PathBuf::from(".");
    let loose =
        CrateInfo::without_manifest(&std::path::absolute(&loose_root).unwrap_or(loose_root));
    let own: Arc<crate::resolve::NameSet> =
        Arc::new(crates.values().map(|c| c.name.clone()).collect());
    for info in crates.values_mut() {
        info.externs.own = own.clone();
    }
    let stdin = options
        .stdin
        .as_ref()
        .map(|(p, text)| (std::path::absolute(p).unwrap_or(p.clone()), text.as_str()));
    // One group per crate folder, in a fixed order so that runs agree.
    let groups: Vec<Option<&PathBuf>> = inputs
        .iter()
        .map(|i| i.crate_dir.as_ref())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let infos: Vec<&CrateInfo> = groups
        .iter()
        .map(|d| d.and_then(|d| crates.get(d)).unwrap_or(&loose))
        .collect();
    let group_of: Vec<usize> = inputs
        .iter()
        .map(|i| {
            groups
                .binary_search(&i.crate_dir.as_ref())
                .expect("every folder is a group")
        })
        .collect();
    let named = !named_files.is_empty() || stdin.is_some();
    // Each crate's files, by index.
    let mut members_of: Vec<Vec<usize>> = vec![Vec::new(); infos.len()];
    for (i, group) in group_of.iter().enumerate() {
        members_of[*group].push(i);
    }
    let pass = FilePass {
        inputs: &inputs,
        group_of: &group_of,
        members_of: &members_of,
        infos: &infos,
        rules,
        stdin: stdin.as_ref().map(|(p, t)| (p.as_path(), *t)),
        cache_dir: options.cache_dir.as_deref(),
        parse_all: options.parse_all,
        force_named: named,
    };
    let Passed {
        texts,
        outcomes,
        mut stats,
        trees: planned_trees,
    } = pool.install(|| pass.run());

    let analysis_started = std::time::Instant::now();
    let mut result = LintResult {
        files_checked: inputs.iter().filter(|i| i.target).count(),
        ..LintResult::default()
    };
    let mut summaries: Vec<Option<FileSummary>> = Vec::with_capacity(inputs.len());
    let mut light_mods: Vec<Option<Vec<ModDecl>>> = Vec::with_capacity(inputs.len());
    for ((input, text), outcome) in inputs.iter().zip(texts).zip(outcomes) {
        if let Some(text) = text
            && input.target
        {
            result.sources.insert(input.source.display.clone(), text);
        }
        let failure = match outcome {
            Outcome::Parsed(Ok(summary)) => {
                summaries.push(Some(summary));
                light_mods.push(None);
                continue;
            }
            Outcome::Skipped(index) => {
                summaries.push(None);
                light_mods.push(Some(index));
                continue;
            }
            Outcome::Parsed(Err(failure)) | Outcome::Unread(failure) => failure,
        };
        if input.target {
            findings.push(Finding::file_error(
                failure.rule,
                input.source.display.clone(),
                failure.span,
                failure.message,
            ));
        }
        summaries.push(None);
        light_mods.push(None);
    }

    // Module trees per crate (files never parsed declare their modules
    // through the light scan), then rebase every summary to crate paths.
    let mut analysed: Vec<AnalysedFile> = Vec::new();
    let mut targets: Vec<bool> = Vec::new();
    // Each file's module path and crate root, to rebase it with.
    let mut unrebased: Vec<(String, String)> = Vec::new();
    // A crate's tree as planned holds where every file declares the
    // modules its scan saw.
    let trees: Vec<_> = pool.install(|| {
        infos
            .par_iter()
            .zip(&members_of)
            .zip(planned_trees)
            .map(|((info, members), planned)| {
                if let Some(tree) = planned {
                    return tree;
                }
                let decls: Vec<(PathBuf, &[ModDecl])> = members
                    .iter()
                    .filter_map(|&i| {
                        let mods = match (&summaries[i], &light_mods[i]) {
                            (Some(s), _) => s.mods.as_slice(),
                            (None, Some(mods)) => mods.as_slice(),
                            (None, None) => return None,
                        };
                        Some((inputs[i].source.absolute.clone(), mods))
                    })
                    .collect();
                module_paths(&info.name, &info.root, &info.roots, &decls)
            })
            .collect()
    });
    for ((info, members), modules) in infos.iter().zip(&members_of).zip(trees) {
        for &i in members {
            let Some(summary) = summaries[i].take() else {
                continue;
            };
            let (module, crate_root) = match modules.get(&inputs[i].source.absolute) {
                Some(place) => (place.module.clone(), place.crate_root.clone()),
                None => (info.name.clone(), info.name.clone()),
            };
            unrebased.push((module, crate_root));
            analysed.push(AnalysedFile {
                display: inputs[i].source.display.clone(),
                runtime: info.runtime,
                tokio_features: info.tokio_features.clone(),
                summary,
            });
            targets.push(inputs[i].target);
        }
    }
    trace(&format!("module trees {:?}", analysis_started.elapsed()));
    pool.install(|| {
        analysed
            .par_iter_mut()
            .zip(unrebased.par_iter())
            .for_each(|(file, (module, crate_root))| file.summary.rebase(module, crate_root))
    });
    drop(unrebased);
    trace(&format!("rebased {:?}", analysis_started.elapsed()));
    options.settings.prepare(&mut analysed, rules);
    let target_paths: HashSet<&Path> = analysed
        .iter()
        .zip(&targets)
        .filter(|(_, t)| **t)
        .map(|(f, _)| f.display.as_path())
        .collect();
    let mut raw: Vec<Finding> = pool
        .install(|| analyse(&analysed, rules))
        .into_iter()
        .filter(|f| target_paths.contains(f.path.as_path()))
        .collect();
    raw.retain(|f| rule_enabled(&f.rule, options, rules));
    trace(&format!("analysed {:?}", analysis_started.elapsed()));
    let item_lines: HashMap<&Path, &[(usize, usize)]> = analysed
        .iter()
        .map(|f| (f.display.as_path(), f.summary.item_lines.as_slice()))
        .collect();
    // The texts of files with findings, read again (they were let go
    // before the analysis), for suppressions, fixes and the report.
    let by_display: HashMap<&Path, usize> = inputs
        .iter()
        .enumerate()
        .map(|(i, input)| (input.source.display.as_path(), i))
        .collect();
    let wanted: HashSet<&Path> = raw
        .iter()
        .chain(&findings)
        .map(|f| f.path.as_path())
        .filter(|p| !result.sources.contains_key(*p))
        .collect();
    let reread: Vec<(PathBuf, Arc<str>)> = pool.install(|| {
        wanted
            .into_par_iter()
            .filter_map(|display| {
                let input = &inputs[*by_display.get(display)?];
                let text = match &stdin {
                    Some((path, text)) if is_stdin_file(path, &input.source) => text.to_string(),
                    _ => read_source(&input.source.absolute).ok()?,
                };
                Some((display.to_path_buf(), Arc::from(text)))
            })
            .collect()
    });
    drop(by_display);
    result.sources.extend(reread);
    let raw = pool.install(|| suppress::apply(raw, &result.sources, &item_lines, rules));
    findings.extend(raw);
    trace(&format!("suppressed {:?}", analysis_started.elapsed()));
    findings.retain(|f| !options.ignore.contains(&f.rule));
    options
        .settings
        .apply(&mut findings, &result.sources, &item_lines, rules);
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup_by(|a, b| a.sort_key() == b.sort_key() && a.callee == b.callee);
    for finding in &mut findings {
        if let Some(text) = result.sources.get(&finding.path) {
            crate::fix::resolve(finding, text);
        }
    }
    result.findings = findings;
    trace(&format!("reported {:?}", analysis_started.elapsed()));
    // The summaries are many small allocations (0.2 s of a large run, a
    // twentieth of an editor run): they are freed on a thread of their own
    // while the report is written, and a process that ends first does not
    // wait for it.
    drop(item_lines);
    free_when_idle(analysed);
    stats
        .phases
        .push(("analysis", analysis_started.elapsed().as_secs_f64()));
    result.stats = stats;
    Ok(result)
}

fn manifest_display(source: &SourcePath, dir: &Path) -> Option<PathBuf> {
    let relative = source.absolute.strip_prefix(dir).ok()?;
    let mut display = source.display.clone();
    for _ in relative.components() {
        display.pop();
    }
    Some(display.join("Cargo.toml"))
}

/// What the file pass hands the analysis: the texts kept, each file's
/// outcome, the run's statistics, and per crate the module tree the plan
/// used where the parsed files declare the same modules as scanned.
struct Passed {
    texts: Vec<Option<Arc<str>>>,
    outcomes: Vec<Outcome>,
    stats: Stats,
    trees: Vec<Option<crate::hashing::HashMap<PathBuf, crate::modtree::Placement>>>,
}

/// Merges a file's pieces parsed alone into its summary, in the order
/// they were parsed.
fn merge_pieces(
    result: &mut Option<Result<Arc<FileSummary>, ParseFailure>>,
    pieces: Vec<(Arc<FileSummary>, Merge)>,
) {
    let Some(Ok(summary)) = result else {
        return;
    };
    let summary = Arc::make_mut(summary);
    for (parsed, merge) in pieces {
        let parsed = Arc::try_unwrap(parsed).unwrap_or_else(|p| (*p).clone());
        match merge {
            Merge::Bodies(at) => summary.merge_bodies(parsed, &at),
            Merge::Items(names) => summary.merge_items(parsed, &names),
        }
    }
}

/// Whether `source` is the file standard input stands for (`stdin_path`,
/// made absolute). The name is compared first: making a relative path
/// absolute asks the system for the current folder, once per file of the
/// crate otherwise.
fn is_stdin_file(stdin_path: &Path, source: &SourcePath) -> bool {
    stdin_path == source.absolute
        || (stdin_path.file_name() == source.display.file_name()
            && std::path::absolute(&source.display).is_ok_and(|p| p == stdin_path))
}

/// Above this many files a run is a large workspace, where peak memory
/// matters more than page-fault time.
const LARGE_RUN_FILES: usize = 4096;

/// Frees `value` on a thread of its own, at idle priority. If no thread
/// can be started, it is freed here.
fn free_when_idle<T: Send + 'static>(value: T) {
    let _ = std::thread::Builder::new()
        .name("blocklint-free".into())
        .spawn(move || {
            // Only on a core nothing else wants: the analysis and the report
            // go first, and a process that ends first skips the work.
            #[cfg(target_os = "linux")]
            // SAFETY: the parameter is a plain struct that outlives the
            // call; pid 0 is this thread. A refusal changes nothing.
            unsafe {
                let param = libc::sched_param { sched_priority: 0 };
                libc::sched_setscheduler(0, libc::SCHED_IDLE, &param);
            }
            drop(value);
        });
}

/// Stops the kernel backing this process with transparent huge pages: the
/// allocator's arenas then fault in 2 MiB at a time, which makes a one-file
/// editor run quick (about 85 ms instead of 145 ms in tokio) but a whole
/// large tree about 70 MB bigger at its peak.
fn prefer_small_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_THP_DISABLE takes an integer flag and no pointers; a
    // kernel without it returns an error, which changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Whether findings of `rule` are reported: `--select` (or the rule's
/// default) and not `--ignore`. Problems with the input are always reported.
pub fn rule_enabled(rule: &str, options: &Options, rules: &RuleSet) -> bool {
    if options.ignore.iter().any(|r| r == rule) {
        return false;
    }
    match rules.rule(rule) {
        None => true,
        Some(info) => {
            if options.select.is_empty() {
                info.default_on
            } else {
                options.select.iter().any(|r| r == rule || r == "all")
            }
        }
    }
}

/// The per-file pass of a run: read every file, take what the cache holds,
/// scan the rest, then parse, streamed, what the plan (`lazy`) needs, and
/// write the cache back.
struct FilePass<'a> {
    inputs: &'a [FileInput],
    group_of: &'a [usize],
    members_of: &'a [Vec<usize>],
    infos: &'a [&'a CrateInfo],
    rules: &'a RuleSet,
    stdin: Option<(&'a Path, &'a str)>,
    cache_dir: Option<&'a Path>,
    parse_all: bool,
    /// Files named on the command line (or given on standard input) are
    /// always parsed: their syntax errors are worth reporting.
    force_named: bool,
}

/// A file with a suppression comment is parsed, so the comment's reach
/// (`suppress`) is known even when nothing in the file can block.
const SUPPRESSION_MARKER: &str = "blocklint: allow(";

/// One file after reading, before planning.
struct ReadFile {
    /// `Ok(None)`: read, but not kept, as nothing yet says the file will
    /// be parsed; it is read again if it is.
    text: Result<Option<Text>, ParseFailure>,
    /// The text's length in bytes.
    len: u64,
    /// The text names a current-thread-only callee.
    mentions_ct: bool,
    /// The text has a suppression comment (and the file is reported on).
    marker: bool,
    hash: u128,
    index: Option<Arc<TextIndex>>,
    /// The cached parse outcome, when the text is unchanged.
    cached: Option<cache::EncodedParsed>,
    scan_cached: bool,
}

impl FilePass<'_> {
    /// Whether file `i` is parsed with the item contents no finding can
    /// come from blanked (`elide`): not when every syntax error must be
    /// found, nor for a file the user named.
    fn elides(&self, i: usize) -> bool {
        !(self.parse_all || (self.force_named && self.inputs[i].target))
    }

    /// Runs on the caller's thread pool.
    fn run(&self) -> Passed {
        let started = std::time::Instant::now();
        let n = self.inputs.len();
        let keys: Vec<u128> = match self.cache_dir {
            Some(_) => {
                let run_key = cache::run_key(self.rules);
                self.infos
                    .par_iter()
                    .map(|info| cache::crate_key(&info.externs, run_key))
                    .collect()
            }
            None => Vec::new(),
        };
        // The caches are opened first (a copy of bytes; entries are decoded
        // as the files are read); then each file is read and scanned in one
        // task, while its text is still in the processor's cache, and one
        // task's wait for the disk overlaps another's scan.
        let mut caches: Vec<Option<CrateCache>> = self
            .infos
            .par_iter()
            .enumerate()
            .map(|(group, info)| {
                self.cache_dir
                    .map(|dir| CrateCache::open(dir, &info.root, &info.name, keys[group]))
            })
            .collect();
        let ct_names = crate::lazy::current_thread_names(self.rules);
        let mut entries: Vec<Option<cache::Entry>> = (0..n)
            .map(|i| {
                caches[self.group_of[i]]
                    .as_mut()
                    .and_then(|c| c.take(&self.inputs[i].source.absolute))
            })
            .collect();
        let read: Vec<ReadFile> = entries
            .par_iter_mut()
            .enumerate()
            .map(|(i, entry)| {
                let (text, hash) = self.load(i);
                self.read(i, text, hash, entry.take(), &ct_names)
            })
            .collect();
        drop(entries);

        let mut stats = Stats {
            files: read.iter().filter(|r| r.text.is_ok()).count(),
            bytes: read.iter().map(|r| r.len).sum(),
            scans_cached: read.iter().filter(|r| r.scan_cached).count(),
            ..Stats::default()
        };
        let mut files: Vec<PlanFile> = Vec::with_capacity(n);
        let light: Vec<_> = (0..self.infos.len())
            .into_par_iter()
            .map(|group| {
                let info = self.infos[group];
                let decls: Vec<(PathBuf, &[ModDecl])> = self.members_of[group]
                    .iter()
                    .filter_map(|&i| {
                        let index = read[i].index.as_ref()?;
                        Some((
                            self.inputs[i].source.absolute.clone(),
                            index.mods.as_slice(),
                        ))
                    })
                    .collect();
                module_paths(&info.name, &info.root, &info.roots, &decls)
            })
            .collect();
        for (i, r) in read.iter().enumerate() {
            let group = self.group_of[i];
            let info = self.infos[group];
            let (module, crate_root) = match light[group].get(&self.inputs[i].source.absolute) {
                Some(place) => (place.module.clone(), place.crate_root.clone()),
                None => (info.name.clone(), info.name.clone()),
            };
            files.push(PlanFile {
                krate: group,
                module,
                crate_root,
                index: r.index.clone(),
                path: self.inputs[i].source.absolute.clone(),
                mentions_ct: r.mentions_ct,
                force: self.forced(i, r.marker),
            });
        }
        let crates: Vec<PlanCrate> = self
            .infos
            .iter()
            .map(|info| PlanCrate {
                name: info.name.clone(),
                deps: info
                    .externs
                    .deps
                    .iter()
                    .chain(info.externs.renames.values())
                    .cloned()
                    .collect(),
            })
            .collect();

        stats.phases.push(("read", started.elapsed().as_secs_f64()));
        trace(&format!("read {:?}", started.elapsed()));
        let started = std::time::Instant::now();
        // The plan depends only on what this key hashes: with a stored plan
        // of the same key, what it parsed is parsed again without planning.
        let plan_id = self.cache_dir.map(|dir| {
            let mut shape = cache::KeyHasher::new();
            let mut key = cache::KeyHasher::new();
            for (group, info) in self.infos.iter().enumerate() {
                shape.bytes(info.root.as_os_str().as_encoded_bytes());
                key.number(keys[group]).bytes(info.name.as_bytes());
            }
            for (i, f) in files.iter().enumerate() {
                let flags = u128::from(f.force)
                    | (u128::from(f.index.is_some()) << 1)
                    | (u128::from(f.mentions_ct) << 2);
                key.bytes(
                    self.inputs[i]
                        .source
                        .absolute
                        .as_os_str()
                        .as_encoded_bytes(),
                )
                .number(f.krate as u128)
                .bytes(f.module.as_bytes())
                .bytes(f.crate_root.as_bytes())
                .number(read[i].hash)
                .number(flags);
            }
            (dir, shape.finish(), key.finish())
        });
        let stored_plan = plan_id
            .and_then(|(dir, shape, key)| cache::load_plan(dir, shape, key))
            .filter(|batches| {
                batches
                    .iter()
                    .flatten()
                    .all(|&i| read.get(i as usize).is_some_and(|r| r.index.is_some()))
            });
        let mut replay = stored_plan.map(Vec::into_iter);
        let mut planner = match replay {
            Some(_) => None,
            None => Some(Planner::new(self.rules, crates, files)),
        };
        let mut planned: Vec<Vec<u32>> = Vec::new();
        let mut read = read;
        let mut results: Vec<Option<Result<Arc<FileSummary>, ParseFailure>>> =
            (0..n).map(|_| None).collect();
        // Parsing streams: what the plan needs is handed to the pool as soon
        // as it is known, and each parsed file is taken in by the planner
        // while the others are still being parsed, so no core waits for a
        // round's last file or for the planner. A stored plan is replayed
        // all at once (its cached summaries are final).
        let (sender, receiver) = std::sync::mpsc::channel::<Parsed>();
        let mut in_flight = 0usize;
        // Units parsed for their names wait until the pool runs low: by then
        // the plan knows more of the names they are needed for, and each
        // name it learns later is another parse.
        let mut held: Vec<usize> = Vec::new();
        let low = rayon::current_num_threads();
        let mut planning = std::time::Duration::ZERO;
        // Per unit: the bodies its parse blanked that can be parsed alone.
        let mut later: Vec<LeftOut> = Vec::new();
        rayon::in_place_scope(|scope| {
            loop {
                let mut batch: Vec<usize> = match (&mut planner, &mut replay) {
                    (Some(planner), _) => planner.next_batch(),
                    (None, Some(batches)) => {
                        batches.by_ref().flatten().map(|i| i as usize).collect()
                    }
                    (None, None) => Vec::new(),
                };
                if let Some(p) = &planner {
                    let (now, later): (Vec<usize>, Vec<usize>) =
                        batch.into_iter().partition(|&u| !p.elides_bodies(u));
                    held.extend(later);
                    batch = now;
                    if in_flight + batch.len() <= low {
                        batch.append(&mut held);
                    }
                }
                if !batch.is_empty() {
                    stats.batches += 1;
                    if let Some(p) = &mut planner {
                        p.dispatch(&batch);
                        results.resize_with(p.units(), || None);
                        planned.push(
                            batch
                                .iter()
                                .filter(|&&u| u < n)
                                .map(|&u| u as u32)
                                .collect(),
                        );
                    }
                    let mut jobs: Vec<Job> = batch
                        .iter()
                        .map(|&u| {
                            // A unit past the files is a second parse of one.
                            // A replayed plan has only the files: their cached
                            // summaries are the final ones, and one parsed
                            // again is parsed in full.
                            let (i, names, bodies) = match &planner {
                                Some(p) => (p.origin(u), p.keep_items(u), p.keep_bodies(u)),
                                None => (u, None, None),
                            };
                            let cached = if u == i { read[i].cached.take() } else { None };
                            let elide = match self.elides(i) {
                                true => Elide::Items { names, bodies },
                                false => Elide::Nothing,
                            };
                            let text = match &read[i].text {
                                Ok(Some(text)) => Some(text.clone()),
                                _ => None,
                            };
                            let bodies = planner
                                .as_ref()
                                .and_then(|p| p.body_request(u))
                                .map(|wanted| blanked_bodies(wanted, &later, &results));
                            let items = planner
                                .as_ref()
                                .and_then(|p| p.item_request(u))
                                .map(|wanted| hidden_items(wanted, &later));
                            Job {
                                unit: u,
                                file: i,
                                len: read[i].len,
                                cached,
                                elide,
                                text,
                                bodies,
                                items,
                            }
                        })
                        .collect();
                    // Largest first: a large file left for last would keep
                    // the other workers waiting. The others steal the
                    // oldest spawned task, this thread runs the newest: it
                    // takes the small files, and is back to plan soon.
                    jobs.sort_by_key(|job| {
                        std::cmp::Reverse(if job.cached.is_some() { 0 } else { job.len })
                    });
                    in_flight += jobs.len();
                    for job in jobs {
                        let sender = sender.clone();
                        scope.spawn(move |_| {
                            let (unit, file) = (job.unit, job.file);
                            // A panic in any step of the job is this file's
                            // error finding, and it still answers: the run
                            // never waits for a file that will not come.
                            let parsed =
                                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                                    self.parse_job(job)
                                }))
                                .unwrap_or_else(|panic| {
                                    proc_macro2::extra::invalidate_current_thread_spans();
                                    Parsed {
                                        unit,
                                        file,
                                        outcome: Err(internal_error(panic)),
                                        from_cache: false,
                                        text: None,
                                        later: LeftOut::default(),
                                    }
                                });
                            // The receiver outlives the scope.
                            let _ = sender.send(parsed);
                        });
                    }
                }
                if in_flight == 0 {
                    break;
                }
                // Wait for parsed files, parsing meanwhile.
                let mut arrived = Vec::new();
                while arrived.is_empty() {
                    arrived.extend(receiver.try_iter());
                    // Nothing parsed and nothing to parse here: the
                    // others are on their last files.
                    if arrived.is_empty()
                        && rayon::yield_now() != Some(rayon::Yield::Executed)
                        && let Ok(done) =
                            receiver.recv_timeout(std::time::Duration::from_micros(200))
                    {
                        arrived.push(done);
                    }
                }
                in_flight -= arrived.len();
                let mut absorbed = Vec::with_capacity(arrived.len());
                for done in arrived {
                    let file = done.file;
                    if let Some(text) = done.text {
                        read[file].text = Ok(Some(text));
                    }
                    let bytes = read[file].len;
                    let request = planner.as_ref().and_then(|p| p.body_request(done.unit));
                    if let Some(wanted) = request {
                        stats.bodies += wanted.len();
                        stats.body_bytes += wanted
                            .iter()
                            .filter_map(|&(src, line, column)| {
                                later[src]
                                    .bodies
                                    .iter()
                                    .find(|b| (b.line, b.column) == (line, column))
                            })
                            .map(|b| (b.range.1 - b.range.0) as u64)
                            .sum::<u64>();
                    } else if let Some(wanted) =
                        planner.as_ref().and_then(|p| p.item_request(done.unit))
                    {
                        for (src, name) in wanted {
                            let items = later[*src].items.iter().filter(|h| &h.name == name);
                            for item in items {
                                stats.items += 1;
                                stats.item_bytes += (item.range.1 - item.range.0) as u64;
                            }
                        }
                    } else if done.unit >= n {
                        stats.reparsed += 1;
                        stats.reparsed_bytes += bytes;
                    } else if done.from_cache {
                        stats.cached += 1;
                        stats.cached_bytes += bytes;
                    } else {
                        stats.parsed += 1;
                        stats.parsed_bytes += bytes;
                    }
                    let outcome = done.outcome.map(Arc::new);
                    let alone = Alone {
                        bodies: !done.later.bodies.is_empty(),
                        items: !done.later.items.is_empty(),
                    };
                    if later.len() <= done.unit {
                        later.resize_with(done.unit + 1, LeftOut::default);
                    }
                    later[done.unit] = done.later;
                    absorbed.push((done.unit, outcome.as_ref().ok().cloned(), alone));
                    results[done.unit] = Some(outcome);
                }
                if let Some(planner) = &mut planner {
                    let started = std::time::Instant::now();
                    planner.absorb(absorbed);
                    planning += started.elapsed();
                }
            }
        });
        trace(&format!(
            "parsed in {} batches: {:?} (planning {planning:?}) {}",
            stats.batches,
            started.elapsed(),
            planner.as_ref().map(Planner::sizes).unwrap_or_default()
        ));
        // Each file's summary is its last unit's, with the bodies parsed
        // alone since (a body that failed to parse left its file to a
        // whole parse).
        let mut merges = Vec::new();
        if let Some(planner) = &planner {
            for u in n..planner.units() {
                let Some(result) = results[u].take() else {
                    continue;
                };
                let merge = match (planner.body_request(u), planner.item_request(u)) {
                    (Some(wanted), _) => Merge::Bodies(
                        wanted
                            .iter()
                            .map(|&(_, line, column)| (line, column))
                            .collect(),
                    ),
                    (None, Some(wanted)) => {
                        Merge::Items(wanted.iter().map(|(_, name)| name.clone()).collect())
                    }
                    (None, None) => {
                        results[planner.origin(u)] = Some(result);
                        continue;
                    }
                };
                if let Ok(summary) = result {
                    merges.push((planner.origin(u), summary, merge));
                }
            }
        }
        results.truncate(n);
        if planner.is_some()
            && let Some((dir, shape, key)) = plan_id
        {
            cache::save_plan(dir, shape, key, planned);
        }
        if let Some(planner) = &mut planner {
            planner.release_summaries();
        }
        // The scopes kept for pieces and the plan's tables are many small
        // allocations (a tenth of a second on a large tree): the scopes
        // are freed on a thread of their own, the plan beside the merges.
        free_when_idle(later);
        // Each file's pieces in the order they were parsed, files side by
        // side.
        let mut pending: Vec<Vec<(Arc<FileSummary>, Merge)>> = (0..n).map(|_| Vec::new()).collect();
        for (file, parsed, merge) in merges {
            pending[file].push((parsed, merge));
        }
        rayon::join(
            move || drop(planner),
            || {
                results
                    .par_iter_mut()
                    .zip(pending)
                    .filter(|(_, pieces)| !pieces.is_empty())
                    .for_each(|(result, pieces)| merge_pieces(result, pieces))
            },
        );
        if std::env::var_os("BLOCKLINT_TRACE").is_some() {
            let mut sizes: Vec<(usize, &Path)> = (0..n)
                .filter(|i| results[*i].is_some())
                .map(|i| {
                    (
                        read[i].len as usize,
                        self.inputs[i].source.absolute.as_path(),
                    )
                })
                .collect();
            sizes.sort();
            for (len, path) in sizes.iter().rev().take(25) {
                eprintln!("trace: parsed {len} {}", path.display());
            }
        }
        stats
            .phases
            .push(("parse", started.elapsed().as_secs_f64()));
        let started = std::time::Instant::now();

        // Back to the cache: every file this run read, with what is known
        // of it (a summary from an earlier run stays while the text does).
        let wrote = std::sync::atomic::AtomicBool::new(false);
        caches
            .par_iter()
            .enumerate()
            .filter_map(|(group, c)| c.as_ref().map(|c| (group, c)))
            .for_each(|(group, c)| {
                let entries: Vec<(&Path, cache::EntryRef<'_>)> = self.members_of[group]
                    .iter()
                    .copied()
                    .filter_map(|i| {
                        let r = &read[i];
                        r.text.as_ref().ok()?;
                        let index = r.index.as_deref()?;
                        let summary = match &results[i] {
                            Some(Ok(summary)) => Some(cache::ParsedRef::Summary(summary)),
                            Some(Err(f)) if f.rule == SYNTAX_ERROR => {
                                Some(cache::ParsedRef::Failed(f))
                            }
                            Some(Err(_)) => None,
                            None => r.cached.as_ref().map(cache::ParsedRef::Encoded),
                        };
                        let entry = cache::EntryRef {
                            hash: r.hash,
                            index,
                            summary,
                        };
                        Some((self.inputs[i].source.absolute.as_path(), entry))
                    })
                    .collect();
                // A cache that cannot be written only costs the next run time.
                if c.save(entries).unwrap_or(false) {
                    wrote.store(true, std::sync::atomic::Ordering::Relaxed);
                }
            });
        // Only a run that wrote tidies up: an unchanged run (the editor's)
        // does not list the folder.
        if wrote.into_inner()
            && let Some(dir) = self.cache_dir
        {
            cache::prune(dir);
        }

        stats
            .phases
            .push(("cache", started.elapsed().as_secs_f64()));
        let mut texts = Vec::with_capacity(n);
        let mut outcomes = Vec::with_capacity(n);
        // Crates whose module tree may differ from the one planned with:
        // a parsed file declares other modules than its scan saw (rare),
        // or failed to parse.
        let mut replanted = vec![false; self.infos.len()];
        for (i, (r, result)) in read.into_iter().zip(results).enumerate() {
            if let Some(parsed) = &result {
                let same = match parsed {
                    Ok(summary) => r.index.as_ref().is_some_and(|ix| ix.mods == summary.mods),
                    Err(_) => false,
                };
                replanted[self.group_of[i]] |= !same;
            }
            match r.text {
                // Findings, and the comments that suppress them, are only
                // in parsed files: a skipped file's text is let go here, so
                // the analysis does not hold the whole tree's text.
                Ok(text) => match result {
                    // Only texts with suppression comments are kept for the
                    // analysis; files with findings are read again after it.
                    Some(parsed) => {
                        let text = match r.marker {
                            true => text.or_else(|| self.load_text(i).ok()),
                            false => None,
                        };
                        let text = text.map(|t| Arc::<str>::from(t.as_str()));
                        texts.push(text);
                        // The planner is gone: each summary has one owner.
                        let parsed =
                            parsed.map(|s| Arc::try_unwrap(s).unwrap_or_else(|s| (*s).clone()));
                        outcomes.push(Outcome::Parsed(parsed));
                    }
                    None => {
                        texts.push(None);
                        // The rest of the scan is let go with the plan.
                        let index = r.index.expect("read files are scanned");
                        let mods =
                            Arc::try_unwrap(index).map_or_else(|i| i.mods.clone(), |i| i.mods);
                        outcomes.push(Outcome::Skipped(mods));
                    }
                },
                Err(failure) => {
                    texts.push(None);
                    outcomes.push(Outcome::Unread(failure));
                }
            }
        }
        let trees = light
            .into_iter()
            .zip(replanted)
            .map(|(tree, replanted)| (!replanted).then_some(tree))
            .collect();
        Passed {
            texts,
            outcomes,
            stats,
            trees,
        }
    }

    /// Reads one file (or takes standard input for it) and hashes it.
    fn load(&self, i: usize) -> (Result<Text, ParseFailure>, u128) {
        let text = self.load_text(i);
        // An entry parsed with its item contents elided holds no syntax
        // errors found there; it is kept apart from a full parse's.
        let hash = text.as_ref().map_or(0, |body| {
            cache::content_hash(body) ^ u128::from(self.elides(i))
        });
        (text, hash)
    }

    /// The file's text, from standard input where it stands for the file.
    fn load_text(&self, i: usize) -> Result<Text, ParseFailure> {
        let input = &self.inputs[i];
        let override_text = self
            .stdin
            .filter(|(p, _)| is_stdin_file(p, &input.source))
            .map(|(_, t)| t);
        match override_text {
            Some(t) => Ok(Arc::new(t.to_string())),
            None => read_source(&input.source.absolute).map(Arc::new),
        }
    }

    /// Parses one unit, or takes its cached summary.
    fn parse_job(&self, job: Job) -> Parsed {
        // A stored outcome that does not decode is parsed again, as a miss.
        let (outcome, from_cache, text, later) = match job.cached.and_then(|c| c.decode()) {
            Some(parsed) => (parsed.into_result(), true, None, LeftOut::default()),
            None => {
                let (text, read_now) = match job.text {
                    Some(text) => (Ok(text), false),
                    None => (self.load_text(job.file), true),
                };
                let info = self.infos[self.group_of[job.file]];
                let (outcome, later) = match (&text, job.bodies, job.items) {
                    (Ok(text), Some(bodies), _) => (
                        summarise_bodies(text, &bodies, info, self.rules),
                        LeftOut::default(),
                    ),
                    (Ok(text), None, Some(items)) => (
                        summarise_items(text, &items, info, self.rules),
                        LeftOut::default(),
                    ),
                    (Ok(text), None, None) => summarise(text, job.elide, info, self.rules),
                    // Gone or changed since it was first read.
                    (Err(failure), _, _) => (Err(failure.clone()), LeftOut::default()),
                };
                (outcome, false, text.ok().filter(|_| read_now), later)
            }
        };
        Parsed {
            unit: job.unit,
            file: job.file,
            outcome,
            from_cache,
            text,
            later,
        }
    }

    /// Whether file `i` is parsed whatever the plan says: the run parses
    /// everything, the user named it, or it has a suppression comment
    /// (whose reach `suppress` needs).
    fn forced(&self, i: usize, marker: bool) -> bool {
        self.parse_all || marker || (self.force_named && self.inputs[i].target)
    }

    /// Takes the file's scan and summary from its cache entry when the
    /// text hashes the same, scanning it otherwise. The text is kept only
    /// when the file will be parsed or its cached summary used; a file
    /// the plan asks for later is read again.
    fn read(
        &self,
        i: usize,
        text: Result<Text, ParseFailure>,
        hash: u128,
        entry: Option<cache::Entry>,
        ct_names: &[String],
    ) -> ReadFile {
        let body = match text {
            Ok(body) => body,
            Err(failure) => {
                return ReadFile {
                    text: Err(failure),
                    len: 0,
                    mentions_ct: false,
                    marker: false,
                    hash: 0,
                    index: None,
                    cached: None,
                    scan_cached: false,
                };
            }
        };
        let opened = entry
            .filter(|e| e.hash == hash)
            .and_then(cache::Entry::open);
        let (index, cached, scan_cached) = match opened {
            Some((index, summary)) => (index, summary, true),
            None => {
                let mut index = scan(&body);
                index.mentions_ct = ct_names.iter().any(|name| body.contains(name.as_str()));
                index.has_marker = body.contains(SUPPRESSION_MARKER);
                (index, None, false)
            }
        };
        let mentions_ct = index.mentions_ct;
        let marker = self.inputs[i].target && index.has_marker;
        let keep =
            cached.is_some() || crate::lazy::is_seed(self.forced(i, marker), &index, mentions_ct);
        ReadFile {
            len: body.len() as u64,
            text: Ok(keep.then_some(body)),
            mentions_ct,
            marker,
            hash,
            index: Some(Arc::new(index)),
            cached,
            scan_cached,
        }
    }
}

/// A file's text during the per-file pass: an `Arc<String>` takes the
/// buffer the file was read into, where an `Arc<str>` would copy every
/// file once more (the few texts the analysis keeps are copied at the end).
type Text = Arc<String>;

/// One unit of parsing handed to the pool.
struct Job {
    unit: usize,
    file: usize,
    len: u64,
    cached: Option<cache::EncodedParsed>,
    elide: Elide,
    /// The file's text when it was kept; read again otherwise.
    text: Option<Text>,
    /// For a unit that parses blanked bodies alone: each body, with its
    /// function as the first parse summarised it.
    bodies: Option<Vec<(BlankedBody, FnSummary)>>,
    /// For a unit that parses items blanked whole alone: each item, with
    /// the module it sits in.
    items: Option<Vec<(Hidden, ModuleScope)>>,
}

/// What a job gives back.
struct Parsed {
    unit: usize,
    file: usize,
    outcome: Result<FileSummary, ParseFailure>,
    from_cache: bool,
    /// The text, when the job read it.
    text: Option<Text>,
    /// What this parse left out that can be parsed alone later.
    later: LeftOut,
}

/// Parses and summarises one file's text, on a worker thread. (A panic
/// is caught around the whole job, and reported as an error finding for
/// this file alone.)
fn summarise(
    text: &str,
    elide: Elide,
    info: &CrateInfo,
    rules: &RuleSet,
) -> (Result<FileSummary, ParseFailure>, LeftOut) {
    let keep = match &elide {
        Elide::Nothing => None,
        Elide::Items { names, bodies } => Some(Keep {
            bodies: bodies.is_some(),
            names: names.as_deref(),
            keep_bodies: bodies.as_deref(),
        }),
    };
    let elided = keep.and_then(|keep| crate::elide::elide(text, keep));
    let (tree, elided) = match elided.map(|e| (parse(&e.text), e)) {
        Some((Ok(tree), elided)) => (Ok(tree), Some(elided)),
        // The elided text should parse whenever the file does; if it
        // does not, the file as written decides.
        Some((Err(_), _)) | None => (parse(text), None),
    };
    let blanked = match &elided {
        Some(e) => Blanked {
            hidden: &e.hidden,
            bodies: &e.bodies,
            body_ranges: &e.body_ranges,
        },
        None => Blanked::default(),
    };
    let (summary, later) = match tree {
        Ok(file) => {
            let (summary, later) = collect_elided(&file, &info.externs, rules, blanked);
            (Ok(summary), later)
        }
        Err(failure) => (Err(failure), LeftOut::default()),
    };
    // Span data for this file is no longer needed; without this each
    // worker keeps every file's text alive (PERF-NOTES).
    proc_macro2::extra::invalidate_current_thread_spans();
    (summary, later)
}

/// Summarises function bodies an earlier parse of the file blanked, each
/// parsed alone: the summary `FileSummary::merge_bodies` adds to the
/// file's.
fn summarise_bodies(
    text: &str,
    bodies: &[(BlankedBody, FnSummary)],
    info: &CrateInfo,
    rules: &RuleSet,
) -> Result<FileSummary, ParseFailure> {
    summarise_alone(bodies, "body", |(body, header)| {
        collect_body(text, body, header, &info.externs, rules)
    })
}

/// Summarises items an earlier parse of the file blanked whole, each
/// parsed alone: the summary `FileSummary::merge_items` adds to the file's.
fn summarise_items(
    text: &str,
    items: &[(Hidden, ModuleScope)],
    info: &CrateInfo,
    rules: &RuleSet,
) -> Result<FileSummary, ParseFailure> {
    summarise_alone(items, "item", |(item, module)| {
        collect_item(text, item, module, &info.externs, rules)
    })
}

/// The summaries of pieces of one file, one after another. A piece that
/// does not parse fails the whole unit, and the plan parses the file again
/// instead (which reports the error, if the file has one).
fn summarise_alone<T>(
    pieces: &[T],
    what: &str,
    summarise: impl Fn(&T) -> Result<FileSummary, ParseFailure>,
) -> Result<FileSummary, ParseFailure> {
    if pieces.is_empty() {
        return Err(ParseFailure {
            rule: IO_ERROR,
            span: Span::FILE_START,
            message: format!("internal error: no blanked {what} to parse; please report it"),
        });
    }
    let mut out = FileSummary::default();
    let mut outcome = Ok(());
    for piece in pieces {
        match summarise(piece) {
            Ok(summary) => out.append(summary),
            Err(failure) => {
                outcome = Err(failure);
                break;
            }
        }
    }
    proc_macro2::extra::invalidate_current_thread_spans();
    outcome.map(|()| out)
}

/// The blanked bodies a unit asks for, each with its function as its
/// unit of first parse summarised it. A body that cannot be found (which
/// the plan does not ask for) leaves the list empty, and the unit fails.
fn blanked_bodies(
    wanted: &[(usize, u32, u32)],
    later: &[LeftOut],
    results: &[Option<Result<Arc<FileSummary>, ParseFailure>>],
) -> Vec<(BlankedBody, FnSummary)> {
    let found: Option<Vec<_>> = wanted
        .iter()
        .map(|&(src, line, column)| {
            let body = later
                .get(src)?
                .bodies
                .iter()
                .find(|b| (b.line, b.column) == (line, column))?;
            let Some(Some(Ok(summary))) = results.get(src) else {
                return None;
            };
            let header = summary
                .functions
                .iter()
                .find(|f| f.elided && (f.span.line, f.span.column) == (line, column))?;
            Some((body.clone(), header.clone()))
        })
        .collect();
    found.unwrap_or_default()
}

/// The items blanked whole that a unit asks for by name, each with the
/// module it sits in. None found (which the plan does not ask for) leaves
/// the list empty, and the unit fails.
fn hidden_items(wanted: &[(usize, String)], later: &[LeftOut]) -> Vec<(Hidden, ModuleScope)> {
    let mut found = Vec::new();
    for (src, name) in wanted {
        let Some(left) = later.get(*src) else {
            return Vec::new();
        };
        let before = found.len();
        for item in left.items.iter().filter(|h| &h.name == name) {
            match left.module_of(item) {
                Some(module) => found.push((item.clone(), module.clone())),
                None => return Vec::new(),
            }
        }
        if found.len() == before {
            return Vec::new();
        }
    }
    found
}

/// How a unit parsed alone joins its file's summary.
enum Merge {
    /// Function bodies, by the position of the function's name.
    Bodies(Vec<(u32, u32)>),
    /// Items blanked whole, by name.
    Items(Vec<String>),
}

/// The finding for a file whose analysis panicked.
fn internal_error(panic: Box<dyn std::any::Any + Send>) -> ParseFailure {
    let detail = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    ParseFailure {
        rule: IO_ERROR,
        span: Span::FILE_START,
        message: format!("internal error while analysing this file ({detail}); please report it"),
    }
}

/// What `elide` blanks before a file is parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Elide {
    Nothing,
    /// Item contents no summary reads. With `names`, only those
    /// module-level functions and types are kept (and what they name),
    /// for a file the plan needs for some of its names; with `bodies`,
    /// long function bodies are blanked but those of functions so named.
    Items {
        names: Option<Arc<[String]>>,
        bodies: Option<Arc<[String]>>,
    },
}

fn trace(message: &str) {
    if std::env::var_os("BLOCKLINT_TRACE").is_some() {
        eprintln!("trace: {message}");
    }
}
