"""sealkit: verify and sign files with compact signature envelopes.

A vendor signs an artifact (a file) with an Ed25519 key; the signature envelope (a ``.sig``
file, a COSE_Sign1 hash envelope of about 150 bytes) states the artifact's digest, length,
name, signer identity and release version. Verification checks the signature and the trust
policy before any artifact byte is read, then streams the artifact through SHA-2 with constant
memory and compares at the end.

Verify::

    import sealkit

    policy = sealkit.TrustPolicy(["sealkit-ed25519:..."], subject="app.tar.gz")
    facts = sealkit.verify_file("app.tar.gz", "app.tar.gz.sig", policy)
    print(facts.version, facts.digest_hex)

Errors are exceptions from :mod:`sealkit.errors`, each with the core's stable ``code`` and
``name``.
"""

from . import errors
from ._sealkit import (
    MAX_ENVELOPE_LEN,
    MAX_TRUSTED_KEYS,
    PUBLIC_KEY_TEXT_PREFIX,
    SEALED_HEADER_LEN,
    PublicKey,
    SigningKey,
    TrustPolicy,
    Unsealer,
    Verified,
    Verifier,
    __version__,
    error_codes,
    seal_file,
    sealed_header,
    sign_bytes,
    sign_file,
    unseal_file,
    verify_bytes,
    verify_file,
)
from .errors import (
    AlreadyFinished,
    AlreadyStarted,
    ArtifactTooLong,
    ArtifactTooShort,
    BadPublicKeyText,
    BadSignature,
    DigestMismatch,
    IdentityMismatch,
    InvalidArgument,
    InvalidPublicKey,
    KeyFileError,
    LengthMismatch,
    MalformedEnvelope,
    NotSealedStream,
    NotStarted,
    Rollback,
    SealedStreamTruncated,
    SealkitError,
    SubjectMismatch,
    UnsupportedAlgorithm,
    UnsupportedSealedVersion,
    UntrustedKey,
    UsageError,
    VerificationError,
    VersionMissing,
)
from .tree import (
    TREE_MEDIA_TYPE,
    NotUtf8Name,
    SpecialFile,
    TreeDifference,
    TreeError,
    TreeMismatch,
    TreeReport,
    TreeTooLarge,
    sign_tree,
    verify_tree,
)

__all__ = [
    "MAX_ENVELOPE_LEN",
    "MAX_TRUSTED_KEYS",
    "PUBLIC_KEY_TEXT_PREFIX",
    "SEALED_HEADER_LEN",
    "AlreadyFinished",
    "AlreadyStarted",
    "ArtifactTooLong",
    "ArtifactTooShort",
    "BadPublicKeyText",
    "BadSignature",
    "DigestMismatch",
    "IdentityMismatch",
    "InvalidArgument",
    "InvalidPublicKey",
    "KeyFileError",
    "LengthMismatch",
    "MalformedEnvelope",
    "NotSealedStream",
    "NotStarted",
    "PublicKey",
    "Rollback",
    "SealedStreamTruncated",
    "SealkitError",
    "SigningKey",
    "SubjectMismatch",
    "TrustPolicy",
    "UnsupportedAlgorithm",
    "UnsupportedSealedVersion",
    "Unsealer",
    "UntrustedKey",
    "UsageError",
    "VerificationError",
    "Verified",
    "Verifier",
    "VersionMissing",
    "__version__",
    "error_codes",
    "errors",
    "seal_file",
    "sealed_header",
    "sign_bytes",
    "sign_file",
    "unseal_file",
    "verify_bytes",
    "verify_file",
    "TREE_MEDIA_TYPE",
    "NotUtf8Name",
    "SpecialFile",
    "TreeDifference",
    "TreeError",
    "TreeMismatch",
    "TreeReport",
    "TreeTooLarge",
    "sign_tree",
    "verify_tree",
]
