//! End-to-end tests of the trust commands: certificates, trust files, compiled policies,
//! rotation, expiry, revocation and k-of-n signatures, each rule positive and negative.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;
use tempfile::TempDir;

/// The signing time of every test (2023-11-14T22:13:20Z); certificates start here.
const T0: u64 = 1_700_000_000;
const DAY: u64 = 86_400;
const CI: &str = "release-ci@vendor.example";

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

struct Fx {
    dir: TempDir,
}

fn s(n: u64) -> String {
    n.to_string()
}

impl Fx {
    /// Keys root, ci, ca, bob, other and newroot (unencrypted), and app-1.0.bin.
    fn new() -> Fx {
        let f = Fx {
            dir: tempfile::tempdir().unwrap(),
        };
        for k in ["root", "ci", "ca", "bob", "other", "newroot"] {
            f.ok(&["keygen", "-o", k, "--unencrypted"]);
        }
        fs::write(
            f.path("app-1.0.bin"),
            b"release 1.0 of the app\n".repeat(1000),
        )
        .unwrap();
        f
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
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
            code: out.status.code().expect("exited normally"),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    }

    fn ok(&self, args: &[&str]) -> Out {
        let out = self.run(args);
        assert_eq!(out.code, 0, "{args:?} failed: {out:?}");
        out
    }

    /// `cert issue` from `issuer` for `key`, valid from T0 for 30 days unless `extra` says
    /// otherwise.
    fn cert(&self, issuer: &str, key: &str, subject: &str, out: &str, extra: &[&str]) -> Out {
        let issuer_key = format!("{issuer}.key");
        let key_pub = format!("{key}.pub");
        let nbf = s(T0);
        let mut args = vec![
            "cert",
            "issue",
            "--issuer",
            &issuer_key,
            "--subject",
            subject,
            "--key",
            &key_pub,
            "--not-before",
            &nbf,
            "-o",
            out,
        ];
        if !extra.contains(&"--expires") {
            args.extend(["--expires", "30d"]);
        }
        if !extra.contains(&"--name") && !extra.contains(&"--issuer-cert") {
            args.extend(["--name", "vendor-root"]);
        }
        args.extend(extra);
        self.run(&args)
    }

    /// `sign` with `key`, stating `CI` and signing at T0 + 10, plus `extra`.
    fn sign(&self, key: &str, extra: &[&str]) -> Out {
        let key_file = format!("{key}.key");
        let at = s(T0 + 10);
        let mut args = vec![
            "sign",
            "app-1.0.bin",
            "--key",
            &key_file,
            "--issued-at",
            &at,
        ];
        if !extra.contains(&"--identity") {
            args.extend(["--identity", CI]);
        }
        args.extend(extra);
        self.run(&args)
    }

    fn trust(&self, body: &str) {
        fs::write(self.path("trust.toml"), format!("version = 1\n{body}")).unwrap();
    }

    /// `verify --policy trust.toml --now NOW --json`.
    fn verify_at(&self, now: u64, extra: &[&str]) -> Out {
        let now = s(now);
        let mut args = vec![
            "verify",
            "app-1.0.bin",
            "--policy",
            "trust.toml",
            "--now",
            &now,
            "--json",
        ];
        args.extend(extra);
        self.run(&args)
    }

    fn kid(&self, key: &str) -> String {
        let out = self.ok(&["cert", "inspect", &format!("{key}.cert"), "--json"]);
        out.json()["key_id"].as_str().unwrap().to_owned()
    }
}

const ROOT_ENTRY: &str = "[[root]]\nkey_file = \"root.pub\"\nname = \"vendor-root\"\n";

/// Asserts a JSON rejection with this error name (and its code), exit status 1.
fn rejected(out: &Out, name: &str, code: u64) -> Value {
    assert_eq!(out.code, 1, "{out:?}");
    let j = out.json();
    assert_eq!(j["verified"], false);
    assert_eq!(j["error"]["name"], name, "{out:?}");
    assert_eq!(j["error"]["code"], code, "{out:?}");
    j
}

fn verified(out: &Out) -> Value {
    assert_eq!(out.code, 0, "{out:?}");
    let j = out.json();
    assert_eq!(j["verified"], true);
    j
}

