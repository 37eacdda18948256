//! Timestamp receipts: the exact encoding, attaching one to an envelope, and the verifier's
//! rules (a trusted receipt inside every certificate's validity replaces the clock for the
//! chain; a missing, untrusted, forged, foreign or out-of-validity receipt is refused). Expected
//! encodings are built here by hand and signatures checked with ed25519-compact directly.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use sealkit::{
    attach_receipt, envelope_digest, issue_certificate, sign_timestamp, sign_with, verify_slice,
    CertRequest, Envelope, Error, HashAlg, SignOptions, SignatureAlg, TimestampReceipt,
    TrustPolicy, MAX_CERT_LEN, MAX_CHAINED_ENVELOPE_LEN, MAX_ENVELOPE_LEN, MAX_RECEIPT_LEN,
    TIMESTAMP_TYPE,
};
use sealkit_conformance::cbor::{array, bytes, int, map, text, uint};
use sealkit_conformance::{sig_structure, Params, TestKey};
use sha2::{Digest as _, Sha256};

const ARTIFACT: &[u8] = b"keyless release artifact";
const ID: &str = "https://github.com/vendor/app/.github/workflows/release.yml@refs/tags/v1";
const NBF: u64 = 1_780_000_000;
const EXP: u64 = NBF + 600;
const DAY: u64 = 86_400;

fn issuer() -> TestKey {
    TestKey::numbered(0x71)
}
fn ephemeral() -> TestKey {
    TestKey::numbered(0x72)
}
fn tsa() -> TestKey {
    TestKey::numbered(0x73)
}
fn stranger() -> TestKey {
    TestKey::numbered(0x74)
}

fn certificate(nbf: u64, exp: u64) -> Vec<u8> {
    let req = CertRequest {
        alg: SignatureAlg::Ed25519,
        issuer: "keyless.vendor.example",
        subject: ID,
        key: ephemeral().public_key(),
        not_before: nbf,
        expires_at: exp,
        cti: &[7; 16],
        scope: &[],
        ca: None,
    };
    let mut out = [0u8; MAX_CERT_LEN];
    let n = issue_certificate(&issuer().signing_key(), &req, &mut out).unwrap();
    out[..n].to_vec()
}

/// An envelope by the ephemeral key carrying its certificate, signed at `NBF + 1`.
fn keyless_envelope() -> Vec<u8> {
    let mut p = Params::for_artifact(ARTIFACT, HashAlg::Sha256);
    p.issuer = Some(ID.to_owned());
    p.issued_at = NBF + 1;
    let cert = certificate(NBF, EXP);
    let mut out = vec![0u8; MAX_CHAINED_ENVELOPE_LEN];
    let opts = SignOptions {
        chain: Some(&cert),
        expires_at: None,
    };
    let n = sign_with(
        &ephemeral().signing_key(),
        &p.sign_request(),
        &opts,
        &mut out,
    )
    .unwrap();
    out.truncate(n);
    out
}

fn receipt_by(key: &TestKey, digest: &[u8; 32], time: u64) -> Vec<u8> {
    let mut out = [0u8; MAX_RECEIPT_LEN];
    let n = sign_timestamp(&key.signing_key(), digest, time, &mut out).unwrap();
    out[..n].to_vec()
}

fn stamped(env: &[u8], time: u64) -> Vec<u8> {
    let r = receipt_by(&tsa(), &envelope_digest(env).unwrap(), time);
    attach(env, &r).unwrap()
}

fn attach(env: &[u8], receipt: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = vec![0u8; MAX_ENVELOPE_LEN];
    let n = attach_receipt(env, receipt, &mut out)?;
    out.truncate(n);
    Ok(out)
}

