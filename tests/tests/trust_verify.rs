//! Trust rules, positive and negative: certificate chains (`kcwt`), revocation, time, scopes,
//! identities, signature sets (k-of-n), rotation statements and compiled policies. Each test
//! names the rule of `docs/FORMAT.md` ("Verifying a signer") it exercises.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use sealkit::{
    append_signature, check_signers, sign_with, ArtifactHasher, ContentType, Error, HashAlg,
    PolicyBuilder, SignOptions, SignRequest, SignatureAlg, StreamVerifier, TrustPolicy,
    MAX_SIGNATURE_SET_LEN,
};
use sealkit_conformance::trust_vectors::{
    cert, chain, envelope, intermediate, key, leaf_under_intermediate, one_link, rotation, set,
    two_links, Cert, Env, ARTIFACT, CI, DAY, ROOT_NAME, SUBJECT, T0,
};

fn verify(sig: &[u8], policy: &TrustPolicy) -> Result<sealkit::Verified, Error> {
    let mut v = StreamVerifier::new(sig, policy)?;
    // Streaming reads the artifact once, in chunks, whatever the number of signatures.
    for chunk in ARTIFACT.chunks(5) {
        v.update(chunk)?;
    }
    v.finish()
}

/// root (1) certifies the signing key (3) directly.
fn root_policy() -> TrustPolicy {
    let mut p = TrustPolicy::new();
    p.trust_root(key(1).public_key(), Some(ROOT_NAME)).unwrap();
    p
}

#[test]
fn a_directly_trusted_key_verifies_and_is_named() {
    let sig = envelope(&key(3), None, &Env::default());
    let mut p = TrustPolicy::new();
    p.trust_key(key(3).public_key()).unwrap();
    let v = verify(&sig, &p).unwrap();
    assert_eq!(v.key_id(), key(3).public_key().key_id());
    assert_eq!(v.signers().len(), 1);
    assert_eq!(v.signers()[0].root_key_id(), None);
    assert_eq!(v.signers()[0].chain_depth(), 0);
    assert!(!v.time_checked());
}

#[test]
fn a_one_link_chain_gives_the_certified_identity() {
    let sig = one_link(&Cert::default(), &Env::default());
    let v = verify(&sig, &root_policy()).unwrap();
    assert_eq!(v.identity(), Some(CI));
    assert_eq!(v.key_id(), key(3).public_key().key_id());
    let s = &v.signers()[0];
    assert_eq!(s.root_key_id(), Some(key(1).public_key().key_id()));
    assert_eq!(s.chain_depth(), 1);
    assert_eq!(s.identity(), Some(CI));
}

#[test]
fn a_two_link_chain_verifies_and_its_size_is_small() {
    let sig = two_links(&intermediate(), &leaf_under_intermediate(), &Env::default());
    let v = verify(&sig, &root_policy()).unwrap();
    assert_eq!(v.signers()[0].chain_depth(), 2);
    // The whole signature with a two-link chain stays a few hundred bytes.
    assert!(sig.len() < 1024, "{} bytes", sig.len());
    eprintln!("envelope with a 2-link chain: {} bytes", sig.len());
}

#[test]
fn the_root_key_itself_may_not_sign_directly_unless_allowed() {
    let sig = envelope(&key(1), None, &Env::default());
    assert_eq!(
        verify(&sig, &root_policy()).err(),
        Some(Error::UntrustedKey)
    );
    let mut p = TrustPolicy::new();
    p.trust_entry(key(1).public_key(), true, true, Some(ROOT_NAME))
        .unwrap();
    assert!(verify(&sig, &p).is_ok());
}

#[test]
fn chain_too_deep_for_the_policy() {
    let sig = two_links(&intermediate(), &leaf_under_intermediate(), &Env::default());
    let mut p = root_policy();
    p.set_max_chain_depth(1).unwrap();
    assert_eq!(verify(&sig, &p).err(), Some(Error::ChainTooDeep));
}

