//! The CLI's one error type: a message and one of the documented exit codes.

use std::fmt;

use alloy::sol_types::SolError;
use peaqos_sdk::{ApiCode, FaucetCode, mcr::McrErrorCode};
use peaqos_sdk::{Error as SdkError, Revert, RpcCode, RpcFailure};

/// The documented exit codes (0 is success).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 1: bad input, a declined prompt, a validation error, an operational limit.
    User = 1,
    /// 2: RPC, transaction, HTTP API (MCR, Gas Station) failures.
    Network = 2,
    /// 3: configuration (missing or invalid env vars, wallet loading).
    Config = 3,
}

/// An error that ends the command with `exit` after printing `Error: message`.
#[derive(Debug)]
pub(crate) struct CliError {
    pub(crate) exit: Exit,
    pub(crate) message: String,
}

pub(crate) type CliResult<T = ()> = Result<T, CliError>;

impl CliError {
    pub(crate) fn user(message: impl Into<String>) -> Self {
        Self {
            exit: Exit::User,
            message: message.into(),
        }
    }

    pub(crate) fn network(message: impl Into<String>) -> Self {
        Self {
            exit: Exit::Network,
            message: message.into(),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self {
            exit: Exit::Config,
            message: message.into(),
        }
    }

    /// An I/O failure on a local file: the user's environment (exit 1).
    pub(crate) fn io(what: &str, err: &std::io::Error) -> Self {
        Self::user(format!("{what}: {err}"))
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
        Some(McrErrorCode::NotFound) => CliError::network(not_found),
        Some(McrErrorCode::ServiceUnavailable) => CliError::network("MCR API unavailable"),
        Some(McrErrorCode::NetworkError | McrErrorCode::Timeout) => CliError::network(format!(
            "Could not connect to {url}. Check PEAQOS_MCR_API_URL (is the MCR API running?)."
        )),
        _ => CliError::network(format!("MCR API error — {err}")),
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
            )),
            SdkError::ValueCapExceeded { value, cap } => Self::user(format!(
                "Event value {value} exceeds configured cap of {cap}"
            )),
            SdkError::RateLimitExceeded {
                machine_id,
                count,
                max_events,
                window_seconds,
            } => Self::user(format!(
                "Rate limit reached for machine {machine_id} — {count}/{max_events} events in \
                 {window_seconds}s"
            )),
            SdkError::Rpc {
                failure, message, ..
            } => match err.revert().and_then(revert_message) {
                Some(friendly) => Self::network(format!("{friendly} ({})", failure.code())),
                None if matches!(failure, RpcFailure::Other(RpcCode::RpcError)) => Self::network(
                    format!("{message}. Check PEAQOS_RPC_URL and that the node is running."),
                ),
                None => Self::network(format!("Transaction failed — {message}")),
            },
            SdkError::Api { code, message, .. } => match code {
                ApiCode::NetworkError | ApiCode::Mcr(McrErrorCode::Timeout) => {
                    Self::network(format!("{message}. Check your RPC URL or API URL."))
                }
                _ => Self::network(format!("API error {code} — {message}")),
            },
            _ => Self::network(err.to_string()),
        }
    }
}
