//! `PolicyBuilder`: a trust policy under construction whose first error is sticky, so that a
//! caller who ignores a failed call (as a C caller can) never ends up with a weaker policy.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use sealkit::{
    verify_slice, Error, HashAlg, PolicyBuilder, TrustPolicy, MAX_IDENTITY_LEN, MAX_TRUSTED_KEYS,
};
use sealkit_conformance::{sealkit_sign, Params, TestKey, ISSUER, SUBJECT, VERSION};

const ARTIFACT: &[u8] = b"policy builder artifact";

fn signer() -> TestKey {
    TestKey::numbered(0x01)
}

fn envelope() -> Vec<u8> {
    sealkit_sign(&signer(), &Params::for_artifact(ARTIFACT, HashAlg::Sha256))
}

fn assert_failed_with(b: &PolicyBuilder, e: Error) {
    assert_eq!(b.error(), Some(e));
    assert_eq!(b.policy().map(|_| ()), Err(e));
}

#[test]
fn a_fresh_builder_is_an_empty_policy() {
    for b in [PolicyBuilder::new(), PolicyBuilder::default()] {
        assert_eq!(b.error(), None);
        let p = b.policy().unwrap();
        assert!(p.keys().is_empty());
        assert_eq!(p.required_identity(), None);
        assert_eq!(p.required_subject(), None);
        assert_eq!(p.min_version(), None);
        // An empty policy trusts nothing.
        assert_eq!(
            verify_slice(&envelope(), ARTIFACT, p).map(|_| ()),
            Err(Error::UntrustedKey)
        );
    }
}

#[test]
fn successful_calls_build_the_same_policy_as_trust_policy() {
    let other = TestKey::numbered(0x02);
    let mut b = PolicyBuilder::new();
    b.trust_key(signer().public_key())
        .unwrap()
        .trust_key_for_identity(other.public_key(), "other@example.org")
        .unwrap()
        .require_identity(ISSUER)
        .unwrap()
        .require_subject(SUBJECT)
        .unwrap()
        .require_min_version(VERSION)
        .unwrap();
    assert_eq!(b.error(), None);
    let p = b.policy().unwrap();

    let mut expected = TrustPolicy::new();
    expected.trust_key(signer().public_key()).unwrap();
    expected
        .trust_key_for_identity(other.public_key(), "other@example.org")
        .unwrap();
    expected.require_identity(ISSUER).unwrap();
    expected.require_subject(SUBJECT).unwrap();
    expected.require_min_version(VERSION);

    assert_eq!(p.keys().len(), 2);
    for (got, want) in p.keys().iter().zip(expected.keys()) {
        assert_eq!(got.key_id(), want.key_id());
        assert_eq!(got.identity(), want.identity());
    }
    assert_eq!(p.required_identity(), Some(ISSUER));
    assert_eq!(p.required_subject(), Some(SUBJECT));
    assert_eq!(p.min_version(), Some(VERSION));
    let v = verify_slice(&envelope(), ARTIFACT, p).unwrap();
    assert_eq!(v.identity(), Some(ISSUER));
}

#[test]
fn an_ignored_failed_requirement_never_leaves_a_weaker_policy() {
    let mut b = PolicyBuilder::new();
    b.trust_key(signer().public_key()).unwrap();
    // The caller means to require an identity but passes an empty one and ignores the error.
    let _ = b.require_identity("");
    assert_failed_with(&b, Error::EmptyArgument);
    // Without stickiness this policy (any identity) would accept the envelope.
    assert!(b.policy().is_err());
}

#[test]
fn the_first_error_wins_and_later_calls_are_ignored() {
    let mut b = PolicyBuilder::new();
    let long = "x".repeat(MAX_IDENTITY_LEN + 1);
    assert_eq!(
        b.require_subject(&long).map(|_| ()),
        Err(Error::ArgumentTooLong)
    );
    assert_failed_with(&b, Error::ArgumentTooLong);

    // Every later call, valid or not, returns the first error and changes nothing.
    assert_eq!(
        b.trust_key(signer().public_key()).map(|_| ()),
        Err(Error::ArgumentTooLong)
    );
    assert_eq!(
        b.trust_key_for_identity(signer().public_key(), "")
            .map(|_| ()),
        Err(Error::ArgumentTooLong)
    );
    assert_eq!(
        b.require_identity(ISSUER).map(|_| ()),
        Err(Error::ArgumentTooLong)
    );
    assert_eq!(
        b.require_subject("").map(|_| ()),
        Err(Error::ArgumentTooLong)
    );
    assert_eq!(
        b.require_min_version(3).map(|_| ()),
        Err(Error::ArgumentTooLong)
    );
    assert_failed_with(&b, Error::ArgumentTooLong);
}

#[test]
fn key_errors_are_sticky() {
    let mut b = PolicyBuilder::new();
    b.trust_key(signer().public_key()).unwrap();
    assert_eq!(
        b.trust_key(signer().public_key()).map(|_| ()),
        Err(Error::DuplicateKey)
    );
    assert_failed_with(&b, Error::DuplicateKey);

    let mut b = PolicyBuilder::new();
    for n in 1..=MAX_TRUSTED_KEYS as u8 {
        b.trust_key(TestKey::numbered(n).public_key()).unwrap();
    }
    assert_eq!(b.policy().unwrap().keys().len(), MAX_TRUSTED_KEYS);
    let extra = TestKey::numbered(MAX_TRUSTED_KEYS as u8 + 1).public_key();
    assert_eq!(b.trust_key(extra).map(|_| ()), Err(Error::TooManyKeys));
    assert_failed_with(&b, Error::TooManyKeys);

    let mut b = PolicyBuilder::new();
    assert_eq!(
        b.trust_key_for_identity(signer().public_key(), "")
            .map(|_| ()),
        Err(Error::EmptyArgument)
    );
    assert_failed_with(&b, Error::EmptyArgument);
}

#[test]
fn fail_records_only_the_first_error() {
    let mut b = PolicyBuilder::new();
    b.trust_key(signer().public_key()).unwrap();
    // An argument that could not even be prepared (a key text that does not parse).
    assert_eq!(b.fail(Error::BadPublicKeyText), Error::BadPublicKeyText);
    assert_failed_with(&b, Error::BadPublicKeyText);
    assert_eq!(b.fail(Error::ArgumentNotUtf8), Error::BadPublicKeyText);
    assert_eq!(
        b.require_min_version(1).map(|_| ()),
        Err(Error::BadPublicKeyText)
    );
    assert_failed_with(&b, Error::BadPublicKeyText);

    // And after a builder method failed, `fail` keeps that first error.
    let mut b = PolicyBuilder::new();
    let _ = b.require_identity("");
    assert_eq!(b.fail(Error::InvalidPublicKey), Error::EmptyArgument);
    assert_failed_with(&b, Error::EmptyArgument);
}

#[test]
fn a_clone_keeps_the_failure() {
    let mut b = PolicyBuilder::new();
    let _ = b.require_subject("");
    let c = b.clone();
    assert_failed_with(&c, Error::EmptyArgument);
}
