#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]
//! Sign-then-verify round trips through the public API.

use sealkit::*;

fn key() -> SigningKey {
    SigningKey::from_seed(&[7u8; 32]).unwrap()
}

fn envelope(artifact: &[u8], alg: HashAlg, version: Option<u64>, issuer: Option<&str>) -> Vec<u8> {
    let mut h = ArtifactHasher::new(alg);
    h.update(artifact);
    let req = SignRequest {
        alg: SignatureAlg::Ed25519,
        digest: h.finalize(),
        length: artifact.len() as u64,
        content_type: ContentType::OCTET_STREAM,
        subject: "app.bin",
        issuer,
        issued_at: 1_700_000_000,
        version,
    };
    let mut out = [0u8; MAX_SIGNED_ENVELOPE_LEN];
    let n = sign(&key(), &req, &mut out).unwrap();
    out[..n].to_vec()
}

fn policy() -> TrustPolicy {
    let mut p = TrustPolicy::new();
    p.trust_key(key().public_key()).unwrap();
    p
}

#[test]
fn sign_then_verify() {
    let art = b"hello world".repeat(1000);
    for alg in [HashAlg::Sha256, HashAlg::Sha512] {
        let env = envelope(&art, alg, Some(3), Some("ci@vendor.example"));
        let v = verify_slice(&env, &art, &policy()).unwrap();
        assert_eq!(v.subject(), "app.bin");
        assert_eq!(v.identity(), Some("ci@vendor.example"));
        assert_eq!(v.version(), Some(3));
        assert_eq!(v.length(), art.len() as u64);
        assert_eq!(v.key_id(), key().public_key().key_id());
    }
}

#[test]
fn minimal_envelope_size() {
    let env = envelope(b"x", HashAlg::Sha256, None, None);
    assert!(env.len() <= 200, "minimal envelope is {} bytes", env.len());
    eprintln!("minimal envelope: {} bytes", env.len());
    eprintln!(
        "state size: {} bytes",
        core::mem::size_of::<StreamVerifier>()
    );
}

#[test]
fn tamper_rejected() {
    let art = b"hello world".repeat(100);
    let env = envelope(&art, HashAlg::Sha256, None, None);
    let mut bad = art.clone();
    bad[5] ^= 1;
    assert_eq!(
        verify_slice(&env, &bad, &policy()).unwrap_err(),
        Error::DigestMismatch
    );
    let mut longer = art.clone();
    longer.push(0);
    assert_eq!(
        verify_slice(&env, &longer, &policy()).unwrap_err(),
        Error::ArtifactTooLong
    );
    assert_eq!(
        verify_slice(&env, &art[..art.len() - 1], &policy()).unwrap_err(),
        Error::ArtifactTooShort
    );
}
