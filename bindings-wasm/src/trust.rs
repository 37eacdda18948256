//! Trust policies (compiled policies, certificate chains, revocation, time, signature sets,
//! rotation) and the signer facts. Marshalling only: every rule is the core's. Errors are the
//! core's numeric codes, as everywhere in this crate.

use sealkit::{Error, KeyId, PublicKey};
use wasm_bindgen::prelude::*;

use crate::{throw, TrustPolicy, Verified};

/// A key id argument: exactly 8 bytes (the JS layer checks and converts hex first).
fn kid(bytes: &[u8]) -> Result<KeyId, JsValue> {
    let arr: [u8; 8] = bytes
        .try_into()
        .map_err(|_| throw(Error::ArgumentTooLong))?;
    Ok(KeyId(arr))
}

#[wasm_bindgen(js_class = RawTrustPolicy)]
impl TrustPolicy {
    /// A compiled trust policy (the CBOR of `sealkit policy compile`).
    #[wasm_bindgen(js_name = fromCbor)]
    pub fn from_cbor(bytes: &[u8]) -> Result<TrustPolicy, JsValue> {
        sealkit::TrustPolicy::from_cbor(bytes)
            .map(|inner| TrustPolicy { inner })
            .map_err(throw)
    }

    /// Gives the current time (seconds since the Unix epoch): validity and expiry are checked.
    #[wasm_bindgen(js_name = setTime)]
    pub fn set_time(&mut self, now: u64) {
        self.inner.set_time(now);
    }

    /// Follows a signed rotation statement; returns the new root's 8-byte key id.
    #[wasm_bindgen(js_name = applyRotation)]
    pub fn apply_rotation(&mut self, statement: &[u8]) -> Result<Vec<u8>, JsValue> {
        self.inner
            .apply_rotation(statement)
            .map(|k| k.as_bytes().to_vec())
            .map_err(throw)
    }

    /// Trusts a raw 32-byte key with explicit rights and an optional issuer name.
    #[wasm_bindgen(js_name = trustEntry)]
    pub fn trust_entry(
        &mut self,
        raw: &[u8],
        may_sign: bool,
        may_certify: bool,
        name: Option<String>,
    ) -> Result<(), JsValue> {
        let key = PublicKey::from_bytes(raw).map_err(throw)?;
        self.inner
            .trust_entry(key, may_sign, may_certify, name.as_deref())
            .map(|_| ())
            .map_err(throw)
    }

    /// Trusts a raw 32-byte key to sign timestamp receipts (an entry already trusted gains the
    /// right; otherwise a timestamp-only entry is added).
    #[wasm_bindgen(js_name = trustTimestampKey)]
    pub fn trust_timestamp_key(&mut self, raw: &[u8]) -> Result<(), JsValue> {
        let key = PublicKey::from_bytes(raw).map_err(throw)?;
        self.inner
            .trust_timestamp_key(key)
            .map(|_| ())
            .map_err(throw)
    }

    /// Requires every counted signer to carry a trusted timestamp receipt.
    #[wasm_bindgen(js_name = requireTimestamp)]
    pub fn require_timestamp(&mut self) {
        self.inner.require_timestamp();
    }

    /// Whether a timestamp receipt is required.
    #[wasm_bindgen(getter, js_name = timestampRequired)]
    pub fn timestamp_required(&self) -> bool {
        self.inner.timestamp_required()
    }

    /// Lets the trusted key `kid` sign or certify only identities matching `pattern`.
    #[wasm_bindgen(js_name = allowIdentity)]
    pub fn allow_identity(&mut self, key_id: &[u8], pattern: &str) -> Result<(), JsValue> {
        self.inner
            .allow_identity(kid(key_id)?, pattern)
            .map(|_| ())
            .map_err(throw)
    }

    /// Lets the trusted key `kid` sign or certify only subjects matching `pattern`.
    #[wasm_bindgen(js_name = allowSubject)]
    pub fn allow_subject(&mut self, key_id: &[u8], pattern: &str) -> Result<(), JsValue> {
        self.inner
            .allow_subject(kid(key_id)?, pattern)
            .map(|_| ())
            .map_err(throw)
    }

    /// Requires the signer identity to match `pattern`.
    #[wasm_bindgen(js_name = requireIdentityPattern)]
    pub fn require_identity_pattern(&mut self, pattern: &str) -> Result<(), JsValue> {
        self.inner
            .require_identity_pattern(pattern)
            .map(|_| ())
            .map_err(throw)
    }

    /// Requires the subject to match `pattern`.
    #[wasm_bindgen(js_name = requireSubjectPattern)]
    pub fn require_subject_pattern(&mut self, pattern: &str) -> Result<(), JsValue> {
        self.inner
            .require_subject_pattern(pattern)
            .map(|_| ())
            .map_err(throw)
    }

