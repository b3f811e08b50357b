//! A deliberately small model of Rust types: enough to tell a
//! `std::sync::mpsc::Receiver` from a `tokio::sync::mpsc::Receiver`, nothing
//! more. Lifetimes, references and bounds are dropped when a type is built.

use std::fmt;

/// A resolved type: a path with its generic arguments, or a tuple.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Ty {
    Path { path: String, args: Vec<Ty> },
    Tuple(Vec<Ty>),
}

impl Ty {
    pub fn path(path: impl Into<String>) -> Ty {
        Ty::Path {
            path: path.into(),
            args: Vec::new(),
        }
    }

    pub fn path_str(&self) -> Option<&str> {
        match self {
            Ty::Path { path, .. } => Some(path),
            Ty::Tuple(_) => None,
        }
    }

    /// Replaces every occurrence of the path `placeholder` by `with`.
    pub fn substitute(&self, placeholder: &str, with: &Ty) -> Ty {
        match self {
            Ty::Path { path, .. } if path == placeholder => with.clone(),
            Ty::Path { path, args } => Ty::Path {
                path: path.clone(),
                args: args
                    .iter()
                    .map(|a| a.substitute(placeholder, with))
                    .collect(),
            },
            Ty::Tuple(items) => Ty::Tuple(
                items
                    .iter()
                    .map(|a| a.substitute(placeholder, with))
                    .collect(),
            ),
        }
    }

    pub fn first_arg(&self) -> Option<&Ty> {
        match self {
            Ty::Path { args, .. } => args.first(),
            Ty::Tuple(_) => None,
        }
    }

    /// Parses the notation used in `rules/*.toml`: `a::b::C`, `a::B<c::D>`,
    /// `(a::B, c::D)`. Returns `None` on anything else.
    pub fn parse(text: &str) -> Option<Ty> {
        let mut parser = TyParser {
            chars: text.trim().chars().collect(),
            pos: 0,
        };
        let ty = parser.ty()?;
        parser.skip_ws();
        (parser.pos == parser.chars.len()).then_some(ty)
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ty::Path { path, args } => {
                f.write_str(path)?;
                if !args.is_empty() {
                    f.write_str("<")?;
                    for (i, a) in args.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{a}")?;
                    }
                    f.write_str(">")?;
                }
                Ok(())
            }
            Ty::Tuple(items) => {
                f.write_str("(")?;
                for (i, a) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{a}")?;
                }
                f.write_str(")")
            }
        }
    }
}

/// True when `text` is a `::`-separated list of identifiers.
pub fn is_valid_path(text: &str) -> bool {
    !text.is_empty()
        && text.split("::").all(|seg| {
            let mut chars = seg.chars();
            matches!(chars.next(), Some(c) if c == '_' || c.is_alphabetic())
                && chars.all(|c| c == '_' || c.is_alphanumeric())
        })
}

struct TyParser {
    chars: Vec<char>,
    pos: usize,
}

impl TyParser {
    fn skip_ws(&mut self) {
        while self.chars.get(self.pos).is_some_and(|c| c.is_whitespace()) {
            self.pos += 1;
        }
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_ws();
        if self.chars.get(self.pos) == Some(&c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn ty(&mut self) -> Option<Ty> {
        if self.eat('(') {
            let items = self.list(')')?;
            return Some(Ty::Tuple(items));
        }
        self.skip_ws();
        let start = self.pos;
        while self
            .chars
            .get(self.pos)
            .is_some_and(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
        {
            self.pos += 1;
        }
        let path: String = self.chars[start..self.pos].iter().collect();
        if !is_valid_path(&path) {
            return None;
        }
        let args = if self.eat('<') {
            self.list('>')?
        } else {
            Vec::new()
        };
        Some(Ty::Path { path, args })
    }

    fn list(&mut self, close: char) -> Option<Vec<Ty>> {
        let mut items = Vec::new();
        loop {
            if self.eat(close) {
                return Some(items);
            }
            items.push(self.ty()?);
            if !self.eat(',') {
                return self.eat(close).then_some(items);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rule_notation() {
        assert_eq!(Ty::parse("std::fs::File"), Some(Ty::path("std::fs::File")));
        let pair = Ty::parse("(std::sync::mpsc::Sender, std::sync::mpsc::Receiver)").unwrap();
        assert_eq!(
            pair.to_string(),
            "(std::sync::mpsc::Sender, std::sync::mpsc::Receiver)"
        );
        let nested = Ty::parse("std::io::BufReader<std::fs::File>").unwrap();
        assert_eq!(nested.first_arg(), Some(&Ty::path("std::fs::File")));
        assert_eq!(Ty::parse("std::fs::"), None);
        assert_eq!(Ty::parse("(a, b"), None);
    }
}
