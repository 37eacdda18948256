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
