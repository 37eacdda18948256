//! Checking everything a signed manifest references: descriptors, blobs (streamed, bounded
//! memory), platform manifests of an image index, and the layers of a Docker configuration.

use std::collections::BTreeSet;
use std::io::Read;

use sealkit::ArtifactHasher;
use serde_json::Value;

use super::{
    codes, read_small, BlobDigest, OciError, Opened, Store, DOCKER_LIST, DOCKER_MANIFEST,
    MAX_DEPTH, MAX_JSON_LEN, OCI_INDEX, OCI_MANIFEST,
};
use crate::hex;

/// A content descriptor.
#[derive(Debug, Clone)]
pub struct Descriptor {
    /// `mediaType`, when present.
    pub media_type: Option<String>,
    /// `digest`.
    pub digest: BlobDigest,
    /// `size`.
    pub size: u64,
    /// The whole JSON object.
    pub json: Value,
}

impl Descriptor {
    /// Parses a descriptor object; the error says what is wrong.
    pub fn parse(v: &Value) -> Result<Descriptor, OciError> {
        let obj = v.as_object().ok_or_else(|| {
            OciError::reject(codes::MANIFEST_INVALID, "a descriptor is not a JSON object")
        })?;
        let digest_text = obj.get("digest").and_then(Value::as_str).ok_or_else(|| {
            OciError::reject(codes::MANIFEST_INVALID, "a descriptor has no digest")
        })?;
        let digest = BlobDigest::parse(digest_text).ok_or_else(|| {
            OciError::reject(
                codes::BAD_DIGEST,
                format!(
                    "descriptor digest {digest_text:?} is not sha256:/sha512: and lower-case hex"
                ),
            )
        })?;
        let size = obj.get("size").and_then(Value::as_u64).ok_or_else(|| {
            OciError::reject(
                codes::MANIFEST_INVALID,
                format!("the descriptor of {digest} has no valid size"),
            )
        })?;
        let media_type = match obj.get("mediaType") {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                return Err(OciError::reject(
                    codes::MANIFEST_INVALID,
                    format!("the descriptor of {digest} has a mediaType that is not text"),
                ))
            }
        };
        Ok(Descriptor {
            media_type,
            digest,
            size,
            json: v.clone(),
        })
    }

    /// An annotation's value.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.json.get("annotations")?.get(key)?.as_str()
    }

    /// `platform` as `os/architecture[/variant]`.
    pub fn platform(&self) -> Option<String> {
        let p = self.json.get("platform")?;
        let os = p.get("os")?.as_str()?;
        let arch = p.get("architecture")?.as_str()?;
        Some(match p.get("variant").and_then(Value::as_str) {
            Some(v) => format!("{os}/{arch}/{v}"),
            None => format!("{os}/{arch}"),
        })
    }
}

