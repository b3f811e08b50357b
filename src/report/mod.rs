//! Rendering findings: rustc-style human diagnostics (codespan-reporting),
//! one-line `short`, and `json`; for tools, cargo's JSON messages
//! (`cargo_json`), SARIF (`sarif`), GitHub workflow commands (`github`) and
//! JSON lines (`json_lines`).
//!
//! Architecture invariant: this module sees only `model` types and source
//! text. It knows nothing of syn or of how a finding was found.

use crate::model::{Finding, Severity, Span};
use codespan_reporting::diagnostic::{Diagnostic, Label, Severity as CsSeverity};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream, WriteColor};
use codespan_reporting::term::{self, Config};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

pub mod cargo_json;
pub mod github;
pub mod json_lines;
pub mod sarif;

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// rustc-style diagnostics with the source quoted.
    Human,
    /// One line per finding: `path:line:col: rule: message`.
    Short,
    /// One JSON array of findings.
    Json,
    /// cargo's `--message-format json`: one `compiler-message` line per
    /// finding and a closing `build-finished` line (rust-analyzer).
    CargoJson,
    /// SARIF 2.1.0 (GitHub code scanning).
    Sarif,
    /// GitHub Actions workflow commands (`::warning file=..::msg`).
    Github,
    /// One JSON object per line, the `json` format's elements.
    JsonLines,
}

/// What the machine formats need besides the findings: the packages the
/// files belong to, the rules' documentation, and where the repository
/// starts. Plain data, filled in by the CLI.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub packages: Vec<crate::workspace::Package>,
    pub rules: Vec<RuleDoc>,
    /// SARIF and GitHub paths are relative to it (the checkout's root).
    pub repository_root: Option<std::path::PathBuf>,
    /// A command run before ours (`--with-clippy`) failed: the closing
    /// `build-finished` line says so.
    pub upstream_failed: bool,
}

/// One rule as the machine formats describe it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDoc {
    pub id: String,
    pub summary: String,
    /// Markdown.
    pub doc: String,
    pub severity: Severity,
}

/// The numbers for the closing summary line.
#[derive(Debug, Clone, Copy)]
pub struct Totals {
    pub files: usize,
    pub seconds: f64,
}

/// Writes findings to `out` in `format`.
pub fn render(
    format: Format,
    findings: &[Finding],
    sources: &HashMap<PathBuf, Arc<str>>,
    totals: Totals,
    color: ColorChoice,
) -> std::io::Result<()> {
    render_with(
        format,
        findings,
        sources,
        totals,
        color,
        &Context::default(),
    )
}

/// `render`, with the context the machine formats use.
pub fn render_with(
    format: Format,
    findings: &[Finding],
    sources: &HashMap<PathBuf, Arc<str>>,
    totals: Totals,
    color: ColorChoice,
    context: &Context,
) -> std::io::Result<()> {
    match format {
        Format::Human => {
            let mut out = StandardStream::stdout(color);
            render_human(&mut out, findings, sources)?;
            writeln!(out, "{}", summary_line(findings, totals))
        }
        Format::Short => {
            let mut out = std::io::stdout().lock();
            out.write_all(render_short(findings).as_bytes())
        }
        Format::Json => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", render_json(findings))
        }
        Format::CargoJson => {
            let mut out = std::io::stdout().lock();
            for line in cargo_json::messages(findings, sources, context) {
                writeln!(out, "{line}")?;
            }
            writeln!(out, "{}", cargo_json::build_finished(findings, context))
        }
        Format::Sarif => {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{}", sarif::render(findings, context))
        }
        Format::Github => {
            let mut out = std::io::stdout().lock();
            out.write_all(github::render(findings, context).as_bytes())
        }
        Format::JsonLines => {
            let mut out = std::io::stdout().lock();
            out.write_all(json_lines::render(findings).as_bytes())
        }
    }
}

