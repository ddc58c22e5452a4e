//! Answers a [`DevnetRequest`]: one `match`, typed results, chain errors through `?` (their one
//! mapping is `From<ChainError> for RpcError`).

use alloy::{
    eips::{BlockId, BlockNumberOrTag},
    primitives::{Address, B256, U64, U256, keccak256},
    rpc::types::{AccessListResult, FeeHistory, Filter, FilterBlockOption, Log},
};
use serde::Serialize;
use serde_json::Value;

use std::collections::BTreeMap;

use super::{
    RpcError, codes, convert,
    request::{BlockParam, DevnetRequest},
    wallet,
};
use crate::{
    chain::{Chain, ChainError, HistoricDb, LogLimits, call_error},
    node::{Node, NodeStopping},
};

/// Suggested priority fee (1 gwei, as anvil).
const PRIORITY_FEE: u64 = 1_000_000_000;

/// Runs one request on the node (the chain stays locked for its duration).
pub fn execute(node: &Node, request: DevnetRequest) -> Result<Value, RpcError> {
    node.with_chain_mut(|chain| run(chain, node, request))
}

/// Runs one request and gives its result as JSON text (what the HTTP and WebSocket answers
/// carry). `eth_getLogs` is written straight to text after the chain is released
/// ([`super::log_json`]); every other result is [`execute`]'s value as text.
pub(super) fn execute_text(node: &Node, request: DevnetRequest) -> Result<String, RpcError> {
    match request {
        DevnetRequest::GetLogs(filter) => {
            let found = node.with_chain(|chain| logs(chain, &filter))?;
            Ok(super::log_json::logs_json(&found))
        }
        other => serde_json::to_string(&execute(node, other)?)
            .map_err(|e| RpcError::new(codes::INTERNAL_ERROR, e.to_string())),
    }
}

