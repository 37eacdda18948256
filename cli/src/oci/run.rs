//! `sealkit sign` and `sealkit verify` on image targets.

use std::collections::BTreeSet;
use std::process::ExitCode;

use sealkit::{
    ArtifactHasher, ContentType, Envelope, HashAlg, SignRequest, StreamVerifier, TrustPolicy,
    Verified, MAX_SIGNED_ENVELOPE_LEN,
};
use serde_json::{json, Value};

use super::archive::{full_name, legacy_image, TarStore};
use super::content::{check_docker_config, check_manifest, manifest_media_type, Report};
use super::layout::{self, entries, find_signatures, open_dir, parse_layout, select, DirStore};
use super::registry::RegistryStore;
use super::{
    codes, read_small, BlobDigest, OciError, Store, Target, CONTAINERD_NAME, DOCKER_CONFIG,
    MAX_JSON_LEN, REF_NAME,
};
use crate::commands::sign::{check_claims, issued_at, load_key, Claims, HashArg, SignArgs};
use crate::commands::verify::{build_policy, read_envelope, VerifyArgs};
use crate::error::{CliError, CliResult, EXIT_REJECTED, EXIT_USAGE};
use crate::output::{verified_json, verified_lines};
use crate::read::with_suffix;

/// Where an image's blobs are.
enum Source {
    Dir(DirStore),
    Tar(TarStore),
    Registry(Box<RegistryStore>),
}

impl Source {
    fn store(&self) -> &dyn Store {
        match self {
            Source::Dir(d) => d,
            Source::Tar(t) => t,
            Source::Registry(r) => r.as_ref(),
        }
    }
}

/// A resolved image: the exact bytes that are signed and where the rest is.
struct Image {
    source: Source,
    /// `index.json`, when the image is in an OCI layout (directory or inside an archive).
    index: Option<Value>,
    /// The manifest (or, for a legacy `docker save` archive, the configuration).
    bytes: Vec<u8>,
    media_type: String,
    digest: BlobDigest,
    /// The default subject: the tag or image name.
    reference: Option<String>,
    /// Layer paths of a legacy archive image.
    legacy_layers: Option<Vec<String>>,
}

fn read_manifest(store: &dyn Store, d: &super::content::Descriptor) -> Result<Vec<u8>, OciError> {
    read_small(store, &d.digest, MAX_JSON_LEN)?.ok_or_else(|| {
        OciError::reject(
            codes::BLOB_MISSING,
            format!("the manifest {} is absent from {}", d.digest, store.name()),
        )
    })
}

fn resolve(target: &Target, legacy: bool) -> Result<Image, OciError> {
    match target {
        Target::Layout { dir, tag } => {
            let (store, index) = open_dir(dir)?;
            let list = entries(&index)?;
            let names = |d: &super::content::Descriptor| {
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
            })
        }
        Target::Registry { reference } => {
            let reg = RegistryStore::connect(reference)?;
            let bytes = reg.manifest(&reg.reference)?.ok_or_else(|| {
                OciError::usage(
                    codes::IMAGE_NOT_FOUND,
                    format!("{} has no image {}", reg.name(), reg.reference),
                )
            })?;
            let media_type = manifest_media_type(&bytes, None)?;
            let reference = Some(reference.clone());
            Ok(Image {
                digest: BlobDigest::sha256_of(&bytes),
                source: Source::Registry(Box::new(reg)),
                index: None,
                bytes,
                media_type,
                reference,
                legacy_layers: None,
            })
        }
        Target::DockerArchive { file, reference } => {
            let tar = TarStore::open(file)?;
            if !legacy && tar.has("index.json") && tar.has("oci-layout") {
                let layout_bytes = tar.read_small_path("oci-layout")?.unwrap_or_default();
                let index_bytes = tar.read_small_path("index.json")?.unwrap_or_default();
                let index = parse_layout(&layout_bytes, &index_bytes, &tar.name())?;
                let list = entries(&index)?;
                let names = |d: &super::content::Descriptor| {
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
            })
        }
    }
}

