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

use crate::prefilter::{Kind, Token, with_tokens};

/// Nesting of modules, impls and traits the reader follows before it gives
/// up on a file (and the file is parsed as written).
const MAX_ITEM_DEPTH: usize = 128;

/// Function bodies shorter than this are parsed as written: blanking them
/// saves little, and a body that is needed later costs a unit of parsing
/// of its own. (On the benchmark corpus 48 was about 2% faster than 96,
/// 24 no faster than 48, and 200 slower.)
const MIN_BODY: usize = 48;

/// A file's text as syn is to see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elided {
    pub text: String,
    /// `(line, column)`, both from 1, of the name of every function whose
    /// body was blanked: its summary has no calls, and a run that needs
    /// them parses the file again without `bodies`.
    pub bodies: Vec<(usize, usize)>,
    /// Byte range of each of those bodies in the text, braces included
    /// (same order), so one can be parsed on its own when it is needed.
    pub body_ranges: Vec<(usize, usize)>,
    /// Items blanked whole. Their names still shadow imports and globs
    /// in their module, so `collect` is told of them.
    pub hidden: Vec<Hidden>,
}

/// An item blanked whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hidden {
    /// The inline modules it sits in, outermost first (empty: the file's
    /// own module).
    pub module: Vec<String>,
    pub name: String,
    /// Its bytes in the text, attributes included, so it can be parsed on
    /// its own when a plan comes to need it.
    pub range: (usize, usize),
    /// Which module it sits in: inline modules are counted from 1 in the
    /// order they open (0: the file's own), as `collect` counts them.
    pub module_index: usize,
    /// A function or type, which a plan may come to need (a constant or
    /// static never is: a summary records nothing of them).
    pub needed_later: bool,
}

/// What an elided parse keeps.
#[derive(Debug, Clone, Copy)]
pub struct Keep<'k> {
    /// Blank long function bodies (the file is needed for its names).
    pub bodies: bool,
    /// Only these module-level functions and types (sorted); `None`: all.
    pub names: Option<&'k [String]>,
    /// With `bodies`: functions of these names (sorted) keep their bodies
    /// (the plan needs them already); `None`: none do.
    pub keep_bodies: Option<&'k [String]>,
}

/// The text with item contents blanked (and, as `keep` says, the bodies of
/// functions and whole items), or `None` when there is nothing to blank or
/// the file is not shaped as the reader expects.
///
/// Module-level constants and statics are always blanked whole: their
/// initialisers cannot block and nothing else of them reaches a summary,
/// and generated bindings are mostly constants.
pub fn elide(text: &str, keep: Keep<'_>) -> Option<Elided> {
    let mut docs = Vec::new();
    let read = with_tokens(text, Some(&mut docs), |tokens, ok| {
        ok.then(|| read_items(text, tokens, keep)).flatten()
    })?;
    let (mut blanks, names, ranges, hidden) = read;
    // Doc comments become `#[doc = ".."]` attributes, string literals syn
    // builds and no summary reads.
    blanks.retain(|b| b.end > b.start);
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
        bodies: positions(text, &names),
        body_ranges: ranges,
        hidden,
    })
}

/// What the item reader of `elide` finds: the ranges to blank, where each
/// kept body's function name is, the blanked bodies' ranges, and the
/// items left out.
type Read = (Vec<Blank>, Vec<usize>, Vec<(usize, usize)>, Vec<Hidden>);

fn read_items(text: &str, tokens: &[Token], keep: Keep<'_>) -> Option<Read> {
    let mut reader = Reader {
        text,
        tokens,
        blanks: Vec::new(),
        bodies: keep.bodies,
        keep: keep.names,
        keep_bodies: keep.keep_bodies.unwrap_or_default(),
        kept: Vec::new(),
        parts: Vec::new(),
        names: Vec::new(),
        ranges: Vec::new(),
        modules: Vec::new(),
        module_indices: Vec::new(),
        modules_opened: 0,
        hidden: Vec::new(),
    };
    reader.items(0, false, 0, true)?;
    reader.settle_parts();
    Some((reader.blanks, reader.names, reader.ranges, reader.hidden))
}

