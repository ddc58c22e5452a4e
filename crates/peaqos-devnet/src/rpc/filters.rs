//! Installed filters (`eth_newFilter`, `eth_newBlockFilter`, `eth_newPendingTransactionFilter`)
//! and what each has not reported yet (`eth_getFilterChanges`), as geth and anvil keep them:
//! a filter not polled for [`FILTER_EXPIRY`] is dropped, at most [`MAX_FILTERS`] live at once.

use std::{
    collections::HashMap,
    time::{Duration, Instant},
};

use alloy::{
    primitives::{B256, U128, keccak256},
    rpc::types::{Filter, FilterBlockOption, Log},
};
use serde_json::Value;

use super::{MAX_LOGS_BLOCK_RANGE, RpcError, codes};
use crate::chain::{Chain, LogLimits};

/// A filter not polled for this long is uninstalled (anvil's and geth's 5 minutes).
pub const FILTER_EXPIRY: Duration = Duration::from_secs(300);
/// Most filters installed at once; past it `eth_new*Filter` answers -32000
/// `too many filters` until one is uninstalled or expires.
pub const MAX_FILTERS: usize = 1024;
/// Most block or transaction hashes one `eth_getFilterChanges` returns; the rest come with the
/// next poll. (Log filters are bounded by the `eth_getLogs` limits, and scan at most
/// `MAX_LOGS_BLOCK_RANGE` blocks per poll.)
pub const MAX_FILTER_CHANGES: usize = 10_000;

/// The filters of one node.
#[derive(Debug, Default)]
pub struct Filters {
    installed: HashMap<U128, Installed>,
    next: u64,
}

#[derive(Debug)]
struct Installed {
    kind: Kind,
    polled: Instant,
}

#[derive(Debug)]
enum Kind {
    /// Logs matching the filter, from block `next` on.
    Logs { filter: Box<Filter>, next: u64 },
    /// Hashes of blocks from `next` on.
    Blocks { next: u64 },
    /// Hashes of transactions from position `index` of block `block` on (the open block is
    /// `latest + 1`: its pending transactions keep their positions when it is sealed).
    Transactions { block: u64, index: usize },
}

/// The filter id is unknown (never installed, uninstalled or expired): geth's message.
fn not_found() -> RpcError {
    RpcError::new(codes::SERVER_ERROR, "filter not found")
}

impl Filters {
    /// Installs a log filter; changes start after the latest block.
    pub fn new_logs(&mut self, chain: &Chain, filter: Filter) -> Result<U128, RpcError> {
        super::api::check_filter_size(&filter)?;
        let next = chain.block_number() + 1;
        self.install(Kind::Logs {
            filter: Box::new(filter),
            next,
        })
    }

    /// Installs a block filter; changes start after the latest block.
    pub fn new_blocks(&mut self, chain: &Chain) -> Result<U128, RpcError> {
        self.install(Kind::Blocks {
            next: chain.block_number() + 1,
        })
    }

    /// Installs a pending-transaction filter; changes start after the transactions known now.
    pub fn new_transactions(&mut self, chain: &Chain) -> Result<U128, RpcError> {
        self.install(Kind::Transactions {
            block: chain.block_number() + 1,
            index: chain.pending_txs().len(),
        })
    }

