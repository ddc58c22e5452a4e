//! The local peaqOS stack in one process: the devnet with the stack deployed, the MCR service
//! (indexer + API), the Gas Station (funding from a dev account, with a test owner enrolled
//! in 2FA) and, unless turned off, a local Base devnet with the Machine NFT bridge and its
//! relayer, all on loopback. `peaqos dev` runs it until Ctrl-C; `peaqos demo`, the tests and
//! the benchmarks start one on free ports.

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use alloy::primitives::Address;
use peaqos_contracts::layerzero::{BASE_EID, LocalBridgeDeployment, LocalEndpoint, PEAQ_EID};
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
/// Mode of the data directory (given or temporary): only its owner may enter it. An existing
/// directory is narrowed to it on start.
pub const DATA_DIR_MODE: u32 = 0o700;
/// Mode of the files in the data directory (the chain state and both SQLite databases, whose
/// `-wal`/`-shm` files SQLite creates with the database's mode): only its owner may read them.
pub const DATA_FILE_MODE: u32 = 0o600;
/// The chain state file in the data directory.
const CHAIN_FILE: &str = "chain.json";
/// The MCR service's database in the data directory.
const MCR_DB: &str = "mcr.sqlite";
/// The Gas Station's database in the data directory.
const GAS_STATION_DB: &str = "gas-station.sqlite";
/// The Base devnet's chain state in the data directory.
const BASE_CHAIN_FILE: &str = "base-chain.json";
/// The bridge's contract addresses (both chains) in the data directory.
const BRIDGE_FILE: &str = "bridge.json";
/// The relayer's scan cursors and delivered count in the data directory.
const RELAYER_FILE: &str = "relayer.json";
/// Chain id of the local Base devnet. No official client names one for a local Base (they
/// only know Base mainnet, 8453): 84530 is ours, distinct from the peaq devnet's and from
/// every public chain the SDKs list.
pub const LOCAL_BASE_CHAIN_ID: u64 = 84_530;

/// How to start a [`LocalStack`].
#[derive(Debug, Clone)]
pub struct StackConfig {
    /// JSON-RPC port on 127.0.0.1 (0 = a free one).
    pub rpc_port: u16,
    /// MCR API port on 127.0.0.1 (0 = a free one).
    pub mcr_port: u16,
    /// Gas Station port on 127.0.0.1 (0 = a free one).
    pub gas_station_port: u16,
    /// Run a local Base devnet with the Machine NFT bridge and its relayer: its JSON-RPC port
    /// on 127.0.0.1 (0 = a free one). `None`: peaq only.
    pub base_rpc_port: Option<u16>,
    /// Keep the chain and the databases here across restarts (`None`: a temporary directory,
    /// removed on shutdown). Created (or narrowed to) [`DATA_DIR_MODE`]; its files are
    /// [`DATA_FILE_MODE`].
    pub data_dir: Option<PathBuf>,
}

impl StackConfig {
    /// Free loopback ports and a temporary directory: what tests and `peaqos demo` use.
    pub const fn ephemeral() -> Self {
        Self {
            rpc_port: 0,
            mcr_port: 0,
            gas_station_port: 0,
            base_rpc_port: None,
            data_dir: None,
        }
    }
}

/// The local Base chain of a [`LocalStack`]: its devnet (chain id [`LOCAL_BASE_CHAIN_ID`]) and
/// the Machine NFT bridge to peaq with its relayer running.
#[derive(Debug)]
pub struct LocalBase {
    /// The Base devnet.
    pub devnet: Devnet,
    /// The bridge (its deployment on both chains) and the relayer.
    pub bridge: crate::LocalBridge,
}

/// What [`BRIDGE_FILE`] keeps: the bridge deployed on the first start.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
struct SavedBridge {
    peaq_endpoint: Address,
    peaq_message_lib: Address,
    base_endpoint: Address,
    base_message_lib: Address,
    adapter: Address,
    base_nft: Address,
}

impl SavedBridge {
    fn from_deployment(d: &LocalBridgeDeployment) -> Self {
        Self {
            peaq_endpoint: d.peaq.endpoint,
            peaq_message_lib: d.peaq.message_lib,
            base_endpoint: d.base.endpoint,
            base_message_lib: d.base.message_lib,
            adapter: d.adapter,
            base_nft: d.base_nft,
        }
    }

    const fn deployment(&self) -> LocalBridgeDeployment {
        LocalBridgeDeployment {
            peaq: LocalEndpoint {
                eid: PEAQ_EID,
                endpoint: self.peaq_endpoint,
                message_lib: self.peaq_message_lib,
            },
            base: LocalEndpoint {
                eid: BASE_EID,
                endpoint: self.base_endpoint,
                message_lib: self.base_message_lib,
            },
            adapter: self.adapter,
            base_nft: self.base_nft,
        }
    }
}

