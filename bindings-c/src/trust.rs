//! Trust policies (key certificates, compiled policies, revocation, signature sets, rotation)
//! and the signer facts, over core's `PolicyBuilder` and `Verified`. Marshalling only: every
//! rule is the core's.

use core::ffi::{c_char, c_int};
use core::ptr;

use sealkit::{Error, KeyId, PublicKey, Verified};

use super::{
    code, copy_text, facts_of, guard, input, policy_ref, put_facts, sealkit_facts, sealkit_policy,
    sealkit_verifier, utf8_input, verifier_mut, with_policy, SEALKIT_ERR_NULL_POINTER,
    SEALKIT_MAX_IDENTITY_LEN, ZERO_FACTS,
};

/// Most signers a verification reports (`sealkit_trust_facts.signers`).
pub const SEALKIT_MAX_SIGNERS: usize = 8;

const _: () = assert!(SEALKIT_MAX_SIGNERS == sealkit::MAX_SIGNERS);

/// One counted signer of a successful verification.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sealkit_signer {
    /// The key that signed the artifact (for a chain: the certified signing key).
    pub key_id: [u8; 8],
    /// 1 if the signer has an identity (the certificate's `sub`, or the envelope's `iss` for a
    /// direct key), else 0.
    pub has_identity: i32,
    /// The identity, NUL-terminated (empty if none).
    pub identity: [c_char; 129],
    /// Length of `identity` in bytes, without the NUL.
    pub identity_len: usize,
    /// 1 if the key was certified by a chain (then `root_key_id` names the trusted root), 0
    /// for a directly trusted key.
    pub has_root: i32,
    /// The trusted root the chain leads to (zero when `has_root` is 0).
    pub root_key_id: [u8; 8],
    /// Number of certificates in the chain (0 for a direct key).
    pub chain_depth: u32,
    /// 1 if the envelope carries a timestamp receipt signed by a trusted timestamp key (then
    /// `timestamp` and `timestamp_key_id` are set), else 0.
    pub has_timestamp: i32,
    /// When the timestamp authority saw the envelope, seconds since the Unix epoch (0 if none).
    pub timestamp: u64,
    /// The id of the timestamp key that signed the receipt (zero when `has_timestamp` is 0).
    pub timestamp_key_id: [u8; 8],
}

/// The trust facts of a successful verification, beside `sealkit_facts`. Plain data, no
/// pointers; zeroed by every failing call that takes one.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sealkit_trust_facts {
    /// 1 if the policy had a current time (`sealkit_policy_set_time`) and the validity periods
    /// were checked; 0 if time checks were skipped.
    pub time_checked: i32,
    /// 1 if the envelope carries an expiry (`exp`), else 0.
    pub has_expires_at: i32,
    /// The envelope's expiry, seconds since the Unix epoch (0 if none).
    pub expires_at: u64,
    /// Number of counted signers in `signers` (1 to `SEALKIT_MAX_SIGNERS`).
    pub signer_count: usize,
    /// The distinct trusted signers that counted, in signature-file order; `signers[0]` is the
    /// one `sealkit_facts.key_id` names.
    pub signers: [sealkit_signer; SEALKIT_MAX_SIGNERS],
}

const _: () = assert!(SEALKIT_MAX_IDENTITY_LEN < 129);

const ZERO_SIGNER: sealkit_signer = sealkit_signer {
    key_id: [0; 8],
    has_identity: 0,
    identity: [0; 129],
    identity_len: 0,
    has_root: 0,
    root_key_id: [0; 8],
    chain_depth: 0,
    has_timestamp: 0,
    timestamp: 0,
    timestamp_key_id: [0; 8],
};

const ZERO_TRUST: sealkit_trust_facts = sealkit_trust_facts {
    time_checked: 0,
    has_expires_at: 0,
    expires_at: 0,
    signer_count: 0,
    signers: [ZERO_SIGNER; SEALKIT_MAX_SIGNERS],
};

fn trust_facts_of(v: &Verified) -> sealkit_trust_facts {
    let mut t = ZERO_TRUST;
    t.time_checked = i32::from(v.time_checked());
    if let Some(exp) = v.expires_at() {
        t.has_expires_at = 1;
        t.expires_at = exp;
    }
    for (out, s) in t.signers.iter_mut().zip(v.signers()) {
        *out = signer_of(s);
        t.signer_count += 1;
    }
    t
}

