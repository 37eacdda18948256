#!/usr/bin/env bash
# Installs what the WebAssembly binding needs (idempotently), builds the npm package, and runs
# its tests in Node 20 and in Debian's headless Chromium. Ends with exactly one line:
#   sealkit-wasm: N passed, M failed
# counted from the test runners' own output; exits non-zero if anything failed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

sudo_cmd=""
if [ "$(id -u)" != 0 ]; then sudo_cmd="$(command -v sudo || true)"; fi

# 1. Rust target and wasm-bindgen-cli at exactly the crate's pinned version.
rustup target add wasm32-unknown-unknown >/dev/null 2>&1 || rustup target add wasm32-unknown-unknown
wb_version="$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' bindings-wasm/Cargo.toml)"
if [ -z "$wb_version" ]; then
  echo "bindings-wasm/Cargo.toml: no exact wasm-bindgen pin found" >&2
  exit 2
fi
if ! wasm-bindgen --version 2>/dev/null | grep -qx "wasm-bindgen $wb_version"; then
  echo "installing wasm-bindgen-cli $wb_version (several minutes)" >&2
  cargo install --quiet wasm-bindgen-cli --version "$wb_version"
fi

# 2. npm packages (pinned in package-lock.json): wasm-opt (binaryen), playwright-core, prettier, tsc.
lock_sum="$(sha256sum bindings-wasm/package-lock.json | cut -d' ' -f1)"
if [ "$(cat bindings-wasm/node_modules/.sealkit-lock 2>/dev/null || true)" != "$lock_sum" ]; then
  (cd bindings-wasm && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_sum" >bindings-wasm/node_modules/.sealkit-lock
fi

# 3. Debian's Chromium (never a downloaded browser).
if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (apt)" >&2
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

# 4. Build the package, then sign the test artifacts with the CLI.
bindings-wasm/build.sh
bindings-wasm/test-support/make-fixtures.sh

# 5. Run the tests; count from the TAP summaries.
logs="$(mktemp -d)"
trap 'rm -rf "$logs"' EXIT
status=0
# In-wasm tests of the Rust layer (wasm-bindgen-test, run in Node by wasm-bindgen-test-runner).
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test -p sealkit-wasm --target wasm32-unknown-unknown >"$logs/rust.log" 2>&1 || status=1
node --test --test-reporter=tap bindings-wasm/test/ >"$logs/node.tap" 2>&1 || status=1
node --test --test-reporter=tap bindings-wasm/test-browser/ >"$logs/chromium.tap" 2>&1 || status=1

passed=0
failed=0
read -r rust_p rust_f < <(awk '/^test result: / { gsub(";", ""); p += $4; f += $6 } END { print p + 0, f + 0 }' "$logs/rust.log")
if [ -z "$rust_p" ] || [ "$rust_p" = 0 ]; then
  echo "sealkit-wasm: the in-wasm Rust tests printed no result:" >&2
  cat "$logs/rust.log" >&2
  failed=$((failed + 1))
else
  if [ "$rust_f" != 0 ]; then cat "$logs/rust.log" >&2; fi
  echo "[rust in wasm] $rust_p passed, $rust_f failed" >&2
  passed=$((passed + rust_p))
  failed=$((failed + rust_f))
fi
for suite in node chromium; do
  tap="$logs/$suite.tap"
  p="$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$tap" | tail -1)"
  f="$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$tap" | tail -1)"
  c="$(sed -n 's/^# cancelled \([0-9]*\)$/\1/p' "$tap" | tail -1)"
  if [ -z "$p" ] || [ -z "$f" ]; then
    echo "sealkit-wasm: the $suite test run printed no summary:" >&2
    cat "$tap" >&2
    failed=$((failed + 1))
    continue
  fi
  # Show failures and diagnostics (figures such as the RSS growth) with their context.
  grep -E '^not ok|^# [A-Za-z]+: .*growth' "$tap" | sed "s/^/[$suite] /" >&2 || true
  if [ "$f" != 0 ] || [ "${c:-0}" != 0 ]; then
    grep -B2 -A30 '^not ok' "$tap" >&2 || true
  fi
  echo "[$suite] $p passed, $f failed, ${c:-0} cancelled" >&2
  passed=$((passed + p))
  failed=$((failed + f + ${c:-0}))
done
if [ "$status" != 0 ] && [ "$failed" = 0 ]; then
  echo "sealkit-wasm: a test runner exited non-zero without a counted failure" >&2
  failed=1
fi
echo "sealkit-wasm: $passed passed, $failed failed"
[ "$failed" = 0 ]