    fn install(&mut self, kind: Kind) -> Result<U128, RpcError> {
        self.expire();
        if self.installed.len() >= MAX_FILTERS {
            return Err(RpcError::new(
                codes::SERVER_ERROR,
                format!("too many filters: at most {MAX_FILTERS}"),
            ));
        }
        self.next += 1;
        // Unguessable ids, as anvil's (a page cannot poll another's filter by counting).
        let seed = [
            self.next.to_be_bytes(),
            u64::try_from(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos())
                    % u128::from(u64::MAX),
            )
            .unwrap_or_default()
            .to_be_bytes(),
        ]
        .concat();
        let id = U128::from_be_slice(&keccak256(seed)[..16]);
        self.installed.insert(
            id,
            Installed {
                kind,
                polled: Instant::now(),
            },
        );
        Ok(id)
    }

    /// `eth_uninstallFilter`: whether the filter existed.
    pub fn uninstall(&mut self, id: U128) -> bool {
        self.expire();
        self.installed.remove(&id).is_some()
    }

    /// `eth_getFilterChanges`: what the filter has not reported yet (logs, block hashes or
    /// transaction hashes).
    pub fn changes(&mut self, chain: &Chain, id: U128) -> Result<Value, RpcError> {
        self.expire();
        let installed = self.installed.get_mut(&id).ok_or_else(not_found)?;
        installed.polled = Instant::now();
        let latest = chain.block_number();
        match &mut installed.kind {
            Kind::Logs { filter, next } => {
                // After an `evm_revert`, continue from the new head.
                *next = (*next).min(latest + 1);
                let (from, to) = filter_range(chain, filter);
                let start = (*next).max(from);
                let end = to
                    .min(latest)
                    .min(start.saturating_add(MAX_LOGS_BLOCK_RANGE - 1));
                if start > end {
                    return super::api::ok(Vec::<Log>::new());
                }
                let logs = chain.logs(start, end, filter, log_limits())?;
                *next = end + 1;
                super::api::ok(logs)
            }
            Kind::Blocks { next } => {
                *next = (*next).min(latest + 1);
                let mut hashes = Vec::new();
                while *next <= latest && hashes.len() < MAX_FILTER_CHANGES {
                    if let Some(block) = chain.block(*next) {
                        hashes.push(block.hash);
                    }
                    *next += 1;
                }
                super::api::ok(hashes)
            }
            Kind::Transactions { block, index } => {
                if *block > latest + 1 {
                    (*block, *index) = (latest + 1, 0);
                }
                let mut hashes: Vec<B256> = Vec::new();
                while hashes.len() < MAX_FILTER_CHANGES {
                    let txs: Vec<B256> = if *block <= latest {
                        chain
                            .block(*block)
                            .map(|b| b.transactions.clone())
                            .unwrap_or_default()
                    } else {
                        chain
                            .pending_txs()
                            .iter()
                            .map(|t| *t.envelope.tx_hash())
                            .collect()
                    };
                    let room = MAX_FILTER_CHANGES - hashes.len();
                    let take: Vec<B256> = txs.iter().skip(*index).take(room).copied().collect();
                    *index += take.len();
                    hashes.extend(take);
                    if *block > latest || *index < txs.len() {
                        break;
                    }
                    (*block, *index) = (*block + 1, 0);
                }
                super::api::ok(hashes)
            }
        }
    }

    /// `eth_getFilterLogs`: every log the filter matches (as `eth_getLogs` with its criteria).
    pub fn logs(&mut self, chain: &Chain, id: U128) -> Result<Value, RpcError> {
        self.expire();
        let installed = self.installed.get_mut(&id).ok_or_else(not_found)?;
        installed.polled = Instant::now();
        match &installed.kind {
            Kind::Logs { filter, .. } => super::api::ok(super::api::logs(chain, filter)?),
            // geth's answer for a block or transaction filter.
            _ => Err(not_found()),
        }
    }

    fn expire(&mut self) {
        self.installed
            .retain(|_, f| f.polled.elapsed() < FILTER_EXPIRY);
    }

    /// How many filters are installed (expired ones not counted).
    pub fn len(&mut self) -> usize {
        self.expire();
        self.installed.len()
    }

    /// Whether no filter is installed.
    pub fn is_empty(&mut self) -> bool {
        self.len() == 0
    }
}

/// The block range a filter names (tags resolved now; absent = no bound).
fn filter_range(chain: &Chain, filter: &Filter) -> (u64, u64) {
    match filter.block_option {
        FilterBlockOption::AtBlockHash(hash) => chain
            .block_by_hash(&hash)
            .map_or((1, 0), |b| (b.header.number, b.header.number)),
        FilterBlockOption::Range {
            from_block,
            to_block,
        } => (
            from_block.and_then(|b| b.as_number()).unwrap_or(0),
            to_block.and_then(|b| b.as_number()).unwrap_or(u64::MAX),
        ),
    }
}

fn log_limits() -> LogLimits {
    LogLimits {
        results: super::MAX_LOGS_RESULTS,
        bytes: super::MAX_LOGS_RESPONSE_BYTES,
    }
}
