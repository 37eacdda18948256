//! The HTTP service: state, handlers, middleware, start and shutdown.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sealkit::{Certificate, PublicKey, SigningKey, PUBLIC_KEY_TEXT_LEN};
use serde::Deserialize;
use sha2::{Digest as _, Sha256};
use tokio::sync::oneshot;

use crate::audit::{AppendError, AuditLog, Kind, NewEntry};
use crate::config::Config;
use crate::error::{error_response, ApiError, ErrorName, StartError};
use crate::jwks::{http_client, Jwks};
use crate::rules::first_match;
use crate::token;

/// The proof-of-possession domain prefix (24 bytes).
pub const PROOF_PREFIX: &[u8; 24] = b"sealkit-issuer-proof-v1\x00";

/// The 56 bytes the ephemeral key signs: the prefix and SHA-256 of the token text.
pub fn proof_message(token: &str) -> [u8; 56] {
    let mut m = [0u8; 56];
    let (prefix, hash) = m.split_at_mut(PROOF_PREFIX.len());
    prefix.copy_from_slice(PROOF_PREFIX);
    hash.copy_from_slice(&Sha256::digest(token.as_bytes()));
    m
}

/// The issuing key's own certificate facts, when it is an intermediate.
#[derive(Clone, Debug)]
struct IssuingCert {
    not_before: u64,
    expires: u64,
    scope: Vec<String>,
}

/// Everything the handlers share.
struct App {
    config: Config,
    jwks: Vec<Jwks>,
    issuing_key: SigningKey,
    tsa_key: Option<SigningKey>,
    /// The issuing key's certificate and those above it (raw), leaf-most first.
    issuing_chain: Vec<Vec<u8>>,
    issuing_cert: Option<IssuingCert>,
    audit: std::sync::mpsc::Sender<Job>,
    info: String,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("name", &self.config.name)
            .finish_non_exhaustive()
    }
}

impl App {
    fn tsa(&self) -> &SigningKey {
        self.tsa_key.as_ref().unwrap_or(&self.issuing_key)
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn key_text(key: &PublicKey) -> String {
    let mut buf = [0u8; PUBLIC_KEY_TEXT_LEN];
    key.to_text(&mut buf).to_owned()
}

/// Reads a secret key file for the service: not readable by group or others, passphrase
/// from `SEALKIT_ISSUER_PASSPHRASE` when encrypted.
fn load_key(path: &Path) -> Result<SigningKey, StartError> {
    let what = path.display();
    let file = std::fs::File::open(path)
        .map_err(|e| StartError::Key(format!("cannot open {what}: {e}")))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = file
            .metadata()
            .map_err(|e| StartError::Key(format!("{what}: {e}")))?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(StartError::Key(format!(
                "{what} is readable by other users (mode {:o}); chmod 600 it",
                mode & 0o777
            )));
        }
    }
    let secret =
        sealkit_keyfile::read_secret(file).map_err(|e| StartError::Key(format!("{what}: {e}")))?;
    let pass = if secret.is_encrypted() {
        match std::env::var("SEALKIT_ISSUER_PASSPHRASE") {
            Ok(p) => Some(zeroize::Zeroizing::new(p)),
            Err(_) => {
                return Err(StartError::Key(format!(
                    "{what} is encrypted: set SEALKIT_ISSUER_PASSPHRASE"
                )))
            }
        }
    } else {
        None
    };
    secret
        .open(pass.as_ref().map(|p| p.as_bytes()))
        .map_err(|e| StartError::Key(format!("{what}: {e}")))
}

/// Reads and checks `issuing_chain`: the first certificate certifies the issuing key under the
/// configured name, each is signed by the next, and all are valid now.
fn load_chain(
    config: &Config,
    key: &PublicKey,
    at: u64,
) -> Result<(Vec<Vec<u8>>, Option<IssuingCert>), StartError> {
    use std::io::Read as _;
    if config.issuing_chain.is_empty() {
        return Ok((Vec::new(), None));
    }
    if config.issuing_chain.len() >= sealkit::MAX_CHAIN_LEN {
        return Err(StartError::Config(format!(
            "issuing_chain: at most {} certificates (the leaf makes one more)",
            sealkit::MAX_CHAIN_LEN - 1
        )));
    }
    let mut raw = Vec::new();
    for p in &config.issuing_chain {
        let mut buf = Vec::new();
        std::fs::File::open(p)
            .and_then(|f| {
                f.take(sealkit::MAX_CERT_LEN as u64 + 1)
                    .read_to_end(&mut buf)
            })
            .map_err(|e| StartError::Key(format!("cannot read {}: {e}", p.display())))?;
        raw.push(buf);
    }
    let cert = check_chain(config, key, at, &raw)?;
    Ok((raw, Some(cert)))
}

