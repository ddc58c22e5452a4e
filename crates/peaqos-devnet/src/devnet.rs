//! Starting a devnet: genesis, the RPC server, the peaqOS stack, the `.env`.

use std::{net::SocketAddr, path::PathBuf, sync::Arc, time::Duration};

use alloy::{
    network::EthereumWallet,
    primitives::{Address, U256},
    providers::ProviderBuilder,
};
use peaqos_contracts::{DeployConfig, Deployment, deploy_with_progress};
use peaqos_service::ServiceHandle;
use tokio::net::TcpListener;

use crate::{
    accounts::{DEV_MNEMONIC, DevAccount, derive_accounts},
    chain::{Chain, ChainConfig, ChainState, HistoryWindow},
    node::Node,
    rpc::{self, access::AllowedOrigins},
};

/// Default of [`DevnetConfig::save_interval`]: a killed devnet loses at most the last 5 s.
pub const DEFAULT_SAVE_INTERVAL: Duration = Duration::from_secs(5);
/// Shortest save interval taken (a shorter one is raised to it).
pub const MIN_SAVE_INTERVAL: Duration = Duration::from_millis(100);

/// How long [`Devnet::shutdown`] waits for the requests in progress before it stops waiting
/// and saves (a chain call in progress ends first: its work is bounded, and `anvil_mine` stops
/// early).
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// How to start a devnet.
#[derive(Debug, Clone)]
pub struct DevnetConfig {
    /// Address to listen on (port 0 picks a free one).
    pub listen: SocketAddr,
    /// A second address serving the same JSON-RPC (meant for WebSocket clients that expect
    /// their own port, `--ws-port`); `None`: WebSocket on `listen` only.
    pub ws_listen: Option<SocketAddr>,
    /// EIP-155 chain id (default 33380, distinct from peaq 3338 and agung 9990).
    pub chain_id: u64,
    /// Mnemonic of the dev accounts.
    pub mnemonic: String,
    /// How many dev accounts to fund.
    pub accounts: u32,
    /// Balance of each dev account, in wei.
    pub balance: U256,
    /// Mine a block every interval instead of one per transaction.
    pub block_interval: Option<Duration>,
    /// Load the state from this file if it exists, save it there on shutdown and, when the
    /// chain changed, every `save_interval`.
    pub state_file: Option<PathBuf>,
    /// How often the state is saved while running, when it changed (default
    /// [`DEFAULT_SAVE_INTERVAL`]): what a crash or SIGKILL can lose at most.
    pub save_interval: Duration,
    /// Browser origins allowed besides loopback ones (see [`crate::rpc::access`]).
    pub allowed_origins: AllowedOrigins,
    /// Deploy the peaqOS stack at genesis.
    pub deploy_stack: bool,
    /// How far back state reads (`eth_call`, `eth_getBalance`, … at an older block) may go:
    /// default the latest [`crate::chain::DEFAULT_HISTORY_BLOCKS`] blocks; `Archive` keeps all.
    pub history: HistoryWindow,
    /// `MachineNFT` base URI (the MCR API's `/metadata/`).
    pub nft_base_uri: String,
    /// IdentityRegistry base URI (the MCR API's `/machines/`).
    pub machine_card_base_uri: String,
}

impl Default for DevnetConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8545)),
            ws_listen: None,
            chain_id: peaqos_types::constants::LOCAL_CHAIN_ID,
            mnemonic: DEV_MNEMONIC.to_owned(),
            accounts: 10,
            balance: U256::from(10_000u64) * U256::from(10u64).pow(U256::from(18u64)),
            block_interval: None,
            state_file: None,
            save_interval: DEFAULT_SAVE_INTERVAL,
            allowed_origins: AllowedOrigins::loopback(),
            deploy_stack: true,
            history: HistoryWindow::default(),
            nft_base_uri: peaqos_contracts::deploy::DEFAULT_NFT_BASE_URI.to_owned(),
            machine_card_base_uri: peaqos_contracts::deploy::DEFAULT_MACHINE_CARD_BASE_URI
                .to_owned(),
        }
    }
}

