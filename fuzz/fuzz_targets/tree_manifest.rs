//! Tree manifests and tree signature files from raw bytes. A manifest that `TreeManifest::parse`
//! accepts must re-encode, entry by entry with the core's own encoder, to exactly the same bytes
//! (so there is one encoding per manifest: no non-canonical CBOR, no duplicate or unsorted paths
//! slip through); its entries are valid, strictly ordered paths, each below a listed directory.
//! The same bytes are also tried as a tree signature file (`split_tree_signature`, then
//! `TreeVerifier::from_signature` under the key its envelope names).
//!
//! Input: the bytes. Seeds: each `sig` of `tests/vectors/tree-vectors.json` and the manifest
//! inside it.
#![no_main]

use core::cmp::Ordering;

use libfuzzer_sys::fuzz_target;
use sealkit::{
    check_tree_path, compare_paths, encode_tree_entry, encode_tree_manifest_head,
    split_tree_signature, symlink_leaves_tree, EntryKind, Envelope, TreeManifest, TreeVerifier,
};
use sealkit_fuzz::policy_for_kid;

fn check_manifest(data: &[u8]) {
    let Ok(m) = TreeManifest::parse(data) else {
        return;
    };
    let entries: Vec<_> = m.entries().collect();
    let exclusions: Vec<_> = m.exclusions().collect();
    assert_eq!(entries.len() as u64, m.entry_count());
    let mut out = Vec::new();
    encode_tree_manifest_head(
        exclusions.iter().copied(),
        m.entry_count(),
        &mut |b: &[u8]| out.extend_from_slice(b),
    );
    let mut prev: Option<&str> = None;
    for e in &entries {
        assert_eq!(check_tree_path(e.path), Ok(()));
        if let Some(p) = prev {
            assert_eq!(compare_paths(p, e.path), Ordering::Less);
        }
        prev = Some(e.path);
        if let Some((dir, _)) = e.path.rsplit_once('/') {
            assert!(
                entries
                    .iter()
                    .any(|d| d.path == dir && d.kind == EntryKind::Directory),
                "parent of {} not listed",
                e.path
            );
        }
        if let EntryKind::Symlink { target, outside } = e.kind {
            assert_eq!(outside, symlink_leaves_tree(e.path, target));
        }
        encode_tree_entry(e, &mut |b: &[u8]| out.extend_from_slice(b));
    }
    assert_eq!(
        out.as_slice(),
        data,
        "an accepted manifest is not in its one canonical encoding"
    );
}

fuzz_target!(|data: &[u8]| {
    check_manifest(data);
    if let Ok((envelope, manifest)) = split_tree_signature(data) {
        check_manifest(manifest);
        let kid = Envelope::parse(envelope).map(|e| e.unverified_kid());
        if let Ok(kid) = kid {
            let policy = policy_for_kid(kid);
            if let Ok(mut t) = TreeVerifier::from_signature(data, &policy) {
                // Visiting every entry without any file bytes: only empty files may pass.
                let mut all_empty = true;
                loop {
                    match t.next_entry() {
                        Ok(Some(e)) => {
                            if let EntryKind::File { size, .. } = e.kind {
                                all_empty &= size == 0;
                            }
                        }
                        Ok(None) => break,
                        Err(_) => {
                            all_empty = false;
                            break;
                        }
                    }
                }
                let r = t.finish();
                if r.is_ok() {
                    assert!(
                        all_empty,
                        "a tree with non-empty files verified without their bytes"
                    );
                }
            }
        }
    }
});
