//! The command line: argument parsing and wiring of the library's pieces.
//! Both binaries (`blocklint` and `cargo-blocklint`) end up here.

use crate::baseline::Baseline;
use crate::config::{self, Overrides, Request};
use crate::lint::{Options, lint};
use crate::model::Severity;
use crate::report::{self, Context, Format, RuleDoc, Totals};
use crate::rules::RuleSet;
use crate::workspace::{self, Selection, Workspace};
use clap::{Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream};
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// The program name `cargo-blocklint` passes: `cargo blocklint` reads
/// cargo's flags the way cargo does (`--exclude` names packages).
pub const CARGO_NAME: &str = "cargo blocklint";

#[derive(Debug, Parser)]
#[command(
    name = "blocklint",
    version,
    about = "Finds calls that block the executor thread inside async Rust code.",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List every rule with its summary, whether it is on by default, and
    /// how many callees it covers.
    Rules {
        #[arg(long, value_enum, default_value = "human")]
        format: ListFormat,
    },
    /// Print a rule's documentation, or with --callees the callee paths it
    /// covers.
    Rule {
        /// The rule id, e.g. blocking-fs.
        id: String,
        #[arg(long)]
        callees: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ListFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Files or folders to check [default: .]
    paths: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "human")]
    format: Format,
    /// cargo's spelling of the format, for editors: `json` (any `json-*`)
    /// is `--format cargo-json`; also `short` and `human`.
    #[arg(long, value_name = "FMT", value_parser = message_format)]
    message_format: Option<Format>,
    /// When to colour human output.
    #[arg(long, value_enum, default_value = "auto")]
    color: Color,
    /// Exit 0 even when there are findings.
    #[arg(long)]
    exit_zero: bool,
    /// Rules to enable (comma-separated or repeated); `all` enables every
    /// rule, including those off by default.
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Rules to disable (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Leave out files and folders matching this glob (repeatable); a glob
    /// without `/` matches any path component.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Same as `--exclude GLOB` (for `cargo blocklint`, where `--exclude`
    /// names packages as in cargo).
    #[arg(long, value_name = "GLOB", hide = true)]
    exclude_path: Vec<String>,
    /// Report a rule at this level: `RULE=error|warning|note`
    /// (comma-separated or repeated).
    #[arg(long, value_name = "RULE=LEVEL", value_delimiter = ',')]
    severity: Vec<String>,
    /// Leave test code out: `#[test]`/`#[tokio::test]` functions,
    /// `#[cfg(test)]` items and modules, and `tests/` folders.
    #[arg(long)]
    skip_tests: bool,
    /// Read configuration from this file only (a blocklint.toml, or a
    /// Cargo.toml with a `[workspace.metadata.blocklint]` or
    /// `[package.metadata.blocklint]` table).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Report only findings not recorded in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Record today's findings in this baseline file (by rule, file,
    /// enclosing function and callee, not by line) and exit 0.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["baseline", "with_clippy"])]
    write_baseline: Option<PathBuf>,
    /// Worker threads [default: one per core].
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// Lint standard input as if it were this file (for editors linting
    /// unsaved buffers), in the context of that file's crate.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
    /// Apply the machine-applicable fixes in place (each file rewritten
    /// atomically), then report what remains.
    #[arg(long, help_heading = "Fixes")]
    fix: bool,
    /// With --fix or --diff, also apply fixes that may need a hand
    /// (maybe-incorrect: wrapping in spawn_blocking, client type changes).
    #[arg(long, help_heading = "Fixes")]
    unsafe_fixes: bool,
    /// Print the fixes as a unified diff and change nothing (exit 1 when
    /// there is something to fix).
    #[arg(long, help_heading = "Fixes")]
    diff: bool,
    /// Path to the Cargo.toml of the workspace or package to check.
    #[arg(long, value_name = "PATH", help_heading = "Package Selection")]
    manifest_path: Option<PathBuf>,
    /// Package to check (repeatable; `name`, `name@version` or a glob).
    #[arg(
        long,
        short = 'p',
        value_name = "SPEC",
        help_heading = "Package Selection"
    )]
    package: Vec<String>,
    /// Check every member of the workspace.
    #[arg(long, alias = "all", help_heading = "Package Selection")]
    workspace: bool,
    /// Also run `cargo clippy --message-format json` and pass its messages
    /// through before ours (with `--message-format json`), so that one
    /// on-save command serves rust-analyzer.
    #[arg(long)]
    with_clippy: bool,
    /// Keep per-file results between runs in this folder [default:
    /// target/blocklint-cache in the workspace root].
    #[arg(long, value_name = "DIR", help_heading = "Cache")]
    cache_dir: Option<PathBuf>,
    /// Neither read nor write the cache.
    #[arg(long, conflicts_with = "cache_dir", help_heading = "Cache")]
    no_cache: bool,
    /// Parse every file, also those that cannot change a finding (slower;
    /// reports syntax errors in every file).
    #[arg(long)]
    parse_all: bool,
    /// Print to standard error how many files were parsed, taken from the
    /// cache and skipped.
    #[arg(long)]
    stats: bool,
}

