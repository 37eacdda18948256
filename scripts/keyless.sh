#!/usr/bin/env bash
# Keyless signing end to end, against real components on 127.0.0.1:
#   - a real OpenID provider (the npm package oidc-provider, tests/oidc/provider.mjs) whose ID
#     tokens are obtained through its own authorization code flow (tests/oidc/mint.mjs);
#   - a test token issuer (tests/oidc/token_issuer.py) that mints good and every kind of bad
#     token (RS256 and ES256) and rotates its keys;
#   - `sealkit issuer serve` trusting both, and the `sealkit` CLI signing with their tokens and
#     verifying offline.
#
#   bash scripts/keyless.sh
#
# Installs what it needs, idempotently (tests/oidc/setup.sh): `npm ci` in tests/oidc when the
# lock file changed, and a virtualenv tests/oidc/.venv with tests/oidc/requirements.txt. Every
# process listens on a free port chosen at run time and is stopped by a trap; all files live in
# a temporary directory. Every check prints `PASS name` or `FAIL name`; the script ends with
# `sealkit-keyless: N passed, M failed` and exits non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
oidc="$root/tests/oidc"

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
# check NAME COMMAND...: one counted test.
check() {
  local name=$1
  shift
  if "$@"; then pass "$name"; else fail "$name"; fi
}
summary() {
  echo
  echo "sealkit-keyless: $passed passed, $failed failed"
  [ "$failed" -eq 0 ]
}
# A setup step that failed: nothing after it can be meaningful.
abort() {
  echo "error: $*" >&2
  fail "setup"
  summary || true
  exit 1
}

work=$(mktemp -d)
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME COMMAND...: runs COMMAND in the background and waits for its first stdout line,
# `listening on http://ADDR`; sets $url to that address.
url=""
start() {
  local name=$1
  shift
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  local pid=$!
  pids+=("$pid")
  local i
  for i in $(seq 1 300); do
    if [ -s "$work/$name.out" ] && url=$(sed -n '1s/^listening on \(http:\/\/.*\)$/\1/p' "$work/$name.out") &&
      [ -n "$url" ]; then
      echo "$name: $url (pid $pid)"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$work/$name.err" >&2
      abort "$name exited before listening"
    fi
    sleep 0.1
    : "$i"
  done
  cat "$work/$name.err" >&2
  abort "$name did not print its address"
}

step "tools: node packages (npm ci) and the Python virtualenv (when changed)"
command -v curl >/dev/null 2>&1 || abort "curl is missing"
bash "$oidc/setup.sh" || abort "tests/oidc/setup.sh failed"
py="$oidc/.venv/bin/python"
client() { "$py" "$oidc/client.py" "$@"; }

step "build: the sealkit CLI (with the issuer service)"
cargo build -q -p sealkit-cli || abort "cargo build failed"
sealkit="$root/target/debug/sealkit"

step "start: the OpenID provider and two test token issuers"
start op node "$oidc/provider.mjs"
op=$url
start ti "$py" "$oidc/token_issuer.py" --audience sealkit
ti=$url
# A second test issuer only for the key rotation test, so that no other test's JWKS fetch
# interferes with its refresh.
start ti2 "$py" "$oidc/token_issuer.py" --audience sealkit
ti2=$url
op_jwks=$(curl -sf "$op/.well-known/openid-configuration" |
  "$py" -c 'import json,sys; print(json.load(sys.stdin)["jwks_uri"])') || abort "no discovery document at $op"

step "keys, issuer configuration and trust files"
cd "$work"
for k in root tsa other; do
  "$sealkit" keygen -o "$k" --unencrypted >/dev/null 2>&1 || abort "keygen $k failed"
done
issuer_name="sealkit-test-issuer"
rule='claims = { repository = "vendor/app", event_name = "push", ref = "refs/tags/*" }
identity = "https://github.com/{job_workflow_ref}"'
cat >issuer.toml <<EOF
listen = "127.0.0.1:0"
name = "$issuer_name"
issuing_key = "$work/root.key"
timestamp_key = "$work/tsa.key"
database = "$work/audit.sqlite"
max_lifetime = "10m"

[[provider]]
issuer = "$op"
audience = ["sealkit-rs256", "sealkit-es256"]
jwks_url = "$op_jwks"
algorithms = ["RS256", "ES256"]

[[provider.rule]]
$rule

[[provider]]
issuer = "$ti"
audience = "sealkit"
jwks_url = "$ti/jwks"
algorithms = ["RS256", "ES256"]

[[provider.rule]]
$rule

