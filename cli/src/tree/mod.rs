//! Folders: `sealkit sign DIR` writes a tree signature (envelope + canonical manifest) and
//! `sealkit verify DIR` re-walks the directory and reports every difference. Walking, hashing,
//! signing and comparing are `sealkit_artifacts::tree`'s; this module parses the arguments and
//! renders the results. The format is in docs/FORMAT.md, section "Tree manifests".

pub mod inspect;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sealkit::{ContentType, TREE_MEDIA_TYPE};
use sealkit_artifacts::tree::{
    self as artifacts_tree, codes, Exclusions, TreeError, TreeVerification,
};
use sealkit_artifacts::SignClaims;
use serde_json::{json, Map, Value};

use crate::commands::sign::{check_claims, issued_at, load_key, Claims, SignArgs};
use crate::commands::verify::VerifyArgs;
use crate::error::{CliError, CliResult, EXIT_REJECTED, EXIT_USAGE};
use crate::output::{printable, size, verified_json, verified_lines};
use crate::read::with_suffix;

/// The tree differs from its manifest.
pub const TREE_MISMATCH: (u16, &str) = codes::TREE_MISMATCH;

/// Whether a `sign`/`verify` argument names a directory (then this module handles it).
pub fn is_tree_target(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_dir())
}

/// The CLI error for a tree error while signing.
fn sign_error(e: TreeError) -> CliError {
    match e {
        TreeError::Walk(artifacts_tree::WalkError::Io(p, source))
        | TreeError::Io { path: p, source } => CliError::read(&p, source),
        TreeError::BadArgument { error, context } => CliError::BadArgument {
            error,
            context: context.into(),
        },
        TreeError::Rejected(error) => CliError::BadArgument {
            error,
            context: "cannot sign".into(),
        },
        other => CliError::Usage(other.to_string()),
    }
}

/// The default signature path: `DIR.sig` beside the directory (for `.` or `..`, beside the
/// directory they name).
fn default_sig(dir: &Path) -> PathBuf {
    let trimmed = dir
        .to_str()
        .map(|s| s.trim_end_matches('/'))
        .filter(|s| !s.is_empty())
        .map_or_else(|| dir.to_path_buf(), PathBuf::from);
    if trimmed.file_name().is_some() {
        return with_suffix(&trimmed, ".sig");
    }
    match std::fs::canonicalize(dir) {
        Ok(abs) if abs.file_name().is_some() => with_suffix(&abs, ".sig"),
        _ => with_suffix(&trimmed, ".sig"),
    }
}

/// Refuses an output path inside the tree (it would sign or reject itself).
fn check_output_outside(root: &Path, output: &Path) -> CliResult<()> {
    let root = std::fs::canonicalize(root).map_err(|e| CliError::read(root, e))?;
    let parent = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if let Ok(parent) = std::fs::canonicalize(&parent) {
        if parent.starts_with(&root) {
            return Err(CliError::Usage(format!(
                "the signature {} would be inside the tree {}; write it elsewhere with -o",
                output.display(),
                root.display()
            )));
        }
    }
    Ok(())
}

