"""Folders: sign a directory tree and verify it, with a report of every difference.

The tree signature (``DIR.sig``) is the CBOR array ``[envelope, manifest]`` of
``docs/FORMAT.md``, section "Tree manifests", and is the same file ``sealkit sign DIR``
writes. Walking (symlinks recorded, never followed), hashing on a thread pool with one fixed
buffer per worker, building the manifest and comparing a directory with it are done by the
same Rust code as the CLI's (the ``sealkit-artifacts`` crate), with the GIL released; the core
checks the signature, the policy, the manifest's digest and every manifest rule. This module
only turns the results into :class:`TreeReport` and the exceptions below.

Sign and verify::

    import sealkit

    key = sealkit.SigningKey.load("vendor.key")
    sealkit.sign_tree("plugin", key, output="plugin.sig", exclude=["*.log"])

    policy = sealkit.TrustPolicy(["sealkit-ed25519:..."])
    report = sealkit.verify_tree("plugin", "plugin.sig", policy)  # raises TreeMismatch
    print(report.verified.subject, report.entries)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field

from . import _sealkit
from .errors import SealkitError, VerificationError

__all__ = [
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

TREE_MEDIA_TYPE: str = _sealkit.TREE_MEDIA_TYPE


@dataclass(frozen=True)
class TreeDifference:
    """One difference between the signed manifest and the directory.

    ``change`` is ``added``, ``removed``, ``modified``, ``kind_changed``,
    ``executable_changed`` or ``target_changed``; ``expected`` and ``actual`` describe the
    signed and the present state (None where absent).
    """

    path: str
    change: str
    expected: str | None
    actual: str | None


@dataclass(frozen=True)
class TreeReport:
    """What :func:`verify_tree` found: the manifest's verified facts, the number of entries,
    the symlinks that point outside the tree (recorded, never followed), and the
    differences (empty when the tree verified)."""

    verified: _sealkit.Verified
    entries: int
    outside_symlinks: list[tuple[str, str]] = field(default_factory=list)
    differences: list[TreeDifference] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the directory is exactly the signed tree."""
        return not self.differences


class TreeError(SealkitError):
    """The directory cannot be described by a tree manifest (codes 911 to 913, as the CLI's)."""


class SpecialFile(TreeError):
    """The tree holds a device, socket or FIFO. (911)"""

    code = 911
    name = "special_file"


class NotUtf8Name(TreeError):
    """The tree holds a name or symlink target that is not valid UTF-8. (912)"""

    code = 912
    name = "not_utf8_name"


class TreeTooLarge(TreeError):
    """A path is deeper or longer than a manifest allows, or there are too many. (913)"""

    code = 913
    name = "tree_too_large"


class TreeMismatch(VerificationError):
    """The directory differs from its signed manifest (910, as the CLI's ``tree_mismatch``).
    ``report`` holds every difference."""

    code = 910
    name = "tree_mismatch"

    def __init__(self, report: TreeReport) -> None:
        n = len(report.differences)
        super().__init__(f"the directory differs from its signed manifest: {n} difference(s)")
        self.report = report

    @property
    def differences(self) -> list[TreeDifference]:
        """Every difference, in manifest order."""
        return self.report.differences


def sign_tree(
    directory: str | os.PathLike[str],
    key: _sealkit.SigningKey,
    *,
    output: str | os.PathLike[str] | None = None,
    exclude: Iterable[str] = (),
    subject: str | None = None,
    identity: str | None = None,
    version: int | None = None,
    hash: str = "sha256",
    issued_at: int | None = None,
    workers: int | None = None,
) -> bytes:
    """Signs the directory tree and returns the tree signature file's bytes (also written to
    ``output`` if given). ``exclude`` patterns (``*``, ``?``; without ``/`` they match a name
    at any depth) are signed in the manifest. ``subject`` defaults to the directory's name.
    Raises :class:`SpecialFile`, :class:`NotUtf8Name` or :class:`TreeTooLarge` for trees a
    manifest cannot describe, ``OSError`` for a file that cannot be read, ``ValueError`` for
    a bad exclusion pattern or a file that changed while it was being signed."""
    root = os.fspath(directory)
    if not os.path.isdir(root):
        raise NotADirectoryError(root)
    sig = _sealkit.sign_tree(
        root,
        key,
        exclude=list(exclude),
        subject=subject,
        identity=identity,
        version=version,
        hash=hash,
        issued_at=issued_at,
        workers=workers,
    )
    if output is not None:
        with open(output, "wb") as f:
            f.write(sig)
    return sig


def verify_tree(
    directory: str | os.PathLike[str],
    sig: str | os.PathLike[str] | bytes,
    policy: _sealkit.TrustPolicy,
    *,
    check: bool = True,
    workers: int | None = None,
) -> TreeReport:
    """Verifies the directory against its tree signature (a path or the bytes) under
    ``policy``. The signature, policy and manifest are checked first (the core's errors are
    raised as for files); then the directory is walked and every added, removed, modified,
    kind-changed, executable-bit-changed and symlink-target-changed path is collected. With
    ``check`` (the default) any difference raises :class:`TreeMismatch` carrying the report;
    with ``check=False`` the report is returned either way."""
    root = os.fspath(directory)
    if isinstance(sig, (bytes, bytearray, memoryview)):
        sig_bytes = bytes(sig)
    else:
        with open(sig, "rb") as f:
            sig_bytes = f.read()
    verified, _exclusions, entries, outside, differences = _sealkit.verify_tree(
        root, sig_bytes, policy, workers=workers
    )
    diffs = [TreeDifference(*d) for d in differences]
    report = TreeReport(verified, entries, outside, diffs)
    if diffs and check:
        raise TreeMismatch(report)
    return report
