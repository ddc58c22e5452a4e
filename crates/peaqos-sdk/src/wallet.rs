//! Clients whose signing identity is an OWS vault wallet ([`peaqos_wallet`]).
//!
//! [`PeaqosClient::from_wallet`] loads a wallet from the vault (`vault_path` in
//! [`WalletOptions`], else `OWS_VAULT_PATH`, else `~/.ows`) and builds a client for its peaq
//! (EVM) address:
//!
//! - **vault mode** (`ows_signing = true`, the default of the official SDKs): nothing is
//!   decrypted at construction; each transaction decrypts the key (full scrypt KDF), signs and
//!   wipes it. A wrong passphrase shows on the first signature: the send fails with
//!   [`RpcCode::SigningFailed`] and [`ows_error_code`] of the error is
//!   [`WalletCode::InvalidPassphrase`].
//! - **raw mode** (`ows_signing = false`): the key is decrypted once, at construction (a wrong
//!   passphrase fails there), and the client is the same as one built from the private key.
//!
//! The chain id of each transaction drives its EIP-155 signature, so one client signs for peaq
//! and for Base. Wallet errors map to SDK errors: `INVALID_INPUT` becomes
//! [`Error::Validation`]; `WALLET_NOT_FOUND`, `INVALID_PASSPHRASE`, `POLICY_DENIED`,
//! `CHAIN_NOT_SUPPORTED` (and the vault's own I/O codes) become [`Error::Rpc`] with
//! [`RpcCode::Wallet`] of that [`WalletCode`] and the [`WalletError`] as source.

use std::path::{Path, PathBuf};

use peaqos_wallet::{SecretString, WalletError};

use crate::{
    Error, PeaqosClient, Result, RpcCode, ValidationError,
    client::{ClientConfig, NetworkConfig},
    signer::{SignerSource, WalletSource},
};

pub use peaqos_wallet::{AccountInfo, KeyType, WalletCode, WalletInfo, extract_peaq_address};

/// Where the vault is.
#[derive(Debug, Clone, Default)]
pub struct WalletOptions {
    /// The vault folder (default: `OWS_VAULT_PATH`, else `~/.ows`).
    pub vault_path: Option<PathBuf>,
}

impl From<WalletError> for Error {
    fn from(e: WalletError) -> Self {
        match &e {
            WalletError::InvalidInput { field, message } => Error::Validation(
                ValidationError::new(*field, "OWS INVALID_INPUT", format!("{field}: {message}"))
                    .with_value("<redacted>"),
            ),
            _ => Error::rpc(RpcCode::Wallet(e.kind()), e.to_string()).with_source(e),
        }
    }
}

