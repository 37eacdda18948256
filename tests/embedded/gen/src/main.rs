//! Writes the fixtures of the emulated Cortex-M firmware into `tests/embedded/fixtures/`, or
//! with `--check` exits 1 if a committed fixture differs from what this program generates.
//!
//! Everything is deterministic: a fixed key seed, deterministic Ed25519, a fixed timestamp and a
//! pseudo-random artifact from a fixed xorshift seed, so the committed files can be checked.
//!
//! ```sh
//! cargo run --manifest-path tests/embedded/Cargo.toml -p sealkit-embedded-gen            # write
//! cargo run --manifest-path tests/embedded/Cargo.toml -p sealkit-embedded-gen -- --check # check
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sealkit::{
    attach_receipt, compare_paths, encode_chain, encode_tree_entry, encode_tree_manifest_head,
    encode_tree_signature_head, encode_tree_signature_manifest_head, envelope_digest,
    issue_certificate, sealed_header, sign, sign_timestamp, sign_with, symlink_leaves_tree,
    ArtifactHasher, CertRequest, ContentType, EntryKind, HashAlg, SignOptions, SignRequest,
    SignatureAlg, SigningKey, TreeEntry, TreeManifest, COAP_OCTET_STREAM, MAX_CERT_LEN,
    MAX_CHAINED_ENVELOPE_LEN, MAX_ENCODED_CHAIN_LEN, MAX_ENVELOPE_LEN, MAX_RECEIPT_LEN,
    MAX_SIGNED_ENVELOPE_LEN, PUBLIC_KEY_TEXT_LEN, TREE_MEDIA_TYPE,
};

/// The fixture key's seed (32 ASCII bytes). A test key: never use it for anything else.
const SEED: &[u8; 32] = b"sealkit-embedded-fixture-seed-01";
/// The seed of a key the firmware must not trust for the artifact.
const OTHER_SEED: &[u8; 32] = b"sealkit-embedded-fixture-seed-02";
/// The size of the artifact linked into flash.
const ARTIFACT_LEN: usize = 64 * 1024;
/// 2026-01-01T00:00:00Z.
const ISSUED_AT: u64 = 1_767_225_600;
const ISSUER: &str = "firmware@vendor.example";
const SUBJECT: &str = "firmware.bin";
const VERSION: u64 = 7;

// The certificate chain (root -> intermediate -> signing key). Test keys, fixed times.
/// The root's seed: a policy trusts its public key (`root-key.raw`) as a root.
const ROOT_SEED: &[u8; 32] = b"sealkit-embedded-fixture-root-03";
/// The intermediate's seed: certified by the root with `ca` 1.
const INTERMEDIATE_SEED: &[u8; 32] = b"sealkit-embedded-fixture-midl-04";
/// The signing (leaf) key's seed: certified by the intermediate, signs the chained envelope.
const LEAF_SEED: &[u8; 32] = b"sealkit-embedded-fixture-leaf-05";
/// The root's name: the intermediate certificate's `iss`.
const ROOT_NAME: &str = "root@vendor.example";
/// The intermediate certificate's `sub` (the leaf certificate's `iss`).
const INTERMEDIATE_NAME: &str = "ci-intermediate@vendor.example";
/// The leaf certificate's `sub`: the identity the verifier reports (and the envelope's `iss`).
const LEAF_NAME: &str = "release-signer@vendor.example";
/// 2025-01-01T00:00:00Z to 2030-01-01T00:00:00Z: the intermediate's validity.
const INTERMEDIATE_NOT_BEFORE: u64 = 1_735_689_600;
const INTERMEDIATE_EXPIRES: u64 = 1_893_456_000;
/// 2025-06-01T00:00:00Z to 2027-01-01T00:00:00Z: the leaf's validity (inside the intermediate's,
/// around ISSUED_AT).
const LEAF_NOT_BEFORE: u64 = 1_748_736_000;
const LEAF_EXPIRES: u64 = 1_798_761_600;

