//! The command line: argument parsing and wiring of the library's pieces.
//! Both binaries (`blocklint` and `cargo-blocklint`) end up here.

use crate::lint::{Options, lint};
use crate::report::{self, Format, Totals};
use crate::rules::RuleSet;
use clap::{Args, Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::ColorChoice;
use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

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
    /// Worker threads [default: one per core].
    #[arg(long, short = 'j')]
    jobs: Option<usize>,
    /// Lint standard input as if it were this file (for editors linting
    /// unsaved buffers), in the context of that file's crate.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
}

/// Runs the CLI on `args` (program name first) and returns the exit code:
/// 0 clean, 1 findings, 2 the run failed.
pub fn run(args: Vec<String>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
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
    let rules = match RuleSet::builtin() {
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
        None => check(cli.check, &rules),
    }
}

fn check(args: CheckArgs, rules: &RuleSet) -> ExitCode {
    for id in args.select.iter().chain(&args.ignore) {
        if id != "all" && rules.rule(id).is_none() {
            let hint = closest(id, rules.rules().iter().map(|r| r.id.as_str()))
                .map(|c| format!(" (did you mean `{c}`?)"))
                .unwrap_or_default();
            eprintln!("error: unknown rule `{id}`{hint}; `blocklint rules` lists them");
            return ExitCode::from(2);
        }
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
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let options = Options {
        paths,
        select: args.select,
        ignore: args.ignore,
        jobs: args.jobs,
        stdin,
    };
    let started = Instant::now();
    let result = match lint(&options, rules) {
        Ok(result) => result,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let color = match args.color {
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
        Color::Auto if std::io::stdout().is_terminal() => ColorChoice::Auto,
        Color::Auto => ColorChoice::Never,
    };
    let totals = Totals {
        files: result.files_checked,
        seconds: started.elapsed().as_secs_f64(),
    };
    if let Err(e) = report::render(
        args.format,
        &result.findings,
        &result.sources,
        totals,
        color,
    ) && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: cannot write the report: {e}");
        return ExitCode::from(2);
    }
    if result.findings.is_empty() || args.exit_zero {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
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
            println!(
                "{}",
                serde_json::to_string_pretty(&items).expect("serialisable")
            );
        }
        ListFormat::Human => {
            let width = rules.rules().iter().map(|r| r.id.len()).max().unwrap_or(0);
            for r in rules.rules() {
                let state = if r.default_on { "on " } else { "off" };
                let n = counts.get(&r.id).copied().unwrap_or(0);
                println!("{:<width$}  {state}  {:>4} callees  {}", r.id, n, r.summary);
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
            println!("{callee}");
        }
    } else {
        println!(
            "# {} ({}, {} by default)\n",
            rule.id,
            rule.severity.as_str(),
            if rule.default_on { "on" } else { "off" }
        );
        println!("{}", rule.doc.trim_end());
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

fn edit_distance(a: &str, b: &str) -> usize {
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
