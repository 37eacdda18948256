#!/usr/bin/env bash
# Builds libsealkit (static and shared), checks the committed header, and runs every C test:
# the conformance vectors, misuse, the README example, the header as C++, and the updater
# example; plainly, under valgrind, and with AddressSanitizer + UndefinedBehaviorSanitizer.
# Ends with one line: "sealkit-c: N passed, M failed".
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
OUT=$ROOT/target/sealkit-c
VECTORS=$ROOT/tests/vectors/sealkit-vectors.json
mkdir -p "$OUT/log" "$OUT/updater"

# --- tools (idempotent: install only what is missing) ---------------------------------------
missing=()
for t in gcc:gcc g++:g++ make:make valgrind:valgrind pkg-config:pkg-config; do
    command -v "${t%%:*}" >/dev/null 2>&1 || missing+=("${t#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO=$(command -v sudo || true)
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

pass=0
fail=0
ok() { echo "ok   $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
# run NAME CMD...: one test, passed if CMD exits 0; its output goes to $OUT/log/NAME.log.
run() {
    local name=$1
    shift
    if "$@" >"$OUT/log/$name.log" 2>&1; then
        ok "$name"
    else
        bad "$name"
        tail -n 25 "$OUT/log/$name.log" | sed 's/^/    /'
    fi
}

# --- build -------------------------------------------------------------------------------------
cargo build --release -q -p sealkit-c -p sealkit-cli
LIBDIR=$ROOT/target/release
SEALKIT=$LIBDIR/sealkit
STATIC_LIBS=("$LIBDIR/libsealkit.a" -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc)
SHARED_LIBS=("-L$LIBDIR" -lsealkit "-Wl,-rpath,$LIBDIR")
CFLAGS=(-std=c99 -Wall -Wextra -Werror -pedantic -O1 -g -Ibindings-c/include)
SAN=("-fsanitize=address,undefined" -fno-sanitize-recover=all -fno-omit-frame-pointer)
VALGRIND=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all)

# --- header ------------------------------------------------------------------------------------
# On a difference the generator prints the command that regenerates the header.
run header-is-current cargo run -q -p sealkit-c --example gen-header -- --check

# Every core error code has its constant with the right value (the header is generated from
# Error::ALL; this checks the generated text against the vectors' names and codes too).
check_codes() {
    python3 - "$VECTORS" bindings-c/include/sealkit.h <<'PY'
import json, re, sys
vec = json.load(open(sys.argv[1]))
header = open(sys.argv[2]).read()
defs = dict(re.findall(r"#define (SEALKIT_ERR_\w+) (\d+)", header))
seen = 0
for c in vec["cases"] + vec["public_key_text"]:
    exp = c.get("expected", c)
    if exp.get("result") == "error":
        name = "SEALKIT_ERR_" + exp["error"].upper()
        assert defs.get(name) == str(exp["code"]), (name, defs.get(name), exp["code"])
        seen += 1
for n, v in [("SEALKIT_ERR_NULL_POINTER", "600"), ("SEALKIT_ERR_BAD_STATE", "601"), ("SEALKIT_ERR_INTERNAL", "602")]:
    assert defs.get(n) == v, n
assert len(set(defs.values())) == len(defs), "two constants share a code"
print(f"{len(defs)} constants, {seen} vector errors checked")
PY
}
run header-error-constants check_codes

# --- Rust unit tests of the FFI layer (counted from cargo's own output) -------------------------
if cargo test -q -p sealkit-c --lib >"$OUT/log/rust-unit.log" 2>&1; then :; fi
r_pass=$(grep -Eo '[0-9]+ passed' "$OUT/log/rust-unit.log" | awk '{s+=$1} END {print s+0}')
r_fail=$(grep -Eo '[0-9]+ failed' "$OUT/log/rust-unit.log" | awk '{s+=$1} END {print s+0}')
if [ "$r_pass" -eq 0 ] && [ "$r_fail" -eq 0 ]; then r_fail=1; tail -n 25 "$OUT/log/rust-unit.log"; fi
echo "rust unit tests: $r_pass passed, $r_fail failed"
pass=$((pass + r_pass))
fail=$((fail + r_fail))

# --- compile the C programs --------------------------------------------------------------------
T=bindings-c/tests
build() { # build NAME SOURCES... -- EXTRA FLAGS
    local name=$1
    shift
    local srcs=()
    while [ "$1" != "--" ]; do srcs+=("$1"); shift; done
    shift
    gcc "${CFLAGS[@]}" "${srcs[@]}" -o "$OUT/$name" "$@"
}
run compile-conformance build conformance $T/conformance.c $T/json.c -- "${STATIC_LIBS[@]}"
run compile-conformance-shared build conformance-shared $T/conformance.c $T/json.c -- "${SHARED_LIBS[@]}"
run compile-conformance-asan build conformance-asan $T/conformance.c $T/json.c -- "${SAN[@]}" "${STATIC_LIBS[@]}"
run compile-misuse build misuse $T/misuse.c $T/json.c -- "${STATIC_LIBS[@]}"
run compile-misuse-shared build misuse-shared $T/misuse.c $T/json.c -- "${SHARED_LIBS[@]}"
run compile-misuse-asan build misuse-asan $T/misuse.c $T/json.c -- "${SAN[@]}" "${STATIC_LIBS[@]}"
run compile-readme-example build readme_example $T/readme_example.c -- "${STATIC_LIBS[@]}"
run compile-readme-example-asan build readme_example-asan $T/readme_example.c -- "${SAN[@]}" "${STATIC_LIBS[@]}"
run compile-updater-asan gcc -std=c99 -Wall -Wextra -Werror -pedantic -O1 -g -Ibindings-c/include "${SAN[@]}" \
    examples/c/updater.c -o "$OUT/updater-asan" "${STATIC_LIBS[@]}"
# Every allocator entry point wrapped and counted: libsealkit's own references (Rust's global
# allocator) resolve to the wrappers too, so zero counted allocations means no heap use.
WRAP="-Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=posix_memalign,--wrap=aligned_alloc"
run compile-no-heap build no_heap $T/no_heap.c $T/json.c -- "$WRAP" "${STATIC_LIBS[@]}"
run compile-header-as-cpp g++ -std=c++11 -Wall -Wextra -Werror -pedantic -Ibindings-c/include \
    $T/header_cpp.cpp -o "$OUT/header_cpp" "${STATIC_LIBS[@]}"
# The verdict functions are warn_unused_result: ignoring one must not compile with -Werror.
must_use_refused() {
    if gcc "${CFLAGS[@]}" -c $T/must_use_fail.c -o "$OUT/must_use_fail.o" 2>"$OUT/must_use.err"; then
        echo "ignoring sealkit_verifier_update's result compiled"
        return 1
    fi
    grep -q "unused-result\|warn_unused_result" "$OUT/must_use.err"
}
run must-use-is-enforced must_use_refused

# --- run them: plainly, shared, valgrind, sanitizers ------------------------------------------
for v in "" -shared; do
    run "conformance$v" "$OUT/conformance$v" "$VECTORS"
    run "misuse$v" "$OUT/misuse$v" "$VECTORS"
done
run conformance-valgrind "${VALGRIND[@]}" "$OUT/conformance" "$VECTORS"
run misuse-valgrind "${VALGRIND[@]}" "$OUT/misuse" "$VECTORS"
run conformance-asan "$OUT/conformance-asan" "$VECTORS"
run misuse-asan "$OUT/misuse-asan" "$VECTORS"
run no-heap "$OUT/no_heap" "$VECTORS"
run header-as-cpp "$OUT/header_cpp"
run header-as-cpp-valgrind "${VALGRIND[@]}" "$OUT/header_cpp"

# A refused vectors version is refused, not skipped.
sed 's/"version": 2,/"version": 3,/' "$VECTORS" >"$OUT/vectors-v3.json"
refuses_v3() { ! "$OUT/conformance" "$OUT/vectors-v3.json" && grep -q '"version": 3' "$OUT/vectors-v3.json"; }
run conformance-refuses-unknown-version refuses_v3

# --- signed files made with the CLI ------------------------------------------------------------
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
"$SEALKIT" keygen -o "$W/release" --unencrypted >/dev/null 2>&1
"$SEALKIT" keygen -o "$W/other" --unencrypted >/dev/null 2>&1
KEY=$(cat "$W/release.pub")
OTHER=$(cat "$W/other.pub")
head -c 300000 /dev/urandom >"$W/firmware.bin"
"$SEALKIT" sign "$W/firmware.bin" --key "$W/release.key" --identity ci@example.org --version 5 \
    --issued-at 1700000000 -o "$W/firmware.bin.sig" >/dev/null 2>&1
# flip_byte FILE OFFSET: invert the low bit of one byte, so the file changes whatever the byte was.
flip_byte() {
    local b
    b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
    # shellcheck disable=SC2059 # the format is the octal escape of the new byte
    printf "\\$(printf '%03o' $((b ^ 1)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
cp "$W/firmware.bin" "$W/tampered.bin"
flip_byte "$W/tampered.bin" 1000
head -c 299999 "$W/firmware.bin" >"$W/truncated.bin"
{ cat "$W/firmware.bin"; printf 'X'; } >"$W/extended.bin"

# The README example, and that the README shows exactly this file.
readme_good() { "$1" "$W/firmware.bin" "$W/firmware.bin.sig" "$KEY" | grep -q "verified firmware.bin: 300000 bytes, version 5, signed by ci@example.org"; }
readme_bad() { ! "$1" "$W/tampered.bin" "$W/firmware.bin.sig" "$KEY" 2>"$W/err" && grep -q "digest_mismatch (302)" "$W/err"; }
run readme-example-verifies readme_good "$OUT/readme_example"
run readme-example-rejects-tampered readme_bad "$OUT/readme_example"
run readme-example-asan readme_good "$OUT/readme_example-asan"
run readme-example-valgrind "${VALGRIND[@]}" "$OUT/readme_example" "$W/firmware.bin" "$W/firmware.bin.sig" "$KEY"
readme_in_sync() {
    python3 - bindings-c/README.md $T/readme_example.c <<'PY'
import sys
readme, src = open(sys.argv[1]).read(), open(sys.argv[2]).read()
assert "```c\n" + src + "```" in readme, "bindings-c/README.md does not show tests/readme_example.c verbatim"
PY
}
run readme-shows-the-tested-example readme_in_sync

# --- the updater example, built with its Makefile through pkg-config ---------------------------
VERSION=$(grep -m1 '^version' Cargo.toml | sed 's/.*"\(.*\)"/\1/')
sed -e "s#@PREFIX@#$ROOT#" -e "s#@LIBDIR@#$LIBDIR#" -e "s#@INCLUDEDIR@#$ROOT/bindings-c/include#" \
    -e "s#@VERSION@#$VERSION#" bindings-c/sealkit.pc.in >"$OUT/updater/sealkit.pc"
run updater-builds-with-pkg-config env PKG_CONFIG_PATH="$OUT/updater" \
    make -s -B -C "$OUT/updater" -f "$ROOT/examples/c/Makefile" VPATH="$ROOT/examples/c"
U=$OUT/updater/updater
D=$W/install
mkdir -p "$D"
args=(--sig "$W/firmware.bin.sig" --key "$KEY" --identity ci@example.org --min-version 5)

installs() { # installs file|pipe COMMAND...
    local mode=$1
    shift
    rm -f "$D/app.bin"
    if [ "$mode" = pipe ]; then
        # A real pipe on standard input, not a redirected file.
        # shellcheck disable=SC2002
        cat "$W/firmware.bin" | "$@" - "${args[@]}" --out "$D/app.bin"
    else
        "$@" "$W/firmware.bin" "${args[@]}" --out "$D/app.bin"
    fi
    cmp -s "$W/firmware.bin" "$D/app.bin"
}
refused() { # refused INPUT EXPECTED-NAME [extra args]: exit 1, DEST absent, the error named
    local input=$1 name=$2
    shift 2
    rm -f "$D/app.bin"
    local rc=0
    "$U" "$input" "${args[@]}" --out "$D/app.bin" "$@" 2>"$W/err" || rc=$?
    [ "$rc" -eq 1 ] && [ ! -e "$D/app.bin" ] && grep -q "rejected: $name (" "$W/err"
}
keeps_existing() {
    echo "old release" >"$D/app.bin"
    local rc=0
    "$U" "$W/tampered.bin" "${args[@]}" --out "$D/app.bin" 2>/dev/null || rc=$?
    [ "$rc" -eq 1 ] && [ "$(cat "$D/app.bin")" = "old release" ]
}
wrong_key() {
    rm -f "$D/app.bin"
    local rc=0
    "$U" "$W/firmware.bin" --sig "$W/firmware.bin.sig" --key "$OTHER" --out "$D/app.bin" 2>"$W/err" || rc=$?
    [ "$rc" -eq 1 ] && [ ! -e "$D/app.bin" ] && grep -q "rejected: untrusted_key (202)" "$W/err"
}
usage_error() {
    local rc=0
    "$U" "$W/firmware.bin" --key "$KEY" --out "$D/app.bin" 2>/dev/null || rc=$?
    [ "$rc" -eq 2 ]
}
no_temp_left() { [ -z "$(find "$D" -name '.*' -type f)" ]; }
run updater-installs-file installs file "$U"
run updater-installs-from-pipe installs pipe "$U"
run updater-static-installs installs file "$OUT/updater/updater-static"
run updater-valgrind-installs installs file "${VALGRIND[@]}" "$U"
run updater-asan-installs installs file "$OUT/updater-asan"
run updater-refuses-tampered refused "$W/tampered.bin" digest_mismatch
U_PLAIN=$U
U=$OUT/updater-asan
run updater-asan-refuses-extended refused "$W/extended.bin" artifact_too_long
U=$U_PLAIN
run updater-refuses-truncated refused "$W/truncated.bin" artifact_too_short
run updater-refuses-extended refused "$W/extended.bin" artifact_too_long
run updater-refuses-rollback refused "$W/firmware.bin" rollback --min-version 6
run updater-refuses-wrong-identity refused "$W/firmware.bin" identity_mismatch --identity someone@example.org
run updater-refuses-wrong-key wrong_key
run updater-keeps-existing-dest keeps_existing
run updater-usage-error usage_error
run updater-leaves-no-temp-files no_temp_left

# Sealed streams: a stream written by `sealkit seal`, unsealed through sealkit_unsealer_*.
"$SEALKIT" seal "$W/firmware.bin" --key "$W/release.key" -o "$W/firmware.sealed" >/dev/null 2>&1
run compile-sealed build sealed $T/sealed.c -- "${STATIC_LIBS[@]}"
run compile-sealed-asan build sealed-asan $T/sealed.c -- "${SAN[@]}" "${STATIC_LIBS[@]}"
run sealed "$OUT/sealed" "$W/firmware.sealed" "$W/firmware.bin" "$KEY"
run sealed-asan "$OUT/sealed-asan" "$W/firmware.sealed" "$W/firmware.bin" "$KEY"
run sealed-valgrind "${VALGRIND[@]}" "$OUT/sealed" "$W/firmware.sealed" "$W/firmware.bin" "$KEY"
SEALED_VECTORS=$ROOT/tests/vectors/sealed-vectors.json
run compile-sealed-vectors build sealed_vectors $T/sealed_vectors.c $T/json.c -- "${STATIC_LIBS[@]}"
run compile-sealed-vectors-asan build sealed_vectors-asan $T/sealed_vectors.c $T/json.c -- "${SAN[@]}" "${STATIC_LIBS[@]}"
run sealed-vectors "$OUT/sealed_vectors" "$SEALED_VECTORS"
run sealed-vectors-asan "$OUT/sealed_vectors-asan" "$SEALED_VECTORS"
sed 's/"version": 1,/"version": 2,/' "$SEALED_VECTORS" >"$OUT/sealed-vectors-v2.json"
refuses_sealed_v2() { ! "$OUT/sealed_vectors-asan" "$OUT/sealed-vectors-v2.json" && grep -q '"version": 2' "$OUT/sealed-vectors-v2.json"; }
run sealed-vectors-refuse-unknown-version refuses_sealed_v2

# Tree signatures: the tree vectors and misuse sequences through sealkit_tree_verifier_*, plainly,
# under valgrind and the sanitizers, and with every allocator entry point counted.
TREE_VECTORS=$ROOT/tests/vectors/tree-vectors.json
run compile-tree-vectors build tree_vectors $T/tree_vectors.c $T/json.c -- "${STATIC_LIBS[@]}"
run compile-tree-vectors-asan build tree_vectors-asan $T/tree_vectors.c $T/json.c -- "${SAN[@]}" "${STATIC_LIBS[@]}"
run compile-tree-vectors-no-heap build tree_vectors-no-heap $T/tree_vectors.c $T/json.c -- -DCOUNT_ALLOCATIONS \
    "$WRAP" "${STATIC_LIBS[@]}"
run compile-tree-vectors-shared build tree_vectors-shared $T/tree_vectors.c $T/json.c -- "${SHARED_LIBS[@]}"
run compile-tree-misuse build tree_misuse $T/tree_misuse.c $T/json.c -- "${STATIC_LIBS[@]}"
run compile-tree-misuse-shared build tree_misuse-shared $T/tree_misuse.c $T/json.c -- "${SHARED_LIBS[@]}"
run compile-tree-misuse-asan build tree_misuse-asan $T/tree_misuse.c $T/json.c -- "${SAN[@]}" "${STATIC_LIBS[@]}"
run tree-vectors "$OUT/tree_vectors" "$TREE_VECTORS"
run tree-vectors-valgrind "${VALGRIND[@]}" "$OUT/tree_vectors" "$TREE_VECTORS"
run tree-vectors-asan "$OUT/tree_vectors-asan" "$TREE_VECTORS"
no_heap_in_tree() { "$OUT/tree_vectors-no-heap" "$TREE_VECTORS" | grep -q "^tree_vectors: 0 allocations inside libsealkit$"; }
run tree-vectors-no-heap no_heap_in_tree
run tree-misuse "$OUT/tree_misuse" "$TREE_VECTORS"
run tree-vectors-shared "$OUT/tree_vectors-shared" "$TREE_VECTORS"
run tree-misuse-shared "$OUT/tree_misuse-shared" "$TREE_VECTORS"
run tree-misuse-valgrind "${VALGRIND[@]}" "$OUT/tree_misuse" "$TREE_VECTORS"
run tree-misuse-asan "$OUT/tree_misuse-asan" "$TREE_VECTORS"
sed 's/^  "version": 1$/  "version": 2/' "$TREE_VECTORS" >"$OUT/tree-vectors-v2.json"
refuses_tree_v2() { ! "$OUT/tree_vectors" "$OUT/tree-vectors-v2.json" && grep -q '^  "version": 2$' "$OUT/tree-vectors-v2.json"; }
run tree-vectors-refuse-unknown-version refuses_tree_v2
# The harness can fail: a vector file expecting another code for one case is refused.
sed '0,/"code": 312,/s//"code": 311,/' "$TREE_VECTORS" >"$OUT/tree-vectors-wrong.json"
catches_wrong_verdict() {
    ! cmp -s "$TREE_VECTORS" "$OUT/tree-vectors-wrong.json" &&
        ! "$OUT/tree_vectors" "$OUT/tree-vectors-wrong.json" 2>"$OUT/tree-wrong.err" &&
        grep -q "expected 311" "$OUT/tree-wrong.err"
}
run tree-vectors-catch-a-wrong-verdict catches_wrong_verdict

# examples/c/tree_verify.c (built above by the Makefile, and with the sanitizers) on folders
# signed by the CLI, then tampered one way each.
run compile-tree-verify-asan gcc -std=c99 -Wall -Wextra -Werror -pedantic -O1 -g -Ibindings-c/include "${SAN[@]}" \
    examples/c/tree_verify.c -o "$OUT/tree_verify-asan" "${STATIC_LIBS[@]}"
TV=$OUT/updater/tree_verify
TREE=$W/plugin
mkdir -p "$TREE/bin" "$TREE/lib" "$TREE/empty" "$TREE/logs"
printf 'a plugin\n' >"$TREE/README"
head -c 200000 /dev/urandom >"$TREE/lib/core.so"
printf '#!/bin/sh\necho run\n' >"$TREE/bin/run"
chmod 755 "$TREE/bin/run"
ln -s core.so "$TREE/lib/current"
ln -s /etc/hostname "$TREE/lib/outside"
printf 'noise\n' >"$TREE/logs/debug.log"
"$SEALKIT" sign "$TREE" --key "$W/release.key" --identity ci@example.org --version 9 --exclude '*.log' \
    -o "$W/plugin.sig" >/dev/null 2>&1
tree_args=(--sig "$W/plugin.sig" --key "$KEY")
tree_ok() { "$1" "$TREE" "${tree_args[@]}" --identity ci@example.org --min-version 9 | grep -q "^verified .*: 9 entries, subject plugin, version 9, signed by ci@example.org$"; }
# tree_refused CHANGE EXPECTED-STDERR [extra args]: apply CHANGE to a copy, expect exit 1 and the message.
tree_refused() {
    local change=$1 want=$2
    shift 2
    local d=$W/plugin-copy rc=0
    rm -rf "$d"
    cp -a "$TREE" "$d"
    (cd "$d" && eval "$change")
    "$TV" "$d" "${tree_args[@]}" "$@" 2>"$W/tree.err" >/dev/null || rc=$?
    if [ "$rc" -ne 1 ] || ! grep -q -- "$want" "$W/tree.err"; then
        cat "$W/tree.err"
        return 1
    fi
}
run tree-verify-accepts tree_ok "$TV"
run tree-verify-asan-accepts tree_ok "$OUT/tree_verify-asan"
run tree-verify-valgrind "${VALGRIND[@]}" "$TV" "$TREE" "${tree_args[@]}"
tree_excluded_added() {
    local d=$W/plugin-excl
    rm -rf "$d"
    cp -a "$TREE" "$d"
    echo more >"$d/lib/extra.log"
    "$TV" "$d" "${tree_args[@]}" | grep -q "^verified "
}
run tree-verify-ignores-excluded-paths tree_excluded_added
run tree-verify-refuses-changed-byte tree_refused 'flip_byte lib/core.so 777' \
    "rejected: tree_file_digest_mismatch (312) at lib/core.so"
run tree-verify-refuses-appended-byte tree_refused 'printf x >>README' "rejected: tree_file_too_long (310) at README"
run tree-verify-refuses-truncated tree_refused 'truncate -s 1000 lib/core.so' "rejected: tree_file_too_short (311) at lib/core.so"
run tree-verify-refuses-added-file tree_refused 'echo new >lib/new.so' "added: 1 path(s)"
run tree-verify-refuses-removed-empty-dir tree_refused 'rmdir empty' "removed: empty"
run tree-verify-refuses-removed-file tree_refused 'rm bin/run' "removed: bin/run"
run tree-verify-refuses-symlink-target tree_refused 'ln -sfn README lib/current' "symlink target changed: lib/current"
run tree-verify-refuses-exec-bit tree_refused 'chmod 644 bin/run' "executable bit changed: bin/run"
run tree-verify-refuses-kind-change tree_refused 'rm lib/current && mkdir lib/current' "kind changed (symlink): lib/current"
run tree-verify-refuses-rollback tree_refused ':' "rejected: rollback (206)" --min-version 10
{ cat "$W/plugin.sig"; printf x; } >"$W/plugin.sig.bad"
run tree-verify-refuses-appended-sig-byte tree_refused ':' "rejected: tree_signature_malformed (150)" --sig "$W/plugin.sig.bad"
run tree-verify-refuses-wrong-key tree_refused ':' "rejected: untrusted_key (202)" --key "$OTHER"

# Trust policies: the trust vectors (compiled policies, time, rotations, chains, signature sets)
# through sealkit_policy_load_cbor/_set_time/_apply_rotation and sealkit_verifier_finish_trust,
# plainly, under valgrind and the sanitizers, with every allocator entry point counted.
TRUST_VECTORS=$ROOT/tests/vectors/trust-vectors.json
run compile-trust-vectors build trust_vectors $T/trust_vectors.c $T/json.c -- "${STATIC_LIBS[@]}"
run compile-trust-vectors-asan build trust_vectors-asan $T/trust_vectors.c $T/json.c -- "${SAN[@]}" "${STATIC_LIBS[@]}"
run compile-trust-vectors-shared build trust_vectors-shared $T/trust_vectors.c $T/json.c -- "${SHARED_LIBS[@]}"
run compile-trust-vectors-no-heap build trust_vectors-no-heap $T/trust_vectors.c $T/json.c -- -DCOUNT_ALLOCATIONS \
    "$WRAP" "${STATIC_LIBS[@]}"
run compile-trust-builder build trust_builder $T/trust_builder.c -- "${STATIC_LIBS[@]}"
run compile-trust-builder-asan build trust_builder-asan $T/trust_builder.c -- "${SAN[@]}" "${STATIC_LIBS[@]}"
run trust-vectors "$OUT/trust_vectors" "$TRUST_VECTORS"
run trust-vectors-shared "$OUT/trust_vectors-shared" "$TRUST_VECTORS"
run trust-vectors-valgrind "${VALGRIND[@]}" "$OUT/trust_vectors" "$TRUST_VECTORS"
run trust-vectors-asan "$OUT/trust_vectors-asan" "$TRUST_VECTORS"
no_heap_in_trust() { "$OUT/trust_vectors-no-heap" "$TRUST_VECTORS" | grep -q "^trust_vectors: 0 allocations inside libsealkit$"; }
run trust-vectors-no-heap no_heap_in_trust
run trust-builder "$OUT/trust_builder" "$TRUST_VECTORS"
run trust-builder-valgrind "${VALGRIND[@]}" "$OUT/trust_builder" "$TRUST_VECTORS"
run trust-builder-asan "$OUT/trust_builder-asan" "$TRUST_VECTORS"
sed 's/^  "version": 2,$/  "version": 3,/' "$TRUST_VECTORS" >"$OUT/trust-vectors-v3.json"
refuses_trust_v3() { ! "$OUT/trust_vectors" "$OUT/trust-vectors-v3.json" && grep -q '^  "version": 3,$' "$OUT/trust-vectors-v3.json"; }
run trust-vectors-refuse-unknown-version refuses_trust_v3
# The harness can fail: a vector file expecting another code (or stage) for one case is refused.
sed '0,/"code": 203,/s//"code": 202,/' "$TRUST_VECTORS" >"$OUT/trust-vectors-wrong.json"
trust_catches_wrong_verdict() {
    ! cmp -s "$TRUST_VECTORS" "$OUT/trust-vectors-wrong.json" &&
        ! "$OUT/trust_vectors" "$OUT/trust-vectors-wrong.json" 2>"$OUT/trust-wrong.err" &&
        grep -q "expected 202" "$OUT/trust-wrong.err"
}
run trust-vectors-catch-a-wrong-verdict trust_catches_wrong_verdict
# ... and one expecting another receipt time for a signer.
sed '0,/"timestamp": 1800086412,/s//"timestamp": 1800086413,/' "$TRUST_VECTORS" >"$OUT/trust-vectors-wrong-time.json"
trust_catches_wrong_timestamp() {
    ! cmp -s "$TRUST_VECTORS" "$OUT/trust-vectors-wrong-time.json" &&
        ! "$OUT/trust_vectors" "$OUT/trust-vectors-wrong-time.json" 2>"$OUT/trust-wrong-time.err" &&
        grep -q "signer 0 timestamp" "$OUT/trust-wrong-time.err"
}
run trust-vectors-catch-a-wrong-timestamp trust_catches_wrong_timestamp
sed '0,/"stage": "new"/s//"stage": "finish"/' "$TRUST_VECTORS" >"$OUT/trust-vectors-wrong-stage.json"
trust_catches_wrong_stage() {
    ! cmp -s "$TRUST_VECTORS" "$OUT/trust-vectors-wrong-stage.json" &&
        ! "$OUT/trust_vectors" "$OUT/trust-vectors-wrong-stage.json" 2>"$OUT/trust-wrong-stage.err" &&
        grep -q "expected finish" "$OUT/trust-wrong-stage.err"
}
run trust-vectors-catch-a-wrong-stage trust_catches_wrong_stage

echo "sealkit-c: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
