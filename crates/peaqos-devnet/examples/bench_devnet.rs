//! Throughput and memory benchmark of the devnet, with anvil as the yardstick.
//!
//! ```sh
//! cargo build --release -p peaqos-devnet          # the devnet binary the benchmark spawns
//! cargo run --release -p peaqos-devnet --example bench_devnet            # everything
//! cargo run --release -p peaqos-devnet --example bench_devnet -- --help  # options
//! ```
//!
//! 1. Throughput: signed `EventRegistry.submitEvent` transactions, pre-signed with explicit
//!    nonce, gas and fees, sent with `eth_sendRawTransaction` over HTTP. Modes (`--mode`):
//!    `sequential` (one sender; each transaction's receipt is polled with
//!    `eth_getTransactionReceipt` before the next is sent; an empty poll waits 1 ms, or not at
//!    all with `--poll busy`), `concurrent` (`--senders` registered machines doing the same at
//!    once), and, on request, `pipelined` (one sender sending everything back to back, then
//!    waiting for the last receipt). Each mode runs on a fresh node: the release devnet binary
//!    (or in-process with `--in-process`) and anvil (`--hardfork cancun`, the DID / WPEAQ
//!    stand-ins and the stack deployed the same way, automine). Prints tx/s and the
//!    devnet/anvil ratio.
//! 2. Memory: a fresh devnet process filled with `--events` stored events (Batch precompile
//!    transactions of many `submitEvent` subcalls from the machine's EOA, blocks kept at or
//!    under the 15M gas target so the base fee stays flat), then `VmRSS` / `VmHWM` from
//!    `/proc/<pid>/status`: RSS and bytes per event.
//! 3. Logs: a fresh devnet process with a chain of `--log-blocks` blocks of one `submitEvent`
//!    each (8 machines in turn), then `eth_getLogs` latency over the newest and the oldest
//!    10,000 blocks (the range limit): one machine's events, every event, one event by its
//!    index, and one block by hash.
//!
//! Figures only: nothing here asserts on timings.
#![allow(clippy::print_stdout)] // printing the figures is the point

