"""Interop with the unmodified pycose package, in both directions.

pycose (1.1.0) supports COSE alg EdDSA (-8), not Ed25519 (-19), so these envelopes use EdDSA.
pycose encodes the protected header with cbor2 in the dict's insertion order and has no option
to sort it; sealkit requires the deterministic order of RFC 8949 section 4.2 (1, 4, 15, 16,
258, 259, -65537, -65538), so the pycose side inserts the labels in that order. A dict in
another order gives an envelope that sealkit refuses (tested below): sealkit is not relaxed for
it.
"""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
import sealkit
from helpers import SEED, key
from pycose.algorithms import EdDSA
from pycose.headers import KID, Algorithm
from pycose.keys import OKPKey
from pycose.keys.curves import Ed25519
from pycose.messages import CoseMessage, Sign1Message

DATA = b"interop artifact\n" * 4096
TYP = "application/vnd.sealkit+cose"


def pycose_key(private: bool) -> OKPKey:
    k = key()
    if private:
        return OKPKey(crv=Ed25519, x=k.public_key.raw, d=SEED)
    return OKPKey(crv=Ed25519, x=k.public_key.raw)


@pytest.mark.parametrize("hash_alg", ["sha256", "sha512"])
def test_sealkit_envelope_verifies_with_pycose(hash_alg: str) -> None:
    k = key()
    sig = sealkit.sign_bytes(
        DATA,
        k,
        subject="app.bin",
        identity="rel@example.org",
        version=7,
        alg="EdDSA",
        hash=hash_alg,
        issued_at=1_700_000_000,
    )
    msg = CoseMessage.decode(sig)
    assert isinstance(msg, Sign1Message)
    msg.key = pycose_key(private=False)
    assert msg.verify_signature()
    assert msg.payload == hashlib.new(hash_alg, DATA).digest()
    assert msg.phdr[258] == (-16 if hash_alg == "sha256" else -44)
    assert msg.phdr[-65537] == len(DATA)
    assert msg.phdr[15] == {1: "rel@example.org", 2: "app.bin", 6: 1_700_000_000}
    # A changed signature byte fails in pycose too: the check above is real.
    bad = CoseMessage.decode(sig[:-1] + bytes([sig[-1] ^ 1]))
    bad.key = pycose_key(private=False)
    assert not bad.verify_signature()


def pycose_envelope(phdr: dict[Any, Any], payload: bytes) -> bytes:
    msg = Sign1Message(phdr=phdr, uhdr={}, payload=payload)
    msg.key = pycose_key(private=True)
    out: bytes = msg.encode(tag=True)
    return out


def sealkit_headers(hash_alg: str = "sha256") -> dict[Any, Any]:
    """The documented sealkit protected header (docs/FORMAT.md), in deterministic order."""
    return {
        Algorithm: EdDSA,  # 1
        KID: bytes.fromhex(key().public_key.key_id),  # 4
        15: {1: "rel@example.org", 2: "app.bin", 6: 1_700_000_000},  # CWT claims
        16: TYP,  # typ
        258: -16 if hash_alg == "sha256" else -44,  # payload_hash_alg
        259: 42,  # payload_preimage_content_type: application/octet-stream
        -65537: len(DATA),  # artifact length
        -65538: 7,  # release version
    }


@pytest.mark.parametrize("hash_alg", ["sha256", "sha512"])
def test_pycose_envelope_verifies_with_sealkit(hash_alg: str) -> None:
    env = pycose_envelope(sealkit_headers(hash_alg), hashlib.new(hash_alg, DATA).digest())
    policy = sealkit.TrustPolicy(
        [key().public_key], identity="rel@example.org", subject="app.bin", min_version=7
    )
    facts = sealkit.verify_bytes(DATA, env, policy)
    assert (facts.alg, facts.hash_alg, facts.subject, facts.version, facts.length) == (
        "EdDSA",
        hash_alg,
        "app.bin",
        7,
        len(DATA),
    )
    # Byte for byte what sealkit itself writes for the same claims.
    assert env == sealkit.sign_bytes(
        DATA,
        key(),
        subject="app.bin",
        identity="rel@example.org",
        version=7,
        alg="EdDSA",
        hash=hash_alg,
        issued_at=1_700_000_000,
    )
    with pytest.raises(sealkit.DigestMismatch):
        sealkit.verify_bytes(DATA[:-1] + b"?", env, policy)


def test_pycose_envelope_in_non_deterministic_order_is_refused() -> None:
    headers = sealkit_headers()
    reordered = {16: headers.pop(16), **headers}
    env = pycose_envelope(reordered, hashlib.sha256(DATA).digest())
    with pytest.raises(sealkit.errors.NonCanonicalEncoding):
        sealkit.Verifier(env, sealkit.TrustPolicy([key().public_key]))


def test_pycose_envelope_with_unprotected_header_is_refused() -> None:
    msg = Sign1Message(
        phdr=sealkit_headers(), uhdr={KID: b"12345678"}, payload=hashlib.sha256(DATA).digest()
    )
    msg.key = pycose_key(private=True)
    with pytest.raises(sealkit.errors.UnprotectedHeaderNotEmpty):
        sealkit.Verifier(msg.encode(tag=True), sealkit.TrustPolicy([key().public_key]))
