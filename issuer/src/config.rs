//! `issuer.toml`: what the service trusts (OIDC providers), how it maps token claims to sealkit
//! identities (rules), which keys it signs with, and its limits. Every table refuses unknown
//! fields, so that a misspelt security setting is an error, not a silent default.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::error::StartError;
use crate::rules::{Rule, Template};

/// The default and the hard cap of a certificate's lifetime.
pub const DEFAULT_MAX_LIFETIME: Duration = Duration::from_secs(10 * 60);
/// No configuration may issue certificates valid longer than this.
pub const MAX_LIFETIME_CAP: Duration = Duration::from_secs(60 * 60);
/// The default and the cap of the tolerated clock skew.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(60);
/// No configuration may tolerate more clock skew than this.
pub const CLOCK_SKEW_CAP: Duration = Duration::from_secs(5 * 60);
/// The default request body limit (the contract's 16 KiB).
pub const DEFAULT_MAX_BODY: usize = 16 * 1024;
/// The default JWKS cache lifetime.
pub const DEFAULT_JWKS_TTL: Duration = Duration::from_secs(5 * 60);
/// The default request timeout.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A JWS algorithm the issuer can verify. `none` and the HMAC algorithms are not representable:
/// a configuration naming them is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Alg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256.
    Ps256,
    /// RSASSA-PSS with SHA-384.
    Ps384,
    /// RSASSA-PSS with SHA-512.
    Ps512,
    /// ECDSA P-256 with SHA-256.
    Es256,
    /// ECDSA P-384 with SHA-384.
    Es384,
    /// Ed25519.
    EdDsa,
}

impl Alg {
    /// The algorithm for a JWS `alg` name, if the issuer supports it.
    pub fn from_name(name: &str) -> Option<Alg> {
        Some(match name {
            "RS256" => Alg::Rs256,
            "RS384" => Alg::Rs384,
            "RS512" => Alg::Rs512,
            "PS256" => Alg::Ps256,
            "PS384" => Alg::Ps384,
            "PS512" => Alg::Ps512,
            "ES256" => Alg::Es256,
            "ES384" => Alg::Es384,
            "EdDSA" => Alg::EdDsa,
            _ => return None,
        })
    }

    /// The JWS name.
    pub fn name(self) -> &'static str {
        match self {
            Alg::Rs256 => "RS256",
            Alg::Rs384 => "RS384",
            Alg::Rs512 => "RS512",
            Alg::Ps256 => "PS256",
            Alg::Ps384 => "PS384",
            Alg::Ps512 => "PS512",
            Alg::Es256 => "ES256",
            Alg::Es384 => "ES384",
            Alg::EdDsa => "EdDSA",
        }
    }

    /// The same algorithm in `jsonwebtoken`'s terms.
    pub fn jwt(self) -> jsonwebtoken::Algorithm {
        use jsonwebtoken::Algorithm as A;
        match self {
            Alg::Rs256 => A::RS256,
            Alg::Rs384 => A::RS384,
            Alg::Rs512 => A::RS512,
            Alg::Ps256 => A::PS256,
            Alg::Ps384 => A::PS384,
            Alg::Ps512 => A::PS512,
            Alg::Es256 => A::ES256,
            Alg::Es384 => A::ES384,
            Alg::EdDsa => A::EdDSA,
        }
    }
}

/// A duration in the config: whole seconds, or text like `90s`, `10m`, `1h`.
#[derive(Clone, Debug, Deserialize)]
#[serde(untagged)]
enum RawDuration {
    Seconds(u64),
    Text(String),
}

