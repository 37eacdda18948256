//! Shared test harness: an issuer started in-process on 127.0.0.1 port 0, test OIDC keys, a
//! token minter, ephemeral keys with proofs, and a small HTTP client.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code
)]

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use sealkit::{
    encode_chain, ArtifactDigest, ContentType, HashAlg, PublicKey, SignOptions, SignRequest,
    SignatureAlg, SigningKey, MAX_ENCODED_CHAIN_LEN, PUBLIC_KEY_TEXT_LEN,
};
use sealkit_issuer::audit::AuditLog;
use sealkit_issuer::{Config, Running};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

pub const PROVIDER: &str = "https://token.actions.githubusercontent.com";
pub const AUDIENCE: &str = "sealkit-issuer";
pub const NAME: &str = "issuer.vendor.example";

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn random_seed() -> [u8; 32] {
    let mut s = [0u8; 32];
    getrandom::fill(&mut s).unwrap();
    s
}

pub fn key_text(k: &PublicKey) -> String {
    let mut b = [0u8; PUBLIC_KEY_TEXT_LEN];
    k.to_text(&mut b).to_owned()
}

/// Writes an unencrypted secret key file with mode 0600.
pub fn write_key(path: &Path, key: &SigningKey) {
    let text =
        sealkit_keyfile::encode_secret(key, &sealkit_keyfile::Protection::Unencrypted).unwrap();
    std::fs::write(path, text.as_bytes()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// The default rules: GitHub Actions release tags of vendor/app, and a developer rule.
pub const RULES: &str = r#"
[[provider.rule]]
claims = { repository = "vendor/app", ref = "refs/tags/*", event_name = "push" }
identity = "https://github.com/{job_workflow_ref}"
scope = ["app-*"]
lifetime = "5m"

[[provider.rule]]
claims = { email = "*@vendor.example", email_verified = true }
identity = "{email}"
"#;

/// An issuer under test with its temporary folder.
pub struct Harness {
    pub dir: tempfile::TempDir,
    pub running: Running,
    pub issuing_key: SigningKey,
    pub db: PathBuf,
    pub base: String,
    pub client: reqwest::Client,
}

/// The `[[provider]]` table with a JWKS file.
pub fn provider_with_file(jwks: &Path) -> String {
    format!(
        "[[provider]]\nissuer = \"{PROVIDER}\"\naudience = \"{AUDIENCE}\"\njwks_file = \"{}\"\n{RULES}",
        jwks.display()
    )
}

pub fn base_config(dir: &Path, extra_top: &str, providers: &str) -> String {
    format!(
        "name = \"{NAME}\"\nissuing_key = \"{}\"\ndatabase = \"{}\"\n{extra_top}\n{providers}",
        dir.join("issuer.key").display(),
        dir.join("audit.sqlite").display()
    )
}

impl Harness {
    pub async fn start() -> Harness {
        Harness::start_with("", &provider_with_file(&fixture("jwks.json"))).await
    }

    pub async fn start_with(extra_top: &str, providers: &str) -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let issuing_key = SigningKey::from_seed(&random_seed()).unwrap();
        write_key(&dir.path().join("issuer.key"), &issuing_key);
        let text = base_config(dir.path(), extra_top, providers);
        Harness::start_text(dir, issuing_key, &text).await
    }

    pub async fn start_text(
        dir: tempfile::TempDir,
        issuing_key: SigningKey,
        text: &str,
    ) -> Harness {
        let config = Config::parse(text, dir.path()).unwrap();
        let running = sealkit_issuer::start(config).await.unwrap();
        let base = format!("http://{}", running.addr);
        Harness {
            db: dir.path().join("audit.sqlite"),
            dir,
            running,
            issuing_key,
            base,
            client: reqwest::Client::new(),
        }
    }

    pub fn log_len(&self) -> i64 {
        AuditLog::open_read_only(&self.db).unwrap().len().unwrap()
    }

    /// POSTs `body` with a content type; returns status and parsed JSON (or Null).
    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> (u16, Value) {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let bytes = r.bytes().await.unwrap();
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }

    pub async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post_raw(path, "application/json", body.to_string().into_bytes())
            .await
    }

    pub async fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// Requests a certificate for `token` with a fresh ephemeral key and a correct proof.
    pub async fn certificate(&self, token: &str) -> (u16, Value, Ephemeral) {
        let eph = Ephemeral::new();
        let (s, v) = self.post("/v1/certificate", &eph.request(token)).await;
        (s, v, eph)
    }
}

