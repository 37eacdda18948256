//! The harness shared by the firmware images in `src/bin/`: the signed fixtures linked into
//! flash, stack painting, feeding data in small chunks (optionally tampered on the way), a
//! report of verdicts over semihosting, and the fault and panic handlers that make QEMU exit
//! instead of hanging.
//!
//! No allocator: this crate and its binaries never use `alloc` and define no
//! `#[global_allocator]`; `scripts/embedded.sh` checks the linked images for allocator symbols.

#![no_std]

use core::ptr::{addr_of, read_volatile, write_volatile};

use cortex_m_semihosting::{debug, hprintln};
use sealkit::{Error, PublicKey, TrustPolicy};

/// The size of the chunks the firmware feeds to the verifiers (a small radio or UART buffer).
pub const CHUNK: usize = 128;

/// The signed fixtures, written by `gen/` (see `tests/embedded/README.md`). They live in the
/// `.fixtures` output section (see `sections.x`), so they do not count as code in the budgets.
pub mod fixtures {
    /// The 64 KiB artifact.
    #[link_section = ".fixtures"]
    pub static ARTIFACT: [u8; 65536] = *include_bytes!("../fixtures/artifact.bin");
    /// Its envelope with a SHA-256 payload hash.
    #[link_section = ".fixtures"]
    pub static ENVELOPE_SHA256: [u8; 221] = *include_bytes!("../fixtures/artifact.sha256.sig");
    /// Its envelope with a SHA-512 payload hash.
    #[link_section = ".fixtures"]
    pub static ENVELOPE_SHA512: [u8; 254] = *include_bytes!("../fixtures/artifact.sha512.sig");
    /// The sealed stream: header, SHA-256 envelope, artifact.
    #[link_section = ".fixtures"]
    pub static SEALED: [u8; 65768] = *include_bytes!("../fixtures/artifact.sealed");
    /// The tree signature of the bundle: `[envelope, manifest]`.
    #[link_section = ".fixtures"]
    pub static TREE_SIGNATURE: [u8; 490] = *include_bytes!("../fixtures/bundle.treesig");
    /// The bundle's files, by path, as the manifest lists them.
    pub static BUNDLE_FILES: [(&str, &[u8]); 4] = [
        ("bin/app", &BIN_APP),
        ("config.toml", &CONFIG_TOML),
        ("lib/empty.dat", &LIB_EMPTY),
        ("lib/libfoo.so", &LIB_LIBFOO),
    ];
    #[link_section = ".fixtures"]
    static BIN_APP: [u8; 3000] = *include_bytes!("../fixtures/bundle/bin/app");
    #[link_section = ".fixtures"]
    static CONFIG_TOML: [u8; 39] = *include_bytes!("../fixtures/bundle/config.toml");
    #[link_section = ".fixtures"]
    static LIB_EMPTY: [u8; 0] = *include_bytes!("../fixtures/bundle/lib/empty.dat");
    #[link_section = ".fixtures"]
    static LIB_LIBFOO: [u8; 1500] = *include_bytes!("../fixtures/bundle/lib/libfoo.so");
    /// The artifact's SHA-256 envelope signed by a certified key, with its 2-link chain
    /// (leaf certificate, intermediate certificate with `ca` 1) in the `kcwt` header.
    #[link_section = ".fixtures"]
    pub static ENVELOPE_CHAIN: [u8; 734] = *include_bytes!("../fixtures/artifact.chain.sig");
    /// The chain's root key (32 raw bytes), named [`ROOT_NAME`].
    pub static ROOT_KEY_RAW: [u8; 32] = *include_bytes!("../fixtures/root-key.raw");
    /// The chain's intermediate key (32 raw bytes), certified by the root.
    pub static INTERMEDIATE_KEY_RAW: [u8; 32] = *include_bytes!("../fixtures/intermediate-key.raw");
    /// The root's name: the intermediate certificate's issuer.
    pub const ROOT_NAME: &str = "root@vendor.example";
    /// The leaf certificate's subject: the identity of the chained envelope's signer.
    pub const LEAF_NAME: &str = "release-signer@vendor.example";
    /// The leaf certificate's expiry (2027-01-01T00:00:00Z); the envelopes' signing time is
    /// [`ISSUED_AT`].
    pub const LEAF_EXPIRES: u64 = 1_798_761_600;
    /// The envelopes' signing time (2026-01-01T00:00:00Z).
    pub const ISSUED_AT: u64 = 1_767_225_600;
    /// The artifact's SHA-256 envelope signed keyless: by an ephemeral key whose ten-minute
    /// certificate from the keyless issuer's root (a one-link chain) it carries, with a
    /// timestamp receipt by the trusted timestamp authority in its unprotected header.
    #[link_section = ".fixtures"]
    pub static ENVELOPE_KEYLESS: [u8; 745] = *include_bytes!("../fixtures/artifact.keyless.sig");
    /// The same envelope without its receipt (the bytes the ephemeral key signed).
    #[link_section = ".fixtures"]
    pub static ENVELOPE_KEYLESS_BARE: [u8; 568] =
        *include_bytes!("../fixtures/artifact.keyless-bare.sig");
    /// The same envelope with a receipt by a timestamp key no policy here trusts.
    #[link_section = ".fixtures"]
    pub static ENVELOPE_KEYLESS_ROGUE: [u8; 745] =
        *include_bytes!("../fixtures/artifact.keyless-rogue.sig");
    /// The keyless issuer's root key (32 raw bytes), named [`KEYLESS_ISSUER_NAME`].
    pub static KEYLESS_ISSUER_KEY_RAW: [u8; 32] =
        *include_bytes!("../fixtures/keyless-issuer-key.raw");
    /// The trusted timestamp authority's key (32 raw bytes).
    pub static TSA_KEY_RAW: [u8; 32] = *include_bytes!("../fixtures/tsa-key.raw");
    /// The keyless issuer's name: the leaf certificate's issuer.
    pub const KEYLESS_ISSUER_NAME: &str = "keyless-issuer.vendor.example";
    /// The identity in the keyless certificate (the release workflow of vendor/app at a tag).
    pub const KEYLESS_IDENTITY: &str =
        "https://github.com/vendor/app/.github/workflows/release.yml@refs/tags/v7";
    /// What a verifier requires of keyless signers: the release workflow of vendor/app, any ref.
    pub const KEYLESS_IDENTITY_PATTERN: &str =
        "https://github.com/vendor/app/.github/workflows/release.yml@*";
    /// The keyless certificate's validity: ten minutes from 2026-01-01T00:00:00Z.
    pub const KEYLESS_NOT_BEFORE: u64 = 1_767_225_600;
    /// Its expiry (exclusive).
    pub const KEYLESS_EXPIRES: u64 = KEYLESS_NOT_BEFORE + 600;
    /// The time the receipt vouches for (42 s into the certificate's validity).
    pub const RECEIPT_TIME: u64 = KEYLESS_NOT_BEFORE + 42;
    /// The verifier's clock for the keyless verdicts: 2026-07-01T00:00:00Z, six months after
    /// the certificate expired.
    pub const KEYLESS_VERIFIED_AT: u64 = 1_782_864_000;
    /// The signing key's text form.
    pub const KEY_TEXT: &str = include_str!("../fixtures/key.pub");
    /// The signing key's 32 raw bytes.
    pub static KEY_RAW: [u8; 32] = *include_bytes!("../fixtures/key.raw");
    /// Another valid key, which signed none of the fixtures.
    pub static OTHER_KEY_RAW: [u8; 32] = *include_bytes!("../fixtures/other-key.raw");
    /// What the artifact's envelopes state.
    pub const SUBJECT: &str = "firmware.bin";
    /// The envelopes' issuer.
    pub const ISSUER: &str = "firmware@vendor.example";
    /// The envelopes' release version.
    pub const VERSION: u64 = 7;
}

