//! Errors: the HTTP errors of the API contract (a status and a stable snake_case name), and
//! the errors that stop the service from starting.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// An API error: `{"error": name, "message": message}` with `status`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The stable error name.
    pub name: &'static str,
    /// What failed, for people. Never contains the token.
    pub message: String,
}

/// The error name of a response, kept in its extensions for the request log line.
#[derive(Clone, Copy, Debug)]
pub struct ErrorName(pub &'static str);

impl ApiError {
    /// An error with a status, a stable name and a message.
    pub fn new(status: StatusCode, name: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            name,
            message: message.into(),
        }
    }

    /// 400 `bad_request`.
    pub fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    /// 400 `malformed_token`.
    pub fn malformed_token(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "malformed_token", message)
    }

    /// 401 with `name`.
    pub fn unauthorized(name: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, name, message)
    }

    /// 500 `internal_error`: a bug or a failing database; nothing was issued.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal_error", message)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} ({}): {}",
            self.name,
            self.status.as_u16(),
            self.message
        )
    }
}

impl std::error::Error for ApiError {}

/// The JSON error body of the contract.
pub fn error_response(status: StatusCode, name: &'static str, message: &str) -> Response {
    let body = serde_json::json!({ "error": name, "message": message }).to_string();
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp.extensions_mut().insert(ErrorName(name));
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        error_response(self.status, self.name, &self.message)
    }
}

/// Why the service could not start (or a log command failed).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StartError {
    /// The configuration is invalid.
    #[error("configuration: {0}")]
    Config(String),
    /// A key or certificate file is unusable.
    #[error("key: {0}")]
    Key(String),
    /// The audit database cannot be used, or its chain does not verify.
    #[error("audit log: {0}")]
    Audit(String),
    /// A provider's key set cannot be loaded.
    #[error("jwks: {0}")]
    Jwks(String),
    /// Listening or serving failed.
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}
