//! The one error type shared by the core and every binding.

use core::fmt;

/// Every way verification, policy construction or signing can fail.
///
/// Each variant has a stable numeric [`code`](Error::code) that never changes meaning and is never
/// reused, and a static [`message`](Error::message). Bindings map these codes one to one.
/// Codes are grouped: 1xx the envelope is malformed, 2xx the envelope is well formed but not
/// acceptable (algorithm, key, signature, policy), 3xx the artifact does not match, 4xx misuse of
/// the API, 5xx bad arguments to policy or signing functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
#[repr(u16)]
pub enum Error {
    // 1xx: malformed envelope.
    /// The envelope ends before the structure it announces is complete.
    EnvelopeTruncated = 100,
    /// The envelope is not a COSE_Sign1 carrying CBOR tag 18.
    NotTaggedSign1 = 101,
    /// The COSE_Sign1 is not a definite array of four items of the right types.
    BadSign1Structure = 102,
    /// An indefinite-length item was found; only definite lengths are allowed.
    IndefiniteLength = 103,
    /// An item is not in the deterministic encoding of RFC 8949 section 4.2
    /// (a longer-than-needed length or integer, or map keys out of order).
    NonCanonicalEncoding = 104,
    /// A map holds the same key twice.
    DuplicateLabel = 105,
    /// Bytes follow the COSE_Sign1.
    TrailingBytes = 106,
    /// A header field has the wrong CBOR type (or text is not UTF-8).
    BadFieldType = 107,
    /// The protected header holds a label that sealkit does not define.
    UnknownHeader = 108,
    /// `crit` is empty, names a label absent from the protected header, or names a label sealkit
    /// does not understand.
    UnknownCriticalHeader = 109,
    /// The content type header (3) is present; hash envelopes use 259 instead.
    ContentTypePresent = 110,
    /// The envelope uses the pre-RFC private hash-envelope labels -6800..-6802.
    LegacyHashEnvelopeLabel = 111,
    /// The unprotected header is not empty; nothing unauthenticated may ride along.
    UnprotectedHeaderNotEmpty = 112,
    /// The `typ` header is not the sealkit envelope media type.
    WrongEnvelopeType = 113,
    /// The CWT claims map holds a claim sealkit does not define.
    UnknownClaim = 114,
    /// A text field is longer than sealkit's fixed limit.
    FieldTooLong = 115,
    /// The key id is not exactly 8 bytes.
    BadKeyIdLength = 116,
    /// The signature is not exactly 64 bytes.
    BadSignatureLength = 117,
    /// The payload is not a digest of the size the hash algorithm produces.
    PayloadSizeMismatch = 118,
    /// The payload is detached (nil); sealkit envelopes carry the digest.
    DetachedPayload = 119,
    /// The `alg` header (1) is missing.
    MissingAlgorithm = 120,
    /// The `kid` header (4) is missing.
    MissingKeyId = 121,
    /// The `typ` header (16) is missing.
    MissingEnvelopeType = 122,
    /// The CWT claims header (15) is missing.
    MissingClaims = 123,
    /// The `sub` claim is missing.
    MissingSubject = 124,
    /// The `iat` claim is missing.
    MissingIssuedAt = 125,
    /// The `payload_hash_alg` header (258) is missing.
    MissingHashAlgorithm = 126,
    /// The `payload_preimage_content_type` header (259) is missing.
    MissingContentType = 127,
    /// The artifact length header is missing.
    MissingLength = 128,
    /// The envelope is larger than [`MAX_ENVELOPE_LEN`](crate::MAX_ENVELOPE_LEN) bytes.
    EnvelopeTooLarge = 129,
    /// A text field (`iss`, `sub` or the media type) is empty.
    EmptyField = 130,

    // 140..149: sealed streams.
    /// The stream does not start with the sealed-stream magic bytes.
    NotSealedStream = 140,
    /// The sealed stream's format version is not one this crate reads.
    UnsupportedSealedVersion = 141,
    /// The sealed stream ends inside its header or its envelope.
    SealedStreamTruncated = 142,

