//! Applying fixes: resolving their pieces against the source, rewriting
//! files (atomically, never half-written), previews and unified diffs.
//! Text only: nothing here knows how a fix was found.

use crate::model::{Applicability, Edit, Finding, Fix, Piece};
use crate::text::LineIndex;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Replaces every `Piece::Source` of the finding's fix by the text it points
/// at, so reporters need no source text.
pub fn resolve(finding: &mut Finding, text: &str) {
    let Some(fix) = &mut finding.fix else { return };
    let index = LineIndex::new(text);
    for edit in &mut fix.edits {
        let resolved: String = edit
            .pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.clone(),
                Piece::Source(span) => index.slice(*span).to_string(),
            })
            .collect();
        edit.pieces = vec![Piece::Text(resolved)];
    }
}

/// The replacement text of a resolved edit.
pub fn edit_text(edit: &Edit) -> String {
    edit.pieces
        .iter()
        .map(|p| match p {
            Piece::Text(t) => t.as_str(),
            Piece::Source(_) => "",
        })
        .collect()
}

/// Applies non-overlapping edits to `text`; an edit overlapping an earlier
/// one is skipped. Returns the new text and how many edits were applied.
pub fn apply(text: &str, edits: &[&Edit]) -> (String, usize) {
    let index = LineIndex::new(text);
    let mut ranged: Vec<(std::ops::Range<usize>, String)> = edits
        .iter()
        .map(|e| (index.range(e.span), edit_text(e)))
        .collect();
    ranged.sort_by_key(|(r, _)| (r.start, r.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    let mut applied = 0;
    for (range, replacement) in ranged {
        if range.start < at {
            continue;
        }
        out.push_str(&text[at..range.start]);
        out.push_str(&replacement);
        at = range.end;
        applied += 1;
    }
    out.push_str(&text[at..]);
    (out, applied)
}

/// The fixed text of the call, as shown in `help:` lines.
pub fn preview(fix: &Fix, text: &str) -> String {
    let index = LineIndex::new(text);
    let window = index.range(fix.preview);
    let mut edits: Vec<(std::ops::Range<usize>, String)> = fix
        .edits
        .iter()
        .map(|e| (index.range(e.span), edit_text(e)))
        .filter(|(r, _)| r.start >= window.start && r.end <= window.end)
        .collect();
    edits.sort_by_key(|(r, _)| r.start);
    let mut out = String::new();
    let mut at = window.start;
    for (range, replacement) in edits {
        if range.start < at {
            continue;
        }
        out.push_str(&text[at..range.start]);
        out.push_str(&replacement);
        at = range.end;
    }
    out.push_str(&text[at..window.end]);
    out
}

/// The files a set of findings' fixes would change, and the number of
/// findings fixed.
#[derive(Debug, Default)]
pub struct FixOutcome {
    /// `(path, old text, new text)`, sorted by path.
    pub files: Vec<(PathBuf, Arc<str>, String)>,
    pub fixed: usize,
}

/// Plans the fixes of `findings` at or above `level` (machine-applicable
/// only, or maybe-incorrect too). A finding whose edits clash with an
/// earlier one in the same file is left for the next run.
pub fn plan(
    findings: &[Finding],
    sources: &HashMap<PathBuf, Arc<str>>,
    unsafe_fixes: bool,
) -> FixOutcome {
    let mut by_file: BTreeMap<&Path, Vec<&Fix>> = BTreeMap::new();
    for finding in findings {
        let Some(fix) = &finding.fix else { continue };
        if fix.applicability == Applicability::MaybeIncorrect && !unsafe_fixes {
            continue;
        }
        by_file.entry(finding.path.as_path()).or_default().push(fix);
    }
    let mut outcome = FixOutcome::default();
    for (path, fixes) in by_file {
        let Some(text) = sources.get(path) else {
            continue;
        };
        let index = LineIndex::new(text);
        let mut taken: Vec<std::ops::Range<usize>> = Vec::new();
        let mut edits: Vec<&Edit> = Vec::new();
        for fix in fixes {
            let ranges: Vec<_> = fix.edits.iter().map(|e| index.range(e.span)).collect();
            let clashes = ranges.iter().any(|r| {
                taken.iter().any(|t| {
                    r.start < t.end && t.start < r.end || (r.is_empty() && t.contains(&r.start))
                })
            });
            if clashes {
                continue;
            }
            taken.extend(ranges);
            edits.extend(fix.edits.iter());
            outcome.fixed += 1;
        }
        let (new_text, _) = apply(text, &edits);
        if new_text != **text {
            outcome
                .files
                .push((path.to_path_buf(), text.clone(), new_text));
        }
    }
    outcome
}

/// Writes `text` to `path` through a temporary file in the same folder and
/// a rename, so a crash never leaves a half-written source file.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.blocklint-{}.tmp", std::process::id()));
    let result = (|| {
        std::fs::write(&temp, text)?;
        if let Ok(meta) = std::fs::metadata(path) {
            std::fs::set_permissions(&temp, meta.permissions())?;
        }
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}

/// A unified diff of two versions of a file, three lines of context.
pub fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    // Fixes rewrite within lines, so common prefix and suffix bound one
    // changed region per group of touched lines; find the changed lines by
    // aligning on the longest common prefix/suffix of each differing run.
    let mut out = format!("--- {}\n+++ {}\n", path.display(), path.display());
    let ops = line_ops(&a, &b);
    let mut i = 0;
    while i < ops.len() {
        if matches!(ops[i], Op::Same(..)) {
            i += 1;
            continue;
        }
        let start = i.saturating_sub(3);
        let mut end = i;
        loop {
            while end < ops.len() && !matches!(ops[end], Op::Same(..)) {
                end += 1;
            }
            let next_change = (end..ops.len()).find(|&k| !matches!(ops[k], Op::Same(..)));
            match next_change {
                Some(k) if k - end <= 6 => end = k,
                _ => break,
            }
        }
        let stop = (end + 3).min(ops.len());
        let (old_start, new_start) = positions(&ops[..start]);
        let (old_len, new_len) = positions(&ops[start..stop]);
        out.push_str(&format!(
            "@@ -{},{} +{},{} @@\n",
            old_start + 1,
            old_len,
            new_start + 1,
            new_len
        ));
        for op in &ops[start..stop] {
            match op {
                Op::Same(line) => push_line(&mut out, ' ', line),
                Op::Removed(line) => push_line(&mut out, '-', line),
                Op::Added(line) => push_line(&mut out, '+', line),
            }
        }
        i = stop;
    }
    out
}

enum Op<'a> {
    Same(&'a str),
    Removed(&'a str),
    Added(&'a str),
}

fn positions(ops: &[Op<'_>]) -> (usize, usize) {
    ops.iter().fold((0, 0), |(o, n), op| match op {
        Op::Same(_) => (o + 1, n + 1),
        Op::Removed(_) => (o + 1, n),
        Op::Added(_) => (o, n + 1),
    })
}

fn push_line(out: &mut String, mark: char, line: &str) {
    out.push(mark);
    out.push_str(line);
    if !line.ends_with('\n') {
        out.push_str("\n\\ No newline at end of file\n");
    }
}

/// Line-level edit script by longest common subsequence (files are diffed
/// one at a time and fixes are local, so the quadratic table stays small by
/// trimming the common prefix and suffix first).
fn line_ops<'a>(a: &[&'a str], b: &[&'a str]) -> Vec<Op<'a>> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (ma, mb) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut ops: Vec<Op<'a>> = a[..prefix].iter().map(|l| Op::Same(l)).collect();
    if ma.len() * mb.len() > 4_000_000 {
        ops.extend(ma.iter().map(|l| Op::Removed(l)));
        ops.extend(mb.iter().map(|l| Op::Added(l)));
    } else {
        let mut table = vec![vec![0usize; mb.len() + 1]; ma.len() + 1];
        for i in (0..ma.len()).rev() {
            for j in (0..mb.len()).rev() {
                table[i][j] = if ma[i] == mb[j] {
                    table[i + 1][j + 1] + 1
                } else {
                    table[i + 1][j].max(table[i][j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < ma.len() || j < mb.len() {
            if i < ma.len() && j < mb.len() && ma[i] == mb[j] {
                ops.push(Op::Same(ma[i]));
                i += 1;
                j += 1;
            } else if i < ma.len() && (j == mb.len() || table[i + 1][j] >= table[i][j + 1]) {
                ops.push(Op::Removed(ma[i]));
                i += 1;
            } else {
                ops.push(Op::Added(mb[j]));
                j += 1;
            }
        }
    }
    ops.extend(a[a.len() - suffix..].iter().map(|l| Op::Same(l)));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Span;

    fn edit(line: usize, column: usize, end_column: usize, text: &str) -> Edit {
        Edit {
            span: Span::new(line, column, line, end_column),
            pieces: vec![Piece::Text(text.into())],
        }
    }

    #[test]
    fn applies_edits_and_skips_overlaps() {
        let text = "std::thread::sleep(d);\n";
        let edits = [
            edit(1, 1, 19, "tokio::time::sleep"),
            edit(1, 22, 22, ".await"),
            edit(1, 3, 5, "x"),
        ];
        let refs: Vec<&Edit> = edits.iter().collect();
        let (out, applied) = apply(text, &refs);
        assert_eq!(out, "tokio::time::sleep(d).await;\n");
        assert_eq!(applied, 2);
    }

    #[test]
    fn diff_shows_the_changed_line_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nd\nE\nf\ng\nh\n";
        let diff = unified_diff(Path::new("x.rs"), old, new);
        assert_eq!(
            diff,
            "--- x.rs\n+++ x.rs\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n"
        );
    }

    #[test]
    fn writes_atomically() {
        let dir = std::env::temp_dir().join(format!("blocklint-fix-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("a.rs");
        std::fs::write(&file, "old").unwrap();
        write_atomically(&file, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "new");
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left behind"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
