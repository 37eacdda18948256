//! Policy verdicts (untrusted key, bad signature, key confusion, identity, subject, rollback),
//! the verifier's state machine (finished and failed states are sticky), trust policy
//! construction, public key text parsing, signing arguments, and the error code table.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;

use sealkit::{
    verify_slice, Error, HashAlg, PublicKey, SignatureAlg, StreamVerifier, TrustPolicy,
    MAX_TRUSTED_KEYS, PUBLIC_KEY_TEXT_LEN, PUBLIC_KEY_TEXT_PREFIX,
};
use sealkit_conformance::cbor;
use sealkit_conformance::vectors::b64_of;
use sealkit_conformance::{
    sealkit_sign, unhex, EnvelopeSpec, Params, TestKey, ISSUER, SUBJECT, VERSION,
};

const ARTIFACT: &[u8] = b"policy test artifact";

fn signer() -> TestKey {
    TestKey::numbered(0x01)
}

fn other() -> TestKey {
    TestKey::numbered(0x02)
}

fn envelope() -> Vec<u8> {
    sealkit_sign(&signer(), &Params::for_artifact(ARTIFACT, HashAlg::Sha256))
}

fn verdict(env: &[u8], policy: &TrustPolicy) -> Result<(), Error> {
    // Policy errors must come from `new`, before any artifact byte.
    StreamVerifier::new(env, policy)?;
    verify_slice(env, ARTIFACT, policy).map(|_| ())
}

fn policy(f: impl FnOnce(&mut TrustPolicy)) -> TrustPolicy {
    let mut p = TrustPolicy::new();
    f(&mut p);
    p
}

#[test]
fn verified_facts() {
    let p = policy(|p| {
        p.trust_key(signer().public_key()).unwrap();
    });
    let v = verify_slice(&envelope(), ARTIFACT, &p).unwrap();
    assert_eq!(v.key_id().as_bytes(), &signer().kid());
    assert_eq!(v.alg(), SignatureAlg::Ed25519);
    assert_eq!(v.identity(), Some(ISSUER));
    assert_eq!(v.subject(), SUBJECT);
    assert_eq!(v.version(), Some(VERSION));
    assert_eq!(v.length(), ARTIFACT.len() as u64);
    assert_eq!(v.issued_at(), sealkit_conformance::ISSUED_AT);
    assert_eq!(
        v.content_type(),
        sealkit::ContentType::CoapFormat(sealkit::COAP_OCTET_STREAM)
    );
    assert_eq!(
        v.digest().as_bytes(),
        sealkit_conformance::digest(HashAlg::Sha256, ARTIFACT).as_slice()
    );
}

#[test]
fn untrusted_key() {
    let env = envelope();
    assert_eq!(verdict(&env, &TrustPolicy::new()), Err(Error::UntrustedKey));
    let p = policy(|p| {
        p.trust_key(other().public_key()).unwrap();
    });
    assert_eq!(verdict(&env, &p), Err(Error::UntrustedKey));
    // Trusting more keys, one of them the signer, is fine whatever its position.
    for n in 1..=MAX_TRUSTED_KEYS {
        let p = policy(|p| {
            for i in 0..n - 1 {
                p.trust_key(TestKey::numbered(0x80 + i as u8).public_key())
                    .unwrap();
            }
            p.trust_key(signer().public_key()).unwrap();
        });
        assert_eq!(verdict(&env, &p), Ok(()), "signer is key {n} of {n}");
    }
}

#[test]
fn bad_signature() {
    let key = signer();
    let p = key.policy();

    // Structurally valid, signed by the trusted key, but over other bytes.
    let mut spec = EnvelopeSpec::new(&key, ARTIFACT, HashAlg::Sha256);
    let wrong = key.sign(b"not the Sig_structure");
    spec.signature_item = Some(cbor::bytes(&wrong));
    assert_eq!(verdict(&spec.encode(), &p), Err(Error::BadSignature));

    // All-zero signature (R is then the small-order point 0 and S is 0).
    spec.signature_item = Some(cbor::bytes(&[0; 64]));
    assert_eq!(verdict(&spec.encode(), &p), Err(Error::BadSignature));

    // S + L: the same signature made malleable (S no longer reduced).
    let good = key.sign(&spec.to_be_signed());
    let mut malleable = good;
    let l: [u8; 32] = unhex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
        .try_into()
        .unwrap();
    let mut carry = 0u16;
    for i in 0..32 {
        let sum = u16::from(malleable[32 + i]) + u16::from(l[i]) + carry;
        malleable[32 + i] = sum as u8;
        carry = sum >> 8;
    }
    assert_eq!(carry, 0);
    spec.signature_item = Some(cbor::bytes(&malleable));
    assert_eq!(verdict(&spec.encode(), &p), Err(Error::BadSignature));
    spec.signature_item = Some(cbor::bytes(&good));
    assert_eq!(verdict(&spec.encode(), &p), Ok(()));
}

