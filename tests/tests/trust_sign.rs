//! The signing side of trust: key certificates, rotation statements, `kcwt` chains, envelopes
//! with a chain or an expiry, and signature sets. Every expected encoding is built here by hand
//! (with the test crate's own CBOR helpers) and every signature is checked with ed25519-compact
//! directly, so these tests do not trust sealkit's encoder to check itself.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use sealkit::{
    append_signature, encode_chain, issue_certificate, sign, sign_rotation, sign_with,
    verify_slice, CertRequest, Error, HashAlg, SignOptions, SignatureAlg, TrustPolicy,
    CERT_TYPE as CERTIFICATE_TYPE, MAX_CERT_LEN as MAX_ISSUED_CERTIFICATE_LEN,
    MAX_CHAINED_ENVELOPE_LEN, MAX_ENCODED_CHAIN_LEN, MAX_ROTATION_LEN, MAX_SIGNATURE_SET_LEN,
    MAX_SIGNED_ENVELOPE_LEN, ROTATION_TYPE,
};
use sealkit_conformance::cbor::{array, bytes, int, map, text, uint};
use sealkit_conformance::{sealkit_sign, sig_structure, Params, TestKey};

const ARTIFACT: &[u8] = b"trust signing test artifact";

fn root() -> TestKey {
    TestKey::numbered(0x51)
}
fn signer() -> TestKey {
    TestKey::numbered(0x52)
}

