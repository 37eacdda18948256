//! The cross-language vector file `tests/vectors/sealkit-vectors.json`: its schema, its
//! deterministic generator, and a runner that checks one case against the Rust core.
//!
//! The format is documented in `tests/vectors/README.md`. Expected verdicts are *declared* here
//! by the generator, never obtained by running the verifier, so the file is a specification the
//! core (and every binding) is checked against.

use serde::{Deserialize, Serialize};

use sealkit::{ContentType, Error, HashAlg, TrustPolicy, VerifierSlot};

use crate::{cbor, pattern_bytes, sealkit_sign, EnvelopeSpec, Params, TestKey};

/// The file's `format` field.
pub const FORMAT: &str = "sealkit-vectors";
/// The file's `version` field; bumped on any incompatible change of the schema.
pub const VERSION: u32 = 2;
/// Where the file lives, from this crate's manifest directory.
pub const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/sealkit-vectors.json");
/// The command that regenerates the file.
pub const REGENERATE: &str = "cargo run -p sealkit-conformance --bin gen-vectors";

/// The whole file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VectorFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// What the file is and how to regenerate it.
    pub description: String,
    /// Verification cases: envelope, artifact, policy, verdict.
    pub cases: Vec<Case>,
    /// Public key text parsing cases.
    pub public_key_text: Vec<KeyTextCase>,
}

/// One verification case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// A unique snake_case name.
    pub name: String,
    /// What the case checks.
    pub description: String,
    /// The envelope (the bytes of a `.sig` file), hex.
    pub envelope_hex: String,
    /// The artifact fed to the verifier.
    pub artifact: Artifact,
    /// The keys the policy trusts, in order.
    pub public_keys: Vec<TrustedKeySpec>,
    /// The policy's other rules.
    pub policy: Policy,
    /// The verdict.
    pub expected: Expected,
}

/// The artifact: `len` bytes given by exactly one of `hex` or `pattern`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Artifact {
    /// The length in bytes.
    pub len: u64,
    /// The bytes, hex (small artifacts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hex: Option<String>,
    /// A generator: `"mod251"` means byte `i` is `i % 251`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
}

impl Artifact {
    fn from_bytes(bytes: &[u8]) -> Artifact {
        Artifact {
            len: bytes.len() as u64,
            hex: Some(hex::encode(bytes)),
            pattern: None,
        }
    }

    fn mod251(len: usize) -> Artifact {
        Artifact {
            len: len as u64,
            hex: None,
            pattern: Some("mod251".to_owned()),
        }
    }

    /// The artifact's bytes.
    pub fn bytes(&self) -> Result<Vec<u8>, String> {
        let bytes = match (&self.hex, self.pattern.as_deref()) {
            (Some(h), None) => hex::decode(h).map_err(|e| format!("bad artifact hex: {e}"))?,
            (None, Some("mod251")) => pattern_bytes(
                usize::try_from(self.len).map_err(|_| "artifact too large".to_owned())?,
            ),
            other => {
                return Err(format!(
                    "artifact must have hex or a known pattern: {other:?}"
                ))
            }
        };
        if bytes.len() as u64 != self.len {
            return Err(format!(
                "artifact len {} but {} bytes",
                self.len,
                bytes.len()
            ));
        }
        Ok(bytes)
    }
}

/// A trusted key, optionally bound to the only identity it may sign as.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustedKeySpec {
    /// The key's text form, `sealkit-ed25519:<base64>`.
    pub key: String,
    /// `trust_key_for_identity` if set, else `trust_key`.
    pub identity: Option<String>,
}

/// Policy rules beyond the keys; `null` means the rule is off.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// `require_identity`.
    pub identity: Option<String>,
    /// `require_subject`.
    pub subject: Option<String>,
    /// `require_min_version`.
    pub min_version: Option<u64>,
}

/// The verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expected {
    /// `"ok"` or `"error"`.
    pub result: String,
    /// For errors: the error's stable name (`Error::name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For errors: the error's stable numeric code (`Error::code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// For errors: where it surfaces when the whole artifact is passed in one update:
    /// `"policy"`, `"new"`, `"update"` or `"finish"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// For `"ok"`: the verified facts `finish()` returns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<Facts>,
}

/// What a successful verification vouches for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    /// The signing key's id, hex.
    pub key_id: String,
    /// `"Ed25519"` or `"EdDSA"`.
    pub alg: String,
    /// `iss`, if any.
    pub identity: Option<String>,
    /// `sub`.
    pub subject: String,
    /// Header 259 as a CoAP Content-Format number, if it is one.
    pub content_format: Option<u16>,
    /// Header 259 as a media type string, if it is one.
    pub media_type: Option<String>,
    /// `iat`.
    pub issued_at: u64,
    /// The release version, if any.
    pub version: Option<u64>,
    /// The artifact length.
    pub length: u64,
    /// `"sha256"` or `"sha512"`.
    pub hash_alg: String,
    /// The artifact digest, hex.
    pub digest_hex: String,
}

/// One public key text parsing case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyTextCase {
    /// A unique snake_case name.
    pub name: String,
    /// What the case checks.
    pub description: String,
    /// The text to parse.
    pub text: String,
    /// `"ok"` or `"error"`.
    pub result: String,
    /// For errors: the error's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For errors: the error's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// For `"ok"`: the raw 32-byte key, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_hex: Option<String>,
    /// For `"ok"`: the key id, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
}