#[test]
fn key_confusion() {
    // An attacker signs with their own key but names the trusted key's kid: the signature is
    // checked with the full trusted key, never with anything the envelope supplies.
    let trusted = signer();
    let attacker = other();
    let mut spec = EnvelopeSpec::new(&trusted, ARTIFACT, HashAlg::Sha256);
    spec.signer = attacker.clone();
    let env = spec.encode();
    assert_eq!(verdict(&env, &trusted.policy()), Err(Error::BadSignature));
    // Even if the policy trusts both keys.
    let both = policy(|p| {
        p.trust_key(trusted.public_key()).unwrap();
        p.trust_key(attacker.public_key()).unwrap();
    });
    assert_eq!(verdict(&env, &both), Err(Error::BadSignature));
    // With its own kid the attacker's envelope is merely untrusted.
    let own = EnvelopeSpec::new(&attacker, ARTIFACT, HashAlg::Sha256).encode();
    assert_eq!(verdict(&own, &trusted.policy()), Err(Error::UntrustedKey));
}

#[test]
fn identity() {
    let env = envelope();
    let key = signer().public_key();
    let mut no_iss = Params::for_artifact(ARTIFACT, HashAlg::Sha256);
    no_iss.issuer = None;
    let env_no_iss = sealkit_sign(&signer(), &no_iss);

    // Bound key identity.
    let bound = |id: &str| {
        policy(|p| {
            p.trust_key_for_identity(key, id).unwrap();
        })
    };
    assert_eq!(verdict(&env, &bound(ISSUER)), Ok(()));
    assert_eq!(
        verdict(&env, &bound("mallory@example.org")),
        Err(Error::IdentityMismatch)
    );
    assert_eq!(
        verdict(&env, &bound("release@example.or")),
        Err(Error::IdentityMismatch),
        "prefix"
    );
    assert_eq!(
        verdict(&env, &bound("Release@example.org")),
        Err(Error::IdentityMismatch),
        "case"
    );
    assert_eq!(
        verdict(&env_no_iss, &bound(ISSUER)),
        Err(Error::IdentityMismatch)
    );
    // The binding is per key: another key bound elsewhere does not affect this one.
    let mixed = policy(|p| {
        p.trust_key_for_identity(other().public_key(), "other@example.org")
            .unwrap();
        p.trust_key(key).unwrap();
    });
    assert_eq!(verdict(&env, &mixed), Ok(()));

    // Policy-wide identity.
    let required = |id: &str| {
        policy(|p| {
            p.trust_key(key).unwrap();
            p.require_identity(id).unwrap();
        })
    };
    assert_eq!(verdict(&env, &required(ISSUER)), Ok(()));
    assert_eq!(
        verdict(&env, &required("mallory@example.org")),
        Err(Error::IdentityMismatch)
    );
    assert_eq!(
        verdict(&env_no_iss, &required(ISSUER)),
        Err(Error::IdentityMismatch)
    );
    // An empty identity would match "no identity"; the policy refuses it outright.
    assert_eq!(
        TrustPolicy::new().require_identity("").err(),
        Some(Error::EmptyArgument)
    );
    assert_eq!(
        TrustPolicy::new().trust_key_for_identity(key, "").err(),
        Some(Error::EmptyArgument)
    );

    // Both rules at once must both hold.
    let both = |bound_id: &str, required_id: &str| {
        policy(|p| {
            p.trust_key_for_identity(key, bound_id).unwrap();
            p.require_identity(required_id).unwrap();
        })
    };
    assert_eq!(verdict(&env, &both(ISSUER, ISSUER)), Ok(()));
    assert_eq!(
        verdict(&env, &both(ISSUER, "x@example.org")),
        Err(Error::IdentityMismatch)
    );
    assert_eq!(
        verdict(&env, &both("x@example.org", ISSUER)),
        Err(Error::IdentityMismatch)
    );
}

