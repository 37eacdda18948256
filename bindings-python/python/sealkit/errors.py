"""The exceptions of sealkit, one class per error code of the core.

Every exception is a :class:`SealkitError` with two class attributes that match the core's
stable error: ``code`` (an ``int``, e.g. 302) and ``name`` (a ``str``, e.g.
``"digest_mismatch"``), and the core's message as its text (``str(e)``, also ``e.message``).

Groups, by code:

- :class:`MalformedEnvelope` (1xx): the envelope is not a well-formed sealkit envelope.
- :class:`VerificationError` (2xx, 3xx): the envelope is well formed but not acceptable (an
  unsupported algorithm, an untrusted key, a bad signature, a policy rule) or the artifact does
  not match it (:class:`LengthMismatch`, :class:`DigestMismatch`).
- :class:`UsageError` (4xx): the API was called out of order.
- :class:`InvalidArgument` (5xx): a bad argument; also a :class:`ValueError`.
- :class:`KeyFileError` (902, as the CLI's ``key_error``): a secret key file that cannot be used.

Catch :class:`SealkitError` to catch every refusal: a malformed envelope is a
:class:`MalformedEnvelope`, not a :class:`VerificationError`.
"""

from __future__ import annotations

__all__ = [
    "SealkitError",
    "MalformedEnvelope",
    "VerificationError",
    "LengthMismatch",
    "UsageError",
    "InvalidArgument",
    "KeyFileError",
    "error_class",
    "EnvelopeTruncated",
    "NotTaggedSign1",
    "BadSign1Structure",
    "IndefiniteLength",
    "NonCanonicalEncoding",
    "DuplicateLabel",
    "TrailingBytes",
    "BadFieldType",
    "UnknownHeader",
    "UnknownCriticalHeader",
    "ContentTypePresent",
    "LegacyHashEnvelopeLabel",
    "UnprotectedHeaderNotEmpty",
    "WrongEnvelopeType",
    "UnknownClaim",
    "FieldTooLong",
    "BadKeyIdLength",
    "BadSignatureLength",
    "PayloadSizeMismatch",
    "DetachedPayload",
    "MissingAlgorithm",
    "MissingKeyId",
    "MissingEnvelopeType",
    "MissingClaims",
    "MissingSubject",
    "MissingIssuedAt",
    "MissingHashAlgorithm",
    "MissingContentType",
    "MissingLength",
    "EnvelopeTooLarge",
    "EmptyField",
    "NotSealedStream",
    "UnsupportedSealedVersion",
    "SealedStreamTruncated",
    "UnsupportedAlgorithm",
    "UnsupportedHashAlgorithm",
    "UntrustedKey",
    "BadSignature",
    "IdentityMismatch",
    "SubjectMismatch",
    "Rollback",
    "VersionMissing",
    "ArtifactTooLong",
    "ArtifactTooShort",
    "DigestMismatch",
    "AlreadyFinished",
    "NotStarted",
    "AlreadyStarted",
    "InvalidPublicKey",
    "TooManyKeys",
    "DuplicateKey",
    "ArgumentTooLong",
    "BadPublicKeyText",
    "InvalidSecretKey",
    "BufferTooSmall",
    "EmptyArgument",
    "ArgumentNotUtf8",
    "TreeSignatureMalformed",
    "TreeManifestMalformed",
    "UnsupportedTreeManifestVersion",
    "TreeNotSorted",
    "DuplicateTreePath",
    "BadTreePath",
    "MissingParentDirectory",
    "TreeLimitExceeded",
    "BadSymlinkTarget",
    "BadExclusion",
    "NotATreeManifest",
    "TreeFileTooLong",
    "TreeFileTooShort",
    "TreeFileDigestMismatch",
    "TreeEntriesRemaining",
    "NoTreeFileOpen",
    "BadCertificate",
    "BadSignatureSet",
    "SignatureSetMismatch",
    "BadRotation",
    "BadPolicy",
    "BadTimestampReceipt",
    "CertificateExpired",
    "CertificateNotYetValid",
    "EnvelopeExpired",
    "KeyRevoked",
    "CertificateRevoked",
    "ChainTooDeep",
    "ScopeWidened",
    "ValidityWidened",
    "UnknownIssuer",
    "SubjectOutOfScope",
    "ThresholdNotMet",
    "NotACertifier",
    "SignedOutsideValidity",
    "BadCertificateSignature",
    "UntrustedTimestampKey",
    "BadTimestampSignature",
    "TimestampDigestMismatch",
    "TimestampOutsideValidity",
    "TimestampMissing",
    "PolicyFull",
]


