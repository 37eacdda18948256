//! Folders: walking a directory into the canonical tree manifest, signing it, and verifying a
//! directory against a tree signature with a report of every difference. The format is in
//! `docs/FORMAT.md`, section "Tree manifests"; the manifest rules and the signature check are
//! the core's ([`sealkit::TreeManifest`], [`sealkit::verify_tree_manifest`]).

mod glob;
mod hash;
mod walk;

use std::io::Read as _;
use std::path::{Path, PathBuf};

use sealkit::{
    compare_paths, encode_tree_entry, encode_tree_manifest_head, encode_tree_signature_head,
    encode_tree_signature_manifest_head, split_tree_signature, symlink_leaves_tree,
    verify_tree_manifest, ContentType, EntryKind, SigningKey, TreeEntry, TreeManifest, TrustPolicy,
    Verified, MAX_ENVELOPE_LEN, MAX_TREE_MANIFEST_LEN, TREE_MEDIA_TYPE,
};

pub use self::glob::Exclusions;
pub use self::hash::{default_jobs, hash_all, Hashed, Job, BUFFER_LEN};
pub use self::walk::{walk, Kind, Node, WalkError};

use crate::{hex, sign_bytes, SignClaims};

/// Stable codes of the tree errors (910 to 913).
pub mod codes {
    /// The tree differs from its manifest.
    pub const TREE_MISMATCH: (u16, &str) = (910, "tree_mismatch");
    /// The tree holds a device, socket or FIFO.
    pub const SPECIAL_FILE: (u16, &str) = (911, "special_file");
    /// The tree holds a name or symlink target that is not UTF-8.
    pub const NOT_UTF8_NAME: (u16, &str) = (912, "not_utf8_name");
    /// The tree is over a manifest limit (entries, depth, path length).
    pub const TREE_TOO_LARGE: (u16, &str) = (913, "tree_too_large");
}

/// Why a tree cannot be signed or verified (a tree that differs is not an error: see
/// [`TreeVerification::differences`]).
#[derive(Debug, thiserror::Error)]
pub enum TreeError {
    /// The directory cannot be described by a manifest (special file, non-UTF-8 name, limit)
    /// or cannot be read while walking.
    #[error(transparent)]
    Walk(#[from] WalkError),
    /// The core refused the signature file, its envelope, the policy or the manifest.
    #[error("{}", .0.message())]
    Rejected(sealkit::Error),
    /// The core refused an argument (the manifest or the claims) while signing.
    #[error("{context}: {}", .error.message())]
    BadArgument {
        /// The core's error.
        error: sealkit::Error,
        /// What was being done.
        context: &'static str,
    },
    /// A file could not be read.
    #[error("cannot read {}: {source}", .path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// Anything else that makes the request unusable (bad exclusion patterns, a file that
    /// changed while it was signed, a manifest over the size limit).
    #[error("{0}")]
    Invalid(String),
}

impl TreeError {
    /// The stable code and name: the core's for [`TreeError::Rejected`] and
    /// [`TreeError::BadArgument`], 911 to 913 or 900 for walks, 900 for I/O, 901 otherwise.
    pub fn code(&self) -> (u16, &'static str) {
        match self {
            TreeError::Walk(w) => w.code(),
            TreeError::Rejected(e) | TreeError::BadArgument { error: e, .. } => {
                (e.code(), e.name())
            }
            TreeError::Io { .. } => crate::IO_ERROR,
            TreeError::Invalid(_) => (901, "usage_error"),
        }
    }

