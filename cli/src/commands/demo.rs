//! `sealkit demo`: the whole job end to end in a temporary directory, with the two attacks a
//! verifier must catch.

use std::fs;
use std::path::Path;
use std::process::ExitCode;

use sealkit::{ContentType, Error, HashAlg, SignatureAlg};

use crate::commands::sign::{sign_input, Claims};
use crate::commands::verify::{build_policy, verify_input};
use crate::error::{CliError, CliResult};
use crate::keyfile::{self, Protection};
use crate::output::{size, verified_lines};
use crate::progress::Progress;
use crate::read::Input;

/// Size of the sample artifact.
const ARTIFACT_LEN: usize = 4 << 20;

/// Deterministic sample bytes (xorshift), so every run signs the same artifact.
fn sample(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

fn write(path: &Path, bytes: &[u8]) -> CliResult<()> {
    fs::write(path, bytes).map_err(|e| CliError::write(path, e))
}

/// Verifies `file` against `sig` and says whether the verdict was `expected`.
fn attempt(
    step: &str,
    file: &Path,
    envelope: &[u8],
    policy: &sealkit::TrustPolicy,
    expected: Error,
) -> CliResult<bool> {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let context = format!("{name} with signature release.bin.sig");
    match verify_input(envelope, Input::open(file)?, policy, &context, false) {
        Ok(_) => {
            outln!(
                "{step}: ACCEPTED, which is WRONG (expected {})",
                expected.name()
            );
            Ok(false)
        }
        Err(e) if e.core() == Some(expected) => {
            outln!("{step}: rejected, as it must be");
            outln!("     {e}");
            Ok(true)
        }
        Err(e) => {
            outln!(
                "{step}: rejected for the WRONG reason (expected {})",
                expected.name()
            );
            outln!("     {e}");
            Ok(false)
        }
    }
}

fn demo() -> CliResult<bool> {
    let dir = tempfile::Builder::new()
        .prefix("sealkit-demo-")
        .tempdir()
        .map_err(|e| CliError::io("cannot create a temporary directory", e))?;
    let root = dir.path();
    outln!("sealkit demo, working in {}", root.display());
    outln!();

    // 1. Keys. Unencrypted because this throwaway key lives only in the temporary directory.
    let key = keyfile::generate()?;
    let secret_path = root.join("demo.key");
    let public_path = root.join("demo.pub");
    let secret = keyfile::encode_secret(&key, &Protection::Unencrypted)?;
    keyfile::write_new_file(&secret_path, secret.as_bytes(), 0o600, false)?;
    let public_text = keyfile::encode_public(&key.public_key());
    keyfile::write_new_file(&public_path, public_text.as_bytes(), 0o644, false)?;
    // Load both back the way `sign` and `verify` do.
    let key = keyfile::load_signing_key(&secret_path, || {
        Err(CliError::Usage("the demo key has no passphrase".into()))
    })?;
    outln!("1. Generated a key pair (the secret key file has mode 0600)");
    outln!(
        "     demo.key, demo.pub, key id {}",
        key.public_key().key_id()
    );

    // 2. The artifact.
    let artifact = root.join("release.bin");
    let bytes = sample(ARTIFACT_LEN);
    write(&artifact, &bytes)?;
    outln!("2. Created release.bin: {}", size(ARTIFACT_LEN as u64));

    // 3. Sign.
    let claims = Claims {
        alg: SignatureAlg::Ed25519,
        hash: HashAlg::Sha256,
        content_type: ContentType::OCTET_STREAM,
        subject: "release.bin",
        issuer: Some("release-bot@example.com"),
        issued_at: super::sign::issued_at(None)?,
        version: Some(7),
    };
    let signed = sign_input(
        Input::open(&artifact)?,
        &key,
        &claims,
        &Progress::new(None, false, ""),
    )?;
    let sig_path = root.join("release.bin.sig");
    write(&sig_path, &signed.envelope)?;
    outln!(
        "3. Signed it: release.bin.sig, {} bytes (identity {}, version 7, sha256)",
        signed.envelope.len(),
        claims.issuer.unwrap_or("")
    );

    // 4. Verify.
    let public_arg = public_path.display().to_string();
    let policy = build_policy(
        &[public_arg],
        Some("release-bot@example.com"),
        Some("release.bin"),
        Some(7),
    )?;
    let mut ok = true;
    match verify_input(
        &signed.envelope,
        Input::open(&artifact)?,
        &policy,
        "release.bin with signature release.bin.sig",
        false,
    ) {
        Ok(v) => {
            outln!("4. Verified release.bin with demo.pub, requiring identity, subject and version >= 7:");
            out!("{}", verified_lines(&v, "     "));
        }
        Err(e) => {
            outln!("4. Verification of the untouched file FAILED: {e}");
            ok = false;
        }
    }

    // 5. One byte changed in the middle.
    let tampered = root.join("tampered.bin");
    let mut changed = bytes.clone();
    let offset = ARTIFACT_LEN / 2;
    if let Some(b) = changed.get_mut(offset) {
        *b ^= 0x01;
    }
    write(&tampered, &changed)?;
    outln!("5. Changed one bit of byte {offset} (tampered.bin)");
    ok &= attempt(
        "   verify tampered.bin",
        &tampered,
        &signed.envelope,
        &policy,
        Error::DigestMismatch,
    )?;

    // 6. One byte appended.
    let appended = root.join("appended.bin");
    let mut longer = bytes;
    longer.push(0);
    write(&appended, &longer)?;
    outln!("6. Appended one byte (appended.bin)");
    ok &= attempt(
        "   verify appended.bin",
        &appended,
        &signed.envelope,
        &policy,
        Error::ArtifactTooLong,
    )?;

    outln!();
    Ok(ok)
}

/// Runs `demo`: exit 0 only if every outcome was the expected one.
pub fn run() -> CliResult<ExitCode> {
    if demo()? {
        outln!("All outcomes as expected: the genuine file verified, both altered copies were rejected.");
        Ok(ExitCode::SUCCESS)
    } else {
        outln!("UNEXPECTED OUTCOME: see above.");
        Ok(ExitCode::from(crate::error::EXIT_REJECTED))
    }
}
