//! The signing side of trust (feature `sign`, still no_std, no alloc): key certificates,
//! certificate chains for the `kcwt` header, rotation statements and signature sets.
//!
//! Every encoding here is deterministic (RFC 8949 section 4.2: shortest heads, definite
//! lengths, map keys in bytewise order of their encodings) and matches `docs/FORMAT.md`
//! exactly, so that the same inputs always give the same bytes.

use minicbor::encode::write::{Cursor, Write as _};
use minicbor::Encoder;

use crate::cert::{
    Certificate, CERT_TYPE, CLAIM_CA, CLAIM_CNF, CLAIM_CTI, CLAIM_NBF, CLAIM_SCOPE, MAX_CA_DEPTH,
    MAX_CERT_ID_LEN, MAX_CERT_LEN, MAX_CHAIN_LEN, MAX_NAME_LEN, MAX_SCOPE_PATTERNS,
};
use crate::envelope::{
    Envelope, SignatureAlg, CLAIM_EXP, CLAIM_IAT, CLAIM_ISS, CLAIM_SUB, COSE_SIGN1_TAG, LABEL_ALG,
    LABEL_KID, LABEL_TYP, MAX_ENVELOPE_LEN,
};
use crate::key::PublicKey;
use crate::policy::MAX_SIGNERS;
use crate::rotation::ROTATION_TYPE;
use crate::set::{SignatureFile, MAX_SIGNATURE_SET_LEN};
use crate::sign::{sign1_attached, SigningKey};
use crate::timestamp::{
    digest_of, TimestampReceipt, CLAIM_ENVELOPE_DIGEST, LABEL_TIMESTAMP, TIMESTAMP_TYPE,
};
use crate::Error;

/// The largest encoded chain: [`MAX_CHAIN_LEN`] certificates and an array head. A buffer of
/// this size always suffices for [`encode_chain`].
pub const MAX_ENCODED_CHAIN_LEN: usize = MAX_CHAIN_LEN * MAX_CERT_LEN + 1;

// `cnf` member and COSE_Key labels (RFC 8747, RFC 9053).
const CNF_COSE_KEY: i64 = 1;
const COSE_KEY_KTY: i64 = 1;
const COSE_KEY_CRV: i64 = -1;
const COSE_KEY_X: i64 = -2;
const KTY_OKP: i64 = 1;
const CRV_ED25519: i64 = 6;

/// The room for a certificate's or a rotation's payload (claims) and protected header.
const MAX_CLAIMS_LEN: usize = MAX_CERT_LEN;
const MAX_CWT_PROTECTED_LEN: usize = 64;

type Enc<'b> = Encoder<Cursor<&'b mut [u8]>>;

fn too_small<E>(_: E) -> Error {
    Error::BufferTooSmall
}

/// What a key certificate states: who issues it, the identity it grants, the key it certifies,
/// when it is valid, its id, and optionally the subjects it may sign and how deep it may
/// certify.
#[derive(Clone, Copy, Debug)]
pub struct CertRequest<'a> {
    /// Which `alg` to write; both are Ed25519.
    pub alg: SignatureAlg,
    /// `iss`: the issuer's name (a policy root's `name`, or the issuing certificate's `sub`).
    pub issuer: &'a str,
    /// `sub`: the identity granted to the certified key.
    pub subject: &'a str,
    /// `cnf`: the certified key.
    pub key: PublicKey,
    /// `nbf`: valid from (seconds since the Unix epoch).
    pub not_before: u64,
    /// `exp`: valid until, exclusive (seconds since the Unix epoch); must be after `not_before`.
    pub expires_at: u64,
    /// `cti`: the certificate id (1 to 16 bytes), for revocation.
    pub cti: &'a [u8],
    /// Scope patterns (0 to 4): the artifact subjects the key may sign. Empty = not restricted
    /// at this link (the claim is omitted).
    pub scope: &'a [&'a str],
    /// `ca` (1 to 8): the certified key may certify others, with at most this many
    /// certificates below it. `None` = a leaf, which may only sign envelopes.
    pub ca: Option<u8>,
}

