//! What `sign` and `verify` share with the trust commands: durations, the clock, certificate
//! files, trust policies from files, and the per-signer report.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use sealkit::{
    check_signers, encode_chain, Error, SignOptions, TrustPolicy, Verified, MAX_CERT_LEN,
    MAX_ENCODED_CHAIN_LEN, MAX_POLICY_LEN, MAX_ROTATION_LEN,
};
use sealkit_trustfile::{Policy, TrustFileError};
use serde_json::{json, Value};

use crate::error::{CliError, CliResult};
use crate::output::{printable, utc};

/// Seconds in a duration such as `30d`, `12h`, `90m`, `45s`, `2w` or a plain number of seconds.
pub fn parse_duration(text: &str) -> CliResult<u64> {
    let bad = || {
        CliError::Usage(format!(
            "{text:?} is not a duration: give a whole number with s, m, h, d or w (e.g. 30d)"
        ))
    };
    let t = text.trim();
    let (num, unit) = match t.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (t.get(..i).ok_or_else(bad)?, c),
        _ => (t, 's'),
    };
    let n: u64 = num.parse().map_err(|_| bad())?;
    let mult = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 7 * 86_400,
        _ => return Err(bad()),
    };
    if n == 0 {
        return Err(bad());
    }
    n.checked_mul(mult).ok_or_else(bad)
}

/// The system clock, in seconds since the Unix epoch.
pub fn now() -> CliResult<u64> {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| CliError::Usage("the system clock is before 1970".into()))
}

/// Reads a small file whole, refusing one over `limit` bytes.
pub fn read_small(path: &Path, limit: usize, what: &str) -> CliResult<Vec<u8>> {
    use std::io::Read as _;
    let f = std::fs::File::open(path).map_err(|e| CliError::read(path, e))?;
    let mut buf = Vec::new();
    f.take(limit as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| CliError::read(path, e))?;
    if buf.len() > limit {
        return Err(CliError::Usage(format!(
            "{} is larger than any {what} ({limit} bytes)",
            path.display()
        )));
    }
    Ok(buf)
}

/// Reads a certificate file.
pub fn read_cert(path: &Path) -> CliResult<Vec<u8>> {
    read_small(path, MAX_CERT_LEN, "certificate")
}

/// A core error about a file or argument.
pub fn bad(context: impl Into<String>, error: Error) -> CliError {
    CliError::BadArgument {
        error,
        context: context.into(),
    }
}

/// The `kcwt` chain for `--cert` files (leaf first), or `None` without any.
pub fn chain_from(certs: &[std::path::PathBuf]) -> CliResult<Option<Vec<u8>>> {
    if certs.is_empty() {
        return Ok(None);
    }
    let files = certs
        .iter()
        .map(|p| read_cert(p))
        .collect::<CliResult<Vec<_>>>()?;
    let refs: Vec<&[u8]> = files.iter().map(Vec::as_slice).collect();
    let mut out = vec![0u8; MAX_ENCODED_CHAIN_LEN];
    let n = encode_chain(&refs, &mut out).map_err(|e| {
        let names: Vec<String> = certs.iter().map(|p| p.display().to_string()).collect();
        bad(
            format!(
                "--cert {} (give the signing key's certificate first, then each issuer's)",
                names.join(" --cert ")
            ),
            e,
        )
    })?;
    out.truncate(n);
    Ok(Some(out))
}

/// Signing options from `--cert` and `--expires` (relative to the signing time).
pub fn sign_options<'a>(
    chain: Option<&'a [u8]>,
    expires: Option<&str>,
    issued_at: u64,
) -> CliResult<SignOptions<'a>> {
    let expires_at = match expires {
        Some(d) => Some(
            issued_at
                .checked_add(parse_duration(d)?)
                .ok_or_else(|| CliError::Usage("--expires is too far in the future".into()))?,
        ),
        None => None,
    };
    Ok(SignOptions { chain, expires_at })
}

fn trustfile_error(e: TrustFileError) -> CliError {
    match e {
        TrustFileError::Io { path, source } => CliError::read(&path, source),
        other => {
            let code = other.core().unwrap_or(Error::BadPolicy);
            CliError::BadArgument {
                error: code,
                context: other.to_string(),
            }
        }
    }
}

