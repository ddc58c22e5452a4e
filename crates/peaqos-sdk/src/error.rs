//! The SDK's one error type, with the documented families and stable codes.
//!
//! | family | variant | `code()` |
//! | --- | --- | --- |
//! | bad input, caught before any network call | [`Error::Validation`] | `VALIDATION_ERROR` |
//! | chain / RPC / transaction | [`Error::Rpc`] ([`RpcFailure::Reverted`] with a typed [`Revert`], or [`RpcFailure::Other`]) | the decoded custom error name (`AlreadyRegistered`, …), or `TX_REVERTED`, `RECEIPT_AWAIT_FAILED`, `REGISTERED_EVENT_MISSING`, `REGISTERED_EVENT_MALFORMED`, `ACCOUNT_CREATED_EVENT_MISSING`, `ACCOUNT_CREATED_EVENT_MALFORMED`, `INVALID_FEE_RESULT`, `RPC_ERROR`, `WALLET_NOT_CONFIGURED` |
//! | HTTP APIs (Gas Station, MCR) | [`Error::Api`] | the service's code (`INVALID_2FA`, `NOT_FOUND`, …) or `INVALID_RESPONSE`, `UNEXPECTED_RESPONSE`, `NETWORK_ERROR`, `TIMEOUT`, `BAD_RESPONSE`, `HTTP_ERROR`, `SERVER_ERROR`, `SERVICE_UNAVAILABLE` |
//! | operational limits | [`Error::ValueCapExceeded`], [`Error::RateLimitExceeded`] | `VALUE_CAP_EXCEEDED`, `RATE_LIMIT_EXCEEDED` |

use alloy::{primitives::U256, sol_types::SolError};

use crate::revert::Revert;

/// Result with the SDK's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Boxed underlying cause.
pub type Cause = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Every error the SDK returns.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Bad input, caught before anything was sent.
    #[error("{0}")]
    Validation(#[from] ValidationError),
    /// A chain, RPC or transaction failure.
    #[error("{message}")]
    Rpc {
        /// What failed: a decoded revert, or another chain failure by its stable code.
        failure: RpcFailure,
        /// What happened and what to do.
        message: String,
        /// The transaction, when one was sent.
        tx_hash: Option<alloy::primitives::B256>,
        /// The underlying error.
        #[source]
        source: Option<Cause>,
    },
    /// An HTTP API (Gas Station, MCR API) failure.
    #[error("{message}")]
    Api {
        /// The service's code (`INVALID_2FA`, `NOT_FOUND`, …), an SDK sentinel, or an unknown
        /// code kept verbatim.
        code: crate::http::ApiCode,
        /// What happened and what to do.
        message: String,
        /// The HTTP status, when a response arrived.
        status: Option<u16>,
        /// The underlying error.
        #[source]
        source: Option<Cause>,
    },
    /// An event's value is above the client's per-transaction cap.
    #[error("Value {value} exceeds cap {cap}")]
    ValueCapExceeded {
        /// The value submitted.
        value: U256,
        /// The configured cap.
        cap: U256,
    },
    /// A machine submitted more events than the client's rate limit allows.
    #[error("Machine {machine_id}: {count}/{max_events} events in {window_seconds}s")]
    RateLimitExceeded {
        /// The machine.
        machine_id: U256,
        /// Events in the window, including this one.
        count: u64,
        /// The limit.
        max_events: u64,
        /// The window length.
        window_seconds: u64,
    },
}

impl Error {
    /// The stable code (see the module docs).
    pub fn code(&self) -> &str {
        match self {
            Self::Validation(_) => "VALIDATION_ERROR",
            Self::Rpc { failure, .. } => failure.code(),
            Self::Api { code, .. } => code.as_str(),
            Self::ValueCapExceeded { .. } => "VALUE_CAP_EXCEEDED",
            Self::RateLimitExceeded { .. } => "RATE_LIMIT_EXCEEDED",
        }
    }

    /// An RPC-family error that is not a revert, with its stable code (`RPC_ERROR`, …).
    pub fn rpc(code: &'static str, message: impl Into<String>) -> Self {
        Self::Rpc {
            failure: RpcFailure::Other(code),
            message: message.into(),
            tx_hash: None,
            source: None,
        }
    }

