//! Running transactions and calls on revm, with peaq's precompiles, and the native executor of
//! the Batch precompile.
//!
//! Batch cannot be a revm precompile: its subcalls run with `msg.sender` = the transaction's
//! sender, which a precompile cannot arrange. peaq only lets EOAs call it, so a top-level call to
//! `0x…0805` is executed here, subcall by subcall on one journal (`transact_one`), and a nested
//! call to it is refused by the precompile provider.

use alloy::primitives::{Address, Bytes, U256};
use revm::{
    Database, ExecuteEvm, InspectEvm, MainBuilder, MainContext,
    context::{BlockEnv, CfgEnv, Context, Evm, TxEnv},
    context_interface::{
        cfg::gas::calculate_initial_tx_gas,
        result::{EVMError, ExecutionResult, InvalidTransaction, Output},
    },
    database::{CacheDB, EmptyDB, WrapDatabaseRef},
    handler::{EthFrame, MainnetContext, instructions::EthInstructions},
    interpreter::interpreter::EthInterpreter,
    primitives::{TxKind, hardfork::SpecId},
    state::EvmState,
};

use crate::{
    chain::types::Outcome,
    precompiles::{
        BatchCall, BatchMode, NOT_CALLABLE_BY_CONTRACTS, NOT_PAYABLE, PeaqPrecompiles,
        revert_string, subcall_failed_log, subcall_succeeded_log,
    },
};

/// The hard fork the devnet runs.
pub const SPEC: SpecId = SpecId::CANCUN;

/// Gas a Batch subcall costs on top of its own execution: the call (as a cold CALL) and its
/// `SubcallSucceeded` / `SubcallFailed` log (375 + 375 topic + 32 data bytes × 8).
const SUBCALL_OVERHEAD: u64 = 2_600 + 1_006;

/// The state every execution reads: the chain's latest state.
pub(crate) type StateDb = CacheDB<EmptyDB>;

/// A transaction the node refused before executing it (nothing is mined).
#[derive(Debug, thiserror::Error)]
pub enum TxRejected {
    /// The transaction is invalid for the current state (nonce, funds, fees, gas).
    #[error("{0}")]
    Invalid(String),
}

/// The execution environment of one block.
#[derive(Debug, Clone)]
pub(crate) struct ExecEnv {
    pub(crate) chain_id: u64,
    pub(crate) block: BlockEnv,
}

impl ExecEnv {
    fn cfg(&self, call: bool) -> CfgEnv {
        let mut cfg = CfgEnv::new_with_spec(SPEC);
        cfg.chain_id = self.chain_id;
        cfg.disable_block_gas_limit = false;
        if call {
            // eth_call / eth_estimateGas: no fees, any sender, any nonce.
            cfg.disable_nonce_check = true;
            cfg.disable_base_fee = true;
            cfg.disable_balance_check = true;
            cfg.disable_eip3607 = true;
        }
        cfg
    }
}

/// Executes `tx` on `db` without committing; returns the outcome and the state changes.
pub(crate) fn transact<DB: revm::DatabaseRef>(
    db: &DB,
    env: &ExecEnv,
    tx: TxEnv,
    call: bool,
) -> Result<(Outcome, EvmState), TxRejected> {
    let mut evm = Context::mainnet()
        .with_ref_db(db)
        .with_cfg(env.cfg(call))
        .with_block(env.block.clone())
        .build_mainnet()
        .with_precompiles(PeaqPrecompiles::new(SPEC));
    let result = evm.transact(tx).map_err(rejected)?;
    Ok((outcome(result.result), result.state))
}

/// [`transact`] with `inspector` watching (a tracer); the inspector is returned whatever the
/// outcome (an inspector may have stopped the run, which then fails).
#[allow(clippy::type_complexity)]
pub(crate) fn inspect<'a, DB, I>(
    db: &'a DB,
    env: &ExecEnv,
    tx: TxEnv,
    call: bool,
    inspector: I,
) -> (Result<(Outcome, EvmState), TxRejected>, I)
where
    DB: revm::DatabaseRef,
    I: revm::Inspector<RefContext<'a, DB>>,
{
    let mut evm = Context::mainnet()
        .with_ref_db(db)
        .with_cfg(env.cfg(call))
        .with_block(env.block.clone())
        .build_mainnet_with_inspector(inspector)
        .with_precompiles(PeaqPrecompiles::new(SPEC));
    let result = evm
        .inspect_tx(tx)
        .map(|r| (outcome(r.result), r.state))
        .map_err(rejected);
    (result, evm.inspector)
}