class SealkitError(Exception):
    """Base class of every sealkit error.

    ``code`` and ``name`` are the core's stable error code and name; the text is the core's
    message.
    """

    code: int = 0
    name: str = "sealkit_error"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message if message is not None else self.name.replace("_", " "))

    @property
    def message(self) -> str:
        """The error's message."""
        return str(self.args[0]) if self.args else ""


class MalformedEnvelope(SealkitError):
    """The envelope is not a well-formed sealkit envelope (codes 1xx)."""


class VerificationError(SealkitError):
    """The envelope is well formed but not acceptable, or the artifact does not match it
    (codes 2xx and 3xx)."""


class LengthMismatch(VerificationError):
    """The artifact's length is not the signed length (codes 300 and 301)."""


class UsageError(SealkitError):
    """The API was called out of order (codes 4xx)."""


class InvalidArgument(SealkitError, ValueError):
    """A bad argument to a policy, key or signing function (codes 5xx)."""


class KeyFileError(SealkitError):
    """A secret key file that cannot be used: not a key file, damaged, a format this version
    does not know, a missing or wrong passphrase (code 902, the CLI's ``key_error``)."""

    code = 902
    name = "key_error"


class EnvelopeTruncated(MalformedEnvelope):
    """The envelope ends before the structure it announces is complete. (100)"""

    code = 100
    name = "envelope_truncated"


class NotTaggedSign1(MalformedEnvelope):
    """The envelope is not a COSE_Sign1 carrying CBOR tag 18. (101)"""

    code = 101
    name = "not_tagged_sign1"


class BadSign1Structure(MalformedEnvelope):
    """The COSE_Sign1 is not a definite array of four items of the right types. (102)"""

    code = 102
    name = "bad_sign1_structure"


class IndefiniteLength(MalformedEnvelope):
    """An indefinite-length item was found; only definite lengths are allowed. (103)"""

    code = 103
    name = "indefinite_length"


class NonCanonicalEncoding(MalformedEnvelope):
    """An item is not in the deterministic encoding of RFC 8949 section 4.2 (a longer-than-
    needed length or integer, or map keys out of order). (104)"""

    code = 104
    name = "non_canonical_encoding"


class DuplicateLabel(MalformedEnvelope):
    """A map holds the same key twice. (105)"""

    code = 105
    name = "duplicate_label"


class TrailingBytes(MalformedEnvelope):
    """Bytes follow the COSE_Sign1. (106)"""

    code = 106
    name = "trailing_bytes"


class BadFieldType(MalformedEnvelope):
    """A header field has the wrong CBOR type (or text is not UTF-8). (107)"""

    code = 107
    name = "bad_field_type"


class UnknownHeader(MalformedEnvelope):
    """The protected header holds a label that sealkit does not define. (108)"""

    code = 108
    name = "unknown_header"


class UnknownCriticalHeader(MalformedEnvelope):
    """``crit`` is empty, names a label absent from the protected header, or names a label
    sealkit does not understand. (109)"""

    code = 109
    name = "unknown_critical_header"


class ContentTypePresent(MalformedEnvelope):
    """The content type header (3) is present; hash envelopes use 259 instead. (110)"""

    code = 110
    name = "content_type_present"


