//! Generates the worked examples and the error table of `docs/FORMAT.md`, deterministically.
//!
//! ```text
//! cargo run -p sealkit --features sign --example format_example              # print Markdown
//! cargo run -p sealkit --features sign --example format_example -- --check docs/FORMAT.md
//! ```
//!
//! Everything is fixed: the secret key is RFC 8032 section 7.1 TEST 1, the artifact is the 15
//! bytes `hello, sealkit\n`, the signing time is 2026-01-01T00:00:00Z. Ed25519 signatures are
//! deterministic, so the output never changes unless the format does. With `--check FILE` it
//! prints nothing and exits with status 1 if any fenced block it would print is missing from
//! FILE, so the specification cannot drift from the code.
//!
//! The example does not trust the library it documents: it rebuilds the `Sig_structure` on its
//! own, checks the signature with `ed25519-compact` directly, decodes the CBOR with its own small
//! decoder (for the annotated hex and the diagnostic notation), and finally verifies the
//! envelope with [`sealkit::verify_slice`].

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::fmt::Write as _;

use sealkit::{
    sign, verify_slice, ArtifactDigest, ArtifactHasher, ContentType, Envelope, Error, HashAlg,
    SignRequest, SignatureAlg, SigningKey, TrustPolicy, MAX_SIGNED_ENVELOPE_LEN,
    PUBLIC_KEY_TEXT_LEN,
};

/// RFC 8032, section 7.1, TEST 1: the secret key (seed).
const SEED: &str = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60";
/// The artifact.
const ARTIFACT: &[u8] = b"hello, sealkit\n";
/// 2026-01-01T00:00:00Z.
const IAT: u64 = 1_767_225_600;

/// A decoded CBOR item, with the bytes of its head and (for strings) its content.
#[derive(Debug)]
enum Item {
    Uint(u64),
    Nint(u64),
    Bytes(Vec<u8>),
    Text(String),
    Array(Vec<Node>),
    Map(Vec<(Node, Node)>),
    Tag(u64, Box<Node>),
}

#[derive(Debug)]
struct Node {
    /// The encoded head (initial byte and argument).
    head: Vec<u8>,
    item: Item,
}

/// Decodes one definite-length item at `*pos` (enough CBOR for sealkit envelopes).
fn decode(buf: &[u8], pos: &mut usize) -> Node {
    let start = *pos;
    let ib = buf[*pos];
    *pos += 1;
    let (major, info) = (ib >> 5, ib & 0x1f);
    let arg = match info {
        0..=23 => u64::from(info),
        24..=27 => {
            let n = 1usize << (info - 24);
            let mut v = 0u64;
            for b in &buf[*pos..*pos + n] {
                v = (v << 8) | u64::from(*b);
            }
            *pos += n;
            v
        }
        _ => panic!("not a definite-length item at byte {start}"),
    };
    let head = buf[start..*pos].to_vec();
    let take = |pos: &mut usize| {
        let s = buf[*pos..*pos + arg as usize].to_vec();
        *pos += arg as usize;
        s
    };
    let item = match major {
        0 => Item::Uint(arg),
        1 => Item::Nint(arg),
        2 => Item::Bytes(take(pos)),
        3 => Item::Text(String::from_utf8(take(pos)).expect("UTF-8")),
        4 => Item::Array((0..arg).map(|_| decode(buf, pos)).collect()),
        5 => Item::Map(
            (0..arg)
                .map(|_| {
                    let k = decode(buf, pos);
                    (k, decode(buf, pos))
                })
                .collect(),
        ),
        6 => Item::Tag(arg, Box::new(decode(buf, pos))),
        _ => panic!("unexpected major type {major}"),
    };
    Node { head, item }
}

/// Where an item sits, to name labels and values.
#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Top,
    Sign1(usize),
    Protected,
    Claims,
    Value(i128),
    Other,
}

fn int_of(n: &Node) -> Option<i128> {
    match n.item {
        Item::Uint(v) => Some(i128::from(v)),
        Item::Nint(v) => Some(-1 - i128::from(v)),
        _ => None,
    }
}

fn header_name(label: i128) -> &'static str {
    match label {
        1 => "alg",
        2 => "crit",
        4 => "kid",
        15 => "CWT claims",
        16 => "typ",
        258 => "payload_hash_alg",
        259 => "payload_preimage_content_type",
        -65537 => "artifact length",
        -65538 => "release version",
        _ => "?",
    }
}

fn claim_name(label: i128) -> &'static str {
    match label {
        1 => "iss",
        2 => "sub",
        6 => "iat",
        _ => "?",
    }
}

fn sign1_name(i: usize) -> &'static str {
    ["protected", "unprotected", "payload", "signature"]
        .get(i)
        .copied()
        .unwrap_or("?")
}

