//! The Rust baseline for `benches/c/run.sh`: the core's `verify_slice` and `StreamVerifier`
//! (64 KiB chunks) over the same in-memory file as the C bench, best of N runs, in MiB/s.
//!
//! `cargo run --release -p sealkit-c --example bench-core -- FILE SIG KEYTEXT [RUNS]`

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::time::Instant;

use sealkit::{PublicKey, StreamVerifier, TrustPolicy};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let data = std::fs::read(&args[1]).expect("artifact");
    let sig = std::fs::read(&args[2]).expect("signature");
    let runs: usize = args.get(4).map(|s| s.parse().unwrap()).unwrap_or(5);
    let mut policy = TrustPolicy::new();
    policy
        .trust_key(PublicKey::from_text(&args[3]).unwrap())
        .unwrap();
    let mib = data.len() as f64 / (1024.0 * 1024.0);

    let mut best = f64::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let v = sealkit::verify_slice(&sig, std::hint::black_box(&data), &policy).unwrap();
        std::hint::black_box(v.length());
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!("rust one-shot (verify_slice): {:.0} MiB/s", mib / best);

    let mut best = f64::MAX;
    for _ in 0..runs {
        let t = Instant::now();
        let mut v = StreamVerifier::new(&sig, &policy).unwrap();
        for chunk in std::hint::black_box(&data).chunks(64 * 1024) {
            v.update(chunk).unwrap();
        }
        std::hint::black_box(v.finish().unwrap().length());
        best = best.min(t.elapsed().as_secs_f64());
    }
    println!(
        "rust streaming (StreamVerifier, 64 KiB): {:.0} MiB/s",
        mib / best
    );
}
