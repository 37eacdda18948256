"""verify_file: streaming a file, and clean errors for bad files and paths."""

from __future__ import annotations

from pathlib import Path

import pytest
import sealkit
from helpers import signed

DATA = bytes(range(256)) * 8192 + b"tail"  # 2 MiB + 4: several 1 MiB reads


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path, sealkit.TrustPolicy]:
    sig, policy = signed(DATA, version=5)
    art = tmp_path / "artifact.bin"
    art.write_bytes(DATA)
    sig_path = tmp_path / "artifact.bin.sig"
    sig_path.write_bytes(sig)
    return art, sig_path, policy


def test_good_file(files: tuple[Path, Path, sealkit.TrustPolicy]) -> None:
    art, sig, policy = files
    facts = sealkit.verify_file(art, sig, policy)
    assert (facts.length, facts.version, facts.subject) == (len(DATA), 5, "artifact.bin")
    assert sealkit.verify_file(str(art), sig.read_bytes(), policy).digest == facts.digest
    assert sealkit.verify_file(art, bytearray(sig.read_bytes()), policy).length == len(DATA)


def test_tampered_file(files: tuple[Path, Path, sealkit.TrustPolicy]) -> None:
    art, sig, policy = files
    data = bytearray(DATA)
    data[1_500_000] ^= 1
    art.write_bytes(data)
    with pytest.raises(sealkit.DigestMismatch):
        sealkit.verify_file(art, sig, policy)


def test_truncated_file(files: tuple[Path, Path, sealkit.TrustPolicy]) -> None:
    art, sig, policy = files
    art.write_bytes(DATA[:-1])
    with pytest.raises(sealkit.ArtifactTooShort) as e:
        sealkit.verify_file(art, sig, policy)
    assert isinstance(e.value, sealkit.LengthMismatch)


def test_extended_file(files: tuple[Path, Path, sealkit.TrustPolicy]) -> None:
    art, sig, policy = files
    art.write_bytes(DATA + b"\0")
    with pytest.raises(sealkit.ArtifactTooLong):
        sealkit.verify_file(art, sig, policy)


def test_empty_file(files: tuple[Path, Path, sealkit.TrustPolicy]) -> None:
    art, sig, policy = files
    art.write_bytes(b"")
    with pytest.raises(sealkit.ArtifactTooShort):
        sealkit.verify_file(art, sig, policy)


def test_directory(files: tuple[Path, Path, sealkit.TrustPolicy]) -> None:
    art, sig, policy = files
    with pytest.raises(IsADirectoryError):
        sealkit.verify_file(art.parent, sig, policy)


def test_missing_file(files: tuple[Path, Path, sealkit.TrustPolicy]) -> None:
    art, sig, policy = files
    with pytest.raises(FileNotFoundError):
        sealkit.verify_file(art.parent / "nope", sig, policy)


def test_missing_signature_file(files: tuple[Path, Path, sealkit.TrustPolicy]) -> None:
    art, sig, policy = files
    with pytest.raises(FileNotFoundError):
        sealkit.verify_file(art, art.parent / "nope.sig", policy)


def test_signature_checked_before_the_file_is_opened(
    files: tuple[Path, Path, sealkit.TrustPolicy],
) -> None:
    art, sig, _ = files
    with pytest.raises(sealkit.UntrustedKey):
        sealkit.verify_file(art.parent / "never-opened", sig, sealkit.TrustPolicy())


def test_oversized_signature_file(files: tuple[Path, Path, sealkit.TrustPolicy]) -> None:
    art, sig, policy = files
    big = art.parent / "big.sig"
    big.write_bytes(b"\xd2" * (10 * 1024 * 1024))
    with pytest.raises(sealkit.errors.EnvelopeTooLarge) as e:
        sealkit.verify_file(art, big, policy)
    assert e.value.code == 129


def test_bad_argument_types(files: tuple[Path, Path, sealkit.TrustPolicy]) -> None:
    art, sig, policy = files
    with pytest.raises(TypeError):
        sealkit.verify_file(art, 42, policy)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sealkit.verify_file(art, sig, "policy")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        sealkit.verify_bytes("text", sig, policy)  # type: ignore[arg-type]
