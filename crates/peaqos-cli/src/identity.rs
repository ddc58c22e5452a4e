//! The configured signer's identity report: address, network, chain id, balance, machine id
//! and contracts. `whoami` prints it; `init` runs it to verify the `.env` it wrote.

use alloy::providers::Provider as _;

use crate::{
    env::{ENV_NETWORK, Env},
    error::{CliError, CliResult},
    output::{peaq, print_json, rows, rows_padded},
    ui::Ui,
};

/// Prints the report for the signer `env` configures: a table, or one JSON object.
pub(crate) async fn show(ui: &Ui, env: &Env, json: bool) -> CliResult {
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
    let c = client.contracts();
    if json {
        return print_json(&serde_json::json!({
            "address": address.to_string(),
            "did": format!("did:peaq:{address}"),
            "network": network,
            "rpc_url": client.rpc_url(),
            "chain_id": chain_id,
            "balance_wei": balance.to_string(),
            "machine_id": (!machine_id.is_zero()).then(|| machine_id.to::<u64>()),
            "mcr_api_url": client.api_url(),
            "contracts": {
                "identity_registry": c.identity_registry.to_string(),
                "identity_staking": c.identity_staking.to_string(),
                "event_registry": c.event_registry.to_string(),
                "machine_nft": c.machine_nft.to_string(),
                "did_registry": c.did_registry.to_string(),
                "batch_precompile": c.batch_precompile.to_string(),
            },
        }));
    }
    let machine = if machine_id.is_zero() {
        "not registered (run 'peaqos activate')".to_owned()
    } else {
        format!("{machine_id} (did:peaq:{address})")
    };
    for line in rows_padded(
        "  ",
        &[
            ("Address", address.to_string()),
            ("Network", network),
            ("RPC URL", client.rpc_url().to_owned()),
            ("Chain ID", chain_id.to_string()),
            ("Balance", format!("{} PEAQ", peaq(balance))),
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
