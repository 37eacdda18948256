//! The WebAssembly core of the npm package `sealkit`.
//!
//! This crate only marshals arguments and results between JavaScript and the `sealkit` core:
//! every rule (envelope parsing, signature, policy, length, digest, the run-time state machine
//! and its sticky errors) lives in `sealkit`. The hand-written JavaScript layer in `js/` wraps
//! these raw classes: it turns the numeric error codes thrown here into `SealkitError` objects,
//! converts `bigint`s and adds the stream helpers.
//!
//! Errors: every fallible function returns `Result<_, JsValue>` whose error is the core's stable
//! numeric code (a JS number). Nothing here panics, so no panic can reach JavaScript.

use sealkit::{ContentType, Error, PublicKey, SlotState, PUBLIC_KEY_TEXT_LEN};
use wasm_bindgen::prelude::*;

mod sealed;
mod tree;
mod trust;
pub use trust::{check_signers, SignerCheck};

/// The error value thrown to JavaScript: the core's stable code as a number. The JS layer turns
/// it into a `SealkitError` (with `errorName` and `message` from [`error_name`] and
/// [`error_message`]).
fn throw(e: Error) -> JsValue {
    JsValue::from(e.code())
}

/// The stable snake_case name of an error code (`"digest_mismatch"` for 302), or `undefined`.
#[wasm_bindgen(js_name = errorName)]
pub fn error_name(code: u16) -> Option<String> {
    Error::from_code(code).map(|e| e.name().into())
}

/// The core's one-line description of an error code, or `undefined`.
#[wasm_bindgen(js_name = errorMessage)]
pub fn error_message(code: u16) -> Option<String> {
    Error::from_code(code).map(|e| e.message().into())
}

/// Every error code of the core, in order.
#[wasm_bindgen(js_name = errorCodes)]
pub fn error_codes() -> Vec<u16> {
    Error::ALL.iter().map(|e| e.code()).collect()
}

/// Validates a raw 32-byte public key and returns it (a copy).
#[wasm_bindgen(js_name = publicKeyFromBytes)]
pub fn public_key_from_bytes(raw: &[u8]) -> Result<Vec<u8>, JsValue> {
    let key = PublicKey::from_bytes(raw).map_err(throw)?;
    Ok(key.as_bytes().to_vec())
}

/// Parses `sealkit-ed25519:<base64>` and returns the raw 32-byte key.
#[wasm_bindgen(js_name = publicKeyFromText)]
pub fn public_key_from_text(text: &str) -> Result<Vec<u8>, JsValue> {
    let key = PublicKey::from_text(text).map_err(throw)?;
    Ok(key.as_bytes().to_vec())
}

/// The text form of a raw 32-byte key.
#[wasm_bindgen(js_name = publicKeyToText)]
pub fn public_key_to_text(raw: &[u8]) -> Result<String, JsValue> {
    let key = PublicKey::from_bytes(raw).map_err(throw)?;
    let mut out = [0u8; PUBLIC_KEY_TEXT_LEN];
    Ok(key.to_text(&mut out).into())
}

/// The 8-byte key id of a raw 32-byte key.
#[wasm_bindgen(js_name = publicKeyId)]
pub fn public_key_id(raw: &[u8]) -> Result<Vec<u8>, JsValue> {
    let key = PublicKey::from_bytes(raw).map_err(throw)?;
    Ok(key.key_id().as_bytes().to_vec())
}

/// A `sealkit::TrustPolicy` (at most 8 keys, identity, subject and minimum-version rules).
#[wasm_bindgen(js_name = RawTrustPolicy)]
#[derive(Debug, Default)]
pub struct TrustPolicy {
    inner: sealkit::TrustPolicy,
}

#[wasm_bindgen(js_class = RawTrustPolicy)]
impl TrustPolicy {
    /// An empty policy, which trusts nothing.
    #[wasm_bindgen(constructor)]
    pub fn new() -> TrustPolicy {
        TrustPolicy::default()
    }

    /// Trusts a raw 32-byte key for any identity.
    #[wasm_bindgen(js_name = trustKeyBytes)]
    pub fn trust_key_bytes(&mut self, raw: &[u8], identity: Option<String>) -> Result<(), JsValue> {
        let key = PublicKey::from_bytes(raw).map_err(throw)?;
        self.trust(key, identity)
    }

    /// Trusts a key given in its `sealkit-ed25519:` text form.
    #[wasm_bindgen(js_name = trustKeyText)]
    pub fn trust_key_text(&mut self, text: &str, identity: Option<String>) -> Result<(), JsValue> {
        let key = PublicKey::from_text(text).map_err(throw)?;
        self.trust(key, identity)
    }

    fn trust(&mut self, key: PublicKey, identity: Option<String>) -> Result<(), JsValue> {
        match identity {
            None => self.inner.trust_key(key),
            Some(id) => self.inner.trust_key_for_identity(key, &id),
        }
        .map(|_| ())
        .map_err(throw)
    }

    /// Requires the envelope's `iss` to equal `identity`.
    #[wasm_bindgen(js_name = requireIdentity)]
    pub fn require_identity(&mut self, identity: &str) -> Result<(), JsValue> {
        self.inner
            .require_identity(identity)
            .map(|_| ())
            .map_err(throw)
    }

    /// Requires the envelope's `sub` to equal `subject`.
    #[wasm_bindgen(js_name = requireSubject)]
    pub fn require_subject(&mut self, subject: &str) -> Result<(), JsValue> {
        self.inner
            .require_subject(subject)
            .map(|_| ())
            .map_err(throw)
    }

