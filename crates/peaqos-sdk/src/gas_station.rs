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
//! case, or an SS58 address with a valid checksum), the 6-digit code, the chain name. TOTP codes and the
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

use std::fmt;

use alloy::primitives::{B256, U256};
use peaqos_types::{
    AccountAddress,
    faucet::{
        CODE_2FA_ACTIVATED, CODE_SUCCESS, CODE_SUFFICIENT_BALANCE, ConfirmRequest, Envelope,
        EnvelopeStatus, FundRequest, FundedData, SetupData, SetupRequest, SkippedData,
    },
};
use serde::{Deserialize, Serialize, de::DeserializeOwned};
use serde_json::Value;
use uuid::Uuid;

pub use crate::http::{INVALID_RESPONSE, NETWORK_ERROR, UNEXPECTED_RESPONSE};
use crate::{
    Error, Result, ValidationError,
    client::PeaqosClient,
    http::{self, ApiCode, Service},
};
/// The Gas Station's wire contract (paths, codes, bodies), shared with the server.
pub use peaqos_types::faucet::{
    self as wire, CONFIRM_PATH, FUND_PATH, FaucetCode, OwnerProof, QrFormat, SETUP_PATH,
};

/// A proof of control of `signer`'s address for a setup, signed now (EIP-191 `personal_sign`
/// of [`wire::owner_proof_message`]).
pub fn owner_proof(signer: &alloy::signers::local::PrivateKeySigner) -> Result<OwnerProof> {
    use alloy::signers::SignerSync as _;
    let signed_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let message = wire::owner_proof_message(&format!("{:#x}", signer.address()), signed_at);
    let signature = signer
        .sign_message_sync(message.as_bytes())
        .map_err(|e| Error::validation("owner_signature", "a signature", e.to_string()))?;
    Ok(OwnerProof {
        owner_signature: format!("0x{}", alloy::hex::encode(signature.as_bytes())),
        signed_at,
    })
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
        self.setup_faucet_2fa_with_proof(owner_address, format, None)
            .await
    }

    /// [`setup_faucet_2fa`](Self::setup_faucet_2fa) with an optional proof of control of the
    /// (EVM) owner address: `ownerSignature` and `signedAt` in the body (see
    /// [`wire::owner_proof_message`]; [`owner_proof`] makes one with a local key). A faucet
    /// that requires proofs answers [`FaucetCode::InvalidOwnerSignature`] without one.
    pub async fn setup_faucet_2fa_with_proof(
        &self,
        owner_address: &str,
        format: QrFormat,
        proof: Option<OwnerProof>,
    ) -> Result<FaucetSetup> {
        const OP: &str = "setup_faucet_2fa";
        check_address("owner_address", owner_address)?;
        let body = SetupRequest {
            owner_address: owner_address.to_owned(),
            format,
            owner_proof: proof,
        };
        let (status, envelope) = self.post(OP, SETUP_PATH, &body, None).await?;
        match data::<SetupData>(&envelope, EnvelopeStatus::Success, None) {
            Some(d) => Ok(FaucetSetup {
                owner_address: d.owner_address,
                otpauth_uri: d.otpauth_uri,
                qr_image_url: d.qr_image_url,
            }),
            None => Err(unexpected(OP, &envelope, None, status)),
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
        let body = ConfirmRequest {
            owner_address: owner_address.to_owned(),
            two_factor_code: two_factor_code.to_owned(),
        };
        let (status, envelope) = self.post(OP, CONFIRM_PATH, &body, None).await?;
        // The confirm's `data` is not needed (and may be absent).
        let activated = serde_json::from_value::<Envelope<serde::de::IgnoredAny>>(envelope.clone())
            .is_ok_and(|e| e.status == EnvelopeStatus::Success && e.code == CODE_2FA_ACTIVATED);
        if activated {
            Ok(())
        } else {
            Err(unexpected(OP, &envelope, None, status))
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
        let body = FundRequest {
            owner_address: owner_address.to_owned(),
            target_wallet_address: target_wallet_address.to_owned(),
            chain_id: chain_id.to_owned(),
            two_factor_code: two_factor_code.to_owned(),
            request_id: request_id.to_string(),
        };
        let (status, envelope) = self.post(OP, FUND_PATH, &body, Some(request_id)).await?;
        let funded = || {
            let d = data::<FundedData>(&envelope, EnvelopeStatus::Success, Some(CODE_SUCCESS))?;
            Some(FundOutcome::Funded {
                tx_hash: d.tx_hash.parse::<B256>().ok()?,
                funded_amount: parse_wei(&d.funded_amount)?,
                request_id,
            })
        };
        let skipped = || {
            let d = data::<SkippedData>(
                &envelope,
                EnvelopeStatus::Skipped,
                Some(CODE_SUFFICIENT_BALANCE),
            )?;
            Some(FundOutcome::Skipped {
                current_balance: parse_wei(&d.current_balance)?,
                min_gas_balance: parse_wei(&d.min_gas_balance)?,
                request_id,
            })
        };
        funded()
            .or_else(skipped)
            .ok_or_else(|| unexpected(OP, &envelope, Some(request_id), status))
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
            .exchange(op, path, ApiCode::NetworkError, |http, url| {
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
                ApiCode::InvalidResponse,
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
                ApiCode::UnexpectedResponse,
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
        let code = ApiCode::from_faucet(code);
        let mut message = match (&code, &server_message) {
            (ApiCode::Faucet(known), Some(m)) if m != known.message() => {
                format!("{op}: {} — {m}", known.message())
            }
            (ApiCode::Faucet(known), _) => format!("{op}: {}", known.message()),
            (_, Some(m)) => format!("{op}: {m}"),
            (_, None) => format!("{op}: faucet error {}", http::server_text(code.as_str())),
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
        ApiCode::UnexpectedResponse,
        format!(
            "{op}: unexpected response envelope (status {}, code {}){suffix}",
            show("status"),
            show("code")
        ),
        Some(status),
    )
}

/// The `data` of `envelope` as `T`, when the envelope has `status` (and `code`, if given).
fn data<T: DeserializeOwned>(
    envelope: &Value,
    status: EnvelopeStatus,
    code: Option<&str>,
) -> Option<T> {
    let e = Envelope::<T>::deserialize(envelope).ok()?;
    (e.status == status && code.is_none_or(|c| e.code == c))
        .then_some(e.data)
        .flatten()
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

/// An EVM address (`0x` + 40 hex; EIP-55 checksum enforced when the letters are mixed-case)
/// or an SS58 address (with a valid checksum): [`AccountAddress`].
fn check_address(field: &'static str, value: &str) -> Result<()> {
    if AccountAddress::parse_field(field, value).is_ok() {
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
    fn addresses() {
        // The rules are `peaqos_types::AccountAddress`'s (tested there); both kinds pass.
        for ok in [
            "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
            "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
        ] {
            assert!(check_address("owner_address", ok).is_ok(), "{ok}");
        }
        let err = check_address("owner_address", "0xOwner...").expect_err("bad");
        assert!(
            matches!(&err, Error::Validation(v) if v.field == "owner_address"),
            "{err:?}"
        );
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
    fn owner_proofs_recover_to_the_owner() {
        let signer = alloy::signers::local::PrivateKeySigner::random();
        let proof = owner_proof(&signer).expect("proof");
        let raw = alloy::hex::decode(&proof.owner_signature).expect("hex");
        let signature = alloy::primitives::Signature::from_raw(&raw).expect("65 bytes");
        let message = wire::owner_proof_message(&signer.address().to_string(), proof.signed_at);
        assert_eq!(
            signature
                .recover_address_from_msg(message)
                .expect("recover"),
            signer.address()
        );
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
