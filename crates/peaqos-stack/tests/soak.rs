//! The load-and-fault test (issue 13): the `peaqos dev` services under a mixed load —
//! activations, events, MCR reads, Gas Station funding — for a bounded time while the MCR
//! service and the Gas Station are SIGKILLed and restarted at random on the same data. After
//! the run: no `requestId` was funded twice and every success was funded exactly once; the MCR
//! store holds every `EventSubmitted` log of the chain exactly once and nothing else; every
//! service answers; every service's RSS is near its start-of-run value.
//!
//! Real processes, real kills. The devnet, the MCR service and the Gas Station each run in a
//! child process: this test binary re-executes itself (`std::env::current_exe()`) with the
//! libtest arguments `soak_child --exact --include-ignored --nocapture` and the role in
//! [`ENV_CHILD`] (JSON). `soak_child` runs the real service (`Devnet::spawn`,
//! `McrService::spawn`, `GasStation::spawn`, configured as `peaqos_stack::LocalStack` does)
//! until it is killed or its stdin closes (so a dying test leaves no orphans). Without
//! [`ENV_CHILD`], `soak_child` returns at once. The MCR and Gas Station keep their port and
//! their SQLite file across restarts, as a deployment behind a fixed URL does.
//!
//! `PEAQOS_SOAK_SECS` (default [`DEFAULT_SECS`]) bounds the load; the kills stop at
//! [`CHAOS_SHARE`] of it so the last incarnations serve a calm tail whose memory is measured.
//!
//! ```text
//! cargo nextest run -p peaqos-stack --test soak --run-ignored all --no-capture
//! ```
#![allow(clippy::print_stdout, missing_docs, unreachable_pub)]

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    io::{BufRead as _, BufReader, Read as _},
    net::SocketAddr,
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use alloy::primitives::{Address, B256, Bytes, U256};
use peaqos_contracts::bindings::EventRegistry;
use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_gas_station::{GasStation, GasStationConfig, totp};
use peaqos_mcr::{McrConfig, McrService, store::Store};
use peaqos_sdk::{
    ClientConfig, FaucetCode, FundOutcome, GasStationClient, McrClient, NetworkConfig,
    PeaqosClient, SubmitEventParams,
    activation::{Activation, MachineAttributes},
};
use peaqos_stack::{DEV_TOTP_SECRET, FAUCET_ACCOUNT, FAUCET_CHAIN};
use peaqos_types::{DataVisibility, EventType};
use rand::Rng as _;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The child's role and configuration (JSON).
const ENV_CHILD: &str = "PEAQOS_SOAK_CHILD";
/// `PEAQOS_SOAK_SECS`: how long the load runs.
const ENV_SECS: &str = "PEAQOS_SOAK_SECS";
/// Default load duration (seconds).
const DEFAULT_SECS: u64 = 100;
/// Kills happen during this share of the run; the rest is the calm tail.
const CHAOS_SHARE: f64 = 0.7;
/// Pause between kills, drawn uniformly (milliseconds).
const KILL_EVERY_MS: std::ops::Range<u64> = 1_500..5_000;
/// The READY line a child prints on stdout.
const READY: &str = "SOAK-READY ";
/// RSS tolerance: after the run a service may hold at most its start-of-run RSS plus
/// this share of it...
const RSS_GROWTH_SHARE: f64 = 0.5;
/// ... or plus this many KiB, whichever is larger (allocator arenas, SQLite page cache, the
/// devnet's growing chain).
const RSS_GROWTH_FLOOR_KIB: u64 = 48 * 1024;
/// Gas Station owners (one per faucet client), dev-enrolled with [`DEV_TOTP_SECRET`].
const FAUCET_CLIENTS: usize = 4;
/// Dev accounts that fund the activated machines (one per activator).
const ACTIVATOR_ACCOUNTS: [usize; 2] = [2, 3];
const EVENT_SUBMITTERS: usize = 2;
const MCR_READERS: usize = 2;
/// How long a fund request is retried (with its `requestId`) after the load stopped.
const FUND_SETTLE: Duration = Duration::from_secs(90);

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Role {
    Devnet,
    Mcr {
        rpc_url: String,
        contracts: peaqos_types::ContractAddresses,
        port: u16,
        database_url: String,
    },
    GasStation {
        rpc_url: String,
        funding_key: String,
        port: u16,
        database_url: String,
        enroll: Vec<Address>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct DevnetInfo {
    url: String,
    contracts: peaqos_types::ContractAddresses,
    keys: Vec<String>,
    addresses: Vec<Address>,
}

// ------------------------------------------------------------------------------ the child

/// Not a test: the body of a child process of [`load_and_fault`] (returns at once without
/// [`ENV_CHILD`]).
#[test]
#[ignore = "a child process of the load-and-fault test"]
fn soak_child() {
    let Ok(json) = std::env::var(ENV_CHILD) else {
        return;
    };
    let role: Role = serde_json::from_str(&json).expect("child config");
    // The parent holds our stdin: EOF means it is gone, and so are we.
    std::thread::spawn(|| {
        let mut buf = [0u8; 64];
        while std::io::stdin().read(&mut buf).is_ok_and(|n| n > 0) {}
        std::process::exit(0);
    });
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run_child(role));
}

async fn run_child(role: Role) {
    // Keep every running service alive until the process is killed.
    let mut _keep: Vec<Box<dyn std::any::Any>> = Vec::new();
    let ready = match role {
        Role::Devnet => {
            let devnet = Devnet::spawn(DevnetConfig::ephemeral())
                .await
                .expect("devnet starts");
            let info = DevnetInfo {
                url: devnet.url.clone(),
                contracts: devnet
                    .deployment
                    .as_ref()
                    .expect("stack deployed")
                    .contract_addresses(),
                keys: devnet
                    .accounts
                    .iter()
                    .map(|a| a.private_key.to_string())
                    .collect(),
                addresses: devnet.accounts.iter().map(|a| a.address).collect(),
            };
            _keep.push(Box::new(devnet));
            serde_json::to_string(&info).expect("json")
        }
        Role::Mcr {
            rpc_url,
            contracts,
            port,
            database_url,
        } => {
            // As `LocalStack::start` configures it.
            let mut config = McrConfig::for_devnet(&rpc_url, contracts, &database_url);
            config.bind = SocketAddr::from(([127, 0, 0, 1], port));
            config.cache_ttl = Duration::ZERO;
            let mcr = McrService::spawn(config).await.expect("MCR starts");
            let url = mcr.url();
            _keep.push(Box::new(mcr));
            url
        }
        Role::GasStation {
            rpc_url,
            funding_key,
            port,
            database_url,
            enroll,
        } => {
            let mut config =
                GasStationConfig::for_devnet(&rpc_url, FAUCET_CHAIN, &funding_key, &database_url);
            config.bind = SocketAddr::from(([127, 0, 0, 1], port));
            let station = GasStation::spawn(config).await.expect("Gas Station starts");
            for owner in enroll {
                peaqos_stack::enroll_dev_owner(&station, owner, DEV_TOTP_SECRET)
                    .await
                    .expect("owner enrolled");
            }
            let url = station.url();
            _keep.push(Box::new(station));
            url
        }
    };
    println!("{READY}{ready}");
    std::future::pending::<()>().await;
}

// ------------------------------------------------------------------------------ processes

/// A child process of this test, killed when dropped.
struct Proc {
    child: Child,
    ready: String,
}

impl Proc {
    fn spawn(name: &'static str, role: &Role, log: &Path) -> Self {
        let exe = std::env::current_exe().expect("test binary");
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("log file");
        let mut child = Command::new(exe)
            .args(["soak_child", "--exact", "--include-ignored", "--nocapture"])
            .env(ENV_CHILD, serde_json::to_string(role).expect("json"))
            .env(
                "RUST_LOG",
                std::env::var("PEAQOS_SOAK_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("child starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut tx = Some(tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.strip_prefix(READY)
                    && let Some(tx) = tx.take()
                {
                    let _ = tx.send(rest.to_owned());
                }
            }
        });
        let ready = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("{name} did not start (see {})", log.display()));
        Self { child, ready }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn kill(&mut self) {
        let _ = self.child.kill(); // SIGKILL
        let _ = self.child.wait();
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        self.kill();
    }
}

/// VmRSS of `pid` in KiB.
fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port()
}

