//! `peaqos dev`: the whole local stack in one process (devnet with the stack deployed, MCR
//! service, Gas Station, and a local Base devnet with the Machine NFT bridge and its relayer
//! unless `--no-base`) on loopback, a ready `.env`, Ctrl-C to stop.

use std::path::{Path, PathBuf};

use peaqos_service::ShutdownSignals;
use peaqos_stack::{
    DEV_TOTP_SECRET, ENV_ACCOUNT, ENV_MARKER, FAUCET_ACCOUNT, LocalStack, StackConfig,
};

use crate::{
    env::{Env, write_secret_file},
    error::{CliError, CliResult},
    output::rows,
    ui::{Style, Ui},
};

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Keep the chain and the databases in DIR across restarts (default: temporary).
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// JSON-RPC port on 127.0.0.1.
    #[arg(long, default_value_t = 8545, env = "PEAQOS_DEV_RPC_PORT")]
    rpc_port: u16,
    /// MCR API port on 127.0.0.1 (8000 is the SDKs' default MCR URL).
    #[arg(long, default_value_t = 8000, env = "PEAQOS_DEV_MCR_PORT")]
    mcr_port: u16,
    /// Gas Station port on 127.0.0.1.
    #[arg(long, default_value_t = 8001, env = "PEAQOS_DEV_GAS_STATION_PORT")]
    gas_station_port: u16,
    /// JSON-RPC port of the local Base devnet on 127.0.0.1.
    #[arg(long, default_value_t = 8546, env = "PEAQOS_DEV_BASE_RPC_PORT")]
    base_rpc_port: u16,
    /// Do not run the local Base devnet, the bridge and its relayer.
    #[arg(long)]
    no_base: bool,
    /// Where to write the .env (an existing one not written by `peaqos dev` is kept unless
    /// --force).
    #[arg(long, default_value = ".env")]
    env_file: PathBuf,
    /// Overwrite an existing .env.
    #[arg(long)]
    force: bool,
    /// Do not write a .env.
    #[arg(long)]
    no_env: bool,
}

pub(crate) async fn run(ui: &Ui, _env: &Env, args: Args) -> CliResult {
    let spinner = ui.spinner("Starting the local stack");
    let stack = LocalStack::start(
        StackConfig {
            rpc_port: args.rpc_port,
            mcr_port: args.mcr_port,
            gas_station_port: args.gas_station_port,
            base_rpc_port: (!args.no_base).then_some(args.base_rpc_port),
            data_dir: args.data_dir.clone(),
        },
        |step| ui.info(format!("  {step}")),
    )
    .await
    .map_err(|e| {
        CliError::new(
            crate::error::ErrorCode::StackFailed,
            format!("cannot start the local stack: {e}"),
        )
    })?;
    drop(spinner);
    // Before anything is printed: Ctrl-C or SIGTERM from then on stops the stack cleanly.
    let signals = ShutdownSignals::install()
        .map_err(|e| CliError::config(format!("cannot wait for Ctrl-C or SIGTERM: {e}")))?;
    if ui.json {
        let written = if args.no_env {
            None
        } else {
            write_env(ui, &args.env_file, &stack.env_file(), args.force)?
        };
        // One line, so a reader can take it as soon as it appears.
        println!("{}", banner_json(&stack, written.as_deref()));
    } else {
        print_banner(ui, &stack);
        if !args.no_env {
            write_env(ui, &args.env_file, &stack.env_file(), args.force)?;
        }
        ui.out("");
        ui.out(format!(
            "Ready. {}",
            ui.out_style(Style::Bold, "Ctrl-C stops everything.")
        ));
    }
    signals
        .run_until_shutdown(|_| async {
            ui.info("\nstopping the relayer, the Base devnet, the Gas Station, the MCR service and the devnet ...");
            stack.shutdown().await
        })
        .await
        .map_err(|e| CliError::config(format!("cannot wait for Ctrl-C or SIGTERM: {e}")))?
        .map_err(|e| CliError::config(format!("shutdown: {e}")))?;
    ui.info("stopped.");
    Ok(())
}