    /// Revokes a key anywhere in a chain.
    #[wasm_bindgen(js_name = revokeKey)]
    pub fn revoke_key(&mut self, key_id: &[u8]) -> Result<(), JsValue> {
        self.inner
            .revoke_key(kid(key_id)?)
            .map(|_| ())
            .map_err(throw)
    }

    /// Revokes a certificate by its id (`cti`).
    #[wasm_bindgen(js_name = revokeCertificate)]
    pub fn revoke_certificate(&mut self, id: &[u8]) -> Result<(), JsValue> {
        self.inner.revoke_certificate(id).map(|_| ()).map_err(throw)
    }

    /// The longest certificate chain accepted.
    #[wasm_bindgen(js_name = setMaxChainDepth)]
    pub fn set_max_chain_depth(&mut self, depth: u8) -> Result<(), JsValue> {
        self.inner
            .set_max_chain_depth(depth)
            .map(|_| ())
            .map_err(throw)
    }

    /// Requires `k` distinct trusted signers (optionally with distinct identities).
    #[wasm_bindgen(js_name = requireSigners)]
    pub fn require_signers(&mut self, k: u8, distinct_identities: bool) -> Result<(), JsValue> {
        self.inner
            .require_signers(k, distinct_identities)
            .map(|_| ())
            .map_err(throw)
    }

    /// The current time given, if any.
    #[wasm_bindgen(getter)]
    pub fn time(&self) -> Option<u64> {
        self.inner.time()
    }

    /// The number of distinct signers required.
    #[wasm_bindgen(getter)]
    pub fn threshold(&self) -> u8 {
        self.inner.threshold()
    }

    /// The longest certificate chain accepted.
    #[wasm_bindgen(getter, js_name = maxChainDepth)]
    pub fn max_chain_depth(&self) -> u8 {
        self.inner.max_chain_depth()
    }
}

#[wasm_bindgen(js_class = RawVerified)]
impl Verified {
    /// Whether validity and expiry were checked (the policy had a time).
    #[wasm_bindgen(getter, js_name = timeChecked)]
    pub fn time_checked(&self) -> bool {
        self.inner.time_checked()
    }

    /// The envelope's expiry, if any.
    #[wasm_bindgen(getter, js_name = expiresAt)]
    pub fn expires_at(&self) -> Option<u64> {
        self.inner.expires_at()
    }

    /// Number of counted signers.
    #[wasm_bindgen(getter, js_name = signerCount)]
    pub fn signer_count(&self) -> usize {
        self.inner.signers().len()
    }

    /// Signer `i`'s key id (empty if out of range).
    #[wasm_bindgen(js_name = signerKeyId)]
    pub fn signer_key_id(&self, i: usize) -> Vec<u8> {
        self.inner
            .signers()
            .get(i)
            .map(|s| s.key_id().as_bytes().to_vec())
            .unwrap_or_default()
    }

    /// Signer `i`'s identity.
    #[wasm_bindgen(js_name = signerIdentity)]
    pub fn signer_identity(&self, i: usize) -> Option<String> {
        self.inner
            .signers()
            .get(i)
            .and_then(|s| s.identity())
            .map(Into::into)
    }

    /// Signer `i`'s root key id (for a chain).
    #[wasm_bindgen(js_name = signerRootKeyId)]
    pub fn signer_root_key_id(&self, i: usize) -> Option<Vec<u8>> {
        self.inner
            .signers()
            .get(i)
            .and_then(|s| s.root_key_id())
            .map(|k| k.as_bytes().to_vec())
    }

    /// Signer `i`'s chain depth.
    #[wasm_bindgen(js_name = signerChainDepth)]
    pub fn signer_chain_depth(&self, i: usize) -> u8 {
        self.inner.signers().get(i).map_or(0, |s| s.chain_depth())
    }

    /// Signer `i`'s trusted timestamp receipt time, if any.
    #[wasm_bindgen(js_name = signerTimestamp)]
    pub fn signer_timestamp(&self, i: usize) -> Option<u64> {
        self.inner.signers().get(i).and_then(|s| s.timestamp())
    }

    /// Signer `i`'s timestamp key id, if any.
    #[wasm_bindgen(js_name = signerTimestampKeyId)]
    pub fn signer_timestamp_key_id(&self, i: usize) -> Option<Vec<u8>> {
        self.inner
            .signers()
            .get(i)
            .and_then(|s| s.timestamp_key_id())
            .map(|k| k.as_bytes().to_vec())
    }
}

/// One signature's verdict from [`check_signers`].
#[derive(Debug)]
struct Report {
    index: usize,
    unverified_kid: KeyId,
    verdict: Result<sealkit::Signer, Error>,
    counted: bool,
}