[[provider]]
issuer = "$ti2"
audience = "sealkit"
jwks_url = "$ti2/jwks"

[[provider.rule]]
$rule
EOF
identity_pattern="https://github.com/vendor/app/.github/workflows/release.yml@refs/tags/*"
trust() { # trust FILE TIMESTAMP_KEY [REQUIRE]: trusts the issuer root and TIMESTAMP_KEY for receipts
  cat >"$1" <<EOF
version = 1

[require]
identity = "$identity_pattern"
timestamp = ${3:-true}

[[root]]
key_file = "root.pub"
name = "$issuer_name"

[[timestamp]]
key_file = "$2"
EOF
}
trust trust.toml tsa.pub
trust trust-other-tsa.toml other.pub
trust trust-optional.toml tsa.pub false

step "start: sealkit issuer serve"
start issuer "$sealkit" issuer serve --config "$work/issuer.toml"
issuer=$url

# The rotation provider's first key is fetched now; its rotation is tested last.
curl -sf -d '{"kind": "good", "alg": "ES256"}' "$ti2/mint" >ti2-before.jwt || abort "mint at ti2 failed"
client cert "$issuer" ti2-before.jwt >ti2-before.out || abort "certificate request failed"

audit_rows() { client audit-count "$work/audit.sqlite"; }

# ---------------------------------------------------------------------------------------------
step "the issuer describes itself"
issuer_info() {
  curl -sf "$issuer/v1/issuer" >info.json &&
    "$py" - "$issuer_name" "$(cat root.pub)" "$(cat tsa.pub)" <<'EOF'
import json, sys
info = json.load(open("info.json"))
expected = {"issuer": sys.argv[1], "issuing_key": sys.argv[2].strip(), "timestamp_key": sys.argv[3].strip(),
            "max_lifetime_seconds": 600}
bad = {k: (info.get(k), v) for k, v in expected.items() if info.get(k) != v}
print(f"  /v1/issuer: {info}")
sys.exit(1 if bad else 0)
EOF
}
check issuer_info issuer_info
check healthz [ "$(curl -sf "$issuer/healthz")" = "ok" ]

# ---------------------------------------------------------------------------------------------
step "token -> certificate -> signature -> timestamp -> offline verification"
verify_json() { # verify_json FILE SIG TRUST [--now N]: prints verify --json, keeps its status
  "$sealkit" verify "$1" --sig "$2" --policy "$3" --json "${@:4}"
}
field() { # field JSON_FILE NAME: a top-level field, or error.name for `error`
  "$py" -c 'import json,sys
v = json.load(open(sys.argv[1]))
k = sys.argv[2]
print(v["error"]["name"] if k == "error" and v.get("error") else v.get(k))' "$1" "$2"
}
# expect_cert NAME TOKEN_FILE EXPECTED [client flags]: the answer's "STATUS ERROR" and the
# audit log row count unchanged.
expect_cert() {
  local name=$1 token=$2 expected=$3
  local before after got
  before=$(audit_rows)
  got=$(client cert "$issuer" "$token" "${@:4}") || got="client failed"
  after=$(audit_rows)
  if [ "$got" = "$expected" ] && [ "$before" = "$after" ]; then
    pass "$name"
  else
    echo "  $name: got '$got' (expected '$expected'), audit rows $before -> $after"
    fail "$name"
  fi
}
# keyless CASE TOKEN_FILE: signs a fresh artifact with the token, verifies it, then a tampered
# copy. Two counted tests: CASE_verify and CASE_tampered.
keyless() {
  local case=$1 token=$2
  head -c 100000 /dev/urandom >"$case.bin"
  if ! "$sealkit" sign "$case.bin" --oidc-token-file "$token" --issuer "$issuer" >"$case.sign.out" 2>&1; then
    cat "$case.sign.out"
    fail "${case}_sign"
    return
  fi
  pass "${case}_sign"
  local ok=0
  if verify_json "$case.bin" "$case.bin.sig" trust.toml >"$case.verify.json" 2>"$case.verify.err" &&
    [ "$(field "$case.verify.json" verified)" = "True" ]; then
    local got
    got=$(field "$case.verify.json" identity)
    echo "  verified; identity: $got; envelope $(wc -c <"$case.bin.sig") bytes"
    case "$got" in
    https://github.com/vendor/app/.github/workflows/release.yml@refs/tags/v1.0.0) ok=1 ;;
    esac
  else
    cat "$case.verify.json" "$case.verify.err"
  fi
  if [ "$ok" -eq 1 ]; then pass "${case}_verify"; else fail "${case}_verify"; fi
  cp "$case.bin" "$case.tampered"
  "$py" -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[4242] ^= 0x01; open(p, "wb").write(b)' \
    "$case.tampered"
  if ! verify_json "$case.tampered" "$case.bin.sig" trust.toml >"$case.tampered.json" 2>/dev/null &&
    [ "$(field "$case.tampered.json" error)" = "digest_mismatch" ]; then
    pass "${case}_tampered"
  else
    cat "$case.tampered.json"
    fail "${case}_tampered"
  fi
}

