#![doc = include_str!("../README.md")]

pub mod address;
pub mod chain;
pub mod config;
mod error;
pub mod http;
pub mod qr;
pub mod seal;
pub mod service;
pub mod store;
pub mod totp;

use std::{net::SocketAddr, sync::Arc};

use alloy::primitives::Address;
use tokio::{net::TcpListener, sync::oneshot, task::JoinHandle};

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
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let app = http::router(service.clone());
        let server = tokio::spawn(async move {
            let stopped = async {
                let _ = stop_rx.await;
            };
            if let Err(e) = axum::serve(listener, app)
                .with_graceful_shutdown(stopped)
                .await
            {
                tracing::error!(error = %e, "server stopped");
            }
        });
        let reconciler = {
            let service = service.clone();
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(service.config.reconcile_interval);
                tick.tick().await;
                loop {
                    tick.tick().await;
                    if let Err(e) = service.reconcile(false).await {
                        tracing::warn!(error = %e, "reconcile failed");
                    }
                }
            })
        };
        tracing::info!(%addr, "Gas Station listening");
        Ok(RunningGasStation {
            addr,
            service,
            stop: Some(stop_tx),
            server,
            reconciler,
        })
    }
}

/// A Gas Station serving in the background.
#[derive(Debug)]
pub struct RunningGasStation {
    addr: SocketAddr,
    service: Arc<Service>,
    stop: Option<oneshot::Sender<()>>,
    server: JoinHandle<()>,
    reconciler: JoinHandle<()>,
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
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.reconciler.abort();
        let _ = (&mut self.server).await;
    }
}

/// For local stacks: enrolls and activates `owner` with a known TOTP secret (base32), replacing
/// any enrollment, and returns the `otpauth://` URI (for an authenticator app or a script that
/// computes the codes).
pub async fn enroll_dev_owner(
    station: &RunningGasStation,
    owner: Address,
    secret_base32: &str,
) -> Result<String, Error> {
    station.service.enroll_dev_owner(owner, secret_base32).await
}
