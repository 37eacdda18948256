//! Tree manifests: a signed, canonical list of every path of a directory tree, and a streaming
//! verifier that checks each file's bytes in manifest order with constant memory and no heap.
//!
//! The format is specified in `docs/FORMAT.md`, section "Tree manifests". In short: a tree
//! signature file is the CBOR array `[envelope, manifest]` of two byte strings; the envelope is
//! an ordinary sealkit envelope whose payload is the digest of the manifest bytes and whose
//! media type (259) is [`TREE_MEDIA_TYPE`]; the manifest is
//! `[1, [* exclusion], [* entry]]` with entries in component order.
//!
//! ```
//! # fn demo(sig_file: &[u8], key: sealkit::PublicKey,
//! #         read: &mut dyn FnMut(&str, &mut dyn FnMut(&[u8]) -> Result<(), sealkit::Error>)
//! #             -> Result<(), sealkit::Error>) -> Result<(), sealkit::Error> {
//! use sealkit::{EntryKind, TreeVerifier, TrustPolicy};
//!
//! let mut policy = TrustPolicy::new();
//! policy.trust_key(key)?;
//! // Signature, policy, manifest digest and every manifest rule are checked here.
//! let mut tree = TreeVerifier::from_signature(sig_file, &policy)?;
//! while let Some(entry) = tree.next_entry()? {
//!     if let EntryKind::File { .. } = entry.kind {
//!         read(entry.path, &mut |chunk| tree.update(chunk))?;
//!     }
//! }
//! let verified = tree.finish()?; // every file had its signed size and SHA-256
//! # let _ = verified; Ok(()) }
//! ```

use core::cmp::Ordering;

use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq;

use crate::cbor::Reader;
use crate::envelope::ContentType;
use crate::policy::TrustPolicy;
use crate::verifier::{StreamVerifier, Verified};
use crate::Error;

/// The media type (header 259) of an envelope that signs a tree manifest.
pub const TREE_MEDIA_TYPE: &str = "application/vnd.sealkit.tree+cbor";
/// The only manifest format version.
pub const TREE_MANIFEST_VERSION: u64 = 1;
/// At most this many entries in a manifest.
pub const MAX_TREE_ENTRIES: u64 = 1_000_000;
/// At most this many bytes in a path or a symlink target.
pub const MAX_TREE_PATH_LEN: usize = 1024;
/// At most this many components in a path.
pub const MAX_TREE_DEPTH: usize = 64;
/// At most this many exclusion patterns.
pub const MAX_TREE_EXCLUSIONS: u64 = 64;
/// At most this many bytes in an exclusion pattern.
pub const MAX_TREE_EXCLUSION_LEN: usize = 256;
/// At most this many bytes in a manifest.
pub const MAX_TREE_MANIFEST_LEN: usize = 256 * 1024 * 1024;

const KIND_FILE: u64 = 0;
const KIND_DIR: u64 = 1;
const KIND_SYMLINK: u64 = 2;

/// What a manifest entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryKind<'m> {
    /// A regular file.
    File {
        /// Whether any execute permission bit is set.
        executable: bool,
        /// The exact size in bytes.
        size: u64,
        /// The SHA-256 of its content.
        sha256: [u8; 32],
    },
    /// A directory (listed whether empty or not).
    Directory,
    /// A symbolic link, never followed.
    Symlink {
        /// The link's target text, as stored in the link.
        target: &'m str,
        /// Whether the target lexically leaves the tree (absolute, or too many `..`).
        outside: bool,
    },
}

impl EntryKind<'_> {
    /// `"file"`, `"directory"` or `"symlink"`.
    pub const fn name(&self) -> &'static str {
        match self {
            EntryKind::File { .. } => "file",
            EntryKind::Directory => "directory",
            EntryKind::Symlink { .. } => "symlink",
        }
    }
}

/// One path of the tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TreeEntry<'m> {
    /// The path relative to the tree's root, `/`-separated.
    pub path: &'m str,
    /// What it is.
    pub kind: EntryKind<'m>,
}

