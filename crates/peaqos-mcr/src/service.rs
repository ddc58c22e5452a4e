//! Starting the whole service: store, indexer task and HTTP server.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use peaqos_mcr_model::{EcbFx, FxSource};
use peaqos_service::{RedactedUrl, ServiceHandle};

use crate::{
    Error, McrConfig, Result,
    api::{self, Shared},
    chain::Chain,
    fx::LiveFx,
    indexer::{Indexer, IndexerStatus},
    leader::{self, Fence, ReplicaOptions},
    store::{Backend, Store},
};

/// The MCR service.
#[derive(Debug)]
pub struct McrService;

/// A running service: its URL, a way to wait for the indexer, and shutdown.
#[derive(Debug)]
pub struct RunningMcr {
    addr: SocketAddr,
    /// The indexer and the HTTP server; dropping them stops both.
    tasks: ServiceHandle,
    shared: Arc<Shared>,
}

impl McrService {
    /// Connects the store (applying migrations), starts the indexer (unless in test mode) and
    /// serves the API on `config.bind`, scoring with the ECB rates stored in the database
    /// (seeded from the shipped history, kept current by the FX refresher: see [`crate::fx`]).
    pub async fn spawn(config: McrConfig) -> Result<RunningMcr> {
        Self::start(config, None, ReplicaOptions::default()).await
    }

    /// [`McrService::spawn`] with a fixed FX source instead of the stored rates (no refresher).
    pub async fn spawn_with_fx(config: McrConfig, fx: Arc<dyn FxSource>) -> Result<RunningMcr> {
        Self::start(config, Some(fx), ReplicaOptions::default()).await
    }

    /// One of several replicas (see [`crate::leader`]): with `options.role` `api` it never
    /// indexes and follows the database; otherwise, on PostgreSQL, it competes for the indexer's
    /// leadership (on SQLite it simply indexes). `fx: None` scores with the stored rates and runs
    /// the FX refresher, as [`McrService::spawn`] does.
    pub async fn spawn_replica(
        config: McrConfig,
        fx: Option<Arc<dyn FxSource>>,
        options: ReplicaOptions,
    ) -> Result<RunningMcr> {
        Self::start(config, fx, options).await
    }

    async fn start(
        config: McrConfig,
        fixed_fx: Option<Arc<dyn FxSource>>,
        options: ReplicaOptions,
    ) -> Result<RunningMcr> {
        let store = Store::connect_with(
            &config.database_url,
            config.db_max_connections,
            config.fx_max_staleness_days,
        )
        .await?;
        let chain = match config.contracts {
            Some(_) => Some(Chain::new(&config.rpc_url)?),
            None => None,
        };
        let chain_id = match &chain {
            Some(c) => c.chain_id().await.unwrap_or(0),
            None => 0,
        };
        let status = Arc::new(IndexerStatus::default());
        let mut tasks = ServiceHandle::new();
        let live_fx = match &fixed_fx {
            Some(_) => None,
            None => {
                let live = LiveFx::open(&store, &config).await?;
                if !config.fx_refresh_interval.is_zero() {
                    tracing::info!(
                        url = %RedactedUrl(&config.fx_url),
                        every = ?config.fx_refresh_interval,
                        "FX refresher on"
                    );
                }
                let stop = tasks.stop_signal().into_receiver();
                tasks.spawn(live.clone().run(store.clone(), config.clone(), stop));
                Some(live)
            }
        };
        let fx: Arc<dyn FxSource> = match (fixed_fx, &live_fx) {
            (Some(fx), _) => fx,
            (None, Some(live)) => live.clone(),
            (None, None) => Arc::new(EcbFx::embedded()),
        };
        if let (Some(chain), Some(contracts)) = (&chain, config.contracts) {
            let indexer = Indexer::new(
                chain.clone(),
                store.clone(),
                contracts,
                config.start_block,
                config.confirmations,
                config.max_block_range,
            );
            let status = status.clone();
            let poll = config.poll_interval;
            let stop = tasks.stop_signal().into_receiver();
            let elected = store.backend() == Backend::Postgres;
            status.leader().configure(&options, elected);
            match (options.role.indexes(), elected) {
                (true, false) => {
                    status.leader().set_leading(true);
                    tasks.spawn(async move {
                        indexer.run(&status, poll, stop).await;
                    });
                }
                (true, true) => {
                    store.fence().set(Fence::NONE);
                    let url = config.database_url.clone();
                    tasks.spawn(async move {
                        leader::run_elected(&indexer, &url, &status, poll, stop).await;
                    });
                }
                (false, _) => {
                    let (store, chain) = (store.clone(), chain.clone());
                    tasks.spawn(async move {
                        leader::follow(&store, Some(&chain), &status, poll, stop).await;
                    });
                }
            }
        }
        let listener = tokio::net::TcpListener::bind(config.bind)
            .await
            .map_err(|source| Error::Bind {
                addr: config.bind.to_string(),
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: config.bind.to_string(),
            source,
        })?;
        let mut shared = Shared::new(config, store, chain, status, fx, chain_id);
        if let Some(live) = live_fx {
            shared = shared.with_live_fx(live);
        }
        let shared = Arc::new(shared);
        // `serve` gives handlers `ConnectInfo<SocketAddr>` (the rate limit's client address).
        let app = api::router(shared.clone());
        let mut limits = peaqos_service::http::ServerLimits::default();
        limits.error_body = crate::api::bare_error_body;
        let stop = tasks.stop_signal();
        tasks.spawn(peaqos_service::http::serve(listener, app, limits, stop));
        tracing::info!(%addr, "MCR API listening");
        Ok(RunningMcr {
            addr,
            tasks,
            shared,
        })
    }
}

impl RunningMcr {
    /// `http://ADDR` of the API.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address the API listens on.
    pub const fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The indexer's progress.
    pub fn status(&self) -> &IndexerStatus {
        &self.shared.status
    }

    /// The stored FX rates in use (`None` with a fixed source).
    pub fn live_fx(&self) -> Option<&Arc<LiveFx>> {
        self.shared.live_fx.as_ref()
    }

    /// The store.
    pub fn store(&self) -> &Store {
        &self.shared.store
    }

    /// Waits until the indexer has indexed `block` (and so everything up to it).
    pub async fn wait_indexed(&self, block: u64, timeout: Duration) -> Result<()> {
        let mut rx = self.shared.status.subscribe();
        let wait = rx.wait_for(|b| b.is_some_and(|b| b >= block));
        match tokio::time::timeout(timeout, wait).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(_)) => Err(Error::Stopped("the indexer stopped".into())),
            Err(_) => Err(Error::Timeout(format!(
                "block {block} not indexed within {timeout:?} (at {:?}, last error {:?})",
                self.shared.status.indexed_block(),
                self.shared.status.last_error()
            ))),
        }
    }

    /// Stops the indexer and the server (in-flight requests finish) and closes the store.
    pub async fn shutdown(self) {
        self.tasks.shutdown().await;
        self.shared.store.close().await;
    }
}
