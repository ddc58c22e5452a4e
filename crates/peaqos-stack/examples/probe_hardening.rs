//! The adversarial probes of issue 13, one or more per finding, and the three figures the
//! closing note reports. The probes run against services started in this process:
//!
//! - a `LocalStack` (the devnet, the MCR service and the Gas Station sharing one runtime, as in
//!   `peaqos dev`), configured as `peaqos dev` configures it (`McrConfig::for_devnet`,
//!   `GasStationConfig::for_devnet`);
//! - a **production-default MCR** and a **production-default Gas Station** on the same devnet
//!   and runtime. `peaqos dev` relaxes some defences on purpose, for local development: the
//!   MCR fetches partner `data_api`s on loopback (local partner servers), has no rate limits,
//!   no confirmations and polls every 100 ms; the Gas Station allows 10,000 setups per hour
//!   per IP and in all, 1,000 invalid codes per IP, 1,000 fund requests per owner and larger
//!   amounts and caps. The probes whose verdict depends on one of those judge the defence as
//!   deployed: the production MCR has every setting of `McrConfig::from_lookup` with an empty
//!   environment (the documented defaults) except its RPC URL, contracts, SQLite file and a
//!   free loopback port; the production Gas Station is `GasStationConfig::new` (a random server
//!   key) with the devnet chain (`local`, aliases `peaq` / `agung`, the devnet RPC URL, dev
//!   account [`PROD_FAUCET_ACCOUNT`] paying, `ChainConfig::new`'s amounts and caps), a fresh
//!   SQLite file in the scratch directory and a free loopback port.
//!
//! Which instances each probe targets: SSRF (finding 1) the production MCR, plus a row for the
//! `peaqos dev` MCR where loopback partners are allowed by design (there it holds when nothing
//! but the loopback service is served and every failure has the one error text); the setup
//! flood (8) and the owner lockout (13) the production Gas Station; the rate limit (16) a
//! production-default MCR of its own (so its per-IP limit cannot disturb other probes); the
//! secret-URL probe (6) an MCR of its own with a planted secret; every other probe the
//! `LocalStack`, whose relaxations do not bear on their verdicts. The lockout probe sends the
//! attacker's requests from other loopback addresses (127.0.0.7, 127.0.0.8: the socket is bound
//! to them), so the Gas Station sees different peers, as it would different clients.
//!
//! The figures:
//!
//! 1. **largest RSS growth one request causes**: the process's peak RSS (VmHWM, reset through
//!    `/proc/self/clear_refs` before each probe) minus its RSS before the probe;
//! 2. **longest another service is held**: during every probe a separate thread polls `/health`
//!    of both MCRs and both Gas Stations every ~10 ms; the slowest answer of a service (MCR or
//!    Gas Station, either instance) the probe does not target;
//! 3. **answers outside the documented shapes**: probes whose answers are not a JSON-RPC error
//!    object (devnet), `{"detail": …}` (MCR, docs/mcr.md) or the envelope
//!    `{"status": "error", "code", "message"}` with the code's HTTP status (Gas Station,
//!    docs/gas-station.md, shared/reference/interface.md).
//!
//! Each probe also says whether the defence **held** (the finding is fixed). On the main branch
//! before the issue-13 fixes many do not: the probes are written to detect the unfixed
//! behaviour. Findings 7, 11, 17 and 19 are file/CLI behaviour, tested in the wallet, CLI and
//! devnet crates, not probed here.
//!
//! ```text
//! cargo run -p peaqos-stack --example probe_hardening            # all probes (~3 minutes)
//! PROBE_HALF_OPEN_WAIT_SECS=50 cargo run -p peaqos-stack --example probe_hardening
//! ```
//!
//! `PROBE_HALF_OPEN_WAIT_SECS` (default [`HALF_OPEN_WAIT`]) is how long the half-open
//! connections are held before counting the ones the servers closed. The exit status is 0
//! when every probe held and every shape was documented, 1 otherwise.
#![allow(clippy::print_stdout, missing_docs, unreachable_pub)]

use std::{
    collections::BTreeMap,
    io::Write as _,
    net::{IpAddr, Ipv4Addr, SocketAddr},
    path::Path,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use alloy::primitives::{Address, Bytes, U256};
use peaqos_gas_station::{
    ChainConfig, FaucetCode, GasStation, GasStationConfig, RunningGasStation, ServerKey, totp,
};
use peaqos_mcr::{McrConfig, McrService, RunningMcr};
use peaqos_sdk::{
    ClientConfig, NetworkConfig, PeaqosClient,
    activation::{Activation, MachineAttributes},
};
use peaqos_stack::{FAUCET_CHAIN, LocalStack, StackConfig};
use peaqos_types::{ContractAddresses, DataVisibility};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncReadExt as _, AsyncWriteExt as _},
    net::{TcpSocket, TcpStream},
};

/// A probe "holds another service" when that service's `/health` took longer than this.
const LATENCY_OK: Duration = Duration::from_millis(250);
/// How often the sampler polls each `/health`.
const SAMPLE_EVERY: Duration = Duration::from_millis(10);
/// Half-open connections opened across the three servers.
const HALF_OPEN_CONNECTIONS: usize = 1_000;
/// Default hold before counting the half-open connections the servers closed (the issue saw
/// all still open after 45 s).
const HALF_OPEN_WAIT: u64 = 45;
/// A marker planted in an RPC URL: it must never come back in a response or a log line.
const SECRET: &str = "pr0beS3cret";
/// The raw client's time limit per request.
const RAW_TIMEOUT: Duration = Duration::from_secs(120);
/// The dev account paying the production-default Gas Station's transfers (the `LocalStack`'s
/// pays from another, so the two never race for a nonce).
const PROD_FAUCET_ACCOUNT: usize = 8;
/// Loopback addresses the lockout probe's other clients send from (Linux routes all of
/// 127.0.0.0/8 to loopback), so the Gas Station sees peers other than 127.0.0.1.
const ATTACKER_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 7);
const STRANGER_IP: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 8);

// ------------------------------------------------------------------------------ plumbing

/// One raw HTTP/1.1 answer.
#[derive(Debug, Default)]
struct Raw {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    fn is_json(&self) -> bool {
        self.header("content-type")
            .is_some_and(|t| t.to_ascii_lowercase().starts_with("application/json"))
            && self.json().is_some()
    }

    fn text(&self) -> String {
        let t = String::from_utf8_lossy(&self.body);
        t.chars().take(160).collect()
    }
}

fn host_port(base: &str) -> String {
    base.trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned()
}

/// A connection to `addr` (`HOST:PORT`), from the loopback address `from` when given.
async fn connect(addr: &str, from: Option<Ipv4Addr>) -> std::io::Result<TcpStream> {
    let Some(from) = from else {
        return TcpStream::connect(addr).await;
    };
    let target: SocketAddr = addr
        .parse()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(IpAddr::V4(from), 0))?;
    socket.connect(target).await
}

/// Sends `head` (request line and headers, without the blank line) and `body` over a fresh
/// connection, `Connection: close`, and reads the whole answer.
async fn raw(base: &str, head: &str, body: &[u8]) -> Result<Raw, String> {
    raw_from(base, None, head, body).await
}