/// The manifest order: bytewise over the path's components, which is bytewise over the path
/// with `/` taken as lower than every other byte. A directory is thus followed directly by
/// everything below it.
pub fn compare_paths(a: &str, b: &str) -> Ordering {
    let key = |c: u8| if c == b'/' { 0u8 } else { c };
    a.bytes().map(key).cmp(b.bytes().map(key))
}

/// Checks a manifest path: 1 to [`MAX_TREE_PATH_LEN`] bytes, at most [`MAX_TREE_DEPTH`]
/// components, none empty, `.` or `..`, and no NUL.
pub fn check_tree_path(path: &str) -> Result<(), Error> {
    if path.is_empty() || path.len() > MAX_TREE_PATH_LEN || path.contains('\0') {
        return Err(Error::BadTreePath);
    }
    let mut depth = 0usize;
    for c in path.split('/') {
        if c.is_empty() || c == "." || c == ".." {
            return Err(Error::BadTreePath);
        }
        depth += 1;
    }
    if depth > MAX_TREE_DEPTH {
        return Err(Error::TreeLimitExceeded);
    }
    Ok(())
}

/// The directory holding `path` (`""` for the root).
fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(i) => path.get(..i).unwrap_or(""),
        None => "",
    }
}

fn is_ancestor(dir: &str, path: &str) -> bool {
    path.len() > dir.len() && path.starts_with(dir) && path.as_bytes().get(dir.len()) == Some(&b'/')
}

/// Whether a symlink at `path` with this `target` lexically points outside the tree: an
/// absolute target, or more `..` than the link's depth allows at any point.
pub fn symlink_leaves_tree(path: &str, target: &str) -> bool {
    if target.starts_with('/') {
        return true;
    }
    let p = parent(path);
    let mut level: usize = if p.is_empty() {
        0
    } else {
        p.split('/').count()
    };
    for c in target.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                if level == 0 {
                    return true;
                }
                level -= 1;
            }
            _ => level += 1,
        }
    }
    false
}

fn malformed(_: Error) -> Error {
    Error::TreeManifestMalformed
}

fn flag(r: &mut Reader<'_>) -> Result<bool, Error> {
    match r.uint(Error::TreeManifestMalformed).map_err(malformed)? {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Error::TreeManifestMalformed),
    }
}

/// Reads one entry (no order or parent checks).
fn read_entry<'m>(r: &mut Reader<'m>) -> Result<TreeEntry<'m>, Error> {
    let n = r.array(Error::TreeManifestMalformed).map_err(malformed)?;
    if !matches!(n, 2 | 4 | 5) {
        return Err(Error::TreeManifestMalformed);
    }
    let path = r.text(Error::TreeManifestMalformed).map_err(malformed)?;
    check_tree_path(path)?;
    let kind = r.uint(Error::TreeManifestMalformed).map_err(malformed)?;
    let kind = match (kind, n) {
        (KIND_FILE, 5) => {
            let size = r.uint(Error::TreeManifestMalformed).map_err(malformed)?;
            let digest = r.bytes(Error::TreeManifestMalformed).map_err(malformed)?;
            let sha256: [u8; 32] = digest
                .try_into()
                .map_err(|_| Error::TreeManifestMalformed)?;
            let executable = flag(r)?;
            EntryKind::File {
                executable,
                size,
                sha256,
            }
        }
        (KIND_DIR, 2) => EntryKind::Directory,
        (KIND_SYMLINK, 4) => {
            let target = r.text(Error::TreeManifestMalformed).map_err(malformed)?;
            if target.is_empty() || target.len() > MAX_TREE_PATH_LEN || target.contains('\0') {
                return Err(Error::BadSymlinkTarget);
            }
            let outside = flag(r)?;
            if outside != symlink_leaves_tree(path, target) {
                return Err(Error::BadSymlinkTarget);
            }
            EntryKind::Symlink { target, outside }
        }
        _ => return Err(Error::TreeManifestMalformed),
    };
    Ok(TreeEntry { path, kind })
}

