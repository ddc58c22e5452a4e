//! The `.env` of a local stack: the dev key, the three URLs, `PEAQOS_NETWORK=local` and every
//! contract address, rendered by the one peaqOS `.env` renderer
//! ([`peaqos_service::ClientEnv`]).

use peaqos_service::{ClientEnv, EnvSigner};

use crate::stack::{ENV_ACCOUNT, LocalStack};

/// The first line of a `.env` written by `peaqos dev` (it may overwrite such a file).
pub const ENV_MARKER: &str = "# peaqOS local stack (peaqos dev)";

impl LocalStack {
    /// The `.env` for this stack: dev account [`ENV_ACCOUNT`]'s key, the three URLs,
    /// `PEAQOS_NETWORK=local` and every contract address (EIP-55).
    pub fn env_file(&self) -> String {
        self.client_env().render()
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
