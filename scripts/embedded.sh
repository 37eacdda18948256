#!/usr/bin/env bash
# Runs sealkit's verifiers on an emulated Cortex-M3 (QEMU lm3s6965evb, thumbv7m-none-eabi) and
# Cortex-M4F (QEMU mps2-an386, thumbv7em-none-eabihf), and enforces the flash, RAM and stack
# budgets of tests/embedded/budgets.env (measured on the Cortex-M3).
#
#   bash scripts/embedded.sh
#
# Steps: install qemu-system-arm and the thumbv7m-none-eabi target (when missing); check the
# committed fixtures are what tests/embedded/gen writes; format and lint the firmware crate;
# build the firmware images (size-optimised profile, own target directory target/embedded);
# prove no allocator is linked; run each image under QEMU (always under `timeout`); check every
# verdict and budget. Every check prints one `PASS name` or `FAIL name` line; the script ends
# with `sealkit-embedded: N passed, M failed` (counted from those lines) and exits non-zero if
# anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
fw="$root/tests/embedded"
export CARGO_TARGET_DIR="$root/target/embedded"
target=thumbv7m-none-eabi
target_m4=thumbv7em-none-eabihf
bin_dir="$CARGO_TARGET_DIR/$target/release"

step() { printf '\n==> %s\n' "$*"; }

