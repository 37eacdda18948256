//! An image target resolved to the exact bytes that are signed, signing it, storing its
//! signature, and verifying it: signature and policy first (the core's streaming verifier over
//! the manifest bytes), then the media type, then every blob the manifest references.

use std::collections::BTreeSet;

use sealkit::{ContentType, Envelope, HashAlg, SigningKey, StreamVerifier, TrustPolicy, Verified};
use serde_json::Value;

use super::archive::{full_name, legacy_image, TarStore};
use super::content::{
    check_docker_config, check_manifest, manifest_media_type, parse_json, Descriptor, Report,
};
use super::layout::{
    entries, find_signatures, open_dir, parse_layout, referrers_tag, select,
    store_layout_signature, unreferenced, DirStore, FoundSignature,
};
use crate::{sign_bytes, SignClaims};

use super::{
    codes, read_small, BlobDigest, OciError, Store, Target, CONTAINERD_NAME, DOCKER_CONFIG,
    DOCKER_LIST, MAX_JSON_LEN, OCI_INDEX, REF_NAME,
};

/// A store that is not a file: a registry repository. The crate holds no network client; the
/// CLI implements this over its registry client.
pub trait RemoteStore: Store {
    /// The manifest the reference names (exact bytes), or None when absent.
    fn manifest_bytes(&self) -> Result<Option<Vec<u8>>, OciError>;
    /// The sealkit signatures stored as referrers of `subject`.
    fn find_signatures(
        &self,
        subject: &BlobDigest,
        notes: &mut Vec<String>,
    ) -> Result<Vec<FoundSignature>, OciError>;
    /// Stores `envelope` as a referrer of the manifest `subject`; returns the artifact
    /// manifest's digest.
    fn store_signature(
        &self,
        subject_media_type: &str,
        subject: &BlobDigest,
        subject_size: u64,
        envelope: &[u8],
    ) -> Result<BlobDigest, OciError>;
    /// This store as a plain [`Store`].
    fn as_store(&self) -> &dyn Store;
}

/// Opens a registry reference (`HOST[:PORT]/REPO[:TAG]`) as a [`RemoteStore`].
pub type Connect<'a> = &'a dyn Fn(&str) -> Result<Box<dyn RemoteStore>, OciError>;

/// Where an image's blobs are.
pub enum Source {
    /// An OCI image layout directory.
    Dir(DirStore),
    /// A `docker save` archive (plain or gzip).
    Tar(TarStore),
    /// A registry.
    Remote(Box<dyn RemoteStore>),
}

impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Source::Dir(d) => d.fmt(f),
            Source::Tar(t) => t.fmt(f),
            Source::Remote(r) => write!(f, "Remote({})", r.name()),
        }
    }
}

impl Source {
    /// The blobs.
    pub fn store(&self) -> &dyn Store {
        match self {
            Source::Dir(d) => d,
            Source::Tar(t) => t,
            Source::Remote(r) => r.as_store(),
        }
    }
}

/// A resolved image: the exact bytes that are signed and where the rest is.
#[derive(Debug)]
pub struct Image {
    /// Where the blobs are.
    pub source: Source,
    /// `index.json`, when the image is in an OCI layout (directory or inside an archive).
    pub index: Option<Value>,
    /// The manifest (or, for a legacy `docker save` archive, the configuration).
    pub bytes: Vec<u8>,
    /// Its media type.
    pub media_type: String,
    /// The SHA-256 digest of `bytes`.
    pub digest: BlobDigest,
    /// The default subject: the tag or image name.
    pub reference: Option<String>,
    /// Layer paths of a legacy archive image.
    pub legacy_layers: Option<Vec<String>>,
    /// When one platform was chosen from an image index: the platform and the index's digest.
    pub platform: Option<(String, BlobDigest)>,
}

fn read_manifest(store: &dyn Store, d: &Descriptor) -> Result<Vec<u8>, OciError> {
    read_small(store, &d.digest, MAX_JSON_LEN)?.ok_or_else(|| {
        OciError::reject(
            codes::BLOB_MISSING,
            format!("the manifest {} is absent from {}", d.digest, store.name()),
        )
        .with_digest(&d.digest)
    })
}

