//! Tampering with a real envelope or a real artifact is always caught, with the right error:
//! every single-bit flip of the envelope, bit flips across a 64 KiB artifact and every bit of a
//! small one, truncation to every shorter length, and one appended byte.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;

use sealkit::{verify_slice, Error, HashAlg, StreamVerifier};
use sealkit_conformance::{pattern_bytes, sealkit_sign, Params, TestKey};

fn key() -> TestKey {
    TestKey::numbered(0x5e)
}

/// The verdict of streaming `artifact` in one update, with the stage an error surfaced at.
fn stream(envelope: &[u8], artifact: &[u8], key: &TestKey) -> Result<(), (Error, &'static str)> {
    let policy = key.policy();
    let mut v = StreamVerifier::new(envelope, &policy).map_err(|e| (e, "new"))?;
    v.update(artifact).map_err(|e| (e, "update"))?;
    v.finish().map_err(|e| (e, "finish"))?;
    Ok(())
}

#[test]
fn every_envelope_bit_flip_is_rejected() {
    let key = key();
    for hash in [HashAlg::Sha256, HashAlg::Sha512] {
        let artifact = pattern_bytes(1000);
        let envelope = sealkit_sign(&key, &Params::for_artifact(&artifact, hash));
        assert_eq!(stream(&envelope, &artifact, &key), Ok(()));

        let mut by_error: BTreeMap<&str, usize> = BTreeMap::new();
        for bit in 0..envelope.len() * 8 {
            let mut bad = envelope.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            match stream(&bad, &artifact, &key) {
                Ok(()) => panic!("{hash:?}: flipping bit {bit} still verifies"),
                // Every flip touches the signed bytes, the signature or the framing, so it
                // must be caught before any artifact byte is read.
                Err((e, stage)) => {
                    assert_eq!(stage, "new", "{hash:?} bit {bit}: {e:?} only at {stage}");
                    *by_error.entry(e.name()).or_default() += 1;
                }
            }
        }
        println!("{hash:?}: {} flips -> {by_error:?}", envelope.len() * 8);
        // Flips inside the signature or the payload are bad signatures.
        assert!(
            by_error.get("bad_signature").copied().unwrap_or(0)
                >= (64 + hash.digest_len()) * 8 - 64
        );
    }
}

#[test]
fn artifact_bit_flips_are_digest_mismatches() {
    let key = key();
    for hash in [HashAlg::Sha256, HashAlg::Sha512] {
        // Every bit of a small artifact.
        let small = b"sealkit: every bit of this artifact is signed".to_vec();
        let envelope = sealkit_sign(&key, &Params::for_artifact(&small, hash));
        assert_eq!(stream(&envelope, &small, &key), Ok(()));
        for bit in 0..small.len() * 8 {
            let mut bad = small.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            assert_eq!(
                stream(&envelope, &bad, &key),
                Err((Error::DigestMismatch, "finish")),
                "{hash:?} small artifact bit {bit}"
            );
        }

        // Sampled positions across 64 KiB: both ends, hash block boundaries, and a stride
        // that is prime so positions fall everywhere within blocks.
        let big = pattern_bytes(64 * 1024);
        let envelope = sealkit_sign(&key, &Params::for_artifact(&big, hash));
        assert_eq!(stream(&envelope, &big, &key), Ok(()));
        let mut positions: Vec<usize> = (0..big.len()).step_by(509).collect();
        positions.extend([1, 63, 64, 65, 127, 128, 129, big.len() - 2, big.len() - 1]);
        for (i, &pos) in positions.iter().enumerate() {
            let mut bad = big.clone();
            bad[pos] ^= 1 << (i % 8);
            assert_eq!(
                stream(&envelope, &bad, &key),
                Err((Error::DigestMismatch, "finish")),
                "{hash:?} 64 KiB artifact byte {pos}"
            );
            assert_eq!(
                verify_slice(&envelope, &bad, &key.policy()).map(|_| ()),
                Err(Error::DigestMismatch)
            );
        }
    }
}

#[test]
fn truncation_and_extension_are_length_errors() {
    let key = key();
    let small = pattern_bytes(300);
    let envelope = sealkit_sign(&key, &Params::for_artifact(&small, HashAlg::Sha256));
    for len in 0..small.len() {
        assert_eq!(
            stream(&envelope, &small[..len], &key),
            Err((Error::ArtifactTooShort, "finish")),
            "truncated to {len}"
        );
    }
    let mut longer = small.clone();
    longer.push(0);
    assert_eq!(
        stream(&envelope, &longer, &key),
        Err((Error::ArtifactTooLong, "update"))
    );

    // A real 64 KiB artifact: one byte short, one byte long, and the extra byte sent alone
    // after exactly the signed bytes.
    let big = pattern_bytes(64 * 1024);
    let envelope = sealkit_sign(&key, &Params::for_artifact(&big, HashAlg::Sha512));
    assert_eq!(
        stream(&envelope, &big[..big.len() - 1], &key),
        Err((Error::ArtifactTooShort, "finish"))
    );
    let policy = key.policy();
    let mut v = StreamVerifier::new(&envelope, &policy).unwrap();
    v.update(&big).unwrap();
    assert_eq!(v.update(&[0]), Err(Error::ArtifactTooLong));
    assert_eq!(
        v.bytes_received(),
        big.len() as u64,
        "the extra byte is not absorbed"
    );
    assert_eq!(v.finish().map(|_| ()), Err(Error::ArtifactTooLong));
    assert_eq!(
        verify_slice(&envelope, &[big.as_slice(), &[0]].concat(), &policy).map(|_| ()),
        Err(Error::ArtifactTooLong)
    );
}

#[test]
fn one_shot_and_streaming_agree_on_the_untampered_artifact() {
    let key = key();
    let big = pattern_bytes(64 * 1024 + 3);
    let envelope = sealkit_sign(&key, &Params::for_artifact(&big, HashAlg::Sha256));
    let policy = key.policy();
    let one = verify_slice(&envelope, &big, &policy).unwrap();
    let mut v = StreamVerifier::new(&envelope, &policy).unwrap();
    for c in big.chunks(1000) {
        v.update(c).unwrap();
    }
    let streamed = v.finish().unwrap();
    assert_eq!(one.digest(), streamed.digest());
    assert_eq!(one.length(), big.len() as u64);
    assert_eq!(
        one.digest().as_bytes(),
        sealkit_conformance::digest(HashAlg::Sha256, &big).as_slice()
    );
}
