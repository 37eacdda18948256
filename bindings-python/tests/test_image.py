"""Container images: sign_image / verify_image on OCI layouts and docker save archives built
here from plain tar layers (no container engine), the same fixtures as cli/tests/oci.rs, and
interoperability with the CLI and skopeo."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest
import sealkit
from helpers import OTHER_SEED, key
from test_buffers import Counter, progress_during
from test_buffers import counter as counter_fixture  # noqa: F401 (the `counter` fixture)

MANIFEST = "application/vnd.oci.image.manifest.v1+json"
INDEX = "application/vnd.oci.image.index.v1+json"
LAYER = "application/vnd.oci.image.layer.v1.tar"
CONFIG = "application/vnd.oci.image.config.v1+json"
REF_NAME = "org.opencontainers.image.ref.name"


def layer_tar(files: list[tuple[str, bytes]]) -> bytes:
    """A deterministic tar layer holding ``files``."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        for name, data in files:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            info.mtime = 0
            t.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def three_layers() -> list[bytes]:
    return [
        layer_tar([("etc/os-release", b"ID=test\n")]),
        layer_tar([("usr/bin/app", bytes([7]) * 300_000)]),
        layer_tar([("etc/app.conf", b"port=80\n")]),
    ]


class Layout:
    """An OCI image layout being built."""

    def __init__(self, d: Path) -> None:
        self.dir = d
        (d / "blobs" / "sha256").mkdir(parents=True)
        (d / "oci-layout").write_bytes(b'{"imageLayoutVersion":"1.0.0"}')
        self.index: list[dict[str, Any]] = []
        self.write_index()

    def blob(self, media_type: str, data: bytes) -> dict[str, Any]:
        h = hashlib.sha256(data).hexdigest()
        (self.dir / "blobs" / "sha256" / h).write_bytes(data)
        return {"mediaType": media_type, "digest": f"sha256:{h}", "size": len(data)}

    def path_of(self, desc: dict[str, Any]) -> Path:
        return self.dir / "blobs" / "sha256" / desc["digest"][7:]

    def image(
        self, arch: str, layers: list[bytes]
    ) -> tuple[dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
        descs = [self.blob(LAYER, x) for x in layers]
        diff_ids = [f"sha256:{hashlib.sha256(x).hexdigest()}" for x in layers]
        config = {
            "architecture": arch,
            "os": "linux",
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "config": {},
        }
        c = self.blob(CONFIG, json.dumps(config).encode())
        m = {"schemaVersion": 2, "mediaType": MANIFEST, "config": c, "layers": descs}
        return self.blob(MANIFEST, json.dumps(m).encode()), c, descs

    def tag(self, desc: dict[str, Any], tag: str) -> None:
        current = json.loads((self.dir / "index.json").read_text())
        kept = [e for e in current["manifests"] if e.get("annotations", {}).get(REF_NAME) != tag]
        kept.append({**desc, "annotations": {REF_NAME: tag}})
        self.index = kept
        self.write_index()

    def write_index(self) -> None:
        idx = {"schemaVersion": 2, "manifests": self.index}
        (self.dir / "index.json").write_text(json.dumps(idx))


def policy(k: sealkit.SigningKey | None = None) -> sealkit.TrustPolicy:
    return sealkit.TrustPolicy([(k or key()).public_key])


def signed_image(
    tmp: Path,
) -> tuple[Layout, dict[str, Any], dict[str, Any], list[dict[str, Any]]]:
    lay = Layout(tmp / "img")
    m, c, layers = lay.image("amd64", three_layers())
    lay.tag(m, "v1")
    env = sealkit.sign_image(
        f"oci:{lay.dir}:v1", key(), identity="ci@vendor.example", version=3, issued_at=1
    )
    assert env[0] == 0xD2
    return lay, m, c, layers


def test_good_layout_signature_stored_as_a_referrer(tmp_path: Path) -> None:
    lay, m, c, layers = signed_image(tmp_path)
    r = sealkit.verify_image(f"oci:{lay.dir}:v1", policy())
    assert r.manifest_digest == m["digest"]
    assert r.media_type == MANIFEST
    assert r.signature.startswith("referrer sha256:")
    assert r.verified.subject == "v1"
    assert r.verified.identity == "ci@vendor.example"
    assert r.verified.version == 3
    assert r.platform is None
    assert [(b.role, b.digest, b.ok) for b in r.blobs] == [
        ("config", c["digest"], True),
        ("layer 1", layers[0]["digest"], True),
        ("layer 2", layers[1]["digest"], True),
        ("layer 3", layers[2]["digest"], True),
    ]
    assert r.blobs[2].size == layers[1]["size"]
    assert r.bytes_checked == c["size"] + sum(x["size"] for x in layers)
    assert r.unreferenced == []
    # The only image is found without a tag.
    assert sealkit.verify_image(f"oci:{lay.dir}", policy()).manifest_digest == m["digest"]


def test_tampered_layer_names_the_blob(tmp_path: Path) -> None:
    lay, _, _, layers = signed_image(tmp_path)
    p = lay.path_of(layers[1])
    data = bytearray(p.read_bytes())
    data[1000] ^= 1
    p.write_bytes(bytes(data))
    with pytest.raises(sealkit.ImageContentMismatch) as e:
        sealkit.verify_image(f"oci:{lay.dir}:v1", policy())
    err = e.value
    assert (err.code, err.name) == (929, "image_content_mismatch")
    assert isinstance(err, sealkit.VerificationError) and err.rejected
    assert err.digest == layers[1]["digest"]
    assert [(f.role, f.digest, f.code, f.name) for f in err.failures] == [
        ("layer 2", layers[1]["digest"], 925, "blob_digest_mismatch")
    ]
    assert [b.ok for b in err.blobs] == [True, True, False, True]


def retag(lay: Layout, desc: dict[str, Any]) -> None:
    lay.tag(desc, "v1")


def test_swapped_layer_and_extra_blob_reference(tmp_path: Path) -> None:
    lay, m, c, layers = signed_image(tmp_path)
    detached = sealkit.sign_image(f"oci:{lay.dir}:v1", key(), output=tmp_path / "img.sig")
    assert (tmp_path / "img.sig").read_bytes() == detached
    swapped = {
        "schemaVersion": 2,
        "mediaType": MANIFEST,
        "config": c,
        "layers": [layers[1], layers[0], layers[2]],
    }
    retag(lay, lay.blob(MANIFEST, json.dumps(swapped).encode()))
    # The stored signature names the old manifest as its subject.
    with pytest.raises(sealkit.SignatureNotFound) as nf:
        sealkit.verify_image(f"oci:{lay.dir}:v1", policy())
    assert nf.value.code == 926 and nf.value.digest is not None
    with pytest.raises(sealkit.DigestMismatch) as dm:
        sealkit.verify_image(f"oci:{lay.dir}:v1", policy(), sig=detached)
    assert dm.value.code == 302

    extra = lay.blob(LAYER, layer_tar([("evil", b"x")]))
    more = {"schemaVersion": 2, "mediaType": MANIFEST, "config": c, "layers": [*layers, extra]}
    retag(lay, lay.blob(MANIFEST, json.dumps(more).encode()))
    with pytest.raises(sealkit.ArtifactTooLong) as tl:
        sealkit.verify_image(f"oci:{lay.dir}:v1", policy(), sig=tmp_path / "img.sig")
    assert tl.value.code == 300

    # Back to the signed manifest: it verifies, and the leftovers are listed.
    retag(lay, m)
    r = sealkit.verify_image(f"oci:{lay.dir}:v1", policy())
    assert len(r.unreferenced) == 3


def test_missing_signature_and_wrong_key(tmp_path: Path) -> None:
    lay = Layout(tmp_path / "img")
    m, _, _ = lay.image("amd64", three_layers())
    lay.tag(m, "v1")
    with pytest.raises(sealkit.SignatureNotFound) as e:
        sealkit.verify_image(f"oci:{lay.dir}:v1", policy())
    assert e.value.code == 926 and e.value.rejected
    sealkit.sign_image(f"oci:{lay.dir}:v1", key())
    other = sealkit.SigningKey.from_seed(OTHER_SEED)
    with pytest.raises(sealkit.UntrustedKey) as u:
        sealkit.verify_image(f"oci:{lay.dir}:v1", policy(other))
    assert u.value.code == 202 and m["digest"] in str(u.value)
    with pytest.raises(sealkit.SubjectMismatch):
        sealkit.verify_image(
            f"oci:{lay.dir}:v1", sealkit.TrustPolicy([key().public_key], subject="v2")
        )


def test_bad_layouts_and_broken_images(tmp_path: Path) -> None:
    with pytest.raises(sealkit.NotAnImageLayout) as e:
        sealkit.verify_image(f"oci:{tmp_path / 'nothing'}:v1", policy())
    assert e.value.code == 920 and not e.value.rejected
    lay, m, c, layers = signed_image(tmp_path)
    with pytest.raises(sealkit.ImageNotFound) as nf:
        sealkit.verify_image(f"oci:{lay.dir}:v9", policy())
    assert nf.value.code == 921
    with pytest.raises(ValueError):
        sealkit.verify_image(str(lay.dir), policy())
    with pytest.raises(sealkit.NotAnImageLayout):
        sealkit.verify_image("registry://127.0.0.1:5000/app:1", policy())
    # Signing refuses an image whose blobs are already broken.
    os.remove(lay.path_of(layers[0]))
    with pytest.raises(sealkit.ImageContentMismatch) as broken:
        sealkit.sign_image(f"oci:{lay.dir}:v1", key())
    assert broken.value.failures[0].code == 923
    assert broken.value.digest == layers[0]["digest"]
    os.remove(lay.path_of(m))
    with pytest.raises(sealkit.BlobMissing) as missing:
        sealkit.verify_image(f"oci:{lay.dir}:v1", policy())
    assert missing.value.digest == m["digest"]


def multi_platform(tmp: Path) -> tuple[Layout, dict[str, Any], dict[str, Any], list[Any]]:
    lay = Layout(tmp / "multi")
    amd, _, _ = lay.image("amd64", three_layers())
    arm, _, arm_layers = lay.image("arm64", [layer_tar([("bin/arm", b"arm")])])
    a = {**amd, "platform": {"os": "linux", "architecture": "amd64"}}
    b = {**arm, "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}}
    idx = {"schemaVersion": 2, "mediaType": INDEX, "manifests": [a, b]}
    i = lay.blob(INDEX, json.dumps(idx).encode())
    lay.tag(i, "1.0")
    return lay, i, arm, arm_layers


def test_index_signed_whole_or_one_platform(tmp_path: Path) -> None:
    lay, i, arm, arm_layers = multi_platform(tmp_path)
    target = f"oci:{lay.dir}:1.0"
    sealkit.sign_image(target, key())
    r = sealkit.verify_image(target, policy())
    assert r.media_type == INDEX and r.manifest_digest == i["digest"]
    assert len(r.blobs) == 2 + 4 + 2
    # One platform: its manifest is signed, and verified without the index's signature.
    sealkit.sign_image(target, key(), platform="linux/arm64")
    r = sealkit.verify_image(target, policy(), platform="linux/arm64/v8")
    assert r.manifest_digest == arm["digest"] and r.media_type == MANIFEST
    assert r.platform == ("linux/arm64/v8", i["digest"])
    assert [b.role for b in r.blobs] == ["config", "layer 1"]
    with pytest.raises(sealkit.ImageNotFound):
        sealkit.verify_image(target, policy(), platform="linux/s390x")
    # A tampered arm layer fails both the index and the platform verification.
    p = lay.path_of(arm_layers[0])
    data = bytearray(p.read_bytes())
    data[600] ^= 4
    p.write_bytes(bytes(data))
    with pytest.raises(sealkit.ImageContentMismatch) as e:
        sealkit.verify_image(target, policy())
    assert [f.role for f in e.value.failures] == [
        "layer 1 of manifest linux/arm64/v8 (entry 2) of the image index"
    ]
    with pytest.raises(sealkit.ImageContentMismatch) as e2:
        sealkit.verify_image(target, policy(), platform="linux/arm64")
    assert e2.value.digest == arm_layers[0]["digest"]


def skopeo() -> str:
    found = shutil.which("skopeo")
    if found is None:
        raise RuntimeError("skopeo is not installed: run scripts/oci-fixtures/install.sh")
    return found


def test_docker_archive_plain_and_gzip_through_skopeo(tmp_path: Path, cli: Path) -> None:
    lay = Layout(tmp_path / "img")
    m, _, _ = lay.image("amd64", three_layers())
    lay.tag(m, "v1")
    archive = tmp_path / "app.tar"
    subprocess.run(
        [
            skopeo(),
            "--insecure-policy",
            "copy",
            "-q",
            f"oci:{lay.dir}:v1",
            f"docker-archive:{archive}:app:1",
        ],
        check=True,
        capture_output=True,
    )
    sealkit.sign_image(f"docker-archive:{archive}", key(), issued_at=1)
    assert (tmp_path / "app.tar.sig").exists()
    r = sealkit.verify_image(f"docker-archive:{archive}", policy())
    assert r.verified.subject in ("app:1", "docker.io/library/app:1")
    assert all(b.ok for b in r.blobs) and len(r.blobs) >= 2
    # The CLI verifies what Python signed.
    pub = key().public_key.text
    out = subprocess.run(
        [cli, "verify", f"docker-archive:{archive}", "-k", pub, "--json"], capture_output=True
    )
    assert out.returncode == 0, out
    assert json.loads(out.stdout)["manifest_digest"] == r.manifest_digest
    # The same archive through gzip, found by its magic bytes.
    gz = tmp_path / "app.tar.gz"
    gz.write_bytes(gzip.compress(archive.read_bytes()))
    rz = sealkit.verify_image(f"docker-archive:{gz}", policy(), sig=tmp_path / "app.tar.sig")
    assert rz.manifest_digest == r.manifest_digest
    # A damaged archive is an error, not a crash.
    whole = gz.read_bytes()
    (tmp_path / "bad.tar.gz").write_bytes(whole[: len(whole) - 9])
    with pytest.raises(sealkit.ArchiveInvalid) as e:
        sealkit.verify_image(
            f"docker-archive:{tmp_path / 'bad.tar.gz'}", policy(), sig=tmp_path / "app.tar.sig"
        )
    assert e.value.code == 927


def test_cli_signed_layout_verifies_in_python(tmp_path: Path, cli: Path) -> None:
    lay = Layout(tmp_path / "img")
    m, _, _ = lay.image("amd64", three_layers())
    lay.tag(m, "v1")
    keyfile = tmp_path / "vendor.key"
    keyfile.write_text(key().to_key_file())
    os.chmod(keyfile, 0o600)
    out = subprocess.run(
        [cli, "sign", f"oci:{lay.dir}:v1", "-k", keyfile, "--issued-at", "5"],
        capture_output=True,
    )
    assert out.returncode == 0, out
    r = sealkit.verify_image(f"oci:{lay.dir}:v1", policy())
    assert r.manifest_digest == m["digest"] and r.verified.issued_at == 5


def test_verify_image_releases_the_gil(tmp_path: Path, request: pytest.FixtureRequest) -> None:
    counter: Counter = request.getfixturevalue("counter_fixture")
    lay = Layout(tmp_path / "img")
    m, _, _ = lay.image("amd64", [bytes(64 * 1024 * 1024)])
    lay.tag(m, "v1")
    sealkit.sign_image(f"oci:{lay.dir}:v1", key())
    r: list[sealkit.ImageVerification] = []
    assert (
        progress_during(
            counter, lambda: r.append(sealkit.verify_image(f"oci:{lay.dir}:v1", policy()))
        )
        > 0
    )
    assert r[0].bytes_checked > 64 * 1024 * 1024
