//! The node: the chain behind a lock, the mining mode and the dev accounts.

use std::sync::Mutex;

use alloy::primitives::B256;

use crate::{
    accounts::DevAccount,
    chain::{Chain, ChainError},
};

/// A running chain shared by the RPC server and the block timer.
#[derive(Debug)]
pub struct Node {
    chain: Mutex<Chain>,
    automine: bool,
    accounts: Vec<DevAccount>,
}

impl Node {
    /// Wraps `chain`; with `automine` every transaction is mined into its own block at once.
    pub fn new(chain: Chain, automine: bool, accounts: Vec<DevAccount>) -> Self {
        Self {
            chain: Mutex::new(chain),
            automine,
            accounts,
        }
    }

    /// Runs `f` with the chain locked.
    pub fn with_chain<T>(&self, f: impl FnOnce(&Chain) -> T) -> T {
        let guard = self
            .chain
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&guard)
    }

    /// Runs `f` with the chain locked for writing.
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

    /// True when every transaction is mined at once.
    pub const fn automine(&self) -> bool {
        self.automine
    }
}
