//! libsealkit: the C binding of sealkit.
//!
//! Everything here marshals arguments and maps errors; the verification rules and the verifier's
//! state machine are core's (`sealkit::VerifierSlot`, `sealkit::PolicyBuilder`). The C caller
//! owns all memory: a verifier and a policy are opaque, aligned, fixed-size byte blocks
//! (`sealkit_verifier`, `sealkit_policy`) that it places wherever it likes (stack, static,
//! heap). All-zero bytes mean "empty"; anything this library did not write is refused with
//! `SEALKIT_ERR_BAD_STATE` and never read as a Rust value.
//!
//! The header `include/sealkit.h` is generated from this file by
//! `cargo run -p sealkit-c --example gen-header` (cbindgen, pinned).

// The C names are the API.
#![allow(non_camel_case_types)]

use core::ffi::{c_char, c_int};
use core::mem::{align_of, size_of};
use core::panic::AssertUnwindSafe;
use core::{ptr, slice};
use std::panic::catch_unwind;

use sealkit::{ContentType, Error, PolicyBuilder, PublicKey, SlotState, TrustPolicy, VerifierSlot};

/// Success.
pub const SEALKIT_OK: c_int = 0;
/// A pointer argument is NULL (and is not an empty input of length 0). C binding only.
pub const SEALKIT_ERR_NULL_POINTER: c_int = 600;
/// The verifier or policy memory was neither zeroed nor initialised by this library, or is
/// not aligned to its `_ALIGN`. C binding only.
pub const SEALKIT_ERR_BAD_STATE: c_int = 601;
/// An internal error (a caught panic); should never happen. C binding only.
pub const SEALKIT_ERR_INTERNAL: c_int = 602;

/// Verifier state: no envelope yet.
pub const SEALKIT_STATE_EMPTY: c_int = 0;
/// Verifier state: signature and policy accepted, artifact bytes are being absorbed.
pub const SEALKIT_STATE_ACTIVE: c_int = 1;
/// Verifier state: `sealkit_verifier_finish` returned the verified facts.
pub const SEALKIT_STATE_FINISHED: c_int = 2;
/// Verifier state: a call failed; every call but abort returns that first error.
pub const SEALKIT_STATE_FAILED: c_int = 3;

/// Size in bytes of `sealkit_verifier` (fixed by the ABI, with headroom).
pub const SEALKIT_VERIFIER_SIZE: usize = 2048;
/// Alignment in bytes of `sealkit_verifier`.
pub const SEALKIT_VERIFIER_ALIGN: usize = 16;
/// Size in bytes of `sealkit_policy` (fixed by the ABI, with headroom).
pub const SEALKIT_POLICY_SIZE: usize = 4096;
/// Alignment in bytes of `sealkit_policy`.
pub const SEALKIT_POLICY_ALIGN: usize = 16;

/// Length of a raw Ed25519 public key.
pub const SEALKIT_PUBLIC_KEY_LEN: usize = 32;
/// Length of a key id.
pub const SEALKIT_KEY_ID_LEN: usize = 8;
/// Longest identity (`iss`), in bytes.
pub const SEALKIT_MAX_IDENTITY_LEN: usize = 128;
/// Longest subject (`sub`), in bytes.
pub const SEALKIT_MAX_SUBJECT_LEN: usize = 128;
/// Longest media type, in bytes.
pub const SEALKIT_MAX_MEDIA_TYPE_LEN: usize = 64;
/// Largest digest (SHA-512), in bytes.
pub const SEALKIT_MAX_DIGEST_LEN: usize = 64;
/// Largest envelope, in bytes.
pub const SEALKIT_MAX_ENVELOPE_LEN: usize = 4096;

const _: () = assert!(SEALKIT_MAX_IDENTITY_LEN == sealkit::MAX_IDENTITY_LEN);
const _: () = assert!(SEALKIT_MAX_SUBJECT_LEN == sealkit::MAX_SUBJECT_LEN);
const _: () = assert!(SEALKIT_MAX_MEDIA_TYPE_LEN == sealkit::MAX_MEDIA_TYPE_LEN);
const _: () = assert!(SEALKIT_MAX_DIGEST_LEN == sealkit::MAX_DIGEST_LEN);
const _: () = assert!(SEALKIT_MAX_ENVELOPE_LEN == sealkit::MAX_ENVELOPE_LEN);

/// A verifier: opaque, caller-allocated. Initialise with `SEALKIT_VERIFIER_INIT` (all zero
/// bytes: empty) or `sealkit_verifier_abort`. It holds no pointers and owns no heap memory, so
/// it needs no destructor.
#[repr(C, align(16))]
pub struct sealkit_verifier {
    _opaque: [u8; SEALKIT_VERIFIER_SIZE],
}

/// A trust policy under construction: opaque, caller-allocated. All zero bytes
/// (`SEALKIT_POLICY_INIT`) or `sealkit_policy_init` give an empty policy, which trusts nothing.
/// The first failed call on a policy is sticky: later calls are ignored and return it, and a
/// verifier started with the policy fails with it, so an ignored failure can never leave a
/// weaker policy in force.
#[repr(C, align(16))]
pub struct sealkit_policy {
    _opaque: [u8; SEALKIT_POLICY_SIZE],
}

