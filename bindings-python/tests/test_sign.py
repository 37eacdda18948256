"""Signing for release scripts, and key files made by the CLI."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import sealkit
from helpers import SEED, key

DATA = b"release artifact\n" * 1000


@pytest.mark.parametrize("alg", ["Ed25519", "EdDSA"])
@pytest.mark.parametrize("hash_alg", ["sha256", "sha512"])
def test_round_trip(alg: str, hash_alg: str, tmp_path: Path) -> None:
    k = key()
    sig = sealkit.sign_bytes(
        DATA,
        k,
        subject="app.tar",
        identity="rel@example.org",
        version=12,
        hash=hash_alg,
        alg=alg,
        issued_at=1_700_000_000,
    )
    policy = sealkit.TrustPolicy(
        [k.public_key], identity="rel@example.org", subject="app.tar", min_version=12
    )
    facts = sealkit.verify_bytes(DATA, sig, policy)
    assert (
        facts.alg,
        facts.hash_alg,
        facts.identity,
        facts.subject,
        facts.version,
        facts.issued_at,
        facts.length,
        facts.key_id,
        facts.content_format,
        facts.media_type,
    ) == (
        alg,
        hash_alg,
        "rel@example.org",
        "app.tar",
        12,
        1_700_000_000,
        len(DATA),
        k.public_key.key_id,
        42,
        None,
    )
    assert len(facts.digest) == (32 if hash_alg == "sha256" else 64)
    art = tmp_path / "app.tar"
    art.write_bytes(DATA)
    file_sig = sealkit.sign_file(
        art,
        k,
        identity="rel@example.org",
        version=12,
        hash=hash_alg,
        alg=alg,
        issued_at=1_700_000_000,
    )
    # Deterministic Ed25519 and the same claims (subject from the file name): same bytes.
    assert file_sig == sig
    assert sealkit.verify_file(art, file_sig, policy).digest == facts.digest


def test_content_type_and_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    k = key()
    policy = sealkit.TrustPolicy([k.public_key])
    sig = sealkit.sign_bytes(DATA, k, subject="a", content_type="application/x-tar")
    facts = sealkit.verify_bytes(DATA, sig, policy)
    assert (facts.media_type, facts.content_format) == ("application/x-tar", None)
    assert (facts.alg, facts.hash_alg, facts.identity, facts.version) == (
        "Ed25519",
        "sha256",
        None,
        None,
    )
    sig = sealkit.sign_bytes(DATA, k, subject="a", content_type=0)
    assert sealkit.verify_bytes(DATA, sig, policy).content_format == 0
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1234567")
    sig = sealkit.sign_bytes(DATA, k, subject="a")
    assert sealkit.verify_bytes(DATA, sig, policy).issued_at == 1234567
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(ValueError):
        sealkit.sign_bytes(DATA, k, subject="a")


def test_bad_claims_fail_before_hashing(tmp_path: Path) -> None:
    k = key()
    with pytest.raises(sealkit.errors.EmptyArgument):
        sealkit.sign_bytes(DATA, k, subject="")
    with pytest.raises(sealkit.errors.ArgumentTooLong):
        sealkit.sign_bytes(DATA, k, subject="a", identity="i" * 1000)
    with pytest.raises(ValueError):
        sealkit.sign_bytes(DATA, k, subject="a", hash="md5")
    with pytest.raises(ValueError):
        sealkit.sign_bytes(DATA, k, subject="a", alg="RS256")
    with pytest.raises(TypeError):
        sealkit.sign_bytes(DATA, k, subject="a", content_type=1.5)  # type: ignore[arg-type]
    # The claims are refused before the (missing) file is opened.
    with pytest.raises(sealkit.errors.EmptyArgument):
        sealkit.sign_file(tmp_path / "missing", k, subject="")
    with pytest.raises(FileNotFoundError):
        sealkit.sign_file(tmp_path / "missing", k)
    with pytest.raises(IsADirectoryError):
        sealkit.sign_file(tmp_path, k, subject="dir")


def test_seeds_and_generation() -> None:
    a, b = sealkit.SigningKey.generate(), sealkit.SigningKey.generate()
    assert a.public_key != b.public_key
    assert sealkit.SigningKey.from_seed(bytearray(SEED)).public_key == key().public_key
    with pytest.raises(sealkit.errors.InvalidSecretKey):
        sealkit.SigningKey.from_seed(bytes(32))
    with pytest.raises(ValueError):
        sealkit.SigningKey.from_seed(b"short")
    assert "key_id=" in repr(a) and SEED.hex() not in repr(key())


def test_cli_key_files(cli: Path, tmp_path: Path) -> None:
    """Keys made by `sealkit keygen` load; both sides sign identically; each verifies the other."""
    pw = tmp_path / "pw"
    pw.write_text("correct horse battery\n")
    subprocess.run(
        [cli, "keygen", "-o", tmp_path / "enc", "--passphrase-file", pw],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [cli, "keygen", "-o", tmp_path / "plain", "--unencrypted"], check=True, capture_output=True
    )
    enc_pub = sealkit.PublicKey.from_text((tmp_path / "enc.pub").read_text())
    k = sealkit.SigningKey.load(tmp_path / "enc.key", "correct horse battery")
    assert k.public_key == enc_pub
    assert (
        sealkit.SigningKey.load(str(tmp_path / "enc.key"), b"correct horse battery").public_key
        == enc_pub
    )
    plain = sealkit.SigningKey.load(tmp_path / "plain.key")
    assert plain.public_key.text == (tmp_path / "plain.pub").read_text().strip()

    art = tmp_path / "fw.bin"
    art.write_bytes(DATA)
    subprocess.run(
        [
            cli,
            "sign",
            art,
            "-k",
            tmp_path / "enc.key",
            "--passphrase-file",
            pw,
            "--issued-at",
            "1700000000",
            "--version",
            "4",
            "--identity",
            "ci@x",
            "-o",
            tmp_path / "cli.sig",
        ],
        check=True,
        capture_output=True,
    )
    py_sig = sealkit.sign_file(art, k, issued_at=1_700_000_000, version=4, identity="ci@x")
    assert py_sig == (tmp_path / "cli.sig").read_bytes()
    (tmp_path / "py.sig").write_bytes(
        sealkit.sign_file(art, plain, version=9, hash="sha512", alg="EdDSA")
    )
    r = subprocess.run(
        [
            cli,
            "verify",
            art,
            "--sig",
            tmp_path / "py.sig",
            "--key",
            tmp_path / "plain.pub",
            "--min-version",
            "9",
        ],
        capture_output=True,
    )
    assert r.returncode == 0, r
    art.write_bytes(DATA + b"x")
    r = subprocess.run(
        [cli, "verify", art, "--sig", tmp_path / "py.sig", "--key", tmp_path / "plain.pub"],
        capture_output=True,
    )
    assert r.returncode == 1, r


def test_key_file_errors(cli: Path, tmp_path: Path) -> None:
    pw = tmp_path / "pw"
    pw.write_text("right\n")
    subprocess.run(
        [cli, "keygen", "-o", tmp_path / "k", "--passphrase-file", pw],
        check=True,
        capture_output=True,
    )
    with pytest.raises(sealkit.KeyFileError, match="wrong passphrase") as e:
        sealkit.SigningKey.load(tmp_path / "k.key", "wrong")
    assert (e.value.code, e.value.name) == (902, "key_error")
    with pytest.raises(sealkit.KeyFileError, match="passphrase"):
        sealkit.SigningKey.load(tmp_path / "k.key")
    with pytest.raises(sealkit.KeyFileError, match="public key"):
        sealkit.SigningKey.load(tmp_path / "k.pub")
    (tmp_path / "junk").write_bytes(os.urandom(64))
    with pytest.raises(sealkit.KeyFileError):
        sealkit.SigningKey.load(tmp_path / "junk")
    (tmp_path / "huge").write_bytes(b"a" * 5000)
    with pytest.raises(sealkit.KeyFileError, match="too large"):
        sealkit.SigningKey.load(tmp_path / "huge")
    with pytest.raises(FileNotFoundError):
        sealkit.SigningKey.load(tmp_path / "missing.key")
    with pytest.raises(OSError):
        sealkit.SigningKey.load(tmp_path)
    with pytest.raises(TypeError):
        sealkit.SigningKey.load(tmp_path / "k.key", 42)  # type: ignore[arg-type]


def test_key_files_written_by_python_work_with_the_cli(cli: Path, tmp_path: Path) -> None:
    k = sealkit.SigningKey.generate()
    enc = tmp_path / "py.key"
    fd = os.open(enc, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(k.to_key_file("s3cret passphrase"))
    assert enc.read_text().startswith("sealkit-secret-v1:")
    assert sealkit.SigningKey.load(enc, "s3cret passphrase").public_key == k.public_key
    with pytest.raises(sealkit.KeyFileError, match="wrong passphrase"):
        sealkit.SigningKey.load(enc, "other")
    plain_text = k.to_key_file()
    plain = tmp_path / "plain.key"
    plain.write_text(plain_text)
    assert sealkit.SigningKey.load(plain).public_key == k.public_key
    with pytest.raises(ValueError):
        k.to_key_file("")
    with pytest.raises(TypeError):
        k.to_key_file(3)  # type: ignore[arg-type]

    # The CLI signs with the Python-written encrypted key file.
    art = tmp_path / "a.bin"
    art.write_bytes(DATA)
    pw = tmp_path / "pw"
    pw.write_text("s3cret passphrase\n")
    subprocess.run(
        [cli, "sign", art, "-k", enc, "--passphrase-file", pw, "-o", tmp_path / "a.sig"],
        check=True,
        capture_output=True,
    )
    policy = sealkit.TrustPolicy([k.public_key])
    assert sealkit.verify_file(art, tmp_path / "a.sig", policy).length == len(DATA)