/// The policy of a keyless verifier: the issuer as a named root, the timestamp key, a clock.
fn policy(now: Option<u64>) -> TrustPolicy {
    let mut p = TrustPolicy::new();
    p.trust_root(issuer().public_key(), Some("keyless.vendor.example"))
        .unwrap();
    p.trust_timestamp_key(tsa().public_key()).unwrap();
    p.require_identity_pattern("https://github.com/vendor/app/.github/workflows/release.yml@*")
        .unwrap();
    if let Some(now) = now {
        p.set_time(now);
    }
    p
}

fn verdict(env: &[u8], policy: &TrustPolicy) -> Result<(), Error> {
    verify_slice(env, ARTIFACT, policy).map(|_| ())
}

/// Rebuilds a Sign1 with the given unprotected header bytes (a CBOR map).
fn with_unprotected(env: &[u8], unprotected: &[u8]) -> Vec<u8> {
    let e = Envelope::parse(env).unwrap();
    let mut out = vec![0xd2];
    let mut parts = vec![bytes(e.protected_bytes())];
    parts.push(unprotected.to_vec());
    parts.push(bytes(e.unverified_digest()));
    parts.push(bytes(e.signature()));
    out.extend(array(&parts));
    out
}

#[test]
fn receipt_is_the_exact_deterministic_encoding() {
    let digest = [0xab; 32];
    let r = receipt_by(&tsa(), &digest, 1_780_000_123);
    let protected = map(&[
        (int(1), int(-19)),
        (int(4), bytes(&tsa().kid())),
        (int(16), text(TIMESTAMP_TYPE)),
    ]);
    let payload = map(&[(int(6), uint(1_780_000_123)), (int(-65541), bytes(&digest))]);
    let sig = tsa().sign(&sig_structure(&protected, &payload));
    let mut expected = vec![0xd2];
    expected.extend(array(&[
        bytes(&protected),
        map(&[]),
        bytes(&payload),
        bytes(&sig),
    ]));
    assert_eq!(r, expected);
    let parsed = TimestampReceipt::parse(&r).unwrap();
    assert_eq!(parsed.unverified_time(), 1_780_000_123);
    assert_eq!(parsed.unverified_digest(), &digest);
    assert_eq!(parsed.unverified_kid(), tsa().public_key().key_id());
    assert!(parsed.is_signed_by(&tsa().public_key()));
    assert!(!parsed.is_signed_by(&stranger().public_key()));
}

#[test]
fn the_envelope_digest_is_sha256_of_the_envelope_as_signed() {
    let env = keyless_envelope();
    let digest: [u8; 32] = Sha256::digest(&env).into();
    assert_eq!(envelope_digest(&env).unwrap(), digest);
    // Attaching a receipt leaves the digest (and the signed bytes) as they were.
    let with = stamped(&env, NBF + 5);
    assert_ne!(with, env);
    assert_eq!(envelope_digest(&with).unwrap(), digest);
    let (a, b) = (
        Envelope::parse(&env).unwrap(),
        Envelope::parse(&with).unwrap(),
    );
    assert_eq!(a.protected_bytes(), b.protected_bytes());
    assert_eq!(a.signature(), b.signature());
    assert!(a.unverified_receipt().is_none());
    let r = TimestampReceipt::parse(b.unverified_receipt().unwrap()).unwrap();
    assert_eq!(r.unverified_time(), NBF + 5);
    assert_eq!(
        envelope_digest(b"not an envelope"),
        Err(Error::NotTaggedSign1)
    );
}