    // 150..169: tree manifests (folders).
    /// A tree signature file is not the CBOR array `[envelope, manifest]` of two byte strings.
    TreeSignatureMalformed = 150,
    /// The tree manifest is not the deterministic CBOR structure the format defines.
    TreeManifestMalformed = 151,
    /// The tree manifest's format version is not one this crate reads.
    UnsupportedTreeManifestVersion = 152,
    /// The tree manifest's entries are not in path order.
    TreeNotSorted = 153,
    /// The tree manifest lists a path twice.
    DuplicateTreePath = 154,
    /// A manifest path is empty, too long, has an empty, `.` or `..` component, or holds NUL.
    BadTreePath = 155,
    /// An entry's parent directory is not listed as a directory before it.
    MissingParentDirectory = 156,
    /// The manifest exceeds a limit: size, number of entries or exclusions, or path depth.
    TreeLimitExceeded = 157,
    /// A symlink target is empty, too long, holds NUL, or its `outside` flag is wrong.
    BadSymlinkTarget = 158,
    /// An exclusion pattern is empty, too long, holds NUL, or the list is not sorted and unique.
    BadExclusion = 159,
    /// The envelope does not sign a tree manifest (its media type is not the tree type).
    NotATreeManifest = 160,

    // 170..189: certificates, signature sets, rotation statements, compiled policies.
    /// A key certificate (in `kcwt` or a certificate file) is not the CWT the format defines.
    BadCertificate = 170,
    /// A signature set is not an array of 2 to 8 envelopes, or is too large.
    BadSignatureSet = 171,
    /// The envelopes of a signature set do not all sign the same artifact (digest, length, type, subject, version).
    SignatureSetMismatch = 172,
    /// A rotation statement is not the signed CWT the format defines.
    BadRotation = 174,
    /// A compiled trust policy is not the CBOR structure the format defines.
    BadPolicy = 175,
    /// The timestamp receipt in the unprotected header is not the signed CWT the format defines.
    BadTimestampReceipt = 176,

    // 2xx: well formed but not acceptable.
    /// `alg` is neither Ed25519 (-19) nor EdDSA (-8).
    UnsupportedAlgorithm = 200,
    /// `payload_hash_alg` is neither SHA-256 (-16) nor SHA-512 (-44).
    UnsupportedHashAlgorithm = 201,
    /// No key in the trust policy has the envelope's key id.
    UntrustedKey = 202,
    /// The signature does not verify under the trusted key.
    BadSignature = 203,
    /// The signer identity (`iss`) is absent or not the one the policy requires.
    IdentityMismatch = 204,
    /// The subject (`sub`) is not the one the policy requires.
    SubjectMismatch = 205,
    /// The release version is below the policy's minimum (a rollback).
    Rollback = 206,
    /// The policy requires a minimum version and the envelope carries none.
    VersionMissing = 207,
    /// A certificate in the chain has expired (its `exp` is not after the current time).
    CertificateExpired = 208,
    /// A certificate in the chain is not valid yet (its `nbf` is after the current time).
    CertificateNotYetValid = 209,
    /// The envelope has expired (its `exp` is not after the current time).
    EnvelopeExpired = 210,
    /// A key in the chain (signing key, certified key or root) is revoked by the policy.
    KeyRevoked = 211,
    /// A certificate in the chain is revoked by the policy (its `cti`).
    CertificateRevoked = 212,
    /// The certificate chain is longer than the policy or an issuing certificate allows.
    ChainTooDeep = 213,
    /// A certificate claims a wider scope (subjects or certifying depth) than its issuer.
    ScopeWidened = 214,
    /// A certificate is valid outside its issuer's validity period.
    ValidityWidened = 215,
    /// A certificate's issuer is not a trusted root, or does not match the certificate above it.
    UnknownIssuer = 216,
    /// The artifact's subject is outside a certificate's or the trusted entry's scope.
    SubjectOutOfScope = 217,
    /// Fewer distinct trusted signers than the policy requires signed the artifact.
    ThresholdNotMet = 218,
    /// A key that may not certify other keys issued a certificate.
    NotACertifier = 219,
    /// The envelope's signing time lies outside its signing certificate's validity.
    SignedOutsideValidity = 220,
    /// A certificate's signature does not verify under its issuer's key.
    BadCertificateSignature = 221,
    /// The timestamp receipt was signed by a key the policy does not trust to timestamp.
    UntrustedTimestampKey = 222,
    /// The timestamp receipt's signature does not verify under the timestamp key.
    BadTimestampSignature = 223,
    /// The timestamp receipt names another envelope's digest.
    TimestampDigestMismatch = 224,
    /// The timestamp receipt's time lies outside a certificate's validity.
    TimestampOutsideValidity = 225,
    /// The policy requires a timestamp receipt and the envelope carries none.
    TimestampMissing = 226,

