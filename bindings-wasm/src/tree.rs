//! Tree signatures for JavaScript: `RawTreeVerifier` over `sealkit::TreeVerifierState`. Only
//! marshalling; the JavaScript layer (`TreeVerifier`, `verifyTree` in `index.js`) wraps it.
//!
//! The core state does not borrow the manifest, so this object owns a copy of the manifest
//! bytes next to it and hands them back on every `next_entry` call: the JavaScript caller's
//! buffer may change or be freed right after `start`.

use sealkit::{split_tree_signature, EntryKind, Error, TreeVerifierState};
use wasm_bindgen::prelude::*;

use super::{throw, TrustPolicy, Verified};

/// One manifest entry (a copy).
#[wasm_bindgen(js_name = RawTreeEntry)]
#[derive(Debug)]
pub struct TreeEntry {
    path: String,
    kind: u8,
    size: u64,
    executable: bool,
    sha256: Vec<u8>,
    target: Option<String>,
    outside: bool,
}

#[wasm_bindgen(js_class = RawTreeEntry)]
impl TreeEntry {
    /// The path relative to the tree's root, `/`-separated.
    #[wasm_bindgen(getter)]
    pub fn path(&self) -> String {
        self.path.clone()
    }
    /// 0 file, 1 directory, 2 symlink.
    #[wasm_bindgen(getter)]
    pub fn kind(&self) -> u8 {
        self.kind
    }
    /// File: its signed size in bytes.
    #[wasm_bindgen(getter)]
    pub fn size(&self) -> u64 {
        self.size
    }
    /// File: whether it is signed as executable.
    #[wasm_bindgen(getter)]
    pub fn executable(&self) -> bool {
        self.executable
    }
    /// File: its signed SHA-256.
    #[wasm_bindgen(getter)]
    pub fn sha256(&self) -> Vec<u8> {
        self.sha256.clone()
    }
    /// Symlink: its target text.
    #[wasm_bindgen(getter)]
    pub fn target(&self) -> Option<String> {
        self.target.clone()
    }
    /// Symlink: whether the target leaves the tree.
    #[wasm_bindgen(getter)]
    pub fn outside(&self) -> bool {
        self.outside
    }
}

fn entry_of(e: &sealkit::TreeEntry<'_>) -> TreeEntry {
    let mut out = TreeEntry {
        path: e.path.into(),
        kind: 1,
        size: 0,
        executable: false,
        sha256: Vec::new(),
        target: None,
        outside: false,
    };
    match e.kind {
        EntryKind::File {
            executable,
            size,
            sha256,
        } => {
            out.kind = 0;
            out.size = size;
            out.executable = executable;
            out.sha256 = sha256.to_vec();
        }
        EntryKind::Directory => {}
        EntryKind::Symlink { target, outside } => {
            out.kind = 2;
            out.target = Some(target.into());
            out.outside = outside;
        }
    }
    out
}

/// A tree verifier slot: empty, active, finished or failed (errors are sticky until abort).
#[wasm_bindgen(js_name = RawTreeVerifier)]
#[derive(Debug, Default)]
pub struct TreeVerifier {
    // A failure outside the core state (misuse before start, a refused signature): sticky.
    early_error: Option<Error>,
    manifest: Vec<u8>,
    state: Option<TreeVerifierState>,
}

impl TreeVerifier {
    fn held_error(&self) -> Option<Error> {
        self.early_error
            .or_else(|| self.state.as_ref().and_then(TreeVerifierState::error))
    }

    fn fail(&mut self, e: Error) -> JsValue {
        self.early_error = Some(e);
        throw(e)
    }

    fn started(&mut self) -> Result<&mut TreeVerifierState, JsValue> {
        if let Some(e) = self.held_error() {
            return Err(throw(e));
        }
        if self.state.is_none() {
            return Err(self.fail(Error::NotStarted));
        }
        self.state.as_mut().ok_or_else(|| throw(Error::NotStarted))
    }
}

