//! Prints the throughput of the streaming verifier relative to plain SHA-2 over the same
//! buffer, from the estimates criterion wrote for `benches/verify.rs`.
//!
//! Usage: `ratio [CRITERION_DIR]` (default: `target/criterion` of this workspace).
//! Exits with status 1 if any estimate is missing; it never judges the ratio itself.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Bytes hashed per iteration in the throughput groups (64 MiB).
const LEN: f64 = (64u64 << 20) as f64;
const MIB: f64 = (1u64 << 20) as f64;

/// The median time per iteration in nanoseconds: `median.point_estimate` in
/// `new/estimates.json`. The median rather than the mean, because the machines this runs on are
/// often shared and a compile job next door produces outliers in one direction only.
fn median_ns(dir: &Path, group: &str, function: &str) -> Result<f64, String> {
    let path = dir
        .join(group)
        .join(function)
        .join("new")
        .join("estimates.json");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "{}: {e} (run `cargo bench -p sealkit-benches` first)",
            path.display()
        )
    })?;
    let median = text
        .find("\"median\"")
        .ok_or_else(|| format!("{}: no median", path.display()))?;
    let rest = &text[median..];
    let key = "\"point_estimate\":";
    let at = rest
        .find(key)
        .ok_or_else(|| format!("{}: no point_estimate", path.display()))?;
    let num: String = rest[at + key.len()..]
        .chars()
        .skip_while(|c| c.is_whitespace())
        .take_while(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+'))
        .collect();
    num.parse::<f64>()
        .map_err(|e| format!("{}: bad number {num:?}: {e}", path.display()))
}

fn mib_s(ns: f64) -> f64 {
    LEN / MIB / (ns / 1e9)
}

fn run(dir: &Path) -> Result<(), String> {
    println!("| hash | chunk | raw SHA-2 (MiB/s) | sealkit verify (MiB/s) | ratio sealkit/raw |");
    println!("|---|---|---:|---:|---:|");
    for (group, hash) in [("sha256_64MiB", "SHA-256"), ("sha512_64MiB", "SHA-512")] {
        for chunk in ["64KiB", "1MiB"] {
            let raw = median_ns(dir, group, &format!("raw/{chunk}"))?;
            let sk = median_ns(dir, group, &format!("sealkit/{chunk}"))?;
            println!(
                "| {hash} | {chunk} | {:.0} | {:.0} | {:.3}x |",
                mib_s(raw),
                mib_s(sk),
                raw / sk
            );
        }
    }
    let parse = median_ns(dir, "fixed", "envelope_parse")?;
    let new = median_ns(dir, "fixed", "stream_verifier_new")?;
    println!();
    println!("| fixed cost | median |");
    println!("|---|---:|");
    println!("| `Envelope::parse` | {:.2} us |", parse / 1e3);
    println!(
        "| `StreamVerifier::new` (parse + Ed25519 + policy) | {:.2} us |",
        new / 1e3
    );
    Ok(())
}

fn main() -> ExitCode {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join("target")
                .join("criterion")
        });
    match run(&dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ratio: {e}");
            ExitCode::FAILURE
        }
    }
}
