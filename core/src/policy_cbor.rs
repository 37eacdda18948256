//! The compiled trust policy: the compact CBOR form of a trust file that devices load
//! (`sealkit policy compile`). Strict like every other parser here; the format is in
//! `docs/FORMAT.md`, "Compiled trust policies".

use crate::cbor::{KeyOrder, Reader};
use crate::cert::MAX_NAME_LEN;
use crate::key::{KeyId, PublicKey};
use heapless::Vec;

use crate::policy::{
    TrustPolicy, MAX_POLICY_PATTERNS, MAX_REVOKED_CERTS, MAX_REVOKED_KEYS, MAX_SIGNERS,
    MAX_TRUSTED_KEYS,
};
use crate::Error;

/// The format version of compiled policies this crate reads.
pub const POLICY_FORMAT_VERSION: u64 = 1;
/// The largest compiled policy accepted, in bytes.
pub const MAX_POLICY_LEN: usize = 8192;
/// Entry flag: the key may sign envelopes directly.
pub const POLICY_FLAG_SIGN: u64 = 1;
/// Entry flag: the key may certify other keys (a root).
pub const POLICY_FLAG_CERTIFY: u64 = 2;
/// Entry flag: the key may sign timestamp receipts.
pub const POLICY_FLAG_TIMESTAMP: u64 = 4;

const BAD: Error = Error::BadPolicy;

/// Reads the next key of a map of small integer keys, checking their order.
fn map_key<'b>(r: &mut Reader<'b>, order: &mut KeyOrder<'b>) -> Result<i64, Error> {
    let start = r.position();
    let k = r.int(BAD)?;
    order.next(r.since(start))?;
    Ok(k)
}

fn pattern<'b>(r: &mut Reader<'b>) -> Result<&'b str, Error> {
    let s = r.text(BAD)?;
    if s.is_empty() || s.len() > MAX_NAME_LEN {
        return Err(BAD);
    }
    Ok(s)
}

/// An array head of 1 to `max` items.
fn array(r: &mut Reader<'_>, max: usize, full: Error) -> Result<u64, Error> {
    let n = r.array(BAD)?;
    if n == 0 {
        return Err(BAD);
    }
    if n > max as u64 {
        return Err(full);
    }
    Ok(n)
}

fn read_entry(r: &mut Reader<'_>, p: &mut TrustPolicy) -> Result<(), Error> {
    let n = r.map(BAD)?;
    let mut order = KeyOrder::new();
    let mut key = None;
    let mut flags = None;
    let mut name = None;
    let mut identities: Vec<&str, MAX_POLICY_PATTERNS> = Vec::new();
    let mut subjects: Vec<&str, MAX_POLICY_PATTERNS> = Vec::new();
    for _ in 0..n {
        match map_key(r, &mut order)? {
            1 => key = Some(PublicKey::from_bytes(r.bytes(BAD)?)?),
            2 => {
                let f = r.uint(BAD)?;
                if f == 0 || f > (POLICY_FLAG_SIGN | POLICY_FLAG_CERTIFY | POLICY_FLAG_TIMESTAMP) {
                    return Err(BAD);
                }
                flags = Some(f);
            }
            3 => name = Some(pattern(r)?),
            4 => patterns(r, &mut identities)?,
            5 => patterns(r, &mut subjects)?,
            _ => return Err(BAD),
        }
    }
    let (Some(key), Some(flags)) = (key, flags) else {
        return Err(BAD);
    };
    let (sign, certify) = (
        flags & POLICY_FLAG_SIGN != 0,
        flags & POLICY_FLAG_CERTIFY != 0,
    );
    if sign || certify {
        p.trust_entry(key, sign, certify, name)?;
    } else if name.is_some() {
        // A name is what a root's certificates carry; a timestamp-only key has none.
        return Err(BAD);
    }
    if flags & POLICY_FLAG_TIMESTAMP != 0 {
        p.trust_timestamp_key(key)?;
    }
    for id in identities {
        p.allow_identity(key.key_id(), id)?;
    }
    for s in subjects {
        p.allow_subject(key.key_id(), s)?;
    }
    Ok(())
}

