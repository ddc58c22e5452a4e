//! peaq's native precompiles for the devnet's revm: DID (`0x…0800`), WPEAQ (`0x…0809`) and the
//! pure parts of Batch (`0x…0805`).
//!
//! [`PeaqPrecompiles`] is a revm [`PrecompileProvider`]: it answers calls to `0x…0800` ([`did`])
//! and `0x…0809` ([`wpeaq`]) natively, refuses nested calls to `0x…0805` with
//! `Error("Function not callable by smart contracts")` (Batch runs at transaction level, see
//! [`batch`]), and hands every other address to revm's standard [`EthPrecompiles`] (`0x01…`).
//!
//! The precompiles keep their state in the normal account storage of their own address
//! (journal `sload`/`sstore`), so it reverts with the call frame, commits with the
//! transaction, and shows in `eth_getStorageAt`, snapshots and persistence like contract storage.
//! Logs go through the journal too. Give the three accounts [`PRECOMPILE_STUB_CODE`] at genesis.
//!
//! # Dispatch rules shared by DID and WPEAQ
//!
//! These follow Moonbeam's `precompile-utils`, which peaq uses:
//! - a state-changing function in a static context reverts with
//!   `Error("Can't call non-static function in static context")` ([`STATIC_CONTEXT`]);
//! - a non-payable function called with value reverts with `Error("Function is not payable")`
//!   ([`NOT_PAYABLE`]);
//! - input shorter than a selector reverts with `Error("Tried to read selector out of bounds")`,
//!   an unknown selector with `Error("Unknown selector")`, undecodable arguments with
//!   `Error("Invalid input: …")` (WPEAQ treats input shorter than a selector as the
//!   `deposit()` fallback instead).
//!
//! The storage of `0x…0800` / `0x…0809` is always used, whatever the scheme: a `DELEGATECALL`
//! to a precompile reads and writes the precompile's own storage (peaq's pallets are global
//! state too), with `msg.sender` = the delegating frame's caller; logs are emitted from the
//! frame's target address, like Frontier's `handle.context().address`.
//!
//! # Gas
//!
//! Each call is metered deterministically, modelled on an equivalent Solidity implementation
//! (Cancun rules):
//! - dispatch: [`BASE_GAS`] + 3 per 32-byte word of input + 3 per word of output;
//! - `keccak256` of a storage key: 30 + 6 per word hashed;
//! - `SLOAD`: 2,100 cold / 100 warm (EIP-2929, warmth tracked by the journal per transaction);
//! - `SSTORE`: EIP-2200 + EIP-2929 cost (cold surcharge 2,100; 20,000 set from zero, 2,900
//!   reset, 100 no-op / dirty), the EIP-2200 2,300-gas sentry, and EIP-3529 refunds (4,800 for
//!   clearing a slot), returned as the precompile's refund;
//! - account balance read: 2,600 cold / 100 warm; native value transfer: 9,000;
//! - log: 375 + 375 per topic + 8 per data byte.
//!
//! Running out of gas halts the frame (`OutOfGas(Precompile)`), consuming all of its gas and
//! rolling back whatever the call wrote. A revert charges the gas metered up to the failure.

use alloy::primitives::{Address, Bytes, Log, LogData, U256};
use peaqos_types::constants::{
    BATCH_PRECOMPILE_ADDRESS, DID_PRECOMPILE_ADDRESS, WPEAQ_PRECOMPILE_ADDRESS,
};
use revm::{
    context_interface::{Cfg, ContextTr, JournalTr, journaled_state::TransferError},
    handler::{EthPrecompiles, PrecompileProvider, precompile_output_to_interpreter_result},
    interpreter::{CallInputs, CallValue, InterpreterResult},
    precompile::{PrecompileHalt, PrecompileOutput},
    primitives::{AddressSet, hardfork::SpecId},
};

pub mod batch;
pub mod did;
pub mod wpeaq;

#[cfg(test)]
mod tests;

pub use batch::*;
pub use did::*;
pub use wpeaq::*;