#[test]
fn subject() {
    let env = envelope();
    let with = |s: &str| {
        policy(|p| {
            p.trust_key(signer().public_key()).unwrap();
            p.require_subject(s).unwrap();
        })
    };
    assert_eq!(verdict(&env, &with(SUBJECT)), Ok(()));
    assert_eq!(
        verdict(&env, &with("bootloader.bin")),
        Err(Error::SubjectMismatch)
    );
    assert_eq!(
        verdict(&env, &with("Firmware.bin")),
        Err(Error::SubjectMismatch)
    );
    assert_eq!(
        verdict(&env, &with("firmware.bin\0")),
        Err(Error::SubjectMismatch)
    );
    assert_eq!(
        TrustPolicy::new().require_subject("").err(),
        Some(Error::EmptyArgument)
    );
}

#[test]
fn rollback_and_version_missing() {
    let key = signer();
    let sign_version = |v: Option<u64>| {
        let mut p = Params::for_artifact(ARTIFACT, HashAlg::Sha256);
        p.version = v;
        sealkit_sign(&key, &p)
    };
    let min = |m: u64| {
        policy(|p| {
            p.trust_key(key.public_key()).unwrap();
            p.require_min_version(m);
        })
    };
    assert_eq!(verdict(&sign_version(Some(7)), &min(7)), Ok(()));
    assert_eq!(verdict(&sign_version(Some(8)), &min(7)), Ok(()));
    assert_eq!(
        verdict(&sign_version(Some(6)), &min(7)),
        Err(Error::Rollback)
    );
    assert_eq!(
        verdict(&sign_version(Some(0)), &min(1)),
        Err(Error::Rollback)
    );
    assert_eq!(
        verdict(&sign_version(Some(u64::MAX - 1)), &min(u64::MAX)),
        Err(Error::Rollback)
    );
    assert_eq!(
        verdict(&sign_version(Some(u64::MAX)), &min(u64::MAX)),
        Ok(())
    );
    assert_eq!(verdict(&sign_version(Some(0)), &min(0)), Ok(()));
    assert_eq!(
        verdict(&sign_version(None), &min(0)),
        Err(Error::VersionMissing)
    );
    assert_eq!(
        verdict(&sign_version(None), &min(7)),
        Err(Error::VersionMissing)
    );
    // Without a minimum, no version is needed.
    assert_eq!(verdict(&sign_version(None), &key.policy()), Ok(()));
}

#[test]
fn eddsa_is_accepted_like_ed25519() {
    let key = signer();
    let strict = policy(|p| {
        p.trust_key_for_identity(key.public_key(), ISSUER).unwrap();
        p.require_identity(ISSUER).unwrap();
        p.require_subject(SUBJECT).unwrap();
        p.require_min_version(VERSION);
    });
    for (alg, want) in [(-19, SignatureAlg::Ed25519), (-8, SignatureAlg::EdDsa)] {
        for hash in [HashAlg::Sha256, HashAlg::Sha512] {
            let mut p = Params::for_artifact(ARTIFACT, hash);
            p.alg = alg;
            let env = sealkit_sign(&key, &p);
            assert_eq!(EnvelopeSpec::from_params(&key, &p).encode(), env);
            let v = verify_slice(&env, ARTIFACT, &strict).unwrap();
            assert_eq!(v.alg(), want);
            assert_eq!(v.alg().cose_id(), alg);
            // And the same policy failures apply.
            let mut tampered = ARTIFACT.to_vec();
            tampered[0] ^= 1;
            assert_eq!(
                verify_slice(&env, &tampered, &strict).map(|_| ()),
                Err(Error::DigestMismatch)
            );
            assert_eq!(verdict(&env, &other().policy()), Err(Error::UntrustedKey));
        }
    }
}

