//! What the MCR integration tests share: an in-process devnet driven by the SDK, the MCR
//! service on a fresh SQLite file or PostgreSQL database, and store-vs-chain comparisons.
#![allow(dead_code, unreachable_pub)]

use std::time::Duration;

use alloy::{
    primitives::{Address, B256, U256},
    providers::Provider,
    sol_types::SolCall,
};
use peaqos_contracts::bindings::{AdminFlags, EventRegistry, IdentityRegistry};
use peaqos_devnet::Devnet;
use peaqos_mcr::{McrConfig, McrService, RunningMcr, store::Store};
use peaqos_sdk::{client::PeaqosClient, validation::SubmitEventParams};
use peaqos_test_utils::ScratchDir;
pub use peaqos_test_utils::pg::PgDatabase;
use peaqos_types::{EventType, TrustLevel};

pub use peaqos_test_utils::devnet::{
    chain_now, contracts, dev_client as client, spawn_devnet as devnet,
};

/// A client for a fresh key funded with 10 PEAQ by `funder`.
pub async fn fresh_client(devnet: &Devnet, funder: &PeaqosClient) -> PeaqosClient {
    peaqos_test_utils::devnet::funded_client(devnet, funder, 10).await
}

/// The chain head.
pub async fn head(c: &PeaqosClient) -> u64 {
    c.provider().get_block_number().await.expect("head")
}

/// A SQLite URL for a fresh file in `dir`.
pub fn sqlite_url(dir: &ScratchDir) -> String {
    format!("sqlite://{}", dir.path().join("mcr.db").display())
}

/// The MCR service on `database_url` for `devnet`, devnet settings (no confirmations, no rate
/// limit).
pub async fn spawn_mcr(devnet: &Devnet, database_url: &str) -> RunningMcr {
    spawn_mcr_with(devnet, database_url, |_| {}).await
}

/// [`spawn_mcr`] with changes to the configuration.
pub async fn spawn_mcr_with(
    devnet: &Devnet,
    database_url: &str,
    change: impl FnOnce(&mut McrConfig),
) -> RunningMcr {
    let mut config = McrConfig::for_devnet(&devnet.url, contracts(devnet), database_url);
    config.poll_interval = Duration::from_millis(50);
    change(&mut config);
    McrService::spawn(config).await.expect("MCR service starts")
}

/// Waits until the service has indexed the chain head.
pub async fn sync(mcr: &RunningMcr, c: &PeaqosClient) {
    let h = head(c).await;
    mcr.wait_indexed(h, Duration::from_secs(30))
        .await
        .expect("indexed");
}

/// Registers a machine for `c` (self-managed) and returns its id.
pub async fn register(c: &PeaqosClient) -> U256 {
    c.register_machine().await.expect("registered")
}

/// `n` events for `machine`, alternating revenue (USD cents) and activity, timestamps spread
/// over the past `span_days` before `now`, with some metadata.
pub fn events(
    machine: U256,
    n: usize,
    now: u64,
    span_days: u64,
    seed: u64,
) -> Vec<SubmitEventParams> {
    (0..n)
        .map(|i| {
            let i64v = i as u64;
            let ts = now - span_days * 86_400 + (i64v * span_days * 86_400) / (n as u64).max(1);
            if (i + seed as usize).is_multiple_of(2) {
                SubmitEventParams::new(
                    machine,
                    EventType::Revenue,
                    U256::from(1_000 + (i64v * 37 + seed) % 5_000),
                    ts,
                )
                .with_currency("USD")
                .with_trust_level(TrustLevel::HardwareSigned)
                .with_raw_data(format!("raw {seed} {i}").into_bytes())
                .with_metadata(format!("{{\"i\":{i},\"seed\":{seed}}}").into_bytes())
            } else {
                SubmitEventParams::new(machine, EventType::Activity, U256::ZERO, ts)
                    .with_currency("")
            }
        })
        .collect()
}

/// Submits `events` in batches of `per_tx`.
pub async fn submit(c: &PeaqosClient, events: &[SubmitEventParams], per_tx: usize) {
    for chunk in events.chunks(per_tx.max(1)) {
        c.batch_submit_events(chunk)
            .await
            .expect("events submitted");
    }
}

