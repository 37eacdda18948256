//! `SigningKey`, `sign_bytes` and `sign_file`, for release scripts.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use zeroize::Zeroizing;

use crate::buffer::Bytes;
use crate::keys::PublicKey;
use crate::{core_error, key_file_error};

/// Chunk size of `sign_file`.
const FILE_CHUNK: usize = 1 << 20;

/// The environment variable that fixes the signing time for reproducible builds (as the CLI).
const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";

/// An Ed25519 signing key. It is never printed; `repr()` shows only its key id.
///
/// `SigningKey.generate()` makes a new one from the operating system's random number
/// generator, `SigningKey.from_seed(seed32)` rebuilds one from its 32-byte seed, and
/// `SigningKey.load(path, passphrase=None)` reads a secret key file written by
/// `sealkit keygen` (encrypted with Argon2id + XChaCha20-Poly1305, or plain).
#[pyclass(frozen, module = "sealkit")]
#[derive(Debug)]
pub struct SigningKey {
    pub(crate) key: sealkit::SigningKey,
}

#[pymethods]
impl SigningKey {
    /// A new key from the operating system's random number generator.
    #[staticmethod]
    fn generate(py: Python<'_>) -> PyResult<SigningKey> {
        sealkit_keyfile::generate()
            .map(|key| SigningKey { key })
            .map_err(|e| key_file_error(py, e))
    }

    /// The key with this 32-byte secret seed (RFC 8032 private key). Raises
    /// `InvalidSecretKey` (505) for a seed sealkit refuses (all zero) and `ValueError` for a
    /// wrong length.
    #[staticmethod]
    fn from_seed(py: Python<'_>, seed: &Bound<'_, PyAny>) -> PyResult<SigningKey> {
        let bytes = Bytes::get(seed)?;
        let seed: &[u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| PyValueError::new_err("a seed is exactly 32 bytes"))?;
        sealkit::SigningKey::from_seed(seed)
            .map(|key| SigningKey { key })
            .map_err(|e| core_error(py, e))
    }

