//! Blanking what `collect` never reads, before syn builds a tree.
//!
//! syn's cost grows with what it parses, and much of real code, generated
//! code above all, is item contents no finding can come from: constant and
//! static initialisers (const contexts cannot call a blocking function),
//! item-level macro calls and `macro_rules!` bodies (collect does not expand
//! them), foreign blocks, and enum and union bodies (only their names are
//! read). Replacing those contents with spaces, one per character and line
//! breaks kept, leaves every other token at the same line and column, so the
//! tree syn builds yields the same summary for a fraction of the work.
//!
//! Only item positions are touched (the file, inline modules, impl and trait
//! bodies); nothing inside a function body is, since macros there are
//! visited. Anything the item reader does not recognise leaves the file as
//! it is. What is blanked is no longer checked for syntax errors, so a run
//! that must report every one (`--parse-all`) does not elide.

use crate::prefilter::{Kind, Token, lex_with_docs};

/// Nesting of modules, impls and traits the reader follows before it gives
/// up on a file (and the file is parsed as written).
const MAX_ITEM_DEPTH: usize = 128;

/// Function bodies shorter than this are parsed as written: blanking them
/// saves little, and a body that is needed later costs a second parse.
const MIN_BODY: usize = 96;

/// A file's text as syn is to see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elided {
    pub text: String,
    /// `(line, column)`, both from 1, of the name of every function whose
    /// body was blanked: its summary has no calls, and a run that needs
    /// them parses the file again without `bodies`.
    pub bodies: Vec<(usize, usize)>,
}

/// The text with item contents blanked (and, with `bodies`, the bodies of
/// functions), or `None` when there is nothing to blank or the file is not
/// shaped as the reader expects.
pub fn elide(text: &str, bodies: bool) -> Option<Elided> {
    let mut docs = Vec::new();
    let (tokens, ok) = lex_with_docs(text, Some(&mut docs));
    if !ok {
        return None;
    }
    let mut reader = Reader {
        text,
        tokens: &tokens,
        blanks: Vec::new(),
        bodies,
        names: Vec::new(),
    };
    reader.items(0, false, 0)?;
    // Doc comments become `#[doc = ".."]` attributes, string literals syn
    // builds and no summary reads.
    let mut blanks = reader.blanks;
    blanks.extend(docs.into_iter().map(|(start, end)| Blank {
        start,
        end,
        zero: false,
    }));
    if blanks.is_empty() {
        return None;
    }
    blanks.sort_by_key(|b| b.start);
    let mut merged: Vec<Blank> = Vec::with_capacity(blanks.len());
    for b in blanks {
        match merged.last_mut() {
            Some(last) if b.start < last.end => last.end = last.end.max(b.end),
            _ => merged.push(b),
        }
    }
    Some(Elided {
        text: blank(text, &merged),
        bodies: positions(text, &reader.names),
    })
}

/// Line and column (in characters, as proc-macro2 counts them), both from
/// 1, of each byte offset; `offsets` ascend.
fn positions(text: &str, offsets: &[usize]) -> Vec<(usize, usize)> {
    let mut out = Vec::with_capacity(offsets.len());
    let (mut line, mut line_start, mut at) = (1, 0, 0);
    for &offset in offsets {
        for (i, b) in text.as_bytes()[at..offset].iter().enumerate() {
            if *b == b'\n' {
                line += 1;
                line_start = at + i + 1;
            }
        }
        at = offset;
        out.push((line, text[line_start..offset].chars().count() + 1));
    }
    out
}

/// A byte range to blank; `zero` puts a `0` in its first character, so an
/// initialiser stays an expression.
struct Blank {
    start: usize,
    end: usize,
    zero: bool,
}

struct Reader<'t> {
    text: &'t str,
    tokens: &'t [Token],
    blanks: Vec<Blank>,
    bodies: bool,
    /// Byte offsets of the names of functions whose bodies are blanked.
    names: Vec<usize>,
}