/// One blob that does not match its descriptor.
#[derive(Debug, Clone)]
pub struct Failure {
    /// What the blob is, e.g. `layer 2 of manifest linux/arm64`.
    pub role: String,
    /// The descriptor's digest.
    pub digest: String,
    /// Code and name.
    pub code: (u16, &'static str),
    /// Details.
    pub message: String,
}

/// One blob that was checked, and its verdict.
#[derive(Debug, Clone)]
pub struct BlobCheck {
    /// What the blob is, e.g. `layer 2` or `config of manifest linux/arm64 (entry 2) of the
    /// image index`.
    pub role: String,
    /// The descriptor's digest (for a legacy archive layer: its diff id).
    pub digest: String,
    /// The size checked (the descriptor's, else the blob's).
    pub size: u64,
    /// Whether the blob matched; otherwise [`Report::failures`] says why.
    pub ok: bool,
}

/// What checking an image found.
#[derive(Debug, Default, Clone)]
pub struct Report {
    /// Blobs checked (manifests of an index, configs, layers).
    pub checked: usize,
    /// Bytes re-hashed.
    pub bytes: u64,
    /// Every blob checked, in the order checked.
    pub blobs: Vec<BlobCheck>,
    /// Every failure.
    pub failures: Vec<Failure>,
    /// Every blob reached (for the unreferenced-blob report).
    pub reached: BTreeSet<BlobDigest>,
}

/// Whether `media_type` is one of the manifest or index types sealkit signs.
pub fn is_signable(media_type: &str) -> bool {
    matches!(
        media_type,
        OCI_MANIFEST | OCI_INDEX | DOCKER_MANIFEST | DOCKER_LIST
    )
}

fn is_index(media_type: &str) -> bool {
    matches!(media_type, OCI_INDEX | DOCKER_LIST)
}

/// Parses JSON bytes into an object.
pub fn parse_json(bytes: &[u8], what: &str) -> Result<Value, OciError> {
    let v: Value = serde_json::from_slice(bytes).map_err(|e| {
        OciError::reject(
            codes::MANIFEST_INVALID,
            format!("{what} is not valid JSON: {e}"),
        )
    })?;
    if !v.is_object() {
        return Err(OciError::reject(
            codes::MANIFEST_INVALID,
            format!("{what} is not a JSON object"),
        ));
    }
    Ok(v)
}

/// The media type of a manifest: its own `mediaType` field and the descriptor's must agree
/// when both are present; one of them must be present.
pub fn manifest_media_type(
    bytes: &[u8],
    descriptor_type: Option<&str>,
) -> Result<String, OciError> {
    let v = parse_json(bytes, "the manifest")?;
    let own = match v.get("mediaType") {
        None => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => {
            return Err(OciError::reject(
                codes::MANIFEST_INVALID,
                "the manifest's mediaType is not text",
            ))
        }
    };
    let mt = match (own, descriptor_type) {
        (Some(a), Some(b)) if a != b => {
            return Err(OciError::reject(
                codes::MEDIA_TYPE_MISMATCH,
                format!("the manifest says it is {a} but its descriptor says {b}"),
            ))
        }
        (Some(a), _) => a,
        (None, Some(b)) => b,
        (None, None) => {
            return Err(OciError::reject(
                codes::MANIFEST_INVALID,
                "neither the manifest nor its descriptor states a media type",
            ))
        }
    };
    if !is_signable(mt) {
        return Err(OciError::reject(
            codes::MANIFEST_INVALID,
            format!("{mt} is not an image manifest or index media type"),
        ));
    }
    Ok(mt.to_string())
}

/// Streams a blob through its descriptor's hash with a fixed buffer and records the verdict in
/// `report` (failures included); an error only when the store cannot be read.
fn check_blob(
    store: &dyn Store,
    digest: &BlobDigest,
    expected_size: Option<u64>,
    role: &str,
    report: &mut Report,
) -> Result<(), OciError> {
    let before = report.failures.len();
    let size = check_blob_inner(store, digest, expected_size, role, report)?;
    report.blobs.push(BlobCheck {
        role: role.to_string(),
        digest: digest.to_string(),
        size: expected_size.or(size).unwrap_or(0),
        ok: report.failures.len() == before,
    });
    Ok(())
}

/// [`check_blob`] without the record; returns the blob's actual size when it exists.
fn check_blob_inner(
    store: &dyn Store,
    digest: &BlobDigest,
    expected_size: Option<u64>,
    role: &str,
    report: &mut Report,
) -> Result<Option<u64>, OciError> {
    report.checked += 1;
    report.reached.insert(digest.clone());
    let fail = |code, message: String| Failure {
        role: role.to_string(),
        digest: digest.to_string(),
        code,
        message,
    };
    let Some((reader, actual)) = store.open_blob(digest)? else {
        report.failures.push(fail(
            codes::BLOB_MISSING,
            format!("{} is absent from {}", digest.blob_path(), store.name()),
        ));
        return Ok(None);
    };
    if let Some(size) = expected_size {
        if actual != size {
            report.failures.push(fail(
                codes::BLOB_SIZE_MISMATCH,
                format!("the descriptor says {size} bytes, the blob has {actual}"),
            ));
            return Ok(Some(actual));
        }
    }
    let mut hasher = ArtifactHasher::new(digest.hash_alg());
    let mut reader = reader.take(actual);
    let mut buf = vec![0u8; 64 << 10];
    let mut total = 0u64;
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(OciError::usage(
                    codes::NOT_A_LAYOUT,
                    format!("cannot read blob {digest} in {}: {e}", store.name()),
                ))
            }
        };
        hasher.update(buf.get(..n).unwrap_or(&buf));
        total += n as u64;
    }
    report.bytes += total;
    if total != actual {
        report.failures.push(fail(
            codes::BLOB_SIZE_MISMATCH,
            format!("expected {actual} bytes, read {total}"),
        ));
        return Ok(Some(actual));
    }
    let got = hex(hasher.finalize().as_bytes());
    if got != digest.hex() {
        report.failures.push(fail(
            codes::BLOB_DIGEST_MISMATCH,
            format!("its content hashes to {}:{got}", digest.alg()),
        ));
    }
    Ok(Some(actual))
}

fn descriptors(v: &Value, key: &str, what: &str) -> Result<Vec<Descriptor>, OciError> {
    let arr = v.get(key).and_then(Value::as_array).ok_or_else(|| {
        OciError::reject(
            codes::MANIFEST_INVALID,
            format!("{what} has no {key} array"),
        )
    })?;
    arr.iter().map(Descriptor::parse).collect()
}