/// Where a verdict surfaced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Building the trust policy from `public_keys` and `policy`.
    Policy,
    /// `StreamVerifier::new`: envelope, signature and policy checks.
    New,
    /// `update`.
    Update,
    /// `finish`.
    Finish,
}

impl Stage {
    /// The stage's name in the file.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Policy => "policy",
            Stage::New => "new",
            Stage::Update => "update",
            Stage::Finish => "finish",
        }
    }
}

fn error(e: Error, stage: Stage) -> Expected {
    Expected {
        result: "error".to_owned(),
        error: Some(e.name().to_owned()),
        code: Some(e.code()),
        stage: Some(stage.name().to_owned()),
        verified: None,
    }
}

/// The facts sealkit reports, in the file's terms.
pub fn facts_of(v: &sealkit::Verified) -> Facts {
    let (content_format, media_type) = match v.content_type() {
        ContentType::CoapFormat(n) => (Some(n), None),
        ContentType::MediaType(s) => (None, Some(s.to_owned())),
    };
    Facts {
        key_id: hex::encode(v.key_id().as_bytes()),
        alg: v.alg().name().to_owned(),
        identity: v.identity().map(str::to_owned),
        subject: v.subject().to_owned(),
        content_format,
        media_type,
        issued_at: v.issued_at(),
        version: v.version(),
        length: v.length(),
        hash_alg: v.digest().alg().name().to_owned(),
        digest_hex: hex::encode(v.digest().as_bytes()),
    }
}

/// The facts a case's parameters declare (computed from the inputs, not by verifying).
fn declared_facts(key: &TestKey, p: &Params) -> Expected {
    let (content_format, media_type) = match &p.content_type {
        Ok(n) => (Some(*n), None),
        Err(s) => (None, Some(s.clone())),
    };
    Expected {
        result: "ok".to_owned(),
        error: None,
        code: None,
        stage: None,
        verified: Some(Facts {
            key_id: hex::encode(key.kid()),
            alg: match p.alg {
                -19 => "Ed25519",
                -8 => "EdDSA",
                _ => "unknown",
            }
            .to_owned(),
            identity: p.issuer.clone(),
            subject: p.subject.clone(),
            content_format,
            media_type,
            issued_at: p.issued_at,
            version: p.version,
            length: p.length,
            hash_alg: p.hash.name().to_owned(),
            digest_hex: hex::encode(&p.digest),
        }),
    }
}

fn trusts(keys: &[&TestKey]) -> Vec<TrustedKeySpec> {
    keys.iter()
        .map(|k| TrustedKeySpec {
            key: k.text(),
            identity: None,
        })
        .collect()
}

/// The primary signing key of the vectors.
pub fn primary_key() -> TestKey {
    TestKey::numbered(0x11)
}

/// A second key, trusted in some cases.
pub fn second_key() -> TestKey {
    TestKey::numbered(0x22)
}

/// A key never trusted.
pub fn stranger_key() -> TestKey {
    TestKey::numbered(0x33)
}

struct Builder {
    cases: Vec<Case>,
}

impl Builder {
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        name: &str,
        description: &str,
        envelope: &[u8],
        artifact: Artifact,
        public_keys: Vec<TrustedKeySpec>,
        policy: Policy,
        expected: Expected,
    ) {
        assert!(
            !self.cases.iter().any(|c| c.name == name),
            "duplicate case name {name}"
        );
        self.cases.push(Case {
            name: name.to_owned(),
            description: description.to_owned(),
            envelope_hex: hex::encode(envelope),
            artifact,
            public_keys,
            policy,
            expected,
        });
    }

    /// A malformed envelope: the error surfaces in `new`, whatever the policy.
    fn malformed(&mut self, name: &str, description: &str, envelope: &[u8], e: Error) {
        let key = primary_key();
        self.push(
            name,
            description,
            envelope,
            Artifact::from_bytes(SMALL),
            trusts(&[&key]),
            Policy::default(),
            error(e, Stage::New),
        );
    }

    /// A well-formed variant of the default envelope built by `edit`, trusted, with the
    /// default artifact.
    fn spec(
        &mut self,
        name: &str,
        description: &str,
        edit: impl FnOnce(&mut EnvelopeSpec),
        e: Error,
    ) {
        let key = primary_key();
        let mut spec = EnvelopeSpec::new(&key, SMALL, HashAlg::Sha256);
        edit(&mut spec);
        self.malformed(name, description, &spec.encode(), e);
    }
}

/// The default small artifact.
pub const SMALL: &[u8] = b"sealkit test artifact\n";

