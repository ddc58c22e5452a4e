#![doc = include_str!("../README.md")]

mod audit;
pub mod bip39;
pub mod chains;
mod crypto;
pub mod error;
mod fsutil;
mod hd;
pub mod info;
pub mod secret;
pub mod signer;
pub mod vault;

use std::path::Path;

pub use chains::{Curve, Family};
pub use crypto::{MAX_SCRYPT_MEMORY, MAX_SCRYPT_P, MAX_SCRYPT_WORK};
pub use error::{Result, WalletCode, WalletError};
pub use info::{AccountInfo, KeyType, WalletInfo, extract_peaq_address};
pub use secret::SecretString;
pub use signer::VaultSigner;
pub use vault::{ENV_PASSPHRASE, ENV_VAULT_PATH, Vault, derive_address, resolve_passphrase};

/// [`Vault::create_wallet`] on the vault at `vault_path` (default: `OWS_VAULT_PATH` or `~/.ows`).
pub fn create_wallet(
    name: &str,
    passphrase: Option<&str>,
    words: u32,
    vault_path: Option<&Path>,
) -> Result<WalletInfo> {
    Vault::open(vault_path).create_wallet(name, passphrase, words)
}

/// [`Vault::import_wallet`] (a private key for `chain`) on the vault at `vault_path`.
pub fn import_wallet(
    name: &str,
    private_key: &str,
    passphrase: Option<&str>,
    chain: &str,
    vault_path: Option<&Path>,
) -> Result<WalletInfo> {
    Vault::open(vault_path).import_wallet(name, private_key, passphrase, chain)
}

/// [`Vault::import_wallet_mnemonic`] on the vault at `vault_path`.
pub fn import_wallet_mnemonic(
    name: &str,
    mnemonic: &str,
    passphrase: Option<&str>,
    index: u32,
    vault_path: Option<&Path>,
) -> Result<WalletInfo> {
    Vault::open(vault_path).import_wallet_mnemonic(name, mnemonic, passphrase, index)
}

/// [`Vault::list_wallets`] on the vault at `vault_path`.
pub fn list_wallets(vault_path: Option<&Path>) -> Result<Vec<WalletInfo>> {
    Vault::open(vault_path).list_wallets()
}

/// [`Vault::get_wallet`] on the vault at `vault_path`.
pub fn get_wallet(name_or_id: &str, vault_path: Option<&Path>) -> Result<WalletInfo> {
    Vault::open(vault_path).get_wallet(name_or_id)
}

/// [`Vault::export_wallet`] on the vault at `vault_path`.
pub fn export_wallet(
    name_or_id: &str,
    passphrase: Option<&str>,
    vault_path: Option<&Path>,
) -> Result<SecretString> {
    Vault::open(vault_path).export_wallet(name_or_id, passphrase)
}

/// [`Vault::delete_wallet`] on the vault at `vault_path`.
pub fn delete_wallet(name_or_id: &str, vault_path: Option<&Path>) -> Result<()> {
    Vault::open(vault_path).delete_wallet(name_or_id)
}

/// [`Vault::rename_wallet`] on the vault at `vault_path`.
pub fn rename_wallet(name_or_id: &str, new_name: &str, vault_path: Option<&Path>) -> Result<()> {
    Vault::open(vault_path).rename_wallet(name_or_id, new_name)
}
