//! The node's configuration: the unified `peaq_robot.yaml` (`peaq_os:` block, alias `peaqos:`),
//! the environment and ROS parameters, with precedence
//! built-in defaults < preset < YAML < environment < parameters.
//!
//! Every key and env override of the official node is read (see docs/ros2.md). One addition:
//! `preset: local` (YAML `peaq_os.preset`, env `PEAQOS_ROS2_PRESET`, parameter
//! `peaq_os.preset`) fills the RPC, MCR API, Gas Station and all contract addresses of the local
//! stack started by `peaqos dev`, and enables the node.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use alloy::primitives::Address;
use peaqos_types::{ContractAddresses, network::Network};
use serde_yaml::Value;

/// Env var naming the YAML file (when the `config.yaml_path` parameter is empty).
pub const ENV_CONFIG_YAML: &str = "PEAQ_ROS2_CONFIG_YAML";
/// Env var selecting a preset (`local`, `testnet`, `mainnet`).
pub const ENV_PRESET: &str = "PEAQOS_ROS2_PRESET";
/// Largest YAML file read (bytes).
pub const MAX_YAML_BYTES: u64 = 1 << 20;
/// Built-in MCR API default (the official node's).
pub const DEFAULT_API_URL: &str = "http://127.0.0.1:8000";
/// Built-in registry path.
pub const DEFAULT_REGISTRY_PATH: &str = "~/.peaq_robot/peaqos_wallets.json";
/// Built-in QR format.
pub const DEFAULT_QR_FORMAT: &str = "svg";

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The YAML file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The YAML file is larger than [`MAX_YAML_BYTES`].
    #[error("{path} is larger than {MAX_YAML_BYTES} bytes")]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// The YAML file is not valid YAML.
    #[error("{path} is not valid YAML: {message}")]
    Yaml {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// An unknown preset name.
    #[error("unknown preset `{0}` (expected local, testnet or mainnet)")]
    Preset(String),
    /// A parameter with an unknown name or a bad value.
    #[error("bad parameter `{0}`")]
    Parameter(String),
}

/// The eight contract addresses, as configured text (checked when a call needs them).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contracts {
    /// IdentityRegistry.
    pub identity_registry: String,
    /// IdentityStaking.
    pub identity_staking: String,
    /// EventRegistry.
    pub event_registry: String,
    /// MachineNFT.
    pub machine_nft: String,
    /// DID precompile.
    pub did_registry: String,
    /// Batch precompile.
    pub batch_precompile: String,
    /// MachineAccountFactory (smart accounts only).
    pub machine_account_factory: String,
    /// MachineNFTAdapter (peaq → Base bridge only).
    pub machine_nft_adapter: String,
}

/// The per-role default signers used when a request's signer field is empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Defaults {
    /// Machine wallet.
    pub machine_address: String,
    /// Proxy (operator) wallet.
    pub proxy_address: String,
    /// Gas Station owner.
    pub owner_address: String,
}

/// SDK-side operational limits (0 = off).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Largest event value.
    pub max_value_per_tx: u64,
    /// Events per machine per window.
    pub rate_limit_max_events: u64,
    /// Window length, seconds.
    pub rate_limit_window_seconds: u64,
}

/// The resolved node configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeConfig {
    /// `peaq_os.enabled`: when false every service answers `DISABLED`.
    pub enabled: bool,
    /// The preset applied, if any.
    pub preset: String,
    /// peaq JSON-RPC URL.
    pub rpc_url: String,
    /// MCR API base URL.
    pub api_url: String,
    /// Gas Station base URL.
    pub faucet_base_url: String,
    /// Default QR format for 2FA setup.
    pub qr_format: String,
    /// Wallet registry file (public metadata; keys in the OWS vault next to it).
    pub wallet_registry_path: String,
    /// Default signers.
    pub defaults: Defaults,
    /// Contracts.
    pub contracts: Contracts,
    /// Operational limits.
    pub operational_limits: Limits,
}

impl Default for NodeConfig {
    fn default() -> Self {
        Self {
            enabled: false,
            preset: String::new(),
            rpc_url: String::new(),
            api_url: DEFAULT_API_URL.to_owned(),
            faucet_base_url: String::new(),
            qr_format: DEFAULT_QR_FORMAT.to_owned(),
            wallet_registry_path: DEFAULT_REGISTRY_PATH.to_owned(),
            defaults: Defaults::default(),
            contracts: Contracts::default(),
            operational_limits: Limits::default(),
        }
    }
}

