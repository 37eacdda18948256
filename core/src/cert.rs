//! Key certificates: a CWT (RFC 8392) signed as a COSE_Sign1 by the issuing key, binding a
//! certified Ed25519 key (`cnf`, RFC 8747) to an identity (`sub`) for a validity period, with an
//! optional scope of artifact subjects and an optional certifying depth (`ca`).
//!
//! Parsing is strict like the envelope's, and every failure inside a certificate is reported as
//! [`Error::BadCertificate`]: which CBOR rule a certificate broke matters less to a user than
//! that the chain is unusable. The format is in `docs/FORMAT.md`, section "Key certificates".

use heapless::Vec;

use crate::cbor::{KeyOrder, Reader};
use crate::envelope::{SignatureAlg, CLAIM_EXP, COSE_SIGN1_TAG, LABEL_ALG, LABEL_KID, LABEL_TYP};
use crate::key::{KeyId, PublicKey};
use crate::verifier::sig_structure;
use crate::Error;

/// The `typ` (16) of every key certificate, so that it can never be taken for an envelope or a
/// rotation statement signed by the same key.
pub const CERT_TYPE: &str = "application/vnd.sealkit.cert+cwt";
/// The largest certificate accepted, in bytes.
pub const MAX_CERT_LEN: usize = 1024;
/// The most certificates one chain (`kcwt`) may hold.
pub const MAX_CHAIN_LEN: usize = 4;
/// The most scope patterns one certificate may list.
pub const MAX_SCOPE_PATTERNS: usize = 4;
/// The longest certificate id (`cti`), in bytes.
pub const MAX_CERT_ID_LEN: usize = 16;
/// The longest issuer name, identity, or pattern, in bytes.
pub const MAX_NAME_LEN: usize = 128;
/// The largest `ca` (certifying depth) value.
pub const MAX_CA_DEPTH: u64 = 8;

/// CWT claim: not before.
pub const CLAIM_NBF: i64 = 5;
/// CWT claim: certificate id.
pub const CLAIM_CTI: i64 = 7;
/// CWT claim: confirmation key (RFC 8747).
pub const CLAIM_CNF: i64 = 8;
/// Private-use CWT claim: the artifact subjects the certified key may sign (array of patterns).
pub const CLAIM_SCOPE: i64 = -65539;
/// Private-use CWT claim: how many certificates may follow below this one (certifying keys only).
pub const CLAIM_CA: i64 = -65540;

/// A parsed, **unverified** key certificate borrowing from its bytes.
#[derive(Clone, Debug)]
pub struct Certificate<'a> {
    protected: &'a [u8],
    payload: &'a [u8],
    signature: [u8; 64],
    alg: SignatureAlg,
    issuer_kid: KeyId,
    issuer: &'a str,
    subject: &'a str,
    not_before: u64,
    expires: u64,
    id: &'a [u8],
    key: PublicKey,
    scope: Vec<&'a str, MAX_SCOPE_PATTERNS>,
    ca: Option<u8>,
}

fn name<'a>(r: &mut Reader<'a>) -> Result<&'a str, Error> {
    let s = r.text(Error::BadCertificate)?;
    if s.is_empty() || s.len() > MAX_NAME_LEN {
        return Err(Error::BadCertificate);
    }
    Ok(s)
}

/// Reads a map of integer labels in deterministic order, calling `field` for each label; the
/// callback reads the value and returns whether the label was known.
fn int_map<'a>(
    r: &mut Reader<'a>,
    wrong: Error,
    mut field: impl FnMut(i64, &mut Reader<'a>) -> Result<bool, Error>,
) -> Result<(), Error> {
    let n = r.map(wrong)?;
    let mut order = KeyOrder::new();
    for _ in 0..n {
        let start = r.position();
        let label = r.int(wrong)?;
        order.next(r.since(start))?;
        if !field(label, r)? {
            return Err(wrong);
        }
    }
    Ok(())
}

