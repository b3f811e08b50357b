#!/usr/bin/env bash
# The soak: vendors the pinned soak corpus (benches/soak-corpus/Cargo.lock,
# ~10 async crates and their dependencies) into target/soak-corpus, then
# runs the release binary over it (tests/soak.rs) and the bad-input tests
# that need a release build (tests/bad_input.rs). Needs network access to
# crates.io the first time.
#
#   scripts/soak.sh          # the pinned subset, as CI runs it
#   scripts/soak.sh --full   # the whole benchmark corpus (target/corpus)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--full" ]; then
    scripts/vendor-corpus.sh
    export BLOCKLINT_SOAK_CORPUS=target/corpus
else
    scripts/vendor-corpus.sh --soak
fi
cargo test --release --locked --test soak -- --ignored --nocapture
cargo test --release --locked --test bad_input -- --include-ignored twenty_megabyte_file method_chain_10000_long modules_nested_2500_deep
