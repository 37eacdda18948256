//! Container images: `oci:DIR[:TAG]` (an OCI image layout directory) and
//! `docker-archive:FILE[:NAME:TAG]` (a `docker save` archive) as targets of `sealkit sign` and
//! `sealkit verify`.
//!
//! The envelope signs the image manifest: its payload is the SHA-256 digest of the manifest's
//! exact bytes, its content type (259) is the manifest's media type and its subject is the
//! image reference. Verification checks the signature and policy, then the manifest's digest
//! and length (the core's streaming verifier over the manifest bytes), and only then parses the
//! manifest and re-hashes every blob it references (config, layers, and for an image index
//! every platform's manifest and its blobs), streaming, reporting every blob that fails.
//! The format is specified in `docs/FORMAT.md`, section "Container images".

mod archive;
mod content;
mod image;
mod layout;

pub use self::archive::{full_name, legacy_image, LegacyImage, TarStore};
pub use self::content::{
    check_docker_config, check_manifest, is_signable, manifest_media_type, parse_json, BlobCheck,
    Descriptor, Failure, PathStore, Report,
};
pub use self::image::{
    resolve, select_platform, sign_image, store_signature, verify_image, Connect, Image,
    ImageVerification, RemoteStore, SignedImage, Source,
};
pub use self::layout::{
    artifact_manifest, entries, find_signatures, open_dir, parse_layout, referrers_tag, select,
    signature_layer, store_layout_signature, unreferenced, ArtifactLayer, DirStore, FoundSignature,
};

use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use sealkit::{ArtifactHasher, HashAlg};

use crate::hex;

/// OCI image manifest.
pub const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";
/// OCI image index.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";
/// Docker image manifest, schema 2.
pub const DOCKER_MANIFEST: &str = "application/vnd.docker.distribution.manifest.v2+json";
/// Docker manifest list.
pub const DOCKER_LIST: &str = "application/vnd.docker.distribution.manifest.list.v2+json";
/// Docker image configuration: what is signed for a `docker save` archive without an OCI layout.
pub const DOCKER_CONFIG: &str = "application/vnd.docker.container.image.v1+json";
/// `artifactType` of sealkit signature artifacts, and the media type of their one layer.
pub const SIGNATURE_TYPE: &str = "application/vnd.sealkit.signature+cose";
/// The OCI empty descriptor's media type (config of artifact manifests).
pub const EMPTY_TYPE: &str = "application/vnd.oci.empty.v1+json";
/// Annotation naming a tag in `index.json`.
pub const REF_NAME: &str = "org.opencontainers.image.ref.name";
/// Annotation with the full image name in `docker save` archives.
pub const CONTAINERD_NAME: &str = "io.containerd.image.name";
/// Largest manifest, index or configuration read into memory (as registries accept).
pub const MAX_JSON_LEN: u64 = 4 << 20;
/// Deepest nesting of image indexes followed.
pub const MAX_DEPTH: usize = 4;

/// Stable codes of the image errors (CLI-only range 920 to 939).
pub mod codes {
    /// The directory is not an OCI image layout (`oci-layout`, `index.json`).
    pub const NOT_A_LAYOUT: (u16, &str) = (920, "not_an_image_layout");
    /// No image with that tag, or several and no tag given.
    pub const IMAGE_NOT_FOUND: (u16, &str) = (921, "image_not_found");
    /// A signed manifest, index or configuration is not valid JSON of its type.
    pub const MANIFEST_INVALID: (u16, &str) = (922, "manifest_invalid");
    /// A referenced blob is absent.
    pub const BLOB_MISSING: (u16, &str) = (923, "blob_missing");
    /// A blob's size differs from its descriptor.
    pub const BLOB_SIZE_MISMATCH: (u16, &str) = (924, "blob_size_mismatch");
    /// A blob's digest differs from its descriptor.
    pub const BLOB_DIGEST_MISMATCH: (u16, &str) = (925, "blob_digest_mismatch");
    /// No signature was given and none is stored in the layout.
    pub const SIGNATURE_NOT_FOUND: (u16, &str) = (926, "signature_not_found");
    /// The `docker save` archive is not usable (no manifest.json, duplicate entries, ...).
    pub const ARCHIVE_INVALID: (u16, &str) = (927, "archive_invalid");
    /// The signed content type is not the manifest's media type.
    pub const MEDIA_TYPE_MISMATCH: (u16, &str) = (928, "media_type_mismatch");
    /// One or more blobs do not match the signed manifest (the failures list says which).
    pub const IMAGE_CONTENT_MISMATCH: (u16, &str) = (929, "image_content_mismatch");
    /// A descriptor's digest is not `sha256:` + 64 or `sha512:` + 128 lower-case hex digits.
    pub const BAD_DIGEST: (u16, &str) = (930, "bad_digest");
}

