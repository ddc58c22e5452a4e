//! The Gas Station client: the 2FA-gated faucet that funds fresh machine wallets.
//!
//! The owner enrolls once ([`setup_faucet_2fa`](GasStationClient::setup_faucet_2fa), then
//! [`confirm_faucet_2fa`](GasStationClient::confirm_faucet_2fa) with a code from the
//! authenticator app), then funds machine wallets with
//! [`fund_from_gas_station`](GasStationClient::fund_from_gas_station), one current TOTP code per
//! call.
//!
//! Wire format (as the official clients send it): `POST {base}/2fa/setup`, `/2fa/confirm`,
//! `/faucet/fund`, JSON bodies with camelCase keys, 30 s timeout, no auth header. Every answer
//! is an envelope `{"status", "code", "data", "message"?}`:
//!
//! * a body that is not JSON (any status) → [`INVALID_RESPONSE`];
//! * a non-2xx body with a string `code` → [`Error::Api`] with that code (see [`FaucetCode`])
//!   and the HTTP status; without one → [`UNEXPECTED_RESPONSE`];
//! * a 2xx body that is not the endpoint's success envelope → [`UNEXPECTED_RESPONSE`];
//! * no answer (refused, DNS, TLS, reset, timeout) → [`NETWORK_ERROR`].
//!
//! Inputs are checked before anything is sent: addresses (`0x` + 40 hex, EIP-55 when mixed
//! case, or an SS58-shaped string), the 6-digit code, the chain name. TOTP codes and the
//! `otpauth://` secret never appear in logs, error messages or `Debug` output.
//!
//! ```no_run
//! # async fn demo() -> peaqos_sdk::Result<()> {
//! use peaqos_sdk::gas_station::{FundOutcome, GasStationClient};
//!
//! let faucet = GasStationClient::new(reqwest::Client::new(), "https://depinstation.peaq.xyz");
//! let owner = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
//! let machine = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
//! match faucet.fund_from_gas_station(owner, machine, "peaq", "123456", None).await? {
//!     FundOutcome::Funded { tx_hash, funded_amount, .. } => println!("{tx_hash}: {funded_amount} wei"),
//!     FundOutcome::Skipped { current_balance, .. } => println!("already has {current_balance} wei"),
//! }
//! # Ok(()) }
//! ```

use std::{fmt, str::FromStr};

use alloy::primitives::{Address, B256, U256};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

pub use crate::http::{INVALID_RESPONSE, NETWORK_ERROR, UNEXPECTED_RESPONSE};
use crate::{
    Error, Result, ValidationError,
    client::PeaqosClient,
    http::{self, Service},
};

/// `POST` path of [`GasStationClient::setup_faucet_2fa`].
pub const SETUP_PATH: &str = "/2fa/setup";
/// `POST` path of [`GasStationClient::confirm_faucet_2fa`].
pub const CONFIRM_PATH: &str = "/2fa/confirm";
/// `POST` path of [`GasStationClient::fund_from_gas_station`].
pub const FUND_PATH: &str = "/faucet/fund";
/// The `code` of a successful confirm.
pub const CODE_2FA_ACTIVATED: &str = "2FA_ACTIVATED";
/// The `code` of a funded transfer (`status: "success"`).
pub const CODE_SUCCESS: &str = "SUCCESS";
/// The `code` of a skipped transfer (`status: "skipped"`).
pub const CODE_SUFFICIENT_BALANCE: &str = "SUFFICIENT_BALANCE";

