//! Registry references (`registry://HOST[:PORT]/REPO[:TAG]`) through the OCI distribution
//! client crate `oci-client`: manifests and blobs are pulled (blobs streamed chunk by chunk,
//! never held whole), and signatures are pushed and found as OCI 1.1 referrers: the artifact
//! manifest is pushed with its `subject`, and listed under the referrers tag `sha256-HEX` (the
//! distribution specification's fallback for registries without the referrers API).
//!
//! This build speaks plain HTTP, to registries on the loopback interface only (`127.0.0.0/8`,
//! `localhost`, `[::1]`): it is meant for local mirrors and tests.

use std::io::Read;

use futures_util::StreamExt as _;
use oci_client::client::{ClientConfig, ClientProtocol, SizedStream};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};
use serde_json::{json, Value};
use tokio::runtime::Runtime;

use sealkit::MAX_ENVELOPE_LEN;
use sealkit_artifacts::oci::{
    artifact_manifest, codes, parse_json, referrers_tag, signature_layer, ArtifactLayer,
    BlobDigest, FoundSignature, OciError, Opened, RemoteStore, Store, DOCKER_LIST, DOCKER_MANIFEST,
    MAX_JSON_LEN, OCI_INDEX, OCI_MANIFEST, SIGNATURE_TYPE,
};

const ACCEPT: [&str; 4] = [OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST];

fn err(m: impl std::fmt::Display) -> OciError {
    OciError::usage(codes::NOT_A_LAYOUT, format!("registry: {m}"))
}

/// A repository in a registry, with the runtime that drives the client.
pub struct RegistryStore {
    rt: Runtime,
    client: Client,
    registry: String,
    repository: String,
    /// The tag or digest given, if any.
    pub reference: Reference,
}

impl std::fmt::Debug for RegistryStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RegistryStore({}/{})", self.registry, self.repository)
    }
}

fn is_loopback(host: &str) -> bool {
    let h = host.rsplit_once(':').map_or(host, |(h, p)| {
        if p.bytes().all(|b| b.is_ascii_digit()) && !h.ends_with(':') {
            h
        } else {
            host
        }
    });
    h == "localhost" || h.starts_with("127.") || h == "[::1]"
}

impl RegistryStore {
    /// Parses `HOST[:PORT]/REPO[:TAG|@DIGEST]` and prepares a client.
    pub fn connect(spec: &str) -> Result<RegistryStore, OciError> {
        let reference: Reference = spec.parse().map_err(|e| {
            OciError::usage(
                codes::IMAGE_NOT_FOUND,
                format!("bad registry reference {spec:?}: {e}"),
            )
        })?;
        let registry = reference.registry().to_string();
        if !is_loopback(&registry) {
            return Err(OciError::usage(
                codes::NOT_A_LAYOUT,
                format!("registry {registry}: this build reaches registries on the loopback interface only, over HTTP"),
            ));
        }
        // reqwest is built with rustls and no default crypto provider: install ring's (once per
        // process; a second install is refused harmlessly).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(err)?;
        let client = Client::new(ClientConfig {
            protocol: ClientProtocol::Http,
            ..Default::default()
        });
        Ok(RegistryStore {
            rt,
            client,
            repository: reference.repository().to_string(),
            registry,
            reference,
        })
    }

    fn by_digest(&self, d: &BlobDigest) -> Reference {
        Reference::with_digest(
            self.registry.clone(),
            self.repository.clone(),
            d.to_string(),
        )
    }

    fn by_tag(&self, tag: &str) -> Reference {
        Reference::with_tag(
            self.registry.clone(),
            self.repository.clone(),
            tag.to_string(),
        )
    }

    /// Pulls a manifest's exact bytes (None when the registry does not have it).
    pub fn manifest(&self, r: &Reference) -> Result<Option<Vec<u8>>, OciError> {
        match self.rt.block_on(
            self.client
                .pull_manifest_raw(r, &RegistryAuth::Anonymous, &ACCEPT),
        ) {
            Ok((bytes, _)) if bytes.len() as u64 <= MAX_JSON_LEN => Ok(Some(bytes.to_vec())),
            Ok(_) => Err(OciError::reject(
                codes::MANIFEST_INVALID,
                format!("manifest {r} is too large"),
            )),
            Err(e) => {
                let text = e.to_string();
                if text.contains("404") || text.contains("not found") || text.contains("unknown") {
                    Ok(None)
                } else {
                    Err(err(format!("cannot pull manifest {r}: {text}")))
                }
            }
        }
    }

    fn push_blob(&self, bytes: &[u8]) -> Result<BlobDigest, OciError> {
        let d = BlobDigest::sha256_of(bytes);
        self.rt
            .block_on(
                self.client
                    .push_blob(&self.reference, bytes.to_vec(), &d.to_string()),
            )
            .map_err(|e| err(format!("cannot push blob {d}: {e}")))?;
        Ok(d)
    }

    fn push_manifest(&self, r: &Reference, bytes: &[u8], media_type: &str) -> Result<(), OciError> {
        let ct = http::HeaderValue::from_str(media_type).map_err(err)?;
        self.rt
            .block_on(self.client.push_manifest_raw(r, bytes.to_vec(), ct))
            .map_err(|e| err(format!("cannot push manifest {r}: {e}")))?;
        Ok(())
    }
}

/// Reads a blob stream chunk by chunk, driving the runtime for each chunk.
struct StreamReader<'a> {
    rt: &'a Runtime,
    stream: SizedStream,
    chunk: bytes::Bytes,
}

