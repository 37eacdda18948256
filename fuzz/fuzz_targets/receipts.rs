//! Timestamp receipts: arbitrary bytes as a receipt, parsed alone, attached to a fixed keyless
//! envelope, and verified long after its certificate expired.
//!
//! Input: a mode byte, then
//! - mode bit 0 clear: the receipt is the rest of the input, raw;
//! - mode bit 0 set: the target signs a receipt: a key selector byte (0 the trusted timestamp
//!   key, 1 an untrusted one, 2 the issuer's root, which may not timestamp, 3 the ephemeral
//!   signing key), a u64 time, a byte that, when non-zero, flips one byte of the envelope digest
//!   the receipt names; the rest is pairs of bytes (position modulo the receipt's length, XOR
//!   mask) applied to the signed receipt, so that mutations start from valid receipts.
//!
//! Mode bit 1 revokes the timestamp key in the policy.
//!
//! The fixed setup: an ephemeral key certified for ten minutes (`T0` to `T0 + 600`) by a root
//! trusted under its name, the envelope it signed over a small artifact with that one-link
//! chain, and policies trusting the root and one timestamp key with a clock six months later,
//! without and with `require_timestamp`.
//!
//! Checks beyond "no panic": the receipt parses alone exactly when the envelope carrying it
//! parses, which then hands back exactly those bytes; `attach_receipt` succeeds exactly when
//! the receipt parses and names the envelope, and then writes the same bytes as the envelope
//! built here by hand; the verdict is the same with and without `require_timestamp` and is the
//! one an oracle written from the format's rules predicts (untrusted key 222, bad signature 223,
//! revoked 211, another envelope 224, outside the certificate 225, otherwise accepted); accepted
//! only with the receipt's time inside the certificate, reported by the signer with the
//! timestamp key's id, and only for the byte-exact receipt the timestamp key makes for that
//! digest and time (up to the `alg` label, -19 or -8); in mode 1, the verdict follows from what
//! the target signed alone.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sealkit::{
    attach_receipt, encode_chain, envelope_digest, issue_certificate, sign_timestamp, sign_with,
    CertRequest, ContentType, Envelope, Error, HashAlg, KeyId, SignOptions, SignRequest,
    SignatureAlg, SigningKey, TimestampReceipt, TrustPolicy, MAX_CERT_LEN,
    MAX_CHAINED_ENVELOPE_LEN, MAX_ENCODED_CHAIN_LEN, MAX_ENVELOPE_LEN, MAX_RECEIPT_LEN,
};
use sealkit_fuzz::{digest_of, Input};

/// The certificate's validity: ten minutes from 2026-01-01T00:00:00Z.
const T0: u64 = 1_767_225_600;
const T1: u64 = T0 + 600;
/// The verifier's clock: six months after the certificate expired.
const NOW: u64 = T0 + 181 * 86_400;
const ROOT_NAME: &str = "keyless-issuer.fuzz.example";
const IDENTITY: &str = "https://github.com/vendor/app/.github/workflows/release.yml@refs/tags/v1";
const ARTIFACT: &[u8] = b"a release artifact signed keyless";

struct Setup {
    /// Trusted timestamp key, untrusted timestamp key, root, ephemeral key.
    keys: [SigningKey; 4],
    tsa_kid: KeyId,
    envelope: Vec<u8>,
    digest: [u8; 32],
    /// The envelope's bytes before and after its empty unprotected header (`a0`).
    head: Vec<u8>,
    tail: Vec<u8>,
    /// Trusting the root and the timestamp key, clock `NOW`; the same requiring a receipt;
    /// both again with the timestamp key revoked.
    policies: [TrustPolicy; 4],
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_seed(&[seed; 32]).expect("fixed seed")
}

