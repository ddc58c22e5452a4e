//! Tracing (`debug_traceTransaction`, `debug_traceCall`) with revm-inspectors' `TracingInspector`
//! and its geth builders: the default struct logger and the call tracer.
//!
//! A mined transaction is traced by replaying its block: the state as of the parent block (the
//! history window's undo records, [`Chain::state_at`]), the block's earlier transactions
//! executed on it as they were mined, then the transaction itself with the tracer watching.
//!
//! A transaction to the Batch precompile runs at transaction level ([`super::exec`]), so its
//! trace is put together here: the top frame is the call from the sender to `0x…0805` (input,
//! gas, the receipt's gas used, the revert data and reason when it failed) and each subcall,
//! traced on the batch's journal, is a child frame of its own (`from` = the sender, its `gas`
//! the subcall's limit, its `gasUsed` without the overhead the batch adds); the `SubcallSucceeded`
//! / `SubcallFailed` logs are the top frame's. Struct logs of a batch are its subcalls' steps one
//! after the other, one level deeper (the precompile itself runs no opcodes).
//!
//! Bounds: the recorded trace is estimated as it grows (each step's JSON: its fixed fields, the
//! stack, memory and storage it would print) and the run stops at [`TraceBounds::max_bytes`];
//! a run stops at [`TraceBounds::timeout`] too (geth's `timeout` option). The replay of the
//! earlier transactions of the block is bounded by the block's gas.

use std::{
    collections::{HashMap, HashSet},
    time::{Duration, Instant},
};

use alloy::{
    consensus::Transaction,
    primitives::{Address, B256, Bytes, U256},
    rpc::types::{
        TransactionRequest,
        trace::geth::{
            CallConfig, CallFrame, CallLogFrame, DefaultFrame, GethDefaultTracingOptions,
        },
    },
    sol_types::SolEvent,
};
use peaqos_contracts::bindings::BatchPrecompile::{SubcallFailed, SubcallSucceeded};
use peaqos_types::constants::BATCH_PRECOMPILE_ADDRESS;
use revm::{
    DatabaseCommit, DatabaseRef, InspectEvm, Inspector,
    bytecode::opcode,
    context::TxEnv,
    context_interface::{ContextError, ContextTr},
    database::CacheDB,
    inspector::JournalExt,
    interpreter::{
        CallInputs, CallOutcome, CreateInputs, CreateOutcome, Interpreter,
        interpreter_types::{Jumps, LoopControl, MemoryTr},
    },
    primitives::Log,
};
use revm_inspectors::tracing::{
    GethTraceBuilder, TraceLimitBehavior, TraceLimits, TracingInspector, TracingInspectorConfig,
};

use super::{
    Chain, ChainError, HistoricDb, Outcome, StoredTx,
    exec::{self, BatchTx, ExecEnv, intrinsic_gas},
    tx_env,
};
use crate::precompiles::decode_batch;

/// Default of geth's `timeout` option: 5 s.
pub const DEFAULT_TRACE_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest `timeout` a trace may ask for: the chain thread answers nothing else meanwhile.
pub const MAX_TRACE_TIMEOUT: Duration = Duration::from_secs(60);
/// Most bytes one trace may print (estimated while recording): the response limit of
/// `eth_getLogs` and of a batch (geth's `BatchResponseMaxSize`).
pub const MAX_TRACE_BYTES: usize = 25_000_000;

/// The geth tracer asked for.
#[derive(Debug, Clone)]
pub enum Tracer {
    /// The default struct logger (`{}`, `disableStack`, `enableMemory`, …).
    StructLogs(GethDefaultTracingOptions),
    /// `callTracer` (`onlyTopCall`, `withLog`).
    Calls(CallConfig),
}

/// What one trace may cost.
#[derive(Debug, Clone, Copy)]
pub struct TraceBounds {
    /// Run time of the traced execution.
    pub timeout: Duration,
    /// Estimated size of the printed trace.
    pub max_bytes: usize,
}

impl Default for TraceBounds {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TRACE_TIMEOUT,
            max_bytes: MAX_TRACE_BYTES,
        }
    }
}