/// Checks everything a verified manifest or index references. `bytes` have been verified
/// against the signature; `media_type` is the signed content type; `name` prefixes roles.
pub fn check_manifest(
    store: &dyn Store,
    bytes: &[u8],
    media_type: &str,
    name: &str,
    depth: usize,
    report: &mut Report,
) -> Result<(), OciError> {
    let v = parse_json(bytes, name)?;
    if let Some(own) = v.get("mediaType").and_then(Value::as_str) {
        if own != media_type {
            return Err(OciError::reject(
                codes::MEDIA_TYPE_MISMATCH,
                format!("{name} was signed as {media_type} but says it is {own}"),
            ));
        }
    }
    if is_index(media_type) {
        if depth >= MAX_DEPTH {
            return Err(OciError::reject(
                codes::MANIFEST_INVALID,
                format!("image indexes nested more than {MAX_DEPTH} deep"),
            ));
        }
        for (i, d) in descriptors(&v, "manifests", name)?.iter().enumerate() {
            let label = match d.platform() {
                Some(p) => format!("manifest {p} (entry {}) of {name}", i + 1),
                None => format!("manifest entry {} of {name}", i + 1),
            };
            let Some(mt) = d.media_type.as_deref().filter(|m| is_signable(m)) else {
                // Unknown content in an index (e.g. a non-image artifact) is still checked
                // byte for byte, not interpreted.
                check_blob(store, &d.digest, Some(d.size), &label, report)?;
                continue;
            };
            let before = report.failures.len();
            check_blob(store, &d.digest, Some(d.size), &label, report)?;
            if report.failures.len() != before {
                continue;
            }
            let Some(child) = read_small(store, &d.digest, MAX_JSON_LEN)? else {
                continue;
            };
            check_manifest(store, &child, mt, &label, depth + 1, report)?;
        }
        return Ok(());
    }
    let config = v
        .get("config")
        .ok_or_else(|| OciError::reject(codes::MANIFEST_INVALID, format!("{name} has no config")))
        .and_then(Descriptor::parse)?;
    let layers = descriptors(&v, "layers", name)?;
    let prefix = if depth == 0 {
        String::new()
    } else {
        format!(" of {name}")
    };
    check_blob(
        store,
        &config.digest,
        Some(config.size),
        &format!("config{prefix}"),
        report,
    )?;
    for (i, l) in layers.iter().enumerate() {
        check_blob(
            store,
            &l.digest,
            Some(l.size),
            &format!("layer {}{prefix}", i + 1),
            report,
        )?;
    }
    Ok(())
}

/// A layer of a legacy `docker save` archive: opened by path, checked against a diff id.
pub trait PathStore: Store {
    /// Opens a file of the archive by its path.
    fn open_path(&self, path: &str) -> Result<Opened<'_>, OciError>;
}

/// Checks the layers of a legacy `docker save` image against the verified configuration's
/// `rootfs.diff_ids` (the SHA-256 of each uncompressed layer tar, in order).
pub fn check_docker_config(
    store: &dyn PathStore,
    config: &[u8],
    layer_paths: &[String],
    report: &mut Report,
) -> Result<(), OciError> {
    let v = parse_json(config, "the image configuration")?;
    let ids = v
        .get("rootfs")
        .and_then(|r| r.get("diff_ids"))
        .and_then(Value::as_array)
        .ok_or_else(|| {
            OciError::reject(
                codes::MANIFEST_INVALID,
                "the image configuration has no rootfs.diff_ids",
            )
        })?;
    let ids: Vec<BlobDigest> = ids
        .iter()
        .map(|d| {
            d.as_str().and_then(BlobDigest::parse).ok_or_else(|| {
                OciError::reject(
                    codes::BAD_DIGEST,
                    format!("diff id {d} is not a valid digest"),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    if ids.len() != layer_paths.len() {
        report.failures.push(Failure {
            role: "layers".into(),
            digest: String::new(),
            code: codes::IMAGE_CONTENT_MISMATCH,
            message: format!(
                "manifest.json lists {} layers, the signed configuration {}",
                layer_paths.len(),
                ids.len()
            ),
        });
    }
    for (i, (id, path)) in ids.iter().zip(layer_paths).enumerate() {
        let role = format!("layer {} ({path})", i + 1);
        let store_view = PathAsBlob { store, path };
        check_blob(&store_view, id, None, &role, report)?;
    }
    Ok(())
}

/// Presents one archive path as the blob of any digest (for [`check_blob`]).
struct PathAsBlob<'a> {
    store: &'a dyn PathStore,
    path: &'a str,
}

impl Store for PathAsBlob<'_> {
    fn open_blob(&self, _digest: &BlobDigest) -> Result<Opened<'_>, OciError> {
        self.store.open_path(self.path)
    }

    fn name(&self) -> String {
        self.store.name()
    }
}