/// An image error with its stable code: one of [`codes`], or the core's code when the core
/// rejected the signature or the policy.
#[derive(Debug, Clone)]
pub struct OciError {
    /// Code and name from [`codes`] or the core's.
    pub code: (u16, &'static str),
    /// What happened, with the names involved.
    pub message: String,
    /// Whether this is a rejection of the image (exit 1) rather than a usage problem (exit 2).
    pub rejects: bool,
    /// The digest of the blob or manifest that failed, when one did.
    pub digest: Option<String>,
    /// For [`codes::IMAGE_CONTENT_MISMATCH`]: the blob report with every failure.
    pub report: Option<Box<Report>>,
}

impl OciError {
    /// A rejection of the image (exit 1).
    pub fn reject(code: (u16, &'static str), message: impl Into<String>) -> OciError {
        OciError {
            code,
            message: message.into(),
            rejects: true,
            digest: None,
            report: None,
        }
    }

    /// A usage or input problem (exit 2).
    pub fn usage(code: (u16, &'static str), message: impl Into<String>) -> OciError {
        OciError {
            code,
            message: message.into(),
            rejects: false,
            digest: None,
            report: None,
        }
    }

    /// The same error naming the blob or manifest that failed.
    #[must_use]
    pub fn with_digest(mut self, digest: impl ToString) -> OciError {
        self.digest = Some(digest.to_string());
        self
    }

    /// A rejection by the core (bad signature, untrusted key, policy).
    pub fn core(error: sealkit::Error, message: impl Into<String>) -> OciError {
        OciError::reject((error.code(), error.name()), message)
    }
}

impl std::error::Error for OciError {}

impl fmt::Display for OciError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A content digest `ALG:HEX` as used in OCI descriptors, strictly validated (it names files).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobDigest {
    alg: &'static str,
    hex: String,
}

impl BlobDigest {
    /// Parses `sha256:` + 64 or `sha512:` + 128 lower-case hex digits; anything else is None.
    pub fn parse(s: &str) -> Option<BlobDigest> {
        let (alg, hex) = s.split_once(':')?;
        let (alg, len) = match alg {
            "sha256" => ("sha256", 64),
            "sha512" => ("sha512", 128),
            _ => return None,
        };
        if hex.len() != len
            || !hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return None;
        }
        Some(BlobDigest {
            alg,
            hex: hex.to_string(),
        })
    }

    /// The SHA-256 digest of `bytes`.
    pub fn sha256_of(bytes: &[u8]) -> BlobDigest {
        let mut h = ArtifactHasher::new(HashAlg::Sha256);
        h.update(bytes);
        BlobDigest {
            alg: "sha256",
            hex: hex(h.finalize().as_bytes()),
        }
    }

    /// The hash algorithm.
    pub fn hash_alg(&self) -> HashAlg {
        if self.alg == "sha512" {
            HashAlg::Sha512
        } else {
            HashAlg::Sha256
        }
    }

    /// The algorithm's name (`sha256`).
    pub fn alg(&self) -> &'static str {
        self.alg
    }

    /// The hex digits.
    pub fn hex(&self) -> &str {
        &self.hex
    }

    /// The blob's path inside a layout: `blobs/ALG/HEX`.
    pub fn blob_path(&self) -> String {
        format!("blobs/{}/{}", self.alg, self.hex)
    }
}

impl fmt::Display for BlobDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.alg, self.hex)
    }
}

/// An opened blob: a reader and the blob's actual size, or None when it is absent.
pub type Opened<'a> = Option<(Box<dyn Read + 'a>, u64)>;

/// Where blobs come from: a layout directory or a tar archive.
pub trait Store {
    /// Opens the blob `blobs/ALG/HEX`: a reader and its actual size, or None when absent.
    fn open_blob(&self, digest: &BlobDigest) -> Result<Opened<'_>, OciError>;
    /// A name for messages, e.g. `oci:DIR`.
    fn name(&self) -> String;
}

/// Reads a blob of at most `max` bytes into memory; None when absent.
pub fn read_small(
    store: &dyn Store,
    digest: &BlobDigest,
    max: u64,
) -> Result<Option<Vec<u8>>, OciError> {
    let Some((reader, size)) = store.open_blob(digest)? else {
        return Ok(None);
    };
    if size > max {
        return Err(OciError::reject(
            codes::MANIFEST_INVALID,
            format!("blob {digest} is {size} bytes, more than the {max} bytes allowed for JSON"),
        ));
    }
    let mut buf = Vec::new();
    reader.take(max + 1).read_to_end(&mut buf).map_err(|e| {
        OciError::usage(
            codes::NOT_A_LAYOUT,
            format!("cannot read blob {digest}: {e}"),
        )
    })?;
    Ok(Some(buf))
}

