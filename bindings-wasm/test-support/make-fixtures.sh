#!/usr/bin/env bash
# Signed test artifacts for the stream, example and browser tests, made with the sealkit CLI
# into bindings-wasm/test/fixtures/ (gitignored). A fresh key every run.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="$here/../test/fixtures"
cd "$root"
cargo build --quiet --release -p sealkit-cli
target_dir="$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
sealkit="$target_dir/release/sealkit"
mkdir -p "$out"
"$sealkit" keygen --unencrypted --force -o "$out/release" >/dev/null 2>&1
node "$here/gen-artifacts.js" "$out"
sign() { "$sealkit" sign "$@" --key "$out/release.key" --identity release@example.org --issued-at 1700000000 >/dev/null; }
sign "$out/app.bin" --version 42
# A signature by a key nobody trusts.
"$sealkit" keygen --unencrypted --force -o "$out/foreign" >/dev/null 2>&1
"$sealkit" sign "$out/app.bin" -o "$out/foreign.sig" --key "$out/foreign.key" --identity release@example.org >/dev/null
# A folder and its tree signature file (DIR.sig), "*.log" excluded.
node "$here/gen-artifacts.js" --tree "$out/tree"
sign "$out/tree" -o "$out/tree.sig" --version 5 --exclude '*.log'
# The 256 MiB stream is never written to disk: it is generated again by the test.
node "$here/gen-artifacts.js" --big | sign - -o "$out/big.bin.sig" --version 43 --hash sha256
