"""Type stubs of the native module (checked against the built module with mypy.stubtest)."""

import os
import sys
from collections.abc import Iterable
from types import TracebackType
from typing import Literal, Union, final

if sys.version_info >= (3, 12):
    from collections.abc import Buffer
else:
    from typing_extensions import Buffer

_StrPath = Union[str, "os.PathLike[str]"]
_KeyLike = Union["PublicKey", str, Buffer]
_KeyIdLike = Union["PublicKey", str, Buffer]

__all__ = [
    "MAX_ENVELOPE_LEN",
    "MAX_TRUSTED_KEYS",
    "PUBLIC_KEY_TEXT_PREFIX",
    "SEALED_HEADER_LEN",
    "PublicKey",
    "SigningKey",
    "TrustPolicy",
    "Unsealer",
    "Verified",
    "Verifier",
    "__version__",
    "error_codes",
    "seal_file",
    "sealed_header",
    "sign_bytes",
    "sign_file",
    "unseal_file",
    "verify_bytes",
    "verify_file",
    "TREE_MEDIA_TYPE",
    "encode_tree_manifest",
    "open_tree_signature",
    "tree_signature",
    "sign_tree",
    "verify_tree",
    "sign_image",
    "verify_image",
    "MAX_SIGNERS",
    "Signer",
    "SignerReport",
    "SignerCheck",
    "check_signers",
    "issue_certificate",
    "sign_rotation",
    "append_signature",
]

__version__: str
PUBLIC_KEY_TEXT_PREFIX: str
MAX_TRUSTED_KEYS: int
MAX_ENVELOPE_LEN: int
SEALED_HEADER_LEN: int
MAX_SIGNERS: int

def error_codes() -> list[tuple[int, str, str]]: ...

@final
class PublicKey:
    @staticmethod
    def from_text(text: str) -> PublicKey: ...
    @staticmethod
    def from_bytes(raw: Buffer) -> PublicKey: ...
    @property
    def text(self) -> str: ...
    @property
    def raw(self) -> bytes: ...
    @property
    def key_id(self) -> str: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __hash__(self) -> int: ...

@final
class TrustPolicy:
    def __new__(
        cls,
        keys: Iterable[_KeyLike | tuple[_KeyLike, str | None]] | None = None,
        *,
        identity: str | None = None,
        subject: str | None = None,
        min_version: int | None = None,
    ) -> TrustPolicy: ...
    def trust_key(self, key: _KeyLike, identity: str | None = None) -> TrustPolicy: ...
    def require_identity(self, identity: str) -> TrustPolicy: ...
    def require_subject(self, subject: str) -> TrustPolicy: ...
    def require_min_version(self, version: int) -> TrustPolicy: ...
    @property
    def keys(self) -> list[tuple[PublicKey, str | None]]: ...
    @property
    def identity(self) -> str | None: ...
    @property
    def subject(self) -> str | None: ...
    @property
    def min_version(self) -> int | None: ...
    @staticmethod
    def from_cbor(data: Buffer) -> TrustPolicy: ...
    @staticmethod
    def from_file(path: _StrPath) -> TrustPolicy: ...
    @staticmethod
    def from_toml(text: str, base_dir: _StrPath | None = None) -> TrustPolicy: ...
    def set_time(self, now: int) -> TrustPolicy: ...
    def apply_rotation(self, statement: Buffer) -> str: ...
    def trust_root(self, key: _KeyLike, name: str | None = None) -> TrustPolicy: ...
    def trust_entry(
        self,
        key: _KeyLike,
        *,
        may_sign: bool = True,
        may_certify: bool = False,
        name: str | None = None,
    ) -> TrustPolicy: ...
    def trust_timestamp_key(self, key: _KeyLike) -> TrustPolicy: ...
    def require_timestamp(self) -> TrustPolicy: ...
    def allow_identity(self, key_id: _KeyIdLike, pattern: str) -> TrustPolicy: ...
    def allow_subject(self, key_id: _KeyIdLike, pattern: str) -> TrustPolicy: ...
    def require_identity_pattern(self, pattern: str) -> TrustPolicy: ...
    def require_subject_pattern(self, pattern: str) -> TrustPolicy: ...
    def revoke_key(self, key_id: _KeyIdLike) -> TrustPolicy: ...
    def revoke_certificate(self, cert_id: Buffer | str) -> TrustPolicy: ...
    def set_max_chain_depth(self, depth: int) -> TrustPolicy: ...
    def require_signers(self, k: int, *, distinct_identities: bool = False) -> TrustPolicy: ...
    @property
    def time(self) -> int | None: ...
    @property
    def threshold(self) -> int: ...
    @property
    def max_chain_depth(self) -> int: ...
    @property
    def timestamp_required(self) -> bool: ...

