//! Sealed streams (`Unsealer`) with arbitrary chunking.
//!
//! Raw mode (first byte even): a case's trust policy, then any stream bytes fed in two fuzzed
//! chunkings. Both must agree (same verdict; the same artifact bytes handed out when it
//! verifies, prefixes of the same bytes when it fails, as chunks end at different places); the bytes handed
//! out are always a suffix of the chunk and never more than the signed length; a verified
//! stream's facts match the bytes handed out; errors are sticky.
//!
//! Signed mode (first byte odd): the target seals a fuzzed artifact itself (fixed fuzz key) and
//! applies one tampering: none (must verify and hand out exactly the artifact), truncation,
//! appended bytes, a second sealed stream appended, one flipped bit, or a header that lies about
//! the envelope length by one. Every tampering must be refused; one inside the header or the
//! envelope before a single artifact byte is handed out.
//!
//! Input, raw: `u8 mode`, a case (see `sealkit_fuzz`), `str8 plan A, str8 plan B`, rest: the
//! stream. Signed: `u8 mode, u8 tamper, u16 position, str8 plan`, rest: the artifact. Seeds:
//! every case of `tests/vectors/sealed-vectors.json`, and a few signed-mode inputs.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealkit::{
    sealed_header, ContentType, Error, HashAlg, SignatureAlg, TrustPolicy, UnsealState, Unsealer,
};
use sealkit_fuzz::{chunks, digest_of, fuzz_key, read_policy, sign_envelope, Facts, Input};

/// Runs a stream through an unsealer: the artifact bytes handed out, and the verdict.
fn unseal(stream: &[u8], policy: &TrustPolicy, plan: &[u8]) -> (Vec<u8>, Result<Facts, Error>) {
    let mut u = Unsealer::new(policy);
    let mut out = Vec::new();
    for c in chunks(stream, plan) {
        match u.update(c) {
            Ok(part) => {
                let offset = c.len() - part.len();
                assert_eq!(c.get(offset..), Some(part), "not a suffix of the chunk");
                if !part.is_empty() {
                    assert_eq!(u.state(), UnsealState::Payload);
                }
                out.extend_from_slice(part);
                if let Some(v) = u.verifier() {
                    assert!(out.len() as u64 <= v.signed_length());
                    assert_eq!(out.len() as u64, v.bytes_received());
                }
            }
            Err(e) => {
                assert_eq!(u.state(), UnsealState::Failed(e));
                assert_eq!(u.update(b"more").err(), Some(e));
                assert_eq!(u.finish().map(|_| ()), Err(e));
                return (out, Err(e));
            }
        }
    }
    let r = u.finish().map(|v| Facts::of(&v));
    match &r {
        Ok(f) => {
            assert_eq!(f.length, out.len() as u64);
            let alg = if f.hash_alg == HashAlg::Sha512.cose_id() {
                HashAlg::Sha512
            } else {
                HashAlg::Sha256
            };
            assert_eq!(digest_of(alg, &out).as_bytes(), f.digest.as_slice());
            assert_eq!(u.state(), UnsealState::Finished);
            assert_eq!(u.finish().map(|_| ()), Err(Error::AlreadyFinished));
        }
        Err(e) => {
            assert_eq!(u.error(), Some(*e));
            assert_eq!(u.update(b"").err(), Some(*e));
        }
    }
    (out, r)
}

fn raw(mut input: Input<'_>) {
    let Ok(policy) = read_policy(&mut input) else {
        return;
    };
    let plan_a = input.str8();
    let plan_b = input.str8();
    let stream = input.rest();
    let (out_a, a) = unseal(stream, &policy, plan_a);
    let (out_b, b) = unseal(stream, &policy, plan_b);
    assert_eq!(a, b, "two chunkings disagree");
    if a.is_ok() {
        assert_eq!(out_a, out_b);
    } else {
        // Before an error, each chunking has handed out some prefix of the same bytes.
        let n = out_a.len().min(out_b.len());
        assert_eq!(out_a.get(..n), out_b.get(..n));
    }
}

fn signed(mut input: Input<'_>) {
    let tamper = input.u8() % 8;
    let pos = usize::from(input.u16());
    let plan = input.str8();
    let artifact = input.rest();
    let hash = if pos & 1 != 0 {
        HashAlg::Sha512
    } else {
        HashAlg::Sha256
    };
    let Ok(envelope) = sign_envelope(
        fuzz_key(),
        SignatureAlg::Ed25519,
        hash,
        artifact,
        artifact.len() as u64,
        ContentType::OCTET_STREAM,
        "app.bin",
        None,
        0,
        Some(3),
    ) else {
        return;
    };
    let Ok(header) = sealed_header(envelope.len()) else {
        return;
    };
    let mut stream = header.to_vec();
    stream.extend_from_slice(&envelope);
    let prefix = stream.len();
    stream.extend_from_slice(artifact);
    let good = stream.clone();
    let mut policy = TrustPolicy::new();
    if policy.trust_key(fuzz_key().public_key()).is_err() {
        return;
    }
    policy.require_min_version(3);

    // Where the tampering starts; None: untouched.
    let at: Option<usize> = match tamper {
        1 => {
            let cut = pos % stream.len();
            stream.truncate(cut);
            Some(cut)
        }
        2 => {
            stream.push(pos as u8);
            Some(good.len())
        }
        3 => {
            stream.extend_from_slice(&good);
            Some(good.len())
        }
        4 | 5 => {
            let i = pos % stream.len();
            if let Some(b) = stream.get_mut(i) {
                *b ^= 1 << ((pos >> 8) % 8);
            }
            Some(i)
        }
        6 => {
            // The header's envelope length, one more or one less than the truth.
            let n = envelope.len() as u16;
            let lie = if pos & 2 != 0 {
                n.wrapping_add(1)
            } else {
                n.wrapping_sub(1)
            };
            let [hi, lo] = lie.to_be_bytes();
            if let Some(h) = stream.get_mut(9..11) {
                h.copy_from_slice(&[hi, lo]);
            }
            Some(9)
        }
        _ => None,
    };
    let (out, verdict) = unseal(&stream, &policy, plan);
    match at {
        None => {
            let f =
                verdict.unwrap_or_else(|e| panic!("an untouched sealed stream was refused: {e:?}"));
            assert_eq!(out.as_slice(), artifact);
            assert_eq!(f.version, Some(3));
        }
        Some(i) => {
            assert!(
                verdict.is_err(),
                "a tampered sealed stream verified (tamper {tamper}, at {i})"
            );
            if i < prefix {
                assert!(
                    out.is_empty(),
                    "artifact bytes handed out before the envelope was checked"
                );
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    if input.u8() & 1 == 0 {
        raw(input);
    } else {
        signed(input);
    }
});
