//! The C API (`bindings-c`) driven in arbitrary orders with arbitrary arguments, including
//! misuse: NULL pointers, misaligned blocks, memory the library never initialised, one block
//! used as a verifier, a policy and an unsealer in turn, calls after failures and after finish.
//!
//! The binding's source is compiled into this target as a module (its crate has no `rlib`:
//! its library name, `sealkit`, is the core's), so the fuzzer sees and instruments exactly the
//! `extern "C"` functions C callers link.
//!
//! Checks: every result is 0, one of the core's error codes, 600 or 601, never 602 (a caught
//! panic); a verifier or unsealer that reports itself failed returns that same error from every
//! later call until abort; a policy's first error is sticky and is what a verifier started with
//! it returns; a successful finish (or `sealkit_verify`) happens only when exactly the signed
//! artifact was fed, and its facts say so; names and messages are never NULL.
//!
//! Input: a sequence of operations, each an opcode byte and its arguments (see `Run::step`).
#![no_main]

#[path = "../../bindings-c/src/lib.rs"]
#[allow(dead_code, unused_imports, unreachable_pub, missing_docs, clippy::all)]
mod capi;

use core::ffi::{c_char, c_int, CStr};
use std::sync::OnceLock;

use capi::*;
use libfuzzer_sys::fuzz_target;
use sealkit::{ContentType, Error, HashAlg, SignatureAlg, PUBLIC_KEY_TEXT_LEN};
use sealkit_fuzz::{fuzz_key, other_key, sign_envelope, Input};

const V_SIZE: usize = SEALKIT_VERIFIER_SIZE;
const P_SIZE: usize = SEALKIT_POLICY_SIZE;
const U_SIZE: usize = SEALKIT_UNSEALER_SIZE;
// Layout of the arena: two verifiers, two policies, one unsealer, then a "garbage" block big
// enough for any of them (initially 0xA5 bytes, which no magic word matches).
const V0: usize = 0;
const P0: usize = 2 * V_SIZE;
const U0: usize = P0 + 2 * P_SIZE;
const T0: usize = U0 + U_SIZE;
const T_SIZE: usize = SEALKIT_TREE_VERIFIER_SIZE;
const G: usize = T0 + T_SIZE;
const G_SIZE: usize = U_SIZE + 16;
const ARENA: usize = G + G_SIZE + 16;

#[repr(C, align(16))]
struct Arena([u8; ARENA]);

#[repr(C, align(16))]
struct FactsBuf([u8; core::mem::size_of::<sealkit_facts>() + 16]);

struct Fixture {
    // A tree signature file over `dir/`, `dir/a` (the artifact) and `dir/b` (b"tree file b").
    tree_sig: Vec<u8>,
    tree_files: [Vec<u8>; 2],
    artifact: Vec<u8>,
    envelope: Vec<u8>,
    stream: Vec<u8>,
    key_text: String,
    other_text: String,
}

fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let artifact: Vec<u8> = (0..300u32).map(|i| (i % 251) as u8).collect();
        let envelope = sign_envelope(
            fuzz_key(),
            SignatureAlg::Ed25519,
            HashAlg::Sha256,
            &artifact,
            artifact.len() as u64,
            ContentType::OCTET_STREAM,
            "firmware.bin",
            Some("ci@vendor.example"),
            1_700_000_000,
            Some(42),
        )
        .unwrap_or_default();
        let mut stream = sealkit::sealed_header(envelope.len())
            .map(|h| h.to_vec())
            .unwrap_or_default();
        stream.extend_from_slice(&envelope);
        stream.extend_from_slice(&artifact);
        let tree_files = [artifact.clone(), b"tree file b".to_vec()];
        let tree_sig = tree_signature(&tree_files);
        let text = |k: &sealkit::SigningKey| {
            let mut b = [0u8; PUBLIC_KEY_TEXT_LEN];
            k.public_key().to_text(&mut b).to_owned()
        };
        Fixture {
            key_text: text(fuzz_key()),
            other_text: text(other_key()),
            artifact,
            envelope,
            stream,
            tree_sig,
            tree_files,
        }
    })
}

