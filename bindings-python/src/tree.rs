//! Tree manifests (folders): sign a directory and verify one against its tree signature
//! through `sealkit-artifacts` (the CLI's walker, hasher and comparer, run with the GIL
//! released), and the lower-level pieces: encode a manifest, build a tree signature file, open
//! one (signature, policy, manifest digest and every manifest rule checked by the core).
//! `sealkit/tree.py` wraps the results in its report classes.

use std::path::PathBuf;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use sealkit_artifacts::tree::{self as artifacts_tree, Exclusions, TreeError, WalkError};
use sealkit_artifacts::SignClaims;

use crate::core_error;
use crate::keys::TrustPolicy;
use crate::sign::{Claims, SigningKey};
use crate::verify::Verified;

/// One entry as Python sees it: (path, kind, size, sha256, executable, target, outside), with
/// kind "file", "directory" or "symlink"; unused fields are 0, b"", False, "".
type PyEntry = (String, String, u64, Vec<u8>, bool, String, bool);

fn to_entry<'a>(e: &'a PyEntry) -> PyResult<sealkit::TreeEntry<'a>> {
    let (path, kind, size, sha256, executable, target, _) = e;
    let kind = match kind.as_str() {
        "file" => sealkit::EntryKind::File {
            executable: *executable,
            size: *size,
            sha256: sha256
                .as_slice()
                .try_into()
                .map_err(|_| PyValueError::new_err(format!("{path}: sha256 must be 32 bytes")))?,
        },
        "directory" => sealkit::EntryKind::Directory,
        "symlink" => sealkit::EntryKind::Symlink {
            target,
            outside: sealkit::symlink_leaves_tree(path, target),
        },
        other => {
            return Err(PyValueError::new_err(format!(
                "{path}: kind must be file, directory or symlink, not {other:?}"
            )))
        }
    };
    Ok(sealkit::TreeEntry { path, kind })
}

fn from_entry(e: &sealkit::TreeEntry<'_>) -> PyEntry {
    let path = e.path.to_string();
    match e.kind {
        sealkit::EntryKind::File {
            executable,
            size,
            sha256,
        } => (
            path,
            "file".into(),
            size,
            sha256.to_vec(),
            executable,
            String::new(),
            false,
        ),
        sealkit::EntryKind::Directory => (
            path,
            "directory".into(),
            0,
            Vec::new(),
            false,
            String::new(),
            false,
        ),
        sealkit::EntryKind::Symlink { target, outside } => (
            path,
            "symlink".into(),
            0,
            Vec::new(),
            false,
            target.to_string(),
            outside,
        ),
    }
}

/// Encodes a tree manifest from sorted exclusion patterns and entries in manifest order
/// (paths sorted by their UTF-8 bytes with `/` as 0x00); the core checks the result with every rule a verifier applies and
/// raises its error if one fails. `outside` is derived from path and target.
#[pyfunction]
pub fn encode_tree_manifest<'py>(
    py: Python<'py>,
    exclusions: Vec<String>,
    entries: Vec<PyEntry>,
) -> PyResult<Bound<'py, PyBytes>> {
    let mut out = Vec::new();
    let mut sink = |b: &[u8]| out.extend_from_slice(b);
    sealkit::encode_tree_manifest_head(
        exclusions.iter().map(String::as_str),
        entries.len() as u64,
        &mut sink,
    );
    for e in &entries {
        sealkit::encode_tree_entry(&to_entry(e)?, &mut sink);
    }
    sealkit::TreeManifest::parse(&out).map_err(|e| core_error(py, e))?;
    Ok(PyBytes::new(py, &out))
}

/// The tree signature file `[envelope, manifest]`.
#[pyfunction]
pub fn tree_signature<'py>(
    py: Python<'py>,
    envelope: &[u8],
    manifest: &[u8],
) -> Bound<'py, PyBytes> {
    PyBytes::new(py, &artifacts_tree::tree_signature(envelope, manifest))
}

/// Checks a tree signature file under `policy`: its layout, the envelope's signature and
/// policy, that it signs a tree manifest, the manifest's digest, and every manifest rule.
/// Returns `(verified, exclusions, entries)`; the tree's files are not checked here.
#[pyfunction]
pub fn open_tree_signature(
    py: Python<'_>,
    sig: &[u8],
    policy: &TrustPolicy,
) -> PyResult<(Verified, Vec<String>, Vec<PyEntry>)> {
    let policy = policy.snapshot();
    let r = py.detach(|| {
        let (envelope, manifest) = sealkit::split_tree_signature(sig)?;
        let (facts, m) = sealkit::verify_tree_manifest(envelope, manifest, &policy)?;
        let exclusions: Vec<String> = m.exclusions().map(str::to_string).collect();
        let entries: Vec<PyEntry> = m.entries().map(|e| from_entry(&e)).collect();
        Ok::<_, sealkit::Error>((facts, exclusions, entries))
    });
    let (facts, exclusions, entries) = r.map_err(|e| core_error(py, e))?;
    Ok((Verified::new(py, &facts), exclusions, entries))
}