/// A trace, as geth prints it.
#[derive(Debug, Clone)]
pub enum TraceFrame {
    /// The struct logger's result.
    StructLogs(DefaultFrame),
    /// The call tracer's result.
    Calls(Box<CallFrame>),
}

/// Why a trace could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    /// The chain refused (unknown block, state outside the history window, …).
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// No mined transaction has this hash.
    #[error("transaction {0} not found")]
    TxNotFound(B256),
    /// The trace would print more than [`TraceBounds::max_bytes`].
    #[error("trace larger than {0} bytes")]
    TooLarge(usize),
    /// The traced execution ran past [`TraceBounds::timeout`] (geth's words).
    #[error("execution timeout")]
    Timeout,
}

impl Chain {
    /// `debug_traceTransaction`: replays the transaction's block up to it on the parent
    /// block's state and traces it.
    pub fn trace_transaction(
        &self,
        hash: &B256,
        tracer: &Tracer,
        bounds: TraceBounds,
    ) -> Result<TraceFrame, TraceError> {
        let tx = self.tx(hash).ok_or(TraceError::TxNotFound(*hash))?;
        let block = self
            .block(tx.block_number)
            .ok_or(ChainError::BlockNotFound(tx.block_number))?;
        let parent = self.state_at(Some(tx.block_number.saturating_sub(1)))?;
        let env = self.env(
            block.header.number,
            block.header.timestamp,
            block.header.base_fee_per_gas.unwrap_or_default(),
        );
        let mut db = CacheDB::new(parent);
        let before = usize::try_from(tx.index).unwrap_or(usize::MAX);
        // One decode of the block's body (older blocks are stored compressed).
        let body = self
            .block_txs(tx.block_number)
            .ok_or(ChainError::BlockNotFound(tx.block_number))?;
        for earlier in body.iter().take(before) {
            self.replay(&mut db, &env, earlier)?;
        }
        let mut run = TraceRun::new(tracer, bounds);
        let outcome = if tx.envelope.to() == Some(BATCH_PRECOMPILE_ADDRESS) {
            let call = self.batch_tx_of(&tx);
            match decode_batch(tx.envelope.input()) {
                Ok(batch) => run.batch(&db, &env, BatchTx { batch, ..call }, tx.envelope.input()),
                Err(e) => Ok(run.batch_refused(&call, tx.envelope.input(), e.revert_data())),
            }
        } else {
            run.evm(&db, &env, tx_env(&tx.envelope, tx.from), false)
        }?;
        Ok(run.finish(outcome, tx.receipt.gas_used))
    }

    /// `debug_traceCall`: traces a call (as `eth_call`) on the state as of block `number` (the
    /// latest, or one within the history window), in that block's environment; `pending` runs
    /// it in the next block's, on the latest state.
    pub fn trace_call(
        &self,
        req: &TransactionRequest,
        number: u64,
        pending: bool,
        tracer: &Tracer,
        bounds: TraceBounds,
    ) -> Result<TraceFrame, TraceError> {
        let state = self.state_at(Some(number))?;
        let env = if pending {
            self.next_env()
        } else {
            let header = &self
                .block(number)
                .ok_or(ChainError::BlockNotFound(number))?
                .header;
            self.env(
                header.number,
                header.timestamp,
                header.base_fee_per_gas.unwrap_or_default(),
            )
        };
        let gas = req.gas.unwrap_or(self.state.config.block_gas_limit);
        let mut run = TraceRun::new(tracer, bounds);
        let to = req.to.and_then(|kind| kind.to().copied());
        let outcome = if to == Some(BATCH_PRECOMPILE_ADDRESS) {
            let input = req.input.input().cloned().unwrap_or_default();
            let call = BatchTx {
                sender: req.from.unwrap_or_default(),
                batch: crate::precompiles::BatchCall {
                    mode: crate::precompiles::BatchMode::All,
                    calls: Vec::new(),
                },
                value: req.value.unwrap_or_default(),
                gas_limit: gas,
                intrinsic: intrinsic_gas(&input, false, 0, 0),
            };
            if gas < call.intrinsic {
                return Err(ChainError::Halted("out of gas".to_owned()).into());
            }
            match decode_batch(&input) {
                Ok(batch) => run.batch(&state, &env, BatchTx { batch, ..call }, &input),
                Err(e) => Ok(run.batch_refused(&call, &input, e.revert_data())),
            }
        } else {
            run.evm(&state, &env, self.call_tx_env(&state, req, gas), true)
        }?;
        let gas_used = match &outcome {
            Recorded::Evm { outcome, .. } | Recorded::Batch { outcome, .. } => outcome.gas_used,
        };
        Ok(run.finish(outcome, gas_used))
    }

