//! The dev 2FA enrollment: a Gas Station owner enrolled and active with a known TOTP secret,
//! so scripts and tests can compute codes. Written against the Gas Station's public store and
//! sealing key; the Gas Station itself offers no such shortcut.

use alloy::primitives::Address;
use peaqos_gas_station::{Error, RunningGasStation, service::now_ms, totp};

/// Enrolls and activates `owner` with the base32 TOTP secret `secret_base32` (replacing any
/// enrollment) and returns the `otpauth://` URI, for an authenticator app or a script.
pub async fn enroll_dev_owner(
    station: &RunningGasStation,
    owner: Address,
    secret_base32: &str,
) -> Result<String, Error> {
    let service = station.service();
    let secret = totp::base32_decode(secret_base32)
        .ok_or_else(|| Error::Config("the TOTP secret is not base32".into()))?;
    let key = format!("{owner:#x}");
    let sealed = service.config.server_key.seal(&key, &secret)?;
    service
        .store
        .put_active_enrollment(&key, &sealed, now_ms())
        .await?;
    Ok(totp::otpauth_uri(&service.config.issuer, &owner.to_checksum(None), &secret).to_string())
}
