//! `sealkit seal`: write a sealed stream, the header and the signature envelope followed by the
//! file's bytes (format: "Sealed streams" in `docs/FORMAT.md`).

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::{Path, PathBuf};

use clap::Args;
use sealkit::{sealed_header, ArtifactHasher, ContentType, SEALED_HEADER_LEN};

use super::sign::{check_claims, issued_at, load_key, sign_input, AlgArg, Claims, HashArg};
use crate::error::{CliError, CliResult};
use crate::output::{hex, size};
use crate::progress::Progress;
use crate::read::{self, base_name, is_stdin, with_suffix, Input, StreamError};

/// Arguments of `sealkit seal`.
#[derive(Debug, Args)]
pub struct SealArgs {
    /// The file to seal (a regular file: it is read twice, to sign and then to copy).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The secret key file (NAME.key).
    #[arg(short = 'k', long, value_name = "NAME.key")]
    pub key: PathBuf,

    /// Where to write the sealed stream [default: FILE.sealed].
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// Signer identity to state in the envelope (`iss`), e.g. an e-mail address.
    #[arg(long, value_name = "ID")]
    pub identity: Option<String>,

    /// Artifact name to state (`sub`) [default: FILE's base name].
    #[arg(long, value_name = "NAME")]
    pub subject: Option<String>,

    /// Release version for anti-rollback checks (unseal --min-version).
    #[arg(long = "version", value_name = "N")]
    pub release_version: Option<u64>,

    /// Hash algorithm for the artifact.
    #[arg(long, value_enum, default_value_t = HashArg::Sha256)]
    pub hash: HashArg,

    /// COSE algorithm identifier to write (both are Ed25519).
    #[arg(long, value_enum, default_value_t = AlgArg::Ed25519)]
    pub cose_alg: AlgArg,

    /// Media type of the artifact.
    #[arg(long, value_name = "MEDIA", default_value = "application/octet-stream")]
    pub content_type: String,

    /// Signing time in seconds since the Unix epoch [default: $SOURCE_DATE_EPOCH, else now].
    #[arg(long, value_name = "SECONDS")]
    pub issued_at: Option<u64>,

    /// Read the key's passphrase from the first line of FILE instead of prompting.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
}

/// The directory a temporary file for `path` goes in (so that the rename stays on one file
/// system).
pub fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Runs `seal`.
pub fn run(args: &SealArgs) -> CliResult<()> {
    if is_stdin(&args.file) {
        return Err(CliError::Usage(
            "seal needs a file, not standard input: it reads the file twice (sign, then copy)"
                .into(),
        ));
    }
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| with_suffix(&args.file, ".sealed"));
    if is_stdin(&output) {
        return Err(CliError::Usage(
            "the sealed stream must be written to a file (-o OUT)".into(),
        ));
    }
    let subject = match &args.subject {
        Some(s) => s.clone(),
        None => base_name(&args.file).ok_or_else(|| {
            CliError::Usage(format!(
                "{} has no UTF-8 file name to use as the subject; use --subject",
                args.file.display()
            ))
        })?,
    };
    let claims = Claims {
        alg: args.cose_alg.alg(),
        hash: args.hash.alg(),
        content_type: ContentType::from_media_type(&args.content_type),
        subject: &subject,
        issuer: args.identity.as_deref(),
        issued_at: issued_at(args.issued_at)?,
        version: args.release_version,
    };
    check_claims(&claims)?;
    let key = load_key(&args.key, args.passphrase_file.as_deref())?;

    // First pass: hash and sign.
    let input = Input::open(&args.file)?;
    let name = input.name().to_string();
    let progress = Progress::new(input.size(), true, "signing");
    let signed = sign_input(input, &key, &claims, &progress)?;
    let header = sealed_header(signed.envelope.len()).map_err(|error| CliError::BadArgument {
        error,
        context: "cannot seal".into(),
    })?;

    // Second pass: copy into a temporary file next to OUT, hashing again so that a file that
    // changed between the passes is never sealed under the first pass's signature.
    let dir = parent_dir(&output);
    let tmp = tempfile::Builder::new()
        .prefix(".sealkit-seal-")
        .tempfile_in(dir)
        .map_err(|e| CliError::write(&output, e))?;
    let file: &File = tmp.as_file();
    let mut w = BufWriter::with_capacity(read::BUFFER_SIZE, file);
    w.write_all(&header)
        .and_then(|()| w.write_all(&signed.envelope))
        .map_err(|e| CliError::write(&output, e))?;
    let mut hasher = ArtifactHasher::new(claims.hash);
    let input = Input::open(&args.file)?;
    let progress = Progress::new(input.size(), true, "sealing");
    let copied = read::stream(input, |chunk| {
        hasher.update(chunk);
        progress.inc(chunk.len() as u64);
        w.write_all(chunk)
    });
    progress.finish();
    match copied {
        Ok(n) if n == signed.length => {}
        Ok(_) => return Err(changed(&name)),
        Err(StreamError::Read(e)) => return Err(CliError::io(format!("cannot read {name}"), e)),
        Err(StreamError::Consumer(e)) => return Err(CliError::write(&output, e)),
    }
    if hex(hasher.finalize().as_bytes()) != signed.digest_hex {
        return Err(changed(&name));
    }
    w.flush().map_err(|e| CliError::write(&output, e))?;
    drop(w);
    file.sync_all().map_err(|e| CliError::write(&output, e))?;
    tmp.persist(&output)
        .map_err(|e| CliError::write(&output, e.error))?;

    outln!("Sealed {name}");
    outln!("  sealed:     {}", output.display());
    outln!("  key id:     {}", key.public_key().key_id());
    outln!("  subject:    {subject}");
    if let Some(id) = claims.issuer {
        outln!("  identity:   {id}");
    }
    if let Some(v) = claims.version {
        outln!("  version:    {v}");
    }
    outln!("  length:     {}", size(signed.length));
    outln!("  digest:     {}:{}", claims.hash.name(), signed.digest_hex);
    outln!(
        "  overhead:   {} bytes (header {SEALED_HEADER_LEN}, envelope {})",
        SEALED_HEADER_LEN + signed.envelope.len(),
        signed.envelope.len()
    );
    Ok(())
}

fn changed(name: &str) -> CliError {
    CliError::Usage(format!(
        "{name} changed while it was being sealed; nothing was written"
    ))
}