    /// The Batch parameters of a mined transaction to `0x…0805` (subcalls left empty).
    fn batch_tx_of(&self, tx: &StoredTx) -> BatchTx {
        let envelope = &tx.envelope;
        let (accounts, slots) = envelope.access_list().map_or((0, 0), |l| {
            (
                l.len() as u64,
                l.iter().map(|i| i.storage_keys.len() as u64).sum(),
            )
        });
        BatchTx {
            sender: tx.from,
            batch: crate::precompiles::BatchCall {
                mode: crate::precompiles::BatchMode::All,
                calls: Vec::new(),
            },
            value: envelope.value(),
            gas_limit: envelope.gas_limit(),
            intrinsic: intrinsic_gas(envelope.input(), false, accounts, slots),
        }
    }

    /// Executes a mined transaction again on `db`, with the state effects `submit` had.
    fn replay(
        &self,
        db: &mut CacheDB<HistoricDb<'_>>,
        env: &ExecEnv,
        tx: &StoredTx,
    ) -> Result<(), ChainError> {
        let envelope = &tx.envelope;
        if envelope.to() != Some(BATCH_PRECOMPILE_ADDRESS) {
            let (_, state) = exec::transact(&*db, env, tx_env(envelope, tx.from), false)?;
            db.commit(state);
            return Ok(());
        }
        let call = self.batch_tx_of(tx);
        let outcome = match decode_batch(envelope.input()) {
            Ok(batch) => {
                let (outcome, state) = exec::transact_batch(
                    &*db,
                    env,
                    call.sender,
                    batch,
                    call.value,
                    call.gas_limit,
                    call.intrinsic,
                )?;
                if let Some(state) = state {
                    db.commit(state);
                }
                outcome
            }
            Err(_) => Outcome::failed(call.intrinsic, Bytes::new()),
        };
        let price = envelope.effective_gas_price(Some(env.block.basefee));
        let coinbase = self.state.config.coinbase;
        let fee = super::BatchFee::new(outcome.gas_used, price, env.block.basefee);
        fee.apply(db, tx.from, coinbase, envelope.nonce());
        Ok(())
    }
}

/// One traced execution: the tracer, its bounds, and what was recorded.
struct TraceRun<'t> {
    tracer: &'t Tracer,
    bounds: TraceBounds,
    started: Instant,
}

/// What a traced execution produced.
enum Recorded {
    /// An ordinary transaction or call: one arena.
    Evm {
        traces: TracingInspector,
        outcome: Outcome,
    },
    /// A call to the Batch precompile.
    Batch {
        top: BatchTop,
        subcalls: Vec<SubcallRecord>,
        outcome: Outcome,
    },
}

/// The top frame of a Batch call.
struct BatchTop {
    sender: Address,
    input: Bytes,
    value: U256,
    gas_limit: u64,
}

/// One subcall of a traced batch.
struct SubcallRecord {
    to: Address,
    input: Bytes,
    value: U256,
    /// The gas the subcall had (its limit, or all that remained).
    gas: u64,
    /// Its trace, or why it did not run.
    run: Result<(TracingInspector, u64, bool), String>,
}

impl<'t> TraceRun<'t> {
    fn new(tracer: &'t Tracer, bounds: TraceBounds) -> Self {
        Self {
            tracer,
            bounds,
            started: Instant::now(),
        }
    }