class LegacyHashEnvelopeLabel(MalformedEnvelope):
    """The envelope uses the pre-RFC private hash-envelope labels -6800..-6802. (111)"""

    code = 111
    name = "legacy_hash_envelope_label"


class UnprotectedHeaderNotEmpty(MalformedEnvelope):
    """The unprotected header is not empty; nothing unauthenticated may ride along. (112)"""

    code = 112
    name = "unprotected_header_not_empty"


class WrongEnvelopeType(MalformedEnvelope):
    """The ``typ`` header is not the sealkit envelope media type. (113)"""

    code = 113
    name = "wrong_envelope_type"


class UnknownClaim(MalformedEnvelope):
    """The CWT claims map holds a claim sealkit does not define. (114)"""

    code = 114
    name = "unknown_claim"


class FieldTooLong(MalformedEnvelope):
    """A text field is longer than sealkit's fixed limit. (115)"""

    code = 115
    name = "field_too_long"


class BadKeyIdLength(MalformedEnvelope):
    """The key id is not exactly 8 bytes. (116)"""

    code = 116
    name = "bad_key_id_length"


class BadSignatureLength(MalformedEnvelope):
    """The signature is not exactly 64 bytes. (117)"""

    code = 117
    name = "bad_signature_length"


class PayloadSizeMismatch(MalformedEnvelope):
    """The payload is not a digest of the size the hash algorithm produces. (118)"""

    code = 118
    name = "payload_size_mismatch"


class DetachedPayload(MalformedEnvelope):
    """The payload is detached (nil); sealkit envelopes carry the digest. (119)"""

    code = 119
    name = "detached_payload"


class MissingAlgorithm(MalformedEnvelope):
    """The ``alg`` header (1) is missing. (120)"""

    code = 120
    name = "missing_algorithm"


class MissingKeyId(MalformedEnvelope):
    """The ``kid`` header (4) is missing. (121)"""

    code = 121
    name = "missing_key_id"


class MissingEnvelopeType(MalformedEnvelope):
    """The ``typ`` header (16) is missing. (122)"""

    code = 122
    name = "missing_envelope_type"


class MissingClaims(MalformedEnvelope):
    """The CWT claims header (15) is missing. (123)"""

    code = 123
    name = "missing_claims"


class MissingSubject(MalformedEnvelope):
    """The ``sub`` claim is missing. (124)"""

    code = 124
    name = "missing_subject"


class MissingIssuedAt(MalformedEnvelope):
    """The ``iat`` claim is missing. (125)"""

    code = 125
    name = "missing_issued_at"


class MissingHashAlgorithm(MalformedEnvelope):
    """The ``payload_hash_alg`` header (258) is missing. (126)"""

    code = 126
    name = "missing_hash_algorithm"


class MissingContentType(MalformedEnvelope):
    """The ``payload_preimage_content_type`` header (259) is missing. (127)"""

    code = 127
    name = "missing_content_type"


class MissingLength(MalformedEnvelope):
    """The artifact length header is missing. (128)"""

    code = 128
    name = "missing_length"


class EnvelopeTooLarge(MalformedEnvelope):
    """The envelope is larger than MAX_ENVELOPE_LEN bytes. (129)"""

    code = 129
    name = "envelope_too_large"


class EmptyField(MalformedEnvelope):
    """A text field (``iss``, ``sub`` or the media type) is empty. (130)"""

    code = 130
    name = "empty_field"


class NotSealedStream(MalformedEnvelope):
    """The stream does not start with the sealed-stream magic bytes. (140)"""

    code = 140
    name = "not_sealed_stream"


class UnsupportedSealedVersion(MalformedEnvelope):
    """The sealed stream's format version is not one this module reads. (141)"""

    code = 141
    name = "unsupported_sealed_version"


class SealedStreamTruncated(MalformedEnvelope):
    """The sealed stream ends inside its header or its envelope. (142)"""

    code = 142
    name = "sealed_stream_truncated"


