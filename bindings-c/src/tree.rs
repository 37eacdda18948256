//! Tree signatures from C: `sealkit_tree_verifier_*` over `sealkit::TreeVerifierState`, in a
//! caller-allocated block like the verifier. Only marshalling: the format, every check and the
//! state machine are the core's.
//!
//! The core state does not own the manifest (it can be 256 MiB). The block keeps the caller's
//! pointer and length of the manifest part of the signature buffer given to init (zlib's
//! `next_in` convention): that buffer must stay alive and unchanged until finish, abort or the
//! block is discarded. Entries handed out point into it.

use core::ffi::{c_char, c_int};
use core::mem::{align_of, size_of};
use core::{ptr, slice};

use sealkit::{split_tree_signature, EntryKind, Error, TreeEntry, TreeVerifierState};

use super::{
    code, facts_of, guard, input, owned_block, policy_ref, put_facts, sealkit_facts,
    sealkit_policy, SEALKIT_ERR_BAD_STATE, SEALKIT_ERR_NULL_POINTER, SEALKIT_STATE_ACTIVE,
    SEALKIT_STATE_EMPTY, SEALKIT_STATE_FAILED, SEALKIT_STATE_FINISHED, ZERO_FACTS,
};

/// Size in bytes of `sealkit_tree_verifier` (fixed by the ABI, with headroom).
pub const SEALKIT_TREE_VERIFIER_SIZE: usize = 2048;
/// Alignment in bytes of `sealkit_tree_verifier`.
pub const SEALKIT_TREE_VERIFIER_ALIGN: usize = 16;

/// `sealkit_tree_entry.kind` after the last entry: nothing more to read, call finish.
pub const SEALKIT_TREE_END: i32 = 0;
/// `sealkit_tree_entry.kind`: a regular file; pass its bytes to `sealkit_tree_verifier_update`.
pub const SEALKIT_TREE_FILE: i32 = 1;
/// `sealkit_tree_entry.kind`: a directory.
pub const SEALKIT_TREE_DIRECTORY: i32 = 2;
/// `sealkit_tree_entry.kind`: a symbolic link (never followed).
pub const SEALKIT_TREE_SYMLINK: i32 = 3;

/// A tree verifier for one tree signature file (`DIR.sig`): opaque, caller-allocated. All
/// zero bytes (`SEALKIT_TREE_VERIFIER_INIT`) or `sealkit_tree_verifier_abort` make it empty;
/// start it with `sealkit_tree_verifier_init`. It owns no heap memory (no destructor) but
/// refers to the caller's signature buffer while started.
#[repr(C, align(16))]
pub struct sealkit_tree_verifier {
    _opaque: [u8; SEALKIT_TREE_VERIFIER_SIZE],
}

impl core::fmt::Debug for sealkit_tree_verifier {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("sealkit_tree_verifier { .. }")
    }
}

/// One manifest entry, as `sealkit_tree_verifier_next_entry` reports it. The texts point into
/// the signature buffer given to `sealkit_tree_verifier_init` (valid as long as it is) and are
/// NOT NUL-terminated: use their lengths. Fields that do not apply to the kind are zero/NULL.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct sealkit_tree_entry {
    /// `SEALKIT_TREE_FILE`, `_DIRECTORY`, `_SYMLINK`, or `SEALKIT_TREE_END` after the last.
    pub kind: i32,
    /// The path relative to the tree's root, `/`-separated UTF-8 (no NUL inside).
    pub path: *const c_char,
    /// Length of `path` in bytes (1 to 1024).
    pub path_len: usize,
    /// File: its exact size in bytes.
    pub size: u64,
    /// File: 1 if any execute permission bit is signed as set, else 0.
    pub executable: i32,
    /// File: the SHA-256 of its content (checked by the library; for information).
    pub sha256: [u8; 32],
    /// Symlink: the link's target text, UTF-8.
    pub target: *const c_char,
    /// Length of `target` in bytes.
    pub target_len: usize,
    /// Symlink: 1 if the target lexically leaves the tree (absolute, or too many `..`).
    pub outside: i32,
}

