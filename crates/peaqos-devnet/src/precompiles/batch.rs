//! The pure parts of the Batch precompile at `0x…0805` (Moonbeam-derived).
//!
//! Batch cannot be a revm precompile: its subcalls run with `msg.sender` = the batch's caller,
//! which a precompile frame cannot arrange. On peaq only EOAs may call it, so the devnet
//! executes a *top-level* call to `0x…0805` natively at transaction level; this module gives
//! that executor the decoding ([`decode_batch`]), the logs ([`subcall_succeeded_log`],
//! [`subcall_failed_log`]) and the revert data ([`BatchError::revert_data`], [`revert_string`]).
//! A nested call (from a contract) reaches [`PeaqPrecompiles`](super::PeaqPrecompiles), which
//! reverts it with `Error("Function not callable by smart contracts")`.
//!
//! Semantics the executor implements (chain.md §1.2): all three functions are non-payable
//! ([`NOT_PAYABLE`]); `batchSome` attempts every subcall, `batchSomeUntilFailure` stops at the
//! first failure (the batch still succeeds), `batchAll` reverts the whole batch on any failure
//! (passing a subcall's revert data through); each subcall emits `SubcallSucceeded(index)` or
//! `SubcallFailed(index)` from `0x…0805`.
//!
//! Decoding follows Moonbeam's bounded readers: at most [`MAX_BATCH_SUBCALLS`] entries per array
//! and [`MAX_BATCH_CALL_DATA_BYTES`] per `callData` entry. `value`, `callData` and `gasLimit` may
//! be shorter than `to` (missing entries: 0, empty, 0 = all remaining gas); entries beyond
//! `to`'s length are ignored.

use alloy::{
    primitives::{Address, Bytes, Log, U256},
    sol_types::{Revert, SolCall, SolError, SolEvent},
};
use peaqos_contracts::bindings::BatchPrecompile::{
    SubcallFailed, SubcallSucceeded, batchAllCall, batchSomeCall, batchSomeUntilFailureCall,
};
use peaqos_types::constants::{BATCH_PRECOMPILE_ADDRESS, MAX_BATCH_SUBCALLS};

use super::{SELECTOR_OUT_OF_BOUNDS, UNKNOWN_SELECTOR};

/// Revert message of a Batch call from a contract (only EOAs may call `0x…0805`).
pub const NOT_CALLABLE_BY_CONTRACTS: &str = "Function not callable by smart contracts";
/// Revert message of a non-payable precompile function called with value.
pub const NOT_PAYABLE: &str = "Function is not payable";
/// Largest `callData` entry of a batch, in bytes (2^16).
pub const MAX_BATCH_CALL_DATA_BYTES: usize = 1 << 16;

/// What a batch does when a subcall fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BatchMode {
    /// `batchAll`: any failure reverts the whole batch.
    All,
    /// `batchSome`: failures are skipped.
    Some,
    /// `batchSomeUntilFailure`: stop at the first failure; the batch succeeds.
    SomeUntilFailure,
}

impl BatchMode {
    /// The function selector of this mode.
    pub const fn selector(self) -> [u8; 4] {
        match self {
            Self::All => batchAllCall::SELECTOR,
            Self::Some => batchSomeCall::SELECTOR,
            Self::SomeUntilFailure => batchSomeUntilFailureCall::SELECTOR,
        }
    }

    /// The mode of a function selector, if it is one of Batch's.
    pub const fn from_selector(selector: [u8; 4]) -> Option<Self> {
        match selector {
            batchAllCall::SELECTOR => Some(Self::All),
            batchSomeCall::SELECTOR => Some(Self::Some),
            batchSomeUntilFailureCall::SELECTOR => Some(Self::SomeUntilFailure),
            _ => None,
        }
    }
}

/// One subcall of a batch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SubCall {
    /// Callee.
    pub to: Address,
    /// Value taken from the batch's caller.
    pub value: U256,
    /// Call data.
    pub data: Bytes,
    /// Gas limit; 0 = all remaining gas.
    pub gas_limit: u64,
}

/// A decoded call to `0x…0805`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchCall {
    /// Which function was called.
    pub mode: BatchMode,
    /// The subcalls, one per `to` entry, in order.
    pub calls: Vec<SubCall>,
}