class UnsupportedAlgorithm(VerificationError):
    """``alg`` is neither Ed25519 (-19) nor EdDSA (-8). (200)"""

    code = 200
    name = "unsupported_algorithm"


class UnsupportedHashAlgorithm(UnsupportedAlgorithm):
    """``payload_hash_alg`` is neither SHA-256 (-16) nor SHA-512 (-44). (201)"""

    code = 201
    name = "unsupported_hash_algorithm"


class UntrustedKey(VerificationError):
    """No key in the trust policy has the envelope's key id. (202)"""

    code = 202
    name = "untrusted_key"


class BadSignature(VerificationError):
    """The signature does not verify under the trusted key. (203)"""

    code = 203
    name = "bad_signature"


class IdentityMismatch(VerificationError):
    """The signer identity (``iss``) is absent or not the one the policy requires. (204)"""

    code = 204
    name = "identity_mismatch"


class SubjectMismatch(VerificationError):
    """The subject (``sub``) is not the one the policy requires. (205)"""

    code = 205
    name = "subject_mismatch"


class Rollback(VerificationError):
    """The release version is below the policy's minimum (a rollback). (206)"""

    code = 206
    name = "rollback"


class VersionMissing(Rollback):
    """The policy requires a minimum version and the envelope carries none. (207)"""

    code = 207
    name = "version_missing"


class ArtifactTooLong(LengthMismatch):
    """More bytes arrived than the signed length. (300)"""

    code = 300
    name = "artifact_too_long"


class ArtifactTooShort(LengthMismatch):
    """Fewer bytes arrived than the signed length. (301)"""

    code = 301
    name = "artifact_too_short"


class DigestMismatch(VerificationError):
    """The artifact's digest is not the signed digest. (302)"""

    code = 302
    name = "digest_mismatch"


class AlreadyFinished(UsageError):
    """The verifier already returned its verdict; start a new one. (400)"""

    code = 400
    name = "already_finished"


class NotStarted(UsageError):
    """The verifier holds no envelope yet. (401)"""

    code = 401
    name = "not_started"


class AlreadyStarted(UsageError):
    """The verifier was already started with an envelope; abort it before starting again.
    (402)"""

    code = 402
    name = "already_started"


class InvalidPublicKey(InvalidArgument):
    """A public key is not a valid Ed25519 point, or is of small order. (500)"""

    code = 500
    name = "invalid_public_key"


class TooManyKeys(InvalidArgument):
    """The trust policy already holds its maximum number of keys. (501)"""

    code = 501
    name = "too_many_keys"


class DuplicateKey(InvalidArgument):
    """The trust policy already holds this key (or one with the same key id). (502)"""

    code = 502
    name = "duplicate_key"


class ArgumentTooLong(InvalidArgument):
    """A text argument is longer than sealkit's fixed limit. (503)"""

    code = 503
    name = "argument_too_long"


class BadPublicKeyText(InvalidArgument):
    """A public key's text form is not ``sealkit-ed25519:`` and base64 of 32 bytes. (504)"""

    code = 504
    name = "bad_public_key_text"


class InvalidSecretKey(InvalidArgument):
    """The secret key seed is invalid. (505)"""

    code = 505
    name = "invalid_secret_key"


class BufferTooSmall(InvalidArgument):
    """The output buffer is too small for the envelope. (506)"""

    code = 506
    name = "buffer_too_small"


class EmptyArgument(InvalidArgument):
    """A text argument (identity, subject, media type) is empty. (507)"""

    code = 507
    name = "empty_argument"


class ArgumentNotUtf8(InvalidArgument):
    """A text argument given as bytes is not valid UTF-8. (508)"""

    code = 508
    name = "argument_not_utf8"


# Tree manifests (folders): 150..160 and 310..314.


class TreeSignatureMalformed(MalformedEnvelope):
    """A tree signature file is not the CBOR array ``[envelope, manifest]``. (150)"""

    code = 150
    name = "tree_signature_malformed"


