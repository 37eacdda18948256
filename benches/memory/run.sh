#!/usr/bin/env bash
# Constant memory, shown: peak RSS of `sealkit verify` (CLI) and of the Python binding's
# `sealkit.verify_file` on 64 MiB, 1 GiB and 4 GiB files, side by side with `sha256sum` and
# Python's `hashlib.file_digest` on the same files in the same run. A benchmark, never a test.
#
#   bash benches/memory/run.sh                  # 64 MiB, 1 GiB, 4 GiB
#   SIZES_MIB="64 1024" bash benches/memory/run.sh
#
# The files are sparse (`truncate`): no disk space, and reading them costs no disk I/O, only
# hashing (which is what verification does). Peak RSS does not depend on the bytes' values.
# Uses the Python venv of bindings-python (creating it and installing the wheel as
# benches/python/run.sh does, when sealkit is not importable there).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

SIZES_MIB=${SIZES_MIB:-"64 1024 4096"}
VENV="bindings-python/.venv"

[ -x /usr/bin/time ] || { echo "error: GNU time (/usr/bin/time, Debian package time) is needed" >&2; exit 2; }
cargo build -q --release -p sealkit-cli
SEALKIT=$PWD/target/release/sealkit
if ! "$VENV/bin/python" -c "import sealkit" >/dev/null 2>&1; then
  [ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q -r bindings-python/requirements-test.txt
  dist=$(mktemp -d)
  "$VENV/bin/maturin" build --release -q -m bindings-python/Cargo.toml -o "$dist"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps "$dist"/*.whl
  rm -rf "$dist"
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
"$SEALKIT" keygen -o "$WORK/k" --unencrypted >/dev/null 2>&1
files=()
for mib in $SIZES_MIB; do
  f="$WORK/artifact-$mib.bin"
  truncate -s "${mib}M" "$f"
  "$SEALKIT" sign "$f" -k "$WORK/k.key" -o "$f.sig" >/dev/null 2>&1
  files+=("$f")
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo) RAM; sealkit $("$SEALKIT" --version | awk '{ print $2 }'), $("$VENV/bin/python" --version)"
"$VENV/bin/python" benches/memory/peak_rss.py --cli "$SEALKIT" --python "$VENV/bin/python" \
  --key "$WORK/k.pub" "${files[@]}"
