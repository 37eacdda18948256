//! Trust: the signer facts (`Signer`), key id arguments, trust files (TOML through
//! `sealkit-trustfile`, the crate the CLI uses, or compiled CBOR loaded by the core) and
//! `check_signers`. Marshalling only: every rule is the core's.

use std::path::{Path, PathBuf};

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyString;

use crate::buffer::Bytes;
use crate::core_error;
use crate::keys::{hex, opt, PublicKey, TrustPolicy};

/// Largest trust file read (TOML or compiled), as the CLI.
const MAX_TRUST_FILE: u64 = 64 * 1024;

/// One trusted signer that counted for a verification.
#[pyclass(frozen, eq, module = "sealkit", get_all)]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signer {
    /// The id of the key that signed the artifact (for a chain: the certified signing key),
    /// 16 lower-case hex digits.
    pub key_id: String,
    /// The signer's identity (the certificate's `sub`, or the envelope's `iss` for a direct
    /// key), or None.
    pub identity: Option<String>,
    /// The trusted root the certificate chain leads to, or None for a directly trusted key.
    pub root_key_id: Option<String>,
    /// Number of certificates in the chain (0 for a direct key).
    pub chain_depth: u8,
    /// When a trusted timestamp authority saw the envelope (seconds since the Unix epoch, from
    /// the envelope's timestamp receipt), or None without a receipt.
    pub timestamp: Option<u64>,
    /// The id of the timestamp key that signed the receipt (16 hex digits), or None.
    pub timestamp_key_id: Option<String>,
}

#[pymethods]
impl Signer {
    fn __repr__(&self) -> String {
        format!(
            "Signer(key_id={:?}, identity={}, root_key_id={}, chain_depth={}, timestamp={}, \
             timestamp_key_id={})",
            self.key_id,
            opt(self.identity.as_deref()),
            opt(self.root_key_id.as_deref()),
            self.chain_depth,
            self.timestamp
                .map_or_else(|| "None".to_string(), |t| t.to_string()),
            opt(self.timestamp_key_id.as_deref())
        )
    }
}

pub(crate) fn signer_of(s: &sealkit::Signer) -> Signer {
    Signer {
        key_id: hex(s.key_id().as_bytes()),
        identity: s.identity().map(str::to_string),
        root_key_id: s.root_key_id().map(|k| hex(k.as_bytes())),
        chain_depth: s.chain_depth(),
        timestamp: s.timestamp(),
        timestamp_key_id: s.timestamp_key_id().map(|k| hex(k.as_bytes())),
    }
}

/// The signers of a verification.
pub(crate) fn signers_of(v: &sealkit::Verified) -> Vec<Signer> {
    v.signers().iter().map(signer_of).collect()
}

/// A key id from 16 hex digits (`str`), 8 bytes (bytes-like) or a `PublicKey`.
pub(crate) fn key_id_arg(kid: &Bound<'_, PyAny>) -> PyResult<sealkit::KeyId> {
    if let Ok(k) = kid.extract::<PyRef<'_, PublicKey>>() {
        return Ok(k.key.key_id());
    }
    let mut out = [0u8; 8];
    if let Ok(s) = kid.cast::<PyString>() {
        let s = s.to_cow()?;
        let ok = s.len() == 16
            && s.bytes().all(|c| c.is_ascii_hexdigit())
            && out.iter_mut().enumerate().all(|(i, o)| {
                s.get(2 * i..2 * i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .map(|b| *o = b)
                    .is_some()
            });
        if ok {
            return Ok(sealkit::KeyId(out));
        }
        return Err(PyValueError::new_err("a key id is 16 hex digits"));
    }
    match Bytes::get(kid) {
        Ok(b) if b.as_slice().len() == 8 => {
            out.copy_from_slice(b.as_slice());
            Ok(sealkit::KeyId(out))
        }
        Ok(_) => Err(PyValueError::new_err("a key id is 8 bytes")),
        Err(_) => Err(PyTypeError::new_err(
            "a key id must be 16 hex digits (str), 8 bytes or a sealkit.PublicKey",
        )),
    }
}

/// The Python exception for a trust file refused by `sealkit-trustfile`: the core's error
/// (175 `BadPolicy` for a malformed file) with the file's context, `OSError` for I/O.
fn trustfile_error(py: Python<'_>, e: sealkit_trustfile::TrustFileError) -> PyErr {
    match e.core() {
        None => match e {
            sealkit_trustfile::TrustFileError::Io { source, .. } => PyErr::from(source),
            other => PyValueError::new_err(other.to_string()),
        },
        Some(core) => {
            let message = e.to_string();
            let instance = py
                .import("sealkit.errors")
                .and_then(|m| m.getattr("error_class"))
                .and_then(|f| f.call1((core.code(),)))
                .and_then(|class| class.call1((message,)));
            match instance {
                Ok(i) => PyErr::from_value(i),
                Err(_) => core_error(py, core),
            }
        }
    }
}

/// Whether `bytes` read from `path` is a compiled policy: by extension, else by its first
/// byte (a CBOR map), as the CLI decides.
fn is_compiled(path: &Path, bytes: &[u8]) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        Some("cbor") => true,
        Some("toml") => false,
        _ => bytes.first().is_some_and(|b| (0xa0..=0xbf).contains(b)),
    }
}

/// A core policy from compiled bytes.
pub(crate) fn from_cbor(py: Python<'_>, bytes: &[u8]) -> PyResult<sealkit::TrustPolicy> {
    sealkit::TrustPolicy::from_cbor(bytes).map_err(|e| core_error(py, e))
}

