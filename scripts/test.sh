#!/usr/bin/env bash
# Sets up and runs every test of sealkit. Safe to run again: every install step is idempotent.
#
#   bash scripts/test.sh
#
# Steps: toolchain targets, formatting, lints, the no_std build for a Cortex-M4F target, the
# Rust test suites (unit, integration, external vectors, property tests, CLI through the real
# binary), the benches compiled (not run), the end-to-end demo, then each binding's own suite
# (C, Python, WebAssembly in Node and in Chromium), each run by its `bindings-*/test.sh`, which
# installs what it needs.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain: targets and components"
rustup target add thumbv7em-none-eabihf
rustup component add rustfmt clippy >/dev/null 2>&1 || true

if [ ! -d ../shared/vectors ]; then
  echo "error: ../shared/vectors (the external test vectors) is missing beside the repository" >&2
  exit 2
fi

step "format: cargo fmt --check"
cargo fmt --all -- --check

step "lint: cargo clippy -D warnings"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p sealkit --no-default-features --target thumbv7em-none-eabihf -- -D warnings

step "no_std: core for thumbv7em-none-eabihf (verify-only, and with signing)"
cargo build -p sealkit --release --target thumbv7em-none-eabihf
cargo build -p sealkit --release --target thumbv7em-none-eabihf --features sign

step "drift: docs/FORMAT.md examples and error table match the code"
cargo run -q -p sealkit --features sign --example format_example -- --check docs/FORMAT.md

step "tools: skopeo and docker-registry for the container image tests (apt, when missing)"
bash scripts/oci-fixtures/install.sh

step "tests: the whole workspace"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast 2>&1 | tee "$log"
else
  cargo test --workspace --no-fail-fast 2>&1 | tee -a "$log"
fi
# Doctests (nextest does not run them); only the core has any.
cargo test -p sealkit --doc 2>&1 | tee -a "$log"

step "benches: compile only (numbers come from benches/, never from tests)"
cargo bench -p sealkit-benches --no-run

step "demo: sign and verify a real artifact end to end"
cargo run --release -q -p sealkit-cli -- demo

# Each binding's script installs what it needs, runs its suites (all of them run the shared
# conformance vectors) and ends with one line `sealkit-<binding>: N passed, M failed`.
binding_failed=0
binding_passed_total=0
binding_failed_total=0
for b in c python wasm; do
  step "binding: $b (bindings-$b/test.sh)"
  blog=$(mktemp)
  if ! bash "bindings-$b/test.sh" 2>&1 | tee "$blog"; then
    binding_failed=1
  fi
  summary=$(grep -E "^sealkit-$b: [0-9]+ passed, [0-9]+ failed$" "$blog" | tail -n 1 || true)
  rm -f "$blog"
  if [ -z "$summary" ]; then
    echo "error: bindings-$b/test.sh printed no summary line" >&2
    binding_failed=1
    continue
  fi
  read -r p f < <(echo "$summary" | sed -E 's/^[^:]+: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/')
  binding_passed_total=$((binding_passed_total + p))
  binding_failed_total=$((binding_failed_total + f))
done

# The emulated Cortex-M run and the flash/RAM/stack budgets; its checks count into the total.
step "embedded: emulated Cortex-M3 run and budgets (scripts/embedded.sh)"
elog=$(mktemp)
if ! bash scripts/embedded.sh 2>&1 | tee "$elog"; then
  binding_failed=1
fi
summary=$(grep -E "^sealkit-embedded: [0-9]+ passed, [0-9]+ failed$" "$elog" | tail -n 1 || true)
rm -f "$elog"
if [ -z "$summary" ]; then
  echo "error: scripts/embedded.sh printed no summary line" >&2
  binding_failed=1
else
  read -r p f < <(echo "$summary" | sed -E 's/^[^:]+: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/')
  binding_passed_total=$((binding_passed_total + p))
  binding_failed_total=$((binding_failed_total + f))
fi

# A short smoke run of every fuzz target, and Miri; each prints `sealkit-<x>: N passed, M failed`.
for x in fuzz-smoke miri; do
  step "$x (scripts/$x.sh)"
  xlog=$(mktemp)
  if ! bash "scripts/$x.sh" 2>&1 | tee "$xlog"; then
    binding_failed=1
  fi
  summary=$(grep -E "^sealkit-(fuzz|miri): [0-9]+ passed, [0-9]+ failed$" "$xlog" | tail -n 1 || true)
  rm -f "$xlog"
  if [ -z "$summary" ]; then
    echo "error: scripts/$x.sh printed no summary line" >&2
    binding_failed=1
    continue
  fi
  read -r p f < <(echo "$summary" | sed -E 's/^[^:]+: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/')
  binding_passed_total=$((binding_passed_total + p))
  binding_failed_total=$((binding_failed_total + f))
done

# Keyless signing end to end: a real OpenID provider, a test token issuer and the issuer
# service on loopback (scripts/keyless.sh); its checks count into the total.
step "keyless: OpenID provider, issuer service, sign and verify offline (scripts/keyless.sh)"
klog=$(mktemp)
if ! bash scripts/keyless.sh 2>&1 | tee "$klog"; then
  binding_failed=1
fi
summary=$(grep -E "^sealkit-keyless: [0-9]+ passed, [0-9]+ failed$" "$klog" | tail -n 1 || true)
rm -f "$klog"
if [ -z "$summary" ]; then
  echo "error: scripts/keyless.sh printed no summary line" >&2
  binding_failed=1
else
  read -r p f < <(echo "$summary" | sed -E 's/^[^:]+: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/')
  binding_passed_total=$((binding_passed_total + p))
  binding_failed_total=$((binding_failed_total + f))
fi

# One closing line for the whole run, counted from the runners' own summaries.
passed=$binding_passed_total
failed=$binding_failed_total
while read -r p f; do
  passed=$((passed + p))
  failed=$((failed + f))
done < <(sed -n -E \
  -e 's/.* ([0-9]+) tests? run: ([0-9]+) passed(, ([0-9]+) failed)?.*/\2 \4/p' \
  -e 's/^test result: [a-zA-Z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/p' "$log" |
  awk '{ print $1, ($2 == "" ? 0 : $2) }')
echo
echo "sealkit: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$binding_failed" -eq 0 ]
