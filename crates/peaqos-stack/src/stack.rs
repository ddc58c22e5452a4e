//! The local peaqOS stack in one process: the devnet with the stack deployed, the MCR service
//! (indexer + API) and the Gas Station (funding from a dev account, with a test owner enrolled
//! in 2FA), all on loopback. `peaqos dev` runs it until Ctrl-C; `peaqos demo`, the tests and
//! the benchmarks start one on free ports.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use alloy::primitives::Address;
use peaqos_devnet::{Devnet, DevnetConfig};
use peaqos_gas_station::{GasStation, GasStationConfig, RunningGasStation};
use peaqos_mcr::{McrConfig, McrService, RunningMcr};
use peaqos_types::ContractAddresses;

/// The dev account whose key goes into the `.env` (and who is the Gas Station's test owner).
pub const ENV_ACCOUNT: usize = 1;
/// The dev account that funds the Gas Station's transfers.
pub const FAUCET_ACCOUNT: usize = 9;
/// The test owner's TOTP secret (base32), fixed so scripts can compute codes; a dev secret for
/// a dev chain only.
pub const DEV_TOTP_SECRET: &str = "PEAQOSDEVSTACKTOTPSECRETAAAAAAAA";
/// The Gas Station's chain name for the devnet (it also answers to `peaq` and `agung`).
pub const FAUCET_CHAIN: &str = "local";

/// How to start a [`LocalStack`].
#[derive(Debug, Clone)]
pub struct StackConfig {
    /// JSON-RPC port on 127.0.0.1 (0 = a free one).
    pub rpc_port: u16,
    /// MCR API port on 127.0.0.1 (0 = a free one).
    pub mcr_port: u16,
    /// Gas Station port on 127.0.0.1 (0 = a free one).
    pub gas_station_port: u16,
    /// Keep the chain and the databases here across restarts (`None`: a temporary directory,
    /// removed on shutdown).
    pub data_dir: Option<PathBuf>,
}

impl StackConfig {
    /// Free loopback ports and a temporary directory: what tests and `peaqos demo` use.
    pub const fn ephemeral() -> Self {
        Self {
            rpc_port: 0,
            mcr_port: 0,
            gas_station_port: 0,
            data_dir: None,
        }
    }
}

