//! Keyless signing end to end: the real `sealkit issuer serve` on 127.0.0.1 (a free port) with a
//! JWKS file, OIDC ID tokens minted here with `jsonwebtoken` (RS256 and ES256 fixture keys),
//! `sealkit sign --oidc-token-file/--oidc-token-env --issuer`, then offline `sealkit verify
//! --policy` now, on a tampered file, and months after the certificate expired (with and
//! without the timestamp receipt).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::collections::BTreeSet;
use std::fs;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use serde_json::{json, Value};
use tempfile::TempDir;

const PROVIDER: &str = "https://oidc.test.example";
const AUDIENCE: &str = "sealkit";
const ISSUER_NAME: &str = "sealkit-test-issuer";
const WORKFLOW: &str = "vendor/app/.github/workflows/release.yml@refs/tags/v1.0";
const IDENTITY: &str = "https://github.com/vendor/app/.github/workflows/release.yml@refs/tags/v1.0";
const DAY: u64 = 86_400;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keyless")
        .join(name)
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        serde_json::from_str(self.stdout.trim_end())
            .unwrap_or_else(|e| panic!("bad JSON ({e}): {self:?}"))
    }
}

/// Runs the CLI in `dir`.
fn run_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Out {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sealkit"));
    cmd.current_dir(dir)
        .env_remove("SEALKIT_PASSPHRASE")
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::null())
        .args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    Out {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// The issuer service, killed when dropped.
struct Issuer {
    child: Child,
    url: String,
}

impl Drop for Issuer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A test setup: the issuer's files in `srv/`, the signer's working directory `work/` (only
/// the artifact, the token file and what `sign` writes), the verifier's trust files in `trust/`.
struct Fx {
    dir: TempDir,
    issuer: Issuer,
}

impl Fx {
    fn new() -> Fx {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["srv", "work", "trust"] {
            fs::create_dir(dir.path().join(sub)).unwrap();
        }
        let srv = dir.path().join("srv");
        for k in ["issuing", "tsa"] {
            let out = run_in(&srv, &["keygen", "-o", k, "--unencrypted"], &[]);
            assert_eq!(out.code, 0, "{out:?}");
        }
        let config = format!(
            r#"listen = "127.0.0.1:0"
name = "{ISSUER_NAME}"
issuing_key = {issuing:?}
timestamp_key = {tsa:?}
max_lifetime = "10m"
database = {db:?}

[[provider]]
issuer = "{PROVIDER}"
audience = "{AUDIENCE}"
jwks_file = {jwks:?}
algorithms = ["RS256", "ES256"]

[[provider.rule]]
claims = {{ repository = "vendor/app", event_name = "push", ref = "refs/tags/*" }}
identity = "https://github.com/{{job_workflow_ref}}"
"#,
            issuing = srv.join("issuing.key").display().to_string(),
            tsa = srv.join("tsa.key").display().to_string(),
            db = srv.join("audit.sqlite").display().to_string(),
            jwks = fixture("jwks.json").display().to_string(),
        );
        fs::write(srv.join("issuer.toml"), config).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_sealkit"))
            .current_dir(&srv)
            .args(["issuer", "serve", "--config", "issuer.toml"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        let stdout = child.stdout.take().unwrap();
        let mut reader = BufReader::new(stdout);
        reader.read_line(&mut line).unwrap();
        // Keep draining stdout so that the service never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut sink = String::new();
            while reader.read_line(&mut sink).is_ok_and(|n| n > 0) {
                sink.clear();
            }
        });
        let mut issuer = Issuer {
            child,
            url: String::new(),
        };
        issuer.url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("issuer did not start: {line:?}"))
            .to_owned();

        let work = dir.path().join("work");
        fs::write(
            work.join("app.bin"),
            b"release 1.0 of the app\n".repeat(500),
        )
        .unwrap();

        // The verifier trusts the issuer's key as a root under its name, and the timestamp key.
        let fx = Fx { dir, issuer };
        fx.trust("trust.toml", true);
        fx
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn work(&self) -> PathBuf {
        self.path("work")
    }

    /// Writes `trust/NAME`: the issuer's root (with the identity pattern) and, if `tsa`, the
    /// timestamp key.
    fn trust(&self, name: &str, tsa: bool) {
        let issuing = self.path("srv/issuing.pub");
        let tsa_pub = self.path("srv/tsa.pub");
        let mut body = format!(
            "version = 1\n[[root]]\nkey_file = {:?}\nname = \"{ISSUER_NAME}\"\nidentities = [\"https://github.com/vendor/app/*\"]\n",
            issuing.display().to_string()
        );
        if tsa {
            body += &format!(
                "[[timestamp]]\nkey_file = {:?}\n",
                tsa_pub.display().to_string()
            );
        }
        fs::write(self.path("trust").join(name), body).unwrap();
    }

    /// Runs the CLI in `work/`.
    fn run(&self, args: &[&str]) -> Out {
        run_in(&self.work(), args, &[])
    }

    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        run_in(&self.work(), args, env)
    }

    /// Writes `work/NAME` holding `token` (with a trailing newline, as files usually have).
    fn token_file(&self, name: &str, token: &str) -> String {
        fs::write(self.work().join(name), format!("{token}\n")).unwrap();
        name.to_owned()
    }

    /// `sign app.bin` keylessly with the token file `work/FILE`.
    fn sign(&self, file: &str) -> Out {
        self.run(&[
            "sign",
            "app.bin",
            "--oidc-token-file",
            file,
            "--issuer",
            &self.issuer.url,
        ])
    }

    /// `verify FILE --policy trust/POLICY --json`, plus `extra`.
    fn verify(&self, file: &str, sig: &str, policy: &str, extra: &[&str]) -> Out {
        let policy = self.path("trust").join(policy).display().to_string();
        let mut args = vec!["verify", file, "--sig", sig, "--policy", &policy, "--json"];
        args.extend(extra);
        self.run(&args)
    }

    fn files(&self) -> BTreeSet<String> {
        fs::read_dir(self.work())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    }
}

/// GitHub-Actions-like claims, valid now for 5 minutes.
fn claims() -> Value {
    let t = now();
    json!({
        "iss": PROVIDER,
        "aud": AUDIENCE,
        "sub": "repo:vendor/app:ref:refs/tags/v1.0",
        "iat": t,
        "nbf": t - 5,
        "exp": t + 300,
        "repository": "vendor/app",
        "job_workflow_ref": WORKFLOW,
        "event_name": "push",
        "ref": "refs/tags/v1.0",
        "jti": format!("{t}-{}", std::process::id()),
    })
}

fn mint(alg: Algorithm, claims: &Value) -> String {
    let (kid, key) = match alg {
        Algorithm::RS256 => (
            "test-rsa",
            EncodingKey::from_rsa_pem(&fs::read(fixture("rsa.pem")).unwrap()).unwrap(),
        ),
        Algorithm::ES256 => (
            "test-ec",
            EncodingKey::from_ec_pem(&fs::read(fixture("ec.pem")).unwrap()).unwrap(),
        ),
        other => panic!("no fixture key for {other:?}"),
    };
    let mut header = Header::new(alg);
    header.kid = Some(kid.to_owned());
    encode(&header, claims, &key).unwrap()
}

/// Removes the unprotected header's contents (the receipt): the envelope as the signer made it.
fn strip_receipt(envelope: &[u8]) -> Vec<u8> {
    /// (major type, argument, head length) of the CBOR item at `at`.
    fn head(b: &[u8], at: usize) -> (u8, u64, usize) {
        let ib = b[at];
        let (major, info) = (ib >> 5, ib & 0x1f);
        match info {
            0..=23 => (major, u64::from(info), 1),
            24 => (major, u64::from(b[at + 1]), 2),
            25 => (
                major,
                u64::from(u16::from_be_bytes([b[at + 1], b[at + 2]])),
                3,
            ),
            26 => (
                major,
                u64::from(u32::from_be_bytes(b[at + 1..at + 5].try_into().unwrap())),
                5,
            ),
            27 => (
                major,
                u64::from_be_bytes(b[at + 1..at + 9].try_into().unwrap()),
                9,
            ),
            _ => panic!("indefinite or reserved CBOR item"),
        }
    }
    /// Offset just after the CBOR item at `at`.
    fn skip(b: &[u8], at: usize) -> usize {
        let (major, arg, len) = head(b, at);
        let arg = usize::try_from(arg).unwrap();
        match major {
            0 | 1 | 7 => at + len,
            2 | 3 => at + len + arg,
            4 => (0..arg).fold(at + len, |p, _| skip(b, p)),
            5 => (0..2 * arg).fold(at + len, |p, _| skip(b, p)),
            6 => skip(b, at + len),
            _ => unreachable!(),
        }
    }
    let (major, tag, tag_len) = head(envelope, 0);
    assert_eq!((major, tag), (6, 18), "a tagged COSE_Sign1");
    let (major, n, arr_len) = head(envelope, tag_len);
    assert_eq!((major, n), (4, 4));
    let unprotected = skip(envelope, tag_len + arr_len);
    assert_eq!(
        head(envelope, unprotected).0,
        5,
        "the unprotected header is a map"
    );
    let after = skip(envelope, unprotected);
    let mut out = envelope[..unprotected].to_vec();
    out.push(0xa0);
    out.extend_from_slice(&envelope[after..]);
    out
}

#[test]
fn keyless_sign_verifies_offline_now_and_after_expiry_thanks_to_the_receipt() {
    let f = Fx::new();
    let token = f.token_file("token.jwt", &mint(Algorithm::RS256, &claims()));
    let before = f.files();
    let out = f.sign(&token);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains(IDENTITY), "{out:?}");
    assert!(out.stdout.contains("timestamp:"), "{out:?}");

    // Nothing but the signature was written next to the artifact.
    let mut expected = before.clone();
    expected.insert("app.bin.sig".into());
    assert_eq!(f.files(), expected);

    // Verifies now, with the identity from the certificate and the receipt's facts.
    let v = f.verify("app.bin", "app.bin.sig", "trust.toml", &[]);
    assert_eq!(v.code, 0, "{v:?}");
    let j = v.json();
    assert_eq!(j["identity"], IDENTITY, "{j}");
    let signer = &j["signers"][0];
    assert_eq!(signer["verdict"], "ok", "{j}");
    let t = signer["timestamp"]
        .as_u64()
        .unwrap_or_else(|| panic!("{j}"));
    assert!(t.abs_diff(now()) < 3600, "{j}");
    assert!(signer["timestamp_key_id"].is_string(), "{j}");

    // A tampered artifact fails.
    let mut bytes = fs::read(f.work().join("app.bin")).unwrap();
    bytes[100] ^= 0x01;
    fs::write(f.work().join("tampered.bin"), &bytes).unwrap();
    let v = f.verify("tampered.bin", "app.bin.sig", "trust.toml", &[]);
    assert_eq!(v.code, 1, "{v:?}");
    assert_eq!(v.json()["error"]["name"], "digest_mismatch", "{v:?}");

    // 90 days later the certificate has long expired, but the receipt shows the signature was
    // made while it was valid.
    let later = (now() + 90 * DAY).to_string();
    let v = f.verify("app.bin", "app.bin.sig", "trust.toml", &["--now", &later]);
    assert_eq!(v.code, 0, "{v:?}");
    assert_eq!(v.json()["identity"], IDENTITY);

    // The same signature without its receipt fails after expiry...
    let sig = fs::read(f.work().join("app.bin.sig")).unwrap();
    let stripped = strip_receipt(&sig);
    assert!(stripped.len() < sig.len());
    fs::write(f.work().join("stripped.sig"), &stripped).unwrap();
    let v = f.verify("app.bin", "stripped.sig", "trust.toml", &["--now", &later]);
    assert_eq!(v.code, 1, "{v:?}");
    assert_eq!(v.json()["error"]["name"], "certificate_expired", "{v:?}");
    // ...but still passes now: the signature itself is untouched.
    let v = f.verify("app.bin", "stripped.sig", "trust.toml", &[]);
    assert_eq!(v.code, 0, "{v:?}");

    // A policy that requires receipts refuses the stripped signature at once.
    let required = fs::read_to_string(f.path("trust/trust.toml")).unwrap();
    fs::write(
        f.path("trust/required.toml"),
        format!("{required}[require]\ntimestamp = true\n"),
    )
    .unwrap();
    let v = f.verify("app.bin", "stripped.sig", "required.toml", &[]);
    assert_eq!(v.code, 1, "{v:?}");
    assert_eq!(v.json()["error"]["name"], "timestamp_missing", "{v:?}");
    let v = f.verify(
        "app.bin",
        "app.bin.sig",
        "required.toml",
        &["--now", &later],
    );
    assert_eq!(v.code, 0, "{v:?}");

    // A verifier that does not trust the timestamp key cannot use the receipt.
    f.trust("no-tsa.toml", false);
    let v = f.verify("app.bin", "app.bin.sig", "no-tsa.toml", &["--now", &later]);
    assert_eq!(v.code, 1, "{v:?}");
    assert_eq!(
        v.json()["error"]["name"],
        "untrusted_timestamp_key",
        "{v:?}"
    );

    // The human output names the receipt's time and key.
    let policy = f.path("trust/trust.toml").display().to_string();
    let v = f.run(&["verify", "app.bin", "--policy", &policy, "--now", &later]);
    assert_eq!(v.code, 0, "{v:?}");
    let kid = signer["timestamp_key_id"].as_str().unwrap();
    assert!(
        v.stdout.contains(&format!("({t}) by timestamp key {kid}")),
        "{v:?}"
    );

    // inspect shows the receipt, unverified.
    let i = f.run(&["inspect", "app.bin.sig", "--json"]);
    assert_eq!(i.code, 0, "{i:?}");
    let r = &i.json()["receipt"];
    assert_eq!(r["time"].as_u64(), Some(t), "{i:?}");
    assert_eq!(r["key_id"], signer["timestamp_key_id"], "{i:?}");
    assert_eq!(r["digest"].as_str().map(str::len), Some(64), "{i:?}");
    let i = f.run(&["inspect", "app.bin.sig"]);
    assert!(i.stdout.contains("receipt"), "{i:?}");
}