#[test]
fn precedence_follows_the_verification_order() {
    // docs/FORMAT.md section 8: parse, key lookup, signature, identity, subject, version.
    let key = signer();
    let strict = |subject: &str, identity: &str, min: u64| {
        policy(|p| {
            p.trust_key(key.public_key()).unwrap();
            p.require_subject(subject).unwrap();
            p.require_identity(identity).unwrap();
            p.require_min_version(min);
        })
    };
    let everything_wrong = strict("other.bin", "x@example.org", VERSION + 1);
    let env = envelope();

    // A malformed envelope is reported as such even if its key is not trusted.
    let mut malformed = env.clone();
    malformed.push(0);
    assert_eq!(
        verdict(&malformed, &TrustPolicy::new()),
        Err(Error::TrailingBytes)
    );
    // An unknown key comes before everything the policy says.
    assert_eq!(
        verdict(
            &env,
            &policy(|p| {
                p.trust_key(other().public_key()).unwrap();
                p.require_subject("other.bin").unwrap();
            })
        ),
        Err(Error::UntrustedKey)
    );
    // The signature comes before the (unauthenticated) claims are compared with the policy.
    let mut spec = EnvelopeSpec::new(&key, ARTIFACT, HashAlg::Sha256);
    spec.signer = other();
    assert_eq!(
        verdict(&spec.encode(), &everything_wrong),
        Err(Error::BadSignature)
    );
    // Then identity, subject, version.
    assert_eq!(
        verdict(&env, &everything_wrong),
        Err(Error::IdentityMismatch)
    );
    assert_eq!(
        verdict(&env, &strict("other.bin", ISSUER, VERSION + 1)),
        Err(Error::SubjectMismatch)
    );
    assert_eq!(
        verdict(&env, &strict(SUBJECT, ISSUER, VERSION + 1)),
        Err(Error::Rollback)
    );
    assert_eq!(verdict(&env, &strict(SUBJECT, ISSUER, VERSION)), Ok(()));
}

fn verifier() -> StreamVerifier {
    StreamVerifier::new(&envelope(), &signer().policy()).unwrap()
}

#[test]
fn finished_is_final() {
    let mut v = verifier();
    assert!(!v.is_finished());
    assert_eq!(v.signed_length(), ARTIFACT.len() as u64);
    assert_eq!(v.hash_alg(), HashAlg::Sha256);
    v.update(&ARTIFACT[..5]).unwrap();
    v.update(&[]).unwrap();
    v.update(&ARTIFACT[5..]).unwrap();
    assert_eq!(v.bytes_received(), ARTIFACT.len() as u64);
    v.finish().unwrap();
    assert!(v.is_finished());
    assert_eq!(v.error(), None);
    assert_eq!(v.update(&[]), Err(Error::AlreadyFinished));
    assert_eq!(v.update(b"x"), Err(Error::AlreadyFinished));
    assert_eq!(v.finish().map(|_| ()), Err(Error::AlreadyFinished));
    assert_eq!(v.finish().map(|_| ()), Err(Error::AlreadyFinished));
    assert!(v.is_finished());
}

#[test]
fn errors_are_sticky() {
    // Too long: the error stays, whatever comes next, even a call that would have been fine.
    let mut v = verifier();
    v.update(ARTIFACT).unwrap();
    assert_eq!(v.update(b"!"), Err(Error::ArtifactTooLong));
    assert_eq!(v.error(), Some(Error::ArtifactTooLong));
    assert_eq!(v.update(&[]), Err(Error::ArtifactTooLong));
    assert_eq!(v.finish().map(|_| ()), Err(Error::ArtifactTooLong));
    assert_eq!(v.finish().map(|_| ()), Err(Error::ArtifactTooLong));
    assert!(!v.is_finished());

    // Too long in the first chunk.
    let mut v = verifier();
    assert_eq!(
        v.update(&[ARTIFACT, b"!"].concat()),
        Err(Error::ArtifactTooLong)
    );
    assert_eq!(v.bytes_received(), 0);
    assert_eq!(v.finish().map(|_| ()), Err(Error::ArtifactTooLong));

    // Too short.
    let mut v = verifier();
    v.update(&ARTIFACT[1..]).unwrap();
    assert_eq!(v.finish().map(|_| ()), Err(Error::ArtifactTooShort));
    assert_eq!(v.update(&ARTIFACT[..1]), Err(Error::ArtifactTooShort));
    assert_eq!(v.finish().map(|_| ()), Err(Error::ArtifactTooShort));
    assert_eq!(v.error(), Some(Error::ArtifactTooShort));

    // Digest mismatch.
    let mut v = verifier();
    let mut bad = ARTIFACT.to_vec();
    bad[3] ^= 0x80;
    v.update(&bad).unwrap();
    assert_eq!(v.finish().map(|_| ()), Err(Error::DigestMismatch));
    assert_eq!(v.finish().map(|_| ()), Err(Error::DigestMismatch));
    assert_eq!(v.update(&[]), Err(Error::DigestMismatch));
    assert_eq!(v.error(), Some(Error::DigestMismatch));
    assert!(!v.is_finished());
}

