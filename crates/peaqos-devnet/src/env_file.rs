//! The `.env` a devnet writes: the variable names the official clients and ours read.

use std::fmt::Write as _;

use peaqos_types::constants::{
    ENV_ADMIN_FLAGS_ADDRESS, ENV_BATCH_PRECOMPILE_ADDRESS, ENV_DID_REGISTRY_ADDRESS,
    ENV_EVENT_REGISTRY_ADDRESS, ENV_IDENTITY_REGISTRY_ADDRESS, ENV_IDENTITY_STAKING_ADDRESS,
    ENV_MACHINE_ACCOUNT_FACTORY_ADDRESS, ENV_MACHINE_NFT_ADDRESS,
};

use crate::devnet::Devnet;

/// Renders the `.env` for dev account `account` (its key becomes `PEAQOS_PRIVATE_KEY`).
/// Addresses are EIP-55 checksummed: the official SDK's batch path needs that.
pub fn render(devnet: &Devnet, account: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# peaqOS local devnet (peaqos-devnet), chain id {}",
        devnet.chain_id
    );
    let _ = writeln!(
        out,
        "# Dev keys from a public mnemonic: never use them on a real network."
    );
    let _ = writeln!(out);
    if let Some(a) = devnet.accounts.get(account) {
        let _ = writeln!(out, "PEAQOS_PRIVATE_KEY={}", a.private_key);
    }
    let _ = writeln!(out, "PEAQOS_RPC_URL={}", devnet.url);
    let _ = writeln!(out, "PEAQOS_MCR_API_URL=http://127.0.0.1:8000");
    // No PEAQOS_NETWORK: the official CLI only knows mainnet/testnet and refuses other values.
    let _ = writeln!(out);
    let _ = writeln!(out, "# Contract Addresses (local)");
    if let Some(d) = &devnet.deployment {
        let c = d.contract_addresses();
        for (name, value) in [
            (ENV_IDENTITY_REGISTRY_ADDRESS, Some(c.identity_registry)),
            (ENV_IDENTITY_STAKING_ADDRESS, Some(c.identity_staking)),
            (ENV_EVENT_REGISTRY_ADDRESS, Some(c.event_registry)),
            (ENV_MACHINE_NFT_ADDRESS, Some(c.machine_nft)),
            (ENV_DID_REGISTRY_ADDRESS, Some(c.did_registry)),
            (ENV_BATCH_PRECOMPILE_ADDRESS, Some(c.batch_precompile)),
            (
                ENV_MACHINE_ACCOUNT_FACTORY_ADDRESS,
                c.machine_account_factory,
            ),
            (ENV_ADMIN_FLAGS_ADDRESS, c.admin_flags),
        ] {
            if let Some(v) = value {
                let _ = writeln!(out, "{name}={v}");
            }
        }
    }
    out
}