for client_id in sealkit-rs256 sealkit-es256; do
  if node "$oidc/mint.mjs" "$op" --client "$client_id" >"op-$client_id.jwt" 2>"op-$client_id.err"; then
    pass "op_mint_${client_id#sealkit-}"
    keyless "op_${client_id#sealkit-}" "op-$client_id.jwt"
  else
    cat "op-$client_id.err"
    fail "op_mint_${client_id#sealkit-}"
  fi
done
# The real provider's tokens: one already used buys nothing more; one for another client (an
# audience the issuer does not accept) is refused.
if [ -s op-sealkit-rs256.jwt ]; then
  expect_cert op_token_replayed op-sealkit-rs256.jwt "409 token_replayed"
else
  fail op_token_replayed
fi
if node "$oidc/mint.mjs" "$op" --client other-app >op-other.jwt 2>op-other.err; then
  expect_cert op_token_wrong_audience op-other.jwt "401 wrong_audience"
else
  cat op-other.err
  fail op_token_wrong_audience
fi
for alg in RS256 ES256; do
  curl -sf -d "{\"kind\": \"good\", \"alg\": \"$alg\"}" "$ti/mint" >"ti-$alg.jwt" || abort "mint failed"
  keyless "testissuer_$alg" "ti-$alg.jwt"
done

# The token from an environment variable, as CI systems provide it; verified with the compiled
# policy, the form a device loads.
env_token() {
  head -c 5000 /dev/urandom >env.bin
  if curl -sf -d '{"kind": "good", "alg": "ES256"}' "$ti/mint" >env.jwt &&
    SEALKIT_TEST_ID_TOKEN=$(cat env.jwt) "$sealkit" sign env.bin --oidc-token-env SEALKIT_TEST_ID_TOKEN \
      --issuer "$issuer" >env.out 2>&1 &&
    "$sealkit" policy compile trust.toml -o trust.cbor >/dev/null &&
    verify_json env.bin env.bin.sig trust.cbor >env.json 2>&1 &&
    [ "$(field env.json verified)" = "True" ]; then
    return 0
  fi
  cat env.out env.json 2>/dev/null
  return 1
}
check token_from_env_compiled_policy env_token

# ---------------------------------------------------------------------------------------------
step "long after the certificate expired: the receipt keeps the signature valid"
later=$(($(date +%s) + 90 * 86400))
case=testissuer_ES256
if verify_json "$case.bin" "$case.bin.sig" trust.toml --now "$later" >later.json 2>&1 &&
  [ "$(field later.json verified)" = "True" ]; then
  pass receipt_90_days_later
else
  cat later.json
  fail receipt_90_days_later
fi
if client strip-receipt "$case.bin.sig" stripped.sig &&
  [ "$(wc -c <stripped.sig)" -lt "$(wc -c <"$case.bin.sig")" ]; then
  echo "  envelope with receipt $(wc -c <"$case.bin.sig") bytes, without $(wc -c <stripped.sig) bytes"
  # Within the certificate's validity the stripped signature is still good (only the receipt
  # was removed) where the policy does not require a receipt.
  if verify_json "$case.bin" stripped.sig trust-optional.toml >stripped-now.json 2>&1 &&
    [ "$(field stripped-now.json verified)" = "True" ]; then
    pass no_receipt_now_passes_without_required_receipt
  else
    cat stripped-now.json
    fail no_receipt_now_passes_without_required_receipt
  fi
  if ! verify_json "$case.bin" stripped.sig trust-optional.toml --now "$later" >stripped.json 2>&1 &&
    [ "$(field stripped.json error)" = "certificate_expired" ]; then
    pass no_receipt_90_days_later_certificate_expired
  else
    cat stripped.json
    fail no_receipt_90_days_later_certificate_expired
  fi
  if ! verify_json "$case.bin" stripped.sig trust.toml >stripped-req.json 2>&1 &&
    [ "$(field stripped-req.json error)" = "timestamp_missing" ]; then
    pass no_receipt_required_timestamp_missing
  else
    cat stripped-req.json
    fail no_receipt_required_timestamp_missing
  fi
