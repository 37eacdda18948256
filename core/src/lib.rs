//! # sealkit
//!
//! A `no_std`, no-heap, constant-memory streaming verifier for sealkit signature envelopes:
//! tagged COSE_Sign1 messages (RFC 9052) in the COSE hash envelope style (RFC 9995), signed with
//! Ed25519. It answers one question before anything is installed or run: was every byte of this
//! artifact signed by a key (and identity) I trust, with nothing appended, and is it not an older
//! release?
//!
//! ```
//! # fn demo(envelope: &[u8], chunks: &[&[u8]], key_text: &str) -> Result<(), sealkit::Error> {
//! use sealkit::{PublicKey, StreamVerifier, TrustPolicy};
//!
//! let mut policy = TrustPolicy::new();
//! policy.trust_key(PublicKey::from_text(key_text)?)?;
//! policy.require_min_version(7);
//!
//! // Signature and policy are checked here, before any artifact byte is read.
//! let mut verifier = StreamVerifier::new(envelope, &policy)?;
//! for chunk in chunks {
//!     verifier.update(chunk)?;
//! }
//! let verified = verifier.finish()?; // the only source of verified facts
//! assert_eq!(verified.version(), Some(7));
//! # Ok(()) }
//! ```
//!
//! The envelope format is specified in `docs/FORMAT.md`.

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod cbor;
mod cert;
mod digest;
mod envelope;
mod error;
mod key;
mod pattern;
mod policy;
mod policy_cbor;
mod rotation;
mod sealed;
mod set;
#[cfg(feature = "sign")]
mod sign;
#[cfg(feature = "sign")]
mod sign_trust;
mod slot;
mod timestamp;
mod tree;
mod trust;
mod verifier;

pub use cert::{
    parse_chain, Certificate, Chain, CERT_TYPE, CLAIM_CA, CLAIM_CNF, CLAIM_CTI, CLAIM_NBF,
    CLAIM_SCOPE, MAX_CA_DEPTH, MAX_CERT_ID_LEN, MAX_CERT_LEN, MAX_CHAIN_LEN, MAX_NAME_LEN,
    MAX_SCOPE_PATTERNS,
};
pub use digest::{ArtifactDigest, ArtifactHasher, HashAlg, MAX_DIGEST_LEN};
pub use envelope::{
    ContentType, Envelope, SignatureAlg, CLAIM_EXP, CLAIM_IAT, CLAIM_ISS, CLAIM_SUB,
    COAP_OCTET_STREAM, COSE_SIGN1_TAG, ENVELOPE_TYPE, LABEL_ALG, LABEL_ARTIFACT_LENGTH,
    LABEL_CONTENT_TYPE, LABEL_CRIT, LABEL_CWT_CLAIMS, LABEL_KCWT, LABEL_KID,
    LABEL_PAYLOAD_HASH_ALG, LABEL_PREIMAGE_CONTENT_TYPE, LABEL_RELEASE_VERSION, LABEL_TYP,
    LEGACY_HASH_ENVELOPE_LABELS, MAX_CRIT_LABELS, MAX_ENVELOPE_LEN, MAX_IDENTITY_LEN,
    MAX_MEDIA_TYPE_LEN, MAX_SUBJECT_LEN,
};
pub use error::Error;
pub use key::{KeyId, PublicKey, PUBLIC_KEY_TEXT_LEN, PUBLIC_KEY_TEXT_PREFIX};
pub use pattern::{pattern_covers, pattern_matches};
pub use policy::{
    PolicyBuilder, TrustPolicy, TrustedKey, DEFAULT_MAX_CHAIN_DEPTH, MAX_POLICY_PATTERNS,
    MAX_POLICY_PATTERN_TEXT, MAX_REVOKED_CERTS, MAX_REVOKED_KEYS, MAX_SIGNERS, MAX_TRUSTED_KEYS,
};
pub use policy_cbor::{
    MAX_POLICY_LEN, POLICY_FLAG_CERTIFY, POLICY_FLAG_SIGN, POLICY_FLAG_TIMESTAMP,
    POLICY_FORMAT_VERSION,
};
pub use rotation::{Rotation, MAX_ROTATION_LEN, ROTATION_TYPE};
pub use sealed::{
    sealed_header, UnsealState, Unsealer, SEALED_HEADER_LEN, SEALED_MAGIC, SEALED_VERSION,
};
pub use set::{check_signers, SignatureFile, SignerReport, SignerSummary, MAX_SIGNATURE_SET_LEN};
#[cfg(feature = "sign")]
pub use sign::{sign, SignRequest, SigningKey, MAX_SIGNED_ENVELOPE_LEN};
#[cfg(feature = "sign")]
pub use sign::{sign_with, SignOptions, MAX_CHAINED_ENVELOPE_LEN};
#[cfg(feature = "sign")]
pub use sign_trust::{
    append_signature, attach_receipt, encode_chain, issue_certificate, sign_rotation,
    sign_timestamp, CertRequest, MAX_ENCODED_CHAIN_LEN,
};
pub use slot::{SlotState, VerifierSlot};
pub use timestamp::{
    envelope_digest, TimestampReceipt, CLAIM_ENVELOPE_DIGEST, LABEL_TIMESTAMP, MAX_RECEIPT_LEN,
    TIMESTAMP_TYPE,
};
pub use tree::TreeVerifierState;
pub use tree::{
    check_tree_path, compare_paths, encode_tree_entry, encode_tree_manifest_head,
    encode_tree_signature_head, encode_tree_signature_manifest_head, split_tree_signature,
    symlink_leaves_tree, verify_tree_manifest, EntryKind, TreeEntries, TreeEntry, TreeExclusions,
    TreeManifest, TreeVerifier, MAX_TREE_DEPTH, MAX_TREE_ENTRIES, MAX_TREE_EXCLUSIONS,
    MAX_TREE_EXCLUSION_LEN, MAX_TREE_MANIFEST_LEN, MAX_TREE_PATH_LEN, TREE_MANIFEST_VERSION,
    TREE_MEDIA_TYPE,
};
pub use trust::{check_signer, Signer};
pub use verifier::{sig_structure_bytes, verify_slice, StreamVerifier, Verified};