/// A comment naming an integer value where it is an algorithm or content format.
fn value_note(ctx: Ctx, v: i128) -> Option<&'static str> {
    match (ctx, v) {
        (Ctx::Value(1), -19) => Some("Ed25519"),
        (Ctx::Value(1), -8) => Some("EdDSA"),
        (Ctx::Value(258), -16) => Some("SHA-256"),
        (Ctx::Value(258), -44) => Some("SHA-512"),
        (Ctx::Value(259), 42) => Some("application/octet-stream"),
        _ => None,
    }
}

/// The column at which annotations start.
const COLUMN: usize = 52;

/// String content in lines of 16 bytes, each with its text as a comment (`text`) or none.
fn hex_wrapped(bytes: &[u8], indent: &str, text: bool, out: &mut String) {
    for line in bytes.chunks(16) {
        let left = format!("{indent}{}", hex::encode(line));
        if text {
            let s = String::from_utf8_lossy(line);
            writeln!(out, "{left:<COLUMN$} # \"{s}\"").unwrap();
        } else {
            writeln!(out, "{left}").unwrap();
        }
    }
}

/// An annotated hex dump in the style of RFC 9052's appendices: one line per head.
fn annotate(n: &Node, ctx: Ctx, depth: usize, out: &mut String) {
    let ind = "   ".repeat(depth);
    let h = hex::encode(&n.head);
    let line = |out: &mut String, text: String, note: &str| {
        let left = format!("{ind}{text}");
        writeln!(out, "{left:<COLUMN$} # {note}").unwrap();
    };
    match &n.item {
        Item::Uint(_) | Item::Nint(_) => {
            let v = int_of(n).unwrap();
            let note = match value_note(ctx, v) {
                Some(name) => format!("{v} ({name})"),
                None => format!("{v}"),
            };
            let label = match ctx {
                Ctx::Protected => format!("label {v}: {}", header_name(v)),
                Ctx::Claims => format!("claim {v}: {}", claim_name(v)),
                _ => note,
            };
            line(out, h, &label);
        }
        Item::Text(s) => {
            line(out, h, &format!("text({})", s.len()));
            hex_wrapped(s.as_bytes(), &format!("{ind}   "), true, out);
        }
        Item::Bytes(b) => {
            line(out, h, &format!("bytes({})", b.len()));
            if ctx == Ctx::Sign1(0) {
                let mut p = 0;
                let inner = decode(b, &mut p);
                let left = format!("{ind}   ");
                writeln!(out, "{left:<COLUMN$} # encoded CBOR data item:").unwrap();
                annotate(&inner, Ctx::Other, depth + 1, out);
            } else {
                hex_wrapped(b, &format!("{ind}   "), false, out);
            }
        }
        Item::Array(items) => {
            let note = if ctx == Ctx::Sign1(usize::MAX) {
                "array(4): COSE_Sign1".to_string()
            } else {
                format!("array({})", items.len())
            };
            line(out, h, &note);
            for (i, it) in items.iter().enumerate() {
                let c = if ctx == Ctx::Sign1(usize::MAX) {
                    Ctx::Sign1(i)
                } else {
                    Ctx::Other
                };
                annotate(it, c, depth + 1, out);
            }
        }
        Item::Map(entries) => {
            let (kctx, note) = match ctx {
                Ctx::Value(15) => (Ctx::Claims, format!("map({}): CWT claims", entries.len())),
                Ctx::Sign1(1) => (Ctx::Other, "map(0): unprotected header".to_string()),
                _ => (Ctx::Protected, format!("map({})", entries.len())),
            };
            line(out, h, &note);
            for (k, v) in entries {
                annotate(k, kctx, depth + 1, out);
                let vctx = match kctx {
                    Ctx::Protected => Ctx::Value(int_of(k).unwrap()),
                    _ => Ctx::Other,
                };
                annotate(v, vctx, depth + 1, out);
            }
        }
        Item::Tag(t, inner) => {
            line(out, h, &format!("tag({t}): COSE_Sign1_Tagged"));
            annotate(inner, Ctx::Sign1(usize::MAX), depth + 1, out);
        }
    }
}