#[test]
fn a_cloned_verifier_is_independent() {
    let mut a = verifier();
    a.update(&ARTIFACT[..4]).unwrap();
    let mut b = a.clone();
    a.update(&ARTIFACT[4..]).unwrap();
    b.update(b"wrong bytes, same len").unwrap_err();
    assert!(a.finish().is_ok());
    assert_eq!(b.error(), Some(Error::ArtifactTooLong));
}

#[test]
fn trust_policy_construction() {
    let mut p = TrustPolicy::new();
    p.trust_key(signer().public_key()).unwrap();
    // The same key again, bound or not.
    assert_eq!(
        p.trust_key(signer().public_key()).map(|_| ()),
        Err(Error::DuplicateKey)
    );
    assert_eq!(
        p.trust_key_for_identity(signer().public_key(), ISSUER)
            .map(|_| ()),
        Err(Error::DuplicateKey)
    );
    assert_eq!(p.keys().len(), 1);

    // Up to MAX_TRUSTED_KEYS, then full; a duplicate is reported as such even when full.
    for i in 1..MAX_TRUSTED_KEYS {
        p.trust_key(TestKey::numbered(0x40 + i as u8).public_key())
            .unwrap();
    }
    assert_eq!(p.keys().len(), MAX_TRUSTED_KEYS);
    assert_eq!(
        p.trust_key(TestKey::numbered(0x7f).public_key())
            .map(|_| ()),
        Err(Error::TooManyKeys)
    );
    assert_eq!(
        p.trust_key(signer().public_key()).map(|_| ()),
        Err(Error::DuplicateKey)
    );
    assert_eq!(p.keys().len(), MAX_TRUSTED_KEYS);
    assert_eq!(p.keys()[0].key_id().as_bytes(), &signer().kid());
    assert_eq!(p.keys()[0].identity(), None);

    // Text arguments are bounded.
    let long = "x".repeat(sealkit::MAX_IDENTITY_LEN + 1);
    let max = "x".repeat(sealkit::MAX_IDENTITY_LEN);
    let mut p = TrustPolicy::new();
    assert_eq!(
        p.trust_key_for_identity(signer().public_key(), &long)
            .map(|_| ()),
        Err(Error::ArgumentTooLong)
    );
    assert!(p.keys().is_empty(), "a refused key is not added");
    p.trust_key_for_identity(signer().public_key(), &max)
        .unwrap();
    assert_eq!(p.keys()[0].identity(), Some(max.as_str()));
    assert_eq!(
        p.require_identity(&long).map(|_| ()),
        Err(Error::ArgumentTooLong)
    );
    assert_eq!(
        p.require_subject(&"s".repeat(sealkit::MAX_SUBJECT_LEN + 1))
            .map(|_| ()),
        Err(Error::ArgumentTooLong)
    );
    p.require_subject(&"s".repeat(sealkit::MAX_SUBJECT_LEN))
        .unwrap();
    assert_eq!(p.required_identity(), None);
}

#[test]
fn invalid_public_keys() {
    let cases = [
        // The identity point (order 1).
        "0100000000000000000000000000000000000000000000000000000000000000",
        // The point of order 2, (0, -1).
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        // An order-8 point (speccheck's small-order A).
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        // Order 4: (sqrt(-1), 0) encoded as y = 0.
        "0000000000000000000000000000000000000000000000000000000000000000",
        // Non-canonical: y = p (encodes 0 non-canonically).
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        // Non-canonical small-order encoding from speccheck (cases 10 and 11).
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        // y = 2: no x satisfies the curve equation.
        "0200000000000000000000000000000000000000000000000000000000000000",
    ];
    for hex_key in cases {
        let raw = unhex(hex_key);
        assert_eq!(
            PublicKey::from_bytes(&raw),
            Err(Error::InvalidPublicKey),
            "{hex_key}"
        );
        let text = format!("{PUBLIC_KEY_TEXT_PREFIX}{}", b64_of(&raw));
        assert_eq!(
            PublicKey::from_text(&text),
            Err(Error::InvalidPublicKey),
            "{hex_key}"
        );
    }
    // Wrong lengths.
    let good = signer().public_bytes();
    assert_eq!(
        PublicKey::from_bytes(&good[..31]),
        Err(Error::InvalidPublicKey)
    );
    assert_eq!(
        PublicKey::from_bytes(&[good.as_slice(), &[0]].concat()),
        Err(Error::InvalidPublicKey)
    );
    assert_eq!(PublicKey::from_bytes(&[]), Err(Error::InvalidPublicKey));
    assert!(PublicKey::from_bytes(&good).is_ok());
}