/// A flat key (`rpc_url`, `contracts.machine_nft`, …) with its env override.
struct Key {
    key: &'static str,
    env: &'static str,
}

/// Every flat key, its env var; YAML alternates are handled in [`yaml_lookup`].
const KEYS: &[Key] = &[
    Key {
        key: "enabled",
        env: "PEAQOS_ENABLED",
    },
    Key {
        key: "preset",
        env: ENV_PRESET,
    },
    Key {
        key: "rpc_url",
        env: "PEAQOS_RPC_URL",
    },
    Key {
        key: "api_url",
        env: "PEAQOS_MCR_API_URL",
    },
    Key {
        key: "faucet_base_url",
        env: "PEAQOS_FAUCET_URL",
    },
    Key {
        key: "faucet.qr_format",
        env: "PEAQOS_QR_FORMAT",
    },
    Key {
        key: "wallet_registry.path",
        env: "PEAQOS_WALLET_REGISTRY",
    },
    Key {
        key: "defaults.machine_address",
        env: "PEAQOS_DEFAULT_MACHINE_ADDRESS",
    },
    Key {
        key: "defaults.proxy_address",
        env: "PEAQOS_DEFAULT_PROXY_ADDRESS",
    },
    Key {
        key: "defaults.owner_address",
        env: "PEAQOS_DEFAULT_OWNER_ADDRESS",
    },
    Key {
        key: "contracts.identity_registry",
        env: "IDENTITY_REGISTRY_ADDRESS",
    },
    Key {
        key: "contracts.identity_staking",
        env: "IDENTITY_STAKING_ADDRESS",
    },
    Key {
        key: "contracts.event_registry",
        env: "EVENT_REGISTRY_ADDRESS",
    },
    Key {
        key: "contracts.machine_nft",
        env: "MACHINE_NFT_ADDRESS",
    },
    Key {
        key: "contracts.did_registry",
        env: "DID_REGISTRY_ADDRESS",
    },
    Key {
        key: "contracts.batch_precompile",
        env: "BATCH_PRECOMPILE_ADDRESS",
    },
    Key {
        key: "contracts.machine_account_factory",
        env: "MACHINE_ACCOUNT_FACTORY_ADDRESS",
    },
    Key {
        key: "contracts.machine_nft_adapter",
        env: "MACHINE_NFT_ADAPTER_ADDRESS",
    },
    Key {
        key: "operational_limits.max_value_per_tx",
        env: "PEAQOS_MAX_VALUE_PER_TX",
    },
    Key {
        key: "operational_limits.rate_limit_max_events",
        env: "PEAQOS_RATE_LIMIT_MAX_EVENTS",
    },
    Key {
        key: "operational_limits.rate_limit_window_seconds",
        env: "PEAQOS_RATE_LIMIT_WINDOW_SECONDS",
    },
];

/// The ROS parameter names (`config.yaml_path` aside): `peaq_os.<flat key>`, with
/// `peaq_os.faucet_base_url` for the Gas Station URL as the official node declares it.
pub fn parameter_names() -> Vec<String> {
    KEYS.iter().map(|k| format!("peaq_os.{}", k.key)).collect()
}