/// Runtime code placed at `0x…0800`, `0x…0805` and `0x…0809` at genesis, so that the accounts
/// are never "empty" (EIP-161) and `eth_getCode` is non-empty, like peaq's 5-byte stub
/// (`PUSH1 0 PUSH1 0 REVERT`). It never runs: the precompile answers first.
pub const PRECOMPILE_STUB_CODE: &[u8] = &[0x60, 0x00, 0x60, 0x00, 0xfd];

/// The addresses [`PeaqPrecompiles`] serves natively (DID, Batch, WPEAQ), in that order.
pub const PEAQ_PRECOMPILE_ADDRESSES: [Address; 3] = [
    DID_PRECOMPILE_ADDRESS,
    BATCH_PRECOMPILE_ADDRESS,
    WPEAQ_PRECOMPILE_ADDRESS,
];

/// Revert message of a state-changing precompile function called in a static context.
pub const STATIC_CONTEXT: &str = "Can't call non-static function in static context";
/// Revert message of an unknown function selector.
pub const UNKNOWN_SELECTOR: &str = "Unknown selector";
/// Revert message of an input shorter than a 4-byte selector.
pub const SELECTOR_OUT_OF_BOUNDS: &str = "Tried to read selector out of bounds";

/// Gas charged by every DID / WPEAQ / Batch-refusal call before any other cost.
pub const BASE_GAS: u64 = 1_000;

/// revm's standard precompiles plus peaq's DID, WPEAQ and (refusing) Batch.
#[derive(Debug, Clone)]
pub struct PeaqPrecompiles {
    eth: EthPrecompiles,
    warm: AddressSet,
    wpeaq_total_supply: U256,
}

impl PeaqPrecompiles {
    /// The precompiles of `spec` plus peaq's; `totalSupply()` of WPEAQ answers
    /// [`WPEAQ_DEFAULT_TOTAL_SUPPLY`] until [`Self::with_wpeaq_total_supply`] changes it.
    pub fn new(spec: SpecId) -> Self {
        let eth = EthPrecompiles::new(spec);
        let warm = warm_set(&eth);
        Self {
            eth,
            warm,
            wpeaq_total_supply: WPEAQ_DEFAULT_TOTAL_SUPPLY,
        }
    }

    /// Sets what WPEAQ's `totalSupply()` answers (e.g. the sum of the genesis allocations).
    #[must_use]
    pub const fn with_wpeaq_total_supply(mut self, total_supply: U256) -> Self {
        self.wpeaq_total_supply = total_supply;
        self
    }

    /// Whether `address` is a precompile (standard or peaq's).
    pub fn is_precompile(&self, address: &Address) -> bool {
        self.warm.contains(address)
    }

    /// What WPEAQ's `totalSupply()` answers.
    pub const fn wpeaq_total_supply(&self) -> U256 {
        self.wpeaq_total_supply
    }
}

fn warm_set(eth: &EthPrecompiles) -> AddressSet {
    let mut warm = AddressSet::default();
    warm.clone_from(eth.warm_addresses());
    warm.extend(PEAQ_PRECOMPILE_ADDRESSES);
    warm
}

impl<CTX: ContextTr> PrecompileProvider<CTX> for PeaqPrecompiles {
    type Output = InterpreterResult;

    fn set_spec(&mut self, spec: <CTX::Cfg as Cfg>::Spec) -> bool {
        let changed = <EthPrecompiles as PrecompileProvider<CTX>>::set_spec(&mut self.eth, spec);
        if changed {
            self.warm = warm_set(&self.eth);
        }
        changed
    }

