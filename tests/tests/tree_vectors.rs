//! The tree manifest conformance vectors (`tests/vectors/tree-vectors.json`): generated here
//! with an independent CBOR writer, checked to be current, and run through the core's
//! streaming `TreeVerifier` in several chunkings. The Python suite runs the same file.
//!
//! Regenerate: `SEALKIT_REGEN_TREE_VECTORS=1 cargo test -p sealkit-conformance --test tree_vectors`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeMap;

use sealkit::{EntryKind, Error, HashAlg, TreeVerifier, TREE_MEDIA_TYPE};
use sealkit_conformance::{cbor, sealkit_sign, unhex, Params, TestKey};
use serde_json::{json, Value};
use sha2::{Digest as _, Sha256};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/tree-vectors.json");

fn signer() -> TestKey {
    TestKey::numbered(0x71)
}

fn other() -> TestKey {
    TestKey::numbered(0x72)
}

/// An entry written with the independent CBOR writer.
#[derive(Clone)]
enum E {
    File(&'static str, &'static [u8], bool),
    Dir(&'static str),
    Link(&'static str, &'static str, bool),
    Raw(Vec<u8>),
}

fn entry(e: &E) -> Vec<u8> {
    match e {
        E::File(p, data, x) => cbor::array(&[
            cbor::text(p),
            cbor::uint(0),
            cbor::uint(data.len() as u64),
            cbor::bytes(&Sha256::digest(data)),
            cbor::uint(u64::from(*x)),
        ]),
        E::Dir(p) => cbor::array(&[cbor::text(p), cbor::uint(1)]),
        E::Link(p, t, out) => cbor::array(&[
            cbor::text(p),
            cbor::uint(2),
            cbor::text(t),
            cbor::uint(u64::from(*out)),
        ]),
        E::Raw(b) => b.clone(),
    }
}

fn manifest(version: u64, exclusions: &[&str], entries: &[E]) -> Vec<u8> {
    cbor::array(&[
        cbor::uint(version),
        cbor::array(&exclusions.iter().map(|s| cbor::text(s)).collect::<Vec<_>>()),
        cbor::array(&entries.iter().map(entry).collect::<Vec<_>>()),
    ])
}

fn envelope(key: &TestKey, m: &[u8], media: &str) -> Vec<u8> {
    let mut p = Params::for_artifact(m, HashAlg::Sha256);
    p.subject = "plugin".into();
    p.content_type = Err(media.into());
    sealkit_sign(key, &p)
}

fn sig_file(env: &[u8], m: &[u8]) -> Vec<u8> {
    cbor::array(&[cbor::bytes(env), cbor::bytes(m)])
}

fn good_entries() -> Vec<E> {
    vec![
        E::File("README", b"read me", false),
        E::Dir("bin"),
        E::File("bin/run", b"#!/bin/sh\necho hi\n", true),
        E::File("bin-data", b"", false),
        E::Dir("empty"),
        E::Dir("lib"),
        E::File("lib/a.so", b"\x7fELF0123456789abcdef0123456789", false),
        E::Link("lib/current", "a.so", false),
        E::Link("lib/escape", "../../etc/passwd", true),
    ]
}

/// The content of every file of the good tree, by path.
fn good_files() -> BTreeMap<&'static str, Vec<u8>> {
    good_entries()
        .iter()
        .filter_map(|e| match e {
            E::File(p, d, _) => Some((*p, d.to_vec())),
            _ => None,
        })
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn files_json(files: &BTreeMap<&str, Vec<u8>>) -> Value {
    Value::Object(
        files
            .iter()
            .map(|(p, d)| ((*p).to_string(), json!(hex(d))))
            .collect(),
    )
}

fn case_open(name: &str, sig: &[u8], key: &TestKey, error: Error) -> Value {
    json!({
        "name": name,
        "sig": hex(sig),
        "keys": [key.text()],
        "files": files_json(&good_files()),
        "expect": {"error": error.name(), "code": error.code(), "stage": "open"},
    })
}

fn build() -> Value {
    let key = signer();
    let good_m = manifest(1, &["*.log"], &good_entries());
    let good_env = envelope(&key, &good_m, TREE_MEDIA_TYPE);
    let good = sig_file(&good_env, &good_m);
    let mut cases = Vec::new();

    let paths: Vec<&str> = good_entries()
        .iter()
        .map(|e| match e {
            E::File(p, ..) | E::Dir(p) | E::Link(p, ..) => *p,
            E::Raw(_) => unreachable!(),
        })
        .collect();
    cases.push(json!({
        "name": "good tree",
        "sig": hex(&good),
        "keys": [key.text()],
        "files": files_json(&good_files()),
        "expect": {"entries": paths, "exclusions": ["*.log"], "subject": "plugin", "version": 7},
    }));

    // File content tampering: the streaming error and the re-walk difference.
    let mut files = good_files();
    files.get_mut("lib/a.so").unwrap()[4] ^= 1;
    cases.push(json!({
        "name": "one byte changed in one file",
        "sig": hex(&good), "keys": [key.text()], "files": files_json(&files),
        "expect": {"error": "tree_file_digest_mismatch", "code": 312, "stage": "files",
                   "differences": [["modified", "lib/a.so"]]},
    }));
    let mut files = good_files();
    files.get_mut("bin/run").unwrap().push(b'\n');
    cases.push(json!({
        "name": "byte appended to a file",
        "sig": hex(&good), "keys": [key.text()], "files": files_json(&files),
        "expect": {"error": "tree_file_too_long", "code": 310, "stage": "files",
                   "differences": [["modified", "bin/run"]]},
    }));
    let mut files = good_files();
    files.get_mut("README").unwrap().pop();
    cases.push(json!({
        "name": "file truncated",
        "sig": hex(&good), "keys": [key.text()], "files": files_json(&files),
        "expect": {"error": "tree_file_too_short", "code": 311, "stage": "files",
                   "differences": [["modified", "README"]]},
    }));

    // The signature file and the envelope.
    let mut appended = good.clone();
    appended.push(0);
    cases.push(case_open(
        "byte appended to the signature file",
        &appended,
        &key,
        Error::TreeSignatureMalformed,
    ));
    cases.push(case_open(
        "bare envelope instead of a tree signature",
        &good_env,
        &key,
        Error::TreeSignatureMalformed,
    ));
    let mut flipped = good.clone();
    *flipped.last_mut().unwrap() ^= 1;
    cases.push(case_open(
        "manifest byte changed",
        &flipped,
        &key,
        Error::DigestMismatch,
    ));
    cases.push(case_open(
        "untrusted key",
        &good,
        &other(),
        Error::UntrustedKey,
    ));
    let file_env = envelope(&key, &good_m, "application/octet-stream");
    cases.push(case_open(
        "file envelope over a manifest",
        &sig_file(&file_env, &good_m),
        &key,
        Error::NotATreeManifest,
    ));

    // Validly signed manifests that break one rule.
    let bad = |name: &str, m: Vec<u8>, e: Error| {
        let env = envelope(&key, &m, TREE_MEDIA_TYPE);
        case_open(name, &sig_file(&env, &m), &key, e)
    };
    cases.push(bad(
        "version 2",
        manifest(2, &[], &[]),
        Error::UnsupportedTreeManifestVersion,
    ));
    let mut trailing = manifest(1, &[], &[]);
    trailing.push(0);
    cases.push(bad(
        "bytes after the manifest",
        trailing,
        Error::TreeManifestMalformed,
    ));
    cases.push(bad(
        "non-shortest head",
        cbor::cat(&[&[0x83, 0x18, 0x01], &cbor::array(&[]), &cbor::array(&[])]),
        Error::TreeManifestMalformed,
    ));
    cases.push(bad(
        "plain bytewise order instead of component order",
        manifest(
            1,
            &[],
            &[
                E::Dir("a"),
                E::File("a-b", b"", false),
                E::File("a/c", b"", false),
            ],
        ),
        Error::TreeNotSorted,
    ));
    cases.push(bad(
        "duplicate path",
        manifest(1, &[], &[E::Dir("a"), E::Dir("a")]),
        Error::DuplicateTreePath,
    ));
    for (n, p) in [
        ("dot-dot component", "a/../b"),
        ("empty component", "a//b"),
        ("absolute path", "/etc"),
    ] {
        cases.push(bad(
            n,
            manifest(1, &[], &[E::Dir("a"), E::File(p, b"", false)]),
            Error::BadTreePath,
        ));
    }
    cases.push(bad(
        "parent directory not listed",
        manifest(1, &[], &[E::File("a/b", b"", false)]),
        Error::MissingParentDirectory,
    ));
    cases.push(bad(
        "entry below a file",
        manifest(
            1,
            &[],
            &[E::File("a", b"", false), E::File("a/b", b"", false)],
        ),
        Error::MissingParentDirectory,
    ));
    cases.push(bad(
        "outside flag false for an absolute target",
        manifest(1, &[], &[E::Link("l", "/etc", false)]),
        Error::BadSymlinkTarget,
    ));
    cases.push(bad(
        "exclusions not sorted",
        manifest(1, &["b", "a"], &[]),
        Error::BadExclusion,
    ));
    cases.push(bad(
        "unknown entry kind",
        manifest(
            1,
            &[],
            &[E::Raw(cbor::array(&[cbor::text("x"), cbor::uint(3)]))],
        ),
        Error::TreeManifestMalformed,
    ));
    cases.push(bad(
        "digest of 31 bytes",
        manifest(
            1,
            &[],
            &[E::Raw(cbor::array(&[
                cbor::text("x"),
                cbor::uint(0),
                cbor::uint(0),
                cbor::bytes(&[0; 31]),
                cbor::uint(0),
            ]))],
        ),
        Error::TreeManifestMalformed,
    ));
    json!({
        "format": "sealkit-tree-vectors",
        "version": 1,
        "description": "Tree signatures (docs/FORMAT.md, Tree manifests). Each case: the signature file (hex), trusted keys, the content of each file by path (hex), and either the entries (paths in manifest order) or the error with the stage it surfaces at: 'open' (signature, policy, manifest) or 'files' (a file's bytes, read in manifest order); 'differences' lists what a directory re-walk reports as [change, path].",
        "cases": cases,
    })
}

/// The same value with every object's keys in sorted order, whether or not serde_json's
/// `preserve_order` feature is on in this build (feature unification across the workspace).
fn sorted_keys(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut items: Vec<(String, Value)> = m.into_iter().collect();
            items.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                items
                    .into_iter()
                    .map(|(k, v)| (k, sorted_keys(v)))
                    .collect(),
            )
        }
        Value::Array(a) => Value::Array(a.into_iter().map(sorted_keys).collect()),
        other => other,
    }
}

