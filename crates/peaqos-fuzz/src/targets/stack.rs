//! The in-process stack the HTTP targets share, started once: a devnet with the peaqOS stack,
//! a registered machine with events, the MCR API (its indexer following the devnet, a SQLite
//! store) and the Gas Station (SQLite), each as an axum `Router` to call with `oneshot`.

use std::{
    sync::{Arc, OnceLock},
    time::Duration,
};

use alloy::primitives::{Address, U256};
use axum::Router;
use peaqos_devnet::{
    Devnet, DevnetConfig,
    chain::{Chain, ChainState},
    node::Node,
};
use peaqos_mcr::{
    McrConfig,
    api::{self, Shared},
    chain::Chain as McrChain,
    indexer::{Indexer, IndexerStatus},
    store::Store,
};
use peaqos_sdk::validation::SubmitEventParams;
use peaqos_types::{EventType, TrustLevel};

/// The shared stack.
pub struct Stack {
    /// The runtime every service runs on.
    pub runtime: tokio::runtime::Runtime,
    /// The devnet (its RPC server serves the MCR indexer and the Gas Station).
    pub devnet: Devnet,
    /// The chain right after setup, for the JSON-RPC target's own nodes.
    pub genesis: ChainState,
    /// The registered machine's wallet.
    pub machine_wallet: Address,
    /// The registered machine's id.
    pub machine_id: u64,
    /// The MCR API.
    pub mcr: Router,
    /// The Gas Station API.
    pub gas_station: Router,
    /// A token of a real QR image.
    pub qr_path: Option<String>,
    _dir: tempfile::TempDir,
}

static STACK: OnceLock<Result<Stack, String>> = OnceLock::new();

/// The stack, started on first use.
pub fn stack() -> Result<&'static Stack, String> {
    STACK.get_or_init(start).as_ref().map_err(Clone::clone)
}

/// Starts the stack (idempotent).
pub fn prepare() -> Result<(), String> {
    stack().map(|_| ())
}

/// A fresh node on the chain as it was after setup (the JSON-RPC target mutates chains).
pub fn fresh_node(stack: &Stack) -> Arc<Node> {
    Arc::new(Node::new(
        Chain::from_state(stack.genesis.clone()),
        true,
        stack.devnet.accounts.clone(),
    ))
}

fn start() -> Result<Stack, String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let built = runtime.block_on(async {
        let devnet = Devnet::spawn(DevnetConfig::ephemeral())
            .await
            .map_err(|e| format!("devnet: {e}"))?;
        let contracts = peaqos_test_utils::devnet::contracts(&devnet);

        // A machine with events, so that the MCR routes reach the scoring and the profile.
        let client = peaqos_test_utils::devnet::dev_client(&devnet, 1);
        let machine = client
            .register_machine()
            .await
            .map_err(|e| format!("register: {e}"))?;
        let now = peaqos_test_utils::devnet::chain_now(&client).await;
        let events: Vec<SubmitEventParams> = (0..4u64)
            .map(|i| {
                SubmitEventParams::new(
                    machine,
                    EventType::Revenue,
                    U256::from(1000 + i),
                    now - 3600 * (i + 1),
                )
                .with_currency("USD")
                .with_trust_level(TrustLevel::HardwareSigned)
                .with_metadata(format!("{{\"i\":{i}}}").into_bytes())
            })
            .collect();
        client
            .batch_submit_events(&events)
            .await
            .map_err(|e| format!("events: {e}"))?;
        let machine_wallet = devnet.accounts[1].address;
        let machine_id = machine.to::<u64>();

        // The MCR: store, indexer task, router.
        let db = format!("sqlite://{}", dir.path().join("mcr.db").display());
        let mut config = McrConfig::for_devnet(&devnet.url, contracts, &db);
        config.poll_interval = Duration::from_millis(200);
        let store = Store::connect(&config.database_url, config.db_max_connections)
            .await
            .map_err(|e| format!("MCR store: {e}"))?;
        let chain = McrChain::new(&config.rpc_url).map_err(|e| e.to_string())?;
        let chain_id = chain.chain_id().await.unwrap_or(0);
        let status = Arc::new(IndexerStatus::default());
        let indexer = Indexer::new(
            chain.clone(),
            store.clone(),
            contracts,
            0,
            0,
            config.max_block_range,
        );
        {
            let status = status.clone();
            let (_keep, stop) = tokio::sync::watch::channel(false);
            let poll = config.poll_interval;
            tokio::spawn(async move {
                let _keep = _keep;
                indexer.run(&status, poll, stop).await;
            });
        }
        let mut indexed = status.subscribe();
        let head = devnet.node.with_chain(Chain::block_number);
        tokio::time::timeout(
            Duration::from_secs(120),
            indexed.wait_for(|b| b.is_some_and(|b| b >= head)),
        )
        .await
        .map_err(|_| "the MCR indexer did not catch up".to_owned())?
        .map_err(|e| e.to_string())?;
        let fx = Arc::new(peaqos_mcr_model::EcbFx::embedded());
        let shared = Arc::new(Shared::new(
            config,
            store,
            Some(chain),
            status,
            fx,
            chain_id,
        ));
        let mcr = api::router(shared);

        // The Gas Station, funded by dev account 9.
        let gs_db = format!("sqlite://{}?mode=rwc", dir.path().join("gs.db").display());
        let gs_config = peaqos_gas_station::GasStationConfig::for_devnet(
            &devnet.url,
            "local",
            &devnet.accounts[9].private_key.to_string(),
            &gs_db,
        );
        let service = Arc::new(
            peaqos_gas_station::Service::new(gs_config)
                .await
                .map_err(|e| format!("Gas Station: {e}"))?,
        );
        let gas_station = peaqos_gas_station::http::router(service);
        Ok::<_, String>((devnet, machine_wallet, machine_id, mcr, gas_station))
    })?;
    let (devnet, machine_wallet, machine_id, mcr, gas_station) = built;
    let genesis = devnet.node.with_chain_mut(|c| c.state().clone());
    let qr_path = runtime.block_on(first_qr_path(&gas_station));
    Ok(Stack {
        runtime,
        devnet,
        genesis,
        machine_wallet,
        machine_id,
        mcr,
        gas_station,
        qr_path,
        _dir: dir,
    })
}

/// Enrolls an owner once and returns the path of its QR image.
async fn first_qr_path(router: &Router) -> Option<String> {
    use tower::ServiceExt as _;
    let body = serde_json::json!({"ownerAddress": "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"});
    let req = axum::http::Request::post("/2fa/setup")
        .header("content-type", "application/json")
        .header("host", "127.0.0.1:8081")
        .body(axum::body::Body::from(body.to_string()))
        .ok()?;
    let res = router.clone().oneshot(req).await.ok()?;
    let bytes = axum::body::to_bytes(res.into_body(), 1 << 20).await.ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    let url = v.pointer("/data/qrImageUrl")?.as_str()?;
    url.find("/2fa/qr/").map(|i| url[i..].to_owned())
}