class TreeManifestMalformed(MalformedEnvelope):
    """The tree manifest is not the deterministic CBOR structure of the format. (151)"""

    code = 151
    name = "tree_manifest_malformed"


class UnsupportedTreeManifestVersion(MalformedEnvelope):
    """The tree manifest's version is not one this library reads. (152)"""

    code = 152
    name = "unsupported_tree_manifest_version"


class TreeNotSorted(MalformedEnvelope):
    """The tree manifest's entries are not in path order. (153)"""

    code = 153
    name = "tree_not_sorted"


class DuplicateTreePath(MalformedEnvelope):
    """The tree manifest lists a path twice. (154)"""

    code = 154
    name = "duplicate_tree_path"


class BadTreePath(MalformedEnvelope):
    """A manifest path is empty, too long, or has an empty, ``.``, ``..`` or NUL part. (155)"""

    code = 155
    name = "bad_tree_path"


class MissingParentDirectory(MalformedEnvelope):
    """An entry's parent directory is not listed before it. (156)"""

    code = 156
    name = "missing_parent_directory"


class TreeLimitExceeded(MalformedEnvelope):
    """The manifest exceeds a limit (size, entries, exclusions, depth). (157)"""

    code = 157
    name = "tree_limit_exceeded"


class BadSymlinkTarget(MalformedEnvelope):
    """A symlink target is invalid or its ``outside`` flag is wrong. (158)"""

    code = 158
    name = "bad_symlink_target"


class BadExclusion(MalformedEnvelope):
    """An exclusion pattern is invalid or the list is not sorted and unique. (159)"""

    code = 159
    name = "bad_exclusion"


class NotATreeManifest(MalformedEnvelope):
    """The envelope does not sign a tree manifest (wrong media type). (160)"""

    code = 160
    name = "not_a_tree_manifest"


class TreeFileTooLong(VerificationError):
    """A tree file has more bytes than its signed size. (310)"""

    code = 310
    name = "tree_file_too_long"


class TreeFileTooShort(VerificationError):
    """A tree file has fewer bytes than its signed size. (311)"""

    code = 311
    name = "tree_file_too_short"


class TreeFileDigestMismatch(VerificationError):
    """A tree file's SHA-256 is not the signed one. (312)"""

    code = 312
    name = "tree_file_digest_mismatch"


class TreeEntriesRemaining(VerificationError):
    """The tree verifier finished before every entry was visited. (313)"""

    code = 313
    name = "tree_entries_remaining"


class NoTreeFileOpen(VerificationError):
    """File bytes were given while the current tree entry is not a file. (314)"""

    code = 314
    name = "no_tree_file_open"


class BadCertificate(MalformedEnvelope):
    """A key certificate (in ``kcwt`` or a certificate file) is not the CWT the format
    defines. (170)"""

    code = 170
    name = "bad_certificate"


class BadSignatureSet(MalformedEnvelope):
    """A signature set is not an array of 2 to 8 envelopes, or is too large. (171)"""

    code = 171
    name = "bad_signature_set"


class SignatureSetMismatch(MalformedEnvelope):
    """The envelopes of a signature set do not all sign the same artifact (digest, length,
    type, subject, version). (172)"""

    code = 172
    name = "signature_set_mismatch"


class BadRotation(MalformedEnvelope):
    """A rotation statement is not the signed CWT the format defines. (174)"""

    code = 174
    name = "bad_rotation"


class BadPolicy(MalformedEnvelope):
    """A compiled trust policy is not the CBOR structure the format defines. (175)"""

    code = 175
    name = "bad_policy"


class BadTimestampReceipt(MalformedEnvelope):
    """A timestamp receipt (in the envelope's unprotected header) is not the signed CWT the
    format defines. (176)"""

    code = 176
    name = "bad_timestamp_receipt"


