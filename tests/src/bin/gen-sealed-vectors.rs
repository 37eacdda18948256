//! Writes `tests/vectors/sealed-vectors.json`, the sealed-stream vectors shared by the Rust and
//! Python tests (and any other harness). Deterministic.
//!
//! ```text
//! cargo run -p sealkit-conformance --bin gen-sealed-vectors            # write the file
//! cargo run -p sealkit-conformance --bin gen-sealed-vectors -- --check # exit 1 if stale
//! ```

use std::process::ExitCode;

use sealkit_conformance::{sealed_vectors as sv, write_or_check};

fn main() -> ExitCode {
    let file = sv::generate();
    let json = sv::to_json(&file);
    write_or_check(
        "gen-sealed-vectors",
        sv::PATH,
        sv::REGENERATE,
        &json,
        &format!("{} cases", file.cases.len()),
    )
}
