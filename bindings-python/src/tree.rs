//! Tree manifests (folders): encode a manifest, build a tree signature file, and open one
//! (signature, policy, manifest digest and every manifest rule checked by the core). Walking
//! the directory and comparing it with the entries is done in `sealkit/tree.py`.

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

use crate::core_error;
use crate::keys::TrustPolicy;
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
    let mut out = Vec::with_capacity(envelope.len() + manifest.len() + 16);
    let mut sink = |b: &[u8]| out.extend_from_slice(b);
    sealkit::encode_tree_signature_head(envelope.len(), &mut sink);
    sink(envelope);
    sealkit::encode_tree_signature_manifest_head(manifest.len(), &mut sink);
    sink(manifest);
    PyBytes::new(py, &out)
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