/// The error codes the Gas Station answers with: the 20 documented ones plus
/// `2FA_ALREADY_CONFIGURED` (from setup, known to the official CLI).
///
/// They reach callers as [`Error::Api`] `{ code, status, .. }`; [`FaucetCode::of`] reads it
/// back. A code outside this list is passed through verbatim (e.g. the `TOTP_EXPIRED` /
/// `2FA_EXPIRED` spellings the CLI also recognises).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FaucetCode {
    /// `INVALID_2FA`: the TOTP code did not match.
    Invalid2fa,
    /// `2FA_NOT_CONFIGURED`: the owner never completed setup.
    TwoFaNotConfigured,
    /// `2FA_NOT_ACTIVE`: set up but never confirmed.
    TwoFaNotActive,
    /// `2FA_LOCKED`: too many invalid attempts; blocked for a while.
    TwoFaLocked,
    /// `2FA_ALREADY_CONFIGURED`: setup was already done for this owner.
    TwoFaAlreadyConfigured,
    /// `DUPLICATE_REQUEST`: a request with this `requestId` is still in flight.
    DuplicateRequest,
    /// `REQUEST_ALREADY_PROCESSED`: this `requestId` has already completed.
    RequestAlreadyProcessed,
    /// `RATE_LIMITED`: per-owner (or per-IP / per-wallet) throttle.
    RateLimited,
    /// `CAP_EXCEEDED_OWNER`: the owner's daily funding cap.
    CapExceededOwner,
    /// `CAP_EXCEEDED_WALLET`: the target wallet's daily funding cap.
    CapExceededWallet,
    /// `INVALID_PAYLOAD`: the body failed server-side validation.
    InvalidPayload,
    /// `INVALID_OWNER_ADDRESS`: malformed `ownerAddress`.
    InvalidOwnerAddress,
    /// `INVALID_TARGET_ADDRESS`: malformed `targetWalletAddress`.
    InvalidTargetAddress,
    /// `INVALID_CHAIN_ID`: `chainId` not configured on the faucet.
    InvalidChainId,
    /// `INVALID_REQUEST_ID`: `requestId` is not a UUID.
    InvalidRequestId,
    /// `TRANSFER_FAILED`: the on-chain transfer reverted or stalled.
    TransferFailed,
    /// `CHAIN_RPC_ERROR`: the faucet's upstream RPC failed.
    ChainRpcError,
    /// `INTERNAL_ERROR`: unhandled server-side failure.
    InternalError,
    /// `QR_NOT_FOUND`: the QR token does not exist.
    QrNotFound,
    /// `QR_EXPIRED`: the QR token expired (~2 minutes).
    QrExpired,
    /// `QR_GENERATION_FAILED`: the faucet could not render the QR image.
    QrGenerationFailed,
}

impl FaucetCode {
    /// Every code: the 20 documented ones, then `2FA_ALREADY_CONFIGURED`.
    pub const ALL: [Self; 21] = [
        Self::Invalid2fa,
        Self::TwoFaNotConfigured,
        Self::TwoFaNotActive,
        Self::TwoFaLocked,
        Self::DuplicateRequest,
        Self::RequestAlreadyProcessed,
        Self::RateLimited,
        Self::CapExceededOwner,
        Self::CapExceededWallet,
        Self::InvalidPayload,
        Self::InvalidOwnerAddress,
        Self::InvalidTargetAddress,
        Self::InvalidChainId,
        Self::InvalidRequestId,
        Self::TransferFailed,
        Self::ChainRpcError,
        Self::InternalError,
        Self::QrNotFound,
        Self::QrExpired,
        Self::QrGenerationFailed,
        Self::TwoFaAlreadyConfigured,
    ];

