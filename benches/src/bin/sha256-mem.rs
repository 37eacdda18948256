//! In-memory SHA-256 throughput of this machine, the ceiling for any file verifier:
//! hashes a buffer (default 1 GiB) several times and prints the median.
//!
//! Usage: `sha256-mem [MIB] [RUNS]`. Output: one line, `sha256_mem_mib_s <MiB/s>`, then a
//! human-readable line on stderr.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;
use std::time::Instant;

use sealkit_benches::{artifact, MIB};
use sha2::{Digest, Sha256};

fn main() {
    let mut args = std::env::args().skip(1);
    let mib: usize = args
        .next()
        .map_or(1024, |a| a.parse().expect("MIB: a number"));
    let runs: usize = args
        .next()
        .map_or(5, |a| a.parse().expect("RUNS: a number"));
    let data = artifact(mib * MIB);
    let mut secs: Vec<f64> = (0..runs.max(1))
        .map(|_| {
            let t = Instant::now();
            let mut h = Sha256::new();
            for c in black_box(&data[..]).chunks(MIB) {
                h.update(c);
            }
            black_box(h.finalize());
            t.elapsed().as_secs_f64()
        })
        .collect();
    secs.sort_by(f64::total_cmp);
    let median = secs[secs.len() / 2];
    let rate = mib as f64 / median;
    println!("sha256_mem_mib_s {rate:.0}");
    eprintln!(
        "in-memory SHA-256 of {mib} MiB: median {median:.3} s of {runs} runs, {rate:.0} MiB/s"
    );
}
