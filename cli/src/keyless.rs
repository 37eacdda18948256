//! Keyless signing: `sealkit sign FILE --oidc-token-file F | --oidc-token-env VAR --issuer URL`.
//!
//! The signer holds no long-lived key. For each signature the CLI
//!
//! 1. generates an ephemeral Ed25519 key in memory (the seed never leaves this process),
//! 2. proves possession of it to the issuer by signing `"sealkit-issuer-proof-v1\0" ||
//!    SHA-256(token)`, and sends the OIDC ID token, the public key and the proof
//!    (`POST /v1/certificate`),
//! 3. checks the answer: the leaf certificate parses, certifies exactly this key and is valid
//!    now, and the chain encodes,
//! 4. hashes the file and signs it with the key and the chain (identity = the certificate's
//!    subject),
//! 5. sends the envelope digest for a timestamp (`POST /v1/timestamp`) and checks the receipt:
//!    it states our digest and a time inside the certificate's validity,
//! 6. attaches the receipt to the envelope's unprotected header, writes the signature file and
//!    drops the key.
//!
//! Nothing secret is written to disk: the token and the seed live in wiped buffers.

use std::path::{Path, PathBuf};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use sealkit::{ArtifactHasher, Certificate, HashAlg, SigningKey};
use serde::{Deserialize, Serialize};
use serde_json::json;
use zeroize::Zeroizing;

use crate::commands::sign::{check_claims, sign_input_with, Claims, SignArgs};
use crate::commands::trust;
use crate::error::{CliError, CliResult, ISSUER_BAD_RESPONSE, ISSUER_REFUSED, ISSUER_UNREACHABLE};
use crate::output::{printable, size, utc};
use crate::progress::Progress;
use crate::read::Input;

/// The longest OIDC token accepted (the issuer's whole request body is limited to 16 KiB).
pub const MAX_TOKEN_LEN: usize = 12 * 1024;
/// The largest answer read from the issuer.
const MAX_RESPONSE_LEN: usize = 64 * 1024;
/// How long one request to the issuer may take, connection included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long connecting may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The domain separator of the proof of possession (24 bytes, NUL included).
pub const PROOF_CONTEXT: &[u8; 24] = b"sealkit-issuer-proof-v1\0";
/// How far the local clock may lag behind the issuer's when checking the certificate.
const CLOCK_SKEW: u64 = 60;

/// Whether `sign` was asked to sign keylessly.
pub fn requested(args: &SignArgs) -> bool {
    args.oidc_token_file.is_some() || args.oidc_token_env.is_some() || args.issuer.is_some()
}

/// The token from `--oidc-token-file` or `--oidc-token-env` (exactly one), surrounding white
/// space removed; refused when empty, too long, or not printable ASCII.
pub fn read_token(file: Option<&Path>, env: Option<&str>) -> CliResult<Zeroizing<String>> {
    let (raw, origin): (Zeroizing<Vec<u8>>, String) = match (file, env) {
        (Some(path), None) => {
            use std::io::Read as _;
            let f = std::fs::File::open(path).map_err(|e| CliError::read(path, e))?;
            // A little slack for surrounding white space (a trailing newline); the room is
            // reserved up front so that no reallocation leaves an unwiped copy behind.
            let mut buf = Zeroizing::new(Vec::with_capacity(MAX_TOKEN_LEN + 1026));
            f.take(MAX_TOKEN_LEN as u64 + 1025)
                .read_to_end(&mut buf)
                .map_err(|e| CliError::read(path, e))?;
            (buf, format!("--oidc-token-file {}", path.display()))
        }
        (None, Some(var)) => {
            let value = std::env::var_os(var).ok_or_else(|| {
                CliError::Usage(format!(
                    "--oidc-token-env {var}: the environment variable {var} is not set"
                ))
            })?;
            let bytes = Zeroizing::new(value.into_encoded_bytes());
            (bytes, format!("--oidc-token-env {var}"))
        }
        _ => {
            return Err(CliError::Usage(
                "keyless signing needs exactly one of --oidc-token-file and --oidc-token-env"
                    .into(),
            ))
        }
    };
    let trimmed = raw.trim_ascii();
    if trimmed.is_empty() {
        return Err(CliError::Usage(format!("{origin}: the token is empty")));
    }
    if trimmed.len() > MAX_TOKEN_LEN {
        return Err(CliError::Usage(format!(
            "{origin}: the token is longer than {MAX_TOKEN_LEN} bytes"
        )));
    }
    if !trimmed.iter().all(|b| b.is_ascii_graphic()) {
        return Err(CliError::Usage(format!(
            "{origin}: the token is not an OIDC ID token (a compact JWS is printable ASCII \
             without spaces)"
        )));
    }
    let text = std::str::from_utf8(trimmed)
        .map_err(|_| CliError::Usage(format!("{origin}: the token is not ASCII")))?;
    Ok(Zeroizing::new(text.to_owned()))
}