    /// The wire code (`INVALID_2FA`, `2FA_LOCKED`, …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Invalid2fa => "INVALID_2FA",
            Self::TwoFaNotConfigured => "2FA_NOT_CONFIGURED",
            Self::TwoFaNotActive => "2FA_NOT_ACTIVE",
            Self::TwoFaLocked => "2FA_LOCKED",
            Self::TwoFaAlreadyConfigured => "2FA_ALREADY_CONFIGURED",
            Self::DuplicateRequest => "DUPLICATE_REQUEST",
            Self::RequestAlreadyProcessed => "REQUEST_ALREADY_PROCESSED",
            Self::RateLimited => "RATE_LIMITED",
            Self::CapExceededOwner => "CAP_EXCEEDED_OWNER",
            Self::CapExceededWallet => "CAP_EXCEEDED_WALLET",
            Self::InvalidPayload => "INVALID_PAYLOAD",
            Self::InvalidOwnerAddress => "INVALID_OWNER_ADDRESS",
            Self::InvalidTargetAddress => "INVALID_TARGET_ADDRESS",
            Self::InvalidChainId => "INVALID_CHAIN_ID",
            Self::InvalidRequestId => "INVALID_REQUEST_ID",
            Self::TransferFailed => "TRANSFER_FAILED",
            Self::ChainRpcError => "CHAIN_RPC_ERROR",
            Self::InternalError => "INTERNAL_ERROR",
            Self::QrNotFound => "QR_NOT_FOUND",
            Self::QrExpired => "QR_EXPIRED",
            Self::QrGenerationFailed => "QR_GENERATION_FAILED",
        }
    }

    /// Whether the same request may succeed later without changing its input (possibly after
    /// a wait: the lockout window, the rate-limit cooldown, the next day for the caps), per the
    /// documented retry column. Fresh-code retries (`INVALID_2FA`) count as retryable.
    pub const fn is_retryable(self) -> bool {
        match self {
            Self::Invalid2fa
            | Self::TwoFaLocked
            | Self::RateLimited
            | Self::CapExceededOwner
            | Self::CapExceededWallet
            | Self::TransferFailed
            | Self::ChainRpcError
            | Self::InternalError
            | Self::QrGenerationFailed => true,
            Self::TwoFaNotConfigured
            | Self::TwoFaNotActive
            | Self::TwoFaAlreadyConfigured
            | Self::DuplicateRequest
            | Self::RequestAlreadyProcessed
            | Self::InvalidPayload
            | Self::InvalidOwnerAddress
            | Self::InvalidTargetAddress
            | Self::InvalidChainId
            | Self::InvalidRequestId
            | Self::QrNotFound
            | Self::QrExpired => false,
        }
    }

    /// What to do about it (the documented retry column).
    pub const fn retry_hint(self) -> &'static str {
        match self {
            Self::Invalid2fa => "submit a fresh 6-digit code",
            Self::TwoFaNotConfigured => "run setup_faucet_2fa",
            Self::TwoFaNotActive => "call confirm_faucet_2fa with a valid code",
            Self::TwoFaLocked => "retry after the lockout window",
            Self::TwoFaAlreadyConfigured => "confirm or fund with a code from the authenticator",
            Self::DuplicateRequest => "wait for the prior result or use a different request id",
            Self::RequestAlreadyProcessed => "read the prior result",
            Self::RateLimited => "retry after the cooldown",
            Self::CapExceededOwner => "retry the next day",
            Self::CapExceededWallet => "retry the next day, or fund a different wallet",
            Self::InvalidPayload
            | Self::InvalidOwnerAddress
            | Self::InvalidTargetAddress
            | Self::InvalidChainId
            | Self::InvalidRequestId => "fix the request",
            Self::TransferFailed | Self::ChainRpcError | Self::InternalError => "retry",
            Self::QrNotFound | Self::QrExpired => "run setup_faucet_2fa again",
            Self::QrGenerationFailed => "retry setup",
        }
    }

    /// The SDK's message for the code (the official SDK's wording where it has one).
    pub const fn message(self) -> &'static str {
        match self {
            Self::Invalid2fa => "Invalid 2FA code",
            Self::TwoFaNotConfigured => {
                "2FA not configured for this owner — call setup_faucet_2fa first"
            }
            Self::TwoFaNotActive => "2FA not yet activated — call confirm_faucet_2fa first",
            Self::TwoFaLocked => "2FA locked after too many invalid attempts",
            Self::TwoFaAlreadyConfigured => {
                "2FA is already configured for this owner — use a code from the authenticator"
            }
            Self::DuplicateRequest => "Request ID is already being processed",
            Self::RequestAlreadyProcessed => "Request ID has already been completed",
            Self::RateLimited => "Faucet rate limit exceeded",
            Self::CapExceededOwner => "Owner daily funding cap exceeded",
            Self::CapExceededWallet => "Wallet daily funding cap exceeded",
            Self::InvalidPayload => "Request body rejected by the faucet",
            Self::InvalidOwnerAddress => "Invalid owner address",
            Self::InvalidTargetAddress => "Invalid target wallet address",
            Self::InvalidChainId => "Chain id not configured on the faucet",
            Self::InvalidRequestId => "Request ID is not a valid UUID",
            Self::TransferFailed => "On-chain transfer failed",
            Self::ChainRpcError => "Faucet chain RPC call failed",
            Self::InternalError => "Faucet internal error",
            Self::QrNotFound => "QR image not found — run setup_faucet_2fa again",
            Self::QrExpired => "QR image expired — run setup_faucet_2fa again",
            Self::QrGenerationFailed => "QR code generation failed",
        }
    }

    /// The HTTP status a Gas Station answers this code with. Only four are documented
    /// (`INVALID_OWNER_ADDRESS` 400, `QR_GENERATION_FAILED` 500, `INVALID_2FA` 401,
    /// `2FA_NOT_CONFIGURED` 400, see [`http_status_documented`](Self::http_status_documented));
    /// the others are this SDK's choice for test servers and mocks. The client never relies
    /// on the status, only on `code`.
    pub const fn http_status(self) -> u16 {
        match self {
            Self::Invalid2fa => 401,
            Self::TwoFaNotConfigured
            | Self::InvalidPayload
            | Self::InvalidOwnerAddress
            | Self::InvalidTargetAddress
            | Self::InvalidChainId
            | Self::InvalidRequestId => 400,
            Self::TwoFaNotActive | Self::TwoFaLocked => 403,
            Self::QrNotFound => 404,
            Self::TwoFaAlreadyConfigured
            | Self::DuplicateRequest
            | Self::RequestAlreadyProcessed => 409,
            Self::QrExpired => 410,
            Self::RateLimited | Self::CapExceededOwner | Self::CapExceededWallet => 429,
            Self::InternalError | Self::QrGenerationFailed => 500,
            Self::TransferFailed | Self::ChainRpcError => 502,
        }
    }

    /// Whether [`http_status`](Self::http_status) is documented (rather than chosen here).
    pub const fn http_status_documented(self) -> bool {
        matches!(
            self,
            Self::InvalidOwnerAddress
                | Self::QrGenerationFailed
                | Self::Invalid2fa
                | Self::TwoFaNotConfigured
        )
    }

    /// The faucet code of an [`Error::Api`], if it carries one of these.
    pub fn of(err: &Error) -> Option<Self> {
        http::api_code(err)
    }
}

