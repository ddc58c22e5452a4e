//! ABI-decoded logs in the MCR indexer: an RPC log (any address among the watched contracts,
//! any topics, any data) through `Indexer::decode`, and what it yields through `Store::apply`
//! into a SQLite store (then rolled back). Properties: no panic, no decode error, and every
//! batch the decoder produces can be stored (a batch that cannot would stop the indexer for
//! good).
//!
//! Input: byte 0 picks the address (the six watched contracts, another address, zero), byte 1
//! the number of topics (0–4), then 32 bytes per topic, then the log data.

use std::sync::OnceLock;

use alloy::{
    primitives::{Address, B256, Bytes, LogData, U256},
    rpc::types::Log,
    sol_types::SolEvent,
};
use peaqos_contracts::bindings::{
    AdminFlags, DIDPrecompile, EventRegistry, IdentityRegistry, IdentityStaking, MachineNFT,
};
use peaqos_mcr::{
    chain::Chain,
    indexer::Indexer,
    store::{Batch, BlockRef, Store},
};
use peaqos_types::ContractAddresses;

use super::{Target, violated};
use crate::engine::{ExecResult, Failure};

/// Indexer logs.
pub(super) const TARGET: Target = Target {
    name: "indexer-log",
    about: "an RPC log (watched address, topics, data) through the MCR indexer's decoder and \
            the store: no panic, no error, every decoded batch can be stored",
    prepare,
    seeds,
    dictionary: &["\u{0}\u{0}\u{0}\u{0}", "\u{ff}\u{ff}\u{ff}\u{ff}"],
    json_aware: false,
    run,
};

/// The watched contracts (fixed addresses: decoding needs no chain).
fn contracts() -> ContractAddresses {
    ContractAddresses {
        identity_registry: Address::repeat_byte(0x11),
        identity_staking: Address::repeat_byte(0x22),
        event_registry: Address::repeat_byte(0x33),
        machine_nft: Address::repeat_byte(0x44),
        did_registry: Address::repeat_byte(0x55),
        batch_precompile: Address::repeat_byte(0x66),
        machine_account_factory: None,
        machine_nft_adapter: None,
        admin_flags: Some(Address::repeat_byte(0x77)),
    }
}

const ADDRESSES: [u8; 8] = [0x11, 0x22, 0x33, 0x44, 0x55, 0x77, 0x99, 0x00];

struct IndexerEnv {
    _dir: tempfile::TempDir,
    runtime: tokio::runtime::Runtime,
    indexer: Indexer,
    store: Store,
}

static ENV: OnceLock<Result<IndexerEnv, String>> = OnceLock::new();

fn env() -> Result<&'static IndexerEnv, String> {
    ENV.get_or_init(setup).as_ref().map_err(Clone::clone)
}

fn prepare() -> Result<(), String> {
    env().map(|_| ())
}

fn setup() -> Result<IndexerEnv, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let url = format!("sqlite://{}", dir.path().join("indexer.db").display());
    let store = runtime
        .block_on(Store::connect(&url, 1))
        .map_err(|e| format!("store: {e}"))?;
    // Never called by `decode`: an address nothing listens on.
    let chain = Chain::new("http://127.0.0.1:9").map_err(|e| e.to_string())?;
    let indexer = Indexer::new(chain, store.clone(), contracts(), 0, 0, 1000);
    Ok(IndexerEnv {
        _dir: dir,
        runtime,
        indexer,
        store,
    })
}

/// The input of a log at `address` with `data`.
fn encode(address: u8, data: &LogData) -> Vec<u8> {
    let selector = ADDRESSES.iter().position(|a| *a == address).unwrap_or(6);
    let mut out = vec![
        u8::try_from(selector).unwrap_or(6),
        u8::try_from(data.topics().len()).unwrap_or(0),
    ];
    for t in data.topics() {
        out.extend_from_slice(t.as_slice());
    }
    out.extend_from_slice(&data.data);
    out
}

