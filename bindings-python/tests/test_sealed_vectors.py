"""The sealed-stream vectors (tests/vectors/sealed-vectors.json) through sealkit.Unsealer, in
several chunkings, comparing facts, payload bytes, or the error's code, name and stage, and
checking that errors stay sticky."""

from __future__ import annotations

import json
from typing import Any

import pytest
import sealkit
from conftest import REPO

SEALED_VECTORS = REPO / "tests" / "vectors" / "sealed-vectors.json"


def load() -> dict[str, Any]:
    doc = json.loads(SEALED_VECTORS.read_text(encoding="utf-8"))
    if doc.get("format") != "sealkit-sealed-vectors" or doc.get("version") != 1:
        raise RuntimeError(
            f"{SEALED_VECTORS}: unsupported file (format {doc.get('format')!r}, "
            f"version {doc.get('version')!r}); this harness knows version 1"
        )
    return doc


CASES = load()["cases"]


def policy_of(case: dict[str, Any]) -> sealkit.TrustPolicy:
    p = case["policy"]
    return sealkit.TrustPolicy(
        [k["key"] for k in case["public_keys"]],
        identity=p["identity"],
        subject=p["subject"],
        min_version=p["min_version"],
    )


def facts_dict(v: sealkit.Verified) -> dict[str, Any]:
    return {
        "key_id": v.key_id,
        "alg": v.alg,
        "identity": v.identity,
        "subject": v.subject,
        "content_format": v.content_format,
        "media_type": v.media_type,
        "issued_at": v.issued_at,
        "version": v.version,
        "length": v.length,
        "hash_alg": v.hash_alg,
        "digest_hex": v.digest_hex,
    }


def test_refuses_other_versions(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = json.loads(SEALED_VECTORS.read_text(encoding="utf-8"))
    doc["version"] = 2
    bad = tmp_path / "v2.json"
    bad.write_text(json.dumps(doc))
    monkeypatch.setattr(__import__(__name__), "SEALED_VECTORS", bad)
    with pytest.raises(RuntimeError, match="version 1"):
        load()


def test_enough_cases() -> None:
    assert len(CASES) >= 25
    codes = {c["expected"].get("code") for c in CASES}
    assert {140, 141, 142, 300, 301, 302, 203} <= codes


@pytest.mark.parametrize("chunk", [None, 1, 7, 64, 4096, "empties"])
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case(case: dict[str, Any], chunk: int | str | None) -> None:
    stream = bytes.fromhex(case["stream_hex"])
    if chunk == 1 and len(stream) > 4096:
        chunk = 7  # one-byte chunks only up to 4096 bytes; still a real run
    exp = case["expected"]
    u = sealkit.Unsealer(policy_of(case))
    out = bytearray()
    stage = "update"
    try:
        if chunk is None:
            out += u.update(stream)
        elif chunk == "empties":
            for i in range(0, len(stream), 13):
                out += u.update(stream[i : i + 13])
                out += u.update(b"")
        else:
            assert isinstance(chunk, int)
            for i in range(0, len(stream), chunk):
                out += u.update(memoryview(stream)[i : i + chunk])
        stage = "finish"
        facts = u.finish()
    except sealkit.SealkitError as e:
        assert exp["result"] == "error", f"unexpected {e!r}"
        assert (e.code, e.name, stage) == (exp["code"], exp["error"], exp["stage"])
        assert u.state == "failed"
        with pytest.raises(type(e)):
            u.update(b"x")
        with pytest.raises(type(e)):
            u.finish()
        return
    assert exp["result"] == "ok", f"verified, expected {exp}"
    assert facts_dict(facts) == exp["verified"]
    assert bytes(out).hex() == exp["payload_hex"]
