//! Where passphrases come from: `--passphrase-file`, the `SEALKIT_PASSPHRASE` environment
//! variable, or an interactive prompt on the terminal (in that order).

use std::fs::File;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::error::{CliError, CliResult};

/// The environment variable holding a passphrase for non-interactive use.
pub const PASSPHRASE_ENV: &str = "SEALKIT_PASSPHRASE";

/// The largest passphrase file read.
const MAX_PASSPHRASE_FILE_LEN: u64 = 64 * 1024;

/// A passphrase, wiped from memory when dropped. It is never printed.
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Wraps `s`.
    pub fn new(s: String) -> Passphrase {
        Passphrase(Zeroizing::new(s))
    }

    /// The UTF-8 bytes fed to the key derivation.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(..)")
    }
}

/// Where to get a passphrase when one is needed.
#[derive(Clone, Debug, Default)]
pub struct PassphraseSource {
    /// `--passphrase-file`, if given.
    pub file: Option<PathBuf>,
}

/// The first line of a passphrase file, without its line ending (`\n` or `\r\n`), so that
/// `echo secret > file` works.
fn first_line(text: &str) -> &str {
    let line = text.split('\n').next().unwrap_or("");
    line.strip_suffix('\r').unwrap_or(line)
}

fn read_file(path: &Path) -> CliResult<Passphrase> {
    let file = File::open(path).map_err(|e| CliError::read(path, e))?;
    let mut bytes = Zeroizing::new(Vec::new());
    file.take(MAX_PASSPHRASE_FILE_LEN + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::read(path, e))?;
    if bytes.len() as u64 > MAX_PASSPHRASE_FILE_LEN {
        return Err(CliError::Usage(format!(
            "passphrase file {} is too large",
            path.display()
        )));
    }
    let text = std::str::from_utf8(&bytes).map_err(|_| {
        CliError::Usage(format!(
            "passphrase file {} is not UTF-8 text",
            path.display()
        ))
    })?;
    Ok(Passphrase::new(first_line(text).to_string()))
}

fn prompt(message: &str) -> CliResult<Passphrase> {
    rpassword::prompt_password(message)
        .map(Passphrase::new)
        .map_err(|e| {
            CliError::Usage(format!(
                "a passphrase is needed and none could be read from a terminal ({e}); \
                 use --passphrase-file FILE or set {PASSPHRASE_ENV}"
            ))
        })
}

impl PassphraseSource {
    /// A non-interactive passphrase, if one was given.
    fn non_interactive(&self) -> CliResult<Option<Passphrase>> {
        if let Some(path) = &self.file {
            return read_file(path).map(Some);
        }
        match std::env::var(PASSPHRASE_ENV) {
            Ok(s) => Ok(Some(Passphrase::new(s))),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(CliError::Usage(format!(
                "{PASSPHRASE_ENV} is not valid UTF-8"
            ))),
        }
    }

    /// The passphrase to open an existing key.
    pub fn for_opening(&self, what: &str) -> CliResult<Passphrase> {
        match self.non_interactive()? {
            Some(p) => Ok(p),
            None => prompt(&format!("Passphrase for {what}: ")),
        }
    }

    /// The passphrase for a new key: asked twice when prompting; never empty.
    pub fn for_new_key(&self) -> CliResult<Passphrase> {
        let p = match self.non_interactive()? {
            Some(p) => p,
            None => {
                let first = prompt("Passphrase for the new secret key: ")?;
                let second = prompt("Repeat the passphrase: ")?;
                if first.as_bytes() != second.as_bytes() {
                    return Err(CliError::Usage("the passphrases do not match".into()));
                }
                first
            }
        };
        if p.is_empty() {
            return Err(CliError::Usage(
                "the passphrase is empty; choose one, or use --unencrypted for a plain key file"
                    .into(),
            ));
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_endings() {
        for (input, want) in [
            ("a b\n", "a b"),
            ("a\r\n", "a"),
            ("a", "a"),
            ("a\nb\n", "a"),
            ("", ""),
        ] {
            assert_eq!(first_line(input), want);
        }
    }
}