    // 3xx: the artifact does not match.
    /// More bytes arrived than the signed length.
    ArtifactTooLong = 300,
    /// Fewer bytes arrived than the signed length.
    ArtifactTooShort = 301,
    /// The artifact's digest is not the signed digest.
    DigestMismatch = 302,
    /// A tree file has more bytes than its signed size.
    TreeFileTooLong = 310,
    /// A tree file has fewer bytes than its signed size.
    TreeFileTooShort = 311,
    /// A tree file's SHA-256 is not the signed one.
    TreeFileDigestMismatch = 312,
    /// The tree verifier finished before every manifest entry was visited.
    TreeEntriesRemaining = 313,
    /// File bytes were given while the current tree entry is not a file.
    NoTreeFileOpen = 314,

    // 4xx: misuse.
    /// The verifier already returned its verdict; start a new one.
    AlreadyFinished = 400,
    /// The verifier holds no envelope yet.
    NotStarted = 401,
    /// The verifier was already started with an envelope; abort it before starting again.
    AlreadyStarted = 402,

    // 5xx: bad arguments.
    /// A public key is not a valid Ed25519 point, or is of small order.
    InvalidPublicKey = 500,
    /// The trust policy already holds its maximum number of keys.
    TooManyKeys = 501,
    /// The trust policy already holds this key (or one with the same key id).
    DuplicateKey = 502,
    /// A text argument is longer than sealkit's fixed limit.
    ArgumentTooLong = 503,
    /// A public key's text form is not `sealkit-ed25519:` and base64 of 32 bytes.
    BadPublicKeyText = 504,
    /// The secret key seed is invalid.
    InvalidSecretKey = 505,
    /// The output buffer is too small for the envelope.
    BufferTooSmall = 506,
    /// A text argument (identity, subject, media type) is empty.
    EmptyArgument = 507,
    /// A text argument given as bytes is not valid UTF-8.
    ArgumentNotUtf8 = 508,
    /// The trust policy has no room for more patterns or revocations.
    PolicyFull = 509,
}

impl Error {
    /// The stable numeric code of this error.
    pub const fn code(self) -> u16 {
        self as u16
    }

