//! Sealed streams (`Unsealer`): every chunking, every truncation point, appended bytes, a second
//! envelope, lying header lengths, wrong magic or version, and a bad signature that fails before
//! any artifact byte is handed out.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;
use sealkit::{
    sealed_header, Error, HashAlg, TrustPolicy, UnsealState, Unsealer, Verified, MAX_ENVELOPE_LEN,
    SEALED_HEADER_LEN, SEALED_MAGIC, SEALED_VERSION,
};
use sealkit_conformance::{pattern_bytes, sealkit_sign, Params, TestKey};

fn signer() -> TestKey {
    TestKey::numbered(0x01)
}

fn policy() -> TrustPolicy {
    signer().policy()
}

fn envelope_for(artifact: &[u8], alg: HashAlg) -> Vec<u8> {
    sealkit_sign(&signer(), &Params::for_artifact(artifact, alg))
}

fn seal_with(envelope: &[u8], artifact: &[u8]) -> Vec<u8> {
    let mut s = sealed_header(envelope.len()).unwrap().to_vec();
    s.extend_from_slice(envelope);
    s.extend_from_slice(artifact);
    s
}

fn seal(artifact: &[u8]) -> Vec<u8> {
    seal_with(&envelope_for(artifact, HashAlg::Sha256), artifact)
}

/// Feeds `stream` in the given chunk sizes (cycled), collecting the payload parts; returns the
/// first error or the verified facts, plus the bytes handed out.
fn unseal_chunked(stream: &[u8], sizes: &[usize]) -> (Result<Verified, Error>, Vec<u8>) {
    let mut u = Unsealer::new(&policy());
    let mut out = Vec::new();
    let mut pos = 0;
    let mut i = 0;
    while pos < stream.len() {
        let n = sizes[i % sizes.len()].min(stream.len() - pos);
        i += 1;
        let chunk = &stream[pos..pos + n];
        pos += n;
        match u.update(chunk) {
            Ok(p) => {
                // The payload part is always a suffix of the chunk.
                assert!(chunk.ends_with(p));
                out.extend_from_slice(p);
            }
            Err(e) => {
                assert_eq!(u.error(), Some(e));
                assert_eq!(u.update(b"x"), Err(e));
                assert_eq!(u.finish().map(|_| ()), Err(e));
                return (Err(e), out);
            }
        }
    }
    let r = u.finish();
    if let Err(e) = r {
        assert_eq!(u.state(), UnsealState::Failed(e));
        assert_eq!(u.update(b""), Err(e));
    }
    (r, out)
}

fn unseal(stream: &[u8]) -> (Result<Verified, Error>, Vec<u8>) {
    unseal_chunked(stream, &[stream.len().max(1)])
}

#[test]
fn header_layout_and_size() {
    assert_eq!(SEALED_HEADER_LEN, 11);
    assert_eq!(SEALED_MAGIC, *b"\x89SEALKIT");
    assert_eq!(SEALED_VERSION, 1);
    let h = sealed_header(0x0123).unwrap();
    assert_eq!(&h[..8], b"\x89SEALKIT");
    assert_eq!(h[8], 1);
    assert_eq!(&h[9..], &[0x01, 0x23]);
    assert_eq!(sealed_header(0), Err(Error::EmptyArgument));
    assert_eq!(
        sealed_header(MAX_ENVELOPE_LEN + 1),
        Err(Error::EnvelopeTooLarge)
    );
    assert!(sealed_header(MAX_ENVELOPE_LEN).is_ok());
}

#[test]
fn round_trip_whole_and_states() {
    let artifact = pattern_bytes(1000);
    let stream = seal(&artifact);
    let mut u = Unsealer::new(&policy());
    assert_eq!(u.state(), UnsealState::Header);
    assert!(u.verifier().is_none());
    assert_eq!(u.update(&stream[..5]).unwrap(), b"");
    assert_eq!(u.state(), UnsealState::Header);
    assert_eq!(u.update(&stream[5..20]).unwrap(), b"");
    assert_eq!(u.state(), UnsealState::Envelope);
    let env_len = stream.len() - 1000 - SEALED_HEADER_LEN;
    let split = SEALED_HEADER_LEN + env_len + 10;
    let p = u.update(&stream[20..split]).unwrap();
    assert_eq!(p, &artifact[..10]);
    assert_eq!(u.state(), UnsealState::Payload);
    assert_eq!(u.verifier().unwrap().signed_length(), 1000);
    assert_eq!(u.update_offset(&stream[split..]).unwrap(), 0);
    let v = u.finish().unwrap();
    assert_eq!(v.length(), 1000);
    assert_eq!(u.state(), UnsealState::Finished);
    assert_eq!(u.finish().map(|_| ()), Err(Error::AlreadyFinished));
    assert_eq!(u.update(b""), Err(Error::AlreadyFinished));
    assert_eq!(u.state(), UnsealState::Finished);
}

