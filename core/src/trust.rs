//! Who signed: checks one envelope's signer against a trust policy, through its certificate
//! chain if it carries one. The rules and their order are in `docs/FORMAT.md`, "Verifying a
//! signer"; each rule names the error it fails with.

use heapless::String;

use crate::cert::{check_sign1, parse_chain, Certificate, Chain};
use crate::envelope::{Envelope, MAX_IDENTITY_LEN};
use crate::key::KeyId;
use crate::pattern::{pattern_covers, pattern_matches};
use crate::policy::{TrustPolicy, TrustedKey};
use crate::timestamp::{digest_of, TimestampReceipt};
use crate::Error;

/// One signer whose signature, chain and policy rules all held.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signer {
    key_id: KeyId,
    identity: Option<String<MAX_IDENTITY_LEN, u8>>,
    root: Option<KeyId>,
    depth: u8,
    // The time as bytes keeps `Signer` byte-aligned and small: eight of them live in every
    // verifier, whose size the C binding fixes.
    timestamp: Option<(KeyId, [u8; 8])>,
}

impl Signer {
    /// The id of the key that signed the envelope (a trusted key, or the certified leaf key).
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }
    /// The signer identity: the leaf certificate's `sub`, or for a directly trusted key the
    /// envelope's `iss`, if any.
    pub fn identity(&self) -> Option<&str> {
        self.identity.as_deref()
    }
    /// The trusted root the chain ends at; `None` for a directly trusted key.
    pub fn root_key_id(&self) -> Option<KeyId> {
        self.root
    }
    /// How many certificates the chain held (0 for a directly trusted key).
    pub fn chain_depth(&self) -> u8 {
        self.depth
    }
    /// When a trusted timestamp authority saw the envelope (seconds since the Unix epoch), if
    /// it carried a receipt; the chain's validity was checked at this time.
    pub fn timestamp(&self) -> Option<u64> {
        self.timestamp.map(|(_, t)| u64::from_le_bytes(t))
    }
    /// The id of the timestamp key that signed the receipt, if any.
    pub fn timestamp_key_id(&self) -> Option<KeyId> {
        self.timestamp.map(|(k, _)| k)
    }
}

/// Scope narrowing: if `outer` restricts subjects, `inner` must too, within it.
fn narrows<'s>(outer: impl Iterator<Item = &'s str> + Clone, inner: &[&str]) -> Result<(), Error> {
    if outer.clone().next().is_none() {
        return Ok(());
    }
    if inner.is_empty()
        || !inner
            .iter()
            .all(|q| outer.clone().any(|p| pattern_covers(p, q)))
    {
        return Err(Error::ScopeWidened);
    }
    Ok(())
}

/// Walks the chain from the top, checking every link; returns the trusted root entry.
fn check_chain<'p>(chain: &Chain<'_>, policy: &'p TrustPolicy) -> Result<&'p TrustedKey, Error> {
    if chain.len() > usize::from(policy.max_chain_depth()) {
        return Err(Error::ChainTooDeep);
    }
    let top = chain.last().ok_or(Error::BadCertificate)?;
    let root = policy
        .find(top.unverified_issuer_kid())
        .ok_or(Error::UnknownIssuer)?;
    if !root.may_certify() {
        return Err(Error::NotACertifier);
    }
    if let Some(name) = policy.root_name(root.key_id()) {
        if top.unverified_issuer() != name {
            return Err(Error::UnknownIssuer);
        }
    }
    if !top.is_signed_by(root.public_key()) {
        return Err(Error::BadCertificateSignature);
    }
    narrows(
        policy.allowed_subjects(root.key_id()),
        top.unverified_scope(),
    )?;
    // Downwards: `upper` certified the key that signed `lower`; `below` certificates follow
    // `upper` in the chain.
    for below in (1..chain.len()).rev() {
        let (Some(upper), Some(lower)) = (chain.get(below), chain.get(below - 1)) else {
            return Err(Error::BadCertificate);
        };
        check_link(upper, lower, below)?;
    }
    Ok(root)
}

