//! `docker save` archives, read in place: one pass over the tar headers records where each
//! entry's bytes are, then blobs are streamed straight from the archive file. Nothing is
//! extracted to disk.
//!
//! A gzip-compressed archive (`docker save | gzip`, recognised by its magic bytes `1f 8b`, not
//! by its name) cannot be read by seeking: it is decompressed once, streaming, into an
//! anonymous temporary file (in the system's temporary directory, removed when the store is
//! dropped), and that file is then read in place as above. The cost is one decompression pass
//! and temporary disk space equal to the uncompressed archive; memory stays bounded.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::content::PathStore;
use super::{codes, BlobDigest, OciError, Opened, Store, MAX_JSON_LEN};

/// Longest chain of symbolic or hard links followed inside an archive.
const MAX_LINKS: usize = 8;

#[derive(Debug, Clone)]
enum Entry {
    File { offset: u64, size: u64 },
    Link(String),
    Other,
}

/// A tar archive with an index of its entries.
#[derive(Debug)]
pub struct TarStore {
    /// The archive as named by the user.
    path: PathBuf,
    /// The uncompressed archive that is read: the file itself, or its decompressed copy.
    data: Data,
    entries: BTreeMap<String, Entry>,
}

/// Where the uncompressed tar bytes are.
#[derive(Debug)]
enum Data {
    /// The archive file itself.
    Plain,
    /// A decompressed copy of a gzip archive (deleted on drop).
    Decompressed(tempfile::NamedTempFile),
}

/// The gzip magic bytes.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Whether the file starts with the gzip magic bytes.
fn is_gzip(file: &mut File) -> std::io::Result<bool> {
    let mut magic = [0u8; 2];
    let mut got = 0;
    while got < magic.len() {
        match file.read(magic.get_mut(got..).unwrap_or_default())? {
            0 => break,
            n => got += n,
        }
    }
    file.seek(SeekFrom::Start(0))?;
    Ok(got == magic.len() && magic == GZIP_MAGIC)
}

/// Decompresses a gzip archive into a temporary file.
fn decompress(path: &Path, file: File) -> Result<tempfile::NamedTempFile, OciError> {
    let mut tmp = tempfile::NamedTempFile::new().map_err(|e| {
        bad(
            path,
            format!("cannot create a temporary file to decompress into: {e}"),
        )
    })?;
    let mut gz = flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file));
    std::io::copy(&mut gz, tmp.as_file_mut())
        .map_err(|e| bad(path, format!("not a valid gzip stream: {e}")))?;
    Ok(tmp)
}

fn bad(path: &Path, m: impl std::fmt::Display) -> OciError {
    OciError::usage(codes::ARCHIVE_INVALID, format!("{}: {m}", path.display()))
}

