//! The transaction pipeline every write goes through, and `eth_call` with revert decoding.
//!
//! [`PeaqosClient::send_call`]:
//!
//! 1. `eth_estimateGas` (a revert here is decoded and returned before anything is signed);
//!    gas = estimate × (100 + margin) / 100, capped at the latest block's gas limit;
//! 2. fees from `eth_maxPriorityFeePerGas` and the latest block: EIP-1559 with
//!    `maxFeePerGas = priority + 2 × baseFee` (a legacy `gasPrice` transaction only when the
//!    node's blocks have no base fee);
//! 3. a nonce from the client's nonce manager: held across sign + send so concurrent calls from
//!    one client (and its clones) never share a nonce; a failed send makes the next call
//!    resynchronise from the node's `pending` count, and a "nonce too low" rejection of a cached
//!    nonce is retried once with a fresh one;
//! 4. `eth_sendRawTransaction`, then the receipt is polled until `receipt_timeout`
//!    (`RECEIPT_AWAIT_FAILED`, with the hash);
//! 5. a receipt with status 0 is replayed with `eth_call` at its block (or the latest block,
//!    on nodes without historical state) to recover the revert data, decoded as in
//!    [`revert`](crate::revert).

use std::time::{Duration, Instant};

use alloy::{
    eips::{BlockId, BlockNumberOrTag, eip2718::Encodable2718},
    network::{NetworkTransactionBuilder, TransactionBuilder},
    primitives::{Address, B256, Bytes, U256},
    providers::Provider,
    rpc::types::{TransactionReceipt, TransactionRequest},
    sol_types::SolCall,
    transports::TransportError,
};

use peaqos_contracts::ContractName;

use crate::{
    Error, Result,
    client::PeaqosClient,
    error::RpcCode,
    revert::{Revert, rpc_error_from_revert},
};

/// A mined, successful transaction.
#[derive(Debug, Clone)]
pub struct TxOutcome {
    /// Its hash.
    pub tx_hash: B256,
    /// Its receipt (status 1).
    pub receipt: TransactionReceipt,
}

/// Options of [`PeaqosClient::send_call_with`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct SendOptions {
    /// Use this gas limit instead of estimating (no pre-flight: a revert is only seen once
    /// mined, then decoded by replaying the call).
    pub gas_limit: Option<u64>,
}

impl SendOptions {
    /// With a fixed gas limit (skips `eth_estimateGas`).
    #[must_use]
    pub const fn with_gas_limit(mut self, gas_limit: u64) -> Self {
        self.gas_limit = Some(gas_limit);
        self
    }
}

enum Fees {
    Eip1559 { max_fee: u128, priority: u128 },
    Legacy { gas_price: u128 },
}

impl PeaqosClient {
    /// Signs and sends a call to `to` with `data` and `value`, and waits for it to be mined.
    ///
    /// Reverts, before sending (estimate) or once mined (replayed), come back as
    /// [`Error::Rpc`] whose code is the contract's custom error name (`AlreadyRegistered`, …),
    /// or `TX_REVERTED` when there is no decodable reason; a mined revert carries its hash.
    pub async fn send_call(&self, to: Address, data: Bytes, value: U256) -> Result<TxOutcome> {
        self.send_call_with(to, data, value, SendOptions::default())
            .await
    }