/// A parsed, fully validated tree manifest borrowing its bytes.
#[derive(Clone, Copy, Debug)]
pub struct TreeManifest<'m> {
    bytes: &'m [u8],
    exclusions_start: usize,
    exclusion_count: u64,
    entries_start: usize,
    entry_count: u64,
}

impl<'m> TreeManifest<'m> {
    /// Parses and checks every rule: deterministic CBOR, version, limits, exclusions sorted
    /// and unique, paths valid, strictly in [`compare_paths`] order, every parent directory
    /// listed as a directory, symlink targets and their `outside` flag, no trailing bytes.
    pub fn parse(bytes: &'m [u8]) -> Result<TreeManifest<'m>, Error> {
        if bytes.len() > MAX_TREE_MANIFEST_LEN {
            return Err(Error::TreeLimitExceeded);
        }
        let mut r = Reader::new(bytes);
        if r.array(Error::TreeManifestMalformed).map_err(malformed)? != 3 {
            return Err(Error::TreeManifestMalformed);
        }
        if r.uint(Error::TreeManifestMalformed).map_err(malformed)? != TREE_MANIFEST_VERSION {
            return Err(Error::UnsupportedTreeManifestVersion);
        }
        let exclusion_count = r.array(Error::TreeManifestMalformed).map_err(malformed)?;
        if exclusion_count > MAX_TREE_EXCLUSIONS {
            return Err(Error::TreeLimitExceeded);
        }
        let exclusions_start = r.position();
        let mut last: Option<&str> = None;
        for _ in 0..exclusion_count {
            let p = r.text(Error::TreeManifestMalformed).map_err(malformed)?;
            if p.is_empty() || p.len() > MAX_TREE_EXCLUSION_LEN || p.contains('\0') {
                return Err(Error::BadExclusion);
            }
            if last.is_some_and(|l| l.as_bytes() >= p.as_bytes()) {
                return Err(Error::BadExclusion);
            }
            last = Some(p);
        }
        let entry_count = r.array(Error::TreeManifestMalformed).map_err(malformed)?;
        if entry_count > MAX_TREE_ENTRIES {
            return Err(Error::TreeLimitExceeded);
        }
        let entries_start = r.position();
        // The open directories: each is an ancestor of the entry before.
        let mut stack: [&str; MAX_TREE_DEPTH] = [""; MAX_TREE_DEPTH];
        let mut depth = 0usize;
        let mut prev: Option<&str> = None;
        for _ in 0..entry_count {
            let e = read_entry(&mut r)?;
            if let Some(p) = prev {
                match compare_paths(p, e.path) {
                    Ordering::Less => {}
                    Ordering::Equal => return Err(Error::DuplicateTreePath),
                    Ordering::Greater => return Err(Error::TreeNotSorted),
                }
            }
            prev = Some(e.path);
            while depth > 0 {
                let top = stack.get(depth - 1).copied().unwrap_or("");
                if is_ancestor(top, e.path) {
                    break;
                }
                depth -= 1;
            }
            let top = if depth == 0 {
                ""
            } else {
                stack.get(depth - 1).copied().unwrap_or("")
            };
            if top != parent(e.path) {
                return Err(Error::MissingParentDirectory);
            }
            if e.kind == EntryKind::Directory {
                let slot = stack.get_mut(depth).ok_or(Error::TreeLimitExceeded)?;
                *slot = e.path;
                depth += 1;
            }
        }
        if !r.is_at_end() {
            return Err(Error::TreeManifestMalformed);
        }
        Ok(TreeManifest {
            bytes,
            exclusions_start,
            exclusion_count,
            entries_start,
            entry_count,
        })
    }

    /// The manifest's bytes.
    pub fn as_bytes(&self) -> &'m [u8] {
        self.bytes
    }

    /// How many entries it lists.
    pub fn entry_count(&self) -> u64 {
        self.entry_count
    }

