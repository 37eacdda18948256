//! `sealkit sign`: hash a file (streaming) and write its signature envelope.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use clap::{Args, ValueEnum};
use sealkit::{
    ArtifactHasher, ContentType, HashAlg, SignRequest, SignatureAlg, SigningKey, MAX_IDENTITY_LEN,
    MAX_MEDIA_TYPE_LEN, MAX_SUBJECT_LEN,
};

use crate::error::{CliError, CliResult};
use crate::keyfile;
use crate::output::{hex, is_deceptive, size};
use crate::passphrase::PassphraseSource;
use crate::progress::Progress;
use crate::read::{self, base_name, is_stdin, with_suffix, Input, StreamError};

/// The environment variable that fixes the signing time for reproducible builds.
pub const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";

/// `--hash`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum HashArg {
    /// SHA-256 (COSE -16).
    Sha256,
    /// SHA-512 (COSE -44).
    Sha512,
}

impl HashArg {
    /// The hash algorithm this flag names.
    pub fn alg(self) -> HashAlg {
        match self {
            HashArg::Sha256 => HashAlg::Sha256,
            HashArg::Sha512 => HashAlg::Sha512,
        }
    }
}

/// `--cose-alg`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AlgArg {
    /// COSE Ed25519 (-19), the default.
    Ed25519,
    /// COSE EdDSA (-8), for COSE libraries that lack -19. Same signature.
    Eddsa,
}

impl AlgArg {
    /// The COSE algorithm this flag names.
    pub fn alg(self) -> SignatureAlg {
        match self {
            AlgArg::Ed25519 => SignatureAlg::Ed25519,
            AlgArg::Eddsa => SignatureAlg::EdDsa,
        }
    }
}

/// Arguments of `sealkit sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// The file to sign, or `-` for standard input (then -o is required).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The secret key file (NAME.key); not with keyless signing (--oidc-token-file/-env).
    #[arg(
        short = 'k',
        long,
        value_name = "NAME.key",
        required_unless_present = "oidc_token",
        conflicts_with = "oidc_token"
    )]
    pub key: Option<PathBuf>,

    /// Signer identity to state in the envelope (`iss`), e.g. an e-mail address.
    #[arg(long, value_name = "ID", conflicts_with = "oidc_token")]
    pub identity: Option<String>,

    /// Artifact name to state (`sub`); defaults to FILE's base name (for standard input, the
    /// output's base name without `.sig`).
    #[arg(long, value_name = "NAME")]
    pub subject: Option<String>,

    /// Release version for anti-rollback checks (verify --min-version).
    #[arg(long = "version", value_name = "N")]
    pub release_version: Option<u64>,

    /// Hash algorithm for the artifact.
    #[arg(long, value_enum, default_value_t = HashArg::Sha256)]
    pub hash: HashArg,

    /// COSE algorithm identifier to write (both are Ed25519).
    #[arg(long, value_enum, default_value_t = AlgArg::Ed25519)]
    pub cose_alg: AlgArg,

    /// Media type of the artifact.
    #[arg(long, value_name = "MEDIA", default_value = "application/octet-stream")]
    pub content_type: String,

    /// Where to write the signature [default: FILE.sig].
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// Signing time in seconds since the Unix epoch [default: $SOURCE_DATE_EPOCH, else now].
    #[arg(long, value_name = "SECONDS")]
    pub issued_at: Option<u64>,

    /// Read the key's passphrase from the first line of FILE instead of prompting.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,

    /// When FILE is a directory: leave out paths matching PATTERN (`*`, `?`; a pattern
    /// without `/` matches a name at any depth). The patterns are signed in the manifest.
    #[arg(long, value_name = "PATTERN")]
    pub exclude: Vec<String>,

    /// When FILE is an image index: sign this platform's manifest (`OS/ARCH[/VARIANT]`)
    /// instead of the index.
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,

    /// A certificate for the signing key (first), then each issuer's certificate up the chain:
    /// the envelope carries the chain (`kcwt`) so that verifiers trusting the root accept it.
    #[arg(long = "cert", value_name = "CERT", conflicts_with = "oidc_token")]
    pub certs: Vec<PathBuf>,

    /// Let the signature expire this long after the signing time (30d, 12h, 2w, or seconds):
    /// verifiers with a clock refuse it afterwards.
    #[arg(long, value_name = "DURATION")]
    pub expires: Option<String>,

    /// Keyless signing: read the OIDC ID token from FILE (white space around it is ignored). An
    /// ephemeral key is certified by --issuer for this identity, then discarded.
    #[arg(long, value_name = "FILE", group = "oidc_token", requires = "issuer")]
    pub oidc_token_file: Option<PathBuf>,

    /// Keyless signing: read the OIDC ID token from the environment variable VAR (as CI
    /// systems provide it).
    #[arg(long, value_name = "VAR", group = "oidc_token", requires = "issuer")]
    pub oidc_token_env: Option<String>,

    /// Keyless signing: the certificate issuer's URL (https://, or http:// on 127.0.0.1,
    /// localhost or ::1 only). It certifies the ephemeral key and timestamps the signature.
    #[arg(long, value_name = "URL", requires = "oidc_token")]
    pub issuer: Option<String>,

    /// Add this signature to an existing signature file (which becomes or stays a set of
    /// signatures over the same file) instead of writing a new one [default output: that file].
    #[arg(long, value_name = "EXISTING.sig")]
    pub append: Option<PathBuf>,
}

