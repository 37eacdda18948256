#!/usr/bin/env bash
# Formats the package's JS/TS/JSON and the WASM examples and bench with the pinned prettier.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bindings-wasm/node_modules/.bin/prettier --write --config bindings-wasm/.prettierrc.json \
  --ignore-path bindings-wasm/.prettierignore bindings-wasm/index.js bindings-wasm/index.d.ts \
  bindings-wasm/package.json bindings-wasm/example bindings-wasm/test bindings-wasm/test-support \
  bindings-wasm/test-browser examples/web examples/extension $(test -d benches/wasm && echo benches/wasm)