/// Builds the vector file. Deterministic: fixed seeds, deterministic Ed25519, fixed times.
pub fn generate() -> VectorFile {
    let key = primary_key();
    let key2 = second_key();
    let stranger = stranger_key();
    let mut b = Builder { cases: Vec::new() };
    let all = Policy {
        identity: Some(crate::ISSUER.to_owned()),
        subject: Some(crate::SUBJECT.to_owned()),
        min_version: Some(crate::VERSION),
    };

    // --- ok ---
    let p = Params::for_artifact(SMALL, HashAlg::Sha256);
    let env = sealkit_sign(&key, &p);
    b.push(
        "ok_sha256",
        "SHA-256 hash envelope signed with Ed25519 (-19), key trusted, no other rule",
        &env,
        Artifact::from_bytes(SMALL),
        trusts(&[&key]),
        Policy::default(),
        declared_facts(&key, &p),
    );
    b.push(
        "ok_all_policy_rules",
        "every policy rule set and met: identity, subject, minimum version equal to the envelope's",
        &env,
        Artifact::from_bytes(SMALL),
        trusts(&[&key]),
        all.clone(),
        declared_facts(&key, &p),
    );
    b.push(
        "ok_bound_identity",
        "the key is bound to the identity the envelope states",
        &env,
        Artifact::from_bytes(SMALL),
        vec![TrustedKeySpec {
            key: key.text(),
            identity: Some(crate::ISSUER.to_owned()),
        }],
        Policy::default(),
        declared_facts(&key, &p),
    );
    b.push(
        "ok_second_trusted_key",
        "the policy trusts two keys; the envelope is signed by the second",
        &sealkit_sign(&key2, &p),
        Artifact::from_bytes(SMALL),
        trusts(&[&key, &key2]),
        Policy::default(),
        declared_facts(&key2, &p),
    );

    let p512 = Params::for_artifact(SMALL, HashAlg::Sha512);
    b.push(
        "ok_sha512",
        "SHA-512 hash envelope (payload_hash_alg -44, 64-byte payload)",
        &sealkit_sign(&key, &p512),
        Artifact::from_bytes(SMALL),
        trusts(&[&key]),
        Policy::default(),
        declared_facts(&key, &p512),
    );

    let mut pe = p.clone();
    pe.alg = -8;
    b.push(
        "ok_eddsa",
        "alg EdDSA (-8) is accepted exactly like Ed25519 (-19)",
        &sealkit_sign(&key, &pe),
        Artifact::from_bytes(SMALL),
        trusts(&[&key]),
        all.clone(),
        declared_facts(&key, &pe),
    );

    let p0 = Params::for_artifact(b"", HashAlg::Sha256);
    b.push(
        "ok_empty_artifact",
        "a zero-length artifact",
        &sealkit_sign(&key, &p0),
        Artifact::from_bytes(b""),
        trusts(&[&key]),
        Policy::default(),
        declared_facts(&key, &p0),
    );

    let large = pattern_bytes(LARGE_LEN);
    let pl = Params::for_artifact(&large, HashAlg::Sha256);
    b.push(
        "ok_large_sha256",
        "a 1 MiB + 7 byte artifact given by the mod251 pattern; stream it in chunks",
        &sealkit_sign(&key, &pl),
        Artifact::mod251(LARGE_LEN),
        trusts(&[&key]),
        Policy::default(),
        declared_facts(&key, &pl),
    );
    let pl512 = Params::for_artifact(&large, HashAlg::Sha512);
    b.push(
        "ok_large_sha512",
        "the same large artifact with SHA-512",
        &sealkit_sign(&key, &pl512),
        Artifact::mod251(LARGE_LEN),
        trusts(&[&key]),
        Policy::default(),
        declared_facts(&key, &pl512),
    );

    let mut pm = Params::for_artifact(SMALL, HashAlg::Sha256);
    pm.issuer = None;
    pm.version = None;
    pm.content_type = Err("application/vnd.oci.image.manifest.v1+json".to_owned());
    pm.subject = "registry.example/app@v1".to_owned();
    b.push(
        "ok_minimal_claims_media_type",
        "no iss, no version, content type given as a media type string",
        &sealkit_sign(&key, &pm),
        Artifact::from_bytes(SMALL),
        trusts(&[&key]),
        Policy::default(),
        declared_facts(&key, &pm),
    );

    let mut crit = EnvelopeSpec::new(&key, SMALL, HashAlg::Sha256);
    crit.insert(
        sealkit::LABEL_CRIT,
        cbor::array(&[cbor::int(258), cbor::int(-65537)]),
    );
    b.push(
        "ok_crit_understood",
        "crit lists 258 and -65537, both present and understood",
        &crit.encode(),
        Artifact::from_bytes(SMALL),
        trusts(&[&key]),
        Policy::default(),
        declared_facts(&key, &p),
    );

    let mut pmax = Params::for_artifact(SMALL, HashAlg::Sha512);
    pmax.subject = "s".repeat(sealkit::MAX_SUBJECT_LEN);
    pmax.issuer = Some("i".repeat(sealkit::MAX_IDENTITY_LEN));
    pmax.content_type = Err("m".repeat(sealkit::MAX_MEDIA_TYPE_LEN));
    pmax.version = Some(MAX_JSON_SAFE_INTEGER);
    pmax.issued_at = MAX_JSON_SAFE_INTEGER;
    b.push(
        "ok_maximum_lengths",
        "sub and iss of 128 bytes, a media type of 64 bytes, version and iat of 2^53 - 1",
        &sealkit_sign(&key, &pmax),
        Artifact::from_bytes(SMALL),
        trusts(&[&key]),
        Policy {
            identity: pmax.issuer.clone(),
            subject: Some(pmax.subject.clone()),
            min_version: Some(MAX_JSON_SAFE_INTEGER),
        },
        declared_facts(&key, &pmax),
    );
    let mut pu = Params::for_artifact(SMALL, HashAlg::Sha256);
    pu.subject = "Gr\u{fc}\u{df}e/\u{65e5}\u{672c}.bin".to_owned();
    pu.issuer = Some("\u{e9}quipe@example.org".to_owned());
    b.push(
        "ok_unicode_text",
        "non-ASCII UTF-8 in sub and iss, compared byte for byte",
        &sealkit_sign(&key, &pu),
        Artifact::from_bytes(SMALL),
        vec![TrustedKeySpec {
            key: key.text(),
            identity: pu.issuer.clone(),
        }],
        Policy {
            identity: None,
            subject: Some(pu.subject.clone()),
            min_version: None,
        },
        declared_facts(&key, &pu),
    );

    // --- artifact mismatch ---
    let mut flipped = SMALL.to_vec();
    flipped[5] ^= 0x01;
    b.push(
        "digest_mismatch",
        "one bit of the artifact flipped",
        &env,
        Artifact::from_bytes(&flipped),
        trusts(&[&key]),
        Policy::default(),
        error(Error::DigestMismatch, Stage::Finish),
    );
    b.push(
        "digest_mismatch_sha512",
        "one bit of the artifact flipped, SHA-512 envelope",
        &sealkit_sign(&key, &p512),
        Artifact::from_bytes(&flipped),
        trusts(&[&key]),
        Policy::default(),
        error(Error::DigestMismatch, Stage::Finish),
    );
    let mut appended = SMALL.to_vec();
    appended.push(0);
    b.push(
        "artifact_too_long",
        "one byte appended to the artifact",
        &env,
        Artifact::from_bytes(&appended),
        trusts(&[&key]),
        Policy::default(),
        error(Error::ArtifactTooLong, Stage::Update),
    );
    b.push(
        "artifact_too_short",
        "the artifact's last byte removed",
        &env,
        Artifact::from_bytes(&SMALL[..SMALL.len() - 1]),
        trusts(&[&key]),
        Policy::default(),
        error(Error::ArtifactTooShort, Stage::Finish),
    );
    b.push(
        "artifact_too_short_empty",
        "no artifact bytes at all",
        &env,
        Artifact::from_bytes(b""),
        trusts(&[&key]),
        Policy::default(),
        error(Error::ArtifactTooShort, Stage::Finish),
    );

    // --- key, signature and policy ---
    b.push(
        "untrusted_key",
        "the policy trusts a different key",
        &env,
        Artifact::from_bytes(SMALL),
        trusts(&[&key2]),
        Policy::default(),
        error(Error::UntrustedKey, Stage::New),
    );
    b.push(
        "untrusted_key_empty_policy",
        "the policy trusts no key at all",
        &env,
        Artifact::from_bytes(SMALL),
        Vec::new(),
        Policy::default(),
        error(Error::UntrustedKey, Stage::New),
    );
    let mut wrong_msg = EnvelopeSpec::new(&key, SMALL, HashAlg::Sha256);
    let other_tbs = crate::sig_structure(&wrong_msg.protected_bytes(), &[0u8; 32]);
    wrong_msg.signature_item = Some(cbor::bytes(&key.sign(&other_tbs)));
    b.push(
        "bad_signature",
        "well-formed envelope whose signature (by the trusted key) covers a different payload",
        &wrong_msg.encode(),
        Artifact::from_bytes(SMALL),
        trusts(&[&key]),
        Policy::default(),
        error(Error::BadSignature, Stage::New),
    );
    let mut confused = EnvelopeSpec::new(&key, SMALL, HashAlg::Sha256);
    confused.signer = stranger.clone();
    b.push(
        "bad_signature_key_confusion",
        "signed by an untrusted key but naming the trusted key's kid",
        &confused.encode(),
        Artifact::from_bytes(SMALL),
        trusts(&[&key]),
        Policy::default(),
        error(Error::BadSignature, Stage::New),
    );
    let mut swapped = EnvelopeSpec::new(&key, SMALL, HashAlg::Sha256);
    let honest_sig = key.sign(&swapped.to_be_signed());
    swapped.payload = crate::digest(HashAlg::Sha256, &flipped);
    swapped.signature_item = Some(cbor::bytes(&honest_sig));
    b.push(
        "bad_signature_payload_replaced",
        "the digest replaced by that of another artifact, the original signature kept",
        &swapped.encode(),
        Artifact::from_bytes(&flipped),
        trusts(&[&key]),
        Policy::default(),
        error(Error::BadSignature, Stage::New),
    );
    let mut malleable = EnvelopeSpec::new(&key, SMALL, HashAlg::Sha256);
    let mut sig = key.sign(&malleable.to_be_signed());
    add_group_order(&mut sig[32..]);
    malleable.signature_item = Some(cbor::bytes(&sig));
    b.push(
        "bad_signature_s_not_reduced",
        "a valid signature made malleable: S + L instead of S",
        &malleable.encode(),
        Artifact::from_bytes(SMALL),
        trusts(&[&key]),
        Policy::default(),
        error(Error::BadSignature, Stage::New),
    );
    b.push(
        "identity_mismatch_bound_key",
        "the key is bound to another identity",
        &env,
        Artifact::from_bytes(SMALL),
        vec![TrustedKeySpec {
            key: key.text(),
            identity: Some("someone-else@example.org".to_owned()),
        }],
        Policy::default(),
        error(Error::IdentityMismatch, Stage::New),
    );
    b.push(
        "identity_mismatch_policy",
        "the policy requires another identity",
        &env,
        Artifact::from_bytes(SMALL),
        trusts(&[&key]),
        Policy {
            identity: Some("someone-else@example.org".to_owned()),
            ..Policy::default()
        },
        error(Error::IdentityMismatch, Stage::New),
    );
    b.push(
        "identity_mismatch_no_issuer",
        "the policy requires an identity and the envelope has no iss",
        &sealkit_sign(&key, &pm),
        Artifact::from_bytes(SMALL),
        trusts(&[&key]),
        Policy {
            identity: Some(crate::ISSUER.to_owned()),
            ..Policy::default()
        },
        error(Error::IdentityMismatch, Stage::New),
    );
    b.push(
        "subject_mismatch",
        "the policy requires another subject",
        &env,
        Artifact::from_bytes(SMALL),
        trusts(&[&key]),
        Policy {
            subject: Some("bootloader.bin".to_owned()),
            ..Policy::default()
        },
        error(Error::SubjectMismatch, Stage::New),
    );
    b.push(
        "rollback",
        "the envelope's version 7 is below the policy's minimum 8",
        &env,
        Artifact::from_bytes(SMALL),
        trusts(&[&key]),
        Policy {
            min_version: Some(crate::VERSION + 1),
            ..Policy::default()
        },
        error(Error::Rollback, Stage::New),
    );
    b.push(
        "version_missing",
        "the policy requires a minimum version and the envelope has none",
        &sealkit_sign(&key, &pm),
        Artifact::from_bytes(SMALL),
        trusts(&[&key]),
        Policy {
            min_version: Some(1),
            ..Policy::default()
        },
        error(Error::VersionMissing, Stage::New),
    );

    // --- malformed envelopes ---
    b.malformed(
        "envelope_empty",
        "zero bytes",
        b"",
        Error::EnvelopeTruncated,
    );
    b.malformed(
        "envelope_truncated",
        "the last byte of a valid envelope removed",
        &env[..env.len() - 1],
        Error::EnvelopeTruncated,
    );
    b.malformed(
        "trailing_bytes",
        "one byte after the COSE_Sign1",
        &[env.as_slice(), &[0]].concat(),
        Error::TrailingBytes,
    );
    b.malformed(
        "untagged",
        "the COSE_Sign1 array without tag 18",
        &env[1..],
        Error::NotTaggedSign1,
    );
    b.malformed(
        "envelope_too_large",
        "a valid envelope followed by padding to 4097 bytes",
        &{
            let mut v = env.clone();
            v.resize(sealkit::MAX_ENVELOPE_LEN + 1, 0);
            v
        },
        Error::EnvelopeTooLarge,
    );
    b.spec(
        "non_canonical_tag",
        "tag 18 written as d8 12",
        |s| s.prefix = cbor::head_wide(cbor::TAG, 18, 24),
        Error::NonCanonicalEncoding,
    );
    b.spec(
        "indefinite_sign1_array",
        "the COSE_Sign1 array has indefinite length",
        |s| {
            s.array_head = vec![cbor::indefinite(cbor::ARRAY)];
            s.extra_items = vec![cbor::BREAK];
        },
        Error::IndefiniteLength,
    );
    b.spec(
        "protected_trailing_bytes",
        "a byte after the map inside the protected bstr",
        |s| s.protected_suffix = vec![0],
        Error::TrailingBytes,
    );
    b.spec(
        "empty_protected_header",
        "a zero-length protected bstr (an empty header map)",
        |s| s.protected_override = Some(Vec::new()),
        Error::MissingAlgorithm,
    );
    b.spec(
        "duplicate_claim",
        "sub twice in the CWT claims",
        |s| {
            s.claims
                .insert(1, crate::Entry::new(sealkit::CLAIM_SUB, cbor::text("x")))
        },
        Error::DuplicateLabel,
    );
    b.spec(
        "empty_crit",
        "crit is an empty array",
        |s| {
            s.insert(sealkit::LABEL_CRIT, cbor::array(&[]));
        },
        Error::UnknownCriticalHeader,
    );
    b.spec(
        "bad_field_type",
        "iat is negative",
        |s| {
            s.set_claim(sealkit::CLAIM_IAT, cbor::int(-1));
        },
        Error::BadFieldType,
    );
    b.spec(
        "missing_key_id",
        "no kid (4)",
        |s| {
            s.remove(sealkit::LABEL_KID);
        },
        Error::MissingKeyId,
    );
    b.spec(
        "missing_envelope_type",
        "no typ (16)",
        |s| {
            s.remove(sealkit::LABEL_TYP);
        },
        Error::MissingEnvelopeType,
    );
    b.spec(
        "missing_claims",
        "no CWT claims (15)",
        |s| {
            s.remove(sealkit::LABEL_CWT_CLAIMS);
        },
        Error::MissingClaims,
    );
    b.spec(
        "missing_issued_at",
        "no iat claim",
        |s| {
            s.remove_claim(sealkit::CLAIM_IAT);
        },
        Error::MissingIssuedAt,
    );
    b.spec(
        "missing_hash_algorithm",
        "no payload_hash_alg (258)",
        |s| {
            s.remove(sealkit::LABEL_PAYLOAD_HASH_ALG);
        },
        Error::MissingHashAlgorithm,
    );
    b.spec(
        "missing_content_type",
        "no payload_preimage_content_type (259)",
        |s| {
            s.remove(sealkit::LABEL_PREIMAGE_CONTENT_TYPE);
        },
        Error::MissingContentType,
    );
    b.spec(
        "wrong_tag",
        "tag 98 (COSE_Sign) instead of 18",
        |s| s.prefix = cbor::head(cbor::TAG, 98),
        Error::NotTaggedSign1,
    );
    b.spec(
        "array_of_five",
        "a Sign1 array with a fifth item",
        |s| {
            s.array_head = cbor::head(cbor::ARRAY, 5);
            s.extra_items = cbor::uint(0);
        },
        Error::BadSign1Structure,
    );
    b.spec(
        "indefinite_protected_map",
        "the protected header map has indefinite length",
        |s| {
            s.protected_map_head = Some(vec![cbor::indefinite(cbor::MAP)]);
            s.protected_suffix = vec![cbor::BREAK];
        },
        Error::IndefiniteLength,
    );
    b.spec(
        "non_canonical_integer",
        "alg's value -19 written with a one-byte argument (38 12) instead of 32",
        |s| {
            s.set(sealkit::LABEL_ALG, cbor::int_wide(-19, 24));
        },
        Error::NonCanonicalEncoding,
    );
    b.spec(
        "non_canonical_length",
        "the kid bstr length written as 58 08 instead of 48",
        |s| {
            s.set(
                sealkit::LABEL_KID,
                cbor::cat(&[&cbor::head_wide(cbor::BYTES, 8, 24), &primary_key().kid()]),
            );
        },
        Error::NonCanonicalEncoding,
    );
    b.spec(
        "keys_out_of_order",
        "kid (4) before alg (1) in the protected header",
        |s| s.protected.swap(0, 1),
        Error::NonCanonicalEncoding,
    );
    b.spec(
        "duplicate_label",
        "alg (1) twice, the second time at the end of the map",
        |s| s.protected.push(crate::Entry::new(1, cbor::int(-19))),
        Error::DuplicateLabel,
    );
    b.spec(
        "unknown_header",
        "label 5 (IV) in the protected header",
        |s| {
            s.insert(5, cbor::bytes(&[0; 12]));
        },
        Error::UnknownHeader,
    );
    b.spec(
        "unknown_critical_header",
        "crit names label 99, which is not present",
        |s| {
            s.insert(sealkit::LABEL_CRIT, cbor::array(&[cbor::int(99)]));
        },
        Error::UnknownCriticalHeader,
    );
    b.spec(
        "content_type_present",
        "header 3 (content type) present",
        |s| {
            s.insert(sealkit::LABEL_CONTENT_TYPE, cbor::uint(42));
        },
        Error::ContentTypePresent,
    );
    b.spec(
        "legacy_hash_envelope_label",
        "pre-standard label -6800 present",
        |s| {
            s.insert(-6800, cbor::int(-16));
        },
        Error::LegacyHashEnvelopeLabel,
    );
    b.spec(
        "unprotected_header_not_empty",
        "the unprotected header carries the kid",
        |s| s.unprotected = cbor::map(&[(cbor::int(4), cbor::bytes(&primary_key().kid()))]),
        Error::UnprotectedHeaderNotEmpty,
    );
    b.spec(
        "wrong_envelope_type",
        "typ is application/cose",
        |s| {
            s.set(sealkit::LABEL_TYP, cbor::text("application/cose"));
        },
        Error::WrongEnvelopeType,
    );
    b.spec(
        "unknown_claim",
        "CWT claim 3 (aud) present",
        |s| {
            s.insert_claim(3, cbor::text("device"));
        },
        Error::UnknownClaim,
    );
    b.spec(
        "field_too_long",
        "sub is 129 bytes",
        |s| {
            s.set_claim(sealkit::CLAIM_SUB, cbor::text(&"s".repeat(129)));
        },
        Error::FieldTooLong,
    );
    b.spec(
        "bad_key_id_length",
        "kid is 9 bytes",
        |s| {
            s.set(sealkit::LABEL_KID, cbor::bytes(&[7; 9]));
        },
        Error::BadKeyIdLength,
    );
    b.spec(
        "bad_signature_length",
        "the signature is 63 bytes",
        |s| s.signature_item = Some(cbor::bytes(&[1; 63])),
        Error::BadSignatureLength,
    );
    b.spec(
        "payload_size_mismatch",
        "SHA-256 named but the payload is 64 bytes",
        |s| s.payload = vec![0xab; 64],
        Error::PayloadSizeMismatch,
    );
    b.spec(
        "detached_payload",
        "the payload is null",
        |s| s.payload_item = Some(vec![cbor::NULL]),
        Error::DetachedPayload,
    );
    b.spec(
        "missing_algorithm",
        "no alg (1)",
        |s| {
            s.remove(sealkit::LABEL_ALG);
        },
        Error::MissingAlgorithm,
    );
    b.spec(
        "missing_subject",
        "no sub claim",
        |s| {
            s.remove_claim(sealkit::CLAIM_SUB);
        },
        Error::MissingSubject,
    );
    b.spec(
        "empty_subject",
        "sub is the empty string",
        |s| {
            s.set_claim(sealkit::CLAIM_SUB, cbor::text(""));
        },
        Error::EmptyField,
    );
    b.spec(
        "missing_length",
        "no artifact length (-65537)",
        |s| {
            s.remove(sealkit::LABEL_ARTIFACT_LENGTH);
        },
        Error::MissingLength,
    );
    b.spec(
        "unsupported_algorithm",
        "alg is ES256 (-7)",
        |s| {
            s.set(sealkit::LABEL_ALG, cbor::int(-7));
        },
        Error::UnsupportedAlgorithm,
    );
    b.spec(
        "unsupported_hash_algorithm",
        "payload_hash_alg is SHA-384 (-43)",
        |s| {
            s.set(sealkit::LABEL_PAYLOAD_HASH_ALG, cbor::int(-43));
        },
        Error::UnsupportedHashAlgorithm,
    );

    // --- trust policies that cannot be built ---
    let small_order = {
        let mut k = [0u8; 32];
        k[0] = 1;
        format!("{}{}", sealkit::PUBLIC_KEY_TEXT_PREFIX, b64_of(&k))
    };
    let key_text = |text: String, identity: Option<&str>| TrustedKeySpec {
        key: text,
        identity: identity.map(str::to_owned),
    };
    let policy_cases: [(&str, &str, Vec<TrustedKeySpec>, Policy, Error); 8] = [
        (
            "policy_invalid_public_key",
            "a trusted key is well-formed text of a small-order point",
            vec![key_text(small_order, None)],
            Policy::default(),
            Error::InvalidPublicKey,
        ),
        (
            "policy_bad_public_key_text",
            "a trusted key's text has the wrong prefix",
            vec![key_text(key.text().replacen("ed25519", "ed448", 1), None)],
            Policy::default(),
            Error::BadPublicKeyText,
        ),
        (
            "policy_too_many_keys",
            "nine distinct keys, one more than a policy holds",
            (1..=sealkit::MAX_TRUSTED_KEYS as u8 + 1)
                .map(|n| key_text(TestKey::numbered(0x40 + n).text(), None))
                .collect(),
            Policy::default(),
            Error::TooManyKeys,
        ),
        (
            "policy_duplicate_key",
            "the same key trusted twice (once bound to an identity)",
            vec![
                key_text(key.text(), None),
                key_text(key.text(), Some(crate::ISSUER)),
            ],
            Policy::default(),
            Error::DuplicateKey,
        ),
        (
            "policy_identity_too_long",
            "a required identity of 129 bytes",
            trusts(&[&key]),
            Policy {
                identity: Some("i".repeat(sealkit::MAX_IDENTITY_LEN + 1)),
                ..Policy::default()
            },
            Error::ArgumentTooLong,
        ),
        (
            "policy_empty_identity",
            "a required identity that is empty (it would match an envelope without iss)",
            trusts(&[&key]),
            Policy {
                identity: Some(String::new()),
                ..Policy::default()
            },
            Error::EmptyArgument,
        ),
        (
            "policy_empty_subject",
            "a required subject that is empty",
            trusts(&[&key]),
            Policy {
                subject: Some(String::new()),
                ..Policy::default()
            },
            Error::EmptyArgument,
        ),
        (
            "policy_empty_bound_identity",
            "a key bound to an empty identity",
            vec![key_text(key.text(), Some(""))],
            Policy::default(),
            Error::EmptyArgument,
        ),
    ];
    let env = sealkit_sign(&key, &Params::for_artifact(SMALL, HashAlg::Sha256));
    for (name, description, keys, policy, e) in policy_cases {
        b.push(
            name,
            description,
            &env,
            Artifact::from_bytes(SMALL),
            keys,
            policy,
            error(e, Stage::Policy),
        );
    }

    VectorFile {
        format: FORMAT.to_owned(),
        version: VERSION,
        description: format!(
            "sealkit conformance vectors, shared by the Rust, C, Python and WebAssembly tests. \
             Generated by `{REGENERATE}`; do not edit by hand. Format: tests/vectors/README.md."
        ),
        cases: b.cases,
        public_key_text: key_text_cases(&key),
    }
}

