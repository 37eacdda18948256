//! Shared helpers for the sealkit conformance tests.
//!
//! - [`shared_vector`]: the external test suites beside the repository (`../shared/vectors/`).
//! - [`cbor`]: a tiny CBOR writer that can also write what sealkit must refuse (long heads,
//!   indefinite lengths, any key order).
//! - [`TestKey`]: an Ed25519 key used through ed25519-compact directly, not through sealkit.
//! - [`EnvelopeSpec`]: a COSE_Sign1 built field by field, validly signed over whatever protected
//!   bytes it ends up with, so that a test can break exactly one rule.
//! - [`vectors`]: the cross-language vector file (`tests/vectors/sealkit-vectors.json`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::PathBuf;

use sealkit::HashAlg;
use sha2::Digest as _;

pub mod sealed_vectors;
pub mod trust_vectors;
pub mod vectors;

/// The folder of external test vectors, a sibling of the repository root.
pub const SHARED_VECTORS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/vectors");

/// The path of an external vector file, `rel` being relative to `shared/vectors/`.
pub fn shared_vector_path(rel: &str) -> PathBuf {
    PathBuf::from(SHARED_VECTORS_DIR).join(rel)
}

/// Reads an external vector file. A missing file fails the test loudly: these suites are the
/// outside judge of correctness and must never be skipped silently.
pub fn shared_vector(rel: &str) -> String {
    let path = shared_vector_path(rel);
    match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => panic!(
            "external test vector file {} is missing or unreadable ({e}); the `shared/vectors` \
             folder must be checked out beside the repository root",
            path.display()
        ),
    }
}

/// Reads and parses an external JSON vector file (see [`shared_vector`]).
pub fn shared_json(rel: &str) -> serde_json::Value {
    let text = shared_vector(rel);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel} is not valid JSON: {e}"))
}

/// Decodes hex (either case), panicking with context on bad input.
pub fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap_or_else(|e| panic!("bad hex {s:?}: {e}"))
}

/// The digest of `data` with `alg`, computed with the `sha2` crate directly.
pub fn digest(alg: HashAlg, data: &[u8]) -> Vec<u8> {
    match alg {
        HashAlg::Sha256 => sha2::Sha256::digest(data).to_vec(),
        HashAlg::Sha512 => sha2::Sha512::digest(data).to_vec(),
        _ => panic!("unknown hash algorithm {alg:?}"),
    }
}

/// Deterministic artifact bytes: byte `i` is `i mod 251` (a prime period, so the pattern never
/// lines up with hash block boundaries). The vector file names this pattern `mod251`.
pub fn pattern_bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

/// A minimal CBOR writer. Every function returns the encoded bytes so that items compose by
/// concatenation; the `*_wide` variants write a longer head than needed on purpose.
pub mod cbor {
    /// Major type 0, unsigned integer.
    pub const UINT: u8 = 0;
    /// Major type 1, negative integer.
    pub const NINT: u8 = 1;
    /// Major type 2, byte string.
    pub const BYTES: u8 = 2;
    /// Major type 3, text string.
    pub const TEXT: u8 = 3;
    /// Major type 4, array.
    pub const ARRAY: u8 = 4;
    /// Major type 5, map.
    pub const MAP: u8 = 5;
    /// Major type 6, tag.
    pub const TAG: u8 = 6;
    /// `null`.
    pub const NULL: u8 = 0xf6;
    /// The "break" stop code ending an indefinite-length item.
    pub const BREAK: u8 = 0xff;

    /// The shortest head for `major` and `arg` (RFC 8949 section 4.2.1).
    pub fn head(major: u8, arg: u64) -> Vec<u8> {
        let info = if arg < 24 {
            arg as u8
        } else if arg <= 0xff {
            24
        } else if arg <= 0xffff {
            25
        } else if arg <= 0xffff_ffff {
            26
        } else {
            27
        };
        head_wide(major, arg, info)
    }

    /// A head with the additional information `info` forced (24 to 27 give 1, 2, 4 or 8
    /// argument bytes), even where a shorter form exists.
    pub fn head_wide(major: u8, arg: u64, info: u8) -> Vec<u8> {
        let mut out = vec![(major << 5) | info];
        match info {
            0..=23 => assert_eq!(
                u64::from(info),
                arg,
                "immediate head must equal its argument"
            ),
            24 => out.push(u8::try_from(arg).unwrap()),
            25 => out.extend_from_slice(&u16::try_from(arg).unwrap().to_be_bytes()),
            26 => out.extend_from_slice(&u32::try_from(arg).unwrap().to_be_bytes()),
            27 => out.extend_from_slice(&arg.to_be_bytes()),
            _ => panic!("additional information {info} has no argument form"),
        }
        out
    }