fn signer_of(s: &sealkit::Signer) -> sealkit_signer {
    let mut out = ZERO_SIGNER;
    out.key_id = s.key_id().0;
    if let Some(id) = s.identity() {
        out.has_identity = 1;
        out.identity_len = copy_text(&mut out.identity, id);
    }
    if let Some(root) = s.root_key_id() {
        out.has_root = 1;
        out.root_key_id = root.0;
    }
    out.chain_depth = u32::from(s.chain_depth());
    if let (Some(time), Some(kid)) = (s.timestamp(), s.timestamp_key_id()) {
        out.has_timestamp = 1;
        out.timestamp = time;
        out.timestamp_key_id = kid.0;
    }
    out
}

/// # Safety
/// If not NULL, `out` must be valid for writes of one `sealkit_trust_facts`.
unsafe fn put_trust(out: *mut sealkit_trust_facts, facts: sealkit_trust_facts) {
    if !out.is_null() {
        // SAFETY: non-null and valid for writes by the caller's contract; unaligned is allowed.
        unsafe { ptr::write_unaligned(out, facts) };
    }
}

/// A key id argument: `SEALKIT_KEY_ID_LEN` (8) bytes at `p`.
///
/// # Safety
/// If `p` is not NULL it must be valid for reads of 8 bytes.
unsafe fn read_key_id(p: *const u8) -> Result<KeyId, c_int> {
    // SAFETY: forwarded contract.
    let b = unsafe { input(p, 8) }?;
    let mut kid = [0u8; 8];
    kid.copy_from_slice(b.get(..8).ok_or(SEALKIT_ERR_NULL_POINTER)?);
    Ok(KeyId(kid))
}

/// An optional UTF-8 name: NULL with length 0, or length 0, means none.
///
/// # Safety
/// As `utf8_input`.
unsafe fn optional_name<'a>(
    p: *const c_char,
    len: usize,
) -> Result<Result<Option<&'a str>, Error>, c_int> {
    if len == 0 {
        return Ok(Ok(None));
    }
    // SAFETY: forwarded contract.
    Ok(unsafe { utf8_input(p, len) }?.map(Some))
}

/// Replaces the policy by a compiled trust policy (the CBOR of `docs/FORMAT.md`, "Compiled
/// trust policies", as written by `sealkit policy compile`). Errors: the policy codes
/// (175 bad policy, 501, 502, 503, 509 ...), 600; sticky like every policy error.
///
/// # Safety
/// `policy` as in `sealkit_policy_init`; `cbor` valid for `cbor_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_load_cbor(
    policy: *mut sealkit_policy,
    cbor: *const u8,
    cbor_len: usize,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe {
        with_policy(
            policy,
            || Ok(Ok(input(cbor, cbor_len)?)),
            |b, bytes| b.load_cbor(bytes).map(|_| ()),
        )
    }
}

/// Gives the policy the current time (seconds since the Unix epoch): certificate validity and
/// envelope expiry are then checked. Without it they are skipped, and
/// `sealkit_trust_facts.time_checked` says so.
///
/// # Safety
/// `policy` as in `sealkit_policy_init`.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_set_time(policy: *mut sealkit_policy, now: u64) -> c_int {
    // SAFETY: contract of this function.
    unsafe { with_policy(policy, || Ok(Ok(now)), |b, t| b.set_time(t).map(|_| ())) }
}

/// Follows a signed rotation statement (the old root signs the new root): the trusted entry of
/// the old root is replaced by the new key, keeping its rights. On success writes the new key's
/// id to `out_new_key_id` (8 bytes) if it is not NULL. Errors: 174 (bad rotation), 202 (old
/// root not trusted), 203, 502, 600.
///
/// # Safety
/// `policy` as in `sealkit_policy_init`; `statement` valid for `statement_len` bytes;
/// `out_new_key_id` NULL or valid for writes of 8 bytes.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_apply_rotation(
    policy: *mut sealkit_policy,
    statement: *const u8,
    statement_len: usize,
    out_new_key_id: *mut u8,
) -> c_int {
    let mut kid = None;
    // SAFETY: contract of this function.
    let rc = unsafe {
        with_policy(
            policy,
            || Ok(Ok(input(statement, statement_len)?)),
            |b, s| {
                kid = Some(b.apply_rotation(s)?);
                Ok(())
            },
        )
    };
    if let (Some(k), false) = (kid, out_new_key_id.is_null()) {
        // SAFETY: non-null, valid for 8 bytes of writes by contract; u8 has no alignment.
        unsafe { ptr::copy_nonoverlapping(k.0.as_ptr(), out_new_key_id, 8) };
    }
    rc
}

