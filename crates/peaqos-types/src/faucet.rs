//! The Gas Station's wire contract: paths, request bodies, the response [`Envelope`], the error
//! codes ([`FaucetCode`]) with their HTTP statuses and messages, and the QR image format.
//!
//! Both the Gas Station server and the SDK's client use these types, so the two cannot drift.
//! Request bodies use camelCase keys. Every answer is an envelope
//! `{"code", "data"?, "message"?, "status"}`: `status` is `success`, `skipped` or `error`;
//! `code` is one of the success codes below or a [`FaucetCode`].
//!
//! ```
//! use peaqos_types::faucet::{Envelope, EnvelopeStatus, FaucetCode, FundedData};
//!
//! let err = Envelope::<()>::error(FaucetCode::Invalid2fa, FaucetCode::Invalid2fa.message());
//! assert_eq!(
//!     serde_json::to_string(&err)?,
//!     r#"{"code":"INVALID_2FA","message":"Invalid 2FA code","status":"error"}"#
//! );
//! assert_eq!(FaucetCode::Invalid2fa.http_status(), 401);
//! let ok: Envelope<FundedData> = serde_json::from_str(
//!     r#"{"status":"success","code":"SUCCESS","data":{"txHash":"0x01",
//!        "fundedAmount":"5","requestId":"r"}}"#,
//! )?;
//! assert_eq!(ok.status, EnvelopeStatus::Success);
//! # Ok::<(), serde_json::Error>(())
//! ```

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::api::UnknownValue;

/// `POST` path of 2FA setup.
pub const SETUP_PATH: &str = "/2fa/setup";
/// `POST` path of 2FA confirmation.
pub const CONFIRM_PATH: &str = "/2fa/confirm";
/// `POST` path of funding.
pub const FUND_PATH: &str = "/faucet/fund";
/// `GET` path prefix of the short-lived QR images (`/2fa/qr/{token}`).
pub const QR_PATH_PREFIX: &str = "/2fa/qr/";

/// The `code` of a started setup (`status: "success"`).
pub const CODE_2FA_SETUP_STARTED: &str = "2FA_SETUP_STARTED";
/// The `code` of a successful confirm (`status: "success"`).
pub const CODE_2FA_ACTIVATED: &str = "2FA_ACTIVATED";
/// The `code` of a funded transfer (`status: "success"`).
pub const CODE_SUCCESS: &str = "SUCCESS";
/// The `code` of a skipped transfer (`status: "skipped"`).
pub const CODE_SUFFICIENT_BALANCE: &str = "SUFFICIENT_BALANCE";

/// Defines [`FaucetCode`] from one table: variant, wire code, HTTP status (and whether the
/// status is documented), retryability, what to do, and the message.
macro_rules! faucet_codes {
    (
        $(
            $(#[$doc:meta])*
            $variant:ident = $wire:literal {
                status: $status:literal $(($documented:ident))?,
                retryable: $retryable:literal,
                hint: $hint:literal,
                message: $message:literal $(,)?
            }
        )+
    ) => {
        /// The error codes the Gas Station answers with: the 20 documented ones,
        /// `2FA_ALREADY_CONFIGURED` and `2FA_EXPIRED` (both known to the official CLI), then
        /// this implementation's `INVALID_OWNER_SIGNATURE`, `NOT_FOUND` and
        /// `METHOD_NOT_ALLOWED`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum FaucetCode {
            $( $(#[$doc])* $variant, )+
        }

        impl FaucetCode {
            /// Every code: the 20 documented ones, then `2FA_ALREADY_CONFIGURED`, `2FA_EXPIRED`,
            /// `INVALID_OWNER_SIGNATURE`, `NOT_FOUND`, `METHOD_NOT_ALLOWED`.
            pub const ALL: [Self; [$(Self::$variant),+].len()] = [$(Self::$variant),+];

            /// The wire code (`INVALID_2FA`, `2FA_LOCKED`, …).
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $wire,)+ }
            }

            /// The HTTP status a Gas Station answers this code with. Only four are documented
            /// (see [`http_status_documented`](Self::http_status_documented)); the others are
            /// this implementation's choice. Clients rely on `code`, never on the status.
            pub const fn http_status(self) -> u16 {
                match self { $(Self::$variant => $status,)+ }
            }

            /// Whether [`http_status`](Self::http_status) is documented (rather than chosen
            /// here).
            pub const fn http_status_documented(self) -> bool {
                match self { $(Self::$variant => faucet_codes!(@documented $($documented)?),)+ }
            }

            /// Whether the same request may succeed later without changing its input (possibly
            /// after a wait: the lockout window, the rate-limit cooldown, the next day for the
            /// caps), per the documented retry column. Fresh-code retries (`INVALID_2FA`)
            /// count as retryable.
            pub const fn is_retryable(self) -> bool {
                match self { $(Self::$variant => $retryable,)+ }
            }

            /// What to do about it (the documented retry column).
            pub const fn retry_hint(self) -> &'static str {
                match self { $(Self::$variant => $hint,)+ }
            }

            /// The message for the code: the server's standard `message` and the SDK's (the
            /// official SDK's wording where it has one).
            pub const fn message(self) -> &'static str {
                match self { $(Self::$variant => $message,)+ }
            }
        }
    };
    (@documented documented) => { true };
    (@documented) => { false };
}

