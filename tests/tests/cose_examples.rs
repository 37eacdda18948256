//! The COSE WG examples: sealkit's `Sig_structure` reproduces the Ed25519 Sign1 example's
//! ToBeSign bytes exactly, its signature verifies over them with the RFC 8032 TEST 1 key, and
//! sealkit's strict parser refuses every COSE WG Sign1 example (none is a sealkit envelope),
//! each for the documented reason.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use sealkit::{sig_structure_bytes, Envelope, Error, PublicKey};
use sealkit_conformance::{shared_json, unhex, TestKey};

/// Reads one definite byte string head at `pos` (short and one-byte lengths suffice here).
fn bstr_at(cbor: &[u8], pos: &mut usize) -> Vec<u8> {
    let ib = cbor[*pos];
    assert_eq!(ib >> 5, 2, "expected a byte string at {pos}");
    let (len, head) = match ib & 0x1f {
        n @ 0..=23 => (usize::from(n), 1),
        24 => (usize::from(cbor[*pos + 1]), 2),
        other => panic!("unexpected length form {other}"),
    };
    let start = *pos + head;
    *pos = start + len;
    cbor[start..start + len].to_vec()
}

struct Sign1Example {
    protected: Vec<u8>,
    payload: Vec<u8>,
    signature: Vec<u8>,
    tbs: Vec<u8>,
    cbor: Vec<u8>,
    x: Vec<u8>,
    d: Vec<u8>,
}

fn eddsa_sig_01() -> Sign1Example {
    let ex = shared_json("cose/eddsa-examples/eddsa-sig-01.json");
    let cbor = unhex(ex["output"]["cbor"].as_str().unwrap());
    // 18([protected, {4: h'3131'}, payload, signature])
    assert_eq!(&cbor[..2], &[0xd2, 0x84]);
    let mut pos = 2;
    let protected = bstr_at(&cbor, &mut pos);
    assert_eq!(&cbor[pos..pos + 4], &[0xa1, 0x04, 0x42, 0x31]);
    pos += 5;
    let payload = bstr_at(&cbor, &mut pos);
    let signature = bstr_at(&cbor, &mut pos);
    assert_eq!(pos, cbor.len());
    assert_eq!(
        payload,
        ex["input"]["plaintext"].as_str().unwrap().as_bytes(),
        "the payload is the example's plaintext"
    );
    let key = &ex["input"]["sign0"]["key"];
    assert_eq!(key["crv"], "Ed25519");
    Sign1Example {
        protected,
        payload,
        signature,
        tbs: unhex(ex["intermediates"]["ToBeSign_hex"].as_str().unwrap()),
        cbor,
        x: unhex(key["x_hex"].as_str().unwrap()),
        d: unhex(key["d_hex"].as_str().unwrap()),
    }
}

#[test]
fn sig_structure_reproduces_to_be_sign_bytes() {
    let ex = eddsa_sig_01();
    assert_eq!(ex.protected, unhex("a201270300"), "{{1: -8, 3: 0}}");
    let mut out = [0u8; 256];
    let n = sig_structure_bytes(&ex.protected, &ex.payload, &mut out).unwrap();
    assert_eq!(
        hex::encode(&out[..n]),
        hex::encode(&ex.tbs),
        "sealkit's Sig_structure must equal the COSE WG ToBeSign bytes"
    );
    // The test helpers' independent construction agrees as well.
    assert_eq!(
        sealkit_conformance::sig_structure(&ex.protected, &ex.payload),
        ex.tbs
    );
}

#[test]
fn sig_structure_bytes_reports_a_short_buffer() {
    let ex = eddsa_sig_01();
    for len in 0..ex.tbs.len() {
        let mut out = vec![0u8; len];
        assert_eq!(
            sig_structure_bytes(&ex.protected, &ex.payload, &mut out),
            Err(Error::BufferTooSmall),
            "buffer of {len}"
        );
    }
    let mut out = vec![0u8; ex.tbs.len()];
    assert_eq!(
        sig_structure_bytes(&ex.protected, &ex.payload, &mut out),
        Ok(ex.tbs.len())
    );
    assert_eq!(out, ex.tbs);
}

#[test]
fn sig_structure_bytes_handles_every_length_form() {
    // Payload and protected lengths that need 0, 1 and 2 length bytes.
    for (plen, ylen) in [(0usize, 0usize), (23, 24), (24, 255), (255, 256), (300, 64)] {
        let protected = vec![0xa0; plen];
        let payload = vec![0x5a; ylen];
        let want = sealkit_conformance::sig_structure(&protected, &payload);
        let mut out = vec![0u8; plen + ylen + 96];
        let n = sig_structure_bytes(&protected, &payload, &mut out).unwrap();
        assert_eq!(
            &out[..n],
            want.as_slice(),
            "protected {plen}, payload {ylen}"
        );
    }
}

