#!/usr/bin/env bash
# Times `sealkit verify` against sha256sum and other signature verifiers on large files and
# prints a Markdown table: median wall time of RUNS runs, throughput, and peak RSS.
#
# Usage:
#   benches/compare-cli.sh            # run (peers that are not installed are skipped)
#   benches/compare-cli.sh --setup    # first install the peers with apt-get (needs root)
#
# Environment:
#   SIZES   file sizes to test, with suffix M or G (default "64M 1G 4G")
#   RUNS    timed runs per tool and size (default 5); one untimed run comes first
#   TMPDIR  where the temporary directory is created (default /tmp); it is removed at exit
#
# What is measured, per tool (all files page-cached: read once before timing):
#   sealkit     sealkit verify FILE --sig FILE.sig --key NAME.pub  (Ed25519, SHA-256, streaming)
#   sha256sum   sha256sum FILE  (the floor: hashing alone, no signature)
#   minisign    minisign -V  (Ed25519 over BLAKE2b-512 of the file: minisign's default
#               prehashed mode)
#   signify     signify-openbsd -V  (Ed25519 over the whole message, which it reads into memory)
#   gpg         gpg --verify of a detached Ed25519 signature, SHA-256 digest, throwaway keyring
#   openssl     openssl dgst -sha256 -verify with ECDSA P-256 (OpenSSL's Ed25519 is not
#               prehashed and needs the whole file in memory; dgst streams)
# Wall time is measured around each command (nanosecond clock); peak RSS is GNU time's
# "Maximum resident set size", the largest of the timed runs.

set -euo pipefail

SIZES=${SIZES:-"64M 1G 4G"}
RUNS=${RUNS:-5}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

if [[ ${1:-} == "--setup" ]]; then
    # Optional setup: the peers and GNU time, from the distribution.
    apt-get install -y minisign signify-openbsd gnupg openssl time
fi

if [[ ! -x /usr/bin/time ]] || ! /usr/bin/time -v true >/dev/null 2>&1; then
    echo "GNU time is required at /usr/bin/time (apt-get install -y time, or run with --setup)" >&2
    exit 2
fi

echo "building (release): sealkit-cli, sha256-mem" >&2
(cd "$ROOT" && cargo build --release -q -p sealkit-cli && cargo build --release -q -p sealkit-benches --bin sha256-mem)
SEALKIT=$TARGET/release/sealkit
SHA256_MEM=$TARGET/release/sha256-mem

WORK=$(mktemp -d "${TMPDIR:-/tmp}/sealkit-compare.XXXXXX")
export GNUPGHOME=$WORK/gnupg
cleanup() {
    if command -v gpgconf >/dev/null 2>&1 && [[ -d $GNUPGHOME ]]; then
        gpgconf --kill gpg-agent >/dev/null 2>&1 || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

have() { command -v "$1" >/dev/null 2>&1; }

bytes_of() {
    local n=${1%[MG]}
    case $1 in
        *M) echo $((n * 1024 * 1024)) ;;
        *G) echo $((n * 1024 * 1024 * 1024)) ;;
        *) echo "bad size $1 (use e.g. 64M or 1G)" >&2; return 1 ;;
    esac
}

# --- keys, once -------------------------------------------------------------------------------
# STATUS[peer] is "ready", "not installed" or "key setup failed"; only ready peers are timed.
declare -A STATUS=()
keys_minisign() { minisign -G -W -p "$WORK/mini.pub" -s "$WORK/mini.key"; }
keys_signify() { signify-openbsd -G -n -p "$WORK/signify.pub" -s "$WORK/signify.sec"; }
keys_gpg() {
    mkdir -m 700 "$GNUPGHOME" &&
        gpg --batch --quiet --pinentry-mode loopback --passphrase '' \
            --quick-generate-key 'sealkit bench <bench@example.org>' ed25519 sign never
}
keys_openssl() {
    openssl ecparam -name prime256v1 -genkey -noout -out "$WORK/p256.pem" &&
        openssl ec -in "$WORK/p256.pem" -pubout -out "$WORK/p256.pub"
}
echo "generating throwaway keys in $WORK" >&2
"$SEALKIT" keygen -o "$WORK/sk" --unencrypted >/dev/null 2>&1
for peer in minisign signify-openbsd gpg openssl; do
    if ! have "$peer"; then
        STATUS[$peer]="not installed"
    elif "keys_${peer%-openbsd}" >/dev/null 2>&1; then
        STATUS[$peer]=ready
    else
        STATUS[$peer]="key setup failed"
        echo "  $peer: key setup failed, skipped" >&2
    fi
done
ready() { [[ ${STATUS[$1]} == ready ]]; }

# --- one tool on one file -----------------------------------------------------------------------
# run_tool NAME BYTES CMD...: one untimed run (it must succeed), then RUNS timed runs.
# Appends a table row to $WORK/rows and sets LAST_MIB_S.
LAST_MIB_S=""
run_tool() {
    local name=$1 bytes=$2 size=$3
    shift 3
    local err=$WORK/err
    if ! "$@" >/dev/null 2>"$err"; then
        local why
        why=$(sed "s|$WORK/||g" "$err" | tr '\n' ' ' | cut -c1-90)
        printf '| %s | %s | failed | - | - | %s |\n' "$name" "$size" "${why:-exit status non-zero}" >>"$WORK/rows"
        LAST_MIB_S=""
        return 0
    fi
    local times=() rss_max=0 i t0 t1 rss
    for ((i = 0; i < RUNS; i++)); do
        t0=$(date +%s%N)
        /usr/bin/time -v -o "$WORK/time" "$@" >/dev/null 2>/dev/null
        t1=$(date +%s%N)
        times+=($((t1 - t0)))
        rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time")
        ((rss > rss_max)) && rss_max=$rss
    done
    local median_ns
    median_ns=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}')
    LAST_MIB_S=$(awk -v b="$bytes" -v ns="$median_ns" 'BEGIN {printf "%.0f", b / 1048576 / (ns / 1e9)}')
    awk -v n="$name" -v s="$size" -v ns="$median_ns" -v mibs="$LAST_MIB_S" -v rss="$rss_max" \
        'BEGIN {printf "| %s | %s | %.3f | %s | %.1f | |\n", n, s, ns / 1e9, mibs, rss / 1024}' >>"$WORK/rows"
}

