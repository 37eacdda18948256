//! sealkit's key file formats, specified in `docs/KEYS.md`, shared by the CLI and the bindings.
//!
//! A public key file is one line: `sealkit-ed25519:` and the standard padded base64 of the
//! 32-byte key. A secret key file is one line: `sealkit-secret-v1:` and the standard padded
//! base64 of a small fixed-layout binary record. The record is either a plain seed (kind 0) or a
//! seed encrypted with XChaCha20-Poly1305 under a key derived from a passphrase with Argon2id
//! (kind 1); the KDF parameters are stored in the record so that they can change without a new
//! format.
//!
//! This crate holds the formats only: where passphrases come from (prompts, files, environment)
//! and which file permissions are acceptable are the caller's policy.

use std::io::{self, Read};

use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{KeyInit, Tag, XChaCha20Poly1305, XNonce};
use sealkit::{PublicKey, SigningKey, PUBLIC_KEY_TEXT_LEN, PUBLIC_KEY_TEXT_PREFIX};
use zeroize::{Zeroize, Zeroizing};

/// The prefix of a secret key file's single line.
pub const SECRET_PREFIX: &str = "sealkit-secret-v1:";

/// Record kind: an unencrypted seed.
const KIND_PLAIN: u8 = 0;
/// Record kind: a seed encrypted with XChaCha20-Poly1305 under an Argon2id key.
const KIND_ARGON2ID_XCHACHA20POLY1305: u8 = 1;

const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 24;
const SEED_LEN: usize = 32;
const PUBLIC_LEN: usize = 32;
const TAG_LEN: usize = 16;

/// Length of the plain record: kind, public key, seed.
const PLAIN_LEN: usize = 1 + PUBLIC_LEN + SEED_LEN;
/// Length of the encrypted record's header (kind, m, t, p, salt, nonce, public key); all of it
/// is authenticated as associated data.
const HEADER_LEN: usize = 1 + 4 + 4 + 4 + SALT_LEN + NONCE_LEN + PUBLIC_LEN;
/// Length of the encrypted record: header, encrypted seed, tag.
const ENCRYPTED_LEN: usize = HEADER_LEN + SEED_LEN + TAG_LEN;

/// A secret key file is never larger than this; anything larger is not a key file.
pub const MAX_SECRET_FILE_LEN: u64 = 1024;
/// A public key file is never larger than this.
pub const MAX_PUBLIC_FILE_LEN: u64 = 1024;

/// Every way reading, opening or writing a key file can fail.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// The text is a public key where a secret key file was expected.
    #[error("this is a public key; signing needs the secret key file (NAME.key)")]
    PublicKeyGiven,
    /// The text is a secret key file where a public key was expected.
    #[error("this is a secret key file; verification needs the public key (NAME.pub)")]
    SecretKeyGiven,
    /// A `sealkit-secret-` prefix of a version this crate does not know.
    #[error("a secret key file of a newer format than this sealkit understands")]
    NewerFormat,
    /// The text does not start with [`SECRET_PREFIX`].
    #[error("not a sealkit secret key file (it must start with {SECRET_PREFIX})")]
    NotSecretKeyFile,
    /// The base64 after the prefix does not decode.
    #[error("the key file is damaged: its base64 does not decode")]
    BadBase64,
    /// The record is empty.
    #[error("the key file is empty")]
    Empty,
    /// The record's kind byte is not one this crate knows.
    #[error("the key file uses an unknown protection kind ({0})")]
    UnknownKind(u8),
    /// The record does not have its kind's length.
    #[error("the key file is damaged: its record is {actual} bytes, expected {expected}")]
    BadRecordLength {
        /// The record's length.
        actual: usize,
        /// The length its kind has.
        expected: usize,
    },
    /// The record's secret seed does not give its stored public key.
    #[error("the key file is damaged: its secret does not match its public key")]
    SecretMismatch,
    /// The stored Argon2id parameters are out of the accepted range.
    #[error("unsupported key derivation parameters (m={} KiB, t={}, p={})", .0.m_cost_kib, .0.t_cost, .0.p_cost)]
    UnsupportedKdfParams(KdfParams),
    /// Argon2id refused its parameters or failed.
    #[error("key derivation failed: {0}")]
    Kdf(String),
    /// The key is encrypted and no passphrase was given.
    #[error("the key file is encrypted and needs a passphrase")]
    PassphraseRequired,
    /// Decryption failed: the passphrase is wrong or the file was modified.
    #[error("wrong passphrase (or the key file was modified)")]
    WrongPassphrase,
    /// Encrypting a new key failed.
    #[error("encryption of the secret key failed")]
    Encryption,
    /// The seed or the public key was refused by the core.
    #[error("{}", .0.message())]
    Key(sealkit::Error),
    /// The file is larger than any key file.
    #[error("too large to be a sealkit key file")]
    TooLarge,
    /// The file is not UTF-8 text.
    #[error("not a sealkit key file (not UTF-8 text)")]
    NotUtf8,
    /// The operating system's random number generator failed.
    #[error("cannot get random bytes from the operating system: {0}")]
    Random(String),
    /// Reading failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

