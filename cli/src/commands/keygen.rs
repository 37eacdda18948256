//! `sealkit keygen`: a new key pair, the secret key encrypted under a passphrase.

use std::path::PathBuf;

use clap::Args;

use crate::error::{CliError, CliResult};
use crate::keyfile::{self, KdfParams, Protection};
use crate::passphrase::PassphraseSource;
use crate::read::with_suffix;

/// Arguments of `sealkit keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// Base name of the key files: writes NAME.key (secret) and NAME.pub (public).
    #[arg(short = 'o', long = "output", value_name = "NAME")]
    pub output: PathBuf,

    /// Write the secret key without encryption (a warning is printed).
    #[arg(long)]
    pub unencrypted: bool,

    /// Read the passphrase from the first line of FILE instead of prompting.
    #[arg(long, value_name = "FILE", conflicts_with = "unencrypted")]
    pub passphrase_file: Option<PathBuf>,

    /// Overwrite existing key files.
    #[arg(long)]
    pub force: bool,
}

/// Runs `keygen`.
pub fn run(args: &KeygenArgs) -> CliResult<()> {
    let secret_path = with_suffix(&args.output, ".key");
    let public_path = with_suffix(&args.output, ".pub");
    if !args.force {
        for p in [&secret_path, &public_path] {
            // symlink_metadata: a dangling link is in the way too.
            if p.symlink_metadata().is_ok() {
                return Err(CliError::Usage(format!(
                    "{} already exists; use --force to overwrite it",
                    p.display()
                )));
            }
        }
    }

    let protection = if args.unencrypted {
        Protection::Unencrypted
    } else {
        let source = PassphraseSource {
            file: args.passphrase_file.clone(),
        };
        Protection::Passphrase(source.for_new_key()?, KdfParams::DEFAULT)
    };

    let key = keyfile::generate()?;
    let public = key.public_key();
    let secret_text = keyfile::encode_secret(&key, &protection)?;
    keyfile::write_new_file(&secret_path, secret_text.as_bytes(), 0o600, args.force)?;
    keyfile::write_new_file(
        &public_path,
        keyfile::encode_public(&public).as_bytes(),
        0o644,
        args.force,
    )?;

    if args.unencrypted {
        errln!(
            "sealkit: warning: {} is NOT encrypted; anyone who can read it can sign as you",
            secret_path.display()
        );
    }
    outln!(
        "Secret key: {} ({})",
        secret_path.display(),
        if args.unencrypted {
            "unencrypted"
        } else {
            "encrypted with your passphrase"
        }
    );
    outln!("Public key: {}", public_path.display());
    outln!("Key id:     {}", public.key_id());
    out!("{}", keyfile::encode_public(&public));
    Ok(())
}
