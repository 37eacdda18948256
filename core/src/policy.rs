//! The trust policy: which keys may sign or certify, for which identities, subjects and versions,
//! what is revoked, what time it is, and how many signers are required.

use heapless::{String, Vec};

use crate::cert::{MAX_CERT_ID_LEN, MAX_CHAIN_LEN, MAX_NAME_LEN};
use crate::envelope::{MAX_IDENTITY_LEN, MAX_SUBJECT_LEN};
use crate::key::{KeyId, PublicKey};
use crate::Error;

/// How many keys (direct keys and roots) one policy can trust.
pub const MAX_TRUSTED_KEYS: usize = 8;
/// How many identity and subject patterns (and root names) one policy can hold in all.
pub const MAX_POLICY_PATTERNS: usize = 32;
/// How many bytes of pattern text one policy can hold in all.
pub const MAX_POLICY_PATTERN_TEXT: usize = 1024;
/// How many key ids one policy can revoke.
pub const MAX_REVOKED_KEYS: usize = 16;
/// How many certificate ids one policy can revoke.
pub const MAX_REVOKED_CERTS: usize = 16;
/// The default longest certificate chain: root, intermediate, signing key (two certificates).
pub const DEFAULT_MAX_CHAIN_DEPTH: u8 = 2;
/// How many signers one signature set may hold, and the largest threshold.
pub const MAX_SIGNERS: usize = 8;

/// One trusted key: a direct signing key, a root that certifies signing keys, or both.
#[derive(Clone, Debug)]
pub struct TrustedKey {
    key: PublicKey,
    kid: KeyId,
    identity: Option<String<MAX_IDENTITY_LEN>>,
    may_sign: bool,
    may_certify: bool,
    may_timestamp: bool,
}

impl TrustedKey {
    /// The key.
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }
    /// The key's id.
    pub fn key_id(&self) -> KeyId {
        self.kid
    }
    /// The one exact identity the key is bound to, if it was trusted with
    /// [`TrustPolicy::trust_key_for_identity`].
    pub fn identity(&self) -> Option<&str> {
        self.identity.as_deref()
    }
    /// Whether the key may sign envelopes directly.
    pub fn may_sign(&self) -> bool {
        self.may_sign
    }
    /// Whether the key may certify other keys (a root).
    pub fn may_certify(&self) -> bool {
        self.may_certify
    }
    /// Whether the key may sign timestamp receipts (a timestamp authority).
    pub fn may_timestamp(&self) -> bool {
        self.may_timestamp
    }
}

/// What a pooled text of the policy is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TextUse {
    /// The name certificates issued by this root must carry as `iss`.
    Name,
    /// An identity pattern the entry's signers must match.
    Identity,
    /// A subject pattern the entry's signers may sign.
    Subject,
}

#[derive(Clone, Copy, Debug)]
struct Span {
    kid: KeyId,
    what: TextUse,
    start: u16,
    len: u16,
}

fn bounded<const N: usize>(s: &str) -> Result<String<N>, Error> {
    // An empty identity or subject would match an envelope that names none; refuse it.
    if s.is_empty() {
        return Err(Error::EmptyArgument);
    }
    String::try_from(s).map_err(|_| Error::ArgumentTooLong)
}

/// What a verifier accepts. Fixed size, no heap: it can live in a static, on a small stack, or
/// in a caller-allocated buffer.
///
/// Rules, all of which must hold (`docs/FORMAT.md`, "Trust policies", has the full list):
/// - the envelope is signed by a trusted key that may sign, or by a key certified through a
///   chain of at most [`max_chain_depth`](Self::max_chain_depth) certificates that ends at a
///   trusted key that may certify, each link narrowing scope and validity;
/// - no key or certificate on that path is revoked, and, when the policy knows the time, every
///   certificate and the envelope are valid now;
/// - the signer identity and the artifact's subject match the entry's patterns, if it has any,
///   and the policy's required identity and subject, if any;
/// - a timestamp receipt, if the envelope carries one (or the policy requires one), is signed by
///   a trusted timestamp key, names this envelope, and falls inside every certificate's
///   validity, which then need not hold now;
/// - if the policy has a minimum version, the envelope carries a version at least that;
/// - at least [`threshold`](Self::threshold) distinct trusted signers signed the artifact.
#[derive(Clone, Debug)]
pub struct TrustPolicy {
    keys: Vec<TrustedKey, MAX_TRUSTED_KEYS>,
    identity: Option<String<MAX_IDENTITY_LEN>>,
    identity_is_pattern: bool,
    subject: Option<String<MAX_SUBJECT_LEN>>,
    subject_is_pattern: bool,
    min_version: Option<u64>,
    text: String<MAX_POLICY_PATTERN_TEXT>,
    spans: Vec<Span, MAX_POLICY_PATTERNS>,
    revoked_keys: Vec<KeyId, MAX_REVOKED_KEYS>,
    revoked_certs: Vec<Vec<u8, MAX_CERT_ID_LEN>, MAX_REVOKED_CERTS>,
    max_chain_depth: u8,
    now: Option<u64>,
    threshold: u8,
    distinct_identities: bool,
    require_timestamp: bool,
}

