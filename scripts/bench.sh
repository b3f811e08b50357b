#!/usr/bin/env bash
# The benchmark over real code: vendors the corpus (benches/corpus) into
# target/corpus if needed, then runs benches/corpus.rs, which times the
# release binary at one thread and at one per core against parsing every
# file with syn and against ripgrep, and prints the issue-6 targets.
# Arguments go to the bench, e.g. `scripts/bench.sh --runs 3`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/vendor-corpus.sh
cargo bench --locked --bench corpus -- "$@"
