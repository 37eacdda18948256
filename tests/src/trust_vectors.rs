//! `tests/vectors/trust-vectors.json`: certificate chains, compiled policies, time, revocation,
//! signature sets and rotation statements, with their verdicts; generated deterministically by
//! `cargo run -p sealkit-conformance --bin gen-trust-vectors` and checked by every binding.
//!
//! Each case gives a compiled trust policy (hex, the CBOR of `docs/FORMAT.md`, "Compiled trust
//! policies", encoded here independently of the CLI's compiler), an optional current time,
//! rotation statements to apply in order, the signature file and the artifact, and either the
//! error (code, name, and the stage: "policy" while loading the policy or applying rotations,
//! "new" when the signature file is given, "finish") or the verified facts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use serde::{Deserialize, Serialize};

use sealkit::{
    append_signature, attach_receipt, encode_chain, envelope_digest, issue_certificate,
    sign_rotation, sign_timestamp, sign_with, ArtifactHasher, CertRequest, ContentType, Envelope,
    Error, HashAlg, SignOptions, SignRequest, SignatureAlg, SigningKey, TrustPolicy, VerifierSlot,
    MAX_CERT_LEN, MAX_ENCODED_CHAIN_LEN, MAX_ENVELOPE_LEN, MAX_RECEIPT_LEN, MAX_SIGNATURE_SET_LEN,
    TIMESTAMP_TYPE,
};

use crate::cbor;
use crate::TestKey;

/// Where the file lives, from the repository root.
pub const PATH: &str = "tests/vectors/trust-vectors.json";
/// The command that regenerates it.
pub const REGENERATE: &str = "cargo run -p sealkit-conformance --bin gen-trust-vectors";
/// The schema version.
pub const VERSION: u32 = 2;

/// The whole file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustVectorFile {
    /// Always `"sealkit-trust-vectors"`.
    pub format: String,
    /// Always [`VERSION`].
    pub version: u32,
    /// What the file is and how to regenerate it.
    pub description: String,
    /// The cases.
    pub cases: Vec<TrustCase>,
}

/// One case.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustCase {
    /// A unique snake_case name.
    pub name: String,
    /// What the case checks.
    pub description: String,
    /// The compiled trust policy, hex.
    pub policy_hex: String,
    /// The current time to give the policy, if any (seconds since the Unix epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub now: Option<u64>,
    /// Rotation statements to apply, in order, hex.
    pub rotations_hex: Vec<String>,
    /// The signature file, hex.
    pub signature_hex: String,
    /// The artifact, hex.
    pub artifact_hex: String,
    /// The verdict.
    pub expected: TrustExpected,
}

/// The verdict.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustExpected {
    /// `"ok"` or `"error"`.
    pub result: String,
    /// For errors: the stable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For errors: the stable code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// For errors: `"policy"`, `"new"`, `"update"` or `"finish"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    /// For `"ok"`: the facts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<TrustFacts>,
}

/// Verified facts that concern trust.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustFacts {
    /// The first counted signer's key id, hex.
    pub key_id: String,
    /// The first counted signer's identity.
    pub identity: Option<String>,
    /// The artifact's subject.
    pub subject: String,
    /// The release version.
    pub version: Option<u64>,
    /// Whether time checks ran.
    pub time_checked: bool,
    /// The envelope's expiry.
    pub expires_at: Option<u64>,
    /// Every counted signer.
    pub signers: Vec<SignerFacts>,
}

/// One counted signer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignerFacts {
    /// Key id, hex.
    pub key_id: String,
    /// Identity.
    pub identity: Option<String>,
    /// Root key id, hex, for a chain.
    pub root_key_id: Option<String>,
    /// Number of certificates.
    pub chain_depth: u8,
    /// The time of its trusted timestamp receipt, if any.
    pub timestamp: Option<u64>,
    /// The timestamp key's id, hex, if any.
    pub timestamp_key_id: Option<String>,
}

// ---- building blocks (also used by tests/tests/trust_verify.rs) ----

/// The artifact of most cases.
pub const ARTIFACT: &[u8] = b"trust rules artifact bytes";
/// Its subject.
pub const SUBJECT: &str = "app-1.2.3.tar.gz";
/// One day in seconds.
pub const DAY: u64 = 86_400;
/// The reference time of every certificate.
pub const T0: u64 = 1_800_000_000;
/// The root's name.
pub const ROOT_NAME: &str = "vendor-root";
/// The identity certified for the release pipeline.
pub const CI: &str = "release-ci@vendor.example";

