//! Signing-side trust helpers over the core (`sealkit::{issue_certificate, sign_rotation,
//! append_signature}`): marshalling only, as `sealkit cert issue`, `sealkit rotate` and
//! `sealkit sign --append` use them.

use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};

use crate::buffer::Bytes;
use crate::core_error;
use crate::keys::key_arg;
use crate::sign::SigningKey;

/// A certificate id: bytes-like, or a str taken as UTF-8.
fn id_arg(id: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    match id.cast::<PyString>() {
        Ok(s) => Ok(s.to_cow()?.as_bytes().to_vec()),
        Err(_) => Ok(Bytes::get(id)?.as_slice().to_vec()),
    }
}

/// Issues a key certificate (a CWT signed by `issuer`, `docs/FORMAT.md`): `issuer` certifies
/// `key` (a public key: `PublicKey`, text or 32 bytes) for the identity `subject`, valid from
/// `not_before` to `expires_at` (Unix seconds), with id `cti` (bytes, or str as UTF-8),
/// optional `scope` (allowed artifact subject patterns) and `ca` (the number of levels it may
/// certify below it; None for a signing key). `issuer_name` is the `iss` the policy knows the
/// issuer by. Returns the certificate bytes (as `sealkit cert issue` writes them).
#[pyfunction]
#[pyo3(signature = (issuer, key, *, issuer_name, subject, not_before, expires_at, cti, scope=Vec::new(), ca=None))]
#[allow(clippy::too_many_arguments)]
pub fn issue_certificate<'py>(
    py: Python<'py>,
    issuer: &SigningKey,
    key: &Bound<'py, PyAny>,
    issuer_name: &str,
    subject: &str,
    not_before: u64,
    expires_at: u64,
    cti: &Bound<'py, PyAny>,
    scope: Vec<String>,
    ca: Option<u8>,
) -> PyResult<Bound<'py, PyBytes>> {
    let key = key_arg(key)?;
    let cti = id_arg(cti)?;
    let scope: Vec<&str> = scope.iter().map(String::as_str).collect();
    let req = sealkit::CertRequest {
        alg: sealkit::SignatureAlg::Ed25519,
        issuer: issuer_name,
        subject,
        key,
        not_before,
        expires_at,
        cti: &cti,
        scope: &scope,
        ca,
    };
    let mut out = vec![0u8; sealkit::MAX_CERT_LEN];
    let n =
        sealkit::issue_certificate(&issuer.key, &req, &mut out).map_err(|e| core_error(py, e))?;
    out.truncate(n);
    Ok(PyBytes::new(py, &out))
}

/// Signs a rotation statement: `old_root` hands its trust to `new_root` (a public key) at
/// `issued_at` (Unix seconds). A verifier follows it with `TrustPolicy.apply_rotation`.
#[pyfunction]
pub fn sign_rotation<'py>(
    py: Python<'py>,
    old_root: &SigningKey,
    new_root: &Bound<'py, PyAny>,
    issued_at: u64,
) -> PyResult<Bound<'py, PyBytes>> {
    let new_root = key_arg(new_root)?;
    let mut out = vec![0u8; sealkit::MAX_ROTATION_LEN];
    let n = sealkit::sign_rotation(&old_root.key, &new_root, issued_at, &mut out)
        .map_err(|e| core_error(py, e))?;
    out.truncate(n);
    Ok(PyBytes::new(py, &out))
}

/// Adds `envelope` (a signature of the same artifact by another key) to the signature file
/// `existing` (one envelope or a set); returns the new signature set, as `sealkit sign
/// --append` writes it. Raises `SignatureSetMismatch` for another artifact, `DuplicateKey` for
/// a second signature by the same key, `BadSignatureSet` past 8 signatures.
#[pyfunction]
pub fn append_signature<'py>(
    py: Python<'py>,
    existing: &Bound<'py, PyAny>,
    envelope: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyBytes>> {
    let existing = Bytes::get(existing)?.as_slice().to_vec();
    let envelope = Bytes::get(envelope)?.as_slice().to_vec();
    let mut out = vec![0u8; sealkit::MAX_SIGNATURE_SET_LEN];
    let n =
        sealkit::append_signature(&existing, &envelope, &mut out).map_err(|e| core_error(py, e))?;
    out.truncate(n);
    Ok(PyBytes::new(py, &out))
}
