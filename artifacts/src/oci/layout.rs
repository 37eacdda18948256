//! OCI image layout directories: reading `oci-layout` and `index.json`, selecting an image by
//! tag, and storing or finding signatures as OCI 1.1 referrers.

use std::collections::BTreeSet;
use std::fs;
use std::io::{Read, Write as _};
use std::path::{Path, PathBuf};

use sealkit::MAX_ENVELOPE_LEN;
use serde_json::{json, Value};

use super::content::{parse_json, Descriptor};
use super::{
    codes, read_small, BlobDigest, OciError, Opened, Store, EMPTY_TYPE, MAX_JSON_LEN, OCI_INDEX,
    OCI_MANIFEST, REF_NAME, SIGNATURE_TYPE,
};

/// An OCI image layout directory.
#[derive(Debug)]
pub struct DirStore {
    /// The directory.
    pub dir: PathBuf,
}

fn io_err(what: &str, path: &Path, e: &std::io::Error) -> OciError {
    OciError::usage(
        codes::NOT_A_LAYOUT,
        format!("cannot {what} {}: {e}", path.display()),
    )
}

impl Store for DirStore {
    fn open_blob(&self, digest: &BlobDigest) -> Result<Opened<'_>, OciError> {
        let path = self.dir.join(digest.blob_path());
        // Never follow a symbolic link out of the layout: a blob must be a regular file.
        let meta = match fs::symlink_metadata(&path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(io_err("read", &path, &e)),
        };
        if !meta.is_file() {
            return Ok(None);
        }
        let f = fs::File::open(&path).map_err(|e| io_err("read", &path, &e))?;
        Ok(Some((Box::new(f), meta.len())))
    }

    fn name(&self) -> String {
        format!("oci:{}", self.dir.display())
    }
}

/// Reads a small file of the layout (`oci-layout`, `index.json`).
fn read_file(dir: &Path, name: &str) -> Result<Vec<u8>, OciError> {
    let path = dir.join(name);
    let f = fs::File::open(&path).map_err(|e| {
        OciError::usage(
            codes::NOT_A_LAYOUT,
            format!(
                "{} is not an OCI image layout: cannot read {name}: {e}",
                dir.display()
            ),
        )
    })?;
    let mut buf = Vec::new();
    f.take(MAX_JSON_LEN + 1)
        .read_to_end(&mut buf)
        .map_err(|e| io_err("read", &path, &e))?;
    if buf.len() as u64 > MAX_JSON_LEN {
        return Err(OciError::usage(
            codes::NOT_A_LAYOUT,
            format!("{} is too large", path.display()),
        ));
    }
    Ok(buf)
}

/// Checks `oci-layout` and parses `index.json` of a layout (directory or archive).
pub fn parse_layout(oci_layout: &[u8], index: &[u8], name: &str) -> Result<Value, OciError> {
    let bad = |m: String| OciError::usage(codes::NOT_A_LAYOUT, format!("{name}: {m}"));
    let layout: Value = serde_json::from_slice(oci_layout)
        .map_err(|e| bad(format!("oci-layout is not JSON: {e}")))?;
    match layout.get("imageLayoutVersion").and_then(Value::as_str) {
        Some(v) if v.starts_with("1.") => {}
        other => return Err(bad(format!("unsupported imageLayoutVersion {other:?}"))),
    }
    let index: Value =
        serde_json::from_slice(index).map_err(|e| bad(format!("index.json is not JSON: {e}")))?;
    if !index.get("manifests").is_some_and(Value::is_array) {
        return Err(bad("index.json has no manifests array".into()));
    }
    Ok(index)
}

/// Opens a layout directory: its store and its parsed `index.json`.
pub fn open_dir(dir: &Path) -> Result<(DirStore, Value), OciError> {
    let layout = read_file(dir, "oci-layout")?;
    let index = read_file(dir, "index.json")?;
    let index = parse_layout(&layout, &index, &format!("oci:{}", dir.display()))?;
    Ok((
        DirStore {
            dir: dir.to_path_buf(),
        },
        index,
    ))
}

/// The descriptors of `index.json`.
pub fn entries(index: &Value) -> Result<Vec<Descriptor>, OciError> {
    index
        .get("manifests")
        .and_then(Value::as_array)
        .map(|a| a.iter().map(Descriptor::parse).collect())
        .unwrap_or_else(|| Ok(Vec::new()))
        .map_err(|e| OciError::usage(codes::NOT_A_LAYOUT, format!("index.json: {e}")))
}

