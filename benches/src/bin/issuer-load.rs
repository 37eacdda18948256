//! A load generator for the issuer service (`sealkit issuer serve`): many requests on loopback
//! to one endpoint at a fixed concurrency, then requests per second and latency percentiles.
//!
//! ```text
//! issuer-load --url http://127.0.0.1:PORT --endpoint timestamp --requests 5000 --concurrency 8
//! issuer-load --url ... --endpoint certificate --tokens tokens.txt --concurrency 8
//! ```
//!
//! Every request body is built before the clock starts: for `timestamp` a distinct digest each,
//! for `certificate` one fresh ID token from `--tokens` (one a line; tokens are single-use) with
//! an ephemeral Ed25519 key and its proof of possession, exactly as the HTTP contract says. The
//! client runs on one thread (a current-thread tokio runtime), so that on a small machine most
//! of the cores are left to the service. Prints one line of `key=value` fields; exits 1 if any
//! request failed or was not answered 200 (the figures are printed all the same).

#![allow(clippy::indexing_slicing)]

use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use sha2::{Digest, Sha256};

const PROOF_PREFIX: &[u8; 24] = b"sealkit-issuer-proof-v1\x00";

struct Args {
    url: String,
    endpoint: String,
    requests: usize,
    concurrency: usize,
    tokens: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        url: String::new(),
        endpoint: "timestamp".into(),
        requests: 2000,
        concurrency: 8,
        tokens: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--url" => args.url = value()?,
            "--endpoint" => args.endpoint = value()?,
            "--requests" => {
                args.requests = value()?.parse().map_err(|e| format!("--requests: {e}"))?
            }
            "--concurrency" => {
                args.concurrency = value()?
                    .parse()
                    .map_err(|e| format!("--concurrency: {e}"))?
            }
            "--tokens" => args.tokens = Some(value()?),
            _ => return Err(format!("unknown argument {flag}")),
        }
    }
    if args.url.is_empty() || args.concurrency == 0 {
        return Err("usage: issuer-load --url URL [--endpoint timestamp|certificate] [--requests N] [--concurrency C] [--tokens FILE]".into());
    }
    Ok(args)
}

fn certificate_body(token: &str, n: usize) -> Result<String, String> {
    let seed: [u8; 32] = Sha256::digest(format!("issuer-load ephemeral key {n}")).into();
    let pair = ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new(seed));
    let mut challenge = Vec::with_capacity(56);
    challenge.extend_from_slice(PROOF_PREFIX);
    challenge.extend_from_slice(&Sha256::digest(token.as_bytes()));
    let proof = pair.sk.sign(&challenge, None);
    let public = sealkit::PublicKey::from_bytes(pair.pk.as_ref()).map_err(|e| e.to_string())?;
    let mut text = [0u8; sealkit::PUBLIC_KEY_TEXT_LEN];
    let b64 = base64::engine::general_purpose::STANDARD;
    // The token is a compact JWS (base64url and dots), the key text and proof are base64: no
    // character needs JSON escaping, but refuse anything else rather than send broken JSON.
    if !token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
    {
        return Err(format!("token {n} is not a compact JWS"));
    }
    Ok(format!(
        r#"{{"token":"{token}","public_key":"{}","proof":"{}"}}"#,
        public.to_text(&mut text),
        b64.encode(proof.as_ref())
    ))
}

fn bodies(args: &Args) -> Result<Vec<String>, String> {
    match args.endpoint.as_str() {
        "timestamp" => Ok((0..args.requests)
            .map(|i| {
                let digest = Sha256::digest(format!("issuer-load artifact {i}"));
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                format!(r#"{{"digest":"{hex}"}}"#)
            })
            .collect()),
        "certificate" => {
            let path = args
                .tokens
                .as_ref()
                .ok_or("--endpoint certificate needs --tokens FILE")?;
            let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
            let tokens: Vec<&str> = text.split_whitespace().collect();
            if tokens.len() < args.requests {
                return Err(format!(
                    "{path}: {} tokens for {} requests (each token buys one certificate)",
                    tokens.len(),
                    args.requests
                ));
            }
            tokens
                .iter()
                .take(args.requests)
                .enumerate()
                .map(|(n, t)| certificate_body(t, n))
                .collect()
        }
        other => Err(format!(
            "unknown endpoint {other} (timestamp or certificate)"
        )),
    }
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    // Nearest rank.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64() * 1000.0
}

async fn run(args: Args, bodies: Vec<String>) -> Result<bool, String> {
    // Built with the workspace, reqwest has rustls without a chosen crypto provider; building a
    // client then needs one installed (an error here means one already was).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| e.to_string())?;
    let url = format!("{}/v1/{}", args.url.trim_end_matches('/'), args.endpoint);
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let (client, url, bodies, next) =
            (client.clone(), url.clone(), bodies.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors: Vec<String> = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(i) else { break };
                let t = Instant::now();
                let answer = client
                    .post(&url)
                    .header("content-type", "application/json")
                    .body(body.clone())
                    .send()
                    .await;
                match answer {
                    Ok(response) => {
                        let status = response.status();
                        let text = response.bytes().await;
                        latencies.push(t.elapsed());
                        if !status.is_success() || text.is_err() {
                            errors.push(format!(
                                "{status}: {:?}",
                                text.map(|b| String::from_utf8_lossy(&b).into_owned())
                            ));
                        }
                    }
                    Err(e) => errors.push(e.to_string()),
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::with_capacity(bodies.len());
    let mut errors = Vec::new();
    for task in tasks {
        let (l, e) = task.await.map_err(|e| e.to_string())?;
        latencies.extend(l);
        errors.extend(e);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    println!(
        "endpoint={} concurrency={} requests={} errors={} seconds={:.3} rps={:.0} p50_ms={:.2} p99_ms={:.2} max_ms={:.2}",
        args.endpoint,
        args.concurrency,
        bodies.len(),
        errors.len(),
        elapsed,
        bodies.len() as f64 / elapsed,
        percentile(&latencies, 50.0),
        percentile(&latencies, 99.0),
        percentile(&latencies, 100.0),
    );
    for e in errors.iter().take(5) {
        eprintln!("issuer-load: {e}");
    }
    Ok(errors.is_empty())
}

fn main() -> ExitCode {
    let result = parse_args().and_then(|args| {
        let bodies = bodies(&args)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        runtime.block_on(run(args, bodies))
    });
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("issuer-load: {e}");
            ExitCode::from(2)
        }
    }
}
