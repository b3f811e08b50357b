//! A light scan of one file's text, for deciding whether the file must be
//! parsed at all (`lazy`): the names it defines, the names its `use` items
//! bind, the impls it writes, and its `mod` declarations.
//!
//! Building a syntax tree is most of the cost of a run (PERF-NOTES), and
//! most files of a large workspace can never yield a finding: they have no
//! async context and nothing async code reaches. This scan is one pass over
//! the bytes with a small lexer (comments, strings, character literals and
//! lifetimes told apart), no tree. Where it cannot be sure, it says so
//! (`anomaly`), and the file is parsed.
//!
//! Its `mods` must equal what `collect` records for a file that parses, so
//! that files never parsed still place their children in the module tree:
//! `mod` items inside macro invocations and `macro_rules!` bodies are
//! skipped, as syn does not see them either.

use crate::summary::ModDecl;
use serde::{Deserialize, Serialize};

/// What the scan found in one file. Name lists are sorted and deduplicated.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextIndex {
    /// The code (not its comments or strings) has the `async` keyword: the
    /// file may have an async context, so it is always parsed.
    pub has_async: bool,
    /// The token structure is something syn rejects (an unbalanced or
    /// unterminated delimiter, string or comment) or nests deeper than
    /// `parse` accepts: parse it, so the error is reported.
    pub anomaly: bool,
    /// Names after `fn`, anywhere (free functions, methods, nested ones).
    pub fns: Names,
    /// Names after `struct`, `enum`, `union`, `trait` and `type`.
    pub types: Names,
    /// Identifiers between `impl` (or `trait`) and the block it opens: the
    /// self type and trait of every impl.
    pub impl_words: Names,
    /// Identifiers inside `use` items (what they import and bind).
    pub use_words: Names,
    /// Some `use` item imports with `*`.
    pub glob_use: bool,
    /// `mod` items as `collect` records them.
    pub mods: Vec<ModDecl>,
    /// The text names a current-thread-only callee of the rule data (set
    /// by the caller, which knows the rules; cached with the scan).
    pub mentions_ct: bool,
    /// The text has a suppression comment (`blocklint: allow(`).
    pub has_marker: bool,
}

impl TextIndex {
    pub fn defines(&self, name: &str) -> bool {
        self.fns.contains(name) || self.types.contains(name)
    }

    pub fn defines_fn(&self, name: &str) -> bool {
        self.fns.contains(name)
    }

    pub fn has_impl_word(&self, name: &str) -> bool {
        self.impl_words.contains(name)
    }

    pub fn binds(&self, name: &str) -> bool {
        self.use_words.contains(name)
    }

    /// Module paths (relative to the file's own module) of the inline
    /// modules declared in this file, outermost first.
    pub fn inline_modules(&self) -> impl Iterator<Item = Vec<&str>> {
        self.mods.iter().filter(|m| !m.external).map(|m| {
            m.inline_parents
                .iter()
                .map(String::as_str)
                .chain(std::iter::once(m.name.as_str()))
                .collect()
        })
    }
}

/// A sorted, deduplicated list of names in one allocation. The scan of
/// every file is kept for the whole run: as a `Vec<String>` per list, the
/// benchmark corpus's 800k names took about 80 MB (growth slack, a heap
/// block per name) where they take about 14 MB as one text and its ends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredNames")]
pub struct Names {
    text: Box<str>,
    /// Where each name ends in `text`; it starts where the one before ends.
    ends: Box<[u32]>,
}

/// `Names` as the cache holds it, checked before use: a damaged cache file
/// must read as a miss, never as offsets that slice out of bounds.
#[derive(Deserialize)]
struct StoredNames {
    text: Box<str>,
    ends: Box<[u32]>,
}

impl TryFrom<StoredNames> for Names {
    type Error = &'static str;

    fn try_from(stored: StoredNames) -> Result<Names, Self::Error> {
        let mut start = 0;
        for &end in stored.ends.iter() {
            let end = end as usize;
            if end < start || !stored.text.is_char_boundary(end) {
                return Err("a name list's ends are out of order or out of its text");
            }
            start = end;
        }
        if start != stored.text.len() {
            return Err("a name list's text is longer than its names");
        }
        Ok(Names {
            text: stored.text,
            ends: stored.ends,
        })
    }
}

