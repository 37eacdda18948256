//! `sealkit issuer serve` as a real process on 127.0.0.1 port 0, and `sealkit issuer log`
//! listing, exporting and verifying an audit log, including edited and deleted rows.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use sealkit::SigningKey;
use sealkit_issuer::audit::{AuditLog, Kind, NewEntry};

fn sealkit() -> Command {
    Command::new(env!("CARGO_BIN_EXE_sealkit"))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../issuer/tests/fixtures")
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn write_key(path: &Path) -> SigningKey {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).unwrap();
    let key = SigningKey::from_seed(&seed).unwrap();
    let text =
        sealkit_keyfile::encode_secret(&key, &sealkit_keyfile::Protection::Unencrypted).unwrap();
    std::fs::write(path, text.as_bytes()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    key
}

/// Kills the child on drop, so a failing test leaves no process behind.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One HTTP/1.1 request over a plain socket; returns status and body.
fn http(addr: &str, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).unwrap();
    let status = resp[9..12].parse().unwrap();
    let body = resp
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[test]
fn serve_prints_its_address_issues_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    write_key(&dir.path().join("issuer.key"));
    let config = format!(
        r#"name = "issuer.test"
issuing_key = "issuer.key"
database = "audit.sqlite"

[[provider]]
issuer = "https://op.test"
audience = "sealkit"
jwks_file = "{}"

[[provider.rule]]
claims = {{ email = "*@vendor.example", email_verified = true }}
identity = "{{email}}"
"#,
        fixtures().join("jwks.json").display()
    );
    std::fs::write(dir.path().join("issuer.toml"), config).unwrap();
    let child = sealkit()
        .args(["issuer", "serve", "--config"])
        .arg(dir.path().join("issuer.toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut guard = Guard(child);
    let mut first = String::new();
    BufReader::new(guard.0.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let addr = first
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("first line: {first:?}"))
        .to_owned();
    assert!(
        addr.starts_with("127.0.0.1:") && !addr.ends_with(":0"),
        "{addr}"
    );
    assert_eq!(http(&addr, "GET", "/healthz", None), (200, "ok".to_owned()));

    // A certificate for a developer token.
    let t = now();
    let claims = serde_json::json!({"iss": "https://op.test", "aud": "sealkit",
        "email": "dev@vendor.example", "email_verified": true, "iat": t, "exp": t + 60});
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.kid = Some("rsa-1".into());
    let pem = std::fs::read(fixtures().join("rsa-2048.pem")).unwrap();
    let token = jsonwebtoken::encode(
        &header,
        &claims,
        &jsonwebtoken::EncodingKey::from_rsa_pem(&pem).unwrap(),
    )
    .unwrap();
    let eph = write_key(&dir.path().join("eph.key"));
    let pair = ed25519_compact::KeyPair::from_seed(ed25519_compact::Seed::new(eph.seed_bytes()));
    let proof = pair.sk.sign(sealkit_issuer::proof_message(&token), None);
    let mut text = [0u8; sealkit::PUBLIC_KEY_TEXT_LEN];
    let body = serde_json::json!({
        "token": token,
        "public_key": eph.public_key().to_text(&mut text),
        "proof": base64::engine::general_purpose::STANDARD.encode(proof.as_ref()),
    })
    .to_string();
    let (status, resp) = http(&addr, "POST", "/v1/certificate", Some(&body));
    assert_eq!(status, 200, "{resp}");
    let (status, resp) = http(&addr, "POST", "/v1/certificate", Some(&body));
    assert_eq!(status, 409, "{resp}");

    // SIGTERM: graceful shutdown, exit status 0.
    let pid = guard.0.id().to_string();
    // The shell's own `kill`, so that no procps is needed.
    assert!(Command::new("sh")
        .args(["-c", &format!("kill -TERM {pid}")])
        .status()
        .unwrap()
        .success());
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(s) = guard.0.try_wait().unwrap() {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "the issuer did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status:?}");
    // One line per request on stderr, never the token.
    let mut err = String::new();
    guard
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    assert!(err.contains("POST /v1/certificate 200"), "{err}");
    assert!(
        err.contains("POST /v1/certificate 409 token_replayed"),
        "{err}"
    );
    assert!(
        !err.contains(&token[..40]),
        "the token must never be logged"
    );

    // The log holds the one certificate and verifies.
    let out = sealkit()
        .args(["issuer", "log", "--verify", "--db"])
        .arg(dir.path().join("audit.sqlite"))
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("verifies: 1 entries"));
}

fn make_log(path: &Path, n: u64) {
    let mut log = AuditLog::open(path).unwrap();
    for i in 0..n {
        let e = if i % 2 == 0 {
            NewEntry {
                time: 1_800_000_000 + i,
                kind: Some(Kind::Certificate),
                identity: Some(format!("ci-{i}@vendor.example")),
                provider: Some("https://op.test".into()),
                token_sha256: Some(format!("{i:064x}")),
                key_id: Some(format!("{i:016x}")),
                cti: Some(format!("{i:032x}")),
                digest: None,
                issued_sha256: format!("{:064x}", i + 1000),
            }
        } else {
            NewEntry {
                time: 1_800_000_000 + i,
                kind: Some(Kind::Timestamp),
                digest: Some(format!("{:064x}", i + 7)),
                issued_sha256: format!("{:064x}", i + 2000),
                ..NewEntry::default()
            }
        };
        log.append(&e, None).unwrap();
    }
}

fn log_cmd(db: &Path, args: &[&str]) -> (i32, String) {
    let out = sealkit()
        .args(["issuer", "log", "--db"])
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn log_lists_exports_and_detects_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("audit.sqlite");
    make_log(&db, 5);

    let (code, text) = log_cmd(&db, &[]);
    assert_eq!(code, 0);
    assert_eq!(text.lines().count(), 5);
    assert!(text.lines().next().unwrap().contains("ci-0@vendor.example"));
    assert!(text.contains("2027-01-15T08:00:01Z"), "{text}");
    let (code, json) = log_cmd(&db, &["--json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 5);
    assert_eq!(v[1]["kind"], "timestamp");
    assert_eq!(v[1]["prev_hash"], v[0]["entry_hash"]);
    let export = dir.path().join("audit.jsonl");
    let (code, _) = log_cmd(&db, &["--export", export.to_str().unwrap()]);
    assert_eq!(code, 0);
    let lines = std::fs::read_to_string(&export).unwrap();
    assert_eq!(lines.lines().count(), 5);
    let last: serde_json::Value = serde_json::from_str(lines.lines().last().unwrap()).unwrap();
    assert_eq!(last["seq"], 5);
    let (code, text) = log_cmd(&db, &["--verify"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains(&format!("head {}", last["entry_hash"].as_str().unwrap())));

    // Edit a row (the append-only triggers stop plain SQL; an attacker drops them first).
    let conn = rusqlite::Connection::open(&db).unwrap();
    assert!(conn
        .execute("UPDATE audit_log SET identity = 'evil' WHERE seq = 3", [])
        .is_err());
    conn.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;")
        .unwrap();
    conn.execute("UPDATE audit_log SET identity = 'evil' WHERE seq = 3", [])
        .unwrap();
    let (code, text) = log_cmd(&db, &["--verify"]);
    assert_eq!(code, 1);
    assert!(text.contains("entry 3 "), "{text}");
    let (code, json) = log_cmd(&db, &["--verify", "--json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        (v["ok"].clone(), v["first_bad_seq"].clone()),
        (false.into(), 3.into())
    );

    // Deleting a row in the middle, or the newest one, is detected too.
    let db2 = dir.path().join("b.sqlite");
    make_log(&db2, 5);
    let conn = rusqlite::Connection::open(&db2).unwrap();
    conn.execute_batch("DROP TRIGGER audit_log_no_delete;")
        .unwrap();
    conn.execute("DELETE FROM audit_log WHERE seq = 5", [])
        .unwrap();
    let (code, text) = log_cmd(&db2, &["--verify"]);
    assert_eq!((code, text.contains("entry 5 ")), (1, true), "{text}");
    conn.execute("DELETE FROM audit_log WHERE seq = 2", [])
        .unwrap();
    let (code, text) = log_cmd(&db2, &["--verify"]);
    assert_eq!((code, text.contains("entry 2 ")), (1, true), "{text}");

    // Reordering: swapping two rows' contents.
    let db3 = dir.path().join("c.sqlite");
    make_log(&db3, 4);
    let conn = rusqlite::Connection::open(&db3).unwrap();
    conn.execute_batch(
        "DROP TRIGGER audit_log_no_update;
         UPDATE audit_log SET seq = 100 WHERE seq = 2;
         UPDATE audit_log SET seq = 2 WHERE seq = 3;
         UPDATE audit_log SET seq = 3 WHERE seq = 100;",
    )
    .unwrap();
    let (code, text) = log_cmd(&db3, &["--verify"]);
    assert_eq!((code, text.contains("entry 2 ")), (1, true), "{text}");

    // A database that does not exist is a usage error, not an empty log.
    let (code, _) = log_cmd(&dir.path().join("missing.sqlite"), &["--verify"]);
    assert_eq!(code, 2);
}