fn print_banner(ui: &Ui, stack: &LocalStack) {
    let d = &stack.devnet;
    ui.out(ui.out_style(Style::Bold, "peaqOS local stack"));
    let mut urls = vec![("Chain RPC", format!("{}  (chain id {})", d.url, d.chain_id))];
    if let Some(base) = &stack.base {
        urls.push((
            "Base RPC",
            format!("{}  (chain id {})", base.devnet.url, base.devnet.chain_id),
        ));
    }
    urls.extend([
        ("MCR API", stack.mcr.url()),
        ("Dashboard", format!("{}/ui", stack.mcr.url())),
        ("Gas Station", stack.gas_station.url()),
        ("Data", stack.data_dir.display().to_string()),
    ]);
    for line in rows("  ", &urls) {
        ui.out(line);
    }
    ui.out("");
    ui.out("Dev accounts (mnemonic 'test test ... junk': public keys, never use them elsewhere)");
    for (i, a) in d.accounts.iter().enumerate() {
        let role = match i {
            0 => "  deployer, owns the contracts",
            ENV_ACCOUNT => "  .env key; Gas Station test owner",
            FAUCET_ACCOUNT if stack.base.is_some() => "  funds the Gas Station; bridge relayer",
            FAUCET_ACCOUNT => "  funds the Gas Station",
            _ => "",
        };
        ui.out(format!("  ({i}) {}{role}", a.address));
    }
    ui.out("");
    ui.out("Gas Station test owner (2FA enrolled)");
    for line in rows(
        "  ",
        &[
            ("Owner", stack.test_owner().to_string()),
            ("TOTP secret", DEV_TOTP_SECRET.to_owned()),
            ("otpauth URI", stack.totp_uri.clone()),
        ],
    ) {
        ui.out(line);
    }
    ui.out("");
    ui.out("Contracts");
    let c = stack.contracts();
    let mut list = vec![
        ("IdentityRegistry", c.identity_registry.to_string()),
        ("IdentityStaking", c.identity_staking.to_string()),
        ("EventRegistry", c.event_registry.to_string()),
        ("MachineNFT", c.machine_nft.to_string()),
    ];
    if let Some(a) = c.admin_flags {
        list.push(("AdminFlags", a.to_string()));
    }
    if let Some(a) = c.machine_account_factory {
        list.push(("MachineAccountFactory", a.to_string()));
    }
    list.push(("DID precompile", c.did_registry.to_string()));
    list.push(("Batch precompile", c.batch_precompile.to_string()));
    if let Some(base) = &stack.base {
        let b = &base.bridge.deployment;
        list.push(("MachineNFTAdapter", b.adapter.to_string()));
        list.push(("LayerZero endpoint", b.peaq.endpoint.to_string()));
    }
    for line in rows("  ", &list) {
        ui.out(line);
    }
    if let Some(base) = &stack.base {
        let b = &base.bridge.deployment;
        ui.out("");
        ui.out("Base contracts (the relayer delivers LayerZero packets both ways)");
        for line in rows(
            "  ",
            &[
                ("MachineNFTBase", b.base_nft.to_string()),
                ("LayerZero endpoint", b.base.endpoint.to_string()),
            ],
        ) {
            ui.out(line);
        }
    }
}

/// The banner as one JSON object (`--json`): `"status": "ready"`, the URLs, the dev accounts'
/// public addresses, the 2FA test owner, the contracts and the `.env` written (or null).
fn banner_json(stack: &LocalStack, env_file: Option<&Path>) -> serde_json::Value {
    let d = &stack.devnet;
    let c = stack.contracts();
    serde_json::json!({
        "status": "ready",
        "rpc_url": d.url,
        "chain_id": d.chain_id,
        "mcr_api_url": stack.mcr.url(),
        "gas_station_url": stack.gas_station.url(),
        "data_dir": stack.data_dir.display().to_string(),
        "env_file": env_file.map(|p| p.display().to_string()),
        "accounts": d.accounts.iter().map(|a| a.address.to_string()).collect::<Vec<_>>(),
        "env_account": ENV_ACCOUNT,
        "gas_station_test_owner": stack.test_owner().to_string(),
        // A fixed, public development secret (the banner prints it too), not a user's.
        "dev_totp_secret": DEV_TOTP_SECRET,
        "contracts": crate::identity::contracts_json(&c),
        "base": stack.base.as_ref().map(|base| {
            let b = &base.bridge.deployment;
            serde_json::json!({
                "rpc_url": base.devnet.url,
                "chain_id": base.devnet.chain_id,
                "machine_nft_adapter": b.adapter.to_string(),
                "machine_nft_base": b.base_nft.to_string(),
                "peaq_endpoint": b.peaq.endpoint.to_string(),
                "base_endpoint": b.base.endpoint.to_string(),
            })
        }),
    })
}

/// Writes the stack's `.env` (0600) unless a foreign one is there and `force` is off; returns
/// the path written.
fn write_env(ui: &Ui, path: &Path, text: &str, force: bool) -> CliResult<Option<PathBuf>> {
    if let Ok(existing) = std::fs::read_to_string(path)
        && !force
        && !existing.starts_with(ENV_MARKER)
    {
        ui.warn(format!(
            "Warning: {} exists and was not written by 'peaqos dev': left unchanged (pass \
                 --force to overwrite). The values above configure the CLI and SDKs.",
            path.display()
        ));
        return Ok(None);
    }
    let written = write_secret_file(path, text)?;
    if !ui.json {
        ui.out("");
        ui.out(format!(".env written to {}", written.display()));
    }
    Ok(Some(written))
}
