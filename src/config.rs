//! Configuration: where it is found, what it may say, and what it does to a
//! run.
//!
//! Settings are read from `blocklint.toml` (or `.blocklint.toml`) at the
//! workspace root, else from `[workspace.metadata.blocklint]` in the root
//! `Cargo.toml`; each linted package's `[package.metadata.blocklint]`
//! extends them for that package's files. `--config FILE` replaces all of
//! them. Command-line flags apply on top.
//!
//! Validation is strict, as for the rule data: an unknown key, an unknown
//! rule id, a bad glob or a value of the wrong type stops the run with an
//! error that points at the offending span of the TOML file (cargo-deny
//! style), with a "did you mean" for near misses.
//!
//! What configuration does happens in three places: additions to the rule
//! set (`extend-blocking`, `extend-offload`) before the run, `allow` on the
//! summaries before the crate-wide analysis (`Settings::prepare`), and
//! everything else on the findings after it (`Settings::apply`).

use crate::analysis::AnalysedFile;
use crate::cli::{closest, edit_distance};
use crate::model::{Finding, Severity};
use crate::rules::{Blocking, Instead, RuleSet};
use crate::summary::Callee;
use codespan_reporting::diagnostic::{Diagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::termcolor::WriteColor;
use codespan_reporting::term::{self, Config};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// Names of a standalone configuration file, in order of precedence.
pub const FILE_NAMES: [&str; 2] = ["blocklint.toml", ".blocklint.toml"];

/// Every key a configuration table may hold.
const KEYS: [&str; 9] = [
    "select",
    "ignore",
    "extend-blocking",
    "extend-offload",
    "allow",
    "exclude",
    "per-file-ignores",
    "severity",
    "skip-tests",
];
const EXTEND_BLOCKING_KEYS: [&str; 4] = ["path", "rule", "message", "help"];

/// Rule ids for problems with the input (not in the rule data) that
/// `ignore`, `per-file-ignores` and `severity` may still name.
const INPUT_RULES: [&str; 4] = [
    "syntax-error",
    "io-error",
    "manifest-error",
    "unused-suppression",
];

/// A configuration problem: a message, and where it is when it is in a file.
#[derive(Debug, Clone)]
pub struct ConfigError {
    pub message: String,
    /// `(shown name, text, span, label)`.
    pub location: Option<(String, Arc<str>, Range<usize>, String)>,
    pub notes: Vec<String>,
}

impl ConfigError {
    fn plain(message: String) -> ConfigError {
        ConfigError {
            message,
            location: None,
            notes: Vec::new(),
        }
    }

    /// Renders the error rustc-style, the offending TOML underlined.
    pub fn render(&self, out: &mut dyn WriteColor) -> std::io::Result<()> {
        match &self.location {
            Some((name, text, span, label)) => {
                let file = SimpleFile::new(name.clone(), text.clone());
                let diagnostic = Diagnostic::error()
                    .with_message(self.message.clone())
                    .with_labels(vec![Label::primary((), span.clone()).with_message(label)])
                    .with_notes(self.notes.clone());
                term::emit_to_write_style(out, &Config::default(), &file, &diagnostic)
                    .map_err(std::io::Error::other)
            }
            None => {
                writeln!(out, "error: {}", self.message)?;
                for note in &self.notes {
                    writeln!(out, "  = {note}")?;
                }
                Ok(())
            }
        }
    }
}

/// Where to look for configuration.
#[derive(Debug, Clone)]
pub struct Request {
    /// `--config FILE`: this file alone.
    pub explicit: Option<PathBuf>,
    /// The workspace root (absolute).
    pub root: PathBuf,
    /// Manifests (absolute) whose `[package.metadata.blocklint]` applies to
    /// their package's files.
    pub packages: Vec<PathBuf>,
}

/// Choices made on the command line; they win over the configuration.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// Replaces `select` everywhere when not empty.
    pub select: Vec<String>,
    /// Added to `ignore` everywhere.
    pub ignore: Vec<String>,
    /// Globs added to `exclude`, relative to the current folder.
    pub exclude: Vec<String>,
    /// `RULE=LEVEL` pairs.
    pub severity: Vec<String>,
    pub skip_tests: bool,
}

/// A rule id that configuration defines (`extend-blocking` with a new id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomRule {
    pub id: String,
    /// The paths it covers.
    pub paths: Vec<String>,
    pub message: Option<String>,
    pub help: Option<String>,
}

/// The outcome of loading: the settings for `lint`, and what was read.
#[derive(Debug, Clone, Default)]
pub struct Loaded {
    pub settings: Settings,
    /// Configuration files and manifests whose tables were used.
    pub files: Vec<PathBuf>,
    pub custom_rules: Vec<CustomRule>,
}

/// A glob with the folder it is relative to. Without a `/` it matches any
/// path component (like a `.gitignore` line); with one, the path from its
/// folder or any leading part of it (`generated/**`, `src/legacy`).
#[derive(Debug, Clone)]
pub struct PathGlob {
    pub text: String,
    base: PathBuf,
    matcher: globset::GlobMatcher,
    anywhere: bool,
}

impl PathGlob {
    fn new(text: &str, base: &Path) -> Result<PathGlob, globset::Error> {
        let anywhere = !text.trim_end_matches('/').contains('/');
        let pattern = text.trim_start_matches("./").trim_end_matches('/');
        let glob = globset::GlobBuilder::new(pattern)
            .literal_separator(true)
            .build()?;
        Ok(PathGlob {
            text: text.to_string(),
            base: base.to_path_buf(),
            matcher: glob.compile_matcher(),
            anywhere,
        })
    }

