//! The CLI's error type and its mapping to exit codes and JSON error objects.
//!
//! Exit codes: 0 success, 1 the artifact or signature was rejected (any verification error
//! from the core), 2 a usage, key or I/O problem.

use std::fmt;
use std::io;
use std::path::Path;
use std::process::ExitCode;

/// Code and name of CLI errors that are not core errors (core codes are below 900).
pub const IO_ERROR: (u16, &str) = (900, "io_error");
/// A bad argument or combination of arguments.
pub const USAGE_ERROR: (u16, &str) = (901, "usage_error");
/// A key file that cannot be used (format, permissions, passphrase).
pub const KEY_ERROR: (u16, &str) = (902, "key_error");
/// Keyless signing: the certificate issuer answered with an error (its name and message follow).
pub const ISSUER_REFUSED: (u16, &str) = (931, "issuer_refused");
/// Keyless signing: the issuer could not be reached, timed out, or failed (HTTP 5xx).
pub const ISSUER_UNREACHABLE: (u16, &str) = (932, "issuer_unreachable");
/// Keyless signing: the issuer's answer does not check out (format, key, digest, validity).
pub const ISSUER_BAD_RESPONSE: (u16, &str) = (933, "issuer_bad_response");

/// Exit status when the artifact or signature is rejected.
pub const EXIT_REJECTED: u8 = 1;
/// Exit status for usage, key and I/O errors.
pub const EXIT_USAGE: u8 = 2;

/// Every way a command can fail.
#[derive(Debug)]
pub enum CliError {
    /// The core rejected the envelope, the policy or the artifact; `context` says which files.
    Rejected {
        /// The core's verdict.
        error: sealkit::Error,
        /// What was being checked, e.g. the file names.
        context: String,
        /// More detail that helps the user, or empty.
        detail: String,
    },
    /// A core error caused by an argument (a bad public key, too many keys): exit 2.
    BadArgument {
        /// The core's error.
        error: sealkit::Error,
        /// Which argument.
        context: String,
    },
    /// A bad argument or combination of arguments.
    Usage(String),
    /// A key file that cannot be used.
    Key(String),
    /// Keyless signing: the certificate issuer refused, failed, or answered something unusable.
    Issuer {
        /// One of [`ISSUER_REFUSED`], [`ISSUER_UNREACHABLE`], [`ISSUER_BAD_RESPONSE`].
        code: (u16, &'static str),
        /// What happened, with the issuer's error name and message when it gave them.
        message: String,
    },
    /// Reading or writing a file failed.
    Io {
        /// What was being done, e.g. "cannot read artifact.bin".
        context: String,
        /// The operating system's error.
        source: io::Error,
    },
}

impl CliError {
    /// An I/O error with a description of what failed.
    pub fn io(context: impl Into<String>, source: io::Error) -> CliError {
        CliError::Io {
            context: context.into(),
            source,
        }
    }

    /// "cannot read PATH" for an I/O error on `path`.
    pub fn read(path: &Path, source: io::Error) -> CliError {
        CliError::io(format!("cannot read {}", path.display()), source)
    }

    /// "cannot write PATH" for an I/O error on `path`.
    pub fn write(path: &Path, source: io::Error) -> CliError {
        CliError::io(format!("cannot write {}", path.display()), source)
    }

    /// The process exit status for this error.
    pub fn exit_status(&self) -> u8 {
        match self {
            CliError::Rejected { .. } => EXIT_REJECTED,
            _ => EXIT_USAGE,
        }
    }

    /// The exit code for this error.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit_status())
    }

    /// The stable numeric code (core codes, or 900 and up for CLI errors).
    pub fn code(&self) -> u16 {
        match self {
            CliError::Rejected { error, .. } | CliError::BadArgument { error, .. } => error.code(),
            CliError::Usage(_) => USAGE_ERROR.0,
            CliError::Key(_) => KEY_ERROR.0,
            CliError::Issuer { code, .. } => code.0,
            CliError::Io { .. } => IO_ERROR.0,
        }
    }

    /// The stable short name, e.g. `digest_mismatch` or `io_error`.
    pub fn name(&self) -> &'static str {
        match self {
            CliError::Rejected { error, .. } | CliError::BadArgument { error, .. } => error.name(),
            CliError::Usage(_) => USAGE_ERROR.1,
            CliError::Key(_) => KEY_ERROR.1,
            CliError::Issuer { code, .. } => code.1,
            CliError::Io { .. } => IO_ERROR.1,
        }
    }

    /// The core error, if this is one.
    pub fn core(&self) -> Option<sealkit::Error> {
        match self {
            CliError::Rejected { error, .. } | CliError::BadArgument { error, .. } => Some(*error),
            _ => None,
        }
    }

    /// The JSON error object `{code, name, message}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "code": self.code(),
            "name": self.name(),
            "message": self.to_string(),
        })
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Rejected {
                error,
                context,
                detail,
            } => {
                if !context.is_empty() {
                    write!(f, "{context}: ")?;
                }
                f.write_str(error.message())?;
                if !detail.is_empty() {
                    write!(f, " ({detail})")?;
                }
                Ok(())
            }
            CliError::BadArgument { error, context } => {
                if context.is_empty() {
                    f.write_str(error.message())
                } else {
                    write!(f, "{}: {}", context, error.message())
                }
            }
            CliError::Usage(m) | CliError::Key(m) | CliError::Issuer { message: m, .. } => {
                f.write_str(m)
            }
            CliError::Io { context, source } => write!(f, "{context}: {source}"),
        }
    }
}

impl std::error::Error for CliError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CliError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// Results of the CLI's commands.
pub type CliResult<T> = Result<T, CliError>;