fn check_link(upper: &Certificate<'_>, lower: &Certificate<'_>, below: usize) -> Result<(), Error> {
    if lower.unverified_issuer_kid() != upper.unverified_key().key_id()
        || lower.unverified_issuer() != upper.unverified_subject()
    {
        return Err(Error::UnknownIssuer);
    }
    match upper.unverified_ca() {
        None => return Err(Error::NotACertifier),
        Some(ca) if usize::from(ca) < below => return Err(Error::ChainTooDeep),
        Some(ca) => {
            if lower.unverified_ca().is_some_and(|l| l >= ca) {
                return Err(Error::ScopeWidened);
            }
        }
    }
    if !lower.is_signed_by(upper.unverified_key()) {
        return Err(Error::BadCertificateSignature);
    }
    if lower.unverified_not_before() < upper.unverified_not_before()
        || lower.unverified_expires() > upper.unverified_expires()
    {
        return Err(Error::ValidityWidened);
    }
    narrows(
        upper.unverified_scope().iter().copied(),
        lower.unverified_scope(),
    )
}

/// Checks a timestamp receipt: a trusted, unrevoked timestamp key signed it, and it names this
/// envelope. Returns that key's id and the time it vouches for.
fn check_receipt(
    raw: &[u8],
    env: &Envelope<'_>,
    policy: &TrustPolicy,
) -> Result<(KeyId, u64), Error> {
    let receipt = TimestampReceipt::parse(raw)?;
    let kid = receipt.unverified_kid();
    let tsa = policy
        .find(kid)
        .filter(|k| k.may_timestamp())
        .ok_or(Error::UntrustedTimestampKey)?;
    if !receipt.is_signed_by(tsa.public_key()) {
        return Err(Error::BadTimestampSignature);
    }
    if policy.revoked_keys().contains(&kid) {
        return Err(Error::KeyRevoked);
    }
    if receipt.unverified_digest() != &digest_of(env) {
        return Err(Error::TimestampDigestMismatch);
    }
    Ok((kid, receipt.unverified_time()))
}

fn copy_identity(s: &str) -> Result<String<MAX_IDENTITY_LEN, u8>, Error> {
    String::try_from(s).map_err(|_| Error::FieldTooLong)
}