const END_ENTRY: sealkit_tree_entry = sealkit_tree_entry {
    kind: SEALKIT_TREE_END,
    path: ptr::null(),
    path_len: 0,
    size: 0,
    executable: 0,
    sha256: [0; 32],
    target: ptr::null(),
    target_len: 0,
    outside: 0,
};

fn entry_of(e: &TreeEntry<'_>) -> sealkit_tree_entry {
    let mut out = END_ENTRY;
    out.path = e.path.as_ptr().cast();
    out.path_len = e.path.len();
    match e.kind {
        EntryKind::File {
            executable,
            size,
            sha256,
        } => {
            out.kind = SEALKIT_TREE_FILE;
            out.size = size;
            out.executable = i32::from(executable);
            out.sha256 = sha256;
        }
        EntryKind::Directory => out.kind = SEALKIT_TREE_DIRECTORY,
        EntryKind::Symlink { target, outside } => {
            out.kind = SEALKIT_TREE_SYMLINK;
            out.target = target.as_ptr().cast();
            out.target_len = target.len();
            out.outside = i32::from(outside);
        }
    }
    out
}

/// "sealkTV1": a tree verifier this library initialised.
const TREE_MAGIC: u64 = u64::from_le_bytes(*b"sealkTV1");

#[repr(C)]
struct CTreeVerifier {
    magic: u64,
    // A failure outside the core state (NULL argument, bad policy, misuse before init):
    // sticky until abort. 0 when none.
    early_error: c_int,
    // The manifest part of the caller's signature buffer (NULL, 0 until init).
    manifest: *const u8,
    manifest_len: usize,
    // None until a successful init.
    inner: Option<TreeVerifierState>,
}

const _: () = assert!(size_of::<sealkit_tree_verifier>() == SEALKIT_TREE_VERIFIER_SIZE);
const _: () = assert!(align_of::<sealkit_tree_verifier>() == SEALKIT_TREE_VERIFIER_ALIGN);
const _: () = assert!(size_of::<CTreeVerifier>() <= SEALKIT_TREE_VERIFIER_SIZE);
const _: () = assert!(align_of::<CTreeVerifier>() <= SEALKIT_TREE_VERIFIER_ALIGN);

/// The tree verifier behind `p`, creating an empty one in zeroed memory.
///
/// # Safety
/// If `p` is not NULL it must point to `SEALKIT_TREE_VERIFIER_SIZE` readable and writable
/// bytes that nothing else accesses for `'a`.
unsafe fn tree_mut<'a>(p: *mut sealkit_tree_verifier) -> Result<&'a mut CTreeVerifier, c_int> {
    // SAFETY: contract of this function.
    unsafe {
        owned_block(p, SEALKIT_TREE_VERIFIER_ALIGN, TREE_MAGIC, || {
            CTreeVerifier {
                magic: TREE_MAGIC,
                early_error: 0,
                manifest: ptr::null(),
                manifest_len: 0,
                inner: None,
            }
        })
    }
}

impl CTreeVerifier {
    fn held_error(&self) -> Option<c_int> {
        if self.early_error != 0 {
            return Some(self.early_error);
        }
        self.inner
            .as_ref()
            .and_then(TreeVerifierState::error)
            .map(code)
    }

    fn fail(&mut self, e: c_int) -> c_int {
        self.early_error = e;
        e
    }

    /// The started state, or the sticky error (401 if never started, which fails it).
    fn started(&mut self) -> Result<&mut TreeVerifierState, c_int> {
        if let Some(e) = self.held_error() {
            return Err(e);
        }
        if self.inner.is_none() {
            return Err(self.fail(code(Error::NotStarted)));
        }
        self.inner.as_mut().ok_or(SEALKIT_ERR_BAD_STATE)
    }

    /// The manifest bytes recorded at init.
    ///
    /// # Safety
    /// The caller's signature buffer given to init must still be alive and unchanged (the
    /// documented contract of every `sealkit_tree_verifier_*` function).
    unsafe fn manifest<'a>(&self) -> &'a [u8] {
        if self.manifest.is_null() || self.manifest_len == 0 {
            return &[];
        }
        // SAFETY: recorded at init from a valid slice of the caller's buffer, which the
        // caller keeps alive and unchanged (contract); its length fits isize (it was a slice).
        unsafe { slice::from_raw_parts(self.manifest, self.manifest_len) }
    }
}