/// A tree signature file `[envelope, manifest]` for a directory holding two files.
fn tree_signature(files: &[Vec<u8>; 2]) -> Vec<u8> {
    use sealkit::{EntryKind, TreeEntry};
    let sha = |b: &[u8]| {
        let mut s = [0u8; 32];
        s.copy_from_slice(sealkit_fuzz::digest_of(HashAlg::Sha256, b).as_bytes());
        s
    };
    let entries = [
        TreeEntry {
            path: "dir",
            kind: EntryKind::Directory,
        },
        TreeEntry {
            path: "dir/a",
            kind: EntryKind::File {
                executable: false,
                size: files[0].len() as u64,
                sha256: sha(&files[0]),
            },
        },
        TreeEntry {
            path: "dir/b",
            kind: EntryKind::File {
                executable: true,
                size: files[1].len() as u64,
                sha256: sha(&files[1]),
            },
        },
    ];
    let mut m = Vec::new();
    sealkit::encode_tree_manifest_head(["*.tmp"].into_iter(), 3, &mut |b: &[u8]| {
        m.extend_from_slice(b)
    });
    for e in &entries {
        sealkit::encode_tree_entry(e, &mut |b: &[u8]| m.extend_from_slice(b));
    }
    let env = sign_envelope(
        fuzz_key(),
        SignatureAlg::Ed25519,
        HashAlg::Sha256,
        &m,
        m.len() as u64,
        ContentType::MediaType(sealkit::TREE_MEDIA_TYPE),
        "dir",
        None,
        0,
        None,
    )
    .unwrap_or_default();
    let mut sig = Vec::new();
    sealkit::encode_tree_signature_head(env.len(), &mut |b: &[u8]| sig.extend_from_slice(b));
    sig.extend_from_slice(&env);
    sealkit::encode_tree_signature_manifest_head(m.len(), &mut |b: &[u8]| sig.extend_from_slice(b));
    sig.extend_from_slice(&m);
    sig
}

fn valid_code(c: c_int) -> bool {
    c == SEALKIT_OK
        || c == SEALKIT_ERR_NULL_POINTER
        || c == SEALKIT_ERR_BAD_STATE
        || Error::ALL.iter().any(|e| c_int::from(e.code()) == c)
}

fn check_code(c: c_int) -> c_int {
    assert_ne!(
        c, SEALKIT_ERR_INTERNAL,
        "a panic was caught inside the C API"
    );
    assert!(valid_code(c), "unknown result code {c}");
    // SAFETY: both functions return static NUL-terminated strings, never NULL (checked).
    unsafe {
        let n = sealkit_error_name(c);
        let m = sealkit_error_message(c);
        assert!(!n.is_null() && !m.is_null());
        assert!(!CStr::from_ptr(n).to_bytes().is_empty());
        assert!(!CStr::from_ptr(m).to_bytes().is_empty());
    }
    c
}

/// A pointer argument that owns its bytes: `None` is a NULL pointer with a length (600 unless
/// the length is 0).
struct Arg {
    data: Option<Vec<u8>>,
    len: usize,
}

impl Arg {
    fn of(b: &[u8]) -> Arg {
        Arg {
            data: Some(b.to_vec()),
            len: b.len(),
        }
    }
    fn null(len: usize) -> Arg {
        Arg { data: None, len }
    }
    /// The pointer passed: the bytes (dangling but non-NULL when empty), or NULL.
    fn ptr(&self) -> *const u8 {
        self.data.as_ref().map_or(core::ptr::null(), |v| v.as_ptr())
    }
    /// The bytes the callee can read, if the call can read any.
    fn bytes(&self) -> Option<&[u8]> {
        match &self.data {
            Some(v) => Some(v.as_slice()),
            None if self.len == 0 => Some(&[]),
            None => None,
        }
    }
}

