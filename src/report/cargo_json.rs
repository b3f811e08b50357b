//! cargo's JSON message format (`cargo check --message-format json`): one
//! `compiler-message` object per line with a rustc diagnostic inside, and a
//! closing `build-finished` line. This is what rust-analyzer reads from
//! `rust-analyzer.check.overrideCommand`, so findings show inline in the
//! editor like clippy's.
//!
//! File names are absolute: rust-analyzer joins a relative name onto its
//! own idea of the workspace root, and an absolute one is right whatever
//! that is.

use super::{Context, render_human};
use crate::model::{Finding, Severity, Span};
use crate::text::LineIndex;
use crate::workspace::{Package, Target};
use codespan_reporting::term::termcolor::NoColor;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// One `compiler-message` line per finding.
pub fn messages(
    findings: &[Finding],
    sources: &HashMap<PathBuf, Arc<str>>,
    context: &Context,
) -> Vec<String> {
    let cwd = std::env::current_dir().unwrap_or_default();
    findings
        .iter()
        .map(|finding| {
            let absolute = absolute(&cwd, &finding.path);
            let package = package_for(&context.packages, &absolute);
            let target = package
                .target_for(&absolute)
                .cloned()
                .unwrap_or_else(|| fallback_target(&absolute));
            let message = diagnostic(finding, sources, context, &cwd);
            json!({
                "reason": "compiler-message",
                "package_id": package.id,
                "manifest_path": package.manifest_path.display().to_string(),
                "target": target_json(&target),
                "message": message,
            })
            .to_string()
        })
        .collect()
}

/// The closing line. `success` is false when a finding is an error, or
/// when a command run before (clippy) failed.
pub fn build_finished(findings: &[Finding], context: &Context) -> String {
    let success =
        !context.upstream_failed && !findings.iter().any(|f| f.severity == Severity::Error);
    json!({ "reason": "build-finished", "success": success }).to_string()
}

fn diagnostic(
    finding: &Finding,
    sources: &HashMap<PathBuf, Arc<str>>,
    context: &Context,
    cwd: &Path,
) -> Value {
    let text = sources.get(&finding.path);
    let file_name = absolute(cwd, &finding.path).display().to_string();
    let mut spans = Vec::new();
    let label = if !finding.via.is_empty() {
        Some(format!(
            "reaches `{}`",
            finding.callee.as_deref().unwrap_or("a blocking call")
        ))
    } else if finding.callee.is_some() {
        Some("blocks the executor thread".to_string())
    } else {
        None
    };
    spans.push(span_json(&file_name, text, finding.span, true, label));
    if let Some(ctx) = &finding.context
        && ctx.span.line != 0
    {
        spans.push(span_json(
            &file_name,
            text,
            ctx.span,
            false,
            Some(ctx.description.clone()),
        ));
    }
    let mut children = Vec::new();
    if let Some(help) = &finding.help {
        children.push(child("help", help.clone(), Vec::new()));
    }
    if let Some(fix) = &finding.fix {
        // rustc's shape for a suggestion: a `help` child whose spans carry
        // the replacement, which rust-analyzer offers as a quick fix.
        let spans = fix
            .edits
            .iter()
            .map(|edit| {
                let mut span = span_json(&file_name, text, edit.span, true, None);
                span["suggested_replacement"] = json!(crate::fix::edit_text(edit));
                span["suggestion_applicability"] = json!(fix.applicability.as_rustc());
                span
            })
            .collect();
        children.push(child("help", fix.message.clone(), spans));
    }
    for step in &finding.via {
        let step_text = sources.get(&step.path);
        let at = Span::new(step.line, step.column, step.line, step.column + 1);
        let file = absolute(cwd, &step.path).display().to_string();
        let spans = if step_text.is_some() {
            vec![span_json(&file, step_text, at, true, None)]
        } else {
            Vec::new()
        };
        children.push(child(
            "note",
            format!(
                "`{}` calls `{}` at {}:{}:{}",
                step.function,
                step.calls,
                step.path.display(),
                step.line,
                step.column
            ),
            spans,
        ));
    }
    let explanation = context
        .rules
        .iter()
        .find(|r| r.id == finding.rule)
        .map(|r| {
            format!(
                "{}\n\n`blocklint rule {}` prints the rule's documentation.",
                r.summary, r.id
            )
        });
    json!({
        "$message_type": "diagnostic",
        "message": finding.message,
        "code": { "code": finding.rule, "explanation": explanation },
        "level": finding.severity.as_str(),
        "spans": spans,
        "children": children,
        "rendered": rendered(finding, sources),
    })
}