/// The tag under which the signatures of `subject` are listed (the OCI 1.1 referrers tag
/// schema: `sha256-HEX`).
pub fn referrers_tag(subject: &BlobDigest) -> String {
    format!("{}-{}", subject.alg(), subject.hex())
}

/// Whether an `index.json` entry is sealkit's (a referrers index or a signature artifact),
/// not an image to select.
fn is_signature_entry(d: &Descriptor) -> bool {
    let tag = d.annotation(REF_NAME).unwrap_or("");
    let referrers = tag
        .split_once('-')
        .is_some_and(|(alg, hex)| BlobDigest::parse(&format!("{alg}:{hex}")).is_some());
    referrers || d.json.get("artifactType").and_then(Value::as_str) == Some(SIGNATURE_TYPE)
}

/// Selects the image to sign or verify: the entry whose name matches `wanted` (by `names`),
/// or the only image entry when `wanted` is None.
pub fn select<'a>(
    entries: &'a [Descriptor],
    wanted: Option<&str>,
    names: impl Fn(&Descriptor) -> Vec<String>,
    where_: &str,
) -> Result<&'a Descriptor, OciError> {
    let images: Vec<&Descriptor> = entries.iter().filter(|d| !is_signature_entry(d)).collect();
    let listed = || {
        let all: Vec<String> = images.iter().flat_map(|d| names(d)).collect();
        if all.is_empty() {
            "it has no tagged image".to_string()
        } else {
            format!("its tags: {}", all.join(", "))
        }
    };
    match wanted {
        Some(w) => {
            let found: Vec<&&Descriptor> = images
                .iter()
                .filter(|d| names(d).iter().any(|n| n == w))
                .collect();
            match found.as_slice() {
                [one] => Ok(one),
                [] => Err(OciError::usage(
                    codes::IMAGE_NOT_FOUND,
                    format!("{where_} has no image tagged {w:?} ({})", listed()),
                )),
                _ => Err(OciError::usage(
                    codes::IMAGE_NOT_FOUND,
                    format!("{where_} has several images tagged {w:?}"),
                )),
            }
        }
        None => match images.as_slice() {
            [one] => Ok(one),
            _ => Err(OciError::usage(
                codes::IMAGE_NOT_FOUND,
                format!(
                    "{where_} holds {} images; name one with :TAG ({})",
                    images.len(),
                    listed()
                ),
            )),
        },
    }
}

/// A signature found in a layout.
#[derive(Debug)]
pub struct FoundSignature {
    /// Where it was found, e.g. `referrer sha256:...`.
    pub source: String,
    /// The envelope bytes.
    pub envelope: Vec<u8>,
}

/// What a parsed artifact manifest is to the signatures of a subject.
#[derive(Debug)]
pub enum ArtifactLayer {
    /// Not a sealkit signature artifact, or one of another subject: skipped.
    NotOurs,
    /// A sealkit signature of the subject without a valid envelope layer.
    NoLayer,
    /// The descriptor of the envelope layer.
    Layer(Descriptor),
}

/// The envelope layer of the artifact manifest `v` if it is a sealkit signature of `subject`
/// (`artifactType` [`SIGNATURE_TYPE`], `subject.digest` the subject).
pub fn signature_layer(v: &Value, subject: &BlobDigest) -> ArtifactLayer {
    let ours = v.get("artifactType").and_then(Value::as_str) == Some(SIGNATURE_TYPE)
        && v.get("subject")
            .and_then(|s| s.get("digest"))
            .and_then(Value::as_str)
            .is_some_and(|s| s == subject.to_string());
    if !ours {
        return ArtifactLayer::NotOurs;
    }
    match v
        .get("layers")
        .and_then(Value::as_array)
        .and_then(|a| a.first())
        .and_then(|l| Descriptor::parse(l).ok())
    {
        Some(l) => ArtifactLayer::Layer(l),
        None => ArtifactLayer::NoLayer,
    }
}

