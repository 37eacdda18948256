//! Writes `tests/vectors/trust-vectors.json`, the trust vectors (chains, policies, sets, rotations) shared by every
//! binding's harness. Deterministic.
//!
//! ```text
//! cargo run -p sealkit-conformance --bin gen-trust-vectors            # write the file
//! cargo run -p sealkit-conformance --bin gen-trust-vectors -- --check # exit 1 if stale
//! ```

use std::process::ExitCode;

use sealkit_conformance::{trust_vectors as sv, write_or_check};

fn main() -> ExitCode {
    let file = sv::generate();
    let json = sv::to_json(&file);
    write_or_check(
        "gen-trust-vectors",
        sv::PATH,
        sv::REGENERATE,
        &json,
        &format!("{} cases", file.cases.len()),
    )
}
