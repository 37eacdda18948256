//! Folders: `sealkit sign DIR` writes a tree signature (envelope + canonical manifest) and
//! `sealkit verify DIR` re-walks the directory and reports every difference.
//! The format is in docs/FORMAT.md, section "Tree manifests".

mod glob;
mod hash;
mod walk;

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sealkit::{
    compare_paths, encode_tree_entry, encode_tree_manifest_head, encode_tree_signature_head,
    encode_tree_signature_manifest_head, split_tree_signature, symlink_leaves_tree,
    verify_tree_manifest, ArtifactHasher, ContentType, EntryKind, SignRequest, TreeEntry,
    TreeManifest, Verified, MAX_ENVELOPE_LEN, MAX_SIGNED_ENVELOPE_LEN, MAX_TREE_MANIFEST_LEN,
    TREE_MEDIA_TYPE,
};
use serde_json::{json, Map, Value};

use crate::commands::sign::{check_claims, issued_at, load_key, Claims, SignArgs};
use crate::commands::verify::{build_policy, VerifyArgs};
use crate::error::{CliError, CliResult, EXIT_REJECTED, EXIT_USAGE};
use crate::output::{hex, printable, size, verified_json, verified_lines};
use crate::read::with_suffix;

use self::glob::Exclusions;
use self::hash::{default_jobs, hash_all, Job};
use self::walk::{walk, Kind, Node, WalkError};

/// The tree differs from its manifest.
pub const TREE_MISMATCH: (u16, &str) = (910, "tree_mismatch");
/// The tree holds a device, socket or FIFO.
pub const SPECIAL_FILE: (u16, &str) = (911, "special_file");
/// The tree holds a name or symlink target that is not UTF-8.
pub const NOT_UTF8_NAME: (u16, &str) = (912, "not_utf8_name");
/// The tree is over a manifest limit (entries, depth, path length).
pub const TREE_TOO_LARGE: (u16, &str) = (913, "tree_too_large");

/// Whether a `sign`/`verify` argument names a directory (then this module handles it).
pub fn is_tree_target(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_dir())
}

fn walk_error(e: WalkError) -> CliError {
    match e {
        WalkError::Io(p, source) => CliError::read(&p, source),
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

/// The manifest entries of walked nodes, hashing the files in parallel.
fn manifest_bytes(root: &Path, nodes: &[Node], exclusions: &Exclusions) -> CliResult<Vec<u8>> {
    let jobs: Vec<Job<'_>> = nodes
        .iter()
        .filter_map(|n| match n.kind {
            Kind::File { id, .. } => Some(Job { path: &n.path, id }),
            _ => None,
        })
        .collect();
    let mut hashed = hash_all(root, &jobs, default_jobs()).into_iter();
    let mut out = Vec::new();
    let mut sink = |b: &[u8]| out.extend_from_slice(b);
    encode_tree_manifest_head(exclusions.patterns(), nodes.len() as u64, &mut sink);
    for n in nodes {
        let kind = match &n.kind {
            Kind::File {
                size, executable, ..
            } => {
                let (read, sha256) = hashed
                    .next()
                    .unwrap_or_else(|| Err(std::io::Error::other("not hashed")))
                    .map_err(|e| CliError::read(&root.join(&n.path), e))?;
                if read != *size {
                    return Err(CliError::Usage(format!(
                        "{} changed while it was being signed",
                        n.path
                    )));
                }
                EntryKind::File {
                    executable: *executable,
                    size: *size,
                    sha256,
                }
            }
            Kind::Dir => EntryKind::Directory,
            Kind::Symlink(t) => EntryKind::Symlink {
                target: t,
                outside: symlink_leaves_tree(&n.path, t),
            },
        };
        encode_tree_entry(
            &TreeEntry {
                path: &n.path,
                kind,
            },
            &mut sink,
        );
    }
    if out.len() > MAX_TREE_MANIFEST_LEN {
        return Err(CliError::Usage(format!(
            "the manifest would be larger than {MAX_TREE_MANIFEST_LEN} bytes"
        )));
    }
    Ok(out)
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
    let key = load_key(&args.key, args.passphrase_file.as_deref())?;

    let nodes = walk(root, &exclusions).map_err(walk_error)?;
    let manifest = manifest_bytes(root, &nodes, &exclusions)?;
    // The manifest must satisfy every rule a verifier checks.
    TreeManifest::parse(&manifest).map_err(|error| CliError::BadArgument {
        error,
        context: "the tree cannot be described by a manifest".into(),
    })?;
    let mut hasher = ArtifactHasher::new(claims.hash);
    hasher.update(&manifest);
    let req = SignRequest {
        alg: claims.alg,
        digest: hasher.finalize(),
        length: manifest.len() as u64,
        content_type: claims.content_type,
        subject: claims.subject,
        issuer: claims.issuer,
        issued_at: claims.issued_at,
        version: claims.version,
    };
    let mut env = [0u8; MAX_SIGNED_ENVELOPE_LEN];
    let n = sealkit::sign(&key, &req, &mut env).map_err(|error| CliError::BadArgument {
        error,
        context: "cannot sign".into(),
    })?;
    let envelope = env.get(..n).unwrap_or_default();
    let mut file = Vec::with_capacity(manifest.len() + n + 16);
    let mut sink = |b: &[u8]| file.extend_from_slice(b);
    encode_tree_signature_head(envelope.len(), &mut sink);
    sink(envelope);
    encode_tree_signature_manifest_head(manifest.len(), &mut sink);
    sink(&manifest);
    std::fs::write(&output, &file).map_err(|e| CliError::write(&output, e))?;

    let files = nodes
        .iter()
        .filter(|n| matches!(n.kind, Kind::File { .. }))
        .count();
    let bytes: u64 = nodes
        .iter()
        .map(|n| match n.kind {
            Kind::File { size, .. } => size,
            _ => 0,
        })
        .sum();
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
        "  entries:    {} ({files} files, {})",
        nodes.len(),
        size(bytes)
    );
    for p in exclusions.patterns() {
        outln!("  excluded:   {}", printable(p));
    }
    for n in &nodes {
        if let Kind::Symlink(t) = &n.kind {
            if symlink_leaves_tree(&n.path, t) {
                outln!(
                    "  note:       symlink {} -> {} points outside the tree (recorded, not followed)",
                    printable(&n.path),
                    printable(t)
                );
            }
        }
    }
    Ok(())
}

/// One difference between the signed manifest and the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    path: String,
    change: &'static str,
    expected: Option<String>,
    actual: Option<String>,
}

