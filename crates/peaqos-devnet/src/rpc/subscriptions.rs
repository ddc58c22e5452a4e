//! `eth_subscribe`: the chain's changes as subscribers see them, and the subscriptions of one
//! WebSocket connection.
//!
//! The chain thread publishes, after every job it runs, what changed since the last job: the
//! hashes of new transactions (pending ones as soon as they are executed, with `--block-time`
//! the open block's), then each newly sealed block with its logs. Every item's JSON is built
//! once, on the chain thread, only when someone listens, and goes to a tokio broadcast channel
//! ([`ChainFeed`]): publishing never waits for a subscriber, and a subscriber that falls
//! [`CHAIN_EVENTS_CAPACITY`] items behind is told it lagged (its connection is then closed).
//!
//! `evm_revert` notifies nothing, as anvil: no `removed: true` logs, no header for the block
//! the chain went back to. Blocks mined after it are notified as new blocks (their numbers
//! again).

use std::{
    collections::{HashMap, VecDeque},
    sync::{Arc, Mutex, PoisonError},
};

use alloy::{
    primitives::{B256, U128, keccak256},
    rpc::types::Filter,
};
use serde::Deserialize;
use serde_json::value::RawValue;
use tokio::sync::broadcast;

use super::{RpcError, codes, convert};
use crate::chain::{Chain, LogLimits};

/// Most chain events held for subscribers that have not taken them yet. Above
/// `MAX_MINE_BLOCKS` (plus their hashes), so one `anvil_mine` never laps a subscriber that
/// keeps up; one that falls this far behind is disconnected.
pub const CHAIN_EVENTS_CAPACITY: usize = 32_768;
/// Most subscriptions one WebSocket connection may hold; past it `eth_subscribe` answers
/// -32000 `too many subscriptions`.
pub const MAX_SUBSCRIPTIONS_PER_CONNECTION: usize = 64;
/// Sealed block hashes remembered to find where an `evm_revert` took the chain back to.
const RECENT_HASHES: usize = 1024;

/// One change of the chain, its JSON built once for every subscriber.
#[derive(Debug, Clone)]
pub enum ChainEvent {
    /// A transaction was executed (into the open block, or mined at once with automine).
    PendingTransaction(B256),
    /// A block was sealed.
    Block(Arc<SealedBlock>),
    /// The node is stopping: connections close.
    Stopping,
}

/// A sealed block as `newHeads` and `logs` subscriptions send it.
#[derive(Debug)]
pub struct SealedBlock {
    /// Its number.
    pub number: u64,
    /// The header as `eth_getBlockByNumber` gives it, without transactions.
    pub header: Box<RawValue>,
    /// Its logs, in order.
    pub logs: Vec<LogEvent>,
}

/// One log of a sealed block.
#[derive(Debug)]
pub struct LogEvent {
    /// The log itself, to match filters against.
    pub log: alloy::primitives::Log,
    /// The log as `eth_getLogs` gives it.
    pub json: Box<RawValue>,
}

/// The chain's changes, published from the chain thread ([`ChainFeed::publish`]).
#[derive(Debug)]
pub struct ChainFeed {
    sender: broadcast::Sender<ChainEvent>,
    cursor: Mutex<Cursor>,
}

/// What was published last.
#[derive(Debug)]
struct Cursor {
    /// Recent sealed blocks published, oldest first (the latest last).
    published: VecDeque<(u64, B256)>,
    /// The next transaction to announce: its block and position (the open block is
    /// `latest + 1`, and its transactions keep their positions when it is sealed).
    next_tx: (u64, usize),
}

impl ChainFeed {
    /// A feed whose first events are the changes after `chain` as it is now.
    pub fn new(chain: &Chain) -> Self {
        let latest = chain.latest();
        Self {
            sender: broadcast::channel(CHAIN_EVENTS_CAPACITY).0,
            cursor: Mutex::new(Cursor {
                published: VecDeque::from([(latest.header.number, latest.hash)]),
                next_tx: (latest.header.number + 1, chain.pending_txs().len()),
            }),
        }
    }