    fn run(
        &mut self,
        context: &mut CTX,
        inputs: &CallInputs,
    ) -> Result<Option<Self::Output>, String> {
        let address = inputs.bytecode_address;
        if address != DID_PRECOMPILE_ADDRESS
            && address != WPEAQ_PRECOMPILE_ADDRESS
            && address != BATCH_PRECOMPILE_ADDRESS
        {
            return <EthPrecompiles as PrecompileProvider<CTX>>::run(
                &mut self.eth,
                context,
                inputs,
            );
        }
        let input = inputs.input.bytes(context);
        let mut call = PrecompileCall::new(context, inputs);
        let result = match address {
            DID_PRECOMPILE_ADDRESS => did::execute(&mut call, &input),
            WPEAQ_PRECOMPILE_ADDRESS => wpeaq::execute(&mut call, &input, self.wpeaq_total_supply),
            _ => call
                .meter
                .charge(BASE_GAS)
                .and_then(|()| Err(Exit::Revert(NOT_CALLABLE_BY_CONTRACTS.into()))),
        };
        let mut meter = call.meter;
        let output = match result {
            Ok(bytes) => match meter.charge(cost::COPY_WORD * words(bytes.len())) {
                Ok(()) => PrecompileOutput {
                    gas_refunded: meter.refund,
                    ..PrecompileOutput::new(meter.used, bytes, inputs.reservoir)
                },
                Err(_) => PrecompileOutput::halt(PrecompileHalt::OutOfGas, inputs.reservoir),
            },
            Err(Exit::Revert(message)) => {
                PrecompileOutput::revert(meter.used, revert_string(&message), inputs.reservoir)
            }
            Err(Exit::OutOfGas) => {
                PrecompileOutput::halt(PrecompileHalt::OutOfGas, inputs.reservoir)
            }
            Err(Exit::Fatal(error)) => return Err(error),
        };
        Ok(Some(precompile_output_to_interpreter_result(
            output,
            inputs.gas_limit,
        )))
    }

    fn warm_addresses(&self) -> &AddressSet {
        &self.warm
    }

    fn contains(&self, address: &Address) -> bool {
        self.warm.contains(address)
    }
}

// ------------------------------------------------------------------------------ internals

/// Why a precompile call stopped early.
#[derive(Debug)]
pub(crate) enum Exit {
    /// Revert with `Error(string)` of this message.
    Revert(String),
    /// Halt: out of gas.
    OutOfGas,
    /// A database error: aborts the EVM.
    Fatal(String),
}

impl From<&str> for Exit {
    fn from(message: &str) -> Self {
        Self::Revert(message.to_owned())
    }
}

/// Result of a precompile function: the return data or why it stopped.
pub(crate) type CallResult<T = Bytes> = Result<T, Exit>;

/// Gas meter of one precompile call.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Meter {
    limit: u64,
    used: u64,
    refund: i64,
}

/// EVM gas constants (Cancun) the meters use.
pub(crate) mod cost {
    /// Cold `SLOAD` (EIP-2929).
    pub(crate) const COLD_SLOAD: u64 = 2_100;
    /// Warm storage read (EIP-2929).
    pub(crate) const WARM_READ: u64 = 100;
    /// Cold account access (EIP-2929).
    pub(crate) const COLD_ACCOUNT: u64 = 2_600;
    /// `SSTORE` of a non-zero value into a slot that was zero at the start of the tx.
    pub(crate) const SSTORE_SET: u64 = 20_000;
    /// `SSTORE` changing a slot that was non-zero at the start of the tx (minus the cold part).
    pub(crate) const SSTORE_RESET: u64 = 5_000 - COLD_SLOAD;
    /// EIP-3529 refund for clearing a slot.
    pub(crate) const SSTORE_CLEARS_REFUND: i64 = 4_800;
    /// EIP-2200 sentry: `SSTORE` needs more than this much gas left.
    pub(crate) const SSTORE_SENTRY: u64 = 2_300;
    /// A native value transfer (as the `CALL` value surcharge).
    pub(crate) const VALUE_TRANSFER: u64 = 9_000;
    /// `LOG0` base.
    pub(crate) const LOG: u64 = 375;
    /// Per log topic.
    pub(crate) const LOG_TOPIC: u64 = 375;
    /// Per byte of log data.
    pub(crate) const LOG_DATA: u64 = 8;
    /// `KECCAK256` base.
    pub(crate) const KECCAK: u64 = 30;
    /// `KECCAK256` per word.
    pub(crate) const KECCAK_WORD: u64 = 6;
    /// Copying one word (calldata in, return data out).
    pub(crate) const COPY_WORD: u64 = 3;
}