passed=0
failed=0
pass() {
  echo "PASS $*"
  passed=$((passed + 1))
}
fail() {
  echo "FAIL $*"
  failed=$((failed + 1))
}
summary() {
  echo
  echo "sealkit-embedded: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}

step "tools: qemu-system-arm (apt, when missing) and the $target and $target_m4 targets"
if ! command -v qemu-system-arm >/dev/null 2>&1; then
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=$(command -v sudo || true); fi
  $sudo_cmd apt-get install -y --no-install-recommends qemu-system-arm ||
    { $sudo_cmd apt-get update && $sudo_cmd apt-get install -y --no-install-recommends qemu-system-arm; }
fi
qemu-system-arm --version | head -n 1
for t in "$target" "$target_m4"; do
  rustup target add "$t" >/dev/null 2>&1 || rustup target add "$t"
done
for tool in size nm timeout; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is missing (binutils, coreutils)" >&2; exit 2; }
done

cd "$fw"

step "fixtures: the committed files are what tests/embedded/gen writes"
if cargo run -q -p sealkit-embedded-gen -- --check; then
  pass fixtures_current
else
  fail fixtures_current
fi

step "format and lint: the firmware crate and the generator"
# Only this workspace's packages: `--all` would also format the core's whole workspace (a path dependency).
if cargo fmt -p sealkit-embedded -p sealkit-embedded-gen -- --check; then pass firmware_fmt; else fail firmware_fmt; fi
if cargo clippy -q --release --target "$target" -p sealkit-embedded --bins --lib -- -D warnings &&
  cargo clippy -q --release --target "$target_m4" -p sealkit-embedded --bins --lib -- -D warnings &&
  cargo clippy -q -p sealkit-embedded-gen -- -D warnings; then
  pass firmware_clippy
else
  fail firmware_clippy
fi

step "build: firmware images for $target and $target_m4 (opt-level z, LTO, panic abort, ed25519 opt_size)"
if ! cargo build --release --target "$target" -p sealkit-embedded --bins ||
  ! cargo build --release --target "$target_m4" -p sealkit-embedded --bins; then
  fail firmware_build
  summary
  exit 1
fi
pass firmware_build
images=(hello verify-sha256 verify-sha512 verify-chain verify-keyless conformance)

step "no allocator: no #[global_allocator], no alloc crate, no allocator symbol in any image"
# Code lines only (the documentation mentions the words).
if grep -rnE 'global_allocator|extern crate alloc|alloc::' src gen/src ../../core/src | grep -vE '^[^:]+:[0-9]+:\s*//'; then
  fail no_allocator_in_sources
else
  pass no_allocator_in_sources
fi
for t in "$target" "$target_m4"; do
  for img in "${images[@]}"; do
    # Any use of the heap links __rust_alloc (and, with a #[global_allocator], __rg_alloc).
    if nm "$CARGO_TARGET_DIR/$t/release/$img" |
      grep -E '__rust_(alloc|dealloc|realloc|alloc_zeroed)|__rg_alloc|__rdl_alloc|__rust_alloc_error_handler'; then
      fail "no_allocator_symbols_${t}_$img"
    else
      pass "no_allocator_symbols_${t}_$img: nm shows no __rust_alloc/__rg_alloc"
    fi
  done
done

# Runs one image under QEMU; its output goes to $out_dir/<image>.log. Never hangs: a fault
# handler exits through semihosting, and `timeout` bounds the whole run.
out_dir=$(mktemp -d)
trap 'rm -rf "$out_dir"' EXIT
# Run on the Cortex-M3 unless M4=1: then on the Cortex-M4F, with logs <image>.m4.log.
run_image() {
  local img=$1
  local status=0
  local cpu=cortex-m3 machine=lm3s6965evb dir=$bin_dir log=$img
  if [ "${M4:-0}" = 1 ]; then
    cpu=cortex-m4 machine=mps2-an386 dir="$CARGO_TARGET_DIR/$target_m4/release" log=$img.m4
  fi
  timeout 120 qemu-system-arm -cpu "$cpu" -machine "$machine" -nographic \
    -semihosting-config enable=on,target=native -kernel "$dir/$img" \
    >"$out_dir/$log.log" 2>"$out_dir/$log.err" || status=$?
  sed 's/^/    /' "$out_dir/$log.log"
  return "$status"
}

for m4 in 0 1; do
  if [ "$m4" = 1 ]; then
    cpu=m4 sfx=.m4
    step "run: each image on the emulated Cortex-M4F (mps2-an386)"
  else
    cpu=m3 sfx=
    step "run: each image on the emulated Cortex-M3 (lm3s6965evb)"
  fi
  for img in hello verify-sha256 verify-sha512 verify-chain verify-keyless; do
    if M4=$m4 run_image "$img" &&
      grep -qE '^(hello from the Cortex-M|verify-(sha256|sha512|chain|keyless): ok, 65536 bytes verified)$' "$out_dir/$img$sfx.log"; then
      pass "run_${cpu}_$img"
    else
      fail "run_${cpu}_$img (exit status or output not as expected; stderr: $(tr '\n' ' ' <"$out_dir/$img$sfx.err"))"
    fi
  done
  log="$out_dir/conformance$sfx.log"
  conformance_status=0
  M4=$m4 run_image conformance >/dev/null || conformance_status=$?
  # Each verdict of the firmware counts as one test.
  while read -r line; do
    case "$line" in
      PASS\ *) pass "firmware_$cpu ${line#PASS }" ;;
      FAIL\ *) fail "firmware_$cpu ${line#FAIL }" ;;
    esac
  done <"$log"
  grep -E '^(sizes|firmware) ' "$log" | sed 's/^/    /' || true
  verdicts=$(grep -cE '^(PASS|FAIL) ' "$log" || true)
  if [ "$conformance_status" -eq 0 ] && [ "$verdicts" -ge 20 ] &&
    grep -qE "^firmware conformance: $verdicts passed, 0 failed$" "$log"; then
    pass "run_${cpu}_conformance: exit status 0, $verdicts verdicts"
  else
    fail "run_${cpu}_conformance: exit status $conformance_status, $verdicts verdicts (stderr: $(tr '\n' ' ' <"$out_dir/conformance$sfx.err"))"
  fi
done

