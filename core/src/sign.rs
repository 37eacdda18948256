//! Building envelopes (feature `sign`): no_std, no alloc, deterministic encoding.

use minicbor::encode::write::{Cursor, Write as _};
use minicbor::Encoder;

use crate::digest::ArtifactDigest;
use crate::envelope::{
    ContentType, SignatureAlg, CLAIM_EXP, CLAIM_IAT, CLAIM_ISS, CLAIM_SUB, COSE_SIGN1_TAG,
    ENVELOPE_TYPE, LABEL_ALG, LABEL_ARTIFACT_LENGTH, LABEL_CWT_CLAIMS, LABEL_KCWT, LABEL_KID,
    LABEL_PAYLOAD_HASH_ALG, LABEL_PREIMAGE_CONTENT_TYPE, LABEL_RELEASE_VERSION, LABEL_TYP,
    MAX_ENVELOPE_LEN, MAX_IDENTITY_LEN, MAX_MEDIA_TYPE_LEN, MAX_SUBJECT_LEN,
};
use crate::key::PublicKey;
use crate::verifier::sig_structure_bytes;
use crate::Error;

/// Room for the largest protected header sealkit writes.
const MAX_PROTECTED_LEN: usize = 512;

/// The largest envelope [`sign`] can produce; an output buffer of this size always suffices.
pub const MAX_SIGNED_ENVELOPE_LEN: usize = MAX_PROTECTED_LEN + 160;

/// An Ed25519 signing key. It does not `Deref` and is wiped on drop (by ed25519-compact).
pub struct SigningKey {
    pair: ed25519_compact::KeyPair,
    public: PublicKey,
}

impl SigningKey {
    /// The key for a 32-byte secret seed (RFC 8032's private key). An all-zero seed is refused.
    pub fn from_seed(seed: &[u8; 32]) -> Result<SigningKey, Error> {
        let seed = ed25519_compact::Seed::new(*seed);
        let pair =
            ed25519_compact::KeyPair::try_from_seed(seed).map_err(|_| Error::InvalidSecretKey)?;
        // A key derived from a non-zero seed is never of small order; checking anyway keeps
        // `public_key` infallible without an unreachable path.
        let public =
            PublicKey::from_bytes(pair.pk.as_ref()).map_err(|_| Error::InvalidSecretKey)?;
        Ok(SigningKey { pair, public })
    }

    /// The 32-byte secret seed, for writing a key file. The caller should wipe its copy.
    pub fn seed_bytes(&self) -> [u8; 32] {
        let mut s = [0u8; 32];
        s.copy_from_slice(self.pair.sk.seed().as_ref());
        s
    }

    /// The public key.
    pub fn public_key(&self) -> PublicKey {
        self.public
    }

    pub(crate) fn sign_raw(&self, msg: &[u8]) -> [u8; 64] {
        *self.pair.sk.sign(msg, None)
    }
}

impl core::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "SigningKey(kid {})", self.public_key().key_id())
    }
}

/// Everything an envelope states about one artifact.
#[derive(Clone, Copy, Debug)]
pub struct SignRequest<'a> {
    /// Which `alg` to write; both are Ed25519.
    pub alg: SignatureAlg,
    /// The artifact's digest (its algorithm becomes `payload_hash_alg`).
    pub digest: ArtifactDigest,
    /// The artifact's exact length in bytes.
    pub length: u64,
    /// What the artifact is.
    pub content_type: ContentType<'a>,
    /// The artifact's name (`sub`).
    pub subject: &'a str,
    /// The signer identity (`iss`), if any.
    pub issuer: Option<&'a str>,
    /// Signing time, seconds since the Unix epoch (`iat`).
    pub issued_at: u64,
    /// Release version for anti-rollback, if any.
    pub version: Option<u64>,
}

type Enc<'b> = Encoder<Cursor<&'b mut [u8]>>;

fn too_small<E>(_: E) -> Error {
    Error::BufferTooSmall
}

