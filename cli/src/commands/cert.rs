//! `sealkit cert`: issue key certificates and show what one states.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use sealkit::{
    issue_certificate, parse_chain, pattern_covers, CertRequest, Certificate, Error, MAX_CERT_LEN,
    MAX_ENCODED_CHAIN_LEN,
};
use serde_json::{json, Value};

use super::sign::{load_key, AlgArg};
use super::trust::{bad, now, parse_duration, read_cert, read_small};
use crate::error::{CliError, CliResult};
use crate::keyfile;
use crate::output::{hex, printable, utc};

/// `sealkit cert ...`.
#[derive(Debug, Subcommand)]
pub enum CertCommand {
    /// Certify a signing key: the issuer (a root, or an intermediate with --issuer-cert) grants
    /// it an identity for a validity period and, optionally, a scope of subjects.
    Issue(Box<IssueArgs>),
    /// Show what a certificate (or a chain) states, without verifying it.
    Inspect(InspectArgs),
}

/// Arguments of `sealkit cert issue`.
#[derive(Debug, Args)]
pub struct IssueArgs {
    /// The issuing secret key (a root, or an intermediate certified by --issuer-cert).
    #[arg(long, value_name = "ISSUER.key")]
    pub issuer: PathBuf,
    /// The issuer's own certificate, when the issuer is an intermediate: the new certificate's
    /// issuer name is its subject, and validity, scope and depth must narrow it.
    #[arg(long, value_name = "ISSUER.cert")]
    pub issuer_cert: Option<PathBuf>,
    /// The identity granted to the key (`sub`), e.g. release-ci@vendor.example.
    #[arg(long, value_name = "ID")]
    pub subject: String,
    /// The key to certify: a NAME.pub file or the text `sealkit-ed25519:...`.
    #[arg(long, value_name = "SIGNER.pub")]
    pub key: String,
    /// How long the certificate is valid from --not-before: 30d, 12h, 90m, 2w, or seconds.
    #[arg(long, value_name = "DURATION")]
    pub expires: String,
    /// Start of validity, seconds since the Unix epoch [default: now].
    #[arg(long, value_name = "SECONDS")]
    pub not_before: Option<u64>,
    /// An artifact subject pattern the key may sign (exact, or ending in `*`). Repeat (up to 4).
    /// Under --issuer-cert, defaults to the issuer's scope.
    #[arg(long, value_name = "PATTERN")]
    pub scope: Vec<String>,
    /// Let the key certify others, with at most N certificates below it (1 to 8).
    #[arg(long, value_name = "N")]
    pub ca: Option<u8>,
    /// The issuer's name (`iss`): a policy root's `name` [default: the issuer's key id; with
    /// --issuer-cert, that certificate's subject].
    #[arg(long, value_name = "ISSUER_NAME")]
    pub name: Option<String>,
    /// COSE algorithm identifier to write (both are Ed25519).
    #[arg(long, value_enum, default_value_t = AlgArg::Ed25519)]
    pub cose_alg: AlgArg,
    /// Read the issuer key's passphrase from the first line of FILE instead of prompting.
    #[arg(long, value_name = "FILE")]
    pub passphrase_file: Option<PathBuf>,
    /// Where to write the certificate.
    #[arg(short = 'o', long = "output", value_name = "SIGNER.cert")]
    pub output: PathBuf,
}