/// Resolves a target to its image. `legacy` reads a `docker save` archive's legacy
/// `manifest.json` (signing the image configuration) even when it also holds an OCI layout;
/// `connect` opens registry references (None: they are refused).
pub fn resolve(
    target: &Target,
    legacy: bool,
    connect: Option<Connect<'_>>,
) -> Result<Image, OciError> {
    match target {
        Target::Layout { dir, tag } => {
            let (store, index) = open_dir(dir)?;
            let list = entries(&index)?;
            let names = |d: &Descriptor| {
                d.annotation(REF_NAME)
                    .map(str::to_string)
                    .into_iter()
                    .collect()
            };
            let d = select(&list, tag.as_deref(), names, &store.name())?;
            let bytes = read_manifest(&store, d)?;
            let media_type = manifest_media_type(&bytes, d.media_type.as_deref())?;
            let reference = tag
                .clone()
                .or_else(|| d.annotation(REF_NAME).map(str::to_string));
            Ok(Image {
                digest: BlobDigest::sha256_of(&bytes),
                source: Source::Dir(store),
                index: Some(index),
                bytes,
                media_type,
                reference,
                legacy_layers: None,
                platform: None,
            })
        }
        Target::Registry { reference } => {
            let connect = connect.ok_or_else(|| {
                OciError::usage(
                    codes::NOT_A_LAYOUT,
                    format!("registry://{reference}: registry references are not supported here"),
                )
            })?;
            let reg = connect(reference)?;
            let bytes = reg.manifest_bytes()?.ok_or_else(|| {
                OciError::usage(
                    codes::IMAGE_NOT_FOUND,
                    format!("{} has no image {reference}", reg.name()),
                )
            })?;
            let media_type = manifest_media_type(&bytes, None)?;
            Ok(Image {
                digest: BlobDigest::sha256_of(&bytes),
                source: Source::Remote(reg),
                index: None,
                bytes,
                media_type,
                reference: Some(reference.clone()),
                legacy_layers: None,
                platform: None,
            })
        }
        Target::DockerArchive { file, reference } => {
            let tar = TarStore::open(file)?;
            if !legacy && tar.has("index.json") && tar.has("oci-layout") {
                let layout_bytes = tar.read_small_path("oci-layout")?.unwrap_or_default();
                let index_bytes = tar.read_small_path("index.json")?.unwrap_or_default();
                let index = parse_layout(&layout_bytes, &index_bytes, &tar.name())?;
                let list = entries(&index)?;
                let names = |d: &Descriptor| {
                    let mut v: Vec<String> = Vec::new();
                    if let Some(n) = d.annotation(CONTAINERD_NAME) {
                        v.push(n.to_string());
                        v.push(full_name(n));
                    }
                    if let Some(n) = d.annotation(REF_NAME) {
                        v.push(n.to_string());
                    }
                    v
                };
                let d = match select(&list, reference.as_deref(), names, &tar.name()) {
                    Ok(d) => d,
                    Err(e) => match reference {
                        Some(r) => {
                            select(&list, Some(&full_name(r)), names, &tar.name()).map_err(|_| e)?
                        }
                        None => return Err(e),
                    },
                };
                let bytes = read_manifest(&tar, d)?;
                let media_type = manifest_media_type(&bytes, d.media_type.as_deref())?;
                let name = d
                    .annotation(CONTAINERD_NAME)
                    .map(str::to_string)
                    .or_else(|| reference.clone())
                    .or_else(|| d.annotation(REF_NAME).map(str::to_string));
                return Ok(Image {
                    digest: BlobDigest::sha256_of(&bytes),
                    source: Source::Tar(tar),
                    index: Some(index),
                    bytes,
                    media_type,
                    reference: name,
                    legacy_layers: None,
                    platform: None,
                });
            }
            let img = legacy_image(&tar, reference.as_deref())?;
            let bytes = tar.read_small_path(&img.config)?.ok_or_else(|| {
                OciError::reject(
                    codes::BLOB_MISSING,
                    format!(
                        "the image configuration {} is absent from {}",
                        img.config,
                        tar.name()
                    ),
                )
            })?;
            let name = reference.clone().or_else(|| img.tags.first().cloned());
            Ok(Image {
                digest: BlobDigest::sha256_of(&bytes),
                source: Source::Tar(tar),
                index: None,
                bytes,
                media_type: DOCKER_CONFIG.to_string(),
                reference: name,
                legacy_layers: Some(img.layers),
                platform: None,
            })
        }
    }
}