/// A piece of a file (a function body or an item parsed alone) with its
/// doc comments blanked, as `elide` blanks them in a whole file: they
/// would become attributes that move where an item starts.
pub fn without_docs(text: &str) -> std::borrow::Cow<'_, str> {
    if !text.contains("//") && !text.contains("/*") {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut docs = Vec::new();
    let ok = with_tokens(text, Some(&mut docs), |_, ok| ok);
    if !ok || docs.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let blanks: Vec<Blank> = docs
        .into_iter()
        .map(|(start, end)| Blank {
            start,
            end,
            zero: false,
        })
        .collect();
    std::borrow::Cow::Owned(blank(text, &blanks))
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

/// A module-level item that may be blanked whole.
struct Part {
    name: String,
    module: Vec<String>,
    module_index: usize,
    /// Its tokens, attributes included, and what of `blanks` and `names`
    /// was recorded inside it.
    tokens: (usize, usize),
    blanks: (usize, usize),
    names: (usize, usize),
}

struct Reader<'t> {
    text: &'t str,
    tokens: &'t [Token],
    blanks: Vec<Blank>,
    bodies: bool,
    keep: Option<&'t [String]>,
    keep_bodies: &'t [String],
    /// Module-level functions and types `keep` asks for, and the others.
    kept: Vec<Part>,
    parts: Vec<Part>,
    /// Byte offsets of the names of functions whose bodies are blanked.
    names: Vec<usize>,
    /// The byte range of each of those bodies, braces included.
    ranges: Vec<(usize, usize)>,
    /// Inline modules around the current item, and their indices (counted
    /// in the order they open).
    modules: Vec<String>,
    module_indices: Vec<usize>,
    modules_opened: usize,
    hidden: Vec<Hidden>,
}

impl<'t> Reader<'t> {
    fn word(&self, i: usize) -> &'t str {
        let text: &'t str = self.text;
        match self.tokens.get(i) {
            Some(t) if t.kind == Kind::Ident => &text[t.range()],
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
    /// past its closing brace. `module`: the items are a module's (not an
    /// impl's or a trait's), so whole items may be blanked.
    fn items(&mut self, mut i: usize, inside: bool, depth: usize, module: bool) -> Option<usize> {
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
            i = self.item(i, depth, module)?;
        }
    }

    /// Reads one item starting at `i`; returns the index after it. A
    /// module's item that `keep` leaves out (and any constant or static)
    /// is blanked whole, its attributes with it.
    fn item(&mut self, i: usize, depth: usize, module: bool) -> Option<usize> {
        let (blanks, names) = (self.blanks.len(), self.names.len());
        let (start, kind, after) = self.read_item(i, depth)?;
        let Some((kind, name)) = kind.filter(|_| module) else {
            return Some(after);
        };
        if name.is_empty() || after <= start {
            return Some(after);
        }
        let part = Part {
            name,
            module: self.modules.clone(),
            module_index: self.module_indices.last().copied().unwrap_or(0),
            tokens: (start, after),
            blanks: (blanks, self.blanks.len()),
            names: (names, self.names.len()),
        };
        if matches!(kind, "const" | "static") {
            let range = self.drop_part(&part);
            if part.name != "_" {
                self.hidden.push(Hidden {
                    module: part.module,
                    name: part.name,
                    range,
                    module_index: part.module_index,
                    needed_later: false,
                });
            }
            return Some(after);
        }
        let Some(keep) = self.keep else {
            return Some(after);
        };
        if keep
            .binary_search_by(|k| k.as_str().cmp(part.name.as_str()))
            .is_ok()
        {
            self.kept.push(part);
        } else {
            self.parts.push(part);
        }
        Some(after)
    }

    /// Blanks a part whole, in place of what was blanked inside it, and
    /// gives its byte range.
    fn drop_part(&mut self, part: &Part) -> (usize, usize) {
        for b in &mut self.blanks[part.blanks.0..part.blanks.1] {
            b.end = b.start;
        }
        for n in &mut self.names[part.names.0..part.names.1] {
            *n = usize::MAX;
        }
        let range = (
            self.tokens[part.tokens.0].start(),
            self.tokens[part.tokens.1 - 1].end(),
        );
        self.blanks.push(Blank {
            start: range.0,
            end: range.1,
            zero: false,
        });
        range
    }

