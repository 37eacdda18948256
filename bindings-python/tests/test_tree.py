"""Folders: sign_tree / verify_tree, every tamper kind, and interoperability with the CLI."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import sealkit
from helpers import OTHER_SEED, key
from test_buffers import Counter, progress_during
from test_buffers import counter as counter_fixture  # noqa: F401 (the `counter` fixture)


def make_tree(root: Path) -> Path:
    t = root / "plug"
    (t / "bin").mkdir(parents=True)
    (t / "lib" / "deep").mkdir(parents=True)
    (t / "empty").mkdir()
    (t / "bin" / "run").write_bytes(b"#!/bin/sh\necho hi\n")
    os.chmod(t / "bin" / "run", 0o755)
    (t / "lib" / "a.so").write_bytes(bytes(i % 251 for i in range(200_000)))
    (t / "lib" / "deep" / "data.txt").write_bytes(b"data")
    (t / "README").write_bytes(b"read me")
    os.symlink("a.so", t / "lib" / "current")
    os.symlink("../../etc/passwd", t / "lib" / "escape")
    return t


def policy() -> sealkit.TrustPolicy:
    return sealkit.TrustPolicy([key().public_key])


def changes(tree: Path, sig: bytes) -> list[tuple[str, str]]:
    with pytest.raises(sealkit.TreeMismatch) as e:
        sealkit.verify_tree(tree, sig, policy())
    assert e.value.code == 910 and e.value.name == "tree_mismatch"
    return [(d.change, d.path) for d in e.value.differences]


def test_round_trip(tmp_path: Path) -> None:
    t = make_tree(tmp_path)
    sig = sealkit.sign_tree(t, key(), output=tmp_path / "plug.sig", issued_at=1_700_000_000)
    assert sig[0] == 0x82
    assert (tmp_path / "plug.sig").read_bytes() == sig
    report = sealkit.verify_tree(t, tmp_path / "plug.sig", policy())
    assert report.ok
    assert report.entries == 10
    assert report.verified.subject == "plug"
    assert report.verified.media_type == sealkit.TREE_MEDIA_TYPE
    assert report.outside_symlinks == [("lib/escape", "../../etc/passwd")]
    # Deterministic for a fixed time.
    assert sealkit.sign_tree(t, key(), issued_at=1_700_000_000) == sig


def test_each_tamper_kind(tmp_path: Path) -> None:
    t = make_tree(tmp_path)
    sig = sealkit.sign_tree(t, key())
    data = bytearray((t / "lib" / "a.so").read_bytes())
    data[100_000] ^= 1
    (t / "lib" / "a.so").write_bytes(bytes(data))
    assert changes(t, sig) == [("modified", "lib/a.so")]

    t = make_tree(tmp_path / "2")
    sig = sealkit.sign_tree(t, key())
    (t / "lib" / "deep" / "extra").write_bytes(b"")
    (t / "empty").rmdir()
    os.remove(t / "lib" / "current")
    os.symlink("deep/data.txt", t / "lib" / "current")
    os.chmod(t / "bin" / "run", 0o644)
    assert changes(t, sig) == [
        ("executable_changed", "bin/run"),
        ("removed", "empty"),
        ("target_changed", "lib/current"),
        ("added", "lib/deep/extra"),
    ]
    report = sealkit.verify_tree(t, sig, policy(), check=False)
    assert not report.ok and len(report.differences) == 4


def test_kind_change_and_size_change(tmp_path: Path) -> None:
    t = make_tree(tmp_path)
    sig = sealkit.sign_tree(t, key())
    (t / "README").write_bytes(b"longer text")
    (t / "empty").rmdir()
    (t / "empty").write_bytes(b"")
    assert changes(t, sig) == [("modified", "README"), ("kind_changed", "empty")]


def test_signature_and_policy_errors(tmp_path: Path) -> None:
    t = make_tree(tmp_path)
    sig = sealkit.sign_tree(t, key())
    with pytest.raises(sealkit.errors.UntrustedKey):
        other = sealkit.SigningKey.from_seed(OTHER_SEED)
        sealkit.verify_tree(t, sig, sealkit.TrustPolicy([other.public_key]))
    with pytest.raises(sealkit.SealkitError) as e:
        sealkit.verify_tree(t, sig + b"\x00", policy())
    assert e.value.code == 150 and e.value.name == "tree_signature_malformed"
    flipped = bytearray(sig)
    flipped[-1] ^= 1
    with pytest.raises(sealkit.DigestMismatch):
        sealkit.verify_tree(t, bytes(flipped), policy())
    # A file envelope is not a tree signature.
    env = sealkit.sign_bytes(b"x", key(), subject="x")
    with pytest.raises(sealkit.SealkitError) as e:
        sealkit.verify_tree(t, env, policy())
    assert e.value.code == 150


def test_special_and_non_utf8(tmp_path: Path) -> None:
    t = make_tree(tmp_path)
    os.mkfifo(t / "pipe")
    with pytest.raises(sealkit.SpecialFile) as e:
        sealkit.sign_tree(t, key())
    assert e.value.code == 911
    sig = sealkit.sign_tree(t, key(), exclude=["pipe"])
    assert sealkit.verify_tree(t, sig, policy()).ok
    os.remove(t / "pipe")
    bad = os.path.join(os.fsencode(t), b"caf\xe9")
    with open(bad, "wb") as f:
        f.write(b"x")
    with pytest.raises(sealkit.NotUtf8Name) as e2:
        sealkit.verify_tree(t, sig, policy())
    assert e2.value.code == 912


def test_exclusions_are_signed(tmp_path: Path) -> None:
    t = make_tree(tmp_path)
    (t / "x.log").write_bytes(b"1")
    sig = sealkit.sign_tree(t, key(), exclude=["*.log"])
    (t / "lib" / "y.log").write_bytes(b"2")
    (t / "x.log").write_bytes(b"changed")
    assert sealkit.verify_tree(t, sig, policy()).ok
    (t / "lib" / "y.txt").write_bytes(b"2")
    assert changes(t, sig) == [("added", "lib/y.txt")]


def test_cli_interop(tmp_path: Path, cli: Path) -> None:
    t = make_tree(tmp_path)
    keyfile = tmp_path / "vendor.key"
    keyfile.write_text(key().to_key_file())
    os.chmod(keyfile, 0o600)
    pub = key().public_key.text
    # Python signs, the CLI verifies; the CLI signs, Python verifies; same bytes.
    sig = sealkit.sign_tree(t, key(), output=tmp_path / "py.sig", issued_at=1_700_000_000)
    r = subprocess.run(
        [cli, "verify", t, "--sig", tmp_path / "py.sig", "-k", pub], capture_output=True
    )
    assert r.returncode == 0, r
    r = subprocess.run(
        [cli, "sign", t, "-k", keyfile, "-o", tmp_path / "cli.sig", "--issued-at", "1700000000"],
        capture_output=True,
    )
    assert r.returncode == 0, r
    assert (tmp_path / "cli.sig").read_bytes() == sig
    assert sealkit.verify_tree(t, tmp_path / "cli.sig", policy()).ok


def test_sign_and_verify_tree_release_the_gil(
    tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    counter: Counter = request.getfixturevalue("counter_fixture")
    t = tmp_path / "big"
    t.mkdir()
    with open(t / "blob", "wb") as f:
        f.truncate(64 * 1024 * 1024)
    sig = b""

    def sign() -> None:
        nonlocal sig
        sig = sealkit.sign_tree(t, key(), issued_at=1)

    assert progress_during(counter, sign) > 0
    assert progress_during(counter, lambda: sealkit.verify_tree(t, sig, policy())) > 0
