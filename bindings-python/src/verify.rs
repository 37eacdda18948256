//! `Verifier`, `Verified`, `verify_bytes` and `verify_file`.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::buffer::Bytes;
use crate::core_error;
use crate::keys::{hex, opt, TrustPolicy};
use crate::trust::{signers_of, Signer};

/// Chunk size of `verify_file`: large enough that the per-call overhead vanishes next to
/// SHA-2, small enough to stay in cache-friendly territory.
const FILE_CHUNK: usize = 1 << 20;

/// The facts of a verified artifact. Only a successful `Verifier.finish()` (or
/// `verify_bytes`/`verify_file`) makes one; it is immutable.
#[pyclass(frozen, module = "sealkit", get_all)]
#[derive(Debug)]
pub struct Verified {
    /// The id of the trusted key that signed, 16 lower-case hex digits.
    pub key_id: String,
    /// The COSE algorithm of the envelope: "Ed25519" (-19) or "EdDSA" (-8).
    pub alg: String,
    /// The signer identity (`iss`), or None.
    pub identity: Option<String>,
    /// The artifact name (`sub`).
    pub subject: String,
    /// The artifact's CoAP Content-Format number when the envelope states one (42 is
    /// application/octet-stream), else None.
    pub content_format: Option<u16>,
    /// The artifact's media type when the envelope states it as a string, else None (then
    /// `content_format` holds it; sealkit writes application/octet-stream as format 42).
    pub media_type: Option<String>,
    /// Signing time, seconds since the Unix epoch (`iat`).
    pub issued_at: u64,
    /// The release version, or None.
    pub version: Option<u64>,
    /// The artifact's length in bytes.
    pub length: u64,
    /// "sha256" or "sha512".
    pub hash_alg: String,
    /// The artifact's digest (32 or 64 bytes).
    pub digest: Py<PyBytes>,
    /// Every trusted signer that counted (one for a single envelope; k or more for a signature
    /// set under `require_signers(k)`), in signature-file order; `key_id` is the first's.
    pub signers: Vec<Signer>,
    /// Whether certificate validity and envelope expiry were checked (the policy had a time).
    pub time_checked: bool,
    /// The envelope's expiry (`exp`), seconds since the Unix epoch, or None.
    pub expires_at: Option<u64>,
}

impl Verified {
    pub(crate) fn new(py: Python<'_>, v: &sealkit::Verified) -> Verified {
        let content = v.content_type();
        Verified {
            key_id: hex(v.key_id().as_bytes()),
            alg: alg_name(v.alg()).to_string(),
            identity: v.identity().map(str::to_string),
            subject: v.subject().to_string(),
            content_format: match content {
                sealkit::ContentType::CoapFormat(n) => Some(n),
                sealkit::ContentType::MediaType(_) => None,
            },
            media_type: match content {
                sealkit::ContentType::MediaType(s) => Some(s.to_string()),
                sealkit::ContentType::CoapFormat(_) => None,
            },
            issued_at: v.issued_at(),
            version: v.version(),
            length: v.length(),
            hash_alg: v.digest().alg().name().to_string(),
            digest: PyBytes::new(py, v.digest().as_bytes()).unbind(),
            signers: signers_of(v),
            time_checked: v.time_checked(),
            expires_at: v.expires_at(),
        }
    }
}

pub(crate) fn alg_name(alg: sealkit::SignatureAlg) -> &'static str {
    match alg {
        sealkit::SignatureAlg::Ed25519 => "Ed25519",
        sealkit::SignatureAlg::EdDsa => "EdDSA",
        _ => "unknown",
    }
}

#[pymethods]
impl Verified {
    /// The digest as lower-case hex.
    #[getter]
    fn digest_hex(&self, py: Python<'_>) -> String {
        hex(self.digest.as_bytes(py))
    }

    fn __repr__(&self) -> String {
        format!(
            "Verified(key_id={:?}, alg={:?}, identity={}, subject={:?}, content_format={}, \
             media_type={}, issued_at={}, version={}, length={}, hash_alg={:?})",
            self.key_id,
            self.alg,
            opt(self.identity.as_ref()),
            self.subject,
            opt(self.content_format),
            opt(self.media_type.as_ref()),
            self.issued_at,
            opt(self.version),
            self.length,
            self.hash_alg,
        )
    }
}

/// A streaming verifier for one artifact.
///
/// `Verifier(envelope, policy)` checks the envelope (the bytes of a `.sig` file) and its
/// signature against the policy before any artifact byte is read, and raises on failure. Then
/// feed the artifact with `update(data)` in chunks of any size, and call `finish()`, which
/// returns the `Verified` facts or raises. Errors are sticky: after one, every call raises
/// the same error until `abort()`. `finish()` a second time raises `AlreadyFinished`.
///
/// Memory is constant whatever the artifact's size. A `Verifier` can be used from several
/// threads (calls are serialised), and as a context manager: leaving the `with` block aborts
/// a verification that was not finished.
#[pyclass(frozen, module = "sealkit")]
#[derive(Debug)]
pub struct Verifier {
    slot: Mutex<sealkit::VerifierSlot>,
}

