//! Built-in network presets for `peaqos init` and `peaqos dev` (no download).

use alloy::primitives::address;
use peaqos_types::ContractAddresses;
use peaqos_types::constants::{BATCH_PRECOMPILE_ADDRESS, DID_PRECOMPILE_ADDRESS};

/// What `init` writes for one network.
#[derive(Debug, Clone)]
pub(crate) struct Preset {
    /// `mainnet`, `testnet` or `local` (the value written as `PEAQOS_NETWORK`).
    pub(crate) name: &'static str,
    pub(crate) rpc_url: &'static str,
    pub(crate) mcr_api_url: &'static str,
    pub(crate) gas_station_url: &'static str,
    pub(crate) contracts: ContractAddresses,
    /// The Gas Station's `chainId` for this network.
    pub(crate) faucet_chain: &'static str,
}

/// The addresses a fresh `peaqos dev` / `peaqos-devnet` deploys (dev account 0, nonces from
/// genesis; a test checks them against a real devnet).
pub(crate) const LOCAL_CONTRACTS: ContractAddresses = ContractAddresses {
    identity_registry: address!("0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512"),
    identity_staking: address!("0xCf7Ed3AccA5a467e9e704C703E8D87F634fB0Fc9"),
    event_registry: address!("0x5FC8d32690cc91D4c39d9d3abcBD16989F875707"),
    machine_nft: address!("0xa513E6E4b8f2a923D98304ec87F64353C4D5C853"),
    did_registry: DID_PRECOMPILE_ADDRESS,
    batch_precompile: BATCH_PRECOMPILE_ADDRESS,
    machine_account_factory: Some(address!("0x610178dA211FEF7D417bC0e6FeD39F05609AD788")),
    machine_nft_adapter: None,
    admin_flags: Some(address!("0x8A791620dd6260079BF849Dc5567aDC3F2FdC318")),
};

/// Network names `init` accepts.
pub(crate) const NETWORKS: [&str; 3] = ["mainnet", "testnet", "local"];

/// The preset for `name` (`mainnet`/`peaq`, `testnet`/`agung`, `local`/`devnet`).
pub(crate) fn preset(name: &str) -> Option<Preset> {
    Some(match name.to_ascii_lowercase().as_str() {
        "mainnet" | "peaq" => Preset {
            name: "mainnet",
            rpc_url: "https://peaq.api.onfinality.io/public",
            mcr_api_url: "https://mcr.peaq.xyz",
            gas_station_url: "https://depinstation.peaq.xyz",
            contracts: ContractAddresses::peaq_mainnet(),
            faucet_chain: "peaq",
        },
        "testnet" | "agung" => Preset {
            name: "testnet",
            rpc_url: "https://peaq-agung.api.onfinality.io/public",
            mcr_api_url: "",
            gas_station_url: "",
            contracts: ContractAddresses::agung(),
            faucet_chain: "agung",
        },
        "local" | "devnet" => Preset {
            name: "local",
            rpc_url: "http://127.0.0.1:8545",
            mcr_api_url: "http://127.0.0.1:8000",
            gas_station_url: "http://127.0.0.1:8001",
            contracts: LOCAL_CONTRACTS,
            faucet_chain: "local",
        },
        _ => return None,
    })
}