    /// The entries, in manifest order.
    pub fn entries(&self) -> TreeEntries<'m> {
        TreeEntries {
            rest: self.bytes.get(self.entries_start..).unwrap_or_default(),
            left: self.entry_count,
        }
    }

    /// The exclusion patterns, sorted.
    pub fn exclusions(&self) -> TreeExclusions<'m> {
        TreeExclusions {
            rest: self.bytes.get(self.exclusions_start..).unwrap_or_default(),
            left: self.exclusion_count,
        }
    }
}

/// Iterator over a validated manifest's entries.
#[derive(Clone, Debug)]
pub struct TreeEntries<'m> {
    rest: &'m [u8],
    left: u64,
}

impl<'m> Iterator for TreeEntries<'m> {
    type Item = TreeEntry<'m>;
    fn next(&mut self) -> Option<TreeEntry<'m>> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let mut r = Reader::new(self.rest);
        // The manifest was validated by `parse`, so this cannot fail.
        let e = read_entry(&mut r).ok()?;
        self.rest = self.rest.get(r.position()..).unwrap_or_default();
        Some(e)
    }
}

/// Iterator over a validated manifest's exclusion patterns.
#[derive(Clone, Debug)]
pub struct TreeExclusions<'m> {
    rest: &'m [u8],
    left: u64,
}

impl<'m> Iterator for TreeExclusions<'m> {
    type Item = &'m str;
    fn next(&mut self) -> Option<&'m str> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let mut r = Reader::new(self.rest);
        let p = r.text(Error::TreeManifestMalformed).ok()?;
        self.rest = self.rest.get(r.position()..).unwrap_or_default();
        Some(p)
    }
}

/// Splits a tree signature file, the CBOR array `[envelope, manifest]` of two definite byte
/// strings in shortest form with nothing after it, into its two parts.
pub fn split_tree_signature(sig: &[u8]) -> Result<(&[u8], &[u8]), Error> {
    let bad = |_: Error| Error::TreeSignatureMalformed;
    let mut r = Reader::new(sig);
    if r.array(Error::TreeSignatureMalformed).map_err(bad)? != 2 {
        return Err(Error::TreeSignatureMalformed);
    }
    let envelope = r.bytes(Error::TreeSignatureMalformed).map_err(bad)?;
    let manifest = r.bytes(Error::TreeSignatureMalformed).map_err(bad)?;
    if !r.is_at_end() {
        return Err(Error::TreeSignatureMalformed);
    }
    Ok((envelope, manifest))
}

/// Writes the shortest CBOR head of major type `major` with argument `arg`.
fn head<F: FnMut(&[u8])>(major: u8, arg: u64, sink: &mut F) {
    let m = major << 5;
    let b = arg.to_be_bytes();
    match arg {
        0..=23 => sink(&[m | arg as u8]),
        24..=0xff => sink(&[m | 24, arg as u8]),
        0x100..=0xffff => sink(&[m | 25, b[6], b[7]]),
        0x1_0000..=0xffff_ffff => sink(&[m | 26, b[4], b[5], b[6], b[7]]),
        _ => {
            sink(&[m | 27]);
            sink(&b);
        }
    }
}

fn text<F: FnMut(&[u8])>(s: &str, sink: &mut F) {
    head(3, s.len() as u64, sink);
    sink(s.as_bytes());
}

/// Encodes the start of a manifest: version, the exclusions (which must be given sorted
/// bytewise and unique) and the head of the entry array. Entries follow, each written with
/// [`encode_tree_entry`], in [`compare_paths`] order. Nothing is checked here:
/// [`TreeManifest::parse`] checks the result.
pub fn encode_tree_manifest_head<'a, F: FnMut(&[u8])>(
    exclusions: impl ExactSizeIterator<Item = &'a str>,
    entry_count: u64,
    sink: &mut F,
) {
    head(4, 3, sink);
    head(0, TREE_MANIFEST_VERSION, sink);
    head(4, exclusions.len() as u64, sink);
    for p in exclusions {
        text(p, sink);
    }
    head(4, entry_count, sink);
}

