#!/usr/bin/env bash
# Load test of the issuer service on loopback: requests per second and latency percentiles of
# POST /v1/timestamp and POST /v1/certificate at several concurrencies.
#
#   bash benches/issuer/run.sh [REQUESTS] [CONCURRENCIES]      (defaults: 2000 "1 8 32")
#
# Builds `sealkit` and the load generator (benches/src/bin/issuer-load.rs) in release mode,
# starts the test token issuer (tests/oidc/token_issuer.py, for certificate requests: one fresh
# ES256 token per request, minted before the clock starts, since a token buys one certificate)
# and `sealkit issuer serve` with a fresh SQLite audit log in a temporary directory, then runs
# the generator once per endpoint and concurrency. Client and service share the machine's
# cores: the generator runs on one thread. This measures; it asserts nothing about speed (it
# fails only if a request is refused or not answered).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
requests=${1:-2000}
concurrencies=${2:-"1 8 32"}

bash tests/oidc/setup.sh
py="$root/tests/oidc/.venv/bin/python"
cargo build -q --release -p sealkit-cli -p sealkit-benches --bin sealkit --bin issuer-load
sealkit="$root/target/release/sealkit"
load="$root/target/release/issuer-load"

work=$(mktemp -d)
pids=()
# shellcheck disable=SC2317 # invoked by the trap
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
url=""
start() { # start NAME COMMAND...: waits for `listening on http://ADDR` and sets $url
  local name=$1
  shift
  "$@" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=("$!")
  local i
  for i in $(seq 1 300); do
    url=$(sed -n '1s/^listening on \(http:\/\/.*\)$/\1/p' "$work/$name.out")
    if [ -n "$url" ]; then return 0; fi
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
    : "$i"
  done
  cat "$work/$name.err" >&2
  echo "error: $name did not start" >&2
  exit 1
}

start ti "$py" tests/oidc/token_issuer.py --audience sealkit
ti=$url
cd "$work"
"$sealkit" keygen -o root --unencrypted >/dev/null 2>&1
cat >issuer.toml <<TOML
listen = "127.0.0.1:0"
name = "sealkit-bench-issuer"
issuing_key = "$work/root.key"
database = "$work/audit.sqlite"

[[provider]]
issuer = "$ti"
audience = "sealkit"
jwks_url = "$ti/jwks"

[[provider.rule]]
claims = { repository = "vendor/app" }
identity = "https://github.com/{job_workflow_ref}"
TOML
# The service's per-request log lines go to a file, not to this terminal.
start issuer "$sealkit" issuer serve --config "$work/issuer.toml"
issuer=$url

echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "service: $issuer (release build), client: issuer-load (one thread), $requests requests per run"
status=0
for c in $concurrencies; do
  "$load" --url "$issuer" --endpoint timestamp --requests "$requests" --concurrency "$c" || status=1
done
for c in $concurrencies; do
  curl -sf -d "{\"kind\": \"good\", \"alg\": \"ES256\", \"count\": $requests}" "$ti/mint" >tokens.txt
  "$load" --url "$issuer" --endpoint certificate --tokens tokens.txt --requests "$requests" --concurrency "$c" ||
    status=1
done
echo "audit log: $("$py" "$root/tests/oidc/client.py" audit-count "$work/audit.sqlite") entries"
"$sealkit" issuer log --db "$work/audit.sqlite" --verify >/dev/null || status=1
exit "$status"
