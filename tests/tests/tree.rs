//! Tree manifests in the core: strict parsing, the signature file layout, and the no-heap
//! streaming tree verifier, with tamper cases and property-based round trips.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use proptest::prelude::*;
use sealkit::{
    compare_paths, encode_tree_entry, encode_tree_manifest_head, encode_tree_signature_head,
    encode_tree_signature_manifest_head, sign, split_tree_signature, symlink_leaves_tree,
    ArtifactHasher, ContentType, EntryKind, Error, HashAlg, SignRequest, SignatureAlg, SigningKey,
    TreeEntry, TreeManifest, TreeVerifier, TrustPolicy, MAX_SIGNED_ENVELOPE_LEN, TREE_MEDIA_TYPE,
};
use sha2::{Digest, Sha256};

/// An owned entry for building test trees.
#[derive(Clone, Debug, PartialEq)]
enum Node {
    File(Vec<u8>, bool),
    Dir,
    Link(String),
}

fn entry<'a>(path: &'a str, node: &'a Node) -> TreeEntry<'a> {
    let kind = match node {
        Node::File(data, executable) => EntryKind::File {
            executable: *executable,
            size: data.len() as u64,
            sha256: Sha256::digest(data).into(),
        },
        Node::Dir => EntryKind::Directory,
        Node::Link(t) => EntryKind::Symlink {
            target: t,
            outside: symlink_leaves_tree(path, t),
        },
    };
    TreeEntry { path, kind }
}

fn manifest(exclusions: &[&str], tree: &[(String, Node)]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut sink = |b: &[u8]| out.extend_from_slice(b);
    encode_tree_manifest_head(exclusions.iter().copied(), tree.len() as u64, &mut sink);
    for (p, n) in tree {
        encode_tree_entry(&entry(p, n), &mut sink);
    }
    out
}

fn key() -> SigningKey {
    SigningKey::from_seed(&[0x42; 32]).unwrap()
}

fn policy() -> TrustPolicy {
    let mut p = TrustPolicy::new();
    p.trust_key(key().public_key()).unwrap();
    p
}

fn envelope_for(bytes: &[u8], media: &str) -> Vec<u8> {
    let mut h = ArtifactHasher::new(HashAlg::Sha256);
    h.update(bytes);
    let req = SignRequest {
        alg: SignatureAlg::Ed25519,
        digest: h.finalize(),
        length: bytes.len() as u64,
        content_type: ContentType::MediaType(media),
        subject: "plugin",
        issuer: None,
        issued_at: 1_700_000_000,
        version: Some(3),
    };
    let mut out = [0u8; MAX_SIGNED_ENVELOPE_LEN];
    let n = sign(&key(), &req, &mut out).unwrap();
    out[..n].to_vec()
}

fn sig_file(envelope: &[u8], manifest: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut sink = |b: &[u8]| out.extend_from_slice(b);
    encode_tree_signature_head(envelope.len(), &mut sink);
    sink(envelope);
    encode_tree_signature_manifest_head(manifest.len(), &mut sink);
    sink(manifest);
    out
}

fn sorted(mut tree: Vec<(String, Node)>) -> Vec<(String, Node)> {
    tree.sort_by(|a, b| compare_paths(&a.0, &b.0));
    tree
}

fn sample() -> Vec<(String, Node)> {
    sorted(vec![
        ("bin".into(), Node::Dir),
        (
            "bin/run".into(),
            Node::File(b"#!/bin/sh\necho hi\n".to_vec(), true),
        ),
        ("bin-data".into(), Node::File(b"data".to_vec(), false)),
        ("empty".into(), Node::Dir),
        ("lib".into(), Node::Dir),
        ("lib/a.so".into(), Node::File(vec![7u8; 10_000], false)),
        ("lib/current".into(), Node::Link("a.so".into())),
        ("lib/escape".into(), Node::Link("../../etc/passwd".into())),
        ("readme".into(), Node::File(Vec::new(), false)),
    ])
}

/// Verifies `sig` against `files` (the content handed out per file path), in `chunk` sizes.
fn run(sig: &[u8], files: &[(String, Node)], chunk: usize) -> Result<u64, Error> {
    let policy = policy();
    let mut v = TreeVerifier::from_signature(sig, &policy)?;
    let mut count = 0;
    while let Some(e) = v.next_entry()? {
        count += 1;
        if let EntryKind::File { .. } = e.kind {
            let data = files
                .iter()
                .find(|(p, _)| p == e.path)
                .and_then(|(_, n)| match n {
                    Node::File(d, _) => Some(d.clone()),
                    _ => None,
                })
                .unwrap_or_default();
            for c in data.chunks(chunk.max(1)) {
                v.update(c)?;
            }
        }
    }
    let facts = v.finish()?;
    assert_eq!(
        facts.content_type(),
        ContentType::MediaType(TREE_MEDIA_TYPE)
    );
    assert_eq!(facts.subject(), "plugin");
    Ok(count)
}

