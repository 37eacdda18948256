//! The artifact hash: SHA-256 or SHA-512, chosen by the envelope's `payload_hash_alg`.

use sha2::{Digest as _, Sha256, Sha512};
use subtle::ConstantTimeEq;

use crate::Error;

/// The largest digest sealkit handles (SHA-512).
pub const MAX_DIGEST_LEN: usize = 64;

/// The hash algorithm applied to the artifact (COSE `payload_hash_alg`, header 258).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HashAlg {
    /// SHA-256, COSE algorithm -16. The default.
    Sha256,
    /// SHA-512, COSE algorithm -44.
    Sha512,
}

impl HashAlg {
    /// The COSE algorithm identifier.
    pub const fn cose_id(self) -> i64 {
        match self {
            HashAlg::Sha256 => -16,
            HashAlg::Sha512 => -44,
        }
    }

    /// The algorithm with this COSE identifier.
    pub const fn from_cose_id(id: i64) -> Result<HashAlg, Error> {
        match id {
            -16 => Ok(HashAlg::Sha256),
            -44 => Ok(HashAlg::Sha512),
            _ => Err(Error::UnsupportedHashAlgorithm),
        }
    }

    /// The digest size in bytes.
    pub const fn digest_len(self) -> usize {
        match self {
            HashAlg::Sha256 => 32,
            HashAlg::Sha512 => 64,
        }
    }

    /// A lower-case name, e.g. `"sha256"`.
    pub const fn name(self) -> &'static str {
        match self {
            HashAlg::Sha256 => "sha256",
            HashAlg::Sha512 => "sha512",
        }
    }
}

/// An artifact digest. It does not `Deref` to bytes and compares in constant time.
#[derive(Clone, Copy)]
pub struct ArtifactDigest {
    alg: HashAlg,
    bytes: [u8; MAX_DIGEST_LEN],
}

impl ArtifactDigest {
    /// A digest from its algorithm and bytes; the length must match the algorithm.
    pub fn from_bytes(alg: HashAlg, bytes: &[u8]) -> Result<ArtifactDigest, Error> {
        if bytes.len() != alg.digest_len() {
            return Err(Error::PayloadSizeMismatch);
        }
        let mut out = [0u8; MAX_DIGEST_LEN];
        out.get_mut(..bytes.len())
            .ok_or(Error::PayloadSizeMismatch)?
            .copy_from_slice(bytes);
        Ok(ArtifactDigest { alg, bytes: out })
    }

    /// The hash algorithm.
    pub const fn alg(&self) -> HashAlg {
        self.alg
    }

    /// The digest bytes (32 or 64 of them).
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes
            .get(..self.alg.digest_len())
            .unwrap_or(&self.bytes)
    }

    /// Constant-time equality (algorithm, then bytes).
    pub fn ct_eq(&self, other: &ArtifactDigest) -> bool {
        self.alg == other.alg && bool::from(self.bytes.ct_eq(&other.bytes))
    }
}

impl PartialEq for ArtifactDigest {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other)
    }
}

impl Eq for ArtifactDigest {}

impl core::fmt::Debug for ArtifactDigest {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ArtifactDigest({}:", self.alg.name())?;
        for b in self.as_bytes() {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}

/// A running hash of the artifact, either algorithm, with no heap.
#[derive(Clone)]
pub struct ArtifactHasher {
    inner: Inner,
}

#[derive(Clone)]
enum Inner {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl ArtifactHasher {
    /// A fresh hasher.
    pub fn new(alg: HashAlg) -> ArtifactHasher {
        let inner = match alg {
            HashAlg::Sha256 => Inner::Sha256(Sha256::new()),
            HashAlg::Sha512 => Inner::Sha512(Sha512::new()),
        };
        ArtifactHasher { inner }
    }

    /// The algorithm.
    pub fn alg(&self) -> HashAlg {
        match self.inner {
            Inner::Sha256(_) => HashAlg::Sha256,
            Inner::Sha512(_) => HashAlg::Sha512,
        }
    }

    /// Absorbs more bytes.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.inner {
            Inner::Sha256(h) => h.update(data),
            Inner::Sha512(h) => h.update(data),
        }
    }

    /// The digest of everything absorbed.
    pub fn finalize(self) -> ArtifactDigest {
        let mut bytes = [0u8; MAX_DIGEST_LEN];
        let alg = self.alg();
        match self.inner {
            Inner::Sha256(h) => {
                let out = h.finalize();
                if let Some(dst) = bytes.get_mut(..32) {
                    dst.copy_from_slice(out.as_slice());
                }
            }
            Inner::Sha512(h) => {
                let out = h.finalize();
                bytes.copy_from_slice(out.as_slice());
            }
        }
        ArtifactDigest { alg, bytes }
    }
}

impl core::fmt::Debug for ArtifactHasher {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ArtifactHasher")
            .field("alg", &self.alg())
            .finish_non_exhaustive()
    }
}