# skip NAME PEER SIZE: a row saying why the peer was not timed.
skip() { printf '| %s | %s | %s | - | - | |\n' "$1" "$3" "${STATUS[$2]}" >>"$WORK/rows"; }

# --- in-memory SHA-256 of this machine ---------------------------------------------------------
echo "measuring in-memory SHA-256 (1 GiB buffer)" >&2
MEM_MIB_S=$("$SHA256_MEM" 1024 5 | awk '/^sha256_mem_mib_s/ {print $2}')

: >"$WORK/rows"
: >"$WORK/ratios"
for size in $SIZES; do
    bytes=$(bytes_of "$size")
    avail=$(df -Pk "$WORK" | awk 'NR == 2 {printf "%.0f", $4 * 1024}')
    if ((bytes + 64 * 1024 * 1024 > avail)); then
        printf '| all | %s | skipped: not enough disk in %s | - | - | |\n' "$size" "${TMPDIR:-/tmp}" >>"$WORK/rows"
        continue
    fi
    f=$WORK/artifact-$size.bin
    echo "size $size: creating, signing, caching" >&2
    head -c "$bytes" /dev/urandom >"$f"
    "$SEALKIT" sign "$f" --key "$WORK/sk.key" -o "$f.sig" >/dev/null 2>&1
    if ready minisign; then
        minisign -S -s "$WORK/mini.key" -m "$f" -x "$f.minisig" >/dev/null 2>&1 </dev/null
    fi
    if ready signify-openbsd; then
        if ! signify-openbsd -S -s "$WORK/signify.sec" -m "$f" -x "$f.signify" >/dev/null 2>"$WORK/signify.err"; then
            rm -f "$f.signify"
            echo "  signify could not sign $size (see the table)" >&2
        fi
    fi
    if ready gpg; then
        gpg --batch --yes --quiet --pinentry-mode loopback --passphrase '' --digest-algo SHA256 \
            --detach-sign -o "$f.gpgsig" "$f"
    fi
    if ready openssl; then
        openssl dgst -sha256 -sign "$WORK/p256.pem" -out "$f.p256sig" "$f"
    fi
    cat "$f" >/dev/null

    echo "size $size: timing" >&2
    run_tool sealkit "$bytes" "$size" "$SEALKIT" verify "$f" --sig "$f.sig" --key "$WORK/sk.pub"
    sealkit_mib_s=$LAST_MIB_S
    run_tool sha256sum "$bytes" "$size" sha256sum "$f"
    sha256sum_mib_s=$LAST_MIB_S
    if ready minisign; then
        run_tool "minisign -V" "$bytes" "$size" minisign -V -q -p "$WORK/mini.pub" -m "$f" -x "$f.minisig"
    else skip "minisign -V" minisign "$size"; fi
    if ready signify-openbsd; then
        if [[ -f $f.signify ]]; then
            run_tool "signify -V" "$bytes" "$size" signify-openbsd -V -q -p "$WORK/signify.pub" -m "$f" -x "$f.signify"
        else
            printf '| signify -V | %s | failed | - | - | cannot sign a file this large: %s |\n' "$size" \
                "$(sed "s|$WORK/||g" "$WORK/signify.err" | tr '\n' ' ' | cut -c1-80)" >>"$WORK/rows"
        fi
    else skip "signify -V" signify-openbsd "$size"; fi
    if ready gpg; then
        run_tool "gpg --verify" "$bytes" "$size" gpg --batch --verify "$f.gpgsig" "$f"
    else skip "gpg --verify" gpg "$size"; fi
    if ready openssl; then
        run_tool "openssl dgst -verify" "$bytes" "$size" openssl dgst -sha256 -verify "$WORK/p256.pub" -signature "$f.p256sig" "$f"
    else skip "openssl dgst -verify" openssl "$size"; fi
    if [[ -n $sealkit_mib_s && -n $sha256sum_mib_s ]]; then
        awk -v s="$size" -v a="$sealkit_mib_s" -v b="$sha256sum_mib_s" -v m="$MEM_MIB_S" \
            'BEGIN {printf "| %s | %.3fx | %.3fx |\n", s, a / b, a / m}' >>"$WORK/ratios"
    fi
    rm -f "$f" "$f".*
done

echo
echo "In-memory SHA-256 on this machine: $MEM_MIB_S MiB/s (1 GiB buffer, median of 5)."
echo
echo "| tool | size | median wall (s) | throughput (MiB/s) | peak RSS (MiB) | note |"
echo "|---|---|---:|---:|---:|---|"
cat "$WORK/rows"
echo
echo "| size | sealkit / sha256sum | sealkit / in-memory SHA-256 |"
echo "|---|---:|---:|"
cat "$WORK/ratios"
echo
echo "$(nproc) CPUs, $(uname -srm), RUNS=$RUNS, load average now: $(cut -d' ' -f1-3 /proc/loadavg)"
