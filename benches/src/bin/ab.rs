//! Interleaved A/B measurement of the streaming verifier against plain SHA-2 over the same
//! 64 MiB buffer: it alternates the two (in both orders) and reports the median of the
//! per-pair time ratios, which a slow drift in machine load (a compile job starting next door)
//! affects far less than two criterion groups measured one after the other.
//!
//! Usage: `ab [PAIRS]` (default 15). Prints a Markdown table.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;
use std::time::Instant;

use sealkit::HashAlg;
use sealkit_benches::{artifact, fixture, verify_chunked, Fixture, MIB};
use sha2::{Digest, Sha256, Sha512};

const LEN: usize = 64 * MIB;

fn raw(alg: HashAlg, data: &[u8], chunk: usize) -> f64 {
    let t = Instant::now();
    match alg {
        HashAlg::Sha256 => {
            let mut h = Sha256::new();
            data.chunks(chunk).for_each(|c| h.update(c));
            black_box(h.finalize());
        }
        _ => {
            let mut h = Sha512::new();
            data.chunks(chunk).for_each(|c| h.update(c));
            black_box(h.finalize());
        }
    }
    t.elapsed().as_secs_f64()
}

fn sealkit(fx: &Fixture, data: &[u8], chunk: usize) -> f64 {
    let t = Instant::now();
    black_box(verify_chunked(fx, black_box(data), chunk).unwrap());
    t.elapsed().as_secs_f64()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let pairs: usize = std::env::args()
        .nth(1)
        .map_or(15, |a| a.parse().expect("PAIRS: a number"));
    let data = artifact(LEN);
    println!("| hash | chunk | raw SHA-2 (MiB/s) | sealkit verify (MiB/s) | ratio sealkit/raw (median of {pairs} pairs) |");
    println!("|---|---|---:|---:|---:|");
    for (alg, name) in [(HashAlg::Sha256, "SHA-256"), (HashAlg::Sha512, "SHA-512")] {
        let fx = fixture(&data, alg).unwrap();
        for (chunk, label) in [(64 * 1024, "64KiB"), (MIB, "1MiB")] {
            // Warm up both paths once.
            raw(alg, &data, chunk);
            sealkit(&fx, &data, chunk);
            let (mut r, mut s, mut ratio) = (Vec::new(), Vec::new(), Vec::new());
            for i in 0..pairs {
                let (a, b) = if i % 2 == 0 {
                    let a = raw(alg, &data, chunk);
                    (a, sealkit(&fx, &data, chunk))
                } else {
                    let b = sealkit(&fx, &data, chunk);
                    (raw(alg, &data, chunk), b)
                };
                r.push(a);
                s.push(b);
                ratio.push(a / b);
            }
            let mib = LEN as f64 / MIB as f64;
            println!(
                "| {name} | {label} | {:.0} | {:.0} | {:.3}x |",
                mib / median(&mut r),
                mib / median(&mut s),
                median(&mut ratio)
            );
        }
    }
}