fn check_text(s: &str, max: usize) -> Result<(), Error> {
    if s.is_empty() {
        Err(Error::EmptyArgument)
    } else if s.len() > max {
        Err(Error::ArgumentTooLong)
    } else {
        Ok(())
    }
}

fn check_request(req: &CertRequest<'_>) -> Result<(), Error> {
    check_text(req.issuer, MAX_NAME_LEN)?;
    check_text(req.subject, MAX_NAME_LEN)?;
    if req.cti.is_empty() {
        return Err(Error::EmptyArgument);
    }
    if req.cti.len() > MAX_CERT_ID_LEN || req.scope.len() > MAX_SCOPE_PATTERNS {
        return Err(Error::ArgumentTooLong);
    }
    for p in req.scope {
        check_text(p, MAX_NAME_LEN)?;
    }
    // A certificate that could never be valid, or a `ca` outside 1..8, is not a certificate
    // the format allows: refuse to write one.
    if req.not_before >= req.expires_at {
        return Err(Error::BadCertificate);
    }
    if let Some(ca) = req.ca {
        if ca == 0 || u64::from(ca) > MAX_CA_DEPTH {
            return Err(Error::BadCertificate);
        }
    }
    Ok(())
}

/// `{1: {1: 1, -1: 6, -2: x}}`: a `cnf` holding an Ed25519 COSE_Key.
fn encode_cnf(key: &PublicKey, e: &mut Enc<'_>) -> Result<(), Error> {
    e.map(1)
        .and_then(|e| e.i64(CNF_COSE_KEY))
        .and_then(|e| e.map(3))
        .and_then(|e| e.i64(COSE_KEY_KTY))
        .and_then(|e| e.i64(KTY_OKP))
        .and_then(|e| e.i64(COSE_KEY_CRV))
        .and_then(|e| e.i64(CRV_ED25519))
        .and_then(|e| e.i64(COSE_KEY_X))
        .and_then(|e| e.bytes(key.as_bytes()))
        .map_err(too_small)?;
    Ok(())
}

fn encode_claims(req: &CertRequest<'_>, e: &mut Enc<'_>) -> Result<(), Error> {
    let mut entries = 6u64;
    if !req.scope.is_empty() {
        entries += 1;
    }
    if req.ca.is_some() {
        entries += 1;
    }
    // Keys in deterministic order: 1, 2, 4, 5, 7, 8, -65539, -65540.
    e.map(entries)
        .and_then(|e| e.i64(CLAIM_ISS))
        .and_then(|e| e.str(req.issuer))
        .and_then(|e| e.i64(CLAIM_SUB))
        .and_then(|e| e.str(req.subject))
        .and_then(|e| e.i64(CLAIM_EXP))
        .and_then(|e| e.u64(req.expires_at))
        .and_then(|e| e.i64(CLAIM_NBF))
        .and_then(|e| e.u64(req.not_before))
        .and_then(|e| e.i64(CLAIM_CTI))
        .and_then(|e| e.bytes(req.cti))
        .and_then(|e| e.i64(CLAIM_CNF))
        .map_err(too_small)?;
    encode_cnf(&req.key, e)?;
    if !req.scope.is_empty() {
        e.i64(CLAIM_SCOPE)
            .and_then(|e| e.array(req.scope.len() as u64))
            .map_err(too_small)?;
        for p in req.scope {
            e.str(p).map_err(too_small)?;
        }
    }
    if let Some(ca) = req.ca {
        e.i64(CLAIM_CA).and_then(|e| e.u8(ca)).map_err(too_small)?;
    }
    Ok(())
}

