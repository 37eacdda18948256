//! `TreeVerifier` call sequences. The target signs the fuzzed manifest bytes itself (fixed fuzz
//! key, tree media type), so every manifest the parser accepts reaches the streaming part; then
//! it runs a fuzzed sequence of `next_entry`, `update` and `finish` calls with fuzzed file bytes
//! and checks the result against what was fed: a file is accepted only with exactly its signed
//! size and SHA-256, bytes with no file open are refused, a finished tree visited every entry,
//! and every error is sticky. With flags it also signs the manifest as a plain file (must be
//! refused as not a tree manifest) or appends a byte after signing (must be refused).
//!
//! Input: `u8 flags, bytes16 manifest`, then operations: `u8 op` (0: next entry; 1: update with
//! a str8; 2: update with a bytes16; 3: finish). Seeds: the manifests and files of
//! `tests/vectors/tree-vectors.json`, fed in order.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sealkit::{
    ArtifactHasher, ContentType, EntryKind, Error, HashAlg, SignatureAlg, TreeManifest,
    TreeVerifier, TrustPolicy, TREE_MEDIA_TYPE,
};
use sealkit_fuzz::{fuzz_key, sign_envelope, Input};

struct Open {
    size: u64,
    sha256: [u8; 32],
    fed: u64,
    hasher: ArtifactHasher,
}

impl Open {
    fn matches(self) -> bool {
        self.fed == self.size && self.hasher.finalize().as_bytes() == self.sha256.as_slice()
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input::new(data);
    let flags = input.u8();
    let manifest = input.bytes16();
    let content_type = if flags & 1 != 0 {
        ContentType::OCTET_STREAM
    } else {
        ContentType::MediaType(TREE_MEDIA_TYPE)
    };
    let Ok(envelope) = sign_envelope(
        fuzz_key(),
        SignatureAlg::Ed25519,
        HashAlg::Sha256,
        manifest,
        manifest.len() as u64,
        content_type,
        "tree",
        None,
        0,
        None,
    ) else {
        return;
    };
    let mut policy = TrustPolicy::new();
    if policy.trust_key(fuzz_key().public_key()).is_err() {
        return;
    }
    let mut extended = manifest.to_vec();
    if flags & 2 != 0 {
        extended.push(flags);
        assert_eq!(
            TreeVerifier::new(&envelope, &extended, &policy).err(),
            Some(Error::ArtifactTooLong)
        );
        return;
    }
    let parsed = TreeManifest::parse(manifest);
    let mut t = match TreeVerifier::new(&envelope, manifest, &policy) {
        Ok(t) => {
            assert!(
                flags & 1 == 0,
                "a file envelope was taken for a tree manifest"
            );
            assert!(parsed.is_ok());
            t
        }
        Err(e) => {
            if flags & 1 != 0 {
                assert_eq!(e, Error::NotATreeManifest);
            } else {
                assert_eq!(Some(e), parsed.err());
            }
            return;
        }
    };
    let total = t.manifest().entry_count();

    let mut visited = 0u64;
    let mut open: Option<Open> = None;
    let mut failed: Option<Error> = None;
    while !input.is_empty() {
        let op = input.u8() % 4;
        let r: Result<(), Error> = match op {
            0 => {
                let before = open.take();
                let r = t.next_entry();
                if let Some(e) = failed {
                    assert_eq!(r.map(|_| ()), Err(e), "an error was not sticky");
                    continue;
                }
                match &r {
                    Ok(next) => {
                        if let Some(f) = before {
                            assert!(f.matches(), "a file that does not match was accepted");
                        }
                        if let Some(e) = next {
                            visited += 1;
                            if let EntryKind::File { size, sha256, .. } = e.kind {
                                open = Some(Open {
                                    size,
                                    sha256,
                                    fed: 0,
                                    hasher: ArtifactHasher::new(HashAlg::Sha256),
                                });
                            }
                        } else {
                            assert_eq!(visited, total);
                        }
                    }
                    Err(Error::TreeFileTooShort) => {
                        assert!(before.is_some_and(|f| f.fed < f.size));
                    }
                    Err(Error::TreeFileDigestMismatch) => {
                        assert!(before.is_some_and(|f| !f.matches()));
                    }
                    Err(_) => {}
                }
                r.map(|_| ())
            }
            1 | 2 => {
                let chunk = if op == 1 {
                    input.str8()
                } else {
                    input.bytes16()
                };
                let r = t.update(chunk);
                if failed.is_none() {
                    match (&mut open, r) {
                        (Some(f), Ok(())) => {
                            f.fed += chunk.len() as u64;
                            assert!(f.fed <= f.size);
                            f.hasher.update(chunk);
                        }
                        (Some(f), Err(e)) => {
                            assert_eq!(e, Error::TreeFileTooLong);
                            assert!(f.fed + chunk.len() as u64 > f.size);
                        }
                        (None, r) => assert_eq!(r, Err(Error::NoTreeFileOpen)),
                    }
                }
                r
            }
            _ => {
                let before = open.take();
                let r = t.finish();
                if failed.is_none() {
                    if let Ok(v) = &r {
                        assert_eq!(visited, total, "finished before every entry was visited");
                        if let Some(f) = before {
                            assert!(f.matches(), "a file that does not match was accepted");
                        }
                        assert_eq!(v.subject(), "tree");
                        assert_eq!(t.finish().map(|_| ()), Err(Error::AlreadyFinished));
                        return;
                    }
                }
                r.map(|_| ())
            }
        };
        match (failed, r) {
            (Some(e), r) => assert_eq!(r, Err(e), "an error was not sticky"),
            (None, Err(e)) => {
                failed = Some(e);
                assert_eq!(t.error(), Some(e));
            }
            (None, Ok(())) => {}
        }
    }
});
