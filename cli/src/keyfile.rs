//! Key files for the CLI: where they are read and written, who may read them, and how their
//! errors read. The formats themselves (specified in `docs/KEYS.md`) live in the
//! `sealkit-keyfile` crate, shared with the bindings.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;

use sealkit::{PublicKey, SigningKey};
use sealkit_keyfile::{KeyFileError, SecretKeyFile, SECRET_PREFIX};
use zeroize::Zeroizing;

use crate::error::{CliError, CliResult};
use crate::passphrase::Passphrase;

pub use sealkit_keyfile::KdfParams;

/// How a new secret key is protected.
#[derive(Debug)]
pub enum Protection {
    /// Written in the clear.
    Unencrypted,
    /// Encrypted under a passphrase.
    Passphrase(Passphrase, KdfParams),
}

/// The CLI's error for a key file problem; `what` names the file (e.g. "secret key file k.key").
fn key_error(what: &str, e: KeyFileError) -> CliError {
    let m = match e {
        KeyFileError::Io(source) => return CliError::io(format!("cannot read {what}"), source),
        KeyFileError::Random(m) => {
            return CliError::io(
                "cannot get random bytes from the operating system",
                io::Error::other(m),
            )
        }
        KeyFileError::PublicKeyGiven => {
            format!("{what} is a public key; signing needs the secret key file (NAME.key)")
        }
        KeyFileError::SecretKeyGiven => {
            return CliError::Usage(format!(
                "{what} is a secret key file; verification needs the public key (NAME.pub)"
            ))
        }
        KeyFileError::NewerFormat => {
            format!("{what} is a secret key file of a newer format than this sealkit understands")
        }
        KeyFileError::NotSecretKeyFile => {
            format!("{what} is not a sealkit secret key file (it must start with {SECRET_PREFIX})")
        }
        KeyFileError::BadBase64 => format!("{what} is damaged: its base64 does not decode"),
        KeyFileError::Empty => format!("{what} is empty"),
        KeyFileError::UnknownKind(kind) => {
            format!("{what} uses an unknown protection kind ({kind})")
        }
        KeyFileError::BadRecordLength { actual, expected } => {
            format!("{what} is damaged: its record is {actual} bytes, expected {expected}")
        }
        KeyFileError::SecretMismatch => {
            format!("{what} is damaged: its secret does not match its public key")
        }
        KeyFileError::WrongPassphrase => {
            format!("cannot decrypt {what}: wrong passphrase (or the key file was modified)")
        }
        KeyFileError::TooLarge => format!("{what} is too large to be a sealkit key file"),
        KeyFileError::Key(error) => format!("{what}: {}", error.message()),
        other => other.to_string(),
    };
    CliError::Key(m)
}

/// A fresh signing key from the operating system's random number generator.
pub fn generate() -> CliResult<SigningKey> {
    sealkit_keyfile::generate().map_err(|e| key_error("the new key", e))
}

/// The full text (one line, with its newline) of a secret key file for `key`.
pub fn encode_secret(key: &SigningKey, protection: &Protection) -> CliResult<Zeroizing<String>> {
    let protection = match protection {
        Protection::Unencrypted => sealkit_keyfile::Protection::Unencrypted,
        Protection::Passphrase(p, params) => {
            sealkit_keyfile::Protection::Passphrase(p.as_bytes(), *params)
        }
    };
    sealkit_keyfile::encode_secret(key, &protection).map_err(|e| key_error("the new key", e))
}

/// Opens a decoded secret key file; `passphrase` is called only if the key is encrypted, and
/// only after its stored parameters were checked.
pub fn open_secret(
    file: &SecretKeyFile,
    what: &str,
    passphrase: impl FnOnce() -> CliResult<Passphrase>,
) -> CliResult<SigningKey> {
    let opened = if file.is_encrypted() {
        file.check().map_err(|e| key_error(what, e))?;
        let passphrase = passphrase()?;
        file.open(Some(passphrase.as_bytes()))
    } else {
        file.open(None)
    };
    opened.map_err(|e| key_error(what, e))
}