fn check_chain(
    config: &Config,
    key: &PublicKey,
    at: u64,
    raw: &[Vec<u8>],
) -> Result<IssuingCert, StartError> {
    let mut certs = Vec::new();
    for (bytes, p) in raw.iter().zip(&config.issuing_chain) {
        certs.push(Certificate::parse(bytes).map_err(|e| {
            StartError::Key(format!(
                "{} is not a certificate: {}",
                p.display(),
                e.message()
            ))
        })?);
    }
    let Some(first) = certs.first() else {
        return Err(StartError::Config("issuing_chain is empty".into()));
    };
    if first.unverified_key() != key {
        return Err(StartError::Key(
            "the first issuing_chain certificate does not certify the issuing key".into(),
        ));
    }
    if first.unverified_subject() != config.name {
        return Err(StartError::Config(format!(
            "name must be the issuing certificate's subject {:?}",
            first.unverified_subject()
        )));
    }
    if first.unverified_ca().is_none() {
        return Err(StartError::Key(
            "the issuing certificate does not let its key certify (issue it with --ca 1)".into(),
        ));
    }
    for (i, c) in certs.iter().enumerate() {
        if at < c.unverified_not_before() || at >= c.unverified_expires() {
            return Err(StartError::Key(format!(
                "issuing_chain certificate {} is not valid now (valid {} to {})",
                i + 1,
                c.unverified_not_before(),
                c.unverified_expires()
            )));
        }
        if let Some(upper) = certs.get(i + 1) {
            if !c.is_signed_by(upper.unverified_key())
                || c.unverified_issuer() != upper.unverified_subject()
            {
                return Err(StartError::Key(format!(
                    "issuing_chain certificate {} is not issued by certificate {}",
                    i + 1,
                    i + 2
                )));
            }
        }
    }
    let cert = IssuingCert {
        not_before: first.unverified_not_before(),
        expires: first.unverified_expires(),
        scope: first
            .unverified_scope()
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
    };
    // Every rule's scope must be within the issuing certificate's, or verifiers would refuse
    // every certificate issued under that rule.
    if !cert.scope.is_empty() {
        for p in &config.providers {
            for r in &p.rules {
                if r.scope
                    .iter()
                    .any(|q| !cert.scope.iter().any(|s| sealkit::pattern_covers(s, q)))
                {
                    return Err(StartError::Config(format!(
                        "provider {:?}: a rule's scope is not within the issuing certificate's scope {:?}",
                        p.issuer, cert.scope
                    )));
                }
            }
        }
    }
    Ok(cert)
}

fn build_app(config: Config) -> Result<App, StartError> {
    let issuing_key = load_key(&config.issuing_key)?;
    let tsa_key = match &config.timestamp_key {
        Some(p) => Some(load_key(p)?),
        None => None,
    };
    let (issuing_chain, issuing_cert) = load_chain(&config, &issuing_key.public_key(), now())?;
    let client = http_client()?;
    let jwks = config
        .providers
        .iter()
        .map(|p| Jwks::new(&p.jwks, &client))
        .collect::<Result<Vec<_>, _>>()?;
    let audit = AuditLog::open(&config.database)?;
    let tsa_public = tsa_key.as_ref().unwrap_or(&issuing_key).public_key();
    let info = serde_json::json!({
        "issuer": config.name,
        "issuing_key": key_text(&issuing_key.public_key()),
        "timestamp_key": key_text(&tsa_public),
        "max_lifetime_seconds": config.max_lifetime.as_secs(),
    })
    .to_string();
    Ok(App {
        config,
        jwks,
        issuing_key,
        tsa_key,
        issuing_chain,
        issuing_cert,
        audit: spawn_writer(audit)?,
        info,
    })
}