/// `{1: alg, 4: kid, 16: typ}`.
fn encode_cwt_protected(
    alg: SignatureAlg,
    signer: &PublicKey,
    typ: &str,
    e: &mut Enc<'_>,
) -> Result<(), Error> {
    e.map(3)
        .and_then(|e| e.i64(LABEL_ALG))
        .and_then(|e| e.i64(alg.cose_id()))
        .and_then(|e| e.i64(LABEL_KID))
        .and_then(|e| e.bytes(signer.key_id().as_bytes()))
        .and_then(|e| e.i64(LABEL_TYP))
        .and_then(|e| e.str(typ))
        .map_err(too_small)?;
    Ok(())
}

/// Signs `payload` as a CWT-style COSE_Sign1 of type `typ` (certificate, rotation statement,
/// timestamp receipt): protected header `{1: alg, 4: kid, 16: typ}`, written into `out`.
fn sign_cwt(
    key: &SigningKey,
    alg: SignatureAlg,
    typ: &str,
    payload: &[u8],
    out: &mut [u8],
) -> Result<usize, Error> {
    let mut protected = [0u8; MAX_CWT_PROTECTED_LEN];
    let mut e = Encoder::new(Cursor::new(&mut protected[..]));
    encode_cwt_protected(alg, &key.public_key(), typ, &mut e)?;
    let plen = e.writer().position();
    let protected = protected.get(..plen).ok_or(Error::BufferTooSmall)?;
    sign1_attached::<{ MAX_CWT_PROTECTED_LEN + MAX_CLAIMS_LEN + 32 }>(key, protected, payload, out)
}

/// Issues a key certificate: `issuer` certifies `req.key` for the identity `req.subject`.
/// Writes the certificate (a CWT signed as a COSE_Sign1, `docs/FORMAT.md`) into `out` and
/// returns its length. A buffer of [`MAX_CERT_LEN`] always suffices; a
/// certificate longer than that is refused with [`Error::ArgumentTooLong`].
pub fn issue_certificate(
    issuer: &SigningKey,
    req: &CertRequest<'_>,
    out: &mut [u8],
) -> Result<usize, Error> {
    check_request(req)?;
    let mut claims = [0u8; MAX_CLAIMS_LEN];
    let mut e = Encoder::new(Cursor::new(&mut claims[..]));
    encode_claims(req, &mut e).map_err(|_| Error::ArgumentTooLong)?;
    let clen = e.writer().position();
    let claims = claims.get(..clen).ok_or(Error::BufferTooSmall)?;

    let mut cert = [0u8; MAX_CERT_LEN];
    let n = sign_cwt(issuer, req.alg, CERT_TYPE, claims, &mut cert)
        .map_err(|_| Error::ArgumentTooLong)?;
    let cert = cert.get(..n).ok_or(Error::BufferTooSmall)?;
    out.get_mut(..n)
        .ok_or(Error::BufferTooSmall)?
        .copy_from_slice(cert);
    Ok(n)
}

/// Signs a rotation statement: `old_root` hands its trust to `new_root` (`docs/FORMAT.md`).
/// `issued_at` is the signing time. Writes the statement into `out` and returns its length; a
/// buffer of [`MAX_ROTATION_LEN`](crate::MAX_ROTATION_LEN) always suffices. Rotating a key to itself is refused with
/// [`Error::DuplicateKey`].
pub fn sign_rotation(
    old_root: &SigningKey,
    new_root: &PublicKey,
    issued_at: u64,
    out: &mut [u8],
) -> Result<usize, Error> {
    if old_root.public_key().key_id() == new_root.key_id() {
        return Err(Error::DuplicateKey);
    }
    let mut payload = [0u8; 64];
    let mut e = Encoder::new(Cursor::new(&mut payload[..]));
    e.map(2)
        .and_then(|e| e.i64(CLAIM_IAT))
        .and_then(|e| e.u64(issued_at))
        .and_then(|e| e.i64(CLAIM_CNF))
        .map_err(too_small)?;
    encode_cnf(new_root, &mut e)?;
    let n = e.writer().position();
    let payload = payload.get(..n).ok_or(Error::BufferTooSmall)?;
    sign_cwt(old_root, SignatureAlg::Ed25519, ROTATION_TYPE, payload, out)
}

