//! Sealed streams from C: `sealkit_unsealer_*` over `sealkit::Unsealer`, in a caller-allocated
//! block like the verifier. Only marshalling: the format and every check are the core's.

use core::ffi::c_int;
use core::mem::{align_of, size_of};
use core::ptr;

use sealkit::{Error, UnsealState, Unsealer};

use super::{
    code, facts_of, guard, input, owned_block, policy_ref, put_facts, sealkit_facts,
    sealkit_policy, SEALKIT_ERR_BAD_STATE, SEALKIT_ERR_NULL_POINTER, SEALKIT_STATE_ACTIVE,
    SEALKIT_STATE_EMPTY, SEALKIT_STATE_FAILED, SEALKIT_STATE_FINISHED, ZERO_FACTS,
};

/// Size in bytes of `sealkit_unsealer` (fixed by the ABI, with headroom): it holds a copy of
/// the policy and a buffer for the largest envelope.
pub const SEALKIT_UNSEALER_SIZE: usize = 8192;
/// Alignment in bytes of `sealkit_unsealer`.
pub const SEALKIT_UNSEALER_ALIGN: usize = 16;
/// Size in bytes of the sealed-stream header (magic, version, envelope length).
pub const SEALKIT_SEALED_HEADER_LEN: usize = 11;

/// An unsealer for one sealed stream: opaque, caller-allocated. All zero bytes
/// (`SEALKIT_UNSEALER_INIT`) or `sealkit_unsealer_abort` make it empty; start it with
/// `sealkit_unsealer_init`. It holds no pointers and owns no heap memory (no destructor).
#[repr(C, align(16))]
pub struct sealkit_unsealer {
    _opaque: [u8; SEALKIT_UNSEALER_SIZE],
}

impl core::fmt::Debug for sealkit_unsealer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("sealkit_unsealer { .. }")
    }
}

/// "sealkUS1": an unsealer this library initialised.
const UNSEALER_MAGIC: u64 = u64::from_le_bytes(*b"sealkUS1");

#[repr(C)]
struct CUnsealer {
    magic: u64,
    // A failure outside the core unsealer (NULL argument, bad policy, misuse before init):
    // sticky until abort. 0 when none.
    early_error: c_int,
    // None until init.
    inner: Option<Unsealer>,
}

const _: () = assert!(size_of::<sealkit_unsealer>() == SEALKIT_UNSEALER_SIZE);
const _: () = assert!(align_of::<sealkit_unsealer>() == SEALKIT_UNSEALER_ALIGN);
const _: () = assert!(size_of::<CUnsealer>() <= SEALKIT_UNSEALER_SIZE);
const _: () = assert!(align_of::<CUnsealer>() <= SEALKIT_UNSEALER_ALIGN);
const _: () = assert!(SEALKIT_SEALED_HEADER_LEN == sealkit::SEALED_HEADER_LEN);

/// The unsealer behind `p`, creating an empty one in zeroed memory.
///
/// # Safety
/// If `p` is not NULL it must point to `SEALKIT_UNSEALER_SIZE` readable and writable bytes
/// that nothing else accesses for `'a`.
unsafe fn unsealer_mut<'a>(p: *mut sealkit_unsealer) -> Result<&'a mut CUnsealer, c_int> {
    // SAFETY: contract of this function.
    unsafe {
        owned_block(p, SEALKIT_UNSEALER_ALIGN, UNSEALER_MAGIC, || CUnsealer {
            magic: UNSEALER_MAGIC,
            early_error: 0,
            inner: None,
        })
    }
}

impl CUnsealer {
    fn held_error(&self) -> Option<c_int> {
        if self.early_error != 0 {
            return Some(self.early_error);
        }
        self.inner.as_ref().and_then(Unsealer::error).map(code)
    }

    fn fail(&mut self, e: c_int) -> c_int {
        self.early_error = e;
        e
    }