fn signed(tree: &[(String, Node)]) -> Vec<u8> {
    let m = manifest(&["*.log", "cache"], tree);
    sig_file(&envelope_for(&m, TREE_MEDIA_TYPE), &m)
}

#[test]
fn round_trip_in_every_chunking() {
    let tree = sample();
    let sig = signed(&tree);
    for chunk in [1, 7, 64, 4096, 100_000] {
        assert_eq!(
            run(&sig, &tree, chunk),
            Ok(tree.len() as u64),
            "chunk {chunk}"
        );
    }
    let (_, m) = split_tree_signature(&sig).unwrap();
    let parsed = TreeManifest::parse(m).unwrap();
    assert_eq!(parsed.exclusions().collect::<Vec<_>>(), ["*.log", "cache"]);
    let paths: Vec<_> = parsed.entries().map(|e| e.path).collect();
    // Component order: a directory is followed by its contents, then "bin-data".
    assert_eq!(&paths[..3], ["bin", "bin/run", "bin-data"]);
    let escape = parsed.entries().find(|e| e.path == "lib/escape").unwrap();
    assert_eq!(
        escape.kind,
        EntryKind::Symlink {
            target: "../../etc/passwd",
            outside: true
        }
    );
}

#[test]
fn one_changed_byte_in_one_file() {
    let tree = sample();
    let sig = signed(&tree);
    let mut bad = tree.clone();
    for (p, n) in &mut bad {
        if p == "lib/a.so" {
            if let Node::File(d, _) = n {
                d[5000] ^= 1;
            }
        }
    }
    assert_eq!(run(&sig, &bad, 4096), Err(Error::TreeFileDigestMismatch));
}

#[test]
fn file_too_long_and_too_short() {
    let tree = sample();
    let sig = signed(&tree);
    let policy = policy();
    let mut v = TreeVerifier::from_signature(&sig, &policy).unwrap();
    let first = v.next_entry().unwrap().unwrap();
    assert_eq!(first.path, "bin");
    // No file is open for a directory.
    assert_eq!(v.update(b"x"), Err(Error::NoTreeFileOpen));
    // Sticky.
    assert_eq!(v.next_entry(), Err(Error::NoTreeFileOpen));
    assert_eq!(v.finish().unwrap_err(), Error::NoTreeFileOpen);

    let mut v = TreeVerifier::from_signature(&sig, &policy).unwrap();
    v.next_entry().unwrap();
    v.next_entry().unwrap(); // bin/run, 18 bytes
    assert_eq!(v.update(&[0u8; 19]), Err(Error::TreeFileTooLong));

    let mut v = TreeVerifier::from_signature(&sig, &policy).unwrap();
    v.next_entry().unwrap();
    v.next_entry().unwrap();
    v.update(b"#!/bin/sh").unwrap();
    assert_eq!(v.next_entry(), Err(Error::TreeFileTooShort));
}

#[test]
fn finishing_early_is_rejected() {
    let tree = sample();
    let sig = signed(&tree);
    let policy = policy();
    let mut v = TreeVerifier::from_signature(&sig, &policy).unwrap();
    v.next_entry().unwrap();
    assert_eq!(v.finish().unwrap_err(), Error::TreeEntriesRemaining);
    assert_eq!(v.error(), Some(Error::TreeEntriesRemaining));
}

#[test]
fn signature_checked_before_manifest() {
    let tree = sample();
    let m = manifest(&[], &tree);
    let env = envelope_for(&m, TREE_MEDIA_TYPE);
    // A manifest that is not the signed one: digest mismatch (or length).
    let other = manifest(&[], &tree[..tree.len() - 1]);
    let e = TreeVerifier::new(&env, &other, &policy()).unwrap_err();
    assert!(matches!(
        e,
        Error::ArtifactTooLong | Error::ArtifactTooShort | Error::DigestMismatch
    ));
    // Same length, one byte changed.
    let mut flipped = m.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    assert_eq!(
        TreeVerifier::new(&env, &flipped, &policy()).unwrap_err(),
        Error::DigestMismatch
    );
    // An untrusted key fails first.
    assert_eq!(
        TreeVerifier::new(&env, &m, &TrustPolicy::new()).unwrap_err(),
        Error::UntrustedKey
    );
    // A file envelope is not a tree envelope.
    let env = envelope_for(&m, "application/octet-stream");
    assert_eq!(
        TreeVerifier::new(&env, &m, &policy()).unwrap_err(),
        Error::NotATreeManifest
    );
}