/// Everything the envelope states besides the digest and length.
#[derive(Debug)]
pub struct Claims<'a> {
    /// `alg`.
    pub alg: SignatureAlg,
    /// `payload_hash_alg`.
    pub hash: HashAlg,
    /// `payload_preimage_content_type`.
    pub content_type: ContentType<'a>,
    /// `sub`.
    pub subject: &'a str,
    /// `iss`.
    pub issuer: Option<&'a str>,
    /// `iat`.
    pub issued_at: u64,
    /// Release version.
    pub version: Option<u64>,
}

/// What signing produced.
#[derive(Debug)]
pub struct Signed {
    /// The exact bytes of the `.sig` file.
    pub envelope: Vec<u8>,
    /// The artifact's length.
    pub length: u64,
    /// The artifact's digest, hex.
    pub digest_hex: String,
}

/// Loads the signing key file `key` (`--key`), asking for its passphrase as
/// `--passphrase-file` (or the environment, or a prompt) says. Every signing command loads its
/// key through here, before it reads its input, so that a long hash is not wasted.
pub fn load_key(key: &Path, passphrase_file: Option<&Path>) -> CliResult<SigningKey> {
    let source = PassphraseSource {
        file: passphrase_file.map(Path::to_path_buf),
    };
    let key_name = format!("{}", key.display());
    keyfile::load_signing_key(key, || source.for_opening(&key_name))
}

/// Checks the text claims before any byte is hashed, so that mistakes fail fast.
pub fn check_claims(claims: &Claims<'_>) -> CliResult<()> {
    if claims.subject.is_empty() || claims.subject.len() > MAX_SUBJECT_LEN {
        return Err(CliError::Usage(format!(
            "the subject must be 1 to {MAX_SUBJECT_LEN} bytes long"
        )));
    }
    if claims.subject.chars().any(is_deceptive)
        || claims.issuer.is_some_and(|s| s.chars().any(is_deceptive))
    {
        return Err(CliError::Usage(
            "the subject and the identity must not contain control characters or invisible \
             format characters (such as bidirectional overrides)"
                .into(),
        ));
    }
    if let Some(id) = claims.issuer {
        if id.is_empty() || id.len() > MAX_IDENTITY_LEN {
            return Err(CliError::Usage(format!(
                "the identity must be 1 to {MAX_IDENTITY_LEN} bytes long"
            )));
        }
    }
    if let ContentType::MediaType(m) = claims.content_type {
        if m.len() > MAX_MEDIA_TYPE_LEN || !m.contains('/') || m.chars().any(char::is_whitespace) {
            return Err(CliError::Usage(format!(
                "the content type must be a media type such as application/octet-stream, at most {MAX_MEDIA_TYPE_LEN} bytes"
            )));
        }
    }
    Ok(())
}

/// Hashes `input` (streaming, with the reader thread) and signs it with `key`.
pub fn sign_input(
    input: Input,
    key: &SigningKey,
    claims: &Claims<'_>,
    progress: &Progress,
) -> CliResult<Signed> {
    sign_input_with(
        input,
        key,
        claims,
        &sealkit::SignOptions::default(),
        progress,
    )
}

/// [`sign_input`] with a certificate chain and/or an expiry.
pub fn sign_input_with(
    input: Input,
    key: &SigningKey,
    claims: &Claims<'_>,
    opts: &sealkit::SignOptions<'_>,
    progress: &Progress,
) -> CliResult<Signed> {
    check_claims(claims)?;
    let name = input.name().to_string();
    let mut hasher = ArtifactHasher::new(claims.hash);
    let length = read::stream::<()>(input, |chunk| {
        hasher.update(chunk);
        progress.inc(chunk.len() as u64);
        Ok(())
    })
    .map_err(|e| match e {
        StreamError::Read(e) => CliError::io(format!("cannot read {name}"), e),
        StreamError::Consumer(()) => CliError::Usage("hashing stopped".into()),
    })?;
    progress.finish();
    let digest = hasher.finalize();
    let req = SignRequest {
        alg: claims.alg,
        digest,
        length,
        content_type: claims.content_type,
        subject: claims.subject,
        issuer: claims.issuer,
        issued_at: claims.issued_at,
        version: claims.version,
    };
    let mut out = [0u8; sealkit::MAX_CHAINED_ENVELOPE_LEN];
    let n =
        sealkit::sign_with(key, &req, opts, &mut out).map_err(|error| CliError::BadArgument {
            error,
            context: "cannot sign".into(),
        })?;
    let envelope = out
        .get(..n)
        .map(<[u8]>::to_vec)
        .ok_or_else(|| CliError::Usage("the envelope does not fit".into()))?;
    Ok(Signed {
        envelope,
        length,
        digest_hex: hex(digest.as_bytes()),
    })
}