/// Refuses a secret key file that is not a regular file or that anyone but its owner can
/// access (the permission check exists on Unix only).
fn check_private(file: &File, path: &Path) -> CliResult<()> {
    let meta = file.metadata().map_err(|e| CliError::read(path, e))?;
    if !meta.is_file() {
        return Err(CliError::Key(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(CliError::Key(format!(
                "refusing to use secret key file {}: its permissions {:04o} let group or others access it; \
                 run `chmod 600 {}` if the key is still secret, or make a new key",
                path.display(),
                mode,
                path.display()
            )));
        }
    }
    Ok(())
}

/// Reads a secret key file, refusing it if group or others can access it.
pub fn read_secret_file(path: &Path) -> CliResult<SecretKeyFile> {
    let file = File::open(path).map_err(|e| CliError::read(path, e))?;
    // Checked on the opened file, so the file checked is the file read.
    check_private(&file, path)?;
    sealkit_keyfile::read_secret(file).map_err(|e| match e {
        KeyFileError::Io(source) => CliError::read(path, source),
        e => key_error(&format!("secret key file {}", path.display()), e),
    })
}

/// Loads a signing key from a secret key file, asking for a passphrase only if it is encrypted.
pub fn load_signing_key(
    path: &Path,
    passphrase: impl FnOnce() -> CliResult<Passphrase>,
) -> CliResult<SigningKey> {
    let file = read_secret_file(path)?;
    open_secret(
        &file,
        &format!("secret key file {}", path.display()),
        passphrase,
    )
}

/// The text of a public key file: `sealkit-ed25519:` and base64, one line.
pub fn encode_public(key: &PublicKey) -> String {
    sealkit_keyfile::encode_public(key)
}

/// A public key from a `--key` argument: the literal text form, or a path to a `.pub` file.
pub fn load_public_key(arg: &str) -> CliResult<PublicKey> {
    if arg.starts_with(sealkit::PUBLIC_KEY_TEXT_PREFIX) {
        return PublicKey::from_text(arg).map_err(|error| CliError::BadArgument {
            error,
            context: "--key".into(),
        });
    }
    let path = Path::new(arg);
    let file = File::open(path).map_err(|e| CliError::read(path, e))?;
    sealkit_keyfile::read_public(file).map_err(|e| match e {
        KeyFileError::Io(source) => CliError::read(path, source),
        KeyFileError::Key(error) => CliError::BadArgument {
            error,
            context: format!("public key file {}", path.display()),
        },
        KeyFileError::TooLarge => CliError::Key(format!(
            "{} is too large to be a sealkit key file",
            path.display()
        )),
        e => key_error(&format!("{}", path.display()), e),
    })
}

/// Creates `path` with `mode` (on Unix) and writes `contents`. Without `force` an existing file
/// is never touched; with it, the old file is removed first so that the new one gets `mode`
/// from its creation (an existing file's permissions would otherwise be kept).
pub fn write_new_file(path: &Path, contents: &[u8], mode: u32, force: bool) -> CliResult<()> {
    if force {
        match fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(CliError::io(
                    format!("cannot replace {}", path.display()),
                    e,
                ))
            }
        }
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == io::ErrorKind::AlreadyExists {
            CliError::Usage(format!(
                "{} already exists; use --force to overwrite it",
                path.display()
            ))
        } else {
            CliError::write(path, e)
        }
    })?;
    file.write_all(contents)
        .and_then(|()| file.sync_all())
        .map_err(|e| CliError::write(path, e))
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]
    use super::*;

    fn fast() -> KdfParams {
        KdfParams {
            m_cost_kib: 64,
            t_cost: 1,
            p_cost: 1,
        }
    }

    #[test]
    fn messages_name_the_file() {
        let key = SigningKey::from_seed(&[9u8; 32]).unwrap();
        let pass = || Ok(Passphrase::new("correct horse".to_string()));
        let text = encode_secret(&key, &Protection::Passphrase(pass().unwrap(), fast())).unwrap();
        let file = SecretKeyFile::parse(&text).unwrap();
        let back = open_secret(&file, "k", pass).unwrap();
        assert_eq!(back.seed_bytes(), key.seed_bytes());
        let wrong = open_secret(&file, "k", || Ok(Passphrase::new("wrong".to_string())));
        assert!(
            matches!(wrong, Err(CliError::Key(m)) if m == "cannot decrypt k: wrong passphrase (or the key file was modified)")
        );
        let plain = encode_secret(&key, &Protection::Unencrypted).unwrap();
        let file = SecretKeyFile::parse(&plain).unwrap();
        let back = open_secret(&file, "k", || panic!("no passphrase for a plain key")).unwrap();
        assert_eq!(back.seed_bytes(), key.seed_bytes());
        let e = SecretKeyFile::parse("sealkit-secret-v1:!!!").unwrap_err();
        assert!(
            matches!(key_error("k", e), CliError::Key(m) if m == "k is damaged: its base64 does not decode")
        );
    }
}
