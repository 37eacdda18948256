#!/usr/bin/env bash
# Installs what the container image tests (cli/tests/oci.rs) need, idempotently: Debian's
# skopeo (copies images between layouts, archives and registries) and docker-registry (the
# registry the tests start on 127.0.0.1). Prints nothing to do when both are present.
set -euo pipefail
cd "$(dirname "$0")/../.."

missing=()
command -v skopeo >/dev/null 2>&1 || missing+=(skopeo)
command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
command -v gzip >/dev/null 2>&1 || missing+=(gzip)
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="$(command -v sudo)"
fi
echo "oci-fixtures: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