faucet_codes! {
    /// `INVALID_2FA`: the TOTP code did not match.
    Invalid2fa = "INVALID_2FA" {
        status: 401 (documented), retryable: true,
        hint: "submit a fresh 6-digit code",
        message: "Invalid 2FA code",
    }
    /// `2FA_NOT_CONFIGURED`: the owner never completed setup.
    TwoFaNotConfigured = "2FA_NOT_CONFIGURED" {
        status: 400 (documented), retryable: false,
        hint: "run setup_faucet_2fa",
        message: "2FA not configured for this owner — call setup_faucet_2fa first",
    }
    /// `2FA_NOT_ACTIVE`: set up but never confirmed.
    TwoFaNotActive = "2FA_NOT_ACTIVE" {
        status: 403, retryable: false,
        hint: "call confirm_faucet_2fa with a valid code",
        message: "2FA not yet activated — call confirm_faucet_2fa first",
    }
    /// `2FA_LOCKED`: too many invalid attempts; blocked for a while.
    TwoFaLocked = "2FA_LOCKED" {
        status: 403, retryable: true,
        hint: "retry after the lockout window",
        message: "2FA locked after too many invalid attempts",
    }
    /// `DUPLICATE_REQUEST`: a request with this `requestId` is still in flight.
    DuplicateRequest = "DUPLICATE_REQUEST" {
        status: 409, retryable: false,
        hint: "wait for the prior result or use a different request id",
        message: "Request ID is already being processed",
    }
    /// `REQUEST_ALREADY_PROCESSED`: this `requestId` has already completed.
    RequestAlreadyProcessed = "REQUEST_ALREADY_PROCESSED" {
        status: 409, retryable: false,
        hint: "read the prior result",
        message: "Request ID has already been completed",
    }
    /// `RATE_LIMITED`: per-owner (or per-IP / per-wallet) throttle.
    RateLimited = "RATE_LIMITED" {
        status: 429, retryable: true,
        hint: "retry after the cooldown",
        message: "Faucet rate limit exceeded",
    }
    /// `CAP_EXCEEDED_OWNER`: the owner's daily funding cap.
    CapExceededOwner = "CAP_EXCEEDED_OWNER" {
        status: 429, retryable: true,
        hint: "retry the next day",
        message: "Owner daily funding cap exceeded",
    }
    /// `CAP_EXCEEDED_WALLET`: the target wallet's daily funding cap.
    CapExceededWallet = "CAP_EXCEEDED_WALLET" {
        status: 429, retryable: true,
        hint: "retry the next day, or fund a different wallet",
        message: "Wallet daily funding cap exceeded",
    }
    /// `INVALID_PAYLOAD`: the body failed server-side validation.
    InvalidPayload = "INVALID_PAYLOAD" {
        status: 400, retryable: false,
        hint: "fix the request",
        message: "Request body rejected by the faucet",
    }
    /// `INVALID_OWNER_ADDRESS`: malformed `ownerAddress`.
    InvalidOwnerAddress = "INVALID_OWNER_ADDRESS" {
        status: 400 (documented), retryable: false,
        hint: "fix the request",
        message: "Invalid owner address",
    }
    /// `INVALID_TARGET_ADDRESS`: malformed `targetWalletAddress`.
    InvalidTargetAddress = "INVALID_TARGET_ADDRESS" {
        status: 400, retryable: false,
        hint: "fix the request",
        message: "Invalid target wallet address",
    }
    /// `INVALID_CHAIN_ID`: `chainId` not configured on the faucet.
    InvalidChainId = "INVALID_CHAIN_ID" {
        status: 400, retryable: false,
        hint: "fix the request",
        message: "Chain id not configured on the faucet",
    }
    /// `INVALID_REQUEST_ID`: `requestId` is not a UUID.
    InvalidRequestId = "INVALID_REQUEST_ID" {
        status: 400, retryable: false,
        hint: "fix the request",
        message: "Request ID is not a valid UUID",
    }
    /// `TRANSFER_FAILED`: the on-chain transfer reverted or stalled.
    TransferFailed = "TRANSFER_FAILED" {
        status: 502, retryable: true,
        hint: "retry",
        message: "On-chain transfer failed",
    }
    /// `CHAIN_RPC_ERROR`: the faucet's upstream RPC failed.
    ChainRpcError = "CHAIN_RPC_ERROR" {
        status: 502, retryable: true,
        hint: "retry",
        message: "Faucet chain RPC call failed",
    }
    /// `INTERNAL_ERROR`: unhandled server-side failure.
    InternalError = "INTERNAL_ERROR" {
        status: 500, retryable: true,
        hint: "retry",
        message: "Faucet internal error",
    }
    /// `QR_NOT_FOUND`: the QR token does not exist.
    QrNotFound = "QR_NOT_FOUND" {
        status: 404, retryable: false,
        hint: "run setup_faucet_2fa again",
        message: "QR image not found — run setup_faucet_2fa again",
    }
    /// `QR_EXPIRED`: the QR token expired (~2 minutes).
    QrExpired = "QR_EXPIRED" {
        status: 410, retryable: false,
        hint: "run setup_faucet_2fa again",
        message: "QR image expired — run setup_faucet_2fa again",
    }
    /// `QR_GENERATION_FAILED`: the faucet could not render the QR image.
    QrGenerationFailed = "QR_GENERATION_FAILED" {
        status: 500 (documented), retryable: true,
        hint: "retry setup",
        message: "QR code generation failed",
    }
    /// `2FA_ALREADY_CONFIGURED`: setup was already done for this owner.
    TwoFaAlreadyConfigured = "2FA_ALREADY_CONFIGURED" {
        status: 409, retryable: false,
        hint: "confirm or fund with a code from the authenticator",
        message: "2FA is already configured for this owner — use a code from the authenticator",
    }
    /// `2FA_EXPIRED`: a valid code that was already used for this action (a retry inside its
    /// 30 s window). Not a failed attempt: it never counts toward the lockout. The official CLI
    /// knows this code and asks for a fresh one.
    TwoFaExpired = "2FA_EXPIRED" {
        status: 401, retryable: true,
        hint: "submit the next 6-digit code",
        message: "2FA code already used — enter a fresh 6-digit code",
    }
    /// `INVALID_OWNER_SIGNATURE`: the setup's proof of control of the owner address is
    /// missing (when the faucet requires it), malformed, stale or not by the owner.
    InvalidOwnerSignature = "INVALID_OWNER_SIGNATURE" {
        status: 401, retryable: false,
        hint: "sign the setup message with the owner's key, with a current signedAt",
        message: "Owner signature missing, stale or not made by the owner",
    }
    /// `NOT_FOUND`: no such endpoint.
    NotFound = "NOT_FOUND" {
        status: 404, retryable: false,
        hint: "fix the URL",
        message: "No such endpoint",
    }
    /// `METHOD_NOT_ALLOWED`: the endpoint exists but not with this HTTP method.
    MethodNotAllowed = "METHOD_NOT_ALLOWED" {
        status: 405, retryable: false,
        hint: "fix the HTTP method",
        message: "Method not allowed on this endpoint",
    }
}