/// An array of 1 or more patterns.
fn patterns<'b>(
    r: &mut Reader<'b>,
    out: &mut Vec<&'b str, MAX_POLICY_PATTERNS>,
) -> Result<(), Error> {
    for _ in 0..array(r, MAX_POLICY_PATTERNS, Error::PolicyFull)? {
        out.push(pattern(r)?).map_err(|_| Error::PolicyFull)?;
    }
    Ok(())
}

impl TrustPolicy {
    /// Loads a compiled trust policy. Fails with [`Error::BadPolicy`] if it is malformed, or
    /// with the capacity error of the rule it would break (e.g. [`Error::TooManyKeys`]).
    /// The current time is never part of a file: set it with [`set_time`](Self::set_time).
    pub fn from_cbor(bytes: &[u8]) -> Result<TrustPolicy, Error> {
        if bytes.len() > MAX_POLICY_LEN {
            return Err(BAD);
        }
        let mut p = TrustPolicy::new();
        let mut r = Reader::new(bytes);
        let n = r.map(BAD)?;
        let mut order = KeyOrder::new();
        let mut seen_version = false;
        let mut seen_entries = false;
        for _ in 0..n {
            let k = map_key(&mut r, &mut order)?;
            match k {
                1 => {
                    if r.uint(BAD)? != POLICY_FORMAT_VERSION {
                        return Err(BAD);
                    }
                    seen_version = true;
                }
                _ if !seen_version => return Err(BAD),
                2 => {
                    for _ in 0..array(&mut r, MAX_TRUSTED_KEYS, Error::TooManyKeys)? {
                        read_entry(&mut r, &mut p)?;
                    }
                    seen_entries = true;
                }
                _ if !seen_entries => return Err(BAD),
                3 => {
                    p.require_identity_pattern(pattern(&mut r)?)?;
                }
                4 => {
                    p.require_subject_pattern(pattern(&mut r)?)?;
                }
                5 => {
                    p.require_min_version(r.uint(BAD)?);
                }
                6 => {
                    let d = r.uint(BAD)?;
                    p.set_max_chain_depth(u8::try_from(d).map_err(|_| BAD)?)
                        .map_err(|_| BAD)?;
                }
                7 => {
                    let mut sorted = KeyOrder::new();
                    for _ in 0..array(&mut r, MAX_REVOKED_KEYS, Error::PolicyFull)? {
                        let start = r.position();
                        let b = r.bytes(BAD)?;
                        // Sorted by encoding, as map keys are (section 5).
                        sorted.next(r.since(start)).map_err(|_| BAD)?;
                        let kid: [u8; 8] = b.try_into().map_err(|_| BAD)?;
                        p.revoke_key(KeyId(kid))?;
                    }
                }
                8 => {
                    let mut sorted = KeyOrder::new();
                    for _ in 0..array(&mut r, MAX_REVOKED_CERTS, Error::PolicyFull)? {
                        let start = r.position();
                        let b = r.bytes(BAD)?;
                        sorted.next(r.since(start)).map_err(|_| BAD)?;
                        p.revoke_certificate(b).map_err(|_| BAD)?;
                    }
                }
                9 => {
                    let k = r.uint(BAD)?;
                    if k == 0 || k > MAX_SIGNERS as u64 {
                        return Err(BAD);
                    }
                    let distinct = p.distinct_identities();
                    p.require_signers(k as u8, distinct)?;
                }
                10 => {
                    // Only `true` is written; absence means false.
                    if r.peek()? != minicbor::data::Type::Bool || !r.bool(BAD)? {
                        return Err(BAD);
                    }
                    let k = p.threshold();
                    p.require_signers(k, true)?;
                }
                11 => {
                    // Only `true` is written; absence means false.
                    if r.peek()? != minicbor::data::Type::Bool || !r.bool(BAD)? {
                        return Err(BAD);
                    }
                    p.require_timestamp();
                }
                _ => return Err(BAD),
            }
        }
        if !r.is_at_end() || !seen_entries {
            return Err(BAD);
        }
        Ok(p)
    }
}