    /// A revert (RPC family): `code()` is the custom error's name or `TX_REVERTED`.
    pub fn reverted(revert: Revert, message: impl Into<String>) -> Self {
        Self::Rpc {
            failure: RpcFailure::Reverted(Box::new(revert)),
            message: message.into(),
            tx_hash: None,
            source: None,
        }
    }

    /// The decoded revert, when this error is one.
    pub fn revert(&self) -> Option<&Revert> {
        match self {
            Self::Rpc {
                failure: RpcFailure::Reverted(r),
                ..
            } => Some(r),
            _ => None,
        }
    }

    /// True when this error is the contract revert `E` (e.g.
    /// `IdentityRegistry::AlreadyRegistered`), whichever contract declared it.
    pub fn is_revert<E: SolError>(&self) -> bool {
        self.revert().is_some_and(Revert::is::<E>)
    }

    /// An API-family error.
    pub fn api(
        code: impl Into<crate::http::ApiCode>,
        message: impl Into<String>,
        status: Option<u16>,
    ) -> Self {
        Self::Api {
            code: code.into(),
            message: message.into(),
            status,
            source: None,
        }
    }

    /// Attaches an underlying cause (RPC and API families; others unchanged).
    #[must_use]
    pub fn with_source(mut self, cause: impl Into<Cause>) -> Self {
        match &mut self {
            Self::Rpc { source, .. } | Self::Api { source, .. } => *source = Some(cause.into()),
            _ => {}
        }
        self
    }

    /// Attaches the hash of the transaction the error is about (RPC family; others unchanged).
    #[must_use]
    pub fn with_tx_hash(mut self, hash: alloy::primitives::B256) -> Self {
        if let Self::Rpc { tx_hash, .. } = &mut self {
            *tx_hash = Some(hash);
        }
        self
    }

    /// The code of an API-family error.
    pub const fn api_code(&self) -> Option<&crate::http::ApiCode> {
        match self {
            Self::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The Gas Station code of an API-family error, if it carries one.
    pub const fn faucet_code(&self) -> Option<peaqos_types::faucet::FaucetCode> {
        match self {
            Self::Api {
                code: crate::http::ApiCode::Faucet(c),
                ..
            } => Some(*c),
            _ => None,
        }
    }

    /// The hash of the transaction the error is about, when one was sent.
    pub fn tx_hash(&self) -> Option<alloy::primitives::B256> {
        match self {
            Self::Rpc { tx_hash, .. } => *tx_hash,
            _ => None,
        }
    }
}

/// What an [`Error::Rpc`] is about.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum RpcFailure {
    /// The transaction or call reverted: a contract's custom error, `Error(string)`,
    /// `Panic(uint256)`, or data that matches none (`TX_REVERTED`). Boxed: the error enums
    /// are large and most results are `Ok`.
    Reverted(Box<Revert>),
    /// Not a revert: the SDK's stable code (`RPC_ERROR`, `RECEIPT_AWAIT_FAILED`,
    /// `SIGNING_FAILED`, …) or a vault's (`INVALID_PASSPHRASE`, `WALLET_NOT_FOUND`, …).
    Other(&'static str),
}

impl RpcFailure {
    /// The stable code: the revert's ([`Revert::code`]) or the failure's own.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Reverted(r) => r.code(),
            Self::Other(code) => code,
        }
    }
}

/// Bad input: which field, which rule, and the offending value (never a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ValidationError {
    /// The parameter (`machine_id`, `currency`, …).
    pub field: String,
    /// The rule it broke (`positive integer`, `^[A-Z0-9]{3,10}$`, …).
    pub constraint: String,
    /// A sentence for humans.
    pub message: String,
    /// The offending value, as text, when it is safe to show.
    pub value: Option<String>,
}

impl ValidationError {
    /// A validation error.
    pub fn new(
        field: impl Into<String>,
        constraint: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            constraint: constraint.into(),
            message: message.into(),
            value: None,
        }
    }

    /// With the offending value.
    #[must_use]
    pub fn with_value(mut self, value: impl Into<String>) -> Self {
        self.value = Some(value.into());
        self
    }
}

impl Error {
    /// Shorthand for a [`ValidationError`].
    pub fn validation(
        field: impl Into<String>,
        constraint: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self::Validation(ValidationError::new(field, constraint, message))
    }
}
