//! Verify-only firmware (keyless): checks the 64 KiB artifact in flash against its SHA-256
//! envelope signed by an ephemeral key with a ten-minute certificate from a keyless issuer's
//! root and a timestamp receipt, six months after the certificate expired, with a policy
//! trusting the root and the timestamp key and requiring the release workflow's identity; and
//! reports the peak stack. Beside `verify-chain` it shows what the receipt costs from reset.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use sealkit_embedded::fixtures::{ARTIFACT, ENVELOPE_KEYLESS};

sealkit_embedded::fault_handler!();

#[entry]
fn main() -> ! {
    sealkit_embedded::verify_only::run_with(
        "keyless",
        sealkit_embedded::keyless_fixture_policy,
        &ENVELOPE_KEYLESS,
        &ARTIFACT,
    )
}
