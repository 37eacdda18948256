//! The sealed-stream vector file `tests/vectors/sealed-vectors.json`: its schema, its
//! deterministic generator, and a runner that checks one case against the core's `Unsealer`.
//!
//! Like the main vector file, every verdict is *declared* by the generator (from how the stream
//! was built), never obtained by running the unsealer. Format: `tests/vectors/README.md`,
//! section "Sealed-stream vectors".

use serde::{Deserialize, Serialize};

use sealkit::{sealed_header, Error, HashAlg, TrustPolicy, Unsealer, MAX_ENVELOPE_LEN};

use crate::vectors::{facts_of, primary_key, stranger_key, Facts, Policy, Stage, TrustedKeySpec};
use crate::{pattern_bytes, sealkit_sign, Params, TestKey};

/// The file's `format` field.
pub const FORMAT: &str = "sealkit-sealed-vectors";
/// The file's `version` field; bumped on any incompatible change of the schema.
pub const VERSION: u32 = 1;
/// Where the file lives, from this crate's manifest directory.
pub const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/sealed-vectors.json");
/// The command that regenerates the file.
pub const REGENERATE: &str = "cargo run -p sealkit-conformance --bin gen-sealed-vectors";

/// The whole file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedVectorFile {
    /// Always [`FORMAT`].
    pub format: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// What the file is and how to regenerate it.
    pub description: String,
    /// The cases.
    pub cases: Vec<SealedCase>,
}

/// One sealed stream and its verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedCase {
    /// A unique snake_case name.
    pub name: String,
    /// What the case checks.
    pub description: String,
    /// The whole sealed stream, hex.
    pub stream_hex: String,
    /// The keys the policy trusts, in order.
    pub public_keys: Vec<TrustedKeySpec>,
    /// The policy's other rules.
    pub policy: Policy,
    /// The verdict.
    pub expected: SealedExpected,
}

/// The verdict of a sealed stream.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SealedExpected {
    /// `"ok"` or `"error"`.
    pub result: String,
    /// For errors: the error's stable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For errors: the error's stable code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// For errors: `"update"` (whatever the chunking: errors surface as the bytes arrive) or
    /// `"finish"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// For `"ok"`: the artifact bytes the unsealer hands out (the concatenation of the payload
    /// parts of every update), hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload_hex: Option<String>,
    /// For `"ok"`: the verified facts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<Facts>,
}

fn declared(key: &TestKey, p: &Params, artifact: &[u8]) -> SealedExpected {
    SealedExpected {
        result: "ok".to_owned(),
        error: None,
        code: None,
        stage: None,
        payload_hex: Some(hex::encode(artifact)),
        verified: Some(Facts {
            key_id: hex::encode(key.kid()),
            alg: "Ed25519".to_owned(),
            identity: p.issuer.clone(),
            subject: p.subject.clone(),
            content_format: p.content_type.as_ref().ok().copied(),
            media_type: p.content_type.as_ref().err().cloned(),
            issued_at: p.issued_at,
            version: p.version,
            length: p.length,
            hash_alg: p.hash.name().to_owned(),
            digest_hex: hex::encode(&p.digest),
        }),
    }
}

fn error(e: Error, stage: Stage) -> SealedExpected {
    SealedExpected {
        result: "error".to_owned(),
        error: Some(e.name().to_owned()),
        code: Some(e.code()),
        stage: Some(stage.name().to_owned()),
        payload_hex: None,
        verified: None,
    }
}

fn keys(ks: &[TestKey]) -> Vec<TrustedKeySpec> {
    ks.iter()
        .map(|k| TrustedKeySpec {
            key: k.text(),
            identity: None,
        })
        .collect()
}

fn seal(envelope: &[u8], artifact: &[u8]) -> Vec<u8> {
    let mut s = sealed_header(envelope.len()).unwrap().to_vec();
    s.extend_from_slice(envelope);
    s.extend_from_slice(artifact);
    s
}

struct Builder {
    cases: Vec<SealedCase>,
}

impl Builder {
    fn push(&mut self, name: &str, description: &str, stream: &[u8], expected: SealedExpected) {
        self.push_with(
            name,
            description,
            stream,
            &[primary_key()],
            Policy::default(),
            expected,
        );
    }