/// A fixture where ci holds a certificate from root (scope `app-*`) and signed app-1.0.bin.
fn certified() -> Fx {
    let f = Fx::new();
    f.cert("root", "ci", CI, "ci.cert", &["--scope", "app-*"]);
    f.sign("ci", &["--cert", "ci.cert"]);
    f
}

#[test]
fn a_certified_key_verifies_with_a_trust_file_and_a_compiled_policy() {
    let f = certified();
    f.trust(ROOT_ENTRY);
    let j = verified(&f.verify_at(T0 + DAY, &[]));
    assert_eq!(j["identity"], CI);
    assert_eq!(j["time_checked"], true);
    assert_eq!(j["signers"][0]["verdict"], "ok");
    assert_eq!(j["signers"][0]["chain_depth"], 1);
    let root_kid = f.ok(&["cert", "inspect", "ci.cert", "--json"]).json()["issuer_key_id"].clone();
    assert_eq!(j["signers"][0]["root_key_id"], root_kid);

    // The same through the compiled policy, in text.
    let out = f.ok(&["policy", "compile", "trust.toml", "-o", "trust.cbor"]);
    assert!(out.stdout.contains("bytes"), "{out:?}");
    let now = s(T0 + DAY);
    let out = f.ok(&[
        "verify",
        "app-1.0.bin",
        "--policy",
        "trust.cbor",
        "--now",
        &now,
    ]);
    assert!(out.stdout.contains("certified by root"), "{out:?}");
    assert!(out.stdout.contains("time:         checked"), "{out:?}");
    // Shown alike from either form.
    let a = f.ok(&["policy", "show", "trust.toml", "--json"]).json();
    let b = f.ok(&["policy", "show", "trust.cbor", "--json"]).json();
    assert_eq!(a, b);
    assert_eq!(a["entries"][0]["name"], "vendor-root");
    assert_eq!(a["entries"][0]["certify"], true);

    // The signing key alone is not trusted: the root does not sign directly.
    f.sign("ci", &["-o", "plain.sig"]);
    let out = f.verify_at(T0 + DAY, &["--sig", "plain.sig"]);
    rejected(&out, "untrusted_key", 202);
}

