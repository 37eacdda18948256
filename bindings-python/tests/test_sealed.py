"""Sealed streams: Unsealer (any chunking, every rejection), unseal_file and seal_file (nothing
at the destination unless verified), and interoperability with the CLI's `seal`/`unseal`."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import sealkit
from conftest import cli_path
from helpers import key, signed

DATA = bytes(range(256)) * 4096 + b"tail"  # 1 MiB + 4


def seal_bytes(data: bytes, **kw: object) -> tuple[bytes, sealkit.TrustPolicy]:
    sig, policy = signed(data, **kw)
    return sealkit.sealed_header(len(sig)) + sig + data, policy


def unseal_chunked(stream: bytes, policy: sealkit.TrustPolicy, size: int) -> bytes:
    u = sealkit.Unsealer(policy)
    out = bytearray()
    for i in range(0, len(stream), size):
        out += u.update(stream[i : i + size])
    facts = u.finish()
    assert facts.length == len(out)
    assert u.state == "finished"
    return bytes(out)


def test_header() -> None:
    assert sealkit.SEALED_HEADER_LEN == 11
    assert sealkit.sealed_header(0x123) == b"\x89SEALKIT\x01\x01\x23"
    with pytest.raises(sealkit.errors.EnvelopeTooLarge):
        sealkit.sealed_header(sealkit.MAX_ENVELOPE_LEN + 1)
    with pytest.raises(sealkit.errors.EmptyArgument):
        sealkit.sealed_header(0)


@pytest.mark.parametrize("size", [1, 7, 64, 4096, 1 << 20])
def test_unsealer_any_chunking(size: int) -> None:
    data = DATA if size > 1 else DATA[:5000]
    stream, policy = seal_bytes(data)
    assert unseal_chunked(stream, policy, size) == data


def test_unsealer_states_and_buffers() -> None:
    stream, policy = seal_bytes(b"hello")
    u = sealkit.Unsealer(policy)
    assert u.state == "header"
    assert u.signed_length is None
    assert u.update(memoryview(stream)[:5]) == b""
    assert u.update(bytearray(stream[5:12])) == b""
    assert u.state == "envelope"
    assert u.update(stream[12:-2]) == b"hel"
    assert (u.state, u.signed_length, u.bytes_received) == ("payload", 5, 3)
    assert u.update(stream[-2:]) == b"lo"
    assert u.finish().length == 5
    with pytest.raises(sealkit.AlreadyFinished):
        u.finish()
    with pytest.raises(TypeError):
        sealkit.Unsealer(policy).update("text")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("mutate", "exc", "code"),
    [
        (lambda s: s + b"\0", sealkit.ArtifactTooLong, 300),
        (lambda s: s + s, sealkit.ArtifactTooLong, 300),
        (lambda s: s[:-1], sealkit.ArtifactTooShort, 301),
        (lambda s: s[:30], sealkit.SealedStreamTruncated, 142),
        (lambda s: s[:3], sealkit.SealedStreamTruncated, 142),
        (lambda s: b"X" + s[1:], sealkit.NotSealedStream, 140),
        (lambda s: s[:8] + b"\x02" + s[9:], sealkit.UnsupportedSealedVersion, 141),
        (lambda s: s[:9] + b"\xff\xff" + s[11:], sealkit.errors.EnvelopeTooLarge, 129),
        (lambda s: s[:-3] + bytes([s[-3] ^ 1]) + s[-2:], sealkit.DigestMismatch, 302),
    ],
)
def test_unsealer_rejections(mutate, exc, code) -> None:  # type: ignore[no-untyped-def]
    stream, policy = seal_bytes(b"some artifact bytes" * 10)
    bad = mutate(stream)
    u = sealkit.Unsealer(policy)
    with pytest.raises(exc) as info:
        for i in range(0, len(bad), 7):
            u.update(bad[i : i + 7])
        u.finish()
    assert info.value.code == code
    assert u.state == "failed"
    assert isinstance(u.error, exc)
    # Sticky.
    with pytest.raises(exc):
        u.update(b"")
    with pytest.raises(exc):
        u.finish()


def test_bad_signature_fails_before_payload() -> None:
    data = b"payload" * 100
    sig, policy = signed(data)
    bad_sig = sig[:-1] + bytes([sig[-1] ^ 1])
    stream = sealkit.sealed_header(len(bad_sig)) + bad_sig + data
    u = sealkit.Unsealer(policy)
    assert u.update(stream[: 11 + len(sig) - 1]) == b""
    with pytest.raises(sealkit.BadSignature):
        u.update(stream[11 + len(sig) - 1 :])


def test_seal_file_and_unseal_file(tmp_path: Path) -> None:
    src = tmp_path / "app.bin"
    src.write_bytes(DATA)
    k = key()
    policy = sealkit.TrustPolicy([k.public_key])
    env = sealkit.seal_file(src, tmp_path / "app.bin.sealed", k, version=3)
    sealed = (tmp_path / "app.bin.sealed").read_bytes()
    assert sealed == sealkit.sealed_header(len(env)) + env + DATA
    facts = sealkit.unseal_file(tmp_path / "app.bin.sealed", tmp_path / "out.bin", policy)
    assert (facts.length, facts.version, facts.subject) == (len(DATA), 3, "app.bin")
    assert (tmp_path / "out.bin").read_bytes() == DATA
    assert not [p for p in os.listdir(tmp_path) if ".sealkit-" in p]


@pytest.mark.parametrize("cut", [1, 100_000])
def test_unseal_file_failure_leaves_nothing(tmp_path: Path, cut: int) -> None:
    stream, policy = seal_bytes(DATA)
    for bad, exc in [
        (stream[:-cut], sealkit.ArtifactTooShort),
        (stream + b"x" * cut, sealkit.ArtifactTooLong),
    ]:
        (tmp_path / "bad.sealed").write_bytes(bad)
        with pytest.raises(exc):
            sealkit.unseal_file(str(tmp_path / "bad.sealed"), str(tmp_path / "out.bin"), policy)
        assert not (tmp_path / "out.bin").exists()
        (tmp_path / "keep.bin").write_bytes(b"old")
        with pytest.raises(exc):
            sealkit.unseal_file(tmp_path / "bad.sealed", tmp_path / "keep.bin", policy)
        assert (tmp_path / "keep.bin").read_bytes() == b"old"
        assert sorted(os.listdir(tmp_path)) == ["bad.sealed", "keep.bin"]
    with pytest.raises(FileNotFoundError):
        sealkit.unseal_file(tmp_path / "missing", tmp_path / "out.bin", policy)


def test_cli_interop(tmp_path: Path) -> None:
    cli = str(cli_path())
    subprocess.run([cli, "keygen", "-o", str(tmp_path / "k"), "--unencrypted"], check=True)
    src = tmp_path / "a.bin"
    src.write_bytes(DATA)
    subprocess.run(
        [cli, "seal", str(src), "-k", str(tmp_path / "k.key"), "--version", "9"],
        check=True,
        capture_output=True,
    )
    pub = (tmp_path / "k.pub").read_text().strip()
    policy = sealkit.TrustPolicy([pub], min_version=9)
    facts = sealkit.unseal_file(tmp_path / "a.bin.sealed", tmp_path / "b.bin", policy)
    assert facts.version == 9
    assert (tmp_path / "b.bin").read_bytes() == DATA
    # And the other way: Python seals, the CLI unseals.
    k = key()
    sealkit.seal_file(src, tmp_path / "py.sealed", k, subject="a.bin")
    r = subprocess.run(
        [
            cli,
            "unseal",
            str(tmp_path / "py.sealed"),
            "-o",
            str(tmp_path / "c.bin"),
            "-k",
            k.public_key.text,
        ],
        capture_output=True,
    )
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "c.bin").read_bytes() == DATA
