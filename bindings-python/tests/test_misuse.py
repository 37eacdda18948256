"""Calls out of order: the core's state machine, seen from Python."""

from __future__ import annotations

import pytest
import sealkit
from helpers import signed

DATA = b"sealkit misuse test artifact\n"


def test_update_after_finish() -> None:
    sig, policy = signed(DATA)
    v = sealkit.Verifier(sig, policy)
    v.update(DATA)
    v.finish()
    with pytest.raises(sealkit.AlreadyFinished) as e:
        v.update(b"x")
    assert e.value.code == 400
    assert v.state == "finished"


def test_finish_twice() -> None:
    sig, policy = signed(DATA)
    v = sealkit.Verifier(sig, policy)
    v.update(DATA)
    assert v.finish().length == len(DATA)
    with pytest.raises(sealkit.AlreadyFinished):
        v.finish()


def test_update_after_failure_is_sticky() -> None:
    sig, policy = signed(DATA)
    v = sealkit.Verifier(sig, policy)
    with pytest.raises(sealkit.ArtifactTooLong):
        v.update(DATA + b"!")
    assert v.state == "failed"
    assert isinstance(v.error, sealkit.ArtifactTooLong)
    with pytest.raises(sealkit.ArtifactTooLong):
        v.update(b"")
    with pytest.raises(sealkit.ArtifactTooLong):
        v.finish()


def test_failure_at_finish_is_sticky() -> None:
    sig, policy = signed(DATA)
    v = sealkit.Verifier(sig, policy)
    v.update(DATA[:-1] + b"?")
    with pytest.raises(sealkit.DigestMismatch):
        v.finish()
    with pytest.raises(sealkit.DigestMismatch):
        v.finish()
    with pytest.raises(sealkit.DigestMismatch):
        v.update(b"")


def test_abort() -> None:
    sig, policy = signed(DATA)
    v = sealkit.Verifier(sig, policy)
    v.update(DATA[:5])
    assert (v.state, v.bytes_received, v.signed_length, v.hash_alg) == (
        "active",
        5,
        len(DATA),
        "sha256",
    )
    v.abort()
    assert (v.state, v.bytes_received, v.signed_length, v.hash_alg) == ("empty", 0, 0, None)
    with pytest.raises(sealkit.NotStarted) as e:
        v.update(DATA)
    assert e.value.code == 401
    # not_started is itself sticky until the next abort
    assert v.state == "failed"
    with pytest.raises(sealkit.NotStarted):
        v.finish()
    v.abort()
    with pytest.raises(sealkit.NotStarted):
        v.finish()


def test_abort_after_failure_clears_it() -> None:
    sig, policy = signed(DATA)
    v = sealkit.Verifier(sig, policy)
    with pytest.raises(sealkit.ArtifactTooLong):
        v.update(DATA * 2)
    v.abort()
    assert v.state == "empty"
    assert v.error is None


def test_context_manager_aborts_unfinished_work() -> None:
    sig, policy = signed(DATA)
    with pytest.raises(RuntimeError):
        with sealkit.Verifier(sig, policy) as v:
            v.update(DATA[:3])
            raise RuntimeError("caller gave up")
    assert v.state == "empty"


def test_context_manager_keeps_a_finished_verdict() -> None:
    sig, policy = signed(DATA)
    with sealkit.Verifier(sig, policy) as v:
        v.update(DATA)
        facts = v.finish()
    assert v.state == "finished"
    assert facts.length == len(DATA)


def test_verified_is_immutable() -> None:
    sig, policy = signed(DATA)
    facts = sealkit.verify_bytes(DATA, sig, policy)
    with pytest.raises(AttributeError):
        facts.length = 1  # type: ignore[misc]
    assert "Verified(" in repr(facts)


def test_policy_changes_after_start_do_not_affect_the_verifier() -> None:
    sig, policy = signed(DATA)
    v = sealkit.Verifier(sig, policy)
    policy.require_subject("something-else")
    v.update(DATA)
    assert v.finish().subject == "artifact.bin"
    with pytest.raises(sealkit.SubjectMismatch):
        sealkit.Verifier(sig, policy)


def test_policy_errors() -> None:
    from helpers import key

    k = key().public_key
    with pytest.raises(sealkit.errors.DuplicateKey):
        sealkit.TrustPolicy([k, k.raw])
    with pytest.raises(sealkit.errors.TooManyKeys):
        sealkit.TrustPolicy(
            [sealkit.SigningKey.from_seed(bytes([i]) * 32).public_key for i in range(1, 10)]
        )
    with pytest.raises(sealkit.errors.EmptyArgument):
        sealkit.TrustPolicy(identity="")
    with pytest.raises(sealkit.errors.ArgumentTooLong):
        sealkit.TrustPolicy(subject="x" * 1000)
    with pytest.raises(sealkit.errors.InvalidPublicKey):
        sealkit.TrustPolicy([bytes(32)])
    with pytest.raises(sealkit.errors.InvalidPublicKey):
        sealkit.TrustPolicy([b"short"])
    with pytest.raises(TypeError):
        sealkit.TrustPolicy([42])  # type: ignore[list-item]
    with pytest.raises(TypeError):
        sealkit.TrustPolicy(k.text)  # type: ignore[arg-type]
    with pytest.raises(ValueError):  # InvalidArgument is a ValueError
        sealkit.PublicKey.from_text("nope")
    with pytest.raises(OverflowError):
        sealkit.TrustPolicy(min_version=-1)


def test_policy_accessors_and_chaining() -> None:
    from helpers import key

    k = key().public_key
    p = (
        sealkit.TrustPolicy()
        .trust_key(k.text, "rel@example.org")
        .require_subject("a")
        .require_identity("rel@example.org")
        .require_min_version(3)
    )
    assert p.keys == [(k, "rel@example.org")]
    assert (p.identity, p.subject, p.min_version) == ("rel@example.org", "a", 3)
    assert k.key_id in repr(p)
    assert {k: 1}[sealkit.PublicKey.from_bytes(k.raw)] == 1
