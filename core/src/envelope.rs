//! The sealkit envelope: a tagged COSE_Sign1 in the COSE hash envelope style (RFC 9995).
//!
//! Parsing is strict and fails closed; see `docs/FORMAT.md` for the format and the reasons.
//! Everything an [`Envelope`] says is *unverified*: facts become trustworthy only when a
//! [`StreamVerifier`](crate::StreamVerifier) has checked the signature, the policy and the
//! artifact, and hands them out from `finish()`.

use crate::cbor::{KeyOrder, Reader};
use crate::cert::check_chain_value;
use crate::digest::HashAlg;
use crate::key::KeyId;
use crate::timestamp::{TimestampReceipt, LABEL_TIMESTAMP};
use crate::Error;

/// CBOR tag of a COSE_Sign1 (RFC 9052).
pub const COSE_SIGN1_TAG: u64 = 18;
/// The `typ` (16) of every sealkit envelope (RFC 9596), so that it can never be mistaken for
/// another COSE message signed by the same key.
pub const ENVELOPE_TYPE: &str = "application/vnd.sealkit+cose";

/// Header label: algorithm.
pub const LABEL_ALG: i64 = 1;
/// Header label: critical headers.
pub const LABEL_CRIT: i64 = 2;
/// Header label: content type (forbidden in a hash envelope).
pub const LABEL_CONTENT_TYPE: i64 = 3;
/// Header label: key id.
pub const LABEL_KID: i64 = 4;
/// Header label: `kcwt`, the signing key's certificate chain (RFC 9528).
pub const LABEL_KCWT: i64 = 13;
/// Header label: CWT claims (RFC 9597).
pub const LABEL_CWT_CLAIMS: i64 = 15;
/// Header label: `typ` (RFC 9596).
pub const LABEL_TYP: i64 = 16;
/// Header label: `payload_hash_alg` (RFC 9995).
pub const LABEL_PAYLOAD_HASH_ALG: i64 = 258;
/// Header label: `payload_preimage_content_type` (RFC 9995).
pub const LABEL_PREIMAGE_CONTENT_TYPE: i64 = 259;
/// Private-use header label: the artifact's exact length in bytes (unsigned integer).
pub const LABEL_ARTIFACT_LENGTH: i64 = -65537;
/// Private-use header label: the release version for anti-rollback (unsigned integer).
pub const LABEL_RELEASE_VERSION: i64 = -65538;
/// The pre-RFC private hash-envelope labels, rejected on sight.
pub const LEGACY_HASH_ENVELOPE_LABELS: core::ops::RangeInclusive<i64> = -6802..=-6800;

/// CWT claim: issuer, the signer's identity.
pub const CLAIM_ISS: i64 = 1;
/// CWT claim: subject, the artifact's name.
pub const CLAIM_SUB: i64 = 2;
/// CWT claim: expiry of the signature (seconds since the Unix epoch), optional.
pub const CLAIM_EXP: i64 = 4;
/// CWT claim: issued at, the signing time (seconds since the Unix epoch).
pub const CLAIM_IAT: i64 = 6;

/// The longest signer identity (`iss`), in bytes.
pub const MAX_IDENTITY_LEN: usize = 128;
/// The longest artifact name (`sub`), in bytes.
pub const MAX_SUBJECT_LEN: usize = 128;
/// The longest media type in `payload_preimage_content_type`, in bytes.
pub const MAX_MEDIA_TYPE_LEN: usize = 64;
/// The largest envelope accepted, in bytes.
pub const MAX_ENVELOPE_LEN: usize = 4096;
/// How many labels `crit` may list.
pub const MAX_CRIT_LABELS: usize = 6;

/// CoAP Content-Format number for `application/octet-stream`.
pub const COAP_OCTET_STREAM: u16 = 42;

/// The signature algorithm named in `alg`. Both mean Ed25519 with a 32-byte key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureAlg {
    /// `Ed25519`, COSE -19 (RFC 9864): the default.
    Ed25519,
    /// `EdDSA`, COSE -8 (RFC 9053): for COSE libraries that lack -19.
    EdDsa,
}