else
  fail strip_receipt
fi
if client move-receipt op_rs256.bin.sig "$case.bin.sig" moved.sig &&
  ! verify_json "$case.bin" moved.sig trust.toml >moved.json 2>&1 &&
  [ "$(field moved.json error)" = "timestamp_digest_mismatch" ]; then
  pass receipt_of_another_envelope_fails
else
  cat moved.json
  fail receipt_of_another_envelope_fails
fi
if ! verify_json "$case.bin" "$case.bin.sig" trust-other-tsa.toml >other-tsa.json 2>&1 &&
  [ "$(field other-tsa.json error)" = "untrusted_timestamp_key" ]; then
  pass untrusted_timestamp_key_fails
else
  cat other-tsa.json
  fail untrusted_timestamp_key_fails
fi

# ---------------------------------------------------------------------------------------------
step "bad tokens: HTTP status and error name, and nothing logged"
# bad KIND ALG "STATUS ERROR"
bad() {
  curl -sf -d "{\"kind\": \"$1\", \"alg\": \"$2\"}" "$ti/mint" >"bad-$1-$2.jwt" || abort "mint $1 failed"
  expect_cert "bad_token_$1_$2" "bad-$1-$2.jwt" "$3"
}
for alg in RS256 ES256; do
  bad expired "$alg" "401 token_expired"
  bad not_yet_valid "$alg" "401 token_not_yet_valid"
  bad iat_future "$alg" "401 token_issued_in_future"
  bad wrong_signature "$alg" "401 token_signature_invalid"
  bad tampered_payload "$alg" "401 token_signature_invalid"
  bad wrong_audience "$alg" "401 wrong_audience"
  bad unknown_issuer "$alg" "401 unknown_provider"
  bad unknown_kid "$alg" "401 unknown_signing_key"
done
bad rs384 RS256 "401 algorithm_not_allowed"
bad ps256 RS256 "401 algorithm_not_allowed"
bad alg_none RS256 "401 algorithm_not_allowed"
bad hs256_public_key RS256 "401 algorithm_not_allowed"
bad malformed RS256 "400 malformed_token"
bad malformed_segments RS256 "400 malformed_token"
bad malformed_header RS256 "400 malformed_token"

# Good tokens that no rule maps, and a proof by another key.
mint_claims() { # mint_claims FILE CLAIMS_JSON
  curl -sf -d "{\"kind\": \"good\", \"alg\": \"ES256\", \"claims\": $2}" "$ti/mint" >"$1" || abort "mint failed"
}
mint_claims other-repo.jwt '{"repository": "attacker/app"}'
expect_cert no_matching_rule_other_repository other-repo.jwt "403 no_matching_rule"
mint_claims branch.jwt '{"ref": "refs/heads/main"}'
expect_cert no_matching_rule_branch branch.jwt "403 no_matching_rule"
mint_claims not-string.jwt '{"repository": 42}'
expect_cert no_matching_rule_claim_not_a_string not-string.jwt "403 no_matching_rule"
mint_claims missing.jwt '{"event_name": null}'
expect_cert no_matching_rule_claim_missing missing.jwt "403 no_matching_rule"
mint_claims proof.jwt '{}'
expect_cert bad_proof_other_key proof.jwt "403 bad_proof" --foreign-proof

# The CLI shows the refusal and writes no signature.
cli_refused() {
  head -c 1000 /dev/urandom >refused.bin
  if "$sealkit" sign refused.bin --oidc-token-file bad-expired-ES256.jwt --issuer "$issuer" >refused.out 2>&1; then
    return 1
  fi
  cat refused.out
  grep -q token_expired refused.out && [ ! -e refused.bin.sig ]
}
check cli_refused_token_no_signature cli_refused