/// Re-hashes everything the (verified) image bytes reference.
fn check_content(image: &Image) -> Result<Report, OciError> {
    let mut report = Report::default();
    report.reached.insert(image.digest.clone());
    match (&image.legacy_layers, &image.source) {
        (Some(layers), Source::Tar(tar)) => {
            check_docker_config(tar, &image.bytes, layers, &mut report)?;
        }
        _ => {
            let name = if image.media_type.contains("index") || image.media_type.contains("list") {
                "the image index"
            } else {
                "the manifest"
            };
            check_manifest(
                image.source.store(),
                &image.bytes,
                &image.media_type,
                name,
                0,
                &mut report,
            )?;
        }
    }
    Ok(report)
}

fn failures_text(report: &Report) -> String {
    report
        .failures
        .iter()
        .map(|f| {
            format!(
                "\n  {} {}: {} ({}): {}",
                f.role, f.digest, f.code.1, f.code.0, f.message
            )
        })
        .collect()
}

fn oci_to_cli(e: OciError) -> CliError {
    CliError::Usage(format!("{} ({})", e.message, e.code.1))
}

/// Runs `sealkit sign` on an image target.
pub fn sign(args: &SignArgs, target: &Target) -> CliResult<()> {
    if args.hash != HashArg::Sha256 {
        return Err(CliError::Usage(
            "images are signed with SHA-256, the digest of their manifest (no --hash sha512)"
                .into(),
        ));
    }
    if args.content_type != "application/octet-stream" {
        return Err(CliError::Usage(
            "the content type of an image signature is its manifest's media type (no --content-type)"
                .into(),
        ));
    }
    let image = resolve(target, false).map_err(oci_to_cli)?;
    // Refuse to sign an image whose blobs are already broken.
    let report = check_content(&image).map_err(oci_to_cli)?;
    if !report.failures.is_empty() {
        return Err(CliError::Usage(format!(
            "{}: not signed, {} blob(s) do not match the manifest:{}",
            target.display(),
            report.failures.len(),
            failures_text(&report)
        )));
    }
    let subject = match (&args.subject, &image.reference) {
        (Some(s), _) | (None, Some(s)) => s.clone(),
        (None, None) => {
            return Err(CliError::Usage(
                "the image has no tag or name to use as the subject; use --subject".into(),
            ))
        }
    };
    let claims = Claims {
        alg: args.cose_alg.alg(),
        hash: HashAlg::Sha256,
        content_type: ContentType::MediaType(&image.media_type),
        subject: &subject,
        issuer: args.identity.as_deref(),
        issued_at: issued_at(args.issued_at)?,
        version: args.release_version,
    };
    check_claims(&claims)?;
    let key = load_key(&args.key, args.passphrase_file.as_deref())?;
    let mut hasher = ArtifactHasher::new(HashAlg::Sha256);
    hasher.update(&image.bytes);
    let req = SignRequest {
        alg: claims.alg,
        digest: hasher.finalize(),
        length: image.bytes.len() as u64,
        content_type: claims.content_type,
        subject: claims.subject,
        issuer: claims.issuer,
        issued_at: claims.issued_at,
        version: claims.version,
    };
    let mut out = [0u8; MAX_SIGNED_ENVELOPE_LEN];
    let n = sealkit::sign(&key, &req, &mut out).map_err(|error| CliError::BadArgument {
        error,
        context: "cannot sign".into(),
    })?;
    let envelope = out.get(..n).unwrap_or_default();
    let stored = match (&args.output, target) {
        (Some(o), _) => {
            std::fs::write(o, envelope).map_err(|e| CliError::write(o, e))?;
            o.display().to_string()
        }
        (None, Target::Layout { dir, .. }) => {
            let d = layout::store_signature(
                dir,
                &image.media_type,
                &image.digest,
                image.bytes.len() as u64,
                envelope,
            )
            .map_err(oci_to_cli)?;
            format!(
                "referrer {d} in {} (tag {})",
                target.display(),
                layout::referrers_tag(&image.digest)
            )
        }
        (None, Target::Registry { .. }) => {
            let Source::Registry(reg) = &image.source else {
                return Err(CliError::Usage("registry target without a registry".into()));
            };
            let d = reg
                .store_signature(
                    &image.media_type,
                    &image.digest,
                    image.bytes.len() as u64,
                    envelope,
                )
                .map_err(oci_to_cli)?;
            format!(
                "referrer {d} in {} (tag {})",
                reg.name(),
                layout::referrers_tag(&image.digest)
            )
        }
        (None, Target::DockerArchive { file, .. }) => {
            let o = with_suffix(file, ".sig");
            std::fs::write(&o, envelope).map_err(|e| CliError::write(&o, e))?;
            o.display().to_string()
        }
    };
    outln!("Signed image {}", target.display());
    outln!("  signature:  {stored}");
    outln!("  key id:     {}", key.public_key().key_id());
    outln!("  subject:    {subject}");
    if let Some(id) = claims.issuer {
        outln!("  identity:   {id}");
    }
    if let Some(v) = claims.version {
        outln!("  version:    {v}");
    }
    outln!(
        "  signed:     {} ({}, {} bytes)",
        image.digest,
        image.media_type,
        image.bytes.len()
    );
    outln!(
        "  blobs:      {} checked, {} bytes",
        report.checked,
        report.bytes
    );
    Ok(())
}