use std::{
    io::{BufRead, BufReader},
    net::TcpListener,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use alloy::{
    consensus::{SignableTransaction, TxEip1559, TxEnvelope},
    eips::{BlockNumberOrTag, Encodable2718},
    network::{EthereumWallet, TxSignerSync},
    node_bindings::{Anvil, AnvilInstance},
    primitives::{Address, B256, Bytes, TxKind, U256, keccak256},
    providers::{DynProvider, Provider, ProviderBuilder},
    signers::local::PrivateKeySigner,
    sol_types::{SolCall, SolEvent},
};
use clap::{Parser, ValueEnum};
use eyre::{WrapErr, bail, eyre};
use peaqos_contracts::{
    DeployConfig,
    bindings::{BatchPrecompile, EventRegistry, IdentityRegistry},
    deploy, place_standins,
};
use peaqos_devnet::{DEV_MNEMONIC, Devnet, DevnetConfig, accounts::derive_accounts};
use peaqos_types::constants::{BATCH_PRECOMPILE_ADDRESS, DEFAULT_MIN_BOND, LOCAL_CHAIN_ID};

/// Fees of every benchmark transaction: far above both nodes' base fees, which stay near or
/// below their 1 gwei start because no block goes over the gas target.
const MAX_FEE: u128 = 20_000_000_000;
const PRIORITY_FEE: u128 = 1_000_000_000;
/// Gas limit of a single `submitEvent` transaction (about 125k used; room for a first event).
const SUBMIT_GAS: u64 = 300_000;
/// How long the pipelined mode waits for its last receipt.
const PIPELINE_TIMEOUT: Duration = Duration::from_secs(60);
/// Batch transactions are sized to stay under the EIP-1559 gas target (half of 30M).
const BATCH_GAS_BUDGET: u64 = 14_500_000;

/// Throughput and memory benchmark of the peaqOS devnet, compared with anvil.
///
/// Needs the release devnet binary (`cargo build --release -p peaqos-devnet`) unless
/// `--in-process` is given and only the throughput part runs, and anvil (`PEAQOS_ANVIL` or the
/// npm binary from `npm ci` in contracts/) unless `--no-anvil`.
#[derive(Debug, Parser)]
#[command(name = "bench")]
struct Args {
    /// Which parts to run.
    #[arg(long, value_enum, default_value_t = Part::All)]
    run: Part,
    /// submitEvent transactions per throughput mode (split evenly among the senders).
    #[arg(long, default_value_t = 2000)]
    count: usize,
    /// Throughput modes to run (repeatable; default: sequential and concurrent).
    #[arg(long = "mode", value_enum, value_name = "MODE")]
    modes: Vec<Mode>,
    /// Concurrent senders of the concurrent mode (1..=9: dev accounts 1..=9, each a machine).
    #[arg(long, default_value_t = 8)]
    senders: usize,
    /// Events stored before measuring the devnet's memory.
    #[arg(long, default_value_t = 1_000_000)]
    events: usize,
    /// Blocks (one submitEvent each) of the chain `eth_getLogs` is timed on.
    #[arg(long, default_value_t = 100_000)]
    log_blocks: usize,
    /// submitEvent subcalls per Batch transaction while filling (default: as many as fit in
    /// 14.5M gas, at most 512).
    #[arg(long)]
    batch: Option<usize>,
    /// How a sender waits for its receipt: `sleep` re-polls `eth_getTransactionReceipt` 1 ms
    /// after an empty answer, `busy` re-polls at once.
    #[arg(long, value_enum, default_value_t = Poll::Sleep)]
    poll: Poll,
    /// An extra argument for anvil (repeatable), e.g. `--anvil-arg=--prune-history`.
    #[arg(long, value_name = "ARG", allow_hyphen_values = true)]
    anvil_arg: Vec<String>,
    /// Skip anvil (devnet figures only).
    #[arg(long)]
    no_anvil: bool,
    /// Run the devnet inside this process for the throughput part instead of spawning the
    /// binary (the memory part always spawns the binary).
    #[arg(long)]
    in_process: bool,
    /// The devnet binary (default: `peaqos-devnet` in the target directory this example was
    /// built into).
    #[arg(long, value_name = "PATH")]
    devnet_bin: Option<PathBuf>,
    /// The anvil binary (default: contracts/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil).
    #[arg(long, value_name = "PATH", env = "PEAQOS_ANVIL")]
    anvil: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Part {
    /// Throughput, memory and logs.
    All,
    /// Only the tx/s figures.
    Throughput,
    /// Only the devnet's RSS with `--events` stored events.
    Memory,
    /// Only the `eth_getLogs` latency on a chain of `--log-blocks` blocks.
    Logs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Mode {
    /// One sender, each transaction's receipt awaited before the next is sent.
    Sequential,
    /// `--senders` senders at once, each awaiting its receipts.
    Concurrent,
    /// One sender sending everything back to back, then awaiting the last receipt.
    Pipelined,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Poll {
    /// Re-poll at once (the client's round trip is the only delay).
    Busy,
    /// Re-poll after 1 ms.
    Sleep,
}

// ---------------------------------------------------------------------- nodes

/// A spawned process, killed when dropped.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

enum Guard {
    Process(ChildGuard),
    /// Held so that the devnet runs as long as the node is used.
    InProcess {
        _devnet: Box<Devnet>,
    },
    Anvil(AnvilInstance),
}

/// A node with the stack deployed.
struct Node {
    name: &'static str,
    url: String,
    registry: Address,
    events: Address,
    guard: Guard,
}

impl Node {
    fn pid(&self) -> Option<u32> {
        match &self.guard {
            Guard::Process(c) => Some(c.0.id()),
            Guard::Anvil(a) => Some(a.child().id()),
            Guard::InProcess { .. } => None,
        }
    }

    fn provider(&self) -> eyre::Result<DynProvider> {
        Ok(ProviderBuilder::new()
            .connect_http(self.url.parse()?)
            .erased())
    }
}

fn free_port() -> eyre::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

fn default_devnet_bin() -> PathBuf {
    // target/<profile>/examples/bench -> target/<profile>/peaqos-devnet
    std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.join("peaqos-devnet")))
        .unwrap_or_else(|| PathBuf::from("target/release/peaqos-devnet"))
}

fn devnet_bin(args: &Args) -> PathBuf {
    args.devnet_bin.clone().unwrap_or_else(default_devnet_bin)
}

fn anvil_bin(args: &Args) -> PathBuf {
    args.anvil
        .clone()
        .unwrap_or_else(peaqos_test_utils::anvil::anvil_path)
}

/// Spawns `peaqos-devnet --port P --no-env` and reads the addresses from its banner.
fn spawn_devnet_bin(bin: &Path) -> eyre::Result<Node> {
    if !bin.is_file() {
        bail!(
            "devnet binary not found at {}: build it with `cargo build --release -p peaqos-devnet` \
             (or pass --devnet-bin)",
            bin.display()
        );
    }
    let port = free_port()?;
    let mut child = Command::new(bin)
        .args(["--port", &port.to_string(), "--no-env"])
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .wrap_err_with(|| format!("spawning {}", bin.display()))?;
    let stdout = child.stdout.take().ok_or_else(|| eyre!("no stdout"))?;
    let guard = ChildGuard(child);
    let mut lines = BufReader::new(stdout).lines();
    let (mut registry, mut events) = (None, None);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let Some(line) = lines.next() else {
            bail!("{} exited before listening", bin.display());
        };
        let line = line?;
        let address = || {
            line.split_whitespace()
                .nth(1)
                .and_then(|a| a.parse::<Address>().ok())
        };
        if line.trim_start().starts_with("IdentityRegistry ") {
            registry = address();
        } else if line.trim_start().starts_with("EventRegistry ") {
            events = address();
        } else if line.starts_with("Listening on") {
            break;
        }
        if Instant::now() > deadline {
            bail!("{} did not start within 60 s", bin.display());
        }
    }
    // Keep the pipe drained for anything printed later.
    std::thread::spawn(move || for _ in lines {});
    Ok(Node {
        name: "devnet",
        url: format!("http://127.0.0.1:{port}"),
        registry: registry.ok_or_else(|| eyre!("no IdentityRegistry in the devnet's banner"))?,
        events: events.ok_or_else(|| eyre!("no EventRegistry in the devnet's banner"))?,
        guard: Guard::Process(guard),
    })
}

async fn spawn_devnet_in_process() -> eyre::Result<Node> {
    let devnet = Devnet::spawn(DevnetConfig::ephemeral()).await?;
    let d = devnet
        .deployment
        .clone()
        .ok_or_else(|| eyre!("no deployment"))?;
    Ok(Node {
        name: "devnet",
        url: devnet.url.clone(),
        registry: d.identity_registry.proxy,
        events: d.event_registry.proxy,
        guard: Guard::InProcess {
            _devnet: Box::new(devnet),
        },
    })
}

async fn spawn_anvil(
    path: &Path,
    extra: &[String],
    deployer: PrivateKeySigner,
) -> eyre::Result<Node> {
    if !path.is_file() {
        bail!(
            "anvil not found at {}: run `npm ci` in contracts/, set PEAQOS_ANVIL, or pass --no-anvil",
            path.display()
        );
    }
    let anvil = Anvil::new()
        .path(path)
        .arg("--hardfork")
        .arg("cancun")
        .chain_id(LOCAL_CHAIN_ID)
        .args(extra)
        .keep_stdout()
        .try_spawn()
        .wrap_err("starting anvil")?;
    // anvil logs every transaction to stdout: drain it as a terminal would.
    let mut anvil = anvil;
    if let Some(out) = anvil.child_mut().stdout.take() {
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut BufReader::new(out), &mut std::io::sink());
        });
    }
    let url = anvil.endpoint_url().to_string();
    let owner = deployer.address();
    let p = ProviderBuilder::new()
        .wallet(EthereumWallet::from(deployer))
        .connect_http(url.parse()?);
    place_standins(&p).await?;
    let d = deploy(&p, &DeployConfig::new(owner)).await?;
    Ok(Node {
        name: "anvil",
        url,
        registry: d.identity_registry.proxy,
        events: d.event_registry.proxy,
        guard: Guard::Anvil(anvil),
    })
}