/// Per-signature verdicts of a signature file under a policy, without the artifact.
#[wasm_bindgen(js_name = RawSignerCheck)]
#[derive(Debug)]
pub struct SignerCheck {
    reports: Vec<Report>,
    is_set: bool,
    verdict: Option<Error>,
}

impl SignerCheck {
    fn signer(&self, i: usize) -> Option<&sealkit::Signer> {
        self.reports.get(i).and_then(|r| r.verdict.as_ref().ok())
    }
}

#[wasm_bindgen(js_class = RawSignerCheck)]
impl SignerCheck {
    /// Number of signatures in the file.
    #[wasm_bindgen(getter)]
    pub fn count(&self) -> usize {
        self.reports.len()
    }
    /// Whether the file is a signature set.
    #[wasm_bindgen(getter, js_name = isSet)]
    pub fn is_set(&self) -> bool {
        self.is_set
    }
    /// The policy's verdict: the error code, or `undefined` if the threshold is met.
    #[wasm_bindgen(getter, js_name = verdictCode)]
    pub fn verdict_code(&self) -> Option<u16> {
        self.verdict.map(Error::code)
    }
    /// Report `i`'s position in the file.
    pub fn index(&self, i: usize) -> usize {
        self.reports.get(i).map_or(0, |r| r.index)
    }
    /// Report `i`'s unverified key id.
    #[wasm_bindgen(js_name = unverifiedKeyId)]
    pub fn unverified_key_id(&self, i: usize) -> Vec<u8> {
        self.reports
            .get(i)
            .map(|r| r.unverified_kid.as_bytes().to_vec())
            .unwrap_or_default()
    }
    /// Report `i`'s error code, if its signature was refused.
    #[wasm_bindgen(js_name = errorCode)]
    pub fn error_code(&self, i: usize) -> Option<u16> {
        self.reports
            .get(i)
            .and_then(|r| r.verdict.as_ref().err())
            .map(|e| e.code())
    }
    /// Whether report `i` counts towards the threshold.
    pub fn counted(&self, i: usize) -> bool {
        self.reports.get(i).is_some_and(|r| r.counted)
    }
    /// Report `i`'s signer key id (empty if refused).
    #[wasm_bindgen(js_name = signerKeyId)]
    pub fn signer_key_id(&self, i: usize) -> Vec<u8> {
        self.signer(i)
            .map(|s| s.key_id().as_bytes().to_vec())
            .unwrap_or_default()
    }
    /// Report `i`'s signer identity.
    #[wasm_bindgen(js_name = signerIdentity)]
    pub fn signer_identity(&self, i: usize) -> Option<String> {
        self.signer(i).and_then(|s| s.identity()).map(Into::into)
    }
    /// Report `i`'s signer root key id.
    #[wasm_bindgen(js_name = signerRootKeyId)]
    pub fn signer_root_key_id(&self, i: usize) -> Option<Vec<u8>> {
        self.signer(i)
            .and_then(|s| s.root_key_id())
            .map(|k| k.as_bytes().to_vec())
    }
    /// Report `i`'s signer chain depth.
    #[wasm_bindgen(js_name = signerChainDepth)]
    pub fn signer_chain_depth(&self, i: usize) -> u8 {
        self.signer(i).map_or(0, |s| s.chain_depth())
    }
    /// Report `i`'s signer timestamp receipt time, if any.
    #[wasm_bindgen(js_name = signerTimestamp)]
    pub fn signer_timestamp(&self, i: usize) -> Option<u64> {
        self.signer(i).and_then(|s| s.timestamp())
    }
    /// Report `i`'s signer timestamp key id, if any.
    #[wasm_bindgen(js_name = signerTimestampKeyId)]
    pub fn signer_timestamp_key_id(&self, i: usize) -> Option<Vec<u8>> {
        self.signer(i)
            .and_then(|s| s.timestamp_key_id())
            .map(|k| k.as_bytes().to_vec())
    }
}

/// Checks every signature of a signature file against `policy` (no artifact bytes read).
/// Throws only if the file is malformed.
#[wasm_bindgen(js_name = checkSigners)]
pub fn check_signers(signature: &[u8], policy: &TrustPolicy) -> Result<SignerCheck, JsValue> {
    let mut reports = Vec::new();
    let summary = sealkit::check_signers(signature, &policy.inner, |r| {
        reports.push(Report {
            index: r.index,
            unverified_kid: r.unverified_kid,
            verdict: r.verdict.clone(),
            counted: r.counted,
        });
    })
    .map_err(throw)?;
    Ok(SignerCheck {
        reports,
        is_set: summary.is_set,
        verdict: summary.verdict(&policy.inner).err(),
    })
}
