//! Sealed streams: `Unsealer`, `unseal_file` and `seal_file`. The format and every check are
//! the core's (`sealkit::Unsealer`, `sealkit::sealed_header`); this module marshals and moves
//! bytes between files.

use std::fs::{File, OpenOptions};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::buffer::Bytes;
use crate::core_error;
use crate::keys::TrustPolicy;
use crate::sign::SigningKey;
use crate::verify::Verified;

/// Read size of `unseal_file` and `seal_file`.
const FILE_CHUNK: usize = 1 << 20;

/// A streaming verifier for a sealed stream (header, envelope, then the artifact).
///
/// `Unsealer(policy)`; feed the stream with `update(data)` in chunks of any size: it returns
/// the part of the chunk that is artifact bytes (empty while the header and the envelope are
/// read) and raises as soon as something is wrong (a bad signature before any artifact byte).
/// Keep the returned bytes aside (a temporary file) until `finish()` returns the `Verified`
/// facts. Errors are sticky.
#[pyclass(frozen, module = "sealkit")]
#[derive(Debug)]
pub struct Unsealer {
    inner: Mutex<sealkit::Unsealer>,
}

impl Unsealer {
    fn lock(&self) -> MutexGuard<'_, sealkit::Unsealer> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn with<R: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut sealkit::Unsealer) -> R + Send,
    ) -> R {
        py.detach(|| f(&mut self.lock()))
    }
}

#[pymethods]
impl Unsealer {
    #[new]
    fn new(policy: &TrustPolicy) -> Unsealer {
        Unsealer {
            inner: Mutex::new(sealkit::Unsealer::new(&policy.snapshot())),
        }
    }

    /// Feeds the next chunk of the sealed stream (any bytes-like object) and returns its
    /// artifact bytes (not yet verified).
    fn update<'py>(
        &self,
        py: Python<'py>,
        data: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyBytes>> {
        if data.is_instance_of::<PyString>() {
            return Err(PyTypeError::new_err(
                "update() needs bytes-like data, not str",
            ));
        }
        let bytes = Bytes::get(data)?;
        let chunk = bytes.as_slice();
        // Reading without the GIL: as in `Verifier.update`, `bytes` holds the buffer export
        // until after `detach` returns.
        let r = self.with(py, |u| u.update_offset(chunk));
        let out = r
            .map(|off| PyBytes::new(py, chunk.get(off..).unwrap_or(&[])))
            .map_err(|e| core_error(py, e));
        drop(bytes);
        out
    }

    /// Ends the stream and returns the `Verified` facts, or raises (`SealedStreamTruncated`,
    /// `ArtifactTooShort`, `DigestMismatch`, the sticky earlier error, `AlreadyFinished`).
    fn finish(&self, py: Python<'_>) -> PyResult<Verified> {
        let r = self.with(py, |u| u.finish());
        r.map(|v| Verified::new(py, &v))
            .map_err(|e| core_error(py, e))
    }

    /// "header", "envelope", "payload", "finished" or "failed".
    #[getter]
    fn state(&self, py: Python<'_>) -> &'static str {
        match self.with(py, |u| u.state()) {
            sealkit::UnsealState::Header => "header",
            sealkit::UnsealState::Envelope => "envelope",
            sealkit::UnsealState::Payload => "payload",
            sealkit::UnsealState::Finished => "finished",
            _ => "failed",
        }
    }

    /// The sticky error as an exception instance (not raised), or None.
    #[getter]
    fn error(&self, py: Python<'_>) -> Option<Py<PyAny>> {
        let e = self.with(py, |u| u.error())?;
        Some(core_error(py, e).into_value(py).into_any())
    }

    /// The artifact length the envelope states, once the envelope is accepted (else None).
    #[getter]
    fn signed_length(&self, py: Python<'_>) -> Option<u64> {
        self.with(py, |u| u.verifier().map(|v| v.signed_length()))
    }

    /// Artifact bytes received so far.
    #[getter]
    fn bytes_received(&self, py: Python<'_>) -> u64 {
        self.with(py, |u| u.verifier().map_or(0, |v| v.bytes_received()))
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        format!("<sealkit.Unsealer {}>", self.state(py))
    }
}

/// Why copying stopped.
enum CopyError {
    Core(sealkit::Error),
    Io(std::io::Error),
    Changed,
}

impl From<std::io::Error> for CopyError {
    fn from(e: std::io::Error) -> CopyError {
        CopyError::Io(e)
    }
}

/// A new temporary file next to `dest` (same directory, so the final rename stays on one file
/// system); removed on drop unless kept.
struct TempFile {
    path: PathBuf,
    file: File,
    keep: bool,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

impl TempFile {
    fn beside(dest: &Path) -> std::io::Result<TempFile> {
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let base = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        loop {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!(
                ".{base}.sealkit-{}-{nanos}-{n}.tmp",
                std::process::id()
            ));
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => {
                    return Ok(TempFile {
                        path,
                        file,
                        keep: false,
                    })
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists && n < u64::MAX => continue,
                Err(e) => return Err(e),
            }
        }
    }