/// Test key `n` as a signing key.
pub fn key(n: u8) -> SigningKey {
    TestKey::numbered(n).signing_key()
}

/// What a certificate says.
#[derive(Clone, Copy, Debug)]
pub struct Cert<'a> {
    /// `iss`.
    pub issuer_name: &'a str,
    /// `sub`.
    pub subject: &'a str,
    /// `nbf`.
    pub nbf: u64,
    /// `exp`.
    pub exp: u64,
    /// `cti`.
    pub cti: &'a [u8],
    /// Scope patterns.
    pub scope: &'a [&'a str],
    /// Certifying depth.
    pub ca: Option<u8>,
}

impl Default for Cert<'_> {
    fn default() -> Self {
        Cert {
            issuer_name: ROOT_NAME,
            subject: CI,
            nbf: T0,
            exp: T0 + 30 * DAY,
            cti: b"leaf-1",
            scope: &[],
            ca: None,
        }
    }
}

/// An intermediate certificate's claims: may certify one level below.
pub fn intermediate() -> Cert<'static> {
    Cert {
        subject: "ci-intermediate@vendor.example",
        cti: b"inter-1",
        nbf: T0 - DAY,
        exp: T0 + 365 * DAY,
        ca: Some(1),
        ..Cert::default()
    }
}

/// A leaf issued by [`intermediate`].
pub fn leaf_under_intermediate() -> Cert<'static> {
    Cert {
        issuer_name: "ci-intermediate@vendor.example",
        ..Cert::default()
    }
}

/// `issuer` certifies `certified`.
pub fn cert(issuer: &SigningKey, certified: &SigningKey, c: &Cert<'_>) -> Vec<u8> {
    let req = CertRequest {
        alg: SignatureAlg::Ed25519,
        issuer: c.issuer_name,
        subject: c.subject,
        key: certified.public_key(),
        not_before: c.nbf,
        expires_at: c.exp,
        cti: c.cti,
        scope: c.scope,
        ca: c.ca,
    };
    let mut out = vec![0u8; MAX_CERT_LEN];
    let n = issue_certificate(issuer, &req, &mut out).unwrap();
    out.truncate(n);
    out
}

/// The `kcwt` value for `certs`, leaf first.
pub fn chain(certs: &[&[u8]]) -> Vec<u8> {
    let mut out = vec![0u8; MAX_ENCODED_CHAIN_LEN];
    let n = encode_chain(certs, &mut out).unwrap();
    out.truncate(n);
    out
}

/// What an envelope says.
#[derive(Clone, Copy, Debug)]
pub struct Env<'a> {
    /// `sub`.
    pub subject: &'a str,
    /// `iss`.
    pub issuer: Option<&'a str>,
    /// `iat`.
    pub iat: u64,
    /// `exp`.
    pub exp: Option<u64>,
    /// Release version.
    pub version: Option<u64>,
    /// The artifact signed.
    pub artifact: &'a [u8],
}

impl Default for Env<'_> {
    fn default() -> Self {
        Env {
            subject: SUBJECT,
            issuer: None,
            iat: T0 + DAY,
            exp: None,
            version: Some(7),
            artifact: ARTIFACT,
        }
    }
}

/// An envelope by `signer`, with `chain` as `kcwt` if given.
pub fn envelope(signer: &SigningKey, chain: Option<&[u8]>, e: &Env<'_>) -> Vec<u8> {
    let mut h = ArtifactHasher::new(HashAlg::Sha256);
    h.update(e.artifact);
    let req = SignRequest {
        alg: SignatureAlg::Ed25519,
        digest: h.finalize(),
        length: e.artifact.len() as u64,
        content_type: ContentType::OCTET_STREAM,
        subject: e.subject,
        issuer: e.issuer,
        issued_at: e.iat,
        version: e.version,
    };
    let opts = SignOptions {
        chain,
        expires_at: e.exp,
    };
    let mut out = vec![0u8; 4096];
    let n = sign_with(signer, &req, &opts, &mut out).unwrap();
    out.truncate(n);
    out
}

/// Root 1 certifies the signing key 3 directly.
pub fn one_link(c: &Cert<'_>, e: &Env<'_>) -> Vec<u8> {
    let leaf = cert(&key(1), &key(3), c);
    envelope(&key(3), Some(&chain(&[&leaf])), e)
}