impl Names {
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Names {
        let mut names: Vec<&str> = names.into_iter().collect();
        names.sort_unstable();
        names.dedup();
        let mut text = String::with_capacity(names.iter().map(|n| n.len()).sum());
        let mut ends = Vec::with_capacity(names.len());
        for name in names {
            // A file's names are part of its text: only a file of more than
            // 4 GiB can get here, and its plan then lacks the last names
            // (the file is still scanned and, when needed, parsed) rather
            // than reading wrapped offsets.
            let Ok(end) = u32::try_from(text.len() + name.len()) else {
                break;
            };
            text.push_str(name);
            ends.push(end);
        }
        Names {
            text: text.into(),
            ends: ends.into(),
        }
    }

    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    pub fn contains(&self, name: &str) -> bool {
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let mid = low + (high - low) / 2;
            match self.get(mid).cmp(name) {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return true,
            }
        }
        false
    }
}

/// The names a scan collects, borrowed from the text until they are kept.
#[derive(Default)]
struct Words<'t> {
    fns: Vec<&'t str>,
    types: Vec<&'t str>,
    impl_words: Vec<&'t str>,
    use_words: Vec<&'t str>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Ident,
    Punct(u8),
    Str,
    Other,
}

/// A token's kind and byte range: 12 bytes, as every file of a run is
/// lexed (`lex` refuses texts of 4 GiB and more).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Token {
    pub(crate) kind: Kind,
    start: u32,
    end: u32,
}

impl Token {
    fn new(kind: Kind, start: usize, end: usize) -> Token {
        // `lex` has checked the text fits.
        Token {
            kind,
            start: start as u32,
            end: end as u32,
        }
    }

    pub(crate) fn start(&self) -> usize {
        self.start as usize
    }

    pub(crate) fn end(&self) -> usize {
        self.end as usize
    }

    pub(crate) fn range(&self) -> std::ops::Range<usize> {
        self.start()..self.end()
    }
}

/// Keywords that may stand before `!` without making a macro call
/// (`if !done`, `return !x`).
const KEYWORDS: &[&str] = &[
    "if", "while", "match", "return", "in", "else", "let", "break", "continue", "as", "mut", "ref",
    "move", "where", "yield", "await", "for", "loop", "unsafe", "dyn", "impl", "fn", "mod", "use",
    "pub", "const", "static", "type", "struct", "enum", "trait", "crate", "self", "super", "Self",
    "box",
];

/// Scans `text`. Never fails: what it cannot make sense of sets `anomaly`.
pub fn scan(text: &str) -> TextIndex {
    let index = TextIndex {
        ..TextIndex::default()
    };
    with_tokens(text, None, |tokens, lex_ok| {
        scan_tokens(text, tokens, lex_ok, index)
    })
}

fn scan_tokens(text: &str, tokens: &[Token], lex_ok: bool, mut index: TextIndex) -> TextIndex {
    // The keyword, not the word in a comment, a doc example or a string:
    // documented sync code often shows async usage.
    let bytes = text.as_bytes();
    index.has_async = tokens
        .iter()
        .any(|t| t.kind == Kind::Ident && t.end - t.start == 5 && &bytes[t.range()] == b"async");
    if !lex_ok {
        index.anomaly = true;
    }
    let (depth, words) = Items::new(text, tokens, &mut index).run();
    // `parse` refuses deep nesting by its own count, which also counts
    // brackets in block comments and character literals: well below its
    // limit, let it decide.
    if depth > crate::parse::MAX_NESTING / 8 {
        index.anomaly = true;
    }
    index.fns = Names::new(words.fns);
    index.types = Names::new(words.types);
    index.impl_words = Names::new(words.impl_words);
    index.use_words = Names::new(words.use_words);
    index
}

/// Splits `text` into tokens, noting the byte range of every doc comment
/// (`///`, `//!`, `/** */`, `/*! */`) in `docs`; `false` when a string,
/// character literal or comment does not end.
pub(crate) fn lex_with_docs(
    text: &str,
    docs: Option<&mut Vec<(usize, usize)>>,
) -> (Vec<Token>, bool) {
    let mut tokens = Vec::new();
    let ok = lex_into(text, docs, &mut tokens);
    (tokens, ok)
}