/// Adds the group order L to a little-endian 32-byte scalar (S -> S + L, still < 2^256 for any
/// reduced S).
pub fn add_group_order(s: &mut [u8]) {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut carry = 0u16;
    for (b, l) in s.iter_mut().zip(L) {
        let sum = u16::from(*b) + u16::from(l) + carry;
        *b = sum as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0, "S + L overflowed 256 bits");
}

/// The largest integer the file holds: 2^53 - 1, so that every JSON parser (JavaScript's, or
/// C libraries that store numbers as doubles) reads every number exactly.
pub const MAX_JSON_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Length of the large pattern artifacts: 1 MiB and 7 bytes.
pub const LARGE_LEN: usize = (1 << 20) + 7;

fn key_text_cases(key: &TestKey) -> Vec<KeyTextCase> {
    let good = key.text();
    let b64 = good.strip_prefix(sealkit::PUBLIC_KEY_TEXT_PREFIX).unwrap();
    let ok = |name: &str, description: &str, text: String| KeyTextCase {
        name: name.to_owned(),
        description: description.to_owned(),
        text,
        result: "ok".to_owned(),
        error: None,
        code: None,
        raw_hex: Some(hex::encode(key.public_bytes())),
        key_id: Some(hex::encode(key.kid())),
    };
    let bad = |name: &str, description: &str, text: String, e: Error| KeyTextCase {
        name: name.to_owned(),
        description: description.to_owned(),
        text,
        result: "error".to_owned(),
        error: Some(e.name().to_owned()),
        code: Some(e.code()),
        raw_hex: None,
        key_id: None,
    };
    // base64 of 32 bytes ends in one '=' and its last data character carries 2 unused bits.
    let mut non_canonical = b64.to_owned();
    let last = non_canonical.remove(42);
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let idx = alphabet.find(last).unwrap();
    non_canonical.insert(42, alphabet.as_bytes()[idx ^ 1] as char);
    vec![
        ok("good", "the primary key's text form", good.clone()),
        ok(
            "good_trailing_newline",
            "surrounding ASCII whitespace is ignored",
            format!("{good}\n"),
        ),
        bad(
            "bad_prefix",
            "another prefix",
            format!("sealkit-ed448:{b64}"),
            Error::BadPublicKeyText,
        ),
        bad(
            "missing_prefix",
            "base64 only",
            b64.to_owned(),
            Error::BadPublicKeyText,
        ),
        bad(
            "bad_base64",
            "a character outside the base64 alphabet",
            format!(
                "{}{}*{}",
                sealkit::PUBLIC_KEY_TEXT_PREFIX,
                &b64[..10],
                &b64[11..]
            ),
            Error::BadPublicKeyText,
        ),
        bad(
            "base64_url_alphabet",
            "URL-safe base64 is not accepted",
            format!(
                "{}{}",
                sealkit::PUBLIC_KEY_TEXT_PREFIX,
                "_-".repeat(21) + "8="
            ),
            Error::BadPublicKeyText,
        ),
        bad(
            "non_canonical_base64",
            "the unused low bits of the last base64 character are set",
            format!("{}{non_canonical}", sealkit::PUBLIC_KEY_TEXT_PREFIX),
            Error::BadPublicKeyText,
        ),
        bad(
            "too_short",
            "43 base64 characters",
            good[..good.len() - 1].to_owned(),
            Error::BadPublicKeyText,
        ),
        bad(
            "decodes_to_31_bytes",
            "44 characters that decode to 31 bytes",
            format!("{}{}", sealkit::PUBLIC_KEY_TEXT_PREFIX, b64_of(&[0x42; 31])),
            Error::BadPublicKeyText,
        ),
        bad(
            "decodes_to_33_bytes",
            "44 characters that decode to 33 bytes",
            format!("{}{}", sealkit::PUBLIC_KEY_TEXT_PREFIX, b64_of(&[0x42; 33])),
            Error::BadPublicKeyText,
        ),
        bad(
            "small_order_key",
            "well-formed text of the identity point (small order)",
            format!(
                "{}{}",
                sealkit::PUBLIC_KEY_TEXT_PREFIX,
                b64_of(&{
                    let mut k = [0u8; 32];
                    k[0] = 1;
                    k
                })
            ),
            Error::InvalidPublicKey,
        ),
        bad(
            "non_canonical_point",
            "well-formed text of a non-canonical point encoding (y = p + 1 style, from speccheck)",
            format!(
                "{}{}",
                sealkit::PUBLIC_KEY_TEXT_PREFIX,
                b64_of(&crate::unhex(
                    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
                ))
            ),
            Error::InvalidPublicKey,
        ),
    ]
}

