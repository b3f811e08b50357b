//! One lint run, from paths to findings: discover files, tie them to their
//! crates, parse and summarise them in parallel, build module trees, analyse
//! the whole run, then filter by rule selection and suppressions.

use crate::analysis::{AnalysedFile, analyse};
use crate::collect::collect;
use crate::discover::{SourcePath, discover};
use crate::manifest::{CrateFinder, CrateInfo};
use crate::model::{Finding, IO_ERROR, Span};
use crate::modtree::module_paths;
use crate::parse::{ParseFailure, STACK_SIZE, parse, read_source};
use crate::rules::RuleSet;
use crate::summary::FileSummary;
use crate::suppress;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap, HashSet};
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
}

/// The outcome of a run: findings plus the source texts the reporter
/// quotes.
#[derive(Debug, Default)]
pub struct LintResult {
    pub findings: Vec<Finding>,
    pub sources: HashMap<PathBuf, Arc<str>>,
    pub files_checked: usize,
}

struct FileInput {
    source: SourcePath,
    crate_dir: Option<PathBuf>,
    /// Reported on; other files only give context to the crate analysis.
    target: bool,
}

struct FileOutput {
    text: Option<Arc<str>>,
    summary: Result<FileSummary, ParseFailure>,
}

/// Runs the linter. Errors only for problems that stop the whole run.
pub fn lint(options: &Options, rules: &RuleSet) -> Result<LintResult, String> {
    let mut paths = options.paths.clone();
    if let Some((path, _)) = &options.stdin
        && !paths.contains(path)
    {
        paths = vec![path.clone()];
    }
    let discovered = if options.stdin.is_some() && !paths[0].exists() {
        // An unsaved buffer: no file on disk yet.
        let display = paths[0].clone();
        let absolute = std::path::absolute(&display).unwrap_or(display.clone());
        crate::discover::Discovered {
            files: vec![SourcePath { display, absolute }],
            errors: Vec::new(),
        }
    } else {
        discover(&paths, &|_| false)
    };
    let mut findings = discovered.errors;

    let mut finder = CrateFinder::default();
    let mut inputs: Vec<FileInput> = Vec::new();
    let mut seen: HashSet<PathBuf> = HashSet::new();
    for source in discovered.files {
        let crate_dir = finder.crate_dir(&source.absolute);
        seen.insert(source.absolute.clone());
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
        let crate_dirs: HashSet<PathBuf> =
            inputs.iter().filter_map(|i| i.crate_dir.clone()).collect();
        for dir in crate_dirs {
            for mut source in discover(std::slice::from_ref(&dir), &|_| false).files {
                // Shown relative to where the user stands, like the files named.
                if let Ok(cwd) = std::env::current_dir().and_then(std::fs::canonicalize)
                    && let Ok(relative) = source.absolute.strip_prefix(&cwd)
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

    let mut crates: BTreeMap<PathBuf, CrateInfo> = BTreeMap::new();
    for dir in inputs
        .iter()
        .filter_map(|i| i.crate_dir.clone())
        .collect::<HashSet<_>>()
    {
        let info = match CrateInfo::load(&dir) {
            Ok(Some(info)) => info,
            Ok(None) => CrateInfo::without_manifest(&dir),
            Err(e) => {
                let span = Span {
                    line: e.line,
                    column: e.column,
                    end_line: e.line,
                    end_column: e.column,
                };
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
    let own: HashSet<String> = crates.values().map(|c| c.name.clone()).collect();
    for info in crates.values_mut() {
        info.externs.own = own.clone();
    }

    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_SIZE)
        .num_threads(options.jobs.unwrap_or(0))
        .build()
        .map_err(|e| format!("cannot start worker threads: {e}"))?;
    let stdin = options
        .stdin
        .as_ref()
        .map(|(p, text)| (std::path::absolute(p).unwrap_or(p.clone()), text.as_str()));
    let outputs: Vec<FileOutput> = pool.install(|| {
        inputs
            .par_iter()
            .map(|input| {
                let info = input
                    .crate_dir
                    .as_ref()
                    .and_then(|d| crates.get(d))
                    .unwrap_or(&loose);
                let override_text = stdin
                    .as_ref()
                    .filter(|(p, _)| {
                        *p == input.source.absolute
                            || *p == std::path::absolute(&input.source.display).unwrap_or_default()
                    })
                    .map(|(_, t)| *t);
                process_file(&input.source.absolute, override_text, info, rules)
            })
            .collect()
    });

    let mut result = LintResult {
        files_checked: inputs.iter().filter(|i| i.target).count(),
        ..LintResult::default()
    };
    let mut summaries: Vec<Option<FileSummary>> = Vec::with_capacity(inputs.len());
    for (input, output) in inputs.iter().zip(outputs) {
        if let Some(text) = &output.text
            && input.target
        {
            result
                .sources
                .insert(input.source.display.clone(), text.clone());
        }
        match output.summary {
            Ok(summary) => summaries.push(Some(summary)),
            Err(failure) => {
                if input.target {
                    findings.push(Finding::file_error(
                        failure.rule,
                        input.source.display.clone(),
                        failure.span,
                        failure.message,
                    ));
                }
                summaries.push(None);
            }
        }
    }

    // Module trees per crate, then rebase every summary to crate paths.
    let mut by_crate: HashMap<Option<&PathBuf>, Vec<usize>> = HashMap::new();
    for (i, input) in inputs.iter().enumerate() {
        by_crate
            .entry(input.crate_dir.as_ref())
            .or_default()
            .push(i);
    }
    let mut analysed: Vec<AnalysedFile> = Vec::new();
    let mut targets: Vec<bool> = Vec::new();
    for (dir, members) in by_crate {
        let info = dir.and_then(|d| crates.get(d)).unwrap_or(&loose);
        let decls: Vec<(PathBuf, &[crate::summary::ModDecl])> = members
            .iter()
            .filter_map(|&i| {
                summaries[i]
                    .as_ref()
                    .map(|s| (inputs[i].source.absolute.clone(), s.mods.as_slice()))
            })
            .collect();
        let modules = module_paths(&info.name, &info.root, &info.roots, &decls);
        for &i in &members {
            let Some(mut summary) = summaries[i].take() else {
                continue;
            };
            match modules.get(&inputs[i].source.absolute) {
                Some(place) => summary.rebase(&place.module, &place.crate_root),
                None => summary.rebase(&info.name, &info.name),
            }
            analysed.push(AnalysedFile {
                display: inputs[i].source.display.clone(),
                runtime: info.runtime,
                tokio_features: info.tokio_features.clone(),
                summary,
            });
            targets.push(inputs[i].target);
        }
    }
    options.settings.prepare(&mut analysed, rules);
    let target_paths: HashSet<&Path> = analysed
        .iter()
        .zip(&targets)
        .filter(|(_, t)| **t)
        .map(|(f, _)| f.display.as_path())
        .collect();
    let mut raw: Vec<Finding> = analyse(&analysed, rules)
        .into_iter()
        .filter(|f| target_paths.contains(f.path.as_path()))
        .collect();
    raw.retain(|f| rule_enabled(&f.rule, options, rules));
    let item_lines: HashMap<&Path, &[(usize, usize)]> = analysed
        .iter()
        .map(|f| (f.display.as_path(), f.summary.item_lines.as_slice()))
        .collect();
    let raw = suppress::apply(raw, &result.sources, &item_lines, rules);
    findings.extend(raw);
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

/// Reads, parses and summarises one file, on a worker thread. A panic in
/// any step is caught and reported as an error finding for this file alone.
fn process_file(
    path: &Path,
    override_text: Option<&str>,
    info: &CrateInfo,
    rules: &RuleSet,
) -> FileOutput {
    let text = match override_text {
        Some(t) => Ok(t.to_string()),
        None => read_source(path),
    };
    let text = match text {
        Ok(t) => Arc::<str>::from(t),
        Err(failure) => {
            return FileOutput {
                text: None,
                summary: Err(failure),
            };
        }
    };
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let summary = parse(&text).map(|file| collect(&file, &info.externs, rules));
        // Span data for this file is no longer needed; without this each
        // worker keeps every file's text alive (PERF-NOTES).
        proc_macro2::extra::invalidate_current_thread_spans();
        summary
    }));
    let summary = match outcome {
        Ok(summary) => summary,
        Err(panic) => {
            proc_macro2::extra::invalidate_current_thread_spans();
            let detail = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(ParseFailure {
                rule: IO_ERROR,
                span: Span {
                    line: 1,
                    column: 1,
                    end_line: 1,
                    end_column: 1,
                },
                message: format!(
                    "internal error while analysing this file ({detail}); please report it"
                ),
            })
        }
    };
    FileOutput {
        text: Some(text),
        summary,
    }
}