/// Trusts the raw 32-byte key as a root: it may certify signing keys (key certificates in the
/// envelope's `kcwt` header) but not sign artifacts itself. `name` (UTF-8, NULL/0 for none) is
/// the `iss` its certificates must carry. Errors as `sealkit_policy_trust_key`, plus 503, 507,
/// 508.
///
/// # Safety
/// `policy` as in `sealkit_policy_init`; `raw` and `name` valid for their lengths.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_trust_root(
    policy: *mut sealkit_policy,
    raw: *const u8,
    raw_len: usize,
    name: *const c_char,
    name_len: usize,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe { sealkit_policy_trust_entry(policy, raw, raw_len, 0, 1, name, name_len) }
}

/// Trusts the raw key with explicit rights: `may_sign` (non-zero: it may sign artifacts) and
/// `may_certify` (non-zero: it may issue key certificates); `name` as in
/// `sealkit_policy_trust_root`.
///
/// # Safety
/// `policy` as in `sealkit_policy_init`; `raw` and `name` valid for their lengths.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_trust_entry(
    policy: *mut sealkit_policy,
    raw: *const u8,
    raw_len: usize,
    may_sign: c_int,
    may_certify: c_int,
    name: *const c_char,
    name_len: usize,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe {
        with_policy(
            policy,
            || {
                let key = input(raw, raw_len)?;
                let n = optional_name(name, name_len)?;
                Ok(PublicKey::from_bytes(key).and_then(|k| Ok((k, n?))))
            },
            |b, (k, n)| {
                b.trust_entry(k, may_sign != 0, may_certify != 0, n)
                    .map(|_| ())
            },
        )
    }
}

/// Trusts the raw 32-byte key to sign timestamp receipts (`docs/FORMAT.md`, "Timestamp
/// receipts"). If the key is already trusted (say, as the root of a keyless issuer that also
/// timestamps), that entry gains the right; otherwise an entry that may only timestamp is
/// added. Errors: 500 (not a valid key), 501 (already 8 keys), 600; sticky.
///
/// # Safety
/// `policy` as in `sealkit_policy_init`; `raw` valid for `raw_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_trust_timestamp_key(
    policy: *mut sealkit_policy,
    raw: *const u8,
    raw_len: usize,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe {
        with_policy(
            policy,
            || Ok(PublicKey::from_bytes(input(raw, raw_len)?)),
            |b, k| b.trust_timestamp_key(k).map(|_| ()),
        )
    }
}

/// `sealkit_policy_trust_timestamp_key` with the key in text form (`sealkit-ed25519:...`, as
/// `GET /v1/issuer` gives the issuer's `timestamp_key`). Errors: 504 (bad text), 508 (not
/// UTF-8), and those of `sealkit_policy_trust_timestamp_key`.
///
/// # Safety
/// `policy` as in `sealkit_policy_init`; `text` valid for `text_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_trust_timestamp_key_text(
    policy: *mut sealkit_policy,
    text: *const c_char,
    text_len: usize,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe {
        with_policy(
            policy,
            || Ok(utf8_input(text, text_len)?.and_then(PublicKey::from_text)),
            |b, k| b.trust_timestamp_key(k).map(|_| ()),
        )
    }
}

/// Requires every counted signer's envelope to carry a timestamp receipt signed by a trusted
/// timestamp key; an envelope without one is refused with 226 (`timestamp_missing`), with or
/// without a current time. Errors: 600, or the policy's earlier (sticky) error.
///
/// # Safety
/// `policy` as in `sealkit_policy_init`.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_require_timestamp(policy: *mut sealkit_policy) -> c_int {
    // SAFETY: contract of this function.
    unsafe {
        with_policy(
            policy,
            || Ok(Ok(())),
            |b, ()| b.require_timestamp().map(|_| ()),
        )
    }
}

/// Allows the trusted key `key_id` (8 bytes) to sign, or certify, only identities matching
/// `pattern` (exact, or the simple pattern of `docs/FORMAT.md`). Errors: 202 (no such trusted
/// key), 503, 507, 508, 600.
///
/// # Safety
/// `policy` as in `sealkit_policy_init`; `key_id` valid for 8 bytes; `pattern` for its length.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_allow_identity(
    policy: *mut sealkit_policy,
    key_id: *const u8,
    pattern: *const c_char,
    pattern_len: usize,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe { kid_and_pattern(policy, key_id, pattern, pattern_len, false) }
}

/// Allows the trusted key `key_id` only artifact subjects matching `pattern`. As
/// `sealkit_policy_allow_identity`.
///
/// # Safety
/// As `sealkit_policy_allow_identity`.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_allow_subject(
    policy: *mut sealkit_policy,
    key_id: *const u8,
    pattern: *const c_char,
    pattern_len: usize,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe { kid_and_pattern(policy, key_id, pattern, pattern_len, true) }
}