#[test]
fn chain_too_deep_for_the_issuing_certificate() {
    // The intermediate may have one certificate below it; three links need two.
    let k4 = key(4);
    let i = cert(&key(1), &key(2), &intermediate());
    let mid = cert(
        &key(2),
        &k4,
        &Cert {
            issuer_name: "ci-intermediate@vendor.example",
            subject: "mid@vendor.example",
            cti: b"mid",
            ..Cert::default()
        },
    );
    let leaf = cert(
        &k4,
        &key(3),
        &Cert {
            issuer_name: "mid@vendor.example",
            ..Cert::default()
        },
    );
    let sig = envelope(&key(3), Some(&chain(&[&leaf, &mid, &i])), &Env::default());
    let mut p = root_policy();
    p.set_max_chain_depth(3).unwrap();
    assert_eq!(verify(&sig, &p).err(), Some(Error::ChainTooDeep));
}

#[test]
fn a_leaf_certificate_cannot_certify() {
    let i = cert(
        &key(1),
        &key(2),
        &Cert {
            ca: None,
            ..intermediate()
        },
    );
    let l = cert(&key(2), &key(3), &leaf_under_intermediate());
    let sig = envelope(&key(3), Some(&chain(&[&l, &i])), &Env::default());
    assert_eq!(
        verify(&sig, &root_policy()).err(),
        Some(Error::NotACertifier)
    );
}

#[test]
fn a_direct_key_cannot_certify() {
    let sig = one_link(&Cert::default(), &Env::default());
    let mut p = TrustPolicy::new();
    p.trust_key(key(1).public_key()).unwrap();
    assert_eq!(verify(&sig, &p).err(), Some(Error::NotACertifier));
}

#[test]
fn unknown_issuer_key_and_wrong_issuer_name() {
    let sig = one_link(&Cert::default(), &Env::default());
    let mut p = TrustPolicy::new();
    p.trust_root(key(9).public_key(), None).unwrap();
    assert_eq!(verify(&sig, &p).err(), Some(Error::UnknownIssuer));

    let sig = one_link(
        &Cert {
            issuer_name: "someone-else",
            ..Cert::default()
        },
        &Env::default(),
    );
    assert_eq!(
        verify(&sig, &root_policy()).err(),
        Some(Error::UnknownIssuer)
    );
    // A root without a name accepts any issuer name.
    let mut p = TrustPolicy::new();
    p.trust_root(key(1).public_key(), None).unwrap();
    assert!(verify(&sig, &p).is_ok());
}

#[test]
fn a_lower_certificate_must_name_the_upper_subject_as_issuer() {
    let sig = two_links(
        &intermediate(),
        &Cert {
            issuer_name: "not-the-intermediate",
            ..Cert::default()
        },
        &Env::default(),
    );
    assert_eq!(
        verify(&sig, &root_policy()).err(),
        Some(Error::UnknownIssuer)
    );
}

#[test]
fn a_certificate_with_a_broken_signature() {
    let mut leaf = cert(&key(1), &key(3), &Cert::default());
    let n = leaf.len();
    leaf[n - 1] ^= 1;
    let sig = envelope(&key(3), Some(&chain(&[&leaf])), &Env::default());
    assert_eq!(
        verify(&sig, &root_policy()).err(),
        Some(Error::BadCertificateSignature)
    );
}

#[test]
fn the_leaf_must_certify_the_signing_key() {
    // The signer refuses to build such an envelope ...
    let leaf = cert(&key(1), &key(3), &Cert::default());
    let c = chain(&[&leaf]);
    let mut h = ArtifactHasher::new(HashAlg::Sha256);
    h.update(ARTIFACT);
    let req = SignRequest {
        alg: SignatureAlg::Ed25519,
        digest: h.finalize(),
        length: ARTIFACT.len() as u64,
        content_type: ContentType::OCTET_STREAM,
        subject: SUBJECT,
        issuer: None,
        issued_at: T0 + DAY,
        version: None,
    };
    let opts = SignOptions {
        chain: Some(&c),
        expires_at: None,
    };
    let mut out = vec![0u8; 4096];
    assert!(sign_with(&key(5), &req, &opts, &mut out).is_err());
    // ... so make one by naming another key id in a good envelope: the chain no longer
    // certifies the key the envelope names.
    let good = envelope(&key(3), Some(&c), &Env::default());
    let kid3 = key(3).public_key().key_id();
    let kid5 = key(5).public_key().key_id();
    let at = good
        .windows(8)
        .position(|w| w == kid3.as_bytes())
        .expect("kid in the protected header");
    let mut sig = good.clone();
    sig[at..at + 8].copy_from_slice(kid5.as_bytes());
    assert_eq!(
        verify(&sig, &root_policy()).err(),
        Some(Error::UntrustedKey)
    );
}

