//! The chain: state, blocks, receipts, time, snapshots. Single-threaded; the node keeps it behind
//! a mutex and runs RPC calls on it from one dedicated thread (`crate::node`).

mod codec;
mod exec;
mod history;
mod saved;
mod store;
#[cfg(test)]
mod store_tests;
#[cfg(test)]
mod tests;
mod trace;
pub mod types;

use std::{borrow::Cow, collections::BTreeMap};

use alloy::{
    consensus::{Header, Transaction, TxEnvelope, transaction::SignerRecoverable},
    eips::{
        Decodable2718, Typed2718,
        eip1559::BaseFeeParams,
        eip2930::{AccessList, AccessListItem},
    },
    primitives::{Address, B256, Bloom, Bytes, TxKind, U256, keccak256},
    rpc::types::{Filter, Log as RpcLog, TransactionRequest},
};
use revm::{
    DatabaseCommit,
    bytecode::Bytecode,
    context::{BlockEnv, TxEnv},
    context_interface::block::BlobExcessGasAndPrice,
    database::{CacheDB, EmptyDB},
    state::{AccountInfo, EvmState},
};
use serde::{Deserialize, Serialize};

use exec::{ExecEnv, intrinsic_gas, transact, transact_batch};
pub use exec::{SPEC, TxRejected};
use history::History;
pub use history::{DEFAULT_HISTORY_BLOCKS, HistoricDb, HistoryWindow};
use store::BlockStore;
pub use trace::{
    DEFAULT_TRACE_TIMEOUT, MAX_TRACE_BYTES, MAX_TRACE_TIMEOUT, TraceBounds, TraceError, TraceFrame,
    Tracer,
};
pub use types::{Outcome, StoredBlock, StoredReceipt, StoredTx};

use crate::precompiles::{PRECOMPILE_STUB_CODE, PeaqPrecompiles, decode_batch};
use peaqos_types::constants::{
    BATCH_PRECOMPILE_ADDRESS, DID_PRECOMPILE_ADDRESS, WPEAQ_PRECOMPILE_ADDRESS,
};

/// Fixed parameters of a chain.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChainConfig {
    /// EIP-155 chain id.
    pub chain_id: u64,
    /// Gas limit of every block.
    pub block_gas_limit: u64,
    /// Base fee of the genesis block, in wei.
    pub initial_base_fee: u64,
    /// Where priority fees go.
    pub coinbase: Address,
}

impl Default for ChainConfig {
    fn default() -> Self {
        Self {
            chain_id: peaqos_types::constants::LOCAL_CHAIN_ID,
            block_gas_limit: 30_000_000,
            initial_base_fee: 1_000_000_000,
            coinbase: Address::ZERO,
        }
    }
}

/// Everything that changes: what `--state` saves (its JSON form: `saved.rs`).
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "saved::SavedState")]
pub struct ChainState {
    /// The configuration the state was made with.
    pub config: ChainConfig,
    /// Accounts, code and storage (the precompiles' storage included).
    pub db: CacheDB<EmptyDB>,
    /// Sealed blocks from genesis with their transactions and receipts.
    store: BlockStore,
    /// Seconds added to the wall clock (`evm_increaseTime`).
    pub time_offset: i64,
    /// Timestamp of the next block (`evm_setNextBlockTimestamp`).
    pub next_timestamp: Option<u64>,
    /// Transactions executed into the open block, not sealed yet (interval mining).
    pub pending: Vec<StoredTx>,
    /// The open block's environment, when there are pending transactions (not saved).
    pending_env: Option<PendingEnv>,
}

#[derive(Debug, Clone)]
struct PendingEnv {
    number: u64,
    timestamp: u64,
    base_fee: u64,
    gas_used: u64,
}

/// The latest timestamp a block may have: `i64::MAX` seconds, so that every timestamp fits the
/// signed 64-bit integers indexers and databases store (a `BIGINT`, a Unix time).
pub const MAX_BLOCK_TIMESTAMP: u64 = i64::MAX as u64;

/// Bounds of one log query ([`Chain::logs`]).
#[derive(Debug, Clone, Copy)]
pub struct LogLimits {
    /// Most logs returned.
    pub results: usize,
    /// Most bytes of logs returned (data and topics as hex, plus the fixed fields).
    pub bytes: usize,
}

/// The chain.
#[derive(Debug)]
pub struct Chain {
    state: ChainState,
    snapshots: BTreeMap<u64, Snapshot>,
    next_snapshot: u64,
    /// Counts changes (see [`Chain::revision`]).
    revision: u64,
    /// What recent blocks overwrote, for state reads at older blocks.
    history: History,
}

/// What `evm_revert` goes back to: the height, and the state the history does not hold.
///
/// Blocks, transactions and logs only grow, so reverting truncates them to `height`; only the
/// account state is copied (revm's `CacheDB`: accounts, code and storage, not the history).
#[derive(Debug)]
struct Snapshot {
    height: u64,
    db: CacheDB<EmptyDB>,
    time_offset: i64,
    next_timestamp: Option<u64>,
}