/// Standard padded base64, written here so the vectors do not depend on sealkit's encoder.
pub fn b64_of(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The file's JSON text: pretty-printed with two-space indentation and a final newline.
pub fn to_json(file: &VectorFile) -> String {
    let mut s = serde_json::to_string_pretty(file).unwrap();
    s.push('\n');
    s
}

/// The outcome of running one case through the core.
pub type Outcome = Result<Facts, (Error, Stage)>;

/// Builds the case's policy (errors are stage `policy`).
pub fn policy_of(case: &Case) -> Result<TrustPolicy, Error> {
    let mut policy = TrustPolicy::new();
    for k in &case.public_keys {
        let key = sealkit::PublicKey::from_text(&k.key)?;
        match &k.identity {
            Some(id) => policy.trust_key_for_identity(key, id)?,
            None => policy.trust_key(key)?,
        };
    }
    if let Some(id) = &case.policy.identity {
        policy.require_identity(id)?;
    }
    if let Some(s) = &case.policy.subject {
        policy.require_subject(s)?;
    }
    if let Some(v) = case.policy.min_version {
        policy.require_min_version(v);
    }
    Ok(policy)
}

/// Runs a case through `VerifierSlot`, feeding the artifact in chunks of `chunk` bytes
/// (`None`: one update with the whole artifact).
pub fn run_case(case: &Case, chunk: Option<usize>) -> Outcome {
    let envelope = hex::decode(&case.envelope_hex).unwrap();
    let artifact = case.artifact.bytes().unwrap();
    let policy = policy_of(case).map_err(|e| (e, Stage::Policy))?;
    // The run-time state machine the bindings use, so the vectors check it too.
    let mut v = VerifierSlot::new();
    v.start(&envelope, &policy).map_err(|e| (e, Stage::New))?;
    match chunk {
        None => v.update(&artifact).map_err(|e| (e, Stage::Update))?,
        Some(n) => {
            for c in artifact.chunks(n) {
                v.update(c).map_err(|e| (e, Stage::Update))?;
            }
        }
    }
    let verified = v.finish().map_err(|e| (e, Stage::Finish))?;
    Ok(facts_of(&verified))
}

/// The outcome a case declares.
pub fn expected_outcome(case: &Case) -> Result<Outcome, String> {
    let e = &case.expected;
    match e.result.as_str() {
        "ok" => e
            .verified
            .clone()
            .map(Ok)
            .ok_or_else(|| format!("{}: ok without verified facts", case.name)),
        "error" => {
            let code = e.code.ok_or("error without code")?;
            let err = Error::from_code(code).ok_or_else(|| format!("unknown code {code}"))?;
            if e.error.as_deref() != Some(err.name()) {
                return Err(format!(
                    "{}: error name {:?} does not match code {code}",
                    case.name, e.error
                ));
            }
            let stage = match e.stage.as_deref() {
                Some("policy") => Stage::Policy,
                Some("new") => Stage::New,
                Some("update") => Stage::Update,
                Some("finish") => Stage::Finish,
                other => return Err(format!("{}: bad stage {other:?}", case.name)),
            };
            Ok(Err((err, stage)))
        }
        other => Err(format!("{}: bad result {other:?}", case.name)),
    }
}
