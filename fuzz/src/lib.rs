//! Shared helpers of the sealkit fuzz targets: a byte reader that never fails (missing bytes read
//! as zero), the "case" encoding that carries a trust policy, an envelope and chunk plans (the
//! seed corpora are written in it by `fuzz/gen-corpus.py`), chunkings, fixed signing keys and a
//! comparable form of the verified facts.
//!
//! The case encoding (all integers little-endian):
//!
//! ```text
//! case    = keys policy
//! keys    = u8 count (low 4 bits; up to 15, so "too many keys" is reachable) , count * key
//! key     = u8 flags (bit 0: bound to an identity; bit 1: text form)
//!           , (bit 1 ? str8 text : 32 raw bytes) , (bit 0 ? str8 identity : nothing)
//! policy  = u8 flags (bit 0: require identity; bit 1: require subject; bit 2: min version)
//!           , [str8 identity] , [str8 subject] , [u64 min version]
//! str8    = u8 length , that many bytes (need not be UTF-8)
//! bytes16 = u16 length , that many bytes
//! plan    = str8: chunk sizes, see `chunks`
//! ```
//!
//! Each target documents what follows the case in its input.

use std::sync::OnceLock;

use sealkit::{
    ArtifactHasher, ContentType, Error, HashAlg, PolicyBuilder, PublicKey, SignRequest,
    SignatureAlg, SigningKey, TrustPolicy, Verified, MAX_SIGNED_ENVELOPE_LEN,
};

/// Reads a fuzz input front to back; past the end every read gives zeros or empty slices, so a
/// target never has to reject a short input.
#[derive(Debug, Clone)]
pub struct Input<'a> {
    data: &'a [u8],
}

impl<'a> Input<'a> {
    /// A reader over `data`.
    pub fn new(data: &'a [u8]) -> Input<'a> {
        Input { data }
    }

    /// The next `n` bytes (fewer at the end).
    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.data.len());
        let (head, tail) = self.data.split_at(n);
        self.data = tail;
        head
    }

    /// One byte, 0 past the end.
    pub fn u8(&mut self) -> u8 {
        self.bytes(1).first().copied().unwrap_or(0)
    }

    /// A little-endian u16.
    pub fn u16(&mut self) -> u16 {
        u16::from(self.u8()) | (u16::from(self.u8()) << 8)
    }

    /// A little-endian u64.
    pub fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        for (d, s) in b.iter_mut().zip(self.bytes(8)) {
            *d = *s;
        }
        u64::from_le_bytes(b)
    }

    /// A `str8`: a length byte and that many bytes.
    pub fn str8(&mut self) -> &'a [u8] {
        let n = usize::from(self.u8());
        self.bytes(n)
    }

    /// A `bytes16`: a little-endian u16 length and that many bytes.
    pub fn bytes16(&mut self) -> &'a [u8] {
        let n = usize::from(self.u16());
        self.bytes(n)
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        let r = self.data;
        self.data = &[];
        r
    }

    /// Whether nothing is left.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// Text of a fuzzed argument: invalid UTF-8 is the error a binding reports for it.
pub fn utf8(b: &[u8]) -> Result<&str, Error> {
    core::str::from_utf8(b).map_err(|_| Error::ArgumentNotUtf8)
}

/// Reads a case's trust policy and builds it with the sticky [`PolicyBuilder`], as the bindings
/// do; the result is the policy or the builder's first error.
pub fn read_policy(input: &mut Input<'_>) -> Result<TrustPolicy, Error> {
    let mut b = PolicyBuilder::new();
    let count = input.u8() & 0x0f;
    for _ in 0..count {
        let flags = input.u8();
        let key = if flags & 2 != 0 {
            utf8(input.str8()).and_then(PublicKey::from_text)
        } else {
            PublicKey::from_bytes(input.bytes(32))
        };
        let identity = if flags & 1 != 0 {
            Some(utf8(input.str8()))
        } else {
            None
        };
        let _ = match (key, identity) {
            (Err(e), _) | (Ok(_), Some(Err(e))) => Err(b.fail(e)),
            (Ok(k), None) => b.trust_key(k).map(|_| ()),
            (Ok(k), Some(Ok(id))) => b.trust_key_for_identity(k, id).map(|_| ()),
        };
    }
    let flags = input.u8();
    if flags & 1 != 0 {
        let _ = match utf8(input.str8()) {
            Ok(id) => b.require_identity(id).map(|_| ()),
            Err(e) => Err(b.fail(e)),
        };
    }
    if flags & 2 != 0 {
        let _ = match utf8(input.str8()) {
            Ok(s) => b.require_subject(s).map(|_| ()),
            Err(e) => Err(b.fail(e)),
        };
    }
    if flags & 4 != 0 {
        let _ = b.require_min_version(input.u64());
    }
    b.policy().cloned()
}

/// Splits `data` into chunks following `plan`, cycling through its bytes: 0 is an empty chunk,
/// 1 to 127 that many bytes, 128 to 254 `(b - 127) * 61` bytes, 255 the rest. An empty plan is
/// one chunk. After as many empty chunks in a row as the plan is long, the rest follows, so the
/// list is always finite and always covers `data` exactly.
pub fn chunks<'a>(data: &'a [u8], plan: &[u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::new();
    if plan.is_empty() || data.is_empty() {
        out.push(data);
        return out;
    }
    let mut rest = data;
    let mut empties = 0usize;
    for &b in plan.iter().cycle() {
        if rest.is_empty() {
            break;
        }
        let n = match b {
            0 => 0,
            1..=127 => usize::from(b),
            128..=254 => usize::from(b - 127) * 61,
            255 => rest.len(),
        };
        if n == 0 {
            empties += 1;
            if empties > plan.len() {
                out.push(rest);
                break;
            }
            out.push(&[]);
            continue;
        }
        empties = 0;
        let (head, tail) = rest.split_at(n.min(rest.len()));
        out.push(head);
        rest = tail;
    }
    out
}

