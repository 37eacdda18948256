//! `sealkit policy`: compile a trust file to the CBOR form devices load, and show a policy.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use sealkit::TrustPolicy;
use serde_json::json;

use super::trust::{bad, load_policy_file};
use crate::error::{CliError, CliResult};

/// `sealkit policy ...`.
#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Check a trust file (TOML) and write its compiled form (CBOR) for devices.
    Compile(CompileArgs),
    /// Show what a trust file or a compiled policy states.
    Show(ShowArgs),
}

/// Arguments of `sealkit policy compile`.
#[derive(Debug, Args)]
pub struct CompileArgs {
    /// The trust file.
    #[arg(value_name = "trust.toml")]
    pub file: PathBuf,
    /// Where to write the compiled policy.
    #[arg(short = 'o', long = "output", value_name = "trust.cbor")]
    pub output: PathBuf,
}

/// Arguments of `sealkit policy show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// A trust file (.toml) or a compiled policy (.cbor).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print one JSON object on standard output instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `sealkit policy ...`.
pub fn run(cmd: &PolicyCommand) -> CliResult<()> {
    match cmd {
        PolicyCommand::Compile(a) => {
            let p = load_policy_file(&a.file)?;
            let bytes = p.to_cbor();
            // What devices will do with it: the core must load it.
            TrustPolicy::from_cbor(&bytes).map_err(|e| bad("the compiled policy", e))?;
            std::fs::write(&a.output, &bytes).map_err(|e| CliError::write(&a.output, e))?;
            outln!(
                "Compiled {} to {} ({} bytes, {} trusted key(s))",
                a.file.display(),
                a.output.display(),
                bytes.len(),
                p.entries.len()
            );
            Ok(())
        }
        PolicyCommand::Show(a) => {
            let s = load_policy_file(&a.file)?.summary();
            if a.json {
                outln!("{}", json!(s));
            } else {
                outln!("{s}");
            }
            Ok(())
        }
    }
}