impl NodeConfig {
    /// Loads the configuration: `yaml_path` (parameter `config.yaml_path`, else
    /// [`ENV_CONFIG_YAML`]), then `env`, then `params` (name → text; only values that differ
    /// from the declared default are applied, as in the official node).
    pub fn load(
        yaml_path: Option<&str>,
        env: &impl Fn(&str) -> Option<String>,
        params: &BTreeMap<String, String>,
    ) -> Result<Self, ConfigError> {
        let yaml_path = yaml_path
            .filter(|p| !p.trim().is_empty())
            .map(str::to_owned)
            .or_else(|| env(ENV_CONFIG_YAML).filter(|p| !p.trim().is_empty()));
        let yaml = match yaml_path {
            Some(p) => Some(read_yaml(&expand_home(p.trim(), env))?),
            None => None,
        };
        for name in params.keys() {
            let known = name
                .strip_prefix("peaq_os.")
                .is_some_and(|k| KEYS.iter().any(|key| key.key == k));
            if !known && name != "config.yaml_path" {
                return Err(ConfigError::Parameter(name.clone()));
            }
        }
        // Each layer as flat key → text; later layers win where they hold a usable value.
        let mut layers: Vec<BTreeMap<&'static str, String>> = Vec::new();
        if let Some(block) = yaml.as_ref().and_then(peaq_os_block) {
            layers.push(
                KEYS.iter()
                    .filter_map(|k| Some((k.key, yaml_lookup(block, k.key)?)))
                    .collect(),
            );
        }
        layers.push(
            KEYS.iter()
                .filter_map(|k| Some((k.key, env(k.env)?)))
                .collect(),
        );
        layers.push(
            KEYS.iter()
                .filter_map(|k| Some((k.key, params.get(&format!("peaq_os.{}", k.key))?.clone())))
                .collect(),
        );
        let pick = |key: &str| -> Option<String> {
            layers
                .iter()
                .rev()
                .filter_map(|l| l.get(key))
                .map(|v| v.trim().to_owned())
                .find(|v| !v.is_empty() && (!is_int_key(key) || v.parse::<u64>().is_ok()))
        };
        let mut config = Self::default();
        if let Some(name) = pick("preset") {
            config.apply_preset(&name)?;
        }
        // Parameters can never set `false`: an explicit false in YAML/env still can.
        if let Some(v) = layers
            .iter()
            .take(layers.len() - 1)
            .rev()
            .filter_map(|l| l.get("enabled"))
            .map(|v| v.trim())
            .find(|v| !v.is_empty())
        {
            config.enabled = truthy(v);
        }
        if params.get("peaq_os.enabled").is_some_and(|v| truthy(v)) {
            config.enabled = true;
        }
        let set = |key: &str, slot: &mut String| {
            if let Some(v) = pick(key) {
                *slot = v;
            }
        };
        set("rpc_url", &mut config.rpc_url);
        set("api_url", &mut config.api_url);
        set("faucet_base_url", &mut config.faucet_base_url);
        set("faucet.qr_format", &mut config.qr_format);
        set("wallet_registry.path", &mut config.wallet_registry_path);
        set(
            "defaults.machine_address",
            &mut config.defaults.machine_address,
        );
        set("defaults.proxy_address", &mut config.defaults.proxy_address);
        set("defaults.owner_address", &mut config.defaults.owner_address);
        let c = &mut config.contracts;
        set("contracts.identity_registry", &mut c.identity_registry);
        set("contracts.identity_staking", &mut c.identity_staking);
        set("contracts.event_registry", &mut c.event_registry);
        set("contracts.machine_nft", &mut c.machine_nft);
        set("contracts.did_registry", &mut c.did_registry);
        set("contracts.batch_precompile", &mut c.batch_precompile);
        set(
            "contracts.machine_account_factory",
            &mut c.machine_account_factory,
        );
        set("contracts.machine_nft_adapter", &mut c.machine_nft_adapter);
        let int = |key: &str, slot: &mut u64| {
            if let Some(v) = pick(key).and_then(|v| v.parse().ok()) {
                *slot = v;
            }
        };
        let l = &mut config.operational_limits;
        int(
            "operational_limits.max_value_per_tx",
            &mut l.max_value_per_tx,
        );
        int(
            "operational_limits.rate_limit_max_events",
            &mut l.rate_limit_max_events,
        );
        int(
            "operational_limits.rate_limit_window_seconds",
            &mut l.rate_limit_window_seconds,
        );
        config.wallet_registry_path = expand_home(&config.wallet_registry_path, env)
            .to_string_lossy()
            .into_owned();
        Ok(config)
    }

    /// Fills URLs and contracts from a built-in network preset; `local` also enables the node.
    fn apply_preset(&mut self, name: &str) -> Result<(), ConfigError> {
        let network: Network = name
            .parse()
            .map_err(|_| ConfigError::Preset(name.to_owned()))?;
        let p = network.preset();
        self.preset = p.name.to_owned();
        self.rpc_url = p.rpc_url.to_owned();
        if !p.mcr_api_url.is_empty() {
            self.api_url = p.mcr_api_url.to_owned();
        }
        self.faucet_base_url = p.gas_station_url.to_owned();
        self.contracts = Contracts::from_addresses(&p.contracts);
        self.enabled = self.enabled || network == Network::Local;
        Ok(())
    }

