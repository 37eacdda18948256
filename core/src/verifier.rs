//! The streaming verifier: signature and policy first, then every artifact byte.

use heapless::{String, Vec};
use minicbor::encode::write::Cursor;
use minicbor::Encoder;

use crate::digest::{ArtifactDigest, ArtifactHasher, HashAlg};
use crate::envelope::{
    ContentType, Envelope, SignatureAlg, MAX_IDENTITY_LEN, MAX_MEDIA_TYPE_LEN, MAX_SUBJECT_LEN,
};
use crate::key::KeyId;
use crate::policy::{TrustPolicy, MAX_SIGNERS};
use crate::set::check_signers_of;
use crate::trust::Signer;
use crate::Error;

/// The owned copy of what the envelope said, kept until `finish()` can vouch for it.
#[derive(Clone, Debug)]
struct Claims {
    alg: SignatureAlg,
    kid: KeyId,
    // Lengths as u8 (all limits are below 256) keep the verifier state small.
    issuer: Option<String<MAX_IDENTITY_LEN, u8>>,
    subject: String<MAX_SUBJECT_LEN, u8>,
    coap_format: Option<u16>,
    media_type: String<MAX_MEDIA_TYPE_LEN, u8>,
    issued_at: u64,
    version: Option<u64>,
}

impl Claims {
    fn content_type(&self) -> ContentType<'_> {
        match self.coap_format {
            Some(n) => ContentType::CoapFormat(n),
            None => ContentType::MediaType(&self.media_type),
        }
    }
}

/// Facts about an artifact that verified: who signed it, what it is, and its exact bytes.
///
/// Only a successful [`StreamVerifier::finish`] (or [`verify_slice`]) makes one.
#[derive(Clone, Debug)]
pub struct Verified {
    signers: Vec<Signer, MAX_SIGNERS>,
    time_checked: bool,
    expires: Option<u64>,
    claims: Claims,
    length: u64,
    digest: ArtifactDigest,
}

impl Verified {
    /// Every distinct trusted signer that counted, in signature-file order (one for a single
    /// envelope). [`key_id`](Self::key_id) and [`identity`](Self::identity) are the first's.
    pub fn signers(&self) -> &[Signer] {
        &self.signers
    }
    /// Whether certificate validity and envelope expiry were checked against a current time
    /// (the policy had one); `false` means those checks were skipped.
    pub fn time_checked(&self) -> bool {
        self.time_checked
    }
    /// When the (first counted) signature expires, if it says.
    pub fn expires_at(&self) -> Option<u64> {
        self.expires
    }
    /// The id of the key that signed (the first counted signer's: a trusted key, or the
    /// certified signing key of a chain).
    pub fn key_id(&self) -> KeyId {
        self.claims.kid
    }
    /// The signature algorithm named in the envelope (both mean Ed25519).
    pub fn alg(&self) -> SignatureAlg {
        self.claims.alg
    }
    /// The signer identity: the signing certificate's `sub` for a chain, else the envelope's
    /// `iss`, if any.
    pub fn identity(&self) -> Option<&str> {
        self.claims.issuer.as_deref()
    }
    /// The artifact name (`sub`).
    pub fn subject(&self) -> &str {
        &self.claims.subject
    }
    /// What the artifact is.
    pub fn content_type(&self) -> ContentType<'_> {
        self.claims.content_type()
    }
    /// The signing time, seconds since the Unix epoch, as the signer stated it.
    pub fn issued_at(&self) -> u64 {
        self.claims.issued_at
    }
    /// The release version, if the envelope carries one.
    pub fn version(&self) -> Option<u64> {
        self.claims.version
    }
    /// The exact length of the artifact in bytes.
    pub fn length(&self) -> u64 {
        self.length
    }
    /// The artifact's digest.
    pub fn digest(&self) -> &ArtifactDigest {
        &self.digest
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Active,
    Finished,
    Failed(Error),
}

