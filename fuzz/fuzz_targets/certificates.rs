//! Certificate chains, signature sets, rotation statements and compiled trust policies.
//!
//! Input: a compiled policy (`bytes16`), an optional current time (a flag byte, then a u64), a
//! rotation statement (`bytes16`, applied if non-empty), the signature file (`bytes16`), a
//! chunk plan (`str8`), and the artifact (the rest). Seeds are the trust vectors.
//!
//! Checks beyond "no panic": every parser refuses or accepts without panicking; a verifier
//! that starts agrees with `check_signers` (same counted signers, threshold met); each counted
//! signer is vouched for by the policy (a direct key allowed to sign, or a chain ending at a
//! root allowed to certify, within the policy's depth, with an identity its entry allows); the
//! verdict does not depend on the chunking; and a successful verification consumed exactly the
//! signed length.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealkit::{
    check_signers, parse_chain, pattern_matches, Certificate, Envelope, Rotation, SignatureFile,
    StreamVerifier, TrustPolicy,
};
use sealkit_fuzz::{chunks, Input};

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let policy_bytes = input.bytes16();
    let now = if input.u8() & 1 == 1 {
        Some(input.u64())
    } else {
        None
    };
    let rotation = input.bytes16();
    let sig = input.bytes16();
    let plan = input.str8();
    let artifact = input.rest();

    // Parsers on raw bytes: never a panic.
    let _ = Certificate::parse(sig);
    let _ = parse_chain(sig);
    let _ = Rotation::parse(rotation);
    if let Ok(file) = SignatureFile::parse(sig) {
        for env in file.envelopes() {
            let e = Envelope::parse(env).expect("a set holds only envelopes that parse");
            if let Some(chain) = e.unverified_chain() {
                parse_chain(chain).expect("the envelope parser checked its chain");
            }
        }
    }

    let Ok(mut policy) = TrustPolicy::from_cbor(policy_bytes) else {
        return;
    };
    if let Some(t) = now {
        policy.set_time(t);
    }
    if !rotation.is_empty() {
        let before = policy.keys().len();
        if let Ok(new_kid) = policy.apply_rotation(rotation) {
            assert_eq!(policy.keys().len(), before);
            assert!(policy.keys().iter().any(|k| k.key_id() == new_kid));
        }
    }

    let summary = check_signers(sig, &policy, |_| {});
    let started = StreamVerifier::new(sig, &policy);
    match (&summary, &started) {
        (Ok(s), Ok(_)) => {
            assert!(s.verdict(&policy).is_ok());
            assert!(s.signers.len() >= usize::from(policy.threshold()));
        }
        (Ok(s), Err(e)) => assert_eq!(s.verdict(&policy), Err(*e)),
        (Err(a), Err(b)) => assert_eq!(a, b),
        (Err(_), Ok(_)) => panic!("a verifier started on a file check_signers refuses"),
    }
    let Ok(mut v) = started else {
        return;
    };
    for s in summary
        .as_ref()
        .map(|s| s.signers.as_slice())
        .unwrap_or_default()
    {
        match s.root_key_id() {
            None => {
                let k = policy.keys().iter().find(|k| k.key_id() == s.key_id());
                assert!(
                    k.is_some_and(|k| k.may_sign()),
                    "direct signer not allowed to sign"
                );
                assert_eq!(s.chain_depth(), 0);
            }
            Some(root) => {
                let k = policy.keys().iter().find(|k| k.key_id() == root);
                assert!(
                    k.is_some_and(|k| k.may_certify()),
                    "root not allowed to certify"
                );
                assert!(s.chain_depth() >= 1 && s.chain_depth() <= policy.max_chain_depth());
                let mut allowed = policy.allowed_identities(root).peekable();
                if allowed.peek().is_some() {
                    let id = s.identity().expect("an entry with identities needs one");
                    assert!(allowed.any(|p| pattern_matches(p, id)));
                }
            }
        }
    }
    let whole = {
        let mut w = StreamVerifier::new(sig, &policy).expect("started once already");
        w.update(artifact).and_then(|()| w.finish())
    };
    let mut split = Ok(());
    for c in chunks(artifact, plan) {
        split = v.update(c);
        if split.is_err() {
            break;
        }
    }
    let split = split.and_then(|()| v.finish());
    match (&whole, &split) {
        (Ok(a), Ok(b)) => {
            assert_eq!(a.signers(), b.signers());
            assert_eq!(a.length(), artifact.len() as u64);
        }
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("the verdict depends on the chunking"),
    }
});
