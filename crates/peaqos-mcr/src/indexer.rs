//! The indexer: follows the chain from the start block, `confirmations` behind the head, and
//! writes what the peaqOS contracts and the DID precompile log into the [`Store`].
//!
//! One step covers at most `max_block_range` blocks: `eth_getLogs` over every watched address,
//! the headers of the blocks with logs (their hashes must match the logs', else the chain moved
//! and the step is retried), the full event structs through `getEvents` (checked against the
//! `EventSubmitted` logs), then one database transaction with the data and the new checkpoint.
//! Before each step the checkpoint's hash is compared with the chain's; when it differs, the
//! newest stored block that is still canonical is found and everything above it is rolled back.

use std::{
    collections::{BTreeMap, BTreeSet, HashMap},
    sync::{
        Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use alloy::{
    primitives::{Address, B256, U256, keccak256},
    rpc::types::Log,
    sol_types::SolEvent,
};
use peaqos_contracts::bindings::{
    AdminFlags, DIDPrecompile, EventRegistry, IdentityRegistry, IdentityStaking, MachineNFT,
};
use peaqos_service::redact_urls_in;
use peaqos_types::ContractAddresses;
use tokio::sync::watch;

use crate::{
    Error, Result,
    chain::Chain,
    store::{
        Batch, BlockRef, DidChange, MachineChange, NewMachine, NftMint, NftTransfer,
        STATUS_REACTIVATED, Store, StoredEvent,
    },
};

/// `getEvents` returns at most this many events per call (the contract's `MAX_QUERY_LIMIT`).
const EVENTS_PER_CALL: u64 = 100;
/// `eth_call`s per JSON-RPC batch request.
const CALLS_PER_BATCH: usize = 50;
/// Stored blocks compared per round while looking for the fork point.
const FORK_SEARCH_ROUND: u32 = 64;
/// The longest pause between retries of a failing step.
pub const MAX_BACKOFF: Duration = Duration::from_secs(5);

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// What the indexer has done, shared with the API (`/ready`, `/metrics`, the cache).
#[derive(Debug)]
pub struct IndexerStatus {
    indexed: watch::Sender<Option<u64>>,
    head: AtomicU64,
    synced: AtomicBool,
    last_ok_ms: AtomicU64,
    last_step_ms: AtomicU64,
    failures_in_a_row: AtomicU64,
    reorgs: AtomicU64,
    events: AtomicU64,
    errors: AtomicU64,
    steps: AtomicU64,
    last_error: Mutex<Option<String>>,
    /// machine id → the indexed block at which its data last changed.
    changed: Mutex<HashMap<u64, u64>>,
    /// Whole-cache invalidations (another process wrote: see [`crate::leader`]).
    invalidations: AtomicU64,
    leader: crate::leader::LeaderStatus,
}

impl Default for IndexerStatus {
    fn default() -> Self {
        Self {
            indexed: watch::Sender::new(None),
            head: AtomicU64::new(0),
            synced: AtomicBool::new(false),
            last_ok_ms: AtomicU64::new(0),
            last_step_ms: AtomicU64::new(0),
            failures_in_a_row: AtomicU64::new(0),
            reorgs: AtomicU64::new(0),
            events: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            steps: AtomicU64::new(0),
            last_error: Mutex::new(None),
            changed: Mutex::new(HashMap::new()),
            invalidations: AtomicU64::new(0),
            leader: crate::leader::LeaderStatus::default(),
        }
    }
}

impl IndexerStatus {
    /// The last indexed block.
    pub fn indexed_block(&self) -> Option<u64> {
        *self.indexed.borrow()
    }

    /// A receiver of the indexed block.
    pub fn subscribe(&self) -> watch::Receiver<Option<u64>> {
        self.indexed.subscribe()
    }

    /// The chain head at the last poll.
    pub fn head_block(&self) -> u64 {
        self.head.load(Ordering::Relaxed)
    }

    /// Blocks between the head and the indexed block.
    pub fn lag_blocks(&self) -> u64 {
        let head = self.head_block();
        self.indexed_block()
            .map_or(head, |i| head.saturating_sub(i))
    }

    /// Whether the indexer has caught up with the chain (head − confirmations) at least once.
    pub fn synced(&self) -> bool {
        self.synced.load(Ordering::Relaxed)
    }

    /// Time since the last successful chain poll (`None` before the first).
    pub fn since_last_poll(&self) -> Option<Duration> {
        match self.last_ok_ms.load(Ordering::Relaxed) {
            0 => None,
            t => Some(Duration::from_millis(now_millis().saturating_sub(t))),
        }
    }

    /// Time since the last step that completed (chain read and store write; `None` before
    /// the first).
    pub fn since_last_step(&self) -> Option<Duration> {
        match self.last_step_ms.load(Ordering::Relaxed) {
            0 => None,
            t => Some(Duration::from_millis(now_millis().saturating_sub(t))),
        }
    }

    /// Failed steps since the last one that completed.
    pub fn consecutive_failures(&self) -> u64 {
        self.failures_in_a_row.load(Ordering::Relaxed)
    }

    /// Blocks between head − `confirmations` and the indexed block.
    pub fn lag_behind_target(&self, confirmations: u64) -> u64 {
        let target = self.head_block().saturating_sub(confirmations);
        self.indexed_block()
            .map_or(target, |i| target.saturating_sub(i))
    }

    /// Whether the indexer keeps up: fewer than `max_failures` failed steps in a row and at
    /// most `max_lag` blocks behind head − `confirmations`. (Before the first catch-up,
    /// [`IndexerStatus::synced`] is what matters.)
    pub fn healthy(&self, max_failures: u32, max_lag: u64, confirmations: u64) -> bool {
        self.consecutive_failures() < u64::from(max_failures)
            && self.lag_behind_target(confirmations) <= max_lag
    }

    /// Reorgs rolled back.
    pub fn reorgs(&self) -> u64 {
        self.reorgs.load(Ordering::Relaxed)
    }

    /// Events written since start.
    pub fn events_indexed(&self) -> u64 {
        self.events.load(Ordering::Relaxed)
    }

    /// Failed steps since start (each is retried).
    pub fn errors(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// Steps committed since start.
    pub fn steps(&self) -> u64 {
        self.steps.load(Ordering::Relaxed)
    }

    /// The last step error, if any.
    pub fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }

    /// The indexed block at which `machine_id`'s data last changed, if it did since start.
    pub fn changed_at(&self, machine_id: u64) -> Option<u64> {
        self.changed
            .lock()
            .ok()
            .and_then(|m| m.get(&machine_id).copied())
    }

    fn mark_changed(&self, machines: impl IntoIterator<Item = u64>, at: u64) {
        if let Ok(mut m) = self.changed.lock() {
            for id in machines {
                m.insert(id, at);
            }
        }
    }

    /// How many rollbacks and invalidations happened: anything derived from the store before
    /// the last one is stale.
    pub fn generation(&self) -> u64 {
        self.reorgs.load(Ordering::Acquire) + self.invalidations.load(Ordering::Acquire)
    }

    /// Who leads the indexer (replicas on PostgreSQL).
    pub const fn leader(&self) -> &crate::leader::LeaderStatus {
        &self.leader
    }

    /// Makes everything derived from the store so far stale (another process changed it).
    pub(crate) fn invalidate(&self) {
        self.invalidations.fetch_add(1, Ordering::AcqRel);
    }

    /// A follow pass succeeded: what the database and the chain say.
    pub(crate) fn followed(&self, indexed: Option<u64>, head: Option<u64>) {
        let now = now_millis();
        if let Some(head) = head {
            self.head.store(head, Ordering::Relaxed);
            self.last_ok_ms.store(now, Ordering::Relaxed);
        }
        self.last_step_ms.store(now, Ordering::Relaxed);
        self.failures_in_a_row.store(0, Ordering::Relaxed);
        if indexed != self.indexed_block() {
            self.set_indexed(indexed);
        }
        // Caught up: the leader indexes up to head − confirmations; "synced" here means the
        // database has been indexed at least once (the lag is judged by `healthy`).
        if indexed.is_some() {
            self.synced.store(true, Ordering::Relaxed);
        }
    }

    /// A follow pass failed.
    pub(crate) fn follow_failed(&self, e: &Error) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        self.failures_in_a_row.fetch_add(1, Ordering::Relaxed);
        let text = redact_urls_in(&e.to_string());
        tracing::warn!(code = e.code(), "following the database failed: {text}");
        if let Ok(mut last) = self.last_error.lock() {
            *last = Some(text);
        }
    }

    fn rolled_back(&self) {
        self.reorgs.fetch_add(1, Ordering::AcqRel);
    }

    fn set_indexed(&self, block: Option<u64>) {
        self.indexed.send_replace(block);
    }
}

/// What a step achieved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// More blocks are waiting.
    More,
    /// Up to date with head − confirmations.
    CaughtUp,
    /// A reorg was rolled back.
    RolledBack,
}

