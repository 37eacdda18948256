//! sealkit's keyless certificate issuer.
//!
//! A small HTTP service that turns an OpenID Connect ID token (from GitHub Actions, GitLab, a
//! cloud provider or a company's identity provider) into a short-lived sealkit key certificate
//! for an ephemeral key, and signs timestamp receipts for envelope digests, so that a verifier
//! can check offline, long after the certificate expired, that a signature was made while it was
//! valid. Every issuance is appended to a hash-chained audit log in SQLite before it is
//! returned. The HTTP contract, the configuration and the security choices are in `README.md`.

#![forbid(unsafe_code)]

pub mod audit;
pub mod config;
mod error;
pub mod jwks;
pub mod rules;
mod service;
pub mod token;

pub use config::Config;
pub use error::{ApiError, StartError};
pub use service::{proof_message, serve, start, Running, PROOF_PREFIX};
