#!/usr/bin/env bash
# Smoke run of every fuzz target (fuzz/, cargo-fuzz on the nightly toolchain): builds them all,
# regenerates the seed corpora from the conformance vectors into a temporary directory, then runs
# each target for a few seconds in one process at low priority. A target passes when libFuzzer
# finishes without a finding (crash, panic, sanitizer report, leak or timeout).
#
#   bash scripts/fuzz-smoke.sh                  # 10 s per target
#   FUZZ_SMOKE_SECONDS=60 bash scripts/fuzz-smoke.sh
#
# Prints one line per target and ends with `sealkit-fuzz: N passed, M failed`. Long campaigns:
# fuzz/campaign.sh (see fuzz/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

secs=${FUZZ_SMOKE_SECONDS:-10}
cargo_fuzz_version=0.13.2

# Idempotent installs: the nightly toolchain (CI has it) and cargo-fuzz at a pinned version.
if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version 2>/dev/null | grep -q "$cargo_fuzz_version"; then
  cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked
fi

corpus=$(mktemp -d)
logs=$(mktemp -d)
trap 'rm -rf "$corpus" "$logs"' EXIT
python3 fuzz/gen-corpus.py "$corpus"

echo "fuzz: building every target (cargo +nightly fuzz build -O)"
(cd fuzz && nice -n 19 cargo +nightly fuzz build -O)

mapfile -t targets < <(cd fuzz && cargo +nightly fuzz list)
if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no targets listed" >&2
  echo "sealkit-fuzz: 0 passed, 1 failed"
  exit 1
fi
passed=0
failed=0
for t in "${targets[@]}"; do
  mkdir -p "$corpus/$t"
  log="$logs/$t.log"
  rc=0
  (cd fuzz && nice -n 19 cargo +nightly fuzz run -O "$t" "$corpus/$t" -- \
      -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$logs/$t-" -print_final_stats=1) >"$log" 2>&1 || rc=$?
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
  runs=$(sed -n -E 's/^stat::number_of_executed_units:[[:space:]]*([0-9]+).*/\1/p' "$log" | tail -n 1)
  if [ "$rc" -eq 0 ] && [ -n "$done_line" ]; then
    passed=$((passed + 1))
    cov=$(echo "$done_line" | sed -E 's/.*(cov: [0-9]+ ft: [0-9]+).*/\1/')
    echo "fuzz $t: passed (${runs:-?} runs, $cov)"
  else
    failed=$((failed + 1))
    echo "fuzz $t: FAILED (exit $rc); the end of its log:"
    tail -n 40 "$log" | sed 's/^/    /'
    for a in "$logs/$t-"*; do
      [ -e "$a" ] || continue
      echo "    reproducer (base64): $(base64 -w0 "$a")"
    done
  fi
done

echo "sealkit-fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