#[test]
fn empty_artifact() {
    let (r, out) = unseal(&seal(b""));
    assert_eq!(r.unwrap().length(), 0);
    assert!(out.is_empty());
}

#[test]
fn every_fixed_chunking_gives_the_artifact() {
    for alg in [HashAlg::Sha256, HashAlg::Sha512] {
        let artifact = pattern_bytes(5000);
        let stream = seal_with(&envelope_for(&artifact, alg), &artifact);
        for sizes in [
            &[1][..],
            &[2],
            &[3],
            &[7],
            &[11],
            &[64],
            &[4096],
            &[0, 5, 0, 13],
            &[10, 1, 300],
            &[stream.len()],
        ] {
            let (r, out) = unseal_chunked(&stream, sizes);
            assert_eq!(r.unwrap().length(), 5000, "sizes {sizes:?}");
            assert_eq!(out, artifact, "sizes {sizes:?}");
        }
    }
}

#[test]
fn every_split_point_in_two_chunks() {
    let artifact = pattern_bytes(300);
    let stream = seal(&artifact);
    for cut in 0..=stream.len() {
        let mut u = Unsealer::new(&policy());
        let mut out = u.update(&stream[..cut]).unwrap().to_vec();
        out.extend_from_slice(u.update(&stream[cut..]).unwrap());
        assert!(u.finish().is_ok(), "cut {cut}");
        assert_eq!(out, artifact, "cut {cut}");
    }
}

#[test]
fn every_truncation_point_is_rejected() {
    let artifact = pattern_bytes(200);
    let stream = seal(&artifact);
    let payload_start = stream.len() - artifact.len();
    for len in 0..stream.len() {
        let (r, _) = unseal_chunked(&stream[..len], &[1]);
        let want = if len < payload_start {
            Error::SealedStreamTruncated
        } else {
            Error::ArtifactTooShort
        };
        assert_eq!(r.map(|_| ()), Err(want), "length {len}");
        let (r, _) = unseal(&stream[..len]);
        assert_eq!(r.map(|_| ()), Err(want), "length {len}");
    }
}

#[test]
fn appended_bytes_are_rejected_and_never_handed_out() {
    let artifact = pattern_bytes(100);
    let mut stream = seal(&artifact);
    stream.push(0);
    for sizes in [&[1][..], &[7], &[stream.len()]] {
        let (r, out) = unseal_chunked(&stream, sizes);
        assert_eq!(r.map(|_| ()), Err(Error::ArtifactTooLong));
        assert!(out.len() <= artifact.len());
        assert_eq!(out, artifact[..out.len()]);
    }
}

#[test]
fn a_second_envelope_or_stream_is_rejected() {
    let artifact = b"first artifact".to_vec();
    let stream = seal(&artifact);
    // A whole second sealed stream after the first.
    let mut twice = stream.clone();
    twice.extend_from_slice(&seal(b"second"));
    assert_eq!(unseal(&twice).0.map(|_| ()), Err(Error::ArtifactTooLong));
    assert_eq!(
        unseal_chunked(&twice, &[1]).0.map(|_| ()),
        Err(Error::ArtifactTooLong)
    );
    // A second envelope right after the first, before the artifact.
    let env = envelope_for(&artifact, HashAlg::Sha256);
    let mut s = sealed_header(env.len()).unwrap().to_vec();
    s.extend_from_slice(&env);
    s.extend_from_slice(&env);
    s.extend_from_slice(&artifact);
    let (r, _) = unseal(&s);
    assert!(r.is_err());
}

#[test]
fn lying_envelope_lengths_are_rejected() {
    let artifact = pattern_bytes(64);
    let env = envelope_for(&artifact, HashAlg::Sha256);
    let good = seal_with(&env, &artifact);
    let with_len = |n: u16| {
        let mut s = good.clone();
        s[9..11].copy_from_slice(&n.to_be_bytes());
        s
    };
    let n = env.len() as u16;
    // Longer than the envelope: the envelope ends in artifact bytes.
    assert_eq!(
        unseal(&with_len(n + 1)).0.map(|_| ()),
        Err(Error::TrailingBytes)
    );
    // Shorter: the envelope is cut.
    assert!(unseal(&with_len(n - 1))
        .0
        .unwrap_err()
        .is_malformed_envelope());
    assert_eq!(
        unseal(&with_len(0)).0.map(|_| ()),
        Err(Error::EnvelopeTruncated)
    );
    assert_eq!(
        unseal(&with_len(MAX_ENVELOPE_LEN as u16 + 1)).0.map(|_| ()),
        Err(Error::EnvelopeTooLarge)
    );
    assert_eq!(
        unseal(&with_len(u16::MAX)).0.map(|_| ()),
        Err(Error::EnvelopeTooLarge)
    );
    // Longer than what arrives at all.
    assert_eq!(
        unseal(&with_len(4000)).0.map(|_| ()),
        Err(Error::SealedStreamTruncated)
    );
    // Every other length is an error too.
    for l in 0..=(MAX_ENVELOPE_LEN as u16 + 2) {
        if l != n {
            assert!(unseal(&with_len(l)).0.is_err(), "length {l}");
        }
    }
}

