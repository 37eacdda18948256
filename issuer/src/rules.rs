//! Mapping rules: which verified token claims earn which sealkit identity.
//!
//! A rule lists required claims (each a string pattern with the semantics of
//! `sealkit::pattern_matches`: exact, `prefix*` or `*suffix`; or a boolean) and an identity
//! template with `{claim}` substitutions. A claim that is missing or of another JSON type fails
//! the rule. A substituted value must be a non-empty string without control characters, and the
//! identity at most `sealkit::MAX_NAME_LEN` bytes; otherwise the rule does not apply.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Map, Value};

use crate::config::ClaimMatch;

/// One piece of an identity template.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Claim(String),
}

/// An identity template such as `https://github.com/{job_workflow_ref}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pieces: Vec<Piece>,
}

fn is_claim_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'))
}

impl Template {
    /// Parses a template; `{` and `}` only delimit claim names.
    pub fn parse(text: &str) -> Result<Template, String> {
        if text.is_empty() {
            return Err("must not be empty".into());
        }
        if text.chars().any(char::is_control) {
            return Err("must not contain control characters".into());
        }
        let mut pieces = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            match rest.find(['{', '}']) {
                None => {
                    pieces.push(Piece::Text(rest.to_owned()));
                    rest = "";
                }
                Some(i) => {
                    let (before, after) = rest.split_at(i);
                    if !before.is_empty() {
                        pieces.push(Piece::Text(before.to_owned()));
                    }
                    let Some(inner) = after.strip_prefix('{') else {
                        return Err("a `}` without its `{`".into());
                    };
                    let Some(end) = inner.find('}') else {
                        return Err("a `{` without its `}`".into());
                    };
                    let (name, tail) = inner.split_at(end);
                    if !is_claim_name(name) {
                        return Err(format!(
                            "{{{name}}} is not a claim name (letters, digits, _ - . :)"
                        ));
                    }
                    pieces.push(Piece::Claim(name.to_owned()));
                    rest = tail.get(1..).unwrap_or("");
                }
            }
        }
        let fixed: usize = pieces
            .iter()
            .map(|p| match p {
                Piece::Text(t) => t.len(),
                Piece::Claim(_) => 1,
            })
            .sum();
        if fixed > sealkit::MAX_NAME_LEN {
            return Err(format!("is longer than {} bytes", sealkit::MAX_NAME_LEN));
        }
        Ok(Template { pieces })
    }

    /// The identity for these claims, or why the template cannot be filled.
    pub fn render(&self, claims: &Map<String, Value>) -> Result<String, String> {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Claim(name) => match claims.get(name) {
                    Some(Value::String(s)) if !s.is_empty() && !s.chars().any(char::is_control) => {
                        out.push_str(s);
                    }
                    Some(Value::String(_)) => {
                        return Err(format!("claim {name} is empty or has control characters"))
                    }
                    Some(_) => return Err(format!("claim {name} is not a string")),
                    None => return Err(format!("claim {name} is missing")),
                },
            }
            if out.len() > sealkit::MAX_NAME_LEN {
                return Err(format!(
                    "the identity would be longer than {} bytes",
                    sealkit::MAX_NAME_LEN
                ));
            }
        }
        Ok(out)
    }
}

/// A mapping rule.
#[derive(Clone, Debug)]
pub struct Rule {
    claims: BTreeMap<String, ClaimMatch>,
    identity: Template,
    /// Certificate scope patterns (may be empty: not restricted).
    pub scope: Vec<String>,
    /// Certificate lifetime under this rule.
    pub lifetime: Duration,
}

/// What a matching rule grants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grant {
    /// The certificate subject.
    pub identity: String,
    /// Certificate scope patterns.
    pub scope: Vec<String>,
    /// Certificate lifetime.
    pub lifetime: Duration,
}

impl Rule {
    /// A rule; refuses one that requires no claim (it would map every token of the provider)
    /// and scope patterns the certificate format cannot hold.
    pub fn new(
        claims: BTreeMap<String, ClaimMatch>,
        identity: Template,
        scope: Vec<String>,
        lifetime: Duration,
    ) -> Result<Rule, String> {
        if claims.is_empty() {
            return Err("claims must require at least one claim".into());
        }
        for (name, m) in &claims {
            if !is_claim_name(name) {
                return Err(format!("{name:?} is not a claim name"));
            }
            if let ClaimMatch::Pattern(p) = m {
                if p.is_empty() {
                    return Err(format!("claim {name}: the pattern must not be empty"));
                }
            }
        }
        if scope.len() > sealkit::MAX_SCOPE_PATTERNS {
            return Err(format!(
                "at most {} scope patterns",
                sealkit::MAX_SCOPE_PATTERNS
            ));
        }
        if scope
            .iter()
            .any(|s| s.is_empty() || s.len() > sealkit::MAX_NAME_LEN)
        {
            return Err(format!(
                "scope patterns must be 1 to {} bytes",
                sealkit::MAX_NAME_LEN
            ));
        }
        Ok(Rule {
            claims,
            identity,
            scope,
            lifetime,
        })
    }

