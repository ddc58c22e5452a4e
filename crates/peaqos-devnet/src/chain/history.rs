//! State at older blocks: for each recent block, what its transactions (and dev controls)
//! overwrote, so that the state as of block `n` is the latest state with the undo records of
//! the blocks after `n` laid over it (the oldest record of an entry wins).
//!
//! Only the entries a block changed are kept (an account's info, a storage slot), never a copy
//! of the state, so a window of recent blocks costs memory in proportion to what they changed.

use std::{collections::BTreeMap, convert::Infallible};

use alloy::primitives::{Address, B256, U256};
use revm::{
    DatabaseRef,
    bytecode::Bytecode,
    state::{AccountInfo, EvmState},
};
use std::collections::HashMap;

use super::exec::StateDb;

/// Default of [`HistoryWindow`]: the state of the latest 128 blocks is kept (geth's and
/// Frontier's default of recent states a non-archive node serves).
pub const DEFAULT_HISTORY_BLOCKS: u64 = 128;

/// How far back state reads may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryWindow {
    /// The latest block and this many before it.
    Recent(u64),
    /// Every block since genesis (or since the state was loaded), `--archive`.
    Archive,
}

impl Default for HistoryWindow {
    fn default() -> Self {
        Self::Recent(DEFAULT_HISTORY_BLOCKS)
    }
}

/// What one block overwrote: the values before it.
#[derive(Debug, Default, Clone)]
struct BlockUndo {
    /// Account info before the block (`None`: the account did not exist).
    accounts: HashMap<Address, Option<AccountInfo>>,
    /// Storage values before the block.
    storage: HashMap<(Address, U256), U256>,
}

/// The undo records of recent blocks.
#[derive(Debug, Clone, Default)]
pub(crate) struct History {
    window: HistoryWindow,
    undo: BTreeMap<u64, BlockUndo>,
    /// The oldest block whose state can be rebuilt.
    floor: u64,
}

impl History {
    /// A history that starts at block `floor` (genesis, or the block a saved state ends at).
    pub(crate) fn new(window: HistoryWindow, floor: u64) -> Self {
        Self {
            window,
            undo: BTreeMap::new(),
            floor,
        }
    }

    pub(crate) const fn window(&self) -> HistoryWindow {
        self.window
    }

    /// Whether changes need recording at all.
    const fn records(&self) -> bool {
        !matches!(self.window, HistoryWindow::Recent(0))
    }

    /// The oldest block whose state a read may ask for, with `latest` the head.
    pub(crate) fn oldest(&self, latest: u64) -> u64 {
        match self.window {
            HistoryWindow::Archive => self.floor,
            HistoryWindow::Recent(n) => self.floor.max(latest.saturating_sub(n)),
        }
    }

    /// Records, for block `block`, the values `state` is about to overwrite in `db`.
    pub(crate) fn remember_commit(&mut self, db: &StateDb, block: u64, state: &EvmState) {
        if !self.records() {
            return;
        }
        for (address, account) in state {
            if !account.is_touched() {
                continue;
            }
            self.remember_account(db, block, *address);
            for slot in account.storage.keys() {
                self.remember_slot(db, block, *address, *slot);
            }
        }
    }

    /// Records the account's info before block `block` changes it (first change only).
    pub(crate) fn remember_account(&mut self, db: &StateDb, block: u64, address: Address) {
        if !self.records() {
            return;
        }
        self.undo
            .entry(block)
            .or_default()
            .accounts
            .entry(address)
            .or_insert_with(|| db.basic_ref(address).ok().flatten());
    }

    /// Records a storage slot before block `block` changes it (first change only).
    pub(crate) fn remember_slot(&mut self, db: &StateDb, block: u64, address: Address, slot: U256) {
        if !self.records() {
            return;
        }
        self.undo
            .entry(block)
            .or_default()
            .storage
            .entry((address, slot))
            .or_insert_with(|| db.storage_ref(address, slot).unwrap_or_default());
    }

    /// Drops what reads within the window no longer need, `latest` being the head.
    pub(crate) fn prune(&mut self, latest: u64) {
        if let HistoryWindow::Recent(n) = self.window {
            let oldest = latest.saturating_sub(n);
            // The state of `oldest` needs the records of the blocks after it only.
            self.undo = self.undo.split_off(&(oldest + 1));
            self.floor = self.floor.max(oldest);
        }
    }

    /// Forgets the blocks after `height` (`evm_revert`).
    pub(crate) fn truncate(&mut self, height: u64) {
        self.undo.split_off(&(height + 1));
        self.floor = self.floor.min(height);
    }

    fn account(&self, after: u64, address: Address) -> Option<Option<AccountInfo>> {
        self.undo
            .range(after + 1..)
            .find_map(|(_, u)| u.accounts.get(&address).cloned())
    }

    fn slot(&self, after: u64, address: Address, slot: U256) -> Option<U256> {
        self.undo
            .range(after + 1..)
            .find_map(|(_, u)| u.storage.get(&(address, slot)).copied())
    }
}

/// The state as of a block: the latest state (`block: None`), or an older one with the undo
/// records of the blocks after it laid over the latest.
#[derive(Debug, Clone, Copy)]
pub struct HistoricDb<'a> {
    pub(crate) db: &'a StateDb,
    pub(crate) history: &'a History,
    pub(crate) block: Option<u64>,
}

impl HistoricDb<'_> {
    /// The account (empty when it does not exist).
    pub fn account(&self, address: Address) -> AccountInfo {
        self.basic_ref(address).ok().flatten().unwrap_or_default()
    }

    /// Balance in wei.
    pub fn balance(&self, address: Address) -> U256 {
        self.account(address).balance
    }

    /// Next nonce.
    pub fn nonce(&self, address: Address) -> u64 {
        self.account(address).nonce
    }

    /// Runtime code.
    pub fn code(&self, address: Address) -> alloy::primitives::Bytes {
        let info = self.account(address);
        match info.code {
            Some(code) => code.original_bytes(),
            None => self
                .code_by_hash_ref(info.code_hash)
                .map(|c| c.original_bytes())
                .unwrap_or_default(),
        }
    }

    /// A storage slot.
    pub fn storage(&self, address: Address, slot: U256) -> U256 {
        self.storage_ref(address, slot).unwrap_or_default()
    }
}

impl DatabaseRef for HistoricDb<'_> {
    type Error = Infallible;

    fn basic_ref(&self, address: Address) -> Result<Option<AccountInfo>, Self::Error> {
        let undone = self.block.and_then(|b| self.history.account(b, address));
        match undone {
            Some(info) => Ok(info),
            None => self.db.basic_ref(address),
        }
    }

    fn code_by_hash_ref(&self, code_hash: B256) -> Result<Bytecode, Self::Error> {
        // Code is never removed from the cache, so every older code hash still resolves.
        self.db.code_by_hash_ref(code_hash)
    }

    fn storage_ref(&self, address: Address, index: U256) -> Result<U256, Self::Error> {
        match self
            .block
            .and_then(|b| self.history.slot(b, address, index))
        {
            Some(value) => Ok(value),
            None => self.db.storage_ref(address, index),
        }
    }

    fn block_hash_ref(&self, number: u64) -> Result<B256, Self::Error> {
        self.db.block_hash_ref(number)
    }
}
