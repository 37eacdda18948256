//! A provider's signing keys (JWKS): read from a file once, or fetched over HTTP(S), cached for
//! a TTL, and fetched again early (at most once per [`FORCED_REFRESH_INTERVAL`]) when a token
//! names a key id the cache does not hold, which is how a provider's key rotation is picked up.
//!
//! Keys that `jsonwebtoken` cannot represent, that are not for signatures (`use` other than
//! `sig`), or symmetric (`kty: oct`) are skipped, so that one exotic key in a provider's set does
//! not break the others, and a shared secret can never be used to check a token.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk, KeyAlgorithm, PublicKeyUse};
use serde_json::Value;
use tokio::sync::Mutex;

use crate::config::{Alg, JwksSource};
use crate::error::{ApiError, StartError};

/// The shortest interval between two fetches forced by an unknown key id.
pub const FORCED_REFRESH_INTERVAL: Duration = Duration::from_secs(30);
/// The largest JWKS document accepted.
pub const MAX_JWKS_LEN: usize = 256 * 1024;
/// The most keys kept from one JWKS document.
pub const MAX_JWKS_KEYS: usize = 64;
/// How long one JWKS fetch may take.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// The usable signing keys of one JWKS document.
#[derive(Clone, Debug, Default)]
pub struct KeySet {
    keys: Vec<Jwk>,
}

impl KeySet {
    /// Parses a JWKS document, keeping only asymmetric signature keys.
    pub fn parse(bytes: &[u8]) -> Result<KeySet, String> {
        let doc: Value = serde_json::from_slice(bytes).map_err(|e| format!("not JSON: {e}"))?;
        let Some(list) = doc.get("keys").and_then(Value::as_array) else {
            return Err("no \"keys\" array".into());
        };
        let mut keys = Vec::new();
        for k in list {
            let Ok(jwk) = serde_json::from_value::<Jwk>(k.clone()) else {
                continue;
            };
            if matches!(jwk.algorithm, AlgorithmParameters::OctetKey(_)) {
                continue;
            }
            if matches!(
                jwk.common.public_key_use,
                Some(PublicKeyUse::Encryption | PublicKeyUse::Other(_))
            ) {
                continue;
            }
            if keys.len() < MAX_JWKS_KEYS {
                keys.push(jwk);
            }
        }
        Ok(KeySet { keys })
    }

    /// The keys whose id is `kid` (or, for a token without `kid`, every key).
    fn candidates<'s>(&'s self, kid: Option<&'s str>) -> impl Iterator<Item = &'s Jwk> + 's {
        self.keys
            .iter()
            .filter(move |k| kid.is_none() || k.common.key_id.as_deref() == kid)
    }

    /// How many keys the set holds.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether the set holds no key.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Whether `jwk` is a key of the type `alg` needs, and does not declare another algorithm.
pub fn key_fits(jwk: &Jwk, alg: Alg) -> bool {
    let type_ok = match (&jwk.algorithm, alg) {
        (AlgorithmParameters::RSA(_), Alg::Rs256 | Alg::Rs384 | Alg::Rs512)
        | (AlgorithmParameters::RSA(_), Alg::Ps256 | Alg::Ps384 | Alg::Ps512) => true,
        (AlgorithmParameters::EllipticCurve(p), Alg::Es256) => p.curve == EllipticCurve::P256,
        (AlgorithmParameters::EllipticCurve(p), Alg::Es384) => p.curve == EllipticCurve::P384,
        (AlgorithmParameters::OctetKeyPair(p), Alg::EdDsa) => p.curve == EllipticCurve::Ed25519,
        _ => false,
    };
    let alg_ok = match &jwk.common.key_algorithm {
        None => true,
        Some(k) => key_algorithm_name(*k) == Some(alg.name()),
    };
    type_ok && alg_ok
}

fn key_algorithm_name(k: KeyAlgorithm) -> Option<&'static str> {
    Some(match k {
        KeyAlgorithm::RS256 => "RS256",
        KeyAlgorithm::RS384 => "RS384",
        KeyAlgorithm::RS512 => "RS512",
        KeyAlgorithm::PS256 => "PS256",
        KeyAlgorithm::PS384 => "PS384",
        KeyAlgorithm::PS512 => "PS512",
        KeyAlgorithm::ES256 => "ES256",
        KeyAlgorithm::ES384 => "ES384",
        KeyAlgorithm::EdDSA => "EdDSA",
        _ => return None,
    })
}

/// What looking a key up found.
#[derive(Debug)]
pub enum Lookup {
    /// The key for the token.
    Found(Box<Jwk>),
    /// Keys with the id exist, but none of the type or algorithm the token's `alg` needs.
    WrongType,
    /// No key with the id (after one forced fetch, when allowed).
    Unknown,
}

#[derive(Debug)]
struct Cache {
    keys: Option<Arc<KeySet>>,
    fetched: Option<Instant>,
    last_forced: Option<Instant>,
}

/// One provider's key source.
#[derive(Debug)]
pub struct Jwks(Source);

