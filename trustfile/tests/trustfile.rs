//! Trust files: parsing, every rule and limit, the exact compiled encoding, and reading it back.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;

use sealkit::{Error, PublicKey, SigningKey, TrustPolicy};
use sealkit_trustfile::{Policy, TrustFileError};

fn key(n: u8) -> PublicKey {
    SigningKey::from_seed(&[n; 32]).unwrap().public_key()
}

fn text(n: u8) -> String {
    let mut buf = [0u8; sealkit::PUBLIC_KEY_TEXT_LEN];
    key(n).to_text(&mut buf).to_owned()
}

fn parse(toml: &str) -> Result<Policy, TrustFileError> {
    Policy::from_toml_str(toml, Path::new("."), "trust.toml")
}

fn code(toml: &str) -> u16 {
    match parse(toml) {
        Ok(_) => panic!("accepted:\n{toml}"),
        Err(e) => e.code().unwrap(),
    }
}

fn full() -> String {
    format!(
        r#"
version = 1
[require]
identity = "release-ci@vendor.example"
subject = "app-*"
min_version = 42
signers = 2
distinct_identities = true
max_chain_depth = 3
[[root]]
key = "{}"
name = "vendor-root"
identities = ["release-ci@vendor.example", "*@vendor.example"]
subjects = ["app-*"]
[[key]]
key = "{}"
identities = ["alice@vendor.example"]
[revoked]
keys = ["ffffffffffffffff", "0011223344556677"]
certificates = ["c0ffee", "01"]
"#,
        text(1),
        text(2)
    )
}

// Hand-written CBOR, independent of the crate's encoder.
fn head(major: u8, n: u64) -> Vec<u8> {
    let m = major << 5;
    match n {
        0..=23 => vec![m | n as u8],
        24..=0xff => vec![m | 24, n as u8],
        _ => {
            let mut v = vec![m | 25];
            v.extend((n as u16).to_be_bytes());
            v
        }
    }
}
fn tstr(s: &str) -> Vec<u8> {
    [head(3, s.len() as u64), s.as_bytes().to_vec()].concat()
}
fn bstr(b: &[u8]) -> Vec<u8> {
    [head(2, b.len() as u64), b.to_vec()].concat()
}

#[test]
fn the_full_example_compiles_to_the_exact_encoding() {
    let p = parse(&full()).unwrap();
    let expected = [
        head(5, 10),
        vec![0x01, 0x01],
        vec![0x02],
        head(4, 2),
        // root: {1: key, 2: 2, 3: name, 4: [ids], 5: [subjects]}
        head(5, 5),
        vec![0x01],
        bstr(key(1).as_bytes()),
        vec![0x02, 0x02],
        vec![0x03],
        tstr("vendor-root"),
        vec![0x04],
        head(4, 2),
        tstr("release-ci@vendor.example"),
        tstr("*@vendor.example"),
        vec![0x05],
        head(4, 1),
        tstr("app-*"),
        // key: {1: key, 2: 1, 4: [ids]}
        head(5, 3),
        vec![0x01],
        bstr(key(2).as_bytes()),
        vec![0x02, 0x01],
        vec![0x04],
        head(4, 1),
        tstr("alice@vendor.example"),
        // 3: identity, 4: subject, 5: 42, 6: 3
        vec![0x03],
        tstr("release-ci@vendor.example"),
        vec![0x04],
        tstr("app-*"),
        vec![0x05, 0x18, 42],
        vec![0x06, 0x03],
        // 7: sorted key ids, 8: sorted cert ids
        vec![0x07],
        head(4, 2),
        bstr(&[0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77]),
        bstr(&[0xff; 8]),
        vec![0x08],
        head(4, 2),
        bstr(&[0x01]),
        bstr(&[0xc0, 0xff, 0xee]),
        // 9: 2, 10: true
        vec![0x09, 0x02],
        vec![0x0a, 0xf5],
    ]
    .concat();
    assert_eq!(p.to_cbor(), expected);
    assert_eq!(Policy::from_cbor(&expected, "trust.cbor").unwrap(), p);
    let s = p.summary();
    assert_eq!(s.compiled_size, expected.len());
    assert_eq!(s.signers, 2);
    assert_eq!(s.revoked_keys, ["0011223344556677", "ffffffffffffffff"]);
}

