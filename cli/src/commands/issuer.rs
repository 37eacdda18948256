//! `sealkit issuer`: run the keyless certificate issuer, and read or check its audit log.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use sealkit_issuer::audit::{AuditLog, Entry};
use sealkit_issuer::StartError;

use crate::error::{CliError, CliResult, EXIT_REJECTED};
use crate::output::{printable, utc};

/// `sealkit issuer ...`.
#[derive(Debug, Subcommand)]
pub enum IssuerCommand {
    /// Run the issuer service: OIDC ID tokens in, short-lived key certificates and timestamp
    /// receipts out. Prints `listening on http://ADDR` first; stops on SIGTERM or SIGINT.
    Serve(ServeArgs),
    /// List, export or verify the issuer's audit log.
    Log(LogArgs),
}

/// Arguments of `sealkit issuer serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The service's configuration (TOML; see issuer/README.md).
    #[arg(long, value_name = "issuer.toml")]
    pub config: PathBuf,
}

/// Arguments of `sealkit issuer log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// The audit database (the config's `database`).
    #[arg(long, value_name = "audit.sqlite")]
    pub db: PathBuf,
    /// Print the entries (or, with --verify, the verdict) as JSON.
    #[arg(long)]
    pub json: bool,
    /// Write every entry to FILE as JSON lines instead of listing them.
    #[arg(long, value_name = "FILE")]
    pub export: Option<PathBuf>,
    /// Recompute the hash chain; exit 1 naming the first entry that does not verify.
    #[arg(long)]
    pub verify: bool,
}

fn start_error(e: StartError) -> CliError {
    match e {
        StartError::Io(source) => CliError::io("the issuer service failed", source),
        StartError::Key(m) => CliError::Key(m),
        other => CliError::Usage(other.to_string()),
    }
}

fn db_error(e: impl std::fmt::Display) -> CliError {
    CliError::Usage(format!("audit log: {e}"))
}

fn entries(log: &AuditLog) -> CliResult<Vec<Entry>> {
    let mut all = Vec::new();
    log.for_each(|e| all.push(e)).map_err(db_error)?;
    Ok(all)
}

fn show(e: &Entry) -> String {
    let time = u64::try_from(e.time).map_or_else(|_| e.time.to_string(), utc);
    let what = match e.kind.as_str() {
        "certificate" => format!(
            "{} key {} cti {}",
            printable(e.identity.as_deref().unwrap_or("-")),
            e.key_id.as_deref().unwrap_or("-"),
            e.cti.as_deref().unwrap_or("-"),
        ),
        _ => format!("digest {}", e.digest.as_deref().unwrap_or("-")),
    };
    format!("{:>6}  {time}  {:<11}  {what}", e.seq, e.kind)
}

fn log(args: &LogArgs) -> CliResult<ExitCode> {
    if !args.db.exists() {
        return Err(CliError::Usage(format!(
            "{} does not exist",
            args.db.display()
        )));
    }
    let log = AuditLog::open_read_only(&args.db).map_err(start_error)?;
    if let Some(path) = &args.export {
        let mut out = String::new();
        for e in entries(&log)? {
            let line = serde_json::to_string(&e)
                .map_err(|e| CliError::Usage(format!("cannot encode an entry: {e}")))?;
            out.push_str(&line);
            out.push('\n');
        }
        std::fs::write(path, out)
            .map_err(|e| CliError::io(format!("cannot write {}", path.display()), e))?;
    }
    if args.verify {
        let verdict = log.verify().map_err(db_error)?;
        return Ok(match verdict {
            Ok(head) => {
                if args.json {
                    outln!(
                        "{}",
                        serde_json::json!({"ok": true, "entries": head.entries, "head": head.head})
                    );
                } else {
                    outln!(
                        "audit log verifies: {} entries, head {}",
                        head.entries,
                        head.head
                    );
                }
                ExitCode::SUCCESS
            }
            Err(b) => {
                if args.json {
                    outln!(
                        "{}",
                        serde_json::json!({"ok": false, "first_bad_seq": b.seq, "reason": b.reason})
                    );
                } else {
                    outln!("audit log does NOT verify: {b}");
                }
                ExitCode::from(EXIT_REJECTED)
            }
        });
    }
    if args.export.is_none() {
        let all = entries(&log)?;
        if args.json {
            let v = serde_json::to_string_pretty(&all)
                .map_err(|e| CliError::Usage(format!("cannot encode the entries: {e}")))?;
            outln!("{v}");
        } else {
            let mut out = std::io::stdout().lock();
            for e in &all {
                let _ = writeln!(out, "{}", show(e));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `sealkit issuer ...`.
pub fn run(cmd: &IssuerCommand) -> CliResult<ExitCode> {
    match cmd {
        IssuerCommand::Serve(args) => sealkit_issuer::serve(&args.config)
            .map(|()| ExitCode::SUCCESS)
            .map_err(start_error),
        IssuerCommand::Log(args) => log(args),
    }
}
