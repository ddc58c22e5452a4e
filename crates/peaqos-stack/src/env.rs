//! The `.env` of a local stack: the dev key, the three URLs, `PEAQOS_NETWORK=local` and every
//! contract address (with the local Base chain, `MACHINE_NFT_ADAPTER_ADDRESS` too), rendered by
//! the one peaqOS `.env` renderer ([`peaqos_service::ClientEnv`]), then the Base section:
//! [`ENV_BASE_RPC_URL`] and [`ENV_BASE_NFT_ADDRESS`].

use peaqos_service::{ClientEnv, EnvSigner};

use crate::stack::{ENV_ACCOUNT, LocalStack};

/// The local Base chain's JSON-RPC URL. The official clients take it per call
/// (`bridge_nft(base_rpc_url=…)`, `wait_for_bridge_arrival(dst_rpc_url=…)`), not from the
/// environment, so the name follows their parameter.
pub const ENV_BASE_RPC_URL: &str = "BASE_RPC_URL";
/// The local `MachineNFTBase` address (the clients' `base_nft_address` parameter).
pub const ENV_BASE_NFT_ADDRESS: &str = "BASE_NFT_ADDRESS";

/// The first line of a `.env` written by `peaqos dev` (it may overwrite such a file).
pub const ENV_MARKER: &str = "# peaqOS local stack (peaqos dev)";

impl LocalStack {
    /// The `.env` for this stack: dev account [`ENV_ACCOUNT`]'s key, the three URLs,
    /// `PEAQOS_NETWORK=local` and every contract address (EIP-55).
    pub fn env_file(&self) -> String {
        let file = self.client_env().to_env_file();
        match &self.base {
            Some(base) => file
                .blank()
                .comment("Base (local devnet; the bridge's other side)")
                .var(ENV_BASE_RPC_URL, &base.devnet.url)
                .var(ENV_BASE_NFT_ADDRESS, base.bridge.deployment.base_nft)
                .render(),
            None => file.render(),
        }
    }

    /// The configuration [`LocalStack::env_file`] renders.
    pub fn client_env(&self) -> ClientEnv {
        ClientEnv {
            header: vec![
                ENV_MARKER.trim_start_matches("# ").to_owned(),
                peaqos_devnet::env_file::DEV_KEYS_NOTE.to_owned(),
            ],
            signer: Some(EnvSigner::PrivateKey(
                self.devnet.accounts[ENV_ACCOUNT].private_key.to_string(),
            )),
            rpc_url: self.devnet.url.clone(),
            mcr_api_url: self.mcr.url(),
            network: Some("local".to_owned()),
            gas_station_url: Some(self.gas_station.url()),
            contracts_label: "local".to_owned(),
            contracts: Some(self.contracts()),
        }
    }
}
