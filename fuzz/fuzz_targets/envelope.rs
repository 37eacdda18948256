//! Envelope parsing: any bytes given to `Envelope::parse` and `StreamVerifier::new` either parse
//! into fields that lie inside the input or give a malformed-envelope error (1xx, or 200/201 for
//! an unsupported algorithm), never a panic; the verifier refuses what the parser refuses as
//! malformed too (it also reads signature sets, so the code may differ), and when the `kid`
//! names a key it knows (every conformance vector key and the fuzz keys) a well-formed envelope
//! is refused only as unacceptable (2xx).
//!
//! Input: the envelope bytes. Seeds: every `envelope_hex` of `tests/vectors/sealkit-vectors.json`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealkit::{
    sig_structure_bytes, Envelope, Error, StreamVerifier, TrustPolicy, MAX_ENVELOPE_LEN,
};
use sealkit_fuzz::policy_for_kid;

fn inside(outer: &[u8], inner: &[u8]) -> bool {
    let (o, i) = (outer.as_ptr() as usize, inner.as_ptr() as usize);
    i >= o && i + inner.len() <= o + outer.len()
}

fuzz_target!(|data: &[u8]| {
    match Envelope::parse(data) {
        Ok(env) => {
            assert!(data.len() <= MAX_ENVELOPE_LEN);
            assert!(inside(data, env.protected_bytes()));
            assert!(inside(data, env.unverified_digest()));
            assert_eq!(
                env.unverified_digest().len(),
                env.unverified_hash_alg().digest_len()
            );
            assert!(!env.unverified_subject().is_empty());
            // The to-be-signed bytes always fit the documented bound.
            let mut tbs = [0u8; MAX_ENVELOPE_LEN + 96];
            let n = sig_structure_bytes(env.protected_bytes(), env.unverified_digest(), &mut tbs);
            assert!(matches!(n, Ok(n) if n <= env.protected_bytes().len() + 64 + 96));

            let policy = policy_for_kid(env.unverified_kid());
            match StreamVerifier::new(data, &policy) {
                Ok(v) => {
                    assert_eq!(v.signed_length(), env.unverified_length());
                    assert_eq!(v.hash_alg(), env.unverified_hash_alg());
                    assert_eq!(v.bytes_received(), 0);
                }
                Err(e) => {
                    // A well-formed envelope is refused as unacceptable (2xx: untrusted key,
                    // bad signature, a trust rule), never as malformed.
                    assert!((200..300).contains(&e.code()), "{e:?}");
                    if policy.keys().is_empty() {
                        assert_eq!(e, Error::UntrustedKey);
                    }
                }
            }
        }
        Err(e) => {
            let c = e.code();
            assert!((100..200).contains(&c) || c == 200 || c == 201, "{e:?}");
            // The verifier also reads signature sets (several envelopes), so its error for
            // bytes that are not one envelope may differ; it must still refuse them as
            // malformed or unsupported, before any trust decision.
            let ve = StreamVerifier::new(data, &TrustPolicy::new())
                .err()
                .map(|e| e.code());
            assert!(matches!(ve, Some(100..=201)), "{ve:?} for {e:?}");
        }
    }
});