/// A string that is not one of a service's error codes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {kind} code {code:?}")]
pub struct UnknownCode {
    /// Which enumeration (`Gas Station`, `MCR API`).
    pub kind: &'static str,
    /// The rejected string.
    pub code: String,
}

impl FromStr for FaucetCode {
    type Err = UnknownCode;

    /// Exact (case-sensitive) match on the wire code.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownCode {
                kind: "Gas Station",
                code: s.to_owned(),
            })
    }
}

impl fmt::Display for FaucetCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for FaucetCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// The image format of the setup QR code (`format` of `/2fa/setup`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum QrFormat {
    /// `svg` (the default), `image/svg+xml`.
    #[default]
    Svg,
    /// `png`, `image/png`.
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

    /// The `Content-Type` of the image.
    pub const fn content_type(self) -> &'static str {
        match self {
            Self::Svg => "image/svg+xml",
            Self::Png => "image/png",
        }
    }
}

impl FromStr for QrFormat {
    type Err = UnknownValue;

    /// `svg` or `png`, any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.eq_ignore_ascii_case("svg") {
            Ok(Self::Svg)
        } else if s.eq_ignore_ascii_case("png") {
            Ok(Self::Png)
        } else {
            Err(UnknownValue {
                field: "format",
                expected: "svg, png",
                input: s.to_owned(),
            })
        }
    }
}