/// Arguments of `sealkit cert inspect`.
#[derive(Debug, Args)]
pub struct InspectArgs {
    /// A certificate file, or a chain (an array of certificates, leaf first).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Print one JSON object on standard output instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Runs `sealkit cert ...`.
pub fn run(cmd: &CertCommand) -> CliResult<ExitCode> {
    match cmd {
        CertCommand::Issue(a) => issue(a).map(|()| ExitCode::SUCCESS),
        CertCommand::Inspect(a) => inspect(a),
    }
}

fn narrowing(what: &str, error: Error, detail: String) -> CliError {
    CliError::BadArgument {
        error,
        context: format!(
            "--issuer-cert: the new certificate would widen the issuer's {what} ({detail})"
        ),
    }
}

fn issue(a: &IssueArgs) -> CliResult<()> {
    let key = keyfile::load_public_key(&a.key)?;
    let not_before = match a.not_before {
        Some(t) => t,
        None => now()?,
    };
    let expires_at = not_before
        .checked_add(parse_duration(&a.expires)?)
        .ok_or_else(|| CliError::Usage("--expires is too far in the future".into()))?;
    let issuer_cert_bytes = match &a.issuer_cert {
        Some(p) => Some(read_cert(p)?),
        None => None,
    };
    let issuer_cert = match &issuer_cert_bytes {
        Some(b) => Some(Certificate::parse(b).map_err(|e| bad("--issuer-cert", e))?),
        None => None,
    };
    let issuer = load_key(&a.issuer, a.passphrase_file.as_deref())?;
    let default_name = issuer.public_key().key_id().to_string();
    let mut scope: Vec<&str> = a.scope.iter().map(String::as_str).collect();
    let name: &str = match &issuer_cert {
        Some(c) => {
            if c.unverified_key() != &issuer.public_key() {
                return Err(bad(
                    "--issuer-cert certifies another key than --issuer",
                    Error::UnknownIssuer,
                ));
            }
            if a.name
                .as_deref()
                .is_some_and(|n| n != c.unverified_subject())
            {
                return Err(CliError::Usage(format!(
                    "--name must be the issuer certificate's subject {:?} (or be left out)",
                    c.unverified_subject()
                )));
            }
            let Some(upper_ca) = c.unverified_ca() else {
                return Err(bad(
                    "--issuer-cert may not certify keys (it has no ca)",
                    Error::NotACertifier,
                ));
            };
            if a.ca.is_some_and(|n| n >= upper_ca) {
                return Err(narrowing(
                    "depth",
                    Error::ScopeWidened,
                    format!("--ca must be below the issuer's {upper_ca}"),
                ));
            }
            if not_before < c.unverified_not_before() || expires_at > c.unverified_expires() {
                return Err(narrowing(
                    "validity",
                    Error::ValidityWidened,
                    format!(
                        "the issuer is valid from {} to {}",
                        utc(c.unverified_not_before()),
                        utc(c.unverified_expires())
                    ),
                ));
            }
            let upper = c.unverified_scope();
            if !upper.is_empty() {
                if scope.is_empty() {
                    scope = upper.to_vec();
                }
                if let Some(p) = scope
                    .iter()
                    .find(|p| !upper.iter().any(|u| pattern_covers(u, p)))
                {
                    return Err(narrowing(
                        "scope",
                        Error::ScopeWidened,
                        format!("{p:?} is not within {}", upper.join(", ")),
                    ));
                }
            }
            c.unverified_subject()
        }
        None => a.name.as_deref().unwrap_or(&default_name),
    };
    let mut cti = [0u8; 16];
    getrandom::fill(&mut cti)
        .map_err(|e| CliError::Usage(format!("no random bytes for the certificate id: {e}")))?;
    let req = CertRequest {
        alg: a.cose_alg.alg(),
        issuer: name,
        subject: &a.subject,
        key,
        not_before,
        expires_at,
        cti: &cti,
        scope: &scope,
        ca: a.ca,
    };
    let mut out = [0u8; MAX_CERT_LEN];
    let n = issue_certificate(&issuer, &req, &mut out).map_err(|e| bad("cannot issue", e))?;
    let cert = out.get(..n).unwrap_or_default();
    std::fs::write(&a.output, cert).map_err(|e| CliError::write(&a.output, e))?;
    outln!("Issued certificate {}", a.output.display());
    outln!("  certificate id: {}", hex(&cti));
    outln!(
        "  issuer:         {} (key id {})",
        printable(name),
        issuer.public_key().key_id()
    );
    outln!("  subject:        {}", printable(&a.subject));
    outln!("  key id:         {}", key.key_id());
    outln!(
        "  valid:          {} to {}",
        utc(not_before),
        utc(expires_at)
    );
    if !scope.is_empty() {
        outln!("  scope:          {}", scope.join(", "));
    }
    if let Some(ca) = a.ca {
        outln!("  may certify:    up to {ca} certificate(s) below it");
    }
    outln!("  size:           {n} bytes");
    Ok(())
}

fn cert_json(c: &Certificate<'_>, size: Option<usize>) -> Value {
    let mut key = [0u8; sealkit::PUBLIC_KEY_TEXT_LEN];
    json!({
        "verified": false,
        "alg": c.unverified_alg().name(),
        "issuer_key_id": c.unverified_issuer_kid().to_string(),
        "issuer": c.unverified_issuer(),
        "subject": c.unverified_subject(),
        "key": c.unverified_key().to_text(&mut key),
        "key_id": c.unverified_key().key_id().to_string(),
        "not_before": c.unverified_not_before(),
        "expires": c.unverified_expires(),
        "certificate_id": hex(c.unverified_id()),
        "scope": c.unverified_scope(),
        "ca": c.unverified_ca(),
        "size": size,
    })
}

fn cert_lines(c: &Certificate<'_>) -> String {
    let mut key = [0u8; sealkit::PUBLIC_KEY_TEXT_LEN];
    let mut s = String::new();
    let mut row = |k: &str, v: String| s.push_str(&format!("  {k:<16} {v}\n"));
    row(
        "issuer:",
        format!(
            "{} (key id {})",
            printable(c.unverified_issuer()),
            c.unverified_issuer_kid()
        ),
    );
    row("subject:", printable(c.unverified_subject()));
    row("key:", c.unverified_key().to_text(&mut key).to_owned());
    row("key id:", c.unverified_key().key_id().to_string());
    row(
        "not before:",
        format!(
            "{} ({})",
            utc(c.unverified_not_before()),
            c.unverified_not_before()
        ),
    );
    row(
        "expires:",
        format!(
            "{} ({})",
            utc(c.unverified_expires()),
            c.unverified_expires()
        ),
    );
    row("certificate id:", hex(c.unverified_id()));
    let scope = c.unverified_scope();
    row(
        "scope:",
        if scope.is_empty() {
            "(not restricted)".to_owned()
        } else {
            scope.join(", ")
        },
    );
    row(
        "may certify:",
        match c.unverified_ca() {
            Some(n) => format!("yes, up to {n} certificate(s) below it"),
            None => "no (signs envelopes only)".to_owned(),
        },
    );
    row("alg:", c.unverified_alg().name().to_owned());
    s
}

fn inspect(a: &InspectArgs) -> CliResult<ExitCode> {
    let bytes = read_small(&a.file, MAX_ENCODED_CHAIN_LEN, "certificate chain")?;
    let chain = match Certificate::parse(&bytes) {
        Ok(c) => vec![c],
        Err(first) => match parse_chain(&bytes) {
            Ok(chain) => chain.into_iter().collect(),
            Err(_) => {
                let e = CliError::Rejected {
                    error: first,
                    context: a.file.display().to_string(),
                    detail: String::new(),
                };
                if a.json {
                    outln!("{}", json!({"valid": false, "error": e.to_json()}));
                } else {
                    errln!("sealkit: MALFORMED {e}");
                }
                return Ok(e.exit_code());
            }
        },
    };
    if a.json {
        let size = (chain.len() == 1).then_some(bytes.len());
        let certs: Vec<Value> = chain.iter().map(|c| cert_json(c, size)).collect();
        let v = if certs.len() == 1 {
            certs.into_iter().next().unwrap_or(Value::Null)
        } else {
            json!({"verified": false, "chain": certs})
        };
        outln!("{v}");
    } else {
        outln!("UNVERIFIED key certificate{} (nothing here is checked; verify checks it against a policy)",
            if chain.len() > 1 { " chain, leaf first" } else { "" });
        for (i, c) in chain.iter().enumerate() {
            if chain.len() > 1 {
                outln!("certificate #{}:", i + 1);
            }
            out!("{}", cert_lines(c));
        }
        outln!("  size:            {} bytes", bytes.len());
    }
    Ok(ExitCode::SUCCESS)
}