/// The facts a successful verification reports. Plain data, no pointers; zeroed by every
/// failing call that takes one, so stale facts are never left behind.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sealkit_facts {
    /// The signing key's id (first 8 bytes of SHA-256 of the raw public key).
    pub key_id: [u8; 8],
    /// COSE algorithm named in the envelope: -19 (Ed25519) or -8 (EdDSA); both are Ed25519.
    pub alg: i32,
    /// 1 if the envelope names a signer identity (`iss`), else 0.
    pub has_identity: i32,
    /// The identity, NUL-terminated (empty if none).
    pub identity: [c_char; 129],
    /// Length of `identity` in bytes, without the NUL.
    pub identity_len: usize,
    /// The artifact name (`sub`), NUL-terminated.
    pub subject: [c_char; 129],
    /// Length of `subject` in bytes.
    pub subject_len: usize,
    /// The CoAP Content-Format number (42: application/octet-stream), or -1 if the content
    /// type is a media type string (then see `media_type`).
    pub content_format: i32,
    /// The media type, NUL-terminated, when `content_format` is -1; else empty.
    pub media_type: [c_char; 65],
    /// Length of `media_type` in bytes.
    pub media_type_len: usize,
    /// Signing time, seconds since the Unix epoch, as the signer stated it.
    pub issued_at: u64,
    /// 1 if the envelope carries a release version, else 0.
    pub has_version: i32,
    /// The release version (0 if none).
    pub version: u64,
    /// The artifact's exact length in bytes.
    pub length: u64,
    /// COSE hash algorithm: -16 (SHA-256) or -44 (SHA-512).
    pub hash_alg: i32,
    /// The artifact's digest (first `digest_len` bytes).
    pub digest: [u8; 64],
    /// 32 (SHA-256) or 64 (SHA-512).
    pub digest_len: usize,
}

impl core::fmt::Debug for sealkit_verifier {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("sealkit_verifier { .. }")
    }
}

impl core::fmt::Debug for sealkit_policy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("sealkit_policy { .. }")
    }
}

const _: () = assert!(SEALKIT_MAX_IDENTITY_LEN < 129 && SEALKIT_MAX_SUBJECT_LEN < 129);
const _: () = assert!(SEALKIT_MAX_MEDIA_TYPE_LEN < 65);

const ZERO_FACTS: sealkit_facts = sealkit_facts {
    key_id: [0; 8],
    alg: 0,
    has_identity: 0,
    identity: [0; 129],
    identity_len: 0,
    subject: [0; 129],
    subject_len: 0,
    content_format: 0,
    media_type: [0; 65],
    media_type_len: 0,
    issued_at: 0,
    has_version: 0,
    version: 0,
    length: 0,
    hash_alg: 0,
    digest: [0; 64],
    digest_len: 0,
};

// ---------------------------------------------------------------------------------------------
// The Rust values behind the opaque blocks.

/// "sealkVS1": a verifier this library initialised.
const VERIFIER_MAGIC: u64 = u64::from_le_bytes(*b"sealkVS1");
/// "sealkPB1": a policy this library initialised.
const POLICY_MAGIC: u64 = u64::from_le_bytes(*b"sealkPB1");

#[repr(C)]
struct CVerifier {
    // 0: empty (never read further); VERIFIER_MAGIC: the rest is ours.
    magic: u64,
    // A failure that happened before the slot could see it (a NULL argument, a failed or bad
    // policy): sticky like the slot's own errors until abort. 0 when none.
    early_error: c_int,
    slot: VerifierSlot,
}

#[repr(C)]
struct CPolicy {
    magic: u64,
    // A pointer argument that could not be read (NULL: 600), which PolicyBuilder has no code
    // for: sticky like the builder's own errors. 0 if none.
    arg_error: c_int,
    builder: PolicyBuilder,
}

const _: () = assert!(size_of::<sealkit_verifier>() == SEALKIT_VERIFIER_SIZE);
const _: () = assert!(align_of::<sealkit_verifier>() == SEALKIT_VERIFIER_ALIGN);
const _: () = assert!(size_of::<CVerifier>() <= SEALKIT_VERIFIER_SIZE);
const _: () = assert!(align_of::<CVerifier>() <= SEALKIT_VERIFIER_ALIGN);
const _: () = assert!(size_of::<sealkit_policy>() == SEALKIT_POLICY_SIZE);
const _: () = assert!(align_of::<sealkit_policy>() == SEALKIT_POLICY_ALIGN);
const _: () = assert!(size_of::<CPolicy>() <= SEALKIT_POLICY_SIZE);
const _: () = assert!(align_of::<CPolicy>() <= SEALKIT_POLICY_ALIGN);

static EMPTY_POLICY: TrustPolicy = TrustPolicy::new();

fn code(e: Error) -> c_int {
    c_int::from(e.code())
}

/// Runs an exported function's body; a panic becomes `SEALKIT_ERR_INTERNAL`.
fn guard(f: impl FnOnce() -> Result<(), c_int>) -> c_int {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => SEALKIT_OK,
        Ok(Err(c)) => c,
        Err(_) => SEALKIT_ERR_INTERNAL,
    }
}