/// Encodes one manifest entry.
pub fn encode_tree_entry<F: FnMut(&[u8])>(entry: &TreeEntry<'_>, sink: &mut F) {
    match entry.kind {
        EntryKind::File {
            executable,
            size,
            sha256,
        } => {
            head(4, 5, sink);
            text(entry.path, sink);
            head(0, KIND_FILE, sink);
            head(0, size, sink);
            head(2, 32, sink);
            sink(&sha256);
            head(0, u64::from(executable), sink);
        }
        EntryKind::Directory => {
            head(4, 2, sink);
            text(entry.path, sink);
            head(0, KIND_DIR, sink);
        }
        EntryKind::Symlink { target, outside } => {
            head(4, 4, sink);
            text(entry.path, sink);
            head(0, KIND_SYMLINK, sink);
            text(target, sink);
            head(0, u64::from(outside), sink);
        }
    }
}

/// Encodes the head of a tree signature file and of its envelope byte string; the caller
/// writes the envelope, then [`encode_tree_signature_manifest_head`], then the manifest.
pub fn encode_tree_signature_head<F: FnMut(&[u8])>(envelope_len: usize, sink: &mut F) {
    head(4, 2, sink);
    head(2, envelope_len as u64, sink);
}

/// Encodes the head of the manifest byte string of a tree signature file.
pub fn encode_tree_signature_manifest_head<F: FnMut(&[u8])>(manifest_len: usize, sink: &mut F) {
    head(2, manifest_len as u64, sink);
}

