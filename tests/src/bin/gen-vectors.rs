//! Writes `tests/vectors/sealkit-vectors.json`, the vector file shared by the Rust, C, Python and
//! WebAssembly tests. Deterministic: running it twice gives the same bytes.
//!
//! ```text
//! cargo run -p sealkit-conformance --bin gen-vectors            # write the file
//! cargo run -p sealkit-conformance --bin gen-vectors -- --check # exit 1 if it is stale
//! ```

use std::process::ExitCode;

use sealkit_conformance::vectors;

fn main() -> ExitCode {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => {
            eprintln!("usage: gen-vectors [--check] (unexpected argument {other:?})");
            return ExitCode::from(2);
        }
    };
    let file = vectors::generate();
    let json = vectors::to_json(&file);
    if check {
        return match std::fs::read_to_string(vectors::PATH) {
            Ok(current) if current == json => {
                println!(
                    "{} is up to date ({} cases)",
                    vectors::PATH,
                    file.cases.len()
                );
                ExitCode::SUCCESS
            }
            Ok(_) => {
                eprintln!("{} is stale; run `{}`", vectors::PATH, vectors::REGENERATE);
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("cannot read {}: {e}", vectors::PATH);
                ExitCode::FAILURE
            }
        };
    }
    if let Err(e) = std::fs::write(vectors::PATH, &json) {
        eprintln!("cannot write {}: {e}", vectors::PATH);
        return ExitCode::FAILURE;
    }
    println!(
        "wrote {} ({} cases, {} key text cases)",
        vectors::PATH,
        file.cases.len(),
        file.public_key_text.len()
    );
    ExitCode::SUCCESS
}
