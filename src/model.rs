//! The plain data that flows out of the analysis: findings, spans and chains.
//!
//! Architecture invariant: nothing here knows syn. The reporter and the CLI
//! depend on this module only, so a new output format never touches parsing.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How loudly a finding is reported. Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Note,
    Warning,
    Error,
}

impl Severity {
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "note" => Some(Severity::Note),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Note => "note",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A place in a source file: 1-based lines and 1-based columns counted in
/// characters (as rustc prints them).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
pub struct Span {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Span {
    /// A span from 1-based positions. Positions are kept in 32 bits (a
    /// large run holds millions of spans); past that they are clamped.
    pub fn new(line: usize, column: usize, end_line: usize, end_column: usize) -> Span {
        let at = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        Span {
            line: at(line),
            column: at(column),
            end_line: at(end_line),
            end_column: at(end_column),
        }
    }

    /// Where a finding about a whole file points: its first character.
    pub const FILE_START: Span = Span {
        line: 1,
        column: 1,
        end_line: 1,
        end_column: 1,
    };
}

/// One step of a transitive chain: `function` calls the next step (or the
/// blocking callee, for the last step) at `path:line:column`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainStep {
    pub function: String,
    pub calls: String,
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
}

/// Where the finding sits: the async fn, block or closure that makes the call
/// a problem, with the span worth pointing at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextLabel {
    pub description: String,
    pub span: Span,
}

/// One diagnostic, ready to be rendered in any format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: String,
    pub severity: Severity,
    /// The path as walked from the command-line arguments.
    pub path: PathBuf,
    pub span: Span,
    pub message: String,
    /// Resolved path of the blocking function (`std::fs::read_to_string`).
    pub callee: Option<String>,
    pub context: Option<ContextLabel>,
    pub help: Option<String>,
    pub via: Vec<ChainStep>,
    /// A rewrite into the async form, where one is known.
    pub fix: Option<Fix>,
}

impl Finding {
    /// A finding about the file itself rather than a call in it: unreadable,
    /// not UTF-8, not parsable.
    pub fn file_error(rule: &str, path: PathBuf, span: Span, message: String) -> Finding {
        Finding {
            rule: rule.to_string(),
            severity: Severity::Error,
            path,
            span,
            message,
            callee: None,
            context: None,
            help: None,
            via: Vec::new(),
            fix: None,
        }
    }

    /// Ordering used by every output format, so output is stable across runs
    /// whatever the thread scheduling.
    pub fn sort_key(&self) -> (&PathBuf, u32, u32, &str) {
        (&self.path, self.span.line, self.span.column, &self.rule)
    }
}

/// Rule ids for problems with the input rather than with the code.
pub const SYNTAX_ERROR: &str = "syntax-error";
pub const IO_ERROR: &str = "io-error";

/// How sure a fix is, with rustc's and clippy's two levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Keeps behaviour and compiles whenever the original did.
    MachineApplicable,
    /// Probably right, but may need a hand: ownership, error types, a
    /// changed client type.
    MaybeIncorrect,
}

impl Applicability {
    /// The spelling rustc's JSON diagnostics use.
    pub fn as_rustc(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "MachineApplicable",
            Applicability::MaybeIncorrect => "MaybeIncorrect",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::MachineApplicable => "machine-applicable",
            Applicability::MaybeIncorrect => "maybe-incorrect",
        }
    }
}

/// Part of a replacement: new text, or a piece of the original source kept
/// by reference (so the analysis can describe a rewrite without the text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    Text(String),
    Source(Span),
}

/// The source at `span` becomes the concatenation of `pieces`; an empty span
/// inserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub pieces: Vec<Piece>,
}

/// A suggested rewrite of a finding's call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub message: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
    /// The span whose rewritten text is shown to the user (the whole call).
    pub preview: Span,
}

#[cfg(test)]
mod tests {
    use super::Span;

    #[test]
    fn positions_past_32_bits_are_clamped_not_wrapped() {
        let far = u32::MAX as usize + 7;
        let span = Span::new(3, far, far, 9);
        assert_eq!(
            (span.line, span.column, span.end_line, span.end_column),
            (3, u32::MAX, u32::MAX, 9)
        );
    }
}
