//! `sealkit rotate`: the old root signs a statement handing its trust to a new root.

use std::path::PathBuf;

use clap::Args;
use sealkit::{sign_rotation, MAX_ROTATION_LEN};

use super::sign::load_key;
use super::trust::bad;
use crate::error::{CliError, CliResult};
use crate::keyfile;
use crate::output::utc;

/// Arguments of `sealkit rotate`.
#[derive(Debug, Args)]
pub struct RotateArgs {
    /// The old root's secret key.
    #[arg(long, value_name = "OLD_ROOT.key")]
    pub old: PathBuf,
    /// The new root's public key: a NAME.pub file or the text `sealkit-ed25519:...`.
    #[arg(long, value_name = "NEW_ROOT.pub")]
    pub new: String,
    /// Signing time in seconds since the Unix epoch [default: $SOURCE_DATE_EPOCH, else now].
    #[arg(long, value_name = "SECONDS")]
    pub issued_at: Option<u64>,
    /// Read the old key's passphrase from the first line of FILE instead of prompting.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Where to write the rotation statement.
    #[arg(short = 'o', long = "output", value_name = "rotation.cbor")]
    pub output: PathBuf,
}

/// Runs `sealkit rotate`.
pub fn run(a: &RotateArgs) -> CliResult<()> {
    let new = keyfile::load_public_key(&a.new)?;
    let issued_at = super::sign::issued_at(a.issued_at)?;
    let old = load_key(&a.old, a.passphrase_file.as_deref())?;
    let mut out = [0u8; MAX_ROTATION_LEN];
    let n = sign_rotation(&old, &new, issued_at, &mut out).map_err(|e| bad("cannot rotate", e))?;
    let bytes = out.get(..n).unwrap_or_default();
    std::fs::write(&a.output, bytes).map_err(|e| CliError::write(&a.output, e))?;
    outln!("Wrote rotation statement {}", a.output.display());
    outln!("  old root key id: {}", old.public_key().key_id());
    outln!("  new root key id: {}", new.key_id());
    outln!("  signed at:       {}", utc(issued_at));
    outln!("  size:            {n} bytes");
    outln!(
        "Verifiers follow it with: sealkit verify --policy ... --rotation {}",
        a.output.display()
    );
    Ok(())
}