/// Reads a `cnf` claim: `{1: COSE_Key}` with `COSE_Key = {1: 1, -1: 6, -2: x}` exactly.
pub(crate) fn read_cnf(r: &mut Reader<'_>, wrong: Error) -> Result<PublicKey, Error> {
    let mut key = None;
    int_map(r, wrong, |label, r| {
        if label != 1 {
            return Ok(false);
        }
        let (mut kty, mut crv, mut x) = (false, false, None);
        int_map(r, wrong, |label, r| {
            match label {
                1 => kty = r.int(wrong)? == 1,
                -1 => crv = r.int(wrong)? == 6,
                -2 => x = Some(r.bytes(wrong)?),
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        match (kty, crv, x) {
            (true, true, Some(x)) => {
                key = Some(PublicKey::from_bytes(x).map_err(|_| wrong)?);
                Ok(true)
            }
            _ => Err(wrong),
        }
    })?;
    key.ok_or(wrong)
}

/// The protected header shared by certificates and rotation statements:
/// `{1: alg, 4: kid, 16: typ}`, all three required, nothing else.
pub(crate) fn read_signed_header(
    protected: &[u8],
    typ: &str,
    wrong: Error,
) -> Result<(SignatureAlg, KeyId), Error> {
    let mut r = Reader::new(protected);
    let (mut alg, mut kid, mut typ_ok) = (None, None, false);
    int_map(&mut r, wrong, |label, r| {
        match label {
            LABEL_ALG => alg = Some(SignatureAlg::from_cose_id(r.int(wrong)?).map_err(|_| wrong)?),
            LABEL_KID => {
                let k: [u8; 8] = r.bytes(wrong)?.try_into().map_err(|_| wrong)?;
                kid = Some(KeyId(k));
            }
            LABEL_TYP => typ_ok = r.text(wrong)? == typ,
            _ => return Ok(false),
        }
        Ok(true)
    })
    .map_err(|_| wrong)?;
    if !r.is_at_end() || !typ_ok {
        return Err(wrong);
    }
    match (alg, kid) {
        (Some(a), Some(k)) => Ok((a, k)),
        _ => Err(wrong),
    }
}

/// Protected header bytes, payload bytes and signature of a COSE_Sign1.
pub(crate) type Sign1Parts<'a> = (&'a [u8], &'a [u8], [u8; 64]);

/// The four parts of a tagged COSE_Sign1 with an attached payload and an empty unprotected
/// header: (protected, payload, signature). Reads exactly one item from `r`.
pub(crate) fn read_sign1<'a>(r: &mut Reader<'a>, wrong: Error) -> Result<Sign1Parts<'a>, Error> {
    if r.tag(wrong)? != COSE_SIGN1_TAG || r.array(wrong)? != 4 {
        return Err(wrong);
    }
    let protected = r.bytes(wrong)?;
    if r.map(wrong)? != 0 {
        return Err(wrong);
    }
    let payload = r.bytes(wrong)?;
    let signature: [u8; 64] = r.bytes(wrong)?.try_into().map_err(|_| wrong)?;
    Ok((protected, payload, signature))
}

/// Checks an Ed25519 signature over the COSE `Sig_structure` of a Sign1.
pub(crate) fn check_sign1(
    key: &PublicKey,
    protected: &[u8],
    payload: &[u8],
    signature: &[u8; 64],
) -> bool {
    let sig = ed25519_compact::Signature::new(*signature);
    let Ok(mut state) = key.to_compact().verify_incremental(&sig) else {
        return false;
    };
    sig_structure(protected, payload, |b| state.absorb(b));
    state.verify().is_ok()
}

impl<'a> Certificate<'a> {
    /// Parses one certificate file (exactly one certificate, nothing after it).
    pub fn parse(bytes: &'a [u8]) -> Result<Certificate<'a>, Error> {
        if bytes.len() > MAX_CERT_LEN {
            return Err(Error::BadCertificate);
        }
        let mut r = Reader::new(bytes);
        let cert = Certificate::read(&mut r)?;
        if !r.is_at_end() {
            return Err(Error::BadCertificate);
        }
        Ok(cert)
    }

    /// Reads one certificate from `r` (inside a chain).
    #[inline(never)]
    pub(crate) fn read(r: &mut Reader<'a>) -> Result<Certificate<'a>, Error> {
        let start = r.position();
        let c = Certificate::read_inner(r).map_err(|_| Error::BadCertificate)?;
        if r.since(start).len() > MAX_CERT_LEN {
            return Err(Error::BadCertificate);
        }
        Ok(c)
    }

    fn read_inner(r: &mut Reader<'a>) -> Result<Certificate<'a>, Error> {
        const BAD: Error = Error::BadCertificate;
        let (protected, payload, signature) = read_sign1(r, BAD)?;
        let (alg, issuer_kid) = read_signed_header(protected, CERT_TYPE, BAD)?;

        let mut c = Reader::new(payload);
        let mut issuer = None;
        let mut subject = None;
        let mut expires = None;
        let mut not_before = None;
        let mut id = None;
        let mut key = None;
        let mut scope: Option<Vec<&'a str, MAX_SCOPE_PATTERNS>> = None;
        let mut ca = None;
        int_map(&mut c, BAD, |label, r| {
            match label {
                1 => issuer = Some(name(r)?),
                2 => subject = Some(name(r)?),
                CLAIM_EXP => expires = Some(r.uint(BAD)?),
                CLAIM_NBF => not_before = Some(r.uint(BAD)?),
                CLAIM_CTI => {
                    let b = r.bytes(BAD)?;
                    if b.is_empty() || b.len() > MAX_CERT_ID_LEN {
                        return Err(BAD);
                    }
                    id = Some(b);
                }
                CLAIM_CNF => key = Some(read_cnf(r, BAD)?),
                CLAIM_SCOPE => {
                    let n = r.array(BAD)?;
                    if n == 0 || n > MAX_SCOPE_PATTERNS as u64 {
                        return Err(BAD);
                    }
                    let mut v = Vec::new();
                    for _ in 0..n {
                        v.push(name(r)?).map_err(|_| BAD)?;
                    }
                    scope = Some(v);
                }
                CLAIM_CA => {
                    let d = r.uint(BAD)?;
                    if d == 0 || d > MAX_CA_DEPTH {
                        return Err(BAD);
                    }
                    ca = Some(d as u8);
                }
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        if !c.is_at_end() {
            return Err(BAD);
        }
        let (Some(issuer), Some(subject), Some(expires), Some(not_before), Some(id), Some(key)) =
            (issuer, subject, expires, not_before, id, key)
        else {
            return Err(BAD);
        };
        if not_before >= expires {
            return Err(BAD);
        }
        Ok(Certificate {
            protected,
            payload,
            signature,
            alg,
            issuer_kid,
            issuer,
            subject,
            not_before,
            expires,
            id,
            key,
            scope: scope.unwrap_or_default(),
            ca,
        })
    }

    /// Whether `issuer_key` signed this certificate.
    pub fn is_signed_by(&self, issuer_key: &PublicKey) -> bool {
        check_sign1(issuer_key, self.protected, self.payload, &self.signature)
    }

    /// Unverified: the signature algorithm.
    pub fn unverified_alg(&self) -> SignatureAlg {
        self.alg
    }
    /// Unverified: the key id of the key that issued this certificate.
    pub fn unverified_issuer_kid(&self) -> KeyId {
        self.issuer_kid
    }
    /// Unverified: the issuer's name (`iss`).
    pub fn unverified_issuer(&self) -> &'a str {
        self.issuer
    }
    /// Unverified: the identity granted to the certified key (`sub`).
    pub fn unverified_subject(&self) -> &'a str {
        self.subject
    }
    /// Unverified: the start of the validity period (`nbf`).
    pub fn unverified_not_before(&self) -> u64 {
        self.not_before
    }
    /// Unverified: the end of the validity period (`exp`).
    pub fn unverified_expires(&self) -> u64 {
        self.expires
    }
    /// Unverified: the certificate id (`cti`).
    pub fn unverified_id(&self) -> &'a [u8] {
        self.id
    }
    /// Unverified: the certified key (`cnf`).
    pub fn unverified_key(&self) -> &PublicKey {
        &self.key
    }
    /// Unverified: the artifact subjects the certified key may sign; empty means unrestricted.
    pub fn unverified_scope(&self) -> &[&'a str] {
        &self.scope
    }
    /// Unverified: how many certificates may follow below this one; `None` for a leaf.
    pub fn unverified_ca(&self) -> Option<u8> {
        self.ca
    }
}

/// The certificate chain of an envelope (`kcwt`, header 13), leaf first; at most
/// [`MAX_CHAIN_LEN`] certificates.
pub type Chain<'a> = Vec<Certificate<'a>, MAX_CHAIN_LEN>;

/// Reads the value of `kcwt` (one certificate alone, or an array of 2 to [`MAX_CHAIN_LEN`]),
/// handing each certificate to `each`, leaf first.
fn read_chain_with<'a>(
    r: &mut Reader<'a>,
    mut each: impl FnMut(Certificate<'a>) -> Result<(), Error>,
) -> Result<(), Error> {
    match r.peek()? {
        minicbor::data::Type::Tag => each(Certificate::read(r)?),
        minicbor::data::Type::Array => {
            let n = r.array(Error::BadCertificate)?;
            if n < 2 || n > MAX_CHAIN_LEN as u64 {
                return Err(Error::BadCertificate);
            }
            for _ in 0..n {
                each(Certificate::read(r)?)?;
            }
            Ok(())
        }
        _ => Err(Error::BadCertificate),
    }
}

/// Checks the value of `kcwt` strictly without keeping the certificates (the envelope parser
/// only needs to know it is well formed; a chain on the stack would cost a microcontroller).
pub(crate) fn check_chain_value(r: &mut Reader<'_>) -> Result<(), Error> {
    read_chain_with(r, |_| Ok(()))
}

/// Reads the value of `kcwt` into a [`Chain`].
pub(crate) fn read_chain<'a>(r: &mut Reader<'a>) -> Result<Chain<'a>, Error> {
    let mut chain = Chain::new();
    read_chain_with(r, |c| chain.push(c).map_err(|_| Error::BadCertificate))?;
    Ok(chain)
}

/// Parses a chain from the raw `kcwt` value bytes (as kept by the envelope).
#[inline(never)]
pub fn parse_chain(value: &[u8]) -> Result<Chain<'_>, Error> {
    let mut r = Reader::new(value);
    let chain = read_chain(&mut r)?;
    if !r.is_at_end() {
        return Err(Error::BadCertificate);
    }
    Ok(chain)
}
