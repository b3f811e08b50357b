//! Baselines, for adopting blocklint on an existing codebase: record
//! today's findings once (`--write-baseline FILE`), then report only the
//! findings that are not in the record (`--baseline FILE`).
//!
//! A finding is keyed by rule, file, enclosing context and callee, never by
//! line or column, so that edits elsewhere in a file do not turn recorded
//! findings into new ones. Identical keys are counted: a second copy of a
//! recorded blocking call in the same function is new.

use crate::model::Finding;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const VERSION: u32 = 1;

/// The identity of a finding that survives unrelated edits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Key {
    pub rule: String,
    /// Relative to the baseline file's folder, with `/` separators.
    pub path: String,
    /// `async fn handler`, `async block in fn spawn_jobs`, ...; empty for
    /// findings about a file.
    pub context: String,
    /// The blocking callee, or the message for findings without one.
    pub callee: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    #[serde(flatten)]
    key: Key,
    count: usize,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    findings: Vec<Entry>,
}

/// A recorded set of findings.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Baseline {
    counts: BTreeMap<Key, usize>,
    /// The folder paths in the file are relative to.
    base: PathBuf,
}

impl Baseline {
    /// The baseline of `findings`, for a file to be written at `file`.
    pub fn of(findings: &[Finding], file: &Path) -> Baseline {
        let base = folder_of(file);
        let mut counts = BTreeMap::new();
        for finding in findings {
            *counts.entry(key(finding, &base)).or_insert(0) += 1;
        }
        Baseline { counts, base }
    }

    /// Number of findings recorded.
    pub fn len(&self) -> usize {
        self.counts.values().sum()
    }

    pub fn is_empty(&self) -> bool {
        self.counts.is_empty()
    }

    /// The file's text: stable (sorted) JSON, one entry per key.
    pub fn to_json(&self) -> String {
        let file = File {
            version: VERSION,
            findings: self
                .counts
                .iter()
                .map(|(key, &count)| Entry {
                    key: key.clone(),
                    count,
                })
                .collect(),
        };
        let mut text = serde_json::to_string_pretty(&file).expect("baseline serialises");
        text.push('\n');
        text
    }

    /// Reads a baseline file. Errors are messages for the user.
    pub fn read(file: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| format!("cannot read the baseline {}: {e}", file.display()))?;
        let parsed: File = serde_json::from_str(&text)
            .map_err(|e| format!("{} is not a blocklint baseline: {e}", file.display()))?;
        if parsed.version != VERSION {
            return Err(format!(
                "{} is a version {} baseline; this blocklint reads version {VERSION}",
                file.display(),
                parsed.version
            ));
        }
        let mut counts = BTreeMap::new();
        for entry in parsed.findings {
            *counts.entry(entry.key).or_insert(0) += entry.count;
        }
        Ok(Baseline {
            counts,
            base: folder_of(file),
        })
    }

    /// The findings not in the baseline, in their order, and how many were
    /// in it. Of several findings with one key, the first `count` (in
    /// report order) are taken as recorded.
    pub fn new_findings(&self, findings: Vec<Finding>) -> (Vec<Finding>, usize) {
        let mut left = self.counts.clone();
        let mut known = 0;
        let mut fresh = Vec::new();
        for finding in findings {
            match left.get_mut(&key(&finding, &self.base)) {
                Some(n) if *n > 0 => {
                    *n -= 1;
                    known += 1;
                }
                _ => fresh.push(finding),
            }
        }
        (fresh, known)
    }
}

fn folder_of(file: &Path) -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_default();
    let absolute = crate::workspace::absolute_path(&cwd, file);
    absolute.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The key of a finding whose path is as shown (relative to the current
/// folder, or absolute).
pub fn key(finding: &Finding, base: &Path) -> Key {
    let cwd = std::env::current_dir().unwrap_or_default();
    let absolute = crate::workspace::absolute_path(&cwd, &finding.path);
    let relative = absolute.strip_prefix(base).unwrap_or(&absolute);
    let path = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/");
    Key {
        rule: finding.rule.clone(),
        path,
        context: finding
            .context
            .as_ref()
            .map(|c| c.description.clone())
            .unwrap_or_default(),
        callee: finding
            .callee
            .clone()
            .unwrap_or_else(|| finding.message.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{ContextLabel, Severity, Span};

    fn finding(line: usize, context: &str) -> Finding {
        Finding {
            rule: "blocking-fs".into(),
            severity: Severity::Warning,
            path: "src/main.rs".into(),
            span: Span::new(line, 5, line, 20),
            message: "blocking call".into(),
            callee: Some("std::fs::read".into()),
            context: Some(ContextLabel {
                description: context.into(),
                span: Span::default(),
            }),
            help: None,
            via: Vec::new(),
            fix: None,
        }
    }

    #[test]
    fn moved_findings_stay_known_and_extra_copies_are_new() {
        let file = std::env::temp_dir().join("baseline.json");
        let recorded = Baseline::of(&[finding(3, "async fn a")], &file);
        let text = recorded.to_json();
        assert!(text.contains("\"callee\": \"std::fs::read\""), "{text}");
        assert!(!text.contains("\"line\""), "{text}");
        let (fresh, known) = recorded.new_findings(vec![
            finding(10, "async fn a"),
            finding(12, "async fn a"),
            finding(3, "async fn b"),
        ]);
        assert_eq!(known, 1);
        assert_eq!(
            fresh.iter().map(|f| f.span.line).collect::<Vec<_>>(),
            [12, 3]
        );
    }
}