fn json_response(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let mut parts = ct.split(';');
    let essence = parts.next().unwrap_or("").trim();
    if !essence.eq_ignore_ascii_case("application/json") {
        return false;
    }
    // A charset, if given, must be UTF-8.
    parts.all(|p| {
        let p = p.trim();
        match p.split_once('=') {
            Some((k, v)) if k.trim().eq_ignore_ascii_case("charset") => {
                v.trim().trim_matches('"').eq_ignore_ascii_case("utf-8")
            }
            _ => true,
        }
    })
}

/// Checks the content type and reads the body within the limit, then parses it as `T`.
async fn json_body<T: serde::de::DeserializeOwned>(
    req: Request,
    limit: usize,
) -> Result<T, ApiError> {
    if !is_json(req.headers()) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "the body must be application/json",
        ));
    }
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            format!("the body is larger than {limit} bytes"),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return Err(too_large());
    }
    let bytes = axum::body::to_bytes(req.into_body(), limit)
        .await
        .map_err(|_| too_large())?;
    serde_json::from_slice(&bytes).map_err(|e| {
        ApiError::bad_request(format!(
            "the body is not the expected JSON object: {}",
            e.classify_name()
        ))
    })
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "I/O error",
            serde_json::error::Category::Syntax => "syntax error",
            serde_json::error::Category::Data => "missing, unknown or mistyped fields",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CertificateRequest {
    token: String,
    public_key: String,
    proof: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimestampRequest {
    digest: String,
}

/// The most entries committed in one transaction.
const MAX_BATCH: usize = 256;

/// One entry for the audit writer, and where to send the outcome.
struct Job {
    entry: NewEntry,
    used: Option<(String, u64)>,
    reply: oneshot::Sender<Result<(), ApiError>>,
}

fn append_error(e: AppendError) -> ApiError {
    match e {
        AppendError::Replayed => ApiError::new(
            StatusCode::CONFLICT,
            "token_replayed",
            "this token has already been used for a certificate",
        ),
        AppendError::Db(e) => ApiError::internal(format!("the audit log cannot be written: {e}")),
    }
}

/// The single audit writer: takes every queued entry (up to [`MAX_BATCH`]), appends them in
/// one transaction with one disk sync (group commit), then answers each request. It ends when
/// the service is dropped.
fn spawn_writer(mut log: AuditLog) -> Result<std::sync::mpsc::Sender<Job>, StartError> {
    let (tx, rx) = std::sync::mpsc::channel::<Job>();
    std::thread::Builder::new()
        .name("audit-writer".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut jobs = vec![first];
                while jobs.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(j) => jobs.push(j),
                        Err(_) => break,
                    }
                }
                let items: Vec<(&NewEntry, Option<(&str, u64)>)> = jobs
                    .iter()
                    .map(|j| (&j.entry, j.used.as_ref().map(|(h, e)| (h.as_str(), *e))))
                    .collect();
                let outcome = log.append_batch(&items);
                drop(items);
                match outcome {
                    Ok(results) => {
                        for (job, r) in jobs.into_iter().zip(results) {
                            let _ = job.reply.send(r.map(|_| ()).map_err(append_error));
                        }
                    }
                    Err(e) => {
                        for job in jobs {
                            let _ = job.reply.send(Err(ApiError::internal(format!(
                                "the audit log cannot be written: {e}"
                            ))));
                        }
                    }
                }
            }
        })?;
    Ok(tx)
}

/// Appends an entry through the writer; returns once it is committed.
async fn append(app: &App, entry: NewEntry, used: Option<(String, u64)>) -> Result<(), ApiError> {
    let (reply, answer) = oneshot::channel();
    app.audit
        .send(Job { entry, used, reply })
        .map_err(|_| ApiError::internal("the audit log writer has stopped"))?;
    answer
        .await
        .map_err(|_| ApiError::internal("the audit log writer failed"))?
}

