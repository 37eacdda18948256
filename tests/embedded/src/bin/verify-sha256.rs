//! Verify-only firmware (SHA-256 envelope): checks the 64 KiB artifact in flash against its
//! envelope, streamed in small chunks, and reports the peak stack. Its size minus `hello`'s is
//! the flash budget of the file verifier.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use sealkit_embedded::fixtures::{ARTIFACT, ENVELOPE_SHA256};

sealkit_embedded::fault_handler!();

#[entry]
fn main() -> ! {
    sealkit_embedded::verify_only::run("sha256", &ENVELOPE_SHA256, &ARTIFACT)
}
