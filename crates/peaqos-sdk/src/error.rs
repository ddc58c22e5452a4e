//! The SDK's one error type, with the documented families and stable codes.
//!
//! Match on the typed values; [`Error::code`] gives the same code as a stable string (the one
//! the CLI prints and the official clients use).
//!
//! | family | variant | typed code | `code()` |
//! | --- | --- | --- | --- |
//! | bad input, caught before any network call | [`Error::Validation`] | the [`ValidationError`]'s `field` | `VALIDATION_ERROR` |
//! | contract revert | [`Error::Rpc`] with [`RpcFailure::Reverted`] | the `sol!` error type: [`Error::is_revert`]`::<IdentityRegistry::AlreadyRegistered>()`, [`Error::revert`] | the custom error's name (`AlreadyRegistered`, …), or `TX_REVERTED` |
//! | other chain / RPC / transaction failures | [`Error::Rpc`] with [`RpcFailure::Other`] | [`RpcCode`] ([`Error::rpc_code`]) | see [`RpcCode`] (`RPC_ERROR`, `RECEIPT_AWAIT_FAILED`, …) |
//! | HTTP APIs (Gas Station, MCR) | [`Error::Api`] | [`ApiCode`](crate::ApiCode) ([`Error::api_code`], [`Error::faucet_code`], [`McrErrorCode::of`](crate::mcr::McrErrorCode::of)) | the service's code (`INVALID_2FA`, `NOT_FOUND`, …), `INVALID_RESPONSE`, `UNEXPECTED_RESPONSE`, `NETWORK_ERROR`, or an unknown code verbatim |
//! | operational limits | [`Error::ValueCapExceeded`], [`Error::RateLimitExceeded`] | the variant | `VALUE_CAP_EXCEEDED`, `RATE_LIMIT_EXCEEDED` |

use alloy::{primitives::U256, sol_types::SolError};

use peaqos_wallet::WalletCode;

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

    /// An RPC-family error that is not a revert ([`RpcCode::RpcError`], …).
    pub fn rpc(code: RpcCode, message: impl Into<String>) -> Self {
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

    /// The code of an RPC-family error that is not a revert.
    pub const fn rpc_code(&self) -> Option<RpcCode> {
        match self {
            Self::Rpc {
                failure: RpcFailure::Other(code),
                ..
            } => Some(*code),
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
    /// Not a revert: what else failed.
    Other(RpcCode),
}

impl RpcFailure {
    /// The stable code: the revert's ([`Revert::code`]) or the failure's own.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Reverted(r) => r.code(),
            Self::Other(code) => code.as_str(),
        }
    }
}

/// Defines [`RpcCode`] from one table: variant, stable string, meaning.
macro_rules! rpc_codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, )+) => {
        /// The code of an [`Error::Rpc`] that is not a revert: the SDK's own chain and
        /// transaction failures, and the vault's ([`RpcCode::Wallet`]).
        ///
        /// [`as_str`](Self::as_str) is the stable string [`Error::code`] returns.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum RpcCode {
            $( $(#[$doc])* $variant, )+
            /// A vault failure of an OWS wallet (`WALLET_NOT_FOUND`, `INVALID_PASSPHRASE`,
            /// `POLICY_DENIED`, …); the [`WalletError`](peaqos_wallet::WalletError) is the
            /// source.
            Wallet(WalletCode),
        }

        impl RpcCode {
            /// Every SDK code (the vault's are [`WalletCode::ALL`]).
            pub const ALL: [Self; [$(Self::$variant),+].len()] = [$(Self::$variant),+];

            /// The stable code string (`RPC_ERROR`, `RECEIPT_AWAIT_FAILED`, …).
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( Self::$variant => $code, )+
                    Self::Wallet(c) => c.as_str(),
                }
            }
        }
    };
}

rpc_codes! {
    /// `RPC_ERROR`: the node or the transport failed, or answered something unusable (not a
    /// revert).
    RpcError = "RPC_ERROR",
    /// `RECEIPT_AWAIT_FAILED`: the receipt did not arrive in time (the transaction may still
    /// land; the error carries its hash).
    ReceiptAwaitFailed = "RECEIPT_AWAIT_FAILED",
    /// `SIGNING_FAILED`: the signer refused or failed to sign.
    SigningFailed = "SIGNING_FAILED",
    /// `WALLET_NOT_CONFIGURED`: a write on a client without a signer.
    WalletNotConfigured = "WALLET_NOT_CONFIGURED",
    /// `INVALID_RESULT`: a view call returned data that does not decode as the function's
    /// return type.
    InvalidResult = "INVALID_RESULT",
    /// `INVALID_ADDRESS_RESULT`: `getAddress` returned something that is not an address.
    InvalidAddressResult = "INVALID_ADDRESS_RESULT",
    /// `INVALID_FEE_RESULT`: `quoteSend` returned something that is not a `MessagingFee`.
    InvalidFeeResult = "INVALID_FEE_RESULT",
    /// `REGISTERED_EVENT_MISSING`: the receipt has no `Registered` log from the
    /// IdentityRegistry.
    RegisteredEventMissing = "REGISTERED_EVENT_MISSING",
    /// `REGISTERED_EVENT_MALFORMED`: the `Registered` log does not decode or names machine
    /// id 0.
    RegisteredEventMalformed = "REGISTERED_EVENT_MALFORMED",
    /// `ACCOUNT_CREATED_EVENT_MISSING`: the factory emitted no `AccountCreated` log and no
    /// account exists at the predicted address.
    AccountCreatedEventMissing = "ACCOUNT_CREATED_EVENT_MISSING",
    /// `ACCOUNT_CREATED_EVENT_MALFORMED`: the `AccountCreated` log does not decode.
    AccountCreatedEventMalformed = "ACCOUNT_CREATED_EVENT_MALFORMED",
    /// `ABORTED`: the caller cancelled the wait
    /// ([`wait_for_bridge_arrival_until`](crate::bridge::wait_for_bridge_arrival_until)).
    Aborted = "ABORTED",
    /// `INTERNAL_ERROR`: an SDK task failed (a panicked onboarding task of
    /// [`fleet`](crate::fleet)).
    InternalError = "INTERNAL_ERROR",
}