#[test]
fn the_core_loads_what_is_compiled() {
    // Without a required identity (see the full example for that key).
    let toml = format!(
        r#"
version = 1
[require]
subject = "app-*"
min_version = 3
signers = 2
[[root]]
key = "{}"
name = "vendor-root"
sign = true
subjects = ["app-*"]
[[key]]
key = "{}"
[revoked]
keys = ["0011223344556677"]
certificates = ["c0ffee"]
"#,
        text(1),
        text(2)
    );
    let p = parse(&toml).unwrap();
    let t = TrustPolicy::from_cbor(&p.to_cbor()).unwrap();
    assert_eq!(t.keys().len(), 2);
    assert!(t.keys()[0].may_sign() && t.keys()[0].may_certify());
    assert!(t.keys()[1].may_sign() && !t.keys()[1].may_certify());
    assert_eq!(t.root_name(key(1).key_id()), Some("vendor-root"));
    assert_eq!(t.min_version(), Some(3));
    assert_eq!(t.threshold(), 2);
    assert_eq!(t.required_subject(), Some("app-*"));
    assert!(t.is_certificate_revoked(&[0xc0, 0xff, 0xee]));
    // And the direct conversion agrees.
    let d = p.to_trust_policy().unwrap();
    assert_eq!(d.keys().len(), 2);
    assert_eq!(d.threshold(), 2);
}

#[test]
fn revoked_certificate_ids_are_sorted_by_their_encodings() {
    let toml = format!(
        "version = 1\n[[key]]\nkey = \"{}\"\n[revoked]\ncertificates = [\"0105\", \"ff\", \"02\"]\n",
        text(1)
    );
    let p = parse(&toml).unwrap();
    assert_eq!(
        p.revoked_certificates,
        [vec![0x02], vec![0xff], vec![0x01, 0x05]]
    );
    let bytes = p.to_cbor();
    let t = TrustPolicy::from_cbor(&bytes).unwrap();
    assert!(t.is_certificate_revoked(&[0x01, 0x05]));
    assert_eq!(Policy::from_cbor(&bytes, "x").unwrap(), p);
}

#[test]
fn the_core_loads_a_required_identity() {
    let p = parse(&full()).unwrap();
    let t = TrustPolicy::from_cbor(&p.to_cbor()).unwrap();
    assert_eq!(t.required_identity(), Some("release-ci@vendor.example"));
    assert!(t.distinct_identities());
}

#[test]
fn compilation_is_deterministic_whatever_the_list_order() {
    let a = parse(&full()).unwrap().to_cbor();
    let swapped = full().replace(
        r#"keys = ["ffffffffffffffff", "0011223344556677"]"#,
        r#"keys = ["0011223344556677", "ffffffffffffffff"]"#,
    );
    assert_ne!(swapped, full());
    assert_eq!(parse(&swapped).unwrap().to_cbor(), a);
}

