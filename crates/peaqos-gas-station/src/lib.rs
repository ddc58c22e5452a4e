#![doc = include_str!("../README.md")]

pub mod address;
pub mod chain;
pub mod config;
mod error;
pub mod http;
pub mod limit;
pub mod qr;
pub mod seal;
pub mod service;
pub mod store;
pub mod totp;

use std::{net::SocketAddr, sync::Arc};

use peaqos_service::ServiceHandle;
use tokio::net::TcpListener;

pub use config::{ChainConfig, FundingKey, GasStationConfig};
pub use error::{ApiError, Error, FaucetCode};
pub use seal::ServerKey;
pub use service::Service;

/// Starts Gas Stations.
#[derive(Debug, Clone, Copy)]
pub struct GasStation;

impl GasStation {
    /// Connects and migrates the database, reconciles transfers left in flight by an earlier
    /// run, binds `config.bind` and serves until [`RunningGasStation::shutdown`]. A background
    /// task reconciles stalled transfers every `reconcile_interval`.
    pub async fn spawn(config: GasStationConfig) -> Result<RunningGasStation, Error> {
        let service = Arc::new(Service::new(config).await?);
        service.reconcile(true).await?;
        let listener = TcpListener::bind(service.config.bind).await?;
        let addr = listener.local_addr()?;
        service.set_listen_addr(addr);
        let mut tasks = ServiceHandle::new();
        let app = http::router(service.clone());
        let mut limits = peaqos_service::http::ServerLimits::default();
        limits.error_body = http::bare_error_body;
        let stop = tasks.stop_signal();
        tasks.spawn(peaqos_service::http::serve(listener, app, limits, stop));
        {
            let service = service.clone();
            tasks.spawn_until_stopped(async move {
                let mut tick = tokio::time::interval(service.config.reconcile_interval);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    if let Err(e) = service.reconcile(false).await {
                        tracing::warn!(error = %e, "reconcile failed");
                    }
                }
            });
        }
        tracing::info!(%addr, "Gas Station listening");
        Ok(RunningGasStation {
            addr,
            service,
            tasks,
        })
    }
}

/// A Gas Station serving in the background. Dropping it stops the server and the reconciler.
#[derive(Debug)]
pub struct RunningGasStation {
    addr: SocketAddr,
    service: Arc<Service>,
    /// The HTTP server and the reconciler.
    tasks: ServiceHandle,
}

impl RunningGasStation {
    /// `http://HOST:PORT`, what clients use as the faucet base URL.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The service (database, configuration).
    pub fn service(&self) -> &Arc<Service> {
        &self.service
    }

    /// Stops accepting, lets requests in progress finish, stops the reconciler.
    pub async fn shutdown(self) {
        self.tasks.shutdown().await;
    }
}