/// The indexer.
#[derive(Debug)]
pub struct Indexer {
    chain: Chain,
    store: Store,
    contracts: ContractAddresses,
    start_block: u64,
    confirmations: u64,
    max_block_range: u64,
    /// Blocks the next step asks for: halved when the node refuses a range as too large
    /// (down to one block), doubled back towards `max_block_range` after each step that works.
    window: AtomicU64,
}

impl Indexer {
    /// An indexer writing into `store`.
    pub fn new(
        chain: Chain,
        store: Store,
        contracts: ContractAddresses,
        start_block: u64,
        confirmations: u64,
        max_block_range: u64,
    ) -> Self {
        Self {
            chain,
            store,
            contracts,
            start_block,
            confirmations,
            max_block_range: max_block_range.max(1),
            window: AtomicU64::new(max_block_range.max(1)),
        }
    }

    /// The store it writes into.
    pub const fn store(&self) -> &Store {
        &self.store
    }

    /// The chain it reads.
    pub const fn chain(&self) -> &Chain {
        &self.chain
    }

    /// Runs until `stop` turns true: steps while there is work, sleeps `poll` when caught up,
    /// backs off after errors.
    pub async fn run(
        &self,
        status: &IndexerStatus,
        poll: Duration,
        mut stop: watch::Receiver<bool>,
    ) {
        if let Ok(cp) = self.store.checkpoint().await {
            status.set_indexed(cp.map(|b| b.number));
        }
        let mut backoff = poll;
        loop {
            if *stop.borrow() {
                return;
            }
            let outcome = self.step(status).await;
            if outcome.is_ok() {
                status.failures_in_a_row.store(0, Ordering::Relaxed);
                status.last_step_ms.store(now_millis(), Ordering::Relaxed);
            }
            let pause = match outcome {
                Ok(Progress::More | Progress::RolledBack) => {
                    backoff = poll;
                    continue;
                }
                Ok(Progress::CaughtUp) => {
                    backoff = poll;
                    poll
                }
                Err(e) => {
                    status.errors.fetch_add(1, Ordering::Relaxed);
                    status.failures_in_a_row.fetch_add(1, Ordering::Relaxed);
                    // RPC URLs carry API keys; errors quote them.
                    let text = redact_urls_in(&e.to_string());
                    tracing::warn!(code = e.code(), "indexer step failed: {text}");
                    if let Ok(mut last) = status.last_error.lock() {
                        *last = Some(text);
                    }
                    // The same step is retried, backing off up to MAX_BACKOFF.
                    backoff = (backoff * 2).min(MAX_BACKOFF).max(poll);
                    backoff
                }
            };
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                _ = stop.changed() => {}
            }
        }
    }

    /// The addresses whose logs are indexed.
    fn watched(&self) -> Vec<Address> {
        let c = &self.contracts;
        let mut out = vec![
            c.identity_registry,
            c.identity_staking,
            c.event_registry,
            c.machine_nft,
            c.did_registry,
        ];
        out.extend(c.admin_flags);
        out
    }

    /// One step: reorg check, then at most `max_block_range` blocks.
    pub async fn step(&self, status: &IndexerStatus) -> Result<Progress> {
        let head = self.chain.head().await?;
        status.head.store(head, Ordering::Relaxed);
        status.last_ok_ms.store(now_millis(), Ordering::Relaxed);
        let target = head.saturating_sub(self.confirmations);
        let checkpoint = self.store.checkpoint().await?;
        if let Some(cp) = checkpoint {
            let on_chain = self.chain.blocks(&[cp.number]).await?;
            if on_chain.first().copied().flatten().map(|b| b.hash) != Some(cp.hash) {
                self.roll_back(status, cp).await?;
                return Ok(Progress::RolledBack);
            }
        }
        let from = checkpoint.map_or(self.start_block, |c| c.number + 1);
        if from > target {
            status.synced.store(true, Ordering::Relaxed);
            return Ok(Progress::CaughtUp);
        }
        let (to, batch) = self.read_fitting_range(checkpoint, from, target).await?;
        let mut touched: BTreeSet<u64> = batch.events.iter().map(|e| e.machine_id).collect();
        touched.extend(batch.changes.iter().map(|c| c.2));
        touched.extend(batch.machines.iter().map(|m| m.machine_id));
        let events = batch.events.len() as u64;
        self.store.apply(&batch).await?;
        status.events.fetch_add(events, Ordering::Relaxed);
        status.steps.fetch_add(1, Ordering::Relaxed);
        status.mark_changed(touched, to);
        status.set_indexed(Some(to));
        if to >= target {
            status.synced.store(true, Ordering::Relaxed);
            Ok(Progress::CaughtUp)
        } else {
            Ok(Progress::More)
        }
    }

    /// Finds the newest stored block that is still canonical and rolls back to it.
    async fn roll_back(&self, status: &IndexerStatus, checkpoint: BlockRef) -> Result<()> {
        let mut below = checkpoint.number;
        let keep = loop {
            let stored = self.store.blocks_below(below, FORK_SEARCH_ROUND).await?;
            if stored.is_empty() {
                break None;
            }
            let numbers: Vec<u64> = stored.iter().map(|b| b.number).collect();
            let chain = self.chain.blocks(&numbers).await?;
            if let Some((s, _)) = stored
                .iter()
                .zip(&chain)
                .find(|(s, c)| c.is_some_and(|c| c.hash == s.hash))
            {
                break Some(*s);
            }
            match stored.last() {
                Some(last) if last.number > 0 => below = last.number - 1,
                _ => break None,
            }
        };
        tracing::warn!(
            from = checkpoint.number,
            to = ?keep.map(|b| b.number),
            "chain reorganised: rolling back"
        );
        self.store.rollback(keep).await?;
        status.rolled_back();
        status.set_indexed(keep.map(|b| b.number));
        Ok(())
    }

    /// Reads blocks from `from` up to at most `target` into a [`Batch`], as many as the window
    /// allows; a range the node refuses as too large ([`Error::LogsLimit`]) is halved and read
    /// again, down to one block (a single block still refused fails the step). Returns the last
    /// block read.
    async fn read_fitting_range(
        &self,
        checkpoint: Option<BlockRef>,
        from: u64,
        target: u64,
    ) -> Result<(u64, Batch)> {
        let mut window = self
            .window
            .load(Ordering::Relaxed)
            .clamp(1, self.max_block_range);
        loop {
            let to = target.min(from.saturating_add(window - 1));
            match self.read_range(checkpoint, from, to).await {
                Ok(batch) => {
                    let grown = window.saturating_mul(2).min(self.max_block_range);
                    self.window.store(grown, Ordering::Relaxed);
                    return Ok((to, batch));
                }
                Err(Error::LogsLimit(why)) if to > from => {
                    window = (to - from).div_ceil(2).max(1);
                    self.window.store(window, Ordering::Relaxed);
                    tracing::info!(
                        from,
                        to,
                        window,
                        "the node refused the log range ({why}): halving it"
                    );
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads blocks `from..=to` into a [`Batch`].
    async fn read_range(&self, checkpoint: Option<BlockRef>, from: u64, to: u64) -> Result<Batch> {
        let logs = self.chain.logs(self.watched(), from, to).await?;
        let logs: Vec<Log> = logs.into_iter().filter(|l| !l.removed).collect();
        let mut numbers: BTreeSet<u64> = logs.iter().filter_map(|l| l.block_number).collect();
        numbers.insert(to);
        if let Some(cp) = checkpoint {
            numbers.insert(cp.number);
        }
        let numbers: Vec<u64> = numbers.into_iter().collect();
        let headers = self.chain.blocks(&numbers).await?;
        let mut blocks: BTreeMap<u64, BlockRef> = BTreeMap::new();
        for (n, h) in numbers.iter().zip(headers) {
            let h = h.ok_or_else(|| Error::ChainMoved(format!("block {n} disappeared")))?;
            blocks.insert(*n, h);
        }
        if let Some(cp) = checkpoint
            && blocks.get(&cp.number).map(|b| b.hash) != Some(cp.hash)
        {
            return Err(Error::ChainMoved(format!(
                "checkpoint block {} changed",
                cp.number
            )));
        }
        let mut batch = Batch {
            to: blocks.get(&to).copied(),
            ..Batch::default()
        };
        let mut submitted = Vec::new();
        for log in &logs {
            let (Some(block_number), Some(block_hash), Some(log_index)) =
                (log.block_number, log.block_hash, log.log_index)
            else {
                return Err(Error::Rpc("a log without its block or index".into()));
            };
            let block = blocks
                .get(&block_number)
                .copied()
                .ok_or_else(|| Error::ChainMoved(format!("no header for block {block_number}")))?;
            if block.hash != block_hash {
                return Err(Error::ChainMoved(format!(
                    "block {block_number} has hash {} but a log says {block_hash}",
                    block.hash
                )));
            }
            if let Some(s) = self.decode(log, block_number, log_index, &mut batch)? {
                submitted.push((
                    s,
                    block,
                    log.transaction_hash.unwrap_or_default(),
                    log_index,
                ));
            }
        }
        batch.blocks = logs
            .iter()
            .filter_map(|l| l.block_number)
            .collect::<BTreeSet<_>>()
            .into_iter()
            .filter_map(|n| blocks.get(&n).copied())
            .collect();
        batch.events = self.fetch_events(submitted).await?;
        Ok(batch)
    }

    /// Decodes one log into `batch`; an `EventSubmitted` is returned for `fetch_events`.
    /// Logs that do not decode (another contract's event with the same topic) are skipped.
    /// Public for the fuzz target of `peaqos-fuzz` only.
    #[doc(hidden)]
    pub fn decode(
        &self,
        log: &Log,
        block_number: u64,
        log_index: u64,
        batch: &mut Batch,
    ) -> Result<Option<EventRegistry::EventSubmitted>> {
        use AdminFlags as AF;
        use IdentityRegistry as IR;
        let c = &self.contracts;
        let (Some(topic0), data, address) = (log.topic0().copied(), log.data(), log.address())
        else {
            return Ok(None);
        };
        let mut change = |machine: U256, change: MachineChange| {
            if let Some(id) = small(machine) {
                batch.changes.push((block_number, log_index, id, change));
            }
        };
        if address == c.identity_registry {
            match topic0 {
                IR::Registered::SIGNATURE_HASH => {
                    if let Some(e) = dec::<IR::Registered>(data)
                        && let Some(machine_id) = small(e.machineId)
                    {
                        batch.machines.push(NewMachine {
                            machine_id,
                            wallet: e.owner,
                            block_number,
                            log_index,
                        });
                    }
                }
                IR::OperatorSet::SIGNATURE_HASH => {
                    if let Some(e) = dec::<IR::OperatorSet>(data) {
                        change(e.machineId, MachineChange::Operator(e.operator));
                    }
                }
                IR::MachineVerified::SIGNATURE_HASH => {
                    if let Some(e) = dec::<IR::MachineVerified>(data) {
                        change(e.machineId, MachineChange::Status(2));
                    }
                }
                IR::MachineRejected::SIGNATURE_HASH => {
                    if let Some(e) = dec::<IR::MachineRejected>(data) {
                        change(e.machineId, MachineChange::Status(3));
                    }
                }
                IR::MachineDeactivated::SIGNATURE_HASH => {
                    if let Some(e) = dec::<IR::MachineDeactivated>(data) {
                        change(e.machineId, MachineChange::Status(4));
                    }
                }
                IR::MachineReactivated::SIGNATURE_HASH => {
                    if let Some(e) = dec::<IR::MachineReactivated>(data) {
                        change(e.machineId, MachineChange::Status(STATUS_REACTIVATED));
                    }
                }
                _ => {}
            }
        } else if address == c.identity_staking {
            if topic0 == IdentityStaking::Staked::SIGNATURE_HASH
                && let Some(e) = dec::<IdentityStaking::Staked>(data)
            {
                change(e.machineId, MachineChange::Bonded(e.amount));
            }
        } else if Some(address) == c.admin_flags {
            match topic0 {
                AF::TrustOverrideSet::SIGNATURE_HASH => {
                    if let Some(e) = dec::<AF::TrustOverrideSet>(data) {
                        let bps = small(e.value).unwrap_or(u64::MAX);
                        change(e.machineId, MachineChange::TrustOverride(bps));
                    }
                }
                AF::TrustOverrideCleared::SIGNATURE_HASH => {
                    if let Some(e) = dec::<AF::TrustOverrideCleared>(data) {
                        change(e.machineId, MachineChange::TrustOverrideCleared);
                    }
                }
                AF::MachineFlagged::SIGNATURE_HASH => {
                    if let Some(e) = dec::<AF::MachineFlagged>(data) {
                        let at = small(e.flaggedAt).unwrap_or(u64::MAX);
                        change(e.machineId, MachineChange::Flagged(at));
                    }
                }
                AF::FlagCleared::SIGNATURE_HASH => {
                    if let Some(e) = dec::<AF::FlagCleared>(data) {
                        change(e.machineId, MachineChange::FlagCleared);
                    }
                }
                _ => {}
            }
        } else if address == c.machine_nft {
            match topic0 {
                MachineNFT::MachineMinted::SIGNATURE_HASH => {
                    if let Some(e) = dec::<MachineNFT::MachineMinted>(data)
                        && let (Some(token_id), Some(machine_id)) =
                            (small(e.tokenId), small(e.machineId))
                    {
                        batch.mints.push(NftMint {
                            token_id,
                            machine_id,
                            recipient: e.recipient,
                            block_number,
                            log_index,
                        });
                    }
                }
                MachineNFT::Transfer::SIGNATURE_HASH => {
                    if let Some(e) = dec::<MachineNFT::Transfer>(data)
                        && let Some(token_id) = small(e.tokenId)
                    {
                        batch.transfers.push(NftTransfer {
                            token_id,
                            to: e.to,
                            block_number,
                            log_index,
                        });
                    }
                }
                _ => {}
            }
        } else if address == c.did_registry {
            let attribute = match topic0 {
                DIDPrecompile::AddAttribute::SIGNATURE_HASH => {
                    dec::<DIDPrecompile::AddAttribute>(data)
                        .map(|e| (e.did_account, e.name, Some(e.value)))
                }
                DIDPrecompile::UpdateAttribute::SIGNATURE_HASH => {
                    dec::<DIDPrecompile::UpdateAttribute>(data)
                        .map(|e| (e.did_account, e.name, Some(e.value)))
                }
                DIDPrecompile::RemoveAttribute::SIGNATURE_HASH => {
                    dec::<DIDPrecompile::RemoveAttribute>(data)
                        .map(|e| (e.did_account, e.name, None))
                }
                _ => None,
            };
            if let Some((address, name, value)) = attribute {
                batch.did.push(DidChange {
                    address,
                    name,
                    value,
                    block_number,
                    log_index,
                });
            }
        } else if address == c.event_registry
            && topic0 == EventRegistry::EventSubmitted::SIGNATURE_HASH
        {
            return Ok(dec::<EventRegistry::EventSubmitted>(data));
        }
        Ok(None)
    }

    /// The full structs of the submitted events (`getEvents` at `latest`), each checked against
    /// its log.
    async fn fetch_events(
        &self,
        submitted: Vec<(EventRegistry::EventSubmitted, BlockRef, B256, u64)>,
    ) -> Result<Vec<StoredEvent>> {
        // machine → index → (log, block, tx, log index)
        let mut by_machine: BTreeMap<u64, BTreeMap<u64, _>> = BTreeMap::new();
        for (log, block, tx, log_index) in submitted {
            let (Some(machine), Some(index)) = (small(log.machineId), small(log.eventIndex)) else {
                continue;
            };
            by_machine
                .entry(machine)
                .or_default()
                .insert(index, (log, block, tx, log_index));
        }
        let mut requests = Vec::new();
        for (machine, indices) in &by_machine {
            let mut run: Option<(u64, u64)> = None;
            for &i in indices.keys() {
                run = match run {
                    Some((start, len)) if start + len == i && len < EVENTS_PER_CALL => {
                        Some((start, len + 1))
                    }
                    Some((start, len)) => {
                        requests.push((*machine, start, len));
                        Some((i, 1))
                    }
                    None => Some((i, 1)),
                };
            }
            if let Some((start, len)) = run {
                requests.push((*machine, start, len));
            }
        }
        let mut out = Vec::new();
        for chunk in requests.chunks(CALLS_PER_BATCH) {
            let results = self
                .chain
                .get_events(self.contracts.event_registry, chunk)
                .await?;
            for ((machine, start, len), events) in chunk.iter().zip(results) {
                if events.len() as u64 != *len {
                    return Err(Error::ChainMoved(format!(
                        "getEvents({machine}, {start}, {len}) returned {} events",
                        events.len()
                    )));
                }
                for (k, ev) in events.into_iter().enumerate() {
                    let index = start + k as u64;
                    let Some((log, block, tx, log_index)) =
                        by_machine.get(machine).and_then(|m| m.get(&index))
                    else {
                        continue;
                    };
                    if ev.eventType != log.eventType
                        || ev.value != log.value
                        || keccak256(ev.currency.as_bytes()) != log.currency
                        || small(ev.machineId) != Some(*machine)
                    {
                        return Err(Error::ChainMoved(format!(
                            "event {machine}/{index} differs from its log"
                        )));
                    }
                    out.push(StoredEvent {
                        machine_id: *machine,
                        event_index: index,
                        event_type: ev.eventType,
                        value: ev.value,
                        currency: ev.currency,
                        timestamp: small(ev.timestamp).unwrap_or(u64::MAX),
                        data_hash: ev.dataHash,
                        trust_level: ev.trustLevel,
                        source_chain_id: ev.sourceChainId,
                        source_tx_hash: ev.sourceTxHash,
                        metadata: ev.metadata,
                        block_number: block.number,
                        log_index: *log_index,
                        tx_hash: *tx,
                        block_timestamp: block.timestamp,
                    });
                }
            }
        }
        Ok(out)
    }
}

/// Decodes a log's data as `E`, `None` (logged at debug level) when it is not one.
fn dec<E: SolEvent>(data: &alloy::primitives::LogData) -> Option<E> {
    E::decode_log_data(data)
        .map_err(|e| tracing::debug!("undecodable {} log: {e}", E::SIGNATURE))
        .ok()
}

/// A uint256 that fits the store's signed 64-bit columns.
fn small(v: U256) -> Option<u64> {
    u64::try_from(v).ok().filter(|v| i64::try_from(*v).is_ok())
}