/// Number of 32-byte words covering `len` bytes.
pub(crate) const fn words(len: usize) -> u64 {
    len.div_ceil(32) as u64
}

impl Meter {
    const fn new(limit: u64) -> Self {
        Self {
            limit,
            used: 0,
            refund: 0,
        }
    }

    /// Adds `cost`; out of gas when the total passes the limit.
    pub(crate) const fn charge(&mut self, cost: u64) -> CallResult<()> {
        self.used = self.used.saturating_add(cost);
        if self.used > self.limit {
            Err(Exit::OutOfGas)
        } else {
            Ok(())
        }
    }

    /// Gas still available.
    pub(crate) const fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }
}

/// One call into DID / WPEAQ: the context, the call's facts and its gas meter.
pub(crate) struct PrecompileCall<'a, CTX> {
    ctx: &'a mut CTX,
    pub(crate) meter: Meter,
    /// `msg.sender`.
    pub(crate) caller: Address,
    /// The frame's target address: where logs are emitted (the precompile for CALL/STATICCALL).
    pub(crate) target: Address,
    /// The call value (transferred for CALL, apparent for DELEGATECALL).
    pub(crate) value: CallValue,
    /// Whether the frame is static.
    pub(crate) is_static: bool,
}

impl<'a, CTX: ContextTr> PrecompileCall<'a, CTX> {
    fn new(ctx: &'a mut CTX, inputs: &CallInputs) -> Self {
        Self {
            ctx,
            meter: Meter::new(inputs.gas_limit),
            caller: inputs.caller,
            target: inputs.target_address,
            value: inputs.value.clone(),
            is_static: inputs.is_static,
        }
    }

    /// `msg.value` (apparent).
    pub(crate) fn msg_value(&self) -> U256 {
        self.value.get()
    }

    /// Reverts [`STATIC_CONTEXT`] in a static frame, [`NOT_PAYABLE`] with value.
    pub(crate) fn require_mutating(&self, payable: bool) -> CallResult<()> {
        if self.is_static {
            return Err(STATIC_CONTEXT.into());
        }
        self.require_no_value(payable)
    }

    /// Reverts [`NOT_PAYABLE`] with value unless `payable`.
    pub(crate) fn require_no_value(&self, payable: bool) -> CallResult<()> {
        if !payable && !self.msg_value().is_zero() {
            return Err(NOT_PAYABLE.into());
        }
        Ok(())
    }

    /// Charges dispatch: [`BASE_GAS`] + the copy of the input.
    pub(crate) const fn charge_dispatch(&mut self, input_len: usize) -> CallResult<()> {
        self.meter
            .charge(BASE_GAS + cost::COPY_WORD * words(input_len))
    }

    /// Charges a `keccak256` of `len` bytes.
    pub(crate) const fn charge_keccak(&mut self, len: usize) -> CallResult<()> {
        self.meter
            .charge(cost::KECCAK + cost::KECCAK_WORD * words(len))
    }

    /// The current block number.
    pub(crate) fn block_number(&self) -> U256 {
        revm::context_interface::Block::number(self.ctx.block())
    }

    /// The current block timestamp (seconds).
    pub(crate) fn block_timestamp(&self) -> U256 {
        revm::context_interface::Block::timestamp(self.ctx.block())
    }

    /// `SLOAD` of `address`'s `slot`, metered.
    pub(crate) fn sload(&mut self, address: Address, slot: U256) -> CallResult<U256> {
        let load = self.ctx.journal_mut().sload(address, slot).map_err(fatal)?;
        self.meter.charge(if load.is_cold {
            cost::COLD_SLOAD
        } else {
            cost::WARM_READ
        })?;
        Ok(load.data)
    }

