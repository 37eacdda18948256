"""Small helpers shared by the API tests."""

from __future__ import annotations

import sealkit

SEED = bytes(range(1, 33))
OTHER_SEED = bytes(range(2, 34))


def key() -> sealkit.SigningKey:
    return sealkit.SigningKey.from_seed(SEED)


def signed(data: bytes, **kw: object) -> tuple[bytes, sealkit.TrustPolicy]:
    """An envelope for `data` and a policy trusting its key."""
    k = key()
    kw.setdefault("subject", "artifact.bin")
    sig = sealkit.sign_bytes(data, k, **kw)  # type: ignore[arg-type]
    return sig, sealkit.TrustPolicy([k.public_key])