#[test]
fn keyless_sign_with_an_es256_token_from_the_environment() {
    let f = Fx::new();
    let before = f.files();
    let token = mint(Algorithm::ES256, &claims());
    let out = f.run_env(
        &[
            "sign",
            "app.bin",
            "--oidc-token-env",
            "SEALKIT_TEST_TOKEN",
            "--issuer",
            &f.issuer.url,
        ],
        &[("SEALKIT_TEST_TOKEN", &format!("  {token}\n"))],
    );
    assert_eq!(out.code, 0, "{out:?}");
    let mut expected = before;
    expected.insert("app.bin.sig".into());
    assert_eq!(f.files(), expected);
    let v = f.verify("app.bin", "app.bin.sig", "trust.toml", &[]);
    assert_eq!(v.code, 0, "{v:?}");
    assert_eq!(v.json()["identity"], IDENTITY);
}

#[test]
fn refused_tokens_give_the_issuers_error_and_no_signature() {
    let f = Fx::new();
    let token_file = f.token_file("token.jwt", "");
    let before = f.files();
    let mut cases: Vec<(&str, String)> = Vec::new();

    let mut expired = claims();
    expired["iat"] = json!(now() - 3600);
    expired["nbf"] = json!(now() - 3600);
    expired["exp"] = json!(now() - 1800);
    cases.push(("token_expired", mint(Algorithm::RS256, &expired)));

    let mut audience = claims();
    audience["aud"] = json!("someone-else");
    cases.push(("wrong_audience", mint(Algorithm::RS256, &audience)));

    let mut fork = claims();
    fork["repository"] = json!("attacker/app");
    cases.push(("no_matching_rule", mint(Algorithm::ES256, &fork)));

    let good = mint(Algorithm::RS256, &claims());
    // Change one character inside the signature (not the last, whose low bits are padding).
    let mut forged = good.clone().into_bytes();
    let at = forged.len() - 10;
    forged[at] = if forged[at] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    cases.push(("token_signature_invalid", forged));

    for (name, token) in &cases {
        f.token_file(&token_file, token);
        let out = f.run(&[
            "sign",
            "app.bin",
            "--oidc-token-file",
            &token_file,
            "--issuer",
            &f.issuer.url,
        ]);
        assert_eq!(out.code, 2, "{name}: {out:?}");
        assert!(
            out.stderr
                .contains(&format!("issuer refused the token: {name}: ")),
            "{name}: {out:?}"
        );
        assert!(!f.work().join("app.bin.sig").exists(), "{name}");
    }

    // A token buys one certificate: the second use is refused.
    f.token_file(&token_file, &good);
    let args = [
        "sign",
        "app.bin",
        "--oidc-token-file",
        &token_file,
        "--issuer",
        &f.issuer.url,
        "-o",
        "first.sig",
    ];
    assert_eq!(f.run(&args).code, 0);
    let out = f.run(&[
        "sign",
        "app.bin",
        "--oidc-token-file",
        &token_file,
        "--issuer",
        &f.issuer.url,
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("token_replayed"), "{out:?}");
    assert!(!f.work().join("app.bin.sig").exists());
    let mut expected = before;
    expected.insert("first.sig".into());
    assert_eq!(f.files(), expected);
}

#[test]
fn keyless_flags_are_checked_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("app.bin"), b"x").unwrap();
    fs::write(dir.path().join("empty.jwt"), b" \n\t\n").unwrap();
    fs::write(dir.path().join("big.jwt"), vec![b'a'; 13 * 1024]).unwrap();
    fs::write(dir.path().join("t.jwt"), b"a.b.c\n").unwrap();
    let sign = |extra: &[&str], env: &[(&str, &str)]| {
        let mut args = vec!["sign", "app.bin"];
        args.extend(extra);
        run_in(dir.path(), &args, env)
    };
    // No issuer is listening on these URLs: every case must fail before connecting.
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "--oidc-token-file",
                "empty.jwt",
                "--issuer",
                "http://127.0.0.1:9",
            ],
            "empty",
        ),
        (
            vec![
                "--oidc-token-file",
                "big.jwt",
                "--issuer",
                "http://127.0.0.1:9",
            ],
            "longer than",
        ),
        (
            vec![
                "--oidc-token-env",
                "SEALKIT_UNSET_VAR",
                "--issuer",
                "http://127.0.0.1:9",
            ],
            "not set",
        ),
        (
            vec![
                "--oidc-token-file",
                "t.jwt",
                "--issuer",
                "http://issuer.example",
            ],
            "only for 127.0.0.1",
        ),
        (
            vec!["--oidc-token-file", "t.jwt", "--issuer", "ftp://127.0.0.1"],
            "https://",
        ),
        (
            vec![
                "--oidc-token-file",
                "t.jwt",
                "--issuer",
                "https://u:p@issuer.example",
            ],
            "password",
        ),
        (vec!["--oidc-token-file", "t.jwt"], "--issuer"),
        (vec!["--issuer", "https://issuer.example"], "oidc"),
        (
            vec![
                "--oidc-token-file",
                "t.jwt",
                "--oidc-token-env",
                "X",
                "--issuer",
                "https://i.example",
            ],
            "cannot be used with",
        ),
        (
            vec![
                "--oidc-token-file",
                "t.jwt",
                "--issuer",
                "https://i.example",
                "--key",
                "k.key",
            ],
            "cannot be used with",
        ),
        (
            vec![
                "--oidc-token-file",
                "t.jwt",
                "--issuer",
                "https://i.example",
                "--cert",
                "c.cert",
            ],
            "cannot be used with",
        ),
        (
            vec![
                "--oidc-token-file",
                "t.jwt",
                "--issuer",
                "https://i.example",
                "--identity",
                "me",
            ],
            "cannot be used with",
        ),
    ];
    for (extra, needle) in &cases {
        let out = sign(extra, &[]);
        assert_eq!(out.code, 2, "{extra:?}: {out:?}");
        assert!(out.stderr.contains(needle), "{extra:?}: {out:?}");
        assert!(!dir.path().join("app.bin.sig").exists(), "{extra:?}");
    }
    // A closed port: the issuer cannot be reached, with its own error name.
    let out = sign(
        &[
            "--oidc-token-file",
            "t.jwt",
            "--issuer",
            "http://127.0.0.1:9",
        ],
        &[],
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("cannot reach the issuer"), "{out:?}");
    assert!(!dir.path().join("app.bin.sig").exists());
    // Keyless signing does not reach folders (yet).
    fs::create_dir(dir.path().join("folder")).unwrap();
    let out = run_in(
        dir.path(),
        &[
            "sign",
            "folder/",
            "--oidc-token-file",
            "t.jwt",
            "--issuer",
            "http://127.0.0.1:9",
        ],
        &[],
    );
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("keyless signing"), "{out:?}");
}