/// Whether `entry` (`os/arch[/variant]`) is the platform `wanted`; a wanted platform without a
/// variant matches any variant.
fn platform_matches(entry: &str, wanted: &str) -> bool {
    if entry == wanted {
        return true;
    }
    wanted.matches('/').count() == 1
        && entry
            .strip_prefix(wanted)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// Replaces an image index by the manifest of one platform (`os/arch[/variant]`): that
/// manifest's exact bytes are then what is signed or verified. The index is not signed in
/// this mode; the manifest read must still match its descriptor in the index.
pub fn select_platform(mut image: Image, platform: &str) -> Result<Image, OciError> {
    if image.media_type != OCI_INDEX && image.media_type != DOCKER_LIST {
        return Err(OciError::usage(
            codes::IMAGE_NOT_FOUND,
            format!(
                "--platform {platform}: {} is an image manifest ({}), not an image index",
                image.digest, image.media_type
            ),
        ));
    }
    let v = parse_json(&image.bytes, "the image index")?;
    let list: Vec<Descriptor> = v
        .get("manifests")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            OciError::reject(
                codes::MANIFEST_INVALID,
                "the image index has no manifests array",
            )
        })?
        .iter()
        .map(Descriptor::parse)
        .collect::<Result<_, _>>()?;
    let found: Vec<&Descriptor> = list
        .iter()
        .filter(|d| d.platform().is_some_and(|p| platform_matches(&p, platform)))
        .collect();
    let d = match found.as_slice() {
        [one] => *one,
        many => {
            let all: Vec<String> = list.iter().filter_map(Descriptor::platform).collect();
            return Err(OciError::usage(
                codes::IMAGE_NOT_FOUND,
                format!(
                    "the image index {} has {} manifests for platform {platform} (its platforms: {})",
                    image.digest,
                    if many.is_empty() { "no" } else { "several" },
                    all.join(", ")
                ),
            ));
        }
    };
    let store = image.source.store();
    let bytes = read_manifest(store, d)?;
    if bytes.len() as u64 != d.size {
        return Err(OciError::reject(
            codes::BLOB_SIZE_MISMATCH,
            format!(
                "the manifest {} of platform {platform} is {} bytes, its descriptor says {}",
                d.digest,
                bytes.len(),
                d.size
            ),
        )
        .with_digest(&d.digest));
    }
    let digest = BlobDigest::sha256_of(&bytes);
    if d.digest.alg() == "sha256" && digest != d.digest {
        return Err(OciError::reject(
            codes::BLOB_DIGEST_MISMATCH,
            format!(
                "the manifest of platform {platform} hashes to {digest}, its descriptor says {}",
                d.digest
            ),
        )
        .with_digest(&d.digest));
    }
    let media_type = manifest_media_type(&bytes, d.media_type.as_deref())?;
    if media_type == OCI_INDEX || media_type == DOCKER_LIST {
        return Err(OciError::usage(
            codes::IMAGE_NOT_FOUND,
            format!("the entry for platform {platform} is itself an image index"),
        ));
    }
    image.platform = Some((d.platform().unwrap_or_default(), image.digest.clone()));
    image.bytes = bytes;
    image.media_type = media_type;
    image.digest = digest;
    Ok(image)
}

impl Image {
    /// Re-hashes everything the (verified) image bytes reference.
    pub fn check_content(&self) -> Result<Report, OciError> {
        let mut report = Report::default();
        report.reached.insert(self.digest.clone());
        if let Some((_, index)) = &self.platform {
            report.reached.insert(index.clone());
        }
        match (&self.legacy_layers, &self.source) {
            (Some(layers), Source::Tar(tar)) => {
                check_docker_config(tar, &self.bytes, layers, &mut report)?;
            }
            _ => {
                let name = if self.media_type.contains("index") || self.media_type.contains("list")
                {
                    "the image index"
                } else {
                    "the manifest"
                };
                check_manifest(
                    self.source.store(),
                    &self.bytes,
                    &self.media_type,
                    name,
                    0,
                    &mut report,
                )?;
            }
        }
        Ok(report)
    }

    /// Checks every blob before signing: an image whose blobs are already broken is refused
    /// with [`codes::IMAGE_CONTENT_MISMATCH`] and the report.
    pub fn check_for_signing(&self) -> Result<Report, OciError> {
        let report = self.check_content()?;
        if report.failures.is_empty() {
            return Ok(report);
        }
        let mut e = OciError::usage(
            codes::IMAGE_CONTENT_MISMATCH,
            format!(
                "not signed, {} blob(s) do not match the manifest",
                report.failures.len()
            ),
        );
        e.digest = report.failures.first().map(|f| f.digest.clone());
        e.report = Some(Box::new(report));
        Err(e)
    }