/// `lex_with_docs` into this thread's token buffer, handed to `f`: every
/// file of a run is lexed, and a fresh vector per file was memory the
/// allocator had to fault in again and again.
pub(crate) fn with_tokens<R>(
    text: &str,
    docs: Option<&mut Vec<(usize, usize)>>,
    f: impl FnOnce(&[Token], bool) -> R,
) -> R {
    thread_local! {
        static TOKENS: std::cell::RefCell<Vec<Token>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    /// A buffer grown past this many tokens (a very large file) is let go.
    const KEEP: usize = 1 << 20;
    TOKENS.with(|cell| match cell.try_borrow_mut() {
        Ok(mut tokens) => {
            let ok = lex_into(text, docs, &mut tokens);
            let out = f(&tokens, ok);
            if tokens.capacity() > KEEP {
                *tokens = Vec::new();
            }
            out
        }
        Err(_) => {
            let (tokens, ok) = lex_with_docs(text, docs);
            f(&tokens, ok)
        }
    })
}

/// Lexes `text` into `tokens` (cleared first).
fn lex_into(
    text: &str,
    mut docs: Option<&mut Vec<(usize, usize)>>,
    tokens: &mut Vec<Token>,
) -> bool {
    tokens.clear();
    let bytes = text.as_bytes();
    if u32::try_from(bytes.len()).is_err() {
        // Token positions are 32-bit: no tokens, and the scan is doubted.
        return false;
    }
    tokens.reserve(bytes.len() / 6);
    let mut ok = true;
    let mut i = 0;
    let n = bytes.len();
    // A shebang line is not code.
    if bytes.starts_with(b"#!") && !bytes[2..].starts_with(b"[") {
        while i < n && bytes[i] != b'\n' {
            i += 1;
        }
    }
    while i < n {
        let b = bytes[i];
        match b {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                while i < n && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                let start = i;
                i = memchr::memchr(b'\n', &bytes[i..]).map_or(n, |at| i + at);
                let third = bytes.get(start + 2).copied();
                let doc = third == Some(b'!')
                    || (third == Some(b'/') && bytes.get(start + 3) != Some(&b'/'));
                if doc && let Some(docs) = docs.as_deref_mut() {
                    docs.push((start, i));
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let start = i;
                let third = bytes.get(i + 2).copied();
                let doc = third == Some(b'!')
                    || (third == Some(b'*') && !matches!(bytes.get(i + 3), Some(b'*' | b'/')));
                let mut depth = 1;
                i += 2;
                while i < n && depth > 0 {
                    // Only a `/` or a `*` can open or close a comment.
                    match memchr::memchr2(b'/', b'*', &bytes[i..]) {
                        Some(at) => i += at,
                        None => {
                            i = n;
                            break;
                        }
                    }
                    if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
                        depth += 1;
                        i += 2;
                    } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
                        depth -= 1;
                        i += 2;
                    } else {
                        i += 1;
                    }
                }
                if depth > 0 {
                    ok = false;
                } else if doc && let Some(docs) = docs.as_deref_mut() {
                    docs.push((start, i));
                }
            }
            b'"' => {
                let start = i;
                match quoted_end(bytes, i) {
                    Some(end) => i = end,
                    None => {
                        ok = false;
                        i = n;
                    }
                }
                tokens.push(Token::new(Kind::Str, start, i));
            }
            b'\'' => {
                let start = i;
                let (end, is_char) = quote_or_lifetime(bytes, i);
                if end > n {
                    ok = false;
                }
                i = end.min(n);
                tokens.push(Token::new(
                    if is_char { Kind::Other } else { Kind::Ident },
                    start,
                    i,
                ));
            }
            b'0'..=b'9' => {
                let start = i;
                while i < n && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                tokens.push(Token::new(Kind::Other, start, i));
            }
            _ if is_ident_start(b) => {
                let start = i;
                // Raw identifier `r#name` (not a raw string `r#"..."#`).
                if b == b'r'
                    && bytes.get(i + 1) == Some(&b'#')
                    && bytes.get(i + 2).is_some_and(|c| is_ident_start(*c))
                {
                    i += 2;
                }
                while i < n && is_ident_continue(bytes[i]) {
                    i += 1;
                }
                let word = &bytes[start..i];
                let next = bytes.get(i).copied();
                let prefix_of_literal = matches!(word, b"b" | b"r" | b"br" | b"c" | b"cr" | b"rb");
                if prefix_of_literal && next == Some(b'"') {
                    let raw = word.contains(&b'r');
                    let end = if raw {
                        raw_string_end(bytes, i, 0)
                    } else {
                        quoted_end(bytes, i)
                    };
                    match end {
                        Some(end) => i = end,
                        None => {
                            ok = false;
                            i = n;
                        }
                    }
                    tokens.push(Token::new(Kind::Str, start, i));
                } else if prefix_of_literal && word.contains(&b'r') && next == Some(b'#') {
                    let mut hashes = 0;
                    while bytes.get(i + hashes) == Some(&b'#') {
                        hashes += 1;
                    }
                    if bytes.get(i + hashes) == Some(&b'"') {
                        match raw_string_end(bytes, i + hashes, hashes) {
                            Some(end) => i = end,
                            None => {
                                ok = false;
                                i = n;
                            }
                        }
                        tokens.push(Token::new(Kind::Str, start, i));
                    } else {
                        tokens.push(Token::new(Kind::Ident, start, i));
                    }
                } else if word == b"b" && next == Some(b'\'') {
                    let (end, _) = quote_or_lifetime(bytes, i);
                    if end > n {
                        ok = false;
                    }
                    i = end.min(n);
                    tokens.push(Token::new(Kind::Other, start, i));
                } else {
                    tokens.push(Token::new(Kind::Ident, start, i));
                }
            }
            _ => {
                tokens.push(Token::new(Kind::Punct(b), i, i + 1));
                i += 1;
            }
        }
    }
    ok
}