/// An input of `len` bytes at `p`; NULL is allowed only for `len == 0`.
///
/// # Safety
/// If `p` is not NULL, it must be valid for reads of `len` bytes for `'a`.
unsafe fn input<'a>(p: *const u8, len: usize) -> Result<&'a [u8], c_int> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() {
        return Err(SEALKIT_ERR_NULL_POINTER);
    }
    if len > isize::MAX as usize {
        return Err(code(Error::ArgumentTooLong));
    }
    // SAFETY: p is non-null and, by the caller's contract, valid for len bytes; len fits isize.
    Ok(unsafe { slice::from_raw_parts(p, len) })
}

/// A UTF-8 text input: a NULL pointer (with a length) is 600, invalid UTF-8 is 508.
///
/// # Safety
/// As [`input`].
unsafe fn utf8_input<'a>(p: *const c_char, len: usize) -> Result<Result<&'a str, Error>, c_int> {
    // SAFETY: forwarded contract.
    let b = unsafe { input(p.cast::<u8>(), len) }?;
    Ok(core::str::from_utf8(b).map_err(|_| Error::ArgumentNotUtf8))
}

fn misaligned<T>(p: *const T, align: usize) -> bool {
    (p as usize) % align != 0
}

/// The library's value of type `T` in the caller-allocated block at `p`, creating it with
/// `fresh` when the block is all zero (empty). `T` must be `repr(C)` with its magic word (a
/// `u64`, never 0) as first field; any other magic means the memory is not this library's.
///
/// # Safety
/// If `p` is not NULL it must point to a block of at least `size_of::<T>()` readable and
/// writable bytes that nothing else accesses for `'a`; the caller's const assertions check that
/// `T` fits the block's public size and alignment `align`.
unsafe fn owned_block<'a, B, T>(
    p: *mut B,
    align: usize,
    magic: u64,
    fresh: impl FnOnce() -> T,
) -> Result<&'a mut T, c_int> {
    if p.is_null() {
        return Err(SEALKIT_ERR_NULL_POINTER);
    }
    if misaligned(p, align) {
        return Err(SEALKIT_ERR_BAD_STATE);
    }
    let c = p.cast::<T>();
    // SAFETY: p is non-null, aligned to `align` (>= align of u64) and points to at least 8
    // initialised bytes; every bit pattern is a valid u64. The magic is at offset 0 (repr(C)).
    let found = unsafe { ptr::read(c.cast::<u64>()) };
    if found == 0 {
        // SAFETY: p is valid for writes of size_of::<T>() bytes and suitably aligned (checked
        // above and by the const assertions).
        unsafe { ptr::write(c, fresh()) };
    } else if found != magic {
        return Err(SEALKIT_ERR_BAD_STATE);
    }
    // SAFETY: the memory holds a T written by this library (magic checked or just written), is
    // aligned, and the caller guarantees exclusive access.
    Ok(unsafe { &mut *c })
}

/// The verifier behind `p`, creating an empty one in zeroed memory.
///
/// # Safety
/// If `p` is not NULL it must point to `SEALKIT_VERIFIER_SIZE` readable and writable bytes
/// that nothing else accesses for `'a`.
unsafe fn verifier_mut<'a>(p: *mut sealkit_verifier) -> Result<&'a mut CVerifier, c_int> {
    // SAFETY: contract of this function.
    unsafe {
        owned_block(p, SEALKIT_VERIFIER_ALIGN, VERIFIER_MAGIC, || CVerifier {
            magic: VERIFIER_MAGIC,
            early_error: 0,
            slot: VerifierSlot::new(),
        })
    }
}

/// A read-only view of the verifier behind `p`: `None` for zeroed memory (an empty verifier).
///
/// # Safety
/// If `p` is not NULL it must point to `SEALKIT_VERIFIER_SIZE` readable bytes not written
/// by anything else for `'a`.
unsafe fn verifier_ref<'a>(p: *const sealkit_verifier) -> Result<Option<&'a CVerifier>, c_int> {
    if p.is_null() {
        return Err(SEALKIT_ERR_NULL_POINTER);
    }
    if misaligned(p, SEALKIT_VERIFIER_ALIGN) {
        return Err(SEALKIT_ERR_BAD_STATE);
    }
    let c = p.cast::<CVerifier>();
    // SAFETY: as in verifier_mut.
    let magic = unsafe { ptr::read(c.cast::<u64>()) };
    match magic {
        0 => Ok(None),
        // SAFETY: written by this library (magic), aligned, not mutated meanwhile.
        VERIFIER_MAGIC => Ok(Some(unsafe { &*c })),
        _ => Err(SEALKIT_ERR_BAD_STATE),
    }
}

/// The policy behind `p`, creating an empty one in zeroed memory.
///
/// # Safety
/// As [`verifier_mut`], with `SEALKIT_POLICY_SIZE` bytes.
unsafe fn policy_mut<'a>(p: *mut sealkit_policy) -> Result<&'a mut CPolicy, c_int> {
    // SAFETY: contract of this function.
    unsafe { owned_block(p, SEALKIT_POLICY_ALIGN, POLICY_MAGIC, fresh_policy) }
}

