//! Prefunded dev accounts derived from a fixed, published mnemonic.

use std::fmt;

use alloy::{
    primitives::{Address, B256},
    signers::local::{MnemonicBuilder, PrivateKeySigner, coins_bip39::English},
};

/// The dev mnemonic (the same as anvil's and hardhat's, so well-known tools recognise the
/// accounts). Public knowledge: never send real funds to these keys.
pub const DEV_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// A prefunded account.
#[derive(Clone)]
pub struct DevAccount {
    /// Its address.
    pub address: Address,
    /// Its private key (a public dev key).
    pub private_key: B256,
}

impl fmt::Debug for DevAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Dev keys are public, but keep key material out of logs by habit.
        f.debug_struct("DevAccount")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl DevAccount {
    /// A signer for this account.
    pub fn signer(&self) -> PrivateKeySigner {
        PrivateKeySigner::from_bytes(&self.private_key)
            .expect("a key derived from the mnemonic is a valid scalar")
    }
}

/// Derives `count` accounts at `m/44'/60'/0'/0/{i}` from `mnemonic`.
pub fn derive_accounts(mnemonic: &str, count: u32) -> Result<Vec<DevAccount>, String> {
    (0..count)
        .map(|i| {
            let signer = MnemonicBuilder::<English>::default()
                .phrase(mnemonic)
                .index(i)
                .map_err(|e| e.to_string())?
                .build()
                .map_err(|e| format!("invalid mnemonic: {e}"))?;
            Ok(DevAccount {
                address: signer.address(),
                private_key: signer.to_bytes(),
            })
        })
        .collect()
}