/// Why a call to `0x…0805` could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    /// Input shorter than a selector.
    #[error("{}", SELECTOR_OUT_OF_BOUNDS)]
    SelectorOutOfBounds,
    /// Not one of the three Batch selectors.
    #[error("{}", UNKNOWN_SELECTOR)]
    UnknownSelector([u8; 4]),
    /// The arguments do not ABI-decode.
    #[error("Invalid input: {0}")]
    InvalidInput(String),
    /// An array has more than [`MAX_BATCH_SUBCALLS`] entries.
    #[error("{field}: Value is too large for length")]
    TooManyEntries {
        /// The argument (`to`, `value`, `call_data`, `gas_limit`).
        field: &'static str,
        /// Its length.
        len: usize,
    },
    /// A `callData` entry is longer than [`MAX_BATCH_CALL_DATA_BYTES`].
    #[error("call_data[{index}]: Value is too large for length")]
    CallDataTooLarge {
        /// Index of the entry.
        index: usize,
        /// Its length in bytes.
        len: usize,
    },
}

impl BatchError {
    /// The revert data of this error: `Error(string)` of its message.
    pub fn revert_data(&self) -> Bytes {
        revert_string(&self.to_string())
    }
}

/// ABI `Error(string)` revert data (selector `0x08c379a0`) for `msg`.
pub fn revert_string(msg: &str) -> Bytes {
    Revert {
        reason: msg.to_owned(),
    }
    .abi_encode()
    .into()
}

/// Decodes a call to `0x…0805` (selector and arguments).
///
/// # Errors
///
/// A [`BatchError`]: short input, unknown selector, undecodable arguments, an array over
/// [`MAX_BATCH_SUBCALLS`] entries or a `callData` entry over [`MAX_BATCH_CALL_DATA_BYTES`].
pub fn decode_batch(input: &[u8]) -> Result<BatchCall, BatchError> {
    let selector: [u8; 4] = input
        .get(..4)
        .and_then(|s| s.try_into().ok())
        .ok_or(BatchError::SelectorOutOfBounds)?;
    let mode = BatchMode::from_selector(selector).ok_or(BatchError::UnknownSelector(selector))?;
    // The three functions share their argument types.
    let args = batchAllCall::abi_decode_raw(&input[4..])
        .map_err(|e| BatchError::InvalidInput(e.to_string()))?;
    for (field, len) in [
        ("to", args.to.len()),
        ("value", args.value.len()),
        ("call_data", args.callData.len()),
        ("gas_limit", args.gasLimit.len()),
    ] {
        if len > MAX_BATCH_SUBCALLS {
            return Err(BatchError::TooManyEntries { field, len });
        }
    }
    if let Some((index, data)) = args
        .callData
        .iter()
        .enumerate()
        .find(|(_, d)| d.len() > MAX_BATCH_CALL_DATA_BYTES)
    {
        return Err(BatchError::CallDataTooLarge {
            index,
            len: data.len(),
        });
    }
    let calls = args
        .to
        .iter()
        .enumerate()
        .map(|(i, &to)| SubCall {
            to,
            value: args.value.get(i).copied().unwrap_or_default(),
            data: args.callData.get(i).cloned().unwrap_or_default(),
            gas_limit: args.gasLimit.get(i).copied().unwrap_or_default(),
        })
        .collect();
    Ok(BatchCall { mode, calls })
}

/// The `SubcallSucceeded(uint256 index)` log `0x…0805` emits (`log1`, index in data).
pub fn subcall_succeeded_log(index: usize) -> Log {
    Log {
        address: BATCH_PRECOMPILE_ADDRESS,
        data: SubcallSucceeded {
            index: U256::from(index),
        }
        .encode_log_data(),
    }
}

/// The `SubcallFailed(uint256 index)` log `0x…0805` emits (`log1`, index in data).
pub fn subcall_failed_log(index: usize) -> Log {
    Log {
        address: BATCH_PRECOMPILE_ADDRESS,
        data: SubcallFailed {
            index: U256::from(index),
        }
        .encode_log_data(),
    }
}