fn seeds() -> Vec<Vec<u8>> {
    let id = U256::from(1);
    let owner = Address::repeat_byte(0xab);
    let mut seeds = vec![
        encode(
            0x11,
            &IdentityRegistry::Registered {
                machineId: id,
                machineURI: "https://mcr/machines/1".into(),
                owner,
            }
            .encode_log_data(),
        ),
        encode(
            0x11,
            &IdentityRegistry::OperatorSet {
                machineId: id,
                operator: owner,
            }
            .encode_log_data(),
        ),
        encode(
            0x11,
            &IdentityRegistry::MachineVerified { machineId: id }.encode_log_data(),
        ),
        encode(
            0x11,
            &IdentityRegistry::MachineDeactivated {
                machineId: id,
                owner,
            }
            .encode_log_data(),
        ),
        encode(
            0x11,
            &IdentityRegistry::MachineReactivated {
                machineId: id,
                owner,
            }
            .encode_log_data(),
        ),
        encode(
            0x22,
            &IdentityStaking::Staked {
                machineId: id,
                owner,
                amount: U256::from(10).pow(U256::from(18)),
            }
            .encode_log_data(),
        ),
        encode(
            0x77,
            &AdminFlags::TrustOverrideSet {
                machineId: id,
                value: U256::from(5000),
            }
            .encode_log_data(),
        ),
        encode(
            0x77,
            &AdminFlags::MachineFlagged {
                machineId: id,
                flaggedAt: U256::from(1_700_000_000),
            }
            .encode_log_data(),
        ),
        encode(
            0x44,
            &MachineNFT::MachineMinted {
                tokenId: id,
                machineId: id,
                recipient: owner,
            }
            .encode_log_data(),
        ),
        encode(
            0x44,
            &MachineNFT::Transfer {
                from: Address::ZERO,
                to: owner,
                tokenId: id,
            }
            .encode_log_data(),
        ),
        encode(
            0x55,
            &DIDPrecompile::AddAttribute {
                sender: owner,
                did_account: owner,
                name: Bytes::from_static(b"machines"),
                value: Bytes::from_static(b"[1,2]"),
                validity: 0,
            }
            .encode_log_data(),
        ),
        encode(
            0x55,
            &DIDPrecompile::RemoveAttribute {
                did_account: owner,
                name: Bytes::from_static(b"data_api"),
            }
            .encode_log_data(),
        ),
    ];
    // EventSubmitted: topics only (its data is type, value); the struct comes from getEvents.
    let mut submitted = vec![5, 4];
    for t in [
        EventRegistry::EventSubmitted::SIGNATURE_HASH,
        B256::from(id),
        B256::ZERO,
        B256::repeat_byte(1),
    ] {
        submitted.extend_from_slice(t.as_slice());
    }
    submitted.extend_from_slice(&[0u8; 64]);
    submitted[0] = 2;
    seeds.push(submitted);
    seeds
}

/// The log of `input`.
fn log_of(input: &[u8]) -> Log {
    let address = Address::repeat_byte(
        ADDRESSES[usize::from(input.first().copied().unwrap_or(0)) % ADDRESSES.len()],
    );
    let topics_n = usize::from(input.get(1).copied().unwrap_or(0) % 5);
    let rest = input.get(2..).unwrap_or_default();
    let mut topics = Vec::with_capacity(topics_n);
    for i in 0..topics_n {
        let mut word = [0u8; 32];
        let chunk = rest.get(i * 32..).unwrap_or_default();
        let n = chunk.len().min(32);
        word[..n].copy_from_slice(&chunk[..n]);
        topics.push(B256::from(word));
    }
    let data = rest.get(topics_n * 32..).unwrap_or_default().to_vec();
    Log {
        inner: alloy::primitives::Log {
            address,
            data: LogData::new_unchecked(topics, data.into()),
        },
        block_number: Some(7),
        block_hash: Some(B256::repeat_byte(7)),
        log_index: Some(3),
        ..Log::default()
    }
}

fn run(input: &[u8]) -> ExecResult {
    let env = env().map_err(Failure::Property)?;
    let log = log_of(input);
    let mut batch = Batch {
        to: Some(BlockRef {
            number: 7,
            hash: B256::repeat_byte(7),
            timestamp: 1_700_000_000,
        }),
        ..Batch::default()
    };
    let submitted = match env.indexer.decode(&log, 7, 3, &mut batch) {
        Ok(s) => s,
        Err(e) => return violated(format!("decode failed: {e}")),
    };
    let label = format!(
        "m{} c{} t{} n{} d{} e{}",
        batch.machines.len(),
        batch.changes.first().map_or_else(String::new, |c| format!(
            "{:?}",
            std::mem::discriminant(&c.3)
        )),
        batch.transfers.len(),
        batch.mints.len(),
        batch.did.len(),
        u8::from(submitted.is_some()),
    );
    let stored = env.runtime.block_on(async {
        let applied = env.store.apply(&batch).await;
        let rolled_back = env.store.rollback(None).await;
        (applied, rolled_back)
    });
    match stored {
        (Ok(()), Ok(())) => Ok(label),
        (Err(e), _) => violated(format!("a decoded batch cannot be stored: {e}")),
        (_, Err(e)) => violated(format!("rollback failed: {e}")),
    }
}