/// Verifies one artifact against one envelope, chunk by chunk, in constant memory.
///
/// [`new`](StreamVerifier::new) parses the envelope, finds the trusted key, checks the signature
/// and every policy rule before any artifact byte is read. [`update`](StreamVerifier::update)
/// takes chunks of any size and fails as soon as more bytes arrive than were signed.
/// [`finish`](StreamVerifier::finish) checks the length and the digest and is the only way to
/// obtain [`Verified`] facts. Any failure is sticky: every later call returns the same error.
///
/// The verifier owns all its data (no lifetimes, no heap), so it can be moved into a
/// caller-allocated buffer, a Python object or a JavaScript object.
#[derive(Clone, Debug)]
pub struct StreamVerifier {
    signers: Vec<Signer, MAX_SIGNERS>,
    time_checked: bool,
    expires: Option<u64>,
    phase: Phase,
    received: u64,
    length: u64,
    expected: ArtifactDigest,
    hasher: ArtifactHasher,
    claims: Claims,
}

/// The CBOR head of a byte string of `len` bytes, in shortest form.
pub(crate) fn bstr_head(len: usize) -> ([u8; 9], usize) {
    let mut e = Encoder::new(Cursor::new([0u8; 9]));
    // Nine bytes hold the longest head, so this cannot fail.
    let _ = e.bytes_len(len as u64);
    let n = e.writer().position();
    (e.into_writer().into_inner(), n)
}

/// Feeds the COSE `Sig_structure` for a Sign1 with empty external AAD to `absorb`:
/// `["Signature1", protected, h'', payload]`, using the protected bytes exactly as received.
pub(crate) fn sig_structure(protected: &[u8], payload: &[u8], mut absorb: impl FnMut(&[u8])) {
    absorb(&[0x84, 0x6a]);
    absorb(b"Signature1");
    let (h, n) = bstr_head(protected.len());
    absorb(h.get(..n).unwrap_or_default());
    absorb(protected);
    absorb(&[0x40]);
    let (h, n) = bstr_head(payload.len());
    absorb(h.get(..n).unwrap_or_default());
    absorb(payload);
}

/// Writes the COSE `Sig_structure` that sealkit's signatures cover into `out` and returns its
/// length: `["Signature1", protected, h'', payload]` (a COSE_Sign1 with empty external AAD), with
/// `protected` taken exactly as given. These are the bytes the verifier feeds to Ed25519 and the
/// signer signs; this function exists so that other implementations and conformance tests can
/// compare their to-be-signed bytes with sealkit's.
///
/// Fails with [`Error::BufferTooSmall`] if `out` cannot hold them; 96 bytes more than
/// `protected.len() + payload.len()` always suffice.
pub fn sig_structure_bytes(
    protected: &[u8],
    payload: &[u8],
    out: &mut [u8],
) -> Result<usize, Error> {
    let mut len = 0usize;
    let mut overflow = false;
    sig_structure(protected, payload, |b| {
        if overflow {
            return;
        }
        match len
            .checked_add(b.len())
            .and_then(|end| out.get_mut(len..end))
        {
            Some(dst) => {
                dst.copy_from_slice(b);
                len += b.len();
            }
            None => overflow = true,
        }
    });
    if overflow {
        Err(Error::BufferTooSmall)
    } else {
        Ok(len)
    }
}

fn copy_str<const N: usize>(s: &str) -> Result<String<N, u8>, Error> {
    String::try_from(s).map_err(|_| Error::FieldTooLong)
}

