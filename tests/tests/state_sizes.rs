//! Constant memory, shown: the size of every state type of the core, printed, each with a
//! budget it must not grow past.
//!
//! Every verifier of sealkit keeps all its state in these fixed-size values (no heap), so their
//! sizes are the whole memory a verification needs besides the stack. The budgets sit a little
//! (about 5%, at least 16 bytes) above the sizes measured on x86_64 when they were set; a change
//! that grows a type past its budget must raise the budget here on purpose, with a reason. The
//! same sizes on a Cortex-M3 are printed by the emulated firmware (`scripts/embedded.sh`).
//!
//! ```sh
//! cargo nextest run -p sealkit-conformance --test state_sizes --no-capture
//! ```

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use core::mem::{align_of, size_of};

use sealkit::{
    ArtifactDigest, ArtifactHasher, Envelope, Error, KeyId, PolicyBuilder, PublicKey, Signer,
    SigningKey, SlotState, StreamVerifier, TreeEntries, TreeManifest, TreeVerifier,
    TreeVerifierState, TrustPolicy, TrustedKey, UnsealState, Unsealer, Verified, VerifierSlot,
};

/// One state type: its name, size and alignment on this target, and its size budget.
struct Row {
    name: &'static str,
    size: usize,
    align: usize,
    budget: usize,
}

macro_rules! row {
    ($t:ty, $budget:expr) => {
        Row {
            name: stringify!($t),
            size: size_of::<$t>(),
            align: align_of::<$t>(),
            budget: $budget,
        }
    };
}

/// The budgets, in bytes, set on x86_64 (32-bit targets use less). `PublicKey`, `KeyId` and
/// `Error` are exact: raw key bytes, raw id bytes, and the `u16` code the bindings rely on.
///
/// Raised on purpose with certificates and k-of-n: a verifier (and the facts it hands out)
/// carries up to 8 counted signers of 148 bytes each (key id, identity of up to 128 bytes, root
/// key id, chain depth), and a policy holds roots, 1 KiB of pooled patterns and 16 + 16
/// revocations. The unsealer holds a verifier, so it grew by the same amount; it stays within
/// the C binding's 8 KiB block.
fn rows() -> Vec<Row> {
    vec![
        row!(StreamVerifier, 2040),
        row!(VerifierSlot, 2040),
        row!(Unsealer, 8100),
        row!(TreeVerifier<'static>, 2072),
        row!(TreeVerifierState, 2040),
        row!(TrustPolicy, 4000),
        row!(PolicyBuilder, 4008),
        row!(Signer, 168),
        row!(TrustedKey, 200),
        row!(Verified, 1800),
        row!(ArtifactHasher, 240),
        row!(ArtifactDigest, 72),
        row!(PublicKey, 32),
        row!(KeyId, 8),
        row!(SigningKey, 144),
        row!(Envelope<'static>, 240),
        row!(TreeManifest<'static>, 64),
        row!(TreeEntries<'static>, 40),
        row!(SlotState, 8),
        row!(UnsealState, 8),
        row!(Error, 2),
    ]
}

#[test]
fn print_state_sizes() {
    println!(
        "{:<24} {:>7} {:>6} {:>7}",
        "type", "size", "align", "budget"
    );
    for r in rows() {
        println!(
            "{:<24} {:>7} {:>6} {:>7}",
            r.name, r.size, r.align, r.budget
        );
    }
}

#[test]
fn every_state_type_is_within_its_budget() {
    let over: Vec<String> = rows()
        .iter()
        .filter(|r| r.size > r.budget)
        .map(|r| format!("{} is {} bytes, budget {}", r.name, r.size, r.budget))
        .collect();
    assert!(
        over.is_empty(),
        "state types grew past their budgets: {over:#?}"
    );
}

#[test]
fn the_slot_adds_almost_nothing_to_the_verifier() {
    // The slot is the verifier plus its empty/failed states, not a second copy of anything.
    assert!(size_of::<VerifierSlot>() <= size_of::<StreamVerifier>() + 16);
}

#[test]
fn the_unsealer_shares_storage_between_envelope_buffer_and_verifier() {
    // It holds a copy of the policy, and either the envelope being read or the started
    // verifier, never both (they share the storage of one enum).
    let phase = size_of::<StreamVerifier>().max(sealkit::MAX_ENVELOPE_LEN + 16);
    assert!(
        size_of::<Unsealer>() <= size_of::<TrustPolicy>() + phase + 32,
        "Unsealer is {} bytes: policy {} + max(verifier {}, envelope buffer {})",
        size_of::<Unsealer>(),
        size_of::<TrustPolicy>(),
        size_of::<StreamVerifier>(),
        sealkit::MAX_ENVELOPE_LEN
    );
}

#[test]
fn the_tree_verifier_holds_one_file_hash_not_the_manifest() {
    // The manifest stays in the caller's buffer (borrowed); the verifier holds the envelope's
    // facts, the entry cursor and one running SHA-256, whatever the tree's size.
    assert!(size_of::<TreeVerifier<'static>>() <= size_of::<Verified>() + 320);
}

#[test]
fn error_codes_are_two_bytes_for_the_bindings() {
    assert_eq!(size_of::<Error>(), 2);
    assert_eq!(size_of::<PublicKey>(), 32);
    assert_eq!(size_of::<KeyId>(), 8);
}