    fn push_with(
        &mut self,
        name: &str,
        description: &str,
        stream: &[u8],
        trusted: &[TestKey],
        policy: Policy,
        expected: SealedExpected,
    ) {
        self.cases.push(SealedCase {
            name: name.to_owned(),
            description: description.to_owned(),
            stream_hex: hex::encode(stream),
            public_keys: keys(trusted),
            policy,
            expected,
        });
    }
}

/// The whole file, deterministically.
pub fn generate() -> SealedVectorFile {
    let key = primary_key();
    let mut b = Builder { cases: Vec::new() };
    let art = pattern_bytes(300);
    let p = Params::for_artifact(&art, HashAlg::Sha256);
    let env = sealkit_sign(&key, &p);
    let good = seal(&env, &art);
    let payload_start = good.len() - art.len();

    b.push(
        "ok_sha256",
        "a sealed stream of 300 bytes, SHA-256",
        &good,
        declared(&key, &p, &art),
    );
    let art5 = pattern_bytes(5000);
    let p512 = Params::for_artifact(&art5, HashAlg::Sha512);
    b.push(
        "ok_sha512_5000",
        "a sealed stream of 5000 bytes, SHA-512",
        &seal(&sealkit_sign(&key, &p512), &art5),
        declared(&key, &p512, &art5),
    );
    let p0 = Params::for_artifact(b"", HashAlg::Sha256);
    b.push(
        "ok_empty_artifact",
        "an empty artifact: the stream ends right after the envelope",
        &seal(&sealkit_sign(&key, &p0), b""),
        declared(&key, &p0, b""),
    );

    let mut s = good.clone();
    s.push(0);
    b.push(
        "appended_byte",
        "one byte after the signed length",
        &s,
        error(Error::ArtifactTooLong, Stage::Update),
    );
    let mut s = good.clone();
    s.extend_from_slice(&good);
    b.push(
        "second_stream_appended",
        "a second whole sealed stream after the first",
        &s,
        error(Error::ArtifactTooLong, Stage::Update),
    );
    let mut s = sealed_header(env.len()).unwrap().to_vec();
    s.extend_from_slice(&env);
    s.extend_from_slice(&env);
    s.extend_from_slice(&art);
    b.push(
        "second_envelope_before_artifact",
        "the envelope twice, then the artifact: the second envelope counts as artifact bytes",
        &s,
        error(Error::ArtifactTooLong, Stage::Update),
    );

    for (name, len, e) in [
        ("empty_stream", 0, Error::SealedStreamTruncated),
        ("truncated_in_magic", 5, Error::SealedStreamTruncated),
        ("truncated_in_length", 10, Error::SealedStreamTruncated),
        ("truncated_after_header", 11, Error::SealedStreamTruncated),
        ("truncated_in_envelope", 60, Error::SealedStreamTruncated),
        (
            "truncated_before_artifact",
            payload_start,
            Error::ArtifactTooShort,
        ),
        (
            "truncated_in_artifact",
            good.len() - 1,
            Error::ArtifactTooShort,
        ),
    ] {
        b.push(
            name,
            "the stream ends early",
            good.get(..len).unwrap(),
            error(e, Stage::Finish),
        );
    }

    let mut s = good.clone();
    s[0] = b'S';
    b.push(
        "bad_magic",
        "the first magic byte is wrong",
        &s,
        error(Error::NotSealedStream, Stage::Update),
    );
    let mut s = good.clone();
    s[7] ^= 0x20;
    b.push(
        "bad_magic_last_byte",
        "the last magic byte is wrong",
        &s,
        error(Error::NotSealedStream, Stage::Update),
    );
    b.push(
        "plain_signature_file",
        "a .sig file (COSE_Sign1) is not a sealed stream",
        &env,
        error(Error::NotSealedStream, Stage::Update),
    );
    for v in [0u8, 2, 255] {
        let mut s = good.clone();
        s[8] = v;
        b.push(
            &format!("version_{v}"),
            "an unknown format version",
            &s,
            error(Error::UnsupportedSealedVersion, Stage::Update),
        );
    }
    let with_len = |n: usize| {
        let mut s = good.clone();
        s[9..11].copy_from_slice(&u16::try_from(n).unwrap().to_be_bytes());
        s
    };
    b.push(
        "envelope_length_zero",
        "the header announces an empty envelope",
        &with_len(0),
        error(Error::EnvelopeTruncated, Stage::Update),
    );
    b.push(
        "envelope_length_over_limit",
        "the header announces an envelope longer than MAX_ENVELOPE_LEN",
        &with_len(MAX_ENVELOPE_LEN + 1),
        error(Error::EnvelopeTooLarge, Stage::Update),
    );
    b.push(
        "envelope_length_max_u16",
        "the header announces 65535 envelope bytes",
        &with_len(65535),
        error(Error::EnvelopeTooLarge, Stage::Update),
    );
    b.push(
        "envelope_length_one_more",
        "the header's envelope length is one byte too long: the envelope has a trailing byte",
        &with_len(env.len() + 1),
        error(Error::TrailingBytes, Stage::Update),
    );
    b.push(
        "envelope_length_one_less",
        "the header's envelope length is one byte too short: the signature is cut",
        &with_len(env.len() - 1),
        error(Error::EnvelopeTruncated, Stage::Update),
    );
    b.push(
        "envelope_length_beyond_stream",
        "the header announces more envelope bytes than the whole stream holds",
        &with_len(4000),
        error(Error::SealedStreamTruncated, Stage::Finish),
    );
    let mut s = good.clone();
    s[payload_start - 1] ^= 1;
    b.push(
        "bad_signature",
        "the last signature byte is flipped: fails before any artifact byte",
        &s,
        error(Error::BadSignature, Stage::Update),
    );
    b.push_with(
        "untrusted_key",
        "signed by a key the policy does not trust",
        &good,
        &[stranger_key()],
        Policy::default(),
        error(Error::UntrustedKey, Stage::Update),
    );
    b.push_with(
        "rollback",
        "version 7 under a minimum of 8",
        &good,
        std::slice::from_ref(&key),
        Policy {
            min_version: Some(8),
            ..Policy::default()
        },
        error(Error::Rollback, Stage::Update),
    );
    let mut s = good.clone();
    let n = s.len();
    s[n - 1] ^= 0x80;
    b.push(
        "tampered_artifact",
        "the last artifact byte is changed",
        &s,
        error(Error::DigestMismatch, Stage::Finish),
    );

    SealedVectorFile {
        format: FORMAT.to_owned(),
        version: VERSION,
        description: format!(
            "sealkit sealed-stream vectors (format in docs/FORMAT.md, 'Sealed streams'). Generated; regenerate with `{REGENERATE}`."
        ),
        cases: b.cases,
    }
}