/// Executes a top-level call to the Batch precompile from `sender` on `db` without committing.
///
/// `gas_limit` is the outer transaction's; `intrinsic` the outer intrinsic gas already charged.
/// The returned state has the subcalls' changes only: the caller fixes the sender's nonce and
/// charges the fee.
pub(crate) fn transact_batch<DB: revm::DatabaseRef>(
    db: &DB,
    env: &ExecEnv,
    sender: Address,
    batch: BatchCall,
    value: U256,
    gas_limit: u64,
    intrinsic: u64,
) -> Result<(Outcome, Option<EvmState>), TxRejected> {
    let call = BatchTx {
        sender,
        batch,
        value,
        gas_limit,
        intrinsic,
    };
    transact_batch_with(db, env, call, (), |evm, _, tx, fits| {
        fits.then(|| evm.transact_one(tx).ok()).flatten()
    })
}

/// The revm context every execution here builds, over a borrowed state.
pub(crate) type RefContext<'a, DB> = MainnetContext<WrapDatabaseRef<&'a DB>>;

/// revm with peaq's precompiles over a borrowed state, with inspector `I`.
pub(crate) type PeaqEvm<'a, DB, I> = Evm<
    RefContext<'a, DB>,
    I,
    EthInstructions<EthInterpreter, RefContext<'a, DB>>,
    PeaqPrecompiles,
    EthFrame<EthInterpreter>,
>;

/// A top-level call to the Batch precompile (see [`transact_batch`]).
pub(crate) struct BatchTx {
    pub(crate) sender: Address,
    pub(crate) batch: BatchCall,
    pub(crate) value: U256,
    /// The outer transaction's gas limit.
    pub(crate) gas_limit: u64,
    /// The outer intrinsic gas, already charged.
    pub(crate) intrinsic: u64,
}

/// [`transact_batch`] with an inspector: `run(evm, index, tx, fits)` executes subcall `index`
/// (as `transact_one`, or `inspect_one_tx` when tracing) when `fits` (its gas limit is within
/// what remains; else it is not run); `None` counts as a failed subcall.
pub(crate) fn transact_batch_with<'a, DB, I>(
    db: &'a DB,
    env: &ExecEnv,
    call: BatchTx,
    inspector: I,
    mut run: impl FnMut(&mut PeaqEvm<'a, DB, I>, usize, TxEnv, bool) -> Option<ExecutionResult>,
) -> Result<(Outcome, Option<EvmState>), TxRejected>
where
    DB: revm::DatabaseRef,
{
    let BatchTx {
        sender,
        batch,
        value,
        gas_limit,
        intrinsic,
    } = call;
    let fail = |gas_used: u64, output: Bytes| Ok((Outcome::failed(gas_used, output), None));
    if !value.is_zero() {
        return fail(intrinsic, revert_string(NOT_PAYABLE));
    }
    let mut ref_db = WrapDatabaseRef(db);
    let sender_info = ref_db
        .basic(sender)
        .map_err(|e| TxRejected::Invalid(e.to_string()))?;
    if sender_info
        .as_ref()
        .is_some_and(|info| !info.is_empty_code_hash())
    {
        return fail(intrinsic, revert_string(NOT_CALLABLE_BY_CONTRACTS));
    }

    let mut cfg = env.cfg(false);
    cfg.disable_nonce_check = true;
    cfg.disable_base_fee = true;
    cfg.disable_block_gas_limit = true;
    cfg.disable_eip3607 = true;
    let mut evm = Context::mainnet()
        .with_ref_db(db)
        .with_cfg(cfg)
        .with_block(env.block.clone())
        .build_mainnet_with_inspector(inspector)
        .with_precompiles(PeaqPrecompiles::new(SPEC));

    let mut used = intrinsic;
    let mut logs = Vec::new();
    for (index, call) in batch.calls.into_iter().enumerate() {
        let remaining = gas_limit.saturating_sub(used);
        if remaining < SUBCALL_OVERHEAD {
            // Not even the log fits: the whole transaction is out of gas.
            return fail(gas_limit, Bytes::new());
        }
        let available = remaining - SUBCALL_OVERHEAD;
        let limit = if call.gas_limit == 0 {
            available
        } else {
            call.gas_limit
        };
        let sub_intrinsic =
            calculate_initial_tx_gas(SPEC, &call.data, false, 0, 0, 0, None).initial_regular_gas;
        let tx = TxEnv {
            caller: sender,
            kind: TxKind::Call(call.to),
            value: call.value,
            data: call.data,
            gas_limit: sub_intrinsic + limit.min(available),
            gas_price: 0,
            chain_id: Some(env.chain_id),
            ..TxEnv::default()
        };
        // A subcall asking for more gas than remains is not run; an invalid one (e.g. value
        // above the balance) counts as a failed one.
        let result = run(&mut evm, index, tx, limit <= available);
        let (ok, sub_used, output, sub_logs) = match result {
            Some(r) => {
                let sub_used = r.tx_gas_used().saturating_sub(sub_intrinsic);
                let ok = r.is_success();
                let output = r.output().cloned().unwrap_or_default();
                (ok, sub_used, output, r.into_logs())
            }
            None => (false, 0, Bytes::new(), Vec::new()),
        };
        used += sub_used + SUBCALL_OVERHEAD;
        if ok {
            logs.extend(sub_logs);
            logs.push(subcall_succeeded_log(index));
            continue;
        }
        match batch.mode {
            BatchMode::All => return fail(used.min(gas_limit), output),
            BatchMode::Some => logs.push(subcall_failed_log(index)),
            BatchMode::SomeUntilFailure => {
                logs.push(subcall_failed_log(index));
                break;
            }
        }
    }
    let mut state = evm.finalize();
    // Each subcall ran as a transaction of the sender: undo their nonce bumps.
    if let (Some(account), Some(info)) = (state.get_mut(&sender), sender_info) {
        account.info.nonce = info.nonce;
    }
    Ok((
        Outcome {
            success: true,
            gas_used: used.min(gas_limit),
            output: Bytes::new(),
            logs,
            contract_address: None,
            halt: None,
        },
        Some(state),
    ))
}