fn child(level: &str, message: String, spans: Vec<Value>) -> Value {
    json!({
        "message": message,
        "code": null,
        "level": level,
        "spans": spans,
        "children": [],
        "rendered": null,
    })
}

/// The human rendering of one finding, as rustc puts in `rendered`.
fn rendered(finding: &Finding, sources: &HashMap<PathBuf, Arc<str>>) -> String {
    let mut buffer = NoColor::new(Vec::new());
    match render_human(&mut buffer, std::slice::from_ref(finding), sources) {
        Ok(()) => String::from_utf8_lossy(&buffer.into_inner()).into_owned(),
        Err(_) => format!("{}: {}\n", finding.severity.as_str(), finding.message),
    }
}

fn span_json(
    file_name: &str,
    text: Option<&Arc<str>>,
    span: Span,
    is_primary: bool,
    label: Option<String>,
) -> Value {
    let (line, end_line) = (span.line as usize, span.end_line as usize);
    let (column, end_column) = (span.column as usize, span.end_column as usize);
    let line_start = line.max(1);
    let line_end = end_line.max(line_start);
    let column_start = column.max(1);
    let column_end = if line_end == line_start {
        end_column.max(column_start)
    } else {
        end_column.max(1)
    };
    let (byte_start, byte_end, lines) = match text {
        Some(text) => {
            let index = LineIndex::new(text);
            let start = index.offset(line_start, column_start);
            let end = index.offset(line_end, column_end).max(start);
            let lines: Vec<Value> = (line_start..=line_end)
                .map(|n| {
                    let line = index.line(n);
                    let chars = line.chars().count() + 1;
                    let from = if n == line_start { column_start } else { 1 };
                    let to = if n == line_end { column_end } else { chars };
                    json!({ "text": line, "highlight_start": from, "highlight_end": to })
                })
                .collect();
            (start, end, lines)
        }
        None => (0, 0, Vec::new()),
    };
    json!({
        "file_name": file_name,
        "byte_start": byte_start,
        "byte_end": byte_end,
        "line_start": line_start,
        "line_end": line_end,
        "column_start": column_start,
        "column_end": column_end,
        "is_primary": is_primary,
        "text": lines,
        "label": label,
        "suggested_replacement": null,
        "suggestion_applicability": null,
        "expansion": null,
    })
}

fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    crate::workspace::absolute_path(cwd, path)
}

/// The package whose folder holds the file most closely, or a stand-in for
/// a file outside every known package.
fn package_for(packages: &[Package], file: &Path) -> Package {
    packages
        .iter()
        .filter(|p| file.starts_with(&p.root))
        .max_by_key(|p| p.root.components().count())
        .cloned()
        .unwrap_or_else(|| {
            let root = file.parent().map(Path::to_path_buf).unwrap_or_default();
            let name = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "file".into());
            Package {
                id: format!("path+file://{}#{name}@0.0.0", root.display()),
                name,
                version: "0.0.0".into(),
                manifest_path: root.join("Cargo.toml"),
                root,
                edition: "2021".into(),
                targets: Vec::new(),
            }
        })
}

fn fallback_target(file: &Path) -> Target {
    Target {
        name: file
            .file_stem()
            .map(|s| s.to_string_lossy().replace('-', "_"))
            .unwrap_or_else(|| "file".into()),
        kind: vec!["bin".into()],
        crate_types: vec!["bin".into()],
        src_path: file.to_path_buf(),
        edition: "2021".into(),
    }
}

fn target_json(target: &Target) -> Value {
    let is_lib = target.kind.iter().any(|k| k.contains("lib"));
    json!({
        "kind": target.kind,
        "crate_types": target.crate_types,
        "name": target.name,
        "src_path": target.src_path.display().to_string(),
        "edition": target.edition,
        "doc": is_lib || target.kind.iter().any(|k| k == "bin"),
        "doctest": is_lib,
        "test": true,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_offsets_count_bytes_and_columns_count_characters() {
        let index = LineIndex::new("// é\r\nlet x = é(y);\n");
        assert_eq!(index.line(1), "// é");
        assert_eq!(index.offset(2, 1), 7);
        // `é` is two bytes: column 10 starts after it.
        assert_eq!(index.offset(2, 10), 7 + 10);
    }
}