fn run(chain: &mut Chain, node: &Node, request: DevnetRequest) -> Result<Value, RpcError> {
    use DevnetRequest as R;
    match request {
        R::ClientVersion(_) => ok(format!("peaqos-devnet/{}", env!("CARGO_PKG_VERSION"))),
        R::Sha3(data) => ok(keccak256(data)),
        R::NetVersion(_) => ok(chain.config().chain_id.to_string()),
        R::NetListening(_) | R::Mining(_) => ok(true),
        R::Syncing(_) => ok(false),
        R::PeerCount(_) | R::Hashrate(_) | R::UncleCount(_) => ok(U64::ZERO),
        R::ChainId(_) => ok(U64::from(chain.config().chain_id)),
        R::Coinbase(_) => ok(chain.config().coinbase),
        R::Accounts(_) => ok(node
            .accounts()
            .iter()
            .map(|a| a.address)
            .collect::<Vec<Address>>()),
        R::BlockNumber(_) => ok(U64::from(chain.block_number())),
        R::GasPrice(_) => ok(U64::from(chain.next_base_fee() + PRIORITY_FEE)),
        R::MaxPriorityFeePerGas(_) => ok(U64::from(PRIORITY_FEE)),
        R::BlobBaseFee(_) => ok(U64::from(1)),
        R::FeeHistory(count, newest, percentiles) => {
            let percentiles = percentiles.unwrap_or_default();
            if percentiles.len() > super::MAX_FEE_HISTORY_PERCENTILES {
                return Err(RpcError::params(format!(
                    "too many reward percentiles: at most {}",
                    super::MAX_FEE_HISTORY_PERCENTILES
                )));
            }
            ok(fee_history(chain, count.to::<u64>(), newest, &percentiles))
        }
        // State reads: the latest state, or an older one within the history window.
        R::GetBalance(address, block) => ok(state_at(chain, block)?.balance(address)),
        R::GetTransactionCount(address, block) => {
            // Pending transactions are already executed into the state, so the latest is also
            // the "pending" nonce (what a sender needs with interval mining).
            ok(U64::from(state_at(chain, block)?.nonce(address)))
        }
        R::GetCode(address, block) => ok(state_at(chain, block)?.code(address)),
        R::GetStorageAt(address, slot, block) => {
            ok(B256::from(state_at(chain, block)?.storage(address, slot)))
        }
        // Blocks, transactions, receipts: `null` when unknown.
        R::GetBlockByNumber(block, full) => ok(block_number(chain, block)
            .and_then(|n| chain.block(n))
            .map(|b| convert::block(chain, b, full.unwrap_or(false)))),
        R::GetBlockByHash(hash, full) => ok(chain
            .block_by_hash(&hash)
            .map(|b| convert::block(chain, b, full.unwrap_or(false)))),
        R::BlockTransactionCountByNumber(block) => ok(block_number(chain, block)
            .and_then(|n| chain.block(n))
            .map(|b| U64::from(b.transactions.len()))),
        R::BlockTransactionCountByHash(hash) => ok(chain
            .block_by_hash(&hash)
            .map(|b| U64::from(b.transactions.len()))),
        R::TransactionByHash(hash) => ok(chain.tx(&hash).map(convert::transaction)),
        R::TransactionByBlockNumberAndIndex(block, index) => ok(block_number(chain, block)
            .and_then(|n| chain.block(n))
            .and_then(|b| b.transactions.get(index.0))
            .and_then(|h| chain.tx(h))
            .map(convert::transaction)),
        R::TransactionByBlockHashAndIndex(hash, index) => ok(chain
            .block_by_hash(&hash)
            .and_then(|b| b.transactions.get(index.0))
            .and_then(|h| chain.tx(h))
            .map(convert::transaction)),
        R::TransactionReceipt(hash) => ok(chain.tx(&hash).map(convert::receipt)),
        R::BlockReceipts(block) => ok(block_number(chain, block)
            .and_then(|n| chain.block_txs(n))
            .map(|txs| txs.iter().map(convert::receipt).collect::<Vec<_>>())),
        R::GetLogs(filter) => ok(logs(chain, &filter)?),
        // Execution.
        R::Call(tx, block) => {
            let number = block_number(chain, block);
            state_at(chain, block)?;
            let pending = matches!(
                block,
                Some(BlockParam(BlockId::Number(BlockNumberOrTag::Pending)))
            );
            let outcome = match number {
                Some(n) if n < chain.block_number() => chain.call_at(&tx, n)?,
                _ => chain.call(&tx, pending),
            };
            if outcome.success {
                ok(outcome.output)
            } else {
                Err(call_error(outcome).into())
            }
        }
        R::EstimateGas(tx, block) => {
            latest_only(chain, block)?;
            ok(U64::from(chain.estimate_gas(&tx)?))
        }
        R::SendRawTransaction(raw) => ok(chain.send_raw_transaction(&raw, node.automine())?),
        R::SendTransaction(tx) => ok(wallet::send_transaction(chain, node, *tx)?),
        R::Sign(address, data) | R::PersonalSign(data, address, _) => {
            ok(wallet::sign_message(node, address, &data)?)
        }
        R::SignTypedData(address, data) => ok(wallet::sign_typed_data(node, address, &data)?),
        R::CreateAccessList(tx, block) => {
            latest_only(chain, block)?;
            let (access_list, gas_used) = chain.create_access_list(&tx)?;
            ok(AccessListResult {
                access_list,
                error: None,
                gas_used: U256::from(gas_used),
            })
        }
        // Filters.
        R::NewFilter(filter) => ok(node.with_filters(|f| f.new_logs(chain, *filter))?),
        R::NewBlockFilter(_) => ok(node.with_filters(|f| f.new_blocks(chain))?),
        R::NewPendingTransactionFilter(_) => ok(node.with_filters(|f| f.new_transactions(chain))?),
        R::GetFilterChanges(id) => node.with_filters(|f| f.changes(chain, id)),
        R::GetFilterLogs(id) => node.with_filters(|f| f.logs(chain, id)),
        R::UninstallFilter(id) => ok(node.with_filters(|f| f.uninstall(id))),
        // The pool: transactions executed into the open block (interval mining).
        R::TxpoolStatus(_) => ok(serde_json::json!({
            "pending": U64::from(chain.pending_txs().len()),
            "queued": U64::ZERO,
        })),
        R::TxpoolContent(_) => {
            let mut pending: BTreeMap<Address, BTreeMap<String, _>> = BTreeMap::new();
            for tx in chain.pending_txs() {
                let mut rpc_tx = convert::transaction(tx);
                rpc_tx.block_hash = None;
                rpc_tx.block_number = None;
                rpc_tx.transaction_index = None;
                pending.entry(tx.from).or_default().insert(
                    alloy::consensus::Transaction::nonce(&tx.envelope).to_string(),
                    rpc_tx,
                );
            }
            ok(serde_json::json!({ "pending": pending, "queued": {} }))
        }
        // Tracing (`rpc/trace.rs`).
        R::TraceTransaction(hash, options) => {
            super::trace::trace_transaction(chain, hash, options.map(|o| *o))
        }
        R::TraceCall(tx, block, options) => {
            super::trace::trace_call(chain, &tx, block, options.map(|o| *o))
        }
        // Dev controls.
        R::ImpersonateAccount(address) => {
            node.impersonate(address)
                .map_err(|e| RpcError::new(codes::SERVER_ERROR, e.to_string()))?;
            ok(())
        }
        R::StopImpersonatingAccount(address) => {
            node.stop_impersonating(address);
            ok(())
        }
        R::EvmMine(timestamp) => mine(chain, node, 1, timestamp.map(|t| t.to::<u64>())),
        R::AnvilMine(count, _interval) => {
            mine(chain, node, count.map_or(1, |n| n.to::<u64>()), None)
        }
        R::IncreaseTime(seconds) => ok(chain.increase_time(seconds.to::<u64>())?),
        R::SetNextBlockTimestamp(timestamp) => {
            chain.set_next_block_timestamp(timestamp.to::<u64>())?;
            ok(())
        }
        R::Snapshot(_) => ok(U64::from(chain.snapshot())),
        R::Revert(id) => ok(chain.revert(id.to::<u64>())),
        R::SetBalance(address, balance) => {
            chain.set_balance(address, balance);
            ok(())
        }
        R::SetCode(address, code) => {
            chain.set_code(address, code);
            ok(())
        }
        R::SetNonce(address, nonce) => {
            chain.set_nonce(address, nonce.to::<u64>());
            ok(())
        }
        R::SetStorageAt(address, slot, value) => {
            chain.set_storage(address, slot, value.into());
            ok(true)
        }
        R::Unknown => Err(RpcError::new(codes::METHOD_NOT_FOUND, "method not found")),
    }
}

