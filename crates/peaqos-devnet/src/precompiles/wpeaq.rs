//! WPEAQ at `0x…0809`: the native currency as an ERC-20 (Moonbeam's `balances-erc20`).
//!
//! # Functions
//!
//! - `name()` "peaq token", `symbol()` "PEAQ", `decimals()` 18.
//! - `totalSupply()`: a configured constant, not a sum over accounts (the devnet cannot sum
//!   balances cheaply): [`WPEAQ_DEFAULT_TOTAL_SUPPLY`] (4.2 billion PEAQ, peaq's genesis supply)
//!   unless [`PeaqPrecompiles::with_wpeaq_total_supply`](super::PeaqPrecompiles::with_wpeaq_total_supply)
//!   sets another.
//! - `balanceOf(a)`: the native balance of `a`.
//! - `allowance(owner, spender)`, `approve(spender, value) returns (bool)`: allowances live in
//!   `0x…0809`'s storage; `approve` emits `Approval(owner indexed, spender indexed, value)`.
//! - `transfer(to, value)` / `transferFrom(from, to, value) returns (bool)`: move **native**
//!   balance (journaled), emit `Transfer(from indexed, to indexed, value)`. `transferFrom` by
//!   someone other than `from` needs an allowance and decrements it, unless it is
//!   `type(uint256).max` (infinite). Reverts: [`WPEAQ_INSUFFICIENT_BALANCE`],
//!   [`WPEAQ_SPENDER_NOT_ALLOWED`] (allowance 0), [`WPEAQ_ALLOWANCE_EXCEEDED`].
//! - `deposit()` (payable; also what empty input — or input shorter than a selector — runs):
//!   the value reached `0x…0809` with the call (revm moves a `CALL`'s value to the target before
//!   the precompile runs), and is sent straight back to the caller, so the net effect is nil;
//!   emits `Deposit(owner indexed, value)`; value 0 reverts [`WPEAQ_ZERO_DEPOSIT`]. Under
//!   `DELEGATECALL` the value is only apparent: nothing moves, the event is still emitted.
//! - `withdraw(value)`: checks `value ≤` the caller's balance ([`WPEAQ_WITHDRAW_TOO_MUCH`]),
//!   emits `Withdrawal(owner indexed, value)`, changes nothing else.
//!
//! Not implemented: EIP-2612 `permit` / `nonces` / `DOMAIN_SEPARATOR` (unknown selector), and
//! Moonbeam's "any unknown selector is `deposit()`" fallback (only short input is).
//!
//! # Storage layout (account storage of `0x…0809`)
//!
//! Solidity-compatible `mapping(address owner => mapping(address spender => uint256))` at slot
//! 0: `keccak256(pad32(spender) ‖ keccak256(pad32(owner) ‖ uint256(0)))`
//! ([`wpeaq_allowance_slot`]).
//!
//! # Gas
//!
//! Dispatch (see the [module docs](super)); allowances: two `keccak256` of 64 bytes plus
//! `SLOAD`/`SSTORE`; balances: an account access (2,600 cold / 100 warm) per account read;
//! each native transfer 9,000; the event's log cost.

use alloy::{
    primitives::{Address, B256, Bytes, U256, keccak256, uint},
    sol_types::{SolCall, SolEvent},
};
use peaqos_contracts::bindings::WPEAQStandin::{
    Approval, Deposit, Transfer, Withdrawal, allowanceCall, approveCall, balanceOfCall,
    decimalsCall, depositCall, nameCall, symbolCall, totalSupplyCall, transferCall,
    transferFromCall, withdrawCall,
};
use peaqos_types::constants::WPEAQ_PRECOMPILE_ADDRESS;
use revm::{context_interface::ContextTr, interpreter::CallValue};

use super::{BALANCE_OVERFLOW, CallResult, PrecompileCall, UNKNOWN_SELECTOR, decode_args};