/// CBOR diagnostic notation (RFC 8949 section 8, with RFC 8610 appendix G's `<< >>` and
/// `/ comments /`).
fn diag(n: &Node, ctx: Ctx, depth: usize, out: &mut String) {
    let ind = "  ".repeat(depth);
    match &n.item {
        Item::Uint(_) | Item::Nint(_) => {
            let v = int_of(n).unwrap();
            write!(out, "{v}").unwrap();
            if let Some(note) = value_note(ctx, v) {
                write!(out, " / {note} /").unwrap();
            }
        }
        Item::Text(s) => write!(out, "\"{s}\"").unwrap(),
        Item::Bytes(b) if ctx == Ctx::Sign1(0) => {
            let mut p = 0;
            let inner = decode(b, &mut p);
            out.push_str("<< ");
            diag(&inner, Ctx::Protected, depth, out);
            out.push_str(" >>");
        }
        Item::Bytes(b) => write!(out, "h'{}'", hex::encode(b)).unwrap(),
        Item::Array(items) => {
            out.push_str("[\n");
            for (i, it) in items.iter().enumerate() {
                write!(out, "{ind}  / {} / ", sign1_name(i)).unwrap();
                diag(it, Ctx::Sign1(i), depth + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            write!(out, "{ind}]").unwrap();
        }
        Item::Map(entries) if entries.is_empty() => out.push_str("{}"),
        Item::Map(entries) => {
            out.push_str("{\n");
            for (i, (k, v)) in entries.iter().enumerate() {
                let label = int_of(k).unwrap();
                let (name, vctx) = if ctx == Ctx::Value(15) {
                    (claim_name(label), Ctx::Other)
                } else {
                    (header_name(label), Ctx::Value(label))
                };
                write!(out, "{ind}  / {name} / {label}: ").unwrap();
                diag(v, vctx, depth + 1, out);
                out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
            }
            write!(out, "{ind}}}").unwrap();
        }
        Item::Tag(t, inner) => {
            write!(out, "{t}(").unwrap();
            diag(inner, Ctx::Top, depth, out);
            out.push(')');
        }
    }
}

/// The `Sig_structure` built independently of the library (RFC 9052 section 4.4).
fn to_be_signed(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    fn bstr(out: &mut Vec<u8>, b: &[u8]) {
        let n = b.len();
        match n {
            0..=23 => out.push(0x40 | n as u8),
            24..=255 => out.extend_from_slice(&[0x58, n as u8]),
            _ => {
                out.push(0x59);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
        }
        out.extend_from_slice(b);
    }
    let mut t = vec![0x84, 0x6a];
    t.extend_from_slice(b"Signature1");
    bstr(&mut t, protected);
    bstr(&mut t, &[]);
    bstr(&mut t, payload);
    t
}

fn fenced(out: &mut String, lang: &str, body: &str) {
    writeln!(out, "```{lang}\n{}\n```\n", body.trim_end()).unwrap();
}

fn wrap(h: &str) -> String {
    h.as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

struct Example<'a> {
    title: &'a str,
    issuer: Option<&'a str>,
    subject: &'a str,
    version: Option<u64>,
}

fn example(key: &SigningKey, ex: &Example<'_>, out: &mut String) -> Result<(), Error> {
    let mut hasher = ArtifactHasher::new(HashAlg::Sha256);
    hasher.update(ARTIFACT);
    let digest = hasher.finalize();
    let req = SignRequest {
        alg: SignatureAlg::Ed25519,
        digest,
        length: ARTIFACT.len() as u64,
        content_type: ContentType::OCTET_STREAM,
        subject: ex.subject,
        issuer: ex.issuer,
        issued_at: IAT,
        version: ex.version,
    };
    let mut buf = [0u8; MAX_SIGNED_ENVELOPE_LEN];
    let n = sign(key, &req, &mut buf)?;
    let env = &buf[..n];

    let mut pos = 0;
    let root = decode(env, &mut pos);
    assert_eq!(pos, env.len(), "trailing bytes");
    let Item::Tag(18, sign1) = &root.item else {
        panic!("not tag 18")
    };
    let Item::Array(parts) = &sign1.item else {
        panic!("not an array")
    };
    let (Item::Bytes(protected), Item::Bytes(payload), Item::Bytes(signature)) =
        (&parts[0].item, &parts[2].item, &parts[3].item)
    else {
        panic!("bad COSE_Sign1")
    };
    let tbs = to_be_signed(protected, payload);

    // Independent checks: the signature over our own ToBeSigned, then the library verifier.
    let pk = ed25519_compact::PublicKey::from_slice(key.public_key().as_bytes()).unwrap();
    let sig = ed25519_compact::Signature::from_slice(signature).unwrap();
    pk.verify(&tbs, &sig)
        .expect("signature over the ToBeSigned");
    let mut policy = TrustPolicy::new();
    policy.trust_key(key.public_key())?;
    let verified = verify_slice(env, ARTIFACT, &policy)?;
    assert_eq!(verified.subject(), ex.subject);

    writeln!(out, "#### {}: {n} bytes\n", ex.title).unwrap();
    writeln!(
        out,
        "Envelope ({n} bytes; protected header {} bytes; ToBeSigned {} bytes):\n",
        protected.len(),
        tbs.len()
    )
    .unwrap();
    fenced(out, "text", &wrap(&hex::encode(env)));
    writeln!(out, "Diagnostic notation:\n").unwrap();
    let mut d = String::new();
    diag(&root, Ctx::Top, 0, &mut d);
    fenced(out, "cbor-diag", &d);
    writeln!(out, "Annotated:\n").unwrap();
    let mut a = String::new();
    annotate(&root, Ctx::Top, 0, &mut a);
    fenced(out, "text", &a);
    writeln!(out, "Protected header ({} bytes):\n", protected.len()).unwrap();
    fenced(out, "text", &wrap(&hex::encode(protected)));
    writeln!(
        out,
        "ToBeSigned, the `Sig_structure` the signature covers ({} bytes):\n",
        tbs.len()
    )
    .unwrap();
    fenced(out, "text", &wrap(&hex::encode(&tbs)));
    Ok(())
}

fn generate() -> Result<String, Error> {
    let mut seed = [0u8; 32];
    hex::decode_to_slice(SEED, &mut seed).unwrap();
    let key = SigningKey::from_seed(&seed)?;
    let public = key.public_key();
    let mut text = [0u8; PUBLIC_KEY_TEXT_LEN];

    let mut out = String::new();
    writeln!(out, "Inputs:\n").unwrap();
    let mut hasher = ArtifactHasher::new(HashAlg::Sha256);
    hasher.update(ARTIFACT);
    let digest = hasher.finalize();
    fenced(
        &mut out,
        "text",
        &format!(
            "secret key (seed)  {SEED}\n\
             public key         {}\n\
             public key text    {}\n\
             key id (kid)       {}\n\
             artifact           \"hello, sealkit\\n\" ({} bytes: {})\n\
             SHA-256(artifact)  {}\n\
             iat                {IAT} (2026-01-01T00:00:00Z)",
            hex::encode(public.as_bytes()),
            public.to_text(&mut text),
            public.key_id(),
            ARTIFACT.len(),
            hex::encode(ARTIFACT),
            hex::encode(digest.as_bytes()),
        ),
    );
    example(
        &key,
        &Example {
            title: "Example 1, minimal",
            issuer: None,
            subject: "hello.txt",
            version: None,
        },
        &mut out,
    )?;
    example(
        &key,
        &Example {
            title: "Example 2, typical",
            issuer: Some("release@example.org"),
            subject: "hello-1.4.2-x86_64-unknown-linux-gnu.tar.gz",
            version: Some(10402),
        },
        &mut out,
    )?;

    // The largest envelope the signer can write: every field at its limit.
    let long = "x".repeat(128);
    let media = "y".repeat(64);
    let digest = ArtifactDigest::from_bytes(HashAlg::Sha512, &[0xab; 64])?;
    let req = SignRequest {
        alg: SignatureAlg::Ed25519,
        digest,
        length: u64::MAX,
        content_type: ContentType::MediaType(&media),
        subject: &long,
        issuer: Some(&long),
        issued_at: u64::MAX,
        version: Some(u64::MAX),
    };
    let mut buf = [0u8; MAX_SIGNED_ENVELOPE_LEN];
    let n = sign(&key, &req, &mut buf)?;
    Envelope::parse(&buf[..n])?;
    writeln!(out, "Largest envelope:\n").unwrap();
    fenced(
        &mut out,
        "text",
        &format!(
            "128-byte iss and sub, 64-byte media type, SHA-512, all integers 2^64-1: {n} bytes"
        ),
    );

    writeln!(out, "#### Error codes\n").unwrap();
    let mut t = String::from("| code | name | meaning |\n|---:|---|---|\n");
    for e in Error::ALL {
        writeln!(t, "| {} | `{}` | {} |", e.code(), e.name(), e.message()).unwrap();
    }
    // A table, not a fenced block: the check below compares it line by line.
    out.push_str(&t);
    Ok(out)
}

fn main() {
    let out = generate().expect("generating the examples");
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [] => print!("{out}"),
        [flag, path] if flag == "--check" => {
            let doc = std::fs::read_to_string(path).expect("reading the document");
            let mut missing = 0;
            let blocks = out.split("```").skip(1).step_by(2);
            let rows = out.lines().filter(|l| l.starts_with("| "));
            for piece in blocks.map(str::to_string).chain(rows.map(str::to_string)) {
                if !doc.contains(&piece) {
                    missing += 1;
                    eprintln!("missing from {path}:\n{piece}\n");
                }
            }
            if missing > 0 {
                eprintln!("{missing} generated pieces are missing or stale in {path}");
                std::process::exit(1);
            }
        }
        _ => {
            eprintln!("usage: format_example [--check FILE]");
            std::process::exit(2);
        }
    }
}