/// A result as JSON: a `Value` (not the serialized text) so that objects keep the key order
/// the devnet has always sent.
pub(super) fn ok<T: Serialize>(result: T) -> Result<Value, RpcError> {
    serde_json::to_value(result).map_err(|e| RpcError::new(codes::INTERNAL_ERROR, e.to_string()))
}

/// The number a block tag names.
fn tag_number(chain: &Chain, tag: BlockNumberOrTag) -> u64 {
    match tag {
        BlockNumberOrTag::Number(n) => n,
        BlockNumberOrTag::Earliest => 0,
        BlockNumberOrTag::Latest
        | BlockNumberOrTag::Pending
        | BlockNumberOrTag::Safe
        | BlockNumberOrTag::Finalized => chain.block_number(),
    }
}

/// The number of the block a parameter names (absent = latest; `None` = an unknown hash).
pub(super) fn block_number(chain: &Chain, block: Option<BlockParam>) -> Option<u64> {
    match block.map(|b| b.0) {
        None => Some(chain.block_number()),
        Some(BlockId::Number(tag)) => Some(tag_number(chain, tag)),
        Some(BlockId::Hash(hash)) => chain
            .block_by_hash(&hash.block_hash)
            .map(|b| b.header.number),
    }
}

/// The state as of the block a parameter names (latest when absent).
fn state_at(chain: &Chain, block: Option<BlockParam>) -> Result<HistoricDb<'_>, ChainError> {
    chain.state_at(block_number(chain, block))
}

/// Methods that run on the latest state only refuse an older block.
fn latest_only(chain: &Chain, block: Option<BlockParam>) -> Result<(), ChainError> {
    state_at(chain, block)?;
    match block_number(chain, block) {
        Some(n) if n < chain.block_number() => Err(ChainError::LatestOnly(n)),
        _ => Ok(()),
    }
}