    /// Syncs the file and renames it to `dest`.
    fn persist(mut self, dest: &Path) -> std::io::Result<()> {
        self.file.flush()?;
        self.file.sync_all()?;
        std::fs::rename(&self.path, dest)?;
        self.keep = true;
        Ok(())
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn read_chunk(file: &mut File, buf: &mut [u8]) -> std::io::Result<usize> {
    loop {
        match file.read(buf) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

/// Verifies the sealed stream at `src` while copying its artifact to a temporary file next to
/// `dest`, and renames it to `dest` only after verification succeeded (the GIL is released for
/// the whole file). On failure nothing is written at `dest` (an existing file is left as it
/// was), the temporary file is removed, and the core's error (or `OSError`) is raised.
#[pyfunction]
pub fn unseal_file(
    py: Python<'_>,
    src: PathBuf,
    dest: PathBuf,
    policy: &TrustPolicy,
) -> PyResult<Verified> {
    let policy = policy.snapshot();
    let r = py.detach(move || -> Result<sealkit::Verified, CopyError> {
        let mut input = File::open(&src)?;
        let mut tmp = TempFile::beside(&dest)?;
        let mut u = sealkit::Unsealer::new(&policy);
        let mut buf = vec![0u8; FILE_CHUNK];
        loop {
            let n = read_chunk(&mut input, &mut buf)?;
            if n == 0 {
                break;
            }
            let chunk = buf.get(..n).unwrap_or(&[]);
            let payload = u.update(chunk).map_err(CopyError::Core)?;
            tmp.file.write_all(payload)?;
        }
        let v = u.finish().map_err(CopyError::Core)?;
        tmp.persist(&dest)?;
        Ok(v)
    });
    finish_copy(py, r).map(|v| Verified::new(py, &v))
}

fn finish_copy<T>(py: Python<'_>, r: Result<T, CopyError>) -> PyResult<T> {
    match r {
        Ok(v) => Ok(v),
        Err(CopyError::Core(e)) => Err(core_error(py, e)),
        Err(CopyError::Io(e)) => Err(PyErr::from(e)),
        Err(CopyError::Changed) => Err(PyErr::from(std::io::Error::other(
            "the file changed while it was being sealed",
        ))),
    }
}

/// Seals the file at `src` into `dest`: signs it as `sign_file` does (same keyword arguments),
/// then writes the header, the envelope and the file's bytes to a temporary file next to
/// `dest`, hashing them again (a file that changed in between raises `OSError`), and renames
/// it into place. Returns the envelope.
#[pyfunction]
#[pyo3(signature = (src, dest, key, *, subject=None, identity=None, version=None, hash="sha256", alg="Ed25519", content_type=None, issued_at=None))]
#[allow(clippy::too_many_arguments)]
pub fn seal_file<'py>(
    py: Python<'py>,
    src: PathBuf,
    dest: PathBuf,
    key: &SigningKey,
    subject: Option<String>,
    identity: Option<String>,
    version: Option<u64>,
    hash: &str,
    alg: &str,
    content_type: Option<&Bound<'py, PyAny>>,
    issued_at: Option<u64>,
) -> PyResult<Bound<'py, PyBytes>> {
    let envelope = crate::sign::sign_file(
        py,
        src.clone(),
        key,
        subject,
        identity,
        version,
        hash,
        alg,
        content_type,
        issued_at,
    )?;
    let env = envelope.as_bytes().to_vec();
    let header = sealkit::sealed_header(env.len()).map_err(|e| core_error(py, e))?;
    let parsed = sealkit::Envelope::parse(&env).map_err(|e| core_error(py, e))?;
    let (hash_alg, length) = (parsed.unverified_hash_alg(), parsed.unverified_length());
    let digest = parsed.unverified_digest().to_vec();
    let r = py.detach(move || -> Result<(), CopyError> {
        let mut input = File::open(&src)?;
        let mut tmp = TempFile::beside(&dest)?;
        tmp.file.write_all(&header)?;
        tmp.file.write_all(&env)?;
        let mut hasher = sealkit::ArtifactHasher::new(hash_alg);
        let mut copied: u64 = 0;
        let mut buf = vec![0u8; FILE_CHUNK];
        loop {
            let n = read_chunk(&mut input, &mut buf)?;
            if n == 0 {
                break;
            }
            let chunk = buf.get(..n).unwrap_or(&[]);
            hasher.update(chunk);
            tmp.file.write_all(chunk)?;
            copied = copied.saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
        }
        if copied != length || hasher.finalize().as_bytes() != digest.as_slice() {
            return Err(CopyError::Changed);
        }
        tmp.persist(&dest)?;
        Ok(())
    });
    finish_copy(py, r)?;
    Ok(envelope)
}

/// The sealed-stream header for an envelope of `envelope_len` bytes (11 bytes).
#[pyfunction]
pub fn sealed_header<'py>(py: Python<'py>, envelope_len: usize) -> PyResult<Bound<'py, PyBytes>> {
    sealkit::sealed_header(envelope_len)
        .map(|h| PyBytes::new(py, &h))
        .map_err(|e| core_error(py, e))
}
