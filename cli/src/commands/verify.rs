//! `sealkit verify`: check a file against its signature envelope and a set of trusted keys.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use sealkit::{Envelope, Error, StreamVerifier, TrustPolicy, Verified};
use serde_json::{json, Value};

use crate::error::{CliError, CliResult};
use crate::keyfile;
use crate::output::{verified_json, verified_lines};
use crate::progress::Progress;
use crate::read::{self, is_stdin, with_suffix, Input, StreamError};

/// Arguments of `sealkit verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The file to verify, or `-` for standard input.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The signature envelope [default: FILE.sig; required when FILE is `-`].
    #[arg(short = 's', long, value_name = "SIG")]
    pub sig: Option<PathBuf>,

    /// A trusted public key: a NAME.pub file or the text `sealkit-ed25519:...`. Repeat for
    /// several keys (up to 8).
    #[arg(
        short = 'k',
        long = "key",
        value_name = "PUB",
        required_unless_present = "policy",
        conflicts_with = "policy"
    )]
    pub keys: Vec<String>,

    /// Require this signer identity (`iss`).
    #[arg(long, value_name = "ID")]
    pub identity: Option<String>,

    /// Require this artifact name (`sub`).
    #[arg(long, value_name = "NAME")]
    pub subject: Option<String>,

    /// Require a release version of at least N (anti-rollback).
    #[arg(long, value_name = "N")]
    pub min_version: Option<u64>,

    /// Print one JSON object on standard output instead of text.
    #[arg(long)]
    pub json: bool,

    /// For an image index: verify the signature of this platform's manifest
    /// (`OS/ARCH[/VARIANT]`) instead of the index's.
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,

    /// A trust policy instead of --key: a trust file (.toml) or a compiled policy (.cbor).
    #[arg(long, value_name = "trust.toml|trust.cbor", conflicts_with_all = ["identity", "subject"])]
    pub policy: Option<PathBuf>,

    /// A rotation statement to follow before verifying (needs --policy). Repeat, in order.
    #[arg(long, value_name = "FILE", requires = "policy")]
    pub rotation: Vec<PathBuf>,

    /// The current time for expiry and validity checks, in seconds since the Unix epoch
    /// [default: the system clock].
    #[arg(long, value_name = "EPOCH", conflicts_with = "no_clock")]
    pub now: Option<u64>,

    /// Skip expiry and validity checks (for a device without a clock); the output says so.
    #[arg(long)]
    pub no_clock: bool,
}

/// Reads an envelope file; anything over the core's limit is cut at one byte past it, which
/// the parser then rejects as too large.
pub fn read_envelope(path: &Path) -> CliResult<Vec<u8>> {
    let mut buf = Vec::with_capacity(512);
    // Up to a signature set's size: a single envelope over its own limit is refused by the core.
    let limit = sealkit::MAX_SIGNATURE_SET_LEN as u64 + 1;
    let result = if is_stdin(path) {
        std::io::stdin().take(limit).read_to_end(&mut buf)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit).read_to_end(&mut buf))
    };
    result.map_err(|e| CliError::read(path, e))?;
    Ok(buf)
}

/// The trust policy from the command line.
pub fn build_policy(
    keys: &[String],
    identity: Option<&str>,
    subject: Option<&str>,
    min_version: Option<u64>,
) -> CliResult<TrustPolicy> {
    let mut policy = TrustPolicy::new();
    for arg in keys {
        let key = keyfile::load_public_key(arg)?;
        // The same key given twice is harmless; trust it once.
        if policy.keys().iter().any(|k| k.public_key() == &key) {
            continue;
        }
        policy
            .trust_key(key)
            .map_err(|error| CliError::BadArgument {
                error,
                context: format!("--key {arg}"),
            })?;
    }
    if let Some(id) = identity {
        policy
            .require_identity(id)
            .map_err(|error| CliError::BadArgument {
                error,
                context: "--identity".into(),
            })?;
    }
    if let Some(s) = subject {
        policy
            .require_subject(s)
            .map_err(|error| CliError::BadArgument {
                error,
                context: "--subject".into(),
            })?;
    }
    if let Some(v) = min_version {
        policy.require_min_version(v);
    }
    Ok(policy)
}

fn quoted(s: Option<&str>) -> String {
    match s {
        Some(s) => format!("{s:?}"),
        None => "none".into(),
    }
}

