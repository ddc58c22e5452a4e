//! The `.env` a devnet writes: the variable names the official clients and ours read, rendered
//! by the one peaqOS `.env` renderer ([`peaqos_service::ClientEnv`]).

use peaqos_service::{ClientEnv, EnvSigner};

use crate::devnet::Devnet;

/// The warning under the title of every `.env` that holds a dev key.
pub const DEV_KEYS_NOTE: &str =
    "Dev keys from a public mnemonic: never use them on a real network.";

/// The configuration for dev account `account` (its key becomes `PEAQOS_PRIVATE_KEY`; no key
/// line when there is no such account). Addresses are EIP-55 checksummed: the official SDK's
/// batch path needs that.
pub fn client_env(devnet: &Devnet, account: usize) -> ClientEnv {
    ClientEnv {
        header: vec![
            format!(
                "peaqOS local devnet (peaqos-devnet), chain id {}",
                devnet.chain_id
            ),
            DEV_KEYS_NOTE.to_owned(),
        ],
        signer: devnet
            .accounts
            .get(account)
            .map(|a| EnvSigner::PrivateKey(a.private_key.to_string())),
        rpc_url: devnet.url.clone(),
        mcr_api_url: peaqos_types::network::LOCAL_MCR_API_URL.to_owned(),
        // No PEAQOS_NETWORK: the official CLI only knows mainnet/testnet and refuses others.
        network: None,
        gas_station_url: None,
        contracts_label: "local".to_owned(),
        contracts: devnet
            .deployment
            .as_ref()
            .map(peaqos_contracts::Deployment::contract_addresses),
    }
}

/// Renders [`client_env`].
pub fn render(devnet: &Devnet, account: usize) -> String {
    client_env(devnet, account).render()
}