    /// [`send_call`](Self::send_call) with options (e.g. a fixed gas limit).
    pub async fn send_call_with(
        &self,
        to: Address,
        data: Bytes,
        value: U256,
        options: SendOptions,
    ) -> Result<TxOutcome> {
        // A read-only client fails here, before anything is estimated.
        self.wallet()?;
        let context = describe_call(to, &data);
        let called = self.contract_at(to);
        let call = TransactionRequest::default()
            .with_from(self.address())
            .with_to(to)
            .with_input(data)
            .with_value(value);
        let chain_id = self.chain_id().await?;
        let estimate = match options.gas_limit {
            Some(_) => None,
            None => Some(
                self.provider()
                    .estimate_gas(call.clone())
                    .await
                    .map_err(|e| failure_at(e, called, &format!("estimating gas for {context}")))?,
            ),
        };
        let (block_gas_limit, fees) = self.block_and_fees().await?;
        let gas = options.gas_limit.unwrap_or_else(|| {
            let estimate = estimate.unwrap_or_default();
            let margin = u128::from(self.gas_margin_percent());
            let padded =
                u64::try_from(u128::from(estimate) * (100 + margin) / 100).unwrap_or(u64::MAX);
            // Never ask for more than a block holds, never less than the estimate.
            block_gas_limit.map_or(padded, |limit| padded.min(limit).max(estimate))
        });
        let mut tx = call.clone().with_chain_id(chain_id).with_gas_limit(gas);
        match fees {
            Fees::Eip1559 { max_fee, priority } => {
                tx.set_max_fee_per_gas(max_fee);
                tx.set_max_priority_fee_per_gas(priority);
            }
            Fees::Legacy { gas_price } => tx.set_gas_price(gas_price),
        }
        let tx_hash = self.sign_and_send(tx, &context).await?;
        tracing::debug!(%tx_hash, %context, gas, "sent");
        let receipt = self.await_receipt(tx_hash).await?;
        if !receipt.status() {
            return Err(self
                .mined_revert(call.with_gas_limit(gas), &receipt, called, &context)
                .await);
        }
        Ok(TxOutcome { tx_hash, receipt })
    }

    /// Sends a typed call (`sol!` binding), see [`send_call`](Self::send_call).
    pub async fn send_sol<C: SolCall>(
        &self,
        to: Address,
        call: &C,
        value: U256,
    ) -> Result<TxOutcome> {
        self.send_call(to, call.abi_encode().into(), value).await
    }

    /// `eth_call` of `data` on `to` (from the signer's address; without `from` on a read-only
    /// client) at the latest block; a revert is decoded as in [`send_call`](Self::send_call).
    pub async fn call_view(&self, to: Address, data: Bytes) -> Result<Bytes> {
        let context = describe_call(to, &data);
        let called = self.contract_at(to);
        let mut call = TransactionRequest::default().with_to(to).with_input(data);
        if let Some(from) = self.signer_address() {
            call = call.with_from(from);
        }
        self.provider()
            .call(call)
            .await
            .map_err(|e| failure_at(e, called, &format!("calling {context}")))
    }

    /// A typed view call (`sol!` binding): [`call_view`](Self::call_view) and decoding of the
    /// result (`INVALID_RESULT` when it does not decode).
    pub async fn call_sol<C: SolCall>(&self, to: Address, call: &C) -> Result<C::Return> {
        let out = self.call_view(to, call.abi_encode().into()).await?;
        C::abi_decode_returns(&out).map_err(|e| {
            Error::rpc(
                RpcCode::InvalidResult,
                format!("{} on {to} returned undecodable data: {e}", C::SIGNATURE),
            )
            .with_source(e)
        })
    }

    /// The latest block's gas limit and the fees to offer.
    async fn block_and_fees(&self) -> Result<(Option<u64>, Fees)> {
        let p = self.provider();
        let block = p
            .get_block_by_number(BlockNumberOrTag::Latest)
            .await
            .map_err(|e| failure(e, "reading the latest block"))?;
        let gas_limit = block.as_ref().map(|b| b.header.gas_limit);
        let base_fee = block.as_ref().and_then(|b| b.header.base_fee_per_gas);
        let fees = match base_fee {
            Some(base_fee) => {
                let priority = match p.get_max_priority_fee_per_gas().await {
                    Ok(tip) => tip,
                    // Nodes without eth_maxPriorityFeePerGas: derive a tip from fee history.
                    Err(_) => p
                        .estimate_eip1559_fees()
                        .await
                        .map(|f| f.max_priority_fee_per_gas)
                        .map_err(|e| failure(e, "estimating the priority fee"))?,
                };
                Fees::Eip1559 {
                    max_fee: priority + 2 * u128::from(base_fee),
                    priority,
                }
            }
            None => Fees::Legacy {
                gas_price: p
                    .get_gas_price()
                    .await
                    .map_err(|e| failure(e, "reading the gas price"))?,
            },
        };
        Ok((gas_limit, fees))
    }

