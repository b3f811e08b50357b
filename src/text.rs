//! Source text positions: from the 1-based line and character column of a
//! `Span` to byte offsets, for renderers and fixes.

use crate::model::Span;
use std::ops::Range;

/// A text with the byte offset of each line start.
#[derive(Debug, Clone)]
pub struct LineIndex<'t> {
    text: &'t str,
    starts: Vec<usize>,
}

impl<'t> LineIndex<'t> {
    pub fn new(text: &'t str) -> LineIndex<'t> {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line(&self, line: usize) -> &'t str {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let end = self.starts.get(line).copied().unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// Byte offset of a 1-based line and character column; positions past
    /// the end clamp to the end of the line (before its line ending) or of
    /// the text.
    pub fn offset(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let text = self.line(line);
        let within = text
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(text.len(), |(i, _)| i);
        start + within
    }

    pub fn range(&self, span: Span) -> Range<usize> {
        let (line, column) = (span.line as usize, span.column as usize);
        let start = self.offset(line, column);
        let end = self
            .offset((span.end_line as usize).max(line), span.end_column as usize)
            .max(start);
        start..end
    }

    pub fn slice(&self, span: Span) -> &'t str {
        &self.text[self.range(span)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_characters_and_crlf_is_kept() {
        let text = "fn é() {}\r\nlet x = 1;\n";
        let index = LineIndex::new(text);
        let span = Span {
            line: 2,
            column: 5,
            end_line: 2,
            end_column: 6,
        };
        assert_eq!(index.slice(span), "x");
        let e = Span {
            line: 1,
            column: 4,
            end_line: 1,
            end_column: 5,
        };
        assert_eq!(index.slice(e), "é");
        assert_eq!(index.offset(9, 1), text.len());
    }
}