impl fmt::Display for QrFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `POST /2fa/setup` `{ownerAddress, format, ownerSignature?, signedAt?}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupRequest {
    /// The owner (EVM or SS58 address).
    pub owner_address: String,
    /// The QR image format (absent or `null` means SVG).
    pub format: QrFormat,
    /// Optional proof of control of the (EVM) owner address; absent from the body when `None`
    /// (what the official clients send).
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub owner_proof: Option<OwnerProof>,
}

/// The first line of the message an owner signs to prove control of its address at setup.
pub const OWNER_PROOF_PREFIX: &str = "peaqOS Gas Station 2FA setup";

/// The message an owner signs (EIP-191 `personal_sign`) to prove control of `owner` at setup:
/// `"peaqOS Gas Station 2FA setup\nowner: {owner}\nissued: {signed_at}"`, where `owner` is the
/// EVM address in lower case (`0x` + 40 hex) and `signed_at` unix seconds in decimal.
///
/// ```
/// assert_eq!(
///     peaqos_types::faucet::owner_proof_message("0xAbC0000000000000000000000000000000000001", 1700000000),
///     "peaqOS Gas Station 2FA setup\nowner: 0xabc0000000000000000000000000000000000001\nissued: 1700000000"
/// );
/// ```
pub fn owner_proof_message(owner: &str, signed_at: u64) -> String {
    format!(
        "{OWNER_PROOF_PREFIX}\nowner: {}\nissued: {signed_at}",
        owner.to_ascii_lowercase()
    )
}

/// The optional proof of control of the owner address of a setup: `ownerSignature` (`0x` +
/// 65 bytes hex, `r ‖ s ‖ v`, the EIP-191 `personal_sign` signature of
/// [`owner_proof_message`]) and `signedAt` (the unix seconds in the message).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OwnerProof {
    /// The signature, hex.
    pub owner_signature: String,
    /// Unix seconds, as signed.
    pub signed_at: u64,
}