/// A normalized relative path inside the archive (`./a//b` -> `a/b`); None if it escapes.
fn normalize(p: &Path) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for c in p.components() {
        match c {
            Component::Normal(s) => parts.push(s.to_str()?.to_string()),
            Component::CurDir => {}
            Component::ParentDir => {
                parts.pop()?;
            }
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(parts.join("/"))
}

impl TarStore {
    /// Reads the archive's headers. Two entries with the same path make the archive invalid:
    /// which one a tool would use is ambiguous.
    pub fn open(path: &Path) -> Result<TarStore, OciError> {
        let mut file = File::open(path).map_err(|e| bad(path, format!("cannot read: {e}")))?;
        let gzip = is_gzip(&mut file).map_err(|e| bad(path, format!("cannot read: {e}")))?;
        let data = if gzip {
            Data::Decompressed(decompress(path, file)?)
        } else {
            Data::Plain
        };
        let file = match &data {
            Data::Plain => File::open(path),
            Data::Decompressed(t) => t.reopen(),
        }
        .map_err(|e| bad(path, format!("cannot read: {e}")))?;
        let mut ar = tar::Archive::new(file);
        let mut entries = BTreeMap::new();
        let iter = ar
            .entries_with_seek()
            .map_err(|e| bad(path, format!("not a tar archive: {e}")))?;
        for e in iter {
            let e = e.map_err(|e| bad(path, format!("not a valid tar archive: {e}")))?;
            let raw = e
                .path()
                .map_err(|e| bad(path, format!("bad entry name: {e}")))?;
            let name = normalize(&raw)
                .ok_or_else(|| bad(path, format!("entry {} leaves the archive", raw.display())))?;
            let kind = e.header().entry_type();
            let entry =
                if kind.is_file() {
                    Entry::File {
                        offset: e.raw_file_position(),
                        size: e.size(),
                    }
                } else if kind.is_symlink() || kind.is_hard_link() {
                    let target = e
                        .link_name()
                        .map_err(|e| bad(path, format!("bad link: {e}")))?
                        .ok_or_else(|| bad(path, format!("link {name} has no target")))?;
                    let base = if kind.is_symlink() {
                        Path::new(&name)
                            .parent()
                            .unwrap_or(Path::new(""))
                            .join(target)
                    } else {
                        target.to_path_buf()
                    };
                    Entry::Link(normalize(&base).ok_or_else(|| {
                        bad(path, format!("link {name} points outside the archive"))
                    })?)
                } else {
                    Entry::Other
                };
            if name.is_empty() {
                continue;
            }
            if matches!(entry, Entry::Other) && entries.contains_key(&name) {
                continue;
            }
            if entries
                .insert(name.clone(), entry)
                .is_some_and(|old| !matches!(old, Entry::Other))
            {
                return Err(OciError::reject(
                    codes::ARCHIVE_INVALID,
                    format!("{}: the archive holds {name} twice", path.display()),
                ));
            }
        }
        Ok(TarStore {
            path: path.to_path_buf(),
            data,
            entries,
        })
    }

    /// Whether the archive was gzip-compressed.
    pub fn is_compressed(&self) -> bool {
        matches!(self.data, Data::Decompressed(_))
    }

    /// A new handle on the uncompressed tar bytes.
    fn reopen(&self) -> Result<File, OciError> {
        match &self.data {
            Data::Plain => File::open(&self.path),
            Data::Decompressed(t) => t.reopen(),
        }
        .map_err(|e| bad(&self.path, format!("cannot read: {e}")))
    }

    /// Whether the archive has a regular file (or link to one) at `name`.
    pub fn has(&self, name: &str) -> bool {
        self.resolve(name).is_some()
    }

    fn resolve(&self, name: &str) -> Option<(u64, u64)> {
        let mut name = normalize(Path::new(name))?;
        for _ in 0..MAX_LINKS {
            match self.entries.get(&name)? {
                Entry::File { offset, size } => return Some((*offset, *size)),
                Entry::Link(t) => name = t.clone(),
                Entry::Other => return None,
            }
        }
        None
    }

    /// Reads a small file of the archive (JSON), or None when absent.
    pub fn read_small_path(&self, name: &str) -> Result<Option<Vec<u8>>, OciError> {
        let Some((r, size)) = self.open_path(name)? else {
            return Ok(None);
        };
        if size > MAX_JSON_LEN {
            return Err(bad(&self.path, format!("{name} is too large")));
        }
        let mut buf = Vec::new();
        r.take(MAX_JSON_LEN)
            .read_to_end(&mut buf)
            .map_err(|e| bad(&self.path, format!("cannot read {name}: {e}")))?;
        Ok(Some(buf))
    }
}

impl PathStore for TarStore {
    fn open_path(&self, name: &str) -> Result<Opened<'_>, OciError> {
        let Some((offset, size)) = self.resolve(name) else {
            return Ok(None);
        };
        let mut f = self.reopen()?;
        f.seek(SeekFrom::Start(offset))
            .map_err(|e| bad(&self.path, format!("cannot read: {e}")))?;
        Ok(Some((Box::new(f.take(size)), size)))
    }
}

impl Store for TarStore {
    fn open_blob(&self, digest: &BlobDigest) -> Result<Opened<'_>, OciError> {
        self.open_path(&digest.blob_path())
    }

    fn name(&self) -> String {
        format!("docker-archive:{}", self.path.display())
    }
}