/// A killable service: its role, log and current process.
struct Service {
    name: &'static str,
    role: Role,
    log: PathBuf,
    proc: Option<Proc>,
    kills: u32,
    url: String,
}

impl Service {
    fn start(name: &'static str, role: Role, log: PathBuf) -> Self {
        let proc = Proc::spawn(name, &role, &log);
        let url = proc.ready.clone();
        Self {
            name,
            role,
            log,
            proc: Some(proc),
            kills: 0,
            url,
        }
    }

    fn pid(&self) -> u32 {
        self.proc.as_ref().map_or(0, Proc::pid)
    }

    fn kill_and_restart(&mut self, pause: Duration) {
        if let Some(mut p) = self.proc.take() {
            p.kill();
        }
        self.kills += 1;
        std::thread::sleep(pause);
        let p = Proc::spawn(self.name, &self.role, &self.log);
        assert_eq!(p.ready, self.url, "{} came back on another URL", self.name);
        self.proc = Some(p);
    }
}

// ------------------------------------------------------------------------------ the load

#[derive(Default)]
struct Counters {
    activations: AtomicU64,
    activation_errors: AtomicU64,
    event_txs: AtomicU64,
    events: AtomicU64,
    event_errors: AtomicU64,
    mcr_reads: AtomicU64,
    mcr_read_errors: AtomicU64,
    fund_requests: AtomicU64,
    fund_attempts: AtomicU64,
}

