//! Shared helpers for the sealkit conformance tests.
