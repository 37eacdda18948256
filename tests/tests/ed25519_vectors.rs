//! External Ed25519 suites (RFC 8032 section 7.1, Wycheproof, ed25519-speccheck) run through the
//! verification path sealkit uses.
//!
//! sealkit verifies a signature in two steps, both reproduced here without new public API:
//! 1. a key enters a [`TrustPolicy`] only through [`PublicKey::from_bytes`]/`from_text`, which
//!    rejects non-canonical encodings and small-order points, and `Envelope::parse` only accepts
//!    a signature of exactly 64 bytes;
//! 2. `StreamVerifier::new` turns the trusted key into an `ed25519_compact::PublicKey`, calls
//!    `verify_incremental` with the signature, `absorb`s the message in pieces (the pieces of the
//!    `Sig_structure`) and calls `verify`.
//!
//! The suites' messages are arbitrary bytes, not `Sig_structure`s, so step 2 is done with the
//! same ed25519-compact calls directly on the message, absorbed whole and in small pieces.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use sealkit::{PublicKey, TrustPolicy};
use sealkit_conformance::{shared_json, shared_vector, unhex, TestKey};

/// Step 1: can this key be trusted at all?
fn key_admitted(pk: &[u8]) -> bool {
    match PublicKey::from_bytes(pk) {
        Ok(key) => {
            let mut policy = TrustPolicy::new();
            policy.trust_key(key).is_ok()
        }
        Err(e) => {
            assert_eq!(e, sealkit::Error::InvalidPublicKey);
            false
        }
    }
}

/// Step 2 with the message absorbed in pieces of `piece` bytes (0: whole).
fn signature_verifies(pk: &PublicKey, msg: &[u8], sig: &[u8; 64], piece: usize) -> bool {
    let compact = ed25519_compact::PublicKey::new(*pk.as_bytes());
    let Ok(mut state) = compact.verify_incremental(&ed25519_compact::Signature::new(*sig)) else {
        return false;
    };
    if piece == 0 {
        state.absorb(msg);
    } else {
        for c in msg.chunks(piece) {
            state.absorb(c);
        }
    }
    state.verify().is_ok()
}

/// The verdict of sealkit's path for (public key, message, signature).
fn sealkit_accepts(pk: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    if !key_admitted(pk) {
        return false;
    }
    let key = PublicKey::from_bytes(pk).unwrap();
    // A signature bstr of any other length is `BadSignatureLength` at parse time.
    let Ok(sig) = <[u8; 64]>::try_from(sig) else {
        return false;
    };
    let whole = signature_verifies(&key, msg, &sig, 0);
    for piece in [1, 3, 64] {
        assert_eq!(
            signature_verifies(&key, msg, &sig, piece),
            whole,
            "the verdict must not depend on how the message is absorbed"
        );
    }
    whole
}

#[test]
fn rfc8032_section_7_1() {
    let file = shared_json("rfc8032/rfc8032_ed25519_7.1.json");
    let tests = file["tests"].as_array().unwrap();
    assert_eq!(tests.len(), 5, "TEST 1, 2, 3, 1024 and SHA(abc)");
    for t in tests {
        let name = t["name"].as_str().unwrap();
        let seed: [u8; 32] = unhex(t["secretKey"].as_str().unwrap()).try_into().unwrap();
        let pk = unhex(t["publicKey"].as_str().unwrap());
        let msg = unhex(t["msg"].as_str().unwrap());
        let sig = unhex(t["sig"].as_str().unwrap());
        assert_eq!(t["result"], "valid", "{name}");
        assert_eq!(msg.len() as u64, t["msgLen"].as_u64().unwrap(), "{name}");

        assert!(sealkit_accepts(&pk, &msg, &sig), "{name} must verify");

        // sealkit's signing key derives the RFC's public key from the RFC's seed ...
        let sk = sealkit::SigningKey::from_seed(&seed).unwrap();
        assert_eq!(
            sk.public_key().as_bytes().as_slice(),
            pk.as_slice(),
            "{name}"
        );
        assert_eq!(sk.seed_bytes(), seed, "{name}");
        // ... and the independent signer of the test helpers reproduces the RFC signature.
        let tk = TestKey::from_seed(seed);
        assert_eq!(tk.public_bytes().as_slice(), pk.as_slice(), "{name}");
        assert_eq!(tk.sign(&msg).as_slice(), sig.as_slice(), "{name}");

        // Any single bit flip of the message or the signature is rejected.
        for bit in 0..(sig.len() * 8) {
            let mut bad = sig.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            assert!(!sealkit_accepts(&pk, &msg, &bad), "{name}: sig bit {bit}");
        }
        for bit in (0..(msg.len() * 8)).step_by(7) {
            let mut bad = msg.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            assert!(!sealkit_accepts(&pk, &bad, &sig), "{name}: msg bit {bit}");
        }
    }
}

