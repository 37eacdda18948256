//! Ed25519 public keys, their 8-byte key ids, and their one-line text form.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::{Digest as _, Sha256};

use crate::Error;

/// The prefix of a public key's text form.
pub const PUBLIC_KEY_TEXT_PREFIX: &str = "sealkit-ed25519:";

/// The length of a public key's text form: the prefix and 44 base64 characters.
pub const PUBLIC_KEY_TEXT_LEN: usize = PUBLIC_KEY_TEXT_PREFIX.len() + 44;

/// A key id: the first 8 bytes of SHA-256 over the 32-byte public key. A hint for finding the
/// key, never a proof of anything: the signature is always checked with the full key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId(pub [u8; 8]);

impl KeyId {
    /// The id's bytes.
    pub const fn as_bytes(&self) -> &[u8; 8] {
        &self.0
    }
}

impl core::fmt::Display for KeyId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// A validated Ed25519 public key: a canonical encoding of a point that is not of small order.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct PublicKey {
    bytes: [u8; 32],
}

impl PublicKey {
    /// A key from its 32 raw bytes; rejects non-canonical encodings and small-order points.
    pub fn from_bytes(bytes: &[u8]) -> Result<PublicKey, Error> {
        let pk =
            ed25519_compact::PublicKey::from_slice(bytes).map_err(|_| Error::InvalidPublicKey)?;
        pk.validate().map_err(|_| Error::InvalidPublicKey)?;
        Ok(PublicKey { bytes: *pk })
    }

    /// A key from its text form `sealkit-ed25519:<standard padded base64 of 32 bytes>`.
    /// Surrounding ASCII whitespace (such as a file's final newline) is ignored.
    pub fn from_text(text: &str) -> Result<PublicKey, Error> {
        let b64 = text
            .trim_matches(|c: char| c.is_ascii_whitespace())
            .strip_prefix(PUBLIC_KEY_TEXT_PREFIX)
            .ok_or(Error::BadPublicKeyText)?;
        if b64.len() != 44 {
            return Err(Error::BadPublicKeyText);
        }
        let mut raw = [0u8; 33];
        let n = STANDARD
            .decode_slice(b64, &mut raw)
            .map_err(|_| Error::BadPublicKeyText)?;
        let key = raw.get(..n).ok_or(Error::BadPublicKeyText)?;
        if n != 32 {
            return Err(Error::BadPublicKeyText);
        }
        PublicKey::from_bytes(key)
    }

    /// Writes the text form into `out` and returns it as a string.
    pub fn to_text<'o>(&self, out: &'o mut [u8; PUBLIC_KEY_TEXT_LEN]) -> &'o str {
        let (prefix, rest) = out.split_at_mut(PUBLIC_KEY_TEXT_PREFIX.len());
        prefix.copy_from_slice(PUBLIC_KEY_TEXT_PREFIX.as_bytes());
        // 32 bytes always encode to exactly 44 characters, which is `rest`'s length.
        let _ = STANDARD.encode_slice(self.bytes, rest);
        core::str::from_utf8(out).unwrap_or("")
    }

    /// The raw 32 bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }

    /// The key id: the first 8 bytes of SHA-256 over the raw key.
    pub fn key_id(&self) -> KeyId {
        let h = Sha256::digest(self.bytes);
        let mut id = [0u8; 8];
        if let Some(head) = h.as_slice().get(..8) {
            id.copy_from_slice(head);
        }
        KeyId(id)
    }

    pub(crate) fn to_compact(self) -> ed25519_compact::PublicKey {
        ed25519_compact::PublicKey::new(self.bytes)
    }
}

impl core::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PublicKey(kid {})", self.key_id())
    }
}