#[test]
fn a_receipt_keeps_an_expired_certificate_verifiable_offline() {
    let env = keyless_envelope();
    let with = stamped(&env, NBF + 5);
    let months_later = EXP + 120 * DAY;
    let v = verify_slice(&with, ARTIFACT, &policy(Some(months_later))).unwrap();
    assert_eq!(v.identity(), Some(ID));
    let s = &v.signers()[0];
    assert_eq!(s.timestamp(), Some(NBF + 5));
    assert_eq!(s.timestamp_key_id(), Some(tsa().public_key().key_id()));
    assert_eq!(s.chain_depth(), 1);
    assert!(v.time_checked());
    // Without a clock too: the receipt is the time the chain is checked at.
    let v = verify_slice(&with, ARTIFACT, &policy(None)).unwrap();
    assert_eq!(v.signers()[0].timestamp(), Some(NBF + 5));
    // The same envelope without its receipt: the certificate has expired.
    assert_eq!(
        verdict(&env, &policy(Some(months_later))),
        Err(Error::CertificateExpired)
    );
    // ... and inside the ten minutes it verifies, with no timestamp to report.
    let v = verify_slice(&env, ARTIFACT, &policy(Some(NBF + 60))).unwrap();
    assert_eq!(v.signers()[0].timestamp(), None);
    // A tampered artifact still fails on its bytes.
    assert_eq!(
        verify_slice(
            &with,
            b"keyless release artifacT",
            &policy(Some(months_later))
        )
        .map(|_| ()),
        Err(Error::DigestMismatch)
    );
}

#[test]
fn a_policy_can_require_a_receipt() {
    let env = keyless_envelope();
    let mut p = policy(None);
    p.require_timestamp();
    assert!(p.timestamp_required());
    assert_eq!(verdict(&env, &p), Err(Error::TimestampMissing));
    assert_eq!(verdict(&stamped(&env, NBF + 5), &p), Ok(()));
}

#[test]
fn the_receipt_time_must_fall_inside_the_certificate() {
    let env = keyless_envelope();
    for t in [NBF - 1, EXP, EXP + DAY] {
        assert_eq!(
            verdict(&stamped(&env, t), &policy(Some(EXP + DAY))),
            Err(Error::TimestampOutsideValidity),
            "time {t}"
        );
    }
    for t in [NBF, EXP - 1] {
        assert_eq!(verdict(&stamped(&env, t), &policy(Some(EXP + DAY))), Ok(()));
    }
}

#[test]
fn only_a_trusted_unrevoked_timestamp_key_counts() {
    let env = keyless_envelope();
    let later = Some(EXP + 30 * DAY);
    // Signed by a key the policy does not trust to timestamp.
    let r = receipt_by(&stranger(), &envelope_digest(&env).unwrap(), NBF + 5);
    let by_stranger = attach(&env, &r).unwrap();
    assert_eq!(
        verdict(&by_stranger, &policy(later)),
        Err(Error::UntrustedTimestampKey)
    );
    // The issuer root may certify but was not trusted to timestamp.
    let r = receipt_by(&issuer(), &envelope_digest(&env).unwrap(), NBF + 5);
    let by_root = attach(&env, &r).unwrap();
    assert_eq!(
        verdict(&by_root, &policy(later)),
        Err(Error::UntrustedTimestampKey)
    );
    // ... unless it is: one key may be both the issuing root and the timestamp authority.
    let mut p = policy(later);
    p.trust_timestamp_key(issuer().public_key()).unwrap();
    assert_eq!(verdict(&by_root, &p), Ok(()));
    // A forged receipt naming the timestamp key's id.
    let protected = map(&[
        (int(1), int(-19)),
        (int(4), bytes(&tsa().kid())),
        (int(16), text(TIMESTAMP_TYPE)),
    ]);
    let payload = map(&[
        (int(6), uint(NBF + 5)),
        (int(-65541), bytes(&envelope_digest(&env).unwrap())),
    ]);
    let sig = stranger().sign(&sig_structure(&protected, &payload));
    let mut forged = vec![0xd2];
    forged.extend(array(&[
        bytes(&protected),
        map(&[]),
        bytes(&payload),
        bytes(&sig),
    ]));
    let forged_env = attach(&env, &forged).unwrap();
    assert_eq!(
        verdict(&forged_env, &policy(later)),
        Err(Error::BadTimestampSignature)
    );
    // A revoked timestamp key.
    let mut p = policy(later);
    p.revoke_key(tsa().public_key().key_id()).unwrap();
    assert_eq!(verdict(&stamped(&env, NBF + 5), &p), Err(Error::KeyRevoked));
}

