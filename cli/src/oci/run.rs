//! `sealkit sign` and `sealkit verify` on image targets: arguments in, verdicts out; the work is
//! `sealkit_artifacts::oci`'s.

use std::process::ExitCode;

use sealkit::{ContentType, HashAlg};
use sealkit_artifacts::oci::{self, ImageVerification, OciError, Report, Target};
use sealkit_artifacts::SignClaims;
use serde_json::{json, Value};

use super::registry;
use crate::commands::sign::{check_claims, issued_at, load_key, Claims, HashArg, SignArgs};
use crate::commands::verify::{read_envelope, VerifyArgs};
use crate::error::{CliError, CliResult, EXIT_REJECTED, EXIT_USAGE};
use crate::output::{verified_json, verified_lines};

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
    let mut image = oci::resolve(target, false, Some(&registry::connect)).map_err(oci_to_cli)?;
    if let Some(p) = &args.platform {
        image = oci::select_platform(image, p).map_err(oci_to_cli)?;
    }
    // Refuse to sign an image whose blobs are already broken.
    let report = image.check_for_signing().map_err(|e| match &e.report {
        Some(r) => CliError::Usage(format!(
            "{}: not signed, {} blob(s) do not match the manifest:{}",
            target.display(),
            r.failures.len(),
            failures_text(r)
        )),
        None => oci_to_cli(e),
    })?;
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
    crate::keyless::refuse(args, "images")?;
    let key = load_key(
        crate::keyless::key_path(args)?,
        args.passphrase_file.as_deref(),
    )?;
    let req = SignClaims {
        alg: claims.alg,
        hash: claims.hash,
        subject: claims.subject,
        issuer: claims.issuer,
        issued_at: claims.issued_at,
        version: claims.version,
    };
    let signed = oci::sign_image(&image, &key, &req).map_err(|error| CliError::BadArgument {
        error,
        context: "cannot sign".into(),
    })?;
    let envelope = signed.envelope.as_slice();
    let stored = match &args.output {
        Some(o) => {
            std::fs::write(o, envelope).map_err(|e| CliError::write(o, e))?;
            o.display().to_string()
        }
        None => match oci::store_signature(target, &image, envelope).map_err(oci_to_cli)? {
            Some(place) => place,
            None => {
                let o = target
                    .default_signature()
                    .ok_or_else(|| CliError::Usage("give the signature file with -o".into()))?;
                std::fs::write(&o, envelope).map_err(|e| CliError::write(&o, e))?;
                o.display().to_string()
            }
        },
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
    if let Some((p, index)) = &image.platform {
        outln!("  platform:   {p} (from image index {index}, which is not signed)");
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
    report: Option<Box<Report>>,
}

impl From<OciError> for Failed {
    fn from(e: OciError) -> Failed {
        Failed {
            code: e.code.0,
            name: e.code.1,
            message: e.message,
            exit: if e.rejects { EXIT_REJECTED } else { EXIT_USAGE },
            report: e.report,
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

fn run_verify(args: &VerifyArgs, target: &Target) -> Result<ImageVerification, Failed> {
    let policy = crate::commands::trust::verify_policy(args)?;
    let sig_path = args.sig.clone().or_else(|| target.default_signature());
    let given = match &sig_path {
        Some(p) => Some((p.display().to_string(), read_envelope(p)?)),
        None => None,
    };
    Ok(oci::verify_image(
        target,
        given,
        &policy,
        args.platform.as_deref(),
        Some(&registry::connect),
    )?)
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
                if let Some((p, index)) = &s.image.platform {
                    obj.insert("platform".into(), json!(p));
                    obj.insert("index_digest".into(), json!(index.to_string()));
                }
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
                if let Some((p, index)) = &s.image.platform {
                    outln!("  {:<13} {p} (from image index {index})", "platform:");
                }
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