/// Starts `state` (which must be empty: zeroed or aborted) with the tree signature file `sig`
/// (`DIR.sig`, the CBOR array `[envelope, manifest]`) under `policy`: checks the signature,
/// the policy, the envelope's tree media type, the manifest's length and digest and every
/// manifest rule before any entry is handed out. On failure the verifier is failed with that
/// error (sticky until `sealkit_tree_verifier_abort`); 402 if already started.
///
/// The library keeps a pointer into `sig`: the buffer must stay alive and unchanged until the
/// verifier is finished, aborted or discarded.
///
/// # Safety
/// `state` must point to a `sealkit_tree_verifier` that nothing else accesses during the call;
/// `sig` valid for `sig_len` bytes (NULL if 0) and for as long as the verifier is used;
/// `policy` to a `sealkit_policy`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_tree_verifier_init(
    state: *mut sealkit_tree_verifier,
    sig: *const u8,
    sig_len: usize,
    policy: *const sealkit_policy,
) -> c_int {
    guard(|| {
        // SAFETY: contract of this function.
        let t = unsafe { tree_mut(state) }?;
        if let Some(e) = t.held_error() {
            return Err(e);
        }
        if t.inner.is_some() {
            return Err(t.fail(code(Error::AlreadyStarted)));
        }
        // SAFETY: contract of this function.
        let args = unsafe { input(sig, sig_len) }
            // SAFETY: contract of this function.
            .and_then(|s| Ok((s, unsafe { policy_ref(policy) }?)));
        let (sig, p) = args.map_err(|e| t.fail(e))?;
        let st = TreeVerifierState::from_signature(sig, p).map_err(|e| t.fail(code(e)))?;
        let (_, manifest) = split_tree_signature(sig).map_err(|e| t.fail(code(e)))?;
        t.manifest = manifest.as_ptr();
        t.manifest_len = manifest.len();
        t.inner = Some(st);
        Ok(())
    })
}

/// Closes the current file (checking its size and SHA-256: 311 too short, 312 mismatch) and
/// writes the next manifest entry to `out_entry`; after the last entry, `out_entry->kind` is
/// `SEALKIT_TREE_END`. On failure `*out_entry` is an END entry too (all zero).
///
/// # Safety
/// `state` as in `sealkit_tree_verifier_init` (with its signature buffer still valid);
/// `out_entry` valid for writes of one `sealkit_tree_entry`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_tree_verifier_next_entry(
    state: *mut sealkit_tree_verifier,
    out_entry: *mut sealkit_tree_entry,
) -> c_int {
    guard(|| {
        if !out_entry.is_null() {
            // SAFETY: non-null and valid for writes by contract; unaligned allowed.
            unsafe { ptr::write_unaligned(out_entry, END_ENTRY) };
        }
        // SAFETY: contract of this function.
        let t = unsafe { tree_mut(state) }?;
        if out_entry.is_null() {
            return Err(t
                .held_error()
                .unwrap_or_else(|| t.fail(SEALKIT_ERR_NULL_POINTER)));
        }
        // SAFETY: the signature buffer is alive and unchanged (contract).
        let manifest = unsafe { t.manifest() };
        let next = t.started()?.next_entry(manifest).map_err(code)?;
        if let Some(e) = next {
            // SAFETY: non-null (checked) and valid for writes by contract.
            unsafe { ptr::write_unaligned(out_entry, entry_of(&e)) };
        }
        Ok(())
    })
}

