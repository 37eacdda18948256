#!/usr/bin/env bash
# Sealed-stream speed: `sealkit unseal FILE.sealed -o OUT` (verify while copying to a temporary
# file, fsync, rename) against `sealkit verify FILE --sig SIG` (verify only) and against
# `cp FILE OUT && sync -f OUT` (copy and sync only) on the same payload, side by side in the same
# run: warm page cache, ROUNDS interleaved rounds, median wall time. Also prints the header
# size and the whole overhead of a sealed stream.
#
#   benches/sealed/run.sh                   # 256 MiB payload, 5 rounds
#   SIZE_MB=64 ROUNDS=3 benches/sealed/run.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

SIZE_MB=${SIZE_MB:-256}
ROUNDS=${ROUNDS:-5}

cargo build --release -q -p sealkit-cli
SEALKIT=$PWD/target/release/sealkit
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
"$SEALKIT" keygen -o k --unencrypted >/dev/null 2>&1
head -c $((SIZE_MB << 20)) /dev/urandom >payload.bin
"$SEALKIT" sign payload.bin -k k.key -o payload.bin.sig >/dev/null 2>&1
"$SEALKIT" seal payload.bin -k k.key -o payload.sealed >/dev/null 2>&1
cat payload.bin payload.bin.sig payload.sealed >/dev/null # warm the page cache

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
: >verify.t
: >unseal.t
: >copy.t
for _ in $(seq "$ROUNDS"); do
    t=$(now)
    "$SEALKIT" verify payload.bin --sig payload.bin.sig -k k.pub --json >/dev/null
    awk -v a="$(now)" -v b="$t" 'BEGIN { print a - b }' >>verify.t
    rm -f out.bin
    t=$(now)
    "$SEALKIT" unseal payload.sealed -o out.bin -k k.pub --json >/dev/null
    awk -v a="$(now)" -v b="$t" 'BEGIN { print a - b }' >>unseal.t
    cmp -s out.bin payload.bin || { echo "unsealed output differs" >&2; exit 1; }
    rm -f copy.bin
    t=$(now)
    cp payload.bin copy.bin && sync -f copy.bin
    awk -v a="$(now)" -v b="$t" 'BEGIN { print a - b }' >>copy.t
done
v=$(median <verify.t)
u=$(median <unseal.t)
c=$(median <copy.t)
env_len=$(stat -c %s payload.bin.sig)
sealed_len=$(stat -c %s payload.sealed)
echo "payload: $SIZE_MB MiB, $ROUNDS rounds (median wall time)"
echo "header: 11 bytes; envelope: $env_len bytes; sealed stream overhead: $((sealed_len - (SIZE_MB << 20))) bytes"
awk -v v="$v" -v u="$u" -v c="$c" -v mb="$SIZE_MB" 'BEGIN {
    printf "sealkit verify FILE --sig SIG : %.3f s (%.0f MiB/s)\n", v, mb / v
    printf "cp FILE OUT && sync -f OUT    : %.3f s (%.0f MiB/s)\n", c, mb / c
    printf "sealkit unseal FILE.sealed -o : %.3f s (%.0f MiB/s)\n", u, mb / u
    printf "ratio unseal / verify         : %.2f\n", u / v
    printf "ratio unseal / (verify + copy): %.2f\n", u / (v + c)
}'
