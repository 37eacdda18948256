//! The cross-language vector file: it is up to date with its generator, and every case gives
//! its declared verdict through the Rust core (one-shot and streamed in chunks).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;

use sealkit::{Error, PublicKey};
use sealkit_conformance::vectors::{self, expected_outcome, run_case, Stage, VectorFile};

fn checked_in() -> (String, VectorFile) {
    let text = std::fs::read_to_string(vectors::PATH).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}); run `{}`",
            vectors::PATH,
            vectors::REGENERATE
        )
    });
    let file: VectorFile = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} does not match the schema: {e}", vectors::PATH));
    (text, file)
}

#[test]
fn checked_in_file_is_not_stale() {
    let (text, file) = checked_in();
    let fresh = vectors::generate();
    let fresh_text = vectors::to_json(&fresh);
    if text != fresh_text {
        let first_diff = text
            .lines()
            .zip(fresh_text.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || "length differs".to_owned(),
                |l| format!("line {}", l + 1),
            );
        panic!(
            "{} is stale ({first_diff}); run `{}` and commit the result",
            vectors::PATH,
            vectors::REGENERATE
        );
    }
    assert_eq!(file, fresh);
}

#[test]
fn generation_is_deterministic() {
    assert_eq!(
        vectors::to_json(&vectors::generate()),
        vectors::to_json(&vectors::generate())
    );
}

#[test]
fn header_and_names() {
    let (_, file) = checked_in();
    assert_eq!(file.format, vectors::FORMAT);
    assert_eq!(file.version, vectors::VERSION);
    let mut names = BTreeSet::new();
    for c in &file.cases {
        assert!(names.insert(c.name.clone()), "duplicate case {}", c.name);
        assert!(
            c.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "case name {} is not snake_case",
            c.name
        );
    }
    for c in &file.public_key_text {
        assert!(names.insert(c.name.clone()), "duplicate case {}", c.name);
    }
}

#[test]
fn every_number_is_exact_in_any_json_parser() {
    fn walk(v: &serde_json::Value, path: &str) {
        match v {
            serde_json::Value::Number(n) => {
                let u = n
                    .as_u64()
                    .unwrap_or_else(|| panic!("{path}: {n} is not a u64"));
                assert!(
                    u <= vectors::MAX_JSON_SAFE_INTEGER,
                    "{path}: {u} exceeds 2^53 - 1"
                );
            }
            serde_json::Value::Array(a) => {
                for (i, x) in a.iter().enumerate() {
                    walk(x, &format!("{path}[{i}]"));
                }
            }
            serde_json::Value::Object(o) => {
                for (k, x) in o {
                    walk(x, &format!("{path}.{k}"));
                }
            }
            _ => {}
        }
    }
    let (text, _) = checked_in();
    walk(&serde_json::from_str(&text).unwrap(), "$");
}