/// Whether `path` holds a compiled (CBOR) policy rather than a TOML trust file: by extension,
/// else by its first byte (a CBOR map).
fn is_compiled(path: &Path, bytes: &[u8]) -> bool {
    match path.extension().and_then(|e| e.to_str()) {
        Some("cbor") => true,
        Some("toml") => false,
        _ => bytes.first().is_some_and(|b| (0xa0..=0xbf).contains(b)),
    }
}

/// Reads a trust file (TOML) or a compiled policy (CBOR) into the checked model.
pub fn load_policy_file(path: &Path) -> CliResult<Policy> {
    let bytes = read_small(path, 64 * 1024, "trust file")?;
    if is_compiled(path, &bytes) {
        Policy::from_cbor(&bytes, &path.display().to_string()).map_err(trustfile_error)
    } else {
        Policy::from_toml_file(path).map_err(trustfile_error)
    }
}

/// The core policy for `--policy FILE`: a compiled policy is loaded by the core itself, exactly
/// as a device would; a TOML file is compiled first.
pub fn core_policy(path: &Path) -> CliResult<TrustPolicy> {
    let bytes = read_small(path, 64 * 1024, "trust file")?;
    if is_compiled(path, &bytes) {
        if bytes.len() > MAX_POLICY_LEN {
            return Err(bad(path.display().to_string(), Error::BadPolicy));
        }
        TrustPolicy::from_cbor(&bytes).map_err(|e| bad(path.display().to_string(), e))
    } else {
        let p = Policy::from_toml_file(path).map_err(trustfile_error)?;
        TrustPolicy::from_cbor(&p.to_cbor()).map_err(|e| bad(path.display().to_string(), e))
    }
}

/// Applies rotation statements in order; returns the new key ids.
pub fn apply_rotations(
    policy: &mut TrustPolicy,
    files: &[std::path::PathBuf],
) -> CliResult<Vec<String>> {
    let mut moved = Vec::new();
    for f in files {
        let bytes = read_small(f, MAX_ROTATION_LEN, "rotation statement")?;
        let kid = policy
            .apply_rotation(&bytes)
            .map_err(|error| CliError::Rejected {
                error,
                context: format!("rotation {}", f.display()),
                detail: String::new(),
            })?;
        moved.push(kid.to_string());
    }
    Ok(moved)
}

/// The time given to the policy: `--now`, else the clock, unless `--no-clock`.
pub fn apply_clock(
    policy: &mut TrustPolicy,
    now_arg: Option<u64>,
    no_clock: bool,
) -> CliResult<()> {
    if no_clock {
        return Ok(());
    }
    let t = match now_arg {
        Some(t) => t,
        None => now()?,
    };
    policy.set_time(t);
    Ok(())
}

/// Every signature of a signature file checked against the policy (not the artifact).
#[derive(Debug, Default)]
pub struct SignerList {
    /// One JSON object per signature.
    pub json: Vec<Value>,
    /// One text line per signature.
    pub lines: Vec<String>,
    /// How many distinct trusted signers count.
    pub valid: usize,
    /// How many the policy requires.
    pub required: u8,
}