    /// Reads a secret key file written by `sealkit keygen` (`NAME.key`). `passphrase` (str
    /// or bytes) is needed if the file is encrypted; key derivation (Argon2id, about 64 MiB)
    /// runs with the GIL released. Raises `KeyFileError` (wrong passphrase, damaged or
    /// foreign file, missing passphrase) or `OSError`.
    ///
    /// Unlike the CLI, this does not refuse files that group or others can read: that policy
    /// is the caller's.
    #[staticmethod]
    #[pyo3(signature = (path, passphrase=None))]
    fn load(
        py: Python<'_>,
        path: PathBuf,
        passphrase: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<SigningKey> {
        let passphrase = passphrase_arg(passphrase)?;
        let r = py.detach(
            move || -> Result<sealkit::SigningKey, sealkit_keyfile::KeyFileError> {
                let file = File::open(&path)?;
                let meta = file.metadata()?;
                if !meta.is_file() {
                    return Err(std::io::Error::new(
                        ErrorKind::InvalidInput,
                        format!("{} is not a regular file", path.display()),
                    )
                    .into());
                }
                let secret = sealkit_keyfile::read_secret(file)?;
                secret.open(passphrase.as_deref().map(Vec::as_slice))
            },
        );
        r.map(|key| SigningKey { key })
            .map_err(|e| key_file_error(py, e))
    }

    /// The text of a secret key file for this key (one line with its newline), in the format
    /// `sealkit keygen` writes and `SigningKey.load` and `sealkit sign --key` read. With a
    /// `passphrase` (str or bytes, not empty) the seed is encrypted with XChaCha20-Poly1305
    /// under an Argon2id key (64 MiB, 3 passes, as keygen; run with the GIL released); with
    /// None it is written in the clear. Write it to a file only its owner can read (mode 0600):
    /// the CLI refuses other key files.
    #[pyo3(signature = (passphrase=None))]
    fn to_key_file(
        &self,
        py: Python<'_>,
        passphrase: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<String> {
        let passphrase = passphrase_arg(passphrase)?;
        if passphrase.as_ref().is_some_and(|p| p.is_empty()) {
            return Err(PyValueError::new_err(
                "the passphrase is empty; choose one, or pass None for an unencrypted key file",
            ));
        }
        let key = &self.key;
        let r = py.detach(|| {
            let protection = match &passphrase {
                Some(p) => {
                    sealkit_keyfile::Protection::Passphrase(p, sealkit_keyfile::KdfParams::DEFAULT)
                }
                None => sealkit_keyfile::Protection::Unencrypted,
            };
            sealkit_keyfile::encode_secret(key, &protection)
        });
        r.map(|text| text.as_str().to_string())
            .map_err(|e| key_file_error(py, e))
    }

    /// The matching public key.
    #[getter]
    fn public_key(&self) -> PublicKey {
        PublicKey {
            key: self.key.public_key(),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "<sealkit.SigningKey key_id={}>",
            crate::keys::hex(self.key.public_key().key_id().as_bytes())
        )
    }
}

/// A passphrase argument: str (its UTF-8 bytes, as the CLI uses) or bytes-like, or None.
fn passphrase_arg(passphrase: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Zeroizing<Vec<u8>>>> {
    let Some(p) = passphrase else {
        return Ok(None);
    };
    if let Ok(s) = p.cast::<PyString>() {
        return Ok(Some(Zeroizing::new(s.to_cow()?.as_bytes().to_vec())));
    }
    match Bytes::get(p) {
        Ok(b) => Ok(Some(Zeroizing::new(b.as_slice().to_vec()))),
        Err(_) => Err(PyTypeError::new_err("passphrase must be str or bytes")),
    }
}

/// The envelope claims common to `sign_bytes` and `sign_file` (and the tree and image
/// signing of `tree.rs` and `image.rs`), checked before hashing.
pub(crate) struct Claims {
    pub(crate) alg: sealkit::SignatureAlg,
    pub(crate) hash: sealkit::HashAlg,
    content_type: ContentArg,
    pub(crate) subject: String,
    pub(crate) identity: Option<String>,
    pub(crate) issued_at: u64,
    pub(crate) version: Option<u64>,
}

enum ContentArg {
    Format(u16),
    Media(String),
}

impl Claims {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        subject: String,
        identity: Option<String>,
        version: Option<u64>,
        hash: &str,
        alg: &str,
        content_type: &Bound<'_, PyAny>,
        issued_at: Option<u64>,
    ) -> PyResult<Claims> {
        let hash = match hash.to_ascii_lowercase().as_str() {
            "sha256" | "sha-256" => sealkit::HashAlg::Sha256,
            "sha512" | "sha-512" => sealkit::HashAlg::Sha512,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "hash must be \"sha256\" or \"sha512\", not {hash:?}"
                )))
            }
        };
        let alg = match alg.to_ascii_lowercase().as_str() {
            "ed25519" => sealkit::SignatureAlg::Ed25519,
            "eddsa" => sealkit::SignatureAlg::EdDsa,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "alg must be \"Ed25519\" (COSE -19) or \"EdDSA\" (COSE -8), not {alg:?}"
                )))
            }
        };
        let content_type = if let Ok(n) = content_type.extract::<u16>() {
            ContentArg::Format(n)
        } else if let Ok(s) = content_type.extract::<String>() {
            ContentArg::Media(s)
        } else {
            return Err(PyTypeError::new_err(
                "content_type must be a media type (str) or a CoAP Content-Format number (int, 0 to 65535)",
            ));
        };
        let issued_at = match issued_at {
            Some(t) => t,
            None => now_or_source_date_epoch()?,
        };
        Ok(Claims {
            alg,
            hash,
            content_type,
            subject,
            identity,
            issued_at,
            version,
        })
    }

    fn content_type(&self) -> sealkit::ContentType<'_> {
        match &self.content_type {
            ContentArg::Format(n) => sealkit::ContentType::CoapFormat(*n),
            ContentArg::Media(s) => sealkit::ContentType::from_media_type(s),
        }
    }

    fn sign(
        &self,
        key: &sealkit::SigningKey,
        digest: sealkit::ArtifactDigest,
        length: u64,
    ) -> Result<Vec<u8>, sealkit::Error> {
        let req = sealkit::SignRequest {
            alg: self.alg,
            digest,
            length,
            content_type: self.content_type(),
            subject: &self.subject,
            issuer: self.identity.as_deref(),
            issued_at: self.issued_at,
            version: self.version,
        };
        let mut out = [0u8; sealkit::MAX_SIGNED_ENVELOPE_LEN];
        let n = sealkit::sign(key, &req, &mut out)?;
        out.get(..n)
            .map(<[u8]>::to_vec)
            .ok_or(sealkit::Error::BufferTooSmall)
    }

    /// Catches claim errors before any byte is hashed, by signing a dummy digest.
    pub(crate) fn check(&self, key: &sealkit::SigningKey) -> Result<(), sealkit::Error> {
        let digest = sealkit::ArtifactHasher::new(self.hash).finalize();
        self.sign(key, digest, 0).map(|_| ())
    }
}

/// `SOURCE_DATE_EPOCH` if set, else the clock, as the CLI does.
fn now_or_source_date_epoch() -> PyResult<u64> {
    if let Some(v) = std::env::var_os(SOURCE_DATE_EPOCH) {
        let s = v.to_str().unwrap_or("");
        return s.trim().parse::<u64>().map_err(|_| {
            PyValueError::new_err(format!(
                "{SOURCE_DATE_EPOCH} must be a whole number of seconds since the Unix epoch"
            ))
        });
    }
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| PyValueError::new_err("the system clock is before 1970"))
}