/// `name()` of WPEAQ.
pub const WPEAQ_NAME: &str = "peaq token";
/// `symbol()` of WPEAQ.
pub const WPEAQ_SYMBOL: &str = "PEAQ";
/// `decimals()` of WPEAQ.
pub const WPEAQ_DECIMALS: u8 = 18;
/// What `totalSupply()` answers by default: 4,200,000,000 PEAQ (peaq's genesis supply).
pub const WPEAQ_DEFAULT_TOTAL_SUPPLY: U256 = uint!(4_200_000_000_000_000_000_000_000_000_U256);

/// `transfer` / `transferFrom` of more than `from` owns.
pub const WPEAQ_INSUFFICIENT_BALANCE: &str =
    "Dispatched call failed with error: Token(FundsUnavailable)";
/// `transferFrom` by a spender with no allowance.
pub const WPEAQ_SPENDER_NOT_ALLOWED: &str = "spender not allowed";
/// `transferFrom` of more than the allowance.
pub const WPEAQ_ALLOWANCE_EXCEEDED: &str = "trying to spend more than allowed";
/// `deposit()` without value.
pub const WPEAQ_ZERO_DEPOSIT: &str = "deposited amount must be non-zero";
/// `withdraw(value)` of more than the caller owns.
pub const WPEAQ_WITHDRAW_TOO_MUCH: &str = "Trying to withdraw more than owned";

/// The storage slot (in `0x…0809`) of `owner`'s allowance for `spender`.
pub fn wpeaq_allowance_slot(owner: Address, spender: Address) -> U256 {
    let mut buf = [0u8; 64];
    buf[12..32].copy_from_slice(owner.as_slice());
    let inner: B256 = keccak256(buf);
    buf = [0u8; 64];
    buf[12..32].copy_from_slice(spender.as_slice());
    buf[32..].copy_from_slice(inner.as_slice());
    U256::from_be_bytes(keccak256(buf).0)
}

/// Runs one call to WPEAQ.
pub(crate) fn execute<CTX: ContextTr>(
    call: &mut PrecompileCall<'_, CTX>,
    input: &[u8],
    total_supply: U256,
) -> CallResult {
    call.charge_dispatch(input.len())?;
    let Some(selector) = input.get(..4) else {
        return deposit(call);
    };
    match <[u8; 4]>::try_from(selector).unwrap_or_default() {
        nameCall::SELECTOR => {
            call.require_no_value(false)?;
            Ok(nameCall::abi_encode_returns(&WPEAQ_NAME.to_owned()).into())
        }
        symbolCall::SELECTOR => {
            call.require_no_value(false)?;
            Ok(symbolCall::abi_encode_returns(&WPEAQ_SYMBOL.to_owned()).into())
        }
        decimalsCall::SELECTOR => {
            call.require_no_value(false)?;
            Ok(decimalsCall::abi_encode_returns(&WPEAQ_DECIMALS).into())
        }
        totalSupplyCall::SELECTOR => {
            call.require_no_value(false)?;
            Ok(totalSupplyCall::abi_encode_returns(&total_supply).into())
        }
        balanceOfCall::SELECTOR => {
            call.require_no_value(false)?;
            let c: balanceOfCall = decode_args(input)?;
            let balance = call.balance(c.account)?;
            Ok(balanceOfCall::abi_encode_returns(&balance).into())
        }
        allowanceCall::SELECTOR => {
            call.require_no_value(false)?;
            let c: allowanceCall = decode_args(input)?;
            let allowance = load_allowance(call, c.owner, c.spender)?;
            Ok(allowanceCall::abi_encode_returns(&allowance).into())
        }
        approveCall::SELECTOR => {
            call.require_mutating(false)?;
            let c: approveCall = decode_args(input)?;
            let slot = allowance_slot(call, call.caller, c.spender)?;
            call.sstore(WPEAQ_PRECOMPILE_ADDRESS, slot, c.value)?;
            let event = Approval {
                owner: call.caller,
                spender: c.spender,
                value: c.value,
            };
            call.emit(event.encode_log_data())?;
            Ok(approveCall::abi_encode_returns(&true).into())
        }
        transferCall::SELECTOR => {
            call.require_mutating(false)?;
            let c: transferCall = decode_args(input)?;
            move_balance(call, call.caller, c.to, c.value)?;
            Ok(transferCall::abi_encode_returns(&true).into())
        }
        transferFromCall::SELECTOR => {
            call.require_mutating(false)?;
            let c: transferFromCall = decode_args(input)?;
            if c.from != call.caller {
                spend_allowance(call, c.from, call.caller, c.value)?;
            }
            move_balance(call, c.from, c.to, c.value)?;
            Ok(transferFromCall::abi_encode_returns(&true).into())
        }
        depositCall::SELECTOR => deposit(call),
        withdrawCall::SELECTOR => {
            call.require_mutating(false)?;
            let c: withdrawCall = decode_args(input)?;
            if c.value > call.balance(call.caller)? {
                return Err(WPEAQ_WITHDRAW_TOO_MUCH.into());
            }
            call.emit(
                Withdrawal {
                    owner: call.caller,
                    value: c.value,
                }
                .encode_log_data(),
            )?;
            Ok(Bytes::new())
        }
        _ => Err(UNKNOWN_SELECTOR.into()),
    }
}