fn encode_protected(
    key: &PublicKey,
    req: &SignRequest<'_>,
    opts: &SignOptions<'_>,
    e: &mut Enc<'_>,
) -> Result<(), Error> {
    let mut entries = 7u64;
    if req.version.is_some() {
        entries += 1;
    }
    if opts.chain.is_some() {
        entries += 1;
    }
    e.map(entries).map_err(too_small)?;
    // Keys in deterministic order: bytewise order of their encodings,
    // 1, 4, 15, 16, 258, 259, -65537, -65538.
    e.i64(LABEL_ALG)
        .and_then(|e| e.i64(req.alg.cose_id()))
        .map_err(too_small)?;
    e.i64(LABEL_KID)
        .and_then(|e| e.bytes(key.key_id().as_bytes()))
        .map_err(too_small)?;
    // 13 `kcwt` (the certificate chain, already encoded) sorts between 4 and 15.
    if let Some(chain) = opts.chain {
        e.i64(LABEL_KCWT).map_err(too_small)?;
        e.writer_mut().write_all(chain).map_err(too_small)?;
    }
    e.i64(LABEL_CWT_CLAIMS).map_err(too_small)?;
    let claims = 2 + u64::from(req.issuer.is_some()) + u64::from(opts.expires_at.is_some());
    e.map(claims).map_err(too_small)?;
    if let Some(iss) = req.issuer {
        e.i64(CLAIM_ISS)
            .and_then(|e| e.str(iss))
            .map_err(too_small)?;
    }
    e.i64(CLAIM_SUB)
        .and_then(|e| e.str(req.subject))
        .map_err(too_small)?;
    // Claim 4 `exp` sorts between 2 `sub` and 6 `iat`.
    if let Some(exp) = opts.expires_at {
        e.i64(CLAIM_EXP)
            .and_then(|e| e.u64(exp))
            .map_err(too_small)?;
    }
    e.i64(CLAIM_IAT)
        .and_then(|e| e.u64(req.issued_at))
        .map_err(too_small)?;
    e.i64(LABEL_TYP)
        .and_then(|e| e.str(ENVELOPE_TYPE))
        .and_then(|e| e.i64(LABEL_PAYLOAD_HASH_ALG))
        .and_then(|e| e.i64(req.digest.alg().cose_id()))
        .and_then(|e| e.i64(LABEL_PREIMAGE_CONTENT_TYPE))
        .map_err(too_small)?;
    match req.content_type {
        ContentType::CoapFormat(n) => e.u16(n).map_err(too_small)?,
        ContentType::MediaType(s) => e.str(s).map_err(too_small)?,
    };
    e.i64(LABEL_ARTIFACT_LENGTH)
        .and_then(|e| e.u64(req.length))
        .map_err(too_small)?;
    if let Some(v) = req.version {
        e.i64(LABEL_RELEASE_VERSION)
            .and_then(|e| e.u64(v))
            .map_err(too_small)?;
    }
    Ok(())
}

/// Signs `req` with `key` and writes the envelope (the exact bytes of a `.sig` file) into `out`.
/// Returns the number of bytes written. A buffer of [`MAX_SIGNED_ENVELOPE_LEN`] always suffices.
pub fn sign(key: &SigningKey, req: &SignRequest<'_>, out: &mut [u8]) -> Result<usize, Error> {
    sign_with(key, req, &SignOptions::default(), out)
}

/// The largest envelope [`sign_with`] can produce with a chain: the envelope limit. An output
/// buffer of this size always suffices; without a chain [`MAX_SIGNED_ENVELOPE_LEN`] does.
pub const MAX_CHAINED_ENVELOPE_LEN: usize = MAX_ENVELOPE_LEN;

/// What an envelope may carry beyond a [`SignRequest`]: the signing key's certificate chain and
/// an expiry. The default (neither) gives exactly what [`sign`] writes.
#[derive(Clone, Copy, Debug, Default)]
pub struct SignOptions<'a> {
    /// The `kcwt` value: one certificate, or an array of 2 to 4 certificates, leaf first, as
    /// written by [`encode_chain`](crate::encode_chain). The leaf must certify the signing key.
    pub chain: Option<&'a [u8]>,
    /// The envelope's `exp` claim (seconds since the Unix epoch): verifiers with a clock refuse
    /// it from then on (freeze protection).
    pub expires_at: Option<u64>,
}

