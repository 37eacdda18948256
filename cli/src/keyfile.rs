//! Secret and public key files. Both formats are specified in `docs/KEYS.md`.
//!
//! A secret key file is one line: `sealkit-secret-v1:` and the standard padded base64 of a small
//! fixed-layout binary record. The record is either a plain seed (kind 0) or a seed encrypted
//! with XChaCha20-Poly1305 under a key derived from a passphrase with Argon2id (kind 1); the
//! KDF parameters are stored in the record so that they can change without a new format.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

use argon2::{Algorithm, Argon2, Params, Version};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chacha20poly1305::aead::AeadInOut;
use chacha20poly1305::{KeyInit, Tag, XChaCha20Poly1305, XNonce};
use sealkit::{PublicKey, SigningKey, PUBLIC_KEY_TEXT_LEN};
use zeroize::{Zeroize, Zeroizing};

use crate::error::{CliError, CliResult};
use crate::passphrase::Passphrase;

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
const MAX_SECRET_FILE_LEN: u64 = 1024;
/// A public key file is never larger than this.
const MAX_PUBLIC_FILE_LEN: u64 = 1024;

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
    /// make `sign` allocate without bound.
    pub const MAX_M_COST_KIB: u32 = 4 * 1024 * 1024;
    /// Largest pass count accepted when loading.
    pub const MAX_T_COST: u32 = 64;
    /// Largest lane count accepted when loading.
    pub const MAX_P_COST: u32 = 16;

    fn argon2(&self) -> CliResult<Argon2<'static>> {
        if self.m_cost_kib > Self::MAX_M_COST_KIB
            || self.t_cost == 0
            || self.t_cost > Self::MAX_T_COST
            || self.p_cost == 0
            || self.p_cost > Self::MAX_P_COST
        {
            return Err(CliError::Key(format!(
                "unsupported key derivation parameters (m={} KiB, t={}, p={})",
                self.m_cost_kib, self.t_cost, self.p_cost
            )));
        }
        let params = Params::new(self.m_cost_kib, self.t_cost, self.p_cost, Some(32))
            .map_err(|e| CliError::Key(format!("invalid key derivation parameters: {e}")))?;
        Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
    }

    /// Derives the 32-byte encryption key from `passphrase` and `salt`.
    fn derive(&self, passphrase: &[u8], salt: &[u8]) -> CliResult<Zeroizing<[u8; 32]>> {
        let mut key = Zeroizing::new([0u8; 32]);
        self.argon2()?
            .hash_password_into(passphrase, salt, key.as_mut())
            .map_err(|e| CliError::Key(format!("key derivation failed: {e}")))?;
        Ok(key)
    }
}

/// How a new secret key is protected.
#[derive(Debug)]
pub enum Protection {
    /// Written in the clear.
    Unencrypted,
    /// Encrypted under a passphrase.
    Passphrase(Passphrase, KdfParams),
}

fn random<const N: usize>() -> CliResult<[u8; N]> {
    let mut out = [0u8; N];
    getrandom::fill(&mut out).map_err(|e| {
        CliError::io(
            "cannot get random bytes from the operating system",
            io::Error::other(e.to_string()),
        )
    })?;
    Ok(out)
}

