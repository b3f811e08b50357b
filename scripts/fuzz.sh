#!/usr/bin/env bash
# Fuzzes the whole per-file pipeline (fuzz/fuzz_targets/pipeline.rs) with
# cargo-fuzz. cargo-fuzz needs nightly-only compiler flags; on a stable
# toolchain RUSTC_BOOTSTRAP=1 unlocks them. Installs cargo-fuzz if missing.
# No sanitizer: the crate is safe Rust, and AddressSanitizer costs ~2x in
# executions for nothing it could find.
#
#   scripts/fuzz.sh [SECONDS] [extra libFuzzer flags...]   (default 60 s)
#
# The corpus grows in fuzz/corpus/pipeline (seeded from fixtures/**/*.rs and
# tests/regressions/*.rs); crashes land in fuzz/artifacts/pipeline/. Keep each
# crash as a regression test: copy it to tests/regressions/ (see
# tests/regressions.rs). Exits non-zero when the fuzzer finds a crash.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
shift || true

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install --locked cargo-fuzz
fi

corpus=fuzz/corpus/pipeline
mkdir -p "$corpus" fuzz/artifacts/pipeline
# Seed with real and adversarial code; names by content so reruns add nothing.
for dir in fixtures tests/regressions; do
    [ -d "$dir" ] || continue
    find "$dir" -name '*.rs' | while read -r f; do
        cp "$f" "$corpus/seed-$(sha1sum "$f" | cut -c1-16)"
    done
done

export RUSTC_BOOTSTRAP=1
# -timeout: a single input taking over 10 s is a hang worth reporting.
# -rss_limit_mb: the scratch run of one small input should stay far below.
# -max_len: 64 KiB lets the fuzzer build deep nesting and long files.
cargo fuzz run --sanitizer none --fuzz-dir fuzz pipeline "$corpus" -- \
    -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=65536 \
    -print_final_stats=1 -dict=fuzz/pipeline.dict "$@"