    /// The head opening an indefinite-length item of `major` (2, 3, 4 or 5).
    pub fn indefinite(major: u8) -> u8 {
        (major << 5) | 31
    }

    /// An unsigned integer.
    pub fn uint(v: u64) -> Vec<u8> {
        head(UINT, v)
    }

    /// An integer, major type 0 or 1 as its sign requires.
    pub fn int(v: i64) -> Vec<u8> {
        if v >= 0 {
            head(UINT, v as u64)
        } else {
            head(NINT, (-1 - v) as u64)
        }
    }

    /// An integer written with a forced head width (see [`head_wide`]).
    pub fn int_wide(v: i64, info: u8) -> Vec<u8> {
        if v >= 0 {
            head_wide(UINT, v as u64, info)
        } else {
            head_wide(NINT, (-1 - v) as u64, info)
        }
    }

    /// A definite byte string.
    pub fn bytes(b: &[u8]) -> Vec<u8> {
        let mut out = head(BYTES, b.len() as u64);
        out.extend_from_slice(b);
        out
    }

    /// A definite text string.
    pub fn text(s: &str) -> Vec<u8> {
        let mut out = head(TEXT, s.len() as u64);
        out.extend_from_slice(s.as_bytes());
        out
    }

    /// A definite array of already encoded items.
    pub fn array(items: &[Vec<u8>]) -> Vec<u8> {
        let mut out = head(ARRAY, items.len() as u64);
        for i in items {
            out.extend_from_slice(i);
        }
        out
    }

    /// A definite map of already encoded keys and values, in the order given.
    pub fn map(entries: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
        let mut out = head(MAP, entries.len() as u64);
        for (k, v) in entries {
            out.extend_from_slice(k);
            out.extend_from_slice(v);
        }
        out
    }

    /// Concatenates encoded pieces.
    pub fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }
}

/// An Ed25519 key pair used through ed25519-compact directly, so that the envelopes the tests
/// build are signed independently of sealkit's own signer.
#[derive(Clone)]
pub struct TestKey {
    seed: [u8; 32],
    pair: ed25519_compact::KeyPair,
}

impl std::fmt::Debug for TestKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TestKey(pk {})", hex::encode(self.public_bytes()))
    }
}

impl TestKey {
    /// The key pair for a 32-byte seed (RFC 8032's secret key).
    pub fn from_seed(seed: [u8; 32]) -> TestKey {
        let pair = ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new(seed));
        TestKey { seed, pair }
    }

    /// A fixed test key: the seed is `n` repeated (n must not be 0).
    pub fn numbered(n: u8) -> TestKey {
        assert_ne!(n, 0, "the all-zero seed is refused by sealkit");
        TestKey::from_seed([n; 32])
    }

    /// The seed.
    pub fn seed(&self) -> [u8; 32] {
        self.seed
    }

    /// The raw public key.
    pub fn public_bytes(&self) -> [u8; 32] {
        *self.pair.pk
    }

    /// The public key as sealkit sees it.
    pub fn public_key(&self) -> sealkit::PublicKey {
        sealkit::PublicKey::from_bytes(&self.public_bytes()).unwrap()
    }

    /// The public key's text form (`sealkit-ed25519:...`).
    pub fn text(&self) -> String {
        let mut buf = [0u8; sealkit::PUBLIC_KEY_TEXT_LEN];
        self.public_key().to_text(&mut buf).to_owned()
    }

    /// The key id, computed here: the first 8 bytes of SHA-256 over the raw public key.
    pub fn kid(&self) -> [u8; 8] {
        let h = sha2::Sha256::digest(self.public_bytes());
        h[..8].try_into().unwrap()
    }

    /// sealkit's signing key for the same seed.
    pub fn signing_key(&self) -> sealkit::SigningKey {
        sealkit::SigningKey::from_seed(&self.seed).unwrap()
    }

    /// A deterministic RFC 8032 signature over `msg`.
    pub fn sign(&self, msg: &[u8]) -> [u8; 64] {
        *self.pair.sk.sign(msg, None)
    }

    /// A trust policy holding only this key.
    pub fn policy(&self) -> sealkit::TrustPolicy {
        let mut p = sealkit::TrustPolicy::new();
        p.trust_key(self.public_key()).unwrap();
        p
    }
}

/// The COSE `Sig_structure` for a Sign1 with empty external AAD, built here independently of
/// sealkit: `["Signature1", protected, h'', payload]`.
pub fn sig_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    cbor::array(&[
        cbor::text("Signature1"),
        cbor::bytes(protected),
        cbor::bytes(&[]),
        cbor::bytes(payload),
    ])
}