/// Errors starting the stack or the local bridge.
#[derive(Debug, thiserror::Error)]
pub enum StackError {
    /// The devnet did not start.
    #[error("devnet: {0}")]
    Devnet(#[from] peaqos_devnet::DevnetError),
    /// The MCR service did not start.
    #[error("MCR service: {0}")]
    Mcr(#[from] peaqos_mcr::Error),
    /// The Gas Station did not start.
    #[error("Gas Station: {0}")]
    GasStation(#[from] peaqos_gas_station::Error),
    /// The data directory is unusable.
    #[error("data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The chain in the data directory has no peaqOS stack (it was saved by a devnet started
    /// with `--no-deploy`).
    #[error("the chain in {0} has no peaqOS stack deployed")]
    NoDeployment(PathBuf),
    /// Setting up or running the local bridge failed.
    #[error("local bridge: {0}")]
    Bridge(String),
}

impl StackError {
    /// A stable code for the failure.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Devnet(_) => "DEVNET_FAILED",
            Self::Mcr(_) => "MCR_FAILED",
            Self::GasStation(_) => "GAS_STATION_FAILED",
            Self::DataDir { .. } | Self::NoDeployment(_) => "DATA_DIR_FAILED",
            Self::Bridge(_) => "BRIDGE_FAILED",
        }
    }
}

/// A running local stack.
#[derive(Debug)]
pub struct LocalStack {
    /// The devnet (its accounts, deployment and node).
    pub devnet: Devnet,
    /// The MCR service.
    pub mcr: RunningMcr,
    /// The Gas Station.
    pub gas_station: RunningGasStation,
    /// The `otpauth://` URI of the test owner (dev account [`ENV_ACCOUNT`]).
    pub totp_uri: String,
    /// Where the chain and databases live.
    pub data_dir: PathBuf,
    contracts: ContractAddresses,
    /// Removed on drop when the stack chose the directory.
    _temp: Option<tempfile::TempDir>,
}

impl LocalStack {
    /// Starts the devnet (deploying the stack, or loading it from the data directory), then the
    /// MCR service and the Gas Station; `progress` gets a line per step.
    pub async fn start(config: StackConfig, progress: impl Fn(&str)) -> Result<Self, StackError> {
        let (data_dir, temp) = match &config.data_dir {
            Some(d) => {
                std::fs::create_dir_all(d).map_err(|source| StackError::DataDir {
                    path: d.clone(),
                    source,
                })?;
                (d.clone(), None)
            }
            None => {
                let temp = tempfile::Builder::new()
                    .prefix("peaqos-stack-")
                    .tempdir()
                    .map_err(|source| StackError::DataDir {
                        path: std::env::temp_dir(),
                        source,
                    })?;
                (temp.path().to_path_buf(), Some(temp))
            }
        };
        progress("starting the devnet and deploying the peaqOS stack");
        let chain_file = data_dir.join("chain.json");
        let devnet = Devnet::spawn(DevnetConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], config.rpc_port)),
            state_file: Some(chain_file.clone()),
            nft_base_uri: format!("http://127.0.0.1:{}/metadata/", port_or(config.mcr_port)),
            machine_card_base_uri: format!(
                "http://127.0.0.1:{}/machines/",
                port_or(config.mcr_port)
            ),
            ..DevnetConfig::default()
        })
        .await?;
        let contracts = devnet
            .deployment
            .as_ref()
            .map(peaqos_contracts::Deployment::contract_addresses)
            .ok_or(StackError::NoDeployment(chain_file))?;
        progress("starting the MCR service (indexer + API)");
        let mut mcr_config = McrConfig::for_devnet(
            &devnet.url,
            contracts,
            &format!("sqlite://{}", data_dir.join("mcr.sqlite").display()),
        );
        mcr_config.bind = SocketAddr::from(([127, 0, 0, 1], config.mcr_port));
        // The demo asks right after submitting: no stale cache.
        mcr_config.cache_ttl = Duration::ZERO;
        let mcr = McrService::spawn(mcr_config).await?;
        progress("starting the Gas Station");
        let funder = devnet.accounts[FAUCET_ACCOUNT].private_key.to_string();
        let mut gas_config = GasStationConfig::for_devnet(
            &devnet.url,
            FAUCET_CHAIN,
            &funder,
            &sqlite_url(&data_dir.join("gas-station.sqlite")),
        );
        gas_config.bind = SocketAddr::from(([127, 0, 0, 1], config.gas_station_port));
        let gas_station = GasStation::spawn(gas_config).await?;
        let owner = devnet.accounts[ENV_ACCOUNT].address;
        let totp_uri = crate::enroll_dev_owner(&gas_station, owner, DEV_TOTP_SECRET).await?;
        Ok(Self {
            devnet,
            mcr,
            gas_station,
            totp_uri,
            data_dir,
            contracts,
            _temp: temp,
        })
    }

    /// The contract addresses.
    pub const fn contracts(&self) -> ContractAddresses {
        self.contracts
    }

    /// The Gas Station's test owner (dev account [`ENV_ACCOUNT`]).
    pub fn test_owner(&self) -> Address {
        self.devnet.accounts[ENV_ACCOUNT].address
    }

    /// Waits until the MCR indexer has seen the chain's current head.
    pub async fn wait_indexed(&self, timeout: Duration) -> Result<(), StackError> {
        let head = self.devnet.node.with_chain_mut(|c| c.block_number());
        Ok(self.mcr.wait_indexed(head, timeout).await?)
    }

    /// Stops the Gas Station, the MCR service and the devnet (saving the chain to the data
    /// directory).
    pub async fn shutdown(self) -> Result<(), StackError> {
        self.gas_station.shutdown().await;
        self.mcr.shutdown().await;
        self.devnet.shutdown().await?;
        Ok(())
    }
}

const fn port_or(port: u16) -> u16 {
    if port == 0 { 8000 } else { port }
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}