impl Read for StreamReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.chunk.is_empty() {
            match self.rt.block_on(self.stream.stream.next()) {
                None => return Ok(0),
                Some(Ok(b)) => self.chunk = b,
                Some(Err(e)) => return Err(e),
            }
        }
        let n = buf.len().min(self.chunk.len());
        let part = self.chunk.split_to(n);
        if let Some(dst) = buf.get_mut(..n) {
            dst.copy_from_slice(&part);
        }
        Ok(n)
    }
}

impl Store for RegistryStore {
    fn open_blob(&self, digest: &BlobDigest) -> Result<Opened<'_>, OciError> {
        let d = digest.to_string();
        match self
            .rt
            .block_on(self.client.pull_blob_stream(&self.reference, d.as_str()))
        {
            Ok(stream) => {
                let size = stream
                    .content_length
                    .ok_or_else(|| err(format!("the registry sent blob {d} without a length")))?;
                Ok(Some((
                    Box::new(StreamReader {
                        rt: &self.rt,
                        stream,
                        chunk: bytes::Bytes::new(),
                    }),
                    size,
                )))
            }
            // Platform manifests of an index are manifests, not blobs, in a registry.
            Err(_) => Ok(self.manifest(&self.by_digest(digest))?.map(|m| {
                let n = m.len() as u64;
                (Box::new(std::io::Cursor::new(m)) as Box<dyn Read>, n)
            })),
        }
    }

    fn name(&self) -> String {
        format!("registry://{}/{}", self.registry, self.repository)
    }
}

impl RemoteStore for RegistryStore {
    fn manifest_bytes(&self) -> Result<Option<Vec<u8>>, OciError> {
        self.manifest(&self.reference)
    }

    /// Pushes `envelope` as a referrer of `subject` and lists it under the referrers tag.
    fn store_signature(
        &self,
        subject_media_type: &str,
        subject: &BlobDigest,
        subject_size: u64,
        envelope: &[u8],
    ) -> Result<BlobDigest, OciError> {
        let env = self.push_blob(envelope)?;
        self.push_blob(b"{}")?;
        let bytes = artifact_manifest(
            subject_media_type,
            subject,
            subject_size,
            &env,
            envelope.len(),
        );
        let digest = BlobDigest::sha256_of(&bytes);
        self.push_manifest(&self.by_digest(&digest), &bytes, OCI_MANIFEST)?;
        let tag = self.by_tag(&referrers_tag(subject));
        let mut listed: Vec<Value> = match self.manifest(&tag)? {
            Some(b) => parse_json(&b, "referrers index")
                .ok()
                .and_then(|v| v.get("manifests").and_then(Value::as_array).cloned())
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let desc = json!({"mediaType": OCI_MANIFEST, "digest": digest.to_string(),
            "size": bytes.len(), "artifactType": SIGNATURE_TYPE});
        if !listed.iter().any(|m| m.get("digest") == desc.get("digest")) {
            listed.push(desc);
        }
        let index = json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": listed});
        let index = serde_json::to_vec(&index).unwrap_or_default();
        self.push_manifest(&tag, &index, OCI_INDEX)?;
        Ok(digest)
    }

    /// The sealkit signatures of `subject`: the referrers API where the registry has it, else
    /// the referrers tag.
    fn find_signatures(
        &self,
        subject: &BlobDigest,
        notes: &mut Vec<String>,
    ) -> Result<Vec<FoundSignature>, OciError> {
        let index = self
            .rt
            .block_on(
                self.client
                    .pull_referrers(&self.by_digest(subject), Some(SIGNATURE_TYPE)),
            )
            .map_err(|e| err(format!("cannot list referrers: {e}")))?;
        let mut found = Vec::new();
        for entry in index.manifests {
            let Some(d) = BlobDigest::parse(&entry.digest) else {
                continue;
            };
            let Some(bytes) = self.manifest(&self.by_digest(&d))? else {
                notes.push(format!("referrer {d} is missing"));
                continue;
            };
            if BlobDigest::sha256_of(&bytes) != d {
                notes.push(format!("referrer {d} does not match its digest"));
                continue;
            }
            let Ok(v) = parse_json(&bytes, "signature artifact") else {
                continue;
            };
            let layer = match signature_layer(&v, subject) {
                ArtifactLayer::NotOurs => continue,
                ArtifactLayer::NoLayer => {
                    notes.push(format!("referrer {d} has no envelope layer"));
                    continue;
                }
                ArtifactLayer::Layer(l) => l,
            };
            let Some((r, size)) = self.open_blob(&layer.digest)? else {
                notes.push(format!("the envelope of referrer {d} is missing"));
                continue;
            };
            let mut envelope = Vec::new();
            r.take((MAX_ENVELOPE_LEN as u64 + 1).min(size))
                .read_to_end(&mut envelope)
                .map_err(|e| err(format!("cannot pull {}: {e}", layer.digest)))?;
            if BlobDigest::sha256_of(&envelope) != layer.digest {
                notes.push(format!(
                    "the envelope of referrer {d} does not match its digest"
                ));
                continue;
            }
            found.push(FoundSignature {
                source: format!("referrer {d}"),
                envelope,
            });
        }
        Ok(found)
    }
    fn as_store(&self) -> &dyn Store {
        self
    }
}

/// Opens a registry reference for `sealkit_artifacts::oci` (its `Connect` hook).
pub fn connect(spec: &str) -> Result<Box<dyn RemoteStore>, OciError> {
    Ok(Box::new(RegistryStore::connect(spec)?))
}
