#!/usr/bin/env bash
# Python binding benchmark: sealkit.verify_file against the release CLI on the same 1 GiB file.
#
#   bash benches/python/run.sh [--size-mib N] [--hash sha512]
#
# Builds the release CLI and the wheel (into bindings-python/.venv, created as test.sh does).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
VENV="bindings-python/.venv"
if [ ! -x "$VENV/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q -r bindings-python/requirements-test.txt
fi
cargo build -q --release -p sealkit-cli
dist="$(mktemp -d)"
trap 'rm -rf "$dist"' EXIT
"$VENV/bin/maturin" build --release -q -m bindings-python/Cargo.toml -o "$dist"
"$VENV/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$dist"/*.whl
"$VENV/bin/python" benches/python/bench_verify_file.py --cli target/release/sealkit "$@"