@final
class Signer:
    @property
    def key_id(self) -> str: ...
    @property
    def identity(self) -> str | None: ...
    @property
    def root_key_id(self) -> str | None: ...
    @property
    def chain_depth(self) -> int: ...
    @property
    def timestamp(self) -> int | None: ...
    @property
    def timestamp_key_id(self) -> str | None: ...
    def __eq__(self, other: object, /) -> bool: ...

@final
class SignerReport:
    @property
    def index(self) -> int: ...
    @property
    def unverified_key_id(self) -> str: ...
    @property
    def signer(self) -> Signer | None: ...
    @property
    def error(self) -> BaseException | None: ...
    @property
    def counted(self) -> bool: ...

@final
class SignerCheck:
    @property
    def reports(self) -> list[SignerReport]: ...
    @property
    def signers(self) -> list[Signer]: ...
    @property
    def is_set(self) -> bool: ...
    @property
    def error(self) -> BaseException | None: ...
    @property
    def ok(self) -> bool: ...

def check_signers(signature: Buffer, policy: TrustPolicy) -> SignerCheck: ...
def issue_certificate(
    issuer: SigningKey,
    key: _KeyLike,
    *,
    issuer_name: str,
    subject: str,
    not_before: int,
    expires_at: int,
    cti: Buffer | str,
    scope: list[str] = ...,
    ca: int | None = None,
) -> bytes: ...
def sign_rotation(old_root: SigningKey, new_root: _KeyLike, issued_at: int) -> bytes: ...
def append_signature(existing: Buffer, envelope: Buffer) -> bytes: ...

@final
class Verified:
    @property
    def key_id(self) -> str: ...
    @property
    def alg(self) -> Literal["Ed25519", "EdDSA"]: ...
    @property
    def identity(self) -> str | None: ...
    @property
    def subject(self) -> str: ...
    @property
    def content_format(self) -> int | None: ...
    @property
    def media_type(self) -> str | None: ...
    @property
    def issued_at(self) -> int: ...
    @property
    def version(self) -> int | None: ...
    @property
    def length(self) -> int: ...
    @property
    def hash_alg(self) -> Literal["sha256", "sha512"]: ...
    @property
    def digest(self) -> bytes: ...
    @property
    def digest_hex(self) -> str: ...
    @property
    def signers(self) -> list[Signer]: ...
    @property
    def time_checked(self) -> bool: ...
    @property
    def expires_at(self) -> int | None: ...

@final
class Verifier:
    def __new__(cls, envelope: Buffer, policy: TrustPolicy) -> Verifier: ...
    def update(self, data: Buffer) -> None: ...
    def finish(self) -> Verified: ...
    def abort(self) -> None: ...
    @property
    def state(self) -> Literal["empty", "active", "finished", "failed"]: ...
    @property
    def error(self) -> BaseException | None: ...
    @property
    def bytes_received(self) -> int: ...
    @property
    def signed_length(self) -> int: ...
    @property
    def hash_alg(self) -> Literal["sha256", "sha512"] | None: ...
    def __enter__(self) -> Verifier: ...
    def __exit__(
        self,
        *_exc: type[BaseException] | None | BaseException | None | TracebackType | None,
    ) -> bool: ...

def verify_bytes(data: Buffer, sig: Buffer | _StrPath, policy: TrustPolicy) -> Verified: ...
def verify_file(path: _StrPath, sig: Buffer | _StrPath, policy: TrustPolicy) -> Verified: ...

