#!/usr/bin/env bash
# C one-shot and streaming (64 KiB chunks) against the Rust core (verify_slice, StreamVerifier)
# on the same in-memory data, best of RUNS, side by side in one run.
#   benches/c/run.sh [SIZE_MIB=256] [RUNS=5]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
SIZE_MIB=${1:-256}
RUNS=${2:-5}
OUT=$ROOT/target/sealkit-c/bench
mkdir -p "$OUT"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

cargo build --release -q -p sealkit-c -p sealkit-cli
cargo build --release -q -p sealkit-c --example bench-core
gcc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -Ibindings-c/include benches/c/bench.c \
    -o "$OUT/bench" target/release/libsealkit.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc

target/release/sealkit keygen -o "$W/k" --unencrypted >/dev/null 2>&1
head -c $((SIZE_MIB * 1024 * 1024)) /dev/urandom >"$W/data.bin"
target/release/sealkit sign "$W/data.bin" --key "$W/k.key" -o "$W/data.bin.sig" >/dev/null 2>&1
KEY=$(cat "$W/k.pub")

echo "data: $SIZE_MIB MiB in memory, SHA-256, best of $RUNS runs"
c_out=$("$OUT/bench" "$W/data.bin" "$W/data.bin.sig" "$KEY" "$RUNS")
r_out=$(target/release/examples/bench-core "$W/data.bin" "$W/data.bin.sig" "$KEY" "$RUNS")
echo "$c_out"
echo "$r_out"
num() { echo "$1" | grep "$2" | grep -Eo '[0-9]+ MiB/s' | grep -Eo '[0-9]+'; }
c1=$(num "$c_out" one-shot)
cs=$(num "$c_out" streaming)
r1=$(num "$r_out" one-shot)
rs=$(num "$r_out" streaming)
awk -v a="$c1" -v b="$r1" 'BEGIN { printf "ratio one-shot  C / Rust: %.3f\n", a / b }'
awk -v a="$cs" -v b="$rs" 'BEGIN { printf "ratio streaming C / Rust: %.3f\n", a / b }'