step "replay, body limits, content types, methods"
mint_claims replay.jwt '{}'
first_use() {
  local before after got
  before=$(audit_rows)
  got=$(client cert "$issuer" replay.jwt)
  after=$(audit_rows)
  echo "  $got; audit rows $before -> $after"
  [ "$got" = "200 - https://github.com/vendor/app/.github/workflows/release.yml@refs/tags/v1.0.0" ] &&
    [ "$after" -eq $((before + 1)) ]
}
check replay_first_use_logged first_use
expect_cert replay_second_use replay.jwt "409 token_replayed"
# expect_post NAME PATH "STATUS ERROR" [client post flags]
expect_post() {
  local name=$1 path=$2 expected=$3
  local before after got
  before=$(audit_rows)
  got=$(client post "$issuer" "$path" "${@:4}") || got="client failed"
  after=$(audit_rows)
  if [ "$got" = "$expected" ] && [ "$before" = "$after" ]; then pass "$name"; else
    echo "  $name: got '$got' (expected '$expected'), audit rows $before -> $after"
    fail "$name"
  fi
}
expect_post oversized_certificate_body /v1/certificate "413 body_too_large" --size 20000
expect_post oversized_timestamp_body /v1/timestamp "413 body_too_large" --size 17000
expect_post wrong_content_type /v1/certificate "415 unsupported_media_type" --content-type text/plain
expect_post malformed_json /v1/certificate "400 bad_request" --body '{"token": '
expect_post missing_fields /v1/certificate "400 bad_request" --body '{"token": "a.b.c"}'
expect_post timestamp_bad_digest /v1/timestamp "400 bad_request" --body '{"digest": "00"}'
expect_post timestamp_non_hex_digest /v1/timestamp "400 bad_request" --body "{\"digest\": \"$(printf 'zz%.0s' $(seq 1 32))\"}"
status_is() { # status_is STATUS PATH [client post flags]: only the status (404/405 name no error)
  local got
  got=$(client post "$issuer" "$2" "${@:3}") && [ "${got%% *}" = "$1" ]
}
check unknown_path_404 status_is 404 /v1/nothing --body '{}'
check get_certificate_405 status_is 405 /v1/certificate --get
timestamp_ok() {
  local before after got
  before=$(audit_rows)
  got=$(client post "$issuer" /v1/timestamp --body "{\"digest\": \"$(printf 'ab%.0s' $(seq 1 32))\"}")
  after=$(audit_rows)
  [ "$got" = "200 -" ] && [ "$after" -eq $((before + 1)) ]
}
check timestamp_logged timestamp_ok

# ---------------------------------------------------------------------------------------------
step "a burst of 2000 mixed good and bad requests; the service stays up"
check burst_2000_no_server_error client burst "$issuer" "$ti" 2000
check healthz_after_burst [ "$(curl -sf "$issuer/healthz")" = "ok" ]
curl -sf -d '{"kind": "good", "alg": "RS256"}' "$ti/mint" >after-burst.jwt || abort "mint failed"
keyless after_burst after-burst.jwt

# ---------------------------------------------------------------------------------------------
step "JWKS rotation at the provider: a token with the new key id is accepted"
check rotation_first_key_accepted grep -q '^200 ' ti2-before.out
# The issuer refetches a key set for an unknown key id at most once per 30 s; no token with an
# unknown key id reached it for this provider before, so the first one refetches at once.
curl -sf -d '{"kind": "good", "alg": "RS256"}' "$ti2/mint" >ti2-old.jwt || abort "mint failed"
curl -sf -X POST "$ti2/rotate" >rotate.json || abort "rotate failed"
echo "  new key ids: $(cat rotate.json)"
curl -sf -d '{"kind": "good", "alg": "RS256"}' "$ti2/mint" >ti2-new.jwt || abort "mint failed"
keyless rotated_new_kid ti2-new.jwt
expect_cert rotation_old_kid_gone ti2-old.jwt "401 unknown_signing_key"

# ---------------------------------------------------------------------------------------------
step "the audit log: listed, exported, its chain verified; an edited row is detected"
for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
pids=()
rows=$(audit_rows)
echo "  audit rows: $rows"
check audit_log_verify "$sealkit" issuer log --db audit.sqlite --verify
export_ok() {
  "$sealkit" issuer log --db audit.sqlite --export audit.jsonl &&
    [ "$(wc -l <audit.jsonl)" -eq "$rows" ] &&
    grep -q '"kind":"certificate"' audit.jsonl && grep -q '"kind":"timestamp"' audit.jsonl &&
    ! grep -q 'eyJ' audit.jsonl # never a token
}
check audit_log_export export_ok
cp audit.sqlite tampered.sqlite
client audit-tamper tampered.sqlite || abort "could not edit the audit log"
tampered_detected() {
  if "$sealkit" issuer log --db tampered.sqlite --verify >tampered.out 2>&1; then return 1; fi
  cat tampered.out
}
check audit_log_edit_detected tampered_detected
refuses_tampered() {
  sed "s|$work/audit.sqlite|$work/tampered.sqlite|" issuer.toml >issuer-tampered.toml
  if timeout 60 "$sealkit" issuer serve --config "$work/issuer-tampered.toml" >refuse.out 2>&1; then return 1; fi
  ! grep -q '^listening on' refuse.out
}
check issuer_refuses_tampered_log refuses_tampered

summary