/// Errors of chain queries and dev controls.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    /// The transaction was refused (nothing mined).
    #[error(transparent)]
    Rejected(#[from] TxRejected),
    /// The raw transaction could not be decoded or its signature recovered.
    #[error("invalid transaction: {0}")]
    Decode(String),
    /// A call or estimate reverted; `data` is the revert data.
    #[error("execution reverted{}", reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default())]
    Reverted {
        /// The decoded `Error(string)` reason, if any.
        reason: Option<String>,
        /// The revert data.
        data: Bytes,
    },
    /// A call or estimate halted (out of gas, invalid opcode, …).
    #[error("execution halted: {0}")]
    Halted(String),
    /// A method that runs on the latest state only (`eth_estimateGas`, `eth_createAccessList`)
    /// was asked for an older block.
    #[error("block {0}: this method runs on the latest state only")]
    LatestOnly(u64),
    /// A block older than the history window was asked for state (anvil's error and words).
    #[error("BlockOutOfRangeError: block height is {latest} but requested was {requested}")]
    StateOutOfRange {
        /// The latest block.
        latest: u64,
        /// The block asked for.
        requested: u64,
    },
    /// A block number past the latest block.
    #[error("block {0} not found")]
    BlockNotFound(u64),
    /// A block hash of no block.
    #[error("block not found")]
    UnknownBlockHash,
    /// The `blockHash` of a log filter names no block (geth's wording for `eth_getLogs`).
    #[error("unknown block")]
    FilterBlockNotFound,
    /// A timestamp past [`MAX_BLOCK_TIMESTAMP`] was asked for (directly, or as a time offset
    /// that would take the clock there), or the chain's clock has reached it.
    #[error("timestamp {0} is past the latest a block may have ({MAX_BLOCK_TIMESTAMP}, i64::MAX)")]
    TimestampTooLarge(u128),
    /// A log query would return more than its limits allow.
    #[error("query returned more than {0}")]
    LogsLimit(String),
    /// The timestamp asked for would not be after the latest block's.
    #[error("timestamp {requested} is not after the latest block's {latest}")]
    TimestampNotIncreasing {
        /// The timestamp asked for.
        requested: u64,
        /// The latest block's.
        latest: u64,
    },
}

impl Chain {
    /// A new chain whose genesis funds `alloc`. The precompile accounts get peaq's stub code.
    pub fn new(config: ChainConfig, alloc: &[(Address, U256)]) -> Self {
        let mut db = CacheDB::new(EmptyDB::default());
        for (address, balance) in alloc {
            db.insert_account_info(
                *address,
                AccountInfo {
                    balance: *balance,
                    ..Default::default()
                },
            );
        }
        for precompile in [
            DID_PRECOMPILE_ADDRESS,
            BATCH_PRECOMPILE_ADDRESS,
            WPEAQ_PRECOMPILE_ADDRESS,
        ] {
            let code = Bytecode::new_raw(Bytes::from_static(PRECOMPILE_STUB_CODE));
            db.insert_account_info(
                precompile,
                AccountInfo {
                    nonce: 1,
                    code_hash: code.hash_slow(),
                    code: Some(code),
                    ..Default::default()
                },
            );
        }
        let timestamp = now();
        let header = Header {
            number: 0,
            timestamp,
            gas_limit: config.block_gas_limit,
            base_fee_per_gas: Some(config.initial_base_fee),
            beneficiary: config.coinbase,
            blob_gas_used: Some(0),
            excess_blob_gas: Some(0),
            parent_beacon_block_root: Some(B256::ZERO),
            state_root: state_root_stub(0),
            ..Default::default()
        };
        let hash = header.hash_slow();
        let state = ChainState {
            config,
            db,
            store: BlockStore::new(StoredBlock {
                header,
                hash,
                transactions: Vec::new(),
            }),
            time_offset: 0,
            next_timestamp: None,
            pending: Vec::new(),
            pending_env: None,
        };
        Self {
            state,
            snapshots: BTreeMap::new(),
            next_snapshot: 1,
            revision: 0,
            history: History::new(HistoryWindow::default(), 0),
        }
    }

    /// Resumes from a saved state. Older states are not saved: reads go back to the block the
    /// state was saved at.
    pub fn from_state(state: ChainState) -> Self {
        let latest = state.store.latest().header.number;
        Self {
            state,
            snapshots: BTreeMap::new(),
            next_snapshot: 1,
            revision: 0,
            history: History::new(HistoryWindow::default(), latest),
        }
    }

    /// Sets how far back state reads may go (default [`DEFAULT_HISTORY_BLOCKS`] blocks).
    #[must_use]
    pub fn with_history(mut self, window: HistoryWindow) -> Self {
        let floor = self.block_number();
        let keep_floor = self.history.oldest(floor);
        self.history = History::new(window, keep_floor);
        self
    }

    /// How far back state reads may go.
    pub const fn history_window(&self) -> HistoryWindow {
        self.history.window()
    }

    /// The state (for saving). Pending transactions are sealed first.
    pub fn state(&mut self) -> &ChainState {
        self.seal_pending();
        &self.state
    }

    /// A copy of the state as [`Chain::state`] would save it, without sealing the open block
    /// here (the copy's is sealed): for periodic saves that must not change mining.
    pub fn saved_state(&self) -> ChainState {
        let mut copy = Self::from_state(self.state.clone());
        copy.seal_pending();
        copy.state
    }

    /// A number that changes whenever the chain does (a transaction, a block, a dev control):
    /// equal revisions mean nothing to save.
    pub const fn revision(&self) -> u64 {
        self.revision
    }

