//! Sealed streams: one file that carries its own signature in front of the artifact, verified
//! while it is read.
//!
//! Layout (see "Sealed streams" in `docs/FORMAT.md`):
//!
//! ```text
//! magic (8 bytes: 89 53 45 41 4C 4B 49 54, "\x89SEALKIT")
//! version (1 byte: 1)
//! envelope length (u16, big-endian, 1..=MAX_ENVELOPE_LEN)
//! envelope (exactly that many bytes: a sealkit envelope)
//! artifact (exactly the envelope's signed length of bytes), then end of stream
//! ```
//!
//! [`Unsealer`] takes the stream in chunks of any size, checks the signature and the policy as
//! soon as the envelope is complete (before any artifact byte), and tells for each chunk which of
//! its bytes are artifact bytes, so a caller can write exactly those to a temporary file and keep
//! it only after [`Unsealer::finish`] succeeds.

use crate::envelope::MAX_ENVELOPE_LEN;
use crate::policy::TrustPolicy;
use crate::verifier::{StreamVerifier, Verified};
use crate::Error;

/// The eight magic bytes that open every sealed stream: `0x89` then `SEALKIT` in ASCII.
///
/// The leading non-ASCII byte (as in PNG) makes a text file never look like a sealed stream and
/// catches transfers that strip the eighth bit.
pub const SEALED_MAGIC: [u8; 8] = [0x89, b'S', b'E', b'A', b'L', b'K', b'I', b'T'];

/// The only sealed-stream format version this crate reads and writes.
pub const SEALED_VERSION: u8 = 1;

/// The size of the fixed header: magic, version byte and the big-endian `u16` envelope length.
pub const SEALED_HEADER_LEN: usize = SEALED_MAGIC.len() + 1 + 2;

/// Writes the sealed-stream header for an envelope of `envelope_len` bytes into `out`; the
/// envelope and then the artifact follow it.
///
/// Fails with [`Error::EnvelopeTooLarge`] if `envelope_len` is above
/// [`MAX_ENVELOPE_LEN`], with [`Error::EmptyArgument`] if it is zero.
pub fn sealed_header(envelope_len: usize) -> Result<[u8; SEALED_HEADER_LEN], Error> {
    if envelope_len == 0 {
        return Err(Error::EmptyArgument);
    }
    if envelope_len > MAX_ENVELOPE_LEN {
        return Err(Error::EnvelopeTooLarge);
    }
    let len = u16::try_from(envelope_len).map_err(|_| Error::EnvelopeTooLarge)?;
    let [hi, lo] = len.to_be_bytes();
    let [m0, m1, m2, m3, m4, m5, m6, m7] = SEALED_MAGIC;
    Ok([m0, m1, m2, m3, m4, m5, m6, m7, SEALED_VERSION, hi, lo])
}

/// Where an [`Unsealer`] is in the stream, as the bindings report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnsealState {
    /// Reading the fixed header (magic, version, envelope length).
    Header,
    /// Reading the envelope; nothing has been verified yet.
    Envelope,
    /// Signature and policy accepted; artifact bytes are passing through.
    Payload,
    /// `finish()` returned verified facts.
    Finished,
    /// Something failed; every later call returns this error.
    Failed(Error),
}

// No heap: the envelope buffer and the verifier are never needed at the same time, so they share
// the enum's storage.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
enum Phase {
    Header {
        buf: [u8; SEALED_HEADER_LEN],
        len: usize,
    },
    Envelope {
        buf: [u8; MAX_ENVELOPE_LEN],
        len: usize,
        need: usize,
    },
    Payload(StreamVerifier),
    Failed(Error),
}

/// A streaming, no-heap verifier for sealed streams.
///
/// Feed the stream to [`update`](Unsealer::update) in chunks of any size (boundaries anywhere,
/// also inside the header and the envelope); each call returns the part of the chunk that is
/// artifact bytes (always a suffix of the chunk, possibly empty). The signature and every policy
/// rule are checked as soon as the envelope is complete, so a bad signature fails before any
/// artifact byte is returned. [`finish`](Unsealer::finish) checks that the stream ended exactly
/// after the signed length and that the digest matches, and is the only source of verified facts.
///
/// Every lie of the header is an error: a wrong magic ([`Error::NotSealedStream`]), another
/// version ([`Error::UnsupportedSealedVersion`]), an envelope length of zero or above
/// [`MAX_ENVELOPE_LEN`] ([`Error::EnvelopeTooLarge`] for too large; an empty envelope is
/// [`Error::EnvelopeTruncated`]), an envelope length longer or shorter than the envelope (the
/// envelope then has trailing bytes or is truncated), a stream that ends inside the header or
/// envelope ([`Error::SealedStreamTruncated`]), inside the artifact
/// ([`Error::ArtifactTooShort`]), or goes on after it, e.g. with a second envelope
/// ([`Error::ArtifactTooLong`]). Errors are sticky: every later call returns the first one.
///
/// ```
/// # fn demo(stream_chunks: &[&[u8]], policy: &sealkit::TrustPolicy) -> Result<(), sealkit::Error> {
/// use sealkit::Unsealer;
///
/// let mut unsealer = Unsealer::new(policy);
/// let mut out = Vec::new(); // a temporary file in practice
/// for chunk in stream_chunks {
///     out.extend_from_slice(unsealer.update(chunk)?);
/// }
/// let verified = unsealer.finish()?; // only now may `out` be installed
/// assert_eq!(verified.length(), out.len() as u64);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Unsealer {
    phase: Phase,
    policy: TrustPolicy,
}