fn mine(
    chain: &mut Chain,
    node: &Node,
    count: u64,
    timestamp: Option<u64>,
) -> Result<Value, RpcError> {
    if count > super::MAX_MINE_BLOCKS {
        return Err(RpcError::params(format!(
            "too many blocks: at most {} per call",
            super::MAX_MINE_BLOCKS
        )));
    }
    for i in 0..count.max(1) {
        // A shutdown does not wait for the rest of a long call.
        if node.is_stopping() {
            return Err(RpcError::new(codes::SERVER_ERROR, NodeStopping.to_string()));
        }
        chain.mine(if i == 0 { timestamp } else { None })?;
    }
    ok("0x0")
}

/// Refuses a filter with more than `MAX_LOGS_FILTER_ITEMS` addresses or alternatives in one
/// topic position.
pub(super) fn check_filter_size(filter: &Filter) -> Result<(), RpcError> {
    use super::MAX_LOGS_FILTER_ITEMS;
    let too_wide = filter.address.len() > MAX_LOGS_FILTER_ITEMS
        || filter
            .topics
            .iter()
            .any(|t| t.len() > MAX_LOGS_FILTER_ITEMS);
    if too_wide {
        // geth's words (`--rpc.logquerylimit`).
        return Err(RpcError::params(
            "exceed max addresses or topics per search position",
        ));
    }
    Ok(())
}

/// `eth_getLogs`, within the limits of `rpc/mod.rs` (range, filter size, results, bytes).
pub(super) fn logs(chain: &Chain, filter: &Filter) -> Result<Vec<Log>, RpcError> {
    use super::MAX_LOGS_BLOCK_RANGE;
    check_filter_size(filter)?;
    let latest = chain.block_number();
    let (from, to) = match filter.block_option {
        FilterBlockOption::AtBlockHash(hash) => {
            let n = chain
                .block_by_hash(&hash)
                .map(|b| b.header.number)
                .ok_or(ChainError::FilterBlockNotFound)?;
            (n, n)
        }
        FilterBlockOption::Range {
            from_block,
            to_block,
        } => (
            from_block.map_or(latest, |t| tag_number(chain, t)),
            to_block.map_or(latest, |t| tag_number(chain, t)),
        ),
    };
    if from > to {
        return Ok(Vec::new());
    }
    // Blocks past the head hold nothing, so they do not count.
    if to.min(latest).saturating_sub(from) >= MAX_LOGS_BLOCK_RANGE {
        return Err(RpcError::params(format!(
            "query exceeds max block range {MAX_LOGS_BLOCK_RANGE}"
        )));
    }
    let limits = LogLimits {
        results: super::MAX_LOGS_RESULTS,
        bytes: super::MAX_LOGS_RESPONSE_BYTES,
    };
    Ok(chain.logs(from, to, filter, limits)?)
}

fn fee_history(
    chain: &Chain,
    count: u64,
    newest: Option<BlockParam>,
    percentiles: &[f64],
) -> FeeHistory {
    let count = count.clamp(1, 1024);
    let latest = chain.block_number();
    let newest = block_number(chain, newest).unwrap_or(latest).min(latest);
    let oldest = newest.saturating_sub(count - 1);
    let mut history = FeeHistory {
        oldest_block: oldest,
        reward: (!percentiles.is_empty()).then(Vec::new),
        ..FeeHistory::default()
    };
    for n in oldest..=newest {
        let Some(b) = chain.block(n) else { break };
        let base_fee = b.header.base_fee_per_gas.unwrap_or_default();
        history.base_fee_per_gas.push(u128::from(base_fee));
        history
            .gas_used_ratio
            .push(b.header.gas_used as f64 / b.header.gas_limit.max(1) as f64);
        history.base_fee_per_blob_gas.push(1);
        history.blob_gas_used_ratio.push(0.0);
        if let Some(rewards) = &mut history.reward {
            // Every percentile gets the first transaction's tip (blocks here hold few).
            let tip = b
                .transactions
                .first()
                .and_then(|h| chain.tx(h))
                .map_or(0, |t| {
                    t.receipt
                        .effective_gas_price
                        .saturating_sub(u128::from(base_fee))
                });
            rewards.push(vec![tip; percentiles.len()]);
        }
    }
    history
        .base_fee_per_gas
        .push(u128::from(chain.next_base_fee()));
    history.base_fee_per_blob_gas.push(1);
    history
}