impl DevnetConfig {
    /// Defaults on a free loopback port: what tests use.
    pub fn ephemeral() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            ..Self::default()
        }
    }
}

/// Errors starting a devnet.
#[derive(Debug, thiserror::Error)]
pub enum DevnetError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The mnemonic is invalid.
    #[error("{0}")]
    Accounts(String),
    /// The state file could not be read or written.
    #[error("state file {path}: {message}")]
    State {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// Deploying the peaqOS stack failed.
    #[error("deploying the peaqOS stack: {0}")]
    Deploy(#[from] peaqos_contracts::DeployError),
}

/// A running devnet. Dropping it stops the server and the block timer (without saving:
/// [`Devnet::shutdown`] saves the state when configured).
#[derive(Debug)]
pub struct Devnet {
    /// The JSON-RPC URL (`http://127.0.0.1:PORT`).
    pub url: String,
    /// The chain id.
    pub chain_id: u64,
    /// The dev accounts; account 0 deployed and owns the stack.
    pub accounts: Vec<DevAccount>,
    /// The deployed stack (None when `deploy_stack` was off and no saved deployment exists).
    pub deployment: Option<Deployment>,
    /// The node (for in-process access).
    pub node: Arc<Node>,
    /// The WebSocket JSON-RPC URL (see [`Devnet::ws_url`]).
    ws_url: String,
    /// Saves the state (when `--state` is given).
    saver: Option<Saver>,
    /// The RPC server and the block timer.
    tasks: ServiceHandle,
}

/// Saved next to the chain state, so a restarted devnet knows its stack.
#[derive(serde::Deserialize)]
struct SavedDevnet {
    chain: ChainState,
    deployment: Option<Deployment>,
}

/// [`SavedDevnet`] as written (borrowing: no copy of the state for saving).
#[derive(serde::Serialize)]
struct SavedDevnetRef<'a> {
    chain: &'a ChainState,
    deployment: &'a Option<Deployment>,
}

impl Devnet {
    /// Starts a devnet: genesis (or the saved state), the RPC server, and the stack.
    pub async fn spawn(config: DevnetConfig) -> Result<Self, DevnetError> {
        Self::spawn_with_progress(config, |_| {}).await
    }

    /// [`Devnet::spawn`], calling `progress` with a line per deployment step.
    pub async fn spawn_with_progress(
        config: DevnetConfig,
        progress: impl Fn(&str),
    ) -> Result<Self, DevnetError> {
        let accounts =
            derive_accounts(&config.mnemonic, config.accounts).map_err(DevnetError::Accounts)?;
        let saved = match &config.state_file {
            Some(path) if path.exists() => Some(load_state(path)?),
            _ => None,
        };
        let (chain, deployment) = match saved {
            Some(saved) => (Chain::from_state(saved.chain), saved.deployment),
            None => {
                let alloc: Vec<(Address, U256)> = accounts
                    .iter()
                    .map(|a| (a.address, config.balance))
                    .collect();
                let chain_config = ChainConfig {
                    chain_id: config.chain_id,
                    ..ChainConfig::default()
                };
                (Chain::new(chain_config, &alloc), None)
            }
        };
        let chain = chain.with_history(config.history);
        let chain_id = chain.config().chain_id;
        let node = Arc::new(
            Node::new(chain, config.block_interval.is_none(), accounts.clone())
                .with_allowed_origins(config.allowed_origins.clone()),
        );
        let saver = config.state_file.clone().map(|path| Saver {
            node: node.clone(),
            path,
            deployment: Arc::new(std::sync::Mutex::new(deployment.clone())),
            written: Arc::default(),
        });

        let listener =
            TcpListener::bind(config.listen)
                .await
                .map_err(|source| DevnetError::Bind {
                    addr: config.listen,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| DevnetError::Bind {
            addr: config.listen,
            source,
        })?;
        let url = format!("http://{addr}");
        let ws_listener = match config.ws_listen {
            Some(ws_addr) => {
                let bind_error = |source| DevnetError::Bind {
                    addr: ws_addr,
                    source,
                };
                let l = TcpListener::bind(ws_addr).await.map_err(bind_error)?;
                let local = l.local_addr().map_err(bind_error)?;
                Some((l, local))
            }
            None => None,
        };
        let ws_url = format!("ws://{}", ws_listener.as_ref().map_or(addr, |(_, a)| *a));
        let mut tasks = ServiceHandle::new();
        let app = rpc::router(node.clone());
        let mut limits = peaqos_service::http::ServerLimits::default();
        limits.error_body = crate::rpc::bare_error_body;
        let stop = tasks.stop_signal();
        if let Some((ws_listener, _)) = ws_listener {
            let stop = tasks.stop_signal();
            tasks.spawn(peaqos_service::http::serve(
                ws_listener,
                app.clone(),
                limits,
                stop,
            ));
        }
        tasks.spawn(peaqos_service::http::serve(listener, app, limits, stop));
        if let Some(every) = config.block_interval {
            let node = node.clone();
            tasks.spawn_until_stopped(async move {
                let mut tick = tokio::time::interval(every);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    let _ = node.run(|n| n.with_chain_mut(|c| c.mine(None))).await;
                }
            });
        }
        if let Some(saver) = &saver {
            let every = config.save_interval.max(MIN_SAVE_INTERVAL);
            tasks.spawn_until_stopped(saver.clone().every(every));
        }

        let mut devnet = Self {
            url,
            ws_url,
            chain_id,
            accounts,
            deployment,
            node,
            saver,
            tasks,
        };
        if devnet.deployment.is_none() && config.deploy_stack {
            devnet.deployment = Some(devnet.deploy(&config, progress).await?);
        }
        if let Some(saver) = &devnet.saver {
            saver.set_deployment(devnet.deployment.clone());
        }
        Ok(devnet)
    }