/// Checks each signature of `sig` under `policy`, for the report; `None` if the file is
/// malformed (the verification itself then reports why).
pub fn signer_list(sig: &[u8], policy: &TrustPolicy) -> Option<SignerList> {
    let mut list = SignerList {
        required: policy.threshold(),
        ..SignerList::default()
    };
    let summary = check_signers(sig, policy, |r| {
        let (verdict, identity, line) = match r.verdict {
            Ok(s) => (
                json!("ok"),
                s.identity().map(str::to_owned),
                format!(
                    "ok{}{}{}",
                    s.identity()
                        .map(|i| format!(", identity {}", printable(i)))
                        .unwrap_or_default(),
                    match s.root_key_id() {
                        Some(root) => format!(", via root {root} (chain of {})", s.chain_depth()),
                        None => String::new(),
                    },
                    timestamp_text(s)
                ),
            ),
            Err(e) => (
                json!({"code": e.code(), "name": e.name(), "message": e.message()}),
                None,
                format!("REJECTED: {} ({})", e.message(), e.name()),
            ),
        };
        let mut o = serde_json::Map::new();
        o.insert("index".into(), json!(r.index));
        o.insert("key_id".into(), json!(r.unverified_kid.to_string()));
        o.insert("identity".into(), json!(identity));
        if let Ok(s) = r.verdict {
            o.insert(
                "root_key_id".into(),
                json!(s.root_key_id().map(|k| k.to_string())),
            );
            o.insert("chain_depth".into(), json!(s.chain_depth()));
            o.insert("timestamp".into(), json!(s.timestamp()));
            o.insert(
                "timestamp_key_id".into(),
                json!(s.timestamp_key_id().map(|k| k.to_string())),
            );
        }
        o.insert("verdict".into(), verdict);
        o.insert("counted".into(), json!(r.counted));
        list.json.push(Value::Object(o));
        let counted = if r.verdict.is_ok() && !r.counted {
            " (not counted: key or identity already counted)"
        } else {
            ""
        };
        list.lines.push(format!(
            "signature #{} by key id {}: {line}{counted}",
            r.index + 1,
            r.unverified_kid
        ));
    })
    .ok()?;
    list.valid = summary.signers.len();
    Some(list)
}

/// ", timestamped at TIME by key KID" for a signer whose envelope carried a trusted receipt.
fn timestamp_text(s: &sealkit::Signer) -> String {
    match (s.timestamp(), s.timestamp_key_id()) {
        (Some(t), Some(k)) => format!(", timestamped at {} ({t}) by key {k}", utc(t)),
        _ => String::new(),
    }
}

/// Extra lines after a verified file: signers and whether time was checked.
pub fn verified_trust_lines(v: &Verified, now: Option<u64>, indent: &str) -> String {
    let mut s = String::new();
    if v.signers().len() > 1 {
        s += &format!("{indent}{:<13} {}\n", "signers:", v.signers().len());
    }
    for signer in v.signers() {
        if let Some(root) = signer.root_key_id() {
            s += &format!(
                "{indent}{:<13} key {} certified by root {} (chain of {})\n",
                "certified:",
                signer.key_id(),
                root,
                signer.chain_depth()
            );
        }
        if let (Some(t), Some(k)) = (signer.timestamp(), signer.timestamp_key_id()) {
            s += &format!(
                "{indent}{:<13} {} ({t}) by timestamp key {k}; the chain was checked at that time\n",
                "timestamped:",
                utc(t)
            );
        }
    }
    if let Some(exp) = v.expires_at() {
        s += &format!("{indent}{:<13} {} ({exp})\n", "expires:", utc(exp));
    }
    let time = match (v.time_checked(), now) {
        (true, Some(t)) => format!("checked at {} ({t})", utc(t)),
        (true, None) => "checked".to_owned(),
        (false, _) => {
            "NOT checked (--no-clock): expiry and validity periods were skipped".to_owned()
        }
    };
    s += &format!("{indent}{:<13} {time}\n", "time:");
    s
}

/// The signature file `--append` names, read whole (a set is at most 16 KiB).
pub fn read_existing(path: Option<&Path>) -> CliResult<Option<Vec<u8>>> {
    path.map(|p| read_small(p, sealkit::MAX_SIGNATURE_SET_LEN, "signature file"))
        .transpose()
}

/// The bytes to write: the new envelope alone, or appended to the existing signature file.
pub fn appended(existing: Option<&[u8]>, envelope: &[u8]) -> CliResult<Vec<u8>> {
    let Some(existing) = existing else {
        return Ok(envelope.to_vec());
    };
    let mut out = vec![0u8; sealkit::MAX_SIGNATURE_SET_LEN];
    let n = sealkit::append_signature(existing, envelope, &mut out).map_err(|e| {
        let why = match e {
            Error::DuplicateKey => "this key has already signed it",
            Error::SignatureSetMismatch => {
                "it signs another file, or states another subject, version or content type"
            }
            Error::BadSignatureSet => "it already holds 8 signatures or 16 KiB",
            _ => "it is not a signature file",
        };
        bad(
            format!("--append: cannot add to the signature file: {why}"),
            e,
        )
    })?;
    out.truncate(n);
    Ok(out)
}