http::code_set!(FaucetCode, "Gas Station");

/// The image format of the setup QR code (`format` of `/2fa/setup`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum QrFormat {
    /// `svg` (the default).
    #[default]
    Svg,
    /// `png`.
    Png,
}

impl QrFormat {
    /// The wire value (`svg`, `png`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Svg => "svg",
            Self::Png => "png",
        }
    }
}

impl FromStr for QrFormat {
    type Err = ValidationError;

    /// `svg` or `png`, any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("svg") {
            Ok(Self::Svg)
        } else if s.eq_ignore_ascii_case("png") {
            Ok(Self::Png)
        } else {
            Err(
                ValidationError::new("format", "svg | png", "QR format must be svg or png")
                    .with_value(s),
            )
        }
    }
}

impl fmt::Display for QrFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What `/2fa/setup` returns. `Debug` hides `otpauth_uri` (it holds the TOTP secret) and
/// `qr_image_url` (it shows the secret for ~2 minutes).
#[derive(Clone, PartialEq, Eq)]
pub struct FaucetSetup {
    /// The owner, as the faucet echoes it.
    pub owner_address: String,
    /// The `otpauth://totp/…` URI for manual entry into an authenticator app; never expires.
    /// **Secret**: whoever holds it can generate codes.
    pub otpauth_uri: String,
    /// The QR image URL (SVG or PNG), valid for about 2 minutes.
    pub qr_image_url: String,
}

impl fmt::Debug for FaucetSetup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FaucetSetup")
            .field("owner_address", &self.owner_address)
            .field("otpauth_uri", &"<redacted>")
            .field("qr_image_url", &"<redacted>")
            .finish()
    }
}

/// What `/faucet/fund` returns: a transfer, or nothing to do. Both carry the request's
/// idempotency key (the caller's, or the one the SDK generated).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundOutcome {
    /// `status: "success"`, `code: "SUCCESS"`: the transfer landed.
    Funded {
        /// The funding transaction.
        tx_hash: B256,
        /// The amount transferred, in wei.
        funded_amount: U256,
        /// The idempotency key of the request.
        request_id: Uuid,
    },
    /// `status: "skipped"`, `code: "SUFFICIENT_BALANCE"`: the wallet already holds at least
    /// the faucet's minimum.
    Skipped {
        /// The wallet's balance, in wei.
        current_balance: U256,
        /// The faucet's per-chain minimum, in wei.
        min_gas_balance: U256,
        /// The idempotency key of the request.
        request_id: Uuid,
    },
}

