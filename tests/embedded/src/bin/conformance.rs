//! The verdicts firmware: every verifier of the core on real signed data in flash, each fed in
//! small chunks, accepted as signed and rejected with the exact error code when tampered with.
//! Prints one `PASS`/`FAIL` line per verdict (with the scenario's peak stack) and exits with
//! status 0 only if every verdict is as expected.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use sealkit::{
    EntryKind, Error, HashAlg, PublicKey, SlotState, TreeVerifier, TrustPolicy, UnsealState,
    Unsealer, Verified, VerifierSlot,
};
use sealkit_embedded::fixtures::{
    ARTIFACT, BUNDLE_FILES, ENVELOPE_CHAIN, ENVELOPE_KEYLESS, ENVELOPE_KEYLESS_BARE,
    ENVELOPE_KEYLESS_ROGUE, ENVELOPE_SHA256, ENVELOPE_SHA512, INTERMEDIATE_KEY_RAW, ISSUED_AT,
    ISSUER, KEYLESS_EXPIRES, KEYLESS_IDENTITY, KEYLESS_ISSUER_KEY_RAW, KEYLESS_NOT_BEFORE,
    KEY_TEXT, LEAF_EXPIRES, LEAF_NAME, OTHER_KEY_RAW, RECEIPT_TIME, ROOT_KEY_RAW, ROOT_NAME,
    SEALED, SUBJECT, TREE_SIGNATURE, TSA_KEY_RAW, VERSION,
};
use sealkit_embedded::{
    feed, fixture_policy, keyless_fixture_policy, paint_stack, stack_used_below, Expected, Report,
    Tamper, CHUNK,
};

sealkit_embedded::fault_handler!();

/// The checks every accepted artifact must pass besides the verifier's own.
fn check_facts(v: &Verified, hash: HashAlg, length: usize) -> Result<(), Error> {
    let facts_ok = v.length() == length as u64
        && v.digest().alg() == hash
        && v.version() == Some(VERSION)
        && v.identity() == Some(ISSUER)
        && v.subject() == SUBJECT;
    // A fact that differs is reported as an error no verifier returns here.
    if facts_ok {
        Ok(())
    } else {
        Err(Error::AlreadyStarted)
    }
}

/// The file verifier through the run-time state machine: start, chunks, finish; then, after a
/// failure, checks that the error is sticky.
fn file(envelope: &[u8], policy: &TrustPolicy, tamper: Tamper, hash: HashAlg) -> Result<(), Error> {
    let mut slot = VerifierSlot::new();
    let result = slot
        .start(envelope, policy)
        .and_then(|()| feed(&ARTIFACT, tamper, |c| slot.update(c)))
        .and_then(|()| slot.finish())
        .and_then(|v| check_facts(&v, hash, ARTIFACT.len()));
    if let Err(e) = result {
        // Sticky: the slot stays failed with the same error until abort.
        let sticky = slot.state() == SlotState::Failed(e)
            && slot.update(&[0]) == Err(e)
            && slot.finish().err() == Some(e);
        if !sticky {
            return Err(Error::AlreadyFinished);
        }
    }
    result
}

/// A copy of an envelope (in RAM) with one byte changed.
fn tampered_envelope(envelope: &[u8], at: usize) -> ([u8; 256], usize) {
    let mut copy = [0u8; 256];
    let n = envelope.len().min(copy.len());
    if let (Some(dst), Some(src)) = (copy.get_mut(..n), envelope.get(..n)) {
        dst.copy_from_slice(src);
    }
    if let Some(b) = copy.get_mut(at) {
        *b ^= 0x01;
    }
    (copy, n)
}

