//! Provider keys over HTTP: cached for the TTL, fetched again once when a token names a new key
//! id (key rotation), not more often than every 30 s for unknown ids, 503 when unreachable.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use axum::routing::get;
use axum::Router;
use common::*;
use jsonwebtoken::Algorithm;

/// A tiny JWKS server on 127.0.0.1 that counts its requests.
struct JwksServer {
    url: String,
    doc: Arc<Mutex<String>>,
    hits: Arc<AtomicU64>,
}

async fn jwks_server(initial: &str) -> JwksServer {
    let doc = Arc::new(Mutex::new(initial.to_owned()));
    let hits = Arc::new(AtomicU64::new(0));
    let (d, h) = (doc.clone(), hits.clone());
    let app = Router::new().route(
        "/jwks",
        get(move || {
            let (d, h) = (d.clone(), h.clone());
            async move {
                h.fetch_add(1, Ordering::SeqCst);
                let body = d.lock().unwrap().clone();
                ([("content-type", "application/json")], body)
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    JwksServer {
        url: format!("http://{addr}/jwks"),
        doc,
        hits,
    }
}

fn provider_with_url(url: &str) -> String {
    format!("[[provider]]\nissuer = \"{PROVIDER}\"\naudience = \"{AUDIENCE}\"\njwks_url = \"{url}\"\n{RULES}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_is_cached_and_rotation_triggers_one_refetch() {
    let server = jwks_server(&std::fs::read_to_string(fixture("jwks.json")).unwrap()).await;
    let h = Harness::start_with("", &provider_with_url(&server.url)).await;
    assert_eq!(
        server.hits.load(Ordering::SeqCst),
        0,
        "fetched on first use, not at start"
    );

    let (s, v, _) = h.certificate(&rs256(&github_claims())).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(server.hits.load(Ordering::SeqCst), 1);
    let (s, v, _) = h
        .certificate(&mint(Algorithm::ES256, Some("ec-1"), &github_claims()))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        server.hits.load(Ordering::SeqCst),
        1,
        "served from the cache"
    );

    // The provider rotates: rsa-1 and ec-1 are gone, rsa-2 is new.
    *server.doc.lock().unwrap() = std::fs::read_to_string(fixture("jwks-rotated.json")).unwrap();
    let (s, v, _) = h
        .certificate(&mint(Algorithm::RS256, Some("rsa-2"), &github_claims()))
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        server.hits.load(Ordering::SeqCst),
        2,
        "one refetch for the new kid"
    );
    assert_eq!(h.running.jwks_fetches(0), 2);

    // Right after, an unknown kid (and the retired rsa-1) does not make the issuer fetch again.
    let (s, v, _) = h
        .certificate(&mint(Algorithm::RS256, Some("made-up"), &github_claims()))
        .await;
    assert_eq!(
        (s, v["error"].as_str().unwrap()),
        (401, "unknown_signing_key")
    );
    let (s, v, _) = h.certificate(&rs256(&github_claims())).await;
    assert_eq!(
        (s, v["error"].as_str().unwrap()),
        (401, "unknown_signing_key")
    );
    assert_eq!(server.hits.load(Ordering::SeqCst), 2, "rate-limited");
    assert_eq!(h.log_len(), 3);
    h.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jwks_ttl_expiry_refetches() {
    let server = jwks_server(&std::fs::read_to_string(fixture("jwks.json")).unwrap()).await;
    let providers =
        provider_with_url(&server.url).replace("jwks_url =", "jwks_ttl = 0\njwks_url =");
    let h = Harness::start_with("", &providers).await;
    for i in 1..=3 {
        let (s, v, _) = h.certificate(&rs256(&github_claims())).await;
        assert_eq!(s, 200, "{v}");
        assert_eq!(
            server.hits.load(Ordering::SeqCst),
            i,
            "a zero TTL fetches every time"
        );
    }
    h.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_or_broken_jwks_is_503_and_nothing_is_issued() {
    // A port that was free a moment ago: nothing listens there.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let h = Harness::start_with(
        "",
        &provider_with_url(&format!("http://127.0.0.1:{port}/jwks")),
    )
    .await;
    let (s, v, _) = h.certificate(&rs256(&github_claims())).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (503, "jwks_unavailable"));
    assert_eq!(h.log_len(), 0);
    h.running.stop().await.unwrap();

    let server = jwks_server("this is not json").await;
    let h = Harness::start_with("", &provider_with_url(&server.url)).await;
    let (s, v, _) = h.certificate(&rs256(&github_claims())).await;
    assert_eq!((s, v["error"].as_str().unwrap()), (503, "jwks_unavailable"));
    // Fixed by the provider: the next request fetches again and works.
    *server.doc.lock().unwrap() = std::fs::read_to_string(fixture("jwks.json")).unwrap();
    let (s, v, _) = h.certificate(&rs256(&github_claims())).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(h.log_len(), 1);
    h.running.stop().await.unwrap();
}
