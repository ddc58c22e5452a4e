//! The configured signer's identity report: address, network, chain id, balance, machine id
//! and contracts. `whoami` prints it; `init` runs it to verify the `.env` it wrote.

use alloy::providers::Provider as _;

use crate::{
    env::{ENV_NETWORK, Env},
    error::{CliError, CliResult},
    output::{peaq, print_json, rows, rows_padded},
    ui::Ui,
};

/// What the report says about the configured signer.
pub(crate) struct Identity {
    client: peaqos_sdk::PeaqosClient,
    address: alloy::primitives::Address,
    chain_id: u64,
    balance: alloy::primitives::U256,
    machine_id: alloy::primitives::U256,
    network: String,
}

impl Identity {
    /// Reads the signer's chain state (chain id, balance, machine id).
    pub(crate) async fn read(ui: &Ui, env: &Env) -> CliResult<Self> {
        let client = env.client()?;
        let address = client.address();
        let spinner = ui.spinner("Reading chain state");
        let chain_id = client.chain_id().await?;
        let balance = client
            .provider()
            .get_balance(address)
            .await
            .map_err(|e| CliError::network(format!("eth_getBalance failed: {e}")))?;
        let machine_id = client.machine_id_of(address).await?;
        drop(spinner);
        let network = env.get(ENV_NETWORK).unwrap_or_else(|| "unknown".into());
        Ok(Self {
            client,
            address,
            chain_id,
            balance,
            machine_id,
            network,
        })
    }

    /// The `whoami --json` object.
    pub(crate) fn json(&self) -> serde_json::Value {
        let c = self.client.contracts();
        let address = self.address;
        serde_json::json!({
            "address": address.to_string(),
            "did": format!("did:peaq:{address}"),
            "network": self.network,
            "rpc_url": self.client.rpc_url(),
            "chain_id": self.chain_id,
            "balance_wei": self.balance.to_string(),
            "machine_id": (!self.machine_id.is_zero()).then(|| self.machine_id.to::<u64>()),
            "mcr_api_url": self.client.api_url(),
            "contracts": contracts_json(c),
        })
    }
}

/// The six contract addresses as the JSON outputs show them (`whoami`, the `dev` banner).
pub(crate) fn contracts_json(c: &peaqos_types::ContractAddresses) -> serde_json::Value {
    serde_json::json!({
        "identity_registry": c.identity_registry.to_string(),
        "identity_staking": c.identity_staking.to_string(),
        "event_registry": c.event_registry.to_string(),
        "machine_nft": c.machine_nft.to_string(),
        "did_registry": c.did_registry.to_string(),
        "batch_precompile": c.batch_precompile.to_string(),
    })
}

/// Prints the report for the signer `env` configures: a table, or one JSON object.
pub(crate) async fn show(ui: &Ui, env: &Env, json: bool) -> CliResult {
    let id = Identity::read(ui, env).await?;
    if json {
        return print_json(&id.json());
    }
    let (client, address) = (&id.client, id.address);
    let c = client.contracts();
    let machine = if id.machine_id.is_zero() {
        "not registered (run 'peaqos activate')".to_owned()
    } else {
        format!("{} (did:peaq:{address})", id.machine_id)
    };
    for line in rows_padded(
        "  ",
        &[
            ("Address", address.to_string()),
            ("Network", id.network.clone()),
            ("RPC URL", client.rpc_url().to_owned()),
            ("Chain ID", id.chain_id.to_string()),
            ("Balance", format!("{} PEAQ", peaq(id.balance))),
            ("Machine", machine),
            ("MCR API", client.api_url().to_owned()),
        ],
    ) {
        ui.out(line);
    }
    ui.out("");
    ui.out("  Contracts:");
    for line in rows(
        "    ",
        &[
            ("IdentityRegistry", c.identity_registry.to_string()),
            ("IdentityStaking", c.identity_staking.to_string()),
            ("EventRegistry", c.event_registry.to_string()),
            ("MachineNFT", c.machine_nft.to_string()),
            ("DID Registry", c.did_registry.to_string()),
            ("Batch Precompile", c.batch_precompile.to_string()),
        ],
    ) {
        ui.out(line);
    }
    Ok(())
}