/// Signs `data` (any bytes-like object, hashed in place with the GIL released) and returns the
/// envelope (the bytes of a `.sig` file).
///
/// The keyword arguments mirror `sealkit sign`: `subject` (`--subject`, required here),
/// `identity` (`--identity`, the signer identity `iss`), `version` (`--version`, for
/// anti-rollback), `hash` ("sha256" or "sha512", `--hash`), `alg` ("Ed25519" or "EdDSA",
/// `--cose-alg`), `content_type` (a media type, `--content-type`, default
/// "application/octet-stream", written compactly as CoAP Content-Format 42; or an int
/// Content-Format number), `issued_at` (`--issued-at`, default `$SOURCE_DATE_EPOCH`, else now).
/// Bad claims raise the core's `InvalidArgument` errors (`EmptyArgument`, `ArgumentTooLong`).
#[pyfunction]
#[pyo3(signature = (data, key, *, subject, identity=None, version=None, hash="sha256", alg="Ed25519", content_type=None, issued_at=None))]
#[allow(clippy::too_many_arguments)]
pub fn sign_bytes<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    key: &SigningKey,
    subject: String,
    identity: Option<String>,
    version: Option<u64>,
    hash: &str,
    alg: &str,
    content_type: Option<&Bound<'py, PyAny>>,
    issued_at: Option<u64>,
) -> PyResult<Bound<'py, PyBytes>> {
    if data.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "sign_bytes() needs bytes-like data, not str",
        ));
    }
    let default_ct = PyString::new(py, "application/octet-stream").into_any();
    let ct = content_type.unwrap_or(&default_ct);
    let claims = Claims::new(subject, identity, version, hash, alg, ct, issued_at)?;
    claims.check(&key.key).map_err(|e| core_error(py, e))?;
    let bytes = Bytes::get(data)?;
    let chunk = bytes.as_slice();
    // SAFETY (reading without the GIL): as in `Verifier.update`; `bytes` keeps the export
    // alive until after `detach` returns.
    let r = py.detach(|| {
        let mut hasher = sealkit::ArtifactHasher::new(claims.hash);
        hasher.update(chunk);
        let length = u64::try_from(chunk.len()).unwrap_or(u64::MAX);
        claims.sign(&key.key, hasher.finalize(), length)
    });
    drop(bytes);
    let envelope = r.map_err(|e| core_error(py, e))?;
    Ok(PyBytes::new(py, &envelope))
}

enum FileError {
    Core(sealkit::Error),
    Io(std::io::Error),
}

fn base_name(path: &Path) -> PyResult<String> {
    path.file_name()
        .and_then(|n| n.to_str())
        .map(str::to_string)
        .ok_or_else(|| {
            PyValueError::new_err(format!(
                "{} has no UTF-8 file name to use as the subject; pass subject=",
                path.display()
            ))
        })
}

/// Signs the file at `path` (str or os.PathLike), streaming it in 1 MiB chunks with the GIL
/// released, and returns the envelope. `subject` defaults to the file's base name, as with
/// `sealkit sign`; the other keyword arguments are those of `sign_bytes`.
#[pyfunction]
#[pyo3(signature = (path, key, *, subject=None, identity=None, version=None, hash="sha256", alg="Ed25519", content_type=None, issued_at=None))]
#[allow(clippy::too_many_arguments)]
pub fn sign_file<'py>(
    py: Python<'py>,
    path: PathBuf,
    key: &SigningKey,
    subject: Option<String>,
    identity: Option<String>,
    version: Option<u64>,
    hash: &str,
    alg: &str,
    content_type: Option<&Bound<'py, PyAny>>,
    issued_at: Option<u64>,
) -> PyResult<Bound<'py, PyBytes>> {
    let subject = match subject {
        Some(s) => s,
        None => base_name(&path)?,
    };
    let default_ct = PyString::new(py, "application/octet-stream").into_any();
    let ct = content_type.unwrap_or(&default_ct);
    let claims = Claims::new(subject, identity, version, hash, alg, ct, issued_at)?;
    claims.check(&key.key).map_err(|e| core_error(py, e))?;
    let r = py.detach(|| -> Result<Vec<u8>, FileError> {
        let mut file = File::open(&path).map_err(FileError::Io)?;
        let mut hasher = sealkit::ArtifactHasher::new(claims.hash);
        let mut buf = vec![0u8; FILE_CHUNK];
        let mut length: u64 = 0;
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(FileError::Io(e)),
            };
            hasher.update(buf.get(..n).unwrap_or(&[]));
            length = length.saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
        }
        claims
            .sign(&key.key, hasher.finalize(), length)
            .map_err(FileError::Core)
    });
    match r {
        Ok(envelope) => Ok(PyBytes::new(py, &envelope)),
        Err(FileError::Core(e)) => Err(core_error(py, e)),
        Err(FileError::Io(e)) => Err(PyErr::from(e)),
    }
}