/// A fake issuer on 127.0.0.1 that answers each request as `mode` says, to check what the
/// client refuses. It issues real certificates and receipts (with the core) where the mode
/// needs them, and gets one thing wrong.
mod fake {
    use std::io::{BufRead as _, BufReader, Read as _, Write as _};
    use std::net::TcpListener;

    use base64::engine::general_purpose::STANDARD as B64;
    use base64::Engine as _;
    use sealkit::{CertRequest, PublicKey, SignatureAlg, SigningKey};
    use serde_json::{json, Value};

    #[derive(Clone, Copy, Debug)]
    pub enum Mode {
        /// 200 with JSON that is not a certificate answer.
        Garbage,
        /// A certificate for another key.
        OtherKey,
        /// A chain whose leaf is not signed by the next certificate's key.
        BrokenChain,
        /// An answer larger than the client reads.
        Oversized,
        /// HTTP 500 without an error object.
        ServerError,
        /// A receipt over another digest.
        WrongDigest,
        /// A receipt dated after the certificate expired.
        LateReceipt,
    }

    fn issuing() -> SigningKey {
        SigningKey::from_seed(&[7; 32]).unwrap()
    }

    fn cert(
        t: u64,
        by: &SigningKey,
        issuer: &str,
        subject: &str,
        key: PublicKey,
        ca: Option<u8>,
    ) -> Vec<u8> {
        let req = CertRequest {
            alg: SignatureAlg::Ed25519,
            issuer,
            subject,
            key,
            not_before: t - 10,
            expires_at: t + 600,
            cti: &[1, 2, 3, 4],
            scope: &[],
            ca,
        };
        let mut out = vec![0u8; sealkit::MAX_CERT_LEN];
        let n = sealkit::issue_certificate(by, &req, &mut out).unwrap();
        out.truncate(n);
        out
    }