struct Run<'a> {
    input: Input<'a>,
    base: *mut u8,
    facts: *mut u8,
    fx: &'static Fixture,
    // Shadow state of the two verifiers, the unsealer and the two policies.
    fed: [Vec<u8>; 2],
    next: [usize; 2],
    out: Vec<u8>,
    snext: usize,
    // The tree verifier: the file being fed (index into the fixture's files), the bytes fed to
    // each file, and every signature buffer given to init (kept alive for the whole run, as
    // the C contract requires).
    tfile: Option<usize>,
    tfed: [Vec<u8>; 2],
    tnext: usize,
    held: Vec<Vec<u8>>,
    policy_error: [Option<c_int>; 2],
}

impl<'a> Run<'a> {
    /// A block pointer for a type of `size` bytes whose own blocks start at `own` (`count` of
    /// them); returns it and the index of the own block, if it is one.
    fn block(&mut self, own: usize, size: usize, count: usize) -> (*mut u8, Option<usize>) {
        let s = self.input.u8();
        // SAFETY: every offset below stays inside the arena (see the layout constants).
        unsafe {
            match s % 6 {
                0 | 1 | 2 => {
                    let i = usize::from(s % 6) % count;
                    (self.base.add(own + i * size), Some(i))
                }
                3 => (core::ptr::null_mut(), None),
                4 => (self.base.add(G + 1), None),
                _ => (self.base.add(G), None),
            }
        }
    }

    fn verifier(&mut self) -> (*mut sealkit_verifier, Option<usize>) {
        let (p, i) = self.block(V0, V_SIZE, 2);
        (p.cast(), i)
    }

    fn policy(&mut self) -> (*mut sealkit_policy, Option<usize>) {
        let (p, i) = self.block(P0, P_SIZE, 2);
        (p.cast(), i)
    }

    fn tree(&mut self) -> (*mut sealkit_tree_verifier, Option<usize>) {
        let (p, i) = self.block(T0, T_SIZE, 1);
        (p.cast(), i)
    }

    fn t_failed(&self, t: *mut sealkit_tree_verifier) -> Option<c_int> {
        let (mut s, mut e) = (-1, -1);
        // SAFETY: as in v_failed.
        let r = unsafe { sealkit_tree_verifier_state(t, &mut s, &mut e) };
        (r == SEALKIT_OK && s == SEALKIT_STATE_FAILED).then_some(e)
    }

    fn unsealer(&mut self) -> (*mut sealkit_unsealer, Option<usize>) {
        let (p, i) = self.block(U0, U_SIZE, 1);
        (p.cast(), i)
    }

    fn facts_ptr(&mut self) -> *mut sealkit_facts {
        // SAFETY: the facts buffer has 16 bytes of room beyond one sealkit_facts.
        unsafe {
            match self.input.u8() % 4 {
                0 => core::ptr::null_mut(),
                1 => self.facts.add(1).cast(),
                _ => self.facts.cast(),
            }
        }
    }

    fn text(&mut self) -> Arg {
        let fx = self.fx;
        match self.input.u8() % 5 {
            0 => Arg::of(fx.key_text.as_bytes()),
            1 => Arg::of(fx.other_text.as_bytes()),
            2 => Arg::null(usize::from(self.input.u8() % 3)),
            3 => Arg::of(b"ci@vendor.example"),
            _ => Arg::of(self.input.str8()),
        }
    }

    fn raw_key(&mut self) -> Arg {
        match self.input.u8() % 4 {
            0 => Arg::of(fuzz_key().public_key().as_bytes()),
            1 => Arg::of(other_key().public_key().as_bytes()),
            2 => Arg::null(32),
            _ => Arg::of(self.input.str8()),
        }
    }

