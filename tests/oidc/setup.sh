#!/usr/bin/env bash
# Installs what tests/oidc needs, idempotently: `npm ci` (only when package-lock.json changed
# since the last install) and the virtualenv tests/oidc/.venv with requirements.txt (only when
# that file changed). Used by scripts/keyless.sh and benches/issuer/run.sh.
#
#   bash tests/oidc/setup.sh
set -euo pipefail
cd "$(dirname "$0")"
for tool in node npm python3; do
  command -v "$tool" >/dev/null 2>&1 || { echo "error: $tool is missing" >&2; exit 2; }
done
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.sealkit-lock 2>/dev/null || true)" != "$lock_sum" ]; then
  npm ci --no-audit --no-fund
  echo "$lock_sum" >node_modules/.sealkit-lock
fi
req_sum=$(sha256sum requirements.txt | cut -d' ' -f1)
if [ "$(cat .venv/.sealkit-requirements 2>/dev/null || true)" != "$req_sum" ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
  echo "$req_sum" >.venv/.sealkit-requirements
fi