    /// The names of the empty settings a chain client needs (`peaq_os.rpc_url` and the six core
    /// contracts), for the "missing peaqOS config" error.
    pub fn missing_chain_settings(&self) -> Vec<&'static str> {
        let c = &self.contracts;
        [
            ("peaq_os.rpc_url", &self.rpc_url),
            ("peaq_os.contracts.identity_registry", &c.identity_registry),
            ("peaq_os.contracts.identity_staking", &c.identity_staking),
            ("peaq_os.contracts.event_registry", &c.event_registry),
            ("peaq_os.contracts.machine_nft", &c.machine_nft),
            ("peaq_os.contracts.did_registry", &c.did_registry),
            ("peaq_os.contracts.batch_precompile", &c.batch_precompile),
        ]
        .into_iter()
        .filter(|(_, v)| v.trim().is_empty())
        .map(|(k, _)| k)
        .collect()
    }
}

impl Contracts {
    fn from_addresses(a: &ContractAddresses) -> Self {
        let s = |a: Address| a.to_checksum(None);
        Self {
            identity_registry: s(a.identity_registry),
            identity_staking: s(a.identity_staking),
            event_registry: s(a.event_registry),
            machine_nft: s(a.machine_nft),
            did_registry: s(a.did_registry),
            batch_precompile: s(a.batch_precompile),
            machine_account_factory: a.machine_account_factory.map(s).unwrap_or_default(),
            machine_nft_adapter: a.machine_nft_adapter.map(s).unwrap_or_default(),
        }
    }
}

fn is_int_key(key: &str) -> bool {
    key.starts_with("operational_limits.")
}

/// `1/true/yes/on`, any case.
fn truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "1" | "true" | "yes" | "on"
    )
}

fn expand_home(path: &str, env: &impl Fn(&str) -> Option<String>) -> PathBuf {
    match path.strip_prefix('~') {
        Some(rest) if rest.is_empty() || rest.starts_with('/') => {
            let home = env("HOME").unwrap_or_else(|| "/tmp".to_owned());
            PathBuf::from(format!("{home}{rest}"))
        }
        _ => PathBuf::from(path),
    }
}

fn read_yaml(path: &Path) -> Result<Value, ConfigError> {
    let read = |source| ConfigError::Read {
        path: path.to_owned(),
        source,
    };
    let len = std::fs::metadata(path).map_err(read)?.len();
    if len > MAX_YAML_BYTES {
        return Err(ConfigError::TooLarge {
            path: path.to_owned(),
        });
    }
    let text = std::fs::read_to_string(path).map_err(read)?;
    serde_yaml::from_str(&text).map_err(|e| ConfigError::Yaml {
        path: path.to_owned(),
        message: e.to_string(),
    })
}

/// `peaq_os:`, else `peaqos:` when `peaq_os` is absent or empty.
fn peaq_os_block(root: &Value) -> Option<&Value> {
    let non_empty = |v: &&Value| v.as_mapping().is_some_and(|m| !m.is_empty());
    root.get("peaq_os")
        .filter(non_empty)
        .or_else(|| root.get("peaqos").filter(non_empty))
}