/// Sends `data` to `to` from `c` (a contract call, reverts panic).
pub async fn call(c: &PeaqosClient, to: Address, data: Vec<u8>) {
    c.send_call(to, data.into(), U256::ZERO)
        .await
        .expect("call succeeds");
}

/// AdminFlags.flagMachine from the owner `owner`.
pub async fn flag(owner: &PeaqosClient, machine: U256) {
    let af = owner.contracts().admin_flags.expect("admin flags");
    call(
        owner,
        af,
        AdminFlags::flagMachineCall { machineId: machine }.abi_encode(),
    )
    .await;
}

/// AdminFlags.setTrustOverride from the owner `owner`.
pub async fn set_override(owner: &PeaqosClient, machine: U256, bps: u64) {
    let af = owner.contracts().admin_flags.expect("admin flags");
    call(
        owner,
        af,
        AdminFlags::setTrustOverrideCall {
            machineId: machine,
            value: U256::from(bps),
        }
        .abi_encode(),
    )
    .await;
}

/// Every registered machine id on chain.
pub async fn chain_machine_ids(c: &PeaqosClient) -> Vec<u64> {
    let raw = c
        .provider()
        .call(
            alloy::rpc::types::TransactionRequest::default()
                .to(c.contracts().identity_registry)
                .input(IdentityRegistry::nextMachineIdCall {}.abi_encode().into()),
        )
        .await
        .expect("nextMachineId");
    let next = IdentityRegistry::nextMachineIdCall::abi_decode_returns(&raw).expect("decode");
    (1..next.to::<u64>()).collect()
}

/// The store holds exactly the chain's machines and events, compared one by one; returns the
/// number of events compared.
pub async fn assert_store_equals_chain(store: &Store, c: &PeaqosClient) -> usize {
    let mut compared = 0;
    let ids = chain_machine_ids(c).await;
    for id in &ids {
        let machine = store
            .machine(*id)
            .await
            .expect("store")
            .unwrap_or_else(|| panic!("machine {id} missing from the store"));
        let raw = c
            .provider()
            .call(
                alloy::rpc::types::TransactionRequest::default()
                    .to(c.contracts().identity_registry)
                    .input(
                        IdentityRegistry::machineWalletOfCall {
                            machineId: U256::from(*id),
                        }
                        .abi_encode()
                        .into(),
                    ),
            )
            .await
            .expect("machineWalletOf");
        let wallet =
            IdentityRegistry::machineWalletOfCall::abi_decode_returns(&raw).expect("decode");
        assert_eq!(machine.wallet, wallet, "machine {id}: wallet");
        assert!(machine.bonded, "machine {id}: bonded");
        let count = c
            .event_count(U256::from(*id))
            .await
            .expect("count")
            .to::<u64>();
        let mut chain_events: Vec<EventRegistry::MachineEvent> = Vec::new();
        let mut offset = 0;
        while offset < count {
            let page = c
                .get_events(U256::from(*id), U256::from(offset), U256::from(100))
                .await
                .expect("getEvents");
            offset += page.len() as u64;
            chain_events.extend(page);
        }
        let stored = store.events(*id).await.expect("store events");
        assert_eq!(
            stored.len(),
            chain_events.len(),
            "machine {id}: event count (store vs chain)"
        );
        for (i, (s, e)) in stored.iter().zip(&chain_events).enumerate() {
            let what = format!("machine {id} event {i}");
            assert_eq!(s.event_index, i as u64, "{what}: index");
            assert_eq!(U256::from(s.machine_id), e.machineId, "{what}: machineId");
            assert_eq!(s.event_type, e.eventType, "{what}: eventType");
            assert_eq!(s.value, e.value, "{what}: value");
            assert_eq!(s.currency, e.currency, "{what}: currency");
            assert_eq!(U256::from(s.timestamp), e.timestamp, "{what}: timestamp");
            assert_eq!(s.data_hash, e.dataHash, "{what}: dataHash");
            assert_eq!(s.trust_level, e.trustLevel, "{what}: trustLevel");
            assert_eq!(s.source_chain_id, e.sourceChainId, "{what}: sourceChainId");
            assert_eq!(s.source_tx_hash, e.sourceTxHash, "{what}: sourceTxHash");
            assert_eq!(s.metadata, e.metadata, "{what}: metadata");
            assert_ne!(s.tx_hash, B256::ZERO, "{what}: tx hash");
            compared += 1;
        }
    }
    assert_eq!(
        store.total_events().await.expect("total") as usize,
        compared,
        "the store holds events of machines the chain does not have"
    );
    compared
}

