//! Trust policies and public keys: fuzzed sequences of policy calls on a sticky
//! `PolicyBuilder` (what the C binding uses) and on a plain `TrustPolicy`, with fuzzed raw keys,
//! key texts and identities. Checks: the builder agrees with the plain policy until its first
//! error and then returns that error forever; a policy never holds more than 8 keys or two keys
//! with one id; a key text that parses is the canonical text of its key (one text per key);
//! raw keys round-trip; and a verifier started under the final policy trusts exactly its keys.
//!
//! Certificate chains, signature sets, rotation and compiled policies have their own target,
//! `fuzz_targets/certificates.rs`.
//!
//! Input: a sequence of operations, each an opcode byte and its arguments (see `step`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealkit::{
    ContentType, Error, HashAlg, PolicyBuilder, PublicKey, SignatureAlg, StreamVerifier,
    TrustPolicy, MAX_TRUSTED_KEYS, PUBLIC_KEY_TEXT_LEN,
};
use sealkit_fuzz::{fuzz_key, other_key, sign_envelope, utf8, Input, VECTOR_KEYS};

fn fixed_key(i: u8) -> PublicKey {
    match i as usize % (VECTOR_KEYS.len() + 2) {
        0 => fuzz_key().public_key(),
        1 => other_key().public_key(),
        n => VECTOR_KEYS
            .get(n - 2)
            .and_then(|t| PublicKey::from_text(t).ok())
            .unwrap_or(fuzz_key().public_key()),
    }
}

fn check_key(k: &PublicKey) {
    let mut buf = [0u8; PUBLIC_KEY_TEXT_LEN];
    let text = k.to_text(&mut buf);
    assert_eq!(PublicKey::from_text(text), Ok(*k));
    assert_eq!(PublicKey::from_bytes(k.as_bytes()), Ok(*k));
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let mut builder = PolicyBuilder::new();
    let mut plain = TrustPolicy::new();
    let mut first_error: Option<Error> = None;
    let mut steps = 0;
    while !input.is_empty() && steps < 64 {
        steps += 1;
        let op = input.u8() % 8;
        // The argument, parsed as a binding would (errors become the builder's failure).
        let r_builder: Result<(), Error>;
        let r_plain: Result<(), Error>;
        match op {
            0 | 1 | 2 | 7 => {
                let key = match op {
                    0 | 2 => {
                        let raw = input.bytes(32);
                        let k = PublicKey::from_bytes(raw);
                        if let Ok(k) = &k {
                            assert_eq!(k.as_bytes().as_slice(), raw);
                            check_key(k);
                        }
                        k
                    }
                    1 => {
                        let t = input.str8();
                        let k = utf8(t).and_then(PublicKey::from_text);
                        if let Ok(k) = &k {
                            check_key(k);
                            // One text per key: the accepted text, without the surrounding
                            // whitespace, is exactly the canonical text.
                            let mut buf = [0u8; PUBLIC_KEY_TEXT_LEN];
                            let s = utf8(t).unwrap_or("");
                            assert_eq!(
                                s.trim_matches(|c: char| c.is_ascii_whitespace()),
                                k.to_text(&mut buf)
                            );
                        }
                        k
                    }
                    _ => Ok(fixed_key(input.u8())),
                };
                let identity = if op == 2 || (op == 7 && input.u8() & 1 == 1) {
                    Some(utf8(input.str8()))
                } else {
                    None
                };
                match (key, identity) {
                    (Err(e), _) | (Ok(_), Some(Err(e))) => {
                        r_builder = Err(builder.fail(e));
                        r_plain = Err(e);
                    }
                    (Ok(k), None) => {
                        r_builder = builder.trust_key(k).map(|_| ());
                        r_plain = plain.trust_key(k).map(|_| ());
                    }
                    (Ok(k), Some(Ok(id))) => {
                        r_builder = builder.trust_key_for_identity(k, id).map(|_| ());
                        r_plain = plain.trust_key_for_identity(k, id).map(|_| ());
                    }
                }
            }
            3 | 4 => match utf8(input.str8()) {
                Err(e) => {
                    r_builder = Err(builder.fail(e));
                    r_plain = Err(e);
                }
                Ok(s) if op == 3 => {
                    r_builder = builder.require_identity(s).map(|_| ());
                    r_plain = plain.require_identity(s).map(|_| ());
                }
                Ok(s) => {
                    r_builder = builder.require_subject(s).map(|_| ());
                    r_plain = plain.require_subject(s).map(|_| ());
                }
            },
            5 => {
                let m = input.u64();
                r_builder = builder.require_min_version(m).map(|_| ());
                plain.require_min_version(m);
                r_plain = Ok(());
            }
            _ => {
                // Key text parsing on its own: never a panic, one text per key.
                let t = input.str8();
                if let Ok(k) = utf8(t).and_then(PublicKey::from_text) {
                    check_key(&k);
                }
                continue;
            }
        }
        match first_error {
            Some(e) => assert_eq!(r_builder, Err(e), "a failed builder accepted a call"),
            None => {
                assert_eq!(r_builder, r_plain, "builder and policy disagree");
                if let Err(e) = r_builder {
                    first_error = Some(e);
                    // The plain policy is unchanged by a failed call; the builder stays failed.
                }
            }
        }
        assert_eq!(builder.error(), first_error);
        assert!(plain.keys().len() <= MAX_TRUSTED_KEYS);
        for (i, a) in plain.keys().iter().enumerate() {
            for b in plain.keys().iter().skip(i + 1) {
                assert_ne!(a.key_id(), b.key_id(), "two trusted keys with one id");
            }
        }
    }
    match builder.policy() {
        Err(e) => assert_eq!(Some(e), first_error),
        Ok(p) => {
            assert!(first_error.is_none());
            assert_eq!(p.keys().len(), plain.keys().len());
            assert_eq!(p.required_identity(), plain.required_identity());
            assert_eq!(p.required_subject(), plain.required_subject());
            assert_eq!(p.min_version(), plain.min_version());
        }
    }

    // A verifier under the plain policy accepts the fuzz key's envelope only if it trusts that
    // key, and refuses it as untrusted otherwise.
    let Ok(env) = sign_envelope(
        fuzz_key(),
        SignatureAlg::Ed25519,
        HashAlg::Sha256,
        b"artifact",
        8,
        ContentType::OCTET_STREAM,
        "artifact.bin",
        Some("ci@vendor.example"),
        1,
        Some(7),
    ) else {
        return;
    };
    let trusted = plain
        .keys()
        .iter()
        .find(|k| k.key_id() == fuzz_key().public_key().key_id());
    let r = StreamVerifier::new(&env, &plain);
    match trusted {
        None => assert_eq!(r.err(), Some(Error::UntrustedKey)),
        Some(k) => {
            let id_ok = k.identity().is_none_or(|i| i == "ci@vendor.example")
                && plain
                    .required_identity()
                    .is_none_or(|i| i == "ci@vendor.example");
            let sub_ok = plain.required_subject().is_none_or(|s| s == "artifact.bin");
            let ver_ok = plain.min_version().is_none_or(|m| m <= 7);
            assert_eq!(r.is_ok(), id_ok && sub_ok && ver_ok, "{:?}", r.err());
        }
    }
});