/// What `sign` adds to its report for a chain, an expiry or an appended signature.
pub fn print_sign_extras(opts: &SignOptions<'_>, written: &[u8], appended: bool) {
    if let Some(chain) = opts.chain {
        if let Ok(certs) = sealkit::parse_chain(chain) {
            let first = certs.first();
            outln!(
                "  certified:  as {} by {} (chain of {})",
                first.map_or(String::new(), |c| printable(c.unverified_subject())),
                certs
                    .last()
                    .map_or(String::new(), |c| printable(c.unverified_issuer())),
                certs.len()
            );
        }
    }
    if let Some(exp) = opts.expires_at {
        outln!("  expires:    {} ({exp})", utc(exp));
    }
    if appended {
        let count = sealkit::SignatureFile::parse(written).map_or(0, |f| f.envelopes().len());
        outln!("  signatures: {count} in the file (this one appended)");
    }
}

/// The policy `verify` uses: `--policy` (with `--rotation`s followed) or the `--key` flags,
/// then the clock.
pub fn verify_policy(args: &super::verify::VerifyArgs) -> CliResult<TrustPolicy> {
    let mut policy = match &args.policy {
        Some(path) => {
            let mut p = core_policy(path)?;
            apply_rotations(&mut p, &args.rotation)?;
            // --min-version may only raise the policy's minimum.
            if let Some(v) = args.min_version {
                if p.min_version().is_none_or(|m| v > m) {
                    p.require_min_version(v);
                }
            }
            p
        }
        None => super::verify::build_policy(
            &args.keys,
            args.identity.as_deref(),
            args.subject.as_deref(),
            args.min_version,
        )?,
    };
    apply_clock(&mut policy, args.now, args.no_clock)?;
    Ok(policy)
}

/// What `verify` reports about signers and time, besides the verdict.
#[derive(Debug, Default)]
pub struct TrustReport {
    /// The time given to the policy, if any.
    pub now: Option<u64>,
    /// Every signature checked, if the policy and the signature file could be read.
    pub signers: Option<SignerList>,
}

/// Checks every signature of the file for the report (the verdict comes from streaming).
pub fn report(args: &super::verify::VerifyArgs) -> TrustReport {
    let Ok(policy) = verify_policy(args) else {
        return TrustReport::default();
    };
    let sig_path = match &args.sig {
        Some(s) => s.clone(),
        None => crate::read::with_suffix(&args.file, ".sig"),
    };
    let signers = if crate::read::is_stdin(&sig_path) {
        None
    } else {
        read_small(&sig_path, sealkit::MAX_SIGNATURE_SET_LEN, "signature file")
            .ok()
            .and_then(|sig| signer_list(&sig, &policy))
    };
    TrustReport {
        now: policy.time(),
        signers,
    }
}

/// Adds `signers`, `time_checked`, `now` and, for a threshold failure, the counts to `verify
/// --json`'s object.
pub fn extend_json(
    obj: &mut serde_json::Map<String, Value>,
    verified: &Result<&Verified, &CliError>,
    trust: &TrustReport,
) {
    obj.insert("now".into(), json!(trust.now));
    obj.insert(
        "time_checked".into(),
        json!(match verified {
            Ok(v) => v.time_checked(),
            Err(_) => trust.now.is_some(),
        }),
    );
    if let Ok(v) = verified {
        obj.insert("expires".into(), json!(v.expires_at()));
    }
    if let Some(list) = &trust.signers {
        obj.insert("signers".into(), Value::Array(list.json.clone()));
        obj.insert("valid_signers".into(), json!(list.valid));
        obj.insert("required_signers".into(), json!(list.required));
    }
}

/// After a rejection: the reason's stable name and code, each signature's verdict when there are several or a threshold failed,
/// and the count of valid signers.
pub fn print_rejection(e: &CliError, trust: &TrustReport) {
    errln!("sealkit: reason: {} (code {})", e.name(), e.code());
    let Some(list) = &trust.signers else {
        return;
    };
    if e.core() == Some(Error::ThresholdNotMet) {
        errln!(
            "sealkit: found {} valid distinct signer(s), the policy requires {}",
            list.valid,
            list.required
        );
    }
    if list.lines.len() > 1 || e.core() == Some(Error::ThresholdNotMet) {
        for l in &list.lines {
            errln!("  {l}");
        }
    }
}
