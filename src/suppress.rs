//! `// blocklint: allow(rule, ..)` comments: on a finding's line, on the line
//! above it, or above an `fn`, `impl`, `trait` or `mod` item to cover the whole
//! item. A suppression that suppresses nothing is reported itself
//! (`unused-suppression`, like ruff's RUF100), so stale ones don't pile up.

use crate::model::{Finding, Severity, Span};
use crate::rules::RuleSet;
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const UNUSED_SUPPRESSION: &str = "unused-suppression";
const MARKER: &str = "blocklint: allow(";

#[derive(Debug, Clone, PartialEq, Eq)]
struct Suppression {
    line: usize,
    column: usize,
    rules: Vec<String>,
    covers: (usize, usize),
}

/// Drops suppressed findings and adds one finding per unused suppression.
pub fn apply(
    findings: Vec<Finding>,
    sources: &HashMap<PathBuf, Arc<str>>,
    item_lines: &HashMap<&Path, &[(usize, usize)]>,
    rules: &RuleSet,
) -> Vec<Finding> {
    let sources: Vec<(&PathBuf, &Arc<str>)> = sources.iter().collect();
    let mut per_file: HashMap<&Path, Vec<(Suppression, bool)>> = sources
        .par_iter()
        .filter_map(|(path, text)| {
            let items = item_lines.get(path.as_path()).copied().unwrap_or(&[]);
            let found = parse(text, items);
            (!found.is_empty()).then(|| {
                (
                    path.as_path(),
                    found.into_iter().map(|s| (s, false)).collect(),
                )
            })
        })
        .collect();
    let mut kept = Vec::new();
    for finding in findings {
        let mut suppressed = false;
        if let Some(list) = per_file.get_mut(finding.path.as_path()) {
            for (s, used) in list.iter_mut() {
                let line = finding.span.line as usize;
                let covers = line >= s.covers.0 && line <= s.covers.1;
                if covers && s.rules.iter().any(|r| r == &finding.rule || r == "all") {
                    *used = true;
                    suppressed = true;
                }
            }
        }
        if !suppressed {
            kept.push(finding);
        }
    }
    for (path, list) in per_file {
        for (s, used) in list {
            if used {
                continue;
            }
            let unknown: Vec<&String> = s
                .rules
                .iter()
                .filter(|r| *r != "all" && rules.rule(r).is_none())
                .collect();
            let message = if unknown.is_empty() {
                format!(
                    "this `allow({})` suppresses nothing; remove it",
                    s.rules.join(", ")
                )
            } else {
                format!(
                    "`allow` names unknown rule `{}`; `blocklint rules` lists them",
                    unknown[0]
                )
            };
            let end_column = s.column + MARKER.len();
            kept.push(Finding {
                rule: UNUSED_SUPPRESSION.into(),
                severity: Severity::Warning,
                path: path.to_path_buf(),
                span: Span::new(s.line, s.column, s.line, end_column),
                message,
                callee: None,
                context: None,
                help: None,
                via: Vec::new(),
                fix: None,
            });
        }
    }
    kept
}

fn parse(text: &str, items: &[(usize, usize)]) -> Vec<Suppression> {
    if !text.contains(MARKER) {
        return Vec::new();
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(comment) = line.find("//") else {
            continue;
        };
        let after = line[comment + 2..]
            .trim_start_matches(['/', '!'])
            .trim_start();
        let Some(rest) = after.strip_prefix(MARKER) else {
            continue;
        };
        let Some(close) = rest.find(')') else {
            continue;
        };
        let rules: Vec<String> = rest[..close]
            .split(',')
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty())
            .collect();
        let number = i + 1;
        let column = line[..comment].chars().count() + 1;
        let standalone = line[..comment].trim().is_empty();
        let covers = if standalone {
            let next = lines
                .iter()
                .enumerate()
                .skip(i + 1)
                .find(|(_, l)| {
                    let t = l.trim();
                    !t.is_empty() && !t.starts_with("//")
                })
                .map_or(number, |(j, _)| j + 1);
            match items.iter().find(|(start, _)| *start == next) {
                Some(&(start, end)) => (number, end.max(start)),
                None => (number, next),
            }
        } else {
            (number, number)
        };
        out.push(Suppression {
            line: number,
            column,
            rules,
            covers,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_line_next_line_and_items() {
        let text = "fn a() {\n    x(); // blocklint: allow(blocking-fs)\n    // blocklint: allow(blocking-net, blocking-fs)\n\n    y();\n}\n// blocklint: allow(all)\n#[inline]\nfn b() {\n}\n";
        let found = parse(text, &[(1, 6), (8, 10)]);
        assert_eq!(found[0].covers, (2, 2));
        assert_eq!(found[1].covers, (3, 5));
        assert_eq!(found[1].rules, ["blocking-net", "blocking-fs"]);
        assert_eq!(found[2].covers, (7, 10));
    }
}