#[test]
fn key_files_are_relative_to_the_trust_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("keys")).unwrap();
    std::fs::write(dir.path().join("keys/root.pub"), text(3) + "\n").unwrap();
    let path = dir.path().join("trust.toml");
    std::fs::write(
        &path,
        "version = 1\n[[root]]\nkey_file = \"keys/root.pub\"\n",
    )
    .unwrap();
    let p = Policy::from_toml_file(&path).unwrap();
    assert_eq!(p.entries[0].key, key(3));
    assert!(p.entries[0].certify && !p.entries[0].sign);
    // A missing key file is an I/O error (no core code), naming the file.
    std::fs::write(&path, "version = 1\n[[root]]\nkey_file = \"nope.pub\"\n").unwrap();
    let e = Policy::from_toml_file(&path).unwrap_err();
    assert_eq!(e.code(), None);
    assert!(e.to_string().contains("nope.pub"), "{e}");
    // A key file holding something else.
    std::fs::write(dir.path().join("bad.pub"), "hello").unwrap();
    std::fs::write(&path, "version = 1\n[[key]]\nkey_file = \"bad.pub\"\n").unwrap();
    assert_eq!(
        Policy::from_toml_file(&path).unwrap_err().core(),
        Some(Error::BadPublicKeyText)
    );
}

#[test]
fn malformed_files_are_bad_policy() {
    let k = text(1);
    for toml in [
        String::from("this is not toml ["),
        String::from("version = 1"),
        format!("version = 2\n[[key]]\nkey = \"{k}\""),
        format!("[[key]]\nkey = \"{k}\""),
        format!("version = 1\nextra = 1\n[[key]]\nkey = \"{k}\""),
        format!("version = 1\n[[key]]\nkey = \"{k}\"\nname = \"n\""),
        format!("version = 1\n[[key]]\nkey = \"{k}\"\ncolour = \"red\""),
        format!("version = 1\n[require]\nidentitty = \"a\"\n[[key]]\nkey = \"{k}\""),
        format!("version = 1\n[revoked]\nkeyz = []\n[[key]]\nkey = \"{k}\""),
        String::from("version = 1\n[[key]]\n"),
        format!("version = 1\n[[key]]\nkey = \"{k}\"\nkey_file = \"x.pub\""),
        format!("version = 1\n[[key]]\nkey = \"{k}\"\nidentities = []"),
        format!("version = 1\n[[root]]\nkey = \"{k}\"\nsubjects = []"),
        format!("version = 1\n[[key]]\nkey = \"{k}\"\n[revoked]\nkeys = [\"xyz\"]"),
        format!("version = 1\n[[key]]\nkey = \"{k}\"\n[revoked]\nkeys = [\"0011\"]"),
        format!("version = 1\n[[key]]\nkey = \"{k}\"\n[revoked]\nkeys = []"),
        format!(
            "version = 1\n[[key]]\nkey = \"{k}\"\n[revoked]\nkeys = [\"0011223344556677\", \"0011223344556677\"]"
        ),
        format!("version = 1\n[[key]]\nkey = \"{k}\"\n[revoked]\ncertificates = [\"01\", \"01\"]"),
        format!("version = 1\n[[key]]\nkey = \"{k}\"\n[require]\nsigners = 300"),
        format!("version = 1\n[[key]]\nkey = \"{k}\"\n[require]\nsigners = \"two\""),
    ] {
        assert_eq!(code(&toml), 175, "{toml}");
    }
    let e = parse("version = 1\nextra = 1\n").unwrap_err();
    assert!(e.to_string().contains("extra"), "{e}");
    assert!(e.to_string().contains("line 2"), "{e}");
}