#[test]
fn scope_and_validity_may_only_narrow() {
    let scoped = Cert {
        scope: &["app-*"],
        ..intermediate()
    };
    // Narrower scope: fine.
    let ok = two_links(
        &scoped,
        &Cert {
            scope: &["app-1.*"],
            ..leaf_under_intermediate()
        },
        &Env::default(),
    );
    assert!(verify(&ok, &root_policy()).is_ok());
    // Wider scope, or none at all under a scoped issuer: refused.
    for leaf_scope in [&["*"][..], &[][..], &["app-*", "other"][..]] {
        let sig = two_links(
            &scoped,
            &Cert {
                scope: leaf_scope,
                ..leaf_under_intermediate()
            },
            &Env::default(),
        );
        assert_eq!(
            verify(&sig, &root_policy()).err(),
            Some(Error::ScopeWidened),
            "{leaf_scope:?}"
        );
    }
    // A certifying depth as large as the issuer's is a widening too.
    let sig = two_links(
        &intermediate(),
        &Cert {
            ca: Some(1),
            ..leaf_under_intermediate()
        },
        &Env::default(),
    );
    assert_eq!(
        verify(&sig, &root_policy()).err(),
        Some(Error::ScopeWidened)
    );
    // Validity beyond the issuer's, at either end.
    for (nbf, exp) in [(T0 - 2 * DAY, T0 + DAY), (T0, T0 + 400 * DAY)] {
        let sig = two_links(
            &intermediate(),
            &Cert {
                nbf,
                exp,
                ..leaf_under_intermediate()
            },
            &Env {
                iat: T0 + 1,
                ..Env::default()
            },
        );
        assert_eq!(
            verify(&sig, &root_policy()).err(),
            Some(Error::ValidityWidened)
        );
    }
}

#[test]
fn a_root_entry_with_subjects_scopes_its_certificates() {
    let mut p = root_policy();
    p.allow_subject(key(1).public_key().key_id(), "app-*")
        .unwrap();
    let unscoped = one_link(&Cert::default(), &Env::default());
    assert_eq!(verify(&unscoped, &p).err(), Some(Error::ScopeWidened));
    let scoped = one_link(
        &Cert {
            scope: &["app-*"],
            ..Cert::default()
        },
        &Env::default(),
    );
    assert!(verify(&scoped, &p).is_ok());
    let other = one_link(
        &Cert {
            scope: &["app-*"],
            ..Cert::default()
        },
        &Env {
            subject: "tool-1.0",
            ..Env::default()
        },
    );
    assert_eq!(verify(&other, &p).err(), Some(Error::SubjectOutOfScope));
}

#[test]
fn subject_out_of_the_certificate_scope() {
    let sig = one_link(
        &Cert {
            scope: &["firmware-*"],
            ..Cert::default()
        },
        &Env::default(),
    );
    assert_eq!(
        verify(&sig, &root_policy()).err(),
        Some(Error::SubjectOutOfScope)
    );
}

#[test]
fn identities_allowed_by_the_entry_and_required_by_the_policy() {
    let sig = one_link(&Cert::default(), &Env::default());
    let root = key(1).public_key().key_id();
    let mut p = root_policy();
    p.allow_identity(root, "*@vendor.example").unwrap();
    assert!(verify(&sig, &p).is_ok());

    let mut p = root_policy();
    p.allow_identity(root, "*@other.example").unwrap();
    assert_eq!(verify(&sig, &p).err(), Some(Error::IdentityMismatch));

    let mut p = root_policy();
    p.require_identity_pattern("release-*").unwrap();
    assert!(verify(&sig, &p).is_ok());
    p.require_identity("release-*").unwrap();
    // Exact requirement: the star is literal.
    assert_eq!(verify(&sig, &p).err(), Some(Error::IdentityMismatch));
}

#[test]
fn an_envelope_iss_cannot_contradict_the_certificate() {
    let sig = one_link(
        &Cert::default(),
        &Env {
            issuer: Some("ceo@vendor.example"),
            ..Env::default()
        },
    );
    assert_eq!(
        verify(&sig, &root_policy()).err(),
        Some(Error::IdentityMismatch)
    );
    let same = one_link(
        &Cert::default(),
        &Env {
            issuer: Some(CI),
            ..Env::default()
        },
    );
    assert!(verify(&same, &root_policy()).is_ok());
}