/// `--issuer URL`: `https://`, or `http://` on the loopback interface only (127.0.0.1,
/// localhost, ::1). Returns the base URL without a trailing `/`.
pub fn issuer_base(text: &str) -> CliResult<String> {
    let bad = |why: &str| CliError::Usage(format!("--issuer {text:?}: {why}"));
    let url = reqwest::Url::parse(text).map_err(|e| bad(&e.to_string()))?;
    let host = url.host_str().ok_or_else(|| bad("the URL has no host"))?;
    match url.scheme() {
        "https" => {}
        "http" if matches!(host, "127.0.0.1" | "localhost" | "[::1]" | "::1") => {}
        "http" => {
            return Err(bad(
                "plain http is allowed only for 127.0.0.1, localhost and ::1; use https",
            ))
        }
        _ => return Err(bad("the URL must start with https://")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("the URL must not hold a user name or password"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(bad("the URL must not have a query or a fragment"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn is_loopback(base: &str) -> bool {
    reqwest::Url::parse(base).is_ok_and(|u| {
        matches!(
            u.host_str(),
            Some("127.0.0.1" | "localhost" | "[::1]" | "::1")
        )
    })
}

/// An error answer of the issuer: `{"error": name, "message": text}`.
#[derive(Debug, Deserialize)]
struct IssuerError {
    error: String,
    #[serde(default)]
    message: String,
}

/// The body of `POST /v1/certificate`.
#[derive(Serialize)]
struct CertificateRequest<'a> {
    token: &'a str,
    public_key: &'a str,
    proof: String,
}

/// The `200` answer to `POST /v1/certificate`.
#[derive(Debug, Deserialize)]
struct CertificateAnswer {
    certificate: String,
    chain: Vec<String>,
    identity: String,
    not_before: u64,
    expires_at: u64,
    #[serde(default)]
    certificate_id: String,
}

/// The `200` answer to `POST /v1/timestamp`.
#[derive(Debug, Deserialize)]
struct TimestampAnswer {
    receipt: String,
    time: u64,
}

fn refused(what: &str, message: String) -> CliError {
    CliError::Issuer {
        code: ISSUER_REFUSED,
        message: format!("issuer refused the {what}: {message}"),
    }
}

fn unreachable(message: String) -> CliError {
    CliError::Issuer {
        code: ISSUER_UNREACHABLE,
        message,
    }
}

fn bad_response(message: impl Into<String>) -> CliError {
    CliError::Issuer {
        code: ISSUER_BAD_RESPONSE,
        message: format!("the issuer's answer is unusable: {}", message.into()),
    }
}

/// A connection to the issuer: a blocking front over the HTTP client the image commands already
/// use, on a single-threaded runtime.
struct Session {
    rt: tokio::runtime::Runtime,
    client: reqwest::Client,
    base: String,
}

impl Session {
    fn new(base: String) -> CliResult<Session> {
        // reqwest is built with rustls and no default crypto provider: install ring's (once per
        // process; a second install is refused harmlessly).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| CliError::io("cannot start the HTTP client", e))?;
        let mut builder = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("sealkit/", env!("CARGO_PKG_VERSION")));
        if is_loopback(&base) {
            builder = builder.no_proxy();
        }
        let client = builder
            .build()
            .map_err(|e| unreachable(format!("cannot set up the HTTP client: {e}")))?;
        Ok(Session { rt, client, base })
    }

    /// POSTs the JSON `body` to `path`; returns the decoded 200 answer, or the issuer's error as
    /// "issuer refused the WHAT: name: message".
    fn post<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        body: &[u8],
        what: &str,
    ) -> CliResult<T> {
        let url = format!("{}{path}", self.base);
        let (status, answer) = self.rt.block_on(async {
            let mut resp = self
                .client
                .post(&url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(reqwest::header::ACCEPT, "application/json")
                .body(body.to_vec())
                .send()
                .await
                .map_err(|e| unreachable(format!("cannot reach the issuer at {url}: {e}")))?;
            let status = resp.status();
            let mut answer = Vec::new();
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| unreachable(format!("reading the answer from {url}: {e}")))?
            {
                if answer.len() + chunk.len() > MAX_RESPONSE_LEN {
                    return Err(bad_response(format!(
                        "{url} answered more than {MAX_RESPONSE_LEN} bytes"
                    )));
                }
                answer.extend_from_slice(&chunk);
            }
            Ok((status, answer))
        })?;
        if status.is_success() {
            return serde_json::from_slice(&answer).map_err(|e| {
                bad_response(format!("{url} answered {status} with unexpected JSON: {e}"))
            });
        }
        match serde_json::from_slice::<IssuerError>(&answer) {
            Ok(e) if status.is_server_error() => Err(unreachable(format!(
                "the issuer failed on the {what} (HTTP {status}): {}: {}",
                printable(&e.error),
                printable(&e.message)
            ))),
            Ok(e) => Err(refused(
                what,
                format!("{}: {}", printable(&e.error), printable(&e.message)),
            )),
            Err(_) if status.is_server_error() => Err(unreachable(format!(
                "the issuer at {url} failed with HTTP {status}"
            ))),
            Err(_) => Err(refused(what, format!("HTTP {status} from {url}"))),
        }
    }
}

/// The ephemeral key and what the issuer certified for it.
struct Credential {
    key: SigningKey,
    chain: Vec<u8>,
    identity: String,
    issuer_name: String,
    not_before: u64,
    expires_at: u64,
    certificate_id: String,
}

/// A fresh key from the operating system's random generator; the seed is wiped on return.
fn ephemeral_key() -> CliResult<(SigningKey, ed25519_compact::KeyPair)> {
    let mut seed = Zeroizing::new([0u8; 32]);
    getrandom::fill(seed.as_mut_slice()).map_err(|e| {
        CliError::Key(format!(
            "cannot get random bytes for the ephemeral key: {e}"
        ))
    })?;
    let key = SigningKey::from_seed(&seed).map_err(|error| CliError::BadArgument {
        error,
        context: "ephemeral key".into(),
    })?;
    let pair = ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new(*seed));
    Ok((key, pair))
}

/// The 56 bytes the proof of possession signs: the context then SHA-256 of the token text.
pub fn proof_message(token: &str) -> [u8; 56] {
    let mut hasher = ArtifactHasher::new(HashAlg::Sha256);
    hasher.update(token.as_bytes());
    let digest = hasher.finalize();
    let mut msg = [0u8; 56];
    let (head, tail) = msg.split_at_mut(PROOF_CONTEXT.len());
    head.copy_from_slice(PROOF_CONTEXT);
    tail.copy_from_slice(digest.as_bytes());
    msg
}

fn decode(field: &str, text: &str) -> CliResult<Vec<u8>> {
    B64.decode(text)
        .map_err(|e| bad_response(format!("{field} is not base64: {e}")))
}

/// Asks for a certificate for a fresh key and checks it.
fn certify(session: &Session, token: &str, now: u64) -> CliResult<Credential> {
    let (key, pair) = ephemeral_key()?;
    let public = key.public_key();
    let proof = pair.sk.sign(proof_message(token), None);
    drop(pair);
    let mut text = [0u8; sealkit::PUBLIC_KEY_TEXT_LEN];
    let request = CertificateRequest {
        token,
        public_key: public.to_text(&mut text),
        proof: B64.encode(proof.as_ref()),
    };
    // Room for the whole body up front, so that no reallocation leaves a copy of the token.
    let mut body = Zeroizing::new(Vec::with_capacity(token.len() + 512));
    serde_json::to_writer(&mut *body, &request)
        .map_err(|e| CliError::Usage(format!("cannot encode the request: {e}")))?;
    let answer: CertificateAnswer = session.post("/v1/certificate", &body, "token")?;
    drop(body);

    let leaf_bytes = decode("certificate", &answer.certificate)?;
    let certs = answer
        .chain
        .iter()
        .enumerate()
        .map(|(i, c)| decode(&format!("chain[{i}]"), c))
        .collect::<CliResult<Vec<_>>>()?;
    if certs.first() != Some(&leaf_bytes) {
        return Err(bad_response(
            "the chain does not start with the certificate",
        ));
    }
    let leaf = Certificate::parse(&leaf_bytes)
        .map_err(|e| bad_response(format!("the certificate does not parse ({})", e.name())))?;
    if leaf.unverified_key() != &public {
        return Err(bad_response("the certificate is for another key"));
    }
    let (nb, exp) = (leaf.unverified_not_before(), leaf.unverified_expires());
    if (nb, exp) != (answer.not_before, answer.expires_at)
        || leaf.unverified_subject() != answer.identity
    {
        return Err(bad_response(
            "the certificate does not state the identity and validity the answer gives",
        ));
    }
    if now.saturating_add(CLOCK_SKEW) < nb || now >= exp {
        return Err(bad_response(format!(
            "the certificate is not valid now ({}): valid from {} to {}",
            utc(now),
            utc(nb),
            utc(exp)
        )));
    }
    // Each certificate must be signed by the key of the next one up (the top one's issuer is
    // the verifier's trusted root, which only the verifier knows).
    let parsed = certs
        .iter()
        .map(|c| Certificate::parse(c))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad_response(format!("the chain does not parse ({})", e.name())))?;
    if parsed
        .windows(2)
        .any(|w| matches!(w, [lower, upper] if !lower.is_signed_by(upper.unverified_key())))
    {
        return Err(bad_response(
            "a certificate of the chain is not signed by the next one's key",
        ));
    }
    let issuer_name = parsed
        .last()
        .map(|c| c.unverified_issuer().to_owned())
        .unwrap_or_default();
    let refs: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
    let mut chain = vec![0u8; sealkit::MAX_ENCODED_CHAIN_LEN];
    let n = sealkit::encode_chain(&refs, &mut chain)
        .map_err(|e| bad_response(format!("the chain does not encode ({})", e.name())))?;
    chain.truncate(n);
    Ok(Credential {
        identity: leaf.unverified_subject().to_owned(),
        issuer_name,
        not_before: nb,
        expires_at: exp,
        certificate_id: answer.certificate_id,
        key,
        chain,
    })
}

/// The envelope with its checked timestamp receipt attached.
struct Stamp {
    envelope: Vec<u8>,
    time: u64,
    kid: String,
}

/// Asks for a timestamp over `envelope`'s digest, attaches the receipt (the core refuses one
/// that does not parse or names another envelope) and checks it against the certificate's
/// validity.
fn timestamp(session: &Session, envelope: &[u8], cred: &Credential) -> CliResult<Stamp> {
    let digest = sealkit::envelope_digest(envelope).map_err(|error| CliError::BadArgument {
        error,
        context: "the envelope just signed".into(),
    })?;
    let body = json!({ "digest": crate::output::hex(&digest) }).to_string();
    let answer: TimestampAnswer =
        session.post("/v1/timestamp", body.as_bytes(), "timestamp request")?;
    let receipt = decode("receipt", &answer.receipt)?;
    let mut stamped = vec![0u8; sealkit::MAX_CHAINED_ENVELOPE_LEN];
    let n =
        sealkit::attach_receipt(envelope, &receipt, &mut stamped).map_err(|error| match error {
            sealkit::Error::TimestampDigestMismatch => {
                bad_response("the receipt is for another digest")
            }
            sealkit::Error::BadTimestampReceipt => {
                bad_response(format!("the receipt does not parse ({})", error.name()))
            }
            error => CliError::BadArgument {
                error,
                context: "cannot attach the timestamp receipt".into(),
            },
        })?;
    stamped.truncate(n);
    // It parses: attach_receipt checked it.
    let parsed = sealkit::TimestampReceipt::parse(&receipt)
        .map_err(|e| bad_response(format!("the receipt does not parse ({})", e.name())))?;
    let time = parsed.unverified_time();
    if time != answer.time {
        return Err(bad_response(
            "the receipt's time differs from the time in the answer",
        ));
    }
    if time < cred.not_before || time >= cred.expires_at {
        return Err(bad_response(format!(
            "the receipt's time {} is outside the certificate's validity ({} to {})",
            utc(time),
            utc(cred.not_before),
            utc(cred.expires_at)
        )));
    }
    Ok(Stamp {
        kid: parsed.unverified_kid().to_string(),
        envelope: stamped,
        time,
    })
}

/// Keyless `sign` of one file: the steps in the module's documentation.
pub fn sign(args: &SignArgs, claims: &Claims<'_>, output: &Path) -> CliResult<()> {
    let issuer = args
        .issuer
        .as_deref()
        .ok_or_else(|| CliError::Usage("keyless signing needs --issuer URL".into()))?;
    let base = issuer_base(issuer)?;
    let token = read_token(
        args.oidc_token_file.as_deref(),
        args.oidc_token_env.as_deref(),
    )?;
    let existing = trust::read_existing(args.append.as_deref())?;
    // Open the input before the token is spent: a token buys one certificate.
    let input = Input::open(&args.file)?;
    let name = input.name().to_string();

    let session = Session::new(base)?;
    let now = trust::now()?;
    let cred = certify(&session, &token, now)?;
    drop(token);

    // The signing time must fall inside the certificate's validity: the clock (not
    // SOURCE_DATE_EPOCH), or --issued-at if it does.
    let issued_at = match args.issued_at {
        Some(t) if t < cred.not_before || t >= cred.expires_at => {
            return Err(CliError::Usage(format!(
                "--issued-at {t} is outside the certificate's validity ({} to {})",
                cred.not_before, cred.expires_at
            )))
        }
        Some(t) => t,
        None => now.max(cred.not_before),
    };
    let claims = Claims {
        alg: claims.alg,
        hash: claims.hash,
        content_type: claims.content_type,
        subject: claims.subject,
        issuer: Some(&cred.identity),
        issued_at,
        version: claims.version,
    };
    check_claims(&claims)?;
    let opts = trust::sign_options(Some(&cred.chain), args.expires.as_deref(), issued_at)?;
    let progress = Progress::new(input.size(), true, "signing");
    let signed = sign_input_with(input, &cred.key, &claims, &opts, &progress)?;

    let stamp = timestamp(&session, &signed.envelope, &cred)?;
    let key_id = cred.key.public_key().key_id();
    drop(cred.key);

    let bytes = trust::appended(existing.as_deref(), &stamp.envelope)?;
    std::fs::write(output, &bytes).map_err(|e| CliError::write(output, e))?;

    outln!("Signed {name} (keyless)");
    outln!(
        "  signature:  {} ({})",
        output.display(),
        size(bytes.len() as u64)
    );
    outln!("  key id:     {key_id} (ephemeral, discarded)");
    outln!("  subject:    {}", printable(claims.subject));
    outln!("  identity:   {}", printable(&cred.identity));
    if let Some(v) = claims.version {
        outln!("  version:    {v}");
    }
    outln!("  length:     {}", size(signed.length));
    outln!("  digest:     {}:{}", claims.hash.name(), signed.digest_hex);
    outln!(
        "  certified:  by {} (chain of {}), certificate {}",
        printable(&cred.issuer_name),
        sealkit::parse_chain(&cred.chain).map_or(0, |c| c.len()),
        printable(&cred.certificate_id)
    );
    outln!(
        "  valid:      {} to {}",
        utc(cred.not_before),
        utc(cred.expires_at)
    );
    outln!(
        "  timestamp:  {} ({}), receipt by key id {}",
        utc(stamp.time),
        stamp.time,
        stamp.kid
    );
    if let Some(exp) = opts.expires_at {
        outln!("  expires:    {} ({exp})", utc(exp));
    }
    if existing.is_some() {
        let count = sealkit::SignatureFile::parse(&bytes).map_or(0, |f| f.envelopes().len());
        outln!("  signatures: {count} in the file (this one appended)");
    }
    Ok(())
}

/// Refuses keyless flags where keyless signing is not wired (folders, images, seal).
pub fn refuse(args: &SignArgs, target: &str) -> CliResult<()> {
    if requested(args) {
        return Err(CliError::Usage(format!(
            "keyless signing (--oidc-token-file/--oidc-token-env/--issuer) signs files; it is \
             not available for {target} yet"
        )));
    }
    Ok(())
}

/// The `--key` path, for the signing paths that need one.
pub fn key_path(args: &SignArgs) -> CliResult<&PathBuf> {
    args.key
        .as_ref()
        .ok_or_else(|| CliError::Usage("--key NAME.key is required".into()))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn issuer_urls() {
        assert_eq!(
            issuer_base("https://issuer.example/").unwrap(),
            "https://issuer.example"
        );
        assert_eq!(
            issuer_base("https://issuer.example/sealkit/").unwrap(),
            "https://issuer.example/sealkit"
        );
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1/",
            "http://[::1]:9",
        ] {
            assert!(issuer_base(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://issuer.example",
            "http://127.0.0.2",
            "ftp://127.0.0.1",
            "https://u:p@issuer.example",
            "https://issuer.example/?x=1",
            "https://issuer.example/#f",
            "issuer.example",
            "",
        ] {
            assert!(issuer_base(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_proof_message_is_the_context_then_the_tokens_sha256() {
        let msg = proof_message("abc");
        assert_eq!(&msg[..24], b"sealkit-issuer-proof-v1\0");
        // SHA-256("abc"), FIPS 180-2.
        assert_eq!(
            crate::output::hex(&msg[24..]),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
