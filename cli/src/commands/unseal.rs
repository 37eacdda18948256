//! `sealkit unseal`: verify a sealed stream while copying its artifact to a temporary file next
//! to OUT, and rename it into place only after the verifier's `finish()` succeeded.

use std::fs::File;
use std::io::{BufWriter, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use sealkit::{Error, UnsealState, Unsealer, Verified};
use serde_json::{json, Value};

use super::seal::parent_dir;
use super::verify::build_policy;
use crate::error::{CliError, CliResult};
use crate::output::{verified_json, verified_lines};
use crate::progress::Progress;
use crate::read::{self, is_stdin, Input, StreamError};

/// Arguments of `sealkit unseal`.
#[derive(Debug, Args)]
pub struct UnsealArgs {
    /// The sealed stream, or `-` for standard input.
    #[arg(value_name = "FILE.sealed")]
    pub file: PathBuf,

    /// Where to write the verified artifact. Nothing is written there unless it verifies; an
    /// existing file is replaced only then.
    #[arg(short = 'o', long = "output", value_name = "OUT", required = true)]
    pub output: PathBuf,

    /// A trusted public key: a NAME.pub file or the text `sealkit-ed25519:...`. Repeat for
    /// several keys (up to 8).
    #[arg(short = 'k', long = "key", value_name = "PUB", required = true)]
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
}

/// Words that help beyond the core's message.
fn detail(error: Error, u: &Unsealer, received: u64) -> String {
    match (error, u.verifier()) {
        (Error::ArtifactTooShort, Some(v)) => format!(
            "signed length {} bytes, the stream ended after {} of them",
            v.signed_length(),
            v.bytes_received()
        ),
        (Error::ArtifactTooLong, Some(v)) => format!(
            "signed length {} bytes, the stream goes on after them",
            v.signed_length()
        ),
        _ => format!("after {received} bytes of the stream"),
    }
}

fn unseal(args: &UnsealArgs) -> CliResult<(Verified, String)> {
    if is_stdin(&args.output) {
        return Err(CliError::Usage(
            "unseal writes to a file (-o OUT), never unverified bytes to standard output".into(),
        ));
    }
    let policy = build_policy(
        &args.keys,
        args.identity.as_deref(),
        args.subject.as_deref(),
        args.min_version,
    )?;
    let input = Input::open(&args.file)?;
    let name = input.name().to_string();
    let output = &args.output;
    let dir = parent_dir(output);
    // Dropping `tmp` on any early return removes the temporary file.
    let tmp = tempfile::Builder::new()
        .prefix(".sealkit-unseal-")
        .tempfile_in(dir)
        .map_err(|e| CliError::write(output, e))?;
    let file: &File = tmp.as_file();
    let mut w = BufWriter::with_capacity(read::BUFFER_SIZE, file);
    let mut unsealer = Unsealer::new(&policy);
    let progress = Progress::new(input.size(), !args.json, "unsealing");
    let mut received = 0u64;
    let streamed = read::stream(input, |chunk| {
        let payload = unsealer.update(chunk).map_err(Ok)?;
        received += chunk.len() as u64;
        progress.inc(chunk.len() as u64);
        w.write_all(payload).map_err(Err)
    });
    progress.finish();
    let rejected = |error: Error, u: &Unsealer| CliError::Rejected {
        error,
        context: name.clone(),
        detail: detail(error, u, received),
    };
    match streamed {
        Ok(_) => {}
        Err(StreamError::Read(e)) => return Err(CliError::io(format!("cannot read {name}"), e)),
        Err(StreamError::Consumer(Ok(e))) => return Err(rejected(e, &unsealer)),
        Err(StreamError::Consumer(Err(e))) => return Err(CliError::write(output, e)),
    }
    let verified = match unsealer.finish() {
        Ok(v) => v,
        Err(e) => return Err(rejected(e, &unsealer)),
    };
    debug_assert_eq!(unsealer.state(), UnsealState::Finished);
    w.flush().map_err(|e| CliError::write(output, e))?;
    drop(w);
    file.sync_all().map_err(|e| CliError::write(output, e))?;
    tmp.persist(output)
        .map_err(|e| CliError::write(output, e.error))?;
    Ok((verified, name))
}

/// Runs `unseal` and prints its verdict (text or JSON); returns the exit code.
pub fn run(args: &UnsealArgs) -> ExitCode {
    let result = unseal(args);
    let out_name = args.output.display().to_string();
    if args.json {
        let mut obj = serde_json::Map::new();
        match &result {
            Ok((v, file)) => {
                obj.insert("verified".into(), json!(true));
                obj.insert("error".into(), Value::Null);
                obj.insert("file".into(), json!(file));
                obj.insert("output".into(), json!(out_name));
                obj.extend(verified_json(v));
            }
            Err(e) => {
                obj.insert("verified".into(), json!(false));
                obj.insert("error".into(), e.to_json());
            }
        }
        outln!("{}", Value::Object(obj));
    } else {
        match &result {
            Ok((v, file)) => {
                outln!("Unsealed {file} to {out_name}");
                out!("{}", verified_lines(v, "  "));
            }
            Err(e @ CliError::Rejected { .. }) => {
                errln!("sealkit: REJECTED {e}; nothing was written to {out_name}");
            }
            Err(e) => errln!("sealkit: error: {e}"),
        }
    }
    match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => e.exit_code(),
    }
}