/// Absorbs the next `len` bytes of the current file (NULL allowed if `len` is 0). Fails with
/// 310 as soon as more bytes arrive than its signed size, 314 if the current entry is not a
/// file.
///
/// # Safety
/// `state` as in `sealkit_tree_verifier_init`; `chunk` valid for `len` bytes.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_tree_verifier_update(
    state: *mut sealkit_tree_verifier,
    chunk: *const u8,
    len: usize,
) -> c_int {
    guard(|| {
        // SAFETY: contract of this function.
        let t = unsafe { tree_mut(state) }?;
        // SAFETY: contract of this function.
        let data = match unsafe { input(chunk, len) } {
            Ok(d) => d,
            Err(e) => return Err(t.held_error().unwrap_or_else(|| t.fail(e))),
        };
        t.started()?.update(data).map_err(code)
    })
}

/// Closes the last file and checks that every entry was visited (313 if not); on success (0)
/// writes the facts of the manifest's envelope to `out_facts` (the length and digest are the
/// manifest's). On any failure `out_facts` is zeroed. A second finish fails with 400.
///
/// # Safety
/// `state` as in `sealkit_tree_verifier_init`; `out_facts` valid for writes of one
/// `sealkit_facts`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_tree_verifier_finish(
    state: *mut sealkit_tree_verifier,
    out_facts: *mut sealkit_facts,
) -> c_int {
    guard(|| {
        // SAFETY: contract of this function.
        unsafe { put_facts(out_facts, ZERO_FACTS) };
        // SAFETY: contract of this function.
        let t = unsafe { tree_mut(state) }?;
        if out_facts.is_null() {
            return Err(t
                .held_error()
                .unwrap_or_else(|| t.fail(SEALKIT_ERR_NULL_POINTER)));
        }
        let verified = t.started()?.finish().map_err(code)?;
        // SAFETY: non-null (checked) and valid for writes by contract.
        unsafe { put_facts(out_facts, facts_of(&verified)) };
        Ok(())
    })
}

/// Empties `state` whatever it holds (all bytes zeroed), releasing the signature buffer.
/// Returns 0, or 600 for NULL.
///
/// # Safety
/// `state` must point to `SEALKIT_TREE_VERIFIER_SIZE` writable bytes that nothing else
/// accesses.
#[no_mangle]
pub unsafe extern "C" fn sealkit_tree_verifier_abort(state: *mut sealkit_tree_verifier) -> c_int {
    guard(|| {
        if state.is_null() {
            return Err(SEALKIT_ERR_NULL_POINTER);
        }
        // SAFETY: valid for SEALKIT_TREE_VERIFIER_SIZE bytes of writes (contract); nothing in
        // the block owns resources, so nothing needs dropping.
        unsafe { ptr::write_bytes(state.cast::<u8>(), 0, SEALKIT_TREE_VERIFIER_SIZE) };
        Ok(())
    })
}

/// Reports the state (`SEALKIT_STATE_EMPTY` before init, `_ACTIVE`, `_FINISHED`, `_FAILED`)
/// in `out_state` and the sticky error in `out_error` (else 0).
///
/// # Safety
/// `state` must point to a `sealkit_tree_verifier` that nothing else accesses during the
/// call; `out_state` and `out_error` valid for writes of one `int`.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_tree_verifier_state(
    state: *mut sealkit_tree_verifier,
    out_state: *mut c_int,
    out_error: *mut c_int,
) -> c_int {
    guard(|| {
        if out_state.is_null() || out_error.is_null() {
            return Err(SEALKIT_ERR_NULL_POINTER);
        }
        // SAFETY: contract of this function.
        let t = unsafe { tree_mut(state) }?;
        let (s, e) = match (t.held_error(), t.inner.as_ref()) {
            (Some(e), _) => (SEALKIT_STATE_FAILED, e),
            (None, None) => (SEALKIT_STATE_EMPTY, 0),
            (None, Some(st)) if st.is_finished() => (SEALKIT_STATE_FINISHED, 0),
            (None, Some(_)) => (SEALKIT_STATE_ACTIVE, 0),
        };
        // SAFETY: both non-null (checked) and valid for writes by contract.
        unsafe {
            ptr::write_unaligned(out_state, s);
            ptr::write_unaligned(out_error, e);
        }
        Ok(())
    })
}