fn setup() -> &'static Setup {
    static SETUP: OnceLock<Setup> = OnceLock::new();
    SETUP.get_or_init(|| {
        let keys = [key(0x71), key(0x72), key(0x73), key(0x74)];
        let [tsa, _, root, ephemeral] = &keys;
        let req = CertRequest {
            alg: SignatureAlg::Ed25519,
            issuer: ROOT_NAME,
            subject: IDENTITY,
            key: ephemeral.public_key(),
            not_before: T0,
            expires_at: T1,
            cti: b"fuzz-keyless-1",
            scope: &[],
            ca: None,
        };
        let mut cert = [0u8; MAX_CERT_LEN];
        let n = issue_certificate(root, &req, &mut cert).expect("certificate");
        let mut chain = [0u8; MAX_ENCODED_CHAIN_LEN];
        let n = encode_chain(&[&cert[..n]], &mut chain).expect("chain");
        let req = SignRequest {
            alg: SignatureAlg::Ed25519,
            digest: digest_of(HashAlg::Sha256, ARTIFACT),
            length: ARTIFACT.len() as u64,
            content_type: ContentType::CoapFormat(42),
            subject: "app.bin",
            issuer: Some(IDENTITY),
            issued_at: T0 + 30,
            version: Some(1),
        };
        let opts = SignOptions {
            chain: Some(&chain[..n]),
            expires_at: None,
        };
        let mut env = vec![0u8; MAX_CHAINED_ENVELOPE_LEN];
        let n = sign_with(ephemeral, &req, &opts, &mut env).expect("envelope");
        env.truncate(n);
        let digest = envelope_digest(&env).expect("envelope digest");
        let parsed = Envelope::parse(&env).expect("the envelope parses");
        let at =
            2 + bstr_head(parsed.protected_bytes().len()).len() + parsed.protected_bytes().len();
        assert_eq!(env[at], 0xa0, "the empty unprotected header");
        let (head, tail) = (env[..at].to_vec(), env[at + 1..].to_vec());
        let mut base = TrustPolicy::new();
        base.trust_root(root.public_key(), Some(ROOT_NAME))
            .and_then(|p| p.trust_timestamp_key(tsa.public_key()))
            .expect("policy");
        base.set_time(NOW);
        let mut required = base.clone();
        required.require_timestamp();
        let revoke = |p: &TrustPolicy| {
            let mut p = p.clone();
            p.revoke_key(tsa.public_key().key_id()).expect("revoke");
            p
        };
        let policies = [revoke(&base), revoke(&required), base, required];
        let [revoked, revoked_required, base, required] = policies;
        let tsa_kid = tsa.public_key().key_id();
        Setup {
            keys,
            tsa_kid,
            envelope: env,
            digest,
            head,
            tail,
            policies: [base, required, revoked, revoked_required],
        }
    })
}

/// The shortest CBOR head of a byte string of `len` bytes.
fn bstr_head(len: usize) -> Vec<u8> {
    match len {
        0..=23 => vec![0x40 | len as u8],
        24..=0xff => vec![0x58, len as u8],
        0x100..=0xffff => vec![0x59, (len >> 8) as u8, len as u8],
        _ => {
            let mut v = vec![0x5a];
            v.extend_from_slice(&(len as u32).to_be_bytes());
            v
        }
    }
}

/// The verdict as a code (0 for accepted) and, when accepted, the signer's timestamp and key.
fn verdict(envelope: &[u8], policy: &TrustPolicy) -> (u16, Option<(u64, KeyId)>) {
    match sealkit::verify_slice(envelope, ARTIFACT, policy) {
        Ok(v) => {
            assert_eq!(v.signers().len(), 1);
            let s = &v.signers()[0];
            assert_eq!(s.chain_depth(), 1);
            assert_eq!(s.identity(), Some(IDENTITY));
            assert_eq!(s.timestamp().is_some(), s.timestamp_key_id().is_some());
            (0, s.timestamp().zip(s.timestamp_key_id()))
        }
        Err(e) => (e.code(), None),
    }
}

fn code(e: Error) -> u16 {
    e.code()
}