/// A protected header value: raw encoded bytes, or the CWT claims map built from
/// [`EnvelopeSpec::claims`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value {
    /// Already encoded CBOR.
    Raw(Vec<u8>),
    /// The claims map, encoded from the spec's claim entries.
    Claims,
}

/// One map entry: the label it stands for (for lookups), its encoded key and its value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The label (for text keys or odd encodings, any marker the test likes).
    pub label: i64,
    /// The encoded key.
    pub key: Vec<u8>,
    /// The value.
    pub value: Value,
}

impl Entry {
    /// An entry with a minimally encoded integer key and a raw value.
    pub fn new(label: i64, value: Vec<u8>) -> Entry {
        Entry {
            label,
            key: cbor::int(label),
            value: Value::Raw(value),
        }
    }
}

/// What the standard envelope states; mirrors [`sealkit::SignRequest`].
#[derive(Clone, Debug)]
pub struct Params {
    /// COSE `alg` (-19 or -8 for valid envelopes).
    pub alg: i64,
    /// The hash algorithm.
    pub hash: HashAlg,
    /// The artifact's digest.
    pub digest: Vec<u8>,
    /// The artifact's length.
    pub length: u64,
    /// `sub`.
    pub subject: String,
    /// `iss`.
    pub issuer: Option<String>,
    /// `iat`.
    pub issued_at: u64,
    /// The release version.
    pub version: Option<u64>,
    /// Header 259: `Ok(coap number)` or `Err(media type)`.
    pub content_type: Result<u16, String>,
}

/// The subject of the default test envelope.
pub const SUBJECT: &str = "firmware.bin";
/// The issuer of the default test envelope.
pub const ISSUER: &str = "release@example.org";
/// The `iat` of every test envelope (2023-11-14T22:13:20Z).
pub const ISSUED_AT: u64 = 1_700_000_000;
/// The version of the default test envelope.
pub const VERSION: u64 = 7;

impl Params {
    /// Ed25519 (-19), the given hash, subject [`SUBJECT`], issuer [`ISSUER`], version
    /// [`VERSION`], content type CoAP 42.
    pub fn for_artifact(artifact: &[u8], hash: HashAlg) -> Params {
        Params {
            alg: -19,
            hash,
            digest: digest(hash, artifact),
            length: artifact.len() as u64,
            subject: SUBJECT.to_owned(),
            issuer: Some(ISSUER.to_owned()),
            issued_at: ISSUED_AT,
            version: Some(VERSION),
            content_type: Ok(sealkit::COAP_OCTET_STREAM),
        }
    }

    /// The same statement as a [`sealkit::SignRequest`], to sign with sealkit's own signer.
    pub fn sign_request(&self) -> sealkit::SignRequest<'_> {
        sealkit::SignRequest {
            alg: sealkit::SignatureAlg::from_cose_id(self.alg).unwrap(),
            digest: sealkit::ArtifactDigest::from_bytes(self.hash, &self.digest).unwrap(),
            length: self.length,
            content_type: match &self.content_type {
                Ok(n) => sealkit::ContentType::CoapFormat(*n),
                Err(s) => sealkit::ContentType::MediaType(s),
            },
            subject: &self.subject,
            issuer: self.issuer.as_deref(),
            issued_at: self.issued_at,
            version: self.version,
        }
    }
}

/// Signs with sealkit's own signer (`sealkit::sign`).
pub fn sealkit_sign(key: &TestKey, params: &Params) -> Vec<u8> {
    let mut out = [0u8; sealkit::MAX_SIGNED_ENVELOPE_LEN];
    let n = sealkit::sign(&key.signing_key(), &params.sign_request(), &mut out).unwrap();
    out[..n].to_vec()
}

