//! Shared helpers for the sealkit benchmarks: a deterministic artifact, a signing key, an
//! envelope over the artifact and the trust policy that accepts it.

use sealkit::{
    sign, ArtifactHasher, ContentType, Error, HashAlg, SignRequest, SignatureAlg, SigningKey,
    TrustPolicy, MAX_SIGNED_ENVELOPE_LEN,
};

/// One MiB.
pub const MIB: usize = 1 << 20;

/// The fixed seed of the benchmark signing key (RFC 8032, section 7.1, TEST 1).
pub const SEED: [u8; 32] = [
    0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60, 0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
    0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19, 0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60,
];

/// A deterministic, incompressible-looking artifact of `len` bytes (xorshift64*), so that no
/// layer can take a shortcut on zeros.
pub fn artifact(len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(len + 8);
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    while out.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(len);
    out
}

/// An envelope over `artifact` and a policy that accepts it.
#[derive(Debug)]
pub struct Fixture {
    /// The envelope (the bytes of a `.sig` file).
    pub envelope: Vec<u8>,
    /// A policy trusting the fixture key, requiring its identity, subject and a minimum version,
    /// so that every policy rule runs.
    pub policy: TrustPolicy,
}

/// Signs `artifact` with the fixed key, hashing it with `alg`.
pub fn fixture(artifact: &[u8], alg: HashAlg) -> Result<Fixture, Error> {
    let key = SigningKey::from_seed(&SEED)?;
    let mut hasher = ArtifactHasher::new(alg);
    hasher.update(artifact);
    let identity = "release@example.org";
    let subject = "example-1.2.3-x86_64-linux.tar.gz";
    let req = SignRequest {
        alg: SignatureAlg::Ed25519,
        digest: hasher.finalize(),
        length: artifact.len() as u64,
        content_type: ContentType::OCTET_STREAM,
        subject,
        issuer: Some(identity),
        issued_at: 1_767_225_600,
        version: Some(10_203),
    };
    let mut buf = [0u8; MAX_SIGNED_ENVELOPE_LEN];
    let n = sign(&key, &req, &mut buf)?;
    let envelope = buf.get(..n).ok_or(Error::BufferTooSmall)?.to_vec();

    let mut policy = TrustPolicy::new();
    policy.trust_key_for_identity(key.public_key(), identity)?;
    policy.require_subject(subject)?;
    policy.require_min_version(10_000);
    Ok(Fixture { envelope, policy })
}

/// Verifies `artifact` against `fx` with the streaming verifier, `chunk` bytes at a time.
pub fn verify_chunked(fx: &Fixture, artifact: &[u8], chunk: usize) -> Result<u64, Error> {
    let mut v = sealkit::StreamVerifier::new(&fx.envelope, &fx.policy)?;
    for c in artifact.chunks(chunk.max(1)) {
        v.update(c)?;
    }
    Ok(v.finish()?.length())
}