impl Default for TrustPolicy {
    fn default() -> Self {
        TrustPolicy::new()
    }
}

impl TrustPolicy {
    /// An empty policy, which trusts nothing.
    pub const fn new() -> TrustPolicy {
        TrustPolicy {
            keys: Vec::new(),
            identity: None,
            identity_is_pattern: false,
            subject: None,
            subject_is_pattern: false,
            min_version: None,
            text: String::new(),
            spans: Vec::new(),
            revoked_keys: Vec::new(),
            revoked_certs: Vec::new(),
            max_chain_depth: DEFAULT_MAX_CHAIN_DEPTH,
            now: None,
            threshold: 1,
            distinct_identities: false,
            require_timestamp: false,
        }
    }

    /// Trusts `key` to sign envelopes directly, for any identity.
    pub fn trust_key(&mut self, key: PublicKey) -> Result<&mut Self, Error> {
        self.push(key, None, true, false, false)
    }

    /// Trusts `key` to sign directly, only envelopes whose `iss` is exactly `identity`.
    pub fn trust_key_for_identity(
        &mut self,
        key: PublicKey,
        identity: &str,
    ) -> Result<&mut Self, Error> {
        let id = bounded(identity)?;
        self.push(key, Some(id), true, false, false)
    }

    /// Trusts `key` as a root that certifies signing keys (and does not sign directly). If
    /// `name` is given, the certificates it issues must carry it as their issuer (`iss`).
    pub fn trust_root(&mut self, key: PublicKey, name: Option<&str>) -> Result<&mut Self, Error> {
        self.trust_entry(key, false, true, name)
    }

    /// Trusts `key` with explicit rights: to sign directly, to certify, or both (at least one).
    pub fn trust_entry(
        &mut self,
        key: PublicKey,
        may_sign: bool,
        may_certify: bool,
        name: Option<&str>,
    ) -> Result<&mut Self, Error> {
        if !may_sign && !may_certify {
            return Err(Error::EmptyArgument);
        }
        if let Some(n) = name {
            self.check_text(n)?;
        }
        self.push(key, None, may_sign, may_certify, false)?;
        if let Some(n) = name {
            self.add_text(key.key_id(), TextUse::Name, n)?;
        }
        Ok(self)
    }

    /// Trusts `key` to sign timestamp receipts. If `key` is already trusted (say, as the root of
    /// a keyless issuer that also timestamps), that entry gains the right; otherwise a new entry
    /// that may only timestamp is added.
    pub fn trust_timestamp_key(&mut self, key: PublicKey) -> Result<&mut Self, Error> {
        let kid = key.key_id();
        if let Some(entry) = self.keys.iter_mut().find(|k| k.kid == kid) {
            if entry.key != key {
                return Err(Error::DuplicateKey);
            }
            entry.may_timestamp = true;
            return Ok(self);
        }
        self.push(key, None, false, false, true)
    }

    /// Requires every counted signer's envelope to carry a timestamp receipt from a trusted
    /// timestamp key (keyless signing: the certificates are minutes long, the receipt proves
    /// the signature was made inside them).
    pub fn require_timestamp(&mut self) -> &mut Self {
        self.require_timestamp = true;
        self
    }

    fn push(
        &mut self,
        key: PublicKey,
        identity: Option<String<MAX_IDENTITY_LEN>>,
        may_sign: bool,
        may_certify: bool,
        may_timestamp: bool,
    ) -> Result<&mut Self, Error> {
        let kid = key.key_id();
        // Key ids must be unique so that a kid selects exactly one key.
        if self.keys.iter().any(|k| k.kid == kid) {
            return Err(Error::DuplicateKey);
        }
        self.keys
            .push(TrustedKey {
                key,
                kid,
                identity,
                may_sign,
                may_certify,
                may_timestamp,
            })
            .map_err(|_| Error::TooManyKeys)?;
        Ok(self)
    }

