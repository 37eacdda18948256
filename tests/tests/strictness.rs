//! Strict parsing: hand-built envelopes that each break exactly one rule, validly signed over
//! their own protected bytes by a trusted key, must fail with exactly the documented error, from
//! both `Envelope::parse` and `StreamVerifier::new`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use sealkit::{verify_slice, Envelope, Error, HashAlg, StreamVerifier};
use sealkit_conformance::cbor::{self, BREAK, BYTES, MAP, NULL, TEXT};
use sealkit_conformance::{sealkit_sign, Entry, EnvelopeSpec, Params, TestKey};

const ARTIFACT: &[u8] = b"strictness test artifact";

const ALG: i64 = sealkit::LABEL_ALG;
const CRIT: i64 = sealkit::LABEL_CRIT;
const KID: i64 = sealkit::LABEL_KID;
const CLAIMS: i64 = sealkit::LABEL_CWT_CLAIMS;
const TYP: i64 = sealkit::LABEL_TYP;
const HASH: i64 = sealkit::LABEL_PAYLOAD_HASH_ALG;
const CTYPE: i64 = sealkit::LABEL_PREIMAGE_CONTENT_TYPE;
const LEN: i64 = sealkit::LABEL_ARTIFACT_LENGTH;
const VER: i64 = sealkit::LABEL_RELEASE_VERSION;
const ISS: i64 = sealkit::CLAIM_ISS;
const SUB: i64 = sealkit::CLAIM_SUB;
const IAT: i64 = sealkit::CLAIM_IAT;

fn key() -> TestKey {
    TestKey::numbered(0x42)
}

fn base() -> EnvelopeSpec {
    EnvelopeSpec::new(&key(), ARTIFACT, HashAlg::Sha256)
}

type Edit = Box<dyn Fn(&mut EnvelopeSpec)>;

fn edit(f: impl Fn(&mut EnvelopeSpec) + 'static) -> Edit {
    Box::new(f)
}

/// What both entry points say about `envelope`.
fn verdicts(envelope: &[u8]) -> (Result<(), Error>, Result<(), Error>) {
    let parsed = Envelope::parse(envelope).map(|_| ());
    let policy = key().policy();
    let verified = verify_slice(envelope, ARTIFACT, &policy).map(|_| ());
    (parsed, verified)
}