impl FundOutcome {
    /// The idempotency key the request was sent with.
    pub const fn request_id(&self) -> Uuid {
        match self {
            Self::Funded { request_id, .. } | Self::Skipped { request_id, .. } => *request_id,
        }
    }

    /// Whether a transfer happened.
    pub const fn is_funded(&self) -> bool {
        matches!(self, Self::Funded { .. })
    }
}

/// A client of one Gas Station.
///
/// Cheap to clone. Every call is one `POST` with no retries; to retry a fund request safely,
/// send the same `request_id` again (the faucet answers `DUPLICATE_REQUEST` while the first is
/// in flight and `REQUEST_ALREADY_PROCESSED` once it completed).
#[derive(Debug, Clone)]
pub struct GasStationClient {
    service: Service,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SetupBody<'a> {
    owner_address: &'a str,
    format: &'static str,
}

// No `Debug`: these hold the TOTP code.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ConfirmBody<'a> {
    owner_address: &'a str,
    two_factor_code: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FundBody<'a> {
    owner_address: &'a str,
    target_wallet_address: &'a str,
    chain_id: &'a str,
    two_factor_code: &'a str,
    request_id: Uuid,
}

impl GasStationClient {
    /// A client of the Gas Station at `base_url` (e.g. `https://depinstation.peaq.xyz`), with
    /// the [`DEFAULT_TIMEOUT`](http::DEFAULT_TIMEOUT) of 30 s. The URL is checked on each call
    /// (a bad one is a validation error, field `faucet_base_url`).
    pub fn new(http: reqwest::Client, base_url: impl Into<String>) -> Self {
        Self {
            service: Service::new(http, base_url.into(), "Gas Station", "faucet_base_url"),
        }
    }

    http::service_accessors!();

    /// `POST /2fa/setup` `{ownerAddress, format}`: enrolls `owner_address` in 2FA and returns
    /// the authenticator URI and a short-lived QR image URL.
    ///
    /// Errors: validation; [`FaucetCode::InvalidOwnerAddress`],
    /// [`FaucetCode::QrGenerationFailed`], [`FaucetCode::TwoFaAlreadyConfigured`],
    /// [`FaucetCode::InvalidPayload`], [`FaucetCode::InternalError`]; the envelope sentinels.
    pub async fn setup_faucet_2fa(
        &self,
        owner_address: &str,
        format: QrFormat,
    ) -> Result<FaucetSetup> {
        const OP: &str = "setup_faucet_2fa";
        check_address("owner_address", owner_address)?;
        let body = SetupBody {
            owner_address,
            format: format.as_str(),
        };
        let (status, envelope) = self.post(OP, SETUP_PATH, &body, None).await?;
        let data = envelope.get("data");
        let field = |k: &str| data.and_then(|d| d.get(k)).and_then(Value::as_str);
        match (
            envelope.get("status").and_then(Value::as_str),
            field("ownerAddress"),
            field("otpauthUri"),
            field("qrImageUrl"),
        ) {
            (Some("success"), Some(owner), Some(uri), Some(qr)) => Ok(FaucetSetup {
                owner_address: owner.to_owned(),
                otpauth_uri: uri.to_owned(),
                qr_image_url: qr.to_owned(),
            }),
            _ => Err(unexpected(OP, &envelope, None, status)),
        }
    }

    /// `POST /2fa/confirm` `{ownerAddress, twoFactorCode}`: activates 2FA with the current
    /// 6-digit code. Succeeds only on `status: "success"` with `code: "2FA_ACTIVATED"`.
    ///
    /// Errors: validation; [`FaucetCode::Invalid2fa`], [`FaucetCode::TwoFaNotConfigured`],
    /// [`FaucetCode::TwoFaLocked`], [`FaucetCode::InternalError`]; the envelope sentinels.
    pub async fn confirm_faucet_2fa(
        &self,
        owner_address: &str,
        two_factor_code: &str,
    ) -> Result<()> {
        const OP: &str = "confirm_faucet_2fa";
        check_address("owner_address", owner_address)?;
        check_code(two_factor_code)?;
        let body = ConfirmBody {
            owner_address,
            two_factor_code,
        };
        let (status, envelope) = self.post(OP, CONFIRM_PATH, &body, None).await?;
        match (
            envelope.get("status").and_then(Value::as_str),
            envelope.get("code").and_then(Value::as_str),
        ) {
            (Some("success"), Some(CODE_2FA_ACTIVATED)) => Ok(()),
            _ => Err(unexpected(OP, &envelope, None, status)),
        }
    }