#[test]
fn revoked_keys_anywhere_in_the_chain_and_revoked_certificates() {
    let sig = two_links(&intermediate(), &leaf_under_intermediate(), &Env::default());
    for k in [1u8, 2, 3] {
        let mut p = root_policy();
        p.revoke_key(key(k).public_key().key_id()).unwrap();
        assert_eq!(verify(&sig, &p).err(), Some(Error::KeyRevoked), "key {k}");
    }
    for cti in [&b"inter-1"[..], b"leaf-1"] {
        let mut p = root_policy();
        p.revoke_certificate(cti).unwrap();
        assert_eq!(verify(&sig, &p).err(), Some(Error::CertificateRevoked));
    }
    // A revoked direct key.
    let direct = envelope(&key(3), None, &Env::default());
    let mut p = TrustPolicy::new();
    p.trust_key(key(3).public_key()).unwrap();
    p.revoke_key(key(3).public_key().key_id()).unwrap();
    assert_eq!(verify(&direct, &p).err(), Some(Error::KeyRevoked));
}

#[test]
fn time_is_checked_only_when_known() {
    let sig = one_link(
        &Cert::default(),
        &Env {
            exp: Some(T0 + 10 * DAY),
            ..Env::default()
        },
    );
    let v = verify(&sig, &root_policy()).unwrap();
    assert!(!v.time_checked());
    assert_eq!(v.expires_at(), Some(T0 + 10 * DAY));

    let at = |now: u64| {
        let mut p = root_policy();
        p.set_time(now);
        verify(&sig, &p)
    };
    assert!(at(T0 + 2 * DAY).unwrap().time_checked());
    assert_eq!(at(T0 - 1).err(), Some(Error::CertificateNotYetValid));
    assert_eq!(at(T0 + 30 * DAY).err(), Some(Error::CertificateExpired));
    assert_eq!(at(T0 + 10 * DAY).err(), Some(Error::EnvelopeExpired));
}

#[test]
fn a_signature_made_outside_the_certificate_validity() {
    for iat in [T0 - 1, T0 + 30 * DAY] {
        let sig = one_link(
            &Cert::default(),
            &Env {
                iat,
                ..Env::default()
            },
        );
        assert_eq!(
            verify(&sig, &root_policy()).err(),
            Some(Error::SignedOutsideValidity)
        );
    }
}

#[test]
fn rollback_still_applies_to_chained_signatures() {
    let sig = one_link(&Cert::default(), &Env::default());
    let mut p = root_policy();
    p.require_min_version(8);
    assert_eq!(verify(&sig, &p).err(), Some(Error::Rollback));
}

fn direct_policy(keys: &[u8]) -> TrustPolicy {
    let mut p = TrustPolicy::new();
    for k in keys {
        p.trust_key(key(*k).public_key()).unwrap();
    }
    p
}

#[test]
fn k_of_n_counts_distinct_trusted_signers() {
    let alice = Env {
        issuer: Some("alice@vendor.example"),
        ..Env::default()
    };
    let bob = Env {
        issuer: Some("bob@vendor.example"),
        ..Env::default()
    };
    let sig = set(&[
        envelope(&key(3), None, &alice),
        envelope(&key(4), None, &bob),
        envelope(&key(5), None, &Env::default()),
    ]);
    let mut p = direct_policy(&[3, 4]);
    p.require_signers(2, false).unwrap();
    let v = verify(&sig, &p).unwrap();
    assert_eq!(v.signers().len(), 2);
    assert_eq!(v.signers()[1].identity(), Some("bob@vendor.example"));

    p.require_signers(3, false).unwrap();
    assert_eq!(verify(&sig, &p).err(), Some(Error::ThresholdNotMet));
    let summary = check_signers(&sig, &p, |_| {}).unwrap();
    assert_eq!(summary.signers.len(), 2);
    assert_eq!(summary.first_error, Some(Error::UntrustedKey));
}

#[test]
fn distinct_identities_when_required() {
    let same = Env {
        issuer: Some("alice@vendor.example"),
        ..Env::default()
    };
    let sig = set(&[
        envelope(&key(3), None, &same),
        envelope(&key(4), None, &same),
    ]);
    let mut p = direct_policy(&[3, 4]);
    p.require_signers(2, false).unwrap();
    assert!(verify(&sig, &p).is_ok());
    p.require_signers(2, true).unwrap();
    assert_eq!(verify(&sig, &p).err(), Some(Error::ThresholdNotMet));
}