    fn check_text(&self, s: &str) -> Result<(), Error> {
        if s.is_empty() {
            return Err(Error::EmptyArgument);
        }
        if s.len() > MAX_NAME_LEN {
            return Err(Error::ArgumentTooLong);
        }
        if self.spans.is_full() || self.text.len() + s.len() > MAX_POLICY_PATTERN_TEXT {
            return Err(Error::PolicyFull);
        }
        Ok(())
    }

    fn add_text(&mut self, kid: KeyId, what: TextUse, s: &str) -> Result<(), Error> {
        self.check_text(s)?;
        let start = self.text.len();
        self.text.push_str(s).map_err(|_| Error::PolicyFull)?;
        self.spans
            .push(Span {
                kid,
                what,
                start: start as u16,
                len: s.len() as u16,
            })
            .map_err(|_| Error::PolicyFull)
    }

    fn texts(&self, kid: KeyId, what: TextUse) -> impl Iterator<Item = &str> + Clone + '_ {
        self.spans
            .iter()
            .filter(move |s| s.kid == kid && s.what == what)
            .filter_map(|s| {
                let start = usize::from(s.start);
                self.text.get(start..start + usize::from(s.len))
            })
    }

    fn entry(&self, kid: KeyId) -> Result<&TrustedKey, Error> {
        self.find(kid).ok_or(Error::UntrustedKey)
    }

    /// Allows the signers trusted through `kid` (its own signatures, or keys it certifies) only
    /// identities matching one of the patterns given this way (a pattern is exact text, or text
    /// ending in `*` matching any string with that prefix).
    pub fn allow_identity(&mut self, kid: KeyId, pattern: &str) -> Result<&mut Self, Error> {
        self.entry(kid)?;
        self.add_text(kid, TextUse::Identity, pattern)?;
        Ok(self)
    }

    /// Allows the signers trusted through `kid` to sign only artifacts whose subject matches
    /// one of the patterns given this way.
    pub fn allow_subject(&mut self, kid: KeyId, pattern: &str) -> Result<&mut Self, Error> {
        self.entry(kid)?;
        self.add_text(kid, TextUse::Subject, pattern)?;
        Ok(self)
    }

    /// Requires the signer identity to be exactly `identity`, whichever key signed.
    pub fn require_identity(&mut self, identity: &str) -> Result<&mut Self, Error> {
        self.identity = Some(bounded(identity)?);
        self.identity_is_pattern = false;
        Ok(self)
    }

    /// Requires the signer identity to match `pattern`.
    pub fn require_identity_pattern(&mut self, pattern: &str) -> Result<&mut Self, Error> {
        self.identity = Some(bounded(pattern)?);
        self.identity_is_pattern = true;
        Ok(self)
    }

    /// Requires the envelope's `sub` to be exactly `subject`.
    pub fn require_subject(&mut self, subject: &str) -> Result<&mut Self, Error> {
        self.subject = Some(bounded(subject)?);
        self.subject_is_pattern = false;
        Ok(self)
    }

    /// Requires the envelope's `sub` to match `pattern`.
    pub fn require_subject_pattern(&mut self, pattern: &str) -> Result<&mut Self, Error> {
        self.subject = Some(bounded(pattern)?);
        self.subject_is_pattern = true;
        Ok(self)
    }

    /// Requires a release version of at least `min` (anti-rollback).
    pub fn require_min_version(&mut self, min: u64) -> &mut Self {
        self.min_version = Some(min);
        self
    }

    /// Rejects every path through the key with this id (signing key, certified key or root).
    pub fn revoke_key(&mut self, kid: KeyId) -> Result<&mut Self, Error> {
        if !self.revoked_keys.contains(&kid) {
            self.revoked_keys.push(kid).map_err(|_| Error::PolicyFull)?;
        }
        Ok(self)
    }

    /// Rejects every chain holding the certificate with this id (`cti`).
    pub fn revoke_certificate(&mut self, id: &[u8]) -> Result<&mut Self, Error> {
        if id.is_empty() {
            return Err(Error::EmptyArgument);
        }
        let id = Vec::from_slice(id).map_err(|_| Error::ArgumentTooLong)?;
        if !self.revoked_certs.contains(&id) {
            self.revoked_certs.push(id).map_err(|_| Error::PolicyFull)?;
        }
        Ok(self)
    }

    /// Sets the longest certificate chain accepted, 1 to [`MAX_CHAIN_LEN`] (default 2).
    pub fn set_max_chain_depth(&mut self, depth: u8) -> Result<&mut Self, Error> {
        if depth == 0 {
            return Err(Error::EmptyArgument);
        }
        if usize::from(depth) > MAX_CHAIN_LEN {
            return Err(Error::ArgumentTooLong);
        }
        self.max_chain_depth = depth;
        Ok(self)
    }

    /// Gives the verifier the current time (seconds since the Unix epoch), so that it checks
    /// certificate validity and envelope expiry. Without it those checks are skipped, and the
    /// verified facts say so.
    pub fn set_time(&mut self, now: u64) -> &mut Self {
        self.now = Some(now);
        self
    }

    /// Requires at least `k` (1 to [`MAX_SIGNERS`]) distinct trusted signers; distinct keys,
    /// and if `distinct_identities`, distinct identities too.
    pub fn require_signers(
        &mut self,
        k: u8,
        distinct_identities: bool,
    ) -> Result<&mut Self, Error> {
        if k == 0 {
            return Err(Error::EmptyArgument);
        }
        if usize::from(k) > MAX_SIGNERS {
            return Err(Error::ArgumentTooLong);
        }
        self.threshold = k;
        self.distinct_identities = distinct_identities;
        Ok(self)
    }

    /// The trusted keys.
    pub fn keys(&self) -> &[TrustedKey] {
        &self.keys
    }
    /// The required identity (exact or pattern, see [`identity_is_pattern`](Self::identity_is_pattern)), if any.
    pub fn required_identity(&self) -> Option<&str> {
        self.identity.as_deref()
    }
    /// Whether the required identity is a pattern.
    pub fn identity_is_pattern(&self) -> bool {
        self.identity_is_pattern
    }
    /// The required subject (exact or pattern), if any.
    pub fn required_subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }
    /// Whether the required subject is a pattern.
    pub fn subject_is_pattern(&self) -> bool {
        self.subject_is_pattern
    }
    /// The minimum version, if any.
    pub fn min_version(&self) -> Option<u64> {
        self.min_version
    }
    /// The name certificates issued by the key `kid` must carry, if any.
    pub fn root_name(&self, kid: KeyId) -> Option<&str> {
        self.texts(kid, TextUse::Name).next()
    }
    /// The identity patterns of the entry `kid`.
    pub fn allowed_identities(&self, kid: KeyId) -> impl Iterator<Item = &str> + Clone + '_ {
        self.texts(kid, TextUse::Identity)
    }
    /// The subject patterns of the entry `kid`.
    pub fn allowed_subjects(&self, kid: KeyId) -> impl Iterator<Item = &str> + Clone + '_ {
        self.texts(kid, TextUse::Subject)
    }
    /// The revoked key ids.
    pub fn revoked_keys(&self) -> &[KeyId] {
        &self.revoked_keys
    }
    /// Whether the certificate id `id` is revoked.
    pub fn is_certificate_revoked(&self, id: &[u8]) -> bool {
        self.revoked_certs.iter().any(|r| r.as_slice() == id)
    }
    /// The revoked certificate ids.
    pub fn revoked_certificates(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.revoked_certs.iter().map(|r| r.as_slice())
    }
    /// The longest certificate chain accepted.
    pub fn max_chain_depth(&self) -> u8 {
        self.max_chain_depth
    }
    /// The current time, if the verifier was given one.
    pub fn time(&self) -> Option<u64> {
        self.now
    }
    /// How many distinct trusted signers are required.
    pub fn threshold(&self) -> u8 {
        self.threshold
    }
    /// Whether the required signers must have distinct identities.
    pub fn distinct_identities(&self) -> bool {
        self.distinct_identities
    }
    /// Whether every signer must carry a trusted timestamp receipt.
    pub fn timestamp_required(&self) -> bool {
        self.require_timestamp
    }

    pub(crate) fn find(&self, kid: KeyId) -> Option<&TrustedKey> {
        self.keys.iter().find(|k| k.kid == kid)
    }

    /// Replaces the key of the entry `old` by `new`, keeping its rights and patterns.
    pub(crate) fn replace_key(&mut self, old: KeyId, new: PublicKey) -> Result<(), Error> {
        let new_kid = new.key_id();
        if self.find(new_kid).is_some() {
            return Err(Error::DuplicateKey);
        }
        let entry = self
            .keys
            .iter_mut()
            .find(|k| k.kid == old)
            .ok_or(Error::UntrustedKey)?;
        entry.key = new;
        entry.kid = new_kid;
        for s in self.spans.iter_mut().filter(|s| s.kid == old) {
            s.kid = new_kid;
        }
        Ok(())
    }
}

