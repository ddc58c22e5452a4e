//! The CLI's one error type: a message and one of the documented exit codes.

use std::fmt;

use alloy::sol_types::SolError;
use peaqos_sdk::{ApiCode, FaucetCode, mcr::McrErrorCode};
use peaqos_sdk::{Error as SdkError, Revert, RpcCode, RpcFailure};

pub(crate) use crate::catalogue::{ErrorCode, Exit};

/// An error that ends the command: a catalogue code (which fixes the exit code), a message,
/// and the flag or env var it is about. Printed as `Error: message` on stderr, and with
/// `--json` also as the one JSON error object on stdout ([`CliError::json`]).
#[derive(Debug)]
pub(crate) struct CliError {
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
    pub(crate) field: Option<String>,
    /// The command already printed its report (`doctor`): only the exit code and the stderr
    /// line remain, no JSON error object.
    pub(crate) reported: bool,
}

pub(crate) type CliResult<T = ()> = Result<T, CliError>;

impl CliError {
    /// An error with `code`.
    pub(crate) fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            field: None,
            reported: false,
        }
    }

    /// The same error, its report already printed on stdout.
    #[must_use]
    pub(crate) const fn reported(mut self) -> Self {
        self.reported = true;
        self
    }

    /// The same error about `field` (a flag such as `--doc-url`, or an env var name).
    #[must_use]
    pub(crate) fn with_field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    /// Bad input (`INVALID_INPUT`, exit 1).
    pub(crate) fn user(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    /// A network, chain or API failure with no more specific code (`NETWORK_ERROR`, exit 2).
    pub(crate) fn network(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NetworkError, message)
    }

    /// An invalid configuration (`INVALID_CONFIG`, exit 3).
    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidConfig, message)
    }

    /// An I/O failure on a local file: the user's environment (`FILE_ERROR`, exit 1).
    pub(crate) fn io(what: &str, err: &std::io::Error) -> Self {
        Self::new(ErrorCode::FileError, format!("{what}: {err}"))
    }

    /// The exit code (fixed by the code).
    pub(crate) fn exit(&self) -> Exit {
        self.code.exit()
    }

    /// The one JSON error shape: `{"error": {"code", "message", "field", "exit_code"}}`.
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "error": {
                "code": self.code.as_str(),
                "message": self.message,
                "field": self.field,
                "exit_code": self.exit() as u8,
            }
        })
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// So a CLI step plugged into the SDK (the activation's funder) can hand its error back.
impl std::error::Error for CliError {}

/// The official CLI's friendly sentences for contract reverts.
fn revert_message(revert: &Revert) -> Option<&'static str> {
    use peaqos_contracts::bindings::{EventRegistry as E, IdentityRegistry as I, MachineNFT as M};
    if !revert.is_custom() {
        return None;
    }
    Some(match revert.selector()?.0 {
        <I::AlreadyRegistered as SolError>::SELECTOR => {
            "Machine is already registered. Use 'peaqos show machine' to view its profile."
        }
        <E::MachineNotBonded as SolError>::SELECTOR => {
            "Machine is not bonded. The 'peaqos activate' command handles bonding automatically."
        }
        <E::NotAuthorizedSubmitter as SolError>::SELECTOR => {
            "Caller is not authorized to submit events for this machine. Check that you are \
             using the machine's key or the operator's key."
        }
        <M::AlreadyMinted as SolError>::SELECTOR => "NFT already minted for this machine.",
        <E::MachineNotFound as SolError>::SELECTOR => {
            "Machine ID does not exist. Check the --machine-id value."
        }
        <E::MachineDeactivated as SolError>::SELECTOR => {
            "Machine has been deactivated and cannot submit events."
        }
        <E::FutureTimestamp as SolError>::SELECTOR => {
            "The event timestamp is later than the chain's latest block time. Use a past --ts."
        }
        _ => return None,
    })
}