/// A policy trusting the fixture key (raw bytes) for its issuer, requiring the subject and a
/// minimum version of 7, as an updater would hold it.
pub fn fixture_policy() -> Result<TrustPolicy, Error> {
    let mut policy = TrustPolicy::new();
    policy
        .trust_key_for_identity(PublicKey::from_bytes(&fixtures::KEY_RAW)?, fixtures::ISSUER)?
        .require_subject(fixtures::SUBJECT)?
        .require_min_version(fixtures::VERSION);
    Ok(policy)
}

/// A policy trusting only the chain's root (named), requiring the subject and a minimum version
/// of 7, with a clock one day after the signing time (so certificate validity is checked): what
/// an updater that trusts a vendor's certificate root holds.
pub fn chain_fixture_policy() -> Result<TrustPolicy, Error> {
    let mut policy = TrustPolicy::new();
    policy
        .trust_root(
            PublicKey::from_bytes(&fixtures::ROOT_KEY_RAW)?,
            Some(fixtures::ROOT_NAME),
        )?
        .require_subject(fixtures::SUBJECT)?
        .require_min_version(fixtures::VERSION)
        .set_time(fixtures::ISSUED_AT + 86_400);
    Ok(policy)
}

/// A policy as an updater that accepts keyless releases holds it: the keyless issuer's root
/// (named), the release workflow's identity pattern, the subject, a minimum version, the
/// trusted timestamp authority, and a clock six months after the certificate expired.
pub fn keyless_fixture_policy() -> Result<TrustPolicy, Error> {
    let mut policy = TrustPolicy::new();
    policy
        .trust_root(
            PublicKey::from_bytes(&fixtures::KEYLESS_ISSUER_KEY_RAW)?,
            Some(fixtures::KEYLESS_ISSUER_NAME),
        )?
        .trust_timestamp_key(PublicKey::from_bytes(&fixtures::TSA_KEY_RAW)?)?
        .require_identity_pattern(fixtures::KEYLESS_IDENTITY_PATTERN)?
        .require_subject(fixtures::SUBJECT)?
        .require_min_version(fixtures::VERSION)
        .set_time(fixtures::KEYLESS_VERIFIED_AT);
    Ok(policy)
}