#[test]
fn a_single_envelope_under_a_threshold() {
    let sig = envelope(&key(3), None, &Env::default());
    let mut p = direct_policy(&[3]);
    p.require_signers(2, false).unwrap();
    assert_eq!(verify(&sig, &p).err(), Some(Error::ThresholdNotMet));
    // Threshold 1 keeps the envelope's own error.
    assert_eq!(
        verify(&sig, &direct_policy(&[4])).err(),
        Some(Error::UntrustedKey)
    );
}

#[test]
fn a_set_reports_every_signer() {
    let sig = set(&[
        envelope(&key(3), None, &Env::default()),
        envelope(&key(4), None, &Env::default()),
    ]);
    let mut seen = Vec::new();
    check_signers(&sig, &direct_policy(&[4]), |r| {
        seen.push((r.index, r.verdict.as_ref().err().copied(), r.counted));
    })
    .unwrap();
    assert_eq!(
        seen,
        vec![(0, Some(Error::UntrustedKey), false), (1, None, true)]
    );
}

#[test]
fn a_set_must_sign_one_artifact() {
    let a = envelope(&key(3), None, &Env::default());
    let b = envelope(
        &key(4),
        None,
        &Env {
            artifact: b"another artifact",
            ..Env::default()
        },
    );
    let mut out = vec![0u8; MAX_SIGNATURE_SET_LEN];
    assert_eq!(
        append_signature(&a, &b, &mut out),
        Err(Error::SignatureSetMismatch)
    );
    // Built by hand, the verifier refuses it too.
    let mut raw = vec![0x82];
    raw.extend_from_slice(&a);
    raw.extend_from_slice(&b);
    assert_eq!(
        verify(&raw, &direct_policy(&[3, 4])).err(),
        Some(Error::SignatureSetMismatch)
    );
    // A set of one, trailing bytes, and a set of nine.
    let mut one = vec![0x81];
    one.extend_from_slice(&a);
    assert_eq!(
        verify(&one, &direct_policy(&[3])).err(),
        Some(Error::BadSignatureSet)
    );
    let mut trailing = set(&[a.clone(), envelope(&key(4), None, &Env::default())]);
    trailing.push(0);
    assert_eq!(
        verify(&trailing, &direct_policy(&[3])).err(),
        Some(Error::TrailingBytes)
    );
    let mut nine = vec![0x89];
    for _ in 0..9 {
        nine.extend_from_slice(&a);
    }
    assert_eq!(
        verify(&nine, &direct_policy(&[3])).err(),
        Some(Error::BadSignatureSet)
    );
}

#[test]
fn the_same_key_twice_counts_once() {
    let a = envelope(&key(3), None, &Env::default());
    let b = envelope(
        &key(3),
        None,
        &Env {
            iat: T0 + 2 * DAY,
            ..Env::default()
        },
    );
    let mut raw = vec![0x82];
    raw.extend_from_slice(&a);
    raw.extend_from_slice(&b);
    let mut p = direct_policy(&[3]);
    p.require_signers(2, false).unwrap();
    assert_eq!(verify(&raw, &p).err(), Some(Error::ThresholdNotMet));
}

#[test]
fn a_rotation_moves_trust_to_the_new_root() {
    let old_sig = one_link(&Cert::default(), &Env::default());
    let leaf = cert(&key(6), &key(3), &Cert::default());
    let new_sig = envelope(&key(3), Some(&chain(&[&leaf])), &Env::default());

    let mut p = root_policy();
    p.allow_identity(key(1).public_key().key_id(), "*@vendor.example")
        .unwrap();
    assert_eq!(verify(&new_sig, &p).err(), Some(Error::UnknownIssuer));
    let new_kid = p.apply_rotation(&rotation(1, 6)).unwrap();
    assert_eq!(new_kid, key(6).public_key().key_id());
    assert_eq!(verify(&new_sig, &p).err(), None);
    // The old root is trusted no more; its name and patterns moved with the entry.
    assert_eq!(verify(&old_sig, &p).err(), Some(Error::UnknownIssuer));
    assert_eq!(p.root_name(new_kid), Some(ROOT_NAME));
    assert_eq!(p.allowed_identities(new_kid).count(), 1);
    // Rotations chain.
    p.apply_rotation(&rotation(6, 7)).unwrap();
    assert_eq!(verify(&new_sig, &p).err(), Some(Error::UnknownIssuer));
}

