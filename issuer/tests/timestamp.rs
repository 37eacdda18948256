//! Timestamp receipts over HTTP: signed by the timestamp key, over the digest and the time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::*;
use sealkit::{
    attach_receipt, envelope_digest, verify_slice, Error, TimestampReceipt, TrustPolicy,
};
use serde_json::json;
use sha2::{Digest as _, Sha256};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn timestamps_are_receipts_over_the_digest() {
    let h = Harness::start().await;
    let digest = Sha256::digest(b"an envelope");
    let before = now();
    let (s, v) = h
        .post("/v1/timestamp", &json!({"digest": hex::encode(digest)}))
        .await;
    assert_eq!(s, 200, "{v}");
    let time = v["time"].as_u64().unwrap();
    assert!(time >= before && time <= now());
    let receipt = b64(&v["receipt"]);
    assert!(!receipt.is_empty() && receipt.len() <= 256);
    // Tagged COSE_Sign1 (tag 18 = 0xd2), by the timestamp key (here the issuing key), over the
    // digest and the time.
    assert_eq!(receipt[0], 0xd2);
    let r = TimestampReceipt::parse(&receipt).unwrap();
    assert!(r.is_signed_by(&h.issuing_key.public_key()));
    assert_eq!(r.unverified_time(), time);
    assert_eq!(r.unverified_digest(), digest.as_slice());
    let log = sealkit_issuer::audit::AuditLog::open_read_only(&h.db).unwrap();
    let mut entries = Vec::new();
    log.for_each(|e| entries.push(e)).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].kind, "timestamp");
    assert_eq!(
        entries[0].digest.as_deref(),
        Some(hex::encode(digest).as_str())
    );
    assert_eq!(
        entries[0].issued_sha256,
        hex::encode(Sha256::digest(&receipt))
    );
    // Bad digests.
    for bad in [
        json!({"digest": "abc"}),
        json!({"digest": "zz".repeat(32)}),
        json!({"digest": 5}),
        json!({}),
    ] {
        let (s, v) = h.post("/v1/timestamp", &bad).await;
        assert_eq!(
            (s, v["error"].as_str().unwrap()),
            (400, "bad_request"),
            "{bad}"
        );
    }
    assert_eq!(h.log_len(), 1);
    h.running.stop().await.unwrap();
}

/// The whole keyless flow against the service, then verification months after the certificate
/// expired: it passes with the receipt and fails without.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_receipt_keeps_a_signature_verifiable_after_the_certificate_expired() {
    let h = Harness::start().await;
    let (s, v, eph) = h.certificate(&rs256(&github_claims())).await;
    assert_eq!(s, 200, "{v}");
    let certs = chain_of(&v);
    let artifact = b"vendor app 1.2.0 for linux";
    let env = sign_with_chain(&eph, &certs, artifact, "app-linux", now());

    let digest = envelope_digest(&env).unwrap();
    let (s, t) = h
        .post("/v1/timestamp", &json!({"digest": hex::encode(digest)}))
        .await;
    assert_eq!(s, 200, "{t}");
    let receipt = b64(&t["receipt"]);
    let mut stamped = vec![0u8; env.len() + receipt.len() + 16];
    let n = attach_receipt(&env, &receipt, &mut stamped).unwrap();
    stamped.truncate(n);
    println!(
        "envelope {} bytes, certificate {} bytes, receipt {} bytes, envelope with both {} bytes",
        env.len(),
        certs[0].len(),
        receipt.len(),
        stamped.len()
    );

    let expires = v["expires_at"].as_u64().unwrap();
    let months_later = expires + 180 * 86_400;
    let policy = |at: u64, require: bool| {
        let mut p = TrustPolicy::new();
        p.trust_root(h.issuing_key.public_key(), Some(NAME))
            .unwrap();
        p.trust_timestamp_key(h.issuing_key.public_key()).unwrap();
        p.require_identity_pattern(
            "https://github.com/vendor/app/.github/workflows/release.yml@refs/tags/*",
        )
        .unwrap();
        if require {
            p.require_timestamp();
        }
        p.set_time(at);
        p
    };
    let ok = verify_slice(&stamped, artifact, &policy(months_later, true)).unwrap();
    assert_eq!(ok.signers()[0].identity(), Some(GITHUB_IDENTITY));
    assert_eq!(ok.signers()[0].timestamp(), t["time"].as_u64());
    assert_eq!(
        verify_slice(
            &stamped,
            b"vendor app 1.2.0 for linuz",
            &policy(months_later, true)
        )
        .unwrap_err(),
        Error::DigestMismatch
    );
    // Without the receipt, months later: the certificate has expired.
    assert_eq!(
        verify_slice(&env, artifact, &policy(months_later, false)).unwrap_err(),
        Error::CertificateExpired
    );
    assert!(
        verify_slice(&env, artifact, &policy(now(), true)).is_err(),
        "a receipt is required"
    );
    assert_eq!(h.log_len(), 2);
    h.running.stop().await.unwrap();
}