#[test]
fn checked_in_file_is_current() {
    let text = serde_json::to_string_pretty(&sorted_keys(build())).unwrap() + "\n";
    if std::env::var_os("SEALKIT_REGEN_TREE_VECTORS").is_some() {
        std::fs::write(PATH, &text).unwrap();
    }
    let on_disk = std::fs::read_to_string(PATH).unwrap_or_default();
    assert!(
        on_disk == text,
        "{PATH} is stale; regenerate it with SEALKIT_REGEN_TREE_VECTORS=1 cargo test -p sealkit-conformance --test tree_vectors"
    );
}

/// Runs one case through the streaming verifier, feeding files in `chunk`-byte pieces.
/// Paths and exclusions of a verified tree, or the error and its stage.
type Outcome = Result<(Vec<String>, Vec<String>), (Error, &'static str)>;

fn run(case: &Value, chunk: usize) -> Outcome {
    let sig = unhex(case["sig"].as_str().unwrap());
    let mut policy = sealkit::TrustPolicy::new();
    for k in case["keys"].as_array().unwrap() {
        policy
            .trust_key(sealkit::PublicKey::from_text(k.as_str().unwrap()).unwrap())
            .unwrap();
    }
    let files = case["files"].as_object().unwrap();
    let mut v = TreeVerifier::from_signature(&sig, &policy).map_err(|e| (e, "open"))?;
    let exclusions: Vec<String> = v.manifest().exclusions().map(String::from).collect();
    let mut paths = Vec::new();
    while let Some(e) = v.next_entry().map_err(|e| (e, "files"))? {
        paths.push(e.path.to_string());
        if let EntryKind::File { .. } = e.kind {
            let data = unhex(files[e.path].as_str().unwrap());
            for c in data.chunks(chunk) {
                v.update(c).map_err(|e| (e, "files"))?;
            }
        }
    }
    let facts = v.finish().map_err(|e| (e, "files"))?;
    assert_eq!(facts.subject(), "plugin");
    Ok((paths, exclusions))
}

#[test]
fn every_case_gives_its_verdict_in_every_chunking() {
    let text = std::fs::read_to_string(PATH).unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["format"], "sealkit-tree-vectors");
    assert_eq!(doc["version"], 1, "this harness knows version 1 only");
    let cases = doc["cases"].as_array().unwrap();
    assert!(cases.len() >= 20);
    let mut seen = std::collections::BTreeSet::new();
    for case in cases {
        let expect = &case["expect"];
        for chunk in [1, 7, 64, 4096] {
            let got = run(case, chunk);
            match expect.get("error") {
                Some(name) => {
                    let (e, stage) = got.expect_err(case["name"].as_str().unwrap());
                    assert_eq!(e.name(), name, "{}", case["name"]);
                    assert_eq!(u64::from(e.code()), expect["code"], "{}", case["name"]);
                    assert_eq!(stage, expect["stage"], "{}", case["name"]);
                    seen.insert(e.code());
                }
                None => {
                    let (paths, exclusions) = got.unwrap();
                    assert_eq!(json!(paths), expect["entries"]);
                    assert_eq!(json!(exclusions), expect["exclusions"]);
                }
            }
        }
    }
    // Every tree code a signature file or tree content can produce has a case.
    for code in [
        150, 151, 152, 153, 154, 155, 156, 158, 159, 160, 310, 311, 312,
    ] {
        assert!(seen.contains(&code), "no case for {code}");
    }
}