    /// The identity this rule grants for `claims`, or why it does not apply.
    pub fn apply(&self, claims: &Map<String, Value>) -> Result<Grant, String> {
        for (name, m) in &self.claims {
            let ok = match (m, claims.get(name)) {
                (ClaimMatch::Pattern(p), Some(Value::String(s))) => sealkit::pattern_matches(p, s),
                (ClaimMatch::Bool(b), Some(Value::Bool(v))) => b == v,
                (_, None) => return Err(format!("claim {name} is missing")),
                (ClaimMatch::Pattern(_), Some(_)) => {
                    return Err(format!("claim {name} is not a string"))
                }
                (ClaimMatch::Bool(_), Some(_)) => {
                    return Err(format!("claim {name} is not a boolean"))
                }
            };
            if !ok {
                return Err(format!("claim {name} does not match"));
            }
        }
        Ok(Grant {
            identity: self.identity.render(claims)?,
            scope: self.scope.clone(),
            lifetime: self.lifetime,
        })
    }
}

/// The first rule that applies, or the reason the last one gave.
pub fn first_match(rules: &[Rule], claims: &Map<String, Value>) -> Result<Grant, String> {
    let mut why = String::from("no rule");
    for r in rules {
        match r.apply(claims) {
            Ok(g) => return Ok(g),
            Err(e) => why = e,
        }
    }
    Err(why)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;
    use serde_json::json;

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().unwrap().clone()
    }

    fn rule(c: &[(&str, ClaimMatch)], identity: &str) -> Rule {
        Rule::new(
            c.iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
            Template::parse(identity).unwrap(),
            vec![],
            Duration::from_secs(600),
        )
        .unwrap()
    }

    #[test]
    fn templates() {
        let t = Template::parse("https://github.com/{job_workflow_ref}").unwrap();
        let c = claims(json!({"job_workflow_ref": "v/a/.github/workflows/r.yml@refs/tags/v1"}));
        assert_eq!(
            t.render(&c).unwrap(),
            "https://github.com/v/a/.github/workflows/r.yml@refs/tags/v1"
        );
        assert!(t.render(&claims(json!({"job_workflow_ref": 5}))).is_err());
        assert!(t.render(&claims(json!({}))).is_err());
        assert!(t
            .render(&claims(json!({"job_workflow_ref": "a\nb"})))
            .is_err());
        assert!(t
            .render(&claims(json!({"job_workflow_ref": "x".repeat(120)})))
            .is_err());
        assert!(Template::parse("{a").is_err());
        assert!(Template::parse("a}").is_err());
        assert!(Template::parse("{a b}").is_err());
        assert!(Template::parse("").is_err());
        assert_eq!(
            Template::parse("{email}")
                .unwrap()
                .render(&claims(json!({"email": "a@b"})))
                .unwrap(),
            "a@b"
        );
    }

    #[test]
    fn rules_match() {
        let r = rule(
            &[
                ("repository", ClaimMatch::Pattern("vendor/app".into())),
                ("ref", ClaimMatch::Pattern("refs/tags/*".into())),
            ],
            "{repository}@{ref}",
        );
        let good = claims(json!({"repository": "vendor/app", "ref": "refs/tags/v1"}));
        assert_eq!(r.apply(&good).unwrap().identity, "vendor/app@refs/tags/v1");
        assert!(r
            .apply(&claims(
                json!({"repository": "vendor/app", "ref": "refs/heads/main"})
            ))
            .is_err());
        assert!(r
            .apply(&claims(
                json!({"repository": ["vendor/app"], "ref": "refs/tags/v1"})
            ))
            .is_err());
        assert!(r.apply(&claims(json!({"ref": "refs/tags/v1"}))).is_err());

        let dev = rule(
            &[
                ("email_verified", ClaimMatch::Bool(true)),
                ("email", ClaimMatch::Pattern("*@vendor.example".into())),
            ],
            "{email}",
        );
        assert!(dev
            .apply(&claims(
                json!({"email": "a@vendor.example", "email_verified": true})
            ))
            .is_ok());
        assert!(dev
            .apply(&claims(
                json!({"email": "a@vendor.example", "email_verified": "true"})
            ))
            .is_err());
        assert!(dev
            .apply(&claims(
                json!({"email": "a@vendor.example", "email_verified": false})
            ))
            .is_err());
        assert!(dev
            .apply(&claims(
                json!({"email": "a@evil.example", "email_verified": true})
            ))
            .is_err());

        let both = [r, dev];
        assert_eq!(
            first_match(
                &both,
                &claims(json!({"email": "b@vendor.example", "email_verified": true}))
            )
            .unwrap()
            .identity,
            "b@vendor.example"
        );
        assert!(first_match(&both, &claims(json!({}))).is_err());
    }

    #[test]
    fn empty_rules_refused() {
        assert!(Rule::new(
            BTreeMap::new(),
            Template::parse("x").unwrap(),
            vec![],
            Duration::from_secs(1)
        )
        .is_err());
    }
}