fn request<'a>(key: &TestKey, scope: &'a [&'a str], ca: Option<u8>) -> CertRequest<'a> {
    CertRequest {
        alg: SignatureAlg::Ed25519,
        issuer: "vendor-root",
        subject: "release-ci@vendor.example",
        key: key.public_key(),
        not_before: 1_700_000_000,
        expires_at: 1_702_592_000,
        cti: &[0xc0, 0xff, 0xee, 0x01],
        scope,
        ca,
    }
}

fn issue(issuer: &TestKey, req: &CertRequest<'_>) -> Vec<u8> {
    let mut out = [0u8; MAX_ISSUED_CERTIFICATE_LEN];
    let n = issue_certificate(&issuer.signing_key(), req, &mut out).unwrap();
    out[..n].to_vec()
}

fn cose_key(key: &TestKey) -> Vec<u8> {
    map(&[
        (int(1), int(1)),
        (int(-1), int(6)),
        (int(-2), bytes(&key.public_bytes())),
    ])
}

fn cwt_protected(alg: i64, signer: &TestKey, typ: &str) -> Vec<u8> {
    map(&[
        (int(1), int(alg)),
        (int(4), bytes(&signer.kid())),
        (int(16), text(typ)),
    ])
}

/// `#6.18([protected, {}, payload, signature])`, signed here with ed25519-compact.
fn sign1(signer: &TestKey, protected: &[u8], payload: &[u8]) -> Vec<u8> {
    let sig = signer.sign(&sig_structure(protected, payload));
    let mut out = vec![0xd2];
    out.extend(array(&[
        bytes(protected),
        map(&[]),
        bytes(payload),
        bytes(&sig),
    ]));
    out
}

/// Splits a tagged Sign1 built by sealkit into (protected, payload, signature) by walking its
/// heads, and checks the signature with ed25519-compact over the Sig_structure built here.
fn open_sign1(signer: &TestKey, msg: &[u8]) -> (Vec<u8>, Vec<u8>) {
    assert_eq!(&msg[..2], &[0xd2, 0x84]);
    let mut pos = 2;
    let read_bstr = |pos: &mut usize| -> Vec<u8> {
        let ib = msg[*pos];
        assert_eq!(ib >> 5, 2, "expected a byte string");
        let (len, head) = match ib & 0x1f {
            n @ 0..=23 => (usize::from(n), 1),
            24 => (usize::from(msg[*pos + 1]), 2),
            25 => (
                usize::from(u16::from_be_bytes([msg[*pos + 1], msg[*pos + 2]])),
                3,
            ),
            _ => panic!("unexpected head"),
        };
        let v = msg[*pos + head..*pos + head + len].to_vec();
        *pos += head + len;
        v
    };
    let protected = read_bstr(&mut pos);
    assert_eq!(msg[pos], 0xa0, "empty unprotected header");
    pos += 1;
    let payload = read_bstr(&mut pos);
    let sig = read_bstr(&mut pos);
    assert_eq!(pos, msg.len(), "no trailing bytes");
    let pk = ed25519_compact::PublicKey::new(signer.public_bytes());
    let sig = ed25519_compact::Signature::from_slice(&sig).unwrap();
    pk.verify(sig_structure(&protected, &payload), &sig)
        .expect("signature verifies under the signer's key");
    (protected, payload)
}

#[test]
fn certificate_is_the_exact_deterministic_encoding() {
    let scope = ["app-*", "tool"];
    let req = request(&signer(), &scope, Some(1));
    let cert = issue(&root(), &req);
    let protected = cwt_protected(-19, &root(), CERTIFICATE_TYPE);
    let claims = map(&[
        (int(1), text("vendor-root")),
        (int(2), text("release-ci@vendor.example")),
        (int(4), uint(1_702_592_000)),
        (int(5), uint(1_700_000_000)),
        (int(7), bytes(&[0xc0, 0xff, 0xee, 0x01])),
        (int(8), map(&[(int(1), cose_key(&signer()))])),
        (int(-65539), array(&[text("app-*"), text("tool")])),
        (int(-65540), uint(1)),
    ]);
    assert_eq!(cert, sign1(&root(), &protected, &claims));
    let (p, c) = open_sign1(&root(), &cert);
    assert_eq!((p, c), (protected, claims));
    // Deterministic: the same request gives the same bytes.
    assert_eq!(issue(&root(), &req), cert);
}

#[test]
fn leaf_certificate_omits_scope_and_ca_and_eddsa_is_written_as_minus_8() {
    let mut req = request(&signer(), &[], None);
    req.alg = SignatureAlg::EdDsa;
    let cert = issue(&root(), &req);
    let (protected, claims) = open_sign1(&root(), &cert);
    assert_eq!(protected, cwt_protected(-8, &root(), CERTIFICATE_TYPE));
    let expected = map(&[
        (int(1), text("vendor-root")),
        (int(2), text("release-ci@vendor.example")),
        (int(4), uint(1_702_592_000)),
        (int(5), uint(1_700_000_000)),
        (int(7), bytes(&[0xc0, 0xff, 0xee, 0x01])),
        (int(8), map(&[(int(1), cose_key(&signer()))])),
    ]);
    assert_eq!(claims, expected);
}

#[test]
fn largest_certificate_fits_its_limit() {
    let long = "x".repeat(128);
    let pat = format!("{}*", "p".repeat(127));
    let scope = [pat.as_str(), pat.as_str(), pat.as_str(), pat.as_str()];
    let mut req = request(&signer(), &scope, Some(8));
    req.issuer = &long;
    req.subject = &long;
    req.cti = &[0xab; 16];
    req.not_before = u64::MAX - 1;
    req.expires_at = u64::MAX;
    let mut out = [0u8; MAX_ISSUED_CERTIFICATE_LEN];
    let n = issue_certificate(&root().signing_key(), &req, &mut out).unwrap();
    assert!(n <= MAX_ISSUED_CERTIFICATE_LEN);
    open_sign1(&root(), &out[..n]);
    // The verifier's parser reads back every field.
    let c = sealkit::Certificate::parse(&out[..n]).unwrap();
    assert_eq!(c.unverified_subject(), long);
    assert_eq!(c.unverified_scope(), &scope[..]);
    assert_eq!(c.unverified_ca(), Some(8));
    assert_eq!(c.unverified_id(), &[0xab; 16]);
    assert_eq!(c.unverified_key(), &signer().public_key());
    assert!(c.is_signed_by(&root().public_key()));
}

#[test]
fn certificate_arguments_are_checked() {
    let k = root().signing_key();
    let mut out = [0u8; MAX_ISSUED_CERTIFICATE_LEN];
    let long = "x".repeat(129);
    type Change = Box<dyn Fn(&mut CertRequest<'_>)>;
    let cases: Vec<(Change, Error)> = vec![
        (Box::new(|r| r.issuer = ""), Error::EmptyArgument),
        (Box::new(|r| r.subject = ""), Error::EmptyArgument),
        (Box::new(|r| r.cti = &[]), Error::EmptyArgument),
        (Box::new(|r| r.cti = &[1; 17]), Error::ArgumentTooLong),
        (
            Box::new(|r| r.scope = &["a", "b", "c", "d", "e"]),
            Error::ArgumentTooLong,
        ),
        (Box::new(|r| r.scope = &["a", ""]), Error::EmptyArgument),
        (
            Box::new(|r| r.not_before = r.expires_at),
            Error::BadCertificate,
        ),
        (
            Box::new(|r| r.not_before = r.expires_at + 1),
            Error::BadCertificate,
        ),
        (Box::new(|r| r.ca = Some(0)), Error::BadCertificate),
        (Box::new(|r| r.ca = Some(9)), Error::BadCertificate),
    ];
    for (i, (change, want)) in cases.iter().enumerate() {
        let mut req = request(&signer(), &[], None);
        change(&mut req);
        assert_eq!(
            issue_certificate(&k, &req, &mut out),
            Err(*want),
            "case {i}"
        );
    }
    let mut req = request(&signer(), &[], None);
    req.issuer = &long;
    assert_eq!(
        issue_certificate(&k, &req, &mut out),
        Err(Error::ArgumentTooLong)
    );
    let req = request(&signer(), &[], None);
    let mut small = [0u8; 40];
    assert_eq!(
        issue_certificate(&k, &req, &mut small),
        Err(Error::BufferTooSmall)
    );
}

#[test]
fn rotation_statement_is_the_exact_encoding() {
    let new_root = TestKey::numbered(0x53);
    let mut out = [0u8; MAX_ROTATION_LEN];
    let n = sign_rotation(
        &root().signing_key(),
        &new_root.public_key(),
        1_750_000_000,
        &mut out,
    )
    .unwrap();
    let protected = cwt_protected(-19, &root(), ROTATION_TYPE);
    let payload = map(&[
        (int(6), uint(1_750_000_000)),
        (int(8), map(&[(int(1), cose_key(&new_root))])),
    ]);
    assert_eq!(&out[..n], &sign1(&root(), &protected, &payload)[..]);
    assert_eq!(
        sign_rotation(&root().signing_key(), &root().public_key(), 1, &mut out),
        Err(Error::DuplicateKey)
    );
    let mut small = [0u8; 50];
    assert_eq!(
        sign_rotation(&root().signing_key(), &new_root.public_key(), 1, &mut small),
        Err(Error::BufferTooSmall)
    );
}

/// A certificate by `issuer` for `key`, named as a chain link: `iss` is `issuer_name`, `sub`
/// is `subject`.
fn link(
    issuer: &TestKey,
    issuer_name: &str,
    key: &TestKey,
    subject: &str,
    ca: Option<u8>,
) -> Vec<u8> {
    let mut req = request(key, &[], ca);
    req.issuer = issuer_name;
    req.subject = subject;
    issue(issuer, &req)
}

#[test]
fn chains_are_one_item_alone_or_an_array_leaf_first() {
    let (k1, k2, k3) = (
        TestKey::numbered(0x61),
        TestKey::numbered(0x62),
        TestKey::numbered(0x63),
    );
    let leaf = link(&k1, "ca-1", &signer(), "ci", None);
    let c2 = link(&k2, "ca-2", &k1, "ca-1", Some(1));
    let c3 = link(&k3, "ca-3", &k2, "ca-2", Some(2));
    let c4 = link(&root(), "vendor-root", &k3, "ca-3", Some(3));
    let mut out = [0u8; MAX_ENCODED_CHAIN_LEN];
    let n = encode_chain(&[&leaf], &mut out).unwrap();
    assert_eq!(&out[..n], &leaf[..]);
    let n = encode_chain(&[&leaf, &c2], &mut out).unwrap();
    assert_eq!(&out[..n], &[&[0x82][..], &leaf, &c2].concat()[..]);
    let n = encode_chain(&[&leaf, &c2, &c3, &c4], &mut out).unwrap();
    assert_eq!(&out[..n], &[&[0x84][..], &leaf, &c2, &c3, &c4].concat()[..]);
    assert_eq!(sealkit::parse_chain(&out[..n]).unwrap().len(), 4);

    assert_eq!(encode_chain(&[], &mut out), Err(Error::EmptyArgument));
    assert_eq!(
        encode_chain(&[&leaf, &c2, &c3, &c4, &c4], &mut out),
        Err(Error::BadCertificate)
    );
    // Out of order, or a link that does not certify the key above it.
    assert_eq!(
        encode_chain(&[&c2, &leaf], &mut out),
        Err(Error::UnknownIssuer)
    );
    assert_eq!(
        encode_chain(&[&leaf, &c3], &mut out),
        Err(Error::UnknownIssuer)
    );
    assert_eq!(
        encode_chain(&[&leaf, b"not a cert"], &mut out),
        Err(Error::BadCertificate)
    );
    let mut bad = leaf.clone();
    bad.push(0);
    assert_eq!(encode_chain(&[&bad], &mut out), Err(Error::BadCertificate));
    let mut small = [0u8; 10];
    assert_eq!(
        encode_chain(&[&leaf], &mut small),
        Err(Error::BufferTooSmall)
    );
}

fn params() -> Params {
    Params::for_artifact(ARTIFACT, HashAlg::Sha256)
}

#[test]
fn sign_with_defaults_is_sign() {
    for issuer in [Some("ci@vendor.example"), None] {
        for version in [Some(7), None] {
            let mut p = params();
            p.issuer = issuer.map(str::to_owned);
            p.version = version;
            let mut a = [0u8; MAX_SIGNED_ENVELOPE_LEN];
            let mut b = [0u8; MAX_SIGNED_ENVELOPE_LEN];
            let k = signer().signing_key();
            let na = sign(&k, &p.sign_request(), &mut a).unwrap();
            let nb = sign_with(&k, &p.sign_request(), &SignOptions::default(), &mut b).unwrap();
            assert_eq!(&a[..na], &b[..nb]);
            assert_eq!(a[..na].to_vec(), sealkit_sign(&signer(), &p));
        }
    }
}

/// The protected header sealkit writes for `params()`, with an optional chain and expiry,
/// built here entry by entry in the documented key order.
fn expected_protected(p: &Params, chain: Option<&[u8]>, exp: Option<u64>) -> Vec<u8> {
    let mut claims = vec![
        (int(1), text(p.issuer.as_deref().unwrap())),
        (int(2), text(&p.subject)),
    ];
    if let Some(exp) = exp {
        claims.push((int(4), uint(exp)));
    }
    claims.push((int(6), uint(p.issued_at)));
    let mut entries = vec![(int(1), int(p.alg)), (int(4), bytes(&signer().kid()))];
    if let Some(chain) = chain {
        entries.push((int(13), chain.to_vec()));
    }
    entries.extend([
        (int(15), map(&claims)),
        (int(16), text("application/vnd.sealkit+cose")),
        (int(258), int(-16)),
        (int(259), uint(42)),
        (int(-65537), uint(p.length)),
        (int(-65538), uint(p.version.unwrap())),
    ]);
    map(&entries)
}

#[test]
fn envelope_with_chain_and_expiry_places_13_and_exp_in_key_order() {
    let p = params();
    let leaf = issue(&root(), &request(&signer(), &[], None));
    let k = signer().signing_key();
    let mut out = [0u8; MAX_CHAINED_ENVELOPE_LEN];

    // Expiry only: still within the unchained bound.
    let opts = SignOptions {
        chain: None,
        expires_at: Some(1_800_000_000),
    };
    let mut small = [0u8; MAX_SIGNED_ENVELOPE_LEN];
    let n = sign_with(&k, &p.sign_request(), &opts, &mut small).unwrap();
    let (protected, payload) = open_sign1(&signer(), &small[..n]);
    assert_eq!(protected, expected_protected(&p, None, Some(1_800_000_000)));
    assert_eq!(payload, p.digest);

    // One certificate: the item itself under 13.
    let opts = SignOptions {
        chain: Some(&leaf),
        expires_at: None,
    };
    let n = sign_with(&k, &p.sign_request(), &opts, &mut out).unwrap();
    let (protected, _) = open_sign1(&signer(), &out[..n]);
    assert_eq!(protected, expected_protected(&p, Some(&leaf), None));

    // Two certificates and an expiry.
    let mid = link(
        &TestKey::numbered(0x54),
        "top",
        &root(),
        "vendor-root",
        Some(1),
    );
    let mut chain = [0u8; MAX_ENCODED_CHAIN_LEN];
    let cn = encode_chain(&[&leaf, &mid], &mut chain).unwrap();
    let opts = SignOptions {
        chain: Some(&chain[..cn]),
        expires_at: Some(5),
    };
    let n = sign_with(&k, &p.sign_request(), &opts, &mut out).unwrap();
    let (protected, _) = open_sign1(&signer(), &out[..n]);
    assert_eq!(
        protected,
        expected_protected(&p, Some(&chain[..cn]), Some(5))
    );
}

/// The largest certificate the format allows, by `issuer` for `key`.
fn big_link(issuer: &TestKey, key: &TestKey) -> Vec<u8> {
    let long = "x".repeat(128);
    let pat = format!("{}*", "p".repeat(127));
    let scope = [pat.as_str(), pat.as_str(), pat.as_str(), pat.as_str()];
    let mut req = request(key, &scope, Some(8));
    req.issuer = &long;
    req.subject = &long;
    req.cti = &[0xab; 16];
    issue(issuer, &req)
}

#[test]
fn the_largest_unchained_envelope_with_an_expiry_fits_the_old_bound() {
    let mut p = Params::for_artifact(ARTIFACT, HashAlg::Sha512);
    p.subject = "s".repeat(sealkit::MAX_SUBJECT_LEN);
    p.issuer = Some("i".repeat(sealkit::MAX_IDENTITY_LEN));
    p.content_type = Err(format!("a/{}", "m".repeat(sealkit::MAX_MEDIA_TYPE_LEN - 2)));
    p.issued_at = u64::MAX;
    p.version = Some(u64::MAX);
    p.length = u64::MAX;
    let opts = SignOptions {
        chain: None,
        expires_at: Some(u64::MAX),
    };
    let mut out = [0u8; MAX_SIGNED_ENVELOPE_LEN];
    let n = sign_with(&signer().signing_key(), &p.sign_request(), &opts, &mut out).unwrap();
    assert!(n <= MAX_SIGNED_ENVELOPE_LEN);
    open_sign1(&signer(), &out[..n]);
}

#[test]
fn chained_envelopes_respect_the_envelope_limit() {
    let p = params();
    let k = signer().signing_key();
    let (k1, k2, k3) = (
        TestKey::numbered(0x61),
        TestKey::numbered(0x62),
        TestKey::numbered(0x63),
    );
    let certs = [
        big_link(&k1, &signer()),
        big_link(&k2, &k1),
        big_link(&k3, &k2),
        big_link(&root(), &k3),
    ];
    // Four of the largest certificates cannot fit a 4096-byte envelope: refused, not truncated.
    let mut chain = [0u8; MAX_ENCODED_CHAIN_LEN];
    let refs: Vec<&[u8]> = certs.iter().map(Vec::as_slice).collect();
    let cn = encode_chain(&refs, &mut chain).unwrap();
    let mut out = [0u8; MAX_CHAINED_ENVELOPE_LEN];
    let opts = SignOptions {
        chain: Some(&chain[..cn]),
        expires_at: Some(u64::MAX),
    };
    assert_eq!(
        sign_with(&k, &p.sign_request(), &opts, &mut out),
        Err(Error::ArgumentTooLong)
    );
    // Three of them fit, and the result is within the bound.
    let cn = encode_chain(&refs[..3], &mut chain).unwrap();
    let opts = SignOptions {
        chain: Some(&chain[..cn]),
        expires_at: Some(u64::MAX),
    };
    let n = sign_with(&k, &p.sign_request(), &opts, &mut out).unwrap();
    assert!(n <= MAX_CHAINED_ENVELOPE_LEN);
    open_sign1(&signer(), &out[..n]);
    let empty = SignOptions {
        chain: Some(&[]),
        expires_at: None,
    };
    assert_eq!(
        sign_with(&k, &p.sign_request(), &empty, &mut out),
        Err(Error::EmptyArgument)
    );
    // A chain whose leaf certifies another key is refused.
    let other = SignOptions {
        chain: Some(&certs[1]),
        expires_at: None,
    };
    assert_eq!(
        sign_with(&k, &p.sign_request(), &other, &mut out),
        Err(Error::UntrustedKey)
    );
    let junk = SignOptions {
        chain: Some(b"junk"),
        expires_at: None,
    };
    assert_eq!(
        sign_with(&k, &p.sign_request(), &junk, &mut out),
        Err(Error::BadCertificate)
    );
    // A too small output buffer is reported as such.
    let mut small = [0u8; 100];
    let opts = SignOptions {
        chain: Some(&certs[0]),
        expires_at: None,
    };
    assert_eq!(
        sign_with(&k, &p.sign_request(), &opts, &mut small),
        Err(Error::BufferTooSmall)
    );
}

fn env_by(n: u8, p: &Params) -> Vec<u8> {
    sealkit_sign(&TestKey::numbered(n), p)
}

fn append(existing: &[u8], new: &[u8]) -> Result<Vec<u8>, Error> {
    let mut out = vec![0u8; MAX_SIGNATURE_SET_LEN];
    let n = append_signature(existing, new, &mut out)?;
    out.truncate(n);
    Ok(out)
}

#[test]
fn appending_builds_a_set_without_touching_existing_bytes() {
    let p = params();
    let (a, b, c) = (env_by(1, &p), env_by(2, &p), env_by(3, &p));
    let set2 = append(&a, &b).unwrap();
    assert_eq!(set2, [&[0x82][..], &a, &b].concat());
    let set3 = append(&set2, &c).unwrap();
    assert_eq!(set3, [&[0x83][..], &a, &b, &c].concat());
    // Up to 8 envelopes; a ninth is refused.
    let mut set = set3;
    for n in 4..=8 {
        set = append(&set, &env_by(n, &p)).unwrap();
    }
    assert_eq!(set[0], 0x88);
    assert_eq!(append(&set, &env_by(9, &p)), Err(Error::BadSignatureSet));
}

#[test]
fn appending_refuses_another_artifact_or_the_same_key() {
    let p = params();
    let a = env_by(1, &p);
    let set = append(&a, &env_by(2, &p)).unwrap();
    for (i, change) in [
        Box::new(|q: &mut Params| q.digest = vec![0x11; 32]) as Box<dyn Fn(&mut Params)>,
        Box::new(|q: &mut Params| q.length += 1),
        Box::new(|q: &mut Params| q.subject = "other".to_owned()),
        Box::new(|q: &mut Params| q.version = Some(8)),
        Box::new(|q: &mut Params| q.version = None),
        Box::new(|q: &mut Params| q.content_type = Err("text/plain".to_owned())),
        Box::new(|q: &mut Params| {
            q.hash = HashAlg::Sha512;
            q.digest = sealkit_conformance::digest(HashAlg::Sha512, ARTIFACT);
        }),
    ]
    .iter()
    .enumerate()
    {
        let mut q = params();
        change(&mut q);
        let other = env_by(3, &q);
        assert_eq!(
            append(&a, &other),
            Err(Error::SignatureSetMismatch),
            "case {i}"
        );
        assert_eq!(
            append(&set, &other),
            Err(Error::SignatureSetMismatch),
            "case {i}"
        );
    }
    // Another identity, time or algorithm for the same artifact is fine.
    let mut q = params();
    q.issuer = Some("bob@vendor.example".to_owned());
    q.issued_at += 100;
    q.alg = -8;
    assert!(append(&a, &env_by(3, &q)).is_ok());
    // The same key twice is refused, in a single envelope or a set.
    assert_eq!(append(&a, &env_by(1, &p)), Err(Error::DuplicateKey));
    assert_eq!(append(&set, &env_by(2, &p)), Err(Error::DuplicateKey));
}

#[test]
fn appending_refuses_malformed_input() {
    let p = params();
    let a = env_by(1, &p);
    let b = env_by(2, &p);
    // Not an envelope or set: the same errors the verifier reports for such a file.
    assert_eq!(append(b"junk", &b), Err(Error::NotTaggedSign1));
    assert_eq!(append(&[], &b), Err(Error::EnvelopeTruncated));
    // A one-element array is not a set.
    assert_eq!(
        append(&[&[0x81][..], &a].concat(), &b),
        Err(Error::BadSignatureSet)
    );
    // A set item that is not an envelope.
    assert_eq!(
        append(&[&[0x82][..], &a, &[0x01]].concat(), &b),
        Err(Error::NotTaggedSign1)
    );
    // A set announcing more items than it has.
    assert!(append(&[&[0x83][..], &a, &b].concat(), &env_by(3, &p)).is_err());
    // Trailing bytes after the set.
    assert_eq!(
        append(&[&[0x82][..], &a, &b, &[0x00]].concat(), &env_by(3, &p)),
        Err(Error::TrailingBytes)
    );
    // The new signature must be one envelope, not a set.
    let set = append(&a, &b).unwrap();
    assert!(append(&a, &set).is_err());
    // A damaged existing envelope is refused with the parser's error.
    let mut bad = a.clone();
    bad.truncate(bad.len() - 1);
    assert_eq!(append(&bad, &b), Err(Error::EnvelopeTruncated));
    // A too small output buffer.
    let mut small = [0u8; 10];
    assert_eq!(
        append_signature(&a, &b, &mut small),
        Err(Error::BufferTooSmall)
    );
}

// Round trips: what the signing side writes, the verifier accepts under the matching policy.

const CI: &str = "release-ci@vendor.example";

fn ci_params() -> Params {
    let mut p = params();
    p.issuer = Some(CI.to_owned());
    p
}

fn sign_opts(key: &TestKey, p: &Params, opts: &SignOptions<'_>) -> Vec<u8> {
    let mut out = vec![0u8; MAX_CHAINED_ENVELOPE_LEN];
    let n = sign_with(&key.signing_key(), &p.sign_request(), opts, &mut out).unwrap();
    out.truncate(n);
    out
}

fn root_policy() -> TrustPolicy {
    let mut policy = TrustPolicy::new();
    policy
        .trust_root(root().public_key(), Some("vendor-root"))
        .unwrap();
    policy
}

#[test]
fn a_certified_key_verifies_under_its_root() {
    let leaf = issue(&root(), &request(&signer(), &[], None));
    let env = sign_opts(
        &signer(),
        &ci_params(),
        &SignOptions {
            chain: Some(&leaf),
            expires_at: None,
        },
    );
    let v = verify_slice(&env, ARTIFACT, &root_policy()).unwrap();
    assert_eq!(v.identity(), Some(CI));
    assert_eq!(v.key_id(), signer().public_key().key_id());
    assert_eq!(v.signers().len(), 1);
    assert_eq!(v.signers()[0].chain_depth(), 1);
    assert_eq!(
        v.signers()[0].root_key_id(),
        Some(root().public_key().key_id())
    );
    // The root alone may not sign directly, and the signing key is not trusted without its chain.
    let plain = sealkit_sign(&signer(), &ci_params());
    assert_eq!(
        verify_slice(&plain, ARTIFACT, &root_policy()).map(|_| ()),
        Err(Error::UntrustedKey)
    );
}

#[test]
fn a_two_link_chain_verifies_and_reports_its_depth() {
    let ca = TestKey::numbered(0x64);
    let mid = link(&root(), "vendor-root", &ca, "vendor-ci-ca", Some(1));
    let leaf = link(&ca, "vendor-ci-ca", &signer(), CI, None);
    let mut chain = [0u8; MAX_ENCODED_CHAIN_LEN];
    let cn = encode_chain(&[&leaf, &mid], &mut chain).unwrap();
    let env = sign_opts(
        &signer(),
        &ci_params(),
        &SignOptions {
            chain: Some(&chain[..cn]),
            expires_at: None,
        },
    );
    let v = verify_slice(&env, ARTIFACT, &root_policy()).unwrap();
    assert_eq!(v.signers()[0].chain_depth(), 2);
    assert_eq!(v.identity(), Some(CI));
    // A policy limited to chains of one link refuses it.
    let mut shallow = root_policy();
    shallow.set_max_chain_depth(1).unwrap();
    assert_eq!(
        verify_slice(&env, ARTIFACT, &shallow).map(|_| ()),
        Err(Error::ChainTooDeep)
    );
}

#[test]
fn an_envelope_expiry_is_enforced_only_with_a_clock() {
    let env = sign_opts(
        &signer(),
        &params(),
        &SignOptions {
            chain: None,
            expires_at: Some(1_800_000_000),
        },
    );
    let mut policy = signer().policy();
    let v = verify_slice(&env, ARTIFACT, &policy).unwrap();
    assert!(!v.time_checked());
    assert_eq!(v.expires_at(), Some(1_800_000_000));
    policy.set_time(1_799_999_999);
    assert!(verify_slice(&env, ARTIFACT, &policy)
        .unwrap()
        .time_checked());
    policy.set_time(1_800_000_000);
    assert_eq!(
        verify_slice(&env, ARTIFACT, &policy).map(|_| ()),
        Err(Error::EnvelopeExpired)
    );
}

#[test]
fn an_appended_set_meets_a_threshold_of_two() {
    let p = params();
    let (alice, bob) = (TestKey::numbered(1), TestKey::numbered(2));
    let set = append(&sealkit_sign(&alice, &p), &sealkit_sign(&bob, &p)).unwrap();
    let mut policy = TrustPolicy::new();
    policy.trust_key(alice.public_key()).unwrap();
    policy.trust_key(bob.public_key()).unwrap();
    policy.require_signers(2, false).unwrap();
    let v = verify_slice(&set, ARTIFACT, &policy).unwrap();
    assert_eq!(v.signers().len(), 2);
    assert_eq!(v.key_id(), alice.public_key().key_id());
    // One signature alone does not.
    assert_eq!(
        verify_slice(&sealkit_sign(&alice, &p), ARTIFACT, &policy).map(|_| ()),
        Err(Error::ThresholdNotMet)
    );
}

#[test]
fn a_signed_rotation_moves_trust_to_the_new_root() {
    let new_root = TestKey::numbered(0x53);
    let mut st = [0u8; MAX_ROTATION_LEN];
    let n = sign_rotation(
        &root().signing_key(),
        &new_root.public_key(),
        1_750_000_000,
        &mut st,
    )
    .unwrap();
    let mut policy = root_policy();
    assert_eq!(
        policy.apply_rotation(&st[..n]).unwrap(),
        new_root.public_key().key_id()
    );
    let new_leaf = issue(&new_root, &request(&signer(), &[], None));
    let old_leaf = issue(&root(), &request(&signer(), &[], None));
    let with = |cert: &[u8]| {
        sign_opts(
            &signer(),
            &ci_params(),
            &SignOptions {
                chain: Some(cert),
                expires_at: None,
            },
        )
    };
    assert!(verify_slice(&with(&new_leaf), ARTIFACT, &policy).is_ok());
    assert_eq!(
        verify_slice(&with(&old_leaf), ARTIFACT, &policy).map(|_| ()),
        Err(Error::UnknownIssuer)
    );
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Arbitrary bytes as an existing signature file, a new envelope, or certificates:
        /// an error or a result, never a panic or a hang.
        #[test]
        fn arbitrary_input(existing in proptest::collection::vec(any::<u8>(), 0..600),
                           cut in 0usize..400) {
            let good = sealkit_sign(&TestKey::numbered(1), &params());
            let mut out = vec![0u8; MAX_SIGNATURE_SET_LEN];
            let _ = append_signature(&existing, &good, &mut out);
            let _ = append_signature(&good, &existing, &mut out);
            let _ = encode_chain(&[&existing], &mut out);
            // A valid set with its tail replaced by arbitrary bytes.
            let set = append(&good, &sealkit_sign(&TestKey::numbered(2), &params())).unwrap();
            let mut damaged = set[..cut.min(set.len())].to_vec();
            damaged.extend_from_slice(&existing);
            let _ = append_signature(&damaged, &sealkit_sign(&TestKey::numbered(3), &params()), &mut out);
        }
    }
}