fn describe(kind: &EntryKind<'_>) -> String {
    match kind {
        EntryKind::File {
            size, executable, ..
        } => format!(
            "{}file, {size} bytes",
            if *executable { "executable " } else { "" }
        ),
        EntryKind::Directory => "directory".into(),
        EntryKind::Symlink { target, outside } => format!(
            "symlink to {target}{}",
            if *outside { " (outside the tree)" } else { "" }
        ),
    }
}

fn describe_node(n: &Node) -> String {
    match &n.kind {
        Kind::File {
            size, executable, ..
        } => format!(
            "{}file, {size} bytes",
            if *executable { "executable " } else { "" }
        ),
        Kind::Dir => "directory".into(),
        Kind::Symlink(t) => format!(
            "symlink to {t}{}",
            if symlink_leaves_tree(&n.path, t) {
                " (outside the tree)"
            } else {
                ""
            }
        ),
    }
}

fn diff(
    p: &str,
    change: &'static str,
    expected: Option<String>,
    actual: Option<String>,
) -> Difference {
    Difference {
        path: p.to_string(),
        change,
        expected,
        actual,
    }
}

/// Compares the manifest with the walked tree; files of equal size are hashed in parallel.
fn compare(root: &Path, manifest: &TreeManifest<'_>, nodes: &[Node]) -> CliResult<Vec<Difference>> {
    let mut out = Vec::new();
    // Files to hash: (path, expected digest, job).
    let mut to_hash: Vec<(&str, [u8; 32], u64, Job<'_>)> = Vec::new();
    let mut entries = manifest.entries().peekable();
    let mut walked = nodes.iter().peekable();
    loop {
        let order = match (entries.peek(), walked.peek()) {
            (None, None) => break,
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(e), Some(n)) => compare_paths(e.path, &n.path),
        };
        match order {
            std::cmp::Ordering::Less => {
                if let Some(e) = entries.next() {
                    out.push(diff(e.path, "removed", Some(describe(&e.kind)), None));
                }
            }
            std::cmp::Ordering::Greater => {
                if let Some(n) = walked.next() {
                    out.push(diff(&n.path, "added", None, Some(describe_node(n))));
                }
            }
            std::cmp::Ordering::Equal => {
                let (Some(e), Some(n)) = (entries.next(), walked.next()) else {
                    break;
                };
                match (&e.kind, &n.kind) {
                    (
                        EntryKind::File {
                            executable,
                            size,
                            sha256,
                        },
                        Kind::File {
                            size: actual_size,
                            executable: actual_exec,
                            id,
                        },
                    ) => {
                        if executable != actual_exec {
                            out.push(diff(
                                e.path,
                                "executable_changed",
                                Some(executable.to_string()),
                                Some(actual_exec.to_string()),
                            ));
                        }
                        if size != actual_size {
                            out.push(diff(
                                e.path,
                                "modified",
                                Some(format!("{size} bytes")),
                                Some(format!("{actual_size} bytes")),
                            ));
                        } else {
                            to_hash.push((
                                e.path,
                                *sha256,
                                *size,
                                Job {
                                    path: &n.path,
                                    id: *id,
                                },
                            ));
                        }
                    }
                    (EntryKind::Directory, Kind::Dir) => {}
                    (EntryKind::Symlink { target, .. }, Kind::Symlink(actual)) => {
                        if target != actual {
                            out.push(diff(
                                e.path,
                                "target_changed",
                                Some((*target).to_string()),
                                Some(actual.clone()),
                            ));
                        }
                    }
                    _ => out.push(diff(
                        e.path,
                        "kind_changed",
                        Some(describe(&e.kind)),
                        Some(describe_node(n)),
                    )),
                }
            }
        }
    }
    let jobs: Vec<Job<'_>> = to_hash.iter().map(|(_, _, _, j)| *j).collect();
    let results = hash_all(root, &jobs, default_jobs());
    for ((path, expected, size, _), r) in to_hash.iter().zip(results) {
        let (read, digest) = r.map_err(|e| CliError::read(&root.join(path), e))?;
        if read != *size || digest != *expected {
            out.push(diff(
                path,
                "modified",
                Some(format!("sha256:{}", hex(expected))),
                Some(format!("sha256:{}", hex(&digest))),
            ));
        }
    }
    out.sort_by(|a, b| compare_paths(&a.path, &b.path).then(a.change.cmp(b.change)));
    Ok(out)
}