fuzz_target!(|data: &[u8]| {
    let s = setup();
    let mut input = Input::new(data);
    let mode = input.u8();
    let revoked = mode & 2 != 0;
    // In mode 1, what the target signed decides the verdict on its own.
    let mut signed_expectation = None;
    let signed;
    let receipt: &[u8] = if mode & 1 == 0 {
        input.rest()
    } else {
        let which = usize::from(input.u8() % 4);
        let time = input.u64();
        let flip = input.u8();
        let mut digest = s.digest;
        if flip != 0 {
            digest[usize::from(flip - 1) % 32] ^= 0x01;
        }
        let mut out = [0u8; MAX_RECEIPT_LEN];
        let n = sign_timestamp(&s.keys[which], &digest, time, &mut out)
            .expect("a receipt always fits MAX_RECEIPT_LEN");
        signed = {
            let mut r = out[..n].to_vec();
            for edit in input.rest().chunks_exact(2) {
                r[usize::from(edit[0]) % n] ^= edit[1];
            }
            r
        };
        let edited = signed.as_slice() != &out[..n];
        signed_expectation = (!edited).then_some(if which != 0 {
            code(Error::UntrustedTimestampKey)
        } else if revoked {
            code(Error::KeyRevoked)
        } else if flip != 0 {
            code(Error::TimestampDigestMismatch)
        } else if !(T0..T1).contains(&time) {
            code(Error::TimestampOutsideValidity)
        } else {
            0
        });
        &signed
    };

    // The receipt alone.
    let parsed = TimestampReceipt::parse(receipt);
    if parsed.is_ok() {
        assert!(receipt.len() <= MAX_RECEIPT_LEN);
    }

    // The envelope carrying it, built by hand: `{-65539: receipt}` instead of `{}`.
    let mut built = s.head.clone();
    built.extend_from_slice(&[0xa1, 0x3a, 0x00, 0x01, 0x00, 0x02]);
    built.extend_from_slice(receipt);
    built.extend_from_slice(&s.tail);
    let env = Envelope::parse(&built);
    assert_eq!(
        env.is_ok(),
        parsed.is_ok(),
        "envelope parse {:?}, receipt parse {:?}",
        env.as_ref().err(),
        parsed.as_ref().err()
    );
    if let Ok(e) = &env {
        assert_eq!(e.unverified_receipt(), Some(receipt));
        // The receipt changes no signed byte.
        assert_eq!(envelope_digest(&built).ok(), Some(s.digest));
    }

    // attach_receipt: exactly when the receipt parses and names this envelope; the same bytes.
    let mut out = [0u8; MAX_ENVELOPE_LEN];
    let attached = attach_receipt(&s.envelope, receipt, &mut out);
    let names_it = parsed
        .as_ref()
        .is_ok_and(|p| p.unverified_digest() == &s.digest);
    match attached {
        Ok(n) => {
            assert!(names_it);
            assert_eq!(&out[..n], built.as_slice());
        }
        Err(e) => {
            assert!(
                !names_it,
                "attach refused a parsing receipt for this envelope: {e:?}"
            );
            let want = if parsed.is_ok() {
                Error::TimestampDigestMismatch
            } else {
                Error::BadTimestampReceipt
            };
            assert_eq!(e, want);
        }
    }

    // Verification, without and with require_timestamp: a receipt is present, so the same.
    let base = if revoked { 2 } else { 0 };
    let (got, stamp) = verdict(&built, &s.policies[base]);
    let (got_required, stamp_required) = verdict(&built, &s.policies[base + 1]);
    assert_eq!((got, stamp), (got_required, stamp_required));

    let Ok(p) = parsed else {
        // A receipt that does not parse: the envelope does not either.
        assert!((100..200).contains(&got), "unparsable receipt gave {got}");
        assert!(
            signed_expectation.is_none(),
            "the target's own receipt did not parse"
        );
        return;
    };
    let time = p.unverified_time();
    let expected = if p.unverified_kid() != s.tsa_kid {
        code(Error::UntrustedTimestampKey)
    } else if !p.is_signed_by(&s.keys[0].public_key()) {
        code(Error::BadTimestampSignature)
    } else if revoked {
        code(Error::KeyRevoked)
    } else if p.unverified_digest() != &s.digest {
        code(Error::TimestampDigestMismatch)
    } else if !(T0..T1).contains(&time) {
        code(Error::TimestampOutsideValidity)
    } else {
        0
    };
    assert_eq!(got, expected, "verdict {got}, oracle {expected}");
    if let Some(want) = signed_expectation {
        assert_eq!(
            got, want,
            "verdict {got} for a receipt the target signed, expected {want}"
        );
    }
    if got != 0 {
        return;
    }
    // Accepted: the signer reports the receipt's time, inside the certificate, and the
    // timestamp key; and the receipt is the one that key makes for this digest and time.
    assert_eq!(stamp, Some((time, s.tsa_kid)));
    assert!((T0..T1).contains(&time));
    let mut canonical = [0u8; MAX_RECEIPT_LEN];
    let n = sign_timestamp(&s.keys[0], &s.digest, time, &mut canonical).expect("receipt");
    let canonical = &canonical[..n];
    if p.unverified_alg() == SignatureAlg::Ed25519 {
        assert_eq!(
            receipt, canonical,
            "an accepted receipt that is not the canonical one"
        );
    } else {
        // alg -8 (0x27) instead of -19 (0x32): the same bytes but that one and the signature.
        assert_eq!(receipt.len(), canonical.len());
        let body = receipt.len() - 64;
        let diffs: Vec<usize> = (0..body).filter(|&i| receipt[i] != canonical[i]).collect();
        assert_eq!(
            diffs.len(),
            1,
            "an accepted -8 receipt differs in {diffs:?}"
        );
        assert_eq!((receipt[diffs[0]], canonical[diffs[0]]), (0x27, 0x32));
    }
});