    /// Requires a release version of at least `min` (anti-rollback).
    #[wasm_bindgen(js_name = requireMinVersion)]
    pub fn require_min_version(&mut self, min: u64) {
        self.inner.require_min_version(min);
    }

    /// How many keys are trusted.
    #[wasm_bindgen(getter, js_name = keyCount)]
    pub fn key_count(&self) -> usize {
        self.inner.keys().len()
    }
}

/// The facts of a verified artifact (only made by a successful `finish`).
#[wasm_bindgen(js_name = RawVerified)]
#[derive(Debug)]
pub struct Verified {
    inner: sealkit::Verified,
}

#[wasm_bindgen(js_class = RawVerified)]
impl Verified {
    /// The signing key's 8-byte id.
    #[wasm_bindgen(getter, js_name = keyId)]
    pub fn key_id(&self) -> Vec<u8> {
        self.inner.key_id().as_bytes().to_vec()
    }
    /// `"Ed25519"` (COSE -19) or `"EdDSA"` (COSE -8).
    #[wasm_bindgen(getter)]
    pub fn alg(&self) -> String {
        self.inner.alg().name().into()
    }
    /// The signer identity (`iss`), if any.
    #[wasm_bindgen(getter)]
    pub fn identity(&self) -> Option<String> {
        self.inner.identity().map(Into::into)
    }
    /// The artifact name (`sub`).
    #[wasm_bindgen(getter)]
    pub fn subject(&self) -> String {
        self.inner.subject().into()
    }
    /// The CoAP Content-Format number, when the content type is one.
    #[wasm_bindgen(getter, js_name = contentFormat)]
    pub fn content_format(&self) -> Option<u16> {
        match self.inner.content_type() {
            ContentType::CoapFormat(n) => Some(n),
            ContentType::MediaType(_) => None,
        }
    }
    /// The media type, when the content type is a string.
    #[wasm_bindgen(getter, js_name = mediaType)]
    pub fn media_type(&self) -> Option<String> {
        match self.inner.content_type() {
            ContentType::CoapFormat(_) => None,
            ContentType::MediaType(m) => Some(m.into()),
        }
    }
    /// Signing time, seconds since the Unix epoch.
    #[wasm_bindgen(getter, js_name = issuedAt)]
    pub fn issued_at(&self) -> u64 {
        self.inner.issued_at()
    }
    /// The release version, if any.
    #[wasm_bindgen(getter)]
    pub fn version(&self) -> Option<u64> {
        self.inner.version()
    }
    /// The artifact length in bytes.
    #[wasm_bindgen(getter)]
    pub fn length(&self) -> u64 {
        self.inner.length()
    }
    /// `"sha256"` or `"sha512"`.
    #[wasm_bindgen(getter, js_name = hashAlg)]
    pub fn hash_alg(&self) -> String {
        self.inner.digest().alg().name().into()
    }
    /// The artifact digest.
    #[wasm_bindgen(getter)]
    pub fn digest(&self) -> Vec<u8> {
        self.inner.digest().as_bytes().to_vec()
    }
}

/// One `sealkit::VerifierSlot`: empty, active, finished or failed (errors are sticky).
#[wasm_bindgen(js_name = RawVerifier)]
#[derive(Debug, Default)]
pub struct Verifier {
    slot: sealkit::VerifierSlot,
}

#[wasm_bindgen(js_class = RawVerifier)]
impl Verifier {
    /// An empty verifier slot.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Verifier {
        Verifier::default()
    }

    /// Parses the envelope and checks signature and policy (the slot must be empty).
    pub fn start(&mut self, envelope: &[u8], policy: &TrustPolicy) -> Result<(), JsValue> {
        self.slot.start(envelope, &policy.inner).map_err(throw)
    }

    /// Absorbs the next chunk of the artifact.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        self.slot.update(chunk).map_err(throw)
    }

    /// Checks length and digest; returns the verified facts.
    pub fn finish(&mut self) -> Result<Verified, JsValue> {
        self.slot
            .finish()
            .map(|inner| Verified { inner })
            .map_err(throw)
    }

    /// Empties the slot from any state.
    pub fn abort(&mut self) {
        self.slot.abort();
    }

    /// 0 empty, 1 active, 2 finished, 3 failed.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> u8 {
        match self.slot.state() {
            SlotState::Empty => 0,
            SlotState::Active => 1,
            SlotState::Finished => 2,
            SlotState::Failed(_) => 3,
        }
    }

    /// The sticky error's code, if the slot has failed.
    #[wasm_bindgen(getter, js_name = errorCode)]
    pub fn error_code(&self) -> Option<u16> {
        self.slot.error().map(Error::code)
    }

    /// The artifact length the envelope signed, once started.
    #[wasm_bindgen(getter, js_name = signedLength)]
    pub fn signed_length(&self) -> Option<u64> {
        self.slot.verifier().map(|v| v.signed_length())
    }

    /// Artifact bytes absorbed so far, once started.
    #[wasm_bindgen(getter, js_name = bytesReceived)]
    pub fn bytes_received(&self) -> Option<u64> {
        self.slot.verifier().map(|v| v.bytes_received())
    }

    /// The envelope's hash algorithm (`"sha256"`/`"sha512"`), once started.
    #[wasm_bindgen(getter, js_name = hashAlg)]
    pub fn hash_alg(&self) -> Option<String> {
        self.slot.verifier().map(|v| v.hash_alg().name().into())
    }
}