fn print_stats(stats: &crate::lint::Stats, seconds: f64) {
    let mb = |b: u64| b as f64 / 1e6;
    let share = |part: u64| {
        if stats.bytes == 0 {
            0.0
        } else {
            100.0 * part as f64 / stats.bytes as f64
        }
    };
    let (skipped, skipped_bytes) = stats.skipped();
    eprintln!(
        "blocklint: {} files ({:.1} MB) in {seconds:.2} s: parsed {} ({:.1} MB, {:.1}%), \
         from cache {} ({:.1} MB, {:.1}%), skipped {} ({:.1} MB, {:.1}%), parsed again {} ({:.1} MB), \
         bodies parsed alone {} ({:.1} MB), items parsed alone {} ({:.1} MB); \
         {} scans from cache; handed out in {} batches",
        stats.files,
        mb(stats.bytes),
        stats.parsed,
        mb(stats.parsed_bytes),
        share(stats.parsed_bytes),
        stats.cached,
        mb(stats.cached_bytes),
        share(stats.cached_bytes),
        skipped,
        mb(skipped_bytes),
        share(skipped_bytes),
        stats.reparsed,
        mb(stats.reparsed_bytes),
        stats.bodies,
        mb(stats.body_bytes),
        stats.items,
        mb(stats.item_bytes),
        stats.scans_cached,
        stats.batches,
    );
    let phases: Vec<String> = stats
        .phases
        .iter()
        .map(|(name, s)| format!("{name} {s:.2} s"))
        .collect();
    eprintln!("blocklint: phases: {}", phases.join(", "));
}

fn message_format(text: &str) -> Result<Format, String> {
    let first = text.split(',').next().unwrap_or(text);
    if first.starts_with("json") {
        Ok(Format::CargoJson)
    } else {
        match first {
            "short" => Ok(Format::Short),
            "human" => Ok(Format::Human),
            _ => Err(format!(
                "`{text}` is not a message format: use json, short or human"
            )),
        }
    }
}

/// Runs the CLI on `args` (program name first) and returns the exit code:
/// 0 clean, 1 findings, 2 the run failed.
/// Ends the process with `code` once standard output and error are
/// flushed, without the allocator's exit-time clean-up: mimalloc hands
/// each page it retains back to the system one call at a time, about a
/// tenth of a 90 ms editor run spent on memory the process is about to
/// lose anyway. The binaries call it with what `run` returned, when
/// everything of ours has been dropped.
pub fn exit(code: ExitCode) -> ! {
    // `run` ends with 0, 1 or 2; ExitCode has no accessor for its value.
    let status = [0u8, 1, 2]
        .into_iter()
        .find(|&n| code == ExitCode::from(n))
        .unwrap_or(2);
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
    #[cfg(target_os = "linux")]
    // SAFETY: `_exit` takes a status and ends the process; no Rust code
    // runs after it, and the buffered output was flushed above.
    unsafe {
        libc::_exit(i32::from(status))
    }
    #[cfg(not(target_os = "linux"))]
    std::process::exit(i32::from(status))
}