/// A fresh signing key from the operating system's random number generator.
pub fn generate() -> CliResult<SigningKey> {
    let seed = Zeroizing::new(random::<SEED_LEN>()?);
    // An all-zero seed is the only one refused; the chance of drawing it is nil, but try again
    // rather than fail.
    match SigningKey::from_seed(&seed) {
        Ok(k) => Ok(k),
        Err(_) => {
            let seed = Zeroizing::new(random::<SEED_LEN>()?);
            SigningKey::from_seed(&seed).map_err(|e| CliError::Key(e.message().to_string()))
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
pub fn encode_secret(key: &SigningKey, protection: &Protection) -> CliResult<Zeroizing<String>> {
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
            let kek = params.derive(passphrase.as_bytes(), &salt)?;
            let cipher = XChaCha20Poly1305::new(&(*kek).into());
            let mut buf = Zeroizing::new(*seed);
            let tag = cipher
                .encrypt_inout_detached(&XNonce::from(nonce), &aad, buf.as_mut_slice().into())
                .map_err(|_| CliError::Key("encryption of the secret key failed".into()))?;
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
    /// Decodes the text of a secret key file; `what` names it in messages.
    pub fn parse(text: &str, what: &str) -> CliResult<SecretKeyFile> {
        let line = text.trim_matches(|c: char| c.is_ascii_whitespace());
        let b64 = match line.strip_prefix(SECRET_PREFIX) {
            Some(b) => b,
            None if line.starts_with(sealkit::PUBLIC_KEY_TEXT_PREFIX) => {
                return Err(CliError::Key(format!(
                    "{what} is a public key; signing needs the secret key file (NAME.key)"
                )))
            }
            None if line.starts_with("sealkit-secret-") => {
                return Err(CliError::Key(format!(
                    "{what} is a secret key file of a newer format than this sealkit understands"
                )))
            }
            None => {
                return Err(CliError::Key(format!(
                    "{what} is not a sealkit secret key file (it must start with {SECRET_PREFIX})"
                )))
            }
        };
        let record = Zeroizing::new(STANDARD.decode(b64).map_err(|_| {
            CliError::Key(format!("{what} is damaged: its base64 does not decode"))
        })?);
        let expected = match record.first() {
            Some(&KIND_PLAIN) => PLAIN_LEN,
            Some(&KIND_ARGON2ID_XCHACHA20POLY1305) => ENCRYPTED_LEN,
            Some(kind) => {
                return Err(CliError::Key(format!(
                    "{what} uses an unknown protection kind ({kind})"
                )))
            }
            None => return Err(CliError::Key(format!("{what} is empty"))),
        };
        if record.len() != expected {
            return Err(CliError::Key(format!(
                "{what} is damaged: its record is {} bytes, expected {expected}",
                record.len()
            )));
        }
        Ok(SecretKeyFile { record })
    }

    /// Whether a passphrase is needed to open it.
    pub fn is_encrypted(&self) -> bool {
        self.record.first() == Some(&KIND_ARGON2ID_XCHACHA20POLY1305)
    }

    #[cfg(test)]
    /// The public key stored beside the secret (not yet checked against it).
    pub fn stored_public_key(&self) -> Option<PublicKey> {
        let offset = if self.is_encrypted() {
            HEADER_LEN - PUBLIC_LEN
        } else {
            1
        };
        let bytes = self.record.get(offset..offset + PUBLIC_LEN)?;
        PublicKey::from_bytes(bytes).ok()
    }

    #[cfg(test)]
    /// The KDF parameters of an encrypted key.
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

    /// Opens the key; `passphrase` is called only if the key is encrypted.
    pub fn open(
        &self,
        what: &str,
        passphrase: impl FnOnce() -> CliResult<Passphrase>,
    ) -> CliResult<SigningKey> {
        let damaged = || CliError::Key(format!("{what} is damaged"));
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
            // Check the parameters before asking for a passphrase.
            params.argon2()?;
            let passphrase = passphrase()?;
            let kek = params.derive(passphrase.as_bytes(), salt)?;
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
                    CliError::Key(format!(
                        "cannot decrypt {what}: wrong passphrase (or the key file was modified)"
                    ))
                })?;
        } else {
            stored_public = take::<PUBLIC_LEN>(&mut rest).ok_or_else(damaged)?;
            seed.copy_from_slice(take::<SEED_LEN>(&mut rest).ok_or_else(damaged)?);
        }
        let key = SigningKey::from_seed(&seed)
            .map_err(|e| CliError::Key(format!("{what}: {}", e.message())))?;
        if key.public_key().as_bytes() != stored_public {
            return Err(CliError::Key(format!(
                "{what} is damaged: its secret does not match its public key"
            )));
        }
        Ok(key)
    }
}

/// Reads at most `limit` bytes of an opened file, failing if it holds more.
fn read_bounded(file: File, limit: u64, path: &Path) -> CliResult<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(Vec::with_capacity(256));
    file.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| CliError::read(path, e))?;
    if buf.len() as u64 > limit {
        return Err(CliError::Key(format!(
            "{} is too large to be a sealkit key file",
            path.display()
        )));
    }
    Ok(buf)
}

/// Refuses a secret key file that is not a regular file or that anyone but its owner can
/// access (the permission check exists on Unix only).
fn check_private(file: &File, path: &Path) -> CliResult<()> {
    let meta = file.metadata().map_err(|e| CliError::read(path, e))?;
    if !meta.is_file() {
        return Err(CliError::Key(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(CliError::Key(format!(
                "refusing to use secret key file {}: its permissions {:04o} let group or others access it; \
                 run `chmod 600 {}` if the key is still secret, or make a new key",
                path.display(),
                mode,
                path.display()
            )));
        }
    }
    Ok(())
}

/// Reads a secret key file, refusing it if group or others can access it.
pub fn read_secret_file(path: &Path) -> CliResult<SecretKeyFile> {
    let file = File::open(path).map_err(|e| CliError::read(path, e))?;
    // Checked on the opened file, so the file checked is the file read.
    check_private(&file, path)?;
    let bytes = read_bounded(file, MAX_SECRET_FILE_LEN, path)?;
    let what = format!("secret key file {}", path.display());
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| CliError::Key(format!("{what} is not a sealkit secret key file")))?;
    SecretKeyFile::parse(text, &what)
}

/// Loads a signing key from a secret key file, asking for a passphrase only if it is encrypted.
pub fn load_signing_key(
    path: &Path,
    passphrase: impl FnOnce() -> CliResult<Passphrase>,
) -> CliResult<SigningKey> {
    let file = read_secret_file(path)?;
    file.open(&format!("secret key file {}", path.display()), passphrase)
}

/// The text of a public key file: `sealkit-ed25519:` and base64, one line.
pub fn encode_public(key: &PublicKey) -> String {
    let mut buf = [0u8; PUBLIC_KEY_TEXT_LEN];
    let mut s = key.to_text(&mut buf).to_string();
    s.push('\n');
    s
}

