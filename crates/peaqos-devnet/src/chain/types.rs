//! What the chain stores about blocks, transactions and receipts.

use alloy::{
    consensus::{Header, TxEnvelope},
    primitives::{Address, B256, Bloom, Log},
};
use serde::{Deserialize, Serialize};

/// A sealed block.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredBlock {
    /// The header (with `base_fee_per_gas` always set).
    pub header: Header,
    /// `keccak256(rlp(header))`.
    pub hash: B256,
    /// Hashes of the block's transactions, in order.
    pub transactions: Vec<B256>,
}

/// A mined transaction and its receipt.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredTx {
    /// The signed transaction as received.
    pub envelope: TxEnvelope,
    /// The recovered sender.
    pub from: Address,
    /// Block number it was mined in.
    pub block_number: u64,
    /// Hash of that block.
    pub block_hash: B256,
    /// Index in the block.
    pub index: u64,
    /// Its receipt.
    pub receipt: StoredReceipt,
}

/// The receipt of a mined transaction.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredReceipt {
    /// EIP-658 status: true when the transaction succeeded.
    pub success: bool,
    /// Gas this transaction used.
    pub gas_used: u64,
    /// Gas used in the block up to and including this transaction.
    pub cumulative_gas_used: u64,
    /// What the sender paid per gas.
    pub effective_gas_price: u128,
    /// The created contract, for a deployment.
    pub contract_address: Option<Address>,
    /// Logs, in order.
    pub logs: Vec<Log>,
    /// Index of this transaction's first log in the block.
    pub first_log_index: u64,
    /// Bloom of `logs`.
    pub logs_bloom: Bloom,
}

/// The result of executing a transaction or a call, before it is mined.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// True when it succeeded.
    pub success: bool,
    /// Gas used (after refunds).
    pub gas_used: u64,
    /// Return data, or revert data when it failed.
    pub output: alloy::primitives::Bytes,
    /// Logs (empty when it failed).
    pub logs: Vec<Log>,
    /// The created contract, for a deployment.
    pub contract_address: Option<Address>,
    /// Why it halted (out of gas, invalid opcode, …), when it did.
    pub halt: Option<String>,
}

impl Outcome {
    /// A failed execution that used `gas_used` and returned `output` (revert data).
    pub fn failed(gas_used: u64, output: alloy::primitives::Bytes) -> Self {
        Self {
            success: false,
            gas_used,
            output,
            logs: Vec::new(),
            contract_address: None,
            halt: None,
        }
    }

    /// A halted execution (out of gas, invalid opcode, …).
    pub fn halted(gas_used: u64, reason: impl Into<String>) -> Self {
        Self {
            halt: Some(reason.into()),
            ..Self::failed(gas_used, alloy::primitives::Bytes::new())
        }
    }
}
