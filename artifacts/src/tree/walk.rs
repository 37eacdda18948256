//! Walking a directory without following symlinks, in manifest order.

use std::fs;
use std::io;
use std::os::unix::fs::{FileTypeExt as _, MetadataExt as _};
use std::path::{Path, PathBuf};

use sealkit::{check_tree_path, compare_paths, MAX_TREE_ENTRIES, MAX_TREE_PATH_LEN};

use super::glob::Exclusions;

/// What a walked path is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A regular file.
    File {
        /// Size from `lstat`.
        size: u64,
        /// Any execute bit set.
        executable: bool,
        /// Device and inode from `lstat`, checked again after opening.
        id: (u64, u64),
    },
    /// A directory.
    Dir,
    /// A symlink and its target text.
    Symlink(String),
}

/// One walked path.
#[derive(Clone, Debug)]
pub struct Node {
    /// Relative, `/`-separated.
    pub path: String,
    /// What it is.
    pub kind: Kind,
}

/// Why a tree cannot be walked.
#[derive(Debug)]
pub enum WalkError {
    /// A device, socket or FIFO.
    Special {
        /// Its relative path.
        path: String,
        /// What it is.
        what: &'static str,
    },
    /// A name (or symlink target) that is not UTF-8; the path shown lossily.
    NotUtf8(String),
    /// A path over the manifest's limits, or too many entries.
    Limit(String),
    /// Reading the tree failed.
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for WalkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WalkError::Special { path, what } => write!(
                f,
                "{path:?} is a {what}; devices, sockets and FIFOs cannot be signed or verified (exclude it with --exclude)"
            ),
            WalkError::NotUtf8(p) => write!(
                f,
                "{p:?} has a name or symlink target that is not valid UTF-8; tree manifests hold UTF-8 paths only"
            ),
            WalkError::Limit(m) => f.write_str(m),
            WalkError::Io(p, e) => write!(f, "cannot read {}: {e}", p.display()),
        }
    }
}

impl std::error::Error for WalkError {}

impl WalkError {
    /// The stable code and name (911 to 913) or the I/O code (900).
    pub fn code(&self) -> (u16, &'static str) {
        match self {
            WalkError::Special { .. } => super::codes::SPECIAL_FILE,
            WalkError::NotUtf8(_) => super::codes::NOT_UTF8_NAME,
            WalkError::Limit(_) => super::codes::TREE_TOO_LARGE,
            WalkError::Io(..) => crate::IO_ERROR,
        }
    }

    /// Whether the tree itself is unacceptable (rather than unreadable).
    pub fn is_rejection(&self) -> bool {
        !matches!(self, WalkError::Io(..))
    }
}

fn special(ft: &fs::FileType) -> &'static str {
    if ft.is_fifo() {
        "FIFO"
    } else if ft.is_socket() {
        "socket"
    } else if ft.is_block_device() {
        "block device"
    } else if ft.is_char_device() {
        "character device"
    } else {
        "special file"
    }
}

/// Walks `root` (which must be a directory), skipping `exclusions`; returns every path in
/// manifest order. Symlinks are recorded, never followed.
pub fn walk(root: &Path, exclusions: &Exclusions) -> Result<Vec<Node>, WalkError> {
    let mut out: Vec<Node> = Vec::new();
    let mut stack: Vec<(String, PathBuf)> = vec![(String::new(), root.to_path_buf())];
    while let Some((rel_dir, abs_dir)) = stack.pop() {
        let rd = fs::read_dir(&abs_dir).map_err(|e| WalkError::Io(abs_dir.clone(), e))?;
        for item in rd {
            let item = item.map_err(|e| WalkError::Io(abs_dir.clone(), e))?;
            let os_name = item.file_name();
            let rel_lossy = || {
                let n = os_name.to_string_lossy();
                if rel_dir.is_empty() {
                    n.into_owned()
                } else {
                    format!("{rel_dir}/{n}")
                }
            };
            let Some(name) = os_name.to_str() else {
                return Err(WalkError::NotUtf8(rel_lossy()));
            };
            let rel = if rel_dir.is_empty() {
                name.to_string()
            } else {
                format!("{rel_dir}/{name}")
            };
            if exclusions.excludes(&rel, name) {
                continue;
            }
            if check_tree_path(&rel).is_err() {
                return Err(WalkError::Limit(format!(
                    "{rel:?} is deeper or longer than a tree manifest allows ({} components, {MAX_TREE_PATH_LEN} bytes)",
                    sealkit::MAX_TREE_DEPTH
                )));
            }
            let abs = item.path();
            let meta = fs::symlink_metadata(&abs).map_err(|e| WalkError::Io(abs.clone(), e))?;
            let ft = meta.file_type();
            let kind = if ft.is_symlink() {
                let target = fs::read_link(&abs).map_err(|e| WalkError::Io(abs.clone(), e))?;
                let Some(t) = target.to_str() else {
                    return Err(WalkError::NotUtf8(rel_lossy()));
                };
                if t.is_empty() || t.len() > MAX_TREE_PATH_LEN {
                    return Err(WalkError::Limit(format!(
                        "{rel:?}: the symlink target is longer than {MAX_TREE_PATH_LEN} bytes"
                    )));
                }
                Kind::Symlink(t.to_string())
            } else if ft.is_dir() {
                stack.push((rel.clone(), abs));
                Kind::Dir
            } else if ft.is_file() {
                Kind::File {
                    size: meta.len(),
                    executable: meta.mode() & 0o111 != 0,
                    id: (meta.dev(), meta.ino()),
                }
            } else {
                return Err(WalkError::Special {
                    path: rel,
                    what: special(&ft),
                });
            };
            out.push(Node { path: rel, kind });
            if out.len() as u64 > MAX_TREE_ENTRIES {
                return Err(WalkError::Limit(format!(
                    "the tree has more than {MAX_TREE_ENTRIES} entries"
                )));
            }
        }
    }
    out.sort_by(|a, b| compare_paths(&a.path, &b.path));
    Ok(out)
}
