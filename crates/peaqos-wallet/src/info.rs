//! The public view of a wallet: [`WalletInfo`] and [`AccountInfo`], and
//! [`extract_peaq_address`].

use peaqos_types::constants::{BASE_CHAIN_ID, PEAQ_CHAIN_ID};
use serde::{Deserialize, Serialize};

use crate::error::{Result, WalletError};

/// The CAIP-2 id of peaq mainnet.
pub const PEAQ_CAIP2: &str = "eip155:3338";

/// Every EVM chain the protocol recognizes (network name, chain id): each wallet lists an
/// account on each, synthesized from its EVM address when the file does not have one.
pub const SUPPORTED_EVM_CHAINS: [(&str, u64); 6] = [
    ("peaq", PEAQ_CHAIN_ID),
    ("ethereum", 1),
    ("base", BASE_CHAIN_ID),
    ("polygon", 137),
    ("arbitrum", 42161),
    ("optimism", 10),
];

/// How a wallet's secret was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyType {
    /// A BIP-39 mnemonic (the file encrypts the phrase).
    Mnemonic,
    /// Imported private keys (the file encrypts `{"ed25519": hex, "secp256k1": hex}`).
    PrivateKey,
}

impl KeyType {
    /// `mnemonic` or `private_key`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Mnemonic => "mnemonic",
            Self::PrivateKey => "private_key",
        }
    }
}

/// One account of a wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountInfo {
    /// CAIP-10 account id (`eip155:3338:0x…`).
    pub account_id: String,
    /// The address in the chain's native encoding.
    pub address: String,
    /// CAIP-2 chain id (`eip155:3338`, `solana:5eykt4Us…`).
    pub chain_id: String,
    /// Human-readable network (`peaq`, `base`, `ethereum`, `solana`, `bitcoin`, …).
    pub network: String,
    /// BIP-44 style path; empty for private-key wallets.
    pub derivation_path: String,
}

/// The public metadata of a wallet: never any key material.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WalletInfo {
    /// UUID v4 (also the file name).
    pub id: String,
    /// Unique name in the vault.
    pub name: String,
    /// RFC 3339 creation time.
    pub created_at: String,
    /// `mnemonic` or `private_key`.
    pub key_type: KeyType,
    /// The EVM address used on peaq (see [`extract_peaq_address`]).
    pub peaq_address: String,
    /// Every account: the file's, then the synthesized EVM chains.
    pub accounts: Vec<AccountInfo>,
}

/// The network name of a CAIP-2 chain id.
pub fn network_name(chain_id: &str) -> String {
    if let Some(n) = chain_id.strip_prefix("eip155:")
        && let Some((name, _)) = SUPPORTED_EVM_CHAINS
            .iter()
            .find(|(_, id)| n == id.to_string())
    {
        return (*name).to_owned();
    }
    let ns = chain_id.split(':').next().unwrap_or(chain_id);
    match ns {
        "eip155" => "ethereum",
        "bip122" => "bitcoin",
        "fil" => "filecoin",
        "xrpl" => "ripple",
        other => other,
    }
    .to_owned()
}

/// The peaq address of an account list: the `eip155:3338` account if present, otherwise the
/// first `eip155:*` account (EVM addresses are the same on every EVM chain). `INVALID_INPUT`
/// when there is no EVM account.
pub fn extract_peaq_address(accounts: &[AccountInfo]) -> Result<String> {
    accounts
        .iter()
        .find(|a| a.chain_id == PEAQ_CAIP2)
        .or_else(|| accounts.iter().find(|a| a.chain_id.starts_with("eip155:")))
        .map(|a| a.address.clone())
        .ok_or_else(|| {
            WalletError::invalid(
                "accounts",
                "no EVM account found in wallet; cannot extract peaq address",
            )
        })
}

/// The accounts as the file lists them, plus one for every supported EVM chain that is missing
/// (same address and derivation path as the first EVM account).
pub(crate) fn with_evm_chains(mut accounts: Vec<AccountInfo>) -> Vec<AccountInfo> {
    let Some(source) = accounts
        .iter()
        .find(|a| a.chain_id.starts_with("eip155:"))
        .cloned()
    else {
        return accounts;
    };
    for (name, id) in SUPPORTED_EVM_CHAINS {
        let chain_id = format!("eip155:{id}");
        if !accounts.iter().any(|a| a.chain_id == chain_id) {
            accounts.push(AccountInfo {
                account_id: format!("{chain_id}:{}", source.address),
                address: source.address.clone(),
                chain_id,
                network: name.to_owned(),
                derivation_path: source.derivation_path.clone(),
            });
        }
    }
    accounts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(chain_id: &str, address: &str) -> AccountInfo {
        AccountInfo {
            account_id: format!("{chain_id}:{address}"),
            address: address.into(),
            chain_id: chain_id.into(),
            network: network_name(chain_id),
            derivation_path: String::new(),
        }
    }

    #[test]
    fn peaq_address_and_synthesis() {
        let accounts = with_evm_chains(vec![
            acct("solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp", "So1"),
            acct("eip155:1", "0xAb"),
        ]);
        let chains: Vec<_> = accounts.iter().map(|a| a.chain_id.as_str()).collect();
        assert_eq!(
            chains,
            [
                "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
                "eip155:1",
                "eip155:3338",
                "eip155:8453",
                "eip155:137",
                "eip155:42161",
                "eip155:10"
            ]
        );
        assert_eq!(accounts[2].network, "peaq");
        assert_eq!(accounts[2].account_id, "eip155:3338:0xAb");
        assert_eq!(extract_peaq_address(&accounts).expect("evm"), "0xAb");
        assert_eq!(
            extract_peaq_address(&[acct("eip155:8453", "0xCd")]).expect("evm"),
            "0xCd"
        );
        let err = extract_peaq_address(&[acct("cosmos:cosmoshub-4", "c")]).expect_err("none");
        assert_eq!(err.code(), "INVALID_INPUT");
        assert_eq!(
            network_name("bip122:000000000019d6689c085ae165831e93"),
            "bitcoin"
        );
        assert_eq!(network_name("xrpl:mainnet"), "ripple");
        assert_eq!(network_name("fil:mainnet"), "filecoin");
        assert_eq!(network_name("eip155:56"), "ethereum");
    }
}