impl KeyFileError {
    /// The core's error, for a key that the core refused (a bad public key text or point, an
    /// invalid seed).
    pub fn core(&self) -> Option<sealkit::Error> {
        match self {
            KeyFileError::Key(e) => Some(*e),
            _ => None,
        }
    }
}

/// Results of this crate.
pub type Result<T, E = KeyFileError> = std::result::Result<T, E>;

/// Argon2id cost parameters, stored in every encrypted key file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// Memory in KiB.
    pub m_cost_kib: u32,
    /// Passes over memory.
    pub t_cost: u32,
    /// Lanes.
    pub p_cost: u32,
}

impl KdfParams {
    /// What `keygen` writes: 64 MiB, 3 passes, 1 lane.
    pub const DEFAULT: KdfParams = KdfParams {
        m_cost_kib: 64 * 1024,
        t_cost: 3,
        p_cost: 1,
    };

    /// Largest memory cost accepted when loading (4 GiB), so that a crafted key file cannot
    /// make a loader allocate without bound.
    pub const MAX_M_COST_KIB: u32 = 4 * 1024 * 1024;
    /// Largest pass count accepted when loading.
    pub const MAX_T_COST: u32 = 64;
    /// Largest lane count accepted when loading.
    pub const MAX_P_COST: u32 = 16;

    /// Checks the parameters against the accepted ranges and Argon2's own limits.
    pub fn check(&self) -> Result<()> {
        self.argon2().map(|_| ())
    }

    fn argon2(&self) -> Result<Argon2<'static>> {
        if self.m_cost_kib > Self::MAX_M_COST_KIB
            || self.t_cost == 0
            || self.t_cost > Self::MAX_T_COST
            || self.p_cost == 0
            || self.p_cost > Self::MAX_P_COST
        {
            return Err(KeyFileError::UnsupportedKdfParams(*self));
        }
        let params = Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(32))
            .map_err(|e| KeyFileError::Kdf(format!("invalid key derivation parameters: {e}")))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Derives the 32-byte encryption key from `passphrase` and `salt`.
    fn derive(&self, passphrase: &[u8], salt: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
        let mut key = Zeroizing::new([0u8; 32]);
        self.argon2()?
            .hash_password_into(passphrase, salt, key.as_mut())
            .map_err(|e| KeyFileError::Kdf(e.to_string()))?;
        Ok(key)
    }
}

/// How a new secret key is protected.
#[derive(Clone, Copy)]
pub enum Protection<'a> {
    /// Written in the clear.
    Unencrypted,
    /// Encrypted under a passphrase (its exact bytes, normally UTF-8) with these parameters.
    Passphrase(&'a [u8], KdfParams),
}

impl std::fmt::Debug for Protection<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Protection::Unencrypted => f.write_str("Unencrypted"),
            Protection::Passphrase(_, params) => write!(f, "Passphrase(.., {params:?})"),
        }
    }
}

fn random<const N: usize>() -> Result<[u8; N]> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| KeyFileError::Random(e.to_string()))?;
    Ok(out)
}

/// A fresh signing key from the operating system's random number generator.
pub fn generate() -> Result<SigningKey> {
    let seed = Zeroizing::new(random::<SEED_LEN>()?);
    // An all-zero seed is the only one refused; the chance of drawing it is nil, but try again
    // rather than fail.
    match SigningKey::from_seed(&seed) {
        Ok(k) => Ok(k),
        Err(_) => {
            let seed = Zeroizing::new(random::<SEED_LEN>()?);
            SigningKey::from_seed(&seed).map_err(KeyFileError::Key)
        }
    }
}