/// A [`TrustPolicy`] under construction whose errors are sticky: the first failed call is
/// recorded, every later call is ignored and returns that error, and [`policy`](Self::policy)
/// returns it instead of a policy.
///
/// Bindings whose callers may ignore a return value (C) build their policy with this, so that a
/// failed `require_identity` can never leave a weaker policy in force: a verifier started with a
/// failed builder fails with the builder's error.
///
/// ```
/// use sealkit::{Error, PolicyBuilder};
///
/// let mut builder = PolicyBuilder::new();
/// // A failure the caller ignores ...
/// let _ = builder.require_identity("");
/// // ... is not forgotten: later calls are refused and no policy comes out.
/// assert_eq!(builder.require_subject("app").map(|_| ()), Err(Error::EmptyArgument));
/// assert_eq!(builder.policy().map(|_| ()), Err(Error::EmptyArgument));
/// ```
#[derive(Clone, Debug, Default)]
pub struct PolicyBuilder {
    policy: TrustPolicy,
    error: Option<Error>,
}

impl PolicyBuilder {
    /// A builder for an empty policy (which trusts nothing), not failed.
    pub const fn new() -> PolicyBuilder {
        PolicyBuilder {
            policy: TrustPolicy::new(),
            error: None,
        }
    }

    fn apply(
        &mut self,
        f: impl FnOnce(&mut TrustPolicy) -> Result<(), Error>,
    ) -> Result<&mut Self, Error> {
        if let Some(e) = self.error {
            return Err(e);
        }
        match f(&mut self.policy) {
            Ok(()) => Ok(self),
            Err(e) => Err(self.fail(e)),
        }
    }

