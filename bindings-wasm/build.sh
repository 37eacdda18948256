#!/usr/bin/env bash
# Builds the npm package's WebAssembly part into bindings-wasm/pkg/ (gitignored):
#   cargo (wasm32, size-oriented release) -> wasm-bindgen --target web -> wasm-opt -Oz.
# Needs: the wasm32-unknown-unknown target, wasm-bindgen-cli at the crate's exact version and
# `npm ci` done here (wasm-opt comes from npm's binaryen); test.sh installs all three.
# Environment (for measuring variants): SEALKIT_WASM_FEATURES ("" = without sealkit's opt_size),
# SEALKIT_WASM_OPT_LEVEL (cargo opt-level), SEALKIT_WASM_RUSTFLAGS (e.g. -C target-feature=+simd128).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

features="${SEALKIT_WASM_FEATURES-opt_size}"
# Size-oriented settings for this build only (the workspace's release profile stays as is):
# opt-level "s" (measured smaller than "z" and "3" after wasm-opt), panic=abort, and SIMD128,
# which gives sha2 its wasm SIMD backend: smaller and faster than the scalar one (README.md).
export CARGO_PROFILE_RELEASE_OPT_LEVEL="${SEALKIT_WASM_OPT_LEVEL-s}"
# RUSTFLAGS (rather than target.wasm32.rustflags) so a caller's RUSTFLAGS cannot silently drop
# these; with --target, RUSTFLAGS applies to the wasm artifacts only, not to build scripts.
wasm_rustflags="${SEALKIT_WASM_RUSTFLAGS--C target-feature=+simd128}"
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }$wasm_rustflags"
export CARGO_PROFILE_RELEASE_PANIC=abort
cargo build --quiet -p sealkit-wasm --target wasm32-unknown-unknown --release \
  --no-default-features --features "$features"

target_dir="$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
rm -rf "$here/pkg.tmp"
wasm-bindgen --target web --no-typescript --out-dir "$here/pkg.tmp" --out-name sealkit_wasm \
  "$target_dir/wasm32-unknown-unknown/release/sealkit_wasm.wasm"
wasm="$here/pkg.tmp/sealkit_wasm_bg.wasm"
raw_size=$(wc -c <"$wasm")
"$here/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue --enable-simd \
  -o "$wasm.opt" "$wasm"
mv "$wasm.opt" "$wasm"
opt_size=$(wc -c <"$wasm")
rm -rf "$here/pkg"
mv "$here/pkg.tmp" "$here/pkg"
printf '{"features":"%s","raw_bytes":%d,"optimized_bytes":%d}\n' "$features" "$raw_size" "$opt_size" \
  >"$here/pkg/size.json"
echo "built bindings-wasm/pkg: .wasm $raw_size bytes raw, $opt_size bytes after wasm-opt -Oz (features: ${features:-none})" >&2