    /// Takes a nonce, signs and sends; the nonce lock is held until the node has the tx.
    async fn sign_and_send(&self, tx: TransactionRequest, context: &str) -> Result<B256> {
        let mut next = self.inner.nonce.lock().await;
        let mut retried = false;
        loop {
            let cached = next.is_some();
            let nonce = match *next {
                Some(n) => n,
                None => self
                    .provider()
                    .get_transaction_count(self.address())
                    .pending()
                    .await
                    .map_err(|e| failure(e, "reading the account nonce"))?,
            };
            let envelope = tx
                .clone()
                .with_nonce(nonce)
                .build(self.wallet()?)
                .await
                .map_err(|e| {
                    Error::rpc(
                        RpcCode::SigningFailed,
                        format!("signing {context} failed: {e}"),
                    )
                    .with_source(e)
                })?;
            let tx_hash = *envelope.tx_hash();
            match self
                .provider()
                .send_raw_transaction(&envelope.encoded_2718())
                .await
            {
                Ok(_) => {
                    *next = Some(nonce + 1);
                    tracing::trace!(%tx_hash, nonce, "accepted");
                    return Ok(tx_hash);
                }
                Err(e) => {
                    // We no longer know the node's view of our nonce: ask next time.
                    *next = None;
                    if cached && !retried && is_nonce_error(&e) {
                        retried = true;
                        tracing::debug!(nonce, error = %e, "stale cached nonce, resyncing");
                        continue;
                    }
                    return Err(failure(e, &format!("sending {context}")));
                }
            }
        }
    }

    /// Polls for the receipt until the client's receipt timeout.
    async fn await_receipt(&self, tx_hash: B256) -> Result<TransactionReceipt> {
        let timeout = self.receipt_timeout();
        let deadline = Instant::now() + timeout;
        let mut delay = Duration::from_millis(25);
        let mut last_error: Option<TransportError> = None;
        loop {
            match self.provider().get_transaction_receipt(tx_hash).await {
                Ok(Some(receipt)) => return Ok(receipt),
                Ok(None) => {}
                Err(e) => last_error = Some(e),
            }
            let now = Instant::now();
            if now >= deadline {
                let mut err = Error::rpc(
                    RpcCode::ReceiptAwaitFailed,
                    format!(
                        "Transaction {tx_hash} was sent but no receipt arrived within {}s; it may \
                         still land: look it up by hash before retrying",
                        timeout.as_secs_f64()
                    ),
                )
                .with_tx_hash(tx_hash);
                if let Some(e) = last_error {
                    err = err.with_source(e);
                }
                return Err(err);
            }
            tokio::time::sleep(delay.min(deadline - now)).await;
            delay = (delay * 2).min(Duration::from_secs(1));
        }
    }

    /// Recovers the reason of a mined revert by replaying the call at its block.
    async fn mined_revert(
        &self,
        call: TransactionRequest,
        receipt: &TransactionReceipt,
        called: Option<ContractName>,
        context: &str,
    ) -> Error {
        let tx_hash = receipt.transaction_hash;
        let gas_limit = call.gas.unwrap_or_default();
        // A revert returns unused gas; using (nearly) all of it means the transaction ran out,
        // possibly in a subcall, whose caller keeps only 1/64 of the gas (EIP-150).
        if gas_limit > 0 && u128::from(receipt.gas_used) * 64 >= u128::from(gas_limit) * 63 {
            return Error::reverted(
                Revert::Unknown(Bytes::new()),
                format!(
                    "Transaction {tx_hash} reverted on-chain: it ran out of gas (used {} of \
                     {gas_limit}); send it again with a higher gas limit",
                    receipt.gas_used
                ),
            )
            .with_tx_hash(tx_hash);
        }
        let at_block = match receipt.block_number {
            Some(n) => {
                self.provider()
                    .call(call.clone())
                    .block(BlockId::number(n))
                    .await
            }
            None => self.provider().call(call.clone()).await,
        };
        let replay = match at_block {
            // Nodes without historical state (our devnet, pruned nodes): try the latest block.
            Err(e)
                if revert_data(&e).is_none()
                    && !is_revert(&e)
                    && receipt.block_number.is_some() =>
            {
                tracing::debug!(error = %e, "replay at the receipt's block failed, trying latest");
                self.provider().call(call).await
            }
            other => other,
        };
        let err = match replay {
            Err(e) if revert_data(&e).is_some() || is_revert(&e) => {
                failure_at(e, called, &format!("replaying {context}"))
            }
            Err(e) => Error::reverted(
                Revert::Unknown(Bytes::new()),
                format!(
                    "Transaction {tx_hash} reverted on-chain; its reason could not be recovered \
                     ({e})"
                ),
            )
            .with_source(e),
            Ok(_) => Error::reverted(
                Revert::Unknown(Bytes::new()),
                format!(
                    "Transaction {tx_hash} reverted on-chain; replaying it did not reproduce the \
                     revert (the state has changed since)"
                ),
            ),
        };
        err.with_tx_hash(tx_hash)
    }
}

