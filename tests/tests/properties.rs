//! Property tests: the verdict does not depend on how the artifact is chunked, and the parser
//! never panics, on arbitrary bytes or on mutated valid envelopes (and a mutated envelope never
//! verifies).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::Index;
use sealkit::{verify_slice, Envelope, Error, HashAlg, StreamVerifier, TrustPolicy};
use sealkit_conformance::{sealkit_sign, EnvelopeSpec, Params, TestKey};

fn key() -> &'static TestKey {
    static KEY: OnceLock<TestKey> = OnceLock::new();
    KEY.get_or_init(|| TestKey::numbered(0x77))
}

fn policy() -> &'static TrustPolicy {
    static POLICY: OnceLock<TrustPolicy> = OnceLock::new();
    POLICY.get_or_init(|| key().policy())
}

#[derive(Clone, Debug)]
enum Tamper {
    None,
    /// Flip one bit at a position in the artifact.
    Flip(Index, u8),
    /// Drop bytes from the end (at least one).
    Truncate(Index),
    /// Append bytes (at least one).
    Append(Vec<u8>),
}

fn tamper() -> impl Strategy<Value = Tamper> {
    prop_oneof![
        2 => Just(Tamper::None),
        2 => (any::<Index>(), 0u8..8).prop_map(|(i, b)| Tamper::Flip(i, b)),
        1 => any::<Index>().prop_map(Tamper::Truncate),
        1 => prop::collection::vec(any::<u8>(), 1..40).prop_map(Tamper::Append),
    ]
}

fn hash_alg() -> impl Strategy<Value = HashAlg> {
    prop_oneof![Just(HashAlg::Sha256), Just(HashAlg::Sha512)]
}

/// How to cut the artifact.
#[derive(Clone, Debug)]
enum Plan {
    /// One byte per update.
    Bytes,
    /// Cut at these points (sorted; repeated points give empty chunks).
    Points(Vec<Index>),
    /// Fixed-size chunks, with an empty update before each.
    Fixed(usize),
}

fn plan() -> impl Strategy<Value = Plan> {
    prop_oneof![
        1 => Just(Plan::Bytes),
        4 => prop::collection::vec(any::<Index>(), 0..24).prop_map(Plan::Points),
        1 => (1usize..300).prop_map(Plan::Fixed),
    ]
}

fn chunks<'a>(data: &'a [u8], plan: &Plan) -> Vec<&'a [u8]> {
    match plan {
        Plan::Bytes => data.chunks(1).collect(),
        Plan::Points(points) => {
            let mut cuts: Vec<usize> = points.iter().map(|i| i.index(data.len() + 1)).collect();
            cuts.sort_unstable();
            let mut out = Vec::new();
            let mut start = 0;
            for c in cuts {
                out.push(&data[start..c]);
                start = c;
            }
            out.push(&data[start..]);
            out
        }
        Plan::Fixed(n) => data.chunks(*n).flat_map(|c| [&[][..], c]).collect(),
    }
}