    /// `POST /faucet/fund` `{ownerAddress, targetWalletAddress, chainId, twoFactorCode,
    /// requestId}`: funds `target_wallet_address` on chain `chain_id` (the faucet's chain
    /// name, e.g. `peaq`), or reports that it already holds enough.
    ///
    /// `request_id` is the idempotency key; `None` generates a random UUID v4. The key is in
    /// the outcome and, on failure, in the error message — reuse it to retry safely.
    ///
    /// Errors: validation; any [`FaucetCode`]; the envelope sentinels (`data` must be an
    /// object, and amounts decimal strings).
    pub async fn fund_from_gas_station(
        &self,
        owner_address: &str,
        target_wallet_address: &str,
        chain_id: &str,
        two_factor_code: &str,
        request_id: Option<Uuid>,
    ) -> Result<FundOutcome> {
        const OP: &str = "fund_from_gas_station";
        check_address("owner_address", owner_address)?;
        check_address("target_wallet_address", target_wallet_address)?;
        check_chain_id(chain_id)?;
        check_code(two_factor_code)?;
        let request_id = request_id.unwrap_or_else(Uuid::new_v4);
        let body = FundBody {
            owner_address,
            target_wallet_address,
            chain_id,
            two_factor_code,
            request_id,
        };
        let (status, envelope) = self.post(OP, FUND_PATH, &body, Some(request_id)).await?;
        let outcome = (|| {
            let data = envelope.get("data")?.as_object()?;
            let text = |k: &str| data.get(k).and_then(Value::as_str);
            match (
                envelope.get("status").and_then(Value::as_str)?,
                envelope.get("code").and_then(Value::as_str)?,
            ) {
                ("success", CODE_SUCCESS) => Some(FundOutcome::Funded {
                    tx_hash: text("txHash")?.parse().ok()?,
                    funded_amount: parse_wei(text("fundedAmount")?)?,
                    request_id,
                }),
                ("skipped", CODE_SUFFICIENT_BALANCE) => Some(FundOutcome::Skipped {
                    current_balance: parse_wei(text("currentBalance")?)?,
                    min_gas_balance: parse_wei(text("minGasBalance")?)?,
                    request_id,
                }),
                _ => None,
            }
        })();
        outcome.ok_or_else(|| unexpected(OP, &envelope, Some(request_id), status))
    }

    /// Sends one request and returns the status and JSON object of a 2xx answer; maps
    /// everything else.
    async fn post<B: Serialize>(
        &self,
        op: &'static str,
        path: &str,
        body: &B,
        request_id: Option<Uuid>,
    ) -> Result<(u16, Value)> {
        let suffix = request_id_suffix(request_id);
        let (url, reply) = self
            .service
            .exchange(op, path, NETWORK_ERROR, |http, url| {
                http.post(url).json(body)
            })
            .await
            .map_err(|e| append(e, &suffix))?;
        let status = Some(reply.status);
        let json = if reply.truncated {
            None
        } else {
            serde_json::from_slice::<Value>(&reply.body).ok()
        };
        let Some(json) = json else {
            return Err(Error::api(
                INVALID_RESPONSE,
                format!(
                    "{op}: Gas Station at {url} returned a non-JSON response (HTTP {}){suffix}",
                    reply.status
                ),
                status,
            ));
        };
        if reply.is_success() {
            return if json.is_object() {
                Ok((reply.status, json))
            } else {
                Err(unexpected(op, &json, request_id, reply.status))
            };
        }
        let code = json
            .get("code")
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty());
        let Some(code) = code else {
            return Err(Error::api(
                UNEXPECTED_RESPONSE,
                format!(
                    "{op}: unexpected response envelope (HTTP {}, no error code){suffix}",
                    reply.status
                ),
                status,
            ));
        };
        let server_message = json
            .get("message")
            .and_then(Value::as_str)
            .filter(|m| !m.trim().is_empty())
            .map(http::server_text);
        let mut message = match (code.parse::<FaucetCode>(), &server_message) {
            (Ok(known), Some(m)) if m != known.message() => {
                format!("{op}: {} — {m}", known.message())
            }
            (Ok(known), _) => format!("{op}: {}", known.message()),
            (Err(_), Some(m)) => format!("{op}: {m}"),
            (Err(_), None) => format!("{op}: faucet error {}", http::server_text(code)),
        };
        message.push_str(&suffix);
        Err(Error::api(code, message, status))
    }
}

