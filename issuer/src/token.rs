//! OIDC ID token validation.
//!
//! Order: structure (three base64url parts, JSON objects) -> the unverified `iss` picks the
//! provider -> the header's `alg` must be one the provider allows -> the key is picked by `kid`
//! from the provider's JWKS and must be of the type and declared algorithm of `alg` -> the
//! signature (by `jsonwebtoken`, over the received bytes) -> `aud`, `exp`, `nbf`, `iat` with the
//! bounded clock skew. The claims are checked by this module (strict JSON types), not left to the
//! JWT library's defaults. Nothing read before the signature check is trusted beyond choosing
//! which key to check it with.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use jsonwebtoken::{DecodingKey, Validation};
use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};

use crate::config::{Alg, Provider};
use crate::error::ApiError;
use crate::jwks::{Jwks, Lookup};

/// The longest token accepted, in bytes.
pub const MAX_TOKEN_LEN: usize = 8 * 1024;

/// A token whose signature and claims held.
#[derive(Clone, Debug)]
pub struct ValidToken {
    /// Index of the provider in the configuration.
    pub provider: usize,
    /// The verified claims.
    pub claims: Map<String, Value>,
    /// SHA-256 of the token text.
    pub sha256: [u8; 32],
    /// The token's `exp`.
    pub exp: u64,
}

/// The unverified parts of a token, enough to pick the provider and the key.
#[derive(Debug)]
pub struct Unverified {
    /// The header's `alg` text.
    pub alg: String,
    /// The header's `kid`, if any.
    pub kid: Option<String>,
    /// The payload claims (not yet trusted).
    pub claims: Map<String, Value>,
}

fn json_part(part: &str, what: &str) -> Result<Map<String, Value>, ApiError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| ApiError::malformed_token(format!("the token's {what} is not base64url")))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(ApiError::malformed_token(format!(
            "the token's {what} is not a JSON object"
        ))),
    }
}

/// Splits a compact JWS and reads its header and payload without checking anything.
pub fn parse_unverified(token: &str) -> Result<Unverified, ApiError> {
    if token.is_empty() {
        return Err(ApiError::malformed_token("the token is empty"));
    }
    if token.len() > MAX_TOKEN_LEN {
        return Err(ApiError::malformed_token(format!(
            "the token is longer than {MAX_TOKEN_LEN} bytes"
        )));
    }
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts.as_slice() else {
        return Err(ApiError::malformed_token(
            "the token is not a compact JWS (three parts separated by dots)",
        ));
    };
    // An empty signature (`alg: none`) gets past here, to be refused by the algorithm check.
    if URL_SAFE_NO_PAD.decode(signature).is_err() {
        return Err(ApiError::malformed_token(
            "the token's signature is not base64url",
        ));
    }
    let header = json_part(header, "header")?;
    let claims = json_part(payload, "payload")?;
    let Some(Value::String(alg)) = header.get("alg") else {
        return Err(ApiError::malformed_token("the token's header has no alg"));
    };
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(k)) => Some(k.clone()),
        Some(_) => return Err(ApiError::malformed_token("the token's kid is not a string")),
    };
    if header.contains_key("crit") {
        // No JWS extension is understood; RFC 7515 section 4.1.11 says reject.
        return Err(ApiError::malformed_token(
            "the token's header has crit parameters",
        ));
    }
    Ok(Unverified {
        alg: alg.clone(),
        kid,
        claims,
    })
}

/// The provider a token's unverified `iss` names.
pub fn select_provider(u: &Unverified, providers: &[Provider]) -> Result<usize, ApiError> {
    let iss = match u.claims.get("iss") {
        Some(Value::String(s)) => s,
        Some(_) => return Err(ApiError::malformed_token("the token's iss is not a string")),
        None => return Err(ApiError::malformed_token("the token has no iss")),
    };
    providers
        .iter()
        .position(|p| &p.issuer == iss)
        .ok_or_else(|| {
            ApiError::unauthorized(
                "unknown_provider",
                "the token's issuer is not a configured provider",
            )
        })
}