fn fresh_policy() -> CPolicy {
    CPolicy {
        magic: POLICY_MAGIC,
        arg_error: 0,
        builder: PolicyBuilder::new(),
    }
}

/// The trust policy behind `p`, or the error that makes it unusable (its first failure).
///
/// # Safety
/// If `p` is not NULL it must point to `SEALKIT_POLICY_SIZE` readable bytes not written by
/// anything else for `'a`.
unsafe fn policy_ref<'a>(p: *const sealkit_policy) -> Result<&'a TrustPolicy, c_int> {
    if p.is_null() {
        return Err(SEALKIT_ERR_NULL_POINTER);
    }
    if misaligned(p, SEALKIT_POLICY_ALIGN) {
        return Err(SEALKIT_ERR_BAD_STATE);
    }
    let c = p.cast::<CPolicy>();
    // SAFETY: as in policy_mut.
    let magic = unsafe { ptr::read(c.cast::<u64>()) };
    match magic {
        0 => Ok(&EMPTY_POLICY),
        POLICY_MAGIC => {
            // SAFETY: written by this library (magic), aligned, not mutated meanwhile.
            let c = unsafe { &*c };
            if c.arg_error != 0 {
                return Err(c.arg_error);
            }
            c.builder.policy().map_err(code)
        }
        _ => Err(SEALKIT_ERR_BAD_STATE),
    }
}

impl CVerifier {
    /// The first error already held (before or inside the slot), if any.
    fn held_error(&self) -> Option<c_int> {
        if self.early_error != 0 {
            return Some(self.early_error);
        }
        self.slot.error().map(code)
    }

    /// Runs `f` on the slot once the arguments are known good; a bad argument fails the
    /// verifier unless it already failed (the first error stays).
    fn run<A, T>(
        &mut self,
        args: Result<A, c_int>,
        f: impl FnOnce(&mut VerifierSlot, A) -> Result<T, c_int>,
    ) -> Result<T, c_int> {
        if let Some(e) = self.held_error() {
            return Err(e);
        }
        match args {
            Ok(a) => f(&mut self.slot, a),
            Err(e) => {
                self.early_error = e;
                Err(e)
            }
        }
    }
}

impl CPolicy {
    /// Applies `f` unless the policy already failed; a bad argument (NULL: 600; a core error
    /// such as invalid UTF-8 or an unparsable key: its code) fails the policy.
    fn apply<A>(
        &mut self,
        args: Result<Result<A, Error>, c_int>,
        f: impl FnOnce(&mut PolicyBuilder, A) -> Result<(), Error>,
    ) -> Result<(), c_int> {
        if self.arg_error != 0 {
            return Err(self.arg_error);
        }
        if let Some(e) = self.builder.error() {
            return Err(code(e));
        }
        match args {
            Err(c) => {
                self.arg_error = c;
                Err(c)
            }
            Ok(Err(e)) => Err(code(self.builder.fail(e))),
            Ok(Ok(a)) => f(&mut self.builder, a).map_err(code),
        }
    }
}

fn copy_text<const N: usize>(dst: &mut [c_char; N], s: &str) -> usize {
    // The last byte stays NUL; core's limits make every field fit (const assertions above).
    let room = N.saturating_sub(1);
    for (d, b) in dst.iter_mut().take(room).zip(s.bytes()) {
        *d = b as c_char;
    }
    s.len().min(room)
}

fn facts_of(v: &sealkit::Verified) -> sealkit_facts {
    let mut f = ZERO_FACTS;
    f.key_id = v.key_id().0;
    f.alg = i32::try_from(v.alg().cose_id()).unwrap_or(0);
    if let Some(id) = v.identity() {
        f.has_identity = 1;
        f.identity_len = copy_text(&mut f.identity, id);
    }
    f.subject_len = copy_text(&mut f.subject, v.subject());
    match v.content_type() {
        ContentType::CoapFormat(n) => f.content_format = i32::from(n),
        ContentType::MediaType(m) => {
            f.content_format = -1;
            f.media_type_len = copy_text(&mut f.media_type, m);
        }
    }
    f.issued_at = v.issued_at();
    if let Some(ver) = v.version() {
        f.has_version = 1;
        f.version = ver;
    }
    f.length = v.length();
    let d = v.digest();
    f.hash_alg = i32::try_from(d.alg().cose_id()).unwrap_or(0);
    let bytes = d.as_bytes();
    for (o, b) in f.digest.iter_mut().zip(bytes) {
        *o = *b;
    }
    f.digest_len = bytes.len().min(f.digest.len());
    f
}

/// Writes `facts` to `out` (any alignment), if `out` is not NULL.
///
/// # Safety
/// If not NULL, `out` must be valid for writes of one `sealkit_facts`.
unsafe fn put_facts(out: *mut sealkit_facts, facts: sealkit_facts) {
    if !out.is_null() {
        // SAFETY: non-null and valid for writes by the caller's contract; unaligned is allowed.
        unsafe { ptr::write_unaligned(out, facts) };
    }
}

// ---------------------------------------------------------------------------------------------
// Sizes and version.

/// `SEALKIT_VERIFIER_SIZE`, for callers that allocate at run time.
#[no_mangle]
pub extern "C" fn sealkit_verifier_size() -> usize {
    SEALKIT_VERIFIER_SIZE
}