    async fn deploy(
        &self,
        config: &DevnetConfig,
        progress: impl Fn(&str),
    ) -> Result<Deployment, DevnetError> {
        let owner = &self.accounts[0];
        let url = self
            .url
            .parse()
            .map_err(|e| DevnetError::Accounts(format!("bad url: {e}")))?;
        let provider = ProviderBuilder::new()
            .wallet(EthereumWallet::from(owner.signer()))
            .connect_http(url);
        let mut deploy = DeployConfig::new(owner.address);
        deploy.nft_base_uri.clone_from(&config.nft_base_uri);
        deploy.machine_card_base_uri = Some(config.machine_card_base_uri.clone());
        Ok(deploy_with_progress(&provider, &deploy, progress).await?)
    }

    /// Stops the server and the block timer, then saves the state when configured. Chain
    /// jobs not started yet are dropped and a long `anvil_mine` stops early; requests in
    /// progress get at most [`SHUTDOWN_GRACE`] to finish.
    pub async fn shutdown(mut self) -> Result<(), DevnetError> {
        self.node.stop();
        let tasks = std::mem::take(&mut self.tasks);
        if tokio::time::timeout(SHUTDOWN_GRACE, tasks.shutdown())
            .await
            .is_err()
        {
            tracing::warn!(grace = ?SHUTDOWN_GRACE, "requests still in progress at shutdown");
        }
        let Some(saver) = self.saver.take() else {
            return Ok(());
        };
        // Off the async workers: a big state takes a while to write.
        tokio::task::spawn_blocking(move || saver.save_sealed())
            .await
            .map_err(|e| DevnetError::State {
                path: PathBuf::new(),
                message: e.to_string(),
            })?
    }

    /// Writes the state file now (also done by [`Devnet::shutdown`] and every
    /// `save_interval`). Blocks until any chain call in progress ends.
    pub fn save(&self) -> Result<(), DevnetError> {
        self.saver.as_ref().map_or(Ok(()), Saver::save_sealed)
    }

    /// A handle that writes the state file on demand from another task (None without
    /// `state_file`). The local bridge's relayer saves the source chain before it delivers a
    /// packet and the destination after, so a SIGKILL of the process can never keep a
    /// delivery whose send it lost.
    pub fn state_saver(&self) -> Option<StateSaver> {
        self.saver.clone().map(StateSaver)
    }