/// # Safety
/// As `sealkit_policy_allow_identity`.
unsafe fn kid_and_pattern(
    policy: *mut sealkit_policy,
    key_id: *const u8,
    pattern: *const c_char,
    pattern_len: usize,
    subject: bool,
) -> c_int {
    // SAFETY: forwarded contract.
    unsafe {
        with_policy(
            policy,
            || {
                let kid = read_key_id(key_id)?;
                Ok(utf8_input(pattern, pattern_len)?.map(|p| (kid, p)))
            },
            |b, (kid, p)| {
                if subject {
                    b.allow_subject(kid, p).map(|_| ())
                } else {
                    b.allow_identity(kid, p).map(|_| ())
                }
            },
        )
    }
}

/// Requires the signer's identity to match `pattern` (the simple pattern of
/// `docs/FORMAT.md`). Errors: 503, 507, 508, 600.
///
/// # Safety
/// `policy` as in `sealkit_policy_init`; `pattern` valid for `pattern_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_require_identity_pattern(
    policy: *mut sealkit_policy,
    pattern: *const c_char,
    pattern_len: usize,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe {
        with_policy(
            policy,
            || utf8_input(pattern, pattern_len),
            |b, p| b.require_identity_pattern(p).map(|_| ()),
        )
    }
}

/// Requires the artifact's subject to match `pattern`. As
/// `sealkit_policy_require_identity_pattern`.
///
/// # Safety
/// As `sealkit_policy_require_identity_pattern`.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_require_subject_pattern(
    policy: *mut sealkit_policy,
    pattern: *const c_char,
    pattern_len: usize,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe {
        with_policy(
            policy,
            || utf8_input(pattern, pattern_len),
            |b, p| b.require_subject_pattern(p).map(|_| ()),
        )
    }
}

/// Revokes the key `key_id` (8 bytes) anywhere in a chain, root, intermediate or signing key.
/// Errors: 600 and the core's capacity errors.
///
/// # Safety
/// `policy` as in `sealkit_policy_init`; `key_id` valid for 8 bytes.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_revoke_key(
    policy: *mut sealkit_policy,
    key_id: *const u8,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe {
        with_policy(
            policy,
            || Ok(Ok(read_key_id(key_id)?)),
            |b, kid| b.revoke_key(kid).map(|_| ()),
        )
    }
}

/// Revokes the certificate whose id (`cti`) is `id` (1 or more bytes).
///
/// # Safety
/// `policy` as in `sealkit_policy_init`; `id` valid for `id_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_revoke_certificate(
    policy: *mut sealkit_policy,
    id: *const u8,
    id_len: usize,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe {
        with_policy(
            policy,
            || Ok(Ok(input(id, id_len)?)),
            |b, i| b.revoke_certificate(i).map(|_| ()),
        )
    }
}

/// Sets the longest certificate chain accepted (default 2: root, intermediate, signing key).
///
/// # Safety
/// `policy` as in `sealkit_policy_init`.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_set_max_chain_depth(
    policy: *mut sealkit_policy,
    depth: u8,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe {
        with_policy(
            policy,
            || Ok(Ok(depth)),
            |b, d| b.set_max_chain_depth(d).map(|_| ()),
        )
    }
}

/// Requires `k` distinct trusted signers (k-of-n signature sets); with `distinct_identities`
/// non-zero, their identities must differ too.
///
/// # Safety
/// `policy` as in `sealkit_policy_init`.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_require_signers(
    policy: *mut sealkit_policy,
    k: u8,
    distinct_identities: c_int,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe {
        with_policy(
            policy,
            || Ok(Ok(k)),
            |b, k| b.require_signers(k, distinct_identities != 0).map(|_| ()),
        )
    }
}

/// `sealkit_verifier_finish`, also reporting the trust facts (time checked, expiry, every
/// counted signer) in `out_trust`. On any failure both outputs are zeroed.
///
/// # Safety
/// `state` as in `sealkit_verifier_init`; `out_facts` and `out_trust` valid for writes of one
/// `sealkit_facts` and one `sealkit_trust_facts`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_verifier_finish_trust(
    state: *mut sealkit_verifier,
    out_facts: *mut sealkit_facts,
    out_trust: *mut sealkit_trust_facts,
) -> c_int {
    guard(|| {
        // SAFETY: contract of this function.
        unsafe {
            put_facts(out_facts, ZERO_FACTS);
            put_trust(out_trust, ZERO_TRUST);
        }
        // SAFETY: contract of this function.
        let v = unsafe { verifier_mut(state) }?;
        let args = if out_facts.is_null() || out_trust.is_null() {
            Err(SEALKIT_ERR_NULL_POINTER)
        } else {
            Ok(())
        };
        let verified = v.run(args, |slot, ()| slot.finish().map_err(code))?;
        // SAFETY: both non-null (checked) and valid for writes by contract.
        unsafe {
            put_facts(out_facts, facts_of(&verified));
            put_trust(out_trust, trust_facts_of(&verified));
        }
        Ok(())
    })
}