#[test]
fn signature_file_layout_is_strict() {
    let tree = sample();
    let sig = signed(&tree);
    let mut extra = sig.clone();
    extra.push(0);
    assert_eq!(
        split_tree_signature(&extra).unwrap_err(),
        Error::TreeSignatureMalformed
    );
    assert_eq!(
        split_tree_signature(&sig[..sig.len() - 1]).unwrap_err(),
        Error::TreeSignatureMalformed
    );
    // A bare envelope is not a tree signature.
    let (env, _) = split_tree_signature(&sig).unwrap();
    assert_eq!(
        split_tree_signature(env).unwrap_err(),
        Error::TreeSignatureMalformed
    );
    // Three items.
    let mut three = sig.clone();
    three[0] = 0x83;
    assert_eq!(
        split_tree_signature(&three).unwrap_err(),
        Error::TreeSignatureMalformed
    );
}

fn parse_err(exclusions: &[&str], tree: &[(String, Node)]) -> Error {
    TreeManifest::parse(&manifest(exclusions, tree)).unwrap_err()
}

fn t(items: &[(&str, Node)]) -> Vec<(String, Node)> {
    items
        .iter()
        .map(|(p, n)| ((*p).to_string(), n.clone()))
        .collect()
}

#[test]
fn manifest_rules() {
    let f = || Node::File(b"x".to_vec(), false);
    // Unsorted (bytewise order is not component order).
    assert_eq!(
        parse_err(&[], &t(&[("a", Node::Dir), ("a-b", f()), ("a/c", f())])),
        Error::TreeNotSorted
    );
    assert_eq!(
        parse_err(&[], &t(&[("a", f()), ("a", f())])),
        Error::DuplicateTreePath
    );
    assert_eq!(
        parse_err(&[], &t(&[("b", f()), ("a", f())])),
        Error::TreeNotSorted
    );
    for bad in ["", "/a", "a/", "a//b", ".", "..", "a/./b", "a/../b", "a\0b"] {
        assert_eq!(
            parse_err(&[], &t(&[(bad, f())])),
            Error::BadTreePath,
            "{bad:?}"
        );
    }
    // Parents must be listed, as directories.
    assert_eq!(
        parse_err(&[], &t(&[("a/b", f())])),
        Error::MissingParentDirectory
    );
    assert_eq!(
        parse_err(&[], &t(&[("a", f()), ("a/b", f())])),
        Error::MissingParentDirectory
    );
    assert_eq!(
        parse_err(&[], &t(&[("a", Node::Link("x".into())), ("a/b", f())])),
        Error::MissingParentDirectory
    );
    assert_eq!(
        parse_err(
            &[],
            &t(&[("a", Node::Dir), ("a/b", Node::Dir), ("c/d", f())])
        ),
        Error::MissingParentDirectory
    );
    // Deep but valid.
    let deep: Vec<String> = (1..=64).map(|n| vec!["d"; n].join("/")).collect();
    let tree: Vec<(String, Node)> = deep.iter().map(|p| (p.clone(), Node::Dir)).collect();
    assert!(TreeManifest::parse(&manifest(&[], &tree)).is_ok());
    let mut deeper = tree.clone();
    deeper.push((vec!["d"; 65].join("/"), Node::Dir));
    assert_eq!(parse_err(&[], &deeper), Error::TreeLimitExceeded);
    // Exclusions sorted, unique, non-empty.
    assert_eq!(parse_err(&["b", "a"], &[]), Error::BadExclusion);
    assert_eq!(parse_err(&["a", "a"], &[]), Error::BadExclusion);
    assert_eq!(parse_err(&[""], &[]), Error::BadExclusion);
    // Symlinks.
    assert_eq!(
        parse_err(&[], &t(&[("l", Node::Link(String::new()))])),
        Error::BadSymlinkTarget
    );
    // A lying outside flag.
    let mut m = Vec::new();
    let mut sink = |b: &[u8]| m.extend_from_slice(b);
    encode_tree_manifest_head([].into_iter(), 1, &mut sink);
    encode_tree_entry(
        &TreeEntry {
            path: "l",
            kind: EntryKind::Symlink {
                target: "/etc",
                outside: false,
            },
        },
        &mut sink,
    );
    assert_eq!(
        TreeManifest::parse(&m).unwrap_err(),
        Error::BadSymlinkTarget
    );
}

