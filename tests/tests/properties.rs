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
use sealkit_conformance::{sealkit_sign, Params, TestKey};

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