/// [`raw`] from the loopback address `from` (127.0.0.1 when `None`).
async fn raw_from(
    base: &str,
    from: Option<Ipv4Addr>,
    head: &str,
    body: &[u8],
) -> Result<Raw, String> {
    let addr = host_port(base);
    let mut request = head.trim_end().to_owned();
    if !head.to_ascii_lowercase().contains("\nhost:") {
        request.push_str(&format!("\r\nHost: {addr}"));
    }
    request.push_str(&format!(
        "\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    ));
    let io = async {
        let mut s = connect(&addr, from)
            .await
            .map_err(|e| format!("connect from {from:?}: {e}"))?;
        s.write_all(request.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        // A server may answer (413) and close before reading the whole body.
        let _ = s.write_all(body).await;
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out).await;
        Ok::<_, String>(out)
    };
    let bytes = tokio::time::timeout(RAW_TIMEOUT, io)
        .await
        .map_err(|_| format!("no answer within {RAW_TIMEOUT:?}"))??;
    parse_raw(&bytes)
}

fn parse_raw(bytes: &[u8]) -> Result<Raw, String> {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| format!("no HTTP answer ({} bytes)", bytes.len()))?;
    let head = String::from_utf8_lossy(&bytes[..split]);
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or("bad status line")?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let mut body = bytes[split + 4..].to_vec();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        let mut out = Vec::new();
        let mut rest = &body[..];
        while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
            let size = usize::from_str_radix(String::from_utf8_lossy(&rest[..eol]).trim(), 16)
                .unwrap_or(0);
            if size == 0 {
                break;
            }
            let start = eol + 2;
            let end = (start + size).min(rest.len());
            out.extend_from_slice(&rest[start..end]);
            rest = &rest[(end + 2).min(rest.len())..];
        }
        body = out;
    }
    Ok(Raw {
        status,
        headers,
        body,
    })
}

async fn get(base: &str, path: &str) -> Result<Raw, String> {
    raw(base, &format!("GET {path} HTTP/1.1"), b"").await
}

async fn post_json(base: &str, path: &str, body: &Value) -> Result<Raw, String> {
    raw(
        base,
        &format!("POST {path} HTTP/1.1\r\nContent-Type: application/json"),
        body.to_string().as_bytes(),
    )
    .await
}

/// A JSON-RPC error object: `{"jsonrpc": "2.0", "id", "error": {"code": int, "message"}}`.
fn is_rpc_error(v: &Value) -> bool {
    v.get("jsonrpc") == Some(&json!("2.0"))
        && v.get("id").is_some()
        && v["error"]["code"].is_i64()
        && v["error"]["message"].is_string()
}

/// The MCR's error shape: JSON `{"detail": "…"}` (or FastAPI's 422 list).
fn is_mcr_error(r: &Raw) -> bool {
    r.status >= 400
        && r.is_json()
        && r.json()
            .is_some_and(|v| v["detail"].is_string() || v["detail"].is_array())
}

/// The Gas Station's error envelope, with the code's documented HTTP status when the code is
/// one of the documented ones.
fn is_gs_error(r: &Raw) -> bool {
    let Some(v) = r.json().filter(|_| r.is_json()) else {
        return false;
    };
    let (Some(code), true, true) = (
        v["code"].as_str(),
        v["status"] == "error",
        v["message"].is_string(),
    ) else {
        return false;
    };
    FaucetCode::ALL
        .iter()
        .find(|c| c.as_str() == code)
        .is_none_or(|c| c.http_status() == r.status)
}

fn gs_code(r: &Raw) -> String {
    r.json()
        .and_then(|v| v["code"].as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("HTTP {} {}", r.status, r.text()))
}

// ------------------------------------------------------------------------------ sampling

/// The services the sampler polls, in its order: the `LocalStack`'s MCR and Gas Station, then
/// the production-default MCR and Gas Station.
const SAMPLED: usize = 4;
/// Whether sampled service `i` is an MCR (else a Gas Station).
const fn sampled_is_mcr(i: usize) -> bool {
    i.is_multiple_of(2)
}

/// The slowest `/health` of each service per probe. A request is counted for the probe that
/// was running when it started, however long it takes.
#[derive(Default)]
struct Sampler {
    /// The running probe's index + 1 (0: none).
    probe: AtomicUsize,
    in_flight: AtomicBool,
    stop: AtomicBool,
    /// Per probe, the slowest `/health` in µs of each sampled service (see [`SAMPLED`]).
    max_us: Mutex<Vec<[u64; SAMPLED]>>,
}

impl Sampler {
    /// Waits (at most `limit`) for a `/health` still under way, then returns the probe's
    /// slowest answers.
    fn finish(&self, index: usize, limit: Duration) -> [u64; SAMPLED] {
        self.probe.store(0, Ordering::SeqCst);
        let t = Instant::now();
        while self.in_flight.load(Ordering::SeqCst) && t.elapsed() < limit {
            std::thread::sleep(Duration::from_millis(5));
        }
        if self.in_flight.load(Ordering::SeqCst) {
            // Still no answer: at least this long.
            let us = u64::try_from(limit.as_micros()).unwrap_or(u64::MAX);
            return [us; SAMPLED];
        }
        self.max_us
            .lock()
            .expect("sampler")
            .get(index)
            .copied()
            .unwrap_or_default()
    }
}

fn vm_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Resets VmHWM to the current RSS (Linux: `echo 5 > /proc/self/clear_refs`).
fn reset_peak() {
    let _ = std::fs::OpenOptions::new()
        .write(true)
        .open("/proc/self/clear_refs")
        .and_then(|mut f| f.write_all(b"5"));
}

fn spawn_sampler(urls: [String; SAMPLED]) -> Arc<Sampler> {
    let sampler = Arc::new(Sampler::default());
    let s = sampler.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("sampler runtime");
        rt.block_on(async move {
            while !s.stop.load(Ordering::Relaxed) {
                for (i, url) in urls.iter().enumerate() {
                    s.in_flight.store(true, Ordering::SeqCst);
                    let probe = s.probe.load(Ordering::SeqCst);
                    if probe == 0 {
                        s.in_flight.store(false, Ordering::SeqCst);
                        continue;
                    }
                    let t = Instant::now();
                    let _ = get(url, "/health").await;
                    let us = u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX);
                    {
                        let mut max = s.max_us.lock().expect("sampler");
                        if max.len() < probe {
                            max.resize(probe, [0; SAMPLED]);
                        }
                        max[probe - 1][i] = max[probe - 1][i].max(us);
                    }
                    s.in_flight.store(false, Ordering::SeqCst);
                }
                tokio::time::sleep(SAMPLE_EVERY).await;
            }
        });
    });
    sampler
}

/// Which service a probe targets (the others' latency is the figure).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Target {
    Devnet,
    Mcr,
    Gs,
}

/// What a probe found.
struct Finding {
    /// The defence holds (the finding is fixed).
    held: bool,
    /// Every answer had a documented shape.
    shape: bool,
    note: String,
}

fn found(held: bool, shape: bool, note: impl Into<String>) -> Finding {
    Finding {
        held,
        shape,
        note: note.into(),
    }
}

struct Row {
    name: &'static str,
    finding: &'static str,
    result: Finding,
    other_ms: f64,
    rss_kib: i64,
    secs: f64,
}

// ------------------------------------------------------------------------------ the probes

