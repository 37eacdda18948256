//! Differential: the same envelope, policy and artifact fed in two different chunkings, and in
//! one call (`verify_slice`), must give the same verdict: the same error, or the same verified
//! facts. `artifact_too_long` must surface in an update in every chunking, and the verifier
//! never absorbs more bytes than were signed.
//!
//! Input: a case (trust policy, see `sealkit_fuzz`), `bytes16 envelope, str8 plan A,
//! str8 plan B`, rest: the artifact. Seeds: every case of `tests/vectors/sealkit-vectors.json`
//! (with its policy) in a few chunkings.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealkit::{verify_slice, Error, StreamVerifier, TrustPolicy};
use sealkit_fuzz::{chunks, read_policy, Facts, Input};

/// The verdict of one chunking: the facts, or the error and whether it came from an update.
fn run(
    envelope: &[u8],
    policy: &TrustPolicy,
    artifact: &[u8],
    plan: &[u8],
) -> Result<Facts, (Error, bool)> {
    let mut v = StreamVerifier::new(envelope, policy).map_err(|e| (e, false))?;
    for c in chunks(artifact, plan) {
        let before = v.bytes_received();
        if let Err(e) = v.update(c) {
            assert_eq!(e, Error::ArtifactTooLong);
            assert_eq!(
                v.bytes_received(),
                before,
                "bytes of a refused chunk were absorbed"
            );
            assert_eq!(v.error(), Some(e));
            assert_eq!(v.finish().map(|_| ()), Err(e));
            return Err((e, true));
        }
        assert!(v.bytes_received() <= v.signed_length());
    }
    match v.finish() {
        Ok(f) => {
            assert!(v.is_finished());
            assert_eq!(v.finish().map(|_| ()), Err(Error::AlreadyFinished));
            Ok(Facts::of(&f))
        }
        Err(e) => {
            assert!(
                matches!(e, Error::ArtifactTooShort | Error::DigestMismatch),
                "{e:?}"
            );
            assert_eq!(v.update(&[]), Err(e));
            Err((e, false))
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let Ok(policy) = read_policy(&mut input) else {
        return;
    };
    let envelope = input.bytes16();
    let plan_a = input.str8();
    let plan_b = input.str8();
    let artifact = input.rest();

    let a = run(envelope, &policy, artifact, plan_a);
    let b = run(envelope, &policy, artifact, plan_b);
    assert_eq!(a, b, "two chunkings disagree");
    let one = verify_slice(envelope, artifact, &policy)
        .map(|v| Facts::of(&v))
        .map_err(|e| e);
    assert_eq!(
        a.clone().map_err(|(e, _)| e),
        one,
        "chunked and one-shot disagree"
    );
    if let Ok(f) = &a {
        assert_eq!(f.length, artifact.len() as u64);
    }
});