#[derive(Debug)]
enum Source {
    /// Keys read at start.
    Static(Arc<KeySet>),
    /// Keys fetched over HTTP(S).
    Remote {
        /// The JWKS URL.
        url: String,
        /// Cache lifetime.
        ttl: Duration,
        /// The HTTP client.
        client: reqwest::Client,
        /// The cache; the lock also makes concurrent fetches one.
        cache: Mutex<Cache>,
        /// How many fetches were made (for tests and logs).
        fetches: std::sync::atomic::AtomicU64,
    },
}

fn lookup(set: &KeySet, kid: Option<&str>, alg: Alg) -> Lookup {
    let mut any = false;
    let mut fitting = set.candidates(kid).filter(|k| {
        any = true;
        key_fits(k, alg)
    });
    let first = fitting.next().cloned();
    // Without a `kid`, the key must be unambiguous.
    let ambiguous = kid.is_none() && fitting.next().is_some();
    drop(fitting);
    match first {
        Some(k) if !ambiguous => Lookup::Found(Box::new(k)),
        Some(_) => Lookup::Unknown,
        None if any => Lookup::WrongType,
        None => Lookup::Unknown,
    }
}

impl Jwks {
    /// The key source for a configured provider; a file is read (and must parse) now.
    pub fn new(source: &JwksSource, client: &reqwest::Client) -> Result<Jwks, StartError> {
        match source {
            JwksSource::File(path) => {
                let bytes = std::fs::read(path).map_err(|e| {
                    StartError::Jwks(format!("cannot read {}: {e}", path.display()))
                })?;
                let set = KeySet::parse(&bytes)
                    .map_err(|e| StartError::Jwks(format!("{}: {e}", path.display())))?;
                Ok(Jwks(Source::Static(Arc::new(set))))
            }
            JwksSource::Url { url, ttl } => Ok(Jwks(Source::Remote {
                url: url.clone(),
                ttl: *ttl,
                client: client.clone(),
                cache: Mutex::new(Cache {
                    keys: None,
                    fetched: None,
                    last_forced: None,
                }),
                fetches: std::sync::atomic::AtomicU64::new(0),
            })),
        }
    }

    /// How many times the key set was fetched over HTTP.
    pub fn fetch_count(&self) -> u64 {
        match &self.0 {
            Source::Static(_) => 0,
            Source::Remote { fetches, .. } => fetches.load(std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// The key for a token's `kid` and `alg`.
    pub async fn key(&self, kid: Option<&str>, alg: Alg) -> Result<Lookup, ApiError> {
        let (url, ttl, client, cache, fetches) = match &self.0 {
            Source::Static(set) => return Ok(lookup(set, kid, alg)),
            Source::Remote {
                url,
                ttl,
                client,
                cache,
                fetches,
            } => (url, *ttl, client, cache, fetches),
        };
        let mut c = cache.lock().await;
        let fresh = c.fetched.is_some_and(|t| t.elapsed() < ttl);
        if !fresh || c.keys.is_none() {
            let set = fetch(client, url, fetches).await?;
            c.keys = Some(Arc::new(set));
            c.fetched = Some(Instant::now());
        }
        let Some(set) = c.keys.clone() else {
            return Err(unavailable("no key set"));
        };
        let found = lookup(&set, kid, alg);
        if !matches!(found, Lookup::Unknown) {
            return Ok(found);
        }
        // An unknown key id: perhaps the provider rotated its keys. Fetch once more, but not
        // more often than every FORCED_REFRESH_INTERVAL, so that tokens with made-up key ids
        // cannot turn the issuer into a load generator against the provider.
        if c.last_forced
            .is_some_and(|t| t.elapsed() < FORCED_REFRESH_INTERVAL)
        {
            return Ok(Lookup::Unknown);
        }
        c.last_forced = Some(Instant::now());
        let set = fetch(client, url, fetches).await?;
        let set = Arc::new(set);
        c.keys = Some(set.clone());
        c.fetched = Some(Instant::now());
        Ok(lookup(&set, kid, alg))
    }
}

fn unavailable(m: impl std::fmt::Display) -> ApiError {
    ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "jwks_unavailable",
        format!("the provider's key set cannot be fetched: {m}"),
    )
}

async fn fetch(
    client: &reqwest::Client,
    url: &str,
    fetches: &std::sync::atomic::AtomicU64,
) -> Result<KeySet, ApiError> {
    fetches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut resp = client
        .get(url)
        .header("accept", "application/json")
        .send()
        .await
        .map_err(|e| unavailable(e.without_url()))?;
    if !resp.status().is_success() {
        return Err(unavailable(format!("HTTP {}", resp.status().as_u16())));
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| unavailable(e.without_url()))?
    {
        if body.len() + chunk.len() > MAX_JWKS_LEN {
            return Err(unavailable(format!("larger than {MAX_JWKS_LEN} bytes")));
        }
        body.extend_from_slice(&chunk);
    }
    KeySet::parse(&body).map_err(unavailable)
}

/// The HTTP client for key sets: no redirects, bounded time.
pub fn http_client() -> Result<reqwest::Client, StartError> {
    // reqwest is built without a default crypto provider; use ring's (already in the tree).
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(FETCH_TIMEOUT)
        .connect_timeout(FETCH_TIMEOUT)
        .build()
        .map_err(|e| StartError::Jwks(format!("cannot build the HTTP client: {e}")))
}
