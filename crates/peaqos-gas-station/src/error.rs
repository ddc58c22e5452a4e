//! The library's error type and the HTTP API's error answers.

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use peaqos_types::faucet::Envelope;
pub use peaqos_types::faucet::FaucetCode;
use serde_json::Value;

/// What starting, configuring or embedding the Gas Station can fail with. Never carries a
/// key, a TOTP secret or a code.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The configuration is missing a value or has an invalid one.
    #[error("configuration: {0}")]
    Config(String),
    /// The configuration file could not be read or is readable by others.
    #[error("configuration file {path}: {message}")]
    ConfigFile {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// The database failed (connect, migrate, query). The text has URLs redacted.
    #[error("database: {}", peaqos_service::redact_urls_in(&.0.to_string()))]
    Database(#[from] sqlx::Error),
    /// The migrations failed.
    #[error("database migration: {}", peaqos_service::redact_urls_in(&.0.to_string()))]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Binding or serving the HTTP listener failed.
    #[error("listener: {0}")]
    Io(#[from] std::io::Error),
    /// A chain's RPC failed.
    #[error("chain RPC: {0}")]
    Chain(String),
    /// Anything else that should not happen.
    #[error("internal: {0}")]
    Internal(String),
}

impl Error {
    /// The stable string code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Config(_) | Self::ConfigFile { .. } => "CONFIG_INVALID",
            Self::Database(_) | Self::Migrate(_) => "DATABASE_ERROR",
            Self::Io(_) => "LISTENER_ERROR",
            Self::Chain(_) => "CHAIN_RPC_ERROR",
            Self::Internal(_) => "INTERNAL_ERROR",
        }
    }
}

/// An error answer of the HTTP API: `{status: "error", code, message, data?}` with the code's
/// fixed HTTP status ([`FaucetCode::http_status`]).
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The faucet code.
    pub code: FaucetCode,
    /// A human-readable message (never secrets).
    pub message: String,
    /// Extra data (the original result of `REQUEST_ALREADY_PROCESSED`).
    pub data: Option<Value>,
}

impl ApiError {
    /// `code` with its standard message.
    pub fn new(code: FaucetCode) -> Self {
        Self {
            code,
            message: code.message().to_owned(),
            data: None,
        }
    }

    /// `code` with `detail` after the standard message.
    pub fn with_detail(code: FaucetCode, detail: impl std::fmt::Display) -> Self {
        Self {
            code,
            message: format!("{}: {detail}", code.message()),
            data: None,
        }
    }

    /// The JSON body, `{"code", "data"?, "message", "status": "error"}`.
    pub fn body(&self) -> Envelope<Value> {
        Envelope {
            data: self.data.clone(),
            ..Envelope::error(self.code, self.message.as_str())
        }
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        // The detail is for the log; the client gets the code.
        tracing::error!(error = %err, "internal error");
        Self::new(match err {
            Error::Chain(_) => FaucetCode::ChainRpcError,
            _ => FaucetCode::InternalError,
        })
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        Error::Database(err).into()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.code.http_status())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        (status, axum::Json(self.body())).into_response()
    }
}