    /// A receiver of the events published from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<ChainEvent> {
        self.sender.subscribe()
    }

    /// Tells every subscriber the node is stopping.
    pub fn close(&self) {
        let _ = self.sender.send(ChainEvent::Stopping);
    }

    /// Publishes what changed in `chain` since the last call: new transactions' hashes, then
    /// each new sealed block. Called on the chain thread after every job; with nobody
    /// subscribed it only moves its cursor.
    pub fn publish(&self, chain: &Chain) {
        let mut cursor = self.cursor.lock().unwrap_or_else(PoisonError::into_inner);
        let latest = chain.block_number();
        let last = cursor.rewind_to(chain);
        let listening = self.sender.receiver_count() > 0;
        for number in last + 1..=latest {
            let Some(block) = chain.block(number) else {
                break;
            };
            if listening {
                let skip = if cursor.next_tx.0 == number {
                    cursor.next_tx.1
                } else {
                    0
                };
                for hash in block.transactions.iter().skip(skip) {
                    let _ = self.sender.send(ChainEvent::PendingTransaction(*hash));
                }
                if let Some(sealed) = sealed_block(chain, number) {
                    let _ = self.sender.send(ChainEvent::Block(Arc::new(sealed)));
                }
            }
            cursor.published.push_back((number, block.hash));
            if cursor.published.len() > RECENT_HASHES {
                cursor.published.pop_front();
            }
        }
        let open = latest + 1;
        let pending = chain.pending_txs();
        let from = if cursor.next_tx.0 == open {
            cursor.next_tx.1.min(pending.len())
        } else {
            0
        };
        if listening {
            for tx in &pending[from..] {
                let _ = self
                    .sender
                    .send(ChainEvent::PendingTransaction(*tx.envelope.tx_hash()));
            }
        }
        cursor.next_tx = (open, pending.len());
    }
}

impl Cursor {
    /// The latest published block still in `chain`: after an `evm_revert` the chain is
    /// shorter (or, when more blocks were mined in the same job, different from some height
    /// on), and publishing resumes after the last block both share.
    fn rewind_to(&mut self, chain: &Chain) -> u64 {
        while let Some(&(number, hash)) = self.published.back() {
            if chain.block(number).is_some_and(|b| b.hash == hash) {
                return number;
            }
            self.published.pop_back();
            // The open block's transactions announced before the revert are gone.
            self.next_tx = (number, 0);
        }
        // Reverted past every remembered block (more than `RECENT_HASHES` back).
        let latest = chain.latest();
        self.published
            .push_back((latest.header.number, latest.hash));
        self.next_tx = (latest.header.number + 1, 0);
        latest.header.number
    }
}

/// The header and logs of block `number`, as JSON.
fn sealed_block(chain: &Chain, number: u64) -> Option<SealedBlock> {
    let block = chain.block(number)?;
    let header =
        serde_json::value::to_raw_value(&convert::block(chain, block, false).header).ok()?;
    let unbounded = LogLimits {
        results: usize::MAX,
        bytes: usize::MAX,
    };
    // One block's logs are bounded by its gas.
    let logs = chain
        .logs(number, number, &Filter::default(), unbounded)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|log| {
            let json = serde_json::value::to_raw_value(&log).ok()?;
            Some(LogEvent {
                log: log.inner,
                json,
            })
        })
        .collect();
    Some(SealedBlock {
        number,
        header,
        logs,
    })
}

/// What a subscription sends.
#[derive(Debug, Clone)]
pub enum SubscriptionKind {
    /// `newHeads`: every sealed block's header.
    NewHeads,
    /// `logs`: the logs matching the address and topics of the filter (its block range is not
    /// used: logs of new blocks only, as geth).
    Logs(Box<Filter>),
    /// `newPendingTransactions`: the hash of every transaction executed.
    PendingTransactions,
}

impl SubscriptionKind {
    /// Reads `eth_subscribe`'s parameters (a JSON array).
    pub fn parse(params: &str) -> Result<Self, RpcError> {
        #[derive(Deserialize)]
        struct Params<'a>(String, #[serde(default, borrow)] Option<&'a RawValue>);
        let Params(kind, options) = serde_json::from_str::<Params<'_>>(params)
            .map_err(|e| RpcError::params(format!("invalid eth_subscribe parameters: {e}")))?;
        let options = options.map(RawValue::get).filter(|o| *o != "null");
        match (kind.as_str(), options) {
            ("newHeads", None) => Ok(Self::NewHeads),
            ("newPendingTransactions", None | Some("false")) => Ok(Self::PendingTransactions),
            ("newPendingTransactions", Some(_)) => Err(RpcError::params(
                "newPendingTransactions: only transaction hashes are sent (no full transactions)",
            )),
            ("logs", options) => {
                let filter: Filter = serde_json::from_str(options.unwrap_or("{}"))
                    .map_err(|e| RpcError::params(format!("invalid logs filter: {e}")))?;
                super::api::check_filter_size(&filter)?;
                Ok(Self::Logs(Box::new(filter)))
            }
            ("newHeads", Some(_)) => Err(RpcError::params("newHeads takes no options")),
            (other, _) => Err(RpcError::params(format!(
                "unknown subscription {other:?}: newHeads, logs or newPendingTransactions"
            ))),
        }
    }
}

