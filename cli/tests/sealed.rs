//! End-to-end tests of `sealkit seal` and `sealkit unseal`: round trips from a file and from
//! standard input, and every rejection leaves nothing at OUT (an existing OUT untouched) and no
//! temporary file behind.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fs;
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;
use tempfile::TempDir;

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

fn run(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Out {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sealkit"));
    c.current_dir(dir)
        .env_remove("SEALKIT_PASSPHRASE")
        .env_remove("SOURCE_DATE_EPOCH")
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    if let Some(bytes) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let _ = pipe.write_all(bytes);
    }
    let out = child.wait_with_output().unwrap();
    Out {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

/// Spans many reader buffers (64 KiB each) and ends mid-buffer.
const LEN: usize = (1 << 20) + 4321;

fn data() -> Vec<u8> {
    (0..LEN).map(|i| (i.wrapping_mul(131) >> 5) as u8).collect()
}

struct Fx {
    dir: TempDir,
    sealed: Vec<u8>,
}

impl Fx {
    fn new() -> Fx {
        let dir = TempDir::new().unwrap();
        let p = dir.path();
        assert_eq!(
            run(p, &["keygen", "-o", "k", "--unencrypted"], None).code,
            0
        );
        fs::write(p.join("a.bin"), data()).unwrap();
        let out = run(
            p,
            &[
                "seal",
                "a.bin",
                "-k",
                "k.key",
                "--version",
                "7",
                "--issued-at",
                "1",
            ],
            None,
        );
        assert_eq!(out.code, 0, "{out:?}");
        assert!(out.stdout.contains("a.bin.sealed"), "{out:?}");
        let sealed = fs::read(p.join("a.bin.sealed")).unwrap();
        Fx { dir, sealed }
    }

    fn p(&self) -> &Path {
        self.dir.path()
    }

    /// Unseals `stream` (from a file, then from standard input) and checks the rejection.
    fn rejects(&self, stream: &[u8], code: u16, name: &str) {
        fs::write(self.p().join("bad.sealed"), stream).unwrap();
        for stdin in [false, true] {
            let src = if stdin { "-" } else { "bad.sealed" };
            let out = run(
                self.p(),
                &["unseal", src, "-o", "out.bin", "-k", "k.pub", "--json"],
                stdin.then_some(stream),
            );
            assert_eq!(out.code, 1, "{out:?}");
            let j = out.json();
            assert_eq!(j["verified"], false);
            assert_eq!(j["error"]["code"], code, "{out:?}");
            assert_eq!(j["error"]["name"], name);
            assert!(!self.p().join("out.bin").exists());
            self.no_temp_files();
            // Text mode names the error and says nothing was written.
            let out = run(
                self.p(),
                &["unseal", src, "-o", "out.bin", "-k", "k.pub"],
                stdin.then_some(stream),
            );
            assert_eq!(out.code, 1, "{out:?}");
            assert!(out.stderr.contains("REJECTED"), "{out:?}");
            assert!(out.stderr.contains("nothing was written"), "{out:?}");
            assert!(!self.p().join("out.bin").exists());
        }
        // An existing OUT is left untouched.
        fs::write(self.p().join("keep.bin"), b"previous version").unwrap();
        let out = run(
            self.p(),
            &["unseal", "bad.sealed", "-o", "keep.bin", "-k", "k.pub"],
            None,
        );
        assert_eq!(out.code, 1);
        assert_eq!(
            fs::read(self.p().join("keep.bin")).unwrap(),
            b"previous version"
        );
        self.no_temp_files();
    }

    fn no_temp_files(&self) {
        for e in fs::read_dir(self.p()).unwrap() {
            let name = e.unwrap().file_name().into_string().unwrap();
            assert!(
                !name.starts_with(".sealkit-"),
                "temporary file left: {name}"
            );
        }
    }
}

#[test]
fn seal_writes_header_envelope_then_the_file() {
    let f = Fx::new();
    let s = &f.sealed;
    assert_eq!(&s[..8], b"\x89SEALKIT");
    assert_eq!(s[8], 1);
    let env_len = usize::from(u16::from_be_bytes([s[9], s[10]]));
    assert_eq!(s.len(), 11 + env_len + LEN);
    assert_eq!(&s[11 + env_len..], &data()[..]);
    // The envelope is a normal signature: `verify` accepts the file with it.
    fs::write(f.p().join("a.sig"), &s[11..11 + env_len]).unwrap();
    let out = run(
        f.p(),
        &["verify", "a.bin", "--sig", "a.sig", "-k", "k.pub"],
        None,
    );
    assert_eq!(out.code, 0, "{out:?}");
}

#[test]
fn unseal_round_trip_from_file_and_stdin() {
    let f = Fx::new();
    let out = run(
        f.p(),
        &[
            "unseal",
            "a.bin.sealed",
            "-o",
            "out.bin",
            "-k",
            "k.pub",
            "--min-version",
            "7",
            "--subject",
            "a.bin",
        ],
        None,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Unsealed"), "{out:?}");
    assert_eq!(fs::read(f.p().join("out.bin")).unwrap(), data());
    fs::remove_file(f.p().join("out.bin")).unwrap();
    fs::create_dir(f.p().join("sub")).unwrap();
    let out = run(
        f.p(),
        &["unseal", "-", "-o", "sub/out.bin", "-k", "k.pub", "--json"],
        Some(&f.sealed),
    );
    assert_eq!(out.code, 0, "{out:?}");
    let j = out.json();
    assert_eq!(j["verified"], true);
    assert_eq!(j["length"], LEN as u64);
    assert_eq!(j["version"], 7);
    assert_eq!(fs::read(f.p().join("sub/out.bin")).unwrap(), data());
    // An existing OUT is replaced when the stream verifies.
    fs::write(f.p().join("keep.bin"), b"old").unwrap();
    let out = run(
        f.p(),
        &["unseal", "a.bin.sealed", "-o", "keep.bin", "-k", "k.pub"],
        None,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fs::read(f.p().join("keep.bin")).unwrap(), data());
    f.no_temp_files();
}

#[test]
fn empty_file_round_trip() {
    let f = Fx::new();
    fs::write(f.p().join("empty"), b"").unwrap();
    let out = run(
        f.p(),
        &["seal", "empty", "-k", "k.key", "-o", "e.sealed"],
        None,
    );
    assert_eq!(out.code, 0, "{out:?}");
    let out = run(
        f.p(),
        &["unseal", "e.sealed", "-o", "e.out", "-k", "k.pub"],
        None,
    );
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fs::read(f.p().join("e.out")).unwrap(), b"");
}

#[test]
fn appended_bytes_are_rejected() {
    let f = Fx::new();
    let mut s = f.sealed.clone();
    s.push(0);
    f.rejects(&s, 300, "artifact_too_long");
}

#[test]
fn a_second_sealed_stream_is_rejected() {
    let f = Fx::new();
    let mut s = f.sealed.clone();
    s.extend_from_slice(&f.sealed[..200]);
    f.rejects(&s, 300, "artifact_too_long");
}

#[test]
fn truncated_streams_are_rejected() {
    let f = Fx::new();
    f.rejects(&f.sealed[..f.sealed.len() - 1], 301, "artifact_too_short");
    f.rejects(&f.sealed[..f.sealed.len() / 2], 301, "artifact_too_short");
    f.rejects(&f.sealed[..5], 142, "sealed_stream_truncated");
    f.rejects(&f.sealed[..40], 142, "sealed_stream_truncated");
    f.rejects(b"", 142, "sealed_stream_truncated");
}

#[test]
fn tampered_payload_is_a_digest_mismatch() {
    let f = Fx::new();
    let mut s = f.sealed.clone();
    let n = s.len();
    s[n - 1000] ^= 0x40;
    f.rejects(&s, 302, "digest_mismatch");
}

#[test]
fn header_lies_and_wrong_magic_or_version() {
    let f = Fx::new();
    let mut s = f.sealed.clone();
    s[0] = b'X';
    f.rejects(&s, 140, "not_sealed_stream");
    let mut s = f.sealed.clone();
    s[8] = 2;
    f.rejects(&s, 141, "unsupported_sealed_version");
    let env_len = u16::from_be_bytes([f.sealed[9], f.sealed[10]]);
    let mut s = f.sealed.clone();
    s[9..11].copy_from_slice(&(env_len + 1).to_be_bytes());
    f.rejects(&s, 106, "trailing_bytes");
    let mut s = f.sealed.clone();
    s[9..11].copy_from_slice(&5000u16.to_be_bytes());
    f.rejects(&s, 129, "envelope_too_large");
}

#[test]
fn bad_signature_and_policy_are_rejected() {
    let f = Fx::new();
    let env_len = usize::from(u16::from_be_bytes([f.sealed[9], f.sealed[10]]));
    let mut s = f.sealed.clone();
    s[11 + env_len - 1] ^= 1; // last byte of the signature
    f.rejects(&s, 203, "bad_signature");
    // A newer minimum version refuses the stream, and nothing is written.
    let out = run(
        f.p(),
        &[
            "unseal",
            "a.bin.sealed",
            "-o",
            "out.bin",
            "-k",
            "k.pub",
            "--min-version",
            "8",
            "--json",
        ],
        None,
    );
    assert_eq!(out.code, 1);
    assert_eq!(out.json()["error"]["name"], "rollback");
    assert!(!f.p().join("out.bin").exists());
    // Another key.
    assert_eq!(
        run(f.p(), &["keygen", "-o", "o", "--unencrypted"], None).code,
        0
    );
    let out = run(
        f.p(),
        &[
            "unseal",
            "a.bin.sealed",
            "-o",
            "out.bin",
            "-k",
            "o.pub",
            "--json",
        ],
        None,
    );
    assert_eq!(out.code, 1);
    assert_eq!(out.json()["error"]["code"], 202);
    assert!(!f.p().join("out.bin").exists());
}

#[test]
fn usage_errors() {
    let f = Fx::new();
    let out = run(
        f.p(),
        &["seal", "-", "-k", "k.key", "-o", "x"],
        Some(b"abc"),
    );
    assert_eq!(out.code, 2, "{out:?}");
    let out = run(
        f.p(),
        &["unseal", "a.bin.sealed", "-o", "-", "-k", "k.pub"],
        None,
    );
    assert_eq!(out.code, 2, "{out:?}");
    let out = run(f.p(), &["unseal", "a.bin.sealed", "-k", "k.pub"], None);
    assert_eq!(out.code, 2, "{out:?}");
}
