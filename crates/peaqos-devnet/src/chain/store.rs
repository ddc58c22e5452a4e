//! Sealed blocks, their transactions and receipts: the newest [`HOT_BLOCKS`] blocks as they
//! were executed, older ones as one compressed byte string each (`codec`), decoded on read.
//!
//! Headers (with their bloom, so log queries skip blocks without decoding them) and the
//! transaction hash lists stay decoded for every block; a transaction hash maps to its block
//! and index.

use std::{borrow::Cow, collections::HashMap};

use alloy::primitives::B256;
use serde::{Serialize, Serializer, ser::SerializeMap};

use super::{
    codec::{self, CorruptBody, LogRef},
    types::{StoredBlock, StoredTx},
};

/// Blocks kept decoded: what clients read right after a transaction (its receipt, the new
/// head's logs) never waits for a decode, and a block is compressed once it is this far
/// behind the head.
pub(crate) const HOT_BLOCKS: usize = 64;

/// A block's transactions and receipts.
#[derive(Debug, Clone)]
enum Body {
    /// As executed (recent blocks, and blocks without transactions).
    Decoded(Vec<StoredTx>),
    /// Compressed ([`codec::encode_body`]).
    Encoded(Box<[u8]>),
}

/// Where a mined transaction is: its block and its index there.
#[derive(Debug, Clone, Copy)]
struct TxLocation {
    block: u64,
    index: u32,
}

/// Every sealed block since genesis (or since the state was loaded).
#[derive(Debug, Clone, Default)]
pub(crate) struct BlockStore {
    blocks: Vec<StoredBlock>,
    /// One per block, same order.
    bodies: Vec<Body>,
    block_numbers: HashMap<B256, u64>,
    txs: HashMap<B256, TxLocation>,
}

impl BlockStore {
    /// A store holding `genesis` only.
    pub(crate) fn new(genesis: StoredBlock) -> Self {
        let mut store = Self::default();
        store.push(genesis, Vec::new());
        store
    }

    /// Appends the next sealed block with its transactions (whose `block_hash` is set).
    pub(crate) fn push(&mut self, block: StoredBlock, txs: Vec<StoredTx>) {
        let number = block.header.number;
        for (index, tx) in txs.iter().enumerate() {
            let index = u32::try_from(index).unwrap_or(u32::MAX);
            self.txs.insert(
                *tx.envelope.tx_hash(),
                TxLocation {
                    block: number,
                    index,
                },
            );
        }
        self.block_numbers.insert(block.hash, number);
        self.blocks.push(block);
        self.bodies.push(Body::Decoded(txs));
        if let Some(cooled) = self.bodies.len().checked_sub(HOT_BLOCKS + 1) {
            self.compress(cooled);
        }
    }

    fn compress(&mut self, position: usize) {
        let Some(body) = self.bodies.get_mut(position) else {
            return;
        };
        if let Body::Decoded(txs) = body
            && !txs.is_empty()
        {
            *body = Body::Encoded(codec::encode_body(txs));
        }
    }

    /// The latest block.
    pub(crate) fn latest(&self) -> &StoredBlock {
        // `new` stores genesis and blocks are never all removed (`truncate` keeps block 0).
        &self.blocks[self.blocks.len() - 1]
    }

    /// A block by number.
    pub(crate) fn block(&self, number: u64) -> Option<&StoredBlock> {
        self.blocks.get(usize::try_from(number).ok()?)
    }

    /// A block's number by its hash.
    pub(crate) fn number_of(&self, hash: &B256) -> Option<u64> {
        self.block_numbers.get(hash).copied()
    }

    /// Whether a transaction with this hash was mined.
    pub(crate) fn contains_tx(&self, hash: &B256) -> bool {
        self.txs.contains_key(hash)
    }