step "budgets: flash, RAM and peak stack against tests/embedded/budgets.env"
# shellcheck source=SCRIPTDIR/../tests/embedded/budgets.env
. "$fw/budgets.env"
section() { size -A "$bin_dir/$1" | awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) print 0 }'; }
code_bytes() { echo $(($(section "$1" .text) + $(section "$1" .rodata))); }
ram_bytes() { echo $(($(section "$1" .data) + $(section "$1" .bss))); }
stack_of() { sed -n -E 's/^stack_peak=([0-9]+) .*/\1/p' "$out_dir/$1.log"; }
# The deepest stack of the conformance scenarios whose names start with $1.
scenario_stack() {
  sed -n -E "s/^PASS $1[a-z0-9_]*: .*\(stack ([0-9]+) B\)$/\1/p" "$out_dir/conformance.log" | sort -n | tail -n 1
}
hello_code=$(code_bytes hello)
hello_stack=$(stack_of hello)
check_budget() { # name measured budget aim unit-note
  local name=$1 measured=$2 budget=$3 aim=$4
  if [ -z "$measured" ] || { [ "${name#stack_}" != "$name" ] && [ "$measured" -le 0 ]; }; then
    fail "budget_$name: not measured"
    return
  fi
  printf '    %-22s %7d B  (%5.1f KiB)  budget %7d B  aim %s\n' "$name" "$measured" \
    "$(awk -v b="$measured" 'BEGIN { print b / 1024 }')" "$budget" "$aim"
  if [ "$measured" -le "$budget" ]; then
    pass "budget_$name: $measured <= $budget bytes"
  else
    fail "budget_$name: $measured > $budget bytes (raise the budget only with a reason)"
  fi
}
echo "    hello firmware: .text+.rodata = $hello_code B, stack peak = ${hello_stack:-?} B"
for h in sha256 sha512; do
  img=verify-$h
  hv=${h^^}
  flash_budget_var=FLASH_VERIFY_${hv}
  stack_budget_var=STACK_VERIFY_${hv}
  check_budget "flash_verify_$h" $(($(code_bytes "$img") - hello_code)) "${!flash_budget_var}" "24576 (24 KiB)"
  check_budget "stack_verify_$h" "$(stack_of "$img")" "${!stack_budget_var}" "8192 (8 KiB)"
done
check_budget ram_verify "$(ram_bytes verify-sha256)" "$RAM_VERIFY" "-"
check_budget flash_conformance $(($(code_bytes conformance) - hello_code)) "$FLASH_CONFORMANCE" "- (all three verifiers)"
check_budget stack_sealed "$(scenario_stack sealed_)" "$STACK_SEALED" "-"
check_budget stack_tree "$(scenario_stack tree_)" "$STACK_TREE" "-"
# Certificate chains (root -> intermediate -> signing key): the chain_accepted scenario, its
# policy built inside it, beside file_key_from_text_accepted (a directly trusted key, policy
# built the same way).
check_budget stack_chain "$(scenario_stack chain_accepted)" "$STACK_CHAIN" "-"
echo "    stack without a chain (file_key_from_text_accepted): $(scenario_stack file_key_from_text_accepted) B"
# Keyless signing (a one-certificate chain from the keyless issuer's root and a timestamp
# receipt checked against a trusted timestamp key): the deepest keyless scenario.
check_budget stack_keyless "$(scenario_stack keyless_)" "$STACK_KEYLESS" "-"
# For information (not enforced): the verify-only image with a chain beside the one without.
echo "    verify-chain (information): flash $(($(code_bytes verify-chain) - hello_code)) B," \
  "stack $(stack_of verify-chain) B from reset (verify-sha256: $(($(code_bytes verify-sha256) - hello_code)) B," \
  "$(stack_of verify-sha256) B)"
echo "    verify-keyless (information): flash $(($(code_bytes verify-keyless) - hello_code)) B," \
  "stack $(stack_of verify-keyless) B from reset"
# For information (not enforced): the same images on the Cortex-M4F.
m4_dir="$CARGO_TARGET_DIR/$target_m4/release"
m4_code() { size -A "$m4_dir/$1" | awk '$1 == ".text" || $1 == ".rodata" { n += $2 } END { print n + 0 }'; }
echo "    Cortex-M4F (information): flash verify-sha256 $(($(m4_code verify-sha256) - $(m4_code hello))) B," \
  "conformance $(($(m4_code conformance) - $(m4_code hello))) B;" \
  "$(sed -n -E 's/^stack_peak=([0-9]+) .*/stack verify-sha256 \1 B/p' "$out_dir/verify-sha256.m4.log")," \
  "verify-chain $(($(m4_code verify-chain) - $(m4_code hello))) B," \
  "$(sed -n -E 's/^stack_peak=([0-9]+) .*/stack \1 B/p' "$out_dir/verify-chain.m4.log")," \
  "verify-keyless $(($(m4_code verify-keyless) - $(m4_code hello))) B," \
  "$(sed -n -E 's/^stack_peak=([0-9]+) .*/stack \1 B/p' "$out_dir/verify-keyless.m4.log")"

summary
