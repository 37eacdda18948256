//! Random call sequences on `sealkit_tree_verifier_*` (a seeded generator, thousands of
//! sequences): no call ever panics (602), a failed verifier answers every verdict call with its
//! first error until abort, abort always empties it, and correct sequences (mixed in) verify.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use super::*;
use crate::{sealkit_policy_trust_key, SEALKIT_ERR_INTERNAL, SEALKIT_POLICY_SIZE};
use sealkit::{
    encode_tree_entry, encode_tree_manifest_head, encode_tree_signature_head,
    encode_tree_signature_manifest_head, sign, ArtifactHasher, ContentType, HashAlg, SignRequest,
    SignatureAlg, SigningKey, MAX_SIGNED_ENVELOPE_LEN, TREE_MEDIA_TYPE,
};
use std::collections::BTreeMap;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn sha256(data: &[u8]) -> [u8; 32] {
    let mut h = ArtifactHasher::new(HashAlg::Sha256);
    h.update(data);
    h.finalize().as_bytes().try_into().unwrap()
}

/// A signed tree: `a` (file), `d` (dir), `d/b` (file), `d/l` (symlink), `e` (empty file).
fn signed_tree() -> (Vec<u8>, BTreeMap<&'static str, Vec<u8>>, [u8; 32]) {
    let files: BTreeMap<&str, Vec<u8>> = [
        ("a", b"first file".to_vec()),
        ("d/b", (0..300u32).map(|i| (i % 251) as u8).collect()),
        ("e", Vec::new()),
    ]
    .into_iter()
    .collect();
    let entries = [
        TreeEntry {
            path: "a",
            kind: EntryKind::File {
                executable: false,
                size: files["a"].len() as u64,
                sha256: sha256(&files["a"]),
            },
        },
        TreeEntry {
            path: "d",
            kind: EntryKind::Directory,
        },
        TreeEntry {
            path: "d/b",
            kind: EntryKind::File {
                executable: true,
                size: files["d/b"].len() as u64,
                sha256: sha256(&files["d/b"]),
            },
        },
        TreeEntry {
            path: "d/l",
            kind: EntryKind::Symlink {
                target: "b",
                outside: false,
            },
        },
        TreeEntry {
            path: "e",
            kind: EntryKind::File {
                executable: false,
                size: 0,
                sha256: sha256(b""),
            },
        },
    ];
    let mut manifest = Vec::new();
    let mut sink = |b: &[u8]| manifest.extend_from_slice(b);
    encode_tree_manifest_head(["*.tmp"].into_iter(), entries.len() as u64, &mut sink);
    for e in &entries {
        encode_tree_entry(e, &mut sink);
    }
    let key = SigningKey::from_seed(&[9; 32]).unwrap();
    let mut h = ArtifactHasher::new(HashAlg::Sha256);
    h.update(&manifest);
    let req = SignRequest {
        alg: SignatureAlg::Ed25519,
        digest: h.finalize(),
        length: manifest.len() as u64,
        content_type: ContentType::MediaType(TREE_MEDIA_TYPE),
        subject: "bundle",
        issuer: None,
        issued_at: 1_700_000_000,
        version: Some(2),
    };
    let mut env = [0u8; MAX_SIGNED_ENVELOPE_LEN];
    let n = sign(&key, &req, &mut env).unwrap();
    let mut sig = Vec::new();
    let mut sink = |b: &[u8]| sig.extend_from_slice(b);
    encode_tree_signature_head(n, &mut sink);
    sink(&env[..n]);
    encode_tree_signature_manifest_head(manifest.len(), &mut sink);
    sink(&manifest);
    (sig, files, *key.public_key().as_bytes())
}

fn text(p: *const c_char, n: usize) -> String {
    // SAFETY: the entry's text points into the live signature buffer, valid for n bytes.
    String::from_utf8(unsafe { slice::from_raw_parts(p.cast::<u8>(), n) }.to_vec()).unwrap()
}

#[repr(C, align(16))]
struct PolicyBlock([u8; SEALKIT_POLICY_SIZE]);

