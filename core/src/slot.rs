//! The run-time state machine that every binding exposes: one verifier slot that is empty,
//! active, finished or failed.
//!
//! Rust callers get these guarantees from the types ([`StreamVerifier::new`] returns a started
//! verifier or an error); C, Python and JavaScript callers hold an object whose state is only
//! known at run time. The rules live here once so that no binding re-implements them.

use crate::policy::TrustPolicy;
use crate::verifier::{StreamVerifier, Verified};
use crate::Error;

/// The state of a [`VerifierSlot`], as the bindings report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotState {
    /// No envelope yet: [`VerifierSlot::start`] is the only useful call.
    Empty,
    /// Signature and policy accepted; artifact bytes are being absorbed.
    Active,
    /// `finish()` returned verified facts; every later call fails with
    /// [`Error::AlreadyFinished`].
    Finished,
    /// Something failed; every later call returns this error until [`VerifierSlot::abort`].
    Failed(Error),
}

// No heap to box into: the slot is as large as a verifier, which is the point (fixed size).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug)]
enum Inner {
    Empty,
    // Active, finished or failed after start: the verifier keeps its own sticky phase.
    Started(StreamVerifier),
    // Failed before or without a started verifier (bad envelope, misuse).
    Failed(Error),
}

/// A place for one verification, with the run-time rules every binding shares:
///
/// - `start` needs an empty slot. Starting a slot that is already in use is misuse and fails it
///   ([`Error::AlreadyStarted`]), so a caller can never believe a second envelope is in force.
/// - `update` or `finish` on an empty slot fails it ([`Error::NotStarted`]): bytes that arrive
///   before an envelope can never be counted as verified later.
/// - Errors are sticky: once failed, every call but `abort` returns the first error.
/// - `finish` returns facts once; a second `finish` (or `update`) fails with
///   [`Error::AlreadyFinished`].
/// - `abort` empties the slot from any state, so it can be reused.
///
/// ```
/// # fn demo(envelope: &[u8], artifact: &[u8], policy: &sealkit::TrustPolicy) -> Result<(), sealkit::Error> {
/// use sealkit::{Error, SlotState, VerifierSlot};
///
/// let mut slot = VerifierSlot::new();
/// assert_eq!(slot.update(b"early"), Err(Error::NotStarted));
/// assert_eq!(slot.state(), SlotState::Failed(Error::NotStarted));
/// slot.abort();
/// slot.start(envelope, policy)?;
/// slot.update(artifact)?;
/// let verified = slot.finish()?;
/// assert_eq!(slot.finish().map(|_| ()), Err(Error::AlreadyFinished));
/// # let _ = verified; Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct VerifierSlot {
    inner: Inner,
}

impl Default for VerifierSlot {
    fn default() -> Self {
        VerifierSlot::new()
    }
}

impl VerifierSlot {
    /// An empty slot.
    pub const fn new() -> VerifierSlot {
        VerifierSlot {
            inner: Inner::Empty,
        }
    }

    /// Parses `envelope` and checks its signature and every rule of `policy`, as
    /// [`StreamVerifier::new`] does. On failure the slot is failed with that error.
    pub fn start(&mut self, envelope: &[u8], policy: &TrustPolicy) -> Result<(), Error> {
        match &self.inner {
            Inner::Empty => {}
            Inner::Failed(e) => return Err(*e),
            Inner::Started(v) => {
                if let Some(e) = v.error() {
                    return Err(e);
                }
                return Err(self.fail(Error::AlreadyStarted));
            }
        }
        match StreamVerifier::new(envelope, policy) {
            Ok(v) => {
                self.inner = Inner::Started(v);
                Ok(())
            }
            Err(e) => Err(self.fail(e)),
        }
    }

    /// Absorbs the next chunk of the artifact (see [`StreamVerifier::update`]).
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), Error> {
        match &mut self.inner {
            Inner::Started(v) => v.update(chunk),
            Inner::Failed(e) => Err(*e),
            Inner::Empty => Err(self.fail(Error::NotStarted)),
        }
    }

    /// Checks length and digest and returns the verified facts (see
    /// [`StreamVerifier::finish`]).
    pub fn finish(&mut self) -> Result<Verified, Error> {
        match &mut self.inner {
            Inner::Started(v) => v.finish(),
            Inner::Failed(e) => Err(*e),
            Inner::Empty => Err(self.fail(Error::NotStarted)),
        }
    }

    /// Empties the slot, whatever its state, discarding any verification in progress.
    pub fn abort(&mut self) {
        self.inner = Inner::Empty;
    }

    /// The current state.
    pub fn state(&self) -> SlotState {
        match &self.inner {
            Inner::Empty => SlotState::Empty,
            Inner::Failed(e) => SlotState::Failed(*e),
            Inner::Started(v) => match v.error() {
                Some(e) => SlotState::Failed(e),
                None if v.is_finished() => SlotState::Finished,
                None => SlotState::Active,
            },
        }
    }

    /// The first error, if the slot has failed.
    pub fn error(&self) -> Option<Error> {
        match self.state() {
            SlotState::Failed(e) => Some(e),
            _ => None,
        }
    }

    /// The started verifier, for progress figures (signed length, bytes received, hash
    /// algorithm); `None` unless started successfully.
    pub fn verifier(&self) -> Option<&StreamVerifier> {
        match &self.inner {
            Inner::Started(v) => Some(v),
            _ => None,
        }
    }

    fn fail(&mut self, e: Error) -> Error {
        self.inner = Inner::Failed(e);
        e
    }
}