fn anvil_version(path: &Path) -> String {
    Command::new(path)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.lines().next().map(str::to_owned))
        .unwrap_or_else(|| "anvil (unknown version)".to_owned())
}

// ---------------------------------------------------------------------- transactions

fn sign(key: &PrivateKeySigner, nonce: u64, to: Address, gas: u64, input: Bytes) -> (Bytes, B256) {
    let mut tx = TxEip1559 {
        chain_id: LOCAL_CHAIN_ID,
        nonce,
        gas_limit: gas,
        max_fee_per_gas: MAX_FEE,
        max_priority_fee_per_gas: PRIORITY_FEE,
        to: TxKind::Call(to),
        value: U256::ZERO,
        access_list: Default::default(),
        input,
    };
    let sig = key.sign_transaction_sync(&mut tx).expect("a dev key signs");
    let envelope: TxEnvelope = tx.into_signed(sig).into();
    let raw: Bytes = envelope.encoded_2718().into();
    let hash = keccak256(&raw);
    (raw, hash)
}

/// A revenue event with its own value and data hash (three fresh storage slots).
fn submit_event(machine: U256, i: u64, timestamp: u64) -> Bytes {
    EventRegistry::submitEventCall {
        machineId: machine,
        eventType: 0,
        value: U256::from(i + 1),
        currency: "USD".to_owned(),
        timestamp: U256::from(timestamp),
        dataHash: keccak256(i.to_be_bytes()),
        trustLevel: 0,
        sourceChainId: U256::ZERO,
        sourceTxHash: B256::ZERO,
        metadata: Bytes::new(),
    }
    .abi_encode()
    .into()
}