/// `checked 12 files in 0.03s: 3 findings (2 warnings, 1 error)`.
pub fn summary_line(findings: &[Finding], totals: Totals) -> String {
    let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let mut parts = Vec::new();
    for (severity, word) in [
        (Severity::Error, "error"),
        (Severity::Warning, "warning"),
        (Severity::Note, "note"),
    ] {
        let n = count(severity);
        if n > 0 {
            parts.push(plural(n, word));
        }
    }
    let detail = if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    };
    format!(
        "blocklint: checked {} in {:.2}s: {}{detail}",
        plural(totals.files, "file"),
        totals.seconds,
        plural(findings.len(), "finding")
    )
}

pub fn render_short(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        out.push_str(&format!(
            "{}:{}:{}: {}: {}\n",
            f.path.display(),
            f.span.line,
            f.span.column,
            f.rule,
            f.message
        ));
    }
    out
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'a str,
    severity: Severity,
    path: String,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    message: &'a str,
    callee: Option<&'a str>,
    context: Option<&'a str>,
    help: Option<&'a str>,
    via: Vec<JsonStep<'a>>,
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    message: &'a str,
    applicability: crate::model::Applicability,
    edits: Vec<JsonEdit>,
}

#[derive(Serialize)]
struct JsonEdit {
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    replacement: String,
}

#[derive(Serialize)]
struct JsonStep<'a> {
    function: &'a str,
    calls: &'a str,
    path: String,
    line: usize,
    column: usize,
}

pub fn render_json(findings: &[Finding]) -> String {
    let items: Vec<JsonFinding<'_>> = findings
        .iter()
        .map(|f| JsonFinding {
            rule: &f.rule,
            severity: f.severity,
            path: f.path.display().to_string(),
            line: f.span.line,
            column: f.span.column,
            end_line: f.span.end_line,
            end_column: f.span.end_column,
            message: &f.message,
            callee: f.callee.as_deref(),
            context: f.context.as_ref().map(|c| c.description.as_str()),
            help: f.help.as_deref(),
            via: f
                .via
                .iter()
                .map(|s| JsonStep {
                    function: &s.function,
                    calls: &s.calls,
                    path: s.path.display().to_string(),
                    line: s.line,
                    column: s.column,
                })
                .collect(),
            fix: f.fix.as_ref().map(|fix| JsonFix {
                message: &fix.message,
                applicability: fix.applicability,
                edits: fix
                    .edits
                    .iter()
                    .map(|e| JsonEdit {
                        line: e.span.line,
                        column: e.span.column,
                        end_line: e.span.end_line,
                        end_column: e.span.end_column,
                        replacement: crate::fix::edit_text(e),
                    })
                    .collect(),
            }),
        })
        .collect();
    serde_json::to_string_pretty(&items).expect("findings serialise")
}

/// rustc-style diagnostics: the call underlined, the async context labelled,
/// `help:` and the transitive chain as notes.
pub fn render_human(
    out: &mut dyn WriteColor,
    findings: &[Finding],
    sources: &HashMap<PathBuf, Arc<str>>,
) -> std::io::Result<()> {
    let mut files = SimpleFiles::new();
    let mut ids = HashMap::new();
    let config = Config::default();
    for finding in findings {
        let id = sources.get(&finding.path).map(|text| {
            *ids.entry(finding.path.clone()).or_insert_with(|| {
                files.add(
                    finding.path.display().to_string(),
                    LineIndexed::new(text.clone()),
                )
            })
        });
        let severity = match finding.severity {
            Severity::Error => CsSeverity::Error,
            Severity::Warning => CsSeverity::Warning,
            Severity::Note => CsSeverity::Note,
        };
        let mut diagnostic = Diagnostic::new(severity)
            .with_code(finding.rule.clone())
            .with_message(finding.message.clone());
        let mut notes = Vec::new();
        match id {
            Some(id) => {
                let source = files.get(id).map(|f| f.source().clone()).ok();
                let range = |span: Span| source.as_ref().map_or(0..0, |s| s.range(span));
                let primary = if finding.via.is_empty() {
                    match &finding.callee {
                        Some(_) => "blocks the executor thread".to_string(),
                        None => String::new(),
                    }
                } else {
                    format!(
                        "reaches `{}`",
                        finding.callee.as_deref().unwrap_or("a blocking call")
                    )
                };
                let mut labels =
                    vec![Label::primary(id, range(finding.span)).with_message(primary)];
                if let Some(context) = &finding.context
                    && context.span.line != 0
                {
                    labels.push(
                        Label::secondary(id, range(context.span))
                            .with_message(context.description.clone()),
                    );
                }
                diagnostic = diagnostic.with_labels(labels);
            }
            None => notes.push(format!(
                "at {}:{}:{}",
                finding.path.display(),
                finding.span.line,
                finding.span.column
            )),
        }
        if let Some(help) = &finding.help {
            notes.push(format!("help: {help}"));
        }
        if let (Some(fix), Some(text)) = (&finding.fix, sources.get(&finding.path)) {
            let preview = crate::fix::preview(fix, text);
            let head = format!("help: {} ({})", fix.message, fix.applicability.as_str());
            notes.push(if preview.contains('\n') {
                format!("{head}:\n{preview}")
            } else {
                format!("{head}: `{preview}`")
            });
        }
        for step in &finding.via {
            notes.push(format!(
                "note: {} calls {} at {}:{}:{}",
                step.function,
                step.calls,
                step.path.display(),
                step.line,
                step.column
            ));
        }
        diagnostic = diagnostic.with_notes(notes);
        term::emit_to_write_style(out, &config, &files, &diagnostic)
            .map_err(std::io::Error::other)?;
    }
    Ok(())
}