/// The word painted over the free stack before a measurement.
const PAINT: u32 = 0x5EA1_C0DE;

extern "C" {
    // Both from cortex-m-rt's link.x: the initial stack pointer (top of RAM) and the lowest
    // address the stack may grow to (the end of .bss/.uninit).
    static _stack_start: u32;
    static _stack_end: u32;
}

fn stack_top() -> usize {
    // Only the address is taken, never the value.
    addr_of!(_stack_start) as usize
}

fn stack_bottom() -> usize {
    addr_of!(_stack_end) as usize
}

/// Fills the unused stack (from the lowest address the stack may reach up to just below the
/// current stack pointer) with a known pattern, and returns the stack pointer it saw (for
/// [`stack_used_below`]).
#[inline(never)]
pub fn paint_stack() -> usize {
    let sp = cortex_m::register::msp::read() as usize;
    // Leave a little room below the stack pointer for this function's own calls.
    let end = sp.saturating_sub(64) & !3;
    let mut p = stack_bottom();
    while p < end {
        // SAFETY: `p` is word-aligned and lies between the end of .bss/.uninit and the current
        // stack pointer: RAM that holds no live data (no interrupts are enabled and no other
        // stack exists), so overwriting it cannot change the program's state.
        unsafe { write_volatile(p as *mut u32, PAINT) };
        p += 4;
    }
    sp
}

/// The deepest stack use since [`paint_stack`], in bytes below the initial stack pointer
/// (so it includes every frame from reset on, the caller's state objects included).
#[inline(never)]
pub fn stack_peak() -> usize {
    let mut p = stack_bottom();
    let top = stack_top();
    while p < top {
        // SAFETY: `p` is a word-aligned RAM address between the end of .bss/.uninit and the top
        // of the stack, always readable on this target.
        if unsafe { read_volatile(p as *const u32) } != PAINT {
            break;
        }
        p += 4;
    }
    top - p
}

/// The deepest stack use since [`paint_stack`] below the stack pointer `sp` it returned: what
/// the code called after painting used, its own state objects included.
pub fn stack_used_below(sp: usize) -> usize {
    sp.saturating_sub(stack_top() - stack_peak())
}

/// Bytes of RAM between the end of .bss/.uninit and the top of the stack.
pub fn stack_capacity() -> usize {
    stack_top() - stack_bottom()
}

/// How a copy of the data differs from the signed bytes on its way to the verifier.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tamper {
    /// The bytes as signed.
    None,
    /// The byte at this offset XOR 0x01.
    Flip(usize),
    /// Without its last byte.
    DropLast,
    /// With one zero byte appended.
    AppendByte,
}

/// Feeds `data`, altered by `tamper`, to `sink` in chunks of [`CHUNK`] bytes copied into a RAM
/// buffer (as received from a radio or UART), and stops at the first error.
pub fn feed(
    data: &[u8],
    tamper: Tamper,
    mut sink: impl FnMut(&[u8]) -> Result<(), Error>,
) -> Result<(), Error> {
    let data = match tamper {
        Tamper::DropLast => data.get(..data.len().saturating_sub(1)).unwrap_or_default(),
        _ => data,
    };
    let mut buf = [0u8; CHUNK];
    for (i, chunk) in data.chunks(CHUNK).enumerate() {
        let dst = buf.get_mut(..chunk.len()).ok_or(Error::BufferTooSmall)?;
        dst.copy_from_slice(chunk);
        if let Tamper::Flip(at) = tamper {
            if let Some(b) = at
                .checked_sub(i * CHUNK)
                .and_then(|local| dst.get_mut(local))
            {
                *b ^= 0x01;
            }
        }
        sink(dst)?;
    }
    if tamper == Tamper::AppendByte {
        sink(&[0u8])?;
    }
    Ok(())
}

/// Counts the verdicts of one firmware run and prints each over semihosting, one line each:
/// `PASS name: ...` or `FAIL name: ...`.
#[derive(Debug, Default)]
pub struct Report {
    passed: u32,
    failed: u32,
}

/// What a scenario must give: success, or exactly this error code.
pub type Expected = Result<(), u16>;