#[test]
fn public_key_text() {
    let key = signer();
    let text = key.text();
    assert_eq!(text.len(), PUBLIC_KEY_TEXT_LEN);
    assert!(text.starts_with(PUBLIC_KEY_TEXT_PREFIX));
    assert_eq!(
        text,
        format!("{PUBLIC_KEY_TEXT_PREFIX}{}", b64_of(&key.public_bytes())),
        "to_text is standard padded base64"
    );
    let b64 = &text[PUBLIC_KEY_TEXT_PREFIX.len()..];

    // Good, with surrounding ASCII whitespace.
    for ok in [
        text.clone(),
        format!("{text}\n"),
        format!("  {text}\r\n"),
        format!("\t{text}"),
    ] {
        assert_eq!(PublicKey::from_text(&ok), Ok(key.public_key()), "{ok:?}");
    }

    let bad = |t: &str| PublicKey::from_text(t);
    let e = Err(Error::BadPublicKeyText);
    // Prefix.
    assert_eq!(bad(b64), e);
    assert_eq!(bad(&format!("sealkit-ed448:{b64}")), e);
    assert_eq!(bad(&format!("SEALKIT-ED25519:{b64}")), e);
    assert_eq!(bad(&format!("sealkit-ed25519: {b64}")), e);
    assert_eq!(bad(&format!("minisign:{b64}")), e);
    assert_eq!(bad(""), e);
    assert_eq!(bad(PUBLIC_KEY_TEXT_PREFIX), e);
    // Base64.
    let mut star = b64.to_owned();
    star.replace_range(3..4, "*");
    assert_eq!(bad(&format!("{PUBLIC_KEY_TEXT_PREFIX}{star}")), e);
    let url_safe = b64_of(&[0xfb; 32]).replace('+', "-").replace('/', "_");
    assert_eq!(bad(&format!("{PUBLIC_KEY_TEXT_PREFIX}{url_safe}")), e);
    let unpadded = b64.trim_end_matches('=');
    assert_eq!(bad(&format!("{PUBLIC_KEY_TEXT_PREFIX}{unpadded}")), e);
    assert_eq!(bad(&format!("{PUBLIC_KEY_TEXT_PREFIX}{unpadded}A")), e);
    // Inner whitespace.
    assert_eq!(
        bad(&format!(
            "{PUBLIC_KEY_TEXT_PREFIX}{} {}",
            &b64[..20],
            &b64[21..]
        )),
        e
    );
    // Lengths: 43 and 45 characters; 44 characters decoding to 31 or 33 bytes.
    assert_eq!(bad(&text[..text.len() - 1]), e);
    assert_eq!(bad(&format!("{text}=")), e);
    assert_eq!(
        bad(&format!("{PUBLIC_KEY_TEXT_PREFIX}{}", b64_of(&[7; 31]))),
        e
    );
    assert_eq!(
        bad(&format!("{PUBLIC_KEY_TEXT_PREFIX}{}", b64_of(&[7; 33]))),
        e
    );
    assert_eq!(
        bad(&format!("{PUBLIC_KEY_TEXT_PREFIX}{}", b64_of(&[7; 64]))),
        e
    );
    // Non-ASCII characters never slice a code point in half.
    assert_eq!(bad(&format!("{PUBLIC_KEY_TEXT_PREFIX}{}é", &b64[..42])), e);
    assert_eq!(
        bad(&format!("{PUBLIC_KEY_TEXT_PREFIX}{}", "é".repeat(22))),
        e
    );
}

