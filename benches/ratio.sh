#!/usr/bin/env bash
# Runs the criterion benches of the streaming verifier and prints, from criterion's
# estimates (target/criterion/<group>/<function>/new/estimates.json, median), the throughput of
# `sealkit` verification relative to plain SHA-2 over the same in-memory buffer; then the same
# ratio from an interleaved A/B run (`src/bin/ab.rs`), which drifting machine load disturbs less.
# The goal is a ratio of at least 0.97; this script reports and never fails on it.
#
# Usage: benches/ratio.sh [criterion arguments, e.g. --measurement-time 20]
#        NO_RUN=1 benches/ratio.sh   # only print the criterion ratios of the last run
#        NO_AB=1 benches/ratio.sh    # skip the A/B run

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
cd "$ROOT"

if [[ -z ${NO_RUN:-} ]]; then
    cargo bench -p sealkit-benches --bench verify -- "$@" >&2
fi
echo "criterion (medians):"
echo
cargo run -q --release -p sealkit-benches --bin ratio -- "$TARGET/criterion"
if [[ -z ${NO_AB:-} ]]; then
    echo
    echo "interleaved A/B:"
    echo
    cargo run -q --release -p sealkit-benches --bin ab
fi