/// A COSE_Sign1 envelope described piece by piece. [`encode`](EnvelopeSpec::encode) signs the
/// protected bytes it produces with `signer` (unless `signature_item` overrides the signature),
/// so every test envelope carries a valid signature and fails, if it fails, for its one broken
/// rule.
#[derive(Clone, Debug)]
pub struct EnvelopeSpec {
    /// Protected header entries, in the order written.
    pub protected: Vec<Entry>,
    /// CWT claims entries, in the order written.
    pub claims: Vec<Entry>,
    /// Overrides the protected map's head (`None`: minimal head with the entry count).
    pub protected_map_head: Option<Vec<u8>>,
    /// Bytes written inside the protected bstr after the map (a break byte, trailing garbage).
    pub protected_suffix: Vec<u8>,
    /// Overrides the claims map's head.
    pub claims_map_head: Option<Vec<u8>>,
    /// Bytes written after the claims entries (a break byte).
    pub claims_suffix: Vec<u8>,
    /// Replaces the whole protected bytes.
    pub protected_override: Option<Vec<u8>>,
    /// Replaces the protected bstr item (head and content) in the Sign1 array; the signature
    /// still covers the protected bytes.
    pub protected_item: Option<Vec<u8>>,
    /// Bytes before the array: the tag head, `d2` by default.
    pub prefix: Vec<u8>,
    /// The array head, `84` by default.
    pub array_head: Vec<u8>,
    /// The unprotected header item, `a0` by default.
    pub unprotected: Vec<u8>,
    /// The payload (the digest), signed and written as a bstr.
    pub payload: Vec<u8>,
    /// Replaces the payload item (e.g. `null`).
    pub payload_item: Option<Vec<u8>>,
    /// The key that signs.
    pub signer: TestKey,
    /// Replaces the signature item.
    pub signature_item: Option<Vec<u8>>,
    /// Items written after the signature, inside the array.
    pub extra_items: Vec<u8>,
    /// Bytes after the array.
    pub suffix: Vec<u8>,
}

impl EnvelopeSpec {
    /// The envelope sealkit's signer would write for `params`, signed by `key`.
    pub fn from_params(key: &TestKey, params: &Params) -> EnvelopeSpec {
        let mut protected = vec![
            Entry::new(sealkit::LABEL_ALG, cbor::int(params.alg)),
            Entry::new(sealkit::LABEL_KID, cbor::bytes(&key.kid())),
            Entry {
                label: sealkit::LABEL_CWT_CLAIMS,
                key: cbor::int(sealkit::LABEL_CWT_CLAIMS),
                value: Value::Claims,
            },
            Entry::new(sealkit::LABEL_TYP, cbor::text(sealkit::ENVELOPE_TYPE)),
            Entry::new(
                sealkit::LABEL_PAYLOAD_HASH_ALG,
                cbor::int(params.hash.cose_id()),
            ),
            Entry::new(
                sealkit::LABEL_PREIMAGE_CONTENT_TYPE,
                match &params.content_type {
                    Ok(n) => cbor::uint(u64::from(*n)),
                    Err(s) => cbor::text(s),
                },
            ),
            Entry::new(sealkit::LABEL_ARTIFACT_LENGTH, cbor::uint(params.length)),
        ];
        if let Some(v) = params.version {
            protected.push(Entry::new(sealkit::LABEL_RELEASE_VERSION, cbor::uint(v)));
        }
        let mut claims = Vec::new();
        if let Some(iss) = &params.issuer {
            claims.push(Entry::new(sealkit::CLAIM_ISS, cbor::text(iss)));
        }
        claims.push(Entry::new(sealkit::CLAIM_SUB, cbor::text(&params.subject)));
        claims.push(Entry::new(sealkit::CLAIM_IAT, cbor::uint(params.issued_at)));
        EnvelopeSpec {
            protected,
            claims,
            protected_map_head: None,
            protected_suffix: Vec::new(),
            claims_map_head: None,
            claims_suffix: Vec::new(),
            protected_override: None,
            protected_item: None,
            prefix: cbor::head(cbor::TAG, sealkit::COSE_SIGN1_TAG),
            array_head: cbor::head(cbor::ARRAY, 4),
            unprotected: cbor::map(&[]),
            payload: params.digest.clone(),
            payload_item: None,
            signer: key.clone(),
            signature_item: None,
            extra_items: Vec::new(),
            suffix: Vec::new(),
        }
    }

    /// The default envelope for `artifact` (see [`Params::for_artifact`]).
    pub fn new(key: &TestKey, artifact: &[u8], hash: HashAlg) -> EnvelopeSpec {
        EnvelopeSpec::from_params(key, &Params::for_artifact(artifact, hash))
    }

    fn encode_entries(
        entries: &[Entry],
        head: &Option<Vec<u8>>,
        suffix: &[u8],
        claims: &[u8],
    ) -> Vec<u8> {
        let mut out = match head {
            Some(h) => h.clone(),
            None => cbor::head(cbor::MAP, entries.len() as u64),
        };
        for e in entries {
            out.extend_from_slice(&e.key);
            match &e.value {
                Value::Raw(v) => out.extend_from_slice(v),
                Value::Claims => out.extend_from_slice(claims),
            }
        }
        out.extend_from_slice(suffix);
        out
    }

    /// The encoded claims map.
    pub fn claims_bytes(&self) -> Vec<u8> {
        Self::encode_entries(
            &self.claims,
            &self.claims_map_head,
            &self.claims_suffix,
            &[],
        )
    }