    /// Whether the tree or its signature is unacceptable (rather than unreadable or the
    /// request unusable).
    pub fn is_rejection(&self) -> bool {
        match self {
            TreeError::Walk(w) => w.is_rejection(),
            TreeError::Rejected(_) => true,
            _ => false,
        }
    }
}

/// The manifest bytes of walked nodes, hashing the files on `jobs` threads (0: every core).
pub fn manifest_bytes(
    root: &Path,
    nodes: &[Node],
    exclusions: &Exclusions,
    jobs: usize,
) -> Result<Vec<u8>, TreeError> {
    let files: Vec<Job<'_>> = nodes
        .iter()
        .filter_map(|n| match n.kind {
            Kind::File { id, .. } => Some(Job { path: &n.path, id }),
            _ => None,
        })
        .collect();
    let mut hashed = hash_all(root, &files, workers(jobs)).into_iter();
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
                    .map_err(|source| TreeError::Io {
                        path: root.join(&n.path),
                        source,
                    })?;
                if read != *size {
                    return Err(TreeError::Invalid(format!(
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
        return Err(TreeError::Invalid(format!(
            "the manifest would be larger than {MAX_TREE_MANIFEST_LEN} bytes"
        )));
    }
    Ok(out)
}

fn workers(jobs: usize) -> usize {
    if jobs == 0 {
        default_jobs()
    } else {
        jobs
    }
}

/// A signed tree: the signature file's bytes and what was walked.
#[derive(Debug)]
pub struct SignedTree {
    /// The bytes of the tree signature file `[envelope, manifest]`.
    pub signature: Vec<u8>,
    /// Every entry, in manifest order.
    pub nodes: Vec<Node>,
}

impl SignedTree {
    /// The number of regular files.
    pub fn files(&self) -> usize {
        self.nodes
            .iter()
            .filter(|n| matches!(n.kind, Kind::File { .. }))
            .count()
    }

    /// The total size of the regular files.
    pub fn bytes(&self) -> u64 {
        self.nodes
            .iter()
            .map(|n| match n.kind {
                Kind::File { size, .. } => size,
                _ => 0,
            })
            .sum()
    }

    /// The symlinks that point outside the tree: (path, target).
    pub fn outside_symlinks(&self) -> Vec<(&str, &str)> {
        self.nodes
            .iter()
            .filter_map(|n| match &n.kind {
                Kind::Symlink(t) if symlink_leaves_tree(&n.path, t) => {
                    Some((n.path.as_str(), t.as_str()))
                }
                _ => None,
            })
            .collect()
    }
}

/// The tree signature file `[envelope, manifest]`.
pub fn tree_signature(envelope: &[u8], manifest: &[u8]) -> Vec<u8> {
    let mut file = Vec::with_capacity(manifest.len() + envelope.len() + 16);
    let mut sink = |b: &[u8]| file.extend_from_slice(b);
    encode_tree_signature_head(envelope.len(), &mut sink);
    sink(envelope);
    encode_tree_signature_manifest_head(manifest.len(), &mut sink);
    sink(manifest);
    file
}

/// Walks `root` (skipping `exclusions`), hashes its files on `jobs` threads (0: every core),
/// builds the manifest, checks it with every rule a verifier applies, and signs it.
pub fn sign_tree(
    root: &Path,
    exclusions: &Exclusions,
    key: &SigningKey,
    claims: &SignClaims<'_>,
    jobs: usize,
) -> Result<SignedTree, TreeError> {
    let nodes = walk(root, exclusions)?;
    let manifest = manifest_bytes(root, &nodes, exclusions, jobs)?;
    // The manifest must satisfy every rule a verifier checks.
    TreeManifest::parse(&manifest).map_err(|error| TreeError::BadArgument {
        error,
        context: "the tree cannot be described by a manifest",
    })?;
    let envelope = sign_bytes(
        key,
        claims,
        ContentType::MediaType(TREE_MEDIA_TYPE),
        &manifest,
    )
    .map_err(|error| TreeError::BadArgument {
        error,
        context: "cannot sign",
    })?;
    Ok(SignedTree {
        signature: tree_signature(&envelope, &manifest),
        nodes,
    })
}

/// One difference between the signed manifest and the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The relative path.
    pub path: String,
    /// `added`, `removed`, `modified`, `kind_changed`, `executable_changed` or
    /// `target_changed`.
    pub change: &'static str,
    /// The signed state, where there is one.
    pub expected: Option<String>,
    /// The present state, where there is one.
    pub actual: Option<String>,
}

/// A manifest entry in words, e.g. `executable file, 12 bytes`.
pub fn describe(kind: &EntryKind<'_>) -> String {
    match kind {
        EntryKind::File {
            size, executable, ..
        } => describe_file(*size, *executable),
        EntryKind::Directory => "directory".into(),
        EntryKind::Symlink { target, outside } => describe_symlink(target, *outside),
    }
}

fn describe_file(size: u64, executable: bool) -> String {
    format!(
        "{}file, {size} bytes",
        if executable { "executable " } else { "" }
    )
}

fn describe_symlink(target: &str, outside: bool) -> String {
    format!(
        "symlink to {target}{}",
        if outside { " (outside the tree)" } else { "" }
    )
}

fn describe_node(n: &Node) -> String {
    match &n.kind {
        Kind::File {
            size, executable, ..
        } => describe_file(*size, *executable),
        Kind::Dir => "directory".into(),
        Kind::Symlink(t) => describe_symlink(t, symlink_leaves_tree(&n.path, t)),
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

/// Compares a verified manifest with the walked tree; files of equal size are hashed on
/// `jobs` threads (0: every core). Returns every difference, in manifest order.
pub fn compare(
    root: &Path,
    manifest: &TreeManifest<'_>,
    nodes: &[Node],
    jobs: usize,
) -> Result<Vec<Difference>, TreeError> {
    use std::cmp::Ordering;
    let mut out = Vec::new();
    // Files to hash: (path, expected digest, size, job).
    let mut to_hash: Vec<(&str, [u8; 32], u64, Job<'_>)> = Vec::new();
    let mut entries = manifest.entries().peekable();
    let mut walked = nodes.iter().peekable();
    loop {
        let order = match (entries.peek(), walked.peek()) {
            (None, None) => break,
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (Some(e), Some(n)) => compare_paths(e.path, &n.path),
        };
        match order {
            Ordering::Less => {
                if let Some(e) = entries.next() {
                    out.push(diff(e.path, "removed", Some(describe(&e.kind)), None));
                }
            }
            Ordering::Greater => {
                if let Some(n) = walked.next() {
                    out.push(diff(&n.path, "added", None, Some(describe_node(n))));
                }
            }
            Ordering::Equal => {
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
    let jobs_list: Vec<Job<'_>> = to_hash.iter().map(|(_, _, _, j)| *j).collect();
    let results = hash_all(root, &jobs_list, workers(jobs));
    for ((path, expected, size, _), r) in to_hash.iter().zip(results) {
        let (read, digest) = r.map_err(|source| TreeError::Io {
            path: root.join(path),
            source,
        })?;
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

/// The largest tree signature file read: the largest manifest and envelope and their framing.
pub const MAX_TREE_SIGNATURE_LEN: u64 = (MAX_TREE_MANIFEST_LEN + MAX_ENVELOPE_LEN + 32) as u64;

/// Reads a tree signature file, at most [`MAX_TREE_SIGNATURE_LEN`] bytes of it (a longer file
/// is then refused by the core as malformed).
pub fn read_signature_file(path: &Path) -> Result<Vec<u8>, TreeError> {
    let mut buf = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_TREE_SIGNATURE_LEN).read_to_end(&mut buf))
        .map_err(|source| TreeError::Io {
            path: path.to_path_buf(),
            source,
        })?;
    Ok(buf)
}

/// What verifying a directory found: the signature and manifest verified; the directory is
/// the signed tree when `differences` is empty.
#[derive(Debug)]
pub struct TreeVerification {
    /// The verified facts of the manifest's envelope.
    pub facts: Verified,
    /// The signed exclusion patterns.
    pub exclusions: Vec<String>,
    /// The number of manifest entries.
    pub entries: u64,
    /// The symlinks recorded as pointing outside the tree: (path, target).
    pub outside_symlinks: Vec<(String, String)>,
    /// Every difference, in manifest order.
    pub differences: Vec<Difference>,
}

impl TreeVerification {
    /// Whether the directory is exactly the signed tree.
    pub fn ok(&self) -> bool {
        self.differences.is_empty()
    }
}

/// Verifies the directory `root` against the tree signature file `sig` under `policy`: the
/// core checks the signature file, the envelope, the policy and the manifest; then the
/// directory is walked with the signed exclusions and compared, hashing on `jobs` threads (0:
/// every core). A directory that differs is an `Ok` with differences.
pub fn verify_tree(
    root: &Path,
    sig: &[u8],
    policy: &TrustPolicy,
    jobs: usize,
) -> Result<TreeVerification, TreeError> {
    let (envelope, manifest_bytes) = split_tree_signature(sig).map_err(TreeError::Rejected)?;
    let (facts, manifest) =
        verify_tree_manifest(envelope, manifest_bytes, policy).map_err(TreeError::Rejected)?;
    let patterns: Vec<String> = manifest.exclusions().map(String::from).collect();
    let exclusions = Exclusions::new(patterns.iter().cloned()).map_err(TreeError::Invalid)?;
    let nodes = walk(root, &exclusions)?;
    let differences = compare(root, &manifest, &nodes, jobs)?;
    let outside_symlinks = manifest
        .entries()
        .filter_map(|e| match e.kind {
            EntryKind::Symlink {
                target,
                outside: true,
            } => Some((e.path.to_string(), target.to_string())),
            _ => None,
        })
        .collect();
    Ok(TreeVerification {
        facts,
        exclusions: patterns,
        entries: manifest.entry_count(),
        outside_symlinks,
        differences,
    })
}

/// What a tree signature file claims, read without verifying anything: its envelope (still
/// unverified) and a summary of its manifest.
#[derive(Debug)]
pub struct TreeSignatureSummary<'a> {
    /// The envelope, parsed but not verified.
    pub envelope: sealkit::Envelope<'a>,
    /// The envelope's size in bytes.
    pub envelope_len: usize,
    /// The manifest's size in bytes.
    pub manifest_len: usize,
    /// Whether the manifest's digest and length are those the envelope claims.
    pub manifest_matches_envelope: bool,
    /// Manifest entries.
    pub entries: u64,
    /// Regular files among them.
    pub files: u64,
    /// Executable files among them.
    pub executables: u64,
    /// Directories among them.
    pub directories: u64,
    /// Symlinks among them.
    pub symlinks: u64,
    /// Symlinks recorded as pointing outside the tree.
    pub outside_symlinks: u64,
    /// The total size of the files.
    pub total_size: u64,
    /// The signed exclusion patterns.
    pub exclusions: Vec<&'a str>,
}

/// Reads a tree signature file without verifying it: the core splits it, parses the envelope
/// and checks every manifest rule (a malformed file is the core's error); the signature, the
/// policy and the directory are not checked.
pub fn inspect_signature(sig: &[u8]) -> Result<TreeSignatureSummary<'_>, sealkit::Error> {
    let (envelope_bytes, manifest_bytes) = split_tree_signature(sig)?;
    let envelope = sealkit::Envelope::parse(envelope_bytes)?;
    let manifest = TreeManifest::parse(manifest_bytes)?;
    let mut hasher = sealkit::ArtifactHasher::new(envelope.unverified_hash_alg());
    hasher.update(manifest_bytes);
    let digest = hasher.finalize();
    let manifest_matches_envelope = digest.as_bytes() == envelope.unverified_digest()
        && envelope.unverified_length() == manifest_bytes.len() as u64;
    let mut s = TreeSignatureSummary {
        envelope,
        envelope_len: envelope_bytes.len(),
        manifest_len: manifest_bytes.len(),
        manifest_matches_envelope,
        entries: manifest.entry_count(),
        files: 0,
        executables: 0,
        directories: 0,
        symlinks: 0,
        outside_symlinks: 0,
        total_size: 0,
        exclusions: manifest.exclusions().collect(),
    };
    for e in manifest.entries() {
        match e.kind {
            EntryKind::File {
                size, executable, ..
            } => {
                s.files += 1;
                s.executables += u64::from(executable);
                s.total_size = s.total_size.saturating_add(size);
            }
            EntryKind::Directory => s.directories += 1,
            EntryKind::Symlink { outside, .. } => {
                s.symlinks += 1;
                s.outside_symlinks += u64::from(outside);
            }
        }
    }
    Ok(s)
}

/// Whether `bytes` begin like a tree signature file (a CBOR array of two items) rather than
/// an envelope (tag 18): enough to choose how to show a file, never to trust it.
pub fn looks_like_tree_signature(bytes: &[u8]) -> bool {
    bytes.first() == Some(&0x82)
}