#[test]
fn manifest_encoding_is_strict() {
    let tree = sample();
    let m = manifest(&[], &tree);
    assert!(TreeManifest::parse(&m).is_ok());
    let mut trailing = m.clone();
    trailing.push(0);
    assert_eq!(
        TreeManifest::parse(&trailing).unwrap_err(),
        Error::TreeManifestMalformed
    );
    for cut in 0..m.len() {
        assert!(TreeManifest::parse(&m[..cut]).is_err(), "cut at {cut}");
    }
    let mut version = m.clone();
    version[1] = 2;
    assert_eq!(
        TreeManifest::parse(&version).unwrap_err(),
        Error::UnsupportedTreeManifestVersion
    );
    // A non-shortest head (version as a one-byte argument) is not canonical.
    let mut long = vec![0x83, 0x18, 0x01];
    long.extend_from_slice(&m[2..]);
    assert_eq!(
        TreeManifest::parse(&long).unwrap_err(),
        Error::TreeManifestMalformed
    );
    // Entries of the wrong length.
    for raw in [
        &[0x83, 0x01, 0x80, 0x81, 0x80][..],
        &[0x83, 0x01, 0x80, 0x81, 0x81, 0x61, 0x61],
        &[0x83, 0x01, 0x80, 0x81, 0x83, 0x61, 0x61, 0x01, 0x00],
    ] {
        assert_eq!(
            TreeManifest::parse(raw).unwrap_err(),
            Error::TreeManifestMalformed,
            "{raw:02x?}"
        );
    }
    // Every single-bit flip is either rejected or parses to different content.
    for bit in 0..m.len() * 8 {
        let mut b = m.clone();
        b[bit / 8] ^= 1 << (bit % 8);
        if let Ok(p) = TreeManifest::parse(&b) {
            let orig = TreeManifest::parse(&m).unwrap();
            assert!(
                p.entries().ne(orig.entries()) || p.exclusions().ne(orig.exclusions()),
                "bit {bit} parses to the same manifest"
            );
        }
    }
}

#[test]
fn symlink_outside_is_lexical() {
    assert!(symlink_leaves_tree("a", "/abs"));
    assert!(symlink_leaves_tree("a", ".."));
    assert!(!symlink_leaves_tree("d/a", ".."));
    assert!(symlink_leaves_tree("d/a", "../.."));
    assert!(symlink_leaves_tree("d/a", "x/../../../y"));
    assert!(!symlink_leaves_tree("d/a", "./x/../y"));
}

fn arb_name() -> impl Strategy<Value = String> {
    prop::sample::select(vec!["a", "b", "a-b", "a.b", "z", "é", "A", "a b", "0"])
        .prop_map(String::from)
}

fn arb_tree() -> impl Strategy<Value = Vec<(String, Node)>> {
    prop::collection::vec(
        (
            prop::collection::vec(arb_name(), 1..4),
            prop_oneof![
                (prop::collection::vec(any::<u8>(), 0..300), any::<bool>())
                    .prop_map(|(d, x)| Node::File(d, x)),
                Just(Node::Dir),
                "[a-z./]{1,12}".prop_map(Node::Link),
            ],
        ),
        0..20,
    )
    .prop_map(|items| {
        // Make every parent a directory; the first kind given for a path wins.
        let mut map: std::collections::BTreeMap<String, Node> = Default::default();
        for (components, node) in items {
            for i in 1..components.len() {
                let dir = components[..i].join("/");
                map.insert(dir, Node::Dir);
            }
            map.entry(components.join("/")).or_insert(node);
        }
        // Drop anything below a non-directory.
        let all: Vec<(String, Node)> = map.clone().into_iter().collect();
        let kept: Vec<(String, Node)> = all
            .into_iter()
            .filter(|(p, _)| {
                let parts: Vec<&str> = p.split('/').collect();
                (1..parts.len()).all(|i| map.get(&parts[..i].join("/")) == Some(&Node::Dir))
            })
            .collect();
        sorted(kept)
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn prop_round_trip(tree in arb_tree(), chunk in 1usize..200) {
        let sig = signed(&tree);
        prop_assert_eq!(run(&sig, &tree, chunk), Ok(tree.len() as u64));
        let (_, m) = split_tree_signature(&sig).unwrap();
        let parsed = TreeManifest::parse(m).unwrap();
        let back: Vec<TreeEntry<'_>> = parsed.entries().collect();
        let want: Vec<TreeEntry<'_>> = tree.iter().map(|(p, n)| entry(p, n)).collect();
        prop_assert_eq!(back, want);
    }

    #[test]
    fn prop_tampered_file_rejected(tree in arb_tree(), pick in any::<prop::sample::Index>(), flip in any::<u8>()) {
        let files: Vec<usize> = tree.iter().enumerate()
            .filter(|(_, (_, n))| matches!(n, Node::File(d, _) if !d.is_empty()))
            .map(|(i, _)| i).collect();
        prop_assume!(!files.is_empty());
        let sig = signed(&tree);
        let mut bad = tree.clone();
        let i = files[pick.index(files.len())];
        if let Node::File(d, _) = &mut bad[i].1 {
            let at = usize::from(flip) % d.len();
            d[at] = d[at].wrapping_add(1);
        }
        prop_assert_eq!(run(&sig, &bad, 64), Err(Error::TreeFileDigestMismatch));
    }
}
