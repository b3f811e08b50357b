// Shapes the corpus showed a piece parsed alone must handle as the whole
// file does (tests/pieces.rs reads this file whole and in pieces).

use std::path::PathBuf;

/// An inner attribute opens the body: a block alone does not take one.
fn home_dir() -> Option<PathBuf> {
    // Deprecated, and fine here: the corner cases do not matter to us.
    #![allow(deprecated)]
    let home = std::env::home_dir();
    home.map(|path| path.join("some/longer/path/for/this/body"))
}

#[test]
fn nested_helpers_with_docs() {
    /// Returns the number of multiples of `div` in `start..end`.
    ///
    /// Its doc comment must not move where the nested function starts.
    fn in_between(start: i32, end: i32, div: i32) -> i32 {
        (end - start) / div
    }
    assert_eq!(in_between(0, 10, 2), 5);
}

// Two inline modules of one name, each with its own imports: an item of
// the second resolves in the second's scopes.
#[cfg(feature = "bag")]
mod inner {
    use std::collections::BTreeMap as Inner;

    pub fn visit(inner: Inner<u8, u8>) -> usize {
        inner.len() + inner.keys().count() + inner.values().count()
    }
}

#[cfg(not(feature = "bag"))]
mod inner {
    pub enum Inner {
        Empty,
        Full(u8),
    }

    pub fn visit(inner: Inner) -> usize {
        match inner {
            Inner::Empty => 0,
            Inner::Full(value) => usize::from(value) + std::mem::size_of::<Inner>(),
        }
    }
}