impl SignatureAlg {
    /// The COSE algorithm identifier.
    pub const fn cose_id(self) -> i64 {
        match self {
            SignatureAlg::Ed25519 => -19,
            SignatureAlg::EdDsa => -8,
        }
    }

    /// The algorithm with this COSE identifier.
    pub const fn from_cose_id(id: i64) -> Result<SignatureAlg, Error> {
        match id {
            -19 => Ok(SignatureAlg::Ed25519),
            -8 => Ok(SignatureAlg::EdDsa),
            _ => Err(Error::UnsupportedAlgorithm),
        }
    }

    /// A short name: `"Ed25519"` or `"EdDSA"`.
    pub const fn name(self) -> &'static str {
        match self {
            SignatureAlg::Ed25519 => "Ed25519",
            SignatureAlg::EdDsa => "EdDSA",
        }
    }
}

/// What the artifact is (`payload_preimage_content_type`, 259): a CoAP Content-Format number
/// or a media type string, as RFC 9995 allows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ContentType<'a> {
    /// A CoAP Content-Format number (42 is `application/octet-stream`).
    CoapFormat(u16),
    /// A media type such as `application/vnd.oci.image.manifest.v1+json`.
    MediaType(&'a str),
}

impl<'a> ContentType<'a> {
    /// `application/octet-stream`, encoded compactly as CoAP Content-Format 42.
    pub const OCTET_STREAM: ContentType<'static> = ContentType::CoapFormat(COAP_OCTET_STREAM);

    /// The compact form for a media type: the CoAP number where sealkit knows one.
    pub fn from_media_type(media_type: &'a str) -> ContentType<'a> {
        if media_type == "application/octet-stream" {
            ContentType::OCTET_STREAM
        } else {
            ContentType::MediaType(media_type)
        }
    }

    /// The media type as text, where it is known (always for strings; for CoAP numbers that
    /// sealkit knows).
    pub fn media_type(&self) -> Option<&'a str> {
        match *self {
            ContentType::MediaType(s) => Some(s),
            ContentType::CoapFormat(COAP_OCTET_STREAM) => Some("application/octet-stream"),
            ContentType::CoapFormat(_) => None,
        }
    }
}

/// A parsed, **unverified** envelope borrowing from the input bytes.
#[derive(Clone, Copy, Debug)]
pub struct Envelope<'a> {
    protected: &'a [u8],
    alg: SignatureAlg,
    kid: KeyId,
    hash_alg: HashAlg,
    content_type: ContentType<'a>,
    issuer: Option<&'a str>,
    subject: &'a str,
    issued_at: u64,
    length: u64,
    version: Option<u64>,
    expires: Option<u64>,
    chain: Option<&'a [u8]>,
    receipt: Option<&'a [u8]>,
    payload: &'a [u8],
    signature: [u8; 64],
}

#[derive(Default)]
struct Claims<'a> {
    issuer: Option<&'a str>,
    subject: Option<&'a str>,
    expires: Option<u64>,
    issued_at: Option<u64>,
}

/// A text field of 1 to `max` bytes.
fn text_field<'a>(r: &mut Reader<'a>, max: usize) -> Result<&'a str, Error> {
    let s = r.text(Error::BadFieldType)?;
    if s.is_empty() {
        return Err(Error::EmptyField);
    }
    if s.len() > max {
        return Err(Error::FieldTooLong);
    }
    Ok(s)
}