/// Registers each signer as a machine (1 PEAQ bond); returns the machine ids.
async fn register_machines(node: &Node, keys: &[PrivateKeySigner]) -> eyre::Result<Vec<U256>> {
    let mut ids = Vec::new();
    for key in keys {
        let p = ProviderBuilder::new()
            .wallet(EthereumWallet::from(key.clone()))
            .connect_http(node.url.parse()?);
        let receipt = IdentityRegistry::new(node.registry, &p)
            .register()
            .value(DEFAULT_MIN_BOND)
            .send()
            .await?
            .get_receipt()
            .await?;
        let log = receipt
            .decoded_log::<IdentityRegistry::Registered>()
            .ok_or_else(|| eyre!("{}: register reverted", node.name))?;
        ids.push(log.data.machineId);
    }
    Ok(ids)
}

async fn latest_timestamp(p: &DynProvider) -> eyre::Result<u64> {
    let block = p
        .get_block_by_number(BlockNumberOrTag::Latest)
        .await?
        .ok_or_else(|| eyre!("no latest block"))?;
    Ok(block.header.timestamp)
}

#[derive(Debug, Default, Clone)]
struct Sent {
    txs: usize,
    empty_polls: usize,
    gas: u64,
    /// Seconds since the start at the end of each quarter of the transactions.
    quarters: Vec<f64>,
}

/// Sends each transaction and polls for its receipt before sending the next.
async fn send_and_wait(p: DynProvider, txs: Vec<(Bytes, B256)>, poll: Poll) -> eyre::Result<Sent> {
    let mut sent = Sent::default();
    let start = Instant::now();
    let total = txs.len();
    for (raw, hash) in txs {
        let _: B256 = p
            .raw_request("eth_sendRawTransaction".into(), (raw,))
            .await
            .wrap_err("eth_sendRawTransaction")?;
        let receipt = loop {
            if let Some(r) = p.get_transaction_receipt(hash).await? {
                break r;
            }
            sent.empty_polls += 1;
            match poll {
                Poll::Busy => tokio::task::yield_now().await,
                Poll::Sleep => tokio::time::sleep(Duration::from_millis(1)).await,
            }
        };
        if !receipt.status() {
            bail!("transaction {hash} reverted");
        }
        sent.txs += 1;
        sent.gas += receipt.gas_used;
        if sent.txs * 4 >= total * (sent.quarters.len() + 1) {
            sent.quarters.push(start.elapsed().as_secs_f64());
        }
    }
    Ok(sent)
}

/// Sends every transaction back to back, then polls for the last one's receipt.
async fn send_then_wait_last(
    p: DynProvider,
    txs: Vec<(Bytes, B256)>,
    poll: Poll,
) -> eyre::Result<Sent> {
    let Some(last) = txs.last().map(|(_, h)| *h) else {
        return Ok(Sent::default());
    };
    let count = txs.len();
    for (raw, _) in txs {
        let _: B256 = p
            .raw_request("eth_sendRawTransaction".into(), (raw,))
            .await
            .wrap_err("eth_sendRawTransaction")?;
    }
    let mut sent = Sent {
        txs: count,
        ..Sent::default()
    };
    let deadline = Instant::now() + PIPELINE_TIMEOUT;
    let receipt = loop {
        if let Some(r) = p.get_transaction_receipt(last).await? {
            break r;
        }
        if Instant::now() > deadline {
            let block = p.get_block_number().await?;
            bail!(
                "the last of {count} pipelined transactions was not mined within {} s (latest block {block})",
                PIPELINE_TIMEOUT.as_secs()
            );
        }
        sent.empty_polls += 1;
        match poll {
            Poll::Busy => tokio::task::yield_now().await,
            Poll::Sleep => tokio::time::sleep(Duration::from_millis(1)).await,
        }
    };
    if !receipt.status() {
        bail!("transaction {last} reverted");
    }
    sent.gas = receipt.gas_used * count as u64;
    Ok(sent)
}

