//! Configuration checks, and an issuing key that is an intermediate under an offline root.
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
use sealkit::{
    issue_certificate, verify_slice, CertRequest, Certificate, SignatureAlg, SigningKey,
    TrustPolicy, MAX_CERT_LEN,
};
use sealkit_issuer::{Config, StartError};

fn parse(text: &str) -> Result<Config, StartError> {
    Config::parse(text, std::path::Path::new("/nonexistent"))
}

fn minimal(extra_top: &str, provider_extra: &str) -> String {
    format!(
        "name = \"n\"\nissuing_key = \"k\"\ndatabase = \"d\"\n{extra_top}\n[[provider]]\nissuer = \"https://p\"\naudience = \"a\"\njwks_file = \"j\"\n{provider_extra}\n[[provider.rule]]\nclaims = {{ sub = \"x\" }}\nidentity = \"{{sub}}\"\n"
    )
}

#[test]
fn configuration_is_checked() {
    let c = parse(&minimal("", "")).unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:0");
    assert_eq!(c.max_lifetime.as_secs(), 600);
    assert_eq!(c.clock_skew.as_secs(), 60);
    assert_eq!(c.max_body, 16 * 1024);
    assert_eq!(
        c.providers[0]
            .algorithms
            .iter()
            .map(|a| a.name())
            .collect::<Vec<_>>(),
        ["RS256", "ES256"]
    );
    assert!(parse(&minimal("max_lifetime = \"1h\"", "")).is_ok());
    assert!(parse(&minimal(
        "max_lifetime = \"30m\"\nclock_skew = 300",
        "algorithms = [\"EdDSA\", \"PS256\"]"
    ))
    .is_ok());

    let refused = [
        minimal("max_lifetime = \"2h\"", ""),
        minimal("max_lifetime = 0", ""),
        minimal("clock_skew = \"6m\"", ""),
        minimal("max_body = 10", ""),
        minimal("listen = \"nowhere\"", ""),
        minimal("unknown_setting = 1", ""),
        minimal("", "algorithms = [\"none\"]"),
        minimal("", "algorithms = [\"HS256\"]"),
        minimal("", "algorithms = [\"RS256\", \"HS512\"]"),
        minimal("", "algorithms = []"),
        minimal("", "audience = []"),
        minimal("", "typo = true"),
        minimal("", "jwks_url = \"https://p/jwks\""),
        minimal("", "jwks_ttl = 10"),
        minimal("name = \"\"", ""),
        // A rule requiring no claim would map every token of the provider.
        minimal("", "").replace("claims = { sub = \"x\" }", "claims = {}"),
        minimal("", "").replace("identity = \"{sub}\"", "identity = \"{sub\""),
        minimal("", "").replace("identity = \"{sub}\"", "identity = \"{sub}\"\nlifetime = \"11m\""),
        minimal("", "").replace("identity = \"{sub}\"", "identity = \"{sub}\"\nscope = [\"a\", \"b\", \"c\", \"d\", \"e\"]"),
        minimal("", "").replace("identity = \"{sub}\"", "identity = \"{sub}\"\ncolour = \"red\""),
        // Two providers with one issuer.
        format!("{}\n[[provider]]\nissuer = \"https://p\"\naudience = \"b\"\njwks_file = \"j\"\n[[provider.rule]]\nclaims = {{ sub = \"y\" }}\nidentity = \"y\"\n", minimal("", "")),
    ];
    for text in &refused {
        assert!(
            matches!(parse(text), Err(StartError::Config(_))),
            "accepted:\n{text}"
        );
    }
    // Plain http only to loopback.
    let url =
        |u: &str| minimal("", "").replace("jwks_file = \"j\"", &format!("jwks_url = \"{u}\""));
    assert!(parse(&url("https://token.example/jwks")).is_ok());
    assert!(parse(&url("http://127.0.0.1:8080/jwks")).is_ok());
    assert!(parse(&url("http://localhost/jwks")).is_ok());
    assert!(parse(&url("http://token.example/jwks")).is_err());
    assert!(parse(&url("ftp://token.example/jwks")).is_err());
}