/// `evm_snapshot` → id.
pub async fn snapshot(c: &PeaqosClient) -> U256 {
    c.provider()
        .raw_request::<_, U256>("evm_snapshot".into(), ())
        .await
        .expect("evm_snapshot")
}

/// `evm_revert(id)`.
pub async fn revert(c: &PeaqosClient, id: U256) {
    let ok: bool = c
        .provider()
        .raw_request("evm_revert".into(), (id,))
        .await
        .expect("evm_revert");
    assert!(ok, "evm_revert answered false");
}

/// `evm_mine`, `n` times.
pub async fn mine(c: &PeaqosClient, n: usize) {
    for _ in 0..n {
        let _: serde_json::Value = c
            .provider()
            .raw_request("evm_mine".into(), ())
            .await
            .expect("evm_mine");
    }
}

// ------------------------------------------------------------------------------ scenario

/// A machine of the [`Scenario`].
#[derive(Debug, Clone, Copy)]
pub struct Machine {
    /// Its id.
    pub id: u64,
    /// Its wallet.
    pub address: Address,
    /// Its Machine NFT, if minted.
    pub token: Option<u64>,
}

impl Machine {
    /// `did:peaq:<checksummed address>`.
    pub fn did(&self) -> String {
        format!("did:peaq:{}", self.address)
    }
}

/// A local partner `data_api`: `/ok` (a JSON object), `/fail` (500), `/list` (a JSON array),
/// `/big` (over the cap), `/slow` (after 3 s).
pub struct Partner {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Partner {
    /// Starts the server.
    pub async fn start() -> Self {
        use axum::{Router, http::StatusCode, routing::get};
        let app = Router::new()
            .route(
                "/ok",
                get(|| async {
                    (
                        [("content-type", "application/json")],
                        r#"{"temperature":21.5,"status":"running","uptime_h":1200}"#,
                    )
                }),
            )
            .route(
                "/fail",
                get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
            )
            .route("/list", get(|| async { "[1,2,3]" }))
            .route(
                "/big",
                get(|| async { format!("{{\"pad\":\"{}\"}}", "x".repeat(200_000)) }),
            )
            .route(
                "/slow",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    "{}"
                }),
            );
        Self {
            base: format!("http://{}", serve_local(app).await),
        }
    }
}

/// Scripted machines on one devnet: every visibility, a rated history in several currencies,
/// a bare registration, a flagged one, and a proxy operator's fleet.
pub struct Scenario {
    /// `onchain`, a year of daily revenue (trust 1) in USD plus EUR/JPY/BHD and an unsupported
    /// currency, activity events with JSON and non-JSON metadata: rated.
    pub onchain: Machine,
    /// `private` with a `data_api`.
    pub private: Machine,
    /// `public`, `data_api` answering a JSON object.
    pub public_ok: Machine,
    /// `public`, `data_api` answering 500.
    pub public_bad: Machine,
    /// Registered only: no NFT, no DID attributes, no events.
    pub bare: Machine,
    /// Flagged and with a trust override, a few activity events.
    pub flagged: Machine,
    /// The proxy operator (its `machines` attribute lists the fleet and an unregistered id).
    pub proxy: Machine,
    /// The proxy's machines.
    pub fleet: Vec<Machine>,
    /// Events submitted for `onchain`.
    pub onchain_events: usize,
    /// The partner server.
    pub partner: Partner,
}

/// An id no machine has.
pub const UNREGISTERED_ID: u64 = 999_999;

/// Registers a machine for `c`, mints its NFT and writes its DID attributes.
pub async fn activate(
    c: &PeaqosClient,
    visibility: peaqos_types::event::DataVisibility,
    data_api: &str,
    operator: Option<&str>,
) -> Machine {
    let id = register(c).await;
    c.mint_nft(id, c.address()).await.expect("minted");
    let token = c.token_id_of(id).await.expect("token");
    c.write_machine_did_attributes(
        id,
        token,
        operator,
        "https://docs.example/machine",
        data_api,
        visibility,
    )
    .await
    .expect("DID written");
    Machine {
        id: id.to(),
        address: c.address(),
        token: Some(token.to()),
    }
}

