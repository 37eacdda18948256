//! Throughput of the streaming verifier against plain SHA-2 over the same in-memory buffer,
//! and the fixed cost of parsing and checking an envelope.
//!
//! `cargo bench -p sealkit-benches --bench verify`; `benches/ratio.sh` prints the ratios.
//! Group and function names are read by `src/bin/ratio.rs`: keep them in step.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sealkit::{Envelope, HashAlg, StreamVerifier};
use sealkit_benches::{artifact, fixture, verify_chunked, MIB};
use sha2::{Digest, Sha256, Sha512};

/// The artifact size: large enough that the per-envelope fixed cost (about one Ed25519
/// verification) is far below the noise.
const LEN: usize = 64 * MIB;
const CHUNKS: [(usize, &str); 2] = [(64 * 1024, "64KiB"), (MIB, "1MiB")];

fn raw_chunked<D: Digest>(data: &[u8], chunk: usize) -> usize {
    let mut h = D::new();
    for c in data.chunks(chunk) {
        h.update(c);
    }
    h.finalize().len()
}

fn throughput(c: &mut Criterion, data: &[u8], alg: HashAlg) {
    let fx = fixture(data, alg).unwrap();
    let name = match alg {
        HashAlg::Sha256 => "sha256_64MiB",
        _ => "sha512_64MiB",
    };
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Bytes(data.len() as u64));
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(10));
    g.warm_up_time(Duration::from_secs(2));

    for (chunk, label) in CHUNKS {
        g.bench_function(BenchmarkId::new("raw", label), |b| {
            b.iter(|| match alg {
                HashAlg::Sha256 => raw_chunked::<Sha256>(black_box(data), chunk),
                _ => raw_chunked::<Sha512>(black_box(data), chunk),
            })
        });
        g.bench_function(BenchmarkId::new("sealkit", label), |b| {
            b.iter(|| verify_chunked(&fx, black_box(data), chunk).unwrap())
        });
    }
    g.finish();
}

fn streaming(c: &mut Criterion) {
    let data = artifact(LEN);
    throughput(c, &data, HashAlg::Sha256);
    throughput(c, &data, HashAlg::Sha512);
}

fn fixed_cost(c: &mut Criterion) {
    let data = artifact(1024);
    let fx = fixture(&data, HashAlg::Sha256).unwrap();
    let mut g = c.benchmark_group("fixed");
    g.bench_function("envelope_parse", |b| {
        b.iter(|| {
            Envelope::parse(black_box(&fx.envelope))
                .unwrap()
                .unverified_length()
        })
    });
    g.bench_function("stream_verifier_new", |b| {
        b.iter(|| {
            StreamVerifier::new(black_box(&fx.envelope), &fx.policy)
                .unwrap()
                .signed_length()
        })
    });
    g.finish();
}

criterion_group!(benches, streaming, fixed_cost);
criterion_main!(benches);