    /// Whether `path` (absolute) is matched.
    pub fn is_match(&self, path: &Path) -> bool {
        let Ok(relative) = path.strip_prefix(&self.base) else {
            return false;
        };
        if self.anywhere {
            return relative
                .components()
                .any(|c| self.matcher.is_match(Path::new(c.as_os_str())));
        }
        relative
            .ancestors()
            .filter(|a| !a.as_os_str().is_empty())
            .any(|a| self.matcher.is_match(a))
    }
}

/// The settings for the files under one folder.
#[derive(Debug, Clone, Default)]
struct Scope {
    /// Absolute; the workspace scope's root is the workspace root.
    root: PathBuf,
    /// `None`: each rule's default.
    select: Option<Vec<String>>,
    ignore: Vec<String>,
    exclude: Vec<PathGlob>,
    per_file_ignores: Vec<(PathGlob, Vec<String>)>,
    severity: HashMap<String, Severity>,
    skip_tests: bool,
}

/// What configuration and the command line ask of one run, beyond the rule
/// set: held by `lint::Options`. The default changes nothing.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// The workspace's settings, for files outside every package scope.
    base: Scope,
    /// Package scopes, most deeply nested first.
    packages: Vec<Scope>,
    /// Function paths never reported, and (crate-local ones) never taken
    /// to block.
    allow: HashSet<String>,
    /// Messages of `extend-blocking` entries, by callee path.
    messages: HashMap<String, String>,
    /// Paths of `extend-blocking` entries, for calls into a binary
    /// target's own functions (see `prepare`).
    extended: HashSet<String>,
    /// Rule ids defined by configuration (on by default).
    custom_rules: HashSet<String>,
    /// Folders never reported (members nested in a selected member's
    /// folders that were not selected).
    skip_dirs: Vec<PathBuf>,
    /// Whether the run-wide `--select` given to `lint` had to be widened to
    /// `all` so that per-scope selection can be decided here.
    widened: bool,
}

impl Settings {
    /// The rule selection `lint` applies before suppressions: the
    /// command line's, or `all` when configuration selects per scope and
    /// this filter decides.
    pub fn run_select(&self, cli_select: &[String]) -> Vec<String> {
        if self.widened {
            vec!["all".into()]
        } else {
            cli_select.to_vec()
        }
    }

    /// Folders whose findings are dropped (see `skip_dirs`).
    pub fn skip_folders(&mut self, dirs: Vec<PathBuf>) {
        self.skip_dirs.extend(dirs);
    }

    /// Rule ids that configuration added.
    pub fn custom_rule_ids(&self) -> impl Iterator<Item = &String> {
        self.custom_rules.iter()
    }

    /// Before the crate-wide analysis, on the summaries:
    ///
    /// - An allowed crate-local sync function is not taken to block, so
    ///   calls of it are not transitive findings. Its own sync calls are
    ///   made opaque; calls that could make it an offload wrapper (closure
    ///   arguments, offload APIs, forwarded parameters to non-blocking
    ///   paths) are kept so that offloading still works through it.
    /// - The functions of a binary, test or example target live in a
    ///   namespace of their own (`app::bin@src_main::db::query`); users
    ///   write them as the target's code does (`app::db::query`). Calls of
    ///   such a function listed in `extend-blocking` are renamed to the
    ///   configured path, which the rule set knows.
    pub fn prepare(&self, files: &mut [AnalysedFile], rules: &RuleSet) {
        if self.allow.is_empty() && self.extended.is_empty() {
            return;
        }
        for file in files {
            for function in &mut file.summary.functions {
                if !self.extended.is_empty() {
                    for call in &mut function.calls {
                        if let Callee::Path(candidates) = &mut call.callee {
                            for candidate in candidates.iter_mut() {
                                let plain = without_target_namespace(candidate);
                                if plain != *candidate && self.extended.contains(&plain) {
                                    *candidate = plain;
                                }
                            }
                        }
                    }
                }
                if function.is_async
                    || !self
                        .allow
                        .contains(&without_target_namespace(&function.path))
                {
                    continue;
                }
                for call in &mut function.calls {
                    if call.async_context.is_some() {
                        continue;
                    }
                    let keep = call.has_closure_arg
                        || match &call.callee {
                            Callee::Path(candidates) => candidates.iter().any(|c| {
                                rules.is_offload_path(c)
                                    || (!call.forwarded_params.is_empty()
                                        && rules
                                            .function(c)
                                            .is_none_or(|info| info.blocking.is_none()))
                            }),
                            Callee::Method { name, .. } => rules.is_offload_method(name),
                            Callee::Iterate(_) => false,
                        };
                    if !keep {
                        call.callee = Callee::Path(Vec::new());
                    }
                }
            }
        }
    }

    /// After the analysis and suppressions: exclusions, per-scope rule
    /// selection, per-file ignores, test code, allowed callees, severity
    /// overrides and configured messages.
    pub fn apply(
        &self,
        findings: &mut Vec<Finding>,
        sources: &HashMap<PathBuf, Arc<str>>,
        item_lines: &HashMap<&Path, &[(usize, usize)]>,
        rules: &RuleSet,
    ) {
        let cwd = std::env::current_dir().unwrap_or_default();
        let mut tests = TestCode::default();
        let wants_tests = self.base.skip_tests || self.packages.iter().any(|s| s.skip_tests);
        if wants_tests {
            tests = TestCode::scan(sources, item_lines, &cwd);
        }
        findings.retain_mut(|finding| {
            let absolute = absolute_from(&cwd, &finding.path);
            if self.skip_dirs.iter().any(|d| absolute.starts_with(d)) {
                return false;
            }
            let scope = self.scope_for(&absolute);
            if scope.exclude.iter().any(|g| g.is_match(&absolute)) {
                return false;
            }
            if !self.rule_enabled(scope, &finding.rule, rules) {
                return false;
            }
            if scope.per_file_ignores.iter().any(|(glob, ids)| {
                ids.iter().any(|r| r == &finding.rule || r == "all") && glob.is_match(&absolute)
            }) {
                return false;
            }
            if scope.skip_tests
                && tests.contains(&absolute, &finding.path, finding.span.line as usize)
            {
                return false;
            }
            if let Some(callee) = &finding.callee
                && self.allow.contains(callee)
            {
                return false;
            }
            if let Some(level) = scope.severity.get(&finding.rule) {
                finding.severity = *level;
            }
            if finding.via.is_empty()
                && let Some(callee) = &finding.callee
                && let Some(message) = self.messages.get(callee)
            {
                let context = finding
                    .context
                    .as_ref()
                    .map(|c| format!(" in {}", c.description))
                    .unwrap_or_default();
                finding.message = format!("{message} (`{callee}`{context})");
            }
            true
        });
    }