    /// The WebSocket JSON-RPC URL: `ws://127.0.0.1:PORT`, the port of [`Devnet::url`] (which
    /// serves both), or of [`DevnetConfig::ws_listen`] when given.
    pub fn ws_url(&self) -> String {
        self.ws_url.clone()
    }

    /// The `.env` that the official clients and ours read (see [`crate::env_file`]).
    pub fn env_file(&self, account: usize) -> String {
        crate::env_file::render(self, account)
    }
}

/// Writes a devnet's state file now, from any thread ([`Devnet::state_saver`]). Cheap to clone.
#[derive(Debug, Clone)]
pub struct StateSaver(Saver);

impl StateSaver {
    /// As [`Devnet::save`]: blocks until any chain call in progress ends, then writes
    /// (atomically, 0600); never replaces a newer save with an older one.
    pub fn save(&self) -> Result<(), DevnetError> {
        self.0.save_sealed()
    }
}

/// Writes `--state`: on shutdown, on [`Devnet::save`], and every `save_interval` when the chain
/// changed (what a SIGKILL can lose is bounded by the interval).
#[derive(Debug, Clone)]
struct Saver {
    node: Arc<Node>,
    path: PathBuf,
    /// Known once the stack is deployed (after the saver starts).
    deployment: Arc<std::sync::Mutex<Option<Deployment>>>,
    /// The chain revision last written; held while writing, so writes never interleave and an
    /// older copy (a periodic save finishing late) never replaces a newer one.
    written: Arc<std::sync::Mutex<Option<u64>>>,
}

impl Saver {
    fn set_deployment(&self, deployment: Option<Deployment>) {
        *self
            .deployment
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = deployment;
    }

    /// The final save: the open block is sealed into the chain first.
    fn save_sealed(&self) -> Result<(), DevnetError> {
        let (revision, chain) = self.node.with_chain_mut(|c| {
            let state = c.state().clone();
            (c.revision(), state)
        });
        self.write(revision, &chain)
    }

    fn write(&self, revision: u64, chain: &ChainState) -> Result<(), DevnetError> {
        let mut written = self
            .written
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if written.is_some_and(|w| w > revision) {
            return Ok(());
        }
        let deployment = self
            .deployment
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let saved = SavedDevnetRef {
            chain,
            deployment: &deployment,
        };
        let err = |message: String| DevnetError::State {
            path: self.path.clone(),
            message,
        };
        let json = serde_json::to_vec(&saved).map_err(|e| err(e.to_string()))?;
        // Atomic: a crash mid-save leaves the previous state, never half a file.
        peaqos_service::write_private(&self.path, &json).map_err(|e| err(e.to_string()))?;
        *written = Some(revision);
        Ok(())
    }

    /// Saves every `every` when the chain changed: the state is copied on the chain thread
    /// (the open block sealed in the copy only), serialized and written on a blocking thread.
    async fn every(self, every: Duration) {
        let mut saved_revision = None;
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tick.tick().await;
        loop {
            tick.tick().await;
            let last = saved_revision;
            let copy = self
                .node
                .run(move |n| {
                    n.with_chain(|c| {
                        (Some(c.revision()) != last).then(|| (c.revision(), c.saved_state()))
                    })
                })
                .await;
            let Ok(Some((revision, state))) = copy else {
                continue;
            };
            let saver = self.clone();
            match tokio::task::spawn_blocking(move || saver.write(revision, &state)).await {
                Ok(Ok(())) => saved_revision = Some(revision),
                Ok(Err(e)) => tracing::warn!(error = %e, "periodic state save failed"),
                Err(e) => tracing::warn!(error = %e, "periodic state save panicked"),
            }
        }
    }
}

fn load_state(path: &PathBuf) -> Result<SavedDevnet, DevnetError> {
    let err = |message: String| DevnetError::State {
        path: path.clone(),
        message,
    };
    let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
    serde_json::from_slice(&bytes).map_err(|e| err(format!("not a devnet state file: {e}")))
}