/// `POST /2fa/confirm` `{ownerAddress, twoFactorCode}`. `Debug` hides the code.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmRequest {
    /// The owner.
    pub owner_address: String,
    /// The current 6-digit TOTP code. Never logged.
    pub two_factor_code: String,
}

/// `POST /faucet/fund` `{ownerAddress, targetWalletAddress, chainId, twoFactorCode,
/// requestId}`. `Debug` hides the code.
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FundRequest {
    /// The owner.
    pub owner_address: String,
    /// The wallet to fund (an EVM address).
    pub target_wallet_address: String,
    /// The faucet's chain name (`peaq`, `agung`, …).
    pub chain_id: String,
    /// The current 6-digit TOTP code. Never logged.
    pub two_factor_code: String,
    /// The idempotency key (a UUID).
    pub request_id: String,
}

impl fmt::Debug for ConfirmRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfirmRequest")
            .field("owner_address", &self.owner_address)
            .field("two_factor_code", &"<redacted>")
            .finish()
    }
}

impl fmt::Debug for FundRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FundRequest")
            .field("owner_address", &self.owner_address)
            .field("target_wallet_address", &self.target_wallet_address)
            .field("chain_id", &self.chain_id)
            .field("two_factor_code", &"<redacted>")
            .field("request_id", &self.request_id)
            .finish()
    }
}

/// The `status` of an [`Envelope`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EnvelopeStatus {
    /// The call did what was asked.
    Success,
    /// Nothing to do (funding a wallet that already holds enough).
    Skipped,
    /// A failure; `code` is a [`FaucetCode`].
    Error,
}

/// Every Gas Station answer: `{"code", "data"?, "message"?, "status"}` (keys in this order, as
/// the server writes them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope<T> {
    /// A success code (`2FA_SETUP_STARTED`, …) or a [`FaucetCode`].
    pub code: String,
    /// The endpoint's data, if any.
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
    /// A human-readable message (errors).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Success, skipped or error.
    pub status: EnvelopeStatus,
}

// `#[serde(default)]` would require `T: Default`.
const fn none<T>() -> Option<T> {
    None
}

impl<T> Envelope<T> {
    /// `{"status":"success","code":code,"data":data}`.
    pub fn success(code: &str, data: T) -> Self {
        Self {
            code: code.to_owned(),
            data: Some(data),
            message: None,
            status: EnvelopeStatus::Success,
        }
    }

    /// `{"status":"skipped","code":code,"data":data}`.
    pub fn skipped(code: &str, data: T) -> Self {
        Self {
            status: EnvelopeStatus::Skipped,
            ..Self::success(code, data)
        }
    }

    /// `{"status":"error","code":code,"message":message}`.
    pub fn error(code: FaucetCode, message: impl Into<String>) -> Self {
        Self {
            code: code.as_str().to_owned(),
            data: None,
            message: Some(message.into()),
            status: EnvelopeStatus::Error,
        }
    }

    /// With `data`.
    #[must_use]
    pub fn with_data(mut self, data: T) -> Self {
        self.data = Some(data);
        self
    }
}

/// `data` of a started setup (`2FA_SETUP_STARTED`). `Debug` hides the secret URI and the QR
/// URL.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupData {
    /// The `otpauth://totp/…` URI (holds the TOTP secret).
    pub otpauth_uri: String,
    /// The owner, as sent.
    pub owner_address: String,
    /// The short-lived QR image URL (shows the secret for about 2 minutes).
    pub qr_image_url: String,
}

impl fmt::Debug for SetupData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetupData")
            .field("otpauth_uri", &"<redacted>")
            .field("owner_address", &self.owner_address)
            .field("qr_image_url", &"<redacted>")
            .finish()
    }
}

/// `data` of a successful confirm (`2FA_ACTIVATED`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmData {
    /// The owner, as sent.
    pub owner_address: String,
}