    /// `SSTORE` of `value` into `address`'s `slot`, metered with EIP-2200/2929/3529 rules.
    pub(crate) fn sstore(&mut self, address: Address, slot: U256, value: U256) -> CallResult<()> {
        if self.meter.remaining() <= cost::SSTORE_SENTRY {
            return Err(Exit::OutOfGas);
        }
        let store = self
            .ctx
            .journal_mut()
            .sstore(address, slot, value)
            .map_err(fatal)?;
        let r = &store.data;
        let (original, present, new) = (r.original_value, r.present_value, r.new_value);
        let mut gas = if store.is_cold { cost::COLD_SLOAD } else { 0 };
        gas += if new == present {
            cost::WARM_READ
        } else if original == present {
            if original.is_zero() {
                cost::SSTORE_SET
            } else {
                cost::SSTORE_RESET
            }
        } else {
            cost::WARM_READ
        };
        self.meter.charge(gas)?;
        // EIP-3529 refunds.
        if new != present {
            if original == present {
                if !original.is_zero() && new.is_zero() {
                    self.meter.refund += cost::SSTORE_CLEARS_REFUND;
                }
            } else {
                if !original.is_zero() {
                    if present.is_zero() {
                        self.meter.refund -= cost::SSTORE_CLEARS_REFUND;
                    } else if new.is_zero() {
                        self.meter.refund += cost::SSTORE_CLEARS_REFUND;
                    }
                }
                if original == new {
                    self.meter.refund += if original.is_zero() {
                        (cost::SSTORE_SET - cost::WARM_READ) as i64
                    } else {
                        (cost::SSTORE_RESET - cost::WARM_READ) as i64
                    };
                }
            }
        }
        Ok(())
    }

    /// Native balance of `address`, metered as an account access.
    pub(crate) fn balance(&mut self, address: Address) -> CallResult<U256> {
        let account = self
            .ctx
            .journal_mut()
            .load_account(address)
            .map_err(fatal)?;
        let (balance, is_cold) = (account.data.info.balance, account.is_cold);
        self.meter.charge(if is_cold {
            cost::COLD_ACCOUNT
        } else {
            cost::WARM_READ
        })?;
        Ok(balance)
    }

    /// Moves `value` of native balance (journaled), metered as two account accesses and a value
    /// transfer; reverts `insufficient` when `from` lacks the funds.
    pub(crate) fn transfer(
        &mut self,
        from: Address,
        to: Address,
        value: U256,
        insufficient: &str,
    ) -> CallResult<()> {
        self.balance(from)?;
        self.balance(to)?;
        self.meter.charge(cost::VALUE_TRANSFER)?;
        match self
            .ctx
            .journal_mut()
            .transfer(from, to, value)
            .map_err(fatal)?
        {
            None => Ok(()),
            Some(TransferError::OutOfFunds) => Err(insufficient.into()),
            Some(_) => Err(BALANCE_OVERFLOW.into()),
        }
    }

    /// Emits a log from the frame's target address (journaled), metered.
    pub(crate) fn emit(&mut self, data: LogData) -> CallResult<()> {
        let topics = data.topics().len() as u64;
        let len = data.data.len() as u64;
        self.meter
            .charge(cost::LOG + cost::LOG_TOPIC * topics + cost::LOG_DATA * len)?;
        self.ctx.journal_mut().log(Log {
            address: self.target,
            data,
        });
        Ok(())
    }
}

/// Revert message when a native transfer would overflow the recipient's balance.
pub(crate) const BALANCE_OVERFLOW: &str = "Dispatched call failed with error: Arithmetic(Overflow)";

fn fatal(error: impl core::fmt::Display) -> Exit {
    Exit::Fatal(format!("database error in a peaq precompile: {error}"))
}

/// Decodes the ABI arguments after the selector of `input`, turning a failure into an
/// `Invalid input` revert.
pub(crate) fn decode_args<T: alloy::sol_types::SolCall>(input: &[u8]) -> CallResult<T> {
    T::abi_decode_raw(input.get(4..).unwrap_or_default())
        .map_err(|e| Exit::Revert(format!("Invalid input: {e}")))
}

/// The 4-byte selector of `input`.
pub(crate) fn selector(input: &[u8]) -> CallResult<[u8; 4]> {
    input
        .get(..4)
        .and_then(|s| <[u8; 4]>::try_from(s).ok())
        .ok_or_else(|| SELECTOR_OUT_OF_BOUNDS.into())
}
