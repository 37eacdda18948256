//! Writes `tests/vectors/sealkit-vectors.json`, the vector file shared by the Rust, C, Python and
//! WebAssembly tests. Deterministic: running it twice gives the same bytes.
//!
//! ```text
//! cargo run -p sealkit-conformance --bin gen-vectors            # write the file
//! cargo run -p sealkit-conformance --bin gen-vectors -- --check # exit 1 if it is stale
//! ```

use std::process::ExitCode;

use sealkit_conformance::{vectors, write_or_check};

fn main() -> ExitCode {
    let file = vectors::generate();
    let json = vectors::to_json(&file);
    write_or_check(
        "gen-vectors",
        vectors::PATH,
        vectors::REGENERATE,
        &json,
        &format!(
            "{} cases, {} key text cases",
            file.cases.len(),
            file.public_key_text.len()
        ),
    )
}