/// Reads one signature artifact manifest and its envelope; None (with a note) when it is not
/// a well-formed sealkit signature of `subject`.
fn read_artifact(
    store: &dyn Store,
    d: &Descriptor,
    subject: &BlobDigest,
    notes: &mut Vec<String>,
    reached: &mut BTreeSet<BlobDigest>,
) -> Result<Option<FoundSignature>, OciError> {
    reached.insert(d.digest.clone());
    let Some(bytes) = read_small(store, &d.digest, MAX_JSON_LEN)? else {
        notes.push(format!("signature artifact {} is missing", d.digest));
        return Ok(None);
    };
    if BlobDigest::sha256_of(&bytes) != d.digest && d.digest.alg() == "sha256" {
        notes.push(format!(
            "signature artifact {} does not match its digest",
            d.digest
        ));
        return Ok(None);
    }
    let Ok(v) = parse_json(&bytes, "signature artifact") else {
        notes.push(format!("signature artifact {} is not JSON", d.digest));
        return Ok(None);
    };
    if let Some(c) = v.get("config").and_then(|c| Descriptor::parse(c).ok()) {
        reached.insert(c.digest);
    }
    let layer = match signature_layer(&v, subject) {
        ArtifactLayer::NotOurs => return Ok(None),
        ArtifactLayer::NoLayer => {
            notes.push(format!(
                "signature artifact {} has no envelope layer",
                d.digest
            ));
            return Ok(None);
        }
        ArtifactLayer::Layer(l) => l,
    };
    reached.insert(layer.digest.clone());
    let Some(envelope) = read_small(store, &layer.digest, MAX_ENVELOPE_LEN as u64 + 1)? else {
        notes.push(format!(
            "the envelope {} of signature artifact {} is missing",
            layer.digest, d.digest
        ));
        return Ok(None);
    };
    if BlobDigest::sha256_of(&envelope) != layer.digest && layer.digest.alg() == "sha256" {
        notes.push(format!(
            "the envelope {} does not match its digest",
            layer.digest
        ));
        return Ok(None);
    }
    Ok(Some(FoundSignature {
        source: format!("referrer {}", d.digest),
        envelope,
    }))
}

/// Finds the sealkit signatures of `subject` in a layout: the artifacts listed under the
/// referrers tag `sha256-HEX`, and any signature artifact listed in `index.json` itself.
pub fn find_signatures(
    store: &dyn Store,
    index: &Value,
    subject: &BlobDigest,
    notes: &mut Vec<String>,
    reached: &mut BTreeSet<BlobDigest>,
) -> Result<Vec<FoundSignature>, OciError> {
    let tag = referrers_tag(subject);
    let mut candidates: Vec<Descriptor> = Vec::new();
    for d in entries(index)? {
        if d.annotation(REF_NAME) == Some(tag.as_str()) {
            reached.insert(d.digest.clone());
            let Some(bytes) = read_small(store, &d.digest, MAX_JSON_LEN)? else {
                notes.push(format!("the referrers index {} is missing", d.digest));
                continue;
            };
            let Ok(v) = parse_json(&bytes, "referrers index") else {
                notes.push(format!("the referrers index {} is not JSON", d.digest));
                continue;
            };
            if let Some(list) = v.get("manifests").and_then(Value::as_array) {
                candidates.extend(list.iter().filter_map(|m| Descriptor::parse(m).ok()));
            }
        } else if d.json.get("artifactType").and_then(Value::as_str) == Some(SIGNATURE_TYPE) {
            candidates.push(d);
        }
    }
    let mut found = Vec::new();
    let mut seen = BTreeSet::new();
    for d in candidates {
        if !seen.insert(d.digest.clone()) {
            continue;
        }
        if let Some(sig) = read_artifact(store, &d, subject, notes, reached)? {
            found.push(sig);
        }
    }
    Ok(found)
}

/// Writes a blob into the layout (atomically, through a temporary file); returns its
/// descriptor fields.
fn write_blob(dir: &Path, bytes: &[u8]) -> Result<BlobDigest, OciError> {
    let digest = BlobDigest::sha256_of(bytes);
    let path = dir.join(digest.blob_path());
    if fs::read(&path).is_ok_and(|b| b == bytes) {
        return Ok(digest);
    }
    let parent = dir.join("blobs").join("sha256");
    fs::create_dir_all(&parent).map_err(|e| io_err("create", &parent, &e))?;
    write_atomic(&path, bytes)?;
    Ok(digest)
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), OciError> {
    let parent = path.parent().unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(parent).map_err(|e| io_err("write", path, &e))?;
    tmp.write_all(bytes)
        .map_err(|e| io_err("write", path, &e))?;
    tmp.persist(path)
        .map_err(|e| io_err("write", path, &e.error))?;
    Ok(())
}

fn to_json(v: &Value) -> Vec<u8> {
    // Serialising a Value cannot fail.
    serde_json::to_vec(v).unwrap_or_default()
}