#[test]
fn rule_violations_carry_the_core_codes() {
    let k = text(1);
    let keys: String = (1..=9)
        .map(|n| format!("[[key]]\nkey = \"{}\"\n", text(n)))
        .collect();
    let many_ids: String = (0..33).map(|i| format!("\"id-{i}\", ")).collect();
    let revoked: String = (0..17).map(|i| format!("\"{i:016x}\", ")).collect();
    let long = "x".repeat(129);
    for (toml, want) in [
        (format!("version = 1\n{keys}"), Error::TooManyKeys),
        (
            format!("version = 1\n[[key]]\nkey = \"{k}\"\n[[root]]\nkey = \"{k}\""),
            Error::DuplicateKey,
        ),
        (
            "version = 1\n[[key]]\nkey = \"sealkit-ed25519:AAAA\"".to_owned(),
            Error::BadPublicKeyText,
        ),
        (
            format!("version = 1\n[[key]]\nkey = \"{k}\"\nidentities = [\"{long}\"]"),
            Error::ArgumentTooLong,
        ),
        (
            format!("version = 1\n[[key]]\nkey = \"{k}\"\nidentities = [\"\"]"),
            Error::EmptyArgument,
        ),
        (
            format!("version = 1\n[[key]]\nkey = \"{k}\"\nidentities = [{many_ids}]"),
            Error::PolicyFull,
        ),
        (
            format!("version = 1\n[[key]]\nkey = \"{k}\"\n[revoked]\nkeys = [{revoked}]"),
            Error::PolicyFull,
        ),
        (
            format!(
                "version = 1\n[[key]]\nkey = \"{k}\"\n[revoked]\ncertificates = [\"{}\"]",
                "ab".repeat(17)
            ),
            Error::ArgumentTooLong,
        ),
        (
            format!("version = 1\n[[key]]\nkey = \"{k}\"\n[require]\nsigners = 0"),
            Error::EmptyArgument,
        ),
        (
            format!("version = 1\n[[key]]\nkey = \"{k}\"\n[require]\nsigners = 9"),
            Error::ArgumentTooLong,
        ),
        (
            format!("version = 1\n[[key]]\nkey = \"{k}\"\n[require]\nmax_chain_depth = 5"),
            Error::ArgumentTooLong,
        ),
        (
            format!("version = 1\n[[key]]\nkey = \"{k}\"\n[require]\nsubject = \"\""),
            Error::EmptyArgument,
        ),
    ] {
        let e = parse(&toml).expect_err(&toml);
        assert_eq!(e.core(), Some(want), "{toml}\n{e}");
        assert_eq!(e.code(), Some(want.code()));
        assert!(e.to_string().contains(want.name()), "{e}");
    }
}

#[test]
fn compiled_policies_are_read_strictly() {
    let good = parse(&full()).unwrap().to_cbor();
    let bad = |b: &[u8]| Policy::from_cbor(b, "trust.cbor").unwrap_err().code();
    // Trailing bytes, truncation, an empty input.
    assert_eq!(bad(&[&good[..], &[0x00]].concat()), Some(175));
    assert_eq!(bad(&good[..good.len() - 1]), Some(175));
    assert_eq!(bad(&[]), Some(175));
    // Another format version.
    let mut v2 = good.clone();
    assert_eq!(&v2[1..3], &[0x01, 0x01]);
    v2[2] = 0x02;
    assert_eq!(bad(&v2), Some(175));
    // A non-shortest head (version written as 0x18 0x01).
    let wide = [&good[..2], &[0x18, 0x01], &good[3..]].concat();
    assert_eq!(bad(&wide), Some(175));
    // Unsorted revoked key ids.
    let a = [0x48, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77];
    let b = [0x48, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];
    let pos = good.windows(9).position(|w| w == a).unwrap();
    let mut swapped = good.clone();
    swapped[pos..pos + 9].copy_from_slice(&b);
    swapped[pos + 9..pos + 18].copy_from_slice(&a);
    assert_eq!(bad(&swapped), Some(175));
    // distinct identities written as false.
    let mut f = good.clone();
    *f.last_mut().unwrap() = 0xf4;
    assert_eq!(bad(&f), Some(175));
    // Not a map at all.
    assert_eq!(bad(b"\x80"), Some(175));
}

#[test]
fn the_summary_reads_well() {
    let s = parse(&full()).unwrap().summary();
    let shown = s.to_string();
    for want in [
        "root (certifies)",
        "issuer name: vendor-root",
        "key (signs)",
        "alice@vendor.example",
        "required subject:  app-*",
        "minimum version:   42",
        "max chain depth:   3",
        "signers required:  2 (distinct identities)",
        "revoked certs:     01, c0ffee",
    ] {
        assert!(shown.contains(want), "{want:?} not in\n{shown}");
    }
    let minimal = parse(&format!("version = 1\n[[key]]\nkey = \"{}\"", text(1)))
        .unwrap()
        .summary();
    assert_eq!(minimal.max_chain_depth, 2);
    assert_eq!(minimal.signers, 1);
    assert!(minimal.to_string().contains("revoked keys:      none"));
}