/// The OWS code ([`WalletCode::InvalidPassphrase`], [`WalletCode::WalletNotFound`], …) of a
/// wallet failure anywhere in `err`'s source chain, e.g. inside a
/// [`RpcCode::SigningFailed`] error of a vault-mode client.
pub fn ows_error_code(err: &(dyn std::error::Error + 'static)) -> Option<WalletCode> {
    let mut next = Some(err);
    while let Some(e) = next {
        if let Some(w) = e.downcast_ref::<WalletError>() {
            return Some(w.kind());
        }
        next = e.source();
    }
    None
}

impl PeaqosClient {
    /// A client for `network` signing with vault wallet `name_or_id` (see the
    /// [module docs](self)); `passphrase` falls back to `OWS_PASSPHRASE`.
    pub fn from_wallet(
        name_or_id: &str,
        passphrase: Option<&str>,
        ows_signing: bool,
        network: NetworkConfig,
    ) -> Result<Self> {
        Self::from_wallet_with(
            name_or_id,
            passphrase,
            ows_signing,
            network,
            &WalletOptions::default(),
        )
    }

    /// [`from_wallet`](Self::from_wallet) with a vault folder.
    pub fn from_wallet_with(
        name_or_id: &str,
        passphrase: Option<&str>,
        ows_signing: bool,
        network: NetworkConfig,
        options: &WalletOptions,
    ) -> Result<Self> {
        let source = SignerSource::Wallet(WalletSource {
            name_or_id: name_or_id.to_owned(),
            passphrase: passphrase.map(SecretString::from),
            vault_path: options.vault_path.clone(),
            ows_signing,
        });
        Self::new(ClientConfig::new(network, source.resolve()?))
    }
}

/// The wallet lifecycle helpers of the official SDKs, as associated functions (errors mapped as
/// in the module docs). `vault_path` defaults to `OWS_VAULT_PATH`, else `~/.ows`; passphrases
/// default to `OWS_PASSPHRASE`.
impl PeaqosClient {
    /// A new wallet from a fresh 12- or 24-word mnemonic.
    pub fn create_wallet(
        name: &str,
        passphrase: Option<&str>,
        words: u32,
        vault_path: Option<&Path>,
    ) -> Result<WalletInfo> {
        Ok(peaqos_wallet::create_wallet(
            name, passphrase, words, vault_path,
        )?)
    }

    /// Imports a private key for `chain` (`evm`, `solana`, `bitcoin`, `cosmos`, …).
    pub fn import_wallet(
        name: &str,
        private_key: &str,
        passphrase: Option<&str>,
        chain: &str,
        vault_path: Option<&Path>,
    ) -> Result<WalletInfo> {
        Ok(peaqos_wallet::import_wallet(
            name,
            private_key,
            passphrase,
            chain,
            vault_path,
        )?)
    }

    /// Imports a BIP-39 mnemonic, accounts at `index`.
    pub fn import_wallet_mnemonic(
        name: &str,
        mnemonic: &str,
        passphrase: Option<&str>,
        index: u32,
        vault_path: Option<&Path>,
    ) -> Result<WalletInfo> {
        Ok(peaqos_wallet::import_wallet_mnemonic(
            name, mnemonic, passphrase, index, vault_path,
        )?)
    }

    /// Every wallet of the vault, newest first.
    pub fn list_wallets(vault_path: Option<&Path>) -> Result<Vec<WalletInfo>> {
        Ok(peaqos_wallet::list_wallets(vault_path)?)
    }

    /// One wallet by id or name.
    pub fn get_wallet(name_or_id: &str, vault_path: Option<&Path>) -> Result<WalletInfo> {
        Ok(peaqos_wallet::get_wallet(name_or_id, vault_path)?)
    }

    /// The wallet's mnemonic or private-key JSON. Keep it in administrative tooling.
    pub fn export_wallet(
        name_or_id: &str,
        passphrase: Option<&str>,
        vault_path: Option<&Path>,
    ) -> Result<SecretString> {
        Ok(peaqos_wallet::export_wallet(
            name_or_id, passphrase, vault_path,
        )?)
    }

    /// Deletes a wallet (overwrite, then unlink).
    pub fn delete_wallet(name_or_id: &str, vault_path: Option<&Path>) -> Result<()> {
        Ok(peaqos_wallet::delete_wallet(name_or_id, vault_path)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wallet_errors_map_to_sdk_families() {
        let v: Error = WalletError::invalid("private_key", "bad hex").into();
        assert!(
            matches!(&v, Error::Validation(v) if v.field == "private_key"),
            "{v:?}"
        );
        let e: Error = WalletError::InvalidPassphrase.into();
        let passphrase = RpcCode::Wallet(WalletCode::InvalidPassphrase);
        assert_eq!(e.rpc_code(), Some(passphrase));
        assert_eq!(ows_error_code(&e), Some(WalletCode::InvalidPassphrase));
        let e: Error = WalletError::WalletNotFound("x".into()).into();
        assert_eq!(
            e.rpc_code(),
            Some(RpcCode::Wallet(WalletCode::WalletNotFound))
        );
    }
}