fn cert(issuer: &SigningKey, req: &CertRequest<'_>) -> Vec<u8> {
    let mut out = vec![0u8; MAX_CERT_LEN];
    let n = issue_certificate(issuer, req, &mut out).unwrap();
    out.truncate(n);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intermediate_issuing_key_under_an_offline_root() {
    let root = SigningKey::from_seed(&random_seed()).unwrap();
    let issuing = SigningKey::from_seed(&random_seed()).unwrap();
    let t = now();
    let inter_exp = t + 200; // shorter than the rules' lifetime: leaves are clamped to it
    let scope = ["app-*"];
    let inter = cert(
        &root,
        &CertRequest {
            alg: SignatureAlg::Ed25519,
            issuer: "root.vendor.example",
            subject: NAME,
            key: issuing.public_key(),
            not_before: t - 3600,
            expires_at: inter_exp,
            cti: b"inter-1",
            scope: &scope,
            ca: Some(1),
        },
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("issuer.cert"), &inter).unwrap();
    write_key(&dir.path().join("issuer.key"), &issuing);
    let tsa = SigningKey::from_seed(&random_seed()).unwrap();
    write_key(&dir.path().join("tsa.key"), &tsa);
    let text = base_config(
        dir.path(),
        "issuing_chain = [\"issuer.cert\"]\ntimestamp_key = \"tsa.key\"",
        &provider_with_file(&fixture("jwks.json")),
    );
    let h = Harness::start_text(dir, issuing, &text).await;
    let (s, info) = h.get("/v1/issuer").await;
    assert_eq!(s, 200);
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    assert_eq!(info["timestamp_key"], key_text(&tsa.public_key()));

    // The developer rule has no scope: the leaf takes the intermediate's.
    let claims = serde_json::json!({"iss": PROVIDER, "aud": AUDIENCE, "email": "dev@vendor.example",
        "email_verified": true, "iat": t, "exp": t + 60});
    let (s, v, eph) = h.certificate(&rs256(&claims)).await;
    assert_eq!(s, 200, "{v}");
    let chain: Vec<Vec<u8>> = v["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| STANDARD.decode(c.as_str().unwrap()).unwrap())
        .collect();
    assert_eq!(chain.len(), 2);
    assert_eq!(chain[1], inter);
    let leaf = Certificate::parse(&chain[0]).unwrap();
    assert_eq!(leaf.unverified_issuer(), NAME);
    assert_eq!(
        leaf.unverified_expires(),
        inter_exp,
        "clamped to the intermediate"
    );
    assert_eq!(leaf.unverified_scope(), &["app-*"]);

    // A verifier that trusts only the offline root accepts the signature.
    let artifact = b"app build";
    let env = sign_with_chain(&eph, &chain, artifact, "app-linux", now());
    let mut policy = TrustPolicy::new();
    policy
        .trust_root(root.public_key(), Some("root.vendor.example"))
        .unwrap();
    policy.require_identity("dev@vendor.example").unwrap();
    policy.set_time(now());
    let verified = verify_slice(&env, artifact, &policy).unwrap();
    assert_eq!(verified.signers()[0].identity(), Some("dev@vendor.example"));
    assert_eq!(verified.signers()[0].chain_depth(), 2);
    h.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refuses_to_start_with_a_bad_issuing_chain_or_key() {
    let root = SigningKey::from_seed(&random_seed()).unwrap();
    let issuing = SigningKey::from_seed(&random_seed()).unwrap();
    let t = now();
    let make =
        |subject: &str, key: &SigningKey, nbf: u64, exp: u64, ca: Option<u8>, scope: &[&str]| {
            cert(
                &root,
                &CertRequest {
                    alg: SignatureAlg::Ed25519,
                    issuer: "root",
                    subject,
                    key: key.public_key(),
                    not_before: nbf,
                    expires_at: exp,
                    cti: b"i",
                    scope,
                    ca,
                },
            )
        };
    let other = SigningKey::from_seed(&random_seed()).unwrap();
    let cases = [
        (
            "expired",
            make(NAME, &issuing, t - 7200, t - 3600, Some(1), &[]),
        ),
        (
            "not yet valid",
            make(NAME, &issuing, t + 3600, t + 7200, Some(1), &[]),
        ),
        (
            "not a CA",
            make(NAME, &issuing, t - 10, t + 3600, None, &[]),
        ),
        (
            "other key",
            make(NAME, &other, t - 10, t + 3600, Some(1), &[]),
        ),
        (
            "other name",
            make("someone-else", &issuing, t - 10, t + 3600, Some(1), &[]),
        ),
        // The GitHub rule's scope app-* is not within tools-*.
        (
            "scope",
            make(NAME, &issuing, t - 10, t + 3600, Some(1), &["tools-*"]),
        ),
    ];
    for (what, bytes) in cases {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("issuer.cert"), &bytes).unwrap();
        write_key(&dir.path().join("issuer.key"), &issuing);
        let text = base_config(
            dir.path(),
            "issuing_chain = [\"issuer.cert\"]",
            &provider_with_file(&fixture("jwks.json")),
        );
        let config = Config::parse(&text, dir.path()).unwrap();
        assert!(
            sealkit_issuer::start(config).await.is_err(),
            "started with: {what}"
        );
        assert!(
            !dir.path().join("audit.sqlite").exists(),
            "{what}: no database created"
        );
    }

    // A key file readable by others is refused.
    let dir = tempfile::tempdir().unwrap();
    write_key(&dir.path().join("issuer.key"), &issuing);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(
            dir.path().join("issuer.key"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        let text = base_config(dir.path(), "", &provider_with_file(&fixture("jwks.json")));
        let config = Config::parse(&text, dir.path()).unwrap();
        assert!(matches!(
            sealkit_issuer::start(config).await,
            Err(StartError::Key(_))
        ));
    }
}
