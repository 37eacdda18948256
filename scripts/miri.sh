#!/usr/bin/env bash
# Runs tests under Miri (nightly), which checks for undefined behaviour: out-of-bounds and
# misaligned accesses, use of uninitialised memory, aliasing violations (Stacked Borrows) and
# leaks, in our code and in the dependencies it executes.
#
#   bash scripts/miri.sh
#
# What runs (Miri interprets, so about 1000 times slower than native code; the set is bounded):
# - the C binding's unit tests (bindings-c/src/tests.rs): the only `unsafe` code of the project,
#   the caller-allocated blocks, magic words, alignment checks and the panic guard;
# - the core's doctests (the core has no unit tests of its own; its suites live in tests/);
# - the conformance suites of tests/ that run in memory with few signatures: the sticky policy
#   builder and the fuzz regressions. The suites that check many signatures (slot, strictness,
#   tamper: minutes each under Miri, where one Ed25519 verification takes seconds), stream
#   megabytes or read the external vector files are left to the native run;
# - of the timestamp receipt suite (tests/timestamp.rs), the four tests with few signatures: the
#   receipt's exact encoding, the envelope digest and attaching a receipt, compiled policies with
#   timestamp keys, and a timestamp key beside a trusted key. On a loaded 2-core machine the
#   whole file took 23 minutes under Miri (15 minutes of CPU) and these four 4 minutes (2.7 of
#   CPU), so the other six (each verifying several keyless envelopes) are left to the native run.
#
# Ends with `sealkit-miri: N passed, M failed`, counted from the test harness's own summaries.
set -euo pipefail
cd "$(dirname "$0")/.."

# Idempotent: the nightly toolchain with Miri and the standard library's source.
if ! rustup toolchain list | grep -q '^nightly'; then
  rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly miri --version >/dev/null 2>&1; then
  rustup +nightly component add miri rust-src
fi
cargo +nightly miri setup >/dev/null

# Isolation off: the C binding's header test reads bindings-c/include/sealkit.h.
export MIRIFLAGS="${MIRIFLAGS:--Zmiri-disable-isolation}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0

run() {
  echo "miri: cargo +nightly miri test $*"
  if ! nice -n 10 cargo +nightly miri test "$@" 2>&1 | tee -a "$log"; then
    status=1
  fi
}

# Its randomised call-sequence test (hundreds of sequences, each with signatures) takes more than
# ten minutes under Miri; the c_api fuzz target covers call sequences under AddressSanitizer.
run -p sealkit-c --lib -- --skip tree::sequences::
run -p sealkit --doc
run -p sealkit-conformance --test policy_builder --test fuzz_regressions
run -p sealkit-conformance --test timestamp -- receipt_is_the_exact_deterministic_encoding \
  the_envelope_digest_is_sha256_of_the_envelope_as_signed \
  compiled_policies_carry_the_timestamp_right_and_requirement \
  a_timestamp_key_conflicting_with_a_trusted_key_id_is_refused

passed=0
failed=0
while read -r p f; do
  passed=$((passed + p))
  failed=$((failed + f))
done < <(sed -n -E 's/^test result: [a-zA-Z]+\. ([0-9]+) passed; ([0-9]+) failed.*/\1 \2/p' "$log")
# A run that stopped on undefined behaviour prints no summary for that binary: count it.
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi
echo "sealkit-miri: $passed passed, $failed failed"
[ "$status" -eq 0 ] && [ "$failed" -eq 0 ]
