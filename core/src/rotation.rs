//! Rotation statements: the old root signs the new root (TUF-style), so a verifier moves its
//! trust forward without a new build. The format is in `docs/FORMAT.md`, "Rotation statements".

use crate::cbor::{KeyOrder, Reader};
use crate::cert::{check_sign1, read_cnf, read_sign1, read_signed_header, CLAIM_CNF};
use crate::envelope::{SignatureAlg, CLAIM_IAT};
use crate::key::{KeyId, PublicKey};
use crate::policy::TrustPolicy;
use crate::Error;

/// The `typ` (16) of a rotation statement.
pub const ROTATION_TYPE: &str = "application/vnd.sealkit.rotation+cwt";
/// The largest rotation statement accepted, in bytes.
pub const MAX_ROTATION_LEN: usize = 512;

/// A parsed, **unverified** rotation statement.
#[derive(Clone, Debug)]
pub struct Rotation<'a> {
    protected: &'a [u8],
    payload: &'a [u8],
    signature: [u8; 64],
    alg: SignatureAlg,
    old: KeyId,
    new: PublicKey,
    issued_at: u64,
}

impl<'a> Rotation<'a> {
    /// Parses a rotation statement strictly; any flaw is [`Error::BadRotation`].
    pub fn parse(bytes: &'a [u8]) -> Result<Rotation<'a>, Error> {
        const BAD: Error = Error::BadRotation;
        if bytes.len() > MAX_ROTATION_LEN {
            return Err(BAD);
        }
        let mut r = Reader::new(bytes);
        let (protected, payload, signature) = read_sign1(&mut r, BAD).map_err(|_| BAD)?;
        if !r.is_at_end() {
            return Err(BAD);
        }
        let (alg, old) = read_signed_header(protected, ROTATION_TYPE, BAD)?;
        let mut c = Reader::new(payload);
        if c.map(BAD).map_err(|_| BAD)? != 2 {
            return Err(BAD);
        }
        let mut order = KeyOrder::new();
        let mut fields = (None, None);
        for _ in 0..2 {
            let start = c.position();
            let label = c.int(BAD).map_err(|_| BAD)?;
            order.next(c.since(start)).map_err(|_| BAD)?;
            match label {
                CLAIM_IAT => fields.0 = Some(c.uint(BAD).map_err(|_| BAD)?),
                CLAIM_CNF => fields.1 = Some(read_cnf(&mut c, BAD).map_err(|_| BAD)?),
                _ => return Err(BAD),
            }
        }
        let (Some(issued_at), Some(new)) = fields else {
            return Err(BAD);
        };
        if !c.is_at_end() || new.key_id() == old {
            return Err(BAD);
        }
        Ok(Rotation {
            protected,
            payload,
            signature,
            alg,
            old,
            new,
            issued_at,
        })
    }

    /// Unverified: the signature algorithm.
    pub fn unverified_alg(&self) -> SignatureAlg {
        self.alg
    }
    /// Unverified: the key id of the old root, which signed the statement.
    pub fn unverified_old_kid(&self) -> KeyId {
        self.old
    }
    /// Unverified: the new root.
    pub fn unverified_new_key(&self) -> &PublicKey {
        &self.new
    }
    /// Unverified: when the statement was made.
    pub fn unverified_issued_at(&self) -> u64 {
        self.issued_at
    }
}

impl TrustPolicy {
    /// Follows a rotation statement: if a trusted key signed it, that key's entry now trusts
    /// the new key instead, with the same rights and patterns; the old key is trusted no more.
    /// Returns the new key's id. Apply a series of statements in order.
    pub fn apply_rotation(&mut self, statement: &[u8]) -> Result<KeyId, Error> {
        let rot = Rotation::parse(statement)?;
        let old = self.find(rot.old).ok_or(Error::UntrustedKey)?;
        if !check_sign1(old.public_key(), rot.protected, rot.payload, &rot.signature) {
            return Err(Error::BadSignature);
        }
        let new_kid = rot.new.key_id();
        if self.revoked_keys().contains(&new_kid) {
            return Err(Error::KeyRevoked);
        }
        self.replace_key(rot.old, rot.new)?;
        Ok(new_kid)
    }
}