    fn scope_for(&self, absolute: &Path) -> &Scope {
        self.packages
            .iter()
            .find(|s| absolute.starts_with(&s.root))
            .unwrap_or(&self.base)
    }

    fn rule_enabled(&self, scope: &Scope, rule: &str, rules: &RuleSet) -> bool {
        if scope.ignore.iter().any(|r| r == rule) {
            return false;
        }
        let known = rules.rule(rule);
        let custom = self.custom_rules.contains(rule);
        if known.is_none() && !custom {
            // A problem with the input: always reported unless ignored.
            return true;
        }
        match &scope.select {
            Some(select) => select.iter().any(|r| r == rule || r == "all"),
            None if self.widened => known.is_none_or(|r| r.default_on),
            // `lint` has applied each rule's default already.
            None => true,
        }
    }
}

/// `app::bin@src_main::db::query` -> `app::db::query`: a path as the
/// target's own code names it.
fn without_target_namespace(path: &str) -> String {
    path.split("::")
        .filter(|segment| !segment.starts_with("bin@"))
        .collect::<Vec<_>>()
        .join("::")
}

fn absolute_from(cwd: &Path, path: &Path) -> PathBuf {
    crate::workspace::absolute_path(cwd, path)
}

/// Which lines of which files are test code: items under `#[test]`,
/// `#[tokio::test]` (any `::test` attribute), `#[cfg(test)]`, `#[rstest]`
/// or `#[test_case]`; files of modules declared under `#[cfg(test)]`; and
/// files under a `tests` folder (integration tests).
#[derive(Debug, Default)]
struct TestCode {
    ranges: HashMap<PathBuf, Vec<(usize, usize)>>,
    files: HashSet<PathBuf>,
    folders: Vec<PathBuf>,
}

impl TestCode {
    fn scan(
        sources: &HashMap<PathBuf, Arc<str>>,
        item_lines: &HashMap<&Path, &[(usize, usize)]>,
        cwd: &Path,
    ) -> TestCode {
        let mut found = TestCode::default();
        for (path, text) in sources {
            let lines: Vec<&str> = text.lines().collect();
            let items = item_lines.get(path.as_path()).copied().unwrap_or(&[]);
            let ranges: Vec<(usize, usize)> = items
                .iter()
                .copied()
                .filter(|&(start, _)| is_test_item(&lines, start))
                .collect();
            if !ranges.is_empty() {
                found.ranges.insert(path.clone(), ranges);
            }
            let absolute = absolute_from(cwd, path);
            for module in cfg_test_modules(&lines) {
                let Some(dir) = module_dir(&absolute) else {
                    continue;
                };
                found.files.insert(dir.join(format!("{module}.rs")));
                found.folders.push(dir.join(&module));
            }
        }
        found
    }

    fn contains(&self, absolute: &Path, shown: &Path, line: usize) -> bool {
        if absolute.components().any(|c| c.as_os_str() == "tests")
            || self.files.contains(absolute)
            || self.folders.iter().any(|f| absolute.starts_with(f))
        {
            return true;
        }
        self.ranges
            .get(shown)
            .is_some_and(|r| r.iter().any(|&(s, e)| line >= s && line <= e))
    }
}

/// Whether the item starting at `start` (1-based, attributes included)
/// carries a test attribute.
fn is_test_item(lines: &[&str], start: usize) -> bool {
    let mut header = String::new();
    for line in lines.iter().skip(start.saturating_sub(1)) {
        let t = line.trim();
        if !(t.is_empty() || t.starts_with('#') || t.starts_with("//")) {
            break;
        }
        header.push_str(t);
    }
    let header: String = header.chars().filter(|c| !c.is_whitespace()).collect();
    [
        "#[test]",
        "::test]",
        "::test(",
        "#[cfg(test)]",
        "#[rstest",
        "#[test_case",
    ]
    .iter()
    .any(|p| header.contains(p))
}

/// Names of `mod name;` declarations under `#[cfg(test)]`.
fn cfg_test_modules(lines: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut pending = false;
    for line in lines {
        let t = line.trim();
        let compact: String = t.chars().filter(|c| !c.is_whitespace()).collect();
        if compact.starts_with("#[cfg(test)]") {
            pending = true;
            continue;
        }
        if t.starts_with('#') || t.is_empty() || t.starts_with("//") {
            continue;
        }
        if pending {
            let rest = t.strip_prefix("pub ").unwrap_or(t);
            if let Some(name) = rest
                .strip_prefix("mod ")
                .and_then(|r| r.trim().strip_suffix(';'))
            {
                out.push(name.trim().to_string());
            }
        }
        pending = false;
    }
    out
}