    /// The started unsealer, or the sticky error (401 if never started, which fails it).
    fn started(&mut self) -> Result<&mut Unsealer, c_int> {
        if let Some(e) = self.held_error() {
            return Err(e);
        }
        if self.inner.is_none() {
            return Err(self.fail(code(Error::NotStarted)));
        }
        self.inner.as_mut().ok_or(SEALKIT_ERR_BAD_STATE)
    }
}

/// Starts `state` (which must be empty: zeroed or aborted) for a sealed stream verified under
/// `policy` (copied). A started unsealer fails with 402; a failed policy fails it with the
/// policy's error.
///
/// # Safety
/// `state` must point to a `sealkit_unsealer` that nothing else accesses during the call;
/// `policy` to a `sealkit_policy`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_unsealer_init(
    state: *mut sealkit_unsealer,
    policy: *const sealkit_policy,
) -> c_int {
    guard(|| {
        // SAFETY: contract of this function.
        let u = unsafe { unsealer_mut(state) }?;
        if let Some(e) = u.held_error() {
            return Err(e);
        }
        if u.inner.is_some() {
            return Err(u.fail(code(Error::AlreadyStarted)));
        }
        // SAFETY: contract of this function.
        match unsafe { policy_ref(policy) } {
            Ok(p) => {
                u.inner = Some(Unsealer::new(p));
                Ok(())
            }
            Err(e) => Err(u.fail(e)),
        }
    })
}

/// Absorbs the next `len` bytes of the sealed stream (NULL allowed if `len` is 0), and writes
/// to `out_payload_offset` where the artifact bytes of this chunk begin: bytes
/// `chunk[*out_payload_offset .. len]` are artifact bytes (none if it equals `len`), not yet
/// verified. The signature and the policy are checked as soon as the envelope is complete,
/// before any artifact byte is reported. On failure `*out_payload_offset` is `len`.
///
/// # Safety
/// `state` as in `sealkit_unsealer_init`; `chunk` valid for `len` bytes; `out_payload_offset`
/// valid for writes of one `size_t`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_unsealer_update(
    state: *mut sealkit_unsealer,
    chunk: *const u8,
    len: usize,
    out_payload_offset: *mut usize,
) -> c_int {
    guard(|| {
        if out_payload_offset.is_null() {
            // SAFETY: contract of this function.
            let u = unsafe { unsealer_mut(state) }?;
            return Err(u
                .held_error()
                .unwrap_or_else(|| u.fail(SEALKIT_ERR_NULL_POINTER)));
        }
        // SAFETY: non-null and valid for writes by contract.
        unsafe { ptr::write_unaligned(out_payload_offset, len) };
        // SAFETY: contract of this function.
        let u = unsafe { unsealer_mut(state) }?;
        // SAFETY: contract of this function.
        let data = match unsafe { input(chunk, len) } {
            Ok(d) => d,
            Err(e) => return Err(u.held_error().unwrap_or_else(|| u.fail(e))),
        };
        let off = u.started()?.update_offset(data).map_err(code)?;
        // SAFETY: as above.
        unsafe { ptr::write_unaligned(out_payload_offset, off) };
        Ok(())
    })
}

/// Checks that the stream ended right after the signed length and that the digest matches;
/// on success (0) writes the verified facts to `out_facts`. On any failure `out_facts` is
/// zeroed. A stream that ended inside the header or envelope fails with 142, inside the
/// artifact with 301; a second finish with 400.
///
/// # Safety
/// `state` as in `sealkit_unsealer_init`; `out_facts` valid for writes of one `sealkit_facts`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_unsealer_finish(
    state: *mut sealkit_unsealer,
    out_facts: *mut sealkit_facts,
) -> c_int {
    guard(|| {
        // SAFETY: contract of this function.
        unsafe { put_facts(out_facts, ZERO_FACTS) };
        // SAFETY: contract of this function.
        let u = unsafe { unsealer_mut(state) }?;
        if out_facts.is_null() {
            return Err(u
                .held_error()
                .unwrap_or_else(|| u.fail(SEALKIT_ERR_NULL_POINTER)));
        }
        let verified = u.started()?.finish().map_err(code)?;
        // SAFETY: non-null (checked) and valid for writes by contract.
        unsafe { put_facts(out_facts, facts_of(&verified)) };
        Ok(())
    })
}