/// The subscriptions of one connection, by id.
#[derive(Debug, Default)]
pub struct Subscriptions {
    by_id: HashMap<U128, SubscriptionKind>,
    counter: u64,
}

impl Subscriptions {
    /// Adds a subscription; its id, or -32000 past [`MAX_SUBSCRIPTIONS_PER_CONNECTION`].
    pub fn add(&mut self, kind: SubscriptionKind) -> Result<U128, RpcError> {
        if self.by_id.len() >= MAX_SUBSCRIPTIONS_PER_CONNECTION {
            return Err(RpcError::new(
                codes::SERVER_ERROR,
                format!(
                    "too many subscriptions: at most {MAX_SUBSCRIPTIONS_PER_CONNECTION} per connection"
                ),
            ));
        }
        self.counter += 1;
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        // Unguessable, as geth's and anvil's ids.
        let seed = [
            self.counter.to_be_bytes().as_slice(),
            nanos.to_be_bytes().as_slice(),
            &(std::ptr::from_ref(self) as usize).to_be_bytes(),
        ]
        .concat();
        let id = U128::from_be_slice(&keccak256(seed)[..16]);
        self.by_id.insert(id, kind);
        Ok(id)
    }

    /// `eth_unsubscribe`: whether the subscription existed.
    pub fn remove(&mut self, id: U128) -> bool {
        self.by_id.remove(&id).is_some()
    }

    /// How many subscriptions are held.
    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    /// The notifications `event` gives this connection's subscriptions, in order, each as the
    /// text of a message.
    pub fn notifications(&self, event: &ChainEvent) -> Vec<String> {
        let mut out = Vec::new();
        for (id, kind) in &self.by_id {
            match (kind, event) {
                (SubscriptionKind::NewHeads, ChainEvent::Block(block)) => {
                    out.push(notification(*id, block.header.get()));
                }
                (SubscriptionKind::Logs(filter), ChainEvent::Block(block)) => {
                    for log in &block.logs {
                        if filter.matches_address(log.log.address)
                            && filter.matches_topics(log.log.topics())
                        {
                            out.push(notification(*id, log.json.get()));
                        }
                    }
                }
                (SubscriptionKind::PendingTransactions, ChainEvent::PendingTransaction(hash)) => {
                    out.push(notification(*id, &format!("\"{hash}\"")));
                }
                _ => {}
            }
        }
        out
    }
}

/// geth's notification: `{"jsonrpc":"2.0","method":"eth_subscription","params":{…}}`.
fn notification(id: U128, result: &str) -> String {
    format!(
        "{{\"jsonrpc\":\"2.0\",\"method\":\"eth_subscription\",\"params\":{{\"subscription\":{},\"result\":{result}}}}}",
        id_json(id)
    )
}

/// A subscription id as JSON: `"0x…"` (quantity hex, as filter ids).
pub fn id_json(id: U128) -> String {
    serde_json::to_string(&id).unwrap_or_else(|_| "null".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscribe_parameters_are_checked() {
        assert!(matches!(
            SubscriptionKind::parse(r#"["newHeads"]"#),
            Ok(SubscriptionKind::NewHeads)
        ));
        assert!(matches!(
            SubscriptionKind::parse(
                r#"["logs",{"address":"0x0000000000000000000000000000000000000001"}]"#
            ),
            Ok(SubscriptionKind::Logs(_))
        ));
        assert!(matches!(
            SubscriptionKind::parse(r#"["newPendingTransactions"]"#),
            Ok(SubscriptionKind::PendingTransactions)
        ));
        for bad in [
            r#"["syncing"]"#,
            "[]",
            r#"["logs",5]"#,
            r#"["newHeads",{}]"#,
            r#"["newPendingTransactions",true]"#,
        ] {
            let e = SubscriptionKind::parse(bad).expect_err(bad);
            assert_eq!(e.code, codes::INVALID_PARAMS, "{bad}");
        }
    }

    #[test]
    fn subscriptions_per_connection_are_bounded() {
        let mut subs = Subscriptions::default();
        let first = subs.add(SubscriptionKind::NewHeads).expect("first");
        for _ in 1..MAX_SUBSCRIPTIONS_PER_CONNECTION {
            subs.add(SubscriptionKind::NewHeads)
                .expect("within the cap");
        }
        let e = subs
            .add(SubscriptionKind::NewHeads)
            .expect_err("past the cap");
        assert_eq!(e.code, codes::SERVER_ERROR);
        assert!(subs.remove(first));
        assert!(!subs.remove(first));
        subs.add(SubscriptionKind::NewHeads).expect("room again");
    }
}