#[test]
fn wycheproof_ed25519() {
    let file = shared_json("wycheproof/ed25519_test.json");
    assert_eq!(file["algorithm"], "EDDSA");
    let mut total = 0;
    let mut valid = 0;
    let mut invalid = 0;
    let mut acceptable = Vec::new();
    let mut failures = Vec::new();
    for group in file["testGroups"].as_array().unwrap() {
        let pk = unhex(group["publicKey"]["pk"].as_str().unwrap());
        assert_eq!(group["publicKey"]["curve"], "edwards25519");
        for t in group["tests"].as_array().unwrap() {
            total += 1;
            let id = t["tcId"].as_u64().unwrap();
            let msg = unhex(t["msg"].as_str().unwrap());
            let sig = unhex(t["sig"].as_str().unwrap());
            let got = sealkit_accepts(&pk, &msg, &sig);
            match t["result"].as_str().unwrap() {
                "valid" => {
                    valid += 1;
                    if !got {
                        failures.push(format!("tc{id} valid but rejected ({})", t["comment"]));
                    }
                }
                "invalid" => {
                    invalid += 1;
                    if got {
                        failures.push(format!(
                            "tc{id} invalid but accepted ({}, flags {})",
                            t["comment"], t["flags"]
                        ));
                    }
                }
                // Either verdict is allowed; record it so a change is visible in the output.
                "acceptable" => acceptable.push(format!("tc{id}: accepted = {got}")),
                other => panic!("tc{id}: unknown result {other}"),
            }
        }
    }
    println!(
        "wycheproof: {total} tests, {valid} valid, {invalid} invalid, acceptable: {acceptable:?}"
    );
    assert_eq!(total, file["numberOfTests"].as_u64().unwrap());
    assert_eq!((total, valid, invalid), (151, 88, 63), "the suite changed");
    assert!(
        acceptable.is_empty(),
        "acceptable cases appeared: {acceptable:?}"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Why a speccheck case gets its verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Why {
    /// The signature verifies (cofactored check, canonical inputs).
    Accepted,
    /// A is of small order: `PublicKey::from_bytes` refuses the key, no policy can hold it.
    SmallOrderKey,
    /// A's encoding is non-canonical: `PublicKey::from_bytes` refuses the key.
    NonCanonicalKey,
    /// R is of small order: ed25519-compact refuses the signature.
    SmallOrderR,
    /// R's encoding is non-canonical: ed25519-compact refuses the signature.
    NonCanonicalR,
    /// S >= L (malleable): ed25519-compact refuses the signature.
    SNotReduced,
}

/// The expected verdict of sealkit for each of the 12 speccheck cases (index as in cases.json).
/// ed25519-compact >= 2.6 accepts only 3, 4 and 5; sealkit's key check refuses the small-order
/// and non-canonical keys (0, 1, 10, 11) before any signature is looked at.
const SPECCHECK: [(usize, Why); 12] = [
    // 0: S = 0, small-order A, small-order R. Accepted by lax verifiers for any message.
    (0, Why::SmallOrderKey),
    // 1: 0 < S < L, small-order A, mixed-order R.
    (1, Why::SmallOrderKey),
    // 2: 0 < S < L, mixed-order A, small-order R.
    (2, Why::SmallOrderR),
    // 3: 0 < S < L, mixed-order A and R; passes cofactored and cofactorless equations.
    (3, Why::Accepted),
    // 4: mixed-order A and R; passes only the cofactored equation (what ed25519-compact uses).
    (4, Why::Accepted),
    // 5: mixed-order A, L-order R; passes only the cofactored equation.
    (5, Why::Accepted),
    // 6: S > L (S + L malleability), L-order A and R.
    (6, Why::SNotReduced),
    // 7: S >> L (S's top bits set), L-order A and R.
    (7, Why::SNotReduced),
    // 8: R is a non-canonical encoding of a small-order point (x = 0 with the sign bit set);
    //    verifiers that re-encode R accept it.
    (8, Why::NonCanonicalR),
    // 9: same R as 8, with the other hash convention (R's encoding hashed as received).
    (9, Why::NonCanonicalR),
    // 10: A is a non-canonical encoding of a small-order point.
    (10, Why::NonCanonicalKey),
    // 11: same A as 10, with the other hash convention.
    (11, Why::NonCanonicalKey),
];

/// The group order L, little-endian.
const L: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

fn s_reduced(s: &[u8]) -> bool {
    // Little-endian comparison S < L.
    for i in (0..32).rev() {
        if s[i] != L[i] {
            return s[i] < L[i];
        }
    }
    false
}

fn point_check(bytes: &[u8]) -> Result<(), ed25519_compact::Error> {
    ed25519_compact::PublicKey::from_slice(bytes)
        .unwrap()
        .validate()
}

#[test]
fn speccheck_cases() {
    let json = shared_json("speccheck/cases.json");
    let cases = json.as_array().unwrap();
    assert_eq!(cases.len(), 12);

    // cases.txt holds the same 12 cases as msg=/pbk=/sig= lines after a count.
    let txt = shared_vector("speccheck/cases.txt");
    let mut lines = txt.lines().filter(|l| !l.trim().is_empty());
    assert_eq!(lines.next().map(str::trim), Some("12"));
    let rest: Vec<&str> = lines.collect();
    assert_eq!(rest.len(), 36);

    let mut table = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let msg_hex = case["message"].as_str().unwrap();
        let pk_hex = case["pub_key"].as_str().unwrap();
        let sig_hex = case["signature"].as_str().unwrap();
        assert_eq!(rest[3 * i], format!("msg={msg_hex}"), "case {i}");
        assert_eq!(rest[3 * i + 1], format!("pbk={pk_hex}"), "case {i}");
        assert_eq!(rest[3 * i + 2], format!("sig={sig_hex}"), "case {i}");
        let (msg, pk, sig) = (unhex(msg_hex), unhex(pk_hex), unhex(sig_hex));
        let (index, why) = SPECCHECK[i];
        assert_eq!(index, i);

        let got = sealkit_accepts(&pk, &msg, &sig);
        assert_eq!(got, why == Why::Accepted, "case {i} ({why:?})");

        // ed25519-compact alone (no sealkit key check) gives the documented verdict too.
        let raw = ed25519_compact::PublicKey::from_slice(&pk)
            .unwrap()
            .verify(&msg, &ed25519_compact::Signature::from_slice(&sig).unwrap())
            .is_ok();
        assert_eq!(raw, matches!(i, 3..=5), "ed25519-compact on case {i}");

        // The stated reason is the actual one.
        let (r, s) = sig.split_at(32);
        match why {
            Why::Accepted => {
                assert!(point_check(&pk).is_ok() && point_check(r).is_ok() && s_reduced(s));
            }
            Why::SmallOrderKey => {
                assert!(
                    !key_admitted(&pk),
                    "case {i}: sealkit must refuse the key itself"
                );
                assert_eq!(point_check(&pk), Err(ed25519_compact::Error::WeakPublicKey));
            }
            Why::NonCanonicalKey => {
                assert!(
                    !key_admitted(&pk),
                    "case {i}: sealkit must refuse the key itself"
                );
                assert_eq!(
                    point_check(&pk),
                    Err(ed25519_compact::Error::InvalidPublicKey)
                );
            }
            Why::SmallOrderR => {
                assert!(key_admitted(&pk) && s_reduced(s));
                assert_eq!(point_check(r), Err(ed25519_compact::Error::WeakPublicKey));
            }
            Why::NonCanonicalR => {
                assert!(key_admitted(&pk) && s_reduced(s));
                assert_eq!(
                    point_check(r),
                    Err(ed25519_compact::Error::InvalidPublicKey)
                );
            }
            Why::SNotReduced => {
                assert!(key_admitted(&pk) && point_check(r).is_ok());
                assert!(!s_reduced(s));
            }
        }
        table.push(format!(
            "case {i:2}: {:6} ({why:?})",
            if got { "accept" } else { "reject" }
        ));
    }
    println!("{}", table.join("\n"));
}

#[test]
fn l_is_the_group_order() {
    // Sanity check of the constant used above: L - 1 is reduced, L is not.
    let mut l_minus_1 = L;
    l_minus_1[0] -= 1;
    assert!(s_reduced(&l_minus_1));
    assert!(!s_reduced(&L));
}

#[test]
fn rfc8032_keys_sign_and_verify_real_envelopes() {
    // The RFC's keys, end to end: sealkit signs an envelope over the RFC message as the
    // artifact, the independent signer produces the same signature over the same Sig_structure,
    // and StreamVerifier accepts it when the key is trusted through its text form.
    let file = shared_json("rfc8032/rfc8032_ed25519_7.1.json");
    for t in file["tests"].as_array().unwrap() {
        let name = t["name"].as_str().unwrap();
        let seed: [u8; 32] = unhex(t["secretKey"].as_str().unwrap()).try_into().unwrap();
        let pk = unhex(t["publicKey"].as_str().unwrap());
        let msg = unhex(t["msg"].as_str().unwrap());
        let key = TestKey::from_seed(seed);
        for hash in [sealkit::HashAlg::Sha256, sealkit::HashAlg::Sha512] {
            let params = sealkit_conformance::Params::for_artifact(&msg, hash);
            let env = sealkit_conformance::sealkit_sign(&key, &params);
            let spec = sealkit_conformance::EnvelopeSpec::from_params(&key, &params);
            assert_eq!(env, spec.encode(), "{name}: same bytes, same signature");
            let sig = sealkit::Envelope::parse(&env).unwrap().signature().to_vec();
            assert_eq!(sig, key.sign(&spec.to_be_signed()).to_vec(), "{name}");

            let text = format!(
                "{}{}",
                sealkit::PUBLIC_KEY_TEXT_PREFIX,
                sealkit_conformance::vectors::b64_of(&pk)
            );
            let mut policy = TrustPolicy::new();
            policy
                .trust_key(PublicKey::from_text(&text).unwrap())
                .unwrap();
            let mut v = sealkit::StreamVerifier::new(&env, &policy).unwrap();
            for c in msg.chunks(100) {
                v.update(c).unwrap();
            }
            let facts = v.finish().unwrap();
            assert_eq!(facts.length(), msg.len() as u64, "{name}");
            assert_eq!(
                facts.key_id().as_bytes(),
                &key.kid(),
                "{name}: kid is SHA-256(pk)[..8]"
            );
        }
    }
}