class CertificateExpired(VerificationError):
    """A certificate in the chain has expired (its ``exp`` is not after the current time). (208)"""

    code = 208
    name = "certificate_expired"


class CertificateNotYetValid(VerificationError):
    """A certificate in the chain is not valid yet (its ``nbf`` is after the current time). (209)"""

    code = 209
    name = "certificate_not_yet_valid"


class EnvelopeExpired(VerificationError):
    """The envelope has expired (its ``exp`` is not after the current time). (210)"""

    code = 210
    name = "envelope_expired"


class KeyRevoked(VerificationError):
    """A key in the chain (signing key, certified key or root) is revoked by the policy. (211)"""

    code = 211
    name = "key_revoked"


class CertificateRevoked(VerificationError):
    """A certificate in the chain is revoked by the policy (its ``cti``). (212)"""

    code = 212
    name = "certificate_revoked"


class ChainTooDeep(VerificationError):
    """The certificate chain is longer than the policy or an issuing certificate allows. (213)"""

    code = 213
    name = "chain_too_deep"


class ScopeWidened(VerificationError):
    """A certificate claims a wider scope (subjects or certifying depth) than its issuer. (214)"""

    code = 214
    name = "scope_widened"


class ValidityWidened(VerificationError):
    """A certificate is valid outside its issuer's validity period. (215)"""

    code = 215
    name = "validity_widened"


class UnknownIssuer(VerificationError):
    """A certificate's issuer is not a trusted root, or does not match the certificate above
    it. (216)"""

    code = 216
    name = "unknown_issuer"


class SubjectOutOfScope(VerificationError):
    """The artifact's subject is outside a certificate's or the trusted entry's scope. (217)"""

    code = 217
    name = "subject_out_of_scope"


class ThresholdNotMet(VerificationError):
    """Fewer distinct trusted signers than the policy requires signed the artifact. (218)"""

    code = 218
    name = "threshold_not_met"


class NotACertifier(VerificationError):
    """A key that may not certify other keys issued a certificate. (219)"""

    code = 219
    name = "not_a_certifier"


class SignedOutsideValidity(VerificationError):
    """The envelope's signing time lies outside its signing certificate's validity. (220)"""

    code = 220
    name = "signed_outside_validity"


class BadCertificateSignature(VerificationError):
    """A certificate's signature does not verify under its issuer's key. (221)"""

    code = 221
    name = "bad_certificate_signature"


class UntrustedTimestampKey(VerificationError):
    """The timestamp receipt was not signed by a key the policy trusts to timestamp. (222)"""

    code = 222
    name = "untrusted_timestamp_key"


class BadTimestampSignature(VerificationError):
    """The timestamp receipt's signature does not verify under its timestamp key. (223)"""

    code = 223
    name = "bad_timestamp_signature"


class TimestampDigestMismatch(VerificationError):
    """The timestamp receipt names another envelope than the one it is attached to. (224)"""

    code = 224
    name = "timestamp_digest_mismatch"


class TimestampOutsideValidity(VerificationError):
    """The receipt's time lies outside a certificate's validity in the chain. (225)"""

    code = 225
    name = "timestamp_outside_validity"


class TimestampMissing(VerificationError):
    """The policy requires a timestamp receipt and the envelope carries none. (226)"""

    code = 226
    name = "timestamp_missing"


class PolicyFull(InvalidArgument):
    """The trust policy has no room for more patterns or revocations. (509)"""

    code = 509
    name = "policy_full"


def _all_classes() -> dict[int, type[SealkitError]]:
    out: dict[int, type[SealkitError]] = {}
    stack = [SealkitError]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls is not SealkitError and "code" in cls.__dict__:
            out[cls.code] = cls
    return out


_BY_CODE: dict[int, type[SealkitError]] = _all_classes()


def error_class(code: int) -> type[SealkitError]:
    """The exception class for a core error code (:class:`SealkitError` for an unknown code)."""
    return _BY_CODE.get(code, SealkitError)
