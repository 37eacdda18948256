"""Folders: sign a directory tree and verify it, with a report of every difference.

The tree signature (``DIR.sig``) is the CBOR array ``[envelope, manifest]`` of
``docs/FORMAT.md``, section "Tree manifests", and is the same file ``sealkit sign DIR``
writes. The core checks the signature, the policy, the manifest's digest and every manifest
rule (:func:`sealkit._sealkit.open_tree_signature`); this module walks the directory without
following symlinks, hashes the files on a thread pool (``hashlib`` releases the GIL) with one
fixed buffer per worker, and compares.

Sign and verify::

    import sealkit

    key = sealkit.SigningKey.load("vendor.key")
    sealkit.sign_tree("plugin", key, output="plugin.sig", exclude=["*.log"])

    policy = sealkit.TrustPolicy(["sealkit-ed25519:..."])
    report = sealkit.verify_tree("plugin", "plugin.sig", policy)  # raises TreeMismatch
    print(report.verified.subject, report.entries)
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
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

_BUFFER = 1 << 20
_MAX_PATH = 1024
_MAX_DEPTH = 64


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


def _sort_key(path: str) -> bytes:
    return path.encode("utf-8").replace(b"/", b"\x00")


class _Exclusions:
    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = sorted(set(patterns))
        self._rules: list[tuple[bool, re.Pattern[str]]] = []
        for p in self.patterns:
            body = p.strip("/")
            rx = "".join(
                "[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) for c in body
            )
            self._rules.append(("/" in body, re.compile(rx, re.DOTALL)))

    def excludes(self, path: str, name: str) -> bool:
        return any(rx.fullmatch(path if whole else name) for whole, rx in self._rules)


@dataclass
class _Node:
    path: str
    kind: str  # "file", "directory", "symlink"
    size: int = 0
    executable: bool = False
    ident: tuple[int, int] = (0, 0)
    target: str = ""


def _utf8(text: str, shown: str) -> str:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise NotUtf8Name(
            f"{shown!r} has a name or symlink target that is not valid UTF-8; "
            "tree manifests hold UTF-8 paths only"
        ) from None
    return text


def _special(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISBLK(mode):
        return "block device"
    if stat.S_ISCHR(mode):
        return "character device"
    return "special file"


def _walk(root: str, exclusions: _Exclusions) -> list[_Node]:
    out: list[_Node] = []
    stack = [("", root)]
    while stack:
        rel_dir, abs_dir = stack.pop()
        with os.scandir(abs_dir) as it:
            for item in it:
                rel = f"{rel_dir}/{item.name}" if rel_dir else item.name
                _utf8(item.name, rel)
                if exclusions.excludes(rel, item.name):
                    continue
                if len(rel.encode()) > _MAX_PATH or rel.count("/") >= _MAX_DEPTH:
                    raise TreeTooLarge(f"{rel!r} is deeper or longer than a manifest allows")
                st = item.stat(follow_symlinks=False)
                if stat.S_ISLNK(st.st_mode):
                    target = _utf8(os.readlink(item.path), rel)
                    out.append(_Node(rel, "symlink", target=target))
                elif stat.S_ISDIR(st.st_mode):
                    out.append(_Node(rel, "directory"))
                    stack.append((rel, item.path))
                elif stat.S_ISREG(st.st_mode):
                    out.append(
                        _Node(
                            rel,
                            "file",
                            size=st.st_size,
                            executable=bool(st.st_mode & 0o111),
                            ident=(st.st_dev, st.st_ino),
                        )
                    )
                else:
                    raise SpecialFile(
                        f"{rel!r} is a {_special(st.st_mode)}; devices, sockets and FIFOs "
                        "cannot be signed or verified (exclude it)"
                    )
    out.sort(key=lambda n: _sort_key(n.path))
    return out


def _hash_one(root: str, node: _Node) -> tuple[int, bytes]:
    with open(os.path.join(root, node.path), "rb", buffering=0) as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) != node.ident:
            raise OSError(f"{node.path} changed while the tree was read")
        h = hashlib.sha256()
        buf = bytearray(_BUFFER)
        view = memoryview(buf)
        total = 0
        while True:
            n = f.readinto(buf)
            if not n:
                break
            h.update(view[:n])
            total += n
        return total, h.digest()


def _hash_all(root: str, nodes: Sequence[_Node], workers: int | None) -> list[tuple[int, bytes]]:
    if not nodes:
        return []
    with ThreadPoolExecutor(max_workers=workers or os.cpu_count() or 1) as pool:
        return list(pool.map(lambda n: _hash_one(root, n), nodes))


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
    manifest cannot describe."""
    root = os.fspath(directory)
    if not os.path.isdir(root):
        raise NotADirectoryError(root)
    exclusions = _Exclusions(exclude)
    nodes = _walk(root, exclusions)
    files = [n for n in nodes if n.kind == "file"]
    hashed = dict(zip((n.path for n in files), _hash_all(root, files, workers)))
    entries = []
    for n in nodes:
        if n.kind == "file":
            size, digest = hashed[n.path]
            if size != n.size:
                raise OSError(f"{n.path} changed while it was being signed")
            entries.append((n.path, "file", n.size, digest, n.executable, "", False))
        else:
            entries.append((n.path, n.kind, 0, b"", False, n.target, False))
    manifest = _sealkit.encode_tree_manifest(exclusions.patterns, entries)
    name = subject if subject is not None else os.path.basename(os.path.abspath(root))
    envelope = _sealkit.sign_bytes(
        manifest,
        key,
        subject=name,
        identity=identity,
        version=version,
        hash=hash,
        content_type=TREE_MEDIA_TYPE,
        issued_at=issued_at,
    )
    sig = _sealkit.tree_signature(envelope, manifest)
    if output is not None:
        with open(output, "wb") as f:
            f.write(sig)
    return sig