/// Runs `sealkit sign DIR`.
pub fn sign(args: &SignArgs) -> CliResult<()> {
    let root = args.file.as_path();
    if !is_tree_target(root) {
        return Err(CliError::Usage(
            "--exclude applies only when signing a directory".into(),
        ));
    }
    let exclusions = Exclusions::new(args.exclude.iter().cloned()).map_err(CliError::Usage)?;
    let output = args.output.clone().unwrap_or_else(|| default_sig(root));
    check_output_outside(root, &output)?;
    let subject = match &args.subject {
        Some(s) => s.clone(),
        None => std::fs::canonicalize(root)
            .ok()
            .and_then(|p| p.file_name().and_then(|n| n.to_str()).map(String::from))
            .ok_or_else(|| {
                CliError::Usage(format!(
                    "{} has no UTF-8 name to use as the subject; use --subject",
                    root.display()
                ))
            })?,
    };
    let claims = Claims {
        alg: args.cose_alg.alg(),
        hash: args.hash.alg(),
        content_type: ContentType::MediaType(TREE_MEDIA_TYPE),
        subject: &subject,
        issuer: args.identity.as_deref(),
        issued_at: issued_at(args.issued_at)?,
        version: args.release_version,
    };
    check_claims(&claims)?;
    crate::keyless::refuse(args, "folders")?;
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
    let signed = artifacts_tree::sign_tree(root, &exclusions, &key, &req, 0).map_err(sign_error)?;
    std::fs::write(&output, &signed.signature).map_err(|e| CliError::write(&output, e))?;

    outln!("Signed directory {}", root.display());
    outln!("  signature:  {}", output.display());
    outln!("  key id:     {}", key.public_key().key_id());
    outln!("  subject:    {subject}");
    if let Some(id) = claims.issuer {
        outln!("  identity:   {id}");
    }
    if let Some(v) = claims.version {
        outln!("  version:    {v}");
    }
    outln!(
        "  entries:    {} ({} files, {})",
        signed.nodes.len(),
        signed.files(),
        size(signed.bytes())
    );
    for p in exclusions.patterns() {
        outln!("  excluded:   {}", printable(p));
    }
    for (p, t) in signed.outside_symlinks() {
        outln!(
            "  note:       symlink {} -> {} points outside the tree (recorded, not followed)",
            printable(p),
            printable(t)
        );
    }
    Ok(())
}

/// A failure before a full comparison: (code, name, message, exit status).
struct Failure {
    code: u16,
    name: &'static str,
    message: String,
    status: u8,
}

impl From<CliError> for Failure {
    fn from(e: CliError) -> Failure {
        Failure {
            code: e.code(),
            name: e.name(),
            message: e.to_string(),
            status: e.exit_status(),
        }
    }
}

/// What verification found.
enum Outcome {
    /// Signature, manifest and every path verified.
    Verified {
        facts: Box<sealkit::Verified>,
        entries: u64,
        outside: Vec<(String, String)>,
    },
    /// Signature and manifest verified, the tree differs.
    Differs(Vec<artifacts_tree::Difference>),
}

impl From<TreeVerification> for Outcome {
    fn from(v: TreeVerification) -> Outcome {
        if v.ok() {
            Outcome::Verified {
                facts: Box::new(v.facts),
                entries: v.entries,
                outside: v.outside_symlinks,
            }
        } else {
            Outcome::Differs(v.differences)
        }
    }
}

fn run_verify(args: &VerifyArgs, sig_path: &Path) -> Result<Outcome, Failure> {
    let root = args.file.as_path();
    let policy = crate::commands::trust::verify_policy(args)?;
    let sig =
        artifacts_tree::read_signature_file(sig_path).map_err(|e| Failure::from(io_or_usage(e)))?;
    let verification =
        artifacts_tree::verify_tree(root, &sig, &policy, 0).map_err(|e| match e {
            TreeError::Rejected(error) => Failure::from(CliError::Rejected {
                error,
                context: format!("{} with signature {}", root.display(), sig_path.display()),
                detail: String::new(),
            }),
            TreeError::Walk(w) => {
                let (code, name) = w.code();
                Failure {
                    code,
                    name,
                    message: format!("{}: {w}", root.display()),
                    status: if w.is_rejection() {
                        EXIT_REJECTED
                    } else {
                        EXIT_USAGE
                    },
                }
            }
            other => Failure::from(io_or_usage(other)),
        })?;
    Ok(verification.into())
}

/// The CLI error of a tree error that is neither a rejection nor a walk problem.
fn io_or_usage(e: TreeError) -> CliError {
    match e {
        TreeError::Io { path, source } => CliError::read(&path, source),
        TreeError::BadArgument { error, context } => CliError::BadArgument {
            error,
            context: context.into(),
        },
        other => CliError::Usage(other.to_string()),
    }
}