#[test]
fn a_rotation_must_be_signed_by_a_trusted_key() {
    let mut p = root_policy();
    assert_eq!(p.apply_rotation(&rotation(9, 6)), Err(Error::UntrustedKey));
    let mut bad = rotation(1, 6);
    let n = bad.len();
    bad[n - 1] ^= 1;
    assert_eq!(p.apply_rotation(&bad), Err(Error::BadSignature));
    assert_eq!(p.apply_rotation(&bad[..n - 1]), Err(Error::BadRotation));
    assert_eq!(p.apply_rotation(b"\xd2\x84"), Err(Error::BadRotation));
    let mut r = root_policy();
    r.revoke_key(key(6).public_key().key_id()).unwrap();
    assert_eq!(r.apply_rotation(&rotation(1, 6)), Err(Error::KeyRevoked));
    // Nothing changed after the failures.
    assert!(verify(&one_link(&Cert::default(), &Env::default()), &p).is_ok());
}

#[test]
fn a_builder_keeps_trust_errors_sticky() {
    let mut b = PolicyBuilder::new();
    b.trust_root(key(1).public_key(), Some(ROOT_NAME)).unwrap();
    let _ = b.apply_rotation(b"not a rotation");
    assert_eq!(b.policy().map(|_| ()), Err(Error::BadRotation));
    assert_eq!(
        b.revoke_key(key(3).public_key().key_id()).map(|_| ()),
        Err(Error::BadRotation)
    );
}

#[test]
fn policy_capacity_and_argument_errors() {
    let mut p = TrustPolicy::new();
    assert_eq!(
        p.trust_entry(key(1).public_key(), false, false, None)
            .map(|_| ()),
        Err(Error::EmptyArgument)
    );
    assert_eq!(
        p.allow_identity(key(1).public_key().key_id(), "x")
            .map(|_| ()),
        Err(Error::UntrustedKey)
    );
    p.trust_root(key(1).public_key(), None).unwrap();
    let kid = key(1).public_key().key_id();
    let long = "p".repeat(100);
    let mut full = false;
    for _ in 0..40 {
        match p.allow_identity(kid, &long) {
            Ok(_) => {}
            Err(e) => {
                assert_eq!(e, Error::PolicyFull);
                full = true;
                break;
            }
        }
    }
    assert!(full);
    assert_eq!(
        p.set_max_chain_depth(0).map(|_| ()),
        Err(Error::EmptyArgument)
    );
    assert_eq!(
        p.set_max_chain_depth(5).map(|_| ()),
        Err(Error::ArgumentTooLong)
    );
    assert_eq!(
        p.require_signers(9, false).map(|_| ()),
        Err(Error::ArgumentTooLong)
    );
    assert_eq!(
        p.revoke_certificate(&[0; 17]).map(|_| ()),
        Err(Error::ArgumentTooLong)
    );
    for i in 0..16u8 {
        p.revoke_key(sealkit::KeyId([i; 8])).unwrap();
    }
    assert_eq!(
        p.revoke_key(sealkit::KeyId([99; 8])).map(|_| ()),
        Err(Error::PolicyFull)
    );
}