    /// A short stable identifier, e.g. `"digest_mismatch"`, for logs and JSON.
    pub const fn name(self) -> &'static str {
        match self {
            Error::EnvelopeTruncated => "envelope_truncated",
            Error::NotTaggedSign1 => "not_tagged_sign1",
            Error::BadSign1Structure => "bad_sign1_structure",
            Error::IndefiniteLength => "indefinite_length",
            Error::NonCanonicalEncoding => "non_canonical_encoding",
            Error::DuplicateLabel => "duplicate_label",
            Error::TrailingBytes => "trailing_bytes",
            Error::BadFieldType => "bad_field_type",
            Error::UnknownHeader => "unknown_header",
            Error::UnknownCriticalHeader => "unknown_critical_header",
            Error::ContentTypePresent => "content_type_present",
            Error::LegacyHashEnvelopeLabel => "legacy_hash_envelope_label",
            Error::UnprotectedHeaderNotEmpty => "unprotected_header_not_empty",
            Error::WrongEnvelopeType => "wrong_envelope_type",
            Error::UnknownClaim => "unknown_claim",
            Error::FieldTooLong => "field_too_long",
            Error::BadKeyIdLength => "bad_key_id_length",
            Error::BadSignatureLength => "bad_signature_length",
            Error::PayloadSizeMismatch => "payload_size_mismatch",
            Error::DetachedPayload => "detached_payload",
            Error::MissingAlgorithm => "missing_algorithm",
            Error::MissingKeyId => "missing_key_id",
            Error::MissingEnvelopeType => "missing_envelope_type",
            Error::MissingClaims => "missing_claims",
            Error::MissingSubject => "missing_subject",
            Error::MissingIssuedAt => "missing_issued_at",
            Error::MissingHashAlgorithm => "missing_hash_algorithm",
            Error::MissingContentType => "missing_content_type",
            Error::MissingLength => "missing_length",
            Error::EnvelopeTooLarge => "envelope_too_large",
            Error::EmptyField => "empty_field",
            Error::BadCertificate => "bad_certificate",
            Error::BadSignatureSet => "bad_signature_set",
            Error::SignatureSetMismatch => "signature_set_mismatch",
            Error::BadRotation => "bad_rotation",
            Error::BadPolicy => "bad_policy",
            Error::BadTimestampReceipt => "bad_timestamp_receipt",
            Error::NotSealedStream => "not_sealed_stream",
            Error::UnsupportedSealedVersion => "unsupported_sealed_version",
            Error::SealedStreamTruncated => "sealed_stream_truncated",
            Error::TreeSignatureMalformed => "tree_signature_malformed",
            Error::TreeManifestMalformed => "tree_manifest_malformed",
            Error::UnsupportedTreeManifestVersion => "unsupported_tree_manifest_version",
            Error::TreeNotSorted => "tree_not_sorted",
            Error::DuplicateTreePath => "duplicate_tree_path",
            Error::BadTreePath => "bad_tree_path",
            Error::MissingParentDirectory => "missing_parent_directory",
            Error::TreeLimitExceeded => "tree_limit_exceeded",
            Error::BadSymlinkTarget => "bad_symlink_target",
            Error::BadExclusion => "bad_exclusion",
            Error::NotATreeManifest => "not_a_tree_manifest",
            Error::UnsupportedAlgorithm => "unsupported_algorithm",
            Error::UnsupportedHashAlgorithm => "unsupported_hash_algorithm",
            Error::UntrustedKey => "untrusted_key",
            Error::BadSignature => "bad_signature",
            Error::IdentityMismatch => "identity_mismatch",
            Error::SubjectMismatch => "subject_mismatch",
            Error::Rollback => "rollback",
            Error::VersionMissing => "version_missing",
            Error::CertificateExpired => "certificate_expired",
            Error::CertificateNotYetValid => "certificate_not_yet_valid",
            Error::EnvelopeExpired => "envelope_expired",
            Error::KeyRevoked => "key_revoked",
            Error::CertificateRevoked => "certificate_revoked",
            Error::ChainTooDeep => "chain_too_deep",
            Error::ScopeWidened => "scope_widened",
            Error::ValidityWidened => "validity_widened",
            Error::UnknownIssuer => "unknown_issuer",
            Error::SubjectOutOfScope => "subject_out_of_scope",
            Error::ThresholdNotMet => "threshold_not_met",
            Error::NotACertifier => "not_a_certifier",
            Error::SignedOutsideValidity => "signed_outside_validity",
            Error::BadCertificateSignature => "bad_certificate_signature",
            Error::UntrustedTimestampKey => "untrusted_timestamp_key",
            Error::BadTimestampSignature => "bad_timestamp_signature",
            Error::TimestampDigestMismatch => "timestamp_digest_mismatch",
            Error::TimestampOutsideValidity => "timestamp_outside_validity",
            Error::TimestampMissing => "timestamp_missing",
            Error::ArtifactTooLong => "artifact_too_long",
            Error::ArtifactTooShort => "artifact_too_short",
            Error::DigestMismatch => "digest_mismatch",
            Error::TreeFileTooLong => "tree_file_too_long",
            Error::TreeFileTooShort => "tree_file_too_short",
            Error::TreeFileDigestMismatch => "tree_file_digest_mismatch",
            Error::TreeEntriesRemaining => "tree_entries_remaining",
            Error::NoTreeFileOpen => "no_tree_file_open",
            Error::AlreadyFinished => "already_finished",
            Error::NotStarted => "not_started",
            Error::AlreadyStarted => "already_started",
            Error::InvalidPublicKey => "invalid_public_key",
            Error::TooManyKeys => "too_many_keys",
            Error::DuplicateKey => "duplicate_key",
            Error::ArgumentTooLong => "argument_too_long",
            Error::BadPublicKeyText => "bad_public_key_text",
            Error::InvalidSecretKey => "invalid_secret_key",
            Error::BufferTooSmall => "buffer_too_small",
            Error::EmptyArgument => "empty_argument",
            Error::ArgumentNotUtf8 => "argument_not_utf8",
            Error::PolicyFull => "policy_full",
        }
    }

    /// A static, human-readable sentence saying what failed.
    pub const fn message(self) -> &'static str {
        match self {
            Error::EnvelopeTruncated => "malformed envelope: it ends early (truncated)",
            Error::NotTaggedSign1 => "malformed envelope: not a COSE_Sign1 with CBOR tag 18",
            Error::BadSign1Structure => {
                "malformed envelope: the COSE_Sign1 is not an array of protected header, unprotected header, payload and signature"
            }
            Error::IndefiniteLength => "malformed envelope: indefinite-length CBOR is not allowed",
            Error::NonCanonicalEncoding => {
                "malformed envelope: not in deterministic CBOR encoding (RFC 8949 section 4.2)"
            }
            Error::DuplicateLabel => "malformed envelope: a map key appears twice",
            Error::TrailingBytes => "malformed envelope: bytes follow the signature envelope",
            Error::BadFieldType => "malformed envelope: a header field has the wrong type",
            Error::UnknownHeader => "malformed envelope: unknown label in the protected header",
            Error::UnknownCriticalHeader => {
                "malformed envelope: crit names a header that is absent or not understood"
            }
            Error::ContentTypePresent => {
                "malformed envelope: content type header (3) is not allowed in a hash envelope"
            }
            Error::LegacyHashEnvelopeLabel => {
                "malformed envelope: pre-standard hash envelope labels -6800..-6802 are not accepted"
            }
            Error::UnprotectedHeaderNotEmpty => {
                "malformed envelope: the unprotected header must be empty or hold only a timestamp receipt"
            }
            Error::WrongEnvelopeType => "malformed envelope: typ is not the sealkit envelope type",
            Error::UnknownClaim => "malformed envelope: unknown CWT claim",
            Error::FieldTooLong => "malformed envelope: a text field is longer than allowed",
            Error::BadKeyIdLength => "malformed envelope: kid is not 8 bytes",
            Error::BadSignatureLength => "malformed envelope: the signature is not 64 bytes",
            Error::PayloadSizeMismatch => {
                "malformed envelope: the payload does not have the size of the hash algorithm's digest"
            }
            Error::DetachedPayload => "malformed envelope: the digest payload is missing (detached)",
            Error::MissingAlgorithm => "malformed envelope: alg (1) is missing",
            Error::MissingKeyId => "malformed envelope: kid (4) is missing",
            Error::MissingEnvelopeType => "malformed envelope: typ (16) is missing",
            Error::MissingClaims => "malformed envelope: CWT claims (15) are missing",
            Error::MissingSubject => "malformed envelope: the sub claim is missing",
            Error::MissingIssuedAt => "malformed envelope: the iat claim is missing",
            Error::MissingHashAlgorithm => "malformed envelope: payload_hash_alg (258) is missing",
            Error::MissingContentType => {
                "malformed envelope: payload_preimage_content_type (259) is missing"
            }
            Error::MissingLength => "malformed envelope: the artifact length is missing",
            Error::EnvelopeTooLarge => "malformed envelope: larger than any sealkit envelope",
            Error::EmptyField => "malformed envelope: a text field is empty",
            Error::BadCertificate => "malformed certificate: not the key certificate (CWT) the format defines",
            Error::BadSignatureSet => "malformed signature set: not an array of 2 to 8 envelopes within the size limit",
            Error::SignatureSetMismatch => "malformed signature set: its envelopes do not all sign the same artifact",
            Error::BadRotation => "malformed rotation statement",
            Error::BadPolicy => "malformed compiled trust policy",
            Error::BadTimestampReceipt => "malformed timestamp receipt",
            Error::NotSealedStream => "not a sealed stream: the magic bytes are wrong",
            Error::UnsupportedSealedVersion => {
                "unsupported sealed stream version (only version 1)"
            }
            Error::SealedStreamTruncated => {
                "sealed stream truncated: it ends inside its header or envelope"
            }
            Error::TreeSignatureMalformed => "malformed tree signature: not the CBOR array [envelope, manifest]",
            Error::TreeManifestMalformed => "malformed tree manifest: not the deterministic CBOR structure of the format",
            Error::UnsupportedTreeManifestVersion => "unsupported tree manifest version (only version 1)",
            Error::TreeNotSorted => "malformed tree manifest: entries are not in path order",
            Error::DuplicateTreePath => "malformed tree manifest: a path is listed twice",
            Error::BadTreePath => "malformed tree manifest: a path is empty, too long, or has an empty, . or .. component or NUL",
            Error::MissingParentDirectory => "malformed tree manifest: an entry's parent directory is not listed before it",
            Error::TreeLimitExceeded => "tree manifest too large: size, entries, exclusions or path depth over the limit",
            Error::BadSymlinkTarget => "malformed tree manifest: a symlink target is invalid or its outside flag is wrong",
            Error::BadExclusion => "malformed tree manifest: an exclusion pattern is invalid or the list is not sorted and unique",
            Error::NotATreeManifest => "the envelope does not sign a tree manifest (media type is not application/vnd.sealkit.tree+cbor)",
            Error::UnsupportedAlgorithm => {
                "unsupported signature algorithm (only Ed25519 -19 and EdDSA -8)"
            }
            Error::UnsupportedHashAlgorithm => {
                "unsupported hash algorithm (only SHA-256 -16 and SHA-512 -44)"
            }
            Error::UntrustedKey => "untrusted key: the envelope's key id matches no trusted key",
            Error::BadSignature => "bad signature: the envelope was not signed by the trusted key",
            Error::IdentityMismatch => {
                "identity mismatch: the signer identity is not the one required"
            }
            Error::SubjectMismatch => "subject mismatch: the artifact name is not the one required",
            Error::Rollback => "rollback: the release version is below the minimum allowed",
            Error::VersionMissing => {
                "rollback check failed: a minimum version is required but the envelope has no version"
            }
            Error::CertificateExpired => "expired: a certificate in the chain has expired",
            Error::CertificateNotYetValid => "not yet valid: a certificate in the chain is not valid yet",
            Error::EnvelopeExpired => "expired: the signature has expired",
            Error::KeyRevoked => "revoked: a key in the chain is revoked",
            Error::CertificateRevoked => "revoked: a certificate in the chain is revoked",
            Error::ChainTooDeep => "chain too deep: more certificates than allowed",
            Error::ScopeWidened => "scope widened: a certificate claims more than its issuer allows",
            Error::ValidityWidened => "validity widened: a certificate outlives or predates its issuer's",
            Error::UnknownIssuer => "unknown issuer: the chain does not lead to a trusted root",
            Error::SubjectOutOfScope => "subject out of scope: the artifact name is outside what the signer may sign",
            Error::ThresholdNotMet => "threshold not met: fewer trusted signers than the policy requires",
            Error::NotACertifier => "not a certifier: a key that may not certify issued a certificate",
            Error::SignedOutsideValidity => "signed outside validity: the signing time is outside the certificate's validity",
            Error::BadCertificateSignature => "bad certificate signature: a certificate was not signed by its issuer",
            Error::UntrustedTimestampKey => "untrusted timestamp key: the receipt was not signed by a trusted timestamp key",
            Error::BadTimestampSignature => "bad timestamp signature: the receipt does not verify under its timestamp key",
            Error::TimestampDigestMismatch => "timestamp digest mismatch: the receipt timestamps another envelope",
            Error::TimestampOutsideValidity => "timestamp outside validity: the receipt's time is outside a certificate's validity",
            Error::TimestampMissing => "timestamp missing: the policy requires a timestamp receipt",
            Error::ArtifactTooLong => {
                "artifact too long: more bytes than were signed (appended data)"
            }
            Error::ArtifactTooShort => "artifact too short: fewer bytes than were signed (truncated)",
            Error::DigestMismatch => "digest mismatch: the artifact's bytes are not the signed bytes",
            Error::TreeFileTooLong => "tree file too long: more bytes than its signed size",
            Error::TreeFileTooShort => "tree file too short: fewer bytes than its signed size",
            Error::TreeFileDigestMismatch => "tree file digest mismatch: its bytes are not the signed bytes",
            Error::TreeEntriesRemaining => "tree incomplete: not every manifest entry was visited",
            Error::NoTreeFileOpen => "file bytes given while the current tree entry is not a file",
            Error::AlreadyFinished => "misuse: the verifier has already finished",
            Error::NotStarted => "misuse: the verifier has no envelope",
            Error::AlreadyStarted => "misuse: the verifier already holds an envelope",
            Error::InvalidPublicKey => "invalid public key: not a valid Ed25519 key",
            Error::TooManyKeys => "trust policy is full",
            Error::DuplicateKey => "trust policy already holds this key",
            Error::ArgumentTooLong => "argument longer than allowed",
            Error::BadPublicKeyText => {
                "bad public key text: expected sealkit-ed25519: and base64 of 32 bytes"
            }
            Error::InvalidSecretKey => "invalid secret key",
            Error::BufferTooSmall => "output buffer too small",
            Error::EmptyArgument => "argument must not be empty",
            Error::ArgumentNotUtf8 => "argument is not valid UTF-8",
            Error::PolicyFull => "trust policy has no room for more patterns or revocations",
        }
    }

    /// Every error, in code order; for bindings, docs and tests.
    pub const ALL: &'static [Error] = &[
        Error::EnvelopeTruncated,
        Error::NotTaggedSign1,
        Error::BadSign1Structure,
        Error::IndefiniteLength,
        Error::NonCanonicalEncoding,
        Error::DuplicateLabel,
        Error::TrailingBytes,
        Error::BadFieldType,
        Error::UnknownHeader,
        Error::UnknownCriticalHeader,
        Error::ContentTypePresent,
        Error::LegacyHashEnvelopeLabel,
        Error::UnprotectedHeaderNotEmpty,
        Error::WrongEnvelopeType,
        Error::UnknownClaim,
        Error::FieldTooLong,
        Error::BadKeyIdLength,
        Error::BadSignatureLength,
        Error::PayloadSizeMismatch,
        Error::DetachedPayload,
        Error::MissingAlgorithm,
        Error::MissingKeyId,
        Error::MissingEnvelopeType,
        Error::MissingClaims,
        Error::MissingSubject,
        Error::MissingIssuedAt,
        Error::MissingHashAlgorithm,
        Error::MissingContentType,
        Error::MissingLength,
        Error::EnvelopeTooLarge,
        Error::EmptyField,
        Error::NotSealedStream,
        Error::UnsupportedSealedVersion,
        Error::SealedStreamTruncated,
        Error::TreeSignatureMalformed,
        Error::TreeManifestMalformed,
        Error::UnsupportedTreeManifestVersion,
        Error::TreeNotSorted,
        Error::DuplicateTreePath,
        Error::BadTreePath,
        Error::MissingParentDirectory,
        Error::TreeLimitExceeded,
        Error::BadSymlinkTarget,
        Error::BadExclusion,
        Error::NotATreeManifest,
        Error::BadCertificate,
        Error::BadSignatureSet,
        Error::SignatureSetMismatch,
        Error::BadRotation,
        Error::BadPolicy,
        Error::BadTimestampReceipt,
        Error::UnsupportedAlgorithm,
        Error::UnsupportedHashAlgorithm,
        Error::UntrustedKey,
        Error::BadSignature,
        Error::IdentityMismatch,
        Error::SubjectMismatch,
        Error::Rollback,
        Error::VersionMissing,
        Error::CertificateExpired,
        Error::CertificateNotYetValid,
        Error::EnvelopeExpired,
        Error::KeyRevoked,
        Error::CertificateRevoked,
        Error::ChainTooDeep,
        Error::ScopeWidened,
        Error::ValidityWidened,
        Error::UnknownIssuer,
        Error::SubjectOutOfScope,
        Error::ThresholdNotMet,
        Error::NotACertifier,
        Error::SignedOutsideValidity,
        Error::BadCertificateSignature,
        Error::UntrustedTimestampKey,
        Error::BadTimestampSignature,
        Error::TimestampDigestMismatch,
        Error::TimestampOutsideValidity,
        Error::TimestampMissing,
        Error::ArtifactTooLong,
        Error::ArtifactTooShort,
        Error::DigestMismatch,
        Error::TreeFileTooLong,
        Error::TreeFileTooShort,
        Error::TreeFileDigestMismatch,
        Error::TreeEntriesRemaining,
        Error::NoTreeFileOpen,
        Error::AlreadyFinished,
        Error::NotStarted,
        Error::AlreadyStarted,
        Error::InvalidPublicKey,
        Error::TooManyKeys,
        Error::DuplicateKey,
        Error::ArgumentTooLong,
        Error::BadPublicKeyText,
        Error::InvalidSecretKey,
        Error::BufferTooSmall,
        Error::EmptyArgument,
        Error::ArgumentNotUtf8,
        Error::PolicyFull,
    ];

    /// The error with this code, if any.
    pub fn from_code(code: u16) -> Option<Error> {
        Error::ALL.iter().copied().find(|e| e.code() == code)
    }

    /// True for the 1xx codes: the envelope itself could not be parsed.
    pub const fn is_malformed_envelope(self) -> bool {
        self.code() / 100 == 1
    }

    /// True for the 3xx codes: the envelope was good but the artifact's bytes do not match it.
    pub const fn is_artifact_mismatch(self) -> bool {
        self.code() / 100 == 3
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for Error {}