/// Where `needle` first occurs in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The sealed-stream verifier: the stream in chunks, the artifact bytes it passes through
/// compared with the signed artifact, then finish.
fn sealed(policy: &TrustPolicy, tamper: Tamper, limit: usize) -> Result<(), Error> {
    let stream = SEALED.get(..limit).unwrap_or(&SEALED);
    let mut unsealer = Unsealer::new(policy);
    let mut out = 0usize; // artifact bytes handed out so far
    let mut same = true;
    let fed = feed(stream, tamper, |c| {
        let payload = unsealer.update(c)?;
        same &= ARTIFACT.get(out..out + payload.len()) == Some(payload);
        out += payload.len();
        Ok(())
    });
    let result = fed
        .and_then(|()| unsealer.finish())
        .and_then(|v| check_facts(&v, HashAlg::Sha256, ARTIFACT.len()));
    if result.is_ok() && !(same && out == ARTIFACT.len()) {
        // Accepted, but the bytes passed through are not exactly the artifact.
        return Err(Error::AlreadyFinished);
    }
    if let Err(e) = result {
        if unsealer.state() != UnsealState::Failed(e) || unsealer.update(&[0]) != Err(e) {
            return Err(Error::AlreadyFinished);
        }
    }
    result
}

/// The tree verifier: the tree signature (possibly with one byte changed), then every entry
/// in manifest order with each file's bytes in chunks; `tamper` applies to the file `victim`.
fn tree(
    policy: &TrustPolicy,
    sig_flip: Option<usize>,
    victim: &str,
    tamper: Tamper,
) -> Result<(), Error> {
    let mut sig = [0u8; 490];
    sig.copy_from_slice(&TREE_SIGNATURE);
    if let Some(b) = sig_flip.and_then(|at| sig.get_mut(at)) {
        *b ^= 0x01;
    }
    let mut tree = TreeVerifier::from_signature(&sig, policy)?;
    let (mut entries, mut files) = (0, 0);
    while let Some(entry) = tree.next_entry()? {
        entries += 1;
        if let EntryKind::File { .. } = entry.kind {
            files += 1;
            let bytes = BUNDLE_FILES
                .iter()
                .find(|(p, _)| *p == entry.path)
                .map(|(_, b)| *b)
                .ok_or(Error::NoTreeFileOpen)?;
            let t = if entry.path == victim {
                tamper
            } else {
                Tamper::None
            };
            feed(bytes, t, |c| tree.update(c))?;
        }
    }
    let v = tree.finish()?;
    if entries != 7 || files != BUNDLE_FILES.len() || v.subject() != "bundle" {
        return Err(Error::AlreadyFinished);
    }
    Ok(())
}

/// A policy as an updater trusting a certificate root would hold it: the root (named, so the
/// intermediate certificate must carry its name as issuer), the subject, a minimum version, and
/// a clock one day after the signing time (so certificate validity is checked). `root` is the
/// root key's raw bytes; `change` adjusts the policy for a scenario.
fn chain_policy(
    root: &[u8; 32],
    change: &dyn Fn(&mut TrustPolicy) -> Result<(), Error>,
) -> Result<TrustPolicy, Error> {
    let mut p = TrustPolicy::new();
    p.trust_root(PublicKey::from_bytes(root)?, Some(ROOT_NAME))?
        .require_subject(SUBJECT)?
        .require_min_version(VERSION)
        .set_time(ISSUED_AT + 86_400);
    change(&mut p)?;
    Ok(p)
}

/// The file verifier on the chained envelope (signed by a key certified through root ->
/// intermediate -> leaf): the policy is built here (so the scenario's stack includes it), then
/// start, chunks, finish; on success the signer must be the leaf's identity reached through a
/// 2-certificate chain ending at the root, with the clock checked; on failure the error must
/// be sticky.
/// (One copy for every scenario: `change` is a trait object, not a generic.)
fn chain(
    root: &[u8; 32],
    change: &dyn Fn(&mut TrustPolicy) -> Result<(), Error>,
) -> Result<(), Error> {
    let policy = chain_policy(root, change)?;
    let root_id = PublicKey::from_bytes(root)?.key_id();
    let mut slot = VerifierSlot::new();
    let result = slot
        .start(&ENVELOPE_CHAIN, &policy)
        .and_then(|()| feed(&ARTIFACT, Tamper::None, |c| slot.update(c)))
        .and_then(|()| slot.finish())
        .and_then(|v| {
            let signer_ok = match v.signers() {
                [only] => {
                    only.chain_depth() == 2
                        && only.root_key_id() == Some(root_id)
                        && only.identity() == Some(LEAF_NAME)
                }
                _ => false,
            };
            let facts_ok = v.length() == ARTIFACT.len() as u64
                && v.digest().alg() == HashAlg::Sha256
                && v.version() == Some(VERSION)
                && v.identity() == Some(LEAF_NAME)
                && v.subject() == SUBJECT
                && v.time_checked();
            // A fact that differs is reported as an error no verifier returns here.
            if signer_ok && facts_ok {
                Ok(())
            } else {
                Err(Error::AlreadyStarted)
            }
        });
    if let Err(e) = result {
        let sticky = slot.state() == SlotState::Failed(e)
            && slot.update(&[0]) == Err(e)
            && slot.finish().err() == Some(e);
        if !sticky {
            return Err(Error::AlreadyFinished);
        }
    }
    result
}