/// Runs every case, collecting all mismatches before failing.
fn check(cases: Vec<(&str, Edit, Result<(), Error>)>) {
    let mut failures = Vec::new();
    for (name, f, want) in cases {
        let mut spec = base();
        f(&mut spec);
        let env = spec.encode();
        let (parsed, verified) = verdicts(&env);
        if want.is_ok() {
            if parsed.is_err() || verified.is_err() {
                failures.push(format!(
                    "{name}: want ok, parse {parsed:?}, verify {verified:?}"
                ));
            }
        } else if parsed != want || verified != want {
            failures.push(format!(
                "{name}: want {want:?}, parse {parsed:?}, verify {verified:?} ({})",
                hex::encode(&env)
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

fn bad(e: Error) -> Result<(), Error> {
    Err(e)
}

const OK: Result<(), Error> = Ok(());

#[test]
fn the_base_envelope_is_sealkits_own_and_verifies() {
    // The helper writes byte for byte what sealkit's signer writes, for several shapes.
    let key = key();
    let mut shapes = vec![
        Params::for_artifact(ARTIFACT, HashAlg::Sha256),
        Params::for_artifact(ARTIFACT, HashAlg::Sha512),
    ];
    let mut p = Params::for_artifact(&[0; 100_000], HashAlg::Sha256);
    p.alg = -8;
    p.issuer = None;
    p.version = Some(u64::MAX);
    p.content_type = Err("application/vnd.oci.image.manifest.v1+json".to_owned());
    p.issued_at = 0;
    shapes.push(p);
    let mut p = Params::for_artifact(ARTIFACT, HashAlg::Sha512);
    p.version = None;
    p.content_type = Ok(65535);
    p.subject = "s".repeat(sealkit::MAX_SUBJECT_LEN);
    p.issuer = Some("i".repeat(sealkit::MAX_IDENTITY_LEN));
    shapes.push(p);
    for p in &shapes {
        let ours = EnvelopeSpec::from_params(&key, p).encode();
        let theirs = sealkit_sign(&key, p);
        assert_eq!(hex::encode(&ours), hex::encode(&theirs), "{p:?}");
        let env = Envelope::parse(&ours).unwrap();
        assert_eq!(env.unverified_kid().as_bytes(), &key.kid());
        assert_eq!(env.unverified_length(), p.length);
        assert_eq!(env.unverified_version(), p.version);
    }
    assert_eq!(verdicts(&base().encode()), (OK, OK));
}

#[test]
fn indefinite_lengths() {
    fn indef_bytes(content: &[u8]) -> Vec<u8> {
        cbor::cat(&[&[cbor::indefinite(BYTES)], &cbor::bytes(content), &[BREAK]])
    }
    check(vec![
        (
            "protected map",
            edit(|s| {
                s.protected_map_head = Some(vec![cbor::indefinite(MAP)]);
                s.protected_suffix = vec![BREAK];
            }),
            bad(Error::IndefiniteLength),
        ),
        (
            "claims map",
            edit(|s| {
                s.claims_map_head = Some(vec![cbor::indefinite(MAP)]);
                s.claims_suffix = vec![BREAK];
            }),
            bad(Error::IndefiniteLength),
        ),
        (
            "Sign1 array",
            edit(|s| {
                s.array_head = vec![cbor::indefinite(cbor::ARRAY)];
                s.extra_items = vec![BREAK];
            }),
            bad(Error::IndefiniteLength),
        ),
        (
            "protected bstr",
            edit(|s| s.protected_item = Some(indef_bytes(&s.protected_bytes()))),
            bad(Error::IndefiniteLength),
        ),
        (
            "payload bstr",
            edit(|s| s.payload_item = Some(indef_bytes(&s.payload.clone()))),
            bad(Error::IndefiniteLength),
        ),
        (
            "signature bstr",
            edit(|s| s.signature_item = Some(indef_bytes(&[0; 64]))),
            bad(Error::IndefiniteLength),
        ),
        (
            "kid bstr",
            edit(|s| {
                s.set(KID, indef_bytes(&key().kid()));
            }),
            bad(Error::IndefiniteLength),
        ),
        (
            "typ text",
            edit(|s| {
                s.set(
                    TYP,
                    cbor::cat(&[
                        &[cbor::indefinite(TEXT)],
                        &cbor::text(sealkit::ENVELOPE_TYPE),
                        &[BREAK],
                    ]),
                );
            }),
            bad(Error::IndefiniteLength),
        ),
        (
            "crit array",
            edit(|s| {
                s.insert(
                    CRIT,
                    cbor::cat(&[&[cbor::indefinite(cbor::ARRAY)], &cbor::int(258), &[BREAK]]),
                );
            }),
            bad(Error::IndefiniteLength),
        ),
        (
            "unprotected map",
            edit(|s| s.unprotected = vec![cbor::indefinite(MAP), BREAK]),
            bad(Error::IndefiniteLength),
        ),
    ]);
}

#[test]
fn non_minimal_heads() {
    let nc = || bad(Error::NonCanonicalEncoding);
    check(vec![
        (
            "tag 18 as d8 12",
            edit(|s| s.prefix = cbor::head_wide(cbor::TAG, 18, 24)),
            nc(),
        ),
        (
            "array head 98 04",
            edit(|s| s.array_head = cbor::head_wide(cbor::ARRAY, 4, 24)),
            nc(),
        ),
        (
            "protected bstr length in 2 bytes",
            edit(|s| {
                let p = s.protected_bytes();
                s.protected_item = Some(cbor::cat(&[
                    &cbor::head_wide(BYTES, p.len() as u64, 25),
                    &p,
                ]));
            }),
            nc(),
        ),
        (
            "protected map head b8 08",
            edit(|s| s.protected_map_head = Some(cbor::head_wide(MAP, 8, 24))),
            nc(),
        ),
        (
            "claims map head b9 00 03",
            edit(|s| s.claims_map_head = Some(cbor::head_wide(MAP, 3, 25))),
            nc(),
        ),
        (
            "unprotected map head b8 00",
            edit(|s| s.unprotected = cbor::head_wide(MAP, 0, 24)),
            nc(),
        ),
        (
            "label 1 as 18 01",
            edit(|s| s.entry_mut(ALG).key = cbor::int_wide(1, 24)),
            nc(),
        ),
        (
            "label -65537 in 8 bytes",
            edit(|s| s.entry_mut(LEN).key = cbor::int_wide(-65537, 27)),
            nc(),
        ),
        (
            "alg -19 as 38 12",
            edit(|s| {
                s.set(ALG, cbor::int_wide(-19, 24));
            }),
            nc(),
        ),
        (
            "payload_hash_alg -16 as 39 00 0f",
            edit(|s| {
                s.set(HASH, cbor::int_wide(-16, 25));
            }),
            nc(),
        ),
        (
            "kid length 58 08",
            edit(|s| {
                s.set(
                    KID,
                    cbor::cat(&[&cbor::head_wide(BYTES, 8, 24), &key().kid()]),
                );
            }),
            nc(),
        ),
        (
            "sub length 78 0c",
            edit(|s| {
                s.set_claim(
                    SUB,
                    cbor::cat(&[
                        &cbor::head_wide(TEXT, sealkit_conformance::SUBJECT.len() as u64, 24),
                        sealkit_conformance::SUBJECT.as_bytes(),
                    ]),
                );
            }),
            nc(),
        ),
        (
            "iat in 8 bytes",
            edit(|s| {
                s.set_claim(
                    IAT,
                    cbor::head_wide(cbor::UINT, sealkit_conformance::ISSUED_AT, 27),
                );
            }),
            nc(),
        ),
        (
            "claim key 2 as 18 02",
            edit(|s| {
                let i = s.claims.iter().position(|e| e.label == SUB).unwrap();
                s.claims[i].key = cbor::int_wide(2, 24);
            }),
            nc(),
        ),
        (
            "content type 42 as 19 00 2a",
            edit(|s| {
                s.set(CTYPE, cbor::head_wide(cbor::UINT, 42, 25));
            }),
            nc(),
        ),
        (
            "artifact length 24 as 19 00 18",
            edit(|s| {
                s.set(LEN, cbor::head_wide(cbor::UINT, ARTIFACT.len() as u64, 25));
            }),
            nc(),
        ),
        (
            "version 7 as 18 07",
            edit(|s| {
                s.set(VER, cbor::head_wide(cbor::UINT, 7, 24));
            }),
            nc(),
        ),
        (
            "crit entry 258 in 4 bytes",
            edit(|s| {
                s.insert(
                    CRIT,
                    cbor::cat(&[&cbor::head(cbor::ARRAY, 1), &cbor::int_wide(258, 26)]),
                );
            }),
            nc(),
        ),
        (
            "payload length 59 00 20",
            edit(|s| {
                s.payload_item = Some(cbor::cat(&[&cbor::head_wide(BYTES, 32, 25), &s.payload]));
            }),
            nc(),
        ),
        (
            "signature length 59 00 40",
            edit(|s| {
                let sig = s.signer.sign(&s.to_be_signed());
                s.signature_item = Some(cbor::cat(&[&cbor::head_wide(BYTES, 64, 25), &sig]));
            }),
            nc(),
        ),
    ]);
}

#[test]
fn key_order_and_duplicates() {
    let nc = || bad(Error::NonCanonicalEncoding);
    let dup = || bad(Error::DuplicateLabel);
    check(vec![
        ("kid before alg", edit(|s| s.protected.swap(0, 1)), nc()),
        (
            "259 before 258",
            edit(|s| {
                let i = s.protected.iter().position(|e| e.label == HASH).unwrap();
                s.protected.swap(i, i + 1);
            }),
            nc(),
        ),
        (
            "-65538 before -65537",
            edit(|s| {
                let n = s.protected.len();
                s.protected.swap(n - 2, n - 1);
            }),
            nc(),
        ),
        (
            "numeric order (negative labels first) instead of bytewise",
            edit(|s| s.protected.rotate_right(2)),
            nc(),
        ),
        (
            "length-first order puts 258 after -65537 (3 vs 5 bytes): bytewise is 19.. < 3a..",
            edit(|s| {
                // Bytewise: 19 01 02 (258) < 3a 00 01 00 00 (-65537). Write 258 last.
                let i = s.protected.iter().position(|e| e.label == HASH).unwrap();
                let e = s.protected.remove(i);
                s.protected.push(e);
            }),
            nc(),
        ),
        ("sub before iss", edit(|s| s.claims.swap(0, 1)), nc()),
        ("iat before sub", edit(|s| s.claims.swap(1, 2)), nc()),
        (
            "alg twice, adjacent",
            edit(|s| s.protected.insert(1, Entry::new(ALG, cbor::int(-19)))),
            dup(),
        ),
        (
            "alg twice, first and last",
            edit(|s| s.protected.push(Entry::new(ALG, cbor::int(-19)))),
            dup(),
        ),
        (
            "kid twice, different values, not adjacent",
            edit(|s| s.protected.push(Entry::new(KID, cbor::bytes(&[9; 8])))),
            dup(),
        ),
        (
            "typ twice, adjacent",
            edit(|s| {
                let i = s.protected.iter().position(|e| e.label == TYP).unwrap();
                let e = s.protected[i].clone();
                s.protected.insert(i, e);
            }),
            dup(),
        ),
        (
            "artifact length twice with different values",
            edit(|s| {
                let i = s.protected.iter().position(|e| e.label == LEN).unwrap();
                s.protected.insert(i + 1, Entry::new(LEN, cbor::uint(0)));
            }),
            dup(),
        ),
        (
            "claims twice",
            edit(|s| {
                s.protected.push(Entry {
                    label: CLAIMS,
                    key: cbor::int(CLAIMS),
                    value: sealkit_conformance::Value::Claims,
                });
            }),
            dup(),
        ),
        (
            "sub claim twice, adjacent",
            edit(|s| s.claims.insert(1, Entry::new(SUB, cbor::text("other")))),
            dup(),
        ),
        (
            "iss claim twice, first and last",
            edit(|s| {
                s.claims
                    .push(Entry::new(ISS, cbor::text("mallory@example.org")))
            }),
            dup(),
        ),
    ]);
}

#[test]
fn trailing_bytes() {
    check(vec![
        (
            "a zero byte after the Sign1",
            edit(|s| s.suffix = vec![0]),
            bad(Error::TrailingBytes),
        ),
        (
            "a second envelope after the first",
            edit(|s| s.suffix = base().encode()),
            bad(Error::TrailingBytes),
        ),
        (
            "a zero byte inside the protected bstr after the map",
            edit(|s| s.protected_suffix = vec![0]),
            bad(Error::TrailingBytes),
        ),
        (
            "an empty map inside the protected bstr after the map",
            edit(|s| s.protected_suffix = vec![0xa0]),
            bad(Error::TrailingBytes),
        ),
        (
            "a break byte after the Sign1",
            edit(|s| s.suffix = vec![BREAK]),
            bad(Error::TrailingBytes),
        ),
    ]);
}

#[test]
fn crit() {
    let unk = || bad(Error::UnknownCriticalHeader);
    let crit = |labels: &[i64]| -> Vec<u8> {
        cbor::array(&labels.iter().map(|l| cbor::int(*l)).collect::<Vec<_>>())
    };
    check(vec![
        (
            "crit [258, -65537] (present, understood)",
            edit(move |s| {
                s.insert(CRIT, crit(&[HASH, LEN]));
            }),
            OK,
        ),
        (
            "crit naming every label it may name",
            edit(move |s| {
                s.insert(CRIT, crit(&[CLAIMS, TYP, HASH, CTYPE, LEN, VER]));
            }),
            OK,
        ),
        (
            "crit [99] (unknown label)",
            edit(move |s| {
                s.insert(CRIT, crit(&[99]));
            }),
            unk(),
        ),
        (
            "crit [99, 258]",
            edit(move |s| {
                s.insert(CRIT, crit(&[99, HASH]));
            }),
            unk(),
        ),
        (
            "crit [258, 258] (listed twice)",
            edit(move |s| {
                s.insert(CRIT, crit(&[HASH, HASH]));
            }),
            bad(Error::DuplicateLabel),
        ),
        (
            "crit [-65537, 258] (not in bytewise order)",
            edit(move |s| {
                s.insert(CRIT, crit(&[LEN, HASH]));
            }),
            bad(Error::NonCanonicalEncoding),
        ),
        (
            "crit [] (empty)",
            edit(move |s| {
                s.insert(CRIT, crit(&[]));
            }),
            unk(),
        ),
        (
            "crit [-65538] with no version present",
            edit(move |s| {
                s.remove(VER).insert(CRIT, crit(&[VER]));
            }),
            unk(),
        ),
        (
            "crit [1] (alg must never be critical)",
            edit(move |s| {
                s.insert(CRIT, crit(&[ALG]));
            }),
            unk(),
        ),
        (
            "crit [4] (kid)",
            edit(move |s| {
                s.insert(CRIT, crit(&[KID]));
            }),
            unk(),
        ),
        (
            "crit [2] (itself)",
            edit(move |s| {
                s.insert(CRIT, crit(&[CRIT]));
            }),
            unk(),
        ),
        (
            "crit [3]",
            edit(move |s| {
                s.insert(CRIT, crit(&[3]));
            }),
            unk(),
        ),
        (
            "crit [\"typ\"] (text label)",
            edit(move |s| {
                s.insert(CRIT, cbor::array(&[cbor::text("typ")]));
            }),
            unk(),
        ),
        (
            "crit with 9 labels",
            edit(move |s| {
                s.insert(CRIT, crit(&[HASH; 9]));
            }),
            unk(),
        ),
        (
            "crit as an integer, not an array",
            edit(move |s| {
                s.insert(CRIT, cbor::int(HASH));
            }),
            bad(Error::BadFieldType),
        ),
    ]);
}

#[test]
fn algorithms() {
    check(vec![
        (
            "alg EdDSA (-8)",
            edit(|s| {
                s.set(ALG, cbor::int(-8));
            }),
            OK,
        ),
        (
            "alg ES256 (-7)",
            edit(|s| {
                s.set(ALG, cbor::int(-7));
            }),
            bad(Error::UnsupportedAlgorithm),
        ),
        (
            "alg Ed448 (-53)",
            edit(|s| {
                s.set(ALG, cbor::int(-53));
            }),
            bad(Error::UnsupportedAlgorithm),
        ),
        (
            "alg 0",
            edit(|s| {
                s.set(ALG, cbor::int(0));
            }),
            bad(Error::UnsupportedAlgorithm),
        ),
        (
            "alg as text \"EdDSA\"",
            edit(|s| {
                s.set(ALG, cbor::text("EdDSA"));
            }),
            bad(Error::UnsupportedAlgorithm),
        ),
        (
            "payload_hash_alg SHA-384 (-43)",
            edit(|s| {
                s.set(HASH, cbor::int(-43));
            }),
            bad(Error::UnsupportedHashAlgorithm),
        ),
        (
            "payload_hash_alg SHA-512/256 (-17)",
            edit(|s| {
                s.set(HASH, cbor::int(-17));
            }),
            bad(Error::UnsupportedHashAlgorithm),
        ),
        (
            "payload_hash_alg as text",
            edit(|s| {
                s.set(HASH, cbor::text("sha-256"));
            }),
            bad(Error::UnsupportedHashAlgorithm),
        ),
    ]);
}

#[test]
fn forbidden_and_unknown_labels() {
    check(vec![
        (
            "content type 3 (uint)",
            edit(|s| {
                s.insert(3, cbor::uint(42));
            }),
            bad(Error::ContentTypePresent),
        ),
        (
            "content type 3 (text)",
            edit(|s| {
                s.insert(3, cbor::text("application/octet-stream"));
            }),
            bad(Error::ContentTypePresent),
        ),
        (
            "-6800",
            edit(|s| {
                s.insert(-6800, cbor::int(-16));
            }),
            bad(Error::LegacyHashEnvelopeLabel),
        ),
        (
            "-6801",
            edit(|s| {
                s.insert(-6801, cbor::bytes(&[0; 32]));
            }),
            bad(Error::LegacyHashEnvelopeLabel),
        ),
        (
            "-6802",
            edit(|s| {
                s.insert(-6802, cbor::text("https://example.org/artifact"));
            }),
            bad(Error::LegacyHashEnvelopeLabel),
        ),
        (
            "-6799 (next to the legacy range)",
            edit(|s| {
                s.insert(-6799, cbor::uint(0));
            }),
            bad(Error::UnknownHeader),
        ),
        (
            "-6803 (next to the legacy range)",
            edit(|s| {
                s.insert(-6803, cbor::uint(0));
            }),
            bad(Error::UnknownHeader),
        ),
        (
            "label 5 (IV)",
            edit(|s| {
                s.insert(5, cbor::bytes(&[0; 12]));
            }),
            bad(Error::UnknownHeader),
        ),
        (
            "label 7 (counter signature)",
            edit(|s| {
                s.insert(7, cbor::array(&[]));
            }),
            bad(Error::UnknownHeader),
        ),
        (
            "label 260 (payload_location)",
            edit(|s| {
                s.insert(260, cbor::text("https://example.org/artifact"));
            }),
            bad(Error::UnknownHeader),
        ),
        (
            "label 257",
            edit(|s| {
                s.insert(257, cbor::uint(0));
            }),
            bad(Error::UnknownHeader),
        ),
        (
            "label -65539",
            edit(|s| {
                s.insert(-65539, cbor::uint(0));
            }),
            bad(Error::UnknownHeader),
        ),
        (
            "text label \"alg\"",
            edit(|s| {
                s.protected.push(Entry {
                    label: 1000,
                    key: cbor::text("alg"),
                    value: sealkit_conformance::Value::Raw(cbor::int(-19)),
                });
            }),
            bad(Error::UnknownHeader),
        ),
    ]);
}

#[test]
fn missing_mandatory_fields() {
    check(vec![
        (
            "alg",
            edit(|s| {
                s.remove(ALG);
            }),
            bad(Error::MissingAlgorithm),
        ),
        (
            "kid",
            edit(|s| {
                s.remove(KID);
            }),
            bad(Error::MissingKeyId),
        ),
        (
            "typ",
            edit(|s| {
                s.remove(TYP);
            }),
            bad(Error::MissingEnvelopeType),
        ),
        (
            "claims",
            edit(|s| {
                s.remove(CLAIMS);
            }),
            bad(Error::MissingClaims),
        ),
        (
            "sub",
            edit(|s| {
                s.remove_claim(SUB);
            }),
            bad(Error::MissingSubject),
        ),
        (
            "iat",
            edit(|s| {
                s.remove_claim(IAT);
            }),
            bad(Error::MissingIssuedAt),
        ),
        (
            "payload_hash_alg",
            edit(|s| {
                s.remove(HASH);
            }),
            bad(Error::MissingHashAlgorithm),
        ),
        (
            "payload_preimage_content_type",
            edit(|s| {
                s.remove(CTYPE);
            }),
            bad(Error::MissingContentType),
        ),
        (
            "artifact length",
            edit(|s| {
                s.remove(LEN);
            }),
            bad(Error::MissingLength),
        ),
        (
            "iss (optional)",
            edit(|s| {
                s.remove_claim(ISS);
            }),
            OK,
        ),
        (
            "version (optional)",
            edit(|s| {
                s.remove(VER);
            }),
            OK,
        ),
        (
            "empty claims map",
            edit(|s| s.claims.clear()),
            bad(Error::MissingSubject),
        ),
        (
            "empty protected map",
            edit(|s| s.protected.clear()),
            bad(Error::MissingAlgorithm),
        ),
        (
            "zero-length protected bstr (RFC 9052: an empty header map)",
            edit(|s| s.protected_override = Some(Vec::new())),
            bad(Error::MissingAlgorithm),
        ),
    ]);
}

#[test]
fn payload_and_signature_shapes() {
    check(vec![
        (
            "SHA-256 named, 64-byte payload",
            edit(|s| s.payload = vec![0xab; 64]),
            bad(Error::PayloadSizeMismatch),
        ),
        (
            "SHA-256 named, 31-byte payload",
            edit(|s| s.payload.truncate(31)),
            bad(Error::PayloadSizeMismatch),
        ),
        (
            "SHA-512 named, 32-byte payload",
            edit(|s| {
                s.set(HASH, cbor::int(-44));
            }),
            bad(Error::PayloadSizeMismatch),
        ),
        (
            "empty payload",
            edit(|s| s.payload.clear()),
            bad(Error::PayloadSizeMismatch),
        ),
        (
            "detached (nil) payload",
            edit(|s| s.payload_item = Some(vec![NULL])),
            bad(Error::DetachedPayload),
        ),
        (
            "payload as text",
            edit(|s| s.payload_item = Some(cbor::text(&"a".repeat(32)))),
            bad(Error::BadSign1Structure),
        ),
        (
            "signature of 63 bytes",
            edit(|s| s.signature_item = Some(cbor::bytes(&[1; 63]))),
            bad(Error::BadSignatureLength),
        ),
        (
            "signature of 65 bytes (valid one plus a zero)",
            edit(|s| {
                let mut sig = s.signer.sign(&s.to_be_signed()).to_vec();
                sig.push(0);
                s.signature_item = Some(cbor::bytes(&sig));
            }),
            bad(Error::BadSignatureLength),
        ),
        (
            "empty signature",
            edit(|s| s.signature_item = Some(cbor::bytes(&[]))),
            bad(Error::BadSignatureLength),
        ),
        (
            "signature as null",
            edit(|s| s.signature_item = Some(vec![NULL])),
            bad(Error::BadSign1Structure),
        ),
        (
            "kid of 7 bytes",
            edit(|s| {
                s.set(KID, cbor::bytes(&key().kid()[..7]));
            }),
            bad(Error::BadKeyIdLength),
        ),
        (
            "kid of 9 bytes",
            edit(|s| {
                s.set(KID, cbor::bytes(&[key().kid().as_slice(), &[0]].concat()));
            }),
            bad(Error::BadKeyIdLength),
        ),
        (
            "kid of 32 bytes (the whole public key)",
            edit(|s| {
                s.set(KID, cbor::bytes(&key().public_bytes()));
            }),
            bad(Error::BadKeyIdLength),
        ),
        (
            "empty kid",
            edit(|s| {
                s.set(KID, cbor::bytes(&[]));
            }),
            bad(Error::BadKeyIdLength),
        ),
        (
            "kid as text",
            edit(|s| {
                s.set(KID, cbor::text("10ba682c"));
            }),
            bad(Error::BadFieldType),
        ),
    ]);
}

#[test]
fn framing() {
    check(vec![
        (
            "unprotected header {4: kid}",
            edit(|s| s.unprotected = cbor::map(&[(cbor::int(4), cbor::bytes(&key().kid()))])),
            bad(Error::UnprotectedHeaderNotEmpty),
        ),
        (
            "unprotected header {7: counter signature}",
            edit(|s| s.unprotected = cbor::map(&[(cbor::int(7), cbor::array(&[]))])),
            bad(Error::UnprotectedHeaderNotEmpty),
        ),
        (
            "unprotected header as a bstr",
            edit(|s| s.unprotected = cbor::bytes(&[])),
            bad(Error::BadSign1Structure),
        ),
        (
            "untagged",
            edit(|s| s.prefix.clear()),
            bad(Error::NotTaggedSign1),
        ),
        (
            "tag 98 (COSE_Sign)",
            edit(|s| s.prefix = cbor::head(cbor::TAG, 98)),
            bad(Error::NotTaggedSign1),
        ),
        (
            "tag 17 (COSE_Mac0)",
            edit(|s| s.prefix = cbor::head(cbor::TAG, 17)),
            bad(Error::NotTaggedSign1),
        ),
        (
            "tag 61 (CWT)",
            edit(|s| s.prefix = cbor::head(cbor::TAG, 61)),
            bad(Error::NotTaggedSign1),
        ),
        (
            "self-described CBOR tag 55799 before tag 18",
            edit(|s| s.prefix = cbor::cat(&[&cbor::head(cbor::TAG, 55799), &s.prefix])),
            bad(Error::NotTaggedSign1),
        ),
        (
            "tag 18 twice",
            edit(|s| s.prefix = cbor::cat(&[&s.prefix, &s.prefix])),
            bad(Error::BadSign1Structure),
        ),
        (
            "array of 3 (no signature)",
            edit(|s| {
                s.array_head = cbor::head(cbor::ARRAY, 3);
                s.signature_item = Some(Vec::new());
            }),
            bad(Error::BadSign1Structure),
        ),
        (
            "array of 5",
            edit(|s| {
                s.array_head = cbor::head(cbor::ARRAY, 5);
                s.extra_items = cbor::bytes(&[]);
            }),
            bad(Error::BadSign1Structure),
        ),
        (
            "array of 0",
            edit(|s| {
                s.array_head = cbor::head(cbor::ARRAY, 0);
                s.protected_item = Some(Vec::new());
                s.unprotected.clear();
                s.payload_item = Some(Vec::new());
                s.signature_item = Some(Vec::new());
            }),
            bad(Error::BadSign1Structure),
        ),
        (
            "a map instead of the array",
            edit(|s| s.array_head = cbor::head(MAP, 2)),
            bad(Error::BadSign1Structure),
        ),
        (
            "protected header is an array, not a map",
            edit(|s| s.protected_override = Some(cbor::array(&[cbor::int(1), cbor::int(-19)]))),
            bad(Error::BadSign1Structure),
        ),
        (
            "protected header as a text string",
            edit(|s| s.protected_item = Some(cbor::text("a0"))),
            bad(Error::BadSign1Structure),
        ),
        (
            "protected map announces more entries than it holds",
            edit(|s| s.protected_map_head = Some(cbor::head(MAP, 9))),
            bad(Error::EnvelopeTruncated),
        ),
    ]);
}

#[test]
fn field_values() {
    let max_sub = "s".repeat(sealkit::MAX_SUBJECT_LEN);
    let max_iss = "i".repeat(sealkit::MAX_IDENTITY_LEN);
    let max_media = "m".repeat(sealkit::MAX_MEDIA_TYPE_LEN);
    check(vec![
        (
            "typ application/cose",
            edit(|s| {
                s.set(TYP, cbor::text("application/cose"));
            }),
            bad(Error::WrongEnvelopeType),
        ),
        (
            "typ with a trailing space",
            edit(|s| {
                s.set(TYP, cbor::text("application/vnd.sealkit+cose "));
            }),
            bad(Error::WrongEnvelopeType),
        ),
        (
            "typ in upper case",
            edit(|s| {
                s.set(TYP, cbor::text("APPLICATION/VND.SEALKIT+COSE"));
            }),
            bad(Error::WrongEnvelopeType),
        ),
        (
            "typ as a CoAP number",
            edit(|s| {
                s.set(TYP, cbor::uint(18));
            }),
            bad(Error::WrongEnvelopeType),
        ),
        (
            "sub of the maximum length",
            edit(move |s| {
                s.set_claim(SUB, cbor::text(&max_sub));
            }),
            OK,
        ),
        (
            "sub one byte too long",
            edit(|s| {
                s.set_claim(SUB, cbor::text(&"s".repeat(sealkit::MAX_SUBJECT_LEN + 1)));
            }),
            bad(Error::FieldTooLong),
        ),
        (
            "iss of the maximum length",
            edit(move |s| {
                s.set_claim(ISS, cbor::text(&max_iss));
            }),
            OK,
        ),
        (
            "iss one byte too long",
            edit(|s| {
                s.set_claim(ISS, cbor::text(&"i".repeat(sealkit::MAX_IDENTITY_LEN + 1)));
            }),
            bad(Error::FieldTooLong),
        ),
        (
            "media type of the maximum length",
            edit(move |s| {
                s.set(CTYPE, cbor::text(&max_media));
            }),
            OK,
        ),
        (
            "media type one byte too long",
            edit(|s| {
                s.set(
                    CTYPE,
                    cbor::text(&"m".repeat(sealkit::MAX_MEDIA_TYPE_LEN + 1)),
                );
            }),
            bad(Error::FieldTooLong),
        ),
        (
            "content type 65535",
            edit(|s| {
                s.set(CTYPE, cbor::uint(65535));
            }),
            OK,
        ),
        (
            "content type 65536",
            edit(|s| {
                s.set(CTYPE, cbor::uint(65536));
            }),
            bad(Error::BadFieldType),
        ),
        (
            "content type negative",
            edit(|s| {
                s.set(CTYPE, cbor::int(-1));
            }),
            bad(Error::BadFieldType),
        ),
        (
            "content type as bstr",
            edit(|s| {
                s.set(CTYPE, cbor::bytes(b"application/octet-stream"));
            }),
            bad(Error::BadFieldType),
        ),
        (
            "sub not UTF-8",
            edit(|s| {
                s.set_claim(SUB, cbor::cat(&[&cbor::head(TEXT, 2), &[0xc3, 0x28]]));
            }),
            bad(Error::BadFieldType),
        ),
        (
            "sub as bstr",
            edit(|s| {
                s.set_claim(SUB, cbor::bytes(b"firmware.bin"));
            }),
            bad(Error::BadFieldType),
        ),
        (
            "iat negative",
            edit(|s| {
                s.set_claim(IAT, cbor::int(-1));
            }),
            bad(Error::BadFieldType),
        ),
        (
            "iat as text",
            edit(|s| {
                s.set_claim(IAT, cbor::text("2023-11-14T22:13:20Z"));
            }),
            bad(Error::BadFieldType),
        ),
        (
            "iat as a float",
            edit(|s| {
                let mut f = vec![0xfb];
                f.extend_from_slice(&1.7e9f64.to_be_bytes());
                s.set_claim(IAT, f);
            }),
            bad(Error::BadFieldType),
        ),
        (
            "artifact length negative",
            edit(|s| {
                s.set(LEN, cbor::int(-24));
            }),
            bad(Error::BadFieldType),
        ),
        (
            "artifact length as bstr",
            edit(|s| {
                s.set(LEN, cbor::bytes(&[24]));
            }),
            bad(Error::BadFieldType),
        ),
        (
            "artifact length as a tagged bignum",
            edit(|s| {
                s.set(
                    LEN,
                    cbor::cat(&[&cbor::head(cbor::TAG, 2), &cbor::bytes(&[24])]),
                );
            }),
            bad(Error::BadFieldType),
        ),
        (
            "version as text",
            edit(|s| {
                s.set(VER, cbor::text("7"));
            }),
            bad(Error::BadFieldType),
        ),
        (
            "claims as an array",
            edit(|s| {
                s.set(CLAIMS, cbor::array(&[]));
            }),
            bad(Error::BadFieldType),
        ),
        (
            "unknown claim 3 (aud)",
            edit(|s| {
                s.insert_claim(3, cbor::text("device"));
            }),
            bad(Error::UnknownClaim),
        ),
        (
            "unknown claim 5 (nbf)",
            edit(|s| {
                s.insert_claim(5, cbor::uint(1_800_000_000));
            }),
            bad(Error::UnknownClaim),
        ),
        (
            "unknown claim 7 (cti)",
            edit(|s| {
                s.insert_claim(7, cbor::bytes(&[1, 2, 3]));
            }),
            bad(Error::UnknownClaim),
        ),
        (
            "unknown claim -1",
            edit(|s| {
                s.insert_claim(-1, cbor::uint(0));
            }),
            bad(Error::UnknownClaim),
        ),
        (
            "claim with a text key \"sub\"",
            edit(|s| {
                s.claims.push(Entry {
                    label: 1000,
                    key: cbor::text("sub"),
                    value: sealkit_conformance::Value::Raw(cbor::text("x")),
                });
            }),
            bad(Error::UnknownClaim),
        ),
    ]);
}

#[test]
fn parse_errors_are_reported_where_they_are_met() {
    // docs/FORMAT.md section 9: reading from the front, the first broken rule wins.
    check(vec![
        (
            "duplicate sub before a missing iat",
            edit(|s| {
                s.remove_claim(IAT)
                    .claims
                    .push(Entry::new(SUB, cbor::text("x")));
            }),
            bad(Error::DuplicateLabel),
        ),
        (
            "unsupported alg before a missing kid",
            edit(|s| {
                s.set(ALG, cbor::int(-7)).remove(KID);
            }),
            bad(Error::UnsupportedAlgorithm),
        ),
        (
            "label 3 before an unknown label 5",
            edit(|s| {
                s.insert(3, cbor::uint(0)).insert(5, cbor::uint(0));
            }),
            bad(Error::ContentTypePresent),
        ),
        (
            "a bad protected header before a non-empty unprotected header",
            edit(|s| {
                s.set(TYP, cbor::text("application/cose"));
                s.unprotected = cbor::map(&[(cbor::int(4), cbor::bytes(&[0; 8]))]);
            }),
            bad(Error::WrongEnvelopeType),
        ),
        (
            "a non-empty unprotected header before a detached payload",
            edit(|s| {
                s.unprotected = cbor::map(&[(cbor::int(4), cbor::bytes(&[0; 8]))]);
                s.payload_item = Some(vec![NULL]);
            }),
            bad(Error::UnprotectedHeaderNotEmpty),
        ),
        (
            "trailing bytes before missing fields",
            edit(|s| {
                s.remove(ALG);
                s.suffix = vec![0];
            }),
            bad(Error::TrailingBytes),
        ),
        (
            "missing typ (checked last) after missing length",
            edit(|s| {
                s.remove(TYP).remove(LEN);
            }),
            bad(Error::MissingLength),
        ),
        (
            "payload size before signature size",
            edit(|s| {
                s.payload = vec![0; 64];
                s.signature_item = Some(cbor::bytes(&[0; 10]));
            }),
            bad(Error::PayloadSizeMismatch),
        ),
        (
            "crit naming an absent label after trailing bytes in the protected bstr",
            edit(|s| {
                s.insert(CRIT, cbor::array(&[cbor::int(99)]));
                s.protected_suffix = vec![0];
            }),
            bad(Error::TrailingBytes),
        ),
    ]);
}

#[test]
fn size_limit_and_truncation() {
    let env = base().encode();
    // Every proper prefix of a valid envelope ends early.
    for len in 0..env.len() {
        let (parsed, verified) = verdicts(&env[..len]);
        assert_eq!(parsed, Err(Error::EnvelopeTruncated), "prefix of {len}");
        assert_eq!(verified, Err(Error::EnvelopeTruncated), "prefix of {len}");
    }
    // Up to the size limit, padding is trailing bytes; one byte more is too large.
    let mut padded = env.clone();
    padded.resize(sealkit::MAX_ENVELOPE_LEN, 0);
    assert_eq!(verdicts(&padded).0, Err(Error::TrailingBytes));
    padded.push(0);
    assert_eq!(
        verdicts(&padded),
        (Err(Error::EnvelopeTooLarge), Err(Error::EnvelopeTooLarge))
    );
}

#[test]
fn an_edit_without_a_new_signature_is_a_bad_signature() {
    // Control for the cases above: they fail for their broken rule, not their signature. Here
    // a well-formed change is signed over the *old* protected bytes and must be caught.
    let mut spec = base();
    let old_sig = spec.signer.sign(&spec.to_be_signed());
    spec.set_claim(SUB, cbor::text("bootloader.bin"));
    spec.signature_item = Some(cbor::bytes(&old_sig));
    let env = spec.encode();
    assert!(Envelope::parse(&env).is_ok());
    let policy = key().policy();
    assert_eq!(
        StreamVerifier::new(&env, &policy).map(|_| ()),
        Err(Error::BadSignature)
    );
}

#[test]
fn empty_text_fields() {
    // An empty identity could match a policy written carelessly; an empty subject or media type
    // names nothing. Each is refused with its own code.
    check(vec![
        (
            "iss \"\"",
            edit(|s| {
                s.set_claim(ISS, cbor::text(""));
            }),
            bad(Error::EmptyField),
        ),
        (
            "sub \"\"",
            edit(|s| {
                s.set_claim(SUB, cbor::text(""));
            }),
            bad(Error::EmptyField),
        ),
        (
            "259 \"\"",
            edit(|s| {
                s.set(CTYPE, cbor::text(""));
            }),
            bad(Error::EmptyField),
        ),
        (
            "iss \"x\" (one byte is enough)",
            edit(|s| {
                s.set_claim(ISS, cbor::text("x"));
            }),
            OK,
        ),
    ]);
}

#[test]
fn signer_refuses_empty_text() {
    use sealkit::{sign, ArtifactHasher, ContentType, SignRequest, SignatureAlg, SigningKey};
    let key = SigningKey::from_seed(&[9u8; 32]).unwrap();
    let base = SignRequest {
        alg: SignatureAlg::Ed25519,
        digest: ArtifactHasher::new(HashAlg::Sha256).finalize(),
        length: 0,
        content_type: ContentType::OCTET_STREAM,
        subject: "a",
        issuer: None,
        issued_at: 0,
        version: None,
    };
    let mut out = [0u8; sealkit::MAX_SIGNED_ENVELOPE_LEN];
    assert!(sign(&key, &base, &mut out).is_ok());
    for req in [
        SignRequest {
            subject: "",
            ..base
        },
        SignRequest {
            issuer: Some(""),
            ..base
        },
        SignRequest {
            content_type: ContentType::MediaType(""),
            ..base
        },
    ] {
        assert_eq!(sign(&key, &req, &mut out), Err(Error::EmptyArgument));
    }
}

#[test]
fn huge_declared_lengths_are_truncation() {
    // Lengths far beyond the input, in every head width, whatever `usize` is on the target.
    for head in [
        &[0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff][..],
        &[0x5b, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00][..],
        &[0x5a, 0xff, 0xff, 0xff, 0xff][..],
        &[0x59, 0x10, 0x00][..],
    ] {
        let mut env = vec![0xd2, 0x84];
        env.extend_from_slice(head);
        env.extend_from_slice(&[0u8; 16]);
        assert_eq!(
            Envelope::parse(&env).err(),
            Some(Error::EnvelopeTruncated),
            "{env:02x?}"
        );
    }
}
