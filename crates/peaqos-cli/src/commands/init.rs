//! `peaqos init`: writes `./.env` (mode 0600 before any byte) from built-in network presets
//! and a key source; never echoes a secret.

use std::path::Path;

use peaqos_sdk::{PeaqosClient, signer::PrivateKey};

use crate::{
    env::{ENV_NETWORK, ENV_PRIVATE_KEY, Env, write_secret_file},
    error::{CliError, CliResult, ErrorCode},
    presets::{NETWORKS, Preset, preset},
    signer::{ensure_wallet, parse_key, read_key_file},
    ui::Ui,
};

/// Key sources.
const KEY_SOURCES: [&str; 4] = ["generate", "paste", "file", "wallet"];

#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Take every answer from flags and the environment; never prompt (also when stdin is not
    /// a terminal).
    #[arg(long)]
    non_interactive: bool,
    /// Overwrite an existing .env without asking.
    #[arg(long)]
    force: bool,
    /// mainnet, testnet (agung) or local (`peaqos dev`). Default: PEAQOS_NETWORK, else mainnet.
    #[arg(long, value_parser = ["mainnet", "testnet", "local", "peaq", "agung", "devnet"])]
    network: Option<String>,
    /// Where the signing key comes from. Non-interactive default: PEAQOS_PRIVATE_KEY from the
    /// environment when set, else an error.
    #[arg(long, value_parser = KEY_SOURCES)]
    key_source: Option<String>,
    /// With --key-source file: a file holding one 0x + 64 hex key.
    #[arg(long, value_name = "PATH")]
    key_file: Option<std::path::PathBuf>,
    /// With --key-source wallet: the OWS wallet name (created if it does not exist).
    #[arg(long, value_name = "NAME")]
    wallet: Option<String>,
    /// JSON-RPC URL (default: the network's).
    #[arg(long)]
    rpc_url: Option<String>,
    /// MCR API URL (default: the network's).
    #[arg(long)]
    mcr_api_url: Option<String>,
    /// Gas Station URL (default: the network's).
    #[arg(long)]
    gas_station_url: Option<String>,
    /// Do not run `whoami` after writing.
    #[arg(long)]
    no_verify: bool,
}

/// The signing identity written to the `.env`.
enum Signer {
    Key(PrivateKey),
    Wallet(String),
}