#[test]
fn arbitrary_input_never_panics() {
    // A deterministic walk over damaged compiled policies and trust files: every truncation and
    // every single-byte change of the full example.
    let good = parse(&full()).unwrap().to_cbor();
    for cut in 0..good.len() {
        assert!(Policy::from_cbor(&good[..cut], "x").is_err());
    }
    for i in 0..good.len() {
        for v in [0x00, 0x17, 0x18, 0x1f, 0x5f, 0x7f, 0x9f, 0xbf, 0xf5, 0xff] {
            let mut b = good.clone();
            b[i] = v;
            let _ = Policy::from_cbor(&b, "x");
        }
    }
    let text = full();
    for cut in 0..text.len() {
        if text.is_char_boundary(cut) {
            let _ = parse(&text[..cut]);
        }
    }
}

#[test]
fn timestamp_keys_and_the_receipt_requirement_compile_and_load() {
    let toml = format!(
        r#"
version = 1
[require]
timestamp = true
[[root]]
key = "{}"
name = "keyless.vendor.example"
[[timestamp]]
key = "{}"
"#,
        text(1),
        text(2)
    );
    let p = parse(&toml).unwrap();
    assert!(p.require_timestamp);
    assert!(p.entries[1].timestamp && !p.entries[1].sign && !p.entries[1].certify);
    let cbor = p.to_cbor();
    // Entry flags 4 (timestamp only) and key 11 (true) are in the compiled form.
    assert!(cbor.windows(2).any(|w| w == [0x02, 0x04]));
    assert_eq!(&cbor[cbor.len() - 2..], &[0x0b, 0xf5]);
    assert_eq!(Policy::from_cbor(&cbor, "p").unwrap(), p);
    let core = TrustPolicy::from_cbor(&cbor).unwrap();
    assert!(core.timestamp_required());
    assert!(core.keys()[1].may_timestamp() && !core.keys()[0].may_timestamp());
    assert!(p.summary().to_string().contains("timestamp key: "));
    assert!(p
        .summary()
        .to_string()
        .contains("timestamp:         required"));

    // One key as root and timestamp authority.
    let both = format!(
        "version = 1\n[[root]]\nkey = \"{}\"\ntimestamps = true\n",
        text(1)
    );
    let p = parse(&both).unwrap();
    let core = p.to_trust_policy().unwrap();
    assert!(core.keys()[0].may_certify() && core.keys()[0].may_timestamp());

    // Required without any key that may timestamp; a timestamp key alone; unknown fields.
    let no_tsa = format!(
        "version = 1\n[require]\ntimestamp = true\n[[root]]\nkey = \"{}\"\n",
        text(1)
    );
    assert_eq!(code(&no_tsa), Error::BadPolicy.code());
    let only_tsa = format!("version = 1\n[[timestamp]]\nkey = \"{}\"\n", text(2));
    assert_eq!(code(&only_tsa), Error::BadPolicy.code());
    let extra = format!(
        "version = 1\n[[root]]\nkey = \"{}\"\n[[timestamp]]\nkey = \"{}\"\nname = \"tsa\"\n",
        text(1),
        text(2)
    );
    assert_eq!(code(&extra), Error::BadPolicy.code());
    // The same key twice (as a root and as a separate timestamp entry) is refused.
    let twice = format!(
        "version = 1\n[[root]]\nkey = \"{}\"\n[[timestamp]]\nkey = \"{}\"\n",
        text(1),
        text(1)
    );
    assert_eq!(code(&twice), Error::DuplicateKey.code());
}