/// Words that help the user beyond the core's message: what the envelope said, what the policy
/// wanted, how many bytes arrived.
fn detail(
    error: Error,
    envelope: &[u8],
    policy: &TrustPolicy,
    received: u64,
    input_size: Option<u64>,
) -> String {
    let Ok(env) = Envelope::parse(envelope) else {
        return String::new();
    };
    match error {
        Error::UntrustedKey => {
            let trusted: Vec<String> = policy
                .keys()
                .iter()
                .map(|k| k.key_id().to_string())
                .collect();
            format!(
                "signed with key id {}; trusted key ids: {}",
                env.unverified_kid(),
                trusted.join(", ")
            )
        }
        Error::BadSignature => format!(
            "the signature file claims key id {} but its signature does not verify; it was altered or forged",
            env.unverified_kid()
        ),
        // The signature has been checked when policy errors are raised.
        Error::IdentityMismatch => format!(
            "signed by identity {}, required {}",
            quoted(env.unverified_issuer()),
            quoted(policy.required_identity())
        ),
        Error::SubjectMismatch => format!(
            "signed for {}, required {}",
            quoted(Some(env.unverified_subject())),
            quoted(policy.required_subject())
        ),
        Error::Rollback => format!(
            "signed version {}, minimum allowed {}",
            env.unverified_version().unwrap_or(0),
            policy.min_version().unwrap_or(0)
        ),
        Error::VersionMissing => format!(
            "minimum version {} required",
            policy.min_version().unwrap_or(0)
        ),
        Error::ArtifactTooLong => match input_size {
            Some(n) => format!(
                "signed length {} bytes, file length {} bytes",
                env.unverified_length(),
                n
            ),
            None => format!("signed length {} bytes", env.unverified_length()),
        },
        Error::ArtifactTooShort => format!(
            "signed length {} bytes, received {} bytes",
            env.unverified_length(),
            received
        ),
        Error::DigestMismatch => format!(
            "the length is right, {} bytes, but the {} digest of the content differs",
            received,
            env.unverified_hash_alg().name()
        ),
        _ => String::new(),
    }
}

/// Verifies `input` against `envelope` under `policy`, streaming with the reader thread.
/// `context` names the files in messages.
pub fn verify_input(
    envelope: &[u8],
    input: Input,
    policy: &TrustPolicy,
    context: &str,
    show_progress: bool,
) -> CliResult<Verified> {
    let input_size = input.size();
    let name = input.name().to_string();
    let rejected = |error: Error, received: u64| CliError::Rejected {
        error,
        context: context.to_string(),
        detail: detail(error, envelope, policy, received, input_size),
    };
    // Signature and policy first: no artifact byte is read for a bad envelope.
    let mut verifier = StreamVerifier::new(envelope, policy).map_err(|e| rejected(e, 0))?;
    let progress = Progress::new(Some(verifier.signed_length()), show_progress, "verifying");
    let streamed = read::stream(input, |chunk| {
        verifier.update(chunk)?;
        progress.inc(chunk.len() as u64);
        Ok::<(), Error>(())
    });
    progress.finish();
    match streamed {
        Ok(_) => {}
        Err(StreamError::Read(e)) => return Err(CliError::io(format!("cannot read {name}"), e)),
        Err(StreamError::Consumer(e)) => return Err(rejected(e, verifier.bytes_received())),
    }
    verifier
        .finish()
        .map_err(|e| rejected(e, verifier.bytes_received()))
}

fn verify(args: &VerifyArgs) -> CliResult<(Verified, String, String)> {
    let sig_path = match (&args.sig, is_stdin(&args.file)) {
        (Some(s), _) => s.clone(),
        (None, false) => with_suffix(&args.file, ".sig"),
        (None, true) => {
            return Err(CliError::Usage(
                "verifying standard input needs --sig SIG".into(),
            ))
        }
    };
    if is_stdin(&args.file) && is_stdin(&sig_path) {
        return Err(CliError::Usage(
            "the file and the signature cannot both be standard input".into(),
        ));
    }
    let policy = super::trust::verify_policy(args)?;
    let envelope = read_envelope(&sig_path)?;
    let input = Input::open(&args.file)?;
    let file_name = input.name().to_string();
    let sig_name = if is_stdin(&sig_path) {
        "standard input".to_string()
    } else {
        sig_path.display().to_string()
    };
    let context = format!("{file_name} with signature {sig_name}");
    let verified = verify_input(&envelope, input, &policy, &context, !args.json)?;
    Ok((verified, file_name, sig_name))
}

/// Runs `verify` and prints its verdict (text or JSON); returns the exit code.
pub fn run(args: &VerifyArgs) -> ExitCode {
    let result = verify(args);
    let trust = super::trust::report(args);
    if args.json {
        let mut obj = serde_json::Map::new();
        match &result {
            Ok((v, file, sig)) => {
                obj.insert("verified".into(), json!(true));
                obj.insert("error".into(), Value::Null);
                obj.insert("file".into(), json!(file));
                obj.insert("signature".into(), json!(sig));
                obj.extend(verified_json(v));
            }
            Err(e) => {
                obj.insert("verified".into(), json!(false));
                obj.insert("error".into(), e.to_json());
            }
        }
        super::trust::extend_json(&mut obj, &result.as_ref().map(|r| &r.0), &trust);
        outln!("{}", Value::Object(obj));
    } else {
        match &result {
            Ok((v, file, sig)) => {
                outln!("Verified {file} with signature {sig}");
                out!("{}", verified_lines(v, "  "));
                out!("{}", super::trust::verified_trust_lines(v, trust.now, "  "));
            }
            Err(e @ CliError::Rejected { .. }) => {
                errln!("sealkit: REJECTED {e}");
                super::trust::print_rejection(e, &trust);
            }
            Err(e) => errln!("sealkit: error: {e}"),
        }
    }
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => e.exit_code(),
    }
}