/// The file verifier on a keyless envelope (an ephemeral key certified for ten minutes by the
/// keyless issuer's root): the policy ([`keyless_fixture_policy`], clock six months after the
/// certificate expired) is built here and adjusted by `change`, then start, chunks, finish. On
/// success the signer must be the workflow identity reached through a one-certificate chain
/// ending at the issuer's root and, if `stamped`, carry a timestamp from the trusted timestamp
/// key equal to the receipt's time and inside the certificate's validity (else no timestamp);
/// on failure the error must be sticky.
fn keyless(
    envelope: &[u8],
    stamped: bool,
    change: &dyn Fn(&mut TrustPolicy) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut policy = keyless_fixture_policy()?;
    change(&mut policy)?;
    let root_id = PublicKey::from_bytes(&KEYLESS_ISSUER_KEY_RAW)?.key_id();
    let tsa_id = PublicKey::from_bytes(&TSA_KEY_RAW)?.key_id();
    let mut slot = VerifierSlot::new();
    let result = slot
        .start(envelope, &policy)
        .and_then(|()| feed(&ARTIFACT, Tamper::None, |c| slot.update(c)))
        .and_then(|()| slot.finish())
        .and_then(|v| {
            let signer_ok = match v.signers() {
                [only] => {
                    let timestamp_ok = if stamped {
                        only.timestamp() == Some(RECEIPT_TIME)
                            && only.timestamp_key_id() == Some(tsa_id)
                            && only
                                .timestamp()
                                .is_some_and(|t| (KEYLESS_NOT_BEFORE..KEYLESS_EXPIRES).contains(&t))
                    } else {
                        only.timestamp().is_none() && only.timestamp_key_id().is_none()
                    };
                    only.chain_depth() == 1
                        && only.root_key_id() == Some(root_id)
                        && only.identity() == Some(KEYLESS_IDENTITY)
                        && timestamp_ok
                }
                _ => false,
            };
            let facts_ok = v.length() == ARTIFACT.len() as u64
                && v.digest().alg() == HashAlg::Sha256
                && v.version() == Some(VERSION)
                && v.identity() == Some(KEYLESS_IDENTITY)
                && v.subject() == SUBJECT
                && v.time_checked();
            // A fact that differs is reported as an error no verifier returns here.
            if signer_ok && facts_ok {
                Ok(())
            } else {
                Err(Error::AlreadyStarted)
            }
        });
    if let Err(e) = result {
        let sticky = slot.state() == SlotState::Failed(e)
            && slot.update(&[0]) == Err(e)
            && slot.finish().err() == Some(e);
        if !sticky {
            return Err(Error::AlreadyFinished);
        }
    }
    result
}

/// Misuse of the state machine gives the misuse codes, in this order: update before start
/// (401), start twice (402), finish twice (400).
fn misuse(policy: &TrustPolicy) -> [Result<(), Error>; 3] {
    let mut empty = VerifierSlot::new();
    let not_started = empty.update(b"x");
    let mut twice = VerifierSlot::new();
    let already_started = twice
        .start(&ENVELOPE_SHA256, policy)
        .and_then(|()| twice.start(&ENVELOPE_SHA256, policy));
    let mut done = VerifierSlot::new();
    let already_finished = done
        .start(&ENVELOPE_SHA256, policy)
        .and_then(|()| feed(&ARTIFACT, Tamper::None, |c| done.update(c)))
        .and_then(|()| done.finish().map(|_| ()))
        .and_then(|()| done.finish().map(|_| ()));
    [not_started, already_started, already_finished]
}

