//! `PublicKey` and `TrustPolicy`.

use std::sync::{Mutex, MutexGuard};

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString, PyTuple};

use crate::buffer::Bytes;
use crate::core_error;
use crate::trust;

/// Hex of `bytes`, lower case.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for nibble in [b >> 4, b & 15] {
            if let Some(&d) = DIGITS.get(usize::from(nibble)) {
                s.push(char::from(d));
            }
        }
    }
    s
}

/// `repr()` of an optional value, Python style.
pub(crate) fn opt<T: std::fmt::Debug>(v: Option<T>) -> String {
    v.map_or_else(|| "None".to_string(), |v| format!("{v:?}"))
}

/// An Ed25519 public key that sealkit accepts: a canonical encoding of a point that is not of
/// small order.
///
/// Make one with `PublicKey.from_text("sealkit-ed25519:...")` (the `.pub` file format) or
/// `PublicKey.from_bytes(raw32)`. Keys compare equal when their bytes are equal and can be
/// used in sets and as dict keys.
#[pyclass(frozen, eq, hash, module = "sealkit")]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PublicKey {
    pub(crate) key: sealkit::PublicKey,
}

#[pymethods]
impl PublicKey {
    /// Parses the text form `sealkit-ed25519:<base64>` (surrounding whitespace is ignored, so
    /// the contents of a `.pub` file can be passed as read).
    ///
    /// Raises `BadPublicKeyText` (504) for malformed text and `InvalidPublicKey` (500) for a
    /// key that is not a valid Ed25519 point or is of small order.
    #[staticmethod]
    fn from_text(py: Python<'_>, text: &str) -> PyResult<PublicKey> {
        sealkit::PublicKey::from_text(text)
            .map(|key| PublicKey { key })
            .map_err(|e| core_error(py, e))
    }

    /// A key from its 32 raw bytes (any bytes-like object). Raises `InvalidPublicKey` (500).
    #[staticmethod]
    fn from_bytes(py: Python<'_>, raw: &Bound<'_, PyAny>) -> PyResult<PublicKey> {
        let bytes = Bytes::get(raw)?;
        sealkit::PublicKey::from_bytes(bytes.as_slice())
            .map(|key| PublicKey { key })
            .map_err(|e| core_error(py, e))
    }

    /// The text form, `sealkit-ed25519:` and the standard padded base64 of the raw key (the
    /// line of a `.pub` file, without its newline).
    #[getter]
    fn text(&self) -> String {
        let mut buf = [0u8; sealkit::PUBLIC_KEY_TEXT_LEN];
        self.key.to_text(&mut buf).to_string()
    }

    /// The 32 raw key bytes.
    #[getter]
    fn raw<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, self.key.as_bytes())
    }

    /// The key id that envelopes carry: the first 8 bytes of SHA-256 of the raw key, as 16
    /// lower-case hex digits (as the CLI prints it and `Verified.key_id` reports it).
    #[getter]
    fn key_id(&self) -> String {
        hex(self.key.key_id().as_bytes())
    }

    fn __str__(&self) -> String {
        self.text()
    }

    fn __repr__(&self) -> String {
        format!("PublicKey.from_text({:?})", self.text())
    }
}

/// A public key from a `PublicKey`, a `str` in the text form, or 32 raw bytes (any bytes-like).
pub(crate) fn key_arg(key: &Bound<'_, PyAny>) -> PyResult<sealkit::PublicKey> {
    let py = key.py();
    if let Ok(k) = key.extract::<PyRef<'_, PublicKey>>() {
        return Ok(k.key);
    }
    if let Ok(s) = key.cast::<PyString>() {
        return sealkit::PublicKey::from_text(&s.to_cow()?).map_err(|e| core_error(py, e));
    }
    match Bytes::get(key) {
        Ok(bytes) => {
            sealkit::PublicKey::from_bytes(bytes.as_slice()).map_err(|e| core_error(py, e))
        }
        Err(_) => Err(PyTypeError::new_err(format!(
            "a key must be a sealkit.PublicKey, a 'sealkit-ed25519:' str or 32 bytes, not {}",
            key.get_type().name()?
        ))),
    }
}