/// What verification found.
enum Outcome {
    /// Signature, manifest and every path verified.
    Verified {
        facts: Box<Verified>,
        entries: u64,
        outside: Vec<(String, String)>,
    },
    /// Signature and manifest verified, the tree differs.
    Differs(Vec<Difference>),
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

fn read_sig(path: &Path) -> CliResult<Vec<u8>> {
    let limit = (MAX_TREE_MANIFEST_LEN + MAX_ENVELOPE_LEN + 32) as u64;
    let mut buf = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(limit).read_to_end(&mut buf))
        .map_err(|e| CliError::read(path, e))?;
    Ok(buf)
}

fn run_verify(args: &VerifyArgs, sig_path: &Path) -> Result<Outcome, Failure> {
    let root = args.file.as_path();
    let policy = build_policy(
        &args.keys,
        args.identity.as_deref(),
        args.subject.as_deref(),
        args.min_version,
    )?;
    let sig = read_sig(sig_path)?;
    let context = format!("{} with signature {}", root.display(), sig_path.display());
    let rejected = |error: sealkit::Error| {
        Failure::from(CliError::Rejected {
            error,
            context: context.clone(),
            detail: String::new(),
        })
    };
    let (envelope, manifest_bytes) = split_tree_signature(&sig).map_err(rejected)?;
    let (facts, manifest) =
        verify_tree_manifest(envelope, manifest_bytes, &policy).map_err(rejected)?;
    let patterns: Vec<String> = manifest.exclusions().map(String::from).collect();
    let exclusions = Exclusions::new(patterns).map_err(|m| Failure::from(CliError::Usage(m)))?;
    let nodes = walk(root, &exclusions).map_err(|e| {
        let (code, name) = e.code();
        Failure {
            code,
            name,
            message: format!("{}: {e}", root.display()),
            status: if e.is_rejection() {
                EXIT_REJECTED
            } else {
                EXIT_USAGE
            },
        }
    })?;
    let diffs = compare(root, &manifest, &nodes)?;
    if !diffs.is_empty() {
        return Ok(Outcome::Differs(diffs));
    }
    let outside = manifest
        .entries()
        .filter_map(|e| match e.kind {
            EntryKind::Symlink {
                target,
                outside: true,
            } => Some((e.path.to_string(), target.to_string())),
            _ => None,
        })
        .collect();
    Ok(Outcome::Verified {
        facts: Box::new(facts),
        entries: manifest.entry_count(),
        outside,
    })
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