/// Runs `f` between painting and scanning the stack and records its verdict with the stack
/// `f` used (its verifier state included, the firmware's own frames excluded).
fn scenario(
    report: &mut Report,
    name: &str,
    expected: Expected,
    f: impl FnOnce() -> Result<(), Error>,
) {
    let sp = paint_stack();
    let got = run(f);
    report.check(name, expected, got, stack_used_below(sp));
}

/// Calls `f` in a frame of its own (so its state is below the painting frame's stack pointer).
#[inline(never)]
fn run(f: impl FnOnce() -> Result<(), Error>) -> Result<(), Error> {
    f()
}

#[entry]
fn main() -> ! {
    use core::mem::size_of;
    // The state sizes on this target (the host's are in tests/tests/state_sizes.rs).
    cortex_m_semihosting::hprintln!(
        "sizes StreamVerifier={} VerifierSlot={} TrustPolicy={} PolicyBuilder={} Unsealer={} TreeVerifier={} TreeVerifierState={} Verified={}",
        size_of::<sealkit::StreamVerifier>(),
        size_of::<VerifierSlot>(),
        size_of::<TrustPolicy>(),
        size_of::<sealkit::PolicyBuilder>(),
        size_of::<Unsealer>(),
        size_of::<TreeVerifier<'static>>(),
        size_of::<sealkit::TreeVerifierState>(),
        size_of::<Verified>()
    );
    let mut report = Report::new();
    let policy = match fixture_policy() {
        Ok(p) => p,
        Err(e) => {
            report.check("policy", Ok(()), Err(e), 0);
            report.exit("conformance");
        }
    };
    let code = |e: Error| Err(e.code());

    // The file verifier (VerifierSlot over StreamVerifier).
    let sha256 = HashAlg::Sha256;
    scenario(&mut report, "file_sha256_accepted", Ok(()), || {
        file(&ENVELOPE_SHA256, &policy, Tamper::None, sha256)
    });
    scenario(&mut report, "file_sha512_accepted", Ok(()), || {
        file(&ENVELOPE_SHA512, &policy, Tamper::None, HashAlg::Sha512)
    });
    scenario(&mut report, "file_key_from_text_accepted", Ok(()), || {
        let mut p = TrustPolicy::new();
        p.trust_key(PublicKey::from_text(KEY_TEXT)?)?;
        file(&ENVELOPE_SHA256, &p, Tamper::None, sha256)
    });
    scenario(
        &mut report,
        "file_one_byte_flipped",
        code(Error::DigestMismatch),
        || file(&ENVELOPE_SHA256, &policy, Tamper::Flip(40_000), sha256),
    );
    scenario(
        &mut report,
        "file_sha512_last_byte_flipped",
        code(Error::DigestMismatch),
        || {
            file(
                &ENVELOPE_SHA512,
                &policy,
                Tamper::Flip(ARTIFACT.len() - 1),
                HashAlg::Sha512,
            )
        },
    );
    scenario(
        &mut report,
        "file_truncated",
        code(Error::ArtifactTooShort),
        || file(&ENVELOPE_SHA256, &policy, Tamper::DropLast, sha256),
    );
    scenario(
        &mut report,
        "file_appended_byte",
        code(Error::ArtifactTooLong),
        || file(&ENVELOPE_SHA256, &policy, Tamper::AppendByte, sha256),
    );
    scenario(
        &mut report,
        "envelope_signature_flipped",
        code(Error::BadSignature),
        || {
            let (env, n) = tampered_envelope(&ENVELOPE_SHA256, ENVELOPE_SHA256.len() - 1);
            file(
                env.get(..n).unwrap_or_default(),
                &policy,
                Tamper::None,
                sha256,
            )
        },
    );
    scenario(
        &mut report,
        "envelope_subject_changed",
        code(Error::BadSignature),
        || {
            // 'f' of "firmware.bin" becomes 'g': still well formed, no longer what was signed.
            let at = find(&ENVELOPE_SHA256, SUBJECT.as_bytes()).ok_or(Error::EnvelopeTruncated)?;
            let (env, n) = tampered_envelope(&ENVELOPE_SHA256, at);
            file(
                env.get(..n).unwrap_or_default(),
                &policy,
                Tamper::None,
                sha256,
            )
        },
    );
    scenario(
        &mut report,
        "envelope_untrusted_key",
        code(Error::UntrustedKey),
        || {
            let mut p = TrustPolicy::new();
            p.trust_key(PublicKey::from_bytes(&OTHER_KEY_RAW)?)?;
            file(&ENVELOPE_SHA256, &p, Tamper::None, sha256)
        },
    );
    scenario(
        &mut report,
        "envelope_rollback_refused",
        code(Error::Rollback),
        || {
            let mut p = policy.clone();
            p.require_min_version(VERSION + 1);
            file(&ENVELOPE_SHA256, &p, Tamper::None, sha256)
        },
    );
    // Certificate chains: the envelope signed by a key the root certified through an
    // intermediate; the policy trusts only the root.
    scenario(&mut report, "chain_accepted", Ok(()), || {
        chain(&ROOT_KEY_RAW, &|_| Ok(()))
    });
    scenario(
        &mut report,
        "chain_root_untrusted",
        code(Error::UnknownIssuer),
        // Another key as the root, with the same name: the chain leads to no trusted root.
        || chain(&OTHER_KEY_RAW, &|_| Ok(())),
    );
    scenario(
        &mut report,
        "chain_revoked_intermediate",
        code(Error::KeyRevoked),
        || {
            chain(&ROOT_KEY_RAW, &|p| {
                p.revoke_key(PublicKey::from_bytes(&INTERMEDIATE_KEY_RAW)?.key_id())
                    .map(|_| ())
            })
        },
    );
    scenario(
        &mut report,
        "chain_expired",
        code(Error::CertificateExpired),
        // The clock at the leaf certificate's expiry (exclusive): the intermediate is still valid.
        || {
            chain(&ROOT_KEY_RAW, &|p| {
                p.set_time(LEAF_EXPIRES);
                Ok(())
            })
        },
    );
    // Keyless signing: an ephemeral key with a ten-minute certificate, verified six months
    // later; only a receipt from the trusted timestamp key keeps the signature verifiable.
    scenario(&mut report, "keyless_receipt_accepted", Ok(()), || {
        keyless(&ENVELOPE_KEYLESS, true, &|_| Ok(()))
    });
    scenario(
        &mut report,
        "keyless_without_receipt_expired",
        code(Error::CertificateExpired),
        || keyless(&ENVELOPE_KEYLESS_BARE, false, &|_| Ok(())),
    );
    scenario(
        &mut report,
        "keyless_receipt_untrusted_key",
        code(Error::UntrustedTimestampKey),
        || keyless(&ENVELOPE_KEYLESS_ROGUE, true, &|_| Ok(())),
    );
    scenario(
        &mut report,
        "keyless_receipt_required_missing",
        code(Error::TimestampMissing),
        // The clock inside the certificate's validity: the missing receipt is the only flaw.
        || {
            keyless(&ENVELOPE_KEYLESS_BARE, false, &|p| {
                p.require_timestamp().set_time(KEYLESS_NOT_BEFORE + 60);
                Ok(())
            })
        },
    );
    scenario(
        &mut report,
        "keyless_receipt_required_accepted",
        Ok(()),
        || {
            keyless(&ENVELOPE_KEYLESS, true, &|p| {
                p.require_timestamp();
                Ok(())
            })
        },
    );
    // The same bare envelope within its ten minutes (no receipt needed then, and none
    // reported): the verdicts above come from the receipt and the clock, not the envelope.
    scenario(
        &mut report,
        "keyless_without_receipt_in_time",
        Ok(()),
        || {
            keyless(&ENVELOPE_KEYLESS_BARE, false, &|p| {
                p.set_time(KEYLESS_NOT_BEFORE + 60);
                Ok(())
            })
        },
    );
    let expected_misuse = [
        Error::NotStarted,
        Error::AlreadyStarted,
        Error::AlreadyFinished,
    ];
    for (i, got) in misuse(&policy).into_iter().enumerate() {
        let want = expected_misuse.get(i).copied().unwrap_or(Error::NotStarted);
        let name = [
            "misuse_update_before_start",
            "misuse_start_twice",
            "misuse_finish_twice",
        ];
        report.check(name.get(i).copied().unwrap_or("misuse"), code(want), got, 0);
    }

    // The sealed-stream verifier (Unsealer). Chunks of CHUNK bytes cut the header and the
    // envelope at arbitrary places.
    let all = SEALED.len();
    scenario(&mut report, "sealed_accepted", Ok(()), || {
        sealed(&policy, Tamper::None, all)
    });
    scenario(
        &mut report,
        "sealed_truncated",
        code(Error::ArtifactTooShort),
        || sealed(&policy, Tamper::DropLast, all),
    );
    scenario(
        &mut report,
        "sealed_appended_byte",
        code(Error::ArtifactTooLong),
        || sealed(&policy, Tamper::AppendByte, all),
    );
    scenario(
        &mut report,
        "sealed_cut_in_envelope",
        code(Error::SealedStreamTruncated),
        || sealed(&policy, Tamper::None, CHUNK),
    );
    scenario(
        &mut report,
        "sealed_payload_byte_flipped",
        code(Error::DigestMismatch),
        || sealed(&policy, Tamper::Flip(all - 1000), all),
    );
    scenario(
        &mut report,
        "sealed_envelope_byte_flipped",
        code(Error::BadSignature),
        || sealed(&policy, Tamper::Flip(11 + ENVELOPE_SHA256.len() - 1), all),
    );
    scenario(
        &mut report,
        "sealed_bad_magic",
        code(Error::NotSealedStream),
        || sealed(&policy, Tamper::Flip(1), all),
    );

    // The tree verifier (TreeVerifier): the bundle's signature, then its files in order.
    let mut tree_policy = TrustPolicy::new();
    let tree_key =
        PublicKey::from_text(KEY_TEXT).and_then(|k| tree_policy.trust_key(k).map(|_| ()));
    scenario(&mut report, "tree_accepted", Ok(()), || {
        tree_key.and_then(|()| tree(&tree_policy, None, "", Tamper::None))
    });
    scenario(
        &mut report,
        "tree_file_byte_flipped",
        code(Error::TreeFileDigestMismatch),
        || tree(&tree_policy, None, "bin/app", Tamper::Flip(1234)),
    );
    scenario(
        &mut report,
        "tree_file_truncated",
        code(Error::TreeFileTooShort),
        || tree(&tree_policy, None, "lib/libfoo.so", Tamper::DropLast),
    );
    scenario(
        &mut report,
        "tree_file_appended_byte",
        code(Error::TreeFileTooLong),
        || tree(&tree_policy, None, "lib/empty.dat", Tamper::AppendByte),
    );
    scenario(
        &mut report,
        "tree_manifest_byte_flipped",
        code(Error::DigestMismatch),
        || {
            // The last byte of the signature file is in the manifest (the last entry's flag).
            tree(
                &tree_policy,
                Some(TREE_SIGNATURE.len() - 1),
                "",
                Tamper::None,
            )
        },
    );
    scenario(
        &mut report,
        "tree_envelope_signature_flipped",
        code(Error::BadSignature),
        || {
            // The envelope's last byte (of the signature) sits just before the manifest's head.
            tree(
                &tree_policy,
                Some(tree_envelope_last_byte()),
                "",
                Tamper::None,
            )
        },
    );

    report.exit("conformance")
}

/// The offset of the last byte of the envelope inside the tree signature file:
/// `0x82` (array of 2), the envelope's byte-string head, the envelope.
fn tree_envelope_last_byte() -> usize {
    let (head, len) = match TREE_SIGNATURE.get(1).copied() {
        Some(b @ 0x40..=0x57) => (2, usize::from(b - 0x40)),
        Some(0x58) => (3, TREE_SIGNATURE.get(2).map_or(0, |&b| usize::from(b))),
        Some(0x59) => (
            4,
            TREE_SIGNATURE
                .get(2..4)
                .and_then(|b| <[u8; 2]>::try_from(b).ok())
                .map_or(0, |b| usize::from(u16::from_be_bytes(b))),
        ),
        _ => (0, 0),
    };
    (head + len).saturating_sub(1)
}
