//! Writes `tests/vectors/trust-vectors.json`, the trust vectors (chains, policies, sets, rotations) shared by every
//! binding's harness. Deterministic.
//!
//! ```text
//! cargo run -p sealkit-conformance --bin gen-trust-vectors            # write the file
//! cargo run -p sealkit-conformance --bin gen-trust-vectors -- --check # exit 1 if stale
//! ```

use std::process::ExitCode;

use sealkit_conformance::trust_vectors as sv;

fn main() -> ExitCode {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => {
            eprintln!("usage: gen-trust-vectors [--check] (unexpected argument {other:?})");
            return ExitCode::from(2);
        }
    };
    let file = sv::generate();
    let json = sv::to_json(&file);
    if check {
        return match std::fs::read_to_string(sv::PATH) {
            Ok(current) if current == json => {
                println!("{} is up to date ({} cases)", sv::PATH, file.cases.len());
                ExitCode::SUCCESS
            }
            Ok(_) => {
                eprintln!("{} is stale; run `{}`", sv::PATH, sv::REGENERATE);
                ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("cannot read {}: {e}", sv::PATH);
                ExitCode::FAILURE
            }
        };
    }
    if let Err(e) = std::fs::write(sv::PATH, &json) {
        eprintln!("cannot write {}: {e}", sv::PATH);
        return ExitCode::FAILURE;
    }
    println!("wrote {} ({} cases)", sv::PATH, file.cases.len());
    ExitCode::SUCCESS
}
