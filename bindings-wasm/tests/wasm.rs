//! The Rust layer inside WebAssembly (wasm-bindgen-test): errors cross as the core's numeric
//! codes, facts come through unchanged, and the slot's rules hold. Runs only on wasm32:
//! `CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test -p sealkit-wasm --target wasm32-unknown-unknown`.
#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use sealkit::{
    sign, ArtifactHasher, ContentType, Error, HashAlg, SignRequest, SignatureAlg, SigningKey,
};
use sealkit_wasm::{
    error_codes, error_message, error_name, public_key_from_bytes, public_key_from_text,
    public_key_id, public_key_to_text, TrustPolicy, Verifier,
};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test;

const ARTIFACT: &[u8] = b"firmware image bytes, version 7";

fn key() -> SigningKey {
    SigningKey::from_seed(&[7u8; 32]).unwrap()
}

fn envelope(hash: HashAlg) -> Vec<u8> {
    let mut h = ArtifactHasher::new(hash);
    h.update(ARTIFACT);
    let req = SignRequest {
        alg: SignatureAlg::Ed25519,
        digest: h.finalize(),
        length: ARTIFACT.len() as u64,
        content_type: ContentType::MediaType("application/x-firmware"),
        subject: "firmware.bin",
        issuer: Some("release@example.org"),
        issued_at: 1_700_000_000,
        version: Some(7),
    };
    let mut out = [0u8; sealkit::MAX_SIGNED_ENVELOPE_LEN];
    let n = sign(&key(), &req, &mut out).unwrap();
    out[..n].to_vec()
}

fn policy() -> TrustPolicy {
    let mut p = TrustPolicy::new();
    p.trust_key_bytes(key().public_key().as_bytes(), None)
        .unwrap();
    p
}

/// The thrown value: the core's code as a JS number.
fn code(e: JsValue) -> u16 {
    e.as_f64().expect("a number") as u16
}

#[wasm_bindgen_test]
fn verifies_and_reports_the_facts() {
    for hash in [HashAlg::Sha256, HashAlg::Sha512] {
        let mut v = Verifier::new();
        v.start(&envelope(hash), &policy()).unwrap();
        assert_eq!(v.state(), 1);
        assert_eq!(v.signed_length(), Some(ARTIFACT.len() as u64));
        assert_eq!(v.hash_alg().as_deref(), Some(hash.name()));
        for chunk in ARTIFACT.chunks(5) {
            v.update(chunk).unwrap();
        }
        let f = v.finish().unwrap();
        assert_eq!(v.state(), 2);
        assert_eq!(f.key_id(), key().public_key().key_id().as_bytes().to_vec());
        assert_eq!(f.alg(), "Ed25519");
        assert_eq!(f.identity().as_deref(), Some("release@example.org"));
        assert_eq!(f.subject(), "firmware.bin");
        assert_eq!(f.content_format(), None);
        assert_eq!(f.media_type().as_deref(), Some("application/x-firmware"));
        assert_eq!(f.issued_at(), 1_700_000_000);
        assert_eq!(f.version(), Some(7));
        assert_eq!(f.length(), ARTIFACT.len() as u64);
        assert_eq!(f.hash_alg(), hash.name());
        let mut h = ArtifactHasher::new(hash);
        h.update(ARTIFACT);
        assert_eq!(f.digest(), h.finalize().as_bytes().to_vec());
        assert_eq!(code(v.finish().unwrap_err()), Error::AlreadyFinished.code());
    }
}

#[wasm_bindgen_test]
fn errors_cross_as_codes_and_stay_sticky() {
    let mut v = Verifier::new();
    v.start(&envelope(HashAlg::Sha256), &policy()).unwrap();
    v.update(&ARTIFACT[..10]).unwrap();
    v.update(b"X").unwrap();
    v.update(&ARTIFACT[11..]).unwrap();
    assert_eq!(code(v.finish().unwrap_err()), Error::DigestMismatch.code());
    assert_eq!(v.state(), 3);
    assert_eq!(v.error_code(), Some(302));
    assert_eq!(code(v.update(b"").unwrap_err()), 302);
    v.abort();
    assert_eq!(v.state(), 0);
    assert_eq!(code(v.update(b"").unwrap_err()), Error::NotStarted.code());

    let mut v = Verifier::new();
    v.start(&envelope(HashAlg::Sha256), &policy()).unwrap();
    assert_eq!(
        code(v.start(&envelope(HashAlg::Sha256), &policy()).unwrap_err()),
        402
    );

    let mut v = Verifier::new();
    let mut env = envelope(HashAlg::Sha256);
    let last = env.len() - 1;
    env[last] ^= 1;
    assert_eq!(
        code(v.start(&env, &policy()).unwrap_err()),
        Error::BadSignature.code()
    );
    assert_eq!(
        code(Verifier::new().start(&env[..5], &policy()).unwrap_err()),
        100
    );
    assert_eq!(
        code(
            Verifier::new()
                .start(&envelope(HashAlg::Sha256), &TrustPolicy::new())
                .unwrap_err()
        ),
        202
    );
}

#[wasm_bindgen_test]
fn policy_and_key_arguments_map_to_the_core_codes() {
    let pk = key().public_key();
    let raw = pk.as_bytes();
    assert_eq!(code(public_key_from_bytes(&raw[..31]).unwrap_err()), 500);
    assert_eq!(
        code(public_key_from_text("sealkit-ed25519:").unwrap_err()),
        504
    );
    let text = public_key_to_text(raw).unwrap();
    assert_eq!(public_key_from_text(&text).unwrap(), raw.to_vec());
    assert_eq!(public_key_id(raw).unwrap(), pk.key_id().as_bytes().to_vec());
    let mut p = TrustPolicy::new();
    p.trust_key_text(&text, Some("ci@example.org".into()))
        .unwrap();
    assert_eq!(code(p.trust_key_bytes(raw, None).unwrap_err()), 502);
    assert_eq!(code(p.require_identity("").unwrap_err()), 507);
    assert_eq!(code(p.require_subject(&"s".repeat(1000)).unwrap_err()), 503);
    p.require_min_version(u64::MAX);
    assert_eq!(p.key_count(), 1);
}

#[wasm_bindgen_test]
fn every_code_has_the_core_name_and_message() {
    let codes = error_codes();
    assert_eq!(codes.len(), Error::ALL.len());
    for e in Error::ALL {
        assert!(codes.contains(&e.code()));
        assert_eq!(error_name(e.code()).as_deref(), Some(e.name()));
        assert_eq!(error_message(e.code()).as_deref(), Some(e.message()));
    }
    assert_eq!(error_name(999), None);
}