#[test]
fn signature_verifies_with_rfc8032_test1_key() {
    let ex = eddsa_sig_01();
    let rfc = shared_json("rfc8032/rfc8032_ed25519_7.1.json");
    let test1 = &rfc["tests"][0];
    assert_eq!(test1["name"], "TEST 1");
    assert_eq!(ex.x, unhex(test1["publicKey"].as_str().unwrap()));
    assert_eq!(ex.d, unhex(test1["secretKey"].as_str().unwrap()));

    let mut out = [0u8; 256];
    let n = sig_structure_bytes(&ex.protected, &ex.payload, &mut out).unwrap();
    let tbs = &out[..n];

    // The key passes sealkit's key check, and the signature verifies over sealkit's TBS bytes
    // through the same ed25519-compact calls StreamVerifier makes.
    let key = PublicKey::from_bytes(&ex.x).unwrap();
    let sig = ed25519_compact::Signature::from_slice(&ex.signature).unwrap();
    let compact = ed25519_compact::PublicKey::new(*key.as_bytes());
    let mut state = compact.verify_incremental(&sig).unwrap();
    state.absorb(tbs);
    assert!(state.verify().is_ok());
    assert!(compact.verify(tbs, &sig).is_ok());

    // Ed25519 is deterministic: signing the TBS with TEST 1's seed gives the same signature.
    let signer = TestKey::from_seed(ex.d.clone().try_into().unwrap());
    assert_eq!(signer.sign(tbs).as_slice(), ex.signature.as_slice());

    // And a TBS that differs in any byte does not verify.
    for i in 0..tbs.len() {
        let mut bad = tbs.to_vec();
        bad[i] ^= 0x01;
        assert!(compact.verify(&bad, &sig).is_err(), "byte {i}");
    }
}

#[test]
fn cose_wg_sign1_examples_are_refused_for_the_right_reason() {
    // None of these is a sealkit envelope. The table names the rule each one breaks first.
    let table: &[(&str, Error)] = &[
        // {1: -8, 3: 0}: content type (3) is forbidden in a hash envelope.
        (
            "eddsa-examples/eddsa-sig-01.json",
            Error::ContentTypePresent,
        ),
        // Ed448 example: protected {1: -8} parses, the unprotected header {4: ...} does not.
        (
            "eddsa-examples/eddsa-sig-02.json",
            Error::UnprotectedHeaderNotEmpty,
        ),
        // Tag 998 instead of 18.
        ("sign1-tests-es256/sign-fail-01.json", Error::NotTaggedSign1),
        // ES256 (-7) with an altered signature: the algorithm is refused first.
        (
            "sign1-tests-es256/sign-fail-02.json",
            Error::UnsupportedAlgorithm,
        ),
        // alg -999.
        (
            "sign1-tests-es256/sign-fail-03.json",
            Error::UnsupportedAlgorithm,
        ),
        // alg "unknown" (a text string).
        (
            "sign1-tests-es256/sign-fail-04.json",
            Error::UnsupportedAlgorithm,
        ),
        // {1: -7, 3: 0}: alg (the first label) is refused before 3 is reached.
        (
            "sign1-tests-es256/sign-fail-06.json",
            Error::UnsupportedAlgorithm,
        ),
        (
            "sign1-tests-es256/sign-fail-07.json",
            Error::UnsupportedAlgorithm,
        ),
        // Protected header h'a0' (empty map), alg and kid unprotected.
        (
            "sign1-tests-es256/sign-pass-01.json",
            Error::UnprotectedHeaderNotEmpty,
        ),
        (
            "sign1-tests-es256/sign-pass-02.json",
            Error::UnsupportedAlgorithm,
        ),
        // No tag.
        ("sign1-tests-es256/sign-pass-03.json", Error::NotTaggedSign1),
        // Countersignatures ride in the unprotected header; {1: -8, 3: 0} is refused first.
        ("countersign/signed1-01.json", Error::ContentTypePresent),
        ("countersign/signed1-02.json", Error::ContentTypePresent),
        ("countersign1/signed1-01.json", Error::ContentTypePresent),
    ];
    for (path, want) in table {
        let ex = shared_json(&format!("cose/{path}"));
        let cbor = unhex(ex["output"]["cbor"].as_str().unwrap());
        let got = Envelope::parse(&cbor).map(|_| ());
        assert_eq!(got, Err(*want), "{path}");
        let policy = sealkit::TrustPolicy::new();
        let got = sealkit::StreamVerifier::new(&cbor, &policy).map(|_| ());
        assert_eq!(got, Err(*want), "{path} through StreamVerifier::new");
    }
    // The example the sig_structure test uses is in the table.
    let ex = eddsa_sig_01();
    assert_eq!(
        Envelope::parse(&ex.cbor).map(|_| ()),
        Err(Error::ContentTypePresent)
    );
}