fn is_ident_start(b: u8) -> bool {
    IDENT[b as usize] == 1
}

fn is_ident_continue(b: u8) -> bool {
    IDENT[b as usize] != 0
}

/// Per byte: 1 starts an identifier, 2 continues one, 0 neither.
const IDENT: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        table[b] = if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 {
            1
        } else if c.is_ascii_digit() {
            2
        } else {
            0
        };
        b += 1;
    }
    table
};

/// The end (one past the closing quote) of the string starting at `open`.
fn quoted_end(bytes: &[u8], open: usize) -> Option<usize> {
    let mut i = open + 1;
    while i < bytes.len() {
        i += memchr::memchr2(b'\\', b'"', &bytes[i..])?;
        match bytes[i] {
            b'\\' => i += 2,
            _ => return Some(i + 1),
        }
    }
    None
}

/// The end of a raw string whose quote is at `quote`, closed by `"` and
/// `hashes` hashes.
fn raw_string_end(bytes: &[u8], quote: usize, hashes: usize) -> Option<usize> {
    let mut i = quote + 1;
    while i < bytes.len() {
        if bytes[i] == b'"'
            && bytes[i + 1..]
                .iter()
                .take(hashes)
                .filter(|b| **b == b'#')
                .count()
                == hashes
        {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    None
}

/// At a `'`: a character literal (`'a'`, `'\n'`, `'\u{1F600}'`) or a
/// lifetime or label (`'a`, `'static`). Returns the end and whether it is a
/// character literal; an end past the text means an unterminated literal.
fn quote_or_lifetime(bytes: &[u8], quote: usize) -> (usize, bool) {
    let n = bytes.len();
    let i = quote + 1;
    if i >= n {
        return (n + 1, true);
    }
    if bytes[i] == b'\\' {
        // Escaped character: up to the closing quote on this line.
        let mut j = i + 2;
        while j < n && bytes[j] != b'\'' && bytes[j] != b'\n' {
            j += 1;
        }
        return if j < n && bytes[j] == b'\'' {
            (j + 1, true)
        } else {
            (n + 1, true)
        };
    }
    // One character (of any UTF-8 length), then a quote: a char literal.
    let width = utf8_width(bytes[i]);
    if bytes.get(i + width) == Some(&b'\'') {
        return (i + width + 1, true);
    }
    let mut j = i;
    while j < n && is_ident_continue(bytes[j]) {
        j += 1;
    }
    (j, false)
}

fn utf8_width(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        _ => 4,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    /// `mod name { .. }`: index into the names stack.
    Module,
    /// The body of a macro call or `macro_rules!`.
    Macro,
    Other,
}

/// Item-level reading of the token stream.
struct Items<'t, 'i> {
    text: &'t str,
    tokens: &'t [Token],
    index: &'i mut TextIndex,
    words: Words<'t>,
    frames: Vec<(u8, Frame)>,
    module_names: Vec<String>,
    macro_depth: usize,
    /// `#[path = ".."]` seen since the last item boundary.
    pending_path: Option<String>,
    /// Inside a `use` item: the frame depth it started at.
    in_use: Option<usize>,
    /// Inside an `impl` or `trait` header: the frame depth it started at.
    in_impl: Option<usize>,
}

impl<'t, 'i> Items<'t, 'i> {
    fn new(text: &'t str, tokens: &'t [Token], index: &'i mut TextIndex) -> Items<'t, 'i> {
        Items {
            text,
            tokens,
            index,
            words: Words::default(),
            frames: Vec::new(),
            module_names: Vec::new(),
            macro_depth: 0,
            pending_path: None,
            in_use: None,
            in_impl: None,
        }
    }

    fn word(&self, i: usize) -> &'t str {
        let t = self.tokens[i];
        &self.text[t.range()]
    }

    fn is_ident(&self, i: usize, word: &str) -> bool {
        i < self.tokens.len() && self.tokens[i].kind == Kind::Ident && self.word(i) == word
    }

    fn punct(&self, i: usize) -> Option<u8> {
        match self.tokens.get(i)?.kind {
            Kind::Punct(c) => Some(c),
            _ => None,
        }
    }

    fn next_ident(&self, i: usize) -> Option<&'t str> {
        (i < self.tokens.len() && self.tokens[i].kind == Kind::Ident).then(|| self.word(i))
    }

    /// Reads every token; returns the deepest nesting seen.
    fn run(mut self) -> (usize, Words<'t>) {
        let mut i = 0;
        let mut deepest = 0;
        while i < self.tokens.len() {
            i = self.step(i);
            deepest = deepest.max(self.frames.len());
        }
        if !self.frames.is_empty() {
            self.index.anomaly = true;
        }
        (deepest, self.words)
    }

    /// Handles the token at `i`; returns the index of the next one.
    fn step(&mut self, i: usize) -> usize {
        let token = self.tokens[i];
        match token.kind {
            Kind::Punct(open @ (b'(' | b'[' | b'{')) => {
                let frame = self.open_frame(i);
                if open == b'{' || frame == Frame::Macro {
                    // `{` ends an item header; a macro body is no item.
                    self.pending_path = None;
                }
                if let Some(depth) = self.in_impl
                    && open == b'{'
                    && depth == self.frames.len()
                {
                    self.in_impl = None;
                }
                if frame == Frame::Macro {
                    self.macro_depth += 1;
                }
                self.frames.push((open, frame));
                i + 1
            }
            Kind::Punct(close @ (b')' | b']' | b'}')) => {
                let expected = match close {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                match self.frames.pop() {
                    Some((open, frame)) => {
                        if open != expected {
                            self.index.anomaly = true;
                        }
                        match frame {
                            Frame::Module => {
                                self.module_names.pop();
                            }
                            Frame::Macro => self.macro_depth -= 1,
                            Frame::Other => {}
                        }
                    }
                    None => self.index.anomaly = true,
                }
                if close == b'}' {
                    self.pending_path = None;
                }
                if self.in_use.is_some_and(|d| d > self.frames.len()) {
                    self.in_use = None;
                }
                if self.in_impl.is_some_and(|d| d > self.frames.len()) {
                    self.in_impl = None;
                }
                i + 1
            }
            Kind::Punct(b';') => {
                if self.in_use == Some(self.frames.len()) {
                    self.in_use = None;
                }
                if self.in_impl == Some(self.frames.len()) {
                    self.in_impl = None;
                }
                self.pending_path = None;
                i + 1
            }
            Kind::Punct(b'*') => {
                if self.in_use.is_some() {
                    self.index.glob_use = true;
                }
                i + 1
            }
            Kind::Punct(b'#') => self.attribute(i),
            Kind::Ident => {
                let word = self.word(i);
                if self.in_use.is_some() {
                    self.words.use_words.push(word);
                }
                if self.in_impl.is_some() {
                    self.words.impl_words.push(word);
                }
                match word {
                    "use" if self.in_use.is_none() => {
                        self.in_use = Some(self.frames.len());
                    }
                    "impl" | "trait" if self.in_impl.is_none() => {
                        self.in_impl = Some(self.frames.len());
                        if word == "trait"
                            && self.macro_depth == 0
                            && let Some(name) = self.next_ident(i + 1)
                        {
                            self.words.types.push(name);
                        }
                    }
                    // Items inside macro calls and `extern` blocks never
                    // reach a summary: `collect` skips both.
                    "fn" if self.macro_depth == 0 => {
                        if let Some(name) = self.next_ident(i + 1) {
                            self.words.fns.push(name);
                        }
                    }
                    "struct" | "enum" | "union" | "type" if self.macro_depth == 0 => {
                        if let Some(name) = self.next_ident(i + 1) {
                            self.words.types.push(name);
                        }
                    }
                    "mod" => return self.module(i),
                    _ => {}
                }
                i + 1
            }
            _ => i + 1,
        }
    }

    /// What the delimiter at `i` opens: a macro body after `name!` or
    /// `macro_rules! name`, an inline module after `mod name`.
    fn open_frame(&mut self, i: usize) -> Frame {
        if i >= 2 && self.punct(i - 1) == Some(b'!') && self.tokens[i - 2].kind == Kind::Ident {
            let name = self.word(i - 2);
            if !KEYWORDS.contains(&name) {
                return Frame::Macro;
            }
        }
        if i >= 3
            && self.tokens[i - 1].kind == Kind::Ident
            && self.punct(i - 2) == Some(b'!')
            && self.is_ident(i - 3, "macro_rules")
        {
            return Frame::Macro;
        }
        // `extern { .. }` and `extern "C" { .. }`: foreign items.
        if self.punct(i) == Some(b'{')
            && i >= 1
            && (self.is_ident(i - 1, "extern")
                || (i >= 2
                    && self.tokens[i - 1].kind == Kind::Str
                    && self.is_ident(i - 2, "extern")))
        {
            return Frame::Macro;
        }
        Frame::Other
    }

    /// `mod name;` or `mod name {`.
    fn module(&mut self, i: usize) -> usize {
        let Some(name) = self.next_ident(i + 1) else {
            return i + 1;
        };
        let external = match self.punct(i + 2) {
            Some(b';') => true,
            Some(b'{') => false,
            _ => return i + 1,
        };
        if self.macro_depth == 0 {
            self.index.mods.push(ModDecl {
                inline_parents: self.module_names.clone(),
                name: name.to_string(),
                path_attr: self.pending_path.take(),
                external,
            });
        }
        self.pending_path = None;
        if external {
            i + 3
        } else {
            self.module_names.push(name.to_string());
            self.frames.push((b'{', Frame::Module));
            i + 3
        }
    }

    /// `#[..]` or `#![..]`: notes `#[path = ".."]`; the rest is skipped
    /// only as far as attributes go (their tokens still balance frames).
    fn attribute(&mut self, i: usize) -> usize {
        let mut j = i + 1;
        if self.punct(j) == Some(b'!') {
            j += 1;
        }
        if self.punct(j) != Some(b'[') {
            return i + 1;
        }
        if self.is_ident(j + 1, "path")
            && self.punct(j + 2) == Some(b'=')
            && self.tokens.get(j + 3).is_some_and(|t| t.kind == Kind::Str)
            && self.punct(j + 4) == Some(b']')
        {
            let t = self.tokens[j + 3];
            self.pending_path = Some(string_value(&self.text[t.range()]));
            return j + 5;
        }
        i + 1
    }
}

/// The value of a string literal token: quotes removed, simple escapes
/// undone.
fn string_value(literal: &str) -> String {
    let body = literal.trim_start_matches(['b', 'c', 'r']);
    let hashes = body.len() - body.trim_start_matches('#').len();
    let raw = literal.starts_with('r') || literal.starts_with("br") || literal.starts_with("cr");
    let inner = &body[hashes..body.len() - hashes];
    let inner = inner
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(inner);
    if raw {
        return inner.to_string();
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decl(parents: &[&str], name: &str, path: Option<&str>, external: bool) -> ModDecl {
        ModDecl {
            inline_parents: parents.iter().map(|s| s.to_string()).collect(),
            name: name.into(),
            path_attr: path.map(String::from),
            external,
        }
    }

    #[test]
    fn finds_modules_like_collect() {
        let index = scan(
            "//! mod not_this;\n\
             #[cfg(unix)]\n\
             #[path = \"sys/unix.rs\"]\n\
             mod sys;\n\
             pub(crate) mod net {\n\
                 mod tcp;\n\
                 fn f() { let s = \"mod nope;\"; let c = '{'; }\n\
             }\n\
             cfg_if::cfg_if! { if #[cfg(x)] { mod hidden; } }\n\
             macro_rules! m { () => { mod generated; } }\n\
             mod r#async;\n",
        );
        assert_eq!(
            index.mods,
            [
                decl(&[], "sys", Some("sys/unix.rs"), true),
                decl(&[], "net", None, false),
                decl(&["net"], "tcp", None, true),
                decl(&[], "r#async", None, true),
            ]
        );
        assert!(!index.anomaly);
    }

    #[test]
    fn collects_names_for_the_planner() {
        let index = scan(
            "pub use self::inner::{helper as h, Store};\n\
             use super::*;\n\
             impl<'a> Reader for Store<'a> { fn read(&self) -> char { 'x' } }\n\
             pub struct Config<'b> { x: &'b str }\n\
             fn load(r: &str) -> Result<(), E> { let _ = r#\"fn fake\"#; Ok(()) }\n",
        );
        assert_eq!(index.fns.iter().collect::<Vec<_>>(), ["load", "read"]);
        assert_eq!(index.types.iter().collect::<Vec<_>>(), ["Config"]);
        assert!(index.glob_use && !index.has_async);
        assert!(index.binds("h") && index.binds("helper") && index.binds("Store"));
        assert!(index.has_impl_word("Reader") && index.has_impl_word("Store"));
        assert!(!index.binds("fake") && !index.defines_fn("fake"));
        let index = scan(
            "extern \"C\" { pub fn ffi_call(); }\n\
             unsafe extern { fn other(); }\n\
             windows_targets::link!(\"k.dll\" \"system\" fn CloseHandle(h: isize) -> i32);\n\
             pub extern \"C\" fn exported() {}\n",
        );
        assert_eq!(
            index.fns.iter().collect::<Vec<_>>(),
            ["exported"],
            "foreign and macro items never get a summary"
        );
    }

    #[test]
    fn names_are_sorted_deduplicated_and_found() {
        let names = Names::new(["read", "a", "zeta", "read", "ab", "b"]);
        assert_eq!(
            names.iter().collect::<Vec<_>>(),
            ["a", "ab", "b", "read", "zeta"]
        );
        for name in ["a", "ab", "b", "read", "zeta"] {
            assert!(names.contains(name), "{name}");
        }
        for name in ["", "aa", "r", "reads", "zz", "0"] {
            assert!(!names.contains(name), "{name}");
        }
        let empty = Names::new([]);
        assert!(empty.is_empty() && !empty.contains("") && !empty.contains("a"));
    }

    #[test]
    fn damaged_stored_names_do_not_load() {
        #[derive(Serialize)]
        struct Raw<'a> {
            text: &'a str,
            ends: &'a [u32],
        }
        let load = |text: &str, ends: &[u32]| {
            let bytes = bincode::serialize(&Raw { text, ends }).unwrap();
            bincode::deserialize::<Names>(&bytes).ok()
        };
        let good = load("abcd", &[2, 4]).expect("a valid list loads");
        assert_eq!(good.iter().collect::<Vec<_>>(), ["ab", "cd"]);
        assert!(load("abcd", &[2, 9]).is_none(), "past the text");
        assert!(load("abcd", &[3, 2, 4]).is_none(), "out of order");
        assert!(load("abcd", &[2]).is_none(), "text left over");
        assert!(load("é", &[1]).is_none(), "inside a character");
    }

    #[test]
    fn broken_token_structure_is_an_anomaly() {
        assert!(scan("fn main( {\n").anomaly);
        assert!(scan("fn f() { let s = \"open; }\n").anomaly);
        assert!(scan("/* never closed\nfn f() {}").anomaly);
        assert!(!scan("fn f<'a>(x: &'a u8) -> char { '\\'' }\n").anomaly);
        let deep = format!("fn f() {{ {}1{} }}", "(".repeat(5_000), ")".repeat(5_000));
        assert!(scan(&deep).anomaly);
    }
}