impl StreamVerifier {
    /// Parses `envelope`, checks its signature against `policy`'s keys and every policy rule.
    /// Fails at once if the envelope is malformed, untrusted or unacceptable.
    pub fn new(envelope: &[u8], policy: &TrustPolicy) -> Result<StreamVerifier, Error> {
        // Every signature of the file is checked (signature, chain, revocation, time, identity
        // and subject rules) before any artifact byte; the threshold decides.
        let (summary, first) = check_signers_of(envelope, policy, |_| {})?;
        summary.verdict(policy)?;
        let first = first.ok_or(Error::ThresholdNotMet)?;
        let env = Envelope::parse(first)?;
        let issuer = summary
            .signers
            .first()
            .and_then(|s| s.identity())
            .or(env.unverified_issuer());
        let hash_alg = env.unverified_hash_alg();
        let (coap_format, media_type) = match env.unverified_content_type() {
            ContentType::CoapFormat(n) => (Some(n), String::new()),
            ContentType::MediaType(s) => (None, copy_str(s)?),
        };
        let claims = Claims {
            alg: env.unverified_alg(),
            kid: env.unverified_kid(),
            issuer: issuer.map(copy_str).transpose()?,
            subject: copy_str(env.unverified_subject())?,
            coap_format,
            media_type,
            issued_at: env.unverified_issued_at(),
            version: env.unverified_version(),
        };
        Ok(StreamVerifier {
            signers: summary.signers,
            time_checked: policy.time().is_some(),
            expires: env.unverified_expires(),
            phase: Phase::Active,
            received: 0,
            length: env.unverified_length(),
            expected: ArtifactDigest::from_bytes(hash_alg, env.payload())?,
            hasher: ArtifactHasher::new(hash_alg),
            claims,
        })
    }

    fn check_active(&self) -> Result<(), Error> {
        match self.phase {
            Phase::Active => Ok(()),
            Phase::Finished => Err(Error::AlreadyFinished),
            Phase::Failed(e) => Err(e),
        }
    }

    fn fail(&mut self, e: Error) -> Error {
        self.phase = Phase::Failed(e);
        e
    }

    /// Absorbs the next chunk of the artifact, of any size (including empty).
    ///
    /// Fails with [`Error::ArtifactTooLong`] as soon as the bytes received exceed the signed
    /// length; those bytes are not hashed.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), Error> {
        self.check_active()?;
        let remaining = self.length - self.received;
        let n = chunk.len() as u64;
        if n > remaining {
            return Err(self.fail(Error::ArtifactTooLong));
        }
        self.hasher.update(chunk);
        self.received += n;
        Ok(())
    }

    /// Checks that exactly the signed number of bytes arrived and that their digest is the
    /// signed digest (compared in constant time), and returns the verified facts.
    pub fn finish(&mut self) -> Result<Verified, Error> {
        self.check_active()?;
        if self.received != self.length {
            return Err(self.fail(Error::ArtifactTooShort));
        }
        let alg = self.hasher.alg();
        let hasher = core::mem::replace(&mut self.hasher, ArtifactHasher::new(alg));
        let digest = hasher.finalize();
        if !digest.ct_eq(&self.expected) {
            return Err(self.fail(Error::DigestMismatch));
        }
        self.phase = Phase::Finished;
        Ok(Verified {
            signers: self.signers.clone(),
            time_checked: self.time_checked,
            expires: self.expires,
            claims: self.claims.clone(),
            length: self.length,
            digest,
        })
    }

    /// The first error this verifier met, if it has failed.
    pub fn error(&self) -> Option<Error> {
        match self.phase {
            Phase::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// Whether `finish()` has already returned facts.
    pub fn is_finished(&self) -> bool {
        self.phase == Phase::Finished
    }

    /// The signed length of the artifact in bytes (the signature has been checked).
    pub fn signed_length(&self) -> u64 {
        self.length
    }

    /// How many artifact bytes have been absorbed so far.
    pub fn bytes_received(&self) -> u64 {
        self.received
    }

    /// The hash algorithm the envelope names.
    pub fn hash_alg(&self) -> HashAlg {
        self.expected.alg()
    }
}

/// Verifies an artifact held in memory; the same path as streaming it in one chunk.
pub fn verify_slice(
    envelope: &[u8],
    artifact: &[u8],
    policy: &TrustPolicy,
) -> Result<Verified, Error> {
    let mut v = StreamVerifier::new(envelope, policy)?;
    v.update(artifact)?;
    v.finish()
}