fn parse_claims<'a>(r: &mut Reader<'a>) -> Result<Claims<'a>, Error> {
    let n = r.map(Error::BadFieldType)?;
    let mut claims = Claims::default();
    let mut order = KeyOrder::new();
    for _ in 0..n {
        let key_start = r.position();
        let key = r.int(Error::UnknownClaim)?;
        let key_bytes = r.since(key_start);
        match key {
            CLAIM_ISS => {
                if claims.issuer.is_some() {
                    return Err(Error::DuplicateLabel);
                }
                order.next(key_bytes)?;
                claims.issuer = Some(text_field(r, MAX_IDENTITY_LEN)?);
            }
            CLAIM_SUB => {
                if claims.subject.is_some() {
                    return Err(Error::DuplicateLabel);
                }
                order.next(key_bytes)?;
                claims.subject = Some(text_field(r, MAX_SUBJECT_LEN)?);
            }
            CLAIM_EXP => {
                if claims.expires.is_some() {
                    return Err(Error::DuplicateLabel);
                }
                order.next(key_bytes)?;
                claims.expires = Some(r.uint(Error::BadFieldType)?);
            }
            CLAIM_IAT => {
                if claims.issued_at.is_some() {
                    return Err(Error::DuplicateLabel);
                }
                order.next(key_bytes)?;
                claims.issued_at = Some(r.uint(Error::BadFieldType)?);
            }
            _ => return Err(Error::UnknownClaim),
        }
    }
    Ok(claims)
}

/// The pieces of the protected header, before the mandatory-field checks.
#[derive(Default)]
struct Protected<'a> {
    alg: Option<SignatureAlg>,
    kid: Option<KeyId>,
    chain: Option<&'a [u8]>,
    claims: Option<Claims<'a>>,
    hash_alg: Option<HashAlg>,
    content_type: Option<ContentType<'a>>,
    length: Option<u64>,
    version: Option<u64>,
    typ: bool,
    crit: heapless::Vec<i64, MAX_CRIT_LABELS>,
}

impl Protected<'_> {
    /// Whether `label` has been read already; unknown labels are refused.
    fn has(&self, label: i64) -> Result<bool, Error> {
        Ok(match label {
            LABEL_ALG => self.alg.is_some(),
            // An empty crit is refused when read, so a crit that was read is never empty.
            LABEL_CRIT => !self.crit.is_empty(),
            LABEL_KID => self.kid.is_some(),
            LABEL_KCWT => self.chain.is_some(),
            LABEL_CWT_CLAIMS => self.claims.is_some(),
            LABEL_TYP => self.typ,
            LABEL_PAYLOAD_HASH_ALG => self.hash_alg.is_some(),
            LABEL_PREIMAGE_CONTENT_TYPE => self.content_type.is_some(),
            LABEL_ARTIFACT_LENGTH => self.length.is_some(),
            LABEL_RELEASE_VERSION => self.version.is_some(),
            _ => return Err(Error::UnknownHeader),
        })
    }

    /// Whether `crit` may name `label`: it must be present and understood. `crit` itself and
    /// `alg`/`kid`, which RFC 9052 says never to list, are refused.
    fn may_be_critical(&self, label: i64) -> bool {
        !matches!(label, LABEL_ALG | LABEL_CRIT | LABEL_KID) && self.has(label) == Ok(true)
    }
}

