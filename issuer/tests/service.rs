//! The issuer over HTTP on 127.0.0.1: good tokens give certificates that core verifies, every
//! bad request of the contract gets its status and error name, and nothing is logged for it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sealkit::{verify_slice, Certificate, Error, PublicKey, TrustPolicy};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

fn policy_for(h: &Harness, identity: &str, at: u64) -> TrustPolicy {
    let mut p = TrustPolicy::new();
    p.trust_root(h.issuing_key.public_key(), Some(NAME))
        .unwrap();
    p.require_identity(identity).unwrap();
    p.set_time(at);
    p
}

async fn good_token(alg: Algorithm, kid: &str) {
    let h = Harness::start().await;
    let token = mint(alg, Some(kid), &github_claims());
    let before = now();
    let (status, v, eph) = h.certificate(&token).await;
    let after = now();
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["identity"], GITHUB_IDENTITY);
    let cert_bytes = b64(&v["certificate"]);
    assert_eq!(
        v["chain"].as_array().unwrap().len(),
        1,
        "a root issuer returns just the leaf"
    );
    assert_eq!(b64(&v["chain"][0]), cert_bytes);

    let cert = Certificate::parse(&cert_bytes).unwrap();
    assert!(cert.is_signed_by(&h.issuing_key.public_key()));
    assert!(!cert.is_signed_by(&eph.key.public_key()));
    assert_eq!(cert.unverified_issuer(), NAME);
    assert_eq!(cert.unverified_subject(), GITHUB_IDENTITY);
    assert_eq!(cert.unverified_key(), &eph.key.public_key());
    assert_eq!(cert.unverified_scope(), &["app-*"]);
    assert_eq!(cert.unverified_ca(), None);
    assert_eq!(
        hex::encode(cert.unverified_id()),
        v["certificate_id"].as_str().unwrap()
    );
    assert_eq!(cert.unverified_id().len(), 16);
    let (nbf, exp) = (cert.unverified_not_before(), cert.unverified_expires());
    assert_eq!(v["not_before"].as_u64().unwrap(), nbf);
    assert_eq!(v["expires_at"].as_u64().unwrap(), exp);
    // Back-dated by the default skew (60 s); the rule's lifetime is 5 minutes.
    assert!(nbf >= before - 60 && nbf <= after - 60, "nbf {nbf}");
    assert!(exp >= before + 300 && exp <= after + 300, "exp {exp}");

    // A signature by the ephemeral key verifies against a policy that trusts only the issuer.
    let artifact = b"vendor app release 1.2.0";
    let env = sign_with_chain(&eph, &chain_of(&v), artifact, "app-linux", after);
    let verified = verify_slice(&env, artifact, &policy_for(&h, GITHUB_IDENTITY, after)).unwrap();
    assert_eq!(verified.signers()[0].identity(), Some(GITHUB_IDENTITY));
    assert_eq!(
        verify_slice(
            &env,
            b"vendor app release 1.2.1",
            &policy_for(&h, GITHUB_IDENTITY, after)
        )
        .unwrap_err(),
        Error::DigestMismatch
    );
    // Another identity is refused; so is a check after the certificate expired (no receipt).
    assert!(verify_slice(
        &env,
        artifact,
        &policy_for(&h, "https://github.com/other", after)
    )
    .is_err());
    assert_eq!(
        verify_slice(&env, artifact, &policy_for(&h, GITHUB_IDENTITY, exp)).unwrap_err(),
        Error::CertificateExpired
    );
    // The scope holds: the certificate may sign app-* only.
    let env = sign_with_chain(&eph, &chain_of(&v), artifact, "other-tool", after);
    assert!(verify_slice(&env, artifact, &policy_for(&h, GITHUB_IDENTITY, after)).is_err());

    let log = sealkit_issuer::audit::AuditLog::open_read_only(&h.db).unwrap();
    let mut entries = Vec::new();
    log.for_each(|e| entries.push(e)).unwrap();
    assert_eq!(entries.len(), 1);
    let e = &entries[0];
    assert_eq!(e.kind, "certificate");
    assert_eq!(e.identity.as_deref(), Some(GITHUB_IDENTITY));
    assert_eq!(e.provider.as_deref(), Some(PROVIDER));
    assert_eq!(
        e.token_sha256.as_deref(),
        Some(hex::encode(Sha256::digest(token.as_bytes())).as_str())
    );
    assert_eq!(
        e.key_id.as_deref(),
        Some(eph.key.public_key().key_id().to_string().as_str())
    );
    assert_eq!(e.cti.as_deref(), v["certificate_id"].as_str());
    assert_eq!(e.issued_sha256, hex::encode(Sha256::digest(&cert_bytes)));
    assert!(log.verify().unwrap().is_ok());
    h.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn good_rs256_token_gets_a_certificate_that_verifies() {
    good_token(Algorithm::RS256, "rsa-1").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn good_es256_token_gets_a_certificate_that_verifies() {
    good_token(Algorithm::ES256, "ec-1").await;
}

// On a current-thread runtime, to show the service needs no more.
#[tokio::test]
async fn developer_rule_and_info_and_health() {
    let h = Harness::start().await;
    let t = now();
    let claims = json!({"iss": PROVIDER, "aud": ["other", AUDIENCE], "email": "dev@vendor.example",
        "email_verified": true, "iat": t, "exp": t + 60});
    let (s, v, _) = h.certificate(&rs256(&claims)).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["identity"], "dev@vendor.example");
    // Without a lifetime in the rule: max_lifetime (10 minutes by default).
    let exp = v["expires_at"].as_u64().unwrap();
    assert!(exp >= t + 600 && exp <= now() + 600);

    let (s, body) = h.get("/v1/issuer").await;
    assert_eq!(s, 200);
    let info: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(info["issuer"], NAME);
    assert_eq!(info["issuing_key"], key_text(&h.issuing_key.public_key()));
    assert_eq!(info["timestamp_key"], info["issuing_key"]);
    assert_eq!(info["max_lifetime_seconds"], 600);
    assert_eq!(
        PublicKey::from_text(info["issuing_key"].as_str().unwrap()).unwrap(),
        h.issuing_key.public_key()
    );
    assert_eq!(h.get("/healthz").await, (200, "ok".to_owned()));
    let (s, body) = h.get("/v1/nothing").await;
    assert_eq!(s, 404);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["error"],
        "not_found"
    );
    let (s, body) = h.get("/v1/certificate").await;
    assert_eq!(s, 405);
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap()["error"],
        "method_not_allowed"
    );
    h.running.stop().await.unwrap();
}