/// How a fund request ended, as the client saw it.
#[derive(Debug, Clone)]
enum FundEnd {
    /// `SUCCESS` with this transfer.
    Funded(B256),
    /// `REQUEST_ALREADY_PROCESSED`: the Gas Station says it funded this id earlier.
    AlreadyProcessed,
    /// A final refusal (its code).
    Refused(String),
    /// Still not answered when the settle time ran out.
    Unresolved(String),
}

struct FundRecord {
    owner: Address,
    target: Address,
    end: FundEnd,
}

#[derive(Clone)]
struct Load {
    network: NetworkConfig,
    mcr_url: String,
    gs_url: String,
    stop: Arc<AtomicBool>,
    machines: Arc<Mutex<Vec<(U256, PeaqosClient)>>>,
    funds: Arc<Mutex<HashMap<Uuid, FundRecord>>>,
    counters: Arc<Counters>,
    http: reqwest::Client,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

async fn sleep_ms(range: std::ops::Range<u64>) {
    let ms = rand::rng().random_range(range);
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

/// Whether `e` is a refused connection (nothing reached the service: a code sent with it is
/// still unused).
fn connection_refused(e: &peaqos_sdk::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(s) = source {
        if let Some(r) = s.downcast_ref::<reqwest::Error>()
            && r.is_connect()
        {
            return true;
        }
        source = s.source();
    }
    false
}

impl Load {
    /// Activates fresh machines (self-managed: register with the bond, NFT, DID) funded by
    /// dev account `account`.
    async fn activator(self, funder: PeaqosClient) {
        let c = &self.counters;
        while !self.stop.load(Ordering::Relaxed) {
            let (address, key) = PeaqosClient::generate_keypair();
            let ten = U256::from(10u64) * U256::from(10u64).pow(U256::from(18u64));
            if funder.send_call(address, Bytes::new(), ten).await.is_err() {
                c.activation_errors.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            let machine = PeaqosClient::new(ClientConfig::new(self.network.clone(), key.signer()))
                .expect("client");
            let attributes = MachineAttributes {
                documentation_url: "https://docs.example.invalid/soak".into(),
                data_api: "https://api.example.invalid/soak".into(),
                visibility: DataVisibility::Onchain,
            };
            let mut progress =
                |_: peaqos_sdk::activation::Progress<'_>| std::ops::ControlFlow::Continue(());
            let report = async {
                Activation::self_managed(machine.clone(), attributes)?
                    .prepare(&mut progress)
                    .await?
                    .run(None, &mut progress)
                    .await
            }
            .await;
            match report {
                Ok(r) => {
                    c.activations.fetch_add(1, Ordering::Relaxed);
                    self.machines
                        .lock()
                        .expect("lock")
                        .push((r.machine_id, machine));
                }
                Err(e) => {
                    eprintln!("activation failed: {e}");
                    c.activation_errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            sleep_ms(100..600).await;
        }
    }

    /// Submits events (single and batched) for the machines `i` (mod n) owns.
    async fn submitter(self, i: usize, n: usize) {
        let c = &self.counters;
        let mut seq = 0u64;
        while !self.stop.load(Ordering::Relaxed) {
            let pick = {
                let machines = self.machines.lock().expect("lock");
                let mine: Vec<_> = machines
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| k % n == i)
                    .map(|(_, m)| m.clone())
                    .collect();
                (!mine.is_empty()).then(|| mine[rand::rng().random_range(0..mine.len())].clone())
            };
            let Some((id, machine)) = pick else {
                sleep_ms(200..400).await;
                continue;
            };
            seq += 1;
            let ts = now_secs() - 120;
            let k = rand::rng().random_range(1..=4usize);
            let events: Vec<SubmitEventParams> = (0..k)
                .map(|j| {
                    if (seq + j as u64).is_multiple_of(2) {
                        SubmitEventParams::new(id, EventType::Revenue, U256::from(100 + seq), ts)
                            .with_currency("USD")
                            .with_metadata(format!("{{\"soak\":{seq},\"j\":{j}}}").into_bytes())
                    } else {
                        SubmitEventParams::new(id, EventType::Activity, U256::ZERO, ts)
                            .with_currency("")
                    }
                })
                .collect();
            let sent = if k == 1 {
                machine
                    .submit_event(events[0].clone())
                    .await
                    .map(|_| 1usize)
            } else {
                machine.batch_submit_events(&events).await.map(|h| h.len())
            };
            match sent {
                Ok(n) => {
                    c.event_txs.fetch_add(1, Ordering::Relaxed);
                    c.events.fetch_add(n as u64, Ordering::Relaxed);
                }
                Err(e) => {
                    eprintln!("event submission failed: {e}");
                    c.event_errors.fetch_add(1, Ordering::Relaxed);
                }
            }
            sleep_ms(20..200).await;
        }
    }

    /// Reads `/mcr`, `/machine` and `/health` of random machines (errors while the MCR
    /// restarts are expected and counted).
    async fn reader(self) {
        let c = &self.counters;
        let mcr = McrClient::new(self.http.clone(), self.mcr_url.clone());
        while !self.stop.load(Ordering::Relaxed) {
            let did = {
                let machines = self.machines.lock().expect("lock");
                (!machines.is_empty()).then(|| {
                    let (_, m) = &machines[rand::rng().random_range(0..machines.len())];
                    format!("did:peaq:{}", m.address())
                })
            };
            let kind = rand::rng().random_range(0..3u8);
            let ok = match (did, kind) {
                (Some(did), 0) => mcr.query_mcr(&did).await.is_ok(),
                (Some(did), 1) => mcr.query_machine(&did).await.is_ok(),
                _ => self
                    .http
                    .get(format!("{}/health", self.mcr_url))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success()),
            };
            c.mcr_reads.fetch_add(1, Ordering::Relaxed);
            if !ok {
                c.mcr_read_errors.fetch_add(1, Ordering::Relaxed);
            }
            sleep_ms(10..80).await;
        }
    }

    /// Funds fresh wallets for `owner`, each request under a unique `requestId` retried (with
    /// the same id) until the Gas Station gives a final answer, as a real client does.
    async fn faucet(self, owner: Address) {
        let gs = GasStationClient::new(self.http.clone(), self.gs_url.clone());
        let secret = totp::base32_decode(DEV_TOTP_SECRET).expect("base32");
        while !self.stop.load(Ordering::Relaxed) {
            let request_id = Uuid::new_v4();
            let (target, _) = PeaqosClient::generate_keypair();
            self.counters.fund_requests.fetch_add(1, Ordering::Relaxed);
            let end = self.fund_one(&gs, &secret, owner, target, request_id).await;
            self.funds
                .lock()
                .expect("lock")
                .insert(request_id, FundRecord { owner, target, end });
            sleep_ms(100..500).await;
        }
    }

    async fn fund_one(
        &self,
        gs: &GasStationClient,
        secret: &[u8],
        owner: Address,
        target: Address,
        request_id: Uuid,
    ) -> FundEnd {
        // Codes the Gas Station may have consumed for this wallet: a retry sends another of
        // the three it accepts (steps −1, 0, +1), or waits for the next step.
        let mut used: HashSet<String> = HashSet::new();
        let mut last = String::new();
        let mut stopped_at: Option<Instant> = None;
        loop {
            if self.stop.load(Ordering::Relaxed) {
                let at = *stopped_at.get_or_insert_with(Instant::now);
                if at.elapsed() > FUND_SETTLE {
                    return FundEnd::Unresolved(last);
                }
            }
            let now = now_secs();
            let code = [now, now.saturating_sub(30), now + 30]
                .iter()
                .map(|t| totp::code_at(secret, *t).to_string())
                .find(|c| !used.contains(c));
            let Some(code) = code else {
                sleep_ms(1_000..2_000).await;
                continue;
            };
            self.counters.fund_attempts.fetch_add(1, Ordering::Relaxed);
            let answer = gs
                .fund_from_gas_station(
                    &owner.to_string(),
                    &target.to_string(),
                    FAUCET_CHAIN,
                    &code,
                    Some(request_id),
                )
                .await;
            match answer {
                Ok(FundOutcome::Funded { tx_hash, .. }) => return FundEnd::Funded(tx_hash),
                Ok(other) => return FundEnd::Refused(format!("unexpected {other:?}")),
                Err(e) => {
                    last = e.code().to_owned();
                    match e.faucet_code() {
                        Some(FaucetCode::RequestAlreadyProcessed) => {
                            return FundEnd::AlreadyProcessed;
                        }
                        // In flight, or a transient failure: the same id again.
                        Some(
                            FaucetCode::DuplicateRequest
                            | FaucetCode::TransferFailed
                            | FaucetCode::ChainRpcError
                            | FaucetCode::InternalError,
                        ) => {
                            used.insert(code);
                        }
                        // A code the server consumed before it was killed: another one.
                        Some(FaucetCode::Invalid2fa) => {
                            used.insert(code);
                        }
                        Some(_) => return FundEnd::Refused(last),
                        None => {
                            if !connection_refused(&e) {
                                used.insert(code);
                            }
                        }
                    }
                    sleep_ms(200..600).await;
                }
            }
        }
    }
}

// ------------------------------------------------------------------------------ the checks

/// One JSON-RPC call (raw, so the scan does not depend on client-side decoding).
async fn rpc(
    http: &reqwest::Client,
    url: &str,
    method: &str,
    params: serde_json::Value,
) -> serde_json::Value {
    let body = serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
    let v: serde_json::Value = http
        .post(url)
        .json(&body)
        .send()
        .await
        .expect("rpc answers")
        .json()
        .await
        .expect("rpc json");
    assert!(v.get("error").is_none(), "{method}: {v}");
    v["result"].clone()
}

fn hex_u64(v: &serde_json::Value) -> u64 {
    u64::from_str_radix(v.as_str().unwrap_or("0x0").trim_start_matches("0x"), 16).unwrap_or(0)
}

/// Every transaction the faucet account sent: `(to, hash)`, from every block's full body.
async fn faucet_transfers(
    http: &reqwest::Client,
    url: &str,
    faucet: Address,
    head: u64,
) -> Vec<(Address, B256)> {
    let mut out = Vec::new();
    for n in 0..=head {
        let block = rpc(
            http,
            url,
            "eth_getBlockByNumber",
            serde_json::json!([format!("0x{n:x}"), true]),
        )
        .await;
        for tx in block["transactions"].as_array().into_iter().flatten() {
            let from: Address = tx["from"].as_str().unwrap_or("").parse().expect("from");
            if from != faucet {
                continue;
            }
            let to: Address = tx["to"].as_str().unwrap_or("").parse().expect("to");
            let hash: B256 = tx["hash"].as_str().unwrap_or("").parse().expect("hash");
            out.push((to, hash));
        }
    }
    out
}

/// Every `EventSubmitted` log on chain: `(tx hash, log index)`, in windows of 500 blocks.
async fn chain_event_logs(
    http: &reqwest::Client,
    url: &str,
    registry: Address,
    head: u64,
) -> Vec<(B256, u64)> {
    use alloy::sol_types::SolEvent as _;
    let topic = EventRegistry::EventSubmitted::SIGNATURE_HASH;
    let mut out = Vec::new();
    let mut from = 0;
    while from <= head {
        let to = (from + 499).min(head);
        let logs = rpc(
            http,
            url,
            "eth_getLogs",
            serde_json::json!([{
                "fromBlock": format!("0x{from:x}"),
                "toBlock": format!("0x{to:x}"),
                "address": registry.to_string(),
                "topics": [topic.to_string()],
            }]),
        )
        .await;
        for log in logs.as_array().into_iter().flatten() {
            let hash: B256 = log["transactionHash"]
                .as_str()
                .unwrap_or("")
                .parse()
                .expect("hash");
            out.push((hash, hex_u64(&log["logIndex"])));
        }
        from = to + 1;
    }
    out
}

async fn health(http: &reqwest::Client, url: &str) -> bool {
    http.get(format!("{url}/health"))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .is_ok_and(|r| r.status().is_success())
}

async fn wait_healthy(http: &reqwest::Client, name: &str, url: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !health(http, url).await {
        assert!(Instant::now() < deadline, "{name} never answered /health");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

// ------------------------------------------------------------------------------ the test

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs a few minutes: load-and-fault test"]
async fn load_and_fault() {
    let secs: u64 = std::env::var(ENV_SECS)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_SECS)
        .max(20);
    let run = Duration::from_secs(secs);
    let chaos = run.mul_f64(CHAOS_SHARE);
    let dir = tempfile::Builder::new()
        .prefix("peaqos-soak-")
        .tempdir()
        .expect("scratch dir");
    let log = |name: &str| dir.path().join(format!("{name}.log"));
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("http");

    // --- the stack: devnet, MCR and Gas Station, each its own process
    let devnet = Proc::spawn("devnet", &Role::Devnet, &log("devnet"));
    let info: DevnetInfo = serde_json::from_str(&devnet.ready).expect("devnet info");
    let network = NetworkConfig::new(&info.url, info.contracts);
    let mcr_db = format!("sqlite://{}", dir.path().join("mcr.sqlite").display());
    let mut mcr = Service::start(
        "mcr",
        Role::Mcr {
            rpc_url: info.url.clone(),
            contracts: info.contracts,
            port: free_port(),
            database_url: mcr_db.clone(),
        },
        log("mcr"),
    );
    let owners: Vec<Address> = (0..FAUCET_CLIENTS)
        .map(|_| PeaqosClient::generate_keypair().0)
        .collect();
    let gs_port = free_port();
    let gs_role = |enroll: Vec<Address>| Role::GasStation {
        rpc_url: info.url.clone(),
        funding_key: info.keys[FAUCET_ACCOUNT].clone(),
        port: gs_port,
        database_url: format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("gas-station.sqlite").display()
        ),
        enroll,
    };
    let mut gs = Service::start("gas-station", gs_role(owners.clone()), log("gas-station"));
    // Restarts enroll nobody: the enrollments live in the database.
    gs.role = gs_role(Vec::new());
    wait_healthy(&http, "mcr", &mcr.url).await;
    wait_healthy(&http, "gas-station", &gs.url).await;
    // Let the indexer catch up with the deployment before the baselines.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_start = [
        ("devnet", rss_kib(devnet.pid())),
        ("mcr", rss_kib(mcr.pid())),
        ("gas-station", rss_kib(gs.pid())),
    ];

    // --- the load
    let load = Load {
        network: network.clone(),
        mcr_url: mcr.url.clone(),
        gs_url: gs.url.clone(),
        stop: Arc::new(AtomicBool::new(false)),
        machines: Arc::default(),
        funds: Arc::default(),
        counters: Arc::default(),
        http: http.clone(),
    };
    let signer = |i: usize| {
        let key = peaqos_sdk::signer::PrivateKey::parse(&info.keys[i], "key").expect("dev key");
        PeaqosClient::new(ClientConfig::new(network.clone(), key.signer())).expect("client")
    };
    let mut tasks = Vec::new();
    // The activation future is not `Send`: each activator runs on a thread of its own.
    let mut threads = Vec::new();
    for &a in &ACTIVATOR_ACCOUNTS {
        let (load, funder) = (load.clone(), signer(a));
        threads.push(std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(load.activator(funder));
        }));
    }
    for i in 0..EVENT_SUBMITTERS {
        tasks.push(tokio::spawn(load.clone().submitter(i, EVENT_SUBMITTERS)));
    }
    for _ in 0..MCR_READERS {
        tasks.push(tokio::spawn(load.clone().reader()));
    }
    for &owner in &owners {
        tasks.push(tokio::spawn(load.clone().faucet(owner)));
    }

