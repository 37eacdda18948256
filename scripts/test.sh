#!/usr/bin/env bash
# Sets up and runs every test of sealkit. Safe to run again: every install step is idempotent.
#
#   bash scripts/test.sh
#
# Steps: toolchain targets, formatting, lints, the no_std build for a Cortex-M4F target, the
# Rust test suites (unit, integration, external vectors, property tests, CLI through the real
# binary), the benches compiled (not run), and the end-to-end demo.
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

step "tests: the whole workspace"
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
  cargo test --workspace --doc
else
  cargo test --workspace --no-fail-fast
fi

step "benches: compile only (numbers come from benches/, never from tests)"
cargo bench -p sealkit-benches --no-run

step "demo: sign and verify a real artifact end to end"
cargo run --release -q -p sealkit-cli -- demo
