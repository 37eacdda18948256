#!/usr/bin/env bash
# Builds and tests the Python binding. Runnable from any directory; safe to run again (the venv,
# its pinned packages and the Rust builds are reused when nothing changed).
#
#   bash bindings-python/test.sh
#
# Steps: a venv in bindings-python/.venv with requirements-test.txt; the release CLI (the tests
# run it); the abi3 wheel (checked to be tagged cp39-abi3) installed into the venv; a fresh
# venv with `pip install ./bindings-python` and a smoke test; ruff (lint and format); mypy on
# the package and the example; mypy.stubtest against the built module; pytest.
#
# Ends with one line `sealkit-python: N passed, M failed`: N and M count pytest's tests (from
# its summary; skipped tests count as failed, none should skip) plus each check above.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."

PYTHON="${PYTHON:-python3}"
VENV="bindings-python/.venv"
passed=0
failed=0
summary_printed=0
print_summary() {
  if [ "$summary_printed" = 0 ]; then
    summary_printed=1
    echo "sealkit-python: $passed passed, $failed failed"
  fi
}
# A step that aborts the script (a build that fails) is counted as one failure.
trap 'status=$?; if [ $status -ne 0 ] && [ "$summary_printed" = 0 ]; then failed=$((failed + 1)); print_summary; fi' EXIT

step() { printf '\n==> %s\n' "$*"; }
check() {
  # check NAME COMMAND...: runs a counted check, never aborting the script.
  local name="$1"
  shift
  if "$@"; then
    passed=$((passed + 1))
    echo "ok: $name"
  else
    failed=$((failed + 1))
    echo "FAILED: $name"
  fi
}

step "venv: $VENV with requirements-test.txt"
make_venv() {
  # Debian's python3 needs the python3-venv package for `-m venv`; install it only if missing.
  if ! "$PYTHON" -m venv "$1" >/dev/null 2>&1; then
    rm -rf "$1"
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="$(command -v sudo)"; fi
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq python3-venv >/dev/null
    "$PYTHON" -m venv "$1"
  fi
}
if [ ! -x "$VENV/bin/python" ]; then
  make_venv "$VENV"
fi
stamp="$VENV/.requirements.sha256"
want="$(sha256sum bindings-python/requirements-test.txt | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r bindings-python/requirements-test.txt
  echo "$want" >"$stamp"
fi
py="$VENV/bin/python"

step "fixtures: skopeo (the image tests build archives with it), when missing"
bash scripts/oci-fixtures/install.sh

step "build: the release CLI (the tests run it)"
cargo build -q --release -p sealkit-cli
export SEALKIT_CLI="$PWD/target/release/sealkit"

step "build: the abi3 wheel with maturin"
dist="$(mktemp -d)"
fresh="$(mktemp -d)"
trap 'status=$?; rm -rf "$dist" "$fresh"; if [ $status -ne 0 ] && [ "$summary_printed" = 0 ]; then failed=$((failed + 1)); print_summary; fi' EXIT
"$VENV/bin/maturin" build --release -q -m bindings-python/Cargo.toml -o "$dist"
wheel="$(ls "$dist"/*.whl)"
echo "$wheel"
check "wheel is tagged cp39-abi3" bash -c "basename '$wheel' | grep -q -- '-cp39-abi3-'"
"$py" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps "$wheel"

step "install: pip install ./bindings-python into a fresh venv"
fresh_install() {
  make_venv "$fresh/venv" &&
    "$fresh/venv/bin/python" -m pip install -q --disable-pip-version-check ./bindings-python &&
    "$fresh/venv/bin/python" -c '
import sealkit
k = sealkit.SigningKey.generate()
sig = sealkit.sign_bytes(b"data", k, subject="s")
facts = sealkit.verify_bytes(b"data", sig, sealkit.TrustPolicy([k.public_key]))
assert facts.length == 4 and facts.key_id == k.public_key.key_id
try:
    sealkit.verify_bytes(b"dat4", sig, sealkit.TrustPolicy([k.public_key]))
    raise SystemExit("tampered data verified")
except sealkit.DigestMismatch as e:
    assert e.code == 302
print("fresh venv: sealkit", sealkit.__version__, "imports, signs and verifies")
'
}
check "pip install ./bindings-python on a fresh venv" fresh_install

py_sources=(bindings-python/python bindings-python/tests examples/python benches/python)
step "lint: ruff check, ruff format --check"
check "ruff check" "$VENV/bin/ruff" check --config bindings-python/pyproject.toml "${py_sources[@]}"
check "ruff format --check" "$VENV/bin/ruff" format --check --config bindings-python/pyproject.toml "${py_sources[@]}"

step "types: mypy (strict) on the package and the example; stubtest against the built module"
check "mypy" "$py" -m mypy --config-file bindings-python/pyproject.toml \
  bindings-python/python/sealkit examples/python
# stubtest imports the installed package; run it from a directory where `sealkit` is not a
# source folder.
check "mypy.stubtest sealkit" bash -c "cd '$dist' && '$PWD/$py' -m mypy.stubtest sealkit --mypy-config-file '$PWD/bindings-python/pyproject.toml'"

step "tests: pytest"
log="$dist/pytest.log"
set +e
(cd bindings-python && "../$py" -m pytest -p no:cacheprovider -q tests) 2>&1 | tee "$log"
set -e
last="$(grep -E '[0-9]+ (passed|failed|errors?|skipped)' "$log" | grep -E ' in [0-9.]+s' | tail -1 || true)"
count() { echo "$last" | grep -oE "[0-9]+ $1\b" | grep -oE '^[0-9]+' || echo 0; }
t_passed="$(count passed)"
t_failed=$(($(count failed) + $(count 'errors?') + $(count skipped) + $(count xfailed) + $(count xpassed)))
if [ "$t_passed" = 0 ] && [ "$t_failed" = 0 ]; then
  t_failed=1 # pytest did not run or its summary could not be read
fi
echo "pytest: $t_passed passed, $t_failed failed or skipped"
passed=$((passed + t_passed))
failed=$((failed + t_failed))

print_summary
[ "$failed" = 0 ]
