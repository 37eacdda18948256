//! `sealkit`: sign files and verify them with sealkit envelopes.

#![forbid(unsafe_code)]

// Output that never panics: a closed standard output or error (`sealkit verify ... | head -1`)
// must not turn into a panic, so write errors are ignored (the exit code still tells).

/// Like `println!`, ignoring write errors.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Like `print!`, ignoring write errors.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let mut stdout = std::io::stdout().lock();
        let _ = write!(stdout, $($arg)*);
        let _ = stdout.flush();
    }};
}

/// Like `eprintln!`, ignoring write errors.
macro_rules! errln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr().lock(), $($arg)*);
    }};
}

mod commands;
mod error;
mod keyfile;
mod keyless;
mod oci;
mod output;
mod passphrase;
mod progress;
mod read;
mod tree;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::commands::{inspect, keygen, sign, verify};
use crate::commands::{seal, unseal};
use crate::error::{CliError, EXIT_USAGE};

const AFTER_HELP: &str = "\
Exit codes:
  0  success; for verify: the file verified
  1  rejected: verify found the signature, the policy or the file unacceptable;
     inspect found the envelope malformed; demo saw an unexpected outcome
  2  usage error, unusable key, or I/O error

Environment:
  SEALKIT_PASSPHRASE  passphrase for encrypted secret keys (when --passphrase-file is not given)
  SOURCE_DATE_EPOCH   signing time for sign when --issued-at is not given

Key file formats: docs/KEYS.md.";

/// Sign files and verify them with sealkit signature envelopes (COSE hash envelopes, Ed25519).
#[derive(Debug, Parser)]
#[command(name = "sealkit", version, about, after_help = AFTER_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Generate a key pair: NAME.key (secret, encrypted, mode 0600) and NAME.pub.
    #[command(after_help = AFTER_HELP)]
    Keygen(keygen::KeygenArgs),
    /// Sign a file: writes FILE.sig, the signature envelope.
    #[command(after_help = AFTER_HELP)]
    Sign(sign::SignArgs),
    /// Verify a file against its signature and trusted public keys.
    #[command(after_help = AFTER_HELP)]
    Verify(verify::VerifyArgs),
    /// Show what a signature envelope claims, without verifying it.
    #[command(after_help = AFTER_HELP)]
    Inspect(inspect::InspectArgs),
    /// Seal a file: write FILE.sealed, a header and the signature envelope then the file.
    #[command(after_help = AFTER_HELP)]
    Seal(seal::SealArgs),
    /// Verify a sealed stream while copying its file to OUT; OUT appears only if it verifies.
    #[command(after_help = AFTER_HELP)]
    Unseal(unseal::UnsealArgs),
    /// Run the whole job end to end in a temporary directory.
    #[command(after_help = AFTER_HELP)]
    Demo,
    /// Key certificates: issue one for a signing key, or show what one states.
    #[command(subcommand)]
    Cert(commands::cert::CertCommand),
    /// Trust policies: compile a trust file for devices, or show one.
    #[command(subcommand)]
    Policy(commands::policy::PolicyCommand),
    /// Sign a rotation statement: the old root hands its trust to a new root.
    #[command(after_help = AFTER_HELP)]
    Rotate(commands::rotate::RotateArgs),
    /// The keyless certificate issuer: run the service, or list and verify its audit log.
    #[command(subcommand)]
    Issuer(commands::issuer::IssuerCommand),
}

fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    Ok(match cli.command {
        Command::Keygen(args) => keygen::run(&args).map(|()| ExitCode::SUCCESS)?,
        Command::Sign(args) if oci::is_image_target(&args.file) => {
            oci::sign(&args).map(|()| ExitCode::SUCCESS)?
        }
        Command::Verify(args) if oci::is_image_target(&args.file) => oci::verify(&args),
        Command::Sign(sign::SignArgs {
            platform: Some(_), ..
        })
        | Command::Verify(verify::VerifyArgs {
            platform: Some(_), ..
        }) => Err(CliError::Usage(
            "--platform applies only to image targets (oci:, docker-archive:, registry://)".into(),
        ))?,
        Command::Sign(args) if tree::is_tree_target(&args.file) || !args.exclude.is_empty() => {
            tree::sign(&args).map(|()| ExitCode::SUCCESS)?
        }
        Command::Sign(args) => sign::run(&args).map(|()| ExitCode::SUCCESS)?,
        Command::Verify(args) if tree::is_tree_target(&args.file) => tree::verify(&args),
        Command::Verify(args) => verify::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Seal(args) => seal::run(&args).map(|()| ExitCode::SUCCESS)?,
        Command::Unseal(args) => unseal::run(&args),
        Command::Demo => commands::demo::run()?,
        Command::Cert(cmd) => commands::cert::run(&cmd)?,
        Command::Policy(cmd) => commands::policy::run(&cmd).map(|()| ExitCode::SUCCESS)?,
        Command::Rotate(args) => commands::rotate::run(&args).map(|()| ExitCode::SUCCESS)?,
        Command::Issuer(cmd) => commands::issuer::run(&cmd)?,
    })
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(code) => code,
        Err(err) => {
            errln!("sealkit: error: {err:#}");
            match err.downcast_ref::<CliError>() {
                Some(e) => e.exit_code(),
                None => ExitCode::from(EXIT_USAGE),
            }
        }
    }
}
