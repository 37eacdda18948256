//! End-to-end tests of the `sealkit` binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fs;
use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use sha2::{Digest as _, Sha256, Sha512};
use tempfile::TempDir;

/// What a run of the binary produced.
#[derive(Debug)]
struct Out {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Out {
    fn json(&self) -> Value {
        let trimmed = self.stdout.trim_end();
        assert_eq!(
            trimmed.lines().count(),
            1,
            "exactly one JSON line expected: {self:?}"
        );
        serde_json::from_str(trimmed).unwrap_or_else(|e| panic!("bad JSON ({e}): {self:?}"))
    }
}

/// A working directory with an unencrypted key pair `k` and a signed artifact `a.bin`.
struct Fixture {
    dir: TempDir,
    data: Vec<u8>,
}

/// Spans many reader buffers (64 KiB each) and ends mid-buffer.
const ARTIFACT_LEN: usize = (2 << 20) + 12_345;

fn artifact_bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i.wrapping_mul(31) >> 3) as u8).collect()
}

fn command(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sealkit"));
    c.current_dir(dir)
        .env_remove("SEALKIT_PASSPHRASE")
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::null());
    c
}

fn finish(c: &mut Command, stdin: Option<&[u8]>) -> Out {
    if stdin.is_some() {
        c.stdin(Stdio::piped());
    }
    c.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        // The child may stop reading early (a rejected artifact); a broken pipe is fine.
        let _ = pipe.write_all(bytes);
    }
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().expect("exited normally"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn run_in(dir: &Path, args: &[&str]) -> Out {
    finish(command(dir).args(args), None)
}

fn mode(path: &Path) -> u32 {
    fs::metadata(path).unwrap().permissions().mode() & 0o777
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let f = Fixture {
            dir,
            data: artifact_bytes(ARTIFACT_LEN),
        };
        f.ok(&["keygen", "-o", "k", "--unencrypted"]);
        f.write("a.bin", &f.data);
        f.ok(&[
            "sign",
            "a.bin",
            "--key",
            "k.key",
            "--identity",
            "release@example.com",
            "--version",
            "5",
            "--issued-at",
            "1700000000",
        ]);
        f
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, bytes: &[u8]) {
        fs::write(self.path(name), bytes).unwrap();
    }

    fn read(&self, name: &str) -> Vec<u8> {
        fs::read(self.path(name)).unwrap()
    }

    fn run(&self, args: &[&str]) -> Out {
        run_in(self.dir.path(), args)
    }

    fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Out {
        let mut c = command(self.dir.path());
        c.args(args);
        for (k, v) in env {
            c.env(k, v);
        }
        finish(&mut c, None)
    }

    fn run_stdin(&self, args: &[&str], stdin: &[u8]) -> Out {
        finish(command(self.dir.path()).args(args), Some(stdin))
    }

    fn ok(&self, args: &[&str]) -> Out {
        let out = self.run(args);
        assert_eq!(out.code, 0, "{args:?} failed: {out:?}");
        out
    }

    /// Verifies `file` (with `a.bin.sig` unless `--sig` is among `extra`) and expects a
    /// rejection mentioning `words`, with exit status 1.
    fn rejected(&self, file: &str, extra: &[&str], words: &str) -> Out {
        let mut args = vec!["verify", file, "--key", "k.pub"];
        if !extra.contains(&"--sig") {
            args.extend(["--sig", "a.bin.sig"]);
        }
        args.extend(extra);
        let out = self.run(&args);
        assert_eq!(out.code, 1, "{args:?}: {out:?}");
        assert!(out.stderr.contains("REJECTED"), "{out:?}");
        assert!(out.stderr.contains(words), "expected {words:?} in {out:?}");
        assert!(out.stdout.is_empty(), "{out:?}");
        out
    }
}

