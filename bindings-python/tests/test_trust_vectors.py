"""The trust vectors (tests/vectors/trust-vectors.json) through sealkit.TrustPolicy.from_cbor,
set_time, apply_rotation and sealkit.Verifier, in several chunkings, comparing every fact
(each signer included) or the error's code, name and stage, checking that errors stay sticky;
the same policies built call by call give the same verdicts; and check_signers reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sealkit
from conftest import REPO

TRUST_VECTORS = REPO / "tests" / "vectors" / "trust-vectors.json"
CHUNKS = [None, 1, 7, 64, 4096]


def load(path: Path = TRUST_VECTORS) -> dict[str, Any]:
    doc = json.loads(path.read_text(encoding="utf-8"))
    if doc.get("format") != "sealkit-trust-vectors" or doc.get("version") != 2:
        raise RuntimeError(
            f"{path}: unsupported file (format {doc.get('format')!r}, "
            f"version {doc.get('version')!r}); this harness knows version 2"
        )
    return doc


CASES = load()["cases"]
BY_NAME = {c["name"]: c for c in CASES}


def test_the_harness_refuses_another_version(tmp_path: Path) -> None:
    doc = json.loads(TRUST_VECTORS.read_text(encoding="utf-8"))
    for version in (1, 3):
        doc["version"] = version
        other = tmp_path / f"v{version}.json"
        other.write_text(json.dumps(doc), encoding="utf-8")
        with pytest.raises(RuntimeError, match=f"version {version}"):
            load(other)


def test_there_are_cases() -> None:
    assert len(CASES) >= 42
    assert len(BY_NAME) == len(CASES)


def policy_of(case: dict[str, Any]) -> sealkit.TrustPolicy:
    policy = sealkit.TrustPolicy.from_cbor(bytes.fromhex(case["policy_hex"]))
    if case.get("now") is not None:
        policy.set_time(case["now"])
    for r in case["rotations_hex"]:
        policy.apply_rotation(bytes.fromhex(r))
    return policy


def signer_dict(s: sealkit.Signer) -> dict[str, Any]:
    return {
        "key_id": s.key_id,
        "identity": s.identity,
        "root_key_id": s.root_key_id,
        "chain_depth": s.chain_depth,
        "timestamp": s.timestamp,
        "timestamp_key_id": s.timestamp_key_id,
    }


def facts_dict(v: sealkit.Verified) -> dict[str, Any]:
    return {
        "key_id": v.key_id,
        "identity": v.identity,
        "subject": v.subject,
        "version": v.version,
        "time_checked": v.time_checked,
        "expires_at": v.expires_at,
        "signers": [signer_dict(s) for s in v.signers],
    }


def run(
    case: dict[str, Any],
    chunk: int | None,
    gaps: bool = False,
    policy: sealkit.TrustPolicy | None = None,
) -> tuple[str, Any]:
    """("ok", facts) or (stage, exception); checks stickiness after a failure."""
    sig = bytes.fromhex(case["signature_hex"])
    art = bytes.fromhex(case["artifact_hex"])
    try:
        policy = policy if policy is not None else policy_of(case)
    except sealkit.SealkitError as e:
        return ("policy", e)
    try:
        verifier = sealkit.Verifier(sig, policy)
    except sealkit.SealkitError as e:
        return ("new", e)
    stage = "update"
    try:
        size = chunk or max(len(art), 1)
        for i in range(0, len(art), size):
            verifier.update(art[i : i + size])
            if gaps:
                verifier.update(b"")
        stage = "finish"
        facts = verifier.finish()
    except sealkit.SealkitError as e:
        assert verifier.state == "failed"
        assert type(verifier.error) is type(e)
        with pytest.raises(type(e)):
            verifier.update(b"x")
        with pytest.raises(type(e)):
            verifier.finish()
        return (stage, e)
    assert verifier.state == "finished"
    return ("ok", facts_dict(facts))


def check(case: dict[str, Any], got: tuple[str, Any]) -> None:
    exp = case["expected"]
    stage, value = got
    if exp["result"] == "ok":
        assert stage == "ok", f"{case['name']}: {stage} {value!r}"
        assert value == exp["verified"], case["name"]
    else:
        assert stage != "ok", f"{case['name']}: verified, expected {exp['error']}"
        assert (value.code, value.name, stage) == (exp["code"], exp["error"], exp["stage"]), case[
            "name"
        ]
        assert isinstance(value, sealkit.errors.error_class(exp["code"]))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case_in_every_chunking(case: dict[str, Any]) -> None:
    art_len = len(case["artifact_hex"]) // 2
    for chunk in CHUNKS:
        if chunk == 1 and art_len > 4096:
            continue
        check(case, run(case, chunk))
    check(case, run(case, 7, gaps=True))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_case_in_one_call(case: dict[str, Any]) -> None:
    """verify_bytes gives the same verdict (stage aside: it is a single call)."""
    exp = case["expected"]
    try:
        policy = policy_of(case)
    except sealkit.SealkitError as e:
        assert (e.code, e.name, "policy") == (exp["code"], exp["error"], exp["stage"])
        return
    sig = bytes.fromhex(case["signature_hex"])
    art = bytes.fromhex(case["artifact_hex"])
    if exp["result"] == "ok":
        assert facts_dict(sealkit.verify_bytes(art, sig, policy)) == exp["verified"]
    else:
        with pytest.raises(sealkit.SealkitError) as e:
            sealkit.verify_bytes(art, sig, policy)
        assert (e.value.code, e.value.name) == (exp["code"], exp["error"])


def test_the_harness_can_fail() -> None:
    case = dict(BY_NAME["tampered_artifact"])
    case["expected"] = dict(case["expected"], code=302, error="digest_mismatch", stage="update")
    with pytest.raises(AssertionError):
        check(case, run(case, None))


def test_the_harness_checks_the_receipt_facts() -> None:
    """A vector expecting another receipt time, or no receipt, is refused."""
    case = BY_NAME["keyless_receipt_after_expiry"]
    signer = case["expected"]["verified"]["signers"][0]
    assert signer["timestamp"] is not None and signer["timestamp_key_id"] is not None
    for wrong in ({"timestamp": signer["timestamp"] + 1}, {"timestamp_key_id": None}):
        verified = dict(case["expected"]["verified"], signers=[dict(signer, **wrong)])
        altered = dict(case, expected=dict(case["expected"], verified=verified))
        with pytest.raises(AssertionError):
            check(altered, run(altered, None))


# ---- the same policies built call by call ------------------------------------------------

ROOT = bytes.fromhex("8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c")
K1 = bytes.fromhex("ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d1")
K2 = bytes.fromhex("ca93ac1705187071d67b83c7ff0efe8108e8ec4530575d7726879333dbdabe7c")
ROOT_KID = sealkit.PublicKey.from_bytes(ROOT).key_id
# The timestamp authority of the keyless cases; their "months later" time and the receipt's.
TSA = bytes.fromhex("8a875fff1eb38451577acd5afee405456568dd7c89e090863a0557bc7af49f17")
MONTHS_LATER = 1810454400
RECEIPT_TIME = 1800086412


def rooted() -> sealkit.TrustPolicy:
    return sealkit.TrustPolicy().trust_root(ROOT, "vendor-root")


def two_keys() -> sealkit.TrustPolicy:
    return sealkit.TrustPolicy().trust_entry(K1).trust_entry(K2)


BUILT = {
    "direct_key": lambda: sealkit.TrustPolicy().trust_entry(K1, may_sign=True),
    "two_link_chain": rooted,
    "chain_too_deep_policy": lambda: rooted().set_max_chain_depth(1),
    "identity_allowed_by_pattern": lambda: rooted().allow_identity(ROOT_KID, "*@vendor.example"),
    "identity_not_allowed": lambda: rooted().allow_identity(
        bytes.fromhex(ROOT_KID), "*@other.example"
    ),
    "required_identity_pattern": lambda: rooted().require_identity_pattern("release-*"),
    "required_subject_mismatch": lambda: rooted().require_subject_pattern("tool-*"),
    "revoked_signing_key": lambda: rooted().revoke_key("b62e867fa2f33afe"),
    "revoked_intermediate_key": lambda: rooted().revoke_key("6a3803d5f059902a"),
    "revoked_certificate": lambda: (
        rooted().revoke_certificate(b"leaf-9").revoke_certificate("inter-1")
    ),
    "rollback_with_chain": lambda: rooted().require_min_version(8),
    "certificate_expired": lambda: rooted().set_time(1802678400),
    "two_link_chain_with_time": lambda: rooted().set_time(1800172800),
    "two_of_three": lambda: two_keys().require_signers(2),
    "threshold_not_met": lambda: two_keys().require_signers(3),
    "distinct_identities": lambda: two_keys().require_signers(2, distinct_identities=True),
    "keyless_receipt_after_expiry": lambda: (
        rooted().trust_timestamp_key(TSA).set_time(MONTHS_LATER)
    ),
    "keyless_receipt_no_clock": lambda: (
        rooted().trust_timestamp_key(sealkit.PublicKey.from_bytes(TSA)).require_timestamp()
    ),
    "keyless_root_also_timestamps": lambda: (
        rooted().trust_timestamp_key(ROOT).set_time(MONTHS_LATER)
    ),
    "keyless_no_receipt_after_expiry": lambda: (
        rooted().trust_timestamp_key(TSA).set_time(MONTHS_LATER)
    ),
    "keyless_receipt_required": lambda: (
        rooted().trust_timestamp_key(TSA).require_timestamp().set_time(1800086460)
    ),
    "keyless_receipt_untrusted_key": lambda: (
        rooted().trust_timestamp_key(TSA).set_time(MONTHS_LATER)
    ),
    "keyless_receipt_bad_signature": lambda: (
        rooted().trust_timestamp_key(TSA).set_time(MONTHS_LATER)
    ),
    "keyless_receipt_after_certificate": lambda: (
        rooted().trust_timestamp_key(TSA).set_time(MONTHS_LATER)
    ),
    "keyless_receipt_revoked_timestamp_key": lambda: (
        rooted().trust_timestamp_key(TSA).revoke_key("72456720412037a6").set_time(MONTHS_LATER)
    ),
}


@pytest.mark.parametrize("name", sorted(BUILT))
def test_built_policy_gives_the_vector_verdict(name: str) -> None:
    case = BY_NAME[name]
    check(case, run(case, 64, policy=BUILT[name]()))


def test_rotation_through_the_builder() -> None:
    case = BY_NAME["rotation_followed"]
    policy = rooted()
    new_kid = policy.apply_rotation(bytes.fromhex(case["rotations_hex"][0]))
    assert new_kid == case["expected"]["verified"]["signers"][0]["root_key_id"]
    check(case, run(case, None, policy=policy))
    assert ROOT_KID not in [k.key_id for k, _ in policy.keys]


def test_policy_properties() -> None:
    p = rooted().set_time(5).require_signers(2).set_max_chain_depth(1)
    assert (p.time, p.threshold, p.max_chain_depth) == (5, 2, 1)
    assert sealkit.TrustPolicy().time is None
    assert not p.timestamp_required
    assert p.require_timestamp() is p and p.timestamp_required


# ---- timestamp receipts through the builder ------------------------------------------------


def test_receipt_saves_an_expired_keyless_certificate() -> None:
    case = BY_NAME["keyless_receipt_after_expiry"]
    policy = rooted().trust_timestamp_key(key_text(TSA)).set_time(MONTHS_LATER)
    facts = sealkit.verify_bytes(
        bytes.fromhex(case["artifact_hex"]), bytes.fromhex(case["signature_hex"]), policy
    )
    (signer,) = facts.signers
    assert signer.timestamp == RECEIPT_TIME
    assert signer.timestamp_key_id == sealkit.PublicKey.from_bytes(TSA).key_id
    assert signer.identity == "release-ci@vendor.example"
    assert facts.time_checked
    assert f"timestamp={RECEIPT_TIME}" in repr(signer)


def test_receipt_needs_a_trusted_timestamp_key() -> None:
    case = BY_NAME["keyless_receipt_after_expiry"]
    sig, art = bytes.fromhex(case["signature_hex"]), bytes.fromhex(case["artifact_hex"])
    # The receipt's key trusted as a root (certify only) is not trusted to timestamp.
    policy = rooted().trust_root(TSA).set_time(MONTHS_LATER)
    with pytest.raises(sealkit.errors.UntrustedTimestampKey) as e:
        sealkit.verify_bytes(art, sig, policy)
    assert (e.value.code, e.value.name) == (222, "untrusted_timestamp_key")
    # That entry then gains the right.
    facts = sealkit.verify_bytes(art, sig, policy.trust_timestamp_key(TSA))
    assert facts.signers[0].timestamp == RECEIPT_TIME


def test_require_timestamp_refuses_an_envelope_without_receipt_even_without_a_clock() -> None:
    case = BY_NAME["keyless_no_receipt_after_expiry"]
    sig, art = bytes.fromhex(case["signature_hex"]), bytes.fromhex(case["artifact_hex"])
    # No clock: the time checks are skipped, so the expired certificate passes...
    facts = sealkit.verify_bytes(art, sig, rooted())
    assert not facts.time_checked
    assert (facts.signers[0].timestamp, facts.signers[0].timestamp_key_id) == (None, None)
    # ... unless a receipt is required.
    with pytest.raises(sealkit.errors.TimestampMissing) as e:
        sealkit.Verifier(sig, rooted().require_timestamp())
    assert (e.value.code, e.value.name) == (226, "timestamp_missing")
    assert isinstance(e.value, sealkit.VerificationError)


def test_check_signers_reports_the_receipt() -> None:
    case = BY_NAME["keyless_receipt_after_expiry"]
    result = sealkit.check_signers(bytes.fromhex(case["signature_hex"]), policy_of(case))
    assert result.ok
    assert [signer_dict(s) for s in result.signers] == case["expected"]["verified"]["signers"]
    refused = sealkit.check_signers(
        bytes.fromhex(BY_NAME["keyless_receipt_bad_signature"]["signature_hex"]), policy_of(case)
    )
    assert isinstance(refused.error, sealkit.errors.BadTimestampSignature)


def test_timestamp_key_argument_errors() -> None:
    with pytest.raises(sealkit.InvalidPublicKey):
        sealkit.TrustPolicy().trust_timestamp_key(b"\x00" * 31)
    with pytest.raises(sealkit.BadPublicKeyText):
        sealkit.TrustPolicy().trust_timestamp_key("sealkit-ed25519:AAAA")
    with pytest.raises(TypeError):
        sealkit.TrustPolicy().trust_timestamp_key(12)  # type: ignore[arg-type]


def test_bad_arguments() -> None:
    with pytest.raises(sealkit.BadPolicy):
        sealkit.TrustPolicy.from_cbor(bytes.fromhex(BY_NAME["policy_trailing_bytes"]["policy_hex"]))
    with pytest.raises(sealkit.BadRotation):
        rooted().apply_rotation(b"\xa0")
    with pytest.raises(ValueError, match="16 hex digits"):
        rooted().revoke_key("zz")
    with pytest.raises(ValueError, match="8 bytes"):
        rooted().revoke_key(b"\x00" * 7)
    with pytest.raises(TypeError):
        rooted().revoke_key(12)  # type: ignore[arg-type]
    with pytest.raises(sealkit.InvalidPublicKey):
        sealkit.TrustPolicy().trust_root(b"\x00" * 31)
    with pytest.raises(sealkit.errors.DuplicateKey):
        rooted().trust_root(ROOT)


# ---- check_signers ---------------------------------------------------------------------


def test_check_signers_on_a_set() -> None:
    case = BY_NAME["two_of_three"]
    sig = bytes.fromhex(case["signature_hex"])
    result = sealkit.check_signers(sig, policy_of(case))
    assert result.ok and result.error is None and result.is_set
    assert [signer_dict(s) for s in result.signers] == case["expected"]["verified"]["signers"]
    assert [r.index for r in result.reports] == list(range(len(result.reports)))
    assert len(result.reports) == 3
    refused = [r for r in result.reports if r.signer is None]
    assert len(refused) == 1 and isinstance(refused[0].error, sealkit.UntrustedKey)
    assert sum(r.counted for r in result.reports) == 2


def test_check_signers_threshold_not_met() -> None:
    case = BY_NAME["threshold_not_met"]
    result = sealkit.check_signers(bytes.fromhex(case["signature_hex"]), policy_of(case))
    assert not result.ok
    assert isinstance(result.error, sealkit.ThresholdNotMet)
    assert len(result.signers) == 2


def test_check_signers_single_envelope_names_its_error() -> None:
    case = BY_NAME["revoked_signing_key"]
    result = sealkit.check_signers(bytes.fromhex(case["signature_hex"]), policy_of(case))
    assert not result.ok and not result.is_set
    assert isinstance(result.error, sealkit.KeyRevoked)
    assert len(result.reports) == 1 and isinstance(result.reports[0].error, sealkit.KeyRevoked)


def test_check_signers_malformed_file_raises() -> None:
    with pytest.raises(sealkit.MalformedEnvelope):
        sealkit.check_signers(b"\x01\x02", rooted())


# ---- trust files --------------------------------------------------------------------------


def key_text(raw: bytes) -> str:
    return sealkit.PublicKey.from_bytes(raw).text


def test_from_toml() -> None:
    policy = sealkit.TrustPolicy.from_toml(
        f'version = 1\n[[root]]\nkey = "{key_text(ROOT)}"\nname = "vendor-root"\n'
    )
    check(BY_NAME["two_link_chain"], run(BY_NAME["two_link_chain"], 7, policy=policy))
    sets = sealkit.TrustPolicy.from_toml(
        "version = 1\n[require]\nsigners = 2\n"
        f'[[key]]\nkey = "{key_text(K1)}"\n[[key]]\nkey = "{key_text(K2)}"\n'
    )
    assert sets.threshold == 2
    check(BY_NAME["two_of_three"], run(BY_NAME["two_of_three"], 7, policy=sets))
    check(
        BY_NAME["threshold_not_met"],
        run(BY_NAME["threshold_not_met"], 7, policy=sets.require_signers(3)),
    )


def test_from_toml_with_timestamps() -> None:
    case = BY_NAME["keyless_receipt_after_expiry"]
    policy = sealkit.TrustPolicy.from_toml(
        "version = 1\n[require]\ntimestamp = true\n"
        f'[[root]]\nkey = "{key_text(ROOT)}"\nname = "vendor-root"\n'
        f'[[timestamp]]\nkey = "{key_text(TSA)}"\n'
    )
    assert policy.timestamp_required
    check(case, run(case, 7, policy=policy.set_time(MONTHS_LATER)))
    check(
        BY_NAME["keyless_receipt_required"],
        run(BY_NAME["keyless_receipt_required"], 7, policy=policy.set_time(1800086460)),
    )
    both = sealkit.TrustPolicy.from_toml(
        f'version = 1\n[[root]]\nkey = "{key_text(ROOT)}"\nname = "vendor-root"\n'
        "timestamps = true\n"
    ).set_time(MONTHS_LATER)
    assert not both.timestamp_required
    check(
        BY_NAME["keyless_root_also_timestamps"],
        run(BY_NAME["keyless_root_also_timestamps"], None, policy=both),
    )


def test_from_file_toml_with_key_file_and_cbor(tmp_path: Path) -> None:
    (tmp_path / "root.pub").write_text(key_text(ROOT) + "\n", encoding="utf-8")
    toml = tmp_path / "trust.toml"
    toml.write_text(
        'version = 1\n[[root]]\nkey_file = "root.pub"\nname = "vendor-root"\n', encoding="utf-8"
    )
    case = BY_NAME["two_link_chain"]
    check(case, run(case, None, policy=sealkit.TrustPolicy.from_file(toml)))
    check(case, run(case, None, policy=sealkit.TrustPolicy.from_file(str(toml))))
    compiled = tmp_path / "trust.cbor"
    compiled.write_bytes(bytes.fromhex(case["policy_hex"]))
    check(case, run(case, None, policy=sealkit.TrustPolicy.from_file(compiled)))
    # Without an extension, a CBOR map is read as a compiled policy.
    bare = tmp_path / "policy"
    bare.write_bytes(bytes.fromhex(case["policy_hex"]))
    check(case, run(case, None, policy=sealkit.TrustPolicy.from_file(bare)))


def test_from_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("version = 1\n[[root]]\nname = 3\n", encoding="utf-8")
    with pytest.raises(sealkit.BadPolicy) as e:
        sealkit.TrustPolicy.from_file(bad)
    assert e.value.code == 175
    trailing = tmp_path / "bad.cbor"
    trailing.write_bytes(bytes.fromhex(BY_NAME["policy_trailing_bytes"]["policy_hex"]))
    with pytest.raises(sealkit.BadPolicy):
        sealkit.TrustPolicy.from_file(trailing)
    with pytest.raises(OSError):
        sealkit.TrustPolicy.from_file(tmp_path / "missing.toml")
    (tmp_path / "k.pub").write_text("sealkit-ed25519:AAAA\n", encoding="utf-8")
    badkey = tmp_path / "badkey.toml"
    badkey.write_text('version = 1\n[[key]]\nkey_file = "k.pub"\n', encoding="utf-8")
    with pytest.raises(sealkit.SealkitError):
        sealkit.TrustPolicy.from_file(badkey)
