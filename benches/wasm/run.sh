#!/usr/bin/env bash
# WASM streaming benchmark: builds the npm package and the signed 256 MiB stream, then runs
# bench.js (ROUNDS=5 by default). Not a test: it prints figures only.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
wasm="$here/../../bindings-wasm"
(cd "$wasm" && { [ -d node_modules ] || npm ci --no-audit --no-fund; })
[ -f "$wasm/pkg/sealkit_wasm_bg.wasm" ] || "$wasm/build.sh"
[ -f "$wasm/test/fixtures/big.bin.sig" ] || "$wasm/test-support/make-fixtures.sh"
(cd "$here" && { [ -d node_modules ] || npm ci --no-audit --no-fund; })
node "$here/bench.js"