#[test]
fn random_call_sequences_keep_the_rules() {
    let (sig, files, raw) = signed_tree();
    let mut policy = PolicyBlock([0; SEALKIT_POLICY_SIZE]);
    let pol = (&mut policy as *mut PolicyBlock).cast::<sealkit_policy>();
    // SAFETY: a zeroed, aligned policy block of the right size; raw is 32 readable bytes.
    assert_eq!(
        unsafe { sealkit_policy_trust_key(pol, raw.as_ptr(), 32) },
        0
    );
    let mut corrupt = sig.clone();
    let mut rng = Rng(0x5eed_1234_abcd_9876);
    let mut t = sealkit_tree_verifier {
        _opaque: [0; SEALKIT_TREE_VERIFIER_SIZE],
    };
    let tp: *mut sealkit_tree_verifier = &mut t;
    let (mut verified, mut failures) = (0u32, 0u32);
    for _ in 0..3000 {
        // SAFETY: tp is a live, aligned block used by nothing else.
        assert_eq!(unsafe { sealkit_tree_verifier_abort(tp) }, 0);
        let honest = rng.below(4) == 0;
        let mut current: Option<String> = None;
        let mut sticky: Option<c_int> = None;
        let steps = if honest { 1 } else { rng.below(24) + 1 };
        for _ in 0..steps {
            let mut e = END_ENTRY;
            let mut f = ZERO_FACTS;
            let op = if honest { 1 } else { rng.below(9) };
            // SAFETY: every pointer below is live for the call (sig and corrupt outlive the
            // block's use; the block is aborted before corrupt changes).
            let rc = unsafe {
                match op {
                    0 => {
                        let i = rng.below(corrupt.len() as u64) as usize;
                        sealkit_tree_verifier_abort(tp);
                        current = None;
                        sticky = None;
                        corrupt.copy_from_slice(&sig);
                        corrupt[i] ^= 1 << rng.below(8);
                        sealkit_tree_verifier_init(tp, corrupt.as_ptr(), corrupt.len(), pol)
                    }
                    1 if honest => {
                        assert_eq!(
                            sealkit_tree_verifier_init(tp, sig.as_ptr(), sig.len(), pol),
                            0
                        );
                        let mut rc;
                        loop {
                            rc = sealkit_tree_verifier_next_entry(tp, &mut e);
                            if rc != 0 || e.kind == SEALKIT_TREE_END {
                                break;
                            }
                            if e.kind == SEALKIT_TREE_FILE {
                                let data = &files[text(e.path, e.path_len).as_str()];
                                let cut = rng.below(data.len() as u64 + 1) as usize;
                                assert_eq!(sealkit_tree_verifier_update(tp, data.as_ptr(), cut), 0);
                                let rest = &data[cut..];
                                assert_eq!(
                                    sealkit_tree_verifier_update(tp, rest.as_ptr(), rest.len()),
                                    0
                                );
                            }
                        }
                        assert_eq!(rc, 0);
                        {
                            rc = sealkit_tree_verifier_finish(tp, &mut f);
                            assert_eq!(rc, 0);
                            assert_eq!(&f.subject[..6], b"bundle".map(|b| b as c_char));
                            verified += 1;
                        }
                        rc
                    }
                    1 | 2 if !honest => {
                        let r = sealkit_tree_verifier_next_entry(tp, &mut e);
                        current = (r == 0 && e.kind == SEALKIT_TREE_FILE)
                            .then(|| text(e.path, e.path_len));
                        r
                    }
                    3 | 4 => {
                        let data = current
                            .as_deref()
                            .map(|p| files[p].clone())
                            .unwrap_or_default();
                        let n = rng.below(data.len() as u64 + 2) as usize;
                        let junk = [0xAAu8; 8];
                        match rng.below(3) {
                            0 => sealkit_tree_verifier_update(tp, junk.as_ptr(), n.min(8)),
                            1 => sealkit_tree_verifier_update(tp, ptr::null(), n),
                            _ => sealkit_tree_verifier_update(tp, data.as_ptr(), n.min(data.len())),
                        }
                    }
                    5 => sealkit_tree_verifier_finish(tp, &mut f),
                    6 => {
                        let (mut a, mut b, mut c) = (0u64, 0u64, 0u64);
                        let r = sealkit_tree_verifier_counts(tp, &mut a, &mut b, &mut c);
                        assert!(r != 0 || (a == 5 && b <= 5 && c == 1));
                        0
                    }
                    7 => {
                        let (mut p, mut n) = (ptr::null::<c_char>(), 0usize);
                        let i = rng.below(3) as usize;
                        let r = sealkit_tree_verifier_exclusion(tp, i, &mut p, &mut n);
                        assert!(r != 0 || (i == 0) == (n == 5 && !p.is_null()));
                        0
                    }
                    _ => sealkit_tree_verifier_init(tp, sig.as_ptr(), sig.len(), pol),
                }
            };
            assert_ne!(rc, SEALKIT_ERR_INTERNAL, "a call panicked");
            let (mut st, mut err) = (-1, -1);
            // SAFETY: as above.
            assert_eq!(
                unsafe { sealkit_tree_verifier_state(tp, &mut st, &mut err) },
                0
            );
            if let Some(first) = sticky {
                // Once failed, the first error is every verdict call's answer (op 0 aborts).
                if op != 0 {
                    assert_eq!((st, err), (SEALKIT_STATE_FAILED, first));
                    if matches!(op, 1..=5 | 8) {
                        assert_eq!(rc, first);
                    }
                }
            }
            if st == SEALKIT_STATE_FAILED {
                if sticky.is_none() {
                    failures += 1;
                }
                sticky.get_or_insert(err);
                assert_ne!(err, 0);
            }
            if rc != 0 && matches!(op, 0..=5 | 8) {
                assert_eq!(
                    st, SEALKIT_STATE_FAILED,
                    "op {op} returned {rc} without failing"
                );
            }
        }
    }
    assert!(verified > 100, "only {verified} honest runs verified");
    assert!(failures > 1000, "only {failures} failures");
}