/// One signature of a signature file, as `sealkit_check_signers` judged it.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sealkit_signer_report {
    /// Position in the signature file (0 for a single envelope).
    pub index: usize,
    /// The key id the envelope names (not verified).
    pub unverified_key_id: [u8; 8],
    /// 0 if the signature and every rule held (then `signer` is filled), else the code of the
    /// first rule that failed (202 untrusted key, 211 key revoked, 208 expired ...).
    pub error: c_int,
    /// 1 if this signer counts towards the threshold (0 for a failed signature, or a valid one
    /// by a key or identity already counted).
    pub counted: i32,
    /// The signer when `error` is 0 (zeroed otherwise).
    pub signer: sealkit_signer,
}

/// The outcome of `sealkit_check_signers`. Plain data, zeroed on failure.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sealkit_signer_check {
    /// 0 if the policy's threshold is met; else the error verification would report before
    /// reading the artifact (218 threshold not met, or a single envelope's own error).
    pub verdict: c_int,
    /// 1 if the file is a signature set, 0 for a single envelope.
    pub is_set: i32,
    /// Number of entries of `reports` (1 to `SEALKIT_MAX_SIGNERS`).
    pub report_count: usize,
    /// One report per signature, in file order.
    pub reports: [sealkit_signer_report; SEALKIT_MAX_SIGNERS],
}

const ZERO_REPORT: sealkit_signer_report = sealkit_signer_report {
    index: 0,
    unverified_key_id: [0; 8],
    error: 0,
    counted: 0,
    signer: ZERO_SIGNER,
};

const ZERO_CHECK: sealkit_signer_check = sealkit_signer_check {
    verdict: 0,
    is_set: 0,
    report_count: 0,
    reports: [ZERO_REPORT; SEALKIT_MAX_SIGNERS],
};

/// Checks every signature of a signature file (a single envelope or a signature set) against
/// `policy` without reading the artifact: each signature's verdict, which signers count, and
/// whether the policy's threshold is met (`out->verdict`). Returns 0 when the file could be
/// read (whatever the verdict), or the error that makes it malformed (1xx), or the policy's
/// error, or 600/601; `out` is zeroed first.
///
/// # Safety
/// `signature` valid for `signature_len` bytes; `policy` points to a `sealkit_policy`; `out`
/// valid for writes of one `sealkit_signer_check`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_check_signers(
    signature: *const u8,
    signature_len: usize,
    policy: *const sealkit_policy,
    out: *mut sealkit_signer_check,
) -> c_int {
    guard(|| {
        if out.is_null() {
            return Err(SEALKIT_ERR_NULL_POINTER);
        }
        // SAFETY: non-null and valid for writes by contract; unaligned is allowed.
        unsafe { ptr::write_unaligned(out, ZERO_CHECK) };
        // SAFETY: contract of this function.
        let sig = unsafe { input(signature, signature_len) }?;
        // SAFETY: contract of this function.
        let p = unsafe { policy_ref(policy) }?;
        let mut check = ZERO_CHECK;
        let mut count = 0usize;
        let summary = {
            let mut slots = check.reports.iter_mut();
            sealkit::check_signers(sig, p, |r| {
                if let Some(slot) = slots.next() {
                    let mut rep = ZERO_REPORT;
                    rep.index = r.index;
                    rep.unverified_key_id = r.unverified_kid.0;
                    rep.counted = i32::from(r.counted);
                    match r.verdict {
                        Ok(s) => rep.signer = signer_of(s),
                        Err(e) => rep.error = code(*e),
                    }
                    *slot = rep;
                    count += 1;
                }
            })
            .map_err(code)?
        };
        check.report_count = count;
        check.is_set = i32::from(summary.is_set);
        check.verdict = summary.verdict(p).err().map_or(0, code);
        // SAFETY: non-null (checked) and valid for writes by contract.
        unsafe { ptr::write_unaligned(out, check) };
        Ok(())
    })
}
