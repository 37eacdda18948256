//! Regression tests from fuzzing (`fuzz/`, see fuzz/README.md).
//!
//! The fuzz campaigns so far found no defect in the core or the C binding (the only failures were
//! mistakes in the targets' own oracles, corrected there). This file pins, on inputs built by
//! hand, the properties the targets assert that no other suite states outright: resource
//! exhaustion by deep nesting and huge declared counts, the one-encoding-per-manifest rule, and
//! the same verdict whatever the chunking for sealed streams that fail. A finding gets its
//! reproducer here as a test named after the target and the defect.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use sealkit::{
    encode_tree_entry, encode_tree_manifest_head, sealed_header, split_tree_signature,
    ArtifactHasher, EntryKind, Envelope, Error, HashAlg, StreamVerifier, TreeEntry, TreeManifest,
    TrustPolicy, Unsealer,
};
use sealkit_conformance::{sealkit_sign, Params, TestKey};

fn key() -> TestKey {
    TestKey::numbered(0x5e)
}

/// `depth` nested one-element arrays around `inner`.
fn nested(depth: usize, inner: &[u8]) -> Vec<u8> {
    let mut v = vec![0x81; depth];
    v.extend_from_slice(inner);
    v
}

/// A CBOR byte string holding `b`.
fn bstr(b: &[u8]) -> Vec<u8> {
    let mut v = Vec::new();
    match b.len() {
        n @ 0..=23 => v.push(0x40 | n as u8),
        n @ 24..=0xff => v.extend_from_slice(&[0x58, n as u8]),
        n => v.extend_from_slice(&[0x59, (n >> 8) as u8, n as u8]),
    }
    v.extend_from_slice(b);
    v
}

#[test]
fn deep_nesting_in_an_envelope_is_a_typed_error_without_recursion() {
    // Nesting where the format has a scalar or a map: as the protected header, as the value of a
    // header, as the unprotected header, as the payload, and as the whole message. The parser
    // reads a fixed schema and never descends into an unexpected item, so depth costs no stack
    // (a recursive decoder would spend stack on every level, which a microcontroller lacks).
    let mut protected_as_array = vec![0xd2, 0x84];
    protected_as_array.extend_from_slice(&bstr(&nested(3000, &[0x00])));
    protected_as_array.extend_from_slice(&[0xa0, 0x40, 0x40]);
    let mut header_value = vec![0xd2, 0x84];
    let mut prot = vec![0xa1, 0x01];
    prot.extend_from_slice(&nested(3000, &[0x26]));
    header_value.extend_from_slice(&bstr(&prot));
    header_value.extend_from_slice(&[0xa0, 0x40, 0x40]);
    let mut unprotected = vec![0xd2, 0x84, 0x40];
    unprotected.extend_from_slice(&nested(4000, &[0xa0]));
    let whole = nested(4000, &[0xd2]);

    for (what, env) in [
        ("protected header", protected_as_array),
        ("alg value", header_value),
        ("unprotected header", unprotected),
        ("whole message", whole),
    ] {
        let e = Envelope::parse(&env).expect_err(what);
        assert!(
            (100..200).contains(&e.code()) || e.code() == 200,
            "{what}: {e:?}"
        );
        // A signature file that is an array is a signature set: a one-item array is refused as
        // a malformed set before anything inside it is read.
        let want = if env.first() == Some(&0x81) {
            Error::BadSignatureSet
        } else {
            e
        };
        assert_eq!(
            StreamVerifier::new(&env, &TrustPolicy::new()).err(),
            Some(want),
            "{what}"
        );
    }
}

#[test]
fn deep_nesting_and_huge_counts_in_a_tree_manifest_are_refused() {
    // A manifest whose entry is a deeply nested array, and whose counts claim far more items
    // than the bytes hold: refused at once, before any per-item work.
    let mut m = vec![0x83, 0x01, 0x80, 0x81];
    m.extend_from_slice(&nested(5000, &[0x00]));
    assert_eq!(
        TreeManifest::parse(&m).err(),
        Some(Error::TreeManifestMalformed)
    );
    // 2^64 - 1 entries, and exactly one more than the limit: the limit, before any entry.
    let huge = [
        0x83, 0x01, 0x80, 0x9b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    ];
    assert_eq!(
        TreeManifest::parse(&huge).err(),
        Some(Error::TreeLimitExceeded)
    );
    let over = [0x83, 0x01, 0x80, 0x9a, 0x00, 0x0f, 0x42, 0x41];
    assert_eq!(
        TreeManifest::parse(&over).err(),
        Some(Error::TreeLimitExceeded)
    );
    // Within the limit but with no bytes behind the count: malformed, not a hang.
    let empty_behind = [0x83, 0x01, 0x80, 0x9a, 0x00, 0x0f, 0x42, 0x40];
    assert_eq!(
        TreeManifest::parse(&empty_behind).err(),
        Some(Error::TreeManifestMalformed)
    );
    // A signature file whose byte strings claim 2^64 - 1 bytes.
    let sig = [
        0x82, 0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00,
    ];
    assert_eq!(
        split_tree_signature(&sig).err(),
        Some(Error::TreeSignatureMalformed)
    );
}