/// The signing key the in-target signers use (a fixed seed).
pub fn fuzz_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| match SigningKey::from_seed(&[0x5e; 32]) {
        Ok(k) => k,
        Err(e) => panic!("fixed fuzz seed refused: {e:?}"),
    })
}

/// A second fixed key, never the signer: "another vendor's key".
pub fn other_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| match SigningKey::from_seed(&[0xa7; 32]) {
        Ok(k) => k,
        Err(e) => panic!("fixed fuzz seed refused: {e:?}"),
    })
}

/// The digest of `data` under `alg`.
pub fn digest_of(alg: HashAlg, data: &[u8]) -> sealkit::ArtifactDigest {
    let mut h = ArtifactHasher::new(alg);
    h.update(data);
    h.finalize()
}

/// Signs an envelope for `artifact` with `key`; the length may be stated wrongly on purpose.
#[allow(clippy::too_many_arguments)]
pub fn sign_envelope(
    key: &SigningKey,
    alg: SignatureAlg,
    hash: HashAlg,
    artifact: &[u8],
    length: u64,
    content_type: ContentType<'_>,
    subject: &str,
    issuer: Option<&str>,
    issued_at: u64,
    version: Option<u64>,
) -> Result<Vec<u8>, Error> {
    let req = SignRequest {
        alg,
        digest: digest_of(hash, artifact),
        length,
        content_type,
        subject,
        issuer,
        issued_at,
        version,
    };
    let mut out = [0u8; MAX_SIGNED_ENVELOPE_LEN];
    let n = sealkit::sign(key, &req, &mut out)?;
    Ok(out.get(..n).unwrap_or_default().to_vec())
}

/// The verified facts in a form that compares with `==` and prints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub key_id: [u8; 8],
    pub alg: i64,
    pub identity: Option<String>,
    pub subject: String,
    pub coap_format: Option<u16>,
    pub media_type: Option<String>,
    pub issued_at: u64,
    pub version: Option<u64>,
    pub length: u64,
    pub hash_alg: i64,
    pub digest: Vec<u8>,
}

impl Facts {
    /// The facts of a successful verification.
    pub fn of(v: &Verified) -> Facts {
        let (coap_format, media_type) = match v.content_type() {
            ContentType::CoapFormat(n) => (Some(n), None),
            ContentType::MediaType(m) => (None, Some(m.to_owned())),
        };
        Facts {
            key_id: v.key_id().0,
            alg: v.alg().cose_id(),
            identity: v.identity().map(str::to_owned),
            subject: v.subject().to_owned(),
            coap_format,
            media_type,
            issued_at: v.issued_at(),
            version: v.version(),
            length: v.length(),
            hash_alg: v.digest().alg().cose_id(),
            digest: v.digest().as_bytes().to_vec(),
        }
    }
}

/// Every public key of the conformance vector files (`tests/vectors/*.json`) whose text parses,
/// so that targets fed raw vector envelopes can find the key their `kid` names.
pub const VECTOR_KEYS: &[&str] = &[
    "sealkit-ed25519:0EqyMnQrtKs6E2i9RhXk5tAiSrcaAWuvhSCjMsl3hzc=",
    "sealkit-ed25519:11l5O7wTooGagnx2rbb7qKSa7gB/SfLQmS2ZuCWtLEg=",
    "sealkit-ed25519:1O7Bhp+xuKToF1Fq1akxVXy1aAXD6xbo86gD1kffeGk=",
    "sealkit-ed25519:25lf4lFp0UHKubu6krqgH58uHs599MsqwFGQ83/MH50=",
    "sealkit-ed25519:4oqJcHUzMr1y/vQT5rCy7xtKrdp6osFB8jNxKmh2s1E=",
    "sealkit-ed25519:7pOk9m+NFrgZu5vrn/zN/NwUEuh/7moyTCqZoeDmcUg=",
    "sealkit-ed25519:IVL40Zt5HSRFMkLhXy6rbLfP+ntqXtMAl5YOBpiB2xI=",
    "sealkit-ed25519:Ivwpd5Lwtv/Av8/bftsMCqFOAlo2XsDjQuhuOCnLdLY=",
    "sealkit-ed25519:Y1VpHBeKj/kQB6dHivuVXvc1LGPnslcDmEz3iybiGlY=",
    "sealkit-ed25519:dyyKRCt9sG4WbPvBzLy83m8+unak6Y7z/8UZUCI31u8=",
    "sealkit-ed25519:oJql9HpnWYAv+VX43C0qFKXJnSO+l/hkEn/5ODRVpPA=",
    "sealkit-ed25519:F8t5+ytBIPKx7GXkGY1uCLKOgT/rAeSkAIObheGAgM4=",
    "sealkit-ed25519:4v4qObcyZkKCfW2C1JdiLNbCl/54Jw6qQ2sB8Ia288s=",
    "sealkit-ed25519:W2SJycf9Dc9QVF58FkiG70BJHsBsfxsSMEF5foEXU14=",
];

/// A policy trusting the vector key (or the fuzz signing key) whose id is `kid`, if any.
pub fn policy_for_kid(kid: sealkit::KeyId) -> TrustPolicy {
    let mut p = TrustPolicy::new();
    let fuzz = [fuzz_key().public_key(), other_key().public_key()];
    let found = VECTOR_KEYS
        .iter()
        .filter_map(|t| PublicKey::from_text(t).ok())
        .chain(fuzz)
        .find(|k| k.key_id() == kid);
    if let Some(k) = found {
        let _ = p.trust_key(k);
    }
    p
}
