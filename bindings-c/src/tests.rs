//! Unit tests of the FFI layer that need Rust's view (the C programs in `tests/` cover the rest).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use super::*;
use std::ffi::CStr;

fn s(p: *const c_char) -> &'static str {
    assert!(!p.is_null());
    // SAFETY: the library returns static NUL-terminated strings.
    unsafe { CStr::from_ptr(p) }.to_str().unwrap()
}

#[test]
fn messages_and_names_are_cores() {
    for e in Error::ALL {
        assert_eq!(s(sealkit_error_message(code(*e))), e.message(), "{e:?}");
        assert_eq!(s(sealkit_error_name(code(*e))), e.name(), "{e:?}");
    }
    assert_eq!(s(sealkit_error_name(SEALKIT_ERR_BAD_STATE)), "bad_state");
    for unknown in [-1, 1, 99, 131, 173, 303, 510, 603, c_int::MAX, c_int::MIN] {
        assert_eq!(s(sealkit_error_message(unknown)), "unknown error code");
        assert_eq!(s(sealkit_error_name(unknown)), "unknown");
    }
}

#[test]
fn c_only_codes_are_not_core_codes() {
    for c in [
        SEALKIT_ERR_NULL_POINTER,
        SEALKIT_ERR_BAD_STATE,
        SEALKIT_ERR_INTERNAL,
    ] {
        assert!(Error::from_code(u16::try_from(c).unwrap()).is_none());
    }
}

#[test]
fn guard_turns_a_panic_into_internal() {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let r = guard(|| panic!("boom"));
    std::panic::set_hook(prev);
    assert_eq!(r, SEALKIT_ERR_INTERNAL);
    assert_eq!(guard(|| Err(302)), 302);
    assert_eq!(guard(|| Ok(())), SEALKIT_OK);
}

#[test]
fn magic_words_are_distinct_and_non_zero() {
    assert_ne!(VERIFIER_MAGIC, 0);
    assert_ne!(POLICY_MAGIC, 0);
    assert_ne!(VERIFIER_MAGIC, POLICY_MAGIC);
}

#[test]
fn a_policy_is_not_a_verifier() {
    // The same bytes handed to the other kind of function are refused, never reinterpreted.
    let mut p = sealkit_policy {
        _opaque: [0; SEALKIT_POLICY_SIZE],
    };
    // SAFETY: p is a valid, exclusively borrowed policy.
    assert_eq!(unsafe { sealkit_policy_init(&mut p) }, SEALKIT_OK);
    let as_verifier = (&mut p as *mut sealkit_policy).cast::<sealkit_verifier>();
    // SAFETY: the policy block is larger than a verifier block and equally aligned.
    assert_eq!(
        unsafe { sealkit_verifier_update(as_verifier, ptr::null(), 0) },
        SEALKIT_ERR_BAD_STATE
    );
    let mut v = sealkit_verifier {
        _opaque: [0; SEALKIT_VERIFIER_SIZE],
    };
    // SAFETY: v is valid; the policy function reads only through the magic check here, and a
    // verifier block is smaller than a policy, so make it one this library wrote first.
    assert_eq!(
        unsafe { sealkit_verifier_update(&mut v, ptr::null(), 0) },
        code(Error::NotStarted)
    );
    assert_eq!(v._opaque[..8], VERIFIER_MAGIC.to_le_bytes());
}

#[test]
fn misaligned_blocks_are_refused() {
    let mut buf = vec![0u8; SEALKIT_VERIFIER_SIZE + 32];
    let base = buf.as_mut_ptr();
    let off = (16 - (base as usize % 16)) % 16 + 1;
    // SAFETY: inside buf.
    let p = unsafe { base.add(off) }.cast::<sealkit_verifier>();
    // SAFETY: p points into buf with at least SEALKIT_VERIFIER_SIZE bytes after it.
    assert_eq!(
        unsafe { sealkit_verifier_update(p, ptr::null(), 0) },
        SEALKIT_ERR_BAD_STATE
    );
    assert!(buf.iter().all(|b| *b == 0), "nothing was written");
}