impl Unsealer {
    /// A new unsealer that will verify the stream's envelope against `policy` (copied).
    pub fn new(policy: &TrustPolicy) -> Unsealer {
        Unsealer {
            phase: Phase::Header {
                buf: [0; SEALED_HEADER_LEN],
                len: 0,
            },
            policy: policy.clone(),
        }
    }

    fn fail(&mut self, e: Error) -> Error {
        self.phase = Phase::Failed(e);
        e
    }

    /// Absorbs the next chunk of the sealed stream and returns the part of it that is artifact
    /// bytes (a suffix of `chunk`, empty while the header and envelope are read).
    ///
    /// The returned bytes are not verified yet: keep them aside until
    /// [`finish`](Unsealer::finish) succeeds.
    pub fn update<'c>(&mut self, chunk: &'c [u8]) -> Result<&'c [u8], Error> {
        let offset = self.update_offset(chunk)?;
        Ok(chunk.get(offset..).unwrap_or_default())
    }

    /// Like [`update`](Unsealer::update), but returns the offset in `chunk` where its artifact
    /// bytes begin (`chunk.len()` if it holds none), for callers that cannot keep a borrowed
    /// slice (C, Python, JavaScript).
    pub fn update_offset(&mut self, chunk: &[u8]) -> Result<usize, Error> {
        let mut pos = 0usize;
        loop {
            let rest = chunk.get(pos..).unwrap_or_default();
            match &mut self.phase {
                Phase::Failed(e) => return Err(*e),
                // The verifier keeps its own sticky phase (failed, or finished).
                Phase::Payload(v) => return v.update(rest).map(|()| pos),
                Phase::Header { buf, len } => {
                    let take = rest.len().min(SEALED_HEADER_LEN - *len);
                    let (src, dst) = (rest.get(..take), buf.get_mut(*len..*len + take));
                    if let (Some(src), Some(dst)) = (src, dst) {
                        dst.copy_from_slice(src);
                    }
                    *len += take;
                    pos += take;
                    // Check the magic as soon as its bytes arrive, so a wrong stream fails early.
                    let seen = (*len).min(SEALED_MAGIC.len());
                    if buf.get(..seen) != SEALED_MAGIC.get(..seen) {
                        return Err(self.fail(Error::NotSealedStream));
                    }
                    if *len < SEALED_HEADER_LEN {
                        return Ok(chunk.len());
                    }
                    let [_, _, _, _, _, _, _, _, version, hi, lo] = *buf;
                    if version != SEALED_VERSION {
                        return Err(self.fail(Error::UnsupportedSealedVersion));
                    }
                    let need = usize::from(u16::from_be_bytes([hi, lo]));
                    if need > MAX_ENVELOPE_LEN {
                        return Err(self.fail(Error::EnvelopeTooLarge));
                    }
                    if need == 0 {
                        return Err(self.fail(Error::EnvelopeTruncated));
                    }
                    self.phase = Phase::Envelope {
                        buf: [0; MAX_ENVELOPE_LEN],
                        len: 0,
                        need,
                    };
                }
                Phase::Envelope { buf, len, need } => {
                    let take = rest.len().min(*need - *len);
                    let (src, dst) = (rest.get(..take), buf.get_mut(*len..*len + take));
                    if let (Some(src), Some(dst)) = (src, dst) {
                        dst.copy_from_slice(src);
                    }
                    *len += take;
                    pos += take;
                    if *len < *need {
                        return Ok(chunk.len());
                    }
                    let envelope = buf.get(..*need).unwrap_or_default();
                    match StreamVerifier::new(envelope, &self.policy) {
                        Ok(v) => self.phase = Phase::Payload(v),
                        Err(e) => return Err(self.fail(e)),
                    }
                }
            }
        }
    }

    /// Checks that the stream ended exactly after the signed length and that the artifact's
    /// digest is the signed digest, and returns the verified facts.
    ///
    /// Fails with [`Error::SealedStreamTruncated`] if the stream ended inside the header or the
    /// envelope, [`Error::ArtifactTooShort`] inside the artifact; a second call fails with
    /// [`Error::AlreadyFinished`].
    pub fn finish(&mut self) -> Result<Verified, Error> {
        match &mut self.phase {
            Phase::Failed(e) => Err(*e),
            Phase::Header { .. } | Phase::Envelope { .. } => {
                Err(self.fail(Error::SealedStreamTruncated))
            }
            Phase::Payload(v) => v.finish(),
        }
    }

    /// Where the unsealer is in the stream.
    pub fn state(&self) -> UnsealState {
        match &self.phase {
            Phase::Header { .. } => UnsealState::Header,
            Phase::Envelope { .. } => UnsealState::Envelope,
            Phase::Failed(e) => UnsealState::Failed(*e),
            Phase::Payload(v) => match v.error() {
                Some(e) => UnsealState::Failed(e),
                None if v.is_finished() => UnsealState::Finished,
                None => UnsealState::Payload,
            },
        }
    }

    /// The first error, if the unsealer has failed.
    pub fn error(&self) -> Option<Error> {
        match self.state() {
            UnsealState::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// The started verifier once the envelope has been accepted, for progress figures (signed
    /// length, bytes received, hash algorithm).
    pub fn verifier(&self) -> Option<&StreamVerifier> {
        match &self.phase {
            Phase::Payload(v) => Some(v),
            _ => None,
        }
    }
}
