//! The saved form of [`ChainState`] (`--state`): the same JSON fields as before block bodies
//! were stored compressed (`blocks`, `txs` by hash, `block_numbers`), so earlier state files
//! load and later ones read the same.

use std::collections::HashMap;

use alloy::primitives::B256;
use revm::database::{CacheDB, EmptyDB};
use serde::{Deserialize, Serialize, Serializer, ser::SerializeStruct};

use super::{ChainConfig, ChainState, store::BlockStore, types::StoredBlock, types::StoredTx};

impl Serialize for ChainState {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut state = serializer.serialize_struct("ChainState", 8)?;
        state.serialize_field("config", &self.config)?;
        state.serialize_field("db", &self.db)?;
        state.serialize_field("blocks", self.store.blocks())?;
        state.serialize_field("txs", &self.store.saved_txs())?;
        state.serialize_field("block_numbers", self.store.block_numbers())?;
        state.serialize_field("time_offset", &self.time_offset)?;
        state.serialize_field("next_timestamp", &self.next_timestamp)?;
        state.serialize_field("pending", &self.pending)?;
        state.end()
    }
}

/// A state file as read: block bodies decoded, by transaction hash.
#[derive(Deserialize)]
pub(super) struct SavedState {
    config: ChainConfig,
    db: CacheDB<EmptyDB>,
    blocks: Vec<StoredBlock>,
    txs: HashMap<B256, StoredTx>,
    time_offset: i64,
    next_timestamp: Option<u64>,
    pending: Vec<StoredTx>,
}

impl TryFrom<SavedState> for ChainState {
    type Error = String;

    fn try_from(saved: SavedState) -> Result<Self, String> {
        Ok(Self {
            config: saved.config,
            db: saved.db,
            store: BlockStore::from_saved(saved.blocks, saved.txs)?,
            time_offset: saved.time_offset,
            next_timestamp: saved.next_timestamp,
            pending: saved.pending,
            pending_env: None,
        })
    }
}
