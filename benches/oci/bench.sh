#!/usr/bin/env bash
# Speed of `sealkit verify oci:DIR:TAG` (signature, manifest, then every blob re-hashed as a
# stream) against the baseline `sha256sum` of the same blob files, measured side by side in the
# same run, and the peak memory of each (bounded for sealkit whatever the layer size).
# Usage: benches/oci/bench.sh [LAYER_MIB] [ROUNDS]   (defaults: 512 MiB, 3 rounds)
# BASELINE=/path/to/older/sealkit also times another build in the same rounds.
set -euo pipefail
cd "$(dirname "$0")/../.."
MIB="${1:-512}"
ROUNDS="${2:-3}"
cargo build -q --release -p sealkit-cli
BIN="$PWD/target/release/sealkit"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
python3 - "$WORK/img" "$MIB" <<'PY'
import hashlib, json, os, sys
d, mib = sys.argv[1], int(sys.argv[2])
os.makedirs(f"{d}/blobs/sha256")
def blob(mt, path_or_bytes):
    if isinstance(path_or_bytes, bytes):
        h = hashlib.sha256(path_or_bytes).hexdigest()
        open(f"{d}/blobs/sha256/{h}", "wb").write(path_or_bytes)
        return {"mediaType": mt, "digest": "sha256:" + h, "size": len(path_or_bytes)}
layers = []
for i in range(2):
    tmp = f"{d}/layer.tmp"
    h = hashlib.sha256()
    with open(tmp, "wb") as f:
        chunk = os.urandom(1 << 20)
        for j in range(mib // 2):
            b = bytes([j & 0xff]) + chunk[1:]
            f.write(b); h.update(b)
    size = os.path.getsize(tmp)
    os.rename(tmp, f"{d}/blobs/sha256/{h.hexdigest()}")
    layers.append({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": "sha256:" + h.hexdigest(), "size": size})
cfg = blob("application/vnd.oci.image.config.v1+json", json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [l["digest"] for l in layers]}}).encode())
m = blob("application/vnd.oci.image.manifest.v1+json", json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": cfg, "layers": layers}).encode())
m["annotations"] = {"org.opencontainers.image.ref.name": "v1"}
json.dump({"schemaVersion": 2, "manifests": [m]}, open(f"{d}/index.json", "w"))
json.dump({"imageLayoutVersion": "1.0.0"}, open(f"{d}/oci-layout", "w"))
PY
(cd "$WORK" && "$BIN" keygen -o k --unencrypted >/dev/null 2>&1 && "$BIN" sign oci:img:v1 -k k.key >/dev/null 2>&1)
cat "$WORK"/img/blobs/sha256/* >/dev/null   # page cache warm for both
now() { date +%s.%N; }
best_s=999999; best_b=999999; best_o=999999
for r in $(seq "$ROUNDS"); do
    t0=$(now); (cd "$WORK" && "$BIN" verify oci:img:v1 -k k.pub >/dev/null); t1=$(now)
    (cd "$WORK/img/blobs/sha256" && sha256sum ./* >/dev/null); t2=$(now)
    s=$(echo "$t1 - $t0" | bc -l); b=$(echo "$t2 - $t1" | bc -l)
    best_s=$(echo "if ($s < $best_s) $s else $best_s" | bc -l)
    best_b=$(echo "if ($b < $best_b) $b else $best_b" | bc -l)
    printf 'round %d: sealkit verify %.3f s, sha256sum %.3f s\n' "$r" "$s" "$b"
    if [ -n "${BASELINE:-}" ]; then
        (cd "$WORK" && "$BASELINE" verify oci:img:v1 -k k.pub >/dev/null); t3=$(now)
        o=$(echo "$t3 - $t2" | bc -l)
        best_o=$(echo "if ($o < $best_o) $o else $best_o" | bc -l)
        printf '         baseline build %.3f s\n' "$o"
    fi
done
rss_s=$(cd "$WORK" && /usr/bin/time -f %M "$BIN" verify oci:img:v1 -k k.pub 2>&1 >/dev/null | tail -1)
rss_b=$(cd "$WORK/img/blobs/sha256" && /usr/bin/time -f %M sha256sum ./* 2>&1 >/dev/null | tail -1)
printf 'image of %d MiB in 2 layers; best of %d rounds\n' "$MIB" "$ROUNDS"
printf 'sealkit verify oci: %.3f s (%.0f MiB/s), peak RSS %s KiB\n' "$best_s" "$(echo "$MIB / $best_s" | bc -l)" "$rss_s"
printf 'sha256sum baseline: %.3f s (%.0f MiB/s), peak RSS %s KiB\n' "$best_b" "$(echo "$MIB / $best_b" | bc -l)" "$rss_b"
printf 'ratio sealkit/sha256sum time: %.2f\n' "$(echo "$best_s / $best_b" | bc -l)"
if [ -n "${BASELINE:-}" ]; then
    printf 'baseline build: %.3f s; this build / baseline: %.2f\n' "$best_o" "$(echo "$best_s / $best_o" | bc -l)"
fi