    fn certificate(mode: Mode, request: &Value) -> (u16, String) {
        let key = PublicKey::from_text(request["public_key"].as_str().unwrap()).unwrap();
        let t = super::now();
        let other = SigningKey::from_seed(&[9; 32]).unwrap();
        let chain = match mode {
            Mode::Garbage => return (200, json!({"certificate": 5}).to_string()),
            Mode::ServerError => return (500, "<html>oops</html>".into()),
            Mode::Oversized => return (200, format!("{{\"pad\": \"{}\"}}", "x".repeat(100_000))),
            Mode::OtherKey => vec![cert(
                t,
                &issuing(),
                "fake",
                super::IDENTITY,
                other.public_key(),
                None,
            )],
            // The leaf is signed by `issuing`, but the intermediate certifies `other`.
            Mode::BrokenChain => vec![
                cert(t, &issuing(), "intermediate", super::IDENTITY, key, None),
                cert(
                    t,
                    &issuing(),
                    "fake",
                    "intermediate",
                    other.public_key(),
                    Some(1),
                ),
            ],
            Mode::WrongDigest | Mode::LateReceipt => {
                vec![cert(t, &issuing(), "fake", super::IDENTITY, key, None)]
            }
        };
        let chain: Vec<String> = chain.iter().map(|c| B64.encode(c)).collect();
        let answer = json!({
            "certificate": chain[0],
            "chain": chain,
            "identity": super::IDENTITY,
            "not_before": t - 10,
            "expires_at": t + 600,
            "certificate_id": "01020304",
        });
        (200, answer.to_string())
    }