/// A NumericDate claim (RFC 7519: a JSON number of seconds; fractions are truncated).
fn numeric_date(claims: &Map<String, Value>, name: &str) -> Result<Option<u64>, ApiError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(u) = n.as_u64() {
                Ok(Some(u))
            } else {
                match n.as_f64() {
                    // Truncation is the intent; the range is checked first.
                    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                    Some(f) if f.is_finite() && (0.0..1.0e15).contains(&f) => Ok(Some(f as u64)),
                    _ => Err(ApiError::malformed_token(format!(
                        "the token's {name} is not a valid time"
                    ))),
                }
            }
        }
        Some(_) => Err(ApiError::malformed_token(format!(
            "the token's {name} is not a number"
        ))),
    }
}

fn audience_ok(claims: &Map<String, Value>, accepted: &[String]) -> bool {
    match claims.get("aud") {
        Some(Value::String(a)) => accepted.iter().any(|x| x == a),
        Some(Value::Array(list)) => list
            .iter()
            .any(|v| v.as_str().is_some_and(|a| accepted.iter().any(|x| x == a))),
        _ => false,
    }
}

/// Checks the time claims at `now` with `skew` seconds of tolerance; returns `exp`.
pub fn check_times(claims: &Map<String, Value>, now: u64, skew: u64) -> Result<u64, ApiError> {
    let exp = numeric_date(claims, "exp")?
        .ok_or_else(|| ApiError::malformed_token("the token has no exp"))?;
    let iat = numeric_date(claims, "iat")?
        .ok_or_else(|| ApiError::malformed_token("the token has no iat"))?;
    let nbf = numeric_date(claims, "nbf")?;
    if now >= exp.saturating_add(skew) {
        return Err(ApiError::unauthorized(
            "token_expired",
            "the token has expired",
        ));
    }
    if let Some(nbf) = nbf {
        if now.saturating_add(skew) < nbf {
            return Err(ApiError::unauthorized(
                "token_not_yet_valid",
                "the token is not valid yet (nbf)",
            ));
        }
    }
    if iat > now.saturating_add(skew) {
        return Err(ApiError::unauthorized(
            "token_issued_in_future",
            "the token's iat is in the future",
        ));
    }
    Ok(exp)
}