/// The file's JSON text: pretty-printed with two-space indentation and a final newline.
pub fn to_json(file: &SealedVectorFile) -> String {
    let mut s = serde_json::to_string_pretty(file).unwrap();
    s.push('\n');
    s
}

/// The case's policy.
pub fn policy_of(case: &SealedCase) -> Result<TrustPolicy, Error> {
    let mut policy = TrustPolicy::new();
    for k in &case.public_keys {
        policy.trust_key(sealkit::PublicKey::from_text(&k.key)?)?;
    }
    if let Some(v) = case.policy.min_version {
        policy.require_min_version(v);
    }
    if let Some(id) = &case.policy.identity {
        policy.require_identity(id)?;
    }
    if let Some(s) = &case.policy.subject {
        policy.require_subject(s)?;
    }
    Ok(policy)
}

/// What a run produced: facts or (error, stage), and the payload bytes handed out.
pub type SealedOutcome = (Result<Facts, (Error, Stage)>, Vec<u8>);

/// Runs a case through `Unsealer`, in chunks of `chunk` bytes (`None`: one update), with an
/// empty update between chunks if `empties`.
pub fn run_case(case: &SealedCase, chunk: Option<usize>, empties: bool) -> SealedOutcome {
    let stream = hex::decode(&case.stream_hex).unwrap();
    let mut out = Vec::new();
    let policy = match policy_of(case) {
        Ok(p) => p,
        Err(e) => return (Err((e, Stage::Policy)), out),
    };
    let mut u = Unsealer::new(&policy);
    let n = chunk.unwrap_or(stream.len()).max(1);
    for c in stream.chunks(n) {
        match u.update(c) {
            Ok(p) => out.extend_from_slice(p),
            Err(e) => return (Err((e, Stage::Update)), out),
        }
        if empties {
            if let Err(e) = u.update(&[]) {
                return (Err((e, Stage::Update)), out);
            }
        }
    }
    match u.finish() {
        Ok(v) => (Ok(facts_of(&v)), out),
        Err(e) => (Err((e, Stage::Finish)), out),
    }
}