/// `deposit()`: refund the value to the caller and log it.
fn deposit<CTX: ContextTr>(call: &mut PrecompileCall<'_, CTX>) -> CallResult {
    call.require_mutating(true)?;
    let value = call.msg_value();
    if value.is_zero() {
        return Err(WPEAQ_ZERO_DEPOSIT.into());
    }
    if let CallValue::Transfer(moved) = call.value.clone() {
        call.transfer(call.target, call.caller, moved, BALANCE_OVERFLOW)?;
    }
    call.emit(
        Deposit {
            owner: call.caller,
            value,
        }
        .encode_log_data(),
    )?;
    Ok(Bytes::new())
}

/// Moves native balance and logs `Transfer`.
fn move_balance<CTX: ContextTr>(
    call: &mut PrecompileCall<'_, CTX>,
    from: Address,
    to: Address,
    value: U256,
) -> CallResult<()> {
    call.transfer(from, to, value, WPEAQ_INSUFFICIENT_BALANCE)?;
    call.emit(Transfer { from, to, value }.encode_log_data())
}

/// The allowance slot, charging its two hashes.
fn allowance_slot<CTX: ContextTr>(
    call: &mut PrecompileCall<'_, CTX>,
    owner: Address,
    spender: Address,
) -> CallResult<U256> {
    call.charge_keccak(64)?;
    call.charge_keccak(64)?;
    Ok(wpeaq_allowance_slot(owner, spender))
}

fn load_allowance<CTX: ContextTr>(
    call: &mut PrecompileCall<'_, CTX>,
    owner: Address,
    spender: Address,
) -> CallResult<U256> {
    let slot = allowance_slot(call, owner, spender)?;
    call.sload(WPEAQ_PRECOMPILE_ADDRESS, slot)
}

/// Checks and (unless infinite) decrements `spender`'s allowance over `owner`'s balance.
fn spend_allowance<CTX: ContextTr>(
    call: &mut PrecompileCall<'_, CTX>,
    owner: Address,
    spender: Address,
    value: U256,
) -> CallResult<()> {
    let slot = allowance_slot(call, owner, spender)?;
    let allowed = call.sload(WPEAQ_PRECOMPILE_ADDRESS, slot)?;
    if allowed == U256::MAX {
        return Ok(());
    }
    let Some(left) = allowed.checked_sub(value) else {
        return Err(if allowed.is_zero() {
            WPEAQ_SPENDER_NOT_ALLOWED.into()
        } else {
            WPEAQ_ALLOWANCE_EXCEEDED.into()
        });
    };
    call.sstore(WPEAQ_PRECOMPILE_ADDRESS, slot, left)
}