/// [`sign`] with a certificate chain and/or an expiry. A buffer of [`MAX_SIGNED_ENVELOPE_LEN`]
/// suffices without a chain, one of [`MAX_CHAINED_ENVELOPE_LEN`] with one; an envelope over the
/// envelope limit is refused with [`Error::ArgumentTooLong`]. The chain must parse and its leaf
/// must certify `key` ([`Error::UntrustedKey`] otherwise); the verifier checks the rest.
pub fn sign_with(
    key: &SigningKey,
    req: &SignRequest<'_>,
    opts: &SignOptions<'_>,
    out: &mut [u8],
) -> Result<usize, Error> {
    match opts.chain {
        None => sign_inner::<MAX_PROTECTED_LEN, { MAX_PROTECTED_LEN + 96 }>(key, req, opts, out),
        Some(chain) => {
            if chain.is_empty() {
                return Err(Error::EmptyArgument);
            }
            if chain.len() > MAX_ENVELOPE_LEN {
                return Err(Error::ArgumentTooLong);
            }
            // The leaf must certify the signing key, or no verifier would accept the envelope.
            let certs = crate::cert::parse_chain(chain)?;
            let leaf = certs.first().ok_or(Error::BadCertificate)?;
            if leaf.unverified_key().key_id() != key.public_key().key_id() {
                return Err(Error::UntrustedKey);
            }
            sign_inner::<MAX_ENVELOPE_LEN, { MAX_ENVELOPE_LEN + 96 }>(key, req, opts, out)
        }
    }
}

/// The signing itself, with buffers of `P` bytes for the protected header and `T` for the
/// to-be-signed bytes: small without a chain (the common case, kept light on the stack).
fn sign_inner<const P: usize, const T: usize>(
    key: &SigningKey,
    req: &SignRequest<'_>,
    opts: &SignOptions<'_>,
    out: &mut [u8],
) -> Result<usize, Error> {
    if req.subject.is_empty()
        || req.issuer.is_some_and(str::is_empty)
        || matches!(req.content_type, ContentType::MediaType(""))
    {
        return Err(Error::EmptyArgument);
    }
    if req.subject.len() > MAX_SUBJECT_LEN
        || req.issuer.is_some_and(|s| s.len() > MAX_IDENTITY_LEN)
        || matches!(req.content_type, ContentType::MediaType(s) if s.len() > MAX_MEDIA_TYPE_LEN)
    {
        return Err(Error::ArgumentTooLong);
    }
    let public = key.public_key();

    let mut protected = [0u8; P];
    let mut e = Encoder::new(Cursor::new(&mut protected[..]));
    encode_protected(&public, req, opts, &mut e).map_err(|err| {
        if opts.chain.is_some() {
            Error::ArgumentTooLong
        } else {
            err
        }
    })?;
    let plen = e.writer().position();
    let protected = protected.get(..plen).ok_or(Error::BufferTooSmall)?;
    let payload = req.digest.as_bytes();
    // Refuse an envelope over the limit before signing (a long chain is the only way there).
    if envelope_len(plen, payload.len()) > MAX_ENVELOPE_LEN {
        return Err(Error::ArgumentTooLong);
    }

    sign1_attached::<T>(key, protected, payload, out)
}

/// Signs `payload` as a tagged COSE_Sign1 with an attached payload and an empty unprotected
/// header, `#6.18([protected, {}, payload, signature])`, over the standard `Sig_structure`,
/// written into `out`. The to-be-signed bytes are small and bounded, so a stack buffer of `T`
/// bytes holds them. Envelopes, certificates, rotation statements and receipts all use this.
pub(crate) fn sign1_attached<const T: usize>(
    key: &SigningKey,
    protected: &[u8],
    payload: &[u8],
    out: &mut [u8],
) -> Result<usize, Error> {
    let mut tbs = [0u8; T];
    let tlen = sig_structure_bytes(protected, payload, &mut tbs)?;
    let signature = key.sign_raw(tbs.get(..tlen).ok_or(Error::BufferTooSmall)?);

    let mut e = Encoder::new(Cursor::new(out));
    e.tag(minicbor::data::Tag::new(COSE_SIGN1_TAG))
        .and_then(|e| e.array(4))
        .and_then(|e| e.bytes(protected))
        .and_then(|e| e.map(0))
        .and_then(|e| e.bytes(payload))
        .and_then(|e| e.bytes(&signature))
        .map_err(too_small)?;
    Ok(e.writer().position())
}

/// The length of a CBOR head for an argument of `n`.
const fn head_len(n: usize) -> usize {
    if n < 24 {
        1
    } else if n <= 0xff {
        2
    } else if n <= 0xffff {
        3
    } else {
        5
    }
}

/// The length of the envelope for a protected header of `plen` bytes and a digest of `dlen`:
/// tag, array head, the three byte strings and the empty map.
const fn envelope_len(plen: usize, dlen: usize) -> usize {
    2 + head_len(plen) + plen + 1 + head_len(dlen) + dlen + head_len(64) + 64
}