    fn envelope(&mut self) -> Arg {
        let fx = self.fx;
        match self.input.u8() % 4 {
            0 | 1 => Arg::of(&fx.envelope),
            2 => Arg::null(usize::from(self.input.u8() % 2) * fx.envelope.len()),
            _ => {
                let mut e = fx.envelope.clone();
                let i = usize::from(self.input.u16()) % e.len().max(1);
                if let Some(b) = e.get_mut(i) {
                    *b ^= 1 << (self.input.u8() % 8);
                }
                Arg {
                    len: e.len(),
                    data: Some(e),
                }
            }
        }
    }

    /// A chunk: the next bytes of `src` (by the cursor `next`), fuzzed bytes, or NULL.
    fn chunk(&mut self, src: &[u8], next: &mut usize) -> Arg {
        match self.input.u8() % 5 {
            0 | 1 | 2 => {
                let n = usize::from(self.input.u8());
                let start = (*next).min(src.len());
                let end = (start + n).min(src.len());
                *next = end;
                Arg::of(src.get(start..end).unwrap_or_default())
            }
            3 => Arg::null(usize::from(self.input.u8() % 2)),
            _ => Arg::of(self.input.str8()),
        }
    }

    /// The verifier's sticky error, if it reports one.
    fn v_failed(&self, v: *mut sealkit_verifier) -> Option<c_int> {
        let (mut s, mut e) = (-1, -1);
        // SAFETY: v is NULL, misaligned, garbage or a verifier block of the arena; outputs valid.
        let r = unsafe { sealkit_verifier_state(v, &mut s, &mut e) };
        (r == SEALKIT_OK && s == SEALKIT_STATE_FAILED).then_some(e)
    }

    fn v_state(&self, v: *mut sealkit_verifier) -> Option<c_int> {
        let (mut s, mut e) = (-1, -1);
        // SAFETY: as in v_failed.
        let r = unsafe { sealkit_verifier_state(v, &mut s, &mut e) };
        (r == SEALKIT_OK).then_some(s)
    }

    fn u_failed(&self, u: *mut sealkit_unsealer) -> Option<c_int> {
        let (mut s, mut e) = (-1, -1);
        // SAFETY: as in v_failed.
        let r = unsafe { sealkit_unsealer_state(u, &mut s, &mut e) };
        (r == SEALKIT_OK && s == SEALKIT_STATE_FAILED).then_some(e)
    }

    fn read_facts(&self, p: *mut sealkit_facts) -> sealkit_facts {
        // SAFETY: p points into the facts buffer (checked non-null by the caller).
        unsafe { core::ptr::read_unaligned(p) }
    }