/// A public key from a `--key` argument: the literal text form, or a path to a `.pub` file.
pub fn load_public_key(arg: &str) -> CliResult<PublicKey> {
    if arg.starts_with(sealkit::PUBLIC_KEY_TEXT_PREFIX) {
        return PublicKey::from_text(arg).map_err(|error| CliError::BadArgument {
            error,
            context: "--key".into(),
        });
    }
    let path = Path::new(arg);
    let file = File::open(path).map_err(|e| CliError::read(path, e))?;
    let bytes = read_bounded(file, MAX_PUBLIC_FILE_LEN, path)?;
    let text = std::str::from_utf8(&bytes).unwrap_or("");
    if text.trim_start().starts_with(SECRET_PREFIX) {
        return Err(CliError::Usage(format!(
            "{} is a secret key file; verification needs the public key (NAME.pub)",
            path.display()
        )));
    }
    PublicKey::from_text(text).map_err(|error| CliError::BadArgument {
        error,
        context: format!("public key file {}", path.display()),
    })
}

/// Creates `path` with `mode` (on Unix) and writes `contents`. Without `force` an existing file
/// is never touched; with it, the old file is removed first so that the new one gets `mode`
/// from its creation (an existing file's permissions would otherwise be kept).
pub fn write_new_file(path: &Path, contents: &[u8], mode: u32, force: bool) -> CliResult<()> {
    if force {
        match fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(CliError::io(
                    format!("cannot replace {}", path.display()),
                    e,
                ))
            }
        }
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            CliError::Usage(format!(
                "{} already exists; use --force to overwrite it",
                path.display()
            ))
        } else {
            CliError::write(path, e)
        }
    })?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|e| CliError::write(path, e))
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
        let file = SecretKeyFile::parse(&text, "k").unwrap();
        assert!(!file.is_encrypted());
        let back = file
            .open("k", || panic!("no passphrase for a plain key"))
            .unwrap();
        assert_eq!(back.seed_bytes(), key.seed_bytes());
    }

    #[test]
    fn encrypted_round_trip_and_tamper() {
        let key = SigningKey::from_seed(&[9u8; 32]).unwrap();
        let pass = || Ok(Passphrase::new("correct horse".to_string()));
        let text = encode_secret(&key, &Protection::Passphrase(pass().unwrap(), fast())).unwrap();
        let file = SecretKeyFile::parse(&text, "k").unwrap();
        assert!(file.is_encrypted());
        assert_eq!(file.kdf_params(), Some(fast()));
        assert_eq!(file.stored_public_key(), Some(key.public_key()));
        let back = file.open("k", pass).unwrap();
        assert_eq!(back.seed_bytes(), key.seed_bytes());
        let wrong = file.open("k", || Ok(Passphrase::new("wrong".to_string())));
        assert!(matches!(wrong, Err(CliError::Key(m)) if m.contains("wrong passphrase")));

        // Changing any header byte (here the t cost) breaks authentication.
        let b64 = text.trim().strip_prefix(SECRET_PREFIX).unwrap();
        let mut record = STANDARD.decode(b64).unwrap();
        record[8] ^= 2;
        let tampered = format!("{SECRET_PREFIX}{}", STANDARD.encode(&record));
        let file = SecretKeyFile::parse(&tampered, "k").unwrap();
        assert!(file.open("k", pass).is_err());
    }

    #[test]
    fn rejects_garbage_and_huge_params() {
        assert!(SecretKeyFile::parse("", "k").is_err());
        assert!(SecretKeyFile::parse("sealkit-secret-v1:!!!", "k").is_err());
        assert!(SecretKeyFile::parse("sealkit-secret-v1:AA==", "k").is_err());
        assert!(SecretKeyFile::parse("sealkit-secret-v9:AA==", "k").is_err());
        let mut record = vec![KIND_ARGON2ID_XCHACHA20POLY1305];
        record.extend_from_slice(&u32::MAX.to_be_bytes());
        record.resize(ENCRYPTED_LEN, 0);
        let text = format!("{SECRET_PREFIX}{}", STANDARD.encode(&record));
        let file = SecretKeyFile::parse(&text, "k").unwrap();
        let r = file.open("k", || panic!("parameters are checked first"));
        assert!(matches!(r, Err(CliError::Key(m)) if m.contains("unsupported")));
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
            .filter(|l| l.starts_with(sealkit::PUBLIC_KEY_TEXT_PREFIX))
            .collect();
        assert_eq!(secrets.len(), 2);
        assert_eq!(publics.len(), 2);
        let passphrase = || Ok(Passphrase::new("sealkit example passphrase".to_string()));
        for (secret, public) in secrets.iter().zip(&publics) {
            let file = SecretKeyFile::parse(secret, "vector").unwrap();
            let key = file.open("vector", passphrase).unwrap();
            assert_eq!(key.public_key(), PublicKey::from_text(public).unwrap());
            assert_eq!(encode_public(&key.public_key()), format!("{public}\n"));
        }
        let encrypted = SecretKeyFile::parse(secrets[0], "vector").unwrap();
        assert_eq!(encrypted.kdf_params(), Some(KdfParams::DEFAULT));
    }
}
