//! The fuzz targets: each is a `fn(&[u8])` that feeds the input to a real parser or handler
//! and checks its properties, with a seed corpus of valid inputs and a dictionary of tokens.

mod addresses;
mod env_file;
mod gas_station;
mod http_case;
mod indexer_log;
mod jsonrpc;
mod mcr;
mod metadata;
pub mod stack;
mod wallet_file;

use crate::engine::ExecResult;

/// One fuzz target.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    /// Its name (`--list`, the crash folder).
    pub name: &'static str,
    /// What it feeds and what it checks.
    pub about: &'static str,
    /// Setup before the clock starts (e.g. the in-process devnet); idempotent.
    pub prepare: fn() -> Result<(), String>,
    /// The seed corpus: valid inputs.
    pub seeds: fn() -> Vec<Vec<u8>>,
    /// Tokens the mutators insert.
    pub dictionary: &'static [&'static str],
    /// Whether the JSON-aware mutators apply (the input, or its body after a blank line, is
    /// JSON).
    pub json_aware: bool,
    /// Runs one input: the outcome label (new labels grow the corpus) or a property failure.
    pub run: fn(&[u8]) -> ExecResult,
}

/// No setup.
#[allow(clippy::unnecessary_wraps)]
const fn no_setup() -> Result<(), String> {
    Ok(())
}

/// Every target, in `--list` order.
pub fn all() -> Vec<Target> {
    vec![
        jsonrpc::TARGET,
        mcr::TARGET,
        gas_station::TARGET,
        addresses::DID,
        addresses::SS58,
        addresses::EVM_ADDRESS,
        wallet_file::TARGET,
        env_file::TARGET,
        metadata::TARGET,
        indexer_log::TARGET,
    ]
}

/// The target named `name`.
pub fn by_name(name: &str) -> Option<Target> {
    all().into_iter().find(|t| t.name == name)
}

/// `text` lossily as UTF-8 (so every input exercises a `&str` parser).
fn text(input: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(input)
}

/// A property failure.
fn violated<T>(message: impl Into<String>) -> Result<T, crate::engine::Failure> {
    Err(crate::engine::Failure::Property(message.into()))
}
