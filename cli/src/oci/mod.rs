//! Container images: `oci:DIR[:TAG]` (an OCI image layout directory),
//! `docker-archive:FILE[:NAME:TAG]` (a `docker save` archive, plain or gzip) and
//! `registry://HOST[:PORT]/REPO[:TAG]` as targets of `sealkit sign` and `sealkit verify`.
//!
//! Resolving, checking, signing and verifying images are `sealkit_artifacts::oci`'s; this
//! module parses the arguments, drives the registry client (`registry.rs`) and renders the
//! results (`run.rs`). The format is specified in `docs/FORMAT.md`, section "Container images".

mod registry;
mod run;

use sealkit_artifacts::oci::Target;

use crate::commands::sign::SignArgs;
use crate::commands::verify::VerifyArgs;
use crate::error::{CliError, CliResult};

/// `sealkit sign` on an image target.
pub fn sign(args: &SignArgs) -> CliResult<()> {
    let target =
        Target::parse(&args.file).ok_or_else(|| CliError::Usage("not an image target".into()))?;
    run::sign(args, &target)
}

/// `sealkit verify` on an image target; prints the verdict and returns the exit code.
pub fn verify(args: &VerifyArgs) -> std::process::ExitCode {
    match Target::parse(&args.file) {
        Some(t) => run::verify(args, &t),
        None => std::process::ExitCode::from(crate::error::EXIT_USAGE),
    }
}

/// Whether a command-line argument names an image target.
pub fn is_image_target(arg: &std::path::Path) -> bool {
    Target::parse(arg).is_some()
}