/// What a verifier accepts: trusted keys (at most 8), each optionally bound to the one identity
/// it may sign as, plus optional rules on the signer identity, the subject and a minimum
/// release version (anti-rollback).
///
/// `TrustPolicy(keys=[...], identity=None, subject=None, min_version=None)`. Each item of
/// `keys` is a key (a `PublicKey`, a `sealkit-ed25519:` str, or 32 raw bytes) or a
/// `(key, identity)` pair binding the key to an identity. The builder methods (`trust_key`,
/// `require_identity`, `require_subject`, `require_min_version`) add to the policy and return
/// it, so they chain. Errors are raised where they happen: `InvalidPublicKey`,
/// `BadPublicKeyText`, `TooManyKeys`, `DuplicateKey`, `ArgumentTooLong`, `EmptyArgument`.
///
/// A `Verifier` copies the policy when it starts; changing the policy later does not affect
/// verifiers already made.
#[pyclass(frozen, module = "sealkit")]
#[derive(Debug)]
pub struct TrustPolicy {
    policy: Mutex<sealkit::TrustPolicy>,
}

impl TrustPolicy {
    fn lock(&self) -> MutexGuard<'_, sealkit::TrustPolicy> {
        // The core never panics while the lock is held; a poisoned lock still holds a policy
        // that every core call left consistent.
        self.policy.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wrap(policy: sealkit::TrustPolicy) -> TrustPolicy {
        TrustPolicy {
            policy: Mutex::new(policy),
        }
    }

    /// Runs one core call on the policy under its lock and returns `slf`, so that the
    /// builder methods chain; a core error becomes its exception class.
    fn apply<'py>(
        slf: Bound<'py, Self>,
        f: impl FnOnce(&mut sealkit::TrustPolicy) -> Result<(), sealkit::Error>,
    ) -> PyResult<Bound<'py, Self>> {
        let r = f(&mut slf.get().lock());
        r.map_err(|e| core_error(slf.py(), e))?;
        Ok(slf)
    }

    /// A copy of the policy as it is now.
    pub(crate) fn snapshot(&self) -> sealkit::TrustPolicy {
        self.lock().clone()
    }

    fn add_key(
        &self,
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        identity: Option<&str>,
    ) -> PyResult<()> {
        let key = key_arg(key)?;
        let mut policy = self.lock();
        let r = match identity {
            Some(id) => policy.trust_key_for_identity(key, id).map(|_| ()),
            None => policy.trust_key(key).map(|_| ()),
        };
        r.map_err(|e| core_error(py, e))
    }
}

#[pymethods]
impl TrustPolicy {
    #[new]
    #[pyo3(signature = (keys=None, *, identity=None, subject=None, min_version=None))]
    fn new(
        py: Python<'_>,
        keys: Option<&Bound<'_, PyAny>>,
        identity: Option<&str>,
        subject: Option<&str>,
        min_version: Option<u64>,
    ) -> PyResult<TrustPolicy> {
        let this = TrustPolicy {
            policy: Mutex::new(sealkit::TrustPolicy::new()),
        };
        if let Some(keys) = keys {
            if keys.is_instance_of::<PyString>() || keys.extract::<PyRef<'_, PublicKey>>().is_ok() {
                return Err(PyTypeError::new_err(
                    "keys must be an iterable of keys (or (key, identity) pairs), not a single key",
                ));
            }
            for item in keys.try_iter()? {
                let item = item?;
                if let Ok(pair) = item.cast::<PyTuple>() {
                    let (key, id): (Bound<'_, PyAny>, Option<String>) = pair.extract()?;
                    this.add_key(py, &key, id.as_deref())?;
                } else {
                    this.add_key(py, &item, None)?;
                }
            }
        }
        {
            let mut policy = this.lock();
            if let Some(id) = identity {
                policy.require_identity(id).map_err(|e| core_error(py, e))?;
            }
            if let Some(s) = subject {
                policy.require_subject(s).map_err(|e| core_error(py, e))?;
            }
            if let Some(v) = min_version {
                policy.require_min_version(v);
            }
        }
        Ok(this)
    }