#[test]
fn an_accepted_manifest_is_its_own_canonical_encoding() {
    // The `tree_manifest` target's property on a hand-made manifest: re-encoding the parsed
    // entries with the core's encoder gives back the input, and any other encoding of the same
    // content (a non-shortest head, an indefinite array) is refused.
    let sha = {
        let mut h = ArtifactHasher::new(HashAlg::Sha256);
        h.update(b"hello");
        let mut s = [0u8; 32];
        s.copy_from_slice(h.finalize().as_bytes());
        s
    };
    let entries = [
        TreeEntry {
            path: "bin",
            kind: EntryKind::Directory,
        },
        TreeEntry {
            path: "bin/app",
            kind: EntryKind::File {
                executable: true,
                size: 5,
                sha256: sha,
            },
        },
        TreeEntry {
            path: "link",
            kind: EntryKind::Symlink {
                target: "bin/app",
                outside: false,
            },
        },
    ];
    let mut m = Vec::new();
    encode_tree_manifest_head(["*.tmp"].into_iter(), 3, &mut |b: &[u8]| {
        m.extend_from_slice(b)
    });
    for e in &entries {
        encode_tree_entry(e, &mut |b: &[u8]| m.extend_from_slice(b));
    }
    let parsed = TreeManifest::parse(&m).unwrap();
    let mut again = Vec::new();
    let excl: Vec<&str> = parsed.exclusions().collect();
    encode_tree_manifest_head(excl.into_iter(), parsed.entry_count(), &mut |b: &[u8]| {
        again.extend_from_slice(b)
    });
    for e in parsed.entries() {
        encode_tree_entry(&e, &mut |b: &[u8]| again.extend_from_slice(b));
    }
    assert_eq!(again, m);

    // The version as a two-byte head (0x18 0x01) instead of 0x01.
    let mut long_head = vec![0x83, 0x18, 0x01];
    long_head.extend_from_slice(&m[2..]);
    assert!(TreeManifest::parse(&long_head).is_err());
    // The entry array as an indefinite-length array.
    // 0x83 version 0x81 "*.tmp" (1 + 5 bytes), then the entry array's head.
    let at = 9;
    assert_eq!(m[at], 0x83);
    let mut indefinite = m[..at].to_vec();
    indefinite.push(0x9f);
    indefinite.extend_from_slice(&m[at + 1..]);
    indefinite.push(0xff);
    assert!(TreeManifest::parse(&indefinite).is_err());
}

#[test]
fn failing_sealed_streams_fail_the_same_way_in_every_chunking() {
    // The `sealed_stream` target's differential property: the verdict of a failing stream does
    // not depend on where the chunks end, even though the artifact bytes handed out before the
    // failure do (they are never verified, and the callers discard them).
    let key = key();
    let artifact = b"firmware image bytes".repeat(10);
    let env = sealkit_sign(&key, &Params::for_artifact(&artifact, HashAlg::Sha256));
    let mut stream = sealed_header(env.len()).unwrap().to_vec();
    stream.extend_from_slice(&env);
    stream.extend_from_slice(&artifact);
    let policy = key.policy();

    let mut appended = stream.clone();
    appended.push(0);
    let mut truncated = stream.clone();
    truncated.pop();
    let mut flipped = stream.clone();
    *flipped.last_mut().unwrap() ^= 1;
    for (what, s, want) in [
        ("appended", appended, Error::ArtifactTooLong),
        ("truncated", truncated, Error::ArtifactTooShort),
        ("flipped", flipped, Error::DigestMismatch),
    ] {
        for size in [1usize, 7, 64, s.len()] {
            let mut u = Unsealer::new(&policy);
            let mut out = Vec::new();
            let mut err = None;
            for c in s.chunks(size) {
                match u.update(c) {
                    Ok(part) => out.extend_from_slice(part),
                    Err(e) => {
                        err = Some(e);
                        break;
                    }
                }
            }
            let verdict = match err {
                Some(e) => Err(e),
                None => u.finish().map(|_| ()),
            };
            assert_eq!(verdict, Err(want), "{what}, chunks of {size}");
            // What was handed out is always the bytes after the envelope, as they came.
            let after = &s[sealkit::SEALED_HEADER_LEN + env.len()..];
            assert!(after.starts_with(&out), "{what}");
            assert_eq!(u.finish().map(|_| ()), Err(want), "{what}: sticky");
        }
    }
}