/// `SEALKIT_VERIFIER_ALIGN`.
#[no_mangle]
pub extern "C" fn sealkit_verifier_align() -> usize {
    SEALKIT_VERIFIER_ALIGN
}

/// `SEALKIT_POLICY_SIZE`.
#[no_mangle]
pub extern "C" fn sealkit_policy_size() -> usize {
    SEALKIT_POLICY_SIZE
}

/// `SEALKIT_POLICY_ALIGN`.
#[no_mangle]
pub extern "C" fn sealkit_policy_align() -> usize {
    SEALKIT_POLICY_ALIGN
}

/// The library version, e.g. "0.1.0" (static, NUL-terminated).
#[no_mangle]
pub extern "C" fn sealkit_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

// ---------------------------------------------------------------------------------------------
// Error codes.

const MSG_CAP: usize = 160;
const N_ERRORS: usize = Error::ALL.len();

// Only ever evaluated at compile time (statics below): an out-of-range index fails the build.
#[allow(clippy::indexing_slicing)]
const fn nul_terminated(s: &str) -> [u8; MSG_CAP] {
    let b = s.as_bytes();
    assert!(b.len() < MSG_CAP, "message too long for the C table");
    let mut out = [0u8; MSG_CAP];
    let mut i = 0;
    while i < b.len() {
        assert!(b[i] != 0, "NUL inside a message");
        out[i] = b[i];
        i += 1;
    }
    out
}

// Built at compile time from core's own table, so the C strings cannot drift from
// `Error::message` / `Error::name`; an index out of range would fail the build.
#[allow(clippy::indexing_slicing)]
static MESSAGES: [[u8; MSG_CAP]; N_ERRORS] = {
    let mut t = [[0u8; MSG_CAP]; N_ERRORS];
    let mut i = 0;
    while i < N_ERRORS {
        t[i] = nul_terminated(Error::ALL[i].message());
        i += 1;
    }
    t
};

#[allow(clippy::indexing_slicing)]
static NAMES: [[u8; MSG_CAP]; N_ERRORS] = {
    let mut t = [[0u8; MSG_CAP]; N_ERRORS];
    let mut i = 0;
    while i < N_ERRORS {
        t[i] = nul_terminated(Error::ALL[i].name());
        i += 1;
    }
    t
};

fn lookup(table: &'static [[u8; MSG_CAP]; N_ERRORS], c: c_int) -> Option<*const c_char> {
    let i = Error::ALL.iter().position(|e| code(*e) == c)?;
    table.get(i).map(|row| row.as_ptr().cast())
}

/// A static, NUL-terminated sentence for a result code (never NULL); "unknown error code" for
/// codes this library does not define.
#[no_mangle]
pub extern "C" fn sealkit_error_message(code: c_int) -> *const c_char {
    let r = catch_unwind(|| {
        match code {
        SEALKIT_OK => c"success".as_ptr(),
        SEALKIT_ERR_NULL_POINTER => {
            c"a required pointer argument is NULL (only empty inputs may be NULL)".as_ptr()
        }
        SEALKIT_ERR_BAD_STATE => {
            c"the verifier or policy memory was not zeroed or initialised by libsealkit, or is misaligned".as_ptr()
        }
        SEALKIT_ERR_INTERNAL => c"internal error in libsealkit".as_ptr(),
        c => lookup(&MESSAGES, c).unwrap_or(c"unknown error code".as_ptr()),
    }
    });
    r.unwrap_or(c"internal error in libsealkit".as_ptr())
}

/// A static, NUL-terminated stable identifier for a result code, e.g. "digest_mismatch"
/// (never NULL); "unknown" for codes this library does not define.
#[no_mangle]
pub extern "C" fn sealkit_error_name(code: c_int) -> *const c_char {
    let r = catch_unwind(|| match code {
        SEALKIT_OK => c"ok".as_ptr(),
        SEALKIT_ERR_NULL_POINTER => c"null_pointer".as_ptr(),
        SEALKIT_ERR_BAD_STATE => c"bad_state".as_ptr(),
        SEALKIT_ERR_INTERNAL => c"internal".as_ptr(),
        c => lookup(&NAMES, c).unwrap_or(c"unknown".as_ptr()),
    });
    r.unwrap_or(c"internal".as_ptr())
}

// ---------------------------------------------------------------------------------------------
// Keys.