/// A flat key's value in the block as text; alternates: `rpc_url` / `evm.rpc_url` (top-level
/// wins), `faucet.base_url` / `faucet_base_url` (`faucet.base_url` wins).
fn yaml_lookup(block: &Value, key: &str) -> Option<String> {
    let at = |path: &str| -> Option<String> {
        let mut v = block;
        for part in path.split('.') {
            v = v.get(part)?;
        }
        scalar_text(v)
    };
    let non_empty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    match key {
        "rpc_url" => non_empty(at("rpc_url")).or_else(|| non_empty(at("evm.rpc_url"))),
        "faucet_base_url" => {
            non_empty(at("faucet.base_url")).or_else(|| non_empty(at("faucet_base_url")))
        }
        other => at(other),
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> + use<> {
        let map: BTreeMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| map.get(k).cloned()
    }

    fn yaml_file(text: &str) -> tempfile::NamedTempFile {
        let f = tempfile::NamedTempFile::new().expect("temp");
        std::fs::write(f.path(), text).expect("write");
        f
    }

    #[test]
    fn defaults_are_the_official_nodes() {
        let c = NodeConfig::load(None, &env_of(&[("HOME", "/h")]), &BTreeMap::new()).expect("load");
        assert!(!c.enabled);
        assert_eq!(c.api_url, "http://127.0.0.1:8000");
        assert_eq!(c.qr_format, "svg");
        assert_eq!(c.wallet_registry_path, "/h/.peaq_robot/peaqos_wallets.json");
        assert_eq!(c.missing_chain_settings().len(), 7);
    }

    #[test]
    fn precedence_defaults_yaml_env_parameters() {
        let f = yaml_file(
            "peaq_os:\n  enabled: true\n  evm:\n    rpc_url: http://evm\n  api_url: http://yaml-api\n  faucet_base_url: http://flat\n  faucet:\n    base_url: http://nested\n    qr_format: png\n  contracts:\n    machine_nft: '0x1'\n  operational_limits:\n    max_value_per_tx: 5\n    rate_limit_max_events: nope\nother_node:\n  x: 1\n",
        );
        let path = f.path().to_string_lossy().into_owned();
        let env = env_of(&[
            ("PEAQOS_MCR_API_URL", "http://env-api"),
            ("MACHINE_NFT_ADDRESS", "0x2"),
            ("PEAQOS_RATE_LIMIT_MAX_EVENTS", "7"),
        ]);
        let mut params = BTreeMap::new();
        params.insert("peaq_os.contracts.machine_nft".to_owned(), "0x3".to_owned());
        params.insert("peaq_os.rpc_url".to_owned(), String::new());
        params.insert("peaq_os.enabled".to_owned(), "false".to_owned());
        let c = NodeConfig::load(Some(&path), &env, &params).expect("load");
        assert!(c.enabled, "a parameter never sets false");
        assert_eq!(
            c.rpc_url, "http://evm",
            "evm.rpc_url alternate; empty parameter ignored"
        );
        assert_eq!(c.api_url, "http://env-api", "env over YAML");
        assert_eq!(c.faucet_base_url, "http://nested", "faucet.base_url wins");
        assert_eq!(c.qr_format, "png");
        assert_eq!(c.contracts.machine_nft, "0x3", "parameter over env");
        assert_eq!(c.operational_limits.max_value_per_tx, 5);
        assert_eq!(
            c.operational_limits.rate_limit_max_events, 7,
            "non-integer YAML ignored"
        );
    }

    #[test]
    fn alias_block_and_env_yaml_path() {
        let f = yaml_file("peaq_os: {}\npeaqos:\n  enabled: 'on'\n  rpc_url: http://alias\n");
        let path = f.path().to_string_lossy().into_owned();
        let c = NodeConfig::load(None, &env_of(&[(ENV_CONFIG_YAML, &path)]), &BTreeMap::new())
            .expect("load");
        assert!(c.enabled);
        assert_eq!(c.rpc_url, "http://alias");
    }

    #[test]
    fn local_preset_points_at_peaqos_dev() {
        let c = NodeConfig::load(None, &env_of(&[(ENV_PRESET, "local")]), &BTreeMap::new())
            .expect("load");
        assert!(c.enabled);
        assert_eq!(c.rpc_url, peaqos_types::network::LOCAL_RPC_URL);
        assert_eq!(
            c.faucet_base_url,
            peaqos_types::network::LOCAL_GAS_STATION_URL
        );
        assert!(c.missing_chain_settings().is_empty());
        let env = env_of(&[
            (ENV_PRESET, "local"),
            ("PEAQOS_ENABLED", "0"),
            ("PEAQOS_RPC_URL", "http://other"),
        ]);
        let c = NodeConfig::load(None, &env, &BTreeMap::new()).expect("load");
        assert!(!c.enabled, "an explicit env false wins over the preset");
        assert_eq!(c.rpc_url, "http://other");
        assert!(
            NodeConfig::load(None, &env_of(&[(ENV_PRESET, "moon")]), &BTreeMap::new()).is_err()
        );
    }

    #[test]
    fn the_shipped_local_yaml_loads() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../ros2/peaq_robot.local.yaml"
        );
        let c = NodeConfig::load(Some(path), &env_of(&[("HOME", "/h")]), &BTreeMap::new())
            .expect("load");
        assert!(c.enabled);
        assert_eq!(c.preset, "local");
        assert!(c.missing_chain_settings().is_empty());
        assert_eq!(c.wallet_registry_path, "/h/.peaq_robot/peaqos_wallets.json");
    }

    #[test]
    fn unknown_parameter_and_bad_yaml_are_errors() {
        let mut params = BTreeMap::new();
        params.insert("peaq_os.nope".to_owned(), "1".to_owned());
        assert!(NodeConfig::load(None, &env_of(&[]), &params).is_err());
        let f = yaml_file("peaq_os: [unclosed");
        let path = f.path().to_string_lossy().into_owned();
        assert!(NodeConfig::load(Some(&path), &env_of(&[]), &BTreeMap::new()).is_err());
    }
}
