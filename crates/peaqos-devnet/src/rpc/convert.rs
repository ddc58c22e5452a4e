//! Typed responses: the chain's stored blocks, transactions, receipts and logs as alloy's RPC
//! types, which serde turns into the JSON Ethereum clients expect.

use alloy::{
    consensus::{Eip658Value, Receipt, ReceiptEnvelope, ReceiptWithBloom, transaction::Recovered},
    eips::eip4895::Withdrawals,
    primitives::{Log as PrimitiveLog, U256},
    rpc::types::{Block, BlockTransactions, Header, Log, Transaction, TransactionReceipt},
    serde::{OtherFields, WithOtherFields},
};
use serde_json::Value;
use std::borrow::Borrow;

use crate::chain::{Chain, StoredBlock, StoredTx};

/// A block, with transaction hashes or full transactions.
pub(crate) fn block(chain: &Chain, block: &StoredBlock, full: bool) -> Block {
    let transactions = if full {
        // One decode for the whole block (older blocks are stored compressed).
        BlockTransactions::Full(
            chain
                .block_txs(block.header.number)
                .unwrap_or_default()
                .iter()
                .map(transaction)
                .collect(),
        )
    } else {
        BlockTransactions::Hashes(block.transactions.clone())
    };
    Block {
        header: Header {
            hash: block.hash,
            inner: block.header.clone(),
            total_difficulty: Some(U256::ZERO),
            size: Some(U256::from(alloy::rlp::Encodable::length(&block.header))),
        },
        uncles: Vec::new(),
        transactions,
        withdrawals: Some(Withdrawals::default()),
    }
}

/// A mined transaction. `gasPrice` is the effective price for every type, as geth reports it.
///
/// Takes a borrowed or a decoded transaction (what [`Chain::tx`] gives).
pub(crate) fn transaction(tx: impl Borrow<StoredTx>) -> Transaction {
    let tx = tx.borrow();
    Transaction {
        inner: Recovered::new_unchecked(tx.envelope.clone(), tx.from),
        block_hash: Some(tx.block_hash),
        block_number: Some(tx.block_number),
        transaction_index: Some(tx.index),
        effective_gas_price: Some(tx.receipt.effective_gas_price),
        block_timestamp: None,
    }
}

/// The receipt of a mined transaction.
///
/// alloy leaves `blobGasUsed` out when it is `None`; the devnet has always sent it as `null`
/// (web3.py then shows the key), so it is kept as an extra field.
pub(crate) fn receipt(tx: impl Borrow<StoredTx>) -> WithOtherFields<TransactionReceipt> {
    let tx = tx.borrow();
    let r = &tx.receipt;
    let logs = r
        .logs
        .iter()
        .enumerate()
        .map(|(i, log)| self::log(log, tx, r.first_log_index + i as u64))
        .collect();
    let inner = ReceiptWithBloom {
        receipt: Receipt {
            status: Eip658Value::Eip658(r.success),
            cumulative_gas_used: r.cumulative_gas_used,
            logs,
        },
        logs_bloom: r.logs_bloom,
    };
    let receipt = TransactionReceipt {
        inner: ReceiptEnvelope::from_typed(tx.envelope.tx_type(), inner),
        transaction_hash: *tx.envelope.tx_hash(),
        transaction_index: Some(tx.index),
        block_hash: Some(tx.block_hash),
        block_number: Some(tx.block_number),
        gas_used: r.gas_used,
        effective_gas_price: r.effective_gas_price,
        blob_gas_used: None,
        blob_gas_price: None,
        from: tx.from,
        to: alloy::consensus::Transaction::to(&tx.envelope),
        contract_address: r.contract_address,
    };
    let mut other = OtherFields::default();
    other.insert("blobGasUsed".to_owned(), Value::Null);
    WithOtherFields {
        inner: receipt,
        other,
    }
}

/// A log, with its position in the chain.
pub(crate) fn log(log: &PrimitiveLog, tx: &StoredTx, log_index: u64) -> Log {
    Log {
        inner: log.clone(),
        block_hash: Some(tx.block_hash),
        block_number: Some(tx.block_number),
        block_timestamp: None,
        transaction_hash: Some(*tx.envelope.tx_hash()),
        transaction_index: Some(tx.index),
        log_index: Some(log_index),
        removed: false,
    }
}