#[test]
fn the_header_has_every_core_code_and_the_c_only_codes() {
    let header =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/include/sealkit.h")).unwrap();
    let defines: Vec<(&str, &str)> = header
        .lines()
        .filter_map(|l| l.strip_prefix("#define SEALKIT_ERR_"))
        .map(|l| {
            let mut it = l.split_whitespace();
            (it.next().unwrap(), it.next().unwrap())
        })
        .collect();
    for e in Error::ALL {
        let name = e.name().to_ascii_uppercase();
        let found: Vec<_> = defines.iter().filter(|(n, _)| *n == name).collect();
        assert_eq!(found.len(), 1, "SEALKIT_ERR_{name}");
        assert_eq!(found[0].1, e.code().to_string(), "SEALKIT_ERR_{name}");
    }
    for (name, c) in [
        ("NULL_POINTER", SEALKIT_ERR_NULL_POINTER),
        ("BAD_STATE", SEALKIT_ERR_BAD_STATE),
        ("INTERNAL", SEALKIT_ERR_INTERNAL),
    ] {
        assert!(defines.contains(&(name, c.to_string().as_str())), "{name}");
    }
    assert_eq!(defines.len(), Error::ALL.len() + 3, "no stray constants");
    assert!(header.contains("#define SEALKIT_OK 0"));
}

#[test]
fn the_real_state_fits_with_headroom() {
    // Also checked at compile time; printed for the README (`--nocapture`).
    let (v, p) = (size_of::<CVerifier>(), size_of::<CPolicy>());
    println!("CVerifier {v} of {SEALKIT_VERIFIER_SIZE} bytes, CPolicy {p} of {SEALKIT_POLICY_SIZE} bytes");
    assert!(v <= SEALKIT_VERIFIER_SIZE && p <= SEALKIT_POLICY_SIZE);
    assert!(align_of::<CVerifier>() <= SEALKIT_VERIFIER_ALIGN);
    assert!(align_of::<CPolicy>() <= SEALKIT_POLICY_ALIGN);
}

#[test]
fn timestamp_calls_reach_the_core_policy() {
    let mut p = sealkit_policy {
        _opaque: [0; SEALKIT_POLICY_SIZE],
    };
    let root = sealkit::SigningKey::from_seed(&[1; 32])
        .unwrap()
        .public_key();
    let tsa = sealkit::SigningKey::from_seed(&[2; 32])
        .unwrap()
        .public_key();
    let mut text_buf = [0u8; sealkit::PUBLIC_KEY_TEXT_LEN];
    let tsa_text = tsa.to_text(&mut text_buf);
    let name = "issuer";
    // SAFETY: p is a valid, exclusively borrowed policy; every buffer is valid for its length.
    unsafe {
        assert_eq!(
            sealkit_policy_trust_root(
                &mut p,
                root.as_bytes().as_ptr(),
                32,
                name.as_ptr().cast(),
                6
            ),
            SEALKIT_OK
        );
        assert_eq!(
            sealkit_policy_trust_timestamp_key_text(
                &mut p,
                tsa_text.as_ptr().cast(),
                tsa_text.len()
            ),
            SEALKIT_OK
        );
        // The root gains the right in its own entry.
        assert_eq!(
            sealkit_policy_trust_timestamp_key(&mut p, root.as_bytes().as_ptr(), 32),
            SEALKIT_OK
        );
        assert_eq!(sealkit_policy_require_timestamp(&mut p), SEALKIT_OK);
    }
    // SAFETY: p was initialised by the calls above and is not mutated meanwhile.
    let policy = unsafe { policy_ref(&p) }.unwrap();
    assert!(policy.timestamp_required());
    let keys = policy.keys();
    assert_eq!(keys.len(), 2);
    assert!(keys[0].may_timestamp() && keys[0].may_certify() && !keys[0].may_sign());
    assert!(keys[1].may_timestamp() && !keys[1].may_certify() && !keys[1].may_sign());
    assert_eq!(keys[1].public_key(), &tsa);
    // SAFETY: NULL policy and NULL key are refused, not dereferenced.
    unsafe {
        assert_eq!(
            sealkit_policy_require_timestamp(ptr::null_mut()),
            SEALKIT_ERR_NULL_POINTER
        );
        assert_eq!(
            sealkit_policy_trust_timestamp_key(&mut p, ptr::null(), 32),
            SEALKIT_ERR_NULL_POINTER
        );
    }
}