impl Reader<'_> {
    fn word(&self, i: usize) -> &str {
        match self.tokens.get(i) {
            Some(t) if t.kind == Kind::Ident => &self.text[t.start..t.end],
            _ => "",
        }
    }

    fn punct(&self, i: usize) -> Option<u8> {
        match self.tokens.get(i)?.kind {
            Kind::Punct(c) => Some(c),
            _ => None,
        }
    }

    /// Reads items from `i` to the end of the file or, `inside` a block,
    /// past its closing brace.
    fn items(&mut self, mut i: usize, inside: bool, depth: usize) -> Option<usize> {
        if depth > MAX_ITEM_DEPTH {
            return None;
        }
        loop {
            if i >= self.tokens.len() {
                return (!inside).then_some(i);
            }
            if inside && self.punct(i) == Some(b'}') {
                return Some(i + 1);
            }
            i = self.item(i, depth)?;
        }
    }

    /// Reads one item starting at `i`; returns the index after it.
    fn item(&mut self, mut i: usize, depth: usize) -> Option<usize> {
        while self.punct(i) == Some(b'#') {
            let mut j = i + 1;
            if self.punct(j) == Some(b'!') {
                j += 1;
            }
            if self.punct(j) != Some(b'[') {
                return None;
            }
            i = self.skip_group(j)?;
        }
        if self.punct(i) == Some(b';') {
            return Some(i + 1);
        }
        if self.word(i) == "pub" {
            i += 1;
            if self.punct(i) == Some(b'(') {
                i = self.skip_group(i)?;
            }
        }
        loop {
            match self.word(i) {
                "default" | "unsafe" | "async" | "safe" | "auto" => i += 1,
                "const" if matches!(self.word(i + 1), "fn" | "unsafe" | "async" | "extern") => {
                    i += 1
                }
                "extern" => {
                    if self.word(i + 1) == "crate" {
                        return self.to_semicolon(i);
                    }
                    let mut j = i + 1;
                    if self.tokens.get(j).is_some_and(|t| t.kind == Kind::Str) {
                        j += 1;
                    }
                    if self.punct(j) == Some(b'{') {
                        return self.blank_group(j, false);
                    }
                    i = j;
                }
                _ => break,
            }
        }
        match self.word(i) {
            "fn" => self.function(i),
            "const" | "static" => self.constant(i),
            "type" | "use" => self.to_semicolon(i),
            "struct" => self.structure(i),
            "enum" | "union" => {
                let open = self.header_end(i)?;
                if self.punct(open) != Some(b'{') {
                    return None;
                }
                self.blank_group(open, false)
            }
            "impl" | "trait" => {
                let open = self.header_end(i)?;
                match self.punct(open) {
                    Some(b'{') => self.items(open + 1, true, depth + 1),
                    // `trait A = B;`
                    Some(b';') => Some(open + 1),
                    _ => None,
                }
            }
            "mod" => match self.punct(i + 2) {
                Some(b';') => Some(i + 3),
                Some(b'{') => self.items(i + 3, true, depth + 1),
                _ => None,
            },
            "macro_rules" if self.punct(i + 1) == Some(b'!') => self.macro_call(i + 3),
            "" if self.punct(i) == Some(b':') => self.macro_path(i),
            word if !word.is_empty() => self.macro_path(i),
            _ => None,
        }
    }

    /// `fn ..` up to its body or `;`; with `bodies`, a long body is
    /// blanked.
    fn function(&mut self, mut i: usize) -> Option<usize> {
        let name = i + 1;
        loop {
            match self.punct(i) {
                Some(b'(' | b'[') => i = self.skip_group(i)?,
                Some(b'{') => {
                    let after = self.skip_group(i)?;
                    let long = self.tokens[after - 1].start - self.tokens[i].end >= MIN_BODY;
                    if self.bodies && long && !self.word(name).is_empty() {
                        self.names.push(self.tokens[name].start);
                        return self.blank_group(i, false);
                    }
                    return Some(after);
                }
                Some(b';') => return Some(i + 1),
                _ if i >= self.tokens.len() => return None,
                _ => i += 1,
            }
        }
    }

    /// `const NAME: Type = init;` or `static ..`: the initialiser is
    /// blanked to `0`. Without one (`const N: usize;` in a trait) it is
    /// read to its `;`.
    fn constant(&mut self, i: usize) -> Option<usize> {
        let mut j = i + 1;
        let mut angles = 0usize;
        loop {
            match self.punct(j) {
                Some(b'(' | b'[' | b'{') => {
                    j = self.skip_group(j)?;
                    continue;
                }
                Some(b'<') => angles += 1,
                Some(b'>') if self.punct(j - 1) != Some(b'-') => {
                    angles = angles.checked_sub(1)?;
                }
                Some(b';') if angles == 0 => return Some(j + 1),
                Some(b'=') if angles == 0 => break,
                _ if j >= self.tokens.len() => return None,
                _ => {}
            }
            j += 1;
        }
        let first = j + 1;
        let mut k = first;
        loop {
            match self.punct(k) {
                Some(b'(' | b'[' | b'{') => {
                    k = self.skip_group(k)?;
                    continue;
                }
                Some(b';') => break,
                _ if k >= self.tokens.len() => return None,
                _ => {}
            }
            k += 1;
        }
        if k == first {
            return None;
        }
        self.blanks.push(Blank {
            start: self.tokens[first].start,
            end: self.tokens[k - 1].end,
            zero: true,
        });
        Some(k + 1)
    }

    /// `struct S;`, `struct S(..);`, `struct S { .. }`: fields are read,
    /// so nothing is blanked.
    fn structure(&mut self, mut i: usize) -> Option<usize> {
        loop {
            match self.punct(i) {
                Some(b'(' | b'[') => i = self.skip_group(i)?,
                Some(b'{') => return self.skip_group(i),
                Some(b';') => return Some(i + 1),
                _ if i >= self.tokens.len() => return None,
                _ => i += 1,
            }
        }
    }

    /// The `{` or `;` ending an item header that may hold generics with
    /// braces in them (`impl<const N: usize> X<{ N }>`).
    fn header_end(&self, mut i: usize) -> Option<usize> {
        let mut angles = 0usize;
        loop {
            match self.punct(i) {
                Some(b'(' | b'[') => {
                    i = self.skip_group(i)?;
                    continue;
                }
                Some(b'{') if angles > 0 => {
                    i = self.skip_group(i)?;
                    continue;
                }
                Some(b'{' | b';') => return Some(i),
                Some(b'<') => angles += 1,
                Some(b'>') if self.punct(i - 1) != Some(b'-') => {
                    angles = angles.checked_sub(1)?;
                }
                _ if i >= self.tokens.len() => return None,
                _ => {}
            }
            i += 1;
        }
    }

    /// `path::to::name! ( .. )` at item position.
    fn macro_path(&mut self, mut i: usize) -> Option<usize> {
        loop {
            if self.punct(i) == Some(b':') && self.punct(i + 1) == Some(b':') {
                i += 2;
            }
            if self.word(i).is_empty() {
                return None;
            }
            i += 1;
            if self.punct(i) == Some(b'!') {
                return self.macro_call(i + 1);
            }
            if self.punct(i) != Some(b':') {
                return None;
            }
        }
    }

    /// The delimited body of a macro call at `i`, and the `;` after a
    /// parenthesised or bracketed one.
    fn macro_call(&mut self, i: usize) -> Option<usize> {
        if !matches!(self.punct(i), Some(b'(' | b'[' | b'{')) {
            return None;
        }
        let after = self.blank_group(i, false)?;
        Some(if self.punct(after) == Some(b';') {
            after + 1
        } else {
            after
        })
    }

    /// Blanks the inside of the group opened at `i`; returns the index
    /// after its closing delimiter.
    fn blank_group(&mut self, i: usize, zero: bool) -> Option<usize> {
        let after = self.skip_group(i)?;
        let (start, end) = (self.tokens[i].end, self.tokens[after - 1].start);
        if end > start {
            self.blanks.push(Blank { start, end, zero });
        }
        Some(after)
    }

    fn to_semicolon(&self, mut i: usize) -> Option<usize> {
        loop {
            match self.punct(i) {
                Some(b'(' | b'[' | b'{') => i = self.skip_group(i)?,
                Some(b';') => return Some(i + 1),
                _ if i >= self.tokens.len() => return None,
                _ => i += 1,
            }
        }
    }

    /// The index after the delimiter closing the one at `i`.
    fn skip_group(&self, i: usize) -> Option<usize> {
        let mut depth = 0usize;
        let mut j = i;
        while j < self.tokens.len() {
            match self.punct(j) {
                Some(b'(' | b'[' | b'{') => depth += 1,
                Some(b')' | b']' | b'}') => {
                    depth -= 1;
                    if depth == 0 {
                        return Some(j + 1);
                    }
                }
                _ => {}
            }
            j += 1;
        }
        None
    }
}