/// Why verification failed.
struct Failed {
    code: u16,
    name: &'static str,
    message: String,
    exit: u8,
    report: Option<Report>,
}

impl From<OciError> for Failed {
    fn from(e: OciError) -> Failed {
        Failed {
            code: e.code.0,
            name: e.code.1,
            message: e.message,
            exit: if e.rejects { EXIT_REJECTED } else { EXIT_USAGE },
            report: None,
        }
    }
}

impl From<CliError> for Failed {
    fn from(e: CliError) -> Failed {
        Failed {
            code: e.code(),
            name: e.name(),
            message: e.to_string(),
            exit: e.exit_status(),
            report: None,
        }
    }
}

struct Success {
    verified: Verified,
    image: Image,
    signature: String,
    report: Report,
    unreferenced: Vec<String>,
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

fn run_verify(args: &VerifyArgs, target: &Target) -> Result<Success, Failed> {
    let policy = build_policy(
        &args.keys,
        args.identity.as_deref(),
        args.subject.as_deref(),
        args.min_version,
    )?;
    let sig_path = match (&args.sig, target) {
        (Some(s), _) => Some(s.clone()),
        (None, Target::DockerArchive { file, .. }) => Some(with_suffix(file, ".sig")),
        (None, Target::Layout { .. } | Target::Registry { .. }) => None,
    };
    let given = match &sig_path {
        Some(p) => Some((p.display().to_string(), read_envelope(p)?)),
        None => None,
    };
    // Which bytes an archive signature covers follows from its (still unverified) content
    // type; the verified content type is compared with the image's below.
    let legacy = given.as_ref().is_some_and(|(_, e)| {
        Envelope::parse(e)
            .is_ok_and(|e| e.unverified_content_type().media_type() == Some(DOCKER_CONFIG))
    });
    let image = resolve(target, legacy)?;
    let mut notes = Vec::new();
    let mut reached = BTreeSet::new();
    let candidates: Vec<(String, Vec<u8>)> = match given {
        Some(g) => vec![g],
        None => {
            let found = match (&image.index, &image.source) {
                (_, Source::Registry(reg)) => reg.find_signatures(&image.digest, &mut notes)?,
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
        return Err(OciError::reject(codes::SIGNATURE_NOT_FOUND, m).into());
    }
    let mut first_error = None;
    let mut chosen = None;
    for (source, env) in &candidates {
        match verify_envelope(env, &policy, &image.bytes) {
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
        let what = if image.legacy_layers.is_some() {
            "image configuration"
        } else {
            "manifest"
        };
        let mut message = format!(
            "{} (signature {source}, {what} {})",
            e.message(),
            image.digest
        );
        if candidates.len() > 1 {
            message.push_str(&format!(
                "; none of the {} signatures verified",
                candidates.len()
            ));
        }
        return Err(Failed {
            code: e.code(),
            name: e.name(),
            message,
            exit: EXIT_REJECTED,
            report: None,
        });
    };
    if verified.content_type().media_type() != Some(image.media_type.as_str()) {
        return Err(OciError::reject(
            codes::MEDIA_TYPE_MISMATCH,
            format!(
                "the signature is for content of type {}, the image is {}",
                crate::output::content_type(verified.content_type()),
                image.media_type
            ),
        )
        .into());
    }
    let mut report = check_content(&image)?;
    if !report.failures.is_empty() {
        let n = report.failures.len();
        let r = std::mem::take(&mut report);
        return Err(Failed {
            code: codes::IMAGE_CONTENT_MISMATCH.0,
            name: codes::IMAGE_CONTENT_MISMATCH.1,
            message: format!(
                "the signature and the manifest verified, but {n} blob(s) do not match it"
            ),
            exit: EXIT_REJECTED,
            report: Some(r),
        });
    }
    let unreferenced = match (&image.source, target) {
        (Source::Dir(d), Target::Layout { .. }) => {
            if args.sig.is_some() {
                // Signatures stored in the layout are part of it even when --sig is used.
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
            layout::unreferenced(&d.dir, &reached)
        }
        _ => Vec::new(),
    };
    Ok(Success {
        verified,
        image,
        signature,
        report,
        unreferenced,
    })
}

/// Runs `sealkit verify` on an image target and prints the verdict; returns the exit code.
pub fn verify(args: &VerifyArgs, target: &Target) -> ExitCode {
    let result = run_verify(args, target);
    if args.json {
        let mut obj = serde_json::Map::new();
        obj.insert("image".into(), json!(target.display()));
        match &result {
            Ok(s) => {
                obj.insert("verified".into(), json!(true));
                obj.insert("error".into(), Value::Null);
                obj.insert("signature".into(), json!(s.signature));
                obj.insert("manifest_digest".into(), json!(s.image.digest.to_string()));
                obj.insert("media_type".into(), json!(s.image.media_type));
                obj.insert("blobs_checked".into(), json!(s.report.checked));
                obj.insert("bytes_checked".into(), json!(s.report.bytes));
                obj.insert("unreferenced_blobs".into(), json!(s.unreferenced));
                obj.extend(verified_json(&s.verified));
            }
            Err(f) => {
                obj.insert("verified".into(), json!(false));
                obj.insert(
                    "error".into(),
                    json!({"code": f.code, "name": f.name, "message": f.message}),
                );
                let failures: Vec<Value> = f
                    .report
                    .iter()
                    .flat_map(|r| r.failures.iter())
                    .map(|x| {
                        json!({"blob": x.role, "digest": x.digest, "code": x.code.0, "name": x.code.1, "message": x.message})
                    })
                    .collect();
                obj.insert("failures".into(), json!(failures));
            }
        }
        outln!("{}", Value::Object(obj));
    } else {
        match &result {
            Ok(s) => {
                outln!(
                    "Verified image {} with signature {}",
                    target.display(),
                    s.signature
                );
                outln!(
                    "  {:<13} {} ({}, {} bytes)",
                    "signed:",
                    s.image.digest,
                    s.image.media_type,
                    s.image.bytes.len()
                );
                outln!(
                    "  {:<13} {} checked, {} bytes re-hashed",
                    "blobs:",
                    s.report.checked,
                    s.report.bytes
                );
                out!("{}", verified_lines(&s.verified, "  "));
                if !s.unreferenced.is_empty() {
                    outln!(
                        "  note: {} blob(s) in the layout belong neither to this image nor to its signatures (not verified): {}",
                        s.unreferenced.len(),
                        s.unreferenced.join(", ")
                    );
                }
            }
            Err(f) if f.exit == EXIT_REJECTED => {
                errln!(
                    "sealkit: REJECTED {}: {} ({}, {})",
                    target.display(),
                    f.message,
                    f.name,
                    f.code
                );
                if let Some(r) = &f.report {
                    errln!("{}", failures_text(r).trim_start_matches('\n'));
                }
            }
            Err(f) => errln!(
                "sealkit: error: {}: {} ({}, {})",
                target.display(),
                f.message,
                f.name,
                f.code
            ),
        }
    }
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(f) => ExitCode::from(f.exit),
    }
}
