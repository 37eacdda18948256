//! Verify-only firmware (certificate chain): checks the 64 KiB artifact in flash against its
//! SHA-256 envelope signed by a key that a trusted root certified through an intermediate
//! (2-certificate chain in the envelope), with a policy trusting only the root and a clock, and
//! reports the peak stack. Beside `verify-sha256` (a directly trusted key) it shows what a
//! chain costs from reset.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use sealkit_embedded::fixtures::{ARTIFACT, ENVELOPE_CHAIN};

sealkit_embedded::fault_handler!();

#[entry]
fn main() -> ! {
    sealkit_embedded::verify_only::run_with(
        "chain",
        sealkit_embedded::chain_fixture_policy,
        &ENVELOPE_CHAIN,
        &ARTIFACT,
    )
}
