//! `sealkit inspect`: show what an envelope claims, without verifying anything.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use sealkit::{Envelope, TimestampReceipt};
use serde_json::{json, Value};

use crate::commands::verify::read_envelope;
use crate::error::CliError;
use crate::output::{content_type, envelope_json, hex, printable, utc};

/// Arguments of `sealkit inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The signature envelope (`-` for standard input).
    #[arg(value_name = "SIG")]
    pub sig: PathBuf,

    /// Print one JSON object on standard output instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The unverified fields of an envelope as text (also used for tree signatures).
pub(crate) fn text(env: &Envelope<'_>, name: &str, size: usize) -> String {
    let mut lines = vec![
        format!("{name}: UNVERIFIED envelope contents (nothing below has been checked;"),
        "use `sealkit verify` to check the signature and the file)".to_string(),
        format!(
            "  alg:          {} ({})",
            env.unverified_alg().name(),
            env.unverified_alg().cose_id()
        ),
        format!("  key id:       {}", env.unverified_kid()),
        format!(
            "  identity:     {}",
            env.unverified_issuer()
                .map_or_else(|| "(none)".to_string(), printable)
        ),
        format!("  subject:      {}", printable(env.unverified_subject())),
        format!(
            "  version:      {}",
            env.unverified_version()
                .map_or_else(|| "(none)".to_string(), |v| v.to_string())
        ),
        format!(
            "  content type: {}",
            printable(&content_type(env.unverified_content_type()))
        ),
        format!("  length:       {} bytes", env.unverified_length()),
        format!(
            "  digest:       {}:{}",
            env.unverified_hash_alg().name(),
            hex(env.unverified_digest())
        ),
        format!(
            "  signed at:    {} ({})",
            utc(env.unverified_issued_at()),
            env.unverified_issued_at()
        ),
        format!("  envelope:     {size} bytes"),
    ];
    if let Some(raw) = env.unverified_receipt() {
        lines.push(match TimestampReceipt::parse(raw) {
            Ok(r) => format!(
                "  receipt:      timestamp {} ({}) by key id {}, envelope digest {}",
                utc(r.unverified_time()),
                r.unverified_time(),
                r.unverified_kid(),
                hex(r.unverified_digest())
            ),
            Err(e) => format!("  receipt:      malformed ({})", e.name()),
        });
    }
    lines.push(String::new());
    lines.join("\n")
}

/// The envelope's timestamp receipt as JSON (unverified), or `null` without one.
pub(crate) fn receipt_json(env: &Envelope<'_>) -> Value {
    let Some(raw) = env.unverified_receipt() else {
        return Value::Null;
    };
    match TimestampReceipt::parse(raw) {
        Ok(r) => json!({
            "time": r.unverified_time(),
            "time_utc": utc(r.unverified_time()),
            "key_id": r.unverified_kid().to_string(),
            "digest": hex(r.unverified_digest()),
            "size": raw.len(),
        }),
        Err(e) => json!({"error": {"code": e.code(), "name": e.name(), "message": e.message()}}),
    }
}

/// Runs `inspect`; returns the exit code (1 for a malformed envelope, 2 for I/O errors).
pub fn run(args: &InspectArgs) -> ExitCode {
    if crate::tree::inspect::is_tree_signature(&args.sig) {
        return crate::tree::inspect::run(args);
    }
    let name = args.sig.display().to_string();
    let result = read_envelope(&args.sig).and_then(|bytes| {
        // Parse into owned output right away: the envelope borrows `bytes`.
        match Envelope::parse(&bytes) {
            Ok(env) => Ok(if args.json {
                let mut m = envelope_json(&env, bytes.len());
                m.insert("receipt".into(), receipt_json(&env));
                m.insert("verified".into(), json!(false));
                m.insert("error".into(), Value::Null);
                Value::Object(m).to_string() + "\n"
            } else {
                text(&env, &name, bytes.len())
            }),
            Err(error) => Err(CliError::Rejected {
                error,
                context: name.clone(),
                detail: String::new(),
            }),
        }
    });
    print_result(result, args.json)
}

/// Prints what `inspect` found (or its error, as JSON with `json`); returns the exit code.
pub(crate) fn print_result(result: Result<String, CliError>, json: bool) -> ExitCode {
    match result {
        Ok(out) => {
            out!("{out}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            if json {
                outln!("{}", json!({"verified": false, "error": e.to_json()}));
            } else {
                errln!("sealkit: error: {e}");
            }
            e.exit_code()
        }
    }
}
