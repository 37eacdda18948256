//! Timestamp receipts: a timestamp authority's signed statement that an envelope existed at a
//! given time, carried in the envelope's unprotected header. A receipt lets a verifier check,
//! offline and long after a short-lived certificate expired, that the signature was made while
//! the certificate was valid. The format is in `docs/FORMAT.md`, "Timestamp receipts".

use sha2::{Digest as _, Sha256};

use crate::cbor::{KeyOrder, Reader};
use crate::cert::{read_sign1, read_signed_header};
use crate::envelope::{Envelope, SignatureAlg, CLAIM_IAT, COSE_SIGN1_TAG};
use crate::key::{KeyId, PublicKey};
use crate::verifier::bstr_head;
use crate::Error;

/// The `typ` (16) of every timestamp receipt, so that it can never be taken for an envelope, a
/// certificate or a rotation statement signed by the same key.
pub const TIMESTAMP_TYPE: &str = "application/vnd.sealkit.timestamp+cwt";
/// The envelope's unprotected header label that carries a timestamp receipt (private use).
pub const LABEL_TIMESTAMP: i64 = -65539;
/// Private-use claim of a receipt: the SHA-256 envelope digest it timestamps.
pub const CLAIM_ENVELOPE_DIGEST: i64 = -65541;
/// The largest timestamp receipt accepted, in bytes.
pub const MAX_RECEIPT_LEN: usize = 256;

/// A parsed, **unverified** timestamp receipt borrowing from its bytes.
#[derive(Clone, Debug)]
pub struct TimestampReceipt<'a> {
    protected: &'a [u8],
    payload: &'a [u8],
    signature: [u8; 64],
    alg: SignatureAlg,
    kid: KeyId,
    time: u64,
    digest: [u8; 32],
}

impl<'a> TimestampReceipt<'a> {
    /// Parses one receipt (exactly one, nothing after it); any flaw is
    /// [`Error::BadTimestampReceipt`].
    pub fn parse(bytes: &'a [u8]) -> Result<TimestampReceipt<'a>, Error> {
        let mut r = Reader::new(bytes);
        let receipt = TimestampReceipt::read(&mut r)?;
        if !r.is_at_end() {
            return Err(Error::BadTimestampReceipt);
        }
        Ok(receipt)
    }

    /// Reads one receipt from `r` (inside an envelope's unprotected header).
    pub(crate) fn read(r: &mut Reader<'a>) -> Result<TimestampReceipt<'a>, Error> {
        const BAD: Error = Error::BadTimestampReceipt;
        let start = r.position();
        let (protected, payload, signature) = read_sign1(r, BAD).map_err(|_| BAD)?;
        if r.since(start).len() > MAX_RECEIPT_LEN {
            return Err(BAD);
        }
        let (alg, kid) = read_signed_header(protected, TIMESTAMP_TYPE, BAD)?;
        let mut c = Reader::new(payload);
        if c.map(BAD).map_err(|_| BAD)? != 2 {
            return Err(BAD);
        }
        let mut order = KeyOrder::new();
        let (mut time, mut digest) = (None, None);
        for _ in 0..2 {
            let key_start = c.position();
            let label = c.int(BAD).map_err(|_| BAD)?;
            order.next(c.since(key_start)).map_err(|_| BAD)?;
            match label {
                CLAIM_IAT => time = Some(c.uint(BAD).map_err(|_| BAD)?),
                CLAIM_ENVELOPE_DIGEST => {
                    let d: [u8; 32] = c.bytes(BAD).map_err(|_| BAD)?.try_into().map_err(|_| BAD)?;
                    digest = Some(d);
                }
                _ => return Err(BAD),
            }
        }
        let (Some(time), Some(digest)) = (time, digest) else {
            return Err(BAD);
        };
        if !c.is_at_end() {
            return Err(BAD);
        }
        Ok(TimestampReceipt {
            protected,
            payload,
            signature,
            alg,
            kid,
            time,
            digest,
        })
    }

    /// Whether `key` signed this receipt.
    pub fn is_signed_by(&self, key: &PublicKey) -> bool {
        crate::cert::check_sign1(key, self.protected, self.payload, &self.signature)
    }
    /// Unverified: the signature algorithm.
    pub fn unverified_alg(&self) -> SignatureAlg {
        self.alg
    }
    /// Unverified: the id of the timestamp key that signed the receipt.
    pub fn unverified_kid(&self) -> KeyId {
        self.kid
    }
    /// Unverified: the time the authority vouches for (seconds since the Unix epoch).
    pub fn unverified_time(&self) -> u64 {
        self.time
    }
    /// Unverified: the envelope digest the receipt timestamps.
    pub fn unverified_digest(&self) -> &[u8; 32] {
        &self.digest
    }
}

/// The digest a receipt timestamps: SHA-256 of the envelope encoded with an empty unprotected
/// header, which are exactly the bytes the signer produced before the receipt was attached.
pub(crate) fn digest_of(env: &Envelope<'_>) -> [u8; 32] {
    fn bstr(h: &mut Sha256, b: &[u8]) {
        let (head, n) = bstr_head(b.len());
        h.update(head.get(..n).unwrap_or_default());
        h.update(b);
    }
    let mut h = Sha256::new();
    // Tag 18 (one byte, 0xd2) and an array of 4 (0x84).
    h.update([0xc0 | COSE_SIGN1_TAG as u8, 0x84]);
    bstr(&mut h, env.protected_bytes());
    // The empty unprotected header.
    h.update([0xa0]);
    bstr(&mut h, env.payload());
    bstr(&mut h, env.signature());
    h.finalize().into()
}

/// The envelope digest of a single envelope, after parsing it strictly: SHA-256 of the envelope
/// encoded with an empty unprotected header (its exact bytes when it carries no receipt). What a
/// signer sends to a timestamp authority, and what a receipt must name.
pub fn envelope_digest(envelope: &[u8]) -> Result<[u8; 32], Error> {
    Ok(digest_of(&Envelope::parse(envelope)?))
}
