//! The Rust example of the top-level README, run for real (README.md cites this file and
//! `readme.rs` checks that the block is an excerpt of it).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use sealkit::{Error, HashAlg};
use sealkit_conformance::{sealkit_sign, Params, TestKey};

struct Download<'a> {
    chunks: std::slice::Chunks<'a, u8>,
}

impl<'a> Download<'a> {
    fn next_chunk(&mut self) -> Option<&'a [u8]> {
        self.chunks.next()
    }
}

// The body is the README's text, alignment included.
#[rustfmt::skip]
fn run(
    envelope_bytes: Vec<u8>,
    artifact: &[u8],
    key_text: &str,
    stored_highest_version: u64,
) -> Result<sealkit::Verified, Error> {
    #[allow(non_snake_case)]
    let KEY = key_text;
    let mut download = Download {
        chunks: artifact.chunks(1000),
    };
    use sealkit::{PublicKey, StreamVerifier, TrustPolicy};

    let mut policy = TrustPolicy::new();
    policy.trust_key_for_identity(PublicKey::from_text(KEY)?, "release-ci@vendor.example")?;
    policy.require_min_version(stored_highest_version);
    let mut v = StreamVerifier::new(&envelope_bytes, &policy)?; // signature + policy checked here
    while let Some(chunk) = download.next_chunk() {
        v.update(chunk)?;                                      // fails the moment bytes are appended
    }
    let facts = v.finish()?;                                   // length + constant-time digest check
    Ok(facts)
}

#[test]
fn the_readme_example_verifies_and_rejects() {
    let key = TestKey::numbered(0x5e);
    let artifact = vec![0xa5u8; 10_000];
    let mut params = Params::for_artifact(&artifact, HashAlg::Sha256);
    params.issuer = Some("release-ci@vendor.example".to_owned());
    params.version = Some(42);
    let envelope = sealkit_sign(&key, &params);

    let facts = run(envelope.clone(), &artifact, &key.text(), 42).unwrap();
    assert_eq!(facts.version(), Some(42));
    assert_eq!(
        run(envelope.clone(), &artifact, &key.text(), 43).map(|_| ()),
        Err(Error::Rollback)
    );
    let mut appended = artifact.clone();
    appended.push(0);
    assert_eq!(
        run(envelope.clone(), &appended, &key.text(), 42).map(|_| ()),
        Err(Error::ArtifactTooLong)
    );
}