/// Parses a public key's text form (`sealkit-ed25519:` + base64; surrounding ASCII whitespace
/// is ignored) into its 32 raw bytes (`out_raw`) and 8-byte key id (`out_key_id`). On failure
/// both outputs are zeroed (if not NULL).
///
/// # Safety
/// `text` must be valid for `text_len` bytes (or NULL if 0); `out_raw` for writes of 32 bytes;
/// `out_key_id` for writes of 8 bytes.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_public_key_from_text(
    text: *const c_char,
    text_len: usize,
    out_raw: *mut u8,
    out_key_id: *mut u8,
) -> c_int {
    guard(|| {
        // SAFETY: each is non-null (checked) and valid for that many bytes by contract.
        let wipe = || unsafe {
            if !out_raw.is_null() {
                ptr::write_bytes(out_raw, 0, SEALKIT_PUBLIC_KEY_LEN);
            }
            if !out_key_id.is_null() {
                ptr::write_bytes(out_key_id, 0, SEALKIT_KEY_ID_LEN);
            }
        };
        wipe();
        if out_raw.is_null() || out_key_id.is_null() {
            return Err(SEALKIT_ERR_NULL_POINTER);
        }
        // SAFETY: contract of this function.
        let t = unsafe { utf8_input(text, text_len) }?.map_err(code)?;
        let key = PublicKey::from_text(t).map_err(code)?;
        // SAFETY: non-null (checked) and valid for 32 resp. 8 bytes of writes by contract.
        unsafe {
            ptr::copy_nonoverlapping(key.as_bytes().as_ptr(), out_raw, SEALKIT_PUBLIC_KEY_LEN);
            ptr::copy_nonoverlapping(key.key_id().0.as_ptr(), out_key_id, SEALKIT_KEY_ID_LEN);
        }
        Ok(())
    })
}

// ---------------------------------------------------------------------------------------------
// Trust policy.

/// Makes `policy` an empty policy (trusts nothing), whatever it held before. Zeroed memory
/// (`SEALKIT_POLICY_INIT`) is already an empty policy.
///
/// # Safety
/// `policy` must point to a `sealkit_policy` that nothing else accesses during the call.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_init(policy: *mut sealkit_policy) -> c_int {
    guard(|| {
        if policy.is_null() {
            return Err(SEALKIT_ERR_NULL_POINTER);
        }
        if misaligned(policy, SEALKIT_POLICY_ALIGN) {
            return Err(SEALKIT_ERR_BAD_STATE);
        }
        // SAFETY: non-null, aligned, valid for SEALKIT_POLICY_SIZE bytes of writes (contract);
        // whatever it held is overwritten, never read.
        unsafe {
            ptr::write_bytes(policy.cast::<u8>(), 0, SEALKIT_POLICY_SIZE);
            ptr::write(policy.cast::<CPolicy>(), fresh_policy());
        }
        Ok(())
    })
}

/// Shared body of the policy functions.
///
/// # Safety
/// `policy` as in [`sealkit_policy_init`].
unsafe fn with_policy<A>(
    policy: *mut sealkit_policy,
    args: impl FnOnce() -> Result<Result<A, Error>, c_int>,
    f: impl FnOnce(&mut PolicyBuilder, A) -> Result<(), Error>,
) -> c_int {
    guard(|| {
        // SAFETY: forwarded contract.
        let p = unsafe { policy_mut(policy) }?;
        p.apply(args(), f)
    })
}

/// Trusts the raw 32-byte Ed25519 public key `raw` for any identity. Errors: 500 (not a valid
/// key), 501 (already 8 keys), 502 (duplicate), 600.
///
/// # Safety
/// `policy` as in `sealkit_policy_init`; `raw` valid for `raw_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_trust_key(
    policy: *mut sealkit_policy,
    raw: *const u8,
    raw_len: usize,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe {
        with_policy(
            policy,
            || Ok(PublicKey::from_bytes(input(raw, raw_len)?)),
            |b, k| b.trust_key(k).map(|_| ()),
        )
    }
}

/// Trusts a public key given in text form (`sealkit-ed25519:...`) for any identity.
/// Errors: 504 (bad text), 500, 501, 502, 508 (not UTF-8), 600.
///
/// # Safety
/// `policy` as in `sealkit_policy_init`; `text` valid for `text_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_trust_key_text(
    policy: *mut sealkit_policy,
    text: *const c_char,
    text_len: usize,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe {
        with_policy(
            policy,
            || Ok(utf8_input(text, text_len)?.and_then(PublicKey::from_text)),
            |b, k| b.trust_key(k).map(|_| ()),
        )
    }
}

/// Trusts the raw key only for envelopes whose identity (`iss`) is exactly `identity`
/// (UTF-8, 1 to 128 bytes). Errors as `sealkit_policy_trust_key`, plus 503, 507, 508.
///
/// # Safety
/// `policy` as in `sealkit_policy_init`; `raw` and `identity` valid for their lengths.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_trust_key_for_identity(
    policy: *mut sealkit_policy,
    raw: *const u8,
    raw_len: usize,
    identity: *const c_char,
    identity_len: usize,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe {
        with_policy(
            policy,
            || {
                let key = input(raw, raw_len)?;
                let id = utf8_input(identity, identity_len)?;
                Ok(PublicKey::from_bytes(key).and_then(|k| Ok((k, id?))))
            },
            |b, (k, id)| b.trust_key_for_identity(k, id).map(|_| ()),
        )
    }
}

/// Trusts a key in text form only for envelopes whose identity is exactly `identity`.
///
/// # Safety
/// `policy` as in `sealkit_policy_init`; `text` and `identity` valid for their lengths.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_trust_key_text_for_identity(
    policy: *mut sealkit_policy,
    text: *const c_char,
    text_len: usize,
    identity: *const c_char,
    identity_len: usize,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe {
        with_policy(
            policy,
            || {
                let key = utf8_input(text, text_len)?;
                let id = utf8_input(identity, identity_len)?;
                Ok(key
                    .and_then(PublicKey::from_text)
                    .and_then(|k| Ok((k, id?))))
            },
            |b, (k, id)| b.trust_key_for_identity(k, id).map(|_| ()),
        )
    }
}

