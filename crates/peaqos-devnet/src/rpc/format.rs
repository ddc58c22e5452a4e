//! JSON shapes of blocks, transactions, receipts and logs, as Ethereum clients expect them.

use alloy::{
    consensus::{Transaction, TxEnvelope},
    eips::Typed2718,
    primitives::{Address, B256, Log, U64, U256},
};
use serde_json::{Value, json};

use crate::chain::{Chain, StoredBlock, StoredTx};

/// `0x`-hex quantity.
pub(crate) fn qty(n: u64) -> Value {
    json!(U64::from(n))
}

/// `0x`-hex quantity of a 256-bit number.
pub(crate) fn qty256(n: U256) -> Value {
    json!(n)
}

/// A block, with transaction hashes or full transactions.
pub(crate) fn block(chain: &Chain, block: &StoredBlock, full: bool) -> Value {
    let mut v = serde_json::to_value(&block.header).unwrap_or_else(|_| json!({}));
    let txs: Vec<Value> = block
        .transactions
        .iter()
        .map(|h| match (full, chain.tx(h)) {
            (true, Some(tx)) => transaction(tx),
            _ => json!(h),
        })
        .collect();
    if let Some(obj) = v.as_object_mut() {
        obj.insert("hash".into(), json!(block.hash));
        obj.insert("transactions".into(), Value::Array(txs));
        obj.insert("uncles".into(), json!([]));
        obj.insert("withdrawals".into(), json!([]));
        obj.insert("totalDifficulty".into(), qty(0));
        obj.insert(
            "size".into(),
            qty(alloy::rlp::Encodable::length(&block.header) as u64),
        );
    }
    v
}

/// A mined transaction.
pub(crate) fn transaction(tx: &StoredTx) -> Value {
    let mut v = serde_json::to_value(&tx.envelope).unwrap_or_else(|_| json!({}));
    if let Some(obj) = v.as_object_mut() {
        obj.insert("hash".into(), json!(tx.envelope.tx_hash()));
        obj.insert("from".into(), json!(tx.from));
        obj.insert("blockHash".into(), json!(tx.block_hash));
        obj.insert("blockNumber".into(), qty(tx.block_number));
        obj.insert("transactionIndex".into(), qty(tx.index));
        obj.insert(
            "gasPrice".into(),
            qty256(U256::from(tx.receipt.effective_gas_price)),
        );
        if !obj.contains_key("to") {
            obj.insert("to".into(), Value::Null);
        }
    }
    v
}

/// The receipt of a mined transaction.
pub(crate) fn receipt(tx: &StoredTx) -> Value {
    let r = &tx.receipt;
    let logs: Vec<Value> = r
        .logs
        .iter()
        .enumerate()
        .map(|(i, log)| log_json(log, tx, r.first_log_index + i as u64))
        .collect();
    json!({
        "transactionHash": tx.envelope.tx_hash(),
        "transactionIndex": qty(tx.index),
        "blockHash": tx.block_hash,
        "blockNumber": qty(tx.block_number),
        "from": tx.from,
        "to": tx.envelope.to(),
        "cumulativeGasUsed": qty(r.cumulative_gas_used),
        "gasUsed": qty(r.gas_used),
        "effectiveGasPrice": qty256(U256::from(r.effective_gas_price)),
        "contractAddress": r.contract_address,
        "logs": logs,
        "logsBloom": r.logs_bloom,
        "type": qty(u64::from(tx_type(&tx.envelope))),
        "status": qty(u64::from(r.success)),
        "blobGasUsed": Value::Null,
    })
}

/// A log, with its position.
pub(crate) fn log_json(log: &Log, tx: &StoredTx, log_index: u64) -> Value {
    json!({
        "address": log.address,
        "topics": log.data.topics(),
        "data": log.data.data,
        "blockNumber": qty(tx.block_number),
        "blockHash": tx.block_hash,
        "transactionHash": tx.envelope.tx_hash(),
        "transactionIndex": qty(tx.index),
        "logIndex": qty(log_index),
        "removed": false,
    })
}

fn tx_type(envelope: &TxEnvelope) -> u8 {
    envelope.ty()
}

/// An address list from a filter's `address` (one or many).
pub(crate) fn addresses(v: Option<&Value>) -> Result<Vec<Address>, String> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| serde_json::from_value(i.clone()).map_err(|e| format!("address: {e}")))
            .collect(),
        Some(one) => serde_json::from_value(one.clone())
            .map(|a| vec![a])
            .map_err(|e| format!("address: {e}")),
    }
}

/// Topic filters from a filter's `topics` (per position: null, one, or many).
pub(crate) fn topics(v: Option<&Value>) -> Result<Vec<Vec<B256>>, String> {
    let Some(Value::Array(positions)) = v else {
        return Ok(Vec::new());
    };
    positions
        .iter()
        .map(|p| match p {
            Value::Null => Ok(Vec::new()),
            Value::Array(any) => any
                .iter()
                .map(|t| serde_json::from_value(t.clone()).map_err(|e| format!("topic: {e}")))
                .collect(),
            one => serde_json::from_value(one.clone())
                .map(|t| vec![t])
                .map_err(|e| format!("topic: {e}")),
        })
        .collect()
}