/// The associated data of an encrypted record: the line prefix and the whole header.
fn associated_data(header: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(SECRET_PREFIX.len() + header.len());
    aad.extend_from_slice(SECRET_PREFIX.as_bytes());
    aad.extend_from_slice(header);
    aad
}

/// The full text (one line, with its newline) of a secret key file for `key`.
pub fn encode_secret(key: &SigningKey, protection: &Protection<'_>) -> Result<Zeroizing<String>> {
    let seed = Zeroizing::new(key.seed_bytes());
    let public = key.public_key();
    let mut record = Zeroizing::new(Vec::with_capacity(ENCRYPTED_LEN));
    match protection {
        Protection::Unencrypted => {
            record.push(KIND_PLAIN);
            record.extend_from_slice(public.as_bytes());
            record.extend_from_slice(seed.as_ref());
        }
        Protection::Passphrase(passphrase, params) => {
            let salt = random::<SALT_LEN>()?;
            let nonce = random::<NONCE_LEN>()?;
            record.push(KIND_ARGON2ID_XCHACHA20POLY1305);
            record.extend_from_slice(&params.m_cost_kib.to_be_bytes());
            record.extend_from_slice(&params.t_cost.to_be_bytes());
            record.extend_from_slice(&params.p_cost.to_be_bytes());
            record.extend_from_slice(&salt);
            record.extend_from_slice(&nonce);
            record.extend_from_slice(public.as_bytes());
            let aad = associated_data(&record);
            let kek = params.derive(passphrase, &salt)?;
            let cipher = XChaCha20Poly1305::new(&(*kek).into());
            let mut buf = Zeroizing::new(*seed);
            let tag = cipher
                .encrypt_inout_detached(&XNonce::from(nonce), &aad, buf.as_mut_slice().into())
                .map_err(|_| KeyFileError::Encryption)?;
            record.extend_from_slice(buf.as_ref());
            record.extend_from_slice(&tag);
        }
    }
    let mut text = Zeroizing::new(String::with_capacity(SECRET_PREFIX.len() + 200));
    text.push_str(SECRET_PREFIX);
    STANDARD.encode_string(record.as_slice(), &mut text);
    text.push('\n');
    Ok(text)
}

/// A decoded secret key file, before any passphrase is asked for.
#[derive(Debug)]
pub struct SecretKeyFile {
    record: Zeroizing<Vec<u8>>,
}

fn take<'a, const N: usize>(rest: &mut &'a [u8]) -> Option<&'a [u8; N]> {
    let (head, tail) = rest.split_first_chunk::<N>()?;
    *rest = tail;
    Some(head)
}

fn be_u32(rest: &mut &[u8]) -> Option<u32> {
    take::<4>(rest).map(|b| u32::from_be_bytes(*b))
}

impl SecretKeyFile {
    /// Decodes the text of a secret key file (surrounding ASCII whitespace is ignored).
    pub fn parse(text: &str) -> Result<SecretKeyFile> {
        let line = text.trim_matches(|c: char| c.is_ascii_whitespace());
        let b64 = match line.strip_prefix(SECRET_PREFIX) {
            Some(b) => b,
            None if line.starts_with(PUBLIC_KEY_TEXT_PREFIX) => {
                return Err(KeyFileError::PublicKeyGiven)
            }
            None if line.starts_with("sealkit-secret-") => return Err(KeyFileError::NewerFormat),
            None => return Err(KeyFileError::NotSecretKeyFile),
        };
        let record = Zeroizing::new(STANDARD.decode(b64).map_err(|_| KeyFileError::BadBase64)?);
        let expected = match record.first() {
            Some(&KIND_PLAIN) => PLAIN_LEN,
            Some(&KIND_ARGON2ID_XCHACHA20POLY1305) => ENCRYPTED_LEN,
            Some(kind) => return Err(KeyFileError::UnknownKind(*kind)),
            None => return Err(KeyFileError::Empty),
        };
        if record.len() != expected {
            return Err(KeyFileError::BadRecordLength {
                actual: record.len(),
                expected,
            });
        }
        Ok(SecretKeyFile { record })
    }

    /// Decodes the bytes of a secret key file (they must be UTF-8 text).
    pub fn parse_bytes(bytes: &[u8]) -> Result<SecretKeyFile> {
        let text = std::str::from_utf8(bytes).map_err(|_| KeyFileError::NotSecretKeyFile)?;
        SecretKeyFile::parse(text)
    }