/// Requires the envelope's identity (`iss`) to be exactly `identity` (UTF-8, 1 to 128 bytes),
/// whichever key signed. Errors: 503, 507, 508, 600.
///
/// # Safety
/// `policy` as in `sealkit_policy_init`; `identity` valid for `identity_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_require_identity(
    policy: *mut sealkit_policy,
    identity: *const c_char,
    identity_len: usize,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe {
        with_policy(
            policy,
            || utf8_input(identity, identity_len),
            |b, id| b.require_identity(id).map(|_| ()),
        )
    }
}

/// Requires the envelope's subject (`sub`) to be exactly `subject` (UTF-8, 1 to 128 bytes).
///
/// # Safety
/// `policy` as in `sealkit_policy_init`; `subject` valid for `subject_len` bytes.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_require_subject(
    policy: *mut sealkit_policy,
    subject: *const c_char,
    subject_len: usize,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe {
        with_policy(
            policy,
            || utf8_input(subject, subject_len),
            |b, s| b.require_subject(s).map(|_| ()),
        )
    }
}

/// Requires a release version of at least `min_version` (anti-rollback).
///
/// # Safety
/// `policy` as in `sealkit_policy_init`.
#[no_mangle]
pub unsafe extern "C" fn sealkit_policy_require_min_version(
    policy: *mut sealkit_policy,
    min_version: u64,
) -> c_int {
    // SAFETY: contract of this function.
    unsafe {
        with_policy(
            policy,
            || Ok(Ok(min_version)),
            |b, m| b.require_min_version(m).map(|_| ()),
        )
    }
}

/// 0 if `policy` is usable, else the first error that made it unusable (what
/// `sealkit_verifier_init` and `sealkit_verify` will return with it).
///
/// # Safety
/// `policy` must point to a `sealkit_policy` not written during the call.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_policy_error(policy: *const sealkit_policy) -> c_int {
    guard(|| {
        // SAFETY: contract of this function.
        unsafe { policy_ref(policy) }.map(|_| ())
    })
}

// ---------------------------------------------------------------------------------------------
// Verifier.

/// Starts `state` (which must be empty: zeroed or aborted) with `envelope` under `policy`:
/// parses the envelope and checks the signature and every rule of the policy before any
/// artifact byte is read. On failure the verifier is failed with that error (sticky until
/// `sealkit_verifier_abort`); a failed policy fails it with the policy's error.
///
/// # Safety
/// `state` must point to a `sealkit_verifier` that nothing else accesses during the call;
/// `envelope` valid for `envelope_len` bytes (NULL if 0); `policy` to a `sealkit_policy`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_verifier_init(
    state: *mut sealkit_verifier,
    envelope: *const u8,
    envelope_len: usize,
    policy: *const sealkit_policy,
) -> c_int {
    guard(|| {
        // SAFETY: contract of this function.
        let v = unsafe { verifier_mut(state) }?;
        let args = if v.slot.state() == SlotState::Empty {
            // SAFETY: contract of this function.
            unsafe { input(envelope, envelope_len) }
                // SAFETY: contract of this function.
                .and_then(|env| Ok((env, unsafe { policy_ref(policy) }?)))
        } else {
            // A started or failed slot reports its own misuse or sticky error and never reads
            // the envelope or the policy: let it.
            Ok((&[][..], &EMPTY_POLICY))
        };
        v.run(args, |slot, (env, p)| slot.start(env, p).map_err(code))
    })
}

/// Absorbs the next `len` bytes of the artifact (NULL allowed if `len` is 0). Fails as soon as
/// more bytes arrive than were signed (300).
///
/// # Safety
/// `state` as in `sealkit_verifier_init`; `chunk` valid for `len` bytes.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_verifier_update(
    state: *mut sealkit_verifier,
    chunk: *const u8,
    len: usize,
) -> c_int {
    guard(|| {
        // SAFETY: contract of this function.
        let v = unsafe { verifier_mut(state) }?;
        // SAFETY: contract of this function.
        let args = unsafe { input(chunk, len) };
        v.run(args, |slot, c| slot.update(c).map_err(code))
    })
}

/// Checks the artifact's length and digest; on success (0) writes the verified facts to
/// `out_facts`. On any failure `out_facts` is zeroed. A second finish fails with 400.
///
/// # Safety
/// `state` as in `sealkit_verifier_init`; `out_facts` valid for writes of one `sealkit_facts`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_verifier_finish(
    state: *mut sealkit_verifier,
    out_facts: *mut sealkit_facts,
) -> c_int {
    guard(|| {
        // SAFETY: contract of this function.
        unsafe { put_facts(out_facts, ZERO_FACTS) };
        // SAFETY: contract of this function.
        let v = unsafe { verifier_mut(state) }?;
        let args = if out_facts.is_null() {
            Err(SEALKIT_ERR_NULL_POINTER)
        } else {
            Ok(())
        };
        let verified = v.run(args, |slot, ()| slot.finish().map_err(code))?;
        // SAFETY: non-null (checked) and valid for writes by contract.
        unsafe { put_facts(out_facts, facts_of(&verified)) };
        Ok(())
    })
}