/// A Docker image name in its full form: `app:1` -> `docker.io/library/app:1`,
/// `me/app` -> `docker.io/me/app:latest`, `host:5000/app:1` unchanged.
pub fn full_name(r: &str) -> String {
    let mut s = match r.split_once('/') {
        None => format!("docker.io/library/{r}"),
        Some((first, _)) if first.contains('.') || first.contains(':') || first == "localhost" => {
            r.to_string()
        }
        Some(_) => format!("docker.io/{r}"),
    };
    let last = s.rsplit('/').next().unwrap_or("");
    if !last.contains(':') && !last.contains('@') {
        s.push_str(":latest");
    }
    s
}

/// One image of a legacy `manifest.json`.
#[derive(Debug, Clone)]
pub struct LegacyImage {
    /// `Config`: path of the configuration in the archive.
    pub config: String,
    /// `RepoTags`.
    pub tags: Vec<String>,
    /// `Layers`: paths of the layer tars.
    pub layers: Vec<String>,
}

/// Selects an image of `manifest.json` by name (any spelling of a `RepoTags` entry), or the
/// only one when no name is given.
pub fn legacy_image(store: &TarStore, wanted: Option<&str>) -> Result<LegacyImage, OciError> {
    let bytes = store
        .read_small_path("manifest.json")?
        .ok_or_else(|| bad(&store.path, "no manifest.json: not a docker save archive"))?;
    let v: Value = serde_json::from_slice(&bytes)
        .map_err(|e| bad(&store.path, format!("manifest.json is not JSON: {e}")))?;
    let arr = v
        .as_array()
        .ok_or_else(|| bad(&store.path, "manifest.json is not an array"))?;
    let mut images = Vec::new();
    for item in arr {
        let config = item.get("Config").and_then(Value::as_str);
        let layers = item.get("Layers").and_then(Value::as_array);
        let (Some(config), Some(layers)) = (config, layers) else {
            return Err(bad(
                &store.path,
                "manifest.json: an entry lacks Config or Layers",
            ));
        };
        let layers: Option<Vec<String>> = layers
            .iter()
            .map(|l| l.as_str().map(str::to_string))
            .collect();
        let tags = item
            .get("RepoTags")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        images.push(LegacyImage {
            config: config.to_string(),
            tags,
            layers: layers.ok_or_else(|| bad(&store.path, "manifest.json: a layer is not text"))?,
        });
    }
    let all_tags = || {
        images
            .iter()
            .flat_map(|i| i.tags.iter().cloned())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let chosen: Vec<&LegacyImage> = match wanted {
        Some(w) => images
            .iter()
            .filter(|i| {
                i.tags
                    .iter()
                    .any(|t| t == w || full_name(t) == full_name(w))
            })
            .collect(),
        None => images.iter().collect(),
    };
    match chosen.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(OciError::usage(
            codes::IMAGE_NOT_FOUND,
            format!(
                "{} has no image named {:?} (its names: {})",
                store.name(),
                wanted.unwrap_or(""),
                all_tags()
            ),
        )),
        _ => Err(OciError::usage(
            codes::IMAGE_NOT_FOUND,
            format!(
                "{} holds several images; name one with :NAME:TAG (its names: {})",
                store.name(),
                all_tags()
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::io::Write as _;

    use super::*;

    fn tar_with(name: &str, data: &[u8]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, data).unwrap();
        b.into_inner().unwrap()
    }

    #[test]
    fn gzip_archives_are_found_by_magic_and_read_like_plain_ones() {
        let dir = tempfile::tempdir().unwrap();
        let raw = tar_with("manifest.json", b"[]");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&raw).unwrap();
        let gz = gz.finish().unwrap();
        for (name, bytes, compressed) in [("plain", &raw, false), ("packed", &gz, true)] {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            let store = TarStore::open(&p).unwrap();
            assert_eq!(store.is_compressed(), compressed);
            assert_eq!(
                store.read_small_path("manifest.json").unwrap(),
                Some(b"[]".to_vec())
            );
        }
        let cut = dir.path().join("cut");
        std::fs::write(&cut, gz.get(..gz.len() - 4).unwrap()).unwrap();
        let e = TarStore::open(&cut).unwrap_err();
        assert_eq!(e.code, codes::ARCHIVE_INVALID);
    }
}