pub(crate) async fn run(ui: &Ui, env: &Env, args: Args) -> CliResult {
    // Not a terminal (an agent, CI, a pipe): every answer comes from flags and defaults.
    let interactive = !args.non_interactive && std::io::IsTerminal::is_terminal(&std::io::stdin());
    let network = match (&args.network, interactive) {
        (Some(n), _) => n.clone(),
        (None, true) => ui.choose(
            "Network",
            &NETWORKS,
            &env.get(ENV_NETWORK).unwrap_or_else(|| "mainnet".into()),
            "--network",
        )?,
        (None, false) => env.get(ENV_NETWORK).unwrap_or_else(|| "mainnet".into()),
    };
    let preset = preset(&network).ok_or_else(|| {
        CliError::user(format!(
            "Unknown network '{network}'. Known values: mainnet, testnet, local."
        ))
    })?;
    let source = match (&args.key_source, interactive) {
        (Some(s), _) => s.clone(),
        (None, true) => ui.choose(
            "Private key source",
            &KEY_SOURCES,
            "generate",
            "--key-source",
        )?,
        (None, false) => "env".to_owned(),
    };
    let signer = match source.as_str() {
        "env" => Signer::Key(parse_key(&env.get(ENV_PRIVATE_KEY).ok_or_else(|| {
            CliError::new(
                ErrorCode::InputRequired,
                format!(
                    "Missing required env var: {ENV_PRIVATE_KEY} (or pass --key-source generate|paste|file|wallet)"
                ),
            )
            .with_field("--key-source")
        })?)?),
        "generate" => {
            let (address, key) = PeaqosClient::generate_keypair();
            ui.info(format!("  Address:  {address}"));
            ui.info("  Key:      generated; written only to .env (mode 0600). Back it up securely.");
            Signer::Key(key)
        }
        "paste" => Signer::Key(parse_key(&ui.prompt_hidden("Private key", "--key-source file --key-file PATH")?)?),
        "file" => {
            let path = match (&args.key_file, interactive) {
                (Some(p), _) => p.clone(),
                (None, true) => ui.prompt("Key file", None, "--key-file")?.into(),
                (None, false) => {
                    return Err(CliError::new(
                        ErrorCode::InputRequired,
                        "--key-source file needs --key-file PATH",
                    )
                    .with_field("--key-file"));
                }
            };
            Signer::Key(read_key_file(&path)?)
        }
        _ => {
            let default = std::env::current_dir()
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_else(|| "peaqos".into());
            let name = match (&args.wallet, interactive) {
                (Some(n), _) => n.clone(),
                (None, true) => ui.prompt("Wallet name", Some(&default), "--wallet")?,
                (None, false) => default,
            };
            ensure_wallet(ui, env, &name)?;
            Signer::Wallet(name)
        }
    };
    let url =
        |value: &Option<String>, label: &str, flag: &str, default: &str| -> CliResult<String> {
            Ok(match (value, interactive) {
                (Some(v), _) => v.clone(),
                (None, true) => ui.prompt(label, Some(default), flag)?,
                (None, false) => default.to_owned(),
            })
        };
    let rpc = url(&args.rpc_url, "RPC URL", "--rpc-url", preset.rpc_url)?;
    let mcr = url(
        &args.mcr_api_url,
        "MCR API URL",
        "--mcr-api-url",
        preset.mcr_api_url,
    )?;
    let gas = url(
        &args.gas_station_url,
        "Gas Station URL",
        "--gas-station-url",
        preset.gas_station_url,
    )?;

    let path = Path::new(".env");
    if path.exists() && !args.force {
        if !interactive {
            return Err(CliError::new(
                ErrorCode::InputRequired,
                ".env already exists. Pass --force to overwrite it.",
            )
            .with_field("--force"));
        }
        if !ui.confirm("Overwrite existing .env?", false, "--force")? {
            return Err(CliError::new(
                ErrorCode::Aborted,
                "Aborted! .env left unchanged.",
            ));
        }
    }
    let text = render(&preset, &signer, &rpc, &mcr, &gas)?;
    let written = write_secret_file(path, &text)?;
    if ui.json {
        let address = match &signer {
            Signer::Key(key) => Some(key.address().to_string()),
            Signer::Wallet(_) => None,
        };
        // The verification's result is part of the one JSON document.
        let whoami = if args.no_verify {
            None
        } else {
            Some(
                match crate::identity::Identity::read(ui, &Env::load()?).await {
                    Ok(id) => id.json(),
                    Err(e) => e.json(),
                },
            )
        };
        return crate::output::print_json(&serde_json::json!({
            "env_file": written.display().to_string(),
            "network": preset.name,
            "address": address,
            "wallet": match &signer { Signer::Wallet(n) => Some(n.clone()), Signer::Key(_) => None },
            "rpc_url": rpc,
            "mcr_api_url": mcr,
            "gas_station_url": gas,
            "whoami": whoami,
        }));
    }
    ui.out(format!("  Config: .env written to {}", written.display()));
    if !args.no_verify {
        ui.info("\n  Running whoami to verify...");
        let fresh = Env::load()?;
        if crate::identity::show(ui, &fresh, false).await.is_err() {
            ui.warn("Warning: whoami verification failed; check your .env.");
        }
    }
    Ok(())
}

/// The `.env` text; a value the official clients' reader could not read back unchanged (a
/// wallet name or URL holding `${` or a control character) is exit 1.
fn render(preset: &Preset, signer: &Signer, rpc: &str, mcr: &str, gas: &str) -> CliResult<String> {
    let env = peaqos_service::ClientEnv {
        header: vec![
            "peaqOS CLI Configuration".to_owned(),
            "Generated by: peaqos init".to_owned(),
            format!("Network: {}", preset.name),
        ],
        signer: Some(match signer {
            Signer::Key(key) => peaqos_service::EnvSigner::PrivateKey(key.to_hex()),
            Signer::Wallet(name) => peaqos_service::EnvSigner::OwsWallet(name.clone()),
        }),
        rpc_url: rpc.to_owned(),
        mcr_api_url: mcr.to_owned(),
        network: Some(preset.name.to_owned()),
        gas_station_url: Some(gas.to_owned()),
        contracts_label: preset.name.to_owned(),
        contracts: Some(preset.contracts),
    };
    env.check()
        .map_err(|e| CliError::user(format!("Cannot write .env: {e}.")))?;
    Ok(env.render())
}