/// Runs `sealkit verify DIR`; prints every difference; returns the exit code.
pub fn verify(args: &VerifyArgs) -> ExitCode {
    let sig_path = args.sig.clone().unwrap_or_else(|| default_sig(&args.file));
    let dir = args.file.display().to_string();
    let sig_name = sig_path.display().to_string();
    let result = run_verify(args, &sig_path);
    let status = match &result {
        Ok(Outcome::Verified { .. }) => 0,
        Ok(Outcome::Differs(_)) => EXIT_REJECTED,
        Err(f) => f.status,
    };
    if args.json {
        let mut obj = Map::new();
        match &result {
            Ok(Outcome::Verified {
                facts,
                entries,
                outside,
            }) => {
                obj.insert("verified".into(), json!(true));
                obj.insert("error".into(), Value::Null);
                obj.insert("directory".into(), json!(dir));
                obj.insert("signature".into(), json!(sig_name));
                obj.insert("entries".into(), json!(entries));
                obj.insert(
                    "outside_symlinks".into(),
                    json!(outside
                        .iter()
                        .map(|(p, t)| json!({"path": p, "target": t}))
                        .collect::<Vec<_>>()),
                );
                obj.insert("differences".into(), json!([]));
                obj.extend(verified_json(facts));
            }
            Ok(Outcome::Differs(diffs)) => {
                obj.insert("verified".into(), json!(false));
                obj.insert(
                    "error".into(),
                    json!({
                        "code": TREE_MISMATCH.0,
                        "name": TREE_MISMATCH.1,
                        "message": format!("{dir} differs from its signed manifest: {} difference(s)", diffs.len()),
                    }),
                );
                obj.insert("directory".into(), json!(dir));
                obj.insert("signature".into(), json!(sig_name));
                obj.insert(
                    "differences".into(),
                    json!(diffs
                        .iter()
                        .map(|d| json!({
                            "path": d.path,
                            "change": d.change,
                            "expected": d.expected,
                            "actual": d.actual,
                        }))
                        .collect::<Vec<_>>()),
                );
            }
            Err(f) => {
                obj.insert("verified".into(), json!(false));
                obj.insert(
                    "error".into(),
                    json!({"code": f.code, "name": f.name, "message": f.message}),
                );
            }
        }
        outln!("{}", Value::Object(obj));
    } else {
        match &result {
            Ok(Outcome::Verified {
                facts,
                entries,
                outside,
            }) => {
                outln!("Verified directory {dir} with signature {sig_name}");
                out!("{}", verified_lines(facts, "  "));
                outln!("  entries:      {entries}");
                for (p, t) in outside {
                    outln!(
                        "  note:         symlink {} -> {} points outside the tree (not followed)",
                        printable(p),
                        printable(t)
                    );
                }
            }
            Ok(Outcome::Differs(diffs)) => {
                for d in diffs {
                    let detail = match (&d.expected, &d.actual) {
                        (Some(e), Some(a)) => {
                            format!(" (signed: {}, now: {})", printable(e), printable(a))
                        }
                        (Some(e), None) => format!(" (signed: {})", printable(e)),
                        (None, Some(a)) => format!(" (now: {})", printable(a)),
                        (None, None) => String::new(),
                    };
                    outln!("{:<18} {}{detail}", d.change, printable(&d.path));
                }
                errln!(
                    "sealkit: REJECTED {dir} with signature {sig_name}: the directory differs from its signed manifest ({} difference(s))",
                    diffs.len()
                );
            }
            Err(f) if f.status == EXIT_REJECTED => errln!("sealkit: REJECTED {}", f.message),
            Err(f) => errln!("sealkit: error: {}", f.message),
        }
    }
    ExitCode::from(status)
}