impl Report {
    /// An empty report.
    pub const fn new() -> Report {
        Report {
            passed: 0,
            failed: 0,
        }
    }

    /// Records one verdict: `got` must equal `expected`. `stack` is the peak stack of the
    /// scenario in bytes.
    pub fn check(&mut self, name: &str, expected: Expected, got: Result<(), Error>, stack: usize) {
        let got_code = got.map_err(Error::code);
        let ok = got_code == expected;
        let word = if ok { "PASS" } else { "FAIL" };
        match (expected, got) {
            (Ok(()), Ok(())) => hprintln!("{} {}: ok (stack {} B)", word, name, stack),
            (Ok(()), Err(e)) => hprintln!(
                "{} {}: expected ok, got {} {} (stack {} B)",
                word,
                name,
                e.code(),
                e.name(),
                stack
            ),
            (Err(c), Ok(())) => hprintln!("{} {}: expected {}, got ok", word, name, c),
            (Err(c), Err(e)) => hprintln!(
                "{} {}: expected {}, got {} {} (stack {} B)",
                word,
                name,
                c,
                e.code(),
                e.name(),
                stack
            ),
        }
        if ok {
            self.passed += 1;
        } else {
            self.failed += 1;
        }
    }

    /// Prints the totals and exits QEMU: status 0 only if every verdict was as expected and
    /// there was at least one.
    pub fn exit(&self, name: &str) -> ! {
        hprintln!(
            "firmware {}: {} passed, {} failed",
            name,
            self.passed,
            self.failed
        );
        exit(self.failed == 0 && self.passed > 0)
    }
}

/// Exits QEMU through semihosting with status 0 (`success`) or 1.
pub fn exit(success: bool) -> ! {
    debug::exit(if success {
        debug::EXIT_SUCCESS
    } else {
        debug::EXIT_FAILURE
    });
    // Only reached when not running under a semihosting host.
    #[allow(clippy::empty_loop)]
    loop {}
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo<'_>) -> ! {
    hprintln!("FAIL panic: {}", info);
    exit(false)
}

/// Defines the HardFault handler (in the binary, where cortex-m-rt's vector table expects
/// it): report over semihosting and exit with failure, instead of looping forever.
#[macro_export]
macro_rules! fault_handler {
    () => {
        #[cortex_m_rt::exception]
        unsafe fn HardFault(frame: &cortex_m_rt::ExceptionFrame) -> ! {
            cortex_m_semihosting::hprintln!("FAIL hard fault at pc {:#010x}", frame.pc());
            $crate::exit(false)
        }
    };
}

/// The body of the verify-only images (`verify-sha256`, `verify-sha512`, `verify-chain`).
pub mod verify_only {
    use cortex_m_semihosting::hprintln;
    use sealkit::{Error, StreamVerifier, TrustPolicy};

    use crate::{exit, fixture_policy, paint_stack, stack_capacity, stack_peak, CHUNK};

    /// Verifies in chunks; records the peak stack once the envelope is checked (signature and
    /// policy, before any artifact byte) in `after_new`.
    #[inline(never)]
    fn verify(
        policy: impl FnOnce() -> Result<TrustPolicy, Error>,
        envelope: &[u8],
        artifact: &[u8],
        after_new: &mut usize,
    ) -> Result<u64, Error> {
        let policy = policy()?;
        let mut verifier = StreamVerifier::new(envelope, &policy)?;
        *after_new = stack_peak();
        for chunk in artifact.chunks(CHUNK) {
            verifier.update(chunk)?;
        }
        Ok(verifier.finish()?.length())
    }

    /// Verifies `artifact` against `envelope` with the fixture policy, prints the verdict and
    /// the peak stack, and exits (status 0 only on success).
    pub fn run(hash: &str, envelope: &[u8], artifact: &[u8]) -> ! {
        run_with(hash, fixture_policy, envelope, artifact)
    }

    /// [`run`] with the policy built by `policy` (inside the measured frames); `name` follows
    /// `verify-` in the printed verdict.
    pub fn run_with(
        hash: &str,
        policy: impl FnOnce() -> Result<TrustPolicy, Error>,
        envelope: &[u8],
        artifact: &[u8],
    ) -> ! {
        let _ = paint_stack();
        let mut after_new = 0;
        let result = verify(policy, envelope, artifact, &mut after_new);
        let peak = stack_peak();
        match result {
            Ok(len) => {
                hprintln!("verify-{}: ok, {} bytes verified", hash, len);
                hprintln!(
                    "stack_peak={} stack_peak_after_new={} stack_capacity={}",
                    peak,
                    after_new,
                    stack_capacity()
                );
                exit(len == artifact.len() as u64)
            }
            Err(e) => {
                hprintln!("verify-{}: FAILED with error {}", hash, e.code());
                exit(false)
            }
        }
    }
}