#[test]
fn signing_arguments() {
    assert!(matches!(
        sealkit::SigningKey::from_seed(&[0; 32]),
        Err(Error::InvalidSecretKey)
    ));
    let key = signer().signing_key();
    let mut p = Params::for_artifact(ARTIFACT, HashAlg::Sha256);
    let mut out = [0u8; sealkit::MAX_SIGNED_ENVELOPE_LEN];
    let n = sealkit::sign(&key, &p.sign_request(), &mut out).unwrap();
    for short in [0, 1, n / 2, n - 1] {
        assert_eq!(
            sealkit::sign(&key, &p.sign_request(), &mut out[..short]),
            Err(Error::BufferTooSmall),
            "buffer of {short}"
        );
    }
    assert_eq!(sealkit::sign(&key, &p.sign_request(), &mut out[..n]), Ok(n));

    // The largest envelope fits MAX_SIGNED_ENVELOPE_LEN and verifies.
    p.subject = "s".repeat(sealkit::MAX_SUBJECT_LEN);
    p.issuer = Some("i".repeat(sealkit::MAX_IDENTITY_LEN));
    p.content_type = Err("m".repeat(sealkit::MAX_MEDIA_TYPE_LEN));
    p.version = Some(u64::MAX);
    p.length = u64::MAX;
    p.issued_at = u64::MAX;
    p.hash = HashAlg::Sha512;
    p.digest = vec![0x5a; 64];
    let n = sealkit::sign(&key, &p.sign_request(), &mut out).unwrap();
    assert!(n <= sealkit::MAX_SIGNED_ENVELOPE_LEN);
    let v = StreamVerifier::new(&out[..n], &signer().policy()).unwrap();
    assert_eq!(v.signed_length(), u64::MAX);

    // Over-long text arguments.
    let mut q = Params::for_artifact(ARTIFACT, HashAlg::Sha256);
    q.subject = "s".repeat(sealkit::MAX_SUBJECT_LEN + 1);
    assert_eq!(
        sealkit::sign(&key, &q.sign_request(), &mut out),
        Err(Error::ArgumentTooLong)
    );
    let mut q = Params::for_artifact(ARTIFACT, HashAlg::Sha256);
    q.issuer = Some("i".repeat(sealkit::MAX_IDENTITY_LEN + 1));
    assert_eq!(
        sealkit::sign(&key, &q.sign_request(), &mut out),
        Err(Error::ArgumentTooLong)
    );
    let mut q = Params::for_artifact(ARTIFACT, HashAlg::Sha256);
    q.content_type = Err("m".repeat(sealkit::MAX_MEDIA_TYPE_LEN + 1));
    assert_eq!(
        sealkit::sign(&key, &q.sign_request(), &mut out),
        Err(Error::ArgumentTooLong)
    );
}

#[test]
fn error_codes_are_a_stable_table() {
    let mut codes = BTreeSet::new();
    let mut names = BTreeSet::new();
    for e in Error::ALL {
        assert!(codes.insert(e.code()), "code {} reused", e.code());
        assert!(names.insert(e.name()), "name {} reused", e.name());
        assert_eq!(Error::from_code(e.code()), Some(*e));
        assert!(!e.message().is_empty());
        assert_eq!(e.to_string(), e.message());
        assert_eq!(e.is_malformed_envelope(), (100..200).contains(&e.code()));
        assert_eq!(e.is_artifact_mismatch(), (300..400).contains(&e.code()));
        assert!(e
            .name()
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'));
    }
    assert!(Error::ALL.windows(2).all(|w| w[0].code() < w[1].code()));
    assert_eq!(Error::from_code(0), None);
    assert_eq!(Error::from_code(999), None);
    // Codes other bindings rely on.
    for (e, code) in [
        (Error::EnvelopeTruncated, 100),
        (Error::BadSignature, 203),
        (Error::ArtifactTooLong, 300),
        (Error::ArtifactTooShort, 301),
        (Error::DigestMismatch, 302),
        (Error::AlreadyFinished, 400),
        (Error::NotStarted, 401),
        (Error::AlreadyStarted, 402),
        (Error::ArgumentNotUtf8, 508),
        (Error::InvalidPublicKey, 500),
    ] {
        assert_eq!(e.code(), code, "{e:?}");
    }
}