#[test]
fn a_compiled_policy_loads_every_field() {
    use sealkit_conformance::trust_vectors::{EntrySpec, PolicySpec};
    let spec = PolicySpec {
        entries: vec![
            EntrySpec {
                key: 1,
                flags: 2,
                name: Some(ROOT_NAME),
                identities: vec!["*@vendor.example"],
                subjects: vec!["app-*", "tool-*"],
            },
            EntrySpec {
                key: 4,
                flags: 7,
                ..EntrySpec::default()
            },
        ],
        identity: Some("release-*"),
        subject: Some("app-*"),
        min_version: Some(5),
        max_chain_depth: Some(3),
        revoked_keys: vec![7, 8],
        revoked_certs: vec![b"inter-1", b"leaf-9"],
        threshold: Some(2),
        distinct_identities: true,
        require_timestamp: true,
    };
    let bytes = spec.encode();
    let p = TrustPolicy::from_cbor(&bytes).unwrap();
    let root = key(1).public_key().key_id();
    assert_eq!(p.keys().len(), 2);
    assert!(p.keys()[0].may_certify() && !p.keys()[0].may_sign());
    assert!(p.keys()[1].may_certify() && p.keys()[1].may_sign() && p.keys()[1].may_timestamp());
    assert!(!p.keys()[0].may_timestamp());
    assert_eq!(p.root_name(root), Some(ROOT_NAME));
    assert_eq!(
        p.allowed_identities(root).collect::<Vec<_>>(),
        ["*@vendor.example"]
    );
    assert_eq!(
        p.allowed_subjects(root).collect::<Vec<_>>(),
        ["app-*", "tool-*"]
    );
    assert_eq!(p.required_identity(), Some("release-*"));
    assert!(p.identity_is_pattern() && p.subject_is_pattern());
    assert_eq!(p.min_version(), Some(5));
    assert_eq!(p.max_chain_depth(), 3);
    assert_eq!(p.revoked_keys().len(), 2);
    assert!(p.is_certificate_revoked(b"leaf-9") && p.is_certificate_revoked(b"inter-1"));
    assert_eq!(p.threshold(), 2);
    assert!(p.distinct_identities());
    assert!(p.timestamp_required());
    assert_eq!(p.time(), None);

    // Every strict rule: trailing bytes, a truncation anywhere, an unknown key, version 2.
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert_eq!(
        TrustPolicy::from_cbor(&trailing).err(),
        Some(Error::BadPolicy)
    );
    for cut in 0..bytes.len() {
        assert!(
            TrustPolicy::from_cbor(&bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    let mut v2 = bytes.clone();
    assert_eq!(&v2[1..3], &[0x01, 0x01]);
    v2[2] = 0x02;
    assert_eq!(TrustPolicy::from_cbor(&v2).err(), Some(Error::BadPolicy));
    // Revoked certificate ids out of encoding order.
    let swapped = {
        let a = sealkit_conformance::cbor::bytes(b"leaf-9");
        let b = sealkit_conformance::cbor::bytes(b"inter-1");
        let mut good = a.clone();
        good.extend_from_slice(&b);
        let mut bad = b.clone();
        bad.extend_from_slice(&a);
        let at = bytes.windows(good.len()).position(|w| w == good).unwrap();
        let mut out = bytes.clone();
        out[at..at + good.len()].copy_from_slice(&bad);
        out
    };
    assert_eq!(
        TrustPolicy::from_cbor(&swapped).err(),
        Some(Error::BadPolicy)
    );
}

mod properties {
    use super::*;
    use proptest::prelude::*;
    use sealkit_conformance::trust_vectors::root_spec;

    fn chained() -> Vec<u8> {
        two_links(&intermediate(), &leaf_under_intermediate(), &Env::default())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Any change to a chained signature file (flipped, inserted or removed bytes, anywhere
        /// in the chain or the envelope) gives a typed error or, if it still verifies, the same
        /// facts; never a panic, and the verdict does not depend on the chunking.
        #[test]
        fn mutated_chains_never_panic(
            edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
        ) {
            let mut sig = chained();
            for (at, byte, kind) in &edits {
                let i = at.index(sig.len() + 1);
                match kind {
                    0 if i < sig.len() => sig[i] ^= byte | 1,
                    1 => sig.insert(i, *byte),
                    _ if i < sig.len() => { sig.remove(i); }
                    _ => {}
                }
            }
            let policy = TrustPolicy::from_cbor(&root_spec().encode()).unwrap();
            let whole = verify(&sig, &policy).map(|v| v.signers().to_vec());
            let mut slot = sealkit::VerifierSlot::new();
            let split = slot.start(&sig, &policy).and_then(|()| {
                for b in ARTIFACT {
                    slot.update(core::slice::from_ref(b))?;
                }
                slot.finish().map(|v| v.signers().to_vec())
            });
            prop_assert_eq!(whole, split);
            let _ = check_signers(&sig, &policy, |_| {});
        }

        /// Any byte string as a compiled policy: a typed error or a policy, never a panic; and
        /// whatever loads, verifying under it never panics.
        #[test]
        fn arbitrary_compiled_policies_never_panic(
            base in prop::collection::vec(any::<u8>(), 0..300),
            flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        ) {
            let mut bytes = if base.len() % 2 == 0 { root_spec().encode() } else { base };
            for (at, b) in &flips {
                if !bytes.is_empty() {
                    let i = at.index(bytes.len());
                    bytes[i] ^= b;
                }
            }
            if let Ok(p) = TrustPolicy::from_cbor(&bytes) {
                let _ = verify(&chained(), &p);
            }
        }
    }
}
