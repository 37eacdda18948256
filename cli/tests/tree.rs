//! End-to-end tests of `sealkit sign DIR` and `sealkit verify DIR`: every tamper kind is
//! reported (all of them at once), symlinks are never followed, special files and non-UTF-8
//! names are refused.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt as _};
use std::path::{Path, PathBuf};
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
        let t = self.stdout.trim_end();
        assert_eq!(t.lines().count(), 1, "one JSON line expected: {self:?}");
        serde_json::from_str(t).unwrap()
    }
}

struct Fixture {
    dir: TempDir,
}

impl Fixture {
    /// A key pair `k` and a tree `plug` with a file, an executable, an empty directory,
    /// nested files, a symlink inside and one pointing outside the tree.
    fn new() -> Fixture {
        let f = Fixture {
            dir: tempfile::tempdir().unwrap(),
        };
        let out = f.run(&["keygen", "-o", "k", "--unencrypted"]);
        assert_eq!(out.code, 0, "{out:?}");
        let p = f.tree();
        fs::create_dir_all(p.join("bin")).unwrap();
        fs::create_dir_all(p.join("lib/deep")).unwrap();
        fs::create_dir_all(p.join("empty")).unwrap();
        fs::write(p.join("bin/run"), b"#!/bin/sh\necho hi\n").unwrap();
        fs::set_permissions(p.join("bin/run"), fs::Permissions::from_mode(0o755)).unwrap();
        let big: Vec<u8> = (0..300_000u32).map(|i| ((i * 7) >> 3) as u8).collect();
        fs::write(p.join("lib/a.so"), &big).unwrap();
        fs::write(p.join("lib/deep/data.txt"), b"data").unwrap();
        fs::write(p.join("README"), b"read me").unwrap();
        symlink("a.so", p.join("lib/current")).unwrap();
        symlink("../../etc/passwd", p.join("lib/escape")).unwrap();
        for i in 0..50 {
            fs::write(p.join(format!("lib/deep/f{i}")), format!("file {i}")).unwrap();
        }
        f
    }

    fn tree(&self) -> PathBuf {
        self.dir.path().join("plug")
    }

