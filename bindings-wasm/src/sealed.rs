//! Sealed streams for JavaScript: `RawUnsealer` over `sealkit::Unsealer` and `sealedHeader`.
//! Only marshalling; the JavaScript layer (`Unsealer`, `unsealStream` in `index.js`) wraps it.

use sealkit::{Error, UnsealState};
use wasm_bindgen::prelude::*;

use super::{throw, TrustPolicy, Verified};

/// One `sealkit::Unsealer` (errors are sticky).
#[wasm_bindgen(js_name = RawUnsealer)]
#[derive(Debug)]
pub struct Unsealer {
    inner: sealkit::Unsealer,
}

#[wasm_bindgen(js_class = RawUnsealer)]
impl Unsealer {
    /// A new unsealer verifying under a copy of `policy`.
    #[wasm_bindgen(constructor)]
    pub fn new(policy: &TrustPolicy) -> Unsealer {
        Unsealer {
            inner: sealkit::Unsealer::new(&policy.inner),
        }
    }

    /// Absorbs the next chunk of the sealed stream; returns the offset in `chunk` where its
    /// artifact bytes begin (`chunk.length` if none).
    pub fn update(&mut self, chunk: &[u8]) -> Result<usize, JsValue> {
        self.inner.update_offset(chunk).map_err(throw)
    }

    /// Checks the end of the stream, the length and the digest; returns the verified facts.
    pub fn finish(&mut self) -> Result<Verified, JsValue> {
        self.inner
            .finish()
            .map(|inner| Verified { inner })
            .map_err(throw)
    }

    /// 0 header, 1 envelope, 2 payload, 3 finished, 4 failed.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> u8 {
        match self.inner.state() {
            UnsealState::Header => 0,
            UnsealState::Envelope => 1,
            UnsealState::Payload => 2,
            UnsealState::Finished => 3,
            UnsealState::Failed(_) => 4,
        }
    }

    /// The sticky error's code, if failed.
    #[wasm_bindgen(getter, js_name = errorCode)]
    pub fn error_code(&self) -> Option<u16> {
        self.inner.error().map(Error::code)
    }

    /// The signed artifact length, once the envelope is accepted.
    #[wasm_bindgen(getter, js_name = signedLength)]
    pub fn signed_length(&self) -> Option<u64> {
        self.inner.verifier().map(|v| v.signed_length())
    }

    /// Artifact bytes absorbed so far, once the envelope is accepted.
    #[wasm_bindgen(getter, js_name = bytesReceived)]
    pub fn bytes_received(&self) -> Option<u64> {
        self.inner.verifier().map(|v| v.bytes_received())
    }
}

/// The sealed-stream header for an envelope of `envelope_len` bytes.
#[wasm_bindgen(js_name = sealedHeader)]
pub fn sealed_header(envelope_len: usize) -> Result<Vec<u8>, JsValue> {
    sealkit::sealed_header(envelope_len)
        .map(|h| h.to_vec())
        .map_err(throw)
}
