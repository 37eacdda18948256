//! `TreeVerifierState`, the lifetime-free tree verifier that the C and WebAssembly bindings
//! hold: the same verdicts as `TreeVerifier` on every tree vector, the manifest given again at
//! each entry (another length refused, sticky), its counters, and its size.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use sealkit::{
    split_tree_signature, EntryKind, Error, PublicKey, TreeVerifier, TreeVerifierState, TrustPolicy,
};
use sealkit_conformance::unhex;
use serde_json::Value;

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/tree-vectors.json");

fn cases() -> Vec<Value> {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap();
    assert_eq!(doc["version"], 1);
    doc["cases"].as_array().unwrap().clone()
}

fn policy(case: &Value) -> TrustPolicy {
    let mut p = TrustPolicy::new();
    for k in case["keys"].as_array().unwrap() {
        p.trust_key(PublicKey::from_text(k.as_str().unwrap()).unwrap())
            .unwrap();
    }
    p
}

fn file(case: &Value, path: &str) -> Vec<u8> {
    unhex(case["files"][path].as_str().unwrap())
}

/// Paths visited and the outcome, through the borrowing verifier.
fn with_verifier(case: &Value) -> (Vec<String>, Result<u64, Error>) {
    let sig = unhex(case["sig"].as_str().unwrap());
    let mut paths = Vec::new();
    let r = (|| {
        let mut v = TreeVerifier::from_signature(&sig, &policy(case))?;
        while let Some(e) = v.next_entry()? {
            paths.push(e.path.to_string());
            if let EntryKind::File { .. } = e.kind {
                v.update(&file(case, e.path))?;
            }
        }
        Ok(v.finish()?.length())
    })();
    (paths, r)
}

/// The same through the lifetime-free state, given the manifest bytes at each entry.
fn with_state(case: &Value) -> (Vec<String>, Result<u64, Error>) {
    let sig = unhex(case["sig"].as_str().unwrap());
    let mut paths = Vec::new();
    let r = (|| {
        let mut s = TreeVerifierState::from_signature(&sig, &policy(case))?;
        let (_, manifest) = split_tree_signature(&sig)?;
        let total = s.entry_count();
        while let Some(e) = s.next_entry(manifest)? {
            paths.push(e.path.to_string());
            assert_eq!(s.entries_left(), total - paths.len() as u64);
            if let EntryKind::File { size, .. } = e.kind {
                assert_eq!(s.file_progress(), Some((size, 0)));
                s.update(&file(case, e.path))?;
            } else {
                assert_eq!(s.file_progress(), None);
            }
        }
        let facts = s.finish()?;
        assert!(s.is_finished());
        Ok(facts.length())
    })();
    (paths, r)
}

#[test]
fn same_verdicts_as_tree_verifier_on_every_vector() {
    let cases = cases();
    assert!(cases.len() >= 20);
    for case in &cases {
        assert_eq!(with_state(case), with_verifier(case), "{}", case["name"]);
    }
}

#[test]
fn manifest_of_another_length_is_refused_and_sticky() {
    let case = &cases()[0];
    let sig = unhex(case["sig"].as_str().unwrap());
    let (_, manifest) = split_tree_signature(&sig).unwrap();
    let mut s = TreeVerifierState::from_signature(&sig, &policy(case)).unwrap();
    // manifest() does not fail the state; next_entry() does.
    assert_eq!(
        s.manifest(&manifest[1..]).unwrap_err(),
        Error::TreeManifestMalformed
    );
    let m = s.manifest(manifest).unwrap();
    assert_eq!(m.entry_count(), s.entry_count());
    assert_eq!(m.exclusions().collect::<Vec<_>>(), ["*.log"]);
    assert_eq!(s.error(), None);
    let mut longer = manifest.to_vec();
    longer.push(0);
    assert_eq!(
        s.next_entry(&longer).unwrap_err(),
        Error::TreeManifestMalformed
    );
    assert_eq!(s.error(), Some(Error::TreeManifestMalformed));
    assert_eq!(
        s.next_entry(manifest).unwrap_err(),
        Error::TreeManifestMalformed
    );
    assert_eq!(s.update(b"").unwrap_err(), Error::TreeManifestMalformed);
    assert_eq!(s.finish().unwrap_err(), Error::TreeManifestMalformed);
    assert!(!s.is_finished());
}

#[test]
fn after_finish_every_call_is_already_finished() {
    let case = &cases()[0];
    let sig = unhex(case["sig"].as_str().unwrap());
    let (_, manifest) = split_tree_signature(&sig).unwrap();
    let mut s = TreeVerifierState::from_signature(&sig, &policy(case)).unwrap();
    while let Some(e) = s.next_entry(manifest).unwrap() {
        if let EntryKind::File { .. } = e.kind {
            s.update(&file(case, e.path)).unwrap();
        }
    }
    s.finish().unwrap();
    assert_eq!(s.finish().unwrap_err(), Error::AlreadyFinished);
    assert_eq!(s.next_entry(manifest).unwrap_err(), Error::AlreadyFinished);
    assert_eq!(s.update(b"x").unwrap_err(), Error::AlreadyFinished);
    assert_eq!(s.error(), None);
}

#[test]
fn state_size_stays_within_budget() {
    // Held by value in the C binding's 2048-byte `sealkit_tree_verifier` block, beside the
    // caller's buffer pointer and a magic word. It holds the verified facts, which list up to 8
    // signers since signature sets exist, each with its timestamp receipt's time.
    let n = core::mem::size_of::<TreeVerifierState>();
    println!("size_of::<TreeVerifierState>() = {n}");
    assert!(n <= 2024, "TreeVerifierState grew to {n} bytes");
}