// ---------------------------------------------------------------------- throughput

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Devnet,
    Anvil,
}

/// A fresh node of `kind` with the stack deployed.
async fn fresh_node(kind: Kind, args: &Args, keys: &[PrivateKeySigner]) -> eyre::Result<Node> {
    match kind {
        Kind::Devnet if args.in_process => spawn_devnet_in_process().await,
        Kind::Devnet => spawn_devnet_bin(&devnet_bin(args)),
        Kind::Anvil => spawn_anvil(&anvil_bin(args), &args.anvil_arg, keys[0].clone()).await,
    }
}

/// One throughput mode on a fresh node: `senders` machines (dev accounts 1..) register, then
/// each sends its share of `count` pre-signed submitEvent transactions, all senders at once.
/// Returns tx/s.
async fn throughput(
    kind: Kind,
    senders: usize,
    pipelined: bool,
    keys: &[PrivateKeySigner],
    args: &Args,
) -> eyre::Result<f64> {
    let node = fresh_node(kind, args, keys).await?;
    let p = node.provider()?;
    let senders = &keys[1..=senders];
    let machines = register_machines(&node, senders).await?;
    let ts = latest_timestamp(&p).await?;
    let per_sender = args.count / senders.len();

    // Pre-sign everything, so that only sending and mining are timed.
    let mut work = Vec::new();
    for (s, key) in senders.iter().enumerate() {
        let nonce = p.get_transaction_count(key.address()).await?;
        let txs: Vec<(Bytes, B256)> = (0..per_sender as u64)
            .map(|i| {
                let data = submit_event(machines[s], i, ts);
                sign(key, nonce + i, node.events, SUBMIT_GAS, data)
            })
            .collect();
        work.push(txs);
    }

    let start = Instant::now();
    let tasks: Vec<_> = work
        .into_iter()
        .map(|txs| {
            if pipelined {
                tokio::spawn(send_then_wait_last(p.clone(), txs, args.poll))
            } else {
                tokio::spawn(send_and_wait(p.clone(), txs, args.poll))
            }
        })
        .collect();
    let mut all = Sent::default();
    for task in tasks {
        let s = task.await??;
        if all.quarters.is_empty() {
            all.quarters = s.quarters;
        }
        all.txs += s.txs;
        all.empty_polls += s.empty_polls;
        all.gas += s.gas;
    }
    let secs = start.elapsed().as_secs_f64();
    let rate = all.txs as f64 / secs;
    // Every event landed (pipelined mode only checked the last receipt).
    let stored: U256 = EventRegistry::new(node.events, &p)
        .totalEventCount()
        .call()
        .await?;
    if stored != U256::from(per_sender * senders.len()) {
        bail!(
            "{}: {stored} events stored, expected {}",
            node.name,
            per_sender * senders.len()
        );
    }

    // The first sender's pace over each quarter of its transactions.
    let quarter = per_sender as f64 / 4.0;
    let by_quarter: Vec<String> = all
        .quarters
        .iter()
        .scan(0.0, |prev, t| {
            let r = quarter / (t - *prev);
            *prev = *t;
            Some(format!("{r:.0}"))
        })
        .collect();
    println!(
        "  {:<7} {} sender(s){}: {:>5} tx in {:>6.2} s = {:>6.0} tx/s  (avg gas {}, empty receipt polls {}, \
         first sender's tx/s by quarter: {})",
        node.name,
        senders.len(),
        if pipelined { ", pipelined" } else { "" },
        all.txs,
        secs,
        rate,
        all.gas / all.txs.max(1) as u64,
        all.empty_polls,
        by_quarter.join(" / ")
    );
    Ok(rate)
}

// ---------------------------------------------------------------------- memory