/// Empties `state` whatever it holds (all bytes zeroed). Returns 0, or 600 for NULL.
///
/// # Safety
/// `state` must point to `SEALKIT_UNSEALER_SIZE` writable bytes that nothing else accesses.
#[no_mangle]
pub unsafe extern "C" fn sealkit_unsealer_abort(state: *mut sealkit_unsealer) -> c_int {
    guard(|| {
        if state.is_null() {
            return Err(SEALKIT_ERR_NULL_POINTER);
        }
        // SAFETY: valid for SEALKIT_UNSEALER_SIZE bytes of writes (contract); nothing in the
        // block owns resources, so nothing needs dropping.
        unsafe { ptr::write_bytes(state.cast::<u8>(), 0, SEALKIT_UNSEALER_SIZE) };
        Ok(())
    })
}

/// Reports the state (`SEALKIT_STATE_EMPTY` before init, `_ACTIVE` while reading,
/// `_FINISHED`, `_FAILED`) in `out_state` and the sticky error in `out_error` (else 0).
///
/// # Safety
/// `state` must point to a `sealkit_unsealer` that nothing else accesses during the call;
/// `out_state` and `out_error` valid for writes of one `int`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_unsealer_state(
    state: *mut sealkit_unsealer,
    out_state: *mut c_int,
    out_error: *mut c_int,
) -> c_int {
    guard(|| {
        if out_state.is_null() || out_error.is_null() {
            return Err(SEALKIT_ERR_NULL_POINTER);
        }
        // SAFETY: contract of this function.
        let u = unsafe { unsealer_mut(state) }?;
        let (s, e) = if u.early_error != 0 {
            (SEALKIT_STATE_FAILED, u.early_error)
        } else {
            match u.inner.as_ref().map(Unsealer::state) {
                None => (SEALKIT_STATE_EMPTY, 0),
                Some(UnsealState::Finished) => (SEALKIT_STATE_FINISHED, 0),
                Some(UnsealState::Failed(e)) => (SEALKIT_STATE_FAILED, code(e)),
                Some(_) => (SEALKIT_STATE_ACTIVE, 0),
            }
        };
        // SAFETY: both non-null (checked) and valid for writes by contract.
        unsafe {
            ptr::write_unaligned(out_state, s);
            ptr::write_unaligned(out_error, e);
        }
        Ok(())
    })
}

/// Writes the sealed-stream header for an envelope of `envelope_len` bytes to `out`
/// (`SEALKIT_SEALED_HEADER_LEN` bytes). Returns 0, 129 (longer than the largest envelope), 507
/// (zero) or 600.
///
/// # Safety
/// `out` valid for writes of `SEALKIT_SEALED_HEADER_LEN` bytes.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_sealed_header(envelope_len: usize, out: *mut u8) -> c_int {
    guard(|| {
        if out.is_null() {
            return Err(SEALKIT_ERR_NULL_POINTER);
        }
        let h = sealkit::sealed_header(envelope_len).map_err(code)?;
        // SAFETY: out is non-null and valid for SEALKIT_SEALED_HEADER_LEN bytes (contract).
        unsafe { ptr::copy_nonoverlapping(h.as_ptr(), out, h.len()) };
        Ok(())
    })
}

/// `SEALKIT_UNSEALER_SIZE`, for callers that allocate at run time.
#[no_mangle]
pub extern "C" fn sealkit_unsealer_size() -> usize {
    SEALKIT_UNSEALER_SIZE
}

/// `SEALKIT_UNSEALER_ALIGN`.
#[no_mangle]
pub extern "C" fn sealkit_unsealer_align() -> usize {
    SEALKIT_UNSEALER_ALIGN
}
