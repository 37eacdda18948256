#!/usr/bin/env bash
# Folder verification through the C binding: examples/c/tree_verify (libsealkit's streaming tree
# verifier, one thread, files in manifest order, 64 KiB reads) against `sha256sum -c` on a
# checksum list of the same tree and against `sealkit verify DIR` (the CLI, parallel hashing),
# side by side in the same run (warm page cache, median of ROUNDS interleaved rounds).
#
#   benches/c/tree.sh                            # 10000 small files of 1 to 8 KiB; 2 x 256 MiB
#   SMALL=2000 LARGE_MB=64 ROUNDS=3 benches/c/tree.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
ROOT=$PWD
SMALL=${SMALL:-10000}
LARGE_FILES=${LARGE_FILES:-2}
LARGE_MB=${LARGE_MB:-256}
ROUNDS=${ROUNDS:-5}
OUT=$ROOT/target/sealkit-c/bench
mkdir -p "$OUT"

cargo build --release -q -p sealkit-c -p sealkit-cli
SEALKIT=$ROOT/target/release/sealkit
gcc -std=c99 -Wall -Wextra -Werror -pedantic -O2 -Ibindings-c/include examples/c/tree_verify.c \
    -o "$OUT/tree_verify" target/release/libsealkit.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
TV=$OUT/tree_verify

W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
cd "$W"
"$SEALKIT" keygen -o k --unencrypted >/dev/null 2>&1
KEY=$(cat k.pub)
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
since() { awk -v a="$1" -v b="$(now)" 'BEGIN {print b - a}'; }

echo "cores: $(nproc); median of $ROUNDS rounds, warm cache"
for name in small large; do
    "$SEALKIT" sign "$name" -k k.key -o "$name.sig" >/dev/null
    (cd "$name" && find . -type f -print0 | sort -z | xargs -0 sha256sum >"../$name.sha256")
    "$TV" "$name" --sig "$name.sig" --key "$KEY" >/dev/null
    "$SEALKIT" verify "$name" --sig "$name.sig" -k k.pub >/dev/null
    (cd "$name" && sha256sum --quiet -c "../$name.sha256")
    c=() s=() v=()
    for _ in $(seq "$ROUNDS"); do
        t=$(now); "$TV" "$name" --sig "$name.sig" --key "$KEY" >/dev/null; c+=("$(since "$t")")
        t=$(now); (cd "$name" && sha256sum --quiet -c "../$name.sha256"); s+=("$(since "$t")")
        t=$(now); "$SEALKIT" verify "$name" --sig "$name.sig" -k k.pub >/dev/null; v+=("$(since "$t")")
    done
    cm=$(printf '%s\n' "${c[@]}" | median)
    sm=$(printf '%s\n' "${s[@]}" | median)
    vm=$(printf '%s\n' "${v[@]}" | median)
    files=$(find "$name" -type f | wc -l)
    bytes=$(du -sb "$name" | cut -f1)
    awk -v n="$name" -v f="$files" -v b="$bytes" -v c="$cm" -v s="$sm" -v v="$vm" 'BEGIN {
        printf "%-5s %6d files %7.1f MiB | C tree_verify %7.3f s | sha256sum -c %7.3f s (%.2fx of C) | sealkit verify %7.3f s (%.2fx of C)\n",
            n, f, b / 1048576, c, s, s / c, v, v / c }'
done