fn duration(raw: &RawDuration, what: &str) -> Result<Duration, StartError> {
    let bad = || {
        StartError::Config(format!(
            "{what}: expected seconds or a duration like 90s, 10m, 1h"
        ))
    };
    match raw {
        RawDuration::Seconds(s) => Ok(Duration::from_secs(*s)),
        RawDuration::Text(t) => {
            let t = t.trim();
            let (digits, unit) =
                t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
            let n: u64 = digits.parse().map_err(|_| bad())?;
            let mult = match unit {
                "" | "s" => 1,
                "m" => 60,
                "h" => 3600,
                _ => return Err(bad()),
            };
            n.checked_mul(mult).map(Duration::from_secs).ok_or_else(bad)
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// A rule's required claim value: a string pattern (exact, `prefix*`, `*suffix`) or a boolean.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum ClaimMatch {
    /// The claim must be a string matching this pattern.
    Pattern(String),
    /// The claim must be this JSON boolean.
    Bool(bool),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    claims: BTreeMap<String, ClaimMatch>,
    identity: String,
    #[serde(default)]
    scope: Vec<String>,
    lifetime: Option<RawDuration>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProvider {
    issuer: String,
    audience: OneOrMany,
    jwks_url: Option<String>,
    jwks_file: Option<PathBuf>,
    jwks_ttl: Option<RawDuration>,
    algorithms: Option<Vec<String>>,
    #[serde(default)]
    rule: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    listen: Option<String>,
    name: String,
    issuing_key: PathBuf,
    #[serde(default)]
    issuing_chain: Vec<PathBuf>,
    timestamp_key: Option<PathBuf>,
    max_lifetime: Option<RawDuration>,
    clock_skew: Option<RawDuration>,
    database: PathBuf,
    max_body: Option<usize>,
    request_timeout: Option<RawDuration>,
    #[serde(default)]
    provider: Vec<RawProvider>,
}

/// Where a provider's signing keys come from.
#[derive(Clone, Debug)]
pub enum JwksSource {
    /// Fetched over HTTP(S) and cached for `ttl`.
    Url {
        /// The JWKS URL (https, or http to a loopback address only).
        url: String,
        /// How long a fetched key set is used before it is fetched again.
        ttl: Duration,
    },
    /// Read once from a file at start.
    File(PathBuf),
}

/// One trusted OpenID provider.
#[derive(Clone, Debug)]
pub struct Provider {
    /// The token `iss` that selects this provider (compared exactly).
    pub issuer: String,
    /// Accepted audiences: the token's `aud` must be or contain one of them.
    pub audiences: Vec<String>,
    /// The provider's keys.
    pub jwks: JwksSource,
    /// The JWS algorithms accepted from this provider.
    pub algorithms: Vec<Alg>,
    /// Mapping rules, first match wins.
    pub rules: Vec<Rule>,
}

/// A validated configuration.
#[derive(Clone, Debug)]
pub struct Config {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// The `iss` written into certificates.
    pub name: String,
    /// The issuing key's secret key file.
    pub issuing_key: PathBuf,
    /// The issuing key's certificate and those above it, leaf-most first.
    pub issuing_chain: Vec<PathBuf>,
    /// The timestamp key's secret key file (`None`: the issuing key).
    pub timestamp_key: Option<PathBuf>,
    /// The longest certificate lifetime.
    pub max_lifetime: Duration,
    /// The tolerated clock skew between the issuer and token providers.
    pub clock_skew: Duration,
    /// The audit log database.
    pub database: PathBuf,
    /// The request body limit in bytes.
    pub max_body: usize,
    /// How long one request may take.
    pub request_timeout: Duration,
    /// Trusted OpenID providers.
    pub providers: Vec<Provider>,
}

fn check_jwks_url(url: &str) -> Result<(), StartError> {
    let bad = |m: &str| Err(StartError::Config(format!("jwks_url {url:?}: {m}")));
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return bad("not a URL");
    };
    match parsed.scheme() {
        "https" => Ok(()),
        "http" => match parsed.host() {
            Some(url::Host::Ipv4(ip)) if ip.is_loopback() => Ok(()),
            Some(url::Host::Ipv6(ip)) if ip.is_loopback() => Ok(()),
            Some(url::Host::Domain("localhost")) => Ok(()),
            _ => bad("plain http is accepted only for a loopback address; use https"),
        },
        _ => bad("the scheme must be https"),
    }
}

fn provider(raw: RawProvider, base: &Path, max_lifetime: Duration) -> Result<Provider, StartError> {
    let what = format!("provider {:?}", raw.issuer);
    if raw.issuer.is_empty() {
        return Err(StartError::Config(
            "provider issuer must not be empty".into(),
        ));
    }
    let audiences = match raw.audience {
        OneOrMany::One(a) => vec![a],
        OneOrMany::Many(v) => v,
    };
    if audiences.is_empty() || audiences.iter().any(String::is_empty) {
        return Err(StartError::Config(format!(
            "{what}: audience must name at least one non-empty audience"
        )));
    }
    let jwks = match (raw.jwks_url, raw.jwks_file) {
        (Some(url), None) => {
            check_jwks_url(&url)?;
            let ttl = match &raw.jwks_ttl {
                Some(t) => duration(t, &format!("{what}: jwks_ttl"))?,
                None => DEFAULT_JWKS_TTL,
            };
            JwksSource::Url { url, ttl }
        }
        (None, Some(file)) => {
            if raw.jwks_ttl.is_some() {
                return Err(StartError::Config(format!(
                    "{what}: jwks_ttl applies only to jwks_url"
                )));
            }
            JwksSource::File(base.join(file))
        }
        _ => {
            return Err(StartError::Config(format!(
                "{what}: give exactly one of jwks_url and jwks_file"
            )))
        }
    };
    let names = raw
        .algorithms
        .unwrap_or_else(|| vec!["RS256".into(), "ES256".into()]);
    if names.is_empty() {
        return Err(StartError::Config(format!(
            "{what}: algorithms must not be empty"
        )));
    }
    let mut algorithms = Vec::new();
    for n in &names {
        match Alg::from_name(n) {
            Some(a) if !algorithms.contains(&a) => algorithms.push(a),
            Some(_) => {}
            None => {
                return Err(StartError::Config(format!(
                    "{what}: algorithm {n:?} is not allowed (supported: RS256, RS384, RS512, PS256, PS384, PS512, ES256, ES384, EdDSA; never none or HS*)"
                )))
            }
        }
    }
    if raw.rule.is_empty() {
        return Err(StartError::Config(format!(
            "{what}: at least one [[provider.rule]] is needed"
        )));
    }
    let mut rules = Vec::new();
    for (i, r) in raw.rule.into_iter().enumerate() {
        let rwhat = format!("{what} rule {}", i + 1);
        let lifetime = match &r.lifetime {
            Some(l) => {
                let l = duration(l, &format!("{rwhat}: lifetime"))?;
                if l.is_zero() || l > max_lifetime {
                    return Err(StartError::Config(format!(
                        "{rwhat}: lifetime must be between 1 s and max_lifetime ({} s)",
                        max_lifetime.as_secs()
                    )));
                }
                l
            }
            None => max_lifetime,
        };
        let template = Template::parse(&r.identity)
            .map_err(|m| StartError::Config(format!("{rwhat}: identity: {m}")))?;
        rules.push(
            Rule::new(r.claims, template, r.scope, lifetime)
                .map_err(|m| StartError::Config(format!("{rwhat}: {m}")))?,
        );
    }
    Ok(Provider {
        issuer: raw.issuer,
        audiences,
        jwks,
        algorithms,
        rules,
    })
}

impl Config {
    /// Parses and validates a configuration; relative paths are taken from `base` (the config
    /// file's folder).
    pub fn parse(text: &str, base: &Path) -> Result<Config, StartError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| StartError::Config(e.to_string()))?;
        let listen = raw.listen.as_deref().unwrap_or("127.0.0.1:0");
        let listen: SocketAddr = listen.parse().map_err(|_| {
            StartError::Config(format!(
                "listen: {listen:?} is not an address like 127.0.0.1:8080"
            ))
        })?;
        if raw.name.is_empty() || raw.name.len() > sealkit::MAX_NAME_LEN {
            return Err(StartError::Config(format!(
                "name must be 1 to {} bytes",
                sealkit::MAX_NAME_LEN
            )));
        }
        let max_lifetime = match &raw.max_lifetime {
            Some(d) => duration(d, "max_lifetime")?,
            None => DEFAULT_MAX_LIFETIME,
        };
        if max_lifetime.is_zero() || max_lifetime > MAX_LIFETIME_CAP {
            return Err(StartError::Config(format!(
                "max_lifetime must be between 1 s and {} s",
                MAX_LIFETIME_CAP.as_secs()
            )));
        }
        let clock_skew = match &raw.clock_skew {
            Some(d) => duration(d, "clock_skew")?,
            None => DEFAULT_CLOCK_SKEW,
        };
        if clock_skew > CLOCK_SKEW_CAP {
            return Err(StartError::Config(format!(
                "clock_skew must be at most {} s",
                CLOCK_SKEW_CAP.as_secs()
            )));
        }
        let max_body = raw.max_body.unwrap_or(DEFAULT_MAX_BODY);
        if !(1024..=1024 * 1024).contains(&max_body) {
            return Err(StartError::Config(
                "max_body must be between 1024 and 1048576 bytes".into(),
            ));
        }
        let request_timeout = match &raw.request_timeout {
            Some(d) => duration(d, "request_timeout")?,
            None => DEFAULT_REQUEST_TIMEOUT,
        };
        if request_timeout.is_zero() || request_timeout > Duration::from_secs(300) {
            return Err(StartError::Config(
                "request_timeout must be between 1 s and 300 s".into(),
            ));
        }
        if raw.provider.is_empty() {
            return Err(StartError::Config(
                "at least one [[provider]] is needed".into(),
            ));
        }
        let mut providers: Vec<Provider> = Vec::new();
        for p in raw.provider {
            let p = provider(p, base, max_lifetime)?;
            if providers.iter().any(|q| q.issuer == p.issuer) {
                return Err(StartError::Config(format!(
                    "provider {:?} is configured twice",
                    p.issuer
                )));
            }
            providers.push(p);
        }
        Ok(Config {
            listen,
            name: raw.name,
            issuing_key: base.join(raw.issuing_key),
            issuing_chain: raw
                .issuing_chain
                .into_iter()
                .map(|p| base.join(p))
                .collect(),
            timestamp_key: raw.timestamp_key.map(|p| base.join(p)),
            max_lifetime,
            clock_skew,
            database: base.join(raw.database),
            max_body,
            request_timeout,
            providers,
        })
    }

    /// Reads and validates a configuration file.
    pub fn load(path: &Path) -> Result<Config, StartError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| StartError::Config(format!("cannot read {}: {e}", path.display())))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Config::parse(&text, base)
    }
}