#[wasm_bindgen(js_class = RawTreeVerifier)]
impl TreeVerifier {
    /// An empty slot.
    #[wasm_bindgen(constructor)]
    pub fn new() -> TreeVerifier {
        TreeVerifier::default()
    }

    /// Checks the tree signature file `sig` under `policy` (signature, policy, media type,
    /// manifest digest, every manifest rule) and keeps a copy of its manifest.
    pub fn start(&mut self, sig: &[u8], policy: &TrustPolicy) -> Result<(), JsValue> {
        if let Some(e) = self.held_error() {
            return Err(throw(e));
        }
        if self.state.is_some() {
            return Err(self.fail(Error::AlreadyStarted));
        }
        let state = match TreeVerifierState::from_signature(sig, &policy.inner) {
            Ok(s) => s,
            Err(e) => return Err(self.fail(e)),
        };
        let (_, manifest) = split_tree_signature(sig).map_err(|e| self.fail(e))?;
        self.manifest = manifest.to_vec();
        self.state = Some(state);
        Ok(())
    }

    /// Closes the current file (size and SHA-256) and returns the next entry, or `undefined`
    /// after the last.
    #[wasm_bindgen(js_name = nextEntry)]
    pub fn next_entry(&mut self) -> Result<Option<TreeEntry>, JsValue> {
        self.started()?;
        let manifest = &self.manifest;
        let state = self
            .state
            .as_mut()
            .ok_or_else(|| throw(Error::NotStarted))?;
        let e = state.next_entry(manifest).map_err(throw)?;
        Ok(e.as_ref().map(entry_of))
    }

    /// Takes the next bytes of the current file.
    pub fn update(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        self.started()?.update(chunk).map_err(throw)
    }

    /// Checks the last file and that every entry was visited; returns the manifest's facts.
    pub fn finish(&mut self) -> Result<Verified, JsValue> {
        self.started()?
            .finish()
            .map(|inner| Verified { inner })
            .map_err(throw)
    }

    /// Empties the slot from any state (and frees the manifest copy).
    pub fn abort(&mut self) {
        *self = TreeVerifier::default();
    }

    /// 0 empty, 1 active, 2 finished, 3 failed.
    #[wasm_bindgen(getter)]
    pub fn state(&self) -> u8 {
        match (self.held_error(), self.state.as_ref()) {
            (Some(_), _) => 3,
            (None, None) => 0,
            (None, Some(s)) if s.is_finished() => 2,
            (None, Some(_)) => 1,
        }
    }

    /// The sticky error's code, if failed.
    #[wasm_bindgen(getter, js_name = errorCode)]
    pub fn error_code(&self) -> Option<u16> {
        self.held_error().map(Error::code)
    }

    /// How many entries the manifest lists, once started.
    #[wasm_bindgen(getter, js_name = entryCount)]
    pub fn entry_count(&self) -> Option<u64> {
        self.state.as_ref().map(TreeVerifierState::entry_count)
    }

    /// Entries not handed out yet, once started.
    #[wasm_bindgen(getter, js_name = entriesLeft)]
    pub fn entries_left(&self) -> Option<u64> {
        self.state.as_ref().map(TreeVerifierState::entries_left)
    }

    /// The current file's bytes still expected (its signed size minus those received), while
    /// a file is open.
    #[wasm_bindgen(getter, js_name = fileBytesLeft)]
    pub fn file_bytes_left(&self) -> Option<u64> {
        let (size, received) = self.state.as_ref()?.file_progress()?;
        Some(size.saturating_sub(received))
    }

    /// The manifest's exclusion patterns (sorted), once started; empty before.
    pub fn exclusions(&self) -> Vec<String> {
        let Some(s) = self.state.as_ref() else {
            return Vec::new();
        };
        match s.manifest(&self.manifest) {
            Ok(m) => m.exclusions().map(String::from).collect(),
            Err(_) => Vec::new(),
        }
    }
}