fn streamed(envelope: &[u8], parts: &[&[u8]]) -> Result<sealkit::Verified, Error> {
    let mut v = StreamVerifier::new(envelope, policy())?;
    for p in parts {
        // On the first error stop feeding, as a caller would; finish must then repeat it.
        if let Err(e) = v.update(p) {
            assert_eq!(v.finish().map(|_| ()), Err(e), "errors are sticky");
            return Err(e);
        }
    }
    v.finish()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(384))]

    #[test]
    fn chunking_never_changes_the_verdict(
        artifact in prop::collection::vec(any::<u8>(), 0..1200),
        alg in hash_alg(),
        t in tamper(),
        plan in plan(),
    ) {
        let envelope = sealkit_sign(key(), &Params::for_artifact(&artifact, alg));
        let mut fed = artifact.clone();
        let expected = match &t {
            Tamper::None => Ok(()),
            Tamper::Flip(i, bit) => {
                if fed.is_empty() {
                    Ok(())
                } else {
                    let at = i.index(fed.len());
                    fed[at] ^= 1 << bit;
                    Err(Error::DigestMismatch)
                }
            }
            Tamper::Truncate(i) => {
                if fed.is_empty() {
                    Ok(())
                } else {
                    let keep = i.index(fed.len());
                    fed.truncate(keep);
                    Err(Error::ArtifactTooShort)
                }
            }
            Tamper::Append(extra) => {
                fed.extend_from_slice(extra);
                Err(Error::ArtifactTooLong)
            }
        };
        let one_shot = verify_slice(&envelope, &fed, policy());
        let parts = chunks(&fed, &plan);
        prop_assert_eq!(parts.concat(), fed.clone());
        let chunked = streamed(&envelope, &parts);
        prop_assert_eq!(one_shot.as_ref().map(|_| ()).map_err(|e| *e), expected);
        prop_assert_eq!(chunked.as_ref().map(|_| ()).map_err(|e| *e), expected);
        // Fail fast: a too-long artifact fails in exactly the update that crosses the signed
        // length, and every earlier update succeeds.
        if matches!(t, Tamper::Append(_)) {
            let mut v = StreamVerifier::new(&envelope, policy()).unwrap();
            let mut total = 0usize;
            for part in &parts {
                total += part.len();
                let r = v.update(part);
                if total > artifact.len() {
                    prop_assert_eq!(r, Err(Error::ArtifactTooLong));
                    break;
                }
                prop_assert_eq!(r, Ok(()));
            }
            prop_assert!(v.bytes_received() <= artifact.len() as u64);
        }
        if let (Ok(a), Ok(b)) = (&one_shot, &chunked) {
            prop_assert_eq!(a.digest(), b.digest());
            prop_assert_eq!(a.length(), artifact.len() as u64);
            let want = sealkit_conformance::digest(alg, &artifact);
            prop_assert_eq!(a.digest().as_bytes(), want.as_slice());
        }
    }
}

/// A valid envelope per hash algorithm, signed once.
fn valid_envelopes() -> &'static [Vec<u8>; 2] {
    static ENVS: OnceLock<[Vec<u8>; 2]> = OnceLock::new();
    ENVS.get_or_init(|| {
        let artifact = b"mutation base artifact";
        let mut p = Params::for_artifact(artifact, HashAlg::Sha256);
        p.content_type = Err("application/x-firmware".to_owned());
        let a = sealkit_sign(key(), &p);
        let mut q = Params::for_artifact(artifact, HashAlg::Sha512);
        q.alg = -8;
        q.version = None;
        let b = sealkit_sign(key(), &q);
        [a, b]
    })
}

#[derive(Clone, Debug)]
enum Mutation {
    Set(Index, u8),
    Xor(Index, u8),
    Insert(Index, u8),
    Delete(Index),
    /// Overwrite with a byte likely to be a meaningful CBOR head.
    Head(Index, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let heads = prop::sample::select(vec![
        0x00u8, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1f, 0x20, 0x38, 0x3a, 0x40, 0x58, 0x59, 0x5b, 0x5f,
        0x60, 0x78, 0x7f, 0x80, 0x84, 0x98, 0x9f, 0xa0, 0xa8, 0xb8, 0xbf, 0xc0, 0xd2, 0xd8, 0xf6,
        0xf7, 0xfb, 0xff,
    ]);
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<Index>(), 1u8..=255).prop_map(|(i, b)| Mutation::Xor(i, b)),
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<Index>().prop_map(Mutation::Delete),
        (any::<Index>(), heads).prop_map(|(i, b)| Mutation::Head(i, b)),
    ]
}

fn apply(env: &mut Vec<u8>, m: &Mutation) {
    match m {
        Mutation::Set(i, b) | Mutation::Head(i, b) => {
            if !env.is_empty() {
                let at = i.index(env.len());
                env[at] = *b;
            }
        }
        Mutation::Xor(i, b) => {
            if !env.is_empty() {
                let at = i.index(env.len());
                env[at] ^= *b;
            }
        }
        Mutation::Insert(i, b) => {
            let at = i.index(env.len() + 1);
            env.insert(at, *b);
        }
        Mutation::Delete(i) => {
            if !env.is_empty() {
                let at = i.index(env.len());
                env.remove(at);
            }
        }
    }
}