/// The artifact manifest of a signature: `artifactType` [`SIGNATURE_TYPE`], the empty config,
/// one layer (the envelope blob) and `subject` the signed manifest.
pub fn artifact_manifest(
    subject_media_type: &str,
    subject: &BlobDigest,
    subject_size: u64,
    envelope: &BlobDigest,
    envelope_len: usize,
) -> Vec<u8> {
    let empty = BlobDigest::sha256_of(b"{}");
    to_json(&json!({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "artifactType": SIGNATURE_TYPE,
        "config": {"mediaType": EMPTY_TYPE, "digest": empty.to_string(), "size": 2, "data": "e30="},
        "layers": [{"mediaType": SIGNATURE_TYPE, "digest": envelope.to_string(), "size": envelope_len}],
        "subject": {"mediaType": subject_media_type, "digest": subject.to_string(), "size": subject_size},
    }))
}

/// Stores `envelope` in the layout as an OCI 1.1 referrer of the manifest `subject`: an
/// artifact manifest (`artifactType` [`SIGNATURE_TYPE`], empty config, one layer: the
/// envelope, `subject`), listed in the image index tagged `sha256-HEX` in `index.json`.
/// Returns the artifact manifest's digest.
pub fn store_layout_signature(
    dir: &Path,
    subject_media_type: &str,
    subject: &BlobDigest,
    subject_size: u64,
    envelope: &[u8],
) -> Result<BlobDigest, OciError> {
    let (store, mut index) = open_dir(dir)?;
    let env_digest = write_blob(dir, envelope)?;
    write_blob(dir, b"{}")?;
    let artifact_bytes = artifact_manifest(
        subject_media_type,
        subject,
        subject_size,
        &env_digest,
        envelope.len(),
    );
    let artifact_digest = write_blob(dir, &artifact_bytes)?;
    let artifact_desc = json!({
        "mediaType": OCI_MANIFEST,
        "digest": artifact_digest.to_string(),
        "size": artifact_bytes.len(),
        "artifactType": SIGNATURE_TYPE,
    });

    let tag = referrers_tag(subject);
    let manifests = index
        .get_mut("manifests")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| OciError::usage(codes::NOT_A_LAYOUT, "index.json has no manifests array"))?;
    // The existing referrers index for this subject, if any: keep what it lists.
    let pos = manifests.iter().position(|m| {
        m.get("annotations")
            .and_then(|a| a.get(REF_NAME))
            .and_then(Value::as_str)
            == Some(tag.as_str())
    });
    let mut listed: Vec<Value> = Vec::new();
    if let Some(p) = pos {
        if let Some(old) = manifests.get(p).and_then(|m| Descriptor::parse(m).ok()) {
            if let Some(bytes) = read_small(&store, &old.digest, MAX_JSON_LEN)? {
                if let Ok(v) = parse_json(&bytes, "referrers index") {
                    listed = v
                        .get("manifests")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                }
            }
        }
    }
    if !listed
        .iter()
        .any(|m| m.get("digest") == artifact_desc.get("digest"))
    {
        listed.push(artifact_desc);
    }
    let referrers = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": listed});
    let referrers_bytes = to_json(&referrers);
    let referrers_digest = write_blob(dir, &referrers_bytes)?;
    let entry = json!({
        "mediaType": OCI_INDEX,
        "digest": referrers_digest.to_string(),
        "size": referrers_bytes.len(),
        "annotations": {REF_NAME: tag},
    });
    let replaced = match pos.and_then(|p| manifests.get_mut(p)) {
        Some(slot) => Some(std::mem::replace(slot, entry)),
        None => {
            manifests.push(entry);
            None
        }
    };
    write_atomic(&dir.join("index.json"), &to_json(&index))?;
    // The superseded referrers index is garbage now, unless something else still lists it.
    if let Some(old) = replaced.and_then(|o| Descriptor::parse(&o).ok()) {
        let still_listed = entries(&index)?.iter().any(|d| d.digest == old.digest);
        if !still_listed && old.digest != referrers_digest {
            let _ = fs::remove_file(dir.join(old.digest.blob_path()));
        }
    }
    Ok(artifact_digest)
}

/// Blobs in `blobs/` of a layout directory that `reached` does not contain.
pub fn unreferenced(dir: &Path, reached: &BTreeSet<BlobDigest>) -> Vec<String> {
    let mut out = Vec::new();
    for alg in ["sha256", "sha512"] {
        let Ok(rd) = fs::read_dir(dir.join("blobs").join(alg)) else {
            continue;
        };
        for e in rd.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            let text = format!("{alg}:{name}");
            match BlobDigest::parse(&text) {
                Some(d) if reached.contains(&d) => {}
                _ => out.push(text),
            }
        }
    }
    out.sort();
    out
}