    /// What the signature covers, for messages: `manifest` or `image configuration`.
    pub fn what(&self) -> &'static str {
        if self.legacy_layers.is_some() {
            "image configuration"
        } else {
            "manifest"
        }
    }
}

/// A signed image.
#[derive(Debug)]
pub struct SignedImage {
    /// The envelope.
    pub envelope: Vec<u8>,
}

/// Signs the image's manifest (the digest of its exact bytes, its media type as the content
/// type) with `key`. Images are signed with SHA-256 (the digest OCI names them by): another
/// `claims.hash` is refused with the core's `UnsupportedHashAlgorithm`.
pub fn sign_image(
    image: &Image,
    key: &SigningKey,
    claims: &SignClaims<'_>,
) -> Result<SignedImage, sealkit::Error> {
    if claims.hash != HashAlg::Sha256 {
        return Err(sealkit::Error::UnsupportedHashAlgorithm);
    }
    let envelope = sign_bytes(
        key,
        claims,
        ContentType::MediaType(&image.media_type),
        &image.bytes,
    )?;
    Ok(SignedImage { envelope })
}

/// Stores a signature where the target keeps them: an OCI 1.1 referrer in a layout directory
/// or a registry; returns where, e.g. `referrer sha256:... in oci:img:v1 (tag sha256-...)`.
/// None for a `docker save` archive, which has no place for it: the caller writes
/// [`Target::default_signature`].
pub fn store_signature(
    target: &Target,
    image: &Image,
    envelope: &[u8],
) -> Result<Option<String>, OciError> {
    let tag = referrers_tag(&image.digest);
    match (target, &image.source) {
        (Target::Layout { dir, .. }, _) => {
            let d = store_layout_signature(
                dir,
                &image.media_type,
                &image.digest,
                image.bytes.len() as u64,
                envelope,
            )?;
            Ok(Some(format!(
                "referrer {d} in {} (tag {tag})",
                target.display()
            )))
        }
        (Target::Registry { .. }, Source::Remote(reg)) => {
            let d = reg.store_signature(
                &image.media_type,
                &image.digest,
                image.bytes.len() as u64,
                envelope,
            )?;
            Ok(Some(format!("referrer {d} in {} (tag {tag})", reg.name())))
        }
        (Target::Registry { .. }, _) => Err(OciError::usage(
            codes::NOT_A_LAYOUT,
            "registry target without a registry",
        )),
        (Target::DockerArchive { .. }, _) => Ok(None),
    }
}

/// A verified image.
#[derive(Debug)]
pub struct ImageVerification {
    /// The verified facts of the signature.
    pub verified: Verified,
    /// The image.
    pub image: Image,
    /// Which signature verified: the file given, or `referrer sha256:...`.
    pub signature: String,
    /// Every blob checked.
    pub report: Report,
    /// Blobs of a layout directory that belong neither to the image nor to its signatures.
    pub unreferenced: Vec<String>,
}

fn verify_envelope(
    envelope: &[u8],
    policy: &TrustPolicy,
    bytes: &[u8],
) -> Result<Verified, sealkit::Error> {
    let mut v = StreamVerifier::new(envelope, policy)?;
    v.update(bytes)?;
    v.finish()
}