/// Empties `state` whatever it holds (all bytes zeroed), so it can be started again. Also
/// the way to reset memory that `sealkit_verifier_init` refused with 601. Returns 0, or 600
/// for NULL.
///
/// # Safety
/// `state` must point to `SEALKIT_VERIFIER_SIZE` writable bytes that nothing else accesses.
#[no_mangle]
pub unsafe extern "C" fn sealkit_verifier_abort(state: *mut sealkit_verifier) -> c_int {
    guard(|| {
        if state.is_null() {
            return Err(SEALKIT_ERR_NULL_POINTER);
        }
        // SAFETY: valid for SEALKIT_VERIFIER_SIZE bytes of writes (contract); bytes have no
        // alignment requirement and nothing in the block is dropped (it owns no resources).
        unsafe { ptr::write_bytes(state.cast::<u8>(), 0, SEALKIT_VERIFIER_SIZE) };
        Ok(())
    })
}

/// Reports the state (`SEALKIT_STATE_*`) in `out_state` and, if failed, the sticky error in
/// `out_error` (else 0). Does not change the verifier. Returns 0, 600 or 601.
///
/// # Safety
/// `state` must point to a `sealkit_verifier` not written during the call; `out_state` and
/// `out_error` valid for writes of one `int`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_verifier_state(
    state: *const sealkit_verifier,
    out_state: *mut c_int,
    out_error: *mut c_int,
) -> c_int {
    guard(|| {
        if out_state.is_null() || out_error.is_null() {
            return Err(SEALKIT_ERR_NULL_POINTER);
        }
        // SAFETY: contract of this function.
        let v = unsafe { verifier_ref(state) }?;
        let (s, e) = match v {
            None => (SEALKIT_STATE_EMPTY, 0),
            Some(v) if v.early_error != 0 => (SEALKIT_STATE_FAILED, v.early_error),
            Some(v) => match v.slot.state() {
                SlotState::Empty => (SEALKIT_STATE_EMPTY, 0),
                SlotState::Active => (SEALKIT_STATE_ACTIVE, 0),
                SlotState::Finished => (SEALKIT_STATE_FINISHED, 0),
                SlotState::Failed(e) => (SEALKIT_STATE_FAILED, code(e)),
            },
        };
        // SAFETY: both non-null (checked) and valid for writes by contract.
        unsafe {
            ptr::write_unaligned(out_state, s);
            ptr::write_unaligned(out_error, e);
        }
        Ok(())
    })
}

/// Progress of a started verifier: the signed artifact length and the bytes received so far.
/// Returns 0, or the sticky error / 401 (not started) without changing the verifier.
///
/// # Safety
/// As `sealkit_verifier_state`, with `uint64_t` outputs.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_verifier_progress(
    state: *const sealkit_verifier,
    out_signed_length: *mut u64,
    out_bytes_received: *mut u64,
) -> c_int {
    guard(|| {
        if out_signed_length.is_null() || out_bytes_received.is_null() {
            return Err(SEALKIT_ERR_NULL_POINTER);
        }
        // SAFETY: contract of this function.
        let v = unsafe { verifier_ref(state) }?.ok_or(code(Error::NotStarted))?;
        if let Some(e) = v.held_error() {
            return Err(e);
        }
        let sv = v.slot.verifier().ok_or(code(Error::NotStarted))?;
        // SAFETY: both non-null (checked) and valid for writes by contract.
        unsafe {
            ptr::write_unaligned(out_signed_length, sv.signed_length());
            ptr::write_unaligned(out_bytes_received, sv.bytes_received());
        }
        Ok(())
    })
}

/// Verifies an artifact held in memory in one call (the same path as one update). On success
/// writes the facts; on failure zeroes `out_facts`.
///
/// # Safety
/// `envelope`/`artifact` valid for their lengths (NULL if 0); `policy` points to a
/// `sealkit_policy`; `out_facts` valid for writes of one `sealkit_facts`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_verify(
    envelope: *const u8,
    envelope_len: usize,
    artifact: *const u8,
    artifact_len: usize,
    policy: *const sealkit_policy,
    out_facts: *mut sealkit_facts,
) -> c_int {
    guard(|| {
        // SAFETY: contract of this function.
        unsafe { put_facts(out_facts, ZERO_FACTS) };
        if out_facts.is_null() {
            return Err(SEALKIT_ERR_NULL_POINTER);
        }
        // SAFETY: contract of this function.
        let env = unsafe { input(envelope, envelope_len) }?;
        // SAFETY: contract of this function.
        let art = unsafe { input(artifact, artifact_len) }?;
        // SAFETY: contract of this function.
        let p = unsafe { policy_ref(policy) }?;
        let v = sealkit::verify_slice(env, art, p).map_err(code)?;
        // SAFETY: non-null (checked) and valid for writes by contract.
        unsafe { put_facts(out_facts, facts_of(&v)) };
        Ok(())
    })
}

#[cfg(test)]
mod tests;

mod sealed;
pub use sealed::*;

mod tree;
pub use tree::*;

mod trust;
pub use trust::*;