/// Source text for codespan, which wants byte ranges; spans are turned
/// into them by `text::LineIndex`.
#[derive(Clone)]
struct LineIndexed {
    text: Arc<str>,
}

impl LineIndexed {
    fn new(text: Arc<str>) -> LineIndexed {
        LineIndexed { text }
    }

    fn range(&self, span: Span) -> std::ops::Range<usize> {
        crate::text::LineIndex::new(&self.text).range(span)
    }
}

impl AsRef<str> for LineIndexed {
    fn as_ref(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ContextLabel;

    fn finding() -> Finding {
        Finding {
            rule: "blocking-fs".into(),
            severity: Severity::Warning,
            path: "src/main.rs".into(),
            span: Span {
                line: 2,
                column: 13,
                end_line: 2,
                end_column: 36,
            },
            message: "blocking call to `std::fs::read_to_string` in async fn handler".into(),
            callee: Some("std::fs::read_to_string".into()),
            context: Some(ContextLabel {
                description: "async fn handler".into(),
                span: Span {
                    line: 1,
                    column: 10,
                    end_line: 1,
                    end_column: 17,
                },
            }),
            help: Some("use `tokio::fs::read_to_string(..).await` instead".into()),
            via: Vec::new(),
            fix: None,
        }
    }

    #[test]
    fn human_output_points_at_call_and_context() {
        let text: Arc<str> =
            "async fn handler() {\n    let s = std::fs::read_to_string(\"a\");\n}\n".into();
        let sources = HashMap::from([(PathBuf::from("src/main.rs"), text)]);
        let mut buffer = codespan_reporting::term::termcolor::NoColor::new(Vec::new());
        render_human(&mut buffer, &[finding()], &sources).unwrap();
        let shown = String::from_utf8(buffer.into_inner()).unwrap();
        assert!(shown.contains("warning[blocking-fs]"), "{shown}");
        assert!(
            shown.contains("^^^^^^^^^^^^^^^^^^^^^^^ blocks the executor thread"),
            "{shown}"
        );
        assert!(shown.contains("------- async fn handler"), "{shown}");
        assert!(
            shown.contains("= help: use `tokio::fs::read_to_string(..).await` instead"),
            "{shown}"
        );
    }

    #[test]
    fn json_has_the_spec_fields() {
        let value: serde_json::Value = serde_json::from_str(&render_json(&[finding()])).unwrap();
        let item = &value[0];
        for key in [
            "rule",
            "severity",
            "path",
            "line",
            "column",
            "end_line",
            "end_column",
            "message",
            "callee",
            "context",
            "help",
            "via",
        ] {
            assert!(item.get(key).is_some(), "missing {key}");
        }
        assert_eq!(item["severity"], "warning");
        assert_eq!(
            render_short(&[finding()]),
            "src/main.rs:2:13: blocking-fs: blocking call to `std::fs::read_to_string` in async fn handler\n"
        );
    }
}