// Keyless signing: a keyless issuer's root certifies an ephemeral key for ten minutes, the
// ephemeral key signs, a timestamp authority (TSA) vouches for the envelope's time. Test keys,
// fixed times.
/// The keyless issuer's seed: a policy trusts its public key (`keyless-issuer-key.raw`) as a
/// root named [`KEYLESS_ISSUER_NAME`].
const KEYLESS_ISSUER_SEED: &[u8; 32] = b"sealkit-embedded-fixture-kiss-06";
/// The ephemeral key's seed (a keyless signer drops it after signing).
const EPHEMERAL_SEED: &[u8; 32] = b"sealkit-embedded-fixture-ephm-07";
/// The trusted timestamp authority's seed (`tsa-key.raw`).
const TSA_SEED: &[u8; 32] = b"sealkit-embedded-fixture-tsa1-08";
/// A timestamp key no policy trusts: it signs the receipt of `artifact.keyless-rogue.sig`.
const ROGUE_TSA_SEED: &[u8; 32] = b"sealkit-embedded-fixture-tsa2-09";
/// The keyless issuer's name: the leaf certificate's `iss`.
const KEYLESS_ISSUER_NAME: &str = "keyless-issuer.vendor.example";
/// The identity the issuer's mapping rule gave the release workflow: the certificate's `sub`.
const KEYLESS_IDENTITY: &str =
    "https://github.com/vendor/app/.github/workflows/release.yml@refs/tags/v7";
/// The certificate's validity: ten minutes from 2026-01-01T00:00:00Z.
const KEYLESS_NOT_BEFORE: u64 = ISSUED_AT;
const KEYLESS_EXPIRES: u64 = KEYLESS_NOT_BEFORE + 600;
/// When the ephemeral key signs (the envelope's `iat`) and when the TSA sees the envelope.
const KEYLESS_SIGNED_AT: u64 = KEYLESS_NOT_BEFORE + 30;
const RECEIPT_TIME: u64 = KEYLESS_NOT_BEFORE + 42;