/// Verifies an image target under `policy`: with the signature `given` (a name for messages
/// and the envelope), else with the signatures stored in the layout or registry. For an image
/// index, `platform` verifies the signature of that platform's manifest instead of the
/// index's. Errors carry their stable code; [`codes::IMAGE_CONTENT_MISMATCH`] carries the
/// report with every failing blob.
pub fn verify_image(
    target: &Target,
    given: Option<(String, Vec<u8>)>,
    policy: &TrustPolicy,
    platform: Option<&str>,
    connect: Option<Connect<'_>>,
) -> Result<ImageVerification, OciError> {
    let sig_given = given.is_some();
    // Which bytes an archive signature covers follows from its (still unverified) content
    // type; the verified content type is compared with the image's below.
    let legacy = given.as_ref().is_some_and(|(_, e)| {
        Envelope::parse(e)
            .is_ok_and(|e| e.unverified_content_type().media_type() == Some(DOCKER_CONFIG))
    });
    let mut image = resolve(target, legacy, connect)?;
    if let Some(p) = platform {
        image = select_platform(image, p)?;
    }
    let mut notes = Vec::new();
    let mut reached = BTreeSet::new();
    let candidates: Vec<(String, Vec<u8>)> = match given {
        Some(g) => vec![g],
        None => {
            let found = match (&image.index, &image.source) {
                (_, Source::Remote(reg)) => reg.find_signatures(&image.digest, &mut notes)?,
                (Some(index), _) => find_signatures(
                    image.source.store(),
                    index,
                    &image.digest,
                    &mut notes,
                    &mut reached,
                )?,
                (None, _) => Vec::new(),
            };
            found.into_iter().map(|f| (f.source, f.envelope)).collect()
        }
    };
    if candidates.is_empty() {
        let mut m = format!(
            "no sealkit signature of manifest {} is stored in {} (give one with --sig)",
            image.digest,
            image.source.store().name()
        );
        for n in &notes {
            m.push_str("; ");
            m.push_str(n);
        }
        return Err(OciError::reject(codes::SIGNATURE_NOT_FOUND, m).with_digest(&image.digest));
    }
    let mut first_error = None;
    let mut chosen = None;
    for (source, env) in &candidates {
        match verify_envelope(env, policy, &image.bytes) {
            Ok(v) => {
                chosen = Some((v, source.clone()));
                break;
            }
            Err(e) => {
                if first_error.is_none() {
                    first_error = Some((e, source.clone()));
                }
            }
        }
    }
    let Some((verified, signature)) = chosen else {
        let (e, source) = first_error.unwrap_or((sealkit::Error::BadSignature, String::new()));
        let mut message = format!(
            "{} (signature {source}, {} {})",
            e.message(),
            image.what(),
            image.digest
        );
        if candidates.len() > 1 {
            message.push_str(&format!(
                "; none of the {} signatures verified",
                candidates.len()
            ));
        }
        return Err(OciError::core(e, message).with_digest(&image.digest));
    };
    if verified.content_type().media_type() != Some(image.media_type.as_str()) {
        let ct = verified.content_type();
        let signed = match (ct.media_type(), ct) {
            (Some(m), _) | (None, ContentType::MediaType(m)) => m.to_string(),
            (None, ContentType::CoapFormat(n)) => format!("coap-content-format:{n}"),
        };
        return Err(OciError::reject(
            codes::MEDIA_TYPE_MISMATCH,
            format!(
                "the signature is for content of type {signed}, the image is {}",
                image.media_type
            ),
        )
        .with_digest(&image.digest));
    }
    let report = image.check_content()?;
    if !report.failures.is_empty() {
        let n = report.failures.len();
        let mut e = OciError::reject(
            codes::IMAGE_CONTENT_MISMATCH,
            format!("the signature and the manifest verified, but {n} blob(s) do not match it"),
        );
        e.digest = report.failures.first().map(|f| f.digest.clone());
        e.report = Some(Box::new(report));
        return Err(e);
    }
    let unreferenced = match (&image.source, target) {
        // With a platform chosen, the other platforms' blobs are not this image's yet not
        // foreign to the layout either: no note about them.
        (Source::Dir(d), Target::Layout { .. }) if image.platform.is_none() => {
            if sig_given {
                // Signatures stored in the layout are part of it even when one is given.
                if let Some(index) = &image.index {
                    let _ = find_signatures(
                        d as &dyn Store,
                        index,
                        &image.digest,
                        &mut Vec::new(),
                        &mut reached,
                    );
                }
            }
            reached.extend(report.reached.iter().cloned());
            unreferenced(&d.dir, &reached)
        }
        _ => Vec::new(),
    };
    Ok(ImageVerification {
        verified,
        image,
        signature,
        report,
        unreferenced,
    })
}

#[cfg(test)]
mod tests {
    use super::platform_matches;

    #[test]
    fn platforms_match_exactly_or_without_a_variant() {
        assert!(platform_matches("linux/arm64/v8", "linux/arm64/v8"));
        assert!(platform_matches("linux/arm64/v8", "linux/arm64"));
        assert!(platform_matches("linux/amd64", "linux/amd64"));
        assert!(!platform_matches("linux/arm64", "linux/arm64/v8"));
        assert!(!platform_matches("linux/arm64/v8", "linux/arm"));
        assert!(!platform_matches("linux/amd64", "linux"));
        assert!(!platform_matches("windows/amd64", "linux/amd64"));
    }
}