    /// The chain's configuration.
    pub fn config(&self) -> &ChainConfig {
        &self.state.config
    }

    // ------------------------------------------------------------------ blocks

    /// Number of the latest sealed block.
    pub fn block_number(&self) -> u64 {
        self.latest().header.number
    }

    /// Transactions executed into the open block, not sealed yet (interval mining; empty with
    /// automine).
    pub fn pending_txs(&self) -> &[StoredTx] {
        &self.state.pending
    }

    /// The latest sealed block.
    pub fn latest(&self) -> &StoredBlock {
        self.state.store.latest()
    }

    /// A block by number.
    pub fn block(&self, number: u64) -> Option<&StoredBlock> {
        self.state.store.block(number)
    }

    /// A block by hash.
    pub fn block_by_hash(&self, hash: &B256) -> Option<&StoredBlock> {
        self.state.store.number_of(hash).and_then(|n| self.block(n))
    }

    /// A mined transaction (with its receipt) by hash: borrowed from a recent block, decoded
    /// from an older one's compressed form.
    pub fn tx(&self, hash: &B256) -> Option<Cow<'_, StoredTx>> {
        self.state.store.tx(hash)
    }

    /// The transactions (with receipts) of block `number`, in order.
    pub fn block_txs(&self, number: u64) -> Option<Cow<'_, [StoredTx]>> {
        self.state.store.body(number)
    }

    /// Base fee the next block will have.
    pub fn next_base_fee(&self) -> u64 {
        if let Some(env) = &self.state.pending_env {
            return env.base_fee;
        }
        let parent = &self.latest().header;
        BaseFeeParams::ethereum().next_block_base_fee(
            parent.gas_used,
            parent.gas_limit,
            parent
                .base_fee_per_gas
                .unwrap_or(self.state.config.initial_base_fee),
        )
    }

    // ------------------------------------------------------------------ state reads

    /// The state as of `block` (a number; `None` = a hash of no block): the latest state, or
    /// an older one within the history window ([`ChainError::StateOutOfRange`] past it).
    pub fn state_at(&self, block: Option<u64>) -> Result<HistoricDb<'_>, ChainError> {
        let latest = self.block_number();
        let at = match block {
            None => return Err(ChainError::UnknownBlockHash),
            Some(n) if n > latest => return Err(ChainError::BlockNotFound(n)),
            Some(n) if n == latest => None,
            Some(n) if n < self.history.oldest(latest) => {
                return Err(ChainError::StateOutOfRange {
                    latest,
                    requested: n,
                });
            }
            Some(n) => Some(n),
        };
        Ok(HistoricDb {
            db: &self.state.db,
            history: &self.history,
            block: at,
        })
    }

    /// The block whose undo record a dev control's change goes to: the latest, as anvil,
    /// whose dev controls change the state of the latest block (a read at that block's number
    /// sees the change; one at an earlier block does not).
    fn changing_block(&self) -> u64 {
        self.block_number()
    }

    fn latest_state(&self) -> HistoricDb<'_> {
        HistoricDb {
            db: &self.state.db,
            history: &self.history,
            block: None,
        }
    }

    fn account(&self, address: Address) -> AccountInfo {
        self.latest_state().account(address)
    }

    /// Balance in wei.
    pub fn balance(&self, address: Address) -> U256 {
        self.latest_state().balance(address)
    }

    /// Next nonce (mined transactions only).
    pub fn nonce(&self, address: Address) -> u64 {
        self.latest_state().nonce(address)
    }

    /// Runtime code.
    pub fn code(&self, address: Address) -> Bytes {
        self.latest_state().code(address)
    }

    /// A storage slot.
    pub fn storage(&self, address: Address, slot: U256) -> U256 {
        self.latest_state().storage(address, slot)
    }

    // ------------------------------------------------------------------ execution

    fn env(&self, number: u64, timestamp: u64, base_fee: u64) -> ExecEnv {
        ExecEnv {
            chain_id: self.state.config.chain_id,
            block: BlockEnv {
                number: U256::from(number),
                beneficiary: self.state.config.coinbase,
                timestamp: U256::from(timestamp),
                gas_limit: self.state.config.block_gas_limit,
                basefee: base_fee,
                difficulty: U256::ZERO,
                prevrandao: Some(keccak256(number.to_be_bytes())),
                blob_excess_gas_and_price: Some(BlobExcessGasAndPrice::new(0, 3_338_477)),
                ..BlockEnv::default()
            },
        }
    }

    /// The environment of the block the next transaction goes into.
    fn pending_env(&mut self) -> Result<ExecEnv, ChainError> {
        if self.state.pending_env.is_none() {
            let number = self.block_number() + 1;
            let timestamp = self.next_block_timestamp();
            if timestamp > MAX_BLOCK_TIMESTAMP {
                return Err(ChainError::TimestampTooLarge(u128::from(timestamp)));
            }
            let base_fee = self.next_base_fee();
            self.state.pending_env = Some(PendingEnv {
                number,
                timestamp,
                base_fee,
                gas_used: 0,
            });
        }
        let (number, timestamp, base_fee) = self
            .state
            .pending_env
            .as_ref()
            .map_or((0, 0, 0), |p| (p.number, p.timestamp, p.base_fee));
        Ok(self.env(number, timestamp, base_fee))
    }

    /// Executes a call on the latest state (as `eth_call`): sender zero when absent, gas the
    /// block gas limit when absent, `input` (or `data`) as calldata; no `to` deploys it.
    ///
    /// With `pending` the call runs in the environment of the next block (number, timestamp,
    /// base fee), otherwise in the latest block's, as geth and anvil do for `latest`.
    pub fn call(&self, req: &TransactionRequest, pending: bool) -> Outcome {
        let env = if pending {
            self.next_env()
        } else {
            self.latest_env()
        };
        let gas = req.gas.unwrap_or(self.state.config.block_gas_limit);
        self.run_call(&self.state.db, &env, req, gas)
    }

    /// `eth_call` at block `number` (the latest or one within the history window): on the
    /// state as of that block, in its environment.
    pub fn call_at(&self, req: &TransactionRequest, number: u64) -> Result<Outcome, ChainError> {
        let state = self.state_at(Some(number))?;
        let header = &self
            .block(number)
            .ok_or(ChainError::BlockNotFound(number))?
            .header;
        let env = self.env(
            header.number,
            header.timestamp,
            header.base_fee_per_gas.unwrap_or_default(),
        );
        let gas = req.gas.unwrap_or(self.state.config.block_gas_limit);
        Ok(self.run_call(&state, &env, req, gas))
    }

    /// The environment of the latest sealed block.
    fn latest_env(&self) -> ExecEnv {
        let h = &self.latest().header;
        self.env(
            h.number,
            h.timestamp,
            h.base_fee_per_gas.unwrap_or_default(),
        )
    }

    /// The environment the next transaction will run in.
    fn next_env(&self) -> ExecEnv {
        self.env(
            self.block_number() + 1,
            self.next_block_timestamp(),
            self.next_base_fee(),
        )
    }

    fn run_call<DB: revm::DatabaseRef>(
        &self,
        db: &DB,
        env: &ExecEnv,
        req: &TransactionRequest,
        gas: u64,
    ) -> Outcome {
        let from = req.from.unwrap_or_default();
        let value = req.value.unwrap_or_default();
        let input = req.input.input().cloned().unwrap_or_default();
        let to = req.to.and_then(|kind| kind.to().copied());
        if to == Some(BATCH_PRECOMPILE_ADDRESS) {
            let intrinsic = intrinsic_gas(&input, false, 0, 0);
            if gas < intrinsic {
                return failed_outcome(gas, "out of gas");
            }
            return match decode_batch(&input) {
                Ok(batch) => match transact_batch(db, env, from, batch, value, gas, intrinsic) {
                    Ok((outcome, _)) => outcome,
                    Err(e) => failed_outcome(gas, &e.to_string()),
                },
                Err(e) => Outcome::failed(intrinsic, e.revert_data()),
            };
        }
        match transact(db, env, self.call_tx_env(db, req, gas), true) {
            Ok((outcome, _)) => outcome,
            Err(e) => failed_outcome(gas, &e.to_string()),
        }
    }

    /// revm's transaction for a call (`eth_call`, `eth_estimateGas`, `eth_createAccessList`).
    fn call_tx_env<DB: revm::DatabaseRef>(
        &self,
        db: &DB,
        req: &TransactionRequest,
        gas: u64,
    ) -> TxEnv {
        let from = req.from.unwrap_or_default();
        let to = req.to.and_then(|kind| kind.to().copied());
        TxEnv {
            caller: from,
            kind: to.map_or(TxKind::Create, TxKind::Call),
            value: req.value.unwrap_or_default(),
            data: req.input.input().cloned().unwrap_or_default(),
            gas_limit: gas,
            gas_price: 0,
            nonce: req.nonce.unwrap_or_else(|| {
                db.basic_ref(from)
                    .ok()
                    .flatten()
                    .map_or(0, |info| info.nonce)
            }),
            chain_id: Some(self.state.config.chain_id),
            access_list: req.access_list.clone().unwrap_or_default(),
            ..TxEnv::default()
        }
    }

    /// `eth_createAccessList`: the accounts and storage slots the call touches (as geth: not
    /// the sender, the recipient, precompiles or an untouched coinbase), and the gas the call
    /// uses with that list. Runs in the next block's environment, as `eth_estimateGas`.
    pub fn create_access_list(
        &self,
        req: &TransactionRequest,
    ) -> Result<(AccessList, u64), ChainError> {
        let env = self.next_env();
        let gas = req.gas.unwrap_or(self.state.config.block_gas_limit);
        let to = req.to.and_then(|kind| kind.to().copied());
        if to == Some(BATCH_PRECOMPILE_ADDRESS) {
            // The Batch executor runs its subcalls on its own journal; no list is needed.
            let outcome = self.run_call(&self.state.db, &env, req, gas);
            if !outcome.success {
                return Err(call_error(outcome));
            }
            return Ok((AccessList::default(), outcome.gas_used));
        }
        let tx = self.call_tx_env(&self.state.db, req, gas);
        let (outcome, state) =
            transact(&self.state.db, &env, tx.clone(), true).map_err(ChainError::from)?;
        if !outcome.success {
            return Err(call_error(outcome));
        }
        let from = tx.caller;
        let precompiles = PeaqPrecompiles::new(SPEC);
        let mut items: Vec<AccessListItem> = state
            .iter()
            .filter(|(address, account)| {
                **address != from
                    && Some(**address) != to
                    && !precompiles.is_precompile(address)
                    && !(**address == self.state.config.coinbase && account.storage.is_empty())
                    && outcome.contract_address != Some(**address)
            })
            .map(|(address, account)| {
                let mut keys: Vec<B256> = account.storage.keys().map(|k| B256::from(*k)).collect();
                keys.sort();
                AccessListItem {
                    address: *address,
                    storage_keys: keys,
                }
            })
            .collect();
        items.sort_by_key(|i| i.address);
        let list = AccessList(items);
        let with_list = TxEnv {
            access_list: list.clone(),
            ..tx
        };
        let (outcome, _) = transact(&self.state.db, &env, with_list, true)?;
        if !outcome.success {
            return Err(call_error(outcome));
        }
        Ok((list, outcome.gas_used))
    }

    /// `eth_estimateGas`: the smallest gas limit with which the call succeeds.
    ///
    /// Estimates run in the next block's environment: that is where the transaction will run
    /// (an event stamped "now" is not in the future there).
    pub fn estimate_gas(&self, req: &TransactionRequest) -> Result<u64, ChainError> {
        let env = self.next_env();
        let cap = req.gas.unwrap_or(self.state.config.block_gas_limit);
        let first = self.run_call(&self.state.db, &env, req, cap);
        if !first.success {
            return Err(call_error(first));
        }
        // Refunds and the 63/64 rule can make the needed limit exceed what was used.
        let mut lo = first.gas_used.saturating_sub(1);
        let mut hi = cap;
        let guess = first.gas_used.saturating_mul(64) / 63 + 2_300;
        if guess < hi && self.run_call(&self.state.db, &env, req, guess).success {
            hi = guess;
            if self
                .run_call(&self.state.db, &env, req, first.gas_used)
                .success
            {
                return Ok(first.gas_used);
            }
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if self.run_call(&self.state.db, &env, req, mid).success {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(hi)
    }

    /// `eth_sendRawTransaction`: validates, executes and (with automine) mines the transaction.
    pub fn send_raw_transaction(&mut self, raw: &[u8], automine: bool) -> Result<B256, ChainError> {
        let envelope = TxEnvelope::decode_2718(&mut &raw[..])
            .map_err(|e| ChainError::Decode(e.to_string()))?;
        let from = envelope
            .recover_signer()
            .map_err(|e| ChainError::Decode(e.to_string()))?;
        self.submit(envelope, from, automine)
    }

    /// Executes a transaction whose sender is already known (recovered from its signature, or
    /// an impersonated account's, whose signature is a placeholder) and, with automine, mines it.
    pub fn submit(
        &mut self,
        envelope: TxEnvelope,
        from: Address,
        automine: bool,
    ) -> Result<B256, ChainError> {
        let hash = *envelope.tx_hash();
        if self.state.store.contains_tx(&hash)
            || self
                .state
                .pending
                .iter()
                .any(|t| t.envelope.tx_hash() == &hash)
        {
            return Err(TxRejected::Invalid("already known".to_owned()).into());
        }
        if let Some(id) = envelope.chain_id()
            && id != self.state.config.chain_id
        {
            return Err(TxRejected::Invalid(format!(
                "invalid chain id: have {id}, want {}",
                self.state.config.chain_id
            ))
            .into());
        }
        let opened_block = self.state.pending_env.is_none();
        let env = self.pending_env()?;
        self.revision += 1;
        let base_fee = env.block.basefee;
        let executed = if envelope.to() == Some(BATCH_PRECOMPILE_ADDRESS) {
            self.execute_batch_tx(&envelope, from, &env)
        } else {
            transact(&self.state.db, &env, tx_env(&envelope, from), false)
                .map(|(outcome, state)| (outcome, Some(state)))
                .map_err(ChainError::from)
        };
        let (outcome, state) = match executed {
            Ok(done) => done,
            Err(e) => {
                // A refused transaction must not leave an empty block open (its timestamp would
                // go stale).
                if opened_block {
                    self.state.pending_env = None;
                }
                return Err(e);
            }
        };
        let block = env.block.number.saturating_to::<u64>();
        if let Some(state) = state {
            self.history.remember_commit(&self.state.db, block, &state);
            self.state.db.commit(state);
        }
        let price = effective_gas_price(&envelope, base_fee);
        if envelope.to() == Some(BATCH_PRECOMPILE_ADDRESS) {
            self.charge_batch_fee(from, &envelope, outcome.gas_used, price, base_fee);
        }
        self.record(envelope, from, outcome, price);
        if automine {
            self.seal_pending();
        }
        Ok(hash)
    }

    fn execute_batch_tx(
        &self,
        envelope: &TxEnvelope,
        from: Address,
        env: &ExecEnv,
    ) -> Result<(Outcome, Option<EvmState>), ChainError> {
        // The checks revm does for ordinary transactions.
        let access = envelope.access_list().map(|l| {
            (
                l.len() as u64,
                l.iter().map(|i| i.storage_keys.len() as u64).sum(),
            )
        });
        let (accounts, slots) = access.unwrap_or((0, 0));
        let intrinsic = intrinsic_gas(envelope.input(), false, accounts, slots);
        let expected = self.nonce(from);
        if envelope.nonce() < expected {
            return Err(TxRejected::Invalid(format!(
                "nonce too low: next nonce {expected}, tx nonce {}",
                envelope.nonce()
            ))
            .into());
        }
        if envelope.nonce() > expected {
            return Err(TxRejected::Invalid(format!(
                "nonce too high: next nonce {expected}, tx nonce {}",
                envelope.nonce()
            ))
            .into());
        }
        if envelope.gas_limit() < intrinsic {
            return Err(TxRejected::Invalid(format!(
                "intrinsic gas too low: have {}, want {intrinsic}",
                envelope.gas_limit()
            ))
            .into());
        }
        if envelope.gas_limit() > self.state.config.block_gas_limit {
            return Err(TxRejected::Invalid("exceeds block gas limit".to_owned()).into());
        }
        if envelope.max_fee_per_gas() < u128::from(env.block.basefee) {
            return Err(
                TxRejected::Invalid("max fee per gas less than block base fee".to_owned()).into(),
            );
        }
        let max_cost = U256::from(envelope.gas_limit()) * U256::from(envelope.max_fee_per_gas())
            + envelope.value();
        let balance = self.balance(from);
        if balance < max_cost {
            return Err(TxRejected::Invalid(format!(
                "insufficient funds for gas * price + value: have {balance} want {max_cost}"
            ))
            .into());
        }
        match decode_batch(envelope.input()) {
            Ok(batch) => Ok(transact_batch(
                &self.state.db,
                env,
                from,
                batch,
                envelope.value(),
                envelope.gas_limit(),
                intrinsic,
            )?),
            Err(e) => Ok((Outcome::failed(intrinsic, e.revert_data()), None)),
        }
    }

    /// A Batch transaction ran with a zero gas price: bump the nonce and take the fee here.
    fn charge_batch_fee(
        &mut self,
        from: Address,
        envelope: &TxEnvelope,
        gas_used: u64,
        price: u128,
        base_fee: u64,
    ) {
        let coinbase = self.state.config.coinbase;
        // Part of the transaction, so of the open block.
        let block = self.block_number() + 1;
        self.history.remember_account(&self.state.db, block, from);
        self.history
            .remember_account(&self.state.db, block, coinbase);
        BatchFee::new(gas_used, price, base_fee).apply(
            &mut self.state.db,
            from,
            coinbase,
            envelope.nonce(),
        );
    }

    fn record(&mut self, envelope: TxEnvelope, from: Address, outcome: Outcome, price: u128) {
        let Some(pending) = self.state.pending_env.as_mut() else {
            return;
        };
        pending.gas_used += outcome.gas_used;
        let cumulative = pending.gas_used;
        let first_log_index = self
            .state
            .pending
            .iter()
            .map(|t| t.receipt.logs.len() as u64)
            .sum();
        let mut bloom = Bloom::default();
        for log in &outcome.logs {
            bloom.accrue_log(log);
        }
        let contract_address = if envelope.to().is_none() && outcome.success {
            outcome.contract_address
        } else {
            None
        };
        let index = self.state.pending.len() as u64;
        self.state.pending.push(StoredTx {
            envelope,
            from,
            block_number: pending.number,
            block_hash: B256::ZERO,
            index,
            receipt: StoredReceipt {
                success: outcome.success,
                gas_used: outcome.gas_used,
                cumulative_gas_used: cumulative,
                effective_gas_price: price,
                contract_address,
                logs: outcome.logs,
                first_log_index,
                logs_bloom: bloom,
            },
        });
    }

    /// Seals the open block, if any transactions are pending.
    pub fn seal_pending(&mut self) {
        if self.state.pending_env.is_some() {
            self.seal(None);
        }
    }

    /// Mines one block (empty if nothing is pending), optionally at `timestamp`.
    pub fn mine(&mut self, timestamp: Option<u64>) -> Result<(), ChainError> {
        if let Some(ts) = timestamp {
            self.set_next_block_timestamp(ts)?;
        }
        if self.state.pending_env.is_none() {
            self.pending_env()?;
        }
        self.seal(timestamp);
        Ok(())
    }

    fn seal(&mut self, timestamp: Option<u64>) {
        let Some(p) = self.state.pending_env.take() else {
            return;
        };
        self.revision += 1;
        let parent = self.latest().clone();
        let mut txs = std::mem::take(&mut self.state.pending);
        let mut bloom = Bloom::default();
        for tx in &txs {
            bloom.accrue_bloom(&tx.receipt.logs_bloom);
        }
        let tx_hashes: Vec<B256> = txs.iter().map(|t| *t.envelope.tx_hash()).collect();
        let header = Header {
            parent_hash: parent.hash,
            number: p.number,
            timestamp: timestamp.unwrap_or(p.timestamp),
            gas_limit: self.state.config.block_gas_limit,
            gas_used: p.gas_used,
            base_fee_per_gas: Some(p.base_fee),
            beneficiary: self.state.config.coinbase,
            logs_bloom: bloom,
            transactions_root: list_root(&tx_hashes),
            receipts_root: list_root(
                &txs.iter()
                    .map(|t| keccak256(t.envelope.tx_hash().as_slice()))
                    .collect::<Vec<_>>(),
            ),
            state_root: state_root_stub(p.number),
            mix_hash: keccak256(p.number.to_be_bytes()),
            blob_gas_used: Some(0),
            excess_blob_gas: Some(0),
            parent_beacon_block_root: Some(B256::ZERO),
            ..Default::default()
        };
        let hash = header.hash_slow();
        for tx in &mut txs {
            tx.block_hash = hash;
        }
        self.history.prune(p.number);
        self.state.store.push(
            StoredBlock {
                header,
                hash,
                transactions: tx_hashes,
            },
            txs,
        );
        self.state.next_timestamp = None;
    }

    // ------------------------------------------------------------------ time

    /// Timestamp the next block gets: strictly after the latest one.
    pub fn next_block_timestamp(&self) -> u64 {
        if let Some(env) = &self.state.pending_env {
            return env.timestamp;
        }
        let latest = self.latest().header.timestamp;
        if let Some(ts) = self.state.next_timestamp {
            return ts.max(latest + 1);
        }
        let clock = now().saturating_add_signed(self.state.time_offset);
        clock.max(latest + 1)
    }

    /// `evm_increaseTime`: moves the clock forward; returns the total offset in seconds.
    /// Refused when the clock would pass [`MAX_BLOCK_TIMESTAMP`].
    pub fn increase_time(&mut self, seconds: u64) -> Result<i64, ChainError> {
        let offset = i64::try_from(seconds)
            .ok()
            .and_then(|s| self.state.time_offset.checked_add(s));
        let clock = offset.map(|o| i128::from(now()) + i128::from(o));
        let (Some(offset), Some(clock)) = (offset, clock) else {
            return Err(ChainError::TimestampTooLarge(
                u128::from(now()) + u128::from(seconds),
            ));
        };
        if clock > i128::from(i64::MAX) {
            return Err(ChainError::TimestampTooLarge(clock.unsigned_abs()));
        }
        self.revision += 1;
        self.state.time_offset = offset;
        Ok(offset)
    }

    /// `evm_setNextBlockTimestamp`.
    pub fn set_next_block_timestamp(&mut self, timestamp: u64) -> Result<(), ChainError> {
        if timestamp > MAX_BLOCK_TIMESTAMP {
            return Err(ChainError::TimestampTooLarge(u128::from(timestamp)));
        }
        let latest = self.latest().header.timestamp;
        if timestamp <= latest {
            return Err(ChainError::TimestampNotIncreasing {
                requested: timestamp,
                latest,
            });
        }
        self.revision += 1;
        self.state.next_timestamp = Some(timestamp);
        // Later blocks continue from the new time.
        self.state.time_offset =
            i64::try_from(timestamp).unwrap_or(i64::MAX) - i64::try_from(now()).unwrap_or(0);
        Ok(())
    }

    // ------------------------------------------------------------------ dev controls

    /// `evm_snapshot`: returns the snapshot id. Pending transactions are sealed first.
    pub fn snapshot(&mut self) -> u64 {
        self.revision += 1;
        self.seal_pending();
        let id = self.next_snapshot;
        self.next_snapshot += 1;
        let snapshot = Snapshot {
            height: self.block_number(),
            db: self.state.db.clone(),
            time_offset: self.state.time_offset,
            next_timestamp: self.state.next_timestamp,
        };
        self.snapshots.insert(id, snapshot);
        id
    }

    /// `evm_revert`: goes back to snapshot `id` (dropping it and later ones): later blocks,
    /// their transactions and anything pending are dropped, the state and clock restored.
    pub fn revert(&mut self, id: u64) -> bool {
        let Some(snapshot) = self.snapshots.remove(&id) else {
            return false;
        };
        self.revision += 1;
        self.snapshots.retain(|k, _| *k < id);
        let state = &mut self.state;
        state.store.truncate(snapshot.height);
        state.pending.clear();
        state.pending_env = None;
        state.db = snapshot.db;
        self.history.truncate(snapshot.height);
        state.time_offset = snapshot.time_offset;
        state.next_timestamp = snapshot.next_timestamp;
        true
    }

    fn remember_account(&mut self, address: Address) {
        let block = self.changing_block();
        self.history
            .remember_account(&self.state.db, block, address);
    }

    /// Sets an account's balance.
    pub fn set_balance(&mut self, address: Address, balance: U256) {
        self.revision += 1;
        self.remember_account(address);
        // `insert_account_info`, not `load_account`: an account loaded as not existing would
        // keep reading as empty.
        let mut info = self.account(address);
        info.balance = balance;
        self.state.db.insert_account_info(address, info);
    }

    /// Sets an account's code (`anvil_setCode`).
    pub fn set_code(&mut self, address: Address, code: Bytes) {
        self.revision += 1;
        let code = Bytecode::new_raw(code);
        self.remember_account(address);
        let mut info = self.account(address);
        info.code_hash = code.hash_slow();
        info.code = Some(code);
        self.state.db.insert_account_info(address, info);
    }

    /// Sets an account's nonce.
    pub fn set_nonce(&mut self, address: Address, nonce: u64) {
        self.revision += 1;
        self.remember_account(address);
        let mut info = self.account(address);
        info.nonce = nonce;
        self.state.db.insert_account_info(address, info);
    }

    /// Sets a storage slot.
    pub fn set_storage(&mut self, address: Address, slot: U256, value: U256) {
        self.revision += 1;
        let block = self.changing_block();
        self.history
            .remember_slot(&self.state.db, block, address, slot);
        let _ = self.state.db.insert_account_storage(address, slot, value);
    }

    // ------------------------------------------------------------------ logs

    /// Logs of blocks `from..=to` matching `filter`'s addresses and topics (its block range is
    /// the caller's: `from` / `to`), with their block, transaction and log index; refused
    /// ([`ChainError::LogsLimit`]) past `limits`.
    ///
    /// A block whose bloom rules the filter out is skipped; of an older (compressed) block only
    /// the logs are read, not its transactions.
    pub fn logs(
        &self,
        from: u64,
        to: u64,
        filter: &Filter,
        limits: LogLimits,
    ) -> Result<Vec<RpcLog>, ChainError> {
        // The JSON of a log without its data and topics (addresses, hashes, numbers, keys).
        const LOG_FIXED_BYTES: usize = 400;
        let mut out = Vec::new();
        let mut bytes = 0usize;
        let mut buf = Vec::new();
        let to = to.min(self.block_number());
        for number in from..=to {
            let Some(block) = self.block(number) else {
                break;
            };
            if block.transactions.is_empty() || !filter.matches_bloom(block.header.logs_bloom) {
                continue;
            }
            self.state
                .store
                .visit_logs(number, &mut buf, |tx_index, log_index, log| {
                    if !filter.matches_address(log.address) || !filter.matches_topics(log.topics) {
                        return Ok(());
                    }
                    if out.len() >= limits.results {
                        return Err(ChainError::LogsLimit(format!("{} results", limits.results)));
                    }
                    bytes += LOG_FIXED_BYTES + 2 * log.data.len() + 68 * log.topics.len();
                    if bytes > limits.bytes {
                        return Err(ChainError::LogsLimit(format!("{} bytes", limits.bytes)));
                    }
                    out.push(RpcLog {
                        inner: log.to_log(),
                        block_hash: Some(block.hash),
                        block_number: Some(number),
                        block_timestamp: None,
                        transaction_hash: block.transactions.get(tx_index).copied(),
                        transaction_index: Some(tx_index as u64),
                        log_index: Some(log_index),
                        removed: false,
                    });
                    Ok(())
                })?;
        }
        Ok(out)
    }
}

/// What a Batch transaction pays, taken after its subcalls ran at a zero gas price (also when
/// a trace replays it).
struct BatchFee {
    fee: U256,
    tip: U256,
}

impl BatchFee {
    fn new(gas_used: u64, price: u128, base_fee: u64) -> Self {
        Self {
            fee: U256::from(gas_used) * U256::from(price),
            tip: U256::from(gas_used) * U256::from(price.saturating_sub(u128::from(base_fee))),
        }
    }

    /// Takes the fee from `from`, sets its nonce past `nonce`, pays the tip to `coinbase`.
    fn apply<DB: revm::DatabaseRef<Error = std::convert::Infallible>>(
        &self,
        db: &mut CacheDB<DB>,
        from: Address,
        coinbase: Address,
        nonce: u64,
    ) {
        let Ok(account) = db.load_account(from);
        account.info.balance = account.info.balance.saturating_sub(self.fee);
        account.info.nonce = nonce + 1;
        if !self.tip.is_zero() {
            let Ok(account) = db.load_account(coinbase);
            account.info.balance += self.tip;
        }
    }
}

/// Builds revm's transaction from a signed one.
fn tx_env(envelope: &TxEnvelope, from: Address) -> TxEnv {
    TxEnv {
        tx_type: envelope.ty(),
        caller: from,
        gas_limit: envelope.gas_limit(),
        gas_price: envelope.max_fee_per_gas(),
        kind: envelope.kind(),
        value: envelope.value(),
        data: envelope.input().clone(),
        nonce: envelope.nonce(),
        chain_id: envelope.chain_id(),
        access_list: envelope.access_list().cloned().unwrap_or_default(),
        gas_priority_fee: envelope.max_priority_fee_per_gas(),
        ..TxEnv::default()
    }
}

fn effective_gas_price(envelope: &TxEnvelope, base_fee: u64) -> u128 {
    envelope.effective_gas_price(Some(base_fee))
}

fn failed_outcome(gas: u64, reason: &str) -> Outcome {
    Outcome::halted(gas, reason)
}

/// The error a failed call or estimate reports.
pub fn call_error(outcome: Outcome) -> ChainError {
    match outcome.halt {
        Some(reason) => ChainError::Halted(reason),
        None => ChainError::Reverted {
            reason: decode_error_string(&outcome.output),
            data: outcome.output,
        },
    }
}

/// Decodes `Error(string)` revert data.
pub fn decode_error_string(data: &[u8]) -> Option<String> {
    use alloy::sol_types::{Revert, SolError};
    Revert::abi_decode(data).ok().map(|r| r.reason)
}

/// A commitment over a list of hashes (not a Merkle-Patricia root: nothing here verifies it).
fn list_root(hashes: &[B256]) -> B256 {
    if hashes.is_empty() {
        return alloy::consensus::EMPTY_ROOT_HASH;
    }
    let mut buf = Vec::with_capacity(hashes.len() * 32);
    for h in hashes {
        buf.extend_from_slice(h.as_slice());
    }
    keccak256(buf)
}

/// The devnet keeps no state trie; blocks carry a deterministic placeholder root.
fn state_root_stub(number: u64) -> B256 {
    keccak256([b"peaqos-devnet-state".as_slice(), &number.to_be_bytes()].concat())
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