struct Ctx {
    stack_rt: tokio::runtime::Runtime,
    stack: Option<LocalStack>,
    rpc: String,
    mcr: String,
    gs: String,
    network: NetworkConfig,
    funder: PeaqosClient,
    logs: Arc<Mutex<Vec<u8>>>,
    scratch: tempfile::TempDir,
    /// The production-default MCR (see the module doc).
    prod_mcr: Option<RunningMcr>,
    prod_mcr_url: String,
    /// Its confirmations (blocks to mine before what was just written is indexed).
    prod_confirmations: u64,
    /// The production-default Gas Station.
    prod_gs: Option<RunningGasStation>,
    prod_gs_url: String,
    /// Its setups per IP per window.
    prod_setup_limit_per_ip: u32,
    /// The SSRF probe's machines (what, DID): made once, asked of both MCRs.
    ssrf_dids: Mutex<Vec<(&'static str, String)>>,
}

/// The MCR as deployed: every setting at its documented default (`McrConfig::from_lookup` with
/// an empty environment, i.e. `ENV_VARS`), only what locates it taken from the devnet. Compared
/// with `McrConfig::for_devnet` this undoes every relaxation of `peaqos dev`: loopback partner
/// `data_api`s refused, 90 requests per minute per IP, `/ready` 60 per minute, 2
/// confirmations, a 1 s poll.
fn production_mcr_config(rpc_url: &str, contracts: ContractAddresses, db: &Path) -> McrConfig {
    let defaults = McrConfig::from_lookup(|_| None).expect("the MCR defaults parse");
    McrConfig {
        rpc_url: rpc_url.to_owned(),
        contracts: Some(contracts),
        database_url: format!("sqlite://{}", db.display()),
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        ..defaults
    }
}

/// The Gas Station as deployed: `GasStationConfig::new`'s defaults (a random server key) with
/// the devnet chain of `GasStationConfig::for_devnet` (name, aliases, RPC URL, funding key) at
/// `ChainConfig::new`'s amounts and caps, a fresh SQLite file and a free loopback port. This
/// undoes `peaqos dev`'s relaxations: 10 setups per IP and 1,000 in all per hour (not 10,000),
/// 20 invalid codes per IP (not 1,000), 30 fund requests per owner per hour (not 1,000), 1 PEAQ
/// per request and caps of 20 / 2 PEAQ (not 2, 1,000 / 10).
fn production_gas_station_config(
    rpc_url: &str,
    funding_key: &str,
    db: &Path,
) -> Result<GasStationConfig, String> {
    let dev = GasStationConfig::for_devnet(rpc_url, FAUCET_CHAIN, funding_key, "sqlite::memory:");
    let chain = dev.chains.first().cloned().ok_or("no devnet chain")?;
    let chain = ChainConfig {
        aliases: chain.aliases.clone(),
        ..ChainConfig::new(&chain.name, &chain.rpc_url, chain.funding_key.clone())
    };
    let mut config =
        GasStationConfig::new(ServerKey::random().map_err(|e| e.to_string())?, vec![chain]);
    config.bind = SocketAddr::from(([127, 0, 0, 1], 0));
    config.database_url = format!("sqlite://{}?mode=rwc", db.display());
    config.validate().map_err(|e| e.to_string())?;
    Ok(config)
}

impl Ctx {
    fn stack(&self) -> &LocalStack {
        self.stack.as_ref().expect("stack running")
    }

    fn head(&self) -> u64 {
        self.stack()
            .devnet
            .node
            .with_chain_mut(|c| c.block_number())
    }