    // --- the faults: SIGKILL the MCR or the Gas Station at random, restart on the same data
    let started = Instant::now();
    let mut restart_ms = Vec::new();
    while started.elapsed() < chaos {
        let wait = rand::rng().random_range(KILL_EVERY_MS);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        let pause = Duration::from_millis(rand::rng().random_range(0..1_500));
        let which = if rand::rng().random_bool(0.5) {
            &mut mcr
        } else {
            &mut gs
        };
        let t = Instant::now();
        tokio::task::block_in_place(|| which.kill_and_restart(pause));
        wait_healthy(&http, which.name, &which.url).await;
        restart_ms.push((t.elapsed() - pause).as_millis());
    }
    // The calm tail: the last incarnations serve the load, then the load stops.
    let calm_from = Instant::now();
    tokio::time::sleep(run.saturating_sub(started.elapsed())).await;
    load.stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.expect("load task");
    }
    tokio::task::block_in_place(|| {
        for t in threads {
            t.join().expect("activator");
        }
    });
    let calm_secs = calm_from.elapsed().as_secs();

    // --- final catch-up, then the checks
    let head = hex_u64(&rpc(&http, &info.url, "eth_blockNumber", serde_json::json!([])).await);
    let store = Store::connect(&mcr_db, 2).await.expect("MCR store");
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let cp = store
            .checkpoint()
            .await
            .expect("checkpoint")
            .map(|b| b.number);
        if cp.is_some_and(|b| b >= head) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "MCR not caught up: {cp:?} < {head}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_end = [
        ("devnet", rss_kib(devnet.pid())),
        ("mcr", rss_kib(mcr.pid())),
        ("gas-station", rss_kib(gs.pid())),
    ];
    let mut failures: Vec<String> = Vec::new();

    // Every service answers.
    let devnet_ok = rpc(&http, &info.url, "eth_chainId", serde_json::json!([]))
        .await
        .is_string();
    let mcr_ok = health(&http, &mcr.url).await;
    let gs_ok = health(&http, &gs.url).await;
    for (name, ok) in [
        ("devnet", devnet_ok),
        ("mcr", mcr_ok),
        ("gas-station", gs_ok),
    ] {
        if !ok {
            failures.push(format!("{name} does not answer after the run"));
        }
    }

    // Funding: at most one transfer per requestId; every success funded exactly once.
    let faucet = info.addresses[FAUCET_ACCOUNT];
    let transfers = faucet_transfers(&http, &info.url, faucet, head).await;
    let mut by_target: HashMap<Address, Vec<B256>> = HashMap::new();
    for (to, hash) in &transfers {
        by_target.entry(*to).or_default().push(*hash);
    }
    let funds = std::mem::take(&mut *load.funds.lock().expect("lock"));
    let mut ends: BTreeMap<&'static str, u64> = BTreeMap::new();
    let mut refusals: BTreeMap<String, u64> = BTreeMap::new();
    let targets: HashSet<Address> = funds.values().map(|r| r.target).collect();
    for (id, r) in &funds {
        let landed = by_target.get(&r.target).map_or(&[][..], Vec::as_slice);
        if landed.len() > 1 {
            failures.push(format!(
                "requestId {id} funded {} times: {landed:?}",
                landed.len()
            ));
        }
        let kind = match &r.end {
            FundEnd::Funded(hash) => {
                if landed != [*hash] {
                    failures.push(format!(
                        "requestId {id} (owner {}) answered SUCCESS {hash} but the chain has {landed:?}",
                        r.owner
                    ));
                }
                "success"
            }
            FundEnd::AlreadyProcessed => {
                if landed.len() != 1 {
                    failures.push(format!(
                        "requestId {id} answered REQUEST_ALREADY_PROCESSED but the chain has {landed:?}"
                    ));
                }
                "already processed"
            }
            FundEnd::Refused(code) => {
                *refusals.entry(code.clone()).or_default() += 1;
                "refused"
            }
            FundEnd::Unresolved(code) => {
                failures.push(format!(
                    "requestId {id} never got a final answer (last {code})"
                ));
                "unresolved"
            }
        };
        *ends.entry(kind).or_default() += 1;
    }
    let strays = transfers
        .iter()
        .filter(|(to, _)| !targets.contains(to))
        .count();
    if strays > 0 {
        failures.push(format!(
            "{strays} faucet transfers to wallets nobody asked for"
        ));
    }

    // Events: every EventSubmitted log of the chain is in the store exactly once, nothing else.
    let chain_logs = chain_event_logs(&http, &info.url, info.contracts.event_registry, head).await;
    let chain_set: HashSet<(B256, u64)> = chain_logs.iter().copied().collect();
    let mut stored = Vec::new();
    let mut per_machine: BTreeMap<u64, u64> = BTreeMap::new();
    let machine_count = load.machines.lock().expect("lock").len();
    // Machine ids are dense from 1; read a few past the ones we saw (nothing may be there).
    for id in 1..=(machine_count as u64 + 5) {
        let events = store.events(id).await.expect("store events");
        per_machine.insert(id, events.len() as u64);
        stored.extend(events.into_iter().map(|e| (e.tx_hash, e.log_index)));
    }
    let stored_set: HashSet<(B256, u64)> = stored.iter().copied().collect();
    if stored.len() != stored_set.len() {
        failures.push(format!(
            "the MCR store holds {} duplicate events",
            stored.len() - stored_set.len()
        ));
    }
    let lost = chain_set.difference(&stored_set).count();
    let extra = stored_set.difference(&chain_set).count();
    if lost > 0 || extra > 0 {
        failures.push(format!(
            "events: {lost} on chain but not in the MCR store, {extra} in the store but not on chain"
        ));
    }
    // ... and the API serves the same counts.
    let mcr_client = McrClient::new(http.clone(), mcr.url.clone());
    let machines = load.machines.lock().expect("lock").clone();
    for (id, m) in &machines {
        let want = per_machine.get(&id.to::<u64>()).copied().unwrap_or(0);
        match mcr_client
            .query_mcr(&format!("did:peaq:{}", m.address()))
            .await
        {
            Ok(r) if r.event_count == want => {}
            Ok(r) => failures.push(format!(
                "machine {id}: /mcr event_count {} but the store has {want}",
                r.event_count
            )),
            Err(e) => failures.push(format!("machine {id}: /mcr failed: {e}")),
        }
    }

    // Memory: each service near its start-of-run RSS.
    for ((name, start), (_, end)) in rss_start.iter().zip(&rss_end) {
        let allowed = start + ((*start as f64 * RSS_GROWTH_SHARE) as u64).max(RSS_GROWTH_FLOOR_KIB);
        if *end > allowed {
            failures.push(format!(
                "{name}: RSS {:.1} MiB after the run, start {:.1} MiB, allowed {:.1} MiB",
                mib(*end),
                mib(*start),
                mib(allowed)
            ));
        }
    }

    // --- the summary
    let c = &load.counters;
    let n = |a: &AtomicU64| a.load(Ordering::Relaxed);
    println!(
        "load-and-fault test: {secs} s ({} s with kills, {calm_secs} s calm), head block {head}",
        chaos.as_secs()
    );
    println!(
        "  activations   {} ok, {} failed ({} machines)",
        n(&c.activations),
        n(&c.activation_errors),
        machines.len()
    );
    println!(
        "  events        {} in {} transactions, {} failed submissions; chain logs {}, stored {}",
        n(&c.events),
        n(&c.event_txs),
        n(&c.event_errors),
        chain_logs.len(),
        stored.len()
    );
    println!(
        "  MCR reads     {} ({} failed: restarts and not-yet-indexed machines)",
        n(&c.mcr_reads),
        n(&c.mcr_read_errors)
    );
    println!(
        "  fund requests {} ({} attempts); ends {ends:?}; refusals {refusals:?}; faucet transfers on chain {}",
        n(&c.fund_requests),
        n(&c.fund_attempts),
        transfers.len()
    );
    println!(
        "  kills         mcr {}, gas-station {}; restart to /health (ms) {restart_ms:?}",
        mcr.kills, gs.kills
    );
    for ((name, start), (_, end)) in rss_start.iter().zip(&rss_end) {
        println!(
            "  RSS {name:<12} start {:>7.1} MiB  end {:>7.1} MiB  ({:+.1} MiB)",
            mib(*start),
            mib(*end),
            mib(*end) - mib(*start)
        );
    }
    println!("  logs in {} (kept on failure)", dir.path().display());
    store.close().await;
    if !failures.is_empty() {
        let kept = dir.keep();
        panic!(
            "{} failures (logs kept in {}):\n  {}",
            failures.len(),
            kept.display(),
            failures.join("\n  ")
        );
    }
    assert!(mcr.kills + gs.kills >= 2, "too few kills to mean anything");
    assert!(n(&c.activations) > 0 && n(&c.events) > 0, "no load ran");
    assert!(
        ends.get("success").copied().unwrap_or(0) > 0,
        "no fund request succeeded: {ends:?}"
    );
}