/// Checks the signer of one envelope: its signature, its chain if any, revocation, time and
/// every identity and subject rule of `policy`. The threshold is the caller's business.
// Not inlined: its chain and certificates live only while it runs (stack on microcontrollers).
#[inline(never)]
pub fn check_signer(env: &Envelope<'_>, policy: &TrustPolicy) -> Result<Signer, Error> {
    let kid = env.unverified_kid();
    let chain = match env.unverified_chain() {
        Some(raw) => parse_chain(raw)?,
        None => Chain::new(),
    };

    // Who vouches for the signing key, and the signature itself.
    let (entry, identity) = if let Some(leaf) = chain.first() {
        let root = check_chain(&chain, policy)?;
        if leaf.unverified_key().key_id() != kid {
            return Err(Error::UntrustedKey);
        }
        if !check_sign1(
            leaf.unverified_key(),
            env.protected_bytes(),
            env.payload(),
            env.signature(),
        ) {
            return Err(Error::BadSignature);
        }
        let iat = env.unverified_issued_at();
        if iat < leaf.unverified_not_before() || iat >= leaf.unverified_expires() {
            return Err(Error::SignedOutsideValidity);
        }
        let identity = leaf.unverified_subject();
        if env.unverified_issuer().is_some_and(|iss| iss != identity) {
            return Err(Error::IdentityMismatch);
        }
        (root, Some(identity))
    } else {
        let entry = policy
            .find(kid)
            .filter(|e| e.may_sign())
            .ok_or(Error::UntrustedKey)?;
        if !check_sign1(
            entry.public_key(),
            env.protected_bytes(),
            env.payload(),
            env.signature(),
        ) {
            return Err(Error::BadSignature);
        }
        (entry, env.unverified_issuer())
    };

    // Revocation, anywhere on the path.
    let revoked = policy.revoked_keys();
    if revoked.contains(&kid)
        || revoked.contains(&entry.key_id())
        || chain
            .iter()
            .any(|c| revoked.contains(&c.unverified_key().key_id()))
    {
        return Err(Error::KeyRevoked);
    }
    if chain
        .iter()
        .any(|c| policy.is_certificate_revoked(c.unverified_id()))
    {
        return Err(Error::CertificateRevoked);
    }

    // Time. A trusted receipt proves when the signature existed: the chain must have been valid
    // then, whatever the time now (short-lived keyless certificates). Without one, the chain
    // must be valid now, when the verifier knows the time.
    let timestamp = match env.unverified_receipt() {
        Some(raw) => Some(check_receipt(raw, env, policy)?),
        None if policy.timestamp_required() => return Err(Error::TimestampMissing),
        None => None,
    };
    if let Some((_, at)) = timestamp {
        if chain
            .iter()
            .any(|c| at < c.unverified_not_before() || at >= c.unverified_expires())
        {
            return Err(Error::TimestampOutsideValidity);
        }
    } else if let Some(now) = policy.time() {
        for c in &chain {
            if now < c.unverified_not_before() {
                return Err(Error::CertificateNotYetValid);
            }
            if now >= c.unverified_expires() {
                return Err(Error::CertificateExpired);
            }
        }
    }
    // Expiry of the envelope itself (freeze attacks) is always against the time now.
    if let Some(now) = policy.time() {
        if env.unverified_expires().is_some_and(|exp| now >= exp) {
            return Err(Error::EnvelopeExpired);
        }
    }

    // Identity and subject rules of the entry, the chain and the policy.
    if let Some(bound) = entry.identity() {
        if identity != Some(bound) {
            return Err(Error::IdentityMismatch);
        }
    }
    let mut allowed = policy.allowed_identities(entry.key_id()).peekable();
    if allowed.peek().is_some() {
        let Some(id) = identity else {
            return Err(Error::IdentityMismatch);
        };
        if !allowed.any(|p| pattern_matches(p, id)) {
            return Err(Error::IdentityMismatch);
        }
    }
    let subject = env.unverified_subject();
    let mut subjects = policy.allowed_subjects(entry.key_id()).peekable();
    if subjects.peek().is_some() && !subjects.any(|p| pattern_matches(p, subject)) {
        return Err(Error::SubjectOutOfScope);
    }
    for c in &chain {
        let scope = c.unverified_scope();
        if !scope.is_empty() && !scope.iter().any(|p| pattern_matches(p, subject)) {
            return Err(Error::SubjectOutOfScope);
        }
    }
    if let Some(required) = policy.required_identity() {
        let ok = identity.is_some_and(|id| {
            if policy.identity_is_pattern() {
                pattern_matches(required, id)
            } else {
                id == required
            }
        });
        if !ok {
            return Err(Error::IdentityMismatch);
        }
    }
    if let Some(required) = policy.required_subject() {
        let ok = if policy.subject_is_pattern() {
            pattern_matches(required, subject)
        } else {
            subject == required
        };
        if !ok {
            return Err(Error::SubjectMismatch);
        }
    }
    if let Some(min) = policy.min_version() {
        match env.unverified_version() {
            None => return Err(Error::VersionMissing),
            Some(v) if v < min => return Err(Error::Rollback),
            Some(_) => {}
        }
    }

    Ok(Signer {
        key_id: kid,
        identity: identity.map(copy_identity).transpose()?,
        root: if chain.is_empty() {
            None
        } else {
            Some(entry.key_id())
        },
        depth: chain.len() as u8,
        timestamp: timestamp.map(|(k, t)| (k, t.to_le_bytes())),
    })
}