/// A core policy from a TOML trust file's text: checked and compiled by `sealkit-trustfile`,
/// then loaded by the core exactly as a device loads the compiled form.
pub(crate) fn from_toml(
    py: Python<'_>,
    text: &str,
    base_dir: &Path,
    name: &str,
) -> PyResult<sealkit::TrustPolicy> {
    let p = sealkit_trustfile::Policy::from_toml_str(text, base_dir, name)
        .map_err(|e| trustfile_error(py, e))?;
    from_cbor(py, &p.to_cbor())
}

/// A core policy from a file: compiled CBOR (`.cbor`, or a CBOR map) or a TOML trust file.
pub(crate) fn from_file(py: Python<'_>, path: &Path) -> PyResult<sealkit::TrustPolicy> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_TRUST_FILE + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_TRUST_FILE {
        return Err(core_error(py, sealkit::Error::BadPolicy));
    }
    if is_compiled(path, &bytes) {
        return from_cbor(py, &bytes);
    }
    let text =
        std::str::from_utf8(&bytes).map_err(|_| core_error(py, sealkit::Error::BadPolicy))?;
    let base = path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    from_toml(py, text, &base, &path.display().to_string())
}

/// One signature of a signature file, as `check_signers` judged it.
#[pyclass(frozen, module = "sealkit", get_all)]
#[derive(Debug)]
pub struct SignerReport {
    /// Position in the signature file (0 for a single envelope).
    pub index: usize,
    /// The key id the envelope names (unverified), 16 hex digits.
    pub unverified_key_id: String,
    /// The signer if every rule held (signature, chain, revocation, time, identity, subject),
    /// else None.
    pub signer: Option<Signer>,
    /// The exception (a `sealkit.errors` instance, not raised) for the first rule that failed,
    /// else None.
    pub error: Option<Py<PyAny>>,
    /// Whether this signer counts towards the threshold (False for a valid signature by a key
    /// or identity already counted).
    pub counted: bool,
}

#[pymethods]
impl SignerReport {
    fn __repr__(&self, py: Python<'_>) -> String {
        let err = self
            .error
            .as_ref()
            .and_then(|e| e.bind(py).getattr("name").ok())
            .and_then(|n| n.extract::<String>().ok());
        format!(
            "SignerReport(index={}, unverified_key_id={:?}, counted={}, error={})",
            self.index,
            self.unverified_key_id,
            if self.counted { "True" } else { "False" },
            opt(err.as_deref())
        )
    }
}

/// The outcome of `check_signers`.
#[pyclass(frozen, module = "sealkit", get_all)]
#[derive(Debug)]
pub struct SignerCheck {
    /// One report per signature, in file order.
    pub reports: Vec<Py<SignerReport>>,
    /// The distinct trusted signers that count, in file order.
    pub signers: Vec<Signer>,
    /// Whether the file is a signature set (several envelopes).
    pub is_set: bool,
    /// The policy's verdict: None if enough signers count, else the exception (not raised)
    /// that verifying would raise before reading the artifact (`ThresholdNotMet`, or a single
    /// envelope's own error).
    pub error: Option<Py<PyAny>>,
}

#[pymethods]
impl SignerCheck {
    /// Whether the policy's threshold is met.
    #[getter]
    fn ok(&self) -> bool {
        self.error.is_none()
    }

    fn __repr__(&self) -> String {
        format!(
            "SignerCheck(signers={}, reports={}, is_set={}, ok={})",
            self.signers.len(),
            self.reports.len(),
            if self.is_set { "True" } else { "False" },
            if self.error.is_none() {
                "True"
            } else {
                "False"
            }
        )
    }
}

fn exception_value(py: Python<'_>, e: sealkit::Error) -> Py<PyAny> {
    core_error(py, e).into_value(py).into_any()
}

/// Checks every signature of a signature file (`signature`: bytes-like; a single envelope or a
/// signature set) against `policy` without reading the artifact: which signers are trusted,
/// why the others are not, and whether the policy's threshold is met. Raises only if the file
/// is malformed.
#[pyfunction]
pub fn check_signers(
    py: Python<'_>,
    signature: &Bound<'_, PyAny>,
    policy: &TrustPolicy,
) -> PyResult<SignerCheck> {
    let sig = Bytes::get(signature)?.as_slice().to_vec();
    let policy = policy.snapshot();
    let mut reports: Vec<(usize, String, Result<Signer, sealkit::Error>, bool)> = Vec::new();
    let summary = sealkit::check_signers(&sig, &policy, |r| {
        reports.push((
            r.index,
            hex(r.unverified_kid.as_bytes()),
            r.verdict.as_ref().map(signer_of).map_err(|e| *e),
            r.counted,
        ));
    })
    .map_err(|e| core_error(py, e))?;
    let reports = reports
        .into_iter()
        .map(|(index, kid, verdict, counted)| {
            let (signer, error) = match verdict {
                Ok(s) => (Some(s), None),
                Err(e) => (None, Some(exception_value(py, e))),
            };
            Py::new(
                py,
                SignerReport {
                    index,
                    unverified_key_id: kid,
                    signer,
                    error,
                    counted,
                },
            )
        })
        .collect::<PyResult<Vec<_>>>()?;
    Ok(SignerCheck {
        reports,
        signers: summary.signers.iter().map(signer_of).collect(),
        is_set: summary.is_set,
        error: summary
            .verdict(&policy)
            .err()
            .map(|e| exception_value(py, e)),
    })
}