    /// [`TrustPolicy::trust_key`], unless the builder has failed.
    pub fn trust_key(&mut self, key: PublicKey) -> Result<&mut Self, Error> {
        self.apply(|p| p.trust_key(key).map(|_| ()))
    }

    /// [`TrustPolicy::trust_key_for_identity`], unless the builder has failed.
    pub fn trust_key_for_identity(
        &mut self,
        key: PublicKey,
        identity: &str,
    ) -> Result<&mut Self, Error> {
        self.apply(|p| p.trust_key_for_identity(key, identity).map(|_| ()))
    }

    /// [`TrustPolicy::require_identity`], unless the builder has failed.
    pub fn require_identity(&mut self, identity: &str) -> Result<&mut Self, Error> {
        self.apply(|p| p.require_identity(identity).map(|_| ()))
    }

    /// [`TrustPolicy::require_subject`], unless the builder has failed.
    pub fn require_subject(&mut self, subject: &str) -> Result<&mut Self, Error> {
        self.apply(|p| p.require_subject(subject).map(|_| ()))
    }

    /// [`TrustPolicy::require_min_version`], unless the builder has failed.
    pub fn require_min_version(&mut self, min: u64) -> Result<&mut Self, Error> {
        self.apply(|p| {
            p.require_min_version(min);
            Ok(())
        })
    }

    /// [`TrustPolicy::trust_root`], unless the builder has failed.
    pub fn trust_root(&mut self, key: PublicKey, name: Option<&str>) -> Result<&mut Self, Error> {
        self.apply(|p| p.trust_root(key, name).map(|_| ()))
    }

    /// [`TrustPolicy::trust_entry`], unless the builder has failed.
    pub fn trust_entry(
        &mut self,
        key: PublicKey,
        may_sign: bool,
        may_certify: bool,
        name: Option<&str>,
    ) -> Result<&mut Self, Error> {
        self.apply(|p| p.trust_entry(key, may_sign, may_certify, name).map(|_| ()))
    }

