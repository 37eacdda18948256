//! sealkit for wasm (in progress).