impl LocalBase {
    /// Starts the Base devnet (from `data_dir` when saved there), deploys the bridge on the
    /// first start (saving both chains and the addresses at once, so a crash cannot leave
    /// addresses without contracts) and starts the relayer with its state file.
    async fn start(peaq: &Devnet, port: u16, data_dir: &Path) -> Result<Self, StackError> {
        let bridge_file = data_dir.join(BRIDGE_FILE);
        let chain_file = data_dir.join(BASE_CHAIN_FILE);
        let devnet = Devnet::spawn(DevnetConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], port)),
            chain_id: LOCAL_BASE_CHAIN_ID,
            state_file: Some(chain_file.clone()),
            deploy_stack: false,
            ..DevnetConfig::default()
        })
        .await?;
        let saved = match std::fs::read(&bridge_file) {
            Ok(bytes) if chain_file.exists() => Some(
                serde_json::from_slice::<SavedBridge>(&bytes)
                    .map_err(|e| StackError::Bridge(format!("{}: {e}", bridge_file.display())))?,
            ),
            _ => None,
        };
        let deployment = match saved {
            Some(saved) => saved.deployment(),
            None => {
                let deployment = crate::LocalBridge::deploy(peaq, &devnet).await?;
                peaq.save()?;
                devnet.save()?;
                // A new bridge: an old relayer state refers to other contracts.
                let _ = std::fs::remove_file(data_dir.join(RELAYER_FILE));
                let bytes = serde_json::to_vec_pretty(&SavedBridge::from_deployment(&deployment))
                    .map_err(|e| StackError::Bridge(e.to_string()))?;
                peaqos_service::write_private(&bridge_file, &bytes).map_err(|source| {
                    StackError::DataDir {
                        path: bridge_file.clone(),
                        source,
                    }
                })?;
                deployment
            }
        };
        let bridge = crate::LocalBridge::relay_with_state(
            &peaq.url,
            &devnet.url,
            deployment,
            crate::bridge::relayer_signer(peaq)?,
            Some(data_dir.join(RELAYER_FILE)),
            peaq.state_saver()
                .zip(devnet.state_saver())
                .map(|(peaq, base)| crate::bridge::ChainSaves { peaq, base }),
        )
        .await?;
        Ok(Self { devnet, bridge })
    }

    /// Stops the relayer after its current poll (saving its state), then the Base devnet
    /// (saving the chain).
    async fn shutdown(self) -> Result<(), StackError> {
        self.bridge.shutdown().await;
        self.devnet.shutdown().await?;
        Ok(())
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
    /// The devnet stopped while a call waited for its chain.
    #[error("devnet: {0}")]
    Stopping(#[from] peaqos_devnet::NodeStopping),
    /// Preparing the deployed stack for local use (e.g. the AdminFlags handover) failed.
    #[error("stack setup: {0}")]
    Setup(String),
}

impl StackError {
    /// A stable code for the failure.
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Devnet(_) | Self::Stopping(_) => "DEVNET_FAILED",
            Self::Mcr(_) => "MCR_FAILED",
            Self::GasStation(_) => "GAS_STATION_FAILED",
            Self::DataDir { .. } | Self::NoDeployment(_) => "DATA_DIR_FAILED",
            Self::Bridge(_) => "BRIDGE_FAILED",
            Self::Setup(_) => "SETUP_FAILED",
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
    /// The local Base chain and the bridge (`None` when started without).
    pub base: Option<LocalBase>,
    contracts: ContractAddresses,
    /// Removed on drop when the stack chose the directory.
    _temp: Option<tempfile::TempDir>,
}

impl LocalStack {
    /// Starts the devnet (deploying the stack, or loading it from the data directory), then the
    /// MCR service and the Gas Station; `progress` gets a line per step.
    pub async fn start(config: StackConfig, progress: impl Fn(&str)) -> Result<Self, StackError> {
        let (data_dir, temp) = match &config.data_dir {
            Some(d) => (d.clone(), None),
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
        private_data_dir(&data_dir).map_err(|source| StackError::DataDir {
            path: data_dir.clone(),
            source,
        })?;
        progress("starting the devnet and deploying the peaqOS stack");
        let chain_file = data_dir.join(CHAIN_FILE);
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
        let mut contracts = devnet
            .deployment
            .as_ref()
            .map(peaqos_contracts::Deployment::contract_addresses)
            .ok_or(StackError::NoDeployment(chain_file))?;
        crate::admin::hand_admin_flags_to_env_account(&devnet).await?;
        let base = match config.base_rpc_port {
            Some(port) => {
                progress("starting the Base devnet, the bridge and its relayer");
                let base = LocalBase::start(&devnet, port, &data_dir).await?;
                contracts.machine_nft_adapter = Some(base.bridge.deployment.adapter);
                Some(base)
            }
            None => None,
        };
        progress("starting the MCR service (indexer + API)");
        let mut mcr_config = McrConfig::for_devnet(
            &devnet.url,
            contracts,
            &format!("sqlite://{}", data_dir.join(MCR_DB).display()),
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
            &sqlite_url(&data_dir.join(GAS_STATION_DB)),
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
            base,
            contracts,
            _temp: temp,
        })
    }

    /// The contract addresses.
    pub const fn contracts(&self) -> ContractAddresses {
        self.contracts
    }

    /// The AdminFlags owner on the local stack: dev account [`ENV_ACCOUNT`], the `.env` key
    /// (the deployer hands it over on first start).
    pub fn admin(&self) -> Address {
        self.devnet.accounts[ENV_ACCOUNT].address
    }

    /// The Gas Station's test owner (dev account [`ENV_ACCOUNT`]).
    pub fn test_owner(&self) -> Address {
        self.devnet.accounts[ENV_ACCOUNT].address
    }

    /// Waits until the MCR indexer has seen the chain's current head.
    pub async fn wait_indexed(&self, timeout: Duration) -> Result<(), StackError> {
        // On the chain's own thread: no async worker waits for the chain lock.
        let head = self
            .devnet
            .node
            .run(|node| node.with_chain(|c| c.block_number()))
            .await?;
        Ok(self.mcr.wait_indexed(head, timeout).await?)
    }

    /// Stops the relayer and the Base devnet, the Gas Station, the MCR service and the devnet
    /// (saving both chains and the relayer's state to the data directory).
    pub async fn shutdown(self) -> Result<(), StackError> {
        if let Some(base) = self.base {
            base.shutdown().await?;
        }
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

/// Makes `dir` (and missing parents) [`DATA_DIR_MODE`], narrows what an earlier run (or an
/// older version) left in it to [`DATA_FILE_MODE`], and creates both databases empty with
/// [`DATA_FILE_MODE`] before SQLite opens them: SQLite then gives their `-wal` and `-shm` files
/// the same mode, whatever the umask. The chain state is written 0600 by the devnet itself.
fn private_data_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(DATA_DIR_MODE)
        .create(dir)?;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(DATA_DIR_MODE))?;
    for db in [MCR_DB, GAS_STATION_DB] {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(DATA_FILE_MODE)
            .open(dir.join(db))?;
    }
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        // Regular files only: a symlink's target is not ours to change.
        if entry.file_type()?.is_file() {
            std::fs::set_permissions(
                entry.path(),
                std::fs::Permissions::from_mode(DATA_FILE_MODE),
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    /// The mode bits of the directory and of every entry in it.
    fn modes(dir: &Path) -> Vec<(String, u32)> {
        let mut out = vec![(
            ".".to_owned(),
            std::fs::metadata(dir)
                .expect("stat dir")
                .permissions()
                .mode()
                & 0o777,
        )];
        for entry in std::fs::read_dir(dir).expect("ls") {
            let entry = entry.expect("entry");
            let meta = std::fs::symlink_metadata(entry.path()).expect("stat");
            out.push((
                entry.file_name().to_string_lossy().into_owned(),
                meta.permissions().mode() & 0o777,
            ));
        }
        out.sort();
        out
    }

    #[track_caller]
    fn assert_private(dir: &Path, expect_files: &[&str]) {
        let modes = modes(dir);
        for (name, mode) in &modes {
            let expected = if name == "." {
                DATA_DIR_MODE
            } else {
                DATA_FILE_MODE
            };
            assert_eq!(*mode, expected, "{name} is {mode:o}: {modes:?}");
        }
        for name in expect_files {
            assert!(
                modes.iter().any(|(n, _)| n == name),
                "{name} missing: {modes:?}"
            );
        }
    }

    /// Issue 13 finding 18: the data directory is 0700 and every file in it 0600, for a new
    /// directory, a temporary one, and one an earlier run left open.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_data_directory_and_its_files_are_private() {
        let parent = tempfile::tempdir().expect("tempdir");
        let data = parent.path().join("nested").join("data");
        let config = StackConfig {
            data_dir: Some(data.clone()),
            ..StackConfig::ephemeral()
        };
        let stack = LocalStack::start(config.clone(), |_| {})
            .await
            .expect("start");
        // The databases are in use (WAL mode: -wal and -shm exist while open).
        assert_private(&data, &[MCR_DB, GAS_STATION_DB]);
        stack.shutdown().await.expect("shutdown");
        assert_private(&data, &[MCR_DB, GAS_STATION_DB, CHAIN_FILE]);

        // What an older version left behind: everything open to others.
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        for (name, _) in modes(&data).into_iter().filter(|(n, _)| n != ".") {
            std::fs::set_permissions(data.join(name), std::fs::Permissions::from_mode(0o644))
                .expect("chmod");
        }
        let stack = LocalStack::start(config, |_| {}).await.expect("restart");
        assert_private(&data, &[MCR_DB, GAS_STATION_DB, CHAIN_FILE]);
        stack.shutdown().await.expect("shutdown");

        let temp = LocalStack::start(StackConfig::ephemeral(), |_| {})
            .await
            .expect("temporary");
        assert_private(&temp.data_dir.clone(), &[MCR_DB, GAS_STATION_DB]);
        temp.shutdown().await.expect("shutdown");
    }
}