/// An image target on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `oci:DIR[:TAG]`.
    Layout {
        /// The layout directory.
        dir: PathBuf,
        /// The tag (`org.opencontainers.image.ref.name`).
        tag: Option<String>,
    },
    /// `registry://HOST[:PORT]/REPO[:TAG]` (plain HTTP, loopback registries only).
    Registry {
        /// `HOST[:PORT]/REPO[:TAG]`.
        reference: String,
    },
    /// `docker-archive:FILE[:NAME:TAG]`.
    DockerArchive {
        /// The archive.
        file: PathBuf,
        /// The image name, e.g. `app:1.0`.
        reference: Option<String>,
    },
}

impl Target {
    /// Parses `oci:...` or `docker-archive:...` (the path ends at the first `:`, as in skopeo);
    /// None for anything else (a plain file; `./oci:x` names a file called `oci:x`).
    pub fn parse(arg: &Path) -> Option<Target> {
        let s = arg.to_str()?;
        let split = |rest: &str| -> (PathBuf, Option<String>) {
            match rest.split_once(':') {
                Some((p, r)) if !r.is_empty() => (PathBuf::from(p), Some(r.to_string())),
                Some((p, _)) => (PathBuf::from(p), None),
                None => (PathBuf::from(rest), None),
            }
        };
        if let Some(rest) = s.strip_prefix("registry://") {
            return Some(Target::Registry {
                reference: rest.to_string(),
            });
        }
        if let Some(rest) = s.strip_prefix("oci:") {
            let (dir, tag) = split(rest);
            return Some(Target::Layout { dir, tag });
        }
        if let Some(rest) = s.strip_prefix("docker-archive:") {
            let (file, reference) = split(rest);
            return Some(Target::DockerArchive { file, reference });
        }
        None
    }

    /// Where a detached signature is looked for when none is given: `FILE.sig` beside a
    /// `docker save` archive; None for layouts and registries (signatures stored inside).
    pub fn default_signature(&self) -> Option<PathBuf> {
        match self {
            Target::DockerArchive { file, .. } => {
                let mut s = file.as_os_str().to_os_string();
                s.push(".sig");
                Some(PathBuf::from(s))
            }
            _ => None,
        }
    }

    /// The target as written on the command line.
    pub fn display(&self) -> String {
        match self {
            Target::Layout { dir, tag } => match tag {
                Some(t) => format!("oci:{}:{t}", dir.display()),
                None => format!("oci:{}", dir.display()),
            },
            Target::Registry { reference } => format!("registry://{reference}"),
            Target::DockerArchive { file, reference } => match reference {
                Some(r) => format!("docker-archive:{}:{r}", file.display()),
                None => format!("docker-archive:{}", file.display()),
            },
        }
    }
}

/// Whether a command-line argument names an image target.
pub fn is_image_target(arg: &Path) -> bool {
    Target::parse(arg).is_some()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn digests_are_strict() {
        let ok = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            BlobDigest::parse(&ok).unwrap().blob_path(),
            format!("blobs/sha256/{}", "a".repeat(64))
        );
        assert!(BlobDigest::parse(&format!("sha512:{}", "0".repeat(128))).is_some());
        for bad in [
            format!("sha256:{}", "A".repeat(64)),
            format!("sha256:{}", "a".repeat(63)),
            "sha256:../../../../etc/passwd".to_string(),
            format!("md5:{}", "a".repeat(32)),
            format!("sha256:{}/", "a".repeat(63)),
            String::new(),
        ] {
            assert!(BlobDigest::parse(&bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn targets() {
        assert_eq!(
            Target::parse(Path::new("oci:img:v1")),
            Some(Target::Layout {
                dir: "img".into(),
                tag: Some("v1".into())
            })
        );
        assert_eq!(
            Target::parse(Path::new("oci:img")),
            Some(Target::Layout {
                dir: "img".into(),
                tag: None
            })
        );
        assert_eq!(
            Target::parse(Path::new("docker-archive:a.tar:app:1.0")),
            Some(Target::DockerArchive {
                file: "a.tar".into(),
                reference: Some("app:1.0".into())
            })
        );
        assert_eq!(
            Target::parse(Path::new("registry://127.0.0.1:5000/app:1")),
            Some(Target::Registry {
                reference: "127.0.0.1:5000/app:1".into()
            })
        );
        assert_eq!(Target::parse(Path::new("./oci:img")), None);
        assert_eq!(Target::parse(Path::new("file.bin")), None);
    }
}