    /// Whether a passphrase is needed to open it.
    pub fn is_encrypted(&self) -> bool {
        self.record.first() == Some(&KIND_ARGON2ID_XCHACHA20POLY1305)
    }

    /// The public key stored beside the secret (not yet checked against it: only
    /// [`open`](Self::open) does that).
    pub fn unverified_public_key(&self) -> Option<PublicKey> {
        let offset = if self.is_encrypted() {
            HEADER_LEN - PUBLIC_LEN
        } else {
            1
        };
        let bytes = self.record.get(offset..offset + PUBLIC_LEN)?;
        PublicKey::from_bytes(bytes).ok()
    }

    /// The KDF parameters of an encrypted key, `None` for a plain one.
    pub fn kdf_params(&self) -> Option<KdfParams> {
        if !self.is_encrypted() {
            return None;
        }
        let mut rest = self.record.get(1..)?;
        Some(KdfParams {
            m_cost_kib: be_u32(&mut rest)?,
            t_cost: be_u32(&mut rest)?,
            p_cost: be_u32(&mut rest)?,
        })
    }

    /// Checks what can be checked before a passphrase is asked for: the stored KDF parameters
    /// of an encrypted key are in the accepted range.
    pub fn check(&self) -> Result<()> {
        match self.kdf_params() {
            Some(params) => params.check(),
            None if self.is_encrypted() => Err(KeyFileError::BadRecordLength {
                actual: self.record.len(),
                expected: ENCRYPTED_LEN,
            }),
            None => Ok(()),
        }
    }

    /// Opens the key. `passphrase` is needed only if [`is_encrypted`](Self::is_encrypted)
    /// (else it is ignored); the KDF parameters are checked before it is used.
    pub fn open(&self, passphrase: Option<&[u8]>) -> Result<SigningKey> {
        let damaged = || KeyFileError::BadRecordLength {
            actual: self.record.len(),
            expected: if self.is_encrypted() {
                ENCRYPTED_LEN
            } else {
                PLAIN_LEN
            },
        };
        let mut rest: &[u8] = self.record.get(1..).ok_or_else(damaged)?;
        let mut seed = Zeroizing::new([0u8; SEED_LEN]);
        let stored_public;
        if self.is_encrypted() {
            let params = KdfParams {
                m_cost_kib: be_u32(&mut rest).ok_or_else(damaged)?,
                t_cost: be_u32(&mut rest).ok_or_else(damaged)?,
                p_cost: be_u32(&mut rest).ok_or_else(damaged)?,
            };
            let salt = take::<SALT_LEN>(&mut rest).ok_or_else(damaged)?;
            let nonce = take::<NONCE_LEN>(&mut rest).ok_or_else(damaged)?;
            stored_public = take::<PUBLIC_LEN>(&mut rest).ok_or_else(damaged)?;
            let ciphertext = take::<SEED_LEN>(&mut rest).ok_or_else(damaged)?;
            let tag = take::<TAG_LEN>(&mut rest).ok_or_else(damaged)?;
            let header = self.record.get(..HEADER_LEN).ok_or_else(damaged)?;
            let aad = associated_data(header);
            params.check()?;
            let passphrase = passphrase.ok_or(KeyFileError::PassphraseRequired)?;
            let kek = params.derive(passphrase, salt)?;
            let cipher = XChaCha20Poly1305::new(&(*kek).into());
            seed.copy_from_slice(ciphertext);
            cipher
                .decrypt_inout_detached(
                    &XNonce::from(*nonce),
                    &aad,
                    seed.as_mut_slice().into(),
                    &Tag::from(*tag),
                )
                .map_err(|_| {
                    seed.zeroize();
                    KeyFileError::WrongPassphrase
                })?;
        } else {
            stored_public = take::<PUBLIC_LEN>(&mut rest).ok_or_else(damaged)?;
            seed.copy_from_slice(take::<SEED_LEN>(&mut rest).ok_or_else(damaged)?);
        }
        let key = SigningKey::from_seed(&seed).map_err(KeyFileError::Key)?;
        if key.public_key().as_bytes() != stored_public {
            return Err(KeyFileError::SecretMismatch);
        }
        Ok(key)
    }
}

/// Reads at most `limit` bytes, failing with [`KeyFileError::TooLarge`] if there are more.
pub fn read_bounded(reader: impl Read, limit: u64) -> Result<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(Vec::with_capacity(256));
    reader.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(KeyFileError::TooLarge);
    }
    Ok(buf)
}