/// The folder where a file's `mod x;` files live, as rustc finds them.
fn module_dir(file: &Path) -> Option<PathBuf> {
    let parent = file.parent()?;
    let stem = file.file_stem()?.to_str()?;
    if matches!(stem, "main" | "lib" | "mod") || parent.ends_with("src/bin") {
        Some(parent.to_path_buf())
    } else {
        Some(parent.join(stem))
    }
}

/// The workspace root for a run started in `start`: the nearest folder
/// with a `Cargo.toml` holding `[workspace]`, else the nearest with a
/// configuration file or a package manifest, else `start`. The search
/// stops at the repository's root (a folder holding `.git`).
pub fn find_root(start: &Path) -> PathBuf {
    let mut nearest: Option<PathBuf> = None;
    for dir in start.ancestors() {
        let manifest = dir.join("Cargo.toml");
        if manifest.is_file() {
            let text = std::fs::read_to_string(&manifest).unwrap_or_default();
            let table: Option<toml::Table> = text.parse().ok();
            if table.as_ref().is_some_and(|t| t.contains_key("workspace")) {
                return dir.to_path_buf();
            }
            if nearest.is_none() {
                nearest = Some(dir.to_path_buf());
            }
        }
        if nearest.is_none() && FILE_NAMES.iter().any(|n| dir.join(n).is_file()) {
            nearest = Some(dir.to_path_buf());
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    nearest.unwrap_or_else(|| start.to_path_buf())
}

/// Package manifests whose settings apply to a plain run over `paths`: the
/// nearest manifest at or above each path (up to `root`), and the
/// manifests the walk of the folders given passed (`walked`: it skips
/// `target`, hidden and ignored folders, whose files are not checked).
pub fn package_manifests(paths: &[PathBuf], root: &Path, walked: &[PathBuf]) -> Vec<PathBuf> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut found = BTreeSet::new();
    for path in paths {
        let absolute = crate::workspace::absolute_path(&cwd, path);
        for dir in absolute.ancestors().skip(usize::from(!absolute.is_dir())) {
            let manifest = dir.join("Cargo.toml");
            if manifest.is_file() {
                found.insert(manifest);
                break;
            }
            if dir == root {
                break;
            }
        }
    }
    found.extend(
        walked
            .iter()
            .map(|m| crate::workspace::absolute_path(&cwd, m)),
    );
    found.into_iter().collect()
}

/// One configuration table as read, values with their spans.
#[derive(Debug, Default)]
struct Table {
    source: usize,
    /// Folder globs are relative to.
    base: PathBuf,
    select: Option<Vec<Item>>,
    ignore: Vec<Item>,
    extend_blocking: Vec<ExtendBlocking>,
    extend_offload: Vec<Item>,
    allow: Vec<Item>,
    exclude: Vec<Item>,
    per_file_ignores: Vec<(Item, Vec<Item>)>,
    severity: Vec<(Item, Severity)>,
    skip_tests: Option<bool>,
}

#[derive(Debug, Clone)]
struct Item {
    text: String,
    span: Range<usize>,
}

#[derive(Debug)]
struct ExtendBlocking {
    path: Item,
    rule: Item,
    message: Option<String>,
    help: Option<String>,
}

/// A file read for configuration.
struct Source {
    shown: String,
    text: Arc<str>,
}

struct Reader {
    sources: Vec<Source>,
    errors: Vec<ConfigError>,
}

impl Reader {
    fn error(&mut self, source: usize, span: Range<usize>, message: String, label: &str) {
        self.error_with(source, span, message, label, Vec::new());
    }

    fn error_with(
        &mut self,
        source: usize,
        span: Range<usize>,
        message: String,
        label: &str,
        notes: Vec<String>,
    ) {
        let s = &self.sources[source];
        self.errors.push(ConfigError {
            message,
            location: Some((s.shown.clone(), s.text.clone(), span, label.to_string())),
            notes,
        });
    }

    fn add_source(&mut self, path: &Path, text: String) -> usize {
        let cwd = std::env::current_dir().unwrap_or_default();
        let shown = crate::workspace::relative_to(path, &cwd)
            .display()
            .to_string();
        self.sources.push(Source {
            shown,
            text: text.into(),
        });
        self.sources.len() - 1
    }

    /// Reads a standalone configuration file (every key at the top).
    fn read_file(&mut self, path: &Path) -> Option<Table> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                self.errors.push(ConfigError::plain(format!(
                    "cannot read the configuration file {}: {e}",
                    path.display()
                )));
                return None;
            }
        };
        let source = self.add_source(path, text);
        let text = self.sources[source].text.clone();
        let document = self.parse(source, &text)?;
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Some(self.table(source, document.get_ref(), base))
    }

    /// Reads `[section.metadata.blocklint]` of a manifest, if present.
    /// A manifest that does not parse is left to the lint run, which
    /// reports it as a `manifest-error` finding.
    fn read_manifest(&mut self, path: &Path, section: &str, strict: bool) -> Option<Table> {
        let text = std::fs::read_to_string(path).ok()?;
        // A run over a large tree reads hundreds of manifests, most without
        // a table of ours: no need to parse those (a key spelled with
        // escapes is not worth the cost).
        if !strict && !text.contains("blocklint") {
            return None;
        }
        if DeTable::parse(&text).is_err() && !strict {
            return None;
        }
        let source = self.add_source(path, text);
        let text = self.sources[source].text.clone();
        let document = self.parse(source, &text)?;
        let mut table = document.get_ref();
        for key in [section, "metadata", "blocklint"] {
            match find(table, key) {
                Some((_, value)) => match value.get_ref() {
                    DeValue::Table(inner) => table = inner,
                    other => {
                        let message =
                            format!("`{key}` must be a table, found {}", type_name(other));
                        self.error(source, value.span(), message, "expected a table");
                        return None;
                    }
                },
                None => return None,
            }
        }
        let base = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Some(self.table(source, table, base))
    }

    fn parse<'t>(&mut self, source: usize, text: &'t str) -> Option<Spanned<DeTable<'t>>> {
        match DeTable::parse(text) {
            Ok(document) => Some(document),
            Err(e) => {
                let span = e.span().unwrap_or(0..0);
                self.error(
                    source,
                    span,
                    format!("invalid TOML: {}", e.message().trim_end()),
                    "here",
                );
                None
            }
        }
    }

    fn table(&mut self, source: usize, table: &DeTable<'_>, base: PathBuf) -> Table {
        let mut out = Table {
            source,
            base,
            ..Table::default()
        };
        for (key, value) in table.iter() {
            let name = key.get_ref().as_ref();
            match name {
                "select" => out.select = Some(self.strings(source, name, value)),
                "ignore" => out.ignore = self.strings(source, name, value),
                "extend-offload" => out.extend_offload = self.strings(source, name, value),
                "allow" => out.allow = self.strings(source, name, value),
                "exclude" => out.exclude = self.strings(source, name, value),
                "skip-tests" => match value.get_ref() {
                    DeValue::Boolean(b) => out.skip_tests = Some(*b),
                    other => self.wrong_type(source, name, value.span(), "a boolean", other),
                },
                "extend-blocking" => out.extend_blocking = self.extend_blocking(source, value),
                "per-file-ignores" => {
                    let Some(entries) = self.subtable(source, name, value) else {
                        continue;
                    };
                    for (glob, ids) in entries.iter() {
                        let glob = Item {
                            text: glob.get_ref().to_string(),
                            span: glob.span(),
                        };
                        let ids = self.strings(source, "per-file-ignores", ids);
                        out.per_file_ignores.push((glob, ids));
                    }
                }
                "severity" => {
                    let Some(entries) = self.subtable(source, name, value) else {
                        continue;
                    };
                    for (rule, level) in entries.iter() {
                        let rule = Item {
                            text: rule.get_ref().to_string(),
                            span: rule.span(),
                        };
                        let DeValue::String(text) = level.get_ref() else {
                            self.wrong_type(
                                source,
                                &rule.text,
                                level.span(),
                                "one of \"error\", \"warning\", \"note\"",
                                level.get_ref(),
                            );
                            continue;
                        };
                        match Severity::parse(text) {
                            Some(s) => out.severity.push((rule, s)),
                            None => {
                                let levels = ["error", "warning", "note"];
                                let notes = closest(text, levels.iter().copied())
                                    .map(|c| vec![format!("help: did you mean `{c}`?")])
                                    .unwrap_or_default();
                                self.error_with(
                                    source,
                                    level.span(),
                                    format!(
                                        "unknown severity `{text}`: use \"error\", \"warning\" or \"note\""
                                    ),
                                    "unknown severity",
                                    notes,
                                );
                            }
                        }
                    }
                }
                _ => {
                    let notes = closest(name, KEYS.iter().copied())
                        .map(|c| vec![format!("help: did you mean `{c}`?")])
                        .unwrap_or_else(|| vec![format!("note: the keys are {}", KEYS.join(", "))]);
                    self.error_with(
                        source,
                        key.span(),
                        format!("unknown configuration key `{name}`"),
                        "unknown key",
                        notes,
                    );
                }
            }
        }
        out
    }

    fn subtable<'a, 'i>(
        &mut self,
        source: usize,
        name: &str,
        value: &'a Spanned<DeValue<'i>>,
    ) -> Option<&'a DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(t) => Some(t),
            other => {
                self.wrong_type(source, name, value.span(), "a table", other);
                None
            }
        }
    }

    fn strings(&mut self, source: usize, name: &str, value: &Spanned<DeValue<'_>>) -> Vec<Item> {
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(
                source,
                name,
                value.span(),
                "an array of strings",
                value.get_ref(),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(s) => out.push(Item {
                    text: s.to_string(),
                    span: item.span(),
                }),
                other => self.wrong_type(source, name, item.span(), "a string", other),
            }
        }
        out
    }

    fn extend_blocking(
        &mut self,
        source: usize,
        value: &Spanned<DeValue<'_>>,
    ) -> Vec<ExtendBlocking> {
        let DeValue::Array(items) = value.get_ref() else {
            self.wrong_type(
                source,
                "extend-blocking",
                value.span(),
                "an array of tables",
                value.get_ref(),
            );
            return Vec::new();
        };
        let mut out = Vec::new();
        for item in items.iter() {
            let DeValue::Table(entry) = item.get_ref() else {
                self.wrong_type(
                    source,
                    "extend-blocking",
                    item.span(),
                    "a table",
                    item.get_ref(),
                );
                continue;
            };
            let mut path = None;
            let mut rule = None;
            let mut message = None;
            let mut help = None;
            for (key, value) in entry.iter() {
                let name = key.get_ref().as_ref();
                if !EXTEND_BLOCKING_KEYS.contains(&name) {
                    let notes = closest(name, EXTEND_BLOCKING_KEYS.iter().copied())
                        .map(|c| vec![format!("help: did you mean `{c}`?")])
                        .unwrap_or_else(|| {
                            vec![format!(
                                "note: an `extend-blocking` entry has {}",
                                EXTEND_BLOCKING_KEYS.join(", ")
                            )]
                        });
                    self.error_with(
                        source,
                        key.span(),
                        format!("unknown key `{name}` in `extend-blocking`"),
                        "unknown key",
                        notes,
                    );
                    continue;
                }
                let DeValue::String(text) = value.get_ref() else {
                    self.wrong_type(source, name, value.span(), "a string", value.get_ref());
                    continue;
                };
                let item = Item {
                    text: text.to_string(),
                    span: value.span(),
                };
                match name {
                    "path" => path = Some(item),
                    "rule" => rule = Some(item),
                    "message" => message = Some(item.text),
                    _ => help = Some(item.text),
                }
            }
            match (path, rule) {
                (Some(path), Some(rule)) => out.push(ExtendBlocking {
                    path,
                    rule,
                    message,
                    help,
                }),
                (path, _) => {
                    let missing = if path.is_none() { "path" } else { "rule" };
                    self.error(
                        source,
                        item.span(),
                        format!("this `extend-blocking` entry has no `{missing}`"),
                        &format!("`{missing}` missing"),
                    );
                }
            }
        }
        out
    }

    fn wrong_type(
        &mut self,
        source: usize,
        name: &str,
        span: Range<usize>,
        expected: &str,
        found: &DeValue<'_>,
    ) {
        self.error(
            source,
            span,
            format!("`{name}` must be {expected}, found {}", type_name(found)),
            &format!("expected {expected}"),
        );
    }
}

