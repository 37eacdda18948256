//! Shared helpers for the sealkit benchmarks.
