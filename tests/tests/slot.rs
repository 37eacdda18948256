//! The run-time state machine the bindings share (`VerifierSlot`): every transition between
//! empty, active, finished and failed, and that failures are sticky until `abort`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use sealkit::{Error, HashAlg, SlotState, TrustPolicy, VerifierSlot};
use sealkit_conformance::{sealkit_sign, Params, TestKey};

const ARTIFACT: &[u8] = b"slot test artifact";

fn signer() -> TestKey {
    TestKey::numbered(0x01)
}

fn envelope() -> Vec<u8> {
    sealkit_sign(&signer(), &Params::for_artifact(ARTIFACT, HashAlg::Sha256))
}

fn policy() -> TrustPolicy {
    let mut p = TrustPolicy::new();
    p.trust_key(signer().public_key()).unwrap();
    p
}

fn active() -> VerifierSlot {
    let mut s = VerifierSlot::new();
    s.start(&envelope(), &policy()).unwrap();
    assert_eq!(s.state(), SlotState::Active);
    s
}

fn assert_failed_with(s: &mut VerifierSlot, e: Error) {
    assert_eq!(s.state(), SlotState::Failed(e));
    assert_eq!(s.error(), Some(e));
    assert_eq!(s.update(ARTIFACT), Err(e));
    assert_eq!(s.finish().map(|_| ()), Err(e));
    assert_eq!(s.start(&envelope(), &policy()), Err(e));
    assert_eq!(s.state(), SlotState::Failed(e));
}

#[test]
fn empty_then_active_then_finished() {
    let mut s = VerifierSlot::new();
    assert_eq!(s.state(), SlotState::Empty);
    assert_eq!(s.error(), None);
    assert!(s.verifier().is_none());
    s.start(&envelope(), &policy()).unwrap();
    assert_eq!(s.state(), SlotState::Active);
    assert_eq!(s.verifier().unwrap().signed_length(), ARTIFACT.len() as u64);
    s.update(&ARTIFACT[..3]).unwrap();
    s.update(&[]).unwrap();
    s.update(&ARTIFACT[3..]).unwrap();
    assert_eq!(
        s.verifier().unwrap().bytes_received(),
        ARTIFACT.len() as u64
    );
    let v = s.finish().unwrap();
    assert_eq!(v.length(), ARTIFACT.len() as u64);
    assert_eq!(s.state(), SlotState::Finished);
    assert_eq!(s.error(), None);
    // Finishing twice, or feeding more, is an error, and facts are never returned again.
    assert_eq!(s.finish().map(|_| ()), Err(Error::AlreadyFinished));
    assert_eq!(s.update(b""), Err(Error::AlreadyFinished));
    assert_eq!(s.state(), SlotState::Finished);
}

#[test]
fn calls_before_start_fail_the_slot() {
    let mut s = VerifierSlot::new();
    assert_eq!(s.update(b"early bytes"), Err(Error::NotStarted));
    // Bytes that arrived before the envelope can never be verified later.
    assert_failed_with(&mut s, Error::NotStarted);

    let mut s = VerifierSlot::new();
    assert_eq!(s.finish().map(|_| ()), Err(Error::NotStarted));
    assert_failed_with(&mut s, Error::NotStarted);
}

#[test]
fn starting_twice_fails_the_slot() {
    let mut s = active();
    s.update(&ARTIFACT[..4]).unwrap();
    assert_eq!(s.start(&envelope(), &policy()), Err(Error::AlreadyStarted));
    assert_failed_with(&mut s, Error::AlreadyStarted);

    // Also after finishing: a slot is reused only through abort.
    let mut s = active();
    s.update(ARTIFACT).unwrap();
    s.finish().unwrap();
    assert_eq!(s.start(&envelope(), &policy()), Err(Error::AlreadyStarted));
    assert_failed_with(&mut s, Error::AlreadyStarted);
}

#[test]
fn a_rejected_envelope_fails_the_slot() {
    let mut s = VerifierSlot::new();
    assert_eq!(s.start(b"", &policy()), Err(Error::EnvelopeTruncated));
    assert_failed_with(&mut s, Error::EnvelopeTruncated);

    let mut s = VerifierSlot::new();
    assert_eq!(
        s.start(&envelope(), &TrustPolicy::new()),
        Err(Error::UntrustedKey)
    );
    assert_failed_with(&mut s, Error::UntrustedKey);
}

#[test]
fn artifact_errors_are_sticky() {
    let mut s = active();
    assert_eq!(
        s.update(&[ARTIFACT, b"!"].concat()),
        Err(Error::ArtifactTooLong)
    );
    assert_failed_with(&mut s, Error::ArtifactTooLong);

    let mut s = active();
    s.update(&ARTIFACT[1..]).unwrap();
    assert_eq!(s.finish().map(|_| ()), Err(Error::ArtifactTooShort));
    assert_failed_with(&mut s, Error::ArtifactTooShort);

    let mut s = active();
    let mut bad = ARTIFACT.to_vec();
    bad[0] ^= 1;
    s.update(&bad).unwrap();
    assert_eq!(s.finish().map(|_| ()), Err(Error::DigestMismatch));
    assert_failed_with(&mut s, Error::DigestMismatch);
}

#[test]
fn abort_empties_from_every_state() {
    let states: [fn() -> VerifierSlot; 4] = [
        VerifierSlot::new,
        active,
        || {
            let mut s = active();
            s.update(ARTIFACT).unwrap();
            s.finish().unwrap();
            s
        },
        || {
            let mut s = VerifierSlot::new();
            let _ = s.update(b"x");
            s
        },
    ];
    for make in states {
        let mut s = make();
        s.abort();
        assert_eq!(s.state(), SlotState::Empty);
        // And it is usable again, for a full verification.
        s.start(&envelope(), &policy()).unwrap();
        s.update(ARTIFACT).unwrap();
        assert_eq!(s.finish().unwrap().subject(), sealkit_conformance::SUBJECT);
    }
}

#[test]
fn aborting_midway_discards_the_absorbed_bytes() {
    let mut s = active();
    s.update(&ARTIFACT[..5]).unwrap();
    s.abort();
    s.start(&envelope(), &policy()).unwrap();
    // The first five bytes are gone: the full artifact is needed again.
    s.update(&ARTIFACT[5..]).unwrap();
    assert_eq!(s.finish().map(|_| ()), Err(Error::ArtifactTooShort));
}