    fn timestamp(mode: Mode, request: &Value) -> (u16, String) {
        let mut digest: [u8; 32] = hex::decode(request["digest"].as_str().unwrap())
            .unwrap()
            .try_into()
            .unwrap();
        let mut time = super::now();
        match mode {
            Mode::WrongDigest => digest[0] ^= 1,
            Mode::LateReceipt => time += 3600,
            _ => {}
        }
        let mut out = vec![0u8; sealkit::MAX_RECEIPT_LEN];
        let n = sealkit::sign_timestamp(&issuing(), &digest, time, &mut out).unwrap();
        let answer = json!({"receipt": B64.encode(&out[..n]), "time": time});
        (200, answer.to_string())
    }

    /// Starts the fake; returns its base URL. The thread lives as long as the test process.
    pub fn start(mode: Mode) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                reader.read_line(&mut first).unwrap();
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if line.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':') {
                        if k.eq_ignore_ascii_case("content-length") {
                            length = v.trim().parse().unwrap();
                        }
                    }
                }
                let mut body = vec![0u8; length];
                reader.read_exact(&mut body).unwrap();
                let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let (status, answer) = if first.contains("/v1/certificate") {
                    certificate(mode, &request)
                } else {
                    timestamp(mode, &request)
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            }
        });
        url
    }
}

#[test]
fn answers_that_do_not_check_out_are_refused_and_nothing_is_written() {
    use fake::Mode;
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("app.bin"), b"release\n".repeat(100)).unwrap();
    fs::write(dir.path().join("t.jwt"), b"a.b.c\n").unwrap();
    let cases = [
        (Mode::Garbage, "unexpected JSON"),
        (Mode::OtherKey, "the certificate is for another key"),
        (Mode::BrokenChain, "not signed by the next one's key"),
        (Mode::Oversized, "answered more than 65536 bytes"),
        (Mode::ServerError, "failed with HTTP 500"),
        (Mode::WrongDigest, "the receipt is for another digest"),
        (Mode::LateReceipt, "outside the certificate's validity"),
    ];
    for (mode, needle) in cases {
        let url = fake::start(mode);
        let out = run_in(
            dir.path(),
            &[
                "sign",
                "app.bin",
                "--oidc-token-file",
                "t.jwt",
                "--issuer",
                &url,
            ],
            &[],
        );
        assert_eq!(out.code, 2, "{mode:?}: {out:?}");
        assert!(out.stderr.contains(needle), "{mode:?}: {out:?}");
        assert!(!dir.path().join("app.bin.sig").exists(), "{mode:?}");
    }
}
