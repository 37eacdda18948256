//! Hashing many files in parallel with a fixed buffer per worker.

use std::fs::File;
use std::io::{self, Read as _};
use std::os::unix::fs::MetadataExt as _;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use sealkit::{ArtifactHasher, HashAlg};

/// Bytes read at a time by each worker.
pub const BUFFER_LEN: usize = 256 * 1024;

/// A file to hash: its relative path and the (device, inode) seen by the walk.
#[derive(Debug, Clone, Copy)]
pub struct Job<'a> {
    /// Relative path.
    pub path: &'a str,
    /// Device and inode from `lstat`.
    pub id: (u64, u64),
}

/// Size actually read and SHA-256 of a file.
pub type Hashed = io::Result<(u64, [u8; 32])>;

fn hash_one(root: &Path, job: &Job<'_>, buf: &mut [u8]) -> Hashed {
    let path = root.join(job.path);
    let mut file = File::open(&path)?;
    // The walk saw a regular file here; if it was swapped (for a symlink, say) in between, the
    // opened file is another inode: refuse rather than read through.
    let meta = file.metadata()?;
    if !meta.is_file() || (meta.dev(), meta.ino()) != job.id {
        return Err(io::Error::other("the file changed while the tree was read"));
    }
    let mut hasher = ArtifactHasher::new(HashAlg::Sha256);
    let mut total = 0u64;
    loop {
        let n = match file.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(buf.get(..n).unwrap_or_default());
        total += n as u64;
    }
    let digest = hasher.finalize();
    let mut out = [0u8; 32];
    out.copy_from_slice(digest.as_bytes());
    Ok((total, out))
}

/// The number of worker threads: the available cores.
pub fn default_jobs() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZero::get)
}

/// Hashes every job on `jobs` threads; results in the order of `files`. Memory is one buffer
/// of [`BUFFER_LEN`] per worker plus one result per file, whatever the file sizes.
pub fn hash_all(root: &Path, files: &[Job<'_>], jobs: usize) -> Vec<Hashed> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Hashed>>> = Mutex::new((0..files.len()).map(|_| None).collect());
    let workers = jobs.clamp(1, files.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                let mut buf = vec![0u8; BUFFER_LEN];
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(job) = files.get(i) else { break };
                    let r = hash_one(root, job, &mut buf);
                    if let Ok(mut guard) = results.lock() {
                        if let Some(slot) = guard.get_mut(i) {
                            *slot = Some(r);
                        }
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.unwrap_or_else(|| Err(io::Error::other("not hashed"))))
        .collect()
}