impl Scenario {
    /// Builds it (takes a few seconds).
    pub async fn build(devnet: &Devnet) -> Self {
        use peaqos_types::event::DataVisibility as V;
        let owner = client(devnet, 0);
        let partner = Partner::start().await;
        let now = chain_now(&owner).await;

        let c = fresh_client(devnet, &owner).await;
        let onchain = activate(&c, V::Onchain, "https://partner.example/onchain", None).await;
        let id = U256::from(onchain.id);
        let day = 86_400;
        let mut evs: Vec<SubmitEventParams> = Vec::new();
        // First (so they are in `event_data`): 2025-06-02 (a Monday with ECB fixings) in three more currencies, and one unsupported.
        let fixed = 1_748_822_400;
        for (cur, value) in [
            ("EUR", 1_250u64),
            ("JPY", 3_000),
            ("BHD", 1_500),
            ("ZZZ", 99),
        ] {
            evs.push(
                SubmitEventParams::new(id, EventType::Revenue, U256::from(value), fixed)
                    .with_currency(cur)
                    .with_trust_level(TrustLevel::HardwareSigned),
            );
        }
        for (i, meta) in [
            br#"{"sensor":"t1","reading":21.5}"#.to_vec(),
            b"not json".to_vec(),
            Vec::new(),
        ]
        .into_iter()
        .enumerate()
        {
            evs.push(
                SubmitEventParams::new(
                    id,
                    EventType::Activity,
                    U256::ZERO,
                    now - 3 * day + i as u64,
                )
                .with_currency("")
                .with_metadata(meta),
            );
        }
        let usd: Vec<SubmitEventParams> = (0..365u64)
            .map(|d| {
                SubmitEventParams::new(
                    id,
                    EventType::Revenue,
                    U256::from(2_000 + (d % 7) * 150),
                    now - (365 - d) * day,
                )
                .with_currency("USD")
                .with_trust_level(TrustLevel::OnChainVerifiable)
                .with_source_tx_hash(B256::repeat_byte(0x11))
                .with_metadata(format!("{{\"day\":{d},\"kind\":\"charge\"}}").into_bytes())
            })
            .collect();
        evs.extend(usd);
        let onchain_events = evs.len();
        submit(&c, &evs, 100).await;

        let private = activate(
            &fresh_client(devnet, &owner).await,
            V::Private,
            "https://partner.example/private",
            None,
        )
        .await;
        let public_ok = activate(
            &fresh_client(devnet, &owner).await,
            V::Public,
            &format!("{}/ok", partner.base),
            None,
        )
        .await;
        let public_bad = activate(
            &fresh_client(devnet, &owner).await,
            V::Public,
            &format!("{}/fail", partner.base),
            None,
        )
        .await;
        let bare_client = fresh_client(devnet, &owner).await;
        let bare = Machine {
            id: register(&bare_client).await.to(),
            address: bare_client.address(),
            token: None,
        };
        let fc = fresh_client(devnet, &owner).await;
        let flagged = activate(&fc, V::Onchain, "https://partner.example/f", None).await;
        submit(
            &fc,
            &events(U256::from(flagged.id), 6, now, 3, 9)
                .into_iter()
                .filter(|e| e.event_type == 1)
                .collect::<Vec<_>>(),
            10,
        )
        .await;
        flag(&owner, U256::from(flagged.id)).await;
        set_override(&owner, U256::from(flagged.id), 4000).await;

        let pc = fresh_client(devnet, &owner).await;
        let proxy_id = register(&pc).await;
        let proxy = Machine {
            id: proxy_id.to(),
            address: pc.address(),
            token: None,
        };
        let proxy_did = proxy.did();
        let mut fleet = Vec::new();
        for i in 0..3u64 {
            let mc = fresh_client(devnet, &owner).await;
            let mid = pc.register_for(mc.address()).await.expect("registered for");
            pc.mint_nft(mid, mc.address()).await.expect("minted");
            let token = pc.token_id_of(mid).await.expect("token");
            mc.write_machine_did_attributes(
                mid,
                token,
                Some(&proxy_did),
                "https://docs.example/fleet",
                "https://partner.example/fleet",
                V::Private,
            )
            .await
            .expect("fleet DID");
            submit(&pc, &events(mid, 4, now, 2, 20 + i), 4).await;
            fleet.push(Machine {
                id: mid.to(),
                address: mc.address(),
                token: Some(token.to()),
            });
        }
        let mut listed: Vec<U256> = fleet.iter().map(|m| U256::from(m.id)).collect();
        listed.push(U256::from(UNREGISTERED_ID));
        pc.write_proxy_did_attributes(proxy_id, &listed)
            .await
            .expect("proxy DID");
        Self {
            onchain,
            private,
            public_ok,
            public_bad,
            bare,
            flagged,
            proxy,
            fleet,
            onchain_events,
            partner,
        }
    }

