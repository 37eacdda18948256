"""Container images: verify and sign OCI image layouts and ``docker save`` archives.

Targets are written as for the CLI: ``oci:DIR[:TAG]`` (an OCI image layout directory, as
``skopeo copy ... oci:DIR:TAG`` writes) and ``docker-archive:FILE[:NAME:TAG]`` (a
``docker save`` archive, plain or gzip-compressed). The envelope signs the image manifest's
digest; verification checks the signature and policy first, then the manifest's digest, then
re-hashes every blob it references (config, layers, every platform of an index), streaming,
and names each blob that fails. This is the same Rust code as ``sealkit verify oci:...``
(the ``sealkit-artifacts`` crate), run with the GIL released; the format is in
``docs/FORMAT.md``, section "Container images". Registry references (``registry://``) are the
CLI's only.

Verify::

    import sealkit

    policy = sealkit.TrustPolicy(["sealkit-ed25519:..."])
    result = sealkit.verify_image("oci:img:v1", policy)  # the signature stored in the layout
    print(result.manifest_digest, result.verified.subject, len(result.blobs))

Errors are :class:`ImageError` subclasses with the CLI's stable ``code`` (920 to 930) and the
failing blob's ``digest``, or the core's exceptions (``UntrustedKey``, ``BadSignature``, ...)
when the signature or the policy is refused.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from . import _sealkit
from .errors import SealkitError, VerificationError, error_class

__all__ = [
    "ArchiveInvalid",
    "BadDigest",
    "BlobDigestMismatch",
    "BlobFailure",
    "BlobMissing",
    "BlobResult",
    "BlobSizeMismatch",
    "ImageContentMismatch",
    "ImageError",
    "ImageNotFound",
    "ImageVerification",
    "ManifestInvalid",
    "MediaTypeMismatch",
    "NotAnImageLayout",
    "SignatureNotFound",
    "sign_image",
    "verify_image",
]


@dataclass(frozen=True)
class BlobResult:
    """One blob that was checked: what it is (``config``, ``layer 2``, ``manifest linux/arm64
    (entry 2) of the image index``, ...), its descriptor's digest and size, and whether it
    matched."""

    role: str
    digest: str
    size: int
    ok: bool


@dataclass(frozen=True)
class BlobFailure:
    """One blob that does not match its descriptor, with the code and name of why
    (:class:`BlobMissing`, :class:`BlobSizeMismatch`, :class:`BlobDigestMismatch`)."""

    role: str
    digest: str
    code: int
    name: str
    message: str


@dataclass(frozen=True)
class ImageVerification:
    """What :func:`verify_image` found: the signature's verified facts, which signature
    verified (a file, ``<bytes>`` or ``referrer sha256:...``), the signed manifest's digest and
    media type, the platform chosen from an index (and the index's digest), every blob checked,
    the bytes re-hashed, and blobs of a layout directory that belong neither to the image nor
    to its signatures (not verified, listed for information)."""

    verified: _sealkit.Verified
    signature: str
    manifest_digest: str
    media_type: str
    platform: tuple[str, str] | None
    blobs: list[BlobResult]
    bytes_checked: int
    unreferenced: list[str] = field(default_factory=list)


class ImageError(SealkitError):
    """An image cannot be verified or signed (codes 920 to 930, as the CLI's).

    ``digest`` names the blob or manifest that failed, when one did; ``rejected`` is True when
    the image itself is unacceptable (the CLI's exit status 1) rather than unreadable or the
    request unusable (exit status 2)."""

    def __init__(
        self, message: str | None = None, digest: str | None = None, rejected: bool = True
    ) -> None:
        super().__init__(message)
        self.digest = digest
        self.rejected = rejected


class NotAnImageLayout(ImageError):
    """The directory is not an OCI image layout (no ``oci-layout`` or ``index.json``), or it
    cannot be read. (920)"""

    code = 920
    name = "not_an_image_layout"


class ImageNotFound(ImageError):
    """No image with that tag (or platform), or several and none chosen. (921)"""

    code = 921
    name = "image_not_found"


class ManifestInvalid(ImageError):
    """A signed manifest, index or configuration is not valid JSON of its type. (922)"""

    code = 922
    name = "manifest_invalid"


class BlobMissing(ImageError):
    """A referenced blob is absent. (923)"""

    code = 923
    name = "blob_missing"


class BlobSizeMismatch(ImageError):
    """A blob's size differs from its descriptor. (924)"""

    code = 924
    name = "blob_size_mismatch"


class BlobDigestMismatch(ImageError):
    """A blob's digest differs from its descriptor. (925)"""

    code = 925
    name = "blob_digest_mismatch"


class SignatureNotFound(ImageError):
    """No signature was given and none is stored in the layout. (926)"""

    code = 926
    name = "signature_not_found"


class ArchiveInvalid(ImageError):
    """The ``docker save`` archive is not usable (no manifest.json, duplicate entries, not a
    tar or gzip stream). (927)"""

    code = 927
    name = "archive_invalid"


class MediaTypeMismatch(ImageError):
    """The signed content type is not the manifest's media type. (928)"""

    code = 928
    name = "media_type_mismatch"


class ImageContentMismatch(ImageError, VerificationError):
    """The signature and the manifest verified, but blobs do not match it (929). ``failures``
    lists every failing blob (``digest`` is the first one's), ``blobs`` every blob checked."""

    code = 929
    name = "image_content_mismatch"

    def __init__(
        self,
        message: str | None = None,
        digest: str | None = None,
        rejected: bool = True,
        blobs: list[BlobResult] | None = None,
        failures: list[BlobFailure] | None = None,
    ) -> None:
        super().__init__(message, digest, rejected)
        self.blobs = blobs or []
        self.failures = failures or []


class BadDigest(ImageError):
    """A descriptor's digest is not ``sha256:`` + 64 or ``sha512:`` + 128 lower-case hex
    digits. (930)"""

    code = 930
    name = "bad_digest"


_IMAGE_CLASSES: dict[int, type[ImageError]] = {
    c.code: c
    for c in (
        NotAnImageLayout,
        ImageNotFound,
        ManifestInvalid,
        BlobMissing,
        BlobSizeMismatch,
        BlobDigestMismatch,
        SignatureNotFound,
        ArchiveInvalid,
        MediaTypeMismatch,
        ImageContentMismatch,
        BadDigest,
    )
}


def image_error(
    code: int,
    message: str,
    digest: str | None,
    rejected: bool,
    blobs: list[tuple[str, str, int, bool]],
    failures: list[tuple[str, str, int, str, str]],
) -> SealkitError:
    """The exception for an error of the native module (used by it; not part of the API)."""
    if code == ImageContentMismatch.code:
        return ImageContentMismatch(
            message,
            digest,
            rejected,
            [BlobResult(*b) for b in blobs],
            [BlobFailure(*f) for f in failures],
        )
    cls = _IMAGE_CLASSES.get(code)
    if cls is not None:
        return cls(message, digest, rejected)
    # A core error (the signature or the policy refused): the core's class, with the
    # message naming the signature and the manifest.
    err = error_class(code)(message)
    err.digest = digest  # type: ignore[attr-defined]
    return err


def verify_image(
    target: str,
    policy: _sealkit.TrustPolicy,
    *,
    sig: str | os.PathLike[str] | bytes | None = None,
    platform: str | None = None,
) -> ImageVerification:
    """Verifies the image ``target`` (``oci:DIR[:TAG]`` or ``docker-archive:FILE[:NAME:TAG]``)
    under ``policy``. ``sig`` is the envelope (a path or the bytes); by default the signatures
    stored in the layout as OCI 1.1 referrers are tried, and ``FILE.sig`` beside an archive.
    For an image index, ``platform`` (``os/arch[/variant]``) verifies the signature of that
    platform's manifest instead of the index's (see ``sign_image(platform=...)``).

    Raises an :class:`ImageError` subclass (with ``code`` and ``digest``;
    :class:`ImageContentMismatch` lists every failing blob) or the core's exception when the
    signature or the policy is refused."""
    if isinstance(sig, (bytes, bytearray, memoryview)):
        native = _sealkit.verify_image(target, policy, sig=bytes(sig), platform=platform)
    else:
        native = _sealkit.verify_image(target, policy, sig_path=sig, platform=platform)
    verified, signature, digest, media_type, chosen, blobs, nbytes, unreferenced = native
    return ImageVerification(
        verified,
        signature,
        digest,
        media_type,
        chosen,
        [BlobResult(*b) for b in blobs],
        nbytes,
        unreferenced,
    )


def sign_image(
    target: str,
    key: _sealkit.SigningKey,
    *,
    subject: str | None = None,
    identity: str | None = None,
    version: int | None = None,
    issued_at: int | None = None,
    platform: str | None = None,
    output: str | os.PathLike[str] | None = None,
) -> bytes:
    """Signs the image ``target`` and returns the envelope. Every blob is checked first (a
    broken image raises :class:`ImageContentMismatch` and is not signed). The signature is
    stored where ``sealkit sign`` stores it: in a layout as an OCI 1.1 referrer, beside an
    archive as ``FILE.sig``; or at ``output``. ``subject`` defaults to the tag or image name.
    For an image index, ``platform`` signs that platform's manifest instead of the index."""
    envelope, _stored, _digest = _sealkit.sign_image(
        target,
        key,
        subject=subject,
        identity=identity,
        version=version,
        issued_at=issued_at,
        platform=platform,
        output=output,
    )
    return envelope
