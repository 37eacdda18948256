//! Container images: `verify_image` and `sign_image` on `oci:DIR[:TAG]` and
//! `docker-archive:FILE[:NAME:TAG]` targets through `sealkit-artifacts` (the CLI's code), with
//! the GIL released. `sealkit/image.py` wraps the results and defines the exceptions.

use std::io::Read as _;
use std::path::{Path, PathBuf};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use sealkit_artifacts::oci::{self, OciError, Report, Target};
use sealkit_artifacts::SignClaims;

use crate::keys::TrustPolicy;
use crate::sign::{Claims, SigningKey};
use crate::tree::python_error;
use crate::verify::Verified;

/// One checked blob: (role, digest, size, ok).
type PyBlob = (String, String, u64, bool);
/// One failing blob: (role, digest, code, name, message).
type PyFailure = (String, String, u16, String, String);
/// What `verify_image` returns: (verified, signature, manifest digest, media type, (platform,
/// index digest) or None, blobs, bytes re-hashed, unreferenced blobs).
type PyImageResult = (
    Verified,
    String,
    String,
    String,
    Option<(String, String)>,
    Vec<PyBlob>,
    u64,
    Vec<String>,
);

/// Why an image call failed, as data that can leave the GIL-free section.
enum Failure {
    Oci(OciError),
    Core(sealkit::Error),
    Io(PathBuf, std::io::Error),
    Value(String),
}

impl From<OciError> for Failure {
    fn from(e: OciError) -> Failure {
        Failure::Oci(e)
    }
}

fn blobs(report: Option<&Report>) -> (Vec<PyBlob>, Vec<PyFailure>) {
    let Some(r) = report else {
        return (Vec::new(), Vec::new());
    };
    let blobs = r
        .blobs
        .iter()
        .map(|b| (b.role.clone(), b.digest.clone(), b.size, b.ok))
        .collect();
    let failures = r
        .failures
        .iter()
        .map(|f| {
            (
                f.role.clone(),
                f.digest.clone(),
                f.code.0,
                f.code.1.to_string(),
                f.message.clone(),
            )
        })
        .collect();
    (blobs, failures)
}

/// The Python exception: `sealkit.image.image_error(...)` builds the class of the code (the
/// image classes for 920 to 930, the core's for core codes), carrying `digest` and, for a
/// content mismatch, every checked and failing blob.
fn raise(py: Python<'_>, f: Failure) -> PyErr {
    match f {
        Failure::Oci(e) => {
            let (blobs, failures) = blobs(e.report.as_deref());
            python_error(
                py,
                "sealkit.image",
                "image_error",
                (e.code.0, e.message, e.digest, e.rejects, blobs, failures),
            )
        }
        Failure::Core(e) => crate::core_error(py, e),
        Failure::Io(path, e) => PyErr::from(std::io::Error::new(
            e.kind(),
            format!("{}: {e}", path.display()),
        )),
        Failure::Value(m) => PyValueError::new_err(m),
    }
}

fn parse_target(target: &str) -> PyResult<Target> {
    Target::parse(Path::new(target)).ok_or_else(|| {
        PyValueError::new_err(format!(
            "{target:?} is not an image target: use oci:DIR[:TAG] or docker-archive:FILE[:NAME:TAG]"
        ))
    })
}

fn read_envelope(path: &Path) -> Result<Vec<u8>, Failure> {
    let mut buf = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| {
            f.take(sealkit::MAX_ENVELOPE_LEN as u64 + 1)
                .read_to_end(&mut buf)
        })
        .map_err(|e| Failure::Io(path.to_path_buf(), e))?;
    Ok(buf)
}