    /// Every machine with a profile to query.
    pub fn machines(&self) -> Vec<Machine> {
        let mut out = vec![
            self.onchain,
            self.private,
            self.public_ok,
            self.public_bad,
            self.bare,
            self.flagged,
            self.proxy,
        ];
        out.extend(self.fleet.iter().copied());
        out
    }
}

// ------------------------------------------------------------------------------ test servers

/// Serves `app` on `listener` in the background.
pub fn serve_on(listener: tokio::net::TcpListener, app: axum::Router) {
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
}

/// Serves `app` on a free loopback port; its address.
pub async fn serve_local(app: axum::Router) -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    serve_on(listener, app);
    addr
}

/// A local server standing for something internal: `/secret` answers a JSON object holding
/// [`INTERNAL_SECRET`] (counted in `hits`), `/fail` 500, `/to-metadata` redirects to the cloud
/// metadata address, `/to-secret` redirects to `/secret` by the name `localhost`.
pub struct InternalServer {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Requests `/secret` answered.
    pub hits: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

/// What [`InternalServer`] serves: never in an MCR answer unless loopback is allowed.
pub const INTERNAL_SECRET: &str = "PLANTED_INTERNAL_SECRET";

impl InternalServer {
    /// Starts the server.
    pub async fn start() -> Self {
        use axum::{Router, http::StatusCode, response::Redirect, routing::get};
        use std::sync::{
            Arc,
            atomic::{AtomicUsize, Ordering},
        };
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let app = Router::new()
            .route(
                "/secret",
                get(move || {
                    counter.fetch_add(1, Ordering::SeqCst);
                    async {
                        (
                            [("content-type", "application/json")],
                            format!("{{\"secret\":\"{INTERNAL_SECRET}\"}}"),
                        )
                    }
                }),
            )
            .route(
                "/fail",
                get(|| async { (StatusCode::INTERNAL_SERVER_ERROR, "boom") }),
            )
            .route(
                "/to-metadata",
                get(|| async { Redirect::temporary("http://169.254.169.254/latest/meta-data/") }),
            )
            .route(
                "/to-secret",
                get(move || async move {
                    Redirect::temporary(&format!("http://localhost:{port}/secret"))
                }),
            );
        serve_on(listener, app);
        Self { port, hits }
    }

    /// Requests `/secret` answered so far.
    pub fn hits(&self) -> usize {
        self.hits.load(std::sync::atomic::Ordering::SeqCst)
    }
}

/// A loopback port nothing listens on.
pub fn dead_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A JSON-RPC proxy in front of the devnet that counts calls per method.
pub struct RpcProxy {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    calls: std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, usize>>>,
}

impl RpcProxy {
    /// Starts a proxy of `upstream`.
    pub async fn start(upstream: &str) -> Self {
        Self::start_with_log_cap(upstream, None).await
    }