    fn inspector(&self) -> BoundedTracer {
        let config = match self.tracer {
            Tracer::StructLogs(opts) => TracingInspectorConfig::from_geth_config(opts),
            Tracer::Calls(config) => TracingInspectorConfig::from_geth_call_config(config),
        };
        let (stack, memory, storage) = match self.tracer {
            Tracer::StructLogs(opts) => (
                !opts.disable_stack.unwrap_or_default(),
                opts.enable_memory.unwrap_or_default(),
                !opts.disable_storage.unwrap_or_default(),
            ),
            Tracer::Calls(_) => (false, false, false),
        };
        BoundedTracer {
            inner: recording(config, self.bounds.max_bytes),
            config,
            recorded: 0,
            steps: matches!(self.tracer, Tracer::StructLogs(_)),
            stack,
            memory,
            storage,
            slots: HashMap::new(),
            bytes: 0,
            max_bytes: self.bounds.max_bytes,
            deadline: self.started + self.bounds.timeout,
            skipped_step: false,
            stopped: None,
            counter: 0,
        }
    }

    /// Traces an ordinary transaction or call.
    fn evm<DB: DatabaseRef>(
        &mut self,
        db: &DB,
        env: &ExecEnv,
        tx: TxEnv,
        call: bool,
    ) -> Result<Recorded, TraceError> {
        let inspector = self.inspector();
        let (result, tracer) = exec::inspect(db, env, tx, call, inspector);
        // A stopped run fails: the reason is the tracer's.
        tracer.check()?;
        let (outcome, _) = result.map_err(ChainError::from)?;
        Ok(Recorded::Evm {
            traces: tracer.inner,
            outcome,
        })
    }

    /// Traces a call to the Batch precompile, subcall by subcall.
    fn batch<DB: DatabaseRef>(
        &mut self,
        db: &DB,
        env: &ExecEnv,
        call: BatchTx,
        input: &[u8],
    ) -> Result<Recorded, TraceError> {
        let top = BatchTop {
            sender: call.sender,
            input: Bytes::copy_from_slice(input),
            value: call.value,
            gas_limit: call.gas_limit,
        };
        let calls = call.batch.calls.clone();
        let mut subcalls: Vec<SubcallRecord> = Vec::new();
        let mut failure: Option<TraceError> = None;
        let inspector = self.inspector();
        let result = exec::transact_batch_with(db, env, call, inspector, |evm, index, tx, fits| {
            let sub = calls.get(index)?;
            let gas = tx
                .gas_limit
                .saturating_sub(intrinsic_gas(&tx.data, false, 0, 0));
            let mut record = SubcallRecord {
                to: sub.to,
                input: sub.data.clone(),
                value: sub.value,
                gas,
                run: Err("out of gas".to_owned()),
            };
            if !fits || failure.is_some() {
                subcalls.push(record);
                return None;
            }
            let intrinsic = tx.gas_limit - gas;
            let result = evm.inspect_one_tx(tx);
            let fresh = evm.inspector.fresh();
            let tracer = std::mem::replace(&mut evm.inspector, fresh);
            if let Err(e) = tracer.check() {
                failure = Some(e);
                subcalls.push(record);
                return None;
            }
            let result = match result {
                Ok(result) => result,
                Err(e) => {
                    record.run = Err(e.to_string());
                    subcalls.push(record);
                    return None;
                }
            };
            let used = result.tx_gas_used().saturating_sub(intrinsic);
            record.run = Ok((tracer.inner, used, result.is_success()));
            subcalls.push(record);
            Some(result)
        });
        if let Some(e) = failure {
            return Err(e);
        }
        let (outcome, _) = result.map_err(ChainError::from)?;
        Ok(Recorded::Batch {
            top,
            subcalls,
            outcome,
        })
    }

    /// A call to `0x…0805` refused before any subcall (undecodable input).
    fn batch_refused(&self, call: &BatchTx, input: &[u8], revert: Bytes) -> Recorded {
        Recorded::Batch {
            top: BatchTop {
                sender: call.sender,
                input: Bytes::copy_from_slice(input),
                value: call.value,
                gas_limit: call.gas_limit,
            },
            subcalls: Vec::new(),
            outcome: Outcome::failed(call.intrinsic, revert),
        }
    }