impl Verifier {
    fn lock(&self) -> MutexGuard<'_, sealkit::VerifierSlot> {
        // The core never panics while the lock is held; a poisoned lock still holds a slot in
        // a state the core left consistent.
        self.slot.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the slot with the GIL released, so that waiting for the lock (held by
    /// another thread that is hashing without the GIL) never blocks other Python threads and
    /// can never deadlock against the GIL.
    fn with_slot<R: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut sealkit::VerifierSlot) -> R + Send,
    ) -> R {
        py.detach(|| f(&mut self.lock()))
    }
}

#[pymethods]
impl Verifier {
    #[new]
    fn new(
        py: Python<'_>,
        envelope: &Bound<'_, PyAny>,
        policy: &TrustPolicy,
    ) -> PyResult<Verifier> {
        let envelope = Bytes::get(envelope)?;
        let policy = policy.snapshot();
        let mut slot = sealkit::VerifierSlot::new();
        slot.start(envelope.as_slice(), &policy)
            .map_err(|e| core_error(py, e))?;
        Ok(Verifier {
            slot: Mutex::new(slot),
        })
    }

    /// Feeds the next chunk of the artifact: any object with the buffer protocol (bytes,
    /// bytearray, memoryview, mmap, array...), read in place without a copy and hashed with
    /// the GIL released. A non-contiguous buffer (e.g. `memoryview(b)[::2]`) raises
    /// `BufferError`; `str` raises `TypeError`. Raises `ArtifactTooLong` as soon as more bytes
    /// arrive than were signed.
    fn update(&self, py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<()> {
        if data.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "update() needs bytes-like data, not str",
            ));
        }
        let bytes = Bytes::get(data)?;
        let chunk = bytes.as_slice();
        // SAFETY (reading without the GIL): `bytes` holds a buffer export of `data` until after
        // `detach` returns, and an export keeps the memory allocated and in place (bytearray
        // refuses to resize, mmap to close, memoryview to release), so `chunk` stays valid for
        // the whole call whatever other Python threads do. Immutable exporters (bytes, read-only
        // mmap and memoryviews of them) cannot change either. A writable exporter can have its
        // contents rewritten concurrently by another thread; Python offers no lock for that, and
        // like hashlib (which also hashes such buffers without the GIL) we do not copy to guard
        // against it: the hash then sees some mix of old and new bytes, which at worst makes
        // verification fail. Callers must not write to a buffer while it is being verified
        // (documented on this method and in the README), exactly as they must not use bytes
        // other than those they verified.
        let r = self.with_slot(py, |slot| slot.update(chunk));
        drop(bytes);
        r.map_err(|e| core_error(py, e))
    }

    /// Ends the artifact and returns its `Verified` facts, or raises `ArtifactTooShort`,
    /// `DigestMismatch`, the sticky earlier error, `AlreadyFinished` (a second call) or
    /// `NotStarted` (after `abort()`).
    fn finish(&self, py: Python<'_>) -> PyResult<Verified> {
        let r = self.with_slot(py, |slot| slot.finish());
        r.map(|v| Verified::new(py, &v))
            .map_err(|e| core_error(py, e))
    }

    /// Abandons the verification. Every later call raises `NotStarted`.
    fn abort(&self, py: Python<'_>) {
        self.with_slot(py, |slot| slot.abort());
    }

    /// "empty" (after `abort()`), "active", "finished" or "failed".
    #[getter]
    fn state(&self, py: Python<'_>) -> &'static str {
        match self.with_slot(py, |slot| slot.state()) {
            sealkit::SlotState::Empty => "empty",
            sealkit::SlotState::Active => "active",
            sealkit::SlotState::Finished => "finished",
            sealkit::SlotState::Failed(_) => "failed",
        }
    }

    /// The sticky error as an exception instance (not raised), or None.
    #[getter]
    fn error(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        let e = self.with_slot(py, |slot| slot.error())?;
        Some(core_error(py, e).into_value(py).into_any())
    }

    /// Artifact bytes received so far (0 after `abort()`).
    #[getter]
    fn bytes_received(&self, py: Python<'_>) -> u64 {
        self.with_slot(py, |slot| slot.verifier().map_or(0, |v| v.bytes_received()))
    }

    /// The artifact length the envelope states (0 after `abort()`).
    #[getter]
    fn signed_length(&self, py: Python<'_>) -> u64 {
        self.with_slot(py, |slot| slot.verifier().map_or(0, |v| v.signed_length()))
    }

    /// "sha256" or "sha512", the envelope's hash algorithm (None after `abort()`).
    #[getter]
    fn hash_alg(&self, py: Python<'_>) -> Option<&'static str> {
        self.with_slot(py, |slot| slot.verifier().map(|v| v.hash_alg().name()))
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) -> bool {
        self.with_slot(py, |slot| {
            if slot.state() != sealkit::SlotState::Finished {
                slot.abort();
            }
        });
        false
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let (state, received, length) = self.with_slot(py, |slot| {
            (
                slot.state(),
                slot.verifier().map_or(0, |v| v.bytes_received()),
                slot.verifier().map_or(0, |v| v.signed_length()),
            )
        });
        let state = match state {
            sealkit::SlotState::Empty => "empty".to_string(),
            sealkit::SlotState::Active => "active".to_string(),
            sealkit::SlotState::Finished => "finished".to_string(),
            sealkit::SlotState::Failed(e) => format!("failed: {}", e.name()),
        };
        format!("<sealkit.Verifier {state}, {received} of {length} bytes>")
    }
}

/// The envelope from `sig`: bytes-like is the envelope itself; `str` or `os.PathLike` is the
/// path of a `.sig` file (read up to just past the largest envelope or signature set, so that an
/// oversized file is refused by the core, never read whole).
fn envelope_arg(sig: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(bytes) = Bytes::get(sig) {
        return Ok(bytes.as_slice().to_vec());
    }
    let path: PathBuf = sig.extract().map_err(|_| {
        PyTypeError::new_err(
            "sig must be the envelope (bytes-like) or the path of a .sig file (str or os.PathLike)",
        )
    })?;
    let file = File::open(&path)?;
    let mut out = Vec::with_capacity(512);
    let limit = u64::try_from(sealkit::MAX_ENVELOPE_LEN.max(sealkit::MAX_SIGNATURE_SET_LEN))
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    file.take(limit).read_to_end(&mut out)?;
    Ok(out)
}

/// Verifies `data` (any bytes-like object, read in place with the GIL released) against
/// `sig` (the envelope as bytes-like, or the path of a `.sig` file) under `policy`. Returns
/// the `Verified` facts or raises the core's error.
#[pyfunction]
pub fn verify_bytes(
    py: Python<'_>,
    data: &Bound<'_, PyAny>,
    sig: &Bound<'_, PyAny>,
    policy: &TrustPolicy,
) -> PyResult<Verified> {
    if data.is_instance_of::<PyString>() {
        return Err(PyTypeError::new_err(
            "verify_bytes() needs bytes-like data, not str",
        ));
    }
    let envelope = envelope_arg(sig)?;
    let policy = policy.snapshot();
    let bytes = Bytes::get(data)?;
    let chunk = bytes.as_slice();
    // SAFETY (reading without the GIL): as in `Verifier.update`; `bytes` keeps the export
    // alive until after `detach` returns.
    let r = py.detach(|| sealkit::verify_slice(&envelope, chunk, &policy));
    drop(bytes);
    r.map(|v| Verified::new(py, &v))
        .map_err(|e| core_error(py, e))
}

/// Why streaming a file stopped.
enum FileError {
    Core(sealkit::Error),
    Io(std::io::Error),
}

/// Verifies the file at `path` (str or os.PathLike) against `sig` (the envelope as bytes-like,
/// or the path of a `.sig` file) under `policy`, streaming it in 1 MiB chunks with the GIL
/// released for the whole file; memory use does not depend on the file's size. Returns the
/// `Verified` facts, or raises the core's error (`ArtifactTooLong` as soon as the file holds
/// more bytes than were signed, without reading further) or `OSError`.
#[pyfunction]
pub fn verify_file(
    py: Python<'_>,
    path: PathBuf,
    sig: &Bound<'_, PyAny>,
    policy: &TrustPolicy,
) -> PyResult<Verified> {
    let envelope = envelope_arg(sig)?;
    let policy = policy.snapshot();
    let mut slot = sealkit::VerifierSlot::new();
    slot.start(&envelope, &policy)
        .map_err(|e| core_error(py, e))?;
    let r = py.detach(move || -> Result<sealkit::Verified, FileError> {
        let mut file = File::open(&path).map_err(FileError::Io)?;
        let mut buf = vec![0u8; FILE_CHUNK];
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(FileError::Io(e)),
            };
            let chunk = buf.get(..n).unwrap_or(&[]);
            slot.update(chunk).map_err(FileError::Core)?;
        }
        slot.finish().map_err(FileError::Core)
    });
    match r {
        Ok(v) => Ok(Verified::new(py, &v)),
        Err(FileError::Core(e)) => Err(core_error(py, e)),
        Err(FileError::Io(e)) => Err(PyErr::from(e)),
    }
}