fn parse_protected(bytes: &[u8]) -> Result<Protected<'_>, Error> {
    // RFC 9052 section 3: a zero-length bstr encodes an empty protected header. The envelope is
    // complete, so report the first missing mandatory field, not a truncation.
    if bytes.is_empty() {
        return Ok(Protected::default());
    }
    let mut r = Reader::new(bytes);
    let n = r.map(Error::BadSign1Structure)?;
    let mut p = Protected::default();
    let mut order = KeyOrder::new();
    for _ in 0..n {
        let key_start = r.position();
        // Text labels are legal COSE but sealkit defines none, so they are unknown headers.
        let label = r.int(Error::UnknownHeader)?;
        let key_bytes = r.since(key_start);
        if label == LABEL_CONTENT_TYPE {
            return Err(Error::ContentTypePresent);
        }
        if LEGACY_HASH_ENVELOPE_LABELS.contains(&label) {
            return Err(Error::LegacyHashEnvelopeLabel);
        }
        if p.has(label)? {
            return Err(Error::DuplicateLabel);
        }
        order.next(key_bytes)?;
        match label {
            LABEL_ALG => {
                let id = r.int(Error::UnsupportedAlgorithm)?;
                p.alg = Some(SignatureAlg::from_cose_id(id)?);
            }
            LABEL_CRIT => {
                let count = r.array(Error::BadFieldType)?;
                if count == 0 || count > MAX_CRIT_LABELS as u64 {
                    return Err(Error::UnknownCriticalHeader);
                }
                // One encoding per header: entries in the same bytewise order as map keys,
                // which also refuses a label listed twice.
                let mut crit_order = KeyOrder::new();
                for _ in 0..count {
                    let start = r.position();
                    let l = r.int(Error::UnknownCriticalHeader)?;
                    crit_order.next(r.since(start))?;
                    p.crit.push(l).map_err(|_| Error::UnknownCriticalHeader)?;
                }
            }
            LABEL_KID => {
                let kid = r.bytes(Error::BadFieldType)?;
                let kid: [u8; 8] = kid.try_into().map_err(|_| Error::BadKeyIdLength)?;
                p.kid = Some(KeyId(kid));
            }
            LABEL_KCWT => {
                // Validated in full here (strictly, every certificate); kept as raw bytes so the
                // envelope stays small, and parsed again when the chain is verified.
                let start = r.position();
                check_chain_value(&mut r)?;
                p.chain = Some(r.since(start));
            }
            LABEL_CWT_CLAIMS => p.claims = Some(parse_claims(&mut r)?),
            LABEL_TYP => {
                let t = r.text(Error::WrongEnvelopeType)?;
                if t != ENVELOPE_TYPE {
                    return Err(Error::WrongEnvelopeType);
                }
                p.typ = true;
            }
            LABEL_PAYLOAD_HASH_ALG => {
                let id = r.int(Error::UnsupportedHashAlgorithm)?;
                p.hash_alg = Some(HashAlg::from_cose_id(id)?);
            }
            LABEL_PREIMAGE_CONTENT_TYPE => {
                let ct = match r.peek()? {
                    minicbor::data::Type::String => {
                        ContentType::MediaType(text_field(&mut r, MAX_MEDIA_TYPE_LEN)?)
                    }
                    _ => {
                        let v = r.uint(Error::BadFieldType)?;
                        ContentType::CoapFormat(u16::try_from(v).map_err(|_| Error::BadFieldType)?)
                    }
                };
                p.content_type = Some(ct);
            }
            LABEL_ARTIFACT_LENGTH => p.length = Some(r.uint(Error::BadFieldType)?),
            LABEL_RELEASE_VERSION => p.version = Some(r.uint(Error::BadFieldType)?),
            _ => return Err(Error::UnknownHeader),
        }
    }
    if !r.is_at_end() {
        return Err(Error::TrailingBytes);
    }
    if !p.crit.iter().all(|l| p.may_be_critical(*l)) {
        return Err(Error::UnknownCriticalHeader);
    }
    Ok(p)
}

/// The unprotected header: empty, or exactly one timestamp receipt (nothing else is ever
/// trusted from it). Returns the receipt's bytes, validated in full.
fn parse_unprotected<'a>(r: &mut Reader<'a>) -> Result<Option<&'a [u8]>, Error> {
    match r.map(Error::BadSign1Structure)? {
        0 => Ok(None),
        1 => {
            if r.int(Error::UnprotectedHeaderNotEmpty)? != LABEL_TIMESTAMP {
                return Err(Error::UnprotectedHeaderNotEmpty);
            }
            let start = r.position();
            TimestampReceipt::read(r)?;
            Ok(Some(r.since(start)))
        }
        _ => Err(Error::UnprotectedHeaderNotEmpty),
    }
}

