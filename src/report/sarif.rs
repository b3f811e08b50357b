//! SARIF 2.1.0, the format GitHub code scanning uploads: one run whose
//! `tool.driver.rules` describe every rule (with its documentation as help)
//! and whose `results` carry rule id, level, message and a physical
//! location. URIs are relative to the repository root (`%SRCROOT%`), which
//! is how code scanning ties a result to a file of the checkout.

use super::{Context, RuleDoc};
use crate::model::{Finding, Severity};
use serde_json::{Value, json};
use std::path::Path;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF log for `findings`, pretty-printed.
pub fn render(findings: &[Finding], context: &Context) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let root = context.repository_root.clone().unwrap_or(cwd.clone());
    let mut rules: Vec<RuleDoc> = context.rules.clone();
    for finding in findings {
        if !rules.iter().any(|r| r.id == finding.rule) {
            rules.push(RuleDoc {
                id: finding.rule.clone(),
                summary: finding.rule.replace('-', " "),
                doc: String::new(),
                severity: finding.severity,
            });
        }
    }
    let descriptors: Vec<Value> = rules.iter().map(descriptor).collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let index = rules.iter().position(|r| r.id == f.rule).unwrap_or(0);
            result(f, index, &cwd, &root)
        })
        .collect();
    let log = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "blocklint",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": descriptors,
                }
            },
            "originalUriBaseIds": {
                "%SRCROOT%": { "uri": file_uri(&root) }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    serde_json::to_string_pretty(&log).expect("SARIF serialises")
}

fn descriptor(rule: &RuleDoc) -> Value {
    let help = if rule.doc.trim().is_empty() {
        rule.summary.clone()
    } else {
        rule.doc.clone()
    };
    json!({
        "id": rule.id,
        "name": camel_case(&rule.id),
        "shortDescription": { "text": rule.summary },
        "fullDescription": { "text": rule.summary },
        "help": { "text": help, "markdown": help },
        "defaultConfiguration": { "level": level(rule.severity) },
        "properties": { "tags": ["async", "performance"] },
    })
}

fn result(finding: &Finding, rule_index: usize, cwd: &Path, root: &Path) -> Value {
    let mut message = finding.message.clone();
    if let Some(help) = &finding.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let span = finding.span;
    let mut region = json!({
        "startLine": span.line.max(1),
        "startColumn": span.column.max(1),
    });
    if span.end_line >= span.line && span.end_line > 0 {
        region["endLine"] = json!(span.end_line);
        region["endColumn"] = json!(span.end_column.max(1));
    }
    let related: Vec<Value> = finding
        .via
        .iter()
        .enumerate()
        .map(|(i, step)| {
            json!({
                "id": i,
                "message": { "text": format!("`{}` calls `{}`", step.function, step.calls) },
                "physicalLocation": {
                    "artifactLocation": { "uri": uri(&step.path, cwd, root), "uriBaseId": "%SRCROOT%" },
                    "region": { "startLine": step.line.max(1), "startColumn": step.column.max(1) },
                }
            })
        })
        .collect();
    let mut out = json!({
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": level(finding.severity),
        "message": { "text": message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": uri(&finding.path, cwd, root), "uriBaseId": "%SRCROOT%" },
                "region": region,
            }
        }],
        "partialFingerprints": {
            "blocklint/v1": fingerprint(finding, cwd, root),
        },
    });
    if !related.is_empty() {
        out["relatedLocations"] = json!(related);
    }
    out
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// A path relative to the repository root, `/`-separated and
/// percent-encoded as a URI reference.
fn uri(path: &Path, cwd: &Path, root: &Path) -> String {
    let absolute = crate::workspace::absolute_path(cwd, path);
    let relative = absolute.strip_prefix(root).unwrap_or(&absolute);
    let parts: Vec<String> = relative
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(encode(&s.to_string_lossy())),
            _ => None,
        })
        .collect();
    if relative.is_absolute() {
        format!("file:///{}", parts.join("/"))
    } else {
        parts.join("/")
    }
}

fn file_uri(dir: &Path) -> String {
    let parts: Vec<String> = dir
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(encode(&s.to_string_lossy())),
            _ => None,
        })
        .collect();
    format!("file:///{}/", parts.join("/"))
}

fn encode(segment: &str) -> String {
    let mut out = String::new();
    for byte in segment.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// Stable across line moves, like the baseline key: code scanning uses it
/// to tell a moved alert from a new one.
fn fingerprint(finding: &Finding, cwd: &Path, root: &Path) -> String {
    let context = finding
        .context
        .as_ref()
        .map(|c| c.description.as_str())
        .unwrap_or("");
    let callee = finding.callee.as_deref().unwrap_or(&finding.message);
    format!(
        "{}:{}:{}:{}",
        finding.rule,
        uri(&finding.path, cwd, root),
        context,
        callee
    )
}

fn camel_case(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().chain(c).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_encoded() {
        let root = Path::new("/repo");
        assert_eq!(
            uri(Path::new("src/my file.rs"), Path::new("/repo"), root),
            "src/my%20file.rs"
        );
        assert_eq!(
            uri(
                Path::new("../core/src/lib.rs"),
                Path::new("/repo/server"),
                root
            ),
            "core/src/lib.rs"
        );
        assert_eq!(file_uri(root), "file:///repo/");
        assert_eq!(camel_case("blocking-fs"), "BlockingFs");
    }
}
