//! Reading and parsing one source file. Parsing never panics and never
//! aborts the run: every failure becomes a located `ParseFailure` that the
//! caller turns into a finding.

use crate::model::{IO_ERROR, SYNTAX_ERROR, Span};
use std::path::Path;

/// How deep brackets, generic angles or `&` runs may nest before blocklint
/// declines to build a tree. syn and the analysis recurse once per level;
/// this stays far below what overflows the worker stacks (`STACK_SIZE`).
pub const MAX_NESTING: usize = 3_000;

/// Stack size of the threads that parse and analyse files. Only touched
/// pages are committed, so the size costs address space, not memory; it
/// lets shapes the nesting guard cannot see (`return return ..`, `|| || ..`,
/// `x = x = ..`, 40,000 deep) parse instead of aborting the run.
pub const STACK_SIZE: usize = 1024 * 1024 * 1024;

/// Why a file yields no syntax tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseFailure {
    pub rule: &'static str,
    pub span: Span,
    pub message: String,
}

/// Reads a file as UTF-8 source text, without its byte-order mark.
pub fn read_source(path: &Path) -> Result<String, ParseFailure> {
    let bytes = std::fs::read(path).map_err(|e| ParseFailure {
        rule: IO_ERROR,
        span: Span::FILE_START,
        message: format!("cannot read {}: {e}", path.display()),
    })?;
    decode(bytes)
}

/// Decodes bytes as UTF-8, pointing at the first invalid byte otherwise.
pub fn decode(bytes: Vec<u8>) -> Result<String, ParseFailure> {
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.drain(..'\u{feff}'.len_utf8());
            }
            Ok(text)
        }
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let bytes = e.as_bytes();
            let before = &bytes[..valid];
            let line = before.iter().filter(|b| **b == b'\n').count() + 1;
            let line_start = before
                .iter()
                .rposition(|b| *b == b'\n')
                .map_or(0, |p| p + 1);
            let column = String::from_utf8_lossy(&before[line_start..])
                .chars()
                .count()
                + 1;
            Err(ParseFailure {
                rule: IO_ERROR,
                span: Span::new(line, column, line, column + 1),
                message: format!(
                    "file is not valid UTF-8 (byte 0x{:02x} at offset {valid}); Rust source must be UTF-8",
                    bytes[valid]
                ),
            })
        }
    }
}

/// The deepest bracket nesting in `text`, ignoring comments, strings and
/// character literals well enough to bound recursion.
pub fn nesting_depth(text: &str) -> (usize, usize) {
    let bytes = text.as_bytes();
    let (mut depth, mut max, mut max_line, mut line) = (0usize, 0usize, 1usize, 1usize);
    // Generic angle brackets (`Vec<Vec<..>>`) and reference sigils
    // (`&&&..u8`) nest without brackets; syn recurses once per level for
    // them too. Angles are counted within a statement (a `<` comparison
    // never closes), sigils as an unbroken run.
    let (mut angles, mut sigils) = (0usize, 0usize);
    let note = |level: usize, line: usize, max: &mut usize, max_line: &mut usize| {
        if level > *max {
            *max = level;
            *max_line = line;
        }
    };
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        // Most bytes are spaces (elided text is mostly spaces), which change
        // no count, or parts of words and operators, which only end a run
        // of sigils.
        match NESTING_CLASS[byte as usize] {
            SPACE => {
                i += 1;
                continue;
            }
            PLAIN => {
                sigils = 0;
                i += 1;
                continue;
            }
            _ => {}
        }
        if byte == b'&' {
            sigils += 1;
            note(sigils, line, &mut max, &mut max_line);
        } else if !byte.is_ascii_whitespace() {
            sigils = 0;
        }
        match byte {
            b'<' => {
                angles += 1;
                note(angles, line, &mut max, &mut max_line);
            }
            b'>' => angles = angles.saturating_sub(1),
            b';' | b'{' | b'}' => angles = 0,
            _ => {}
        }
        match byte {
            b'\n' => line += 1,
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    } else if bytes[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                note(depth, line, &mut max, &mut max_line);
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    (max, max_line)
}

const SPACE: u8 = 0;
const PLAIN: u8 = 1;
const SPECIAL: u8 = 2;

/// Per byte, what `nesting_depth` does with it: whitespace other than a
/// line break, a byte that only ends a run of `&`, or one it looks at.
const NESTING_CLASS: [u8; 256] = {
    let mut table = [PLAIN; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_whitespace() && c != b'\n' {
            table[b] = SPACE;
        }
        if matches!(
            c,
            b'&' | b'<'
                | b'>'
                | b';'
                | b'{'
                | b'}'
                | b'('
                | b')'
                | b'['
                | b']'
                | b'\n'
                | b'/'
                | b'"'
        ) {
            table[b] = SPECIAL;
        }
        b += 1;
    }
    table
};

/// Stops text that nests deeper than syn can safely recurse.
fn refuse_deep_nesting(text: &str) -> Result<(), ParseFailure> {
    let (depth, line) = nesting_depth(text);
    if depth > MAX_NESTING {
        return Err(ParseFailure {
            rule: SYNTAX_ERROR,
            span: Span::new(line, 1, line, 1),
            message: format!(
                "brackets nest {depth} levels deep here; blocklint analyses files nested up to {MAX_NESTING} levels"
            ),
        });
    }
    Ok(())
}

/// Parses source text into a syntax tree.
pub fn parse(text: &str) -> Result<syn::File, ParseFailure> {
    refuse_deep_nesting(text)?;
    syn::parse_file(text).map_err(|e| {
        let start = e.span().start();
        let end = e.span().end();
        let line = start.line.max(1);
        ParseFailure {
            rule: SYNTAX_ERROR,
            span: Span::new(line, start.column + 1, end.line.max(line), end.column + 1),
            message: format!("cannot parse this file: {e}"),
        }
    })
}

/// Parses one function body, the `{ .. }` at byte `range` of a file's
/// text, alone (inner attributes included, as in a function). Its tokens'
/// lines and columns count from the brace.
pub fn parse_block(text: &str, range: (usize, usize)) -> Result<syn::Block, ParseFailure> {
    let body = text
        .get(range.0..range.1)
        .filter(|body| body.starts_with('{'));
    parse_alone(body, "function body", |input: syn::parse::ParseStream| {
        let content;
        let brace_token = syn::braced!(content in input);
        content.call(syn::Attribute::parse_inner)?;
        let stmts = content.call(syn::Block::parse_within)?;
        Ok(syn::Block { brace_token, stmts })
    })
}

/// Parses one item, at byte `range` of a file's text (attributes
/// included), alone. Its tokens' lines and columns count from its start.
pub fn parse_item(text: &str, range: (usize, usize)) -> Result<syn::Item, ParseFailure> {
    parse_alone(
        text.get(range.0..range.1),
        "item",
        |input: syn::parse::ParseStream| input.parse::<syn::Item>(),
    )
}

/// The line (from 1) and column (in characters, from 0) of a byte offset.
pub fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = text.as_bytes().get(..offset).unwrap_or_default();
    let line = 1 + memchr::memchr_iter(b'\n', before).count();
    let line_start = memchr::memrchr(b'\n', before).map_or(0, |i| i + 1);
    let column = text
        .get(line_start..offset)
        .map_or(0, |s| s.chars().count());
    (line, column)
}