#[test]
fn keygen_writes_private_secret_and_one_line_public_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["keygen", "-o", "mykey", "--unencrypted"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stderr.contains("warning"), "{out:?}");
    assert!(out.stderr.contains("NOT encrypted"), "{out:?}");

    let secret = dir.path().join("mykey.key");
    let public = dir.path().join("mykey.pub");
    assert_eq!(mode(&secret), 0o600);
    let pub_text = fs::read_to_string(&public).unwrap();
    assert_eq!(pub_text.len(), "sealkit-ed25519:".len() + 44 + 1);
    assert!(pub_text.starts_with("sealkit-ed25519:"));
    assert!(pub_text.ends_with("=\n"));
    assert_eq!(pub_text.matches('\n').count(), 1);
    let b64 = &pub_text["sealkit-ed25519:".len()..pub_text.len() - 1];
    assert!(b64
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '/' || c == '='));
    // The public key is printed; the secret never is.
    assert!(out.stdout.contains(pub_text.trim_end()), "{out:?}");
    let secret_text = fs::read_to_string(&secret).unwrap();
    assert!(secret_text.starts_with("sealkit-secret-v1:"));
    assert!(secret_text.ends_with('\n'));
    let secret_b64 = secret_text
        .trim_end()
        .strip_prefix("sealkit-secret-v1:")
        .unwrap();
    assert!(!out.stdout.contains(secret_b64) && !out.stderr.contains(secret_b64));
}

