//! sealkit trust files.
//!
//! A trust file is the TOML form of a trust policy, for people: which roots and keys are
//! trusted, for which identities and subjects, what is revoked, and the policy-wide rules.
//! [`Policy::from_toml_file`] reads and checks one; [`Policy::to_cbor`] writes the compact,
//! deterministic CBOR form that devices load with `sealkit::TrustPolicy::from_cbor`;
//! [`Policy::from_cbor`] reads a compiled policy back, for display; and
//! [`Policy::to_trust_policy`] gives the core policy directly. Every limit is the core's own: a
//! policy is checked by building the core `TrustPolicy` from it, so a trust file that compiles
//! always loads on a device. Both formats are in `docs/FORMAT.md`.
//!
//! ```toml
//! version = 1
//! [require]
//! subject = "app-*"
//! signers = 2
//! [[root]]
//! key_file = "root.pub"
//! name = "vendor-root"
//! identities = ["*@vendor.example"]
//! [[key]]
//! key = "sealkit-ed25519:..."
//! [[timestamp]]
//! key_file = "tsa.pub"
//! [revoked]
//! keys = ["0123456789abcdef"]
//! ```

use std::path::{Path, PathBuf};

use minicbor::{Decoder, Encoder};
use sealkit::{KeyId, PublicKey, TrustPolicy};
use serde::{Deserialize, Serialize};

/// The trust file format version this crate reads and writes.
pub const TRUST_FILE_VERSION: u64 = 1;
/// The largest trust file read, in bytes.
pub const MAX_TRUST_FILE_LEN: u64 = 64 * 1024;
/// The largest public key file read, in bytes.
const MAX_KEY_FILE_LEN: u64 = 4096;

/// Why a trust file or a compiled policy was refused.
#[derive(Debug, thiserror::Error)]
pub enum TrustFileError {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: std::io::Error,
    },
    /// The file is not a well-formed trust file or compiled policy (core code 175,
    /// `bad_policy`).
    #[error("{context}: {message}")]
    Malformed {
        /// Where: the file, and the entry or field when known.
        context: String,
        /// What is wrong.
        message: String,
    },
    /// A value breaks one of the core's rules or limits; `error` is the core's error.
    #[error("{context}: {} ({})", error.message(), error.name())]
    Rule {
        /// Where: the file, and the entry or field.
        context: String,
        /// The core's error, with its stable code.
        error: sealkit::Error,
    },
}

impl TrustFileError {
    /// The core's stable error code for this failure (175 `bad_policy` for a malformed file),
    /// or `None` for a file that could not be read.
    pub fn code(&self) -> Option<u16> {
        self.core().map(sealkit::Error::code)
    }

    /// The core error this failure maps to, or `None` for a file that could not be read.
    pub fn core(&self) -> Option<sealkit::Error> {
        match self {
            TrustFileError::Io { .. } => None,
            TrustFileError::Malformed { .. } => Some(sealkit::Error::BadPolicy),
            TrustFileError::Rule { error, .. } => Some(*error),
        }
    }
}

type Result<T, E = TrustFileError> = std::result::Result<T, E>;

fn malformed(context: impl Into<String>, message: impl Into<String>) -> TrustFileError {
    TrustFileError::Malformed {
        context: context.into(),
        message: message.into(),
    }
}

fn rule(context: impl Into<String>, error: sealkit::Error) -> TrustFileError {
    TrustFileError::Rule {
        context: context.into(),
        error,
    }
}