/// Assembles a `kcwt` chain value from certificates, leaf first: one certificate alone (the
/// item itself), or an array of 2 to 4 certificates (RFC 9360's x5chain convention). Writes it
/// into `out` and returns its length; a buffer of [`MAX_ENCODED_CHAIN_LEN`] always suffices.
///
/// Each certificate must parse ([`Error::BadCertificate`] otherwise) and certify the key that
/// signed the one before it (its `cnf` key id equals the previous certificate's `kid`, else
/// [`Error::UnknownIssuer`]). Signatures, validity, scopes and the policy are the verifier's
/// business.
pub fn encode_chain(certs: &[&[u8]], out: &mut [u8]) -> Result<usize, Error> {
    if certs.is_empty() {
        return Err(Error::EmptyArgument);
    }
    if certs.len() > MAX_CHAIN_LEN {
        return Err(Error::BadCertificate);
    }
    let mut below: Option<Certificate<'_>> = None;
    for c in certs {
        let cert = Certificate::parse(c)?;
        if let Some(lower) = &below {
            if cert.unverified_key().key_id() != lower.unverified_issuer_kid() {
                return Err(Error::UnknownIssuer);
            }
        }
        below = Some(cert);
    }
    let mut w = Cursor::new(out);
    if let [only] = certs {
        w.write_all(only).map_err(too_small)?;
    } else {
        // 2..4 items: the array head is one byte.
        w.write_all(&[0x80 | certs.len() as u8])
            .map_err(too_small)?;
        for c in certs {
            w.write_all(c).map_err(too_small)?;
        }
    }
    Ok(w.position())
}

/// Whether two envelopes state the same artifact: hash algorithm, digest, length, content
/// type, subject and version.
fn same_artifact(a: &Envelope<'_>, b: &Envelope<'_>) -> bool {
    a.unverified_hash_alg() == b.unverified_hash_alg()
        && a.unverified_digest() == b.unverified_digest()
        && a.unverified_length() == b.unverified_length()
        && a.unverified_content_type() == b.unverified_content_type()
        && a.unverified_subject() == b.unverified_subject()
        && a.unverified_version() == b.unverified_version()
}

/// Adds `new_envelope` to a signature file: one envelope becomes a set of two, a set gains one
/// more (at most [`MAX_SIGNERS`](crate::MAX_SIGNERS) envelopes and
/// [`MAX_SIGNATURE_SET_LEN`](crate::MAX_SIGNATURE_SET_LEN) bytes, else
/// [`Error::BadSignatureSet`]). The existing envelopes' bytes are copied unchanged. Refuses an
/// envelope that does not state the same artifact ([`Error::SignatureSetMismatch`]) and a second
/// envelope by the same key ([`Error::DuplicateKey`]). The existing file is parsed exactly as the
/// verifier parses it. Signatures are not checked here: the verifier checks every envelope
/// against its policy.
pub fn append_signature(
    existing_sig: &[u8],
    new_envelope: &[u8],
    out: &mut [u8],
) -> Result<usize, Error> {
    let new = Envelope::parse(new_envelope)?;
    let file = SignatureFile::parse(existing_sig)?;
    for item in file.envelopes() {
        let env = Envelope::parse(item)?;
        if !same_artifact(&env, &new) {
            return Err(Error::SignatureSetMismatch);
        }
        if env.unverified_kid() == new.unverified_kid() {
            return Err(Error::DuplicateKey);
        }
    }
    let count = file.envelopes().len() + 1;
    if count > MAX_SIGNERS {
        return Err(Error::BadSignatureSet);
    }
    let total = 1 + file.envelopes().iter().map(|e| e.len()).sum::<usize>() + new_envelope.len();
    if total > MAX_SIGNATURE_SET_LEN {
        return Err(Error::BadSignatureSet);
    }
    let mut w = Cursor::new(out);
    // At most 8 items: the array head is one byte.
    w.write_all(&[0x80 | count as u8]).map_err(too_small)?;
    for item in file.envelopes() {
        w.write_all(item).map_err(too_small)?;
    }
    w.write_all(new_envelope).map_err(too_small)?;
    Ok(w.position())
}

