#!/usr/bin/env bash
# Puts the source of every crate pinned by benches/corpus/Cargo.lock under
# target/corpus (the benchmark corpus), or with --soak the small pinned set of
# benches/soak-corpus/Cargo.lock under target/soak-corpus. Idempotent: does
# nothing when the folder is already complete. Needs network access to
# crates.io the first time.
#
#   scripts/vendor-corpus.sh          # target/corpus (~90 crates, ~500 packages)
#   scripts/vendor-corpus.sh --soak   # target/soak-corpus (~10 crates, for CI)
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
    "") manifest=benches/corpus/Cargo.toml; out=target/corpus ;;
    --soak) manifest=benches/soak-corpus/Cargo.toml; out=target/soak-corpus ;;
    *) echo "usage: $0 [--soak]" >&2; exit 2 ;;
esac

stamp="$out/.vendored"
lock="$(dirname "$manifest")/Cargo.lock"
if [ -f "$stamp" ] && cmp -s "$stamp" "$lock"; then
    echo "$out is up to date ($(find "$out" -name '*.rs' | wc -l) .rs files)"
    exit 0
fi

# Vendor into a temporary folder and move it into place, so an interrupted
# run never leaves a half-filled corpus that looks complete.
rm -rf "$out" "$out.partial"
mkdir -p "$(dirname "$out")"
cargo vendor --quiet --locked --versioned-dirs --manifest-path "$manifest" "$out.partial" >/dev/null
cp "$lock" "$out.partial/.vendored"
mv "$out.partial" "$out"
echo "vendored $(ls "$out" | wc -l) packages into $out ($(find "$out" -name '*.rs' | wc -l) .rs files)"