@final
class SigningKey:
    @staticmethod
    def generate() -> SigningKey: ...
    @staticmethod
    def from_seed(seed: Buffer) -> SigningKey: ...
    @staticmethod
    def load(path: _StrPath, passphrase: str | Buffer | None = None) -> SigningKey: ...
    def to_key_file(self, passphrase: str | Buffer | None = None) -> str: ...
    @property
    def public_key(self) -> PublicKey: ...

def sign_bytes(
    data: Buffer,
    key: SigningKey,
    *,
    subject: str,
    identity: str | None = None,
    version: int | None = None,
    hash: str = "sha256",
    alg: str = "Ed25519",
    content_type: str | int | None = None,
    issued_at: int | None = None,
) -> bytes: ...

@final
class Unsealer:
    def __new__(cls, policy: TrustPolicy) -> Unsealer: ...
    def update(self, data: Buffer) -> bytes: ...
    def finish(self) -> Verified: ...
    @property
    def state(self) -> Literal["header", "envelope", "payload", "finished", "failed"]: ...
    @property
    def error(self) -> BaseException | None: ...
    @property
    def signed_length(self) -> int | None: ...
    @property
    def bytes_received(self) -> int: ...

def unseal_file(src: _StrPath, dest: _StrPath, policy: TrustPolicy) -> Verified: ...
def seal_file(
    src: _StrPath,
    dest: _StrPath,
    key: SigningKey,
    *,
    subject: str | None = None,
    identity: str | None = None,
    version: int | None = None,
    hash: str = "sha256",
    alg: str = "Ed25519",
    content_type: str | int | None = None,
    issued_at: int | None = None,
) -> bytes: ...
def sealed_header(envelope_len: int) -> bytes: ...
def sign_file(
    path: _StrPath,
    key: SigningKey,
    *,
    subject: str | None = None,
    identity: str | None = None,
    version: int | None = None,
    hash: str = "sha256",
    alg: str = "Ed25519",
    content_type: str | int | None = None,
    issued_at: int | None = None,
) -> bytes: ...

# Tree manifests (folders); see sealkit.tree.
_TreeEntry = tuple[str, str, int, bytes, bool, str, bool]
TREE_MEDIA_TYPE: str

def encode_tree_manifest(exclusions: list[str], entries: list[_TreeEntry]) -> bytes: ...
def tree_signature(envelope: bytes, manifest: bytes) -> bytes: ...
def open_tree_signature(
    sig: bytes, policy: TrustPolicy
) -> tuple[Verified, list[str], list[_TreeEntry]]: ...
def sign_tree(
    directory: _StrPath,
    key: SigningKey,
    *,
    exclude: list[str] = ...,
    subject: str | None = None,
    identity: str | None = None,
    version: int | None = None,
    hash: str = "sha256",
    alg: str = "Ed25519",
    issued_at: int | None = None,
    workers: int | None = None,
) -> bytes: ...
def verify_tree(
    directory: _StrPath,
    sig: bytes,
    policy: TrustPolicy,
    *,
    workers: int | None = None,
) -> tuple[
    Verified,
    list[str],
    int,
    list[tuple[str, str]],
    list[tuple[str, str, str | None, str | None]],
]: ...

# Container images; see sealkit.image.
def verify_image(
    target: str,
    policy: TrustPolicy,
    *,
    sig: bytes | None = None,
    sig_path: _StrPath | None = None,
    platform: str | None = None,
) -> tuple[
    Verified,
    str,
    str,
    str,
    tuple[str, str] | None,
    list[tuple[str, str, int, bool]],
    int,
    list[str],
]: ...
def sign_image(
    target: str,
    key: SigningKey,
    *,
    subject: str | None = None,
    identity: str | None = None,
    version: int | None = None,
    alg: str = "Ed25519",
    issued_at: int | None = None,
    platform: str | None = None,
    output: _StrPath | None = None,
) -> tuple[bytes, str, str]: ...