#[test]
fn a_receipt_for_another_envelope_is_refused() {
    let env = keyless_envelope();
    let mut other = Params::for_artifact(ARTIFACT, HashAlg::Sha256);
    other.issuer = Some(ID.to_owned());
    other.issued_at = NBF + 2;
    let foreign = receipt_by(&tsa(), &[0x11; 32], NBF + 5);
    assert_eq!(attach(&env, &foreign), Err(Error::TimestampDigestMismatch));
    // Put there by hand, the verifier refuses it.
    let hand = with_unprotected(&env, &map(&[(int(-65539), foreign.clone())]));
    assert_eq!(
        verdict(&hand, &policy(None)),
        Err(Error::TimestampDigestMismatch)
    );
    // A second receipt cannot be attached.
    let with = stamped(&env, NBF + 5);
    let again = receipt_by(&tsa(), &envelope_digest(&env).unwrap(), NBF + 6);
    assert_eq!(attach(&with, &again), Err(Error::UnprotectedHeaderNotEmpty));
}

#[test]
fn the_unprotected_header_holds_a_receipt_and_nothing_else() {
    let env = keyless_envelope();
    let d = envelope_digest(&env).unwrap();
    let good = receipt_by(&tsa(), &d, NBF + 5);
    let parse = |u: &[u8]| Envelope::parse(&with_unprotected(&env, u)).map(|_| ());
    assert_eq!(parse(&map(&[(int(-65539), good.clone())])), Ok(()));
    // Another label, a text label, two entries, the receipt wrapped in a bstr.
    assert_eq!(
        parse(&map(&[(int(-65540), good.clone())])),
        Err(Error::UnprotectedHeaderNotEmpty)
    );
    assert_eq!(
        parse(&map(&[(text("ts"), good.clone())])),
        Err(Error::UnprotectedHeaderNotEmpty)
    );
    assert_eq!(
        parse(&map(&[
            (int(4), bytes(&[0; 8])),
            (int(-65539), good.clone())
        ])),
        Err(Error::UnprotectedHeaderNotEmpty)
    );
    assert_eq!(
        parse(&map(&[(int(-65539), bytes(&good))])),
        Err(Error::BadTimestampReceipt)
    );
    // Malformed receipts: wrong typ, an extra claim, a short digest, no tag, trailing data
    // inside the payload, a non-empty unprotected header, oversized.
    let protected = |typ: &str| {
        map(&[
            (int(1), int(-19)),
            (int(4), bytes(&tsa().kid())),
            (int(16), text(typ)),
        ])
    };
    let make = |protected: Vec<u8>, unprotected: Vec<u8>, payload: Vec<u8>| {
        let sig = tsa().sign(&sig_structure(&protected, &payload));
        let mut r = vec![0xd2];
        r.extend(array(&[
            bytes(&protected),
            unprotected,
            bytes(&payload),
            bytes(&sig),
        ]));
        r
    };
    let ok_payload = map(&[(int(6), uint(NBF + 5)), (int(-65541), bytes(&d))]);
    let bad = [
        make(
            protected("application/vnd.sealkit.cert+cwt"),
            map(&[]),
            ok_payload.clone(),
        ),
        make(
            protected(TIMESTAMP_TYPE),
            map(&[]),
            map(&[
                (int(1), text("tsa")),
                (int(6), uint(NBF + 5)),
                (int(-65541), bytes(&d)),
            ]),
        ),
        make(
            protected(TIMESTAMP_TYPE),
            map(&[]),
            map(&[(int(6), uint(NBF + 5)), (int(-65541), bytes(&d[..31]))]),
        ),
        make(
            protected(TIMESTAMP_TYPE),
            map(&[]),
            map(&[(int(-65541), bytes(&d)), (int(6), uint(NBF + 5))]),
        ),
        make(
            protected(TIMESTAMP_TYPE),
            map(&[]),
            [ok_payload.clone(), vec![0x00]].concat(),
        ),
        make(
            protected(TIMESTAMP_TYPE),
            map(&[(int(4), bytes(&tsa().kid()))]),
            ok_payload.clone(),
        ),
        good[1..].to_vec(),
        make(
            map(&[
                (int(1), int(-19)),
                (int(4), bytes(&tsa().kid())),
                (int(16), text(TIMESTAMP_TYPE)),
                (int(-65537), bytes(&[0; 200])),
            ]),
            map(&[]),
            ok_payload.clone(),
        ),
    ];
    for (i, r) in bad.iter().enumerate() {
        assert_eq!(
            parse(&map(&[(int(-65539), r.clone())])),
            Err(Error::BadTimestampReceipt),
            "case {i}"
        );
        assert_eq!(
            TimestampReceipt::parse(r).map(|_| ()),
            Err(Error::BadTimestampReceipt),
            "case {i}"
        );
    }
}