    /// Trusts `key` (a `PublicKey`, `sealkit-ed25519:` str or 32 raw bytes); with `identity`,
    /// only for envelopes whose signer identity (`iss`) is exactly that. Returns the policy.
    #[pyo3(signature = (key, identity=None))]
    fn trust_key<'py>(
        slf: Bound<'py, Self>,
        key: &Bound<'py, PyAny>,
        identity: Option<&str>,
    ) -> PyResult<Bound<'py, Self>> {
        slf.get().add_key(slf.py(), key, identity)?;
        Ok(slf)
    }

    /// Requires the envelope's signer identity (`iss`) to be exactly `identity`. Returns the
    /// policy.
    fn require_identity<'py>(slf: Bound<'py, Self>, identity: &str) -> PyResult<Bound<'py, Self>> {
        Self::apply(slf, |p| p.require_identity(identity).map(|_| ()))
    }

    /// Requires the envelope's subject (`sub`, the artifact name) to be exactly `subject`.
    /// Returns the policy.
    fn require_subject<'py>(slf: Bound<'py, Self>, subject: &str) -> PyResult<Bound<'py, Self>> {
        Self::apply(slf, |p| p.require_subject(subject).map(|_| ()))
    }

    /// Requires a release version of at least `version` (anti-rollback); envelopes without a
    /// version are then refused (`VersionMissing`). Returns the policy.
    fn require_min_version(slf: Bound<'_, Self>, version: u64) -> Bound<'_, Self> {
        slf.get().lock().require_min_version(version);
        slf
    }

    /// A compiled trust policy (the CBOR of `sealkit policy compile`, loaded by the core as a
    /// device loads it). Raises `BadPolicy` (175) or the core's rule error.
    #[staticmethod]
    fn from_cbor(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<TrustPolicy> {
        let bytes = Bytes::get(data)?;
        Ok(TrustPolicy::wrap(trust::from_cbor(py, bytes.as_slice())?))
    }

    /// A policy from a file: a TOML trust file (checked and compiled by the same code as
    /// `sealkit policy compile`; key files it names are relative to its folder) or a compiled
    /// policy (`.cbor`, or any file starting with a CBOR map).
    #[staticmethod]
    fn from_file(py: Python<'_>, path: std::path::PathBuf) -> PyResult<TrustPolicy> {
        Ok(TrustPolicy::wrap(trust::from_file(py, &path)?))
    }

    /// A policy from the text of a TOML trust file; key files it names are relative to
    /// `base_dir` (default: the current directory).
    #[staticmethod]
    #[pyo3(signature = (text, base_dir=None))]
    fn from_toml(
        py: Python<'_>,
        text: &str,
        base_dir: Option<std::path::PathBuf>,
    ) -> PyResult<TrustPolicy> {
        let base = base_dir.unwrap_or_else(|| std::path::PathBuf::from("."));
        Ok(TrustPolicy::wrap(trust::from_toml(
            py, text, &base, "<toml>",
        )?))
    }

    /// Gives the policy the current time (seconds since the Unix epoch): certificate validity
    /// and envelope expiry are then checked (else skipped, and `Verified.time_checked` is
    /// False). Returns the policy.
    fn set_time(slf: Bound<'_, Self>, now: u64) -> Bound<'_, Self> {
        slf.get().lock().set_time(now);
        slf
    }

    /// Follows a signed rotation statement (bytes-like): the old root's entry now trusts the
    /// new root, with the same rights. Returns the new root's key id (hex).
    fn apply_rotation(&self, py: Python<'_>, statement: &Bound<'_, PyAny>) -> PyResult<String> {
        let bytes = Bytes::get(statement)?;
        let kid = self
            .lock()
            .apply_rotation(bytes.as_slice())
            .map_err(|e| core_error(py, e))?;
        Ok(hex(kid.as_bytes()))
    }

    /// Trusts `key` as a root: it may certify signing keys (certificate chains in the
    /// envelope's `kcwt` header), not sign artifacts; `name` is the `iss` its certificates
    /// carry. Returns the policy.
    #[pyo3(signature = (key, name=None))]
    fn trust_root<'py>(
        slf: Bound<'py, Self>,
        key: &Bound<'py, PyAny>,
        name: Option<&str>,
    ) -> PyResult<Bound<'py, Self>> {
        let key = key_arg(key)?;
        Self::apply(slf, |p| p.trust_root(key, name).map(|_| ()))
    }

    /// Trusts `key` (a `PublicKey`, `sealkit-ed25519:` str or 32 raw bytes) to sign timestamp
    /// receipts. If `key` is already trusted (say, as the root of a keyless issuer that also
    /// timestamps), that entry gains the right; otherwise an entry that may only timestamp is
    /// added. Returns the policy.
    fn trust_timestamp_key<'py>(
        slf: Bound<'py, Self>,
        key: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, Self>> {
        let key = key_arg(key)?;
        Self::apply(slf, |p| p.trust_timestamp_key(key).map(|_| ()))
    }

    /// Requires every counted signer's envelope to carry a timestamp receipt signed by a
    /// trusted timestamp key (`TimestampMissing` otherwise, with or without a time). Returns
    /// the policy.
    fn require_timestamp(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf.get().lock().require_timestamp();
        slf
    }

    /// Whether a timestamp receipt is required (`require_timestamp`, or the trust file's
    /// `[require] timestamp = true`).
    #[getter]
    fn timestamp_required(&self) -> bool {
        self.lock().timestamp_required()
    }

    /// Trusts `key` with explicit rights: `may_sign` (sign artifacts) and `may_certify` (issue
    /// key certificates); `name` as in `trust_root`. Returns the policy.
    #[pyo3(signature = (key, *, may_sign=true, may_certify=false, name=None))]
    fn trust_entry<'py>(
        slf: Bound<'py, Self>,
        key: &Bound<'py, PyAny>,
        may_sign: bool,
        may_certify: bool,
        name: Option<&str>,
    ) -> PyResult<Bound<'py, Self>> {
        let key = key_arg(key)?;
        Self::apply(slf, |p| {
            p.trust_entry(key, may_sign, may_certify, name).map(|_| ())
        })
    }

    /// Lets the trusted key `key_id` (16 hex digits, 8 bytes or a `PublicKey`) sign or certify
    /// only identities matching `pattern`. Returns the policy.
    fn allow_identity<'py>(
        slf: Bound<'py, Self>,
        key_id: &Bound<'py, PyAny>,
        pattern: &str,
    ) -> PyResult<Bound<'py, Self>> {
        let kid = trust::key_id_arg(key_id)?;
        Self::apply(slf, |p| p.allow_identity(kid, pattern).map(|_| ()))
    }

    /// Lets the trusted key `key_id` sign (or certify) only artifact subjects matching
    /// `pattern`. Returns the policy.
    fn allow_subject<'py>(
        slf: Bound<'py, Self>,
        key_id: &Bound<'py, PyAny>,
        pattern: &str,
    ) -> PyResult<Bound<'py, Self>> {
        let kid = trust::key_id_arg(key_id)?;
        Self::apply(slf, |p| p.allow_subject(kid, pattern).map(|_| ()))
    }

    /// Requires the signer identity to match `pattern`. Returns the policy.
    fn require_identity_pattern<'py>(
        slf: Bound<'py, Self>,
        pattern: &str,
    ) -> PyResult<Bound<'py, Self>> {
        Self::apply(slf, |p| p.require_identity_pattern(pattern).map(|_| ()))
    }

    /// Requires the artifact subject to match `pattern`. Returns the policy.
    fn require_subject_pattern<'py>(
        slf: Bound<'py, Self>,
        pattern: &str,
    ) -> PyResult<Bound<'py, Self>> {
        Self::apply(slf, |p| p.require_subject_pattern(pattern).map(|_| ()))
    }

    /// Revokes the key `key_id` anywhere in a chain (root, intermediate or signing key).
    /// Returns the policy.
    fn revoke_key<'py>(
        slf: Bound<'py, Self>,
        key_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, Self>> {
        let kid = trust::key_id_arg(key_id)?;
        Self::apply(slf, |p| p.revoke_key(kid).map(|_| ()))
    }

    /// Revokes the certificate whose id (`cti`) is `cert_id` (bytes-like, or a str taken as
    /// UTF-8). Returns the policy.
    fn revoke_certificate<'py>(
        slf: Bound<'py, Self>,
        cert_id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, Self>> {
        let id: Vec<u8> = match cert_id.cast::<PyString>() {
            Ok(s) => s.to_cow()?.as_bytes().to_vec(),
            Err(_) => Bytes::get(cert_id)?.as_slice().to_vec(),
        };
        Self::apply(slf, |p| p.revoke_certificate(&id).map(|_| ()))
    }

    /// Sets the longest certificate chain accepted (default 2). Returns the policy.
    fn set_max_chain_depth(slf: Bound<'_, Self>, depth: u8) -> PyResult<Bound<'_, Self>> {
        Self::apply(slf, |p| p.set_max_chain_depth(depth).map(|_| ()))
    }

    /// Requires `k` distinct trusted signers (k-of-n signature sets); with
    /// `distinct_identities`, their identities must differ too. Returns the policy.
    #[pyo3(signature = (k, *, distinct_identities=false))]
    fn require_signers(
        slf: Bound<'_, Self>,
        k: u8,
        distinct_identities: bool,
    ) -> PyResult<Bound<'_, Self>> {
        Self::apply(slf, |p| {
            p.require_signers(k, distinct_identities).map(|_| ())
        })
    }

    /// The current time given with `set_time`, or None.
    #[getter]
    fn time(&self) -> Option<u64> {
        self.lock().time()
    }

    /// The number of distinct trusted signers required (1 unless `require_signers`).
    #[getter]
    fn threshold(&self) -> u8 {
        self.lock().threshold()
    }

    /// The longest certificate chain accepted.
    #[getter]
    fn max_chain_depth(&self) -> u8 {
        self.lock().max_chain_depth()
    }

    /// The trusted keys, as `(PublicKey, identity or None)` pairs, in the order added.
    #[getter]
    fn keys(&self) -> Vec<(PublicKey, Option<String>)> {
        self.lock()
            .keys()
            .iter()
            .map(|k| {
                (
                    PublicKey {
                        key: *k.public_key(),
                    },
                    k.identity().map(str::to_string),
                )
            })
            .collect()
    }

    /// The required signer identity, or None.
    #[getter]
    fn identity(&self) -> Option<String> {
        self.lock().required_identity().map(str::to_string)
    }

    /// The required subject, or None.
    #[getter]
    fn subject(&self) -> Option<String> {
        self.lock().required_subject().map(str::to_string)
    }

    /// The minimum release version, or None.
    #[getter]
    fn min_version(&self) -> Option<u64> {
        self.lock().min_version()
    }

    fn __repr__(&self) -> String {
        let p = self.lock();
        let keys: Vec<String> = p
            .keys()
            .iter()
            .map(|k| match k.identity() {
                Some(id) => format!("({}, {id:?})", hex(k.key_id().as_bytes())),
                None => hex(k.key_id().as_bytes()),
            })
            .collect();
        format!(
            "TrustPolicy(keys=[{}], identity={}, subject={}, min_version={})",
            keys.join(", "),
            opt(p.required_identity()),
            opt(p.required_subject()),
            opt(p.min_version())
        )
    }
}