#[test]
fn covers_the_main_verdicts() {
    let (_, file) = checked_in();
    let errors: BTreeSet<String> = file
        .cases
        .iter()
        .filter_map(|c| c.expected.error.clone())
        .collect();
    let oks = file
        .cases
        .iter()
        .filter(|c| c.expected.result == "ok")
        .count();
    assert!(oks >= 5, "only {oks} ok cases");
    for hash in ["sha256", "sha512"] {
        assert!(file.cases.iter().any(|c| c
            .expected
            .verified
            .as_ref()
            .is_some_and(|f| f.hash_alg == hash)));
    }
    assert!(file.cases.iter().any(|c| c
        .expected
        .verified
        .as_ref()
        .is_some_and(|f| f.alg == "EdDSA")));
    for e in [
        Error::DigestMismatch,
        Error::ArtifactTooLong,
        Error::ArtifactTooShort,
        Error::UntrustedKey,
        Error::BadSignature,
        Error::IdentityMismatch,
        Error::SubjectMismatch,
        Error::Rollback,
        Error::VersionMissing,
        Error::NotTaggedSign1,
        Error::IndefiniteLength,
        Error::NonCanonicalEncoding,
        Error::DuplicateLabel,
        Error::TrailingBytes,
        Error::UnknownCriticalHeader,
        Error::UnsupportedAlgorithm,
        Error::EnvelopeTruncated,
        Error::EmptyField,
        Error::InvalidPublicKey,
        Error::TooManyKeys,
        Error::DuplicateKey,
        Error::ArgumentTooLong,
        Error::BadPublicKeyText,
        Error::EmptyArgument,
    ] {
        assert!(errors.contains(e.name()), "no case expects {}", e.name());
    }
    // Every code an envelope, artifact, key text or policy can produce has a case; the rest
    // (misuse, signing, C-only UTF-8 checks) are tested by each binding's own call sequences.
    let key_text_errors: BTreeSet<String> = file
        .public_key_text
        .iter()
        .filter_map(|c| c.error.clone())
        .collect();
    for e in Error::ALL {
        let not_from_data = matches!(
            e,
            Error::AlreadyFinished
                | Error::NotStarted
                | Error::AlreadyStarted
                | Error::InvalidSecretKey
                | Error::BufferTooSmall
                | Error::ArgumentNotUtf8
        );
        // Sealed-stream codes (140..149) are covered by tests/vectors/sealed-vectors.json.
        let sealed_stream = (140..150).contains(&e.code());
        let covered =
            errors.contains(e.name()) || key_text_errors.contains(e.name()) || sealed_stream;
        // Tree manifest codes (150..169, 310..319) are tested by tests/tests/tree.rs.
        let tree = (150..170).contains(&e.code()) || (310..320).contains(&e.code());
        // Trust codes (170..189, 208..229) are covered by tests/vectors/trust-vectors.json
        // (checked by tests/tests/trust_vectors.rs); policy_full (509) is a builder capacity
        // error tested by tests/tests/trust_verify.rs.
        let trust = (170..190).contains(&e.code())
            || (208..230).contains(&e.code())
            || *e == Error::PolicyFull;
        assert!(
            covered || not_from_data || tree || trust,
            "no case expects {} ({})",
            e.name(),
            e.code()
        );
    }
    let malformed = file
        .cases
        .iter()
        .filter(|c| {
            c.expected
                .code
                .and_then(Error::from_code)
                .is_some_and(Error::is_malformed_envelope)
        })
        .count();
    assert!(malformed >= 10, "only {malformed} malformed cases");
}

#[test]
fn every_case_gives_its_declared_verdict() {
    let (_, file) = checked_in();
    let mut failures = Vec::new();
    for case in &file.cases {
        let want = expected_outcome(case).unwrap();
        // One update with the whole artifact: the stage is exactly the declared one.
        let got = run_case(case, None);
        if got != want {
            failures.push(format!("{}: want {want:?}, got {got:?}", case.name));
        }
        // Streamed in odd-sized chunks: same verdict (a too-long artifact still fails in an
        // update, never later).
        for chunk in [1usize, 7, 64, 4096] {
            if chunk == 1 && case.artifact.len > 4096 {
                continue;
            }
            let got = run_case(case, Some(chunk));
            if got != want {
                failures.push(format!(
                    "{} (chunks of {chunk}): want {want:?}, got {got:?}",
                    case.name
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn declared_stages_match_the_error_kind() {
    let (_, file) = checked_in();
    for case in &file.cases {
        if let Err((e, stage)) = expected_outcome(case).unwrap() {
            let want = match e {
                Error::ArtifactTooLong => Stage::Update,
                Error::ArtifactTooShort | Error::DigestMismatch => Stage::Finish,
                e if e.code() / 100 == 5 => Stage::Policy,
                _ => Stage::New,
            };
            assert_eq!(stage, want, "{}", case.name);
        }
    }
}

#[test]
fn every_key_text_case_gives_its_declared_verdict() {
    let (_, file) = checked_in();
    assert!(file.public_key_text.iter().any(|c| c.result == "ok"));
    assert!(file.public_key_text.iter().any(|c| c.result == "error"));
    for case in &file.public_key_text {
        match (case.result.as_str(), PublicKey::from_text(&case.text)) {
            ("ok", Ok(k)) => {
                assert_eq!(
                    Some(hex::encode(k.as_bytes())),
                    case.raw_hex,
                    "{}",
                    case.name
                );
                assert_eq!(
                    Some(hex::encode(k.key_id().as_bytes())),
                    case.key_id,
                    "{}",
                    case.name
                );
            }
            ("error", Err(e)) => {
                assert_eq!(Some(e.code()), case.code, "{}", case.name);
                assert_eq!(Some(e.name()), case.error.as_deref(), "{}", case.name);
            }
            (want, got) => panic!("{}: want {want}, got {got:?}", case.name),
        }
    }
}