impl<'a> Envelope<'a> {
    /// Parses an envelope strictly. Never panics and never allocates, whatever the input.
    #[inline(never)]
    pub fn parse(bytes: &'a [u8]) -> Result<Envelope<'a>, Error> {
        if bytes.len() > MAX_ENVELOPE_LEN {
            return Err(Error::EnvelopeTooLarge);
        }
        let mut r = Reader::new(bytes);
        if r.tag(Error::NotTaggedSign1)? != COSE_SIGN1_TAG {
            return Err(Error::NotTaggedSign1);
        }
        if r.array(Error::BadSign1Structure)? != 4 {
            return Err(Error::BadSign1Structure);
        }
        let protected = r.bytes(Error::BadSign1Structure)?;
        let p = parse_protected(protected)?;
        let receipt = parse_unprotected(&mut r)?;
        if r.null()? {
            return Err(Error::DetachedPayload);
        }
        let payload = r.bytes(Error::BadSign1Structure)?;
        let signature = r.bytes(Error::BadSign1Structure)?;
        if !r.is_at_end() {
            return Err(Error::TrailingBytes);
        }

        let alg = p.alg.ok_or(Error::MissingAlgorithm)?;
        let kid = p.kid.ok_or(Error::MissingKeyId)?;
        let claims = p.claims.ok_or(Error::MissingClaims)?;
        let subject = claims.subject.ok_or(Error::MissingSubject)?;
        let issued_at = claims.issued_at.ok_or(Error::MissingIssuedAt)?;
        let hash_alg = p.hash_alg.ok_or(Error::MissingHashAlgorithm)?;
        let content_type = p.content_type.ok_or(Error::MissingContentType)?;
        let length = p.length.ok_or(Error::MissingLength)?;
        if !p.typ {
            return Err(Error::MissingEnvelopeType);
        }
        if payload.len() != hash_alg.digest_len() {
            return Err(Error::PayloadSizeMismatch);
        }
        let signature: [u8; 64] = signature
            .try_into()
            .map_err(|_| Error::BadSignatureLength)?;

        Ok(Envelope {
            protected,
            alg,
            kid,
            hash_alg,
            content_type,
            issuer: claims.issuer,
            subject,
            issued_at,
            length,
            version: p.version,
            expires: claims.expires,
            chain: p.chain,
            receipt,
            payload,
            signature,
        })
    }

    /// The timestamp receipt in the unprotected header, if any (validated in structure only;
    /// [`TimestampReceipt::parse`] reads it).
    pub fn unverified_receipt(&self) -> Option<&'a [u8]> {
        self.receipt
    }

    /// The protected header bytes exactly as received; the signature covers these.
    pub fn protected_bytes(&self) -> &'a [u8] {
        self.protected
    }
    /// Unverified: the signature algorithm.
    pub fn unverified_alg(&self) -> SignatureAlg {
        self.alg
    }
    /// Unverified: the key id.
    pub fn unverified_kid(&self) -> KeyId {
        self.kid
    }
    /// Unverified: the hash algorithm.
    pub fn unverified_hash_alg(&self) -> HashAlg {
        self.hash_alg
    }
    /// Unverified: what the artifact is.
    pub fn unverified_content_type(&self) -> ContentType<'a> {
        self.content_type
    }
    /// Unverified: the signer identity (`iss`), if any.
    pub fn unverified_issuer(&self) -> Option<&'a str> {
        self.issuer
    }
    /// Unverified: the artifact name (`sub`).
    pub fn unverified_subject(&self) -> &'a str {
        self.subject
    }
    /// Unverified: the signing time (`iat`, seconds since the Unix epoch).
    pub fn unverified_issued_at(&self) -> u64 {
        self.issued_at
    }
    /// Unverified: the artifact length in bytes.
    pub fn unverified_length(&self) -> u64 {
        self.length
    }
    /// Unverified: the release version, if any.
    pub fn unverified_version(&self) -> Option<u64> {
        self.version
    }
    /// Unverified: when the signature expires (`exp`), if it says.
    pub fn unverified_expires(&self) -> Option<u64> {
        self.expires
    }
    /// Unverified: the raw `kcwt` value (the signing key's certificate chain), if any; see
    /// [`parse_chain`](crate::parse_chain).
    pub fn unverified_chain(&self) -> Option<&'a [u8]> {
        self.chain
    }
    /// Unverified: the digest the signer claims.
    pub fn unverified_digest(&self) -> &'a [u8] {
        self.payload
    }
    /// The signature bytes.
    pub fn signature(&self) -> &[u8; 64] {
        &self.signature
    }
    pub(crate) fn payload(&self) -> &'a [u8] {
        self.payload
    }
}