/// An instance of the exception class `name` of the Python module `module`, or the error
/// raised while building it.
pub(crate) fn python_error<'py>(
    py: Python<'py>,
    module: &str,
    name: &str,
    args: impl pyo3::call::PyCallArgs<'py>,
) -> PyErr {
    let built = py
        .import(module)
        .and_then(|m| m.getattr(name))
        .and_then(|class| class.call1(args));
    match built {
        Ok(instance) => PyErr::from_value(instance),
        Err(e) => e,
    }
}

/// The Python exception for a tree error: `SpecialFile`, `NotUtf8Name`, `TreeTooLarge` of
/// `sealkit.tree` (911 to 913), the core's classes, `OSError`, or `ValueError`.
fn tree_error(py: Python<'_>, e: TreeError) -> PyErr {
    let class = match &e {
        TreeError::Walk(WalkError::Special { .. }) => "SpecialFile",
        TreeError::Walk(WalkError::NotUtf8(_)) => "NotUtf8Name",
        TreeError::Walk(WalkError::Limit(_)) => "TreeTooLarge",
        _ => "",
    };
    if !class.is_empty() {
        return python_error(py, "sealkit.tree", class, (e.to_string(),));
    }
    match e {
        TreeError::Rejected(error) | TreeError::BadArgument { error, .. } => core_error(py, error),
        TreeError::Walk(WalkError::Io(_, source)) | TreeError::Io { source, .. } => {
            PyErr::from(source)
        }
        other => PyValueError::new_err(other.to_string()),
    }
}

/// Signs the directory tree and returns the tree signature file's bytes (what
/// `sealkit sign DIR` writes): the walk, the parallel hashing (`workers` threads, default every
/// core) and the manifest are `sealkit-artifacts`', run with the GIL released.
#[pyfunction]
#[pyo3(signature = (directory, key, *, exclude=Vec::new(), subject=None, identity=None, version=None, hash="sha256", alg="Ed25519", issued_at=None, workers=None))]
#[allow(clippy::too_many_arguments)]
pub fn sign_tree<'py>(
    py: Python<'py>,
    directory: PathBuf,
    key: &SigningKey,
    exclude: Vec<String>,
    subject: Option<String>,
    identity: Option<String>,
    version: Option<u64>,
    hash: &str,
    alg: &str,
    issued_at: Option<u64>,
    workers: Option<usize>,
) -> PyResult<Bound<'py, PyBytes>> {
    let subject = match subject {
        Some(s) => s,
        None => std::path::absolute(&directory)
            .ok()
            .and_then(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_string))
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "{} has no UTF-8 name to use as the subject; pass subject=",
                    directory.display()
                ))
            })?,
    };
    let ct = PyString::new(py, sealkit::TREE_MEDIA_TYPE).into_any();
    let claims = Claims::new(subject, identity, version, hash, alg, &ct, issued_at)?;
    claims.check(&key.key).map_err(|e| core_error(py, e))?;
    let exclusions = Exclusions::new(exclude).map_err(PyValueError::new_err)?;
    let signed = py.detach(|| {
        let req = SignClaims {
            alg: claims.alg,
            hash: claims.hash,
            subject: &claims.subject,
            issuer: claims.identity.as_deref(),
            issued_at: claims.issued_at,
            version: claims.version,
        };
        artifacts_tree::sign_tree(
            &directory,
            &exclusions,
            &key.key,
            &req,
            workers.unwrap_or(0),
        )
    });
    let signed = signed.map_err(|e| tree_error(py, e))?;
    Ok(PyBytes::new(py, &signed.signature))
}

/// One difference: (path, change, expected, actual).
type PyDifference = (String, String, Option<String>, Option<String>);

/// Verifies the directory against the tree signature file `sig` under `policy`, with the GIL
/// released: the core checks the signature, policy and manifest; `sealkit-artifacts` walks
/// the directory with the signed exclusions and compares (hashing on `workers` threads).
/// Returns `(verified, exclusions, entries, outside_symlinks, differences)`; differences are
/// data here, `sealkit.verify_tree` raises `TreeMismatch` for them.
#[pyfunction]
#[pyo3(signature = (directory, sig, policy, *, workers=None))]
#[allow(clippy::type_complexity)]
pub fn verify_tree(
    py: Python<'_>,
    directory: PathBuf,
    sig: &[u8],
    policy: &TrustPolicy,
    workers: Option<usize>,
) -> PyResult<(
    Verified,
    Vec<String>,
    u64,
    Vec<(String, String)>,
    Vec<PyDifference>,
)> {
    let policy = policy.snapshot();
    let r =
        py.detach(|| artifacts_tree::verify_tree(&directory, sig, &policy, workers.unwrap_or(0)));
    let v = r.map_err(|e| tree_error(py, e))?;
    let differences = v
        .differences
        .into_iter()
        .map(|d| (d.path, d.change.to_string(), d.expected, d.actual))
        .collect();
    Ok((
        Verified::new(py, &v.facts),
        v.exclusions,
        v.entries,
        v.outside_symlinks,
        differences,
    ))
}