/// Root 1 certifies intermediate 2, which certifies the signing key 3.
pub fn two_links(inter: &Cert<'_>, leaf: &Cert<'_>, e: &Env<'_>) -> Vec<u8> {
    let i = cert(&key(1), &key(2), inter);
    let l = cert(&key(2), &key(3), leaf);
    envelope(&key(3), Some(&chain(&[&l, &i])), e)
}

/// A signature set of `envelopes`, built by appending.
pub fn set(envelopes: &[Vec<u8>]) -> Vec<u8> {
    let mut sig = envelopes[0].clone();
    for e in &envelopes[1..] {
        let mut out = vec![0u8; MAX_SIGNATURE_SET_LEN];
        let n = append_signature(&sig, e, &mut out).unwrap();
        out.truncate(n);
        sig = out;
    }
    sig
}

/// A rotation statement: `old` hands its trust to `new`.
pub fn rotation(old: u8, new: u8) -> Vec<u8> {
    let mut out = vec![0u8; 512];
    let n = sign_rotation(&key(old), &key(new).public_key(), T0, &mut out).unwrap();
    out.truncate(n);
    out
}

// ---- compiled policies, encoded independently ----

/// One entry of a compiled policy.
#[derive(Clone, Debug, Default)]
pub struct EntrySpec {
    /// Test key number.
    pub key: u8,
    /// 1 sign, 2 certify, 3 both.
    pub flags: u64,
    /// Root name.
    pub name: Option<&'static str>,
    /// Identity patterns.
    pub identities: Vec<&'static str>,
    /// Subject patterns.
    pub subjects: Vec<&'static str>,
}

/// A compiled policy.
#[derive(Clone, Debug, Default)]
pub struct PolicySpec {
    /// Entries.
    pub entries: Vec<EntrySpec>,
    /// Required identity pattern.
    pub identity: Option<&'static str>,
    /// Required subject pattern.
    pub subject: Option<&'static str>,
    /// Minimum version.
    pub min_version: Option<u64>,
    /// Maximum chain depth.
    pub max_chain_depth: Option<u64>,
    /// Revoked test keys.
    pub revoked_keys: Vec<u8>,
    /// Revoked certificate ids.
    pub revoked_certs: Vec<&'static [u8]>,
    /// Threshold.
    pub threshold: Option<u64>,
    /// Distinct identities.
    pub distinct_identities: bool,
    /// A timestamp receipt is required.
    pub require_timestamp: bool,
}

fn patterns(ps: &[&str]) -> Vec<u8> {
    cbor::array(&ps.iter().map(|p| cbor::text(p)).collect::<Vec<_>>())
}

impl PolicySpec {
    /// The compiled CBOR.
    pub fn encode(&self) -> Vec<u8> {
        let mut m = vec![(cbor::uint(1), cbor::uint(1))];
        let entries: Vec<Vec<u8>> = self
            .entries
            .iter()
            .map(|e| {
                let mut f = vec![
                    (
                        cbor::uint(1),
                        cbor::bytes(&TestKey::numbered(e.key).public_bytes()),
                    ),
                    (cbor::uint(2), cbor::uint(e.flags)),
                ];
                if let Some(n) = e.name {
                    f.push((cbor::uint(3), cbor::text(n)));
                }
                if !e.identities.is_empty() {
                    f.push((cbor::uint(4), patterns(&e.identities)));
                }
                if !e.subjects.is_empty() {
                    f.push((cbor::uint(5), patterns(&e.subjects)));
                }
                cbor::map(&f)
            })
            .collect();
        m.push((cbor::uint(2), cbor::array(&entries)));
        if let Some(i) = self.identity {
            m.push((cbor::uint(3), cbor::text(i)));
        }
        if let Some(s) = self.subject {
            m.push((cbor::uint(4), cbor::text(s)));
        }
        if let Some(v) = self.min_version {
            m.push((cbor::uint(5), cbor::uint(v)));
        }
        if let Some(d) = self.max_chain_depth {
            m.push((cbor::uint(6), cbor::uint(d)));
        }
        if !self.revoked_keys.is_empty() {
            let mut kids: Vec<[u8; 8]> = self
                .revoked_keys
                .iter()
                .map(|k| TestKey::numbered(*k).kid())
                .collect();
            kids.sort();
            let items: Vec<Vec<u8>> = kids.iter().map(|k| cbor::bytes(k)).collect();
            m.push((cbor::uint(7), cbor::array(&items)));
        }
        if !self.revoked_certs.is_empty() {
            let mut ids = self.revoked_certs.clone();
            // Sorted by their encoding: shorter heads first, then bytes.
            ids.sort_by_key(|id| cbor::bytes(id));
            let items: Vec<Vec<u8>> = ids.iter().map(|c| cbor::bytes(c)).collect();
            m.push((cbor::uint(8), cbor::array(&items)));
        }
        if let Some(k) = self.threshold {
            m.push((cbor::uint(9), cbor::uint(k)));
        }
        if self.distinct_identities {
            m.push((cbor::uint(10), vec![0xf5]));
        }
        if self.require_timestamp {
            m.push((cbor::uint(11), vec![0xf5]));
        }
        cbor::map(&m)
    }
}