    fn run(&self, args: &[&str]) -> Out {
        let out = Command::new(env!("CARGO_BIN_EXE_sealkit"))
            .current_dir(self.dir.path())
            .env_remove("SEALKIT_PASSPHRASE")
            .env_remove("SOURCE_DATE_EPOCH")
            .stdin(Stdio::null())
            .args(args)
            .output()
            .unwrap();
        Out {
            code: out.status.code().unwrap(),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }

    fn sign(&self, extra: &[&str]) -> Out {
        let mut args = vec!["sign", "plug", "-k", "k.key", "--issued-at", "1700000000"];
        args.extend_from_slice(extra);
        self.run(&args)
    }

    fn verify_json(&self) -> (i32, Value) {
        let out = self.run(&[
            "verify", "plug", "--sig", "plug.sig", "-k", "k.pub", "--json",
        ]);
        (out.code, out.json())
    }

    /// The (change, path) pairs of a rejected verification.
    fn differences(&self) -> Vec<(String, String)> {
        let (code, v) = self.verify_json();
        assert_eq!(code, 1, "{v}");
        assert_eq!(v["verified"], false);
        assert_eq!(v["error"]["code"], 910);
        assert_eq!(v["error"]["name"], "tree_mismatch");
        v["differences"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["change"].as_str().unwrap().to_string(),
                    d["path"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    }
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(c, p)| ((*c).to_string(), (*p).to_string()))
        .collect()
}

#[test]
fn sign_then_verify() {
    let f = Fixture::new();
    let out = f.sign(&[]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("points outside the tree"), "{out:?}");
    let sig = fs::read(f.dir.path().join("plug.sig")).unwrap();
    assert_eq!(sig[0], 0x82, "a tree signature is a CBOR array of two");
    let (code, v) = f.verify_json();
    assert_eq!(code, 0, "{v}");
    assert_eq!(v["verified"], true);
    assert_eq!(v["entries"], 60);
    assert_eq!(v["subject"], "plug");
    assert_eq!(v["outside_symlinks"][0]["path"], "lib/escape");
    // The default signature path is DIR.sig; text output.
    let out = f.run(&["verify", "plug", "-k", "k.pub"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(out.stdout.contains("Verified directory plug"), "{out:?}");
    // Signing is deterministic for a fixed time.
    let out = f.sign(&["-o", "again.sig"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert_eq!(fs::read(f.dir.path().join("again.sig")).unwrap(), sig);
}

#[test]
fn one_changed_byte_in_one_file() {
    let f = Fixture::new();
    assert_eq!(f.sign(&[]).code, 0);
    let p = f.tree().join("lib/a.so");
    let mut data = fs::read(&p).unwrap();
    data[123_456] ^= 0x40;
    fs::write(&p, &data).unwrap();
    assert_eq!(f.differences(), pairs(&[("modified", "lib/a.so")]));
}

#[test]
fn added_file() {
    let f = Fixture::new();
    assert_eq!(f.sign(&[]).code, 0);
    fs::write(f.tree().join("lib/deep/extra"), b"").unwrap();
    assert_eq!(f.differences(), pairs(&[("added", "lib/deep/extra")]));
}

#[test]
fn removed_empty_directory() {
    let f = Fixture::new();
    assert_eq!(f.sign(&[]).code, 0);
    fs::remove_dir(f.tree().join("empty")).unwrap();
    assert_eq!(f.differences(), pairs(&[("removed", "empty")]));
}

#[test]
fn changed_symlink_target() {
    let f = Fixture::new();
    assert_eq!(f.sign(&[]).code, 0);
    let l = f.tree().join("lib/current");
    fs::remove_file(&l).unwrap();
    symlink("deep/data.txt", &l).unwrap();
    assert_eq!(f.differences(), pairs(&[("target_changed", "lib/current")]));
}

#[test]
fn changed_executable_bit() {
    let f = Fixture::new();
    assert_eq!(f.sign(&[]).code, 0);
    fs::set_permissions(f.tree().join("bin/run"), fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(f.differences(), pairs(&[("executable_changed", "bin/run")]));
    // Other permission bits are not signed.
    fs::set_permissions(f.tree().join("bin/run"), fs::Permissions::from_mode(0o700)).unwrap();
    assert_eq!(f.verify_json().0, 0);
}

#[test]
fn every_difference_is_reported_at_once() {
    let f = Fixture::new();
    assert_eq!(f.sign(&[]).code, 0);
    let t = f.tree();
    fs::write(t.join("README"), b"read me!").unwrap(); // size differs
    fs::write(t.join("lib/deep/f3"), b"file X").unwrap(); // same size, other bytes
    fs::remove_file(t.join("lib/deep/f7")).unwrap();
    fs::write(t.join("new"), b"n").unwrap();
    fs::remove_dir(t.join("empty")).unwrap();
    fs::write(t.join("empty"), b"").unwrap(); // directory became a file
    fs::remove_file(t.join("bin/run")).unwrap();
    symlink("elsewhere", t.join("bin/run")).unwrap(); // file became a symlink
    let mut got = f.differences();
    got.sort();
    let mut want = pairs(&[
        ("modified", "README"),
        ("kind_changed", "bin/run"),
        ("kind_changed", "empty"),
        ("modified", "lib/deep/f3"),
        ("removed", "lib/deep/f7"),
        ("added", "new"),
    ]);
    want.sort();
    assert_eq!(got, want);
    let out = f.run(&["verify", "plug", "-k", "k.pub"]);
    assert_eq!(out.code, 1);
    assert!(out.stderr.contains("6 difference(s)"), "{out:?}");
    assert_eq!(out.stdout.lines().count(), 6, "{out:?}");
}

#[test]
fn symlinks_are_not_followed() {
    let f = Fixture::new();
    // A symlink to a directory outside the tree: recorded as a link, its contents not read.
    let outside = f.dir.path().join("outside");
    fs::create_dir(&outside).unwrap();
    fs::write(outside.join("secret"), b"s").unwrap();
    symlink(&outside, f.tree().join("ext")).unwrap();
    assert_eq!(f.sign(&[]).code, 0);
    fs::write(outside.join("secret"), b"changed").unwrap();
    fs::write(outside.join("more"), b"").unwrap();
    assert_eq!(f.verify_json().0, 0);
    let (_, v) = f.verify_json();
    let outside_links: Vec<&str> = v["outside_symlinks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    assert_eq!(outside_links, ["ext", "lib/escape"]);
}

#[test]
fn special_files_are_refused() {
    let f = Fixture::new();
    let fifo = f.tree().join("pipe");
    let status = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(status.success());
    let out = f.sign(&[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("FIFO"), "{out:?}");
    assert!(!f.dir.path().join("plug.sig").exists());
    // Excluded, it can be signed; added later, verification refuses it.
    assert_eq!(f.sign(&["--exclude", "pipe"]).code, 0);
    assert_eq!(f.verify_json().0, 0);
    assert_eq!(f.sign(&[]).code, 2);
    fs::remove_file(&fifo).unwrap();
    assert_eq!(f.sign(&[]).code, 0);
    Command::new("mkfifo").arg(&fifo).status().unwrap();
    let (code, v) = f.verify_json();
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], 911);
    assert_eq!(v["error"]["name"], "special_file");
}

#[test]
fn non_utf8_names_are_refused() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt as _;
    let f = Fixture::new();
    assert_eq!(f.sign(&[]).code, 0);
    let bad = f.tree().join(OsStr::from_bytes(b"caf\xe9"));
    fs::write(&bad, b"x").unwrap();
    let (code, v) = f.verify_json();
    assert_eq!(code, 1, "{v}");
    assert_eq!(v["error"]["code"], 912);
    assert_eq!(v["error"]["name"], "not_utf8_name");
    let out = f.sign(&["-o", "other.sig"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("not valid UTF-8"), "{out:?}");
}

#[test]
fn exclusions_are_signed() {
    let f = Fixture::new();
    fs::write(f.tree().join("debug.log"), b"1").unwrap();
    fs::create_dir(f.tree().join("cache")).unwrap();
    fs::write(f.tree().join("cache/x"), b"1").unwrap();
    assert_eq!(
        f.sign(&["--exclude", "*.log", "--exclude", "cache"]).code,
        0
    );
    // Excluded paths may change freely; the verifier takes the patterns from the manifest.
    fs::write(f.tree().join("debug.log"), b"22").unwrap();
    fs::write(f.tree().join("lib/other.log"), b"").unwrap();
    fs::remove_dir_all(f.tree().join("cache")).unwrap();
    assert_eq!(f.verify_json().0, 0);
    fs::write(f.tree().join("lib/other.txt"), b"").unwrap();
    assert_eq!(f.differences(), pairs(&[("added", "lib/other.txt")]));
}

#[test]
fn bad_signatures_are_rejected() {
    let f = Fixture::new();
    assert_eq!(f.sign(&[]).code, 0);
    let sig_path = f.dir.path().join("plug.sig");
    let sig = fs::read(&sig_path).unwrap();
    // Appended bytes.
    let mut appended = sig.clone();
    appended.push(0);
    fs::write(&sig_path, &appended).unwrap();
    let (code, v) = f.verify_json();
    assert_eq!((code, v["error"]["code"].as_u64()), (1, Some(150)));
    // A flipped bit in the manifest (the last byte is in the last entry).
    let mut flipped = sig.clone();
    *flipped.last_mut().unwrap() ^= 1;
    fs::write(&sig_path, &flipped).unwrap();
    let (code, v) = f.verify_json();
    assert_eq!(
        (code, v["error"]["name"].as_str()),
        (1, Some("digest_mismatch"))
    );
    // Another key.
    fs::write(&sig_path, &sig).unwrap();
    assert_eq!(f.run(&["keygen", "-o", "other", "--unencrypted"]).code, 0);
    let out = f.run(&["verify", "plug", "-k", "other.pub", "--json"]);
    assert_eq!(out.code, 1);
    assert_eq!(out.json()["error"]["name"], "untrusted_key");
    // A file's signature is not a tree signature.
    fs::write(f.dir.path().join("file.bin"), b"x").unwrap();
    assert_eq!(f.run(&["sign", "file.bin", "-k", "k.key"]).code, 0);
    let out = f.run(&[
        "verify",
        "plug",
        "--sig",
        "file.bin.sig",
        "-k",
        "k.pub",
        "--json",
    ]);
    assert_eq!(out.code, 1);
    assert_eq!(out.json()["error"]["name"], "tree_signature_malformed");
}

#[test]
fn output_inside_the_tree_is_refused() {
    let f = Fixture::new();
    let out = f.sign(&["-o", "plug/plug.sig"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(!Path::new(&f.tree().join("plug.sig")).exists());
    // --exclude on a file is a usage error, not silently ignored.
    fs::write(f.dir.path().join("file.bin"), b"x").unwrap();
    let out = f.run(&["sign", "file.bin", "-k", "k.key", "--exclude", "x"]);
    assert_eq!(out.code, 2, "{out:?}");
}

#[test]
fn dot_signs_beside_the_directory() {
    let f = Fixture::new();
    let run_in_tree = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_sealkit"))
            .current_dir(f.tree())
            .env_remove("SEALKIT_PASSPHRASE")
            .stdin(Stdio::null())
            .args(args)
            .output()
            .unwrap()
    };
    let out = run_in_tree(&["sign", ".", "-k", "../k.key"]);
    assert!(out.status.success(), "{out:?}");
    assert!(f.dir.path().join("plug.sig").exists());
    assert!(run_in_tree(&["verify", ".", "-k", "../k.pub"])
        .status
        .success());
    let (code, v) = f.verify_json();
    assert_eq!(code, 0, "{v}");
}

#[test]
fn inspect_shows_the_unverified_envelope_and_a_manifest_summary() {
    let f = Fixture::new();
    let out = f.sign(&["--exclude", "*.log", "--version", "4"]);
    assert_eq!(out.code, 0, "{out:?}");
    let out = f.run(&["inspect", "plug.sig", "--json"]);
    assert_eq!(out.code, 0, "{out:?}");
    let j = out.json();
    assert_eq!(j["kind"], "tree_signature");
    assert_eq!(j["verified"], false);
    assert_eq!(j["subject"], "plug");
    assert_eq!(j["version"], 4);
    assert_eq!(j["content_type"], "application/vnd.sealkit.tree+cbor");
    let t = &j["tree"];
    assert_eq!(t["entries"], 60, "{j}");
    assert_eq!(t["files"], 54);
    assert_eq!(t["executables"], 1);
    assert_eq!(t["directories"], 4);
    assert_eq!(t["symlinks"], 2);
    assert_eq!(t["outside_symlinks"], 1);
    assert_eq!(t["total_size"], 18 + 300_000 + 4 + 340 + 7);
    assert_eq!(t["exclusions"], serde_json::json!(["*.log"]));
    assert_eq!(t["manifest_matches_envelope"], true);
    assert_eq!(t["manifest_size"], j["length"]);

    let out = f.run(&["inspect", "plug.sig"]);
    assert_eq!(out.code, 0, "{out:?}");
    assert!(
        out.stdout.contains("UNVERIFIED envelope contents"),
        "{out:?}"
    );
    assert!(out.stdout.contains("tree manifest (UNVERIFIED"), "{out:?}");
    assert!(
        out.stdout.contains(
            "60 (54 files, 1 executable; 4 directories; 2 symlinks, 1 pointing outside the tree)"
        ),
        "{out:?}"
    );
    assert!(out.stdout.contains("exclusions:   *.log"), "{out:?}");

    // A changed manifest byte no longer matches the envelope: shown, still exit 0 (nothing
    // is verified by inspect); a broken file is malformed (exit 1).
    let mut sig = fs::read(f.dir.path().join("plug.sig")).unwrap();
    // Flip a bit of README's SHA-256 inside the manifest.
    let readme: [u8; 32] = <sha2::Sha256 as sha2::Digest>::digest(b"read me").into();
    let at = sig.windows(32).position(|w| w == readme).unwrap();
    sig[at] ^= 1;
    fs::write(f.dir.path().join("flipped.sig"), &sig).unwrap();
    let j = f.run(&["inspect", "flipped.sig", "--json"]).json();
    assert_eq!(j["tree"]["manifest_matches_envelope"], false, "{j}");
    fs::write(f.dir.path().join("cut.sig"), &sig[..sig.len() / 2]).unwrap();
    let out = f.run(&["inspect", "cut.sig", "--json"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert_eq!(out.json()["error"]["code"], 150);
}