    fn step(&mut self) {
        let fx = self.fx;
        let op = self.input.u8() % 29;
        // SAFETY: every pointer passed is NULL, or points into the arena / facts buffer / a live
        // slice with at least the stated length, as the C contract requires.
        unsafe {
            match op {
                0 => {
                    let (p, i) = self.policy();
                    let r = check_code(sealkit_policy_init(p));
                    if let (Some(i), 0) = (i, r) {
                        self.policy_error[i] = None;
                    }
                }
                1..=7 => {
                    let (p, i) = self.policy();
                    let r = match op {
                        1 => {
                            let k = self.raw_key();
                            sealkit_policy_trust_key(p, k.ptr(), k.len)
                        }
                        2 => {
                            let t = self.text();
                            sealkit_policy_trust_key_text(p, t.ptr().cast(), t.len)
                        }
                        3 => {
                            let k = self.raw_key();
                            let id = self.text();
                            sealkit_policy_trust_key_for_identity(
                                p,
                                k.ptr(),
                                k.len,
                                id.ptr().cast(),
                                id.len,
                            )
                        }
                        4 => {
                            let k = self.text();
                            let id = self.text();
                            sealkit_policy_trust_key_text_for_identity(
                                p,
                                k.ptr().cast(),
                                k.len,
                                id.ptr().cast(),
                                id.len,
                            )
                        }
                        5 => {
                            let id = self.text();
                            sealkit_policy_require_identity(p, id.ptr().cast(), id.len)
                        }
                        6 => {
                            let s = self.text();
                            sealkit_policy_require_subject(p, s.ptr().cast(), s.len)
                        }
                        _ => sealkit_policy_require_min_version(p, self.input.u64() % 64),
                    };
                    check_code(r);
                    if let Some(i) = i {
                        let slot = self.policy_error.get_mut(i);
                        if let Some(slot) = slot {
                            match *slot {
                                Some(e) => assert_eq!(r, e, "a policy error was not sticky"),
                                None if r != 0 => *slot = Some(r),
                                None => {}
                            }
                            assert_eq!(sealkit_policy_error(p), slot.unwrap_or(0));
                        }
                    }
                }
                8 => {
                    let (p, i) = self.policy();
                    let r = check_code(sealkit_policy_error(p));
                    if let Some(i) = i {
                        assert_eq!(
                            Some(r),
                            Some(self.policy_error.get(i).copied().flatten().unwrap_or(0))
                        );
                    }
                }
                9 => {
                    let (v, vi) = self.verifier();
                    let env = self.envelope();
                    let (p, pi) = self.policy();
                    let before = self.v_failed(v);
                    let was_empty = self.v_state(v) == Some(SEALKIT_STATE_EMPTY);
                    let r =
                        check_code(sealkit_verifier_init(v, env.ptr(), env.len, p.cast_const()));
                    if let Some(e) = before {
                        assert_eq!(r, e, "a failed verifier accepted init");
                    } else if was_empty && env.bytes().is_some() {
                        if let Some(Some(pe)) =
                            pi.map(|i| self.policy_error.get(i).copied().flatten())
                        {
                            assert_eq!(r, pe, "a failed policy did not fail the verifier");
                        }
                    } else if !was_empty && vi.is_some() {
                        assert_ne!(r, SEALKIT_OK, "init on a started verifier");
                    }
                    if let (Some(i), 0) = (vi, r) {
                        assert_eq!(env.bytes(), Some(fx.envelope.as_slice()));
                        self.fed[i].clear();
                        self.next[i] = 0;
                    }
                }
                10 => {
                    let (v, vi) = self.verifier();
                    let mut next = vi.map(|i| self.next[i]).unwrap_or(0);
                    let c = self.chunk(&fx.artifact, &mut next);
                    let before = self.v_failed(v);
                    let r = check_code(sealkit_verifier_update(v, c.ptr(), c.len));
                    if let Some(e) = before {
                        assert_eq!(r, e, "a failed verifier accepted update");
                    }
                    if let Some(i) = vi {
                        self.next[i] = next;
                        if r == 0 {
                            self.fed[i].extend_from_slice(c.bytes().unwrap_or_default());
                            let (mut sl, mut br) = (0u64, 0u64);
                            assert_eq!(sealkit_verifier_progress(v, &mut sl, &mut br), 0);
                            assert_eq!(br, self.fed[i].len() as u64);
                            assert!(br <= sl);
                        }
                    }
                }
                11 => {
                    let (v, vi) = self.verifier();
                    let f = self.facts_ptr();
                    let before = self.v_failed(v);
                    let r = check_code(sealkit_verifier_finish(v, f));
                    if let Some(e) = before {
                        assert_eq!(r, e, "a failed verifier accepted finish");
                    }
                    if let (0, Some(i)) = (r, vi) {
                        assert_eq!(
                            self.fed.get(i).map(Vec::as_slice),
                            Some(fx.artifact.as_slice()),
                            "verified bytes that were not signed"
                        );
                        let facts = self.read_facts(f);
                        assert_eq!(facts.length, fx.artifact.len() as u64);
                        assert_eq!(facts.version, 42);
                        assert_eq!(facts.key_id, fuzz_key().public_key().key_id().0);
                    } else if !f.is_null() {
                        let facts = self.read_facts(f);
                        assert_eq!(facts.length, 0, "facts left behind by a failed finish");
                        assert_eq!(facts.digest_len, 0);
                    }
                }
                12 => {
                    let (v, vi) = self.verifier();
                    let r = check_code(sealkit_verifier_abort(v));
                    if let (Some(i), 0) = (vi, r) {
                        self.fed[i].clear();
                        self.next[i] = 0;
                        assert_eq!(self.v_state(v), Some(SEALKIT_STATE_EMPTY));
                    }
                }
                13 => {
                    let (v, _) = self.verifier();
                    let (mut s, mut e) = (0, 0);
                    let sp: *mut c_int = if self.input.u8() & 1 == 0 {
                        &mut s
                    } else {
                        core::ptr::null_mut()
                    };
                    check_code(sealkit_verifier_state(v, sp, &mut e));
                    let (mut a, mut b) = (0u64, 0u64);
                    check_code(sealkit_verifier_progress(v, &mut a, &mut b));
                }
                14 => {
                    let env = self.envelope();
                    let mut next = 0usize;
                    let art = self.chunk(&fx.artifact, &mut next);
                    let (p, _) = self.policy();
                    let f = self.facts_ptr();
                    let r = check_code(sealkit_verify(
                        env.ptr(),
                        env.len,
                        art.ptr(),
                        art.len,
                        p.cast_const(),
                        f,
                    ));
                    if r == 0 {
                        assert_eq!(
                            art.bytes(),
                            Some(fx.artifact.as_slice()),
                            "verified bytes that were not signed"
                        );
                        assert_eq!(env.bytes(), Some(fx.envelope.as_slice()));
                    }
                }
                15 => {
                    let (u, ui) = self.unsealer();
                    let (p, _) = self.policy();
                    let before = self.u_failed(u);
                    let r = check_code(sealkit_unsealer_init(u, p.cast_const()));
                    if let Some(e) = before {
                        assert_eq!(r, e, "a failed unsealer accepted init");
                    }
                    if let (Some(_), 0) = (ui, r) {
                        self.out.clear();
                        self.snext = 0;
                    }
                }
                16 => {
                    let (u, ui) = self.unsealer();
                    let mut next = self.snext;
                    let c = self.chunk(&fx.stream, &mut next);
                    let mut off = usize::MAX;
                    let op: *mut usize = if self.input.u8() % 8 == 0 {
                        core::ptr::null_mut()
                    } else {
                        &mut off
                    };
                    let before = self.u_failed(u);
                    let r = check_code(sealkit_unsealer_update(u, c.ptr(), c.len, op));
                    if let Some(e) = before {
                        assert_eq!(r, e, "a failed unsealer accepted update");
                    }
                    if ui.is_some() {
                        self.snext = next;
                        if r == 0 {
                            assert!(off <= c.len);
                            let b = c.bytes().unwrap_or_default();
                            self.out.extend_from_slice(b.get(off..).unwrap_or_default());
                        }
                    }
                }
                17 => {
                    let (u, ui) = self.unsealer();
                    let f = self.facts_ptr();
                    let before = self.u_failed(u);
                    let r = check_code(sealkit_unsealer_finish(u, f));
                    if let Some(e) = before {
                        assert_eq!(r, e, "a failed unsealer accepted finish");
                    }
                    if let (0, Some(_)) = (r, ui) {
                        assert_eq!(self.out, fx.artifact, "unsealed bytes that were not signed");
                        assert_eq!(self.read_facts(f).length, fx.artifact.len() as u64);
                    }
                }
                18 => {
                    let (u, ui) = self.unsealer();
                    let r = check_code(sealkit_unsealer_abort(u));
                    if let (Some(_), 0) = (ui, r) {
                        self.out.clear();
                        self.snext = 0;
                    }
                    let (mut s, mut e) = (0, 0);
                    check_code(sealkit_unsealer_state(u, &mut s, &mut e));
                }
                19 => {
                    let t = self.text();
                    let mut raw = [0u8; 32];
                    let mut kid = [0u8; 8];
                    let rp: *mut u8 = if self.input.u8() % 8 == 0 {
                        core::ptr::null_mut()
                    } else {
                        raw.as_mut_ptr()
                    };
                    let r = check_code(sealkit_public_key_from_text(
                        t.ptr().cast::<c_char>(),
                        t.len,
                        rp,
                        kid.as_mut_ptr(),
                    ));
                    if r != 0 {
                        assert_eq!(kid, [0u8; 8]);
                    }
                }
                20 => {
                    let mut h = [0u8; SEALKIT_SEALED_HEADER_LEN];
                    let n = usize::from(self.input.u16());
                    let hp: *mut u8 = if n % 7 == 0 {
                        core::ptr::null_mut()
                    } else {
                        h.as_mut_ptr()
                    };
                    check_code(sealkit_sealed_header(n, hp));
                }
                22 => {
                    let (t, ti) = self.tree();
                    let sig = match self.input.u8() % 4 {
                        0 | 1 => Arg::of(&fx.tree_sig),
                        2 => Arg::null(usize::from(self.input.u8() % 2)),
                        _ => {
                            let mut s = fx.tree_sig.clone();
                            let i = usize::from(self.input.u16()) % s.len().max(1);
                            if let Some(b) = s.get_mut(i) {
                                *b ^= 1 << (self.input.u8() % 8);
                            }
                            Arg {
                                len: s.len(),
                                data: Some(s),
                            }
                        }
                    };
                    let (p, _) = self.policy();
                    let before = self.t_failed(t);
                    let r = check_code(sealkit_tree_verifier_init(
                        t,
                        sig.ptr(),
                        sig.len,
                        p.cast_const(),
                    ));
                    if let Some(e) = before {
                        assert_eq!(r, e, "a failed tree verifier accepted init");
                    }
                    if r == 0 {
                        assert_eq!(
                            sig.bytes(),
                            Some(fx.tree_sig.as_slice()),
                            "a tampered tree signature was accepted"
                        );
                        if ti.is_some() {
                            self.tfile = None;
                            self.tfed = [Vec::new(), Vec::new()];
                            self.tnext = 0;
                        }
                    }
                    // The library keeps pointing into the buffer: keep it alive.
                    if let Some(d) = sig.data {
                        self.held.push(d);
                    }
                }
                23 => {
                    let (t, ti) = self.tree();
                    let mut entry = core::mem::MaybeUninit::<sealkit_tree_entry>::zeroed();
                    let ep: *mut sealkit_tree_entry = if self.input.u8() % 8 == 0 {
                        core::ptr::null_mut()
                    } else {
                        entry.as_mut_ptr()
                    };
                    let before = self.t_failed(t);
                    let r = check_code(sealkit_tree_verifier_next_entry(t, ep));
                    if let Some(e) = before {
                        assert_eq!(r, e, "a failed tree verifier handed out an entry");
                    }
                    if let (0, Some(_), false) = (r, ti, ep.is_null()) {
                        // A file just closed successfully had exactly its bytes.
                        if let Some(f) = self.tfile.take() {
                            assert_eq!(
                                self.tfed.get(f),
                                fx.tree_files.get(f),
                                "a tree file that does not match was accepted"
                            );
                        }
                        let e = entry.assume_init();
                        if e.kind == SEALKIT_TREE_FILE {
                            let path = core::slice::from_raw_parts(e.path.cast::<u8>(), e.path_len);
                            self.tfile = match path {
                                b"dir/a" => Some(0),
                                b"dir/b" => Some(1),
                                _ => panic!("an entry that was not signed"),
                            };
                            self.tnext = 0;
                        }
                    }
                }
                24 => {
                    let (t, ti) = self.tree();
                    let file = self
                        .tfile
                        .and_then(|f| fx.tree_files.get(f))
                        .map_or(&[][..], |v| v.as_slice());
                    let mut next = self.tnext;
                    let c = self.chunk(file, &mut next);
                    let before = self.t_failed(t);
                    let r = check_code(sealkit_tree_verifier_update(t, c.ptr(), c.len));
                    if let Some(e) = before {
                        assert_eq!(r, e, "a failed tree verifier accepted update");
                    }
                    if let (0, Some(_)) = (r, ti) {
                        self.tnext = next;
                        if let Some(f) = self.tfile {
                            if let Some(fed) = self.tfed.get_mut(f) {
                                fed.extend_from_slice(c.bytes().unwrap_or_default());
                            }
                        }
                    }
                }
                25 => {
                    let (t, ti) = self.tree();
                    let f = self.facts_ptr();
                    let before = self.t_failed(t);
                    let r = check_code(sealkit_tree_verifier_finish(t, f));
                    if let Some(e) = before {
                        assert_eq!(r, e, "a failed tree verifier accepted finish");
                    }
                    if let (0, Some(_)) = (r, ti) {
                        assert_eq!(
                            self.tfed, fx.tree_files,
                            "a tree verified with files that were not signed"
                        );
                        assert_eq!(self.read_facts(f).subject_len, 3);
                    }
                }
                26 => {
                    let (t, ti) = self.tree();
                    let r = check_code(sealkit_tree_verifier_abort(t));
                    if let (0, Some(_)) = (r, ti) {
                        self.tfile = None;
                        self.tfed = [Vec::new(), Vec::new()];
                    }
                }
                27 => {
                    let (t, _) = self.tree();
                    let (mut s, mut e) = (0, 0);
                    check_code(sealkit_tree_verifier_state(t, &mut s, &mut e));
                    let (mut a, mut b, mut c) = (0u64, 0u64, 0u64);
                    let cp: *mut u64 = if self.input.u8() % 8 == 0 {
                        core::ptr::null_mut()
                    } else {
                        &mut c
                    };
                    check_code(sealkit_tree_verifier_counts(t, &mut a, &mut b, cp));
                }
                28 => {
                    let (t, _) = self.tree();
                    let index = usize::from(self.input.u8() % 4);
                    let mut pat: *const c_char = core::ptr::null();
                    let mut len = 0usize;
                    let r = check_code(sealkit_tree_verifier_exclusion(
                        t, index, &mut pat, &mut len,
                    ));
                    // The fixture has one exclusion; past the last, 0 with NULL and 0.
                    if r == 0 && index == 0 {
                        let b = core::slice::from_raw_parts(pat.cast::<u8>(), len);
                        assert_eq!(b, b"*.tmp");
                    } else if r == 0 {
                        assert!(pat.is_null() && len == 0);
                    }
                }
                _ => {
                    // Names and messages of arbitrary codes.
                    let c = c_int::from(self.input.u16() as i16);
                    assert!(!sealkit_error_name(c).is_null());
                    assert!(!sealkit_error_message(c).is_null());
                }
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let fx = fixture();
    let mut arena = Box::new(Arena([0u8; ARENA]));
    if let Some(g) = arena.0.get_mut(G..) {
        g.fill(0xA5);
    }
    let mut facts = Box::new(FactsBuf([0u8; core::mem::size_of::<sealkit_facts>() + 16]));
    let mut run = Run {
        input: Input::new(data),
        base: arena.0.as_mut_ptr(),
        facts: facts.0.as_mut_ptr(),
        fx,
        fed: [Vec::new(), Vec::new()],
        next: [0, 0],
        out: Vec::new(),
        snext: 0,
        tfile: None,
        tfed: [Vec::new(), Vec::new()],
        tnext: 0,
        held: Vec::new(),
        policy_error: [None, None],
    };
    let mut steps = 0;
    while !run.input.is_empty() && steps < 256 {
        run.step();
        steps += 1;
    }
});