/// Deterministic pseudo-random bytes (xorshift32), so the artifact is not trivially compressible.
fn pseudo_random(len: usize, mut state: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(len);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn digest(alg: HashAlg, bytes: &[u8]) -> sealkit::ArtifactDigest {
    let mut h = ArtifactHasher::new(alg);
    h.update(bytes);
    h.finalize()
}

fn envelope(
    key: &SigningKey,
    alg: HashAlg,
    bytes: &[u8],
    content_type: ContentType<'_>,
    subject: &str,
) -> Result<Vec<u8>, sealkit::Error> {
    let req = SignRequest {
        alg: SignatureAlg::Ed25519,
        digest: digest(alg, bytes),
        length: bytes.len() as u64,
        content_type,
        subject,
        issuer: Some(ISSUER),
        issued_at: ISSUED_AT,
        version: Some(VERSION),
    };
    let mut out = [0u8; MAX_SIGNED_ENVELOPE_LEN];
    let n = sign(key, &req, &mut out)?;
    Ok(out.get(..n).unwrap_or_default().to_vec())
}

/// One certificate (`ca` given for a certifier, `None` for a leaf).
fn certificate(
    issuer: &SigningKey,
    issuer_name: &str,
    subject: &SigningKey,
    subject_name: &str,
    validity: (u64, u64),
    cti: &[u8],
    ca: Option<u8>,
) -> Result<Vec<u8>, String> {
    let req = CertRequest {
        alg: SignatureAlg::Ed25519,
        issuer: issuer_name,
        subject: subject_name,
        key: subject.public_key(),
        not_before: validity.0,
        expires_at: validity.1,
        cti,
        scope: &[],
        ca,
    };
    let mut out = [0u8; MAX_CERT_LEN];
    let n = issue_certificate(issuer, &req, &mut out)
        .map_err(|e| format!("certificate {subject_name}: {e}"))?;
    Ok(out.get(..n).unwrap_or_default().to_vec())
}

/// The artifact's SHA-256 envelope signed by the leaf key, carrying the 2-link chain
/// (leaf certificate, intermediate certificate) in its `kcwt` header.
fn chained_envelope(
    root: &SigningKey,
    intermediate: &SigningKey,
    leaf: &SigningKey,
    artifact: &[u8],
) -> Result<Vec<u8>, String> {
    let mid_cert = certificate(
        root,
        ROOT_NAME,
        intermediate,
        INTERMEDIATE_NAME,
        (INTERMEDIATE_NOT_BEFORE, INTERMEDIATE_EXPIRES),
        b"intermediate-1",
        Some(1),
    )?;
    let leaf_cert = certificate(
        intermediate,
        INTERMEDIATE_NAME,
        leaf,
        LEAF_NAME,
        (LEAF_NOT_BEFORE, LEAF_EXPIRES),
        b"leaf-1",
        None,
    )?;
    let mut chain = vec![0u8; MAX_ENCODED_CHAIN_LEN];
    let n =
        encode_chain(&[&leaf_cert, &mid_cert], &mut chain).map_err(|e| format!("chain: {e}"))?;
    chain.truncate(n);
    let req = SignRequest {
        alg: SignatureAlg::Ed25519,
        digest: digest(HashAlg::Sha256, artifact),
        length: artifact.len() as u64,
        content_type: ContentType::CoapFormat(COAP_OCTET_STREAM),
        subject: SUBJECT,
        issuer: Some(LEAF_NAME),
        issued_at: ISSUED_AT,
        version: Some(VERSION),
    };
    let opts = SignOptions {
        chain: Some(&chain),
        expires_at: None,
    };
    let mut out = vec![0u8; MAX_CHAINED_ENVELOPE_LEN];
    let n = sign_with(leaf, &req, &opts, &mut out).map_err(|e| format!("signing: {e}"))?;
    out.truncate(n);
    Ok(out)
}

/// The keyless envelopes of the artifact, all signed by the ephemeral key with its one-link
/// chain (the leaf certificate from the keyless issuer's root): (with the trusted TSA's
/// receipt, without a receipt, with a receipt by an untrusted timestamp key).
fn keyless_envelopes(artifact: &[u8]) -> Result<[Vec<u8>; 3], String> {
    let key = |seed| SigningKey::from_seed(seed).map_err(|e| format!("key: {e}"));
    let (issuer, ephemeral) = (key(KEYLESS_ISSUER_SEED)?, key(EPHEMERAL_SEED)?);
    let leaf_cert = certificate(
        &issuer,
        KEYLESS_ISSUER_NAME,
        &ephemeral,
        KEYLESS_IDENTITY,
        (KEYLESS_NOT_BEFORE, KEYLESS_EXPIRES),
        b"keyless-1",
        None,
    )?;
    let mut chain = vec![0u8; MAX_ENCODED_CHAIN_LEN];
    let n = encode_chain(&[&leaf_cert], &mut chain).map_err(|e| format!("chain: {e}"))?;
    chain.truncate(n);
    let req = SignRequest {
        alg: SignatureAlg::Ed25519,
        digest: digest(HashAlg::Sha256, artifact),
        length: artifact.len() as u64,
        content_type: ContentType::CoapFormat(COAP_OCTET_STREAM),
        subject: SUBJECT,
        issuer: Some(KEYLESS_IDENTITY),
        issued_at: KEYLESS_SIGNED_AT,
        version: Some(VERSION),
    };
    let opts = SignOptions {
        chain: Some(&chain),
        expires_at: None,
    };
    let mut bare = vec![0u8; MAX_CHAINED_ENVELOPE_LEN];
    let n = sign_with(&ephemeral, &req, &opts, &mut bare).map_err(|e| format!("signing: {e}"))?;
    bare.truncate(n);
    let env_digest = envelope_digest(&bare).map_err(|e| format!("envelope digest: {e}"))?;
    let stamped = |tsa_seed| -> Result<Vec<u8>, String> {
        let mut receipt = [0u8; MAX_RECEIPT_LEN];
        let n = sign_timestamp(&key(tsa_seed)?, &env_digest, RECEIPT_TIME, &mut receipt)
            .map_err(|e| format!("timestamp: {e}"))?;
        let mut out = vec![0u8; MAX_ENVELOPE_LEN];
        let n = attach_receipt(&bare, receipt.get(..n).unwrap_or_default(), &mut out)
            .map_err(|e| format!("attaching the receipt: {e}"))?;
        out.truncate(n);
        Ok(out)
    };
    Ok([stamped(TSA_SEED)?, bare.clone(), stamped(ROGUE_TSA_SEED)?])
}

/// One entry of the bundle, as the generator describes it.
enum Node {
    Dir,
    File { executable: bool, bytes: Vec<u8> },
    Symlink(&'static str),
}

/// The small multi-file bundle (a firmware update of several files).
fn bundle() -> Vec<(&'static str, Node)> {
    let mut nodes = vec![
        ("bin", Node::Dir),
        (
            "bin/app",
            Node::File {
                executable: true,
                bytes: pseudo_random(3000, 0x0b1e_55ed),
            },
        ),
        (
            "config.toml",
            Node::File {
                executable: false,
                bytes: b"[update]\nchannel = \"stable\"\nslot = \"b\"\n".to_vec(),
            },
        ),
        ("current", Node::Symlink("bin/app")),
        ("lib", Node::Dir),
        (
            "lib/libfoo.so",
            Node::File {
                executable: false,
                bytes: pseudo_random(1500, 0x00c0_ffee),
            },
        ),
        (
            "lib/empty.dat",
            Node::File {
                executable: false,
                bytes: Vec::new(),
            },
        ),
    ];
    nodes.sort_by(|a, b| compare_paths(a.0, b.0));
    nodes
}

fn tree_signature(key: &SigningKey, nodes: &[(&str, Node)]) -> Result<Vec<u8>, String> {
    let mut manifest = Vec::new();
    let mut sink = |b: &[u8]| manifest.extend_from_slice(b);
    encode_tree_manifest_head(core::iter::empty(), nodes.len() as u64, &mut sink);
    for (path, node) in nodes {
        let kind = match node {
            Node::Dir => EntryKind::Directory,
            Node::File { executable, bytes } => EntryKind::File {
                executable: *executable,
                size: bytes.len() as u64,
                sha256: digest(HashAlg::Sha256, bytes)
                    .as_bytes()
                    .try_into()
                    .map_err(|_| "a SHA-256 digest is not 32 bytes".to_string())?,
            },
            Node::Symlink(target) => EntryKind::Symlink {
                target,
                outside: symlink_leaves_tree(path, target),
            },
        };
        encode_tree_entry(&TreeEntry { path, kind }, &mut sink);
    }
    TreeManifest::parse(&manifest).map_err(|e| format!("bundle manifest: {e}"))?;
    let env = envelope(
        key,
        HashAlg::Sha256,
        &manifest,
        ContentType::MediaType(TREE_MEDIA_TYPE),
        "bundle",
    )
    .map_err(|e| format!("signing the bundle: {e}"))?;
    let mut file = Vec::new();
    let mut sink = |b: &[u8]| file.extend_from_slice(b);
    encode_tree_signature_head(env.len(), &mut sink);
    sink(&env);
    encode_tree_signature_manifest_head(manifest.len(), &mut sink);
    sink(&manifest);
    Ok(file)
}

/// The 32 raw bytes of a key's public half (decoded from its text form, the only accessor).
fn raw_key(key: &SigningKey) -> Result<Vec<u8>, String> {
    let mut text = [0u8; PUBLIC_KEY_TEXT_LEN];
    let text = key.public_key().to_text(&mut text).to_string();
    let b64 = text
        .strip_prefix(sealkit::PUBLIC_KEY_TEXT_PREFIX)
        .ok_or("key text without its prefix")?;
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut nbits = 0;
    let mut out = Vec::new();
    for c in b64.bytes().filter(|&c| c != b'=') {
        let v = ALPHABET
            .iter()
            .position(|&a| a == c)
            .ok_or("key text is not base64")?;
        bits = (bits << 6) | v as u32;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
        }
    }
    if out.len() != 32 || sealkit::PublicKey::from_bytes(&out) != Ok(key.public_key()) {
        return Err("the key's raw bytes do not round-trip".into());
    }
    Ok(out)
}

/// Every fixture: its path under `fixtures/` and its bytes.
fn fixtures() -> Result<Vec<(String, Vec<u8>)>, String> {
    let key = SigningKey::from_seed(SEED).map_err(|e| format!("key: {e}"))?;
    let mut text = [0u8; PUBLIC_KEY_TEXT_LEN];
    let key_text = key.public_key().to_text(&mut text).to_string();

    let artifact = pseudo_random(ARTIFACT_LEN, 0x5ea1_c0de);
    let octets = ContentType::CoapFormat(COAP_OCTET_STREAM);
    let sig256 = envelope(&key, HashAlg::Sha256, &artifact, octets, SUBJECT)
        .map_err(|e| format!("signing: {e}"))?;
    let sig512 = envelope(&key, HashAlg::Sha512, &artifact, octets, SUBJECT)
        .map_err(|e| format!("signing: {e}"))?;

    let mut sealed = sealed_header(sig256.len())
        .map_err(|e| format!("sealed header: {e}"))?
        .to_vec();
    sealed.extend_from_slice(&sig256);
    sealed.extend_from_slice(&artifact);

    // A second key that signs nothing here: a policy trusting only it must refuse the artifact.
    let other = SigningKey::from_seed(OTHER_SEED).map_err(|e| format!("key: {e}"))?;

    // The certificate chain: root -> intermediate (ca 1) -> leaf, which signs the artifact.
    let chain_key = |seed| SigningKey::from_seed(seed).map_err(|e| format!("key: {e}"));
    let (root, intermediate, leaf) = (
        chain_key(ROOT_SEED)?,
        chain_key(INTERMEDIATE_SEED)?,
        chain_key(LEAF_SEED)?,
    );
    let sig_chain = chained_envelope(&root, &intermediate, &leaf, &artifact)?;

    let [keyless, keyless_bare, keyless_rogue] = keyless_envelopes(&artifact)?;
    let keyless_issuer = chain_key(KEYLESS_ISSUER_SEED)?;
    let tsa = chain_key(TSA_SEED)?;

    let nodes = bundle();
    let mut out = vec![
        ("artifact.keyless.sig".to_string(), keyless),
        ("artifact.keyless-bare.sig".to_string(), keyless_bare),
        ("artifact.keyless-rogue.sig".to_string(), keyless_rogue),
        (
            "keyless-issuer-key.raw".to_string(),
            raw_key(&keyless_issuer)?,
        ),
        ("tsa-key.raw".to_string(), raw_key(&tsa)?),
        ("key.pub".to_string(), format!("{key_text}\n").into_bytes()),
        ("key.raw".to_string(), raw_key(&key)?),
        ("other-key.raw".to_string(), raw_key(&other)?),
        ("artifact.bin".to_string(), artifact),
        ("artifact.sha256.sig".to_string(), sig256),
        ("artifact.sha512.sig".to_string(), sig512),
        ("artifact.sealed".to_string(), sealed),
        ("artifact.chain.sig".to_string(), sig_chain),
        ("root-key.raw".to_string(), raw_key(&root)?),
        ("intermediate-key.raw".to_string(), raw_key(&intermediate)?),
        ("bundle.treesig".to_string(), tree_signature(&key, &nodes)?),
    ];
    for (path, node) in nodes {
        if let Node::File { bytes, .. } = node {
            out.push((format!("bundle/{path}"), bytes));
        }
    }
    Ok(out)
}

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

fn main() -> ExitCode {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => {
            eprintln!("usage: sealkit-embedded-gen [--check] (unknown argument {other:?})");
            return ExitCode::from(2);
        }
    };
    let fixtures = match fixtures() {
        Ok(f) => f,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let dir = fixtures_dir();
    let mut stale = 0;
    for (name, bytes) in &fixtures {
        let path = dir.join(name);
        if check {
            if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
                eprintln!("stale: tests/embedded/fixtures/{name}");
                stale += 1;
            }
            continue;
        }
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| std::fs::write(&path, bytes));
        if let Err(e) = written {
            eprintln!("error: writing {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    if stale > 0 {
        eprintln!(
            "{stale} fixture(s) differ from the generator: run \
             `cargo run --manifest-path tests/embedded/Cargo.toml -p sealkit-embedded-gen`"
        );
        return ExitCode::from(1);
    }
    println!(
        "{} {} fixtures",
        if check { "checked" } else { "wrote" },
        fixtures.len()
    );
    ExitCode::SUCCESS
}
