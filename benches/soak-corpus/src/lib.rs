//! Placeholder so the corpus manifest is a valid package; its dependencies
//! are the soak corpus (see `scripts/vendor-corpus.sh --soak`).
