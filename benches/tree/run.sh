#!/usr/bin/env bash
# Folder verification speed: `sealkit verify DIR` against `sha256sum -c` on a checksum list of
# the same tree, side by side in the same run (warm page cache, median of ROUNDS interleaved
# rounds). Two trees: 10,000 small files, and a few large files.
#
#   benches/tree/run.sh            # defaults: 10000 small files of 1 to 8 KiB, 4 x 256 MiB
#   SMALL=2000 LARGE_MB=64 ROUNDS=3 benches/tree/run.sh
#   BASELINE=/path/to/older/sealkit benches/tree/run.sh   # also time another build, same rounds
set -euo pipefail
cd "$(dirname "$0")/../.."

SMALL=${SMALL:-10000}
LARGE_FILES=${LARGE_FILES:-4}
LARGE_MB=${LARGE_MB:-256}
ROUNDS=${ROUNDS:-5}

cargo build --release -q -p sealkit-cli
SEALKIT=$PWD/target/release/sealkit
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
"$SEALKIT" keygen -o k --unencrypted >/dev/null 2>&1

echo "Creating trees in a temporary directory..."
python3 - "$SMALL" "$LARGE_FILES" "$LARGE_MB" <<'PY'
import os, random, sys
small, nlarge, mb = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
rnd = random.Random(4)
for i in range(small):
    d = f"small/d{i // 100:03d}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/f{i:05d}.bin", "wb") as f:
        f.write(rnd.randbytes(rnd.randint(1024, 8192)))
os.makedirs("large", exist_ok=True)
block = rnd.randbytes(1 << 20)
for i in range(nlarge):
    with open(f"large/part{i}.bin", "wb") as f:
        for j in range(mb):
            f.write(block[j % 256:] + block[:j % 256])
PY

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
now() { date +%s.%N; }

bench() {
  local name=$1
  "$SEALKIT" sign "$name" -k k.key -o "$name.sig" >/dev/null
  (cd "$name" && find . -type f -print0 | sort -z | xargs -0 sha256sum >"../$name.sha256")
  # Warm the page cache and check both succeed.
  "$SEALKIT" verify "$name" --sig "$name.sig" -k k.pub >/dev/null
  (cd "$name" && sha256sum --quiet -c "../$name.sha256")
  local s_times=() c_times=() b_times=()
  for _ in $(seq "$ROUNDS"); do
    local t0 t1 t2 t3
    t0=$(now)
    "$SEALKIT" verify "$name" --sig "$name.sig" -k k.pub >/dev/null
    t1=$(now)
    (cd "$name" && sha256sum --quiet -c "../$name.sha256")
    t2=$(now)
    s_times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {print b - a}')")
    c_times+=("$(awk -v a="$t1" -v b="$t2" 'BEGIN {print b - a}')")
    if [ -n "${BASELINE:-}" ]; then
      "$BASELINE" verify "$name" --sig "$name.sig" -k k.pub >/dev/null
      t3=$(now)
      b_times+=("$(awk -v a="$t2" -v b="$t3" 'BEGIN {print b - a}')")
    fi
  done
  local s c
  s=$(printf '%s\n' "${s_times[@]}" | median)
  c=$(printf '%s\n' "${c_times[@]}" | median)
  local files bytes
  files=$(find "$name" -type f | wc -l)
  bytes=$(du -sb "$name" | cut -f1)
  awk -v n="$name" -v f="$files" -v b="$bytes" -v s="$s" -v c="$c" 'BEGIN {
    printf "%-6s %6d files %7.1f MiB | sealkit verify %7.3f s | sha256sum -c %7.3f s | ratio (sha256sum / sealkit) %5.2fx\n",
      n, f, b / 1048576, s, c, c / s }'
  if [ -n "${BASELINE:-}" ]; then
    local base
    base=$(printf '%s\n' "${b_times[@]}" | median)
    awk -v n="$name" -v s="$s" -v base="$base" 'BEGIN {
      printf "%-6s baseline build %7.3f s | this build / baseline %5.2f\n", n, base, s / base }'
  fi
}

echo "cores: $(nproc); rounds: $ROUNDS (median); $(sha256sum --version | head -1)"
echo "commands: sealkit verify DIR --sig DIR.sig -k k.pub   vs   (cd DIR && sha256sum --quiet -c ../DIR.sha256)"
bench small
bench large