    async fn rpc_call(&self, method: &str, params: Value) -> Result<Raw, String> {
        post_json(
            &self.rpc,
            "/",
            &json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}),
        )
        .await
    }

    /// A self-managed machine with `visibility` and `data_api`, activated through the SDK.
    async fn machine(&self, visibility: DataVisibility, data_api: &str) -> Result<Address, String> {
        let (address, key) = PeaqosClient::generate_keypair();
        let ten = U256::from(10u64) * U256::from(10u64).pow(U256::from(18u64));
        self.funder
            .send_call(address, Bytes::new(), ten)
            .await
            .map_err(|e| e.to_string())?;
        let machine = PeaqosClient::new(ClientConfig::new(self.network.clone(), key.signer()))
            .map_err(|e| e.to_string())?;
        let attributes = MachineAttributes {
            documentation_url: "https://docs.example.invalid".into(),
            data_api: data_api.into(),
            visibility,
        };
        let mut progress =
            |_: peaqos_sdk::activation::Progress<'_>| std::ops::ControlFlow::Continue(());
        Activation::self_managed(machine, attributes)
            .map_err(|e| e.to_string())?
            .prepare(&mut progress)
            .await
            .map_err(|e| e.to_string())?
            .run(None, &mut progress)
            .await
            .map_err(|e| e.to_string())?;
        Ok(address)
    }

    /// Waits until the MCR has indexed the chain head.
    async fn indexed(&self) {
        let stack = self.stack();
        let head = stack.devnet.node.with_chain_mut(|c| c.block_number());
        let _ = stack.mcr.wait_indexed(head, Duration::from_secs(60)).await;
    }

    /// An owner enrolled at the Gas Station `gs` through the public API (setup, then confirm
    /// with the current code), from 127.0.0.1.
    async fn enroll(&self, gs: &str) -> Result<(Address, Vec<u8>), String> {
        let (owner, _) = PeaqosClient::generate_keypair();
        let r = post_json(
            gs,
            "/2fa/setup",
            &json!({"ownerAddress": owner.to_string()}),
        )
        .await?;
        let uri = r
            .json()
            .and_then(|v| v["data"]["otpauthUri"].as_str().map(str::to_owned));
        let secret = uri
            .as_deref()
            .and_then(totp::secret_of_uri)
            .ok_or_else(|| format!("setup: {}", gs_code(&r)))?
            .to_vec();
        let code = totp::code_at(&secret, now()).to_string();
        let r = post_json(
            gs,
            "/2fa/confirm",
            &json!({"ownerAddress": owner.to_string(), "twoFactorCode": code}),
        )
        .await?;
        if gs_code(&r) != "2FA_ACTIVATED" {
            return Err(format!("confirm: {}", gs_code(&r)));
        }
        Ok((owner, secret))
    }

    /// A fund request to the Gas Station `gs` from the loopback address `from` (127.0.0.1 when
    /// `None`).
    async fn fund(
        &self,
        gs: &str,
        from: Option<Ipv4Addr>,
        owner: Address,
        target: &str,
        code: &str,
    ) -> Result<Raw, String> {
        let body = json!({
            "ownerAddress": owner.to_string(),
            "targetWalletAddress": target,
            "chainId": FAUCET_CHAIN,
            "twoFactorCode": code,
            "requestId": uuid::Uuid::new_v4().to_string(),
        });
        raw_from(
            gs,
            from,
            "POST /faucet/fund HTTP/1.1\r\nContent-Type: application/json",
            body.to_string().as_bytes(),
        )
        .await
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The SSRF probe's machines: `public`, their `data_api` on a loopback service, a closed
/// loopback port, the cloud metadata address and a private network. Made once.
async fn ssrf_machines(ctx: &Ctx) -> Result<Vec<(&'static str, String)>, String> {
    {
        let dids = ctx.ssrf_dids.lock().expect("dids");
        if !dids.is_empty() {
            return Ok(dids.clone());
        }
    }
    let targets = [
        ("loopback service", format!("{}/health", ctx.gs)),
        ("closed loopback port", "http://127.0.0.1:1/".to_owned()),
        (
            "cloud metadata",
            "http://169.254.169.254/peaqos-probe".to_owned(),
        ),
        ("private network", "http://10.255.255.1/".to_owned()),
    ];
    let mut dids = Vec::new();
    for (what, url) in &targets {
        let a = ctx.machine(DataVisibility::Public, url).await?;
        dids.push((*what, format!("did:peaq:{a}")));
    }
    ctx.ssrf_dids.lock().expect("dids").clone_from(&dids);
    Ok(dids)
}

/// Finding 1: the MCR fetches `data_api` wherever it points. `dev`: ask the `LocalStack`'s MCR
/// (`peaqos dev`, loopback partners allowed by design: the loopback service may be served,
/// nothing else), else the production-default MCR (nothing may be served).
async fn probe_ssrf(ctx: &Ctx, dev: bool) -> Finding {
    let dids = match ssrf_machines(ctx).await {
        Ok(d) => d,
        Err(e) => return found(false, true, format!("setup failed: {e}")),
    };
    let base = if dev {
        ctx.indexed().await;
        &ctx.mcr
    } else {
        // The production MCR indexes `confirmations` behind the head: mine past them.
        let written = ctx.head();
        let _ = ctx
            .rpc_call(
                "anvil_mine",
                json!([format!("{:#x}", ctx.prod_confirmations)]),
            )
            .await;
        if let Some(mcr) = &ctx.prod_mcr
            && let Err(e) = mcr.wait_indexed(written, Duration::from_secs(60)).await
        {
            return found(
                false,
                true,
                format!("the production MCR did not index: {e}"),
            );
        }
        &ctx.prod_mcr_url
    };
    let allowed: &[&str] = if dev { &["loopback service"] } else { &[] };
    let mut leaked = Vec::new();
    let mut errors = BTreeMap::new();
    let mut shape = true;
    let mut slowest = Duration::ZERO;
    for (what, did) in &dids {
        let t = Instant::now();
        let r = match get(base, &format!("/machine/{did}")).await {
            Ok(r) => r,
            Err(e) => return found(false, false, format!("{what}: {e}")),
        };
        slowest = slowest.max(t.elapsed());
        let Some(v) = r.json().filter(|_| r.status == 200) else {
            shape = false;
            continue;
        };
        if !v["peaqos"]["partner_data"].is_null() {
            leaked.push(*what);
        }
        if let Some(e) = v["peaqos"]["partner_data_error"].as_str() {
            errors.insert(e.to_owned(), *what);
        }
    }
    let held = leaked.iter().all(|w| allowed.contains(w)) && errors.len() <= 1;
    found(
        held,
        shape,
        format!(
            "served partner_data of {leaked:?}{}; {} distinct error texts {:?}; slowest {} ms",
            if dev {
                " (loopback allowed by design)"
            } else {
                ""
            },
            errors.len(),
            errors.keys().collect::<Vec<_>>(),
            slowest.as_millis()
        ),
    )
}

/// Finding 2: a 2 MB JSON-RPC batch.
async fn probe_batch(ctx: &Ctx) -> Finding {
    let item =
        r#"{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":["latest",true]}"#;
    let n = 2 * 1024 * 1024 / (item.len() + 1);
    let body = format!("[{}]", vec![item; n].join(","));
    match raw(
        &ctx.rpc,
        "POST / HTTP/1.1\r\nContent-Type: application/json",
        body.as_bytes(),
    )
    .await
    {
        Ok(r) => {
            let v = r.json();
            let answered = v.as_ref().and_then(Value::as_array).map_or(0, Vec::len);
            let refused = v.as_ref().is_some_and(is_rpc_error) || r.status == 413;
            found(
                refused,
                v.as_ref().is_some_and(is_rpc_error) || answered == n,
                format!(
                    "{n} requests: HTTP {}, {answered} answers, {} bytes",
                    r.status,
                    r.body.len()
                ),
            )
        }
        Err(e) => found(false, false, e),
    }
}

/// Finding 4: `anvil_mine` 10,000 blocks while the other services are polled.
async fn probe_mine(ctx: &Ctx) -> Finding {
    let t = Instant::now();
    match ctx.rpc_call("anvil_mine", json!(["0x2710"])).await {
        Ok(r) => {
            let ok = r.json().is_some_and(|v| v.get("result").is_some());
            found(
                true,
                ok || r.json().is_some_and(|v| is_rpc_error(&v)),
                format!(
                    "HTTP {} in {} ms (held = other services' latency)",
                    r.status,
                    t.elapsed().as_millis()
                ),
            )
        }
        Err(e) => found(false, false, e),
    }
}

/// Finding 3: a wide `eth_getLogs` (1,000 addresses over every block, after the 10,000 blocks
/// of the `anvil_mine` probe). Without an answer, how long until the devnet answers again.
async fn probe_get_logs(ctx: &Ctx) -> Finding {
    let addresses: Vec<String> = (0..1_000u32)
        .map(|i| format!("{:#x}", Address::left_padding_from(&i.to_be_bytes())))
        .collect();
    let t = Instant::now();
    match ctx
        .rpc_call(
            "eth_getLogs",
            json!([{"fromBlock": "0x0", "toBlock": "latest", "address": addresses}]),
        )
        .await
    {
        Ok(r) => {
            let v = r.json();
            let capped = v.as_ref().is_some_and(is_rpc_error);
            let fast = t.elapsed() < Duration::from_secs(1);
            found(
                capped || fast,
                v.as_ref()
                    .is_some_and(|v| is_rpc_error(v) || v.get("result").is_some()),
                format!(
                    "HTTP {} in {} ms: {}",
                    r.status,
                    t.elapsed().as_millis(),
                    r.text()
                ),
            )
        }
        Err(e) => {
            // The call may still hold the chain: wait (at most 15 min) until it answers again.
            let deadline = Instant::now() + Duration::from_secs(900);
            while ctx.rpc_call("eth_chainId", json!([])).await.is_err() && Instant::now() < deadline
            {
            }
            found(
                false,
                false,
                format!(
                    "{e}; the devnet answered again after {} s",
                    t.elapsed().as_secs()
                ),
            )
        }
    }
}

/// Finding 5: `anvil_mine` beyond any cap, `eth_feeHistory` with 101 percentiles.
async fn probe_caps(ctx: &Ctx) -> Finding {
    let mine = ctx.rpc_call("anvil_mine", json!(["0x186a1"])).await; // 100,001
    let percentiles: Vec<f64> = (0..=100).map(f64::from).collect();
    let fee = ctx
        .rpc_call("eth_feeHistory", json!(["0x10", "latest", percentiles]))
        .await;
    let refused = |r: &Result<Raw, String>| {
        r.as_ref()
            .ok()
            .and_then(Raw::json)
            .is_some_and(|v| is_rpc_error(&v))
    };
    found(
        refused(&mine) && refused(&fee),
        refused(&mine) && refused(&fee),
        format!(
            "anvil_mine 100001 refused: {}; eth_feeHistory 101 percentiles refused: {}",
            refused(&mine),
            refused(&fee)
        ),
    )
}

/// Finding 6: an RPC URL with credentials must not come back through `/ready`, `Debug` or a
/// log line.
async fn probe_secret(ctx: &Ctx) -> Finding {
    let url = format!("http://probe:{SECRET}@127.0.0.1:1/v1/{SECRET}?apikey={SECRET}");
    let mut config = McrConfig::for_devnet(
        &url,
        ctx.stack().contracts(),
        &format!(
            "sqlite://{}",
            ctx.scratch.path().join("secret-mcr.sqlite").display()
        ),
    );
    config.poll_interval = Duration::from_millis(50);
    let debug_leak = format!("{config:?}").contains(SECRET);
    let mcr = match ctx.stack_rt.spawn(McrService::spawn(config)).await {
        Ok(Ok(m)) => m,
        Ok(Err(e)) => {
            let leak = e.to_string().contains(SECRET);
            return found(
                !leak && !debug_leak,
                true,
                format!("did not start: leak in error {leak}"),
            );
        }
        Err(e) => return found(false, true, e.to_string()),
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let ready = get(&mcr.url(), "/ready").await.unwrap_or_default();
    let ready_leak = String::from_utf8_lossy(&ready.body).contains(SECRET);
    let _ = ctx.stack_rt.spawn(mcr.shutdown()).await;
    let logs = String::from_utf8_lossy(&ctx.logs.lock().expect("logs")).into_owned();
    let leaking: Vec<String> = logs
        .lines()
        .filter(|l| l.contains(SECRET))
        .map(|l| l.replace(SECRET, "<SECRET>").chars().take(140).collect())
        .collect();
    let log_leak = !leaking.is_empty();
    found(
        !(ready_leak || debug_leak || log_leak),
        ready.is_json(),
        format!(
            "secret in /ready {ready_leak}, in Debug {debug_leak}, in {} log lines{}",
            leaking.len(),
            leaking
                .first()
                .map(|l| format!(", e.g. {l:?}"))
                .unwrap_or_default()
        ),
    )
}

/// Finding 8: 1,000 unauthenticated `/2fa/setup` calls from one client to the
/// production-default Gas Station: at most its per-IP limit may write an enrollment.
async fn probe_setup_flood(ctx: &Ctx) -> Finding {
    let mut codes: BTreeMap<String, usize> = BTreeMap::new();
    let mut shape = true;
    for chunk in 0..50 {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..20 {
            let gs = ctx.prod_gs_url.clone();
            set.spawn(async move {
                let (owner, _) = PeaqosClient::generate_keypair();
                post_json(
                    &gs,
                    "/2fa/setup",
                    &json!({"ownerAddress": owner.to_string()}),
                )
                .await
            });
        }
        while let Some(r) = set.join_next().await {
            match r.ok().and_then(Result::ok) {
                Some(r) => {
                    if r.status >= 400 && !is_gs_error(&r) {
                        shape = false;
                    }
                    *codes.entry(gs_code(&r)).or_default() += 1;
                }
                None => *codes.entry("no answer".into()).or_default() += 1,
            }
        }
        let _ = chunk;
    }
    let started = codes.get("2FA_SETUP_STARTED").copied().unwrap_or(0);
    let limit = usize::try_from(ctx.prod_setup_limit_per_ip).unwrap_or(usize::MAX);
    found(
        started <= limit && started < 1_000,
        shape,
        format!("{codes:?} (per-IP limit {limit} per window; earlier setups from 127.0.0.1 count)"),
    )
}

/// Finding 9: 1,000 half-open requests (a request line and one header, never finished).
async fn probe_half_open(ctx: &Ctx) -> Finding {
    let wait = std::env::var("PROBE_HALF_OPEN_WAIT_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(HALF_OPEN_WAIT);
    let servers = [ctx.rpc.clone(), ctx.mcr.clone(), ctx.gs.clone()];
    let mut conns = Vec::new();
    let mut refused = 0;
    for i in 0..HALF_OPEN_CONNECTIONS {
        let addr = host_port(&servers[i % 3]);
        match TcpStream::connect(&addr).await {
            Ok(mut s) => {
                let _ = s.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n").await;
                conns.push((i % 3, s));
            }
            Err(_) => refused += 1,
        }
    }
    // Meanwhile a normal request to each server must still be answered.
    let mut answered = 0;
    for s in &servers {
        let ok = if s == &ctx.rpc {
            ctx.rpc_call("eth_chainId", json!([])).await.is_ok()
        } else {
            get(s, "/health").await.is_ok()
        };
        answered += usize::from(ok);
    }
    tokio::time::sleep(Duration::from_secs(wait)).await;
    let mut open = [0usize; 3];
    for (k, s) in &mut conns {
        let mut buf = [0u8; 512];
        // Closed: EOF or reset (possibly after an error answer); open: no byte in 50 ms.
        // After the wait a close has long arrived: 1 ms tells open from closed.
        let still = match tokio::time::timeout(Duration::from_millis(1), s.read(&mut buf)).await {
            Err(_) => true,
            Ok(Ok(0) | Err(_)) => false,
            Ok(Ok(_)) => {
                // An answer (408/400): wait for the close.
                !matches!(
                    tokio::time::timeout(
                        Duration::from_millis(200),
                        s.read_to_end(&mut Vec::new())
                    )
                    .await,
                    Ok(Ok(_))
                )
            }
        };
        open[*k] += usize::from(still);
    }
    let total: usize = open.iter().sum();
    found(
        total * 10 <= conns.len() && answered == 3,
        true,
        format!(
            "{} opened ({refused} refused); after {wait} s still open: devnet {}, MCR {}, Gas Station {}; normal requests answered {answered}/3",
            conns.len(),
            open[0],
            open[1],
            open[2]
        ),
    )
}

/// Finding 12: a reused valid code must not count toward the lockout.
async fn probe_totp_reuse(ctx: &Ctx) -> Finding {
    let (owner, secret) = match ctx.enroll(&ctx.gs).await {
        Ok(o) => o,
        Err(e) => return found(false, true, format!("enrollment failed: {e}")),
    };
    let code = totp::code_at(&secret, now()).to_string();
    let (w1, _) = PeaqosClient::generate_keypair();
    let first = ctx.fund(&ctx.gs, None, owner, &w1.to_string(), &code).await;
    let mut seen = Vec::new();
    let mut shape = true;
    for _ in 0..5 {
        if let Ok(r) = ctx.fund(&ctx.gs, None, owner, &w1.to_string(), &code).await {
            shape &= is_gs_error(&r);
            seen.push(gs_code(&r));
        }
    }
    let (w2, _) = PeaqosClient::generate_keypair();
    let after = ctx
        .fund(&ctx.gs, None, owner, &w2.to_string(), &code)
        .await
        .map(|r| gs_code(&r))
        .unwrap_or_else(|e| e);
    let first = first.map(|r| gs_code(&r)).unwrap_or_else(|e| e);
    found(
        after == "SUCCESS" && !seen.iter().any(|c| c == "INVALID_2FA"),
        shape,
        format!("first {first}; 5 reuses {seen:?}; then a new wallet {after}"),
    )
}

/// Finding 13, at the production-default Gas Station: five bad codes from one client
/// (127.0.0.7) lock the owner for clients that never gave a valid code for it (127.0.0.8, even
/// with the right code: the per-owner lock still exists), not for the owner's own client
/// (127.0.0.1, which enrolled and confirmed).
async fn probe_lockout(ctx: &Ctx) -> Finding {
    let gs = &ctx.prod_gs_url;
    let (owner, secret) = match ctx.enroll(gs).await {
        Ok(o) => o,
        Err(e) => return found(false, true, format!("enrollment failed: {e}")),
    };
    let mut shape = true;
    let mut attacker = Vec::new();
    for _ in 0..5 {
        let (w, _) = PeaqosClient::generate_keypair();
        match ctx
            .fund(gs, Some(ATTACKER_IP), owner, &w.to_string(), "000000")
            .await
        {
            Ok(r) => {
                shape &= is_gs_error(&r);
                attacker.push(gs_code(&r));
            }
            Err(e) => attacker.push(e),
        }
    }
    let code = totp::code_at(&secret, now()).to_string();
    let answer = |r: Result<Raw, String>, shape: &mut bool| match r {
        Ok(r) => {
            *shape &= r.status < 400 || is_gs_error(&r);
            gs_code(&r)
        }
        Err(e) => e,
    };
    let (w, _) = PeaqosClient::generate_keypair();
    let stranger = answer(
        ctx.fund(gs, Some(STRANGER_IP), owner, &w.to_string(), &code)
            .await,
        &mut shape,
    );
    let (w, _) = PeaqosClient::generate_keypair();
    let owner_answer = answer(
        ctx.fund(gs, None, owner, &w.to_string(), &code).await,
        &mut shape,
    );
    found(
        stranger == "2FA_LOCKED" && owner_answer == "SUCCESS",
        shape,
        format!(
            "5 bad codes from {ATTACKER_IP}: {attacker:?}; then the right code from \
             {STRANGER_IP} got {stranger}, from the owner's 127.0.0.1 {owner_answer}"
        ),
    )
}

/// Finding 14: `qrImageUrl` from the request's `Host` header.
async fn probe_host_header(ctx: &Ctx) -> Finding {
    let (owner, _) = PeaqosClient::generate_keypair();
    let r = raw(
        &ctx.gs,
        "POST /2fa/setup HTTP/1.1\r\nHost: evil.example\r\nContent-Type: application/json",
        json!({"ownerAddress": owner.to_string()})
            .to_string()
            .as_bytes(),
    )
    .await;
    match r {
        Ok(r) => {
            let url = r
                .json()
                .and_then(|v| v["data"]["qrImageUrl"].as_str().map(str::to_owned))
                .unwrap_or_default();
            found(
                !url.contains("evil.example"),
                r.status < 400 || is_gs_error(&r),
                format!("HTTP {}: qrImageUrl {url:?}", r.status),
            )
        }
        Err(e) => found(false, false, e),
    }
}

/// Finding 15: error paths outside the routes keep the documented shape.
async fn probe_envelopes(ctx: &Ctx, mcr: bool) -> Finding {
    let long = format!("/{}", "a".repeat(100_000));
    let big = vec![b'x'; 2 * 1024 * 1024];
    let cases: Vec<(&str, String, Vec<u8>)> = if mcr {
        vec![
            ("405", "DELETE /health HTTP/1.1".into(), vec![]),
            ("405 POST", "POST /mcr/0x0000000000000000000000000000000000000001 HTTP/1.1".into(), vec![]),
            ("414", format!("GET {long} HTTP/1.1"), vec![]),
            ("bad UTF-8", "GET /mcr/%FF%FE HTTP/1.1".into(), vec![]),
            ("bad UTF-8 query", "GET /operator/0x0000000000000000000000000000000000000001/machines?offset=%FF HTTP/1.1".into(), vec![]),
            ("404", "GET /nope HTTP/1.1".into(), vec![]),
        ]
    } else {
        vec![
            ("405", "GET /faucet/fund HTTP/1.1".into(), vec![]),
            ("414", format!("GET {long} HTTP/1.1"), vec![]),
            ("bad UTF-8", "GET /2fa/qr/%FF%FE HTTP/1.1".into(), vec![]),
            ("404", "GET /nope HTTP/1.1".into(), vec![]),
            (
                "413",
                "POST /faucet/fund HTTP/1.1\r\nContent-Type: application/json".into(),
                big,
            ),
            (
                "415",
                "POST /faucet/fund HTTP/1.1\r\nContent-Type: text/plain".into(),
                b"{}".to_vec(),
            ),
        ]
    };
    let base = if mcr { &ctx.mcr } else { &ctx.gs };
    let mut bad = Vec::new();
    for (what, head, body) in cases {
        let ok = match raw(base, &head, &body).await {
            Ok(r) => {
                let ok = if mcr {
                    is_mcr_error(&r)
                } else {
                    is_gs_error(&r)
                };
                if !ok {
                    bad.push(format!("{what}: HTTP {} {:?}", r.status, r.text()));
                }
                ok
            }
            Err(e) => {
                bad.push(format!("{what}: {e}"));
                false
            }
        };
        let _ = ok;
    }
    found(
        bad.is_empty(),
        bad.is_empty(),
        if bad.is_empty() {
            "all in shape".into()
        } else {
            bad.join("; ")
        },
    )
}

/// Finding 16: the MCR rate limit and `/ready` (cached or limited, not 7 RPC calls per hit), on
/// an MCR of its own with the production defaults (90 per minute per IP, `/ready` 60 per
/// minute and cached 1 s), so exhausting 127.0.0.1's allowance disturbs no other probe. Every
/// request carries a different `X-Forwarded-For`: trusted from no one by default, it must not
/// spread the requests over many allowances.
async fn probe_rate_limit(ctx: &Ctx) -> Finding {
    let config = production_mcr_config(
        &ctx.rpc,
        ctx.stack().contracts(),
        &ctx.scratch.path().join("limited-mcr.sqlite"),
    );
    let limit = config.rate_limit_per_minute;
    let confirmations = config.confirmations;
    let mcr = match ctx.stack_rt.spawn(McrService::spawn(config)).await {
        Ok(Ok(m)) => m,
        other => {
            return found(
                false,
                true,
                format!("MCR did not start: {:?}", other.map(|r| r.map(|_| ()))),
            );
        }
    };
    let head = ctx.head();
    let _ = mcr
        .wait_indexed(head.saturating_sub(confirmations), Duration::from_secs(60))
        .await;
    let url = mcr.url();
    let did = "/mcr/did:peaq:0x0000000000000000000000000000000000000001";
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    let mut first_429 = None;
    let mut shape = true;
    let mut retry_after = true;
    // A fixed window may roll over once while sending: up to twice the limit, plus some.
    let tries = 2 * limit + 10;
    for i in 0..tries {
        let r = raw(
            &url,
            &format!(
                "GET {did} HTTP/1.1\r\nX-Forwarded-For: 198.51.{}.{}",
                i / 250,
                i % 250 + 1
            ),
            b"",
        )
        .await
        .unwrap_or_default();
        *statuses.entry(r.status).or_default() += 1;
        if r.status == 429 {
            shape &= is_mcr_error(&r);
            retry_after &= r.header("retry-after").is_some();
            first_429 = Some(i + 1);
            break;
        }
    }
    // /ready: mine a block between hits; an uncached, unlimited /ready follows every block.
    let mut heads = Vec::new();
    let mut limited = false;
    for _ in 0..20 {
        let _ = ctx.rpc_call("anvil_mine", json!(["0x1"])).await;
        let r = get(&url, "/ready").await.unwrap_or_default();
        limited |= r.status == 429;
        heads.push(
            r.json()
                .and_then(|v| v["indexer"]["head_block"].as_u64())
                .unwrap_or(0),
        );
    }
    let _ = ctx.stack_rt.spawn(mcr.shutdown()).await;
    let repeats = heads.windows(2).filter(|w| w[0] == w[1]).count();
    found(
        first_429.is_some() && retry_after && (limited || repeats > 0),
        shape,
        format!(
            "/mcr (limit {limit}/min, spoofed X-Forwarded-For): statuses {statuses:?}, first 429 at request {} (Retry-After {retry_after}); /ready 20 hits with a block mined before each: {repeats} repeated heads, 429 {limited}",
            first_429.map_or_else(|| format!("none of {tries}"), |n| n.to_string())
        ),
    )
}

/// Finding 20: simple cross-site requests to the devnet.
async fn probe_devnet_cors(ctx: &Ctx) -> Finding {
    let body =
        json!({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}).to_string();
    let plain = raw(
        &ctx.rpc,
        "POST / HTTP/1.1\r\nContent-Type: text/plain",
        body.as_bytes(),
    )
    .await;
    let origin = raw(
        &ctx.rpc,
        "POST / HTTP/1.1\r\nContent-Type: application/json\r\nOrigin: http://evil.example",
        body.as_bytes(),
    )
    .await;
    let served = |r: &Result<Raw, String>| {
        r.as_ref()
            .ok()
            .and_then(Raw::json)
            .is_some_and(|v| v.get("result").is_some())
    };
    let shaped = |r: &Result<Raw, String>| {
        r.as_ref()
            .ok()
            .and_then(Raw::json)
            .is_some_and(|v| is_rpc_error(&v) || v.get("result").is_some())
    };
    found(
        !served(&plain) && !served(&origin),
        shaped(&plain) && shaped(&origin),
        format!(
            "text/plain answered {} (HTTP {}); foreign Origin answered {} (HTTP {})",
            served(&plain),
            plain.as_ref().map_or(0, |r| r.status),
            served(&origin),
            origin.as_ref().map_or(0, |r| r.status)
        ),
    )
}

/// Finding 21: the zero address as a fund target.
async fn probe_zero_address(ctx: &Ctx) -> Finding {
    let (owner, secret) = match ctx.enroll(&ctx.gs).await {
        Ok(o) => o,
        Err(e) => return found(false, true, format!("enrollment failed: {e}")),
    };
    let code = totp::code_at(&secret, now()).to_string();
    match ctx
        .fund(
            &ctx.gs,
            None,
            owner,
            &format!("{:#x}", Address::ZERO),
            &code,
        )
        .await
    {
        Ok(r) => found(
            gs_code(&r) == "INVALID_TARGET_ADDRESS",
            r.status < 400 || is_gs_error(&r),
            format!("HTTP {} {}", r.status, gs_code(&r)),
        ),
        Err(e) => found(false, false, e),
    }
}

/// Finding 18: the data directory 0700, its databases 0600.
async fn probe_data_dir(ctx: &Ctx) -> Finding {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = &ctx.stack().data_dir;
    let mode =
        |p: &std::path::Path| std::fs::metadata(p).map_or(0, |m| m.permissions().mode() & 0o777);
    let mut modes: Vec<(String, u32, u32)> = vec![(dir.display().to_string(), mode(dir), 0o700)];
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.extension().is_some_and(|e| e == "sqlite") {
            modes.push((p.display().to_string(), mode(&p), 0o600));
        }
    }
    let bad: Vec<String> = modes
        .iter()
        .filter(|(_, m, want)| m & !want != 0)
        .map(|(p, m, want)| format!("{p} {m:o} (want {want:o})"))
        .collect();
    found(
        bad.is_empty(),
        true,
        if bad.is_empty() {
            "private".into()
        } else {
            bad.join("; ")
        },
    )
}

/// Finding 10: a timestamp beyond i64 from the devnet, and the MCR's readiness when its
/// indexer cannot store a block. Changes the chain for good: runs last.
async fn probe_stuck_indexer(ctx: &Ctx) -> Finding {
    let ts = ctx
        .rpc_call("evm_setNextBlockTimestamp", json!(["0x8000000000000000"]))
        .await;
    let refused = ts
        .as_ref()
        .ok()
        .and_then(Raw::json)
        .is_some_and(|v| is_rpc_error(&v));
    if refused {
        return found(true, true, "the devnet refuses a timestamp beyond i64");
    }
    let _ = ctx.rpc_call("evm_mine", json!([])).await;
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut last = 0;
    while Instant::now() < deadline {
        let r = get(&ctx.mcr, "/ready").await.unwrap_or_default();
        last = r.status;
        if r.status == 503 {
            return found(
                true,
                r.is_json(),
                "the devnet took a timestamp beyond i64; MCR /ready went 503",
            );
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    found(
        false,
        true,
        format!(
            "the devnet took a timestamp beyond i64 and MCR /ready still answers {last} after 20 s"
        ),
    )
}

// ------------------------------------------------------------------------------ main

/// A `tracing` writer into a shared buffer (the log grep of finding 6).
#[derive(Clone)]
struct LogBuf(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for LogBuf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("logs").extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn main() -> std::process::ExitCode {
    let logs = Arc::new(Mutex::new(Vec::new()));
    {
        let logs = LogBuf(logs.clone());
        tracing_subscriber::fmt()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                    "info,peaqos_devnet=debug,peaqos_mcr=debug,peaqos_gas_station=debug".into()
                }),
            )
            .with_ansi(false)
            .with_writer(move || logs.clone())
            .init();
    }
    // The stack's runtime: `peaqos dev`'s (one worker per core).
    let stack_rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("stack runtime");
    let scratch = tempfile::Builder::new()
        .prefix("peaqos-probe-")
        .tempdir()
        .expect("scratch");
    let mut config = StackConfig::ephemeral();
    config.data_dir = Some(scratch.path().join("dev"));
    let stack = stack_rt
        .block_on(LocalStack::start(config, |s| eprintln!("  {s}")))
        .expect("the local stack starts");
    // The same services with the production defaults, on the same devnet and runtime.
    eprintln!("  starting a production-default MCR and Gas Station");
    let prod_mcr_config = production_mcr_config(
        &stack.devnet.url,
        stack.contracts(),
        &scratch.path().join("prod-mcr.sqlite"),
    );
    let prod_confirmations = prod_mcr_config.confirmations;
    let prod_mcr = stack_rt
        .block_on(McrService::spawn(prod_mcr_config))
        .expect("the production-default MCR starts");
    let prod_gs_config = production_gas_station_config(
        &stack.devnet.url,
        &stack.devnet.accounts[PROD_FAUCET_ACCOUNT]
            .private_key
            .to_string(),
        &scratch.path().join("prod-gas-station.sqlite"),
    )
    .expect("the production-default Gas Station config");
    let prod_setup_limit_per_ip = prod_gs_config.setup_limit_per_ip;
    let prod_gs = stack_rt
        .block_on(GasStation::spawn(prod_gs_config))
        .expect("the production-default Gas Station starts");
    let probe_rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("probe runtime");
    let network = NetworkConfig::new(&stack.devnet.url, stack.contracts());
    let funder = PeaqosClient::new(ClientConfig::new(
        network.clone(),
        peaqos_sdk::Signer::from(stack.devnet.accounts[2].signer()),
    ))
    .expect("client");
    let mut ctx = Ctx {
        rpc: stack.devnet.url.clone(),
        mcr: stack.mcr.url(),
        gs: stack.gas_station.url(),
        stack: Some(stack),
        stack_rt,
        network,
        funder,
        logs,
        scratch,
        prod_mcr_url: prod_mcr.url(),
        prod_mcr: Some(prod_mcr),
        prod_confirmations,
        prod_gs_url: prod_gs.url(),
        prod_gs: Some(prod_gs),
        prod_setup_limit_per_ip,
        ssrf_dids: Mutex::new(Vec::new()),
    };
    let sampler = spawn_sampler([
        ctx.mcr.clone(),
        ctx.gs.clone(),
        ctx.prod_mcr_url.clone(),
        ctx.prod_gs_url.clone(),
    ]);
    let mut rows: Vec<Row> = Vec::new();
    macro_rules! probe {
        ($name:expr, $finding:expr, $target:expr, $f:expr) => {{
            eprintln!("probe {} ({})", $name, $finding);
            reset_peak();
            let before = vm_kib("VmRSS:");
            let index = rows.len();
            sampler.probe.store(index + 1, Ordering::SeqCst);
            let t = Instant::now();
            let mut result = probe_rt.block_on($f);
            let secs = t.elapsed().as_secs_f64();
            let slowest = sampler.finish(index, RAW_TIMEOUT);
            let peak = vm_kib("VmHWM:").max(vm_kib("VmRSS:"));
            // The slowest service of a kind the probe does not target (either instance).
            let other_us = (0..SAMPLED)
                .filter(|&i| match $target {
                    Target::Mcr => !sampled_is_mcr(i),
                    Target::Gs => sampled_is_mcr(i),
                    Target::Devnet => true,
                })
                .map(|i| slowest[i])
                .max()
                .unwrap_or(0);
            // A probe that holds another service has not held, whatever it answered.
            result.held &= Duration::from_micros(other_us) <= LATENCY_OK;
            if Duration::from_micros(other_us) > LATENCY_OK {
                let ms = |i: usize| slowest[i] as f64 / 1000.0;
                result.note.push_str(&format!(
                    " [slowest /health: dev MCR {:.0} ms, dev GS {:.0} ms, prod MCR {:.0} ms, prod GS {:.0} ms]",
                    ms(0),
                    ms(1),
                    ms(2),
                    ms(3)
                ));
            }
            rows.push(Row {
                name: $name,
                finding: $finding,
                result,
                other_ms: other_us as f64 / 1000.0,
                rss_kib: i64::try_from(peak).unwrap_or(i64::MAX)
                    - i64::try_from(before).unwrap_or(0),
                secs,
            });
        }};
    }
    let c = &ctx;
    probe!(
        "ssrf data_api (loopback, metadata, private) [prod]",
        "1",
        Target::Mcr,
        probe_ssrf(c, false)
    );
    probe!(
        "ssrf in peaqos dev (loopback allowed by design)",
        "1",
        Target::Mcr,
        probe_ssrf(c, true)
    );
    probe!("2 MB JSON-RPC batch", "2", Target::Devnet, probe_batch(c));
    probe!(
        "anvil_mine 10,000 (+ /health latency)",
        "4",
        Target::Devnet,
        probe_mine(c)
    );
    probe!(
        "wide eth_getLogs (1,000 addresses, all blocks)",
        "3",
        Target::Devnet,
        probe_get_logs(c)
    );
    probe!(
        "anvil_mine / eth_feeHistory caps",
        "5",
        Target::Devnet,
        probe_caps(c)
    );
    probe!(
        "secret RPC URL in /ready, Debug, logs",
        "6",
        Target::Mcr,
        probe_secret(c)
    );
    probe!(
        "TOTP code reuse and lockout",
        "12",
        Target::Gs,
        probe_totp_reuse(c)
    );
    probe!(
        "lockout of an owner by another IP [prod]",
        "13",
        Target::Gs,
        probe_lockout(c)
    );
    probe!(
        "qrImageUrl from the Host header",
        "14",
        Target::Gs,
        probe_host_header(c)
    );
    probe!(
        "zero address as fund target",
        "21",
        Target::Gs,
        probe_zero_address(c)
    );
    probe!(
        "MCR 405/414/bad UTF-8/404 envelopes",
        "15",
        Target::Mcr,
        probe_envelopes(c, true)
    );
    probe!(
        "Gas Station 405/414/bad UTF-8/404/413/415 envelopes",
        "15",
        Target::Gs,
        probe_envelopes(c, false)
    );
    probe!(
        "MCR rate limit, proxy header, /ready [prod]",
        "16",
        Target::Mcr,
        probe_rate_limit(c)
    );
    probe!(
        "devnet text/plain and foreign Origin",
        "20",
        Target::Devnet,
        probe_devnet_cors(c)
    );
    probe!(
        "data directory modes",
        "18",
        Target::Devnet,
        probe_data_dir(c)
    );
    probe!(
        "1,000 /2fa/setup from one IP [prod]",
        "8",
        Target::Gs,
        probe_setup_flood(c)
    );
    probe!(
        "1,000 half-open connections",
        "9",
        Target::Devnet,
        probe_half_open(c)
    );
    probe!(
        "timestamp beyond i64, stuck indexer readiness",
        "10",
        Target::Mcr,
        probe_stuck_indexer(c)
    );
    sampler.stop.store(true, Ordering::Relaxed);

    println!();
    println!(
        "{:<52} {:>4} {:>5} {:>6} {:>10} {:>10} {:>7}  note",
        "probe", "#", "held", "shape", "other ms", "RSS MiB", "secs"
    );
    for r in &rows {
        println!(
            "{:<52} {:>4} {:>5} {:>6} {:>10.1} {:>+10.1} {:>7.1}  {}",
            r.name,
            r.finding,
            if r.result.held { "yes" } else { "NO" },
            if r.result.shape { "ok" } else { "BAD" },
            r.other_ms,
            r.rss_kib as f64 / 1024.0,
            r.secs,
            r.result.note
        );
    }
    println!(
        "[prod]: against the production-default MCR / Gas Station (rate limit: an MCR of its own \
         with the production defaults); other rows: the LocalStack, configured as `peaqos dev`"
    );
    let worst_rss = rows.iter().max_by_key(|r| r.rss_kib);
    let worst_hold = rows.iter().max_by(|a, b| a.other_ms.total_cmp(&b.other_ms));
    let bad_shapes = rows.iter().filter(|r| !r.result.shape).count();
    let not_held = rows.iter().filter(|r| !r.result.held).count();
    let slow = rows
        .iter()
        .filter(|r| r.other_ms > LATENCY_OK.as_secs_f64() * 1000.0)
        .count();
    println!();
    if let (Some(w), Some(h)) = (worst_rss, worst_hold) {
        println!(
            "largest RSS growth of one request:        {:+.1} MiB ({})",
            w.rss_kib as f64 / 1024.0,
            w.name
        );
        println!(
            "longest another service was held:         {:.1} ms ({})",
            h.other_ms, h.name
        );
    }
    println!(
        "probes answered outside documented shapes: {bad_shapes} of {}",
        rows.len()
    );
    println!(
        "probes whose defence did not hold:         {not_held} of {} ({slow} held another service over {} ms)",
        rows.len(),
        LATENCY_OK.as_millis()
    );
    if let Some(gs) = ctx.prod_gs.take() {
        ctx.stack_rt.block_on(gs.shutdown());
    }
    if let Some(mcr) = ctx.prod_mcr.take() {
        ctx.stack_rt.block_on(mcr.shutdown());
    }
    if let Some(stack) = ctx.stack.take() {
        let _ = ctx.stack_rt.block_on(stack.shutdown());
    }
    if bad_shapes == 0 && not_held == 0 && slow == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
