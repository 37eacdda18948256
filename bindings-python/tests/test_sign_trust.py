"""Signing-side trust helpers: a certificate issued in Python signs through the CLI and
verifies in Python with its chain facts; a rotation statement moves trust; a second signature
appended makes a 2-of-2 set."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import sealkit

T0 = 1_800_000_000
DAY = 86_400
CI = "release-ci@vendor.example"


def test_issued_certificate_signs_through_the_cli(tmp_path: Path, cli: Path) -> None:
    root = sealkit.SigningKey.generate()
    ci = sealkit.SigningKey.generate()
    cert = sealkit.issue_certificate(
        root,
        ci.public_key,
        issuer_name="vendor-root",
        subject=CI,
        not_before=T0,
        expires_at=T0 + 30 * DAY,
        cti="leaf-1",
        scope=["app-*"],
    )
    (tmp_path / "ci.key").write_text(ci.to_key_file())
    os.chmod(tmp_path / "ci.key", 0o600)
    (tmp_path / "ci.cert").write_bytes(cert)
    art = tmp_path / "app-1.0.tar.gz"
    art.write_bytes(b"release bytes" * 100)
    args = ["sign", str(art), "--key", str(tmp_path / "ci.key")]
    args += ["--cert", str(tmp_path / "ci.cert"), "--issued-at", str(T0 + DAY)]
    subprocess.run(
        [str(cli), *args, "-o", str(tmp_path / "app.sig")], check=True, capture_output=True
    )
    policy = sealkit.TrustPolicy().trust_root(root.public_key, "vendor-root")
    facts = sealkit.verify_file(art, tmp_path / "app.sig", policy)
    assert [(s.key_id, s.identity, s.root_key_id, s.chain_depth) for s in facts.signers] == [
        (ci.public_key.key_id, CI, root.public_key.key_id, 1)
    ]
    assert facts.identity == CI
    # Revoking the certificate by its id, or giving a time after its expiry, refuses it.
    with pytest.raises(sealkit.CertificateRevoked):
        sealkit.verify_file(art, tmp_path / "app.sig", policy.revoke_certificate(b"leaf-1"))
    late = sealkit.TrustPolicy().trust_root(root.public_key, "vendor-root").set_time(T0 + 31 * DAY)
    with pytest.raises(sealkit.CertificateExpired):
        sealkit.verify_file(art, tmp_path / "app.sig", late)


def test_certificate_arguments_are_checked() -> None:
    root = sealkit.SigningKey.generate()
    with pytest.raises(sealkit.InvalidArgument):
        sealkit.issue_certificate(
            root,
            root.public_key,
            issuer_name="vendor-root",
            subject="",
            not_before=T0,
            expires_at=T0 + DAY,
            cti=b"x",
        )
    with pytest.raises(sealkit.InvalidPublicKey):
        sealkit.issue_certificate(
            root,
            b"\x00" * 31,
            issuer_name="r",
            subject=CI,
            not_before=T0,
            expires_at=T0 + 1,
            cti=b"x",
        )


def test_rotation_statement_moves_trust() -> None:
    old = sealkit.SigningKey.generate()
    new = sealkit.SigningKey.generate()
    statement = sealkit.sign_rotation(old, new.public_key, T0)
    policy = sealkit.TrustPolicy().trust_root(old.public_key, "vendor-root")
    assert policy.apply_rotation(statement) == new.public_key.key_id
    assert [k.key_id for k, _ in policy.keys] == [new.public_key.key_id]
    with pytest.raises(sealkit.UntrustedKey):
        sealkit.TrustPolicy().trust_root(new.public_key).apply_rotation(statement)
    with pytest.raises(sealkit.errors.DuplicateKey):
        sealkit.sign_rotation(old, old.public_key, T0)


def test_appended_signature_makes_a_set() -> None:
    a, b = sealkit.SigningKey.generate(), sealkit.SigningKey.generate()
    data = b"two people sign this"
    sig_a = sealkit.sign_bytes(data, a, subject="app", issued_at=T0)
    sig_b = sealkit.sign_bytes(data, b, subject="app", issued_at=T0 + 5)
    both = sealkit.append_signature(sig_a, sig_b)
    policy = sealkit.TrustPolicy([a.public_key, b.public_key]).require_signers(2)
    facts = sealkit.verify_bytes(data, both, policy)
    assert [s.key_id for s in facts.signers] == [a.public_key.key_id, b.public_key.key_id]
    with pytest.raises(sealkit.ThresholdNotMet):
        sealkit.verify_bytes(data, sig_a, policy)
    with pytest.raises(sealkit.errors.DuplicateKey):
        sealkit.append_signature(both, sig_a)
    other = sealkit.sign_bytes(b"other data", b, subject="app", issued_at=T0)
    with pytest.raises(sealkit.SignatureSetMismatch):
        sealkit.append_signature(sig_a, other)
    check = sealkit.check_signers(both, policy)
    assert check.ok and check.is_set and [r.counted for r in check.reports] == [True, True]