impl std::fmt::Display for RpcCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<WalletCode> for RpcCode {
    fn from(code: WalletCode) -> Self {
        Self::Wallet(code)
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

#[cfg(test)]
mod tests {
    use alloy::primitives::Bytes;
    use peaqos_contracts::bindings::IdentityRegistry;
    use peaqos_types::faucet::FaucetCode;

    use super::*;
    use crate::{http::ApiCode, mcr::McrErrorCode};

    /// The stable strings of every typed code: what the CLI prints, the docs list and the
    /// official clients use. The typed values are what callers match on; this pins the wire.
    #[test]
    fn every_typed_code_keeps_its_stable_string() {
        let rpc: Vec<_> = RpcCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            rpc,
            [
                "RPC_ERROR",
                "RECEIPT_AWAIT_FAILED",
                "SIGNING_FAILED",
                "WALLET_NOT_CONFIGURED",
                "INVALID_RESULT",
                "INVALID_ADDRESS_RESULT",
                "INVALID_FEE_RESULT",
                "REGISTERED_EVENT_MISSING",
                "REGISTERED_EVENT_MALFORMED",
                "ACCOUNT_CREATED_EVENT_MISSING",
                "ACCOUNT_CREATED_EVENT_MALFORMED",
                "ABORTED",
                "INTERNAL_ERROR",
            ]
        );
        for code in RpcCode::ALL {
            assert_eq!(Error::rpc(code, "x").code(), code.as_str());
            assert_eq!(Error::rpc(code, "x").rpc_code(), Some(code));
        }
        for w in WalletCode::ALL {
            let e = Error::rpc(RpcCode::Wallet(w), "x");
            assert_eq!(e.code(), w.as_str());
        }
        let wallet = Error::rpc(WalletCode::InvalidPassphrase.into(), "x");
        assert_eq!(wallet.code(), "INVALID_PASSPHRASE");

        let mcr: Vec<_> = McrErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        assert_eq!(
            mcr,
            [
                "NOT_FOUND",
                "BAD_RESPONSE",
                "HTTP_ERROR",
                "SERVER_ERROR",
                "SERVICE_UNAVAILABLE",
                "TIMEOUT",
                "NETWORK_ERROR",
            ]
        );
        for (code, s) in [
            (ApiCode::NetworkError, "NETWORK_ERROR"),
            (ApiCode::InvalidResponse, "INVALID_RESPONSE"),
            (ApiCode::UnexpectedResponse, "UNEXPECTED_RESPONSE"),
            (ApiCode::Mcr(McrErrorCode::NotFound), "NOT_FOUND"),
            (ApiCode::Faucet(FaucetCode::Invalid2fa), "INVALID_2FA"),
            (ApiCode::from_faucet("TOTP_EXPIRED"), "TOTP_EXPIRED"),
        ] {
            assert_eq!(Error::api(code, "x", None).code(), s);
        }
        for code in FaucetCode::ALL {
            let e = Error::api(code, "x", None);
            assert_eq!((e.code(), e.faucet_code()), (code.as_str(), Some(code)));
        }

        let reverted = |r| Error::reverted(r, "x").code().to_owned();
        assert_eq!(
            reverted(Revert::decode(&alloy::sol_types::SolError::abi_encode(
                &IdentityRegistry::AlreadyRegistered {}
            ))),
            "AlreadyRegistered"
        );
        assert_eq!(reverted(Revert::Unknown(Bytes::new())), "TX_REVERTED");

        let limits = [
            (Error::validation("f", "c", "m"), "VALIDATION_ERROR"),
            (
                Error::ValueCapExceeded {
                    value: U256::from(2),
                    cap: U256::from(1),
                },
                "VALUE_CAP_EXCEEDED",
            ),
            (
                Error::RateLimitExceeded {
                    machine_id: U256::from(1),
                    count: 2,
                    max_events: 1,
                    window_seconds: 60,
                },
                "RATE_LIMIT_EXCEEDED",
            ),
        ];
        for (e, s) in limits {
            assert_eq!(e.code(), s);
        }
    }
}