fn proc_status_kib(pid: u32, field: &str) -> eyre::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| {
            l.strip_prefix(field)?
                .trim()
                .strip_suffix("kB")?
                .trim()
                .parse()
                .ok()
        })
        .ok_or_else(|| eyre!("no {field} in /proc/{pid}/status"))
}

fn batch_call(events: Address, calls: Vec<Bytes>) -> Bytes {
    BatchPrecompile::batchAllCall {
        to: vec![events; calls.len()],
        value: Vec::new(),
        callData: calls,
        gasLimit: Vec::new(),
    }
    .abi_encode()
    .into()
}

async fn memory(bin: &Path, keys: &[PrivateKeySigner], args: &Args) -> eyre::Result<()> {
    let node = spawn_devnet_bin(bin)?;
    let pid = node.pid().ok_or_else(|| eyre!("no pid"))?;
    let p = node.provider()?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let rss_start = proc_status_kib(pid, "VmRSS:")?;

    let machine_key = &keys[1];
    let machine = register_machines(&node, std::slice::from_ref(machine_key)).await?[0];
    let ts = latest_timestamp(&p).await?;
    let from = machine_key.address();
    let mut nonce = p.get_transaction_count(from).await?;
    let rss_registered = proc_status_kib(pid, "VmRSS:")?;

    // Size the batches: the gas of 100 subcalls, estimated on the empty log.
    let probe: Vec<Bytes> = (0..100u64).map(|i| submit_event(machine, i, ts)).collect();
    let probe_gas: u64 = {
        let req = alloy::rpc::types::TransactionRequest::default()
            .from(from)
            .to(BATCH_PRECOMPILE_ADDRESS)
            .input(batch_call(node.events, probe).into());
        p.estimate_gas(req)
            .await
            .wrap_err("estimating a batch of 100 submitEvent")?
    };
    let per_event = probe_gas / 100;
    let batch = args
        .batch
        .unwrap_or_else(|| usize::try_from(BATCH_GAS_BUDGET / per_event).unwrap_or(512))
        .clamp(1, 512);
    let batch_gas = (per_event + per_event / 5) * batch as u64 + 100_000;
    println!(
        "  filling: {} events, {batch} submitEvent subcalls per Batch transaction (~{per_event} gas each, \
         tx gas limit {batch_gas})",
        args.events
    );

    let start = Instant::now();
    let mut stored = 0usize;
    let mut calldata = 0usize;
    let mut next_report = args.events / 10;
    let mut total_gas = 0u64;
    let mut txs = 0usize;
    while stored < args.events {
        let n = batch.min(args.events - stored);
        let calls: Vec<Bytes> = (stored..stored + n)
            .map(|i| submit_event(machine, i as u64, ts))
            .collect();
        let input = batch_call(node.events, calls);
        calldata += input.len();
        let tx = sign(
            machine_key,
            nonce,
            BATCH_PRECOMPILE_ADDRESS,
            batch_gas,
            input,
        );
        nonce += 1;
        let sent = send_and_wait(p.clone(), vec![tx], Poll::Busy).await?;
        total_gas += sent.gas;
        txs += 1;
        stored += n;
        if stored >= next_report && next_report > 0 {
            let rss = proc_status_kib(pid, "VmRSS:")?;
            println!(
                "    {stored:>9} events  {:>6.1} s  RSS {:>7.1} MiB",
                start.elapsed().as_secs_f64(),
                rss as f64 / 1024.0
            );
            next_report += args.events / 10;
        }
    }
    let fill_secs = start.elapsed().as_secs_f64();
    let total: U256 = EventRegistry::new(node.events, &p)
        .totalEventCount()
        .call()
        .await?;
    if total != U256::from(args.events) {
        bail!("totalEventCount is {total}, expected {}", args.events);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_end = proc_status_kib(pid, "VmRSS:")?;
    let hwm = proc_status_kib(pid, "VmHWM:")?;
    let grown = rss_end.saturating_sub(rss_registered) * 1024;
    let events = args.events as f64;
    println!(
        "  filled in {fill_secs:.1} s: {:.0} events/s, {txs} transactions, {:.0} gas per event",
        events / fill_secs,
        total_gas as f64 / events
    );
    println!(
        "  RSS: {:.1} MiB at start (stack deployed), {:.1} MiB after {} events (peak {:.1} MiB)",
        rss_start as f64 / 1024.0,
        rss_end as f64 / 1024.0,
        args.events,
        hwm as f64 / 1024.0
    );
    println!(
        "  growth: {:.1} MiB = {:.0} bytes per event (the node keeps every block, transaction and \
         receipt: of that, {:.0} bytes per event are the Batch calldata itself)",
        grown as f64 / (1024.0 * 1024.0),
        grown as f64 / events,
        calldata as f64 / events
    );
    Ok(())
}

// ---------------------------------------------------------------------- logs

/// Median and worst of `runs` timings of `query`, in milliseconds, and its result count.
async fn time_logs(
    p: &DynProvider,
    filter: &alloy::rpc::types::Filter,
    runs: usize,
) -> eyre::Result<(f64, f64, usize)> {
    let mut times = Vec::with_capacity(runs);
    let mut count = 0;
    for _ in 0..runs {
        let start = Instant::now();
        let logs = p.get_logs(filter).await.wrap_err("eth_getLogs")?;
        times.push(start.elapsed().as_secs_f64() * 1000.0);
        count = logs.len();
    }
    times.sort_by(f64::total_cmp);
    Ok((times[times.len() / 2], times[times.len() - 1], count))
}

async fn logs(bin: &Path, keys: &[PrivateKeySigner], args: &Args) -> eyre::Result<()> {
    const SENDERS: usize = 8;
    const RANGE: u64 = 10_000;
    const RUNS: usize = 11;
    let node = spawn_devnet_bin(bin)?;
    let pid = node.pid().ok_or_else(|| eyre!("no pid"))?;
    let p = node.provider()?;
    let senders = &keys[1..=SENDERS];
    let machines = register_machines(&node, senders).await?;
    let ts = latest_timestamp(&p).await?;
    let rss_registered = proc_status_kib(pid, "VmRSS:")?;
    let first_block = p.get_block_number().await? + 1;

    let per_sender = args.log_blocks.div_ceil(SENDERS);
    let mut work = Vec::new();
    for (s, key) in senders.iter().enumerate() {
        let nonce = p.get_transaction_count(key.address()).await?;
        let txs: Vec<(Bytes, B256)> = (0..per_sender as u64)
            .map(|i| {
                let data = submit_event(machines[s], i, ts);
                sign(key, nonce + i, node.events, SUBMIT_GAS, data)
            })
            .collect();
        work.push(txs);
    }
    let start = Instant::now();
    let tasks: Vec<_> = work
        .into_iter()
        .map(|txs| tokio::spawn(send_and_wait(p.clone(), txs, Poll::Busy)))
        .collect();
    for task in tasks {
        task.await??;
    }
    let fill_secs = start.elapsed().as_secs_f64();
    let latest = p.get_block_number().await?;
    let blocks = latest + 1 - first_block;
    let rss = proc_status_kib(pid, "VmRSS:")?;
    println!(
        "  chain: {blocks} blocks of one submitEvent each (latest {latest}), filled in {fill_secs:.1} s; \
         RSS grew {:.1} MiB = {:.0} bytes per block",
        rss.saturating_sub(rss_registered) as f64 / 1024.0,
        rss.saturating_sub(rss_registered) as f64 * 1024.0 / blocks as f64
    );

    let submitted = EventRegistry::EventSubmitted::SIGNATURE_HASH;
    let base = alloy::rpc::types::Filter::new()
        .address(node.events)
        .event_signature(submitted);
    let newest = (latest + 1 - RANGE.min(blocks), latest);
    let oldest = (first_block, first_block + RANGE.min(blocks) - 1);
    let one_block = p
        .get_block_by_number(BlockNumberOrTag::Number(first_block + 17))
        .await?
        .ok_or_else(|| eyre!("no block {}", first_block + 17))?
        .header
        .hash;
    let machine = B256::from(machines[0]);
    let mut rows: Vec<(String, alloy::rpc::types::Filter)> = Vec::new();
    // An index of the machine's inside each range (the machines take turns, so each has about
    // an eighth of a range's events).
    let newest_index = per_sender as u64 - 100;
    for (label, (from, to), index) in [("newest", newest, newest_index), ("oldest", oldest, 100)] {
        let range = base.clone().from_block(from).to_block(to);
        rows.push((
            format!("{label} {RANGE} blocks, one machine's events"),
            range.clone().topic1(machine),
        ));
        rows.push((
            format!("{label} {RANGE} blocks, every event"),
            range.clone(),
        ));
        rows.push((
            format!("{label} {RANGE} blocks, one event by index"),
            range.topic1(machine).topic2(B256::from(U256::from(index))),
        ));
    }
    rows.push((
        "one old block by hash".to_owned(),
        base.clone().at_block_hash(one_block),
    ));
    println!(
        "\n  {:<44} {:>8} {:>11} {:>11}",
        "eth_getLogs (EventRegistry, EventSubmitted)", "logs", "median", "worst"
    );
    for (label, filter) in rows {
        let (median, worst, count) = time_logs(&p, &filter, RUNS).await?;
        println!("  {label:<44} {count:>8} {median:>8.2} ms {worst:>8.2} ms");
    }
    println!("  ({RUNS} runs each, over HTTP, the client's parse included)");
    Ok(())
}

// ---------------------------------------------------------------------- main

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("model name")?
                    .split_once(':')
                    .map(|(_, m)| m.trim().to_owned())
            })
        })
        .unwrap_or_else(|| "unknown CPU".to_owned())
}