impl core::fmt::Debug for OpenFile {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("OpenFile")
            .field("size", &self.size)
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

/// Checks `envelope` under `policy` (signature and policy rules), that it signs a tree
/// manifest, that `manifest` is exactly the signed bytes, and every manifest rule. The tree's
/// files are **not** checked: the facts returned vouch for the manifest only. Use
/// [`TreeVerifier`] (or compare a directory with every entry) before trusting any file.
pub fn verify_tree_manifest<'m>(
    envelope: &[u8],
    manifest: &'m [u8],
    policy: &TrustPolicy,
) -> Result<(Verified, TreeManifest<'m>), Error> {
    let mut v = StreamVerifier::new(envelope, policy)?;
    v.update(manifest)?;
    let verified = v.finish()?;
    if verified.content_type() != ContentType::MediaType(TREE_MEDIA_TYPE) {
        return Err(Error::NotATreeManifest);
    }
    let manifest = TreeManifest::parse(manifest)?;
    Ok((verified, manifest))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TreePhase {
    Active,
    Finished,
    Failed(Error),
}

/// The file whose bytes are being taken.
#[derive(Clone)]
struct OpenFile {
    size: u64,
    received: u64,
    expected: [u8; 32],
    hasher: Sha256,
}

/// The state of a streaming tree verification, without a borrow of the manifest: the
/// validated manifest's layout, the position of the next entry, the open file's hash state and
/// the verified facts. It owns all its data (fixed size, no heap), so it can live in a
/// caller-allocated C block or a JavaScript object next to the bytes it was opened with.
///
/// [`TreeVerifier`] is this state plus the manifest it borrows; use it when a lifetime is no
/// trouble. Here the caller passes the manifest bytes again to
/// [`next_entry`](TreeVerifierState::next_entry) and
/// [`manifest`](TreeVerifierState::manifest): they must be the very bytes the state was opened
/// with (for [`from_signature`](TreeVerifierState::from_signature), the manifest part given by
/// [`split_tree_signature`]). They are not parsed or hashed again; bytes of another length
/// are refused ([`Error::TreeManifestMalformed`], sticky) and other bytes of the same length
/// give meaningless entries that the files' digests will not match.
#[derive(Clone, Debug)]
pub struct TreeVerifierState {
    verified: Verified,
    manifest_len: usize,
    exclusions_start: usize,
    exclusion_count: u64,
    entries_start: usize,
    entry_count: u64,
    // Offset of the next entry in the manifest, and how many are left.
    next: usize,
    left: u64,
    open: Option<OpenFile>,
    phase: TreePhase,
}

impl TreeVerifierState {
    /// Checks `envelope` under `policy`, then that it signs exactly `manifest`, then the
    /// manifest itself (as [`TreeVerifier::new`]).
    pub fn new(
        envelope: &[u8],
        manifest: &[u8],
        policy: &TrustPolicy,
    ) -> Result<TreeVerifierState, Error> {
        let (verified, m) = verify_tree_manifest(envelope, manifest, policy)?;
        Ok(TreeVerifierState {
            verified,
            manifest_len: m.bytes.len(),
            exclusions_start: m.exclusions_start,
            exclusion_count: m.exclusion_count,
            entries_start: m.entries_start,
            entry_count: m.entry_count,
            next: m.entries_start,
            left: m.entry_count,
            open: None,
            phase: TreePhase::Active,
        })
    }

    /// [`split_tree_signature`] then [`new`](TreeVerifierState::new). Later calls take the
    /// manifest part of `sig` (`split_tree_signature(sig)?.1`).
    pub fn from_signature(sig: &[u8], policy: &TrustPolicy) -> Result<TreeVerifierState, Error> {
        let (envelope, manifest) = split_tree_signature(sig)?;
        TreeVerifierState::new(envelope, manifest, policy)
    }

    /// The validated manifest over `manifest`, the bytes this state was opened with (not
    /// parsed again). Bytes of another length: [`Error::TreeManifestMalformed`].
    pub fn manifest<'m>(&self, manifest: &'m [u8]) -> Result<TreeManifest<'m>, Error> {
        if manifest.len() != self.manifest_len {
            return Err(Error::TreeManifestMalformed);
        }
        Ok(TreeManifest {
            bytes: manifest,
            exclusions_start: self.exclusions_start,
            exclusion_count: self.exclusion_count,
            entries_start: self.entries_start,
            entry_count: self.entry_count,
        })
    }

    /// How many entries the manifest lists.
    pub fn entry_count(&self) -> u64 {
        self.entry_count
    }

    /// How many entries [`next_entry`](TreeVerifierState::next_entry) has not handed out yet.
    pub fn entries_left(&self) -> u64 {
        self.left
    }

    fn check_active(&self) -> Result<(), Error> {
        match self.phase {
            TreePhase::Active => Ok(()),
            TreePhase::Finished => Err(Error::AlreadyFinished),
            TreePhase::Failed(e) => Err(e),
        }
    }

    fn fail(&mut self, e: Error) -> Error {
        self.phase = TreePhase::Failed(e);
        e
    }

    fn close_file(&mut self) -> Result<(), Error> {
        if let Some(f) = self.open.take() {
            if f.received != f.size {
                return Err(self.fail(Error::TreeFileTooShort));
            }
            let digest = f.hasher.finalize();
            if !bool::from(digest.as_slice().ct_eq(&f.expected)) {
                return Err(self.fail(Error::TreeFileDigestMismatch));
            }
        }
        Ok(())
    }

    /// Closes the current file (checking its size and digest) and returns the next entry of
    /// `manifest` (the bytes this state was opened with), or `None` after the last.
    pub fn next_entry<'m>(&mut self, manifest: &'m [u8]) -> Result<Option<TreeEntry<'m>>, Error> {
        self.check_active()?;
        if manifest.len() != self.manifest_len {
            return Err(self.fail(Error::TreeManifestMalformed));
        }
        self.close_file()?;
        if self.left == 0 {
            return Ok(None);
        }
        let mut r = Reader::new(manifest.get(self.next..).unwrap_or_default());
        let e = match read_entry(&mut r) {
            Ok(e) => e,
            // Only for bytes other than the validated ones.
            Err(e) => return Err(self.fail(e)),
        };
        self.next = self.next.saturating_add(r.position());
        self.left -= 1;
        if let EntryKind::File { size, sha256, .. } = e.kind {
            self.open = Some(OpenFile {
                size,
                received: 0,
                expected: sha256,
                hasher: Sha256::new(),
            });
        }
        Ok(Some(e))
    }

    /// Takes the next bytes of the current file; fails as soon as more than its signed size
    /// arrive.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), Error> {
        self.check_active()?;
        let Some(f) = self.open.as_mut() else {
            return Err(self.fail(Error::NoTreeFileOpen));
        };
        let n = chunk.len() as u64;
        if n > f.size - f.received {
            return Err(self.fail(Error::TreeFileTooLong));
        }
        f.hasher.update(chunk);
        f.received += n;
        Ok(())
    }

    /// The current file's signed size and the bytes taken so far, while a file is open.
    pub fn file_progress(&self) -> Option<(u64, u64)> {
        self.open.as_ref().map(|f| (f.size, f.received))
    }

    /// Closes the last file and returns the manifest envelope's verified facts, provided every
    /// entry was visited.
    pub fn finish(&mut self) -> Result<Verified, Error> {
        self.check_active()?;
        self.close_file()?;
        if self.left != 0 {
            return Err(self.fail(Error::TreeEntriesRemaining));
        }
        self.phase = TreePhase::Finished;
        Ok(self.verified.clone())
    }

    /// The first error met, if it has failed.
    pub fn error(&self) -> Option<Error> {
        match self.phase {
            TreePhase::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// Whether [`finish`](TreeVerifierState::finish) succeeded.
    pub fn is_finished(&self) -> bool {
        self.phase == TreePhase::Finished
    }
}

/// Verifies a whole tree with constant memory and no heap: the signed manifest first, then
/// every entry in manifest order and each file's bytes chunk by chunk.
///
/// [`new`](TreeVerifier::new) checks the signature and policy (as
/// [`StreamVerifier::new`] does), that the envelope's media type is [`TREE_MEDIA_TYPE`], the
/// manifest's length and digest against the signed ones, and every manifest rule, before the
/// first entry is handed out. [`next_entry`](TreeVerifier::next_entry) closes the previous
/// file (checking its size and SHA-256) and returns the next entry; for a file, pass its bytes
/// to [`update`](TreeVerifier::update). [`finish`](TreeVerifier::finish) fails unless every
/// entry was visited and every file matched. Errors are sticky.
///
/// It is a [`TreeVerifierState`] and the manifest it borrows.
#[derive(Clone, Debug)]
pub struct TreeVerifier<'m> {
    manifest: TreeManifest<'m>,
    state: TreeVerifierState,
}