    /// Starts a proxy of `upstream` that, like a provider with a lower cap than the devnet's,
    /// refuses an `eth_getLogs` (a single request) whose answer holds more than `cap` logs:
    /// -32005 `query returned more than {cap} results` (Infura's form).
    pub async fn start_with_log_cap(upstream: &str, cap: Option<usize>) -> Self {
        use axum::{Router, body::Bytes, extract::State, routing::post};
        use std::sync::{Arc, Mutex};
        type Calls = Arc<Mutex<std::collections::HashMap<String, usize>>>;
        let calls: Calls = Arc::default();
        let state = (calls.clone(), upstream.to_owned(), reqwest::Client::new());
        let app = Router::new()
            .route(
                "/",
                post(
                    move |State((calls, upstream, http)): State<(Calls, String, reqwest::Client)>,
                     body: Bytes| async move {
                        let mut get_logs_id = None;
                        if let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) {
                            if v["method"] == "eth_getLogs" {
                                get_logs_id = Some(v["id"].clone());
                            }
                            let items = match v {
                                serde_json::Value::Array(a) => a,
                                other => vec![other],
                            };
                            if let Ok(mut c) = calls.lock() {
                                for item in items {
                                    let m = item["method"].as_str().unwrap_or("?").to_owned();
                                    *c.entry(m).or_default() += 1;
                                }
                            }
                        }
                        let res = http
                            .post(&upstream)
                            .header("content-type", "application/json")
                            .body(body)
                            .send()
                            .await
                            .expect("upstream answers");
                        let status = res.status().as_u16();
                        let mut bytes = res.bytes().await.expect("upstream body");
                        if let (Some(cap), Some(id)) = (cap, get_logs_id) {
                            let logs = serde_json::from_slice::<serde_json::Value>(&bytes)
                                .ok()
                                .and_then(|v| v["result"].as_array().map(Vec::len));
                            if logs.is_some_and(|n| n > cap) {
                                let refusal = serde_json::json!({
                                    "jsonrpc": "2.0",
                                    "id": id,
                                    "error": {
                                        "code": -32005,
                                        "message": format!("query returned more than {cap} results"),
                                    },
                                });
                                bytes = refusal.to_string().into();
                            }
                        }
                        (
                            axum::http::StatusCode::from_u16(status).expect("status"),
                            [("content-type", "application/json")],
                            bytes,
                        )
                    },
                ),
            )
            .with_state(state);
        Self {
            url: format!("http://{}", serve_local(app).await),
            calls,
        }
    }

    /// Calls of `method` so far.
    pub fn calls(&self, method: &str) -> usize {
        self.calls
            .lock()
            .map(|c| c.get(method).copied().unwrap_or(0))
            .unwrap_or(0)
    }
}

/// The MCR service in test mode (no contracts: nothing indexed, data endpoints 503) on a
/// SQLite file in `dir`, changed by `change`.
pub async fn spawn_test_mode(dir: &ScratchDir, change: impl FnOnce(&mut McrConfig)) -> RunningMcr {
    let mut config = McrConfig::from_lookup(|_| None).expect("defaults");
    config.database_url = sqlite_url(dir);
    config.bind = "127.0.0.1:0".parse().expect("addr");
    change(&mut config);
    McrService::spawn(config)
        .await
        .expect("starts in test mode")
}

/// Dev accounts 2–5 as submitters, each with a self-managed machine registered: the clients
/// and the machine ids.
pub async fn registered_submitters(devnet: &Devnet) -> (Vec<PeaqosClient>, Vec<U256>) {
    let submitters: Vec<PeaqosClient> = (2..6).map(|i| client(devnet, i)).collect();
    let mut ids = Vec::new();
    for s in &submitters {
        ids.push(register(s).await);
    }
    (submitters, ids)
}

/// For each round of `rounds`, `per` events for every machine (one transaction each).
pub async fn submit_rounds(
    submitters: &[PeaqosClient],
    ids: &[U256],
    now: u64,
    rounds: std::ops::Range<u64>,
    per: usize,
) {
    for round in rounds {
        for (s, id) in submitters.iter().zip(ids) {
            submit(s, &events(*id, per, now, 20, round), per).await;
        }
    }
}

/// `GET url`: the status and the body as JSON (a body that is not JSON comes back as a JSON
/// string, so error pages stay visible in assertions).
pub async fn get_json(url: &str) -> (u16, serde_json::Value) {
    let res = reqwest::get(url).await.expect("request");
    let status = res.status().as_u16();
    let text = res.text().await.expect("body");
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)),
    )
}

/// The JSON body of `GET url`, whatever the status.
pub async fn json_of(url: &str) -> serde_json::Value {
    get_json(url).await.1
}