/// Intrinsic gas of a transaction (21000 + calldata + access list; creation extra).
pub(crate) fn intrinsic_gas(
    input: &[u8],
    create: bool,
    access_accounts: u64,
    access_slots: u64,
) -> u64 {
    calculate_initial_tx_gas(SPEC, input, create, access_accounts, access_slots, 0, None)
        .initial_regular_gas
}

pub(super) fn outcome(result: ExecutionResult) -> Outcome {
    let gas_used = result.tx_gas_used();
    match result {
        ExecutionResult::Success { logs, output, .. } => {
            let (output, contract_address) = match output {
                Output::Call(bytes) => (bytes, None),
                Output::Create(bytes, address) => (bytes, address),
            };
            Outcome {
                success: true,
                gas_used,
                output,
                logs,
                contract_address,
                halt: None,
            }
        }
        ExecutionResult::Revert { output, .. } => Outcome::failed(gas_used, output),
        ExecutionResult::Halt { reason, .. } => Outcome::halted(gas_used, format!("{reason:?}")),
    }
}

/// Turns revm's validation errors into the messages geth and anvil use (clients match them).
fn rejected<E: std::fmt::Display>(err: EVMError<E, InvalidTransaction>) -> TxRejected {
    let msg = match err {
        EVMError::Transaction(tx) => match tx {
            InvalidTransaction::NonceTooLow { tx, state } => {
                format!("nonce too low: next nonce {state}, tx nonce {tx}")
            }
            InvalidTransaction::NonceTooHigh { tx, state } => {
                format!("nonce too high: next nonce {state}, tx nonce {tx}")
            }
            InvalidTransaction::LackOfFundForMaxFee { fee, balance } => {
                format!("insufficient funds for gas * price + value: have {balance} want {fee}")
            }
            InvalidTransaction::GasPriceLessThanBasefee => {
                "max fee per gas less than block base fee".to_owned()
            }
            InvalidTransaction::CallGasCostMoreThanGasLimit {
                initial_gas,
                gas_limit,
            } => {
                format!("intrinsic gas too low: have {gas_limit}, want {initial_gas}")
            }
            InvalidTransaction::CallerGasLimitMoreThanBlock => "exceeds block gas limit".to_owned(),
            InvalidTransaction::PriorityFeeGreaterThanMaxFee => {
                "max priority fee per gas higher than max fee per gas".to_owned()
            }
            InvalidTransaction::RejectCallerWithCode => "sender not an eoa".to_owned(),
            other => other.to_string(),
        },
        other => other.to_string(),
    };
    TxRejected::Invalid(msg)
}