    /// [`TrustPolicy::allow_identity`], unless the builder has failed.
    pub fn allow_identity(&mut self, kid: KeyId, pattern: &str) -> Result<&mut Self, Error> {
        self.apply(|p| p.allow_identity(kid, pattern).map(|_| ()))
    }

    /// [`TrustPolicy::allow_subject`], unless the builder has failed.
    pub fn allow_subject(&mut self, kid: KeyId, pattern: &str) -> Result<&mut Self, Error> {
        self.apply(|p| p.allow_subject(kid, pattern).map(|_| ()))
    }

    /// [`TrustPolicy::require_identity_pattern`], unless the builder has failed.
    pub fn require_identity_pattern(&mut self, pattern: &str) -> Result<&mut Self, Error> {
        self.apply(|p| p.require_identity_pattern(pattern).map(|_| ()))
    }

    /// [`TrustPolicy::require_subject_pattern`], unless the builder has failed.
    pub fn require_subject_pattern(&mut self, pattern: &str) -> Result<&mut Self, Error> {
        self.apply(|p| p.require_subject_pattern(pattern).map(|_| ()))
    }

    /// [`TrustPolicy::revoke_key`], unless the builder has failed.
    pub fn revoke_key(&mut self, kid: KeyId) -> Result<&mut Self, Error> {
        self.apply(|p| p.revoke_key(kid).map(|_| ()))
    }

    /// [`TrustPolicy::revoke_certificate`], unless the builder has failed.
    pub fn revoke_certificate(&mut self, id: &[u8]) -> Result<&mut Self, Error> {
        self.apply(|p| p.revoke_certificate(id).map(|_| ()))
    }

    /// [`TrustPolicy::set_max_chain_depth`], unless the builder has failed.
    pub fn set_max_chain_depth(&mut self, depth: u8) -> Result<&mut Self, Error> {
        self.apply(|p| p.set_max_chain_depth(depth).map(|_| ()))
    }

    /// [`TrustPolicy::set_time`], unless the builder has failed.
    pub fn set_time(&mut self, now: u64) -> Result<&mut Self, Error> {
        self.apply(|p| {
            p.set_time(now);
            Ok(())
        })
    }

    /// [`TrustPolicy::require_signers`], unless the builder has failed.
    pub fn require_signers(
        &mut self,
        k: u8,
        distinct_identities: bool,
    ) -> Result<&mut Self, Error> {
        self.apply(|p| p.require_signers(k, distinct_identities).map(|_| ()))
    }

    /// [`TrustPolicy::trust_timestamp_key`], unless the builder has failed.
    pub fn trust_timestamp_key(&mut self, key: PublicKey) -> Result<&mut Self, Error> {
        self.apply(|p| p.trust_timestamp_key(key).map(|_| ()))
    }

    /// [`TrustPolicy::require_timestamp`], unless the builder has failed.
    pub fn require_timestamp(&mut self) -> Result<&mut Self, Error> {
        self.apply(|p| {
            p.require_timestamp();
            Ok(())
        })
    }

    /// [`TrustPolicy::apply_rotation`], unless the builder has failed.
    pub fn apply_rotation(&mut self, statement: &[u8]) -> Result<KeyId, Error> {
        let mut kid = KeyId([0; 8]);
        self.apply(|p| {
            kid = p.apply_rotation(statement)?;
            Ok(())
        })?;
        Ok(kid)
    }

    /// Replaces the whole policy by a compiled one ([`TrustPolicy::from_cbor`]), unless the
    /// builder has failed.
    pub fn load_cbor(&mut self, bytes: &[u8]) -> Result<&mut Self, Error> {
        self.apply(|p| {
            *p = TrustPolicy::from_cbor(bytes)?;
            Ok(())
        })
    }

    /// Records `error` as a failure of this builder, unless an earlier one is recorded, and
    /// returns the recorded (first) error. For failures found while preparing an argument
    /// (a public key that does not parse, text that is not UTF-8), so that they are sticky too.
    pub fn fail(&mut self, error: Error) -> Error {
        *self.error.get_or_insert(error)
    }

    /// The first error, if a call failed.
    pub fn error(&self) -> Option<Error> {
        self.error
    }

    /// The policy built so far, or the first error if any call failed.
    pub fn policy(&self) -> Result<&TrustPolicy, Error> {
        match self.error {
            Some(e) => Err(e),
            None => Ok(&self.policy),
        }
    }
}
