//! The streaming verifier with adversarial chunkings and policies, against an independent
//! oracle. The target signs its own envelope (fixed fuzz keys) over fuzz-chosen fields and
//! artifact, builds a fuzz-chosen policy, optionally tampers with one thing, feeds the artifact
//! through a `VerifierSlot` in a fuzz-chosen chunking, and checks the exact verdict: which error
//! (code and stage), or the exact verified facts. Then it checks that errors are sticky and that
//! a finished slot refuses more calls.
//!
//! Input (see `sealkit_fuzz::Input`):
//! `u8 fields, u8 policy, u8 requirements, u8 tamper, str8 subject, str8 issuer,
//! str8 media type, u64 iat, u64 version, str8 bound identity, str8 required identity,
//! str8 required subject, u64 min version, u8 length delta, u16 tamper position,
//! str8 chunk plan, rest: artifact`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealkit::{ContentType, Error, HashAlg, SignatureAlg, SlotState, TrustPolicy, VerifierSlot};
use sealkit_fuzz::{chunks, digest_of, fuzz_key, other_key, sign_envelope, utf8, Input};

/// A requirement: none, the signed value itself, or a fuzzed string.
fn requirement<'a>(mode: u8, signed: Option<&'a str>, fuzzed: &'a [u8]) -> Option<Option<&'a str>> {
    match mode & 3 {
        0 => Some(None),
        1 => signed.map(Some),
        _ => utf8(fuzzed).ok().map(Some),
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let fields = input.u8();
    let pol = input.u8();
    let req = input.u8();
    let tamper = input.u8() % 8;
    let subject = input.str8();
    let issuer = input.str8();
    let media = input.str8();
    let iat = input.u64();
    let version = input.u64();
    let bound = input.str8();
    let req_identity = input.str8();
    let req_subject = input.str8();
    let min_version = input.u64();
    let delta = input.u8();
    let tamper_pos = usize::from(input.u16());
    let plan = input.str8();
    let mut artifact = input.rest().to_vec();

    let alg = if fields & 1 != 0 {
        SignatureAlg::EdDsa
    } else {
        SignatureAlg::Ed25519
    };
    let hash = if fields & 2 != 0 {
        HashAlg::Sha512
    } else {
        HashAlg::Sha256
    };
    let Ok(subject) = utf8(subject) else { return };
    let issuer = if fields & 4 != 0 {
        match utf8(issuer) {
            Ok(s) => Some(s),
            Err(_) => return,
        }
    } else {
        None
    };
    let content_type = if fields & 8 != 0 {
        match utf8(media) {
            Ok(m) => ContentType::MediaType(m),
            Err(_) => return,
        }
    } else {
        ContentType::CoapFormat(u16::from(media.first().copied().unwrap_or(42)))
    };
    let version = (fields & 16 != 0).then_some(version);
    // The length the envelope states: the artifact's, or off by up to +-3.
    let declared = match delta % 8 {
        d @ 1..=3 => artifact.len() as u64 + u64::from(d),
        d @ 4..=6 => (artifact.len() as u64).saturating_sub(u64::from(d - 3)),
        _ => artifact.len() as u64,
    };
    let signer = if tamper == 7 { other_key() } else { fuzz_key() };
    let Ok(mut envelope) = sign_envelope(
        signer,
        alg,
        hash,
        &artifact,
        declared,
        content_type,
        subject,
        issuer,
        iat,
        version,
    ) else {
        return;
    };

    // The policy.
    let mut policy = TrustPolicy::new();
    let trust_fuzz = pol & 1 != 0;
    let trust_other = pol & 2 != 0;
    let bind = pol & 4 != 0;
    let bound = if bind {
        match utf8(bound) {
            Ok(b) if pol & 8 != 0 => Some(b),
            // Bound to the signed identity (when there is one).
            _ => Some(issuer.unwrap_or("nobody")),
        }
    } else {
        None
    };
    for (trusted, key) in [(trust_fuzz, fuzz_key()), (trust_other, other_key())] {
        if !trusted {
            continue;
        }
        let r = match bound {
            Some(b) => policy
                .trust_key_for_identity(key.public_key(), b)
                .map(|_| ()),
            None => policy.trust_key(key.public_key()).map(|_| ()),
        };
        if r.is_err() {
            return;
        }
    }
    let Some(req_identity) = requirement(req, issuer, req_identity) else {
        return;
    };
    let Some(req_subject) = requirement(req >> 2, Some(subject), req_subject) else {
        return;
    };
    if let Some(id) = req_identity {
        if policy.require_identity(id).is_err() {
            return;
        }
    }
    if let Some(s) = req_subject {
        if policy.require_subject(s).is_err() {
            return;
        }
    }
    let min = match (req >> 4) & 3 {
        0 => None,
        1 => version.or(Some(min_version)),
        2 => Some(min_version),
        _ => Some(version.unwrap_or(min_version).saturating_add(1)),
    };
    if let Some(m) = min {
        policy.require_min_version(m);
    }

    // The tampering, after signing.
    let original = artifact.clone();
    let mut envelope_flipped = false;
    match tamper {
        3 if !artifact.is_empty() => {
            let i = tamper_pos % artifact.len();
            if let Some(b) = artifact.get_mut(i) {
                *b ^= 1 << (tamper_pos % 8);
            }
        }
        4 => artifact.push(tamper_pos as u8),
        5 if !artifact.is_empty() => {
            artifact.truncate(tamper_pos % artifact.len());
        }
        6 => {
            let i = tamper_pos % envelope.len();
            if let Some(b) = envelope.get_mut(i) {
                *b ^= 1 << ((tamper_pos >> 8) % 8);
                envelope_flipped = true;
            }
        }
        _ => {}
    }

    // The oracle: checks in the documented order.
    let signer_trusted = if tamper == 7 { trust_other } else { trust_fuzz };
    let expected_start: Option<Error> = if !signer_trusted {
        Some(Error::UntrustedKey)
    } else if bound.is_some() && issuer != bound {
        Some(Error::IdentityMismatch)
    } else if req_identity.is_some() && issuer != req_identity {
        Some(Error::IdentityMismatch)
    } else if req_subject.is_some_and(|s| s != subject) {
        Some(Error::SubjectMismatch)
    } else {
        match (min, version) {
            (Some(_), None) => Some(Error::VersionMissing),
            (Some(m), Some(v)) if v < m => Some(Error::Rollback),
            _ => None,
        }
    };

    let mut slot = VerifierSlot::new();
    let started = slot.start(&envelope, &policy);
    if envelope_flipped {
        // One flipped bit anywhere in a signed envelope must be refused before any byte.
        assert!(started.is_err(), "a flipped envelope bit was accepted");
        let e = started.err().unwrap_or(Error::NotStarted);
        assert_eq!(slot.state(), SlotState::Failed(e));
        assert_eq!(slot.update(b"x"), Err(e));
        assert_eq!(slot.finish().map(|_| ()), Err(e));
        return;
    }
    assert_eq!(started.err(), expected_start, "start");
    if let Some(e) = expected_start {
        assert_eq!(slot.update(&artifact), Err(e));
        assert_eq!(slot.finish().map(|_| ()), Err(e));
        assert_eq!(slot.start(&envelope, &policy), Err(e));
        return;
    }
    // A second start on an active slot is misuse and fails it.
    if fields & 0x80 != 0 {
        assert_eq!(slot.start(&envelope, &policy), Err(Error::AlreadyStarted));
        assert_eq!(slot.update(&artifact), Err(Error::AlreadyStarted));
        return;
    }

    let mut fed = 0u64;
    let mut update_error = None;
    for c in chunks(&artifact, plan) {
        match slot.update(c) {
            Ok(()) => {
                fed += c.len() as u64;
                assert!(fed <= declared);
                assert_eq!(slot.verifier().map(|v| v.bytes_received()), Some(fed));
            }
            Err(e) => {
                update_error = Some(e);
                break;
            }
        }
    }
    let len = artifact.len() as u64;
    if len > declared {
        // Too long must surface in an update, never later.
        assert_eq!(update_error, Some(Error::ArtifactTooLong));
    } else {
        assert_eq!(update_error, None);
    }
    let result = slot.finish();
    let expected_finish = if len > declared {
        Some(Error::ArtifactTooLong)
    } else if len < declared {
        Some(Error::ArtifactTooShort)
    } else if artifact != original {
        // A flipped bit, or an appended or cut artifact whose length now happens to be the
        // stated one (the envelope was signed with a wrong length on purpose).
        Some(Error::DigestMismatch)
    } else {
        None
    };
    match (result, expected_finish) {
        (Ok(v), None) => {
            assert_eq!(v.key_id(), signer.public_key().key_id());
            assert_eq!(v.alg(), alg);
            assert_eq!(v.identity(), issuer);
            assert_eq!(v.subject(), subject);
            assert_eq!(v.content_type(), content_type);
            assert_eq!(v.issued_at(), iat);
            assert_eq!(v.version(), version);
            assert_eq!(v.length(), len);
            assert!(v.digest().ct_eq(&digest_of(hash, &artifact)));
            assert_eq!(slot.state(), SlotState::Finished);
            assert_eq!(slot.finish().map(|_| ()), Err(Error::AlreadyFinished));
            assert_eq!(slot.update(b""), Err(Error::AlreadyFinished));
        }
        (Err(e), Some(x)) => {
            assert_eq!(e, x);
            assert_eq!(slot.state(), SlotState::Failed(e));
            assert_eq!(slot.update(b""), Err(e));
            assert_eq!(slot.finish().map(|_| ()), Err(e));
            assert_eq!(slot.start(&envelope, &policy), Err(e));
        }
        (r, x) => panic!("finish gave {:?}, expected {x:?}", r.map(|v| v.length())),
    }
    // Abort always empties the slot.
    slot.abort();
    assert_eq!(slot.state(), SlotState::Empty);
});