#[tokio::main]
async fn main() -> eyre::Result<()> {
    let args = Args::parse();
    if args.senders == 0 || args.senders > 9 {
        bail!("--senders must be 1..=9 (dev accounts 1..=9)");
    }
    if args.count < args.senders {
        bail!("--count must be at least --senders");
    }
    let keys: Vec<PrivateKeySigner> = derive_accounts(DEV_MNEMONIC, 10)
        .map_err(|e| eyre!(e))?
        .iter()
        .map(|a| a.signer())
        .collect();
    let devnet_bin = devnet_bin(&args);
    let anvil_bin = anvil_bin(&args);
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!("peaqos-devnet benchmark");
    println!("  machine: {}, {cores} cores", cpu_model());
    println!(
        "  devnet:  {}",
        if args.in_process {
            "in-process".to_owned()
        } else {
            devnet_bin.display().to_string()
        }
    );
    if !args.no_anvil && matches!(args.run, Part::All | Part::Throughput) {
        println!(
            "  anvil:   {} ({}), --hardfork cancun {}",
            anvil_bin.display(),
            anvil_version(&anvil_bin),
            args.anvil_arg.join(" ")
        );
    }

    if matches!(args.run, Part::All | Part::Throughput) {
        println!(
            "\nthroughput: signed submitEvent via eth_sendRawTransaction, each sender polls its receipt \
             before sending the next (poll: {:?}); a fresh node per mode",
            args.poll
        );
        let wanted = if args.modes.is_empty() {
            vec![Mode::Sequential, Mode::Concurrent]
        } else {
            args.modes.clone()
        };
        // (label, senders, pipelined)
        let modes = wanted.into_iter().map(|m| match m {
            Mode::Sequential => ("sequential (1 sender)".to_owned(), 1, false),
            Mode::Concurrent => (
                format!("concurrent ({} senders)", args.senders),
                args.senders,
                false,
            ),
            Mode::Pipelined => ("pipelined (1 sender)".to_owned(), 1, true),
        });
        let mut rows = Vec::new();
        for (label, senders, pipelined) in modes {
            let ours = throughput(Kind::Devnet, senders, pipelined, &keys, &args).await?;
            let theirs = if args.no_anvil {
                None
            } else {
                Some(throughput(Kind::Anvil, senders, pipelined, &keys, &args).await?)
            };
            rows.push((label, ours, theirs));
        }
        println!(
            "\n  {:<26} {:>11} {:>11} {:>13}",
            "mode", "devnet", "anvil", "devnet/anvil"
        );
        for (mode, ours, theirs) in rows {
            match theirs {
                Some(t) => println!(
                    "  {mode:<26} {ours:>6.0} tx/s {t:>6.0} tx/s {:>12.2}x",
                    ours / t
                ),
                None => println!("  {mode:<26} {ours:>6.0} tx/s"),
            }
        }
    }

    if matches!(args.run, Part::All | Part::Memory) {
        println!(
            "\nmemory: a fresh devnet process holding {} stored events",
            args.events
        );
        memory(&devnet_bin, &keys, &args).await?;
    }

    if matches!(args.run, Part::All | Part::Logs) {
        println!(
            "\nlogs: eth_getLogs on a fresh devnet process with {} blocks",
            args.log_blocks
        );
        logs(&devnet_bin, &keys, &args).await?;
    }
    Ok(())
}