async fn certificate(State(app): State<Arc<App>>, req: Request) -> Result<Response, ApiError> {
    let body: CertificateRequest = json_body(req, app.config.max_body).await?;
    let key = PublicKey::from_text(&body.public_key)
        .map_err(|e| ApiError::bad_request(format!("public_key: {}", e.message())))?;
    let proof: [u8; 64] = STANDARD
        .decode(body.proof.as_bytes())
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| {
            ApiError::bad_request("proof must be the base64 of a 64-byte Ed25519 signature")
        })?;

    let at = now();
    let skew = app.config.clock_skew.as_secs();
    let valid = token::validate(&body.token, &app.config.providers, &app.jwks, at, skew).await?;

    // Proof of possession: the key signed this very token (by hash).
    let pk = ed25519_compact::PublicKey::new(*key.as_bytes());
    let sig = ed25519_compact::Signature::new(proof);
    if pk.verify(proof_message(&body.token), &sig).is_err() {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "bad_proof",
            "proof is not the public key's signature over the token's hash",
        ));
    }

    let Some(provider) = app.config.providers.get(valid.provider) else {
        return Err(ApiError::internal("provider table mismatch"));
    };
    let grant = first_match(&provider.rules, &valid.claims).map_err(|why| {
        ApiError::new(
            StatusCode::FORBIDDEN,
            "no_matching_rule",
            format!("no mapping rule of the provider matches the token ({why})"),
        )
    })?;

    // Validity: back-dated by the clock skew so that verifiers a little behind accept it,
    // lasting the rule's lifetime from now, and inside the issuing certificate's.
    let mut not_before = at.saturating_sub(skew);
    let mut expires_at = at.saturating_add(grant.lifetime.as_secs());
    let mut scope = grant.scope.clone();
    if let Some(ic) = &app.issuing_cert {
        not_before = not_before.max(ic.not_before);
        expires_at = expires_at.min(ic.expires);
        if scope.is_empty() {
            scope.clone_from(&ic.scope);
        }
    }
    if not_before >= expires_at {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "issuer_certificate_expired",
            "the issuer's own certificate has expired; it cannot issue certificates",
        ));
    }
    let mut cti = [0u8; 16];
    getrandom::fill(&mut cti)
        .map_err(|_| ApiError::internal("no randomness for the certificate id"))?;
    let scope_refs: Vec<&str> = scope.iter().map(String::as_str).collect();
    let request = sealkit::CertRequest {
        alg: sealkit::SignatureAlg::Ed25519,
        issuer: &app.config.name,
        subject: &grant.identity,
        key,
        not_before,
        expires_at,
        cti: &cti,
        scope: &scope_refs,
        ca: None,
    };
    let mut buf = vec![0u8; sealkit::MAX_CERT_LEN];
    let n = sealkit::issue_certificate(&app.issuing_key, &request, &mut buf).map_err(|e| {
        ApiError::internal(format!("cannot issue the certificate: {}", e.message()))
    })?;
    buf.truncate(n);

    let token_hash = hex::encode(valid.sha256);
    let entry = NewEntry {
        time: at,
        kind: Some(Kind::Certificate),
        identity: Some(grant.identity.clone()),
        provider: Some(provider.issuer.clone()),
        token_sha256: Some(token_hash.clone()),
        key_id: Some(key.key_id().to_string()),
        cti: Some(hex::encode(cti)),
        digest: None,
        issued_sha256: hex::encode(Sha256::digest(&buf)),
    };
    // The token stays "used" until it could no longer pass the expiry check.
    append(
        &app,
        entry,
        Some((token_hash, valid.exp.saturating_add(skew))),
    )
    .await?;

    let leaf = STANDARD.encode(&buf);
    let mut chain = vec![leaf.clone()];
    chain.extend(app.issuing_chain.iter().map(|c| STANDARD.encode(c)));
    let body = serde_json::json!({
        "certificate": leaf,
        "chain": chain,
        "identity": grant.identity,
        "not_before": not_before,
        "expires_at": expires_at,
        "certificate_id": hex::encode(cti),
    });
    Ok(json_response(StatusCode::OK, body.to_string()))
}

async fn timestamp(State(app): State<Arc<App>>, req: Request) -> Result<Response, ApiError> {
    let body: TimestampRequest = json_body(req, app.config.max_body).await?;
    let digest: [u8; 32] = (body.digest.len() == 64)
        .then(|| hex::decode(&body.digest).ok())
        .flatten()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| {
            ApiError::bad_request("digest must be 64 hex characters (a SHA-256 digest)")
        })?;
    let at = now();
    let mut buf = vec![0u8; sealkit::MAX_RECEIPT_LEN];
    let n = sealkit::sign_timestamp(app.tsa(), &digest, at, &mut buf)
        .map_err(|e| ApiError::internal(format!("cannot sign the receipt: {}", e.message())))?;
    buf.truncate(n);
    let entry = NewEntry {
        time: at,
        kind: Some(Kind::Timestamp),
        digest: Some(hex::encode(digest)),
        issued_sha256: hex::encode(Sha256::digest(&buf)),
        ..NewEntry::default()
    };
    append(&app, entry, None).await?;
    let body = serde_json::json!({ "receipt": STANDARD.encode(&buf), "time": at });
    Ok(json_response(StatusCode::OK, body.to_string()))
}