/// Revert data in a JSON-RPC error: `data` of an error whose message mentions a revert, or of
/// a code-3 error (geth's "execution reverted").
pub(crate) fn revert_data(e: &TransportError) -> Option<Bytes> {
    let payload = e.as_error_resp()?;
    payload.as_revert_data().or_else(|| {
        if payload.code != 3 {
            return None;
        }
        let raw = payload.data.as_ref()?;
        serde_json::from_str::<Bytes>(raw.get()).ok()
    })
}

fn is_revert(e: &TransportError) -> bool {
    e.as_error_resp()
        .is_some_and(|p| p.code == 3 || p.message.contains("revert"))
}

fn is_nonce_error(e: &TransportError) -> bool {
    e.as_error_resp().is_some_and(|p| {
        let m = p.message.to_ascii_lowercase();
        m.contains("nonce too low") || m.contains("already known") || m.contains("replacement")
    })
}

/// Maps a transport error to the SDK error: decoded revert, bare revert, or `RPC_ERROR`.
pub(crate) fn failure(e: TransportError, context: &str) -> Error {
    failure_at(e, None, context)
}

/// [`failure`] of a call to `called`, whose errors are decoded first.
pub(crate) fn failure_at(e: TransportError, called: Option<ContractName>, context: &str) -> Error {
    if let Some(data) = revert_data(&e) {
        return rpc_error_from_revert(&data, called, context).with_source(e);
    }
    if let Some(payload) = e.as_error_resp().filter(|_| is_revert(&e)) {
        let message = format!("Transaction reverted: {} ({context})", payload.message);
        return Error::reverted(Revert::Unknown(Bytes::new()), message).with_source(e);
    }
    Error::rpc(RpcCode::RpcError, format!("{context} failed: {e}")).with_source(e)
}

impl PeaqosClient {
    /// The peaqOS contract configured at `to`, if any (its errors are decoded first).
    fn contract_at(&self, to: Address) -> Option<ContractName> {
        let c = self.contracts();
        [
            (Some(c.identity_registry), ContractName::IdentityRegistry),
            (Some(c.identity_staking), ContractName::IdentityStaking),
            (Some(c.event_registry), ContractName::EventRegistry),
            (Some(c.machine_nft), ContractName::MachineNFT),
            (c.admin_flags, ContractName::AdminFlags),
            (
                c.machine_account_factory,
                ContractName::MachineAccountFactory,
            ),
            (c.machine_nft_adapter, ContractName::MachineNFTAdapter),
        ]
        .into_iter()
        .find_map(|(address, name)| (address == Some(to)).then_some(name))
    }
}

/// `name(types)` of the called function when a peaqOS ABI knows the selector, else the target.
fn describe_call(to: Address, data: &[u8]) -> String {
    data.get(..4)
        .and_then(crate::revert::function_signature)
        .map_or_else(|| format!("call to {to}"), |sig| format!("{sig} on {to}"))
}