// ---------------------------------------------------------------------------------------------
// The TOML file, as written by people.

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    version: i64,
    #[serde(default)]
    require: Option<RequireToml>,
    #[serde(default)]
    root: Vec<RootToml>,
    #[serde(default)]
    key: Vec<KeyToml>,
    #[serde(default)]
    timestamp: Vec<TimestampToml>,
    #[serde(default)]
    revoked: Option<RevokedToml>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RequireToml {
    identity: Option<String>,
    subject: Option<String>,
    min_version: Option<u64>,
    signers: Option<i64>,
    distinct_identities: Option<bool>,
    max_chain_depth: Option<i64>,
    timestamp: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RootToml {
    key: Option<String>,
    key_file: Option<String>,
    name: Option<String>,
    identities: Option<Vec<String>>,
    subjects: Option<Vec<String>>,
    sign: Option<bool>,
    timestamps: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TimestampToml {
    key: Option<String>,
    key_file: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyToml {
    key: Option<String>,
    key_file: Option<String>,
    identities: Option<Vec<String>>,
    subjects: Option<Vec<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokedToml {
    keys: Option<Vec<String>>,
    certificates: Option<Vec<String>>,
}

// ---------------------------------------------------------------------------------------------
// The checked policy.

/// One trusted key with its rights and restrictions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The key.
    pub key: PublicKey,
    /// It may sign envelopes directly.
    pub sign: bool,
    /// It may certify other keys (a root).
    pub certify: bool,
    /// It may sign timestamp receipts (a timestamp authority).
    pub timestamp: bool,
    /// The issuer name the certificates it issues must carry, if any.
    pub name: Option<String>,
    /// Identity patterns its signers must match (empty: any).
    pub identities: Vec<String>,
    /// Subject patterns its envelopes must match (empty: any).
    pub subjects: Vec<String>,
}

/// A checked trust policy: everything a trust file or a compiled policy states.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Policy {
    /// The trusted roots and keys, in file order (roots first when read from TOML).
    pub entries: Vec<Entry>,
    /// Identity pattern every signer must match.
    pub required_identity: Option<String>,
    /// Subject pattern every envelope must match.
    pub required_subject: Option<String>,
    /// Lowest release version accepted.
    pub min_version: Option<u64>,
    /// Longest certificate chain accepted (default 2 when absent).
    pub max_chain_depth: Option<u8>,
    /// Revoked key ids, sorted.
    pub revoked_keys: Vec<[u8; 8]>,
    /// Revoked certificate ids, sorted by their encodings (shorter first, then bytewise).
    pub revoked_certificates: Vec<Vec<u8>>,
    /// How many distinct signers are required (default 1 when absent).
    pub threshold: Option<u8>,
    /// Whether counted signers must also have distinct identities.
    pub distinct_identities: bool,
    /// Whether every signer must carry a trusted timestamp receipt.
    pub require_timestamp: bool,
}

fn small(context: &str, v: i64, what: &str) -> Result<u8> {
    u8::try_from(v).map_err(|_| malformed(context, format!("{what} {v} is out of range")))
}

fn key_of(
    context: &str,
    key: Option<&str>,
    key_file: Option<&str>,
    base: &Path,
) -> Result<PublicKey> {
    match (key, key_file) {
        (Some(text), None) => PublicKey::from_text(text).map_err(|e| rule(context, e)),
        (None, Some(file)) => {
            let path = base.join(file);
            let bytes = read_limited(&path, MAX_KEY_FILE_LEN)?;
            let text = std::str::from_utf8(&bytes).map_err(|_| {
                rule(
                    format!("{context}: {file}"),
                    sealkit::Error::BadPublicKeyText,
                )
            })?;
            PublicKey::from_text(text).map_err(|e| rule(format!("{context}: {file}"), e))
        }
        (Some(_), Some(_)) => Err(malformed(context, "give either key or key_file, not both")),
        (None, None) => Err(malformed(context, "key or key_file is required")),
    }
}

fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>> {
    use std::io::Read as _;
    let io = |source| TrustFileError::Io {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > limit {
        return Err(malformed(
            path.display().to_string(),
            format!("larger than {limit} bytes"),
        ));
    }
    Ok(bytes)
}

fn unhex(context: &str, s: &str, what: &str) -> Result<Vec<u8>> {
    hex::decode(s).map_err(|_| malformed(context, format!("{what} {s:?} is not hex")))
}

impl Policy {
    /// Reads and checks a trust file. `key_file` paths are relative to the trust file.
    pub fn from_toml_file(path: &Path) -> Result<Policy> {
        let bytes = read_limited(path, MAX_TRUST_FILE_LEN)?;
        let name = path.display().to_string();
        let text = std::str::from_utf8(&bytes).map_err(|_| malformed(&name, "not UTF-8"))?;
        let base = path.parent().unwrap_or_else(|| Path::new("."));
        Policy::from_toml_str(text, base, &name)
    }

    /// Parses and checks trust file text. `base` is the directory `key_file` paths are
    /// relative to; `name` names the file in errors.
    pub fn from_toml_str(text: &str, base: &Path, name: &str) -> Result<Policy> {
        let file: FileToml = toml::from_str(text)
            .map_err(|e| malformed(name, e.message().to_owned() + &location(text, e.span())))?;
        if u64::try_from(file.version).ok() != Some(TRUST_FILE_VERSION) {
            return Err(malformed(
                format!("{name}: version"),
                format!(
                    "trust file version {} is not supported (only {TRUST_FILE_VERSION})",
                    file.version
                ),
            ));
        }
        let mut p = Policy::default();
        for (i, r) in file.root.iter().enumerate() {
            let ctx = format!("{name}: [[root]] #{}", i + 1);
            p.entries.push(Entry {
                key: key_of(&ctx, r.key.as_deref(), r.key_file.as_deref(), base)?,
                sign: r.sign.unwrap_or(false),
                certify: true,
                timestamp: r.timestamps.unwrap_or(false),
                name: r.name.clone(),
                identities: r.identities.clone().unwrap_or_default(),
                subjects: r.subjects.clone().unwrap_or_default(),
            });
            check_list(&ctx, "identities", r.identities.as_deref())?;
            check_list(&ctx, "subjects", r.subjects.as_deref())?;
        }
        for (i, k) in file.key.iter().enumerate() {
            let ctx = format!("{name}: [[key]] #{}", i + 1);
            p.entries.push(Entry {
                key: key_of(&ctx, k.key.as_deref(), k.key_file.as_deref(), base)?,
                sign: true,
                certify: false,
                timestamp: false,
                name: None,
                identities: k.identities.clone().unwrap_or_default(),
                subjects: k.subjects.clone().unwrap_or_default(),
            });
            check_list(&ctx, "identities", k.identities.as_deref())?;
            check_list(&ctx, "subjects", k.subjects.as_deref())?;
        }
        for (i, t) in file.timestamp.iter().enumerate() {
            let ctx = format!("{name}: [[timestamp]] #{}", i + 1);
            p.entries.push(Entry {
                key: key_of(&ctx, t.key.as_deref(), t.key_file.as_deref(), base)?,
                sign: false,
                certify: false,
                timestamp: true,
                name: None,
                identities: Vec::new(),
                subjects: Vec::new(),
            });
        }
        if p.entries.iter().all(|e| !e.sign && !e.certify) {
            return Err(malformed(
                name,
                "trusts no key: add a [[root]] or a [[key]]",
            ));
        }
        let req = file.require.unwrap_or_default();
        let ctx = format!("{name}: [require]");
        p.required_identity = req.identity;
        p.required_subject = req.subject;
        p.min_version = req.min_version;
        p.max_chain_depth = req
            .max_chain_depth
            .map(|d| small(&ctx, d, "max_chain_depth"))
            .transpose()?;
        p.threshold = req.signers.map(|k| small(&ctx, k, "signers")).transpose()?;
        p.distinct_identities = req.distinct_identities.unwrap_or(false);
        p.require_timestamp = req.timestamp.unwrap_or(false);
        if p.require_timestamp && !p.entries.iter().any(|e| e.timestamp) {
            return Err(malformed(
                &ctx,
                "timestamp = true, but no key may timestamp: add a [[timestamp]] (or timestamps = true on a [[root]])",
            ));
        }

        let rev = file.revoked.unwrap_or_default();
        let ctx = format!("{name}: [revoked]");
        check_list(&ctx, "keys", rev.keys.as_deref())?;
        check_list(&ctx, "certificates", rev.certificates.as_deref())?;
        for k in rev.keys.unwrap_or_default() {
            let b = unhex(&ctx, &k, "key id")?;
            let id: [u8; 8] = b.try_into().map_err(|_| {
                malformed(&ctx, format!("key id {k:?} is not 16 hex digits (8 bytes)"))
            })?;
            if p.revoked_keys.contains(&id) {
                return Err(malformed(&ctx, format!("key id {k} is listed twice")));
            }
            p.revoked_keys.push(id);
        }
        for c in rev.certificates.unwrap_or_default() {
            let id = unhex(&ctx, &c, "certificate id")?;
            if p.revoked_certificates.contains(&id) {
                return Err(malformed(
                    &ctx,
                    format!("certificate id {c} is listed twice"),
                ));
            }
            p.revoked_certificates.push(id);
        }
        p.revoked_keys.sort();
        p.revoked_certificates.sort_by(|a, b| encoding_order(a, b));
        p.check(name)?;
        Ok(p)
    }

    /// Checks every rule and limit by building the core policy.
    fn check(&self, name: &str) -> Result<()> {
        self.build(name).map(|_| ())
    }

    fn build(&self, name: &str) -> Result<TrustPolicy> {
        let mut t = TrustPolicy::new();
        for (i, e) in self.entries.iter().enumerate() {
            let ctx = format!("{name}: entry #{} ({})", i + 1, e.key.key_id());
            if e.sign || e.certify {
                t.trust_entry(e.key, e.sign, e.certify, e.name.as_deref())
                    .map_err(|err| rule(&ctx, err))?;
            } else if t.keys().iter().any(|k| k.key_id() == e.key.key_id()) {
                // Listed twice; `timestamps = true` on the entry gives one key both roles.
                return Err(rule(&ctx, sealkit::Error::DuplicateKey));
            } else if e.name.is_some() || !e.identities.is_empty() || !e.subjects.is_empty() {
                return Err(malformed(
                    &ctx,
                    "a timestamp-only key takes no name, identities or subjects",
                ));
            }
            if e.timestamp {
                t.trust_timestamp_key(e.key)
                    .map_err(|err| rule(&ctx, err))?;
            }
            for id in &e.identities {
                t.allow_identity(e.key.key_id(), id)
                    .map_err(|err| rule(format!("{ctx}: identity {id:?}"), err))?;
            }
            for s in &e.subjects {
                t.allow_subject(e.key.key_id(), s)
                    .map_err(|err| rule(format!("{ctx}: subject {s:?}"), err))?;
            }
        }
        let ctx = format!("{name}: require");
        if let Some(id) = &self.required_identity {
            t.require_identity_pattern(id)
                .map_err(|e| rule(format!("{ctx}: identity"), e))?;
        }
        if let Some(s) = &self.required_subject {
            t.require_subject_pattern(s)
                .map_err(|e| rule(format!("{ctx}: subject"), e))?;
        }
        if let Some(v) = self.min_version {
            t.require_min_version(v);
        }
        if let Some(d) = self.max_chain_depth {
            t.set_max_chain_depth(d)
                .map_err(|e| rule(format!("{ctx}: max_chain_depth"), e))?;
        }
        if self.threshold.is_some() || self.distinct_identities {
            t.require_signers(self.threshold.unwrap_or(1), self.distinct_identities)
                .map_err(|e| rule(format!("{ctx}: signers"), e))?;
        }
        let ctx = format!("{name}: revoked");
        for k in &self.revoked_keys {
            t.revoke_key(KeyId(*k))
                .map_err(|e| rule(format!("{ctx}: keys"), e))?;
        }
        for c in &self.revoked_certificates {
            t.revoke_certificate(c)
                .map_err(|e| rule(format!("{ctx}: certificates"), e))?;
        }
        if self.require_timestamp {
            t.require_timestamp();
        }
        Ok(t)
    }

    /// The core policy this states (without a current time: the caller sets it).
    pub fn to_trust_policy(&self) -> Result<TrustPolicy> {
        self.build("policy")
    }

    /// The compiled policy: deterministic CBOR, keys in order, absent fields omitted
    /// (`docs/FORMAT.md`, "Compiled trust policies").
    pub fn to_cbor(&self) -> Vec<u8> {
        let mut e = Encoder::new(Vec::new());
        // Writing into a Vec cannot fail; results are ignored on that ground.
        let mut n = 2u64;
        n += u64::from(self.required_identity.is_some());
        n += u64::from(self.required_subject.is_some());
        n += u64::from(self.min_version.is_some());
        n += u64::from(self.max_chain_depth.is_some());
        n += u64::from(!self.revoked_keys.is_empty());
        n += u64::from(!self.revoked_certificates.is_empty());
        n += u64::from(self.threshold.is_some());
        n += u64::from(self.distinct_identities);
        n += u64::from(self.require_timestamp);
        let _ = e.map(n);
        let _ = e.u8(1).and_then(|e| e.u64(TRUST_FILE_VERSION));
        let _ = e.u8(2).and_then(|e| e.array(self.entries.len() as u64));
        for entry in &self.entries {
            let mut m = 2u64;
            m += u64::from(entry.name.is_some());
            m += u64::from(!entry.identities.is_empty());
            m += u64::from(!entry.subjects.is_empty());
            let flags = u8::from(entry.sign)
                | (u8::from(entry.certify) << 1)
                | (u8::from(entry.timestamp) << 2);
            let _ = e
                .map(m)
                .and_then(|e| e.u8(1))
                .and_then(|e| e.bytes(entry.key.as_bytes()))
                .and_then(|e| e.u8(2))
                .and_then(|e| e.u8(flags));
            if let Some(name) = &entry.name {
                let _ = e.u8(3).and_then(|e| e.str(name));
            }
            if !entry.identities.is_empty() {
                let _ = e.u8(4);
                str_array(&mut e, &entry.identities);
            }
            if !entry.subjects.is_empty() {
                let _ = e.u8(5);
                str_array(&mut e, &entry.subjects);
            }
        }
        if let Some(id) = &self.required_identity {
            // One pattern (text), as `docs/FORMAT.md` defines it.
            let _ = e.u8(3).and_then(|e| e.str(id));
        }
        if let Some(s) = &self.required_subject {
            let _ = e.u8(4).and_then(|e| e.str(s));
        }
        if let Some(v) = self.min_version {
            let _ = e.u8(5).and_then(|e| e.u64(v));
        }
        if let Some(d) = self.max_chain_depth {
            let _ = e.u8(6).and_then(|e| e.u8(d));
        }
        if !self.revoked_keys.is_empty() {
            let _ = e
                .u8(7)
                .and_then(|e| e.array(self.revoked_keys.len() as u64));
            for k in &self.revoked_keys {
                let _ = e.bytes(k);
            }
        }
        if !self.revoked_certificates.is_empty() {
            let _ = e
                .u8(8)
                .and_then(|e| e.array(self.revoked_certificates.len() as u64));
            for c in &self.revoked_certificates {
                let _ = e.bytes(c);
            }
        }
        if let Some(k) = self.threshold {
            let _ = e.u8(9).and_then(|e| e.u8(k));
        }
        if self.distinct_identities {
            let _ = e.u8(10).and_then(|e| e.bool(true));
        }
        if self.require_timestamp {
            let _ = e.u8(11).and_then(|e| e.bool(true));
        }
        e.into_writer()
    }

    /// Reads a compiled policy back. Strict: the bytes must be exactly what
    /// [`to_cbor`](Self::to_cbor) writes for the policy they state, and the policy must pass
    /// the core's rules and limits.
    pub fn from_cbor(bytes: &[u8], name: &str) -> Result<Policy> {
        let bad = |what: &str| malformed(name, format!("not a compiled trust policy: {what}"));
        let p = decode(bytes).map_err(|e| bad(&e))?;
        if p.to_cbor() != bytes {
            return Err(bad("not in the deterministic encoding"));
        }
        p.check(name)?;
        Ok(p)
    }

    /// A readable summary, for display and JSON.
    pub fn summary(&self) -> Summary {
        Summary {
            version: TRUST_FILE_VERSION,
            entries: self
                .entries
                .iter()
                .map(|e| EntrySummary {
                    key: key_text(&e.key),
                    key_id: e.key.key_id().to_string(),
                    sign: e.sign,
                    certify: e.certify,
                    timestamp: e.timestamp,
                    name: e.name.clone(),
                    identities: e.identities.clone(),
                    subjects: e.subjects.clone(),
                })
                .collect(),
            required_identity: self.required_identity.clone(),
            required_subject: self.required_subject.clone(),
            min_version: self.min_version,
            max_chain_depth: self
                .max_chain_depth
                .unwrap_or(sealkit::DEFAULT_MAX_CHAIN_DEPTH),
            revoked_keys: self.revoked_keys.iter().map(hex::encode).collect(),
            revoked_certificates: self.revoked_certificates.iter().map(hex::encode).collect(),
            signers: self.threshold.unwrap_or(1),
            distinct_identities: self.distinct_identities,
            require_timestamp: self.require_timestamp,
            compiled_size: self.to_cbor().len(),
        }
    }
}

/// " at line L, column C" for a TOML error span, or nothing.
fn location(text: &str, span: Option<std::ops::Range<usize>>) -> String {
    let Some(span) = span else {
        return String::new();
    };
    let before = text.get(..span.start).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!(" (line {line}, column {col})")
}

fn check_list<T>(ctx: &str, what: &str, list: Option<&[T]>) -> Result<()> {
    match list {
        Some([]) => Err(malformed(
            ctx,
            format!("{what} is empty: omit it instead (an empty list would allow nothing)"),
        )),
        _ => Ok(()),
    }
}

fn key_text(key: &PublicKey) -> String {
    let mut buf = [0u8; sealkit::PUBLIC_KEY_TEXT_LEN];
    key.to_text(&mut buf).to_owned()
}

fn str_array(e: &mut Encoder<Vec<u8>>, items: &[String]) {
    let _ = e.array(items.len() as u64);
    for s in items {
        let _ = e.str(s);
    }
}

// ---------------------------------------------------------------------------------------------
// Reading the compiled form back (structure only; [`Policy::from_cbor`] then checks that the
// bytes are the canonical encoding and that the core accepts the policy).

fn decode(bytes: &[u8]) -> Result<Policy, String> {
    let err = |e: minicbor::decode::Error| e.to_string();
    let mut d = Decoder::new(bytes);
    let mut p = Policy::default();
    let n = definite(d.map().map_err(err)?)?;
    let mut version = None;
    for _ in 0..n {
        match d.u64().map_err(err)? {
            1 => version = Some(d.u64().map_err(err)?),
            2 => {
                let k = definite(d.array().map_err(err)?)?;
                for _ in 0..k {
                    p.entries.push(decode_entry(&mut d)?);
                }
            }
            3 => p.required_identity = Some(d.str().map_err(err)?.to_owned()),
            4 => p.required_subject = Some(d.str().map_err(err)?.to_owned()),
            5 => p.min_version = Some(d.u64().map_err(err)?),
            6 => p.max_chain_depth = Some(d.u8().map_err(err)?),
            7 => {
                for _ in 0..definite(d.array().map_err(err)?)? {
                    let b = d.bytes().map_err(err)?;
                    let id: [u8; 8] = b
                        .try_into()
                        .map_err(|_| "a revoked key id is not 8 bytes".to_owned())?;
                    p.revoked_keys.push(id);
                }
            }
            8 => {
                for _ in 0..definite(d.array().map_err(err)?)? {
                    p.revoked_certificates
                        .push(d.bytes().map_err(err)?.to_vec());
                }
            }
            9 => p.threshold = Some(d.u8().map_err(err)?),
            10 => {
                if !d.bool().map_err(err)? {
                    return Err("distinct identities (10) is written only as true".into());
                }
                p.distinct_identities = true;
            }
            11 => {
                if !d.bool().map_err(err)? {
                    return Err("require timestamp (11) is written only as true".into());
                }
                p.require_timestamp = true;
            }
            k => return Err(format!("unknown key {k}")),
        }
    }
    if d.position() != bytes.len() {
        return Err("bytes follow the policy".into());
    }
    if version != Some(TRUST_FILE_VERSION) {
        return Err(format!(
            "format version {version:?} is not {TRUST_FILE_VERSION}"
        ));
    }
    if p.entries.is_empty() {
        return Err("no entries".into());
    }
    // Canonical lists: sorted, no duplicates (the re-encoding check does not see order).
    if !p.revoked_keys.windows(2).all(|w| w.first() < w.get(1)) {
        return Err("revoked key ids are not sorted".into());
    }
    if !p.revoked_certificates.windows(2).all(|w| match w {
        [a, b] => encoding_order(a, b).is_lt(),
        _ => true,
    }) {
        return Err("revoked certificate ids are not sorted".into());
    }
    Ok(p)
}

/// The order of byte strings by their CBOR encodings: shorter first (the head holds the
/// length), then bytewise. This is how the compiled form sorts revoked certificate ids.
fn encoding_order(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn definite(n: Option<u64>) -> Result<u64, String> {
    n.ok_or_else(|| "indefinite length".to_owned())
}

fn decode_entry(d: &mut Decoder<'_>) -> Result<Entry, String> {
    let err = |e: minicbor::decode::Error| e.to_string();
    let strings = |d: &mut Decoder<'_>| -> Result<Vec<String>, String> {
        let k = definite(d.array().map_err(err)?)?;
        (0..k)
            .map(|_| d.str().map(str::to_owned).map_err(err))
            .collect()
    };
    let n = definite(d.map().map_err(err)?)?;
    let (mut key, mut flags, mut name) = (None, None, None);
    let (mut identities, mut subjects) = (Vec::new(), Vec::new());
    for _ in 0..n {
        match d.u64().map_err(err)? {
            1 => {
                key = Some(
                    PublicKey::from_bytes(d.bytes().map_err(err)?)
                        .map_err(|e| e.message().to_owned())?,
                );
            }
            2 => flags = Some(d.u8().map_err(err)?),
            3 => name = Some(d.str().map_err(err)?.to_owned()),
            4 => identities = strings(d)?,
            5 => subjects = strings(d)?,
            k => return Err(format!("unknown entry key {k}")),
        }
    }
    let key = key.ok_or("an entry has no key (1)")?;
    let flags = flags.ok_or("an entry has no flags (2)")?;
    if flags == 0 || flags > 7 {
        return Err(format!("entry flags {flags} are not 1 to 7"));
    }
    Ok(Entry {
        key,
        sign: flags & 1 != 0,
        certify: flags & 2 != 0,
        timestamp: flags & 4 != 0,
        name,
        identities,
        subjects,
    })
}

/// A readable summary of a policy (`sealkit policy show`).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct Summary {
    /// Format version.
    pub version: u64,
    /// Trusted keys.
    pub entries: Vec<EntrySummary>,
    /// Identity pattern every signer must match.
    pub required_identity: Option<String>,
    /// Subject pattern every envelope must match.
    pub required_subject: Option<String>,
    /// Lowest version accepted.
    pub min_version: Option<u64>,
    /// Longest chain accepted.
    pub max_chain_depth: u8,
    /// Revoked key ids (hex).
    pub revoked_keys: Vec<String>,
    /// Revoked certificate ids (hex).
    pub revoked_certificates: Vec<String>,
    /// Distinct signers required.
    pub signers: u8,
    /// Whether signers must have distinct identities.
    pub distinct_identities: bool,
    /// Whether every signer must carry a trusted timestamp receipt.
    pub require_timestamp: bool,
    /// Size of the compiled form, in bytes.
    pub compiled_size: usize,
}

/// One trusted key in a [`Summary`].
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct EntrySummary {
    /// The key's text form.
    pub key: String,
    /// The key id (hex).
    pub key_id: String,
    /// May sign directly.
    pub sign: bool,
    /// May certify keys.
    pub certify: bool,
    /// May sign timestamp receipts.
    pub timestamp: bool,
    /// Issuer name its certificates must carry.
    pub name: Option<String>,
    /// Allowed identity patterns (empty: any).
    pub identities: Vec<String>,
    /// Allowed subject patterns (empty: any).
    pub subjects: Vec<String>,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let any = |v: &[String]| {
            if v.is_empty() {
                "any".to_owned()
            } else {
                v.join(", ")
            }
        };
        writeln!(f, "trust policy (version {})", self.version)?;
        for e in &self.entries {
            let role = match (e.sign, e.certify, e.timestamp) {
                (true, true, false) => "root (certifies and signs)",
                (true, true, true) => "root (certifies, signs and timestamps)",
                (false, true, false) => "root (certifies)",
                (false, true, true) => "root (certifies and timestamps)",
                (true, false, true) => "key (signs and timestamps)",
                (false, false, _) => "timestamp key",
                _ => "key (signs)",
            };
            writeln!(f, "  {role}: {} (kid {})", e.key, e.key_id)?;
            if !e.sign && !e.certify {
                continue;
            }
            if let Some(n) = &e.name {
                writeln!(f, "    issuer name: {n}")?;
            }
            writeln!(f, "    identities:  {}", any(&e.identities))?;
            writeln!(f, "    subjects:    {}", any(&e.subjects))?;
        }
        let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "any".to_owned());
        writeln!(f, "  required identity: {}", opt(&self.required_identity))?;
        writeln!(f, "  required subject:  {}", opt(&self.required_subject))?;
        match self.min_version {
            Some(v) => writeln!(f, "  minimum version:   {v}")?,
            None => writeln!(f, "  minimum version:   none")?,
        }
        writeln!(f, "  max chain depth:   {}", self.max_chain_depth)?;
        writeln!(
            f,
            "  signers required:  {}{}",
            self.signers,
            if self.distinct_identities {
                " (distinct identities)"
            } else {
                ""
            }
        )?;
        let none = |v: &[String]| {
            if v.is_empty() {
                "none".to_owned()
            } else {
                v.join(", ")
            }
        };
        if self.require_timestamp {
            writeln!(f, "  timestamp:         required")?;
        }
        writeln!(f, "  revoked keys:      {}", none(&self.revoked_keys))?;
        writeln!(
            f,
            "  revoked certs:     {}",
            none(&self.revoked_certificates)
        )?;
        write!(f, "  compiled size:     {} bytes", self.compiled_size)
    }
}