/// Verifies an image target under `policy` (see `sealkit.verify_image`): `sig` (the
/// envelope's bytes) or `sig_path`, else the signatures stored in the layout (OCI 1.1
/// referrers) or `FILE.sig` beside an archive; `platform` verifies one platform's manifest of
/// an image index. Registry references are the CLI's (this module has no network client).
#[pyfunction]
#[pyo3(signature = (target, policy, *, sig=None, sig_path=None, platform=None))]
pub fn verify_image(
    py: Python<'_>,
    target: &str,
    policy: &TrustPolicy,
    sig: Option<Vec<u8>>,
    sig_path: Option<PathBuf>,
    platform: Option<String>,
) -> PyResult<PyImageResult> {
    let target = parse_target(target)?;
    let policy = policy.snapshot();
    let r = py.detach(|| -> Result<_, Failure> {
        let given = match (sig, sig_path.or_else(|| target.default_signature())) {
            (Some(bytes), _) => Some(("<bytes>".to_string(), bytes)),
            (None, Some(p)) => Some((p.display().to_string(), read_envelope(&p)?)),
            (None, None) => None,
        };
        let v = oci::verify_image(&target, given, &policy, platform.as_deref(), None)?;
        let (blob_list, _) = blobs(Some(&v.report));
        Ok((
            v.verified,
            v.signature,
            v.image.digest.to_string(),
            v.image.media_type,
            v.image.platform.map(|(p, d)| (p, d.to_string())),
            blob_list,
            v.report.bytes,
            v.unreferenced,
        ))
    });
    let (facts, signature, digest, media_type, platform, blob_list, bytes, unreferenced) =
        r.map_err(|f| raise(py, f))?;
    Ok((
        Verified::new(py, &facts),
        signature,
        digest,
        media_type,
        platform,
        blob_list,
        bytes,
        unreferenced,
    ))
}

/// Signs an image target (see `sealkit.sign_image`): every blob is checked first, then the
/// manifest (or, with `platform`, that platform's manifest of an index) is signed; the
/// signature is stored in a layout as an OCI 1.1 referrer, beside an archive as `FILE.sig`,
/// or at `output`. Returns (envelope, where it was stored, manifest digest).
#[pyfunction]
#[pyo3(signature = (target, key, *, subject=None, identity=None, version=None, alg="Ed25519", issued_at=None, platform=None, output=None))]
#[allow(clippy::too_many_arguments)]
pub fn sign_image<'py>(
    py: Python<'py>,
    target: &str,
    key: &SigningKey,
    subject: Option<String>,
    identity: Option<String>,
    version: Option<u64>,
    alg: &str,
    issued_at: Option<u64>,
    platform: Option<String>,
    output: Option<PathBuf>,
) -> PyResult<(Bound<'py, PyBytes>, String, String)> {
    let target = parse_target(target)?;
    // The claims' text is checked here with a placeholder content type; the real one is the
    // manifest's media type.
    let ct = PyString::new(py, oci::OCI_MANIFEST).into_any();
    let placeholder = subject.clone().unwrap_or_else(|| "image".to_string());
    let claims = Claims::new(
        placeholder,
        identity,
        version,
        "sha256",
        alg,
        &ct,
        issued_at,
    )?;
    claims
        .check(&key.key)
        .map_err(|e| crate::core_error(py, e))?;
    let r = py.detach(|| -> Result<(Vec<u8>, String, String), Failure> {
        let mut image = oci::resolve(&target, false, None)?;
        if let Some(p) = &platform {
            image = oci::select_platform(image, p)?;
        }
        image.check_for_signing()?;
        let subject = subject
            .clone()
            .or_else(|| image.reference.clone())
            .ok_or_else(|| {
                Failure::Value(
                    "the image has no tag or name to use as the subject; pass subject=".into(),
                )
            })?;
        let req = SignClaims {
            alg: claims.alg,
            hash: claims.hash,
            subject: &subject,
            issuer: claims.identity.as_deref(),
            issued_at: claims.issued_at,
            version: claims.version,
        };
        let signed = oci::sign_image(&image, &key.key, &req).map_err(Failure::Core)?;
        let write = |o: &Path| -> Result<String, Failure> {
            std::fs::write(o, &signed.envelope).map_err(|e| Failure::Io(o.to_path_buf(), e))?;
            Ok(o.display().to_string())
        };
        let stored = match &output {
            Some(o) => write(o)?,
            None => match oci::store_signature(&target, &image, &signed.envelope)? {
                Some(place) => place,
                None => match target.default_signature() {
                    Some(o) => write(&o)?,
                    None => return Err(Failure::Value("pass output= for the signature".into())),
                },
            },
        };
        Ok((signed.envelope, stored, image.digest.to_string()))
    });
    let (envelope, stored, digest) = r.map_err(|f| raise(py, f))?;
    Ok((PyBytes::new(py, &envelope), stored, digest))
}
