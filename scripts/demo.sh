#!/usr/bin/env bash
# Builds sealkit and runs the main job end to end: generate a key, sign a real file, verify it,
# then tamper with one byte and append one byte and show both rejections.
#
#   bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release -q -p sealkit-cli -- demo