#[test]
fn compiled_policies_carry_the_timestamp_right_and_requirement() {
    use sealkit_conformance::cbor::cat;
    let entry = |key: &TestKey, flags: u64| {
        map(&[(int(1), bytes(&key.public_bytes())), (int(2), uint(flags))])
    };
    let root = map(&[
        (int(1), bytes(&issuer().public_bytes())),
        (int(2), uint(2)),
        (int(3), text("keyless.vendor.example")),
    ]);
    let compiled = map(&[
        (int(1), uint(1)),
        (int(2), array(&[root.clone(), entry(&tsa(), 4)])),
        (int(11), cat(&[&[0xf5]])),
    ]);
    let p = TrustPolicy::from_cbor(&compiled).unwrap();
    assert!(p.timestamp_required());
    let tsa_entry = p
        .keys()
        .iter()
        .find(|k| k.key_id() == tsa().public_key().key_id())
        .unwrap();
    assert!(tsa_entry.may_timestamp() && !tsa_entry.may_sign() && !tsa_entry.may_certify());
    let env = keyless_envelope();
    let mut p2 = p.clone();
    p2.set_time(EXP + DAY);
    assert_eq!(verdict(&stamped(&env, NBF + 5), &p2), Ok(()));
    assert_eq!(verdict(&env, &p2), Err(Error::TimestampMissing));
    // Flags beyond the three rights, a timestamp-only entry with a name, `false` for 11.
    for bad in [
        map(&[(int(1), uint(1)), (int(2), array(&[entry(&tsa(), 8)]))]),
        map(&[
            (int(1), uint(1)),
            (
                int(2),
                array(&[map(&[
                    (int(1), bytes(&tsa().public_bytes())),
                    (int(2), uint(4)),
                    (int(3), text("tsa")),
                ])]),
            ),
        ]),
        map(&[
            (int(1), uint(1)),
            (int(2), array(std::slice::from_ref(&root))),
            (int(11), vec![0xf4]),
        ]),
    ] {
        assert_eq!(
            TrustPolicy::from_cbor(&bad).map(|_| ()),
            Err(Error::BadPolicy)
        );
    }
}

#[test]
fn a_timestamp_key_conflicting_with_a_trusted_key_id_is_refused() {
    let mut p = TrustPolicy::new();
    p.trust_timestamp_key(tsa().public_key()).unwrap();
    // Trusting it again is idempotent; it may not also sign unless trusted so.
    p.trust_timestamp_key(tsa().public_key()).unwrap();
    assert_eq!(p.keys().len(), 1);
    assert!(!p.keys()[0].may_sign());
    assert_eq!(
        p.trust_key(tsa().public_key()).map(|_| ()),
        Err(Error::DuplicateKey)
    );
}