    /// The geth frame of what was recorded; `gas_used` is the receipt's.
    fn finish(&self, recorded: Recorded, gas_used: u64) -> TraceFrame {
        match (self.tracer, recorded) {
            (Tracer::StructLogs(opts), Recorded::Evm { traces, outcome }) => {
                TraceFrame::StructLogs(
                    GethTraceBuilder::new_borrowed(traces.traces().nodes()).geth_traces(
                        gas_used,
                        outcome.output,
                        *opts,
                    ),
                )
            }
            (Tracer::Calls(config), Recorded::Evm { traces, .. }) => TraceFrame::Calls(Box::new(
                GethTraceBuilder::new_borrowed(traces.traces().nodes())
                    .geth_call_traces(*config, gas_used),
            )),
            (
                Tracer::StructLogs(opts),
                Recorded::Batch {
                    subcalls, outcome, ..
                },
            ) => TraceFrame::StructLogs(batch_struct_logs(opts, &subcalls, outcome, gas_used)),
            (
                Tracer::Calls(config),
                Recorded::Batch {
                    top,
                    subcalls,
                    outcome,
                },
            ) => TraceFrame::Calls(Box::new(batch_call_frame(
                config, top, subcalls, &outcome, gas_used,
            ))),
        }
    }
}

/// The struct logs of a batch: each subcall's steps, one level deeper.
fn batch_struct_logs(
    opts: &GethDefaultTracingOptions,
    subcalls: &[SubcallRecord],
    outcome: Outcome,
    gas_used: u64,
) -> DefaultFrame {
    let limit = opts.limit.filter(|l| *l != 0);
    let mut struct_logs = Vec::new();
    for sub in subcalls {
        let Ok((traces, used, _)) = &sub.run else {
            continue;
        };
        let frame = GethTraceBuilder::new_borrowed(traces.traces().nodes()).geth_traces(
            *used,
            Bytes::new(),
            *opts,
        );
        for mut log in frame.struct_logs {
            if limit.is_some_and(|l| struct_logs.len() as u64 >= l) {
                break;
            }
            log.depth += 1;
            struct_logs.push(log);
        }
    }
    DefaultFrame {
        failed: !outcome.success,
        gas: gas_used,
        return_value: outcome.output,
        struct_logs,
        ..DefaultFrame::default()
    }
}

/// The call frame of a batch: the call to `0x…0805` with a child frame per subcall.
fn batch_call_frame(
    config: &CallConfig,
    top: BatchTop,
    subcalls: Vec<SubcallRecord>,
    outcome: &Outcome,
    gas_used: u64,
) -> CallFrame {
    let with_log = config.with_log.unwrap_or_default();
    let mut frame = CallFrame {
        from: top.sender,
        to: Some(BATCH_PRECOMPILE_ADDRESS),
        input: top.input,
        value: Some(top.value),
        gas: U256::from(top.gas_limit),
        gas_used: U256::from(gas_used),
        typ: "CALL".to_owned(),
        ..CallFrame::default()
    };
    if !outcome.output.is_empty() {
        frame.output = Some(outcome.output.clone());
    }
    if !outcome.success {
        frame.error = Some(
            outcome
                .halt
                .clone()
                .map_or_else(|| "execution reverted".to_owned(), halt_words),
        );
        frame.revert_reason = super::decode_error_string(&outcome.output);
    }
    if config.only_top_call.unwrap_or_default() {
        return frame;
    }
    for (index, sub) in subcalls.into_iter().enumerate() {
        let (child, ok) = match sub.run {
            Ok((traces, used, ok)) => {
                let mut child = GethTraceBuilder::new_borrowed(traces.traces().nodes())
                    .geth_call_traces(*config, used);
                child.gas = U256::from(sub.gas);
                (child, ok)
            }
            Err(reason) => (
                CallFrame {
                    from: top.sender,
                    to: Some(sub.to),
                    input: sub.input,
                    value: Some(sub.value),
                    gas: U256::from(sub.gas),
                    typ: "CALL".to_owned(),
                    error: Some(reason),
                    ..CallFrame::default()
                },
                false,
            ),
        };
        frame.calls.push(child);
        if with_log && outcome.success {
            let data = if ok {
                SubcallSucceeded {
                    index: U256::from(index),
                }
                .encode_log_data()
            } else {
                SubcallFailed {
                    index: U256::from(index),
                }
                .encode_log_data()
            };
            frame.logs.push(CallLogFrame {
                address: Some(BATCH_PRECOMPILE_ADDRESS),
                topics: Some(data.topics().to_vec()),
                data: Some(data.data),
                position: Some(index as u64 + 1),
                index: None,
            });
        }
    }
    if with_log {
        let mut next = 0;
        number_logs(&mut frame, &mut next);
    }
    frame
}

