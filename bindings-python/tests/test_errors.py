"""The exception hierarchy matches the core's error codes one to one."""

from __future__ import annotations

import pytest
import sealkit
from sealkit import errors


def test_every_core_code_has_its_class() -> None:
    codes = sealkit.error_codes()
    assert len(codes) >= 50
    for code, name, message in codes:
        cls = errors.error_class(code)
        assert cls is not errors.SealkitError, f"no class for {code} {name}"
        assert cls.code == code, (cls, code)
        assert cls.name == name, (cls, name)
        assert cls.__doc__, cls
        assert message
        assert cls.__name__ in errors.__all__
        group = {
            1: errors.MalformedEnvelope,
            2: errors.VerificationError,
            3: errors.VerificationError,
            4: errors.UsageError,
            5: errors.InvalidArgument,
        }
        assert issubclass(cls, group[code // 100]), cls


def test_no_class_without_a_core_code() -> None:
    core = {code for code, _, _ in sealkit.error_codes()}
    python = {c for c in errors._BY_CODE if c != errors.KeyFileError.code}
    assert python == core


def test_hierarchy() -> None:
    assert issubclass(errors.BadSignature, errors.VerificationError)
    assert issubclass(errors.VersionMissing, errors.Rollback)
    assert issubclass(errors.ArtifactTooLong, errors.LengthMismatch)
    assert issubclass(errors.ArtifactTooShort, errors.LengthMismatch)
    assert issubclass(errors.LengthMismatch, errors.VerificationError)
    assert issubclass(errors.DigestMismatch, errors.VerificationError)
    assert issubclass(errors.UnsupportedHashAlgorithm, errors.UnsupportedAlgorithm)
    assert issubclass(errors.AlreadyFinished, errors.UsageError)
    assert issubclass(errors.InvalidArgument, ValueError)
    assert not issubclass(errors.MalformedEnvelope, errors.VerificationError)
    for cls in (
        errors.MalformedEnvelope,
        errors.VerificationError,
        errors.UsageError,
        errors.InvalidArgument,
        errors.KeyFileError,
    ):
        assert issubclass(cls, errors.SealkitError)


def test_raised_errors_carry_the_core_message() -> None:
    messages = {code: message for code, _, message in sealkit.error_codes()}
    with pytest.raises(errors.NotTaggedSign1) as e:
        sealkit.Verifier(b"\x00", sealkit.TrustPolicy())
    assert e.value.code == 101
    assert e.value.name == "not_tagged_sign1"
    assert str(e.value) == messages[101] == e.value.message


def test_unknown_code_falls_back_to_the_base_class() -> None:
    assert errors.error_class(999) is errors.SealkitError