pub fn run(args: Vec<String>) -> ExitCode {
    let is_cargo = args.first().is_some_and(|a| a == CARGO_NAME);
    let mut command = Cli::command();
    if is_cargo {
        command = command
            .name(CARGO_NAME)
            .bin_name(CARGO_NAME)
            .mut_arg("exclude", |a| {
                a.value_name("SPEC")
                    .help("Exclude packages from --workspace (as cargo's --exclude)")
                    .help_heading("Package Selection")
            })
            .mut_arg("exclude_path", |a| {
                a.hide(false)
                    .help("Leave out files and folders matching this glob (repeatable)")
            });
    }
    let parsed = command
        .try_get_matches_from(args)
        .and_then(|mut matches| Cli::from_arg_matches_mut(&mut matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let mut rules = match RuleSet::builtin() {
        Ok(rules) => rules,
        Err(errors) => {
            for e in errors {
                eprintln!("error: invalid built-in rule data: {e}");
            }
            return ExitCode::from(2);
        }
    };
    match cli.command {
        Some(Command::Rules { format }) => list_rules(&rules, format),
        Some(Command::Rule { id, callees }) => show_rule(&rules, &id, callees),
        None => check(cli.check, &mut rules, is_cargo),
    }
}

fn check(args: CheckArgs, rules: &mut RuleSet, is_cargo: bool) -> ExitCode {
    let format = args.message_format.unwrap_or(args.format);
    let color = color_choice(args.color, std::io::stdout().is_terminal());
    let error_color = color_choice(args.color, std::io::stderr().is_terminal());
    if args.with_clippy && format != Format::CargoJson {
        eprintln!(
            "error: --with-clippy passes clippy's JSON messages through, so it needs --message-format json"
        );
        return ExitCode::from(2);
    }
    let cwd = match std::env::current_dir() {
        Ok(cwd) => cwd,
        Err(e) => {
            eprintln!("error: cannot read the current folder: {e}");
            return ExitCode::from(2);
        }
    };
    let selection = Selection {
        manifest_path: args.manifest_path.clone(),
        packages: args.package.clone(),
        workspace: args.workspace,
        exclude: if is_cargo {
            args.exclude.clone()
        } else {
            Vec::new()
        },
    };
    let mut excludes = args.exclude_path.clone();
    if !is_cargo {
        excludes.extend(args.exclude.iter().cloned());
    }
    if selection.is_given() && (!args.paths.is_empty() || args.stdin_filename.is_some()) {
        eprintln!(
            "error: --manifest-path, --package and --workspace select whole packages; give them no paths"
        );
        return ExitCode::from(2);
    }
    let stdin = match &args.stdin_filename {
        Some(path) => {
            let mut text = String::new();
            if let Err(e) = std::io::stdin().read_to_string(&mut text) {
                eprintln!("error: cannot read standard input: {e}");
                return ExitCode::from(2);
            }
            Some((path.clone(), text))
        }
        None => None,
    };

    // `cargo blocklint` without paths (or any run with cargo's selection
    // flags) asks cargo for the workspace; without a Cargo.toml it lints
    // the current folder like `blocklint`.
    let wants_metadata =
        selection.is_given() || (is_cargo && args.paths.is_empty() && stdin.is_none());
    let mut ws: Option<Workspace> = None;
    if wants_metadata {
        let manifest = selection
            .manifest_path
            .clone()
            .or_else(|| workspace::find_manifest(&cwd));
        match manifest {
            Some(manifest) => match workspace::load(&manifest, &selection) {
                Ok(loaded) => ws = Some(loaded),
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            },
            None if selection.is_given() => {
                eprintln!(
                    "error: could not find `Cargo.toml` in {} or any parent folder",
                    cwd.display()
                );
                return ExitCode::from(2);
            }
            None => {}
        }
    }
    let paths: Vec<PathBuf> = match &ws {
        Some(w) => w
            .source_paths()
            .iter()
            .map(|p| workspace::relative_to(p, &cwd))
            .collect(),
        None if args.paths.is_empty() => vec![PathBuf::from(".")],
        None => args.paths.clone(),
    };
    let named: Vec<PathBuf> = match &stdin {
        Some((path, _)) => vec![path.clone()],
        None => paths.clone(),
    };
    let root = match &ws {
        Some(w) => w.root.clone(),
        None => {
            let first = workspace::absolute_path(&cwd, &named[0]);
            let start = if first.is_dir() {
                first
            } else {
                first.parent().map(Path::to_path_buf).unwrap_or(cwd.clone())
            };
            config::find_root(&start)
        }
    };
    let discovered = crate::lint::discover_paths(&paths, stdin.as_ref(), args.jobs);
    let package_manifests = match &ws {
        Some(w) => w.selected().map(|p| p.manifest_path.clone()).collect(),
        None => config::package_manifests(&named, &root, &discovered.manifests),
    };

    let request = Request {
        explicit: args.config.clone(),
        root: root.clone(),
        packages: package_manifests,
    };
    let overrides = Overrides {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
        exclude: excludes,
        severity: args.severity.clone(),
        skip_tests: args.skip_tests,
    };
    let loaded = match config::load(&request, &overrides, rules) {
        Ok(loaded) => loaded,
        Err(errors) => {
            let mut err = StandardStream::stderr(error_color);
            for e in &errors {
                let _ = e.render(&mut err);
            }
            let _ = writeln!(
                err,
                "error: stopping: {} configuration error{}",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            );
            return ExitCode::from(2);
        }
    };
    let rules: &RuleSet = rules;
    let mut settings = loaded.settings;
    if let Some(w) = &ws {
        settings.skip_folders(w.unselected_nested_roots());
    }
    let options = Options {
        paths,
        select: settings.run_select(&args.select),
        ignore: args.ignore.clone(),
        jobs: args.jobs,
        stdin,
        settings,
        cache_dir: (!args.no_cache).then(|| {
            args.cache_dir
                .clone()
                .unwrap_or_else(|| root.join("target").join("blocklint-cache"))
        }),
        parse_all: args.parse_all,
        discovered: Some(discovered),
    };

    // clippy runs while we lint; its output is read afterwards.
    let clippy = if args.with_clippy {
        match spawn_clippy(&selection, &cwd) {
            Ok(child) => Some(child),
            Err(e) => {
                eprintln!("error: cannot run `cargo clippy`: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        None
    };

    if args.unsafe_fixes && !args.fix && !args.diff {
        eprintln!("error: --unsafe-fixes only applies with --fix or --diff");
        return ExitCode::from(2);
    }
    let started = Instant::now();
    let mut result = match lint(&options, rules) {
        Ok(result) => result,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    if args.stats {
        print_stats(&result.stats, started.elapsed().as_secs_f64());
    }
    if args.fix || args.diff {
        let outcome = crate::fix::plan(&result.findings, &result.sources, args.unsafe_fixes);
        if args.diff {
            let mut out = std::io::stdout().lock();
            for (path, old, new) in &outcome.files {
                let _ = out.write_all(crate::fix::unified_diff(path, old, new).as_bytes());
            }
            eprintln!(
                "blocklint: {} fix{} would change {} file{}",
                outcome.fixed,
                if outcome.fixed == 1 { "" } else { "es" },
                outcome.files.len(),
                if outcome.files.len() == 1 { "" } else { "s" }
            );
            return if outcome.fixed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            };
        }
        if let Some((stdin_path, stdin_text)) = &options.stdin {
            // Editors pipe a buffer in and read the fixed buffer back.
            let fixed = outcome
                .files
                .iter()
                .find(|(p, _, _)| p == stdin_path)
                .map_or(stdin_text.as_str(), |(_, _, new)| new.as_str());
            let _ = std::io::stdout().lock().write_all(fixed.as_bytes());
            return ExitCode::SUCCESS;
        }
        for (path, _, new) in &outcome.files {
            if let Err(e) = crate::fix::write_atomically(path, new) {
                eprintln!(
                    "error: cannot write the fixed {}: {e}; the file is unchanged",
                    path.display()
                );
                return ExitCode::from(2);
            }
        }
        result = match lint(&options, rules) {
            Ok(result) => result,
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        };
        let remaining = result.findings.len();
        eprintln!(
            "blocklint: fixed {} finding{} in {} file{}; {remaining} remain{}",
            outcome.fixed,
            if outcome.fixed == 1 { "" } else { "s" },
            outcome.files.len(),
            if outcome.files.len() == 1 { "" } else { "s" },
            if remaining == 1 { "s" } else { "" }
        );
        let unsafe_left = result
            .findings
            .iter()
            .filter(|f| {
                f.fix
                    .as_ref()
                    .is_some_and(|x| x.applicability == crate::model::Applicability::MaybeIncorrect)
            })
            .count();
        if unsafe_left > 0 && !args.unsafe_fixes {
            eprintln!(
                "blocklint: {unsafe_left} more can be fixed with --unsafe-fixes (review them)"
            );
        }
    }
    let mut findings = result.findings;
    if let Some(file) = &args.write_baseline {
        let baseline = Baseline::of(&findings, file);
        if let Err(e) = std::fs::write(file, baseline.to_json()) {
            eprintln!("error: cannot write the baseline {}: {e}", file.display());
            return ExitCode::from(2);
        }
        eprintln!(
            "blocklint: recorded {} finding{} in {}",
            baseline.len(),
            if baseline.len() == 1 { "" } else { "s" },
            file.display()
        );
        return ExitCode::SUCCESS;
    }
    if let Some(file) = &args.baseline {
        match Baseline::read(file) {
            Ok(baseline) => {
                let (fresh, known) = baseline.new_findings(findings);
                findings = fresh;
                if known > 0 {
                    eprintln!(
                        "blocklint: {known} finding{} recorded in {} not shown",
                        if known == 1 { "" } else { "s" },
                        file.display()
                    );
                }
            }
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }

    let upstream_failed = match clippy {
        Some(child) => match pass_through(child) {
            Ok(ok) => !ok,
            Err(e) => {
                eprintln!("error: cannot read `cargo clippy`'s output: {e}");
                true
            }
        },
        None => false,
    };
    let context = Context {
        packages: match &ws {
            Some(w) => w.members.clone(),
            None if format == Format::CargoJson => packages_of(&findings, &cwd),
            None => Vec::new(),
        },
        rules: rule_docs(rules, &loaded.custom_rules),
        repository_root: Some(repository_root(&root)),
        upstream_failed,
    };
    let totals = Totals {
        files: result.files_checked,
        seconds: started.elapsed().as_secs_f64(),
    };
    if let Err(e) = report::render_with(format, &findings, &result.sources, totals, color, &context)
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write the report: {e}");
        return ExitCode::from(2);
    }
    if (findings.is_empty() && !upstream_failed) || args.exit_zero {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn color_choice(color: Color, is_terminal: bool) -> ColorChoice {
    match color {
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
        Color::Auto if is_terminal => ColorChoice::Auto,
        Color::Auto => ColorChoice::Never,
    }
}

/// Starts `cargo clippy --message-format json` with the same package
/// selection; its diagnostics go to our standard output (`pass_through`),
/// its progress to our standard error.
fn spawn_clippy(selection: &Selection, cwd: &Path) -> std::io::Result<std::process::Child> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = std::process::Command::new(cargo);
    command
        .args(["clippy", "--message-format=json"])
        .current_dir(cwd);
    if let Some(manifest) = &selection.manifest_path {
        command.arg("--manifest-path").arg(manifest);
    }
    for package in &selection.packages {
        command.args(["--package", package]);
    }
    if selection.workspace {
        command.arg("--workspace");
    }
    for package in &selection.exclude {
        command.args(["--exclude", package]);
    }
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::inherit())
        .spawn()
}

/// Copies clippy's messages to standard output, except its
/// `build-finished` line (ours closes the stream). Returns whether clippy
/// succeeded.
fn pass_through(mut child: std::process::Child) -> std::io::Result<bool> {
    let mut ok = true;
    if let Some(stdout) = child.stdout.take() {
        let mut out = std::io::stdout().lock();
        for line in std::io::BufReader::new(stdout).lines() {
            let line = line?;
            let finished = serde_json::from_str::<serde_json::Value>(&line)
                .ok()
                .filter(|v| v["reason"] == "build-finished");
            match finished {
                Some(v) => ok &= v["success"].as_bool().unwrap_or(false),
                None => writeln!(out, "{line}")?,
            }
        }
    }
    Ok(child.wait()?.success() && ok)
}

/// The packages of the files with findings, read from their manifests
/// (a plain run does not ask cargo).
fn packages_of(findings: &[crate::model::Finding], cwd: &Path) -> Vec<workspace::Package> {
    let mut manifests: Vec<PathBuf> = Vec::new();
    for finding in findings {
        let absolute = workspace::absolute_path(cwd, &finding.path);
        if let Some(manifest) = absolute.parent().and_then(workspace::find_manifest)
            && !manifests.contains(&manifest)
        {
            manifests.push(manifest);
        }
    }
    manifests
        .iter()
        .filter_map(|m| workspace::package_from_manifest(m))
        .collect()
}

/// The checkout's root: the nearest folder at or above `root` holding
/// `.git`, else `root`.
fn repository_root(root: &Path) -> PathBuf {
    root.ancestors()
        .find(|d| d.join(".git").exists())
        .unwrap_or(root)
        .to_path_buf()
}

fn rule_docs(rules: &RuleSet, custom: &[config::CustomRule]) -> Vec<RuleDoc> {
    let mut docs: Vec<RuleDoc> = rules
        .rules()
        .iter()
        .map(|r| RuleDoc {
            id: r.id.clone(),
            summary: r.summary.clone(),
            doc: r.doc.clone(),
            severity: r.severity,
        })
        .collect();
    for rule in custom {
        let summary = rule
            .message
            .clone()
            .unwrap_or_else(|| "a blocking call named in the configuration".into());
        let mut doc = format!(
            "{summary}\n\nDefined by `extend-blocking` in the configuration; covers {}.\n",
            rule.paths
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        if let Some(help) = &rule.help {
            doc.push_str(&format!("\n{help}\n"));
        }
        docs.push(RuleDoc {
            id: rule.id.clone(),
            summary,
            doc,
            severity: Severity::Warning,
        });
    }
    docs
}

fn list_rules(rules: &RuleSet, format: ListFormat) -> ExitCode {
    let counts = rules.callee_counts();
    match format {
        ListFormat::Json => {
            let items: Vec<serde_json::Value> = rules
                .rules()
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "id": r.id,
                        "summary": r.summary,
                        "default": r.default_on,
                        "severity": r.severity.as_str(),
                        "callees": counts.get(&r.id).copied().unwrap_or(0),
                    })
                })
                .collect();
            let _ = writeln!(
                std::io::stdout(),
                "{}",
                serde_json::to_string_pretty(&items).expect("serialisable")
            );
        }
        ListFormat::Human => {
            let width = rules.rules().iter().map(|r| r.id.len()).max().unwrap_or(0);
            for r in rules.rules() {
                let state = if r.default_on { "on " } else { "off" };
                let n = counts.get(&r.id).copied().unwrap_or(0);
                let _ = writeln!(
                    std::io::stdout(),
                    "{:<width$}  {state}  {:>4} callees  {}",
                    r.id,
                    n,
                    r.summary
                );
            }
        }
    }
    ExitCode::SUCCESS
}

fn show_rule(rules: &RuleSet, id: &str, callees: bool) -> ExitCode {
    let Some(rule) = rules.rule(id) else {
        let hint = closest(id, rules.rules().iter().map(|r| r.id.as_str()))
            .map(|c| format!(" (did you mean `{c}`?)"))
            .unwrap_or_default();
        eprintln!("error: unknown rule `{id}`{hint}; `blocklint rules` lists them");
        return ExitCode::from(2);
    };
    if callees {
        for callee in rules.callees_of(id) {
            let _ = writeln!(std::io::stdout(), "{callee}");
        }
    } else {
        let _ = writeln!(
            std::io::stdout(),
            "# {} ({}, {} by default)\n",
            rule.id,
            rule.severity.as_str(),
            if rule.default_on { "on" } else { "off" }
        );
        let _ = writeln!(std::io::stdout(), "{}", rule.doc.trim_end());
    }
    ExitCode::SUCCESS
}

/// The candidate nearest to `name` by edit distance, if near enough to be a
/// typo.
pub fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, c)| *d <= 3.max(c.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// Levenshtein distance in characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = if ca == *cb {
                prev
            } else {
                1 + prev.min(row[j]).min(cur)
            };
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses() {
        let ids = ["blocking-fs", "blocking-net", "blocking-sleep"];
        assert_eq!(
            closest("blocking-fss", ids.iter().copied()),
            Some("blocking-fs")
        );
        assert_eq!(closest("zzz", ids.iter().copied()), None);
    }
}