#[test]
fn cert_inspect_labels_its_facts_unverified() {
    let f = certified();
    let out = f.ok(&["cert", "inspect", "ci.cert"]);
    assert!(out.stdout.starts_with("UNVERIFIED"), "{out:?}");
    assert!(out.stdout.contains(CI));
    let j = f.ok(&["cert", "inspect", "ci.cert", "--json"]).json();
    assert_eq!(j["verified"], false);
    assert_eq!(j["subject"], CI);
    assert_eq!(j["issuer"], "vendor-root");
    assert_eq!(j["not_before"], T0);
    assert_eq!(j["expires"], T0 + 30 * DAY);
    assert_eq!(j["scope"][0], "app-*");
    assert_eq!(j["certificate_id"].as_str().unwrap().len(), 32);
    // Not a certificate.
    fs::write(f.path("junk.cert"), b"\xd2\x84junk").unwrap();
    let out = f.run(&["cert", "inspect", "junk.cert"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("MALFORMED"), "{out:?}");
}

#[test]
fn an_expired_certificate_is_refused_only_with_a_clock() {
    let f = certified();
    f.trust(ROOT_ENTRY);
    verified(&f.verify_at(T0 + 30 * DAY - 1, &[]));
    rejected(&f.verify_at(T0 + 30 * DAY, &[]), "certificate_expired", 208);
    // Without a clock the check is skipped, and the output says so.
    let out = f.ok(&[
        "verify",
        "app-1.0.bin",
        "--policy",
        "trust.toml",
        "--no-clock",
    ]);
    assert!(out.stdout.contains("NOT checked"), "{out:?}");
    let out = f.run(&[
        "verify",
        "app-1.0.bin",
        "--policy",
        "trust.toml",
        "--no-clock",
        "--json",
    ]);
    let j = verified(&out);
    assert_eq!(j["time_checked"], false);
    assert_eq!(j["now"], Value::Null);
}

#[test]
fn a_certificate_not_yet_valid_is_refused() {
    let f = certified();
    f.trust(ROOT_ENTRY);
    rejected(&f.verify_at(T0 - 1, &[]), "certificate_not_yet_valid", 209);
    verified(&f.verify_at(T0, &[]));
}

#[test]
fn an_envelope_expiry_freezes_old_releases() {
    let f = Fx::new();
    f.trust("[[key]]\nkey_file = \"bob.pub\"\n");
    f.sign("bob", &["--expires", "1h"]);
    verified(&f.verify_at(T0 + 10 + 3599, &[]));
    rejected(&f.verify_at(T0 + 10 + 3600, &[]), "envelope_expired", 210);
}

#[test]
fn identities_are_checked_against_the_root_entry() {
    let f = Fx::new();
    f.trust(&format!(
        "{ROOT_ENTRY}identities = [\"*@vendor.example\"]\n"
    ));
    f.cert("root", "ci", CI, "ci.cert", &[]);
    f.sign("ci", &["--cert", "ci.cert"]);
    verified(&f.verify_at(T0 + 100, &[]));
    f.cert("root", "ci", "mallory@evil.example", "evil.cert", &[]);
    f.sign(
        "ci",
        &["--cert", "evil.cert", "--identity", "mallory@evil.example"],
    );
    let j = rejected(&f.verify_at(T0 + 100, &[]), "identity_mismatch", 204);
    assert_eq!(j["signers"][0]["verdict"]["name"], "identity_mismatch");
    // An envelope whose iss differs from the certificate's subject.
    f.sign(
        "ci",
        &["--cert", "ci.cert", "--identity", "someone@vendor.example"],
    );
    rejected(&f.verify_at(T0 + 100, &[]), "identity_mismatch", 204);
}

#[test]
fn a_subject_outside_the_certificate_scope_is_refused() {
    let f = certified();
    f.trust(ROOT_ENTRY);
    verified(&f.verify_at(T0 + 100, &[]));
    f.sign("ci", &["--cert", "ci.cert", "--subject", "tool-2.0.bin"]);
    rejected(&f.verify_at(T0 + 100, &[]), "subject_out_of_scope", 217);
}

#[test]
fn revoked_keys_and_certificates_are_refused() {
    let f = certified();
    let kid = f.kid("ci");
    let cti = f.ok(&["cert", "inspect", "ci.cert", "--json"]).json()["certificate_id"]
        .as_str()
        .unwrap()
        .to_owned();
    f.trust(&format!(
        "{ROOT_ENTRY}[revoked]\nkeys = [\"0011223344556677\"]\n"
    ));
    verified(&f.verify_at(T0 + 100, &[]));
    f.trust(&format!("{ROOT_ENTRY}[revoked]\nkeys = [\"{kid}\"]\n"));
    rejected(&f.verify_at(T0 + 100, &[]), "key_revoked", 211);
    f.trust(&format!(
        "{ROOT_ENTRY}[revoked]\ncertificates = [\"{cti}\"]\n"
    ));
    rejected(&f.verify_at(T0 + 100, &[]), "certificate_revoked", 212);
}

/// root certifies ca as `vendor-ci-ca`, which may certify one level, for `app-*` only.
fn intermediate(f: &Fx) {
    f.cert(
        "root",
        "ca",
        "vendor-ci-ca",
        "ca.cert",
        &["--ca", "1", "--scope", "app-*"],
    );
}

/// root certifies ca (may certify one level), ca certifies ci.
fn two_links(f: &Fx) {
    intermediate(f);
    let out = f.cert(
        "ca",
        "ci",
        CI,
        "ci.cert",
        &["--issuer-cert", "ca.cert", "--expires", "7d"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    f.sign("ci", &["--cert", "ci.cert", "--cert", "ca.cert"]);
}

#[test]
fn a_two_link_chain_verifies_and_a_deeper_policy_limit_refuses_it() {
    let f = Fx::new();
    two_links(&f);
    // The leaf inherited the intermediate's scope.
    let j = f.ok(&["cert", "inspect", "ci.cert", "--json"]).json();
    assert_eq!(j["scope"][0], "app-*");
    assert_eq!(j["issuer"], "vendor-ci-ca");
    f.trust(ROOT_ENTRY);
    let j = verified(&f.verify_at(T0 + 100, &[]));
    assert_eq!(j["signers"][0]["chain_depth"], 2);
    f.trust(&format!("[require]\nmax_chain_depth = 1\n{ROOT_ENTRY}"));
    rejected(&f.verify_at(T0 + 100, &[]), "chain_too_deep", 213);
}

#[test]
fn cert_issue_refuses_to_widen_its_issuer() {
    let f = Fx::new();
    intermediate(&f);
    for (extra, name) in [
        (vec!["--scope", "*"], "scope_widened"),
        (vec!["--ca", "1"], "scope_widened"),
        (vec!["--expires", "60d"], "validity_widened"),
    ] {
        let mut args = vec!["--issuer-cert", "ca.cert"];
        args.extend(extra.iter().copied());
        let out = f.cert("ca", "ci", CI, "ci.cert", &args);
        assert_eq!(out.code, 2, "{out:?}");
        assert!(out.stderr.contains("widen"), "{name}: {out:?}");
    }
    // The issuer certificate must certify the issuing key, and may certify at all.
    let out = f.cert("root", "ci", CI, "ci.cert", &["--issuer-cert", "ca.cert"]);
    assert_eq!(out.code, 2, "{out:?}");
    f.cert("root", "bob", "bob@vendor.example", "bob.cert", &[]);
    let out = f.cert("bob", "ci", CI, "ci.cert", &["--issuer-cert", "bob.cert"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("may not certify"), "{out:?}");
}

#[test]
fn a_widened_scope_is_refused_by_the_verifier() {
    let f = Fx::new();
    intermediate(&f);
    // Issued without --issuer-cert, so the CLI cannot check: the leaf claims every subject.
    let out = f.cert(
        "ca",
        "ci",
        CI,
        "ci.cert",
        &["--name", "vendor-ci-ca", "--scope", "*"],
    );
    assert_eq!(out.code, 0, "{out:?}");
    f.sign("ci", &["--cert", "ci.cert", "--cert", "ca.cert"]);
    f.trust(ROOT_ENTRY);
    rejected(&f.verify_at(T0 + 100, &[]), "scope_widened", 214);
}

#[test]
fn a_threshold_counts_distinct_valid_signers() {
    let f = certified();
    f.trust(&format!(
        "[require]\nsigners = 2\n{ROOT_ENTRY}[[key]]\nkey_file = \"bob.pub\"\n"
    ));
    let out = f.verify_at(T0 + 100, &[]);
    let j = rejected(&out, "threshold_not_met", 218);
    assert_eq!(j["valid_signers"], 1);
    assert_eq!(j["required_signers"], 2);
    let now = s(T0 + 100);
    let text = f.run(&[
        "verify",
        "app-1.0.bin",
        "--policy",
        "trust.toml",
        "--now",
        &now,
    ]);
    assert_eq!(text.code, 1);
    assert!(
        text.stderr
            .contains("found 1 valid distinct signer(s), the policy requires 2"),
        "{text:?}"
    );
    assert!(text.stderr.contains("threshold_not_met"), "{text:?}");

    // A second person signs later.
    let out = f.sign("bob", &["--append", "app-1.0.bin.sig"]);
    assert!(out.stdout.contains("2 in the file"), "{out:?}");
    let j = verified(&f.verify_at(T0 + 100, &[]));
    assert_eq!(j["valid_signers"], 2);
    assert_eq!(j["signers"].as_array().unwrap().len(), 2);
    // The same key cannot sign twice; an untrusted third signature does not count.
    let out = f.sign("bob", &["--append", "app-1.0.bin.sig"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("already signed"), "{out:?}");
    f.sign("other", &["--append", "app-1.0.bin.sig"]);
    let j = verified(&f.verify_at(T0 + 100, &[]));
    assert_eq!(j["signers"][2]["verdict"]["name"], "untrusted_key");
    assert_eq!(j["valid_signers"], 2);
    // Distinct identities: ci and bob both state CI, so they count once.
    f.trust(&format!(
        "[require]\nsigners = 2\ndistinct_identities = true\n{ROOT_ENTRY}[[key]]\nkey_file = \"bob.pub\"\n"
    ));
    let j = rejected(&f.verify_at(T0 + 100, &[]), "threshold_not_met", 218);
    assert_eq!(j["valid_signers"], 1);
}

#[test]
fn an_unknown_issuer_is_refused() {
    let f = Fx::new();
    f.trust(ROOT_ENTRY);
    f.cert("other", "ci", CI, "ci.cert", &[]);
    f.sign("ci", &["--cert", "ci.cert"]);
    rejected(&f.verify_at(T0 + 100, &[]), "unknown_issuer", 216);
    // The right key under another issuer name.
    f.cert("root", "ci", CI, "ci.cert", &["--name", "someone-else"]);
    f.sign("ci", &["--cert", "ci.cert"]);
    rejected(&f.verify_at(T0 + 100, &[]), "unknown_issuer", 216);
}

#[test]
fn rollback_is_refused() {
    let f = certified();
    f.trust(&format!("[require]\nmin_version = 10\n{ROOT_ENTRY}"));
    f.sign("ci", &["--cert", "ci.cert", "--version", "9"]);
    rejected(&f.verify_at(T0 + 100, &[]), "rollback", 206);
    f.sign("ci", &["--cert", "ci.cert", "--version", "10"]);
    verified(&f.verify_at(T0 + 100, &[]));
    // --min-version can raise the policy's minimum, never lower it.
    rejected(
        &f.verify_at(T0 + 100, &["--min-version", "11"]),
        "rollback",
        206,
    );
    verified(&f.verify_at(T0 + 100, &["--min-version", "1"]));
}

#[test]
fn a_rotation_statement_moves_trust_to_the_new_root() {
    let f = Fx::new();
    f.trust(ROOT_ENTRY);
    let out = f.ok(&[
        "rotate",
        "--old",
        "root.key",
        "--new",
        "newroot.pub",
        "--issued-at",
        "1700000000",
        "-o",
        "rotation.cbor",
    ]);
    assert!(out.stdout.contains("new root key id"), "{out:?}");
    f.cert("newroot", "ci", CI, "ci.cert", &[]);
    f.sign("ci", &["--cert", "ci.cert"]);
    rejected(&f.verify_at(T0 + 100, &[]), "unknown_issuer", 216);
    verified(&f.verify_at(T0 + 100, &["--rotation", "rotation.cbor"]));
    // The old root is no longer trusted after the rotation.
    f.cert("root", "ci", CI, "old.cert", &[]);
    f.sign("ci", &["--cert", "old.cert"]);
    verified(&f.verify_at(T0 + 100, &[]));
    rejected(
        &f.verify_at(T0 + 100, &["--rotation", "rotation.cbor"]),
        "unknown_issuer",
        216,
    );
    // A statement by a key the policy does not trust.
    f.ok(&[
        "rotate",
        "--old",
        "other.key",
        "--new",
        "bob.pub",
        "-o",
        "bad.cbor",
    ]);
    let out = f.verify_at(T0 + 100, &["--rotation", "bad.cbor"]);
    rejected(&out, "untrusted_key", 202);
}

#[test]
fn signing_refuses_a_certificate_for_another_key() {
    let f = Fx::new();
    f.cert("root", "bob", "bob@vendor.example", "bob.cert", &[]);
    let out = f.sign("ci", &["--cert", "bob.cert"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(!f.path("app-1.0.bin.sig").exists());
    // Certificates in the wrong order.
    f.cert("root", "ca", "vendor-ci-ca", "ca.cert", &["--ca", "1"]);
    f.cert("ca", "ci", CI, "ci.cert", &["--issuer-cert", "ca.cert"]);
    let out = f.sign("ci", &["--cert", "ca.cert", "--cert", "ci.cert"]);
    assert_eq!(out.code, 2, "{out:?}");
    f.ok(&[
        "sign",
        "app-1.0.bin",
        "--key",
        "ci.key",
        "--cert",
        "ci.cert",
        "--cert",
        "ca.cert",
    ]);
}

#[test]
fn policy_and_key_flags_do_not_mix_and_bad_trust_files_are_refused() {
    let f = certified();
    f.trust(ROOT_ENTRY);
    let out = f.run(&[
        "verify",
        "app-1.0.bin",
        "--policy",
        "trust.toml",
        "--key",
        "bob.pub",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    let out = f.run(&["verify", "app-1.0.bin"]);
    assert_eq!(out.code, 2, "{out:?}");
    // Unknown fields, and a compiled policy that is damaged.
    f.trust(&format!("{ROOT_ENTRY}colour = \"red\"\n"));
    let out = f.run(&["policy", "compile", "trust.toml", "-o", "trust.cbor"]);
    assert_eq!(out.code, 2, "{out:?}");
    assert!(out.stderr.contains("colour"), "{out:?}");
    let out = f.verify_at(T0 + 100, &[]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.json()["error"]["name"], "bad_policy");
    fs::write(f.path("trust.cbor"), [0xa1, 0x01, 0x02]).unwrap();
    let now = s(T0 + 100);
    let out = f.run(&[
        "verify",
        "app-1.0.bin",
        "--policy",
        "trust.cbor",
        "--now",
        &now,
        "--json",
    ]);
    assert_eq!(out.code, 2, "{out:?}");
    assert_eq!(out.json()["error"]["name"], "bad_policy");
    // The existing --key flags still work, now with the clock too (for an envelope without a
    // chain: one with a chain is checked against roots).
    f.sign("ci", &["-o", "plain.sig", "--expires", "1d"]);
    let out = f.ok(&[
        "verify",
        "app-1.0.bin",
        "--sig",
        "plain.sig",
        "--key",
        "ci.pub",
        "--no-clock",
    ]);
    assert!(out.stdout.contains("Verified"), "{out:?}");
    let out = f.run(&[
        "verify",
        "app-1.0.bin",
        "--sig",
        "plain.sig",
        "--key",
        "ci.pub",
    ]);
    assert_eq!(out.code, 1, "the clock is now far past the expiry: {out:?}");
    assert!(out.stderr.contains("envelope_expired"), "{out:?}");
    let now = s(T0 + 100);
    let out = f.ok(&[
        "verify",
        "app-1.0.bin",
        "--sig",
        "plain.sig",
        "--key",
        "ci.pub",
        "--now",
        &now,
    ]);
    assert!(out.stdout.contains("Verified"), "{out:?}");
}

#[test]
fn key_files_in_a_trust_file_are_relative_to_it() {
    let f = certified();
    fs::create_dir(f.path("etc")).unwrap();
    fs::copy(f.path("root.pub"), f.path("etc/root.pub")).unwrap();
    fs::write(
        f.path("etc/trust.toml"),
        format!("version = 1\n{ROOT_ENTRY}"),
    )
    .unwrap();
    let now = s(T0 + 100);
    let out = f.run(&[
        "verify",
        "app-1.0.bin",
        "--policy",
        Path::new("etc").join("trust.toml").to_str().unwrap(),
        "--now",
        &now,
    ]);
    assert_eq!(out.code, 0, "{out:?}");
}

/// A folder and an image layout are verified under `--policy` too (not only files).
#[test]
fn folders_are_verified_under_a_trust_policy() {
    let f = Fx::new();
    fs::create_dir(f.path("plugin")).unwrap();
    fs::write(f.path("plugin/a.txt"), b"a").unwrap();
    f.ok(&["sign", "plugin", "--key", "ci.key", "--identity", CI]);
    let ci = fs::read_to_string(f.path("ci.pub")).unwrap();
    f.trust(&format!(
        "[[key]]\nkey = \"{}\"\nidentities = [\"*@vendor.example\"]\n",
        ci.trim()
    ));
    f.ok(&["verify", "plugin", "--policy", "trust.toml"]);
    // The same folder under a policy that allows another identity only: refused.
    f.trust(&format!(
        "[[key]]\nkey = \"{}\"\nidentities = [\"*@other.example\"]\n",
        ci.trim()
    ));
    let out = f.run(&["verify", "plugin", "--policy", "trust.toml"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("identity mismatch"), "{out:?}");
    // And a policy that trusts another key: untrusted.
    let other = fs::read_to_string(f.path("other.pub")).unwrap();
    f.trust(&format!("[[key]]\nkey = \"{}\"\n", other.trim()));
    let out = f.run(&["verify", "plugin", "--policy", "trust.toml"]);
    assert_eq!(out.code, 1, "{out:?}");
    assert!(out.stderr.contains("untrusted key"), "{out:?}");
}
