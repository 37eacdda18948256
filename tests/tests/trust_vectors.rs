//! `tests/vectors/trust-vectors.json`: the file is current, and every case gives its verdict
//! whatever the chunking. The C, Python and WASM harnesses run the same file.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;

use sealkit::Error;
use sealkit_conformance::trust_vectors::{generate, run_case, to_json, TrustVectorFile, PATH};

fn file() -> TrustVectorFile {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(PATH);
    let text = std::fs::read_to_string(path).expect("trust vectors");
    let file: TrustVectorFile = serde_json::from_str(&text).expect("schema");
    assert_eq!(file.version, 2, "unknown trust vector schema");
    file
}

#[test]
fn the_file_is_current() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(PATH);
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text == to_json(&generate()),
        "{PATH} is stale: run cargo run -p sealkit-conformance --bin gen-trust-vectors"
    );
}

#[test]
fn every_case_in_every_chunking() {
    let file = file();
    let mut names = BTreeSet::new();
    for case in &file.cases {
        assert!(names.insert(case.name.clone()), "duplicate {}", case.name);
        for chunk in [None, Some(1), Some(7), Some(64)] {
            let got = run_case(case, chunk);
            let e = &case.expected;
            match (&got, e.result.as_str()) {
                (Ok(facts), "ok") => assert_eq!(Some(facts), e.verified.as_ref(), "{}", case.name),
                (Err((stage, err)), "error") => {
                    assert_eq!(Some(err.name()), e.error.as_deref(), "{}", case.name);
                    assert_eq!(Some(err.code()), e.code, "{}", case.name);
                    assert_eq!(Some(*stage), e.stage.as_deref(), "{}", case.name);
                }
                _ => panic!("{}: got {got:?}, expected {e:?}", case.name),
            }
        }
    }
}

#[test]
fn every_trust_code_has_a_case() {
    let file = file();
    let expected: BTreeSet<&str> = file
        .cases
        .iter()
        .filter_map(|c| c.expected.error.as_deref())
        .collect();
    for e in Error::ALL {
        let c = e.code();
        // 171 (bad set) and 174..175 are covered; 173 is unassigned. PolicyFull is a capacity
        // error of the builder, tested in tests/tests/trust_verify.rs.
        let trust = (170..190).contains(&c) || (208..230).contains(&c);
        if trust {
            assert!(
                expected.contains(e.name()),
                "no trust vector expects {}",
                e.name()
            );
        }
    }
    assert!(file
        .cases
        .iter()
        .any(|c| c.expected.result == "ok"
            && c.expected.verified.as_ref().unwrap().signers.len() > 1));
}
