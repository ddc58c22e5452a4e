//! [`VaultSigner`]: an alloy transaction signer backed by a vault wallet. The key is decrypted
//! for each signature and wiped right after it.

use std::fmt;

use alloy::{
    consensus::SignableTransaction,
    network::TxSigner,
    primitives::{Address, B256, Signature},
};
use async_trait::async_trait;

use crate::{
    error::{Result, WalletError},
    secret::SecretString,
    vault::{Vault, resolve_passphrase},
};

/// Signs EVM transactions with a vault wallet's EVM key (the account's BIP-44 path for mnemonic
/// wallets, the imported secp256k1 key otherwise).
///
/// Construction reads the wallet's public metadata only: nothing is decrypted, so a wrong
/// passphrase shows on the first signature (`INVALID_PASSPHRASE`). Each signature runs the
/// full scrypt KDF on a blocking thread, signs, and drops (zeroizes) the key. The chain id comes
/// from each transaction, so one signer signs for peaq, Base or any EVM chain. Every signature
/// is recorded in the vault's audit log.
#[derive(Clone)]
pub struct VaultSigner {
    vault: Vault,
    wallet_id: String,
    address: Address,
    passphrase: SecretString,
}

impl VaultSigner {
    /// A signer for wallet `name_or_id`; the passphrase is the argument or `OWS_PASSPHRASE`.
    pub fn new(vault: Vault, name_or_id: &str, passphrase: Option<&str>) -> Result<Self> {
        let passphrase = resolve_passphrase(passphrase)?;
        let (wallet_id, address) = vault.evm_identity(name_or_id)?;
        let address = address.parse().map_err(|_| WalletError::Corrupt {
            path: vault
                .path()
                .join("wallets")
                .join(format!("{wallet_id}.json")),
            reason: "the EVM account address is not a 20-byte hex address".into(),
        })?;
        Ok(Self {
            vault,
            wallet_id,
            address,
            passphrase,
        })
    }

    /// The wallet's id.
    pub fn wallet_id(&self) -> &str {
        &self.wallet_id
    }

    /// The signing (peaq) address.
    pub fn address(&self) -> Address {
        self.address
    }

    /// Signs a 32-byte hash (blocking: runs the KDF). `chain_id` is only recorded in the audit
    /// log.
    pub fn sign_hash_blocking(&self, hash: &B256, chain_id: Option<u64>) -> Result<Signature> {
        let (_, signer) = self.vault.unlock_evm(&self.wallet_id, &self.passphrase)?;
        if signer.address() != self.address {
            return Err(WalletError::invalid(
                "name_or_id",
                "the wallet's EVM account changed since the signer was built",
            ));
        }
        let (sig, recid) = signer
            .credential()
            .sign_prehash_recoverable(hash.as_slice())
            .map_err(|_| WalletError::invalid("hash", "cannot sign this hash"))?;
        drop(signer);
        let chain = chain_id.map_or_else(|| "eip155".to_owned(), |c| format!("eip155:{c}"));
        tracing::debug!(wallet_id = %self.wallet_id, chain_id = %chain, "vault signature");
        self.vault
            .audit_sign(&self.wallet_id, &chain, &self.address.to_checksum(None))?;
        Ok(Signature::from((sig, recid)))
    }
}

impl fmt::Debug for VaultSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VaultSigner")
            .field("vault", &self.vault.path())
            .field("wallet_id", &self.wallet_id)
            .field("address", &format_args!("{}", self.address))
            .field("passphrase", &"<redacted>")
            .finish()
    }
}

#[async_trait]
impl TxSigner<Signature> for VaultSigner {
    fn address(&self) -> Address {
        self.address
    }

    async fn sign_transaction(
        &self,
        tx: &mut dyn SignableTransaction<Signature>,
    ) -> alloy::signers::Result<Signature> {
        let hash = tx.signature_hash();
        let chain_id = tx.chain_id();
        let this = self.clone();
        // scrypt takes a while: keep it off the async workers.
        tokio::task::spawn_blocking(move || this.sign_hash_blocking(&hash, chain_id))
            .await
            .map_err(alloy::signers::Error::other)?
            .map_err(|e| alloy::signers::Error::other(VaultSignError(e)))
    }
}

/// Carries a [`WalletError`] through alloy's signer error. alloy's `Error::Other` is
/// transparent (its `source()` is its inner error's `source()`), so the wallet error is put one
/// level down to stay reachable through `source()` (see `peaqos_sdk::wallet::ows_error_code`).
#[derive(Debug, thiserror::Error)]
#[error("vault signing failed: {0}")]
pub struct VaultSignError(#[source] pub WalletError);