/// A policy trusting root 1 (named) to certify.
pub fn root_spec() -> PolicySpec {
    PolicySpec {
        entries: vec![EntrySpec {
            key: 1,
            flags: 2,
            name: Some(ROOT_NAME),
            ..EntrySpec::default()
        }],
        ..PolicySpec::default()
    }
}

/// A policy trusting test keys `keys` to sign directly.
pub fn direct_spec(keys: &[u8]) -> PolicySpec {
    PolicySpec {
        entries: keys
            .iter()
            .map(|k| EntrySpec {
                key: *k,
                flags: 1,
                ..EntrySpec::default()
            })
            .collect(),
        ..PolicySpec::default()
    }
}

// ---- generation ----

struct Builder(Vec<TrustCase>);

impl Builder {
    #[allow(clippy::too_many_arguments)]
    fn case(
        &mut self,
        name: &str,
        description: &str,
        policy: &PolicySpec,
        now: Option<u64>,
        rotations: &[Vec<u8>],
        signature: &[u8],
        artifact: &[u8],
    ) {
        self.case_raw(
            name,
            description,
            &policy.encode(),
            now,
            rotations,
            signature,
            artifact,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn case_raw(
        &mut self,
        name: &str,
        description: &str,
        policy: &[u8],
        now: Option<u64>,
        rotations: &[Vec<u8>],
        signature: &[u8],
        artifact: &[u8],
    ) {
        let mut case = TrustCase {
            name: name.into(),
            description: description.into(),
            policy_hex: hex::encode(policy),
            now,
            rotations_hex: rotations.iter().map(hex::encode).collect(),
            signature_hex: hex::encode(signature),
            artifact_hex: hex::encode(artifact),
            expected: TrustExpected {
                result: String::new(),
                error: None,
                code: None,
                stage: None,
                verified: None,
            },
        };
        // The verdict comes from the reference verifier; the Rust harness re-checks every case
        // in several chunkings, and the coverage test demands each trust code somewhere.
        case.expected = match run_case(&case, None) {
            Ok(facts) => TrustExpected {
                result: "ok".into(),
                error: None,
                code: None,
                stage: None,
                verified: Some(facts),
            },
            Err((stage, e)) => TrustExpected {
                result: "error".into(),
                error: Some(e.name().into()),
                code: Some(e.code()),
                stage: Some(stage.into()),
                verified: None,
            },
        };
        self.0.push(case);
    }
}

/// Every case.
pub fn generate() -> TrustVectorFile {
    let mut b = Builder(Vec::new());
    let d = Env::default();
    let a = ARTIFACT;
    let root = root_spec();
    let one = one_link(&Cert::default(), &d);
    let two = two_links(&intermediate(), &leaf_under_intermediate(), &d);

    b.case(
        "direct_key",
        "a directly trusted key signs",
        &direct_spec(&[3]),
        None,
        &[],
        &envelope(&key(3), None, &d),
        a,
    );
    b.case(
        "one_link_chain",
        "root certifies the signing key",
        &root,
        None,
        &[],
        &one,
        a,
    );
    b.case(
        "two_link_chain",
        "root, intermediate, signing key",
        &root,
        None,
        &[],
        &two,
        a,
    );
    b.case(
        "two_link_chain_with_time",
        "the same, with a current time inside every validity",
        &root,
        Some(T0 + 2 * DAY),
        &[],
        &two,
        a,
    );
    b.case(
        "tampered_artifact",
        "a chained signature over other bytes",
        &root,
        None,
        &[],
        &one,
        b"trust rules artifact byteX",
    );
    b.case(
        "chain_too_deep_policy",
        "two certificates, policy allows one",
        &PolicySpec {
            max_chain_depth: Some(1),
            ..root_spec()
        },
        None,
        &[],
        &two,
        a,
    );
    b.case(
        "unknown_issuer",
        "the chain ends at a key the policy does not trust",
        &PolicySpec {
            entries: vec![EntrySpec {
                key: 9,
                flags: 2,
                ..EntrySpec::default()
            }],
            ..PolicySpec::default()
        },
        None,
        &[],
        &one,
        a,
    );
    b.case(
        "unknown_issuer_name",
        "the top certificate names another issuer than the root's name",
        &root,
        None,
        &[],
        &one_link(
            &Cert {
                issuer_name: "someone-else",
                ..Cert::default()
            },
            &d,
        ),
        a,
    );
    b.case(
        "direct_key_cannot_certify",
        "a sign-only key issued the certificate",
        &direct_spec(&[1]),
        None,
        &[],
        &one,
        a,
    );
    let leaf_ca = cert(
        &key(1),
        &key(2),
        &Cert {
            ca: None,
            ..intermediate()
        },
    );
    let l = cert(&key(2), &key(3), &leaf_under_intermediate());
    b.case(
        "leaf_cannot_certify",
        "an intermediate without ca issued the signing certificate",
        &root,
        None,
        &[],
        &envelope(&key(3), Some(&chain(&[&l, &leaf_ca])), &d),
        a,
    );
    let mut broken = cert(&key(1), &key(3), &Cert::default());
    let n = broken.len();
    broken[n - 1] ^= 1;
    b.case(
        "bad_certificate_signature",
        "the certificate's signature does not verify",
        &root,
        None,
        &[],
        &envelope(&key(3), Some(&chain(&[&broken])), &d),
        a,
    );
    b.case(
        "scope_widened",
        "the leaf claims all subjects under an intermediate scoped to app-*",
        &root,
        None,
        &[],
        &two_links(
            &Cert {
                scope: &["app-*"],
                ..intermediate()
            },
            &Cert {
                scope: &["*"],
                ..leaf_under_intermediate()
            },
            &d,
        ),
        a,
    );
    b.case(
        "validity_widened",
        "the leaf outlives its intermediate",
        &root,
        None,
        &[],
        &two_links(
            &intermediate(),
            &Cert {
                exp: T0 + 400 * DAY,
                ..leaf_under_intermediate()
            },
            &d,
        ),
        a,
    );
    b.case(
        "subject_out_of_scope",
        "the certificate allows firmware-* only",
        &root,
        None,
        &[],
        &one_link(
            &Cert {
                scope: &["firmware-*"],
                ..Cert::default()
            },
            &d,
        ),
        a,
    );
    b.case(
        "identity_allowed_by_pattern",
        "the root allows *@vendor.example",
        &PolicySpec {
            entries: vec![EntrySpec {
                key: 1,
                flags: 2,
                name: Some(ROOT_NAME),
                identities: vec!["*@vendor.example"],
                ..EntrySpec::default()
            }],
            ..PolicySpec::default()
        },
        None,
        &[],
        &one,
        a,
    );
    b.case(
        "identity_not_allowed",
        "the root allows *@other.example only",
        &PolicySpec {
            entries: vec![EntrySpec {
                key: 1,
                flags: 2,
                name: Some(ROOT_NAME),
                identities: vec!["*@other.example"],
                ..EntrySpec::default()
            }],
            ..PolicySpec::default()
        },
        None,
        &[],
        &one,
        a,
    );
    b.case(
        "required_identity_pattern",
        "the policy requires release-* and the certificate grants release-ci@...",
        &PolicySpec {
            identity: Some("release-*"),
            ..root_spec()
        },
        None,
        &[],
        &one,
        a,
    );
    b.case(
        "required_subject_mismatch",
        "the policy requires tool-*",
        &PolicySpec {
            subject: Some("tool-*"),
            ..root_spec()
        },
        None,
        &[],
        &one,
        a,
    );
    b.case(
        "envelope_iss_contradicts_certificate",
        "the envelope's iss is not the certified identity",
        &root,
        None,
        &[],
        &one_link(
            &Cert::default(),
            &Env {
                issuer: Some("ceo@vendor.example"),
                ..d
            },
        ),
        a,
    );
    b.case(
        "revoked_intermediate_key",
        "the intermediate's key is revoked",
        &PolicySpec {
            revoked_keys: vec![2],
            ..root_spec()
        },
        None,
        &[],
        &two,
        a,
    );
    b.case(
        "revoked_signing_key",
        "the signing key is revoked",
        &PolicySpec {
            revoked_keys: vec![3],
            ..root_spec()
        },
        None,
        &[],
        &two,
        a,
    );
    b.case(
        "revoked_certificate",
        "the intermediate certificate's cti is revoked",
        &PolicySpec {
            revoked_certs: vec![b"inter-1", b"leaf-9"],
            ..root_spec()
        },
        None,
        &[],
        &two,
        a,
    );
    b.case(
        "certificate_not_yet_valid",
        "now is before the leaf's nbf",
        &root,
        Some(T0 - 1),
        &[],
        &one,
        a,
    );
    b.case(
        "certificate_expired",
        "now is after the leaf's exp",
        &root,
        Some(T0 + 31 * DAY),
        &[],
        &one,
        a,
    );
    let expiring = one_link(
        &Cert::default(),
        &Env {
            exp: Some(T0 + 10 * DAY),
            ..d
        },
    );
    b.case(
        "envelope_not_expired",
        "the envelope's exp is after now",
        &root,
        Some(T0 + 2 * DAY),
        &[],
        &expiring,
        a,
    );
    b.case(
        "envelope_expired",
        "the envelope's exp has passed",
        &root,
        Some(T0 + 10 * DAY),
        &[],
        &expiring,
        a,
    );
    b.case(
        "envelope_exp_without_clock",
        "no time given: checks skipped, facts say so",
        &root,
        None,
        &[],
        &expiring,
        a,
    );
    b.case(
        "signed_outside_validity",
        "the envelope's iat is before the leaf's nbf",
        &root,
        None,
        &[],
        &one_link(&Cert::default(), &Env { iat: T0 - 1, ..d }),
        a,
    );
    b.case(
        "rollback_with_chain",
        "minimum version 8, envelope has 7",
        &PolicySpec {
            min_version: Some(8),
            ..root_spec()
        },
        None,
        &[],
        &one,
        a,
    );

    let alice = Env {
        issuer: Some("alice@vendor.example"),
        ..d
    };
    let bob = Env {
        issuer: Some("bob@vendor.example"),
        ..d
    };
    let three = set(&[
        envelope(&key(3), None, &alice),
        envelope(&key(4), None, &bob),
        envelope(&key(5), None, &d),
    ]);
    b.case(
        "two_of_three",
        "two trusted signers of three, threshold 2",
        &PolicySpec {
            threshold: Some(2),
            ..direct_spec(&[3, 4])
        },
        None,
        &[],
        &three,
        a,
    );
    b.case(
        "threshold_not_met",
        "two trusted signers, threshold 3",
        &PolicySpec {
            threshold: Some(3),
            ..direct_spec(&[3, 4])
        },
        None,
        &[],
        &three,
        a,
    );
    let same_id = set(&[
        envelope(&key(3), None, &alice),
        envelope(&key(4), None, &alice),
    ]);
    b.case(
        "distinct_identities",
        "two keys, one identity, distinct identities required",
        &PolicySpec {
            threshold: Some(2),
            distinct_identities: true,
            ..direct_spec(&[3, 4])
        },
        None,
        &[],
        &same_id,
        a,
    );
    b.case(
        "set_tampered_artifact",
        "a 2-of-2 set over other bytes",
        &PolicySpec {
            threshold: Some(2),
            ..direct_spec(&[3, 4])
        },
        None,
        &[],
        &same_id,
        b"other",
    );
    let mut mismatch = vec![0x82];
    mismatch.extend_from_slice(&envelope(&key(3), None, &d));
    mismatch.extend_from_slice(&envelope(
        &key(4),
        None,
        &Env {
            artifact: b"another artifact",
            ..d
        },
    ));
    b.case(
        "set_mismatch",
        "two envelopes over different artifacts",
        &direct_spec(&[3, 4]),
        None,
        &[],
        &mismatch,
        a,
    );
    let mut one_item = vec![0x81];
    one_item.extend_from_slice(&envelope(&key(3), None, &d));
    b.case(
        "set_of_one",
        "an array holding a single envelope",
        &direct_spec(&[3]),
        None,
        &[],
        &one_item,
        a,
    );

    let new_root_sig = envelope(
        &key(3),
        Some(&chain(&[&cert(&key(6), &key(3), &Cert::default())])),
        &d,
    );
    b.case(
        "rotation_followed",
        "root 1 rotated to root 6, which certified the signer",
        &root,
        None,
        &[rotation(1, 6)],
        &new_root_sig,
        a,
    );
    b.case(
        "rotation_old_root_untrusted",
        "after the rotation, root 1's chain is refused",
        &root,
        None,
        &[rotation(1, 6)],
        &one,
        a,
    );
    b.case(
        "rotation_by_untrusted_key",
        "a rotation signed by a key the policy does not trust",
        &root,
        None,
        &[rotation(9, 6)],
        &one,
        a,
    );
    let mut bad_rot = rotation(1, 6);
    let n = bad_rot.len();
    bad_rot[n - 1] ^= 1;
    b.case(
        "rotation_bad_signature",
        "a rotation whose signature does not verify",
        &root,
        None,
        &[bad_rot.clone()],
        &one,
        a,
    );
    b.case(
        "rotation_malformed",
        "a truncated rotation statement",
        &root,
        None,
        &[bad_rot[..n - 1].to_vec()],
        &one,
        a,
    );

    let mut bad_policy = root.encode();
    bad_policy.push(0);
    let mut bad_cert_chain = one.clone();
    // A certificate whose typ is wrong is malformed: rewrite the text in place (same length).
    let typ = b"application/vnd.sealkit.cert+cwt";
    let at = bad_cert_chain
        .windows(typ.len())
        .position(|w| w == typ)
        .unwrap();
    bad_cert_chain[at + typ.len() - 1] = b'x';
    b.case_raw(
        "policy_trailing_bytes",
        "a compiled policy followed by a byte",
        &bad_policy,
        None,
        &[],
        &one,
        a,
    );
    b.case_raw(
        "bad_certificate",
        "a certificate in kcwt with a wrong typ",
        &root.encode(),
        None,
        &[],
        &bad_cert_chain,
        a,
    );

    keyless_cases(&mut b);

    TrustVectorFile {
        format: "sealkit-trust-vectors".into(),
        version: VERSION,
        description: format!(
            "Certificate chains, compiled policies, time, revocation, signature sets, rotation statements and timestamp receipts. Generated by `{REGENERATE}`; do not edit."
        ),
        cases: b.0,
    }
}

/// A timestamp receipt by test key `tsa` for `envelope`, at `time`.
pub fn receipt(tsa: u8, envelope: &[u8], time: u64) -> Vec<u8> {
    let digest = envelope_digest(envelope).unwrap();
    let mut out = vec![0u8; MAX_RECEIPT_LEN];
    let n = sign_timestamp(&key(tsa), &digest, time, &mut out).unwrap();
    out.truncate(n);
    out
}

/// `envelope` with `receipt` attached.
pub fn stamped(envelope: &[u8], receipt: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; MAX_ENVELOPE_LEN];
    let n = attach_receipt(envelope, receipt, &mut out).unwrap();
    out.truncate(n);
    out
}

/// Keyless signing: root 1 is the issuer, key 3 the ephemeral key with a ten-minute
/// certificate, key 6 the timestamp authority.
fn keyless_cases(b: &mut Builder) {
    let a = ARTIFACT;
    let nbf = T0 + DAY;
    let short = Cert {
        nbf,
        exp: nbf + 600,
        ..Cert::default()
    };
    let env = Env {
        iat: nbf + 10,
        ..Env::default()
    };
    let plain = one_link(&short, &env);
    let good = stamped(&plain, &receipt(6, &plain, nbf + 12));
    let months = Some(nbf + 120 * DAY);
    let mut keyless = root_spec();
    keyless.entries.push(EntrySpec {
        key: 6,
        flags: 4,
        ..EntrySpec::default()
    });
    let mut required = keyless.clone();
    required.require_timestamp = true;
    let mut root_stamps = root_spec();
    root_stamps.entries[0].flags = 6;

    b.case(
        "keyless_receipt_after_expiry",
        "a ten-minute certificate, verified months later: the trusted receipt proves it was valid",
        &keyless,
        months,
        &[],
        &good,
        a,
    );
    b.case(
        "keyless_receipt_no_clock",
        "a receipt, no clock: the chain is checked at the receipt's time",
        &required,
        None,
        &[],
        &good,
        a,
    );
    b.case(
        "keyless_root_also_timestamps",
        "the issuing root is also the timestamp authority (flags 6)",
        &root_stamps,
        months,
        &[],
        &stamped(&plain, &receipt(1, &plain, nbf + 12)),
        a,
    );
    b.case(
        "keyless_no_receipt_after_expiry",
        "the same signature without its receipt, months later: the certificate has expired",
        &keyless,
        months,
        &[],
        &plain,
        a,
    );
    b.case(
        "keyless_receipt_required",
        "the policy requires a receipt and the envelope has none",
        &required,
        Some(nbf + 60),
        &[],
        &plain,
        a,
    );
    b.case(
        "keyless_receipt_untrusted_key",
        "a receipt by a key the policy does not trust to timestamp",
        &keyless,
        months,
        &[],
        &stamped(&plain, &receipt(5, &plain, nbf + 12)),
        a,
    );
    let mut forged = receipt(6, &plain, nbf + 12);
    let last = forged.len() - 1;
    forged[last] ^= 1;
    b.case(
        "keyless_receipt_bad_signature",
        "a receipt whose signature does not verify under the timestamp key",
        &keyless,
        months,
        &[],
        &stamped(&plain, &forged),
        a,
    );
    let other = one_link(
        &short,
        &Env {
            iat: nbf + 11,
            ..Env::default()
        },
    );
    // Moved from another envelope: rebuilt by hand, since attach_receipt refuses it.
    let moved = {
        let foreign = receipt(6, &other, nbf + 12);
        let mut v = plain.clone();
        // The unprotected header is the single byte a0 after the protected header.
        let e = Envelope::parse(&plain).unwrap();
        let head = cbor::bytes(e.protected_bytes()).len();
        let at = 2 + head;
        assert_eq!(v[at], 0xa0);
        let mut u = cbor::map(&[(cbor::int(-65539), foreign)]);
        v.splice(at..=at, u.drain(..));
        v
    };
    b.case(
        "keyless_receipt_other_envelope",
        "a receipt for another envelope",
        &keyless,
        months,
        &[],
        &moved,
        a,
    );
    b.case(
        "keyless_receipt_after_certificate",
        "a receipt made after the certificate expired",
        &keyless,
        months,
        &[],
        &stamped(&plain, &receipt(6, &plain, nbf + 600)),
        a,
    );
    let mut revoked = keyless.clone();
    revoked.revoked_keys = vec![6];
    b.case(
        "keyless_receipt_revoked_timestamp_key",
        "the timestamp key is revoked",
        &revoked,
        months,
        &[],
        &good,
        a,
    );
    let mut bad = good.clone();
    let typ = TIMESTAMP_TYPE.as_bytes();
    let at = bad.windows(typ.len()).position(|w| w == typ).unwrap();
    bad[at + typ.len() - 1] = b'x';
    b.case(
        "keyless_receipt_malformed",
        "a receipt with a wrong typ",
        &keyless,
        months,
        &[],
        &bad,
        a,
    );
}

/// The file as written: pretty JSON and a final newline.
pub fn to_json(file: &TrustVectorFile) -> String {
    let mut s = serde_json::to_string_pretty(file).expect("serialisable");
    s.push('\n');
    s
}

/// The policy of a case, with its time and rotations applied.
pub fn policy_of(case: &TrustCase) -> Result<TrustPolicy, Error> {
    let mut p = TrustPolicy::from_cbor(&hex::decode(&case.policy_hex).expect("hex"))?;
    if let Some(now) = case.now {
        p.set_time(now);
    }
    for r in &case.rotations_hex {
        p.apply_rotation(&hex::decode(r).expect("hex"))?;
    }
    Ok(p)
}

/// Runs a case through the slot, feeding the artifact in `chunk`-byte pieces (all at once if
/// `None`); returns the facts or the stage and error.
pub fn run_case(
    case: &TrustCase,
    chunk: Option<usize>,
) -> Result<TrustFacts, (&'static str, Error)> {
    let policy = policy_of(case).map_err(|e| ("policy", e))?;
    let sig = hex::decode(&case.signature_hex).expect("hex");
    let artifact = hex::decode(&case.artifact_hex).expect("hex");
    let mut slot = VerifierSlot::new();
    slot.start(&sig, &policy).map_err(|e| ("new", e))?;
    let size = chunk.unwrap_or(artifact.len().max(1));
    for piece in artifact.chunks(size) {
        slot.update(piece).map_err(|e| ("update", e))?;
    }
    let v = slot.finish().map_err(|e| ("finish", e))?;
    Ok(TrustFacts {
        key_id: hex::encode(v.key_id().as_bytes()),
        identity: v.identity().map(str::to_owned),
        subject: v.subject().to_owned(),
        version: v.version(),
        time_checked: v.time_checked(),
        expires_at: v.expires_at(),
        signers: v
            .signers()
            .iter()
            .map(|s| SignerFacts {
                key_id: hex::encode(s.key_id().as_bytes()),
                identity: s.identity().map(str::to_owned),
                root_key_id: s.root_key_id().map(|k| hex::encode(k.as_bytes())),
                chain_depth: s.chain_depth(),
                timestamp: s.timestamp(),
                timestamp_key_id: s.timestamp_key_id().map(|k| hex::encode(k.as_bytes())),
            })
            .collect(),
    })
}