async fn info(State(app): State<Arc<App>>) -> Response {
    json_response(StatusCode::OK, app.info.clone())
}

async fn healthz() -> Response {
    let mut r = (StatusCode::OK, "ok").into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    r
}

async fn not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, "not_found", "no such endpoint")
}

async fn method_not_allowed() -> Response {
    error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this endpoint does not take this method",
    )
}

/// Bounds every request's time and logs one line per request (never a body or a token).
async fn timeout_and_log(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let method: Method = req.method().clone();
    let path = req.uri().path().chars().take(200).collect::<String>();
    let started = Instant::now();
    let resp = match tokio::time::timeout(app.config.request_timeout, next.run(req)).await {
        Ok(r) => r,
        Err(_) => error_response(
            StatusCode::SERVICE_UNAVAILABLE,
            "request_timeout",
            "the request took too long",
        ),
    };
    let name = resp.extensions().get::<ErrorName>().map_or("-", |n| n.0);
    let line = format!(
        "{} {method} {path} {} {name} {}us\n",
        now(),
        resp.status().as_u16(),
        started.elapsed().as_micros()
    );
    {
        use std::io::Write as _;
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
    resp
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response<Body> {
    error_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal_error",
        "the request failed inside the issuer; nothing was issued",
    )
}

fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/v1/certificate", post(certificate))
        .route("/v1/timestamp", post(timestamp))
        .route("/v1/issuer", get(info))
        .route("/healthz", get(healthz))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            panic_response,
        ))
        .layer(middleware::from_fn_with_state(app.clone(), timeout_and_log))
        .with_state(app)
}

/// A running service (for tests and embedding).
#[derive(Debug)]
pub struct Running {
    /// The bound address.
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    app: Arc<App>,
}

impl Running {
    /// How many times provider `index`'s JWKS was fetched over HTTP.
    pub fn jwks_fetches(&self, index: usize) -> u64 {
        self.app.jwks.get(index).map_or(0, Jwks::fetch_count)
    }

    /// Stops accepting, finishes requests in flight, and waits.
    pub async fn stop(mut self) -> Result<(), StartError> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.await {
            Ok(r) => r.map_err(StartError::Io),
            Err(e) => Err(StartError::Io(std::io::Error::other(e))),
        }
    }
}

/// Loads keys, opens the audit log (refusing a broken chain), binds, and serves in the
/// background on the current tokio runtime.
pub async fn start(config: Config) -> Result<Running, StartError> {
    let listen = config.listen;
    // Key files, the chain and the database are read off the async threads (this also works on
    // a current-thread runtime, unlike block_in_place).
    let app = tokio::task::spawn_blocking(move || build_app(config))
        .await
        .map_err(|e| StartError::Io(std::io::Error::other(e)))??;
    let app = Arc::new(app);
    let listener = tokio::net::TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let service = router(app.clone());
    let task = tokio::spawn(async move {
        axum::serve(listener, service)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
    });
    Ok(Running {
        addr,
        shutdown: Some(tx),
        task,
        app,
    })
}

async fn terminated() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = term.recv() => {}
                    _ = tokio::signal::ctrl_c() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// How long a graceful shutdown waits for open connections.
pub const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// `sealkit issuer serve`: runs the service from a config file until SIGTERM or SIGINT. The
/// first line on standard output is `listening on http://ADDR`.
pub fn serve(config_path: &Path) -> Result<(), StartError> {
    let config = Config::load(config_path)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let running = start(config).await?;
        {
            use std::io::Write as _;
            let mut out = std::io::stdout().lock();
            let _ = writeln!(out, "listening on http://{}", running.addr);
            let _ = out.flush();
        }
        terminated().await;
        // Requests in flight may finish; a connection that never does cannot hold the exit.
        match tokio::time::timeout(SHUTDOWN_GRACE, running.stop()).await {
            Ok(r) => r,
            Err(_) => {
                use std::io::Write as _;
                let _ = writeln!(
                    std::io::stderr().lock(),
                    "shutdown: connections still open after {} s, exiting",
                    SHUTDOWN_GRACE.as_secs()
                );
                Ok(())
            }
        }
    })
}