#[test]
fn wrong_magic_fails_at_the_first_wrong_byte() {
    let stream = seal(b"artifact");
    for i in 0..8 {
        let mut s = stream.clone();
        s[i] ^= 0x20;
        let mut u = Unsealer::new(&policy());
        for (j, b) in s.iter().enumerate() {
            let r = u.update(std::slice::from_ref(b));
            if j < i {
                assert_eq!(r, Ok(&[][..]));
            } else {
                assert_eq!(r, Err(Error::NotSealedStream), "byte {i}");
                break;
            }
        }
        assert_eq!(u.finish().map(|_| ()), Err(Error::NotSealedStream));
    }
    assert_eq!(
        unseal(b"plain text file\n").0.map(|_| ()),
        Err(Error::NotSealedStream)
    );
}

#[test]
fn unknown_versions_are_refused() {
    let stream = seal(b"artifact");
    for v in [0u8, 2, 0x7f, 0xff] {
        let mut s = stream.clone();
        s[8] = v;
        assert_eq!(
            unseal_chunked(&s, &[1]).0.map(|_| ()),
            Err(Error::UnsupportedSealedVersion)
        );
    }
}

#[test]
fn bad_signature_fails_before_any_payload_byte() {
    let artifact = pattern_bytes(100);
    let mut env = envelope_for(&artifact, HashAlg::Sha256);
    let last = env.len() - 1;
    env[last] ^= 1; // inside the signature
    let stream = seal_with(&env, &artifact);
    let payload_start = stream.len() - artifact.len();
    let mut u = Unsealer::new(&policy());
    assert_eq!(u.update(&stream[..payload_start - 1]), Ok(&[][..]));
    // The chunk completing the envelope also carries payload: none of it is handed out.
    assert_eq!(
        u.update(&stream[payload_start - 1..]),
        Err(Error::BadSignature)
    );
    assert_eq!(u.state(), UnsealState::Failed(Error::BadSignature));
    // Untrusted key: also before the payload.
    let other = TestKey::numbered(0x02).policy();
    let mut u = Unsealer::new(&other);
    assert_eq!(u.update(&seal(&artifact)), Err(Error::UntrustedKey));
}

#[test]
fn tampered_payload_is_a_digest_mismatch() {
    let artifact = pattern_bytes(100);
    let mut stream = seal(&artifact);
    let n = stream.len();
    stream[n - 50] ^= 1;
    assert_eq!(unseal(&stream).0.map(|_| ()), Err(Error::DigestMismatch));
}

#[test]
fn policy_is_applied() {
    let artifact = b"v".to_vec();
    let stream = seal(&artifact);
    let mut p = policy();
    p.require_subject("something-else").unwrap();
    let mut u = Unsealer::new(&p);
    assert_eq!(u.update(&stream), Err(Error::SubjectMismatch));
}

#[test]
fn unsealer_is_fixed_size() {
    // No heap: the state is a plain value whose size does not depend on the input.
    assert!(core::mem::size_of::<Unsealer>() < 16 * 1024);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn any_chunking_gives_the_artifact(
        artifact in proptest::collection::vec(any::<u8>(), 0..2000),
        sizes in proptest::collection::vec(0usize..300, 1..20),
    ) {
        prop_assume!(sizes.iter().any(|&s| s > 0));
        let stream = seal(&artifact);
        let (r, out) = unseal_chunked(&stream, &sizes);
        prop_assert_eq!(r.unwrap().length(), artifact.len() as u64);
        prop_assert_eq!(out, artifact);
    }

    #[test]
    fn any_single_byte_change_is_rejected(
        artifact in proptest::collection::vec(any::<u8>(), 1..500),
        pos in any::<proptest::sample::Index>(),
        flip in 1u8..=255,
        sizes in proptest::collection::vec(1usize..100, 1..5),
    ) {
        let mut stream = seal(&artifact);
        let i = pos.index(stream.len());
        stream[i] ^= flip;
        let (r, _) = unseal_chunked(&stream, &sizes);
        prop_assert!(r.is_err(), "byte {} changed", i);
    }

    #[test]
    fn any_suffix_or_truncation_is_rejected(
        artifact in proptest::collection::vec(any::<u8>(), 0..500),
        extra in proptest::collection::vec(any::<u8>(), 1..50),
        cut in any::<proptest::sample::Index>(),
    ) {
        let stream = seal(&artifact);
        let mut longer = stream.clone();
        longer.extend_from_slice(&extra);
        prop_assert_eq!(unseal(&longer).0.map(|_| ()), Err(Error::ArtifactTooLong));
        let shorter = &stream[..cut.index(stream.len())];
        prop_assert!(unseal(shorter).0.is_err());
    }
}