/// Posts a certificate request and checks status, error name, and that nothing was logged.
async fn refused(h: &Harness, body: Value, status: u16, name: &str) {
    let before = h.log_len();
    let (s, v) = h.post("/v1/certificate", &body).await;
    assert_eq!(
        (s, v["error"].as_str().unwrap_or("")),
        (status, name),
        "{v}"
    );
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
    assert_eq!(h.log_len(), before, "nothing logged for {name}");
}

async fn refused_token(h: &Harness, token: &str, status: u16, name: &str) {
    refused(h, Ephemeral::new().request(token), status, name).await;
}

fn with(mut claims: Value, key: &str, value: Value) -> Value {
    claims[key] = value;
    claims
}

fn without(mut claims: Value, key: &str) -> Value {
    claims.as_object_mut().unwrap().remove(key);
    claims
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_are_refused_and_nothing_is_logged() {
    let h = Harness::start().await;
    let c = github_claims;
    let t = now();

    // Not a JWS at all.
    for bad in [
        "",
        "not-a-token",
        "a.b",
        "a.b.c.d",
        "!!!.???.###",
        &format!("{}.e30.", "W10"),
    ] {
        refused_token(&h, bad, 400, "malformed_token").await;
    }
    // Expired beyond the 60 s skew, not yet valid, issued in the future.
    refused_token(
        &h,
        &rs256(&with(
            with(c(), "exp", json!(t - 120)),
            "iat",
            json!(t - 600),
        )),
        401,
        "token_expired",
    )
    .await;
    refused_token(
        &h,
        &rs256(&with(c(), "nbf", json!(t + 600))),
        401,
        "token_not_yet_valid",
    )
    .await;
    refused_token(
        &h,
        &rs256(&with(c(), "iat", json!(t + 600))),
        401,
        "token_issued_in_future",
    )
    .await;
    // Within the skew is fine (checked on a fresh token below); exp and iat are required.
    refused_token(&h, &rs256(&without(c(), "exp")), 400, "malformed_token").await;
    refused_token(&h, &rs256(&without(c(), "iat")), 400, "malformed_token").await;
    refused_token(
        &h,
        &rs256(&with(c(), "exp", json!("tomorrow"))),
        400,
        "malformed_token",
    )
    .await;

    // Wrong signature: a valid token with its signature from another token; a flipped byte;
    // signed by a key that is not the one its kid names.
    let good = rs256(&c());
    let other = rs256(&with(c(), "ref", json!("refs/tags/v9")));
    let forged = format!(
        "{}.{}",
        good.rsplit_once('.').unwrap().0,
        other.rsplit_once('.').unwrap().1
    );
    refused_token(&h, &forged, 401, "token_signature_invalid").await;
    let wrong_key = {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some("rsa-1".into());
        jsonwebtoken::encode(
            &header,
            &c(),
            &EncodingKey::from_rsa_pem(&pem("rsa-2048-other.pem")).unwrap(),
        )
        .unwrap()
    };
    refused_token(&h, &wrong_key, 401, "token_signature_invalid").await;
    let es_wrong = {
        let t = mint(Algorithm::ES256, Some("ec-1"), &c());
        let (head, sig) = t.rsplit_once('.').unwrap();
        let mut raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(sig)
            .unwrap();
        raw[10] ^= 1;
        format!(
            "{head}.{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
        )
    };
    refused_token(&h, &es_wrong, 401, "token_signature_invalid").await;

    // Audience and issuer.
    refused_token(
        &h,
        &rs256(&with(c(), "aud", json!("someone-else"))),
        401,
        "wrong_audience",
    )
    .await;
    refused_token(
        &h,
        &rs256(&with(c(), "aud", json!(["a", "b"]))),
        401,
        "wrong_audience",
    )
    .await;
    refused_token(&h, &rs256(&without(c(), "aud")), 401, "wrong_audience").await;
    refused_token(
        &h,
        &rs256(&with(c(), "iss", json!("https://evil.example"))),
        401,
        "unknown_provider",
    )
    .await;
    refused_token(
        &h,
        &rs256(&with(c(), "iss", json!(format!("{PROVIDER}/")))),
        401,
        "unknown_provider",
    )
    .await;

    // Algorithms: one the provider does not allow, none, HS256 keyed with the public key.
    refused_token(
        &h,
        &mint(Algorithm::RS512, Some("rsa-1"), &c()),
        401,
        "algorithm_not_allowed",
    )
    .await;
    refused_token(
        &h,
        &raw_token(&json!({"alg": "none", "kid": "rsa-1"}), &c(), b""),
        401,
        "algorithm_not_allowed",
    )
    .await;
    refused_token(
        &h,
        &raw_token(&json!({"alg": "none"}), &c(), b""),
        401,
        "algorithm_not_allowed",
    )
    .await;
    let jwks = std::fs::read(fixture("jwks.json")).unwrap();
    for secret in [pem("rsa-2048.pem"), jwks] {
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some("rsa-1".into());
        let t = jsonwebtoken::encode(&header, &c(), &EncodingKey::from_secret(&secret)).unwrap();
        refused_token(&h, &t, 401, "algorithm_not_allowed").await;
    }
    // ES256 claimed over an RSA key (the kid names the RSA key): the key does not fit.
    refused_token(
        &h,
        &mint(Algorithm::ES256, Some("rsa-1"), &c()),
        401,
        "algorithm_not_allowed",
    )
    .await;
    // Unknown key id (the file source cannot be refreshed).
    refused_token(
        &h,
        &mint(Algorithm::RS256, Some("rsa-9"), &c()),
        401,
        "unknown_signing_key",
    )
    .await;

    // Rules: no rule matches, or a claim the rule needs is not a string.
    refused_token(
        &h,
        &rs256(&with(c(), "repository", json!("vendor/other"))),
        403,
        "no_matching_rule",
    )
    .await;
    refused_token(
        &h,
        &rs256(&with(c(), "ref", json!("refs/heads/main"))),
        403,
        "no_matching_rule",
    )
    .await;
    refused_token(
        &h,
        &rs256(&with(c(), "repository", json!(["vendor/app"]))),
        403,
        "no_matching_rule",
    )
    .await;
    refused_token(
        &h,
        &rs256(&with(c(), "job_workflow_ref", json!(7))),
        403,
        "no_matching_rule",
    )
    .await;
    refused_token(
        &h,
        &rs256(&with(c(), "job_workflow_ref", json!("a\u{7}b"))),
        403,
        "no_matching_rule",
    )
    .await;
    let dev = json!({"iss": PROVIDER, "aud": AUDIENCE, "email": "dev@vendor.example", "email_verified": "true", "iat": t, "exp": t + 60});
    refused_token(&h, &rs256(&dev), 403, "no_matching_rule").await;

    // Proof of possession: garbage, another key's signature, a signature over another token.
    let token = rs256(&c());
    let eph = Ephemeral::new();
    let other = Ephemeral::new();
    refused(
        &h,
        json!({"token": token, "public_key": eph.public_text(), "proof": other.proof(&token)}),
        403,
        "bad_proof",
    )
    .await;
    refused(
        &h,
        json!({"token": token, "public_key": eph.public_text(), "proof": eph.proof(&rs256(&c()))}),
        403,
        "bad_proof",
    )
    .await;
    refused(&h, json!({"token": token, "public_key": eph.public_text(), "proof": STANDARD.encode([0u8; 64])}), 403, "bad_proof").await;
    refused(
        &h,
        json!({"token": token, "public_key": eph.public_text(), "proof": "AAAA"}),
        400,
        "bad_request",
    )
    .await;
    refused(
        &h,
        json!({"token": token, "public_key": "sealkit-ed25519:nope", "proof": eph.proof(&token)}),
        400,
        "bad_request",
    )
    .await;
    // A small-order public key is refused by PublicKey::from_text.
    let small = format!("sealkit-ed25519:{}", STANDARD.encode([0u8; 32]));
    refused(
        &h,
        json!({"token": token, "public_key": small, "proof": eph.proof(&token)}),
        400,
        "bad_request",
    )
    .await;
    // Malformed bodies.
    refused(&h, json!({"token": token}), 400, "bad_request").await;
    refused(&h, json!({"token": token, "public_key": eph.public_text(), "proof": eph.proof(&token), "extra": 1}), 400, "bad_request").await;
    refused(&h, json!(["token"]), 400, "bad_request").await;
    refused(
        &h,
        json!({"token": 5, "public_key": eph.public_text(), "proof": eph.proof(&token)}),
        400,
        "bad_request",
    )
    .await;
    let before = h.log_len();
    let (s, v) = h
        .post_raw(
            "/v1/certificate",
            "application/json",
            b"{\"token\": ".to_vec(),
        )
        .await;
    assert_eq!((s, v["error"].as_str().unwrap()), (400, "bad_request"));
    let (s, v) = h
        .post_raw(
            "/v1/certificate",
            "text/plain",
            eph.request(&token).to_string().into_bytes(),
        )
        .await;
    assert_eq!(
        (s, v["error"].as_str().unwrap()),
        (415, "unsupported_media_type")
    );
    let (s, v) = h
        .post_raw(
            "/v1/certificate",
            "application/json; charset=latin1",
            eph.request(&token).to_string().into_bytes(),
        )
        .await;
    assert_eq!(
        (s, v["error"].as_str().unwrap()),
        (415, "unsupported_media_type")
    );
    let huge =
        json!({"token": "x".repeat(17 * 1024), "public_key": eph.public_text(), "proof": ""});
    let (s, v) = h.post("/v1/certificate", &huge).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (413, "body_too_large"));
    let (s, v) = h
        .post("/v1/timestamp", &json!({"digest": "a".repeat(20_000)}))
        .await;
    assert_eq!((s, v["error"].as_str().unwrap()), (413, "body_too_large"));
    // A token longer than the token limit but inside the body limit.
    refused_token(&h, &"a".repeat(9 * 1024), 400, "malformed_token").await;
    assert_eq!(h.log_len(), before);

    // After all that, the same kind of request with a proper token and proof works, and the
    // token within the skew (expired 30 s ago) is still accepted.
    let (s, v, _) = h
        .certificate(&rs256(&with(
            with(c(), "exp", json!(t - 30)),
            "iat",
            json!(t - 300),
        )))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(h.log_len(), before + 1);
    h.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_buys_exactly_one_certificate() {
    let h = Harness::start().await;
    let token = rs256(&github_claims());
    let (s, v, _) = h.certificate(&token).await;
    assert_eq!(s, 200, "{v}");
    // Again, with another key (a stolen token replayed) or the same key.
    let (s, v, eph) = h.certificate(&token).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (409, "token_replayed"));
    let (s, v) = h.post("/v1/certificate", &eph.request(&token)).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (409, "token_replayed"));
    assert_eq!(h.log_len(), 1);
    // Many concurrent uses of one fresh token: exactly one wins.
    let token = rs256(&github_claims());
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let (client, base, body) = (
            h.client.clone(),
            h.base.clone(),
            Ephemeral::new().request(&token),
        );
        tasks.push(tokio::spawn(async move {
            client
                .post(format!("{base}/v1/certificate"))
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut codes = Vec::new();
    for t in tasks {
        codes.push(t.await.unwrap());
    }
    assert_eq!(codes.iter().filter(|c| **c == 200).count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == 409).count(), 15, "{codes:?}");
    assert_eq!(h.log_len(), 2);
    h.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eddsa_tokens_when_the_provider_allows_them() {
    let providers = provider_with_file(&fixture("jwks-ed25519.json"))
        .replace("jwks_file =", "algorithms = [\"EdDSA\"]\njwks_file =");
    let h = Harness::start_with("", &providers).await;
    let mut header = Header::new(Algorithm::EdDSA);
    header.kid = Some("ed-1".into());
    let key = EncodingKey::from_ed_pem(&pem("ed25519.pem")).unwrap();
    let token = jsonwebtoken::encode(&header, &github_claims(), &key).unwrap();
    let (s, v, _) = h.certificate(&token).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["identity"], GITHUB_IDENTITY);
    // Without a kid: the only fitting key is used.
    let token =
        jsonwebtoken::encode(&Header::new(Algorithm::EdDSA), &github_claims(), &key).unwrap();
    let (s, v, _) = h.certificate(&token).await;
    assert_eq!(s, 200, "{v}");
    // RS256 is not on this provider's list.
    refused_token(&h, &rs256(&github_claims()), 401, "algorithm_not_allowed").await;
    assert_eq!(h.log_len(), 2);
    h.running.stop().await.unwrap();
}
