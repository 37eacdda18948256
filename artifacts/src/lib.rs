//! Folders and container images on the sealkit core, shared by the CLI and the Python binding.
//!
//! - [`tree`]: walking a directory (symlinks recorded, never followed; special files and
//!   non-UTF-8 names refused; manifest limits), hashing its files in parallel with bounded
//!   memory, exclusions, building and signing the canonical tree manifest, and re-walking a
//!   directory to compare it with a verified manifest into a complete report.
//! - [`oci`]: OCI image layout directories and `docker save` archives (plain or gzip), blob
//!   and descriptor checking that names the exact failing blob, signatures stored and found as
//!   OCI 1.1 referrers, and image signing and verification.
//!
//! Every verdict on an envelope or a manifest comes from the `sealkit` core; this crate adds
//! the file system and JSON around it. Errors carry stable codes: the core's, 900 (I/O),
//! 910 to 913 (trees) and 920 to 930 (images), as `docs/FORMAT.md` lists them.

#![forbid(unsafe_code)]

pub mod oci;
pub mod tree;

use std::fmt::Write as _;

use sealkit::{
    ArtifactHasher, ContentType, HashAlg, SignRequest, SignatureAlg, SigningKey,
    MAX_SIGNED_ENVELOPE_LEN,
};

/// The code and name of an I/O failure (a file that cannot be read or written).
pub const IO_ERROR: (u16, &str) = (900, "io_error");

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// What a signature states besides the signed bytes' digest, length and content type.
#[derive(Debug, Clone, Copy)]
pub struct SignClaims<'a> {
    /// COSE algorithm to write.
    pub alg: SignatureAlg,
    /// Hash of the signed bytes (images are always SHA-256: see [`oci::sign_image`]).
    pub hash: HashAlg,
    /// `sub`.
    pub subject: &'a str,
    /// `iss`.
    pub issuer: Option<&'a str>,
    /// `iat`.
    pub issued_at: u64,
    /// Release version.
    pub version: Option<u64>,
}

/// Signs `bytes` (a manifest held in memory) as content of type `content_type`; returns the
/// envelope.
pub(crate) fn sign_bytes(
    key: &SigningKey,
    claims: &SignClaims<'_>,
    content_type: ContentType<'_>,
    bytes: &[u8],
) -> Result<Vec<u8>, sealkit::Error> {
    let mut hasher = ArtifactHasher::new(claims.hash);
    hasher.update(bytes);
    let req = SignRequest {
        alg: claims.alg,
        digest: hasher.finalize(),
        length: bytes.len() as u64,
        content_type,
        subject: claims.subject,
        issuer: claims.issuer,
        issued_at: claims.issued_at,
        version: claims.version,
    };
    let mut out = [0u8; MAX_SIGNED_ENVELOPE_LEN];
    let n = sealkit::sign(key, &req, &mut out)?;
    out.get(..n)
        .map(<[u8]>::to_vec)
        .ok_or(sealkit::Error::BufferTooSmall)
}