/// Validates `token` against the configured providers at time `now`.
pub async fn validate(
    token: &str,
    providers: &[Provider],
    keys: &[Jwks],
    now: u64,
    skew: u64,
) -> Result<ValidToken, ApiError> {
    let u = parse_unverified(token)?;
    let index = select_provider(&u, providers)?;
    let (Some(provider), Some(jwks)) = (providers.get(index), keys.get(index)) else {
        return Err(ApiError::internal("provider table mismatch"));
    };
    let alg = Alg::from_name(&u.alg)
        .filter(|a| provider.algorithms.contains(a))
        .ok_or_else(|| {
            ApiError::unauthorized(
                "algorithm_not_allowed",
                format!(
                    "alg {:?} is not allowed for this provider",
                    u.alg.chars().take(16).collect::<String>()
                ),
            )
        })?;
    let jwk = match jwks.key(u.kid.as_deref(), alg).await? {
        Lookup::Found(k) => k,
        Lookup::WrongType => {
            return Err(ApiError::unauthorized(
                "algorithm_not_allowed",
                format!("the key named by kid is not a key for {}", alg.name()),
            ))
        }
        Lookup::Unknown => {
            return Err(ApiError::unauthorized(
                "unknown_signing_key",
                "no key of the provider's key set has the token's kid",
            ))
        }
    };
    let key = DecodingKey::from_jwk(&jwk).map_err(|_| {
        ApiError::unauthorized("unknown_signing_key", "the provider's key is unusable")
    })?;
    let mut validation = Validation::new(alg.jwt());
    validation.required_spec_claims.clear();
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.leeway = 0;
    let claims = match jsonwebtoken::decode::<Map<String, Value>>(token, &key, &validation) {
        Ok(data) => data.claims,
        Err(e) => {
            use jsonwebtoken::errors::ErrorKind;
            return Err(match e.kind() {
                ErrorKind::InvalidAlgorithm => ApiError::unauthorized(
                    "algorithm_not_allowed",
                    "the token's alg does not fit the key",
                ),
                ErrorKind::InvalidSignature
                | ErrorKind::InvalidEcdsaKey
                | ErrorKind::InvalidRsaKey(_)
                | ErrorKind::InvalidKeyFormat
                | ErrorKind::Crypto(_) => ApiError::unauthorized(
                    "token_signature_invalid",
                    "the token's signature does not verify",
                ),
                _ => ApiError::malformed_token("the token cannot be decoded"),
            });
        }
    };
    // The verified payload must be the one read before (the same bytes): compare issuers anyway.
    if claims.get("iss").and_then(Value::as_str) != Some(provider.issuer.as_str()) {
        return Err(ApiError::unauthorized(
            "unknown_provider",
            "the token's issuer is not a configured provider",
        ));
    }
    if !audience_ok(&claims, &provider.audiences) {
        return Err(ApiError::unauthorized(
            "wrong_audience",
            "the token is not for this issuer's audience",
        ));
    }
    let exp = check_times(&claims, now, skew)?;
    Ok(ValidToken {
        provider: index,
        claims,
        sha256: Sha256::digest(token.as_bytes()).into(),
        exp,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use serde_json::json;

    fn m(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    #[test]
    fn times() {
        let now = 1_000_000;
        let ok = m(json!({"exp": now + 10, "iat": now}));
        assert_eq!(check_times(&ok, now, 60).unwrap(), now + 10);
        let name = |c: Value| check_times(&m(c), now, 60).unwrap_err().name;
        assert_eq!(
            name(json!({"exp": now - 61, "iat": now - 100})),
            "token_expired"
        );
        assert!(check_times(&m(json!({"exp": now - 59, "iat": now - 100})), now, 60).is_ok());
        assert_eq!(
            name(json!({"exp": now + 100, "iat": now, "nbf": now + 61})),
            "token_not_yet_valid"
        );
        assert_eq!(
            name(json!({"exp": now + 100, "iat": now + 61})),
            "token_issued_in_future"
        );
        assert_eq!(name(json!({"exp": "soon", "iat": now})), "malformed_token");
        assert_eq!(name(json!({"exp": now + 10})), "malformed_token");
        assert_eq!(name(json!({"iat": now})), "malformed_token");
        assert_eq!(name(json!({"exp": -5, "iat": now})), "malformed_token");
        assert!(check_times(&m(json!({"exp": 1000010.5, "iat": 999999.9})), now, 0).is_ok());
    }

    #[test]
    fn audiences() {
        let acc = vec!["sealkit".to_owned()];
        assert!(audience_ok(&m(json!({"aud": "sealkit"})), &acc));
        assert!(audience_ok(&m(json!({"aud": ["x", "sealkit"]})), &acc));
        assert!(!audience_ok(&m(json!({"aud": ["x"]})), &acc));
        assert!(!audience_ok(&m(json!({"aud": "sealkit2"})), &acc));
        assert!(!audience_ok(&m(json!({})), &acc));
        assert!(!audience_ok(&m(json!({"aud": 1})), &acc));
    }

    #[test]
    fn structure() {
        assert_eq!(parse_unverified("").unwrap_err().name, "malformed_token");
        assert_eq!(parse_unverified("a.b").unwrap_err().name, "malformed_token");
        assert_eq!(
            parse_unverified("a.b.c.d").unwrap_err().name,
            "malformed_token"
        );
        let h = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"k"}"#);
        let p = URL_SAFE_NO_PAD.encode(br#"{"iss":"x"}"#);
        let u = parse_unverified(&format!("{h}.{p}.c2ln")).unwrap();
        assert_eq!(u.alg, "RS256");
        assert_eq!(u.kid.as_deref(), Some("k"));
        assert!(parse_unverified(&format!("{h}.{p}.")).is_ok());
        assert_eq!(
            parse_unverified(&format!("{h}.{p}.a+b")).unwrap_err().name,
            "malformed_token"
        );
        assert_eq!(
            parse_unverified(&format!("{h}.!!.c2ln")).unwrap_err().name,
            "malformed_token"
        );
        let arr = URL_SAFE_NO_PAD.encode(b"[1]");
        assert_eq!(
            parse_unverified(&format!("{h}.{arr}.c2ln"))
                .unwrap_err()
                .name,
            "malformed_token"
        );
        let crit = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","crit":["x"]}"#);
        assert_eq!(
            parse_unverified(&format!("{crit}.{p}.c2ln"))
                .unwrap_err()
                .name,
            "malformed_token"
        );
    }
}