/// Exercises everything a parsed envelope offers; must not panic.
fn touch(env: &Envelope<'_>) {
    let _ = (
        env.protected_bytes().len(),
        env.unverified_alg(),
        env.unverified_kid(),
        env.unverified_hash_alg(),
        env.unverified_content_type().media_type(),
        env.unverified_issuer(),
        env.unverified_subject(),
        env.unverified_issued_at(),
        env.unverified_length(),
        env.unverified_version(),
        env.unverified_digest().len(),
        env.signature()[0],
    );
    assert_eq!(
        env.unverified_digest().len(),
        env.unverified_hash_alg().digest_len()
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_bytes_never_panic_and_never_verify(
        bytes in prop::collection::vec(any::<u8>(), 0..600),
        prefix in prop::sample::select(vec![
            &[][..], &[0xd2][..], &[0xd2, 0x84][..], &[0xd2, 0x84, 0x58][..], &[0xd2, 0x84, 0x41, 0xa0, 0xa0][..],
        ]),
    ) {
        let input = [prefix, bytes.as_slice()].concat();
        if let Ok(env) = Envelope::parse(&input) {
            touch(&env);
        }
        prop_assert!(StreamVerifier::new(&input, policy()).is_err());
        prop_assert!(verify_slice(&input, &[], policy()).is_err());
    }

    #[test]
    fn mutated_envelopes_never_panic_and_never_verify(
        which in 0usize..2,
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let original = &valid_envelopes()[which];
        let mut env = original.clone();
        for m in &mutations {
            apply(&mut env, m);
        }
        if let Ok(parsed) = Envelope::parse(&env) {
            touch(&parsed);
        }
        let verdict = StreamVerifier::new(&env, policy());
        if env == *original {
            prop_assert!(verdict.is_ok());
        } else {
            // Every byte of an envelope is either signed, the signature, or framing with a
            // single valid encoding: any change must be refused before the artifact is read.
            prop_assert!(verdict.is_err(), "mutated envelope accepted: {}", hex::encode(&env));
        }
    }
}

#[test]
fn the_mutation_bases_verify() {
    for env in valid_envelopes() {
        let v = StreamVerifier::new(env, policy()).unwrap();
        assert_eq!(v.signed_length(), 22);
    }
}

fn text_up_to(max_bytes: usize) -> impl Strategy<Value = String> {
    // Any non-empty Unicode, cut to at most `max_bytes` bytes on a character boundary (the
    // first character always fits: limits are far above 4 bytes).
    prop::collection::vec(any::<char>(), 1..max_bytes).prop_map(move |cs| {
        let mut s = String::new();
        for c in cs {
            if s.len() + c.len_utf8() > max_bytes {
                break;
            }
            s.push(c);
        }
        s
    })
}

fn params() -> impl Strategy<Value = Params> {
    (
        (
            prop_oneof![Just(-19i64), Just(-8)],
            hash_alg(),
            any::<u64>(),
        ),
        (
            text_up_to(sealkit::MAX_SUBJECT_LEN),
            prop::option::of(text_up_to(sealkit::MAX_IDENTITY_LEN)),
            any::<u64>(),
            prop::option::of(any::<u64>()),
        ),
        prop_oneof![
            any::<u16>().prop_map(Ok),
            text_up_to(sealkit::MAX_MEDIA_TYPE_LEN).prop_map(Err),
        ],
        any::<[u8; 64]>(),
    )
        .prop_map(
            |((alg, hash, length), (subject, issuer, issued_at, version), content_type, d)| {
                Params {
                    alg,
                    hash,
                    digest: d[..hash.digest_len()].to_vec(),
                    length,
                    subject,
                    issuer,
                    issued_at,
                    version,
                    content_type,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever a signer states comes back unchanged, from the parser and (after a successful
    /// verification) from `finish`.
    #[test]
    fn statements_round_trip(p in params()) {
        let env_bytes = sealkit_sign(key(), &p);
        prop_assert!(env_bytes.len() <= sealkit::MAX_SIGNED_ENVELOPE_LEN);
        prop_assert_eq!(&EnvelopeSpec::from_params(key(), &p).encode(), &env_bytes);
        let env = Envelope::parse(&env_bytes).unwrap();
        prop_assert_eq!(env.unverified_alg().cose_id(), p.alg);
        prop_assert_eq!(*env.unverified_kid().as_bytes(), key().kid());
        prop_assert_eq!(env.unverified_hash_alg(), p.hash);
        prop_assert_eq!(env.unverified_digest(), p.digest.as_slice());
        prop_assert_eq!(env.unverified_length(), p.length);
        prop_assert_eq!(env.unverified_subject(), p.subject.as_str());
        prop_assert_eq!(env.unverified_issuer(), p.issuer.as_deref());
        prop_assert_eq!(env.unverified_issued_at(), p.issued_at);
        prop_assert_eq!(env.unverified_version(), p.version);
        let ct = match &p.content_type {
            Ok(n) => sealkit::ContentType::CoapFormat(*n),
            Err(s) => sealkit::ContentType::MediaType(s),
        };
        prop_assert_eq!(env.unverified_content_type(), ct);

        // Verification up to `finish` needs the artifact; check the facts `new` keeps by
        // finishing on a zero-length statement instead.
        let mut q = p.clone();
        q.length = 0;
        q.digest = sealkit_conformance::digest(p.hash, b"");
        let v = verify_slice(&sealkit_sign(key(), &q), b"", policy()).unwrap();
        prop_assert_eq!(v.subject(), q.subject.as_str());
        prop_assert_eq!(v.identity(), q.issuer.as_deref());
        prop_assert_eq!(v.issued_at(), q.issued_at);
        prop_assert_eq!(v.version(), q.version);
        prop_assert_eq!(v.alg().cose_id(), q.alg);
        prop_assert_eq!(v.content_type(), ct);
    }
}

/// Interesting CBOR values for structure-aware edits.
fn value() -> impl Strategy<Value = Vec<u8>> {
    use sealkit_conformance::cbor;
    prop_oneof![
        any::<u64>().prop_map(cbor::uint),
        (0u64..30).prop_map(cbor::uint),
        any::<i64>().prop_map(cbor::int),
        (-70000i64..300).prop_map(cbor::int),
        ((0u64..300), 24u8..28).prop_map(|(v, info)| {
            let info = if v > 0xff && info == 24 { 25 } else { info };
            cbor::head_wide(cbor::UINT, v, info)
        }),
        prop::collection::vec(any::<u8>(), 0..70).prop_map(|b| cbor::bytes(&b)),
        "[a-z/+.]{0,40}".prop_map(|s| cbor::text(&s)),
        Just(cbor::text(sealkit::ENVELOPE_TYPE)),
        Just(cbor::bytes(&key().kid())),
        Just(cbor::map(&[])),
        Just(cbor::array(&[])),
        Just(cbor::array(&[cbor::int(258)])),
        Just(vec![0xf4]),
        Just(vec![0xf5]),
        Just(vec![cbor::NULL]),
        Just(vec![0xf9, 0x3c, 0x00]),
        Just(cbor::cat(&[&cbor::head(cbor::TAG, 1), &cbor::uint(0)])),
        Just(vec![cbor::indefinite(cbor::MAP), cbor::BREAK]),
    ]
}

fn label() -> impl Strategy<Value = i64> {
    prop::sample::select(vec![
        1i64, 2, 3, 4, 5, 6, 7, 15, 16, 17, 258, 259, 260, -1, -6800, -6801, -6802, -65537, -65538,
        -65539,
    ])
}

#[derive(Clone, Debug)]
enum Edit {
    SwapProtected(Index, Index),
    SwapClaims(Index, Index),
    DuplicateProtected(Index, Index),
    RemoveProtected(Index),
    RemoveClaim(Index),
    SetProtected(Index, Vec<u8>),
    SetClaim(Index, Vec<u8>),
    Insert(i64, Vec<u8>),
    InsertClaim(i64, Vec<u8>),
    WideKey(Index),
    /// A well-typed new value for a field (a different but valid statement).
    Restate(u8, u64, String),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapProtected(a, b)),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::SwapClaims(a, b)),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::DuplicateProtected(a, b)),
        1 => any::<Index>().prop_map(Edit::RemoveProtected),
        1 => any::<Index>().prop_map(Edit::RemoveClaim),
        1 => (any::<Index>(), value()).prop_map(|(i, v)| Edit::SetProtected(i, v)),
        1 => (any::<Index>(), value()).prop_map(|(i, v)| Edit::SetClaim(i, v)),
        1 => (label(), value()).prop_map(|(l, v)| Edit::Insert(l, v)),
        1 => ((-2i64..10), value()).prop_map(|(l, v)| Edit::InsertClaim(l, v)),
        1 => any::<Index>().prop_map(Edit::WideKey),
        3 => (0u8..7, any::<u64>(), "[ -~]{0,20}").prop_map(|(f, n, t)| Edit::Restate(f, n, t)),
    ]
}

fn apply_edit(s: &mut EnvelopeSpec, e: &Edit) {
    use sealkit_conformance::{cbor, Value};
    let np = s.protected.len();
    let nc = s.claims.len();
    match e {
        Edit::SwapProtected(a, b) if np > 0 => s.protected.swap(a.index(np), b.index(np)),
        Edit::SwapClaims(a, b) if nc > 0 => s.claims.swap(a.index(nc), b.index(nc)),
        Edit::DuplicateProtected(a, b) if np > 0 => {
            let entry = s.protected[a.index(np)].clone();
            s.protected.insert(b.index(np + 1), entry);
        }
        Edit::RemoveProtected(i) if np > 0 => {
            s.protected.remove(i.index(np));
        }
        Edit::RemoveClaim(i) if nc > 0 => {
            s.claims.remove(i.index(nc));
        }
        Edit::SetProtected(i, v) if np > 0 => {
            s.protected[i.index(np)].value = Value::Raw(v.clone())
        }
        Edit::SetClaim(i, v) if nc > 0 => s.claims[i.index(nc)].value = Value::Raw(v.clone()),
        Edit::Insert(l, v) => {
            s.insert(*l, v.clone());
        }
        Edit::InsertClaim(l, v) => {
            s.insert_claim(*l, v.clone());
        }
        Edit::Restate(field, n, t) => {
            let has = |s: &EnvelopeSpec, l: i64| s.protected.iter().any(|e| e.label == l);
            let has_claim = |s: &EnvelopeSpec, l: i64| s.claims.iter().any(|e| e.label == l);
            match field {
                0 if has(s, sealkit::LABEL_ARTIFACT_LENGTH) => {
                    s.set(sealkit::LABEL_ARTIFACT_LENGTH, cbor::uint(*n));
                }
                1 if has(s, sealkit::LABEL_RELEASE_VERSION) => {
                    s.set(sealkit::LABEL_RELEASE_VERSION, cbor::uint(*n));
                }
                2 if has_claim(s, sealkit::CLAIM_IAT) => {
                    s.set_claim(sealkit::CLAIM_IAT, cbor::uint(*n));
                }
                3 if has_claim(s, sealkit::CLAIM_SUB) => {
                    s.set_claim(sealkit::CLAIM_SUB, cbor::text(t));
                }
                4 if has_claim(s, sealkit::CLAIM_ISS) => {
                    s.set_claim(sealkit::CLAIM_ISS, cbor::text(t));
                }
                5 if has(s, sealkit::LABEL_PREIMAGE_CONTENT_TYPE) => {
                    s.set(sealkit::LABEL_PREIMAGE_CONTENT_TYPE, cbor::uint(*n % 65536));
                }
                6 if has(s, sealkit::LABEL_PREIMAGE_CONTENT_TYPE) => {
                    s.set(sealkit::LABEL_PREIMAGE_CONTENT_TYPE, cbor::text(t));
                }
                _ => {}
            }
        }
        Edit::WideKey(i) if np > 0 => {
            let e = &mut s.protected[i.index(np)];
            e.key = cbor::int_wide(e.label, 26);
        }
        _ => {}
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(768))]

    /// Structure-aware edits, validly re-signed: whatever sealkit accepts is exactly what its
    /// own signer writes for the same statement (one encoding per statement), apart from `crit`
    /// and the optional `exp` claim, which this signer never writes (signing with `exp` is
    /// covered by tests/tests/trust_sign.rs).
    #[test]
    fn accepted_envelopes_are_canonical(
        which in 0usize..2,
        edits in prop::collection::vec(edit(), 1..4),
    ) {
        let hash = if which == 0 { HashAlg::Sha256 } else { HashAlg::Sha512 };
        let artifact = b"structured edit artifact";
        let mut spec = EnvelopeSpec::new(key(), artifact, hash);
        for e in &edits {
            apply_edit(&mut spec, e);
        }
        let bytes = spec.encode();
        let parsed = Envelope::parse(&bytes);
        let verified = StreamVerifier::new(&bytes, policy());
        // The signature is valid, so parse and new agree unless the digest or kid changed.
        if let Ok(env) = parsed {
            touch(&env);
            let has_crit = spec.protected.iter().any(|e| e.label == sealkit::LABEL_CRIT);
            if verified.is_ok() && !has_crit && env.unverified_expires().is_none() {
                let p = Params {
                    alg: env.unverified_alg().cose_id(),
                    hash: env.unverified_hash_alg(),
                    digest: env.unverified_digest().to_vec(),
                    length: env.unverified_length(),
                    subject: env.unverified_subject().to_owned(),
                    issuer: env.unverified_issuer().map(str::to_owned),
                    issued_at: env.unverified_issued_at(),
                    version: env.unverified_version(),
                    content_type: match env.unverified_content_type() {
                        sealkit::ContentType::CoapFormat(n) => Ok(n),
                        sealkit::ContentType::MediaType(s) => Err(s.to_owned()),
                    },
                };
                prop_assert_eq!(
                    hex::encode(sealkit_sign(key(), &p)),
                    hex::encode(&bytes),
                    "accepted a second encoding after {:?}", edits
                );
            }
        } else {
            prop_assert_eq!(parsed.map(|_| ()).unwrap_err(), verified.map(|_| ()).unwrap_err());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Key text parsing never panics, and whatever it accepts is the canonical text of the key
    /// (up to surrounding whitespace): one text per key.
    #[test]
    fn public_key_text_has_one_form(
        text in prop_oneof![
            ".{0,80}",
            "sealkit-ed25519:[A-Za-z0-9+/=]{40,48}",
            "[ \t\n]{0,2}sealkit-ed25519:[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=[ \t\r\n]{0,2}",
        ],
    ) {
        if let Ok(key) = sealkit::PublicKey::from_text(&text) {
            let mut buf = [0u8; sealkit::PUBLIC_KEY_TEXT_LEN];
            prop_assert_eq!(key.to_text(&mut buf), text.trim_matches(|c: char| c.is_ascii_whitespace()));
            prop_assert_eq!(sealkit::PublicKey::from_bytes(key.as_bytes()), Ok(key));
        }
    }

    /// sealkit's key check is exactly ed25519-compact's point validation.
    #[test]
    fn key_check_matches_point_validation(raw in any::<[u8; 32]>()) {
        let compact = ed25519_compact::PublicKey::new(raw).validate().is_ok();
        prop_assert_eq!(sealkit::PublicKey::from_bytes(&raw).is_ok(), compact);
    }
}