    /// The transactions of block `number`, borrowed when it is decoded, decoded otherwise.
    pub(crate) fn body(&self, number: u64) -> Option<Cow<'_, [StoredTx]>> {
        let position = usize::try_from(number).ok()?;
        match self.bodies.get(position)? {
            Body::Decoded(txs) => Some(Cow::Borrowed(txs)),
            Body::Encoded(bytes) => Some(Cow::Owned(decoded(&self.blocks[position], bytes))),
        }
    }

    /// A mined transaction with its receipt.
    pub(crate) fn tx(&self, hash: &B256) -> Option<Cow<'_, StoredTx>> {
        let location = self.txs.get(hash)?;
        let position = usize::try_from(location.block).ok()?;
        let index = location.index as usize;
        match self.bodies.get(position)? {
            Body::Decoded(txs) => txs.get(index).map(Cow::Borrowed),
            Body::Encoded(bytes) => {
                let mut txs = decoded(&self.blocks[position], bytes);
                (index < txs.len()).then(|| Cow::Owned(txs.swap_remove(index)))
            }
        }
    }

    /// Calls `visit` with each log of block `number`, the index of its transaction and its
    /// index in the block, in order; stops at the first error `visit` returns. A compressed
    /// block is read without decoding its transactions.
    ///
    /// `buf` is scratch space for decompressing, reused from block to block.
    pub(crate) fn visit_logs<E>(
        &self,
        number: u64,
        buf: &mut Vec<u8>,
        mut visit: impl FnMut(usize, u64, LogRef<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        let Some(position) = usize::try_from(number).ok() else {
            return Ok(());
        };
        match self.bodies.get(position) {
            None => Ok(()),
            Some(Body::Decoded(txs)) => {
                for (tx_index, tx) in txs.iter().enumerate() {
                    for (i, log) in tx.receipt.logs.iter().enumerate() {
                        let log = LogRef {
                            address: log.address,
                            topics: log.topics(),
                            data: &log.data.data,
                        };
                        visit(tx_index, tx.receipt.first_log_index + i as u64, log)?;
                    }
                }
                Ok(())
            }
            Some(Body::Encoded(bytes)) => {
                codec::visit_logs(bytes, buf, visit).unwrap_or_else(|e| {
                    tracing::error!(block = number, "{e}");
                    Ok(())
                })
            }
        }
    }

    /// Drops the blocks after `height` and their transactions (`evm_revert`).
    pub(crate) fn truncate(&mut self, height: u64) {
        let keep = usize::try_from(height).map_or(usize::MAX, |h| h + 1).max(1);
        if keep >= self.blocks.len() {
            return;
        }
        for block in self.blocks.drain(keep..) {
            self.block_numbers.remove(&block.hash);
            for hash in &block.transactions {
                self.txs.remove(hash);
            }
        }
        self.bodies.truncate(keep);
    }

    /// Bytes of the compressed bodies and how many blocks have one.
    #[cfg(test)]
    pub(crate) fn encoded_bytes(&self) -> (usize, usize) {
        self.bodies
            .iter()
            .filter_map(|b| match b {
                Body::Encoded(bytes) => Some(bytes.len()),
                Body::Decoded(_) => None,
            })
            .fold((0, 0), |(sum, n), len| (sum + len, n + 1))
    }
}

/// A compressed body decoded; a body that does not decode reads as a block without
/// transactions (and is logged): only a bug can cause it, and readers must not panic.
fn decoded(block: &StoredBlock, bytes: &[u8]) -> Vec<StoredTx> {
    codec::decode_body(block, bytes).unwrap_or_else(|e: CorruptBody| {
        tracing::error!(block = block.header.number, "{e}");
        Vec::new()
    })
}

/// The `txs` field of a saved state: every mined transaction by hash, decoded one block at a
/// time while it is written (never the whole chain at once).
pub(crate) struct SavedTxs<'a>(&'a BlockStore);

impl Serialize for SavedTxs<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.txs.len()))?;
        for number in 0..self.0.blocks.len() as u64 {
            for tx in self.0.body(number).unwrap_or_default().iter() {
                map.serialize_entry(tx.envelope.tx_hash(), tx)?;
            }
        }
        map.end()
    }
}

impl BlockStore {
    /// Every block, from the first one kept.
    pub(crate) fn blocks(&self) -> &[StoredBlock] {
        &self.blocks
    }

    /// Block numbers by block hash.
    pub(crate) const fn block_numbers(&self) -> &HashMap<B256, u64> {
        &self.block_numbers
    }

    /// What a saved state's `txs` field holds.
    pub(crate) const fn saved_txs(&self) -> SavedTxs<'_> {
        SavedTxs(self)
    }

    /// The store of a loaded state: `blocks` in order, each transaction taken from `txs` by
    /// the hashes its block lists.
    pub(crate) fn from_saved(
        blocks: Vec<StoredBlock>,
        mut txs: HashMap<B256, StoredTx>,
    ) -> Result<Self, String> {
        let mut store = Self::default();
        for block in blocks {
            let number = block.header.number;
            if number != store.blocks.len() as u64 {
                return Err(format!(
                    "block {number} saved at position {}",
                    store.blocks.len()
                ));
            }
            let body = block
                .transactions
                .iter()
                .map(|hash| {
                    txs.remove(hash)
                        .ok_or_else(|| format!("block {number}: transaction {hash} missing"))
                })
                .collect::<Result<Vec<_>, String>>()?;
            store.push(block, body);
        }
        if store.blocks.is_empty() {
            return Err("no blocks (genesis missing)".to_owned());
        }
        Ok(store)
    }
}