impl<'m> TreeVerifier<'m> {
    /// Checks `envelope` under `policy`, then that it signs exactly `manifest`, then the
    /// manifest itself.
    pub fn new(
        envelope: &[u8],
        manifest: &'m [u8],
        policy: &TrustPolicy,
    ) -> Result<TreeVerifier<'m>, Error> {
        let state = TreeVerifierState::new(envelope, manifest, policy)?;
        let manifest = state.manifest(manifest)?;
        Ok(TreeVerifier { manifest, state })
    }

    /// [`split_tree_signature`] then [`new`](TreeVerifier::new).
    pub fn from_signature(sig: &'m [u8], policy: &TrustPolicy) -> Result<TreeVerifier<'m>, Error> {
        let (envelope, manifest) = split_tree_signature(sig)?;
        TreeVerifier::new(envelope, manifest, policy)
    }

    /// The validated manifest (its signature and digest have been checked).
    pub fn manifest(&self) -> &TreeManifest<'m> {
        &self.manifest
    }

    /// Closes the current file (checking its size and digest) and returns the next entry, or
    /// `None` after the last.
    pub fn next_entry(&mut self) -> Result<Option<TreeEntry<'m>>, Error> {
        self.state.next_entry(self.manifest.bytes)
    }

    /// Takes the next bytes of the current file; fails as soon as more than its signed size
    /// arrive.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), Error> {
        self.state.update(chunk)
    }

    /// Closes the last file and returns the manifest envelope's verified facts, provided every
    /// entry was visited.
    pub fn finish(&mut self) -> Result<Verified, Error> {
        self.state.finish()
    }

    /// The first error met, if it has failed.
    pub fn error(&self) -> Option<Error> {
        self.state.error()
    }
}