/// Signs a timestamp receipt: the authority `tsa` states that the envelope whose
/// [`envelope_digest`](crate::envelope_digest) is `envelope_digest` existed at `time` (seconds
/// since the Unix epoch). Writes the receipt (`docs/FORMAT.md`, "Timestamp receipts") into `out`
/// and returns its length; a buffer of [`MAX_RECEIPT_LEN`](crate::MAX_RECEIPT_LEN) always suffices.
pub fn sign_timestamp(
    tsa: &SigningKey,
    envelope_digest: &[u8; 32],
    time: u64,
    out: &mut [u8],
) -> Result<usize, Error> {
    let mut payload = [0u8; 64];
    let mut e = Encoder::new(Cursor::new(&mut payload[..]));
    // Keys in bytewise order of their encodings: 6 (0x06) before -65541 (0x3a...).
    e.map(2)
        .and_then(|e| e.i64(CLAIM_IAT))
        .and_then(|e| e.u64(time))
        .and_then(|e| e.i64(CLAIM_ENVELOPE_DIGEST))
        .and_then(|e| e.bytes(envelope_digest))
        .map_err(too_small)?;
    let n = e.writer().position();
    let payload = payload.get(..n).ok_or(Error::BufferTooSmall)?;
    sign_cwt(tsa, SignatureAlg::Ed25519, TIMESTAMP_TYPE, payload, out)
}

/// Attaches a timestamp receipt to a single envelope: writes the envelope with the receipt in
/// its unprotected header (label [`LABEL_TIMESTAMP`]) into `out` and returns its length. The
/// signed bytes are unchanged. Refuses a receipt that does not parse
/// ([`Error::BadTimestampReceipt`]) or names another envelope
/// ([`Error::TimestampDigestMismatch`]), an envelope that already carries one
/// ([`Error::UnprotectedHeaderNotEmpty`]), and a result over
/// [`MAX_ENVELOPE_LEN`] ([`Error::EnvelopeTooLarge`]). Whether the receipt's key is trusted is
/// the verifier's business.
pub fn attach_receipt(envelope: &[u8], receipt: &[u8], out: &mut [u8]) -> Result<usize, Error> {
    let env = Envelope::parse(envelope)?;
    if env.unverified_receipt().is_some() {
        return Err(Error::UnprotectedHeaderNotEmpty);
    }
    let stamp = TimestampReceipt::parse(receipt)?;
    if stamp.unverified_digest() != &digest_of(&env) {
        return Err(Error::TimestampDigestMismatch);
    }
    let mut w = Cursor::new(&mut *out);
    let mut e = Encoder::new(&mut w);
    e.tag(minicbor::data::Tag::new(COSE_SIGN1_TAG))
        .and_then(|e| e.array(4))
        .and_then(|e| e.bytes(env.protected_bytes()))
        .and_then(|e| e.map(1))
        .and_then(|e| e.i64(LABEL_TIMESTAMP))
        .map_err(too_small)?;
    w.write_all(receipt).map_err(too_small)?;
    let mut e = Encoder::new(&mut w);
    e.bytes(env.payload())
        .and_then(|e| e.bytes(env.signature()))
        .map_err(too_small)?;
    let n = w.position();
    if n > MAX_ENVELOPE_LEN {
        return Err(Error::EnvelopeTooLarge);
    }
    Ok(n)
}