/// Reads and decodes a secret key file from `reader` (at most [`MAX_SECRET_FILE_LEN`] bytes).
pub fn read_secret(reader: impl Read) -> Result<SecretKeyFile> {
    let bytes = read_bounded(reader, MAX_SECRET_FILE_LEN)?;
    SecretKeyFile::parse_bytes(&bytes)
}

/// The text of a public key file: `sealkit-ed25519:` and base64, one line.
pub fn encode_public(key: &PublicKey) -> String {
    let mut buf = [0u8; PUBLIC_KEY_TEXT_LEN];
    let mut s = key.to_text(&mut buf).to_string();
    s.push('\n');
    s
}

/// Parses the text of a public key file (surrounding ASCII whitespace is ignored). A secret key
/// file is refused with [`KeyFileError::SecretKeyGiven`]; other bad text with the core's
/// error in [`KeyFileError::Key`].
pub fn parse_public(text: &str) -> Result<PublicKey> {
    if text.trim_start().starts_with(SECRET_PREFIX) {
        return Err(KeyFileError::SecretKeyGiven);
    }
    PublicKey::from_text(text).map_err(KeyFileError::Key)
}

/// Reads and parses a public key file from `reader` (at most [`MAX_PUBLIC_FILE_LEN`] bytes).
/// Bytes that are not UTF-8 are refused as bad public key text.
pub fn read_public(reader: impl Read) -> Result<PublicKey> {
    let bytes = read_bounded(reader, MAX_PUBLIC_FILE_LEN)?;
    let text = std::str::from_utf8(&bytes).unwrap_or("");
    parse_public(text)
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;

    fn fast() -> KdfParams {
        KdfParams {
            m_cost_kib: 64,
            t_cost: 1,
            p_cost: 1,
        }
    }

    #[test]
    fn plain_round_trip() {
        let key = SigningKey::from_seed(&[7u8; 32]).unwrap();
        let text = encode_secret(&key, &Protection::Unencrypted).unwrap();
        assert!(text.starts_with(SECRET_PREFIX));
        assert!(text.ends_with('\n'));
        let file = SecretKeyFile::parse(&text).unwrap();
        assert!(!file.is_encrypted());
        assert_eq!(file.kdf_params(), None);
        assert_eq!(file.unverified_public_key(), Some(key.public_key()));
        let back = file.open(None).unwrap();
        assert_eq!(back.seed_bytes(), key.seed_bytes());
    }

    #[test]
    fn encrypted_round_trip_and_tamper() {
        let key = SigningKey::from_seed(&[9u8; 32]).unwrap();
        let pass = b"correct horse".as_slice();
        let text = encode_secret(&key, &Protection::Passphrase(pass, fast())).unwrap();
        let file = SecretKeyFile::parse(&text).unwrap();
        assert!(file.is_encrypted());
        assert_eq!(file.kdf_params(), Some(fast()));
        assert_eq!(file.unverified_public_key(), Some(key.public_key()));
        assert!(matches!(
            file.open(None),
            Err(KeyFileError::PassphraseRequired)
        ));
        let back = file.open(Some(pass)).unwrap();
        assert_eq!(back.seed_bytes(), key.seed_bytes());
        assert!(matches!(
            file.open(Some(b"wrong")),
            Err(KeyFileError::WrongPassphrase)
        ));

        // Changing any header byte (here the t cost) breaks authentication.
        let b64 = text.trim().strip_prefix(SECRET_PREFIX).unwrap();
        let mut record = STANDARD.decode(b64).unwrap();
        record[8] ^= 2;
        let tampered = format!("{SECRET_PREFIX}{}", STANDARD.encode(&record));
        let file = SecretKeyFile::parse(&tampered).unwrap();
        assert!(matches!(
            file.open(Some(pass)),
            Err(KeyFileError::WrongPassphrase)
        ));
    }

    #[test]
    fn plain_record_with_wrong_public_key_is_damaged() {
        let key = SigningKey::from_seed(&[7u8; 32]).unwrap();
        let other = SigningKey::from_seed(&[8u8; 32]).unwrap();
        let mut record = vec![KIND_PLAIN];
        record.extend_from_slice(other.public_key().as_bytes());
        record.extend_from_slice(&key.seed_bytes());
        let text = format!("{SECRET_PREFIX}{}", STANDARD.encode(&record));
        let file = SecretKeyFile::parse(&text).unwrap();
        assert!(matches!(file.open(None), Err(KeyFileError::SecretMismatch)));
    }

    #[test]
    fn rejects_garbage_and_huge_params() {
        assert!(matches!(
            SecretKeyFile::parse(""),
            Err(KeyFileError::NotSecretKeyFile)
        ));
        assert!(matches!(
            SecretKeyFile::parse("sealkit-secret-v1:!!!"),
            Err(KeyFileError::BadBase64)
        ));
        assert!(matches!(
            SecretKeyFile::parse("sealkit-secret-v1:AA=="),
            Err(KeyFileError::BadRecordLength {
                actual: 1,
                expected: PLAIN_LEN
            })
        ));
        assert!(matches!(
            SecretKeyFile::parse("sealkit-secret-v1:"),
            Err(KeyFileError::Empty)
        ));
        assert!(matches!(
            SecretKeyFile::parse("sealkit-secret-v1:Bw=="),
            Err(KeyFileError::UnknownKind(7))
        ));
        assert!(matches!(
            SecretKeyFile::parse("sealkit-secret-v9:AA=="),
            Err(KeyFileError::NewerFormat)
        ));
        let key = SigningKey::from_seed(&[7u8; 32]).unwrap();
        assert!(matches!(
            SecretKeyFile::parse(&encode_public(&key.public_key())),
            Err(KeyFileError::PublicKeyGiven)
        ));
        let mut record = vec![KIND_ARGON2ID_XCHACHA20POLY1305];
        record.extend_from_slice(&u32::MAX.to_be_bytes());
        record.resize(ENCRYPTED_LEN, 0);
        let text = format!("{SECRET_PREFIX}{}", STANDARD.encode(&record));
        let file = SecretKeyFile::parse(&text).unwrap();
        assert!(matches!(
            file.check(),
            Err(KeyFileError::UnsupportedKdfParams(_))
        ));
        // Parameters are checked before the passphrase is looked at.
        let r = file.open(None);
        assert!(
            matches!(r, Err(KeyFileError::UnsupportedKdfParams(p)) if p.m_cost_kib == u32::MAX)
        );
    }

    #[test]
    fn bounded_reads() {
        let big = vec![b'a'; MAX_SECRET_FILE_LEN as usize + 1];
        assert!(matches!(
            read_secret(big.as_slice()),
            Err(KeyFileError::TooLarge)
        ));
        assert!(matches!(
            read_secret([0xffu8, 0xfe].as_slice()),
            Err(KeyFileError::NotSecretKeyFile)
        ));
        let key = SigningKey::from_seed(&[7u8; 32]).unwrap();
        let text = encode_public(&key.public_key());
        assert_eq!(read_public(text.as_bytes()).unwrap(), key.public_key());
        let secret = encode_secret(&key, &Protection::Unencrypted).unwrap();
        assert!(matches!(
            read_public(secret.as_bytes()),
            Err(KeyFileError::SecretKeyGiven)
        ));
        assert!(matches!(
            read_public(b"sealkit-ed25519:AAAA".as_slice()).map_err(|e| e.core()),
            Err(Some(sealkit::Error::BadPublicKeyText))
        ));
    }

    /// The example vectors in docs/KEYS.md open to their documented public keys.
    #[test]
    fn documented_vectors_open() {
        let doc = include_str!("../../docs/KEYS.md");
        let vectors = doc
            .split("## Example vectors")
            .nth(1)
            .expect("the doc has an example vectors section");
        let secrets: Vec<&str> = vectors
            .lines()
            .filter(|l| l.starts_with(SECRET_PREFIX))
            .collect();
        let publics: Vec<&str> = vectors
            .lines()
            .filter(|l| l.starts_with(PUBLIC_KEY_TEXT_PREFIX))
            .collect();
        assert_eq!(secrets.len(), 2);
        assert_eq!(publics.len(), 2);
        let passphrase = b"sealkit example passphrase".as_slice();
        for (secret, public) in secrets.iter().zip(&publics) {
            let file = SecretKeyFile::parse(secret).unwrap();
            let key = file.open(Some(passphrase)).unwrap();
            assert_eq!(key.public_key(), PublicKey::from_text(public).unwrap());
            assert_eq!(encode_public(&key.public_key()), format!("{public}\n"));
        }
        let encrypted = SecretKeyFile::parse(secrets[0]).unwrap();
        assert_eq!(encrypted.kdf_params(), Some(KdfParams::DEFAULT));
    }
}