    /// The protected header bytes (the content of the protected bstr).
    pub fn protected_bytes(&self) -> Vec<u8> {
        if let Some(p) = &self.protected_override {
            return p.clone();
        }
        Self::encode_entries(
            &self.protected,
            &self.protected_map_head,
            &self.protected_suffix,
            &self.claims_bytes(),
        )
    }

    /// The bytes the signature covers.
    pub fn to_be_signed(&self) -> Vec<u8> {
        sig_structure(&self.protected_bytes(), &self.payload)
    }

    /// The complete envelope.
    pub fn encode(&self) -> Vec<u8> {
        let protected = self.protected_bytes();
        let signature = self.signer.sign(&sig_structure(&protected, &self.payload));
        let mut out = self.prefix.clone();
        out.extend_from_slice(&self.array_head);
        match &self.protected_item {
            Some(p) => out.extend_from_slice(p),
            None => out.extend_from_slice(&cbor::bytes(&protected)),
        }
        out.extend_from_slice(&self.unprotected);
        match &self.payload_item {
            Some(p) => out.extend_from_slice(p),
            None => out.extend_from_slice(&cbor::bytes(&self.payload)),
        }
        match &self.signature_item {
            Some(s) => out.extend_from_slice(s),
            None => out.extend_from_slice(&cbor::bytes(&signature)),
        }
        out.extend_from_slice(&self.extra_items);
        out.extend_from_slice(&self.suffix);
        out
    }

    fn position(entries: &[Entry], label: i64) -> usize {
        entries
            .iter()
            .position(|e| e.label == label)
            .unwrap_or_else(|| panic!("no entry with label {label}"))
    }

    /// The protected entry for `label`.
    pub fn entry_mut(&mut self, label: i64) -> &mut Entry {
        let i = Self::position(&self.protected, label);
        &mut self.protected[i]
    }

    /// Replaces the value of protected label `label`.
    pub fn set(&mut self, label: i64, value: Vec<u8>) -> &mut Self {
        self.entry_mut(label).value = Value::Raw(value);
        self
    }

    /// Removes protected label `label`.
    pub fn remove(&mut self, label: i64) -> &mut Self {
        let i = Self::position(&self.protected, label);
        self.protected.remove(i);
        self
    }

    /// Inserts a protected entry where the deterministic (bytewise) key order puts it.
    pub fn insert(&mut self, label: i64, value: Vec<u8>) -> &mut Self {
        let e = Entry::new(label, value);
        let i = self
            .protected
            .iter()
            .position(|x| x.key > e.key)
            .unwrap_or(self.protected.len());
        self.protected.insert(i, e);
        self
    }

    /// Replaces the value of claim `label`.
    pub fn set_claim(&mut self, label: i64, value: Vec<u8>) -> &mut Self {
        let i = Self::position(&self.claims, label);
        self.claims[i].value = Value::Raw(value);
        self
    }

    /// Removes claim `label`.
    pub fn remove_claim(&mut self, label: i64) -> &mut Self {
        let i = Self::position(&self.claims, label);
        self.claims.remove(i);
        self
    }

    /// Inserts a claim in deterministic key order.
    pub fn insert_claim(&mut self, label: i64, value: Vec<u8>) -> &mut Self {
        let e = Entry::new(label, value);
        let i = self
            .claims
            .iter()
            .position(|x| x.key > e.key)
            .unwrap_or(self.claims.len());
        self.claims.insert(i, e);
        self
    }
}

/// The `main` of a vector generator: writes `json` to `path` (relative to the repository root,
/// where the generators run), or with `--check` exits 1 if the file differs. `what` describes
/// the contents for the message (e.g. "42 cases").
pub fn write_or_check(
    name: &str,
    path: &str,
    regenerate: &str,
    json: &str,
    what: &str,
) -> std::process::ExitCode {
    use std::process::ExitCode;
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => {
            eprintln!("usage: {name} [--check] (unexpected argument {other:?})");
            return ExitCode::from(2);
        }
    };
    if check {
        return match std::fs::read_to_string(path) {
            Ok(current) if current == json => {
                println!("{path} is up to date ({what})");
                ExitCode::SUCCESS
            }
            Ok(_) => {
                eprintln!("{path} is stale; run `{regenerate}`");
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("cannot read {path}: {e}");
                ExitCode::FAILURE
            }
        };
    }
    if let Err(e) = std::fs::write(path, json) {
        eprintln!("cannot write {path}: {e}");
        return ExitCode::FAILURE;
    }
    println!("wrote {path} ({what})");
    ExitCode::SUCCESS
}