/// `data` of a funded transfer (`SUCCESS`). Amounts are decimal wei strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FundedData {
    /// The amount transferred, in wei (decimal).
    pub funded_amount: String,
    /// The request's idempotency key (this server always sends it; others may not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The funding transaction (`0x` + 64 hex).
    pub tx_hash: String,
}

/// `data` of a skipped transfer (`SUFFICIENT_BALANCE`). Amounts are decimal wei strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SkippedData {
    /// The wallet's balance, in wei (decimal).
    pub current_balance: String,
    /// The faucet's per-chain minimum, in wei (decimal).
    pub min_gas_balance: String,
    /// The request's idempotency key (this server always sends it; others may not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

/// `data` of `REQUEST_ALREADY_PROCESSED` for the owner who made the request: the original
/// answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessedData<T> {
    /// The request's idempotency key.
    pub request_id: String,
    /// The original answer (or `null` when it cannot be read back).
    pub result: Option<T>,
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
        assert_eq!(FaucetCode::ALL.len(), 25);
        assert_eq!(FaucetCode::ALL[20], FaucetCode::TwoFaAlreadyConfigured);
        assert!("invalid_2fa".parse::<FaucetCode>().is_err());
        assert!("TOTP_EXPIRED".parse::<FaucetCode>().is_err());
        assert_eq!("2FA_EXPIRED".parse(), Ok(FaucetCode::TwoFaExpired));
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
                "QR_GENERATION_FAILED",
                "2FA_EXPIRED"
            ]
        );
        let documented: Vec<_> = FaucetCode::ALL
            .into_iter()
            .filter(|c| c.http_status_documented())
            .map(|c| (c.as_str(), c.http_status()))
            .collect();
        assert_eq!(
            documented,
            [
                ("INVALID_2FA", 401),
                ("2FA_NOT_CONFIGURED", 400),
                ("INVALID_OWNER_ADDRESS", 400),
                ("QR_GENERATION_FAILED", 500)
            ]
        );
    }

    #[test]
    fn bodies_and_envelopes() {
        let mut setup = SetupRequest {
            owner_address: "0xabc".into(),
            format: QrFormat::Png,
            owner_proof: None,
        };
        assert_eq!(
            serde_json::to_string(&setup).expect("json"),
            r#"{"ownerAddress":"0xabc","format":"png"}"#
        );
        setup.owner_proof = Some(OwnerProof {
            owner_signature: "0x01".into(),
            signed_at: 7,
        });
        assert_eq!(
            serde_json::to_string(&setup).expect("json"),
            r#"{"ownerAddress":"0xabc","format":"png","ownerSignature":"0x01","signedAt":7}"#
        );
        let fund = FundRequest {
            owner_address: "o".into(),
            target_wallet_address: "t".into(),
            chain_id: "peaq".into(),
            two_factor_code: "123456".into(),
            request_id: "r".into(),
        };
        assert_eq!(
            serde_json::to_string(&fund).expect("json"),
            r#"{"ownerAddress":"o","targetWalletAddress":"t","chainId":"peaq","twoFactorCode":"123456","requestId":"r"}"#
        );
        assert!(!format!("{fund:?}").contains("123456"));
        let skipped = Envelope::skipped(
            CODE_SUFFICIENT_BALANCE,
            SkippedData {
                current_balance: "2".into(),
                min_gas_balance: "1".into(),
                request_id: Some("r".into()),
            },
        );
        assert_eq!(
            serde_json::to_string(&skipped).expect("json"),
            r#"{"code":"SUFFICIENT_BALANCE","data":{"currentBalance":"2","minGasBalance":"1","requestId":"r"},"status":"skipped"}"#
        );
        let err: Envelope<()> = serde_json::from_str(r#"{"status":"error","code":"X"}"#)
            .expect("an envelope without data");
        assert_eq!(
            (err.status, err.data, err.message),
            (EnvelopeStatus::Error, None, None)
        );
        assert_eq!("PNG".parse::<QrFormat>(), Ok(QrFormat::Png));
        assert!("gif".parse::<QrFormat>().is_err());
    }
}