    /// Keeps, besides the items asked for, every item of the file that a
    /// kept item names in what stays of it (a field's type, a signature's
    /// alias, a call in a body): the plan would ask for it next, and each
    /// ask is another parse. The rest is blanked whole.
    fn settle_parts(&mut self) {
        let mut by_name: std::collections::HashMap<&str, Vec<usize>> =
            std::collections::HashMap::new();
        let parts = std::mem::take(&mut self.parts);
        for (i, p) in parts.iter().enumerate() {
            by_name.entry(p.name.as_str()).or_default().push(i);
        }
        let mut keep = vec![false; parts.len()];
        let mut queue: Vec<&Part> = self.kept.iter().collect();
        while let Some(part) = queue.pop() {
            let blanks = &self.blanks[part.blanks.0..part.blanks.1];
            for t in &self.tokens[part.tokens.0..part.tokens.1] {
                if t.kind != Kind::Ident
                    || blanks
                        .iter()
                        .any(|b| b.start <= t.start() && t.start() < b.end)
                {
                    continue;
                }
                for &i in by_name.get(&self.text[t.range()]).into_iter().flatten() {
                    if !keep[i] {
                        keep[i] = true;
                        queue.push(&parts[i]);
                    }
                }
            }
        }
        for (part, kept) in parts.into_iter().zip(keep) {
            if kept {
                continue;
            }
            let range = self.drop_part(&part);
            self.hidden.push(Hidden {
                module: part.module,
                name: part.name,
                range,
                module_index: part.module_index,
                needed_later: true,
            });
        }
        let (names, ranges) = std::mem::take(&mut self.names)
            .into_iter()
            .zip(std::mem::take(&mut self.ranges))
            .filter(|(n, _)| *n != usize::MAX)
            .unzip();
        (self.names, self.ranges) = (names, ranges);
    }