#[test]
fn keygen_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        run_in(dir.path(), &["keygen", "-o", "k", "--unencrypted"]).code,
        0
    );
    let before = fs::read(dir.path().join("k.key")).unwrap();
    let out = run_in(dir.path(), &["keygen", "-o", "k", "--unencrypted"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("already exists"), "{out:?}");
    assert!(out.stderr.contains("--force"), "{out:?}");
    assert_eq!(fs::read(dir.path().join("k.key")).unwrap(), before);

    // Only the public file existing is enough to refuse, and nothing is written.
    fs::remove_file(dir.path().join("k.key")).unwrap();
    let out = run_in(dir.path(), &["keygen", "-o", "k", "--unencrypted"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(!dir.path().join("k.key").exists());

    // --force replaces both, and the new secret file is 0600 even if the old one was not.
    fs::write(dir.path().join("k.key"), b"old").unwrap();
    fs::set_permissions(dir.path().join("k.key"), fs::Permissions::from_mode(0o644)).unwrap();
    let out = run_in(
        dir.path(),
        &["keygen", "-o", "k", "--unencrypted", "--force"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(mode(&dir.path().join("k.key")), 0o600);
    assert_ne!(fs::read(dir.path().join("k.key")).unwrap(), before);
}

#[test]
fn encrypted_key_round_trip_and_wrong_passphrase() {
    let f = Fixture::new();
    f.write("pw.txt", b"correct horse battery staple\n");
    let out = f.run(&["keygen", "-o", "enc", "--passphrase-file", "pw.txt"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(!out.stderr.contains("warning"), "{out:?}");
    assert!(!out.stdout.contains("correct horse") && !out.stderr.contains("correct horse"));
    assert_eq!(mode(&f.path("enc.key")), 0o600);
    let text = String::from_utf8(f.read("enc.key")).unwrap();
    assert!(text.starts_with("sealkit-secret-v1:"));
    // Kind 1 (encrypted) records are 133 bytes: 180 base64 characters.
    assert_eq!(text.trim_end().len(), "sealkit-secret-v1:".len() + 180);

    // The right passphrase from the environment (without the file's newline) signs.
    let out = f.run_env(
        &["sign", "a.bin", "-k", "enc.key", "-o", "enc.sig"],
        &[("SEALKIT_PASSPHRASE", "correct horse battery staple")],
    );
    assert_eq!(out.code, 0, "{out:?}");
    f.ok(&["verify", "a.bin", "--sig", "enc.sig", "--key", "enc.pub"]);

    // A wrong passphrase is refused with a clear message; nothing is written.
    f.write("bad.txt", b"correct horse battery stapler\n");
    let out = f.run(&[
        "sign",
        "a.bin",
        "-k",
        "enc.key",
        "-o",
        "bad.sig",
        "--passphrase-file",
        "bad.txt",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("wrong passphrase"), "{out:?}");
    assert!(!f.path("bad.sig").exists());
}

#[test]
fn keygen_refuses_an_empty_passphrase() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = command(dir.path());
    c.args(["keygen", "-o", "k"]).env("SEALKIT_PASSPHRASE", "");
    let out = finish(&mut c, None);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("empty"), "{out:?}");
    assert!(!dir.path().join("k.key").exists());
}

#[test]
fn group_or_world_readable_secret_key_is_refused() {
    let f = Fixture::new();
    for m in [0o644, 0o640, 0o604] {
        fs::set_permissions(f.path("k.key"), fs::Permissions::from_mode(m)).unwrap();
        let out = f.run(&["sign", "a.bin", "-k", "k.key", "-o", "x.sig"]);
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.contains("refusing"), "{out:?}");
        assert!(out.stderr.contains(&format!("{m:04o}")), "{out:?}");
        assert!(out.stderr.contains("chmod 600"), "{out:?}");
        assert!(!f.path("x.sig").exists());
    }
    fs::set_permissions(f.path("k.key"), fs::Permissions::from_mode(0o600)).unwrap();
    f.ok(&["sign", "a.bin", "-k", "k.key", "-o", "x.sig"]);
}

#[test]
fn wrong_kind_of_key_file_is_explained() {
    let f = Fixture::new();
    let out = f.run(&["verify", "a.bin", "--key", "k.key"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("secret key file"), "{out:?}");

    fs::copy(f.path("k.pub"), f.path("p.key")).unwrap();
    fs::set_permissions(f.path("p.key"), fs::Permissions::from_mode(0o600)).unwrap();
    let out = f.run(&["sign", "a.bin", "-k", "p.key", "-o", "x.sig"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("is a public key"), "{out:?}");
}

#[test]
fn sign_and_verify_success_shows_the_facts() {
    let f = Fixture::new();
    let sig = f.read("a.bin.sig");
    assert_eq!(
        sig[0], 0xd2,
        "tag 18 first: the file is the bare CBOR envelope"
    );
    let out = f.ok(&["verify", "a.bin", "--key", "k.pub"]);
    let digest = hex::encode(Sha256::digest(&f.data));
    let pub_out = f.ok(&["inspect", "a.bin.sig", "--json"]).json();
    let kid = pub_out["key_id"].as_str().unwrap().to_string();
    assert!(out
        .stdout
        .contains("Verified a.bin with signature a.bin.sig"));
    for want in [
        kid.as_str(),
        "release@example.com",
        "subject:      a.bin",
        "version:      5",
        &format!("sha256:{digest}"),
        &format!("{ARTIFACT_LEN} bytes"),
        "2023-11-14T22:13:20Z",
        "application/octet-stream",
    ] {
        assert!(out.stdout.contains(want), "missing {want:?}: {out:?}");
    }
    // Every policy option satisfied at once.
    f.ok(&[
        "verify",
        "a.bin",
        "--key",
        "k.pub",
        "--identity",
        "release@example.com",
        "--subject",
        "a.bin",
        "--min-version",
        "5",
    ]);
}

#[test]
fn verify_accepts_literal_keys_and_several_keys() {
    let f = Fixture::new();
    f.ok(&["keygen", "-o", "other", "--unencrypted"]);
    let literal = fs::read_to_string(f.path("k.pub")).unwrap();
    f.ok(&["verify", "a.bin", "--key", literal.trim_end()]);
    f.ok(&["verify", "a.bin", "--key", "other.pub", "--key", "k.pub"]);
    f.ok(&["verify", "a.bin", "--key", "k.pub", "--key", "k.pub"]);
}

#[test]
fn tampered_byte_is_a_digest_mismatch() {
    let f = Fixture::new();
    let mut data = f.data.clone();
    data[ARTIFACT_LEN / 3] ^= 0x80;
    f.write("t.bin", &data);
    f.rejected("t.bin", &[], "digest mismatch");
}

#[test]
fn appended_byte_is_artifact_too_long() {
    let f = Fixture::new();
    let mut data = f.data.clone();
    data.push(b'!');
    f.write("long.bin", &data);
    let out = f.rejected("long.bin", &[], "artifact too long");
    assert!(out
        .stderr
        .contains(&format!("file length {}", ARTIFACT_LEN + 1)));
}

#[test]
fn truncated_file_is_artifact_too_short() {
    let f = Fixture::new();
    f.write("short.bin", &f.data[..ARTIFACT_LEN - 1]);
    let out = f.rejected("short.bin", &[], "artifact too short");
    assert!(out
        .stderr
        .contains(&format!("received {}", ARTIFACT_LEN - 1)));
}

#[test]
fn wrong_key_is_untrusted() {
    let f = Fixture::new();
    f.ok(&["keygen", "-o", "other", "--unencrypted"]);
    let out = f.run(&["verify", "a.bin", "--key", "other.pub"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("untrusted key"), "{out:?}");
    assert!(out.stderr.contains("trusted key ids"), "{out:?}");
}

#[test]
fn altered_signature_is_a_bad_signature() {
    let f = Fixture::new();
    let mut sig = f.read("a.bin.sig");
    let last = sig.len() - 1;
    sig[last] ^= 1;
    f.write("bad.sig", &sig);
    f.rejected("a.bin", &["--sig", "bad.sig"], "bad signature");
}

#[test]
fn policy_mismatches_are_named() {
    let f = Fixture::new();
    let out = f.rejected(
        "a.bin",
        &["--identity", "mallory@example.com"],
        "identity mismatch",
    );
    assert!(out.stderr.contains("\"release@example.com\""), "{out:?}");
    assert!(out.stderr.contains("\"mallory@example.com\""), "{out:?}");
    let out = f.rejected("a.bin", &["--subject", "b.bin"], "subject mismatch");
    assert!(out.stderr.contains("\"b.bin\""), "{out:?}");
    let out = f.rejected("a.bin", &["--min-version", "6"], "rollback");
    assert!(
        out.stderr.contains("signed version 5, minimum allowed 6"),
        "{out:?}"
    );

    // An envelope without a version fails any minimum.
    f.ok(&["sign", "a.bin", "-k", "k.key", "-o", "nov.sig"]);
    f.rejected(
        "a.bin",
        &["--sig", "nov.sig", "--min-version", "1"],
        "has no version",
    );
}

#[test]
fn malformed_signature_is_rejected_with_exit_1() {
    let f = Fixture::new();
    f.write("junk.sig", b"this is not CBOR");
    f.rejected("a.bin", &["--sig", "junk.sig"], "malformed envelope");
    let mut sig = f.read("a.bin.sig");
    sig.push(0);
    f.write("trailing.sig", &sig);
    f.rejected("a.bin", &["--sig", "trailing.sig"], "bytes follow");
    f.write("empty.sig", b"");
    f.rejected("a.bin", &["--sig", "empty.sig"], "malformed envelope");
    f.write("huge.sig", &vec![0u8; 100_000]);
    f.rejected("a.bin", &["--sig", "huge.sig"], "larger than");
}

#[test]
fn usage_and_io_errors_exit_2() {
    let f = Fixture::new();
    for args in [
        &["verify", "a.bin"][..],
        &["verify", "a.bin", "--key", "k.pub", "--bogus"],
        &["sign"],
        &["frobnicate"],
        &["verify", "missing.bin", "--key", "k.pub"],
        &["verify", "a.bin", "--key", "k.pub", "--sig", "missing.sig"],
        &["verify", "a.bin", "--key", "missing.pub"],
        &["verify", "a.bin", "--key", "sealkit-ed25519:AAAA"],
        &["verify", "-", "--key", "k.pub"],
        &["sign", "missing.bin", "-k", "k.key"],
        &["sign", "a.bin", "-k", "missing.key"],
        &["sign", "-", "-k", "k.key"],
        &["sign", "a.bin", "-k", "k.key", "--hash", "md5"],
        &[
            "sign",
            "a.bin",
            "-k",
            "k.key",
            "--content-type",
            "not a type",
        ],
        &["inspect", "missing.sig"],
        &["sign", "a.bin", "-k", "k.key", "--subject", "a\u{1b}[2Jb"],
        &["sign", "a.bin", "-k", "k.key", "--identity", ""],
    ] {
        let out = f.run(args);
        assert_eq!(out.code, 2, "{args:?}: {out:?}");
        assert!(!out.stderr.is_empty(), "{args:?}: {out:?}");
    }
    let out = f.run(&["verify", "missing.bin", "--key", "k.pub"]);
    assert!(out.stderr.contains("cannot read missing.bin"), "{out:?}");
}

#[test]
fn json_success_has_every_fact() {
    let f = Fixture::new();
    let out = f.ok(&["verify", "a.bin", "--key", "k.pub", "--json"]);
    assert!(out.stderr.is_empty(), "{out:?}");
    let j = out.json();
    assert_eq!(j["verified"], true);
    assert!(j["error"].is_null());
    assert_eq!(j["identity"], "release@example.com");
    assert_eq!(j["subject"], "a.bin");
    assert_eq!(j["content_type"], "application/octet-stream");
    assert_eq!(j["version"], 5);
    assert_eq!(j["length"], ARTIFACT_LEN as u64);
    assert_eq!(j["hash_alg"], "sha256");
    assert_eq!(j["digest"], hex::encode(Sha256::digest(&f.data)));
    assert_eq!(j["issued_at"], 1_700_000_000u64);
    assert_eq!(j["alg"], "Ed25519");
    let kid = j["key_id"].as_str().unwrap();
    assert_eq!(kid.len(), 16);
    assert!(kid.chars().all(|c| c.is_ascii_hexdigit()));
}

#[test]
fn json_failures_carry_code_name_and_message() {
    let f = Fixture::new();
    let mut data = f.data.clone();
    data[0] ^= 1;
    f.write("t.bin", &data);
    let out = f.run(&[
        "verify",
        "t.bin",
        "--sig",
        "a.bin.sig",
        "--key",
        "k.pub",
        "--json",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    let j = out.json();
    assert_eq!(j["verified"], false);
    assert_eq!(j["error"]["code"], 302);
    assert_eq!(j["error"]["name"], "digest_mismatch");
    assert!(j["error"]["message"]
        .as_str()
        .unwrap()
        .contains("digest mismatch"));
    assert!(
        j.get("digest").is_none(),
        "no facts from a failed verification"
    );

    let out = f.run(&[
        "verify",
        "a.bin",
        "--key",
        "k.pub",
        "--json",
        "--min-version",
        "9",
    ]);
    assert_eq!(out.code, 1);
    assert_eq!(out.json()["error"]["name"], "rollback");
    assert_eq!(out.json()["error"]["code"], 206);

    // I/O errors are JSON too, with their own code.
    let out = f.run(&[
        "verify",
        "nope.bin",
        "--sig",
        "a.bin.sig",
        "--key",
        "k.pub",
        "--json",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    let j = out.json();
    assert_eq!(j["verified"], false);
    assert_eq!(j["error"]["name"], "io_error");
    assert_eq!(j["error"]["code"], 900);
    assert!(j["error"]["message"].as_str().unwrap().contains("nope.bin"));

    // A malformed signature is a rejection (exit 1) with the parser's error.
    f.write("junk.sig", b"\xd2\x84\x40");
    let out = f.run(&[
        "verify", "a.bin", "--sig", "junk.sig", "--key", "k.pub", "--json",
    ]);
    assert_eq!(out.code, 1, "{out:?}");
    let j = out.json();
    assert_eq!(j["verified"], false);
    assert!(j["error"]["code"].as_u64().unwrap() / 100 == 1, "{j}");
    assert!(j["error"]["message"]
        .as_str()
        .unwrap()
        .contains("malformed envelope"));

    let out = f.run(&["verify", "a.bin", "--key", "sealkit-ed25519:xyz", "--json"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.json()["error"]["name"], "bad_public_key_text");
}

#[test]
fn stdin_for_sign_and_verify() {
    let f = Fixture::new();
    let out = f.run_stdin(
        &["sign", "-", "-k", "k.key", "-o", "piped.bin.sig"],
        &f.data,
    );
    assert_eq!(out.code, 0, "{out:?}");
    // The subject comes from the output name.
    let j = f.ok(&["inspect", "piped.bin.sig", "--json"]).json();
    assert_eq!(j["subject"], "piped.bin");
    assert_eq!(j["length"], ARTIFACT_LEN as u64);

    let out = f.run_stdin(
        &[
            "verify",
            "-",
            "--sig",
            "piped.bin.sig",
            "--key",
            "k.pub",
            "--json",
        ],
        &f.data,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(out.json()["digest"], hex::encode(Sha256::digest(&f.data)));

    // Streamed input that is too long or altered is rejected too.
    let mut longer = f.data.clone();
    longer.extend_from_slice(&[0u8; 3 << 20]);
    let out = f.run_stdin(
        &["verify", "-", "--sig", "a.bin.sig", "--key", "k.pub"],
        &longer,
    );
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("artifact too long"), "{out:?}");
    assert!(out.stderr.contains("standard input"), "{out:?}");

    // The same bytes signed from a file and from stdin carry the same digest.
    let file_sig = f.ok(&["inspect", "a.bin.sig", "--json"]).json();
    assert_eq!(file_sig["digest"], j["digest"]);
}

#[test]
fn sha512_and_eddsa_options() {
    let f = Fixture::new();
    f.ok(&[
        "sign",
        "a.bin",
        "-k",
        "k.key",
        "--hash",
        "sha512",
        "--cose-alg",
        "eddsa",
        "--content-type",
        "application/vnd.example.firmware",
        "--subject",
        "fw-1.2.bin",
        "-o",
        "a512.sig",
    ]);
    let i = f.ok(&["inspect", "a512.sig", "--json"]).json();
    assert_eq!(i["hash_alg"], "sha512");
    assert_eq!(i["alg"], "EdDSA");
    assert_eq!(i["alg_id"], -8);
    assert_eq!(i["digest"], hex::encode(Sha512::digest(&f.data)));
    let j = f
        .ok(&[
            "verify", "a.bin", "--sig", "a512.sig", "--key", "k.pub", "--json",
        ])
        .json();
    assert_eq!(j["hash_alg"], "sha512");
    assert_eq!(j["alg"], "EdDSA");
    assert_eq!(j["digest"].as_str().unwrap().len(), 128);
    assert_eq!(j["content_type"], "application/vnd.example.firmware");
    assert_eq!(j["subject"], "fw-1.2.bin");
    assert!(j["identity"].is_null());
}

#[test]
fn signing_time_is_reproducible() {
    let f = Fixture::new();
    f.ok(&[
        "sign",
        "a.bin",
        "-k",
        "k.key",
        "-o",
        "one.sig",
        "--issued-at",
        "1234567890",
    ]);
    let out = f.run_env(
        &["sign", "a.bin", "-k", "k.key", "-o", "two.sig"],
        &[("SOURCE_DATE_EPOCH", "1234567890")],
    );
    assert_eq!(out.code, 0, "{out:?}");
    // Ed25519 is deterministic: same claims, same bytes.
    assert_eq!(f.read("one.sig"), f.read("two.sig"));
    assert_eq!(
        f.ok(&["inspect", "one.sig", "--json"]).json()["issued_at"],
        1_234_567_890u64
    );
    let out = f.run_env(
        &["sign", "a.bin", "-k", "k.key", "-o", "three.sig"],
        &[("SOURCE_DATE_EPOCH", "yesterday")],
    );
    assert_eq!(out.code, 2, "{out:?}");
}

#[test]
fn empty_file_signs_and_verifies() {
    let f = Fixture::new();
    f.write("empty.bin", b"");
    f.ok(&["sign", "empty.bin", "-k", "k.key"]);
    let j = f
        .ok(&["verify", "empty.bin", "--key", "k.pub", "--json"])
        .json();
    assert_eq!(j["length"], 0);
    f.write("empty.bin", b"x");
    let out = f.run(&["verify", "empty.bin", "--key", "k.pub"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("artifact too long"), "{out:?}");
}

#[test]
fn inspect_shows_unverified_fields() {
    let f = Fixture::new();
    let out = f.ok(&["inspect", "a.bin.sig"]);
    let sig_len = f.read("a.bin.sig").len();
    for want in [
        "UNVERIFIED",
        "Ed25519 (-19)",
        "release@example.com",
        "subject:      a.bin",
        "version:      5",
        &format!("length:       {ARTIFACT_LEN} bytes"),
        &format!("sha256:{}", hex::encode(Sha256::digest(&f.data))),
        "2023-11-14T22:13:20Z",
        &format!("envelope:     {sig_len} bytes"),
        "application/octet-stream",
    ] {
        assert!(out.stdout.contains(want), "missing {want:?}: {out:?}");
    }
    let j = f.ok(&["inspect", "a.bin.sig", "--json"]).json();
    assert_eq!(j["verified"], false);
    assert_eq!(j["envelope_size"], sig_len);
    assert_eq!(j["version"], 5);
    assert_eq!(j["identity"], "release@example.com");

    f.write("junk.sig", b"\xd2\x84");
    let out = f.run(&["inspect", "junk.sig"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("malformed envelope"), "{out:?}");
    let out = f.run(&["inspect", "junk.sig", "--json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.json()["error"]["name"], "envelope_truncated");
}

#[test]
fn demo_runs_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_in(dir.path(), &["demo"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("digest mismatch"), "{out:?}");
    assert!(out.stdout.contains("artifact too long"), "{out:?}");
    assert!(out.stdout.contains("All outcomes as expected"), "{out:?}");
}

#[test]
fn help_documents_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    for args in [&["--help"][..], &["verify", "--help"]] {
        let out = run_in(dir.path(), args);
        assert_eq!(out.code, 0);
        assert!(out.stdout.contains("Exit codes"), "{out:?}");
        assert!(out.stdout.contains("2  usage error"), "{out:?}");
    }
}

#[test]
fn encrypted_key_without_any_passphrase_source_is_explained() {
    // `setsid` detaches from any controlling terminal, so no prompt can be shown even when the
    // tests run in one.
    if Command::new("setsid").arg("true").status().is_err() {
        return;
    }
    let f = Fixture::new();
    let out = f.run_env(
        &["keygen", "-o", "enc", "--passphrase-file", "/dev/null"],
        &[],
    );
    assert_eq!(out.code, 2, "an empty passphrase file is refused: {out:?}");
    f.write("pw.txt", b"pw\n");
    f.ok(&["keygen", "-o", "enc", "--passphrase-file", "pw.txt"]);
    let mut c = Command::new("setsid");
    c.current_dir(f.dir.path())
        .arg(env!("CARGO_BIN_EXE_sealkit"))
        .args(["sign", "a.bin", "-k", "enc.key", "-o", "x.sig"])
        .env_remove("SEALKIT_PASSPHRASE")
        .stdin(Stdio::null());
    let out = finish(&mut c, None);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("SEALKIT_PASSPHRASE"), "{out:?}");
    assert!(out.stderr.contains("--passphrase-file"), "{out:?}");
    assert!(!f.path("x.sig").exists());
}

#[test]
fn invisible_direction_overrides_are_refused_and_never_printed_raw() {
    let f = Fixture::new();
    // Signing refuses a subject that would read differently on a terminal.
    let out = f.run(&[
        "sign",
        "a.bin",
        "--key",
        "k.key",
        "--subject",
        "update-\u{202e}zg.rat.exe",
        "-o",
        "x.sig",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("bidirectional"), "{out:?}");
    assert!(!f.path("x.sig").exists());

    // An envelope made elsewhere with such a subject is shown escaped by inspect.
    let key = sealkit::SigningKey::from_seed(&[3u8; 32]).unwrap();
    let req = sealkit::SignRequest {
        alg: sealkit::SignatureAlg::Ed25519,
        digest: sealkit::ArtifactHasher::new(sealkit::HashAlg::Sha256).finalize(),
        length: 0,
        content_type: sealkit::ContentType::OCTET_STREAM,
        subject: "update-\u{202e}zg.rat.exe",
        issuer: Some("a\u{200b}b@example.com"),
        issued_at: 0,
        version: None,
    };
    let mut buf = [0u8; sealkit::MAX_SIGNED_ENVELOPE_LEN];
    let n = sealkit::sign(&key, &req, &mut buf).unwrap();
    f.write("evil.sig", &buf[..n]);
    let out = f.ok(&["inspect", "evil.sig"]);
    assert!(!out.stdout.contains('\u{202e}'), "{out:?}");
    assert!(!out.stdout.contains('\u{200b}'), "{out:?}");
    assert!(out.stdout.contains("\\u{202e}"), "{out:?}");
    assert!(out.stdout.contains("\\u{200b}"), "{out:?}");
}
