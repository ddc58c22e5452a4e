//! One funding account on one chain: balances, signing, broadcasting, receipts.

use std::time::Duration;

use alloy::{
    eips::{BlockNumberOrTag, eip2718::Encodable2718},
    network::{EthereumWallet, NetworkTransactionBuilder, TransactionBuilder},
    primitives::{Address, B256, U256},
    providers::{DynProvider, Provider, ProviderBuilder},
    rpc::types::TransactionRequest,
    transports::{RpcError, TransportError},
};
use peaqos_service::{RedactedUrl, redact_urls_in};
use tokio::sync::{Mutex, OnceCell};

use crate::{Error, config::ChainConfig};

/// How an RPC call failed.
#[derive(Debug, Clone)]
pub enum ChainError {
    /// The node answered with an error (it refused: insufficient funds, revert, bad nonce).
    Rejected(String),
    /// No usable answer (connection, timeout, malformed reply): the outcome is unknown.
    Transport(String),
}

impl ChainError {
    fn of(err: &TransportError) -> Self {
        match err {
            RpcError::ErrorResp(payload) => Self::Rejected(redact_urls_in(&payload.message)),
            // HTTP client errors quote the URL they failed on (API keys included).
            other => Self::Transport(redact_urls_in(&other.to_string())),
        }
    }
}

impl std::fmt::Display for ChainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Rejected(m) => write!(f, "the node refused: {m}"),
            Self::Transport(m) => write!(f, "RPC failed: {m}"),
        }
    }
}

/// A signed transfer.
#[derive(Debug, Clone)]
pub struct SignedTransfer {
    /// Its hash.
    pub hash: B256,
    /// Its EIP-2718 encoding.
    pub raw: Vec<u8>,
}

/// The funding account of one configured chain. `Debug` shows the chain (its URL redacted)
/// and the address, never the provider (it holds the full URL) or the wallet.
pub struct Funder {
    /// The chain's configuration.
    pub config: ChainConfig,
    /// The canonical (lower-case) chain name, as stored.
    pub key: String,
    /// The funding address.
    pub address: Address,
    provider: DynProvider,
    wallet: EthereumWallet,
    chain_id: OnceCell<u64>,
    /// Held from nonce choice to broadcast, so transfers reach the node in nonce order.
    pub nonce_lock: Mutex<()>,
}

impl std::fmt::Debug for Funder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Funder")
            .field("key", &self.key)
            .field("address", &self.address)
            .field("rpc_url", &RedactedUrl(&self.config.rpc_url))
            .finish_non_exhaustive()
    }
}

impl Funder {
    /// A funder for `config` (no network use yet).
    pub fn new(config: &ChainConfig) -> Result<Self, Error> {
        let signer = config.funding_key.signer()?;
        let address = signer.address();
        let url = config
            .rpc_url
            .parse()
            .map_err(|_| Error::Config(format!("chain {}: invalid RPC URL", config.name)))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| Error::Internal(format!("HTTP client: {e}")))?;
        let provider = ProviderBuilder::new()
            .disable_recommended_fillers()
            .connect_reqwest(http, url)
            .erased();
        Ok(Self {
            key: config.name.to_ascii_lowercase(),
            config: config.clone(),
            address,
            provider,
            wallet: EthereumWallet::from(signer),
            chain_id: OnceCell::new(),
            nonce_lock: Mutex::new(()),
        })
    }

    /// The balance of `who`.
    pub async fn balance(&self, who: Address) -> Result<U256, ChainError> {
        self.provider
            .get_balance(who)
            .await
            .map_err(|e| ChainError::of(&e))
    }

    /// The funding account's next nonce, counting the node's pending transactions.
    pub async fn pending_nonce(&self) -> Result<u64, ChainError> {
        self.provider
            .get_transaction_count(self.address)
            .pending()
            .await
            .map_err(|e| ChainError::of(&e))
    }

    /// The transaction count mined so far (the next nonce the chain will execute).
    pub async fn latest_nonce(&self) -> Result<u64, ChainError> {
        self.provider
            .get_transaction_count(self.address)
            .latest()
            .await
            .map_err(|e| ChainError::of(&e))
    }

    /// Signs a transfer of `value` to `to` with `nonce` (gas estimated with a 20 % margin,
    /// EIP-1559 fees when blocks have a base fee).
    pub async fn sign(
        &self,
        to: Address,
        value: U256,
        nonce: u64,
    ) -> Result<SignedTransfer, ChainError> {
        let p = &self.provider;
        let chain_id = *self
            .chain_id
            .get_or_try_init(|| async { p.get_chain_id().await.map_err(|e| ChainError::of(&e)) })
            .await?;
        let call = TransactionRequest::default()
            .with_from(self.address)
            .with_to(to)
            .with_value(value);
        let estimate = p
            .estimate_gas(call.clone())
            .await
            .map_err(|e| ChainError::of(&e))?;
        let block = p
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(|e| ChainError::of(&e))?;
        let mut tx = call
            .with_chain_id(chain_id)
            .with_nonce(nonce)
            .with_gas_limit(estimate.saturating_mul(6) / 5);
        match block.and_then(|b| b.header.base_fee_per_gas) {
            Some(base_fee) => {
                let priority = p
                    .get_max_priority_fee_per_gas()
                    .await
                    .map_err(|e| ChainError::of(&e))?;
                tx.set_max_priority_fee_per_gas(priority);
                // Node-supplied values: saturate rather than overflow.
                tx.set_max_fee_per_gas(
                    priority.saturating_add(u128::from(base_fee).saturating_mul(2)),
                );
            }
            None => tx.set_gas_price(p.get_gas_price().await.map_err(|e| ChainError::of(&e))?),
        }
        let envelope = tx
            .build(&self.wallet)
            .await
            .map_err(|e| ChainError::Rejected(format!("signing failed: {e}")))?;
        Ok(SignedTransfer {
            hash: *envelope.tx_hash(),
            raw: envelope.encoded_2718(),
        })
    }

    /// `eth_sendRawTransaction`.
    pub async fn broadcast(&self, raw: &[u8]) -> Result<(), ChainError> {
        self.provider
            .send_raw_transaction(raw)
            .await
            .map(|_| ())
            .map_err(|e| ChainError::of(&e))
    }

    /// The receipt status of `hash` (`Some(true)` success, `Some(false)` reverted, `None` not
    /// mined).
    pub async fn receipt_status(&self, hash: B256) -> Result<Option<bool>, ChainError> {
        self.provider
            .get_transaction_receipt(hash)
            .await
            .map(|r| r.map(|r| r.status()))
            .map_err(|e| ChainError::of(&e))
    }

    /// Polls the receipt of `hash` until `timeout`.
    pub async fn await_receipt(
        &self,
        hash: B256,
        timeout: Duration,
    ) -> Result<Option<bool>, ChainError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut delay = Duration::from_millis(20);
        let mut last_error = None;
        loop {
            match self.receipt_status(hash).await {
                Ok(Some(status)) => return Ok(Some(status)),
                Ok(None) => {}
                Err(e) => last_error = Some(e),
            }
            if tokio::time::Instant::now() + delay > deadline {
                return match last_error {
                    Some(e) => Err(e),
                    None => Ok(None),
                };
            }
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(Duration::from_millis(500));
        }
    }

    /// Whether the node knows `hash` (pending or mined).
    pub async fn knows(&self, hash: B256) -> Result<bool, ChainError> {
        self.provider
            .get_transaction_by_hash(hash)
            .await
            .map(|t| t.is_some())
            .map_err(|e| ChainError::of(&e))
    }
}