    /// Reads one item starting at `i`: the index of its first outer
    /// attribute (or first token), its kind and name when it is a function,
    /// type, constant or static, and the index after it.
    #[allow(clippy::type_complexity)]
    fn read_item(
        &mut self,
        mut i: usize,
        depth: usize,
    ) -> Option<(usize, Option<(&'static str, String)>, usize)> {
        let mut start = None;
        while self.punct(i) == Some(b'#') {
            let mut j = i + 1;
            if self.punct(j) == Some(b'!') {
                j += 1;
            } else {
                start.get_or_insert(i);
            }
            if self.punct(j) != Some(b'[') {
                return None;
            }
            i = self.skip_group(j)?;
        }
        let start = start.unwrap_or(i);
        if self.punct(i) == Some(b';') {
            return Some((start, None, i + 1));
        }
        if self.word(i) == "pub" {
            i += 1;
            if self.punct(i) == Some(b'(') {
                i = self.skip_group(i)?;
            }
        }
        let mut is_async = false;
        loop {
            match self.word(i) {
                "default" | "unsafe" | "async" | "safe" | "auto" => {
                    is_async |= self.word(i) == "async";
                    i += 1
                }
                "const" if matches!(self.word(i + 1), "fn" | "unsafe" | "async" | "extern") => {
                    i += 1
                }
                "extern" => {
                    if self.word(i + 1) == "crate" {
                        return Some((start, None, self.to_semicolon(i)?));
                    }
                    let mut j = i + 1;
                    if self.tokens.get(j).is_some_and(|t| t.kind == Kind::Str) {
                        j += 1;
                    }
                    if self.punct(j) == Some(b'{') {
                        return Some((start, None, self.blank_group(j, false)?));
                    }
                    i = j;
                }
                _ => break,
            }
        }
        let named = |kind: &'static str, at: usize| Some((kind, self.word(at).to_string()));
        let (kind, after) = match self.word(i) {
            "fn" => (named("fn", i + 1), self.function(i, is_async)?),
            word @ ("const" | "static") => {
                let kind = if word == "const" { "const" } else { "static" };
                let at = if self.word(i + 1) == "mut" {
                    i + 2
                } else {
                    i + 1
                };
                let underscore = self
                    .tokens
                    .get(at)
                    .is_some_and(|t| &self.text[t.range()] == "_");
                let name = match underscore {
                    true => Some((kind, "_".to_string())),
                    false => named(kind, at),
                };
                (name, self.constant(i)?)
            }
            "type" => (named("type", i + 1), self.to_semicolon(i)?),
            "use" => (None, self.to_semicolon(i)?),
            "struct" => (named("struct", i + 1), self.structure(i)?),
            word @ ("enum" | "union") => {
                let open = self.header_end(i)?;
                if self.punct(open) != Some(b'{') {
                    return None;
                }
                let kind = if word == "enum" { "enum" } else { "union" };
                (named(kind, i + 1), self.blank_group(open, false)?)
            }
            "impl" | "trait" => {
                let open = self.header_end(i)?;
                let after = match self.punct(open) {
                    Some(b'{') => self.items(open + 1, true, depth + 1, false)?,
                    // `trait A = B;`
                    Some(b';') => open + 1,
                    _ => return None,
                };
                (None, after)
            }
            "mod" => match self.punct(i + 2) {
                Some(b';') => (None, i + 3),
                Some(b'{') => {
                    self.modules.push(self.word(i + 1).to_string());
                    self.modules_opened += 1;
                    self.module_indices.push(self.modules_opened);
                    let after = self.items(i + 3, true, depth + 1, true);
                    self.modules.pop();
                    self.module_indices.pop();
                    (None, after?)
                }
                _ => return None,
            },
            "macro_rules" if self.punct(i + 1) == Some(b'!') => (None, self.macro_call(i + 3)?),
            "" if self.punct(i) == Some(b':') => (None, self.macro_path(i)?),
            word if !word.is_empty() => (None, self.macro_path(i)?),
            _ => return None,
        };
        Some((start, kind, after))
    }

    /// `fn ..` up to its body or `;`; with `bodies`, a long body is
    /// blanked, unless the plan needs it already or it is async code (an
    /// async fn, or one holding an async block or closure): async code is
    /// where findings are, and the plan starts from it.
    fn function(&mut self, mut i: usize, is_async: bool) -> Option<usize> {
        let name = i + 1;
        loop {
            match self.punct(i) {
                Some(b'(' | b'[') => i = self.skip_group(i)?,
                Some(b'{') => {
                    let after = self.skip_group(i)?;
                    let long = self.tokens[after - 1].start() - self.tokens[i].end() >= MIN_BODY;
                    let word = self.word(name);
                    let wanted = self
                        .keep_bodies
                        .binary_search_by(|k| k.as_str().cmp(word))
                        .is_ok();
                    if self.bodies
                        && long
                        && !word.is_empty()
                        && !wanted
                        && !is_async
                        && !self.tokens[i..after]
                            .iter()
                            .any(|t| t.kind == Kind::Ident && &self.text[t.range()] == "async")
                    {
                        self.names.push(self.tokens[name].start());
                        self.ranges
                            .push((self.tokens[i].start(), self.tokens[after - 1].end()));
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
            start: self.tokens[first].start(),
            end: self.tokens[k - 1].end(),
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
        let (start, end) = (self.tokens[i].end(), self.tokens[after - 1].start());
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
/// kept, and a `0` first where asked. A line that blanking leaves only
/// spaces is emptied: every other line keeps its columns and every line its
/// number, while syn and the nesting guard no longer step over the blanked
/// items of generated code space by space. (A line blanking did not touch
/// stays as it is: it may be inside a string literal.)
fn blank(text: &str, blanks: &[Blank]) -> String {
    let mut out = Line::new(text.len());
    let mut at = 0;
    for b in blanks {
        out.original(&text[at..b.start]);
        let mut range = &text.as_bytes()[b.start..b.end];
        if b.zero && !range.is_empty() && !matches!(range[0], b'\n' | b'\r') {
            out.push(b'0');
            let width = text[b.start..].chars().next().map_or(1, char::len_utf8);
            range = &range[width..];
        }
        if let Some(first) = memchr::memchr(b'\n', range) {
            out.spaces(&range[..first]);
            out.end_line();
            let mut rest = &range[first + 1..];
            while let Some(end) = memchr::memchr(b'\n', rest) {
                out.blank_line(&rest[..end]);
                rest = &rest[end + 1..];
            }
            range = rest;
        }
        out.spaces(range);
        at = b.end;
    }
    out.original(&text[at..]);
    // Only ASCII spaces were removed, between line breaks.
    String::from_utf8(out.bytes).expect("still UTF-8")
}

/// The output of `blank`, with the state of its current line.
struct Line {
    bytes: Vec<u8>,
    start: usize,
    touched: bool,
}

impl Line {
    fn new(capacity: usize) -> Line {
        Line {
            bytes: Vec::with_capacity(capacity),
            start: 0,
            touched: false,
        }
    }

    fn push(&mut self, b: u8) {
        self.bytes.push(b);
    }

    /// A space for each character of `line` (no line break in it), its
    /// carriage returns kept.
    fn spaces(&mut self, line: &[u8]) {
        if line.is_empty() {
            return;
        }
        if line.is_ascii() && !line.contains(&b'\r') {
            self.bytes.resize(self.bytes.len() + line.len(), b' ');
            self.touched = true;
            return;
        }
        for &b in line {
            match b {
                b'\r' => self.bytes.push(b'\r'),
                // A UTF-8 continuation byte: its character has its space.
                _ if b & 0xc0 == 0x80 => {}
                _ => {
                    self.bytes.push(b' ');
                    self.touched = true;
                }
            }
        }
    }

    /// Text as written, which may end lines. Only the first line break
    /// can end a touched line: the lines after it are copied whole.
    fn original(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let Some(first) = memchr::memchr(b'\n', bytes) else {
            self.bytes.extend_from_slice(bytes);
            return;
        };
        self.bytes.extend_from_slice(&bytes[..first]);
        self.end_line();
        let rest = &bytes[first + 1..];
        self.bytes.extend_from_slice(rest);
        if let Some(last) = memchr::memrchr(b'\n', rest) {
            self.start = self.bytes.len() - (rest.len() - last - 1);
        }
    }

    /// A line blanked from its start to its break: what `spaces` and
    /// `end_line` leave of it, without writing the spaces first (most of
    /// a blanked body is such lines).
    fn blank_line(&mut self, line: &[u8]) {
        let cr = line.last() == Some(&b'\r');
        let inner = if cr { &line[..line.len() - 1] } else { line };
        if memchr::memchr(b'\r', inner).is_some() {
            self.spaces(line);
            self.end_line();
            return;
        }
        if cr {
            self.bytes.push(b'\r');
        }
        self.bytes.push(b'\n');
        self.start = self.bytes.len();
        self.touched = false;
    }

    fn end_line(&mut self) {
        let line = &self.bytes[self.start..];
        let cr = line.last() == Some(&b'\r');
        let content = if cr { &line[..line.len() - 1] } else { line };
        if self.touched && content.iter().all(|c| *c == b' ') {
            self.bytes.truncate(self.start);
            if cr {
                self.bytes.push(b'\r');
            }
        }
        self.bytes.push(b'\n');
        self.start = self.bytes.len();
        self.touched = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every line is where it was, and every line with something left on
    /// it is as long as it was (so each token keeps its column).
    fn assert_same_positions(text: &str, out: &str) {
        assert_eq!(out.lines().count(), text.lines().count());
        for (line, was) in out.lines().zip(text.lines()) {
            if !line.trim().is_empty() {
                assert_eq!(line.chars().count(), was.chars().count(), "{line:?}");
            }
        }
    }

    #[test]
    fn blanked_lines_keep_their_carriage_returns() {
        // Lines blanked whole keep their CR; a lone CR inside one keeps
        // its column, as in a line that is only partly blanked.
        let text = "const A: [u8; 2] = [\r\n    1,\r\n    2,\r\n];\r\n\
                    const B: &str = \"a\n b\rc \n\";\nfn f() {}\r\n";
        let out = elide(text, ALL).expect("constants to blank").text;
        assert_eq!(out, "\r\n\r\n\r\n\r\n\n  \r  \n\nfn f() {}\r\n");
        assert_same_positions(text, &out);
    }

    #[test]
    fn lines_left_blank_are_emptied() {
        let text = "const A: u8 = 1;\r\nfn f() {}\n    \n  const B: u8 = 2;\n\
                    fn g() { let s = \"a\n    \nb\"; }\nconst C: u8 = 3;";
        let out = elide(text, ALL).expect("constants to blank").text;
        // Untouched lines stay as they are, a string's blank line too.
        assert_eq!(
            out,
            "\r\nfn f() {}\n    \n\nfn g() { let s = \"a\n    \nb\"; }\n                "
        );
    }

    const ALL: Keep<'static> = Keep {
        bodies: false,
        keep_bodies: None,
        names: None,
    };
    const NAMES: Keep<'static> = Keep {
        bodies: true,
        names: None,
        keep_bodies: None,
    };

    #[test]
    fn blanking_counts_characters_and_keeps_carriage_returns() {
        let text =
            "impl X {\r\n    const S: &str = \"é\u{1F600}\r\nü\";\r\n    const T: u8 = é;\n}\n";
        let out = elide(text, ALL).expect("initialisers to blank").text;
        assert_same_positions(text, &out);
        assert_eq!(
            out,
            "impl X {\r\n    const S: &str = 0  \r\n  ;\r\n    const T: u8 = 0;\n}\n"
        );
    }

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
        let elided = elide(text, ALL).expect("something to blank");
        let out = elided.text;
        assert_same_positions(text, &out);
        // Module-level constants and statics go whole; their names stay
        // known to collect.
        assert!(!out.contains("TABLE") && !out.contains("Lazy"));
        let hidden: Vec<(&str, bool)> = elided
            .hidden
            .iter()
            .map(|h| (h.name.as_str(), h.needed_later))
            .collect();
        assert_eq!(hidden, vec![("TABLE", false), ("S", false)]);
        assert!(!out.contains("CloseHandle") && !out.contains("abs") && !out.contains("A = 1"));
        assert!(out.contains("const N: usize = 0;"));
        assert!(out.contains("println!(\"é{}\", 1)"));
        assert!(out.contains("fn g() { std::thread::sleep(D); }"));
        syn::parse_file(&out).expect("still Rust");
    }

    #[test]
    fn unrecognised_shapes_are_left_alone() {
        assert_eq!(elide("fn f() {}", NAMES), None);
        assert_eq!(
            elide("/// doc\nfn f() {}", NAMES).unwrap().text,
            "\nfn f() {}"
        );
        assert_eq!(elide("const X: u8 = 1", NAMES), None);
        assert_eq!(elide("macro m() {} const X: u8 = 1;", NAMES), None);
        assert_eq!(elide("const X: &str = \"unterminated;", NAMES), None);
    }

    #[test]
    fn long_bodies_are_blanked_and_located() {
        let body = "    let x = std::fs::read_to_string(\"some/long/path/to/a/file\").unwrap();\n"
            .repeat(3);
        let text = format!(
            "fn short() {{ a(); }}\nimpl S {{\n    /// é\n    #[doc = \"é\"] pub fn long(&self) {{\n{body}    }}\n}}\n"
        );
        let out = elide(&text, NAMES).expect("a long body");
        assert_eq!(out.bodies, vec![(4, 25)]);
        assert!(out.text.contains("fn short() { a(); }"));
        assert!(!out.text.contains("read_to_string"));
        assert_eq!(out.text.lines().count(), text.lines().count());
        let without = elide(&text, ALL).expect("a doc comment");
        assert!(without.bodies.is_empty() && without.text.contains("read_to_string"));
        assert!(!without.text.contains("/// é"));
    }

    #[test]
    fn async_code_and_bodies_the_plan_needs_are_never_blanked() {
        let long = "    let text = std::fs::read_to_string(\"some/long/path/to/a/file\").unwrap();\n    drop(text);\n    drop(more);\n";
        let text = format!(
            "pub(crate) async unsafe fn handler() {{\n{long}}}\n\
             fn spawner() {{\n{long}    let f = async move {{ 1 }};\n}}\n\
             fn needed() {{\n{long}}}\n\
             fn other() {{\n{long}}}\n"
        );
        let needed = vec!["needed".to_string()];
        let out = elide(
            &text,
            Keep {
                bodies: true,
                names: None,
                keep_bodies: Some(&needed),
            },
        )
        .expect("a body to blank");
        // Only `other` (line 17) is blanked.
        assert_eq!(out.bodies, vec![(17, 4)]);
        assert_eq!(out.text.matches("read_to_string").count(), 3);
        assert!(out.text.contains("async move"));
    }

    #[test]
    fn blanked_bodies_keep_their_ranges_when_an_item_around_one_is_dropped() {
        let body = |call: &str| {
            format!(
                "{{\n    let text = {call}(\"some/long/path/to/a/file\").unwrap();\n    drop(text);\n    drop(text_that_makes_the_body_long);\n}}"
            )
        };
        let text = format!(
            "fn dropped() {}\nfn kept() {}\nimpl S {{ fn method(&self) {} }}\n",
            body("first"),
            body("second"),
            body("third")
        );
        let keep = vec!["kept".to_string()];
        let out = elide(
            &text,
            Keep {
                bodies: true,
                names: Some(&keep),
                keep_bodies: None,
            },
        )
        .expect("bodies to blank");
        // `dropped` went whole, with its body: the others stay paired with
        // their own text.
        assert_eq!(out.bodies.len(), 2);
        assert_eq!(out.body_ranges.len(), 2);
        let bodies: Vec<&str> = out.body_ranges.iter().map(|&(a, b)| &text[a..b]).collect();
        assert_eq!(bodies, vec![body("second"), body("third")]);
    }

    #[test]
    fn items_not_kept_are_blanked_whole_with_their_attributes() {
        let text = "#![allow(dead_code)]\n\
                    use std::fs;\n\
                    /// Docs.\n\
                    #[derive(Debug)]\n\
                    pub struct Unwanted { f: fs::File }\n\
                    pub struct Wanted { f: u8, g: Field }\n\
                    struct Field(Unused);\n\
                    pub(crate) type Alias = Unwanted;\n\
                    #[cfg(unix)] pub unsafe extern \"C\" fn helper(x: i32) -> i32 { x }\n\
                    mod inner { pub fn helper() {} enum E { A } }\n\
                    impl Unwanted { fn method(&self) {} }\n\
                    trait T { fn d(&self) {} }\n";
        let keep = vec!["Wanted".to_string()];
        let elided = elide(
            text,
            Keep {
                bodies: true,
                names: Some(&keep),
                keep_bodies: None,
            },
        )
        .expect("items to blank");
        let out = &elided.text;
        assert_same_positions(text, out);
        assert!(out.starts_with("#![allow(dead_code)]\nuse std::fs;\n"));
        assert!(out.contains("pub struct Wanted { f: u8, g: Field }"));
        // What a kept item names is kept too (the plan would ask next).
        assert!(out.contains("struct Field(Unused);"));
        for gone in ["struct Unwanted", "derive", "Alias", "helper", "enum"] {
            assert!(!out.contains(gone), "{gone} should be blanked in:\n{out}");
        }
        // Impls and traits stay: methods are found by impl, not by name.
        assert!(out.contains("impl Unwanted { fn method(&self) {} }"));
        assert!(out.contains("trait T { fn d(&self) {} }"));
        let hidden: Vec<(Vec<String>, &str)> = elided
            .hidden
            .iter()
            .map(|h| (h.module.clone(), h.name.as_str()))
            .collect();
        assert_eq!(
            hidden,
            vec![
                (vec![], "Unwanted"),
                (vec![], "Alias"),
                (vec![], "helper"),
                (vec!["inner".to_string()], "helper"),
                (vec!["inner".to_string()], "E"),
            ]
        );
        assert!(elided.hidden.iter().all(|h| h.needed_later));
        syn::parse_file(out).expect("still Rust");
    }
}