/// An ephemeral signing key as the keyless client makes one.
pub struct Ephemeral {
    pub pair: ed25519_compact::KeyPair,
    pub key: SigningKey,
}

impl Ephemeral {
    pub fn new() -> Ephemeral {
        let seed = random_seed();
        Ephemeral {
            pair: ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new(seed)),
            key: SigningKey::from_seed(&seed).unwrap(),
        }
    }

    pub fn public_text(&self) -> String {
        key_text(&self.key.public_key())
    }

    pub fn proof(&self, token: &str) -> String {
        let sig = self
            .pair
            .sk
            .sign(sealkit_issuer::proof_message(token), None);
        STANDARD.encode(sig.as_ref())
    }

    pub fn request(&self, token: &str) -> Value {
        json!({"token": token, "public_key": self.public_text(), "proof": self.proof(token)})
    }
}

/// Claims of a GitHub Actions release token that the default rules accept.
pub fn github_claims() -> Value {
    let t = now();
    json!({
        "iss": PROVIDER,
        "aud": AUDIENCE,
        "sub": "repo:vendor/app:ref:refs/tags/v1.2.0",
        "repository": "vendor/app",
        "repository_owner": "vendor",
        "ref": "refs/tags/v1.2.0",
        "event_name": "push",
        "workflow_ref": "vendor/app/.github/workflows/release.yml@refs/tags/v1.2.0",
        "job_workflow_ref": "vendor/app/.github/workflows/release.yml@refs/tags/v1.2.0",
        "iat": t,
        "nbf": t,
        "exp": t + 300,
        "jti": hex::encode(random_seed()),
    })
}

pub const GITHUB_IDENTITY: &str =
    "https://github.com/vendor/app/.github/workflows/release.yml@refs/tags/v1.2.0";

pub fn pem(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

/// Signs `claims` with a fixture key: `rsa-2048.pem` (kid rsa-1), `p256.pem` (ec-1),
/// `rsa-2048-other.pem` (rsa-2).
pub fn mint(alg: Algorithm, kid: Option<&str>, claims: &Value) -> String {
    let key = match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(&pem("p256.pem")).unwrap(),
        _ => {
            let file = if kid == Some("rsa-2") {
                "rsa-2048-other.pem"
            } else {
                "rsa-2048.pem"
            };
            EncodingKey::from_rsa_pem(&pem(file)).unwrap()
        }
    };
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &key).unwrap()
}

pub fn rs256(claims: &Value) -> String {
    mint(Algorithm::RS256, Some("rsa-1"), claims)
}

/// A token from hand-made parts (for alg none and other forgeries).
pub fn raw_token(header: &Value, claims: &Value, signature: &[u8]) -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as U;
    format!(
        "{}.{}.{}",
        U.encode(header.to_string()),
        U.encode(claims.to_string()),
        U.encode(signature)
    )
}

/// A base64 string of a JSON answer, decoded.
pub fn b64(v: &Value) -> Vec<u8> {
    STANDARD.decode(v.as_str().unwrap()).unwrap()
}

/// The certificates of a `/v1/certificate` answer's `chain`, leaf first.
pub fn chain_of(answer: &Value) -> Vec<Vec<u8>> {
    answer["chain"]
        .as_array()
        .unwrap()
        .iter()
        .map(b64)
        .collect()
}

/// Signs `artifact` (SHA-256, subject `subject`, signed at `at`) with the ephemeral key,
/// carrying `certs` (leaf first) as its chain.
pub fn sign_with_chain(
    eph: &Ephemeral,
    certs: &[Vec<u8>],
    artifact: &[u8],
    subject: &str,
    at: u64,
) -> Vec<u8> {
    let refs: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
    let mut chain = vec![0u8; MAX_ENCODED_CHAIN_LEN];
    let n = encode_chain(&refs, &mut chain).unwrap();
    chain.truncate(n);
    let digest = ArtifactDigest::from_bytes(HashAlg::Sha256, &Sha256::digest(artifact)).unwrap();
    let req = SignRequest {
        alg: SignatureAlg::Ed25519,
        digest,
        length: artifact.len() as u64,
        content_type: ContentType::CoapFormat(42),
        subject,
        issuer: None,
        issued_at: at,
        version: None,
    };
    let opts = SignOptions {
        chain: Some(&chain),
        expires_at: None,
    };
    let mut out = vec![0u8; sealkit::MAX_CHAINED_ENVELOPE_LEN];
    let n = sealkit::sign_with(&eph.key, &req, &opts, &mut out).unwrap();
    out.truncate(n);
    out
}