/// Counts of a started tree verifier: the manifest's entries, the entries not handed out
/// yet, and its exclusion patterns. Returns 0, or the sticky error / 401 (not started; this
/// does not fail the verifier).
///
/// # Safety
/// As `sealkit_tree_verifier_state`, with `uint64_t` outputs.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_tree_verifier_counts(
    state: *mut sealkit_tree_verifier,
    out_entry_count: *mut u64,
    out_entries_left: *mut u64,
    out_exclusion_count: *mut u64,
) -> c_int {
    guard(|| {
        if out_entry_count.is_null() || out_entries_left.is_null() || out_exclusion_count.is_null()
        {
            return Err(SEALKIT_ERR_NULL_POINTER);
        }
        // SAFETY: contract of this function.
        let t = unsafe { tree_mut(state) }?;
        if let Some(e) = t.held_error() {
            return Err(e);
        }
        let st = t.inner.as_ref().ok_or(code(Error::NotStarted))?;
        // SAFETY: the signature buffer is alive and unchanged (contract).
        let m = st.manifest(unsafe { t.manifest() }).map_err(code)?;
        let exclusions = m.exclusions().count() as u64;
        // SAFETY: all non-null (checked) and valid for writes by contract.
        unsafe {
            ptr::write_unaligned(out_entry_count, st.entry_count());
            ptr::write_unaligned(out_entries_left, st.entries_left());
            ptr::write_unaligned(out_exclusion_count, exclusions);
        }
        Ok(())
    })
}

/// The exclusion pattern number `index` (from 0, in the manifest's sorted order) of a started
/// verifier: `*out_pattern` points into the signature buffer (not NUL-terminated, UTF-8) and
/// `*out_len` is its length; both NULL/0 when `index` is past the last. Returns 0, or the
/// sticky error / 401 (not started; this does not fail the verifier).
///
/// # Safety
/// `state` as in `sealkit_tree_verifier_state`; `out_pattern` and `out_len` valid for writes.
#[no_mangle]
#[must_use]
pub unsafe extern "C" fn sealkit_tree_verifier_exclusion(
    state: *mut sealkit_tree_verifier,
    index: usize,
    out_pattern: *mut *const c_char,
    out_len: *mut usize,
) -> c_int {
    guard(|| {
        if out_pattern.is_null() || out_len.is_null() {
            return Err(SEALKIT_ERR_NULL_POINTER);
        }
        // SAFETY: both non-null (checked) and valid for writes by contract.
        unsafe {
            ptr::write_unaligned(out_pattern, ptr::null());
            ptr::write_unaligned(out_len, 0);
        }
        // SAFETY: contract of this function.
        let t = unsafe { tree_mut(state) }?;
        if let Some(e) = t.held_error() {
            return Err(e);
        }
        let st = t.inner.as_ref().ok_or(code(Error::NotStarted))?;
        // SAFETY: the signature buffer is alive and unchanged (contract).
        let m = st.manifest(unsafe { t.manifest() }).map_err(code)?;
        if let Some(p) = m.exclusions().nth(index) {
            // SAFETY: as above.
            unsafe {
                ptr::write_unaligned(out_pattern, p.as_ptr().cast());
                ptr::write_unaligned(out_len, p.len());
            }
        }
        Ok(())
    })
}

/// `SEALKIT_TREE_VERIFIER_SIZE`, for callers that allocate at run time.
#[no_mangle]
pub extern "C" fn sealkit_tree_verifier_size() -> usize {
    SEALKIT_TREE_VERIFIER_SIZE
}

/// `SEALKIT_TREE_VERIFIER_ALIGN`.
#[no_mangle]
pub extern "C" fn sealkit_tree_verifier_align() -> usize {
    SEALKIT_TREE_VERIFIER_ALIGN
}

#[cfg(test)]
#[path = "tree_tests.rs"]
mod sequences;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_fits_with_headroom() {
        // The state must fit (const assertions); this prints the real size for the README.
        let used = size_of::<CTreeVerifier>();
        println!("CTreeVerifier: {used} of {SEALKIT_TREE_VERIFIER_SIZE} bytes");
        assert!(used <= SEALKIT_TREE_VERIFIER_SIZE);
        assert_ne!(TREE_MAGIC, 0);
    }
}