/// `UNEXPECTED_RESPONSE` for a 2xx body that is not the endpoint's success envelope.
fn unexpected(op: &str, envelope: &Value, request_id: Option<Uuid>, status: u16) -> Error {
    let show = |k: &str| match envelope.get(k) {
        Some(Value::String(s)) => format!("{:?}", http::server_text(s)),
        Some(v) => json_type(v).to_owned(),
        None => "missing".to_owned(),
    };
    let suffix = request_id_suffix(request_id);
    Error::api(
        UNEXPECTED_RESPONSE,
        format!(
            "{op}: unexpected response envelope (status {}, code {}){suffix}",
            show("status"),
            show("code")
        ),
        Some(status),
    )
}

/// ` (requestId: …)` for the messages of a fund request, empty otherwise.
fn request_id_suffix(request_id: Option<Uuid>) -> String {
    request_id
        .map(|id| format!(" (requestId: {id})"))
        .unwrap_or_default()
}

fn json_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn append(err: Error, suffix: &str) -> Error {
    match err {
        Error::Api {
            code,
            mut message,
            status,
            source,
        } => {
            message.push_str(suffix);
            Error::Api {
                code,
                message,
                status,
                source,
            }
        }
        other => other,
    }
}

/// A decimal wei amount (digits only).
fn parse_wei(text: &str) -> Option<U256> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    U256::from_str_radix(text, 10).ok()
}

const BASE58: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/// An EVM address (`0x` + 40 hex; EIP-55 checksum enforced when the letters are mixed-case)
/// or an SS58-shaped address (46–48 base58 characters; the checksum is the faucet's to check).
fn check_address(field: &'static str, value: &str) -> Result<()> {
    if is_evm_address(value) || is_ss58_shaped(value) {
        return Ok(());
    }
    Err(Error::Validation(
        ValidationError::new(
            field,
            "0x-prefixed 20-byte hex address (EIP-55 if mixed case) or SS58 address",
            format!("{field} must be a 0x-prefixed 20-byte hex address or an SS58 address"),
        )
        .with_value(value),
    ))
}

fn is_evm_address(s: &str) -> bool {
    let Some(hex) = s.strip_prefix("0x") else {
        return false;
    };
    if hex.len() != 40 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return false;
    }
    let mixed =
        hex.bytes().any(|b| b.is_ascii_lowercase()) && hex.bytes().any(|b| b.is_ascii_uppercase());
    !mixed || Address::parse_checksummed(s, None).is_ok()
}

fn is_ss58_shaped(s: &str) -> bool {
    (46..=48).contains(&s.len()) && s.bytes().all(|b| BASE58.contains(&b))
}

/// A TOTP code: exactly 6 ASCII digits. The value never goes into the error.
fn check_code(code: &str) -> Result<()> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        return Ok(());
    }
    Err(Error::validation(
        "two_factor_code",
        "^[0-9]{6}$",
        "two_factor_code must be the 6-digit code from the authenticator app",
    ))
}

/// The faucet's chain name: 1–64 characters from `A-Za-z0-9_-` (e.g. `peaq`, `agung`).
fn check_chain_id(chain_id: &str) -> Result<()> {
    if !chain_id.is_empty()
        && chain_id.len() <= 64
        && chain_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Ok(());
    }
    Err(Error::Validation(
        ValidationError::new(
            "chain_id",
            "^[A-Za-z0-9_-]{1,64}$",
            "chain_id must be the faucet's chain name, e.g. peaq",
        )
        .with_value(chain_id),
    ))
}

impl PeaqosClient {
    /// A [`GasStationClient`] for the faucet at `faucet_base_url`, sharing this client's HTTP
    /// client.
    pub fn gas_station(&self, faucet_base_url: &str) -> GasStationClient {
        GasStationClient::new(self.http().clone(), faucet_base_url)
    }