def _describe(kind: str, size: int, executable: bool, target: str, outside: bool) -> str:
    if kind == "file":
        return f"{'executable ' if executable else ''}file, {size} bytes"
    if kind == "symlink":
        return f"symlink to {target}{' (outside the tree)' if outside else ''}"
    return "directory"


def _leaves_tree(path: str, target: str) -> bool:
    if target.startswith("/"):
        return True
    level = path.count("/")
    for c in target.split("/"):
        if c in ("", "."):
            continue
        if c == "..":
            if level == 0:
                return True
            level -= 1
        else:
            level += 1
    return False


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
    verified, patterns, entries = _sealkit.open_tree_signature(sig_bytes, policy)
    nodes = _walk(root, _Exclusions(patterns))
    diffs: list[TreeDifference] = []
    to_hash: list[tuple[str, bytes, int, _Node]] = []
    by_path = {n.path: n for n in nodes}
    signed_paths = set()
    for path, kind, size, digest, executable, target, outside in entries:
        signed_paths.add(path)
        n = by_path.get(path)
        expected = _describe(kind, size, executable, target, outside)
        if n is None:
            diffs.append(TreeDifference(path, "removed", expected, None))
            continue
        actual = _describe(n.kind, n.size, n.executable, n.target, _leaves_tree(path, n.target))
        if kind != n.kind:
            diffs.append(TreeDifference(path, "kind_changed", expected, actual))
        elif kind == "file":
            if executable != n.executable:
                diffs.append(
                    TreeDifference(
                        path,
                        "executable_changed",
                        str(executable).lower(),
                        str(n.executable).lower(),
                    )
                )
            if size != n.size:
                diffs.append(TreeDifference(path, "modified", f"{size} bytes", f"{n.size} bytes"))
            else:
                to_hash.append((path, digest, size, n))
        elif kind == "symlink" and target != n.target:
            diffs.append(TreeDifference(path, "target_changed", target, n.target))
    for n in nodes:
        if n.path not in signed_paths:
            actual = _describe(
                n.kind, n.size, n.executable, n.target, _leaves_tree(n.path, n.target)
            )
            diffs.append(TreeDifference(n.path, "added", None, actual))
    results = _hash_all(root, [t[3] for t in to_hash], workers)
    for (path, digest, size, _), (read, actual_digest) in zip(to_hash, results):
        if read != size or actual_digest != digest:
            diffs.append(
                TreeDifference(
                    path, "modified", f"sha256:{digest.hex()}", f"sha256:{actual_digest.hex()}"
                )
            )
    diffs.sort(key=lambda d: (_sort_key(d.path), d.change))
    outside_links = [(e[0], e[5]) for e in entries if e[1] == "symlink" and e[6]]
    report = TreeReport(verified, len(entries), outside_links, diffs)
    if diffs and check:
        raise TreeMismatch(report)
    return report
