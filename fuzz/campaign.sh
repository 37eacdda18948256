#!/usr/bin/env bash
# A long fuzzing campaign: each target in turn, in one process (libFuzzer without -jobs, so
# one core), at the lowest priority, for the given
# number of seconds (default 600), growing fuzz/corpus/<target>. Prints libFuzzer's final line
# (executions, coverage `cov:`, features `ft:`) per target; full logs go to fuzz/logs/.
#
#   bash fuzz/campaign.sh [SECONDS] [TARGET...]
#
# The core is `#![forbid(unsafe_code)]`, so its targets run without a sanitizer (about three
# times the executions; a separate target directory keeps both builds); `c_api`, which drives the
# C binding's `unsafe` code, always runs under AddressSanitizer. SANITIZER=address forces it for all.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(cargo +nightly fuzz list)
fi
python3 gen-corpus.py corpus >/dev/null
mkdir -p logs
for t in "${targets[@]}"; do
  log="logs/$t.log"
  rc=0
  san=${SANITIZER:-none}
  [ "$t" = c_api ] && san=address
  dir=target
  [ "$san" = none ] && dir=target/nosan
  nice -n 19 cargo +nightly fuzz run -O -s "$san" --target-dir "$dir" "$t" "corpus/$t" -- \
    -max_total_time="$secs" -print_final_stats=1 >"$log" 2>&1 || rc=$?
  final=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
  echo "$t: rc=$rc ${final:-no final line (see $log)}"
done