    /// `POST /2fa/setup`; see [`GasStationClient::setup_faucet_2fa`].
    pub async fn setup_faucet_2fa(
        &self,
        owner_address: &str,
        faucet_base_url: &str,
        format: QrFormat,
    ) -> Result<FaucetSetup> {
        self.gas_station(faucet_base_url)
            .setup_faucet_2fa(owner_address, format)
            .await
    }

    /// `POST /2fa/confirm`; see [`GasStationClient::confirm_faucet_2fa`].
    pub async fn confirm_faucet_2fa(
        &self,
        owner_address: &str,
        faucet_base_url: &str,
        two_factor_code: &str,
    ) -> Result<()> {
        self.gas_station(faucet_base_url)
            .confirm_faucet_2fa(owner_address, two_factor_code)
            .await
    }

    /// `POST /faucet/fund`; see [`GasStationClient::fund_from_gas_station`].
    pub async fn fund_from_gas_station(
        &self,
        owner_address: &str,
        target_wallet_address: &str,
        chain_id: &str,
        two_factor_code: &str,
        faucet_base_url: &str,
        request_id: Option<Uuid>,
    ) -> Result<FundOutcome> {
        self.gas_station(faucet_base_url)
            .fund_from_gas_station(
                owner_address,
                target_wallet_address,
                chain_id,
                two_factor_code,
                request_id,
            )
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for c in FaucetCode::ALL {
            assert!(seen.insert(c.as_str()));
            assert_eq!(c.as_str().parse::<FaucetCode>().expect("known"), c);
            assert_eq!(c.to_string(), c.as_str());
        }
        assert!("invalid_2fa".parse::<FaucetCode>().is_err());
        assert!("TOTP_EXPIRED".parse::<FaucetCode>().is_err());
    }

    #[test]
    fn retryable_per_docs() {
        let retryable: Vec<_> = FaucetCode::ALL
            .into_iter()
            .filter(|c| c.is_retryable())
            .map(FaucetCode::as_str)
            .collect();
        assert_eq!(
            retryable,
            [
                "INVALID_2FA",
                "2FA_LOCKED",
                "RATE_LIMITED",
                "CAP_EXCEEDED_OWNER",
                "CAP_EXCEEDED_WALLET",
                "TRANSFER_FAILED",
                "CHAIN_RPC_ERROR",
                "INTERNAL_ERROR",
                "QR_GENERATION_FAILED"
            ]
        );
    }

    #[test]
    fn addresses() {
        for ok in [
            "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "0xF39FD6E51AAD88F6F4CE6AB8827279CFFFB92266",
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
        ] {
            assert!(check_address("owner_address", ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "0x",
            "f39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "0Xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92267",
            "0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
            "0xf39fd6e51aad88f6f4ce6ab8827279cfffb9226",
            "0xg39fd6e51aad88f6f4ce6ab8827279cfffb92266",
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKut0Y",
            "0xOwner...",
        ] {
            assert!(check_address("owner_address", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn codes_and_chains() {
        assert!(check_code("012345").is_ok());
        for bad in ["", "12345", "1234567", "12345a", " 12345", "١٢٣٤٥٦"] {
            let err = check_code(bad).expect_err(bad);
            assert!(!err.to_string().contains(bad) || bad.is_empty());
        }
        assert!(check_chain_id("peaq").is_ok());
        assert!(check_chain_id("agung").is_ok());
        for bad in ["", "pe aq", "peaq\n", &"x".repeat(65)] {
            assert!(check_chain_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn wei_amounts() {
        assert_eq!(parse_wei("0"), Some(U256::ZERO));
        assert_eq!(
            parse_wei("500000000000000000"),
            Some(U256::from(500_000_000_000_000_000_u64))
        );
        for bad in ["", "-1", "+1", "0x10", "1.5", "1e18", " 1"] {
            assert_eq!(parse_wei(bad), None, "{bad}");
        }
    }

    #[test]
    fn setup_debug_hides_secrets() {
        let s = FaucetSetup {
            owner_address: "0xabc".into(),
            otpauth_uri: "otpauth://totp/x?secret=JBSWY3DPEHPK3PXP".into(),
            qr_image_url: "https://f/2fa/qr/tok".into(),
        };
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("JBSWY3DPEHPK3PXP") && !dbg.contains("tok"));
    }
}
