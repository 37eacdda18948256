//! Signature files with several signatures (k-of-n): a CBOR array of 2 to [`MAX_SIGNERS`]
//! ordinary sealkit envelopes over the same artifact. Each envelope stays complete on its own,
//! so any COSE library can check each one, and a second signer adds theirs later by appending.
//! The format is in `docs/FORMAT.md`, "Signature sets".

use heapless::Vec;

use crate::cbor::Reader;
use crate::envelope::{Envelope, MAX_ENVELOPE_LEN};
use crate::key::KeyId;
use crate::policy::{TrustPolicy, MAX_SIGNERS};
use crate::trust::{check_signer, Signer};
use crate::Error;

/// The largest signature set accepted, in bytes.
pub const MAX_SIGNATURE_SET_LEN: usize = 16384;

/// A signature file, checked for structure: one envelope, or a set of 2 to [`MAX_SIGNERS`]
/// envelopes that all sign the same artifact. Nothing in it is verified yet.
#[derive(Clone, Debug)]
pub struct SignatureFile<'a> {
    envelopes: Vec<&'a [u8], MAX_SIGNERS>,
    is_set: bool,
}

/// Whether two envelopes state the same artifact: digest, length, hash, type, subject, version.
fn same_artifact(a: &Envelope<'_>, b: &Envelope<'_>) -> bool {
    a.unverified_hash_alg() == b.unverified_hash_alg()
        && a.unverified_digest() == b.unverified_digest()
        && a.unverified_length() == b.unverified_length()
        && a.unverified_content_type() == b.unverified_content_type()
        && a.unverified_subject() == b.unverified_subject()
        && a.unverified_version() == b.unverified_version()
}

impl<'a> SignatureFile<'a> {
    /// Parses a signature file strictly: a single envelope exactly as before, or a set.
    #[inline(never)]
    pub fn parse(bytes: &'a [u8]) -> Result<SignatureFile<'a>, Error> {
        let mut envelopes = Vec::new();
        let first = bytes.first().copied().ok_or(Error::EnvelopeTruncated)?;
        // Major type 4 (array) is a set; anything else is read as one envelope, so a single
        // envelope keeps its exact error codes.
        if first >> 5 != 4 {
            Envelope::parse(bytes)?;
            envelopes.push(bytes).map_err(|_| Error::BadSignatureSet)?;
            return Ok(SignatureFile {
                envelopes,
                is_set: false,
            });
        }
        if bytes.len() > MAX_SIGNATURE_SET_LEN {
            return Err(Error::BadSignatureSet);
        }
        let mut r = Reader::new(bytes);
        let n = r.array(Error::BadSignatureSet)?;
        if n < 2 || n > MAX_SIGNERS as u64 {
            return Err(Error::BadSignatureSet);
        }
        let mut first_env: Option<Envelope<'a>> = None;
        for _ in 0..n {
            let start = r.position();
            r.skip()?;
            let item = r.since(start);
            if item.len() > MAX_ENVELOPE_LEN {
                return Err(Error::EnvelopeTooLarge);
            }
            let env = Envelope::parse(item)?;
            match &first_env {
                Some(f) if !same_artifact(f, &env) => return Err(Error::SignatureSetMismatch),
                Some(_) => {}
                None => first_env = Some(env),
            }
            envelopes.push(item).map_err(|_| Error::BadSignatureSet)?;
        }
        if !r.is_at_end() {
            return Err(Error::TrailingBytes);
        }
        Ok(SignatureFile {
            envelopes,
            is_set: true,
        })
    }

    /// The envelopes, in file order.
    pub fn envelopes(&self) -> &[&'a [u8]] {
        &self.envelopes
    }

    /// Whether the file is a set (an array), even of envelopes by one signer.
    pub fn is_set(&self) -> bool {
        self.is_set
    }
}

/// One signature of a signature file, as checked by [`check_signers`].
#[derive(Clone, Debug)]
pub struct SignerReport<'r> {
    /// Position in the signature file.
    pub index: usize,
    /// Unverified: the key id the envelope names.
    pub unverified_kid: KeyId,
    /// The verdict: the signer if every rule held (signature, chain, revocation, time,
    /// identity and subject), or the first rule that failed.
    pub verdict: &'r Result<Signer, Error>,
    /// Whether this signer counts towards the threshold (false for a valid signature by a key
    /// or identity already counted).
    pub counted: bool,
}

/// The outcome of checking every signature of a file.
#[derive(Clone, Debug)]
pub struct SignerSummary {
    /// The distinct trusted signers that count, in file order.
    pub signers: Vec<Signer, MAX_SIGNERS>,
    /// Index in the file of the first counted signer's envelope.
    pub first_counted: Option<usize>,
    /// The first error met, if any signature failed.
    pub first_error: Option<Error>,
    /// Whether the file was a set.
    pub is_set: bool,
}

impl SignerSummary {
    /// The verdict under `policy`'s threshold: `Ok` if enough distinct signers count.
    /// A single envelope (not a set) under a threshold of 1 fails with its own error.
    pub fn verdict(&self, policy: &TrustPolicy) -> Result<(), Error> {
        if self.signers.len() >= usize::from(policy.threshold()) {
            return Ok(());
        }
        match self.first_error {
            Some(e) if !self.is_set && policy.threshold() == 1 => Err(e),
            _ => Err(Error::ThresholdNotMet),
        }
    }
}

/// Checks every signature of a signature file against `policy` (not the artifact: no bytes are
/// read), calling `report` for each, and returns which signers count. Fails only if the file is
/// malformed; the threshold verdict is [`SignerSummary::verdict`].
pub fn check_signers(
    sig: &[u8],
    policy: &TrustPolicy,
    report: impl FnMut(&SignerReport<'_>),
) -> Result<SignerSummary, Error> {
    check_signers_of(sig, policy, report).map(|(summary, _)| summary)
}

/// [`check_signers`], also returning the first counted signer's envelope (so that the verifier
/// needs no second parse of the file to find it).
#[inline(never)]
pub(crate) fn check_signers_of<'s>(
    sig: &'s [u8],
    policy: &TrustPolicy,
    mut report: impl FnMut(&SignerReport<'_>),
) -> Result<(SignerSummary, Option<&'s [u8]>), Error> {
    let file = SignatureFile::parse(sig)?;
    let mut first: Option<&'s [u8]> = None;
    let mut summary = SignerSummary {
        signers: Vec::new(),
        first_counted: None,
        first_error: None,
        is_set: file.is_set(),
    };
    for (index, bytes) in file.envelopes().iter().enumerate() {
        let env = Envelope::parse(bytes)?;
        let verdict = check_signer(&env, policy);
        let counted = match &verdict {
            Ok(s) => {
                let dup_key = summary.signers.iter().any(|c| c.key_id() == s.key_id());
                let dup_identity = policy.distinct_identities()
                    && s.identity()
                        .is_none_or(|id| summary.signers.iter().any(|c| c.identity() == Some(id)));
                !dup_key && !dup_identity
            }
            Err(e) => {
                summary.first_error.get_or_insert(*e);
                false
            }
        };
        if let (true, Ok(s)) = (counted, &verdict) {
            if summary.signers.push(s.clone()).is_ok() && summary.first_counted.is_none() {
                summary.first_counted = Some(index);
                first = Some(bytes);
            }
        }
        report(&SignerReport {
            index,
            unverified_kid: env.unverified_kid(),
            verdict: &verdict,
            counted,
        });
    }
    Ok((summary, first))
}