/// An MCR API error as the CLI reports it (exit 2); `not_found` is the 404 sentence.
pub(crate) fn mcr_api_error(err: peaqos_sdk::Error, not_found: String, url: &str) -> CliError {
    if matches!(err, peaqos_sdk::Error::Validation(_)) {
        return err.into();
    }
    match McrErrorCode::of(&err) {
        Some(McrErrorCode::NotFound) => CliError::new(ErrorCode::McrNotFound, not_found),
        Some(McrErrorCode::ServiceUnavailable) => {
            CliError::new(ErrorCode::McrUnavailable, "MCR API unavailable")
        }
        Some(McrErrorCode::NetworkError | McrErrorCode::Timeout) => CliError::new(
            ErrorCode::McrUnreachable,
            format!(
                "Could not connect to {url}. Check PEAQOS_MCR_API_URL (is the MCR API running?)."
            ),
        )
        .with_field(crate::env::ENV_MCR_API_URL),
        _ => CliError::new(ErrorCode::McrError, format!("MCR API error — {err}")),
    }
}

/// The official CLI's sentences for Gas Station codes.
pub(crate) fn faucet_message(code: &ApiCode) -> String {
    let ApiCode::Faucet(known) = code else {
        return format!("Faucet error: {code}");
    };
    match known {
        FaucetCode::Invalid2fa => "Invalid 2FA code. Please try again.".into(),
        FaucetCode::TwoFaExpired => "2FA code expired. Enter a fresh 6-digit code".into(),
        FaucetCode::TwoFaAlreadyConfigured => "2FA is already enrolled for this address.".into(),
        FaucetCode::TwoFaNotConfigured => {
            "2FA not set up for this address. The activation flow will handle enrollment.".into()
        }
        FaucetCode::TwoFaNotActive => {
            "2FA not yet activated. Complete the setup by confirming a TOTP code.".into()
        }
        FaucetCode::TwoFaLocked => {
            "Account locked after too many invalid 2FA attempts. Contact support.".into()
        }
        FaucetCode::RequestAlreadyProcessed => {
            "Funding already completed for this request. Continuing.".into()
        }
        FaucetCode::RateLimited => "Too many funding requests. Wait before retrying.".into(),
        FaucetCode::CapExceededOwner => "Daily funding cap exceeded for this owner address.".into(),
        FaucetCode::CapExceededWallet => "Daily funding cap exceeded for the target wallet.".into(),
        FaucetCode::TransferFailed => {
            "On-chain funding transfer failed. Retry with the same requestId.".into()
        }
        other => format!("Faucet error: {other}"),
    }
}

impl From<SdkError> for CliError {
    fn from(err: SdkError) -> Self {
        match &err {
            SdkError::Validation(v) => Self::user(format!(
                "{} — {} (constraint: {})",
                v.field, v.message, v.constraint
            ))
            .with_field(v.field.clone()),
            SdkError::ValueCapExceeded { value, cap } => Self::new(
                ErrorCode::LimitExceeded,
                format!("Event value {value} exceeds configured cap of {cap}"),
            ),
            SdkError::RateLimitExceeded {
                machine_id,
                count,
                max_events,
                window_seconds,
            } => Self::new(
                ErrorCode::LimitExceeded,
                format!(
                    "Rate limit reached for machine {machine_id} — {count}/{max_events} events \
                     in {window_seconds}s"
                ),
            ),
            SdkError::Rpc {
                failure, message, ..
            } => match err.revert().and_then(revert_message) {
                Some(friendly) => Self::new(
                    ErrorCode::TxReverted,
                    format!("{friendly} ({})", failure.code()),
                ),
                None if matches!(failure, RpcFailure::Other(RpcCode::RpcError)) => Self::new(
                    ErrorCode::RpcUnreachable,
                    format!("{message}. Check PEAQOS_RPC_URL and that the node is running."),
                )
                .with_field(crate::env::ENV_RPC_URL),
                None if err.revert().is_some() => Self::new(
                    ErrorCode::TxReverted,
                    format!("Transaction failed — {message}"),
                ),
                None => Self::new(
                    ErrorCode::TxFailed,
                    format!("Transaction failed — {message}"),
                ),
            },
            SdkError::Api { code, message, .. } => match code {
                ApiCode::NetworkError | ApiCode::Mcr(McrErrorCode::Timeout) => Self::new(
                    ErrorCode::NetworkError,
                    format!("{message}. Check your RPC URL or API URL."),
                ),
                _ => Self::network(format!("API error {code} — {message}")),
            },
            _ => Self::network(err.to_string()),
        }
    }
}
