//! The trust policy: which keys may sign, for which identities, subjects and versions.

use heapless::{String, Vec};

use crate::envelope::{MAX_IDENTITY_LEN, MAX_SUBJECT_LEN};
use crate::key::{KeyId, PublicKey};
use crate::Error;

/// How many keys one policy can trust.
pub const MAX_TRUSTED_KEYS: usize = 8;

/// One trusted key, optionally bound to the only identity it may sign as.
#[derive(Clone, Debug)]
pub struct TrustedKey {
    key: PublicKey,
    kid: KeyId,
    identity: Option<String<MAX_IDENTITY_LEN>>,
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
    /// The identity the key is bound to, if any.
    pub fn identity(&self) -> Option<&str> {
        self.identity.as_deref()
    }
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
/// Rules, all of which must hold:
/// - the envelope's key id names one of the trusted keys, and the signature verifies under it;
/// - if that key is bound to an identity, the envelope's `iss` equals it;
/// - if the policy requires an identity, the envelope's `iss` equals it;
/// - if the policy requires a subject, the envelope's `sub` equals it;
/// - if the policy has a minimum version, the envelope carries a version at least that.
#[derive(Clone, Debug, Default)]
pub struct TrustPolicy {
    keys: Vec<TrustedKey, MAX_TRUSTED_KEYS>,
    identity: Option<String<MAX_IDENTITY_LEN>>,
    subject: Option<String<MAX_SUBJECT_LEN>>,
    min_version: Option<u64>,
}

impl TrustPolicy {
    /// An empty policy, which trusts nothing.
    pub const fn new() -> TrustPolicy {
        TrustPolicy {
            keys: Vec::new(),
            identity: None,
            subject: None,
            min_version: None,
        }
    }

    /// Trusts `key` for any identity.
    pub fn trust_key(&mut self, key: PublicKey) -> Result<&mut Self, Error> {
        self.push(key, None)
    }

    /// Trusts `key` only for envelopes whose `iss` is exactly `identity`.
    pub fn trust_key_for_identity(
        &mut self,
        key: PublicKey,
        identity: &str,
    ) -> Result<&mut Self, Error> {
        let id = bounded(identity)?;
        self.push(key, Some(id))
    }

    fn push(
        &mut self,
        key: PublicKey,
        identity: Option<String<MAX_IDENTITY_LEN>>,
    ) -> Result<&mut Self, Error> {
        let kid = key.key_id();
        // Key ids must be unique so that a kid selects exactly one key.
        if self.keys.iter().any(|k| k.kid == kid) {
            return Err(Error::DuplicateKey);
        }
        self.keys
            .push(TrustedKey { key, kid, identity })
            .map_err(|_| Error::TooManyKeys)?;
        Ok(self)
    }

    /// Requires the envelope's `iss` to be exactly `identity`, whichever key signed.
    pub fn require_identity(&mut self, identity: &str) -> Result<&mut Self, Error> {
        self.identity = Some(bounded(identity)?);
        Ok(self)
    }

    /// Requires the envelope's `sub` to be exactly `subject`.
    pub fn require_subject(&mut self, subject: &str) -> Result<&mut Self, Error> {
        self.subject = Some(bounded(subject)?);
        Ok(self)
    }

    /// Requires a release version of at least `min` (anti-rollback).
    pub fn require_min_version(&mut self, min: u64) -> &mut Self {
        self.min_version = Some(min);
        self
    }

    /// The trusted keys.
    pub fn keys(&self) -> &[TrustedKey] {
        &self.keys
    }
    /// The required identity, if any.
    pub fn required_identity(&self) -> Option<&str> {
        self.identity.as_deref()
    }
    /// The required subject, if any.
    pub fn required_subject(&self) -> Option<&str> {
        self.subject.as_deref()
    }
    /// The minimum version, if any.
    pub fn min_version(&self) -> Option<u64> {
        self.min_version
    }

    pub(crate) fn find(&self, kid: KeyId) -> Option<&TrustedKey> {
        self.keys.iter().find(|k| k.kid == kid)
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