/// `text` with each range's characters turned into spaces, line breaks
/// kept, and a `0` first where asked.
fn blank(text: &str, blanks: &[Blank]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for b in blanks {
        out.push_str(&text[at..b.start]);
        for (n, c) in text[b.start..b.end].chars().enumerate() {
            out.push(match c {
                '\n' | '\r' => c,
                _ if n == 0 && b.zero => '0',
                _ => ' ',
            });
        }
        at = b.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blanks_contents_collect_never_reads() {
        let text = "use std::fs;\n\
                    const TABLE: [u8; 3] = [1,\n 2, 3];\n\
                    static S: Lazy<Vec<u8>> = Lazy::new(|| fs::read(\"x\").unwrap());\n\
                    windows_link::link!(\"kernel32.dll\" \"system\" fn CloseHandle(h: isize) -> i32);\n\
                    extern \"C\" { fn abs(x: i32) -> i32; }\n\
                    enum E { A = 1, B }\n\
                    macro_rules! m { ($x:expr) => { $x } }\n\
                    impl X { const N: usize = 4; fn f(&self) { println!(\"é{}\", 1); } }\n\
                    fn g() { std::thread::sleep(D); }\n";
        let out = elide(text, false).expect("something to blank").text;
        assert_eq!(out.lines().count(), text.lines().count());
        assert_eq!(out.chars().count(), text.chars().count());
        assert!(out.contains("const TABLE: [u8; 3] = 0"));
        assert!(out.contains("static S: Lazy<Vec<u8>> = 0"));
        assert!(!out.contains("CloseHandle") && !out.contains("abs") && !out.contains("A = 1"));
        assert!(out.contains("const N: usize = 0;"));
        assert!(out.contains("println!(\"é{}\", 1)"));
        assert!(out.contains("fn g() { std::thread::sleep(D); }"));
        syn::parse_file(&out).expect("still Rust");
    }

    #[test]
    fn unrecognised_shapes_are_left_alone() {
        assert_eq!(elide("fn f() {}", true), None);
        assert_eq!(
            elide("/// doc\nfn f() {}", true).unwrap().text,
            "       \nfn f() {}"
        );
        assert_eq!(elide("const X: u8 = 1", true), None);
        assert_eq!(elide("macro m() {} const X: u8 = 1;", true), None);
        assert_eq!(elide("const X: &str = \"unterminated;", true), None);
    }

    #[test]
    fn long_bodies_are_blanked_and_located() {
        let body = "    let x = std::fs::read_to_string(\"some/long/path/to/a/file\").unwrap();\n"
            .repeat(3);
        let text = format!(
            "fn short() {{ a(); }}\nimpl S {{\n    /// é\n    #[doc = \"é\"] pub fn long(&self) {{\n{body}    }}\n}}\n"
        );
        let out = elide(&text, true).expect("a long body");
        assert_eq!(out.bodies, vec![(4, 25)]);
        assert!(out.text.contains("fn short() { a(); }"));
        assert!(!out.text.contains("read_to_string"));
        assert_eq!(out.text.lines().count(), text.lines().count());
        let without = elide(&text, false).expect("a doc comment");
        assert!(without.bodies.is_empty() && without.text.contains("read_to_string"));
        assert!(!without.text.contains("/// é"));
    }
}
