//! The sealed-stream vector file: not stale, and every case gives its declared verdict through
//! `Unsealer` in every chunking, with errors sticky afterwards.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;

use sealkit::{Error, Unsealer};
use sealkit_conformance::sealed_vectors::{self as sv, SealedVectorFile};
use sealkit_conformance::vectors::Stage;

fn checked_in() -> (String, SealedVectorFile) {
    let text = std::fs::read_to_string(sv::PATH).unwrap();
    let file: SealedVectorFile = serde_json::from_str(&text).unwrap();
    assert_eq!(file.format, sv::FORMAT);
    assert_eq!(file.version, 1, "this harness knows version 1 only");
    (text, file)
}

#[test]
fn checked_in_file_is_not_stale() {
    let (text, file) = checked_in();
    let fresh = sv::generate();
    assert!(
        text == sv::to_json(&fresh),
        "{} is stale; run `{}` and commit the result",
        sv::PATH,
        sv::REGENERATE
    );
    assert_eq!(file, fresh);
}

#[test]
fn every_case_in_every_chunking() {
    let (_, file) = checked_in();
    assert!(file.cases.len() >= 25);
    let mut names = BTreeSet::new();
    for case in &file.cases {
        assert!(names.insert(case.name.clone()), "duplicate {}", case.name);
        let e = &case.expected;
        let stream_len = case.stream_hex.len() / 2;
        for (chunk, empties) in [
            (None, false),
            (Some(1), false),
            (Some(7), true),
            (Some(64), false),
            (Some(4096), true),
        ] {
            if chunk == Some(1) && stream_len > 4096 {
                continue;
            }
            let (outcome, payload) = sv::run_case(case, chunk, empties);
            let at = format!("{} (chunk {chunk:?}, empties {empties})", case.name);
            match e.result.as_str() {
                "ok" => {
                    let facts = outcome.unwrap_or_else(|err| panic!("{at}: {err:?}"));
                    assert_eq!(Some(&facts), e.verified.as_ref(), "{at}");
                    assert_eq!(Some(hex::encode(&payload)), e.payload_hex, "{at}");
                }
                "error" => {
                    let (err, stage) = outcome.err().unwrap_or_else(|| panic!("{at}: verified"));
                    assert_eq!(Some(err.code()), e.code, "{at}");
                    assert_eq!(Some(err.name()), e.error.as_deref(), "{at}");
                    assert_eq!(Some(stage.name()), e.stage.as_deref(), "{at}");
                    assert_ne!(stage, Stage::Policy, "{at}");
                }
                other => panic!("{at}: bad result {other}"),
            }
        }
    }
}

#[test]
fn errors_are_sticky() {
    let (_, file) = checked_in();
    for case in file.cases.iter().filter(|c| c.expected.result == "error") {
        let stream = hex::decode(&case.stream_hex).unwrap();
        let code = case.expected.code.unwrap();
        let mut u = Unsealer::new(&sv::policy_of(case).unwrap());
        let mut first = u.update(&stream).err();
        if first.is_none() {
            first = u.finish().err();
        }
        let first = first.unwrap();
        assert_eq!(first.code(), code, "{}", case.name);
        assert_eq!(u.error(), Some(first));
        assert_eq!(u.update(b"more"), Err(first), "{}", case.name);
        assert_eq!(u.finish().map(|_| ()), Err(first), "{}", case.name);
    }
}

#[test]
fn covers_every_sealed_stream_code_and_the_lies() {
    let (_, file) = checked_in();
    let codes: BTreeSet<u16> = file.cases.iter().filter_map(|c| c.expected.code).collect();
    for e in [
        Error::NotSealedStream,
        Error::UnsupportedSealedVersion,
        Error::SealedStreamTruncated,
        Error::ArtifactTooLong,
        Error::ArtifactTooShort,
        Error::DigestMismatch,
        Error::BadSignature,
        Error::EnvelopeTooLarge,
        Error::TrailingBytes,
        Error::EnvelopeTruncated,
    ] {
        assert!(codes.contains(&e.code()), "no case expects {}", e.name());
    }
    // Every sealed-stream code of the core (140..149) has a case.
    for e in Error::ALL.iter().filter(|e| (140..150).contains(&e.code())) {
        assert!(codes.contains(&e.code()), "no case expects {}", e.name());
    }
}
