//! Placeholder so the corpus manifest is a valid package; its dependencies
//! are the benchmark corpus (see `scripts/vendor-corpus.sh`).
