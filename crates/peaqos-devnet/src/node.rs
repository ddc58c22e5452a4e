//! The node: the chain behind a lock, the thread that runs chain work, the mining mode and the
//! dev accounts.
//!
//! Chain work (executing transactions, mining, scanning logs) is CPU-bound and holds the chain
//! lock; on the async runtime it would stall every other task of the process (in `peaqos dev`
//! the MCR and the Gas Station share it). So the RPC server and the timers hand it to
//! [`Node::run`]: one dedicated thread takes the jobs in order (as anvil isolates its backend),
//! and the async side only awaits the answer.

use std::{
    collections::HashSet,
    panic::AssertUnwindSafe,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use alloy::primitives::{Address, B256};
use tokio::sync::{mpsc, oneshot};

use crate::{
    accounts::DevAccount,
    chain::{Chain, ChainError},
    rpc::{access::AllowedOrigins, filters::Filters, subscriptions::ChainFeed},
};

/// Most chain jobs waiting for the chain thread; past it a caller waits (asynchronously) for a
/// free place, so a flood of requests queues in the sockets, not in memory.
pub const MAX_QUEUED_JOBS: usize = 1024;

/// Most accounts impersonated at once (`anvil_impersonateAccount`); past it -32000 until one
/// is stopped.
pub const MAX_IMPERSONATED: usize = 1024;

/// Impersonating more than [`MAX_IMPERSONATED`] accounts was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many impersonated accounts: at most {MAX_IMPERSONATED}")]
pub struct TooManyImpersonated;

type Job = Box<dyn FnOnce() + Send>;

/// A running chain shared by the RPC server and the block timer.
#[derive(Debug)]
pub struct Node {
    chain: Mutex<Chain>,
    automine: bool,
    accounts: Vec<DevAccount>,
    jobs: mpsc::Sender<Job>,
    stopping: AtomicBool,
    origins: AllowedOrigins,
    impersonated: Mutex<HashSet<Address>>,
    filters: Mutex<Filters>,
    feed: ChainFeed,
}

/// The node is stopping: the job was not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the devnet is shutting down")]
pub struct NodeStopping;

impl Node {
    /// Wraps `chain`; with `automine` every transaction is mined into its own block at once.
    /// Starts the chain thread, which ends when the node is dropped.
    pub fn new(chain: Chain, automine: bool, accounts: Vec<DevAccount>) -> Self {
        let (jobs, mut queue) = mpsc::channel::<Job>(MAX_QUEUED_JOBS);
        let spawned = std::thread::Builder::new()
            .name("peaqos-devnet-chain".to_owned())
            .spawn(move || {
                while let Some(job) = queue.blocking_recv() {
                    // A panicking job answers nobody (its caller sees the dropped reply) and
                    // must not take the thread with it.
                    let _ = std::panic::catch_unwind(AssertUnwindSafe(job));
                }
            });
        if let Err(e) = spawned {
            // Without the thread every `run` answers `NodeStopping`; the synchronous API works.
            tracing::error!(error = %e, "cannot start the chain thread");
        }
        let feed = ChainFeed::new(&chain);
        Self {
            chain: Mutex::new(chain),
            automine,
            accounts,
            jobs,
            stopping: AtomicBool::new(false),
            origins: AllowedOrigins::loopback(),
            impersonated: Mutex::new(HashSet::new()),
            filters: Mutex::new(Filters::default()),
            feed,
        }
    }

    /// Sets the browser origins the RPC server accepts (default: loopback ones).
    #[must_use]
    pub fn with_allowed_origins(mut self, origins: AllowedOrigins) -> Self {
        self.origins = origins;
        self
    }

    /// The browser origins the RPC server accepts.
    pub const fn allowed_origins(&self) -> &AllowedOrigins {
        &self.origins
    }

    /// Runs `f` on the chain thread and awaits its result, without blocking an async worker.
    /// Jobs run one at a time, in the order they were queued; once [`Node::stop`] was called,
    /// jobs not started yet are not run (`NodeStopping`).
    pub async fn run<T: Send + 'static>(
        self: &Arc<Self>,
        f: impl FnOnce(&Self) -> T + Send + 'static,
    ) -> Result<T, NodeStopping> {
        if self.is_stopping() {
            return Err(NodeStopping);
        }
        let (reply, answer) = oneshot::channel();
        let node = Arc::clone(self);
        let job: Job = Box::new(move || {
            if !node.is_stopping() {
                let answer = f(&node);
                // What the job changed goes to the subscribers before its caller hears back.
                node.with_chain(|c| node.feed.publish(c));
                let _ = reply.send(answer);
            }
        });
        self.jobs.send(job).await.map_err(|_| NodeStopping)?;
        answer.await.map_err(|_| NodeStopping)
    }

    /// Stops taking chain jobs: queued ones are dropped unanswered, long ones (`anvil_mine`)
    /// end early. The synchronous API keeps working (to save the state).
    pub fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.feed.close();
    }

    /// Whether [`Node::stop`] was called.
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Runs `f` with the chain locked, on the calling thread. From async code prefer
    /// [`Node::run`]: this blocks until any chain job in progress ends.
    pub fn with_chain<T>(&self, f: impl FnOnce(&Chain) -> T) -> T {
        let guard = self
            .chain
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&guard)
    }

    /// Runs `f` with the chain locked for writing, on the calling thread (see
    /// [`Node::with_chain`]).
    pub fn with_chain_mut<T>(&self, f: impl FnOnce(&mut Chain) -> T) -> T {
        let mut guard = self
            .chain
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    /// Executes a signed transaction (and mines it with automine).
    pub fn send_raw(&self, raw: &[u8]) -> Result<B256, ChainError> {
        let automine = self.automine;
        self.with_chain_mut(|c| c.send_raw_transaction(raw, automine))
    }

    /// The prefunded dev accounts.
    pub fn accounts(&self) -> &[DevAccount] {
        &self.accounts
    }

    /// `anvil_impersonateAccount`: `eth_sendTransaction` from `address` is accepted without its
    /// key.
    pub fn impersonate(&self, address: Address) -> Result<(), TooManyImpersonated> {
        let mut set = lock(&self.impersonated);
        if set.len() >= MAX_IMPERSONATED && !set.contains(&address) {
            return Err(TooManyImpersonated);
        }
        set.insert(address);
        Ok(())
    }

    /// `anvil_stopImpersonatingAccount`.
    pub fn stop_impersonating(&self, address: Address) {
        lock(&self.impersonated).remove(&address);
    }

    /// Whether `address` is impersonated.
    pub fn is_impersonated(&self, address: Address) -> bool {
        lock(&self.impersonated).contains(&address)
    }

    /// Runs `f` on the installed filters.
    pub fn with_filters<T>(&self, f: impl FnOnce(&mut Filters) -> T) -> T {
        f(&mut lock(&self.filters))
    }

    /// The chain's changes for `eth_subscribe` (published after every job of [`Node::run`]).
    pub const fn chain_feed(&self) -> &ChainFeed {
        &self.feed
    }

    /// True when every transaction is mined at once.
    pub const fn automine(&self) -> bool {
        self.automine
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