/// Gives every log its index in the transaction, in execution order (a log at position `p`
/// comes after the frame's first `p` child calls).
fn number_logs(frame: &mut CallFrame, next: &mut u64) {
    let mut logs: Vec<usize> = (0..frame.logs.len()).collect();
    logs.sort_by_key(|i| frame.logs[*i].position.unwrap_or_default());
    let mut pending = logs.into_iter().peekable();
    for child in 0..=frame.calls.len() {
        while let Some(&i) = pending.peek() {
            if frame.logs[i].position.unwrap_or_default() > child as u64 {
                break;
            }
            frame.logs[i].index = Some(*next);
            *next += 1;
            pending.next();
        }
        if let Some(call) = frame.calls.get_mut(child) {
            number_logs(call, next);
        }
    }
}

/// geth's words for why a frame halted.
fn halt_words(reason: String) -> String {
    if reason.contains("OutOfGas") || reason == "out of gas" {
        "out of gas".to_owned()
    } else {
        reason
    }
}

/// Why a bounded trace stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    TooLarge,
    Timeout,
}

/// revm-inspectors' `TracingInspector`, stopped when its printed trace would pass a size or
/// its run a deadline (the run halts: nothing more is recorded or executed).
#[derive(Debug)]
struct BoundedTracer {
    inner: TracingInspector,
    config: TracingInspectorConfig,
    /// Bytes the inspectors of earlier subcalls recorded (inputs, memory snapshots).
    recorded: usize,
    /// Whether opcode steps are recorded (the struct logger).
    steps: bool,
    stack: bool,
    memory: bool,
    storage: bool,
    /// Storage slots seen per account: the struct logger prints them at each SLOAD / SSTORE.
    slots: HashMap<Address, HashSet<U256>>,
    /// Estimated bytes of the printed trace so far.
    bytes: usize,
    max_bytes: usize,
    deadline: Instant,
    /// The current step was not handed to `inner` (its `step_end` must not be either).
    skipped_step: bool,
    stopped: Option<Stop>,
    counter: u64,
}

/// A `TracingInspector` that halts the run once it has recorded `max_bytes` of inputs and
/// memory snapshots.
fn recording(config: TracingInspectorConfig, max_bytes: usize) -> TracingInspector {
    let limits = TraceLimits::default()
        .set_max_recorded_bytes(Some(max_bytes))
        .set_behavior(TraceLimitBehavior::Halt);
    TracingInspector::new(config).with_limits(limits)
}

/// Printed bytes of a struct log without its stack, memory and storage.
const STEP_FIXED_BYTES: usize = 96;
/// Printed bytes of one storage entry (two 32-byte words in hex, quoted).
const STORAGE_ENTRY_BYTES: usize = 140;
/// Printed bytes of one 32-byte memory word (hex, quoted).
const MEMORY_WORD_BYTES: usize = 67;

impl BoundedTracer {
    /// A tracer with the same configuration and bounds, nothing recorded (the next subcall).
    fn fresh(&self) -> Self {
        // What the earlier subcalls recorded counts against the same budget.
        let recorded = self.recorded + self.inner.recorded_bytes();
        Self {
            inner: recording(self.config, self.max_bytes.saturating_sub(recorded)),
            config: self.config,
            recorded,
            steps: self.steps,
            stack: self.stack,
            memory: self.memory,
            storage: self.storage,
            slots: self.slots.clone(),
            bytes: self.bytes,
            max_bytes: self.max_bytes,
            deadline: self.deadline,
            skipped_step: false,
            stopped: self.stopped,
            counter: self.counter,
        }
    }