fn find<'a, 'i>(
    table: &'a DeTable<'i>,
    key: &str,
) -> Option<(
    &'a Spanned<std::borrow::Cow<'i, str>>,
    &'a Spanned<DeValue<'i>>,
)> {
    table.iter().find(|(k, _)| k.get_ref().as_ref() == key)
}

fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "an integer",
        DeValue::Float(_) => "a float",
        DeValue::Boolean(_) => "a boolean",
        DeValue::Datetime(_) => "a date-time",
        DeValue::Array(_) => "an array",
        DeValue::Table(_) => "a table",
    }
}

/// A rule id as configuration may spell a new one.
fn is_rule_id(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Finds, reads and validates the configuration, adds its blocking and
/// offload functions to `rules`, and merges the command line's choices.
/// Every error found is returned, not only the first.
pub fn load(
    request: &Request,
    overrides: &Overrides,
    rules: &mut RuleSet,
) -> Result<Loaded, Vec<ConfigError>> {
    let mut reader = Reader {
        sources: Vec::new(),
        errors: Vec::new(),
    };
    let mut files = Vec::new();
    let mut workspace: Option<Table> = None;
    // (package folder, table)
    let mut packages: Vec<(PathBuf, Table)> = Vec::new();
    match &request.explicit {
        Some(path) => {
            let is_manifest = path.file_name().is_some_and(|n| n == "Cargo.toml");
            workspace = if is_manifest {
                let t = reader.read_manifest(path, "workspace", true);
                t.or_else(|| reader.read_manifest(path, "package", true))
            } else {
                reader.read_file(path)
            };
            if workspace.is_none() && reader.errors.is_empty() {
                reader.errors.push(ConfigError::plain(format!(
                    "{} holds no `[workspace.metadata.blocklint]` or `[package.metadata.blocklint]` table",
                    path.display()
                )));
            }
            files.push(path.clone());
        }
        None => {
            let standalone = FILE_NAMES
                .iter()
                .map(|n| request.root.join(n))
                .find(|p| p.is_file());
            let root_manifest = request.root.join("Cargo.toml");
            if let Some(path) = standalone {
                workspace = reader.read_file(&path);
                files.push(path.clone());
                let text = std::fs::read_to_string(&root_manifest).unwrap_or_default();
                let table: Option<toml::Table> = text.parse().ok();
                if table
                    .as_ref()
                    .and_then(|t| t.get("workspace"))
                    .and_then(|w| w.get("metadata"))
                    .and_then(|m| m.get("blocklint"))
                    .is_some()
                {
                    eprintln!(
                        "warning: {} takes precedence; [workspace.metadata.blocklint] in {} is not used",
                        path.display(),
                        root_manifest.display()
                    );
                }
            } else if root_manifest.is_file() {
                workspace = reader.read_manifest(&root_manifest, "workspace", false);
                if workspace.is_some() {
                    files.push(root_manifest.clone());
                }
            }
            for manifest in &request.packages {
                if let Some(table) = reader.read_manifest(manifest, "package", false) {
                    let dir = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
                    packages.push((dir, table));
                    files.push(manifest.clone());
                }
            }
        }
    }

    // Rule ids configuration defines, then every reference checked against
    // the full list.
    let mut custom: Vec<CustomRule> = Vec::new();
    let builtin: Vec<String> = rules.rules().iter().map(|r| r.id.clone()).collect();
    let all_tables: Vec<&Table> = workspace
        .iter()
        .chain(packages.iter().map(|(_, t)| t))
        .collect();
    for table in &all_tables {
        for entry in &table.extend_blocking {
            let id = &entry.rule.text;
            if builtin.contains(id) {
                continue;
            }
            if !is_rule_id(id) {
                reader.error(
                    table.source,
                    entry.rule.span.clone(),
                    format!("`{id}` is not a rule id: use lowercase letters, digits and `-`"),
                    "not a rule id",
                );
                continue;
            }
            if let Some(near) = builtin
                .iter()
                .find(|b| edit_distance(id, b) <= 1 && !INPUT_RULES.contains(&b.as_str()))
            {
                reader.error_with(
                    table.source,
                    entry.rule.span.clone(),
                    format!("unknown rule `{id}`"),
                    "unknown rule",
                    vec![format!(
                        "help: did you mean `{near}`? (a new rule id must not be a near miss of a built-in one)"
                    )],
                );
                continue;
            }
            if INPUT_RULES.contains(&id.as_str()) {
                reader.error(
                    table.source,
                    entry.rule.span.clone(),
                    format!("`{id}` is reserved for problems with the input"),
                    "reserved rule id",
                );
                continue;
            }
            match custom.iter_mut().find(|c| &c.id == id) {
                Some(existing) => existing.paths.push(entry.path.text.clone()),
                None => custom.push(CustomRule {
                    id: id.clone(),
                    paths: vec![entry.path.text.clone()],
                    message: entry.message.clone(),
                    help: entry.help.clone(),
                }),
            }
        }
    }
    let mut known: Vec<String> = builtin.clone();
    known.extend(INPUT_RULES.iter().map(|s| s.to_string()));
    known.extend(custom.iter().map(|c| c.id.clone()));
    known.sort();
    known.dedup();
    let check_rule = |reader: &mut Reader, source: usize, item: &Item, allow_all: bool| {
        if (allow_all && item.text == "all") || known.contains(&item.text) {
            return;
        }
        let notes = closest(&item.text, known.iter().map(String::as_str))
            .map(|c| vec![format!("help: did you mean `{c}`?")])
            .unwrap_or_else(|| vec!["note: `blocklint rules` lists the rule ids".to_string()]);
        reader.error_with(
            source,
            item.span.clone(),
            format!("unknown rule `{}`", item.text),
            "unknown rule",
            notes,
        );
    };
    let check_path = |reader: &mut Reader, source: usize, item: &Item| {
        if crate::types::is_valid_path(&item.text) {
            return;
        }
        let fixed = item.text.replace('-', "_");
        let notes = if crate::types::is_valid_path(&fixed) {
            vec![format!(
                "help: crate names are written with `_` in paths: `{fixed}`"
            )]
        } else {
            vec!["note: write a full path such as `my_crate::db::query`".to_string()]
        };
        reader.error_with(
            source,
            item.span.clone(),
            format!("`{}` is not a function path", item.text),
            "not a path",
            notes,
        );
    };
    let check_glob = |reader: &mut Reader, source: usize, item: &Item| {
        if let Err(e) = PathGlob::new(&item.text, Path::new("/")) {
            reader.error(
                source,
                item.span.clone(),
                format!("invalid glob `{}`: {}", item.text, e.kind()),
                "invalid glob",
            );
        }
    };
    for table in &all_tables {
        let s = table.source;
        for item in table.select.iter().flatten().chain(&table.ignore) {
            check_rule(&mut reader, s, item, true);
        }
        for (glob, ids) in &table.per_file_ignores {
            check_glob(&mut reader, s, glob);
            for id in ids {
                check_rule(&mut reader, s, id, true);
            }
        }
        for (rule, _) in &table.severity {
            check_rule(&mut reader, s, rule, false);
        }
        for item in &table.exclude {
            check_glob(&mut reader, s, item);
        }
        for item in table
            .extend_offload
            .iter()
            .chain(&table.allow)
            .chain(table.extend_blocking.iter().map(|e| &e.path))
        {
            check_path(&mut reader, s, item);
        }
    }

    // The command line's choices, checked the same way.
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut cli_errors = Vec::new();
    let mut cli_severity = HashMap::new();
    for pair in &overrides.severity {
        let Some((rule, level)) = pair.split_once('=') else {
            cli_errors.push(ConfigError::plain(format!(
                "--severity expects RULE=LEVEL, got `{pair}`"
            )));
            continue;
        };
        if !known.iter().any(|k| k == rule) {
            let hint = closest(rule, known.iter().map(String::as_str))
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            cli_errors.push(ConfigError::plain(format!(
                "unknown rule `{rule}` in --severity{hint}"
            )));
            continue;
        }
        match Severity::parse(level) {
            Some(s) => {
                cli_severity.insert(rule.to_string(), s);
            }
            None => cli_errors.push(ConfigError::plain(format!(
                "unknown severity `{level}` in --severity: use error, warning or note"
            ))),
        }
    }
    for id in overrides.select.iter().chain(&overrides.ignore) {
        if id != "all" && !known.contains(id) {
            let hint = closest(id, known.iter().map(String::as_str))
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            cli_errors.push(ConfigError::plain(format!(
                "unknown rule `{id}`{hint}; `blocklint rules` lists them"
            )));
        }
    }
    let mut cli_exclude = Vec::new();
    for text in &overrides.exclude {
        match PathGlob::new(text, &cwd) {
            Ok(g) => cli_exclude.push(g),
            Err(e) => cli_errors.push(ConfigError::plain(format!(
                "invalid glob `{text}` in --exclude: {}",
                e.kind()
            ))),
        }
    }
    reader.errors.extend(cli_errors);
    if !reader.errors.is_empty() {
        // In file order, as a reader fixes them.
        reader.errors.sort_by(|a, b| {
            let place = |e: &ConfigError| {
                e.location
                    .as_ref()
                    .map(|(name, _, span, _)| (0, name.clone(), span.start))
                    .unwrap_or((1, String::new(), 0))
            };
            place(a).cmp(&place(b))
        });
        return Err(reader.errors);
    }

    // Additions to the rule set.
    let mut messages = HashMap::new();
    let mut extended = HashSet::new();
    let mut allow = HashSet::new();
    for table in &all_tables {
        for entry in &table.extend_blocking {
            let instead = entry
                .help
                .clone()
                .map(Instead::from_text)
                .unwrap_or_default();
            rules.add_blocking_function(
                entry.path.text.clone(),
                Blocking {
                    rule: entry.rule.text.clone(),
                    instead,
                },
            );
            if let Some(message) = &entry.message {
                messages.insert(entry.path.text.clone(), message.clone());
            }
            extended.insert(entry.path.text.clone());
        }
        for path in &table.extend_offload {
            rules.add_offload_path(path.text.clone());
        }
        allow.extend(table.allow.iter().map(|a| a.text.clone()));
    }

    let globs = |items: &[Item], base: &Path| -> Vec<PathGlob> {
        items
            .iter()
            .filter_map(|i| PathGlob::new(&i.text, base).ok())
            .collect()
    };
    let texts = |items: &[Item]| -> Vec<String> { items.iter().map(|i| i.text.clone()).collect() };
    let mut base = Scope {
        root: request.root.clone(),
        ..Scope::default()
    };
    if let Some(table) = &workspace {
        base.select = table.select.as_deref().map(texts);
        base.ignore = texts(&table.ignore);
        base.exclude = globs(&table.exclude, &table.base);
        base.per_file_ignores = table
            .per_file_ignores
            .iter()
            .filter_map(|(g, ids)| Some((PathGlob::new(&g.text, &table.base).ok()?, texts(ids))))
            .collect();
        base.severity = table
            .severity
            .iter()
            .map(|(r, s)| (r.text.clone(), *s))
            .collect();
        base.skip_tests = table.skip_tests.unwrap_or(false);
    }
    let mut scopes: Vec<Scope> = Vec::new();
    for (dir, table) in &packages {
        let mut scope = base.clone();
        scope.root = dir.clone();
        if let Some(select) = &table.select {
            let mut merged = scope.select.take().unwrap_or_default();
            merged.extend(texts(select));
            scope.select = Some(merged);
        }
        scope.ignore.extend(texts(&table.ignore));
        scope.exclude.extend(globs(&table.exclude, &table.base));
        scope.per_file_ignores.extend(
            table.per_file_ignores.iter().filter_map(|(g, ids)| {
                Some((PathGlob::new(&g.text, &table.base).ok()?, texts(ids)))
            }),
        );
        for (rule, level) in &table.severity {
            scope.severity.insert(rule.text.clone(), *level);
        }
        if let Some(skip) = table.skip_tests {
            scope.skip_tests = skip;
        }
        scopes.push(scope);
    }
    scopes.sort_by_key(|s| std::cmp::Reverse(s.root.components().count()));

    for scope in std::iter::once(&mut base).chain(scopes.iter_mut()) {
        if !overrides.select.is_empty() {
            scope.select = Some(overrides.select.clone());
        }
        scope.ignore.extend(overrides.ignore.iter().cloned());
        scope.exclude.extend(cli_exclude.iter().cloned());
        for (rule, level) in &cli_severity {
            scope.severity.insert(rule.clone(), *level);
        }
        scope.skip_tests |= overrides.skip_tests;
    }
    let widened = std::iter::once(&base)
        .chain(&scopes)
        .any(|s| s.select.is_some());
    let settings = Settings {
        base,
        packages: scopes,
        allow,
        messages,
        extended,
        custom_rules: custom.iter().map(|c| c.id.clone()).collect(),
        skip_dirs: Vec::new(),
        widened,
    };
    Ok(Loaded {
        settings,
        files,
        custom_rules: custom,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_without_a_slash_match_any_component() {
        let g = PathGlob::new("generated", Path::new("/w")).unwrap();
        assert!(g.is_match(Path::new("/w/app/src/generated/a.rs")));
        assert!(!g.is_match(Path::new("/w/app/src/gen/a.rs")));
        let g = PathGlob::new("*.pb.rs", Path::new("/w")).unwrap();
        assert!(g.is_match(Path::new("/w/app/src/api.pb.rs")));
        let g = PathGlob::new("app/src/legacy/**", Path::new("/w")).unwrap();
        assert!(g.is_match(Path::new("/w/app/src/legacy/old.rs")));
        assert!(!g.is_match(Path::new("/w/other/src/legacy/old.rs")));
        let g = PathGlob::new("app/src/legacy", Path::new("/w")).unwrap();
        assert!(g.is_match(Path::new("/w/app/src/legacy/old.rs")));
        let g = PathGlob::new("src/*.rs", Path::new("/w")).unwrap();
        assert!(!g.is_match(Path::new("/w/src/a/b.rs")));
        assert!(g.is_match(Path::new("/w/src/b.rs")));
    }

    #[test]
    fn test_items_are_recognised_by_their_attributes() {
        let text = "#[test]\nfn a() {}\n#[tokio::test(flavor = \"multi_thread\")]\nasync fn b() {}\n#[cfg(not(test))]\nfn c() {}\n#[cfg(test)]\nmod tests {}\n#[inline]\n#[async_std::test]\nasync fn d() {}\n";
        let lines: Vec<&str> = text.lines().collect();
        assert!(is_test_item(&lines, 1));
        assert!(is_test_item(&lines, 3));
        assert!(!is_test_item(&lines, 5));
        assert!(is_test_item(&lines, 7));
        assert!(is_test_item(&lines, 9));
    }

    #[test]
    fn cfg_test_module_declarations_are_found() {
        let lines = [
            "#[cfg(test)]",
            "mod tests;",
            "mod real;",
            "#[cfg(test)]",
            "#[path = \"x.rs\"]",
            "pub mod helpers;",
        ];
        assert_eq!(cfg_test_modules(&lines), ["tests", "helpers"]);
        assert_eq!(
            module_dir(Path::new("/w/src/net.rs")),
            Some(PathBuf::from("/w/src/net"))
        );
        assert_eq!(
            module_dir(Path::new("/w/src/lib.rs")),
            Some(PathBuf::from("/w/src"))
        );
    }

    #[test]
    fn rule_ids_for_new_rules() {
        assert!(is_rule_id("blocking-legacy-sdk"));
        assert!(!is_rule_id("Blocking"));
        assert!(!is_rule_id("blocking_fs"));
    }
}