/// The signing time: `--issued-at`, else `SOURCE_DATE_EPOCH`, else the clock.
pub(crate) fn issued_at(arg: Option<u64>) -> CliResult<u64> {
    if let Some(t) = arg {
        return Ok(t);
    }
    if let Some(v) = std::env::var_os(SOURCE_DATE_EPOCH) {
        let s = v.to_str().unwrap_or("");
        return s.trim().parse::<u64>().map_err(|_| {
            CliError::Usage(format!(
                "{SOURCE_DATE_EPOCH} must be a whole number of seconds since the Unix epoch"
            ))
        });
    }
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| CliError::Usage("the system clock is before 1970".into()))
}

fn default_subject(file: &Path, output: &Path) -> CliResult<String> {
    if is_stdin(file) {
        let out = base_name(output).ok_or_else(|| {
            CliError::Usage("cannot derive a subject from the output name; use --subject".into())
        })?;
        let s = out.strip_suffix(".sig").unwrap_or(&out);
        if s.is_empty() {
            return Err(CliError::Usage(
                "cannot derive a subject from the output name; use --subject".into(),
            ));
        }
        return Ok(s.to_string());
    }
    base_name(file).ok_or_else(|| {
        CliError::Usage(format!(
            "{} has no UTF-8 file name to use as the subject; use --subject",
            file.display()
        ))
    })
}

/// Runs `sign`.
pub fn run(args: &SignArgs) -> CliResult<()> {
    let output = match (&args.output, is_stdin(&args.file)) {
        (Some(o), _) => o.clone(),
        (None, _) if args.append.is_some() => args.append.clone().unwrap_or_default(),
        (None, false) => with_suffix(&args.file, ".sig"),
        (None, true) => {
            return Err(CliError::Usage(
                "signing standard input needs -o OUT for the signature".into(),
            ))
        }
    };
    if is_stdin(&output) {
        return Err(CliError::Usage(
            "the signature must be written to a file (-o OUT)".into(),
        ));
    }
    let subject = match &args.subject {
        Some(s) => s.clone(),
        None => default_subject(&args.file, &output)?,
    };
    let claims = Claims {
        alg: args.cose_alg.alg(),
        hash: args.hash.alg(),
        content_type: ContentType::from_media_type(&args.content_type),
        subject: &subject,
        issuer: args.identity.as_deref(),
        issued_at: issued_at(args.issued_at)?,
        version: args.release_version,
    };
    check_claims(&claims)?;
    if crate::keyless::requested(args) {
        return crate::keyless::sign(args, &claims, &output);
    }

    // The key (and its passphrase) before the input, so that a long hash is not wasted.
    let key = load_key(
        crate::keyless::key_path(args)?,
        args.passphrase_file.as_deref(),
    )?;
    let chain = super::trust::chain_from(&args.certs)?;
    let opts =
        super::trust::sign_options(chain.as_deref(), args.expires.as_deref(), claims.issued_at)?;
    let existing = super::trust::read_existing(args.append.as_deref())?;
    let input = Input::open(&args.file)?;
    let name = input.name().to_string();
    let progress = Progress::new(input.size(), true, "signing");
    let signed = sign_input_with(input, &key, &claims, &opts, &progress)?;
    let bytes = super::trust::appended(existing.as_deref(), &signed.envelope)?;
    std::fs::write(&output, &bytes).map_err(|e| CliError::write(&output, e))?;

    outln!("Signed {name}");
    outln!("  signature:  {}", output.display());
    outln!("  key id:     {}", key.public_key().key_id());
    outln!("  subject:    {subject}");
    if let Some(id) = claims.issuer {
        outln!("  identity:   {id}");
    }
    if let Some(v) = claims.version {
        outln!("  version:    {v}");
    }
    outln!("  length:     {}", size(signed.length));
    outln!("  digest:     {}:{}", claims.hash.name(), signed.digest_hex);
    super::trust::print_sign_extras(&opts, &bytes, existing.is_some());
    Ok(())
}