    fn check(&self) -> Result<(), TraceError> {
        match self.stopped {
            Some(Stop::Timeout) => Err(TraceError::Timeout),
            Some(Stop::TooLarge) => Err(TraceError::TooLarge(self.max_bytes)),
            None if self.inner.limit_exceeded() => Err(TraceError::TooLarge(self.max_bytes)),
            None => Ok(()),
        }
    }

    /// The estimated printed size of the step about to run.
    fn step_bytes(&mut self, interp: &Interpreter, address: Address) -> usize {
        let mut bytes = STEP_FIXED_BYTES;
        if self.stack {
            bytes += interp
                .stack
                .data()
                .iter()
                .map(|v| 5 + v.bit_len().div_ceil(4))
                .sum::<usize>();
        }
        if self.memory {
            bytes += interp.memory.size() / 32 * MEMORY_WORD_BYTES;
        }
        let op = interp.bytecode.opcode();
        if self.storage && (op == opcode::SLOAD || op == opcode::SSTORE) {
            let seen = self.slots.entry(address).or_default();
            if let Some(key) = interp.stack.data().last() {
                seen.insert(*key);
            }
            bytes += seen.len() * STORAGE_ENTRY_BYTES;
        }
        bytes
    }

    fn stop<CTX: ContextTr>(&mut self, why: Stop, interp: &mut Interpreter, context: &mut CTX) {
        self.stopped = Some(why);
        let message = match why {
            Stop::TooLarge => "trace too large",
            Stop::Timeout => "execution timeout",
        };
        *context.error() = Err(ContextError::Custom(message.to_owned()));
        interp.bytecode.action().take();
        interp.bytecode.reset_action();
        interp.halt_fatal();
    }
}

impl<CTX> Inspector<CTX> for BoundedTracer
where
    CTX: ContextTr<Journal: JournalExt>,
{
    fn initialize_interp(&mut self, interp: &mut Interpreter, context: &mut CTX) {
        self.inner.initialize_interp(interp, context);
    }

    fn step(&mut self, interp: &mut Interpreter, context: &mut CTX) {
        self.counter += 1;
        // Checking the clock every step would cost more than the step.
        if self.counter.is_multiple_of(1024) && Instant::now() > self.deadline {
            self.skipped_step = true;
            self.stop(Stop::Timeout, interp, context);
            return;
        }
        if self.steps {
            let address = interp.input.target_address;
            self.bytes += self.step_bytes(interp, address);
            if self.bytes > self.max_bytes {
                self.skipped_step = true;
                self.stop(Stop::TooLarge, interp, context);
                return;
            }
        }
        self.skipped_step = false;
        self.inner.step(interp, context);
    }

    fn step_end(&mut self, interp: &mut Interpreter, context: &mut CTX) {
        if !self.skipped_step {
            self.inner.step_end(interp, context);
        }
    }

    fn log(&mut self, context: &mut CTX, log: Log) {
        self.inner.log(context, log);
    }

    fn log_full(&mut self, interp: &mut Interpreter, context: &mut CTX, log: Log) {
        self.inner.log_full(interp, context, log);
    }

    fn call(&mut self, context: &mut CTX, inputs: &mut CallInputs) -> Option<CallOutcome> {
        self.inner.call(context, inputs)
    }

    fn call_end(&mut self, context: &mut CTX, inputs: &CallInputs, outcome: &mut CallOutcome) {
        self.inner.call_end(context, inputs, outcome);
    }

    fn create(&mut self, context: &mut CTX, inputs: &mut CreateInputs) -> Option<CreateOutcome> {
        self.inner.create(context, inputs)
    }

    fn create_end(
        &mut self,
        context: &mut CTX,
        inputs: &CreateInputs,
        outcome: &mut CreateOutcome,
    ) {
        self.inner.create_end(context, inputs, outcome);
    }

    fn selfdestruct(&mut self, contract: Address, target: Address, value: U256) {
        <TracingInspector as Inspector<CTX>>::selfdestruct(
            &mut self.inner,
            contract,
            target,
            value,
        );
    }
}