/// Parses a piece of a file on its own: a piece a first reading of the
/// file left out, doc comments blanked as in the whole file. Errors are
/// located within the piece (the plan parses the file whole when a piece
/// fails, and reports that parse's error).
fn parse_alone<T>(
    piece: Option<&str>,
    what: &str,
    parser: impl syn::parse::Parser<Output = T>,
) -> Result<T, ParseFailure> {
    let piece = piece.ok_or_else(|| ParseFailure {
        rule: SYNTAX_ERROR,
        span: Span::FILE_START,
        message: format!("a {what} is not where the file's first reading put it"),
    })?;
    let piece = crate::elide::without_docs(piece);
    refuse_deep_nesting(&piece)?;
    parser.parse_str(&piece).map_err(|e| {
        let start = e.span().start();
        let line = start.line.max(1);
        ParseFailure {
            rule: SYNTAX_ERROR,
            span: Span::new(line, start.column + 1, line, start.column + 1),
            message: format!("cannot parse this {what}: {e}"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bom_is_stripped_and_bad_bytes_located() {
        assert_eq!(
            decode(b"\xef\xbb\xbffn main() {}".to_vec()).unwrap(),
            "fn main() {}"
        );
        let err = decode(b"fn a() {}\nfn \xff() {}".to_vec()).unwrap_err();
        assert_eq!((err.span.line, err.span.column), (2, 4));
        assert!(err.message.contains("0xff"));
    }

    #[test]
    fn syntax_error_has_a_location() {
        let err = parse("fn main() {\n    let = ;\n}\n").unwrap_err();
        assert_eq!(err.rule, SYNTAX_ERROR);
        assert_eq!(err.span.line, 2);
    }

    #[test]
    fn deep_nesting_is_refused_not_overflowed() {
        let text = format!("fn f() {{ {}1{} }}", "(".repeat(10_000), ")".repeat(10_000));
        let err = parse(&text).unwrap_err();
        assert!(err.message.contains("nest"), "{}", err.message);
        assert_eq!(nesting_depth("// ((((\nlet s = \"(((\";").0, 0);
        let generic = format!(
            "fn f() -> {}u8{} {{}}",
            "Vec<".repeat(5_000),
            ">".repeat(5_000)
        );
        assert!(parse(&generic).unwrap_err().message.contains("nest"));
        let sigils = format!("fn f(x: {}u8) {{}}", "&".repeat(5_000));
        assert!(parse(&sigils).unwrap_err().message.contains("nest"));
        assert!(nesting_depth("fn f() { if a < b && c < d { x >>= 1; } }").0 < 5);
    }
}
